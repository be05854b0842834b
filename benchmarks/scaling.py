"""Scaling of ``conv1d_transpose`` forward+backward with batch size and length (time and peak memory).

The channels, kernel and stride are the medium benchmark case's (``C_in = filters = 64``, ``k = 5``, ``strides = 2``,
float32, ``padding="valid"``). Two sweeps, both passing through the medium case ``(N, L) = (32, 256)``:

* batch ``N = 1, 2, 4, ..., 256`` at ``L = 256``;
* length ``L = 256, 512, ..., 16384`` at ``N = 32``.

Each point runs in its own process (thread pools fixed before NumPy is imported): the median wall-clock time of
``repeats`` fwd+bwd calls after one warm-up call, then one more call under ``tracemalloc`` (started once the inputs
exist) whose peak is the call's memory; "needed" is what any implementation must allocate (the output and the
gradients of input, kernel and bias), "scratch" = peak - needed is the implementation's own working memory, which
the batch chunking of :mod:`tinygradconv.ops.conv` keeps bounded.

Linear scaling shows as a constant time per input step (``ns / (N L)``) and as a slope of 1 on the log-log plot; the
slope is fitted by least squares on the upper half of each sweep (the small points measure per-call overhead).

Usage::

    python benchmarks/scaling.py [--quick] [--threads 1] [--plot /tmp/scaling.png]

(``make bench`` writes the plot to ``docs/performance/<kind>-scaling.png``.)
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.baselines import median_ms
from benchmarks.harness import run_worker

IN_CHANNELS, FILTERS, KERNEL_SIZE, STRIDES = 64, 64, 5, 2
BASE_BATCH, BASE_LENGTH = 32, 256
BATCHES = tuple(2 ** i for i in range(9))               # 1 .. 256
LENGTHS = tuple(256 * 2 ** i for i in range(7))         # 256 .. 16384
QUICK_BATCHES = (1, 4, 16, 64)
QUICK_LENGTHS = (256, 1024, 4096)


def _point(batch, length, repeats):
    """In this process: time and trace one sweep point; return a dict."""
    import tracemalloc

    import numpy as np

    import tinygradconv as tg
    from tinygradconv.ops import conv1d_transpose

    rng = np.random.default_rng(0)
    x = tg.tensor(rng.standard_normal((batch, length, IN_CHANNELS), dtype=np.float32), requires_grad=True)
    w = tg.tensor(rng.standard_normal((KERNEL_SIZE, FILTERS, IN_CHANNELS), dtype=np.float32) * 0.1,
                  requires_grad=True)
    b = tg.tensor(np.zeros(FILTERS, np.float32), requires_grad=True)
    out_len = (length - 1) * STRIDES + KERNEL_SIZE
    g = tg.tensor(rng.standard_normal((batch, out_len, FILTERS), dtype=np.float32))

    def fwd_bwd():
        x.grad = w.grad = b.grad = None
        y = conv1d_transpose(x, w, b, strides=STRIDES)
        y.backward(g)
        return y

    ms = median_ms(fwd_bwd, repeats)
    x.grad = w.grad = b.grad = None
    tracemalloc.start()
    fwd_bwd()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    needed = 4 * (batch * out_len * FILTERS + x.size + w.size + b.size)
    return {"batch": batch, "length": length, "ms": ms, "ns_per_step": ms * 1e6 / (batch * length),
            "peak_mb": peak / 2**20, "needed_mb": needed / 2**20, "scratch_mb": (peak - needed) / 2**20}


def loglog_slope(xs, ys):
    """Least-squares slope of ``log y`` against ``log x``."""
    lx, ly = [math.log(v) for v in xs], [math.log(v) for v in ys]
    mx, my = sum(lx) / len(lx), sum(ly) / len(ly)
    den = sum((a - mx) ** 2 for a in lx)
    return sum((a - mx) * (b - my) for a, b in zip(lx, ly)) / den if den else float("nan")


def run_scaling(threads=1, quick=False, repeats=7):
    """Both sweeps, one process per point; return ``{"batch": [rows], "length": [rows], "slopes": {...}, ...}``."""
    script = os.path.abspath(__file__)
    batches, lengths = (QUICK_BATCHES, QUICK_LENGTHS) if quick else (BATCHES, LENGTHS)
    result = {"threads": threads, "repeats": repeats, "in_channels": IN_CHANNELS, "filters": FILTERS,
              "kernel_size": KERNEL_SIZE, "strides": STRIDES, "base_batch": BASE_BATCH, "base_length": BASE_LENGTH}
    t0 = time.perf_counter()
    result["batch"] = [run_worker(script, ["--worker", str(n), str(BASE_LENGTH), str(repeats)], threads)
                       for n in batches]
    result["length"] = [run_worker(script, ["--worker", str(BASE_BATCH), str(n), str(repeats)], threads)
                        for n in lengths]
    result["slopes"] = {}
    for sweep, key in (("batch", "batch"), ("length", "length")):
        rows = result[sweep][len(result[sweep]) // 2:]
        result["slopes"][sweep] = loglog_slope([r[key] for r in rows], [r["ms"] for r in rows])
    result["seconds"] = time.perf_counter() - t0
    return result


def plot_scaling(result, path):
    """Write the log-log figure (time and memory against N and L) to ``path`` atomically (matplotlib, Agg)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    fig, axes = plt.subplots(2, 2, figsize=(9, 6.5), sharex="col")
    for col, (sweep, label, fixed) in enumerate((("batch", "batch size N", f"L = {result['base_length']}"),
                                                  ("length", "length L", f"N = {result['base_batch']}"))):
        rows = result[sweep]
        xs = [r[sweep] for r in rows]
        ms = [r["ms"] for r in rows]
        top, bottom = axes[0][col], axes[1][col]
        top.loglog(xs, ms, "o-", base=2, label="measured")
        top.loglog(xs, [ms[-1] * x / xs[-1] for x in xs], "--", color="grey", base=2, label="linear (slope 1)")
        top.set_ylabel("fwd+bwd time (ms)")
        top.set_title(f"conv1d_transpose vs {label} ({fixed})", fontsize=10)
        top.legend(fontsize=8)
        bottom.loglog(xs, [r["peak_mb"] for r in rows], "o-", base=2, label="tracemalloc peak")
        bottom.loglog(xs, [r["needed_mb"] for r in rows], "--", base=2, color="grey",
                      label="output + gradients")
        bottom.loglog(xs, [max(r["scratch_mb"], 1e-3) for r in rows], "s-", base=2, label="scratch = peak - needed")
        bottom.set_ylabel("memory (MiB)")
        bottom.set_xlabel(label)
        bottom.legend(fontsize=8)
        for ax in (top, bottom):
            ax.grid(True, which="both", alpha=0.3)
            ax.xaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:.0f}"))
            ax.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:g}"))
    fig.suptitle(f"C_in = filters = {result['in_channels']}, k = {result['kernel_size']}, "
                 f"strides = {result['strides']}, float32, {result['threads']} thread(s)", fontsize=10)
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = f"{path}.tmp.png"
    fig.savefig(tmp, dpi=100)
    plt.close(fig)
    os.replace(tmp, path)


def format_scaling(result):
    """The two sweeps as a fixed-width text table."""
    head = f"{'N':>5} {'L':>6} {'ms':>9} {'ns/(N L)':>9} {'peak MiB':>9} {'needed':>8} {'scratch':>8}"
    lines = [head, "-" * len(head)]
    for sweep in ("batch", "length"):
        for r in result[sweep]:
            lines.append(f"{r['batch']:>5} {r['length']:>6} {r['ms']:>9.2f} {r['ns_per_step']:>9.1f} "
                         f"{r['peak_mb']:>9.1f} {r['needed_mb']:>8.1f} {r['scratch_mb']:>8.1f}")
        lines.append(f"  log-log slope of time vs {sweep} (upper half): {result['slopes'][sweep]:.2f}")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--worker", nargs=3, type=int, metavar=("N", "L", "REPEATS"), help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--plot", default=None, help="write the figure here")
    args = parser.parse_args(argv)
    if args.worker:
        json.dump(_point(*args.worker), sys.stdout)
        return
    result = run_scaling(args.threads, args.quick, args.repeats)
    print(format_scaling(result))
    if args.plot:
        plot_scaling(result, args.plot)


if __name__ == "__main__":
    main()
