"""float16 ``addcmul`` and ``addcdiv`` computed as PyTorch's CPU computes them, bit for bit, values and gradients
(:class:`HalfAddScaled`, used by :meth:`TorchInPlace.addcmul <tinygradconv.torch_in_place.TorchInPlace.addcmul>`
and ``addcdiv`` and their in-place forms when the result is float16).

PyTorch computes half precision in float32 (its "opmath" type) and rounds once to float16 at the end:

* ``t.addcmul(t1, t2, value=v)`` is ``fma(f(v) * f(t1), f(t2), f(t))`` rounded to float32 then to float16, where
  ``f`` is the conversion to float32 and ``fma`` a fused multiply-add (its CPU kernel is compiled with fused
  multiply-adds; :func:`~tinygradconv.ops.fused_multiply_add.fused_multiply_add_float32`);
* ``t.addcdiv(t1, t2, value=v)`` is ``f(t) + (f(v) * f(t1)) / f(t2)`` in float32, rounded to float16.

Step by step in float16 (``t + v * t1 * t2`` with a rounding after each op) about 27 % of results were one float16
step off (``-3.314 + 0.3 * -3.047 * 3.508``: -6.5234375 where PyTorch gives -6.51953125; the exact value is
-6.5208). The gradients follow PyTorch's formulas (``derivatives.yaml``), each op rounded to float16 as PyTorch's
float16 ops round:

* ``addcmul``: ``grad`` for ``t``; ``grad * h(t2 * v)`` for ``t1`` and ``grad * h(t1 * v)`` for ``t2``, ``h`` a
  float16 op (computed in float32, rounded to float16);
* ``addcdiv``: ``grad`` for ``t``; ``grad * h(h(v) / t2)`` for ``t1`` (PyTorch fills a float16 tensor with
  ``v`` and divides it); ``-grad * h(h(t1 * v) / h(t2 * t2))`` for ``t2``;

each summed over the dimensions broadcasting added (in float32, rounded once). Checked element by element against
PyTorch 2.13 (x86-64 CPU) on 10**5 random float16 inputs per ``value`` in ``tests/test_half_addcmul_s49.py``.
One difference: PyTorch's ``addcdiv`` backward raises ``RuntimeError`` ("value cannot be converted to type
c10::Half without overflow") for a ``value`` beyond float16's range (65504); here ``h(v)`` is infinite and so is
that gradient.

See https://pytorch.org/docs/stable/generated/torch.addcmul.html and
https://pytorch.org/docs/stable/generated/torch.addcdiv.html

>>> import tinygradconv as tg
>>> x, y, z = (tg.tensor([v], dtype="float16") for v in (-3.314, -3.047, 3.508))
>>> x.addcmul(y, z, value=0.3).tolist()
[-6.51953125]
"""
from __future__ import annotations

import numpy as np

from ..autograd import Function
from .elementwise import unbroadcast
from .fused_multiply_add import fused_multiply_add_float32


def _value_in_float32(value):
    """``value`` as PyTorch's float16 kernels take it, a float32 number (returned as an exact Python float)."""
    with np.errstate(over="ignore"):
        return float(np.float32(value))


def _value_in_float16(value):
    """``value`` as PyTorch's ``fill_`` writes it into a float16 tensor: to float32, then to float16."""
    with np.errstate(over="ignore"):
        return np.float16(np.float32(value))


def _half(xp, a):
    return xp.astype(a, xp.float16)


def _wide(xp, a):
    return xp.astype(a, xp.float32)


def _times(xp, a, b):
    """float16 ``a * b`` as PyTorch's float16 ``mul``: in float32, rounded to float16."""
    return _half(xp, _wide(xp, a) * _wide(xp, b))


def _divided(xp, a, b):
    """float16 ``a / b`` as PyTorch's float16 ``div``: in float32, rounded to float16 (twice rounded: float32 then
    float16, which is not always float16's own correctly rounded quotient)."""
    return _half(xp, _wide(xp, a) / _wide(xp, b))


class HalfAddScaled(Function):
    """``t + value * tensor1 * tensor2`` (``op="addcmul"``) or ``t + value * tensor1 / tensor2`` (``"addcdiv"``)
    of three float16 arrays (broadcast together), rounded and differentiated as PyTorch's CPU does (see the
    module's docstring); ``value`` a Python number. Returns a float16 array of the broadcast shape."""

    @staticmethod
    def forward(ctx, t, tensor1, tensor2, *, op, value):
        xp = ctx.xp
        v = _value_in_float32(value)
        scaled = _wide(xp, tensor1) * v
        if op == "addcmul":
            out = fused_multiply_add_float32(xp, scaled, _wide(xp, tensor2), _wide(xp, t))
        else:
            out = _wide(xp, t) + scaled / _wide(xp, tensor2)
        ctx.save_for_backward(tensor1, tensor2)
        ctx.shapes = (t.shape, tensor1.shape, tensor2.shape)
        ctx.op, ctx.value = op, value
        # which saved values the backward pass reads: tensor1 for tensor2's gradient; tensor2 for tensor1's (and
        # for tensor2's own in addcdiv)
        need1, need2 = ctx.inputs[1]._requires_grad, ctx.inputs[2]._requires_grad
        ctx.values_read = (need2, need1 or (need2 and op == "addcdiv"))
        return _half(xp, out)

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        tensor1, tensor2 = ctx.saved_tensors
        shape, shape1, shape2 = ctx.shapes
        need, need1, need2 = ctx.needs_input_grad
        v = _value_in_float32(ctx.value)
        if ctx.op == "addcmul":
            grad1 = _times(xp, grad, _half(xp, _wide(xp, tensor2) * v)) if need1 else None
            grad2 = _times(xp, grad, _half(xp, _wide(xp, tensor1) * v)) if need2 else None
        else:
            filled = xp.full((), _value_in_float16(ctx.value), dtype=xp.float16)
            grad1 = _times(xp, grad, _divided(xp, filled, tensor2)) if need1 else None
            if need2:
                quotient = _divided(xp, _half(xp, _wide(xp, tensor1) * v), _times(xp, tensor2, tensor2))
                grad2 = _times(xp, -grad, quotient)
            else:
                grad2 = None
        return (unbroadcast(xp, grad, shape) if need else None,
                None if grad1 is None else unbroadcast(xp, grad1, shape1),
                None if grad2 is None else unbroadcast(xp, grad2, shape2))
