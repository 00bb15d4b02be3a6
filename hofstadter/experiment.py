"""One experiment: fit a model on a challenge with one seed, score it at every length, return a record.

``run_experiment`` is a pure function of its arguments: it draws its own data, writes no files,
and returns plain JSON-ready data, so a runner may call it in worker processes and store records
wherever it likes (see :mod:`hofstadter.run`).

>>> from challenges import get_challenge
>>> from hofstadter.profiles import PROFILES
>>> record = run_experiment(get_challenge("even-base3"), "majority", 0, profile=PROFILES["smoke"])
>>> record["status"], record["metrics"][0]["split"], record["train_lengths"]
('ok', 'test', [1, 13])
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import baselines
from baselines.automata.exactness import ProofError
from baselines.base import BudgetExceeded, Model, fit_report, options_taken, task_for
from baselines.cpu_kernels import cpu_kernels
from baselines.model_spec import ModelSpec
from challenges.cache import cached_sample
from challenges.core import Challenge, Examples
from challenges.evaluate import score
from challenges.noise import flip_labels
from hofstadter.evaluation_seeds import evaluation_seed
from hofstadter.profiles import Profile
from hofstadter.provenance import data_fingerprint


def model_options_for(
    model_id: str, profile: Profile, device: str, overrides: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The options a model is built with: those its constructor takes from the profile (budgets,
    device, by its signature), then ``overrides`` (``gru:lr=0.1``) over them. The one place that
    decides it, for runs, keys, ``eval`` and ``explain``.

    >>> from hofstadter.profiles import PROFILES
    >>> model_options_for("rpni", PROFILES["smoke"], "cpu", {"time_budget": 5.0})
    {'time_budget': 5.0}
    """
    cap = profile.max_seconds * baselines.get_model_class(model_id).safety_cap_scale  # see Model
    wanted = {"max_steps": profile.max_steps, "max_seconds": cap, "device": device}
    return {**options_taken(model_id, wanted), **(overrides or {})}


def model_for_spec(spec: ModelSpec, profile: Profile, device: str = "cpu") -> Model:
    """A fresh model of ``spec`` (``gru:lr=0.1`` parsed) with :func:`model_options_for`'s options:
    what ``eval`` and the benchmarks build, as a ``run`` cell builds it.

    >>> from hofstadter.profiles import PROFILES
    >>> from baselines.model_spec import parse_model_spec
    >>> model_for_spec(parse_model_spec("rpni:time_budget=5"), PROFILES["smoke"]).id
    'rpni'
    """
    options = model_options_for(spec.model, profile, device, dict(spec.options))
    return baselines.create_model(spec.model, **options)


def training_data(
    challenge: Challenge,
    seed: int,
    profile: Profile,
    train_lengths: tuple[int, int] | None = None,
    train_size: int | None = None,
    label_noise: float = 0.0,
) -> tuple[Examples, Examples, tuple[int, int]]:
    """The training and validation examples a run draws, and the length range they cover.

    ``train_size`` (default: the profile's) strings are drawn exactly as the profile's are --
    balanced, over the training lengths, from the seed -- so runs that differ only in size are
    points on one learning curve; validation then holds a tenth as many strings more (at most the
    profile's), since validation strings are data a learner sees too. They are cached
    (:mod:`challenges.cache`): every model of a seed trains on the same strings, and slow ones
    (hard primes) are drawn once, not per model. ``label_noise`` flips that share of the training
    and of the validation labels after the draw (:func:`challenges.noise.flip_labels`, its own
    generator from ``seed``): the same strings as a clean run's, some labels wrong.
    """
    low, high = train_lengths or challenge.train_lengths
    size, val_size = profile.train_size, profile.val_size
    if profile.size_apart(train_size) is not None:
        size, val_size = train_size, min(val_size, max(1, train_size // 10))
    train = cached_sample(challenge, "train", size, seed, length_range=(low, high))
    val = cached_sample(challenge, "val", val_size, seed, length_range=(low, high))
    return flip_labels(train, label_noise, seed), flip_labels(val, label_noise, seed), (low, high)


def run_experiment(
    challenge: Challenge,
    model_id: str,
    seed: int,
    *,
    profile: Profile,
    train_lengths: tuple[int, int] | None = None,
    device: str = "cpu",
    model_options: dict[str, Any] | None = None,
    progress: Callable[[float], None] | None = None,
    train_size: int | None = None,
    label_noise: float = 0.0,
) -> dict[str, Any]:
    """Fit ``model_id`` on ``challenge`` and score it on the test split at every length.

    The model takes the profile's budgets and ``device`` where its constructor has those options;
    ``model_options`` override them. Training draws ``profile.train_size`` examples over
    ``train_lengths`` (the challenge's training range by default) and ``profile.val_size`` for
    validation; scoring covers the whole test split -- every in-range length, including those a
    narrower ``train_lengths`` left out, and every extrapolation length. ``progress`` receives the
    fraction of the training budget spent (training only; scoring is not counted).
    ``label_noise`` flips that share of the training and validation labels (never the test
    labels, and the learner is not told it); it is recorded as ``label_noise``.

    A learner is fitted on the challenge's :class:`~challenges.core.LearnerView` (the
    information wall, :func:`baselines.base.task_for`). A model whose final form is a DFA is
    compared with the challenge's minimal DFA: ``equivalent`` and ``counterexample`` say whether
    it is proven exact (see :mod:`baselines.automata.exactness`).

    Over 60 lines, on purpose: one experiment read top to bottom -- build, draw, fit, score, prove
    -- with each step's time taken where it happens; split, the timings would thread through helpers.
    """

    model = baselines.create_model(model_id, **model_options_for(model_id, profile, device, model_options))
    record: dict[str, Any] = {
        "challenge": challenge.id,
        "challenge_version": challenge.version,
        "model": model_id,
        "model_config": model.config_dict(),
        "knows_rule": model.knows_rule,
        "seed": seed,
    }
    if train_size is not None:
        record["train_size"] = train_size
    if label_noise:  # absent on clean runs, as in every record from before it existed
        record["label_noise"] = label_noise
    task = task_for(model, challenge, train_lengths)
    reason = model.applies_to(task)
    if reason is not None:
        return {**record, "status": "not-applicable", "reason": reason}
    drawing = time.perf_counter()
    train, val, lengths = training_data(challenge, seed, profile, train_lengths, train_size, label_noise)
    fingerprint = data_fingerprint(train, val)
    record.update(train_lengths=list(lengths), train_size=len(train), data_sha256=fingerprint)
    if progress is not None and hasattr(model, "progress"):  # networks, and models that train them
        model.progress = lambda state: progress(state.fraction)
    started = time.perf_counter()
    try:
        report = fit_report(model.fit(task, train, val, seed))  # None: a failed cell that says so
    except BudgetExceeded as over:
        return {**record, "status": "over-budget", "reason": str(over),
                "train_seconds": round(time.perf_counter() - started, 3)}  # fmt: skip
    fitted = time.perf_counter()
    train_seconds = report.train_seconds or fitted - started
    eval_seed = evaluation_seed(seed)  # report seeds: test strings no development run is scored on
    scoring = time.perf_counter()
    metrics = score(model.predict, challenge, n=profile.test_size_for(challenge), seed=eval_seed)
    proving = time.perf_counter()
    exactness = exactness_fields(model, challenge, metrics)
    # Where a cell's time goes besides training (wall_seconds, set by the runner, holds it all).
    # fit_seconds: all of fit, train_seconds: what the model reports as training (a loop alone).
    spent = {"data_seconds": round(started - drawing, 3), "fit_seconds": round(fitted - started, 3),
             "score_seconds": round(proving - scoring, 3),
             "proof_seconds": round(time.perf_counter() - proving, 3)}  # fmt: skip
    return {
        **record,
        "model_config": model.config_dict(),
        "model_version": model.version,
        "eval_seed": eval_seed,
        "metrics": [metric.to_dict() for metric in metrics],
        "train_seconds": round(train_seconds, 3),
        "steps": report.steps,
        "parameters": model.parameter_count(),
        "best_val_accuracy": report.best_val_accuracy,
        "fit": report.extra,
        **exactness,
        **spent,
        "device": device,
        # The kernels torch ran, where it ran (a state-merging learner in a process without torch: none).
        **({"cpu_kernels": cpu_kernels()} if "torch" in sys.modules else {}),
        "status": "ok",
    }


def exactness_fields(model: Any, challenge: Challenge, metrics: list | None = None) -> dict[str, Any]:
    """``equivalent``, ``counterexample`` and ``dfa_states`` for a model whose final form is a DFA.

    None of them for the others: their exactness is sampled, not proven. A DFA proven equivalent
    to the reference that errs on a test string (``metrics``) means the test labels and the rule
    disagree -- a plugin's sampler wrong at 1000 digits, a forged conformance pass --: the cell
    fails with that reason (:class:`baselines.automata.exactness.ProofError`) instead of recording both.
    So does a verdict of inexactness (a plugin's own ``prove_exact``) without a counterexample,
    or with one on which the oracle agrees with the model.
    """

    verdict = model.prove_exact(challenge)
    if verdict is None:
        return {}
    if verdict.equivalent is False:
        _check_disproof(model, challenge, verdict.counterexample)
    wrong = [m for m in metrics or () if m.accuracy < 1]
    if verdict.equivalent and wrong:
        raise ProofError(
            f"{challenge.id}: the automaton is proven equivalent to the reference, yet scores "
            f"{wrong[0].accuracy:.1%} at length {wrong[0].length}: the test labels contradict the "
            "rule (a sampler or oracle that is wrong there?)"
        )
    fields = {"equivalent": verdict.equivalent, "counterexample": verdict.counterexample,
              "dfa_states": verdict.states}  # fmt: skip
    if verdict.note:
        fields["equivalence_note"] = verdict.note
    return fields


def _check_disproof(model: Any, challenge: Challenge, counterexample: str | None) -> None:
    """A proof of inexactness carries a string on which the oracle and the model disagree."""


    if counterexample is None:
        raise ProofError(f"{challenge.id}: the model is declared not exact without a counterexample")
    try:
        said = bool(np.asarray(model.predict(np.array([counterexample])))[0])
    except Exception:  # noqa: BLE001 - a model that cannot answer it (a file of answers): its DFA was checked
        return
    if said == bool(challenge.is_member(counterexample)):
        raise ProofError(f"{challenge.id}: the counterexample {counterexample!r} is none: the oracle and "
                         "the model agree on it")  # fmt: skip
