"""The column automaton: a learned automaton over aligned digit columns checks ``a+b=c`` at any length.

An equation is written most significant digit first, ``a+b=c``, and a finite automaton reading it
so cannot check it: the digits that must be added together lie far apart. This model puts them
side by side first. Its **alignment step** is fixed, documented and knows no arithmetic:

1. split the string at the operator (the one symbol of the alphabet that is neither a digit nor
   ``=``) and at ``=``;
2. right-align the three numbers and read them from their last digit: column ``i`` is the triple
   ``(a_i, b_i, c_i)`` of the digits ``i`` places from the end, with a **blank** symbol where a
   number has fewer digits (the columns where ``c`` is longer than ``a`` and ``b`` included);
3. write each column as one symbol of the **column alphabet**, ``(base + 1)**3`` symbols
   (digits and the blank in each of three tracks), so that a column string is an ordinary string.

>>> eq = EquationAlphabet.of("0123456789+=")
>>> [eq.triple(s) for s in eq.align(np.array(["12+9=21"])).columns[0]]
[('2', '9', '1'), ('1', '_', '2')]

A :class:`~baselines.automaton_learners.soft_automaton.SoftAutomaton` over the column alphabet
then learns, from the labelled strings only, which column strings are correct -- the carry rule is
never coded. The soft automaton's own machinery (restarts, hardening, observation table,
retraining, Occam tie-break) applies unchanged, so a trained model is a DFA over columns:
:meth:`as_dfa` gives it, restricted to the column strings alignment can produce from well-formed
equations (the *well-formed column strings*, :func:`column_shape_automaton`), and the tests prove
it equivalent to the hand-built carry automaton
(:func:`baselines.references.fsa.carry_automaton`).

The model has no arithmetic of its own beyond the alignment; what it learns on multiplications
(where a column of ``c`` depends on every column of ``a`` and ``b`` before it) is an approximation.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from baselines.automata.dfa import DFA
from baselines.automata.dfa_tables import run_table
from baselines.automata.exactness import Exactness
from baselines.automaton_learners.soft_automaton import SoftAutomaton, SoftAutomatonConfig, SoftAutomatonModel
from baselines.base import FitReport, register_model
from baselines.configured import ConfiguredModel
from baselines.structured.column_encoding import (  # noqa: F401
    BLANK,
    COLUMN_CODE,
    Aligned,
    EquationAlphabet,
    column_shape_automaton,
)
from baselines.training.train import LabelledBatch, ProgressHook
from challenges.core import Examples, LearnerView
from challenges.errors import InvalidArgument


@dataclass
class ColumnAutomatonConfig(SoftAutomatonConfig):
    """The soft automaton's settings (see :class:`SoftAutomatonConfig`), over columns.

    ``states`` is the soft automaton's capacity; the automaton kept is chosen on validation and
    minimised, so its state count comes from the data (3 on additions: carry 0, carry 1, wrong).
    """

    batch_size: int = 1024
    states: int | None = 4
    restarts: int | None = 4
    repair: bool = True


@register_model
class ColumnAutomatonModel(ConfiguredModel):
    """A soft automaton over aligned digit columns, hardened into a DFA over columns."""

    id = "column-automaton"
    version = 2  # 2: the soft automaton keeps the smaller candidate unless a sign test says otherwise
    description = (
        "equations right-aligned into digit columns (fixed step), then a soft automaton over "
        "columns learns the carry rule; hardened into a DFA over columns"
    )
    trainable = True
    kind = "structured"
    built_in = ("a place-value-aligned encoding: a, b and c right-aligned into digit columns, read one "
                "column a step")
    Config = ColumnAutomatonConfig

    def __init__(self, config: ColumnAutomatonConfig | None = None, **options: Any) -> None:
        super().__init__(config, **options)
        self.automaton = SoftAutomatonModel(self.config)
        self.equation: EquationAlphabet | None = None

    def applies_to(self, task: Any) -> str | None:
        try:
            EquationAlphabet.of(task.alphabet)
        except InvalidArgument:
            name = getattr(task, "id", "this task")
            return f"{self.id} reads equations a+b=c or axb=c; {name} is not written with an operator and '='"
        return None

    @property
    def progress(self) -> ProgressHook | None:
        """A hook watching training, as on a NetworkModel: it is the inner automaton's."""
        return self.automaton.progress

    @progress.setter
    def progress(self, hook: ProgressHook | None) -> None:
        self.automaton.progress = hook

    @property
    def network(self) -> torch.nn.Module | None:
        """The soft automaton over columns (what checkpoints save)."""
        return self.automaton.network

    @property
    def alphabet(self) -> str | None:
        """The equation alphabet the model reads (checkpoints carry it)."""
        return None if self.equation is None else self.equation.alphabet

    def fit(self, task: Any, train: Examples, val: Examples, seed: int) -> FitReport:
        """Align every training string into columns, then fit the soft automaton on them."""
        self.equation = EquationAlphabet.of(task.alphabet)
        view = LearnerView(self.equation.columns, task.base, tuple(task.train_lengths))
        train_columns, val_columns = (self.equation.align_examples(e) for e in (train, val))
        report = self.automaton.fit(view, train_columns, val_columns, seed)
        if self.config.repair:
            started = time.perf_counter()
            self.repair(train_columns, val_columns, report)
            report.train_seconds = (report.train_seconds or 0.0) + time.perf_counter() - started
        return report

    def repair(self, train: Examples, val: Examples, report: FitReport) -> None:
        """Repair and simplify the best hardened automaton on the training columns; keep it if it
        is at least as right on validation as what the soft automaton's fit kept.

        The soft automaton may keep its soft form when that is a hair better on validation; a
        repaired DFA is usually better than both (see :func:`repair_transitions`).
        """
        network = self.automaton.network
        assert isinstance(network, SoftAutomaton) and self.equation is not None
        device, columns = self.automaton.device, self.equation.columns
        train_set, val_set = (LabelledBatch.of(e, columns, device) for e in (train, val))
        if bool(network.hardened):
            table, accepting = network.table, network.accepting
        else:
            hard = network.hardened_candidate(val_set, train_set)
            table, accepting = hard.table, hard.accepting
        table, repaired = repair_transitions(table, accepting, train_set)
        table, accepting = prune_unsupported(table, accepting, train_set)
        right = run_table(table, accepting, val_set.ids) == val_set.labels.bool()
        accuracy = float(right.float().mean())
        dfa = DFA(table.cpu().numpy(), 0, accepting.cpu().numpy(), columns).minimize()
        report.extra.update(repaired=repaired, repaired_states=dfa.num_states, repaired_val_accuracy=accuracy)
        # The network's table holds K states at most (minimising removes the sink's extra one).
        if dfa.num_states <= network.states and accuracy >= (report.best_val_accuracy or 0.0):
            network.set_hard(torch.from_numpy(dfa.transitions.copy()).to(device),
                             torch.from_numpy(dfa.accepting.copy()).to(device))  # fmt: skip
            report.best_val_accuracy = accuracy
            report.extra["mode"] = "repaired"

    def restore(self, alphabet: str, state_dict: dict[str, torch.Tensor]) -> None:
        self.equation = EquationAlphabet.of(alphabet)
        self.automaton.restore(self.equation.columns, state_dict)

    def predict(self, texts: np.ndarray) -> np.ndarray:
        if self.equation is None:
            raise InvalidArgument(f"model '{self.id}' must be fitted (or loaded) before it predicts")
        columns, well_formed = self.equation.align(texts)
        return self.automaton.predict(columns) & well_formed

    def parameter_count(self) -> int:
        return self.automaton.parameter_count()

    def column_dfa(self) -> DFA:
        """The learned automaton over the whole column alphabet, as hardened (unrestricted)."""
        return self.automaton.as_dfa()

    def prove_exact(self, challenge: Any) -> Exactness | None:
        """Equivalence with the carry automaton over well-formed columns (additions only).

        The alignment is fixed code; what is learned is the automaton over columns, and for
        additions that language is regular: the schoolbook carry rule. A counterexample is a
        string of column symbols (see :class:`EquationAlphabet`).
        """
        from baselines.automata.exactness import Exactness
        from baselines.references.fsa import carry_automaton

        dfa = self.as_dfa()
        if dfa is None or self.equation is None:
            return None
        if challenge.family != "arithmetic" or not challenge.alphabet.endswith("+="):
            return Exactness(None, None, dfa.num_states, f"no automaton over columns decides {challenge.id}")
        reference = intersect(carry_automaton(self.equation.base), column_shape_automaton(self.equation.base))
        counterexample = dfa.equivalent(reference)
        note = "over aligned columns, against the carry automaton"
        return Exactness(counterexample is None, counterexample, dfa.num_states, note)

    def as_dfa(self) -> DFA | None:
        """The learned DFA over columns, restricted to well-formed column strings, minimised;
        None if the model kept its soft automaton (it is not a DFA then).

        Columns no well-formed equation produces (a blank inside a number) say nothing about
        what was learned, so the comparison with the carry automaton is made on that domain.
        """
        if self.equation is None:
            raise InvalidArgument(f"model '{self.id}' must be fitted (or loaded) first")
        network = self.automaton.network
        if not isinstance(network, SoftAutomaton) or not bool(network.hardened):
            return None
        return intersect(self.column_dfa(), column_shape_automaton(self.equation.base))


def intersect(first: DFA, second: DFA) -> DFA:
    """The minimal DFA of the strings both accept (the reachable product).

    >>> even_a = DFA(np.array([[1, 0], [0, 1]]), 0, frozenset({0}), "ab")
    >>> even_b = DFA(np.array([[0, 1], [1, 0]]), 0, frozenset({0}), "ab")
    >>> both = intersect(even_a, even_b)
    >>> both.num_states, both.accepts("abab"), both.accepts("ab")
    (4, True, False)
    """
    a, b = first.transitions, second.transitions
    index = {symbol: i for i, symbol in enumerate(first.alphabet)}
    return DFA.explore(
        first.alphabet,
        (first.start, second.start),
        lambda pair, symbol: (int(a[pair[0], index[symbol]]), int(b[pair[1], index[symbol]])),
        lambda pair: bool(first.accepting[pair[0]] and second.accepting[pair[1]]),
    ).minimize()


def _right(table: torch.Tensor, accepting: torch.Tensor, data: LabelledBatch) -> int:
    """How many strings of ``data`` the automaton judges right."""
    return int((run_table(table, accepting, data.ids) == data.labels.bool()).sum())


def _from_start(
    table: torch.Tensor, accepting: torch.Tensor, start: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """The states reachable from ``start``, renumbered in breadth-first order (``start`` is 0)."""
    rows = table.tolist()
    order, seen = [start], {start}
    for state in order:
        for target in rows[state]:
            if target not in seen:
                seen.add(target)
                order.append(target)
    keep = torch.tensor(order, device=table.device)
    renumber = torch.full((len(table),), -1, dtype=torch.int64, device=table.device)
    renumber[keep] = torch.arange(len(order), device=table.device)
    return renumber[table[keep]], accepting[keep]


def repair_transitions(
    table: torch.Tensor,
    accepting: torch.Tensor,
    data: LabelledBatch,
    rounds: int = 100,
    max_wrong: float = 0.01,
) -> tuple[torch.Tensor, int]:
    """Fix single transitions of a hardened automaton that the training strings show to be wrong.

    A soft automaton 99.95% right on validation has learned most of its table and missed a few
    rare (state, symbol) entries -- base-10 columns have 1,331 symbols, each read by about one
    column in a thousand -- and one wrong entry makes most 1000-digit strings wrong. Each round
    takes the entries read most often by wrongly judged training strings, tries every target
    state for each on the strings that read it, and keeps the first change that makes more of
    them right. An automaton wrong on more than ``max_wrong`` of the strings has not learned the
    rule, and is left alone (on multiplications, 100 rounds cost 30 s and bought nothing).
    Generic: it knows nothing of columns. Returns the table and how many entries changed.

    >>> broken = torch.tensor([[1, 1], [0, 1]])  # parity of a's, but 'b' in state 0 goes to 1
    >>> ids = torch.tensor([[1, 0], [0, 1], [1, 1], [1, 2]])  # "ba", "ab", "bb", "b" (2 pads)
    >>> batch = LabelledBatch(ids, torch.tensor([2, 2, 2, 1]), torch.tensor([0.0, 0.0, 1.0, 1.0]))
    >>> repair_transitions(broken, torch.tensor([True, False]), batch, max_wrong=1.0)
    (tensor([[1, 0],
            [0, 1]]), 1)
    """
    table = table.clone()
    labels = data.labels.bool()
    pad = table.shape[1]
    changed = 0
    for _ in range(rounds):
        visits = _state_sequences(table, data.ids)
        wrong = run_table(table, accepting, data.ids) != labels
        if not wrong.any() or wrong.float().mean() > max_wrong:
            break
        ids, states = data.ids[wrong], visits[wrong]
        real = ids != pad
        counts = torch.bincount((states * pad + ids)[real], minlength=table.numel())
        improved = False
        for pair in counts.argsort(descending=True)[:8].tolist():  # the most suspect few
            if counts[pair] == 0:
                break
            state, symbol = divmod(pair, pad)
            readers = ((visits == state) & (data.ids == symbol)).any(dim=1)
            reader_ids, reader_labels = data.ids[readers], labels[readers]
            original = int(table[state, symbol])
            scores = []
            for target in range(len(table)):
                table[state, symbol] = target
                scores.append(int((run_table(table, accepting, reader_ids) == reader_labels).sum()))
            best = max(range(len(table)), key=lambda t: (scores[t], t == original))
            table[state, symbol] = best
            if best != original:  # ties keep the original, so a change is strictly better
                improved, changed = True, changed + 1
                break
        if not improved:
            break
    return table, changed


def _state_sequences(table: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
    """``[B, T]``: the state each symbol of each string is read in (padding keeps the state)."""
    states = table.shape[0]
    padded = torch.cat([table, torch.arange(states, device=table.device)[:, None]], dim=1)
    state = torch.zeros(ids.shape[0], dtype=torch.int64, device=ids.device)
    visits = torch.empty_like(ids)
    for t in range(ids.shape[1]):
        visits[:, t] = state
        state = padded[state, ids[:, t]]
    return visits


def prune_unsupported(
    table: torch.Tensor, accepting: torch.Tensor, data: LabelledBatch
) -> tuple[torch.Tensor, torch.Tensor]:
    """Keep only the transitions that training members take; every other one leads to a sink.

    The prefix-tree acceptor's bias (Oncina and Garcia 1992): what no positive example shows is
    rejected. A hardened automaton's untaken transitions are argmax guesses, and a wrong column
    is seen by training only a few times each (base 10 has 18,000 kinds of wrong column, and a
    near miss holds one), so some guesses accept wrong columns. Members of any length take only
    transitions that short members take too, so nothing right is lost where training covered
    every right step. Generic: it knows nothing of columns. The table grows by the sink (the last
    state, rejecting, a self-loop on every symbol).

    >>> table = torch.tensor([[0, 1], [1, 0]])  # over "ab"; members seen: "a", "aa"
    >>> batch = LabelledBatch(torch.tensor([[0, 2], [0, 0], [1, 2]]), torch.tensor([1, 2, 1]),
    ...                       torch.tensor([1.0, 1.0, 0.0]))
    >>> pruned, accepting = prune_unsupported(table, torch.tensor([True, True]), batch)
    >>> pruned.tolist(), accepting.tolist()
    ([[0, 2], [2, 2], [2, 2]], [True, True, False])
    """
    states, symbols = table.shape
    members = data.ids[data.labels.bool()]
    visits = _state_sequences(table, members)
    real = members != symbols
    taken = torch.zeros(states * symbols, dtype=torch.bool, device=table.device)
    taken[(visits * symbols + members)[real]] = True
    sink = states
    pruned = torch.where(taken.view(states, symbols), table, sink)
    pruned = torch.cat([pruned, torch.full((1, symbols), sink, dtype=table.dtype, device=table.device)])
    return pruned, torch.cat([accepting, accepting.new_zeros(1)])
