"""The same checks on every built-in challenge, by id (plugins: `python -m challenges conform ID`).

Oracle and sampler are written separately, so each checks the other: every sampled label must be
the oracle's verdict, and every string must be well formed, of the stated length, and in its split.
The checks live in :mod:`challenges.conformance` (plugins pass them at registration); here they run
on larger samples.
"""

from __future__ import annotations

import numpy as np
import pytest

from challenges import conformance, get_challenge
from challenges.builtin import BUILTIN_CHALLENGES
from challenges.core import SPLITS
from challenges.errors import InvalidArgument
from challenges.splits import sample_lengths

# The built-in ids, listed: an installed plugin's challenge never changes (or breaks) this suite.
# A plugin's author checks theirs with `python -m challenges --plugin X conform ID`.
IDS = [challenge.id for challenge in BUILTIN_CHALLENGES]


@pytest.mark.parametrize("challenge_id", IDS)
@pytest.mark.parametrize("split", SPLITS)
def test_labels_are_the_oracles_verdict(challenge_id, split):
    assert conformance.check_labels(get_challenge(challenge_id), split, n=400, seed=3) == []


@pytest.mark.parametrize("challenge_id", IDS)
def test_balanced_at_every_length(challenge_id):
    challenge = get_challenge(challenge_id)
    lengths = sample_lengths(challenge, "train")[::3]
    assert lengths and conformance.check_balance(challenge, lengths, n=51) == []


@pytest.mark.parametrize("challenge_id", IDS)
def test_each_string_is_in_the_split_it_was_drawn_from(challenge_id):
    assert conformance.check_splits(get_challenge(challenge_id), n=300, seed=1) == []


@pytest.mark.parametrize("challenge_id", IDS)
def test_splits_are_disjoint(challenge_id):
    challenge = get_challenge(challenge_id)
    keys = {
        split: set(challenge.language.split_keys(challenge.sample(split, n=2000, seed=9).texts).tolist())
        for split in SPLITS
    }
    assert not keys["train"] & keys["val"]
    assert not keys["train"] & keys["test"]
    assert not keys["val"] & keys["test"]


@pytest.mark.parametrize("challenge_id", IDS)
def test_same_arguments_same_bytes(challenge_id):
    assert conformance.check_determinism(get_challenge(challenge_id), n=200, seed=11) == []


@pytest.mark.parametrize("challenge_id", IDS)
def test_the_registration_check_passes(challenge_id):
    """What a plugin must pass at registration, on every built-in (so the check is not too strict)."""
    assert conformance.check_challenge(get_challenge(challenge_id)) == []


@pytest.mark.parametrize("challenge_id", IDS)
def test_extrapolation_lengths_are_test_only_and_work(challenge_id):
    challenge = get_challenge(challenge_id)
    longest = challenge.extrapolation_lengths[0]
    assert longest > challenge.max_train_length
    with pytest.raises(InvalidArgument, match="test split only"):
        challenge.sample("train", n=2, length=longest)
    examples = challenge.sample("test", n=6, seed=0, length=100)
    assert np.array_equal(challenge.label(examples.texts), examples.labels)


@pytest.mark.parametrize("challenge_id", IDS)
def test_thousand_digit_strings(challenge_id):
    challenge = get_challenge(challenge_id)
    assert conformance.check_labels(challenge, "test", n=2, seed=0, length=1000) == []


def test_the_registry_holds_hofstadters_list():
    assert set(IDS) >= {
        "even-base3", "div3-base10", "div9-base10", "div7-base10", "div29-base10",
        "add-base2", "add-base10", "mul-base2", "mul-base10",
        "prime-base2", "prime-base10", "prime-base2-hard", "prime-base10-hard",
    }  # fmt: skip
    states = {c: get_challenge(c).min_states for c in IDS if get_challenge(c).regular}
    assert states == {
        "even-base3": 2, "div3-base10": 3, "div9-base10": 9, "div7-base10": 7, "div29-base10": 29
    }  # fmt: skip


def test_the_checks_find_a_sampler_that_lies():
    """Each check must be able to fail: a sampler that mislabels and one that ignores lengths."""
    import dataclasses

    from challenges.families.divisibility import Divisible, divisibility

    class Liar(Divisible):
        def draw(self, length, n, member, rng):
            return super().draw(length, n, not member, rng)  # members as non-members and back

    class Short(Divisible):
        def draw(self, length, n, member, rng):
            return super().draw(1, n, member, rng)

    liar = dataclasses.replace(divisibility(7, 10), language=Liar(7, 10))
    short = dataclasses.replace(divisibility(7, 10), language=Short(7, 10))
    assert "differ from the oracle" in conformance.check_labels(liar, "train", n=40)[0]
    assert "wrong length" in " ".join(conformance.check_challenge(short))


def test_declared_lengths_are_checked():
    """A challenge's shortcut-free lengths must be test lengths, its tested training lengths in range."""
    import dataclasses

    c = get_challenge("add-base10")
    assert conformance.check_declared_lengths(c) == []
    wrong = dataclasses.replace(c, shortcut_free_lengths=(7,), tested_train_lengths=(0, 3))
    assert conformance.check_declared_lengths(wrong) == [
        "tested_train_lengths [0] lie outside the training range 1-6",
        "shortcut_free_lengths [7] are not test lengths",
    ]
