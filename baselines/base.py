"""The one small protocol every contestant implements, and the model registry.

Modelled on scikit-learn's estimators: ``fit`` on a training split (a no-op for fixed references),
``predict`` a boolean per string.

The information wall: a learner (``knows_rule = False``, the default) is fitted on a
:class:`~challenges.core.LearnerView` -- alphabet, base, training lengths -- and the labelled
strings, nothing else. Only references built from the rule (``knows_rule = True``: ``fsa``,
``fsa-approx``, ``rnn-compiled``) receive the :class:`~challenges.core.Challenge`, and tables show
them apart from the learners. :func:`task_for` is the one place that decides which a model gets.

>>> from baselines import get_model_class
>>> get_model_class("majority").trainable
True
"""

from __future__ import annotations

import inspect
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, field, is_dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from baselines.automata.exactness import Exactness, prove
from challenges.core import Challenge, Examples, LearnerView
from challenges.errors import ChallengeError, InvalidArgument, UnknownModel
from challenges.registry import Registry

if TYPE_CHECKING:
    from baselines.automata.dfa import DFA


class BudgetExceeded(ChallengeError):
    """A learner ran past its safety budget; the run is recorded as over budget, not hung."""


@dataclass
class FitReport:
    """What fitting cost and reached; stored in every result record."""

    steps: int = 0
    train_seconds: float = 0.0
    best_val_accuracy: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class BrokenContract(ChallengeError):
    """A model broke the protocol (``fit`` returned no FitReport); its cell fails with this reason."""


def fit_report(report: Any) -> FitReport:
    """``report`` if it is the :class:`FitReport` ``fit`` must return, else one clear error.

    >>> fit_report(FitReport(steps=3)).steps
    3
    >>> fit_report(None)
    Traceback (most recent call last):
    ...
    baselines.base.BrokenContract: fit must return a FitReport, got None
    """
    if not isinstance(report, FitReport):
        got = "None" if report is None else f"{type(report).__name__} {report!r:.60}"
        raise BrokenContract(f"fit must return a FitReport, got {got}")
    return report


class Model(ABC):
    """A contestant. Subclasses set the class attributes and implement ``predict``.

    ``config`` is a dataclass (or None) holding every setting that changes the model's answers;
    results are keyed by it, so two runs with equal configs are the same experiment.
    """

    id: ClassVar[str]
    description: ClassVar[str]
    trainable: ClassVar[bool] = False
    knows_rule: ClassVar[bool] = False  # built from the rule: sees the Challenge, shown apart
    # How tables group the model: "learner" (raw strings only), "structured" (a learner over an
    # encoding built by hand, which ``built_in`` names in one line; shown apart from the learners,
    # as references are) or "reference" (built from the rule, with ``knows_rule``).
    kind: ClassVar[str] = "learner"
    built_in: ClassVar[str] = ""
    # What answers a test string once the model is fitted, for the plots' panels: "network" (its
    # own forward pass), "automaton" (a DFA it learned or read off), "rule" (a trivial rule of
    # thumb), or "" (not said: a plugin's model).
    answers_with: ClassVar[str] = ""
    # A whole-benchmark run on CPU (`run --all` without --model) leaves this model out of the
    # challenges whose training strings are longer than this many symbols: None, never; 0, every
    # challenge. Such cells run with --include-slow, --model, or --device cuda (networks' cells
    # are slow on a CPU, fast on a GPU).
    cpu_symbol_limit: ClassVar[int | None] = None
    # A profile's ``max_seconds`` is a safety cap against a hang, set far above what its steps take
    # (results are a function of steps). A model whose steps take longer than that on a 2-core CPU
    # gets this many times the profile's cap (:func:`hofstadter.experiment.model_options_for`), so
    # that the cap never decides one of its figures. 1 for every model whose cells fit the cap.
    safety_cap_scale: ClassVar[float] = 1.0
    # The version of the model's code. A change that can change a fitted model's answers (training,
    # selection, prediction) bumps it, so that its runs are keyed apart from the older records
    # (:func:`hofstadter.run.cell_key`); ``tests/test_model_versions.py`` fails when a model's
    # code changed and its version did not.
    version: ClassVar[int] = 1
    config: Any = None

    def applies_to(self, task: Task) -> str | None:
        """None if the model can be used on ``task`` (what :func:`task_for` gives it), else why not."""
        return None

    def fit(self, task: Task, train: Examples, val: Examples, seed: int) -> FitReport:
        """Learn from ``train`` (select on ``val``); fixed references only remember the challenge.

        ``task`` is a :class:`LearnerView` for learners, the :class:`Challenge` for references.
        """
        self.task = task
        return FitReport()

    def as_dfa(self) -> "DFA | None":
        """The fitted model as a DFA, where that is its final form (so exactness can be proven)."""
        return None

    def prove_exact(self, challenge: Challenge) -> Exactness | None:
        """After fitting: is the model's DFA the challenge's language? None where it is no DFA.

        Called by the runner once training is over, to score, never by ``fit``. The proof needs the
        hand-built automata (:mod:`baselines.references.rule_automata`), never a model: no circle.
        """
        dfa = self.as_dfa()
        return None if dfa is None else prove(dfa, challenge)

    @abstractmethod
    def predict(self, texts: np.ndarray) -> np.ndarray:
        """Boolean membership guess for each string in ``texts`` (a numpy unicode array)."""

    def parameter_count(self) -> int:
        """Number of learned parameters (0 for fixed references)."""
        return 0

    def config_dict(self) -> dict[str, Any]:
        """The config as plain JSON-ready data: what records store and run keys hash.

        An option a config lists in ``LATER_OPTIONS`` (name -> the value that leaves behaviour as
        it was) is left out while it has that value, so that adding an option to a model does not
        re-key the runs recorded before it; set to anything else, it is in the key.
        """
        if self.config is None:
            return {}
        data = asdict(self.config) if is_dataclass(self.config) else dict(self.config)
        for name, unchanged in getattr(self.config, "LATER_OPTIONS", {}).items():
            if name in data and data[name] == unchanged:
                del data[name]
        return data


Task = Challenge | LearnerView


def learner_view_of(task: Task) -> LearnerView:
    """The wall for code that hands a learner a whole challenge: it still sees only the view."""
    return task.learner_view() if isinstance(task, Challenge) else task


def task_for(
    model: Model | type[Model], challenge: Challenge, train_lengths: tuple[int, int] | None = None
) -> Task:
    """What ``model`` may know of ``challenge``: the challenge for references, else the learner's view.

    >>> from challenges import get_challenge
    >>> task_for(get_model_class("gru"), get_challenge("div29-base10"))
    LearnerView(alphabet='0123456789', base=10, train_lengths=(1, 6))
    >>> task_for(get_model_class("fsa"), get_challenge("div29-base10")).id
    'div29-base10'
    """
    return challenge if model.knows_rule else challenge.learner_view(train_lengths)


MODELS: Registry[type[Model]] = Registry("model", UnknownModel)
MODEL_KINDS = ("learner", "structured", "reference")


def register_model(cls: type[Model], *, origin: str | None = None) -> type[Model]:
    """Class decorator / function: add a model class to the registry under ``cls.id``.

    A class that breaks the protocol (not a Model, no id or description, abstract methods left)
    is refused here with what is missing.
    """
    if not (isinstance(cls, type) and issubclass(cls, Model)):
        raise InvalidArgument(f"expected a subclass of baselines.Model, got {cls!r}")
    for attribute in ("id", "description"):
        if not isinstance(getattr(cls, attribute, None), str):
            raise InvalidArgument(f"model class {cls.__name__} needs a string '{attribute}'")
    if getattr(cls, "kind", "learner") not in MODEL_KINDS:
        kinds = ", ".join(MODEL_KINDS)
        raise InvalidArgument(f"model '{cls.id}': kind must be one of {kinds}, got {cls.kind!r}")
    if inspect.isabstract(cls):
        missing = ", ".join(sorted(cls.__abstractmethods__))
        raise InvalidArgument(f"model '{cls.id}' ({cls.__name__}) does not implement: {missing}")
    return MODELS.register(cls.id, cls, origin=origin)


def register_model_by_name(model_id: str, entry_point: str, *, origin: str | None = None) -> None:
    """Register ``model_id`` as ``"package.module:Class"``, imported when the model is first asked for.

    The module's own ``@register_model`` then fills the place (the protocol is checked there).
    """
    MODELS.register_lazy(model_id, entry_point, origin=origin)


def get_model_class(model_id: str) -> type[Model]:
    """The class registered as ``model_id``; unknown ids raise with suggestions."""
    return MODELS.get(model_id)


def options_taken(model_id: str, wanted: dict[str, Any]) -> dict[str, Any]:
    """The entries of ``wanted`` that ``model_id``'s constructor accepts (all, if it takes ``**``).

    >>> options_taken("rpni", {"max_steps": 10, "time_budget": 5.0})
    {'time_budget': 5.0}
    """
    accepted = inspect.signature(get_model_class(model_id)).parameters
    if any(p.kind is p.VAR_KEYWORD for p in accepted.values()):
        return dict(wanted)
    return {k: v for k, v in wanted.items() if k in accepted}


def create_model(model_id: str, **options: Any) -> Model:
    """A fresh instance of ``model_id`` with ``options`` passed to its constructor."""
    return get_model_class(model_id)(**options)
