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

The recipe is one method, :meth:`StateRegularisedGRUModel.fit`, four steps on one step budget:

1. **Warm-up.** The GRU trains freely (no snap) for ``warmup_share`` of the steps, or until it is
   perfect on validation.
2. **Centroids.** They are placed by k-means (:mod:`baselines.automata.kmeans`) on the states the network
   visits on training strings, for each ``k`` of a ladder; the hard network of each ``k`` is
   **checked** on validation and the smallest best one is kept (the size comes from data).
3. **Snap.** Cell, head and centroids train together through the soft snap, its temperature
   annealed from ``temperature_start`` to ``temperature_end``, checked hard on validation.
4. **Merge** (``sr-so-gru``). Centroids that no training string tells apart become one.

The network is :class:`~baselines.networks.snapped_network.StateRegularisedGRU`; the labelled
prefixes come from :mod:`baselines.automata.prefix_labels`, the answer groups from
:mod:`baselines.automaton_learners.answer_groups`.

Three more ingredients are on by default (measured in CHANGELOG.md, issue 21): the snap stage also
learns from **every labelled prefix** (``prefix_weight``: a training string's proper prefixes that
are training strings themselves, looked up in a trie of the learner's own labelled strings,
:mod:`baselines.automata.prefix_labels`, give the head a label at that step), at a smaller
learning rate (``snap_lr``); and where k-means finds no centroids that are perfect on validation,
the centroids are the means of the states grouped by **the free network's answers after every
short suffix** (``place_by="answers"``, Myhill-Nerode: states that answer alike are one class
however far apart they lie). The prefix loss is off in the warm-up by default
(``prefix_in_warmup``): there it made the GRU exact on div7 and div9 in one development seed of
three, but its states on div3 no longer fell into clusters k-means could read.

Two more ingredients are options, measured in CHANGELOG.md ("Networks that extrapolate by
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

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import torch

from baselines.automata.dfa import DFA
from baselines.automata.kmeans import torch_kmeans
from baselines.automata.prefix_labels import PrefixLabels
from baselines.base import FitReport, register_model
from baselines.networks.snapped_network import (
    StateRegularisedGRU,
    StateRegularisedGRUConfig,
    StateRegularisedSecondOrderGRUConfig,
)
from baselines.training.network_model import NetworkModel
from baselines.training.threads import one_torch_thread
from baselines.training.train import LabelledBatch, accuracies, train_network
from challenges.core import Examples, LearnerView
from challenges.errors import InvalidArgument

# The network and its configs live in snapped_network.py; named here too, beside the models.
__all__ = [
    "StateRegularisedGRU",
    "StateRegularisedGRUConfig",
    "StateRegularisedGRUModel",
    "StateRegularisedSecondOrderGRUConfig",
    "StateRegularisedSecondOrderGRUModel",
]

# States recorded for k-means: the prefixes of this many training strings.
KMEANS_STRINGS = 4000
# States grouped by their answers after short suffixes (``place_by="answers"``): at most this many.
ANSWER_POINTS = 2000


@dataclass
class Placement:
    """One set of centroids tried: its hard accuracy (:meth:`~StateRegularisedGRUModel.check`),
    its size and the network's whole state with it."""

    accuracy: float
    k: int
    state: dict[str, torch.Tensor]


@register_model
class StateRegularisedGRUModel(NetworkModel):
    """See the module docstring. The network answers; :meth:`as_dfa` is for ``prove`` only."""

    Config = StateRegularisedGRUConfig
    config: StateRegularisedGRUConfig
    id = "sr-gru"
    description = "state-regularised GRU: each state snapped to learned centroids (hard at test time)"
    _restore_size = 0
    _check_set: LabelledBatch | None = None

    def build(self, alphabet: str, task: LearnerView | None) -> StateRegularisedGRU:
        return StateRegularisedGRU(len(alphabet), self.config, self._restore_size)

    def restore(self, alphabet: str, state_dict: dict[str, torch.Tensor]) -> None:
        self._restore_size = len(state_dict["centroids"])
        super().restore(alphabet, state_dict)

    @one_torch_thread()
    def fit(self, task: LearnerView, train: Examples, val: Examples, seed: int) -> FitReport:
        """The recipe, top to bottom: warm up, place centroids, snap, merge (see the module).

        Each step is one method below, in the order called; :meth:`check` (hard accuracy on
        validation, and on training strings if the config asks) judges the centroids throughout.
        """
        generator, train_set, val_set = self.start_fit(task, train, val, seed)
        network, c = self.network, self.config
        assert isinstance(network, StateRegularisedGRU)
        refine = c.refinements()
        prefixes = self.prepare(network, train_set, refine.check_train)
        # 1. Warm-up: the free GRU (a plain GRU on the whole budget if there is no snap).
        network.prefix_labels = prefixes if c.prefix_in_warmup else None
        warmup = replace(c, max_steps=self.warmup_steps() if c.snap else c.max_steps)
        report = train_network(network, train_set, val_set, warmup, generator, self.progress)
        if not c.snap:
            return report
        free = report.best_val_accuracy
        # 2. Centroids on the free network's states, the best by the check (rounds: sr-so-gru).
        report, best, placed = self.place_centroids(report, train_set, val_set, generator, refine.free_rounds)
        network.set_centroids(best.state["centroids"])  # the sizes load_state_dict expects
        network.load_state_dict(best.state)
        # 3. Snap: train through the soft snap on what the warm-up left, unless already perfect.
        network.prefix_labels = prefixes if c.prefix_in_snap else None
        report = self.train_snapped(report, best, train_set, val_set, generator)
        extra = {**report.extra, "free_val_accuracy": free, "centroids": best.k, **placed}
        report = replace(report, extra=extra)
        # 4. Merge: centroids no training string tells apart become one, if no less right.
        if refine.merge and network.snapping:
            report = self.merge(report, train_set, val_set)
        return report

    def prepare(
        self, network: StateRegularisedGRU, train_set: LabelledBatch, check_train: int | None
    ) -> PrefixLabels | None:
        """What the steps read from the training strings: the drift strings, the strings whose
        states k-means sees, those the check reads, and the labelled prefixes (returned)."""
        if self.config.drift > 0:
            network.short_length = int(train_set.lengths.max())
            network.set_drift_strings(torch.Generator().manual_seed(len(train_set)))
        rows = torch.arange(min(len(train_set), KMEANS_STRINGS), device=train_set.ids.device)
        self._sample = train_set.take(rows)
        self._check_set = checked_strings(train_set, check_train)
        if self.config.prefix_weight <= 0:
            return None
        return PrefixLabels.of(train_set.ids, train_set.lengths, train_set.labels, network.symbols)

    def warmup_steps(self) -> int:
        """The warm-up's share of the step budget; placement rounds stay within it too."""
        return max(1, round(self.config.warmup_share * self.config.max_steps))

    def place_centroids(
        self,
        report: FitReport,
        train_set: LabelledBatch,
        val_set: LabelledBatch,
        generator: torch.Generator,
        free_rounds: bool | None,
    ) -> tuple[FitReport, Placement, dict[str, Any]]:
        """Step 2: centroids on the free network's states (:meth:`place_once`). With
        ``free_rounds``, while none are perfect and the warm-up's share lasts, the free network
        trains on -- past a perfect validation score, each round as long as all before it -- and
        they are placed again: its states move (on div9, development seed 3 and report seed 102,
        the first placement was not perfect and a later round's was, CHANGELOG.md). Returns the
        training so far, the best placement and every size's accuracy (and the rounds, unless
        ``free_rounds`` is None: ``sr-gru``, which has no such option)."""
        network, c = self.network, self.config
        assert isinstance(network, StateRegularisedGRU)
        rounds: list[dict[str, Any]] = []
        while True:
            free_state = {n: t.clone() for n, t in network.state_dict().items()}  # no centroids yet
            best, placed = self.place_once(network.visited(self._sample), val_set, generator)
            rounds.append({"steps": report.steps, "hard_accuracy": best.accuracy})
            chunk = min(report.steps, self.warmup_steps() - report.steps)
            seconds_left = c.max_seconds - report.train_seconds
            if best.accuracy >= 1.0 or not free_rounds or chunk < c.eval_every or seconds_left <= 0:
                break
            network.set_centroids(free_state["centroids"])  # back to the free network
            network.load_state_dict(free_state)
            more = replace(c, max_steps=chunk, max_seconds=seconds_left, target_accuracy=None)
            trained = train_network(network, train_set, val_set, more, generator, self.progress)
            report = replace(report, steps=report.steps + trained.steps,
                             train_seconds=report.train_seconds + trained.train_seconds)  # fmt: skip
        if free_rounds is not None:
            placed["placement_rounds"] = rounds
        return report, best, placed

    def place_once(
        self, points: torch.Tensor, val_set: LabelledBatch, generator: torch.Generator
    ) -> tuple[Placement, dict[str, Any]]:
        """The best centroids for ``points`` (states of the free network): k-means for each size of
        the ladder, then, if none is perfect and ``place_by="answers"``, the means of the largest
        groups of states that answer alike after every short suffix. Every size's accuracy too."""
        network = self.network
        assert isinstance(network, StateRegularisedGRU)
        drawn = generator.get_state()
        best, scored = self.try_sizes(val_set, lambda k: torch_kmeans(points, k, generator))
        placed: dict[str, Any] = {"kmeans_val_accuracy": scored}
        if best.accuracy < 1.0 and self.config.place_by == "answers":
            generator.set_state(drawn)  # the answers' draws are as if k-means had not run
            chosen = torch.randperm(len(points), generator=generator)[:ANSWER_POINTS].to(points.device)
            groups = network.answer_groups(points[chosen])
            best, placed["answers_val_accuracy"] = self.try_sizes(val_set, lambda k: groups[:k], len(groups))
        return best, placed

    def try_sizes(
        self, val_set: LabelledBatch, centroids_of: Callable[[int], torch.Tensor], most: int | None = None
    ) -> tuple[Placement, dict[int, float]]:
        """The ladder's sizes (at most ``most``), smallest first, each set by ``centroids_of(k)``
        and checked: the smallest perfect one, else the best, and every size's accuracy."""
        network = self.network
        assert isinstance(network, StateRegularisedGRU)
        scored: dict[int, float] = {}
        best: Placement | None = None
        for k in self.config.ladder():
            k = k if most is None else min(k, most)
            network.set_centroids(centroids_of(k))
            scored[k] = self.check(val_set)
            if best is None or scored[k] > best.accuracy:
                best = Placement(scored[k], k, {n: t.clone() for n, t in network.state_dict().items()})
            if scored[k] >= 1.0 or k == most:
                break
        assert best is not None
        return best, scored

    def train_snapped(
        self,
        report: FitReport,
        best: Placement,
        train_set: LabelledBatch,
        val_set: LabelledBatch,
        generator: torch.Generator,
    ) -> FitReport:
        """Step 3: train cell, head and centroids through the soft snap, on the steps and seconds
        the warm-up left and at ``snap_lr``; keep the placement if training made it worse."""
        network, c = self.network, self.config
        assert network is not None
        if best.accuracy >= 1.0:
            return replace(report, best_val_accuracy=best.accuracy)
        left = max(1.0, c.max_seconds - report.train_seconds)  # what the warm-up left of the cap
        steps_left = max(1, c.max_steps - report.steps)
        rest = replace(c, max_steps=steps_left, max_seconds=left, lr=c.snap_lr or c.lr)
        snapped = train_network(network, train_set, val_set, rest, generator, self.progress)
        if (snapped.best_val_accuracy or 0.0) < best.accuracy:
            network.load_state_dict(best.state)
        accuracy = max(best.accuracy, snapped.best_val_accuracy or 0.0)
        return FitReport(report.steps + snapped.steps, report.train_seconds + snapped.train_seconds,
                         accuracy, snapped.extra)  # fmt: skip

    def merge(self, report: FitReport, train_set: LabelledBatch, val_set: LabelledBatch) -> FitReport:
        """Step 4: centroids that no training string tells apart snap to one
        (:meth:`~baselines.networks.snapped_network.StateRegularisedGRU.merge_centroids`); undone if the
        check finds the merged network less right."""
        network = self.network
        assert isinstance(network, StateRegularisedGRU) and self.alphabet is not None
        before = self.check(val_set)
        merged = network.merge_centroids(train_set, self.alphabet)
        after = self.check(val_set)
        if after < before:
            network.alias = torch.arange(len(network.centroids), device=network.alias.device)
        extra = {**report.extra, "merged_centroids": merged if after >= before else None,
                 "merge_accuracy": [before, after]}  # fmt: skip
        return replace(report, extra=extra)

    def check(self, val_set: LabelledBatch) -> float:
        """How right the hard (snapped) network is: on validation, and, where that is perfect, on
        the training strings ``check_train`` asks for too (checking 100,000 training strings for
        each size of every placement round, where validation already fails, took minutes a cell
        on the primes)."""
        assert self.network is not None
        val = float(accuracies(self.network, val_set))
        if self._check_set is None or val < 1.0:
            return val
        checked = float(accuracies(self.network, self._check_set))
        return (val * len(val_set) + checked * len(self._check_set)) / (len(val_set) + len(self._check_set))

    def as_dfa(self) -> DFA | None:
        """The automaton the hard forward pass runs (for ``prove``; answers come from the network)."""
        if not isinstance(self.network, StateRegularisedGRU) or self.alphabet is None:
            raise InvalidArgument("the state-regularised GRU must be fitted (or loaded) first")
        return self.network.automaton(self.alphabet) if self.network.snapping else None


def checked_strings(train_set: LabelledBatch, check_train: int | None) -> LabelledBatch | None:
    """The training strings the check reads besides validation: all (None), none (0) or that
    many, the same rows for every seed's set of one size."""
    if check_train is None:
        return train_set
    if check_train <= 0:
        return None
    drawn = torch.Generator().manual_seed(len(train_set))
    rows = torch.randperm(len(train_set), generator=drawn)[:check_train]
    return train_set.take(rows.to(train_set.ids.device))


@register_model
class StateRegularisedSecondOrderGRUModel(StateRegularisedGRUModel):
    """``sr-gru`` over a second-order GRU cell (:mod:`baselines.networks.second_order_gru`): the symbol
    read chooses the recurrent weights, so each digit can move the states its own way.

    The recipe is ``sr-gru``'s; what differs is the cell and the three refinements its config
    turns on (checking training strings, placement rounds, merging). Measured in CHANGELOG.md
    (issue 21): on multiples of 7 and 9 the free cell's states fall into residue clusters, where
    the ordinary GRU's do not; the merge is measured in docs/merge-ablation.md.
    """

    Config = StateRegularisedSecondOrderGRUConfig
    config: StateRegularisedSecondOrderGRUConfig
    id = "sr-so-gru"
    version = 2  # 2: answers computed symbol by symbol (second_order_gru.py), keyed apart to be safe
    description = (
        "state-regularised second-order GRU: the digit chooses the recurrent weights; "
        "each state snapped to learned centroids (hard at test time); centroids that no training "
        "string tells apart merged into one (a symbolic state-merging step, merge=false turns it off)"
    )

    def build(self, alphabet: str, task: LearnerView | None) -> StateRegularisedGRU:
        network = StateRegularisedGRU(len(alphabet), self.config, self._restore_size, second_order=True)
        # Among equally accurate states, prefer the lower validation loss: this model trains on
        # past a perfect score (placement rounds), where the loop would keep the first perfect state.
        network.tie_break_by_loss = True
        return network
