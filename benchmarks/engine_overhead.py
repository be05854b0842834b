"""Engine overhead: the cost per op of a chain of small additions, forward and backward, against PyTorch eager.

The workload is the one where the framework, not the arithmetic, dominates::

    y = x
    for _ in range(100):
        y = y + x            # x: (4, 4) float32, requires_grad
    y.sum().backward()

The time per op is the time of one such chain (forward, ``sum``, ``backward``) divided by the number of additions.
Each framework is measured in its own fresh processes, with every BLAS/OpenMP pool fixed to the same number of
threads (set in the environment before NumPy or PyTorch is imported). In each round one process per framework warms
up, then the two take turns, one batch of chains each, ``runs`` times, torch first in every other pair, so that the
two halves of a pair are timed one right after the other; the ratio is the median of the per-pair ratios
(:func:`benchmarks.harness.paired_ratio`), each framework's time its median over all batches. Besides wall-clock
time, each batch's process CPU time is recorded: on a busy machine the CPU-time ratio is the steadier comparison.
PyTorch columns are ``None`` when PyTorch is not installed.

Usage::

    python benchmarks/engine_overhead.py            # a table
    python benchmarks/engine_overhead.py --json     # the dict of `measure()`

>>> from benchmarks.engine_overhead import measure      # doctest: +SKIP
>>> measure(runs=7)["ratio"] <= 2.0                      # doctest: +SKIP
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
    LineWorker,
    check_minimums,
    other_load_note,
    paired_ratio,
    serve_batches,
    time_in_pairs,
    torch_version,
    worker_env,
)

#: The smallest value each setting of :func:`measure` accepts.
MINIMUM = {"n_ops": 1, "runs": 1, "rounds": 1, "chains_per_run": 1, "warmup": 0, "threads": 1}


def _chain_tinygradconv(n_ops, shape):
    import numpy as np

    import tinygradconv as tg

    x = tg.tensor(np.random.default_rng(0).random(shape), dtype="float32", requires_grad=True)

    def forward():
        y = x
        for _ in range(n_ops):
            y = y + x
        return y.sum()

    def step():
        x.grad = None
        return forward()

    return step


def _chain_torch(n_ops, shape):
    import torch

    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    x = torch.rand(shape, dtype=torch.float32, requires_grad=True)

    def step():
        x.grad = None
        y = x
        for _ in range(n_ops):
            y = y + x
        return y.sum()

    return step


def _worker(framework, n_ops, shape, chains_per_run, warmup, threads):
    """In a subprocess: build the chain, run it ``warmup`` times, answer ``{"ready": framework}``, then answer each
    line on stdin with one JSON line: ``"batch"``: time ``chains_per_run`` chains, per-op microseconds (``total``,
    ``forward``, ``backward``, process ``cpu``); ``"end"``: ``{}``, then stop. With several threads the worker waits
    :data:`~benchmarks.harness.SETTLE_S` before each answer, as the other benchmarks' workers do."""
    step = {"tinygradconv": _chain_tinygradconv, "torch": _chain_torch}[framework](n_ops, shape)
    for _ in range(warmup):
        step().backward()
    clock = time.perf_counter

    def time_batch():
        forward = backward = 0.0
        cpu_start = time.process_time()
        for _ in range(chains_per_run):
            t0 = clock()
            loss = step()
            t1 = clock()
            loss.backward()
            t2 = clock()
            forward += t1 - t0
            backward += t2 - t1
        cpu = time.process_time() - cpu_start
        scale = 1e6 / (chains_per_run * n_ops)
        return {"total": (forward + backward) * scale, "forward": forward * scale, "backward": backward * scale,
                "cpu": cpu * scale}

    serve_batches(framework, threads, time_batch)


def _start_worker(framework, n_ops, shape, chains_per_run, warmup, threads):
    command = [sys.executable, os.path.abspath(__file__), "--worker", framework, "--n-ops", str(n_ops),
               "--shape", ",".join(map(str, shape)), "--chains-per-run", str(chains_per_run),
               "--warmup", str(warmup), "--threads", str(threads)]
    return LineWorker(framework, command, threads)


def measure(n_ops=100, shape=(4, 4), runs=7, rounds=5, chains_per_run=50, warmup=20, threads=1, torch=True):
    """Measure the per-op overhead of tinygradconv and (when installed) PyTorch eager autograd, in pairs.

    Args:
        n_ops: additions per chain.
        shape: shape of the float32 operands (positive integers).
        runs: timed batches per process, one per pair.
        rounds: fresh processes per framework; in each round the two take turns, batch by batch.
        chains_per_run: chains (forward + backward) timed together in one batch.
        warmup: untimed chains run first in each process.
        threads: the value of ``OMP_NUM_THREADS``, ``OPENBLAS_NUM_THREADS``, ``MKL_NUM_THREADS``, ... (and of
            ``torch.set_num_threads``) in the worker processes.
        torch: also measure PyTorch (skipped when it is not installed).

    Returns:
        A dict: ``ours_us_per_op`` and ``torch_us_per_op`` (medians over all batches); ``ratio``, the median over
        the ``runs * rounds`` pairs of ours / torch (``None`` without PyTorch), and ``ratio_of_medians``; process
        CPU times and their paired ``cpu_ratio``; the forward/backward split of each, every batch's figure in pair
        order, ``torch_first`` (per pair), ``other_cpus`` (per round, the CPUs other processes kept busy meanwhile,
        :class:`harness.OtherLoad`), and the settings used (``threads``, ``n_ops``, ``shape``, ``runs``,
        ``rounds``, versions).

    Raises:
        ValueError: a setting below its :data:`MINIMUM`, or a ``shape`` that is not a tuple of positive integers.
    """
    check_minimums(MINIMUM, n_ops=n_ops, runs=runs, rounds=rounds, chains_per_run=chains_per_run, warmup=warmup,
                   threads=threads)
    if not shape or not all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in shape):
        raise ValueError(f"Invalid value for argument `shape` (--shape). Expected positive integers. "
                         f"Received shape={shape!r}")
    env = worker_env(threads)
    torch_found = torch_version(env) if torch else None
    frameworks = ["tinygradconv"] + (["torch"] if torch_found else [])
    batches, first, _, other_cpus = time_in_pairs(
        lambda name: _start_worker(name, n_ops, shape, chains_per_run, warmup, threads), frameworks, rounds, runs)

    def median(name, key):
        return statistics.median(b[key] for b in batches[name]) if name in batches else None

    def paired(key):
        if not torch_found:
            return None
        return paired_ratio([b[key] for b in batches["tinygradconv"]], [b[key] for b in batches["torch"]])

    import numpy

    ours, theirs = median("tinygradconv", "total"), median("torch", "total")
    return {
        "ours_us_per_op": ours,
        "torch_us_per_op": theirs,
        "ratio": paired("total"),
        "ratio_of_medians": ours / theirs if torch_found else None,
        "ours_forward_us_per_op": median("tinygradconv", "forward"),
        "ours_backward_us_per_op": median("tinygradconv", "backward"),
        "torch_forward_us_per_op": median("torch", "forward"),
        "torch_backward_us_per_op": median("torch", "backward"),
        "ours_cpu_us_per_op": median("tinygradconv", "cpu"),
        "torch_cpu_us_per_op": median("torch", "cpu"),
        "cpu_ratio": paired("cpu"),
        "ours_min_us_per_op": min(b["total"] for b in batches["tinygradconv"]),
        "torch_min_us_per_op": min(b["total"] for b in batches["torch"]) if torch_found else None,
        "ours_batches_us_per_op": [b["total"] for b in batches["tinygradconv"]],
        "torch_batches_us_per_op": [b["total"] for b in batches.get("torch", [])],
        "torch_first": first if torch_found else [],
        "paired": True,
        "other_cpus": other_cpus,
        "threads": threads,
        "n_ops": n_ops,
        "shape": list(shape),
        "dtype": "float32",
        "runs": runs,
        "rounds": rounds,
        "chains_per_run": chains_per_run,
        "numpy_version": numpy.__version__,
        "torch_version": torch_found,
        "python_version": sys.version.split()[0],
    }


def _format(result):
    def us(value):
        return "   n/a" if value is None else f"{value:6.2f}"

    header = (f"Chain of {result['n_ops']} adds on {tuple(result['shape'])} {result['dtype']}, forward + backward; "
              f"{result['threads']} thread(s); median of {result['runs'] * result['rounds']} batches per framework "
              f"({result['rounds']} round(s) of {result['runs']}, one fresh process per framework and round"
              f"{', taking turns batch by batch' if result['torch_version'] else ''}).")
    torch_name = f"torch {result['torch_version'] or '(absent)'}"
    lines = [header, f"  {'':<20} {'total us/op':>11} {'forward':>9} {'backward':>9} {'CPU us/op':>10}"]
    for name, prefix in (("tinygradconv", "ours"), (torch_name, "torch")):
        lines.append(f"  {name:<20} {us(result[prefix + '_us_per_op']):>11}"
                     f" {us(result[prefix + '_forward_us_per_op']):>9}"
                     f" {us(result[prefix + '_backward_us_per_op']):>9} {us(result[prefix + '_cpu_us_per_op']):>10}")
    if result["ratio"] is not None:
        lines.append(f"  ratio tinygradconv / torch: {result['ratio']:.2f}x (median of the per-pair ratios), "
                     f"{result['ratio_of_medians']:.2f}x of the medians, "
                     f"{result['ours_min_us_per_op'] / result['torch_min_us_per_op']:.2f}x of the fastest batches, "
                     f"{result['cpu_ratio']:.2f}x of the CPU times (target <= 2x)")
    note = other_load_note(result.get("other_cpus") or [])
    return "\n".join(lines + ([note] if note else []))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--worker", choices=["tinygradconv", "torch"], help=argparse.SUPPRESS)
    parser.add_argument("--n-ops", type=int, default=100, help="additions per chain")
    parser.add_argument("--shape", default="4,4", help="shape of the operands, comma-separated (default: 4,4)")
    parser.add_argument("--runs", type=int, default=7, help="timed batches per process, one per pair")
    parser.add_argument("--rounds", type=int, default=5, help="fresh processes per framework (default: 5)")
    parser.add_argument("--chains-per-run", type=int, default=50, help="chains per timed batch")
    parser.add_argument("--warmup", type=int, default=20, help="untimed chains first in each process")
    parser.add_argument("--threads", type=int, default=1, help="threads of every BLAS/OpenMP pool (default: 1)")
    parser.add_argument("--no-torch", action="store_true", help="measure tinygradconv only")
    parser.add_argument("--json", action="store_true", help="print the result dict as JSON")
    args = parser.parse_args(argv)
    try:
        shape = tuple(int(n) for n in args.shape.split(","))
    except ValueError:
        parser.error(f"--shape expects comma-separated integers such as 4,4; received {args.shape!r}")
    if args.worker:
        _worker(args.worker, args.n_ops, shape, args.chains_per_run, args.warmup, args.threads)
        return
    try:
        result = measure(args.n_ops, shape, args.runs, args.rounds, args.chains_per_run, args.warmup, args.threads,
                         torch=not args.no_torch)
    except ValueError as error:
        parser.error(str(error))
    print(json.dumps(result, indent=2) if args.json else _format(result))


if __name__ == "__main__":
    main()
