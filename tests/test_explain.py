"""Automaton extraction: exact on exact networks, deterministic, honest about what does not apply."""

from __future__ import annotations

import doctest
import json

import numpy as np
import pytest
import torch

import baselines.automata.extraction as extraction_module
import baselines.training.hidden_states as hidden_module
import hofstadter.explain as explain_module
import hofstadter.reports.hidden_state_plot as state_plot_module
from baselines import create_model
from baselines.automata.dfa import DFA
from baselines.automata.extraction import (
    DFARecurrence,
    PrefixTrace,
    extract,
    kmeans,
    record_prefixes,
    without_empty,
)
from baselines.references.fsa import exact_automaton
from baselines.training.hidden_states import recurrence_of
from challenges import get_challenge
from hofstadter.cli import main
from hofstadter.explain import explain


@pytest.fixture(autouse=True)
def _one_thread():
    """Two cores are shared: keep torch to one thread, as the benchmark scripts do."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.mark.parametrize("module", [extraction_module, hidden_module, explain_module, state_plot_module])
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize("challenge_id", ["div3-base10", "div7-base10", "even-base3"])
def test_compiled_rnn_gives_back_the_exact_minimal_automaton(challenge_id):
    challenge = get_challenge(challenge_id)
    report = explain(challenge, "rnn-compiled", profile="smoke", lengths=(challenge.max_train_length + 1,))
    reference = exact_automaton(challenge)
    minimal = report.extraction.minimal
    assert minimal.num_states == reference.num_states == challenge.min_states
    # minimize() numbers states breadth-first, so equal languages give identical tables
    assert np.array_equal(minimal.transitions, reference.transitions)
    assert np.array_equal(minimal.accepting, reference.accepting)
    assert report.equivalent and report.counterexample is None
    assert report.purity.overall == 1.0 and report.agreement == 1.0
    assert [m.accuracy for m in report.extracted_metrics] == [1.0]


def test_explain_json_shape(tmp_path, capsys):
    code = main([
        "explain", "div3-base10", "--model", "rnn-compiled", "--json", "--profile", "smoke",
        "--lengths", "3", "100", "--results", str(tmp_path),
    ])  # fmt: skip
    assert code == 0
    record = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert record["extracted_states"] == record["reference_states"] == 3
    assert record["equivalent"] is True and record["counterexample"] is None
    assert record["purity"] == 1.0 and record["purity_by"] == "residue mod 3"
    assert record["k"] == 3 and record["sweep"][-1]["k"] == 3
    for key in ("extracted_metrics", "net_metrics"):
        assert [(m["split"], m["length"]) for m in record[key]] == [("test", 3), ("test", 100)]
        assert all(set(m) == {"split", "length", "accuracy", "n"} for m in record[key])
    assert record["plot"].endswith("div3-base10-rnn-compiled-seed0.png")
    assert (tmp_path / "explain" / "div3-base10-rnn-compiled-seed0.png").stat().st_size > 0


def _noisy_trace(seed: int) -> PrefixTrace:
    """A mod-3 trace whose one-hot states are blurred by noise, as a trained network's would be."""
    trace = record_prefixes(DFARecurrence(exact_automaton(get_challenge("div3-base10"))), 3)
    noise = np.random.default_rng(seed).normal(scale=0.2, size=trace.states.shape)
    return PrefixTrace(trace.texts, trace.parent, trace.symbol, trace.states + noise,
                       trace.accepted, trace.alphabet)  # fmt: skip


def test_clustering_is_a_function_of_the_generator():
    points = _noisy_trace(0).states
    first = kmeans(points, 4, np.random.default_rng(7))
    again = kmeans(points, 4, np.random.default_rng(7))
    assert np.array_equal(first.centroids, again.centroids)
    trace = _noisy_trace(1)
    one, two = (extract(trace, 5, np.random.default_rng(3)) for _ in range(2))
    assert np.array_equal(one.clusters, two.clusters)
    assert np.array_equal(one.minimal.transitions, two.minimal.transitions)


def test_extraction_sees_through_noise_and_extra_clusters():
    # Six clusters for three states: minimisation must merge the halves again.
    reference = exact_automaton(get_challenge("div3-base10"))
    result = extract(_noisy_trace(2), 6, np.random.default_rng(0))
    assert result.minimal.num_states == 3
    assert without_empty(result.minimal).equivalent(without_empty(reference)) is None


def test_an_automaton_that_is_wrong_gets_the_shortest_counterexample():
    reference = exact_automaton(get_challenge("div3-base10"))
    wrong = DFA(reference.transitions, 0, np.array([True, True, False]), reference.alphabet)
    assert without_empty(wrong).equivalent(without_empty(reference)) == "1"


@pytest.mark.parametrize("model_id, layers", [("gru", 1), ("lstm", 2), ("rnn", 1)])
def test_stepping_a_network_by_hand_matches_its_predictions(model_id, layers):
    challenge = get_challenge("div3-base10")
    model = create_model(model_id, hidden_size=6, layers=layers, max_steps=3)
    model.fit(challenge, challenge.sample("train", 64), challenge.sample("val", 32), seed=0)
    net = recurrence_of(model)
    texts = np.concatenate([challenge.sample("test", 200, seed=1, length=n).texts for n in (2, 5, 9)])
    symbols = model.alphabet
    hidden = net.initial(len(texts))
    final = np.zeros(len(texts), dtype=bool)
    for t in range(9):  # every string walks its own length; finished ones are read off on the way
        rows = np.flatnonzero(np.strings.str_len(texts) > t)
        hidden[rows] = net.step(hidden[rows], np.array([symbols.index(s[t]) for s in texts[rows]]))
        done = rows[np.strings.str_len(texts[rows]) == t + 1]
        final[done] = net.accepts(hidden[done])
    assert np.array_equal(final, model.predict(texts))


@pytest.mark.parametrize(
    "argv, words",
    [
        (["explain", "add-base10", "--model", "gru"], "not regular"),
        (["explain", "div3-base10", "--model", "fsa"], "no hidden states"),
    ],
)
def test_what_cannot_be_explained_is_one_line_and_exit_2(argv, words, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and words in err


def _saved_gru(path, trained_on, hidden_size=64):
    """An untrained GRU saved as a checkpoint that says what it was trained on (no training: the
    checks refuse it before anything would use its weights)."""
    from baselines.training.train import save_checkpoint

    model = create_model("gru", hidden_size=hidden_size)
    model.alphabet, model.network = "0123456789", model.build("0123456789", None)
    return save_checkpoint(model, path, trained_on)


DIV3_GRU = {"challenge": "div3-base10", "challenge_version": 1, "seed": 0, "train_lengths": [1, 6]}


def test_a_checkpoint_of_another_challenge_is_refused_naming_it(tmp_path, capsys):
    path = _saved_gru(tmp_path / "gru.pt", DIV3_GRU)
    code = main(["explain", "div7-base10", "--model", "gru", "--checkpoint", str(path),
                 "--results", str(tmp_path)])  # fmt: skip
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and err[-1].startswith("error:") and "Traceback" not in "".join(err)
    assert "trained on div3-base10 (version 1), not div7-base10" in err[-1]
    assert not (tmp_path / "explain" / "div7-base10-gru-seed0.png").exists()


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--model", "gru:hidden_size=8"], "hidden_size=64 (asked 8)"),
        (["--model", "gru", "--seed", "3"], "seed=0 (asked 3)"),
        (["--model", "gru", "--train-lengths", "1-4"], "train lengths=(1, 6) (asked (1, 4))"),
    ],
)
def test_a_checkpoint_is_not_relabelled_with_what_was_asked(tmp_path, capsys, argv, words):
    path = _saved_gru(tmp_path / "gru.pt", DIV3_GRU)
    code = main(["explain", "div3-base10", *argv, "--checkpoint", str(path), "--results", str(tmp_path)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and words in err[-1] and "'gru' network trained with" in err[-1]


def test_a_checkpoint_that_does_not_say_what_it_was_trained_on_is_refused(tmp_path, capsys):
    path = _saved_gru(tmp_path / "gru.pt", None)
    code = main(["explain", "div3-base10", "--model", "gru", "--checkpoint", str(path),
                 "--results", str(tmp_path)])  # fmt: skip
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and "does not say which challenge its network was trained on" in err[-1]


def test_a_matching_checkpoint_is_loaded_and_says_what_it_holds(tmp_path, capsys):
    path = _saved_gru(tmp_path / "gru.pt", DIV3_GRU, hidden_size=8)
    code = main(["explain", "div3-base10", "--model", "gru", "--checkpoint", str(path), "--clusters", "3",
                 "--max-length", "2", "--lengths", "3", "--results", str(tmp_path), "--json"])  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 0, err
    assert f"explain: loads gru from {path}" in err
    fit = json.loads(out.strip().splitlines()[-1])["fit"]
    assert fit["trained_on"]["challenge"] == "div3-base10" and fit["config"]["hidden_size"] == 8


def test_explain_says_what_it_will_do_before_training(tmp_path, capsys):
    code = main(["explain", "div3-base10", "--model", "rnn-compiled", "--profile", "smoke",
                 "--lengths", "3", "--results", str(tmp_path)])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 0
    assert err.startswith("explain: builds rnn-compiled for div3-base10 (no training), then records the "
                          "hidden state after each of ~1,000 prefixes (up to 3 symbols)")  # fmt: skip


def test_a_checkpoint_explain_saved_is_refused_for_another_challenge(tmp_path, capsys):
    """The round trip: what explain --checkpoint writes says what it was trained on."""
    path = tmp_path / "gru.pt"
    small = ["--clusters", "3", "--max-length", "2", "--lengths", "3", "--results", str(tmp_path)]
    code = main(["explain", "div3-base10", "--model", "gru:hidden_size=4", "--profile", "smoke",
                 "--checkpoint", str(path), *small])  # fmt: skip
    assert code == 0 and path.exists()
    capsys.readouterr()
    code = main(["explain", "div7-base10", "--model", "gru", "--checkpoint", str(path), *small])
    assert code == 2 and "trained on div3-base10 (version 1), not div7-base10" in capsys.readouterr().err
