"""Reductions: ``sum``, ``mean``, ``prod``, ``max``, ``min`` over ``axis`` (None, an int or a tuple), with
``keepdims``.

The gradient of a reduction is the output gradient broadcast back over the reduced axes: unchanged for ``sum``,
divided by the count for ``mean``, times the product of the other elements for ``prod``, and routed to the extreme
elements for ``max``/``min`` (split evenly on ties).
The axes are checked by :func:`tinygradconv.validation.reduction_axes`.

The functions (and the ``Tensor`` methods that call them) also take PyTorch's spellings ``dim=`` and ``keepdim=``
with PyTorch's meaning (:func:`sum`); ``max``/``min`` refuse ``dim=``, whose PyTorch result is a (values, indices)
pair.

>>> from tinygradconv.ops import reduction
>>> reduction.sum([[1.0, 2.0], [3.0, 4.0]], axis=0).numpy().tolist()
[4.0, 6.0]
"""
from __future__ import annotations

import math

import numpy as np

from ..autograd import Function, Sample, register_op
from ..tensor import Tensor
from ..validation import NOT_GIVEN, dim_index, flag, reduction_axes
from .elementwise import _in_float32, float_input, is_floating
from .summation import accurate_sum


def _checked(op, a, axes, keepdims):
    """The reduced axes as a sorted tuple (:func:`~tinygradconv.validation.reduction_axes`) and ``keepdims`` a
    bool: the ops check their attributes themselves, so ``Sum.apply(x, axes=..., keepdims=...)`` fails as clearly
    as ``x.sum(axis=...)``."""
    if not isinstance(keepdims, (bool, np.bool_)):
        raise TypeError(f"{op}: `keepdims` must be a bool. Received keepdims={keepdims!r}")
    return reduction_axes(axes, a.ndim, op), bool(keepdims)


def _kept_shape(shape, axes):
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _unreduce(xp, grad, shape, axes, keepdims):
    """The gradient of a reduction over ``axes`` of an input of ``shape``, broadcast back to that shape (the reduced
    axes put back with size 1 first, unless ``keepdims`` kept them)."""
    if not keepdims:
        grad = xp.reshape(grad, _kept_shape(shape, axes))
    return xp.broadcast_to(grad, shape)


def _reduction_samples(rng):
    x = rng.standard_normal((3, 4, 2))
    return [Sample((x,), {"axes": (0, 1, 2), "keepdims": False}), Sample((x,), {"axes": (1,), "keepdims": True}),
            Sample((x,), {"axes": (0, 2), "keepdims": False}),
            Sample((np.asarray(0.5),), {"axes": (), "keepdims": False}),  # rank 0
            Sample((np.zeros((0, 3)),), {"axes": (1,), "keepdims": False}),  # empty, reducing a non-empty axis
            Sample((x,), {"axes": (), "keepdims": True})]  # no axis reduced


def _special_rows():
    """Rows holding NaN, +-inf (alone and together), exact ties and both zeros, one row per case."""
    nan, inf = np.nan, np.inf
    return np.array([[1.0, nan, 2.0, 0.5], [inf, 1.0, inf, -2.0], [-inf, 1.0, -inf, 3.0], [inf, -inf, 0.0, 1.0],
                     [2.0, 1.0, 2.0, 2.0], [0.0, -0.0, -1.0, -0.0], [nan, nan, inf, -inf], [3.0, -1.0, 0.5, 2.5]])


def _reduction_special_points(rng):
    x = _special_rows()
    return [Sample((x,), {"axes": (1,), "keepdims": False}), Sample((x,), {"axes": (1,), "keepdims": True}),
            Sample((x[4:].T.copy(),), {"axes": (0,), "keepdims": False}),
            Sample((x,), {"axes": (0, 1), "keepdims": False}),
            Sample((np.asarray(np.nan),), {"axes": (), "keepdims": False}),
            Sample((np.zeros((0, 3)),), {"axes": (0,), "keepdims": False}),  # an empty axis: sum 0, mean NaN
            Sample((np.zeros((0, 3)),), {"axes": (0, 1), "keepdims": True})]


@register_op("sum", samples=_reduction_samples, special_points=_reduction_special_points)
class Sum(Function):
    """Sum over ``axes``; d/dx_i = 1 for every summed element (the sum of an empty axis is 0, as NumPy).

    Added pairwise along every axis, and float16 with a float32 accumulator rounded once to float16, as PyTorch's
    CPU ``sum`` (:func:`.summation.accurate_sum`: NumPy adds step by step along a non-last axis, so a million
    float32 values of 0.1 down axis 0 summed to 100958).
    """

    @staticmethod
    def forward(ctx, a, axes, keepdims):
        axes, keepdims = _checked("sum", a, axes, keepdims)
        ctx.shape, ctx.axes, ctx.keepdims = a.shape, axes, keepdims
        if not is_floating(a) and a.dtype != ctx.xp.int64:
            # bool (counts the True values) and every integer dtype sum in int64, as PyTorch's sum: NumPy and the
            # Array API give unsigned inputs a uint64 sum
            a = ctx.xp.astype(a, ctx.xp.int64)
        return accurate_sum(ctx.xp, a, axis=axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, grad):
        return _unreduce(ctx.xp, grad, ctx.shape, ctx.axes, ctx.keepdims)


@register_op("logsumexp", samples=_reduction_samples, special_points=_reduction_special_points)
class LogSumExp(Function):
    """``log(sum(exp(a)))`` over ``axes``, as ``torch.logsumexp``: ``m + log(sum(exp(a - m)))`` with ``m`` the
    slice's maximum, an infinite ``m`` replaced by 0, so a slice of ``-inf`` gives ``-inf`` and one holding ``+inf``
    gives ``inf`` (NaN propagates); an empty slice gives ``-inf``, the log of an empty sum. d/da = ``exp(a - out)``
    (torch's ``logsumexp_backward``, from the rounded output: NaN where ``a = out = inf``). Integer and bool inputs
    are first converted as ``exp`` converts them (:func:`.elementwise.float_input`: to ``floatx()``, float32 by
    default, as PyTorch to its default dtype), so that ``a - m`` cannot wrap."""

    @staticmethod
    def forward(ctx, a, axes, keepdims):
        xp = ctx.xp
        axes, keepdims = _checked("logsumexp", a, axes, keepdims)
        a = float_input(xp, a)  # integers and bools to floatx(): a - peak in int8 wrapped, bools refused it
        kept = _kept_shape(a.shape, axes)
        if any(a.shape[i] == 0 for i in axes):
            out = xp.full(kept, -xp.inf, dtype=a.dtype)
        else:
            peak = xp.max(a, axis=axes, keepdims=True)
            peak = xp.where(xp.abs(peak) == xp.inf, xp.zeros_like(peak), peak)
            out = peak + xp.log(accurate_sum(xp, xp.exp(a - peak), axis=axes, keepdims=True))
        ctx.save_for_backward(a, out)
        ctx.kept, ctx.keepdims = kept, keepdims
        return out if keepdims else xp.reshape(out, tuple(n for i, n in enumerate(a.shape) if i not in axes))

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        if not ctx.keepdims:
            grad = ctx.xp.reshape(grad, ctx.kept)
        return grad * ctx.xp.exp(a - out)


@register_op("mean", samples=_reduction_samples, special_points=_reduction_special_points)
class Mean(Function):
    """Mean over ``axes``; d/dx_i = 1/n for each of the n averaged elements.

    The mean of an empty axis is NaN (0/0, as NumPy and PyTorch). Integer and bool inputs give a mean of
    ``floatx()`` (float32 by default), the true division of their sum, as PyTorch's ``/`` gives its default dtype
    (PyTorch refuses the mean of an integer tensor; Keras 3's ``ops.mean`` gives float32 whatever ``floatx()`` is,
    which ``GlobalAveragePooling1D`` keeps; NumPy gives float64). The sum is added
    pairwise along every axis (:func:`.summation.accurate_sum`, as PyTorch's). float16 inputs are summed and
    divided in float32 on every backend (as NumPy's and PyTorch's ``mean``) and the mean cast back, so the mean of
    large float16 values does not overflow; the gradient ``grad / n`` is also divided in float32 (``n`` over 65504
    is ``inf`` in float16).
    """

    @staticmethod
    def forward(ctx, a, axes, keepdims):
        xp = ctx.xp
        axes, keepdims = _checked("mean", a, axes, keepdims)
        ctx.shape, ctx.axes, ctx.keepdims = a.shape, axes, keepdims
        if not is_floating(a):
            a = float_input(xp, a)      # integers and bools: a floatx() mean, as torch's sum / n (NumPy: float64)
        if any(a.shape[i] == 0 for i in axes):  # 0/0, without NumPy's "Mean of empty slice" warning
            kept = _kept_shape(a.shape, axes)
            return xp.full(kept if keepdims else tuple(n for i, n in enumerate(a.shape) if i not in axes),
                           float("nan"), dtype=a.dtype)
        count = math.prod(a.shape[i] for i in axes)
        return _in_float32(xp, lambda x: accurate_sum(xp, x, axis=axes, keepdims=keepdims) / count, a)

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        count = 1
        for a in ctx.axes:
            count *= ctx.shape[a]
        grad = _in_float32(xp, lambda g: g / count, grad)   # float16: 1/70000 is not 0 (count is inf there)
        return _unreduce(xp, grad, ctx.shape, ctx.axes, ctx.keepdims)


def _prod_special_points(rng):
    """Rows with one zero, two zeros, a zero beside inf (the product NaN), signed zeros, NaN and infinities."""
    nan, inf = np.nan, np.inf
    rows = np.array([[2.0, 0.0, 3.0, -1.5], [0.0, 4.0, 0.0, 2.0], [inf, 0.0, 2.0, 1.0], [-0.0, 2.0, -3.0, 0.5],
                     [nan, 1.0, 2.0, 3.0], [inf, -2.0, 0.5, 1.0], [1e30, 1e30, 1e-30, 2.0], [-1.0, 0.5, 2.0, 4.0]])
    no_zero = np.array([[inf, 2.0], [-inf, 0.5], [nan, 3.0]])
    return [Sample((rows,), {"axes": (1,), "keepdims": False}), Sample((rows,), {"axes": (0,), "keepdims": True}),
            Sample((no_zero,), {"axes": (1,), "keepdims": False}),      # no zero anywhere: grad * prod / x
            Sample((rows,), {"axes": (0, 1), "keepdims": False}),
            Sample((np.array([0.0, 0.0, nan, 0.0, inf]),), {"axes": (0,), "keepdims": False}),  # torch.prod(x, 0)
            Sample((np.zeros((0, 3)),), {"axes": (0,), "keepdims": False}),  # an empty axis: the product 1
            Sample((np.asarray(0.0),), {"axes": (), "keepdims": False})]


@register_op("prod", samples=_reduction_samples, special_points=_prod_special_points)
class Prod(Function):
    r"""Product over ``axes``, as ``torch.prod`` and ``keras.ops.prod`` (the product of an empty axis is 1).

    .. math:: \frac{\partial}{\partial x_i} \prod_j x_j = \prod_{j \ne i} x_j
              = \underbrace{\prod_{j < i} x_j}_{\text{before } i} \cdot \underbrace{\prod_{j > i} x_j}_{\text{after } i}

    With no zero in the input the gradient is ``grad * out / x``; with a zero anywhere in it (as PyTorch's
    ``prod_backward`` decides, for the whole input) it is the product of the elements before ``x_i`` times the
    product of those after it (exclusive cumulative products from each end), so that one zero in a slice gets the
    product of the others and every other element 0, and two zeros give 0 everywhere (``out / x`` would be
    ``0 / 0``). The product of every element (``axis=None``, or several axes that are all of them) with two zeros
    or more has gradient 0 everywhere, as PyTorch's shortcut for ``torch.prod(x)`` gives (the product of the
    others would be NaN beside an inf or NaN); one axis follows ``torch.prod(x, dim)``, which has no such
    shortcut, even on the only axis of a vector: ``[0, 0, nan]`` gets ``[nan, nan, 0]`` over ``axis=0`` and
    ``[0, 0, 0]`` over ``axis=None``, as PyTorch. Several axes are flattened into one first (PyTorch's ``prod``
    takes one ``dim``; Keras' any).
    Integer and bool inputs multiply in int64, as ``torch.prod``. float16 multiplies in float32 and is rounded
    once, as PyTorch's ``sum`` adds: ``torch.prod`` on the CPU keeps float16 products step by step, so that
    ``[300, 300, 0.001, 4]`` overflows to ``inf`` there and is 360 here (a difference kept: NumPy has no float16
    product without a float32 one, short of a loop over the elements). A rank-0 input passes its gradient on
    unchanged, as PyTorch (1 at ``nan`` too).
    """

    @staticmethod
    def forward(ctx, a, axes, keepdims):
        xp = ctx.xp
        every_axis = axes is None               # torch.prod(x), not torch.prod(x, dim=0), even on one axis
        axes, keepdims = _checked("prod", a, axes, keepdims)
        if not is_floating(a):
            a = xp.astype(a, xp.int64)          # bool and every integer: int64, as torch.prod (and sum)
        out = _in_float32(xp, lambda v: xp.prod(v, axis=axes, keepdims=True), a)
        ctx.save_for_backward(a, out)
        ctx.axes = axes
        # PyTorch's full product (no dim): axis=None, or several axes that are all of them (torch.prod takes one
        # dim, so the nearest rule to theirs); one axis is torch.prod(x, dim), even the only axis of a vector
        ctx.full_product = every_axis or (len(axes) == a.ndim and len(axes) > 1)
        return out if keepdims else xp.reshape(out, tuple(n for i, n in enumerate(a.shape) if i not in axes))

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        a, out = ctx.saved_tensors
        grad = xp.reshape(grad, out.shape)
        if a.ndim == 0:                 # the product of one number is that number: PyTorch returns the gradient
            return grad
        zeros = int(xp.sum(xp.astype(a == 0, xp.int64)))
        if zeros == 0:
            return _in_float32(xp, lambda g, p, x: g * (p / x), grad, out, a)
        if zeros > 1 and ctx.full_product:    # PyTorch's full product: 0 everywhere, even beside inf or NaN
            return xp.zeros_like(a)
        return _in_float32(xp, lambda g, x: g * _product_of_the_others(xp, x, ctx.axes), grad, a)


def _product_of_the_others(xp, a, axes):
    """For each element, the product of the other elements of its slice over ``axes``: the exclusive cumulative
    product from the left times that from the right, over the reduced axes moved to the end and flattened into
    one (no division, so exact where elements are 0)."""
    kept = [i for i in range(a.ndim) if i not in axes]
    moved = xp.permute_dims(a, (*kept, *axes))
    rows = xp.reshape(moved, (*moved.shape[:len(kept)], -1))
    before = xp.cumulative_prod(rows, axis=-1, include_initial=True)[..., :-1]
    after = xp.flip(xp.cumulative_prod(xp.flip(rows, axis=-1), axis=-1, include_initial=True)[..., :-1], axis=-1)
    others = xp.reshape(before * after, moved.shape)
    return xp.permute_dims(others, tuple(int(i) for i in np.argsort((*kept, *axes))))


class _Extreme(Function):
    reduce = None

    @classmethod
    def forward(cls, ctx, a, axes, keepdims):
        xp = ctx.xp
        whole = axes is None            # torch.max(x), not torch.amax(x, dim): a NaN gets the gradient
        none = isinstance(axes, (tuple, list)) and not axes     # axis=(): no axis reduced, Keras' identity
        axes, keepdims = _checked(cls.reduce, a, axes, keepdims)
        if any(a.shape[i] == 0 for i in axes):
            raise ValueError(f"{cls.name}() of an empty axis (shape {tuple(a.shape)}, axis {axes})")
        if not is_floating(a):                          # integers and bools: no zero signs, no gradient
            if a.dtype == xp.bool:                      # the Array API has no max of bools: that of 0s and 1s
                return xp.astype(getattr(xp, cls.reduce)(xp.astype(a, xp.uint8), axis=axes, keepdims=keepdims),
                                 xp.bool)
            return getattr(xp, cls.reduce)(a, axis=axes, keepdims=keepdims)
        out = getattr(xp, cls.reduce)(a, axis=axes, keepdims=True)
        # one value (every axis reduced): read it once as a Python float (0.1 us on NumPy), where xp.any(out == 0)
        # and xp.any(xp.isnan(out)) cost 2-3 us each, a fifth of a small x.max()
        peak = _only_value(xp, out) if len(axes) == a.ndim else None
        if peak == 0 if peak is not None else bool(xp.any(out == 0)):
            # IEEE 754-2019's -0.0 < 0.0: max([0.0, -0.0]) = 0.0, min = -0.0 (torch.amax)
            wanted = ~xp.signbit(a) if cls.reduce == "max" else xp.signbit(a)
            flip = xp.any((a == 0) & wanted, axis=axes, keepdims=True) & (out == 0)
            out = xp.where(flip, xp.abs(out) if cls.reduce == "max" else -xp.abs(out), out)
        if whole and math.isnan(peak):  # torch.max(x) of a tensor holding NaN (the maximum NaN): the NaNs are hit
            hit = xp.isnan(a)
        elif none:                      # each element its own maximum, NaN too: the gradient passes unchanged
            hit = xp.ones(a.shape, dtype=xp.bool)
        else:
            hit = a == out
        hits = xp.astype(hit, a.dtype)
        # the ties counted exactly: in float16 a count over 2048 rounds, over 65504 it is inf
        counted = hits if a.dtype != getattr(xp, "float16", None) else xp.astype(hits, xp.float32)
        # over the whole tensor backward's where takes the mask itself (saved, so released with the graph)
        # then the input and the result, which PyTorch saves (only watched: a write of either in place, `y =
        # x.max(); y.mul_(2)`, then refuses the backward pass, as PyTorch's "modified by an inplace operation")
        result = out if keepdims else xp.reshape(out, tuple(n for i, n in enumerate(a.shape) if i not in axes))
        ctx.save_for_backward(hit if whole else hits, xp.sum(counted, axis=axes, keepdims=True), a, result)
        ctx.shape, ctx.axes, ctx.whole = a.shape, axes, whole
        return result

    @staticmethod
    def backward(ctx, grad):
        # g / count for each hit, divided in float32 for float16 and rounded once, as torch.amax's backward; a slice
        # holding NaN has no hit: g / 0 times 0, its gradient NaN (as torch.amax), silently (Function.apply).
        # Over the whole tensor (axis=None) as torch.max(x)'s evenly_distribute_backward: the share goes to the
        # hits (the NaNs, if any) and every other element gets +0.0, whatever the sign of the gradient
        xp = ctx.xp
        hits, count = ctx.saved_tensors[:2]     # over the whole tensor: the bool mask of the hits
        grad = xp.reshape(grad, _kept_shape(ctx.shape, ctx.axes))
        share = _in_float32(xp, lambda g, n: g / n, grad, count)
        if ctx.whole:   # share where hit, +0.0 elsewhere: where broadcasts the share and the 0 (1.2 us, not 6.5)
            return xp.where(hits, share, xp.zeros((), dtype=share.dtype))
        return hits * share


def _only_value(xp, out):
    """The one element of ``out`` (a reduction over every axis, kept dims of length 1) as a Python float."""
    if type(out) is np.ndarray:
        return out.item()
    return float(xp.reshape(out, ()))


def _distinct_samples(rng):
    x = rng.permutation(24).reshape(3, 4, 2) / 7.0  # distinct values: no ties
    return [Sample((x,), {"axes": (0, 1, 2), "keepdims": False}), Sample((x,), {"axes": (1,), "keepdims": True}),
            Sample((np.asarray(0.5),), {"axes": (), "keepdims": False}),  # rank 0
            Sample((np.zeros((0, 3)),), {"axes": (1,), "keepdims": True})]  # empty, reducing a non-empty axis


def _extreme_special_points(rng):
    points = [s for s in _reduction_special_points(rng) if 0 not in np.shape(s.args[0])]  # an empty axis raises
    zeros = np.array([[-0.0, 0.0], [0.0, -0.0], [-0.0, -0.0], [0.0, 0.0], [-0.0, -1.0], [0.0, 1.0]])
    return [*points, Sample((np.zeros((0, 3)),), {"axes": (1,), "keepdims": False}),  # empty, a non-empty axis
            Sample((zeros,), {"axes": (1,), "keepdims": False}), Sample((np.asarray(-0.0),), {"axes": (),
                                                                                            "keepdims": False})]


@register_op("max", samples=_distinct_samples, special_points=_extreme_special_points)
class Max(_Extreme):
    """Maximum over ``axes``; the gradient goes to the maximal elements (split evenly on ties), as ``torch.amax``.

    NaN propagates: a slice holding NaN has maximum NaN and, as ``torch.amax``, its every gradient is NaN (no
    element equals NaN, so the even split is 0/0). Over the whole tensor (``axes=None``: ``x.max()``) the gradient
    is that of ``torch.max(x)`` (and of Keras' ``ops.max(x)``, which calls it on the torch backend): split evenly
    between the NaN elements where there are any, and ``+0.0`` for every other element (``torch.amax`` gives
    ``-0.0`` there for a negative gradient). ``axes=()`` reduces no axis (NumPy's and Keras' rule): the maximum is
    ``x`` itself and the gradient passes unchanged, NaN elements included, as Keras' ``ops.max(x, axis=())``
    (``torch.amax(x, dim=())`` reduces every dim instead). Reducing an empty axis is a ``ValueError`` (as NumPy).
    Zeros are ordered ``-0.0 < 0.0`` (IEEE 754-2019): the maximum of ``[0.0, -0.0]`` is ``0.0`` in any order (NumPy
    gives ``-0.0``; ``torch.amax`` gives ``0.0`` for this order, and for the other one on short inputs ``-0.0``).
    """

    reduce = "max"


@register_op("min", samples=_distinct_samples, special_points=_extreme_special_points)
class Min(_Extreme):
    """Minimum over ``axes``; the gradient goes to the minimal elements (split evenly on ties), as ``torch.amin``.

    NaN propagates: a slice holding NaN has minimum NaN and, as ``torch.amin``, its every gradient is NaN (no
    element equals NaN, so the even split is 0/0); over the whole tensor (``axes=None``) as ``torch.min(x)``, and
    over no axis (``axes=()``) the identity, as :class:`Max`. Reducing an empty axis is a ``ValueError`` (as NumPy).
    Zeros are ordered ``-0.0 < 0.0`` (IEEE 754-2019): the minimum of ``[0.0, -0.0]`` is ``-0.0`` in any order.
    """

    reduce = "min"


def _torch_spelling(op, ndim, axis, keepdims, dim, keepdim):
    """``(axis, keepdims)`` from NumPy's spelling or PyTorch's (``dim``, ``keepdim``), never both at once.

    ``dim`` means what it means in PyTorch: an int or a tuple of ints, each in ``[-ndim, ndim - 1]`` (an
    ``IndexError`` otherwise, as PyTorch), and ``dim=()`` every dimension (where ``axis=()`` is none, NumPy's rule).
    ``keepdims`` defaults to :data:`~tinygradconv.validation.NOT_GIVEN` (False), so that ``keepdims`` given
    together with ``keepdim`` is refused whatever their values and order, as ``torch.sum`` refuses both.
    """
    if dim is not None:
        if axis is not None:
            raise TypeError(f"{op}() got both `axis` and `dim` (PyTorch's name for it): received axis={axis!r}, "
                            f"dim={dim!r}. Pass one of them")
        for d in dim if isinstance(dim, (tuple, list)) else (dim,):
            dim_index(d, ndim, op)
        axis = None if isinstance(dim, (tuple, list)) and len(dim) == 0 else dim   # dim=(): all, as in PyTorch
    if keepdim is not None:
        if keepdims is not NOT_GIVEN:
            raise TypeError(f"{op}() got both `keepdims` and `keepdim` (PyTorch's name for it): received "
                            f"keepdims={keepdims!r}, keepdim={keepdim!r}. Pass one of them")
        keepdims = flag(keepdim, "keepdim", op)
    return axis, (False if keepdims is NOT_GIVEN else keepdims)


def _reduce(fn, x, axis, keepdims, dim=None, keepdim=None):
    x = x if isinstance(x, Tensor) else Tensor(x)
    axis, keepdims = _torch_spelling(fn.name, x.ndim, axis, keepdims, dim, keepdim)
    return fn.apply(x, axes=axis, keepdims=keepdims)  # the op checks the axes, and that keepdims is a bool


def _refuse_dim(op, dim):
    """PyTorch's ``x.max(dim=d)`` returns ``(values, indices)``: refuse it rather than return the values alone."""
    if isinstance(dim, (tuple, list)):           # not even PyTorch's max: its dim is one int
        axis = tuple(dim) or None                 # PyTorch's amax(dim=()) reduces every axis; axis=() none here
        every = " (every axis: our axis=() reduces none, as NumPy)" if axis is None else ""
        raise TypeError(f"{op}(dim={dim!r}): PyTorch's {op} takes one int dim, and returns a (values, indices) "
                        f"pair. For the values over {'every axis' if axis is None else 'these axes'}, as PyTorch's "
                        f"x.a{op}(dim={dim!r}), write x.{op}(axis={axis!r}){every}")
    if dim is not None:
        raise TypeError(f"{op}(dim={dim!r}) is PyTorch's spelling, and there it returns a (values, indices) pair; "
                        f"tinygradconv's {op} returns the values only. Write x.{op}(axis={dim!r}) for the values "
                        f"(PyTorch's x.a{op}(dim={dim!r})) and x.arg{op}(dim={dim!r}) for the indices")


def sum(x, axis=None, keepdims=NOT_GIVEN, *, dim=None, keepdim=None):
    """Sum of the elements over ``axis`` (all by default).

    Args:
        x: a Tensor (or data, converted by :class:`~tinygradconv.Tensor`'s rule).
        axis: None (every axis), an int or a tuple of ints; ``()`` reduces over no axis (NumPy's rule).
        keepdims: keep the reduced axes with size 1.
        dim, keepdim: PyTorch's spellings of ``axis`` and ``keepdims`` (``torch.sum``), with PyTorch's meaning:
            ``dim=()`` reduces over *every* dimension, and a ``dim`` out of range is an ``IndexError``, as in
            PyTorch (an ``axis`` out of range is an :class:`~tinygradconv.validation.AxisError`, both a
            ``ValueError`` and an ``IndexError``, as NumPy's).

    Raises:
        TypeError: both ``axis`` and ``dim``, or both ``keepdims`` and ``keepdim`` (whatever their values and
            order, as ``torch.sum``); a ``dim`` that is not an int or a tuple of ints; a ``keepdim`` that is not a
            bool.
        IndexError: a ``dim`` out of range. ``AxisError`` (a ``ValueError`` and an ``IndexError``): an ``axis`` out
            of range. ``ValueError``: a repeated axis.

    See https://pytorch.org/docs/stable/generated/torch.sum.html for PyTorch's spelling.

    >>> sum([[1.0, 2.0], [3.0, 4.0]], dim=1, keepdim=True).tolist()
    [[3.0], [7.0]]
    >>> sum([[1.0, 2.0], [3.0, 4.0]], dim=()).item(), sum([[1.0, 2.0], [3.0, 4.0]], axis=()).shape
    (10.0, (2, 2))
    """
    return _reduce(Sum, x, axis, keepdims, dim, keepdim)


def logsumexp(x, axis=None, keepdims=NOT_GIVEN, *, dim=None, keepdim=None):
    """``log(sum(exp(x)))`` over ``axis`` (all by default), stable for any ``x`` (:class:`LogSumExp`), as
    ``keras.ops.logsumexp``; ``dim``/``keepdim`` are ``torch.logsumexp``'s names, taken as in :func:`sum` (where
    PyTorch requires ``dim``, leaving it out reduces every axis, as Keras).

    Raises:
        TypeError: ``axis`` and ``dim`` both given, or ``keepdims`` and ``keepdim``.
        IndexError: a ``dim`` out of range (as PyTorch). ``ValueError``: an ``axis`` out of range, a repeated axis.

    See https://pytorch.org/docs/stable/generated/torch.logsumexp.html.

    >>> round(logsumexp([0.0, 0.0]).item(), 6)
    0.693147
    >>> [round(v, 4) for v in logsumexp([[0.0, 0.0], [1.0, 1.0]], dim=1).tolist()]
    [0.6931, 1.6931]
    """
    return _reduce(LogSumExp, x, axis, keepdims, dim, keepdim)


def mean(x, axis=None, keepdims=NOT_GIVEN, *, dim=None, keepdim=None):
    """Mean of the elements over ``axis`` (all by default); ``dim``/``keepdim`` as in :func:`sum`
    (``torch.mean``).

    >>> mean([[1.0, 2.0], [3.0, 5.0]], dim=-1).tolist()
    [1.5, 4.0]
    """
    return _reduce(Mean, x, axis, keepdims, dim, keepdim)


def prod(x, axis=None, keepdims=NOT_GIVEN, *, dim=None, keepdim=None):
    """Product of the elements over ``axis`` (all by default); ``dim``/``keepdim`` as in :func:`sum`
    (``torch.prod``, whose ``dim`` is one int; ``keras.ops.prod``). Integers and bools give int64, as PyTorch.
    The gradient is the product of the other elements (:class:`Prod`), exact where elements are 0.

    >>> prod([[1.0, 2.0], [3.0, 4.0]], axis=1).tolist()
    [2.0, 12.0]
    >>> import tinygradconv as tg
    >>> x = tg.tensor([2.0, 0.0, 3.0], requires_grad=True)
    >>> prod(x).backward(); x.grad.tolist()           # the zero gets 2 * 3, the others 0
    [0.0, 6.0, 0.0]
    """
    return _reduce(Prod, x, axis, keepdims, dim, keepdim)


def max(x, axis=None, keepdims=NOT_GIVEN, *, dim=None, keepdim=None):
    """Maximum over ``axis`` (all by default): the values only, as Keras' ``ops.max`` (:class:`Max`). ``keepdim`` is
    accepted for ``keepdims``.

    The gradient is split evenly between tied maxima. Over named axes it is ``torch.amax(x, dim)``'s: a slice
    holding NaN has maximum NaN and gradient NaN throughout. With no axis (``x.max()``) it is ``torch.max(x)``'s:
    split evenly between the NaN elements where there are any, ``+0.0`` for every other element
    (``tensor([1., nan]).max()``: gradient ``[0., 1.]``, where ``torch.amax`` gives ``[nan, nan]``). ``axis=()``
    reduces no axis: ``x`` itself, its gradient passed unchanged (NaN included), as Keras'
    ``ops.max(x, axis=())`` (``torch.amax(x, dim=())`` reduces every dim).

    ``dim=`` is refused with a ``TypeError`` that says what to write instead: PyTorch's ``x.max(dim=1)`` returns a
    (values, indices) pair (and sends the gradient of a tie to one index only). Write ``x.max(axis=1)`` for the
    values and ``x.argmax(dim=1)`` for the indices. The method ``x.max`` takes its axis by keyword only, so
    that PyTorch's positional ``x.max(1)`` is refused too (:meth:`~tinygradconv.torch_methods.TorchMethods.max`).

    >>> max([[1.0, 5.0], [3.0, 2.0]], axis=1).tolist()
    [5.0, 3.0]
    >>> import tinygradconv as tg
    >>> x = tg.tensor([1.0, float("nan")], requires_grad=True)
    >>> max(x).backward(); x.grad.tolist()               # torch.max(x)'s gradient: the NaN gets it
    [0.0, 1.0]
    >>> max([[1.0, 5.0], [3.0, 2.0]], dim=1)
    Traceback (most recent call last):
    ...
    TypeError: max(dim=1) is PyTorch's spelling, and there it returns a (values, indices) pair; ...
    """
    _refuse_dim("max", dim)
    return _reduce(Max, x, axis, keepdims, None, keepdim)


def min(x, axis=None, keepdims=NOT_GIVEN, *, dim=None, keepdim=None):
    """Minimum over ``axis`` (all by default): the values only, as Keras' ``ops.min`` (:class:`Min`), with the
    gradients of :func:`max`: ``torch.amin(x, dim)``'s over named axes, ``torch.min(x)``'s with no axis (the NaN
    elements share it, the others get ``+0.0``), the identity's for ``axis=()``. ``dim=`` is refused as in
    :func:`max` (write ``x.min(axis=1)`` and ``x.argmin(dim=1)``).

    >>> min([[1.0, 5.0], [3.0, 2.0]], axis=0, keepdim=True).tolist()
    [[1.0, 2.0]]
    """
    _refuse_dim("min", dim)
    return _reduce(Min, x, axis, keepdims, None, keepdim)
