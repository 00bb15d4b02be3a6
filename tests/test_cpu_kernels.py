"""The CPU kernels every run pins (baselines/cpu_kernels.py), and what a record says of them."""

from __future__ import annotations

import os
import subprocess
import sys

from baselines.cpu_kernels import PINS
from hofstadter.run import Cell, run_cell

SHOW = "import os, baselines, torch; print(torch.backends.cpu.get_cpu_capability(), os.environ['MKL_CBWR'])"


def _python(code: str, **env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k not in PINS}
    return subprocess.run([sys.executable, "-c", code], env={**clean, **env}, capture_output=True,
                          text=True, check=True).stdout.strip()  # fmt: skip


def test_import_baselines_pins_the_kernels_unless_the_user_chose():
    capability, mkl = _python(SHOW).split()
    assert mkl == "AVX2" and capability != "AVX512"  # an AVX-512 machine runs the AVX2 kernels too
    # a choice in the environment stands: here the scalar kernels and MKL's compatible mode
    chosen = _python(SHOW, ATEN_CPU_CAPABILITY="default", MKL_CBWR="COMPATIBLE")
    assert chosen.split() == ["DEFAULT", "COMPATIBLE"]
    # and none at all on request: MKL_CBWR stays unset
    free = "import os, baselines; print(os.environ.get('MKL_CBWR', 'unset'))"
    assert _python(free, HOFSTADTER_FREE_KERNELS="1") == "unset"


def test_a_network_record_names_the_kernels_it_ran_on():
    record = run_cell(Cell("div3-base10", "gru", 0, profile="smoke"))
    kernels = record["cpu_kernels"]
    assert record["status"] == "ok" and set(kernels) == {"capability", "host", *PINS}
    assert kernels["capability"] and all(kernels[name] for name in PINS)
    assert kernels["host"] in ("AVX512", "AVX2", "older", None)  # the processor's own, not the pins'
