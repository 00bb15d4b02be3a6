"""The adapter between a torch network and the model protocol: fit, predict, restore.

A :class:`NetworkModel` subclass names its config dataclass and says how to build its network
for an alphabet; fitting (the shared loop of :mod:`baselines.training.train`), batched prediction under
``torch.no_grad()`` and checkpoint restore are the same for every learned model, so they live here.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import Any, ClassVar

import numpy as np
import torch

from baselines.base import FitReport, learner_view_of
from baselines.configured import ConfiguredModel
from baselines.training.encoding import encode, length_buckets
from baselines.training.threads import one_torch_thread
from baselines.training.train import (
    Classifier,
    LabelledBatch,
    ProgressHook,
    TrainConfig,
    resolve_device,
    train_network,
)
from challenges.core import Examples, LearnerView
from challenges.errors import InvalidArgument


class NetworkModel(ConfiguredModel):
    """A model backed by a :class:`~baselines.training.train.Classifier`, configured by a dataclass.

    Built from a config or from its fields as keywords (see :class:`ConfiguredModel`).
    ``progress`` may be set to a hook before ``fit`` to watch training.
    """

    trainable = True
    answers_with = "network"
    # Thousands of steps over every symbol: on the equations (22-83 symbols) 0.5-2 minutes a
    # cell on one CPU core, together four-fifths of a whole CPU run; shorter strings stay in.
    cpu_symbol_limit = 20
    Config: ClassVar[type[TrainConfig]] = TrainConfig
    progress: ProgressHook | None = None

    def __init__(self, config: TrainConfig | None = None, **options: Any) -> None:
        super().__init__(config, **options)
        self.device = resolve_device(self.config.device)  # fail now, not after sampling data
        self.network: Classifier | None = None
        self.alphabet: str | None = None

    @abstractmethod
    def build(self, alphabet: str, task: LearnerView | None) -> Classifier:
        """A fresh network for strings over ``alphabet`` (``task`` is None on restore)."""

    @one_torch_thread()
    def fit(self, task: LearnerView, train: Examples, val: Examples, seed: int) -> FitReport:
        """Train a fresh network on ``train``, selecting the best state on ``val``."""
        generator, train_set, val_set = self.start_fit(task, train, val, seed)
        self.before_training(train_set)
        config = self.first_training_config()
        report = train_network(self.network, train_set, val_set, config, generator, self.progress)
        return self.after_training(report, train_set, val_set, generator)

    def start_fit(
        self, task: LearnerView, train: Examples, val: Examples, seed: int
    ) -> tuple[torch.Generator, LabelledBatch, LabelledBatch]:
        """What every fit starts with: a fresh network for ``task``, initialised by a generator
        seeded with ``seed`` (never torch's global seed), and the labelled strings as batches.
        Returns the generator, which goes on to order the minibatches, and the two batches."""
        task = learner_view_of(task)
        self.task, self.alphabet = task, task.alphabet
        generator = torch.Generator().manual_seed(seed)
        network = self.build(task.alphabet, task)
        network.reset_parameters(generator)
        self.network = network.to(self.device)
        train_set = LabelledBatch.of(train, self.alphabet, self.device)
        val_set = LabelledBatch.of(val, self.alphabet, self.device)
        return generator, train_set, val_set

    def before_training(self, train_set: LabelledBatch) -> None:
        """A hook for work between building the network and training it (the linear RNN hands
        its network the training strings' prefixes and suffixes, to read tables from)."""

    def first_training_config(self) -> TrainConfig:
        """The budgets of the training loop (a model that trains in stages may give it less)."""
        return self.config

    def after_training(
        self,
        report: FitReport,
        train_set: LabelledBatch,
        val_set: LabelledBatch,
        generator: torch.Generator,
    ) -> FitReport:
        """A hook for work after the loop (the soft automaton hardens itself here)."""
        return report

    def restore(self, alphabet: str, state_dict: dict[str, torch.Tensor]) -> None:
        """Rebuild the network for ``alphabet`` and load saved weights (see ``load_checkpoint``)."""
        self.alphabet = alphabet
        network = self.build(alphabet, None)
        network.load_state_dict(state_dict)
        self.network = network.to(self.device).eval()

    @torch.no_grad()
    @one_torch_thread()
    def predict(self, texts: np.ndarray) -> np.ndarray:
        """Membership guesses, computed in length buckets (long strings come in small batches)."""
        if self.network is None or self.alphabet is None:
            raise InvalidArgument(f"model '{self.id}' must be fitted (or loaded) before it predicts")
        texts = np.asarray(texts, dtype=np.str_).reshape(-1)
        guesses = np.zeros(texts.size, dtype=bool)
        lengths = np.char.str_len(texts)
        self.network.eval()
        for rows in length_buckets(lengths):
            ids, lengths_t = encode(texts[rows], self.alphabet)
            logits = self.network(ids.to(self.device), lengths_t.to(self.device))
            guesses[rows] = (logits > 0).cpu().numpy()
        return guesses

    def parameter_count(self) -> int:
        if self.network is None:
            return 0
        return sum(p.numel() for p in self.network.parameters() if p.requires_grad)
