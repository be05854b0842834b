r"""Winograd's minimal filtering F(2, 3): stride-1, 3-tap convolutions with 4 products per 2 output steps, not 6.

Notation as in :mod:`~tinygradconv.ops.conv`: input ``x`` ``(B, L, C)`` (NumPy), kernel ``W`` ``(3, C, F)``,
dilation ``d``, left padding ``pad_left`` (negative: a crop), output ``y`` ``(B, N, F)``:

.. math::

    y[b, n] = \sum_{t=0}^{2} x_\text{pad}[b, n + td]\, W_t, \qquad
    x_\text{pad}[b, j] = x[b, j - \text{pad}_\text{left}] \text{ (zero outside } 0 \le j - \text{pad}_\text{left} < L).

Two output steps ``d`` apart read four input rows :math:`d_i = x_\text{pad}[b, n + id]` (``i = 0 .. 3``):
:math:`y[n] = d_0 W_0 + d_1 W_1 + d_2 W_2` and :math:`y[n + d] = d_1 W_0 + d_2 W_1 + d_3 W_2`, six products of a
row with a ``(C, F)`` matrix. Winograd's algorithm F(2, 3) (S. Winograd, *Arithmetic Complexity of
Computations*, SIAM 1980; for neural networks A. Lavin and S. Gray, "Fast Algorithms for Convolutional Neural
Networks", CVPR 2016, arXiv:1509.09308) gets both from four:

.. math::

    U_0 = W_0, \quad U_1 = \tfrac{1}{2}(W_0 + W_1 + W_2), \quad U_2 = \tfrac{1}{2}(W_0 - W_1 + W_2), \quad U_3 = W_2
    \qquad \text{(the kernel transform, once per call)}

    V_0 = d_0 - d_2, \quad V_1 = d_1 + d_2, \quad V_2 = d_2 - d_1, \quad V_3 = d_1 - d_3
    \qquad \text{(the input transform)}

    M_i = V_i U_i, \qquad y[n] = M_0 + M_1 + M_2, \qquad y[n + d] = M_1 - M_2 - M_3
    \qquad \text{(the output transform)}

(multiply out :math:`M_0 + M_1 + M_2`: the :math:`d_2 W_0` terms cancel and the halves add up). Over a batch chunk
the four products are four GEMMs ``(rows, C) @ (C, F)`` with half as many rows as the output has steps: 2/3 of the
multiply-adds of the direct convolution, for some additions on ``(B, N, C)`` and ``(B, N, F)`` arrays. The output
steps go in blocks of ``2d``: block ``q`` pairs steps ``2dq + r`` and ``2dq + d + r`` (``r < d``), whose inputs are
two rows of ``2d`` steps of ``x_pad``, so every ``d_i`` is a strided view of ``x``. The few blocks whose inputs
reach past either end of ``x`` (the padding, a ragged last block) are copied zero-padded into a small buffer and
computed by the direct sums (see Rounding).

When it pays: the GEMMs save time in proportion to ``C*F`` per step, the transforms cost time in proportion to
``C + F``. Measured on one core of an AMD EPYC (Zen 4, OpenBLAS 0.3.31, 2026-12-04), the forward pass alone
against the direct paths of :mod:`~tinygradconv.ops.conv`: 0.76-0.80 of the time with 128 to 512 channels on both
sides, 0.90 with 64 to 256, 0.94 with 96 to 96, 0.98 with 256 to 64; 1.15x slower with 64 to 64 and 1.8x with 32 to
16. Forward+backward, ops against ops: 0.80-0.92 of the time with 256 channels on one side and 128 or more on the
other (32 to 512 steps), but with 128 to 128 from 0.88 to 1.21x depending on the length, and 1.1x (16 steps) to
2.8x (1 to 6 steps, where every block is an edge) on short signals. Hence :data:`MIN_CHANNELS`,
:data:`MIN_CHANNEL_PRODUCT` and :data:`MIN_STEPS`. On an AVX-512 Xeon (2026-12-05) the direct paths were faster on
nearly all of those shapes, by up to 1.44x with two threads, so by default only AMD CPUs take this path
(:data:`WINOGRAD_VENDORS` has the figures).

Rounding: the transforms add and halve (exact in binary floating point) before the products, so the sums are
formed in another order than the direct convolution's; over random float32 data the largest error against a
float64 reference was 1.2-1.7x the direct path's (both about ``1e-6`` of the output's scale). The error of an
output is bounded by the products of its block's inputs with every tap, not only with the taps that meet them
(the transforms form cross terms such as ``d_2 W_0`` that cancel): where an output's own terms are much smaller
than those, because a tap far larger than the others meets zeros, it is larger than the direct sums'. Padding is
such zeros, so the edge blocks are summed directly; zeros inside ``x`` are not (a signal zero-padded in front,
kernel taps 10x, 100x, 1000x apart: up to 4e-6, 4e-5, 4e-4 relative error in float32 at the step where the
zeros end, against 4e-7 for the direct sums; taps of similar size: 7e-7). ``WINOGRAD = False`` gives the direct
sums everywhere. Non-finite numbers:
``inf - inf`` inside a transform can turn the direct path's inf into NaN, and a padding zero times an infinite
tap (in an edge block's buffer) gives NaN where the transposed convolution, which forms no such product, gives a
finite number. So each
batch chunk checks that its outputs are all finite (by their sum, which is finite only then; one that overflows
hands over too), and :func:`conv1d_winograd` returns ``None`` otherwise: the caller then computes the whole
output by the direct paths, which give torch's numbers there. An input inf or NaN always reaches some output of
its block here (each ``d_i`` enters some ``V_j``, and an inf or NaN times any row of ``U_j`` is not finite), so no
non-finite input goes unnoticed.
"""
from __future__ import annotations

import math

import numpy as np
from array_api_compat import is_numpy_namespace

from .conv_batching import chunks, map_batch_parts, on_for_this_cpu, sum_parts

__all__ = ["MAX_EDGE_BLOCKS", "MIN_CHANNELS", "MIN_CHANNEL_PRODUCT", "MIN_STEPS", "WINOGRAD", "WINOGRAD_VENDORS",
           "conv1d_winograd", "kernel_grad_winograd", "kernel_transform", "takes_winograd"]

#: ``None`` (the default): F(2, 3) serves on the CPU makers where it was measured to pay, AMD's
#: (:data:`WINOGRAD_VENDORS`); ``True``: on every CPU; ``False``: nowhere, every convolution goes through the direct
#: paths of :mod:`~tinygradconv.ops.conv` (tests compare both).
WINOGRAD = None

#: The CPU makers (:func:`~tinygradconv.ops.conv_batching.cpu_vendor`) on which :data:`WINOGRAD` ``None`` takes
#: F(2, 3). On 2 vCPUs of an AVX-512 Xeon (KVM, OpenBLAS 0.3.31, 2026-12-05) the direct paths, whose products run
#: in OpenBLAS's small-matrix blocks or as one GEMM, were faster on the shapes the rule admits: forward+backward with
#: F(2, 3) against without, ``conv1d`` with 256 to 128 channels (8 samples, 512 steps) 1.06x the time with one
#: thread and 1.32x with two; ``conv1d_transpose`` 1.09x and 1.44x; with 128 to 256 or 256 to 256 channels 0.96-1.04x
#: with one thread and 1.12-1.31x with two; only ``conv1d`` with 512 to 512 channels gained (0.93x, 0.73x), and
#: ``conv1d_transpose`` there lost (1.07x, 1.24x).
WINOGRAD_VENDORS = frozenset({"AuthenticAMD"})

#: The fewest input channels and filters (each) for which :func:`takes_winograd` holds (see the module docstring).
MIN_CHANNELS = 128

#: The smallest product of input channels and filters for which :func:`takes_winograd` holds: one side at least 256.
MIN_CHANNEL_PRODUCT = 256 * 128

#: The fewest output steps for which :func:`conv1d_winograd` serves (:meth:`_Blocks.plan`).
MIN_STEPS = 32

#: About how many bytes the transformed inputs and products of one piece of work take (:func:`_pieces`).
PIECE_BYTES = 2 << 20

#: The most edge blocks (blocks built zero-padded, see :func:`conv1d_winograd`) for which it serves: a padding or
#: dilation that large leaves few interior blocks to gain on.
MAX_EDGE_BLOCKS = 4


def takes_winograd(xp, dtype, kernel_size, strides, groups, channels, filters):
    """Whether a convolution with these settings goes through :func:`conv1d_winograd`: :data:`WINOGRAD` on (by
    default: an AMD CPU, :data:`WINOGRAD_VENDORS`), NumPy, ``float32`` or ``float64``, ``kernel_size == 3``,
    ``strides == 1``, one group, at least :data:`MIN_CHANNELS` input channels and filters and a product of the two
    of at least :data:`MIN_CHANNEL_PRODUCT` (any dilation and padding). :func:`conv1d_winograd` may still decline
    (``None``).

    >>> import numpy as np
    >>> from tinygradconv.ops.conv_batching import cpu_vendor
    >>> takes_winograd(np, np.float32, 3, 1, 1, 256, 128) == (cpu_vendor() in WINOGRAD_VENDORS)   # by the maker
    True
    """
    return (on_for_this_cpu(WINOGRAD, WINOGRAD_VENDORS) and is_numpy_namespace(xp)
            and _winograd_shapes(dtype, kernel_size, strides, groups, channels, filters))


def _winograd_shapes(dtype, kernel_size, strides, groups, channels, filters):
    """The settings of :func:`takes_winograd`, whatever the CPU: ``float32`` or ``float64``, ``kernel_size == 3``,
    ``strides == 1``, one group, at least :data:`MIN_CHANNELS` input channels and filters, and a product of the two
    of at least :data:`MIN_CHANNEL_PRODUCT`.

    >>> import numpy as np
    >>> [_winograd_shapes(np.float32, 3, 1, 1, c, f) for c, f in ((256, 128), (128, 128), (64, 512))]
    [True, False, False]
    >>> _winograd_shapes(np.float32, 5, 1, 1, 256, 256), _winograd_shapes(np.float16, 3, 1, 1, 256, 256)
    (False, False)
    """
    return (kernel_size == 3 and strides == 1 and groups == 1 and dtype in (np.float32, np.float64)
            and min(channels, filters) >= MIN_CHANNELS and channels * filters >= MIN_CHANNEL_PRODUCT)


def kernel_transform(w):
    """``U`` ``(4, C, F)`` of a kernel ``w`` ``(3, C, F)``: ``W_0``, ``(W_0 + W_1 + W_2)/2``,
    ``(W_0 - W_1 + W_2)/2``, ``W_2`` (C-ordered, in ``w``'s dtype).

    >>> import numpy as np
    >>> kernel_transform(np.array([[[1.0]], [[2.0]], [[4.0]]]))[:, 0, 0].tolist()
    [1.0, 3.5, 1.5, 4.0]
    """
    u = np.empty((4, *w.shape[1:]), dtype=w.dtype)
    u[0] = w[0]
    u[3] = w[2]
    np.add(w[0], w[2], out=u[1])
    np.subtract(u[1], w[1], out=u[2])
    u[1] += w[1]
    u[1:3] *= 0.5
    return u


def conv1d_winograd(x, w, dilation_rate, pad_left, out_len, then=None):
    """``y[b, n] = sum_t x_pad[b, n + t*d] @ W_t`` (``0 <= n < out_len``): the interior blocks by F(2, 3), the edge
    blocks by the direct sums (see :class:`_Blocks`).

    ``x`` is ``(B, L, C)``, ``w`` ``(3, C, F)`` (any strides); returns ``y`` ``(B, out_len, F)``, C-ordered, or
    ``None`` when some output is not finite or the geometry does not suit the path (:meth:`_Blocks.plan`; the
    caller then takes the direct paths). ``then``, if given, runs on each batch part once its outputs are written
    and checked, as ``then(y, lo, hi)`` (the bias add). The batch goes in parts and chunks as in
    :func:`~tinygradconv.ops.conv_batching.map_batch_parts`.

    >>> import numpy as np
    >>> x = np.arange(34.0).reshape(1, 34, 1)                     # 34 steps: 32 outputs ("valid")
    >>> w = np.array([1.0, 10.0, 100.0]).reshape(3, 1, 1)
    >>> conv1d_winograd(x, w, 1, 0, 32)[0, :4, 0].tolist()        # x[n] + 10 x[n+1] + 100 x[n+2]
    [210.0, 321.0, 432.0, 543.0]
    """
    batch, length, channels = x.shape
    filters = w.shape[2]
    plan = _Blocks.plan(length, out_len, dilation_rate, pad_left)
    if plan is None:
        return None
    u = kernel_transform(w)
    y = np.empty((batch, out_len, filters), dtype=x.dtype)
    step, run = _pieces(batch, plan, channels + filters, x.dtype)

    def part(lo, hi):
        v = np.empty((4, plan.rows(min(step, hi - lo), run), channels), dtype=x.dtype)   # V_i
        m = np.empty((4, v.shape[1], filters), dtype=x.dtype)                             # M_i
        finite = True
        with np.errstate(all="ignore"):         # an inf or NaN hands over to the direct paths, which warn as usual
            for b0, b1 in chunks(lo, hi, step):
                xc, yc = _rows_in_c_order(x[b0:b1]), y[b0:b1]
                for xq, yq in plan.interior(xc, yc, run):
                    _forward_blocks(xq, u, yq, v, m)
                if plan.edges:
                    xe, ye, put = plan.edge_buffers(xc, yc)
                    _direct_forward(xe, w, ye)
                    put()
                finite = finite and math.isfinite(np.sum(yc))
        if finite and then is not None:
            then(y, lo, hi)
        return finite

    return y if all(map_batch_parts(np, batch, step, part)) else None


def kernel_grad_winograd(x, dy, dilation_rate, pad_left, also=None):
    """The kernel gradient of :func:`conv1d_winograd`, ``dW[t] = sum_{b, n} x_pad[b, n + t*d]^T dy[b, n]``
    ``(3, C, F)``, by the same blocks; returns ``(dW, total)``, or ``(None, None)`` where :func:`conv1d_winograd`
    would decline or ``dW`` is not finite.

    ``y = A^T [(B^T d) * (G W)]`` per block (the three transforms of the module docstring as matrices), so the
    gradient of ``sum_i dy_i . y_i`` with respect to ``W`` is ``G^T [(B^T d) * (A dy)]`` summed over the blocks:
    with ``E_0 = g_0``, ``E_1 = g_0 + g_1``, ``E_2 = g_0 - g_1``, ``E_3 = -g_1`` (``g_0``, ``g_1`` the output
    gradient at steps ``n`` and ``n + d``) and ``P_i = sum over blocks of V_i^T E_i`` (four GEMMs contracting over
    half the steps),

        ``dW_0 = P_0 + (P_1 + P_2)/2``,  ``dW_1 = (P_1 - P_2)/2``,  ``dW_2 = (P_1 + P_2)/2 + P_3``.

    ``x`` is ``(B, L, C)``, ``dy`` ``(B, N, F)``, any strides; ``dW`` is C-ordered. Steps of ``dy`` past ``N``
    (a ragged last block) count as zeros. ``also(lo, hi)``, if given, runs in each batch part beside its products
    (the bias gradient: so that it runs on the parts' threads, with a single-threaded BLAS), and ``total`` is the
    sum of its results over the parts (``None`` without it).

    >>> import numpy as np
    >>> x = np.arange(34.0).reshape(1, 34, 1)
    >>> kernel_grad_winograd(x, np.ones((1, 32, 1)), 1, 0)[0][:, 0, 0].tolist()  # sum_n x[n + t], t = 0, 1, 2
    [496.0, 528.0, 560.0]
    """
    batch, length, channels = x.shape
    out_len, filters = dy.shape[1:]
    plan = _Blocks.plan(length, out_len, dilation_rate, pad_left)
    if plan is None:
        return None, None
    step, run = _pieces(batch, plan, channels + filters, x.dtype)

    def part(lo, hi):
        v = np.empty((4, plan.rows(min(step, hi - lo), run), channels), dtype=x.dtype)   # V_i
        e = np.empty((4, v.shape[1], filters), dtype=x.dtype)                             # E_i (E_3 holds +g_1)
        p = np.zeros((4, channels, filters), dtype=x.dtype)
        dw_edges = np.zeros((3, channels, filters), dtype=x.dtype) if plan.edges else None
        with np.errstate(all="ignore"):
            for b0, b1 in chunks(lo, hi, step):
                xc, gc = _rows_in_c_order(x[b0:b1]), _rows_in_c_order(dy[b0:b1])
                for xq, gq in plan.interior(xc, gc, run):
                    _kernel_grad_blocks(xq, gq, p, v, e)
                if plan.edges:
                    xe, ge, _ = plan.edge_buffers(xc, gc, read_y=True)
                    _direct_kernel_grad(xe, ge, dw_edges)
        return p, dw_edges, None if also is None else also(lo, hi)

    p, dw_edges, total = (sum_parts(parts) for parts in zip(*map_batch_parts(np, batch, step, part)))
    dw = np.empty((3, channels, filters), dtype=x.dtype)
    with np.errstate(all="ignore"):
        half = (p[1] + p[2]) * 0.5
        np.add(p[0], half, out=dw[0])
        np.subtract(p[1], p[2], out=dw[1])
        dw[1] *= 0.5
        np.subtract(half, p[3], out=dw[2])
        if dw_edges is not None:
            dw += dw_edges
        return (dw, total) if math.isfinite(np.sum(dw)) else (None, None)


def _pieces(batch, plan, width, dtype):
    """``(step, run)``: batch chunks of ``step`` samples and runs of at most ``run`` interior blocks, so that a
    piece's ``V`` and ``M`` (``4 * width`` values per step pair: ``width = C + F``) take about :data:`PIECE_BYTES`."""
    per_block = 4 * plan.d * width * np.dtype(dtype).itemsize
    blocks = max(plan.q_hi - plan.q_lo, 1)
    run = max(1, PIECE_BYTES // per_block)
    return max(1, min(batch, run // blocks)), run


def _rows_in_c_order(a):
    """A batch chunk ``a`` ``(b, steps, channels)`` whose channels lie apart in memory (a ``channels_first`` array
    seen as ``channels_last``, a permuted view) copied into C order, else ``a`` itself: the transforms read rows of
    channels, and reading them across a permuted chunk made conv1d forward+backward on 256 channels 8 % slower than
    the direct paths instead of faster (one core of an AMD EPYC, 2026-12-04)."""
    return np.ascontiguousarray(a) if a.strides[2] != a.itemsize and a.shape[2] > 1 else a


def _quads(xq):
    """The four input views ``d_0 .. d_3`` ``(b, Q, d, C)`` of blocks given as ``xq`` ``(b, Q, 2, 2d, C)``: the
    first and second half of each block's two rows of ``2d`` steps."""
    d = xq.shape[3] // 2
    return xq[:, :, 0, :d], xq[:, :, 0, d:], xq[:, :, 1, :d], xq[:, :, 1, d:]


def _input_transform(xq, v):
    """``V_0 .. V_3`` of the blocks ``xq`` into the first rows of the scratch ``v`` ``(4, rows, C)``; returns those
    rows ``(4, b*Q*d, C)``."""
    d0, d1, d2, d3 = _quads(xq)
    rows = math.prod(d0.shape[:3])
    vs = v[:, :rows, :].reshape(4, *d0.shape)
    np.subtract(d0, d2, out=vs[0])
    np.add(d1, d2, out=vs[1])
    np.subtract(d2, d1, out=vs[2])
    np.subtract(d1, d3, out=vs[3])
    return v[:, :rows, :]


def _forward_blocks(xq, u, yq, v, m):
    """One F(2, 3) pass over a stack of blocks: inputs ``xq`` ``(b, Q, 2, 2d, C)``, outputs ``yq`` ``(b, Q, 2d,
    F)`` (steps ``n`` in the first ``d``, ``n + d`` in the second); ``v`` and ``m`` are scratch ``(4, rows, C)``
    and ``(4, rows, F)`` with at least ``b*Q*d`` rows."""
    vb = _input_transform(xq, v)
    mb = m[:, :vb.shape[1], :]
    np.matmul(vb, u, out=mb)                                             # M_i = V_i @ U_i
    d = yq.shape[2] // 2
    ms = mb.reshape(4, *yq.shape[:2], d, yq.shape[3])
    y0, y1 = yq[:, :, :d], yq[:, :, d:]
    np.add(ms[0], ms[1], out=y0)
    y0 += ms[2]
    np.subtract(ms[1], ms[2], out=y1)
    y1 -= ms[3]


def _direct_forward(xe, w, ye):
    """The edge blocks' outputs by the direct sums, ``ye[..., r, :] = sum_t xe[..., r + t*d, :] @ W_t``: inputs
    ``xe`` ``(b, E, 4d, C)`` (their zeros included), outputs ``ye`` ``(b, E, 2d, F)``."""
    d = ye.shape[2] // 2
    np.matmul(xe[:, :, :2 * d], w[0], out=ye)
    for t in (1, 2):
        ye += np.matmul(xe[:, :, t * d:t * d + 2 * d], w[t])


def _direct_kernel_grad(xe, ge, dw):
    """``dW_t += sum xe[..., r + t*d, :]^T ge[..., r, :]`` over the edge blocks (``xe`` ``(b, E, 4d, C)``, ``ge``
    ``(b, E, 2d, F)``, zeros past the ends included), by the direct sums."""
    d = ge.shape[2] // 2
    for t in range(3):
        dw[t] += np.tensordot(xe[:, :, t * d:t * d + 2 * d], ge, axes=([0, 1, 2], [0, 1, 2]))


def _kernel_grad_blocks(xq, gq, p, v, e):
    """``P_i += V_i^T E_i`` over a stack of blocks (:func:`kernel_grad_winograd`): inputs ``xq`` ``(b, Q, 2, 2d,
    C)``, output gradient ``gq`` ``(b, Q, 2d, F)``; ``E_3`` is stored as ``+g_1``, so ``p[3]`` holds ``-P_3``."""
    vb = _input_transform(xq, v)
    d = gq.shape[2] // 2
    g0, g1 = gq[:, :, :d], gq[:, :, d:]
    eb = e[:, :vb.shape[1], :]
    es = eb.reshape(4, *g0.shape)
    es[0] = g0
    np.add(g0, g1, out=es[1])
    np.subtract(g0, g1, out=es[2])
    es[3] = g1
    p += np.matmul(np.matrix_transpose(vb), eb)


class _Blocks:
    """Where the blocks of ``2d`` output steps lie: ``interior`` blocks ``q_lo <= q < q_hi``, whose inputs
    ``x_pad[2dq : 2dq + 4d]`` lie inside ``x`` and whose outputs all exist, read as views; the ``edges``, copied
    with their zeros into a small buffer."""

    def __init__(self, length, out_len, d, pad_left, q_lo, q_hi, edges):
        self.length, self.out_len, self.d, self.pad_left = length, out_len, d, pad_left
        self.q_lo, self.q_hi, self.edges = q_lo, q_hi, edges

    @classmethod
    def plan(cls, length, out_len, d, pad_left):
        """The blocks of ``out_len`` output steps over an input of ``length`` steps, or ``None`` with fewer than
        :data:`MIN_STEPS` outputs, more than :data:`MAX_EDGE_BLOCKS` edge blocks, or edge buffers longer than input
        and output together (a dilation far above the lengths: ``4d`` steps per edge block).

        >>> [_Blocks.plan(512, 514, 1, 2).edges, _Blocks.plan(7, 2 * 10**9 + 7, 10**9, 2 * 10**9)]
        [(0, 256), None]
        """
        blocks = -(-out_len // (2 * d))
        q_lo = min(blocks, -(-max(pad_left, 0) // (2 * d)))        # first block whose inputs start inside x
        q_hi = max(q_lo, min(out_len // (2 * d), (length + pad_left - 4 * d) // (2 * d) + 1))   # ... and end there
        edges = (*range(q_lo), *range(q_hi, blocks))
        if out_len < max(MIN_STEPS, 1) or len(edges) > MAX_EDGE_BLOCKS or len(edges) * 4 * d > 2 * (length + out_len):
            return None
        return cls(length, out_len, d, pad_left, q_lo, q_hi, edges)

    def rows(self, samples, run):
        """Scratch rows that the interior runs of ``samples`` samples need (runs of at most ``run`` blocks)."""
        return samples * max(min(self.q_hi - self.q_lo, run), 1) * self.d

    def interior(self, x, y, run):
        """``(xq, yq)`` for one batch chunk ``x`` ``(b, L, C)``, ``y`` ``(b, N, F)``: the interior blocks in runs of
        at most ``run``, as views ``(b, Q, 2, 2d, C)`` and ``(b, Q, 2d, F)`` (``xq[:, q, 1]`` is ``xq[:, q + 1, 0]``:
        neighbouring blocks share a row)."""
        d, nb, channels = self.d, x.shape[0], x.shape[2]
        for q0 in range(self.q_lo, self.q_hi, run):
            q1 = min(q0 + run, self.q_hi)
            start = 2 * d * q0 - self.pad_left
            rows = x[:, start:start + 2 * d * (q1 - q0 + 1), :].reshape(nb, q1 - q0 + 1, 2 * d, channels)
            xq = np.lib.stride_tricks.as_strided(rows, (nb, q1 - q0, 2, 2 * d, channels),
                                                 (rows.strides[0], rows.strides[1], *rows.strides[1:]))
            yield xq, y[:, 2 * d * q0:2 * d * q1, :].reshape(nb, q1 - q0, 2 * d, y.shape[2])

    def edge_buffers(self, x, y, read_y=False):
        """``(xe, ye, put)`` for one batch chunk: the edge blocks' inputs ``xe`` ``(b, E, 4d, C)`` with their zeros,
        a buffer ``ye`` ``(b, E, 2d, F)`` for their outputs, and ``put()``, which copies the outputs that exist
        (steps below ``N``) into ``y``. ``read_y=True`` fills ``ye`` from ``y`` instead (zeros past its end), for an
        output gradient."""
        d, nb, channels = self.d, x.shape[0], x.shape[2]
        xe = np.zeros((nb, len(self.edges), 4 * d, channels), dtype=x.dtype)
        ye = (np.zeros if read_y else np.empty)((nb, len(self.edges), 2 * d, y.shape[2]), dtype=y.dtype)
        spans = []
        for e, q in enumerate(self.edges):
            j0 = 2 * d * q - self.pad_left                            # x's step at the block's first input
            a, b = max(j0, 0), min(j0 + 4 * d, self.length)
            if a < b:
                xe[:, e, a - j0:b - j0, :] = x[:, a:b, :]
            n0 = 2 * d * q
            n1 = min(n0 + 2 * d, self.out_len)
            spans.append((e, n0, n1))
            if read_y:
                ye[:, e, :n1 - n0, :] = y[:, n0:n1, :]

        def put():
            for e, n0, n1 in spans:
                y[:, n0:n1, :] = ye[:, e, :n1 - n0, :]

        return xe, ye, put
