"""The column automaton: alignment, the carry reference, and a learned DFA equivalent to it."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from baselines import create_model
from baselines.references.fsa import carry_automaton
from baselines.structured.column_automaton import (
    ColumnAutomatonModel,
    EquationAlphabet,
    column_shape_automaton,
    intersect,
)
from baselines.training.train import load_checkpoint, save_checkpoint
from challenges import get_challenge
from challenges.errors import InvalidInput

ADD2 = get_challenge("add-base2")


def small_equations(base: int, operator: str = "+") -> np.ndarray:
    """Every a{op}b=c with a, b < base**2 and c < base**3, written without leading zeros."""
    from challenges.numbers import to_base

    numbers = [to_base(n, base) for n in range(base**3)]
    operands = numbers[: base**2]
    return np.array([f"{a}{operator}{b}={c}" for a, b, c in itertools.product(operands, operands, numbers)])


def test_alignment_reads_right_aligned_columns_from_the_last_digit():
    eq = EquationAlphabet.of("0123456789+=")
    aligned = eq.align(np.array(["12+9=21", "1+2=3", "9+99=108", "12+", "1+2=3=4"]))
    triples = [["".join(eq.triple(s)) for s in text] for text in aligned.columns]
    assert triples == [["291", "1_2"], ["123"], ["998", "_90", "__1"], [], []]
    assert aligned.well_formed.tolist() == [True, True, True, False, False]


def test_alignment_refuses_foreign_symbols():
    with pytest.raises(InvalidInput, match="not in the alphabet"):
        EquationAlphabet.of("01+=").align(np.array(["1+2=3"]))


@pytest.mark.parametrize("base", [2, 3])
def test_carry_automaton_on_well_formed_columns_is_the_oracle(base):
    texts = small_equations(base)
    eq = EquationAlphabet(base, "+")
    reference = intersect(carry_automaton(base), column_shape_automaton(base))
    truth = [_holds(text, base) for text in texts]
    assert reference.run_many(eq.align(texts).columns).tolist() == truth


def _holds(text: str, base: int) -> bool:
    left, c = text.split("=")
    a, b = left.split("+")
    return int(a, base) + int(b, base) == int(c, base)


@pytest.fixture(scope="module")
def learned() -> ColumnAutomatonModel:
    torch.set_num_threads(1)
    model = ColumnAutomatonModel(max_steps=600, max_seconds=60, batch_size=256)
    model.fit(ADD2, ADD2.sample("train", 4000, seed=0), ADD2.sample("val", 500, seed=0), seed=0)
    return model


def test_learns_the_carry_automaton_on_add_base2(learned):
    reference = intersect(carry_automaton(2), column_shape_automaton(2))
    assert learned.as_dfa().equivalent(reference) is None
    assert learned.as_dfa().num_states == reference.num_states
    test = ADD2.sample("test", 200, seed=0, length=1000)
    assert learned.predict(test.texts).tolist() == test.labels.tolist()


def test_the_runner_proves_the_column_automaton_against_the_carry_rule(learned):
    from challenges import get_challenge

    verdict = learned.prove_exact(ADD2)
    assert verdict.equivalent is True and "carry automaton" in verdict.note
    mul = learned.prove_exact(get_challenge("mul-base2"))  # no reference over columns: undecided
    assert mul.equivalent is None


def test_rejects_malformed_strings_and_checkpoints_round_trip(learned, tmp_path):
    assert learned.predict(np.array(["1+1=10", "1+1=", "11=1+0"])).tolist() == [True, False, False]
    loaded = load_checkpoint(save_checkpoint(learned, tmp_path / "columns.pt"))
    texts = small_equations(2)
    assert loaded.predict(texts).tolist() == learned.predict(texts).tolist()


def test_applies_only_to_equations():
    model = create_model("column-automaton")
    assert model.applies_to(get_challenge("add-base10")) is None
    assert model.applies_to(get_challenge("mul-base2")) is None
    assert "div3-base10" in model.applies_to(get_challenge("div3-base10"))


def test_large_alphabets_take_the_gather_path_with_the_same_answers():
    # Column alphabets are large (27 to 1,331 symbols): run_matrices gathers each row's matrix.
    import torch.nn.functional as F

    from baselines.automata.dfa_tables import run_table
    from baselines.automaton_learners.soft_automaton import _GATHER_SYMBOLS, run_matrices

    rng = np.random.default_rng(0)
    states, symbols = 5, _GATHER_SYMBOLS + 6
    table = torch.from_numpy(rng.integers(0, states, size=(states, symbols)))
    accepting = torch.from_numpy(rng.random(states) < 0.5)
    one_hot = F.one_hot(table, states).transpose(0, 1).float()  # [symbols, K, K]
    ids = torch.from_numpy(rng.integers(0, symbols + 1, size=(50, 12)))  # the last id pads
    by_matrices = run_matrices(one_hot[None], accepting[None].float(), ids)[0]
    assert by_matrices.tolist() == run_table(table, accepting, ids).float().tolist()
