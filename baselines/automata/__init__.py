"""Automata and proofs every contestant may use: the DFA type (``dfa``), automata as integer tables
(``dfa_tables``), reading an automaton off a model (``observation_table``, ``extraction``), proofs
of exactness against the rule's automaton (``exactness``), and strings as symbol indices
(``symbols``). No model lives here.

``DFA`` is named here too, where plugins have found it (``from baselines.automata import DFA``).
"""

from baselines.automata.dfa import DFA

__all__ = ["DFA"]
