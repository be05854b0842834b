"""``addcmul`` and ``addcdiv`` of floating tensors computed as PyTorch's CPU computes them, bit for bit, values and
gradients (:class:`AddScaled`, used by :meth:`TorchInPlace.addcmul <tinygradconv.torch_in_place.TorchInPlace.addcmul>`
and ``addcdiv`` and their in-place forms).

PyTorch's CPU kernel computes in an "opmath" dtype (float32 for float16, the dtype itself for float32 and
float64) and rounds once to the result's dtype at the end; its loops are compiled with fused multiply-adds (in
the vectorised loop over 8 or 16 elements at a time and in the scalar loop over the elements left over alike, for
contiguous and broadcast inputs, and for ``value=1`` too). With ``f`` the conversion to the opmath dtype and
``v`` the ``value`` converted to it (to float32 for float16 and float32 results; a Python float unchanged in
float64):

* ``t.addcmul(t1, t2, value=v)`` is ``fma(v * f(t1), f(t2), f(t))``: the product ``v * t1`` rounded, then
  multiplied by ``t2`` and added to ``t`` with a single rounding (a fused multiply-add; NumPy has none:
  :func:`~tinygradconv.ops.fused_multiply_add.fused_multiply_add_float32` for float16 and float32,
  :func:`~tinygradconv.ops.fused_multiply_add.fused_multiply_add_float64` for float64);
* ``t.addcdiv(t1, t2, value=v)`` is ``f(t) + (v * f(t1)) / f(t2)``, each op rounded;

float16 results rounded once from float32 at the end. Computed as ``t + (t1 * t2) * v`` (each op rounded), about
30 % of float32 and float64 ``addcmul`` results at ``value`` 0.3, 1 and -2 differed from PyTorch's, and
``t + (t1 / t2) * v`` 11 % of ``addcdiv`` results at 0.3; step by step in float16, 27 % of float16 results were
one float16 step off (``-3.314 + 0.3 * -3.047 * 3.508``: -6.5234375 where PyTorch gives -6.51953125; the exact
value is -6.5208).

The gradients follow PyTorch's formulas (``derivatives.yaml``), each op rounded in the result's dtype (float16
ops computed in float32 and rounded to float16, as PyTorch's float16 ops round):

* ``addcmul``: ``grad`` for ``t``; ``grad * (t2 * v)`` for ``t1`` and ``grad * (t1 * v)`` for ``t2`` (not
  ``(grad * v) * t2``, which differed in 35 % of float32 elements at 0.3);
* ``addcdiv``: ``grad`` for ``t``; ``grad * (v / t2)`` for ``t1`` (PyTorch fills a tensor with ``v`` and
  divides it); ``-grad * ((t1 * v) / (t2 * t2))`` for ``t2``;

each summed over the dimensions broadcasting added (:func:`~tinygradconv.ops.elementwise.unbroadcast`). Checked
element by element against PyTorch 2.13 (x86-64 CPU) on 10**5 random inputs per dtype and ``value`` in
``tests/test_half_addcmul_s49.py`` and ``tests/test_addcmul_fma_s49.py``. One difference: PyTorch's float16
``addcdiv`` backward raises ``RuntimeError`` ("value cannot be converted to type c10::Half without overflow")
for a ``value`` beyond float16's range (65504); here the float16 ``v`` is infinite and so is that gradient.

What it costs: no NumPy operation fuses a product and a sum, so the exact ``addcmul`` takes several passes over
the data where PyTorch's kernel takes one: in float32 3 (the product and sum in float64, the rounding to float32)
and 4 for two whole-block tests that find the rare ties
(:func:`~tinygradconv.ops.fused_multiply_add.fused_multiply_add_float32`), in float64 about 25 in-place
operations and 4 for the tests (Dekker's product and TwoSum;
:func:`~tinygradconv.ops.fused_multiply_add.fused_multiply_add_float64`). It is not as fast as PyTorch: 10 to
45 times PyTorch's time from 10**4 elements up (``t + (t1 * t2) * v``, rounded twice, takes 1 to 1.5 times it),
and 1.6 to 2.6 times faster than before s50 from 10**5 elements up.
``t.addcmul(t1, t2, value=0.3)`` without a graph, with one thread, the thread's CPU time (best of 5 to 200 calls,
3 rounds alternating the two versions, ``taskset`` on one core of a 2-vCPU AMD EPYC shared with other work under
a load of about 10, which roughly doubles every time; NumPy 2.4, PyTorch 2.13):

======================  ===================  ===================  ===================
                        before s50           ``addcmul`` here     PyTorch
======================  ===================  ===================  ===================
float16, 10**4          0.29 ms              0.26 ms              0.007 ms
float16, 10**5          3.8 ms               1.5 ms               0.035 ms
float16, 10**6          28 ms                13 ms                0.29 ms
float32, 10**2          0.079 ms             0.085 ms             0.004 ms
float32, 10**4          0.14 ms              0.12 ms              0.006 ms
float32, 10**5          0.75 ms              0.41 ms              0.039 ms
float32, 10**6          8.8 ms               5.4 ms               0.52 ms
float64, 10**2          0.10 ms              0.10 ms              0.004 ms
float64, 10**4          0.26 ms              0.20 ms              0.009 ms
float64, 10**5          3.3 ms               1.4 ms               0.067 ms
float64, 10**6          33 ms                18 ms                1.5 ms
======================  ===================  ===================  ===================

(At 10**2 elements most of the time is the autograd ``Function``'s own; float16 pays NumPy's slow float16
conversions, 2 to 6 ns an element.) The fused multiply-adds work on blocks of
:data:`~tinygradconv.ops.fused_multiply_add.MULTIPLY_ADD_BLOCK` (float32:
:data:`~tinygradconv.ops.fused_multiply_add.FLOAT32_BLOCK`) elements in each thread's scratch buffers, kept
between calls.
``addcdiv`` takes 0.5 to 0.9 ms for 10**6 float32 elements. Both are kept for float64 too, as float64
``add(alpha=)`` (the same fma): values bit for bit with PyTorch's are what these ops are for here; in an
optimizer's step the update is a small part of the time.

See https://pytorch.org/docs/stable/generated/torch.addcmul.html and
https://pytorch.org/docs/stable/generated/torch.addcdiv.html

>>> import tinygradconv as tg
>>> x, y, z = (tg.tensor([v], dtype="float16") for v in (-3.314, -3.047, 3.508))
>>> x.addcmul(y, z, value=0.3).tolist()
[-6.51953125]
>>> x, y, z = (tg.tensor([v]) for v in (0.7, 0.7, 3.0))              # float32
>>> x.addcmul(y, z, value=0.3).tolist()                     # as PyTorch; t + (t1 * t2) * v: 1.3299999237060547
[1.3300000429153442]
"""
from __future__ import annotations

import numbers
import operator

import numpy as np

from ..autograd import Function
from ..backend import dtype_name
from .elementwise import _in_float32, unbroadcast
from .fused_multiply_add import fused_multiply_add_float32, fused_multiply_add_float64

#: The dtype PyTorch's CPU kernels compute each floating dtype in ("opmath").
_OPMATH = {"float16": "float32", "float32": "float32", "float64": "float64"}


def value_in_opmath(value, kind):
    """``value`` as PyTorch's kernels for results of dtype ``kind`` take it: a float32 number for float16 and
    float32 (returned as an exact Python float), a float64 number for float64. An integer is rounded once, as
    PyTorch's int64 Scalar is (``np.float32(2**53 + 2**29 + 1)`` goes through float64 and rounds twice)."""
    if kind == "float64":
        return float(value)
    if isinstance(value, numbers.Integral):
        return float(np.asarray(value, dtype=np.int64 if value < 2 ** 63 else np.uint64).astype(np.float32))
    with np.errstate(over="ignore"):
        return float(np.float32(value))


def _value_filled(value, kind):
    """``value`` as PyTorch's ``fill_`` writes it into a tensor of dtype ``kind`` (float16: to float32, then to
    float16)."""
    with np.errstate(over="ignore"):
        return np.dtype(kind).type(value_in_opmath(value, kind))


def _wide(xp, a):
    """``a`` in its opmath dtype (float16 to float32; float32 and float64 unchanged)."""
    return xp.astype(a, getattr(xp, _OPMATH[dtype_name(a.dtype)]), copy=False)


def _scaled(xp, a, v):
    """``a * v`` in the opmath dtype (``v`` from :func:`value_in_opmath`), not rounded back."""
    wide = _wide(xp, a)
    return wide * xp.asarray(v, dtype=wide.dtype)


class AddScaled(Function):
    """``t + value * tensor1 * tensor2`` (``op="addcmul"``) or ``t + value * tensor1 / tensor2`` (``"addcdiv"``)
    of three arrays of one floating dtype (float16, float32 or float64; broadcast together), rounded and
    differentiated as PyTorch's CPU does (see the module's docstring); ``value`` a Python number. Returns an
    array of that dtype and the broadcast shape."""

    @staticmethod
    def forward(ctx, t, tensor1, tensor2, *, op, value):
        xp = ctx.xp
        kind = dtype_name(t.dtype)
        v = value_in_opmath(value, kind)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):    # inf and nan silently, as PyTorch
            if op == "addcmul":
                # (v * tensor1 is tensor1 for v = 1; the float32 fma takes float16 operands as they are: exact)
                scaled = tensor1 if v == 1 else _scaled(xp, tensor1, v)
                fma = fused_multiply_add_float64 if kind == "float64" else fused_multiply_add_float32
                out = fma(xp, scaled, tensor2, t)
            else:
                out = _wide(xp, t) + _scaled(xp, tensor1, v) / _wide(xp, tensor2)
        ctx.save_for_backward(tensor1, tensor2)
        ctx.shapes = (t.shape, tensor1.shape, tensor2.shape)
        ctx.op, ctx.value = op, value
        # which saved values the backward pass reads: tensor1 for tensor2's gradient; tensor2 for tensor1's (and
        # for tensor2's own in addcdiv)
        need1, need2 = ctx.inputs[1]._requires_grad, ctx.inputs[2]._requires_grad
        ctx.values_read = (need2, need1 or (need2 and op == "addcdiv"))
        return xp.astype(out, t.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        tensor1, tensor2 = ctx.saved_tensors
        shape, shape1, shape2 = ctx.shapes
        need, need1, need2 = ctx.needs_input_grad
        kind = dtype_name(grad.dtype)
        v = value_in_opmath(ctx.value, kind)

        def times_value(a):                                   # PyTorch's a.mul(value), rounded to a's dtype
            return xp.astype(_scaled(xp, a, v), a.dtype, copy=False)

        def times(a, b):                     # PyTorch's mul of one dtype (float16 computed in float32)
            return _in_float32(xp, operator.mul, a, b)

        # PyTorch's div; for float16 rounded twice (float32, then float16), which is not always float16's own
        # correctly rounded quotient
        def divided(a, b):
            return _in_float32(xp, operator.truediv, a, b)

        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            if ctx.op == "addcmul":
                grad1 = times(grad, times_value(tensor2)) if need1 else None
                grad2 = times(grad, times_value(tensor1)) if need2 else None
            else:
                filled = xp.full((), float(_value_filled(ctx.value, kind)), dtype=grad.dtype)
                grad1 = times(grad, divided(filled, tensor2)) if need1 else None
                grad2 = times(-grad, divided(times_value(tensor1), times(tensor2, tensor2))) if need2 else None
        return (unbroadcast(xp, grad, shape) if need else None,
                None if grad1 is None else unbroadcast(xp, grad1, shape1),
                None if grad2 is None else unbroadcast(xp, grad2, shape2))
