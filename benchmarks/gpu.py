"""The GPU benchmark: tinygradconv on the CuPy backend against PyTorch CUDA, float32.

What it measures, on one NVIDIA GPU:

* ``conv1d_transpose`` and ``conv1d`` on the larger cases of :mod:`benchmarks.conv` (:data:`GPU_SHAPES`): forward
  alone and forward+backward (the backward of ``sum(y * g)`` for a fixed ``g``, gradients of input, kernel and
  bias), ours on channels_last CuPy arrays, torch on its native NCW layout; and, once per case, the largest
  difference between the two forward outputs (both computed from the same float32 data), so that a wrong CuPy path
  cannot hide behind a good time; and ours again with the gather and overlap-add as one strided slice per tap
  (``tinygradconv.ops.conv_cuda.FUSED_KERNELS = False``), the path that the CUDA kernels of ``ops/conv_cuda.py``
  replaced;
* one training step of :mod:`benchmarks.train_step` (Conv1DTranspose, mean squared error, Adam), ours on CuPy and
  torch on CUDA from the same starting weights.

GPU work is asynchronous: every timed call is bracketed by a device synchronisation (``cupy.cuda.Device().
synchronize()`` for ours, ``torch.cuda.synchronize()`` for torch), so a time is the whole call, queued kernels
included. A time is the median of ``repeats`` calls after 3 warm-up calls (the warm-up also compiles CuPy's kernels
and fills both memory pools). Everything runs in one subprocess.

The results go to ``<out>/<gpu-kind>.md`` (a page for ``docs/performance/gpu/``) and ``<out>/<gpu-kind>.json``
(every figure, machine-readable; ``python benchmarks/run.py --render-index`` puts it in the side-by-side tables of
``docs/performance.md``). ``benchmarks/gpu_check.sh`` runs this after the CuPy test subset.

Usage::

    python benchmarks/gpu.py [--out DIR] [--quick] [--tests-junit FILE]   # measure and write, or say why not
    python benchmarks/gpu.py --dry-run                                    # probe the GPU, measure nothing

Without a usable GPU (no CuPy, no device, torch without CUDA) it prints ``SKIPPED`` and the reason, writes
nothing, and exits 0.
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

if __package__ in (None, ""):  # run as a script: make the `benchmarks` package importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from benchmarks.harness import ROOT, worker_env

DEFAULT_OUT = os.path.join(ROOT, "docs", "performance", "gpu")
OPS = ("conv1d_transpose", "conv1d")
#: The cases of :data:`benchmarks.conv.SHAPES` timed on the GPU (the small ones only measure launch overhead).
GPU_SHAPES = ("medium", "large", "dilated", "dilated4", "wide", "channels256", "long")
QUICK_SHAPES = ("medium", "large")
SKIPPED = "SKIPPED"
#: Rounds of the alternating timing of ours with the CUDA kernels and with the tap slices (`_fused_and_slices_ms`).
ROUNDS = 4


# ------------------------------------------------------------------------------------------------ probing
_PROBE = """\
import json
why = []
try:
    import cupy
    if cupy.cuda.runtime.getDeviceCount() < 1:
        why.append("CuPy sees no GPU")
except Exception as e:
    why.append(f"CuPy: {type(e).__name__}: {e}")
try:
    import torch
    if not torch.cuda.is_available():
        why.append(f"torch {torch.__version__} has no CUDA device")
except Exception as e:
    why.append(f"torch: {type(e).__name__}: {e}")
print(json.dumps(why))
"""


def gpu_available(env=None):
    """``(True, "")`` when CuPy sees a GPU and torch has CUDA, else ``(False, why)``; probed in a subprocess."""
    out = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, check=False, env=env)
    try:
        why = json.loads(out.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        why = [out.stderr.strip()[-300:] or "the probe failed"]
    return (not why), "; ".join(why)


def gpu_kind(device_name):
    """A file-name slug for a GPU model.

    >>> gpu_kind("NVIDIA H200")
    'nvidia-h200'
    >>> gpu_kind("NVIDIA GeForce RTX 4090")
    'nvidia-geforce-rtx-4090'
    """
    return "-".join(re.findall(r"[a-z0-9]+", device_name.lower())) or "unknown-gpu"


# ------------------------------------------------------------------------------------------------ the cases
def _conv_case(op, name):
    """Closures ``ours_fwd, ours_fwd_bwd, torch_fwd, torch_fwd_bwd`` and the forward outputs' largest difference."""
    import numpy as np
    import torch

    import tinygradconv as tg
    from benchmarks.baselines import full_length
    from benchmarks.conv import SHAPES, make_closures
    from tinygradconv.ops import conv1d, conv1d_transpose

    shape = SHAPES[name]
    batch, length, c_in, filters, k, s, d = shape
    rng = np.random.default_rng(0)
    if op == "conv1d_transpose":
        x_np = rng.standard_normal((batch, length, c_in), dtype=np.float32)
        w_np = rng.standard_normal((k, filters, c_in), dtype=np.float32) * 0.1     # torch: (C_in, filters, k)
        ours_op, torch_op = conv1d_transpose, torch.nn.functional.conv_transpose1d
    else:
        x_np = rng.standard_normal((batch, full_length(shape), c_in), dtype=np.float32)
        w_np = rng.standard_normal((k, c_in, filters), dtype=np.float32) * 0.1     # torch: (filters, C_in, k)
        ours_op, torch_op = conv1d, torch.nn.functional.conv1d
    x = tg.tensor(x_np, requires_grad=True, backend="cupy")
    w = tg.tensor(w_np, requires_grad=True, backend="cupy")
    b = tg.tensor(np.zeros(filters, np.float32), requires_grad=True, backend="cupy")
    with tg.no_grad():
        y_ours = ours_op(x, w, b, strides=s, dilation_rate=d)
    g_np = rng.standard_normal(y_ours.shape, dtype=np.float32)
    g = tg.tensor(g_np, backend="cupy")

    def on_gpu(a, grad):
        return torch.from_numpy(np.ascontiguousarray(a)).to("cuda").requires_grad_(grad)

    xt, wt = on_gpu(x_np.transpose(0, 2, 1), True), on_gpu(w_np.transpose(2, 1, 0), True)
    bt, gt = on_gpu(np.zeros(filters, np.float32), True), on_gpu(g_np.transpose(0, 2, 1), False)
    with torch.no_grad():
        y_torch = torch_op(xt, wt, bt, stride=s, dilation=d).cpu().numpy().transpose(0, 2, 1)
    max_abs_diff = float(np.max(np.abs(y_ours.numpy() - y_torch))) if y_torch.size else 0.0

    ours_fwd, ours_fwd_bwd = make_closures(lambda x, w, b: ours_op(x, w, b, strides=s, dilation_rate=d),
                                           x, w, b, g, tg.no_grad)
    torch_fwd, torch_fwd_bwd = make_closures(lambda x, w, b: torch_op(x, w, b, stride=s, dilation=d),
                                             xt, wt, bt, gt, torch.no_grad)
    closures = {"ours_fwd": ours_fwd, "ours_fwd_bwd": ours_fwd_bwd, "torch_fwd": torch_fwd,
                "torch_fwd_bwd": torch_fwd_bwd}
    return closures, max_abs_diff, shape


def _timed_ms(fn, sync, repeats, warmup=3):
    """Median milliseconds of ``repeats`` calls of ``fn``, each between two device synchronisations."""
    for _ in range(warmup):
        fn()
    sync()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        sync()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def _fused_and_slices_ms(fn, sync, repeats, rounds=ROUNDS):
    """Median milliseconds of ``fn`` with the CUDA gather and overlap-add (``conv_cuda.FUSED_KERNELS``) and with the
    tap-by-tap slices, timed in alternation: ``rounds`` rounds of ``max(3, repeats // rounds)`` calls per variant,
    the order swapped every round, so that a drift of the machine's speed hits both alike; each figure is the
    median of its rounds' medians."""
    from tinygradconv.ops import conv_cuda

    medians = {True: [], False: []}
    try:
        for r in range(rounds):
            for fused in ((True, False) if r % 2 == 0 else (False, True)):
                conv_cuda.FUSED_KERNELS = fused
                medians[fused].append(_timed_ms(fn, sync, max(3, repeats // rounds)))
    finally:
        conv_cuda.FUSED_KERNELS = True
    return statistics.median(medians[True]), statistics.median(medians[False])


def _machine():
    import cupy
    import numpy
    import torch

    props = cupy.cuda.runtime.getDeviceProperties(0)
    name = torch.cuda.get_device_name()
    return {"device": name, "kind": gpu_kind(name), "memory_gib": props["totalGlobalMem"] / 2**30,
            "multiprocessors": props["multiProcessorCount"],
            "cuda_runtime": cupy.cuda.runtime.runtimeGetVersion(), "cuda_driver": cupy.cuda.runtime.driverGetVersion(),
            "cupy": cupy.__version__, "torch": torch.__version__, "torch_cuda": torch.version.cuda,
            "numpy": numpy.__version__, "python": platform.python_version(), "platform": platform.platform(),
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}


def _worker(shapes, repeats, steps):
    """In this process (GPU present): every case and the training step; print the results as JSON."""
    import cupy
    import torch

    from benchmarks import train_step

    # Full float32 on both sides: by default cuDNN may run torch's float32 convolutions on TF32 tensor cores (a
    # 10-bit mantissa), which would compare a cheaper, less exact computation with ours.
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    syncs = {"ours": cupy.cuda.Device().synchronize, "torch": torch.cuda.synchronize}
    results = {"machine": _machine(), "repeats": repeats, "torch_tf32": False, "slices_timing": "alternating",
               "conv": []}
    for op in OPS:
        for name in shapes:
            row = {"op": op, "shape": name}
            try:
                closures, diff, dims = _conv_case(op, name)
                row.update(dims=list(dims), max_abs_diff_fwd=diff)
                for key in ("torch_fwd", "torch_fwd_bwd"):
                    row[f"{key}_ms"] = _timed_ms(closures[key], syncs["torch"], repeats)
                for key in ("ours_fwd", "ours_fwd_bwd"):
                    row[f"{key}_ms"], row[f"{key}_slices_ms"] = _fused_and_slices_ms(closures[key], syncs["ours"],
                                                                                     repeats)
                row["ratio_fwd"] = row["ours_fwd_ms"] / row["torch_fwd_ms"]
                row["ratio_fwd_bwd"] = row["ours_fwd_bwd_ms"] / row["torch_fwd_bwd_ms"]
                del closures
            except Exception as error:  # noqa: BLE001  (a failing case is a finding: record it, go on)
                row["error"] = f"{type(error).__name__}: {error}"
            results["conv"].append(row)
    train = {"steps_per_call": steps, "model": train_step.MODEL}
    try:
        ours_step = train_step.make_step_tinygradconv(backend="cupy")
        torch_step = train_step.make_step_torch(device="cuda")
        train["first_losses"] = {"ours": float(ours_step().item()), "torch": float(torch_step().item())}

        def batch_of(step):
            def run():
                for _ in range(steps):
                    step()
            return run

        train["ours_ms"] = _timed_ms(batch_of(ours_step), syncs["ours"], repeats) / steps
        train["torch_ms"] = _timed_ms(batch_of(torch_step), syncs["torch"], repeats) / steps
        train["ratio"] = train["ours_ms"] / train["torch_ms"]
    except Exception as error:  # noqa: BLE001  (recorded in the results, like a failing case)
        train["error"] = f"{type(error).__name__}: {error}"
    results["train"] = train
    json.dump(results, sys.stdout)


def errors(results):
    """The failures recorded by the worker, one line each (empty when every case ran)."""
    found = [f"{r['op']} {r['shape']}: {r['error']}" for r in results["conv"] if "error" in r]
    if "error" in results["train"]:
        found.append(f"training step: {results['train']['error']}")
    tests = results.get("tests")
    if tests and tests["passed"] < tests["skipped"]:     # on a GPU the cupy tests run; skipping means no backend
        found.append(f"CuPy tests: {tests['passed']} passed but {tests['skipped']} skipped: the cupy backend was "
                     "not available to them")
    return found


def measure(shapes=GPU_SHAPES, repeats=20, steps=20):
    """Run :func:`_worker` in a fresh subprocess (CPU thread pools at 1 for both sides); return its results."""
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--worker", "--shapes", *shapes, "--repeats",
                          str(repeats), "--steps", str(steps)], env=worker_env(1), capture_output=True, text=True,
                         check=False)
    if out.returncode:
        raise RuntimeError(f"the GPU benchmark worker failed:\n{out.stderr}")
    return json.loads(out.stdout)


# ------------------------------------------------------------------------------------------------ reporting
CONV_HEADERS = ["op", "case", "dims (N, L, C_in, filters, k, s, d)", "ours fwd ms", "torch fwd ms", "fwd x",
                "ours f+b ms", "torch f+b ms", "f+b x", "ours f+b ms, tap slices", "max |ours - torch| fwd"]


def conv_rows(rows):
    """Cells of the GPU convolution table (x = ours / torch, lower is better); a failed case shows its error."""
    def cells(r):
        if "error" in r:
            return [r["op"], r["shape"], str(tuple(r["dims"])) if "dims" in r else "", f"FAILED: {r['error']}"] + [
                ""] * (len(CONV_HEADERS) - 4)
        return [r["op"], r["shape"], str(tuple(r["dims"])), f"{r['ours_fwd_ms']:.3f}", f"{r['torch_fwd_ms']:.3f}",
                f"{r['ratio_fwd']:.2f}", f"{r['ours_fwd_bwd_ms']:.3f}", f"{r['torch_fwd_bwd_ms']:.3f}",
                f"{r['ratio_fwd_bwd']:.2f}",
                f"{r['ours_fwd_bwd_slices_ms']:.3f}" if "ours_fwd_bwd_slices_ms" in r else "-",
                f"{r['max_abs_diff_fwd']:.1e}"]

    return [cells(r) for r in rows]


def _markdown_table(headers, rows):
    def line(row):
        return "| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |"

    return "\n".join([line(headers), "| " + " | ".join(["---"] + ["--:"] * (len(headers) - 1)) + " |"]
                     + [line(r) for r in rows])


def tests_from_junit(path):
    """``{"tests", "failures", "errors", "skipped", "passed"}`` from a pytest ``--junitxml`` file (ours)."""
    import xml.etree.ElementTree as ET

    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    counts = {key: sum(int(s.get(key, 0)) for s in suites) for key in ("tests", "failures", "errors", "skipped")}
    counts["passed"] = counts["tests"] - counts["failures"] - counts["errors"] - counts["skipped"]
    return counts


#: How to read the GPU figures (the same on every run; the figures themselves are in the tables).
READING = (
    "Each of our convolutions is a sequence of CuPy calls, the same array code as on the CPU: per batch chunk (64 "
    "MiB on a GPU) a gather into the im2col buffer and one matrix product, an overlap-add for the transposed "
    "convolution, the bias. The gather and the overlap-add are one CUDA kernel each, over every tap "
    "(`tinygradconv/ops/conv_cuda.py`); the column \"tap slices\" is the same call with them as one strided copy "
    "or add per tap, the path they replaced. The paths tuned for the CPU (products by groups of taps, one gather "
    "shared by conv1d's two gradients) are off on a GPU, where they made more and slower calls "
    "(`tinygradconv.ops.conv._tuned_for_cpu`). Every call is a kernel launch with some Python around it, while "
    "torch runs one cuDNN kernel per direction. At these sizes the GPU waits for the host: `cupyx.profiler."
    "benchmark` measured the same host and GPU time for our calls, and far less host than GPU time for torch's "
    "(H200, 2026-12-04). The forward alone, with the fewest calls to share that cost, shows the largest ratios. "
    "A whole convolution in one kernel, as cuDNN runs it, is not written. Single runs are noisy on these shared "
    "machines: between two runs on 2026-12-04, torch's own forward+backward of the medium conv1d took 0.195 and "
    "0.355 ms. The last column is the check that matters here: both sides compute the same float32 convolution.")


def slices_timing(results):
    """How the two times of ours (CUDA kernels, tap slices) were taken, by the results' ``slices_timing``."""
    if results.get("slices_timing") == "alternating":
        calls = max(3, results["repeats"] // ROUNDS)
        return (f"Ours with the CUDA gather and overlap-add and ours with the tap slices are timed in alternation, "
                f"{ROUNDS} rounds of {calls} calls each (after 3 warm-up calls), the order swapped every round; "
                f"each is the median of its {ROUNDS} round medians.")
    return (f"Ours with the tap slices was timed right after ours with the CUDA kernels, each over "
            f"{results['repeats']} calls (this run predates the alternating timing: a drift of the machine's speed "
            "between the two shows as a difference).")


def render_markdown(results):
    """The page ``docs/performance/gpu/<gpu-kind>.md`` (MyST Markdown) from :func:`measure`'s results."""
    m = results["machine"]
    lines = [f"# GPU: {m['device']} ({m['kind']})", "",
             f"Generated by `benchmarks/gpu_check.sh` (`benchmarks/gpu.py`) on {m['date']}"
             + (" with `--quick`" if results.get("quick") else "") + ".", "",
             "## Method", "",
             ("Ours on the CuPy backend (channels_last) against torch CUDA (NCW), float32, one process; every timed "
             "call is bracketed by a device synchronisation (`cupy.cuda.Device().synchronize()`, "
             f"`torch.cuda.synchronize()`); a time is the median of {results['repeats']} calls after 3 warm-up calls. "
             "fwd+bwd is the forward plus the backward of `sum(y * g)`, gradients of input, kernel and bias. "
             + ("torch's TF32 is off (`torch.backends.cudnn.allow_tf32 = False`, likewise for matmul), so both "
                "sides compute in full float32. " if results.get("torch_tf32") is False else "")
             + 
             "\"x\" is ours / torch: lower is better. The last column compares the two forward outputs. "
             + slices_timing(results)), "",
             "## Machine", "",
             _markdown_table(["item", "value"], [
                 ["GPU", f"{m['device']} ({m['memory_gib']:.0f} GiB, {m['multiprocessors']} multiprocessors)"],
                 ["CUDA runtime / driver (CuPy)", f"{m['cuda_runtime']} / {m['cuda_driver']}"],
                 ["CuPy", m["cupy"]], ["PyTorch", f"{m['torch']} (CUDA {m['torch_cuda']})"], ["NumPy", m["numpy"]],
                 ["Python", m["python"]], ["platform", m["platform"]]]), ""]
    tests = results.get("tests")
    lines += ["## CuPy test subset", ""]
    if tests:
        lines += [(f"`{tests.get('command', 'pytest -k cupy')}`: {tests['passed']} passed, {tests['failures']} "
                  f"failed, {tests['errors']} errors, {tests['skipped']} skipped (of {tests['tests']})."), ""]
    else:
        lines += ["Not recorded with these figures (run `benchmarks/gpu_check.sh` for both).", ""]
    lines += ["## Convolutions", "", _markdown_table(CONV_HEADERS, conv_rows(results["conv"])), "", READING, ""]
    t = results.get("train")
    if t and "error" in t:
        lines += ["## Training step", "", f"FAILED: {t['error']}", ""]
    elif t:
        mm = t["model"]
        lines += ["## Training step", "",
                  (f"One step of a Conv1DTranspose model ({mm['in_channels']} -> {mm['filters']} channels, kernel "
                  f"{mm['kernel_size']}, strides {mm['strides']}, batch {mm['batch']} x {mm['length']}): forward, "
                  f"mean squared error, backward, Adam; median of {results['repeats']} calls of "
                  f"{t['steps_per_call']} steps."), "",
                  _markdown_table(["ours ms/step", "torch ms/step", "ours / torch", "first loss (ours, torch)"],
                                  [[f"{t['ours_ms']:.3f}", f"{t['torch_ms']:.3f}", f"{t['ratio']:.2f}",
                                    f"{t['first_losses']['ours']:.5f}, {t['first_losses']['torch']:.5f}"]]), ""]
    return "\n".join(lines)


def _write_atomic(path, text):
    """Write ``text`` to ``path`` through the package's atomic writer (ordinary permissions, never half a file)."""
    from tinygradconv.saving import atomic_write

    atomic_write(path, lambda f: f.write(text.encode("utf-8")))


def write_results(results, out):
    """Write ``<out>/<kind>.md`` and ``<out>/<kind>.json``; return their paths."""
    os.makedirs(out, exist_ok=True)
    base = os.path.join(out, results["machine"]["kind"])
    _write_atomic(base + ".json", json.dumps(results, indent=1))
    _write_atomic(base + ".md", render_markdown(results))
    return base + ".md", base + ".json"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=os.environ.get("OUT") or DEFAULT_OUT,
                        help="folder for <gpu-kind>.md and .json (default: $OUT if set, else docs/performance/gpu)")
    parser.add_argument("--quick", action="store_true", help=f"only {', '.join(QUICK_SHAPES)}, fewer repeats")
    parser.add_argument("--dry-run", action="store_true", help="probe the GPU and say what would run; measure nothing")
    parser.add_argument("--tests-junit", default=None, help="pytest --junitxml file of the CuPy test subset")
    parser.add_argument("--tests-command", default="pytest -k cupy", help=argparse.SUPPRESS)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--shapes", nargs="+", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--repeats", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--steps", type=int, default=20, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    shapes = args.shapes or (QUICK_SHAPES if args.quick else GPU_SHAPES)
    repeats = args.repeats or (7 if args.quick else 20)
    if args.worker:
        _worker(shapes, repeats, args.steps)
        return 0
    ok, why = gpu_available()
    plan = (f"{len(OPS)} ops x {len(shapes)} cases ({', '.join(shapes)}) and the training step, CuPy vs torch CUDA, "
            f"results to {args.out}")
    if not ok:
        print(f"{SKIPPED}: GPU benchmark ({plan}): no usable GPU here: {why}")
        return 0
    if args.dry_run:
        print(f"GPU available; dry run: would measure {plan}")
        return 0
    print(f"GPU benchmark: {plan} ...", flush=True)
    results = measure(shapes, repeats, args.steps)
    results["quick"] = args.quick
    if args.tests_junit and os.path.exists(args.tests_junit):
        results["tests"] = dict(tests_from_junit(args.tests_junit), command=args.tests_command)
    for path in write_results(results, args.out):
        print(f"wrote {path}")
    print(_markdown_table(CONV_HEADERS, conv_rows(results["conv"])))
    t = results["train"]
    if "ratio" in t:
        print(f"training step: ours {t['ours_ms']:.3f} ms, torch {t['torch_ms']:.3f} ms, ratio {t['ratio']:.2f}")
    failed = errors(results)
    for line in failed:
        print(f"FAILED: {line}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
