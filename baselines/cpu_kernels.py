"""One set of CPU kernels for every run, whatever the x86 processor: so that a key gives one result.

Torch picks its vectorised kernels by the processor's widest instructions -- its own (ATen), MKL's
matrix products and oneDNN's (which runs ``nn.LSTM`` on a CPU) -- and AVX-512 kernels add and
round in another order than AVX2 ones; MKL, unless asked for its "conditional numerical
reproducibility" (CNR), may also take another path on another processor. The published board was
run on AVX-512 machines; rerun from a fresh clone of 3cb1c9e on an AVX2-only one, 455 of the main
command's 489 cells gave their records back and 34 did not (the LSTM 16, ``sr-gru`` 10, the soft
automaton 8), the same code on both (docs/results.md). Pinned here: ATen's and oneDNN's kernels
to AVX2, which every x86-64 processor of the last decade has, and MKL's CNR mode for AVX2, whose
promise is the same results on every processor with AVX2.

:func:`pin_cpu_kernels` sets the three switches, each only where the environment does not set it
already (a user's choice stands), and none with ``HOFSTADTER_FREE_KERNELS=1`` (each library
then picks its own, as before the pins). It must run before torch runs its first kernel, so
``import baselines`` runs it, before any network module imports torch. On an AVX2 machine the
ATen and oneDNN pins select the kernels that ran anyway; MKL's CNR mode does change results there
(it was off before): records from before the pins are compared in docs/results.md. On other
processors (ARM) the switches are ignored. **Not enough across processors yet**: on an AVX-512
machine, pinned, 4 of 6 AVX2-machine records checked did not come back (some kernel these three
do not reach; docs/results.md, *Reproducible across machines?*).

>>> sorted(PINS)
['ATEN_CPU_CAPABILITY', 'MKL_CBWR', 'ONEDNN_MAX_CPU_ISA']
"""

from __future__ import annotations

import os

# Each library's switch and the AVX2 setting; MKL_CBWR is MKL's "conditional numerical
# reproducibility" mode: the same results on every processor that has AVX2.
PINS = {"ATEN_CPU_CAPABILITY": "avx2", "MKL_CBWR": "AVX2", "ONEDNN_MAX_CPU_ISA": "AVX2"}


OPT_OUT = "HOFSTADTER_FREE_KERNELS"  # set to 1: no pins (to rerun a record taken before them)


def pin_cpu_kernels() -> None:
    """Set each of :data:`PINS` in the environment unless it is set already, or ``OPT_OUT`` is 1."""
    if os.environ.get(OPT_OUT) == "1":
        return
    for name, value in PINS.items():
        os.environ.setdefault(name, value)


def host_vector_isa() -> str | None:
    """The widest x86 vector instructions the processor has, whatever the pins: "AVX512", "AVX2",
    "older", or None where it cannot be told (not x86, or numpy's feature table is not found).
    The pins do not make the two kinds train alike yet (module docstring), so a record names it."""
    try:
        from numpy._core._multiarray_umath import __cpu_features__ as features  # numpy 2's table
    except ImportError:
        return None
    if "AVX2" not in features:  # another processor family's table
        return None
    return "AVX512" if features.get("AVX512F") else "AVX2" if features["AVX2"] else "older"


def cpu_kernels() -> dict[str, str | None]:
    """What a record names about the kernels that ran: torch's capability, the three switches and
    the processor's own widest instructions (``host``).

    >>> sorted(cpu_kernels())
    ['ATEN_CPU_CAPABILITY', 'MKL_CBWR', 'ONEDNN_MAX_CPU_ISA', 'capability', 'host']
    """
    import torch

    pinned = {n: os.environ.get(n) for n in PINS}
    return {"capability": torch.backends.cpu.get_cpu_capability(), **pinned, "host": host_vector_isa()}
