"""An on-disk cache of samples, keyed by everything that determines them.

Sampling is a pure function of (challenge id, version, split, length or length range, n, seed), so
a sample can be stored once and reused by every model and run (test sets, and the training and
validation sets every model of a seed shares). Only slow samples are worth it; fast ones are drawn
anew. Set ``HOFSTADTER_CACHE`` to move the cache, or to ``off`` to disable it.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections import OrderedDict
from pathlib import Path

import numpy as np

from .core import Challenge, Examples, Split

_SLOW_SECONDS = 0.5  # samples that took longer than this are written to disk
_MEMORY_BYTES = 1 << 30  # the in-process copy keeps the most recent samples up to this size
_MEMORY: OrderedDict[tuple, Examples] = OrderedDict()


def cache_dir() -> Path | None:
    """Where samples are cached, or None when caching is off."""
    setting = os.environ.get("HOFSTADTER_CACHE", "")
    if setting.lower() == "off":
        return None
    return Path(setting) if setting else Path.home() / ".cache" / "hofstadter-challenges"


def cached_sample(
    challenge: Challenge,
    split: Split,
    n: int,
    seed: int,
    length: int | None = None,
    length_range: tuple[int, int] | None = None,
) -> Examples:
    """``challenge.sample(...)``, from memory or disk when it was drawn before."""
    key = (challenge.id, challenge.version, split, length, length_range, n, seed)
    if key in _MEMORY:
        _MEMORY.move_to_end(key)
        return _MEMORY[key]
    directory = cache_dir()
    path = None
    if directory is not None:
        lengths = f"L{length}" if length_range is None else f"R{length_range[0]}-{length_range[1]}"
        path = directory / challenge.id / f"v{challenge.version}-{split}-{lengths}-n{n}-s{seed}.npz"
        if path.exists():
            try:
                with np.load(path, allow_pickle=False) as data:
                    examples = Examples(data["texts"], data["labels"], data["lengths"], split)
                return _remember(key, examples)
            except (OSError, ValueError, KeyError):
                path.unlink(missing_ok=True)  # a torn or foreign file: draw again
    started = time.perf_counter()
    drawn = challenge.sample(split, n=n, seed=seed, length=length, length_range=length_range)
    examples = _remember(key, drawn)
    if path is not None and time.perf_counter() - started > _SLOW_SECONDS:
        _write_atomically(path, examples)
    return examples


def _remember(key: tuple, examples: Examples) -> Examples:
    """Keep ``examples`` in memory, read-only (every caller shares them), within the size bound."""
    for array in (examples.texts, examples.labels, examples.lengths):
        array.flags.writeable = False
    _MEMORY[key] = examples
    while len(_MEMORY) > 1 and sum(_size(e) for e in _MEMORY.values()) > _MEMORY_BYTES:
        _MEMORY.popitem(last=False)
    return examples


def _size(examples: Examples) -> int:
    return examples.texts.nbytes + examples.labels.nbytes + examples.lengths.nbytes


def _write_atomically(path: Path, examples: Examples) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as handle:
            np.savez(handle, texts=examples.texts, labels=examples.labels, lengths=examples.lengths)
        os.replace(handle.name, path)
    except OSError:
        pass  # a cache that cannot be written is only slower, never wrong
