"""Matrix product with NumPy's ``matmul`` rules (1-D operands, batched broadcasting).

For ``C = A @ B``: ``dL/dA = dL/dC @ B^T`` and ``dL/dB = A^T @ dL/dC``, summed over broadcast batch dimensions.

>>> import tinygradconv as tg
>>> a = tg.tensor([[1.0, 2.0]], requires_grad=True)
>>> b = tg.tensor([[3.0], [4.0]])
>>> c = a @ b
>>> c.tolist()
[[11.0]]
>>> c.backward()
>>> a.grad.tolist()
[[3.0, 4.0]]
"""
from __future__ import annotations

import numpy as np

from ..autograd import Function, Sample, register_op
from ..backend import dtype_name
from .elementwise import _in_float32, promoted, unbroadcast


def _matmul_samples(rng):
    n = rng.standard_normal
    return [Sample((n((3, 4)), n((4, 2)))), Sample((n((2, 3, 4)), n((4, 5)))), Sample((n((4,)), n((4, 3)))),
            Sample((n((3, 4)), n((4,)))), Sample((n((2, 1, 3, 4)), n((5, 4, 2)))),
            Sample((n((4,)), n((4,)))),  # vector @ vector: a rank-0 result
            Sample((n((4,)), n((2, 4, 3)))), Sample((n((2, 3, 4)), n((4,)))),  # a vector against a batch
            Sample((np.zeros((0, 3)), n((3, 2)))), Sample((np.zeros((2, 0)), np.zeros((0, 3)))),  # empty
            Sample((np.zeros((0,)), np.zeros((0,))))]


def _matmul_special_points(rng):
    n = rng.standard_normal
    specials = np.array([np.nan, 0.0, -0.0, np.inf, -np.inf, 1.0])
    return [Sample((specials.reshape(2, 3), n((3, 2)))), Sample((n((2, 3)), specials.reshape(3, 2))),
            Sample((specials, specials[::-1].copy())), Sample((specials, np.zeros(6))),
            Sample((specials[:4], n((4, 2)))), Sample((n((2, 4)), specials[2:])),
            *[Sample(s.args) for s in _matmul_samples(rng)[5:]]]


def _product_of(a, b):
    """``a @ b``, the operator (the same Array API function, without array_api_compat's wrapper), with a message
    that names both shapes when their batch dimensions do not broadcast."""
    try:
        return a @ b
    except ValueError:
        raise ValueError(f"matmul: shapes {tuple(a.shape)} and {tuple(b.shape)} have batch dimensions "
                         f"{tuple(a.shape[:-2])} and {tuple(b.shape[:-2])} that cannot be broadcast together") \
            from None


@register_op("matmul", samples=_matmul_samples, special_points=_matmul_special_points)
class MatMul(Function):
    """``a @ b`` with NumPy's (and PyTorch's) rules for 1-D operands: a vector on the left is a row, on the right a
    column, and the added axis is removed again (``vector @ vector`` is a rank-0 dot product).

    IEEE 754 inside the sums: ``inf * 0`` is NaN, so a NaN or infinite element spreads along its row/column (as
    NumPy and PyTorch). Rank-0 operands are a ``ValueError`` (as NumPy; use ``*``).

    Operands of two float dtypes promote as the element-wise operators promote them (the backend's own rule, which
    ``a * b`` follows too): float16 with float32 is float32 and float16 or float32 with float64 is float64, in
    either order, and each gradient comes back in its own input's dtype, rounded once (as ``torch.mul``'s).
    PyTorch's ``matmul`` refuses two dtypes; ``a.float() @ b`` is what it computes here. An integer or bool operand
    beside a float one takes the float's dtype, as ``a * b`` (:func:`~tinygradconv.ops.elementwise.promoted`) and
    ``keras.ops.matmul`` (``int64 @ float16`` is float16, computed as two float16 operands). Two bool
    operands are a ``TypeError``, as PyTorch refuses them (NumPy's ``mask @ mask`` is a bool).

    Two float16 operands are multiplied as float32 and each result rounded once to float16, forward and backward,
    as PyTorch's CPU float16 matmul (a float32 accumulator); a gradient summed over broadcast batch dimensions is
    summed in float32 before that one rounding, as PyTorch's folded ``mm`` for ``(batch, ..., n) @ (n, m)``
    (``Dense`` on a 3-D input). The float32 sums run in BLAS' order, not PyTorch's, so a result within a float32
    rounding of a float16 tie can still round the other way.

    >>> import numpy as np
    >>> import tinygradconv as tg
    >>> a = tg.tensor(np.full((2, 3), 1.0001), dtype="float16", requires_grad=True)
    >>> b = tg.tensor(np.full((3, 2), 3000.123), dtype="float32")
    >>> str((a @ b).dtype), str((b.T @ a.T).dtype), str((a @ np.ones((3, 2))).dtype)
    ('float32', 'float32', 'float64')
    >>> (a @ b).sum().backward()
    >>> str(a.grad.dtype), a.grad.tolist()[0]
    ('float16', [6000.0, 6000.0, 6000.0])
    """

    @staticmethod
    def forward(ctx, a, b):
        if a.ndim == 0 or b.ndim == 0:
            raise ValueError(f"matmul needs at least 1-D operands; got shapes {tuple(a.shape)} and {tuple(b.shape)}")
        if a.dtype == ctx.xp.bool and b.dtype == ctx.xp.bool:     # NumPy: an or of ands, a bool
            raise TypeError(f"Invalid type for argument `other` of matmul: two bool tensors, which PyTorch refuses "
                            f"(\"dot\" / \"addmm\" not implemented for 'Bool'). Received bool tensors of shapes "
                            f"{tuple(a.shape)} and {tuple(b.shape)}; cast one first, e.g. a.astype('int64') @ b")
        inner_a = a.shape[-1]
        inner_b = b.shape[-2] if b.ndim > 1 else b.shape[0]
        if inner_a != inner_b:
            raise ValueError(f"matmul: shapes {tuple(a.shape)} and {tuple(b.shape)} are not aligned "
                             f"({inner_a} != {inner_b})")
        a, b = promoted(ctx.xp, a, b)
        ctx.save_for_backward(a, b)
        ctx.values_read = (ctx.inputs[1]._requires_grad, ctx.inputs[0]._requires_grad)   # d/db reads a, d/da b
        if _two_floats(ctx.xp, a, b):  # `@` promotes them as `a * b` does (float16 @ float32: float32)
            return _product_of(a, b)
        return _in_float32(ctx.xp, _product_of, a, b)  # float16: float32 products and sums, one rounding

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        if a.ndim == 1 and b.ndim == 1:  # the dot product: a rank-0 gradient scales the other vector
            return (grad * b if need_a else None), (grad * a if need_b else None)
        half = dtype_name(a.dtype) == "float16" and not _two_floats(xp, a, b)  # (two floats: in the wider one)
        if half:  # float32 products and batch sums, one rounding at the end
            a, b, grad = (xp.astype(v, xp.float32) for v in (a, b, grad))
        # Promote 1-D operands to matrices, as matmul itself does, so one formula covers every case.
        a2 = xp.reshape(a, (1, a.shape[0])) if a.ndim == 1 else a
        b2 = xp.reshape(b, (b.shape[0], 1)) if b.ndim == 1 else b
        g2 = grad
        if a.ndim == 1:
            g2 = xp.expand_dims(g2, axis=-2)
        if b.ndim == 1:
            g2 = xp.expand_dims(g2, axis=-1)
        ga = gb = None
        if need_a:
            ga = xp.reshape(unbroadcast(xp, _product(g2, xp.matrix_transpose(b2)), a2.shape), a.shape)
        if need_b:
            gb = xp.reshape(unbroadcast(xp, _product(xp.matrix_transpose(a2), g2), b2.shape), b.shape)
        if half:
            ga, gb = (None if v is None else xp.astype(v, xp.float16) for v in (ga, gb))
        return ga, gb


def _two_floats(xp, a, b):
    """Whether ``a`` and ``b`` hold floats of two dtypes (``float16`` and ``float32``), which the backend's ``@``
    promotes to the wider one as its ``*`` does."""
    return a.dtype != b.dtype and xp.isdtype(a.dtype, "real floating") and xp.isdtype(b.dtype, "real floating")


def _product(x, y):
    """``x @ y``; an outer product (inner dimension 1) as a broadcast ``x * y``, as PyTorch computes it: exact, and
    each element keeps its sign (a GEMM adds ``0.0 + (-0.0 * 1)`` and loses ``-0.0``)."""
    return x * y if x.shape[-1] == 1 else x @ y
