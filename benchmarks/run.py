"""The benchmark suite (``make bench``): every benchmark, one table of targets, one results page per CPU kind.

Sections, each run in fresh subprocesses whose thread pools (``OMP_NUM_THREADS``, ``OPENBLAS_NUM_THREADS``,
``MKL_NUM_THREADS``, ...) are fixed before NumPy or torch is imported, once per thread count:

* ``conv``: ``conv1d_transpose`` and ``conv1d``, forward and forward+backward, on the cases and shape families of
  :mod:`benchmarks.conv` (benchmark shapes, dilation 2 to 4, stride 4 with k = 8, wide channels, long signals,
  batch 1, channels_first inputs), against PyTorch CPU (with a reference GEMM and the peak memory of each call),
  against the naive NumPy baselines (:mod:`benchmarks.baselines`);
* ``engine``: the per-op overhead of a chain of 100 small additions, forward and backward
  (:mod:`benchmarks.engine_overhead`);
* ``train``: one training step of a tiny Conv1DTranspose model (:mod:`benchmarks.train_step`);
* ``scaling``: ``conv1d_transpose`` fwd+bwd time and memory against batch size and length
  (:mod:`benchmarks.scaling`), with a log-log plot.

Results per machine: the CPU's model and vector extensions (``/proc/cpuinfo``) name its *kind* (vendor, family,
widest vector extension: ``amd-epyc-avx2``, ``intel-xeon-avx512``, ...; :func:`cpu_kind`). A full run writes
``docs/performance/<kind>.md`` (the page), ``<kind>.json`` (every figure) and ``<kind>-scaling.png``, replacing only
that kind's previous results, then regenerates ``docs/performance.md``, the index that sets every kind's figures
side by side (and the GPU results of ``benchmarks/gpu_check.sh`` from ``docs/performance/gpu/``).

``OPENBLAS_CORETYPE`` and ``OPENBLAS_L2_SIZE`` (which some machines set to force a generic OpenBLAS kernel) are
removed, both together, from the environment of every benchmark process; the kernel OpenBLAS then picks is reported
(threadpoolctl).

Usage::

    python benchmarks/run.py                      # everything; writes the kind's files under docs/performance/
                                                  # and docs/performance.md (estimated 6 to 8 minutes on 2 cores)
    python benchmarks/run.py --quick --no-write   # a smoke run: fewer repeats and shapes, nothing written
    python benchmarks/run.py --only conv --quick --shapes dilation --threads 1   # one family: about a minute
    python benchmarks/run.py --only conv --quick --shapes long --ops conv1d_transpose --no-memory --no-naive
    python benchmarks/run.py --render-index       # rebuild docs/performance.md from the JSON files only
    python benchmarks/run.py --gpu                # adds the CuPy-vs-torch-CUDA figures when both and a GPU are present

``--shapes`` takes case names and family names (:data:`benchmarks.conv.FAMILIES`).
"""
from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import re
import subprocess
import sys
import textwrap
import time

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from benchmarks import baselines, harness

INDEX_PATH = os.path.join(_ROOT, "docs", "performance.md")
KINDS_DIR = os.path.join(_ROOT, "docs", "performance")
GPU_DIR = os.path.join(KINDS_DIR, "gpu")
SECTIONS = ("conv", "engine", "train", "scaling")
QUICK_SHAPES = ("small", "medium")
NO_GPU = "no GPU available: GPU table not produced"

# Targets (issues 6 and 13): name -> limit
TARGETS = {
    "fwd_bwd_1": 1.0,               # conv1d_transpose and conv1d fwd+bwd time / torch's, 1 thread, every case
    "fwd_bwd_2": 1.25,              # the same with 2 threads
    "gemm_fraction": 0.70,          # GFLOP/s on the large shape / the GEMM's
    "memory": 1.0,                  # peak extra memory / torch's
    "engine": 2.0,                  # per-op overhead / torch's
    "train": 1.0,                   # training step / torch's
}


# ------------------------------------------------------------------------------------------------ formatting
def fmt(value, spec=".2f", missing="n/a"):
    """``format(value, spec)``, or ``missing`` for ``None``."""
    return missing if value is None else format(value, spec)


def fmt_ratio(value, limit):
    """A ratio to two decimals, or to three when it is within 0.005 of its target ``limit`` (where two decimals
    could show "met" and "missed" with the same number), and to more, up to six, while the rounded number would
    still read as the target itself; ``"n/a"`` for ``None``.

    >>> fmt_ratio(1.2546, 1.25), fmt_ratio(1.2461, 1.25), fmt_ratio(0.876, 1.0), fmt_ratio(None, 1.0)
    ('1.255', '1.246', '0.88', 'n/a')
    >>> fmt_ratio(1.00023, 1.0), fmt_ratio(1.0, 1.0)
    ('1.0002', '1.000')
    """
    if value is None:
        return "n/a"
    digits = 3 if abs(value - limit) < 0.005 else 2
    while digits < 6 and value != limit and round(value, digits) == limit:
        digits += 1
    return format(value, f".{digits}f")


def status(value, limit, at_least=False):
    """``"met"`` / ``"missed"`` for ``value <= limit`` (``>=`` with ``at_least``); ``"n/a"`` when not measured."""
    if value is None:
        return "n/a"
    return "met" if (value >= limit if at_least else value <= limit) else "missed"


def text_table(headers, rows, left=1):
    """Fixed-width text table: the first ``left`` columns left-aligned, the others right-aligned."""
    cells = [list(map(str, headers))] + [list(map(str, r)) for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row):
        return "  ".join(c.ljust(w) if i < left else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))).rstrip()

    return "\n".join([line(cells[0]), "  ".join("-" * w for w in widths)] + [line(r) for r in cells[1:]])


def markdown_table(headers, rows):
    """A GitHub/MyST pipe table (``|`` in cells escaped)."""
    def line(row):
        return "| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |"

    align = ["---"] + ["--:"] * (len(headers) - 1)
    return "\n".join([line(headers), "| " + " | ".join(align) + " |"] + [line(r) for r in rows])


# ------------------------------------------------------------------------------------------------ tables
CONV_HEADERS = ["op", "threads", "shape", "fwd ms", "torch fwd ms", "fwd x", "f+b ms", "torch f+b ms", "f+b x",
                "f+b target", "GFLOP", "f+b range over input sets, ms (ours; torch)", "naive fwd ms", "naive f+b ms",
                "naive / ours f+b", "fwd GFLOP/s", "GEMM GFLOP/s", "fwd % GEMM", "f+b % GEMM",
                "page faults per f+b call (ours; torch)"]


def _calls_text(row):
    """How many calls a convolution time is the median of (rows from before input sets have no ``draws``).

    >>> _calls_text({"repeats": 7, "rounds": 3, "draws": 3, "calls_per_draw": 3})
    'Median of 27 calls per framework: 3 rounds (processes) x 3 sets of inputs x 3 calls.'
    >>> paired = {"repeats": 7, "rounds": 3, "draws": 3, "calls_per_draw": 3, "ratio_fwd_bwd_of_medians": 1.0}
    >>> _calls_text(paired).split(" calls. ")[1][:62]
    '"x" is the median over the 9 sets of ours / torch on each set,'
    """
    if "draws" not in row:
        return f"Median of {row['repeats']} calls x {row['rounds']} process(es) per framework."
    total = row["rounds"] * row["draws"] * row["calls_per_draw"]
    text = (f"Median of {total} calls per framework: {row['rounds']} rounds (processes) x {row['draws']} sets of "
            f"inputs x {row['calls_per_draw']} calls.")
    if "ratio_fwd_bwd_of_medians" in row:
        text += (f" \"x\" is the median over the {row['rounds'] * row['draws']} sets of ours / torch on each set, "
                 "the two timed one right after the other (see Method): in general not the quotient of the ms "
                 "columns.")
    return text


def _draw_ranges(row):
    """``"lo-hi; lo-hi"``: the range of the per-input-set median fwd+bwd times, ours then torch's ("-" if absent),
    to 3 significant digits.

    >>> _draw_ranges({"ours_fwd_bwd_draws_ms": [7.1, 7.0], "torch_fwd_bwd_draws_ms": [5.52, 10.74]})
    '7-7.1; 5.52-10.7'
    >>> _draw_ranges({"ours_fwd_bwd_draws_ms": [716.2, 1061.4]})              # no exponent: 1061, not 1.06e+03
    '716-1061; -'
    """
    def figure(value):
        text = f"{value:.3g}"
        return f"{value:.0f}" if "e" in text else text

    cells = []
    for key in ("ours_fwd_bwd_draws_ms", "torch_fwd_bwd_draws_ms"):
        draws = row.get(key)
        cells.append(f"{figure(min(draws))}-{figure(max(draws))}" if draws else "-")
    return "; ".join(cells)


def conv_rows(rows):
    """Cells of the convolution table from :func:`benchmarks.conv.run_benchmarks` rows merged with the baselines'.

    ``x`` is ours / torch (lower is better); f+b counts 3 times the forward FLOPs (forward, input gradient, kernel
    gradient); the reference GEMM is a NumPy product ``(B L, C_in) @ (C_in, k filters)`` with the forward's FLOPs.
    """
    out = []
    for r in rows:
        gemm_rate = r["gflop"] * 1e3 / r["gemm_ms"]
        target, ratio = "", fmt(r.get("ratio_fwd_bwd"))
        if r["threads"] in (1, 2):
            limit = TARGETS[f"fwd_bwd_{r['threads']}"]
            target = status(r.get('ratio_fwd_bwd'), limit)
            ratio = fmt_ratio(r.get("ratio_fwd_bwd"), limit)
        naive = r.get("naive_fwd_bwd_ms")
        out.append([r["op"], r["threads"], r["shape"], fmt(r["ours_fwd_ms"]),
                    fmt(r.get("torch_fwd_ms")), fmt(r.get("ratio_fwd")), fmt(r["ours_fwd_bwd_ms"]),
                    fmt(r.get("torch_fwd_bwd_ms")), ratio, target, fmt(r["gflop"], ".3f"), _draw_ranges(r),
                    fmt(r.get("naive_fwd_ms")), fmt(naive),
                    fmt(naive / r["ours_fwd_bwd_ms"] if naive else None),
                    fmt(r["gflop"] * 1e3 / r["ours_fwd_ms"], ".1f"), fmt(gemm_rate, ".1f"),
                    fmt(100 * r["gemm_ms"] / r["ours_fwd_ms"], ".0f"),
                    fmt(100 * 3 * r["gemm_ms"] / r["ours_fwd_bwd_ms"], ".0f"), _faults(r)])
    return out


def _conv_tables(table):
    """The convolution table of a results page as Markdown tables narrow enough for a page: per op (without the op
    column) the times and ratios, then per op the same cases' details, each table after a bold label and followed
    by a blank line."""
    split = CONV_HEADERS.index("f+b target") + 1
    ops = list(dict.fromkeys(row[0] for row in table))
    lines = []
    for op in ops:
        rows = [row for row in table if row[0] == op]
        lines += [f"**{op}**, times and ratios:", "", markdown_table(CONV_HEADERS[1:split], [r[1:split] for r in rows]),
                  ""]
    lines += [("The same runs in detail: the forward pass's GFLOP, the spread of the per-set medians, the naive "
               "baseline, the rates against the reference GEMM and the page faults (see Method)."), ""]
    for op in ops:
        rows = [row for row in table if row[0] == op]
        lines += [f"**{op}**, details:", "",
                  markdown_table(CONV_HEADERS[1:3] + CONV_HEADERS[split:], [r[1:3] + r[split:] for r in rows]), ""]
    return lines


def _faults(row):
    """``"ours; torch"``: the median page faults per fwd+bwd call of each framework (``-`` where not counted: rows
    from before they were, torch absent, or no ``resource`` module).

    >>> _faults({"ours_fwd_bwd_faults": 0, "torch_fwd_bwd_faults": 4082}), _faults({})
    ('0; 4082', '-; -')
    """
    return "; ".join("-" if row.get(key) is None else f"{row[key]:.0f}"
                     for key in ("ours_fwd_bwd_faults", "torch_fwd_bwd_faults"))


MEMORY_HEADERS = ["op", "shape", "needed MiB", "ours peak MiB", "torch peak MiB", "ours / torch", "target <= torch",
                  "ours tracemalloc MiB"]


def memory_rows(rows):
    """Peak extra memory of one fwd+bwd call (measured at the smallest thread count only).

    "needed" is the output plus the three gradients, which any implementation allocates.
    """
    out = []
    for r in rows:
        if "ours_peak_mb" not in r:
            continue
        ours, theirs = r["ours_peak_mb"], r.get("torch_peak_mb")
        out.append([r["op"], r["shape"], fmt(r["needed_mb"], ".1f"), fmt(ours, ".1f"), fmt(theirs, ".1f"),
                    fmt(ours / theirs if theirs else None), status(None if theirs is None else ours - theirs, 0.0),
                    fmt(r["ours_tracemalloc_peak_mb"], ".1f")])
    return out


def median_interval(values, level=0.95):
    """``(low, high, coverage)``: a distribution-free interval for the median of the distribution that ``values``
    are independent draws from, the ``k``-th smallest and ``k``-th largest value, with the largest ``k`` whose
    coverage ``1 - 2 P(Binomial(n, 1/2) < k)`` is at least ``level``; ``None`` when even the smallest and the
    largest value do not reach it (fewer than 6 values for 95 %). With 9 values: the 2nd smallest and the 2nd
    largest, 96 %.

    >>> median_interval([1.2, 0.9, 1.0, 1.1, 1.3, 0.8, 1.05, 0.95, 1.15])
    (0.9, 1.2, 0.961)
    >>> median_interval([1.0, 2.0, 3.0]) is None
    True

    Raises:
        ValueError: a value that is NaN (its place in the order would be arbitrary), or ``level`` outside (0, 1).
    """
    if not 0 < level < 1:
        raise ValueError(f"Invalid value for argument `level`. Expected a probability in (0, 1). Received {level!r}")
    if any(math.isnan(v) for v in values):
        raise ValueError(f"median_interval needs values that are not NaN; received {list(values)!r}")
    n, ordered, best = len(values), sorted(values), None
    below = 0                                   # sum of comb(n, i) for i < k, kept as k grows
    for k in range(1, n // 2 + 1):
        below += math.comb(n, k - 1)
        coverage = 1 - 2 * below / 2 ** n       # falls as k grows: stop at the first k below the level
        if coverage < level:
            break
        best = (ordered[k - 1], ordered[n - k], round(coverage, 3))
    return best


def pair_ratios_of(row):
    """The per-pair ratios ours / torch behind a row's "x", or ``None`` for a row not timed in pairs: a convolution
    row's per-slot fwd+bwd medians (rows with ``ratio_fwd_bwd_of_medians``), a training-step or engine row's batches
    (rows with ``"paired": true``).

    >>> pair_ratios_of({"paired": True, "ours_batches_ms": [1.0, 3.0], "torch_batches_ms": [2.0, 2.0]})
    [0.5, 1.5]
    >>> pair_ratios_of({"ours_ms": 1.0, "torch_ms": 2.0}) is None
    True
    """
    if "ratio_fwd_bwd_of_medians" in row:
        return harness.pair_ratios(row["ours_fwd_bwd_draws_ms"], row["torch_fwd_bwd_draws_ms"])
    for unit in ("ms", "us_per_op"):                   # a training-step row, an engine row
        if row.get("paired") and row.get(f"torch_batches_{unit}"):
            return harness.pair_ratios(row[f"ours_batches_{unit}"], row[f"torch_batches_{unit}"])
    return None


def _pair_interval(row):
    """:func:`median_interval` of :func:`pair_ratios_of`, or ``None``."""
    ratios = pair_ratios_of(row)
    return None if ratios is None else median_interval(ratios)


def _interval_words(row, limit):
    """``96 % interval 1.00-1.17``: :func:`median_interval` of a row's per-pair ratios ours / torch
    (:func:`pair_ratios_of`), for rows timed in pairs; ``""`` otherwise."""
    interval = _pair_interval(row)
    if interval is None:
        return ""
    low, high, coverage = interval
    return f"{coverage * 100:.0f} % interval {fmt_ratio(low, limit)}-{fmt_ratio(high, limit)}"


def _pair_interval_text(row, limit):
    """`` (96 % interval 1.00-1.17)`` (:func:`_interval_words`), or ``""``."""
    words = _interval_words(row, limit)
    return f" ({words})" if words else ""


def unsettled_count(results):
    """``(unsettled, paired)``: of the targets whose ratio was timed in pairs (convolutions with 1 or 2 threads, the
    training step, the engine), how many have the target inside their interval (:func:`_pair_interval`), so that
    the pairs alone do not settle whether it was met, and how many were timed in pairs.

    >>> row = {"threads": 1, "ratio_fwd_bwd_of_medians": 1.0, "torch_fwd_bwd_draws_ms": [1.0] * 6,
    ...        "ours_fwd_bwd_draws_ms": [0.9, 1.1, 0.95, 1.05, 1.2, 0.8]}
    >>> unsettled_count({"conv": [row, dict(row, threads=4)]})
    (1, 1)
    """
    unsettled = paired = 0
    checks = [(r, TARGETS[f"fwd_bwd_{r['threads']}"]) for r in results.get("conv") or [] if r["threads"] in (1, 2)]
    checks += [(r, TARGETS[key]) for key in ("train", "engine") for r in results.get(key) or []]
    for row, limit in checks:
        interval = _pair_interval(row)
        if interval is not None:
            paired += 1
            unsettled += interval[0] <= limit <= interval[1]
    return unsettled, paired


def target_rows(results):
    """The summary: one row per (target, case): ``[target, case, measured, status]``."""
    out = []
    conv = results.get("conv") or []
    for r in conv:
        if r["threads"] in (1, 2):
            limit = TARGETS[f"fwd_bwd_{r['threads']}"]
            out.append([f"{r['op']} fwd+bwd <= {limit}x torch", f"{r['shape']}, {r['threads']} thread(s)",
                        fmt_ratio(r.get("ratio_fwd_bwd"), limit) + "x" + _pair_interval_text(r, limit),
                        status(r.get("ratio_fwd_bwd"), limit)])
    limit = TARGETS["gemm_fraction"]
    for r in conv:
        if r["op"] == "conv1d_transpose" and r["shape"] == "large":
            for label, frac in (("fwd", r["gemm_ms"] / r["ours_fwd_ms"]),
                                ("fwd+bwd", 3 * r["gemm_ms"] / r["ours_fwd_bwd_ms"])):
                out.append([f"conv1d_transpose {label} >= {limit:.0%} of GEMM GFLOP/s",
                            f"large, {r['threads']} thread(s)", f"{frac:.0%}", status(frac, limit, at_least=True)])
    for r in conv:
        if "ours_peak_mb" in r:
            theirs = r.get("torch_peak_mb")
            ours = r["ours_peak_mb"]
            out.append([f"{r['op']} peak extra memory <= torch's", r["shape"],
                        f"{ours:.1f} vs {fmt(theirs, '.1f')} MiB",
                        status(None if theirs is None else ours - theirs, 0.0)])
    for key, label, unit in (("engine", "per-op overhead", "us/op"), ("train", "training step", "ms")):
        limit = TARGETS[key]
        for r in results.get(key) or []:
            ours = r["ours_us_per_op"] if key == "engine" else r["ours_ms"]
            theirs = r["torch_us_per_op"] if key == "engine" else r["torch_ms"]
            interval = _interval_words(r, limit)
            measured = (f"{fmt_ratio(r['ratio'], limit)}x ({ours:.2f} vs {fmt(theirs)} {unit}"
                        + (f"; {interval}" if interval else "") + ")")
            out.append([f"{label} <= {limit}x torch", f"{r['threads']} thread(s)", measured, status(r["ratio"], limit)])
    return out


ENGINE_HEADERS = ["threads", "ours us/op", "ours fwd", "ours bwd", "torch us/op", "torch fwd", "torch bwd",
                  "ours / torch", "target <= 2x"]


def engine_rows(results):
    return [[r["threads"], fmt(r["ours_us_per_op"]), fmt(r["ours_forward_us_per_op"]),
             fmt(r["ours_backward_us_per_op"]), fmt(r["torch_us_per_op"]), fmt(r["torch_forward_us_per_op"]),
             fmt(r["torch_backward_us_per_op"]), fmt_ratio(r["ratio"], TARGETS["engine"]),
             status(r["ratio"], TARGETS["engine"])]
            for r in results]


TRAIN_HEADERS = ["threads", "ours ms/step", "torch ms/step", "ours / torch", "target <= 1x", "first loss (ours, torch)"]


def train_rows(results):
    out = []
    for r in results:
        losses = f"{r['ours_losses'][0]:.5f}"
        if r.get("torch_losses"):
            losses += f", {r['torch_losses'][0]:.5f}"
        out.append([r["threads"], fmt(r["ours_ms"], ".3f"), fmt(r["torch_ms"], ".3f"),
                    fmt_ratio(r["ratio"], TARGETS["train"]), status(r["ratio"], TARGETS["train"]), losses])
    return out


SCALING_HEADERS = ["sweep", "N", "L", "fwd+bwd ms", "ns / (N L)", "tracemalloc peak MiB", "needed MiB", "scratch MiB",
                   "input MiB"]


def scaling_rows(result):
    """One row per sweep point; "input" is the size of ``x`` (and of its gradient), float32."""
    return [[sweep, r["batch"], r["length"], fmt(r["ms"]), fmt(r["ns_per_step"], ".1f"), fmt(r["peak_mb"], ".1f"),
             fmt(r["needed_mb"], ".1f"), fmt(r["scratch_mb"], ".1f"),
             fmt(4 * r["batch"] * r["length"] * result["in_channels"] / 2**20, ".1f")]
            for sweep in ("batch", "length") for r in result[sweep]]


# ------------------------------------------------------------------------------------------------ the machine
def _machine_worker():
    """In a benchmark-environment subprocess: versions, BLAS libraries and kernels, torch's build."""
    import numpy

    info = {"python": platform.python_version(), "numpy": numpy.__version__, "platform": platform.platform()}
    try:
        from threadpoolctl import threadpool_info

        # the library's file name only: the results are committed, the machine's paths are no business of theirs
        info["numpy_pools"] = [dict(pool, filepath=os.path.basename(pool.get("filepath") or ""))
                               for pool in threadpool_info()]
    except ImportError:
        info["numpy_pools"] = None
    try:
        import torch
    except ImportError:
        info["torch"] = None
    else:
        info["torch"] = torch.__version__
        info["torch_capability"] = torch.backends.cpu.get_cpu_capability()
        info["torch_threads"] = torch.get_num_threads()
        config = torch.__config__.show()
        found = [re.search(pattern, config) for pattern in (r"Math Kernel Library Version (\S+)",
                                                           r"MKL-DNN (v\S+)", r"OpenMP (\d+)")]
        info["torch_blas"] = [f"{name} {m.group(1)}" for name, m in zip(("MKL", "oneDNN", "OpenMP"), found) if m]
        info["torch_cuda"] = torch.cuda.is_available()
    json.dump(info, sys.stdout)


#: Vector extensions recorded from ``/proc/cpuinfo`` (x86 ``flags``, Arm ``Features``), in this order.
VECTOR_FLAGS = ("sse4_2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_vnni", "avx512_bf16",
                "avx512_fp16", "amx_tile", "amx_bf16", "amx_int8", "asimd", "sve", "sve2")


def parse_cpuinfo(text):
    r"""``(model, vector_flags)`` of the first processor in the text of ``/proc/cpuinfo``.

    ``vector_flags`` are the :data:`VECTOR_FLAGS` the processor lists; ``model`` is ``None`` when no line names it.

    >>> parse_cpuinfo("model name\t: Intel(R) Xeon(R) Processor\nflags\t\t: fpu sse avx2 fma avx512f amx_tile\n")
    ('Intel(R) Xeon(R) Processor', ['avx2', 'fma', 'avx512f', 'amx_tile'])
    """
    model, flags = None, None
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key = key.strip().lower()
        if key in ("model name", "hardware") and model is None:
            model = value.strip() or None
        elif key in ("flags", "features") and flags is None:
            present = set(value.split())
            flags = [name for name in VECTOR_FLAGS if name in present]
    return model, flags or []


def cpu_kind(model, flags):
    """The CPU's kind, a file-name slug: vendor, family (the first two words of the model name made of letters
    only) and the widest vector extension for float32 (``avx512``, ``avx2``, ``sve``, ``neon`` or ``generic``).

    >>> cpu_kind("Intel(R) Xeon(R) Platinum 8480+", ["avx2", "avx512f", "amx_tile"])
    'intel-xeon-avx512'
    >>> cpu_kind("AMD EPYC 7B13 64-Core Processor", ["avx2", "fma"])
    'amd-epyc-avx2'
    """
    words = [w for w in re.split(r"[^a-z0-9]+", re.sub(r"\((?:r|tm)\)", " ", (model or "").lower())) if w.isalpha()]
    words = [w for w in words if w not in ("cpu", "processor")][:2] or ["unknown"]
    flags = set(flags)
    vector = next((name for name, flag in (("avx512", "avx512f"), ("avx2", "avx2"), ("sve", "sve"), ("neon", "asimd"))
                   if flag in flags), "generic")
    return "-".join(words + [vector])


def cpu_info():
    """``(model, vector_flags, kind)`` of this machine's CPU (``/proc/cpuinfo``, else ``lscpu``, else platform)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            model, flags = parse_cpuinfo(f.read())
    except OSError:
        model, flags = None, []
    if model is None:
        try:
            out = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
            model = parse_cpuinfo(out.replace("Model name", "model name"))[0]
        except OSError:
            pass
    model = model or platform.processor() or platform.machine() or "unknown"
    return model, flags, cpu_kind(model, flags)


#: Where Linux tells how it maps memory: transparent huge pages, and the virtio devices of a virtual machine.
THP_DIR = "/sys/kernel/mm/transparent_hugepage"
VIRTIO_DIR = "/sys/bus/virtio/devices"
#: The virtio device id of a memory balloon, and the feature bit by which it reports free pages to the host
#: (``VIRTIO_BALLOON_F_REPORTING``; the virtio specification, section 5.5.3).
BALLOON_DEVICE, BALLOON_REPORTING_BIT = 0x0005, 5


def _read_setting(path):
    """The text of a one-line system file (``/sys``), stripped; ``None`` where it is missing, unreadable or empty."""
    try:
        with open(path, encoding="ascii") as f:
            return f.read().strip() or None
    except (OSError, UnicodeDecodeError):
        return None


def memory_settings(thp_dir=THP_DIR, virtio_dir=VIRTIO_DIR):
    r"""How the system maps memory, which changes what mapping a large array costs (see the Method's paragraph on
    page faults): ``{"thp": ..., "thp_defrag": ..., "free_page_reporting": ...}``.

    ``thp`` and ``thp_defrag`` are the selected settings of transparent huge pages (``always``, ``madvise``,
    ``never``...; NumPy asks for huge pages on its large arrays, so ``madvise`` gives them to ours), ``None`` where
    the system does not say. ``free_page_reporting`` is whether a virtio memory balloon reports freed memory to the
    virtual machine's host, which takes the pages back until they are touched again (``False`` without such a
    device, as on most machines that are not virtual).

    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> for name, text in {"thp/enabled": "always [madvise] never", "thp/defrag": "always defer [madvise] never",
    ...                    "virtio/virtio0/device": "0x0005", "virtio/virtio0/features": "011001010000"}.items():
    ...     path = root / name
    ...     path.parent.mkdir(parents=True, exist_ok=True)
    ...     _ = path.write_text(text + "\n")
    >>> memory_settings(root / "thp", root / "virtio")
    {'thp': 'madvise', 'thp_defrag': 'madvise', 'free_page_reporting': True}
    """
    def selected(name):
        found = re.search(r"\[([^\]]+)\]", _read_setting(os.path.join(thp_dir, name)) or "")
        return found.group(1) if found else None

    reporting = False
    try:
        devices = sorted(os.listdir(virtio_dir))
    except OSError:
        devices = []
    for device in devices:
        kind, features = (_read_setting(os.path.join(virtio_dir, device, name)) for name in ("device", "features"))
        if kind and features and int(kind, 16) == BALLOON_DEVICE:
            reporting = reporting or features[BALLOON_REPORTING_BIT:BALLOON_REPORTING_BIT + 1] == "1"
    return {"thp": selected("enabled"), "thp_defrag": selected("defrag"), "free_page_reporting": reporting}


def _memory_text(info):
    """The Machine table's memory row, from :func:`memory_settings` (``"not recorded"`` in older results)."""
    settings = info.get("memory")
    if settings is None:
        return "not recorded"
    thp = (f"transparent huge pages {settings['thp']} (defrag {settings['thp_defrag']})" if settings["thp"]
           else "transparent huge pages: not reported")
    reporting = ("free memory reported to the virtual machine's host (virtio-balloon free page reporting)"
                 if settings["free_page_reporting"] else "no free page reporting to a host")
    return f"{thp}; {reporting}"


#: Where Linux tells how an idle CPU waits: the cpuidle driver and governor, and the guest halt polling of a KVM
#: guest's ``haltpoll`` driver (``Documentation/virt/guest-halt-polling.rst`` in the Linux sources).
CPUIDLE_DIR = "/sys/devices/system/cpu/cpuidle"
HALTPOLL_DIR = "/sys/module/haltpoll/parameters"


def idle_settings(cpuidle_dir=CPUIDLE_DIR, haltpoll_dir=HALTPOLL_DIR):
    r"""How an idle CPU waits, which sets what waking one of our threads costs (see the threads paragraph of the
    Method): ``{"driver": ..., "governor": ..., "halt_poll_ns": ...}``.

    ``driver`` and ``governor`` are the cpuidle driver and governor in use (``None`` where the system does not say).
    ``halt_poll_ns`` is how long, in ns, a KVM guest's idle vCPU polls for work before it halts
    (``guest_halt_poll_ns`` of the ``haltpoll`` driver), ``None`` without that driver. With ``0`` an idle vCPU halts
    at once, and waking it goes through the host: on 2 vCPUs of an AVX-512 Xeon guest so set (2026-12-06) a thread
    blocked for a millisecond ran again about 60 us after another one handed it work, and our 2-thread
    forward+backward ran 6-7 % faster with 200 us of polling (torch's, whose OpenMP threads spin, did not change).

    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> for name, text in {"idle/current_driver": "haltpoll", "idle/current_governor_ro": "haltpoll",
    ...                    "poll/guest_halt_poll_ns": "0"}.items():
    ...     path = root / name
    ...     path.parent.mkdir(parents=True, exist_ok=True)
    ...     _ = path.write_text(text + "\n")
    >>> idle_settings(root / "idle", root / "poll")
    {'driver': 'haltpoll', 'governor': 'haltpoll', 'halt_poll_ns': 0}
    """
    def cpuidle(name):
        return _read_setting(os.path.join(cpuidle_dir, name))

    poll = _read_setting(os.path.join(haltpoll_dir, "guest_halt_poll_ns"))
    return {"driver": cpuidle("current_driver"),
            "governor": cpuidle("current_governor") or cpuidle("current_governor_ro"),
            "halt_poll_ns": int(poll) if poll and poll.isdigit() else None}


def _idle_text(info):
    """The Machine table's row on idle CPUs, from :func:`idle_settings` (``"not recorded"`` in older results)."""
    settings = info.get("idle")
    if settings is None:
        return "not recorded"
    driver = (f"cpuidle driver {settings['driver'] or 'not reported'}, governor "
              f"{settings['governor'] or 'not reported'}")
    poll = settings["halt_poll_ns"]
    if poll is None:
        return f"{driver}; no guest halt polling driver"
    if poll == 0:
        return f"{driver}; guest halt polling off (guest_halt_poll_ns 0: an idle vCPU halts at once)"
    return f"{driver}; guest halt polling up to {poll / 1000:g} us before an idle vCPU halts"


def _loadavg():
    try:
        with open("/proc/loadavg", encoding="utf-8") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "n/a"


def machine_info(threads, removed):
    """A dict describing the machine and software, gathered in a subprocess with the benchmark environment."""
    model, flags, kind = cpu_info()
    got = harness.run_worker(os.path.abspath(__file__), ["--worker", "machine"], threads)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    got.update(cpu=model, cpu_flags=flags, kind=kind, cores=cores, removed_env=removed, load_start=_loadavg(),
               date=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
               code=code_version(), memory=memory_settings(), idle=idle_settings())
    return got


def code_version(root=harness.ROOT):
    """The commit the measured code was checked out at, ``"+ changes"`` added where the working tree differs from
    it (kept in the JSON file for developers: which code a kind's figures belong to); ``None`` outside a git
    checkout or without git."""
    def git(*args):
        return subprocess.run(["git", "-C", root, *args], capture_output=True, text=True, check=False)

    try:
        head = git("rev-parse", "--short=12", "HEAD")
        changed = git("status", "--porcelain", "--untracked-files=no")
    except OSError:
        return None
    if head.returncode or changed.returncode:
        return None
    return head.stdout.strip() + (" + changes" if changed.stdout.strip() else "")


def _blas_text(info, library_file=True):
    """NumPy's BLAS as threadpoolctl reports it: library, version, kernel, threading and (with ``library_file``) the
    shared library's file name, a long word that the index's side-by-side table leaves to each kind's page.

    >>> info = {"numpy_pools": [{"user_api": "blas", "internal_api": "openblas", "version": "0.3.31",
    ...                          "architecture": "Haswell", "threading_layer": "pthreads", "filepath": "/x/libo.so"}]}
    >>> _blas_text(info)
    'openblas 0.3.31, kernel Haswell, pthreads threading (libo.so)'
    >>> _blas_text(info, library_file=False)
    'openblas 0.3.31, kernel Haswell, pthreads threading'
    """
    pools = info.get("numpy_pools")
    if not pools:
        return "unknown (install threadpoolctl to report it)"
    return "; ".join(f"{p.get('internal_api')} {p.get('version')}, kernel {p.get('architecture')}, "
                     f"{p.get('threading_layer')} threading"
                     + (f" ({os.path.basename(p.get('filepath', ''))})" if library_file else "")
                     for p in pools if p.get("user_api") == "blas") or "none found"


def machine_rows(info, threads, other=None):
    """The machine table: ``info`` (``results["machine"]``), the thread counts and, from :func:`other_load_text`,
    the other processes' CPU use while timing (``other``, left out when ``None``)."""
    removed = ", ".join(f"{k}={v}" for k, v in info["removed_env"].items()) or "none (not set in this environment)"
    rows = [["date", info["date"]],
            ["CPU", f"{info['cpu']} ({info['cores']} cores available)"],
            ["CPU kind", info.get("kind") or cpu_kind(info["cpu"], info["cpu_flags"])],
            ["vector extensions", f"{', '.join(info['cpu_flags']) or 'none'} (looked for: {', '.join(VECTOR_FLAGS)})"],
            ["load average (1, 5, 15 min) at start / end", f"{info['load_start']} / {info.get('load_end', 'n/a')}"],
            ["platform", info["platform"]],
            ["memory", _memory_text(info)],
            ["idle CPUs", _idle_text(info)],
            ["Python", info["python"]],
            ["NumPy", info["numpy"]],
            ["NumPy BLAS (threadpoolctl)", _blas_text(info)],
            ["PyTorch", info["torch"] or "not installed"]]
    if info["torch"]:
        rows.append(["PyTorch build", f"CPU capability {info['torch_capability']}; " + "; ".join(info["torch_blas"])])
    pools = "OMP, OPENBLAS, MKL, NUMEXPR _NUM_THREADS and VECLIB_MAXIMUM_THREADS set before import"
    rows += [["threads", f"{', '.join(map(str, threads))} ({pools}; torch.set_num_threads)"],
             ["OpenBLAS overrides removed", removed]]
    if other is not None:
        rows.append(["CPUs other processes kept busy while timing", other])
    return rows


def other_load(results):
    """``[(window, cpus)]``: per timing window (a round of a section at one thread count), the CPUs that other
    processes kept busy meanwhile (``other_cpus`` of the rows, :class:`harness.OtherLoad`); windows that could not
    be measured and results recorded before it was measured are left out.

    >>> other_load({"conv": [{"op": "conv1d", "threads": 1, "shape": "a", "other_cpus": [0.01, 0.9]},
    ...                      {"op": "conv1d", "threads": 1, "shape": "b", "other_cpus": [0.01, 0.9]}],
    ...             "train": [{"threads": 2, "other_cpus": [None]}]})
    [('conv1d, 1 thread(s), round 1', 0.01), ('conv1d, 1 thread(s), round 2', 0.9)]
    """
    windows = {}
    sections = [(f"{r['op']}, {r['threads']} thread(s)", r) for r in results.get("conv") or []]
    sections += [(f"{name}, {r['threads']} thread(s)", r) for key, name in (("engine", "per-op overhead"),
                                                                          ("train", "training step"))
                 for r in results.get(key) or []]
    for label, row in sections:
        for round_, cpus in enumerate(row.get("other_cpus") or [], start=1):
            if cpus is not None:
                windows[f"{label}, round {round_}"] = cpus
    return list(windows.items())


def other_load_text(results):
    """The machine table's line on :func:`other_load`: its range over the windows and the disturbed ones
    (above :data:`harness.DISTURBED_CPUS`), or ``None`` for results without it.

    >>> other_load_text({"train": [{"threads": 1, "other_cpus": [0.02, 0.6]}]})
    '0.02-0.6 over 2 timing windows; above 0.25 (disturbed): training step, 1 thread(s), round 2 (0.6)'
    """
    windows = other_load(results)
    if not windows:
        return None
    values = [cpus for _, cpus in windows]
    text = f"{min(values):.3g}-{max(values):.3g} over {len(values)} timing windows"
    disturbed = disturbed_windows(results)
    if disturbed:
        text += f"; above {harness.DISTURBED_CPUS} (disturbed): " + ", ".join(f"{w} ({c:.3g})" for w, c in disturbed)
    return text


def disturbed_windows(results):
    """The windows of :func:`other_load` in which other processes kept more than :data:`harness.DISTURBED_CPUS`
    CPUs busy."""
    return [(window, cpus) for window, cpus in other_load(results) if cpus > harness.DISTURBED_CPUS]


# ------------------------------------------------------------------------------------------------ running
def _log(message):
    print(message, file=sys.stderr, flush=True)


def run_all(sections, threads, quick, gpu=False, shapes=None, ops=None, memory=True, naive=True):
    """Run the selected sections; return the results dict that :func:`render_markdown` and :func:`render_text` take.

    ``shapes`` (case or family names, default every case, or :data:`QUICK_SHAPES` with ``quick``) and ``ops``
    (default both) select the convolution cases; ``memory`` and ``naive`` add the peak memory and the naive
    baselines to them.
    """
    from benchmarks import conv

    removed = {name: os.environ.pop(name) for name in harness.OPENBLAS_OVERRIDES if name in os.environ}
    shapes = conv.expand_shapes(shapes or (QUICK_SHAPES if quick else tuple(conv.SHAPES)))
    ops = tuple(ops or conv.OPS)
    results = {"quick": quick, "threads": list(threads), "sections": list(sections), "timings_s": {},
               "shapes": list(shapes), "ops": list(ops)}
    results["machine"] = machine_info(threads[0], removed)
    repeats = 3 if quick else 7
    if "conv" in sections:
        t0 = time.perf_counter()
        _log(f"conv: {len(shapes)} cases x {len(ops)} ops x threads {list(threads)} ...")
        # 3 rounds: on a shared machine whose speed drifts by tens of percent, one round leaves too much to chance
        rows = conv.run_benchmarks(tuple(threads), ops, shapes, quick=quick, repeats=repeats,
                                   rounds=1 if quick else 3, memory=memory)
        if naive:   # the baselines work on channels_last arrays: no naive figure for a channels_first case
            cases = {name: conv.SHAPES[name] for name in shapes if conv.data_format(name) == "channels_last"}
            naive_rows = baselines.run_baselines(cases, tuple(threads), ops, repeats=repeats) if cases else {}
        for r in rows:
            if naive:
                r.update(naive_rows.get((r["op"], r["threads"], r["shape"]), {}))
        results["conv"] = rows
        results["timings_s"]["conv"] = time.perf_counter() - t0
    if "engine" in sections:
        from benchmarks import engine_overhead

        t0 = time.perf_counter()
        _log("engine overhead ...")
        results["engine"] = [engine_overhead.measure(runs=7, rounds=1 if quick else 2,
                                                     chains_per_run=10 if quick else 50, threads=n) for n in threads]
        results["timings_s"]["engine"] = time.perf_counter() - t0
    if "train" in sections:
        from benchmarks import train_step

        t0 = time.perf_counter()
        _log("training step ...")
        results["train"] = [train_step.measure(runs=7, rounds=1 if quick else 2, steps_per_run=10 if quick else 50,
                                               threads=n) for n in threads]
        results["timings_s"]["train"] = time.perf_counter() - t0
    if "scaling" in sections:
        from benchmarks import scaling

        t0 = time.perf_counter()
        _log(f"scaling ({min(threads)} thread) ...")
        results["scaling"] = scaling.run_scaling(threads=min(threads), quick=quick, repeats=repeats)
        results["timings_s"]["scaling"] = time.perf_counter() - t0
    if gpu:
        from benchmarks import gpu as gpu_bench

        ok, why = gpu_bench.gpu_available()
        if ok:
            t0 = time.perf_counter()
            _log("GPU ...")
            shapes = gpu_bench.QUICK_SHAPES if quick else gpu_bench.GPU_SHAPES
            results["gpu"] = gpu_bench.measure(shapes, repeats=7 if quick else 20)
            results["gpu"]["quick"] = quick
            results["timings_s"]["gpu"] = time.perf_counter() - t0
        else:
            results["gpu"] = None
            results["gpu_why"] = why
    results["machine"]["load_end"] = _loadavg()
    return results


def _gpu_message(results):
    return f"{NO_GPU} ({results.get('gpu_why')})." if results.get("gpu_why") else f"{NO_GPU}."


def render_text(results):
    """Everything as plain text tables (what ``make bench`` prints)."""
    parts = ["Machine", text_table(["item", "value"], machine_rows(results["machine"], results["threads"],
                                                                   other_load_text(results)), left=2)]
    if disturbed_windows(results):
        parts += ["", ("NOTE: other processes kept CPUs busy while some sections were timed (see 'CPUs other "
                       "processes kept busy while timing' above): those figures are unreliable; measure again "
                       "with nothing else running.")]
    elif _busy(results):
        load = results["machine"].get("load_start", "n/a")
        parts += ["", (f"NOTE: the machine was busy (load average {load} at the start), so these figures are "
                       "noisy: measure again on a quiet machine before relying on them.")]
    summary = target_rows(results)
    if summary:
        parts += ["", "Targets", text_table(["target", "case", "measured", "status"], summary, left=2)]
    if results.get("conv"):
        parts += ["", "Convolutions (x = ours / torch, lower is better)",
                  text_table(CONV_HEADERS, conv_rows(results["conv"]), left=3)]
        mem = memory_rows(results["conv"])
        if mem:
            parts += ["", "Peak extra memory of one fwd+bwd call", text_table(MEMORY_HEADERS, mem, left=2)]
    if results.get("engine"):
        parts += ["", "Engine overhead (chain of 100 adds)", text_table(ENGINE_HEADERS, engine_rows(results["engine"]))]
    if results.get("train"):
        parts += ["", "Training step", text_table(TRAIN_HEADERS, train_rows(results["train"]))]
    if results.get("scaling"):
        s = results["scaling"]
        parts += ["", f"Scaling (conv1d_transpose fwd+bwd, {s['threads']} thread)",
                  text_table(SCALING_HEADERS, scaling_rows(s), left=1),
                  f"log-log slopes (upper half): batch {s['slopes']['batch']:.2f}, length {s['slopes']['length']:.2f}"]
    if "gpu" in results:
        from benchmarks import gpu as gpu_bench

        parts += ["", "GPU (ours on CuPy / torch CUDA)"]
        if results["gpu"]:
            t = results["gpu"]["train"]
            parts += [text_table(gpu_bench.CONV_HEADERS, gpu_bench.conv_rows(results["gpu"]["conv"]), left=3),
                      f"training step: ours {t['ours_ms']:.3f} ms, torch {t['torch_ms']:.3f} ms, x {t['ratio']:.2f}"
                      if "ratio" in t else f"training step FAILED: {t.get('error')}"]
        else:
            parts.append(_gpu_message(results))
    return "\n".join(parts)


def _code(value):
    return f"`{value}`"


METHOD = """\
* "x" is ours / torch throughout: lower is better, below 1 we are faster. A target is met or missed by its "x"; a
  ratio within 0.005 of its target is given to three decimals (more while three would still read as the target
  itself), so that "met" and "missed" never show the same number.
* Every case runs in fresh processes, with every BLAS/OpenMP thread pool fixed (environment set before NumPy or torch
  is imported; `torch.set_num_threads` too), once with each thread count. `OPENBLAS_CORETYPE` and `OPENBLAS_L2_SIZE`
  are removed together from the benchmark processes' environment, so that OpenBLAS picks its kernel for the real CPU
  (reported below). Each of these processes is pinned to as many CPUs as it has threads, the first ones the benchmark
  may use and the same ones for both frameworks (`os.sched_setaffinity`; none when it has all of them): on a 2-vCPU
  virtual machine (2026-12-01) a lone unpinned thread ran 1.4-1.9x slower in some runs, moved by the guest between its
  vCPUs.
* A convolution time is a framework's median over its 27 calls: in each of 3 rounds, 3 sets of inputs built one after
  the other, 3 calls each <WARM-UP> A ratio "x" is the median over the 9 slots of our median on the slot
  over torch's, so it is in general not the quotient of the "ms" columns. Next to each convolution ratio, the targets
  table gives a distribution-free 96 % interval for the median of the pair ratios, treating the 9 pairs as independent:
  the 2nd smallest to the 2nd largest. The speed of a shared machine drifts by tens of percent within a minute; the two
  halves of a pair are timed one right after the other, at nearly the same speed (a half takes up to a few seconds, on
  the large case), and in the first two paired runs, on an AVX-512 Xeon (2026-12-01, 44
  cases each), the paired ratio had 40 % and 64 % of the variance of an unpaired one (median over the cases). Pairing
  does not remove differences in a process's own state, such as where its arrays lie or whether glibc has given memory
  back. Results recorded before 2026-12-01 evening (their JSON rows have no `ratio_fwd_bwd_of_medians`)
  give "x" as the quotient of the two medians over all calls. Timing starts once both processes have
  imported their library and run a tiny case (they share the same CPUs). With several threads each process waits 0.2 s
  after every set of inputs before the other starts: OpenBLAS's workers keep polling for work for about 0.1 s after a
  product, and that slowed the next timed calls by up to 1.6x (measured 2026-12-01). New inputs lie elsewhere in
  memory, and in a measurement outside these runs that alone changed torch's time for the same work by up to 2x
  (2026-12-01: 5.5 to 10.7 ms, conv1d with dilation 3 and 1 thread, pinned, while ours stayed within 3 %); "f+b range
  over input sets" gives the range of the per-set medians of each framework.
* Page faults: a process's time also depends on the state of its heap. Where glibc has given freed memory back to the
  system, the next call maps it again, one page fault per page it touches. "page faults per f+b call" is the median
  count of minor page faults (`getrusage`, over every timed fwd+bwd call) of each framework, so that a reader sees
  which state a ratio was measured in. Torch pays none in some cases and hundreds to thousands per call in others
  (over 100,000 on the large case), for the same work: the medium and channels_first cases are the same computation
  for torch. In a measurement outside these runs (2026-12-01, conv1d dilated, 1 thread) torch took 9.0 ms in its
  faulting state against 5.7 ms with glibc told to keep freed memory. In the runs of 2026-12-01 ours paid them only on
  the large case, whose largest array (67 MB: the output of `conv1d_transpose`, the input gradient of `conv1d`) is
  above glibc's 32 MiB ceiling for reusing freed memory, so that every call maps it anew, as any implementation must
  (with far fewer faults than 4 KiB pages where the system maps transparent huge pages). On a 2-vCPU KVM guest
  (Firecracker, AMD EPYC, 2026-12-05) mapping that array sometimes cost far more: conv1d_transpose's forward on the
  large case with 2 threads took about 162 ms instead of 92 in about half of the sets, mostly those that torch timed
  first, with 600-880 instead of 100-130 ms of system time per set of 6 calls (the same user time and the same
  number of page faults). Driven by hand on a second such guest, it happened in 4 of 8 sets right after torch's
  calls, whether or not 3 s passed in between, and in 1 of 12 sets of a run without torch. That guest reports freed
  memory to its host, which takes the pages back until they are touched again (the Machine table's "memory" row):
  a likely cause, not a proven one. Such sets count as they come, in the ratios and the GEMM rates. The benchmark
  leaves glibc's settings at their defaults, as a user has them; a ratio measured where torch pays no faults is the
  harder comparison for us.
* Waking threads: with several threads our batch parts are handed to a helper thread and their results back (and
  the two threads take turns holding Python's GIL between NumPy calls); a thread that waits blocks. Where an idle
  vCPU of a virtual machine halts at once (the Machine table's "idle CPUs" row: guest halt polling off), waking it
  again goes through the host. On such a 2-vCPU guest (AVX-512 Xeon, 2026-12-06) a thread blocked for a millisecond
  ran again about 60 us after it was handed work, and with the guest's halt polling set to 200 us (for the
  measurement only) our 2-thread forward+backward took 0.93x the time on the dilated case and 0.94x on the
  channels_first case, torch's 1.00x (its OpenMP threads spin while they wait). The benchmark records that setting
  and leaves it as the machine has it.
* The training step and the per-op overhead (engine) are timed in pairs too: in each of 2 rounds one process per
  framework, the two taking turns batch by batch (7 batches of 50 steps or chains each, 1 round of 10-step or 10-chain
  batches with `--quick`), torch first in every other pair; a framework's time is its median over its batches and "x"
  the median of the 14 per-pair ratios. The targets table gives an interval for the median of those ratios, as for the
  convolutions (with 14 pairs, the 3rd smallest to the 3rd largest: 99 %). Rows without `"paired": true` in the JSON,
  from runs before this method, give the quotient of the two medians (the engine: over 7 batches in each of 2
  processes per framework).
* Other processes: for each timing window (a round of a section at one thread count), the machine's busy CPU time
  (`/proc/stat`) less the benchmark's own processes' (`/proc/<pid>/stat`), over the window's wall-clock time, is
  given under Machine as "CPUs other processes kept busy while timing". Above 0.25 the window counts as disturbed and
  the note at the top of the page says so: a test run alongside reads about 1. The note goes by these windows, not by
  the load average, which also counts whatever ran in the minute before (results recorded without the windows go by
  the load average at the start). It does not see a virtual machine's host being slower (that shows only as the
  drift that pairing is for).
* float32 throughout. Ours runs on channels_last NumPy arrays (Keras layouts), torch on its native channels-first
  layout. fwd+bwd is a forward pass plus the backward of `sum(y * g)` for a fixed `g`, computing the gradients of
  input, kernel and bias.
* GEMM reference: a NumPy matrix product `(B L, C_in) @ (C_in, k filters)` with the forward pass's FLOP count, timed
  in the same process as ours, right after both frameworks have timed the case (median of its rounds), so that both
  are taken at nearly the same speed of the machine. "% GEMM" is its time over ours (for fwd+bwd, 3 times its time
  over ours, since fwd+bwd does 3 products of that size). It is a reference rate, not a bound: our smaller, blocked
  products can run faster than this one large product, so a figure can exceed 100 %.
* Naive baseline: the textbook zero-insertion transposed convolution in NumPy (insert `s - 1` zeros between input
  steps, pad, correlate with the flipped kernel one tap at a time) and a tap-loop convolution, with their backward
  passes written the same way (`benchmarks/baselines.py`).
* Peak extra memory of one fwd+bwd call, the same way for both frameworks: in a fresh process that holds the inputs
  and has warmed the library up on a tiny problem, the kernel's resident-set high-water mark is reset
  (`/proc/self/clear_refs`), and the peak is `VmHWM` after the call minus `VmRSS` before it. glibc is told
  (`MALLOC_MMAP_THRESHOLD_=65536`) to give every allocation of 64 KiB or more its own pages and to return them on
  free, so that no reuse of freed memory hides an allocation. For ours, the tracemalloc peak of the same call (NumPy
  reports its allocations to tracemalloc) is given too: in the runs of 2026-12-01 it was within about 1 MiB of the
  resident-set figure, either way (tracemalloc also counts memory allocated but never touched, and the resident set
  also counts the interpreter's own allocations).
"""

def shapes_text(names):
    """The cases ``names`` in words (their dims, layout and family)."""
    from benchmarks import conv

    family = {case: fam for fam, cases in conv.FAMILIES.items() for case in cases}
    cases = ", ".join(f"{name} {tuple(conv.SHAPES[name])}" + (" channels_first" if name in conv.CHANNELS_FIRST else "")
                      + (f" [{family[name]}]" if family.get(name, name) != name else "")
                      for name in names if name in conv.SHAPES)
    return (f"Cases `(N, L, C_in, filters, kernel_size, strides, dilation)`, with the family of shapes a case "
            f"belongs to in brackets where it has one: {cases}; "
            "`padding=\"valid\"`. conv1d gets the input length of the transposed convolution's output, so both ops "
            "do the same multiply-adds. Ours gets channels_last arrays except in the channels_first case; torch "
            "always runs on its native channels-first layout.")


def _paired_note(row, unit):
    """The sentence under the engine or training-step table saying that its "ours / torch" is a median of pair
    ratios (rows with ``"paired": true``), not the quotient of its ``unit`` columns; ``""`` for older rows."""
    if not row.get("paired"):
        return ""
    return (f" \"ours / torch\" is the median of the {row['runs'] * row['rounds']} ratios of batches timed one right "
            f"after the other (see Method): in general not the quotient of the {unit} columns.")


def _busy(results):
    """Whether the machine was busy while the run timed: where other processes' CPU use was measured
    (:func:`other_load`), whether a timing window was disturbed; in older results, whether the 1-minute load average
    before the run exceeded a quarter of the cores (that average also counts whatever ran in the minute before)."""
    if other_load(results):
        return bool(disturbed_windows(results))
    machine = results["machine"]
    try:
        return float(machine["load_start"].split()[0]) > 0.25 * machine["cores"]
    except (ValueError, IndexError, KeyError):
        return True


def render_markdown(results, plot=None):
    """The page of one CPU kind, ``docs/performance/<kind>.md`` (MyST Markdown): everything measured by one run.

    Its only links are the index ``../performance.md`` and ``plot`` (a path relative to the page's folder).
    """
    m = results["machine"]
    quick = " with `--quick` (a smoke run: fewer repeats and shapes)" if results["quick"] else ""
    load = f"load average {m['load_start']} at the start, {m.get('load_end', 'n/a')} at the end, on {m['cores']} cores"
    disturbed, windows = disturbed_windows(results), other_load(results)
    if disturbed:
        note = (f"These numbers were measured on a shared machine where other processes kept more than "
                f"{harness.DISTURBED_CPUS} CPUs busy while timing " + ", ".join(window for window, _ in disturbed)
                + f" ({load}), so those figures are unreliable. Regenerate this page with `make bench` on a quiet "
                "machine before relying on them.")
    elif _busy(results):
        note = (f"These numbers were measured on a shared machine that was busy at the time ({load}), so they are "
                "noisy. Regenerate this page with `make bench` on a quiet machine before relying on them.")
    else:
        others = (f"; other processes kept at most {max(c for _, c in windows):.3g} CPUs busy while it timed (see "
                  "Machine)" if windows else "")
        note = (f"Measured with {load}{others}. Timings on a shared machine are noisy: if it was busy, regenerate "
                "this page with `make bench` on a quiet machine.")
    kind = m.get("kind") or cpu_kind(m["cpu"], m["cpu_flags"])
    lines = [f"# CPU: {m['cpu']} ({kind})", "",
             (f"Generated by `make bench` (`benchmarks/run.py`) on {m['date']}{quick}, on a CPU of kind `{kind}` "
             f"(vector extensions: {', '.join(m['cpu_flags']) or 'none of ' + ', '.join(VECTOR_FLAGS)}). The "
             "[index](../performance.md) sets it beside the other kinds measured."), "",
             "```{note}", note, "```", "", "## Method", "", method_text(results)]
    lines += ["## Machine", "", markdown_table(["item", "value"], machine_rows(m, results["threads"],
                                                                         other_load_text(results))), ""]
    summary = target_rows(results)
    if summary:
        missed = sum(row[-1] == "missed" for row in summary)
        unsettled, paired = unsettled_count(results)
        settled = (f" For {unsettled} of the {paired} ratios timed in pairs the interval contains the target: the "
                   "pairs alone do not settle whether those were met." if paired else "")
        lines += ["## Targets", "", markdown_table(["target", "case", "measured", "status"], summary), "",
                  f"{len(summary) - missed} of {len(summary)} targets met, {missed} missed.{settled}", ""]
    if results.get("conv"):
        rows = results["conv"]
        lines += ["## Convolutions", "",
                  (f"{shapes_text(dict.fromkeys(r['shape'] for r in rows))} {_calls_text(rows[0])} \"f+b target\" "
                  "is the project's goal: at most "
                  f"{TARGETS['fwd_bwd_1']}x torch with 1 thread, {TARGETS['fwd_bwd_2']}x with 2."), "",
                  *_conv_tables(conv_rows(rows))]
        mem = memory_rows(rows)
        if mem:
            method = {r.get("memory_method") for r in rows} - {None}
            text = (f"One fwd+bwd call, measured with {min(results['threads'])} thread(s) "
                    f"(method: {', '.join(sorted(method)) or 'n/a'}). \"needed\" is the output plus the gradients "
                    "of input, kernel and bias, which any implementation allocates.")
            lines += ["## Peak memory", "", text, "",
                      markdown_table(MEMORY_HEADERS, mem), ""]
    if results.get("engine"):
        e = results["engine"][0]
        text = (f"A chain of {e['n_ops']} additions `y = y + x` on a {tuple(e['shape'])} float32 tensor, then `sum` "
                f"and `backward`; time per addition in microseconds (median of {e['runs'] * e['rounds']} batches "
                f"of {e['chains_per_run']} chains).")
        text += _paired_note(e, "us/op")
        lines += ["## Engine overhead", "", text, "", markdown_table(ENGINE_HEADERS, engine_rows(results["engine"])),
                  ""]
    if results.get("train"):
        t = results["train"][0]
        mm = t["model"]
        text = (f"One step of a Conv1DTranspose model ({mm['in_channels']} -> {mm['filters']} channels, kernel "
                f"{mm['kernel_size']}, strides {mm['strides']}) on a batch of {mm['batch']} x {mm['length']}: "
                "forward, mean squared error, backward, Adam update, written by hand on both sides from the same "
                f"starting weights (median of {t['runs'] * t['rounds']} batches of {t['steps_per_run']} steps).")
        text += _paired_note(t, "ms")
        lines += ["## Training step", "", text, "", markdown_table(TRAIN_HEADERS, train_rows(results["train"])), ""]
    if results.get("scaling"):
        s = results["scaling"]
        text = (f"`conv1d_transpose` fwd+bwd with the medium shape's channels (C_in = filters = {s['in_channels']}, "
                f"kernel {s['kernel_size']}, strides {s['strides']}), {s['threads']} thread: batch N swept at L = "
                f"{s['base_length']}, length L swept at N = {s['base_batch']}, one process per point, median of "
                f"{s['repeats']} calls. \"needed\" is the output plus the three gradients (what any implementation "
                "allocates); \"scratch\" = tracemalloc peak - needed is the implementation's working memory. Time "
                "grows linearly when ns / (N L) stays flat; the fitted log-log slopes (upper half of each sweep) are "
                f"{s['slopes']['batch']:.2f} in N and {s['slopes']['length']:.2f} in L.")
        lines += ["## Scaling", "", text, "", markdown_table(SCALING_HEADERS, scaling_rows(s)), ""]
        if plot:
            lines += [f"![conv1d_transpose fwd+bwd time and memory against batch size and length]({plot})", ""]
    lines += ["## GPU", ""]
    if results.get("gpu"):
        from benchmarks import gpu as gpu_bench

        g = results["gpu"]
        t = g["train"]
        step = (f"ours {t['ours_ms']:.3f} ms, torch {t['torch_ms']:.3f} ms ({t['ratio']:.2f}x)" if "ratio" in t
                else f"FAILED: {t.get('error')}")
        text = (f"Ours on the CuPy backend against torch CUDA on {g['machine']['device']}, every timed call between "
                f"two device synchronisations (`benchmarks/gpu.py`; its page is under `gpu/`). Training step: "
                f"{step}.")
        lines += [text, "", markdown_table(gpu_bench.CONV_HEADERS, gpu_bench.conv_rows(g["conv"])), ""]
    elif "gpu" in results:
        lines += [_gpu_message(results), ""]
    else:
        lines += [("Not run (`--gpu` not given). `benchmarks/gpu_check.sh` (or `python benchmarks/run.py --gpu`) "
                   "times the convolutions and the training step on the CuPy backend against torch CUDA when both "
                   "and a GPU are present."), ""]
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------------ the index
def load_results(directory):
    """``{kind: results}`` from every ``<kind>.json`` in ``directory`` (none when it does not exist), sorted."""
    if not os.path.isdir(directory):
        return {}
    found = {}
    for name in sorted(os.listdir(directory)):
        if name.endswith(".json"):
            with open(os.path.join(directory, name), encoding="utf-8") as f:
                found[name[:-len(".json")]] = json.load(f)
    return found


def _ratio_cell(value, limit=None):
    """``"0.62"``; ``"**1.27 missed**"`` above ``limit`` (digits as :func:`fmt_ratio` gives them); ``"-"`` when not
    measured.

    >>> _ratio_cell(0.6234), _ratio_cell(1.00023, 1.0), _ratio_cell(0.998, 1.0), _ratio_cell(None)
    ('0.62', '**1.0002 missed**', '0.998', '-')
    """
    if value is None:
        return "-"
    if limit is None:
        return f"{value:.2f}"
    return f"**{fmt_ratio(value, limit)} missed**" if value > limit else fmt_ratio(value, limit)


def _case_order(names):
    from benchmarks import conv

    known = list(conv.SHAPES)
    return sorted(names, key=lambda name: (known.index(name) if name in known else len(known), name))


def _targets_met(results):
    """The Machines table's two counts of a kind's targets: ``(in the index's tables, against the GEMM)``.

    The index's tables show the targets against torch (times, memory, training step, overhead); the targets
    against the reference GEMM (:func:`target_rows`) are only on the kind's page. Together they are the kind's
    page's total.

    >>> _targets_met({"targets": [["conv1d fwd+bwd <= 1.0x torch", "small, 1 thread(s)", "0.9x", "met"],
    ...                           ["conv1d fwd+bwd <= 1.0x torch", "large, 1 thread(s)", "1.1x", "missed"],
    ...                           ["conv1d_transpose fwd >= 70% of GEMM GFLOP/s", "large, 1 thread(s)", "95%", "met"]]})
    ('1 met, 1 missed', '1 met, 0 missed')
    """
    rows = results.get("targets") or target_rows(results)

    def count(chosen):
        met = sum(row[-1] == "met" for row in chosen)
        missed = sum(row[-1] == "missed" for row in chosen)
        return f"{met} met, {missed} missed" if chosen else "none"

    gemm = [row for row in rows if "of GEMM" in row[0]]
    return count([row for row in rows if "of GEMM" not in row[0]]), count(gemm)


INDEX_INTRO = """\
`make bench` (`benchmarks/run.py`) measures tinygradconv against PyTorch on the machine it runs on and keeps one
results page per **CPU kind**: the vendor, the family and the widest vector extension for float32 (AVX-512, AVX2,
...), read from `/proc/cpuinfo`. A run writes `docs/performance/<kind>.md`, a machine-readable `<kind>.json` beside
it and its scaling plot, replacing only that kind's earlier results, and regenerates this page from every kind's
JSON file, so that machines measured at different times stand side by side. `benchmarks/gpu_check.sh` does the same
for GPUs under `docs/performance/gpu/`. The method, the machine (CPU model, vector extensions, BLAS kernel,
versions, threads, load) and every figure are on each kind's page. `benchmarks/ab.py` compares our own paths
instead: one case with a path switch flipped (`python benchmarks/ab.py conv1d dilated3 --variant
conv.BLOCKED_FORWARD=False`; `--list` names the switches), the variants timed in alternation, with their results'
largest difference, so that the measurements behind the choice of paths can be repeated on any machine.

Targets (the speed and memory goals this project sets itself): `conv1d_transpose` and `conv1d` forward+backward
at most **1.0x** torch's time with 1 thread and **1.25x** with 2 threads, on every case; the peak extra memory of
one forward+backward call at most torch's; the training step at most 1.0x torch's; the per-op overhead at most 2x
torch's; and `conv1d_transpose` on the `large` case, forward and forward+backward, with 1 and 2 threads, at least
**70 %** of the GFLOP/s of a reference GEMM (a NumPy matrix product with the forward pass's FLOP count). The GEMM
targets appear only on each kind's page. The Machines table counts a kind's targets in two rows, those shown in
the tables below and the GEMM targets; together they make the total on the kind's page.

In the tables below, x is ours / torch (lower is better), a missed target is marked **missed**, and - means not
measured on that kind; a ratio that was not a target when its kind was measured is shown without a verdict. Where a
kind's JSON rows were timed in pairs (one run of each framework right after the other), x is the median of the
per-pair ratios; in older rows it is the quotient of the two frameworks' median times. Each kind's page says which,
under Method. Since 2026-12-04 each set of convolution inputs gets 50 ms of untimed calls before it is timed, so that
the 2-thread figures are those of a running loop; earlier pages (their Method says "after 1 warm-up call") timed the
first calls after a pause, when our second thread could still share the first one's vCPU.
"""


#: When ``make bench`` began to time each set of convolution inputs after :data:`conv.WARMUP_S` seconds of untimed
#: calls instead of one call; rows have recorded it (``warmup_s``) since 2026-12-05.
WARMUP_SINCE = "2026-12-04 03:41 UTC"
#: The warm-up of the runs from :data:`WARMUP_SINCE` until rows recorded theirs (``conv.WARMUP_S`` in those days).
UNRECORDED_WARMUP_S = 0.05
_SAME_SLOT = ("In a round one process per framework stays alive, and the two take turns set by set: for each of the 9 "
              "slots (round and set), each framework builds its own inputs for the case (same shape and seed number, "
              "its own random generator) and times them, one framework right after the other, torch first in 5 of "
              "the 9 slots.")
_WAKE_UP = ("with several threads each worker pauses before it answers (below), and on a 2-vCPU KVM guest (AMD EPYC, "
            "2026-12-04) our first 2-thread calls after such a pause ran at one thread's speed for about 35 ms "
            "(conv1d, dilation 3: forward 3.1 ms instead of 1.9), because the guest woke our helper thread on the "
            "caller's vCPU; torch's OpenMP threads spin while they wait and kept theirs.")


def warmup_of(results):
    """The seconds of untimed calls before each set of convolution inputs was timed in ``results``, ``0.0`` for a
    single warm-up call: the rows' ``warmup_s``, else (results recorded before it was) what ``make bench`` did on
    the results' date (:data:`WARMUP_SINCE`).

    >>> warmup_of({"machine": {"date": "2026-12-02 08:47 UTC"}, "conv": [{"op": "conv1d"}]})
    0.0
    >>> warmup_of({"machine": {"date": "2026-12-05 09:50 UTC"}, "conv": [{"op": "conv1d"}]})
    0.05
    >>> warmup_of({"machine": {"date": "2026-12-09 10:00 UTC"}, "conv": [{"op": "conv1d", "warmup_s": 0.1}]})
    0.1
    """
    recorded = {row["warmup_s"] for row in results.get("conv", ()) if "warmup_s" in row}
    if recorded:
        return max(recorded)
    return UNRECORDED_WARMUP_S if results["machine"]["date"] >= WARMUP_SINCE else 0.0


def method_text(results):
    """The page's Method section (:data:`METHOD`), with the warm-up that ``results`` were timed after
    (:func:`warmup_of`): a page rendered again from an older run's JSON says what that run did."""
    warmup = warmup_of(results)
    if warmup:
        ms = f"{warmup * 1e3:.0f} ms"
        text = (f"after {ms} of untimed calls (at least one; 1 timed call per set in 1 round with `--quick`). "
                f"{_SAME_SLOT} The {ms} warm-up measures the steady state of a training loop, not a wake-up: "
                f"{_WAKE_UP} With a single warm-up call, as before 2026-12-04, every timed call fell in that window.")
    else:
        text = (f"after 1 warm-up call (1 call per set in 1 round with `--quick`). {_SAME_SLOT} These runs came "
                "before 2026-12-04, when the timed calls were found to fall into a wake-up: " + _WAKE_UP +
                " So this page's 2-thread figures may show ours slower than in a running loop; since then every "
                f"set of inputs gets {UNRECORDED_WARMUP_S * 1e3:.0f} ms of untimed calls first.")
    bullets = METHOD.split("\n* ")
    for i, bullet in enumerate(bullets):
        if "<WARM-UP>" in bullet:
            words = " ".join(bullet.replace("<WARM-UP>", text).split())
            bullets[i] = textwrap.fill(words, width=118, subsequent_indent="  ", break_on_hyphens=False,
                                       break_long_words=False) + bullet[len(bullet.rstrip()):]
    return "\n* ".join(bullets)


def unpaired_kinds(kinds):
    """The kinds (of ``{kind: results}``) with a convolution, training-step or engine row that was not timed in
    pairs (:func:`pair_ratios_of` is ``None``), in their order: the index names them under its intro.

    >>> unpaired_kinds({"a": {"conv": [{"ratio_fwd_bwd_of_medians": 1.0, "ours_fwd_bwd_draws_ms": [1.0],
    ...                                 "torch_fwd_bwd_draws_ms": [1.0]}]},
    ...                 "b": {"train": [{"ours_ms": 1.0, "torch_ms": 1.0}]}})
    ['b']
    """
    def compared(row):                 # a row with torch's time (not one measured without torch)
        return any(row.get(key) is not None for key in ("torch_fwd_bwd_ms", "torch_ms", "torch_us_per_op"))

    return [kind for kind, res in kinds.items()
            if any(compared(row) and pair_ratios_of(row) is None
                   for key in ("conv", "train", "engine") for row in res.get(key) or [])]


def _reader_text(note):
    """A provenance note as a reader needs it: without the commit hash it was recorded with (``as committed in
    38ab921``), which tells a student nothing; the JSON file keeps the full note."""
    return re.sub(r"\s+as committed in [0-9a-f]{7,40}\b", "", note)


def was_target(results, op, shape, threads):
    """Whether ``op``'s forward+backward on case ``shape`` with ``threads`` threads was a target when ``results``
    were measured: its saved targets table has that row (results without one count every case as a target).

    >>> saved = {"targets": [["conv1d_transpose fwd+bwd <= 1.0x torch", "small, 1 thread(s)", "0.62x", "met"]]}
    >>> was_target(saved, "conv1d_transpose", "small", 1), was_target(saved, "conv1d", "small", 1)
    (True, False)
    """
    if "targets" not in results:
        return True
    return any(row[0].startswith(f"{op} fwd+bwd") and row[1] == f"{shape}, {threads} thread(s)"
               for row in results["targets"])


def older_kinds_note(kinds):
    """A sentence for the index when its kinds were measured at different times: each ran the code of its own date,
    so the older ones do not show what has changed since (``None`` when all share the newest date).

    >>> older_kinds_note({"a": {"machine": {"date": "2026-12-02 08:47 UTC"}},
    ...                   "b": {"machine": {"date": "2026-12-05 04:05 UTC"}}})        # doctest: +NORMALIZE_WHITESPACE
    'Each kind ran the code of the day it was measured. `a` (2026-12-02 08:47 UTC) was measured before the newest
    kind, `b` (2026-12-05 04:05 UTC): its figures do not include what has changed since (the [changelog](changelog.md)
    lists it) and are refreshed by running `make bench` on such a machine.'
    """
    dates = {kind: res["machine"]["date"] for kind, res in kinds.items()}
    if not dates:
        return None
    newest = max(dates, key=dates.get)
    older = sorted((kind for kind in dates if dates[kind] < dates[newest]), key=dates.get)
    if not older:
        return None
    named = [f"`{kind}` ({dates[kind]})" for kind in older]
    names = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]
    verb, its = ("was", "its") if len(older) == 1 else ("were", "their")
    return (f"Each kind ran the code of the day it was measured. {names} {verb} measured before the newest kind, "
            f"`{newest}` ({dates[newest]}): {its} figures do not include what has changed since (the "
            f"[changelog](changelog.md) lists it) and are refreshed by running `make bench` on such a machine.")


def render_index(kinds, gpus=None):
    """``docs/performance.md``: the kinds of ``kinds`` (``{kind: results}``) and GPUs side by side, and the toctree."""
    gpus = gpus or {}
    lines = ["# Performance", "", INDEX_INTRO]
    unpaired = unpaired_kinds(kinds)
    if unpaired:
        names = ", ".join(f"`{kind}`" for kind in unpaired)
        lines += [f"Not timed in pairs (x is the quotient of the medians) in some or all rows: {names}.", ""]
    if not kinds:
        lines += ["No results yet: run `make bench`.", ""]
    else:
        columns = []    # one column per kind, one row per item: the kinds side by side fit a page's width
        for kind, res in kinds.items():
            m = res["machine"]
            torch_text = f"{m['torch']} ({m.get('torch_capability') or 'n/a'})" if m.get("torch") else "not installed"
            columns.append([m["cpu"], ", ".join(m["cpu_flags"]) or "none", _blas_text(m, library_file=False),
                            f"{m['numpy']}",
                            torch_text, m["date"] + (" (quick)" if res["quick"] else ""), *_targets_met(res)])
        items = ["CPU", "vector extensions", "NumPy BLAS (threadpoolctl)", "NumPy", "PyTorch (CPU capability)",
                 "measured", "targets in the tables below", "GEMM targets (its page)"]
        lines += ["## Machines", "",
                  markdown_table(["kind"] + [f"[{kind}](performance/{kind}.md)" for kind in kinds],
                                 [[item] + [column[i] for column in columns] for i, item in enumerate(items)]), ""]
        notes = [f"* `{kind}`: {_reader_text(res['migrated'])}" for kind, res in kinds.items() if res.get("migrated")]
        if notes:
            lines += notes + [""]
        older = older_kinds_note(kinds)
        if older:
            lines += [older, ""]
        conv = {(kind, r["op"], r["shape"], r["threads"]): r for kind, res in kinds.items()
                for r in res.get("conv") or []}
        cases = [(op, shape) for op in ("conv1d_transpose", "conv1d")
                 for shape in _case_order({key[2] for key in conv if key[1] == op})]
        columns = [(kind, n) for kind in kinds for n in (1, 2)]
        head = ["op", "case"] + [f"{kind}, {n} thread{'s' if n > 1 else ''}" for kind, n in columns]
        for title, key, with_target in (("Forward+backward time / torch's", "ratio_fwd_bwd", True),
                                        ("Forward alone, time / torch's (no target; for the record)", "ratio_fwd",
                                         False)):
            body = [[op, shape] + [_ratio_cell(conv.get((kind, op, shape, n), {}).get(key),
                                               TARGETS[f"fwd_bwd_{n}"] if with_target
                                               and was_target(kinds[kind], op, shape, n) else None)
                                   for kind, n in columns] for op, shape in cases]
            lines += [f"## {title}", "", markdown_table(head, body), ""]
        body = []
        for op, shape in cases:
            cells = []
            for kind in kinds:
                rows_here = [r for (k, o, c, _), r in conv.items() if (k, o, c) == (kind, op, shape)
                             and r.get("ours_peak_mb") is not None and r.get("torch_peak_mb")]
                if rows_here:   # "ratio_peak": the ratio as printed by a run whose MiB figures were rounded
                    r = rows_here[0]
                    cells.append(_ratio_cell(r.get("ratio_peak") or r["ours_peak_mb"] / r["torch_peak_mb"],
                                             TARGETS["memory"]))
                else:
                    cells.append("-")
            body.append([op, shape] + cells)
        lines += ["## Peak memory of one forward+backward call / torch's", "",
                  markdown_table(["op", "case"] + list(kinds), body), ""]
        body = []
        for section, label, limit in (("train", "training step", TARGETS["train"]),
                                      ("engine", "per-op overhead", TARGETS["engine"])):
            for n in (1, 2):
                cells = [_ratio_cell(next((r["ratio"] for r in res.get(section) or [] if r["threads"] == n), None),
                                     limit) for res in kinds.values()]
                body.append([f"{label}, {n} thread{'s' if n > 1 else ''}"] + cells)
        lines += ["## Training step and engine overhead / torch's", "",
                  markdown_table(["measure"] + list(kinds), body), ""]
    lines += ["## GPU", ""]
    if gpus:
        from benchmarks import gpu as gpu_bench

        conv = {(kind, r["op"], r["shape"]): r for kind, res in gpus.items() for r in res["conv"]}
        cases = [(op, shape) for op in gpu_bench.OPS for shape in _case_order({k[2] for k in conv if k[1] == op})]
        head = ["op", "case"] + [f"{kind} {what}" for kind in gpus for what in ("fwd x", "f+b x")]
        body = [[op, shape] + [_ratio_cell(conv.get((kind, op, shape), {}).get(key)) for kind in gpus
                               for key in ("ratio_fwd", "ratio_fwd_bwd")] for op, shape in cases]
        body.append(["training step", ""] + [cell for res in gpus.values()
                                              for cell in ("", _ratio_cell(res["train"].get("ratio")))])
        pages = ", ".join(f"[{kind}](performance/gpu/{kind}.md)" for kind in gpus)
        lines += [f"Ours on the CuPy backend / torch CUDA, float32 (pages: {pages}).", "",
                  markdown_table(head, body), ""]
    else:
        lines += [("No GPU results yet. On a machine with an NVIDIA GPU, CuPy and PyTorch, `benchmarks/gpu_check.sh` "
                  "runs the CuPy tests and the GPU benchmark and writes `docs/performance/gpu/<gpu>.md` and "
                  "`.json`; `python benchmarks/run.py --render-index` then adds them here."), ""]
    entries = [f"performance/{kind}" for kind in kinds] + [f"performance/gpu/{kind}" for kind in gpus]
    if entries:
        lines += ["```{toctree}", ":maxdepth: 1", ":caption: Results per machine", ""] + entries + ["```", ""]
    return "\n".join(lines)


def _write_atomic(path, text):
    """Write ``text`` to ``path`` through the package's atomic writer (ordinary permissions, never half a file)."""
    from tinygradconv.saving import atomic_write

    atomic_write(path, lambda f: f.write(text.encode("utf-8")))


def write_index(docs):
    """Regenerate ``<docs>/performance.md`` from ``<docs>/performance/*.json`` and ``<docs>/performance/gpu/*.json``."""
    kinds_dir = os.path.join(docs, "performance")
    path = os.path.join(docs, "performance.md")
    _write_atomic(path, render_index(load_results(kinds_dir), load_results(os.path.join(kinds_dir, "gpu"))))
    return path


def write_kind(results, docs):
    """Write this kind's page, JSON and scaling plot under ``<docs>/performance/`` (and the GPU's, if measured),
    then the index; return the paths written."""
    kind = results["machine"].get("kind") or cpu_kind(results["machine"]["cpu"], results["machine"]["cpu_flags"])
    kinds_dir = os.path.join(docs, "performance")
    os.makedirs(kinds_dir, exist_ok=True)
    written, plot = [], None
    if results.get("scaling"):
        from benchmarks import scaling

        plot = f"{kind}-scaling.png"
        scaling.plot_scaling(results["scaling"], os.path.join(kinds_dir, plot))
        written.append(os.path.join(kinds_dir, plot))
    results["targets"] = target_rows(results)
    base = os.path.join(kinds_dir, kind)
    _write_atomic(base + ".json", json.dumps(results, indent=1))
    _write_atomic(base + ".md", render_markdown(results, plot))
    written += [base + ".json", base + ".md"]
    if results.get("gpu"):
        from benchmarks import gpu as gpu_bench

        written += gpu_bench.write_results(results["gpu"], os.path.join(kinds_dir, "gpu"))
    written.append(write_index(docs))
    return written


def _not_written(args, results):
    """Why this run's results must not replace the kind's page (``None`` when they may)."""
    if set(results["sections"]) != set(SECTIONS):
        return "not every section ran (--only)"
    if results["quick"]:
        return "a --quick run is a smoke run"
    if args.shapes or args.ops or args.no_memory or args.no_naive:
        return "only part of the convolution cases or columns were measured"
    return None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, shapes and sweep points (smoke run)")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2],
                        help="thread counts to measure, each in its own processes (default: 1 2)")
    parser.add_argument("--only", nargs="+", choices=SECTIONS, default=list(SECTIONS),
                        help="the sections to run (default: all)")
    parser.add_argument("--shapes", nargs="+", default=None,
                        help="convolution cases or families (default: all; small, medium with --quick)")
    parser.add_argument("--ops", nargs="+", choices=["conv1d_transpose", "conv1d"], default=None)
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-memory measurements")
    parser.add_argument("--no-naive", action="store_true", help="skip the naive NumPy baselines")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/ alone")
    parser.add_argument("--docs", default=os.path.join(_ROOT, "docs"), help="the docs folder to write into")
    parser.add_argument("--render-index", action="store_true",
                        help="only regenerate docs/performance.md from the JSON files under docs/performance/")
    parser.add_argument("--gpu", action="store_true", help="add the CuPy-vs-torch-CUDA figures (needs a GPU)")
    parser.add_argument("--json", default=None, help="also save the raw results to this file")
    parser.add_argument("--from-json", default=None, help="render results saved by --json instead of measuring")
    parser.add_argument("--worker", choices=["machine"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker == "machine":
        _machine_worker()
        return 0
    if args.render_index:
        print(f"wrote {write_index(args.docs)}")
        return 0
    if any(n < 1 for n in args.threads):
        parser.error(f"--threads must be positive integers; received {args.threads}")
    if args.shapes:
        from benchmarks import conv

        try:
            conv.expand_shapes(args.shapes)
        except ValueError as error:
            parser.error(str(error))
    if args.from_json and args.json:
        parser.error("--json saves the results of a measurement; with --from-json nothing is measured")
    if args.from_json:
        results = _load_results(parser, args.from_json)
    else:
        t0 = time.perf_counter()
        results = run_all(args.only, args.threads, args.quick, gpu=args.gpu, shapes=args.shapes, ops=args.ops,
                          memory=not args.no_memory, naive=not args.no_naive)
        results["timings_s"]["total"] = time.perf_counter() - t0
    print(render_text(results))
    if args.json and not args.from_json:
        _write_atomic(args.json, json.dumps(results, indent=1))
    why = _not_written(args, results)
    if not args.no_write and why:
        print(f"{os.path.join(args.docs, 'performance')} not written: {why}; a full `make bench` writes it")
    elif not args.no_write:
        for path in write_kind(results, args.docs):
            print(f"wrote {path}")
    timings = results.get("timings_s", {})
    if "total" in timings:
        took = ", ".join(f"{k} {v:.0f} s" for k, v in timings.items() if k != "total")
        if args.from_json:
            print(f"rendered from {args.from_json}; that run took {timings['total']:.0f} s ({took})")
        else:
            print(f"total {timings['total']:.0f} s ({took})")
    return 0


def _load_results(parser, path):
    """The results saved by ``--json`` at ``path``, or a one-line ``parser.error`` saying why they cannot be
    rendered: a file that is missing or not JSON, not a results file, or migrated from an old page (which has no
    per-call figures to render; its page is kept as it was)."""
    try:
        with open(path, encoding="utf-8") as f:
            results = json.load(f)
    except (OSError, ValueError) as error:
        parser.error(f"--from-json {path}: cannot read results: {error}")
    if not isinstance(results, dict) or not {"machine", "threads", "sections"} <= set(results):
        parser.error(f"--from-json {path}: not results written by `run.py --json` (expected a JSON object with "
                     "'machine', 'threads' and 'sections')")
    if results.get("migrated"):
        parser.error(f"--from-json {path}: these figures were migrated from an old page, without the per-call "
                     "figures a page is rendered from; that page is kept as it was (`--render-index` still reads "
                     "them)")
    return results


if __name__ == "__main__":
    sys.exit(main())
