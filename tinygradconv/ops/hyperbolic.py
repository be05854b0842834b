"""Hyperbolic ops: ``sinh``, ``cosh`` and the inverses ``arcsinh``, ``arccosh``, ``arctanh`` (PyTorch's ``asinh``,
``acosh``, ``atanh``), each forward beside its local derivative (``tanh`` is in :mod:`.elementwise`).

The names are Keras 3's (``keras.ops.sinh``, ``keras.ops.arcsinh``, ...); PyTorch's spellings are aliases
(``tg.ops.asinh``, and the Tensor methods ``t.sinh()``, ``t.asinh()``, ``t.arcsinh()``, ...). Values, dtypes and
gradients follow PyTorch 2.13, whose backward formulas (``tools/autograd/derivatives.yaml``) are written out here
step by step, so that each rounding happens where PyTorch's does:

===========  ==============================  ==============================================
op           value                           d/da, as PyTorch computes it
===========  ==============================  ==============================================
``sinh``     ``(exp(a) - exp(-a)) / 2``      ``grad * cosh(a)``
``cosh``     ``(exp(a) + exp(-a)) / 2``      ``grad * sinh(a)``
``arcsinh``  ``log(a + sqrt(a*a + 1))``      ``grad * rsqrt(a*a + 1)`` (``rsqrt(v) = 1 / sqrt(v)``)
``arccosh``  ``log(a + sqrt(a*a - 1))``      ``grad * rsqrt(a*a - 1)``
``arctanh``  ``log((1 + a) / (1 - a)) / 2``  ``grad / (1 - a*a)``
===========  ==============================  ==============================================

Dtypes, as PyTorch: a float tensor keeps its dtype; an integer or bool tensor computes in and returns ``floatx()``
(float32 by default), as PyTorch its default dtype (Keras 3: float32 whatever ``floatx()`` is). float16 is computed
in float32 and rounded once to float16, as PyTorch's CPU kernels; the gradients take PyTorch's steps in float16,
each rounded.

float32 follows :mod:`.trigonometric`'s rule: NumPy's own float32 loop, unless it is more than 2 units in the last
place (ulp) from the correctly rounded value on random inputs or visibly wrong at a point students meet (``cosh(0) =
1``, ``sinh``, ``arcsinh`` and ``arctanh`` of ``+-0.0`` keep the zero: all right in NumPy's loops). All five use
the float32 loop (``sinh`` and ``cosh`` their gradients too). Measured as there (AMD EPYC Zen 4, torch 2.13, NumPy
2.4): the share of 10**5 random float32 values that differ from ``torch``'s float32 result, the largest distance
from the correctly rounded value, the time for 10**6 values on one thread:

* ``sinh`` (``[-10, 10]``): 12.4 % differ, 1 ulp; 0.40 ms (torch 1.35 ms; in float64: 0.1 %, 9 to 14 ms).
* ``cosh`` (``[-10, 10]``): 38.7 % differ, 2 ulps; 0.35 ms (torch 1.3 ms; in float64: 0.1 %, 2 to 13 ms).
* ``arcsinh`` (``[-50, 50]``): 7.8 % differ, 1 ulp; 0.77 ms (torch 6 to 15 ms; float64 is no closer to torch:
  7.8 %).
* ``arccosh`` (``[1, 50]``): 7.7 % differ, 1 ulp; 0.68 ms (torch 5 to 13 ms; float64: 7.6 %; torch is 2 ulps off).
* ``arctanh`` (``[-1, 1]``): 1.3 % differ, 1 ulp; 0.54 ms (torch 1.3 ms; in float64: 0.1 %, 2 to 12 ms).

Special points, IEEE 754 as PyTorch: ``sinh``, ``arcsinh`` and ``arctanh`` keep the sign of a zero;
``sinh(+-inf) = +-inf`` and ``cosh(+-inf) = inf``, with gradients ``inf`` and ``+-inf``; ``sinh(710.0)`` is
``1.117e308``, finite in float64 (``cosh(711.0)`` overflows to ``inf``): PyTorch 2.13 gives that for a tensor of up
to 15 elements and ``inf`` for a longer one (its vectorised kernel overflows early); here it is finite whatever the
length. ``arccosh`` is NaN below 1 (``arccosh(0.5)``,
with a NaN gradient), 0 at 1 with gradient ``inf``; ``arctanh(+-1) = +-inf`` with gradient ``inf``, NaN beyond with
PyTorch's formula's gradient (``arctanh(1.5)`` has gradient ``-0.8``, ``arctanh(inf)`` ``-0.0``).
``arcsinh(1e300)`` is ``691.47`` with gradient 0 (``a*a`` overflows, as in PyTorch: the true one is ``1e-300``);
``arccosh(-inf)`` is NaN with gradient 0, as PyTorch's formula gives. The last bit of a float32 or float64 value may
differ from PyTorch's (neither library rounds these functions correctly).
"""
from __future__ import annotations

from ..autograd import Function, register_op
from .elementwise import _as_tensor, _in_float32, _unary_samples, float_input, unary_special_points
from .trigonometric import _rsqrt

# Large arguments: 709.0 is near the edge of float64 for sinh and cosh (4.1e307); at 710.0 PyTorch's vectorised
# kernel (a tensor of 16 elements or more) overflows to inf where its scalar one and NumPy give 1.117e308.
_LARGE = (709.0, -709.0, 1e300, -1e300)


# ------------------------------------------------------------------------------------------- sinh, cosh
@register_op("sinh", samples=_unary_samples(), special_points=unary_special_points(*_LARGE))
class Sinh(Function):
    """``sinh(a)``; d/da = cosh(a) (``sinh(+-inf) = +-inf`` with gradient ``inf``; ``sinh(-0.0) = -0.0``)."""

    @staticmethod
    def forward(ctx, a):
        a = float_input(ctx.xp, a)
        ctx.save_for_backward(a)
        return _in_float32(ctx.xp, ctx.xp.sinh, a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * _in_float32(ctx.xp, ctx.xp.cosh, a)


@register_op("cosh", samples=_unary_samples(), special_points=unary_special_points(*_LARGE))
class Cosh(Function):
    """``cosh(a)``; d/da = sinh(a) (``cosh(+-inf) = inf`` with gradient ``+-inf``; the gradient at ``-0.0`` is
    ``-0.0`` for a positive incoming gradient)."""

    @staticmethod
    def forward(ctx, a):
        a = float_input(ctx.xp, a)
        ctx.save_for_backward(a)
        return _in_float32(ctx.xp, ctx.xp.cosh, a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * _in_float32(ctx.xp, ctx.xp.sinh, a)


# ------------------------------------------------------------------------------------------- the inverses
@register_op("arcsinh", samples=_unary_samples(), special_points=unary_special_points(*_LARGE))
class Arcsinh(Function):
    """``arcsinh(a)``; d/da = 1 / sqrt(a^2 + 1) (``+-inf`` with gradient 0 at ``+-inf``)."""

    @staticmethod
    def grad_fn_name(ctx):
        """PyTorch's name of the node, ``t.grad_fn`` (``<AsinhBackward>``, PyTorch's ``AsinhBackward0``)."""
        return "Asinh"

    @staticmethod
    def forward(ctx, a):
        a = float_input(ctx.xp, a)
        ctx.save_for_backward(a)
        # NumPy's float32 loop, not float64: float64 rounded once is no closer to torch (7.8 % of values differ
        # either way, see the module docstring), so it would only cost time
        return _in_float32(ctx.xp, ctx.xp.asinh, a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * _rsqrt(ctx.xp, a * a + 1.0)


@register_op("arccosh", samples=_unary_samples(1.2, 4.0), special_points=unary_special_points(1.0, 1e300))
class Arccosh(Function):
    """``arccosh(a)`` in ``[0, inf]`` for ``a >= 1``; d/da = 1 / sqrt(a^2 - 1) (``inf`` at ``a = 1``; NaN below 1,
    value and gradient)."""

    @staticmethod
    def grad_fn_name(ctx):
        """PyTorch's name of the node, ``t.grad_fn`` (``<AcoshBackward>``, PyTorch's ``AcoshBackward0``)."""
        return "Acosh"

    @staticmethod
    def forward(ctx, a):
        a = float_input(ctx.xp, a)
        ctx.save_for_backward(a)
        # NumPy's float32 loop, not float64: no closer to torch (7.7 % against 7.6 % differ), whose acosh is
        # itself up to 2 ulps off the correctly rounded value
        return _in_float32(ctx.xp, ctx.xp.acosh, a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * _rsqrt(ctx.xp, a * a - 1.0)


@register_op("arctanh", samples=_unary_samples(-0.8, 0.8), special_points=unary_special_points(1.0, -1.0))
class Arctanh(Function):
    """``arctanh(a)`` for ``-1 <= a <= 1``; d/da = 1 / (1 - a^2) (``+-inf`` with gradient ``inf`` at ``+-1``; NaN
    beyond, where the gradient is the formula's)."""

    @staticmethod
    def grad_fn_name(ctx):
        """PyTorch's name of the node, ``t.grad_fn`` (``<AtanhBackward>``, PyTorch's ``AtanhBackward0``)."""
        return "Atanh"

    @staticmethod
    def forward(ctx, a):
        a = float_input(ctx.xp, a)
        ctx.save_for_backward(a)
        return _in_float32(ctx.xp, ctx.xp.atanh, a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad / (1.0 - a * a)


# ------------------------------------------------------------------------------------------- the functions
def sinh(x):
    """Hyperbolic sine element-wise, ``keras.ops.sinh`` / ``torch.sinh``: :class:`Sinh` (d/dx = cosh(x)).

    Args:
        x: a Tensor (or data, converted by :class:`~tinygradconv.Tensor`'s rule), any shape.

    Returns:
        A Tensor of ``x``'s shape: ``x``'s float dtype, ``floatx()`` for an integer or bool ``x`` (as PyTorch).

    >>> import tinygradconv as tg
    >>> x = tg.tensor([0.0, 1.0], requires_grad=True)
    >>> y = sinh(x)
    >>> [round(v, 4) for v in y.tolist()]
    [0.0, 1.1752]
    >>> y.sum().backward()
    >>> [round(v, 4) for v in x.grad.tolist()]
    [1.0, 1.5431]
    """
    return Sinh.apply(_as_tensor(x))


def cosh(x):
    """Hyperbolic cosine element-wise, ``keras.ops.cosh`` / ``torch.cosh``: :class:`Cosh` (d/dx = sinh(x)).

    Args:
        x: a Tensor (or data), any shape.

    Returns:
        A Tensor of ``x``'s shape: ``x``'s float dtype, ``floatx()`` for an integer or bool ``x`` (as PyTorch).

    >>> import tinygradconv as tg
    >>> x = tg.tensor([0.0, 1.0], requires_grad=True)
    >>> y = cosh(x)
    >>> [round(v, 4) for v in y.tolist()]
    [1.0, 1.5431]
    >>> y.sum().backward()
    >>> [round(v, 4) for v in x.grad.tolist()]
    [0.0, 1.1752]
    """
    return Cosh.apply(_as_tensor(x))


def arcsinh(x):
    """Inverse hyperbolic sine element-wise, ``keras.ops.arcsinh`` / ``torch.asinh`` (alias :func:`asinh`):
    :class:`Arcsinh` (d/dx = 1 / sqrt(x^2 + 1)).

    Args:
        x: a Tensor (or data), any shape.

    Returns:
        A Tensor of ``x``'s shape: ``x``'s float dtype, ``floatx()`` for an integer or bool ``x`` (as PyTorch).

    >>> import tinygradconv as tg
    >>> x = tg.tensor([0.0, 1.0], requires_grad=True)
    >>> y = arcsinh(x)
    >>> [round(v, 4) for v in y.tolist()]
    [0.0, 0.8814]
    >>> y.sum().backward()
    >>> [round(v, 4) for v in x.grad.tolist()]
    [1.0, 0.7071]
    """
    return Arcsinh.apply(_as_tensor(x))


def arccosh(x):
    """Inverse hyperbolic cosine element-wise, ``keras.ops.arccosh`` / ``torch.acosh`` (alias :func:`acosh`):
    :class:`Arccosh` (d/dx = 1 / sqrt(x^2 - 1)).

    Args:
        x: a Tensor (or data), any shape.

    Returns:
        A Tensor of ``x``'s shape, ``>= 0`` (NaN below 1): ``x``'s float dtype, ``floatx()`` for an integer or bool
        ``x`` (as PyTorch).

    >>> import tinygradconv as tg
    >>> x = tg.tensor([1.0, 2.0], requires_grad=True)
    >>> y = arccosh(x)
    >>> [round(v, 4) for v in y.tolist()]
    [0.0, 1.317]
    >>> y.sum().backward()
    >>> [round(v, 4) for v in x.grad.tolist()]
    [inf, 0.5774]
    """
    return Arccosh.apply(_as_tensor(x))


def arctanh(x):
    """Inverse hyperbolic tangent element-wise, ``keras.ops.arctanh`` / ``torch.atanh`` (alias :func:`atanh`):
    :class:`Arctanh` (d/dx = 1 / (1 - x^2)).

    Args:
        x: a Tensor (or data), any shape.

    Returns:
        A Tensor of ``x``'s shape (``+-inf`` at ``+-1``, NaN beyond): ``x``'s float dtype, float32 for an integer
        or bool ``x`` (as PyTorch).

    >>> import tinygradconv as tg
    >>> x = tg.tensor([0.0, 0.5], requires_grad=True)
    >>> y = arctanh(x)
    >>> [round(v, 4) for v in y.tolist()]
    [0.0, 0.5493]
    >>> y.sum().backward()
    >>> [round(v, 4) for v in x.grad.tolist()]
    [1.0, 1.3333]
    """
    return Arctanh.apply(_as_tensor(x))


asinh = arcsinh   # PyTorch's names (torch.asinh, torch.acosh, torch.atanh)
acosh = arccosh
atanh = arctanh
