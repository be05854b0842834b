"""Variance and standard deviation, as PyTorch 2.13's ``torch.var`` and ``torch.std`` (``Tensor.var``/``std``).

``var(x) = sum((x - mean(x))**2) / max(0, n - correction)`` over the reduced elements (``n`` of them), and
``std(x) = sqrt(var(x))``. ``correction=1`` (the default, Bessel's correction) gives the sample variance,
``correction=0`` the population variance; PyTorch's older ``unbiased=True``/``False`` means ``correction=1``/``0``.
Where ``n - correction <= 0`` (one element with the default correction) the result is NaN (``0 / 0``) or ``inf``, as
in PyTorch, with a ``UserWarning`` saying why (PyTorch warns too).

Gradients are PyTorch's (``var_backward`` and ``std_backward`` in ``torch/csrc/autograd/FunctionsManual.cpp``):

* ``d var / d x_i = 2 (x_i - mean) / (n - correction)``;
* ``d std / d x_i = (d var / d x_i) / (2 std)``, and 0 where ``std`` is 0 (all elements equal), not NaN;
* where ``n - correction <= 0`` and every axis is reduced without naming them (``dim=None``, or a rank-0 tensor),
  NaN where ``x_i`` equals the mean (``x_i = mean = inf`` too) and ``inf`` elsewhere (times the output gradient),
  as PyTorch. With named
  ``dim``\\s, PyTorch divides by ``n - correction`` itself there (``inf`` for 0, a finite negative scale below it),
  and so do we.

Integer and bool tensors are refused (a ``TypeError``), as PyTorch refuses them ("std and var only support
floating point and complex dtypes"): cast first, e.g. ``x.float().var()``. float16 is computed in float32 and
float32 in float64 (block by block on the CPU for inputs over 128K elements: no float64 copy of the input is made),
each rounded once, as PyTorch's CPU kernels compute the result: the std of float32 ``[1e20, -1e20, 0]`` is
``1e20``, gradient ``[0.5, -0.5, 0]``, though its variance, ``1e40``, is ``inf`` in float32. The float16 backward
pass is computed in float32 too, where PyTorch's rounds each step to float16, its mean included: the gradients may
differ by a float16 step, and where ``2 * std`` overflows float16, a std above 32752, PyTorch's gradient is 0 and
ours is not.

Source: https://pytorch.org/docs/stable/generated/torch.var.html and .../torch.std.html

>>> import tinygradconv as tg
>>> x = tg.tensor([[1.0, 2.0, 4.0], [3.0, 3.0, 3.0]], requires_grad=True)
>>> [round(v, 4) for v in x.var(dim=1).tolist()], round(x.std().item(), 4)
([2.3333, 0.0], 1.0328)
>>> x.std(dim=1).sum().backward()
>>> [[round(g, 4) for g in row] for row in x.grad.tolist()]      # the row of equal values: 0, as PyTorch
[[-0.4364, -0.1091, 0.5455], [0.0, 0.0, 0.0]]
"""
from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from ..autograd import Function, Sample, register_op
from ..backend import dtype_name
from ..tensor import Tensor
from ..validation import caller_stacklevel, dim_index, flag, reduction_axes
from .conv_batching import on_cpu
from .elementwise import FLOATS
from .reduction import _kept_shape, mean
from .summation import accurate_sum


def _samples(rng):
    """Ordinary inputs (values spread, so no slice is constant): named axes, every axis, a rank-0 input (``n - 1 =
    0``: NaN, gradient NaN, compared as NaN), an empty one, other corrections."""
    x = rng.standard_normal((3, 4, 2))
    return [Sample((x,), {"axes": None, "keepdims": False, "correction": 1.0}),
            Sample((x,), {"axes": (1,), "keepdims": True, "correction": 1.0}),
            Sample((x,), {"axes": (0, 2), "keepdims": False, "correction": 0.0}),
            Sample((x,), {"axes": (2,), "keepdims": False, "correction": 0.5}),
            Sample((np.zeros((0, 3)),), {"axes": (1,), "keepdims": False, "correction": 1.0})]


def _special_points(rng):
    """Rows holding NaN, +-inf, equal values (std 0: gradient 0), both zeros; rank 0 and one element (``n -
    correction = 0``), a correction above ``n``, empty slices."""
    nan, inf = np.nan, np.inf
    rows = np.array([[1.0, nan, 2.0, 0.5], [inf, 1.0, 2.0, -2.0], [-inf, 1.0, -inf, 3.0], [inf, -inf, 0.0, 1.0],
                     [2.0, 2.0, 2.0, 2.0], [0.0, -0.0, -0.0, 0.0], [3.0, -1.0, 0.5, 2.5]])
    return [Sample((rows,), {"axes": (1,), "keepdims": False, "correction": 1.0}),
            Sample((rows,), {"axes": (1,), "keepdims": True, "correction": 0.0}),
            Sample((rows[4:],), {"axes": None, "keepdims": False, "correction": 1.0}),
            Sample((np.asarray(-0.0),), {"axes": None, "keepdims": False, "correction": 1.0}),   # 0 / 0
            Sample((np.asarray(2.0),), {"axes": None, "keepdims": False, "correction": 0.0}),    # 0 / 1
            Sample((rows[4:, :2],), {"axes": None, "keepdims": False, "correction": 7.0}),       # dof < 0
            Sample((rows[5:, :2],), {"axes": (1,), "keepdims": False, "correction": 2.0}),       # dof = 0, named
            Sample((np.zeros((0, 3)),), {"axes": (0,), "keepdims": False, "correction": 1.0})]


def _checked_correction(correction, op):
    """``correction`` as a float (any real number, a bool too, as PyTorch takes ``True`` as 1)."""
    if not isinstance(correction, numbers.Real):
        raise TypeError(f"Invalid type for argument `correction` of {op}: expected a number. Received "
                        f"{correction!r} of type {type(correction).__name__}")
    return float(correction)


#: The dtype each floating dtype is computed in, as PyTorch's CPU kernels accumulate (``at::acc_type``); None:
#: its own. The keys are the dtypes ``var`` and ``std`` take.
_WIDER = dict(zip(FLOATS, ("float32", "float64", None)))

#: Elements per block of the float64 work on a float32 input: 128K float64 values, 1 MiB, about a core's L2 cache
#: (1 MiB on AMD Zen 4), so that casting, centring, squaring and summing a block stays in the caches and only the
#: input is read from the main memory; 16K, 32K and 64K measured slower (more blocks, each a few numpy calls).
BLOCK = 1 << 17


def _squared_deviations(xp, a, reduced, n, keepdims):
    """``sum((a - mean)**2)`` over ``reduced`` in one go: float16 in float32, float32 in float64, float64 as it is.
    One array of ``a``'s size is made, ours to overwrite: a copy of ``a`` in the wide dtype, centred (or ``a -
    mean``), then squared in place (three new arrays of that size had made a float32 std 4-5x slower)."""
    wide = _WIDER[dtype_name(a.dtype)]
    centered = (a.astype(wide) if type(a) is np.ndarray else xp.astype(a, getattr(xp, wide))) if wide else a
    mean = accurate_sum(xp, centered, axis=reduced, keepdims=True) / n
    if wide:
        centered -= mean
    else:
        centered = a - mean         # (a itself is the caller's: not overwritten)
    centered *= centered
    return accurate_sum(xp, centered, axis=reduced, keepdims=keepdims)


def _blocks_pay(a, reduced):
    """Whether :func:`_blockwise_squared_deviations` reads ``a`` in memory order, a block of about :data:`BLOCK`
    elements at a time: a C-ordered ``a`` whose first axis cuts it into blocks that small, or any contiguous ``a``
    reduced over every element (flattened in memory order). Other layouts (a transposed or strided view, or a first
    axis too short: a ``(1, 4M)`` input) would be read across memory or copied whole in float64: a reviewer measured
    them slower than :func:`_squared_deviations` (a ``(64, 128, 256)`` array transposed to ``(256, 64, 128)``:
    2.5-3.4 ms against 1.8-1.9 ms over every element), so they take that path. An array without NumPy's ``flags``
    (array-api-strict) is taken as C-ordered."""
    flags = getattr(a, "flags", None)
    if flags is None:
        return True
    if len(reduced) == a.ndim and (flags.c_contiguous or flags.f_contiguous):
        return True
    return bool(flags.c_contiguous) and a.size // a.shape[0] <= BLOCK


def _blockwise_squared_deviations(xp, a, reduced, n):
    r"""``sum((a - mean)**2)`` in float64 over ``reduced`` of a float32 ``a`` (kept dims of length 1), a block of
    about :data:`BLOCK` elements at a time: each block is cast to float64, centred, squared and summed while it sits
    in the cache, so ``a`` is read from memory once and no float64 copy of it is made (the copy had been twice
    ``a``'s memory; PyTorch keeps none). Used for the layouts where that pays (:func:`_blocks_pay`).

    The blocks are cut along the first axis of ``a`` (of ``a`` flattened where every element is reduced and ``a`` is
    contiguous), so that each is one contiguous piece of a C-ordered ``a``. A block holds one index of that axis
    at least: where it is short, blocks are larger (a ``(2, 3, 50000)`` input reduced over its last two axes: two
    blocks of 150,000).

    * Where that axis is kept (``var(dim=1)`` of a ``(4096, 1024)`` input: 128 rows a block), each block holds whole
      slices, whose means and sums of squares are those of :func:`_squared_deviations`, bit for bit.
    * Where it is reduced (``dim=0``, or every element), each block ``j`` gives the sum ``S_j`` of its ``n_j``
      elements and ``Q_j = sum((x - m_j)**2)`` about its own mean ``m_j = S_j / n_j``, and the blocks are combined
      as T. F. Chan, G. H. Golub and R. J. LeVeque combine variances ("Algorithms for computing the sample
      variance", The American Statistician 37, 1983): with ``mean = (S_1 + ... + S_k) / n``,

      ``sum((a - mean)**2) = sum_j Q_j + sum_j n_j * (m_j - mean)**2``

      (expand ``x - mean = (x - m_j) + (m_j - mean)``: the cross terms sum to 0 in each block). Every term is
      non-negative, nothing cancels, and each sum is pairwise (:func:`accurate_sum`, over a block, then over the
      blocks' results): about ``log2(n)`` float64 roundings, ``1e-16`` each, ``3e-15`` for a million elements,
      far below the half ulp of the float32 result, ``6e-8``. On 582 results of ``(4096, 1024)`` inputs ``1e4 +
      0.01 N(0, 1)`` where PyTorch's float32 ``var``/``std`` were off by an ulp, these were the exact value
      (sums of fractions) rounded, as the whole-array float64 sums had been.

    Measured on an AMD EPYC (Zen 4, 2 vCPUs shared with other work), 1 thread (``taskset -c 1``), float32 ``std``,
    one run alternating the whole-array path (``BLOCK`` set above the size), this one and PyTorch 2.13, minimum /
    median of 21, and the peak of the memory allocated (tracemalloc):

    ==================  ===================  ===================  ===================  ================
    input, ``dim``      float64 copy         blockwise            PyTorch              peak: copy/block
    ==================  ===================  ===================  ===================  ================
    (4096, 1024), 0     14.1 / 14.6 ms       6.5 / 6.6 ms         24.4 / 24.6 ms       56.0 / 2.5 MiB
    (4096, 1024), 1     10.7 / 11.2 ms       5.3 / 5.5 ms         23.5 / 23.6 ms       32.1 / 2.1 MiB
    (4096, 1024), None  9.1 / 9.6 ms         4.1 / 4.3 ms         4.2 / 4.2 ms         32.0 / 2.0 MiB
    (32, 16), 0         26.8 / 27.5 us       23.6 / 23.9 us       9.0 / 9.2 us         0.01 MiB
    (32, 16), None      28.5 / 29.9 us       22.1 / 22.9 us       11.3 / 11.9 us       0.01 MiB
    ==================  ===================  ===================  ===================  ================

    (An input of at most :data:`BLOCK` elements takes the whole-array path in both columns: their difference
    there is the order of the runs, not the code.) Since then the checks and NumPy calls around a small input's
    forward were made cheaper: a float32 ``std`` of ``(32, 16)`` takes 12.6 / 13.0 us (``dim=None``) and
    15.9 / 16.4 us (``dim=0``) where it took 20.4 / 21.4 and 22.4 / 23.2 us in the same run (PyTorch 5.0 / 5.2
    and 6.0 / 6.2 us; minimum / median of 2000 calls, best of 4 alternating runs); what is left is mostly the
    engine's and NumPy's fixed cost per call (about ten NumPy calls of 0.3-1.2 us each).
    """
    flags = getattr(a, "flags", None)           # NumPy's (an array-api-strict array shows none: not flattened)
    if len(reduced) == a.ndim and flags is not None:          # every element, in the order they lie in memory:
        if flags.f_contiguous and not flags.c_contiguous:
            a = xp.permute_dims(a, tuple(range(a.ndim))[::-1])   # a Fortran-ordered a's transpose is C-ordered
        if a.flags.c_contiguous:
            a, reduced = xp.reshape(a, (-1,)), (0,)           # one long axis, a view (a copy had cost a pass)
    rows = a.shape[0]
    step = max(1, BLOCK * rows // a.size)
    sums, squares, counts = [], [], []
    for start in range(0, rows, step):
        block = xp.astype(a[start:min(start + step, rows), ...], xp.float64)
        count = n * block.shape[0] // rows if 0 in reduced else n
        total = accurate_sum(xp, block, axis=reduced, keepdims=True)
        block -= total / count
        block *= block
        sums.append(total)
        squares.append(accurate_sum(xp, block, axis=reduced, keepdims=True))
        counts.append(float(count))
    squares = xp.concat(squares, axis=0)        # Q_j, the blocks one after the other along axis 0
    if 0 not in reduced:
        return squares
    sums = xp.concat(sums, axis=0)
    counts = xp.reshape(xp.asarray(counts, dtype=xp.float64), (-1,) + (1,) * (a.ndim - 1))
    spread = sums / counts - accurate_sum(xp, sums, axis=0, keepdims=True) / n       # m_j - mean
    spread *= spread
    return (accurate_sum(xp, squares, axis=0, keepdims=True)
            + accurate_sum(xp, counts * spread, axis=0, keepdims=True))


class _Spread(Function):
    """The variance (``root=False``) or standard deviation (``root=True``) over ``axes``: None for every axis as
    PyTorch's ``dim=None`` (which has its own gradient rule where ``n - correction <= 0``), else a tuple."""

    root = False

    @classmethod
    def forward(cls, ctx, a, axes, keepdims, correction):
        xp, op = ctx.xp, cls.name
        kind = dtype_name(a.dtype)
        if kind not in _WIDER:
            raise TypeError(f"Invalid type for argument `x` of {op}: {op} is defined for floating-point tensors only "
                            f"(as in PyTorch). Received a {kind} tensor; cast it first, e.g. x.float().{op}()")
        if not isinstance(keepdims, (bool, np.bool_)):
            raise TypeError(f"Invalid type for argument `keepdims` of {op}: expected a bool. Received {keepdims!r}")
        if correction.__class__ is not float:          # (the wrappers pass a float: checked there)
            correction = _checked_correction(correction, op)
        reduced = reduction_axes(axes, a.ndim, op)
        n = math.prod(a.shape[i] for i in reduced)
        if n - correction <= 0:
            warnings.warn(f"{op}(): {n} element{'s' * (n != 1)} per slice and correction={correction:g} leave "
                          f"n - correction = {n - correction:g} degrees of freedom, so the result is NaN or inf (as in "
                          f"PyTorch, which warns too); use correction=0 (unbiased=False) for the population "
                          f"{'standard deviation' if cls.root else 'variance'}", UserWarning,
                          stacklevel=caller_stacklevel())
        # float16 in float32 and float32 in float64, as PyTorch's CPU kernels accumulate (at::acc_type): the std
        # of float32 [1e20, -1e20, 0] is 1e20 (its variance, 1e40, overflowed float32 on the way: it was inf)
        if kind == "float32" and a.size > BLOCK and on_cpu(xp) and _blocks_pay(a, reduced):
            squares = _blockwise_squared_deviations(xp, a, reduced, n)
            squares = xp.reshape(squares, _kept_shape(a.shape, reduced) if keepdims else
                                 tuple(a.shape[i] for i in range(a.ndim) if i not in reduced))
        else:
            squares = _squared_deviations(xp, a, reduced, n, keepdims)
        out = squares / max(0.0, n - correction)
        if cls.root:
            out = xp.sqrt(out)
        ctx.full = axes is None or a.ndim == 0     # PyTorch's rule without named dims
        ctx.reduced, ctx.keepdims, ctx.n, ctx.correction = reduced, bool(keepdims), n, correction
        # a variance above float32's largest rounds to inf, as PyTorch's (silently: Function.apply runs forward
        # with NumPy's floating-point warnings off)
        if out.dtype != a.dtype:
            out = out.astype(a.dtype) if type(a) is np.ndarray else xp.astype(out, a.dtype)
        # std's backward divides by its result, var's needs only the input: var keeps no reference to its result,
        # so an in-place write to it (``x.var().add_(1)``) leaves its backward intact, as PyTorch's VarBackward0
        # (which saves ``self`` only); StdBackward0 saves its result too, and PyTorch refuses a write to it
        ctx.save_for_backward(a, out) if cls.root else ctx.save_for_backward(a)
        return out

    @classmethod
    def backward(cls, ctx, grad):
        xp = ctx.xp
        a = ctx.saved_tensors[0]
        half = dtype_name(a.dtype) == "float16"
        if half:
            a, grad = xp.astype(a, xp.float32), xp.astype(grad, xp.float32)
        if not ctx.keepdims:
            grad = xp.reshape(grad, _kept_shape(a.shape, ctx.reduced))
        if cls.root:          # d std = d var / (2 std), and 0 where std is 0 (PyTorch's masked_fill)
            out = ctx.saved_tensors[1]
            out = xp.astype(out, xp.float32) if half else out
            out = xp.reshape(out, grad.shape)
            grad = xp.where(out == 0, xp.zeros_like(grad), grad / (2 * out))
        mean = accurate_sum(xp, a, axis=ctx.reduced, keepdims=True) / ctx.n
        if half:        # PyTorch's backward takes the mean in float16 (``self - self.mean()``): x_i - mean is 0 there
            mean = xp.astype(xp.astype(mean, xp.float16), xp.float32)
        dof = ctx.n - ctx.correction
        if ctx.full and dof <= 0:       # PyTorch's where(self == self.mean(), nan, inf): NaN at x = mean = +-inf too
            nan_or_inf = xp.where(a == mean, xp.asarray(math.nan, dtype=a.dtype), xp.asarray(math.inf, dtype=a.dtype))
            result = grad * nan_or_inf
        else:
            scale = 2.0 / dof if dof != 0 else math.inf
            result = scale * grad * (a - mean)
        result = xp.broadcast_to(result, a.shape)
        return xp.astype(result, xp.float16) if half else result


@register_op("var", samples=_samples, special_points=_special_points)
class Var(_Spread):
    """``sum((a - mean)**2) / max(0, n - correction)`` over ``axes`` (see the module's docstring)."""


@register_op("std", samples=_samples, special_points=_special_points)
class Std(_Spread):
    """``sqrt(var(a))`` over ``axes``, with gradient 0 where it is 0 (see the module's docstring)."""

    root = True


def _arguments(op, ndim, dim, unbiased, keepdim, correction):
    """PyTorch's overloads of ``var``/``std``: ``(dim, unbiased, keepdim)``, ``(dim, *, correction, keepdim)`` and
    ``(unbiased)`` (a Python bool first: ``x.var(False)``). Each ``dim`` is checked as PyTorch checks it
    (:func:`~tinygradconv.validation.dim_index`): an integer, NumPy's included, but not a bool (NumPy's ``True``
    first is no ``unbiased`` either: PyTorch refuses it). Returns ``(axes, keepdim, correction)``."""
    if unbiased is None and correction is None and keepdim.__class__ is bool and (dim is None or dim.__class__
                                                                                  is int):
        return dim, keepdim, 1.0                        # the common call, x.var() or x.std(dim): nothing to convert
    if isinstance(dim, bool):                           # x.var(False): PyTorch's overload var(unbiased)
        if unbiased is not None:
            raise TypeError(f"Invalid type for argument `dim` of {op}: expected None, an int or a tuple of ints. "
                            f"Received {dim!r}")
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(f"{op}() takes `unbiased` (PyTorch's older spelling) or `correction`, not both. Received "
                        f"unbiased={unbiased!r}, correction={correction!r}")
    if unbiased is not None:
        if not isinstance(unbiased, (bool, np.bool_)):
            raise TypeError(f"Invalid type for argument `unbiased` of {op}: expected a bool. Received {unbiased!r} "
                            f"of type {type(unbiased).__name__}")
        correction = 1.0 if unbiased else 0.0
    elif correction is None:
        correction = 1.0
    correction = _checked_correction(correction, op)
    if not isinstance(keepdim, (bool, np.bool_)):
        raise TypeError(f"Invalid type for argument `keepdim` of {op}: expected a bool. Received {keepdim!r} of type "
                        f"{type(keepdim).__name__}")
    if isinstance(dim, list):
        dim = tuple(dim)
    if isinstance(dim, tuple) and not dim:
        dim = None                                      # PyTorch: dim=() reduces every dimension
    for d in dim if isinstance(dim, tuple) else () if dim is None else (dim,):
        dim_index(d, ndim, op)                          # np.int64(0) too; a bool, a float: TypeError, as PyTorch
    return dim, bool(keepdim), correction


def var(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """The variance over ``dim`` (every dimension by default), as ``torch.var`` (PyTorch 2.13).

    Args:
        x: a floating-point Tensor (or data, converted by :class:`~tinygradconv.Tensor`'s rule), any shape.
        dim: None (every dimension), an int (NumPy's integers too: ``np.int64(0)``), or a tuple or list of ints
            (``()`` is every dimension, as PyTorch); negative ones count from the end.
        unbiased: PyTorch's older spelling: ``True`` is ``correction=1``, ``False`` ``correction=0``. A Python bool
            as the first positional argument is read as ``unbiased`` (``x.var(False)``), as PyTorch reads it.
        keepdim: keep the reduced dimensions with size 1.
        correction: subtracted from the number of elements ``n`` in the divisor (default 1, the sample variance);
            any real number, as PyTorch.

    Returns:
        A tensor of ``x``'s dtype, of ``x``'s shape without the reduced dimensions (kept with size 1 with
        ``keepdim=True``). NaN where ``n - correction = 0`` and the slice is constant (one element), ``inf`` where
        it is not, with a ``UserWarning``.

    Raises:
        TypeError: an integer or bool tensor; both ``unbiased`` and ``correction``; an ``unbiased`` or ``keepdim``
            that is not a bool; a ``dim`` that is not None, an int or a tuple of ints (a bool in a tuple, or NumPy's
            ``np.True_`` first, included: PyTorch refuses both).
        IndexError: a ``dim`` out of range (an ``AxisError``, also a ``ValueError``). ValueError: a repeated dim.

    >>> import tinygradconv as tg
    >>> x = tg.tensor([1.0, 2.0, 4.0])
    >>> round(var(x).item(), 4), round(var(x, correction=0).item(), 4), round(var(x, unbiased=False).item(), 4)
    (2.3333, 1.5556, 1.5556)
    """
    x = x if isinstance(x, Tensor) else Tensor(x)
    axes, keepdim, correction = _arguments("var", x.ndim, dim, unbiased, keepdim, correction)
    return Var.apply(x, axes=axes, keepdims=keepdim, correction=correction)


def std(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """The standard deviation over ``dim``, ``sqrt(var(x, ...))``, as ``torch.std`` (PyTorch 2.13): the arguments,
    shapes, dtypes and errors of :func:`var`. Its gradient is 0 where the result is 0 (a constant slice), as PyTorch.

    >>> import tinygradconv as tg
    >>> round(std(tg.tensor([1.0, 2.0, 4.0])).item(), 4)
    1.5275
    """
    x = x if isinstance(x, Tensor) else Tensor(x)
    axes, keepdim, correction = _arguments("std", x.ndim, dim, unbiased, keepdim, correction)
    return Std.apply(x, axes=axes, keepdims=keepdim, correction=correction)


def var_mean(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """``(var, mean)`` over ``dim``, as ``torch.var_mean``: :func:`var` with ``correction`` (1 by default: the
    sample variance) and :func:`~.reduction.mean`, each with its own gradient; a plain tuple, as PyTorch's. The
    arguments are :func:`var`'s, PyTorch's overloads included: ``var_mean(x, False)`` reads the bool as
    ``unbiased`` and ``var_mean(x, 1, False, True)`` as ``(dim, unbiased, keepdim)``, as ``torch.var_mean``.

    One difference: where a slice holds ``+-inf``, the mean here is the mean itself (``inf``, ``-inf``, or NaN for
    both signs), as ``torch.mean``; ``torch.var_mean`` (and ``std_mean``) computes both in one pass (Welford's
    update, ``m += (x - m) / n``) and its mean is NaN as soon as an infinity meets a later element
    (``inf - inf``): ``[-inf, -inf]`` and ``[inf, 1.0]`` give NaN there, ``[1.0, inf]`` gives ``inf``. The
    variance is NaN in both.

    Raises:
        TypeError: a ``keepdim`` that is not a bool; the errors of :func:`var`.

    >>> v, m = var_mean([[1.0, 2.0, 4.0], [3.0, 3.0, 3.0]], dim=1)
    >>> [round(a, 4) for a in v.tolist()], [round(a, 4) for a in m.tolist()]
    ([2.3333, 0.0], [2.3333, 3.0])
    """
    return _with_mean(Var, "var_mean", x, dim, unbiased, keepdim, correction)


def std_mean(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """``(std, mean)`` over ``dim``, as ``torch.std_mean`` (see :func:`var_mean`: the mean of a slice holding
    ``+-inf`` is ``torch.mean``'s, where ``torch.std_mean``'s can be NaN).

    >>> s, m = std_mean([1.0, 2.0, 4.0], correction=0)
    >>> round(s.item(), 4), round(m.item(), 4)
    (1.2472, 2.3333)
    """
    return _with_mean(Std, "std_mean", x, dim, unbiased, keepdim, correction)


def _with_mean(statistic, name, x, dim, unbiased, keepdim, correction):
    """``(statistic(x), mean(x))`` over ``dim``: the arguments read once by :func:`_arguments` (PyTorch's overloads,
    in ``name``'s words), then the :class:`Var` or :class:`Std` op and :func:`~.reduction.mean` over the same axes."""
    x = x if isinstance(x, Tensor) else Tensor(x)
    keepdim = flag(keepdim, "keepdim", name)
    axes, keepdim, correction = _arguments(name, x.ndim, dim, unbiased, keepdim, correction)
    return (statistic.apply(x, axes=axes, keepdims=keepdim, correction=correction),
            mean(x, dim=axes, keepdim=keepdim))

