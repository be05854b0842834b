"""Cutting a tensor into consecutive pieces along one dimension: ``split`` (pieces of a given size, or of the
sizes listed), ``chunk`` (a given number of nearly equal pieces) and ``unbind`` (every index, the dimension
removed), as ``torch.split``, ``torch.chunk`` and ``torch.unbind``.

Each piece is a slice ``x[..., start:stop, ...]`` (:func:`~tinygradconv.ops.shape.getitem`), so each has the
gradient of a slice: its output gradient placed back where the piece came from, zeros elsewhere. The pieces
together cover ``x`` once, so ``concat(pieces, dim)`` is ``x`` again.

>>> import tinygradconv as tg
>>> x = tg.tensor([1.0, 2.0, 3.0, 4.0, 5.0], requires_grad=True)
>>> [p.tolist() for p in split(x, 2)], [p.tolist() for p in chunk(x, 2)]
([[1.0, 2.0], [3.0, 4.0], [5.0]], [[1.0, 2.0, 3.0], [4.0, 5.0]])
>>> first, second = split(x, [1, 4])
>>> (first.sum() + 2 * second.sum()).backward()
>>> x.grad.tolist()
[1.0, 2.0, 2.0, 2.0, 2.0]
"""
from __future__ import annotations

from ..tensor import Tensor
from ..validation import AxisError, _is_integer, dim_index, integer
from .shape import getitem


def _pieces(x, sizes, dim):
    """The consecutive slices of ``x`` along dimension ``dim`` (an index ``>= 0``) of the lengths ``sizes``."""
    pieces, start = [], 0
    before = (slice(None),) * dim
    for n in sizes:
        pieces.append(getitem(x, before + (slice(start, start + n),)))
        start += n
    return tuple(pieces)


def _dimension(x, dim, op):
    """``dim`` as an index into ``x``'s dimensions; a rank-0 ``x`` has none to cut (as PyTorch)."""
    if x.ndim == 0:
        raise ValueError(f"Invalid value for argument `x` of {op}: expected a tensor of at least 1 dimension (as "
                         f"PyTorch); received a rank-0 tensor. Reshape it first, e.g. x.reshape(1)")
    return dim_index(dim, x.ndim, op)


def split(x, split_size_or_sections, dim=0):
    """``x`` cut along dimension ``dim`` into consecutive pieces, as ``torch.split``: a tuple of tensors.

    ``split_size_or_sections`` is an int, the size of every piece (the last one smaller when it does not divide
    the dimension's size ``n``: ``ceil(n / size)`` pieces), or a list or tuple of sizes, which must add up to ``n``
    (a size may be 0: an empty piece). A dimension of size 0 gives one empty piece for an int size.

    Gradient: that of each slice (:func:`~tinygradconv.ops.shape.getitem`).

    Args:
        x: the tensor, of at least 1 dimension.
        split_size_or_sections: an int ``>= 1`` (0 only for a dimension of size 0), or a list/tuple of ints
            ``>= 0``.
        dim: the dimension to cut, negative counting from the end.

    Returns:
        tuple of Tensor: the pieces, of ``x``'s shape but along ``dim``, and ``x``'s dtype.

    Raises:
        TypeError: a size that is not an int (a float, a bool), a ``dim`` that is not an int.
        ValueError: a negative size, sizes that do not add up to the dimension's size, a size of 0 for a
            non-empty dimension, or a rank-0 ``x`` (PyTorch raises ``RuntimeError`` for these).
        IndexError: a ``dim`` out of range (:class:`~tinygradconv.validation.AxisError`, also a ``ValueError``).

    See https://pytorch.org/docs/stable/generated/torch.split.html

    >>> import numpy as np
    >>> import tinygradconv as tg
    >>> x = tg.tensor(np.arange(6.0).reshape(2, 3))
    >>> [p.shape for p in split(x, 2, dim=1)], [p.tolist() for p in split(x, (1, 2), dim=-1)][1]
    ([(2, 2), (2, 1)], [[1.0, 2.0], [4.0, 5.0]])
    """
    x = x if isinstance(x, Tensor) else Tensor(x)
    axis = _dimension(x, dim, "split")
    n = x.shape[axis]
    given = split_size_or_sections
    if isinstance(given, (tuple, list)):
        sizes = tuple(integer(s, "split_size_or_sections", minimum=0, shown=given) for s in given)
        if sum(sizes) != n:
            raise ValueError(f"Invalid value for argument `split_size_or_sections` of split: the sizes must add up "
                             f"to {n}, the size of dimension {axis} of the tensor of shape {x.shape}. Received "
                             f"split_size_or_sections={given!r}")
        return _pieces(x, sizes, axis)
    if not _is_integer(given):
        raise TypeError(f"Invalid type for argument `split_size_or_sections` of split: expected an int or a list "
                        f"or tuple of ints. Received split_size_or_sections={given!r} of type {type(given).__name__}")
    size = integer(given, "split_size_or_sections", minimum=0)
    if size == 0 and n:
        raise ValueError(f"Invalid value for argument `split_size_or_sections` of split: a size of 0 cuts only a "
                         f"dimension of size 0 (as PyTorch); dimension {axis} has size {n}. Received "
                         f"split_size_or_sections=0")
    if n == 0:
        return _pieces(x, (0,), axis)
    return _pieces(x, (size,) * (n // size) + ((n % size,) if n % size else ()), axis)


def chunk(x, chunks, dim=0):
    """``x`` cut along dimension ``dim`` into at most ``chunks`` pieces of nearly equal size, as ``torch.chunk``.

    Each piece has ``ceil(n / chunks)`` elements along ``dim`` (``n`` its size) but the last, which may be smaller,
    so there may be fewer than ``chunks`` pieces: 6 in 4 chunks gives 3 pieces of 2, as in PyTorch
    (``split(x, ceil(n / chunks), dim)``). A dimension of size 0 gives ``chunks`` empty pieces.

    Gradient: that of each slice (:func:`~tinygradconv.ops.shape.getitem`).

    Args:
        x: the tensor, of at least 1 dimension.
        chunks: the number of pieces wanted, an int ``>= 1``.
        dim: the dimension to cut, negative counting from the end.

    Returns:
        tuple of Tensor: the pieces.

    Raises:
        TypeError: a ``chunks`` or ``dim`` that is not an int (a bool neither, as PyTorch).
        ValueError: ``chunks < 1``, a rank-0 ``x`` (PyTorch raises ``RuntimeError``).
        IndexError: a ``dim`` out of range (:class:`~tinygradconv.validation.AxisError`, also a ``ValueError``).

    See https://pytorch.org/docs/stable/generated/torch.chunk.html

    >>> import tinygradconv as tg
    >>> x = tg.tensor([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    >>> [p.tolist() for p in chunk(x, 4)]
    [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]
    """
    x = x if isinstance(x, Tensor) else Tensor(x)
    chunks = integer(chunks, "chunks", minimum=1)
    axis = _dimension(x, dim, "chunk")
    n = x.shape[axis]
    if n == 0:
        return _pieces(x, (0,) * chunks, axis)
    return split(x, -(-n // chunks), axis)


def unbind(x, dim=0):
    """``x`` cut along dimension ``dim`` into its ``n`` slices, that dimension removed, as ``torch.unbind``: the
    tuple ``(x[..., 0, ...], ..., x[..., n - 1, ...])`` (``dim`` the position of the index), empty for a dimension
    of size 0. ``stack(unbind(x, dim), dim)`` is ``x`` again.

    Gradient: that of each slice (:func:`~tinygradconv.ops.shape.getitem`): its output gradient placed back at its
    index, zeros elsewhere, summed over the slices used.

    Args:
        x: the tensor, of at least 1 dimension.
        dim: the dimension to cut, negative counting from the end (default 0).

    Returns:
        tuple of Tensor: ``n`` tensors of ``x``'s shape without dimension ``dim``, and ``x``'s dtype.

    Raises:
        TypeError: a ``dim`` that is not an int (a bool, a float or None neither, as PyTorch).
        IndexError: a ``dim`` out of range, or any ``dim`` of a rank-0 ``x`` (as PyTorch: "Dimension specified as 0
            but tensor has no dimensions"); an :class:`~tinygradconv.validation.AxisError`, also a ``ValueError``.

    See https://pytorch.org/docs/stable/generated/torch.unbind.html

    >>> import numpy as np
    >>> import tinygradconv as tg
    >>> x = tg.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    >>> [p.tolist() for p in unbind(x)], [p.tolist() for p in unbind(x, dim=-1)]
    ([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]], [[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]])
    >>> first, second = unbind(x)
    >>> (first + 2 * second).sum().backward()
    >>> x.grad.tolist()
    [[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]]
    """
    x = x if isinstance(x, Tensor) else Tensor(x)
    if x.ndim == 0:
        dim_index(dim, 0, "unbind")                   # a TypeError for a dim that is not an int, as PyTorch
        raise AxisError(f"unbind: Dimension specified as {dim!r} but the tensor has no dimensions (rank 0, as "
                        f"PyTorch refuses it); reshape it first, e.g. x.reshape(1)")
    axis = dim_index(dim, x.ndim, "unbind")
    before = (slice(None),) * axis
    return tuple(getitem(x, before + (i,)) for i in range(x.shape[axis]))
