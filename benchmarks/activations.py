"""The piecewise activations against PyTorch, forward and forward + backward, on random-sign float32 data.

A small standalone script (not one of ``make bench``'s targets) for the ops whose choice between two branches
depends on the sign of each value: ``relu``, ``leaky_relu``, ``clip``, ``maximum``, ``minimum``, ``where``,
``sigmoid``, ``silu``, ``elu``, ``selu``, ``hard_sigmoid``, ``softplus``. Their input is standard normal, so that
about half the values are negative in no order, as a layer's pre-activations are: that is where a branch per element
(``np.where``) mispredicts half the time, and where :func:`tinygradconv.ops.elementwise.choose` and
:func:`~tinygradconv.ops.elementwise.keep_where` choose on bit patterns instead.

Method (the speed tester's, session 52): one process, one thread (``OMP_NUM_THREADS=1``, ``torch.set_num_threads(1)``;
pin it with ``taskset -c 1`` where there is one), process CPU time (steadier than wall-clock time on a shared
machine). Each case is warmed up, its loop count calibrated to batches of about 10 ms, then ``pairs`` batches of
ours and of torch's are interleaved, torch first in every other pair; "x" is the median of the per-pair ratios
ours / torch. "f+b" is the forward, then ``y.backward(g)`` with a fixed random ``g``.

Usage::

    OMP_NUM_THREADS=1 taskset -c 1 python benchmarks/activations.py                 # 1e4 and 1e6 elements
    python benchmarks/activations.py --sizes 1000000 --ops relu,clip --pairs 11
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

if __package__ in (None, ""):  # run as a script: the repository's tinygradconv first
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def cases(tg, torch):
    """``name -> (ours, theirs, arity)``: the two frameworks' functions of ``arity`` tensors."""
    act, ops, functional = tg.activations, tg.ops, torch.nn.functional
    return {
        "relu": (act.relu, torch.relu, 1),
        "leaky_relu": (lambda a: act.leaky_relu(a, 0.2), lambda a: functional.leaky_relu(a, 0.2), 1),
        "clip": (lambda a: ops.clip(a, -0.5, 0.5), lambda a: torch.clamp(a, -0.5, 0.5), 1),
        "maximum": (ops.maximum, torch.maximum, 2),
        "minimum": (ops.minimum, torch.minimum, 2),
        "where": (lambda a, b: ops.where(a > 0, a, b), lambda a, b: torch.where(a > 0, a, b), 2),
        "sigmoid": (act.sigmoid, torch.sigmoid, 1),
        "silu": (act.silu, functional.silu, 1),
        "elu": (act.elu, functional.elu, 1),
        "selu": (act.selu, functional.selu, 1),
        "hard_sigmoid": (act.hard_sigmoid, functional.hardsigmoid, 1),
        "softplus": (act.softplus, functional.softplus, 1),
    }


def _loops(fn, clock, target=0.01):
    """How many calls of ``fn`` take about ``target`` seconds."""
    fn()
    fn()
    n = 1
    while True:
        start = clock()
        for _ in range(n):
            fn()
        spent = clock() - start
        if spent > target or n > 10_000:
            return max(1, int(n * target / max(spent, 1e-9)))
        n *= 4


def _batch(fn, n, clock):
    start = clock()
    for _ in range(n):
        fn()
    return (clock() - start) / n


def paired(ours, theirs, pairs=21, clock=time.process_time):
    """``(ours_seconds, theirs_seconds, ratio)``: medians over ``pairs`` interleaved batches, torch first in every
    other pair; the ratio is the median of the per-pair ratios.

    >>> o, t, r = paired(lambda: sum(range(200)), lambda: sum(range(100)), pairs=3)
    >>> r > 1.0
    True
    """
    n_ours, n_theirs = _loops(ours, clock), _loops(theirs, clock)
    mine, others, ratios = [], [], []
    for i in range(pairs):
        if i % 2:
            b = _batch(theirs, n_theirs, clock)
            a = _batch(ours, n_ours, clock)
        else:
            a = _batch(ours, n_ours, clock)
            b = _batch(theirs, n_theirs, clock)
        mine.append(a)
        others.append(b)
        ratios.append(a / b)
    return statistics.median(mine), statistics.median(others), statistics.median(ratios)


def _forward_backward(fn, inputs, grad):
    def run():
        for x in inputs:
            x.grad = None
        fn(*inputs).backward(grad)
    return run


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,1000000", help="comma-separated element counts")
    parser.add_argument("--ops", default="", help="comma-separated op names (default: all)")
    parser.add_argument("--pairs", type=int, default=21, help="interleaved batches per case")
    args = parser.parse_args(argv)
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")
    import numpy as np
    import torch

    import tinygradconv as tg

    torch.set_num_threads(1)
    table = cases(tg, torch)
    chosen = args.ops.split(",") if args.ops else list(table)
    print(f"{'op':14s} {'N':>8s} {'fwd ours':>10s} {'torch':>9s} {'x':>6s}   {'f+b ours':>10s} {'torch':>9s} {'x':>6s}")
    for size in (int(s) for s in args.sizes.split(",")):
        rng = np.random.default_rng(0)
        arrays = [rng.standard_normal(size).astype("float32") for _ in range(2)]
        grad = rng.standard_normal(size).astype("float32")
        for name in chosen:
            ours, theirs, arity = table[name]
            mine = [tg.tensor(a, requires_grad=True) for a in arrays[:arity]]
            others = [torch.tensor(a, requires_grad=True) for a in arrays[:arity]]
            fwd = paired(lambda f=ours, xs=mine: f(*xs), lambda f=theirs, xs=others: f(*xs), args.pairs)
            both = paired(_forward_backward(ours, mine, tg.tensor(grad)),
                          _forward_backward(theirs, others, torch.tensor(grad)), args.pairs)
            print(f"{name:14s} {size:8d} {fwd[0] * 1e6:8.0f}us {fwd[1] * 1e6:7.0f}us {fwd[2]:6.1f}   "
                  f"{both[0] * 1e6:8.0f}us {both[1] * 1e6:7.0f}us {both[2]:6.1f}", flush=True)


if __name__ == "__main__":
    main()
