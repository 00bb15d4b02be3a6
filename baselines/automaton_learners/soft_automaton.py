"""The soft automaton: a network built to extrapolate, then hardened into an exact automaton.

The state is a probability vector over ``K`` states, starting in state 0. Each symbol multiplies it
by a learned row-stochastic matrix (a softmax over logits), so the state stays a distribution over
the same K states however long the string, where a GRU's state drifts into regions training never
visited. The answer is the probability of ending in an accepting state (a learned sigmoid readout per state),
trained with binary cross-entropy.

After training, the automaton is **hardened**: every row of every matrix is replaced by its
argmax, which gives a deterministic automaton run by integer table lookups (exact, and fast at
1000 digits); each reached state's verdict is refitted to the majority label of the training
strings that end in it. Several automata (``restarts``) train side by side in one batch; the one
kept is the best on validation, hard or soft, preferring the hard one on a tie and, among
hard ones that tie, the one whose minimal automaton is smallest (Occam).

An automaton right on every training-length string can still be wrong beyond: on multiples of 29
the hardened DFA kept 57-87 states, right to 6 digits, drifting after. Two more steps repair
that. An **observation table** (:mod:`.observation_table`) reads the automaton the hardened one
behaves like *within* the training lengths -- usually the minimal one, 29 states. If no candidate
is perfect on validation yet, a **second, small soft automaton** starts from the table's DFA and
trains on the rest of the budget: from a 97%-right table, 400 steps made it exact. Every
candidate (soft, hardened, read off; first and second stage) competes on validation.

>>> net = SoftAutomaton("ab", states=3)
>>> net.set_hard(torch.tensor([[1, 0], [2, 1], [0, 2]]), torch.tensor([True, False, False]))
>>> ids = torch.tensor([[0, 0, 0], [0, 1, 2]])  # "aaa" and "ab" (2 is padding)
>>> (net(ids, torch.tensor([3, 2])) > 0).tolist()
[True, False]
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from typing import Any, Literal

import torch
from torch import nn

from baselines.automata.dfa import DFA
from baselines.automata.dfa_tables import hardened_dfa, merge_states, pad_table, refit_readout, run_table
from baselines.automata.observation_table import AutomatonOracle, observation_table_automaton
from baselines.base import FitReport, register_model
from baselines.training.memory import check_fits, training_bytes
from baselines.training.network_model import NetworkModel
from baselines.training.train import (
    Classifier,
    LabelledBatch,
    ProgressHook,
    TrainConfig,
    TrainProgress,
    accuracies,
    train_network,
)
from challenges.errors import InvalidArgument

_CERTAIN = 30.0  # the logit a hard automaton answers with: sigmoid(30) is 1 in float32
_EPSILON = 1e-6  # probabilities are clamped this far from 0 and 1 before taking log-odds
# Default restarts: up to 8 (div7 and div9 were exact on 3 seeds of 3 with 8, on 1 of 3 with 3),
# as long as they cost no more per step than one automaton of 90 states (div29 at 3x has 87).
_MAX_RESTARTS, _RESTART_BUDGET = 8, 90
# Past this many symbols, run_matrices gathers each row's matrix rather than applying all of them
# (aligned columns of base 10, 1,331 symbols and 8 states: 30 steps in 10 s all at once).
_GATHER_SYMBOLS = 64


@dataclass
class SoftAutomatonConfig(TrainConfig):
    """Settings of the soft automaton (and of the loop, see :class:`TrainConfig`).

    The state count K is chosen from data: the first automata have ``start_states`` states, and
    while none is perfect on validation K doubles, up to ``max_states`` (``states`` fixes K
    instead). Every size but the largest trains for at most ``rung_steps`` steps (and stops
    earlier by ``patience``). ``restarts`` left None is as many automata (at most 8) as cost no
    more per step than one of 90 states: a step costs restarts x K^2, and small automata are
    cheap to train several times over.

    ``read_table`` adds the DFA an observation table reads off the hardened automaton as a
    candidate; ``retrain`` then, while nothing is perfect on validation, trains a fresh automaton
    ``retrain_factor`` times the best table DFA's size, started ``retrain_sharpness`` logits from
    it, on the budget the sizes (``first_share`` of the largest one's) left, for at most
    ``max_rounds`` rounds. ``merge`` finally merges the kept DFA's states that no training string
    tells apart (:func:`~baselines.automata.dfa_tables.merge_states`). Batches of 64 were measured best per
    step on div29-base10 (CHANGELOG.md).
    """

    lr: float = 0.1
    batch_size: int = 64
    patience: int = 5
    target_accuracy: float | None = None
    states: int | None = None
    start_states: int = 8
    max_states: int = 64
    rung_steps: int = 500
    restarts: int | None = None
    init: Literal["random", "permutation"] = "random"
    temperature_start: float = 1.0
    temperature_end: float = 1.0
    entropy: float = 0.0
    harden: bool = True
    read_table: bool = True
    retrain: bool = True
    first_share: float = 0.7
    retrain_sharpness: float = 5.0
    retrain_factor: float = 1.5
    max_rounds: int = 4
    merge: bool = True

    def __post_init__(self) -> None:
        super().__post_init__()
        # `is not None`, not `or`: states=0 and restarts=0 are mistakes, not "choose for me"
        # (they passed as such and divided by zero in the middle of a run).
        counts = {"states": self.states, "start_states": self.start_states, "max_states": self.max_states,
                  "rung_steps": self.rung_steps, "restarts": self.restarts}  # fmt: skip
        for name, count in counts.items():
            if count is not None and count < 1:
                raise InvalidArgument(f"{name} must be at least 1, got {count}")
        if self.start_states > self.max_states:
            raise InvalidArgument(
                f"start_states ({self.start_states}) exceeds max_states ({self.max_states})"
            )
        if self.init not in ("random", "permutation"):
            raise InvalidArgument(f"unknown init '{self.init}': choose 'random' or 'permutation'")
        if self.retrain_factor < 1:
            raise InvalidArgument(f"retrain_factor must be at least 1, got {self.retrain_factor}")
        if not 0 < self.first_share <= 1:
            raise InvalidArgument(f"first_share must be in (0, 1], got {self.first_share}")
        if not (self.temperature_start > 0 and self.temperature_end > 0):
            raise InvalidArgument("temperatures must be positive")
        self.check_memory(symbols=2, longest=1)  # the least any challenge asks; build() checks the data's

    def check_memory(self, symbols: int, longest: int) -> None:
        """Refuse in one line automata that cannot train in this machine's (or device's) memory.

        Counted: the largest size's restarts (or a retrained one, up to ``retrain_factor`` times
        as large), and the state of every restart after every symbol of one batch's strings.
        """
        largest = self.sizes()[-1]
        if self.read_table and self.retrain:
            largest = max(largest, math.ceil(self.retrain_factor * largest))
        restarts = self.restarts_for(largest)
        parameters = restarts * largest * (symbols * largest + 1)
        activations = restarts * self.batch_size * longest * (symbols + 1) * largest
        side_by_side = f" ({restarts} side by side)" if restarts > 1 else ""
        what = f"a soft automaton of {largest:,} states{side_by_side}"
        check_fits(training_bytes(parameters, activations), what, self.device)

    def sizes(self) -> list[int]:
        """The state counts tried, smallest first, while none is perfect on validation.

        >>> SoftAutomatonConfig().sizes(), SoftAutomatonConfig(states=5).sizes()
        ([8, 16, 32, 64], [5])
        """
        return doubling_ladder(self.states, self.start_states, self.max_states)

    def restarts_for(self, states: int) -> int:
        """How many automata of ``states`` states train side by side.

        >>> [SoftAutomatonConfig().restarts_for(k) for k in (6, 18, 45, 58, 64)]
        [8, 8, 4, 1, 1]
        """
        if self.restarts is not None:
            return self.restarts
        return max(1, min(_MAX_RESTARTS, (_RESTART_BUDGET // states) ** 2))


def doubling_ladder(fixed: int | None, start: int, stop: int) -> list[int]:
    """``[fixed]``, or ``start`` doubled while it stays within ``stop``: the sizes a learner tries.

    >>> doubling_ladder(None, 4, 40), doubling_ladder(5, 4, 40)
    ([4, 8, 16, 32], [5])
    """
    if fixed is not None:
        return [fixed]
    sizes = [start]
    while sizes[-1] * 2 <= stop:
        sizes.append(sizes[-1] * 2)
    return sizes


class SoftAutomaton(Classifier):
    """``restarts`` independent soft automata with ``states`` states over ``alphabet``.

    While training, ``forward`` returns logits ``[restarts, batch]``. Once one automaton is kept
    (:meth:`keep`), it returns ``[batch]``: from the soft matrices, or from the integer table
    after :meth:`set_hard`. Padding (id ``symbols``) leaves the state unchanged.
    """

    def __init__(
        self,
        alphabet: str,
        states: int,
        restarts: int = 1,
        init: str = "random",
        temperatures: tuple[float, float] = (1.0, 1.0),
        entropy: float = 0.0,
        harden: bool = True,
    ) -> None:
        super().__init__()
        symbols = len(alphabet)
        self.alphabet, self.symbols, self.states, self.restarts = alphabet, symbols, states, restarts
        self.init, self.temperatures, self.entropy, self.harden = init, temperatures, entropy, harden
        self.logits = nn.Parameter(torch.zeros(restarts, symbols, states, states))
        self.accept = nn.Parameter(torch.zeros(restarts, states))
        # Buffers, so that checkpoints carry them: the schedule, the choice, the hard automaton.
        self.register_buffer("temperature", torch.tensor(1.0))
        self.register_buffer("kept", torch.tensor(-1))  # -1: all restarts still in play
        self.register_buffer("hardened", torch.tensor(False))
        self.register_buffer("table", torch.zeros(states, symbols, dtype=torch.int64))
        self.register_buffer("accepting", torch.zeros(states, dtype=torch.bool))

    def reset_parameters(self, generator: torch.Generator) -> None:
        with torch.no_grad():
            self.logits.normal_(generator=generator)
            self.accept.normal_(generator=generator)
            if self.init == "permutation":
                # A sharp random permutation per symbol: a state starts out meaning one prefix class.
                rows = torch.arange(self.states)
                for r in range(self.restarts):
                    for s in range(self.symbols):
                        targets = torch.randperm(self.states, generator=generator)
                        self.logits[r, s, rows, targets] += 3.0

    # --- the two ways to run ----------------------------------------------------------------
    def matrices(self) -> torch.Tensor:
        """Row-stochastic transition matrices ``[restarts, symbols, K, K]`` at the temperature."""
        return torch.softmax(self.logits / self.temperature, dim=-1)

    def acceptance(self) -> torch.Tensor:
        """Probability that each state accepts, ``[restarts, K]``."""
        return torch.sigmoid(self.accept)

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        if self.hardened:
            return torch.where(run_table(self.table, self.accepting, ids), _CERTAIN, -_CERTAIN)
        matrices, acceptance = self.matrices(), self.acceptance()
        if self.kept >= 0:
            matrices, acceptance = matrices[self.kept, None], acceptance[self.kept, None]
        probability = run_matrices(matrices, acceptance, ids).clamp(_EPSILON, 1 - _EPSILON)
        logits = torch.log(probability) - torch.log1p(-probability)
        return logits[0] if self.kept >= 0 else logits

    # --- training hooks ---------------------------------------------------------------------
    def anneal(self, fraction: float) -> None:
        """Geometric temperature schedule from ``temperatures[0]`` to ``temperatures[1]``."""
        start, end = self.temperatures
        self.temperature.fill_(start * (end / start) ** fraction)

    def penalty(self) -> torch.Tensor | float:
        """Mean row entropy x ``entropy``: pushes every transition towards one target state."""
        if not self.entropy:
            return 0.0
        rows = self.matrices()
        return self.entropy * -(rows * torch.log(rows + 1e-9)).sum(-1).mean(dim=(1, 2)).sum()

    def validate(self, batch: LabelledBatch) -> tuple[float, float]:
        """The better of the soft and hardened automata; among hard ones, the smaller is better."""
        soft = float(accuracies(self, batch).max())
        if self.harden:
            hard = self.hardened_candidate(batch)
            if hard.accuracy >= soft:
                return hard.accuracy, -hard.minimal_states
        return soft, -self.states

    # --- hardening --------------------------------------------------------------------------
    def hardened_candidate(
        self, val_set: LabelledBatch, train_set: LabelledBatch | None = None
    ) -> "Hardened":
        """The best restart once hardened: argmax per row, readouts refitted on ``train_set``.

        Best means most accurate on ``val_set``, then fewest states once minimised (Occam).
        """
        tables = self.logits.detach().argmax(-1).transpose(1, 2)  # [restarts, K, symbols]
        readouts = self.accept.detach() > 0
        best = None
        for restart in range(self.restarts):
            table, accepting = tables[restart], readouts[restart]
            if train_set is not None:
                accepting = refit_readout(table, accepting, train_set.ids, train_set.labels)
            right = run_table(table, accepting, val_set.ids) == val_set.labels.bool()
            accuracy = float(right.float().mean())
            dfa = DFA(table.cpu().numpy(), 0, accepting.cpu().numpy(), self.alphabet)
            candidate = Hardened(restart, table, accepting, accuracy, dfa.minimize().num_states)
            if best is None or (accuracy, -candidate.minimal_states) > (best.accuracy, -best.minimal_states):
                best = candidate
        assert best is not None
        return best

    def table_candidate(
        self, hard: "Hardened", train_set: LabelledBatch, val_set: LabelledBatch
    ) -> "Hardened | None":
        """The automaton an observation table reads off ``hard`` (see :mod:`.observation_table`).

        The table asks ``hard`` only about strings no longer than the longest training string,
        built from the training strings' own prefixes and suffixes. None if the result has more
        states than this automaton (it would be no simplification).
        """
        oracle = AutomatonOracle(hard.table, hard.accepting)
        ids = train_set.ids.cpu()
        read = observation_table_automaton(oracle, ids, self.symbols, ids.shape[1], max_states=self.states)
        if read is None:
            return None
        table, accepting = read
        table, accepting = table.to(hard.table.device), accepting.to(hard.table.device)
        right = run_table(table, accepting, val_set.ids) == val_set.labels.bool()
        dfa = DFA(table.cpu().numpy(), 0, accepting.cpu().numpy(), self.alphabet)
        accuracy = float(right.float().mean())
        return Hardened(hard.restart, table, accepting, accuracy, dfa.minimize().num_states)

    def keep(self, restart: int) -> None:
        """Answer with restart ``restart`` alone, from its soft matrices."""
        self.kept.fill_(restart)

    def set_hard(self, table: torch.Tensor, accepting: torch.Tensor) -> None:
        """Answer with the deterministic automaton ``table`` ``[n, symbols]`` / ``accepting`` ``[n]``.

        ``n`` may be below K (a table's DFA): the remaining states become unreachable self-loops.
        """
        table, accepting = pad_table(table.cpu(), accepting.cpu(), self.states)
        self.table.copy_(table)
        self.accepting.copy_(accepting)
        self.hardened.fill_(True)

    def seed_transitions(self, table: torch.Tensor, accepting: torch.Tensor, sharpness: float) -> None:
        """Start every restart near the DFA ``table`` ``[n, symbols]``: each of its transitions
        gets ``sharpness`` extra logit, each verdict a logit of +-3.
        """
        n = len(table)
        with torch.no_grad():
            rows = torch.arange(n)[:, None].expand(n, self.symbols)
            symbols = torch.arange(self.symbols)[None, :].expand(n, self.symbols)
            self.logits[:, symbols, rows, table] += sharpness
            self.accept[:, :n] = torch.where(accepting, 3.0, -3.0)


@dataclass(frozen=True)
class Candidate:
    """One way a trained soft automaton can answer, scored on validation.

    ``size`` is the minimal DFA's state count (K for the soft automaton); ``hard`` holds the DFA
    for the hard modes, ``read`` the table's DFA whatever the mode (to retrain from).
    """

    mode: Literal["soft", "hard", "table"]
    accuracy: float
    size: int
    restart: int
    hard: "Hardened | None" = None
    read: "Hardened | None" = None


@dataclass(frozen=True)
class Hardened:
    """One restart's DFA -- hardened, or read off by the table -- with its validation accuracy
    and minimal size."""

    restart: int
    table: torch.Tensor  # [n, symbols] int64: n = K when hardened, n <= K when read off
    accepting: torch.Tensor  # [n] bool
    accuracy: float
    minimal_states: int


def continued_progress(
    progress: ProgressHook, steps: int, seconds: float, config: TrainConfig
) -> ProgressHook:
    """``progress`` for a later loop: its steps and seconds counted after the earlier loops' (the
    soft automaton's sizes and rounds, the linear RNN's widths)."""

    def hook(state: TrainProgress) -> None:
        progress(replace(state, step=state.step + steps, max_steps=config.max_steps,
                         seconds=state.seconds + seconds, max_seconds=config.max_seconds))  # fmt: skip

    return hook


def run_matrices(matrices: torch.Tensor, acceptance: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
    """Acceptance probability ``[R, B]`` of ``R`` soft automata on right-padded ids ``[B, T]``.

    One step multiplies every state vector by every symbol's matrix at once (a single matmul of
    ``[B, K] x [K, (symbols + 1) K]``) and gathers the symbol read: at K = 87 a training step took
    5 ms this way and 26 ms gathering a ``K x K`` matrix per row. Padding's matrix is the identity.

    >>> swap = torch.tensor([[[[0.0, 1.0], [1.0, 0.0]]]])  # one automaton, one symbol: swap
    >>> run_matrices(swap, torch.tensor([[1.0, 0.0]]), torch.tensor([[0, 0], [0, 1]])).tolist()
    [[1.0, 0.0]]
    """
    restarts, symbols, states, _ = matrices.shape
    batch = ids.shape[0]
    identity = torch.eye(states, dtype=matrices.dtype, device=matrices.device)
    identity = identity.expand(restarts, 1, states, states)
    state = torch.zeros(restarts, batch, states, dtype=matrices.dtype, device=matrices.device)
    state[..., 0] = 1.0
    if symbols > _GATHER_SYMBOLS:
        # A large alphabet (aligned columns: 1,331 symbols) makes "every symbol at once" cost
        # symbols x more than the one matrix each row needs: gather that one instead.
        padded = torch.cat([matrices, identity], dim=1)  # [R, symbols + 1, K, K]
        for column in ids.T:
            chosen = padded[:, column].reshape(restarts * batch, states, states)
            state = torch.bmm(state.reshape(restarts * batch, 1, states), chosen)
            state = state.view(restarts, batch, states)
        return (state * acceptance[:, None, :]).sum(-1)
    flat = torch.cat([matrices, identity], dim=1).transpose(1, 2).reshape(restarts, states, -1)
    for column in ids.T:
        every = torch.bmm(state, flat).view(restarts, batch, symbols + 1, states)
        index = column.view(1, batch, 1, 1).expand(restarts, batch, 1, states)
        state = every.gather(2, index).squeeze(2)
    return (state * acceptance[:, None, :]).sum(-1)


@register_model
class SoftAutomatonModel(NetworkModel):
    """A learned probabilistic automaton, hardened into a deterministic one after training."""

    id = "soft-automaton"
    answers_with = "automaton"  # its hardened DFA, or the one a table reads off it
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
        return SoftAutomaton(alphabet, states, restarts, c.init, temperatures, c.entropy, c.harden)

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
        started = time.perf_counter()
        c, trained = self.config, report.train_seconds or 0.0

        def left() -> tuple[int, float]:
            # Reading tables counts against the budget too: it is part of fitting.
            return c.max_steps - report.steps, c.max_seconds - trained - (time.perf_counter() - started)

        def train(network: SoftAutomaton, budget: SoftAutomatonConfig) -> FitReport:
            spent = c.max_seconds - left()[1]
            progress = self.progress and continued_progress(self.progress, report.steps, spent, c)
            done = train_network(network, train_set, val_set, budget, generator, progress)
            report.steps += done.steps
            if done.extra.get("hit_time_cap"):
                report.extra["hit_time_cap"] = True  # the safety cap, not the step budget, stopped it
            return done

        network = self.network
        assert isinstance(network, SoftAutomaton)
        best, extra = self.best_candidate(network, train_set, val_set)
        sizes = [{"steps": report.steps, "restarts": network.restarts, **extra}]
        seed = best.read
        for states in c.sizes()[1:]:
            steps_left, seconds_left = left()
            if best.accuracy >= 1.0 or steps_left <= 0 or seconds_left <= 0:
                break
            larger = self.fresh(self.alphabet or "", states, c.restarts_for(states))
            larger.reset_parameters(generator)
            larger = larger.to(self.device)
            done = train(larger, self.size_budget(states, steps_left, seconds_left))
            candidate, extra = self.best_candidate(larger, train_set, val_set)
            sizes.append({"steps": done.steps, "restarts": larger.restarts, **extra})
            if (candidate.accuracy, -candidate.size) > (best.accuracy, -best.size):
                self.network, best = larger, candidate
            seed = _better_read(seed, candidate.read)
        rounds: list[dict[str, Any]] = []
        while c.retrain and seed is not None and best.accuracy < 1.0 and len(rounds) < c.max_rounds:
            steps_left, seconds_left = left()
            if steps_left <= 0 or seconds_left <= 0:
                break
            second = self.seeded_from(seed, generator)
            budget = replace(c, max_steps=steps_left, max_seconds=seconds_left, target_accuracy=1.0)
            done = train(second, budget)
            candidate, extra = self.best_candidate(second, train_set, val_set)
            rounds.append({"steps": done.steps, "restarts": second.restarts, **extra})
            if (candidate.accuracy, -candidate.size) > (best.accuracy, -best.size):
                self.network, best = second, candidate
            seed = _better_read(seed, candidate.read)
        network = self.network
        assert isinstance(network, SoftAutomaton)
        self._shape = (network.states, network.restarts)
        network.keep(best.restart)
        report.extra.update(
            sizes=sizes, retrained=rounds, states=network.states, kept=best.restart, mode=best.mode
        )
        if best.hard is not None:
            table, accepting = best.hard.table, best.hard.accepting
            if c.merge:
                table, accepting = merge_states(table, accepting, train_set.ids, train_set.labels)
                right = run_table(table, accepting, val_set.ids.cpu()) == val_set.labels.cpu().bool()
                report.extra.update(merged_states=len(table), merged_val_accuracy=float(right.float().mean()))
            network.set_hard(table, accepting)
        report.train_seconds = trained + (time.perf_counter() - started)
        report.best_val_accuracy = best.accuracy
        return report

    def best_candidate(
        self, network: SoftAutomaton, train_set: LabelledBatch, val_set: LabelledBatch
    ) -> tuple["Candidate", dict[str, Any]]:
        """The best way ``network`` can answer -- soft, hardened or read off by a table -- and figures."""
        soft = accuracies(network, val_set)
        restart = int(soft.argmax())
        best = Candidate("soft", float(soft.max()), network.states, restart)
        extra: dict[str, Any] = {"states": network.states, "soft_val_accuracy": best.accuracy}
        if not network.harden:
            return best, extra
        hard = network.hardened_candidate(val_set, train_set)
        extra.update(hard_val_accuracy=hard.accuracy, minimal_states=hard.minimal_states)
        read = network.table_candidate(hard, train_set, val_set) if self.config.read_table else None
        if hard.accuracy >= best.accuracy:  # the hardened DFA wins a tie with the soft automaton
            best = Candidate("hard", hard.accuracy, hard.minimal_states, hard.restart, hard)
        if read is not None:
            extra.update(table_val_accuracy=read.accuracy, table_states=read.minimal_states)
            # The table's DFA must beat the hardened one outright (more accurate, or as accurate
            # and smaller), and be at least as good as the soft automaton.
            beats_hard = (read.accuracy, -read.minimal_states) > (hard.accuracy, -hard.minimal_states)
            if beats_hard and read.accuracy >= float(soft.max()):
                best = Candidate("table", read.accuracy, read.minimal_states, hard.restart, read)
        return replace(best, read=read), extra

    def seeded_from(self, start: "Hardened", generator: torch.Generator) -> SoftAutomaton:
        """A fresh soft automaton ``retrain_factor`` times as large as ``start``, beginning close to it.

        The spare states let training split a state the table merged by mistake.
        """
        c = self.config
        states = max(len(start.table), math.ceil(c.retrain_factor * len(start.table)))
        network = SoftAutomaton(
            self.alphabet or "", states, c.restarts_for(states), "random",
            (c.temperature_start, c.temperature_end), c.entropy,
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


def _better_read(current: Hardened | None, new: Hardened | None) -> Hardened | None:
    """The more accurate table DFA on validation (then the smaller): the next retraining's start."""
    if new is None or current is not None and (current.accuracy, -current.minimal_states) >= (
        new.accuracy, -new.minimal_states
    ):
        return current
    return new
