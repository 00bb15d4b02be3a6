"""A worked plugin: multiples of 13 in base 7, and a model that learns a digit-sum rule.

Installed (``pip install -e examples/plugin``) it is found through its entry points; unpackaged,
``python -m challenges --plugin hofstadter_example ...`` imports it from the current directory.
Importing the module registers nothing: the entry points call ``register_challenges`` and
``register_models``; ``--plugin`` calls ``register``.
"""

from __future__ import annotations

import numpy as np

from baselines import FitReport, Model, register_model
from challenges import register_challenge
from challenges.families import divisibility


def register_challenges() -> None:
    """One line over a parametric family: multiples of 13 written in base 7."""
    register_challenge(divisibility(13, 7))


class DigitSum(Model):
    """Member iff the digit sum is a multiple of k, with k chosen on the training split.

    Exact for multiples of any divisor of base-1 (3 and 9 in base 10, 2 in base 3), because
    base = 1 (mod k) makes every place value 1 (mod k); useless elsewhere -- which is the point of a
    benchmark: the rule a person might guess is not the rule of every challenge.
    """

    id = "digit-sum"
    description = "digit sum divisible by k, k in 2..30 picked on the training split"
    trainable = True

    def __init__(self) -> None:
        self.k = 2

    def applies_to(self, task) -> str | None:
        # A learner sees a LearnerView (alphabet, base, training lengths), not the challenge.
        if not task.alphabet.isalnum():
            return f"digit-sum reads numbers; strings over {task.alphabet!r} are not numbers"
        return None

    def _digit_sums(self, texts: np.ndarray) -> np.ndarray:
        return np.array([sum(int(ch, self.base) for ch in t) for t in texts.tolist()])

    def fit(self, task, train, val, seed: int) -> FitReport:
        self.base = task.base
        sums = self._digit_sums(train.texts)
        scores = {k: ((sums % k == 0) == train.labels).mean() for k in range(2, 31)}
        self.k = max(scores, key=scores.get)
        return FitReport(steps=1, extra={"k": self.k})

    def predict(self, texts: np.ndarray) -> np.ndarray:
        return self._digit_sums(texts) % self.k == 0


def register_models() -> None:
    register_model(DigitSum)


def register() -> None:
    """What ``--plugin hofstadter_example`` calls after importing the module."""
    register_challenges()
    register_models()
