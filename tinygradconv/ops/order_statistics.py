"""Order statistics: the medians, ``aminmax``, and the ``(values, indices)`` results that these and
:func:`~.cumulative.cummax`/``cummin`` return.

==============  =============================================  ==================================================
function        value (PyTorch 2.13, and Keras 3 where named)  gradient
==============  =============================================  ==================================================
``median``      Keras: the mean of the two middle values       0.5 to each (1 to the middle of an odd slice)
``t.median()``  PyTorch: the lower middle value;               to the index (split evenly between ties when no
                ``(values, indices)`` with a ``dim``           ``dim`` is given, as PyTorch)
``aminmax``     ``(min, max)``                                 those of :func:`~.reduction.min` / ``max``
==============  =============================================  ==================================================

Keras' ``keras.ops.median`` and PyTorch's ``torch.median`` differ for an even count: Keras averages the two
middle values (``median([1, 2, 3, 4]) = 2.5``), PyTorch takes the lower (``2``). ``tg.ops.median`` follows Keras
(float32 for integers, as Keras), the Tensor method ``t.median()`` follows PyTorch (its dtype kept). Both give NaN
for a slice that holds a NaN (PyTorch's index is then that of the first NaN).

PyTorch returns such pairs as named tuples (``torch.return_types.median``, ``cummax``, ``aminmax``, ...):
:class:`ValuesIndices` and :class:`MinMax` are the same here, tuples to unpack with the fields' names.

>>> import tinygradconv as tg
>>> x = tg.tensor([[1.0, 2.0, 3.0, 4.0], [5.0, 1.0, 3.0, 9.0]])
>>> median(x, axis=1).tolist(), x.median(dim=1).values.tolist()
([2.5, 4.0], [2.0, 3.0])
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from ..autograd import Function, Sample, register_op
from ..backend import dtype_name
from ..in_place import check_writes_of
from ..tensor import Tensor
from ..validation import dim_index, flag
from .elementwise import _as_tensor, is_floating
from .reduction import _checked, _kept_shape, max, min


class ValuesIndices(NamedTuple):
    """``(values, indices)``, as PyTorch's ``torch.return_types.median``, ``cummax`` and ``cummin``: unpack it, or
    read ``.values`` (with the gradient) and ``.indices`` (int64, no gradient)."""

    values: Tensor
    indices: Tensor


class MinMax(NamedTuple):
    """``(min, max)``, as PyTorch's ``torch.return_types.aminmax``."""

    min: Tensor
    max: Tensor


def values_with_indices(fn, x, **attributes):
    """``fn.apply(x, **attributes)`` and the indices its forward pass found, as a :class:`ValuesIndices`.

    ``Function.apply`` returns one Tensor, the one the gradient flows through; the indices (no gradient) are a
    second result of the same forward pass, so ``fn.forward`` appends them to the list it receives as ``found``,
    where they are read here.

    The backward pass reads those indices back (the gradient goes to them), and the user holds them too: PyTorch's
    node saves them, so a write of them in place before the backward pass (``idx[0] = 2``, ``idx.add_(1)``)
    refuses it ("modified by an inplace operation") rather than send the gradient to the new positions. So here:
    the indices are checked for writes as a saved array (:func:`~tinygradconv.in_place.check_writes_of`).

    >>> import tinygradconv as tg
    >>> x = tg.tensor([1.0, 3.0, 2.0], requires_grad=True)
    >>> values, indices = x.cummax(0)
    >>> indices[0] = 2
    >>> values.sum().backward()
    Traceback (most recent call last):
    ...
    RuntimeError: one of the variables needed for gradient computation has been modified by an inplace operation: ...
    """
    found = []
    values = fn.apply(x, found=found, **attributes)
    indices = Tensor._make(found[0], values.backend, False, None)
    return ValuesIndices(check_writes_of(values, indices), indices)


def aminmax(x, *, dim=None, keepdim=False):
    """``(min, max)`` over ``dim`` (every dimension by default), as ``torch.aminmax``: the gradients of
    ``torch.amin``/``torch.amax`` (split evenly between ties; NaN throughout a slice holding NaN, even with no
    ``dim``, as PyTorch's ``aminmax``).

    Raises:
        ValueError: an empty tensor (or an empty ``dim``), whose extremes have no identity (PyTorch raises too).

    >>> import tinygradconv as tg
    >>> low, high = aminmax(tg.tensor([[1.0, 5.0], [3.0, 2.0]]), dim=1)
    >>> low.tolist(), high.tolist()
    ([1.0, 2.0], [5.0, 3.0])
    """
    x = _as_tensor(x)
    keepdim = flag(keepdim, "keepdim", "aminmax")
    axes = tuple(range(x.ndim)) if dim is None else (dim_index(dim, x.ndim, "aminmax"),)
    if x.ndim == 0:
        axes = ()
    if any(x.shape[a] == 0 for a in axes) or (x.size == 0 and not axes):
        raise ValueError(f"Invalid value for argument `x` of aminmax: the tensor of shape {x.shape} is empty along "
                         f"the reduced dims, and min/max of nothing is undefined (as PyTorch). Received dim={dim!r}")
    return MinMax(min(x, axis=axes, keepdims=keepdim), max(x, axis=axes, keepdims=keepdim))


# ------------------------------------------------------------------------------------------- medians
def _median_samples(rng):
    x = rng.standard_normal((3, 5, 4))
    return [Sample((x,), {"axis": 1}), Sample((x,), {"axis": -1, "keepdims": True}), Sample((x,), {"axis": None}),
            Sample((np.asarray(0.3),), {"axis": None}), Sample((x[0],), {"axis": 0, "which": "upper"})]


def _median_special_points(rng):
    nan, inf = np.nan, np.inf
    rows = np.array([[3.0, 1.0, 2.0, 4.0, 0.5], [2.0, 1.0, 2.0, 2.0, 1.0], [1.0, nan, 2.0, nan, 0.0],
                     [-inf, inf, 0.0, -0.0, 1.0], [0.0, -0.0, 0.0, -0.0, 0.0], [inf, inf, -inf, 1.0, 2.0]])
    return [Sample((rows,), {"axis": 1}), Sample((rows[:, :4].copy(),), {"axis": 1, "keepdims": True}),
            Sample((rows[:2],), {"axis": None}), Sample((rows[1:3],), {"axis": None}),
            Sample((np.array([2.0, 2.0, 1.0]),), {"axis": None}), Sample((np.asarray(nan),), {"axis": None}),
            Sample((np.asarray(-0.0),), {"axis": 0}), Sample((np.zeros((0, 3)),), {"axis": 1})]


@register_op("median", samples=_median_samples, special_points=_median_special_points)
class Median(Function):
    """The lower middle value of each slice along ``axis``, as ``torch.median`` (``which="upper"``: the upper one,
    which :func:`median` averages with it, as Keras). ``axis=None``: the whole input, flattened.

    Found by a stable ``argsort`` (NaN last): the value at position ``(n - 1) // 2`` of the order (``n // 2`` for
    the upper), NaN with the index of the first NaN where the slice holds one, as PyTorch. Among equal values the
    stable order's index is returned; PyTorch documents its index among ties as unspecified (its CPU kernel
    agreed on the cases tried). An empty input with ``axis=None`` gives NaN, as ``torch.median`` of an empty
    tensor; :func:`torch_median` refuses a ``dim`` of size 0, as PyTorch (no index to return), and Keras'
    :func:`median` gives NaN there.
    The gradient goes to the index; with ``axis=None`` it is split evenly between the elements equal to the
    median (the NaN elements, for a NaN median), as PyTorch's ``t.median()`` (``evenly_distribute_backward``).
    ``ctx.indices`` keeps the int64 indices.
    """

    @staticmethod
    def forward(ctx, a, axis, keepdims=False, which="lower", found=None):
        xp = ctx.xp
        keepdims = flag(keepdims, "keepdims", "median")
        if which not in ("lower", "upper"):
            raise ValueError(f"Invalid value for argument `which` of median: expected 'lower' or 'upper', "
                             f"received which={which!r}")
        ctx.shape, ctx.keepdims = a.shape, keepdims
        whole = axis is None
        if whole:
            a = xp.reshape(a, (-1,))
            axis = 0
        elif a.ndim == 0:
            dim_index(axis, 0, "median", name="axis")
            a = xp.reshape(a, (1,))
            axis = 0
        else:
            axis = dim_index(axis, a.ndim, "median", name="axis")
        ctx.whole, ctx.axis = whole, axis
        n = a.shape[axis]
        if n == 0:
            indices = xp.zeros(_kept_shape(a.shape, (axis,)), dtype=xp.int64)
            values = xp.full(indices.shape, float("nan"), dtype=a.dtype if is_floating(a) else xp.float32)
        else:
            order = xp.argsort(a, axis=axis, stable=True)
            k = (n - 1) // 2 if which == "lower" else n // 2
            indices = xp.take(order, xp.asarray([k]), axis=axis) if a.ndim == 1 else \
                order[tuple(slice(k, k + 1) if i == axis else slice(None) for i in range(a.ndim))]
            values = xp.take_along_axis(a, indices, axis=axis)
            if is_floating(a):
                nan = xp.isnan(a)
                has_nan = xp.any(nan, axis=axis, keepdims=True)
                first_nan = xp.argmax(xp.astype(nan, xp.int8), axis=axis, keepdims=True)
                indices = xp.where(has_nan, xp.astype(first_nan, xp.int64), indices)
                values = xp.where(has_nan, xp.full_like(values, float("nan")), values)
        ctx.values, ctx.kept = values, indices.shape
        # what a write in place since the forward pass refuses, as PyTorch: the input and the result with no axis
        # (its values read back), only the indices with an axis (`a` then gives its shape, not its values)
        ctx.save_for_backward(a, values) if whole else ctx.save_for_backward(a)
        ctx.values_read = None if whole else (False,)
        if whole:
            out_shape = (1,) * len(ctx.shape) if keepdims else ()
        elif not ctx.shape:                 # a rank-0 input: rank 0, keepdims or not (as PyTorch)
            out_shape = ()
        else:
            out_shape = indices.shape if keepdims else tuple(n for i, n in enumerate(a.shape) if i != axis)
        ctx.indices = xp.reshape(xp.astype(indices, xp.int64), out_shape)
        if found is not None:           # the second result (see values_with_indices)
            found.append(ctx.indices)
        return xp.reshape(values, out_shape)

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        a = ctx.saved_tensors[0]
        grad = xp.reshape(grad, ctx.kept)
        if ctx.whole:           # PyTorch's evenly_distribute_backward
            value = ctx.values
            mask = xp.isnan(a) if bool(xp.any(xp.isnan(value))) else a == value
            count = xp.sum(xp.astype(mask, grad.dtype))
            out = xp.where(mask, xp.broadcast_to(grad / count, a.shape), xp.zeros(a.shape, dtype=grad.dtype))
        else:
            shape = [1] * a.ndim
            shape[ctx.axis] = a.shape[ctx.axis]
            positions = xp.reshape(xp.arange(a.shape[ctx.axis], dtype=xp.int64), tuple(shape))
            indices = xp.reshape(ctx.indices, ctx.kept)
            out = xp.where(positions == indices, xp.broadcast_to(grad, a.shape), xp.zeros(a.shape, dtype=grad.dtype))
        return xp.reshape(out, ctx.shape)


def torch_median(x, dim=None, keepdim=False):
    """PyTorch's median (``torch.median``, the ``t.median()`` method): with no ``dim`` the lower middle value of
    every element (rank 0); with a ``dim`` a ``(values, indices)`` pair (``.values``, ``.indices``), the indices
    int64. Integers keep their dtype. See :class:`Median` for NaN, ties and the gradient.

    Raises:
        TypeError: a bool tensor, as PyTorch ("median_cpu" is not implemented for bool; ``tg.ops.median``, Keras',
            takes bools as float32).
        ValueError: a ``dim`` along which the tensor is empty (PyTorch raises too: no index to return).

    >>> import tinygradconv as tg
    >>> torch_median(tg.tensor([3.0, 1.0, 2.0, 4.0])).item()
    2.0
    >>> values, indices = torch_median(tg.tensor([[1.0, 2.0, 2.0, 5.0], [float("nan"), 1.0, 2.0, 3.0]]), dim=1)
    >>> values.tolist(), indices.tolist()
    ([2.0, nan], [1, 0])
    """
    x = _as_tensor(x)
    keepdim = flag(keepdim, "keepdim", "median")
    if dtype_name(x.dtype) == "bool":
        raise TypeError("Invalid type for argument `x` of median: expected a number tensor; a bool tensor has no "
                        "median in PyTorch (torch.median raises NotImplementedError for Bool). Received dtype "
                        "bool; cast it first, e.g. x.astype('uint8').median()")
    if dim is None:
        return Median.apply(x, axis=None)
    if x.ndim and x.shape[dim_index(dim, x.ndim, "median")] == 0:
        raise ValueError(f"Invalid value for argument `x` of median: the tensor of shape {x.shape} is empty along "
                         f"dim={dim!r}, so no slice has a middle value and no index to return (PyTorch raises "
                         f"too). Received dim={dim!r}")
    return values_with_indices(Median, x, axis=dim, keepdims=keepdim)


def median(x, axis=None, keepdims=False):
    """The median over ``axis`` (None: every element; an int or a tuple of ints), as ``keras.ops.median``: the
    mean of the two middle values of an even count (``median([1, 2, 3, 4]) = 2.5``, where ``torch.median`` and
    ``t.median()`` give 2), NaN for a slice holding NaN. Integers and bools give float32, as Keras 3. The
    gradient is 0.5 to each middle element (1 to the middle of an odd count).

    Raises:
        ValueError: an empty ``x`` (a 0 in its shape), whatever the ``axis``: Keras 3.15 on torch raises for every
            empty input (torch's ``quantile()``: "input tensor must be non-empty"), even along an axis that is not
            empty (``median(zeros((0, 3)), axis=1)``), where NumPy gives NaN or an empty result.

    >>> median([[1.0, 2.0, 3.0, 4.0], [5.0, 1.0, 3.0, 9.0]], axis=1).tolist()
    [2.5, 4.0]
    """
    x = _as_tensor(x)
    keepdims = flag(keepdims, "keepdims", "median")
    if 0 in x.shape:
        if axis is not None:        # a bad axis is reported as such first
            _checked("median", x.data, tuple(axis) if isinstance(axis, (tuple, list)) else (axis,), False)
        raise ValueError(f"Invalid value for argument `x` of median: an empty tensor of shape {x.shape} (with "
                         f"axis={axis!r}) has no median; Keras 3 on torch raises for every empty input, along an "
                         f"axis that is not empty too. Received x of shape {x.shape}")
    if not is_floating(x):
        x = x.astype("float32")
    if axis is None:
        axis = tuple(range(x.ndim))
    if not isinstance(axis, (tuple, list)):
        return _mean_of_middles(x, axis, keepdims)
    # several axes (or all of them): moved to the end and flattened into one, the median taken along it
    shape = x.shape
    axes = _checked("median", x.data, tuple(axis), False)[0]
    kept = [i for i in range(x.ndim) if i not in axes]
    flat = x.permute(*kept, *axes).reshape(*[shape[i] for i in kept], math.prod(shape[i] for i in axes))
    out = _mean_of_middles(flat, -1, False)
    return out.reshape(_kept_shape(shape, axes)) if keepdims else out


def _mean_of_middles(x, axis, keepdims):
    """Keras' median along one ``axis``: the mean of the lower and the upper middle value (the same one, counted
    twice, for an odd count)."""
    lower = Median.apply(x, axis=axis, keepdims=keepdims)
    upper = Median.apply(x, axis=axis, keepdims=keepdims, which="upper")
    return (lower + upper) * 0.5
