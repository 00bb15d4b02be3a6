"""``explain``: extract the automaton a trained recurrent network computes, and compare it.

``python -m challenges explain div3-base10 --model gru`` trains a GRU with the quick profile's
budgets, extracts its automaton (:mod:`hofstadter.explain`), prints the automaton as a table,
the comparison with the reference and accuracy per length of both, and writes a PNG of the
hidden states. With ``--json`` the last line of stdout is one JSON object.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from baselines import get_model_class
from baselines.model_spec import parse_model_spec
from challenges import get_challenge
from hofstadter.commands import _args
from hofstadter.commands._output import console as make_console
from hofstadter.commands.evaluate_cmd import scored_lengths
from hofstadter.commands.run_cmd import time_sources
from hofstadter.estimate import duration, estimate
from hofstadter.profiles import PROFILES
from hofstadter.run import Cell, check_train_lengths
from hofstadter.store import ResultStore


def register(subcommands: argparse._SubParsersAction) -> None:
    p = subcommands.add_parser(
        "explain",
        help="extract the automaton a trained recurrent network computes; compare with the reference",
        description="Train MODEL, cluster its hidden states after every prefix up to --max-length "
        "symbols into discrete states, read off and minimise the automaton, and compare it with "
        "the reference automaton of the (regular) challenge.",
    )
    p.add_argument("id", help="a regular challenge, e.g. div3-base10")
    p.add_argument("--model", required=True,
                   help="a recurrent model: gru, lstm, rnn, sr-gru, sr-so-gru, rnn-compiled; with options as "
                   "MODEL:key=value,... (gru:hidden_size=16)")  # fmt: skip
    p.add_argument("--seed", type=_args.seed, default=0, help="training and clustering seed")
    p.add_argument("--profile", choices=sorted(PROFILES), default="quick", help="training budgets")
    p.add_argument("--train-lengths", type=_args.length_range, metavar="A-B",
                   help="train on lengths A..B only (default: the challenge's training range)")  # fmt: skip
    p.add_argument("--max-length", type=_args.length, metavar="L",
                   help="record every prefix up to L symbols (default: ~60,000 prefixes: 4 digits "
                   "in base 10, 10 in base 3; a tenth of that with --profile smoke)")  # fmt: skip
    p.add_argument("--clusters", type=_args.count, metavar="K",
                   help="cluster into exactly K states (default: the smallest K that agrees with "
                   "the network on --threshold of held-out strings)")  # fmt: skip
    p.add_argument("--max-clusters", type=_args.count, default=64, metavar="K",
                   help="largest K the sweep tries (default 64)")  # fmt: skip
    p.add_argument("--threshold", type=float, default=0.995,
                   help="agreement with the network that stops the sweep (default 0.995)")  # fmt: skip
    p.add_argument("--lengths", type=_args.length, nargs="+", metavar="L",
                   help="lengths to score (default: the whole test split, up to 1000 digits)")  # fmt: skip
    p.add_argument("--results", type=_args.directory, default=_args.DEFAULT_RESULTS, metavar="DIR",
                   help="the plot goes to DIR/explain/ID-MODEL-seedS.png "
                   f"(default: {_args.DEFAULT_RESULTS}/)")  # fmt: skip
    p.add_argument("--checkpoint", type=Path, metavar="PATH",
                   help="load the fitted network from PATH if it exists; else train and save it "
                   "there (learned networks only)")  # fmt: skip
    p.add_argument("--json", action="store_true", help="print one JSON object as the last line")
    p.set_defaults(handler=explain_command)


def explain_command(args: argparse.Namespace) -> int:
    # torch and the networks' modules load here, not when the CLI starts (see tests/test_layers.py)
    from hofstadter.explain import ExplainOptions, check_explainable, default_max_length, explain

    challenge = get_challenge(args.id)
    spec = parse_model_spec(args.model)
    check_train_lengths(challenge, args.train_lengths)
    _args.require_writable_dir(args.results / "explain", "--results")  # before any training
    if args.checkpoint is not None and not args.checkpoint.exists():
        _args.require_writable_file(args.checkpoint, "--checkpoint")
    options = ExplainOptions(
        profile=args.profile,
        train_lengths=args.train_lengths,
        max_length=args.max_length,
        clusters=args.clusters,
        max_clusters=args.max_clusters,
        threshold=args.threshold,
        lengths=None if args.lengths is None else scored_lengths(challenge, args.lengths),
        plot=args.results / "explain" / f"{challenge.id}-{spec.label}-seed{args.seed}.png",
        checkpoint=args.checkpoint,
        model_options=dict(spec.options),
    )
    check_explainable(challenge, spec.model, options)  # a usage error is the only line printed
    status = Console(stderr=True, highlight=False)
    max_length = args.max_length or default_max_length(challenge.base, args.profile)
    # before minutes of training
    status.print(notice(challenge, spec, args, max_length), markup=False, soft_wrap=True)
    with status.status("explaining") as spinner:
        report = explain(challenge, spec.model, args.seed, options,
                         progress=lambda message: spinner.update(message))  # fmt: skip
    console = make_console(stderr=args.json)  # keep stdout for the JSON line
    console.print(automaton_table(report))
    console.print(summary(report))
    console.print(accuracy_table(report))
    if args.json:
        print(json.dumps(report.to_dict()))
    return 0


def notice(challenge, spec, args: argparse.Namespace, max_length: int) -> str:  # noqa: ANN001
    """What ``explain`` is about to do (recording prefixes up to ``max_length`` symbols), and a rough
    time for the training from earlier runs."""
    then = (f"then records the hidden state after each of ~{challenge.base ** max_length:,} prefixes "
            f"(up to {max_length} symbols) and clusters them")  # fmt: skip
    if args.checkpoint is not None and args.checkpoint.exists():
        return f"explain: loads {spec.label} from {args.checkpoint}, {then}"
    cell = Cell(challenge.id, spec.model, args.seed, args.profile)
    guess = estimate([cell], time_sources(ResultStore(args.results / "runs.jsonl")), jobs=1)
    if not get_model_class(spec.model).trainable:
        return f"explain: builds {spec.label} for {challenge.id} (no training), {then}"
    took = "no earlier run recorded its time"
    if guess.known:
        took = (f"about {duration(guess.seconds)} in earlier runs of {spec.model}, a rough estimate "
                f"from {guess.source}")  # fmt: skip
    return (f"explain: trains {spec.label} on {challenge.id} with the {args.profile} profile's budget "
            f"-- {took} -- {then}")  # fmt: skip


def automaton_table(report) -> Table:
    """One row per extracted state: what its prefixes mean, whether it accepts, where it goes."""
    minimal = report.extraction.minimal
    table = Table(title=f"automaton extracted from {report.model_id} on {report.challenge.id} "
                  f"(k = {report.extraction.k} clusters, seed {report.seed})")  # fmt: skip
    table.add_column("state", justify="right")
    table.add_column(f"{report.labels.name} (share of its prefixes)")
    table.add_column("accepts")
    for symbol in minimal.alphabet:
        table.add_column(symbol, justify="right")
    counts = report.purity.counts
    for state in range(minimal.num_states):
        total = counts[state].sum()
        held = [
            f"{label} ({100 * counts[state, label] / total:.0f}%)"
            for label in counts[state].argsort()[::-1][:3]
            if counts[state, label]
        ]
        name = f"->{state}" if state == minimal.start else str(state)
        table.add_row(name, ", ".join(held) or "(start only)", "yes" if minimal.accepting[state] else "no",
                      *map(str, minimal.transitions[state].tolist()))  # fmt: skip
    return table


def summary(report) -> Text:
    """The verdict line and figures, styled with rich ``Text`` (these consoles parse no markup:
    a counterexample may hold brackets)."""
    minimal, reference = report.extraction.minimal, report.reference
    verdict = (
        Text("equivalent to the reference", style="green")
        if report.equivalent
        else Text.assemble(("not equivalent", "red"), f": shortest counterexample {report.counterexample!r}")
    )
    return Text.assemble(
        f"{minimal.num_states} states extracted (reference: {reference.num_states}), ",
        verdict,
        f"\npurity by {report.labels.name}: {100 * report.purity.overall:.2f}%; agreement with the "
        f"network on held-out strings of {report.max_length + 1}-{report.max_length + 2} symbols: "
        f"{100 * report.agreement:.2f}%; {len(report.trace):,} prefixes recorded"
        + (f"\nplot: {report.plot}" if report.plot else ""),
    )


def accuracy_table(report) -> Table:
    table = Table(title="accuracy per length: extracted automaton vs the network")
    for column in ("length", "automaton", "network", "n"):
        table.add_column(column, justify="right")
    max_train = report.challenge.max_train_length
    for ours, net in zip(report.extracted_metrics, report.net_metrics):
        table.add_row(str(ours.length), f"{100 * ours.accuracy:.2f}%", f"{100 * net.accuracy:.2f}%",
                      str(ours.n), style="dim" if ours.length > max_train else None)  # fmt: skip
    return table
