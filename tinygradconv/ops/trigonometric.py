"""Trigonometric ops and ``sign``: ``sin``, ``cos``, ``tan``, their inverses ``arcsin``, ``arccos``, ``arctan``
(PyTorch's ``asin``, ``acos``, ``atan``), and ``sign``, each forward beside its local derivative.

The names are Keras 3's (``keras.ops.sin``, ``keras.ops.arcsin``, ...); PyTorch's spellings are aliases
(``tg.ops.asin``, and the Tensor methods ``t.sin()``, ``t.asin()``, ``t.arcsin()``, ...). Values, dtypes and
gradients follow PyTorch 2.13 (https://pytorch.org/docs/stable/torch.html#pointwise-ops), whose backward formulas
(``tools/autograd/derivatives.yaml``) are written out here step by step, so that each rounding happens where
PyTorch's does:

==========  ======================  =========================================================
op          value                   d/da, as PyTorch computes it
==========  ======================  =========================================================
``sin``     :math:`\\sin a`          ``grad * cos(a)``
``cos``     :math:`\\cos a`          ``grad * -sin(a)``
``tan``     :math:`\\tan a`          ``grad * (1 + tan(a)**2)``, from the output
``arcsin``  :math:`\\arcsin a`       ``grad * rsqrt(1 - a*a)``  (``rsqrt(v) = 1 / sqrt(v)``)
``arccos``  :math:`\\arccos a`       ``grad * -rsqrt(1 - a*a)``
``arctan``  :math:`\\arctan a`       ``grad / (a*a + 1)``
``sign``    -1, 0 or 1              0 everywhere (``torch.sign``'s gradient is ``zeros_like(grad)``)
==========  ======================  =========================================================

Dtypes, as PyTorch: a float tensor keeps its dtype; an integer or bool tensor computes in and returns ``floatx()``
(float32 by default), as PyTorch its default dtype (Keras 3's ``ops.sin`` of int32 is float32 whatever
``floatx()`` is), except
``sign``, whose result keeps the integer or bool dtype and has no gradient. float16 is computed in float32 and
rounded once to float16, as PyTorch's CPU kernels compute half precision, and the gradients take PyTorch's steps
in float16, each rounded (``1 + y*y`` is ``y*y`` rounded, then ``+ 1`` rounded).

Special points: IEEE 754 as PyTorch: ``sin``, ``cos`` and ``tan`` of ``+-inf`` are NaN (with a NaN gradient);
``sin``, ``tan``, ``arcsin``, ``arctan`` keep the sign of a zero (``sin(-0.0) = -0.0``); ``arcsin``/``arccos``
outside ``[-1, 1]`` are NaN, and at ``+-1`` their gradients are ``+inf``/``-inf``; ``arctan(+-inf) = +-pi/2`` with
gradient 0. Large arguments (``sin(1e30)``) are reduced exactly by NumPy and PyTorch alike.

float32, the rule (here, :mod:`.hyperbolic` and :mod:`.exponential`): NumPy's own float32 loop, unless it is more
than 2 units in the last place (ulp) from the correctly rounded value on random inputs, or visibly wrong at a point
students meet (``sin(0)``, ``cos(0) = 1``, ``arccos(1) = 0``, the signs of zeros: all right in NumPy's loops). Where
it is 3 ulps off only in a known range, the elements in that range are computed in float64 and rounded once
(:func:`.wider_float.float32_wider_where`); where float64 costs about PyTorch's time, every element is (``arctan``).
Neither library rounds these functions correctly in float32 (PyTorch uses SLEEF, within 1 ulp), so the last bit
may differ from PyTorch's; the gradients use the same functions (``sin``'s gradient is ``cos`` from the float32
loop). Measured on an AMD EPYC (Zen 4, AVX-512), torch 2.13, NumPy 2.4: the share of 10**5 random float32 values
whose result differs from ``torch``'s float32 one, the largest distance from the correctly rounded value, and the
time for 10**6 values on one thread (``OMP_NUM_THREADS=1 taskset -c 1``; computed in float64 before, 4.9 to 17.7 %
differed from torch, in 2 to 65 ms):

* ``sin`` (``[-10, 10]``): float32 loop, 15.7 % differ, 1 ulp; 0.57 ms (torch 1.2 ms; float64: 4.9 %, 65 ms).
* ``cos`` (``[-10, 10]``): float32 loop, 18.7 % differ, 1 ulp; 0.57 ms (torch 1.3 ms; float64: 4.9 %, 66 ms).
* ``tan`` (``[-10, 10]``): float32 loop, float64 where ``|tan a| > 8`` (NumPy's loop is 3 ulps off where
  ``|tan a| >= 28``), 25.1 % differ, 2 ulps; 2.5 ms (torch 1.8 ms; all in float64: 17.7 %, 2 to 5 ms).
* ``arcsin`` (``[-1, 1]``): float32 loop, float64 for ``0.5 <= |a| < 0.75`` (3 ulps off there), 14.5 % differ,
  2 ulps; 2.9 ms (torch 1.6 ms; all in float64: 5.4 %, 3 to 13 ms).
* ``arccos`` (``[-1, 1]``): float32 loop, 35.6 % differ, 2 ulps; 0.43 ms (torch 1.6 ms; float64: 8.6 %, 9 ms).
* ``arctan`` (``[-50, 50]``): float64 for every element, 2.3 % differ, 0 ulps; 2.8 ms (torch 2.5 ms; the float32
  loop: 35 %, 1 ulp, 0.4 ms).

float64 tensors use NumPy's float64 loops, within a unit in the last place of PyTorch's. In float16, ``sin``,
``cos`` and ``tan`` and their gradients agree with PyTorch bit for bit; ``arcsin``,
``arccos`` and ``arctan`` and their gradients within one unit in the last place (``arctan`` of float16 ``-9.36``
is ``-1.465`` here and ``-1.464`` in PyTorch).
"""
from __future__ import annotations

import numpy as np

from ..autograd import Function, register_op
from .elementwise import _as_tensor, _in_float32, _unary_samples, float_input, unary_special_points
from .wider_float import float32_wider_where, in_wider_float

# A float64 argument at which tan is largest (the double nearest pi/2), and the arguments of sin/cos/tan that need
# an exact argument reduction (1e30 is about 1.6e29 periods).
_NEAR_HALF_PI = float(np.pi / 2)
_LARGE = (1e30, -1e30)


def _near_a_pole(out, a):
    """Where NumPy's float32 ``tan`` can be 3 units in the last place off: ``|tan a| >= 27.9`` (measured on 3e7
    random values; flagged from 8, about 8 % of uniform inputs)."""
    return abs(out) > 8.0


def _arcsin_switch(out, a):
    """Where NumPy's float32 ``arcsin`` can be 3 units in the last place off: ``0.5003 <= |a| <= 0.6414`` (every
    float32 in ``[1e-3, 1]`` tried; flagged for ``0.5 <= |a| < 0.75``, a quarter of ``[-1, 1]``)."""
    size = abs(a)
    return (size >= 0.5) & (size < 0.75)


def _rsqrt(xp, v):
    """``1 / sqrt(v)`` as PyTorch's ``rsqrt`` computes it: a division of the square root (two roundings), in
    float32 for float16 (rounded once to float16)."""
    return _in_float32(xp, lambda w: 1.0 / xp.sqrt(w), v)


# ------------------------------------------------------------------------------------------- sin, cos, tan
@register_op("sin", samples=_unary_samples(), special_points=unary_special_points(_NEAR_HALF_PI, *_LARGE))
class Sin(Function):
    """``sin(a)``; d/da = cos(a) (``sin(+-inf)`` is NaN with a NaN gradient; ``sin(-0.0) = -0.0``)."""

    @staticmethod
    def forward(ctx, a):
        a = float_input(ctx.xp, a)
        ctx.save_for_backward(a)
        return _in_float32(ctx.xp, ctx.xp.sin, a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * _in_float32(ctx.xp, ctx.xp.cos, a)


@register_op("cos", samples=_unary_samples(), special_points=unary_special_points(_NEAR_HALF_PI, *_LARGE))
class Cos(Function):
    """``cos(a)``; d/da = -sin(a) (``cos(+-inf)`` is NaN with a NaN gradient; the gradient at ``a = 0.0`` is
    ``-0.0`` for a positive incoming gradient, as PyTorch's ``grad * -sin(a)``)."""

    @staticmethod
    def forward(ctx, a):
        a = float_input(ctx.xp, a)
        ctx.save_for_backward(a)
        return _in_float32(ctx.xp, ctx.xp.cos, a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * -_in_float32(ctx.xp, ctx.xp.sin, a)


@register_op("tan", samples=_unary_samples(-1.2, 1.2),
             special_points=unary_special_points(_NEAR_HALF_PI, -_NEAR_HALF_PI, *_LARGE))
class Tan(Function):
    """``tan(a)``; d/da = 1 + tan(a)^2, from the saved output as PyTorch computes it.

    At the double nearest ``pi/2`` (``1.5707963267948966``) the value is ``1.633123935319537e16`` and the gradient
    ``2.667e32``, as PyTorch; ``tan(+-inf)`` is NaN with a NaN gradient.
    """

    @staticmethod
    def forward(ctx, a):
        out = float32_wider_where(ctx.xp, ctx.xp.tan, _near_a_pole, float_input(ctx.xp, a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * (1.0 + out * out)      # each step rounded in the dtype, float16 included, as PyTorch


# ------------------------------------------------------------------------------------------- the inverses
@register_op("arcsin", samples=_unary_samples(-0.8, 0.8), special_points=unary_special_points(1.0, -1.0))
class Arcsin(Function):
    """``arcsin(a)`` in ``[-pi/2, pi/2]``; d/da = 1 / sqrt(1 - a^2) (``+inf`` at ``a = +-1``; NaN outside
    ``[-1, 1]``, value and gradient)."""

    @staticmethod
    def grad_fn_name(ctx):
        """PyTorch's name of the node, ``t.grad_fn`` (``<AsinBackward>``, PyTorch's ``AsinBackward0``)."""
        return "Asin"

    @staticmethod
    def forward(ctx, a):
        a = float_input(ctx.xp, a)
        ctx.save_for_backward(a)
        return float32_wider_where(ctx.xp, ctx.xp.asin, _arcsin_switch, a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * _rsqrt(ctx.xp, 1.0 - a * a)


@register_op("arccos", samples=_unary_samples(-0.8, 0.8), special_points=unary_special_points(1.0, -1.0))
class Arccos(Function):
    """``arccos(a)`` in ``[0, pi]``; d/da = -1 / sqrt(1 - a^2) (``-inf`` at ``a = +-1``; NaN outside ``[-1, 1]``,
    value and gradient)."""

    @staticmethod
    def grad_fn_name(ctx):
        """PyTorch's name of the node, ``t.grad_fn`` (``<AcosBackward>``, PyTorch's ``AcosBackward0``)."""
        return "Acos"

    @staticmethod
    def forward(ctx, a):
        a = float_input(ctx.xp, a)
        ctx.save_for_backward(a)
        return _in_float32(ctx.xp, ctx.xp.acos, a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * -_rsqrt(ctx.xp, 1.0 - a * a)


@register_op("arctan", samples=_unary_samples(), special_points=unary_special_points(*_LARGE))
class Arctan(Function):
    """``arctan(a)`` in ``(-pi/2, pi/2)``; d/da = 1 / (a^2 + 1) (``+-pi/2`` with gradient 0 at ``+-inf``)."""

    @staticmethod
    def grad_fn_name(ctx):
        """PyTorch's name of the node, ``t.grad_fn`` (``<AtanBackward>``, PyTorch's ``AtanBackward0``)."""
        return "Atan"

    @staticmethod
    def forward(ctx, a):
        a = float_input(ctx.xp, a)
        ctx.save_for_backward(a)
        return in_wider_float(ctx.xp, ctx.xp.atan, a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad / (a * a + 1.0)


# ------------------------------------------------------------------------------------------- sign
@register_op("sign", samples=_unary_samples(), special_points=unary_special_points())
class Sign(Function):
    """``sign(a)``: -1 for ``a < 0``, 0 for ``a == 0`` (``+0.0`` for ``-0.0`` too), 1 for ``a > 0``, NaN for NaN;
    d/da = 0 everywhere (``zeros_like(grad)``, as PyTorch: 0 even where the incoming gradient is NaN).

    An integer tensor keeps its dtype, a bool tensor stays bool (as ``torch.sign``); neither has a gradient.

    One deliberate difference from PyTorch 2.13: ``torch.sign(nan)`` is 0 (an open PyTorch issue, #41245), which
    hides a NaN in the data; here it is NaN, as ``np.sign``, ``jax.numpy.sign`` and Keras 3 on its NumPy and JAX
    backends give it (Keras on its torch backend calls ``torch.sign``, and gives 0).
    """

    @staticmethod
    def forward(ctx, a):
        xp = ctx.xp
        if a.dtype == xp.bool:                  # sign(True) = True, sign(False) = False (NumPy refuses bools)
            return xp.asarray(a, copy=True)
        if not xp.isdtype(a.dtype, "real floating"):
            return xp.sign(a)
        # +1, -1, or +0.0 (at both zeros, as torch.sign(-0.0)); NaN where a is NaN
        ones = xp.astype(a > 0, a.dtype) - xp.astype(a < 0, a.dtype)
        return xp.where(xp.isnan(a), a, ones)

    @staticmethod
    def backward(ctx, grad):
        return ctx.xp.zeros_like(grad)


# ------------------------------------------------------------------------------------------- the functions
def sin(x):
    """Sine element-wise, ``keras.ops.sin`` / ``torch.sin``: :class:`Sin` (d/dx = cos(x)).

    Args:
        x: a Tensor (or data, converted by :class:`~tinygradconv.Tensor`'s rule), any shape; angles in radians.

    Returns:
        A Tensor of ``x``'s shape: ``x``'s float dtype, ``floatx()`` for an integer or bool ``x`` (as PyTorch).

    >>> import tinygradconv as tg
    >>> x = tg.tensor([0.0, 1.0], requires_grad=True)
    >>> y = sin(x)
    >>> [round(v, 4) for v in y.tolist()]
    [0.0, 0.8415]
    >>> y.sum().backward()
    >>> [round(v, 4) for v in x.grad.tolist()]
    [1.0, 0.5403]
    """
    return Sin.apply(_as_tensor(x))


def cos(x):
    """Cosine element-wise, ``keras.ops.cos`` / ``torch.cos``: :class:`Cos` (d/dx = -sin(x)).

    Args:
        x: a Tensor (or data), any shape; angles in radians.

    Returns:
        A Tensor of ``x``'s shape: ``x``'s float dtype, ``floatx()`` for an integer or bool ``x`` (as PyTorch).

    >>> import tinygradconv as tg
    >>> x = tg.tensor([0.0, 1.0], requires_grad=True)
    >>> y = cos(x)
    >>> [round(v, 4) for v in y.tolist()]
    [1.0, 0.5403]
    >>> y.sum().backward()
    >>> [round(v, 4) for v in x.grad.tolist()]
    [-0.0, -0.8415]
    """
    return Cos.apply(_as_tensor(x))


def tan(x):
    """Tangent element-wise, ``keras.ops.tan`` / ``torch.tan``: :class:`Tan` (d/dx = 1 + tan(x)^2).

    Args:
        x: a Tensor (or data), any shape; angles in radians.

    Returns:
        A Tensor of ``x``'s shape: ``x``'s float dtype, ``floatx()`` for an integer or bool ``x`` (as PyTorch).
        Near ``pi/2`` the value is large, not infinite (float64 ``tan(pi/2)`` is ``1.633e16``).

    >>> import tinygradconv as tg
    >>> x = tg.tensor([0.0, 1.0], requires_grad=True)
    >>> y = tan(x)
    >>> [round(v, 4) for v in y.tolist()]
    [0.0, 1.5574]
    >>> y.sum().backward()
    >>> [round(v, 4) for v in x.grad.tolist()]
    [1.0, 3.4255]
    """
    return Tan.apply(_as_tensor(x))


def arcsin(x):
    """Inverse sine element-wise, ``keras.ops.arcsin`` / ``torch.asin`` (alias :func:`asin`): :class:`Arcsin`
    (d/dx = 1 / sqrt(1 - x^2)).

    Args:
        x: a Tensor (or data), any shape.

    Returns:
        A Tensor of ``x``'s shape, in ``[-pi/2, pi/2]`` (NaN outside ``[-1, 1]``): ``x``'s float dtype, float32
        for an integer or bool ``x`` (as PyTorch).

    >>> import tinygradconv as tg
    >>> x = tg.tensor([0.0, 0.5], requires_grad=True)
    >>> y = arcsin(x)
    >>> [round(v, 4) for v in y.tolist()]
    [0.0, 0.5236]
    >>> y.sum().backward()
    >>> [round(v, 4) for v in x.grad.tolist()]
    [1.0, 1.1547]
    """
    return Arcsin.apply(_as_tensor(x))


def arccos(x):
    """Inverse cosine element-wise, ``keras.ops.arccos`` / ``torch.acos`` (alias :func:`acos`): :class:`Arccos`
    (d/dx = -1 / sqrt(1 - x^2)).

    Args:
        x: a Tensor (or data), any shape.

    Returns:
        A Tensor of ``x``'s shape, in ``[0, pi]`` (NaN outside ``[-1, 1]``): ``x``'s float dtype, float32 for an
        integer or bool ``x`` (as PyTorch).

    >>> import tinygradconv as tg
    >>> x = tg.tensor([0.0, 0.5], requires_grad=True)
    >>> y = arccos(x)
    >>> [round(v, 4) for v in y.tolist()]
    [1.5708, 1.0472]
    >>> y.sum().backward()
    >>> [round(v, 4) for v in x.grad.tolist()]
    [-1.0, -1.1547]
    """
    return Arccos.apply(_as_tensor(x))


def arctan(x):
    """Inverse tangent element-wise, ``keras.ops.arctan`` / ``torch.atan`` (alias :func:`atan`): :class:`Arctan`
    (d/dx = 1 / (x^2 + 1)).

    Args:
        x: a Tensor (or data), any shape.

    Returns:
        A Tensor of ``x``'s shape, in ``[-pi/2, pi/2]`` (``+-pi/2`` at ``+-inf``): ``x``'s float dtype, float32
        for an integer or bool ``x`` (as PyTorch).

    >>> import tinygradconv as tg
    >>> x = tg.tensor([0.0, 1.0], requires_grad=True)
    >>> y = arctan(x)
    >>> [round(v, 4) for v in y.tolist()]
    [0.0, 0.7854]
    >>> y.sum().backward()
    >>> x.grad.tolist()
    [1.0, 0.5]
    """
    return Arctan.apply(_as_tensor(x))


def sign(x):
    """The sign element-wise, ``keras.ops.sign`` / ``torch.sign``: :class:`Sign`: -1, 0 or 1 (NaN for NaN, where
    PyTorch 2.13 gives 0: see :class:`Sign`); its gradient is 0 everywhere, as PyTorch's.

    Args:
        x: a Tensor (or data), any shape.

    Returns:
        A Tensor of ``x``'s shape and dtype (an integer tensor stays integer, a bool one bool, as PyTorch; Keras
        3 agrees). ``sign(-0.0)`` is ``0.0``, as PyTorch.

    >>> import tinygradconv as tg
    >>> x = tg.tensor([-2.5, 0.0, 3.0], requires_grad=True)
    >>> y = sign(x)
    >>> y.tolist()
    [-1.0, 0.0, 1.0]
    >>> y.sum().backward()
    >>> x.grad.tolist()
    [0.0, 0.0, 0.0]
    >>> sign(tg.tensor([-3, 0, 7], dtype="int64")).tolist()
    [-1, 0, 1]
    """
    return Sign.apply(_as_tensor(x))


asin = arcsin   # PyTorch's names (torch.asin, torch.acos, torch.atan)
acos = arccos
atan = arctan
