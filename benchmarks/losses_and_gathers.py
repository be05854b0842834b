"""Softmax, the sparse cross-entropy and the gradients of gathers (``x[idx]``, ``Embedding``) against PyTorch.

A standalone script (not one of ``make bench``'s targets): it prints, for each case, our time, PyTorch's and their
ratio, forward alone ("fwd") and forward then ``backward`` ("f+b"), float32, as the speed tester measured them
(session 52):

* one thread (``OMP_NUM_THREADS=1`` and ``torch.set_num_threads(1)``; pin the process to one core from outside,
  ``taskset -c 1 python benchmarks/losses_and_gathers.py``);
* process CPU time (``time.process_time``), steadier than wall-clock time on a shared machine;
* each case warmed up, its loop count calibrated to batches of about 10 ms, then ``--pairs`` batches of ours and of
  PyTorch's interleaved (PyTorch first in every other pair); the ratio is the median of the per-pair ratios, each
  time the median of its batches.

Usage::

    taskset -c 1 python benchmarks/losses_and_gathers.py            # every case
    taskset -c 1 python benchmarks/losses_and_gathers.py softmax    # the cases whose name contains "softmax"
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time


def _calibrate(fn, target):
    """How many calls of ``fn`` take about ``target`` seconds of CPU time."""
    fn()
    fn()
    n = 1
    while True:
        start = time.process_time()
        for _ in range(n):
            fn()
        spent = time.process_time() - start
        if spent > target or n > 10000:
            return max(1, int(n * target / max(spent, 1e-9)))
        n *= 4


def _batch(fn, n):
    """The CPU time of one call of ``fn``, averaged over ``n`` calls."""
    start = time.process_time()
    for _ in range(n):
        fn()
    return (time.process_time() - start) / n


def compare(ours, theirs, pairs=21, target=0.01):
    """``(ours_us, torch_us, ratio)``: the medians of interleaved batches and of their per-pair ratios."""
    n_ours, n_theirs = _calibrate(ours, target), _calibrate(theirs, target)
    a, b, ratios = [], [], []
    for i in range(pairs):
        if i % 2:
            tb = _batch(theirs, n_theirs)
            ta = _batch(ours, n_ours)
        else:
            ta = _batch(ours, n_ours)
            tb = _batch(theirs, n_theirs)
        a.append(ta)
        b.append(tb)
        ratios.append(ta / tb)
    return statistics.median(a) * 1e6, statistics.median(b) * 1e6, statistics.median(ratios)


def cases():
    """``[(name, ours, theirs)]``: zero-argument callables, each one forward (or forward and backward)."""
    import numpy as np
    import torch
    import torch.nn.functional as F

    import tinygradconv as tg

    rng = np.random.default_rng(0)
    out = []

    def forward_backward(f, x, g=None):
        def run():
            x.grad = None
            y = f(x)
            y.backward() if g is None else y.backward(g)
        return run

    def pair(array):
        return tg.tensor(array, requires_grad=True), torch.tensor(array, requires_grad=True)

    shape = (256, 512)
    x, X = pair(rng.standard_normal(shape).astype("float32"))
    g = rng.standard_normal(shape).astype("float32")
    g_ours, g_torch = tg.tensor(g), torch.tensor(g)
    for name, ours, theirs in [
            ("softmax", lambda a: tg.activations.softmax(a, axis=-1), lambda a: torch.softmax(a, -1)),
            ("softmax axis=0", lambda a: tg.activations.softmax(a, axis=0), lambda a: torch.softmax(a, 0)),
            ("log_softmax", lambda a: tg.activations.log_softmax(a, axis=-1), lambda a: torch.log_softmax(a, -1))]:
        out.append((f"{name} fwd {shape}", lambda f=ours: f(x), lambda f=theirs: f(X)))
        out.append((f"{name} f+b {shape}", forward_backward(ours, x, g_ours), forward_backward(theirs, X, g_torch)))

    for batch, classes in ((256, 512), (64, 10)):
        logits, LOGITS = pair(rng.standard_normal((batch, classes)).astype("float32"))
        probabilities = rng.random((batch, classes)).astype("float32") + 0.01
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        probs, PROBS = pair(probabilities)
        labels = rng.integers(0, classes, batch)
        LABELS = torch.tensor(labels)
        from_logits = tg.losses.SparseCategoricalCrossentropy(from_logits=True)
        from_probs = tg.losses.SparseCategoricalCrossentropy()
        for name, ours, theirs, a, A in [
                ("SCCE(from_logits) vs F.cross_entropy", lambda t, y=labels, f=from_logits: f(y, t),
                 lambda t, y=LABELS: F.cross_entropy(t, y), logits, LOGITS),
                ("SCCE(probabilities) vs F.nll_loss(log(clamp(p)))", lambda t, y=labels, f=from_probs: f(y, t),
                 lambda t, y=LABELS: F.nll_loss(torch.log(torch.clamp(t / t.sum(-1, keepdim=True), 1e-7, 1 - 1e-7)),
                                                y), probs, PROBS)]:
            out.append((f"{name} fwd ({batch}, {classes})", lambda f=ours, a=a: f(a), lambda f=theirs, A=A: f(A)))
            out.append((f"{name} f+b ({batch}, {classes})", forward_backward(ours, a), forward_backward(theirs, A)))

    x, X = pair(rng.standard_normal((256, 512)).astype("float32"))
    rows = rng.integers(0, 256, 1000)
    ROWS = torch.tensor(rows)
    g = rng.standard_normal((1000, 512)).astype("float32")
    out.append(("x[idx] fwd (256, 512), 1000 rows", lambda: x[rows], lambda: X[ROWS]))
    out.append(("x[idx] f+b (256, 512), 1000 rows", forward_backward(lambda a: a[rows], x, tg.tensor(g)),
                forward_backward(lambda a: a[ROWS], X, torch.tensor(g))))
    x1, X1 = pair(rng.standard_normal(4096).astype("float32"))
    picks = rng.integers(0, 4096, 20000)
    PICKS = torch.tensor(picks)
    g1 = rng.standard_normal(20000).astype("float32")
    out.append(("x[idx] f+b 1-D (4096,), 20000 picks", forward_backward(lambda a: a[picks], x1, tg.tensor(g1)),
                forward_backward(lambda a: a[PICKS], X1, torch.tensor(g1))))

    layer = tg.layers.Embedding(10000, 64)
    module = torch.nn.Embedding(10000, 64)
    ids = rng.integers(0, 10000, (64, 50))
    IDS = torch.tensor(ids)
    layer(ids)
    g = rng.standard_normal((64, 50, 64)).astype("float32")
    g_ours, g_torch = tg.tensor(g), torch.tensor(g)

    def embedding_ours():
        layer.embeddings.grad = None
        layer(ids).backward(g_ours)

    def embedding_torch():
        module.weight.grad = None
        module(IDS).backward(g_torch)

    out.append(("Embedding(10000, 64) fwd (64, 50) ids", lambda: layer(ids), lambda: module(IDS)))
    out.append(("Embedding(10000, 64) f+b (64, 50) ids", embedding_ours, embedding_torch))
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("only", nargs="*", help="run only the cases whose name contains one of these words")
    parser.add_argument("--pairs", type=int, default=21, help="interleaved batches per framework (default 21)")
    args = parser.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ.setdefault("KERAS_BACKEND", "torch")
    if __package__ in (None, ""):  # run as a script: import the package from this checkout
        sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import torch

    torch.set_num_threads(1)
    print(f"{'case':66s} {'ours':>10s} {'torch':>10s} {'ours/torch':>10s}")
    for name, ours, theirs in cases():
        if args.only and not any(word in name for word in args.only):
            continue
        a, b, ratio = compare(ours, theirs, pairs=args.pairs)
        print(f"{name:66s} {a:8.1f}us {b:8.1f}us {ratio:10.2f}", flush=True)


if __name__ == "__main__":
    main()
