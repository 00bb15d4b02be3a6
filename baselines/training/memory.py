"""Will a network fit? Memory estimated from its config, checked before anything is allocated.

A size option is a number a user types (``gru:hidden_size=1000000000``); without a check it
trains until the allocator refuses 120 GB, minutes later, and the cell fails in the middle. A
network's configs call :func:`check_fits` with an estimate of what training needs, so that an
impossible size is a one-line :class:`~challenges.errors.InvalidArgument` when the option is
parsed, and again with the data's real sizes before training starts.

The estimate counts what training certainly holds -- the parameters five times over (weights,
gradients, Adam's two moments, the best state kept by the loop) and one batch's activations --
so it never exceeds what is really needed: a refusal is never a false alarm.

>>> check_fits(10**9, "a test network", "cpu", available=2 * 1024**3)  # 1 GB of 2: fits
>>> try:
...     check_fits(10**12, "a network", "cpu", available=2 * 1024**3)
... except InvalidArgument as error:
...     print(error)
a network needs at least 931.3 GiB of memory to train; this machine has 2 GiB available: ask for a smaller one
"""

from __future__ import annotations

import os
from pathlib import Path

from challenges.errors import InvalidArgument
from challenges.splits import _bytes  # one way to write a size, the samplers' check's

FLOAT = 4  # bytes of a float32
COPIES = 5  # weights, gradients, Adam's two moments, and the loop's copy of the best state


def training_bytes(parameters: int, activations: int) -> int:
    """Bytes that training certainly holds: ``parameters`` five times, ``activations`` once (floats).

    >>> training_bytes(1_000, 10)
    20040
    """
    return FLOAT * (COPIES * parameters + activations)


def available_bytes(device: str = "cpu") -> int | None:
    """Memory available to a network on ``device``, in bytes; None where it cannot be read.

    CPU: ``MemAvailable`` of /proc/meminfo (free memory plus caches the kernel can drop), capped
    by a cgroup's limit; elsewhere the physical memory (``os.sysconf``). CUDA: the device's total.
    """
    if device.startswith("cuda"):
        import torch  # only for a GPU: the CPU answer needs no torch

        if not torch.cuda.is_available():
            return None  # the device check says so, in its own words
        index = int(device.partition(":")[2] or 0)
        return int(torch.cuda.get_device_properties(index).total_memory)
    sizes = [size for size in (_meminfo_available(), _cgroup_limit()) if size is not None]
    if not sizes:
        try:
            sizes.append(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
        except (AttributeError, ValueError, OSError):
            return None
    return min(sizes)


def check_fits(needed: int, what: str, device: str = "cpu", available: int | None = None) -> None:
    """Refuse, in one line, to train ``what`` if it needs more than ``device`` has.

    ``available`` defaults to :func:`available_bytes`; where that is unknown, nothing is refused.
    """
    if available is None:
        available = available_bytes(device)
    if available is not None and needed > available:
        where = "this machine" if device == "cpu" else f"device {device}"
        raise InvalidArgument(
            f"{what} needs at least {_bytes(needed)} of memory to train; {where} has "
            f"{_bytes(available)} available: ask for a smaller one"
        )


def _meminfo_available() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _cgroup_limit() -> int | None:
    try:
        text = Path("/sys/fs/cgroup/memory.max").read_text().strip()
    except OSError:
        return None
    return int(text) if text.isascii() and text.isdigit() else None  # "max": no limit

