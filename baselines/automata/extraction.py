"""Automaton extraction from a recurrent network: record, cluster, vote, minimise.

The classic recipe (Omlin & Giles 1996; Weiss, Goldberg & Yahav 2018 call it the "partitioning"
approach), in four steps:

1. **Record** the network's hidden state after every prefix of every well-formed string up to a
   length (:func:`record_prefixes`). Prefixes form a tree: each node is its parent plus one
   symbol, so one batched step per level records every node, and every tree edge is an observed
   transition ``h(p) --a--> h(pa)``.
2. **Cluster** the hidden states into ``k`` groups with k-means (:mod:`baselines.automata.kmeans`, seeded).
3. **Vote**: the transition of cluster ``c`` on symbol ``a`` is the cluster most of its nodes'
   children on ``a`` fall in; a cluster accepts when most of its nodes are accepted by the
   network's readout (:func:`automaton_from_clusters`).
4. **Minimise** with :meth:`DFA.minimize`: clusters that split one true state in two, but lead to
   the same futures, merge again.

The empty prefix gets a state of its own, the start state: the network was never asked about the
empty string, so whether it accepts is left open and settled by Occam -- the choice that gives the
smaller minimal automaton. This is what lets a start state merge with the state it behaves like
(reading "3" from the start is reading "3" after "0" for a number).

>>> parity = DFA(np.array([[1, 0], [0, 1]]), 0, frozenset({0}), "ab")  # even number of a's
>>> net = DFARecurrence(parity)  # a perfect "network": one-hot states
>>> trace = record_prefixes(net, max_length=4)
>>> len(trace), trace.states.shape[1]
(31, 2)
>>> extraction = extract(trace, k=2, rng=np.random.default_rng(0))
>>> extraction.minimal.num_states, extraction.minimal.equivalent(parity) is None
(2, True)
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from baselines.automata.dfa import DFA
from baselines.automata.kmeans import Clustering, kmeans, nearest

# k-means is fitted on at most this many hidden states, then every state is assigned: the cost
# of a fit stays flat however many prefixes are recorded, and 20k points pin down 64 centroids.
FIT_POINTS = 20_000


class Recurrence(Protocol):
    """What extraction needs from a recurrent network: its state, one step, and its verdict.

    Hidden states are ``(rows, features)`` numpy arrays; symbols are indices into ``alphabet``.
    Adapters for the benchmark's networks live in :mod:`baselines.training.hidden_states`.
    """

    alphabet: str

    def initial(self, rows: int) -> np.ndarray: ...

    def step(self, hidden: np.ndarray, symbols: np.ndarray) -> np.ndarray: ...

    def accepts(self, hidden: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True)
class DFARecurrence:
    """A DFA seen as a recurrent network with one-hot states (for tests and examples)."""

    dfa: DFA

    @property
    def alphabet(self) -> str:
        return self.dfa.alphabet

    def initial(self, rows: int) -> np.ndarray:
        return np.eye(self.dfa.num_states)[np.full(rows, self.dfa.start)]

    def step(self, hidden: np.ndarray, symbols: np.ndarray) -> np.ndarray:
        return np.eye(self.dfa.num_states)[self.dfa.transitions[hidden.argmax(1), symbols]]

    def accepts(self, hidden: np.ndarray) -> np.ndarray:
        return self.dfa.accepting[hidden.argmax(1)]


# --- 1. record ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PrefixTrace:
    """The hidden state after every recorded prefix; node 0 is the empty prefix.

    ``parent[i]`` and ``symbol[i]`` say how node ``i`` was reached (``-1`` for the root), so the
    tree's edges are the observed transitions. ``accepted[i]`` is the network's verdict on the
    prefix as a whole string (meaningless for the root).
    """

    texts: np.ndarray
    parent: np.ndarray
    symbol: np.ndarray
    states: np.ndarray
    accepted: np.ndarray
    alphabet: str

    def __len__(self) -> int:
        return len(self.texts)

    @property
    def depth(self) -> np.ndarray:
        return np.strings.str_len(self.texts)


def record_prefixes(
    net: Recurrence,
    max_length: int,
    well_formed: Callable[[np.ndarray], np.ndarray] | None = None,
    batch: int = 65_536,
) -> PrefixTrace:
    """Hidden states of every prefix up to ``max_length`` symbols, level by level.

    ``well_formed(texts) -> mask`` prunes the tree: a malformed string (a number with a leading
    zero) is never recorded, nor extended. Prefixes of a well-formed number are well formed, so
    pruning loses nothing the network was trained on.
    """
    symbols_count = len(net.alphabet)
    alphabet = np.array(list(net.alphabet))
    texts, parents, symbols = [np.array([""])], [np.array([-1])], [np.array([-1])]
    states = [net.initial(1)]
    level = np.array([0])  # node ids of the last level
    offset = 1
    for _ in range(max_length):
        parent = np.repeat(level, symbols_count)
        symbol = np.tile(np.arange(symbols_count), level.size)
        text = np.strings.add(np.concatenate(texts)[parent], alphabet[symbol])
        if well_formed is not None:
            keep = np.asarray(well_formed(text), dtype=bool)
            parent, symbol, text = parent[keep], symbol[keep], text[keep]
        if text.size == 0:
            break
        flat = np.concatenate(states)
        stepped = [
            net.step(flat[parent[i : i + batch]], symbol[i : i + batch])
            for i in range(0, parent.size, batch)
        ]
        texts.append(text)
        parents.append(parent)
        symbols.append(symbol)
        states.append(np.concatenate(stepped))
        level = np.arange(offset, offset + text.size)
        offset += text.size
    all_states = np.concatenate(states)
    return PrefixTrace(
        texts=np.concatenate(texts),
        parent=np.concatenate(parents),
        symbol=np.concatenate(symbols),
        states=all_states,
        accepted=np.asarray(net.accepts(all_states), dtype=bool),
        alphabet=net.alphabet,
    )


# --- 2. cluster -----------------------------------------------------------------------------


# k-means (numpy, seeded; k-means++ shared with the snapped networks) is :mod:`baselines.automata.kmeans`.


# --- 3. vote, 4. minimise -------------------------------------------------------------------


@dataclass(frozen=True)
class Extraction:
    """The automaton read off one clustering of a trace.

    ``automaton`` has one state per cluster plus the start state (number ``k``); ``clusters[i]``
    is the cluster of trace node ``i`` (``k`` for the root); ``minimal`` is the minimised one.
    """

    k: int
    clustering: Clustering
    clusters: np.ndarray
    automaton: DFA
    minimal: DFA

    def minimal_states_of_nodes(self) -> np.ndarray:
        """The minimal automaton's state standing for each node's cluster (-1: unreachable)."""
        return state_correspondence(self.automaton, self.minimal)[self.clusters]


def extract(trace: PrefixTrace, k: int, rng: np.random.Generator, fit_points: int = FIT_POINTS) -> Extraction:
    """Cluster the non-empty prefixes' states into ``k`` groups and read off the automaton."""
    inner = np.arange(1, len(trace))
    k = min(k, len(inner))
    fitted = inner if inner.size <= fit_points else rng.choice(inner, fit_points, replace=False)
    clustering = kmeans(trace.states[fitted], k, rng)
    clusters = np.concatenate([[k], clustering.assign(trace.states[inner])])
    automaton = automaton_from_clusters(trace, clusters, k, clustering.centroids)
    return Extraction(k, clustering, clusters, automaton, automaton.minimize())


def automaton_from_clusters(
    trace: PrefixTrace, clusters: np.ndarray, k: int, centroids: np.ndarray
) -> DFA:
    """States = clusters + a start state (``k``); transitions and acceptance by majority vote.

    A cluster with no observed transition on a symbol (all its prefixes were at the last recorded
    length, or malformed when extended) borrows it from the nearest cluster that has one.
    """
    symbols = len(trace.alphabet)
    edges = trace.parent >= 0
    source, symbol, target = clusters[trace.parent[edges]], trace.symbol[edges], clusters[edges]
    votes = np.zeros((k + 1, symbols, k + 1), dtype=np.int64)
    np.add.at(votes, (source, symbol, target), 1)
    table = votes.argmax(2)
    seen = votes.sum(2) > 0
    order = np.argsort(((centroids[:, None, :] - centroids[None, :, :]) ** 2).sum(2), axis=1)
    for cluster, a in np.argwhere(~seen[:k]):
        donors = [c for c in order[cluster] if seen[c, a]]
        table[cluster, a] = table[donors[0], a] if donors else cluster
    for a in np.flatnonzero(~seen[k]):  # a symbol never read first: nowhere better to go
        table[k, a] = k
    inside = clusters[1:]
    accepted = np.bincount(inside, weights=trace.accepted[1:], minlength=k)
    accepting = accepted * 2 > np.bincount(inside, minlength=k)
    # The network never judged the empty string: pick its verdict by Occam (see module docstring);
    # on a tie, the verdict of the cluster nearest the initial state.
    start = bool(accepting[nearest(trace.states[:1], centroids)[0][0]])
    options = [DFA(table, k, np.append(accepting, choice), trace.alphabet) for choice in (start, not start)]
    return min(options, key=lambda dfa: dfa.minimize().num_states)


def state_correspondence(dfa: DFA, minimal: DFA) -> np.ndarray:
    """For each state of ``dfa``, the state of the equivalent ``minimal`` DFA it stands for.

    Both read the same strings in step, so a breadth-first walk of the pair automaton meets every
    reachable state of ``dfa`` paired with exactly one state of ``minimal``; unreachable ones get -1.

    >>> two = DFA(np.array([[1], [0]]), 0, frozenset({0, 1}), "a")
    >>> state_correspondence(two, two.minimize()).tolist()
    [0, 0]
    """
    mapping = np.full(dfa.num_states, -1, dtype=np.intp)
    mapping[dfa.start] = minimal.start
    queue = deque([dfa.start])
    while queue:
        state = queue.popleft()
        for a in range(len(dfa.alphabet)):
            target = int(dfa.transitions[state, a])
            if mapping[target] < 0:
                mapping[target] = minimal.transitions[mapping[state], a]
                queue.append(target)
    return mapping


def without_empty(dfa: DFA) -> DFA:
    """The same language less the empty string, which a network is never asked about.

    A fresh start state copies the old start's transitions and rejects; the old one stays, so
    strings that come back to it are judged as before. Compare two automata on non-empty strings
    with ``without_empty(a).equivalent(without_empty(b))``.

    >>> everything = DFA(np.array([[0]]), 0, frozenset({0}), "a")
    >>> without_empty(everything).accepts(""), without_empty(everything).accepts("a")
    (False, True)
    """
    table = np.vstack([dfa.transitions, dfa.transitions[dfa.start]])
    return DFA(table, dfa.num_states, np.append(dfa.accepting, False), dfa.alphabet)


# --- choosing k -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepPoint:
    k: int
    states: int
    agreement: float

    def to_dict(self) -> dict:
        return {"k": self.k, "states": self.states, "agreement": self.agreement}


def default_ks(max_clusters: int) -> tuple[int, ...]:
    """Every k to 16, then coarser steps: residue automata up to ~60 states in ~30 fits.

    >>> default_ks(40)
    (2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 20, 22, 24, 26, 28, 30, 32, 36, 40)
    """
    grid = [*range(2, 17), *range(18, 33, 2), *range(36, 129, 4)]
    return tuple(k for k in grid if k <= max_clusters)


def choose_k(
    trace: PrefixTrace,
    ks: Sequence[int],
    agreement: Callable[[DFA], float],
    threshold: float,
    seed: int,
) -> tuple[Extraction, list[SweepPoint]]:
    """The smallest k whose minimal automaton agrees with the network on ``threshold`` of the
    held-out strings (``agreement(dfa)``); if none does, the k that agrees best.

    Each k draws from its own generator, seeded by ``(seed, k)``, so a k's result does not depend
    on which other ks were tried before it.
    """
    sweep: list[SweepPoint] = []
    best: tuple[float, Extraction] | None = None
    for k in ks:
        extraction = extract(trace, k, np.random.default_rng((seed, k)))
        score = float(agreement(extraction.minimal))
        sweep.append(SweepPoint(extraction.k, extraction.minimal.num_states, score))
        if best is None or score > best[0]:
            best = (score, extraction)
        if score >= threshold:
            return extraction, sweep
    if best is None:
        raise ValueError("choose_k needs at least one k")
    return best[1], sweep


# --- what the states mean -------------------------------------------------------------------


@dataclass(frozen=True)
class Purity:
    """How each extracted state's prefixes spread over a labelling (residues, reference states).

    ``counts[s, r]``: prefixes whose cluster stands for minimal state ``s`` and whose label is
    ``r``; ``overall``: the share of prefixes that carry their state's majority label.
    """

    counts: np.ndarray

    @property
    def per_state(self) -> np.ndarray:
        totals = self.counts.sum(1)
        return np.where(totals > 0, self.counts.max(1) / np.maximum(totals, 1), np.nan)

    @property
    def overall(self) -> float:
        return float(self.counts.max(1).sum() / max(1, self.counts.sum()))


def purity(states: np.ndarray, labels: np.ndarray, num_states: int, num_labels: int) -> Purity:
    """Cross-tabulate node states (``-1`` = unreachable, left out) against node labels.

    >>> purity(np.array([0, 0, 1, 1]), np.array([2, 2, 0, 1]), 2, 3).per_state.tolist()
    [1.0, 0.5]
    """
    keep = states >= 0
    counts = np.zeros((num_states, num_labels), dtype=np.int64)
    np.add.at(counts, (states[keep], labels[keep]), 1)
    return Purity(counts)
