"""The Transformer baseline: digit indices, padding invariance, chunked prediction, determinism."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from baselines.networks import transformer
from baselines.networks.transformer import (
    TransformerClassifier,
    TransformerConfig,
    TransformerModel,
    digit_indices,
)
from baselines.training.encoding import encode
from challenges import get_challenge
from challenges.errors import InvalidArgument

ADD10 = get_challenge("add-base10")
TINY = dict(max_steps=15, eval_every=5, d_model=16, layers=1, heads=2, feedforward=32)


def test_digit_indices_count_from_each_numbers_last_digit():
    ids, _ = encode(np.array(["123+45=168", "7"]), ADD10.alphabet)
    assert digit_indices(ids, base=10).tolist() == [
        [2, 1, 0, -1, 1, 0, -1, 2, 1, 0],
        [0, -1, -1, -1, -1, -1, -1, -1, -1, -1],
    ]


@pytest.mark.parametrize(
    "options",
    [{}, {"positions": "none"}, {"positions": "absolute"}, {"index_encoding": "learned"},
     {"alibi": True}, {"pooling": "cls"}, {"pooling": "mean", "head_hidden": 0},
     {"head_activation": "sin"}, {"causal": True, "pooling": "last"},
     {"causal": True, "alibi": True}, {"loops": 2}],  # fmt: skip
)
def test_padding_never_changes_an_answer(options):
    config = TransformerConfig(**{**TINY, **options})
    network = TransformerClassifier(len(ADD10.alphabet), 10, config)
    network.reset_parameters(torch.Generator().manual_seed(0))
    network.eval()
    alone = encode(np.array(["12+29=41"]), ADD10.alphabet)
    padded = encode(np.array(["12+29=41", "1234567+89=1234656"]), ADD10.alphabet)
    with torch.no_grad():
        torch.testing.assert_close(network(*alone), network(*padded)[:1])


def test_long_batches_are_predicted_in_chunks(monkeypatch):
    network = TransformerClassifier(len(ADD10.alphabet), 10, TransformerConfig(**TINY))
    network.reset_parameters(torch.Generator().manual_seed(1))
    network.eval()
    ids, lengths = encode(ADD10.sample("test", 10, length=30).texts, ADD10.alphabet)
    with torch.no_grad():
        whole = network(ids, lengths)
        monkeypatch.setattr(transformer, "_ATTENTION_BUDGET", 2 * ids.shape[1] ** 2)  # one row a chunk
        torch.testing.assert_close(network(ids, lengths), whole)


def test_same_seed_same_model_and_shapes():
    train, val = ADD10.sample("train", 256, seed=0), ADD10.sample("val", 64, seed=0)
    texts = ADD10.sample("test", 40, seed=0, length=12).texts
    first, second = TransformerModel(**TINY), TransformerModel(**TINY)
    report = first.fit(ADD10, train, val, seed=3)
    second.fit(ADD10, train, val, seed=3)
    guesses = first.predict(texts)
    assert guesses.shape == (40,) and guesses.dtype == bool and report.steps <= 15
    assert guesses.tolist() == second.predict(texts).tolist()
    for a, b in zip(first.network.state_dict().values(), second.network.state_dict().values()):
        assert torch.equal(a, b)


def test_fits_a_small_training_set():
    # Memorising 64 strings shows that gradients reach every part, with the default recipe.
    c = get_challenge("div3-base10")
    train = c.sample("train", 64, seed=0)
    model = TransformerModel(max_steps=300, eval_every=50, d_model=32, heads=2)
    report = model.fit(c, train, train, seed=0)
    assert report.best_val_accuracy == 1.0


def test_the_defaults_are_the_recipe_that_fits_the_training_range():
    # docs/contestants.md: each of these was needed on development seeds; none may drift unnoticed.
    config = TransformerConfig()
    recipe = (config.embedding_std, config.pooling, config.head_hidden, config.max_grad_norm, config.lr)
    assert recipe == (1.0, "sum", 128, 1.0, 3e-3)
    network = TransformerClassifier(10, 10, config)
    network.reset_parameters(torch.Generator().manual_seed(0))
    # as loud as the sinusoids' features, each of amplitude 1
    assert 0.9 < float(network.embed.weight.detach().std()) < 1.1


@pytest.mark.parametrize(
    "options, message",
    [({"positions": "rope"}, "unknown positions"), ({"d_model": 30, "heads": 4}, "divisible"),
     ({"pooling": "max"}, "unknown pooling"), ({"head_activation": "relu"}, "unknown head_activation"),
     ({"head_hidden": -1}, "head_hidden"), ({"causal": True, "pooling": "cls"}, "causal"),
     ({"lr_decay": "linear"}, "unknown lr_decay"), ({"warmup_steps": -1}, "warmup_steps"),
     ({"weight_decay": -0.1}, "weight_decay"), ({"loops": 0}, "loops"),
     ({"curriculum_steps": -1}, "curriculum_steps")],  # fmt: skip
)
def test_bad_options_are_one_clear_error(options, message):
    with pytest.raises(InvalidArgument, match=message):
        TransformerConfig(**options)


def test_checkpoint_round_trip(tmp_path):
    from baselines.training.train import load_checkpoint, save_checkpoint

    model = TransformerModel(**TINY)
    model.fit(ADD10, ADD10.sample("train", 128, seed=0), ADD10.sample("val", 32, seed=0), seed=0)
    loaded = load_checkpoint(save_checkpoint(model, tmp_path / "transformer.pt"))
    texts = ADD10.sample("test", 30, seed=0, length=20).texts
    assert loaded.predict(texts).tolist() == model.predict(texts).tolist()
    assert loaded.network.base == 10


def test_a_causal_encoder_reads_no_symbol_after_the_one_it_answers_for():
    # With the last symbol's output as the answer, an answer for a prefix is the prefix's own.
    config = TransformerConfig(**{**TINY, "causal": True, "pooling": "last"})
    network = TransformerClassifier(len(ADD10.alphabet), 10, config)
    network.reset_parameters(torch.Generator().manual_seed(2))
    network.eval()
    prefix = encode(np.array(["12+29"]), ADD10.alphabet)
    whole = encode(np.array(["12+29=41"]), ADD10.alphabet)
    with torch.no_grad():
        shortened = (whole[0], torch.tensor([5]))  # the whole string's ids, its length said to be 5
        torch.testing.assert_close(network(*prefix), network(*shortened))


def test_the_learning_rate_warms_up_then_decays_and_the_loop_follows_it():
    config = TransformerConfig(lr=0.01, warmup_steps=10, lr_decay="cosine", max_steps=110)
    rates = [config.scheduled_lr(step) for step in range(110)]
    assert rates[:10] == sorted(rates[:10]) and rates[9] == 0.01
    assert rates[10:] == sorted(rates[10:], reverse=True) and rates[-1] < 1e-5
    assert TransformerConfig(lr=0.01).scheduled_lr(0) == 0.01  # no warm-up, no decay: constant
    # The shared loop sets each step's rate from scheduled_lr: a schedule of zeros leaves the weights as
    # they were initialised (weight decay too: AdamW scales it by the rate).
    model = TransformerModel(**{**TINY, "weight_decay": 0.1})
    model.config.scheduled_lr = lambda step: 0.0
    model.fit(ADD10, ADD10.sample("train", 64, seed=0), ADD10.sample("val", 32, seed=0), seed=0)
    fresh = TransformerClassifier(len(ADD10.alphabet), 10, TransformerConfig(**TINY))
    fresh.reset_parameters(torch.Generator().manual_seed(0))
    for a, b in zip(model.network.state_dict().values(), fresh.state_dict().values()):
        assert torch.equal(a, b)


def test_options_added_later_leave_the_config_and_key_alone_until_set():
    plain, looped = TransformerModel(**TINY), TransformerModel(**{**TINY, "loops": 2, "curriculum_steps": 5})
    assert "loops" not in plain.config_dict() and "curriculum_steps" not in plain.config_dict()
    assert looped.config_dict()["loops"] == 2 and looped.config_dict()["curriculum_steps"] == 5


def test_a_curriculum_trains_on_the_shortest_strings_first(monkeypatch):
    from baselines.training.train import LabelledBatch

    longest_taken: list[int] = []  # the longest string of each batch the loop takes, in order
    take = LabelledBatch.take

    def recording(batch, rows):
        longest_taken.append(int(batch.lengths[rows].max()))
        return take(batch, rows)

    monkeypatch.setattr(LabelledBatch, "take", recording)
    model = TransformerModel(**{**TINY, "max_steps": 12, "eval_every": 100, "curriculum_steps": 8})
    model.fit(ADD10, ADD10.sample("train", 256, seed=0), ADD10.sample("val", 32, seed=0), seed=0)
    during, after = longest_taken[:8], longest_taken[8:12]  # validation's takes come after the steps
    assert during == sorted(during) and during[0] < max(after)
