r"""Sums of floating-point arrays as accurate as PyTorch's, along any axis.

Adding ``n`` numbers one after the other in floating point can be off by about ``n * eps`` of the sum (``eps`` the
precision: ``6e-8`` in float32), because each partial sum is rounded; adding them in pairs, then pairs of pairs
(*pairwise* summation: N. J. Higham, "The accuracy of floating point summation", SIAM J. Sci. Comput. 14, 1993),
keeps the error near ``log2(n) * eps``. PyTorch's CPU ``sum`` adds in such a cascade along every axis. NumPy adds
pairwise only along the axis its loop runs over in memory order: a C-ordered ``(n, m)`` array summed over axis 0 is
added row after row. Summing a million float32 values of 0.1 down axis 0 then gives 100958.34 (1 % off), where
PyTorch gives 99999.945:

>>> import numpy as np
>>> x = np.full((10**6, 2), 0.1, np.float32)
>>> float(np.sum(x, axis=0)[0]), float(accurate_sum(np, x, axis=0)[0])
(100958.34375, 99999.9765625)

:func:`accurate_sum` therefore leaves to NumPy the sums it adds pairwise (every axis of a contiguous array, or the
trailing axes of a C-ordered one), sums every axis of a strided view from a C-ordered copy, and adds along the
other axes by halving: the first half of the rows plus the second, and again (on
a view with the axis moved first: nothing is copied). It does so on the CPU only (NumPy and array-api-strict):
CuPy's reductions add in a tree on every axis already. A float16 array is summed with a float32 accumulator (in
NumPy's order) and rounded once to float16, as PyTorch's CPU ``sum`` computes half precision: NumPy's own float16
sum rounds each partial sum, and along a non-last axis stops growing at 2048 ones; the float32 sums carry far less
error than float16 can show, and in NumPy's order they matched PyTorch's float16 sums bit for bit in the tests,
where pairs in another order rounded a float32 sum lying near a float16 tie the other way. Integer arrays are summed
as they are (exactly).
"""
from __future__ import annotations

import math

import numpy as np

from ..backend import dtype_name
from .conv_batching import on_cpu

__all__ = ["accurate_sum"]

#: Up to this many terms are added one after the other (an error of up to this many roundings, twice what a sum of 16
#: terms in PyTorch's cascade and in NumPy's unrolled pairwise loop has): halving pays only for longer sums, and costs
#: a few microseconds a step, which a batch of 32 (a bias's gradient, in every training step) need not pay.
PLAIN_ROWS = 32


def accurate_sum(xp, a, axis=None, keepdims=False):
    """``xp.sum(a, axis=axis, keepdims=keepdims)``: float32 and float64 added pairwise on the CPU along every
    summed axis, float16 with a float32 accumulator (see the module's docstring).

    Args:
        xp: the array namespace of ``a``.
        a: an array of any shape and dtype.
        axis: ``None`` (every axis), an axis or a tuple of distinct non-negative axes, as the Array API's ``sum``
            takes them (the ops check and normalise their axes before).
        keepdims: keep the summed axes, with length 1.

    Returns:
        The sum, of ``a``'s dtype for floating-point ``a`` (as ``xp.sum``, its own rule for integers).

    >>> import numpy as np
    >>> x = np.array([[2048.0, 0.0], [1.0, 0.0], [1.0, 0.0]], dtype=np.float16)
    >>> np.sum(x, axis=0).tolist(), accurate_sum(np, x, axis=0).tolist()
    ([2048.0, 0.0], [2050.0, 0.0])
    """
    axes = tuple(range(a.ndim)) if axis is None else (axis,) if isinstance(axis, int) else tuple(axis)
    if len(axes) == a.ndim and type(a) is np.ndarray and a.flags.c_contiguous:
        return _sum(xp, a, axes, keepdims)      # the commonest case first, tested in 0.1 us: all of a C array
    if (math.prod(a.shape[i] for i in axes) <= PLAIN_ROWS or _numpy_adds_pairwise(a, axes) or not on_cpu(xp)
            or dtype_name(a.dtype) not in ("float32", "float64")):
        return _sum(xp, a, axes, keepdims)
    if len(axes) == a.ndim:     # every axis of a strided view: the sum of a C-ordered copy of it, pairwise
        total = _sum(xp, xp.reshape(a, (-1,)), (0,), False)
        return xp.reshape(total, (1,) * a.ndim) if keepdims else total
    return _pairwise_sum(xp, a, axes, keepdims)


def _numpy_adds_pairwise(a, axes):
    """Whether NumPy's own sum adds ``axes`` of ``a`` pairwise already. NumPy's loop runs along the innermost
    dimension of ``a`` in memory once the dimensions that follow one another there are merged: pairwise along it
    (within its buffers), one step after the other along the rest. So it adds pairwise over every axis of a vector
    or of an array filling one block of memory (:func:`_one_block`: C or Fortran order, or any order of its axes),
    and over the trailing axes of a C-ordered array. Every axis of a strided view is not: ``x[:, :2]`` of a
    ``(10**6, 3)`` float32 array of 0.1 has its rows of two added pairwise and the million rows one after the other
    (200000.47, the exact sum 200000.003), so :func:`accurate_sum` sums a C-ordered copy of it (200000.016,
    as PyTorch's sum of a contiguous copy: the copy costs 5.1 ms against NumPy's own 4.4 ms there, where summing one
    axis at a time took 14.7 ms, NumPy's loop over two elements being that slow). An array-api-strict array shows no
    ``flags``: where every axis is summed, it is summed as ``xp.reshape(a, (-1,))`` (a view of a contiguous array, a
    C-ordered copy of a strided one), and otherwise by halving."""
    flags = getattr(a, "flags", None)
    if len(axes) == a.ndim:
        return a.ndim <= 1 or (flags is not None and bool(flags.c_contiguous or flags.f_contiguous or _one_block(a)))
    trailing = axes == tuple(range(a.ndim - len(axes), a.ndim))
    return trailing and flags is not None and bool(flags.c_contiguous)


def _one_block(a):
    """Whether the elements of ``a`` fill one block of memory with positive strides, whatever the order of its axes
    (a transpose of a C-ordered array): the axes longer than 1, by increasing stride, each step the length of the
    one before. NumPy's sum over every axis then runs through the block as through one vector (it reorders the axes
    by their strides, but does not turn a negative stride round)."""
    step = a.itemsize
    for stride, n in sorted((s, n) for s, n in zip(a.strides, a.shape) if n != 1):
        if stride != step:
            return a.size == 0
        step *= n
    return True


def _sum(xp, a, axes, keepdims):
    """``xp.sum`` over ``axes``; float16 with a float32 accumulator, rounded once. A NumPy array is summed by its
    own method, the same loop as ``np.sum`` without its dispatch (half the time of a small sum: 1.2 us against
    2.5 us for 512 values)."""
    half = dtype_name(a.dtype) == "float16"
    if type(a) is np.ndarray:
        total = a.sum(axis=axes, keepdims=keepdims, dtype=np.float32 if half else None)
        return total.astype(np.float16) if half else total
    if not half:
        return xp.sum(a, axis=axes, keepdims=keepdims)
    return xp.astype(xp.sum(a, axis=axes, keepdims=keepdims, dtype=xp.float32), xp.float16)


def _pairwise_sum(xp, a, axes, keepdims):
    """The sum over ``axes`` of ``a``, one axis at a time, the last first: an axis that NumPy adds pairwise itself
    (:func:`_numpy_adds_pairwise`) by its sum, any other by :func:`_halved` on a view with that axis moved first.
    Nothing is copied: the halving adds whole rows, which need not be contiguous."""
    total = a
    for axis in sorted(axes, reverse=True):
        if _numpy_adds_pairwise(total, (axis,)):
            total = _sum(xp, total, (axis,), False)
        else:
            total = _halved(xp, total if axis == 0 else xp.moveaxis(total, axis, 0))
    if keepdims:
        total = xp.reshape(total, tuple(1 if i in axes else n for i, n in enumerate(a.shape)))
    return total


def _halved(xp, rows):
    """``rows.sum(axis=0)`` added pairwise: while there are more than :data:`PLAIN_ROWS` rows, the first half of the
    rows plus the second (an odd row out added to the first), each step one vectorised add; then the rest one after
    the other."""
    while rows.shape[0] > PLAIN_ROWS:
        half = rows.shape[0] // 2
        pairs = rows[:half, ...] + rows[half:2 * half, ...]
        if rows.shape[0] % 2:
            pairs[0, ...] = pairs[0, ...] + rows[2 * half, ...]
        rows = pairs
    return xp.sum(rows, axis=0)
