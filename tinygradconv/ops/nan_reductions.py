"""Reductions PyTorch users reach for beside ``sum`` and ``mean``: ``nansum``, ``nanmean``, ``count_nonzero``,
``aminmax``, ``var_mean``/``std_mean`` and the medians.

=================  ==========================================  ===================================================
function           value (PyTorch 2.13, and Keras 3 where named)  gradient
=================  ==========================================  ===================================================
``nansum``         the sum with NaN read as 0                  ``grad`` where ``x`` is not NaN, ``grad * 0`` there
``nanmean``        ``nansum / (number of non-NaN)``; NaN when  that of ``nansum`` divided by the count (NaN
                   every element is NaN                        throughout a slice of NaN only, as PyTorch)
``count_nonzero``  int64 count of ``x != 0`` (NaN counts)      none (an integer)
``aminmax``        ``(amin, amax)``                            those of :func:`~.reduction.min` / ``max``
``median``         Keras: the mean of the two middle values    0.5 to each (1 to the middle of an odd slice)
``t.median()``     PyTorch: the lower middle value, ``(values,  to the index (split evenly between ties when no
                   indices)`` with a ``dim``                   ``dim`` is given, as PyTorch)
=================  ==========================================  ===================================================

Keras' ``keras.ops.median`` and PyTorch's ``torch.median`` differ for an even count: Keras averages the two
middle values (``median([1, 2, 3, 4]) = 2.5``), PyTorch takes the lower (``2``). ``tg.ops.median`` follows Keras
(float32 for integers, as Keras), the Tensor method ``t.median()`` follows PyTorch (its dtype kept). Both give NaN
for a slice that holds a NaN (PyTorch's index is then that of the first NaN).

>>> import tinygradconv as tg
>>> x = tg.tensor([1.0, float("nan"), 3.0, 4.0])
>>> nansum(x).item(), round(nanmean(x).item(), 4), count_nonzero(x).item()
(8.0, 2.6667, 4)
"""
from __future__ import annotations

import math

import numpy as np

from ..autograd import Function, Sample, register_op
from ..backend import dtype_name
from ..tensor import Tensor
from ..validation import dim_index, flag
from .elementwise import _in_float32, is_floating
from .reduction import _checked, _kept_shape, _reduction_samples, _special_rows, _torch_spelling
from .summation import accurate_sum


def _as_tensor(x):
    return x if isinstance(x, Tensor) else Tensor(x)


def _nan_special_points(rng):
    x = _special_rows()
    nan = np.nan
    return [Sample((x,), {"axes": (1,), "keepdims": False}), Sample((x,), {"axes": (0,), "keepdims": True}),
            Sample((x,), {"axes": (0, 1), "keepdims": False}),
            Sample((np.array([[nan, nan], [nan, 1.0]]),), {"axes": (1,), "keepdims": False}),   # all NaN
            Sample((np.asarray(nan),), {"axes": (), "keepdims": False}),
            Sample((np.asarray(-0.0),), {"axes": (), "keepdims": False}),
            Sample((np.zeros((0, 3)),), {"axes": (0,), "keepdims": False})]


def _unreduce(xp, grad, shape, axes, keepdims):
    if not keepdims:
        grad = xp.reshape(grad, _kept_shape(shape, axes))
    return xp.broadcast_to(grad, shape)


@register_op("nansum", samples=_reduction_samples, special_points=_nan_special_points)
class NanSum(Function):
    """The sum over ``axes`` with NaN read as 0, as ``torch.nansum`` and ``keras.ops.nansum`` (0 for an empty or
    all-NaN slice); d/dx = ``grad * (x is not NaN)``, PyTorch's ``nansum_backward`` (a product, so an infinite
    incoming gradient gives NaN at a NaN element, as PyTorch). Integers and bools sum in int64; float16 in float32,
    rounded once (as :class:`~.reduction.Sum`).
    """

    @staticmethod
    def forward(ctx, a, axes, keepdims):
        xp = ctx.xp
        axes, keepdims = _checked("nansum", a, axes, keepdims)
        ctx.shape, ctx.axes, ctx.keepdims = a.shape, axes, keepdims
        if not is_floating(a):
            ctx.number = None
            return accurate_sum(xp, xp.astype(a, xp.int64), axis=axes, keepdims=keepdims)
        ctx.number = ~xp.isnan(a)
        return accurate_sum(xp, xp.where(ctx.number, a, xp.zeros_like(a)), axis=axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, grad):
        grad = _unreduce(ctx.xp, grad, ctx.shape, ctx.axes, ctx.keepdims)
        return grad * ctx.xp.astype(ctx.number, grad.dtype)


@register_op("nanmean", samples=_reduction_samples, special_points=_nan_special_points)
class NanMean(Function):
    """The mean of the non-NaN elements over ``axes``, as ``torch.nanmean`` and ``keras.ops.nanmean``:
    ``nansum / count`` (NaN for an empty or all-NaN slice, 0/0). Its gradient is PyTorch's, through the division
    and ``nansum``: ``grad / count`` where ``x`` is not NaN, ``(grad / count) * 0`` where it is (so NaN
    throughout an all-NaN slice, where ``count`` is 0, as PyTorch). Float inputs only, as PyTorch (Keras converts
    integers to floats first: write ``x.astype("float32")``); float16 as PyTorch: the sum rounded to float16, the
    count converted to float16, the quotient computed in float32 and rounded.
    """

    @staticmethod
    def forward(ctx, a, axes, keepdims):
        xp = ctx.xp
        axes, keepdims = _checked("nanmean", a, axes, keepdims)
        if not is_floating(a):
            raise TypeError(f"Invalid type for argument `x` of nanmean: expected a float tensor (as "
                            f"torch.nanmean), received dtype {dtype_name(a.dtype)}. Cast it first, e.g. "
                            f"x.astype('float32')")
        ctx.shape, ctx.axes, ctx.keepdims = a.shape, axes, keepdims
        ctx.number = ~xp.isnan(a)
        ctx.count = accurate_sum(xp, xp.astype(ctx.number, xp.int64), axis=axes, keepdims=keepdims)

        # as PyTorch's nansum(x) / count: the sum rounded to the dtype, the count converted to it, then divided
        # (float16 in float32, rounded once)
        total = accurate_sum(xp, xp.where(ctx.number, a, xp.zeros_like(a)), axis=axes, keepdims=keepdims)
        with np.errstate(invalid="ignore", divide="ignore"):
            return _in_float32(xp, lambda t, c: t / c, total, xp.astype(ctx.count, a.dtype))

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        with np.errstate(invalid="ignore", divide="ignore"):
            grad = _in_float32(xp, lambda g, c: g / c, grad, xp.astype(ctx.count, grad.dtype))
        grad = _unreduce(xp, grad, ctx.shape, ctx.axes, ctx.keepdims)
        return grad * xp.astype(ctx.number, grad.dtype)


def _reduce(fn, x, axis, keepdims, dim, keepdim):
    x = _as_tensor(x)
    axis, keepdims = _torch_spelling(fn.name, x.ndim, axis, keepdims, dim, keepdim)
    return fn.apply(x, axes=axis, keepdims=keepdims)


def nansum(x, axis=None, keepdims=False, *, dim=None, keepdim=None):
    """The sum over ``axis`` (every axis by default) with NaN read as 0 (:class:`NanSum`), as
    ``keras.ops.nansum(x, axis, keepdims)`` and ``torch.nansum(x, dim, keepdim)`` (``dim``/``keepdim`` taken as in
    :func:`~.reduction.sum`).

    >>> import tinygradconv as tg
    >>> x = tg.tensor([[1.0, float("nan")], [2.0, 3.0]], requires_grad=True)
    >>> y = nansum(x, dim=1); y.tolist()
    [1.0, 5.0]
    >>> y.sum().backward(); x.grad.tolist()
    [[1.0, 0.0], [1.0, 1.0]]
    """
    return _reduce(NanSum, x, axis, _not_given(keepdims, keepdim), dim, keepdim)


def nanmean(x, axis=None, keepdims=False, *, dim=None, keepdim=None):
    """The mean over ``axis`` of the elements that are not NaN (:class:`NanMean`), as ``keras.ops.nanmean`` and
    ``torch.nanmean`` (NaN where every element is NaN).

    Raises:
        TypeError: an integer or bool ``x`` (as PyTorch).

    >>> nanmean([[1.0, float("nan")], [2.0, 3.0]], axis=1).tolist()
    [1.0, 2.5]
    """
    return _reduce(NanMean, x, axis, _not_given(keepdims, keepdim), dim, keepdim)


def _not_given(keepdims, keepdim):
    """``keepdims`` as :func:`~.reduction._torch_spelling` reads it (``NOT_GIVEN`` for its default of False, so
    that ``keepdim`` alone is accepted)."""
    from ..torch_methods import NOT_GIVEN

    return NOT_GIVEN if keepdims is False and keepdim is not None else keepdims


def count_nonzero(x, axis=None, *, dim=None):
    """The number of elements that are not 0 over ``axis`` (None: every axis; an int or a tuple), as
    ``torch.count_nonzero(x, dim)`` (int64) and ``keras.ops.count_nonzero`` (int32 on Keras' torch backend): NaN
    counts (it is not 0), ``-0.0`` does not. Not differentiable (an integer result).

    >>> count_nonzero([[0.0, float("nan"), -0.0], [1.0, 0.0, 2.0]], dim=1).tolist()
    [1, 2]
    """
    x = _as_tensor(x)
    axis, _ = _torch_spelling("count_nonzero", x.ndim, axis, False, dim, None)
    xp = x.backend.xp
    axes = _checked("count_nonzero", x.data, axis, False)[0]
    found = x.data != 0 if x.dtype != "bool" else x.data
    return Tensor._make(xp.sum(xp.astype(found, xp.int64), axis=axes), x.backend, False, None)


class _Pair(tuple):
    """A pair with PyTorch's field names (``torch.return_types``): unpack it, or read the names."""

    __slots__ = ()
    fields = ()

    def __getattr__(self, name):
        if name in type(self).fields:
            return self[type(self).fields.index(name)]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}; it has "
                             f"{', '.join(type(self).fields)}")


class MinMax(_Pair):
    """``(min, max)``, as ``torch.return_types.aminmax``."""

    __slots__ = ()
    fields = ("min", "max")


class ValuesIndices(_Pair):
    """``(values, indices)``, as ``torch.return_types.median``."""

    __slots__ = ()
    fields = ("values", "indices")


def aminmax(x, *, dim=None, keepdim=False):
    """``(min, max)`` over ``dim`` (every dimension by default), as ``torch.aminmax``: the gradients of
    ``torch.amin``/``torch.amax`` (split evenly between ties; NaN throughout a slice holding NaN, even with no
    ``dim``, as PyTorch's ``aminmax``).

    Raises:
        ValueError: an empty tensor (or an empty ``dim``), whose extremes have no identity (PyTorch raises too).

    >>> import tinygradconv as tg
    >>> low, high = aminmax(tg.tensor([[1.0, 5.0], [3.0, 2.0]]), dim=1)
    >>> low.tolist(), high.tolist()
    ([1.0, 2.0], [5.0, 3.0])
    """
    from . import reduction

    x = _as_tensor(x)
    keepdim = flag(keepdim, "keepdim", "aminmax")
    axes = tuple(range(x.ndim)) if dim is None else (dim_index(dim, x.ndim, "aminmax"),)
    if x.ndim == 0:
        axes = ()
    if any(x.shape[a] == 0 for a in axes) or (x.size == 0 and not axes):
        raise ValueError(f"Invalid value for argument `x` of aminmax: the tensor of shape {x.shape} is empty along "
                         f"the reduced dims, and min/max of nothing is undefined (as PyTorch). Received dim={dim!r}")
    return MinMax((reduction.min(x, axis=axes, keepdims=keepdim), reduction.max(x, axis=axes, keepdims=keepdim)))


def var_mean(x, dim=None, *, correction=1, keepdim=False):
    """``(var, mean)`` over ``dim``, as ``torch.var_mean``: :func:`~.statistics.var` with ``correction`` (1 by
    default: the sample variance) and :func:`~.reduction.mean`, each with its own gradient.

    >>> v, m = var_mean([[1.0, 2.0, 4.0], [3.0, 3.0, 3.0]], dim=1)
    >>> [round(a, 4) for a in v.tolist()], [round(a, 4) for a in m.tolist()]
    ([2.3333, 0.0], [2.3333, 3.0])
    """
    from . import reduction, statistics

    x = _as_tensor(x)
    mean = reduction.mean(x, dim=dim, keepdim=flag(keepdim, "keepdim", "var_mean")) if dim is not None else \
        reduction.mean(x, keepdims=keepdim)
    return statistics.var(x, dim, None, keepdim, correction=correction), mean


def std_mean(x, dim=None, *, correction=1, keepdim=False):
    """``(std, mean)`` over ``dim``, as ``torch.std_mean`` (see :func:`var_mean`).

    >>> s, m = std_mean([1.0, 2.0, 4.0], correction=0)
    >>> round(s.item(), 4), round(m.item(), 4)
    (1.2472, 2.3333)
    """
    from . import reduction, statistics

    x = _as_tensor(x)
    mean = reduction.mean(x, dim=dim, keepdim=flag(keepdim, "keepdim", "std_mean")) if dim is not None else \
        reduction.mean(x, keepdims=keepdim)
    return statistics.std(x, dim, None, keepdim, correction=correction), mean


# ------------------------------------------------------------------------------------------- medians
def _median_samples(rng):
    x = rng.standard_normal((3, 5, 4))
    return [Sample((x,), {"axis": 1}), Sample((x,), {"axis": -1, "keepdims": True}), Sample((x,), {"axis": None}),
            Sample((np.asarray(0.3),), {"axis": None}), Sample((x[0],), {"axis": 0, "which": "upper"})]


def _median_special_points(rng):
    nan, inf = np.nan, np.inf
    rows = np.array([[3.0, 1.0, 2.0, 4.0, 0.5], [2.0, 1.0, 2.0, 2.0, 1.0], [1.0, nan, 2.0, nan, 0.0],
                     [-inf, inf, 0.0, -0.0, 1.0], [0.0, -0.0, 0.0, -0.0, 0.0], [inf, inf, -inf, 1.0, 2.0]])
    return [Sample((rows,), {"axis": 1}), Sample((rows[:, :4].copy(),), {"axis": 1, "keepdims": True}),
            Sample((rows[:2],), {"axis": None}), Sample((rows[1:3],), {"axis": None}),
            Sample((np.array([2.0, 2.0, 1.0]),), {"axis": None}), Sample((np.asarray(nan),), {"axis": None}),
            Sample((np.asarray(-0.0),), {"axis": 0}), Sample((np.zeros((0, 3)),), {"axis": 1})]


@register_op("median", samples=_median_samples, special_points=_median_special_points)
class Median(Function):
    """The lower middle value of each slice along ``axis``, as ``torch.median`` (``which="upper"``: the upper one,
    which :func:`median` averages with it, as Keras). ``axis=None``: the whole input, flattened.

    Found by a stable ``argsort`` (NaN last): the value at position ``(n - 1) // 2`` of the order (``n // 2`` for
    the upper), NaN with the index of the first NaN where the slice holds one, as PyTorch. Among equal values the
    stable order's index is returned; PyTorch documents its index among ties as unspecified (its CPU kernel
    agreed on the cases tried). An empty slice gives NaN (index 0), as ``torch.median`` of an empty tensor.
    The gradient goes to the index; with ``axis=None`` it is split evenly between the elements equal to the
    median (the NaN elements, for a NaN median), as PyTorch's ``t.median()`` (``evenly_distribute_backward``).
    ``ctx.indices`` keeps the int64 indices.
    """

    @staticmethod
    def forward(ctx, a, axis, keepdims=False, which="lower", found=None):
        xp = ctx.xp
        keepdims = flag(keepdims, "keepdims", "median")
        if which not in ("lower", "upper"):
            raise ValueError(f"Invalid value for argument `which` of median: expected 'lower' or 'upper', "
                             f"received which={which!r}")
        ctx.shape, ctx.keepdims = a.shape, keepdims
        whole = axis is None
        if whole:
            a = xp.reshape(a, (-1,))
            axis = 0
        elif a.ndim == 0:
            dim_index(axis, 0, "median", name="axis")
            a = xp.reshape(a, (1,))
            axis = 0
        else:
            axis = dim_index(axis, a.ndim, "median", name="axis")
        ctx.whole, ctx.axis = whole, axis
        n = a.shape[axis]
        if n == 0:
            indices = xp.zeros(_kept_shape(a.shape, (axis,)), dtype=xp.int64)
            values = xp.full(indices.shape, float("nan"), dtype=a.dtype if is_floating(a) else xp.float32)
        else:
            order = xp.argsort(a, axis=axis, stable=True)
            k = (n - 1) // 2 if which == "lower" else n // 2
            indices = xp.take(order, xp.asarray([k]), axis=axis) if a.ndim == 1 else \
                order[tuple(slice(k, k + 1) if i == axis else slice(None) for i in range(a.ndim))]
            values = xp.take_along_axis(a, indices, axis=axis)
            if is_floating(a):
                nan = xp.isnan(a)
                has_nan = xp.any(nan, axis=axis, keepdims=True)
                first_nan = xp.argmax(xp.astype(nan, xp.int8), axis=axis, keepdims=True)
                indices = xp.where(has_nan, xp.astype(first_nan, xp.int64), indices)
                values = xp.where(has_nan, xp.full_like(values, float("nan")), values)
        ctx.values, ctx.kept = values, indices.shape
        ctx.save_for_backward(a)
        if whole:
            out_shape = (1,) * len(ctx.shape) if keepdims else ()
        elif not ctx.shape:                 # a rank-0 input: rank 0, keepdims or not (as PyTorch)
            out_shape = ()
        else:
            out_shape = indices.shape if keepdims else tuple(n for i, n in enumerate(a.shape) if i != axis)
        ctx.indices = xp.reshape(xp.astype(indices, xp.int64), out_shape)
        if found is not None:
            found.append(ctx.indices)
        return xp.reshape(values, out_shape)

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        (a,) = ctx.saved_tensors
        grad = xp.reshape(grad, ctx.kept)
        if ctx.whole:           # PyTorch's evenly_distribute_backward
            value = ctx.values
            mask = xp.isnan(a) if bool(xp.any(xp.isnan(value))) else a == value
            count = xp.sum(xp.astype(mask, grad.dtype))
            out = xp.where(mask, xp.broadcast_to(grad / count, a.shape), xp.zeros(a.shape, dtype=grad.dtype))
        else:
            shape = [1] * a.ndim
            shape[ctx.axis] = a.shape[ctx.axis]
            positions = xp.reshape(xp.arange(a.shape[ctx.axis], dtype=xp.int64), tuple(shape))
            indices = xp.reshape(ctx.indices, ctx.kept)
            out = xp.where(positions == indices, xp.broadcast_to(grad, a.shape), xp.zeros(a.shape, dtype=grad.dtype))
        return xp.reshape(out, ctx.shape)


def torch_median(x, dim=None, keepdim=False):
    """PyTorch's median (``torch.median``, the ``t.median()`` method): with no ``dim`` the lower middle value of
    every element (rank 0); with a ``dim`` a ``(values, indices)`` pair (``.values``, ``.indices``), the indices
    int64. Integers keep their dtype. See :class:`Median` for NaN, ties and the gradient.

    >>> import tinygradconv as tg
    >>> torch_median(tg.tensor([3.0, 1.0, 2.0, 4.0])).item()
    2.0
    >>> values, indices = torch_median(tg.tensor([[1.0, 2.0, 2.0, 5.0], [float("nan"), 1.0, 2.0, 3.0]]), dim=1)
    >>> values.tolist(), indices.tolist()
    ([2.0, nan], [1, 0])
    """
    x = _as_tensor(x)
    keepdim = flag(keepdim, "keepdim", "median")
    if dim is None:
        return Median.apply(x, axis=None)
    found = []
    values = Median.apply(x, axis=dim, keepdims=keepdim, found=found)
    return ValuesIndices((values, Tensor._make(found[0], values.backend, False, None)))


def median(x, axis=None, keepdims=False):
    """The median over ``axis`` (None: every element; an int or a tuple of ints), as ``keras.ops.median``: the
    mean of the two middle values of an even count (``median([1, 2, 3, 4]) = 2.5``, where ``torch.median`` and
    ``t.median()`` give 2), NaN for a slice holding NaN. Integers and bools give float32, as Keras 3. The
    gradient is 0.5 to each middle element (1 to the middle of an odd count).

    >>> median([[1.0, 2.0, 3.0, 4.0], [5.0, 1.0, 3.0, 9.0]], axis=1).tolist()
    [2.5, 4.0]
    """
    x = _as_tensor(x)
    keepdims = flag(keepdims, "keepdims", "median")
    if not is_floating(x):
        x = x.astype("float32")
    shape = x.shape
    if isinstance(axis, (tuple, list)):
        axes = _checked("median", x.data, tuple(axis), False)[0]
        kept = [i for i in range(x.ndim) if i not in axes]
        moved = x.permute(*kept, *axes).reshape(*[shape[i] for i in kept], math.prod(shape[i] for i in axes)) \
            if axes else x.reshape(*shape, 1)
        out = (Median.apply(moved, axis=-1) + Median.apply(moved, axis=-1, which="upper")) * 0.5
        return out.reshape(_kept_shape(shape, axes)) if keepdims else out
    if axis is None:
        out = (Median.apply(x.reshape(-1), axis=0) + Median.apply(x.reshape(-1), axis=0, which="upper")) * 0.5
        return out.reshape((1,) * x.ndim) if keepdims else out
    return (Median.apply(x, axis=axis, keepdims=keepdims) + Median.apply(x, axis=axis, keepdims=keepdims,
                                                                          which="upper")) * 0.5
