"""The hard primes, version 2: no tell in the length and the leading digits (issue 20, item 3)."""

from __future__ import annotations

import pytest

from benchmarks.leading_digits import leading_digit_rule_accuracy
from challenges import get_challenge
from challenges.families.primes import primes


@pytest.mark.parametrize("challenge_id, length", [("prime-base10-hard", 12), ("prime-base2-hard", 40),
                                                  ("prime-base2-hard", 100)])  # fmt: skip
def test_no_leading_digit_rule_beats_53_percent(challenge_id, length):
    """2,000 strings fit the rule, 2,000 others score it; version 1 leaked (0.58-0.61)."""
    c = get_challenge(challenge_id)
    assert c.version == 2
    fit, held_out = (c.sample("test", 2000, seed=seed, length=length) for seed in (0, 1))
    assert leading_digit_rule_accuracy(fit, held_out) <= 0.53
    old = primes(c.base, hard=True)
    old_fit, old_held_out = (old.sample("test", 2000, seed=seed, length=length) for seed in (0, 1))
    assert leading_digit_rule_accuracy(old_fit, old_held_out) >= 0.56  # the tell the new version removes


def test_matched_semiprimes_are_hard_non_members():
    """Products of two primes of similar size, both at least sqrt(low / base), of the length."""
    import sympy

    c = get_challenge("prime-base10-hard")
    sample = c.sample("test", 200, seed=5, length=12)
    for text in sample.texts[~sample.labels].tolist():
        factors = sympy.factorint(int(text))
        assert len(text) == 12 and sum(factors.values()) == 2 and min(factors) >= int((10**11 // 10) ** 0.5)
