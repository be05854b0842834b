"""conv1d_transpose and conv1d: tinygradconv against PyTorch, forward and forward+backward, float32.

Cases ``(batch, length, in_channels, filters, kernel_size, strides, dilation)``, grouped in families (issue 13)::

    benchmark       small     (4,  10,   128, 32,  3, 2, 1)    medium   (32, 256, 64, 64, 5, 2, 1)
                    large     (64, 1024, 128, 128, 7, 2, 1)
    dilation        dilated   (32, 256,  64,  64,  3, 1, 2)    dilated3 (32, 256, 64, 64, 3, 1, 3)
                    dilated4  (32, 256,  64,  64,  3, 1, 4)
    stride4_k8      wide      (32, 256,  64,  64,  8, 4, 1)
    wide_channels   channels256 (8, 512, 256, 128, 3, 1, 1)    stride 1, 256 -> 128 channels
    long_signal     long      (16, 2048, 32,  16,  4, 2, 1)    few channels, long signal
    batch1          batch1    (1,  256,  64,  64,  5, 2, 1)    latency: the medium case with one sample
    channels_first  channels_first (32, 256, 64, 64, 5, 2, 1)  the medium case, ours on (batch, channels, steps)

conv1d_transpose maps ``(B, L, C_in)`` to ``(B, N, filters)`` with Keras ``padding="valid"`` (torch ``padding=0``).
conv1d gets the input length ``N`` of that output and the same ``C_in``, ``filters``, kernel, strides and dilation,
so that its output has length ``L`` and both ops do the same ``2 * B * L * C_in * k * filters`` multiply-adds.
Ours runs on channels_last NumPy arrays (Keras layouts) except in the cases of :data:`CHANNELS_FIRST`, where it gets
``data_format="channels_first"`` inputs ``(B, C, L)``; torch always runs on its native NCW layout.

Method:

* every (framework, op, thread count) runs in its own subprocess whose environment fixes ``OMP_NUM_THREADS``,
  ``OPENBLAS_NUM_THREADS``, ``MKL_NUM_THREADS`` (and ``torch.set_num_threads``) before NumPy or torch is imported;
  ``OPENBLAS_CORETYPE`` and ``OPENBLAS_L2_SIZE`` are removed from that environment (together) so OpenBLAS picks its
  kernel for the real CPU; the BLAS in use is reported through threadpoolctl when it is installed; each such
  process is pinned to as many CPUs as it has threads, the same ones for both frameworks
  (:func:`benchmarks.harness.pin_cpus`);
* time: a framework's median over ``rounds`` rounds of ``calls_per_draw(repeats) * DRAWS`` calls (``repeats`` >= 7, 3
  with ``--quick``), spread over :data:`DRAWS` sets of inputs built one after the other (``ceil(repeats / DRAWS)`` calls
  each, after warm-up calls for :data:`WARMUP_S` seconds, at least one): where the arrays lie in memory changed torch's
  time for the same work by up to 2x. In a round, one process per framework (and op and thread count) stays alive and
  the two take turns set by set ("slots": each builds its own inputs for the slot, same shape and seed number), torch
  first in every other slot (:func:`torch_goes_first`); timing starts only once both have imported their library and run
  a tiny case. "x" (ours / torch) is the median over the slots of our median on the slot over torch's
  (:func:`paired_ratio`): the two halves of a pair are timed one right after the other, at nearly the same speed of the
  machine (a shared machine's speed drifts by tens of percent within a minute). It is not the quotient of the two
  frameworks' median times. "cpu x" is the quotient of the median process CPU times of fwd+bwd (not paired): on a busy
  machine it is steadier than wall-clock time (with several threads it also counts their waiting). "fwd" is the forward
  without gradient recording; "fwd+bwd" is forward plus backward of ``sum(y * g)`` for a fixed ``g``, computing
  gradients for input, kernel and bias (``.grad`` reset to ``None`` before each call, on both sides);
* memory, "peak extra" (:func:`peak_memory`): for each (framework, op, shape) a fresh subprocess, in which glibc
  maps every allocation of 64 KiB or more on its own (:data:`MEMORY_ENV`), creates the inputs, warms the library up
  on a tiny problem, resets the resident-set high-water mark and reads it after one fwd+bwd call (``VmHWM`` minus
  ``VmRSS`` before the call); the growth is what the call needed beyond its inputs (output, gradients,
  temporaries). Both frameworks are measured this same way, as ``make bench`` does; for ours, the tracemalloc peak
  of the same call (NumPy reports its allocations to tracemalloc) is given too;
* without torch: absolute times, GFLOP/s, and the time of a NumPy GEMM with the same FLOP count
  (``(B*L, C_in) @ (C_in, k*filters)``), a practical ceiling for a GEMM-based convolution.

Usage::

    python benchmarks/conv.py --threads 1 2 --op conv1d_transpose conv1d [--quick] [--shapes small medium]
    python benchmarks/conv.py --quick --threads 1 --shapes dilation      # one family (names or family names)
    python benchmarks/conv.py --json            # the list of result dicts

``run_benchmarks(...)`` returns the same rows as dicts for ``benchmarks/run.py``.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

if __package__ in (None, ""):  # run as a script: make the `benchmarks` package importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from benchmarks.baselines import full_length
from benchmarks.harness import (
    SETTLE_S,
    LineWorker,
    OtherLoad,
    kill_running,
    paired_ratio,
    run_worker,
    torch_first_in_slot,
)

SHAPES = {
    "small": (4, 10, 128, 32, 3, 2, 1),
    "medium": (32, 256, 64, 64, 5, 2, 1),
    "large": (64, 1024, 128, 128, 7, 2, 1),
    "dilated": (32, 256, 64, 64, 3, 1, 2),
    "wide": (32, 256, 64, 64, 8, 4, 1),
    "dilated3": (32, 256, 64, 64, 3, 1, 3),
    "dilated4": (32, 256, 64, 64, 3, 1, 4),
    "channels256": (8, 512, 256, 128, 3, 1, 1),
    "long": (16, 2048, 32, 16, 4, 2, 1),
    "batch1": (1, 256, 64, 64, 5, 2, 1),
    "channels_first": (32, 256, 64, 64, 5, 2, 1),
}
#: Cases whose input reaches our op as ``(batch, channels, steps)`` (``data_format="channels_first"``).
CHANNELS_FIRST = frozenset({"channels_first"})
#: The shape families of issue 13: a family name selects all its cases (``--shapes dilation``).
FAMILIES = {
    "benchmark": ("small", "medium", "large"),
    "dilation": ("dilated", "dilated3", "dilated4"),
    "stride4_k8": ("wide",),
    "wide_channels": ("channels256",),
    "long_signal": ("long",),
    "batch1": ("batch1",),
    "channels_first": ("channels_first",),
}
OPS = ("conv1d_transpose", "conv1d")
#: A tiny case that a worker runs once before measuring, to import its framework and load its code paths.
TINY = (2, 8, 4, 4, 3, 2, 1)


def data_format(name):
    """``"channels_first"`` for the cases of :data:`CHANNELS_FIRST`, else ``"channels_last"``."""
    return "channels_first" if name in CHANNELS_FIRST else "channels_last"


def expand_shapes(names):
    """Case names from case and family names (:data:`FAMILIES`), in order, each once.

    >>> expand_shapes(["medium", "dilation", "dilated"])
    ('medium', 'dilated', 'dilated3', 'dilated4')
    """
    out = []
    for name in names:
        if name not in SHAPES and name not in FAMILIES:
            raise ValueError(f"Invalid value for argument `shapes`. Expected case names {sorted(SHAPES)} or family "
                             f"names {sorted(FAMILIES)}. Received {name!r}")
        for case in FAMILIES.get(name, (name,)):
            if case not in out:
                out.append(case)
    return tuple(out)


def flops(shape):
    """Multiply-adds x 2 of one forward pass (the same for both ops by construction)."""
    batch, length, c_in, filters, k, _, _ = shape
    return 2 * batch * length * c_in * k * filters


# ------------------------------------------------------------------------------------------------ the workers
def _make_ours(op, shape, seed=0, data_format="channels_last"):
    """Return (fwd, fwd_bwd) closures for tinygradconv on float32 data in ``data_format`` (Keras layouts)."""
    import numpy as np

    import tinygradconv as tg
    from tinygradconv.ops.conv import conv1d, conv1d_transpose

    batch, length, c_in, filters, k, s, d = shape
    rng = np.random.default_rng(seed)
    steps = length if op == "conv1d_transpose" else full_length(shape)
    x_np = rng.standard_normal((batch, steps, c_in), dtype=np.float32)
    if data_format == "channels_first":
        x_np = np.ascontiguousarray(x_np.transpose(0, 2, 1))
    if op == "conv1d_transpose":
        w_np = rng.standard_normal((k, filters, c_in), dtype=np.float32) * 0.1

        def call(x, w, b):
            return conv1d_transpose(x, w, b, strides=s, dilation_rate=d, data_format=data_format)
    else:
        w_np = rng.standard_normal((k, c_in, filters), dtype=np.float32) * 0.1

        def call(x, w, b):
            return conv1d(x, w, b, strides=s, dilation_rate=d, data_format=data_format)
    x = tg.Tensor(x_np, requires_grad=True)
    w = tg.Tensor(w_np, requires_grad=True)
    b = tg.Tensor(np.zeros(filters, np.float32), requires_grad=True)
    with tg.no_grad():
        out_shape = call(x, w, b).shape
    g = tg.Tensor(rng.standard_normal(out_shape, dtype=np.float32))
    return make_closures(call, x, w, b, g, tg.no_grad)


def _make_torch(op, shape, seed=0):
    """Return (fwd, fwd_bwd) closures for torch on its native NCW layout."""
    import torch

    batch, length, c_in, filters, k, s, d = shape
    gen = torch.Generator().manual_seed(seed)
    f = torch.nn.functional
    if op == "conv1d_transpose":
        x = torch.randn(batch, c_in, length, generator=gen)
        w = torch.randn(c_in, filters, k, generator=gen) * 0.1

        def call(x, w, b):
            return f.conv_transpose1d(x, w, b, stride=s, dilation=d)
    else:
        x = torch.randn(batch, c_in, full_length(shape), generator=gen)
        w = torch.randn(filters, c_in, k, generator=gen) * 0.1

        def call(x, w, b):
            return f.conv1d(x, w, b, stride=s, dilation=d)
    b = torch.zeros(filters)
    for t in (x, w, b):
        t.requires_grad_(True)
    with torch.no_grad():
        g = torch.randn(call(x, w, b).shape, generator=gen)
    return make_closures(call, x, w, b, g, torch.no_grad)


def make_closures(call, x, w, b, g, no_grad):
    """``(fwd, fwd_bwd)`` of ``call(x, w, b)`` in either framework: the forward pass under ``no_grad()``, and the
    forward pass followed by the backward pass of the output gradient ``g`` (the gradients reset first)."""

    def fwd():
        with no_grad():
            return call(x, w, b)

    def fwd_bwd():
        x.grad = w.grad = b.grad = None
        y = call(x, w, b)
        y.backward(g)
        return y

    fwd_bwd.inputs = (x, w, b)               # whose .grad a caller may read (benchmarks/ab.py)
    return fwd, fwd_bwd


def _times_ms(fn, repeats, warmup=2, warmup_s=0.0):
    """Wall-clock and process-CPU milliseconds of ``repeats`` calls after ``warmup`` calls (more while less than
    ``warmup_s`` seconds have passed since the first), and the page faults each call took (minor ones: pages the
    system maps when the process first touches them, such as memory it had given back and takes again; ``None``
    where ``resource`` is missing)."""
    start = time.perf_counter()
    calls = 0
    while calls < warmup or time.perf_counter() - start < warmup_s:
        fn()
        calls += 1
    wall, cpu, faults = [], [], []
    for _ in range(repeats):
        f0 = _minor_faults()
        c0, t0 = time.process_time(), time.perf_counter()
        fn()
        wall.append((time.perf_counter() - t0) * 1e3)
        cpu.append((time.process_time() - c0) * 1e3)
        f1 = _minor_faults()
        faults.append(None if f0 is None else f1 - f0)
    return wall, cpu, faults


def _minor_faults():
    """This process's minor page faults so far (``getrusage``), or ``None`` without the ``resource`` module."""
    try:
        import resource
    except ImportError:                     # not on Windows
        return None
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def _median_ms(fn, repeats, warmup=2):
    return statistics.median(_times_ms(fn, repeats, warmup)[0])


def _gemm_ms(shape, repeats):
    import numpy as np

    batch, length, c_in, filters, k, _, _ = shape
    rng = np.random.default_rng(0)
    a = rng.standard_normal((batch * length, c_in), dtype=np.float32)
    b = rng.standard_normal((c_in, k * filters), dtype=np.float32)
    return _median_ms(lambda: a @ b, repeats)


def _blas_info():
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    return [{key: info.get(key) for key in ("internal_api", "version", "architecture", "num_threads")}
            for info in threadpool_info()]


#: Inputs built anew per case, framework and round. Where the arrays lie in memory changed torch's time for the
#: same work by up to 2x (conv1d, dilation 3, one thread, 2026-12-01: 5.5 to 10.7 ms from one set of tensors to the
#: next in one pinned process; ours stayed within 3 %), so each time pools ``DRAWS`` placements. (Much of torch's
#: spread is page faults: 2,500-4,000 per call in some states of its process's heap, none in others.)
DRAWS = 3

#: Seconds of untimed calls before each set's timed calls (at least one call). A worker times right after the
#: machine sat idle for :data:`~benchmarks.harness.SETTLE_S`, and on a 2-vCPU KVM guest (AMD EPYC, cpuidle
#: ``haltpoll``, 2026-12-04) our first 2-thread calls after such a pause ran at one thread's speed for about 35 ms
#: (conv1d, dilation 3: forward 3.1-3.2 ms instead of 1.8-1.9, forward+backward 8-10 ms instead of 5.5): the guest
#: woke our helper thread on the caller's vCPU, the other one having been given up to the host while idle, and
#: its load balancer moved it back some 30 ms later (pinning the two threads to different vCPUs removed the slowdown;
#: spinning before blocking on the task queue did not). torch's OpenMP threads spin while they wait and kept their
#: vCPU (their first call was 5 % slower). With one warm-up call the 3 timed calls of a set all fell in that window,
#: so the benchmark measured the wake-up and not the steady state of a training loop; both frameworks now get the
#: same warm-up time.
WARMUP_S = 0.05


def calls_per_draw(repeats):
    """Timed calls per set of inputs: ``repeats`` spread over :data:`DRAWS` sets, at least one each.

    >>> calls_per_draw(7), calls_per_draw(1)
    (3, 1)
    """
    return max(1, -(-repeats // DRAWS))


def _warmed_up(framework, op, threads):
    """In a worker process: ``make(name, seed=0)``, the ``(fwd, fwd_bwd)`` closures of ``framework`` for ``op`` on
    case ``name`` (ours in the case's layout), once a tiny case has run, so that the library is imported and its code
    paths are loaded before anything is measured (torch's threads set to ``threads`` first)."""
    maker = _make_ours if framework == "tinygradconv" else _make_torch
    if framework == "torch":
        import torch

        torch.set_num_threads(threads)
    for fn in maker(op, TINY):
        fn()

    def make(name, seed=0):
        layout = {} if framework == "torch" else {"data_format": data_format(name)}
        return maker(op, SHAPES[name], seed=seed, **layout)

    return make


def _time_worker(framework, op, threads, repeats):
    """In a subprocess: answer each line on stdin with one JSON line on stdout.

    * ``"<shape> <draw>"``: time one of the :data:`DRAWS` sets of inputs of a shape ("draw", seed ``draw``), built
      anew by this framework, ``ceil(repeats / DRAWS)`` calls of the forward and as many of forward+backward, each
      after warm-up calls for :data:`WARMUP_S` seconds (at least one). The row lists every call's time and the
      draw's medians (``draw_fwd_ms``, ``draw_fwd_bwd_ms``). New inputs are built while the last draw's still
      exist, so that they lie at new addresses.
    * ``"<shape> gemm"`` (ours, after the shape's last draw): the tracemalloc peak of one fwd+bwd call on the last
      inputs, and the time of the shape's reference GEMM (:func:`_gemm_ms`, ``gemm_ms``), so that the two times
      that "% GEMM" divides are taken at the same speed of the machine: taken minutes apart at the end of the
      session, the large case read 65 % of the GEMM rate in one run and 79 % in the next for the same code
      (2026-12-01), and in one process the two alternating read 88-92 %. The driver asks for it once both
      frameworks have timed the shape's last draw, so that it never runs between the two halves of a pair.
    * ``end``: the worker answers ``{"blas": ...}`` (ours: the BLAS threadpoolctl reports) and stops.

    The driver keeps one such process per framework alive and asks them in turn, draw by draw (the idle one waits
    on its stdin): see :func:`run_benchmarks`. Before its first line the worker imports its framework, runs a tiny
    case and answers ``{"ready": framework}``; the driver waits for both answers, so that neither times a shape
    while the other is still importing on the same CPUs (torch's import made our calls on 256 channels take twice
    their CPU time in wall-clock time, 2026-12-01). With several threads OpenBLAS's workers keep polling for work
    for about 0.1 s after a product, which slowed the next timed calls by up to 1.6x, so a worker with several
    threads waits :data:`SETTLE_S` before each answer, "ready" included (torch's OpenMP threads may spin too).
    """
    make = _warmed_up(framework, op, threads)
    if threads > 1:
        time.sleep(SETTLE_S)               # its warm-up's idle threads stop polling before the other one times
    print(json.dumps({"ready": framework}), flush=True)
    calls = calls_per_draw(repeats)
    closures = None
    for line in sys.stdin:
        if line.strip() == "end":
            break
        name, what = line.split()
        shape = SHAPES[name]
        row = {"framework": framework, "op": op, "threads": threads, "shape": name, "dims": shape}
        if what == "gemm":
            import tracemalloc

            tracemalloc.start()
            closures[1]()
            row["tracemalloc_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
            row["gemm_ms"] = _gemm_ms(shape, repeats)
        else:
            row["draw"] = draw = int(what)
            closures = make(name, seed=draw)     # built while the last draw's inputs still exist
            for fn, key in zip(closures, ("fwd", "fwd_bwd")):
                wall, cpu, faults = _times_ms(fn, calls, warmup=1, warmup_s=WARMUP_S)
                row.update({f"{key}_ms": wall, f"{key}_cpu_ms": cpu, f"draw_{key}_ms": statistics.median(wall)})
            row["fwd_bwd_faults"] = faults
        if threads > 1:
            time.sleep(SETTLE_S)           # this process's idle threads stop polling before the other one times
        print(json.dumps(row), flush=True)
    print(json.dumps({"blas": _blas_info() if framework == "tinygradconv" else None}), flush=True)


class _Worker(LineWorker):
    """A ``--worker time`` subprocess of one framework, op and thread count (:func:`_time_worker`), driven line by
    line."""

    def __init__(self, framework, op, threads, repeats):
        super().__init__(framework, [sys.executable, os.path.abspath(__file__), "--worker", "time", "--framework",
                                     framework, "--op", op, "--threads", str(threads), "--repeats", str(repeats)],
                         threads)


# ------------------------------------------------------------------------------------------------ memory
#: glibc: serve every allocation of 64 KiB or more with its own mmap, returned to the system on free, so the resident
#: set follows the live arrays (no reuse of freed heap memory hides an allocation); the same for both frameworks.
MEMORY_ENV = {"MALLOC_MMAP_THRESHOLD_": "65536"}


def needed_mb(op, shape):
    """MiB that any implementation of one fwd+bwd call must allocate: output and input, kernel, bias gradients."""
    batch, length, c_in, filters, k, s, d = shape
    if op == "conv1d_transpose":
        out_len, in_len = (length - 1) * s + max((k - 1) * d + 1, s), length
    else:
        out_len, in_len = length, full_length(shape)
    return 4 * (batch * out_len * filters + batch * in_len * c_in + k * c_in * filters + filters) / 2**20


def peak_memory(framework, op, shape_name, threads=1):
    """Peak extra resident memory of one fwd+bwd call of ``framework`` (``"tinygradconv"`` or ``"torch"``):
    ``{"peak_mb": MiB, "method": "VmHWM" or "ru_maxrss"}``.

    Measured in a fresh process (:data:`MEMORY_ENV`, :func:`_memory_worker`): the inputs are created and the
    library is warmed up on a tiny problem, then the kernel's resident-set high-water mark is reset
    (``/proc/self/clear_refs``) and the call's peak is ``VmHWM`` after the call minus ``VmRSS`` before it. Where
    the reset is not possible, the growth of ``ru_maxrss`` is used instead (it misses peaks below earlier ones),
    and ``method`` says so.
    """
    return run_worker(os.path.abspath(__file__), ["--worker", "memory", "--framework", framework, "--op", op,
                                                  "--shapes", shape_name], threads, extra_env=MEMORY_ENV)


def _status_mib(key):
    """The figure of ``key`` (``VmRSS``, ``VmHWM``) in ``/proc/self/status``, in MiB."""
    with open("/proc/self/status", encoding="utf-8") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    raise KeyError(key)


def _memory_worker(framework, op, shape_name):
    """In the fresh process of :func:`peak_memory`: print its result as JSON."""
    import resource

    _, fwd_bwd = _warmed_up(framework, op, int(os.environ.get("OMP_NUM_THREADS", "1")))(shape_name)
    try:
        rss = _status_mib("VmRSS")
        with open("/proc/self/clear_refs", "w", encoding="utf-8") as f:
            f.write("5")                                # reset VmHWM to the current resident set
        fwd_bwd()
        result = {"peak_mb": _status_mib("VmHWM") - rss, "method": "VmHWM"}
    except OSError:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        fwd_bwd()
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        result = {"peak_mb": (after - before) / 1024, "method": "ru_maxrss"}     # ru_maxrss is in KiB on Linux
    json.dump(result, sys.stdout)


# ------------------------------------------------------------------------------------------------ the driver
def median_faults(counts):
    """The median page faults per call, ``None`` when they were not counted.

    >>> median_faults([0, 4082, 3900]), median_faults([None, None])
    (3900, None)
    """
    counts = [c for c in counts if c is not None]
    return statistics.median(counts) if counts else None


def torch_goes_first(round_, draw):
    """Whether torch times slot ``(round_, draw)`` of a case before ours: in turns, torch first on the even slots
    ``round_ * DRAWS + draw`` (:func:`~benchmarks.harness.torch_first_in_slot`), the same for every case; with 3
    rounds of 3 draws torch goes first in 5 of the 9 pairs (in the first two paired runs, ours' ratio was 2 % lower
    on average in the pairs where ours went first, within the noise: 2.2 +- 1.7 % and 2.0 +- 1.9 %).

    >>> [torch_goes_first(r, d) for r in range(3) for d in range(DRAWS)].count(True)
    5
    """
    return torch_first_in_slot(round_ * DRAWS + draw)


def torch_available():
    probe = "import importlib.util as u; print(u.find_spec('torch') is not None)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=False)
    return out.stdout.strip() == "True"


def run_benchmarks(threads=(1, 2), ops=OPS, shapes=tuple(SHAPES), quick=False, repeats=None, rounds=None,
                   torch=None, memory=True):
    """Run the benchmark; return one dict per (op, threads, shape).

    Each (framework, op, threads) is timed in ``rounds`` fresh processes (2, or 1 with ``quick``). Within a round the
    two frameworks' processes (:func:`_time_worker`) time each shape's :data:`DRAWS` sets of inputs ("slots") in
    turn: for every slot one framework, then the other (:func:`torch_goes_first`), each on its own inputs for that
    slot; then ours times the shape's reference GEMM. A time is a framework's median over all its calls of all
    rounds. A ratio ours / torch is :func:`paired_ratio` of the per-slot medians; it is not the quotient of the two
    medians, which is kept as ``ratio_fwd_of_medians`` and ``ratio_fwd_bwd_of_medians`` (how results recorded
    before 2026-12-01 give "x").

    Each dict has ``op, threads, shape, dims, gflop`` and ``ours_fwd_ms, ours_fwd_bwd_ms, gemm_ms,
    ours_tracemalloc_peak_mb``, ``ours_fwd_draws_ms`` and ``ours_fwd_bwd_draws_ms`` (the median time of each slot),
    ``ours_fwd_bwd_faults`` (the median page faults per fwd+bwd call, :func:`_times_ms`) plus, with torch, the same
    ``torch_...`` figures, ``torch_first`` (per slot, whether torch went first), the paired ratios ``ratio_fwd,
    ratio_fwd_bwd``, the ratios of medians above, ``ratio_fwd_bwd_cpu`` (of the median CPU times, not paired) and,
    with ``memory``, ``needed_mb`` (:func:`needed_mb`), ``ours_peak_mb, torch_peak_mb`` and ``memory_method``
    (:func:`peak_memory`, measured once, in processes with the smallest thread count); ``other_cpus``, per round,
    the CPUs that other processes kept busy while that round timed the shapes of ``op`` with ``n`` threads
    (:class:`harness.OtherLoad`, one figure for all its shapes).
    """
    shapes = expand_shapes(shapes)
    repeats = repeats or (3 if quick else 7)
    rounds = rounds or (1 if quick else 2)
    if torch is None:
        torch = torch_available()
    frameworks = ["tinygradconv"] + (["torch"] if torch else [])
    times, gemm, first, blas, other = {}, {}, {}, None, {}
    for round_ in range(rounds):
        for op in ops:
            for n in threads:
                workers = {framework: _Worker(framework, op, n, repeats) for framework in frameworks}
                try:
                    for worker in workers.values():
                        worker.wait_ready()
                    load = OtherLoad(worker.process for worker in workers.values())
                    for name in shapes:
                        for draw in range(DRAWS):
                            torch_first = torch and torch_goes_first(round_, draw)
                            first.setdefault((op, n, name), []).append(torch_first)
                            for framework in frameworks[::-1] if torch_first else frameworks:
                                row = workers[framework].ask(f"{name} {draw}")
                                key = (framework, op, n, name)
                                for column in ("fwd_ms", "fwd_bwd_ms", "fwd_cpu_ms", "fwd_bwd_cpu_ms",
                                               "fwd_bwd_faults"):
                                    times.setdefault(key + (column,), []).extend(row[column])
                                for column in ("draw_fwd_ms", "draw_fwd_bwd_ms"):
                                    times.setdefault(key + (column,), []).append(row[column])
                        gemm.setdefault((op, n, name), []).append(workers["tinygradconv"].ask(f"{name} gemm"))
                    other.setdefault((op, n), []).append(load.cpus())
                    for framework, worker in workers.items():
                        final = worker.close()
                        if framework == "tinygradconv":
                            blas = blas or final["blas"]
                finally:
                    kill_running(workers.values())
    rows = []
    for op in ops:
        for n in threads:
            for name in shapes:
                def column(framework, name_, op=op, n=n, name=name):
                    return times[(framework, op, n, name, name_)]

                row = {"op": op, "threads": n, "shape": name, "dims": SHAPES[name], "data_format": data_format(name),
                       "gflop": flops(SHAPES[name]) / 1e9,
                       "gemm_ms": statistics.median(g["gemm_ms"] for g in gemm[(op, n, name)]),
                       "ours_tracemalloc_peak_mb": gemm[(op, n, name)][-1]["tracemalloc_peak_mb"],
                       "blas": blas, "repeats": repeats, "rounds": rounds, "draws": DRAWS,
                       "calls_per_draw": calls_per_draw(repeats), "warmup_s": WARMUP_S,
                       "other_cpus": other[(op, n)]}
                for framework in frameworks:
                    key = "ours" if framework == "tinygradconv" else "torch"
                    row.update({f"{key}_fwd_ms": statistics.median(column(framework, "fwd_ms")),
                                f"{key}_fwd_bwd_ms": statistics.median(column(framework, "fwd_bwd_ms")),
                                f"{key}_fwd_bwd_cpu_ms": statistics.median(column(framework, "fwd_bwd_cpu_ms")),
                                f"{key}_fwd_draws_ms": column(framework, "draw_fwd_ms"),
                                f"{key}_fwd_bwd_draws_ms": column(framework, "draw_fwd_bwd_ms"),
                                f"{key}_fwd_bwd_faults": median_faults(column(framework, "fwd_bwd_faults"))})
                if torch:
                    row.update(torch_first=first[(op, n, name)],
                               ratio_fwd=paired_ratio(row["ours_fwd_draws_ms"], row["torch_fwd_draws_ms"]),
                               ratio_fwd_bwd=paired_ratio(row["ours_fwd_bwd_draws_ms"], row["torch_fwd_bwd_draws_ms"]),
                               ratio_fwd_of_medians=row["ours_fwd_ms"] / row["torch_fwd_ms"],
                               ratio_fwd_bwd_of_medians=row["ours_fwd_bwd_ms"] / row["torch_fwd_bwd_ms"],
                               ratio_fwd_bwd_cpu=row["ours_fwd_bwd_cpu_ms"] / row["torch_fwd_bwd_cpu_ms"])
                if memory and n == min(threads):
                    row["needed_mb"] = needed_mb(op, SHAPES[name])
                    for framework in frameworks:
                        got = peak_memory(framework, op, name, threads=n)
                        key = "ours" if framework == "tinygradconv" else "torch"
                        row[f"{key}_peak_mb"], row["memory_method"] = got["peak_mb"], got["method"]
                rows.append(row)
    return rows


def format_table(rows):
    """The rows as a fixed-width text table."""
    with_torch = any("torch_fwd_ms" in r for r in rows)
    head = f"{'op':<17}{'thr':>3} {'shape':<15}{'GFLOP':>7} {'fwd ms':>9} {'f+b ms':>9}"
    if with_torch:
        head += f" {'torch fwd':>9} {'torch f+b':>9} {'fwd x':>6} {'f+b x':>6} {'cpu x':>6}"
    head += f" {'GFLOP/s':>8} {'gemm ms':>8} {'mem MiB':>8}"
    if with_torch:
        head += f" {'torch MiB':>9}"
    head += f" {'tracemal':>8}"
    lines = [head, "-" * len(head)]
    for r in rows:
        line = (f"{r['op']:<17}{r['threads']:>3} {r['shape']:<15}{r['gflop']:>7.3f} {r['ours_fwd_ms']:>9.2f} "
                f"{r['ours_fwd_bwd_ms']:>9.2f}")
        if with_torch:
            line += (f" {r['torch_fwd_ms']:>9.2f} {r['torch_fwd_bwd_ms']:>9.2f} {r['ratio_fwd']:>6.2f} "
                     f"{r['ratio_fwd_bwd']:>6.2f} {r['ratio_fwd_bwd_cpu']:>6.2f}")
        mem = r.get("ours_peak_mb")
        line += f" {r['gflop'] * 1e3 / r['ours_fwd_ms']:>8.1f} {r['gemm_ms']:>8.2f} "
        line += f"{mem:>8.1f}" if mem is not None else f"{'':>8}"
        if with_torch:
            tmem = r.get("torch_peak_mb")
            line += f" {tmem:>9.1f}" if tmem is not None else f" {'':>9}"
        line += f" {r['ours_tracemalloc_peak_mb']:>8.1f}"
        lines.append(line)
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--op", nargs="+", choices=OPS, default=list(OPS))
    parser.add_argument("--shapes", nargs="+", default=list(SHAPES),
                        help=f"case names {', '.join(SHAPES)} or family names {', '.join(FAMILIES)}")
    parser.add_argument("--quick", action="store_true", help="3 timed repeats instead of 7")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=None, help="fresh processes per framework (default 2)")
    parser.add_argument("--no-torch", action="store_true")
    parser.add_argument("--no-memory", action="store_true")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--worker", choices=["time", "memory"], help=argparse.SUPPRESS)
    parser.add_argument("--framework", choices=["tinygradconv", "torch"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker == "time":
        _time_worker(args.framework, args.op[0], args.threads[0], args.repeats or 7)
        return
    if args.worker == "memory":
        _memory_worker(args.framework, args.op[0], args.shapes[0])
        return
    try:
        args.shapes = expand_shapes(args.shapes)
    except ValueError as error:
        parser.error(str(error))
    rows = run_benchmarks(tuple(args.threads), tuple(args.op), tuple(args.shapes), quick=args.quick,
                          repeats=args.repeats, rounds=args.rounds, torch=False if args.no_torch else None,
                          memory=not args.no_memory)
    if args.json:
        json.dump(rows, sys.stdout, indent=1)
        return
    if rows:
        print(f"float32, channels_last (ours) vs NCW (torch); median of "
              f"{rows[0]['calls_per_draw'] * rows[0]['draws']} calls x {rows[0]['rounds']} process rounds; x = ours / "
              "torch (wall clock), the median of the per-slot ratios (see the module docstring); cpu x = ratio of the "
              "median CPU times of fwd+bwd; MiB = peak extra resident memory of one fwd+bwd (peak_memory, smallest "
              "thread count); "
              "tracemal = tracemalloc peak of ours (MiB)")
    if rows and rows[0].get("blas"):
        print("BLAS:", rows[0]["blas"])
    print(format_table(rows))


if __name__ == "__main__":
    main()
