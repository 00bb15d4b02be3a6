"""The recurrent baselines: they learn, padding cannot change an answer, errors are clear."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from baselines import create_model
from baselines.networks.rnn import GRUModel, RecurrentClassifier, RNNConfig
from baselines.training.encoding import encode, length_buckets, pad_id
from challenges import get_challenge
from challenges.errors import InvalidArgument, InvalidInput

DIV3 = get_challenge("div3-base10")


@pytest.fixture(scope="module")
def fitted_gru() -> tuple[GRUModel, object]:
    torch.set_num_threads(1)
    model = GRUModel(hidden_size=32, lr=0.02, max_steps=400, max_seconds=60, eval_every=50)
    report = model.fit(DIV3, DIV3.sample("train", 4000, seed=0), DIV3.sample("val", 500, seed=0), seed=0)
    return model, report


def test_gru_learns_div3_within_a_small_budget(fitted_gru):
    model, report = fitted_gru
    test = DIV3.sample("test", 1000, seed=0, length=6)
    accuracy = (model.predict(test.texts) == test.labels).mean()
    assert report.steps <= 400
    assert accuracy >= 0.9, f"GRU reached only {accuracy:.3f} on 6-digit multiples of 3"


def test_padding_never_changes_an_answer(fitted_gru):
    model, _ = fitted_gru
    network = model.network
    short = np.array(["12", "7", "123456"])
    long_one = "9" * 1000
    alone = encode(short, DIV3.alphabet)
    with_long = encode(np.append(short, long_one), DIV3.alphabet)
    with torch.no_grad():
        logits_alone = network(*alone)
        logits_padded = network(*with_long)[:3]
    assert with_long.ids.shape[1] == 1000  # the short strings really were padded
    torch.testing.assert_close(logits_alone, logits_padded)
    assert model.predict(short).tolist() == model.predict(np.append(short, long_one))[:3].tolist()


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_every_cell_gives_one_logit_per_string(cell):
    network = RecurrentClassifier(3, RNNConfig(cell=cell, hidden_size=4, layers=2))
    network.reset_parameters(torch.Generator().manual_seed(0))
    ids, lengths = encode(np.array(["0", "1212", "22"]), "012")
    assert network(ids, lengths).shape == (3,)


def test_registered_models_fix_their_cell():
    assert create_model("rnn").config.cell == "rnn"
    assert create_model("lstm", hidden_size=8).config.hidden_size == 8
    with pytest.raises(InvalidArgument, match="is a gru network"):
        create_model("gru", cell="lstm")
    with pytest.raises(InvalidArgument, match="unknown option 'width'"):
        create_model("gru", width=3)


def test_predict_before_fit_is_a_clear_error():
    with pytest.raises(InvalidArgument, match="fitted"):
        GRUModel().predict(np.array(["1"]))


def test_encoding_pads_with_its_own_id_and_rejects_foreign_symbols():
    batch = encode(np.array(["10", "2"]), "012")
    assert batch.ids.tolist() == [[1, 0], [2, pad_id("012")]]
    assert batch.lengths.tolist() == [2, 1]
    with pytest.raises(InvalidInput, match="'7' at position 2"):
        encode(np.array(["0", "17"]), "012")


def test_length_buckets_cover_every_row_once_within_the_token_budget():
    lengths = np.array([5, 1000, 3, 1000, 7, 2])
    buckets = list(length_buckets(lengths, max_tokens=2000))
    assert sorted(np.concatenate(buckets).tolist()) == list(range(len(lengths)))
    assert all(len(b) * lengths[b].max() <= 2000 for b in buckets)
