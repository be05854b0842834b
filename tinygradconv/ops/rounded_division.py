"""``a / b`` rounded to an integer, as PyTorch's ``torch.div(a, b, rounding_mode="trunc" | "floor")``
(``Tensor.div(other, rounding_mode=...)``): the op behind :meth:`~tinygradconv.torch_methods.TorchMethods.div`.

* ``"trunc"``: towards zero (C's integer division): ``-7 / 2 -> -3``; floats are ``trunc(a / b)``.
* ``"floor"``: towards minus infinity (Python's ``//``): ``-7 / 2 -> -4``; the same as ``a // b``
  (:class:`~tinygradconv.ops.elementwise.FloorDivide`).

Integers stay integers (an integer division by zero is a ``ZeroDivisionError``, as PyTorch's "ZeroDivisionError");
floats give ``inf``/``nan`` at a zero divisor, as ``a / b``. The gradient is ``0 * grad`` for both inputs (NaN where
the output gradient is NaN or infinite), PyTorch's derivative of ``div`` with a rounding mode, which differs from
``floor_divide``'s (PyTorch has none: a backward through ``a // b`` raises).

Source: https://pytorch.org/docs/stable/generated/torch.div.html

>>> import tinygradconv as tg
>>> a = tg.tensor([-7.0, 7.0, 5.0], requires_grad=True)
>>> rounded_div(a, 2.0, "trunc").tolist(), rounded_div(a, 2.0, "floor").tolist()
([-3.0, 3.0, 2.0], [-4.0, 3.0, 2.0])
>>> rounded_div(a, 2.0, "floor").sum().backward(); a.grad.tolist()
[0.0, 0.0, 0.0]
"""
from __future__ import annotations

from ..autograd import Function, Sample, register_op
from ..backend import dtype_name
from ..tensor import Tensor
from .elementwise import (
    _in_float32,
    _integer_division_checked,
    _remainder_samples,
    binary_special_points,
    broadcast_error,
    float16_number_in_float32,
    floor_divided,
    unbroadcast,
)

ROUNDING_MODES = ("trunc", "floor")


def _samples(rng):
    """Inputs away from the jumps (``a / b`` away from integers), in both modes."""
    return [Sample(s.args, {"rounding_mode": mode}) for mode in ROUNDING_MODES for s in _remainder_samples(rng)]


def _special_points(rng):
    return [Sample(s.args, {"rounding_mode": mode}) for mode in ROUNDING_MODES
            for s in binary_special_points()(rng)]


def checked_rounding_mode(rounding_mode):
    """``rounding_mode`` when it is ``"trunc"`` or ``"floor"``; else PyTorch's refusal, as a ``ValueError`` naming
    the argument (a ``TypeError`` for one that is not a string)."""
    if not isinstance(rounding_mode, str):
        raise TypeError(f"Invalid type for argument `rounding_mode` of div: expected None, 'trunc' or 'floor'. "
                        f"Received {rounding_mode!r} of type {type(rounding_mode).__name__}")
    if rounding_mode not in ROUNDING_MODES:
        raise ValueError(f"Invalid value for argument `rounding_mode` of div: expected None, 'trunc' or 'floor' (as "
                         f"PyTorch). Received {rounding_mode!r}")
    return rounding_mode


@register_op("rounded_div", samples=_samples, special_points=_special_points)
class RoundedDivide(Function):
    """``a / b`` rounded towards zero (``rounding_mode="trunc"``) or minus infinity (``"floor"``), with the
    gradient ``0 * grad`` (see the module's docstring)."""

    @staticmethod
    def forward(ctx, a, b, rounding_mode):
        xp = ctx.xp
        mode = checked_rounding_mode(rounding_mode)
        # not read back (the gradient is 0), but saved as PyTorch saves them, so that a write of them in place since
        # refuses the backward pass, as PyTorch's: a where b needs a gradient (d/db is computed from a and b), b
        # whenever either input needs one (d/da from b, d/db from a and b)
        ctx.save_for_backward(a, b)
        ctx.values_read = (ctx.inputs[1]._requires_grad, True)
        a, b = _integer_division_checked(xp, a, b, f"div(rounding_mode={mode!r})")
        ctx.shapes = (a.shape, b.shape)
        try:
            if mode == "floor":
                return floor_divided(xp, a, b)
            if dtype_name(a.dtype) == "float16" and b.size == 1:     # PyTorch: a divisor of one value in float32
                return _in_float32(xp, lambda x, y: xp.trunc(x / y), a, b)
            if xp.isdtype(a.dtype, "real floating"):
                return xp.trunc(a / b)
            quotient = xp.floor_divide(a, b)        # C's integer division: one more where the signs differ
            inexact = (xp.remainder(a, b) != 0) & ((a < 0) != (b < 0))
            return xp.where(inexact, quotient + 1, quotient)
        except ValueError:
            raise broadcast_error("div", a, b) from None

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        zero = grad * 0.0                                # NaN where grad is NaN or infinite, as PyTorch
        shape_a, shape_b = ctx.shapes
        need_a, need_b = ctx.needs_input_grad
        return (unbroadcast(xp, zero, shape_a) if need_a else None,
                unbroadcast(xp, zero, shape_b) if need_b else None)


def rounded_div(a, b, rounding_mode):
    """``torch.div(a, b, rounding_mode=...)`` for ``"trunc"`` and ``"floor"``, with broadcasting
    (:class:`RoundedDivide`); ``a`` or ``b`` may be a number.

    Raises:
        ValueError: another ``rounding_mode`` (PyTorch: "div expected rounding_mode to be one of None, 'trunc', or
            'floor'"). TypeError: two bool tensors. ZeroDivisionError: an integer division by zero.
    """
    checked_rounding_mode(rounding_mode)
    out = float16_number_in_float32(RoundedDivide, a, b, rounding_mode=rounding_mode)   # float16 by 0.1, as PyTorch
    if out is not None:
        return out
    if isinstance(a, Tensor):
        return RoundedDivide.apply(a, a._lift(b), rounding_mode=rounding_mode)
    b = b if isinstance(b, Tensor) else Tensor(b)
    return RoundedDivide.apply(b._lift(a), b, rounding_mode=rounding_mode)

