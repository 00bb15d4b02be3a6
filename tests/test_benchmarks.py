"""The benchmarks' own checks: side-by-side fits take variants, the step timer's gradient is autograd's,
and the error sorter accounts for every wrong answer."""

from __future__ import annotations

import argparse

import pytest

from benchmarks import bench_vs_rpni


def test_a_variant_is_fitted_with_its_options_and_named_by_them() -> None:
    args = argparse.Namespace(profile="quick", train_size=300)
    row = bench_vs_rpni.fit_and_prove("linear-rnn:width=4,max_steps=50", "even-base3", 0, args)
    assert row["model"] == "linear-rnn[max_steps=50,width=4]"
    assert 0 < row["work"] <= 50  # the option reached the model: at most 50 optimiser steps


def test_a_misspelt_option_stops_before_any_fit(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        bench_vs_rpni.main(["--models", "rpni", "linear-rnn:widht=4"])
    assert stopped.value.code == 2
    printed = capsys.readouterr()
    assert "unknown option 'widht'" in printed.err and "width" in printed.err
    assert "torch's one-time imports" not in printed.out  # refused before the warm-up, let alone a fit


def test_the_step_benchmark_s_hand_written_gradient_is_autograd_s() -> None:
    """`benchmarks.linear_rnn_step` times a gradient written out by hand: it must be the same one."""
    import torch

    from baselines.automaton_learners.linear_rnn import LinearRNN
    from benchmarks.linear_rnn_step import hand_gradients

    network = LinearRNN("0123", width=5)
    network.reset_parameters(torch.Generator().manual_seed(3))
    ids = torch.randint(0, 5, (7, 4), generator=torch.Generator().manual_seed(4))  # 4: padding
    labels = torch.tensor([1.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0])
    ((network.states(ids) @ network.readout - labels) ** 2).mean().backward()
    by_hand = hand_gradients(network, ids, labels)
    for mine, parameter in zip(by_hand, (network.matrices, network.start, network.readout)):
        assert torch.allclose(mine, parameter.grad, atol=1e-5)


def test_equation_errors_sorts_wrong_answers_by_shape(capsys: pytest.CaptureFixture[str]) -> None:
    """`benchmarks.equation_errors`: every wrong answer lands in one shape, and report seeds are refused."""
    from benchmarks import equation_errors

    frame = equation_errors.report("add-base2", "last-digits", 0, [0], [3], 200, examples=1)
    assert list(frame["n"]) == [frame["n"][0], 200]  # the training strings, then the one test set
    assert (frame[list(equation_errors.SHAPES)].sum(axis=1) == frame["wrong"]).all()
    assert frame["wrong"][1] > 0  # a last-digits rule misses near misses above its digits
    with pytest.raises(SystemExit) as stopped:
        equation_errors.main(["add-base2", "--model", "last-digits", "--seed", "101"])
    assert stopped.value.code == 2 and "report seeds" in capsys.readouterr().err
