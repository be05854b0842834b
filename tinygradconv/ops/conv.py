r"""1-D convolution and transposed convolution (Keras layouts and semantics), forward and backward by GEMM.

Notation: batch ``B``, input length ``L``, taps ``k``, stride ``s``, dilation ``d``, channels ``C_in``, ``filters``.
Layouts are Keras': inputs ``(B, L, C)`` (``channels_last``) or ``(B, C, L)`` (``channels_first``); the conv1d
kernel is ``(k, C_in / groups, filters)``, the conv1d_transpose kernel ``(k, filters, C_in)``.

Both ops are built from one pair of index helpers. A "short" signal ``u`` (length ``P``) and a "long" signal ``v``
(length ``M``) are linked by the taps: sample ``p`` of ``u`` meets sample ``n = p*s + t*d - offset`` of ``v`` through
tap ``t`` (pairs with ``n`` outside ``[0, M)`` meet zeros):

* :func:`_gather`  builds ``cols[b, p, t, :] = v[b, p*s + t*d - offset, :]`` (im2col),
* :func:`_scatter_add` does ``v[b, p*s + t*d - offset, :] += cols[b, p, t, :]`` (col2im, the overlap-add),

each as ``k`` strided slice copies, never a loop over elements. With them::

    conv1d            y  = gather(x_padded) @ W          (u = y,  v = x, offset = left padding)
    conv1d_transpose  y  = scatter_add(x @ W^T)          (u = x,  v = y, offset = left crop)

and the gradients are the mirror images (the adjoint of a gather is a scatter-add and vice versa):

* conv1d:            ``dx = scatter_add(dy @ W^T)`` -- the transposed convolution of ``dy`` with the same kernel
  (:func:`conv1d_backward` calls :func:`conv1d_transpose_forward`), ``dW = gather(x)^T @ dy``;
* conv1d_transpose:  ``dx = gather(dy) @ W`` -- the matching conv1d of ``dy`` with the same kernel
  (:func:`conv1d_transpose_backward_reference` calls :func:`conv1d_forward`), ``dW = gather(dy)^T @ x``;
  :func:`conv1d_transpose_backward` computes both from one shared gather;
* bias:              ``db = ones @ dy`` (the sum of ``dy`` over batch and steps, as a GEMV on ``(B*N, filters)``).

Everything goes through the Array API namespace ``xp`` (``matmul``, ``reshape``, ``permute_dims``, ``zeros`` and
exact, in-range slices), so the same code runs on NumPy, CuPy and array-api-strict. How a batch is cut into chunks
and shared between threads lives in :mod:`~tinygradconv.ops.conv_batching`. The derivations and the matrix view
are on the page :doc:`docs/conv1d_transpose_math.md </conv1d_transpose_math>`, and so are the optimised paths,
each a named function below, chosen by a small rule and tested against the plain path (the tap groups and the
shared gather only while the taps do not outnumber the steps of their products, :func:`_rows_outnumber_taps`: a
kernel longer than the signal takes the plain path):

* :func:`_transpose_forward_blocked` (the blocked overlap-add: ``s == 1``, or ``1 < s <= k`` with ``d == 1``, while
  the full output is no longer than ``k*L``),
* :func:`_takes_correlation` (``conv1d_transpose`` with ``s == 1``, a long kernel, ``k >= 32``, no longer than the
  input, and few channels: the correlation of the padded input with the flipped kernel, by :func:`conv1d_forward`),
* :func:`_kernel_grad_blocked` (conv1d's kernel gradient by tap groups, on the same shapes),
* :func:`_conv1d_forward_blocked` (conv1d's forward by the same tap groups, :func:`_tap_blocks`),
* :func:`_gather_strided_numpy` (NumPy: the gather's interior rows in one strided copy),
* :mod:`~tinygradconv.ops.conv_cuda` (CuPy: the gather and the overlap-add as one CUDA kernel each, over every tap,
  instead of one slice per tap),
* :func:`conv1d_transpose_backward` (one gather shared by both gradients),
* :func:`_conv1d_backward_shared` (conv1d with ``s == 1`` and both gradients wanted: both from one gather of
  ``dy``, its im2col matrix for the convolution with the flipped kernel, while the numbers at the edges are finite
  and it is no larger than what the separate paths write, :func:`_shared_gather_pays`);
  the tap groups and this shared gather serve the CPU only (:func:`_tuned_for_cpu`): on a GPU the plain gather
  and its one GEMM per chunk make fewer calls, and were up to 2x faster there,
* :mod:`~tinygradconv.ops.gemm_blocks` (NumPy with OpenBLAS on an AVX-512 core: the tap products and the kernel
  gradient's per-sample products in blocks of rows small enough for OpenBLAS's unpacked small-matrix kernels,
  with limits measured per CPU maker),
* :func:`_add_bias` (NumPy: the bias as one contiguous add), :func:`_to_channels_last` (``conv1d_transpose``:
  ``channels_first`` inputs copied once to the kernels' layout) and :func:`_input_rows` (``conv1d``: a
  ``channels_first`` input copied chunk by chunk),
* :mod:`~tinygradconv.ops.conv_phases` (NumPy on an AMD CPU by default, where it was measured to pay; ``conv1d``
  on a ``channels_first`` input with ``1 < s <= k``, no dilation, one group: the forward and the kernel gradient
  with the stride's phases stacked as channels, in the input's own layout; :func:`_takes_phases`),
* :mod:`~tinygradconv.ops.conv_winograd` (NumPy on an AMD CPU by default, where it was measured to pay; ``k == 3``,
  ``s == 1``, one group, float32/float64, at least 128 input channels and filters, 256 on one side, at least 32
  output steps: Winograd's F(2, 3), the forward pass and both gradients of both ops in four GEMMs per two output
  steps instead of six; :func:`_takes_winograd`; where an output is not finite the paths above compute it again).
"""
from __future__ import annotations

import functools

import numpy as np
from array_api_compat import is_numpy_namespace

from .. import config
from ..autograd import Function, Sample, register_op
from ..backend import dtype_name
from ..tensor import Tensor
from ..validation import (
    CONV_PADDINGS,
    TRANSPOSE_PADDINGS,
    normalize_int,
    normalize_output_padding,
    normalize_padding,
    physical_memory,
)
from . import conv_batching, conv_cuda, gemm_blocks
from .conv_arithmetic import conv_pads, conv_steps, full_transpose_length, transpose_window
from .conv_batching import (
    ChunkedCols,
    chunk_size,
    chunks,
    contiguous_copy,
    float_bytes,
    map_batch_parts,
    on_cpu,
    sum_parts,
    zeros,
)
from .conv_phases import conv1d_forward_phases, conv1d_kernel_grad_phases, takes_phase_path
from .conv_winograd import conv1d_winograd, kernel_grad_winograd, takes_winograd

__all__ = ["Conv1dOp", "Conv1dTransposeOp", "conv1d", "conv1d_transpose"]


# ----------------------------------------------------------------------------------------------------------------
# The shared index helpers: gather (im2col) and scatter-add (col2im)
# ----------------------------------------------------------------------------------------------------------------
#: The longest kernel whose tap plans (:func:`_tap_ranges`, :func:`_tap_blocks`) are kept in a cache (a plan takes
#: about :data:`TAP_PLAN_BYTES` a tap: a cached plan of 10**6 taps held 200 MB until the process ended).
CACHED_TAPS = 4096


def _plan_cache(kernel_arg):
    """Decorate a pure function of a kernel's plan with an LRU cache of 1024 calls that it takes only for kernels of
    at most :data:`CACHED_TAPS` taps (the ``kernel_arg``-th positional argument); longer kernels' plans are
    computed each time and freed after (a reviewer found a cache holding 84 MB of one such plan)."""
    def decorate(plan):
        cached = functools.lru_cache(maxsize=1024)(plan)

        @functools.wraps(plan)
        def planned(*args):
            return (cached if args[kernel_arg] <= CACHED_TAPS else plan)(*args)

        planned.cache_clear = cached.cache_clear
        planned.cache_info = cached.cache_info
        return planned

    return decorate


@_plan_cache(kernel_arg=2)
def _tap_ranges(short_len, long_len, kernel_size, strides, dilation_rate, offset):
    """For each tap ``t``, the short positions ``p`` in ``[p0, p1)`` whose partner ``n = p*s + t*d - offset`` lies in
    ``[0, long_len)``; returned as ``(t, p0, p1, n0, n_stop)`` with the exact slice ``v[n0:n_stop:s]``.
    Taps that meet no sample are left out. A tuple, cached up to :data:`CACHED_TAPS` taps: a pure function of
    integers, needed several times per forward and backward call, whose few microseconds count on small inputs.

    >>> _tap_ranges(3, 7, 2, 2, 1, 0)
    ((0, 0, 3, 0, 5), (1, 0, 3, 1, 6))
    """
    s, d = strides, dilation_rate
    ranges = []
    for t in range(kernel_size):
        shift = t * d - offset
        p0 = max(0, -(shift // s))                       # ceil(-shift / s), at least 0
        p1 = min(short_len, (long_len - 1 - shift) // s + 1)
        if p1 > p0:
            n0 = p0 * s + shift
            ranges.append((t, p0, p1, n0, n0 + (p1 - p0 - 1) * s + 1))
    return tuple(ranges)


def _gather(long, cols, ranges, strides, rows=slice(None)):
    """Fill ``cols[b - b0, p, t, :] = long[b, p*s + t*d - offset, :]`` for ``b`` in ``rows = b0:b1`` and the
    covered ``(p, t)``.

    ``cols`` must hold zeros where no sample is met (see :class:`~tinygradconv.ops.conv_batching.ChunkedCols`);
    those entries are never written. On NumPy the rows that every tap covers are copied by
    :func:`_gather_strided_numpy` (one copy instead of ``k``), the others tap by tap as here; CuPy arrays take one
    CUDA kernel for every tap (:func:`.conv_cuda.gather`, which writes the zeros too).
    """
    if conv_cuda.serves(long, cols):
        return conv_cuda.gather(long, cols, ranges, strides, rows)
    if STRIDED_GATHER and type(long) is np.ndarray and len(ranges) == cols.shape[2]:
        return _gather_strided_numpy(long, cols, ranges, strides, rows)
    for t, p0, p1, n0, n_stop in ranges:
        cols[:, p0:p1, t, :] = long[rows, n0:n_stop:strides, :]
    return cols


#: Set to ``False`` to force the portable tap-by-tap gather on NumPy too (tests compare both).
STRIDED_GATHER = True


def _gather_strided_numpy(long, cols, ranges, strides, rows):
    """NumPy-only optimised path of :func:`_gather` (every tap present in ``ranges``).

    For the rows ``p`` that every tap covers, ``long[b, p*s + t*d - offset, :]`` is the strided view
    ``(b, p, t, i) -> base + b*B + p*s*R + t*d*R + i*I`` of ``long`` (``numpy.lib.stride_tricks.as_strided``,
    read-only; ``R`` is the row stride), copied into ``cols`` in one call; with ``d = 1`` each ``cols`` row is one
    contiguous run of ``long``. The edge rows (padding) go tap by tap. Measured on one core of an AVX-512 Xeon
    (2026-11-30), this halves the gather's time on the benchmark shapes (e.g. 0.44 ms instead of 0.76 ms per
    forward of the medium conv1d) because it makes one pass over ``cols`` instead of ``k`` strided ones.
    """
    k = cols.shape[2]
    shifts = [n0 - p0 * strides for _, p0, _, n0, _ in ranges]                # n = p*s + shift_t
    p_lo, p_hi = max(r[1] for r in ranges), min(r[2] for r in ranges)         # rows that every tap covers
    if p_hi > p_lo:
        src = long[rows, :, :]
        step_t = (shifts[1] - shifts[0]) * src.strides[1] if k > 1 else 0    # d * row stride
        step_p = strides * src.strides[1] if p_hi - p_lo > 1 else 0          # unused for one row (may not fit)
        view = np.lib.stride_tricks.as_strided(
            src[:, p_lo * strides + shifts[0]:, :], shape=(src.shape[0], p_hi - p_lo, k, src.shape[2]),
            strides=(src.strides[0], step_p, step_t, src.strides[2]), writeable=False)
        cols[:, p_lo:p_hi, :, :] = view
    else:
        p_lo = p_hi = max(r[2] for r in ranges)
    for (t, p0, p1, _, _), shift in zip(ranges, shifts):
        for a, b in ((p0, min(p1, p_lo)), (max(p0, p_hi), p1)):         # the edge rows left of / right of
            if b > a:
                cols[:, a:b, t, :] = long[rows, a * strides + shift:(b - 1) * strides + shift + 1:strides, :]
    return cols


def _im2col_buffers(xp, lo, hi, step, short_len, kernel_size, channels, like):
    """The :class:`~tinygradconv.ops.conv_batching.ChunkedCols` buffers for :func:`_gather`: zero-filled, except
    where the gather writes every entry itself (CuPy arrays, :func:`.conv_cuda.gather`)."""
    return ChunkedCols(xp, lo, hi, step, short_len, kernel_size, channels, like,
                       zero_filled=not conv_cuda.serves(like))


def _scatter_add(cols, long, ranges, strides, rows=slice(None)):
    """``long[b, p*s + t*d - offset, :] += cols[b - b0, p, t, :]`` for ``b`` in ``rows = b0:b1``; terms that fall
    outside ``long`` are dropped. CuPy arrays take one CUDA kernel for every tap (:func:`.conv_cuda.scatter_add`,
    the same sums in the same order)."""
    if conv_cuda.serves(cols, long):
        return conv_cuda.scatter_add(cols, long, ranges, strides, rows)
    for t, p0, p1, n0, n_stop in ranges:
        long[rows, n0:n_stop:strides, :] += cols[:, p0:p1, t, :]
    return long


# ----------------------------------------------------------------------------------------------------------------
# Array-level kernels (channels_last, raw backend arrays), used by the Functions below
# ----------------------------------------------------------------------------------------------------------------
def conv1d_transpose_forward(xp, x, kernel, strides, dilation_rate, c_left, out_len, bias=None, window_view=False,
                             winograd=True):
    """``y[b, n, o] = sum_{j, t, i: j*s + t*d = n + c_left} x[b, j, i] * W[t, o, i]`` for ``0 <= n < out_len``,
    plus ``bias[o]`` when a bias is given (added by each batch part, :func:`_add_bias`).

    The plain path: per batch chunk one GEMM ``cols = x (B*L, C_in) @ W (C_in, k*filters)``, then ``k`` strided
    overlap-adds of ``cols`` written straight into the output window (crop and zero extension come free from the
    slice bounds; the full output ``F`` is never built). The optimised path :func:`_transpose_forward_blocked`
    (``strides == 1``, or ``1 < strides <= k`` without dilation, while ``F`` is small: :func:`_full_output_fits`)
    computes the same sum with contiguous adds. ``window_view=True`` lets it return ``y`` as a view, the window of a
    larger array (for a caller that returns a permuted view anyway: see :func:`_transpose_forward_blocked`);
    otherwise ``y`` is C-ordered. With ``k == 3``, ``s == 1`` and wide channels (:func:`_takes_winograd`) the sum is
    the correlation of ``x``, padded by ``2d - c_left``, with the flipped kernel, and goes through Winograd's F(2, 3)
    (:mod:`~tinygradconv.ops.conv_winograd`) unless an output comes out not finite (``winograd=False``: never). A
    long kernel over few channels with ``s == 1`` (:func:`_takes_correlation`) goes through the same correlation by
    :func:`conv1d_forward`.
    """
    y, part, step = _transpose_forward_work(xp, x, kernel, strides, dilation_rate, c_left, out_len, bias, window_view,
                                            winograd)
    if part is not None:
        map_batch_parts(xp, x.shape[0], step, part)
    return y


def _transpose_forward_work(xp, x, kernel, strides, dilation_rate, c_left, out_len, bias, window_view, winograd):
    """:func:`conv1d_transpose_forward` up to its batch split: ``(y, part, step)``, the output, the batch-part
    worker ``part(lo, hi)`` that fills samples ``lo:hi`` of ``y`` (bias included), ``step`` samples per chunk; or
    ``(y, None, None)`` when ``y`` is already complete (nothing to sum, Winograd's F(2, 3), or the correlation of
    :func:`_takes_correlation`, each with its own batch split). conv1d's backward
    runs such a worker in the same batch split as its kernel gradient's (:func:`conv1d_backward`)."""
    batch, length, c_in = x.shape
    k, filters, _ = kernel.shape
    ranges = _tap_ranges(length, out_len, k, strides, dilation_rate, c_left)
    if not ranges or batch == 0:
        return _add_bias(xp, zeros(xp, (batch, out_len, filters), x), bias), None, None
    if winograd and _takes_winograd(xp, x, kernel, strides, 1, c_in, filters):
        y = _winograd(xp, x, _flipped(kernel), dilation_rate, (k - 1) * dilation_rate - c_left, out_len, bias)
        if y is not None:
            return y, None, None
    if _takes_correlation(xp, kernel, strides, dilation_rate, length):
        pad_left = (k - 1) * dilation_rate - c_left
        flipped = xp.permute_dims(xp.flip(kernel, axis=0), (0, 2, 1))                # as _flipped, in xp
        y = conv1d_forward(xp, x, flipped, 1, dilation_rate, pad_left, out_len + c_left - length, 1, bias)
        return y, None, None
    step = chunk_size(xp, batch, length * k * filters, x.dtype)
    if (_takes_blocked_overlap_add(xp, k, strides, dilation_rate)
            and _full_output_fits(length, k, strides, dilation_rate) and _rows_outnumber_taps(length, k)):
        y, part = _transpose_forward_blocked(xp, x, kernel, strides, dilation_rate, c_left, out_len, step,
                                             window_view)
    else:
        y = zeros(xp, (batch, out_len, filters), x)
        w_mat = gemm_blocks.row_major(xp, xp.reshape(xp.permute_dims(kernel, (2, 0, 1)), (c_in, k * filters)),
                                      step * length)                                        # [i, (t, o)]

        def part(lo, hi):
            for b0, b1 in chunks(lo, hi, step):
                cols = _chunk_products(xp, x[b0:b1, ...], w_mat)
                _scatter_add(xp.reshape(cols, (b1 - b0, length, k, filters)), y, ranges, strides,
                             rows=slice(b0, b1))

    return y, _then_add_bias(xp, part, y, bias), step


#: The fewest taps for which :func:`conv1d_transpose_forward` with stride 1 is computed as the correlation with the
#: flipped kernel (:func:`_takes_correlation`); ``None``: never (tests compare both).
LONG_KERNEL_TAPS = 32
#: The largest ``C_in * filters`` for which :func:`_takes_correlation` serves (16 channels in and out).
LONG_KERNEL_CHANNEL_PRODUCT = 256


def _takes_correlation(xp, kernel, strides, dilation_rate, length):
    """Whether :func:`conv1d_transpose_forward` computes its sum as the correlation of ``x``, padded by
    ``(k-1)*d - c_left`` steps, with the flipped kernel (:func:`_flipped`), by :func:`conv1d_forward`: on the CPU
    (:func:`_tuned_for_cpu`), ``strides == 1``, at least :data:`LONG_KERNEL_TAPS` taps spanning no more than the
    input (``(k-1)*d <= L``), at most :data:`LONG_KERNEL_CHANNEL_PRODUCT` for ``C_in * filters``, and a finite
    kernel.

    Long kernels over few channels are where the overlap-add loses: it makes one GEMM and one add of a whole
    output-sized array per tap, each a few microseconds of calls over little work, while the correlation reads
    its taps straight from the padded input (:func:`_conv1d_forward_blocked`) or gathers them into one GEMM with
    ``K = k*C_in``. With wider channels the per-tap GEMMs have work enough, and where the kernel spans more than
    the input the correlation's padding is most of what it reads. The padding's zeros are multiplied by the kernel
    there, which is why the kernel must be finite: an infinite tap would make NaN of outputs that the transposed
    convolution never sums it into. Measured on one core of an AMD EPYC (Zen 4, 2026-12-06, CPU time of
    forward+backward, the paths alternated), the correlation against the overlap-add: 0.74-0.76x with 8 or 16
    channels (``k = 101``, ``d = 2`` over 256 steps; ``k = 48`` over 256 and 512 steps), 0.90-0.97x for 4-16
    channels and ``k = 32-128`` over 256-1,024 steps; but 1.05-1.09x with 32-64 channels over 1,024 steps (0.87x
    over 256), 1.11x and 1.30x where the kernel spans 5 and 10 times the input (docs/conv1d_transpose_math.md,
    "Long kernels")."""
    k, filters, c_in = kernel.shape
    return (LONG_KERNEL_TAPS is not None and _tuned_for_cpu(xp) and strides == 1 and k >= LONG_KERNEL_TAPS
            and (k - 1) * dilation_rate <= length and c_in * filters <= LONG_KERNEL_CHANNEL_PRODUCT
            and _finite(xp, kernel))


def _then_add_bias(xp, part, y, bias):
    """The batch-part worker ``part`` followed by the bias add on its samples (so that threads share that too)."""
    if bias is None:
        return part

    def part_with_bias(lo, hi):
        part(lo, hi)
        _add_bias(xp, y, bias, rows=slice(lo, hi))

    return part_with_bias


def _takes_winograd(xp, x, kernel, strides, groups, channels, filters):
    """Whether a product of ``channels`` by ``filters`` goes through Winograd's F(2, 3)
    (:func:`~tinygradconv.ops.conv_winograd.takes_winograd`; ``x`` and ``kernel`` of one dtype)."""
    return x.dtype == kernel.dtype and takes_winograd(xp, x.dtype, kernel.shape[0], strides, groups, channels, filters)


def _winograd(xp, x, w, dilation_rate, pad_left, out_len, bias):
    """:func:`~tinygradconv.ops.conv_winograd.conv1d_winograd` with ``bias`` added by each batch part; ``None``: the
    caller takes its direct paths."""
    then = None if bias is None else (lambda y, lo, hi: _add_bias(xp, y, bias, rows=slice(lo, hi)))
    return conv1d_winograd(x, w, dilation_rate, pad_left, out_len, then)


def _flipped(kernel):
    """A kernel ``(k, A, B)`` read as the flipped, transposed kernel ``(k, B, A)``: tap ``u`` holds
    ``kernel[k-1-u].T`` (a view). With stride 1 a transposed convolution is the correlation with it."""
    return np.transpose(kernel[::-1, ...], (0, 2, 1))


def _winograd_backward(xp, grad, dx_kernel, dx_pad, dx_len, dw_signal, dw_grad, dw_pad, dilation_rate, need):
    """A backward pass by Winograd's F(2, 3): ``dx``, the correlation of ``grad`` with ``dx_kernel`` ``(3, C, F)``
    padded by ``dx_pad`` (``dx_len`` steps), and ``dW``, :func:`~tinygradconv.ops.conv_winograd.kernel_grad_winograd`
    of ``dw_signal`` and ``dw_grad`` padded by ``dw_pad``, with the bias gradient (``grad``'s column sums) taken by
    the same batch parts; ``need`` is ``(need_x, need_kernel, need_bias)``. Returns ``(dx, dW, db)``, ``None`` for
    each one not needed, or ``None`` where a wanted gradient declines (the caller then takes its direct paths).
    (Summed outside the parts, the column sums ran on OpenBLAS's own threads, which then kept polling for work and
    slowed the calling thread's next parts 1.5-2x: 2 vCPUs of an AMD EPYC, 2026-12-04.)"""
    need_x, need_kernel, need_bias = need
    dx = _winograd(xp, grad, dx_kernel, dilation_rate, dx_pad, dx_len, None) if need_x else None
    dw = db = None
    if need_kernel:
        also = (lambda lo, hi: _column_sums(xp, grad[lo:hi])) if need_bias else None
        dw, db = kernel_grad_winograd(dw_signal, dw_grad, dilation_rate, dw_pad, also)
    if (need_x and dx is None) or (need_kernel and dw is None):
        return None
    return dx, dw, db if need_kernel or not need_bias else _column_sums(xp, grad)


#: Set to ``False`` to force the plain overlap-add path of :func:`conv1d_transpose_forward` (tests compare both).
BLOCKED_OVERLAP_ADD = True


def _takes_blocked_overlap_add(xp, kernel_size, strides, dilation_rate):
    """The shape part of the rule for the blocked overlap-add in :func:`conv1d_transpose_forward`: on the CPU
    (:func:`_tuned_for_cpu`), ``strides == 1`` (any dilation: each tap is a group of its own) or ``1 < strides <= k``
    without dilation (groups of ``s`` adjacent taps); it also requires :func:`_full_output_fits`."""
    return BLOCKED_OVERLAP_ADD and _tuned_for_cpu(xp) and _has_tap_blocks(kernel_size, strides, dilation_rate)


def _full_output_fits(length, kernel_size, strides, dilation_rate):
    """Whether the full output ``F`` (``(L-1)*s + (k-1)*d + 1`` steps), which the blocked overlap-add builds one batch
    chunk at a time, is no longer than the ``L*k`` rows of the plain path's ``cols``, the buffer that the chunk size
    is computed for. Always true for ``d == 1``, ``s <= k``; for ``s == 1`` it means ``d <= L``. A larger dilation
    makes ``F`` huge while the output window stays small ("same" crops it): the plain path then computes only the
    products that land in the window.

    >>> _full_output_fits(256, 3, 1, 2), _full_output_fits(7, 3, 1, 10**9)
    (True, False)
    """
    return (length - 1) * strides + (kernel_size - 1) * dilation_rate + 1 <= length * kernel_size   # s = 1: d <= L


def _transpose_forward_blocked(xp, x, kernel, strides, dilation_rate, c_left, out_len, step, window_view=False):
    """Optimised path: the transposed convolution's overlap-add in blocks of ``s`` output steps, by tap groups.

    View the full output ``F`` (length ``(L-1)*s + (k-1)*d + 1``) as rows of ``s`` steps: ``F[m*s + p] =
    block[m, p]``. With ``d == 1``, tap ``t = q*s + p`` sends input ``j`` to ``F[(j+q)*s + p] = block[j+q, p]``,
    so the ``s`` taps of one group ``q`` together fill the whole rows ``j + q``: one GEMM ``x @ W[q*s:(q+1)*s]``
    of width ``s*filters`` and one *contiguous* add into ``block[q:q+L]``. With ``s == 1`` (any ``d``) a block is
    one step and each tap ``t`` is a group of its own, added into rows ``t*d : t*d + L``: one GEMM per tap,
    accumulated into the output. The first group's product is assigned, not added, so ``F`` needs no zero fill
    beyond its last rows. The ``k % s`` leftover taps use the strided adds of :func:`_scatter_add`.

    Unlike the plain path this builds ``F`` (one batch chunk at a time) and then copies the window ``y`` out of it;
    on NumPy, when the window is all of ``F`` (no crop and ``s`` divides ``k``, or ``s == 1``: e.g. the input
    gradient of a "valid" conv1d), ``F`` is built in ``y`` itself (a reshaped view), which saves that copy.
    Measured on one core of an AVX-512 Xeon (2026-11-30), on the benchmark shapes: 13-17 % faster than the plain
    path for ``s == 1`` (dilated, 256 channels), 7-28 % faster than building ``F`` separately with a zero fill
    (medium, long signal, stride 4 with k = 8). With ``window_view`` the window may be a proper part of ``F``:
    ``F`` of the whole batch is then built in one array and ``y`` returned as its window, a view, when the rows
    outside the window take no more memory than the chunk buffer that copying would need
    (:func:`_window_view_fits`). conv1d's input gradient of a ``channels_first`` input does so (it goes back as a
    permuted view anyway): on the medium shape, stride 2 and k = 5 make ``F`` one step longer than the input, and
    the copy took 0.4 of 5.9 ms (one core of an AMD EPYC, 2026-12-03). A single sample's window is C-ordered, so
    with ``batch == 1`` ``y`` is that window in every layout (the ``batch1`` benchmark case: conv1d's input
    gradient, one step shorter than ``F``). Returns ``y`` and the per-batch-part worker
    that fills it, ``step`` samples at a time. See "The blocked overlap-add" in
    :doc:`docs/conv1d_transpose_math.md </conv1d_transpose_math>`.
    """
    batch, length, c_in = x.shape
    k, filters, _ = kernel.shape
    s = strides
    if s == 1:
        width, offsets = 1, [t * dilation_rate for t in range(k)]     # one tap per group, at row t*d
    else:
        width, offsets = s, list(range(k // s))                        # s adjacent taps per group, at row q
    rest = len(offsets) * width                                         # taps rest..k-1 are left over (s > 1)
    blocks = length + ((k - 1) * dilation_rate) // s                    # rows of s steps that hold all of F
    w = xp.permute_dims(kernel, (2, 0, 1))                              # [i, t, o]
    chunk_rows = step * length                                          # rows of the products' matrices, at most
    w_groups = [gemm_blocks.row_major(xp, xp.reshape(w[:, g * width:(g + 1) * width, :], (c_in, width * filters)),
                                      chunk_rows)
                for g in range(len(offsets))]
    w_rest = (gemm_blocks.row_major(xp, xp.reshape(w[:, rest:, :], (c_in, (k - rest) * filters)), chunk_rows)
              if rest < k else None)
    rest_ranges = [(t - rest, p0, p1, n0, n1) for t, p0, p1, n0, n1 in _tap_ranges(length, blocks * s, k, s, 1, 0)
                   if t >= rest]
    n0, n1 = max(0, -c_left), min(out_len, blocks * s - c_left)    # the part of y that F covers
    covered = n0 == 0 and n1 == out_len                             # y is all inside F: no zeros needed
    in_place = IN_PLACE_BLOCKS and is_numpy_namespace(xp) and (
        (c_left == 0 and out_len == blocks * s)
        or ((window_view or batch == 1) and covered and _window_view_fits(batch, blocks * s, out_len, step)))
    if in_place:                                                    # F of the whole batch; y: its window
        whole = np.empty((batch, blocks * s, filters), dtype=x.dtype)
        y = whole[:, c_left:c_left + out_len, :]
    else:
        y = (xp.empty if covered else xp.zeros)((batch, out_len, filters), dtype=x.dtype,
                                                 device=getattr(x, "device", None))
    row = width * filters
    # whether each sample's products take row blocks, the same for every chunk and group, is decided once per call:
    # asking for every product took 1.08x the time of conv1d_transpose's forward on the dilated shape (Xeon, 1 thread)
    sample_blocks = gemm_blocks.rows_per_block(x[:1, ...], w_groups[0])

    def part(lo, hi):
        for b0, b1 in chunks(lo, hi, step):
            nb = b1 - b0
            xc = x[b0:b1, ...]
            if in_place:
                full = whole[b0:b1, ...].reshape(nb, blocks, s * filters)      # a view: y is F or its window
            else:
                full = xp.empty((nb, blocks, s * filters), dtype=x.dtype, device=getattr(x, "device", None))
            _chunk_products_into(xp, xc, w_groups[0], full[:, :length, :row], sample_blocks)  # offsets[0] = 0
            full[:, length:, :] = 0
            for off, w_g in zip(offsets[1:], w_groups[1:]):
                full[:, off:off + length, :] += _chunk_products(xp, xc, w_g, sample_blocks)
            full = xp.reshape(full, (nb, blocks * s, filters))
            if w_rest is not None:
                cols = xp.reshape(_chunk_products(xp, xc, w_rest), (nb, length, k - rest, filters))
                _scatter_add(cols, full, rest_ranges, s)
            if n1 > n0 and not in_place:
                y[b0:b1, n0:n1, :] = full[:, n0 + c_left:n1 + c_left, :]

    return y, part


#: Set to ``False`` to make :func:`_transpose_forward_blocked` always build ``F`` in a separate buffer (tests
#: compare both).
IN_PLACE_BLOCKS = True


def _window_view_fits(batch, full_len, out_len, step):
    """Whether building ``F`` (``full_len`` steps) for all ``batch`` samples and keeping only the window of
    ``out_len`` steps takes no more memory than the window plus a chunk buffer of ``step`` samples of ``F``.

    >>> _window_view_fits(32, 516, 515, 7), _window_view_fits(32, 2010, 10, 7)
    (True, False)
    """
    return batch * (full_len - out_len) <= step * full_len


def conv1d_transpose_backward_reference(xp, grad, x, kernel, strides, dilation_rate, c_left):
    """Gradients of :func:`conv1d_transpose_forward`, written literally as conv1d kernels (the reference).

    With ``c_right = F_len - c_left - N`` (so that ``dy`` padded by ``(c_left, c_right)`` is as long as ``F``):

    * ``dx = conv1d(dy, W, padding=(c_left, c_right))`` -- the matching conv1d of the output gradient, with the
      same kernel array read as a conv1d kernel ``(k, in=filters, out=C_in)``;
    * ``dW`` is that conv1d's kernel gradient when its output gradient is ``x``:
      ``dW[t, o, i] = sum_{b, j} dy_pad[b, j*s + t*d, o] * x[b, j, i]``.

    Returns ``(dx, dW)``. :func:`conv1d_transpose_backward` computes the same with one gather of ``dy`` shared by
    both gradients (this version gathers twice); the tests check that the two agree.
    """
    length, out_len = x.shape[1], grad.shape[1]
    k_eff = (kernel.shape[0] - 1) * dilation_rate + 1
    c_right = (length - 1) * strides + k_eff - c_left - out_len
    dx = conv1d_forward(xp, grad, kernel, strides, dilation_rate, c_left, c_right, 1)
    _, dw, _ = conv1d_backward(xp, x, grad, kernel, strides, dilation_rate, c_left, c_right, 1, need_x=False)
    return dx, dw


def conv1d_transpose_backward(xp, grad, x, kernel, strides, dilation_rate, c_left, need_x=True, need_kernel=True,
                              need_bias=False):
    """Gradients of :func:`conv1d_transpose_forward` (plus the bias gradient ``db[o] = sum_{b, n} dy[b, n, o]``).

    The same sums as :func:`conv1d_transpose_backward_reference`, fused: with the gathered output gradient
    ``G[b, j, t, o] = dy[b, j*s + t*d - c_left, o]`` (the im2col matrix of the matching conv1d),
    ``dx[b, j, i] = sum_{t, o} G[b, j, t, o] W[t, o, i]`` (that conv1d's forward GEMM) and
    ``dW[t, o, i] = sum_{b, j} G[b, j, t, o] x[b, j, i]`` -- two GEMMs sharing one gather per batch chunk.
    Returns ``(dx, dW, db)``, ``None`` for each one not needed.

    Reading ``dy`` by tap groups instead, as conv1d's blocked paths read ``x`` (the two conv1d kernels of the
    reference), was 2-10 % slower than this shared gather on the benchmark shapes (2026-12-01); with their products
    in small-matrix blocks (:func:`.gemm_blocks.rows_per_block`) it was 1.5-6 % faster with one thread on the
    dilated shapes and 0-6 % slower with two, so the shared gather stays. With ``k == 3``, ``s == 1`` and wide
    channels (:func:`_takes_winograd`) both gradients go through Winograd's F(2, 3) instead
    (:mod:`~tinygradconv.ops.conv_winograd`: ``dx`` the conv1d of ``dy``, ``dW`` that conv1d's kernel gradient with
    ``x`` as its output gradient), unless their outputs come out not finite.
    """
    batch, length, c_in = x.shape
    k, filters, _ = kernel.shape
    out_len = grad.shape[1]
    if (min(*x.shape, out_len) > 0 and (need_x or need_kernel) and x.dtype == grad.dtype
            and _takes_winograd(xp, grad, kernel, strides, 1, filters, c_in)):
        # dx is the conv1d of dy with the same kernel, dW that conv1d's kernel gradient (x as its output gradient)
        grads = _winograd_backward(xp, grad, kernel, c_left, length, grad, x, c_left, dilation_rate,
                                   (need_x, need_kernel, need_bias))
        if grads is not None:
            return grads
    ranges = _tap_ranges(length, out_len, k, strides, dilation_rate, c_left)
    dx = None
    if need_x:        # every row is written by the GEMM below
        dx = xp.empty(x.shape, dtype=grad.dtype, device=getattr(grad, "device", None))
    w_mat = xp.reshape(kernel, (k * filters, c_in))                                       # [(t, o), i]
    step = chunk_size(xp, batch, length * k * filters, grad.dtype)

    def part(lo, hi):
        dw = zeros(xp, (k * filters, c_in), grad) if need_kernel else None
        db = zeros(xp, (filters,), grad) if need_bias else None
        for b0, b1, cols in _im2col_buffers(xp, lo, hi, step, length, k, filters, grad):
            if need_bias:
                db += _column_sums(xp, grad[b0:b1, ...])
            if not (need_x or need_kernel):
                continue    # (an empty output still has its cropped steps: zeros of dy, so that 0 * inf is NaN)
            rows = (b1 - b0) * length
            cols = xp.reshape(_gather(grad, cols, ranges, strides, rows=slice(b0, b1)), (rows, k * filters))
            if need_x:
                gemm_blocks.matmul_into(xp, cols, w_mat, dx[b0:b1, ...])
            if need_kernel:
                dw += xp.matmul(xp.matrix_transpose(cols), xp.reshape(x[b0:b1, ...], (rows, c_in)))
        return dw, db

    dw, db = (sum_parts(p) for p in zip(*map_batch_parts(xp, batch, step, part))) if batch else (None, None)
    if need_kernel:
        dw = xp.reshape(dw, (k, filters, c_in)) if batch else zeros(xp, kernel.shape, grad)
    if need_bias and not batch:
        db = zeros(xp, (filters,), grad)
    return dx, dw, db


def conv1d_forward(xp, x, kernel, strides, dilation_rate, pad_left, pad_right, groups, bias=None):
    """``y[b, n, o] = sum_{t, i} xpad[b, n*s + t*d, g*C_g + i] * W[t, i, o]`` with ``g = o // (filters/groups)``,
    plus ``bias[o]`` when a bias is given (added by each batch part, :func:`_add_bias`).

    ``xpad`` is ``x`` with ``pad_left`` / ``pad_right`` zeros (negative: samples dropped). Per group and batch chunk
    one gather (im2col) and one GEMM ``(B*N, k*C_g) @ (k*C_g, filters/groups)``; on the shapes of
    :func:`_takes_blocked_conv1d_forward` the optimised path :func:`_conv1d_forward_blocked` (one GEMM per group of
    taps, read straight from ``x``, no gather) computes the same sums. The padding zeros are real zeros, as in
    torch (which pads, then convolves): the gather's zeros multiply the kernel, so an inf or NaN in a tap that meets
    padding makes those outputs NaN. The optimised path leaves those products out, so it serves only when no step
    reads padding or the kernel is finite (:func:`_covers_every_step`, :func:`_finite`). A ``channels_first`` input
    with a stride (on an AMD CPU by default, :func:`_takes_phases`) goes through its phases instead
    (:func:`~tinygradconv.ops.conv_phases.conv1d_forward_phases`), padding zeros included, and gets ``y`` back
    C-ordered in this function's ``(B, N, F)`` layout (so the op returns a ``channels_first`` ``y`` as a permuted
    view, as it returns ``dx``). With ``k == 3``, ``s == 1`` and wide channels (:func:`_takes_winograd`)
    Winograd's F(2, 3) serves first (:mod:`~tinygradconv.ops.conv_winograd`), unless an output comes out not finite.
    """
    batch, length, _ = x.shape
    k, c_group, filters = kernel.shape
    f_group = filters // groups
    out_len = conv_steps(pad_left + length + pad_right, (k - 1) * dilation_rate + 1, strides)
    ranges = _tap_ranges(out_len, length + min(pad_right, 0), k, strides, dilation_rate, pad_left)
    if batch == 0:
        return _add_bias(xp, zeros(xp, (batch, out_len, filters), x), bias)
    if _takes_phases(xp, x, out_len, kernel, strides, dilation_rate, groups):
        y = conv1d_forward_phases(xp, _swap_layout(xp, x, "channels_first"), kernel, strides, pad_left, out_len, bias)
        return _swap_layout(xp, y, "channels_first")
    if out_len > 0 and _takes_winograd(xp, x, kernel, strides, groups, c_group, filters):
        y = _winograd(xp, x, kernel, dilation_rate, pad_left, out_len, bias)
        if y is not None:
            return y
    y = xp.empty((batch, out_len, filters), dtype=x.dtype, device=getattr(x, "device", None))   # all written
    blocked = (bool(ranges) and _takes_blocked_conv1d_forward(xp, k, strides, dilation_rate)
               and _rows_outnumber_taps(out_len, k) and (_covers_every_step(ranges, k, out_len) or _finite(xp, kernel)))
    step = chunk_size(xp, batch, out_len * k * c_group, x.dtype, buffered=not blocked)

    if blocked:
        part = _conv1d_forward_blocked(xp, x, kernel, ranges, strides, groups, y, step)
    else:
        def part(lo, hi):
            for g in range(groups):
                c_sl, f_sl = _group_slices(g, groups, c_group, f_group)
                w_mat = xp.reshape(kernel[:, :, f_sl], (k * c_group, f_group))                # [(t, i), o]
                for b0, b1, cols in _im2col_buffers(xp, lo, hi, step, out_len, k, c_group, x):
                    rows = (b1 - b0) * out_len
                    cols = _gather(_input_rows(xp, x, b0, b1, c_sl), cols, ranges, strides)
                    gemm_blocks.matmul_into(xp, xp.reshape(cols, (rows, k * c_group)), w_mat, y[b0:b1, :, f_sl])

    map_batch_parts(xp, batch, step, _then_add_bias(xp, part, y, bias))
    return y


#: Set to ``False`` to force the gather (im2col) path of :func:`conv1d_forward` (tests compare both).
BLOCKED_FORWARD = True


def _takes_phases(xp, x, out_len, kernel, strides, dilation_rate, groups):
    """Whether conv1d's forward and backward take the phase path of :mod:`~tinygradconv.ops.conv_phases`: a
    ``channels_first`` input (a permuted view, :func:`_steps_contiguous`), nothing empty, and the shapes of
    :func:`~tinygradconv.ops.conv_phases.takes_phase_path` (by default an AMD CPU; NumPy, ``1 < s <= k``, ``d == 1``,
    one group)."""
    return (_steps_contiguous(x) and out_len > 0 and min(x.shape) > 0
            and takes_phase_path(xp, kernel.shape[0], strides, dilation_rate, groups))


def _takes_blocked_conv1d_forward(xp, kernel_size, strides, dilation_rate):
    """Whether :func:`conv1d_forward` uses :func:`_conv1d_forward_blocked`: on the CPU (:func:`_tuned_for_cpu`),
    the shapes of the tap groups (:func:`_tap_blocks`), ``strides == 1`` (any dilation) or ``1 < strides <= k``
    without dilation."""
    return BLOCKED_FORWARD and _tuned_for_cpu(xp) and _has_tap_blocks(kernel_size, strides, dilation_rate)


def _conv1d_forward_blocked(xp, x, kernel, ranges, strides, groups, y, step):
    """Optimised path of :func:`conv1d_forward`: one GEMM per group of taps (:func:`_tap_blocks`), accumulated into
    ``y``, the group's rows read straight from ``x`` (:func:`_block_rows`) instead of an im2col copy.

    Group ``(t0, t1, p0, p1, n0)`` adds ``x_rows[b, p - p0] @ W[t0:t1]`` (the taps' kernels stacked into one
    ``((t1 - t0)*C_g, filters)`` matrix) to ``y[b, p]`` for ``p0 <= p < p1``: with ``s == 1`` one tap, whose rows
    are a contiguous slice of each sample; with ``d == 1`` the ``s`` taps of a group, whose rows for step ``p`` are
    ``s`` adjacent rows of ``x`` (one row of ``s*C_g`` values). A stack of per-sample GEMMs per group, on batch
    chunks of ``step`` samples (so that the chunk of ``y`` being summed stays in cache). The first group's product
    is written into ``y`` (on NumPy by ``matmul(..., out=)``) when it covers every output step, else ``y`` starts
    from zeros. Measured on one core of an AVX-512 Xeon (2026-12-01, the forward alone, the same process
    alternating both paths; the docs page quotes the same figures): against gather + one GEMM, 3 % faster on the
    dilated shape, 8 % with 256 channels, 29 % on the long signal (32 channels, s = 2, k = 4) and with s = 4,
    k = 8; level on the medium shape (s = 2, k = 5: within the +-4 % noise). On 2026-11-30 it was about 2x faster
    with 16 or 32 channels (k = 5 or 7). Returns the per-batch-part worker that fills ``y``.
    """
    _, c_group, filters = kernel.shape
    f_group = filters // groups
    blocks = _tap_blocks(ranges, kernel.shape[0], strides)
    weights = [(c_sl, f_sl, _tap_block_weights(xp, _input_rows(xp, x, 0, 1, c_sl, strides), kernel[:, :, f_sl], blocks,
                                               strides))
               for c_sl, f_sl in (_group_slices(g, groups, c_group, f_group) for g in range(groups))]

    def part(lo, hi):
        for b0, b1 in chunks(lo, hi, step):
            for c_sl, f_sl, group_weights in weights:
                _tap_block_products(xp, _input_rows(xp, x, b0, b1, c_sl, strides), group_weights, blocks, strides,
                                    y[b0:b1, :, f_sl])

    return part


def _tap_block_weights(xp, sample, kernel, blocks, strides):
    """``(W_g, m)`` for each group ``(t0, t1, p0, p1, n0)`` of :func:`_tap_blocks`: its taps' kernels stacked into one
    ``((t1 - t0)*C, F)`` matrix ``W_g`` and the rows per block of its products with the rows of a batch chunk
    (:func:`.gemm_blocks.rows_per_block`, decided on one ``sample`` ``(1, L, C)``: the products of every chunk are
    stacks of the same per-sample matrices). Prepared once per call, not per chunk: conv1d's forward on the dilated
    shape then took 0.95x the time with one thread and 0.94x with two (an AVX-512 Xeon, 2026-12-05)."""
    c, f = kernel.shape[1:]
    weights = []
    for t0, t1, p0, p1, n0 in blocks:
        w = xp.reshape(kernel[t0:t1, ...], ((t1 - t0) * c, f))
        weights.append((w, gemm_blocks.rows_per_block(_block_rows(xp, sample, t0, t1, p0, p1, n0, strides), w)))
    return weights


def _tap_block_products(xp, x, weights, blocks, strides, y):
    """``y = sum over the groups (t0, t1, p0, p1, n0) of rows(x) @ W[t0:t1]`` added at steps ``p0:p1``: the
    products of :func:`_conv1d_forward_blocked` for one batch chunk ``x`` ``(b, L, C)``, with the groups' weight
    matrices ``weights`` (:func:`_tap_block_weights`), into ``y`` ``(b, N, F)`` (every entry assigned: the first
    group's product is written there when it covers every step, else ``y`` starts from zeros)."""
    first_covers_all = blocks[0][2] == 0 and blocks[0][3] == y.shape[1]
    if not first_covers_all:
        y[...] = 0
    for i, ((t0, t1, p0, p1, n0), (w, m)) in enumerate(zip(blocks, weights)):
        rows = _block_rows(xp, x, t0, t1, p0, p1, n0, strides)
        if i == 0 and first_covers_all:
            gemm_blocks.matmul_into(xp, rows, w, y, m)
        else:
            y[:, p0:p1, :] += gemm_blocks.product(xp, rows, w, m)


def conv1d_backward(xp, grad, x, kernel, strides, dilation_rate, pad_left, pad_right, groups,
                    need_x=True, need_kernel=True, need_bias=False):
    """Gradients of :func:`conv1d_forward` (plus the bias gradient ``db[o] = sum_{b, n} dy[b, n, o]``).

    * ``dx`` is the transposed convolution of ``dy`` with the same kernel (per group; the array ``W[:, :, group]``
      of layout ``(k, C_g, filters/groups)`` is read as a transposed-convolution kernel ``(k, out=C_g, in)``),
      cropped to the input: the window of length ``L`` starting at ``pad_left``,
      ``dx = conv1d_transpose_forward(dy, W, c_left=pad_left, out_len=L)``;
    * ``dW = gather(x)^T @ dy`` (the im2col matrix of the forward pass times the output gradient); as in the
      forward pass the padding zeros are real (torch's ``0 * inf = NaN``), so the tap groups of
      :func:`_kernel_grad_blocked`, which leave them out, serve only when ``dy`` is finite at the steps that read
      padding (:func:`_edge_steps_finite`). ``dx`` sums only the pairs that exist, as torch's does.

    With ``strides == 1`` and both wanted, :func:`_conv1d_backward_shared` computes the two from one gather of
    ``dy`` instead, when the numbers its zeros meet are finite (:func:`_shared_gather_is_nan_safe`) and the
    overlap-add's products are not small-matrix GEMMs (:func:`_overlap_add_takes_small_gemms`). For a
    ``channels_first`` input with a stride (:func:`_takes_phases`) ``dW`` and ``db`` come from the input's phases
    (:func:`~tinygradconv.ops.conv_phases.conv1d_kernel_grad_phases`). With ``k == 3``, ``s == 1`` and wide channels
    (:func:`_takes_winograd`) ``dx`` (the correlation of ``dy`` with the flipped kernel) and ``dW`` go through
    Winograd's F(2, 3) first; if either's outputs come out not finite, everything is computed by the paths above,
    as with :data:`~tinygradconv.ops.conv_winograd.WINOGRAD` off. Returns ``(dx, dW, db)``, ``None`` for each one
    not needed.

    On the separate paths (one group, no phases) the batch is shared between threads once for the three gradients:
    each part computes its samples' ``dx``, then their share of ``dW`` and ``db`` (:data:`ONE_SPLIT_BACKWARD`);
    where ``dx`` is the correlation of :func:`_takes_correlation` it comes complete, with a split of its own.
    Every split costs two hand-overs between threads, and on a 2-vCPU KVM guest of an AVX-512 Xeon (2026-12-05) each
    took 50-90 us (a woken thread waits for its vCPU and for the GIL): with two threads, forward+backward took
    0.98-0.99x the time of two splits on the dilated, ``k = 8, s = 4``, long-signal and ``channels_first`` shapes.
    """
    batch, length, _ = x.shape
    k, c_group, filters = kernel.shape
    f_group = filters // groups
    out_len = grad.shape[1]
    if (min(*x.shape, out_len) > 0 and (need_x or need_kernel) and x.dtype == grad.dtype
            and _takes_winograd(xp, grad, kernel, strides, groups, c_group, filters)):
        # dx is the correlation of dy with the flipped kernel (as conv1d_transpose_forward's), dW the kernel gradient
        grads = _winograd_backward(xp, grad, _flipped(kernel), (k - 1) * dilation_rate - pad_left, length, x, grad,
                                   pad_left, dilation_rate, (need_x, need_kernel, need_bias))
        if grads is not None:
            return grads
    ranges = _tap_ranges(out_len, length + min(pad_right, 0), k, strides, dilation_rate, pad_left)
    if (_takes_shared_gather(xp, strides, need_x, need_kernel) and min(*x.shape, *grad.shape) > 0
            and _shared_gather_fits(length, k, f_group, float_bytes(xp, grad.dtype))
            and _shared_gather_pays(length, out_len, c_group, f_group)
            and not _overlap_add_takes_small_gemms(xp, grad, kernel, groups)):
        h_ranges = _flipped_tap_ranges(length, out_len, k, dilation_rate, pad_left)
        if _shared_gather_is_nan_safe(xp, grad, x, kernel, ranges, h_ranges):
            return _conv1d_backward_shared(xp, grad, x, kernel, h_ranges, groups, need_bias)
    dx, dx_part, dx_step = None, None, None
    if need_x and groups == 1:
        # a channels_first input gets dx back as a permuted view: it may be a window of a larger array too
        dx, dx_part, dx_step = _transpose_forward_work(xp, grad, kernel, strides, dilation_rate, pad_left, length,
                                                       None, window_view=_steps_contiguous(x), winograd=False)
    elif need_x:
        dx = zeros(xp, x.shape, grad)
        for g in range(groups):
            c_sl, f_sl = _group_slices(g, groups, c_group, f_group)
            dx[:, :, c_sl] = conv1d_transpose_forward(xp, grad[:, :, f_sl], kernel[:, :, f_sl], strides,
                                                      dilation_rate, pad_left, length, winograd=False)
    phases = _takes_phases(xp, x, out_len, kernel, strides, dilation_rate, groups) and min(grad.shape) > 0
    if dx_part is not None and (batch == 0 or not (need_kernel or need_bias) or phases or not ONE_SPLIT_BACKWARD):
        map_batch_parts(xp, batch, dx_step, dx_part)
        dx_part = None
    if batch == 0 or not (need_kernel or need_bias):
        return (dx, zeros(xp, kernel.shape, grad) if need_kernel else None,
                zeros(xp, (filters,), grad) if need_bias else None)
    if phases:
        # a channels_first input: dW and db through the stride's phases (conv_phases)
        return (dx, *conv1d_kernel_grad_phases(xp, _swap_layout(xp, grad, "channels_first"),
                                               _swap_layout(xp, x, "channels_first"), kernel, strides, pad_left,
                                               need_kernel=need_kernel, need_bias=need_bias))
    blocked = (_takes_blocked_kernel_grad(xp, k, strides, dilation_rate) and _rows_outnumber_taps(out_len, k)
               and _edge_steps_finite(xp, grad, ranges, k))
    step = chunk_size(xp, batch, out_len * k * c_group, grad.dtype, buffered=not (blocked and need_kernel))

    group_slices = [_group_slices(g, groups, c_group, f_group) for g in range(groups)]
    if need_kernel and blocked:            # the tap groups' products, prepared once per call
        products = [_kernel_grad_products(xp, _input_rows(xp, x, 0, 1, c_sl, strides), grad[:1, :, f_sl], ranges,
                                          strides, k) for c_sl, f_sl in group_slices]

    def part(lo, hi):
        dw = zeros(xp, kernel.shape, grad) if need_kernel else None
        db = zeros(xp, (filters,), grad) if need_bias else None
        for g, (c_sl, f_sl) in enumerate(group_slices):
            dw_g = zeros(xp, (k * c_group, f_group), grad) if need_kernel else None
            buffers = _im2col_buffers(xp, lo, hi, step, out_len, k, c_group, x)
            for b0, b1 in chunks(lo, hi, step):
                if need_bias:
                    db[f_sl] += _column_sums(xp, grad[b0:b1, :, f_sl])
                if need_kernel and blocked:
                    _kernel_grad_blocked(xp, _input_rows(xp, x, b0, b1, c_sl, strides), grad[b0:b1, :, f_sl], strides,
                                         products[g], dw_g)
                elif need_kernel:
                    cols = _gather(_input_rows(xp, x, b0, b1, c_sl), buffers.buffer(b1 - b0), ranges, strides)
                    rows = (b1 - b0) * out_len
                    gy = xp.reshape(grad[b0:b1, :, f_sl], (rows, f_group))
                    dw_g += xp.matmul(xp.matrix_transpose(xp.reshape(cols, (rows, k * c_group))), gy)
            if need_kernel:
                dw[:, :, f_sl] = xp.reshape(dw_g, (k, c_group, f_group))
        return dw, db

    work, split_step = part, step
    if dx_part is not None:              # dx's samples first, then their share of dW and db, in one batch split
        def work(lo, hi):
            dx_part(lo, hi)
            return part(lo, hi)

        split_step = min(step, dx_step)
    dw, db = (sum_parts(p) for p in zip(*map_batch_parts(xp, batch, split_step, work)))
    return dx, dw, db


#: Set to ``False`` to make :func:`conv1d_backward` share the batch between threads twice, once for ``dx`` and once
#: for ``dW`` and ``db``, instead of once for the three (tests compare both).
ONE_SPLIT_BACKWARD = True


#: Set to ``False`` to make :func:`conv1d_backward` compute ``dx`` and ``dW`` separately for ``strides == 1`` too
#: (tests compare both).
SHARED_GATHER_BACKWARD = True


def _takes_shared_gather(xp, strides, need_x, need_kernel):
    """The shape part of the rule for :func:`_conv1d_backward_shared`: on the CPU (:func:`_tuned_for_cpu`),
    ``strides == 1`` (any dilation, padding and groups) and both ``dx`` and ``dW`` wanted. :func:`conv1d_backward`
    also requires non-empty arrays and :func:`_shared_gather_is_nan_safe`."""
    return SHARED_GATHER_BACKWARD and _tuned_for_cpu(xp) and strides == 1 and need_x and need_kernel


def _shared_gather_fits(length, kernel_size, filters, itemsize):
    """Whether one sample's gather ``H`` of :func:`_conv1d_backward_shared` (``length x k x filters`` values of
    ``itemsize`` bytes) takes at most :data:`~tinygradconv.ops.conv_batching.THREAD_CHUNK_BYTES`: it grows with the
    input's length times ``k``, whatever the padding, where the separate paths' tap groups keep no such buffer. A
    kernel as long as the signal (``k = L = 20000``, "same", one channel) took 8.3 s and 1.6 GB in it against 2.1 s
    and 69 MB, and at ``k = L = 10**5`` it asked for 74.5 GiB (found by a tester and a reviewer). The benchmark
    shapes' gathers take at most 786 KiB (256 channels in, 128 out, 512 steps, ``k = 3``).

    >>> _shared_gather_fits(256, 3, 64, 4), _shared_gather_fits(20000, 20000, 1, 4)
    (True, False)
    """
    return length * kernel_size * filters * itemsize <= conv_batching.THREAD_CHUNK_BYTES


def _shared_gather_pays(length, out_len, c_group, f_group):
    """Whether the shared gather ``H`` of :func:`_conv1d_backward_shared` (``length x k x f_group`` values a sample)
    is no larger than the two buffers of the separate paths that it replaces: the overlap-add's products of ``dy``
    and the kernel gradient's gather of ``x``, ``out_len x k x c_group`` values each, so ``L * F_g <= 2 * N * C_g``.
    With "same" padding or a short kernel ``out_len`` is about ``length`` and it pays; a "valid" kernel almost as
    long as the signal leaves few output steps, and ``H``, mostly zeros, then costs more than both. (For a long
    kernel over few channels the separate input gradient is the correlation of :func:`_takes_correlation`, which
    writes no products: the rule then favours ``H`` a little.) Measured on one core of an AMD EPYC (Zen 4,
    2026-12-06), forward+backward, ``k = 101``, ``d = 2`` over 256 steps (56 output steps), 8 channels: 1.3 ms by
    the separate paths against 1.8 ms through ``H``; with ``k = 150`` over 300 steps (151 output steps, inside the
    rule) ``H`` took 7.1 against 10.9 ms.

    >>> _shared_gather_pays(512, 512, 64, 64), _shared_gather_pays(256, 56, 8, 8)
    (True, False)
    """
    return length * f_group <= 2 * out_len * c_group


def _overlap_add_takes_small_gemms(xp, grad, kernel, groups):
    """Whether the input gradient's overlap-add (:func:`conv1d_transpose_forward` of ``dy``, ``groups == 1``) runs
    its products ``dy (rows, filters) @ W_t^T (filters, C_in)`` as small-matrix GEMMs
    (:func:`.gemm_blocks.rows_per_block_of_sizes`). Then the separate paths beat :func:`_conv1d_backward_shared`,
    whose one product has ``K = k*filters``: measured on one core of an AVX-512 Xeon (2026-12-01), forward+backward
    on the dilated shape 6.5 % faster (level, within 4 %, on an AMD EPYC with the AMD limits, 2026-12-04)."""
    if groups != 1 or type(grad) is not np.ndarray:
        return False
    batch, out_len, filters = grad.shape
    k, c_in, _ = kernel.shape
    rows = out_len                                    # per sample for a permuted dy (_chunk_products), else per chunk
    if _c_ordered(grad):
        rows *= chunk_size(xp, batch, out_len * k * c_in, grad.dtype)
    return bool(gemm_blocks.rows_per_block_of_sizes(rows, filters, c_in, grad.dtype))


def _flipped_tap_ranges(length, out_len, kernel_size, dilation_rate, pad_left):
    """The tap ranges of the gather ``H`` of :func:`_conv1d_backward_shared` (stride 1): for tap ``u = k-1-t`` of
    the flipped kernel, the input steps ``n`` whose partner ``n + u*d - c`` (``c = (k-1)*d - pad_left``) is a step of
    ``dy``, as :func:`_tap_ranges` gives them."""
    return _tap_ranges(length, out_len, kernel_size, 1, dilation_rate, (kernel_size - 1) * dilation_rate - pad_left)


def _shared_gather_is_nan_safe(xp, grad, x, kernel, ranges, h_ranges):
    """Whether :func:`_conv1d_backward_shared` gives torch's numbers also where an inf or NaN meets a zero (in every
    finite case it does).

    Its gather ``H`` holds zeros where a tap meets no step of ``dy`` (``h_ranges``). In ``dx`` those zeros multiply
    the kernel, and in ``dW`` the input steps that some tap of ``H`` does not reach: products that torch never
    forms, so the whole kernel, and ``x`` at those steps, must be finite. And, like the tap groups, it leaves out the
    products of the padding zeros with ``dy``, which torch forms, so ``dy`` must be finite at the steps that read
    padding (``ranges``, conv1d's taps). Otherwise (a diverged model) the separate paths serve.
    """
    k = kernel.shape[0]
    return (_finite(xp, kernel) and _edge_steps_finite(xp, x, h_ranges, k)
            and _edge_steps_finite(xp, grad, ranges, k))


def _covers_every_step(ranges, kernel_size, short_len):
    """Whether every tap meets a sample at each of the ``short_len`` steps (``ranges`` from :func:`_tap_ranges`):
    for conv1d, whether no output step reads padding.

    >>> _covers_every_step(_tap_ranges(3, 5, 3, 1, 1, 0), 3, 3), _covers_every_step(_tap_ranges(5, 5, 3, 1, 1, 1), 3, 5)
    (True, False)
    """
    return len(ranges) == kernel_size and all(p0 == 0 and p1 == short_len for _, p0, p1, _, _ in ranges)


def _edge_steps_finite(xp, a, ranges, kernel_size):
    """Whether ``a`` ``(B, steps, C)`` is finite at every step ``p`` (axis 1) that some tap of ``ranges`` does not
    cover: ``p < max_t p0_t`` or ``p >= min_t p1_t`` (every step when a tap covers none)."""
    if _covers_every_step(ranges, kernel_size, a.shape[1]):
        return True
    if len(ranges) < kernel_size:
        return _finite(xp, a)
    lo, hi = max(r[1] for r in ranges), min(r[2] for r in ranges)
    return _finite(xp, a[:, :lo, :]) and _finite(xp, a[:, max(lo, hi):, :])


def _finite(xp, a):
    """Whether every entry of ``a`` is finite (true for an empty ``a``)."""
    return bool(xp.all(xp.isfinite(a)))


def _conv1d_backward_shared(xp, grad, x, kernel, h_ranges, groups, need_bias):
    """Optimised path of :func:`conv1d_backward` for ``strides == 1``: ``dx`` and ``dW`` from one gather of ``dy``.

    With stride 1, input step ``n`` meets output step ``n + pad_left - t*d`` through tap ``t``. Counting the taps
    backwards, ``u = k - 1 - t`` (the flipped kernel), that step is ``n + u*d - c`` with ``c = (k-1)*d - pad_left``,
    so the gather

        ``H[b, n, u, o] = dy[b, n + u*d - c, o]``   (zero where that step is outside ``dy``)

    is the im2col matrix of ``dy`` for a conv1d with the flipped kernel and padding ``(c, (k-1)*d - pad_right)``
    (negative: a crop; for a "valid" forward pass, the textbook "full" convolution of the input gradient), and both
    gradients are one GEMM each on it, per group (``C_g`` channels, ``F_g`` filters) and batch chunk:

        ``dx[b, n, i]       = sum_{u, o} H[b, n, u, o] * W[k-1-u, i, o]``     ``(B*L, k*F_g) @ (k*F_g, C_g)``
        ``dW[k-1-u, i, o]   = sum_{b, n} x[b, n, i] * H[b, n, u, o]``         ``(C_g, B*L) @ (B*L, k*F_g)``

    the mirror image of :func:`conv1d_transpose_backward`: one GEMM contracting over ``k*F_g`` (taps and filters
    together) instead of ``k`` accumulated GEMMs over ``F_g``, and the kernel gradient's products over whole chunks
    instead of per sample. ``h_ranges`` are ``H``'s tap ranges (:func:`_flipped_tap_ranges`). Measured on an
    AVX-512 Xeon (2026-12-01, the same process alternating both paths), against the transposed convolution for
    ``dx`` plus the tap groups for ``dW``: forward+backward 6-9 % faster with 2 threads on the dilated shapes
    (d = 2, 3, 4), the backward alone 1-3 % (dilated) and 4-5 % (256 channels) faster with 1 thread. With
    ``s > 1`` most of ``H`` would be zeros (only every ``s``-th step of ``dx`` meets ``dy`` through a given tap),
    so strided convolutions keep the separate paths (blocked or plain). The zeros of ``H`` where a tap meets no
    step of ``dy`` are not in torch's sums, so this path serves only where they multiply finite numbers
    (:func:`_shared_gather_is_nan_safe`). Returns ``(dx, dW, db)``.
    """
    batch, length, _ = x.shape
    k, c_group, filters = kernel.shape
    f_group = filters // groups
    dx = xp.empty(x.shape, dtype=grad.dtype, device=getattr(grad, "device", None))        # all written
    flipped = xp.flip(kernel, axis=0)                                                  # W[k-1-u, i, o]
    w_mats = [xp.reshape(xp.permute_dims(flipped[:, :, _group_slices(g, groups, c_group, f_group)[1]], (0, 2, 1)),
                         (k * f_group, c_group)) for g in range(groups)]                # [(u, o), i] per group
    step = chunk_size(xp, batch, length * k * f_group, grad.dtype)

    def part(lo, hi):
        dw = xp.empty((k, c_group, filters), dtype=grad.dtype, device=getattr(grad, "device", None))  # all written
        db = zeros(xp, (filters,), grad) if need_bias else None
        for g in range(groups):
            c_sl, f_sl = _group_slices(g, groups, c_group, f_group)
            dw_g = zeros(xp, (c_group, k * f_group), grad)                             # [i, (u, o)]
            for b0, b1, cols in _im2col_buffers(xp, lo, hi, step, length, k, f_group, grad):
                if need_bias:
                    db[f_sl] += _column_sums(xp, grad[b0:b1, :, f_sl])
                rows = (b1 - b0) * length
                h = xp.reshape(_gather(grad[:, :, f_sl], cols, h_ranges, 1, rows=slice(b0, b1)), (rows, k * f_group))
                gemm_blocks.matmul_into(xp, h, w_mats[g], dx[b0:b1, :, c_sl])
                x_rows = xp.reshape(_input_rows(xp, x, b0, b1, c_sl), (rows, c_group))
                dw_g += xp.matmul(xp.matrix_transpose(x_rows), h)
            dw[:, :, f_sl] = xp.flip(xp.permute_dims(xp.reshape(dw_g, (c_group, k, f_group)), (1, 0, 2)), axis=0)
        return dw, db

    dw, db = (sum_parts(p) for p in zip(*map_batch_parts(xp, batch, step, part)))
    return dx, dw, db


#: Set to ``False`` to force the gather (im2col) path for conv1d's kernel gradient (tests compare both).
BLOCKED_KERNEL_GRAD = True


def _takes_blocked_kernel_grad(xp, kernel_size, strides, dilation_rate):
    """Whether :func:`conv1d_backward` computes ``dW`` by tap groups read straight from ``x``
    (:func:`_kernel_grad_blocked`): on the CPU (:func:`_tuned_for_cpu`), the shapes of :func:`_tap_blocks`, as for
    the forward pass."""
    return BLOCKED_KERNEL_GRAD and _tuned_for_cpu(xp) and _has_tap_blocks(kernel_size, strides, dilation_rate)


def _tuned_for_cpu(xp):
    """Whether the paths tuned on the CPU (the tap groups of :func:`_tap_blocks`, the shared gather of conv1d's
    backward) serve ``xp``: NumPy and array-api-strict, not CuPy. On a GPU each array call is a kernel launch
    with some microseconds of Python and CUDA around it, and the tap groups make more calls than the gather
    (im2col) and its one GEMM; CuPy also runs a product of a stack of strided views (a tap group's rows) 3-7x
    slower than one 2-D product. Measured on an H200 (CuPy 14.2, 2026-12-04), forward+backward with every tuned
    path off against on: conv1d 0.63 against 1.14 ms with 256 channels, 2.6 against 5.3 ms on the large shape,
    0.74 against 1.38 ms on the medium one; conv1d_transpose 0.54 against 0.63 ms on the medium shape, level
    (within 3 %) with k = 8, s = 4."""
    return on_cpu(xp)


def _kernel_grad_blocked(xp, x, grad, strides, products, dw):
    """Optimised path of conv1d's kernel gradient: ``dW[t] += sum_{b, p} x[b, p*s + t*d - pad_left]^T dy[b, p]``
    by the groups of taps of :func:`_tap_blocks`, their rows read straight from ``x`` (:func:`_block_rows`) without
    the im2col copy. ``x`` and ``grad`` are one batch chunk's samples, restricted to one group's ``C_g`` channels
    and its filters; ``dw`` is ``(k*C_g, filters)``, tap-major.

    Each group ``(t0, t1, p0, p1, n0)`` is a stack of per-sample GEMMs ``rows_b^T @ dy_b[p0:p1]`` summed over the
    samples (a ``(samples, (t1 - t0)*C_g, filters)`` temporary), added to the rows of ``dW[t0:t1]``.
    Measured on one core of an AVX-512 Xeon (2026-12-01, the kernel gradient alone, the same process alternating
    both paths; the docs page quotes the same figures): against gather + one GEMM, 4-6 % faster on the dilated,
    256-channel and medium shapes, 9 % with s = 4, k = 8, 19 % on the long signal.

    A ``channels_first`` ``dy`` (a permuted view, whose samples are row-major ``(filters, steps)`` matrices,
    :func:`_steps_contiguous`) gives the transposed products ``dy_b[p0:p1]^T @ rows_b`` instead, so that BLAS reads
    both operands row by row: 10-14 % faster for the kernel gradient of the channels_first benchmark case (s = 2,
    k = 5, 64 channels; one core, 2026-12-01), 1-5 % for its forward+backward; level on a C-ordered ``dy``. Copying
    each chunk of such a ``dy`` into C order for the untransposed products instead (2026-12-05, ``benchmarks/ab.py``,
    one core, 8-16 rounds) made forward+backward 1-2 % faster on that case, but 4 % slower on the long signal
    (s = 2, k = 4, 32 to 16 channels) and level with s = 4, k = 8 and on the large shape, so the view stays.

    ``products`` (:func:`_kernel_grad_products`) holds the groups and whether ``dy`` is such a permuted view,
    prepared once per call.
    """
    c_group = x.shape[2]
    transposed, groups = products
    for (t0, t1, p0, p1, n0), m in groups:
        rows = _block_rows(xp, x, t0, t1, p0, p1, n0, strides)
        if transposed:                     # a channels_first dy: its samples are row-major (filters, steps)
            per_sample = gemm_blocks.product(xp, xp.matrix_transpose(grad[:, p0:p1, :]), rows, m)
            dw[t0 * c_group:t1 * c_group, :] += xp.matrix_transpose(_sum_of_samples(xp, per_sample))
        else:
            per_sample = gemm_blocks.product(xp, xp.matrix_transpose(rows), grad[:, p0:p1, :], m)
            dw[t0 * c_group:t1 * c_group, :] += _sum_of_samples(xp, per_sample)
    return dw


def _kernel_grad_products(xp, x_sample, grad_sample, ranges, strides, kernel_size):
    """What :func:`_kernel_grad_blocked` needs for every batch chunk of one call, decided once on one sample
    (``x_sample`` ``(1, L, C_g)`` as the chunks' rows are read, ``grad_sample`` ``(1, N, F_g)``): whether ``dy`` is a
    permuted (``channels_first``) view, and each group of :func:`_tap_blocks` with the rows per block of its
    per-sample products (:func:`.gemm_blocks.rows_per_block`; every chunk's products are stacks of the same
    per-sample matrices)."""
    transposed = _steps_contiguous(grad_sample)
    groups = []
    for t0, t1, p0, p1, n0 in _tap_blocks(ranges, kernel_size, strides):
        rows, g = _block_rows(xp, x_sample, t0, t1, p0, p1, n0, strides), grad_sample[:, p0:p1, :]
        a, b = (xp.matrix_transpose(g), rows) if transposed else (xp.matrix_transpose(rows), g)
        groups.append(((t0, t1, p0, p1, n0), gemm_blocks.rows_per_block(a, b)))
    return transposed, groups


def _sum_of_samples(xp, a):
    """``a.sum(axis=0)`` of per-sample products ``(b, m, n)``; with one sample ``a[0]``, a view (the sum would copy
    it)."""
    return a[0, ...] if a.shape[0] == 1 else xp.sum(a, axis=0)


# ----------------------------------------------------------------------------------------------------------------
# Groups of taps read straight from the input: the blocked forward and kernel gradient of conv1d
# ----------------------------------------------------------------------------------------------------------------
def _has_tap_blocks(kernel_size, strides, dilation_rate):
    """Whether the taps of a convolution form the groups of :func:`_tap_blocks`: ``strides == 1`` (any dilation), or
    ``1 < strides <= k`` without dilation; the blocked overlap-add (:func:`_takes_blocked_overlap_add`) has the same
    rule."""
    return strides == 1 or (dilation_rate == 1 and strides <= kernel_size)


def _rows_outnumber_taps(steps, taps):
    """Whether the tap-group paths serve: no more ``taps`` than the ``steps`` that each tap's product has as rows.
    They make one GEMM per tap group: for a kernel longer than the signal (``Conv1DTranspose(1, 10**4)`` on 3 steps,
    ``conv1d`` with ``k = 10**4`` on ``10**4 + 10`` steps, one sample, one channel) they and the shared gather
    (:func:`_shared_gather_fits`) took 0.067 s and 2.0 s against 0.012 s and 0.015 s for the plain path's one
    product and ``k`` slice copies (found by a tester). Every benchmark shape has ``k`` far below its steps.

    >>> _rows_outnumber_taps(256, 3), _rows_outnumber_taps(3, 10**4)
    (True, False)
    """
    return taps <= steps


@_plan_cache(kernel_arg=1)
def _tap_blocks(ranges, kernel_size, strides):
    """The products of conv1d's blocked paths: ``(t0, t1, p0, p1, n0)``, taps ``t0 .. t1-1`` at output steps
    ``p0 .. p1-1``, tap ``t0`` reading input row ``n0`` at step ``p0`` (``ranges`` from :func:`_tap_ranges`).

    With ``s == 1`` every tap is a group of its own, over all the steps it covers. With ``s > 1`` (and ``d == 1``)
    the ``s`` taps ``q*s .. q*s + s - 1`` form group ``q``: for output step ``p`` they read the ``s`` adjacent rows
    from ``p*s + q*s - pad_left``, one row of ``s*C`` values of ``x`` seen as rows of ``s`` steps; over the steps
    that all of them cover this is one product. The steps outside (padding) and the ``k % s`` leftover taps come
    tap by tap (``t1 = t0 + 1``), through every ``s``-th row. Every covered ``(t, p)`` appears exactly once, the
    groups in tap order. A tuple, cached like :func:`_tap_ranges` (keyed on the whole plan).

    >>> _tap_blocks(_tap_ranges(3, 7, 2, 2, 1, 0), 2, 2)          # k = 2, s = 2, valid: one group of both taps
    ((0, 2, 0, 3, 0),)
    >>> _tap_blocks(_tap_ranges(3, 8, 3, 2, 1, 0), 3, 2)          # k = 3: the group of taps 0, 1 and tap 2 alone
    ((0, 2, 0, 3, 0), (2, 3, 0, 3, 2))
    """
    s = strides
    by_tap = {r[0]: r for r in ranges}
    width = 1 if s == 1 else s
    blocks = []

    def add(t0, t1, p0, p1, n0):
        if p1 > p0:
            blocks.append((t0, t1, p0, p1, n0))

    def add_tap(t, p_from, p_to):    # tap t alone, at the steps of [p_from, p_to) that it covers
        if t in by_tap:
            _, p0, p1, n0, _ = by_tap[t]
            a, b = max(p0, p_from), min(p1, p_to)
            add(t, t + 1, a, b, n0 + (a - p0) * s)

    grouped = (kernel_size // width) * width
    for t0 in range(0, grouped, width):
        taps = [by_tap.get(t) for t in range(t0, t0 + width)]
        pa = max((r[1] for r in taps if r), default=0) if all(taps) else 0
        pb = min((r[2] for r in taps if r), default=0) if all(taps) else 0
        if pb > pa:
            _, p0, _, n0, _ = taps[0]
            add(t0, t0 + width, pa, pb, n0 + (pa - p0) * s)
        else:
            pa = pb = 0
        for t in range(t0, t0 + width):                 # the steps outside [pa, pb), tap by tap
            add_tap(t, -1, pa)
            add_tap(t, pb, 1 << 62)
    for t in range(grouped, kernel_size):               # leftover taps (k % s)
        add_tap(t, -1, 1 << 62)
    return tuple(blocks)


def _block_rows(xp, x, t0, t1, p0, p1, n0, strides):
    """The rows of ``x`` ``(B, L, C)`` that group ``(t0, t1, p0, p1, n0)`` of :func:`_tap_blocks` reads: a view
    ``(B, p1 - p0, (t1 - t0)*C)``, row ``p - p0`` of sample ``b`` holding ``x[b, n0 + (p - p0)*s + j]`` for
    ``j < t1 - t0`` side by side. A group of ``s`` taps reads ``s`` adjacent rows per step (one contiguous slice,
    reshaped); a single tap reads every ``s``-th row."""
    s = strides
    if t1 - t0 == s:
        return xp.reshape(x[:, n0:n0 + (p1 - p0) * s, :], (x.shape[0], p1 - p0, s * x.shape[2]))
    return x[:, n0:n0 + (p1 - p0 - 1) * s + 1:s, :]


def _input_rows(xp, x, b0, b1, channels=slice(None), tap_strides=None):
    """The samples ``b0:b1`` (and ``channels``) of conv1d's input ``x`` ``(B, L, C)``, for one batch chunk.

    A view when ``x`` is C-ordered. A ``channels_first`` input reaches the kernels as a permuted view; its chunk is
    then copied here into C order (``ascontiguousarray`` where the namespace has it), so that the gathers and
    products read contiguous rows, without a transposed copy of the whole input. Such a copy (4 MiB for the medium
    benchmark case) made glibc return freed memory to the system between calls: 1,300-2,500 page faults per
    forward+backward, 2-6 ms of system time (measured 2026-12-01, ``getrusage``).

    For the tap groups with ``tap_strides == 1`` the chunk stays a view in every layout: each tap reads a slice of
    steps, which BLAS reads straight from a ``channels_first`` chunk as a transposed matrix (only groups of ``s > 1``
    taps need C order, to see adjacent steps as one row). Skipping that copy made conv1d's forward on
    ``channels_first`` inputs with stride 1 8-14 % faster (64 and 256 channels, one thread, 2026-12-01). With a
    stride and no dilation, the forward and kernel gradient of a ``channels_first`` input split it into its phases
    instead (:mod:`~tinygradconv.ops.conv_phases`); these copies then serve dilated and grouped inputs, CuPy, and
    ``s > k``.
    """
    contiguous = getattr(xp, "ascontiguousarray", None)
    if contiguous is None or tap_strides == 1 or _c_ordered(x):
        return x[b0:b1, :, channels]
    return contiguous(x[b0:b1, :, channels])


def _steps_contiguous(a):
    """Whether ``a`` ``(B, steps, channels)`` has its steps next to each other in memory and its channels apart: a
    ``channels_first`` array seen in the kernels' layout (a permuted view). False without strides (array-api-strict).

    >>> a = np.zeros((2, 3, 4))
    >>> _steps_contiguous(a), _steps_contiguous(np.zeros((2, 4, 3)).transpose(0, 2, 1)), _steps_contiguous(a[..., :2])
    (False, True, False)
    """
    strides = getattr(a, "strides", None)
    return strides is not None and a.shape[1] > 1 and strides[1] == a.itemsize and strides[2] != a.itemsize


def _c_ordered(a):
    """Whether ``a`` is C-ordered, so that merging its leading axes is a free view (NumPy, CuPy). Arrays without
    ``flags`` (array-api-strict) count as C-ordered: their reshapes are exact whatever the layout."""
    return getattr(getattr(a, "flags", None), "c_contiguous", True)


def _chunk_products(xp, x, w, sample_blocks=None):
    """``x (b, L, C) @ w (C, N)`` as a ``(b, L, N)`` array: one GEMM over the ``b*L`` rows when ``x`` is C-ordered;
    otherwise (conv1d's input gradient of a ``channels_first`` output gradient, a permuted view) one GEMM per sample
    that reads its sample as a transposed matrix, which spares copying ``x`` into C order (measured 2026-12-01 on
    the medium shape, 1 thread: 0.63 instead of 1.0 ms for one product of the batch, 1.8 instead of 2.1 ms for
    three). Either way in row blocks where :func:`.gemm_blocks.rows_per_block` says so. ``sample_blocks``: the
    caller's :func:`.gemm_blocks.rows_per_block` of one sample's product, when it has it; if nonzero, the products
    are one stack of per-sample products in blocks of that many rows, whatever the layout of ``x``."""
    if sample_blocks:
        return gemm_blocks.product(xp, x, w, sample_blocks)
    if _c_ordered(x):
        b, length, c = x.shape
        return xp.reshape(gemm_blocks.product(xp, xp.reshape(x, (b * length, c)), w), (b, length, w.shape[1]))
    return gemm_blocks.product(xp, x, w)


def _chunk_products_into(xp, x, w, out, sample_blocks):
    """``out[...] = x @ w`` for a batch chunk ``x`` ``(b, L, C)`` and ``out`` ``(b, L, N)`` (:func:`_chunk_products`).

    On NumPy, when ``x`` is not C-ordered (a ``channels_first`` output gradient: per-sample GEMMs anyway) and each
    sample of ``out`` is a matrix BLAS can write (rows of unit stride), ``matmul`` writes the products straight
    into ``out`` (:func:`.gemm_blocks.matmul_into`, in row blocks where they pay) instead of into a temporary that
    is then copied: on conv1d's input gradient of the ``channels_first`` benchmark case (32 samples, 515 steps, 64
    channels, k = 5, s = 2) that copy was about 0.3 ms of 5.2 (one core of an AMD EPYC, 2026-12-04). Products in
    row blocks were still copied so until :func:`.gemm_blocks.matmul_into` learnt to write blocks into such an
    ``out``: forward+backward then took 0.99 of the time (2026-12-05).

    A C-ordered ``x`` does the same where its per-sample products take row blocks anyway
    (:func:`.gemm_blocks.rows_per_block` of one sample's ``(L, C)`` matrix; :data:`PRODUCTS_INTO_WINDOW`): one GEMM
    over all ``b*L`` rows into a temporary, then copied into the window, cost that copy. On one core of an AVX-512
    Xeon (2026-12-05, ``benchmarks/ab.py``, 8-10 rounds): ``conv1d_transpose``'s forward took 0.91x the time on the
    long signal, 0.96-0.97x on the medium and dilated shapes; ``conv1d`` forward+backward 0.92x on the long signal,
    0.97-0.99x on the medium and dilated ones; level elsewhere. Elsewhere (no blocks) ``x`` keeps its one GEMM.
    ``sample_blocks``: :func:`.gemm_blocks.rows_per_block` of one sample's product, as in :func:`_chunk_products`.
    """
    if type(out) is np.ndarray and type(x) is np.ndarray and out.strides[-1] == out.itemsize and (
            not _c_ordered(x) or (PRODUCTS_INTO_WINDOW and sample_blocks)):
        gemm_blocks.matmul_into(xp, x, w, out, sample_blocks)
    else:
        out[...] = _chunk_products(xp, x, w)


#: Set to ``False`` to make :func:`_chunk_products_into` write a C-ordered chunk's products into a temporary first,
#: as without row blocks (tests compare both).
PRODUCTS_INTO_WINDOW = True


#: Set to ``False`` to make :func:`_add_bias` use the plain broadcast add on NumPy too (tests compare both).
TILED_BIAS_ADD = True


def _add_bias(xp, y, bias, rows=slice(None)):
    """``y[b, n, o] += bias[o]`` in place for the samples ``b`` in ``rows`` (``y`` is ``(B, N, filters)``, freshly
    made by a kernel); returns ``y``. ``bias=None`` adds nothing.

    On NumPy with a C-ordered ``y``, as one contiguous add of ``bias`` tiled along the steps
    (``y.reshape(B, N*filters) += tile(bias, N)``): NumPy's broadcast add over a short last axis runs an inner loop
    per step, and measured on one core of an AVX-512 Xeon (2026-11-30) the tiled add was 1.5-2.6x faster for 16 to
    128 filters (e.g. 0.25 instead of 0.65 ms for the long-signal benchmark output). The tiling is the array method
    ``repeat`` on a one-row view, not ``np.tile``, whose Python-level code took 4-7 us per call against 1-3 us
    (2026-12-04, AMD EPYC; it shows on small outputs, such as one sample's).
    """
    if bias is None:
        return y
    if TILED_BIAS_ADD and type(y) is np.ndarray and y.flags.c_contiguous:
        part = y[rows]
        flat = part.reshape(part.shape[0], y.shape[1] * y.shape[2])     # a view: the rows of y are contiguous
        flat += bias.reshape(1, -1).repeat(y.shape[1], axis=0).reshape(-1)   # bias once per step, side by side
        return y
    y[rows, ...] += xp.reshape(bias, (1, 1, bias.shape[0]))
    return y


def _column_sums(xp, g):
    """``g.sum(axis=(0, 1))`` of a chunk ``(b, N, F)`` (the bias gradient) by GEMVs: NumPy's own reduction down a
    column of a C-ordered matrix is ~10x slower for small ``F``.

    ``ones @ g`` with ``g`` seen as a ``(b*N, F)`` matrix when that view is free (C order); otherwise (a
    ``channels_first`` output gradient, whose samples are C-ordered ``(F, N)`` matrices, or one group's filters)
    ``g_b^T @ ones`` per sample, summed, so that ``g`` is not copied into C order first.
    """
    b, n, f = g.shape
    device = getattr(g, "device", None)
    if _c_ordered(g):
        return xp.matmul(xp.ones((b * n,), dtype=g.dtype, device=device), xp.reshape(g, (b * n, f)))
    return xp.sum(xp.matmul(xp.matrix_transpose(g), xp.ones((n,), dtype=g.dtype, device=device)), axis=0)


def _group_slices(g, groups, c_group, f_group):
    if groups == 1:
        return slice(None), slice(None)
    return slice(g * c_group, (g + 1) * c_group), slice(g * f_group, (g + 1) * f_group)


# ----------------------------------------------------------------------------------------------------------------
# Argument checks shared by both ops
# ----------------------------------------------------------------------------------------------------------------
def _check_dtypes(xp, op, x, kernel, bias):
    if kernel.dtype == x.dtype and (bias is None or bias.dtype == x.dtype) and xp.isdtype(x.dtype, "real floating"):
        return
    arrays = [("input", x), ("kernel", kernel)] + ([("bias", bias)] if bias is not None else [])
    for name, a in arrays:
        if not xp.isdtype(a.dtype, "real floating"):
            raise TypeError(f"`{op}` needs floating-point arrays; received {name} of dtype {dtype_name(a.dtype)}")
    raise TypeError(f"`{op}`: input, kernel and bias must have the same dtype; received "
                    + ", ".join(f"{name} {dtype_name(a.dtype)}" for name, a in arrays)
                    + f" (an integer array or a Python list given as the input becomes a {config.floatx()} tensor, "
                      "config.floatx(); a kernel or bias given so takes the input's dtype)")


def _check_ranks(op, x, kernel, data_format, kernel_layout):
    layout = "(batch, steps, channels)" if data_format == "channels_last" else "(batch, channels, steps)"
    if x.ndim != 3:
        raise ValueError(f"`{op}` expects a rank-3 input of shape {layout} (data_format='{data_format}'); "
                         f"received an input of shape {tuple(x.shape)}")
    if kernel.ndim != 3:
        raise ValueError(f"`{op}` expects a rank-3 kernel of shape {kernel_layout}; received a kernel of shape "
                         f"{tuple(kernel.shape)}")
    if kernel.shape[0] == 0:
        raise ValueError(f"`{op}`: the kernel has no taps (kernel shape {tuple(kernel.shape)})")


def _check_bias(op, bias, filters, kernel):
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != filters):
        raise ValueError(f"`{op}`: expected a bias of shape (filters,) = ({filters},) for a kernel of shape "
                         f"{tuple(kernel.shape)}; received a bias of shape {tuple(bias.shape)}")


#: What conv1d's ``padding`` may be, for its error messages.
_CONV1D_PADDING = ("one of ('valid', 'same', 'causal') or a tuple (left, right) of two integers (PyTorch's "
                   "padding=2 is (2, 2))")
_TRANSPOSE_PADDING = ("one of ('valid', 'same') or a tuple (left, right) of two integers, the steps cropped from "
                      "each end of the full output (PyTorch's padding=1 is (1, 1))")


#: PyTorch's keyword names (``torch.nn.functional.conv1d`` / ``conv_transpose1d``) and what they are here.
_TORCH_KEYWORDS = {
    "stride": "PyTorch's stride={value!r} is strides={value!r} here (Keras' name)",
    "dilation": "PyTorch's dilation={value!r} is dilation_rate={value!r} here (Keras' name)",
    "padding_mode": "only zero padding is supported (PyTorch's default padding_mode='zeros'; padding_mode is an "
                    "argument of torch.nn.Conv1d, not of F.conv1d); pad the input first for another, e.g. with "
                    "tg.ops.pad",
}
#: The hints for the values that ask for what the op does anyway: the argument only has to go.
_NO_OP_KEYWORDS = {
    "padding_mode": ("zeros", ("drop the argument: zero padding is what this op does (padding_mode is an "
                               "argument of torch.nn.Conv1d, not of F.conv1d)")),
    "groups": (1, "drop groups=1: conv1d_transpose has no groups, and one group is what it computes"),
}
_TRANSPOSE_GROUPS = ("conv1d_transpose has no groups (neither has keras.ops.conv_transpose); for PyTorch's "
                     "groups={value!r}, split the input channels with tg.ops.split, transpose-convolve each group with "
                     "its own kernel and tg.ops.concat the results on the channel axis")


def _refuse_torch_keywords(op, keywords):
    """A ``TypeError`` for keyword arguments ``op`` does not take, saying what to write where the name is
    PyTorch's (``stride=2`` is ``strides=2`` here), as Python's own "got an unexpected keyword argument" does
    with no hint."""
    if not keywords:
        return
    name, value = next(iter(keywords.items()))
    hint = _TRANSPOSE_GROUPS if op == "conv1d_transpose" and name == "groups" else _TORCH_KEYWORDS.get(name)
    if name in _NO_OP_KEYWORDS and hint is not None and _is_exactly(value, _NO_OP_KEYWORDS[name][0]):
        hint = _NO_OP_KEYWORDS[name][1]
    hint = f": {hint.format(value=value)}" if hint else ""
    raise TypeError(f"{op}() got an unexpected keyword argument {name!r}{hint}")


def _is_exactly(value, default):
    """``value`` is ``default`` written plainly: the string ``"zeros"``, or the integer 1 (not ``True``)."""
    if isinstance(default, str):
        return isinstance(value, str) and value == default
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value == default


def _explicit_padding(padding, expected=_CONV1D_PADDING):
    """Check ``padding=(left, right)``: two ints (negative values drop samples instead of adding zeros); a
    ``ValueError`` for another count, a ``TypeError`` for items that are not integers (``1.5``, ``True``)."""
    if len(padding) != 2:
        raise ValueError(f"Invalid value for argument `padding`. Expected {expected}. Received padding={padding!r}")
    if any(isinstance(p, bool) or not isinstance(p, (int, np.integer)) for p in padding):
        raise TypeError(f"Invalid type for argument `padding`. Expected {expected}. Received padding={padding!r}")
    return int(padding[0]), int(padding[1])


def _swap_layout(xp, a, data_format):
    """``(B, C, L) <-> (B, L, C)`` for ``channels_first`` (a view; the permutation is its own inverse)."""
    return a if data_format == "channels_last" else xp.permute_dims(a, (0, 2, 1))


def _to_channels_last(xp, a, data_format):
    """An op's input in the kernels' layout ``(B, L, C)``.

    Used by ``conv1d_transpose``. Optimised path for ``channels_first``: the permuted view is copied once into a
    C-ordered array where the namespace can (:func:`~tinygradconv.ops.conv_batching.contiguous_copy`, the samples
    shared between threads on NumPy; array-api-strict keeps the view). The kernels' gathers and reshapes of a
    permuted input transpose its data again in every chunk: on the medium benchmark shape in ``(B, C, L)`` this made
    conv1d forward+backward ~1.6x slower than on ``(B, L, C)`` (one core of an AVX-512 Xeon, 2026-11-30), while one
    transposing copy costs about as much as a plain copy (0.5 ms for its input). The output gradient is left a
    permuted view: copying it as well gained nothing measurable and cost its size in peak memory (which then
    exceeded torch's for conv1d_transpose). The input gradient goes back as a permuted view of the kernels' new
    ``(B, L, C)`` array, which a leaf keeps as its ``.grad`` without a copy (a transposing copy into ``(B, C, L)``
    order costs 0.9-1.5 ms on the medium shape, a plain copy 0.3 ms).

    ``conv1d`` keeps the permuted view instead and copies each batch chunk (:func:`_input_rows`), which spares the
    whole-input copy and the page faults it brought.
    """
    a = _swap_layout(xp, a, data_format)
    return a if data_format == "channels_last" else contiguous_copy(xp, a)


def _as_tensor(value, like=None):
    """``value`` as a Tensor on ``like``'s backend; a list or an integer array beside a tensor ``like`` takes its
    dtype (``bias=[1.0, 2.0]`` with a float64 input is float64), a floating array keeps its own."""
    if value is None or isinstance(value, Tensor):
        return value
    if like is None:
        return Tensor(value)
    floating_array = "float" in str(getattr(value, "dtype", ""))
    return Tensor(value, backend=like.backend, dtype=None if floating_array else like.dtype)


def _required_tensor(value, name, like=None):
    """``value`` as a Tensor (:func:`_as_tensor`); ``None`` is a TypeError naming the argument."""
    if value is None:
        raise TypeError(f"Invalid type for argument `{name}`. Expected a tensor or array. Received {name}=None")
    return _as_tensor(value, like)


def _summing_dtype(xp, *arrays):
    """The arrays in the dtype their sums are taken in: float16 ones as float32, others (and ``None``) as they
    are.

    PyTorch's CPU convolutions (and so Keras 3 on torch) add a float16 convolution's products in float32 and round
    the result once; added in float16, the tap sums of ``x = (200, 200, -200)``, ``W = (200, 200, 200)`` overflowed:
    40000 + 40000 = inf before the - 40000 (found by a tester), and with 256 taps the largest relative error was
    about 10x torch's."""
    if not arrays or dtype_name(arrays[0].dtype) != "float16":      # (array-api-strict has no float16 at all)
        return arrays
    return tuple(None if a is None else xp.astype(a, xp.float32) for a in arrays)


def _rounded(xp, arrays, dtype):
    """The results of a convolution (``None`` stays ``None``) rounded once to the inputs' ``dtype``."""
    return tuple(a if a is None or a.dtype == dtype else xp.astype(a, dtype) for a in arrays)


#: About how many bytes the plan of one tap takes (:func:`_tap_ranges`: a tuple of five Python integers; measured
#: 200 MB for a kernel of 10**6 taps).
TAP_PLAN_BYTES = 200


def _planned_taps(short_len, long_len, kernel_size, strides, dilation_rate):
    """At most how many taps :func:`_tap_ranges` keeps a plan for: those that meet a sample, whose ``t*d`` lies
    within ``(short_len - 1)*s + long_len`` steps, however the two signals are offset (a kernel of 3.2*10**7 taps
    with "same" padding on 3 steps keeps 5; counting every tap refused it, found by a reviewer).

    >>> _planned_taps(3, 3, 32_000_000, 1, 1), _planned_taps(3, 10**8 + 2, 10**8, 1, 1)
    (6, 100000000)
    """
    return max(0, min(kernel_size, (long_len + (short_len - 1) * strides) // dilation_rate + 1))


def _check_output_size(xp, op, x, out_len, filters, kernel_size, arguments):
    """A ValueError naming the arguments that make the output of ``x`` (float, channels_last) too large: more bytes
    than an index can count, or (NumPy-based backends) more than this machine's memory, before NumPy's own
    ``MemoryError: Unable to allocate 54.6 TiB`` from deep inside (``strides=10**12``, found by a tester). The
    per-tap plan (:data:`TAP_PLAN_BYTES` a tap) counts too, and may take at most a quarter of the memory:
    ``Conv1DTranspose(1, 10**8)`` on 3 steps, whose output fits, was killed by the system after two minutes
    (found by a tester), and took 20 GB for 3.5 minutes where it survived."""
    size = x.shape[0] * out_len * filters * float_bytes(xp, x.dtype)
    if size > np.iinfo(np.int64).max:
        raise ValueError(f"`{op}`: the output would have {out_len} steps (batch {x.shape[0]}, {filters} filters), "
                         f"more than one array can hold. Received {arguments}.")
    memory = physical_memory() if type(x).__module__.startswith(("numpy", "array_api_strict")) else None
    if memory is not None and size > memory:
        raise ValueError(f"`{op}`: the output would have {out_len} steps (batch {x.shape[0]}, {filters} filters): "
                         f"{size / 2**30:.4g} GiB, more than this machine's memory ({memory / 2**30:.4g} GiB). "
                         f"Received {arguments}.")
    plan = kernel_size * TAP_PLAN_BYTES
    if memory is not None and (size + plan > memory or plan > memory / 4):
        raise ValueError(f"`{op}`: a kernel of {kernel_size} taps needs a plan of about {TAP_PLAN_BYTES} bytes a "
                         f"tap ({plan / 2**30:.4g} GiB) besides the output ({size / 2**30:.4g} GiB): more than "
                         f"this machine's memory ({memory / 2**30:.4g} GiB) allows (the plan at most a quarter of "
                         f"it). Received a kernel_size of {kernel_size} and {arguments}.")


# ----------------------------------------------------------------------------------------------------------------
# The differentiable ops
# ----------------------------------------------------------------------------------------------------------------
def _transpose_samples(rng):
    n = rng.standard_normal
    return [
        Sample((n((2, 4, 3)), n((3, 2, 3)), n((2,))), {"strides": 2}),
        Sample((n((1, 3, 2)), n((2, 3, 2)), None), {"strides": 3, "padding": "same", "output_padding": 2}),
        Sample((n((2, 4, 2)), n((3, 2, 2)), n((2,))), {"padding": "same", "dilation_rate": 2}),
        Sample((n((1, 2, 5)), n((4, 2, 2)), n((2,))),
               {"strides": 2, "padding": "same", "output_padding": 0, "dilation_rate": 2,
                "data_format": "channels_first"}),
        Sample((n((1, 2, 1)), n((1, 2, 1)), n((2,))), {"strides": 3}),      # zero extension: k_eff < strides
        Sample((n((1, 3, 2)), n((3, 1, 2)), None), {"strides": 2, "padding": "same"}),  # odd crop
        Sample((n((2, 3, 2)), n((4, 2, 2))), {"strides": 2}),                  # bias left out; blocked path
        Sample((n((2, 4, 2)), n((3, 3, 2)), n((3,))), {"strides": 2, "padding": (1, 1), "output_padding": 1}),
        Sample((n((1, 3, 2)), n((2, 2, 2)), None), {"strides": 2, "padding": (0, 2)}),   # PyTorch's crop, lopsided
    ]


@register_op("conv1d_transpose", samples=_transpose_samples)
class Conv1dTransposeOp(Function):
    """The differentiable op behind :func:`conv1d_transpose` (the layer is ``layers.Conv1DTranspose``).

    ``Conv1dTransposeOp.apply(x, kernel[, bias], **attrs)`` takes Tensors; ``bias`` may be ``None`` or left out.
    Its gradients are new arrays (``new_gradients``), so leaf tensors keep them without a copy.
    """

    new_gradients = True

    @staticmethod
    def forward(ctx, x, kernel, bias=None, *, strides=1, padding="valid", output_padding=None, dilation_rate=1,
                data_format="channels_last"):
        xp = ctx.xp
        op = "conv1d_transpose"
        data_format = config.standardize_data_format(data_format)
        strides = normalize_int(strides, "strides")
        dilation_rate = normalize_int(dilation_rate, "dilation_rate")
        if isinstance(padding, (tuple, list)):      # PyTorch's crop, (left, right): torch's padding=p is (p, p)
            crops = _explicit_padding(padding, _TRANSPOSE_PADDING)
            if min(crops) < 0:
                raise ValueError(f"Invalid value for argument `padding`: the crops must be >= 0 (as PyTorch's "
                                 f"padding; output_padding extends the output). Received padding={padding!r}.")
        elif not isinstance(padding, str):
            raise TypeError(f"Invalid type for argument `padding`. Expected {_TRANSPOSE_PADDING}. Received "
                            f"padding={padding!r} of type {type(padding).__name__}")
        else:
            padding = normalize_padding(padding, TRANSPOSE_PADDINGS, expected=_TRANSPOSE_PADDING)
        output_padding = normalize_output_padding(output_padding)
        _check_ranks(op, x, kernel, data_format, "(kernel_size, filters, input_channels)")
        _check_dtypes(xp, op, x, kernel, bias)
        x = _to_channels_last(xp, x, data_format)
        k, filters, kernel_in = kernel.shape
        if x.shape[2] != kernel_in:
            raise ValueError("The number of input channels must match the kernel's input channels. Received: input "
                             f"channels={x.shape[2]}, kernel input channels={kernel_in} (kernel shape "
                             f"{tuple(kernel.shape)}), data_format='{data_format}'.")
        _check_bias(op, bias, filters, kernel)
        if x.shape[1] == 0 and x.shape[0] > 0 and x.shape[2] > 0:
            # torch (and Keras on it): "Only zero batch or zero channel inputs are supported"
            raise ValueError(f"`{op}`: the input has 0 steps (shape {tuple(x.shape)} in channels_last order), which "
                             "has no transposed convolution; as in PyTorch and Keras, only an empty batch or 0 "
                             "input channels may go with 0 steps. Received an input of "
                             f"{x.shape[0]} samples of 0 steps and {x.shape[2]} channels.")

        if isinstance(padding, str):
            c_left, out_len = transpose_window(x.shape[1], (k - 1) * dilation_rate + 1, strides, padding,
                                               output_padding)
        else:
            full = full_transpose_length(x.shape[1], k, strides, dilation_rate) + (output_padding or 0)
            c_left, out_len = crops[0], full - sum(crops)
            if out_len < 0:
                raise ValueError(f"Invalid value for argument `padding`: it crops more than the {full} steps of the "
                                 f"full output. Expected crops of at most {full} steps in all. Received "
                                 f"padding={padding!r}.")
        _check_output_size(xp, op, x, out_len, filters, _planned_taps(x.shape[1], out_len, k, strides, dilation_rate),
                           f"strides={strides}, output_padding={output_padding}, dilation_rate={dilation_rate}")
        dtype = x.dtype
        x, kernel, bias = _summing_dtype(xp, x, kernel, bias)       # float16: sums in float32, as torch
        # inf or NaN in the inputs: NaN outputs, silently (as torch; Function.apply)
        y = conv1d_transpose_forward(xp, x, kernel, strides, dilation_rate, c_left, out_len, bias)
        ctx.save_for_backward(x, kernel)
        ctx.attrs = (strides, dilation_rate, c_left, data_format, bias is not None, dtype)
        return _swap_layout(xp, _rounded(xp, (y,), dtype)[0], data_format)

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        x, kernel = ctx.saved_tensors
        strides, dilation_rate, c_left, data_format, has_bias, dtype = ctx.attrs
        need_x, need_kernel, need_bias = (tuple(ctx.needs_input_grad) + (False,) * 3)[:3]
        grad = _swap_layout(xp, _summing_dtype(xp, grad)[0], data_format)
        # dx = conv1d(dy, W, padding=(c_left, c_right)), dW = gather(dy)^T @ x, db = sum of dy: one shared gather
        # (conv1d_transpose_backward_reference writes the same with the conv1d kernels)
        dx, dkernel, dbias = _rounded(xp, conv1d_transpose_backward(xp, grad, x, kernel, strides, dilation_rate,
                                                                    c_left, need_x=need_x, need_kernel=need_kernel,
                                                                    need_bias=has_bias and need_bias), dtype)
        if dx is not None:
            dx = _swap_layout(xp, dx, data_format)
        return (dx, dkernel, dbias)[:len(ctx.inputs)]           # one gradient per input: the bias may be left out


def _conv_samples(rng):
    n = rng.standard_normal
    return [
        Sample((n((2, 7, 3)), n((3, 3, 2)), n((2,))), {"strides": 2}),
        Sample((n((1, 6, 4)), n((2, 2, 4)), n((4,))), {"padding": "same", "dilation_rate": 2, "groups": 2}),
        Sample((n((2, 2, 5)), n((3, 2, 3)), None),
               {"strides": 2, "padding": "causal", "data_format": "channels_first"}),
        Sample((n((1, 6, 2)), n((2, 2, 2)), n((2,))), {"strides": 2, "padding": (2, -1), "dilation_rate": 3}),
        Sample((n((1, 5, 2)), n((4, 2, 3)), None), {"strides": 3, "padding": "same"}),
        Sample((n((2, 6, 2)), n((3, 2, 2))), {"strides": 2}),                  # bias left out
    ]


@register_op("conv1d", samples=_conv_samples)
class Conv1dOp(Function):
    """The differentiable op behind :func:`conv1d` (the layer is ``layers.Conv1D``).

    ``Conv1dOp.apply(x, kernel[, bias], **attrs)`` takes Tensors; ``bias`` may be ``None`` or left out.
    Its gradients are new arrays (``new_gradients``), so leaf tensors keep them without a copy.
    """

    new_gradients = True

    @staticmethod
    def forward(ctx, x, kernel, bias=None, *, strides=1, padding="valid", dilation_rate=1, groups=1,
                data_format="channels_last"):
        xp = ctx.xp
        op = "conv1d"
        data_format = config.standardize_data_format(data_format)
        strides = normalize_int(strides, "strides")
        dilation_rate = normalize_int(dilation_rate, "dilation_rate")
        groups = normalize_int(groups, "groups")
        if isinstance(padding, (tuple, list)):
            pad_left, pad_right = _explicit_padding(padding)
        elif not isinstance(padding, str):     # (NumPy arrays too: a tuple is what is meant)
            raise TypeError(f"Invalid type for argument `padding`. Expected {_CONV1D_PADDING}. Received "
                            f"padding={padding!r} of type {type(padding).__name__}")
        else:                                  # (the op, unlike the layer, takes a tuple too: its error says so)
            padding = normalize_padding(padding, CONV_PADDINGS, expected=_CONV1D_PADDING)
        _check_ranks(op, x, kernel, data_format, "(kernel_size, input_channels / groups, filters)")
        _check_dtypes(xp, op, x, kernel, bias)
        x = _swap_layout(xp, x, data_format)          # channels_first: copied chunk by chunk (_input_rows)
        k, kernel_in, filters = kernel.shape
        if x.shape[2] != kernel_in * groups:
            raise ValueError("The number of input channels must equal the kernel's input channels times `groups`. "
                             f"Received: input channels={x.shape[2]}, kernel input channels={kernel_in} (kernel "
                             f"shape {tuple(kernel.shape)}), groups={groups}, data_format='{data_format}'.")
        if filters % groups:
            raise ValueError(f"The number of filters must be divisible by `groups`. Received: filters={filters} "
                             f"(kernel shape {tuple(kernel.shape)}), groups={groups}.")
        _check_bias(op, bias, filters, kernel)
        k_eff = (k - 1) * dilation_rate + 1
        if isinstance(padding, str):
            pad_left, pad_right = conv_pads(x.shape[1], k_eff, strides, padding)
        elif x.shape[1] + min(pad_left, 0) + min(pad_right, 0) < 0:     # as torch's pad: no crop past the input
            raise ValueError(f"Invalid value for argument `padding`: its negative values drop more steps than the "
                             f"input has ({x.shape[1]}). Expected negative values that drop at most {x.shape[1]} of "
                             f"its steps in all. Received padding={padding!r}.")
        out_len = conv_steps(pad_left + x.shape[1] + pad_right, k_eff, strides)
        _check_output_size(xp, op, x, out_len, filters, _planned_taps(out_len, x.shape[1], k, strides, dilation_rate),
                           f"padding={padding!r}, strides={strides}, dilation_rate={dilation_rate}")

        dtype = x.dtype
        x, kernel, bias = _summing_dtype(xp, x, kernel, bias)       # float16: sums in float32, as torch
        # inf or NaN in the inputs: NaN outputs, silently (as torch; Function.apply)
        y = conv1d_forward(xp, x, kernel, strides, dilation_rate, pad_left, pad_right, groups, bias)
        ctx.save_for_backward(x, kernel)
        ctx.attrs = (strides, dilation_rate, pad_left, pad_right, groups, data_format, bias is not None, dtype)
        return _swap_layout(xp, _rounded(xp, (y,), dtype)[0], data_format)

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        x, kernel = ctx.saved_tensors
        strides, dilation_rate, pad_left, pad_right, groups, data_format, has_bias, dtype = ctx.attrs
        need_x, need_kernel, need_bias = (tuple(ctx.needs_input_grad) + (False,) * 3)[:3]
        grad = _swap_layout(xp, _summing_dtype(xp, grad)[0], data_format)
        # dx = conv1d_transpose(dy, W) cropped to the input, dW = gather(x)^T @ dy, db = sum of dy
        dx, dkernel, dbias = _rounded(xp, conv1d_backward(xp, grad, x, kernel, strides, dilation_rate, pad_left,
                                                          pad_right, groups, need_x=need_x, need_kernel=need_kernel,
                                                          need_bias=has_bias and need_bias), dtype)
        if dx is not None:
            dx = _swap_layout(xp, dx, data_format)
        return (dx, dkernel, dbias)[:len(ctx.inputs)]           # one gradient per input: the bias may be left out


# ----------------------------------------------------------------------------------------------------------------
# Public functions
# ----------------------------------------------------------------------------------------------------------------
def conv1d_transpose(x, kernel, bias=None, strides=1, padding="valid", output_padding=None, dilation_rate=1,
                     data_format=None, **unknown):
    r"""Transposed 1-D convolution, exactly as Keras 3 ``Conv1DTranspose`` / ``keras.ops.conv_transpose``.

    The full transposed convolution (no kernel flip; the gradient of a "valid" correlation)

    .. math:: F[b, j s + t d, o] \mathrel{+}= \sum_i x[b, j, i]\, W[t, o, i], \qquad 0 \le j < L,\ 0 \le t < k

    has length ``(L-1)*s + k_eff`` with ``k_eff = (k-1)*d + 1``; the output is its window
    ``y[b, n, o] = F[b, n + c_left, o] + bias[o]`` for ``0 <= n < N`` (zeros where ``n + c_left`` falls outside
    ``F``), with ``N`` and ``c_left`` from :mod:`~tinygradconv.ops.conv_arithmetic`:

    ========  ==============  ================================  ==================================================
    padding   output_padding  N                                 c_left
    ========  ==============  ================================  ==================================================
    valid     None            ``(L-1)*s + max(k_eff, s)``       0
    valid     op              ``(L-1)*s + k_eff + op``          0
    same      None            ``L*s``                           ``max(floor((k_eff - s)/2), 0)``
    same      op              ``(L-1)*s + k_eff % 2 + op``      ``max(floor((k_eff - k_eff%2 - op)/2), 0)``
    ========  ==============  ================================  ==================================================

    ``output_padding=None`` differs from ``0``; an odd total crop removes one more sample on the right; a negative
    crop extends with zeros; ``N`` may be 0. Like ``keras.ops.conv_transpose`` (unlike the layer) this op does not
    require ``output_padding < strides`` and accepts ``strides > 1`` together with ``dilation_rate > 1``.

    ``padding=(left, right)`` (this op only; the layer takes Keras' two names) crops ``left`` and ``right`` steps
    from the full output extended by ``output_padding`` (``None`` is 0 there): ``N = (L-1)*s + k_eff + op - left -
    right``, ``c_left = left``. That is PyTorch's ``conv_transpose1d(..., padding=p, output_padding=op)`` with
    ``(p, p)`` (https://pytorch.org/docs/stable/generated/torch.nn.ConvTranspose1d.html), the usual upsampling
    block ``stride=2, padding=1, output_padding=1`` included, which no Keras padding gives.

    Gradients (``G[b, j, t, o] = dy[b, j*s + t*d - c_left, o]``, zero outside ``dy``):
    ``dx = G @ W`` -- a conv1d of ``dy`` with the same kernel -- ``dW[t, o, i] = sum_{b, j} G[b, j, t, o] x[b, j, i]``,
    ``dbias = sum_{b, n} dy[b, n, :]``.

    Args:
        x: input ``(batch, steps, in)`` (``channels_last``) or ``(batch, in, steps)``; a Tensor or array data.
        kernel: ``(kernel_size, filters, in)`` (Keras layout).
        bias: ``(filters,)`` or ``None``.
        strides, dilation_rate: positive ints (or 1-tuples).
        padding: ``"valid"`` or ``"same"`` (case-insensitive), or ``(left, right)``: steps cropped (PyTorch's).
        output_padding: ``None`` or a non-negative int.
        data_format: ``"channels_last"``, ``"channels_first"``, or ``None`` for ``config.image_data_format()``.

    Returns:
        A Tensor ``(batch, N, filters)`` (``channels_last``) or ``(batch, filters, N)``. The kernels compute in the
        ``channels_last`` layout, so on NumPy a ``channels_first`` result (and its input gradient) holds a permuted
        view of a C-ordered ``(batch, N, filters)`` array: the same values, but ``.numpy()`` is not C-contiguous
        (``np.ascontiguousarray`` copies it; ``Model.predict`` returns C-ordered arrays, as Keras).

    Raises:
        ValueError: wrong ranks, channel mismatch, bias shape, bad padding / strides / dilation / output_padding,
            an output too large for one array or (NumPy) for this machine's memory, an input of 0 steps with
            samples and channels (PyTorch and Keras refuse it too; an empty batch or 0 channels give an output).
        TypeError: ``x`` or ``kernel`` is ``None``, non-integer arguments, non-float or mixed dtypes (a list or an
            integer array given as ``kernel`` or ``bias`` takes the dtype of ``x``); a keyword this op does not take,
            PyTorch's ``conv_transpose1d`` names told apart (``stride=2`` is ``strides=2``, ``dilation=2`` is
            ``dilation_rate=2``; ``groups`` has no counterpart).

    Example:
        >>> import numpy as np
        >>> x = np.ones((1, 3, 1), dtype="float32")
        >>> w = np.array([1.0, 2.0, 3.0], dtype="float32").reshape(3, 1, 1)
        >>> conv1d_transpose(x, w, strides=2).numpy()[0, :, 0].tolist()
        [1.0, 2.0, 4.0, 2.0, 4.0, 2.0, 3.0]
        >>> conv1d_transpose(x, w, strides=2, padding="same").shape       # L * strides
        (1, 6, 1)
    """
    _refuse_torch_keywords("conv1d_transpose", unknown)
    x = _required_tensor(x, "x")
    return Conv1dTransposeOp.apply(x, _required_tensor(kernel, "kernel", x), _as_tensor(bias, x), strides=strides,
                                   padding=padding, output_padding=output_padding, dilation_rate=dilation_rate,
                                   data_format=config.standardize_data_format(data_format))


def conv1d(x, kernel, bias=None, strides=1, padding="valid", dilation_rate=1, groups=1, data_format=None, **unknown):
    r"""1-D convolution (cross-correlation), exactly as Keras 3 ``Conv1D`` / ``keras.ops.conv``.

    .. math:: y[b, n, o] = \text{bias}[o] + \sum_{t, i} x_{pad}[b, n s + t d, g C_g + i]\, W[t, i, o],
              \qquad g = \lfloor o / (\text{filters}/\text{groups}) \rfloor

    where ``x_pad`` is ``x`` with ``(left, right)`` zeros: ``"valid"`` ``(0, 0)``; ``"causal"`` ``(k_eff-1, 0)``;
    ``"same"`` ``pad_total = max((ceil(L/s)-1)*s + k_eff - L, 0)``, ``left = pad_total // 2``. An explicit tuple
    ``padding=(left, right)`` is also accepted (a negative value drops that many samples at that end); it is what
    makes this op the exact adjoint of :func:`conv1d_transpose` in every case, see
    :func:`~tinygradconv.ops.conv_arithmetic.matching_conv_padding`. Output length
    ``N = floor((left + L + right - k_eff)/s) + 1`` (0 when the padded signal is shorter than ``k_eff``); for
    ``"same"`` and ``"causal"`` that is ``ceil(L/s)``.

    Gradients (``X[b, n, t, i] = x_pad[b, n*s + t*d, i]``, the im2col matrix):
    ``dW = X^T @ dy``; ``dx = scatter_add(dy @ W^T)`` -- a transposed convolution of ``dy``; ``dbias = sum dy``.

    Args:
        x: input ``(batch, steps, in)`` (``channels_last``) or ``(batch, in, steps)``.
        kernel: ``(kernel_size, in / groups, filters)`` (Keras layout).
        bias: ``(filters,)`` or ``None``.
        strides, dilation_rate, groups: positive ints.
        padding: ``"valid"``, ``"same"``, ``"causal"`` or ``(left, right)``.
        data_format: ``"channels_last"``, ``"channels_first"`` or ``None`` (the configured default).

    Returns:
        A Tensor ``(batch, N, filters)`` (``channels_last``) or ``(batch, filters, N)``. The kernels compute in the
        ``channels_last`` layout, so on NumPy a ``channels_first`` result (and its input gradient) holds a permuted
        view of a C-ordered ``(batch, N, filters)`` array: the same values, but ``.numpy()`` is not C-contiguous
        (``np.ascontiguousarray`` copies it; ``Model.predict`` returns C-ordered arrays, as Keras).

    Raises:
        ValueError: wrong ranks, channel or group mismatch, bias shape, bad padding / strides / dilation / groups
            (also a ``(left, right)`` whose negative values drop more steps than the input has, which torch's
            ``pad`` refuses too), an output too large for one array or (NumPy) for this machine's memory.
        TypeError: ``x`` or ``kernel`` is ``None``, non-integer arguments, non-float or mixed dtypes (a list or an
            integer array given as ``kernel`` or ``bias`` takes the dtype of ``x``); a keyword this op does not take,
            PyTorch's ``conv1d`` names told apart (``stride=2`` is ``strides=2``, ``dilation=2`` is
            ``dilation_rate=2``).

    Example:
        >>> import numpy as np
        >>> x = np.arange(5, dtype="float32").reshape(1, 5, 1)
        >>> w = np.array([1.0, 10.0], dtype="float32").reshape(2, 1, 1)
        >>> conv1d(x, w).numpy()[0, :, 0].tolist()
        [10.0, 21.0, 32.0, 43.0]
        >>> conv1d(x, w, strides=2, padding="causal").numpy()[0, :, 0].tolist()
        [0.0, 21.0, 43.0]
    """
    _refuse_torch_keywords("conv1d", unknown)
    x = _required_tensor(x, "x")
    return Conv1dOp.apply(x, _required_tensor(kernel, "kernel", x), _as_tensor(bias, x), strides=strides,
                          padding=padding, dilation_rate=dilation_rate, groups=groups,
                          data_format=config.standardize_data_format(data_format))
