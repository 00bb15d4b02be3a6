"""Run recorded cells again and compare every figure and proof with their records.

A record names its cell completely (challenge, model and options, seed, profile, training lengths
and size, device), so the cell can be planned again from it (:func:`cell_of`) and run by the same
code a benchmark run uses (:func:`hofstadter.run.run_cell`). :func:`differences` then compares the
two records field by field -- status, every per-length accuracy and count, the proof
(``equivalent``, ``counterexample``, ``dfa_states``), steps, parameters, what the fit reported, the
training data's fingerprint and the evaluation seed -- leaving out only what measures the machine
(seconds, dates, versions, the commit). The figures must be equal, not close: a key is meant to
give one result.

>>> old = {"status": "ok", "metrics": [{"split": "test", "length": 6, "accuracy": 1.0, "n": 8}],
...        "steps": 300, "train_seconds": 1.5, "fit": {"best_step": 300, "seconds": 0.2}}
>>> new = {**old, "steps": 200, "train_seconds": 9.0, "fit": {"best_step": 200, "seconds": 0.1},
...        "metrics": [{"split": "test", "length": 6, "accuracy": 0.875, "n": 8}]}
>>> for line in differences(old, new): print(line)
accuracy at length 6: recorded 1.0, now 0.875
steps: recorded 300, now 200
fit.best_step: recorded 300, now 200
>>> differences(old, {**old, "train_seconds": 3.0})
[]
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from baselines.model_spec import model_label
from challenges import get_challenge
from challenges.errors import InvalidArgument
from hofstadter.profiles import get_profile
from hofstadter.records import newest_per_key
from hofstadter.run import Cell, run_cell
from hofstadter.store import DONE_STATUSES

# Fields compared, besides the metrics and the fit's report. Absent from both records: not compared.
COMPARED = ("status", "reason", "equivalent", "counterexample", "dfa_states", "steps", "parameters",
            "best_val_accuracy", "train_size", "train_lengths", "model_config", "model_version",
            "eval_seed", "data_sha256", "challenge_version")  # fmt: skip
# What measures the machine, not the experiment (a fit's fields containing these words too).
MACHINE_WORDS = ("seconds", "time", "date")


@dataclass(frozen=True)
class Outcome:
    """One reproduced cell: its record, the new one, and every difference between them."""

    cell: Cell
    recorded: dict[str, Any]
    now: dict[str, Any]
    key_changed: bool
    lines: list[str] = field(default_factory=list)

    @property
    def same(self) -> bool:
        return not self.lines


def cell_of(record: dict[str, Any], plugins: tuple[str, ...] = ()) -> Cell:
    """The cell that ``record`` is the result of.

    >>> cell_of({"challenge": "div3-base10", "model": "gru", "seed": 100, "profile": "smoke",
    ...          "train_lengths": [1, 6], "train_size": 512, "overrides": {"lr": 0.1}}).label
    'div3-base10 / gru[lr=0.1] / seed 100'
    >>> cell_of({"challenge": "div7-base10", "model": "rpni", "seed": 100, "label_noise": 0.1}).label
    'div7-base10 / rpni / seed 100 / label noise 0.1'
    """
    challenge = get_challenge(str(record["challenge"]))
    profile = get_profile(str(record.get("profile", "quick")))
    lengths = record.get("train_lengths")
    lengths = tuple(lengths) if lengths and tuple(lengths) != tuple(challenge.train_lengths) else None
    size = record.get("train_size")
    overrides = record.get("overrides") or {}
    return Cell(
        challenge.id, str(record["model"]), int(record["seed"]), profile.name,
        train_lengths=lengths, device=str(record.get("device", "cpu")), plugins=plugins,
        model_options=tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in overrides.items()),
        train_size=profile.size_apart(size if isinstance(size, int) else None),
        label_noise=float(record.get("label_noise") or 0.0),
    )  # fmt: skip


def cell_name(record: dict[str, Any]) -> str:
    """``challenge/model/seed``, the way the command line names a cell (the model with its options).

    >>> cell_name({"challenge": "div3-base10", "model": "gru", "seed": 100, "overrides": {"lr": 0.1}})
    'div3-base10/gru[lr=0.1]/100'
    """

    model = model_label(str(record["model"]), record.get("overrides"))
    return f"{record['challenge']}/{model}/{record['seed']}"


def reproducible(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The newest record (:func:`~hofstadter.records.newest_per_key`) of each key that finished (ok,
    over budget, not applicable), in the store order of those newest records.

    Failed records are left out: a failure is retried by ``run``, not reproduced.
    """
    done = [record for record in records if record.get("status") in DONE_STATUSES]
    newest = {id(record) for record in newest_per_key(done, lambda record: record["key"])}
    return [record for record in done if id(record) in newest]


def choose(records: list[dict[str, Any]], names: Iterable[str] = (), sample: int | None = None,
           seed: int = 0) -> list[dict[str, Any]]:  # fmt: skip
    """The records to reproduce: those named (``challenge/model/seed``, or ``challenge/model`` for
    every seed), or ``sample`` of them drawn with ``seed``, or all.

    >>> rows = [{"challenge": "c", "model": "m", "seed": s} for s in (100, 101)]
    >>> named = choose(rows, ["c/m/101"])
    >>> [r["seed"] for r in named], len(choose(rows, ["c/m"])), len(choose(rows, sample=1))
    ([101], 2, 1)
    >>> choose(rows, ["c/x/100"])
    Traceback (most recent call last):
    ...
    challenges.errors.InvalidArgument: no finished record of cell 'c/x/100' in the store (it holds 2, e.g. c/m/100)
    """
    names = list(names)
    if names and sample is not None:
        raise InvalidArgument("name cells or give --sample, not both")
    if sample is not None:
        if sample < 1:
            raise InvalidArgument(f"--sample must be at least 1, got {sample}")
        return random.Random(seed).sample(records, min(sample, len(records)))
    if not names:
        return list(records)
    chosen: list[dict[str, Any]] = []
    for name in names:
        found = [r for r in records if cell_name(r) == name or cell_name(r).rsplit("/", 1)[0] == name]
        if not found:
            example = f", e.g. {cell_name(records[0])}" if records else ""
            raise InvalidArgument(f"no finished record of cell '{name}' in the store (it holds "
                                  f"{len(records)}{example})")  # fmt: skip
        chosen += [r for r in found if r not in chosen]
    return chosen


def differences(recorded: dict[str, Any], now: dict[str, Any]) -> list[str]:
    """Every difference in figures and proofs between two records of one cell, one line each."""
    lines = _metric_differences(recorded.get("metrics") or [], now.get("metrics") or [])
    for name in COMPARED:
        if name in recorded or name in now:
            if name == "data_sha256" and (name not in recorded or name not in now):
                continue  # records from before data fingerprints: the figures still speak
            if name in ("model_version", "eval_seed") and name not in recorded:
                continue  # records from before these fields: the key says whether they changed
            if recorded.get(name) != now.get(name):
                lines.append(f"{name}: recorded {_short(recorded.get(name))}, now {_short(now.get(name))}")
    old_fit, new_fit = recorded.get("fit") or {}, now.get("fit") or {}
    for name in sorted(set(old_fit) | set(new_fit)):
        if any(word in name for word in MACHINE_WORDS):
            continue
        if old_fit.get(name) != new_fit.get(name):
            lines.append(f"fit.{name}: recorded {_short(old_fit.get(name))}, now {_short(new_fit.get(name))}")
    capped = [which for which, record in (("the recorded run", recorded), ("this run", now))
              if (record.get("fit") or {}).get("hit_time_cap")]  # fmt: skip
    if lines and capped:
        # Not a difference of its own either: a run its safety cap stopped trained as many steps
        # as its machine's speed allowed, so its figures are the machine's, not the key's alone.
        lines.append(f"safety cap: {' and '.join(capped)} stopped at its max_seconds "
                     f"(steps: recorded {recorded.get('steps')}, now {now.get('steps')}); a slower or "
                     "busier machine trains fewer steps, so these figures depend on the machine")  # fmt: skip
    if lines and recorded.get("cpu_kernels") != now.get("cpu_kernels"):
        # Not a difference of its own (kernels name the machine), but what may explain the others.
        then = _short(recorded["cpu_kernels"]) if "cpu_kernels" in recorded else "before the pins"
        lines.append(f"cpu_kernels: recorded {then}, "
                     f"now {_short(now.get('cpu_kernels'))} (baselines/cpu_kernels.py: "
                     "HOFSTADTER_FREE_KERNELS=1 reruns a record from before the pins)")  # fmt: skip
    return lines


def _metric_differences(old: list[dict], new: list[dict]) -> list[str]:
    by_length = {(m.get("split"), m.get("length")): m for m in old}
    now = {(m.get("split"), m.get("length")): m for m in new}
    lines = []
    for where in sorted(set(by_length) | set(now), key=lambda k: (str(k[0]), k[1] or 0)):
        a, b = by_length.get(where), now.get(where)
        label = f"length {where[1]}" if where[0] == "test" else f"{where[0]} length {where[1]}"
        if a is None or b is None:
            lines.append(f"{label}: {'not recorded' if a is None else 'not scored now'}")
            continue
        if a.get("accuracy") != b.get("accuracy"):
            lines.append(f"accuracy at {label}: recorded {a.get('accuracy')}, now {b.get('accuracy')}")
        if a.get("n") != b.get("n"):
            lines.append(f"test strings at {label}: recorded {a.get('n')}, now {b.get('n')}")
    return lines


def _short(value: Any, width: int = 120) -> str:
    text = repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."


def reproduce(record: dict[str, Any], plugins: tuple[str, ...] = ()) -> Outcome:
    """Run ``record``'s cell again with this code and compare (see the module docstring)."""

    cell = cell_of(record, plugins)
    now = run_cell(cell)
    lines = []
    key_changed = now.get("key") != record.get("key")
    if key_changed:
        lines.append(f"key: recorded {record.get('key')}, now {now.get('key')} (this code runs another "
                     "experiment: a model version, config, budget or evaluation seed changed)")  # fmt: skip
    if now.get("status") == "failed":
        lines.append(f"failed now: {now.get('reason')}")
    else:
        lines += differences(record, now)
    return Outcome(cell, record, now, key_changed, lines)
