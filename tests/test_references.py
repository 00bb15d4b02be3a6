"""Hand-built references (fsa, fsa-approx) and the trivial baselines."""

from __future__ import annotations

import math

import numpy as np
import pytest

import baselines
from baselines.references.fsa import (
    ApproxConfig,
    approximation,
    equation_automaton,
    exact_automaton,
    wheel_automaton,
)
from baselines.references.trivial import LastDigits, LengthOnly, Majority
from challenges import get_challenge, list_challenges
from challenges.core import Examples
from challenges.errors import InvalidArgument, NotApplicable
from challenges.evaluate import score
from challenges.families.arithmetic import NEAR_MISS_KINDS
from challenges.numbers import to_base

REGULAR = ("even-base3", "div3-base10", "div9-base10", "div7-base10", "div29-base10")
ARITHMETIC = ("add-base2", "add-base10", "mul-base2", "mul-base10")


def fitted(model_id: str, challenge_id: str, **options):
    challenge = get_challenge(challenge_id)
    model = baselines.create_model(model_id, **options)
    model.fit(challenge, challenge.sample("train", n=400), challenge.sample("val", n=40), seed=0)
    return model


def examples(texts, labels) -> Examples:
    texts = np.array(texts, dtype=np.str_)
    return Examples(texts, np.array(labels, dtype=bool), np.strings.str_len(texts), "train")


# --- fsa ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("challenge_id", REGULAR)
def test_fsa_is_exact_at_every_test_length(challenge_id):
    model = fitted("fsa", challenge_id)
    sizes = lambda length: 40 if length < 100 else 20  # noqa: E731 - long strings: fewer
    metrics = score(model.predict, get_challenge(challenge_id), n=sizes)
    assert metrics[-1].length == 1000
    assert [m.accuracy for m in metrics] == [1.0] * len(metrics)


@pytest.mark.parametrize("challenge_id", sorted(set(list_challenges()) - set(REGULAR)))
def test_fsa_refuses_non_regular_challenges_in_one_line(challenge_id):
    challenge = get_challenge(challenge_id)
    reason = baselines.create_model("fsa").applies_to(challenge)
    assert reason.startswith(f"fsa needs a regular language; {challenge_id} is not regular")
    assert "\n" not in reason
    with pytest.raises(NotApplicable):
        exact_automaton(challenge)


# --- fsa-approx --------------------------------------------------------------------------------


@pytest.mark.parametrize("challenge_id", REGULAR)
def test_fsa_approx_is_the_exact_automaton_on_regular_challenges(challenge_id):
    challenge = get_challenge(challenge_id)
    approx = approximation(challenge, ApproxConfig())
    assert approx.exact and len(approx.checks) == 1
    assert approx.checks[0][1].equivalent(exact_automaton(challenge)) is None


@pytest.mark.parametrize("challenge_id", list_challenges())
def test_fsa_approx_applies_everywhere_and_beats_chance_where_it_can(challenge_id):
    challenge = get_challenge(challenge_id)
    model = baselines.create_model("fsa-approx")
    assert model.applies_to(challenge) is None
    model.fit(challenge, None, None, seed=0)
    (metric,) = score(model.predict, challenge, lengths=[challenge.max_train_length], n=200)
    hard = dict(challenge.parameters).get("hard", False)  # semiprimes dodge every small factor
    assert metric.accuracy >= (0.45 if hard else 0.8)


def test_wheel_accepts_the_wheel_primes_and_numbers_coprime_to_it():
    expected = [n for n in range(500) if n in (2, 3, 5, 7) or (n > 1 and math.gcd(n, 210) == 1)]
    for base in (2, 3, 10):
        wheel = wheel_automaton(base)
        assert [n for n in range(500) if wheel.accepts(to_base(n, base))] == expected


def test_a_wider_wheel_is_configurable_and_rejects_more():
    narrow, wide = wheel_automaton(10, (2, 3, 5, 7)), wheel_automaton(10, (2, 3, 5, 7, 11))
    assert narrow.accepts("121") and not wide.accepts("121") and wide.accepts("11")
    with pytest.raises(InvalidArgument):
        ApproxConfig(wheel_primes=(2, 9))


def test_casting_out_nines_misses_swapped_digits_that_elevens_catch():
    nines, elevens, hundreds = (equation_automaton("+", 10, m) for m in (9, 11, 100))
    assert nines.accepts("12+29=14")  # 41 with its digits swapped: the same digit sum
    assert not elevens.accepts("12+29=14") and not hundreds.accepts("12+29=14")
    assert not any(check.accepts("12+29=42") for check in (nines, elevens, hundreds))
    # A wrong result that differs by a multiple of 9 x 11 x 100 slips past all three.
    approx = approximation(get_challenge("add-base10"), ApproxConfig())
    assert approx.accepts_many(np.array(["12+29=41", "12+29=9941"])).tolist() == [True, True]


@pytest.mark.parametrize("challenge_id", ARITHMETIC)
def test_modular_checks_never_reject_a_correct_equation(challenge_id):
    challenge = get_challenge(challenge_id)
    approx = approximation(challenge, ApproxConfig())
    for length in (1, challenge.max_train_length, 100):
        members = challenge.sample("test", n=100, length=length)
        members = members.texts[members.labels]
        for _, check in approx.checks:
            assert check.run_many(members).all()


def near_misses(challenge, kind: str, length: int, n: int = 300) -> np.ndarray:
    """Wrong equations of one kind, made by the family (tests may look inside a challenge)."""
    language, rng = challenge.language, np.random.default_rng(0)
    a, b = language.operands(length, n, rng)
    kinds = np.full(n, NEAR_MISS_KINDS.index(kind))
    wrong, ok = language.near_misses(a, b, language.compute(a, b), kinds, rng)
    return language.render_equations(a[ok], b[ok], wrong[ok])


@pytest.mark.parametrize("kind", NEAR_MISS_KINDS)
def test_what_each_check_catches_in_base_10_addition(kind):
    checks = dict(approximation(get_challenge("add-base10"), ApproxConfig()).checks)
    texts = near_misses(get_challenge("add-base10"), kind, length=12)
    caught = {name: 1 - check.run_many(texts).mean() for name, check in checks.items()}
    # base + 1: every near miss but the jump swap changes the result by e * 10**p with
    # 0 < |e| < 11 (a swap: by 9 (h - l) 10**p), never by a multiple of 11; a jump swap changes
    # it by 99 (h - l) 10**p, a multiple of both 9 and 11, so only the last digits can give it away.
    assert caught["mod 11"] == (0.0 if kind == "jump-swap" else 1.0)
    # base - 1: a digit swap keeps the digit sum; a digit change 0 <-> 9 does too.
    if kind in ("digit-swap", "jump-swap"):
        assert caught["mod 9"] == 0.0
    elif kind in ("off-by-one", "off-by-power"):
        assert caught["mod 9"] == 1.0
    # base**2: only changes within the last two digits.
    if kind == "off-by-one":
        assert caught["mod 100"] == 1.0
    else:
        assert caught["mod 100"] < 0.5


# --- trivial baselines -------------------------------------------------------------------------


def test_majority_answers_the_training_majority():
    model = Majority()
    model.fit(get_challenge("div7-base10"), examples(["7", "14", "15"], [True, True, False]), None, 0)
    assert model.predict(np.array(["1", "22", "343"])).tolist() == [True, True, True]


def test_last_digits_looks_up_the_suffix_and_falls_back_to_the_majority():
    model = LastDigits(k=1)
    train = examples(["10", "20", "21", "31", "41", "5"], [True, True, False, False, True, False])
    model.fit(get_challenge("div7-base10"), train, None, 0)
    # suffix 0: 2 of 2 members; 1: 1 of 3; 5: 0 of 1; unseen 9: the majority (a tie: non-member)
    assert model.predict(np.array(["90", "71", "15", "99"])).tolist() == [True, False, False, False]
    with pytest.raises(InvalidArgument, match="unknown option 'width'"):
        LastDigits(width=1)


def test_length_only_learns_a_label_per_length():
    model = LengthOnly()
    train = examples(["1", "2", "33", "44", "45"], [True, True, False, False, True])
    model.fit(get_challenge("div7-base10"), train, None, 0)
    assert model.predict(np.array(["9", "99", "999"])).tolist() == [True, False, True]


@pytest.mark.parametrize("model_id", ["majority", "last-digits", "length-only"])
def test_trivial_baselines_stay_near_chance_on_multiples_of_7(model_id):
    model = fitted(model_id, "div7-base10")
    (metric,) = score(model.predict, get_challenge("div7-base10"), lengths=[6], n=400)
    assert 0.35 <= metric.accuracy <= 0.65


@pytest.mark.parametrize("challenge_id", ["add-base10", "mul-base2", "prime-base10"])
def test_fsa_approx_state_budget_is_respected_and_buys_accuracy(challenge_id):
    c = get_challenge(challenge_id)
    states, accuracy = [], []
    for budget in (10, 300, 20_000):
        model = baselines.create_model("fsa-approx", max_states=budget)
        report = model.fit(c, c.sample("train", 1), c.sample("val", 400), seed=0)
        assert report.extra["product_states"] == model.approximation.num_states <= budget
        states.append(model.approximation.num_states)
        (metric,) = score(model.predict, c, lengths=[30], n=300)
        accuracy.append(metric.accuracy)
    assert states == sorted(states) and states[0] < states[-1]
    # More states never cost much and, from the smallest budget to the largest, buy accuracy.
    assert all(later >= earlier - 0.03 for earlier, later in zip(accuracy, accuracy[1:]))
    assert accuracy[-1] > accuracy[0]


def test_fsa_approx_max_states_must_be_positive():
    with pytest.raises(InvalidArgument, match="max_states"):
        baselines.create_model("fsa-approx", max_states=0)


# --- the searching frontier (issue 20, item 2) -------------------------------------------------


@pytest.mark.parametrize("operator, base", [("+", 10), ("x", 10), ("+", 2), ("x", 2)])
def test_equation_automaton_is_the_explored_machine(operator, base):
    """The numpy-built check is state for state the machine explored one symbol at a time."""
    from baselines.automata.dfa import DFA
    from challenges.numbers import DIGITS

    for m in (2, 6, 9, 13):
        combine = (lambda a, b: a + b) if operator == "+" else (lambda a, b: a * b)

        def step(state, symbol, m=m, combine=combine):
            if state == "dead":
                return state
            phase, x, y, seen = state
            if symbol in DIGITS[:base]:
                digit = DIGITS.index(symbol)
                return (phase, (x * base + digit) % m, 0, True) if phase == "a" else (
                    phase, x, (y * base + digit) % m, True)
            if phase == "a" and symbol == operator and seen:
                return "b", x, 0, False
            if phase == "b" and symbol == "=" and seen:
                return "c", combine(x, y) % m, 0, False
            return "dead"

        def accept(state):
            return state != "dead" and state[0] == "c" and state[3] and state[1] == state[2]

        alphabet = DIGITS[:base] + operator + "="
        explored = DFA.explore(alphabet, ("a", 0, 0, False), step, accept).minimize()
        built = equation_automaton(operator, base, m)
        assert np.array_equal(built.transitions, explored.transitions)
        assert np.array_equal(built.accepting, explored.accepting)


@pytest.mark.parametrize("operator, base", [("+", 10), ("x", 10), ("+", 2), ("x", 2)])
def test_prime_check_states_closed_form_and_divisors_never_cost_more(operator, base):
    from baselines.references.fsa import prime_check_states

    for p in (3, 5, 7, 11, 13, 17, 19):
        if (base * (base - 1)) % p:
            assert equation_automaton(operator, base, p).num_states == prime_check_states(operator, base, p)
    # A check modulo m has at least the states of the check modulo any prime power dividing m:
    # why every modulus whose check fits divides the product of the fitting prime powers.
    sizes = {m: equation_automaton(operator, base, m).num_states for m in range(2, 41)}
    for m in sizes:
        for q, e in ((q, e) for q, e in __import__("sympy").factorint(m).items()):
            assert sizes[m] >= sizes[q**e]


# Re-deriving one entry takes about 4 s; these cover every shape the table has (an extra power of
# 2, 3, 5 or 11). The whole table: `python -m benchmarks.shortcut_battery --derive-table`.
@pytest.mark.parametrize("operator, base", [("+", 10), ("x", 2), ("+", 6), ("+", 12), ("x", 16)])
def test_guarded_prime_powers_are_the_prime_powers_that_fit(operator, base):
    from baselines.references.fsa import fitting_prime_powers
    from challenges.families.hidden_near_misses import GUARD_STATES, GUARDED_PRIME_POWERS

    assert fitting_prime_powers(operator, base, GUARD_STATES) == GUARDED_PRIME_POWERS[(operator, base)]


def test_guarded_prime_powers_cover_every_base_and_operator():
    from challenges.families.arithmetic import MAX_ARITHMETIC_BASE
    from challenges.families.hidden_near_misses import GUARDED_PRIME_POWERS

    assert set(GUARDED_PRIME_POWERS) == {(op, b) for op in "+x" for b in range(2, MAX_ARITHMETIC_BASE + 1)}


def test_fsa_approx_budget_search_finds_mod_13_on_version_1_sums():
    """Version 1 (today's near misses): the best check within 10,000 states is the 367-state
    check modulo 13, found on validation, not the first moduli of a fixed order (9 and 7)."""
    from challenges.families.arithmetic import addition

    c = addition(10)
    model = baselines.create_model("fsa-approx", max_states=10_000)
    model.fit(c, c.sample("train", 1), c.sample("val", 2000, seed=0), seed=0)
    assert [name for name, _ in model.approximation.checks] == ["mod 13"]
    assert model.approximation.num_states == 367


def test_fsa_approx_budget_search_needs_validation_examples():
    c = get_challenge("add-base10")
    model = baselines.create_model("fsa-approx", max_states=1000)
    none = np.array([], dtype=np.int64)
    empty = Examples(none.astype(np.str_), none.astype(bool), none, "val")
    with pytest.raises(InvalidArgument, match="validation"):
        model.fit(c, c.sample("train", 1), empty, seed=0)
