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

import math

import numpy as np

from ..ops.fused_multiply_add import multiply_add, multiply_add_float32


def add_scaled(xp, x, y, alpha):
    """``x + alpha * y`` for floating arrays ``x`` and ``y`` of one dtype (the shape of ``x``), as
    PyTorch's CPU ``x.add(y, alpha=alpha)`` (and ``torch._foreach_add_``) rounds it: float32 by a float32 fused
    multiply-add with ``alpha`` rounded to float32 (:func:`~tinygradconv.ops.fused_multiply_add.
    multiply_add_float32`: 7 NumPy passes where ``x + alpha * y`` takes 2; 10 to 14 us for 10 to 1280
    elements where ``x + alpha * y`` takes 1 to 2 us, one thread on a shared 2-core machine, nearly all of it
    NumPy's fixed cost per call), float64 by a float64 one (:func:`~tinygradconv.ops.fused_multiply_add.
    multiply_add`), float16 as ``x + float16(alpha) * y`` in float16 (the product rounded to float16, then the sum).
    ``alpha`` is a number or a 0-d array; ``alpha = 1`` or ``-1`` is the plain sum or difference (the product is
    exact).

    float16 is PyTorch's rounding for tensors of fewer than 32 elements and for the last ``n % 32`` elements of longer
    ones, not always inside: PyTorch 2.13's CPU float16 kernel (AVX2, measured) rounds ``alpha * y`` to float16 first
    there, as here, but in its full vector blocks of 32 elements it adds in float32 and rounds once. Which elements
    round which way thus depends on the tensor's length and on PyTorch's vector width; this function does not emulate
    that. With random normal ``x`` and ``y`` and ``alpha = -0.1``, it differed from ``torch.add(x, y, alpha=-0.1)``
    by a float16 step in none of the elements below 32 and in 9 to 11% from 37 on (a single rounding everywhere: 11 to
    12% at 7 and 31 elements, 1.5% at 37, 0.4% at 100, none at 64). The small float16 models of the tests train as
    Keras' bit for bit. float32 and float64 are PyTorch's bit for bit at every length.

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
        return x + xp.asarray(alpha, dtype=x.dtype) * y     # float16: the product rounded first (see above)


def in_dtype_of(w, xp, *values):
    """``values`` as 0-d arrays of ``w``'s dtype: Keras 3 casts each scalar of a step (the learning rate, the step
    count, the betas) to the variable's dtype before it computes with them, so that in float16 the bias correction
    is rounded as Keras rounds it (found by a tester: in float64, a float16 Adam step where ``v`` had underflowed to
    0 was 1.5 against Keras' 1.0)."""
    return (xp.asarray(value, dtype=w.dtype) for value in values)


def scalar_power(xp, base, exponent):
    """``base ** exponent`` for 0-d arrays (a beta and the step count, in the weight's dtype), correctly rounded to
    ``base``'s dtype, as PyTorch's ``pow`` of 0-d tensors (C's ``powf``/``pow``) gives it in Keras' step: computed
    by Python's ``math.pow`` (C's ``pow``, in float64), then rounded once. NumPy's own ``**`` is not correctly
    rounded where it uses SIMD code: on an AVX-512 CPU (an AMD EPYC, Zen 4, NumPy 2.4) its float32
    ``float32(0.9) ** 4`` is 0.65609997, one float32 step above the 0.6560999 of PyTorch and of the exact value, so
    Adam's fourth step differed from Keras'.

    >>> import numpy as np
    >>> float(scalar_power(np, np.asarray(0.9, dtype=np.float32), np.asarray(4.0, dtype=np.float32)))
    0.6560999155044556
    """
    return xp.asarray(math.pow(float(base), float(exponent)), dtype=base.dtype)
