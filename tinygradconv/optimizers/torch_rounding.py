"""The two roundings Keras 3's torch backend makes in an optimizer's step, on backend arrays.

Keras 3 on the torch backend updates SGD, Adam, AdamW, Adamax, RMSprop, Adagrad, Nadam, Adadelta and Lion with
``torch._foreach_*`` ops (``keras/src/backend/torch/optimizers/torch_*.py``), not with its generic formulas: a
product and a sum written ``torch._foreach_add_(x, y, alpha=a)`` is PyTorch's ``x.add_(y, alpha=a)``, ``x + a * y``
rounded *once* (a fused multiply-add on the CPU), where the generic ``x + a * y`` rounds twice. :func:`add_scaled`
is that op; the optimizers that follow Keras' torch backend call it where Keras calls ``_foreach_add_`` with an
``alpha``, and compute every other op in Keras' order, so that their float32 steps are Keras' bit for bit (Keras'
other backends round differently, by a float32 step or so).

Scalars: a Python float given to a ``_foreach_`` op (``beta_1``, ``1 - beta_1``, ``epsilon``, ``momentum``) is
rounded to the weight's dtype by PyTorch (a float32 weight: ``float32(0.1)``); Keras' learning rate is a float32
variable, cast to the weight's dtype.
"""
from __future__ import annotations

import numpy as np

from ..ops.fused_multiply_add import multiply_add, multiply_add_float32


def add_scaled(xp, x, y, alpha):
    """``x + alpha * y`` for floating arrays ``x`` and ``y`` of one dtype (the shape of ``x``), rounded once, as
    PyTorch's CPU ``x.add(y, alpha=alpha)`` (and ``torch._foreach_add_``) rounds it: float32 by a float32 fused
    multiply-add with ``alpha`` rounded to float32 (:func:`~tinygradconv.ops.fused_multiply_add.
    multiply_add_float32`: 7 NumPy passes where ``x + alpha * y`` takes 2; 10 to 14 us for 10 to 1280
    elements where ``x + alpha * y`` takes 1 to 2 us, one thread on a shared 2-core machine, nearly all of it
    NumPy's fixed cost per call), float64 by a float64 one (:func:`~tinygradconv.ops.fused_multiply_add.
    multiply_add`), float16 in float32 with ``alpha`` rounded to float16 (the product then exact), rounded to float16
    once at the end. ``alpha`` is a number or a 0-d array; ``alpha = 1`` or ``-1`` is the plain sum or difference
    (the product is exact).

    float16 is *not* always PyTorch's rounding: PyTorch 2.13's CPU float16 kernel (AVX2, measured) rounds once as
    here only in its full vector blocks of 32 elements; in a tensor of fewer than 32 elements, and in the last
    ``n % 32`` elements of a longer one, it rounds the product ``alpha * y`` to float16 first, then the sum (the
    generic ``x + float16(alpha) * y``). Which elements round which way thus depends on the tensor's length and on
    PyTorch's vector width; this function does not emulate that and rounds every element once. With random
    normal ``x`` and ``y`` and ``alpha = -0.1``, it differed from ``torch.add(x, y, alpha=-0.1)`` by a float16 step
    in 11 to 12% of the elements at 7 and 31 elements, 1.5% at 37, 0.4% at 100 and none at 64; the generic formula in
    none below 32 and 9 to 11% from 37 on. float32 and float64 are PyTorch's bit for bit at every length.

    >>> import numpy as np
    >>> w, g = np.float32([0.123]), np.float32([2.2])
    >>> add_scaled(np, w, g, -np.float32(0.1)).tolist(), (w - np.float32(0.1) * g).tolist()
    ([-0.09700000286102295], [-0.09700001031160355])
    """
    alpha = float(alpha)
    if alpha == 1.0:
        return x + y
    if alpha == -1.0:
        return x - y
    if x.dtype == xp.float32:
        return multiply_add_float32(xp, y, alpha, x)
    if x.dtype == xp.float64:
        return multiply_add(xp, y, alpha, x)
    with np.errstate(over="ignore", invalid="ignore"):     # inf, inf - inf = NaN: silently, as PyTorch
        wide = xp.float32           # float16: the product of two float16 numbers is exact in float32
        factor = float(np.float16(alpha))
        return xp.astype(xp.astype(x, wide) + factor * xp.astype(y, wide), x.dtype)


def in_dtype_of(w, xp, *values):
    """``values`` as 0-d arrays of ``w``'s dtype: Keras 3 casts each scalar of a step (the learning rate, the step
    count, the betas) to the variable's dtype before it computes with them, so that in float16 the bias correction
    is rounded as Keras rounds it (found by a tester: in float64, a float16 Adam step where ``v`` had underflowed to
    0 was 1.5 against Keras' 1.0)."""
    return (xp.asarray(value, dtype=w.dtype) for value in values)
