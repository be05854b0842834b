"""Smoke tests of the benchmark suite: the naive baselines are correct, the cases are the ones asked for, the reports
(per CPU kind, the side-by-side index, the GPU page) are formatted right, and the GPU check's dry run skips visibly.

Nothing here times anything or asserts a speed: the benchmarks measure, the tests check the code that measures.
The baselines are compared with the loop references of ``tests/reference_conv.py`` (written from the definitions),
and their gradients with gradients built from those references (both ops are linear in each argument, so the
derivative along a unit vector is the reference applied to that unit vector). The report is rendered from
hand-made results.
"""
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest
from helpers import linear_gradient
from reference_conv import ref_conv1d, ref_conv1d_transpose

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import baselines, conv, engine_overhead, gpu, harness, run, scaling, train_step

# (length, kernel_size, strides, dilation_rate): strides 1..5, dilation, k_eff < strides (zero extension), k = 1
CASES = [(5, 3, 2, 1), (4, 2, 3, 1), (6, 3, 1, 2), (3, 8, 4, 1), (1, 1, 1, 1), (4, 2, 5, 2), (7, 5, 2, 1)]


@pytest.mark.parametrize("length,k,s,d", CASES)
def test_naive_conv1d_transpose_matches_the_loop_reference(length, k, s, d):
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((2, length, 3)), rng.standard_normal((k, 4, 3)), rng.standard_normal(4)
    got = baselines.naive_conv1d_transpose(x, w, b, strides=s, dilation_rate=d)
    want = ref_conv1d_transpose(x, w, b, strides=s, dilation_rate=d)
    assert got.shape == want.shape == (2, (length - 1) * s + max((k - 1) * d + 1, s), 4)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("length,k,s,d", CASES)
def test_naive_conv1d_matches_the_loop_reference(length, k, s, d):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, length * s + (k - 1) * d, 3))
    w, b = rng.standard_normal((k, 3, 4)), rng.standard_normal(4)
    got = baselines.naive_conv1d(x, w, b, strides=s, dilation_rate=d)
    want = ref_conv1d(x, w, b, strides=s, dilation_rate=d)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def _reference_grads(ref, x, w, g, **kw):
    """d sum(ref(x, w) * g) / dx and / dw, one unit vector at a time (the op is linear in each argument)."""
    return (linear_gradient(lambda e: np.sum(ref(e, w, **kw) * g), x.shape),
            linear_gradient(lambda e: np.sum(ref(x, e, **kw) * g), w.shape))


@pytest.mark.parametrize("length,k,s,d", [(3, 3, 2, 1), (2, 2, 3, 1), (3, 2, 1, 2), (2, 3, 4, 1)])
def test_naive_transpose_gradients(length, k, s, d):
    rng = np.random.default_rng(2)
    x, w = rng.standard_normal((2, length, 2)), rng.standard_normal((k, 3, 2))
    g = rng.standard_normal(ref_conv1d_transpose(x, w, strides=s, dilation_rate=d).shape)
    dx, dw, db = baselines.naive_conv1d_transpose_grads(x, w, g, strides=s, dilation_rate=d)
    want_dx, want_dw = _reference_grads(ref_conv1d_transpose, x, w, g, strides=s, dilation_rate=d)
    np.testing.assert_allclose(dx, want_dx, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dw, want_dw, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(db, g.sum(axis=(0, 1)))


@pytest.mark.parametrize("length,k,s,d", [(3, 3, 2, 1), (2, 2, 3, 1), (3, 2, 1, 2)])
def test_naive_conv_gradients(length, k, s, d):
    rng = np.random.default_rng(3)
    x, w = rng.standard_normal((2, length * s + (k - 1) * d, 2)), rng.standard_normal((k, 2, 3))
    g = rng.standard_normal(ref_conv1d(x, w, strides=s, dilation_rate=d).shape)
    dx, dw, db = baselines.naive_conv1d_grads(x, w, g, strides=s, dilation_rate=d)
    want_dx, want_dw = _reference_grads(ref_conv1d, x, w, g, strides=s, dilation_rate=d)
    np.testing.assert_allclose(dx, want_dx, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dw, want_dw, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(db, g.sum(axis=(0, 1)))


def test_make_case_builds_both_ops_and_refuses_others():
    shape = (2, 4, 3, 5, 3, 2, 1)
    y_t = baselines.make_case("conv1d_transpose", shape)[0]()
    y_c = baselines.make_case("conv1d", shape)[0]()
    assert y_t.shape == (2, 9, 5) and y_t.dtype == np.float32
    assert y_c.shape == (2, 4, 5)       # conv1d gets the transposed output's length, so it maps back to L = 4
    with pytest.raises(ValueError, match="op='conv2d'"):
        baselines.make_case("conv2d", shape)


def test_needed_memory_counts_output_and_gradients():
    # transposed: output (2, (4 - 1) * 2 + 3, 5), input (2, 4, 3), kernel 3 * 5 * 3, bias 5; float32
    assert conv.needed_mb("conv1d_transpose", (2, 4, 3, 5, 3, 2, 1)) * 2**20 == 4 * (2 * 9 * 5 + 24 + 45 + 5)
    # strides 4 > k_eff 2: Keras' valid output is (4 - 1) * 4 + 4 = 16 long
    assert conv.needed_mb("conv1d_transpose", (1, 4, 1, 1, 2, 4, 1)) * 2**20 == 4 * (16 + 4 + 2 + 1)
    # conv1d: input of length 9 (the transposed output), output of length 4
    assert conv.needed_mb("conv1d", (2, 4, 3, 5, 3, 2, 1)) * 2**20 == 4 * (2 * 4 * 5 + 2 * 9 * 3 + 45 + 5)


def test_peak_memory_sees_what_one_call_allocates():
    """In its fresh process, one fwd+bwd call of conv1d on the medium case allocates at least its output, the input
    gradient, the kernel and the bias gradients (float32): the measured peak must hold them, and not be wildly more
    (the inputs, made before the call, are not counted)."""
    batch, length, c_in, filters, k, _, _ = conv.SHAPES["medium"]
    steps = conv.full_length(conv.SHAPES["medium"])
    allocated = 4 * (batch * length * filters + batch * steps * c_in + k * c_in * filters + filters) / 2**20
    got = conv.peak_memory("tinygradconv", "conv1d", "medium")
    assert got["method"] in ("VmHWM", "ru_maxrss")
    assert 0.95 * allocated <= got["peak_mb"] <= allocated + 16, (got, allocated)


def test_run_benchmarks_measures_memory_once_per_case_at_the_fewest_threads(monkeypatch):
    """With ``memory``, each case's row at the smallest thread count gets both frameworks' peaks and the memory any
    implementation needs; the rows of other thread counts get none."""
    asked = []

    def fake_peak_memory(framework, op, shape_name, threads=1):
        asked.append((framework, op, shape_name, threads))
        return {"peak_mb": 1.0 if framework == "tinygradconv" else 2.0, "method": "VmHWM"}

    monkeypatch.setattr(conv, "_Worker", _FakeWorker)
    monkeypatch.setattr(conv, "peak_memory", fake_peak_memory)
    rows = conv.run_benchmarks(threads=(1, 2), ops=("conv1d",), shapes=("small",), repeats=3, rounds=1, torch=True,
                               memory=True)
    assert asked == [("tinygradconv", "conv1d", "small", 1), ("torch", "conv1d", "small", 1)]
    one, two = rows
    assert (one["ours_peak_mb"], one["torch_peak_mb"], one["memory_method"]) == (1.0, 2.0, "VmHWM")
    assert one["needed_mb"] == conv.needed_mb("conv1d", conv.SHAPES["small"])
    assert "ours_peak_mb" not in two and "needed_mb" not in two


def test_worker_env_fixes_threads_and_drops_openblas_overrides(monkeypatch):
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Prescott")
    monkeypatch.setenv("OPENBLAS_L2_SIZE", "262144")
    env = harness.worker_env(2)
    assert "OPENBLAS_CORETYPE" not in env and "OPENBLAS_L2_SIZE" not in env
    assert all(env[name] == "2" for name in harness.THREAD_VARIABLES)

@pytest.mark.skipif(not hasattr(os, "sched_getaffinity"), reason="the platform cannot pin processes to CPUs")
def test_pin_cpus_pins_a_worker_to_as_many_cpus_as_it_has_threads():
    from benchmarks.harness import pin_cpus

    cpus = sorted(os.sched_getaffinity(0))
    assert pin_cpus(len(cpus)) is None and pin_cpus(len(cpus) + 1) is None       # all of them: left alone
    if len(cpus) < 2:
        pytest.skip(f"one CPU only ({cpus}): nothing to pin to")
    probe = "import os; print(sorted(os.sched_getaffinity(0)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                         preexec_fn=pin_cpus(1))
    assert json.loads(out.stdout) == cpus[:1]
    assert sorted(os.sched_getaffinity(0)) == cpus                                # the caller is not pinned


def test_loglog_slope():
    xs = [1, 2, 4, 8, 16]
    assert math.isclose(scaling.loglog_slope(xs, [3.0 * x for x in xs]), 1.0)
    assert math.isclose(scaling.loglog_slope(xs, [0.5 * x ** 1.5 for x in xs]), 1.5)


# ------------------------------------------------------------------------------------------------ the report
def test_status_and_tables():
    assert run.status(0.9, 1.0) == "met" and run.status(1.1, 1.0) == "missed" and run.status(None, 1.0) == "n/a"
    assert run.status(0.8, 0.7, at_least=True) == "met" and run.status(0.6, 0.7, at_least=True) == "missed"
    text = run.text_table(["name", "ms"], [["a", "1.50"], ["longer", "10.25"]]).splitlines()
    assert text[0] == "name       ms" and text[1] == "------  -----"
    assert text[2] == "a        1.50" and text[3] == "longer  10.25"
    md = run.markdown_table(["a", "b"], [["x|y", 1]]).splitlines()
    assert md == ["| a | b |", "| --- | --: |", "| x\\|y | 1 |"]


def _conv_row(op, threads, shape, ratio_fwd_bwd, peak=None, torch_peak=None):
    row = {"op": op, "threads": threads, "shape": shape, "dims": [1] * 7, "gflop": 2.0, "ours_fwd_ms": 10.0,
           "ours_fwd_bwd_ms": 40.0, "gemm_ms": 8.0, "ours_tracemalloc_peak_mb": 3.0, "repeats": 7, "rounds": 2,
           "torch_fwd_ms": 12.0, "torch_fwd_bwd_ms": 40.0 / ratio_fwd_bwd, "ratio_fwd": 10.0 / 12.0,
           "ratio_fwd_bwd": ratio_fwd_bwd, "naive_fwd_ms": 30.0, "naive_fwd_bwd_ms": 100.0}
    if peak is not None:
        row.update(ours_peak_mb=peak, torch_peak_mb=torch_peak, needed_mb=8.0, memory_method="VmHWM")
    return row


def _fake_results(gpu=None):
    return {
        "quick": False, "threads": [1, 2], "sections": list(run.SECTIONS), "timings_s": {},
        "machine": {"date": "2026-01-01 00:00 UTC", "cpu": "Test CPU", "cpu_flags": ["avx2"], "cores": 2,
                    "load_start": "3.0 2.0 1.0", "load_end": "2.0 2.0 1.0", "platform": "Linux", "python": "3.11",
                    "numpy": "2.0", "numpy_pools": [{"user_api": "blas", "internal_api": "openblas",
                                                     "version": "0.3", "architecture": "Haswell",
                                                     "threading_layer": "pthreads", "filepath": "/x/libopenblas.so"}],
                    "torch": "2.0", "torch_capability": "AVX2", "torch_blas": ["MKL 2024"],
                    "removed_env": {"OPENBLAS_CORETYPE": "Prescott"}},
        "conv": [_conv_row("conv1d_transpose", 1, "large", 0.8, peak=10.0, torch_peak=12.0),
                 _conv_row("conv1d_transpose", 2, "large", 1.3),
                 _conv_row("conv1d", 1, "large", 2.0, peak=20.0, torch_peak=12.0)],
        "engine": [{"threads": 1, "ours_us_per_op": 10.0, "torch_us_per_op": 4.0, "ratio": 2.5,
                    "ours_forward_us_per_op": 4.0, "ours_backward_us_per_op": 6.0, "torch_forward_us_per_op": 2.0,
                    "torch_backward_us_per_op": 2.0, "n_ops": 100, "shape": [4, 4], "runs": 7, "rounds": 3,
                    "chains_per_run": 50}],
        "train": [{"threads": 1, "ours_ms": 1.0, "torch_ms": 2.0, "ratio": 0.5, "ours_losses": (1.25, 1.0),
                   "torch_losses": (1.25, 1.0), "runs": 7, "rounds": 3, "steps_per_run": 50,
                   "model": {"batch": 32, "length": 64, "in_channels": 16, "filters": 8, "kernel_size": 3,
                             "strides": 2}}],
        "scaling": {"threads": 1, "repeats": 7, "in_channels": 64, "filters": 64, "kernel_size": 5, "strides": 2,
                    "base_batch": 32, "base_length": 256, "slopes": {"batch": 1.0, "length": 1.02},
                    "batch": [{"batch": n, "length": 256, "ms": n * 1.0, "ns_per_step": 1e6 / 256, "peak_mb": 1.0,
                               "needed_mb": 0.5, "scratch_mb": 0.5} for n in (1, 2)],
                    "length": [{"batch": 32, "length": n, "ms": n / 8, "ns_per_step": 1e6 / 256, "peak_mb": 1.0,
                                "needed_mb": 0.5, "scratch_mb": 0.5} for n in (256, 512)]},
        "gpu": gpu, "gpu_why": None if gpu else "CuPy: No module named 'cupy'",
    }


def test_targets_are_marked_met_or_missed():
    rows = {(r[0], r[1]): (r[2], r[3]) for r in run.target_rows(_fake_results())}
    assert rows[("conv1d_transpose fwd+bwd <= 1.0x torch", "large, 1 thread(s)")] == ("0.80x", "met")
    assert rows[("conv1d_transpose fwd+bwd <= 1.25x torch", "large, 2 thread(s)")] == ("1.30x", "missed")
    # GEMM: 8 ms against 10 ms forward -> 80 %; fwd+bwd 3 * 8 against 40 ms -> 60 %
    assert rows[("conv1d_transpose fwd >= 70% of GEMM GFLOP/s", "large, 1 thread(s)")] == ("80%", "met")
    assert rows[("conv1d_transpose fwd+bwd >= 70% of GEMM GFLOP/s", "large, 1 thread(s)")] == ("60%", "missed")
    assert rows[("conv1d_transpose peak extra memory <= torch's", "large")][1] == "met"
    assert rows[("conv1d peak extra memory <= torch's", "large")][1] == "missed"
    assert rows[("per-op overhead <= 2.0x torch", "1 thread(s)")][1] == "missed"
    assert rows[("training step <= 1.0x torch", "1 thread(s)")][1] == "met"
    assert rows[("conv1d fwd+bwd <= 1.0x torch", "large, 1 thread(s)")] == ("2.00x", "missed")   # both ops (issue 13)


def test_a_ratio_next_to_its_target_shows_three_decimals():
    """1.2546 and 1.2461 both round to 1.25: the summary and the convolution table must not show "1.25x missed"
    beside "1.25x met"."""
    results = _fake_results()
    results["conv"] = [_conv_row("conv1d", 2, "dilated", 1.2546), _conv_row("conv1d", 2, "wide", 1.2461),
                       _conv_row("conv1d", 1, "small", 0.876)]
    rows = {r[1]: (r[2], r[3]) for r in run.target_rows(results) if r[0].startswith("conv1d fwd+bwd")}
    assert rows == {"dilated, 2 thread(s)": ("1.255x", "missed"), "wide, 2 thread(s)": ("1.246x", "met"),
                    "small, 1 thread(s)": ("0.88x", "met")}
    table = run.conv_rows(results["conv"])
    column = run.CONV_HEADERS.index("f+b x")
    assert [r[column] for r in table] == ["1.255", "1.246", "0.88"]


def test_a_paired_training_step_shows_its_interval_and_the_page_counts_unsettled_verdicts():
    """A training-step row timed in pairs gets the distribution-free interval of its median (14 pairs: the 3rd
    smallest to the 3rd largest, by hand 1 - 2 * (1 + 14 + 91) / 2**14 = 98.7 %), its section says that "ours /
    torch" is a median of pair ratios, and the summary counts the paired ratios whose interval holds the target."""
    results = _fake_results()
    ours = [0.7, 0.8, 0.9, 0.95, 1.0, 1.0, 1.0, 1.0, 1.0, 1.05, 1.1, 1.2, 1.3, 1.4]     # ratios to torch's 1.0
    results["train"][0].update(paired=True, ours_batches_ms=ours, torch_batches_ms=[1.0] * 14, runs=7, rounds=2)
    rows = {(r[0], r[1]): r[2] for r in run.target_rows(results)}
    assert rows[("training step <= 1.0x torch", "1 thread(s)")] == "0.50x (1.00 vs 2.00 ms; 99 % interval 0.90-1.20)"
    assert 1 - 2 * (1 + 14 + 91) / 2**14 == pytest.approx(0.987, abs=5e-4)
    assert run.unsettled_count(results) == (1, 1)          # the fake convolution rows were not timed in pairs
    page = run.render_markdown(results)
    assert "For 1 of the 1 ratios timed in pairs the interval contains the target" in page
    assert '"ours / torch" is the median of the 14 ratios of batches timed one right after the other' in page
    del results["train"][0]["paired"]                           # a row from before pairing: no interval, no note
    assert run.target_rows(results)[-1][2] == "0.50x (1.00 vs 2.00 ms)"
    assert "ratios timed in pairs" not in run.render_markdown(results)


def test_the_index_gives_no_verdict_where_a_ratio_was_not_a_target_then():
    """A kind measured when conv1d was not yet a target (its saved targets table has no row for it) shows its
    conv1d ratio without "missed"; a kind without a saved targets table counts every case as a target."""
    then = _fake_results()
    then["targets"] = [row for row in run.target_rows(then) if not row[0].startswith("conv1d fwd+bwd")]
    now = _fake_results()
    index = run.render_index({"then-kind": then, "now-kind": now})
    line = next(line for line in index.splitlines() if line.startswith("| conv1d | large |"))
    assert line == "| conv1d | large | 2.00 | - | **2.00 missed** | - |"


def test_the_convolution_results_come_as_narrow_tables_per_op():
    """Per op, a table of times and ratios and one of details, which share only the threads and case columns and
    together hold every column but the op (named in the label above each table)."""
    page = run.render_markdown(_fake_results())
    lines = page.splitlines()
    headers = [(lines[i - 2], line) for i, line in enumerate(lines) if line.startswith("| threads | shape |")]
    assert [label for label, _ in headers] == ["**conv1d_transpose**, times and ratios:",
                                               "**conv1d**, times and ratios:",
                                               "**conv1d_transpose**, details:", "**conv1d**, details:"]
    main, details = headers[0][1], headers[2][1]
    assert "f+b x" in main and "page faults" not in main and "page faults" in details and "f+b x" not in details
    def columns(header):
        return header.count(" | ") + 1

    assert columns(main) + columns(details) - 2 == len(run.CONV_HEADERS) - 1
    assert sum(line.startswith(("| 1 | large |", "| 2 | large |")) for line in lines) == 6     # 3 rows, twice


def test_a_paired_convolution_ratio_comes_with_an_interval_for_its_median():
    """A row timed in pairs (it has ``ratio_fwd_bwd_of_medians``) shows, next to its ratio, the 2nd smallest and
    2nd largest of its 9 pair ratios, a 96 % distribution-free interval for their median (by hand: 1 - 2 * (1 + 9)
    / 2**9); rows from before pairing show none, and neither do rows with too few pairs for 95 %."""
    results = _fake_results()
    paired = _conv_row("conv1d", 1, "dilated", 1.05)
    torch_ms = [10.0] * 9
    ours_ms = [8.0, 9.5, 10.0, 10.2, 10.5, 10.8, 11.0, 11.7, 14.0]     # pair ratios 0.80 ... 1.40, median 1.05
    paired.update(ratio_fwd_bwd_of_medians=1.0, ours_fwd_bwd_draws_ms=ours_ms, torch_fwd_bwd_draws_ms=torch_ms)
    few = dict(paired, shape="small", ours_fwd_bwd_draws_ms=ours_ms[:3], torch_fwd_bwd_draws_ms=torch_ms[:3])
    results["conv"] = [paired, few, _conv_row("conv1d", 1, "wide", 0.9)]
    rows = {r[1]: r[2] for r in run.target_rows(results) if r[0].startswith("conv1d fwd+bwd")}
    assert rows == {"dilated, 1 thread(s)": "1.05x (96 % interval 0.95-1.17)", "small, 1 thread(s)": "1.05x",
                    "wide, 1 thread(s)": "0.90x"}
    assert 1 - 2 * (1 + 9) / 2**9 == pytest.approx(0.961, abs=5e-4)


def test_targets_without_torch_are_not_applicable():
    results = _fake_results()
    for r in results["conv"]:
        for key in ("torch_fwd_ms", "torch_fwd_bwd_ms", "ratio_fwd", "ratio_fwd_bwd"):
            r.pop(key)
        if "torch_peak_mb" in r:
            r["torch_peak_mb"] = None
    rows = [row for row in run.target_rows(results) if "torch" in row[0] and row[0].startswith("conv")]
    assert len(rows) == 5 and all(row[3] == "n/a" for row in rows)     # 3 fwd+bwd ratios, 2 memory comparisons
    assert "n/a" in run.render_text(results)


def test_markdown_page():
    page = run.render_markdown(_fake_results(), plot="test-avx2-scaling.png")
    assert page.startswith("# CPU: Test CPU (test-avx2)\n")
    assert "[index](../performance.md)" in page
    for heading in ("## Method", "## Machine", "## Targets", "## Convolutions", "## Peak memory",
                    "## Engine overhead", "## Training step", "## Scaling", "## GPU"):
        assert f"\n{heading}\n" in page
    assert "regenerate this page with `make bench` on a quiet machine" in page.lower()
    assert "![" in page and "(test-avx2-scaling.png)" in page
    assert run.NO_GPU in page and "No module named 'cupy'" in page
    assert "5 of 11 targets met, 6 missed." in page
    assert ">>>" not in page                       # docs pages run as doctests
    for table in re.findall(r"(?:^\|.*\|\n)+", page, flags=re.MULTILINE):
        counts = {line.count(" | ") for line in table.splitlines()}
        assert len(counts) == 1, table             # every row of a table has the same number of cells


def _fake_gpu(kind="test-gpu", ratio=2.0):
    row = {"op": "conv1d", "shape": "large", "dims": [64, 1024, 128, 128, 7, 2, 1], "ours_fwd_ms": 1.0,
           "torch_fwd_ms": 0.5, "ratio_fwd": 2.0, "ours_fwd_bwd_ms": 3.0 * ratio, "torch_fwd_bwd_ms": 3.0,
           "ratio_fwd_bwd": ratio, "ours_fwd_slices_ms": 1.5, "ours_fwd_bwd_slices_ms": 7.5,
           "max_abs_diff_fwd": 1e-6}
    return {"machine": {"device": "Test GPU", "kind": kind, "memory_gib": 80.0, "multiprocessors": 100,
                        "cuda_runtime": 13000, "cuda_driver": 13000, "cupy": "14.0", "torch": "2.11",
                        "torch_cuda": "13.0", "numpy": "2.5", "python": "3.12", "platform": "Linux",
                        "date": "2026-01-01 00:00 UTC"},
            "repeats": 20, "conv": [row], "quick": False,
            "train": {"steps_per_call": 20, "model": {"batch": 32, "length": 64, "in_channels": 16, "filters": 8,
                                                      "kernel_size": 3, "strides": 2},
                      "first_losses": {"ours": 1.25, "torch": 1.25}, "ours_ms": 0.5, "torch_ms": 1.0, "ratio": 0.5}}


def test_markdown_page_with_gpu_rows():
    page = run.render_markdown(_fake_results(gpu=_fake_gpu()))
    assert "Test GPU" in page
    assert ("| conv1d | large | (64, 1024, 128, 128, 7, 2, 1) | 1.000 | 0.500 | 2.00 "
            "| 6.000 | 3.000 | 2.00 | 7.500 | 1.0e-06 |") in page
    older = _fake_gpu()                                 # results from before the tap-slices column: a dash there
    del older["conv"][0]["ours_fwd_bwd_slices_ms"]
    assert "| 6.000 | 3.000 | 2.00 | - | 1.0e-06 |" in run.render_markdown(_fake_results(gpu=older))
    assert "Training step: ours 0.500 ms, torch 1.000 ms (0.50x)" in page
    assert run.NO_GPU not in page


def test_text_report_names_every_section():
    text = run.render_text(_fake_results())
    for title in ("Machine", "Targets", "Convolutions", "Peak extra memory", "Engine overhead", "Training step",
                  "Scaling", "GPU"):
        assert title in text
    assert "openblas 0.3, kernel Haswell" in text and "OPENBLAS_CORETYPE=Prescott" in text


def test_command_line_help_lists_the_options():
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--help"], capture_output=True,
                         text=True, check=True).stdout
    for option in ("--quick", "--threads", "--only", "--no-write", "--gpu", "--shapes", "--ops", "--no-memory",
                   "--no-naive", "--render-index", "--docs"):
        assert option in out


# ------------------------------------------------------------------------------------------------ the cases
def test_the_shape_families_of_issue_13_are_benchmarked():
    dims = {name: conv.SHAPES[name] for name in conv.expand_shapes(list(conv.FAMILIES))}
    assert set(dims) == set(conv.SHAPES)                          # every case belongs to a family
    # (batch, length, in_channels, filters, kernel_size, strides, dilation)
    assert dims["channels256"][1:] == (512, 256, 128, 3, 1, 1)    # stride 1, 256 -> 128 channels, k = 3, 512 steps
    assert dims["long"][1:] == (2048, 32, 16, 4, 2, 1)            # long signal, few channels, k = 4, stride 2
    assert {conv.SHAPES[name][6] for name in conv.FAMILIES["dilation"]} == {2, 3, 4}
    assert [conv.SHAPES[name][4:6] for name in conv.FAMILIES["stride4_k8"]] == [(8, 4)]
    assert [conv.SHAPES[name][0] for name in conv.FAMILIES["batch1"]] == [1]
    assert [conv.data_format(name) for name in conv.FAMILIES["channels_first"]] == ["channels_first"]
    assert conv.data_format("medium") == "channels_last"


def test_expand_shapes_takes_cases_and_families_and_refuses_others():
    assert conv.expand_shapes(["medium", "dilation", "dilated"]) == ("medium", "dilated", "dilated3", "dilated4")
    with pytest.raises(ValueError, match="Received 'dilation5'"):
        conv.expand_shapes(["dilation5"])


@pytest.mark.parametrize("op", ["conv1d_transpose", "conv1d"])
def test_channels_first_case_is_the_same_problem_transposed(op):
    shape = (2, 5, 3, 4, 3, 2, 1)
    last = conv._make_ours(op, shape)[0]().numpy()
    first = conv._make_ours(op, shape, data_format="channels_first")[0]().numpy()
    assert first.shape == (last.shape[0], last.shape[2], last.shape[1])
    np.testing.assert_allclose(first, last.transpose(0, 2, 1), rtol=1e-6, atol=1e-6)


# ------------------------------------------------------------------------------------------------ CPU kinds
def test_cpuinfo_gives_the_model_and_vector_extensions():
    text = ("processor\t: 0\nmodel name\t: Intel(R) Xeon(R) Processor\nflags\t\t: fpu sse avx avx2 fma avx512f "
            "avx512_bf16 amx_tile\nprocessor\t: 1\nmodel name\t: other\nflags\t\t: fpu\n")
    model, flags = run.parse_cpuinfo(text)
    assert model == "Intel(R) Xeon(R) Processor"
    assert flags == ["avx", "avx2", "fma", "avx512f", "avx512_bf16", "amx_tile"]
    assert run.parse_cpuinfo("processor\t: 0\nFeatures\t: fp asimd sve\n") == (None, ["asimd", "sve"])


@pytest.mark.parametrize("model,flags,kind", [
    ("Intel(R) Xeon(R) Platinum 8480+", ["avx2", "avx512f", "amx_tile"], "intel-xeon-avx512"),
    ("AMD EPYC 7B13 64-Core Processor", ["avx2", "fma"], "amd-epyc-avx2"),
    ("Intel(R) Core(TM) i7-8700 CPU @ 3.20GHz", ["avx", "avx2"], "intel-core-avx2"),
    ("Neoverse-N1", ["asimd"], "neoverse-neon"),
    ("", [], "unknown-generic"),
])
def test_cpu_kind(model, flags, kind):
    assert run.cpu_kind(model, flags) == kind


# ------------------------------------------------------------------------------------------------ the index
def _kind_results(kind, cpu, ratio_2_threads, quick=False):
    results = _fake_results()
    results["quick"] = quick
    results["machine"] = dict(results["machine"], cpu=cpu, kind=kind)
    results["conv"][1]["ratio_fwd_bwd"] = ratio_2_threads
    return results


def test_index_sets_the_kinds_side_by_side():
    kinds = {"amd-epyc-avx2": _kind_results("amd-epyc-avx2", "AMD EPYC", 1.1),
             "intel-xeon-avx512": _kind_results("intel-xeon-avx512", "Intel Xeon", 2.01)}
    kinds["intel-xeon-avx512"]["conv"].append(_conv_row("conv1d_transpose", 1, "long", 0.9))
    page = run.render_index(kinds)
    assert page.startswith("# Performance\n") and ">>>" not in page
    head = "| op | case | amd-epyc-avx2, 1 thread | amd-epyc-avx2, 2 threads | intel-xeon-avx512, 1 thread | "
    assert head + "intel-xeon-avx512, 2 threads |" in page
    assert "| conv1d_transpose | large | 0.80 | 1.10 | 0.80 | **2.01 missed** |" in page    # 1.25x with 2 threads
    assert "| conv1d_transpose | long | - | - | 0.90 | - |" in page                         # measured on one kind
    assert "| conv1d | large | **2.00 missed** | - | **2.00 missed** | - |" in page
    assert "| conv1d_transpose | large | 0.83 | 0.83 |" in page                  # peak memory, 10 vs 12 MiB
    assert "| training step, 1 thread | 0.50 | 0.50 |" in page
    assert "| per-op overhead, 1 thread | **2.50 missed** | **2.50 missed** |" in page
    machines = page.split("## Machines")[1].split("\n\n")[1]         # one column per kind, one row per item
    assert machines.startswith("| kind | [amd-epyc-avx2](performance/amd-epyc-avx2.md) | "
                               "[intel-xeon-avx512](performance/intel-xeon-avx512.md) |")
    assert "\n| CPU | AMD EPYC | Intel Xeon |\n" in machines
    assert "No GPU results yet" in page
    toctree = page.split("```{toctree}")[1]
    assert "performance/amd-epyc-avx2\nperformance/intel-xeon-avx512\n```" in toctree
    for table in re.findall(r"(?:^\|.*\|\n)+", page, flags=re.MULTILINE):
        assert len({line.count(" | ") for line in table.splitlines()}) == 1, table


def test_code_version_names_the_commit_and_whether_the_tree_differs(tmp_path):
    """Against git itself: a fresh repository's HEAD, then "+ changes" once a tracked file is edited; None outside a
    repository."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed here")
    repo = str(tmp_path / "repo")

    def git(*args):
        return subprocess.run(["git", "-C", repo, *args], capture_output=True, text=True, check=True).stdout.strip()

    os.makedirs(repo)
    git("init", "-q")
    (tmp_path / "repo" / "a.txt").write_text("one\n", encoding="utf-8")
    git("add", "a.txt")
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "one")
    head = git("rev-parse", "--short=12", "HEAD")
    assert run.code_version(repo) == head
    (tmp_path / "repo" / "a.txt").write_text("two\n", encoding="utf-8")
    assert run.code_version(repo) == head + " + changes"
    assert run.code_version(str(tmp_path)) is None


def test_index_says_which_kinds_ran_older_code():
    """Kinds measured on different days ran different code: the index names those measured before the newest one,
    oldest first, and says nothing when all share one date."""
    kinds = {name: _kind_results(name, "CPU", 1.0) for name in ("amd-epyc-avx2", "amd-epyc-avx512",
                                                                 "intel-xeon-avx512")}
    for name, date in (("amd-epyc-avx2", "2026-12-04 08:03 UTC"), ("amd-epyc-avx512", "2026-12-05 04:05 UTC"),
                       ("intel-xeon-avx512", "2026-12-02 08:47 UTC")):
        kinds[name]["machine"]["date"] = date
    page = run.render_index(kinds)
    assert ("`intel-xeon-avx512` (2026-12-02 08:47 UTC) and `amd-epyc-avx2` (2026-12-04 08:03 UTC) were measured "
            "before the newest kind, `amd-epyc-avx512` (2026-12-05 04:05 UTC): their figures do not include") in page
    for name in kinds:
        kinds[name]["machine"]["date"] = "2026-12-05 04:05 UTC"
    assert "measured before the newest" not in run.render_index(kinds)
    assert run.older_kinds_note({}) is None


def _paired_kind(kind, cpu):
    """Results of ``kind`` whose every row was timed in pairs: the convolutions' per-draw times, the training
    step's and the engine's per-batch times."""
    results = _kind_results(kind, cpu, 1.1)
    for row in results["conv"]:
        row.update(ratio_fwd_bwd_of_medians=row["ratio_fwd_bwd"], ours_fwd_bwd_draws_ms=[40.0, 40.0],
                   torch_fwd_bwd_draws_ms=[50.0, 50.0])
    results["train"][0].update(paired=True, ours_batches_ms=[1.0, 1.0], torch_batches_ms=[2.0, 2.0])
    results["engine"][0].update(paired=True, ours_batches_us_per_op=[10.0], torch_batches_us_per_op=[4.0])
    return results


def test_index_names_only_the_kinds_not_timed_in_pairs():
    paired = _paired_kind("intel-xeon-avx512", "Intel Xeon")
    alone = run.render_index({"intel-xeon-avx512": paired})
    assert "Not timed in pairs" not in alone and "AMD" not in alone and "amd" not in alone
    older = _kind_results("amd-epyc-avx2", "AMD EPYC", 1.1)
    both = run.render_index({"amd-epyc-avx2": older, "intel-xeon-avx512": paired})
    assert "Not timed in pairs (x is the quotient of the medians) in some or all rows: `amd-epyc-avx2`.\n" in both
    older["conv"][0]["torch_fwd_bwd_ms"] = None      # a row without torch is not a comparison, paired or not
    older["conv"], older["train"], older["engine"] = older["conv"][:1], [], []
    assert run.unpaired_kinds({"amd-epyc-avx2": older}) == []


def test_index_with_gpu_results():
    page = run.render_index({"amd-epyc-avx2": _kind_results("amd-epyc-avx2", "AMD EPYC", 1.0)},
                            {"test-gpu": _fake_gpu()})
    assert "| op | case | test-gpu fwd x | test-gpu f+b x |" in page
    assert "| conv1d | large | 2.00 | 2.00 |" in page and "| training step |  |  | 0.50 |" in page
    assert "[test-gpu](performance/gpu/test-gpu.md)" in page and "performance/gpu/test-gpu\n```" in page


def test_a_full_run_writes_its_kind_and_keeps_the_others(tmp_path):
    pytest.importorskip("matplotlib")
    docs = tmp_path / "docs"
    (docs / "performance").mkdir(parents=True)
    other = _kind_results("amd-epyc-avx2", "AMD EPYC", 1.1)
    (docs / "performance" / "amd-epyc-avx2.json").write_text(json.dumps(other), encoding="utf-8")
    mine = _kind_results("intel-xeon-avx512", "Intel Xeon", 2.01)
    written = run.write_kind(mine, str(docs))
    names = sorted(os.path.relpath(p, docs) for p in written)
    assert names == ["performance.md", "performance/intel-xeon-avx512-scaling.png",
                     "performance/intel-xeon-avx512.json", "performance/intel-xeon-avx512.md"]
    saved = json.loads((docs / "performance" / "intel-xeon-avx512.json").read_text(encoding="utf-8"))
    assert saved["conv"][1]["ratio_fwd_bwd"] == 2.01 and saved["targets"] == run.target_rows(mine)
    assert json.loads((docs / "performance" / "amd-epyc-avx2.json").read_text(encoding="utf-8")) == json.loads(
        json.dumps(other))                                          # untouched
    index = (docs / "performance.md").read_text(encoding="utf-8")
    assert "performance/amd-epyc-avx2\nperformance/intel-xeon-avx512\n" in index
    page = (docs / "performance" / "intel-xeon-avx512.md").read_text(encoding="utf-8")
    assert "(intel-xeon-avx512-scaling.png)" in page


def test_only_a_full_run_replaces_a_kind():
    def args(**kw):
        return run.argparse.Namespace(**{"shapes": None, "ops": None, "no_memory": False, "no_naive": False, **kw})

    full = _fake_results()
    assert run._not_written(args(), full) is None
    assert "quick" in run._not_written(args(), dict(full, quick=True))
    assert "--only" in run._not_written(args(), dict(full, sections=["conv"]))
    assert "part of" in run._not_written(args(shapes=["dilation"]), full)


def test_the_committed_index_is_generated_from_the_committed_results():
    docs = ROOT / "docs"
    kinds = run.load_results(str(docs / "performance"))
    assert "amd-epyc-avx2" in kinds
    for kind in kinds:
        assert (docs / "performance" / f"{kind}.md").is_file()
    gpus = run.load_results(str(docs / "performance" / "gpu"))
    assert (docs / "performance.md").read_text(encoding="utf-8") == run.render_index(kinds, gpus)
    page = (docs / "performance" / "amd-epyc-avx2.md").read_text(encoding="utf-8")
    for image in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", page):
        assert (docs / "performance" / image).is_file()


# ------------------------------------------------------------------------------------------------ the GPU check
def test_gpu_page_and_junit_counts(tmp_path):
    junit = tmp_path / "tests.xml"
    junit.write_text('<testsuites><testsuite name="pytest" tests="10" failures="1" errors="0" skipped="2">'
                     "</testsuite></testsuites>", encoding="utf-8")
    counts = gpu.tests_from_junit(str(junit))
    assert counts == {"tests": 10, "failures": 1, "errors": 0, "skipped": 2, "passed": 7}
    results = dict(_fake_gpu(), tests=dict(counts, command="pytest -k cupy"))
    md, js = gpu.write_results(results, str(tmp_path / "out"))
    assert os.path.basename(md) == "test-gpu.md" and json.loads(Path(js).read_text(encoding="utf-8")) == results
    page = Path(md).read_text(encoding="utf-8")
    assert page.startswith("# GPU: Test GPU (test-gpu)\n")
    assert "`pytest -k cupy`: 7 passed, 1 failed, 0 errors, 2 skipped (of 10)." in page
    assert gpu.gpu_kind("NVIDIA H200") == "nvidia-h200"


def test_gpu_check_dry_run_skips_visibly(tmp_path):
    out = tmp_path / "gpu"
    env = dict(os.environ, PYTHON=sys.executable)
    env.pop("OUT", None)
    done = subprocess.run(["bash", str(ROOT / "benchmarks" / "gpu_check.sh"), "--dry-run", str(out)], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert not out.exists()                                         # a dry run writes nothing
    if "SKIPPED" in done.stdout:                                    # no GPU here: both GPU parts skipped, with why
        assert re.search(r"^\[gpu_check\] SKIPPED: CuPy test subset \(pytest -k cupy\): no usable GPU here: \S",
                         done.stdout, re.MULTILINE), done.stdout
        assert re.search(r"^\[gpu_check\] SKIPPED: GPU benchmark .*: no usable GPU here: \S", done.stdout,
                         re.MULTILINE), done.stdout
        assert "GPU parts skipped, nothing written" in done.stdout
    else:                                                           # a GPU machine: the plan, nothing run
        assert "dry run: would run 'pytest -k cupy'" in done.stdout, done.stdout


def test_gpu_check_refuses_unknown_options():
    done = subprocess.run(["bash", str(ROOT / "benchmarks" / "gpu_check.sh"), "--fast"], capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 2 and "unknown option '--fast'" in done.stderr


def test_a_failed_gpu_case_is_reported_not_hidden(tmp_path):
    results = _fake_gpu()
    results["conv"].append({"op": "conv1d_transpose", "shape": "long", "error": "TypeError: boom"})
    results["train"] = {"steps_per_call": 20, "model": results["train"]["model"], "error": "ValueError: bad"}
    results["tests"] = {"tests": 10, "failures": 0, "errors": 0, "skipped": 9, "passed": 1}
    assert gpu.errors(results) == ["conv1d_transpose long: TypeError: boom", "training step: ValueError: bad",
                                   "CuPy tests: 1 passed but 9 skipped: the cupy backend was not available to them"]
    page = gpu.render_markdown(results)
    assert "| conv1d_transpose | long |  | FAILED: TypeError: boom |" in page and "FAILED: ValueError: bad" in page
    index = run.render_index({}, {"test-gpu": results})
    assert "| conv1d_transpose | long | - | - |" in index and "| training step |  |  | - |" in index


@pytest.mark.parametrize("with_torch", [False, True])
def test_timing_workers_answer_draw_by_draw_and_rows_merge_over_rounds(with_torch):
    """The real workers, driven by run_benchmarks: every row has each framework's medians over all rounds' calls,
    one median per slot (round and draw), and the reference GEMM time of ours. A worker answers a draw with that
    draw's calls only, and the GEMM and tracemalloc figures only when asked for them."""
    if with_torch and not conv.torch_available():
        pytest.skip("torch is not installed: the torch worker cannot run here (CI installs it)")
    rows = conv.run_benchmarks(threads=(1,), ops=("conv1d",), shapes=("small", "batch1"), quick=True, repeats=3,
                               rounds=2, torch=with_torch, memory=False)
    assert [(r["op"], r["threads"], r["shape"], r["rounds"], r["repeats"]) for r in rows] == \
        [("conv1d", 1, "small", 2, 3), ("conv1d", 1, "batch1", 2, 3)]
    for r in rows:
        assert r["ours_fwd_ms"] > 0 and r["ours_fwd_bwd_ms"] > 0 and r["gemm_ms"] > 0
        assert r["ours_tracemalloc_peak_mb"] > 0 and r["ours_fwd_bwd_faults"] >= 0
        assert len(r["ours_fwd_bwd_draws_ms"]) == len(r["ours_fwd_draws_ms"]) == 2 * conv.DRAWS    # one per slot
        assert min(r["ours_fwd_bwd_draws_ms"]) > 0
        assert ("torch_fwd_bwd_ms" in r) == ("ratio_fwd_bwd" in r) == with_torch
        if with_torch:
            assert len(r["torch_fwd_bwd_draws_ms"]) == len(r["torch_first"]) == 2 * conv.DRAWS
            assert r["torch_fwd_bwd_faults"] >= 0
    worker = conv._Worker("tinygradconv", "conv1d", 1, 7)
    try:
        worker.wait_ready()
        answers = [worker.ask(f"small {draw}") for draw in range(conv.DRAWS)]   # 7 calls asked: ceil(7 / DRAWS) each
        gemm = worker.ask("small gemm")
        final = worker.close()
    finally:
        worker.process.kill()
    calls = -(-7 // conv.DRAWS)
    for draw, row in enumerate(answers):
        assert row["draw"] == draw and "gemm_ms" not in row and "tracemalloc_peak_mb" not in row
        assert len(row["fwd_bwd_ms"]) == len(row["fwd_bwd_cpu_ms"]) == len(row["fwd_ms"]) == calls
        assert row["draw_fwd_bwd_ms"] == statistics.median(row["fwd_bwd_ms"])
        assert row["draw_fwd_ms"] == statistics.median(row["fwd_ms"])
        assert len(row["fwd_bwd_faults"]) == calls
        assert all(isinstance(count, int) and count >= 0 for count in row["fwd_bwd_faults"])
    assert gemm["gemm_ms"] > 0 and gemm["tracemalloc_peak_mb"] > 0 and "fwd_ms" not in gemm
    assert set(final) == {"blas"}


class _FakeWorker:
    """Stands in for conv._Worker. Its times are a framework's cost (:attr:`cost`, at speed 1) times the machine's
    speed when the framework times its ``k``-th set of inputs (:attr:`speeds`, drifting from one pair to the next)
    times, for torch, a factor 2 on every third set (inputs that landed badly in memory)."""

    log: ClassVar[list] = []
    cost: ClassVar[dict] = {"tinygradconv": (1.0, 3.0), "torch": (2.0, 4.0)}   # (fwd, fwd+bwd): true ratios 0.5, 0.75
    speeds = (3.0, 3.0, 5.0, 2.0, 5.0)

    def __init__(self, framework, op, threads, repeats):
        self.framework, self.k = framework, 0
        self.process = _FakeProcess()

    def wait_ready(self):
        pass

    def ask(self, line):
        _FakeWorker.log.append((self.framework, line))
        if line.endswith("gemm"):
            return {"gemm_ms": 1.0, "tracemalloc_peak_mb": 2.0}
        factor = self.speeds[self.k % len(self.speeds)] * (2 if self.framework == "torch" and self.k % 3 == 0 else 1)
        self.k += 1
        fwd, fwd_bwd = (factor * c for c in _FakeWorker.cost[self.framework])
        return {"fwd_ms": [fwd], "fwd_bwd_ms": [fwd_bwd], "fwd_cpu_ms": [fwd], "fwd_bwd_cpu_ms": [fwd_bwd],
                "fwd_bwd_faults": [0], "draw_fwd_ms": fwd, "draw_fwd_bwd_ms": fwd_bwd}

    def close(self):
        return {"blas": "fake" if self.framework == "tinygradconv" else None}


def test_the_driver_pairs_each_slot_back_to_back_and_takes_turns(monkeypatch):
    """With a machine whose speed changes from one pair to the next and torch slowed on a third of its inputs, the
    median of the per-pair ratios is the frameworks' true ratio (0.5 forward, 0.75 forward+backward); the ratio of
    the two medians is not, and pairs that mixed times taken at different speeds would not be either. Each pair
    names the same shape and draw, torch goes first in every other slot (5 of 9 with 3 rounds), and our reference
    GEMM is asked for after both frameworks have timed a shape's last draw."""
    _FakeWorker.log = []
    monkeypatch.setattr(conv, "_Worker", _FakeWorker)
    rows = conv.run_benchmarks(threads=(1,), ops=("conv1d",), shapes=("small", "medium"), repeats=3, rounds=3,
                               torch=True, memory=False)
    for r in rows:
        assert (r["ratio_fwd"], r["ratio_fwd_bwd"]) == (0.5, 0.75)
        assert r["ratio_fwd_bwd_of_medians"] == pytest.approx(r["ours_fwd_bwd_ms"] / r["torch_fwd_bwd_ms"])
        assert r["ratio_fwd_of_medians"] == pytest.approx(r["ours_fwd_ms"] / r["torch_fwd_ms"])
        assert r["ratio_fwd_bwd_of_medians"] < 0.6          # not the true ratio: the fake machine has teeth
        shifted = r["ours_fwd_bwd_draws_ms"][1:] + r["ours_fwd_bwd_draws_ms"][:1]
        assert conv.paired_ratio(shifted, r["torch_fwd_bwd_draws_ms"]) != pytest.approx(0.75)   # nor a wrong pairing
        assert r["torch_first"].count(True) == 5 and len(r["torch_first"]) == 9
    timed = [entry for entry in _FakeWorker.log if not entry[1].endswith("gemm")]
    pairs = list(zip(timed[::2], timed[1::2]))
    assert all(a[1] == b[1] and {a[0], b[0]} == {"tinygradconv", "torch"} for a, b in pairs)
    assert [a[0] == "torch" for a, _ in pairs] == [(r * conv.DRAWS + d) % 2 == 0 for r in range(3)
                                                   for _shape in range(2) for d in range(conv.DRAWS)]
    gemms = [i for i, entry in enumerate(_FakeWorker.log) if entry[1].endswith("gemm")]
    assert len(gemms) == 6
    for i in gemms:                     # after both halves of the shape's last pair
        name = _FakeWorker.log[i][1].split()[0]
        assert _FakeWorker.log[i][0] == "tinygradconv"
        assert sorted(_FakeWorker.log[i - 2:i]) == [("tinygradconv", f"{name} {conv.DRAWS - 1}"),
                                                    ("torch", f"{name} {conv.DRAWS - 1}")]


class _FakeProcess:
    """A worker's process as the drivers see it: running until closed or killed."""

    def __init__(self):
        self.running = True

    def poll(self):
        return None if self.running else 0

    def kill(self):
        self.running = False


class _FakeTrainWorker:
    """Stands in for a training-step worker (train_step._start_worker): its ms per step are a framework's cost
    (ours 1, torch 2: true ratio 0.5) times the machine's speed at that moment, which changes after every second
    answer of either worker (so only a pair's two back-to-back halves share one speed), times 2 on every third
    batch of torch's (a disturbed batch)."""

    log: ClassVar[list] = []
    cost: ClassVar[dict] = {"tinygradconv": 1.0, "torch": 2.0}
    cpu_cost: ClassVar[dict] = {"tinygradconv": 3.0, "torch": 4.0}     # CPU time: true ratio 0.75
    fail_on: ClassVar[int | None] = None                                # die on this batch (counted over all)
    speeds = (1.0, 1.0, 3.0, 3.0, 0.5, 0.5, 7.0, 7.0)        # pairs: (1, 1), (3, 3), ... in the order asked

    def __init__(self, name, steps_per_run, warmup, threads):
        self.name = name
        self.process = _FakeProcess()

    def wait_ready(self):
        _FakeTrainWorker.log.append((self.name, "ready"))

    def ask(self, line):
        _FakeTrainWorker.log.append((self.name, line))
        asked = sum(1 for _, what in _FakeTrainWorker.log if what == "batch")
        if asked == self.fail_on:
            raise RuntimeError("benchmark worker died")
        speed = self.speeds[(asked - 1) % len(self.speeds)]
        self.batches = getattr(self, "batches", 0) + 1
        if self.name == "torch" and self.batches % 3 == 0:           # a third of torch's batches twice as slow
            speed *= 2
        return {"ms_per_step": speed * self.cost[self.name], "cpu_ms_per_step": speed * self.cpu_cost[self.name]}

    def close(self):
        _FakeTrainWorker.log.append((self.name, "end"))
        self.process.running = False
        return {"first_loss": 1.0, "last_loss": 0.5}


def test_the_training_step_is_timed_in_back_to_back_pairs(monkeypatch):
    """On a machine whose speed jumps between pairs, the median of the per-pair ratios is the true ratio (0.5) while
    the quotient of the medians is not; each pair is one batch of each framework, asked one after the other, torch
    first in every other pair, and both workers are ready before the first batch and closed after the last."""
    _FakeTrainWorker.log = []
    monkeypatch.setattr(train_step, "_start_worker", _FakeTrainWorker)
    monkeypatch.setattr(train_step, "torch_version", lambda env=None: "fake")
    result = train_step.measure(runs=7, rounds=2, steps_per_run=1, warmup=0)
    assert result["ratio"] == 0.5 and result["cpu_ratio"] == 0.75
    assert result["ratio_of_medians"] != pytest.approx(0.5)
    assert result["torch_first"] == [slot % 2 == 0 for slot in range(14)]
    for round_ in range(2):
        log = _FakeTrainWorker.log[round_ * 18:(round_ + 1) * 18]     # 2 ready, 14 batches, 2 end per round
        assert sorted(log[:2]) == [("tinygradconv", "ready"), ("torch", "ready")]
        assert sorted(log[-2:]) == [("tinygradconv", "end"), ("torch", "end")]
        pairs = list(zip(log[2:-2:2], log[3:-2:2]))
        assert [(a[0], b[0]) for a, b in pairs] == [("torch", "tinygradconv") if result["torch_first"][round_ * 7 + i]
                                                    else ("tinygradconv", "torch") for i in range(7)]
    ours, theirs = result["ours_batches_ms"], result["torch_batches_ms"]
    assert len(ours) == len(theirs) == 14
    assert [a / b for a, b in zip(ours, theirs)] == [0.25 if (i % 7 + 1) % 3 == 0 else 0.5 for i in range(14)]


def test_a_training_step_worker_that_dies_leaves_no_worker_running(monkeypatch):
    started = []

    def start(*args):
        started.append(_FakeTrainWorker(*args))
        return started[-1]

    _FakeTrainWorker.log = []
    monkeypatch.setattr(_FakeTrainWorker, "fail_on", 4)
    monkeypatch.setattr(train_step, "_start_worker", start)
    monkeypatch.setattr(train_step, "torch_version", lambda env=None: "fake")
    with pytest.raises(RuntimeError, match="benchmark worker died"):
        train_step.measure(runs=7, rounds=2, steps_per_run=1, warmup=0)
    assert len(started) == 2 and not any(worker.process.running for worker in started)


class _FakeEngineWorker(_FakeTrainWorker):
    """The same drifting machine as :class:`_FakeTrainWorker`, answering as an engine worker does (per-op
    microseconds: total, forward, backward, cpu)."""

    def __init__(self, name, n_ops, shape, chains_per_run, warmup, threads):
        super().__init__(name, chains_per_run, warmup, threads)

    def ask(self, line):
        times = super().ask(line)
        total = times["ms_per_step"]
        return {"total": total, "forward": total / 4, "backward": 3 * total / 4, "cpu": times["cpu_ms_per_step"]}

    def close(self):
        super().close()
        return {}


def test_the_engine_overhead_is_timed_in_back_to_back_pairs(monkeypatch):
    """As for the training step: on a machine whose speed jumps between pairs the paired ratio is the true one (0.5;
    CPU time 0.75), the quotient of the medians is not, and torch goes first in every other pair."""
    _FakeTrainWorker.log = []
    monkeypatch.setattr(engine_overhead, "_start_worker", _FakeEngineWorker)
    monkeypatch.setattr(engine_overhead, "torch_version", lambda env=None: "fake")
    result = engine_overhead.measure(n_ops=1, runs=7, rounds=2, chains_per_run=1, warmup=0)
    assert result["ratio"] == 0.5 and result["cpu_ratio"] == 0.75 and result["paired"]
    assert result["ratio_of_medians"] != pytest.approx(0.5)
    assert result["torch_first"] == [slot % 2 == 0 for slot in range(14)]
    batches = [entry for entry in _FakeTrainWorker.log if entry[1] == "batch"]
    assert [name for name, _ in batches[:4]] == ["torch", "tinygradconv", "tinygradconv", "torch"]
    row = dict(result, threads=1)
    assert run.pair_ratios_of(row) == [a / b for a, b in zip(result["ours_batches_us_per_op"],
                                                             result["torch_batches_us_per_op"])]


@pytest.mark.parametrize("setting,value", [("n_ops", 0), ("runs", 0), ("chains_per_run", 0), ("warmup", -1),
                                           ("threads", 0), ("shape", (0, 4)), ("shape", ())])
def test_the_engine_benchmark_rejects_bad_settings_before_starting_anything(setting, value, monkeypatch):
    monkeypatch.setattr(engine_overhead, "_start_worker", None)
    with pytest.raises(ValueError, match=f"Invalid value for argument `{setting}`"):
        engine_overhead.measure(**{setting: value})


@pytest.mark.parametrize("with_torch", [False, True])
def test_the_training_step_benchmark_returns_its_figures(with_torch):
    """The real workers (tiny settings; the timings themselves are not checked): one batch time per pair and
    framework, the paired ratio computed from them, and the losses of both frameworks, which start from the same
    weights."""
    if with_torch and not conv.torch_available():
        pytest.skip("torch is not installed: the torch worker cannot run here (CI installs it)")
    result = train_step.measure(runs=7, rounds=1, steps_per_run=2, warmup=1, torch=with_torch)
    assert len(result["ours_batches_ms"]) == len(result["ours_cpu_batches_ms"]) == 7
    assert min(result["ours_batches_ms"]) > 0 and result["ours_ms"] == statistics.median(result["ours_batches_ms"])
    first, last = result["ours_losses"]
    assert math.isfinite(first) and last < first                  # Adam lowers the loss over 1 + 1 + 14 steps
    if with_torch:
        theirs = result["torch_batches_ms"]
        assert len(theirs) == 7 and result["torch_first"] == [True, False, True, False, True, False, True]
        assert result["ratio"] == statistics.median(a / b for a, b in zip(result["ours_batches_ms"], theirs))
        assert result["torch_losses"][0] == pytest.approx(first, rel=1e-5)
    else:
        assert result["ratio"] is None and result["torch_batches_ms"] == [] and result["torch_first"] == []


def test_a_training_step_worker_rejects_an_unknown_request_clearly():
    worker = train_step._start_worker("tinygradconv", 1, 0, 1)
    try:
        worker.wait_ready()
        with pytest.raises(RuntimeError, match="(?s)benchmark worker tinygradconv failed on 'nope'.*Invalid request"):
            worker.ask("nope")
    finally:
        harness.kill_running([worker])


def test_a_worker_that_writes_much_to_stderr_still_answers():
    """A worker's stderr must not be a pipe that nobody reads: one that writes more than a pipe holds (64 KiB on
    Linux) before answering would block, and the driver would wait for its answer forever."""
    import threading

    script = ("import json, sys; sys.stderr.write('w' * 300000); sys.stderr.flush(); "
              "print(json.dumps({'ready': 'chatty'}), flush=True)")
    worker = harness.LineWorker("chatty", [sys.executable, "-c", script], 1)
    done = threading.Event()
    waiter = threading.Thread(target=lambda: (worker.wait_ready(), done.set()), daemon=True)
    waiter.start()
    waiter.join(timeout=60)
    harness.kill_running([worker])
    assert done.is_set(), "the worker never answered: blocked on a full stderr pipe"


@pytest.mark.parametrize("setting,value,minimum", [("runs", 3, 7), ("rounds", 0, 1), ("steps_per_run", 0, 1),
                                                    ("warmup", -1, 0), ("threads", 0, 1), ("runs", 7.5, 7)])
def test_the_training_step_benchmark_rejects_bad_settings_before_starting_anything(setting, value, minimum,
                                                                                    monkeypatch):
    monkeypatch.setattr(train_step, "_start_worker", None)          # a worker started would fail differently
    with pytest.raises(ValueError, match=f"`{setting}` .*at least {minimum}. Received {setting}={value}"):
        train_step.measure(**{setting: value})


def test_the_training_step_command_line_names_the_bad_option():
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "train_step.py"), "--steps-per-run", "0"],
                         capture_output=True, text=True, check=False)
    assert out.returncode == 2 and "error: Invalid value for argument `steps_per_run` (--steps-per-run)" in out.stderr


def test_rendering_a_file_that_is_not_renderable_results_is_a_one_line_error(tmp_path, capsys):
    """Missing, malformed and foreign files, and results migrated from an old page (no per-call figures), are
    refused with a usage error naming the file, not a traceback; so is --json, which only a measurement writes."""
    bad_json = tmp_path / "bad.json"
    bad_json.write_text("{")
    a_list = tmp_path / "list.json"
    a_list.write_text("[]")
    migrated = tmp_path / "migrated.json"          # a results file marked as parsed from an old page
    results = json.loads((ROOT / "docs" / "performance" / "intel-xeon-avx512.json").read_text(encoding="utf-8"))
    migrated.write_text(json.dumps({"migrated": "figures parsed from an old docs/performance.md", **results}),
                        encoding="utf-8")
    cases = [(tmp_path / "missing.json", "cannot read results"), (bad_json, "cannot read results"),
             (a_list, "not results written by `run.py --json`"),
             (migrated, "these figures were migrated from an old page")]
    for path, why in cases:
        with pytest.raises(SystemExit) as exit_info:
            run.main(["--from-json", str(path), "--no-write"])
        assert exit_info.value.code == 2
        assert f"--from-json {path}: {why}" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        run.main(["--from-json", str(migrated), "--json", str(tmp_path / "out.json")])
    assert "with --from-json nothing is measured" in capsys.readouterr().err


def test_paired_ratios_refuse_times_that_are_not_finite_and_positive():
    for bad in (0.0, -1.0, float("nan"), float("inf"), None):
        with pytest.raises(ValueError, match=r"finite positive times; got ours\[1\]="):
            harness.paired_ratio([1.0, bad, 1.0], [1.0, 1.0, 1.0])


def test_median_interval_refuses_nan_and_a_level_outside_0_1_and_stays_fast_on_many_values():
    with pytest.raises(ValueError, match="not NaN"):
        run.median_interval([1.0, float("nan")] + [2.0] * 7)
    with pytest.raises(ValueError, match="Expected a probability in"):
        run.median_interval([1.0] * 9, level=95)
    low, high, coverage = run.median_interval(list(range(3000)))     # took minutes before the running sum
    assert coverage >= 0.95 and low < 1500 < high


def test_paired_ratio_pairs_the_draws_in_order():
    assert conv.paired_ratio([1.0, 10.0, 100.0], [10.0, 100.0, 1.0]) == pytest.approx(0.1)   # medians: 10 / 10
    assert conv.paired_ratio([1.0, 4.0, 9.0], [2.0, 2.0, 3.0]) == 2.0           # 0.5, 2, 3: the median pair
    assert conv.paired_ratio([1.0, 4.0], [2.0, 2.0]) == pytest.approx(1.25)     # even count: the mean of the middle two
    with pytest.raises(ValueError, match="got 2 and 1"):
        conv.paired_ratio([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="got 0 and 0"):
        conv.paired_ratio([], [])


def test_a_failing_timing_worker_is_a_clear_error():
    worker = conv._Worker("tinygradconv", "conv1d", 1, 3)
    worker.wait_ready()
    with pytest.raises(RuntimeError, match="benchmark worker tinygradconv failed on 'no_such_shape 0'"):
        worker.ask("no_such_shape 0")


def test_a_timing_worker_answers_ready_only_after_loading_its_framework():
    """The driver waits for this first answer from both workers before timing anything, so that neither times a
    shape while the other still imports its library on the same CPUs."""
    if not os.path.exists("/proc/self/maps"):
        pytest.skip("needs /proc to see which libraries a process has loaded")
    worker = conv._Worker("tinygradconv", "conv1d", 1, 3)
    try:
        assert worker.ask(None) == {"ready": "tinygradconv"}        # nothing asked yet: the first line is "ready"
        with open(f"/proc/{worker.process.pid}/maps") as maps:
            assert "_multiarray_umath" in maps.read()                # NumPy was already loaded when it answered
    finally:
        worker.process.kill()


def test_a_timing_worker_that_cannot_start_is_a_clear_error():
    worker = conv._Worker("tinygradconv", "no_such_op", 1, 3)
    with pytest.raises(RuntimeError, match="benchmark worker tinygradconv failed while starting"):
        worker.wait_ready()


# ------------------------------------------------------------------------------------------------ other processes
@pytest.mark.skipif(not os.path.exists("/proc/stat"), reason="OtherLoad reads /proc (Linux only)")
def test_other_load_counts_a_busy_process_unless_it_is_a_worker():
    """Two meters over the same 1.5 s, one told that a spinning process is a worker: the other one counts that
    process's CPU time as other processes' and this one does not, whatever else the machine runs. The spinner's own
    share of a CPU, read here from ``/proc/<pid>/stat`` (utime + stime), is the expected difference: about 1 on a
    quiet machine, 0.27 on a 2-core one with five other busy processes (where a fixed lower bound of 0.3 failed)."""
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])

    def spinner_seconds():
        with open(f"/proc/{spinner.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    try:
        time.sleep(0.3)                                     # the interpreter has started
        others, as_worker = harness.OtherLoad(), harness.OtherLoad([spinner])
        start, spun = time.monotonic(), spinner_seconds()
        time.sleep(1.5)
        difference = others.cpus() - as_worker.cpus()
        spinner_cpus = (spinner_seconds() - spun) / (time.monotonic() - start)
    finally:
        spinner.kill()
        spinner.wait()
    assert spinner_cpus > 0.05                               # it ran
    assert abs(difference - spinner_cpus) < 0.1 + 0.1 * spinner_cpus


def test_other_load_is_none_where_proc_cannot_be_read(monkeypatch):
    def missing(*args, **kwargs):
        raise FileNotFoundError("/proc/stat")

    monkeypatch.setattr(harness, "_machine_busy_ticks", missing)
    assert harness.OtherLoad().cpus() is None


def test_the_training_step_records_other_load_per_round(monkeypatch):
    _FakeTrainWorker.log = []
    monkeypatch.setattr(train_step, "_start_worker", _FakeTrainWorker)
    monkeypatch.setattr(train_step, "torch_version", lambda env=None: "fake")
    loads = iter([0.02, 1.1])
    monkeypatch.setattr(harness.OtherLoad, "cpus", lambda self: next(loads))
    result = train_step.measure(runs=7, rounds=2, steps_per_run=1, warmup=0)
    assert result["other_cpus"] == [0.02, 1.1]
    assert train_step._format(result).splitlines()[-1] == (
        "  NOTE: other processes kept CPUs busy while these rounds were timed: round 2 (1.1 CPUs). Their figures are "
        "unreliable: measure again with nothing else running.")


def test_a_disturbed_window_is_named_on_the_page_and_in_the_console():
    results = _fake_results()
    results["machine"]["load_start"] = "0.1 0.1 0.1"           # not busy by its load average
    for row in results["conv"]:
        row["other_cpus"] = [0.01, 0.02] if row["threads"] == 1 else [0.01, 0.9]
    results["train"][0]["other_cpus"] = [0.03]
    page = run.render_markdown(results)
    assert ("| CPUs other processes kept busy while timing | 0.01-0.9 over 7 timing windows; above 0.25 (disturbed): "
            "conv1d_transpose, 2 thread(s), round 2 (0.9) |") in page
    note = page.split("```{note}\n")[1].split("\n```")[0]
    assert note.startswith("These numbers were measured on a shared machine where other processes kept more than "
                           "0.25 CPUs busy while timing conv1d_transpose, 2 thread(s), round 2 (load average 0.1")
    assert "NOTE: other processes kept CPUs busy while some sections were timed" in run.render_text(results)
    for row in results["conv"]:
        row["other_cpus"] = [0.01, 0.02]
    results["machine"]["load_start"] = "3.0 2.0 1.0"        # busy by the load average (the minute before): the
    quiet = run.render_markdown(results)                     # measured windows decide
    assert "(disturbed)" not in quiet and "NOTE:" not in run.render_text(results)
    assert "; other processes kept at most 0.03 CPUs busy while it timed (see Machine)." in quiet
    del results["train"][0]["other_cpus"]
    for row in results["conv"]:
        del row["other_cpus"]                                 # results recorded before it was measured
    assert "| CPUs other processes" not in run.render_markdown(results)


def test_times_ms_warms_up_for_the_given_time_then_times_the_given_calls():
    """The warm-up lasts at least ``warmup_s`` and at least ``warmup`` calls, and stops with the first call that
    ends past ``warmup_s`` (read from the calls' start times, not counted: a loaded machine sleeps longer than
    asked, and 6 calls of 5 ms had not fitted in 30 ms there); only the ``repeats`` calls after it are timed."""
    starts = []

    def call():
        starts.append(time.perf_counter())
        time.sleep(0.005)

    wall, cpu, faults = conv._times_ms(call, 3, warmup=1, warmup_s=0.03)
    assert len(wall) == len(cpu) == len(faults) == 3
    warm = len(starts) - 3
    assert warm >= 2                                 # more than the one warm-up call: 5 ms < 30 ms
    assert starts[warm] - starts[0] >= 0.03          # the first timed call starts after the warm-up time
    assert starts[warm - 1] - starts[0] < 0.03       # and the last warm-up call began within it
    assert all(ms >= 5 for ms in wall)
    starts.clear()
    conv._times_ms(call, 2, warmup=2)               # no time given: exactly the warm-up calls asked for
    assert len(starts) == 4


def test_gpu_timing_of_fused_kernels_and_tap_slices_alternates():
    """The two variants of ours take turns, the order swapped every round, and the switch is back on afterwards,
    also when a call raises; the page says which way a run was timed."""
    from tinygradconv.ops import conv_cuda

    seen = []
    fused, sliced = gpu._fused_and_slices_ms(lambda: seen.append(conv_cuda.FUSED_KERNELS), lambda: None, 20)
    per_round = 3 + 20 // gpu.ROUNDS                                   # warm-up calls, then timed calls
    firsts = [seen[i] for i in range(0, len(seen), per_round)]
    assert firsts == [True, False, False, True, True, False, False, True] and len(seen) == 8 * per_round
    assert fused >= 0 and sliced >= 0 and conv_cuda.FUSED_KERNELS is True

    def boom():
        if not conv_cuda.FUSED_KERNELS:
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        gpu._fused_and_slices_ms(boom, lambda: None, 20)
    assert conv_cuda.FUSED_KERNELS is True
    assert "alternation, 4 rounds of 5 calls" in gpu.slices_timing({"slices_timing": "alternating", "repeats": 20})
    assert "right after" in gpu.slices_timing({"repeats": 20})


# ------------------------------------------------------------------------------------------------ memory settings
def _write_files(root, files):
    """Write ``files`` (relative path: text) under ``root``, each with a newline, as sysfs gives them."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n")


def _sysfs(root, files):
    _write_files(root, files)
    return root / "thp", root / "virtio"


@pytest.mark.parametrize("files,expected", [
    # a balloon that reports free pages (bit 5 set), beside a network device whose bit 5 means something else
    ({"thp/enabled": "[always] madvise never", "thp/defrag": "always defer defer+madvise [madvise] never",
      "virtio/virtio0/device": "0x0001", "virtio/virtio0/features": "000001",
      "virtio/virtio1/device": "0x0005", "virtio/virtio1/features": "0110010100000000"},
     {"thp": "always", "thp_defrag": "madvise", "free_page_reporting": True}),
    # a balloon without the feature; a network device with bit 5 set is not a balloon
    ({"thp/enabled": "always madvise [never]", "thp/defrag": "[never]",
      "virtio/virtio0/device": "0x0001", "virtio/virtio0/features": "000001",
      "virtio/virtio1/device": "0x0005", "virtio/virtio1/features": "0110000000000000"},
     {"thp": "never", "thp_defrag": "never", "free_page_reporting": False}),
    # no transparent huge pages and no virtio devices (a machine that is not virtual, or not Linux)
    ({}, {"thp": None, "thp_defrag": None, "free_page_reporting": False}),
])
def test_memory_settings_read_the_selected_values_and_the_balloon_feature(tmp_path, files, expected):
    assert run.memory_settings(*_sysfs(tmp_path, files)) == expected


def test_machine_table_names_the_memory_settings():
    info = _fake_results()["machine"]
    rows = dict(run.machine_rows(dict(info, memory={"thp": "madvise", "thp_defrag": "defer",
                                                   "free_page_reporting": True}), [1, 2]))
    assert rows["memory"] == ("transparent huge pages madvise (defrag defer); free memory reported to the virtual "
                              "machine's host (virtio-balloon free page reporting)")
    rows = dict(run.machine_rows(dict(info, memory={"thp": None, "thp_defrag": None, "free_page_reporting": False}),
                                 [1]))
    assert rows["memory"] == "transparent huge pages: not reported; no free page reporting to a host"
    info.pop("memory", None)
    assert dict(run.machine_rows(info, [1]))["memory"] == "not recorded"        # results from before 2026-12-05


# ------------------------------------------------------------------------------------------------ idle CPUs
def _idle_sysfs(root, files):
    _write_files(root, files)
    return root / "cpuidle", root / "haltpoll"


@pytest.mark.parametrize("files,expected", [
    # a KVM guest with the haltpoll driver, polling off (the Xeon guest of 2026-12-06)
    ({"cpuidle/current_driver": "haltpoll", "cpuidle/current_governor_ro": "haltpoll",
      "haltpoll/guest_halt_poll_ns": "0"}, {"driver": "haltpoll", "governor": "haltpoll", "halt_poll_ns": 0}),
    # a writable governor file wins over the read-only one; polling up to 200 us
    ({"cpuidle/current_driver": "haltpoll", "cpuidle/current_governor": "haltpoll",
      "cpuidle/current_governor_ro": "menu", "haltpoll/guest_halt_poll_ns": "200000"},
     {"driver": "haltpoll", "governor": "haltpoll", "halt_poll_ns": 200000}),
    # a machine that is not a KVM guest: another driver, no haltpoll module
    ({"cpuidle/current_driver": "intel_idle", "cpuidle/current_governor_ro": "menu"},
     {"driver": "intel_idle", "governor": "menu", "halt_poll_ns": None}),
    # nothing reported (not Linux), and a value that is not a number
    ({}, {"driver": None, "governor": None, "halt_poll_ns": None}),
    ({"haltpoll/guest_halt_poll_ns": "fast"}, {"driver": None, "governor": None, "halt_poll_ns": None}),
])
def test_idle_settings_read_the_cpuidle_driver_and_the_guest_halt_polling(tmp_path, files, expected):
    assert run.idle_settings(*_idle_sysfs(tmp_path, files)) == expected


def test_machine_table_names_the_idle_settings():
    info = _fake_results()["machine"]

    def row(idle):
        return dict(run.machine_rows(dict(info, idle=idle), [1, 2]))["idle CPUs"]

    assert row({"driver": "haltpoll", "governor": "haltpoll", "halt_poll_ns": 0}) == (
        "cpuidle driver haltpoll, governor haltpoll; guest halt polling off (guest_halt_poll_ns 0: an idle vCPU "
        "halts at once)")
    assert row({"driver": "haltpoll", "governor": "haltpoll", "halt_poll_ns": 200000}) == (
        "cpuidle driver haltpoll, governor haltpoll; guest halt polling up to 200 us before an idle vCPU halts")
    assert row({"driver": None, "governor": "menu", "halt_poll_ns": None}) == (
        "cpuidle driver not reported, governor menu; no guest halt polling driver")
    info.pop("idle", None)
    assert dict(run.machine_rows(info, [1]))["idle CPUs"] == "not recorded"        # results from before 2026-12-06


# ------------------------------------------------------------------------------------------------ the Method's warm-up
def test_a_page_rendered_again_says_the_warm_up_its_run_had():
    old = _fake_results()                                   # dated 2026-01-01, rows without warmup_s: one call
    page = " ".join(run.render_markdown(old).split())      # words, not the lines they wrap into
    assert "3 calls each after 1 warm-up call (1 call per set" in page
    assert "after 50 ms of untimed calls" not in page and "The 50 ms warm-up" not in page
    assert "since then every set of inputs gets 50 ms of untimed calls first" in page
    new = _fake_results()
    for row in new["conv"]:
        row["warmup_s"] = 0.2
    page = " ".join(run.render_markdown(new).split())
    assert "3 calls each after 200 ms of untimed calls (at least one;" in page
    assert "The 200 ms warm-up measures the steady state" in page and "after 1 warm-up call" not in page
    unrecorded = _fake_results()                            # between 2026-12-04 and the rows' warmup_s: 50 ms
    unrecorded["machine"]["date"] = run.WARMUP_SINCE
    assert "3 calls each after 50 ms of untimed calls" in " ".join(run.render_markdown(unrecorded).split())


def test_the_method_keeps_every_bullet_and_wraps_its_lines():
    for warmup in (0.0, 0.05):
        results = _fake_results()
        for row in results["conv"]:
            row["warmup_s"] = warmup
        text = run.method_text(results)
        assert "<WARM-UP>" not in text
        assert text.count("\n* ") == run.METHOD.count("\n* ")
        assert max(len(line) for line in text.splitlines()) <= 120
        assert "\n\n" not in text.strip()                     # one list: no blank line between its bullets
