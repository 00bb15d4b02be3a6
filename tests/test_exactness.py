"""Proofs are checked against the oracle: a counterexample the oracle does not confirm is an
internal error that fails the cell loudly, never a model recorded as inexact (issue 20, item 4)."""

from __future__ import annotations

import pytest

import baselines.automata.exactness as exactness
from baselines.automata.exactness import ProofError, prove
from baselines.references.fsa import residue_automaton
from challenges import get_challenge
from hofstadter.run import Cell, run_cell

DIV3 = get_challenge("div3-base10")


@pytest.fixture
def broken_reference(monkeypatch):
    """A deliberately wrong reference: multiples of 9 stand in for div3's minimal DFA."""
    monkeypatch.setattr(exactness, "exact_automaton", lambda challenge: residue_automaton(9, 10))


def test_a_real_counterexample_is_confirmed_by_the_oracle():
    verdict = prove(residue_automaton(9, 10), DIV3)
    assert verdict.equivalent is False and verdict.counterexample == "3"
    assert DIV3.is_member("3") and not residue_automaton(9, 10).accepts("3")


def test_a_counterexample_the_oracle_contradicts_fails_the_proof(broken_reference):
    # The right DFA, compared with a wrong reference: '3' is where they differ, and there the
    # oracle agrees with the model.
    said = "counterexample '3' is none: the oracle and the model both say member"
    with pytest.raises(ProofError, match=said):
        prove(residue_automaton(3, 10), DIV3)


def test_a_cell_whose_proof_contradicts_the_oracle_is_recorded_failed_with_the_reason(broken_reference):
    record = run_cell(Cell("div3-base10", "fsa", 0, profile="smoke"))
    assert record["status"] == "failed"
    assert record["reason"].startswith("ProofError: div3-base10: the proof's counterexample '3' is none")
    assert "equivalent" not in record
