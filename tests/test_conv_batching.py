"""The batch machinery of the convolutions (tinygradconv.ops.conv_batching): chunks, parts, partial sums, BLAS threads.

The convolution results with forced chunking and threading are checked against the naive loop references of
tests/reference_conv.py, not against the package's own unchunked path.
"""

import functools
import gc
import os
import signal
import threading
import time
import warnings
import weakref

import numpy as np
import pytest
from helpers import linear_gradient, set_chunk_bytes, with_small_gemm_kernels
from hypothesis import given
from hypothesis import strategies as st
from reference_conv import ref_conv1d, ref_conv1d_transpose

import tinygradconv as tg
from tinygradconv.ops import conv_batching, gemm_blocks
from tinygradconv.ops.conv import conv1d, conv1d_transpose


# ------------------------------------------------------------------------------------------------ chunks and parts
@given(lo=st.integers(0, 50), size=st.integers(0, 50), step=st.integers(1, 20))
def test_chunks_cover_the_range_exactly_once(lo, size, step):
    hi = lo + size
    bounds = list(conv_batching.chunks(lo, hi, step))
    covered = [b for b0, b1 in bounds for b in range(b0, b1)]
    assert covered == list(range(lo, hi))                          # in order, no gap, no overlap
    assert all(0 < b1 - b0 <= step for b0, b1 in bounds)
    assert all(b1 - b0 == step for b0, b1 in bounds[:-1])          # only the last chunk may be shorter


@given(batch=st.integers(1, 60), n=st.integers(1, 8))
def test_part_bounds_cover_the_batch_exactly_once(batch, n):
    n = min(n, batch)
    bounds = conv_batching.part_bounds(batch, n)
    assert len(bounds) == n
    assert [b for lo, hi in bounds for b in range(lo, hi)] == list(range(batch))
    sizes = [hi - lo for lo, hi in bounds]
    assert max(sizes) - min(sizes) <= 1 and min(sizes) >= 1


def test_cpu_vendor_is_the_vendor_id_of_proc_cpuinfo():
    """cpu_vendor against a plain read of /proc/cpuinfo (the first vendor_id line), or "" without that file."""
    conv_batching._cpuinfo_vendor.cache_clear()
    try:
        with open("/proc/cpuinfo") as f:
            expected = next((line.split(":", 1)[1].strip() for line in f if line.startswith("vendor_id")), "")
    except OSError:
        expected = ""
    assert conv_batching.cpu_vendor() == expected


def test_cpu_vendor_setting_stands_in_for_the_machine_s(monkeypatch):
    """CPU_VENDOR replaces the machine's maker in cpu_vendor and so in the per-maker limits: a bufferless path's
    chunks (AMD: AMD_CHUNK_BYTES) and the small-matrix block limits (AMD: K up to 768 for narrow products)."""
    set_chunk_bytes(monkeypatch, 1024)
    monkeypatch.setattr(conv_batching, "AMD_CHUNK_BYTES", 4096)
    monkeypatch.setattr(conv_batching, "THREADS", 1)
    with_small_gemm_kernels(monkeypatch)
    for vendor, chunk, max_k in (("AuthenticAMD", 16, 768), ("GenuineIntel", 4, 128)):
        monkeypatch.setattr(conv_batching, "CPU_VENDOR", vendor)
        assert conv_batching.cpu_vendor() == vendor
        assert conv_batching.chunk_size(np, 100, 64, np.float32, buffered=False) == chunk     # 256 bytes a sample
        assert gemm_blocks.limits(64)[0] == max_k


@pytest.mark.parametrize("module, switch, vendors, rule", [
    ("conv_phases", "PHASE_PATH", "PHASE_PATH_VENDORS", lambda m: m.takes_phase_path(np, 5, 2, 1, 1)),
    ("conv_winograd", "WINOGRAD", "WINOGRAD_VENDORS", lambda m: m.takes_winograd(np, np.float32, 3, 1, 1, 256, 128)),
])
def test_per_maker_switches_follow_the_maker_unless_set(monkeypatch, module, switch, vendors, rule):
    """The phase path and Winograd's F(2, 3), on shapes both admit: with their switch None, on exactly the makers of
    their vendor set (AMD's); True or False, on or off whatever the maker."""
    import importlib

    mod = importlib.import_module(f"tinygradconv.ops.{module}")
    assert getattr(mod, vendors) == frozenset({"AuthenticAMD"})
    for vendor in ("AuthenticAMD", "GenuineIntel", ""):
        monkeypatch.setattr(conv_batching, "CPU_VENDOR", vendor)
        monkeypatch.setattr(mod, switch, None)
        assert rule(mod) is (vendor == "AuthenticAMD")
        for setting in (True, False):
            monkeypatch.setattr(mod, switch, setting)
            assert rule(mod) is setting


@pytest.fixture
def intel_cpu(monkeypatch):
    """The CPU's maker pinned to Intel, whose one-thread chunks are CHUNK_BYTES (AMD's: AMD_CHUNK_BYTES)."""
    monkeypatch.setattr(conv_batching, "CPU_VENDOR", "GenuineIntel")


def test_chunk_size_respects_the_byte_budget(monkeypatch, intel_cpu):
    monkeypatch.setattr(conv_batching, "CHUNK_BYTES", 1000)
    monkeypatch.setattr(conv_batching, "THREADS", 1)
    assert conv_batching.chunk_size(np, 50, 10, np.float64) == 12      # 80 bytes per sample: floor(1000 / 80)
    assert conv_batching.chunk_size(np, 5, 10, np.float64) == 5        # never more than the batch
    assert conv_batching.chunk_size(np, 50, 1000, np.float32) == 1     # at least one sample
    assert conv_batching.chunk_size(np, 50, 0, np.float32) == 50       # empty samples: one chunk


def test_chunk_size_in_one_thread_on_an_amd_core_takes_its_budget(monkeypatch):
    """One thread on an AMD core, a path without a cols buffer: chunks of up to AMD_CHUNK_BYTES once the batch does
    not fit in one of CHUNK_BYTES; a batch that fits stays one chunk, a buffered path, threads and a GPU namespace
    keep their bounds."""
    import types

    monkeypatch.setattr(conv_batching, "CPU_VENDOR", "AuthenticAMD")
    monkeypatch.setattr(conv_batching, "CHUNK_BYTES", 1000)
    monkeypatch.setattr(conv_batching, "AMD_CHUNK_BYTES", 4000)
    monkeypatch.setattr(conv_batching, "THREAD_CHUNK_BYTES", 2000)
    monkeypatch.setattr(conv_batching, "DEVICE_CHUNK_BYTES", 8000)
    monkeypatch.setattr(conv_batching, "THREADS", 1)
    size = functools.partial(conv_batching.chunk_size, buffered=False)
    assert size(np, 500, 10, np.float64) == 50                         # floor(4000 / 80)
    assert conv_batching.chunk_size(np, 500, 10, np.float64) == 12     # with a cols buffer: floor(1000 / 80)
    assert size(np, 30, 10, np.float64) == 30                          # capped at the batch
    assert size(np, 10, 10, np.float64) == 10                          # fits 1000 bytes: one chunk
    assert size(np, 50, 100, np.float64) == 5                          # 800 bytes per sample: floor(4000 / 800)
    gpu_like = types.ModuleType("gpu_like")
    gpu_like.finfo = np.finfo
    assert size(gpu_like, 500, 10, np.float64) == 100                  # floor(8000 / 80), not AMD's
    monkeypatch.setattr(conv_batching, "THREADS", 2)
    assert size(np, 500, 10, np.float64) == 25                         # threads: floor(2000 / 80)


def test_chunk_size_with_threads_takes_the_larger_budget_but_at_most_one_part(monkeypatch, intel_cpu):
    monkeypatch.setattr(conv_batching, "CHUNK_BYTES", 1000)
    monkeypatch.setattr(conv_batching, "THREAD_CHUNK_BYTES", 4000)
    monkeypatch.setattr(conv_batching, "THREADS", 2)
    assert conv_batching.chunk_size(np, 100, 10, np.float64) == 50     # 4000 / 80 = 50 = ceil(100 / 2)
    assert conv_batching.chunk_size(np, 30, 10, np.float64) == 15      # at most one part: ceil(30 / 2)
    assert conv_batching.chunk_size(np, 10, 10, np.float64) == 10      # fits one 1000-byte chunk: no split
    assert conv_batching.chunk_size(np, 500, 10, np.float64) == 50     # the thread budget: floor(4000 / 80)
    monkeypatch.setattr(conv_batching, "THREADS", 1)
    assert conv_batching.chunk_size(np, 100, 10, np.float64) == 12     # one thread: the 1000-byte budget


def test_chunked_cols_reuses_one_zeroed_buffer_per_chunk_length():
    cols = conv_batching.ChunkedCols(np, 0, 7, 3, 4, 2, 5, np.ones(1))
    seen = list(cols)
    assert [(b0, b1) for b0, b1, _ in seen] == [(0, 3), (3, 6), (6, 7)]
    assert [c.shape for _, _, c in seen] == [(3, 4, 2, 5), (3, 4, 2, 5), (1, 4, 2, 5)]
    assert seen[0][2] is seen[1][2] and seen[2][2] is not seen[0][2]
    assert all(not c.any() and c.dtype == np.float64 for _, _, c in seen)


def test_chunked_cols_without_zero_fill_makes_the_same_buffers_unfilled(monkeypatch):
    """``zero_filled=False`` (for the CUDA gather, which writes every entry) asks for ``empty``, never ``zeros``."""
    calls = []
    monkeypatch.setattr(conv_batching, "zeros", lambda *args: calls.append(args))
    seen = list(conv_batching.ChunkedCols(np, 0, 7, 3, 4, 2, 5, np.ones(1, np.float32), zero_filled=False))
    assert not calls
    assert [c.shape for _, _, c in seen] == [(3, 4, 2, 5), (3, 4, 2, 5), (1, 4, 2, 5)]
    assert seen[0][2] is seen[1][2] and all(c.dtype == np.float32 for _, _, c in seen)


# ------------------------------------------------------------------------------------------------ threads
def test_map_batch_parts_runs_every_part_and_keeps_their_order(monkeypatch):
    monkeypatch.setattr(conv_batching, "THREADS", 3)
    parts = conv_batching.map_batch_parts(np, 10, 1, lambda lo, hi: list(range(lo, hi)))
    assert parts == [[0, 1, 2], [3, 4, 5], [6, 7, 8, 9]]
    # one chunk of work: no threads, one part
    assert conv_batching.map_batch_parts(np, 10, 10, lambda lo, hi: (lo, hi)) == [(0, 10)]


def test_parts_come_back_in_part_order_whichever_finishes_first(monkeypatch):
    """Helper threads may finish in any order; the parts (and so the order of the partial sums) never change."""
    monkeypatch.setattr(conv_batching, "THREADS", 4)
    finished = []

    def work(lo, hi):
        time.sleep(0.02 * (3 - lo))                   # part 0 (the calling thread) last, part 3 first
        finished.append(lo)
        return lo, hi

    assert conv_batching.map_batch_parts(np, 4, 1, work) == [(0, 1), (1, 2), (2, 3), (3, 4)]
    assert finished == [3, 2, 1, 0]


def test_an_error_in_a_helper_thread_reaches_the_caller_after_every_part_is_done(monkeypatch):
    monkeypatch.setattr(conv_batching, "THREADS", 3)
    done = []

    def work(lo, hi):
        if lo == 1:
            raise ValueError("boom in part 1")
        time.sleep(0.05)
        done.append(lo)
        return lo

    with pytest.raises(ValueError, match="boom in part 1"):
        conv_batching.map_batch_parts(np, 3, 1, work)
    assert sorted(done) == [0, 2]
    assert conv_batching.map_batch_parts(np, 3, 1, lambda lo, hi: lo) == [0, 1, 2]     # the helpers still work


def test_helper_threads_keep_no_reference_to_a_finished_part(monkeypatch):
    """Found by a fresh tester: after a threaded call the last part's closure, and so its input arrays, stayed alive
    in the helper thread until the next call."""
    monkeypatch.setattr(conv_batching, "THREADS", 3)

    class Big:
        pass

    big = Big()
    seen = weakref.ref(big)
    assert conv_batching.map_batch_parts(np, 3, 1, lambda lo, hi, big=big: lo) == [0, 1, 2]
    del big
    gc.collect()
    assert seen() is None


def test_map_batch_parts_inside_a_part_runs_without_waiting_for_helpers(monkeypatch):
    """A part that itself splits a batch (nested use) runs that split in its own thread: before, every thread
    waited for the others' results for good (found by a fresh tester). Without a BLAS to set (so that the split does
    not depend on which thread threadpoolctl lets set OpenBLAS's count)."""
    monkeypatch.setattr(conv_batching, "THREADS", 2)
    monkeypatch.setattr(conv_batching, "blas_library", lambda: False)
    inner = lambda lo, hi: (lo, hi)
    outer = lambda lo, hi: conv_batching.map_batch_parts(np, hi - lo, 1, inner)
    answer = []
    caller = threading.Thread(target=lambda: answer.append(conv_batching.map_batch_parts(np, 8, 1, outer)),
                              daemon=True)
    caller.start()
    caller.join(timeout=30)
    assert answer == [[[(0, 2), (2, 4)], [(0, 4)]]]        # the caller's part splits; the helper's runs whole


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_starts_its_own_helper_threads(monkeypatch):
    """The parent's helper threads do not exist in a forked child (e.g. a multiprocessing worker); a threaded call
    there must start new ones rather than wait forever on the parent's queues."""
    monkeypatch.setattr(conv_batching, "THREADS", 2)
    assert conv_batching.map_batch_parts(np, 2, 1, lambda lo, hi: lo) == [0, 1]     # helpers exist in the parent
    with warnings.catch_warnings():           # Python 3.12+ warns that forking a process with threads may deadlock
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:                                                                 # the child
        code = 2
        try:
            code = 0 if conv_batching.map_batch_parts(np, 2, 1, lambda lo, hi: lo) == [0, 1] else 1
        finally:
            os._exit(code)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        waited, status = os.waitpid(pid, os.WNOHANG)
        if waited:
            assert os.waitstatus_to_exitcode(status) == 0
            return
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    pytest.fail("the forked child's threaded call did not finish within 30 s")


def test_sum_parts_merges_partial_sums():
    rng = np.random.default_rng(0)
    parts = [rng.standard_normal((3, 4)) for _ in range(4)]
    expected = parts[0] + parts[1] + parts[2] + parts[3]
    np.testing.assert_allclose(conv_batching.sum_parts([p.copy() for p in parts]), expected, rtol=0, atol=1e-15)
    assert conv_batching.sum_parts([None, None, None]) is None
    assert conv_batching.sum_parts([5.0]) == 5.0


def test_partial_kernel_and_bias_gradients_merge_to_the_reference(monkeypatch):
    """Three threads, one sample per chunk: the kernel and bias gradients are sums of per-part partial sums; they
    must equal the gradients computed from the naive reference (linear in the kernel: its value on basis kernels)."""
    set_chunk_bytes(monkeypatch, 1)
    monkeypatch.setattr(conv_batching, "THREADS", 3)
    rng = np.random.default_rng(1)
    x, w, b = rng.standard_normal((7, 5, 3)), rng.standard_normal((3, 2, 3)), rng.standard_normal(2)
    tw, tb = tg.Tensor(w, dtype="float64", requires_grad=True), tg.Tensor(b, dtype="float64", requires_grad=True)
    y = conv1d_transpose(tg.Tensor(x, dtype="float64"), tw, tb, strides=2)
    v = rng.standard_normal(y.shape)
    y.backward(tg.Tensor(v, dtype="float64"))
    expected_w = linear_gradient(lambda e: np.sum(ref_conv1d_transpose(x, e, None, 2, "valid", None, 1) * v), w.shape)
    np.testing.assert_allclose(tw.grad.numpy(), expected_w, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(tb.grad.numpy(), v.sum(axis=(0, 1)), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("one_split", [True, False])
@pytest.mark.parametrize("strides, dilation, padding", [(1, 2, "valid"), (1, 1, "same"), (2, 1, "causal")])
def test_conv1d_backward_shares_the_batch_once_for_all_three_gradients(monkeypatch, one_split, strides, dilation,
                                                                       padding):
    """Three threads, one sample per chunk: with ONE_SPLIT_BACKWARD, conv1d's backward hands the batch to the
    threads once (dx's samples, then their share of dW and db), without it twice; either way every gradient equals
    the naive reference's (conv1d is linear in x and in W: the gradient's entries are the reference's outputs for
    basis inputs and basis kernels, dotted with the output gradient)."""
    from tinygradconv.ops import conv as conv_module

    set_chunk_bytes(monkeypatch, 1)
    monkeypatch.setattr(conv_batching, "THREADS", 3)
    monkeypatch.setattr(conv_module, "ONE_SPLIT_BACKWARD", one_split)
    monkeypatch.setattr(conv_module, "SHARED_GATHER_BACKWARD", False)      # the separate paths: dx, then dW
    splits = []
    counted = conv_batching.map_batch_parts
    monkeypatch.setattr(conv_module, "map_batch_parts", lambda *a: splits.append(a[1]) or counted(*a))
    rng = np.random.default_rng(3)
    x, w, b = rng.standard_normal((7, 9, 2)), rng.standard_normal((3, 2, 3)), rng.standard_normal(3)
    ts = [tg.Tensor(a, dtype="float64", requires_grad=True) for a in (x, w, b)]
    y = conv1d(*ts, strides=strides, padding=padding, dilation_rate=dilation)
    v = rng.standard_normal(y.shape)
    splits.clear()
    y.backward(tg.Tensor(v, dtype="float64"))
    assert splits == ([7] if one_split else [7, 7])

    np.testing.assert_allclose(ts[0].grad.numpy(), linear_gradient(
        lambda e: np.sum(ref_conv1d(e, w, None, strides, padding, dilation, 1) * v), x.shape), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ts[1].grad.numpy(), linear_gradient(
        lambda e: np.sum(ref_conv1d(x, e, None, strides, padding, dilation, 1) * v), w.shape), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ts[2].grad.numpy(), v.sum(axis=(0, 1)), rtol=1e-12, atol=1e-12)


def _blas_thread_counts(threadpoolctl):
    """The thread count of every BLAS loaded in this process, as threadpoolctl reports them."""
    return [i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]


def test_blas_thread_count_restored_after_an_exception(monkeypatch):
    threadpoolctl = pytest.importorskip("threadpoolctl")
    if not conv_batching.blas_library():
        pytest.skip("NumPy's BLAS is not controllable through threadpoolctl here")
    monkeypatch.setattr(conv_batching, "THREADS", 2)

    def work(lo, hi):
        inside = _blas_thread_counts(threadpoolctl)
        assert all(n == 1 for n in inside)                     # the parts run with a single-threaded BLAS
        if lo == 0:
            raise RuntimeError("boom in part 0")
        return hi

    with threadpoolctl.threadpool_limits(2, user_api="blas"):
        with pytest.raises(RuntimeError, match="boom in part 0"):
            conv_batching.map_batch_parts(np, 4, 1, work)
        after = _blas_thread_counts(threadpoolctl)
    assert after and all(n == 2 for n in after)


def _blas_threads_seen_by_parts(threadpoolctl):
    """``map_batch_parts`` over 4 samples in 2 parts, called from a new thread: ``(BLAS threads, thread name)`` as
    each part saw them."""
    seen = []

    def work(lo, hi):
        seen.append((max(_blas_thread_counts(threadpoolctl)), threading.current_thread().name))
        return hi

    caller = threading.Thread(target=conv_batching.map_batch_parts, args=(np, 4, 1, work), name="user-thread")
    caller.start()
    caller.join()
    return seen


def test_a_call_from_another_thread_never_runs_its_parts_on_a_multithreaded_blas(monkeypatch):
    """Recent threadpoolctl (3.8 here) lets one thread set OpenBLAS's process-wide thread count (the first one that
    sets it, usually the main thread): from any other thread ``set_num_threads`` silently does nothing. A call from
    such a thread then must not also share its batch between our threads, each of them on a multi-threaded BLAS
    (4 busy threads on 2 cores: fwd+bwd 1.1-1.6x slower than the same call from the main thread, 2026-12-01): it
    runs in the calling thread alone."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    if not conv_batching.blas_library():
        pytest.skip("NumPy's BLAS is not controllable through threadpoolctl here")
    monkeypatch.setattr(conv_batching, "THREADS", 2)
    with threadpoolctl.threadpool_limits(2, user_api="blas"):     # the main thread holds the control meanwhile
        conv_batching.map_batch_parts(np, 4, 1, lambda lo, hi: hi)
        seen = _blas_threads_seen_by_parts(threadpoolctl)
        assert len(seen) == 1 or all(count == 1 for count, _ in seen), seen
    conv_batching.map_batch_parts(np, 4, 1, lambda lo, hi: hi)        # a call from the main thread, then another
    seen = _blas_threads_seen_by_parts(threadpoolctl)
    assert len(seen) == 1 or all(count == 1 for count, _ in seen), seen
    after = _blas_thread_counts(threadpoolctl)
    assert after and all(n == conv_batching.blas_library().num_threads for n in after)


def test_calls_from_a_worker_thread_leave_the_users_blas_limits_alone(monkeypatch):
    """A worker thread's calls must never change OpenBLAS's count while the main thread enters and leaves its own
    ``threadpool_limits`` blocks: a version that claimed threadpoolctl's control for each call let such a block
    read the worker's temporary count of 1 as the one to restore, and left OpenBLAS at one thread for good (found
    by a tester: 3 runs of 3; this test failed 2 runs of 3 on that version)."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    if not conv_batching.blas_library():
        pytest.skip("NumPy's BLAS is not controllable through threadpoolctl here")

    before = max(_blas_thread_counts(threadpoolctl))
    if before < 2:
        pytest.skip(f"OpenBLAS runs {before} thread here (OPENBLAS_NUM_THREADS?): the convolutions change nothing")
    monkeypatch.setattr(conv_batching, "THREADS", 2)
    stop = threading.Event()

    def worker():
        while not stop.is_set():             # like training steps: a split call, then other work
            conv_batching.map_batch_parts(np, 4, 1, lambda lo, hi: time.sleep(0.01))
            time.sleep(0.005)

    caller = threading.Thread(target=worker)
    caller.start()                                  # the worker calls first, as in the tester's reproducer
    try:
        time.sleep(0.05)
        for _ in range(40):
            with threadpoolctl.threadpool_limits(limits=1, user_api="blas"):
                time.sleep(0.005)
            time.sleep(0.005)
    finally:
        stop.set()
        caller.join(30)
    assert not caller.is_alive()
    assert max(_blas_thread_counts(threadpoolctl)) == before


@pytest.mark.parametrize("op_name", ["conv1d", "conv1d_transpose"])
def test_three_threads_match_one_thread_and_the_reference(backend, monkeypatch, op_name):
    """THREADS=3 and THREADS=1 (one sample per chunk) give the same forward pass, equal to the naive reference, and
    the same gradients."""
    rng = np.random.default_rng(2)
    if op_name == "conv1d":
        x, w, b = rng.standard_normal((7, 9, 4)), rng.standard_normal((3, 2, 6)), rng.standard_normal(6)
        kwargs = {"strides": 2, "padding": "same", "groups": 2}
        op, reference = conv1d, ref_conv1d(x, w, b, 2, "same", 1, 2)
    else:
        x, w, b = rng.standard_normal((7, 6, 4)), rng.standard_normal((4, 3, 4)), rng.standard_normal(3)
        kwargs = {"strides": 2, "padding": "same"}
        op, reference = conv1d_transpose, ref_conv1d_transpose(x, w, b, 2, "same", None, 1)
    set_chunk_bytes(monkeypatch, 1)
    results = {}
    for threads in (1, 3):
        monkeypatch.setattr(conv_batching, "THREADS", threads)
        ts = [tg.Tensor(a, dtype="float64", backend=backend, requires_grad=True) for a in (x, w, b)]
        y = op(*ts, **kwargs)
        np.testing.assert_allclose(y.numpy(), reference, rtol=1e-12, atol=1e-12)
        (y * tg.Tensor(np.cos(np.arange(y.numpy().size)).reshape(y.shape), backend=backend)).sum().backward()
        results[threads] = [y.numpy()] + [t.grad.numpy() for t in ts]
    for one, three in zip(results[1], results[3]):
        np.testing.assert_allclose(three, one, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("op", ["conv1d", "conv1d_transpose"])
def test_parts_in_helper_threads_meet_inf_silently(op, monkeypatch):
    """inf - inf in a batch part run by a helper thread is NaN without a RuntimeWarning, as in the calling thread
    (each thread has its own NumPy error state; found while fixing the testers' warnings). Values against the
    reference loop, NaN where it has NaN."""
    monkeypatch.setattr(conv_batching, "THREADS", 2)
    set_chunk_bytes(monkeypatch, 256)
    x = np.ones((6, 9, 2))
    x[3:, 3, :], x[3:, 4, :] = np.inf, -np.inf                # samples 3-5: in the second part, a helper's
    w = np.ones((3, 2, 2))
    fn, ref = (conv1d, ref_conv1d) if op == "conv1d" else (conv1d_transpose, ref_conv1d_transpose)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = fn(tg.tensor(x), tg.tensor(w))
    with np.errstate(invalid="ignore"):                      # the reference loop meets inf - inf too
        expected = ref(x, w)
    np.testing.assert_array_equal(np.isnan(y.numpy()), np.isnan(expected))
    assert np.isnan(expected[3:]).any() and not np.isnan(expected[:3]).any()
    np.testing.assert_allclose(y.numpy()[:3], expected[:3])


def test_chunks_on_a_gpu_namespace_use_the_device_bound(monkeypatch, intel_cpu):
    """A namespace that is neither NumPy nor array-api-strict (CuPy) chunks by DEVICE_CHUNK_BYTES, not by the CPU's
    cache-sized CHUNK_BYTES: each chunk costs kernel launches there, whatever its size."""
    import types

    gpu_like = types.ModuleType("gpu_like")
    gpu_like.finfo = np.finfo
    monkeypatch.setattr(conv_batching, "CHUNK_BYTES", 1000)
    monkeypatch.setattr(conv_batching, "DEVICE_CHUNK_BYTES", 8000)
    monkeypatch.setattr(conv_batching, "THREADS", 1)
    assert conv_batching.chunk_size(np, 50, 10, np.float64) == 12          # CPU: floor(1000 / 80)
    assert conv_batching.chunk_size(gpu_like, 50, 10, np.float64) == 50    # device: floor(8000 / 80) = 100, capped
    assert conv_batching.chunk_size(gpu_like, 500, 10, np.float64) == 100


def test_conv1d_tap_group_paths_take_the_amd_chunks_and_keep_their_numbers(monkeypatch):
    """On an AMD core, one thread: conv1d's bufferless paths (forward and kernel gradient in tap groups) ask for
    chunks without a cols buffer and get AMD_CHUNK_BYTES' larger ones, while the input gradient's overlap-add keeps
    CHUNK_BYTES; value and gradients against the naive loop reference and finite sums of it."""
    from tinygradconv.ops import conv as conv_module

    monkeypatch.setattr(conv_batching, "CPU_VENDOR", "AuthenticAMD")
    monkeypatch.setattr(conv_batching, "THREADS", 1)
    monkeypatch.setattr(conv_batching, "CHUNK_BYTES", 1)              # one sample per chunk with a buffer
    monkeypatch.setattr(conv_batching, "AMD_CHUNK_BYTES", 1 << 30)    # the whole batch without one
    asked = []

    def spy(*args, **kwargs):
        step = conv_batching.chunk_size(*args, **kwargs)
        asked.append((kwargs.get("buffered", True), step))
        return step

    monkeypatch.setattr(conv_module, "chunk_size", spy)
    rng = np.random.default_rng(11)
    x, w, b = rng.standard_normal((5, 12, 3)), rng.standard_normal((3, 3, 4)), rng.standard_normal(4)
    tx, tw, tb = (tg.Tensor(a, dtype="float64", requires_grad=True) for a in (x, w, b))
    y = conv1d(tx, tw, tb, dilation_rate=2)
    np.testing.assert_allclose(y.numpy(), ref_conv1d(x, w, b, 1, "valid", 2, 1), rtol=1e-12, atol=1e-12)
    g = np.cos(np.arange(y.numpy().size)).reshape(y.shape)
    (y * tg.Tensor(g, dtype="float64")).sum().backward()
    assert (False, 5) in asked and (True, 1) in asked
    # the gradients of sum(y * g), linear in each argument: against the reference at basis directions
    for arg, grad, call in ((x, tx.grad.numpy(), lambda d: ref_conv1d(d, w, 0 * b, 1, "valid", 2, 1)),
                            (w, tw.grad.numpy(), lambda d: ref_conv1d(x, d, 0 * b, 1, "valid", 2, 1))):
        expected = np.zeros(arg.shape)
        for index in np.ndindex(arg.shape):
            basis = np.zeros(arg.shape)
            basis[index] = 1.0
            expected[index] = (call(basis) * g).sum()
        np.testing.assert_allclose(grad, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(tb.grad.numpy(), g.sum(axis=(0, 1)), rtol=1e-12, atol=1e-12)
