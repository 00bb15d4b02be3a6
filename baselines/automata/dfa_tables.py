"""Deterministic automata as integer tables: run them on encoded strings, refit their verdicts.

A hardened soft automaton is a table ``[K, symbols]`` of next states (state 0 starts) and a
boolean readout ``[K]``. Running it is integer lookups only, vectorised over the batch: exact at
any length, and fast at 1000 digits. The padding id (``symbols``) leaves the state where it is.

>>> import torch
>>> parity = torch.tensor([[1, 0], [0, 1]])  # symbol 0 flips the state, symbol 1 keeps it
>>> ids = torch.tensor([[0, 0, 1], [0, 1, 2], [1, 2, 2]])  # "aab", "ab", "b" (2 pads)
>>> final_states(parity, ids).tolist()
[0, 1, 0]
>>> refit_readout(parity, torch.tensor([False, False]), ids, torch.tensor([1.0, 0.0, 1.0])).tolist()
[True, False]
"""

from __future__ import annotations

from collections.abc import Iterable

import torch

from baselines.automata.dfa import DFA


def run_table(table: torch.Tensor, accepting: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
    """Acceptance ``[B]`` of the automaton ``table`` ``[K, symbols]`` on right-padded ids ``[B, T]``."""
    return accepting[final_states(table, ids)]


def final_states(table: torch.Tensor, ids: torch.Tensor, start: torch.Tensor | None = None) -> torch.Tensor:
    """The state each string ends in, from state 0 or from ``start`` ``[B]``."""
    states = table.shape[0]
    padded = torch.cat([table, torch.arange(states, device=table.device)[:, None]], dim=1)
    flat, width = padded.reshape(-1), padded.shape[1]
    state = torch.zeros(ids.shape[0], dtype=torch.int64, device=ids.device) if start is None else start
    for column in ids.T:
        state = flat[state * width + column]
    return state


def hardened_dfa(network: torch.nn.Module) -> DFA | None:
    """The DFA a network answers with once hardened (buffers ``hardened``, ``table``,
    ``accepting`` and an ``alphabet``, as the soft automaton and the linear RNN keep them);
    None while it answers from its weights."""
    if not bool(network.hardened):
        return None
    return DFA(network.table.cpu().numpy(), 0, network.accepting.cpu().numpy(), network.alphabet)


def pad_table(table: torch.Tensor, accepting: torch.Tensor, states: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``table`` grown to ``states`` rows with unreachable, rejecting self-loops (so that automata
    of any size fit one fixed-shape checkpoint buffer).

    >>> pad_table(torch.tensor([[0, 0]]), torch.tensor([True]), 2)[0].tolist()
    [[0, 0], [1, 1]]
    """
    extra = states - len(table)
    loops = torch.arange(len(table), states)[:, None].expand(extra, table.shape[1])
    return torch.cat([table, loops]), torch.cat([accepting, torch.zeros(extra, dtype=torch.bool)])


def refit_readout(
    table: torch.Tensor, readout: torch.Tensor, ids: torch.Tensor, labels: torch.Tensor
) -> torch.Tensor:
    """Each state's verdict: the majority label of the strings ``ids`` that end in it.

    States no string ends in keep ``readout``; a tie rejects.
    """
    ends = final_states(table, ids)
    states = table.shape[0]
    members = torch.zeros(states, device=table.device).index_add_(0, ends, labels.to(torch.float32))
    totals = torch.bincount(ends, minlength=states).to(members.dtype)
    return torch.where(totals > 0, 2 * members > totals, readout)


def merge_states(
    table: torch.Tensor,
    accepting: torch.Tensor,
    ids: torch.Tensor,
    labels: torch.Tensor,
    screen: int = 4096,
) -> tuple[torch.Tensor, torch.Tensor]:
    """The DFA after every merge of two states that costs no error on the strings ``ids``.

    Occam's razor applied to a learned automaton, as RPNI applies it to a prefix tree: states are
    visited in breadth-first order, and each is merged into the first earlier state it can join --
    folding successors together so that the result stays deterministic, each merged state's
    verdict refitted to the majority label of the strings ending in it -- as long as the merged
    DFA makes no more errors on ``ids`` than the one before. Minimisation merges only states that
    agree on *every* string; this also merges states that no labelled string tells apart -- the
    state a leading zero leads to, or the start state (the empty string is never a training
    string) -- which the true automaton does not have. Every merge is first tried on the first
    ``screen`` strings, where most wrong ones already fail. The result has start state 0.

    >>> # "a" and "aa" lead to states 1 and 2, which no labelled string tells apart
    >>> table = torch.tensor([[1, 0], [2, 0], [2, 0]])
    >>> ids = torch.tensor([[0, 1], [1, 2], [0, 0]])  # "ab", "b", "aa" (2 pads)
    >>> labels = torch.tensor([1.0, 1.0, 0.0])
    >>> small, verdicts = merge_states(table, torch.tensor([True, False, False]), ids, labels)
    >>> small.tolist(), verdicts.tolist()
    ([[1, 0], [1, 0]], [True, False])
    """
    _, table, accepting = _breadth_first(table.cpu(), accepting.cpu())
    parent, rows = _merged_partition(table, accepting, ids, labels, screen)
    return _quotient(parent, rows, table, accepting, ids.cpu(), labels.cpu().bool())


def merge_classes(
    table: torch.Tensor, accepting: torch.Tensor, ids: torch.Tensor, labels: torch.Tensor, screen: int = 4096
) -> torch.Tensor:
    """For each state of ``table`` (start 0), the state of :func:`merge_states`' DFA it is folded
    into (-1 where the state is unreachable): for a learner that must keep its own states and
    only redirect them.

    >>> table = torch.tensor([[1, 0], [2, 0], [2, 0]])
    >>> ids, labels = torch.tensor([[0, 1], [1, 2], [0, 0]]), torch.tensor([1.0, 1.0, 0.0])
    >>> merge_classes(table, torch.tensor([True, False, False]), ids, labels).tolist()
    [0, 1, 1]
    """
    states = len(table)
    order, table, accepting = _breadth_first(table.cpu(), accepting.cpu())
    parent, _ = _merged_partition(table, accepting, ids, labels, screen)
    roots = [_find(parent, state) for state in range(len(parent))]
    number = {root: i for i, root in enumerate(sorted(set(roots)))}
    classes = torch.full((states,), -1, dtype=torch.int64)
    classes[torch.tensor(order)] = torch.tensor([number[root] for root in roots])
    return classes


def _merged_partition(
    table: torch.Tensor, accepting: torch.Tensor, ids: torch.Tensor, labels: torch.Tensor, screen: int
) -> tuple[list[int], list[list[int | None]]]:
    """The partition (union-find parents) and representatives' rows of :func:`merge_states`, on a
    table already in breadth-first order.

    No trial merge runs a string. A string of ``ids`` takes only transitions some string takes,
    and folding keeps those consistent within a class, so in any quotient it ends in the class of
    the state it ends in now. A refitted verdict is its class's majority label, so a quotient's
    errors are the sum over its classes of min(positives, negatives) ending there: counted once
    per state, added up per class, and only the classes a trial merges change. Merging never
    lowers that sum, so a merge is kept where it leaves it as it was (the screen -- the first
    ``screen`` strings -- is counted alike and checked first, as a run over them was before).
    """
    ids, labels = ids.cpu(), labels.cpu().bool()
    used = _used_transitions(table, ids)
    # A transition no string takes is free: a merge neither follows nor is blocked by it.
    rows = [[target if use else None for target, use in zip(row, uses)]
            for row, uses in zip(table.tolist(), used.tolist())]  # fmt: skip
    parent = list(range(len(rows)))
    counts = _ending_labels(final_states(table, ids), labels, screen, len(rows))
    # At first the learned verdicts stand (not yet refitted), after a merge the refitted ones.
    errors, screened = _errors_of_verdicts(counts, dict(enumerate(accepting.tolist())))
    least, least_screened = _least_errors(counts.values())
    for later in range(1, len(rows)):
        if _find(parent, later) != later:  # already folded into an earlier state
            continue
        for earlier in range(later):
            if _find(parent, earlier) != earlier:
                continue
            folded = _folded(parent, rows, earlier, later, counts, errors - least)
            if folded is None:  # it would cost more errors than the slack: rejected below anyway
                continue
            trial_parent, trial_rows, absorbed = folded
            merged = _merged_counts(trial_parent, counts, absorbed)
            parts = [counts[state] for state in [*merged, *absorbed]]
            now, now_screened = _least_errors(merged.values())
            was, was_screened = _least_errors(parts)
            if least_screened + now_screened - was_screened > screened:  # the screen tells them apart
                continue
            if (found := least + now - was) <= errors:
                parent, rows, errors, least = trial_parent, trial_rows, found, found
                least_screened += now_screened - was_screened
                for state in absorbed:
                    del counts[state]
                counts.update(merged)
                refitted = {state: 2 * c[0] > c[0] + c[1] for state, c in counts.items()}
                screened = _errors_of_verdicts(counts, refitted)[1]
                break
    return parent, rows


# Per state (or class): (positives, negatives) among all strings ending there, then among the screen's.
Counts = tuple[int, int, int, int]


def _ending_labels(ends: torch.Tensor, labels: torch.Tensor, screen: int, states: int) -> dict[int, Counts]:
    """Per state, the :data:`Counts` of the strings ending there (``ends``: each string's state)."""

    def tally(chosen: torch.Tensor, within: slice) -> list[int]:
        return torch.bincount(ends[within][chosen[within]], minlength=states).tolist()

    every, few = slice(None), slice(0, screen)
    columns = [tally(labels, every), tally(~labels, every), tally(labels, few), tally(~labels, few)]
    return {state: tuple(column[state] for column in columns) for state in range(states)}


def _least_errors(counts: Iterable[Counts]) -> tuple[int, int]:
    """Errors on all strings and on the screen when every verdict is its majority label."""
    pairs = [(min(c[0], c[1]), min(c[2], c[3])) for c in counts]
    return sum(p[0] for p in pairs), sum(p[1] for p in pairs)


def _errors_of_verdicts(counts: dict[int, Counts], accepts: dict[int, bool]) -> tuple[int, int]:
    """Errors on all strings and on the screen under the verdicts ``accepts``."""
    wrong = [(c[1], c[3]) if accepts[state] else (c[0], c[2]) for state, c in counts.items()]
    return sum(w[0] for w in wrong), sum(w[1] for w in wrong)


def _merged_counts(parent: list[int], counts: dict[int, Counts], absorbed: list[int]) -> dict[int, Counts]:
    """The :data:`Counts` of each class that took in a state of ``absorbed`` (classes of ``counts``
    merged by ``parent``), by the class's representative."""
    merged: dict[int, list[int]] = {}
    for state in absorbed:
        root = _find(parent, state)
        total = merged.setdefault(root, list(counts[root]))
        for i, count in enumerate(counts[state]):
            total[i] += count
    return {root: tuple(total) for root, total in merged.items()}


def _used_transitions(table: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
    """``[K, symbols]`` bool: which transitions some string of ``ids`` takes."""
    states, symbols = table.shape
    used = torch.zeros(states * (symbols + 1), dtype=torch.bool)
    padded = torch.cat([table, torch.arange(states)[:, None]], dim=1).reshape(-1)
    state = torch.zeros(ids.shape[0], dtype=torch.int64)
    for column in ids.T:
        edge = state * (symbols + 1) + column
        used[edge] = True
        state = padded[edge]
    return used.view(states, symbols + 1)[:, :symbols]


def _breadth_first(
    table: torch.Tensor, accepting: torch.Tensor
) -> tuple[list[int], torch.Tensor, torch.Tensor]:
    """The states reachable from 0 (their old numbers in the new order), renumbered in
    breadth-first order (symbols in order)."""
    order = breadth_first_order(table)
    renumber = torch.full((len(table),), -1, dtype=torch.int64)
    renumber[order] = torch.arange(len(order))
    return order, renumber[table[order]], accepting[order]


def breadth_first_order(table: torch.Tensor) -> list[int]:
    """The states of ``table`` reachable from 0, in breadth-first order (symbols in order).

    >>> breadth_first_order(torch.tensor([[2, 0], [1, 1], [0, 2]]))
    [0, 2]
    """
    order, seen = [0], {0}
    for state in order:
        for target in table[state].tolist():
            if target not in seen:
                seen.add(target)
                order.append(target)
    return order


def _find(parent: list[int], state: int) -> int:
    while parent[state] != state:
        state = parent[state]
    return state


def _folded(
    parent: list[int],
    rows: list[list[int | None]],
    first: int,
    second: int,
    counts: dict[int, Counts] | None = None,
    slack: int = 0,
) -> tuple[list[int], list[list[int | None]], list[int]] | None:
    """Copies of the partition ``parent`` and of the representatives' ``rows`` with ``first`` and
    ``second`` merged, and every pair of their successors merged in turn (so that the quotient is
    deterministic). The smaller state number represents a merged class; a free (None) transition
    takes the other state's. Third: the representatives this folded into others.

    With the classes' ``counts``: None as soon as the folding has cost more than ``slack`` errors
    on all strings (majority verdicts). Each union costs min(positives, negatives) of the union
    less those of its two parts, never below 0, and the costs add up to the whole merge's, so a
    merge given up here is one :func:`_merged_partition` would reject: most trial merges fail at
    their first pair, and folding the rest of them was most of its time (prime-base2's 256-state
    tables: 118 s of 388 in a linear RNN's fit).
    """
    parent, rows = parent.copy(), rows.copy()  # a row is copied only when it changes
    pending, absorbed, tallies, cost = [(first, second)], [], {}, 0
    while pending:
        one, other = pending.pop()
        a, b = _find(parent, one), _find(parent, other)
        if a == b:
            continue
        a, b = min(a, b), max(a, b)
        if counts is not None:
            mine, theirs = tallies.get(a) or counts[a], tallies.get(b) or counts[b]
            union = tallies[a] = (mine[0] + theirs[0], mine[1] + theirs[1], 0, 0)
            cost += min(union[0], union[1]) - min(mine[0], mine[1]) - min(theirs[0], theirs[1])
            if cost > slack:
                return None
        parent[b] = a
        absorbed.append(b)
        mine_row, theirs_row = rows[a], rows[b]
        if None in mine_row:
            rows[a] = [theirs if mine is None else mine for mine, theirs in zip(mine_row, theirs_row)]
        pending.extend((mine, theirs) for mine, theirs in zip(mine_row, theirs_row)
                       if mine is not None and theirs is not None)  # fmt: skip
    return parent, rows, absorbed


def _quotient(
    parent: list[int],
    rows: list[list[int | None]],
    table: torch.Tensor,
    accepting: torch.Tensor,
    ids: torch.Tensor,
    labels: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor]:
    """The DFA of the partition ``parent``, numbered by representative, verdicts refitted on
    ``ids``; a transition still free keeps the learned automaton's target."""
    roots = [_find(parent, state) for state in range(len(parent))]
    keep = sorted(set(roots))
    number = {root: i for i, root in enumerate(keep)}
    of = torch.tensor([number[root] for root in roots])
    targets = [[learned if target is None else target
                for target, learned in zip(rows[root], table[root].tolist())]
               for root in keep]  # fmt: skip
    merged = of[torch.tensor(targets)]
    # A class no string ends in accepts if any of its states did.
    verdicts = torch.zeros(len(keep), dtype=torch.bool).index_put_((of,), accepting, accumulate=True)
    return merged, refit_readout(merged, verdicts, ids, labels.float())


def wrong_answers(
    table: torch.Tensor, accepting: torch.Tensor, ids: torch.Tensor, labels: torch.Tensor
) -> int:
    """How many strings of ``ids`` the DFA ``table`` / ``accepting`` answers against ``labels``."""
    return int((run_table(table, accepting, ids) != labels).sum())
