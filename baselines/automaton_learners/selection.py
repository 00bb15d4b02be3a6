"""Model selection by validation: several learners on the same strings, one answers.

``neural-select`` trains the linear RNN and a soft automaton grown from 2 states on the same
training strings, with the same seed and each with the profile's budget, and keeps the one whose
answers agree with more validation strings -- then with more training strings, then the one whose
DFA has fewer states (Occam). Nothing but what each candidate may see is used: the alphabet, the
training lengths and the labelled strings. It is the standard practice of choosing between
architectures on held-out data, made a learner, so that the choice is part of what is measured
and never made by hand with the test lengths in view.

Why these two: on the learning curves (CHANGELOG.md) the soft automaton started small needs
as few strings as RPNI on the four small automata (100, 300, 10,000 and 3,000) and never learns
multiples of 29, while the linear RNN learns multiples of 29 from 30,000 strings but needs 3x
more than RPNI on the two smallest automata. Each is sure of itself where it is right (it agrees
with every validation string) and visibly unsure where it is wrong. Neither is given a size:
the linear RNN widens from 32 and the soft automaton grows from 2 states while validation asks
for more (:meth:`baselines.automaton_learners.linear_rnn.LinearRNNConfig.widths`).

>>> from challenges import get_challenge
>>> c = get_challenge("div3-base10")
>>> model = NeuralSelect(max_steps=1000)
>>> report = model.fit(c.learner_view(), c.sample("train", 300, seed=0), c.sample("val", 30, seed=0), seed=0)
>>> [(c["model"], round(c["val_accuracy"], 2)) for c in report.extra["candidates"]]
[('linear-rnn', 0.63), ('soft-automaton:start_states=2', 1.0)]
>>> report.extra["chosen"], model.as_dfa().minimize().num_states
('soft-automaton:start_states=2', 3)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from baselines.automata.dfa import DFA
from baselines.automaton_learners import linear_rnn, soft_automaton  # noqa: F401 -- see below
from baselines.base import (
    FitReport,
    Model,
    Task,
    create_model,
    get_model_class,
    learner_view_of,
    options_taken,
    register_model,
)  # fmt: skip
from baselines.configured import ConfiguredModel
from baselines.training.train import ProgressHook, TrainProgress, check_device_name
from challenges.core import Examples
from challenges.errors import ChallengeError, InvalidArgument

# The candidates are made by id, through the registry; their modules are imported above as well
# so that this model's code fingerprint covers theirs (baselines/model_versions.py follows
# module-level imports only): a candidate's change of behaviour is this model's, and must bump
# its version too.
DEFAULT_CANDIDATES = ("linear-rnn", "soft-automaton:start_states=2")


@dataclass(frozen=True)
class NeuralSelectConfig:
    """``candidates``: model specs (``id`` or ``id:key=value,...``) trained side by side; each
    gets the budgets ``max_steps`` / ``max_seconds`` (the profile's) and ``device``."""

    candidates: tuple[str, ...] = DEFAULT_CANDIDATES
    max_steps: int = 3000
    max_seconds: float = 600.0
    device: str = "cpu"

    def __post_init__(self) -> None:
        check_device_name(self.device)
        if not self.candidates:
            raise InvalidArgument("neural-select needs at least one candidate")
        for spec in self.candidates:
            parsed = _parse(spec)
            cls = get_model_class(parsed.model)
            if cls.knows_rule or not cls.trainable:
                raise InvalidArgument(f"candidate '{spec}' is not a learner: only learners may compete")
            if issubclass(cls, NeuralSelect):
                raise InvalidArgument(f"candidate '{spec}' is itself a selection")


@dataclass
class Candidate:
    """One trained candidate and how it did on the labelled strings."""

    spec: str
    model: Model
    report: FitReport
    val_accuracy: float
    train_accuracy: float
    dfa_states: int | None  # after minimisation; None where its final form is no DFA

    def rank(self) -> tuple[float, float, float]:
        """Larger is better: validation, then training agreement, then fewer states."""
        states = math.inf if self.dfa_states is None else self.dfa_states
        return (self.val_accuracy, self.train_accuracy, -states)

    def summary(self) -> dict[str, Any]:
        return {
            "model": self.spec,
            "val_accuracy": self.val_accuracy,
            "train_accuracy": self.train_accuracy,
            "dfa_states": self.dfa_states,
            "steps": self.report.steps,
            "train_seconds": round(self.report.train_seconds, 3),
        }


@register_model
class NeuralSelect(ConfiguredModel):
    """The linear RNN and a small-start soft automaton; the one validation prefers answers."""

    id = "neural-select"
    version = 7  # 2: its soft automaton keeps the smaller candidate unless a sign test says otherwise;
    # 3: its linear RNN candidate reads tables tolerant of wrong answers (issue 31); 4: its linear
    # RNN candidate is version 4 (a batch growing with the width, coordinate descent); 5: version 5
    # (each width its own budget and a fresh start); 6: version 6 (a widening that does not pay ends
    # the ladder); 7: version 7 (where no width reads a DFA, the networks' own accuracies decide)
    answers_with = "automaton"
    description = (
        "linear RNN and soft automaton (grown from 2 states) on the same strings; "
        "the better on validation answers (then training, then fewer states)"
    )
    trainable = True
    # Left out of a whole CPU run (see baselines.Model): two networks' steps a cell, and with the
    # quick profile's 100,000 strings it answers with the linear RNN on every regular challenge
    # (15 of 15 published cells), whose own row is in the run; its place is the learning curve.
    cpu_symbol_limit = 0
    Config = NeuralSelectConfig
    progress: ProgressHook | None = None

    def __init__(self, config: NeuralSelectConfig | None = None, **options: Any) -> None:
        super().__init__(config, **options)
        self.chosen: Candidate | None = None

    def fit(self, task: Task, train: Examples, val: Examples, seed: int) -> FitReport:
        view = learner_view_of(task)  # every candidate is a learner: it gets the wall's view
        trained = []
        for index, spec in enumerate(self.config.candidates):
            model = self._build(spec, index)
            report = model.fit(view, train, val, seed)
            trained.append(self._judge(spec, model, report, train, val))
        self.chosen = max(trained, key=Candidate.rank)  # the first of equals: candidates' order
        extra: dict[str, Any] = {
            "chosen": self.chosen.spec,
            "candidates": [candidate.summary() for candidate in trained],
        }
        if any(candidate.report.extra.get("hit_time_cap") for candidate in trained):
            extra["hit_time_cap"] = True
        return FitReport(
            steps=sum(candidate.report.steps for candidate in trained),
            train_seconds=sum(candidate.report.train_seconds for candidate in trained),
            best_val_accuracy=self.chosen.val_accuracy,
            extra=extra,
        )

    def _build(self, spec: str, index: int) -> Model:
        parsed = _parse(spec)
        budgets = {"max_steps": self.config.max_steps, "max_seconds": self.config.max_seconds,
                   "device": self.config.device}  # fmt: skip
        options = options_taken(parsed.model, budgets)
        model = create_model(parsed.model, **{**options, **dict(parsed.options)})
        if self.progress is not None and hasattr(model, "progress"):
            model.progress = _share(self.progress, index, len(self.config.candidates))
        return model

    @staticmethod
    def _judge(spec: str, model: Model, report: FitReport, train: Examples, val: Examples) -> Candidate:
        dfa = model.as_dfa()
        return Candidate(
            spec=spec,
            model=model,
            report=report,
            val_accuracy=_agreement(model, val),
            train_accuracy=_agreement(model, train),
            dfa_states=None if dfa is None else dfa.minimize().num_states,
        )

    def _fitted(self) -> Candidate:
        if self.chosen is None:
            raise InvalidArgument(f"model '{self.id}' must be fitted before it predicts")
        return self.chosen

    def predict(self, texts: np.ndarray) -> np.ndarray:
        return self._fitted().model.predict(texts)

    def as_dfa(self) -> DFA | None:
        return self._fitted().model.as_dfa()

    def parameter_count(self) -> int:
        """The parameters of the candidate that answers."""
        return 0 if self.chosen is None else self.chosen.model.parameter_count()


def _parse(spec: str):
    from baselines.model_spec import parse_model_spec

    try:
        return parse_model_spec(spec)
    except ChallengeError as error:
        raise InvalidArgument(f"neural-select candidate '{spec}': {error}") from None


def _agreement(model: Model, examples: Examples) -> float:
    """The fraction of ``examples`` the model labels right (0 for none)."""
    if len(examples) == 0:
        return 0.0
    return float(np.mean(model.predict(examples.texts) == examples.labels))


def _share(hook: ProgressHook, index: int, count: int) -> ProgressHook:
    """``hook`` seeing candidate ``index`` of ``count`` as its slice of one whole."""

    def report(state: TrainProgress) -> None:
        steps, seconds = state.max_steps, state.max_seconds
        hook(replace(state, step=index * steps + state.step, max_steps=count * steps,
                     seconds=index * seconds + state.seconds, max_seconds=count * seconds))  # fmt: skip

    return report


__all__ = ["Candidate", "NeuralSelect", "NeuralSelectConfig"]
