"""Label noise: flip a fraction of a sample's labels by a seeded draw of its own.

The oldest open problem in learning automata is learning from labels with errors (the 2004
noisy-DFA competition flipped 10% of 5,000 training labels). ``run --label-noise P`` flips
``round(P * n)`` labels of the training strings and, by another draw, of the validation strings;
test labels are never touched, so a learner is scored against the truth. The draw is a pure
function of (seed, split, n, P): its generator is seeded from the cell's seed and a tag of its own
(:data:`NOISE_STREAM`), so it shares no state with the sampler and a seed reproduces the noisy
labels bit for bit. Which strings are drawn does not depend on P; which labels flip does.

The count is exact, not a coin per string: ``P = 0.1`` of 100,000 strings flips exactly 10,000.

>>> import numpy as np
>>> from challenges.core import Examples
>>> clean = Examples(np.array(["0", "3", "4", "6"]), np.array([True, True, False, True]),
...                  np.array([1, 1, 1, 1]), "train")
>>> noisy = flip_labels(clean, 0.25, seed=0)
>>> int((noisy.labels != clean.labels).sum()), noisy.texts.tolist() == clean.texts.tolist()
(1, True)
>>> flip_labels(clean, 0.0, seed=0) is clean
True
>>> flip_labels(clean, 0.5, seed=0)
Traceback (most recent call last):
...
challenges.errors.InvalidArgument: label noise must be at least 0 and below 0.5, got 0.5 (at 0.5 labels tell nothing)
"""

from __future__ import annotations

import math

import numpy as np

from .core import Examples
from .errors import InvalidArgument

NOISE_STREAM = 0x4E015E  # the noise generator's own tag: no other draw in the project uses it
_SPLIT_CODES = {"train": 1, "val": 2}  # test labels are never flipped


def check_label_noise(fraction: float) -> float:
    """``fraction`` if it is a share of labels a learner can still learn from: 0 <= P < 1/2.

    At 1/2 a label is a coin toss, independent of the string; above it the labels are the
    complement language's, less noisy: neither is a noisy version of the challenge.

    >>> check_label_noise(0.1)
    0.1
    """
    if not (isinstance(fraction, (int, float)) and math.isfinite(fraction) and 0 <= fraction < 0.5):
        raise InvalidArgument(
            f"label noise must be at least 0 and below 0.5, got {fraction} (at 0.5 labels tell nothing)"
        )
    return float(fraction)


def flipped_positions(n: int, fraction: float, seed: int, split: str) -> np.ndarray:
    """The sorted positions of the ``round(fraction * n)`` labels flipped in a sample of ``n``.

    >>> by_name = flipped_positions(10, 0.2, seed=3, split="train")
    >>> by_name.tolist() == flipped_positions(10, 0.2, 3, "train").tolist()
    True
    >>> len(flipped_positions(10, 0.2, 3, "val")), len(flipped_positions(10, 0.0, 3, "val"))
    (2, 0)
    """
    check_label_noise(fraction)
    if split not in _SPLIT_CODES:
        raise InvalidArgument(f"labels are flipped in the train and val splits only, not {split!r}")
    count = round(fraction * n)
    rng = np.random.default_rng([NOISE_STREAM, _SPLIT_CODES[split], seed])
    return np.sort(rng.choice(n, size=count, replace=False))


def flip_labels(examples: Examples, fraction: float, seed: int) -> Examples:
    """``examples`` with ``round(fraction * len(examples))`` labels flipped (a new object; the
    input, which a cache may share, is left alone). ``fraction == 0`` returns ``examples`` itself."""
    if check_label_noise(fraction) == 0:
        return examples
    labels = examples.labels.copy()
    positions = flipped_positions(len(examples), fraction, seed, examples.split)
    labels[positions] = ~labels[positions]
    return Examples(examples.texts, labels, examples.lengths, examples.split)
