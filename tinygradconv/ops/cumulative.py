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

import numpy as np

from ..autograd import Function, Sample, register_op
from ..tensor import Tensor
from ..torch_methods import NOT_GIVEN
from ..validation import dim_index
from .elementwise import _in_float32
from .shape import axis_or_dim


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
    ``torch.cumsum(x, 0)``. Integer and bool inputs sum in int64, as ``torch.cumsum``; float16 in float32, each
    running total rounded once (as PyTorch's CPU kernel keeps a float32 total).
    """

    @staticmethod
    def forward(ctx, a, axis):
        xp = ctx.xp
        ctx.shape = a.shape
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
        return _in_float32(xp, lambda v: _running_sum(xp, v, axis), a)

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        if grad.ndim:
            axis = ctx.axis
            grad = _in_float32(xp, lambda g: xp.flip(_running_sum(xp, xp.flip(g, axis=axis), axis), axis=axis), grad)
        return xp.reshape(grad, ctx.shape)


def _running_sum(xp, a, axis):
    """The running sum of ``a`` along ``axis`` from a total of ``+0.0``, as PyTorch's kernel keeps it: ``-0.0`` first
    gives ``0.0`` (NumPy's running sum starts from the first element and keeps its ``-0.0``)."""
    total = xp.cumulative_sum(a, axis=axis)
    return total + 0.0 if xp.isdtype(total.dtype, "real floating") else total


def cumsum(x, axis=NOT_GIVEN, *, dim=None):
    """The running sum of ``x`` along ``axis`` (:class:`CumSum`); ``axis=None`` runs over the flattened input, as
    ``keras.ops.cumsum``; ``dim`` is PyTorch's name (``torch.cumsum(x, dim)``, which requires it).

    Raises:
        TypeError: both ``axis`` and ``dim``, whatever their values (as :func:`~tinygradconv.ops.shape.concat`).
        IndexError, ValueError: an axis out of range (:func:`~tinygradconv.validation.dim_index`).

    >>> cumsum([[1.0, 2.0], [3.0, 4.0]], dim=0).tolist()
    [[1.0, 2.0], [4.0, 6.0]]
    """
    axis = axis_or_dim("cumsum", axis, dim, default=None)
    x = x if isinstance(x, Tensor) else Tensor(x)
    return CumSum.apply(x, axis=axis)
