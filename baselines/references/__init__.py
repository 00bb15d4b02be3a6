"""What a learner is measured against: the trivial floor and the rule's ceiling.

* ``trivial`` -- ``majority``, ``last-digits``, ``length-only``: what the class balance, the last
  digits or the length alone give (learners, ranked with the others);
* ``fsa`` -- ``fsa`` and ``fsa-approx``, built from the rule (references, shown apart);
* ``compiled`` -- ``rnn-compiled``, the exact automaton written into a network's weights;
* ``rule_automata`` -- the automata a rule builds by hand, which proofs compare learned ones with.

The rule's automata are named here too, where plugins have found them
(``from baselines.references import register_exact_automaton``).
"""

from baselines.references.rule_automata import (
    carry_automaton,
    exact_automaton,
    register_exact_automaton,
    residue_automaton,
    why_no_exact_automaton,
)

__all__ = [
    "carry_automaton",
    "exact_automaton",
    "register_exact_automaton",
    "residue_automaton",
    "why_no_exact_automaton",
]
