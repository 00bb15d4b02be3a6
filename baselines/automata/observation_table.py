"""Read an automaton off a trained model by asking it about strings of training length only.

A network trained on numbers of at most 6 digits can be right on all of them and still wrong on
longer ones: nothing in training checks how its states behave beyond 6 digits. What it knows
in range is enough to rebuild the automaton it approximates, by the construction behind Angluin's
L* (1987): an **observation table** whose row for a prefix ``p`` holds the model's answers on
``p + e`` for every suffix ``e`` in a fixed set. Prefixes with the same row lead to the same state
(they are indistinguishable by any tested continuation); the state a prefix reaches after one more
symbol is the row of ``p + symbol``. Every query is kept within the training lengths -- prefixes of
at most ``a + 1`` symbols and suffixes of at most ``b``, with ``a + 1 + b`` the longest training
length -- so the model is only asked what it was trained to answer. Where a state-per-residue
automaton fits in that window (multiples of 29 need 2-symbol prefixes and 3-symbol suffixes to
tell all 29 residues apart and to close the table), the table gives it exactly, even from a model
whose own states drift after 12 digits.

Prefixes and suffixes come from the training strings themselves (so a number's prefix never
starts with a zero it could not have). Weiss, Goldberg and Yahav (2018) extract automata from
RNNs with full L*; here equivalence queries are replaced by the caller's validation set.

>>> import torch
>>> parity = torch.tensor([[1, 0], [0, 1]])  # over "ab": accept an even number of a's
>>> oracle = AutomatonOracle(parity, torch.tensor([True, False]))
>>> words = ["a", "b", "ab", "ba", "aab", "bba", "abab", "baba", "aabb", "bbbb"]
>>> from baselines.training.encoding import encode
>>> import numpy as np
>>> table, accepting = observation_table_automaton(oracle, encode(np.array(words), "ab").ids, 2, 4)
>>> from baselines.automata.dfa import DFA
>>> DFA(table.numpy(), 0, accepting.numpy(), "ab").minimize().num_states
2
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Protocol, runtime_checkable

import numpy as np
import torch

from baselines.automata.dfa_tables import final_states, run_table
from baselines.automata.row_clusters import agglomerate, consensus, hamming

Oracle = Callable[[torch.Tensor], torch.Tensor]  # right-padded ids [B, T] -> accepted [B] bool


@runtime_checkable
class TableOracle(Protocol):
    """An oracle that fills a whole table at once, faster than query by query (a DFA runs each
    prefix and each suffix once; a linear RNN multiplies prefix states by suffix vectors)."""

    def __call__(self, ids: torch.Tensor) -> torch.Tensor: ...

    def rows(self, prefixes: torch.Tensor, suffixes: torch.Tensor) -> torch.Tensor:
        """``[prefixes, suffixes]`` bool: the answer on each prefix followed by each suffix."""
        ...


@runtime_checkable
class ScoreOracle(Protocol):
    """A table oracle that also gives the scores its answers threshold at 1/2 (a linear RNN's
    ``h . b``): a tolerant read-off compares rows by them (:func:`_distances`)."""

    def rows(self, prefixes: torch.Tensor, suffixes: torch.Tensor) -> torch.Tensor: ...

    def scores(self, prefixes: torch.Tensor, suffixes: torch.Tensor) -> torch.Tensor:
        """``[prefixes, suffixes]`` float: the score on each prefix followed by each suffix."""
        ...


MAX_STRINGS = 20_000  # pieces come from this many training strings: ample for the short ones used
MAX_PREFIXES = 1024  # rows of the table: the shortest prefixes of training strings first
MAX_QUERIES = 1 << 20  # rows x columns at most: columns are the shortest suffixes first
_QUERY_BATCH = 1 << 18  # queries (or row comparisons) handled at once, to bound memory


class AutomatonOracle:
    """A DFA as an oracle (start state 0), which fills a table far faster than string by string.

    Each prefix is run once; each suffix is run once from each state a prefix ends in, so a
    table costs prefixes + states x suffixes runs, not prefixes x suffixes.
    """

    def __init__(self, table: torch.Tensor, accepting: torch.Tensor) -> None:
        self.table, self.accepting = table.cpu(), accepting.cpu()

    def __call__(self, ids: torch.Tensor) -> torch.Tensor:
        return self.accepting[final_states(self.table, ids)]

    def rows(self, prefixes: torch.Tensor, suffixes: torch.Tensor) -> torch.Tensor:
        reached, which = torch.unique(final_states(self.table, prefixes), return_inverse=True)
        starts = reached.repeat_interleave(len(suffixes))
        ends = final_states(self.table, suffixes.repeat(len(reached), 1), start=starts)
        return self.accepting[ends].view(len(reached), len(suffixes))[which]


def observation_table_automaton(
    oracle: Oracle,
    ids: torch.Tensor,
    symbols: int,
    max_length: int,
    max_states: int | None = None,
    labels: torch.Tensor | None = None,
    max_prefixes: int = MAX_PREFIXES,
) -> tuple[torch.Tensor, torch.Tensor] | None:
    """A DFA ``(table [n, symbols], accepting [n])`` with start state 0, read off ``oracle``.

    ``ids`` are right-padded training strings (padding id ``symbols``); ``max_length`` is the
    longest length the oracle was trained on. State ``n - 1`` is a rejecting sink for
    transitions no training prefix exercised. None if the DFA would need more than
    ``max_states`` states (the table tells as soon as its rows are known). ``max_prefixes``
    bounds the table's rows, the shortest prefixes first: a transition is read from the rows of
    a state's prefixes and their one-symbol extensions, so a bound below those (4,369 prefixes
    of up to 3 symbols in base 16) leaves transitions to the sink.

    With ``labels`` (one per string of ``ids``) the read-off **tolerates wrong answers**: rows
    are grouped by Hamming distance (:mod:`baselines.automata.row_clusters`) instead of compared for
    equality, and of the candidate groupings the one whose DFA agrees with the most labelled
    strings is kept (the fewer states on a tie): see :func:`tolerant_states`.
    """
    access_length = (max_length - 1) // 2  # a: prefixes that may open a state
    suffix_length = max_length - 1 - access_length  # b
    labelled = ids  # every string judges a tolerant read-off; pieces come from the first ones
    ids = ids[:MAX_STRINGS]
    prefixes = _distinct_pieces(ids, symbols, access_length + 1, from_end=False, limit=max_prefixes)
    columns = max(1, MAX_QUERIES // len(prefixes))
    suffixes = _distinct_pieces(ids, symbols, suffix_length, from_end=True, limit=columns)
    rows = _rows(oracle, prefixes, suffixes, symbols)
    prefix_lengths = (prefixes != symbols).sum(1)
    most = None if max_states is None else max_states - 2  # the start state and the sink are extra
    opens = prefix_lengths <= access_length

    def build(state_of: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return _automaton(prefixes, prefix_lengths, rows, state_of, access_length, symbols, oracle)

    if labels is not None:
        found = tolerant_states(oracle, prefixes, suffixes, rows, opens, most, build, labelled, labels)
        if found is not None:
            return found
    state_of = _states_of_rows(rows, opens, most)
    if state_of is None:
        return None
    return build(state_of)


# Every row of the table may be grouped: 600 before (linear RNN version 3), which left out the
# tables of long strings over small alphabets -- multiples of 79 in base 3, 13 symbols: 1,024
# prefixes of up to 6 symbols, nearly all rows distinct for a network 99.5% right, so no DFA was
# read (version 4 reads the 79 states; grouping 1,024 rows takes about 10 s).
MAX_CLUSTERED = 1024
CANDIDATES = 12  # groupings whose DFA is built and scored, at the largest gaps between merges
JUDGES = 20_000  # labelled strings that judge them (the first ones): enough, and 5x faster than 100,000


def tolerant_states(
    oracle: Oracle,
    prefixes: torch.Tensor,
    suffixes: torch.Tensor,
    rows: torch.Tensor,
    opens: torch.Tensor,
    most: int | None,
    build: Callable[[torch.Tensor], tuple[torch.Tensor, torch.Tensor]],
    ids: torch.Tensor,
    labels: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor] | None:
    """The DFA of the best grouping of the table's rows, judged on the labelled strings.

    The distinct rows of the prefixes that open states are clustered (average linkage, each row
    weighted by the prefixes that share it); the stages kept as candidates are the exact one
    (every distinct row a state) and those just before the ``CANDIDATES`` largest jumps in merge
    height -- where the groups stop being one state's rows with a few wrong answers and start
    being different states. Each candidate's states are given to every prefix (a prefix whose
    row is no open one's takes the group of the nearest group majority row), ``build`` makes its
    DFA, and the one right on the most of the first ``JUDGES`` strings of ``ids`` wins, the
    smaller on a tie. Nothing but
    the table and the labels decides how many states. None if there are too many distinct rows
    to group (``MAX_CLUSTERED``) or no candidate has at most ``most`` states.
    """
    keys = [row.tobytes() for row in np.packbits(rows.numpy(), axis=1)]
    ids, labels = ids[:JUDGES], labels[:JUDGES].bool()
    open_index = opens.nonzero().squeeze(1).tolist()
    first: dict[bytes, int] = {}
    for i in open_index:
        first.setdefault(keys[i], len(first))
    if not first or len(first) > MAX_CLUSTERED:
        return None
    distinct = torch.zeros(len(first), dtype=torch.long)
    weights = torch.zeros(len(first))
    for i, key in enumerate(keys):  # every prefix with an open row's exact row is its evidence
        if (row := first.get(key)) is not None:
            weights[row] += 1
            distinct[row] = i
    distances = _distances(oracle, rows, distinct, keys, first, prefixes, suffixes)
    stages, heights = agglomerate(distances, weights)
    chosen = _candidate_stages(heights, len(first), most)
    best: tuple[float, int, tuple[torch.Tensor, torch.Tensor]] | None = None
    for stage in chosen:
        groups = stages[stage]
        majority = consensus(rows[distinct], groups, weights)
        state_of = torch.tensor([int(groups[first[key]]) if key in first else -1 for key in keys])
        loose = (state_of < 0).nonzero().squeeze(1)
        if len(loose):
            state_of[loose] = hamming(rows[loose], majority).argmin(1)
        table, accepting = build(state_of + 1)
        right = int((run_table(table, accepting, ids) == labels).sum())
        if best is None or (right, -len(table)) > (best[0], -best[1]):
            best = (right, len(table), (table, accepting))
    return None if best is None else best[2]


def _distances(
    oracle: Oracle,
    rows: torch.Tensor,
    distinct: torch.Tensor,
    keys: list[bytes],
    first: dict[bytes, int],
    prefixes: torch.Tensor,
    suffixes: torch.Tensor,
) -> torch.Tensor:
    """``[n, n]`` distances between the ``n`` distinct open rows: Euclidean between the mean
    scores of the prefixes sharing each row where the oracle gives scores (:class:`ScoreOracle`),
    else Hamming.

    Scores say more than their thresholds: on multiples of 29 with a tenth of the labels flipped
    (development seed 0, width 64), 12% of a table's answers were wrong, and two rows of one
    state were as far apart in Hamming distance as two of different states (up to 167 against
    at least 72), while in scores the two overlapped only in their tails (at most 9.6 against at
    least 7.3).
    """
    if not isinstance(oracle, ScoreOracle):
        return hamming(rows[distinct])
    scores = oracle.scores(prefixes, suffixes).double()
    sums = torch.zeros(len(first), scores.shape[1], dtype=torch.float64)
    counts = torch.zeros(len(first), dtype=torch.float64)
    for i, key in enumerate(keys):
        if (row := first.get(key)) is not None:
            sums[row] += scores[i]
            counts[row] += 1
    means = sums / counts[:, None]
    return torch.cdist(means, means)


def _candidate_stages(heights: list[float], rows: int, most: int | None) -> list[int]:
    """Stages worth building: the exact one (0) and each one just before one of the largest
    jumps in merge height, among those with at most ``most`` groups (stage ``i`` has
    ``rows - i`` groups).

    >>> _candidate_stages([1.0, 1.0, 5.0, 6.0], 5, None), _candidate_stages([1.0, 1.0, 5.0, 6.0], 5, 2)
    ([0, 1, 2, 3], [3])
    """
    fewest = 0 if most is None else max(0, rows - most)
    jumps = sorted(range(len(heights)), key=lambda i: (heights[i - 1] - heights[i]) if i else 0.0)
    before = [i for i in jumps if i >= fewest][:CANDIDATES]
    return sorted({0, *before} if fewest == 0 else set(before))


def _distinct_pieces(
    ids: torch.Tensor, symbols: int, max_piece: int, from_end: bool, limit: int
) -> torch.Tensor:
    """Distinct prefixes (or suffixes) of 1..max_piece symbols (suffixes: 0..max_piece), padded.

    Shortest first, then in symbol order; at most ``limit`` of them.
    """
    lengths = (ids != symbols).sum(1)
    pieces = [torch.full((1, max_piece), symbols, dtype=ids.dtype)] if from_end else []
    for size in range(1, max_piece + 1):
        rows = ids[lengths >= size]
        if from_end:
            starts = lengths[lengths >= size] - size
            piece = rows.gather(1, starts[:, None] + torch.arange(size))
        else:
            piece = rows[:, :size]
        padded = torch.full((len(piece), max_piece), symbols, dtype=ids.dtype)
        padded[:, :size] = piece
        pieces.append(_unique_rows(padded, symbols + 1))
        if sum(map(len, pieces)) >= limit:  # longer pieces would be cut off anyway
            break
    return torch.cat(pieces)[:limit]


def _unique_rows(rows: torch.Tensor, radix: int) -> torch.Tensor:
    """The distinct rows of ``rows``: in lexicographic order when a row packs into one int64 (as a
    number in base ``radix``), else in order of first appearance. Deterministic either way.
    """
    if rows.shape[1] * math.log2(radix) < 62:
        weights = radix ** torch.arange(rows.shape[1] - 1, -1, -1, dtype=torch.int64)
        _, first = np.unique((rows * weights).sum(1).numpy(), return_index=True)
        return rows[torch.from_numpy(first)]
    array = np.ascontiguousarray(rows.numpy())
    as_bytes = array.view(np.dtype((np.void, array.dtype.itemsize * array.shape[1]))).ravel()
    _, first = np.unique(as_bytes, return_index=True)
    return rows[torch.from_numpy(np.sort(first))]


def _rows(oracle: Oracle, prefixes: torch.Tensor, suffixes: torch.Tensor, symbols: int) -> torch.Tensor:
    """The table: ``oracle(prefix + suffix)`` for every pair, ``[prefixes, suffixes]`` bool.

    Padding between the two parts is harmless: every model here reads padding as "no symbol".
    """
    if isinstance(oracle, TableOracle):
        return oracle.rows(prefixes, suffixes)
    per_chunk = max(1, _QUERY_BATCH // len(suffixes))
    answers = [_answers(oracle, chunk, suffixes, symbols) for chunk in prefixes.split(per_chunk)]
    return torch.cat(answers).view(len(prefixes), len(suffixes)).bool()


def _answers(oracle: Oracle, prefixes: torch.Tensor, suffixes: torch.Tensor, symbols: int) -> torch.Tensor:
    """``oracle`` on every prefix + suffix pair, prefix-major."""
    pairs = torch.cat(
        [prefixes.repeat_interleave(len(suffixes), 0), suffixes.repeat(len(prefixes), 1)], dim=1
    )
    # Move padding to the end of each query, for oracles that stop at the first pad.
    order = torch.sort((pairs == symbols).to(torch.int8), dim=1, stable=True).indices
    return oracle(pairs.gather(1, order))


def _states_of_rows(rows: torch.Tensor, opens: torch.Tensor, most: int | None) -> torch.Tensor | None:
    """A state per prefix: one per distinct row among ``opens`` prefixes, numbered from 1 (0 is
    the start) in order of first appearance; other prefixes take the state of an equal row, else
    of the nearest one (Hamming distance). None if that makes more than ``most`` states.
    """
    keys = [row.tobytes() for row in np.packbits(rows.numpy(), axis=1)]
    state_by_row: dict[bytes, int] = {}
    for i in opens.nonzero().squeeze(1).tolist():
        state_by_row.setdefault(keys[i], len(state_by_row) + 1)
        if most is not None and len(state_by_row) > most:
            return None
    state_of = torch.tensor([state_by_row.get(key, 0) for key in keys], dtype=torch.int64)
    unmatched = (state_of == 0).nonzero().squeeze(1)
    if len(unmatched):
        first_rows = {state: i for i, key in enumerate(keys) if (state := state_by_row.get(key))}
        representatives = rows[[first_rows[state] for state in range(1, len(state_by_row) + 1)]]
        for chunk in unmatched.split(max(1, _QUERY_BATCH // max(1, representatives.numel()))):
            distances = (rows[chunk, None, :] != representatives[None, :, :]).sum(-1)
            state_of[chunk] = distances.argmin(1) + 1
    return state_of


def _automaton(
    prefixes: torch.Tensor,
    prefix_lengths: torch.Tensor,
    rows: torch.Tensor,
    state_of: torch.Tensor,
    access_length: int,
    symbols: int,
    oracle: Oracle,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Transitions by majority vote of the access prefixes in each state; the sink is last."""
    states = int(state_of.max()) + 2 if len(state_of) else 2
    sink = states - 1
    keys = [tuple(p[:n]) for p, n in zip(prefixes.tolist(), prefix_lengths.tolist())]
    index = {key: i for i, key in enumerate(keys)}
    edges = [  # (parent prefix, symbol, child prefix) for every access prefix and symbol seen
        (i, symbol, child)
        for i, key in enumerate(keys)
        if len(key) <= access_length
        for symbol in range(symbols)
        if (child := index.get(key + (symbol,))) is not None
    ]
    votes = torch.zeros(states, symbols, states)
    if edges:
        parents, read, children = (torch.tensor(column) for column in zip(*edges))
        flat = (state_of[parents] * symbols + read) * states + state_of[children]
        votes.view(-1).index_add_(0, flat, torch.ones(len(flat)))
    for symbol in range(symbols):  # the start state: its children are the one-symbol prefixes
        child = index.get((symbol,))
        if child is not None:
            votes[0, symbol, state_of[child]] += 1
    table = torch.where(votes.sum(-1) > 0, votes.argmax(-1), sink)
    table[sink] = sink
    # A state accepts if most of its prefixes are accepted (the empty suffix is column 0).
    accepted = torch.zeros(states).index_add_(0, state_of, rows[:, 0].float())
    members = torch.bincount(state_of, minlength=states).float()
    accepting = 2 * accepted > members
    empty = torch.full((1, 1), symbols, dtype=prefixes.dtype)
    accepting[0] = bool(oracle(empty)[0])
    accepting[sink] = False
    return table, accepting
