"""Exponentials and logarithms in other bases, and three binary ops: ``exp2``, ``log2``, ``log10``, ``logaddexp``,
``hypot`` and ``arctan2`` (PyTorch's ``atan2``), each forward beside its local derivative; ``expm1`` and ``log1p``
(registered in :mod:`.elementwise`) are exported beside them.

The names are Keras 3's (``keras.ops.exp2``, ``keras.ops.logaddexp``, ``keras.ops.arctan2``, ...) and PyTorch's
(``torch.atan2`` is an alias, ``tg.ops.atan2``, and the Tensor methods ``t.exp2()``, ``t.logaddexp(other)``,
``t.atan2(other)``, ...). Values, dtypes and gradients follow PyTorch 2.13, whose backward formulas
(``tools/autograd/derivatives.yaml``) are written out here step by step, so that each rounding happens where
PyTorch's does (``ln 2 = 0.6931...``, ``ln 10 = 2.3025...``):

=============  ===================================  ==========================================================
op             value                                d/da (and d/db), as PyTorch computes it
=============  ===================================  ==========================================================
``exp2``       ``2**a``                             ``grad * exp2(a) * ln 2``, from the output
``log2``       ``log(a) / ln 2``                    ``grad / (a * ln 2)``
``log10``      ``log(a) / ln 10``                   ``grad / (a * ln 10)``
``logaddexp``  ``log(exp(a) + exp(b))``             ``grad / (1 + exp(b - a))``; ``grad / (1 + exp(a - b))``
``hypot``      ``sqrt(a*a + b*b)``                  ``grad * a / hypot(a, b)``; ``grad * b / hypot(a, b)``
``arctan2``    the angle of the point ``(b, a)``    ``grad * b * r``; ``grad * -a * r``, ``r = 1 / (a*a + b*b)``
=============  ===================================  ==========================================================

Dtypes: a float tensor keeps its dtype; an integer or bool tensor computes in and returns ``floatx()`` (float32 by
default), as PyTorch its default dtype (Keras 3: float32 whatever ``floatx()`` is). The binary ops promote their
operands as ``+`` does (:func:`~tinygradconv.ops.elementwise.promoted_dtype`: int64 beside float16 is float16;
float16 beside float32 float32), then compute two integer or bool operands in ``floatx()``. PyTorch refuses integer
operands in ``logaddexp`` and ``hypot`` ("not implemented for 'Long'"); here they compute in ``floatx()``, as
``torch.atan2`` does (Keras 3 computes them, in float32). A Python number is taken as ``+`` takes it
(``tg.ops.hypot(x, 3.0)``), as Keras 3 (PyTorch asks for two tensors). float16 is computed in float32 and rounded
once, as PyTorch's CPU kernels; the gradients take PyTorch's steps in float16, each rounded (a product by ``ln 2``
in float32, as PyTorch multiplies by a number).

float32 of ``exp2``, ``log2``, ``log10`` and ``arctan2`` follows :mod:`.trigonometric`'s rule: NumPy's own float32
loop, unless it is more than 2 units in the last place (ulp) from the correctly rounded value on random inputs or
visibly wrong at a point students meet (``log10(100) = 2``, ``log2(8) = 3``, ``exp2(3) = 8``, ``arctan2`` on the
axes: 0, ``+-pi/2``, ``+-pi`` as PyTorch); where it is off only in a known range, only those elements are computed in
float64 (:func:`~.wider_float.float32_wider_where`). Measured as there (AMD EPYC Zen 4, torch 2.13, NumPy 2.4): the
share of 10**5 random float32 values that differ from ``torch``'s float32 result, the largest distance from the
correctly rounded value, the time for 10**6 values on one thread:

* ``exp2`` (``[-20, 20]``): float32 loop (exact at integers), float64 for ``a > 125`` (3 ulps off above 126.5),
  21.5 % differ, 1 ulp; 0.30 ms (torch 0.28 ms; all in float64: 6.1 %, 1.3 to 11 ms).
* ``log2`` (``[1e-3, 1e3]``, log-uniform): float64 for every element, 0.0 % differ, 0 ulps; 1.8 ms (torch 1.0 ms;
  the float32 loop: 4.4 %, 2 ulps, 0.25 ms).
* ``log10`` (as ``log2``): float64 for every element, 0.0 % differ, 0 ulps; 1.9 ms (torch 1.1 ms; the float32
  loop: 49 %, 3 ulps, and ``log10(100.0) = 2.0000002``).
* ``arctan2`` (two standard normals): float32 loop, float64 for angles ``1/32 < |out| < 1`` (3 ulps off between
  0.06 and 0.88), 24.7 % differ, 2 ulps; 4.6 ms (torch 1.5 ms; all in float64: 2.4 %, 17 to 24 ms; the float64
  ``atan2`` is a scalar loop).

Where NumPy has no SIMD loop of its own for these functions (x86 without AVX-512; checked by
:func:`~.wider_float.runs_c_library_loop`, on the NumPy and array-api-strict backends only: CuPy's kernels do not
depend on the host CPU), each float32 and float64 value is the C library's scalar function, and two choices change
(measured on an AMD EPYC Zen 3, glibc 2.36, CPU time of one thread for 10**6 values): ``arctan2`` computes every
element in float64 (its float32 loop took 30.5 ms, float64 25.5 ms: 33 ms in all against 45 ms before, torch
3.2 ms; 2.3 % differ from torch, 0 ulps, against 11.2 %), and ``log10`` is ``log2(a) * log10(2)`` in float64,
rounded once, in 9.3 ms against 15.9 ms (torch 1.7 ms). Checked on every positive finite float32: it rounds to the
same float32 as float64 ``log10`` except on 3 values, 6.2845479e-30, 4.4042917e-28 and 1.5380644e20, whose
logarithms lie almost exactly halfway between two float32 (the two float64 results round to either side): there
it gives torch's float32 value, one ulp from float64 ``log10`` rounded once (the correctly rounded value on the
first, one ulp from it on the other two; tests/test_math_paths_s50.py).

``logaddexp`` of float32 takes PyTorch's steps with ``exp`` and ``log1p`` each computed in float64
and rounded once, the sum in float32 (``logaddexp(0.0, 1.0) = 1.3132617``, as PyTorch, where NumPy's float32 steps
give 1.3132616): on 10**5 random float32 pairs (standard normal) 4 % of values and 0.4 % of gradients differ from
PyTorch by one unit in the last place, against 21 % and 18 % with NumPy's float32 ``exp`` and ``log1p`` (the whole
formula in float64, rounded once at the end, is 27 %: PyTorch rounds each step).

Special points, IEEE 754 as PyTorch: ``exp2(-inf) = 0`` (gradient 0), ``exp2(1024.0) = inf``; ``log2(0) = -inf``
with gradient ``inf`` and ``log2(-0.0) = -inf`` with gradient ``-inf``; NaN below 0. ``logaddexp(-inf, -inf) =
-inf`` and ``logaddexp(inf, inf) = inf``, both with NaN gradients (``exp(b - a)`` of ``inf - inf``), as PyTorch;
``logaddexp(a, -inf) = a`` with gradients 1 and 0; no overflow for large operands (``logaddexp(1000, 1000) =
1000.69``). ``hypot(0, 0) = 0`` with NaN gradients (``0 / 0``), as PyTorch; ``hypot(inf, nan) = inf``, as C's.
``arctan2(+-0.0, 0.0) = +-0.0`` and ``arctan2(0.0, -0.0) = pi`` (the signs of the zeros choose the quadrant), and
its gradient at ``(0, 0)`` is ``(0, -0)``: PyTorch sets ``r`` to 0 where ``1 / (a*a + b*b)`` is infinite.
"""
from __future__ import annotations

import numpy as np

from ..autograd import Function, register_op
from ..backend import dtype_name
from .elementwise import (
    Expm1,
    Log1p,
    _as_tensor,
    _binary,
    _binary_samples,
    _in_float32,
    _times_number,
    _unary_samples,
    binary_special_points,
    broadcast_error,
    float_input,
    promoted,
    unary_special_points,
    unbroadcast,
)
from .wider_float import float32_wider_where, in_wider_float, runs_c_library_loop

# PyTorch's constants, as derivatives.yaml writes them: ln 2 is math.log(2), but 2.3025850929940456 is one unit in
# the last place below math.log(10) (2.302585092994046), and log10's gradient agrees with PyTorch's only with it.
_LN2 = 0.6931471805599453
_LN10 = 2.3025850929940456
_LOG10_2 = 0.3010299956639812          # log10(2), the double nearest


def _float_operands(xp, a, b):
    """``a`` and ``b`` promoted as ``+`` promotes them, then in float32 when neither is floating."""
    a, b = promoted(xp, a, b)
    return float_input(xp, a), float_input(xp, b)


# ------------------------------------------------------------------------------------------- exp2, log2, log10
def _exp2_edges(out, a):
    """Where NumPy's float32 ``exp2`` can be more than 2 units in the last place off: 3 units for ``a > 126.5``
    (the results near the largest float32; measured on 2e7 random values in ``[-150, 128]``), flagged from 125."""
    return a > 125.0


@register_op("exp2", samples=_unary_samples(), special_points=unary_special_points(1024.0, -1075.0))
class Exp2(Function):
    """``2**a``; d/da = ``2**a * ln 2``, from the output (``exp2(-inf) = 0`` with gradient 0)."""

    @staticmethod
    def forward(ctx, a):
        xp = ctx.xp
        a = float_input(xp, a)
        exp2 = getattr(xp, "exp2", None)        # the Array API has none: 2 ** a there
        formula = exp2 if exp2 is not None else lambda v: xp.pow(xp.full_like(v, 2.0), v)
        out = float32_wider_where(xp, formula, _exp2_edges, a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return _times_number(ctx.xp, grad * out, _LN2)


@register_op("log2", samples=_unary_samples(0.2, 3.0), special_points=unary_special_points(low=0.0))
class Log2(Function):
    """``log2(a)``; d/da = ``1 / (a ln 2)`` (``-inf`` with gradient ``inf`` at 0, NaN below 0)."""

    @staticmethod
    def forward(ctx, a):
        a = float_input(ctx.xp, a)
        ctx.save_for_backward(a)
        return in_wider_float(ctx.xp, ctx.xp.log2, a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad / _times_number(ctx.xp, a, _LN2)


@register_op("log10", samples=_unary_samples(0.2, 3.0), special_points=unary_special_points(low=0.0))
class Log10(Function):
    """``log10(a)``; d/da = ``1 / (a ln 10)`` (``-inf`` with gradient ``inf`` at 0, NaN below 0)."""

    @staticmethod
    def forward(ctx, a):
        xp = ctx.xp
        a = float_input(xp, a)
        ctx.save_for_backward(a)
        if dtype_name(a.dtype) == "float32" and runs_c_library_loop(xp, "log10", "float64"):
            # the C library's float64 log10 (NumPy on x86 without AVX-512) costs twice its log2: log2(a) * log10(2)
            # in float64 rounds to the same float32 on every positive float32 but 3 (6.2845479e-30, 4.4042917e-28,
            # 1.5380644e20: there it gives torch's float32 value, float64 log10 one ulp from it); log10(100) = 2
            return xp.astype(xp.log2(xp.astype(a, xp.float64)) * _LOG10_2, xp.float32)
        return in_wider_float(xp, xp.log10, a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad / _times_number(ctx.xp, a, _LN10)


# ------------------------------------------------------------------------------------------- binary ops
def _arctan2_first_octants(out, a, b):
    """Where NumPy's float32 ``arctan2`` can be 3 units in the last place off: angles ``0.0624 <= |out| <= 0.873``
    (measured on 1e7 normal pairs; none with ``b < 0``); flagged for ``1/32 < |out| < 1``, a third of the plane."""
    size = abs(out)
    return (size > 0.03125) & (size < 1.0)


_BINARY_EXTRA = (1000.0, -1000.0, 1e-200, -1e-200, 1e200)
_BINARY_VALUES = (np.nan, 0.0, -0.0, np.inf, -np.inf, 1.0, -1.0, 0.5, -2.5, 3.0, *_BINARY_EXTRA)


def _binary_points():
    return binary_special_points(_BINARY_VALUES, _BINARY_VALUES)


def _log_add_exp(xp, a, b, step=lambda f, v: f(v)):
    """``log(exp(a) + exp(b))`` by PyTorch's CPU formula: ``a`` where ``a`` and ``b`` are the same infinity (``inf -
    inf`` is NaN), else ``max(a, b) + log1p(exp(-|a - b|))`` (never overflows), with ``exp`` and ``log1p`` each
    computed by ``step(function, array)``: the backend's own loops by default. :class:`Logaddexp` and, with the
    default steps, each step of :class:`~tinygradconv.ops.cumulative.LogCumSumExp` (PyTorch's
    ``_log_add_exp_helper``)."""
    same_infinity = xp.isinf(a) & (a == b)
    m = xp.where(a < b, b, a)        # C++'s std::max(a, b): a unless a < b (a NaN a stays)
    return xp.where(same_infinity, a, m + step(xp.log1p, step(xp.exp, -xp.abs(a - b))))


@register_op("logaddexp", samples=_binary_samples(), special_points=_binary_points())
class Logaddexp(Function):
    """``log(exp(a) + exp(b))`` without overflow; d/da = ``1 / (1 + exp(b - a))``, d/db = ``1 / (1 + exp(a - b))``
    (the softmax weights of ``a`` and ``b``; NaN at ``(inf, inf)`` and ``(-inf, -inf)``, as PyTorch)."""

    @staticmethod
    def forward(ctx, a, b):
        xp = ctx.xp
        a, b = _float_operands(xp, a, b)
        ctx.save_for_backward(a, b)
        try:
            if dtype_name(a.dtype) == "float16":     # in float32 throughout, rounded once, as PyTorch's Half
                return _in_float32(xp, lambda u, v: _log_add_exp(xp, u, v), a, b)
            # float32: exp and log1p each rounded once from float64, the sum in float32, as PyTorch's float32
            # functions (SLEEF, mostly correctly rounded) take the same steps (see the module docstring)
            return _log_add_exp(xp, a, b, lambda f, v: in_wider_float(xp, f, v))
        except ValueError:
            raise broadcast_error("logaddexp", a, b) from None

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad

        def weight(u, v):        # grad / (1 + exp(v - u)), each step rounded in the dtype as PyTorch's (exp
            return grad / (1.0 + in_wider_float(xp, xp.exp, v - u))     # in float32/float64, rounded once)

        return (unbroadcast(xp, weight(a, b), a.shape) if need_a else None,
                unbroadcast(xp, weight(b, a), b.shape) if need_b else None)


@register_op("hypot", samples=_binary_samples(), special_points=_binary_points())
class Hypot(Function):
    """``sqrt(a^2 + b^2)`` without overflow; d/da = ``a / hypot(a, b)``, d/db = ``b / hypot(a, b)`` (NaN at
    ``(0, 0)``, ``0 / 0``, as PyTorch)."""

    @staticmethod
    def forward(ctx, a, b):
        xp = ctx.xp
        a, b = _float_operands(xp, a, b)
        try:
            out = _in_float32(xp, xp.hypot, a, b)
        except ValueError:
            raise broadcast_error("hypot", a, b) from None
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        a, b, out = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (unbroadcast(xp, grad * a / out, a.shape) if need_a else None,
                unbroadcast(xp, grad * b / out, b.shape) if need_b else None)


@register_op("arctan2", samples=_binary_samples(), special_points=_binary_points())
class Arctan2(Function):
    """``arctan2(a, b)``, the angle in ``[-pi, pi]`` of the point ``(x, y) = (b, a)``; d/da = ``b / (a^2 + b^2)``,
    d/db = ``-a / (a^2 + b^2)`` (0 and ``-0`` at ``(0, 0)``, where PyTorch sets ``1 / (a^2 + b^2)`` to 0)."""

    @staticmethod
    def grad_fn_name(ctx):
        """PyTorch's name of the node, ``t.grad_fn`` (``<Atan2Backward>``, PyTorch's ``Atan2Backward0``)."""
        return "Atan2"

    @staticmethod
    def forward(ctx, a, b):
        xp = ctx.xp
        a, b = _float_operands(xp, a, b)
        try:
            out = float32_wider_where(xp, xp.atan2, _arctan2_first_octants, a, b,
                                      everywhere_unless_simd="arctan2")
        except ValueError:
            raise broadcast_error("arctan2", a, b) from None
        ctx.save_for_backward(a, b)
        return out

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        r = 1.0 / (a * a + b * b)
        r = xp.where(xp.isinf(r), xp.zeros_like(r), r)      # PyTorch's masked_fill_(recip.isinf(), 0)
        return (unbroadcast(xp, grad * b * r, a.shape) if need_a else None,
                unbroadcast(xp, grad * -a * r, b.shape) if need_b else None)


# ------------------------------------------------------------------------------------------- the functions
def expm1(x):
    """``exp(x) - 1`` element-wise, exact near 0, ``keras.ops.expm1`` / ``torch.expm1``:
    :class:`~tinygradconv.ops.elementwise.Expm1` (d/dx = exp(x)).

    Args:
        x: a Tensor (or data, converted by :class:`~tinygradconv.Tensor`'s rule), any shape.

    Returns:
        A Tensor of ``x``'s shape: ``x``'s float dtype, ``floatx()`` for an integer or bool ``x`` (as PyTorch).

    >>> import tinygradconv as tg
    >>> x = tg.tensor([0.0, 1e-10], dtype="float64", requires_grad=True)
    >>> y = expm1(x)
    >>> y.tolist()
    [0.0, 1.00000000005e-10]
    >>> y.sum().backward()
    >>> x.grad.tolist()
    [1.0, 1.0000000001]
    """
    return Expm1.apply(_as_tensor(x))


def log1p(x):
    """``log(1 + x)`` element-wise, exact near 0, ``keras.ops.log1p`` / ``torch.log1p``:
    :class:`~tinygradconv.ops.elementwise.Log1p` (d/dx = 1 / (1 + x)).

    Args:
        x: a Tensor (or data), any shape.

    Returns:
        A Tensor of ``x``'s shape (``-inf`` at -1, NaN below): ``x``'s float dtype, ``floatx()`` for an integer or bool
        ``x`` (as PyTorch).

    >>> import tinygradconv as tg
    >>> x = tg.tensor([0.0, 1.0], requires_grad=True)
    >>> y = log1p(x)
    >>> [round(v, 4) for v in y.tolist()]
    [0.0, 0.6931]
    >>> y.sum().backward()
    >>> x.grad.tolist()
    [1.0, 0.5]
    """
    return Log1p.apply(_as_tensor(x))


def exp2(x):
    """``2**x`` element-wise, ``keras.ops.exp2`` / ``torch.exp2``: :class:`Exp2` (d/dx = 2**x ln 2).

    Args:
        x: a Tensor (or data), any shape.

    Returns:
        A Tensor of ``x``'s shape: ``x``'s float dtype, ``floatx()`` for an integer or bool ``x`` (as PyTorch).

    >>> import tinygradconv as tg
    >>> x = tg.tensor([0.0, 3.0], requires_grad=True)
    >>> y = exp2(x)
    >>> y.tolist()
    [1.0, 8.0]
    >>> y.sum().backward()
    >>> [round(v, 4) for v in x.grad.tolist()]
    [0.6931, 5.5452]
    """
    return Exp2.apply(_as_tensor(x))


def log2(x):
    """Base-2 logarithm element-wise, ``keras.ops.log2`` / ``torch.log2``: :class:`Log2` (d/dx = 1 / (x ln 2)).

    Args:
        x: a Tensor (or data), any shape.

    Returns:
        A Tensor of ``x``'s shape (``-inf`` at 0, NaN below): ``x``'s float dtype, ``floatx()`` for an integer or bool
        ``x`` (as PyTorch).

    >>> import tinygradconv as tg
    >>> x = tg.tensor([1.0, 8.0], requires_grad=True)
    >>> y = log2(x)
    >>> y.tolist()
    [0.0, 3.0]
    >>> y.sum().backward()
    >>> [round(v, 4) for v in x.grad.tolist()]
    [1.4427, 0.1803]
    """
    return Log2.apply(_as_tensor(x))


def log10(x):
    """Base-10 logarithm element-wise, ``keras.ops.log10`` / ``torch.log10``: :class:`Log10`
    (d/dx = 1 / (x ln 10)).

    Args:
        x: a Tensor (or data), any shape.

    Returns:
        A Tensor of ``x``'s shape (``-inf`` at 0, NaN below): ``x``'s float dtype, ``floatx()`` for an integer or bool
        ``x`` (as PyTorch).

    >>> import tinygradconv as tg
    >>> x = tg.tensor([1.0, 100.0], requires_grad=True)
    >>> y = log10(x)
    >>> y.tolist()
    [0.0, 2.0]
    >>> y.sum().backward()
    >>> [round(v, 5) for v in x.grad.tolist()]
    [0.43429, 0.00434]
    """
    return Log10.apply(_as_tensor(x))


def logaddexp(x1, x2):
    """``log(exp(x1) + exp(x2))`` element-wise without overflow, ``keras.ops.logaddexp`` / ``torch.logaddexp``:
    :class:`Logaddexp` (d/dx1 = 1 / (1 + exp(x2 - x1)), d/dx2 = 1 / (1 + exp(x1 - x2))).

    Args:
        x1: a Tensor (or data, or a number), any shape.
        x2: a Tensor (or data, or a number), broadcastable with ``x1`` (NumPy's rules).

    Returns:
        A Tensor of the broadcast shape, of the promoted float dtype (float32 for two integer operands, as Keras 3;
        PyTorch refuses them).

    Raises:
        ValueError: shapes that do not broadcast.

    >>> import tinygradconv as tg
    >>> x = tg.tensor([0.0, 1000.0], requires_grad=True)
    >>> y = logaddexp(x, tg.tensor([0.0, 1000.0]))
    >>> [round(v, 3) for v in y.tolist()]
    [0.693, 1000.693]
    >>> y.sum().backward()
    >>> x.grad.tolist()
    [0.5, 0.5]
    """
    return _binary(Logaddexp, x1, x2)


def hypot(x1, x2):
    """``sqrt(x1**2 + x2**2)`` element-wise without overflow, ``keras.ops.hypot`` / ``torch.hypot``:
    :class:`Hypot` (d/dx1 = x1 / hypot, d/dx2 = x2 / hypot; NaN at ``(0, 0)``, as PyTorch).

    Args:
        x1: a Tensor (or data, or a number), any shape.
        x2: a Tensor (or data, or a number), broadcastable with ``x1``.

    Returns:
        A Tensor of the broadcast shape, of the promoted float dtype (float32 for two integer operands, as Keras 3;
        PyTorch refuses them).

    Raises:
        ValueError: shapes that do not broadcast.

    >>> import tinygradconv as tg
    >>> x = tg.tensor([3.0, 5.0], requires_grad=True)
    >>> y = hypot(x, tg.tensor([4.0, 12.0]))
    >>> y.tolist()
    [5.0, 13.0]
    >>> y.sum().backward()
    >>> [round(v, 4) for v in x.grad.tolist()]
    [0.6, 0.3846]
    """
    return _binary(Hypot, x1, x2)


def arctan2(x1, x2):
    """The angle of the point ``(x2, x1)`` element-wise, in ``[-pi, pi]``, ``keras.ops.arctan2`` / ``torch.atan2``
    (alias :func:`atan2`): :class:`Arctan2` (d/dx1 = x2 / (x1^2 + x2^2), d/dx2 = -x1 / (x1^2 + x2^2)).

    Args:
        x1: the y-coordinates: a Tensor (or data, or a number), any shape.
        x2: the x-coordinates: a Tensor (or data, or a number), broadcastable with ``x1``.

    Returns:
        A Tensor of the broadcast shape, of the promoted float dtype (float32 for two integer operands, as PyTorch
        and Keras 3). The signs of zeros choose the quadrant: ``arctan2(0.0, -0.0) = pi``.

    Raises:
        ValueError: shapes that do not broadcast.

    >>> import tinygradconv as tg
    >>> y = tg.tensor([1.0, 1.0], requires_grad=True)
    >>> angle = arctan2(y, tg.tensor([1.0, -1.0]))
    >>> [round(v, 4) for v in angle.tolist()]
    [0.7854, 2.3562]
    >>> angle.sum().backward()
    >>> y.grad.tolist()
    [0.5, -0.5]
    """
    return _binary(Arctan2, x1, x2)


atan2 = arctan2     # PyTorch's name (torch.atan2)

