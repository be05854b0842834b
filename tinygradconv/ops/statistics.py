"""Variance and standard deviation, as PyTorch 2.13's ``torch.var`` and ``torch.std`` (``Tensor.var``/``std``).

``var(x) = sum((x - mean(x))**2) / max(0, n - correction)`` over the reduced elements (``n`` of them), and
``std(x) = sqrt(var(x))``. ``correction=1`` (the default, Bessel's correction) gives the sample variance,
``correction=0`` the population variance; PyTorch's older ``unbiased=True``/``False`` means ``correction=1``/``0``.
Where ``n - correction <= 0`` (one element with the default correction) the result is NaN (``0 / 0``) or ``inf``, as
in PyTorch, with a ``UserWarning`` saying why (PyTorch warns too).

Gradients are PyTorch's (``var_backward`` and ``std_backward`` in ``torch/csrc/autograd/FunctionsManual.cpp``):

* ``d var / d x_i = 2 (x_i - mean) / (n - correction)``;
* ``d std / d x_i = (d var / d x_i) / (2 std)``, and 0 where ``std`` is 0 (all elements equal), not NaN;
* where ``n - correction <= 0`` and every axis is reduced without naming them (``dim=None``, or a rank-0 tensor),
  NaN where ``x_i`` equals the mean and ``inf`` elsewhere (times the output gradient), as PyTorch. With named
  ``dim``\\s, PyTorch divides by ``n - correction`` itself there (``inf`` for 0, a finite negative scale below it),
  and so do we.

Integer and bool tensors are refused (a ``TypeError``), as PyTorch refuses them ("std and var only support
floating point and complex dtypes"): cast first, e.g. ``x.float().var()``. float16 is computed in float32 and
float32 in float64, each rounded once, as PyTorch's CPU kernels compute the result: the std of float32 ``[1e20,
-1e20, 0]`` is ``1e20``, gradient ``[0.5, -0.5, 0]``, though its variance, ``1e40``, is ``inf`` in float32. The
float16 backward pass is computed in float32 too, where PyTorch's rounds each step to float16, its mean included:
the gradients may differ by a float16 step, and where ``2 * std`` overflows float16, a std above 32752, PyTorch's
gradient is 0 and ours is not.

Source: https://pytorch.org/docs/stable/generated/torch.var.html and .../torch.std.html

>>> import tinygradconv as tg
>>> x = tg.tensor([[1.0, 2.0, 4.0], [3.0, 3.0, 3.0]], requires_grad=True)
>>> [round(v, 4) for v in x.var(dim=1).tolist()], round(x.std().item(), 4)
([2.3333, 0.0], 1.0328)
>>> x.std(dim=1).sum().backward()
>>> [[round(g, 4) for g in row] for row in x.grad.tolist()]      # the row of equal values: 0, as PyTorch
[[-0.4364, -0.1091, 0.5455], [0.0, 0.0, 0.0]]
"""
from __future__ import annotations

import math
import numbers
import os
import sys
import warnings

import numpy as np

from ..autograd import Function, Sample, register_op
from ..backend import dtype_name
from ..tensor import Tensor
from ..validation import reduction_axes
from .reduction import _kept_shape
from .summation import accurate_sum


def _samples(rng):
    """Ordinary inputs (values spread, so no slice is constant): named axes, every axis, a rank-0 input (``n - 1 =
    0``: NaN, gradient NaN, compared as NaN), an empty one, other corrections."""
    x = rng.standard_normal((3, 4, 2))
    return [Sample((x,), {"axes": None, "keepdims": False, "correction": 1.0}),
            Sample((x,), {"axes": (1,), "keepdims": True, "correction": 1.0}),
            Sample((x,), {"axes": (0, 2), "keepdims": False, "correction": 0.0}),
            Sample((x,), {"axes": (2,), "keepdims": False, "correction": 0.5}),
            Sample((np.zeros((0, 3)),), {"axes": (1,), "keepdims": False, "correction": 1.0})]


def _special_points(rng):
    """Rows holding NaN, +-inf, equal values (std 0: gradient 0), both zeros; rank 0 and one element (``n -
    correction = 0``), a correction above ``n``, empty slices."""
    nan, inf = np.nan, np.inf
    rows = np.array([[1.0, nan, 2.0, 0.5], [inf, 1.0, 2.0, -2.0], [-inf, 1.0, -inf, 3.0], [inf, -inf, 0.0, 1.0],
                     [2.0, 2.0, 2.0, 2.0], [0.0, -0.0, -0.0, 0.0], [3.0, -1.0, 0.5, 2.5]])
    return [Sample((rows,), {"axes": (1,), "keepdims": False, "correction": 1.0}),
            Sample((rows,), {"axes": (1,), "keepdims": True, "correction": 0.0}),
            Sample((rows[4:],), {"axes": None, "keepdims": False, "correction": 1.0}),
            Sample((np.asarray(-0.0),), {"axes": None, "keepdims": False, "correction": 1.0}),   # 0 / 0
            Sample((np.asarray(2.0),), {"axes": None, "keepdims": False, "correction": 0.0}),    # 0 / 1
            Sample((rows[4:, :2],), {"axes": None, "keepdims": False, "correction": 7.0}),       # dof < 0
            Sample((rows[5:, :2],), {"axes": (1,), "keepdims": False, "correction": 2.0}),       # dof = 0, named
            Sample((np.zeros((0, 3)),), {"axes": (0,), "keepdims": False, "correction": 1.0})]


def _checked_correction(correction, op):
    """``correction`` as a float (any real number, a bool too, as PyTorch takes ``True`` as 1)."""
    if not isinstance(correction, numbers.Real):
        raise TypeError(f"Invalid type for argument `correction` of {op}: expected a number. Received "
                        f"{correction!r} of type {type(correction).__name__}")
    return float(correction)


def _caller_level() -> int:
    """The ``stacklevel`` of a warning that points at the first caller outside this package (a method, a function
    of ``tg.ops`` or ``Function.apply`` may lie between)."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    frame, level = sys._getframe(1), 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package + os.sep):
        frame, level = frame.f_back, level + 1
    return level


class _Spread(Function):
    """The variance (``root=False``) or standard deviation (``root=True``) over ``axes``: None for every axis as
    PyTorch's ``dim=None`` (which has its own gradient rule where ``n - correction <= 0``), else a tuple."""

    root = False

    @classmethod
    def forward(cls, ctx, a, axes, keepdims, correction):
        xp, op = ctx.xp, cls.name
        if not xp.isdtype(a.dtype, "real floating"):
            raise TypeError(f"Invalid type for argument `x` of {op}: {op} is defined for floating-point tensors only "
                            f"(as in PyTorch). Received a {dtype_name(a.dtype)} tensor; cast it first, e.g. "
                            f"x.float().{op}()")
        if not isinstance(keepdims, (bool, np.bool_)):
            raise TypeError(f"Invalid type for argument `keepdims` of {op}: expected a bool. Received {keepdims!r}")
        correction = _checked_correction(correction, op)
        reduced = reduction_axes(axes, a.ndim, op)
        n = math.prod(a.shape[i] for i in reduced)
        if n - correction <= 0:
            warnings.warn(f"{op}(): {n} element{'s' * (n != 1)} per slice and correction={correction:g} leave "
                          f"n - correction = {n - correction:g} degrees of freedom, so the result is NaN or inf (as in "
                          f"PyTorch, which warns too); use correction=0 (unbiased=False) for the population "
                          f"{'standard deviation' if cls.root else 'variance'}", UserWarning,
                          stacklevel=_caller_level())
        # float16 in float32 and float32 in float64, as PyTorch's CPU kernels accumulate (at::acc_type): the std
        # of float32 [1e20, -1e20, 0] is 1e20 (its variance, 1e40, overflowed float32 on the way: it was inf)
        kind = dtype_name(a.dtype)
        wide = {"float16": "float32", "float32": "float64"}.get(kind)
        # one array of a's size, ours to overwrite: centered (a copy of a in the wide dtype, or a - mean), then
        # squared in place (three new arrays of that size had made a float32 std 4-5x slower than in float32)
        centered = xp.astype(a, getattr(xp, wide)) if wide else a
        mean = accurate_sum(xp, centered, axis=reduced, keepdims=True) / n
        if wide:
            centered -= mean
        else:
            centered = a - mean         # (a itself is the caller's: not overwritten)
        centered *= centered
        out = accurate_sum(xp, centered, axis=reduced, keepdims=keepdims) / max(0.0, n - correction)
        if cls.root:
            out = xp.sqrt(out)
        ctx.full = axes is None or a.ndim == 0     # PyTorch's rule without named dims
        ctx.reduced, ctx.keepdims, ctx.n, ctx.correction = reduced, bool(keepdims), n, correction
        with np.errstate(over="ignore"):           # a variance above float32's largest: inf, as PyTorch's
            result = xp.astype(out, a.dtype) if out.dtype != a.dtype else out
        ctx.save_for_backward(a, result)
        return result

    @classmethod
    def backward(cls, ctx, grad):
        xp = ctx.xp
        a, out = ctx.saved_tensors
        half = dtype_name(a.dtype) == "float16"
        if half:
            a, out, grad = (xp.astype(v, xp.float32) for v in (a, out, grad))
        if not ctx.keepdims:
            grad = xp.reshape(grad, _kept_shape(a.shape, ctx.reduced))
            out = xp.reshape(out, _kept_shape(a.shape, ctx.reduced))
        if cls.root:          # d std = d var / (2 std), and 0 where std is 0 (PyTorch's masked_fill)
            grad = xp.where(out == 0, xp.zeros_like(grad), grad / (2 * out))
        mean = accurate_sum(xp, a, axis=ctx.reduced, keepdims=True) / ctx.n
        if half:        # PyTorch's backward takes the mean in float16 (``self - self.mean()``): x_i - mean is 0 there
            mean = xp.astype(xp.astype(mean, xp.float16), xp.float32)
        centered = a - mean
        dof = ctx.n - ctx.correction
        if ctx.full and dof <= 0:
            nan_or_inf = xp.where(centered == 0, xp.asarray(math.nan, dtype=a.dtype),
                                  xp.asarray(math.inf, dtype=a.dtype))
            result = grad * nan_or_inf
        else:
            scale = 2.0 / dof if dof != 0 else math.inf
            result = scale * grad * centered
        result = xp.broadcast_to(result, a.shape)
        return xp.astype(result, xp.float16) if half else result


@register_op("var", samples=_samples, special_points=_special_points)
class Var(_Spread):
    """``sum((a - mean)**2) / max(0, n - correction)`` over ``axes`` (see the module's docstring)."""


@register_op("std", samples=_samples, special_points=_special_points)
class Std(_Spread):
    """``sqrt(var(a))`` over ``axes``, with gradient 0 where it is 0 (see the module's docstring)."""

    root = True


def _arguments(op, dim, unbiased, keepdim, correction):
    """PyTorch's overloads of ``var``/``std``: ``(dim, unbiased, keepdim)``, ``(dim, *, correction, keepdim)`` and
    ``(unbiased)`` (a bool first: ``x.var(False)``). Returns ``(axes, keepdim, correction)``."""
    if isinstance(dim, (bool, np.bool_)):               # x.var(False): PyTorch's overload var(unbiased)
        if unbiased is not None:
            raise TypeError(f"Invalid type for argument `dim` of {op}: expected None, an int or a tuple of ints. "
                            f"Received {dim!r}")
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(f"{op}() takes `unbiased` (PyTorch's older spelling) or `correction`, not both. Received "
                        f"unbiased={unbiased!r}, correction={correction!r}")
    if unbiased is not None:
        if not isinstance(unbiased, (bool, np.bool_)):
            raise TypeError(f"Invalid type for argument `unbiased` of {op}: expected a bool. Received {unbiased!r} "
                            f"of type {type(unbiased).__name__}")
        correction = 1.0 if unbiased else 0.0
    elif correction is None:
        correction = 1.0
    correction = _checked_correction(correction, op)
    if not isinstance(keepdim, (bool, np.bool_)):
        raise TypeError(f"Invalid type for argument `keepdim` of {op}: expected a bool. Received {keepdim!r} of type "
                        f"{type(keepdim).__name__}")
    if isinstance(dim, list):
        dim = tuple(dim)
    if dim == ():
        dim = None                                      # PyTorch: dim=() reduces every dimension
    return dim, bool(keepdim), correction


def var(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """The variance over ``dim`` (every dimension by default), as ``torch.var`` (PyTorch 2.13).

    Args:
        x: a floating-point Tensor (or data, converted by :class:`~tinygradconv.Tensor`'s rule), any shape.
        dim: None (every dimension), an int, or a tuple or list of ints (``()`` is every dimension, as PyTorch);
            negative ones count from the end.
        unbiased: PyTorch's older spelling: ``True`` is ``correction=1``, ``False`` ``correction=0``. A bool as the
            first positional argument is read as ``unbiased`` (``x.var(False)``), as PyTorch reads it.
        keepdim: keep the reduced dimensions with size 1.
        correction: subtracted from the number of elements ``n`` in the divisor (default 1, the sample variance);
            any real number, as PyTorch.

    Returns:
        A tensor of ``x``'s dtype, of ``x``'s shape without the reduced dimensions (kept with size 1 with
        ``keepdim=True``). NaN where ``n - correction = 0`` and the slice is constant (one element), ``inf`` where
        it is not, with a ``UserWarning``.

    Raises:
        TypeError: an integer or bool tensor; both ``unbiased`` and ``correction``; an ``unbiased`` or ``keepdim``
            that is not a bool; a ``dim`` that is not None, an int or a tuple of ints.
        IndexError: a ``dim`` out of range (an ``AxisError``, also a ``ValueError``). ValueError: a repeated dim.

    >>> import tinygradconv as tg
    >>> x = tg.tensor([1.0, 2.0, 4.0])
    >>> round(var(x).item(), 4), round(var(x, correction=0).item(), 4), round(var(x, unbiased=False).item(), 4)
    (2.3333, 1.5556, 1.5556)
    """
    x = x if isinstance(x, Tensor) else Tensor(x)
    axes, keepdim, correction = _arguments("var", dim, unbiased, keepdim, correction)
    return Var.apply(x, axes=axes, keepdims=keepdim, correction=correction)


def std(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """The standard deviation over ``dim``, ``sqrt(var(x, ...))``, as ``torch.std`` (PyTorch 2.13): the arguments,
    shapes, dtypes and errors of :func:`var`. Its gradient is 0 where the result is 0 (a constant slice), as PyTorch.

    >>> import tinygradconv as tg
    >>> round(std(tg.tensor([1.0, 2.0, 4.0])).item(), 4)
    1.5275
    """
    x = x if isinstance(x, Tensor) else Tensor(x)
    axes, keepdim, correction = _arguments("std", dim, unbiased, keepdim, correction)
    return Std.apply(x, axes=axes, keepdims=keepdim, correction=correction)
