r"""The convolutions' gather (im2col) and overlap-add (col2im) as one CUDA kernel each, for CuPy arrays.

:func:`~tinygradconv.ops.conv._gather` and :func:`~tinygradconv.ops.conv._scatter_add` move data tap by tap: ``k``
strided slice copies or adds, one per tap ``t`` of the kernel. On the CPU a slice costs about a microsecond
of Python. On a GPU each slice is a kernel launch with Python and CUDA around it (tens of microseconds, whatever its
size), and at the benchmark sizes the GPU waits for the host. Here each of the two is one kernel over every tap,
an ``ElementwiseKernel`` of CuPy (one GPU thread per entry written), with the tap ranges of
:func:`~tinygradconv.ops.conv._tap_ranges` as a small table on the device, row ``t`` holding
``(p0, p1, shift)``: tap ``t`` links step ``p`` of the short signal, for ``p0 <= p < p1``, to step
``n = p*s + shift`` of the long one (``shift = t*d - offset``; a tap that meets no sample has ``p0 = p1 = 0``).

* gather, one thread per entry of ``cols`` ``(B, P, k, C)``::

      cols[b, p, t, c] = v[b, p*s + shift_t, c]   if p0_t <= p < p1_t,   else 0

  (every entry written, so ``cols`` need not start from zeros);
* overlap-add, one thread per entry of ``v`` ``(B, M, C)``, summing over the taps instead of adding tap by tap
  (no two threads write the same entry, so no atomic adds, and the result does not depend on the thread order)::

      v[b, n, c] += sum over t = 0, 1, ..., k-1 with n - shift_t = p*s, p0_t <= p < p1_t of cols[b, p, t, c]

  added in the order of the taps, from the entry's old value, as the tap-by-tap slices add them: the two paths
  give the same floating-point numbers.

Both take their arrays with any strides (the kernels index them by ``(b, n, c)``). The kernel sources are the
constants :data:`GATHER` and :data:`SCATTER_ADD`; the tests also compile them with the system C++ compiler and a
small stand-in for CuPy's array class, so that their index arithmetic is checked on machines without a GPU.
Measured on an H200 (CuPy 14.2) against the tap-by-tap slices: see ``docs/performance/gpu/``.
"""
from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np
from array_api_compat import is_cupy_array

__all__ = ["GATHER", "SCATTER_ADD", "KernelSource", "gather", "scatter_add", "serves"]

#: Set to ``False`` to make CuPy arrays take the tap-by-tap slices too (tests and the GPU benchmark compare both).
FUSED_KERNELS = True


class KernelSource(NamedTuple):
    """The four arguments of ``cupy.ElementwiseKernel``: input and output parameters, the body run for entry ``i``
    of the output, and the kernel's name."""

    in_params: str
    out_params: str
    operation: str
    name: str


#: ``cols[b, p, t, c] = v[b, p*s + shift_t, c]`` where tap ``t`` covers step ``p``, else 0 (``k`` taps,
#: ``C`` channels, ``P`` steps of ``cols``).
GATHER = KernelSource(
    "raw T v, raw int64 taps, int64 steps, int64 k, int64 c, int64 s",
    "T cols",
    """
    const ptrdiff_t ch = i % c;
    const ptrdiff_t t = (i / c) % k;
    const ptrdiff_t p = (i / (c * k)) % steps;
    const ptrdiff_t b = i / (c * k * steps);
    if (p >= taps[3 * t] && p < taps[3 * t + 1]) {
        const ptrdiff_t at[3] = {b, p * s + taps[3 * t + 2], ch};
        cols = v[at];
    } else {
        cols = T(0);
    }
    """,
    "tinygradconv_gather")

#: ``v[b, n, c] += cols[b, p, t, c]`` over the taps ``t`` (in order) that bring a step ``p`` of ``cols`` to step
#: ``n = p*s + shift_t`` of ``v`` (``M`` steps of ``v``).
SCATTER_ADD = KernelSource(
    "raw T cols, raw int64 taps, int64 length, int64 k, int64 c, int64 s",
    "T v",
    """
    const ptrdiff_t ch = i % c;
    const ptrdiff_t n = (i / c) % length;
    const ptrdiff_t b = i / (c * length);
    T total = v;
    for (ptrdiff_t t = 0; t < k; ++t) {
        const ptrdiff_t q = n - taps[3 * t + 2];
        if (q >= 0 && q % s == 0 && q / s >= taps[3 * t] && q / s < taps[3 * t + 1]) {
            const ptrdiff_t at[4] = {b, q / s, t, ch};
            total += cols[at];
        }
    }
    v = total;
    """,
    "tinygradconv_scatter_add")


def serves(*arrays):
    """Whether the fused kernels serve these arrays: all are CuPy arrays (and :data:`FUSED_KERNELS` is on).

    >>> import numpy as np
    >>> serves(np.zeros(3))
    False
    """
    return FUSED_KERNELS and all(is_cupy_array(a) for a in arrays)


def tap_table(ranges, kernel_size, strides):
    """The rows ``(p0, p1, shift)`` of the ``kernel_size`` taps, flattened, from the ranges ``(t, p0, p1, n0, n_stop)``
    of :func:`~tinygradconv.ops.conv._tap_ranges` (``shift = n0 - p0*s``); zeros for a tap left out of ``ranges``.

    >>> tap_table(((0, 0, 3, 0, 5), (1, 0, 3, 1, 6)), 3, 2).tolist()
    [0, 3, 0, 0, 3, 1, 0, 0, 0]
    """
    table = np.zeros((kernel_size, 3), dtype=np.int64)
    for t, p0, p1, n0, _ in ranges:
        table[t] = (p0, p1, n0 - p0 * strides)
    return table.reshape(-1)


@functools.lru_cache(maxsize=256)
def _device_tap_table(ranges, kernel_size, strides, device_id):
    """:func:`tap_table` on GPU ``device_id``, kept: the same ranges come back at every call of a layer."""
    import cupy

    with cupy.cuda.Device(device_id):
        return cupy.asarray(tap_table(ranges, kernel_size, strides))


@functools.cache
def _kernel(source):
    import cupy

    return cupy.ElementwiseKernel(*source)


def _taps_on_device(v, ranges, kernel_size, strides):
    """The tap table of ``ranges`` on the GPU of ``v`` (:func:`_device_tap_table`)."""
    return _device_tap_table(ranges, kernel_size, strides, v.device.id)


def _check_geometry(v, cols, ranges):
    """A ValueError unless ``v`` ``(B, M, C)``, ``cols`` ``(B, P, k, C)`` and ``ranges`` fit together: the kernels
    read and write by index, where a slice would have raised (a programming error, never a user's input)."""
    batch, length, channels = v.shape
    if (cols.shape[0] != batch or cols.shape[3] != channels
            or any(t >= cols.shape[2] or p1 > cols.shape[1] or n_stop > length for t, _, p1, _, n_stop in ranges)):
        raise ValueError(f"conv_cuda: signal {tuple(v.shape)}, cols {tuple(cols.shape)} and tap ranges {ranges} do "
                         "not fit together (expected cols (B, P, k, C) for a signal (B, M, C), every range inside "
                         "both)")


def gather(long, cols, ranges, strides, rows=slice(None)):
    """:func:`~tinygradconv.ops.conv._gather` in one kernel (:data:`GATHER`): ``cols[b - b0, p, t, :] =
    long[b, p*s + shift_t, :]`` for ``b`` in ``rows = b0:b1``, zeros where tap ``t`` does not cover step ``p``;
    returns ``cols`` ``(b1 - b0, P, k, C)``. Raises ValueError when the shapes and ranges do not fit together."""
    v = long[rows, :, :]
    _check_geometry(v, cols, ranges)
    if cols.size:
        _, steps, k, c = cols.shape
        _kernel(GATHER)(v, _taps_on_device(v, ranges, k, strides), steps, k, c, strides, cols)
    return cols


def scatter_add(cols, long, ranges, strides, rows=slice(None)):
    """:func:`~tinygradconv.ops.conv._scatter_add` in one kernel (:data:`SCATTER_ADD`): ``long[b, p*s + shift_t, :]
    += cols[b - b0, p, t, :]`` for ``b`` in ``rows = b0:b1`` and every tap ``t`` covering step ``p``; returns
    ``long``. Raises ValueError when the shapes and ranges do not fit together."""
    v = long[rows, :, :]
    _check_geometry(v, cols, ranges)
    if v.size and cols.size:
        _, length, c = v.shape
        k = cols.shape[2]
        _kernel(SCATTER_ADD)(cols, _taps_on_device(v, ranges, k, strides), length, k, c, strides, v)
    return long
