"""The snapped network of ``sr-gru`` and ``sr-so-gru``, and their settings.

:class:`StateRegularisedGRU` is a GRU cell (or a second-order one, :mod:`baselines.networks.second_order_gru`)
whose every new state is pulled to one of ``k`` learned centroids: a soft mix of them while it
trains, the nearest one when it answers. With no centroids (the warm-up) it is a plain GRU. How it
is trained -- warm-up, centroids, snap, merge -- is the recipe in
:mod:`baselines.automaton_learners.state_regularised_gru`; this module is the network the recipe works on.

>>> net = StateRegularisedGRU(symbols=3, config=StateRegularisedGRUConfig(hidden_size=4))
>>> net.reset_parameters(torch.Generator().manual_seed(0))
>>> net.snapping, net(torch.tensor([[0, 2, 1]]), torch.tensor([3])).shape
(False, torch.Size([1]))
>>> net.set_centroids(torch.eye(4)[:2]); net.eval().snapping
True
>>> net.automaton("abc").num_states  # the two centroids and the zero start
3
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from baselines.automata.dfa import DFA
from baselines.automata.dfa_tables import breadth_first_order, merge_classes
from baselines.automata.prefix_labels import PrefixLabels
from baselines.automaton_learners.answer_groups import answer_groups
from baselines.automaton_learners.soft_automaton import doubling_ladder
from baselines.networks.second_order_gru import SecondOrderGRUCell
from baselines.training.train import Classifier, LabelledBatch, TrainConfig, logits_of
from challenges.errors import InvalidArgument


@dataclass(frozen=True)
class Refinements:
    """What ``sr-so-gru`` adds to finding centroids (see its config); ``sr-gru`` has none of them.

    ``check_train``: training strings a placement must also be right on (None: all, 0: none);
    ``free_rounds``: place again after more free training while no placement is perfect (None:
    not an option, and no rounds reported: ``sr-gru``, whose records never listed them);
    ``merge``: merge the centroids no training string tells apart.
    """

    check_train: int | None
    free_rounds: bool | None
    merge: bool


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
    ``prefix_weight``: weight of the cross-entropy at every proper prefix that is itself a
    labelled training string (in the warm-up if ``prefix_in_warmup``, with the snap if
    ``prefix_in_snap``). ``snap_lr``: Adam's rate with the snap (None: ``lr``). ``place_by``:
    ``"states"`` (k-means only) or ``"answers"`` (k-means, then, if no size is perfect on
    validation, the largest groups of states that answer alike after every short suffix).

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
    prefix_weight: float = 1.0
    prefix_in_warmup: bool = False
    prefix_in_snap: bool = True
    snap_lr: float | None = 0.003
    place_by: str = "answers"

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
        if self.snap_lr is not None and self.snap_lr <= 0:
            raise InvalidArgument(f"snap_lr must be positive, got {self.snap_lr}")
        if self.place_by not in ("states", "answers"):
            raise InvalidArgument(f"place_by must be 'states' or 'answers', got {self.place_by!r}")
        if self.prefix_weight < 0:
            raise InvalidArgument(f"prefix_weight must be >= 0, got {self.prefix_weight}")

    def refinements(self) -> Refinements:
        """How centroids are checked, placed again and merged: ``sr-gru`` does none of it."""
        return Refinements(check_train=0, free_rounds=None, merge=False)

    def ladder(self) -> list[int]:
        """Centroid counts k-means tries, smallest first."""
        return doubling_ladder(self.centroids, self.start_centroids, self.max_centroids)


@dataclass
class StateRegularisedSecondOrderGRUConfig(StateRegularisedGRUConfig):
    """``sr-gru``'s settings, and three refinements of how its centroids are found.

    ``check_train``: a centroid size counts as perfect only if its hard network is right on
    validation *and* on this many training strings (None: all of them). Validation alone (2,000
    strings), and 20,000 training strings too, let a 12-state automaton through on multiples of
    9, development seed 0, wrong on the 5-digit ``97434``; all 100,000 caught it (5 errors), the
    snap trained on and the network became exact. ``free_rounds``: while no centroids are
    perfect, the free network trains on and they are placed again (the model's
    ``place_centroids``). ``merge``: after training, centroids that no training string tells
    apart snap to one (:meth:`StateRegularisedGRU.merge_centroids`), kept only if the hard
    network is no less right on validation and those training strings.
    """

    check_train: int | None = None
    free_rounds: bool = True
    merge: bool = True

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.check_train is not None and self.check_train < 0:
            raise InvalidArgument(f"check_train must be >= 0, got {self.check_train}")

    def refinements(self) -> Refinements:
        return Refinements(self.check_train, self.free_rounds, self.merge)


class StateRegularisedGRU(Classifier):
    """One-hot symbols -> GRU cell -> snap to centroids, every step -> linear head on the last state.

    Without centroids (``k = 0``, the warm-up) it is a plain GRU. With them, the snap is soft in
    training mode (at the annealed temperature) and hard in eval mode, so the forward pass that
    answers is a finite-state machine over the centroids.
    """

    def __init__(
        self, symbols: int, config: StateRegularisedGRUConfig, centroids: int = 0, second_order: bool = False
    ) -> None:
        super().__init__()
        self.symbols, self.config = symbols, config
        self.rnn: nn.Module = (  # one layer; torch's GRU runs fused when free
            SecondOrderGRUCell(symbols, config.hidden_size)
            if second_order
            else nn.GRU(symbols, config.hidden_size, batch_first=True)
        )
        self.head = nn.Linear(config.hidden_size, 1)
        self.centroids = nn.Parameter(torch.zeros(centroids, config.hidden_size))
        self.register_buffer("temperature", torch.tensor(config.temperature_start))
        self.register_buffer("scale", torch.tensor(1.0))  # squared distance between neighbours
        # The centroid each centroid's region snaps to (itself, until states are merged).
        self.register_buffer("alias", torch.arange(centroids))
        self._noise = torch.Generator()
        self._drift_ids: torch.Tensor | None = None
        self.prefix_labels: PrefixLabels | None = None  # set by the model while the loss applies
        self._prefix_loss: torch.Tensor | float = 0.0
        self.short_length = 1  # the longest training length (set by the model before training)
        # Among equally accurate states, prefer the lower validation loss (the second-order model
        # trains on past a perfect score; without it the loop would keep the first perfect state).
        self.tie_break_by_loss = False

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
            return self.centroids[self.alias[scores.argmax(dim=-1)]]
        return torch.softmax(scores / self.temperature, dim=-1) @ self.centroids

    def scores(self, state: torch.Tensor) -> torch.Tensor:
        """How close ``state`` is to each centroid (larger: closer), at temperature 1."""
        return -torch.cdist(state, self.centroids).square() / self.scale

    def cell(self, state: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
        """The recurrent cell alone on one symbol per row (with the training noise)."""
        r = self.rnn
        if isinstance(r, SecondOrderGRUCell):
            new = r(state, ids)
        else:
            inputs = F.one_hot(ids, self.symbols).to(state.dtype)
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
        fused = isinstance(self.rnn, nn.GRU) and not (self.training and self.config.noise > 0)
        if fused and not self.snapping:
            inputs = F.one_hot(ids, self.symbols + 1)[..., : self.symbols].to(self.head.weight.dtype)
            return self.rnn(inputs)[0]  # fused: the warm-up runs at a plain GRU's speed
        if self.snapping and not self.training:
            return self.snapped_states(ids)
        state, states = self.initial(len(ids)), []
        for column in ids.T:
            state = self.step(state, column)
            states.append(state)
        return torch.stack(states, dim=1)

    @torch.no_grad()
    def snapped_states(self, ids: torch.Tensor) -> torch.Tensor:
        """:meth:`states` when the snap is hard: each step computed once per state and symbol.

        A hard snap leaves every state a centroid (or the zero start), so a step's result depends
        only on which one it is and on the symbol: the cell and the snap run once on each of the
        ``(k + 1) x symbols`` pairs (:meth:`transitions`) and each row then follows its string
        through them, instead of running the cell on every row at every symbol -- the same
        function, evaluated once per distinct input (scoring 1,000 strings of 3,000 symbols ran
        the cell 3 million times for at most a few hundred distinct inputs).

        >>> net = StateRegularisedGRU(3, StateRegularisedGRUConfig(hidden_size=4), second_order=True)
        >>> net.reset_parameters(torch.Generator().manual_seed(0)); net.set_centroids(torch.randn(5, 4))
        >>> ids = torch.tensor([[0, 2, 1, 1], [1, 0, 3, 3]])  # 3 is padding
        >>> state, stepped = net.eval().initial(2), []
        >>> for column in ids.T:
        ...     state = net.step(state, column); stepped.append(state)
        >>> torch.equal(net.snapped_states(ids), torch.stack(stepped, dim=1))
        True
        """
        points, table = self.transitions()
        state = torch.full((len(ids),), len(self.centroids), dtype=torch.int64, device=ids.device)
        visited = []
        for column in ids.T:
            state = table[state, column]
            visited.append(state)
        if not visited:
            return points.new_zeros(len(ids), 0, points.shape[1])
        return points[torch.stack(visited, dim=1)]

    @torch.no_grad()
    def transitions(self) -> tuple[torch.Tensor, torch.Tensor]:
        """(states ``[k + 1, hidden]``: the centroids, then the zero start; where the hard snap
        takes each on each symbol ``[k + 1, symbols + 1]``, padding (the last column) staying put)."""
        was_training = self.training
        self.eval()
        k = len(self.centroids)
        points = torch.cat([self.centroids, self.initial(1)])  # state k is the start
        columns = []
        for s in range(self.symbols):
            after = self.cell(points, torch.full((k + 1,), s, dtype=torch.int64, device=points.device))
            columns.append(self.alias[self.scores(after).argmax(dim=-1)])
        columns.append(torch.arange(k + 1, device=points.device))
        self.train(was_training)
        return points, torch.stack(columns, dim=1)

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        last = (lengths - 1).clamp(min=0)
        states = self.states(ids, lengths)
        if self.training and self.prefix_labels is not None and self.config.prefix_weight > 0:
            self._prefix_loss = self.prefix_loss(self.head(states).squeeze(-1), ids, last)
        final = states[torch.arange(len(ids), device=ids.device), last]
        return self.head(final).squeeze(-1)

    def prefix_loss(self, logits: torch.Tensor, ids: torch.Tensor, last: torch.Tensor) -> torch.Tensor:
        """Cross-entropy of the answers after every proper prefix that is a labelled training string.

        The whole string's answer is the main loss; this one asks the same head to be right at
        each labelled prefix on the way, so that states that must answer differently somewhere
        later are pushed apart (Myhill-Nerode) and states of one residue may gather.
        """
        assert self.prefix_labels is not None
        targets = self.prefix_labels.targets(ids)
        positions = torch.arange(ids.shape[1], device=ids.device)[None, :]
        known = (targets >= 0) & (positions < last[:, None])
        if not bool(known.any()):
            return logits.new_zeros(())
        return F.binary_cross_entropy_with_logits(logits[known], targets[known])

    @torch.no_grad()
    def validate(self, batch: LabelledBatch) -> tuple[float, float]:
        """(accuracy, tie-break): the tie-break is minus the validation loss if asked, else 0."""
        accuracy, _ = super().validate(batch)
        if not self.tie_break_by_loss:
            return accuracy, 0.0
        loss = F.binary_cross_entropy_with_logits(logits_of(self, batch), batch.labels.float())
        return accuracy, -float(loss)

    def penalty(self) -> torch.Tensor | float:
        """The drift loss on unlabelled strings far longer than training (see the config).

        Each state a string reaches past the training lengths is pulled towards the nearest
        centroid or, before there are centroids, the nearest state any string of the batch
        reached within the training lengths: long strings must stay among the short ones' states.
        """
        c = self.config
        prefix, self._prefix_loss = c.prefix_weight * self._prefix_loss, 0.0
        if c.drift <= 0 or not self.training or self._drift_ids is None:
            return prefix
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
        return prefix + c.drift * gaps / self.scale

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

    def answer_groups(self, points: torch.Tensor) -> torch.Tensor:
        """Means of ``points`` grouped by the free network's answers after every short suffix, the
        largest group first (:func:`baselines.automaton_learners.answer_groups.answer_groups`)."""
        self.eval()
        return answer_groups(points, self.cell, lambda states: self.head(states) > 0, self.symbols)

    @torch.no_grad()
    def set_centroids(self, chosen: torch.Tensor) -> None:
        """Use ``chosen`` as the centroids; the temperature's scale is their neighbours' squared gap."""
        self.centroids = nn.Parameter(chosen.contiguous())
        self.alias = torch.arange(len(chosen), device=chosen.device)
        if len(chosen) > 1:
            gaps = torch.cdist(chosen, chosen).square() + torch.eye(len(chosen)) * 1e9
            self.scale.fill_(float(gaps.min(dim=-1).values.mean().clamp(min=1e-6)))

    @torch.no_grad()
    def automaton(self, alphabet: str) -> DFA:
        """The finite automaton the hard forward pass is: centroids (and the zero start) as states."""
        points, table = self.transitions()
        accepting = (self.head(points).squeeze(-1) > 0).cpu().numpy()
        return DFA(table[:, : self.symbols].cpu().numpy().astype(np.intp), start=len(points) - 1,
                   accepting=accepting, alphabet=alphabet)  # fmt: skip

    @torch.no_grad()
    def merge_centroids(self, train_set: LabelledBatch, alphabet: str) -> int:
        """Snap centroids that no training string tells apart to one; returns how many are used.

        RPNI's Occam step (:func:`baselines.automata.dfa_tables.merge_classes`) on the automaton the hard
        forward pass is: the states it folds together become one region of the snap, which
        answers with the centroid the shortest strings reach first. The network still runs its
        own cell from that centroid; it is only told to treat the others as it (``alias``).
        """
        dfa = self.automaton(alphabet)  # states: the k centroids, then the start
        k = len(self.centroids)
        order = torch.tensor([k, *range(k)])  # the start first, as merge_classes wants it
        renumber = torch.argsort(order)
        table = renumber[torch.from_numpy(np.array(dfa.transitions))[order]]
        accepting = torch.from_numpy(np.array(dfa.accepting))[order]
        classes = merge_classes(table, accepting, train_set.ids, train_set.labels)[1:]  # centroids'
        alias, first_of_class = torch.arange(k), {}
        for state in breadth_first_order(table)[1:]:  # reachable centroids, shortest strings' first
            centroid = state - 1
            alias[centroid] = first_of_class.setdefault(int(classes[centroid]), centroid)
        self.alias = alias.to(self.alias.device)
        return len(set(first_of_class.values()))
