"""Copies along axes: ``expand`` (a dimension of size 1 stretched, or new leading dimensions) and ``repeat`` (the
whole tensor tiled), as ``torch.Tensor.expand`` and ``torch.Tensor.repeat``.

Each output element is a copy of one input element, so an input element's gradient is the sum of the gradients of
all its copies: ``expand``'s backward sums the gradient over the stretched and the new dimensions, ``repeat``'s over
the tiles.

>>> import tinygradconv as tg
>>> x = tg.tensor([[1.0], [2.0]], requires_grad=True)
>>> y = expand(x, 2, 3)
>>> y.tolist()
[[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]]
>>> repeat(x, 1, 2).tolist()
[[1.0, 1.0], [2.0, 2.0]]
>>> (y * tg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])).sum().backward()
>>> x.grad.tolist()
[[6.0], [15.0]]
"""
from __future__ import annotations

import numpy as np

from ..autograd import Function, Sample, register_op
from ..tensor import Tensor
from ..validation import integer
from .elementwise import _in_float32, special_values, unbroadcast
from .summation import accurate_sum


def _specials(*shape):
    """The special values (NaN, +-0.0, +-inf, ...) repeated into ``shape``: these ops only copy them."""
    return np.resize(special_values(), shape)


def _sizes(sizes, name, op):
    """``sizes`` (a tuple or list of ints, or one tuple/list given as the only argument) as a tuple of ints.

    Raises:
        TypeError: not a tuple or list of ints (a float, a bool, a string), naming ``name``.
    """
    if len(sizes) == 1 and (isinstance(sizes[0], (tuple, list)) or type(sizes[0]).__name__ == "Size"):
        sizes = tuple(sizes[0])           # x.expand((2, 3)), x.expand(torch.Size([2, 3])), x.repeat([2, 1])
    return _int_tuple(sizes, name, op)


def _int_tuple(sizes, name, op):
    if not isinstance(sizes, (tuple, list)):
        raise TypeError(f"Invalid type for argument `{name}` of {op}: expected a tuple of integers. Received "
                        f"{name}={sizes!r} of type {type(sizes).__name__}")
    return tuple(integer(n, name, minimum=None, shown=sizes) for n in sizes)


# ------------------------------------------------------------------------------------------------------ expand
def _expanded_shape(sizes, old):
    """The shape ``expand`` gives a tensor of shape ``old`` for the sizes ``sizes``, as ``torch.Tensor.expand``
    reads them: at least as many sizes as ``old`` has dimensions, the extra ones new leading dimensions (``>= 0``);
    the others, aligned from the end, either ``-1`` (kept), the old size, or any size ``>= 0`` where the old one
    is 1.

    Raises:
        TypeError: ``sizes`` not a tuple or list of ints.
        ValueError: fewer sizes than dimensions, ``-1`` for a new dimension, a size below ``-1``, or a size that
            differs from an old size other than 1 (PyTorch raises ``RuntimeError`` for these).

    >>> _expanded_shape((2, -1, 4), (3, 1))
    (2, 3, 4)
    """
    sizes = _int_tuple(sizes, "sizes", "expand")
    new = len(sizes) - len(old)
    if new < 0:
        raise ValueError(f"Invalid value for argument `sizes` of expand: expected at least as many sizes as the "
                         f"tensor has dimensions ({len(old)}, shape {old}). Received sizes={sizes!r}")
    result = []
    for i, n in enumerate(sizes):
        before = old[i - new] if i >= new else None      # None: a new leading dimension
        if n == -1 and before is not None:
            n = before
        elif n < 0:
            where = "a new leading dimension" if before is None else f"dimension {i - new}"
            raise ValueError(f"Invalid value for argument `sizes` of expand: size {n} for {where} (only an "
                             f"existing dimension may be -1, meaning its own size). Received sizes={sizes!r}")
        elif before is not None and before != 1 and n != before:
            raise ValueError(f"Invalid value for argument `sizes` of expand: the size of dimension {i - new} is "
                             f"{before}, which only -1 or {before} keeps (only a dimension of size 1 can be "
                             f"expanded). Received sizes={sizes!r} for a tensor of shape {old}")
        result.append(n)
    return tuple(result)


def _expand_samples(rng):
    n = rng.standard_normal
    return [Sample((n((3, 1)),), {"sizes": (2, 3, 4)}), Sample((n((1, 3)),), {"sizes": (4, -1)}),
            Sample((np.asarray(n()),), {"sizes": (2, 2)}), Sample((n((2, 3)),), {"sizes": (2, 3)})]


def _expand_special_points(rng):
    return [Sample((_specials(4, 1),), {"sizes": (2, 4, 3)}), Sample((_specials(1, 6),), {"sizes": (0, 6)}),
            Sample((np.asarray(np.nan),), {"sizes": (3,)}), Sample((np.asarray(-0.0),), {"sizes": ()}),
            Sample((np.zeros((0, 1)),), {"sizes": (2, 0, 3)})]


@register_op("expand", samples=_expand_samples, special_points=_expand_special_points)
class Expand(Function):
    """``a`` stretched to ``sizes`` (the op behind :func:`expand`): every dimension of size 1 repeated to the size
    asked for, and new leading dimensions added; the backward sums the gradient over both
    (:func:`~tinygradconv.ops.elementwise.unbroadcast`, the gradient of broadcasting)."""

    view_of_input = True       # (a view, as PyTorch's: in_place.VIEW_OPS)

    @staticmethod
    def forward(ctx, a, sizes):
        ctx.shape = tuple(a.shape)
        target = _expanded_shape(sizes, ctx.shape)
        # a copy of its own: NumPy's broadcast_to is a read-only view, and a tensor's array is written by t[i] = v
        return ctx.xp.astype(ctx.xp.broadcast_to(a, target), a.dtype, copy=True)

    @staticmethod
    def backward(ctx, grad):
        return unbroadcast(ctx.xp, grad, ctx.shape)


def expand(x, *sizes):
    """``x`` with its dimensions of size 1 repeated to ``sizes``, and new leading dimensions, as
    ``torch.Tensor.expand``.

    ``sizes`` are given one by one (``expand(x, 2, 3)``) or as one tuple or list. There are at least as many as
    ``x`` has dimensions: the extra ones come first and add new dimensions (of any size ``>= 0``); the others are
    aligned with ``x``'s dimensions from the end, and each is ``-1`` (keep the size), the size itself, or, for a
    dimension of size 1, any size ``>= 0``. Same dtype.

    Gradient: each input element is copied to every position along the stretched dimensions, so its gradient is
    the sum of the output gradient over them (and over the new dimensions).

    Difference from PyTorch: PyTorch's ``expand`` returns a view that shares memory with ``x`` (its stretched
    dimensions have stride 0, and writing into it is refused); here the result is a copy, with the same values and
    gradients.

    Args:
        x: the tensor, of shape ``(n_1, ..., n_k)``.
        *sizes: the sizes, ``(m_1, ..., m_j)`` with ``j >= k``.

    Returns:
        Tensor: of shape ``sizes`` (with each ``-1`` replaced by the size it keeps), ``x``'s dtype.

    Raises:
        TypeError: a size that is not an int, or no sizes (as PyTorch).
        ValueError: fewer sizes than dimensions, ``-1`` for a new dimension, a size below ``-1``, or a size that
            changes a dimension whose size is not 1 (PyTorch raises ``RuntimeError`` for these).

    See https://pytorch.org/docs/stable/generated/torch.Tensor.expand.html

    >>> import tinygradconv as tg
    >>> x = tg.tensor([[1.0, 2.0, 3.0]])
    >>> expand(x, 2, -1).tolist(), expand(x, (2, 1, 3)).shape, expand(tg.tensor(5.0), 2).tolist()
    ([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]], (2, 1, 3), [5.0, 5.0])
    """
    x = x if isinstance(x, Tensor) else Tensor(x)
    if not sizes:
        raise TypeError("Invalid type for argument `sizes` of expand: missing; give the new shape, e.g. "
                        "x.expand(2, -1), or x.expand(()) for a rank-0 tensor (PyTorch requires it too)")
    return Expand.apply(x, sizes=_sizes(sizes, "sizes", "expand"))


# ------------------------------------------------------------------------------------------------------ repeat
def _checked_repeats(repeats, ndim):
    repeats = _int_tuple(repeats, "repeats", "repeat")
    if len(repeats) < ndim:
        raise ValueError(f"Invalid value for argument `repeats` of repeat: expected at least as many repeats as the "
                         f"tensor has dimensions ({ndim}). Received repeats={repeats!r}")
    if any(n < 0 for n in repeats):
        raise ValueError(f"Invalid value for argument `repeats` of repeat: expected integers >= 0. Received "
                         f"repeats={repeats!r}")
    return repeats


def _repeat_samples(rng):
    n = rng.standard_normal
    return [Sample((n((2, 3)),), {"repeats": (2, 3)}), Sample((n((2, 3)),), {"repeats": (2, 1, 2)}),
            Sample((np.asarray(n()),), {"repeats": (3,)}), Sample((n((3,)),), {"repeats": (1,)})]


def _repeat_special_points(rng):
    return [Sample((_specials(2, 5),), {"repeats": (2, 1, 3)}), Sample((_specials(3),), {"repeats": (0,)}),
            Sample((np.asarray(np.inf),), {"repeats": (2, 2)}), Sample((np.asarray(-0.0),), {"repeats": ()}),
            Sample((np.zeros((0, 2)),), {"repeats": (3, 2)})]


@register_op("repeat", samples=_repeat_samples, special_points=_repeat_special_points)
class Repeat(Function):
    """``a`` tiled ``repeats[i]`` times along dimension ``i`` (the op behind :func:`repeat`); extra leading
    repeats add new dimensions. The backward adds the gradients of the tiles: the gradient of shape
    ``(r_1 n_1, ..., r_k n_k)`` is viewed as ``(r_1, n_1, ..., r_k, n_k)`` and summed over the ``r`` axes."""

    @staticmethod
    def forward(ctx, a, repeats):
        xp = ctx.xp
        repeats = _checked_repeats(repeats, a.ndim)
        ctx.shape = tuple(a.shape)
        padded = (1,) * (len(repeats) - a.ndim) + ctx.shape       # the new leading dimensions first, of size 1
        ctx.padded, ctx.repeats = padded, repeats
        return xp.tile(xp.reshape(a, padded), repeats)

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        tiles = tuple(n for pair in zip(ctx.repeats, ctx.padded) for n in pair)     # (r_1, n_1, r_2, n_2, ...)
        axes = tuple(range(0, len(tiles), 2))
        summed = _in_float32(xp, lambda g: accurate_sum(xp, xp.reshape(g, tiles), axis=axes), grad)
        return xp.reshape(summed, ctx.shape)


def repeat(x, *repeats):
    """``x`` tiled: repeated ``repeats[i]`` times along dimension ``i``, as ``torch.Tensor.repeat`` (NumPy's
    ``np.tile``; not NumPy's ``np.repeat``, which repeats each element, PyTorch's ``repeat_interleave``).

    ``repeats`` are given one by one (``repeat(x, 2, 1)``) or as one tuple or list, at least as many as ``x`` has
    dimensions; extra ones come first and add new leading dimensions. A repeat of 0 gives an empty dimension.
    Output dimension ``i`` has size ``repeats[i] * n_i`` and element ``y[..., j, ...] = x[..., j % n_i, ...]``.

    Gradient: the sum of the output gradient over the tiles.

    Args:
        x: the tensor, of shape ``(n_1, ..., n_k)``.
        *repeats: ``(r_1, ..., r_j)``, integers ``>= 0``, ``j >= k``.

    Returns:
        Tensor: of shape ``(r_1 n_1, ..., r_j n_j)`` (``n_i = 1`` for the new leading dimensions), ``x``'s dtype.

    Raises:
        TypeError: a repeat that is not an int, or no repeats (as PyTorch).
        ValueError: fewer repeats than dimensions, or a negative one (PyTorch raises ``RuntimeError``).

    See https://pytorch.org/docs/stable/generated/torch.Tensor.repeat.html

    >>> import tinygradconv as tg
    >>> x = tg.tensor([[1.0, 2.0]])
    >>> repeat(x, 2, 2).tolist(), repeat(x, (3, 1, 1)).shape
    ([[1.0, 2.0, 1.0, 2.0], [1.0, 2.0, 1.0, 2.0]], (3, 1, 2))
    """
    x = x if isinstance(x, Tensor) else Tensor(x)
    if not repeats:
        raise TypeError("Invalid type for argument `repeats` of repeat: missing; give one per dimension, e.g. "
                        "x.repeat(2, 1) (as PyTorch requires them)")
    return Repeat.apply(x, repeats=_sizes(repeats, "repeats", "repeat"))
