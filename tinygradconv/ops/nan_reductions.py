"""NaN-aware sums and counts: ``nansum``, ``nanmean`` and ``count_nonzero``, as PyTorch 2.13 and Keras 3.

=================  =============================================  ==================================================
function           value                                          gradient
=================  =============================================  ==================================================
``nansum``         the sum with NaN read as 0                     ``grad`` where ``x`` is not NaN, ``grad * 0``
                                                                  there
``nanmean``        ``nansum / (number of non-NaN)``; NaN when     that of ``nansum`` divided by the count (NaN
                   every element is NaN                           throughout a slice of NaN only, as PyTorch)
``count_nonzero``  int64 count of ``x != 0`` (NaN counts)         none (an integer)
=================  =============================================  ==================================================

The medians, ``aminmax`` (:mod:`~tinygradconv.ops.order_statistics`) and ``var_mean``/``std_mean``
(:mod:`~tinygradconv.ops.statistics`) are PyTorch's other reductions beside ``sum`` and ``mean``.

>>> import tinygradconv as tg
>>> x = tg.tensor([1.0, float("nan"), 3.0, 4.0])
>>> nansum(x).item(), round(nanmean(x).item(), 4), count_nonzero(x).item()
(8.0, 2.6667, 4)
"""
from __future__ import annotations

import numpy as np

from ..autograd import Function, Sample, register_op
from ..backend import dtype_name
from ..tensor import Tensor
from .elementwise import _as_tensor, _in_float32, is_floating
from .reduction import _checked, _reduction_samples, _special_rows, _torch_spelling, _unreduce
from .summation import accurate_sum


def _nan_special_points(rng):
    x = _special_rows()
    nan = np.nan
    return [Sample((x,), {"axes": (1,), "keepdims": False}), Sample((x,), {"axes": (0,), "keepdims": True}),
            Sample((x,), {"axes": (0, 1), "keepdims": False}),
            Sample((np.array([[nan, nan], [nan, 1.0]]),), {"axes": (1,), "keepdims": False}),   # all NaN
            Sample((np.asarray(nan),), {"axes": (), "keepdims": False}),
            Sample((np.asarray(-0.0),), {"axes": (), "keepdims": False}),
            Sample((np.zeros((0, 3)),), {"axes": (0,), "keepdims": False})]


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
            ctx.not_nan = None
            return accurate_sum(xp, xp.astype(a, xp.int64), axis=axes, keepdims=keepdims)
        ctx.not_nan = ~xp.isnan(a)
        ctx.save_for_backward(a)    # not read back (its NaN mask is): PyTorch saves it, so a write of it refuses
        return accurate_sum(xp, xp.where(ctx.not_nan, a, xp.zeros_like(a)), axis=axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, grad):
        grad = _unreduce(ctx.xp, grad, ctx.shape, ctx.axes, ctx.keepdims)
        return grad * ctx.xp.astype(ctx.not_nan, grad.dtype)


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
        ctx.not_nan = ~xp.isnan(a)
        ctx.save_for_backward(a)    # not read back (its NaN mask is): PyTorch saves it, so a write of it refuses
        ctx.count = accurate_sum(xp, xp.astype(ctx.not_nan, xp.int64), axis=axes, keepdims=keepdims)

        # as PyTorch's nansum(x) / count: the sum rounded to the dtype, the count converted to it, then divided
        # (float16 in float32, rounded once)
        total = accurate_sum(xp, xp.where(ctx.not_nan, a, xp.zeros_like(a)), axis=axes, keepdims=keepdims)
        with np.errstate(invalid="ignore", divide="ignore"):
            return _in_float32(xp, lambda t, c: t / c, total, xp.astype(ctx.count, a.dtype))

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        with np.errstate(invalid="ignore", divide="ignore"):
            grad = _in_float32(xp, lambda g, c: g / c, grad, xp.astype(ctx.count, grad.dtype))
        grad = _unreduce(xp, grad, ctx.shape, ctx.axes, ctx.keepdims)
        return grad * xp.astype(ctx.not_nan, grad.dtype)


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
    from ..validation import NOT_GIVEN

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
    found = x.data if dtype_name(x.dtype) == "bool" else x.data != 0     # (a bool array is its own mask)
    return Tensor._make(xp.sum(xp.astype(found, xp.int64), axis=axes), x.backend, False, None)
