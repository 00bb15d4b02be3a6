"""The stack and tape RNNs: their memories move as published, they learn, padding changes nothing."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from baselines import create_model
from baselines.networks.augmented_rnn import (
    AugmentedClassifier,
    StackMemory,
    StackRNNConfig,
    StackRNNModel,
    TapeMemory,
    TapeRNNConfig,
    TapeRNNModel,
    update_stack,
    update_tape,
)
from baselines.training.encoding import encode
from challenges import get_challenge
from challenges.errors import InvalidArgument

DIV3 = get_challenge("div3-base10")
ADD2 = get_challenge("add-base2")
STACK = torch.tensor([[[1.0], [2.0], [3.0]]])  # top first


@pytest.mark.parametrize(
    "actions, expected",
    [([1.0, 0.0, 0.0], [9.0, 1.0, 2.0]), ([0.0, 1.0, 0.0], [2.0, 3.0, 0.0]),
     ([0.0, 0.0, 1.0], [1.0, 2.0, 3.0]), ([0.5, 0.5, 0.0], [5.5, 2.0, 1.0])],  # fmt: skip
)
def test_a_stack_pushes_pops_and_stays_and_mixes_them_by_weight(actions, expected):
    new = update_stack(STACK, torch.tensor([actions]), torch.tensor([[9.0]]))
    assert new.flatten().tolist() == expected


def test_a_tape_writes_under_its_head_then_moves_or_jumps_each_strings_own_length():
    tape = torch.arange(5.0).view(1, 5, 1).repeat(2, 1, 1)
    written = torch.tensor([[9.0], [9.0]])
    lengths = torch.tensor([2, 3])

    def after(move: int) -> list[list[float]]:
        actions = torch.zeros(2, 5)
        actions[:, move] = 1.0
        return update_tape(tape, actions, written, lengths).squeeze(-1).tolist()

    assert after(0) == [[9, 1, 2, 3, 4]] * 2  # stay: the written cell under the head
    assert after(1) == [[1, 2, 3, 4, 9]] * 2  # left: the head reads the next cell
    assert after(2) == [[4, 9, 1, 2, 3]] * 2  # right
    assert after(3) == [[2, 3, 4, 9, 1], [3, 4, 9, 1, 2]]  # jump left by 2 and by 3
    assert after(4) == [[3, 4, 9, 1, 2], [2, 3, 4, 9, 1]]  # jump right


@pytest.mark.parametrize("Memory, Config", [(StackMemory, StackRNNConfig), (TapeMemory, TapeRNNConfig)])
@pytest.mark.parametrize("controller", ["rnn", "gru"])
def test_padding_never_changes_an_answer(Memory, Config, controller):
    config = Config(hidden_size=8, controller=controller, memory_size=6)
    network = AugmentedClassifier(len(ADD2.alphabet), config, Memory(8, config))
    network.reset_parameters(torch.Generator().manual_seed(0))
    alone = encode(np.array(["1+1=10", "11+0=11"]), ADD2.alphabet)
    padded = encode(np.array(["1+1=10", "11+0=11", "1" * 30 + "+1=1" + "0" * 30]), ADD2.alphabet)
    with torch.no_grad():
        torch.testing.assert_close(network(*alone), network(*padded)[:2])


@pytest.mark.parametrize("model_id", ["stack-rnn", "tape-rnn"])
def test_learns_multiples_of_3_in_range_from_a_small_budget(model_id):
    torch.set_num_threads(1)
    model = create_model(model_id, hidden_size=32, max_steps=400, eval_every=50)
    report = model.fit(DIV3, DIV3.sample("train", 4000, seed=0), DIV3.sample("val", 500, seed=0), seed=0)
    test = DIV3.sample("test", 1000, seed=0, length=6)
    accuracy = (model.predict(test.texts) == test.labels).mean()
    assert report.steps <= 400
    assert accuracy >= 0.9, f"{model_id} reached only {accuracy:.3f} on 6-digit multiples of 3"


def test_same_seed_same_weights_and_a_checkpoint_round_trip(tmp_path):
    from baselines.training.train import load_checkpoint, save_checkpoint

    train, val = ADD2.sample("train", 128, seed=0), ADD2.sample("val", 32, seed=0)
    first, second = TapeRNNModel(hidden_size=8, max_steps=5), TapeRNNModel(hidden_size=8, max_steps=5)
    first.fit(ADD2, train, val, seed=1)
    second.fit(ADD2, train, val, seed=1)
    for a, b in zip(first.network.state_dict().values(), second.network.state_dict().values()):
        assert torch.equal(a, b)
    texts = ADD2.sample("test", 20, seed=0, length=40).texts
    loaded = load_checkpoint(save_checkpoint(first, tmp_path / "tape.pt"))
    assert loaded.predict(texts).tolist() == first.predict(texts).tolist()


def test_they_are_learners_and_bad_options_are_one_clear_error():
    assert not StackRNNModel.knows_rule and not TapeRNNModel.knows_rule
    with pytest.raises(InvalidArgument, match="unknown controller"):
        StackRNNModel(controller="lstm")
    with pytest.raises(InvalidArgument, match="memory_size"):
        TapeRNNModel(memory_size=1)
    with pytest.raises(InvalidArgument, match="write_layers"):
        TapeRNNModel(write_layers=(0,))
    with pytest.raises(InvalidArgument, match="needs at least"):
        StackRNNModel(hidden_size=10**7)


def test_a_rolled_tape_is_the_gathered_one_to_the_bit_values_and_gradients():
    """A move every row shares rolls the tape (fast); per-row jumps gather it. Both must give the
    same numbers, gradients included, or published tape-rnn records would not come back."""
    from baselines.networks.augmented_rnn import moved_tape, tape_moves

    generator = torch.Generator().manual_seed(0)
    tape = torch.randn(4, 6, 3, generator=generator)
    actions = torch.randn(4, 5, generator=generator).softmax(-1)
    written = torch.randn(4, 3, generator=generator)
    lengths = torch.tensor([5, 5, 5, 5])
    index = torch.arange(6)[None, :]
    shifts = (1, -1, 5, -5)
    gathered = tuple(((index + shift) % 6).expand(4, 6)[..., None].expand(-1, -1, 3) for shift in shifts)

    def run(moves):
        leaf = tape.clone().requires_grad_()
        out = moved_tape(leaf, actions, written, moves)
        out.square().sum().backward()
        return out.detach(), leaf.grad

    rolled = tape_moves(lengths, 6, 3)
    assert rolled == (1, -1, 5, -5)
    (out_a, grad_a), (out_b, grad_b) = run(rolled), run(gathered)
    assert torch.equal(out_a, out_b) and torch.equal(grad_a, grad_b)
