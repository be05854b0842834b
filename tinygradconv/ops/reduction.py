"""Reductions: ``sum``, ``mean``, ``max``, ``min`` over ``axis`` (None, an int or a tuple), with ``keepdims``.

The gradient of a reduction is the output gradient broadcast back over the reduced axes: unchanged for ``sum``,
divided by the count for ``mean``, and routed to the extreme elements for ``max``/``min`` (split evenly on ties).
The axes are checked by :func:`tinygradconv.validation.reduction_axes`.

>>> from tinygradconv.ops import reduction
>>> reduction.sum([[1.0, 2.0], [3.0, 4.0]], axis=0).numpy().tolist()
[4.0, 6.0]
"""
from __future__ import annotations

from ..autograd import Function, Sample, register_op
from ..tensor import Tensor
from ..validation import reduction_axes


def _kept_shape(shape, axes):
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _reduction_samples(rng):
    x = rng.standard_normal((3, 4, 2))
    return [Sample((x,), {"axes": (0, 1, 2), "keepdims": False}), Sample((x,), {"axes": (1,), "keepdims": True}),
            Sample((x,), {"axes": (0, 2), "keepdims": False})]


@register_op("sum", samples=_reduction_samples)
class Sum(Function):
    """Sum over ``axes``; d/dx_i = 1 for every summed element."""

    @staticmethod
    def forward(ctx, a, axes, keepdims):
        ctx.shape, ctx.axes, ctx.keepdims = a.shape, axes, keepdims
        return ctx.xp.sum(a, axis=axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        if not ctx.keepdims:
            grad = xp.reshape(grad, _kept_shape(ctx.shape, ctx.axes))
        return xp.broadcast_to(grad, ctx.shape)


@register_op("mean", samples=_reduction_samples)
class Mean(Function):
    """Mean over ``axes``; d/dx_i = 1/n for each of the n averaged elements."""

    @staticmethod
    def forward(ctx, a, axes, keepdims):
        ctx.shape, ctx.axes, ctx.keepdims = a.shape, axes, keepdims
        return ctx.xp.mean(a, axis=axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        count = 1
        for a in ctx.axes:
            count *= ctx.shape[a]
        grad = grad / count
        if not ctx.keepdims:
            grad = xp.reshape(grad, _kept_shape(ctx.shape, ctx.axes))
        return xp.broadcast_to(grad, ctx.shape)


class _Extreme(Function):
    reduce = None

    @classmethod
    def forward(cls, ctx, a, axes, keepdims):
        xp = ctx.xp
        if any(a.shape[i] == 0 for i in axes):
            raise ValueError(f"{cls.name}() of an empty axis (shape {tuple(a.shape)}, axis {axes})")
        out = getattr(xp, cls.reduce)(a, axis=axes, keepdims=True)
        hits = xp.astype(a == out, a.dtype)
        ctx.save_for_backward(hits / xp.sum(hits, axis=axes, keepdims=True))
        ctx.shape, ctx.axes = a.shape, axes
        return out if keepdims else xp.reshape(out, tuple(n for i, n in enumerate(a.shape) if i not in axes))

    @staticmethod
    def backward(ctx, grad):
        (share,) = ctx.saved_tensors
        return share * ctx.xp.reshape(grad, _kept_shape(ctx.shape, ctx.axes))


def _distinct_samples(rng):
    x = rng.permutation(24).reshape(3, 4, 2) / 7.0  # distinct values: no ties
    return [Sample((x,), {"axes": (0, 1, 2), "keepdims": False}), Sample((x,), {"axes": (1,), "keepdims": True})]


@register_op("max", samples=_distinct_samples)
class Max(_Extreme):
    """Maximum over ``axes``; the gradient goes to the maximal elements (split evenly on ties)."""

    reduce = "max"


@register_op("min", samples=_distinct_samples)
class Min(_Extreme):
    """Minimum over ``axes``; the gradient goes to the minimal elements (split evenly on ties)."""

    reduce = "min"


def _reduce(fn, x, axis, keepdims):
    x = x if isinstance(x, Tensor) else Tensor(x)
    return fn.apply(x, axes=reduction_axes(axis, x.ndim, fn.__name__.lower()), keepdims=bool(keepdims))


def sum(x, axis=None, keepdims=False):
    """Sum of the elements over ``axis`` (all by default)."""
    return _reduce(Sum, x, axis, keepdims)


def mean(x, axis=None, keepdims=False):
    """Mean of the elements over ``axis`` (all by default)."""
    return _reduce(Mean, x, axis, keepdims)


def max(x, axis=None, keepdims=False):
    """Maximum over ``axis`` (all by default)."""
    return _reduce(Max, x, axis, keepdims)


def min(x, axis=None, keepdims=False):
    """Minimum over ``axis`` (all by default)."""
    return _reduce(Min, x, axis, keepdims)
