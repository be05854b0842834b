"""How the convolution kernels of :mod:`tinygradconv.ops.conv` walk through a batch: chunks and threads.

None of this changes what is computed, only in which pieces; the maths is in :mod:`~tinygradconv.ops.conv` and on
the page :doc:`docs/conv1d_transpose_math.md </conv1d_transpose_math>`.

* **Chunks.** The im2col / col2im intermediate ``cols`` of a whole batch can be far larger than the input, so the
  kernels work on chunks of samples ``b0:b1`` whose buffer stays below :data:`CHUNK_BYTES`
  (:func:`chunk_size`, :func:`chunks`, :class:`ChunkedCols`); below :data:`AMD_CHUNK_BYTES` for one thread on an
  AMD core in the paths without such a buffer, :data:`THREAD_CHUNK_BYTES` for threads sharing the batch.
* **Threads.** On NumPy with a multi-threaded BLAS the batch is split once into one contiguous part per BLAS thread
  (as torch splits it); the parts run at once, each with a single-threaded BLAS, and the kernel and bias gradients
  are the sums of the parts' partial sums (:func:`map_batch_parts`, :func:`sum_parts`). Other backends (CuPy,
  array-api-strict) run the whole batch in the calling thread.

  Measured limits (2 vCPUs of an AVX-512 Xeon, OpenBLAS 0.3.31, 2026-12-01): small products such as
  ``(1280, 64) @ (64, 64)`` gain only ~1.5x from two threads (``(1280, 64) @ (64, 192)`` ~2x), so the shapes with
  64 channels and one product per tap scale least. And after a product that OpenBLAS itself ran on several threads
  (a Dense layer, a batch too small to split), its worker threads keep polling for work for about 0.1 s; parts run
  during that time share the cores with them, measured up to 1.6x slower. Our helper threads block while they wait
  (torch's OpenMP threads spin): on a 2-vCPU KVM guest (AMD EPYC, 2026-12-04) the first calls after the machine sat
  idle for 0.2 s ran at one thread's speed for about 35 ms, the guest having woken the helper on the caller's vCPU
  until its load balancer moved it (``benchmarks/conv.py``, ``WARMUP_S``). A training loop does not pause like that.
"""
from __future__ import annotations

import functools
import os
import queue
import threading

import numpy as np
from array_api_compat import is_array_api_strict_namespace, is_numpy_namespace

__all__ = [
    "AMD_CHUNK_BYTES",
    "CHUNK_BYTES",
    "DEVICE_CHUNK_BYTES",
    "THREADS",
    "THREAD_CHUNK_BYTES",
    "ChunkedCols",
    "blas_library",
    "chunk_size",
    "chunks",
    "contiguous_copy",
    "cpu_vendor",
    "map_batch_parts",
    "on_cpu",
    "on_for_this_cpu",
    "sum_parts",
    "zeros",
]

#: Upper bound (bytes) of the per-chunk ``cols`` buffer (the im2col / col2im intermediate) on the CPU. A batch
#: whose intermediate fits in one such chunk is too little work to share between threads (:func:`thread_count`).
CHUNK_BYTES = 1 << 20

#: The same bound for one thread on an AMD core (:func:`cpu_vendor`), for the paths that keep no ``cols`` buffer
#: (:func:`chunk_size`'s ``buffered=False``), when the batch does not fit in one chunk of :data:`CHUNK_BYTES`:
#: fewer, larger chunks cost fewer NumPy calls, and there that paid. On one core of an AMD EPYC (Zen 4, OpenBLAS
#: 0.3.31, 2026-12-05, ``benchmarks/ab.py``, 8 rounds), with every chunk of 4 MiB instead of 1 MiB, forward+backward
#: took: ``conv1d`` 0.90x on the medium and dilated (d = 2, 3, 4) shapes, 0.93x with s = 4, k = 8, 0.84x on the long
#: signal; ``conv1d_transpose`` 0.95-0.98x; level on the 256-channel, large and small shapes (both ops). 16 MiB was
#: slower on the large shape (1.05-1.07x) and with s = 4, k = 8 (1.16x), 2 MiB in between. But the larger ``cols``
#: buffers of the other paths raised ``conv1d_transpose``'s peak memory above torch's (medium 12.4 against 12.3 MiB,
#: dilated 10.1 against 8.4, channels_first 14.4 against 12.5), so only the bufferless paths take it: ``conv1d``
#: forward+backward then took 0.94x the time of 1 MiB chunks (dilated3, medium, s = 4, k = 8, long). On an AVX-512
#: Xeon (2026-12-01, before the tap-group paths) 2 and 4 MiB were 1-2 % slower than 1 MiB, so other CPUs keep
#: :data:`CHUNK_BYTES`.
AMD_CHUNK_BYTES = 4 << 20

#: The same bound on a GPU (CuPy). There every chunk costs a few kernel launches of some microseconds each, whatever
#: its size, and the device memory is large: with 1 MiB chunks, conv1d forward+backward on the ``large`` benchmark
#: shapes (64 samples of 1024 steps, 128 channels, k = 7) ran one sample per chunk and took 62.7 ms on an H200,
#: 120x torch's time (2026-12-04).
DEVICE_CHUNK_BYTES = 64 << 20

#: The same bound when the batch is shared between threads. Every chunk costs some NumPy calls whose Python part
#: holds the GIL, so threads working on small chunks wait for each other: on 2 vCPUs of an AVX-512 Xeon
#: (2026-12-01), conv1d forward+backward on the dilated benchmark shapes took 6.7 ms with 1 MiB chunks and 5.7 ms
#: with 4 MiB (one thread: 1 MiB is best, 7.6 ms against 8.3 ms). Measured again with the tap-group paths
#: (2026-12-06, ``benchmarks/ab.py``, 10 rounds, forward+backward): 2 MiB was level on the dilated, medium and
#: 256-channel shapes and slower on the long signal (conv1d 1.12x, conv1d_transpose 1.06x) and on
#: conv1d_transpose's dilated and medium shapes (1.07-1.09x).
THREAD_CHUNK_BYTES = 4 << 20

#: Threads that share the batch; ``None``: as many as NumPy's BLAS uses (through ``threadpoolctl``, 1 without it).
THREADS = None

#: The CPU maker that the per-maker limits go by (:func:`cpu_vendor`); ``None``: this machine's. A name such as
#: ``"AuthenticAMD"`` or ``"GenuineIntel"`` stands in for it, so that one maker's limits can be measured on the
#: other's CPU (``python benchmarks/ab.py conv1d medium --variant conv_batching.CPU_VENDOR=AuthenticAMD``).
CPU_VENDOR = None

_blas_controller = None          # threadpoolctl's controller of NumPy's BLAS; False when there is none
_helpers = []                    # the task queue of each helper thread that runs parts 1, 2, ... (part 0: caller)
_in_helper = threading.local()    # .active is True in the helper threads
if hasattr(os, "register_at_fork"):  # a forked child has none of its parent's threads: it starts its own
    os.register_at_fork(after_in_child=_helpers.clear)


def zeros(xp, shape, like):
    """Zeros of ``shape`` with the dtype and device of the array ``like``."""
    return xp.zeros(shape, dtype=like.dtype, device=getattr(like, "device", None))


# ----------------------------------------------------------------------------------------------------------------
# Chunks of the batch
# ----------------------------------------------------------------------------------------------------------------
def chunk_size(xp, batch, elements_per_sample, dtype, buffered=True):
    """How many samples of ``elements_per_sample`` values of ``dtype`` fit in :data:`CHUNK_BYTES` (1 to ``batch``;
    :data:`DEVICE_CHUNK_BYTES` on a GPU).

    When that makes several chunks and the batch is shared between ``n > 1`` threads, chunks of up to
    :data:`THREAD_CHUNK_BYTES` instead, at most one part (``ceil(batch / n)`` samples) each. In one thread on an
    AMD core (:func:`cpu_vendor`), a path that keeps no ``cols`` buffer (``buffered=False``: the tap-group products
    of ``conv1d``'s forward and kernel gradient, whose chunks hold only their products' temporaries) takes chunks of
    up to :data:`AMD_CHUNK_BYTES`, still counted in ``cols`` sizes.

    >>> import numpy as np
    >>> chunk_size(np, 100, 1024, np.float32)           # 4 KiB per sample: 256 fit in 1 MiB, capped at the batch
    100
    """
    per_sample = max(elements_per_sample * float_bytes(xp, dtype), 1)
    cpu = on_cpu(xp)
    step = max(1, min(batch, (CHUNK_BYTES if cpu else DEVICE_CHUNK_BYTES) // per_sample))
    if step == batch:
        return step
    n = _threads(xp, batch)
    if n > 1:
        return max(step, min(THREAD_CHUNK_BYTES // per_sample, -(-batch // n)))
    if cpu and not buffered and cpu_vendor() == "AuthenticAMD":
        return max(step, min(batch, AMD_CHUNK_BYTES // per_sample))
    return step


def cpu_vendor():
    """The CPU's maker as Linux names it (``vendor_id`` in ``/proc/cpuinfo``: ``"GenuineIntel"``,
    ``"AuthenticAMD"``), or ``""`` where that file is missing or says nothing; :data:`CPU_VENDOR` instead when set.

    >>> import tinygradconv.ops.conv_batching as conv_batching
    >>> cpu_vendor() == (conv_batching.CPU_VENDOR or _cpuinfo_vendor())
    True
    """
    return _cpuinfo_vendor() if CPU_VENDOR is None else CPU_VENDOR


def on_for_this_cpu(switch, vendors):
    """A per-CPU switch's value: ``switch`` when it is set (``True`` or ``False``), else (``None``, the default)
    whether this CPU's maker (:func:`cpu_vendor`) is one of ``vendors``, those on which the path was measured to pay
    (:data:`~tinygradconv.ops.conv_phases.PHASE_PATH`, :data:`~tinygradconv.ops.conv_winograd.WINOGRAD`).

    >>> on_for_this_cpu(None, {cpu_vendor()}), on_for_this_cpu(None, set()), on_for_this_cpu(False, {cpu_vendor()})
    (True, False, False)
    """
    return cpu_vendor() in vendors if switch is None else switch


@functools.lru_cache(maxsize=1)
def _cpuinfo_vendor():
    """``vendor_id`` of ``/proc/cpuinfo`` (read once), or ``""``."""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("vendor_id"):
                    return line.partition(":")[2].strip()
    except OSError:
        pass
    return ""


@functools.lru_cache(maxsize=8)
def on_cpu(xp):
    """Whether ``xp`` computes on the CPU (NumPy, array-api-strict), rather than on a GPU (CuPy).

    >>> import numpy as np
    >>> on_cpu(np)
    True
    """
    return is_numpy_namespace(xp) or is_array_api_strict_namespace(xp)


@functools.lru_cache(maxsize=64)
def float_bytes(xp, dtype):
    """Bytes per value of the floating-point ``dtype`` (``finfo(dtype).bits // 8``, kept per namespace and dtype:
    ``finfo`` costs a few microseconds, and a convolution asks several times per call).

    >>> import numpy as np
    >>> float_bytes(np, np.float32)
    4
    """
    return xp.finfo(dtype).bits // 8


def chunks(lo, hi, step):
    """The chunks ``(b0, b1)`` of ``lo:hi``, ``step`` samples each (the last one may be shorter).

    >>> list(chunks(0, 7, 3))
    [(0, 3), (3, 6), (6, 7)]
    """
    for b0 in range(lo, hi, step):
        yield b0, min(b0 + step, hi)


class ChunkedCols:
    """Batch chunks of ``lo:hi`` whose ``cols`` buffers ``(chunk, P, k, C)`` hold ``step`` samples at most.

    Iterating gives ``(b0, b1, cols)``; one zero-filled buffer is reused for every full chunk (the entries that the
    gather never writes stay zero), a second one serves a shorter last chunk. ``zero_filled=False`` leaves them
    unfilled, for a gather that writes every entry, zeros included (the CUDA kernel of :func:`.conv_cuda.gather`).
    """

    def __init__(self, xp, lo, hi, step, short_len, kernel_size, channels, like, zero_filled=True):
        self.xp, self.lo, self.hi, self.step, self.like = xp, lo, hi, step, like
        self.tail = (short_len, kernel_size, channels)
        self.zero_filled = zero_filled
        self._buffers = {}

    def buffer(self, n):
        """The ``(n, P, k, C)`` buffer (created once per ``n``), zero-filled unless ``zero_filled=False``."""
        if n not in self._buffers:
            shape, like = (n, *self.tail), self.like
            self._buffers[n] = (zeros(self.xp, shape, like) if self.zero_filled
                                else self.xp.empty(shape, dtype=like.dtype, device=getattr(like, "device", None)))
        return self._buffers[n]

    def __iter__(self):
        for b0, b1 in chunks(self.lo, self.hi, self.step):
            yield b0, b1, self.buffer(b1 - b0)


# ----------------------------------------------------------------------------------------------------------------
# Sharing the batch between threads (NumPy): one contiguous part per BLAS thread, like torch's batch split
# ----------------------------------------------------------------------------------------------------------------
def blas_library():
    """threadpoolctl's controller of NumPy's BLAS (``internal_api``, ``architecture``, ``num_threads``,
    ``set_num_threads``), or ``False`` (no threadpoolctl, or not exactly one BLAS loaded)."""
    global _blas_controller
    if _blas_controller is None:
        try:
            from threadpoolctl import ThreadpoolController
            libraries = ThreadpoolController().select(user_api="blas").lib_controllers
        except ImportError:
            libraries = []
        _blas_controller = libraries[0] if len(libraries) == 1 else False
    return _blas_controller


def thread_count(xp, batch, step):
    """Threads for ``batch`` samples in chunks of ``step``: 1 for one chunk of work or a non-NumPy backend."""
    return 1 if batch <= step else _threads(xp, batch)


def _threads(xp, batch):
    """Threads that may share ``batch`` samples: :data:`THREADS`, else NumPy's BLAS threads (1 off NumPy)."""
    if THREADS is not None:
        return min(THREADS, batch)
    if not is_numpy_namespace(xp) or not blas_library():
        return 1
    return min(blas_library().num_threads, batch)


def part_bounds(batch, n):
    """The ``n`` contiguous parts ``(lo, hi)`` of ``range(batch)``, sizes differing by one at most.

    >>> part_bounds(7, 3)
    [(0, 2), (2, 4), (4, 7)]
    """
    return [(batch * i // n, batch * (i + 1) // n) for i in range(n)]


def map_batch_parts(xp, batch, step, work):
    """``[work(lo, hi) for each part]`` over contiguous parts ``lo:hi`` of the batch.

    With ``n > 1`` threads (:func:`thread_count`) the ``n`` parts run at once, each calling a single-threaded BLAS
    (NumPy releases the GIL in ``matmul`` and array copies): a multi-threaded BLAS would split every small per-chunk
    GEMM between the threads and make each chunk wait for all of them. A batch of one part (one chunk) runs in the
    calling thread, also with a single-threaded BLAS: its products are small, and a product run on OpenBLAS's own
    threads leaves them polling for work afterwards, which slowed the next split calls up to 2x for a few hundred
    milliseconds (a ``batch=1`` call before the dilated benchmark case, 2 threads, 2026-12-01). That costs one
    sample its second core: on 2 vCPUs of an AMD EPYC (2026-12-04) the ``batch1`` case on OpenBLAS's threads, one
    GEMM per matrix, took 0.73 of the time, but split calls in the next 100-150 ms ran 1.7x slower, and split calls
    on OpenBLAS's threads instead of ours 1.3-1.9x slower
    (:doc:`docs/conv1d_transpose_math.md </conv1d_transpose_math>`, "Measured and not adopted"). The BLAS thread
    count is restored afterwards, also when ``work`` raises.

    Recent threadpoolctl (3.8 here) lets one thread set OpenBLAS's thread count, which is process-wide: the first
    one that sets it, usually the main thread; from any other thread its ``set_num_threads`` silently does nothing.
    A call that could not set the count runs in the calling thread alone, on OpenBLAS's own threads: sharing the
    batch between our threads on top of a multi-threaded BLAS made fwd+bwd 1.1-1.6x slower than the same call from
    the main thread (4 busy threads on 2 cores, 2026-12-01). The control is left where threadpoolctl puts it: a
    version that claimed it for every call and gave it back afterwards let a worker thread's call change the count
    while the main thread's ``threadpool_limits`` read it, and left OpenBLAS at one thread for good (found by a
    tester).
    """
    n = 1 if getattr(_in_helper, "active", False) else thread_count(xp, batch, step)
    blas = blas_library() if is_numpy_namespace(xp) else False
    if n == 1 and not blas:
        return [work(0, batch)]
    saved = blas.num_threads if blas else None
    try:
        if blas and saved != 1:
            blas.set_num_threads(1)
            if blas.num_threads != 1:        # another thread controls OpenBLAS's count: no threads of ours on top
                n = 1
        if n == 1:
            return [work(0, batch)]
        bounds = part_bounds(batch, n)
        results = queue.SimpleQueue()
        for i, (tasks, (lo, hi)) in enumerate(zip(_helper_queues(n - 1), bounds[1:]), start=1):
            tasks.put((i, work, lo, hi, results))
        try:
            first = work(*bounds[0])
        finally:                         # every part is done before the BLAS threads are restored, even on error
            others = sorted((results.get() for _ in bounds[1:]), key=lambda result: result[0])
        for _, error, _ in others:
            if error is not None:
                raise error
        return [first] + [value for _, _, value in others]
    finally:
        if blas and saved != 1:
            blas.set_num_threads(saved)


def _helper_queues(count):
    """The task queues of ``count`` helper threads, started on first use and kept (daemon threads, idle between
    calls). A plain thread per queue, not a ``concurrent.futures`` pool: handing out a part and collecting its result
    through ``SimpleQueue`` costs about 10 us, through ``ThreadPoolExecutor`` futures about 50 us (2 vCPUs of an
    AVX-512 Xeon, 2026-12-01), and a convolution's forward+backward hands out two or three: 1.5-7 % of conv1d and
    conv1d_transpose forward+backward with 2 threads on the dilated benchmark shapes. On 2 vCPUs of an AMD EPYC
    (KVM, 2026-12-04) a part that does nothing costs about 90 us, a ``SimpleQueue`` round trip between two threads
    64 us, so work under about a millisecond is not worth sharing there: the forward of conv1d with one sample
    (the ``batch1`` benchmark case) split into two halves of its output steps took 0.42 ms against 0.19 ms in one
    thread, and its input and kernel gradients computed side by side 0.50 ms against 0.48 ms one after the other.
    That is why a batch that is one chunk runs in the calling thread (:func:`map_batch_parts`)."""
    while len(_helpers) < count:
        tasks = queue.SimpleQueue()
        threading.Thread(target=_run_parts, args=(tasks,), name=f"tinygradconv-{len(_helpers) + 1}",
                         daemon=True).start()
        _helpers.append(tasks)
    return _helpers[:count]


def _run_parts(tasks):
    """A helper thread's loop: run each part ``(i, work, lo, hi, results)`` it is given and put ``(i, error, value)``
    into ``results`` (``error`` is ``None``, or the exception, which the calling thread raises). It keeps no
    reference to a part once handed back (the arrays its ``work`` reads would otherwise stay alive until the next
    part), and a ``map_batch_parts`` inside a part runs in this thread (:data:`_in_helper`) instead of waiting for
    helpers that may be busy with its own caller's parts. Its NumPy floating-point warnings are off for good (each
    thread has its own setting, and these threads run only the ops' parts): ``inf - inf`` in a part is NaN
    silently, as in the calling thread (``Function.apply``)."""
    _in_helper.active = True
    np.seterr(divide="ignore", invalid="ignore", over="ignore")
    while True:
        i, work, lo, hi, results = tasks.get()
        try:
            results.put((i, None, work(lo, hi)))
        except BaseException as error:  # noqa: BLE001 (any error goes to the calling thread, which raises it)
            results.put((i, error, None))
        finally:
            work = results = None


def contiguous_copy(xp, a):
    """``a`` (a view ``(B, ...)``, e.g. a permuted one) copied into a new C-ordered array, its samples shared between
    threads as in :func:`map_batch_parts`; namespaces without ``ascontiguousarray`` (array-api-strict) get ``a``
    back unchanged.

    >>> import numpy as np
    >>> a = np.arange(6.0).reshape(1, 2, 3).transpose(0, 2, 1)
    >>> b = contiguous_copy(np, a)
    >>> b.flags.c_contiguous, bool((b == a).all()), np.shares_memory(a, b)
    (True, True, False)
    """
    if getattr(xp, "ascontiguousarray", None) is None:
        return a
    if not is_numpy_namespace(xp):
        return xp.ascontiguousarray(a)
    out = xp.empty(a.shape, dtype=a.dtype)
    batch = a.shape[0]

    def part(lo, hi):
        out[lo:hi] = a[lo:hi]

    map_batch_parts(xp, batch, chunk_size(xp, batch, a.size // max(batch, 1), a.dtype), part)
    return out


def sum_parts(parts):
    """Sum of the per-part partial results, added into the first (``None`` stays ``None``).

    >>> sum_parts([1.0, 2.0, 3.0]), sum_parts([None, None])
    (6.0, None)
    """
    total = parts[0]
    if total is not None:
        for p in parts[1:]:
            total += p
    return total
