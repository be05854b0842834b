"""Readable NumPy baselines for the benchmarks: naive zero-insertion ``conv1d_transpose`` and a tap-loop ``conv1d``.

These are the textbook ways to write the two convolutions, the ones a reader would try first; the benchmark reports
how much faster the library is than them. Both use Keras layouts (``channels_last`` input ``(B, L, C_in)``) and
``padding="valid"`` only (every benchmark case is ``valid``).

Transposed convolution by zero insertion. With stride ``s``, dilation ``d`` and ``k_eff = (k - 1) d + 1``:

1. insert ``s - 1`` zeros between consecutive input samples: ``z[:, j s] = x[:, j]``, length ``(L - 1) s + 1``;
2. pad ``k_eff - 1`` zeros on both sides;
3. correlate with the flipped kernel, one tap at a time:
   ``y[:, n] = sum_t zpad[:, n + t d] @ W[k - 1 - t].T`` for ``n < (L - 1) s + k_eff``;
4. Keras' ``valid`` output has length ``(L - 1) s + max(k_eff, s)``: zeros are appended when ``s > k_eff``.

It spends ``s`` times the useful multiply-adds (most rows of ``zpad`` are zeros). Its backward follows the same
picture: ``dzpad[:, n + t d] += g[:, n] @ W[k - 1 - t]``, ``dx = dzpad[:, k_eff - 1 :: s]`` (the non-inserted
positions), ``dW[k - 1 - t] = g^T zpad[:, t d : t d + n_full]`` summed over batch and positions.

Convolution by a loop over taps: ``y[:, n] = sum_t x[:, n s + t d] @ W[t]``, one strided slice and one matrix
product per tap; backward ``dx[:, n s + t d] += g[:, n] @ W[t].T``, ``dW[t] = x[:, t d :: s]^T g``.

``python benchmarks/baselines.py --worker ...`` is the subprocess that times them (see :func:`run_baselines`).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

import numpy as np

if __package__ in (None, ""):  # run as a script: make the `benchmarks` package importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from benchmarks.harness import run_worker


# ------------------------------------------------------------------------------------------- the baselines
def naive_conv1d_transpose(x, kernel, bias=None, strides=1, dilation_rate=1):
    """Zero-insertion transposed convolution, Keras ``padding="valid"``.

    Args:
        x: ``(B, L, C_in)``.
        kernel: ``(k, filters, C_in)`` (Keras ``Conv1DTranspose`` layout).
        bias: ``(filters,)`` or ``None``.

    Returns:
        ``(B, (L - 1) s + max(k_eff, s), filters)``.
    """
    y, _ = _transpose_forward(np.asarray(x), np.asarray(kernel), strides, dilation_rate)
    return y if bias is None else y + np.asarray(bias)


def _zero_insert_pad(x, s, k_eff):
    batch, length, c_in = x.shape
    zpad = np.zeros((batch, (length - 1) * s + 1 + 2 * (k_eff - 1), c_in), dtype=x.dtype)
    zpad[:, k_eff - 1:k_eff - 1 + (length - 1) * s + 1:s] = x
    return zpad


def _transpose_forward(x, kernel, s, d):
    batch, length, _ = x.shape
    k, filters, _ = kernel.shape
    k_eff = (k - 1) * d + 1
    n_full = (length - 1) * s + k_eff
    zpad = _zero_insert_pad(x, s, k_eff)
    y = np.zeros((batch, (length - 1) * s + max(k_eff, s), filters), dtype=np.result_type(x, kernel))
    for t in range(k):
        y[:, :n_full] += zpad[:, t * d:t * d + n_full] @ kernel[k - 1 - t].T
    return y, zpad


def naive_conv1d_transpose_grads(x, kernel, grad, strides=1, dilation_rate=1):
    """Gradients ``(dx, dkernel, dbias)`` of ``sum(naive_conv1d_transpose(x, kernel, bias) * grad)``."""
    x, kernel, grad = np.asarray(x), np.asarray(kernel), np.asarray(grad)
    s, d = strides, dilation_rate
    _, length, c_in = x.shape
    k, filters, _ = kernel.shape
    k_eff = (k - 1) * d + 1
    n_full = (length - 1) * s + k_eff
    zpad = _zero_insert_pad(x, s, k_eff)
    g = grad[:, :n_full]
    dzpad = np.zeros_like(zpad)
    dkernel = np.empty_like(kernel)
    for t in range(k):
        window = zpad[:, t * d:t * d + n_full]
        dzpad[:, t * d:t * d + n_full] += g @ kernel[k - 1 - t]
        dkernel[k - 1 - t] = g.reshape(-1, filters).T @ window.reshape(-1, c_in)
    dx = dzpad[:, k_eff - 1:k_eff - 1 + (length - 1) * s + 1:s]
    return dx, dkernel, grad.sum(axis=(0, 1))


def naive_conv1d(x, kernel, bias=None, strides=1, dilation_rate=1):
    """Tap-loop convolution, Keras ``padding="valid"``: ``x (B, L, C_in)``, ``kernel (k, C_in, filters)``."""
    x, kernel = np.asarray(x), np.asarray(kernel)
    s, d = strides, dilation_rate
    batch, length, _ = x.shape
    k, _, filters = kernel.shape
    n_out = (length - (k - 1) * d - 1) // s + 1
    y = np.zeros((batch, n_out, filters), dtype=np.result_type(x, kernel))
    for t in range(k):
        y += x[:, t * d:t * d + (n_out - 1) * s + 1:s] @ kernel[t]
    return y if bias is None else y + np.asarray(bias)


def naive_conv1d_grads(x, kernel, grad, strides=1, dilation_rate=1):
    """Gradients ``(dx, dkernel, dbias)`` of ``sum(naive_conv1d(x, kernel, bias) * grad)``."""
    x, kernel, grad = np.asarray(x), np.asarray(kernel), np.asarray(grad)
    s, d = strides, dilation_rate
    k, c_in, filters = kernel.shape
    n_out = grad.shape[1]
    dx = np.zeros_like(x)
    dkernel = np.empty_like(kernel)
    for t in range(k):
        taps = slice(t * d, t * d + (n_out - 1) * s + 1, s)
        dx[:, taps] += grad @ kernel[t].T
        dkernel[t] = x[:, taps].reshape(-1, c_in).T @ grad.reshape(-1, filters)
    return dx, dkernel, grad.sum(axis=(0, 1))


# ----------------------------------------------------------------------------------------------- timing
def full_length(shape):
    """Input length of the conv1d case: the transposed case's full output length, so both do the same work."""
    from tinygradconv.ops.conv_arithmetic import full_transpose_length

    _, length, _, _, k, s, d = shape
    return full_transpose_length(length, k, s, d)


def make_case(op, shape, seed=0):
    """``(fwd, fwd_bwd)`` closures of the naive baseline on float32 data of the benchmark's ``shape``."""
    batch, length, c_in, filters, k, s, d = shape
    rng = np.random.default_rng(seed)
    if op == "conv1d_transpose":
        x = rng.standard_normal((batch, length, c_in), dtype=np.float32)
        w = rng.standard_normal((k, filters, c_in), dtype=np.float32) * 0.1
        forward, grads = naive_conv1d_transpose, naive_conv1d_transpose_grads
    elif op == "conv1d":
        x = rng.standard_normal((batch, full_length(shape), c_in), dtype=np.float32)
        w = rng.standard_normal((k, c_in, filters), dtype=np.float32) * 0.1
        forward, grads = naive_conv1d, naive_conv1d_grads
    else:
        raise ValueError("Invalid value for argument `op`. Expected 'conv1d_transpose' or 'conv1d'. "
                         f"Received op={op!r}")
    b = np.zeros(filters, np.float32)
    g = rng.standard_normal(forward(x, w, b, s, d).shape, dtype=np.float32)

    def fwd():
        return forward(x, w, b, s, d)

    def fwd_bwd():
        return forward(x, w, b, s, d), grads(x, w, g, s, d)

    return fwd, fwd_bwd


def median_ms(fn, repeats, warmup=1):
    """Median wall-clock milliseconds of ``repeats`` calls of ``fn`` after ``warmup`` untimed calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def run_baselines(shapes, threads=(1, 2), ops=("conv1d_transpose", "conv1d"), repeats=7):
    """Time the naive baselines: one fresh process per (op, threads); return ``{(op, threads, shape): row}``.

    ``shapes`` maps a case name to ``(batch, length, in_channels, filters, kernel_size, strides, dilation)``; a row
    has ``naive_fwd_ms`` and ``naive_fwd_bwd_ms`` (medians of ``repeats`` calls after one warm-up call).
    """
    results = {}
    for op in ops:
        for n in threads:
            spec = json.dumps({name: list(shape) for name, shape in shapes.items()})
            got = run_worker(os.path.abspath(__file__), ["--worker", op, "--shapes", spec, "--repeats", str(repeats)],
                             n)
            for name, row in got.items():
                results[(op, n, name)] = row
    return results


def _worker(op, shapes, repeats):
    rows = {}
    for name, shape in shapes.items():
        fwd, fwd_bwd = make_case(op, tuple(shape))
        rows[name] = {"naive_fwd_ms": median_ms(fwd, repeats), "naive_fwd_bwd_ms": median_ms(fwd_bwd, repeats)}
    json.dump(rows, sys.stdout)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--worker", choices=["conv1d_transpose", "conv1d"], required=True)
    parser.add_argument("--shapes", required=True, help="JSON {name: [B, L, C_in, filters, k, s, d]}")
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)
    _worker(args.worker, json.loads(args.shapes), args.repeats)


if __name__ == "__main__":
    main()
