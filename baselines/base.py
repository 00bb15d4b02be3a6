"""The one small protocol every contestant implements, and the model registry.

Modelled on scikit-learn's estimators: ``fit`` on a training split (a no-op for fixed references),
``predict`` a boolean per string. A model never reaches into a challenge's internals: it sees the
challenge's public facts (id, base, alphabet, parameters, lengths) and labelled examples.

>>> from baselines import get_model_class
>>> get_model_class("majority").trainable
True
"""

from __future__ import annotations

import inspect
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, field, is_dataclass
from typing import Any, ClassVar

import numpy as np

from challenges.core import Challenge, Examples
from challenges.errors import InvalidArgument, UnknownModel
from challenges.registry import Registry


@dataclass
class FitReport:
    """What fitting cost and reached; stored in every result record."""

    steps: int = 0
    train_seconds: float = 0.0
    best_val_accuracy: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class Model(ABC):
    """A contestant. Subclasses set the class attributes and implement ``predict``.

    ``config`` is a dataclass (or None) holding every setting that changes the model's answers;
    results are keyed by it, so two runs with equal configs are the same experiment.
    """

    id: ClassVar[str]
    description: ClassVar[str]
    trainable: ClassVar[bool] = False
    config: Any = None

    def applies_to(self, challenge: Challenge) -> str | None:
        """None if the model can be used on ``challenge``, else the reason it cannot."""
        return None

    def fit(self, challenge: Challenge, train: Examples, val: Examples, seed: int) -> FitReport:
        """Learn from ``train`` (select on ``val``); fixed references only remember the challenge."""
        self.challenge = challenge
        return FitReport()

    @abstractmethod
    def predict(self, texts: np.ndarray) -> np.ndarray:
        """Boolean membership guess for each string in ``texts`` (a numpy unicode array)."""

    def parameter_count(self) -> int:
        """Number of learned parameters (0 for fixed references)."""
        return 0

    def config_dict(self) -> dict[str, Any]:
        """The config as plain JSON-ready data."""
        if self.config is None:
            return {}
        return asdict(self.config) if is_dataclass(self.config) else dict(self.config)


MODELS: Registry[type[Model]] = Registry("model", UnknownModel)


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
    if inspect.isabstract(cls):
        missing = ", ".join(sorted(cls.__abstractmethods__))
        raise InvalidArgument(f"model '{cls.id}' ({cls.__name__}) does not implement: {missing}")
    return MODELS.register(cls.id, cls, origin=origin)


def get_model_class(model_id: str) -> type[Model]:
    """The class registered as ``model_id``; unknown ids raise with suggestions."""
    return MODELS.get(model_id)


def create_model(model_id: str, **options: Any) -> Model:
    """A fresh instance of ``model_id`` with ``options`` passed to its constructor."""
    return get_model_class(model_id)(**options)
