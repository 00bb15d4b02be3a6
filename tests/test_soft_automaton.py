"""The soft automaton: both ways of running agree, hardening yields an exact automaton."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from baselines.encoding import encode
from baselines.hardening import refit_readout, run_table
from baselines.soft_automaton import Hardened, SoftAutomatonConfig, SoftAutomatonModel, run_matrices
from baselines.train import load_checkpoint, save_checkpoint
from challenges import get_challenge

DIV3 = get_challenge("div3-base10")


@pytest.fixture(scope="module")
def hardened() -> tuple[SoftAutomatonModel, object]:
    torch.set_num_threads(1)
    model = SoftAutomatonModel(max_steps=600, max_seconds=60, eval_every=50, restarts=2)
    report = model.fit(DIV3, DIV3.sample("train", 4000, seed=0), DIV3.sample("val", 500, seed=0), seed=0)
    return model, report


def random_strings(rng: np.random.Generator, alphabet: str, count: int, longest: int) -> np.ndarray:
    lengths = rng.integers(1, longest + 1, size=count)
    return np.array(["".join(rng.choice(list(alphabet), size=n)) for n in lengths])


def test_table_path_equals_one_hot_matrix_path():
    rng = np.random.default_rng(0)
    states, alphabet = 6, "abc"
    table = torch.from_numpy(rng.integers(0, states, size=(states, len(alphabet))))
    accepting = torch.from_numpy(rng.random(states) < 0.5)
    one_hot = F.one_hot(table, states).transpose(0, 1).float()  # [symbols, K, K]
    ids, _ = encode(random_strings(rng, alphabet, 300, 40), alphabet)
    by_matrices = run_matrices(one_hot[None], accepting[None].float(), ids)[0]
    by_table = run_table(table, accepting, ids)
    assert by_matrices.tolist() == by_table.float().tolist()


def test_soft_path_ignores_padding():
    rng = np.random.default_rng(1)
    matrices = torch.softmax(torch.from_numpy(rng.normal(size=(2, 3, 5, 5))).float(), dim=-1)
    acceptance = torch.rand(2, 5, generator=torch.Generator().manual_seed(0))
    short = encode(np.array(["ab", "c"]), "abc")
    padded = encode(np.array(["ab", "c", "abcabcabcabc"]), "abc")
    torch.testing.assert_close(run_matrices(matrices, acceptance, short.ids),
                               run_matrices(matrices, acceptance, padded.ids)[:, :2])  # fmt: skip


def test_hardening_gives_an_exact_automaton_on_div3(hardened):
    model, report = hardened
    assert report.extra["mode"] == "hard"
    assert report.extra["minimal_states"] == 3
    dfa = model.as_dfa()
    assert dfa.transitions.shape == (6, 10)  # one integer target per state and digit: a DFA
    test = DIV3.sample("test", 200, seed=0, length=1000)
    assert model.predict(test.texts).tolist() == test.labels.tolist()
    assert model.predict(test.texts).tolist() == dfa.run_many(test.texts).tolist()


def test_readout_is_refitted_to_the_majority_label_of_each_final_state():
    table = torch.tensor([[1, 2], [1, 1], [2, 2]])  # state 1 after "a...", 2 after "b..."
    ids, _ = encode(np.array(["a", "ab", "b", "bb", "ba"]), "ab")
    labels = torch.tensor([1.0, 1.0, 0.0, 1.0, 0.0])
    learned = torch.tensor([True, False, True])  # state 0: no string ends there, so it keeps this
    assert refit_readout(table, learned, ids, labels).tolist() == [True, True, False]


def test_hardened_checkpoint_keeps_its_table(hardened, tmp_path):
    model, _ = hardened
    path = save_checkpoint(model, tmp_path / "soft.pt")
    saved = torch.load(path, weights_only=True)
    assert saved["state_dict"]["hardened"].item() is True
    assert torch.equal(saved["state_dict"]["table"], model.network.table)
    loaded = load_checkpoint(path)
    probe = np.array(["0", "3", "10", "123456789" * 20])
    assert loaded.predict(probe).tolist() == model.predict(probe).tolist() == [True, True, False, True]


def test_a_seeded_automaton_starts_as_the_dfa_it_was_seeded_from():
    table = torch.tensor([[1, 2], [0, 0], [2, 1]])
    accepting = torch.tensor([True, False, False])
    model = SoftAutomatonModel(retrain_sharpness=8.0)
    model.alphabet = "ab"
    start = Hardened(0, table, accepting, accuracy=1.0, minimal_states=3)
    network = model.seeded_from(start, torch.Generator().manual_seed(0))
    assert network.states == 5  # retrain_factor 1.5 x 3 states, rounded up: two spare states
    hard = network.logits.detach().argmax(-1).transpose(1, 2)[:, :3]
    assert all(torch.equal(restart, table) for restart in hard)
    assert ((network.accept.detach()[:, :3] > 0) == accepting).all()


def test_an_imperfect_first_stage_is_retrained_from_its_table_and_never_worse():
    div7 = get_challenge("div7-base10")
    model = SoftAutomatonModel(max_steps=400, max_seconds=60, eval_every=50, restarts=1, states=10)
    train, val = div7.sample("train", 20_000, seed=0), div7.sample("val", 1000, seed=0)
    report = model.fit(div7, train, val, seed=0)
    first = max(report.extra["soft_val_accuracy"], report.extra["hard_val_accuracy"],
                report.extra.get("table_val_accuracy", 0.0))  # fmt: skip
    assert first < 1.0, "the first stage was meant to be cut short"
    second = report.extra["retrained"]
    assert second["steps"] >= 1
    assert report.best_val_accuracy >= first
    assert report.steps <= 400
