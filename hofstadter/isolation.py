"""What one cell changes in its process's global state is undone before the next cell runs there.

Cells run one after another in a process (``--jobs 1``, and each worker of a pool), so a model
that sets torch's default dtype, its thread count or deterministic mode, switches gradients off,
or draws from (or seeds) a global random generator would otherwise change the figures of every
model run after it. Data is not shared at all (:func:`challenges.cache.cached_sample` gives each
caller its own arrays); this covers the rest of what a model can reach without meaning harm.

>>> import numpy as np
>>> before = np.random.get_state()[1][:3].tolist()
>>> with kept_global_state():
...     np.random.seed(7)
>>> np.random.get_state()[1][:3].tolist() == before
True
"""

from __future__ import annotations

import random
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np


@contextmanager
def kept_global_state() -> Iterator[None]:
    """Restore Python's, NumPy's and (where it is loaded) torch's global settings and generators."""
    python_rng, numpy_rng = random.getstate(), np.random.get_state()
    torch = sys.modules.get("torch")
    saved = None
    if torch is not None:
        saved = (torch.get_rng_state(), torch.get_default_dtype(), torch.get_num_threads(),
                 torch.are_deterministic_algorithms_enabled(), torch.is_grad_enabled())  # fmt: skip
    try:
        yield
    finally:
        random.setstate(python_rng)
        np.random.set_state(numpy_rng)
        if saved is not None:
            rng, dtype, threads, deterministic, grad = saved
            torch.set_rng_state(rng)
            torch.set_num_threads(threads)
        elif (torch := sys.modules.get("torch")) is not None:  # first loaded by this cell: defaults
            dtype, deterministic, grad = torch.float32, False, True
        if torch is not None:
            torch.set_default_dtype(dtype)
            torch.use_deterministic_algorithms(deterministic)
            torch.set_grad_enabled(grad)
