r"""Vector norms: ``vector_norm(x, ord, dim)``, as ``torch.linalg.vector_norm``, and PyTorch's older
``norm(x, p="fro", dim)`` (``torch.Tensor.norm``), which reads ``"fro"`` as the 2-norm.

Over the reduced dimensions, :math:`\|x\|_p = (\sum_i |x_i|^p)^{1/p}`; ``p = inf`` is :math:`\max_i |x_i|`,
``p = -inf`` :math:`\min_i |x_i|`, and ``p = 0`` the number of non-zero elements. The gradient is
:math:`\partial \|x\|_p / \partial x_i = \mathrm{sign}(x_i) |x_i|^{p-1} / \|x\|_p^{p-1}`, with PyTorch's choices
where that is undefined (its ``norm_backward``): 0 at an all-zero input (for ``p = 2``: ``x / norm`` replaced by 0
where the norm is 0), ``sign(0) = 0`` for ``p = 1``, ties of ``inf``/``-inf`` sharing the gradient evenly, and no
gradient for ``p = 0`` (piecewise constant: none at all, so ``x.grad`` stays None when nothing else reaches
``x``, as in PyTorch, whose ``norm_backward`` returns an undefined gradient).

>>> import tinygradconv as tg
>>> x = tg.tensor([[3.0, -4.0], [0.0, 0.0]], dtype="float64", requires_grad=True)
>>> y = vector_norm(x, dim=1)
>>> y.tolist()
[5.0, 0.0]
>>> y.sum().backward()
>>> x.grad.tolist()
[[0.6, -0.8], [0.0, 0.0]]
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from ..autograd import Function, Sample, register_op
from ..backend import dtype_name
from ..tensor import Tensor
from ..validation import dim_index, dtype_argument, flag, reduction_axes
from .elementwise import FLOATS, _in_float32, is_floating
from .summation import accurate_sum


def _checked_ord(ord, name="ord", op="vector_norm"):
    """``ord`` as a float: a real number, not a bool, not NaN (``inf`` and ``-inf`` included)."""
    if isinstance(ord, bool) or not isinstance(ord, numbers.Real):
        raise TypeError(f"Invalid type for argument `{name}` of {op}: expected a number (2, 1, inf, -inf, 0, any "
                        f"real p). Received {name}={ord!r} of type {type(ord).__name__}")
    if math.isnan(ord):
        raise ValueError(f"Invalid value for argument `{name}` of {op}: expected a number, not NaN. Received "
                         f"{name}={ord!r}")
    return float(ord)


def _norm_samples(rng):
    x = rng.standard_normal((3, 4))
    return [Sample((x,), {"ord": 2.0, "axes": None, "keepdims": False}),
            Sample((x,), {"ord": 1.0, "axes": (1,), "keepdims": True}),
            Sample((x,), {"ord": math.inf, "axes": (0,), "keepdims": False}),
            Sample((x,), {"ord": -math.inf, "axes": (1,), "keepdims": False}),
            Sample((x,), {"ord": 3.0, "axes": (0, 1), "keepdims": False}),
            Sample((x,), {"ord": 0.5, "axes": (1,), "keepdims": False}),
            Sample((x,), {"ord": -1.5, "axes": (0,), "keepdims": True}),
            Sample((x,), {"ord": 1.5, "axes": (1,), "keepdims": False}),
            Sample((x,), {"ord": 0.0, "axes": (1,), "keepdims": False}),
            Sample((np.asarray(-1.5),), {"ord": 2.0, "axes": None, "keepdims": False}),
            Sample((np.zeros((0, 3)),), {"ord": 2.0, "axes": (0,), "keepdims": False})]


def _norm_special_points(rng):
    nan, inf = np.nan, np.inf
    rows = np.array([[0.0, 0.0, 0.0, 0.0], [0.0, -0.0, 2.0, -2.0], [nan, 1.0, 0.0, -1.0], [inf, 1.0, 0.0, -2.0],
                     [-inf, inf, 0.0, 1.0], [3.0, -3.0, 1.0, 0.5], [-0.0, -0.0, -0.0, -0.0], [nan, inf, -inf, 0.0]])
    points = [Sample((rows,), {"ord": p, "axes": (1,), "keepdims": False})
              for p in (2.0, 1.0, inf, -inf, 0.0, 0.5, 3.0, -1.0, 1.5)]
    return points + [Sample((rows,), {"ord": 2.0, "axes": None, "keepdims": True}),
                     Sample((np.asarray(-0.0),), {"ord": 2.0, "axes": None, "keepdims": False}),
                     Sample((np.asarray(nan),), {"ord": inf, "axes": None, "keepdims": False}),
                     Sample((np.zeros((0, 3)),), {"ord": 2.0, "axes": (0,), "keepdims": False}),
                     Sample((np.zeros((0, 3)),), {"ord": inf, "axes": (1,), "keepdims": True})]


@register_op("vector_norm", samples=_norm_samples, special_points=_norm_special_points)
class VectorNorm(Function):
    r"""The ``ord``-norm of ``a`` over ``axes`` (the op behind :func:`vector_norm`); see the module's docstring for
    the formula and its gradient.

    ``axes=None`` reduces every axis. A float16 input is computed in float32 and the result rounded once, as
    PyTorch's CPU kernels; so is its gradient, where PyTorch's float16 backward computes in float16: where a power
    ``|x|^(p-1)`` or ``norm^(p-1)`` overflows float16 (``p = 3``, ``x = [300, 0.5]``), PyTorch's gradient is NaN
    or 0 there and ours the float32 value rounded (``[1.0, 2.8e-06]``). The sums are added pairwise
    (:func:`.summation.accurate_sum`); there is no rescaling, so, as in PyTorch, a 2-norm of values near ``1e200``
    overflows to ``inf`` in float64.
    """

    @staticmethod
    def forward(ctx, a, ord, axes, keepdims):
        xp = ctx.xp
        ord = _checked_ord(ord)
        axes = reduction_axes(axes, a.ndim, "vector_norm")
        keepdims = flag(keepdims, "keepdims", "vector_norm")
        if not is_floating(a):
            raise TypeError(f"Invalid type for argument `x` of vector_norm: expected a floating-point tensor (as "
                            f"PyTorch). Received a {dtype_name(a.dtype)} tensor; cast it first, e.g. "
                            f"x.astype('float32')")
        empty = [i for i in axes if a.shape[i] == 0]
        if empty and (ord < 0 or ord == math.inf):
            raise ValueError(f"Invalid value for argument `ord` of vector_norm: the {ord:g}-norm of an empty "
                             f"dimension is undefined (a maximum, a minimum or a negative power has no value for "
                             f"no elements; PyTorch refuses it too), and dimension {empty[0]} of shape "
                             f"{tuple(a.shape)} is empty. Received ord={ord:g}")
        norm = _in_float32(xp, lambda v: _norm(xp, v, ord, axes), a)
        ctx.save_for_backward(a, norm)
        ctx.ord, ctx.axes, ctx.kept = ord, axes, tuple(norm.shape)
        if keepdims:
            return norm
        return xp.reshape(norm, tuple(n for i, n in enumerate(a.shape) if i not in axes))

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        if ctx.ord == 0:    # a count of non-zeros: no gradient at all (None, as PyTorch's norm_backward returns)
            return None
        a, norm = ctx.saved_tensors
        grad = xp.reshape(grad, ctx.kept)
        return _in_float32(xp, lambda *arrays: _norm_gradient(xp, *arrays, ctx.ord, ctx.axes), a, norm, grad)


def _total(xp, v, axes):
    """The sum of ``v`` over ``axes``, kept as dimensions of size 1 (``v`` itself for no axes)."""
    return accurate_sum(xp, v, axis=axes, keepdims=True) if axes else v


def _norm(xp, a, p, axes):
    """The ``p``-norm of ``a`` over ``axes``, with the reduced dimensions kept (size 1). NaN propagates, as in
    PyTorch: ``max``/``min`` of a slice holding NaN are NaN, and NaN counts as non-zero for ``p = 0``."""
    magnitude = xp.abs(a)
    if p in (math.inf, -math.inf):
        if not axes:
            return magnitude
        extreme = xp.max if p > 0 else xp.min
        return extreme(magnitude, axis=axes, keepdims=True)
    if p == 0:
        return _total(xp, xp.astype(a != 0, a.dtype), axes)
    if p == 1:
        return _total(xp, magnitude, axes)
    if p == 2:
        return xp.sqrt(_total(xp, a * a, axes))
    return _total(xp, magnitude ** p, axes) ** (1.0 / p)


def _norm_gradient(xp, a, norm, grad, p, axes):
    """``dL/da`` from ``grad = dL/dnorm`` (both with the reduced dimensions kept), PyTorch's ``norm_backward``
    case by case: its choices at zeros, ties, NaN and infinities are those of this arithmetic.

    ``sign`` is PyTorch's ``sgn`` of a real number, ``(a > 0) - (a < 0)``: 0 for both zeros and for NaN."""
    zero = xp.zeros_like(a)
    sign = xp.astype(a > 0, a.dtype) - xp.astype(a < 0, a.dtype)
    if p == 1:
        return sign * grad
    if p == 2:
        return xp.where(norm == 0, zero, a / norm) * grad
    if p in (math.inf, -math.inf):
        # the elements where the extreme is reached (or NaN), each given an equal share of the gradient
        reached = xp.astype((xp.abs(a) == norm) | xp.isnan(a), a.dtype)
        return sign * ((grad / _total(xp, reached, axes)) * reached)
    if p < 1:
        scaled = xp.where(a == 0, zero, sign * xp.abs(a) ** (p - 1))
        return scaled * grad * norm ** (1 - p)
    scaled = sign * xp.abs(a) ** (p - 1) if p < 2 else a * xp.abs(a) ** (p - 2)
    share = grad / norm ** (p - 1)
    return scaled * xp.where(norm == 0, xp.zeros_like(share), share)


def _reduced_dims(x, dim, op):
    """``dim`` as the op's ``axes``: None, or a tuple of dimensions, each checked as PyTorch reads it (an
    ``IndexError`` naming ``dim`` when out of range); ``dim=()`` is every dimension, as in PyTorch."""
    if dim is None:
        return None
    dims = tuple(dim) if isinstance(dim, (tuple, list)) else (dim,)
    for d in dims:
        dim_index(d, x.ndim, op)
    return dims or None


def _computed_in(x, dtype, op):
    """``x`` cast to ``dtype`` (the ``dtype=`` of :func:`vector_norm` and :func:`norm`), the dtype the norm is
    computed in and returned in, as PyTorch: a floating dtype at least as wide as ``x``'s. The cast is
    differentiable, so the gradient comes back in ``x``'s dtype. ``None`` leaves ``x`` as it is."""
    if dtype is None:
        return x
    kind = dtype_name(x.dtype)
    wanted = dtype_argument(dtype, FLOATS)
    if kind not in FLOATS:
        raise TypeError(f"Invalid type for argument `x` of {op}: expected a floating-point tensor, also with "
                        f"`dtype` (as PyTorch). Received a tensor of dtype {kind} and dtype={wanted}; cast it "
                        f"first, e.g. x.astype('{wanted}')")
    if FLOATS.index(wanted) < FLOATS.index(kind):
        raise ValueError(f"Invalid value for argument `dtype` of {op}: a {kind} tensor's norm is computed in "
                         f"{kind} or a wider float, not narrowed to {wanted} (PyTorch refuses it too). Received "
                         f"dtype={dtype!r}; cast the result instead, e.g. {op}(x).astype('{wanted}')")
    return x if wanted == kind else x.astype(wanted)


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    r"""The ``ord``-norm of ``x`` over ``dim``, as ``torch.linalg.vector_norm``:
    :math:`(\sum_i |x_i|^{ord})^{1/ord}` over the reduced dimensions.

    ``ord`` is any real number (negative too), ``inf`` (the largest ``|x_i|``), ``-inf`` (the smallest) or 0 (the
    number of non-zero elements, as a float). ``dim`` is None or ``()`` (every dimension: the norm of the
    flattened tensor), an int or a tuple of ints; ``keepdim=True`` keeps the reduced dimensions with size 1.
    ``dtype`` (float16, float32 or float64, not narrower than ``x``'s) is the dtype the norm is computed in and
    returned in, as PyTorch's: ``x`` is cast to it first, and the gradient cast back to ``x``'s dtype.

    Values follow PyTorch at the edges: NaN propagates (also for ``inf``/``-inf``), an empty reduction is 0 for
    ``ord >= 0`` and an error for ``ord < 0`` and ``inf`` (no identity), and values whose squares overflow give
    ``inf``. The gradient is PyTorch's, subgradients included: 0 at an all-zero input, ``sign(0) = 0``, ties of
    ``inf``/``-inf`` sharing it evenly, none for ``ord = 0`` (``x.grad`` stays None, as PyTorch's) (see
    :mod:`tinygradconv.ops.norms`).

    Args:
        x: a floating-point tensor (float16, float32, float64), any shape.
        ord: the order ``p`` (default 2).
        dim: the dimensions to reduce (default None: all).
        keepdim: keep them, with size 1.
        dtype: None (``x``'s dtype), or a wider float to compute in (a name, a NumPy or PyTorch dtype).

    Returns:
        Tensor: ``dtype`` (``x``'s dtype by default), ``x``'s shape without the reduced dimensions (with size 1
        there for ``keepdim``).

    Raises:
        TypeError: an integer or bool ``x`` (as PyTorch), an ``ord`` that is not a number (a string: PyTorch's
            ``"fro"`` is :func:`norm`'s), a ``dim`` that is not an int or tuple of ints, a ``keepdim`` not a bool,
            a ``dtype`` that is not a floating dtype (as PyTorch).
        ValueError: ``ord`` NaN; ``ord < 0`` or ``ord = inf`` over an empty dimension; a dimension named twice; a
            ``dtype`` narrower than ``x``'s (float32 for float64), as PyTorch refuses it.
        IndexError: a ``dim`` out of range (:class:`~tinygradconv.validation.AxisError`, also a ``ValueError``).

    See https://pytorch.org/docs/stable/generated/torch.linalg.vector_norm.html

    >>> import tinygradconv as tg
    >>> x = tg.tensor([[3.0, -4.0], [1.0, 0.0]])
    >>> vector_norm(x, dim=1).tolist(), vector_norm(x, 1, dim=1).tolist()
    ([5.0, 1.0], [7.0, 1.0])
    >>> vector_norm(x, float("inf"), dim=-1, keepdim=True).tolist(), vector_norm(x, 0).item()
    ([[4.0], [1.0]], 3.0)
    >>> vector_norm(tg.tensor([60000.0, 60000.0], dtype="float16"), dtype="float32").item()   # inf in float16
    84852.8125
    """
    x = x if isinstance(x, Tensor) else Tensor(x)
    axes = _reduced_dims(x, dim, "vector_norm")
    x = _computed_in(x, dtype, "vector_norm")
    return VectorNorm.apply(x, ord=_checked_ord(ord), axes=axes, keepdims=flag(keepdim, "keepdim", "vector_norm"))


def norm(x, p="fro", dim=None, keepdim=False, *, dtype=None):
    """The ``p``-norm of ``x`` over ``dim``, as ``torch.norm`` and ``torch.Tensor.norm``: :func:`vector_norm`
    with ``ord = p``, ``"fro"`` (the default, also for ``p=None``) being the 2-norm, as PyTorch reads it.

    ``"fro"`` (Frobenius) takes ``dim`` None, an int or up to two dimensions, as PyTorch (a matrix norm there); a
    number ``p`` any dimensions. ``dtype`` is :func:`vector_norm`'s: the float, not narrower than ``x``'s, that
    the norm is computed and returned in. PyTorch's nuclear norm, ``p="nuc"`` (the sum of the singular values), is not
    supported here.

    Raises:
        TypeError: a ``p`` that is not a number, a string or None (a bool too); and :func:`vector_norm`'s errors.
        ValueError: a string other than ``"fro"``, ``"fro"`` with more than two dimensions (PyTorch raises
            ``RuntimeError`` for both), and :func:`vector_norm`'s errors.

    See https://pytorch.org/docs/stable/generated/torch.norm.html

    >>> import tinygradconv as tg
    >>> x = tg.tensor([[3.0, -4.0], [1.0, 0.0]])
    >>> norm(x, dim=1).tolist(), norm(x, p=1).item(), norm(x, p=float("-inf"), dim=0).tolist()
    ([5.0, 1.0], 8.0, [1.0, 0.0])
    """
    if p is None:
        p = "fro"
    if isinstance(p, str):
        if p == "nuc":
            raise ValueError("Invalid value for argument `p` of norm: the nuclear norm (p='nuc', the sum of the "
                             "singular values) is not supported by tinygradconv. Received p='nuc'")
        if p != "fro":
            raise ValueError(f"Invalid value for argument `p` of norm: expected 'fro', a number (2, 1, inf, -inf, "
                             f"0, any real p) or None. Received p={p!r}")
        if isinstance(dim, (tuple, list)) and len(dim) > 2:
            raise ValueError(f"Invalid value for argument `dim` of norm: p='fro' takes at most 2 dimensions (a "
                             f"matrix norm, as PyTorch); use p=2 for the 2-norm over more. Received dim={dim!r}")
        p = 2
    x = _computed_in(x if isinstance(x, Tensor) else Tensor(x), dtype, "norm")
    return vector_norm(x, _checked_ord(p, "p", "norm"), dim, keepdim)
