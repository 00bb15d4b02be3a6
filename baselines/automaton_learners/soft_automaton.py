"""The soft automaton: a network built to extrapolate, then hardened into an exact automaton.

The recipe, top to bottom (each piece in its own module):

1. Train ``restarts`` soft automata of K states side by side (:mod:`.soft_network`): a
   probability vector over K states, moved by one learned row-stochastic matrix per symbol.
2. **Harden** each (argmax per row, readouts refitted to the training strings' majority), and
   let an **observation table** read off the DFA it behaves like within the training lengths.
3. Choose among the soft network, the hardened DFA and the table's DFA on validation
   (:mod:`.soft_choice`). While none is perfect on validation, K doubles
   (:meth:`~.soft_config.SoftAutomatonConfig.sizes`).
4. An automaton right on every training-length string can still be wrong beyond: on multiples of
   29 the hardened DFA kept 57-87 states, right to 6 digits, drifting after; the table reads 29.
   So while still none is perfect, a **second, small soft automaton** starts from the best
   table's DFA and trains on the rest of the budget: from a 97%-right table, 400 steps made it
   exact. Every candidate (first and second stage) competes on validation.
5. **Merge** the kept DFA's states that no training string tells apart.

The names other modules import from here (``SoftAutomaton``, ``SoftAutomatonConfig``,
``Hardened``, ``run_matrices``, ``doubling_ladder``, ``continued_progress``) are re-exported.

>>> SoftAutomatonModel(states=3).config.sizes()
[3]
"""

from __future__ import annotations

import math
import time
from dataclasses import replace
from typing import Any

import torch

from baselines.automata.dfa import DFA
from baselines.automata.dfa_tables import hardened_dfa, merge_states, run_table
from baselines.automaton_learners.soft_choice import Candidate, better_read, replaces
from baselines.automaton_learners.soft_config import SoftAutomatonConfig, doubling_ladder
from baselines.automaton_learners.soft_network import _GATHER_SYMBOLS, Hardened, SoftAutomaton, run_matrices
from baselines.base import FitReport, register_model
from baselines.training.network_model import NetworkModel
from baselines.training.progress import continued_progress
from baselines.training.train import LabelledBatch, right_answers, train_network
from challenges.errors import InvalidArgument

__all__ = [
    "Hardened", "SoftAutomaton", "SoftAutomatonConfig", "SoftAutomatonModel", "_GATHER_SYMBOLS",
    "continued_progress", "doubling_ladder", "run_matrices",
]  # fmt: skip


@register_model
class SoftAutomatonModel(NetworkModel):
    """A learned probabilistic automaton, hardened into a deterministic one after training."""

    id = "soft-automaton"
    answers_with = "automaton"  # its hardened DFA, or the one a table reads off it
    # 2: a larger candidate must beat a smaller one by a sign test on validation (`significance`).
    version = 2
    description = "soft automaton: softmax transitions, size grown from data, hardened into a DFA"
    Config = SoftAutomatonConfig

    def __init__(self, config: SoftAutomatonConfig | None = None, **options: Any) -> None:
        super().__init__(config, **options)
        self._shape: tuple[int, int] | None = None  # (states, restarts), fixed by fit or restore

    def build(self, alphabet: str, task: Any) -> SoftAutomaton:
        """The first, smallest automaton to try (``task`` is None on restore: the checkpoint
        gives the shape). Only ``task``'s alphabet is read: the size is chosen from data."""
        if task is not None:
            self.config.check_memory(len(alphabet), task.train_lengths[1])
            states = self.config.sizes()[0]
            self._shape = (states, self.config.restarts_for(states))
        assert self._shape is not None, "restore() reads the shape from the checkpoint"
        states, restarts = self._shape
        return self.fresh(alphabet, states, restarts)

    def fresh(self, alphabet: str, states: int, restarts: int) -> SoftAutomaton:
        """An untrained automaton of this config's settings."""
        c = self.config
        temperatures = (c.temperature_start, c.temperature_end)
        return SoftAutomaton(
            alphabet, states, restarts, c.init, temperatures, c.entropy, c.harden, c.significance
        )

    def restore(self, alphabet: str, state_dict: dict[str, torch.Tensor]) -> None:
        restarts, _, states, _ = state_dict["logits"].shape
        self._shape = (int(states), int(restarts))
        super().restore(alphabet, state_dict)

    def first_training_config(self) -> SoftAutomatonConfig:
        """Budgets of the first (smallest) size: see :meth:`size_budget`."""
        return self.size_budget(self.config.sizes()[0], self.config.max_steps, self.config.max_seconds)

    def size_budget(self, states: int, steps_left: int, seconds_left: float) -> SoftAutomatonConfig:
        """Budgets for training automata of ``states`` states, given what is left.

        A size that may grow gets at most ``rung_steps``; the largest gets what is left, less
        the retraining stage's share (``1 - first_share``) when that stage is on.
        """
        c = self.config
        share = c.first_share if c.read_table and c.retrain else 1.0
        if states != c.sizes()[-1]:
            steps = min(c.rung_steps, steps_left)
            return replace(c, max_steps=steps, max_seconds=seconds_left)
        return replace(c, max_steps=max(1, round(steps_left * share)), max_seconds=seconds_left * share)

    def after_training(
        self,
        report: FitReport,
        train_set: LabelledBatch,
        val_set: LabelledBatch,
        generator: torch.Generator,
    ) -> FitReport:
        """Choose the size, retrain from the table, merge: keep the best automaton on validation.

        Candidates are the soft automaton, its hardened DFA, and the DFA an observation table
        reads off that one. While none is perfect on validation, automata of twice the size
        train next (:meth:`SoftAutomatonConfig.sizes`); then, while still none is perfect, a
        small soft automaton starts from the best table's DFA and trains on the rest of the
        budget. Every size and round is recorded in ``report.extra`` (``sizes``, ``retrained``),
        with its steps and validation accuracies, and ``states`` is the size of the kept one.
        """
        budget = _Budget(self, report, train_set, val_set, generator)
        network = self.network
        assert isinstance(network, SoftAutomaton)
        best, extra = self.best_candidate(network, train_set, val_set)
        sizes = [{"steps": report.steps, "restarts": network.restarts, **extra}]
        best, seed = self.grow(best, budget, sizes)
        rounds: list[dict[str, Any]] = []
        best = self.retrain(best, seed, budget, rounds)
        network = self.network
        assert isinstance(network, SoftAutomaton)
        self._shape = (network.states, network.restarts)
        network.keep(best.restart)
        report.extra.update(
            sizes=sizes, retrained=rounds, states=network.states, kept=best.restart, mode=best.mode
        )
        if best.hard is not None:
            table, accepting = best.hard.table, best.hard.accepting
            if self.config.merge:
                table, accepting = merge_states(table, accepting, train_set.ids, train_set.labels)
                right = run_table(table, accepting, val_set.ids.cpu()) == val_set.labels.cpu().bool()
                report.extra.update(merged_states=len(table), merged_val_accuracy=float(right.float().mean()))
            network.set_hard(table, accepting)
        report.train_seconds = budget.trained + budget.elapsed()
        report.best_val_accuracy = best.accuracy
        return report

    def grow(
        self, best: Candidate, budget: "_Budget", sizes: list[dict[str, Any]]
    ) -> tuple[Candidate, Hardened | None]:
        """Train each larger size while none is perfect on validation; the best candidate and the
        best table DFA so far (the retraining's start). Each size's figures go into ``sizes``."""
        c, seed = self.config, best.read
        for states in c.sizes()[1:]:
            steps_left, seconds_left = budget.left()
            if best.accuracy >= 1.0 or steps_left <= 0 or seconds_left <= 0:
                break
            larger = self.fresh(self.alphabet or "", states, c.restarts_for(states))
            larger.reset_parameters(budget.generator)
            larger = larger.to(self.device)
            done = budget.train(larger, self.size_budget(states, steps_left, seconds_left))
            candidate, extra = self.best_candidate(larger, budget.train_set, budget.val_set)
            sizes.append({"steps": done.steps, "restarts": larger.restarts, **extra})
            if replaces(candidate, best, c.significance):
                self.network, best = larger, candidate
            seed = better_read(seed, candidate.read, c.significance)
        return best, seed

    def retrain(
        self, best: Candidate, seed: Hardened | None, budget: "_Budget", rounds: list[dict[str, Any]]
    ) -> Candidate:
        """While none is perfect on validation, train a soft automaton started from the best table
        DFA so far, on what is left of the budget; the best candidate. Rounds go into ``rounds``."""
        c = self.config
        while c.retrain and seed is not None and best.accuracy < 1.0 and len(rounds) < c.max_rounds:
            steps_left, seconds_left = budget.left()
            if steps_left <= 0 or seconds_left <= 0:
                break
            second = self.seeded_from(seed, budget.generator)
            config = replace(c, max_steps=steps_left, max_seconds=seconds_left, target_accuracy=1.0)
            done = budget.train(second, config)
            candidate, extra = self.best_candidate(second, budget.train_set, budget.val_set)
            rounds.append({"steps": done.steps, "restarts": second.restarts, **extra})
            if replaces(candidate, best, c.significance):
                self.network, best = second, candidate
            seed = better_read(seed, candidate.read, c.significance)
        return best

    def best_candidate(
        self, network: SoftAutomaton, train_set: LabelledBatch, val_set: LabelledBatch
    ) -> tuple[Candidate, dict[str, Any]]:
        """The best way ``network`` can answer -- soft, hardened or read off by a table -- and figures.

        The hardened DFA is kept over the soft network unless the network is significantly better
        (it ranks as larger, :mod:`.soft_choice`); the table's DFA then challenges the one kept.
        """
        z = self.config.significance
        right = right_answers(network, val_set)  # [restarts, strings]
        soft = right.float().mean(dim=-1)
        restart = int(soft.argmax())
        # K + 1/2: a network of K states ranks above a DFA of K states (it is not one).
        best = Candidate("soft", float(soft.max()), network.states + 0.5, restart, right=right[restart])
        extra: dict[str, Any] = {"states": network.states, "soft_val_accuracy": best.accuracy}
        if not network.harden:
            return best, extra
        hard = network.hardened_candidate(val_set, train_set)
        extra.update(hard_val_accuracy=hard.accuracy, minimal_states=hard.minimal_states)
        read = network.table_candidate(hard, train_set, val_set) if self.config.read_table else None
        as_hard = Candidate("hard", hard.accuracy, hard.size, hard.restart, hard, right=hard.right)
        if not replaces(best, as_hard, z):
            best = as_hard
        if read is not None:
            extra.update(table_val_accuracy=read.accuracy, table_states=read.minimal_states)
            as_table = Candidate("table", read.accuracy, read.size, hard.restart, read, right=read.right)
            if replaces(as_table, best, z):
                best = as_table
        return replace(best, read=read), extra

    def seeded_from(self, start: "Hardened", generator: torch.Generator) -> SoftAutomaton:
        """A fresh soft automaton ``retrain_factor`` times as large as ``start``, beginning close to it.

        The spare states let training split a state the table merged by mistake.
        """
        c = self.config
        states = max(len(start.table), math.ceil(c.retrain_factor * len(start.table)))
        network = SoftAutomaton(
            self.alphabet or "", states, c.restarts_for(states), "random",
            (c.temperature_start, c.temperature_end), c.entropy, significance=c.significance,
        )  # fmt: skip
        network.reset_parameters(generator)
        network.seed_transitions(start.table.cpu(), start.accepting.cpu(), c.retrain_sharpness)
        return network.to(self.device)

    def as_dfa(self) -> DFA | None:
        """The hardened automaton as a :class:`~baselines.automata.dfa.DFA`; None while it is soft."""
        network = self.network
        if not isinstance(network, SoftAutomaton):
            raise InvalidArgument("the soft automaton must be fitted (or loaded) first")
        return hardened_dfa(network)


class _Budget:
    """What is left of one fit's steps and seconds, and training that spends it.

    Reading tables counts against the seconds too: it is part of fitting.
    """

    def __init__(
        self,
        model: SoftAutomatonModel,
        report: FitReport,
        train_set: LabelledBatch,
        val_set: LabelledBatch,
        generator: torch.Generator,
    ) -> None:
        self.started = time.perf_counter()
        self.model, self.report, self.generator = model, report, generator
        self.train_set, self.val_set = train_set, val_set
        self.trained = report.train_seconds or 0.0  # the first size's training

    def elapsed(self) -> float:
        """Seconds since the first size's training ended."""
        return time.perf_counter() - self.started

    def left(self) -> tuple[int, float]:
        """Steps and seconds left of the whole fit's budget."""
        c = self.model.config
        return c.max_steps - self.report.steps, c.max_seconds - self.trained - self.elapsed()

    def train(self, network: SoftAutomaton, config: SoftAutomatonConfig) -> FitReport:
        """Train ``network`` under ``config``, counting its steps (and a hit of the safety cap)."""
        c, report = self.model.config, self.report
        spent = c.max_seconds - self.left()[1]
        progress = self.model.progress and continued_progress(self.model.progress, report.steps, spent, c)
        done = train_network(network, self.train_set, self.val_set, config, self.generator, progress)
        report.steps += done.steps
        if done.extra.get("hit_time_cap"):
            report.extra["hit_time_cap"] = True  # the safety cap, not the step budget, stopped it
        return done
