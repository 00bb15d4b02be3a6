"""The Python way in: a challenge's data exactly as a run draws it, and scoring as ``score`` scores.

Three functions, each the very code the bench runs, so that what a researcher loads here cannot
drift from what the leaderboard measures:

* :func:`training_sets` -- the training and validation strings of one run (a seed and a profile):
  :func:`hofstadter.experiment.training_data`, the function every ``run`` cell calls;
* :func:`test_sets` -- the test strings of every scored length, as every run is scored on them
  (the evaluation seed, the profile's size per length): :func:`challenges.evaluate.evaluation_set`;
* :func:`evaluate` -- the run record of any ``predict`` function, built by the code of ``score``
  (:func:`hofstadter.scoring.score_predictions`): Wilson intervals, the solved rule and, for a model
  that hands over its automaton, a proof of exactness or the shortest counterexample.

``export`` writes the same sets to files (:mod:`hofstadter.commands.export_cmd`), and a test holds
the two equal. The PyTorch side, a ``Dataset`` and ``DataLoader`` over these sets, is
:mod:`baselines.training.torch_data` (``challenges`` and this module import no torch).

>>> data = training_sets("div3-base10", seed=100, profile="smoke")
>>> len(data.train), len(data.val), data.train_lengths
(512, 256, (1, 6))
>>> data.train.texts[:3].tolist(), data.train.labels[:3].tolist()
(['594', '253', '968'], [True, False, False])
>>> tests = test_sets("div3-base10", profile="smoke")
>>> sorted(tests)[-3:], len(tests[1000])
([60, 100, 1000], 64)
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from challenges import get_challenge
from challenges.core import Challenge, Examples
from challenges.errors import InvalidArgument
from challenges.evaluate import checked_predictions, evaluation_set, scored_lengths
from hofstadter.commands.board import BOARD_PROFILE, BOARD_RESULTS, BOARDS, join_published
from hofstadter.evaluation_seeds import REPORT_EVAL_SEED, evaluation_seed
from hofstadter.experiment import training_data
from hofstadter.profiles import get_profile
from hofstadter.scoring import Predictions, score_predictions
from hofstadter.store import ResultStore


@dataclass(frozen=True)
class RunData:
    """The labelled strings one run trains on: what a learner sees, besides the alphabet."""

    train: Examples
    val: Examples
    train_lengths: tuple[int, int]  # the range both were drawn over
    seed: int
    profile: str


def _challenge(challenge: str | Challenge) -> Challenge:
    return challenge if isinstance(challenge, Challenge) else get_challenge(challenge)


def training_sets(
    challenge: str | Challenge,
    *,
    seed: int,
    profile: str = "quick",
    train_lengths: tuple[int, int] | None = None,
    train_size: int | None = None,
) -> RunData:
    """The training and validation examples of the run ``run ID --seed SEED --profile PROFILE``.

    ``train_lengths`` and ``train_size`` are ``run``'s ``--train-lengths`` and ``--train-size``.
    Seeds 0-99 are development seeds (tune on them), 100 and up report seeds (publish on them).
    The same arguments give the same strings, in the same order, on every machine.
    """

    chosen = _challenge(challenge)
    train, val, lengths = training_data(chosen, seed, get_profile(profile), train_lengths, train_size)
    return RunData(train, val, lengths, seed, profile)


def test_sets(
    challenge: str | Challenge,
    *,
    profile: str = "quick",
    lengths: Iterable[int] | None = None,
    seed: int | None = None,
) -> dict[int, Examples]:
    """length -> the test examples every run of ``profile`` is scored on (all scored lengths by default).

    Test sets depend on neither the model nor the training seed, only on the seed's kind: every
    report-seed run (``seed`` None, the default, or 100 and up) is scored on the same strings, and
    every development-seed run (0-99) on strings of its own (:mod:`hofstadter.evaluation_seeds`).
    Lengths beyond the training range are the extrapolation test.
    """

    chosen = _challenge(challenge)
    size = get_profile(profile).test_size_for(chosen)
    eval_seed = REPORT_EVAL_SEED if seed is None else evaluation_seed(seed)
    return {n: evaluation_set(chosen, n, size(n), eval_seed) for n in scored_lengths(chosen, lengths)}


test_sets.__test__ = False  # a function named test_*, not a pytest test


def evaluate(
    predict: Callable[[np.ndarray], Any],
    challenge: str | Challenge,
    *,
    name: str,
    seed: int,
    profile: str = "quick",
    automaton: dict[str, Any] | None = None,
    description: str | None = None,
    board: str | None = None,
) -> dict[str, Any]:
    """The record ``score`` writes for a model whose answers come from ``predict``.

    ``predict`` takes an array of strings and returns one yes/no answer per string (booleans, or
    0 and 1). It is asked about every test string of ``profile``; the answers are then scored by
    :func:`hofstadter.scoring.score_predictions`, exactly as ``score`` scores a file of them. The
    model is listed as ``external:NAME``; ``seed`` is the seed of its training run (report seeds,
    100 and up, for anything meant for the board). ``automaton``, in the JSON form ``score``
    reads, is proven exact or given a counterexample. ``board="published"`` also appends the record
    to ``results/local/board/``, the store ``score --board published`` writes (the published
    records copied in first); ``leaderboard --results results/local/board`` then shows it.

    >>> record = evaluate(lambda texts: [int(t) % 3 == 0 for t in texts], "div3-base10",
    ...                   name="by-hand", seed=100, profile="smoke")
    >>> record["model"], record["seed"], record["status"]
    ('external:by-hand', 100, 'ok')
    >>> {m["length"]: m["accuracy"] for m in record["metrics"]}[1000]
    1.0
    """


    chosen = _challenge(challenge)
    answers: dict[str, bool] = {}
    counts: Counter[str] = Counter()
    for examples in test_sets(chosen, profile=profile).values():
        given = checked_predictions(predict(examples.texts), len(examples))
        for text, answer in zip(examples.texts.tolist(), given.tolist()):
            answers[text] = answer
            counts[text] += 1
    rows = "".join(json.dumps({"text": t, "prediction": answers[t]}) + "\n" for t in sorted(answers))
    predictions = Predictions(answers, counts, hashlib.sha256(rows.encode()).hexdigest(), "python",
                              automaton)  # fmt: skip
    record = score_predictions(chosen, predictions, name=name, seed=seed, profile=get_profile(profile),
                               description=description)  # fmt: skip
    if board is not None:
        _add_to_board(record, board, profile)
    return record


def _add_to_board(record: dict[str, Any], board: str, profile: str) -> None:
    """Append ``record`` to the local copy of the ``board`` (the published records, and yours)."""

    if board not in BOARDS or profile != BOARD_PROFILE:
        raise InvalidArgument(f"board must be one of {', '.join(BOARDS)}, with the {BOARD_PROFILE} "
                              f"profile; got board={board!r}, profile={profile!r}")  # fmt: skip
    join_published(BOARD_RESULTS)
    ResultStore(BOARD_RESULTS / "runs.jsonl").append(record)
