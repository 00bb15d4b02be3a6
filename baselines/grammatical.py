"""Grammatical inference: the field's classical learners of regular languages, as contestants.

RPNI and EDSM (evidence-driven state merging) build the prefix-tree acceptor of the labelled
strings and merge its states as long as the merged automaton stays consistent with every label;
EDSM orders the merges by how much evidence supports them. Both come from AALpy (Muskardin et
al.), not rewritten here. They learn the exact minimal DFA of a regular language once the data
holds a characteristic sample, so they are the bar a neural learner of regular languages must
clear -- and on the non-regular challenges they are finite-state learners like any other.

A state-merging learner has no setting to select, so the validation strings join the training
strings: it sees exactly the labelled strings a network sees, no more.

>>> from challenges import get_challenge
>>> c = get_challenge("div3-base10")
>>> model = RPNI()
>>> _ = model.fit(c.learner_view(), c.sample("train", 3000, seed=0), c.sample("val", 300), seed=0)
>>> model.as_dfa().minimize().num_states, model.predict(np.array(["2225", "3333"])).tolist()
(3, [False, True])
"""

from __future__ import annotations

import time
import warnings
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from challenges.core import Examples, LearnerView
from challenges.deadline import deadline
from challenges.errors import InvalidArgument

from .automata import DFA
from .base import BudgetExceeded, FitReport, Task, learner_view_of, register_model
from .configured import ConfiguredModel


@dataclass(frozen=True)
class StateMergingConfig:
    """``time_budget`` (seconds): a learner still merging then is recorded as over budget.

    Its own setting, not the profile's safety cap for networks: merging has no steps to count,
    and the prefix tree of 100,000 long equations alone takes minutes to build, so without a
    budget a few cells would dominate a run. EDSM scores every candidate merge and grows fast
    with the data: 30 s on the 100,000 strings of div3-base10 here, against RPNI's second.
    Raise it per run with ``--model edsm:time_budget=600``.
    """

    time_budget: float = 10.0

    def __post_init__(self) -> None:
        if not self.time_budget > 0:
            raise InvalidArgument(f"time_budget must be positive, got {self.time_budget}")


class _StateMerging(ConfiguredModel):
    """Fit = run an AALpy passive learner on the labelled strings; predict = run the DFA."""

    trainable = True
    answers_with = "automaton"
    Config = StateMergingConfig
    algorithm: ClassVar[str]

    def learn(self, data: list[tuple[tuple[str, ...], bool]]) -> Any:
        """The AALpy automaton learned from ``data`` (label per tuple of symbols)."""
        raise NotImplementedError

    def fit(self, task: Task, train: Examples, val: Examples, seed: int) -> FitReport:
        view: LearnerView = learner_view_of(task)
        texts = np.concatenate([train.texts, val.texts]).tolist()
        labels = np.concatenate([train.labels, val.labels]).tolist()
        # A fresh list: AALpy sorts its input in place.
        data = [(tuple(text), bool(label)) for text, label in zip(texts, labels)]
        started = time.perf_counter()
        with time_limit(self.config.time_budget, f"{self.id} still merging states"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # "not input-complete": completed below
                learned = self.learn(data)
        seconds = time.perf_counter() - started
        if learned is None:  # AALpy's answer to contradictory labels; an exact oracle has none
            raise InvalidArgument(f"{self.id}: the training strings contradict each other")
        self.dfa = aalpy_to_dfa(learned, view.alphabet)
        return FitReport(
            train_seconds=seconds,
            extra={"strings": len(data), "states": self.dfa.num_states, "algorithm": self.algorithm},
        )

    def predict(self, texts: np.ndarray) -> np.ndarray:
        return self.dfa.run_many(np.asarray(texts, dtype=np.str_))

    def as_dfa(self) -> DFA:
        return self.dfa

    def parameter_count(self) -> int:
        """One transition per state and symbol, and one verdict per state."""
        states, symbols = self.dfa.transitions.shape
        return states * (symbols + 1)


@register_model
class RPNI(_StateMerging):
    """RPNI (the GSM variant): merge states in breadth-first order while no label contradicts."""

    id = "rpni"
    description = "RPNI state merging (AALpy, GSM variant): the classical regular-language learner"
    algorithm = "rpni-gsm"

    def learn(self, data: list[tuple[tuple[str, ...], bool]]) -> Any:
        from aalpy.learning_algs import run_RPNI

        return run_RPNI(data, automaton_type="dfa", algorithm="gsm", print_info=False)


@register_model
class EDSM(_StateMerging):
    """EDSM: like RPNI, but the merge with the most agreeing labels goes first."""

    id = "edsm"
    description = "evidence-driven state merging (AALpy EDSM): merges ranked by agreeing labels"
    algorithm = "edsm"
    # Scoring every candidate merge of 100,000 strings outlasts the 10 s budget on 12 of the 13
    # challenges (published quick run): a whole CPU run would spend 6 minutes of a core to
    # record "over budget". It runs with --include-slow, --model edsm, and in the curve profile,
    # where its small training sets make it the learner to beat.
    cpu_symbol_limit = 0

    def learn(self, data: list[tuple[tuple[str, ...], bool]]) -> Any:
        from aalpy.learning_algs import run_EDSM

        return run_EDSM(data, automaton_type="dfa", print_info=False)


def aalpy_to_dfa(automaton: Any, alphabet: str) -> DFA:
    """An AALpy DFA as a complete :class:`DFA` over ``alphabet``.

    Transitions AALpy left undefined (symbols never seen after a prefix) go to a rejecting sink:
    the learner had no evidence, and "no" is what a prefix tree says of unseen strings.
    """
    states = list(automaton.states)
    index = {id(state): i for i, state in enumerate(states)}
    sink = len(states)
    table = np.full((sink + 1, len(alphabet)), sink, dtype=np.intp)
    for i, state in enumerate(states):
        for symbol, target in state.transitions.items():
            if symbol in alphabet:
                table[i, alphabet.index(symbol)] = index[id(target)]
    accepting = frozenset(i for i, state in enumerate(states) if state.is_accepting)
    return DFA(table, index[id(automaton.initial_state)], accepting, alphabet)


def time_limit(seconds: float, what: str) -> AbstractContextManager[None]:
    """:class:`BudgetExceeded` in the block after ``seconds`` (see :mod:`challenges.deadline`)."""
    return deadline(seconds, lambda: BudgetExceeded(f"{what} after its {seconds:g} s budget"))
