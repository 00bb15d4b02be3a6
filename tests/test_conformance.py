"""The same checks on every built-in challenge, by id (plugins: `python -m challenges conform ID`).

Oracle and sampler are written separately, so each checks the other: every sampled label must be
the oracle's verdict, and every string must be well formed, of the stated length, and in its split.
"""

from __future__ import annotations

import numpy as np
import pytest

from challenges import get_challenge
from challenges.builtin import BUILTIN_CHALLENGES
from challenges.core import SPLITS
from challenges.errors import InvalidArgument
from challenges.splits import assign_split, sample_lengths

# The built-in ids, listed: an installed plugin's challenge never changes (or breaks) this suite.
# A plugin's author checks theirs with `python -m challenges --plugin X conform ID`.
IDS = [challenge.id for challenge in BUILTIN_CHALLENGES]


@pytest.mark.parametrize("challenge_id", IDS)
@pytest.mark.parametrize("split", SPLITS)
def test_labels_are_the_oracles_verdict(challenge_id, split):
    challenge = get_challenge(challenge_id)
    examples = challenge.sample(split, n=400, seed=3)
    assert np.array_equal(challenge.label(examples.texts), examples.labels)


@pytest.mark.parametrize("challenge_id", IDS)
def test_strings_are_well_formed_and_of_their_length(challenge_id):
    challenge = get_challenge(challenge_id)
    examples = challenge.sample("train", n=300, seed=5)
    for text, length in zip(examples.texts.tolist(), examples.lengths.tolist()):
        assert set(text) <= set(challenge.alphabet)
        assert challenge.check(text).length == length


@pytest.mark.parametrize("challenge_id", IDS)
def test_balanced_at_every_length(challenge_id):
    challenge = get_challenge(challenge_id)
    for length in sample_lengths(challenge, "train")[:: 3]:
        examples = challenge.sample("train", n=51, seed=0, length=length)
        assert examples.labels.sum() == 25
        assert (examples.lengths == length).all()


@pytest.mark.parametrize("challenge_id", IDS)
def test_each_string_is_in_the_split_it_was_drawn_from(challenge_id):
    challenge = get_challenge(challenge_id)
    for index, split in enumerate(SPLITS):
        examples = challenge.sample(split, n=300, seed=1)
        assert (assign_split(challenge, examples.texts) == index).all()


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
    challenge = get_challenge(challenge_id)
    first = challenge.sample("val", n=200, seed=11)
    again = challenge.sample("val", n=200, seed=11)
    other = challenge.sample("val", n=200, seed=12)
    assert first.texts.tobytes() == again.texts.tobytes()
    assert first.labels.tobytes() == again.labels.tobytes()
    assert first.texts.tobytes() != other.texts.tobytes()


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
    examples = challenge.sample("test", n=2, seed=0, length=1000)
    assert sorted(examples.labels.tolist()) == [False, True]
    assert [challenge.check(t).length for t in examples.texts.tolist()] == [1000, 1000]
    assert np.array_equal(challenge.label(examples.texts), examples.labels)


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
