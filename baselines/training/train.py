"""The training loop every learned network shares, devices, and checkpoints.

One loop serves the recurrent networks and the soft automaton: Adam on minibatches drawn from the
fixed training set, validation accuracy every ``eval_every`` steps, early stopping after
``patience`` evaluations without improvement, and the best state restored at the end. Budgets
come from the config, so a profile can cap every model alike.

Results depend on steps, never on the clock: training stops at ``max_steps`` or by early stopping,
and every schedule (annealing) follows the step count, so the same key gives the same figures on an
idle or a loaded machine. ``max_seconds`` is only a safety cap against a run that would never end;
when it stops a run, the report says so (``extra["hit_time_cap"]``) and tables mark the cell.

>>> TrainConfig(device="tpu")
Traceback (most recent call last):
...
challenges.errors.InvalidArgument: unknown device 'tpu': choose 'cpu' or 'cuda' (or 'cuda:N')
"""

from __future__ import annotations

import copy
import math
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from baselines.base import FitReport, Model, create_model
from baselines.training.encoding import encode, length_buckets
from baselines.training.replay import WrongReplay
from challenges.core import Examples
from challenges.errors import InvalidArgument


@dataclass
class TrainConfig:
    """Settings of the loop; every learned model's config extends this one.

    ``patience`` counts evaluations (every ``eval_every`` steps) without a better validation
    score; training also stops as soon as validation accuracy reaches ``target_accuracy`` (never,
    if it is None). ``max_seconds`` is a safety cap, not a budget (see the module docstring).
    """

    lr: float = 1e-2
    batch_size: int = 128
    max_steps: int = 3000
    max_seconds: float = 600.0
    eval_every: int = 100
    patience: int = 10
    target_accuracy: float | None = 1.0
    device: str = "cpu"

    def __post_init__(self) -> None:
        check_device_name(self.device)
        for name in ("batch_size", "max_steps", "eval_every", "patience"):
            if getattr(self, name) < 1:
                raise InvalidArgument(f"{name} must be at least 1, got {getattr(self, name)}")
        if not (self.lr > 0 and self.max_seconds > 0):
            raise InvalidArgument(f"lr and max_seconds must be positive, got {self.lr}, {self.max_seconds}")


def check_device_name(name: str) -> str:
    """``name`` if it is 'cpu', 'cuda' or 'cuda:N', else :class:`InvalidArgument`."""
    kind, _, index = name.partition(":")
    if kind == "cpu" and not index or kind == "cuda" and (not index or index.isdigit()):
        return name
    raise InvalidArgument(f"unknown device '{name}': choose 'cpu' or 'cuda' (or 'cuda:N')")


def resolve_device(name: str) -> torch.device:
    """The torch device for ``name``; asking for CUDA where there is none is a clear error."""
    check_device_name(name)
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise InvalidArgument(
            f"device '{name}' was asked for, but CUDA is not available to this torch "
            f"({torch.__version__}); use --device cpu"
        )
    return torch.device(name)


@dataclass(frozen=True)
class TrainProgress:
    """What the loop reports after each validation check (a CLI turns it into a progress bar)."""

    step: int
    max_steps: int
    seconds: float
    max_seconds: float
    val_accuracy: float
    best_val_accuracy: float

    @property
    def fraction(self) -> float:
        """How much of the budget is spent: steps, or the safety cap if it is about to stop the run."""
        return min(1.0, max(self.step / self.max_steps, self.seconds / self.max_seconds))


ProgressHook = Callable[[TrainProgress], None]


class Classifier(nn.Module):
    """A network the loop can train: ``forward(ids, lengths)`` gives membership logits.

    Logits have shape ``[..., batch]``: leading dimensions are independent replicas trained side
    by side (the soft automaton's restarts); the loss sums over them and validation takes the best.
    """

    def reset_parameters(self, generator: torch.Generator) -> None:
        """Initialise every parameter from ``generator`` (never from torch's global seed)."""
        raise NotImplementedError

    def penalty(self) -> torch.Tensor | float:
        """An extra loss term (e.g. an entropy penalty); none by default."""
        return 0.0

    def loss(self, logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """The training loss of a minibatch, summed over replicas: binary cross-entropy by default
        (the linear RNN fits its answers by least squares instead)."""
        return F.binary_cross_entropy_with_logits(logits, targets, reduction="none").mean(-1).sum()

    def anneal(self, fraction: float) -> None:
        """Called before each step with the fraction of the budget spent (temperature schedules)."""

    def validate(self, batch: "LabelledBatch") -> tuple[float, float]:
        """(accuracy, tie-break) on validation data; the loop keeps the state where it is largest.

        The accuracy is the best replica's; the tie-break is 0 here (the soft automaton uses it to
        prefer smaller automata among equally accurate ones).
        """
        return float(accuracies(self, batch).max()), 0.0


@dataclass
class LabelledBatch:
    """Encoded strings and float labels, on the training device."""

    ids: torch.Tensor
    lengths: torch.Tensor
    labels: torch.Tensor

    @classmethod
    def of(cls, examples: Examples, alphabet: str, device: torch.device) -> "LabelledBatch":
        ids, lengths = encode(examples.texts, alphabet)
        labels = torch.from_numpy(examples.labels.astype(np.float32))
        return cls(ids.to(device), lengths.to(device), labels.to(device))

    def __len__(self) -> int:
        return len(self.labels)

    def take(self, rows: torch.Tensor) -> "LabelledBatch":
        """The rows ``rows``, trimmed to their own longest string."""
        lengths = self.lengths[rows]
        width = int(lengths.max()) if len(rows) else 0
        return LabelledBatch(self.ids[rows, :width], lengths, self.labels[rows])


@torch.no_grad()
def logits_of(network: Classifier, batch: LabelledBatch) -> torch.Tensor:
    """Logits of every row, in length buckets so that little time goes into padding."""
    network.eval()
    parts, order = [], []
    for rows in length_buckets(batch.lengths.cpu().numpy()):
        rows_t = torch.from_numpy(rows).to(batch.ids.device)
        part = batch.take(rows_t)
        parts.append(network(part.ids, part.lengths))
        order.append(rows_t)
    logits = torch.cat(parts, dim=-1)
    return torch.empty_like(logits).index_copy_(-1, torch.cat(order), logits)


def right_answers(network: Classifier, batch: LabelledBatch) -> torch.Tensor:
    """Whether each row (of each replica) is answered right: a boolean ``[..., rows]``."""
    return (logits_of(network, batch) > 0) == batch.labels.bool()


def accuracies(network: Classifier, batch: LabelledBatch) -> torch.Tensor:
    """Accuracy of each replica (a 0-d tensor for a network without replicas)."""
    return right_answers(network, batch).float().mean(dim=-1)


def _optimiser(network: Classifier, config: TrainConfig) -> torch.optim.Optimizer:
    """Adam at ``config.lr``; AdamW where a config asks for decoupled weight decay (the
    transformer's ``weight_decay``, read with getattr so that no other model's config or key changes)."""
    # foreach (here and in the clipping): one kernel per update over every parameter, not one per
    # parameter. torch picks it by default for CUDA tensors only; on CPU it gives the same weights
    # to the bit (tests/test_train.py; the main command's 480 records came back) and a GRU's step
    # about 4% sooner (median of interleaved runs; a whole run's noise hides it).
    weight_decay = getattr(config, "weight_decay", 0.0)
    if weight_decay:
        return torch.optim.AdamW(network.parameters(), lr=config.lr, weight_decay=weight_decay, foreach=True)
    return torch.optim.Adam(network.parameters(), lr=config.lr, foreach=True)


def _curriculum_rows(train_set: LabelledBatch, config: TrainConfig, step: int) -> torch.Tensor | None:
    """The training rows a length curriculum admits at ``step``, or None: every row.

    A config with ``length_curriculum_steps`` (the transformer's, a property over its
    ``curriculum_steps``; read with getattr so that no other model's config or key changes) admits
    at first only the shortest training strings, then one length more at a time, evenly over those
    steps, and every string after them. The name is the loop's own: ``place-attention``'s config
    has a field ``curriculum_steps`` that means something else (steps per curriculum stage), and
    from 1e6627f to this fix the loop read it as a length ramp.

    >>> batch = LabelledBatch(torch.zeros(4, 3), torch.tensor([1, 2, 3, 3]), torch.zeros(4))
    >>> class Config: length_curriculum_steps = 4
    >>> admitted = [_curriculum_rows(batch, Config, step) for step in (0, 2, 3, 4)]
    >>> [None if rows is None else rows.tolist() for rows in admitted]
    [[0, 1], [0, 1, 2, 3], [0, 1, 2, 3], None]
    """
    steps = getattr(config, "length_curriculum_steps", 0)
    if not steps or step >= steps:
        return None
    shortest, longest = int(train_set.lengths.min()), int(train_set.lengths.max())
    limit = shortest + math.ceil((longest - shortest) * (step + 1) / steps)
    return (train_set.lengths <= limit).nonzero().squeeze(1)


def _gradient_step(
    network: Classifier,
    optimiser: torch.optim.Optimizer,
    batch: LabelledBatch,
    config: TrainConfig,
    step: int,
) -> None:
    """One optimiser step on ``batch``'s loss plus the network's penalty."""
    # A config may shape the learning rate by step (the transformer's warm-up and decay); a
    # method, not a field, so that the other models' configs and run keys stay as they were.
    if hasattr(config, "scheduled_lr"):
        for group in optimiser.param_groups:
            group["lr"] = config.scheduled_lr(step)
    logits = network(batch.ids, batch.lengths)
    targets = batch.labels.expand_as(logits)
    loss = network.loss(logits, targets) + network.penalty()
    optimiser.zero_grad(set_to_none=True)
    loss.backward()
    # A config may clip the gradient's norm (the linear RNN's does: its products can explode).
    # Not a field here, so that the configs, and the run keys, of the other models stay as they were.
    if getattr(config, "max_grad_norm", None) is not None:
        nn.utils.clip_grad_norm_(network.parameters(), config.max_grad_norm, foreach=True)
    optimiser.step()


def train_network(
    network: Classifier,
    train_set: LabelledBatch,
    val_set: LabelledBatch,
    config: TrainConfig,
    generator: torch.Generator,
    progress: ProgressHook | None = None,
) -> FitReport:
    """Fit ``network`` in place; return what it cost and the best validation accuracy.

    ``generator`` (a CPU generator) draws the minibatch order; the same seed and thread count
    give the same weights on CPU.
    """
    optimiser = _optimiser(network, config)
    started = time.perf_counter()
    best, best_state, best_step = (-1.0, 0.0), copy.deepcopy(network.state_dict()), 0
    evaluations_without_gain, step, order = 0, 0, torch.empty(0, dtype=torch.int64)
    capped = False
    replay = WrongReplay.asked_by(config, train_set)  # off unless the config asks (replay.py)
    pool_size: int | None = None  # rows a length curriculum admits (None: every row)
    while step < config.max_steps:
        admitted = _curriculum_rows(train_set, config, step)
        admitted_size = None if admitted is None else len(admitted)
        if len(order) < config.batch_size or admitted_size != pool_size:  # a fresh permutation each epoch
            order = torch.randperm(len(train_set) if admitted is None else len(admitted), generator=generator)
            order = order if admitted is None else admitted[order]
            pool_size = admitted_size
        rows, order = order[: config.batch_size], order[config.batch_size :]
        rows = replay.mix(rows, generator)
        network.train()
        network.anneal(min(1.0, step / config.max_steps))  # by steps: the clock must not shape results
        _gradient_step(network, optimiser, train_set.take(rows.to(train_set.ids.device)), config, step)
        step += 1
        elapsed = time.perf_counter() - started
        out_of_time = elapsed >= config.max_seconds
        if step % config.eval_every and step < config.max_steps and not out_of_time:
            continue
        score = network.validate(val_set)
        if score > best:
            best, best_step, evaluations_without_gain = score, step, 0
            best_state = copy.deepcopy(network.state_dict())
        else:
            evaluations_without_gain += 1
        if progress is not None:
            progress(TrainProgress(step, config.max_steps, elapsed, config.max_seconds, score[0], best[0]))
        reached = config.target_accuracy is not None and best[0] >= config.target_accuracy
        if reached or evaluations_without_gain >= config.patience:
            break
        if out_of_time:
            capped = step < config.max_steps  # the cap, not the step budget, ended the run
            break
        replay.refresh(lambda probe: ~right_answers(network, probe))  # only if training goes on
    network.load_state_dict(best_state)
    network.eval()
    extra: dict[str, Any] = {"best_step": best_step}
    if capped:  # the figures depend on the machine's speed: records and tables say so
        extra["hit_time_cap"] = True
    seconds = time.perf_counter() - started
    return FitReport(steps=step, train_seconds=seconds, best_val_accuracy=best[0], extra=extra)


# --- checkpoints ---------------------------------------------------------------------------------

CHECKPOINT_KEYS = ("model", "config", "alphabet", "state_dict")


def save_checkpoint(model: Model, path: str | Path, trained_on: dict[str, Any] | None = None) -> Path:
    """Write a fitted network model: its id, config, alphabet and weights (tensors only).

    ``trained_on`` says what it was fitted on (challenge id, version, seed, training lengths), so
    that a reader can refuse a network trained for something else instead of mislabelling it.
    Everything in the file is a tensor, string or number, so it loads with ``weights_only=True``.
    """
    network = getattr(model, "network", None)
    if network is None:
        raise InvalidArgument(f"model '{model.id}' has no fitted network to save; fit it first")
    path = Path(path)
    saved = {
        "model": model.id,
        "config": asdict(model.config),
        "alphabet": model.alphabet,
        "state_dict": {k: v.detach().cpu() for k, v in network.state_dict().items()},
        **({"trained_on": dict(trained_on)} if trained_on else {}),
    }
    temporary = None
    try:  # written beside it, then renamed: a full disk leaves no half checkpoint behind
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", delete=False) as handle:
            temporary = Path(handle.name)
            torch.save(saved, handle)
        os.replace(temporary, path)
    except (OSError, RuntimeError) as error:  # torch reports a failed write as a RuntimeError
        if temporary is not None:
            temporary.unlink(missing_ok=True)
        reason = getattr(error, "strerror", None) or str(error).splitlines()[0]
        raise InvalidArgument(f"cannot write the checkpoint {path}: {reason}") from None
    return path


def load_checkpoint(path: str | Path, device: str = "cpu") -> Model:
    """The model saved at ``path``, ready to predict on ``device`` (CPU unless asked otherwise)."""
    return read_checkpoint(path, device)[0]


def read_checkpoint(path: str | Path, device: str = "cpu") -> tuple[Model, dict[str, Any]]:
    """The model saved at ``path`` and what it says it was trained on ({} if it does not say)."""
    path = Path(path)
    if not path.is_file():
        raise InvalidArgument(f"no checkpoint at {path}")
    try:
        saved: dict[str, Any] = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises pickle, zip and runtime errors for a damaged file
        reason = f"{type(error).__name__}: {error}"
        raise InvalidArgument(f"{path} is not a readable checkpoint ({reason})") from None
    missing = [key for key in CHECKPOINT_KEYS if not isinstance(saved, dict) or key not in saved]
    if missing:
        raise InvalidArgument(f"{path} is not a checkpoint of this project: missing {', '.join(missing)}")
    problem = _checkpoint_problem(saved)
    if problem:
        raise InvalidArgument(f"{path} is a damaged checkpoint: {problem}")
    try:
        model = create_model(saved["model"], **{**saved["config"], "device": device})
        model.restore(saved["alphabet"], saved["state_dict"])
    except (TypeError, ValueError, KeyError, IndexError, RuntimeError) as error:
        # wrong config fields, or weights of other shapes than the config builds
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise InvalidArgument(f"{path} does not fit model '{saved['model']}': {first}") from None
    trained_on = saved.get("trained_on")
    return model, dict(trained_on) if isinstance(trained_on, dict) else {}


def _checkpoint_problem(saved: dict[str, Any]) -> str | None:
    """What is wrong with the parts of a loaded checkpoint, or None."""
    if not isinstance(saved["model"], str):
        return f"'model' is {type(saved['model']).__name__}, not a model id"
    if not isinstance(saved["config"], dict) or not all(isinstance(k, str) for k in saved["config"]):
        return f"'config' is {type(saved['config']).__name__}, not a mapping of settings"
    if not isinstance(saved["alphabet"], str) or not saved["alphabet"]:
        return "'alphabet' is not a non-empty string"
    state = saved["state_dict"]
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        return "'state_dict' is not a mapping of tensors"
    for name, tensor in state.items():
        if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
            return f"weight '{name}' holds NaN or infinite values"
    return None
