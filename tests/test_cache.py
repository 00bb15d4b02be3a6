"""The sample cache cannot lie: tampered, stale, truncated or bit-flipped files are redrawn."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from challenges import cache, get_challenge
from challenges.cache import CacheWarning, cache_path, cached_sample, checksum
from challenges.evaluate import score

CHALLENGE = get_challenge("div7-base10")
ARGS = dict(split="test", n=200, seed=0, length=30)


@pytest.fixture
def written(monkeypatch):
    """Every sample goes to disk (not only slow ones); memory is empty before and after."""
    monkeypatch.setattr(cache, "_SLOW_SECONDS", -1.0)
    cache._MEMORY.clear()
    drawn = cached_sample(CHALLENGE, **ARGS)
    cache._MEMORY.clear()
    yield cache_path(CHALLENGE, "test", 200, 0, 30, None), drawn
    cache._MEMORY.clear()


def rewrite(path, texts, labels, lengths, key_ok=True):
    """What a forger who has read the secret does: new arrays, and a checksum recomputed to match."""
    with np.load(path) as data:
        key = str(data["key"])
    signed = {cache.CHECKSUM_FIELD: np.str_(checksum(texts, labels, lengths, eval(key)))}
    np.savez_compressed(path, texts=texts, labels=labels, lengths=lengths, key=np.str_(key), **signed)


def load_again():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        examples = cached_sample(CHALLENGE, **ARGS)
    cache._MEMORY.clear()
    return examples, [str(w.message) for w in caught if issubclass(w.category, CacheWarning)]


def test_a_sound_file_is_loaded_without_a_word(written):
    path, drawn = written
    assert path.exists()
    examples, messages = load_again()
    assert messages == []
    assert np.array_equal(examples.texts, drawn.texts) and np.array_equal(examples.labels, drawn.labels)


@pytest.mark.parametrize("forge_checksum", [False, True])
def test_flipped_labels_leave_every_figure_unchanged(written, forge_checksum):
    path, drawn = written
    oracle = CHALLENGE.label
    before = score(oracle, CHALLENGE, lengths=[30], n=200)
    flipped = ~drawn.labels
    if forge_checksum:
        rewrite(path, drawn.texts, flipped, drawn.lengths)
    else:
        with np.load(path) as data:
            np.savez_compressed(path, **{**dict(data), "labels": flipped})
    cache._MEMORY.clear()
    with pytest.warns(CacheWarning, match="discarded cached sample"):
        after = score(oracle, CHALLENGE, lengths=[30], n=200)
    assert before == after and after[0].accuracy == 1.0


def test_one_flipped_label_under_a_forged_checksum_is_caught_by_the_oracle(written, monkeypatch):
    path, drawn = written
    labels = drawn.labels.copy()
    labels[[3, 4]] = ~labels[[3, 4]]  # one member and one non-member swapped keeps the balance
    if labels.sum() != drawn.labels.sum():
        labels[[3, 5]] = ~drawn.labels[[3, 5]]
    monkeypatch.setattr(cache, "VERIFIED_ROWS", 200)  # check every row: the swap must be seen
    rewrite(path, drawn.texts, labels, drawn.lengths)
    examples, messages = load_again()
    assert len(messages) == 1 and "labelled against the oracle" in messages[0]
    assert np.array_equal(examples.labels, drawn.labels)


def test_texts_replaced_by_one_member_are_caught(written):
    path, drawn = written
    texts = np.full(200, "11", dtype="<U30")
    rewrite(path, texts, np.ones(200, dtype=bool), drawn.lengths)
    examples, messages = load_again()
    assert messages and np.array_equal(examples.texts, drawn.texts)


@pytest.mark.parametrize("damage", ["truncate", "bitflip", "garbage", "empty"])
def test_a_damaged_file_is_discarded_and_redrawn(written, damage):
    path, drawn = written
    data = bytearray(path.read_bytes())
    if damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "bitflip":
        data[len(data) // 3] ^= 0x10
    elif damage == "garbage":
        data = bytearray(b"not a zip file at all")
    else:
        data = bytearray()
    path.write_bytes(bytes(data))
    examples, messages = load_again()
    assert len(messages) == 1 and str(path) in messages[0] and "\n" not in messages[0]
    assert np.array_equal(examples.texts, drawn.texts) and np.array_equal(examples.labels, drawn.labels)
    examples, messages = load_again()  # the redrawn sample was written back, sound
    assert messages == []


def test_wrong_shape_or_dtype_is_refused(written):
    path, drawn = written
    rewrite(path, drawn.texts[:100], drawn.labels[:100], drawn.lengths[:100])
    _, messages = load_again()
    assert messages and "shapes" in messages[0]
    rewrite(path, drawn.texts, drawn.labels.astype(np.int8), drawn.lengths)
    _, messages = load_again()
    assert messages and "dtypes" in messages[0]


def test_the_key_holds_the_sampler_version_and_files_are_compressed(written, monkeypatch):
    path, drawn = written
    assert f"-s{cache.SAMPLER_VERSION}-" in path.name
    assert path.stat().st_size < drawn.texts.nbytes / 3
    monkeypatch.setattr(cache, "SAMPLER_VERSION", cache.SAMPLER_VERSION + 1)
    assert cache_path(CHALLENGE, "test", 200, 0, 30, None) != path  # a new sampler never reads old sets


def test_flipped_training_labels_leave_a_runs_figures_unchanged(monkeypatch):
    """The training set is cached too: a tampered one must not teach a model the wrong rule."""
    from hofstadter.experiment import run_experiment
    from hofstadter.profiles import PROFILES

    monkeypatch.setattr(cache, "_SLOW_SECONDS", -1.0)
    cache._MEMORY.clear()
    smoke = PROFILES["smoke"]
    before = run_experiment(CHALLENGE, "last-digits", 0, profile=smoke)
    train_file = cache_path(CHALLENGE, "train", smoke.train_size, 0, None, CHALLENGE.train_lengths)
    with np.load(train_file) as data:
        np.savez_compressed(train_file, **{**dict(data), "labels": ~data["labels"]})
    cache._MEMORY.clear()
    with pytest.warns(CacheWarning, match="checksum mismatch"):
        after = run_experiment(CHALLENGE, "last-digits", 0, profile=smoke)
    cache._MEMORY.clear()
    assert after["metrics"] == before["metrics"] and after["best_val_accuracy"] == before["best_val_accuracy"]


def swapped_labels(drawn) -> np.ndarray:
    """Two labels of 200 swapped (a member and a non-member, so the balance holds)."""
    labels = drawn.labels.copy()
    member, other = int(np.flatnonzero(labels)[0]), int(np.flatnonzero(~labels)[0])
    labels[[member, other]] = ~labels[[member, other]]
    return labels


def test_two_swapped_labels_under_a_recomputed_sha256_are_refused_on_every_load(written):
    """Issue 24 item 9: the plain sha256 of the file's arrays, recomputed, once passed half the loads."""
    import hashlib

    path, drawn = written
    labels = swapped_labels(drawn)
    with np.load(path) as data:
        key = str(data["key"])
    digest = hashlib.sha256(key.encode())
    for array in (drawn.texts, labels, drawn.lengths):
        digest.update(f"{array.dtype.str}{array.shape}".encode())
        digest.update(np.ascontiguousarray(array).tobytes())
    for _ in range(20):
        np.savez_compressed(path, texts=drawn.texts, labels=labels, lengths=drawn.lengths, key=np.str_(key),
                            **{cache.CHECKSUM_FIELD: np.str_(digest.hexdigest())})  # fmt: skip
        examples, messages = load_again()
        assert len(messages) == 1 and "checksum mismatch" in messages[0]
        assert np.array_equal(examples.labels, drawn.labels)


def test_a_file_signed_with_another_secret_is_refused(written, tmp_path, monkeypatch):
    path, drawn = written
    monkeypatch.setenv("HOFSTADTER_CACHE_KEY", str(tmp_path / "another.key"))
    rewrite(path, drawn.texts, swapped_labels(drawn), drawn.lengths)  # signed with the other secret
    monkeypatch.delenv("HOFSTADTER_CACHE_KEY")
    examples, messages = load_again()
    assert len(messages) == 1 and "another secret" in messages[0]
    assert np.array_equal(examples.labels, drawn.labels)


def test_the_secret_is_kept_outside_the_cache_and_private(tmp_path, monkeypatch):
    monkeypatch.setenv("HOFSTADTER_CACHE_KEY", str(tmp_path / "keys" / "cache.key"))
    made = cache.secret()
    path = cache.secret_path()
    assert path.read_bytes() == made and len(made) == 32 and path.stat().st_mode & 0o777 == 0o600
    assert cache.cache_dir() not in path.parents
    cache._SECRETS.clear()
    assert cache.secret() == made  # read back, not made again
