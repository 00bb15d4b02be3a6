"""The soft automaton: both ways of running agree, hardening yields an exact automaton, the size
is chosen from data (never from the challenge's facts) and recorded."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from baselines.automata.dfa import DFA
from baselines.automata.dfa_tables import merge_states, refit_readout, run_table
from baselines.automaton_learners.soft_automaton import (
    Hardened,
    SoftAutomatonConfig,
    SoftAutomatonModel,
    run_matrices,
)
from baselines.automaton_learners.soft_choice import Candidate, replaces, significantly_better
from baselines.references.fsa import exact_automaton
from baselines.training.encoding import encode
from baselines.training.train import load_checkpoint, save_checkpoint
from challenges import get_challenge
from challenges.errors import InvalidArgument

DIV3 = get_challenge("div3-base10")


@dataclass(frozen=True)
class View:
    """All a learner may know of a challenge (the lead's ``LearnerView``): no ``min_states``,
    no oracle. Fitting with it proves the model reads nothing else."""

    alphabet: str
    base: int
    train_lengths: tuple[int, int]


def view(challenge) -> View:
    return View(challenge.alphabet, challenge.base, tuple(challenge.train_lengths))


@pytest.fixture(scope="module")
def hardened() -> tuple[SoftAutomatonModel, object]:
    torch.set_num_threads(1)
    model = SoftAutomatonModel(max_steps=600, max_seconds=60, eval_every=50, restarts=2)
    train, val = DIV3.sample("train", 4000, seed=0), DIV3.sample("val", 500, seed=0)
    report = model.fit(view(DIV3), train, val, seed=0)
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


def test_sizes_grow_from_a_fixed_start_whatever_the_challenge():
    assert SoftAutomatonConfig().sizes() == [8, 16, 32, 64]
    assert SoftAutomatonConfig(start_states=4, max_states=20).sizes() == [4, 8, 16]
    assert SoftAutomatonConfig(states=5).sizes() == [5]
    assert SoftAutomatonConfig(restarts=2).restarts_for(9) == 2


def test_hardening_gives_an_exact_automaton_on_div3_without_the_challenge(hardened):
    model, report = hardened
    assert report.extra["mode"] == "hard"
    dfa = model.as_dfa()
    assert dfa.transitions.shape == (8, 10)  # one integer target per state and digit: a DFA
    # Proven, not sampled: equivalent to the minimal DFA on every string, "" and "007" included.
    assert dfa.minimize().equivalent(exact_automaton(DIV3)) is None
    test = DIV3.sample("test", 200, seed=0, length=1000)
    assert model.predict(test.texts).tolist() == test.labels.tolist()


def test_every_size_tried_is_recorded_with_its_validation_scores(hardened):
    _, report = hardened
    sizes = report.extra["sizes"]
    assert [size["states"] for size in sizes][0] == 8  # the first size: no prior from the challenge
    assert all({"steps", "restarts", "soft_val_accuracy", "hard_val_accuracy"} <= set(size) for size in sizes)
    assert report.extra["states"] == sizes[-1]["states"]  # perfect at the first size: no growth
    assert sum(size["steps"] for size in sizes) == report.steps <= 600
    assert report.extra["merged_states"] == 3 and report.extra["merged_val_accuracy"] == 1.0


def test_a_size_short_of_the_language_grows():
    div7 = get_challenge("div7-base10")
    model = SoftAutomatonModel(max_steps=300, max_seconds=60, eval_every=50, start_states=2, max_states=4,
                               rung_steps=100, retrain=False)  # fmt: skip
    train, val = div7.sample("train", 2000, seed=0), div7.sample("val", 300, seed=0)
    report = model.fit(view(div7), train, val, seed=0)
    assert [size["states"] for size in report.extra["sizes"]] == [2, 4]
    assert report.extra["sizes"][0]["steps"] == 100 and report.extra["states"] in (2, 4)


def test_merging_removes_states_no_training_string_tells_apart():
    # div3 with a separate start state and a state for a leading "0" whose moves nothing trains:
    # minimisation keeps both (they differ on "" and on "0" + digits), merging folds them away.
    div3 = exact_automaton(DIV3)
    residues = torch.tensor(div3.transitions) + 2  # states 2, 3, 4 are the residues
    start = residues[0].clone()
    start[0] = 1  # "0" leads to state 1
    zero = torch.full((10,), 3)  # state 1: every move goes to residue 1 (wrong, and never taken)
    table = torch.cat([start[None], zero[None], residues])
    accepting = torch.tensor([False, True, True, False, False])
    train = DIV3.sample("train", 3000, seed=0)
    ids, _ = encode(train.texts, DIV3.alphabet)
    learned = DFA(table.numpy(), 0, accepting.numpy(), DIV3.alphabet)
    assert learned.minimize().num_states == 5 and learned.minimize().equivalent(div3) == ""
    merged, verdicts = merge_states(table, accepting, ids, torch.from_numpy(train.labels.astype(np.float32)))
    assert DFA(merged.numpy(), 0, verdicts.numpy(), DIV3.alphabet).equivalent(div3) is None


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
    report = model.fit(view(div7), train, val, seed=0)
    (size,) = report.extra["sizes"]
    first = max(size["soft_val_accuracy"], size["hard_val_accuracy"], size.get("table_val_accuracy", 0.0))
    assert first < 1.0, "the first stage was meant to be cut short"
    assert report.extra["retrained"] and all(round_["steps"] >= 1 for round_ in report.extra["retrained"])
    assert report.best_val_accuracy >= first
    assert report.steps <= 400


# --- choosing among candidates: the smaller unless the larger is significantly better -----------


def verdicts(right: int, total: int = 500) -> torch.Tensor:
    """A candidate right on the first ``right`` of ``total`` validation strings."""
    return torch.arange(total) < right


def test_a_larger_automaton_right_on_one_more_noisy_string_does_not_replace_a_smaller():
    small = Candidate("hard", 450 / 500, 7, 0, right=verdicts(450))
    large = Candidate("hard", 451 / 500, 16, 0, right=verdicts(451))
    assert not replaces(large, small, significance=2.0)
    assert replaces(small, large, significance=2.0)
    assert replaces(large, small, significance=0.0)  # the plain rule: the more accurate


def test_a_larger_automaton_clearly_better_replaces_a_smaller():
    small = Candidate("hard", 480 / 500, 3, 0, right=verdicts(480))
    large = Candidate("hard", 1.0, 9, 0, right=verdicts(500))  # 20 gains, no loss
    assert replaces(large, small, significance=2.0)
    assert not replaces(small, large, significance=2.0)


def test_only_the_strings_where_two_candidates_disagree_count():
    # The larger is right on 14 strings the smaller gets wrong, and wrong on 6 it gets right:
    # 8 more in all, but 8 < 2 x sqrt(20), so the smaller stays; with 6 such losses fewer, it goes.
    small_right, large_right = verdicts(400), verdicts(400)
    large_right[400:414] = True
    large_right[:6] = False
    small = Candidate("hard", float(small_right.float().mean()), 7, 0, right=small_right)
    large = Candidate("hard", float(large_right.float().mean()), 16, 0, right=large_right)
    assert large.accuracy > small.accuracy and not replaces(large, small, 2.0)
    large_right[:6] = True
    assert significantly_better(large_right, small_right, 2.0)  # 14 > 2 x sqrt(14)


def test_a_soft_network_ranks_above_a_dfa_of_as_many_states():
    dfa = Candidate("hard", 0.9, 4, 0, right=verdicts(450))
    network = Candidate("soft", 0.902, 4.5, 0, right=verdicts(451))  # K = 4, right once more
    assert not replaces(network, dfa, 2.0) and replaces(dfa, network, 2.0)


def test_significance_must_be_a_non_negative_number():
    with pytest.raises(InvalidArgument, match="significance"):
        SoftAutomatonConfig(significance=-1.0)
    with pytest.raises(InvalidArgument, match="significance"):
        SoftAutomatonConfig(significance=float("nan"))
