"""The state-regularised GRU: a GRU cell whose state is pulled to one of ``k`` learned centroids.

A GRU trained on numbers of 1-6 digits holds the residue automaton in its states (``explain``
reads it off), but its continuous state drifts off that automaton with length: by 30 digits it is
at chance. Here (after Wang & Niepert, *State-Regularized Recurrent Neural Networks*, ICML 2019)
every step of an ordinary GRU cell is followed by a **snap**: the new state ``h`` is replaced by a
mix of ``k`` learned centroids ``c_i``, weighted by ``softmax(-|h - c_i|^2 / (T s))`` (``s``: the
squared distance between neighbouring centroids when they were placed). At test time the snap is
hard -- ``h`` becomes its nearest centroid -- as part of the same forward pass. The state is then
always one of ``k`` points, so it cannot drift, and the network's own answer at 1000 digits is
that of the finite automaton its centroids form (:meth:`StateRegularisedGRUModel.as_dfa` gives it,
so that ``prove`` can check it; answers come from the network's forward pass, never from the DFA).

Training has two stages on one step budget. First the GRU trains freely (no snap) for
``warmup_share`` of the steps, or until it is perfect on validation. Then the centroids are placed
by k-means on the states the network visits on training strings, for each ``k`` of a ladder; the
hard network of each ``k`` is scored on validation and the smallest best one is kept (the size
comes from data). Last, cell, head and centroids train together through the soft snap, its
temperature annealed from ``temperature_start`` to ``temperature_end``, scored hard on validation.

Two more ingredients are options, measured in docs/learned.md ("Networks that extrapolate by
themselves"): Gaussian ``noise`` on the state during training (so that states become attractors),
and a ``drift`` loss on unlabelled strings far longer than training, drawn from the alphabet
(every state the free cell reaches on them must lie close to a centroid). ``snap=False`` leaves
the snap out: a plain GRU (with the noise and drift options).

>>> import numpy as np
>>> from challenges import get_challenge
>>> c = get_challenge("even-base3")
>>> model = StateRegularisedGRUModel(max_steps=400, hidden_size=16)
>>> report = model.fit(c.learner_view(), c.sample("train", 2000), c.sample("val", 500), seed=0)
>>> model.predict(np.array(["2", "21", "2" * 300])).tolist(), model.prove_exact(c).equivalent
([True, False, True], True)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from challenges.core import LearnerView
from challenges.errors import InvalidArgument

from .automata import DFA
from .base import FitReport, register_model
from .learned import NetworkModel
from .soft_automaton import doubling_ladder
from .train import Classifier, LabelledBatch, TrainConfig, accuracies, train_network

# States recorded for k-means: the prefixes of this many training strings.
_KMEANS_STRINGS = 4000
_KMEANS_ROUNDS = 25


@dataclass
class StateRegularisedGRUConfig(TrainConfig):
    """Settings of the state-regularised GRU (and of the loop, see :class:`TrainConfig`).

    ``warmup_share`` of ``max_steps`` at most go to the free GRU; the rest to training with the
    snap, whose temperature goes geometrically from ``temperature_start`` to ``temperature_end``
    (in units of the squared distance between neighbouring centroids). ``centroids`` fixes ``k``;
    otherwise k-means tries ``start_centroids``, doubling to ``max_centroids``, and the hard
    network's validation accuracy picks one. ``noise``: standard deviation of Gaussian noise on the
    state after every training step. ``drift``: weight of the loss that pulls the states reached on
    unlabelled strings of ``drift_length`` symbols towards their nearest centroid (the centroids
    stand for the states of short strings; the loss acts from the moment they are placed).

    >>> StateRegularisedGRUConfig().ladder(), StateRegularisedGRUConfig(centroids=5).ladder()
    ([4, 8, 16, 32, 64], [5])
    """

    hidden_size: int = 64
    snap: bool = True
    warmup_share: float = 0.6
    centroids: int | None = None
    start_centroids: int = 4
    max_centroids: int = 64
    temperature_start: float = 1.0
    temperature_end: float = 0.05
    noise: float = 0.0
    drift: float = 0.0
    drift_length: int = 30
    drift_batch: int = 32

    def __post_init__(self) -> None:
        super().__post_init__()
        if min(self.hidden_size, self.centroids or 1, self.start_centroids) < 1:
            raise InvalidArgument("hidden_size, centroids and start_centroids must be at least 1")
        if self.start_centroids > self.max_centroids:
            raise InvalidArgument(
                f"start_centroids ({self.start_centroids}) exceeds max_centroids ({self.max_centroids})"
            )
        if not 0 < self.warmup_share < 1:
            raise InvalidArgument(f"warmup_share must be in (0, 1), got {self.warmup_share}")
        if not (self.temperature_start > 0 and self.temperature_end > 0):
            raise InvalidArgument("temperatures must be positive")
        if min(self.noise, self.drift) < 0 or min(self.drift_length, self.drift_batch) < 1:
            raise InvalidArgument("noise and drift must be >= 0, drift_length and drift_batch >= 1")

    def ladder(self) -> list[int]:
        """Centroid counts k-means tries, smallest first."""
        return doubling_ladder(self.centroids, self.start_centroids, self.max_centroids)


class StateRegularisedGRU(Classifier):
    """One-hot symbols -> GRU cell -> snap to centroids, every step -> linear head on the last state.

    Without centroids (``k = 0``, the warm-up) it is a plain GRU. With them, the snap is soft in
    training mode (at the annealed temperature) and hard in eval mode, so the forward pass that
    answers is a finite-state machine over the centroids.
    """

    def __init__(self, symbols: int, config: StateRegularisedGRUConfig, centroids: int = 0) -> None:
        super().__init__()
        self.symbols, self.config = symbols, config
        self.rnn = nn.GRU(symbols, config.hidden_size, batch_first=True)  # one layer, fused when free
        self.head = nn.Linear(config.hidden_size, 1)
        self.centroids = nn.Parameter(torch.zeros(centroids, config.hidden_size))
        self.register_buffer("temperature", torch.tensor(config.temperature_start))
        self.register_buffer("scale", torch.tensor(1.0))  # squared distance between neighbours
        self._noise = torch.Generator()
        self._drift_ids: torch.Tensor | None = None
        self.short_length = 1  # the longest training length (set by the model before training)

    def reset_parameters(self, generator: torch.Generator) -> None:
        bound = 1 / math.sqrt(self.config.hidden_size)
        with torch.no_grad():
            for parameter in (*self.rnn.parameters(), *self.head.parameters()):
                parameter.uniform_(-bound, bound, generator=generator)
        self._noise.manual_seed(int(torch.randint(2**31, (1,), generator=generator)))

    @property
    def snapping(self) -> bool:
        return self.config.snap and len(self.centroids) > 0

    def anneal(self, fraction: float) -> None:
        start, end = self.config.temperature_start, self.config.temperature_end
        self.temperature.fill_(start * (end / start) ** fraction)

    def snap(self, state: torch.Tensor) -> torch.Tensor:
        """The state pulled to the centroids: a soft mix while training, the nearest one in eval."""
        if not self.snapping:
            return state
        scores = self.scores(state)
        if not self.training:
            return self.centroids[scores.argmax(dim=-1)]
        return torch.softmax(scores / self.temperature, dim=-1) @ self.centroids

    def scores(self, state: torch.Tensor) -> torch.Tensor:
        """How close ``state`` is to each centroid (larger: closer), at temperature 1."""
        return -torch.cdist(state, self.centroids).square() / self.scale

    def cell(self, state: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
        """The GRU cell alone on one symbol per row (with the training noise)."""
        inputs = F.one_hot(ids, self.symbols).to(state.dtype)
        r = self.rnn
        new = torch.gru_cell(inputs, state, r.weight_ih_l0, r.weight_hh_l0, r.bias_ih_l0, r.bias_hh_l0)
        if self.training and self.config.noise > 0:
            new = new + self.config.noise * torch.randn(new.shape, generator=self._noise).to(new)
        return new

    def step(self, state: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
        """One symbol for every row; padding ids leave the row's state unchanged."""
        new = self.snap(self.cell(state, ids.clamp(max=self.symbols - 1)))
        return torch.where((ids < self.symbols)[:, None], new, state)

    def initial(self, rows: int) -> torch.Tensor:
        """The state before any symbol: zero, as a GRU's (the empty string is never asked about)."""
        return self.head.weight.new_zeros(rows, self.config.hidden_size)

    def states(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """``[rows, width, hidden]``: every row's state after each of its symbols."""
        if not self.snapping and not (self.training and self.config.noise > 0):
            inputs = F.one_hot(ids, self.symbols + 1)[..., : self.symbols].to(self.head.weight.dtype)
            return self.rnn(inputs)[0]  # fused: the warm-up runs at a plain GRU's speed
        state, states = self.initial(len(ids)), []
        for column in ids.T:
            state = self.step(state, column)
            states.append(state)
        return torch.stack(states, dim=1)

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        last = (lengths - 1).clamp(min=0)
        final = self.states(ids, lengths)[torch.arange(len(ids), device=ids.device), last]
        return self.head(final).squeeze(-1)

    def penalty(self) -> torch.Tensor | float:
        """The drift loss on unlabelled strings far longer than training (see the config).

        Each state a string reaches past the training lengths is pulled towards the nearest
        centroid or, before there are centroids, the nearest state any string of the batch
        reached within the training lengths: long strings must stay among the short ones' states.
        """
        c = self.config
        if c.drift <= 0 or not self.training or self._drift_ids is None:
            return 0.0
        rows = torch.randint(len(self._drift_ids), (c.drift_batch,), generator=self._noise)
        state, reached = self.initial(c.drift_batch), []
        for column in self._drift_ids[rows.to(self._drift_ids.device)].T:
            state = self.cell(state, column)
            reached.append(state)
            state = self.snap(state)
        short = min(self.short_length, len(reached) - 1)
        anchors = self.centroids if self.snapping else torch.cat(reached[:short])
        beyond = torch.cat(reached[short:])
        gaps = torch.cdist(beyond, anchors).square().min(dim=-1).values.mean()
        return c.drift * gaps / self.scale

    def set_drift_strings(self, generator: torch.Generator, count: int = 2048) -> None:
        """Unlabelled strings of ``drift_length`` symbols drawn uniformly from the alphabet."""
        ids = torch.randint(self.symbols, (count, self.config.drift_length), generator=generator)
        self._drift_ids = ids.to(self.head.weight.device)

    @torch.no_grad()
    def visited(self, batch: LabelledBatch) -> torch.Tensor:
        """Every state the free network reaches on the prefixes of ``batch``'s strings."""
        self.eval()
        states = self.states(batch.ids, batch.lengths)
        mask = torch.arange(states.shape[1], device=states.device)[None, :] < batch.lengths[:, None]
        return states[mask]

    @torch.no_grad()
    def place_centroids(self, points: torch.Tensor, k: int, generator: torch.Generator) -> None:
        """Centroids by k-means (k-means++ start) on ``points``; sets the temperature's scale."""
        chosen = points[torch.randint(len(points), (1,), generator=generator)]
        for _ in range(1, k):
            gaps = torch.cdist(points, chosen).square().min(dim=-1).values
            if float(gaps.sum()) <= 0:
                break
            chosen = torch.cat([chosen, points[torch.multinomial(gaps, 1, generator=generator)]])
        for _ in range(_KMEANS_ROUNDS):
            owner = torch.cdist(points, chosen).argmin(dim=-1)
            sums = torch.zeros_like(chosen).index_add_(0, owner, points)
            counts = torch.bincount(owner, minlength=len(chosen))[:, None]
            chosen = torch.where(counts > 0, sums / counts.clamp(min=1), chosen)  # empty: stays
        self.centroids = nn.Parameter(chosen.contiguous())
        if len(chosen) > 1:
            gaps = torch.cdist(chosen, chosen).square() + torch.eye(len(chosen)) * 1e9
            self.scale.fill_(float(gaps.min(dim=-1).values.mean().clamp(min=1e-6)))

    @torch.no_grad()
    def automaton(self, alphabet: str) -> DFA:
        """The finite automaton the hard forward pass is: centroids (and the zero start) as states."""
        was_training = self.training
        self.eval()
        k = len(self.centroids)
        points = torch.cat([self.centroids, self.initial(1)])  # state k is the start
        table = np.zeros((k + 1, self.symbols), dtype=np.intp)
        for s in range(self.symbols):
            after = self.step(points, torch.full((k + 1,), s, dtype=torch.int64, device=points.device))
            table[:, s] = self.scores(after).argmax(dim=-1).cpu().numpy()
        accepting = (self.head(points).squeeze(-1) > 0).cpu().numpy()
        self.train(was_training)
        return DFA(table, start=k, accepting=accepting, alphabet=alphabet)


@register_model
class StateRegularisedGRUModel(NetworkModel):
    """See the module docstring. The network answers; :meth:`as_dfa` is for ``prove`` only."""

    Config = StateRegularisedGRUConfig
    id = "sr-gru"
    description = "state-regularised GRU: each state snapped to learned centroids (hard at test time)"
    _restore_size = 0

    def build(self, alphabet: str, task: LearnerView | None) -> StateRegularisedGRU:
        return StateRegularisedGRU(len(alphabet), self.config, self._restore_size)

    def restore(self, alphabet: str, state_dict: dict[str, torch.Tensor]) -> None:
        self._restore_size = len(state_dict["centroids"])
        super().restore(alphabet, state_dict)

    def first_training_config(self) -> TrainConfig:
        steps = max(1, round(self.config.warmup_share * self.config.max_steps))
        if not self.config.snap:  # a plain GRU: the whole budget, with noise and drift if asked
            steps = self.config.max_steps
        return replace(self.config, max_steps=steps)

    def before_training(self, train_set: LabelledBatch) -> None:
        assert isinstance(self.network, StateRegularisedGRU)
        if self.config.drift > 0:
            self.network.short_length = int(train_set.lengths.max())
            self.network.set_drift_strings(torch.Generator().manual_seed(len(train_set)))
        rows = torch.arange(min(len(train_set), _KMEANS_STRINGS), device=train_set.ids.device)
        self._sample = train_set.take(rows)

    def after_training(
        self, report: FitReport, train_set: LabelledBatch, val_set: LabelledBatch, generator: torch.Generator
    ) -> FitReport:
        """Place the centroids (k from the ladder, by hard validation accuracy), then train with the snap."""
        network = self.network
        assert isinstance(network, StateRegularisedGRU)
        if not self.config.snap:
            return report
        free = report.best_val_accuracy
        points = network.visited(self._sample)
        scored: dict[int, float] = {}
        best: tuple[float, int, dict[str, torch.Tensor]] | None = None
        for k in self.config.ladder():
            network.place_centroids(points, k, generator)
            scored[k] = float(accuracies(network, val_set))
            if best is None or scored[k] > best[0]:
                best = (scored[k], k, {n: t.clone() for n, t in network.state_dict().items()})
            if scored[k] >= 1.0:
                break
        assert best is not None
        network.centroids = nn.Parameter(torch.zeros_like(best[2]["centroids"]))
        network.load_state_dict(best[2])
        steps, seconds = report.steps, report.train_seconds
        if best[0] < 1.0:  # train through the snap on the budget the warm-up left
            # What the warm-up left of the step budget and of the safety cap.
            left = max(1.0, self.config.max_seconds - report.train_seconds)
            steps_left = max(1, self.config.max_steps - report.steps)
            rest = replace(self.config, max_steps=steps_left, max_seconds=left)
            snapped = train_network(network, train_set, val_set, rest, generator, self.progress)
            steps, seconds = steps + snapped.steps, seconds + snapped.train_seconds
            if (snapped.best_val_accuracy or 0.0) < best[0]:
                network.load_state_dict(best[2])
            report = replace(snapped, best_val_accuracy=max(best[0], snapped.best_val_accuracy or 0.0))
        else:
            report = replace(report, best_val_accuracy=best[0])
        extra: dict[str, Any] = {
            **report.extra, "free_val_accuracy": free, "centroids": best[1], "kmeans_val_accuracy": scored,
        }
        return FitReport(steps, seconds, report.best_val_accuracy, extra)

    def as_dfa(self) -> DFA | None:
        """The automaton the hard forward pass runs (for ``prove``; answers come from the network)."""
        if not isinstance(self.network, StateRegularisedGRU) or self.alphabet is None:
            raise InvalidArgument("the state-regularised GRU must be fitted (or loaded) first")
        return self.network.automaton(self.alphabet) if self.network.snapping else None
