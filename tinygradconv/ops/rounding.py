"""Rounding ops: ``floor``, ``ceil``, ``round`` (half to even, with ``decimals``), ``trunc`` (PyTorch's ``fix`` too)
and ``frac``, each forward beside its local derivative.

The names are Keras 3's (``keras.ops.floor``, ``keras.ops.round``, ...) and PyTorch's; ``fix`` and ``frac`` are
PyTorch's only. Values, dtypes and gradients follow PyTorch 2.13 (https://pytorch.org/docs/stable/torch.html#pointwise-ops,
``tools/autograd/derivatives.yaml``):

=========  =================================================  ================================================
op         value                                              d/da, as PyTorch computes it
=========  =================================================  ================================================
``floor``  the largest integer ``<= a``                       0 everywhere (``zeros_like(grad)``)
``ceil``   the smallest integer ``>= a``                      0 everywhere
``round``  the nearest integer, ties to even (``2.5 -> 2``)   0 everywhere
``trunc``  ``a`` rounded toward 0                             0 everywhere
``frac``   ``a - trunc(a)``, of the sign of ``a``             ``grad`` (1 everywhere)
=========  =================================================  ================================================

The gradient 0 is ``zeros_like(grad)``, as PyTorch's: 0 even where the incoming gradient is NaN or infinite, and
``+0.0`` (never ``-0.0``). It is the derivative almost everywhere; at the integers (or the halves, for ``round``)
the functions jump and have none, and PyTorch gives 0 there too.

Dtypes, as PyTorch: a float tensor keeps its dtype; an integer tensor is returned unchanged, with its dtype
(``torch.floor(int64)`` is int64; Keras 3's ``ops.floor`` of int32 is float32, its ``ops.trunc`` int32: here
PyTorch's rule, for all four); a bool tensor is a ``TypeError``, as in PyTorch. ``frac`` of an integer or bool
tensor is a ``TypeError`` too (PyTorch: "frac_cpu" not implemented for 'Long').

Special points: IEEE 754 as PyTorch: the sign of a zero survives ``floor``, ``ceil``, ``round`` and ``trunc``
(``floor(-0.0) = -0.0``), and a result that rounds to zero from below is ``-0.0`` (``ceil(-0.5) = -0.0``,
``round(-0.4) = -0.0``); ``+-inf`` and NaN are returned as they are; ``frac(+-inf)`` is NaN (``inf - inf``) and
``frac(-0.0) = 0.0`` (``-0.0 - -0.0``). All of them agree with PyTorch bit for bit in float16, float32 and float64:
rounding to an integer is exact.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from ..autograd import Function, Sample, register_op
from .elementwise import _as_tensor, _in_float32, edge_shapes, special_values


def _check_not_bool(xp, a, op):
    """A ``TypeError`` naming the argument ``x`` for a bool array given to ``op``, which PyTorch does not define for
    bools (``floor``, ``ceil``, ``round``, ``trunc``; ``frac`` has its own, as it refuses integers too)."""
    if a.dtype == xp.bool:
        raise TypeError(f"Invalid type for argument `x` of {op}: a bool tensor; {op} is not defined for bools (as "
                        "in PyTorch). Expected a float or integer tensor: cast it first, e.g. x.astype('float32')")


def _rounding_samples(rng):
    """Ordinary inputs away from the integers and halves (a finite difference across a jump is not a gradient)."""
    def away(shape):
        x = rng.uniform(-4.0, 4.0, shape)
        return np.floor(x) + 0.1 + 0.3 * (x - np.floor(x))      # fractional parts in [0.1, 0.4)

    return [Sample((away((3, 4)),)), Sample((np.asarray(0.7),)), Sample((np.zeros((0, 2)),))]


def _rounding_special_points(rng):
    """Every special value, the halves (ties of ``round``: 0.5, 1.5, 2.5, -0.5, -2.5), just either side of 0, large
    numbers (beyond 2**52 every float64 is an integer), rank 0, empty."""
    x = np.concatenate([special_values(), [1.5, 2.5, -1.5, -0.4, 0.4, 1e-300, -1e-300, 4503599627370497.0, 1e300,
                                           -1e300, 0.49999999999999994]])
    return [Sample((x,)), Sample((np.asarray(np.nan),)), Sample((np.asarray(-0.0),)), *edge_shapes(rng)]


class _RoundingFunction(Function):
    """The shared part of ``floor``, ``ceil`` and ``trunc``: an integer tensor unchanged (a copy), a bool one
    refused, a float one rounded by :meth:`rounded`, which each subclass defines; the gradient ``zeros_like(grad)``.
    :class:`Round` inherits only that gradient: its ``forward`` is its own (``decimals``, and integers rounded to
    tens, hundreds, ... as Keras 3)."""

    @staticmethod
    def rounded(xp, a):
        raise NotImplementedError

    @classmethod
    def forward(cls, ctx, a):
        xp = ctx.xp
        _check_not_bool(xp, a, cls.name)
        if not xp.isdtype(a.dtype, "real floating"):
            return xp.asarray(a, copy=True)
        return cls.rounded(xp, a)

    @staticmethod
    def backward(ctx, grad):
        return ctx.xp.zeros_like(grad)


@register_op("floor", samples=_rounding_samples, special_points=_rounding_special_points)
class Floor(_RoundingFunction):
    """``floor(a)``, the largest integer ``<= a`` (``floor(-0.5) = -1.0``, ``floor(-0.0) = -0.0``); d/da = 0."""

    @staticmethod
    def rounded(xp, a):
        return xp.floor(a)


@register_op("ceil", samples=_rounding_samples, special_points=_rounding_special_points)
class Ceil(_RoundingFunction):
    """``ceil(a)``, the smallest integer ``>= a`` (``ceil(-0.5) = -0.0``, ``ceil(0.2) = 1.0``); d/da = 0."""

    @staticmethod
    def rounded(xp, a):
        return xp.ceil(a)


@register_op("trunc", samples=_rounding_samples, special_points=_rounding_special_points)
class Trunc(_RoundingFunction):
    """``trunc(a)``, ``a`` rounded toward 0 (``trunc(-1.7) = -1.0``, ``trunc(-0.5) = -0.0``); d/da = 0."""

    @staticmethod
    def rounded(xp, a):
        return xp.trunc(a)


def _round_samples(rng):
    return [*_rounding_samples(rng), Sample((rng.uniform(-4, 4, (3,)) + 0.013,), {"decimals": 1}),
            Sample((rng.uniform(-400, 400, (3,)) + 3.1,), {"decimals": -1})]


def _round_special_points(rng):
    points = _rounding_special_points(rng)
    x = np.concatenate([special_values(), [1.25, 2.35, -0.05, 0.05, 12345.678, 1e300]])
    return [*points, Sample((x,), {"decimals": 1}), Sample((x,), {"decimals": 2}), Sample((x,), {"decimals": -1}),
            Sample((np.asarray(-0.04),), {"decimals": 1})]


def _checked_decimals(decimals):
    """``decimals`` as an int, or a ``TypeError`` naming it (a bool or a float is refused, as PyTorch)."""
    if isinstance(decimals, (bool, np.bool_)) or not isinstance(decimals, numbers.Integral):
        raise TypeError(f"Invalid type for argument `decimals` of round: expected an int, received "
                        f"decimals={decimals!r} of type {type(decimals).__name__}")
    return int(decimals)


_LARGEST_FLOAT_POWER = 308     # 10**308 is the largest power of ten below float64's maximum (1.8e308)


def _power_of_ten(k):
    """``10**k`` as a Python float, ``inf`` once it passes float64's range (``k > 308``), as PyTorch's
    ``std::pow(10, k)``; the exact integer ``10**k`` is built only for ``k <= 308`` (``10**(10**7)`` would take
    minutes)."""
    return float(10 ** k) if k <= _LARGEST_FLOAT_POWER else math.inf


@register_op("round", samples=_round_samples, special_points=_round_special_points)
class Round(_RoundingFunction):
    """``round(a, decimals)``: to the nearest multiple of ``10**-decimals``, ties to even (``round(2.5) = 2.0``,
    ``round(-0.5) = -0.0``); d/da = 0.

    With ``decimals`` as PyTorch's kernel computes it: ``nearbyint(a * 10**d) / 10**d`` for ``d > 0`` and
    ``nearbyint(a / 10**-d) * 10**-d`` for ``d < 0``, in float32 for float16 (so ``round(1.005, 2)`` is ``1.0`` in
    float32, where ``1.005`` is ``1.00499999...``). When ``10**|d|`` overflows the dtype it computes in (``|d| > 38``
    for float16 and float32, ``|d| > 308`` for float64) the scale is ``inf`` and every element is NaN, as PyTorch
    (``round(float32 [1.5], decimals=39)`` is ``[nan]``, at once for any ``d``). An integer tensor with ``d < 0``
    is rounded as Keras 3 rounds it (``round(int32 [15, 25], -1) = [20, 20]``, ties to even, its dtype kept);
    PyTorch refuses integers with ``decimals != 0``; ``d < -308`` gives 0 (Keras's float32 path gives NaN cast to
    the integer dtype there).
    """

    @staticmethod
    def forward(ctx, a, decimals=0):
        xp = ctx.xp
        decimals = _checked_decimals(decimals)
        _check_not_bool(xp, a, "round")
        if not xp.isdtype(a.dtype, "real floating"):
            if decimals >= 0:
                return xp.asarray(a, copy=True)
            if -decimals > _LARGEST_FLOAT_POWER:
                return xp.zeros_like(a)     # every integer is nearer 0 than half of 10**-decimals
            scale = _power_of_ten(-decimals)
            wide = xp.astype(a, xp.float64)
            return xp.astype(xp.round(wide / scale) * scale, a.dtype)
        if decimals == 0:
            return xp.round(a)
        scale = _power_of_ten(abs(decimals))    # rounded to the dtype (float32 for float16), as PyTorch's opmath
        if decimals > 0:
            return _in_float32(xp, lambda v: xp.round(v * scale) / scale, a)
        return _in_float32(xp, lambda v: xp.round(v / scale) * scale, a)


@register_op("frac", samples=_rounding_samples, special_points=_rounding_special_points)
class Frac(Function):
    """``frac(a) = a - trunc(a)``, the fractional part with the sign of ``a`` (``frac(-1.25) = -0.25``); d/da = 1,
    the incoming gradient passed through, as PyTorch (``frac(+-inf)`` is NaN, with gradient ``grad``)."""

    @staticmethod
    def forward(ctx, a):
        xp = ctx.xp
        if not xp.isdtype(a.dtype, "real floating"):
            raise TypeError("Invalid type for argument `x` of frac: an integer or bool tensor (PyTorch's frac is "
                            "defined for floats only). Expected a float tensor: cast it first, e.g. "
                            "x.astype('float32')")
        return a - xp.trunc(a)

    @staticmethod
    def backward(ctx, grad):
        return grad


# ------------------------------------------------------------------------------------------- the functions
def floor(x):
    """Round down element-wise, ``keras.ops.floor`` / ``torch.floor``: :class:`Floor` (d/dx = 0).

    Args:
        x: a Tensor (or data, converted by :class:`~tinygradconv.Tensor`'s rule), any shape.

    Returns:
        A Tensor of ``x``'s shape and dtype: an integer tensor unchanged (as PyTorch; Keras 3 gives float32).

    Raises:
        TypeError: a bool ``x`` (as PyTorch).

    >>> import tinygradconv as tg
    >>> x = tg.tensor([-1.5, 0.5, 2.0], requires_grad=True)
    >>> y = floor(x)
    >>> y.tolist()
    [-2.0, 0.0, 2.0]
    >>> y.sum().backward()
    >>> x.grad.tolist()
    [0.0, 0.0, 0.0]
    """
    return Floor.apply(_as_tensor(x))


def ceil(x):
    """Round up element-wise, ``keras.ops.ceil`` / ``torch.ceil``: :class:`Ceil` (d/dx = 0).

    Args:
        x: a Tensor (or data), any shape.

    Returns:
        A Tensor of ``x``'s shape and dtype: an integer tensor unchanged (as PyTorch; Keras 3 gives float32).
        ``ceil(-0.5)`` is ``-0.0``.

    Raises:
        TypeError: a bool ``x`` (as PyTorch).

    >>> import tinygradconv as tg
    >>> x = tg.tensor([-1.5, 0.5, 2.0], requires_grad=True)
    >>> y = ceil(x)
    >>> y.tolist()
    [-1.0, 1.0, 2.0]
    >>> y.sum().backward()
    >>> x.grad.tolist()
    [0.0, 0.0, 0.0]
    """
    return Ceil.apply(_as_tensor(x))


def round(x, decimals=0):
    """Round to the nearest integer element-wise, ties to even, ``keras.ops.round`` / ``torch.round``:
    :class:`Round` (d/dx = 0).

    Ties go to the even neighbour (``0.5 -> 0``, ``1.5 -> 2``, ``2.5 -> 2``), as NumPy, Keras 3 and PyTorch (not
    Python's school rounding of halves away from zero).

    Args:
        x: a Tensor (or data), any shape.
        decimals: an int: round to this many decimal places (negative: to tens, hundreds, ...).

    Returns:
        A Tensor of ``x``'s shape and dtype: an integer tensor unchanged for ``decimals >= 0`` (as PyTorch), and
        rounded to tens, hundreds, ... for ``decimals < 0`` (as Keras 3; PyTorch refuses it).

    Raises:
        TypeError: a bool ``x`` (as PyTorch), or ``decimals`` that is not an int.

    >>> import tinygradconv as tg
    >>> x = tg.tensor([0.5, 1.5, 2.5, -2.5], requires_grad=True)
    >>> y = round(x)
    >>> y.tolist()
    [0.0, 2.0, 2.0, -2.0]
    >>> y.sum().backward()
    >>> x.grad.tolist()
    [0.0, 0.0, 0.0, 0.0]
    >>> round(tg.tensor([1.234, 1250.0], dtype="float64"), decimals=1).tolist()
    [1.2, 1250.0]
    """
    decimals = _checked_decimals(decimals)
    return Round.apply(_as_tensor(x), decimals=decimals)


def trunc(x):
    """Round toward zero element-wise, ``keras.ops.trunc`` / ``torch.trunc`` (alias :func:`fix`, PyTorch's):
    :class:`Trunc` (d/dx = 0).

    Args:
        x: a Tensor (or data), any shape.

    Returns:
        A Tensor of ``x``'s shape and dtype: an integer tensor unchanged (as PyTorch and Keras 3).

    Raises:
        TypeError: a bool ``x`` (as PyTorch; Keras 3 returns it unchanged).

    >>> import tinygradconv as tg
    >>> x = tg.tensor([-1.7, 0.5, 2.9], requires_grad=True)
    >>> y = trunc(x)
    >>> y.tolist()
    [-1.0, 0.0, 2.0]
    >>> y.sum().backward()
    >>> x.grad.tolist()
    [0.0, 0.0, 0.0]
    """
    return Trunc.apply(_as_tensor(x))


def frac(x):
    """The fractional part element-wise, ``x - trunc(x)``, of the sign of ``x``, as ``torch.frac`` (Keras 3 has
    none): :class:`Frac` (d/dx = 1).

    Args:
        x: a float Tensor (or data), any shape.

    Returns:
        A Tensor of ``x``'s shape and dtype; NaN at ``+-inf``.

    Raises:
        TypeError: an integer or bool ``x`` (as PyTorch).

    >>> import tinygradconv as tg
    >>> x = tg.tensor([-1.25, 0.5, 2.75], requires_grad=True)
    >>> y = frac(x)
    >>> y.tolist()
    [-0.25, 0.5, 0.75]
    >>> y.sum().backward()
    >>> x.grad.tolist()
    [1.0, 1.0, 1.0]
    """
    return Frac.apply(_as_tensor(x))


fix = trunc     # PyTorch's name (torch.fix)
