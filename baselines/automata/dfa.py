"""Deterministic finite automata: minimisation, equivalence, and fast evaluation with numpy.

A :class:`DFA` reads a string left to right (most significant digit first, as numbers are written)
and accepts or rejects it. Three ways to run one, each for its own shape of input:

* :meth:`DFA.run_many` -- a batch of strings: every row steps together, one numpy gather per
  column. Strings of different lengths share the batch: numpy pads short strings with NUL, and NUL
  reads as a "pad" symbol whose transition leaves every state where it is.
* :meth:`DFA.final_state` -- one very long string by *chunked composition*: cut it into chunks,
  run every possible start state through every chunk at once (each chunk becomes a function
  state -> state), then apply the chunk functions to the real start state in turn. This is the
  associative-scan idea (transition functions compose associatively) in two levels.
* :meth:`DFA.final_state_loop` -- the plain loop, the reference both are tested against.

>>> parity = DFA(np.array([[1, 0], [0, 1]]), start=0, accepting=frozenset({0}), alphabet="ab")
>>> parity.accepts("abab"), parity.accepts("bab")  # an even number of a's?
(True, False)
>>> parity.run_many(np.array(["", "a", "aa", "ba"])).tolist()
[True, False, True, False]
>>> parity.equivalent(DFA(np.array([[0, 0]]), start=0, accepting=frozenset({0}), alphabet="ab"))
'a'
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np

from baselines.automata.symbols import reject_foreign, symbol_matrix
from challenges.errors import InvalidArgument, InvalidInput

# Past this many states, running every state through a chunk costs more than the plain loop.
_CHUNKED_MAX_STATES = 40  # measured break-even on a million digits: about 45 states
_CHUNK = 1024  # symbols per chunk in final_state (about sqrt of a million-symbol string)
_BLOCK_COLUMNS = 4096  # final_state tabulates blocks of symbols up to this many columns
_ROWS_PER_BLOCK = 1 << 14  # run_many steps this many strings at a time (state vector stays in L2)


@dataclass(frozen=True, eq=False)
class DFA:
    """A complete deterministic automaton over ``alphabet``.

    ``transitions[state, i]`` is the state reached from ``state`` on ``alphabet[i]``;
    ``accepting`` may be given as a frozenset of states or a boolean array, and is stored as a
    read-only boolean array (so that acceptance of many states is one lookup).
    """

    transitions: np.ndarray
    start: int
    accepting: np.ndarray | frozenset[int]
    alphabet: str

    def __post_init__(self) -> None:
        table = np.array(self.transitions, dtype=np.intp)  # a private, read-only copy
        if table.ndim != 2 or table.shape[1] != len(self.alphabet) or table.shape[0] == 0:
            raise InvalidArgument(
                f"transitions must have shape (states, {len(self.alphabet)}), got {table.shape}"
            )
        if len(set(self.alphabet)) != len(self.alphabet) or "\x00" in self.alphabet:
            raise InvalidArgument(f"alphabet {self.alphabet!r} repeats a symbol or holds NUL")
        states = table.shape[0]
        if table.min() < 0 or table.max() >= states:
            raise InvalidArgument(f"a transition leads outside states 0..{states - 1}")
        if not 0 <= self.start < states:
            raise InvalidArgument(f"start state {self.start} is not one of 0..{states - 1}")
        if isinstance(self.accepting, (set, frozenset)):
            accepting = np.zeros(states, dtype=bool)
            accepting[list(self.accepting)] = True
        else:
            accepting = np.array(self.accepting, dtype=bool)
        if accepting.shape != (states,):
            raise InvalidArgument(f"accepting must name states of 0..{states - 1}")
        table.setflags(write=False)
        accepting.setflags(write=False)
        object.__setattr__(self, "transitions", table)
        object.__setattr__(self, "accepting", accepting)
        object.__setattr__(self, "start", int(self.start))

    @property
    def num_states(self) -> int:
        return self.transitions.shape[0]

    def __repr__(self) -> str:
        return f"DFA({self.num_states} states over {self.alphabet!r}, start {self.start})"

    # --- building ---------------------------------------------------------------------------
    @classmethod
    def explore(
        cls,
        alphabet: str,
        start: Hashable,
        step: Callable[[Hashable, str], Hashable],
        accept: Callable[[Hashable], bool],
    ) -> "DFA":
        """The automaton of a machine given as functions on hashable states (reachable part only).

        >>> mod3 = DFA.explore("01", 0, lambda r, c: (2 * r + int(c)) % 3, lambda r: r == 0)
        >>> mod3.num_states, mod3.accepts("110"), mod3.accepts("111")
        (3, True, False)
        """
        index: dict[Hashable, int] = {start: 0}
        rows: list[list[int]] = []
        queue = deque([start])
        while queue:
            state = queue.popleft()
            row = []
            for symbol in alphabet:
                target = step(state, symbol)
                if target not in index:
                    index[target] = len(index)
                    queue.append(target)
                row.append(index[target])
            rows.append(row)
        accepting = np.array([bool(accept(state)) for state in index], dtype=bool)
        return cls(np.array(rows, dtype=np.intp), 0, accepting, alphabet)

    # --- structure --------------------------------------------------------------------------
    def reachable(self) -> np.ndarray:
        """Boolean mask of the states reachable from the start state."""
        seen = np.zeros(self.num_states, dtype=bool)
        seen[self.start] = True
        frontier = np.array([self.start])
        while frontier.size:
            targets = np.unique(self.transitions[frontier])
            frontier = targets[~seen[targets]]
            seen[frontier] = True
        return seen

    def minimize(self) -> "DFA":
        """The minimal equivalent DFA: unreachable states dropped, equivalent states merged.

        Moore's partition refinement, vectorised: a state's signature is its block and the blocks
        its successors are in; states with equal signatures stay together. The result is numbered
        in breadth-first order from the start state, so equal languages give identical tables.

        >>> DFA(np.array([[1], [0], [2]]), 0, frozenset({0, 1}), "a").minimize().num_states
        1
        """
        keep = np.flatnonzero(self.reachable())
        renumber = np.full(self.num_states, -1, dtype=np.intp)
        renumber[keep] = np.arange(keep.size)
        table = renumber[self.transitions[keep]]
        block = self.accepting[keep].astype(np.intp)
        count = len(np.unique(block))
        while True:
            signature = np.column_stack([block, block[table]])
            _, refined = np.unique(signature, axis=0, return_inverse=True)
            refined = refined.reshape(-1)
            refined_count = int(refined.max()) + 1
            block = refined
            if refined_count == count:
                break
            count = refined_count
        representative = np.zeros(count, dtype=np.intp)
        representative[block] = np.arange(keep.size)
        quotient = DFA(
            block[table[representative]],
            int(block[renumber[self.start]]),
            self.accepting[keep][representative],
            self.alphabet,
        )
        return quotient._in_breadth_first_order()

    def _in_breadth_first_order(self) -> "DFA":
        order = [self.start]
        position = {self.start: 0}
        for state in order:  # the list grows while it is walked: a breadth-first queue
            for target in self.transitions[state].tolist():
                if target not in position:
                    position[target] = len(order)
                    order.append(target)
        old = np.array(order, dtype=np.intp)
        new_of_old = np.empty(self.num_states, dtype=np.intp)
        new_of_old[old] = np.arange(len(order))
        return DFA(new_of_old[self.transitions[old]], 0, self.accepting[old], self.alphabet)

    def with_start(self, state: int) -> "DFA":
        """The same automaton started in ``state`` (the language of that state)."""
        return replace(self, start=state)

    def equivalent(self, other: "DFA", within: "DFA | None" = None) -> str | None:
        """None if both accept the same strings, else the shortest string they disagree on.

        ``within`` restricts the comparison to the strings it accepts (a challenge's well-formed
        inputs, say: what a learned automaton does on "007" is no error when "007" is never a
        question). Breadth-first search of the product automaton, symbols tried in alphabet
        order, so the counterexample is the shortest and, among the shortest, the first in that
        order. It may be the empty string ``""``: test the result with ``is None``.

        >>> ends_in_a = DFA(np.array([[1, 0], [1, 0]]), 0, frozenset({1}), "ab")
        >>> starts_with_a = DFA(np.array([[1, 2], [1, 1], [2, 2]]), 0, frozenset({1}), "ab")
        >>> ends_in_a.equivalent(starts_with_a)
        'ab'
        >>> ends_in_a.equivalent(starts_with_a, within=ends_in_a)  # among strings that end in a
        'ba'
        """
        everything = np.zeros((1, len(self.alphabet)), dtype=np.intp)
        domain = within or DFA(everything, 0, frozenset({0}), self.alphabet)
        if not self.alphabet == other.alphabet == domain.alphabet:
            raise InvalidArgument(
                f"cannot compare automata over {self.alphabet!r} and {other.alphabet!r}"
            )
        first = (self.start, other.start, domain.start)
        parent: dict[tuple[int, int, int], tuple[tuple[int, int, int], str] | None] = {first: None}
        queue = deque([first])
        while queue:
            mine, theirs, where = node = queue.popleft()
            if domain.accepting[where] and self.accepting[mine] != other.accepting[theirs]:
                return _path_to(node, parent)
            for i, symbol in enumerate(self.alphabet):
                target = (
                    int(self.transitions[mine, i]),
                    int(other.transitions[theirs, i]),
                    int(domain.transitions[where, i]),
                )
                if target not in parent:
                    parent[target] = (node, symbol)
                    queue.append(target)
        return None

    # --- encoding ---------------------------------------------------------------------------
    @cached_property
    def _padded_table(self) -> np.ndarray:
        """Transitions with one more column, the pad symbol, that leaves every state unchanged."""
        return np.column_stack([self.transitions, np.arange(self.num_states)])

    @cached_property
    def _flat_table(self) -> np.ndarray:
        """``flat[s * w + a] == next(s, a) * w`` (``w`` symbols with pad): a step is add + gather."""
        width = self._padded_table.shape[1]
        return (self._padded_table * width).reshape(-1)

    def encode(self, texts: np.ndarray) -> np.ndarray:
        """``(n, width)`` symbol indices; padding is ``len(alphabet)`` (see :mod:`.symbols`)."""
        return symbol_matrix(texts, self.alphabet)

    # --- running ----------------------------------------------------------------------------
    def run_many(self, texts: np.ndarray) -> np.ndarray:
        """Acceptance of every string in ``texts`` (a numpy unicode array), vectorised.

        All rows step together: with the transition table flattened and every state stored
        premultiplied by the row width, one step is an add and a gather over the whole column.
        """
        texts = np.ascontiguousarray(texts, dtype=np.str_).reshape(-1)
        out = np.empty(texts.size, dtype=bool)
        for begin in range(0, texts.size, _ROWS_PER_BLOCK):
            block = texts[begin : begin + _ROWS_PER_BLOCK]
            out[begin : begin + block.size] = self.accepting[self._final_states(block)]
        return out

    def _final_states(self, texts: np.ndarray) -> np.ndarray:
        columns = np.ascontiguousarray(self.encode(texts).T, dtype=np.intp)
        width = self._padded_table.shape[1]
        flat = self._flat_table
        state = np.full(texts.size, self.start * width, dtype=np.intp)
        for column in columns:
            np.add(state, column, out=state)
            np.take(flat, state, out=state, mode="wrap")  # indices are valid: skip the check
        return state // width

    def accepts(self, text: str) -> bool:
        """Whether the automaton accepts one string (any length)."""
        return bool(self.accepting[self.final_state(text)])

    def final_state(self, text: str) -> int:
        """The state after reading ``text``, by chunked composition when that pays."""
        symbols = self._encode_one(text)
        if self.num_states > _CHUNKED_MAX_STATES or symbols.size < 4 * _CHUNK:
            return self._loop(symbols)
        return self._chunked(symbols)

    def final_state_loop(self, text: str) -> int:
        """The state after reading ``text``, one symbol at a time (the reference)."""
        return self._loop(self._encode_one(text))

    def final_state_chunked(self, text: str, chunk: int = _CHUNK) -> int:
        """The state after reading ``text``, by chunked composition of transition functions."""
        return self._chunked(self._encode_one(text), chunk)

    def _encode_one(self, text: str) -> np.ndarray:
        if not isinstance(text, str):
            raise InvalidInput(f"expected a string, got {type(text).__name__}")
        if "\x00" in text:  # numpy would read a trailing NUL as padding
            reject_foreign(text, text.index("\x00"), self.alphabet)
        return self.encode(np.array([text]))[0]

    def _loop(self, symbols: np.ndarray) -> int:
        rows = self._padded_table.tolist()
        state = self.start
        for symbol in symbols.tolist():
            state = rows[state][symbol]
        return state

    @cached_property
    def _block_table(self) -> tuple[int, np.ndarray]:
        """``(j, flat)``: the transition table of blocks of ``j`` symbols, flattened and premultiplied.

        A block's function is the composition of its symbols' functions; tabulating every block
        of ``j`` symbols (``(k+1)**j`` columns, pad included) lets one gather do ``j`` steps.
        """
        width = self._padded_table.shape[1]
        j = max(1, int(np.log(_BLOCK_COLUMNS) / np.log(width)))
        table = np.arange(self.num_states)[:, None]  # table[s, prefix]: state after the prefix
        for _ in range(j):
            table = self._padded_table[table].reshape(self.num_states, -1)
        return j, (table * table.shape[1]).reshape(-1)

    def _chunked(self, symbols: np.ndarray, chunk: int = _CHUNK) -> int:
        j, flat = self._block_table
        width = self._padded_table.shape[1]
        columns = width**j
        per_chunk = max(1, chunk // j)
        chunks = -(-symbols.size // (per_chunk * j))
        padded = np.full(chunks * per_chunk * j, width - 1, dtype=np.intp)  # pad: no change
        padded[: symbols.size] = symbols
        blocks = padded.reshape(-1, j) @ (width ** np.arange(j - 1, -1, -1))
        steps = np.ascontiguousarray(blocks.reshape(chunks, per_chunk).T)
        # maps[c, s]: where chunk c takes state s (premultiplied); all chunks, all states at once.
        maps = np.broadcast_to(np.arange(self.num_states) * columns, (chunks, self.num_states))
        maps = maps.copy()
        for step in steps:
            np.add(maps, step[:, None], out=maps)
            np.take(flat, maps, out=maps, mode="wrap")
        state = self.start
        for chunk_map in (maps // columns).tolist():  # compose the chunk functions in order
            state = chunk_map[state]
        return state


def intersection_accepts(automata: Iterable[DFA], texts: np.ndarray) -> np.ndarray:
    """Acceptance by every automaton at once: the product automaton, without building it.

    >>> a = DFA(np.array([[1, 0], [0, 1]]), 0, frozenset({0}), "ab")   # even number of a's
    >>> b = DFA(np.array([[0, 1], [1, 0]]), 0, frozenset({0}), "ab")   # even number of b's
    >>> intersection_accepts([a, b], np.array(["ab", "aabb", "a"])).tolist()
    [False, True, False]
    """
    texts = np.asarray(texts, dtype=np.str_)
    verdict = np.ones(texts.size, dtype=bool)
    for automaton in automata:
        verdict &= automaton.run_many(texts)
    return verdict


def _path_to(node, parent) -> str:
    symbols = []
    while parent[node] is not None:
        node, symbol = parent[node]
        symbols.append(symbol)
    return "".join(reversed(symbols))
