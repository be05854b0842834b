"""Differentiable ops. Each is a :class:`~tinygradconv.autograd.Function` registered with sample inputs.

The functions here accept Tensors (or data, converted by :class:`~tinygradconv.Tensor`'s rule) and return Tensors.

>>> import tinygradconv as tg
>>> x = tg.tensor([[1.0, -2.0], [3.0, -4.0]], requires_grad=True)
>>> y = tg.ops.relu(x).sum(axis=1)
>>> y.tolist()
[1.0, 3.0]
>>> y.sum().backward()
>>> x.grad.tolist()
[[1.0, 0.0], [1.0, 0.0]]
"""
# tinygradconv.tensor imports this package at its end, once Tensor is defined, so Tensor is importable here
# (see the comment at the end of tensor.py).
from ..backend import dtype_name
from ..tensor import Tensor
from . import (  # (PyTorch's first spellings: *_like, div modes, var/std)
    conv,
    creation,
    cumulative,
    elementwise,
    exponential,
    filling,
    hyperbolic,
    linalg,
    masking,
    nan_reductions,
    normalization,
    norms,
    order_statistics,
    pooling,
    recurrent,
    reduction,
    rounded_division,
    rounding,
    shape,
    splitting,
    statistics,
    tiling,
    trigonometric,
)
from .conv import conv1d, conv1d_transpose
from .creation import full_like, ones_like, rand_like, randn_like, zeros_like
from .cumulative import cummax, cummin, cumprod, cumsum, logcumsumexp
from .elementwise import (
    Abs,
    Exp,
    Log,
    Neg,
    Relu,
    Sigmoid,
    Sqrt,
    Tanh,
    add,
    clip,
    div,
    floor_divide,
    maximum,
    minimum,
    mul,
    pow,
    reciprocal,
    remainder,
    rsqrt,
    sub,
    where,
)
from .exponential import arctan2, atan2, exp2, expm1, hypot, log1p, log2, log10, logaddexp
from .hyperbolic import acosh, arccosh, arcsinh, arctanh, asinh, atanh, cosh, sinh
from .masking import masked_fill
from .nan_reductions import count_nonzero, nanmean, nansum
from .normalization import layer_norm
from .norms import norm, vector_norm
from .order_statistics import aminmax, median
from .pooling import avg_pool1d, max_pool1d
from .reduction import logsumexp, max, mean, min, prod, sum
from .rounded_division import rounded_div
from .rounding import ceil, fix, floor, frac, round, trunc
from .shape import concat, getitem, pad, permute, reshape, stack, transpose
from .splitting import chunk, split, tensor_split, unbind
from .statistics import std, std_mean, var, var_mean
from .tiling import expand, repeat
from .trigonometric import acos, arccos, arcsin, arctan, asin, atan, cos, sign, sin, tan


def _unary(fn, doc):
    def op(x):
        return fn.apply(x if isinstance(x, Tensor) else Tensor(x))

    op.__name__ = fn.name
    op.__doc__ = doc
    return op


neg = _unary(Neg, "``-x``.")
exp = _unary(Exp, "``exp(x)`` element-wise.")
log = _unary(Log, "Natural logarithm element-wise.")
sqrt = _unary(Sqrt, "Square root element-wise.")
abs = _unary(Abs, "Absolute value element-wise.")
tanh = _unary(Tanh, "Hyperbolic tangent element-wise.")
sigmoid = _unary(Sigmoid, "Logistic sigmoid ``1 / (1 + exp(-x))`` element-wise.")
relu = _unary(Relu, "``max(x, 0)`` element-wise.")


def matmul(a, b):
    """Matrix product with NumPy's rules."""
    a = a if isinstance(a, Tensor) else Tensor(a)
    return a @ b


def square(x):
    """``x * x`` element-wise, as ``torch.square``: ``x ** 2`` (:func:`~tinygradconv.ops.elementwise.power`, with
    its gradient ``2 x`` and dtypes: an integer tensor stays integer; a bool tensor gives int64, as PyTorch).

    >>> import tinygradconv as tg
    >>> square(tg.tensor([-3.0, 0.5])).tolist()
    [9.0, 0.25]
    """
    x = x if isinstance(x, Tensor) else Tensor(x)
    if dtype_name(x.dtype) == "bool":       # PyTorch's pow(bool, 2) is int64 (ours would be float32)
        x = x.astype("int64")
    return elementwise.power(x, 2)


__all__ = [
    "abs",
    "acos",
    "acosh",
    "add",
    "aminmax",
    "arccos",
    "arccosh",
    "arcsin",
    "arcsinh",
    "arctan",
    "arctan2",
    "arctanh",
    "asin",
    "asinh",
    "atan",
    "atan2",
    "atanh",
    "avg_pool1d",
    "ceil",
    "chunk",
    "clip",
    "concat",
    "conv",
    "conv1d",
    "conv1d_transpose",
    "cos",
    "cosh",
    "count_nonzero",
    "creation",
    "cummax",
    "cummin",
    "cumprod",
    "cumsum",
    "cumulative",
    "div",
    "elementwise",
    "exp",
    "exp2",
    "expand",
    "expm1",
    "exponential",
    "filling",
    "fix",
    "floor",
    "floor_divide",
    "frac",
    "full_like",
    "getitem",
    "hyperbolic",
    "hypot",
    "layer_norm",
    "linalg",
    "log",
    "log1p",
    "log2",
    "log10",
    "logaddexp",
    "logcumsumexp",
    "logsumexp",
    "masked_fill",
    "masking",
    "matmul",
    "max",
    "max_pool1d",
    "maximum",
    "mean",
    "median",
    "min",
    "minimum",
    "mul",
    "nan_reductions",
    "nanmean",
    "nansum",
    "neg",
    "norm",
    "normalization",
    "norms",
    "ones_like",
    "order_statistics",
    "pad",
    "permute",
    "pooling",
    "pow",
    "prod",
    "rand_like",
    "randn_like",
    "reciprocal",
    "recurrent",
    "reduction",
    "relu",
    "remainder",
    "repeat",
    "reshape",
    "round",
    "rounded_div",
    "rounded_division",
    "rounding",
    "rsqrt",
    "shape",
    "sigmoid",
    "sign",
    "sin",
    "sinh",
    "split",
    "splitting",
    "sqrt",
    "square",
    "stack",
    "statistics",
    "std",
    "std_mean",
    "sub",
    "sum",
    "tan",
    "tanh",
    "tensor_split",
    "tiling",
    "transpose",
    "trigonometric",
    "trunc",
    "unbind",
    "var",
    "var_mean",
    "vector_norm",
    "where",
    "zeros_like",
]
