"""The hard primes, version 2: no tell in the length and the leading digits (issue 20, item 3)."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from challenges import get_challenge
from challenges.families.primes import primes


def leading_digit_rule_accuracy(fit, held_out) -> float:
    """Accuracy on ``held_out`` of the best rule on the first two digits, fitted on ``fit``
    (one length per sample, so the rule also knows the length): the majority label of each
    two-digit prefix."""
    votes: dict[str, Counter] = {}
    for text, label in zip(fit.texts.tolist(), fit.labels.tolist()):
        votes.setdefault(text[:2], Counter())[label] += 1
    guess = {prefix: count.most_common(1)[0][0] for prefix, count in votes.items()}
    return float(np.mean([guess.get(t[:2], True) == y for t, y in zip(held_out.texts.tolist(),
                                                                       held_out.labels.tolist())]))


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
