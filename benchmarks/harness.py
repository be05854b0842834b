"""What every benchmark script shares: the environment of its worker processes, and whether torch is there.

Thread pools must be sized before NumPy or torch is imported, so each measurement runs in a fresh subprocess whose
environment :func:`worker_env` prepares. This module imports neither NumPy nor torch, so a script can use it before
pinning its own threads. :func:`pin_cpus` pins a worker process to as many CPUs as it has threads.

>>> worker_env(2)["OPENBLAS_NUM_THREADS"]
'2'
"""
from __future__ import annotations

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS",
                    "VECLIB_MAXIMUM_THREADS")
#: Set on some machines to force a generic OpenBLAS kernel; removed (both together) for benchmarking only.
OPENBLAS_OVERRIDES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def worker_env(threads):
    """The environment of a benchmark subprocess: every thread pool fixed to ``threads``, OpenBLAS overrides removed,
    and the repository root importable (``from benchmarks import ...``)."""
    env = dict(os.environ)
    env.update({name: str(threads) for name in THREAD_VARIABLES})
    for name in OPENBLAS_OVERRIDES:
        env.pop(name, None)
    env["PYTHONPATH"] = ROOT + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def pin_cpus(threads):
    """A ``preexec_fn`` that pins a benchmark subprocess to ``threads`` CPUs: the first ``threads`` of the CPUs this
    process may use. ``None`` (no pinning) when it may use no more than ``threads`` CPUs or the platform cannot pin.

    Every worker with the same thread count gets the same CPUs, so both frameworks run on the same cores. On a 2-vCPU
    KVM guest (2026-12-01), a lone unpinned thread ran the same products 1.4-1.9x slower than a pinned one in some
    runs (the guest moved it between its two vCPUs), which alone flipped 1-thread ratios by tens of percent.

    >>> pin_cpus(10**6) is None
    True
    """
    if not hasattr(os, "sched_getaffinity") or not hasattr(os, "sched_setaffinity"):
        return None
    cpus = sorted(os.sched_getaffinity(0))
    if threads >= len(cpus):
        return None
    chosen = set(cpus[:threads])

    def pin():
        os.sched_setaffinity(0, chosen)

    return pin


def torch_version(env=None):
    """PyTorch's version as seen by a subprocess with ``env``, or None when torch is not installed there."""
    probe = "import importlib.util as u; print(u.find_spec('torch') is not None)"
    found = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    if found.stdout.strip() != "True":
        return None
    out = subprocess.run([sys.executable, "-c", "import torch; print(torch.__version__)"], env=env,
                         capture_output=True, text=True, check=True)
    return out.stdout.strip()
