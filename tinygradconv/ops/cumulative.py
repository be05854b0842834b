"""Cumulative sums: ``cumsum(x, axis)``, the running total along one axis, as ``torch.cumsum`` and
``keras.ops.cumsum``.

Output ``n`` along the axis is ``y[n] = x[0] + ... + x[n]``, so an element ``x[i]`` reaches every output from ``i``
on; its gradient is the sum of the output gradients from ``i`` to the end, the running total taken backwards:
``dx = flip(cumsum(flip(dy)))``.

>>> from tinygradconv.ops.cumulative import cumsum
>>> cumsum([1.0, 2.0, 3.0]).tolist()
[1.0, 3.0, 6.0]
"""
from __future__ import annotations

import math

import numpy as np
from array_api_compat import is_numpy_namespace

from ..autograd import Function, Sample, is_grad_enabled, register_op
from ..backend import dtype_name
from ..tensor import _DTYPES, _FLOAT_KINDS, Tensor
from ..validation import NOT_GIVEN, dim_index, dtype_argument
from .elementwise import _as_tensor, _cast_to, _in_float32
from .exponential import _log_add_exp
from .order_statistics import values_with_indices
from .shape import axis_or_dim
from .wider_float import in_wider_float


def _cumsum_samples(rng):
    x = rng.standard_normal((3, 4, 2))
    return [Sample((x,), {"axis": 1}), Sample((x,), {"axis": -1}), Sample((x,), {"axis": None}),
            Sample((x[0, :, 0],), {"axis": 0}), Sample((rng.standard_normal((0, 3)),), {"axis": 0})]


def _cumsum_special_points(rng):
    nan, inf = np.nan, np.inf
    rows = [[1.0, nan, 2.0], [inf, -inf, 1.0], [inf, 1.0, inf], [-0.0, -0.0, 0.0], [1e308, 1e308, -1e308]]
    return [Sample((np.array(rows),), {"axis": 1}), Sample((np.array(rows),), {"axis": 0}),
            Sample((np.asarray(-0.0),), {"axis": None}), Sample((np.zeros((2, 0)),), {"axis": 1})]


@register_op("cumsum", samples=_cumsum_samples, special_points=_cumsum_special_points)
class CumSum(Function):
    r"""Running sum along ``axis``: :math:`y_n = \sum_{i \le n} x_i`; :math:`\partial L / \partial x_i =
    \sum_{n \ge i} \partial L / \partial y_n`, the running sum of the gradient from the end.

    ``axis=None`` runs over the flattened input (a 1-D result, shape ``(1,)`` for a rank-0 input, as
    ``keras.ops.cumsum`` and ``np.cumsum``); a rank-0 input with ``axis=0`` (or ``-1``) gives itself, rank 0, as
    ``torch.cumsum(x, 0)``. Integer and bool inputs sum in int64, as ``torch.cumsum``. Floats keep PyTorch's CPU
    running total one float wider (:func:`accumulated`): float32 in float64 and float16 in float32, each output
    rounded once, so ``cumsum`` of 100000 float32 ``0.1`` ends at ``10000.0`` as PyTorch's (a float32 total drifts
    to ``9998.557``); values and gradients are PyTorch's bit for bit on NumPy and array-api-strict (the gradient is
    PyTorch's ``reversed_cumsum``, the same running total from the end).

    ``dtype``: another float dtype to sum a float input in (``cumsum(x, dtype=...)``), cast to inside this one op as
    PyTorch's ``cumsum`` does: the gradient, ``reversed_cumsum(grad.to(x.dtype))``, is taken in the input's
    precision, not in ``dtype``'s (a float16 sum of float32 ``x`` gets a float32 gradient sum, found by a reviewer).
    """

    @staticmethod
    def forward(ctx, a, axis, dtype=None):
        xp = ctx.xp
        ctx.shape, ctx.input_dtype = a.shape, a.dtype
        if dtype is not None:
            a = _cast_to(xp, a, dtype)          # (float to float only: see _in_dtype)
        if axis is None:                        # the flattened input, 1-D: (1,) for a rank-0 one, as Keras
            a = xp.reshape(a, (-1,))
            axis = 0
        else:
            axis = dim_index(axis, a.ndim, "cumsum", name="axis")
        ctx.axis = axis
        if not xp.isdtype(a.dtype, "real floating"):
            a = xp.astype(a, xp.int64)           # bool and every integer: int64, as torch.cumsum
        if a.ndim == 0:
            return a
        return _running_sum(xp, a, axis)

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        if grad.dtype != ctx.input_dtype:                # PyTorch's grad.to(self's dtype)
            grad = xp.astype(grad, ctx.input_dtype)
        if grad.ndim:
            grad = _reversed_cumsum(xp, grad, ctx.axis)
        return xp.reshape(grad, ctx.shape)


#: The dtype PyTorch's CPU kernels keep a running float total in (``at::acc_type`` on the CPU): one float wider.
_ACCUMULATOR = {"float16": "float32", "float32": "float64"}


def accumulated(xp, a, axis, product=False):
    """The running sum (``product=True``: product) of ``a`` along ``axis`` as PyTorch's CPU kernel
    (``cpu_cum_base_kernel``) computes it: left to right in a total one float wider than ``a`` (float16 in float32,
    float32 in float64; float64 and integers in their own dtype), each output the total rounded once to ``a``'s
    dtype.

    Memory: one array of ``a``'s shape in the wider dtype (8 bytes an element for float32) besides the result; on
    NumPy the wider copy is accumulated in place (``out=``), faster than NumPy's buffered ``dtype=`` loop.

    >>> import numpy as np
    >>> accumulated(np, np.full(100000, 0.1, np.float32), 0)[-1].item()
    10000.0
    """
    wider = _ACCUMULATOR.get(dtype_name(a.dtype))
    if wider is None or not hasattr(xp, wider):      # (a backend without float64 keeps float32 totals)
        return (xp.cumulative_prod if product else xp.cumulative_sum)(a, axis=axis)
    if is_numpy_namespace(xp):
        wide = np.asarray(a).astype(wider)
        _accumulate_in_place(np.multiply if product else np.add, wide, axis)
        return wide.astype(a.dtype)
    return xp.astype((xp.cumulative_prod if product else xp.cumulative_sum)(a, axis=axis, dtype=getattr(xp, wider)),
                     a.dtype)


#: Below this many elements side by side in memory in a slice across ``axis`` (the product of the sizes of the axes
#: after it: a C-ordered array), NumPy's own ``accumulate`` is the faster way.
_SLICE_BY_SLICE_FROM = 256


def _accumulate_in_place(ufunc, wide, axis):
    """``wide`` replaced by its running total (``ufunc`` is ``np.add`` or ``np.multiply``) along ``axis``.

    ``ufunc.accumulate`` along an axis that is not the last walks each line across the memory with a stride, slowly
    on big arrays; combining whole slices, ``total[i] = total[i - 1] + a[i]``, one after the other does the very same
    operations in the same order (the same bits) over contiguous memory, a loop over the ``axis`` steps, not over
    elements. (1000, 1000) float64 along axis 0, 1 thread: about 6 ms against 10-16 ms.
    """
    length = wide.shape[axis] if wide.ndim else 0
    contiguous_run = math.prod(wide.shape[axis + 1:])       # elements side by side in memory in each slice
    if length < 2 or contiguous_run < _SLICE_BY_SLICE_FROM or not wide.flags.c_contiguous:
        ufunc.accumulate(wide, axis=axis, out=wide)
        return
    steps = np.moveaxis(wide, axis, 0)                      # a view: writes land in wide
    for i in range(1, length):
        ufunc(steps[i - 1], steps[i], out=steps[i])


def _running_sum(xp, a, axis):
    """The running sum of ``a`` along ``axis`` (:func:`accumulated`) from a total of ``+0.0``, as PyTorch's kernel
    keeps it: ``-0.0`` first gives ``0.0`` (NumPy's running sum starts from the first element and keeps its
    ``-0.0``)."""
    total = accumulated(xp, a, axis)
    if not xp.isdtype(total.dtype, "real floating"):
        return total
    if is_numpy_namespace(xp):          # a new array of our own: in place, without a third array of its size
        return np.add(total, 0.0, out=total)
    return total + 0.0


def cumsum(x, axis=NOT_GIVEN, *, dim=None, dtype=None):
    """The running sum of ``x`` along ``axis`` (:class:`CumSum`); ``axis=None`` runs over the flattened input, as
    ``keras.ops.cumsum``; ``dim`` is PyTorch's name (``torch.cumsum(x, dim)``, which requires it). ``dtype``
    (a name, a NumPy or a PyTorch dtype), as ``torch.cumsum``'s: ``x`` is cast to it first, and the result is in
    it; the gradient is computed in ``x``'s dtype and precision, as PyTorch's ``cumsum_backward(grad.to(x.dtype))``.

    Raises:
        TypeError: both ``axis`` and ``dim``, whatever their values (as :func:`~tinygradconv.ops.shape.concat`);
            a ``dtype`` that is not a dtype, or ``bool`` (as PyTorch); an integer ``dtype`` for an ``x`` that
            requires grad while gradients are recorded (PyTorch: "Autograd not support dtype"; detach ``x``).
        IndexError, ValueError: an axis out of range (:func:`~tinygradconv.validation.dim_index`).

    >>> cumsum([[1.0, 2.0], [3.0, 4.0]], dim=0).tolist()
    [[1.0, 2.0], [4.0, 6.0]]
    >>> cumsum([1, 2, 3], dim=0, dtype="float32").tolist()
    [1.0, 3.0, 6.0]
    """
    axis = axis_or_dim("cumsum", axis, dim, default=None)
    return _in_dtype(CumSum, x if isinstance(x, Tensor) else Tensor(x), axis, dtype)


def _in_dtype(fn, x, axis, dtype):
    """``fn.apply(x, axis=axis)`` with the ``dtype=`` of ``cumsum``/``cumprod``, as PyTorch's: ``x`` cast to it
    before accumulating, and the result in it (an integer dtype is accumulated in int64 and cast back, as PyTorch's
    kernel keeps an int64 total); ``None`` leaves ``x`` as it is (integers and bools give int64). A float ``x`` and
    another float dtype are cast inside ``fn`` (its ``dtype`` argument), so that the gradient is computed in ``x``'s
    precision, as PyTorch's (a cast node before ``fn`` computed it in ``dtype``'s and cast it back). An integer
    ``dtype`` for an ``x`` that requires grad, while gradients are recorded, is a ``TypeError`` (PyTorch:
    "Autograd not support dtype"), not a result silently cut off the graph."""
    if dtype is None:
        return fn.apply(x, axis=axis)
    wanted = dtype_argument(dtype, _DTYPES)
    if wanted == "bool":
        raise TypeError(f"Invalid type for argument `dtype` of {fn.name}: a running {fn.name[3:]} is not computed "
                        f"in bool (torch.{fn.name} refuses it too). Received dtype={dtype!r}; use an integer or "
                        f"float dtype, e.g. dtype='int64'")
    kind = dtype_name(x.dtype)
    if wanted not in _FLOAT_KINDS and x.requires_grad and is_grad_enabled():
        raise TypeError(f"Invalid type for argument `dtype` of {fn.name}: the input requires grad, and an {wanted} "
                        f"result has no gradient (torch.{fn.name} refuses it too: \"Autograd not support dtype\"). "
                        f"Received dtype={dtype!r} for a {kind} input; use a floating dtype, or pass x.detach() "
                        f"(or compute under tg.no_grad()) for integer totals")
    if kind in _FLOAT_KINDS and wanted in _FLOAT_KINDS and kind != wanted:
        out = fn.apply(x, axis=axis, dtype=wanted)
    else:
        out = fn.apply(x if kind == wanted else x.astype(wanted), axis=axis)
    return out if dtype_name(out.dtype) == wanted else out.astype(wanted)


# ------------------------------------------------------------------------------------------- scans
def _along(axis, ndim, part):
    """The index tuple that takes ``part`` (a slice) along ``axis`` and everything along the other axes."""
    return (slice(None),) * axis + (part,) + (slice(None),) * (ndim - axis - 1)


def scan(xp, arrays, axis, combine):
    """The inclusive scan of ``arrays`` (a tuple of arrays of one shape, read together as one value per position)
    along ``axis`` with the associative ``combine(earlier, later)``: position ``n`` holds ``x_0 . x_1 ... x_n``.

    Hillis and Steele's scan: ``log2(n)`` whole-array steps, step ``s`` combining each position with the one ``s``
    before it, so every backend (NumPy, the Array API, CuPy) runs it without a loop over the elements; ``n log n``
    work instead of ``n``. Its sums are grouped as a tree, not left to right, so a float result can differ from a
    sequential one in the last bits.

    >>> import numpy as np
    >>> scan(np, (np.array([3, 1, 4, 1, 5]),), 0, lambda a, b: (np.maximum(a[0], b[0]),))[0].tolist()
    [3, 3, 4, 4, 5]
    """
    n, ndim = arrays[0].shape[axis], arrays[0].ndim
    step = 1
    while step < n:
        earlier = tuple(a[_along(axis, ndim, slice(0, n - step))] for a in arrays)
        later = tuple(a[_along(axis, ndim, slice(step, n))] for a in arrays)
        combined = combine(earlier, later)
        arrays = tuple(xp.concat([a[_along(axis, ndim, slice(0, step))], c], axis=axis)
                       for a, c in zip(arrays, combined))
        step *= 2
    return arrays


def _reversed_cumsum(xp, a, axis):
    """PyTorch's ``reversed_cumsum``: ``flip(cumsum(flip(a)))``, the sum from each position to the end, its total
    kept as PyTorch's ``cumsum`` keeps it (:func:`_running_sum`)."""
    return xp.flip(_running_sum(xp, xp.flip(a, axis=axis), axis), axis=axis)


def _cumulative_samples(rng):
    x = rng.standard_normal((3, 4, 2))
    return [Sample((x,), {"axis": 1}), Sample((x,), {"axis": -1}), Sample((x[0, :, 0],), {"axis": 0}),
            Sample((np.asarray(0.7),), {"axis": 0}), Sample((rng.standard_normal((0, 3)),), {"axis": 0})]


def _cumprod_special_points(rng):
    nan, inf = np.nan, np.inf
    rows = np.array([[2.0, 0.0, 3.0, 4.0], [2.0, 0.0, 3.0, 0.0], [0.0, 0.0, 1.0, 2.0], [inf, 0.0, 2.0, 1.0],
                     [2.0, 3.0, inf, -inf], [nan, 0.0, 2.0, 1.0], [-0.0, 2.0, -1.0, 0.5], [1.5, -2.0, 0.5, 3.0]])
    return [Sample((rows,), {"axis": 1}), Sample((rows[:, 1:],), {"axis": 0}),
            Sample((np.asarray(-0.0),), {"axis": 0}), Sample((np.array([[nan], [0.0]]),), {"axis": 1}),
            Sample((np.zeros((2, 0)),), {"axis": 1})]


def _cumulative_axis(op, a, axis):
    return dim_index(axis, a.ndim, op, name="axis")


@register_op("cumprod", samples=_cumulative_samples, special_points=_cumprod_special_points)
class CumProd(Function):
    r"""Running product along ``axis``, as ``torch.cumprod``: :math:`y_n = \prod_{i \le n} x_i`.

    The gradient is PyTorch's ``cumprod_backward`` (``FunctionsManual.cpp``), :math:`\partial L / \partial x_i =
    \sum_{n \ge i} g_n \prod_{j \le n, j \ne i} x_j`: with no zero in the input ``reversed_cumsum(g * y) / x``;
    with zeros, per slice, that formula before the first zero ``z`` (from the terms before ``z`` only), at ``z``
    the product of the elements before it times ``sum_{z <= n < z2} g_n prod_{z < j <= n} x_j`` (``z2`` the
    second zero), and 0 after ``z``. So ``cumprod([2, 0, 3, 4])`` has gradient ``[1, 32, 0, 0]``, as PyTorch.
    Integer and bool inputs multiply in int64, as ``torch.cumprod``. Floats keep PyTorch's CPU running product one
    float wider (:func:`accumulated`: float32 in float64, float16 in float32), each output rounded once; the
    gradient is PyTorch's steps in the input's dtype, its running sums and products kept wider the same way. On
    NumPy and array-api-strict the values are PyTorch's bit for bit, and so are the gradients of inputs without a
    zero (float16, float32, float64; random inputs); with zeros about 1 % of the gradients differ in their last
    bits, all at the first zero of a slice, whose sum PyTorch groups differently from NumPy's pairwise ``sum``.
    A slice of one element (or a rank-0 input) passes its gradient unchanged, as PyTorch.

    ``dtype``: another float dtype to multiply a float input in (``cumprod(x, dtype=...)``), cast to inside this
    one op as PyTorch's ``cumprod`` does: its gradient is ``cumprod_backward(grad.to(x.dtype), x, dim, y)``, the
    steps above with the input and the output gradient in ``x``'s dtype and the result ``y`` in ``dtype``, each
    product in the wider of the two (NumPy's and PyTorch's promotion), the gradient then cast to ``x``'s dtype.
    """

    @staticmethod
    def forward(ctx, a, axis, dtype=None):
        xp = ctx.xp
        axis = _cumulative_axis("cumprod", a, axis)
        ctx.input_dtype = a.dtype
        if not xp.isdtype(a.dtype, "real floating"):
            a = xp.astype(a, xp.int64)           # bool and every integer: int64, as torch.cumprod
        if a.ndim == 0:
            ctx.axis = None
            return a if dtype is None else _cast_to(xp, a, dtype)
        out = accumulated(xp, a if dtype is None else _cast_to(xp, a, dtype), axis, product=True)
        ctx.axis = axis
        ctx.save_for_backward(a, out)            # a in its own dtype, out in dtype (PyTorch saves self and result)
        return out

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        if grad.dtype != ctx.input_dtype:                # PyTorch's grad.to(self's dtype)
            grad = xp.astype(grad, ctx.input_dtype)
        if ctx.axis is None or grad.shape[ctx.axis] <= 1 or grad.size <= 1:
            return grad
        a, out = ctx.saved_tensors
        gradient = _cumprod_gradient(xp, grad, a, out, ctx.axis)
        return gradient if gradient.dtype == ctx.input_dtype else xp.astype(gradient, ctx.input_dtype)


def _cumprod_gradient(xp, grad, a, out, axis):
    """PyTorch's ``cumprod_backward`` (its first-order path), vectorised: see :class:`CumProd`. Each step is
    PyTorch's, in ``a``'s dtype, with its running sums and products kept one float wider (:func:`accumulated`)."""
    w = out * grad
    is_zero = a == 0
    if not bool(xp.any(is_zero)):
        return _reversed_cumsum(xp, w, axis) / a
    zeros_so_far = xp.cumulative_sum(xp.astype(is_zero, xp.int64), axis=axis)
    before = zeros_so_far == 0                              # [0, z)
    in_run = zeros_so_far == 1                              # [z, z2)
    first_zero = is_zero & in_run                           # z
    between = in_run & ~first_zero                          # (z, z2)
    zero, one = xp.zeros_like(grad), xp.ones_like(a)
    before_part = _reversed_cumsum(xp, xp.where(before, w, zero), axis) / xp.where(before, a, one)
    # at z: sum_{z <= n < z2} g_n prod(x_(z, n]), times prod(x before z): y at z - 1, or 1 where z = 0
    after = accumulated(xp, xp.where(between, a, one), axis, product=True)
    run_sum = _total(xp, after * xp.where(in_run, grad, zero), axis)
    z = xp.argmax(xp.astype(first_zero, xp.int8), axis=axis, keepdims=True)      # 0 where a slice has no zero
    prefix = xp.take_along_axis(out, xp.where(z > 0, z - 1, xp.zeros_like(z)), axis=axis)
    at_z = run_sum * xp.where(z > 0, prefix, xp.ones_like(prefix))
    return xp.where(before, before_part, xp.where(first_zero, at_z, zero))


def _total(xp, a, axis):
    """``sum(a, axis, keepdims=True)`` as PyTorch's CPU ``sum``: float16 summed in float32 and rounded once."""
    if dtype_name(a.dtype) == "float16":
        return xp.astype(xp.sum(a, axis=axis, keepdims=True, dtype=xp.float32), a.dtype)
    return xp.sum(a, axis=axis, keepdims=True)


def _logcumsumexp(xp, a, axis):
    """The running ``log_add_exp`` along ``axis``; ``+ 0.0``: PyTorch's starts from ``-inf``, so a first ``-0.0``
    gives ``0.0``.

    On NumPy, ``np.logaddexp.accumulate``: one pass left to right, each step ``max + log1p(exp(min - max))`` (``x +
    ln 2`` where ``x == y``, so a pair of equal infinities stays), PyTorch's kernel step for step, with the same C
    ``exp`` and ``log1p``: PyTorch's values bit for bit, in about its time. Elsewhere a :func:`scan` of
    :func:`.exponential._log_add_exp` (grouped as a tree: the last bits of the accumulated value may differ)."""
    if is_numpy_namespace(xp):
        return np.logaddexp.accumulate(a, axis=axis) + 0.0
    return scan(xp, (a,), axis, lambda x, y: (_log_add_exp(xp, x[0], y[0]),))[0] + 0.0


def _logcumsumexp_special_points(rng):
    nan, inf = np.nan, np.inf
    rows = np.array([[1.0, -inf, 0.5, 2.0], [-inf, -inf, 2.0, -inf], [inf, 1.0, inf, -inf], [nan, 1.0, 2.0, 3.0],
                     [-0.0, 0.0, -0.0, 0.0], [800.0, 0.0, -800.0, 801.0], [-1000.0, 0.0, -1000.0, 5.0]])
    return [Sample((rows,), {"axis": 1}), Sample((rows[:, :2].copy(),), {"axis": 0}),
            Sample((np.asarray(-inf),), {"axis": 0}), Sample((np.zeros((0, 2)),), {"axis": 0})]


@register_op("logcumsumexp", samples=_cumulative_samples, special_points=_logcumsumexp_special_points)
class LogCumSumExp(Function):
    r"""``log(cumsum(exp(x)))`` along ``axis``, without overflow, as ``torch.logcumsumexp``: each step is PyTorch's
    ``log_add_exp``, ``max + log1p(exp(min - max))``, taken left to right as PyTorch's CPU kernel takes them
    (``np.logaddexp.accumulate`` on NumPy; a :func:`scan` of :func:`.exponential._log_add_exp` on the other
    backends, grouped as a tree). ``-inf`` adds nothing; a NaN spreads to the end. float32 is computed in float64
    and rounded once, float16 in float32, as PyTorch's kernel accumulates them: on NumPy that is PyTorch's result
    bit for bit in every float dtype (the same steps with the same C ``exp`` and ``log1p``; checked on random bit
    patterns, infinities, NaN and ``-0.0``), where float32 steps differed on 33 % of the elements of
    ``standard_normal((1000, 100)) * 3``; it takes 4.1 ms along axis 0 (CPU time, one thread, AMD EPYC Zen 3;
    PyTorch 3.7 ms; the tree scan took 22 ms).

    The gradient is PyTorch's ``logcumsumexp_backward`` (after TensorFlow's): with ``y`` the output, the positive
    and negative parts of the incoming gradient ``g`` are taken in log space (``log|g|``, the dtype's lowest
    number where ``g`` has the other sign or is 0) and ``dx = exp(rlcse(log g+ - y) + x) - exp(rlcse(log g- - y)
    + x)``, ``rlcse`` the logcumsumexp from the end; so a slice of ``-inf`` has NaN gradients, as PyTorch.
    The backward pass is PyTorch's float32 ops, each logcumsumexp in it computed in float64 and rounded once, as
    PyTorch's (on the same input, with a standard normal ``g``, 57 % of the gradients still differ from PyTorch's
    in their last bits, from ``exp`` and the subtraction, where all in float32 gave 77 % and all in float64 96 %).
    Only float inputs, as PyTorch (a ``TypeError`` for integers and bool); float16 is computed in float32, float64
    as it is.
    """

    @staticmethod
    def forward(ctx, a, axis):
        xp = ctx.xp
        if not xp.isdtype(a.dtype, "real floating"):
            raise TypeError(f"Invalid type for argument `x` of logcumsumexp: expected a float tensor (as "
                            f"torch.logcumsumexp), received dtype {dtype_name(a.dtype)}. Cast it first, e.g. "
                            f"x.astype('float32')")
        axis = _cumulative_axis("logcumsumexp", a, axis)
        ctx.axis = None if a.ndim == 0 else axis
        if a.ndim == 0:
            return a
        out = in_wider_float(xp, lambda v: _logcumsumexp(xp, v, axis), a)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        if ctx.axis is None or grad.size == 0:
            return grad
        xp, axis = ctx.xp, ctx.axis
        a, out = ctx.saved_tensors

        # PyTorch's backward is float32 ops, its logcumsumexp rounded once from double: so is this one
        running = in_wider_float if dtype_name(grad.dtype) == "float32" else (lambda _, formula, v: formula(v))

        def gradient(g, x, y):
            lowest = xp.full_like(g, xp.finfo(g.dtype).min)
            log_g = xp.log(xp.abs(g))
            from_the_end = lambda v: xp.flip(running(xp, lambda w: _logcumsumexp(xp, w, axis), xp.flip(v, axis=axis)),
                                             axis=axis)
            positive = xp.exp(from_the_end(xp.where(g > 0, log_g, lowest) - y) + x)
            negative = xp.exp(from_the_end(xp.where(g < 0, log_g, lowest) - y) + x)
            return positive - negative

        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return _in_float32(xp, gradient, grad, a, out)


def _extreme_special_points(rng):
    nan, inf = np.nan, np.inf
    rows = np.array([[1.0, 3.0, 3.0, 2.0], [2.0, 2.0, 1.0, 2.0], [1.0, nan, 5.0, nan], [0.0, -0.0, 0.0, -0.0],
                     [-inf, inf, -inf, inf], [inf, 1.0, -inf, 0.5]])
    return [Sample((rows,), {"axis": 1}), Sample((rows[:, :3].copy(),), {"axis": 0}),
            Sample((np.asarray(nan),), {"axis": 0}), Sample((np.zeros((0, 2)),), {"axis": 1})]


class _CumulativeExtreme(Function):
    """The running maximum (``cummax``) or minimum (``cummin``) along ``axis``, the values; their indices are kept
    on the context (``ctx.indices``) for :func:`cummax`/:func:`cummin` to return.

    As PyTorch's CPU kernel, each step takes the new element when it is NaN, or when the running value is not NaN
    and the element is ``>=`` (``<=``) it: ties give the *latest* index (``cummax([2, 2, 1, 2])`` has indices
    ``[0, 1, 1, 3]``; ``-0.0`` and ``0.0`` are a tie), and a NaN stays, with the index of the latest NaN. Run as a
    :func:`scan` of (value, index) pairs (the choice is associative). The gradient goes to the index each output
    came from: ``dx_j`` is the sum of the output gradients whose index is ``j`` (PyTorch's ``scatter_add``), the
    runs of one index summed as a segmented scan. Integers and bools keep their dtype (as PyTorch; bools are
    compared as 0 and 1, ``False < True``, on every backend).
    """

    later_wins = None     # (earlier, later) -> where the later element is taken

    @classmethod
    def forward(cls, ctx, a, axis, found=None):
        xp = ctx.xp
        axis = _cumulative_axis(cls.name, a, axis)
        if a.ndim == 0:
            ctx.axis = None
            if found is not None:
                found.append(xp.zeros((), dtype=xp.int64))
            return a
        ctx.axis, ctx.shape = axis, a.shape
        shape = [1] * a.ndim
        shape[axis] = a.shape[axis]
        positions = xp.broadcast_to(xp.reshape(xp.arange(a.shape[axis], dtype=xp.int64), tuple(shape)), a.shape)
        floating = xp.isdtype(a.dtype, "real floating")
        compare = cls.later_wins
        boolean = dtype_name(a.dtype) == "bool"
        if boolean:                     # compared as 0 and 1 (the Array API orders no bools), returned as bools
            a = xp.astype(a, xp.int8)

        def combine(earlier, later):
            take = compare(earlier[0], later[0])
            if floating:
                take = xp.isnan(later[0]) | (~xp.isnan(earlier[0]) & take)
            return xp.where(take, later[0], earlier[0]), xp.where(take, later[1], earlier[1])

        values, ctx.indices = scan(xp, (a, positions), axis, combine)
        ctx.positions = positions
        ctx.save_for_backward(a)    # not read back: saved as PyTorch saves it, so that a write of it refuses
        if found is not None:           # the second result (see order_statistics.values_with_indices)
            found.append(ctx.indices)
        return xp.astype(values, xp.bool) if boolean else values

    @staticmethod
    def backward(ctx, grad):
        if ctx.axis is None or grad.size == 0:
            return grad
        xp, axis = ctx.xp, ctx.axis
        indices = xp.flip(ctx.indices, axis=axis)       # from the end: each run of one index is a segment
        n = indices.shape[axis]
        head = xp.concat([xp.ones_like(indices[_along(axis, indices.ndim, slice(0, 1))], dtype=xp.bool),
                          indices[_along(axis, indices.ndim, slice(1, n))]
                          != indices[_along(axis, indices.ndim, slice(0, n - 1))]], axis=axis)

        def segmented_sum(earlier, later):
            return earlier[0] | later[0], xp.where(later[0], later[1], earlier[1] + later[1])

        sums = xp.flip(scan(xp, (head, xp.flip(grad, axis=axis)), axis, segmented_sum)[1], axis=axis)
        # the run of index j starts at position j (element j was taken when it came): its sum lands there
        return xp.where(ctx.indices == ctx.positions, sums, xp.zeros_like(sums))


@register_op("cummax", samples=_cumulative_samples, special_points=_extreme_special_points)
class CumMax(_CumulativeExtreme):
    __doc__ = _CumulativeExtreme.__doc__

    @staticmethod
    def later_wins(earlier, later):
        return later >= earlier


@register_op("cummin", samples=_cumulative_samples, special_points=_extreme_special_points)
class CumMin(_CumulativeExtreme):
    __doc__ = _CumulativeExtreme.__doc__

    @staticmethod
    def later_wins(earlier, later):
        return later <= earlier


def _required_axis(fn, axis, dim):
    """The axis of an op that requires one (``axis``, or PyTorch's ``dim``), as PyTorch requires it."""
    axis = axis_or_dim(fn.name, axis, dim, default=NOT_GIVEN)
    if axis is NOT_GIVEN:
        raise TypeError(f"Invalid type for argument `dim` of {fn.name}: expected an int (as torch.{fn.name}, "
                        f"which requires it), received nothing")
    return axis


def _cumulative(fn, x, axis, dim):
    axis = _required_axis(fn, axis, dim)
    return fn.apply(_as_tensor(x), axis=axis)


def cumprod(x, axis=NOT_GIVEN, *, dim=None, dtype=None):
    """The running product of ``x`` along ``axis`` (:class:`CumProd`), as ``torch.cumprod(x, dim)``;
    ``axis=None`` runs over the flattened input, as ``keras.ops.cumprod`` (its default). Integers and bools give
    int64, as PyTorch (Keras 3 on torch keeps int32). ``dtype``: ``x`` cast to it first, as ``torch.cumprod``'s
    (see :func:`cumsum`).

    >>> import tinygradconv as tg
    >>> x = tg.tensor([2.0, 0.0, 3.0, 4.0], requires_grad=True)
    >>> y = cumprod(x, dim=0)
    >>> y.tolist()
    [2.0, 0.0, 0.0, 0.0]
    >>> y.sum().backward(); x.grad.tolist()       # PyTorch's gradient at the zero: 2 * (1 + 3 + 3 * 4)
    [1.0, 32.0, 0.0, 0.0]
    """
    axis = axis_or_dim("cumprod", axis, dim, default=None)
    x = x if isinstance(x, Tensor) else Tensor(x)
    if axis is None:
        x, axis = x.reshape(-1), 0       # the flattened input, as keras.ops.cumprod (and np.cumprod)
    return _in_dtype(CumProd, x, axis, dtype)


def logcumsumexp(x, axis=NOT_GIVEN, *, dim=None):
    """``log(cumsum(exp(x)))`` along ``axis`` (PyTorch's required ``dim``), stable for any ``x``
    (:class:`LogCumSumExp`), as ``torch.logcumsumexp``.

    Raises:
        TypeError: no axis, both ``axis`` and ``dim``, or an integer or bool ``x`` (as PyTorch).

    >>> import tinygradconv as tg
    >>> [round(v, 4) for v in logcumsumexp(tg.tensor([0.0, 0.0, 1000.0]), dim=0).tolist()]
    [0.0, 0.6931, 1000.0]
    """
    return _cumulative(LogCumSumExp, x, axis, dim)


def _with_indices(fn, x, axis, dim):
    """``(values, indices)`` (:class:`~.order_statistics.ValuesIndices`): the values from the op (with the
    gradient), the indices from the same scan."""
    axis = _required_axis(fn, axis, dim)
    return values_with_indices(fn, _as_tensor(x), axis=axis)


def cummax(x, axis=NOT_GIVEN, *, dim=None):
    """The running maximum of ``x`` along ``axis`` (PyTorch's required ``dim``) and its indices, as
    ``torch.cummax``: a ``(values, indices)`` pair (``.values``, ``.indices``), the indices int64. Ties give the
    latest index and a NaN stays (:class:`CumMax`); the gradient goes to the indices.

    >>> import tinygradconv as tg
    >>> values, indices = cummax(tg.tensor([1.0, 3.0, 2.0, 3.0]), dim=0)
    >>> values.tolist(), indices.tolist()
    ([1.0, 3.0, 3.0, 3.0], [0, 1, 1, 3])
    """
    return _with_indices(CumMax, x, axis, dim)


def cummin(x, axis=NOT_GIVEN, *, dim=None):
    """The running minimum of ``x`` along ``axis`` and its indices, as ``torch.cummin`` (see :func:`cummax`).

    >>> import tinygradconv as tg
    >>> cummin(tg.tensor([3.0, 1.0, 2.0, 1.0]), dim=0).indices.tolist()
    [0, 1, 1, 3]
    """
    return _with_indices(CumMin, x, axis, dim)
