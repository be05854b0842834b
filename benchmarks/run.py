"""The benchmark suite (``make bench``): every benchmark, one table of targets, and ``docs/performance.md``.

Sections, each run in fresh subprocesses whose thread pools (``OMP_NUM_THREADS``, ``OPENBLAS_NUM_THREADS``,
``MKL_NUM_THREADS``, ...) are fixed before NumPy or torch is imported, once per thread count:

* ``conv``: ``conv1d_transpose`` and ``conv1d``, forward and forward+backward, on five shapes, against PyTorch CPU
  (:mod:`benchmarks.conv`, which also gives the GEMM ceiling and the peak memory of each call), against the naive
  NumPy baselines (:mod:`benchmarks.baselines`);
* ``engine``: the per-op overhead of a chain of 100 small additions, forward and backward
  (:mod:`benchmarks.engine_overhead`);
* ``train``: one training step of a tiny Conv1DTranspose model (:mod:`benchmarks.train_step`);
* ``scaling``: ``conv1d_transpose`` fwd+bwd time and memory against batch size and length
  (:mod:`benchmarks.scaling`), with a log-log plot.

``OPENBLAS_CORETYPE`` and ``OPENBLAS_L2_SIZE`` (which some machines set to force a generic OpenBLAS kernel) are
removed, both together, from the environment of every benchmark process; the kernel OpenBLAS then picks is reported
(threadpoolctl).

Usage::

    python benchmarks/run.py                      # everything, writes docs/performance.md and docs/_static/scaling.png
    python benchmarks/run.py --quick --no-write   # a smoke run: fewer repeats and shapes, nothing written
    python benchmarks/run.py --only conv --threads 1
    python benchmarks/run.py --gpu                # adds the CuPy-vs-torch-CUDA table when both and a GPU are present
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from benchmarks import baselines

DOC_PATH = os.path.join(_ROOT, "docs", "performance.md")
PLOT_PATH = os.path.join(_ROOT, "docs", "_static", "scaling.png")
SECTIONS = ("conv", "engine", "train", "scaling")
QUICK_SHAPES = ("small", "medium")
NO_GPU = "no GPU available: GPU table not produced"

# Targets (issue 6): name -> limit
TARGETS = {
    "transpose_fwd_bwd_1": 1.0,     # conv1d_transpose fwd+bwd time / torch's, 1 thread, every shape
    "transpose_fwd_bwd_2": 1.25,    # the same with 2 threads
    "gemm_fraction": 0.70,          # GFLOP/s on the large shape / the GEMM's
    "memory": 1.0,                  # peak extra memory / torch's
    "engine": 2.0,                  # per-op overhead / torch's
    "train": 1.0,                   # training step / torch's
}


# ------------------------------------------------------------------------------------------------ formatting
def fmt(value, spec=".2f", missing="n/a"):
    """``format(value, spec)``, or ``missing`` for ``None``."""
    return missing if value is None else format(value, spec)


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
CONV_HEADERS = ["op", "threads", "shape", "GFLOP", "fwd ms", "torch fwd ms", "fwd x", "f+b ms", "torch f+b ms",
                "f+b x", "f+b target", "naive fwd ms", "naive f+b ms", "naive / ours f+b", "fwd GFLOP/s",
                "GEMM GFLOP/s", "fwd % GEMM", "f+b % GEMM"]


def conv_rows(rows):
    """Cells of the convolution table from :func:`benchmarks.conv.run_benchmarks` rows merged with the baselines'.

    ``x`` is ours / torch (lower is better); f+b counts 3 times the forward FLOPs (forward, input gradient, kernel
    gradient); the GEMM ceiling is a NumPy product ``(B L, C_in) @ (C_in, k filters)`` with the forward's FLOPs.
    """
    out = []
    for r in rows:
        gemm_rate = r["gflop"] * 1e3 / r["gemm_ms"]
        target = ""
        if r["op"] == "conv1d_transpose" and r["threads"] in (1, 2):
            limit = TARGETS[f"transpose_fwd_bwd_{r['threads']}"]
            target = f"<= {limit}x: {status(r.get('ratio_fwd_bwd'), limit)}"
        naive = r.get("naive_fwd_bwd_ms")
        out.append([r["op"], r["threads"], r["shape"], fmt(r["gflop"], ".3f"), fmt(r["ours_fwd_ms"]),
                    fmt(r.get("torch_fwd_ms")), fmt(r.get("ratio_fwd")), fmt(r["ours_fwd_bwd_ms"]),
                    fmt(r.get("torch_fwd_bwd_ms")), fmt(r.get("ratio_fwd_bwd")), target,
                    fmt(r.get("naive_fwd_ms")), fmt(naive),
                    fmt(naive / r["ours_fwd_bwd_ms"] if naive else None),
                    fmt(r["gflop"] * 1e3 / r["ours_fwd_ms"], ".1f"), fmt(gemm_rate, ".1f"),
                    fmt(100 * r["gemm_ms"] / r["ours_fwd_ms"], ".0f"),
                    fmt(100 * 3 * r["gemm_ms"] / r["ours_fwd_bwd_ms"], ".0f")])
    return out


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


def target_rows(results):
    """The summary: one row per (target, case): ``[target, case, measured, status]``."""
    out = []
    conv = results.get("conv") or []
    for r in conv:
        if r["op"] == "conv1d_transpose" and r["threads"] in (1, 2):
            limit = TARGETS[f"transpose_fwd_bwd_{r['threads']}"]
            out.append([f"conv1d_transpose fwd+bwd <= {limit}x torch", f"{r['shape']}, {r['threads']} thread(s)",
                        fmt(r.get("ratio_fwd_bwd"), ".2f") + "x", status(r.get("ratio_fwd_bwd"), limit)])
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
            out.append([f"{label} <= {limit}x torch", f"{r['threads']} thread(s)",
                        f"{fmt(r['ratio'])}x ({ours:.2f} vs {fmt(theirs)} {unit})", status(r["ratio"], limit)])
    return out


ENGINE_HEADERS = ["threads", "ours us/op", "ours fwd", "ours bwd", "torch us/op", "torch fwd", "torch bwd",
                  "ours / torch", "target <= 2x"]


def engine_rows(results):
    return [[r["threads"], fmt(r["ours_us_per_op"]), fmt(r["ours_forward_us_per_op"]),
             fmt(r["ours_backward_us_per_op"]), fmt(r["torch_us_per_op"]), fmt(r["torch_forward_us_per_op"]),
             fmt(r["torch_backward_us_per_op"]), fmt(r["ratio"]), status(r["ratio"], TARGETS["engine"])]
            for r in results]


TRAIN_HEADERS = ["threads", "ours ms/step", "torch ms/step", "ours / torch", "target <= 1x", "first loss (ours, torch)"]


def train_rows(results):
    out = []
    for r in results:
        losses = f"{r['ours_losses'][0]:.5f}"
        if r.get("torch_losses"):
            losses += f", {r['torch_losses'][0]:.5f}"
        out.append([r["threads"], fmt(r["ours_ms"], ".3f"), fmt(r["torch_ms"], ".3f"), fmt(r["ratio"]),
                    status(r["ratio"], TARGETS["train"]), losses])
    return out


SCALING_HEADERS = ["sweep", "N", "L", "fwd+bwd ms", "ns / (N L)", "peak MiB", "needed MiB", "scratch MiB",
                   "input MiB"]


def scaling_rows(result):
    """One row per sweep point; "input" is the size of ``x`` (and of its gradient), float32."""
    return [[sweep, r["batch"], r["length"], fmt(r["ms"]), fmt(r["ns_per_step"], ".1f"), fmt(r["peak_mb"], ".1f"),
             fmt(r["needed_mb"], ".1f"), fmt(r["scratch_mb"], ".1f"),
             fmt(4 * r["batch"] * r["length"] * result["in_channels"] / 2**20, ".1f")]
            for sweep in ("batch", "length") for r in result[sweep]]


GPU_HEADERS = ["op", "shape", "cupy fwd ms", "torch CUDA fwd ms", "fwd x", "cupy f+b ms", "torch CUDA f+b ms",
               "f+b x"]


def gpu_rows(rows):
    return [[r["op"], r["shape"], fmt(r["ours_fwd_ms"], ".3f"), fmt(r["torch_fwd_ms"], ".3f"),
             fmt(r["ours_fwd_ms"] / r["torch_fwd_ms"]), fmt(r["ours_fwd_bwd_ms"], ".3f"),
             fmt(r["torch_fwd_bwd_ms"], ".3f"), fmt(r["ours_fwd_bwd_ms"] / r["torch_fwd_bwd_ms"])] for r in rows]


# ------------------------------------------------------------------------------------------------ the machine
def _machine_worker():
    """In a benchmark-environment subprocess: versions, BLAS libraries and kernels, torch's build."""
    import numpy

    info = {"python": platform.python_version(), "numpy": numpy.__version__, "platform": platform.platform()}
    try:
        from threadpoolctl import threadpool_info

        info["numpy_pools"] = threadpool_info()
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


def _cpu_model():
    model, flags = None, []
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() == "model name" and model is None:
                    model = value.strip()
                elif key.strip() == "flags" and not flags:
                    flags = [x for x in ("avx2", "fma", "avx512f") if x in value.split()]
    except OSError:
        pass
    return model or platform.processor() or "unknown", flags


def _loadavg():
    try:
        with open("/proc/loadavg", encoding="utf-8") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "n/a"


def machine_info(threads, removed):
    """A dict describing the machine and software, gathered in a subprocess with the benchmark environment."""
    model, flags = _cpu_model()
    got = baselines.run_worker(os.path.abspath(__file__), ["--worker", "machine"], threads)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    got.update(cpu=model, cpu_flags=flags, cores=cores, removed_env=removed, load_start=_loadavg(),
               date=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))
    return got


def _blas_text(info):
    pools = info.get("numpy_pools")
    if not pools:
        return "unknown (install threadpoolctl to report it)"
    return "; ".join(f"{p.get('internal_api')} {p.get('version')}, kernel {p.get('architecture')}, "
                     f"{p.get('threading_layer')} threading ({os.path.basename(p.get('filepath', ''))})"
                     for p in pools if p.get("user_api") == "blas") or "none found"


def machine_rows(info, threads):
    removed = ", ".join(f"{k}={v}" for k, v in info["removed_env"].items()) or "none (not set in this environment)"
    rows = [["date", info["date"]],
            ["CPU", (f"{info['cpu']} ({info['cores']} cores available; of avx2, fma, avx512f it has: "
                     f"{', '.join(info['cpu_flags']) or 'none'})")],
            ["load average (1, 5, 15 min) at start / end", f"{info['load_start']} / {info.get('load_end', 'n/a')}"],
            ["platform", info["platform"]],
            ["Python", info["python"]],
            ["NumPy", info["numpy"]],
            ["NumPy BLAS (threadpoolctl)", _blas_text(info)],
            ["PyTorch", info["torch"] or "not installed"]]
    if info["torch"]:
        rows.append(["PyTorch build", f"CPU capability {info['torch_capability']}; " + "; ".join(info["torch_blas"])])
    pools = "OMP, OPENBLAS, MKL, NUMEXPR _NUM_THREADS and VECLIB_MAXIMUM_THREADS set before import"
    rows += [["threads", f"{', '.join(map(str, threads))} ({pools}; torch.set_num_threads)"],
             ["OpenBLAS overrides removed", removed]]
    return rows


# ------------------------------------------------------------------------------------------------ GPU
def gpu_available():
    """``(True, "")`` when CuPy sees a GPU and torch has CUDA, else ``(False, why)``; probed in a subprocess."""
    probe = ("import json\nwhy = []\ntry:\n    import cupy\n    n = cupy.cuda.runtime.getDeviceCount()\n"
             "    why += [] if n else ['CuPy sees no GPU']\nexcept Exception as e:\n    why.append(f'CuPy: {e}')\n"
             "try:\n    import torch\n    why += [] if torch.cuda.is_available() else ['torch has no CUDA']\n"
             "except Exception as e:\n    why.append(f'torch: {e}')\nprint(json.dumps(why))\n")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=False)
    try:
        why = json.loads(out.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        why = [out.stderr.strip()[-200:] or "probe failed"]
    return (not why), "; ".join(why)


def _gpu_case(op, shape):
    """``{"ours_fwd", "ours_fwd_bwd", "torch_fwd", "torch_fwd_bwd"}`` closures: ours on cupy, torch on CUDA."""
    import numpy as np
    import torch

    import tinygradconv as tg
    from tinygradconv.ops import conv1d, conv1d_transpose

    batch, length, c_in, filters, k, s, d = shape
    rng = np.random.default_rng(0)
    if op == "conv1d_transpose":
        x_np = rng.standard_normal((batch, length, c_in), dtype=np.float32)
        w_np = rng.standard_normal((k, filters, c_in), dtype=np.float32) * 0.1     # torch: (C_in, filters, k)
        ours_op, torch_op = conv1d_transpose, torch.nn.functional.conv_transpose1d
    else:
        x_np = rng.standard_normal((batch, baselines.full_length(shape), c_in), dtype=np.float32)
        w_np = rng.standard_normal((k, c_in, filters), dtype=np.float32) * 0.1     # torch: (filters, C_in, k)
        ours_op, torch_op = conv1d, torch.nn.functional.conv1d
    x = tg.tensor(x_np, requires_grad=True, backend="cupy")
    w = tg.tensor(w_np, requires_grad=True, backend="cupy")
    b = tg.tensor(np.zeros(filters, np.float32), requires_grad=True, backend="cupy")
    with tg.no_grad():
        out_shape = ours_op(x, w, b, strides=s, dilation_rate=d).shape
    g_np = rng.standard_normal(out_shape, dtype=np.float32)
    g = tg.tensor(g_np, backend="cupy")

    def on_gpu(a, grad):
        return torch.from_numpy(np.ascontiguousarray(a)).to("cuda").requires_grad_(grad)

    xt, wt = on_gpu(x_np.transpose(0, 2, 1), True), on_gpu(w_np.transpose(2, 1, 0), True)
    bt, gt = on_gpu(np.zeros(filters, np.float32), True), on_gpu(g_np.transpose(0, 2, 1), False)

    def ours_fwd():
        with tg.no_grad():
            ours_op(x, w, b, strides=s, dilation_rate=d)

    def ours_fwd_bwd():
        x.grad = w.grad = b.grad = None
        ours_op(x, w, b, strides=s, dilation_rate=d).backward(g)

    def torch_fwd():
        with torch.no_grad():
            torch_op(xt, wt, bt, stride=s, dilation=d)

    def torch_fwd_bwd():
        xt.grad = wt.grad = bt.grad = None
        torch_op(xt, wt, bt, stride=s, dilation=d).backward(gt)

    return {"ours_fwd": ours_fwd, "ours_fwd_bwd": ours_fwd_bwd, "torch_fwd": torch_fwd,
            "torch_fwd_bwd": torch_fwd_bwd}


def _gpu_worker(ops, shapes, repeats):
    """Time ours on the cupy backend and torch on CUDA, synchronising the device after every timed call."""
    import cupy
    import torch

    from benchmarks.conv import SHAPES

    def timed(fn, sync):
        for _ in range(2):
            fn()
        sync()
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            fn()
            sync()
            times.append((time.perf_counter() - t0) * 1e3)
        return statistics.median(times)

    syncs = {"ours": cupy.cuda.Device().synchronize, "torch": torch.cuda.synchronize}
    rows = []
    for op in ops:
        for name in shapes:
            case = _gpu_case(op, SHAPES[name])
            row = {"op": op, "shape": name, "device": torch.cuda.get_device_name()}
            row.update({f"{key}_ms": timed(fn, syncs[key.split("_")[0]]) for key, fn in case.items()})
            rows.append(row)
    json.dump(rows, sys.stdout)


# ------------------------------------------------------------------------------------------------ running
def _log(message):
    print(message, file=sys.stderr, flush=True)


def run_all(sections, threads, quick, gpu=False):
    """Run the selected sections; return the results dict that :func:`render_markdown` and :func:`render_text` take."""
    removed = {name: os.environ.pop(name) for name in baselines.OPENBLAS_OVERRIDES if name in os.environ}
    results = {"quick": quick, "threads": list(threads), "sections": list(sections), "timings_s": {}}
    results["machine"] = machine_info(threads[0], removed)
    repeats = 3 if quick else 7
    if "conv" in sections:
        from benchmarks import conv

        t0 = time.perf_counter()
        shapes = QUICK_SHAPES if quick else tuple(conv.SHAPES)
        _log(f"conv: {len(shapes)} shapes x {len(conv.OPS)} ops x threads {list(threads)} ...")
        rows = conv.run_benchmarks(tuple(threads), conv.OPS, shapes, quick=quick, repeats=repeats, rounds=1,
                                   memory=False)
        naive = baselines.run_baselines({name: conv.SHAPES[name] for name in shapes}, tuple(threads), conv.OPS,
                                        repeats=repeats)
        torch_ok = any("torch_fwd_ms" in r for r in rows)
        for r in rows:
            r.update(naive[(r["op"], r["threads"], r["shape"])])
            if r["threads"] == min(threads):
                r["needed_mb"] = baselines.needed_mb(r["op"], conv.SHAPES[r["shape"]])
                for framework, key in (("tinygradconv", "ours"), ("torch", "torch")):
                    if framework == "torch" and not torch_ok:
                        continue
                    got = baselines.peak_memory(framework, r["op"], r["shape"], threads=r["threads"])
                    r[f"{key}_peak_mb"], r["memory_method"] = got["peak_mb"], got["method"]
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
        ok, why = gpu_available()
        if ok:
            from benchmarks import conv

            shapes = QUICK_SHAPES if quick else tuple(conv.SHAPES)
            results["gpu"] = baselines.run_worker(os.path.abspath(__file__),
                                                  ["--worker", "gpu", "--shapes", *shapes, "--repeats", str(repeats)],
                                                  threads[0])
        else:
            results["gpu"] = None
            results["gpu_why"] = why
    results["machine"]["load_end"] = _loadavg()
    return results


def _gpu_message(results):
    return f"{NO_GPU} ({results.get('gpu_why')})." if results.get("gpu_why") else f"{NO_GPU}."


def render_text(results):
    """Everything as plain text tables (what ``make bench`` prints)."""
    parts = ["Machine", text_table(["item", "value"], machine_rows(results["machine"], results["threads"]), left=2)]
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
        parts += ["", "GPU", text_table(GPU_HEADERS, gpu_rows(results["gpu"]), left=2) if results["gpu"]
                  else _gpu_message(results)]
    return "\n".join(parts)


def _code(value):
    return f"`{value}`"


METHOD = """\
* Every case runs in fresh processes, with every BLAS/OpenMP thread pool fixed (environment set before NumPy or
  torch is imported; `torch.set_num_threads` too), once with each thread count. `OPENBLAS_CORETYPE` and
  `OPENBLAS_L2_SIZE` are removed together from the benchmark processes' environment, so that OpenBLAS picks its
  kernel for the real CPU (reported below).
* A time is the median of 7 calls after 2 warm-up calls (3 calls with `--quick`), each framework in its own process;
  the engine and training-step figures are medians over 7 batches in each of 2 processes per framework. "x" is ours
  / torch: lower is better, below 1 we are faster.
* float32 throughout. Ours runs on channels_last NumPy arrays (Keras layouts), torch on its native channels-first
  layout. fwd+bwd is a forward pass plus the backward of `sum(y * g)` for a fixed `g`, computing the gradients of
  input, kernel and bias.
* GEMM ceiling: a NumPy matrix product `(B L, C_in) @ (C_in, k filters)` with the forward pass's FLOP count, timed
  in the same process as ours; "% GEMM" is its time over ours (for fwd+bwd, 3 times its time over ours, since
  fwd+bwd does 3 products of that size).
* Naive baseline: the textbook zero-insertion transposed convolution in NumPy (insert `s - 1` zeros between input
  steps, pad, correlate with the flipped kernel one tap at a time) and a tap-loop convolution, with their backward
  passes written the same way (`benchmarks/baselines.py`).
* Peak extra memory of one fwd+bwd call, the same way for both frameworks: in a fresh process that holds the
  inputs and has warmed the library up on a tiny problem, the kernel's resident-set high-water mark is reset
  (`/proc/self/clear_refs`), and the peak is `VmHWM` after the call minus `VmRSS` before it. glibc is told
  (`MALLOC_MMAP_THRESHOLD_=65536`) to give every allocation of 64 KiB or more its own pages and to return them on
  free, so that no reuse of freed memory hides an allocation. For ours, the tracemalloc peak of the same call (NumPy
  reports its allocations to tracemalloc) is given too: it agrees with the resident-set figure to within the
  interpreter's own small allocations.
"""

SHAPES_TEXT = (
    "Shapes `(N, L, C_in, filters, kernel_size, strides, dilation)`: small (4, 10, 128, 32, 3, 2, 1), medium "
    "(32, 256, 64, 64, 5, 2, 1), large (64, 1024, 128, 128, 7, 2, 1), dilated (32, 256, 64, 64, 3, 1, 2), wide "
    "stride (32, 256, 64, 64, 8, 4, 1); `padding=\"valid\"`. conv1d gets the input length of the transposed "
    "convolution's output, so both ops do the same multiply-adds."
)


def _busy(machine):
    """Whether the 1-minute load average before the run exceeded a quarter of the cores."""
    try:
        return float(machine["load_start"].split()[0]) > 0.25 * machine["cores"]
    except (ValueError, IndexError, KeyError):
        return True


def render_markdown(results, plot=None):
    """``docs/performance.md``: MyST Markdown, no cross-references other than ``plot`` (a path relative to docs/)."""
    m = results["machine"]
    quick = " with `--quick` (a smoke run: fewer repeats and shapes)" if results["quick"] else ""
    load = f"load average {m['load_start']} at the start, {m.get('load_end', 'n/a')} at the end, on {m['cores']} cores"
    if _busy(m):
        note = (f"These numbers were measured on a shared machine that was busy at the time ({load}), so they are "
                "noisy. Regenerate this page with `make bench` on a quiet machine before relying on them.")
    else:
        note = (f"Measured with {load}. Timings on a shared machine are noisy: if it was busy, regenerate this page "
                "with `make bench` on a quiet machine.")
    lines = ["# Performance", "", f"Generated by `make bench` (`benchmarks/run.py`) on {m['date']}{quick}.", "",
             "```{note}", note, "```", "", "## Method", "", METHOD]
    lines += ["## Machine", "", markdown_table(["item", "value"], machine_rows(m, results["threads"])), ""]
    summary = target_rows(results)
    if summary:
        missed = sum(row[-1] == "missed" for row in summary)
        lines += ["## Targets", "", markdown_table(["target", "case", "measured", "status"], summary), "",
                  f"{len(summary) - missed} of {len(summary)} targets met, {missed} missed.", ""]
    if results.get("conv"):
        rows = results["conv"]
        lines += ["## Convolutions", "",
                  f"{SHAPES_TEXT} Median of {rows[0]['repeats']} calls x {rows[0]['rounds']} process(es) per framework.", "",
                  markdown_table(CONV_HEADERS, conv_rows(rows)), ""]
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
        lines += ["## Engine overhead", "", text, "", markdown_table(ENGINE_HEADERS, engine_rows(results["engine"])),
                  ""]
    if results.get("train"):
        t = results["train"][0]
        mm = t["model"]
        text = (f"One step of a Conv1DTranspose model ({mm['in_channels']} -> {mm['filters']} channels, kernel "
                f"{mm['kernel_size']}, strides {mm['strides']}) on a batch of {mm['batch']} x {mm['length']}: "
                "forward, mean squared error, backward, Adam update, written by hand on both sides from the same "
                f"starting weights (median of {t['runs'] * t['rounds']} batches of {t['steps_per_run']} steps).")
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
        text = (f"Ours on the cupy backend against torch CUDA on {results['gpu'][0]['device']}, the device "
                "synchronised after every timed call.")
        lines += [text, "", markdown_table(GPU_HEADERS, gpu_rows(results["gpu"])), ""]
    elif "gpu" in results:
        lines += [_gpu_message(results), ""]
    else:
        lines += [("Not run (`--gpu` not given). `python benchmarks/run.py --gpu` times the same convolutions on "
                   "the cupy backend against torch CUDA when both and a GPU are present."), ""]
    return "\n".join(lines)


def _write_atomic(path, text):
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, shapes and sweep points (smoke run)")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--only", nargs="+", choices=SECTIONS, default=list(SECTIONS))
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/ alone")
    parser.add_argument("--gpu", action="store_true", help="add the cupy-vs-torch-CUDA table (needs a GPU)")
    parser.add_argument("--json", default=None, help="also save the raw results to this file")
    parser.add_argument("--from-json", default=None, help="render results saved by --json instead of measuring")
    parser.add_argument("--worker", choices=["machine", "gpu"], help=argparse.SUPPRESS)
    parser.add_argument("--shapes", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--repeats", type=int, default=7, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker == "machine":
        _machine_worker()
        return 0
    if args.worker == "gpu":
        _gpu_worker(("conv1d_transpose", "conv1d"), args.shapes, args.repeats)
        return 0
    if any(n < 1 for n in args.threads):
        parser.error(f"--threads must be positive integers; received {args.threads}")
    if args.from_json:
        with open(args.from_json, encoding="utf-8") as f:
            results = json.load(f)
        args.only = results["sections"]
    else:
        t0 = time.perf_counter()
        results = run_all(args.only, args.threads, args.quick, gpu=args.gpu)
        results["timings_s"]["total"] = time.perf_counter() - t0
    print(render_text(results))
    if args.json and not args.from_json:
        _write_atomic(args.json, json.dumps(results, indent=1))
    if not args.no_write and set(args.only) != set(SECTIONS):
        print("docs/performance.md not written: it is regenerated only when every section runs (no --only)")
    elif not args.no_write:
        plot = None
        if results.get("scaling"):
            from benchmarks import scaling

            scaling.plot_scaling(results["scaling"], PLOT_PATH)
            plot = os.path.relpath(PLOT_PATH, os.path.dirname(DOC_PATH)).replace(os.sep, "/")
        _write_atomic(DOC_PATH, render_markdown(results, plot))
        print(f"wrote {os.path.relpath(DOC_PATH, _ROOT)}" + (f" and {os.path.relpath(PLOT_PATH, _ROOT)}" if plot else ""))
    print(f"total {results['timings_s']['total']:.0f} s ({', '.join(f'{k} {v:.0f} s' for k, v in results['timings_s'].items() if k != 'total')})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
