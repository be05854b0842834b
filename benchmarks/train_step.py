"""One training step of a tiny model: tinygradconv against PyTorch eager.

The model is a single transposed convolution, 16 -> 8 channels, ``kernel_size=3``, ``strides=2`` (Keras
``padding="valid"``, which is PyTorch's ``padding=0``: output length ``(64 - 1) * 2 + 3 = 129``), trained on one
float32 batch of 32 signals of length 64 with the mean squared error and Adam (learning rate 1e-3). One step is::

    out = conv1d_transpose(x, kernel, bias, strides=2)     # torch: ConvTranspose1d(16, 8, 3, stride=2)(x)
    loss = mean((out - target) ** 2)                        # torch: MSELoss()
    loss.backward()
    optimizer.apply(grads, [kernel, bias])                  # torch: Adam.step()

written by hand on both sides (gradients reset, forward, loss, backward, update). Each framework runs in its own
fresh processes with every BLAS/OpenMP pool set to the same number of threads (1 by default) in the environment
before NumPy or PyTorch is imported. In each round one process per framework warms up, then the two take turns, one
batch of ``steps_per_run`` steps each, ``runs`` times, torch first in every other pair: the two halves of a pair are
timed one right after the other, at nearly the same speed of a shared machine. The ratio reported is the median of
the per-pair ratios (:func:`benchmarks.harness.paired_ratio`); each framework's time is its median over all batches.

Usage::

    python benchmarks/train_step.py            # a table
    python benchmarks/train_step.py --json     # the dict of `measure()`
    python benchmarks/train_step.py --profile  # where our step spends its time (cProfile, top functions)

>>> from benchmarks.train_step import measure          # doctest: +SKIP
>>> measure()["ratio"] <= 1.0                           # doctest: +SKIP
True
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

if __package__ in (None, ""):  # run as a script: make the `benchmarks` package importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from benchmarks.harness import (
    THREAD_VARIABLES,
    LineWorker,
    check_minimums,
    other_load_note,
    paired_ratio,
    serve_batches,
    time_in_pairs,
    torch_version,
    worker_env,
)

BATCH, LENGTH, IN_CHANNELS, FILTERS, KERNEL_SIZE, STRIDES = 32, 64, 16, 8, 3, 2
MODEL = {"batch": BATCH, "length": LENGTH, "in_channels": IN_CHANNELS, "filters": FILTERS,
         "kernel_size": KERNEL_SIZE, "strides": STRIDES, "loss": "mse", "optimizer": "adam(1e-3)"}


def _data():
    import numpy as np

    rng = np.random.default_rng(0)
    out_len = (LENGTH - 1) * STRIDES + KERNEL_SIZE
    x = rng.standard_normal((BATCH, LENGTH, IN_CHANNELS)).astype(np.float32)       # channels_last
    target = rng.standard_normal((BATCH, out_len, FILTERS)).astype(np.float32)
    kernel = (rng.standard_normal((KERNEL_SIZE, FILTERS, IN_CHANNELS)) * 0.1).astype(np.float32)  # Keras layout
    bias = np.zeros(FILTERS, dtype=np.float32)
    return x, target, kernel, bias


def make_step_tinygradconv(backend=None):
    """Our step: ``conv1d_transpose``, MSE written out, ``backward``, ``Adam.apply`` (on ``backend``: ``"cupy"`` for
    the GPU benchmark, the default backend when ``None``)."""
    import tinygradconv as tg
    from tinygradconv.ops import conv1d_transpose
    from tinygradconv.optimizers import Adam

    x_np, target_np, kernel_np, bias_np = _data()
    x, target = tg.tensor(x_np, backend=backend), tg.tensor(target_np, backend=backend)
    kernel = tg.tensor(kernel_np, requires_grad=True, backend=backend)
    bias = tg.tensor(bias_np, requires_grad=True, backend=backend)
    params = [kernel, bias]
    optimizer = Adam(learning_rate=1e-3)

    def step():
        kernel.grad = bias.grad = None
        out = conv1d_transpose(x, kernel, bias, strides=STRIDES)
        diff = out - target
        loss = (diff * diff).mean()
        loss.backward()
        optimizer.apply([kernel.grad, bias.grad], params)
        return loss

    return step


def make_step_torch(device="cpu"):
    """PyTorch's step for the same model: ``ConvTranspose1d`` + ``MSELoss`` + ``Adam`` (channels first), on
    ``device`` (``"cuda"`` for the GPU benchmark)."""
    import torch

    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    x_np, target_np, kernel_np, bias_np = _data()
    x = torch.from_numpy(x_np.transpose(0, 2, 1).copy()).to(device)
    target = torch.from_numpy(target_np.transpose(0, 2, 1).copy()).to(device)
    model = torch.nn.ConvTranspose1d(IN_CHANNELS, FILTERS, KERNEL_SIZE, stride=STRIDES)
    with torch.no_grad():  # Keras (k, filters, in) -> torch (in, filters, k); same starting point as ours
        model.weight.copy_(torch.from_numpy(kernel_np.transpose(2, 1, 0).copy()))
        model.bias.copy_(torch.from_numpy(bias_np))
    model.to(device)
    loss_fn = torch.nn.MSELoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), target)
        loss.backward()
        optimizer.step()
        return loss

    return step


def _worker(framework, steps_per_run, warmup, threads):
    """In a subprocess: build the step, run it once (the first loss) and ``warmup`` more times, answer
    ``{"ready": framework}``, then answer each line on stdin with one JSON line:

    * ``"batch"``: time ``steps_per_run`` steps; the wall-clock and process-CPU milliseconds per step;
    * ``"end"``: the first and last losses; then stop.

    With several threads the worker waits :data:`~benchmarks.harness.SETTLE_S` before each answer ("ready" and the
    batches), so that its idle BLAS/OpenMP threads have stopped polling when the other framework times.
    """
    step = {"tinygradconv": make_step_tinygradconv, "torch": make_step_torch}[framework]()
    losses = [float(step().item())]            # the first loss, then the last one after each batch
    for _ in range(warmup):
        step()

    def time_batch():
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(steps_per_run):
            loss = step()
        answer = {"ms_per_step": (time.perf_counter() - t0) * 1e3 / steps_per_run,
                  "cpu_ms_per_step": (time.process_time() - c0) * 1e3 / steps_per_run}
        losses.append(float(loss.item()))
        return answer

    serve_batches(framework, threads, time_batch, lambda: {"first_loss": losses[0], "last_loss": losses[-1]})


#: The smallest value each setting of :func:`measure` accepts.
MINIMUM = {"runs": 7, "rounds": 1, "steps_per_run": 1, "warmup": 0, "threads": 1}


def check_settings(**settings):
    """A ValueError naming the first setting of :func:`measure` below its :data:`MINIMUM` (or not an integer,
    :func:`~benchmarks.harness.check_minimums`).

    >>> check_settings(runs=7, steps_per_run=0)         # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: Invalid value for argument `steps_per_run` (--steps-per-run). Expected ... Received steps_per_run=0
    """
    check_minimums(MINIMUM, **settings)


def _start_worker(framework, steps_per_run, warmup, threads):
    command = [sys.executable, os.path.abspath(__file__), "--worker", framework, "--steps-per-run",
               str(steps_per_run), "--warmup", str(warmup), "--threads", str(threads)]
    return LineWorker(framework, command, threads)


def measure(runs=7, rounds=3, steps_per_run=50, warmup=20, threads=1, torch=True):
    """Measure one training step of the tiny model in tinygradconv and (when installed) PyTorch, in pairs.

    Args:
        runs: timed batches per process, one per pair (at least 7).
        rounds: fresh processes per framework; in each round the two take turns, batch by batch.
        steps_per_run: training steps timed together in one batch.
        warmup: untimed steps run first in each process.
        threads: ``OMP_NUM_THREADS``, ``OPENBLAS_NUM_THREADS``, ``MKL_NUM_THREADS``, ... (and
            ``torch.set_num_threads``) in the worker processes.
        torch: also measure PyTorch (skipped when it is not installed).

    Returns:
        A dict: ``ours_ms`` and ``torch_ms`` (median wall-clock milliseconds per step over all batches); ``ratio``,
        the median over the ``runs * rounds`` pairs of ours / torch (``None`` without PyTorch; the target is
        ``<= 1``), and ``ratio_of_medians``, the quotient of the two medians; the same in process CPU time
        (``ours_cpu_ms``, ``torch_cpu_ms``, ``cpu_ratio`` paired: with one thread, CPU time is the work done, less
        sensitive to other processes competing for the cores than wall time); every batch's figures, in pair order,
        and ``torch_first`` (per pair); ``other_cpus``, per round, the CPUs other processes kept busy meanwhile
        (:class:`harness.OtherLoad`); the losses before and after (both frameworks start from the same weights,
        so their first losses agree); the settings and versions used.

    Raises:
        ValueError: ``runs`` below 7, ``rounds``, ``steps_per_run`` or ``threads`` below 1, ``warmup`` below 0.
    """
    check_settings(runs=runs, rounds=rounds, steps_per_run=steps_per_run, warmup=warmup, threads=threads)
    env = worker_env(threads)
    torch_found = torch_version(env) if torch else None
    frameworks = ["tinygradconv"] + (["torch"] if torch_found else [])
    answers, first, finals, other_cpus = time_in_pairs(
        lambda name: _start_worker(name, steps_per_run, warmup, threads), frameworks, rounds, runs)
    batches = {name: [a["ms_per_step"] for a in answers[name]] for name in frameworks}
    cpu_batches = {name: [a["cpu_ms_per_step"] for a in answers[name]] for name in frameworks}
    losses = {name: (final["first_loss"], final["last_loss"]) for name, final in finals.items()}

    import numpy

    ours = statistics.median(batches["tinygradconv"])
    theirs = statistics.median(batches["torch"]) if torch_found else None
    ours_cpu = statistics.median(cpu_batches["tinygradconv"])
    theirs_cpu = statistics.median(cpu_batches["torch"]) if torch_found else None
    return {
        "ours_ms": ours,
        "torch_ms": theirs,
        "ratio": paired_ratio(batches["tinygradconv"], batches["torch"]) if torch_found else None,
        "ratio_of_medians": ours / theirs if torch_found else None,
        "ours_cpu_ms": ours_cpu,
        "torch_cpu_ms": theirs_cpu,
        "cpu_ratio": paired_ratio(cpu_batches["tinygradconv"], cpu_batches["torch"]) if torch_found else None,
        "ours_batches_ms": batches["tinygradconv"],
        "torch_batches_ms": batches.get("torch", []),
        "ours_cpu_batches_ms": cpu_batches["tinygradconv"],
        "torch_cpu_batches_ms": cpu_batches.get("torch", []),
        "torch_first": first if torch_found else [],
        "torch_skipped": None if torch_found else ("--no-torch" if not torch else "not installed"),
        "paired": True,
        "other_cpus": other_cpus,
        "ours_losses": losses["tinygradconv"],
        "torch_losses": losses.get("torch"),
        "model": dict(MODEL),
        "threads": threads,
        "dtype": "float32",
        "runs": runs,
        "rounds": rounds,
        "steps_per_run": steps_per_run,
        "numpy_version": numpy.__version__,
        "torch_version": torch_found,
        "python_version": sys.version.split()[0],
    }


def profile(steps=500, top=15):
    """Profile our step with cProfile in this process (call it with the thread variables already set)."""
    import cProfile
    import io
    import pstats

    step = make_step_tinygradconv()
    for _ in range(20):
        step()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(steps):
        step()
    profiler.disable()
    stream = io.StringIO()
    pstats.Stats(profiler, stream=stream).sort_stats("tottime").print_stats(top)
    return stream.getvalue()


def _format(result):
    def ms(value):
        return "   n/a" if value is None else f"{value:7.3f}"

    m = result["model"]
    turns = ", the two frameworks taking turns batch by batch" if result["torch_version"] else ""
    header = (f"One training step: Conv1DTranspose {m['in_channels']}->{m['filters']}, k={m['kernel_size']}, "
              f"strides={m['strides']}, batch {m['batch']} x length {m['length']}, MSE + Adam, float32; "
              f"{result['threads']} thread(s); median of {result['runs'] * result['rounds']} batches of "
              f"{result['steps_per_run']} steps per framework ({result['rounds']} round(s) of {result['runs']} "
              f"batches, one fresh process per framework and round{turns}).")
    skipped = result.get("torch_skipped")
    torch_name = "torch " + (result["torch_version"] or f"(not measured: {skipped or 'absent'})")
    width = max(22, len(torch_name))
    lines = [header, f"  {'':<{width}} {'ms/step':>8} {'CPU ms/step':>12}",
             f"  {'tinygradconv':<{width}} {ms(result['ours_ms']):>8} {ms(result['ours_cpu_ms']):>12}",
             f"  {torch_name:<{width}} {ms(result['torch_ms']):>8} {ms(result['torch_cpu_ms']):>12}"]
    if result["ratio"] is not None:
        lines.append(f"  ratio tinygradconv / torch: {result['ratio']:.2f}x wall, {result['cpu_ratio']:.2f}x CPU "
                     "(target <= 1x; the median of the per-pair ratios, so in general not the quotient of the "
                     "columns)")
    note = other_load_note(result.get("other_cpus") or [])
    return "\n".join(lines + ([note] if note else []))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--worker", choices=["tinygradconv", "torch"], help=argparse.SUPPRESS)
    parser.add_argument("--runs", type=int, default=7, help="timed batches per process, one per pair (at least 7)")
    parser.add_argument("--rounds", type=int, default=3, help="fresh processes per framework (default: 3)")
    parser.add_argument("--steps-per-run", type=int, default=50, help="training steps per timed batch")
    parser.add_argument("--warmup", type=int, default=20, help="untimed steps first in each process")
    parser.add_argument("--threads", type=int, default=1, help="threads of every BLAS/OpenMP pool (default: 1)")
    parser.add_argument("--no-torch", action="store_true", help="measure tinygradconv only")
    parser.add_argument("--json", action="store_true", help="print the result dict as JSON")
    parser.add_argument("--profile", action="store_true", help="profile our step (cProfile) instead of timing")
    args = parser.parse_args(argv)
    if args.worker:
        _worker(args.worker, args.steps_per_run, args.warmup, args.threads)
        return 0
    if args.profile:
        if args.threads != 1 or args.json:
            parser.error("--profile runs our step on one thread in this process and prints a table: "
                         "--threads and --json do not apply to it")
        print("cProfile of 500 training steps of our model (one thread, after 20 warm-up steps), the functions "
              "that took the most time themselves:")
        print(profile())
        return 0
    try:
        check_settings(runs=args.runs, rounds=args.rounds, steps_per_run=args.steps_per_run, warmup=args.warmup,
                       threads=args.threads)
    except ValueError as error:
        parser.error(str(error))
    result = measure(args.runs, args.rounds, args.steps_per_run, args.warmup, args.threads, not args.no_torch)
    print(json.dumps(result, indent=2) if args.json else _format(result))
    return 0


if __name__ == "__main__":
    if "--worker" in sys.argv or "--profile" in sys.argv:  # pin the thread pools before NumPy/PyTorch load
        for _name in THREAD_VARIABLES:
            os.environ.setdefault(_name, "1")
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    sys.exit(main())
