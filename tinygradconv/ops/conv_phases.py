r"""conv1d on ``channels_first`` inputs with a stride: the stride's phases stacked as channels (space-to-depth).

Notation as in :mod:`~tinygradconv.ops.conv`: batch ``B``, input ``x`` ``(B, C, L)`` (``channels_first``), kernel
``W`` ``(k, C, F)``, stride ``s``, no dilation, left padding ``pad_left``, output ``y`` ``(B, F, N)``. Write each
tap as ``t = q*s + r`` (``q = t // s``, phase ``r = t % s``). The input sample that tap ``t`` reads for output
step ``p`` is ``p*s + t - pad_left = (p + q)*s + r - pad_left``. So, with the input's ``s`` phases stacked as
channels,

.. math::

    X[b, rC + c, j] = x_\text{pad}[b, c, js + r], \qquad
    W_q[rC + c, f] = W[qs + r, c, f] \quad (qs + r < k),

the strided convolution is a convolution with stride 1, ``Q = ceil(k / s)`` taps and ``s*C`` channels:

.. math::

    y[b, :, p] = \sum_q W_q^\top X[b, :, p + q] + \text{bias}.

Its gradients are those of a stride-1 convolution, taken back through the phases:

.. math::

    dX[b, :, j] = \sum_q W_q\, dy[b, :, j - q], \qquad dx[b, c, js + r - \text{pad}_\text{left}] = dX[b, rC + c, j],

    dW_q = \sum_b X[b, :, q:q+N]\, dy[b]^\top, \qquad d\text{bias} = \sum_{b, p} dy[b, :, p].

This module computes ``y``, ``dW`` and ``dbias`` so; the input gradient ``dx`` is left to the blocked overlap-add
of :mod:`~tinygradconv.ops.conv`, which was faster than the same products through the phases
(:func:`conv1d_kernel_grad_phases` says by how much).

``W_q`` holds the rows of taps ``q*s .. min(q*s + s, k) - 1``, which are rows ``q*s*C ..`` of the kernel read as a
``(k*C, F)`` matrix, and the first ``rows_q`` rows of ``X``: the last ``q`` reads only the phases it has taps for,
so no product multiplies a tap that is not in the kernel.

Why: a ``channels_first`` input has its steps next to each other, and a stride puts the steps one tap reads ``s``
apart, where BLAS cannot read them. :mod:`~tinygradconv.ops.conv` copies each batch chunk into ``(B, L, C)``
order for that, a transposing copy. Here one copy splits the steps into their phases instead (reading with a
stride, writing contiguous rows: about half the time of the transposing copy), after which every product reads
contiguous rows of ``X``: in the forward pass one stack of per-sample GEMMs ``X_q^T (N, rows_q) @ W_q (rows_q, F)``
per ``q``, which writes ``y``'s steps as rows (so ``y`` comes back as a permuted view, see
:func:`conv1d_forward_phases`), in the kernel gradient ``(rows_q, N) @ (N, F)``. Padding is written into ``X`` as
real zeros, so an inf or NaN in a tap that meets padding gives NaN, as in torch (which pads, then convolves) and in the
other paths. Measured: see :func:`takes_phase_path` and :data:`PHASE_PATH_VENDORS`; by default only AMD CPUs take
this path, where it paid (on an AVX-512 Xeon the chunk-by-chunk copies were faster).
"""
from __future__ import annotations

import numpy as np
from array_api_compat import is_numpy_namespace

from . import gemm_blocks
from .conv_batching import chunk_size, chunks, map_batch_parts, on_for_this_cpu, sum_parts

__all__ = ["PHASE_PATH", "PHASE_PATH_VENDORS", "conv1d_forward_phases", "conv1d_kernel_grad_phases", "takes_phase_path"]

#: ``None`` (the default): the phase path serves on the CPU makers where it was measured to pay, AMD's
#: (:data:`PHASE_PATH_VENDORS`); ``True``: on every CPU; ``False``: nowhere, ``channels_first`` inputs go through
#: :mod:`~tinygradconv.ops.conv`'s paths (tests compare both).
PHASE_PATH = None

#: The CPU makers (:func:`~tinygradconv.ops.conv_batching.cpu_vendor`) on which :data:`PHASE_PATH` ``None`` takes
#: the phase path. On an AVX-512 Xeon (2 vCPUs under KVM, OpenBLAS 0.3.31, 2026-12-05) the chunk-by-chunk copies of
#: :mod:`~tinygradconv.ops.conv` were faster:
#: ``conv1d`` forward+backward on ``channels_first`` inputs without the phase path against with it, the two
#: alternating in one process, 10 rounds, took 0.87x the time on the long signal (16 samples, 2,048 steps, 32 -> 16
#: channels, k = 4, s = 2), 0.95-0.96x on the medium shape (``benchmarks/ab.py``, 8 rounds: forward 0.935x), level
#: with s = 4, k = 8 and on the large shape (one thread), 1.05x slower only on the small one (4 samples, 0.2 ms); with
#: two threads 0.88x (long), 0.96x (s = 4, k = 8), level on the medium shape. The maker stands in for the two
#: machines measured (an AMD core with AVX2, an Intel core with AVX-512); AMD's AVX-512 cores were not measured for
#: this choice (``python benchmarks/ab.py conv1d long --data-format channels_first --variant
#: conv_phases.PHASE_PATH=True``).
PHASE_PATH_VENDORS = frozenset({"AuthenticAMD"})


def takes_phase_path(xp, kernel_size, strides, dilation_rate, groups):
    """Whether a conv1d on a ``channels_first`` input takes this module's path: :data:`PHASE_PATH` on (by default:
    an AMD CPU, :data:`PHASE_PATH_VENDORS`), NumPy, ``1 < strides <= k``, no dilation, one group (the caller checks
    the layout and that no array is empty).

    Measured on one core of an AMD EPYC (AVX2, OpenBLAS 0.3.31 Haswell kernels, 2026-12-03), forward+backward of the
    kernels on the medium benchmark shape in ``channels_first`` (32 samples, 515 steps, 64 -> 64 channels, k = 5,
    s = 2), the two paths alternating in one process, 25 rounds: minimum 17.2-18.3 ms against 19.2-21.3 ms for the
    chunk-by-chunk transposing copies of :mod:`~tinygradconv.ops.conv`, the forward alone 5.3-5.8 ms against
    6.2-6.7 ms. With ``s > k`` some phases would be copied and never read; with dilation the taps of one phase
    are not ``s`` apart.

    >>> from tinygradconv.ops.conv_batching import cpu_vendor
    >>> takes_phase_path(np, 5, 2, 1, 1) == (cpu_vendor() in PHASE_PATH_VENDORS)   # k = 5, s = 2: by the CPU's maker
    True
    """
    return (on_for_this_cpu(PHASE_PATH, PHASE_PATH_VENDORS) and is_numpy_namespace(xp)
            and _phase_shapes(kernel_size, strides, dilation_rate, groups))


def _phase_shapes(kernel_size, strides, dilation_rate, groups):
    """The shapes of :func:`takes_phase_path`, whatever the CPU: ``1 < strides <= k``, no dilation, one group.

    >>> _phase_shapes(5, 2, 1, 1), _phase_shapes(5, 1, 1, 1), _phase_shapes(2, 3, 1, 1), _phase_shapes(5, 2, 2, 1)
    (True, False, False, False)
    """
    return 1 < strides <= kernel_size and dilation_rate == 1 and groups == 1


def _phase_span(r, strides, pad_left, in_len, length):
    """``(j0, j1, i0)``: phase ``r`` of the padded input holds the samples ``x[i0], x[i0 + s], ..`` at
    ``j0 <= j < j1`` (``i = j*s + r - pad_left`` in ``[0, in_len)``), padding zeros elsewhere in ``[0, length)``.

    >>> _phase_span(0, 2, 1, 5, 4), _phase_span(1, 2, 1, 5, 4)       # x0..x4 padded by one zero on the left
    ((1, 3, 1), (0, 3, 0))
    """
    s = strides
    j0 = max(0, -((r - pad_left) // s))                 # ceil((pad_left - r) / s), at least 0
    j1 = max(j0, min(length, (in_len - 1 - r + pad_left) // s + 1))
    return j0, j1, j0 * s + r - pad_left


def _split_phases(x, strides, pad_left, out):
    """``out[b, r*C + c, j] = x[b, c, j*s + r - pad_left]``, 0 where that sample is padding (``out`` is
    ``(b, s*C, length)``): one strided copy per phase."""
    c, in_len = x.shape[1], x.shape[2]
    for r in range(strides):
        j0, j1, i0 = _phase_span(r, strides, pad_left, in_len, out.shape[2])
        rows = out[:, r * c:(r + 1) * c, :]
        rows[:, :, :j0] = 0
        rows[:, :, j1:] = 0
        if j1 > j0:
            rows[:, :, j0:j1] = x[:, :, i0:i0 + (j1 - j0 - 1) * strides + 1:strides]
    return out


def _phase_rows(kernel_size, channels, strides):
    """For each ``q``: the rows of the kernel matrix ``(k*C, F)`` that make ``W_q`` (taps ``q*s .. q*s + s - 1``
    that exist), as a slice; ``W_q`` multiplies the first ``stop - start`` rows of the phases.

    >>> _phase_rows(5, 1, 2)
    [slice(0, 2, None), slice(2, 4, None), slice(4, 5, None)]
    """
    s = strides
    return [slice(q * s * channels, min(q * s + s, kernel_size) * channels) for q in range(-(-kernel_size // s))]


def _blas_readable(a):
    """``a`` ``(b, m, n)`` with each sample a matrix BLAS can read (one unit stride), copied into C order if not
    (e.g. a broadcast output gradient, all of whose strides are 0)."""
    item = a.itemsize
    if a.strides[2] == item or a.strides[1] == item or min(a.shape) == 0:
        return a
    return np.ascontiguousarray(a)


def conv1d_forward_phases(xp, x, kernel, strides, pad_left, out_len, bias=None):
    """``y[b, :, p] = sum_q W_q^T X[b, :, p + q] (+ bias)`` for a ``channels_first`` ``x`` ``(B, C, L)``: ``y``
    ``(B, F, out_len)``, the permuted view of a new C-ordered ``(B, out_len, F)`` array (the module docstring has
    the maths; ``out_len >= 1``, ``B >= 1``).

    Per batch chunk, the phases ``X`` (:func:`_split_phases`), then for each ``q`` one stack of per-sample GEMMs
    ``X[b, :rows_q, q:q + N]^T (N, rows_q) @ W_q (rows_q, F)``, which BLAS reads as a transposed matrix: the first
    written into ``y`` (``matmul(..., out=)``), the others added. Each writes the output's steps as rows of ``F``
    columns, a narrow product that OpenBLAS's small-matrix kernels serve in blocks of rows
    (:func:`~tinygradconv.ops.gemm_blocks.product`); ``(F, rows_q) @ (rows_q, N)`` into ``(F, N)`` rows, which
    they do not serve, took 1.12x the time (forward of the ``channels_first`` benchmark case, one core of an AMD
    EPYC, Zen 4, 2026-12-05). So ``y`` comes back with its steps' axis strided, as ``dx`` does from the backward
    pass. The batch is shared between threads as in :mod:`~tinygradconv.ops.conv_batching`.

    >>> x = np.arange(10.0).reshape(1, 1, 10)                 # one sample, one channel, steps 0..9
    >>> conv1d_forward_phases(np, x, np.ones((2, 1, 1)), 2, 0, 5)[0, 0].tolist()    # k = 2, s = 2: x[2p] + x[2p+1]
    [1.0, 5.0, 9.0, 13.0, 17.0]
    """
    batch, c, _ = x.shape
    k, _, filters = kernel.shape
    s = strides
    w = xp.reshape(kernel, (k * c, filters))
    rows = _phase_rows(k, c, s)
    length = out_len + len(rows) - 1
    y_steps = np.empty((batch, out_len, filters), dtype=x.dtype)          # y[b, :, p] is y_steps[b, p]
    step = chunk_size(xp, batch, max(s * c * length, filters * out_len), x.dtype)

    def part(lo, hi):
        phases = np.empty((min(step, hi - lo), s * c, length), dtype=x.dtype)
        for b0, b1 in chunks(lo, hi, step):
            x_phases = _split_phases(x[b0:b1], s, pad_left, phases[:b1 - b0])
            for q, w_rows in enumerate(rows):
                x_q = xp.matrix_transpose(x_phases[:, :w_rows.stop - w_rows.start, q:q + out_len])   # (b, N, rows_q)
                if q == 0:
                    gemm_blocks.matmul_into(xp, x_q, w[w_rows, :], y_steps[b0:b1])
                else:
                    y_steps[b0:b1] += gemm_blocks.product(xp, x_q, w[w_rows, :])
            if bias is not None:
                y_steps[b0:b1] += bias

    map_batch_parts(xp, batch, step, part)
    return xp.permute_dims(y_steps, (0, 2, 1))


def conv1d_kernel_grad_phases(xp, grad, x, kernel, strides, pad_left, need_kernel=True, need_bias=False):
    """The kernel and bias gradients of :func:`conv1d_forward_phases` for the output gradient ``grad``
    ``(B, F, N)``: ``(dW, db)``, ``None`` for each one not needed (the module docstring has the maths; no array
    empty).

    Per batch chunk the phases are split again (keeping the forward pass's would hold the input's size for the
    whole step), then for each ``q`` one stack of per-sample GEMMs ``X[b, :rows_q, q:q+N] @ dy[b]^T``, summed over
    the samples into the rows of ``W_q`` (in the small-matrix blocks of rows of
    :func:`~tinygradconv.ops.gemm_blocks.product` where they pay, ``dy^T`` then copied into row-major order once
    per chunk: on one core of an AMD EPYC, Zen 4, forward+backward of the ``channels_first`` benchmark case took 0.95
    of the time without them, 2026-12-04); ``db`` by a GEMV per sample. The input gradient is not computed here: the
    transposed convolution of ``dy`` in :mod:`~tinygradconv.ops.conv` (its blocked overlap-add) was faster than
    the same products through the phases, which then have to be added at their shifts and interleaved back into
    the input's steps (9.2-9.7 against 7.6-8.2 ms, medium shape in ``channels_first``, one core of an AMD EPYC,
    2026-12-03).

    >>> x = np.arange(10.0).reshape(1, 1, 10)
    >>> dw, db = conv1d_kernel_grad_phases(np, np.ones((1, 1, 5)), x, np.ones((2, 1, 1)), 2, 0, need_bias=True)
    >>> dw.ravel().tolist(), db.tolist()                     # dW[t] = sum_p x[2p + t]: 0+2+4+6+8 and 1+3+5+7+9
    ([20.0, 25.0], [5.0])
    """
    batch, c, _ = x.shape
    k, _, filters = kernel.shape
    out_len = grad.shape[2]
    s = strides
    grad = _blas_readable(grad)
    rows = _phase_rows(k, c, s)
    length = out_len + len(rows) - 1
    step = chunk_size(xp, batch, s * c * length, grad.dtype)
    ones = np.ones((out_len,), dtype=grad.dtype)

    def part(lo, hi):
        dw = np.zeros((k * c, filters), dtype=grad.dtype) if need_kernel else None
        db = np.zeros((filters,), dtype=grad.dtype) if need_bias else None
        phases = np.empty((min(step, hi - lo), s * c, length), dtype=grad.dtype) if need_kernel else None
        for b0, b1 in chunks(lo, hi, step):
            g = grad[b0:b1]
            if need_bias:
                db += xp.sum(xp.matmul(g, ones), axis=0)
            if need_kernel:
                x_phases = _split_phases(x[b0:b1], s, pad_left, phases[:b1 - b0])
                g_t = gemm_blocks.row_major(xp, xp.matrix_transpose(g), rows[0].stop - rows[0].start)   # (b, N, F)
                for q, w_rows in enumerate(rows):
                    x_q = x_phases[:, :w_rows.stop - w_rows.start, q:q + out_len]
                    dw[w_rows, :] += xp.sum(gemm_blocks.product(xp, x_q, g_t), axis=0)
        return dw, db

    dw, db = (sum_parts(p) for p in zip(*map_batch_parts(xp, batch, step, part)))
    return None if dw is None else xp.reshape(dw, kernel.shape), db
