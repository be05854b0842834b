"""Engine overhead: the cost per op of a chain of small additions, forward and backward, against PyTorch eager.

The workload is the one where the framework, not the arithmetic, dominates::

    y = x
    for _ in range(100):
        y = y + x            # x: (4, 4) float32, requires_grad
    y.sum().backward()

The time per op is the time of one such chain (forward, ``sum``, ``backward``) divided by the number of additions.
Each framework is measured in its own fresh processes, with every BLAS/OpenMP pool fixed to the same number of
threads (set in the environment before NumPy or PyTorch is imported); each process warms up, then times
``runs`` batches of chains, and the reported figure is the median over all batches of all processes (the rounds
alternate between the frameworks, so that a noisy neighbour hurts both alike). Besides wall-clock time, each batch's
process CPU time is recorded: on a busy machine the CPU-time ratio is the steadier comparison. PyTorch columns are
``None`` when PyTorch is not installed.

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
import subprocess
import sys
import time

if __package__ in (None, ""):  # run as a script: make the `benchmarks` package importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from benchmarks.harness import pin_cpus, torch_version, worker_env


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


def _worker(framework, n_ops, shape, runs, chains_per_run, warmup):
    """Time ``runs`` batches in this process; print per-op microseconds (total, forward, backward) as JSON."""
    step = {"tinygradconv": _chain_tinygradconv, "torch": _chain_torch}[framework](n_ops, shape)
    for _ in range(warmup):
        step().backward()
    clock = time.perf_counter
    results = []
    for _ in range(runs):
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
        results.append({"total": (forward + backward) * scale, "forward": forward * scale,
                        "backward": backward * scale, "cpu": cpu * scale})
    json.dump(results, sys.stdout)


def measure(n_ops=100, shape=(4, 4), runs=7, rounds=5, chains_per_run=50, warmup=20, threads=1, torch=True):
    """Measure the per-op overhead of tinygradconv and (when installed) PyTorch eager autograd.

    Args:
        n_ops: additions per chain.
        shape: shape of the float32 operands.
        runs: timed batches per process (the median is taken over all of them).
        rounds: fresh processes per framework, alternating between the frameworks.
        chains_per_run: chains (forward + backward) timed together in one batch.
        warmup: untimed chains run first in each process.
        threads: the value of ``OMP_NUM_THREADS``, ``OPENBLAS_NUM_THREADS``, ``MKL_NUM_THREADS``, ... (and of
            ``torch.set_num_threads``) in the worker processes.
        torch: also measure PyTorch (skipped when it is not installed).

    Returns:
        A dict: ``ours_us_per_op``, ``torch_us_per_op`` and their ``ratio`` (``None`` without PyTorch);
        ``paired_ratio``, the median over rounds of the ratio of back-to-back processes (the steadiest figure on a
        busy machine); process CPU times and their ``cpu_ratio``; the
        forward/backward split of each, every batch's figure, and the settings used (``threads``, ``n_ops``,
        ``shape``, ``runs``, ``rounds``, versions).
    """
    env = worker_env(threads)
    torch_found = torch_version(env) if torch else None
    frameworks = ["tinygradconv"] + (["torch"] if torch_found else [])
    batches = {name: [] for name in frameworks}
    round_ratios = []  # ours / torch of back-to-back processes: immune to slow drifts of the machine's load
    for _ in range(rounds):
        for name in frameworks:
            command = [sys.executable, os.path.abspath(__file__), "--worker", name, "--n-ops", str(n_ops),
                       "--shape", ",".join(map(str, shape)), "--runs", str(runs),
                       "--chains-per-run", str(chains_per_run), "--warmup", str(warmup)]
            out = subprocess.run(command, env=env, capture_output=True, text=True, check=True,
                                 preexec_fn=pin_cpus(threads))
            batches[name].extend(json.loads(out.stdout))
        if "torch" in batches:
            round_ratios.append(statistics.median(b["total"] for b in batches["tinygradconv"][-runs:]) /
                                statistics.median(b["total"] for b in batches["torch"][-runs:]))

    def median(name, key):
        return statistics.median(b[key] for b in batches[name]) if name in batches else None

    import numpy

    ours, theirs = median("tinygradconv", "total"), median("torch", "total")
    ours_cpu, theirs_cpu = median("tinygradconv", "cpu"), median("torch", "cpu")
    return {
        "ours_us_per_op": ours,
        "torch_us_per_op": theirs,
        "ratio": ours / theirs if theirs else None,
        "paired_ratio": statistics.median(round_ratios) if round_ratios else None,
        "round_ratios": round_ratios,
        "ours_forward_us_per_op": median("tinygradconv", "forward"),
        "ours_backward_us_per_op": median("tinygradconv", "backward"),
        "torch_forward_us_per_op": median("torch", "forward"),
        "torch_backward_us_per_op": median("torch", "backward"),
        "ours_cpu_us_per_op": ours_cpu,
        "torch_cpu_us_per_op": theirs_cpu,
        "cpu_ratio": ours_cpu / theirs_cpu if theirs_cpu else None,
        "ours_min_us_per_op": min(b["total"] for b in batches["tinygradconv"]),
        "torch_min_us_per_op": min(b["total"] for b in batches["torch"]) if "torch" in batches else None,
        "ours_batches_us_per_op": [b["total"] for b in batches["tinygradconv"]],
        "torch_batches_us_per_op": [b["total"] for b in batches.get("torch", [])],
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
              f"{result['threads']} thread(s); median of {result['runs'] * result['rounds']} batches "
              f"({result['rounds']} processes x {result['runs']}).")
    torch_name = f"torch {result['torch_version'] or '(absent)'}"
    lines = [header, f"  {'':<20} {'total us/op':>11} {'forward':>9} {'backward':>9} {'CPU us/op':>10}"]
    for name, prefix in (("tinygradconv", "ours"), (torch_name, "torch")):
        lines.append(f"  {name:<20} {us(result[prefix + '_us_per_op']):>11}"
                     f" {us(result[prefix + '_forward_us_per_op']):>9}"
                     f" {us(result[prefix + '_backward_us_per_op']):>9} {us(result[prefix + '_cpu_us_per_op']):>10}")
    if result["ratio"] is not None:
        lines.append(f"  ratio tinygradconv / torch: {result['paired_ratio']:.2f}x (median over rounds of back-to-back "
                     f"processes), {result['ratio']:.2f}x of the medians, "
                     f"{result['ours_min_us_per_op'] / result['torch_min_us_per_op']:.2f}x of the fastest batches, "
                     f"{result['cpu_ratio']:.2f}x of the CPU times (target <= 2x)")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--worker", choices=["tinygradconv", "torch"], help=argparse.SUPPRESS)
    parser.add_argument("--n-ops", type=int, default=100)
    parser.add_argument("--shape", default="4,4")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--chains-per-run", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--no-torch", action="store_true")
    parser.add_argument("--json", action="store_true", help="print the result dict as JSON")
    args = parser.parse_args(argv)
    shape = tuple(int(n) for n in args.shape.split(","))
    if args.worker:
        _worker(args.worker, args.n_ops, shape, args.runs, args.chains_per_run, args.warmup)
        return
    result = measure(args.n_ops, shape, args.runs, args.rounds, args.chains_per_run, args.warmup, args.threads,
                     torch=not args.no_torch)
    print(json.dumps(result, indent=2) if args.json else _format(result))


if __name__ == "__main__":
    main()
