"""What does a trained network compute? Extract its automaton and set it beside the reference.

``explain(challenge, model_id, seed)`` fits the model (or builds it, for ``rnn-compiled``), records
its hidden state after every prefix of every well-formed string up to ``max_length`` symbols,
clusters the states and reads off a minimal automaton (:mod:`baselines.automata.extraction`), then:

* picks the number of clusters ``k`` by measurement: the smallest ``k`` whose automaton agrees with
  the network on ``threshold`` of held-out strings (test-split strings one and two symbols longer
  than any recorded prefix), or the best one if none does;
* compares that automaton with the reference (state counts, equivalence, shortest counterexample)
  on non-empty strings: the empty string is not a number, and no network is asked about it;
* says what each extracted state holds: the residues mod m of its prefixes (the reference
  automaton's states for a regular challenge of another family), and how pure that is;
* scores the automaton and the network per length up to 1000 digits, on the same test sets;
* plots the hidden states' first two principal components, coloured by residue.

>>> from challenges import get_challenge
>>> report = explain(get_challenge("div3-base10"), "rnn-compiled", lengths=(3, 100))
>>> report.extraction.minimal.num_states, report.equivalent, report.purity.overall
(3, True, 1.0)
>>> [(m.length, m.accuracy) for m in report.extracted_metrics]
[(3, 1.0), (100, 1.0)]
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

import baselines
from baselines.automata.extraction import (
    choose_k,
    default_ks,
    extract,
    purity,
    record_prefixes,
    without_empty,
)
from baselines.base import fit_report, task_for
from baselines.references.fsa import exact_automaton, why_no_exact_automaton
from baselines.training.hidden_states import recurrence_of, why_no_hidden_states
from baselines.training.train import read_checkpoint, save_checkpoint
from challenges.core import Challenge
from challenges.errors import InvalidArgument, InvalidInput, NotApplicable
from challenges.evaluate import Metric, score
from hofstadter.experiment import model_options_for, training_data
from hofstadter.profiles import Profile, get_profile
from hofstadter.reports.hidden_state_plot import plot_states

if TYPE_CHECKING:  # challenges never import baselines at load time (see commands/evaluate_cmd.py)
    from baselines.automata.dfa import DFA
    from baselines.automata.extraction import Extraction, PrefixTrace, Purity, SweepPoint
    from baselines.base import Model

MAX_PREFIXES = 2_000_000


def default_max_length(base: int, profile: str = "quick") -> int:
    """The longest prefix length whose strings number about the profile's ``explain_prefixes``
    (:class:`hofstadter.profiles.Profile`; a tenth for the smoke profile).

    >>> [default_max_length(b) for b in (2, 3, 10)], default_max_length(10, "smoke")
    ([15, 10, 4], 3)
    """
    budget = get_profile(profile).explain_prefixes
    return max(1, int(math.log(budget) / math.log(base)))


@dataclass(frozen=True)
class ExplainOptions:
    """Settings of one explanation; defaults suit the quick profile on two CPU cores."""

    profile: str = "quick"
    train_lengths: tuple[int, int] | None = None
    max_length: int | None = None  # default: default_max_length(base, profile)
    clusters: int | None = None  # a fixed k instead of the sweep
    max_clusters: int = 64
    threshold: float = 0.995
    held_out: int = 1000  # strings per held-out length for choosing k
    lengths: tuple[int, ...] | None = None  # scored lengths (default: the whole test split)
    plot: Path | None = None  # where the PNG goes (None: no plot)
    checkpoint: Path | None = None  # load the fitted network from here if present, else save it
    model_options: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 0 < self.threshold <= 1:
            raise InvalidArgument(f"threshold must be in (0, 1], got {self.threshold}")
        if self.clusters is not None and self.clusters < 1:
            raise InvalidArgument(f"clusters must be at least 1, got {self.clusters}")
        if self.max_clusters < 2:
            raise InvalidArgument(f"max clusters must be at least 2, got {self.max_clusters}")


@dataclass(frozen=True)
class StateLabels:
    """What each recorded prefix *means*: its residue, or the reference automaton's state."""

    name: str  # e.g. "residue mod 7"
    values: np.ndarray  # one per trace node
    count: int


@dataclass
class Explanation:
    """Everything ``explain`` measured; :meth:`to_dict` is the ``--json`` line."""

    challenge: Challenge
    model_id: str
    seed: int
    max_length: int
    trace: PrefixTrace
    extraction: Extraction
    sweep: list[SweepPoint]
    agreement: float
    reference: DFA
    counterexample: str | None
    labels: StateLabels
    node_states: np.ndarray  # the minimal automaton's state standing for each node (-1: none)
    purity: Purity
    extracted_metrics: list[Metric]
    net_metrics: list[Metric]
    fit: dict
    plot: Path | None

    @property
    def equivalent(self) -> bool:
        return self.counterexample is None

    def to_dict(self) -> dict[str, Any]:
        minimal = self.extraction.minimal
        per_state = self.purity.per_state
        return {
            "challenge": self.challenge.id,
            "model": self.model_id,
            "seed": self.seed,
            "max_length": self.max_length,
            "prefixes": len(self.trace),
            "k": self.extraction.k,
            "agreement": self.agreement,
            "sweep": [point.to_dict() for point in self.sweep],
            "extracted_states": minimal.num_states,
            "reference_states": self.reference.num_states,
            "equivalent": self.equivalent,
            "counterexample": self.counterexample,
            "purity": self.purity.overall,
            "purity_by": self.labels.name,
            "state_purity": [None if np.isnan(p) else float(p) for p in per_state],
            "automaton": {
                "alphabet": minimal.alphabet,
                "start": minimal.start,
                "transitions": minimal.transitions.tolist(),
                "accepting": minimal.accepting.tolist(),
            },
            "extracted_metrics": [m.to_dict() for m in self.extracted_metrics],
            "net_metrics": [m.to_dict() for m in self.net_metrics],
            "fit": self.fit,
            "plot": None if self.plot is None else str(self.plot),
        }


def explain(
    challenge: Challenge,
    model_id: str,
    seed: int = 0,
    options: ExplainOptions | None = None,
    progress: Callable[[str], None] | None = None,
    **overrides: Any,
) -> Explanation:
    """Fit ``model_id`` on ``challenge`` and explain it (see the module docstring).

    ``overrides`` replace fields of ``options`` (``explain(c, "gru", lengths=(6,))``);
    ``progress`` receives a line saying what is being done.
    """

    options = ExplainOptions(**{**(options or ExplainOptions()).__dict__, **overrides})
    say = progress or (lambda message: None)
    reference, model = check_explainable(challenge, model_id, options)
    max_length = options.max_length or default_max_length(challenge.base, options.profile)
    profile = get_profile(options.profile)
    if options.checkpoint is not None and options.checkpoint.exists():
        say(f"loading {model_id} from {options.checkpoint}")
        model, trained_on = load_fitted(options.checkpoint, model, challenge, seed, options)
        fit = {"checkpoint": str(options.checkpoint), "trained_on": trained_on,
               "config": model.config_dict()}  # fmt: skip
    else:
        say(f"fitting {model_id} on {challenge.id} (seed {seed})")
        fit = fit_model(model, challenge, seed, profile, options.train_lengths)
        if options.checkpoint is not None:
            trained_on = {"challenge": challenge.id, "challenge_version": challenge.version, "seed": seed,
                          "train_lengths": fit["train_lengths"], "profile": profile.name}  # fmt: skip
            fit["checkpoint"] = str(save_checkpoint(model, options.checkpoint, trained_on))

    say(f"recording hidden states of every prefix up to {max_length} symbols")
    trace = record_prefixes(recurrence_of(model), max_length, well_formed_mask(challenge))
    extraction, sweep, agreement = _extract(trace, model, challenge, options, seed, max_length, say)
    labels = prefix_labels(challenge, trace, reference)
    node_states = extraction.minimal_states_of_nodes()
    inner = slice(1, None)  # the empty prefix is the start state's, not a cluster's
    state_purity = purity(
        node_states[inner], labels.values[inner], extraction.minimal.num_states, labels.count
    )

    say("scoring the extracted automaton and the network per length")
    sizes = profile.test_size_for(challenge)
    extracted_metrics = score(extraction.minimal.run_many, challenge, options.lengths, n=sizes)
    net_metrics = score(model.predict, challenge, options.lengths, n=sizes)
    plot = None
    if options.plot is not None:
        plot = plot_states(
            trace.states[inner], labels.values[inner], options.plot,
            f"{model_id} on {challenge.id}, seed {seed}: hidden states after each prefix",
            labels.name, np.random.default_rng(seed),
        )  # fmt: skip
    return Explanation(
        challenge=challenge, model_id=model_id, seed=seed, max_length=max_length, trace=trace,
        extraction=extraction, sweep=sweep, agreement=agreement, reference=reference,
        counterexample=without_empty(extraction.minimal).equivalent(without_empty(reference)),
        labels=labels, node_states=node_states, purity=state_purity,
        extracted_metrics=extracted_metrics, net_metrics=net_metrics, fit=fit, plot=plot,
    )  # fmt: skip


def check_explainable(challenge: Challenge, model_id: str, options: ExplainOptions) -> tuple[DFA, Model]:
    """The reference automaton and an unfitted model, or why ``explain`` cannot run.

    Everything is checked before training, which takes a while.
    """

    reason = why_no_exact_automaton(challenge, "explain")
    if reason:
        raise NotApplicable(reason + ": there is no reference automaton to compare with")
    max_length = options.max_length or default_max_length(challenge.base, options.profile)
    if challenge.base**max_length > MAX_PREFIXES:
        raise InvalidArgument(
            f"max length {max_length} in base {challenge.base} means ~{challenge.base**max_length:,} "
            f"prefixes; the limit is {MAX_PREFIXES:,}"
        )
    profile = get_profile(options.profile)
    built_with = model_options_for(model_id, profile, "cpu", options.model_options)
    model = baselines.create_model(model_id, **built_with)
    reason = why_no_hidden_states(model) or model.applies_to(baselines.task_for(model, challenge))
    if reason:
        raise NotApplicable(reason)
    if options.checkpoint is not None and not model.trainable:
        raise InvalidArgument(f"--checkpoint is for learned networks; '{model_id}' is built, not trained")
    return exact_automaton(challenge), model


def _extract(
    trace: PrefixTrace, model: Model, challenge: Challenge, options: ExplainOptions, seed: int,
    max_length: int, say: Callable[[str], None],
) -> tuple[Extraction, list[SweepPoint], float]:  # fmt: skip
    """The extraction at the chosen (or given) k, the sweep, and its agreement with the network.

    Agreement is measured on test-split strings one and two symbols longer than any recorded
    prefix: strings the clustering never saw, in the range where the network is still reliable.
    """

    held_out = np.concatenate([
        challenge.sample("test", n=options.held_out, seed=seed, length=max_length + extra).texts
        for extra in (1, 2)
    ])  # fmt: skip
    verdicts = model.predict(held_out)

    def agreement(dfa: DFA) -> float:
        return float((dfa.run_many(held_out) == verdicts).mean())

    if options.clusters is not None:
        say(f"clustering into {options.clusters} states")
        extraction = extract(trace, options.clusters, np.random.default_rng((seed, options.clusters)))
        return extraction, [], agreement(extraction.minimal)
    say(f"choosing the number of clusters (up to {options.max_clusters})")
    extraction, sweep = choose_k(trace, default_ks(options.max_clusters), agreement, options.threshold, seed)
    return extraction, sweep, agreement(extraction.minimal)


def fit_model(
    model: Model, challenge: Challenge, seed: int, profile: Profile,
    train_lengths: tuple[int, int] | None,
) -> dict[str, Any]:  # fmt: skip
    """Fit ``model`` on the data :func:`hofstadter.experiment.run_experiment` draws for it.

    Same sizes, seed and length range, so ``explain`` looks inside the network ``run`` scores
    (up to the wall-clock budget, which cuts training short on a busy machine).
    """


    train, val, lengths = training_data(challenge, seed, profile, train_lengths)
    task = task_for(model, challenge, train_lengths)
    report = fit_report(model.fit(task, train, val, seed=seed))
    return {**asdict(report), "train_lengths": list(lengths)}


def load_fitted(
    path: Path, asked: Model, challenge: Challenge, seed: int, options: ExplainOptions
) -> tuple[Model, dict[str, Any]]:
    """A network saved by an earlier ``explain --checkpoint`` and what it was trained on, refused
    in one line unless it is what is asked: a checkpoint is not trusted to be the network that
    the report, the plot and its file name would call it.

    ``asked`` is the unfitted model built from the command line: each option given there
    (``gru:hidden_size=8``) must be the checkpoint's; the others are the checkpoint's own.
    """

    model, trained_on = read_checkpoint(path)
    if model.id != asked.id or model.alphabet != challenge.alphabet:
        raise InvalidArgument(
            f"{path} holds a '{model.id}' network over {model.alphabet!r}; asked for '{asked.id}' "
            f"on {challenge.id} (alphabet {challenge.alphabet!r})"
        )
    again = "give what it was trained with, or another --checkpoint path to train and save anew"
    if "challenge" not in trained_on:
        raise InvalidArgument(f"{path} does not say which challenge its network was trained on (saved "
                              f"before checkpoints said so): delete it, or {again}")  # fmt: skip
    trained = (trained_on["challenge"], trained_on.get("challenge_version", challenge.version))
    if trained != (challenge.id, challenge.version):
        raise InvalidArgument(
            f"{path} holds a '{model.id}' network trained on {trained[0]} (version {trained[1]}), "
            f"not {challenge.id} (version {challenge.version}): {again}"
        )
    differences = [
        f"{name}={saved!r} (asked {wanted!r})"
        for name, wanted, saved in _asked_and_saved(asked, model, trained_on, seed, options)
        if saved != wanted
    ]
    if differences:
        raise InvalidArgument(f"{path} holds a '{model.id}' network trained with "
                              f"{', '.join(differences)}: {again}")  # fmt: skip
    return model, trained_on


def _asked_and_saved(
    asked: Model, saved: Model, trained_on: dict[str, Any], seed: int, options: ExplainOptions
) -> list[tuple[str, Any, Any]]:
    """(setting, asked on the command line, held by the checkpoint) for each setting asked for."""
    pairs = [("seed", seed, trained_on.get("seed", seed))]
    if options.train_lengths is not None:
        held = tuple(trained_on.get("train_lengths") or options.train_lengths)
        pairs.append(("train lengths", tuple(options.train_lengths), held))
    asked_config, saved_config = asked.config_dict(), saved.config_dict()
    pairs += [(name, asked_config.get(name), saved_config.get(name)) for name in options.model_options]
    return pairs


def well_formed_mask(challenge: Challenge) -> Callable[[np.ndarray], np.ndarray]:
    """``texts -> mask`` of the strings the challenge's oracle accepts as input (no leading 0)."""

    def mask(texts: np.ndarray) -> np.ndarray:
        ok = np.ones(len(texts), dtype=bool)
        for i, text in enumerate(texts.tolist()):
            try:
                challenge.language.parse(text)
            except InvalidInput:
                ok[i] = False
        return ok

    return mask


def prefix_labels(challenge: Challenge, trace: PrefixTrace, reference: DFA) -> StateLabels:
    """The residue mod m of every prefix for divisibility; the reference's state otherwise.

    Both are a walk down the prefix tree with a table ``label, symbol -> label``: the residue
    table is ``(r * base + digit) mod m`` (digit = symbol index), the reference's its transitions.
    """
    modulus = dict(challenge.parameters).get("modulus")
    if challenge.family == "divisibility" and modulus is not None:
        table = (np.arange(modulus)[:, None] * challenge.base + np.arange(challenge.base)) % modulus
        name, start = f"residue mod {modulus}", 0
    else:
        table, name, start = reference.transitions, "reference state", reference.start
    values = np.empty(len(trace), dtype=np.intp)
    values[0] = start
    # Nodes are stored level by level, so a parent's label is known before its children's.
    depth = trace.depth
    for level in range(1, int(depth.max()) + 1):
        nodes = np.flatnonzero(depth == level)
        values[nodes] = table[values[trace.parent[nodes]], trace.symbol[nodes]]
    return StateLabels(name, values, int(table.shape[0]))
