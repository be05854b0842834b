"""Primitives for losses: ``softplus``, ``log_softmax`` and ``softmax`` (numerically stable),
``binary_crossentropy_with_logits`` and ``squared_difference`` (fused).

Composing them from ``exp`` and ``log`` would overflow for large inputs and, worse, give wrong gradients at kinks
(``relu(x) + log1p(exp(-|x|))`` has derivative 0 at ``x = 0`` instead of 1/2). So each is one op whose backward is
the exact derivative:

* ``softplus(x) = log(1 + e^x) = max(x, 0) + log1p(e^{-|x|})``, with ``d/dx = sigmoid(x)``;
* ``log_softmax(x)_i = x_i - m - log(sum_j e^{x_j - m})`` with ``m = max_j x_j``, with
  ``dL/dx = g - softmax(x) * sum(g)`` along the axis, or along several axes at once (``axis=(0, 1)``: each slice
  spanning them is one distribution, as Keras 3's ``softmax(x, axis=(0, 1))``);
* ``softmax(x)_i = e^{x_i - m} / sum_j e^{x_j - m}``, with ``dL/dx = s * (g - sum(g * s))`` from the saved output
  ``s`` (PyTorch's formula: one ``exp`` pass, none in the backward).

``binary_crossentropy_with_logits(x, y) = (1 - y) x - log_sigmoid(x)`` is one op with ``d/dx = sigmoid(x) - y``,
so that both its value and its gradient round as PyTorch's (and so Keras 3's) at large logits; so is
``binary_crossentropy(p, y)`` of probabilities, PyTorch's ``binary_cross_entropy``.

``squared_difference(a, b) = (a - b)^2`` is one op instead of a subtraction and a product (the mean squared error
is on every training step's path), with ``d/da = 2 (a - b)`` and ``d/db = -2 (a - b)``.

>>> import tinygradconv as tg
>>> from tinygradconv.ops.nn import log_softmax, softplus
>>> round(softplus(tg.tensor([0.0])).item(), 6)
0.693147
>>> [round(v, 4) for v in log_softmax(tg.tensor([1000.0, 1000.0])).tolist()]
[-0.6931, -0.6931]
"""
from __future__ import annotations

import numpy as np

from ..autograd import Function, Sample, register_op
from ..tensor import Tensor
from ..validation import AxisError, _is_integer, axis_index
from .elementwise import (
    _in_float32,
    binary_special_points,
    broadcast_error,
    float_input,
    promoted,
    refuse_bool_operands,
    stable_sigmoid,
    unary_special_points,
    unbroadcast,
)
from .summation import accurate_sum


def _softplus_samples(rng):
    x = rng.standard_normal((3, 4)) * 3.0
    x[0, 0], x[0, 1] = 0.0, 25.0  # the kink of max(x, 0) and a large input
    return [Sample((x,)), Sample((np.asarray(-0.5),)), Sample((np.zeros((0, 2)),))]


@register_op("softplus", samples=_softplus_samples, special_points=unary_special_points(20.0, 40.0, -40.0))
class Softplus(Function):
    """``log(1 + exp(a))`` without overflow; d/da = sigmoid(a).

    ``softplus(inf) = inf`` (d/da 1), ``softplus(-inf) = 0`` (d/da 0), ``softplus(nan) = nan``. PyTorch and Keras
    return ``a`` itself above 20; here the exact value is kept (it differs from ``a`` by less than ``2e-9``).
    float16 is computed in float32 and rounded once, value and gradient, as PyTorch's CPU kernel (in float16 it was
    one float16 step off in about half the values, found by a tester).
    """

    @staticmethod
    def forward(ctx, a):
        xp = ctx.xp
        a = float_input(xp, a)
        ctx.save_for_backward(a)
        return _in_float32(xp, lambda x: xp.where(x > 0, x, xp.zeros_like(x)) + xp.log1p(xp.exp(-xp.abs(x))), a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return _in_float32(ctx.xp, lambda g, x: g * stable_sigmoid(ctx.xp, x), grad, a)


def softmax_axes(axis, ndim, op, *, scalar_axis=False):
    """The axes of a softmax as a sorted tuple of non-negative ints: an int is one axis, a tuple or list of ints the
    axes one distribution spans (Keras 3's ``axis=(0, 1)``; ``()`` makes each element its own distribution), None
    every axis (Keras' ``axis=None``). Negative axes count from the end, in a tuple too (Keras 3 on torch fails on
    them). With ``scalar_axis`` a rank-0 tensor has the one axis ``0``/``-1`` to name (see :func:`axis_index`).

    Raises:
        TypeError: not an int, a tuple/list of ints or None (a bool is not an axis).
        ValueError: an axis out of range, or the same axis twice; the message names ``op`` first.

    >>> softmax_axes((0, -1), 3, "softmax"), softmax_axes(-1, 2, "softmax"), softmax_axes(None, 2, "softmax")
    ((0, 2), (1,), (0, 1))
    >>> softmax_axes((1, -1), 2, "softmax")
    Traceback (most recent call last):
    ...
    ValueError: softmax: axis contains the same axis twice. Received: axis=(1, -1)
    """
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (tuple, list)) and all(_is_integer(a) for a in axis):
        axes = tuple(axis_index(a, ndim, op, scalar_axis=scalar_axis) for a in axis)
        if len(set(axes)) != len(axes):
            raise ValueError(f"{op}: axis contains the same axis twice. Received: axis={axis!r}")
        return tuple(sorted(axes))
    if not _is_integer(axis):
        raise TypeError(f"{op}: axis must be an integer, a tuple of integers or None. Received axis={axis!r}")
    return (axis_index(axis, ndim, op, scalar_axis=scalar_axis),)


def _log_softmax_samples(rng):
    return [Sample((rng.standard_normal((3, 4)),), {"axis": 1}),
            Sample((rng.standard_normal((2, 3, 4)) * 5.0,), {"axis": 1}),
            Sample((rng.standard_normal((1,)),), {"axis": 0}),  # one class
            Sample((np.zeros((0, 3)),), {"axis": 1}),  # an empty batch
            Sample((rng.standard_normal((2, 3, 4)) * 3.0,), {"axis": (0, 2)}),  # one distribution over two axes
            Sample((rng.standard_normal((2, 3, 2)),), {"axis": (-1, 1)}),
            Sample((rng.standard_normal((2, 3)),), {"axis": None}),  # over every axis
            Sample((rng.standard_normal((2, 3)),), {"axis": ()})]  # each element alone


def _log_softmax_special_points(rng):
    nan, inf = np.nan, np.inf
    x = np.array([[1.0, nan, 2.0], [inf, 1.0, 2.0], [-inf, 1.0, 2.0], [-inf, -inf, -inf], [inf, inf, 1.0],
                  [0.0, -0.0, 0.0], [1000.0, 1000.0, -1000.0], [3.0, 3.0, 3.0]])
    # slices spanning axes 0 and 2: [finite with one -inf], [all -inf], [a NaN], [a +inf], [zeros of both signs]
    blocks = np.array([[[1.0, -inf], [-inf, -inf], [nan, 0.0], [inf, 2.0], [0.0, 3.0]],
                       [[2.0, 0.5], [-inf, -inf], [1.0, 1.0], [1.0, -1.0], [-0.0, -0.0]]])
    return [Sample((x,), {"axis": 1}), Sample((x[:3].T.copy(),), {"axis": 0}), Sample((np.array([nan]),), {"axis": 0}),
            Sample((np.zeros((0, 3)),), {"axis": 1}), Sample((np.zeros((2, 0)),), {"axis": 1}),
            Sample((blocks,), {"axis": (0, 2)}), Sample((blocks,), {"axis": (2, -3)}),
            Sample((x,), {"axis": (0, 1)}), Sample((x,), {"axis": None}), Sample((x,), {"axis": ()}),
            Sample((np.zeros((2, 0, 3)),), {"axis": (0, 2)})]


@register_op("log_softmax", samples=_log_softmax_samples, special_points=_log_softmax_special_points)
class LogSoftmax(Function):
    """``a - logsumexp(a)`` along ``axis`` (shifted by the maximum first); d/da = g - softmax(a) * sum(g).

    ``axis`` is an int, a tuple of ints (one distribution spans those axes; ``()``: each element alone) or None
    (every axis); see :func:`softmax_axes`.

    Special points as PyTorch and Keras: a NaN or a ``+inf`` makes its whole slice NaN; ``-inf`` gives ``-inf``
    (probability 0, gradient ``g``) unless the whole slice is ``-inf`` (then NaN). float16 is computed in float32 and
    rounded once, value and gradient, as PyTorch's CPU kernel (in float16 the sums were up to 71 float16 steps off,
    found by a tester). PyTorch's float16 kernels round more along the way, so the last float16 bit can differ from
    theirs, ours nearly always the closer to the exact value (docs/special_points.md): ``log_softmax([1, 3, 3])``
    is ``-0.7588`` here (exact ``-0.75862``), ``-0.7583`` in PyTorch 2.13.
    """

    @staticmethod
    def forward(ctx, a, axis):
        xp = ctx.xp
        axes = softmax_axes(axis, a.ndim, "log_softmax")
        a = float_input(xp, a)
        ctx.axes = axes
        if 0 in a.shape:  # an empty slice or an empty batch: nothing to normalize (and no maximum to shift by)
            ctx.save_for_backward(a)
            return xp.zeros_like(a)
        if not axes:  # slices of one element: x - x, 0 (NaN for NaN and +-inf, as torch over an axis of size 1)
            out = a - a
        else:
            def formula(x):
                # inf - inf and log(0) inside a slice of -inf or NaN: NaN and -inf, silently (Function.apply)
                shifted = x - xp.max(x, axis=axes, keepdims=True)
                return shifted - xp.log(accurate_sum(xp, xp.exp(shifted), axis=axes, keepdims=True))

            out = _in_float32(xp, formula, a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        (out,) = ctx.saved_tensors

        def formula(g, y):
            total = accurate_sum(xp, g, axis=ctx.axes, keepdims=True) if ctx.axes else g
            return g - xp.exp(y) * total

        return _in_float32(xp, formula, grad, out)


@register_op("softmax", samples=_log_softmax_samples, special_points=_log_softmax_special_points)
class Softmax(Function):
    """``e^{a - m} / sum(e^{a - m})`` along ``axis`` (``m`` the slice's maximum); d/da = s (g - sum(g s)).

    One op that saves its output ``s``, as PyTorch's ``softmax`` (and so Keras 3's on torch): one ``exp`` pass
    forward and none backward, where ``exp(log_softmax(a))`` took three and two graph nodes. ``axis`` as in
    :class:`LogSoftmax`; so are the special points: a NaN or a ``+inf`` makes its slice NaN, a ``-inf`` gives 0
    (gradient 0) unless the whole slice is ``-inf`` (then NaN). float16 is computed in float32 and rounded once,
    value and gradient, as PyTorch's CPU kernel.
    """

    @staticmethod
    def forward(ctx, a, axis):
        xp = ctx.xp
        axes = softmax_axes(axis, a.ndim, "softmax")
        a = float_input(xp, a)
        ctx.axes = axes
        if 0 in a.shape:  # an empty slice or an empty batch: nothing to normalize
            out = xp.zeros_like(a)
        elif not axes:  # slices of one element: e^0 = 1 (NaN for NaN and +-inf, as torch over an axis of size 1)
            out = xp.exp(a - a)
        else:
            def formula(x):
                # inf - inf inside a slice of -inf, or with a +inf or NaN: NaN for the slice, silently (Function.apply)
                e = xp.exp(x - xp.max(x, axis=axes, keepdims=True))
                return e / accurate_sum(xp, e, axis=axes, keepdims=True)

            out = _in_float32(xp, formula, a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        (out,) = ctx.saved_tensors
        if not ctx.axes:   # s = 1 alone in its slice: s (g - g s) is 0 (NaN where s is)
            return _in_float32(xp, lambda g, s: s * (g - g * s), grad, out)

        def formula(g, s):
            gs = g * s
            return s * (g - accurate_sum(xp, gs, axis=ctx.axes, keepdims=True))

        return _in_float32(xp, formula, grad, out)


class TakeAlongAxis(Function):
    """One entry of each slice along ``axis``: ``out[i, k] = a[i, ids[i, k]]`` for ``axis=1`` of a rank-3 ``a``
    (``ids`` holds integers in ``[0, a.shape[axis])`` and has ``a``'s shape without ``axis``; the result too), as
    ``torch.gather`` with one index per slice. The sparse cross-entropies pick each label's log-probability
    with it (PyTorch's ``nll_loss`` does the same): a gather never multiplies by 0, so a ``-inf`` or NaN of another
    class stays out of the loss and of its gradient.

    d/da is the gradient put back where each value was taken, 0 elsewhere: a scatter into zeros (each entry is
    taken at most once). NumPy writes it with ``put_along_axis``; the backends that have only the Array API select
    it with the one-hot mask ``ids == arange(n)``.
    """

    @staticmethod
    def forward(ctx, a, ids, axis):
        xp = ctx.xp
        ctx.shape, ctx.axis = tuple(a.shape), axis
        # a copy of the positions (a later write of the caller's ids must not move the gradient)
        ctx.ids = xp.asarray(xp.expand_dims(ids, axis=axis), copy=True)
        return xp.squeeze(xp.take_along_axis(a, ctx.ids, axis=axis), axis=axis)

    @staticmethod
    def backward(ctx, grad):
        xp, axis = ctx.xp, ctx.axis
        grad = xp.expand_dims(grad, axis=axis)
        if isinstance(grad, np.ndarray):
            full = np.zeros(ctx.shape, dtype=grad.dtype)
            np.put_along_axis(full, ctx.ids, grad, axis=axis)
            return full
        shape = [1] * len(ctx.shape)
        shape[axis] = ctx.shape[axis]
        classes = xp.reshape(xp.arange(ctx.shape[axis], dtype=ctx.ids.dtype), tuple(shape))
        return xp.where(ctx.ids == classes, grad, xp.zeros((), dtype=grad.dtype))


def take_along_axis(x, ids, axis):
    """``x``'s entry at ``ids`` in each slice along ``axis`` (see :class:`TakeAlongAxis`): ``ids`` an integer array of
    the backend of ``x``, of ``x``'s shape without ``axis``, in ``[0, x.shape[axis])``.

    Raises:
        ValueError: ``ids`` of another shape, or a position outside ``[0, x.shape[axis])``.

    >>> import numpy as np, tinygradconv as tg
    >>> take_along_axis(tg.tensor([[0.25, 0.5, 0.75], [1.5, 2.0, 3.0]]), np.array([2, 0]), axis=1).tolist()
    [0.75, 1.5]
    """
    x = x if isinstance(x, Tensor) else Tensor(x)
    axis = axis_index(axis, x.ndim, "take_along_axis")
    expected = x.shape[:axis] + x.shape[axis + 1:]
    if tuple(ids.shape) != expected:
        raise ValueError(f"take_along_axis: ids must have x's shape without axis {axis}, {expected}. Received "
                         f"ids.shape={tuple(ids.shape)}")
    n, xp = x.shape[axis], x.backend.xp
    if 0 not in tuple(ids.shape) and not bool(xp.all((ids >= 0) & (ids < n))):
        raise ValueError(f"take_along_axis: ids must lie in [0, {n}) (x.shape[{axis}] = {n}; no negative positions, "
                         f"which NumPy would count from the end). Received ids from {int(xp.min(ids))} to "
                         f"{int(xp.max(ids))}")
    return TakeAlongAxis.apply(x, ids=ids, axis=axis)


def _cumulative_sum(xp, a, axis):
    """The running sum along ``axis`` (the Array API's ``cumulative_sum``; ``cumsum`` where a namespace lacks it)."""
    fn = getattr(xp, "cumulative_sum", None)
    return fn(a, axis=axis) if fn is not None else xp.cumsum(a, axis=axis)


def _sparsemax_samples(rng):
    # gradient checks: ordinary values, away from the kinks (an element at the threshold) and from ties
    wide = rng.standard_normal((3, 5)) * 2.0
    return [Sample((wide,), {"axis": 1}), Sample((rng.standard_normal((4, 3)) * 0.2,), {"axis": 0}),
            Sample((rng.standard_normal((2, 3, 4)),), {"axis": 1}), Sample((np.array([0.3]),), {"axis": 0}),
            Sample((np.zeros((0, 3)),), {"axis": 1})]


def _sparsemax_special_points(rng):
    nan, inf = np.nan, np.inf
    x = np.array([[1.0, 0.0, -1.0], [0.0, 0.0, 0.0], [0.0, -0.0, 0.0], [1.0, 1.0, -5.0],  # a kink, ties, zeros
                  [nan, 1.0, 2.0], [inf, 1.0, 2.0], [-inf, 1.0, 2.0], [-inf, -inf, -inf], [inf, -inf, 0.0],
                  [1e300, -1e300, 0.0], [1e308, -1e308, 1.0], [0.5, 0.4, -3.0], [0.75, 0.25, 0.0]])
    return [Sample((x,), {"axis": 1}), Sample((x[:4].T.copy(),), {"axis": 0}), Sample((np.array([nan]),), {"axis": 0}),
            Sample((np.zeros((0, 3)),), {"axis": 1}), Sample((np.zeros((2, 0)),), {"axis": 1})]


@register_op("sparsemax", samples=_sparsemax_samples, special_points=_sparsemax_special_points)
class Sparsemax(Function):
    r"""The Euclidean projection of each slice along ``axis`` onto the probability simplex (Martins & Astudillo,
    2016): ``max(a - tau, 0)``, with ``tau`` the threshold that makes the slice sum to 1.

    Forward (Keras 3's algorithm, after shifting by the slice's maximum so that no magnitude loses the 1): with
    ``z = a - max(a)`` sorted in decreasing order and ``c_j`` its running sums, the support is the ``j`` with
    ``z_j - (c_j - 1) / j > 0`` (``k`` of them) and ``tau = (sum of the support's z - 1) / k``.

    Backward: ``g_a = m g - s sum(m g) / k``, with ``m`` where ``a - tau >= 0`` (PyTorch's ``clamp(min=0)`` passes
    the gradient at the bound) and ``s`` the support; this is the gradient PyTorch's autograd gives through Keras'
    formula, kinks included.

    Special points: a NaN or ``+inf`` in a slice makes the slice NaN (gradient 0); ``-inf`` gives 0 (gradient 0)
    unless the whole slice is ``-inf`` (NaN); an empty slice or batch gives an empty result.
    """

    @staticmethod
    def forward(ctx, a, axis):
        xp = ctx.xp
        a = float_input(xp, a)
        axis = axis_index(axis, a.ndim, "sparsemax")
        ctx.axis = axis
        if 0 in a.shape:
            ctx.empty = True
            return xp.zeros_like(a)
        ctx.empty = False
        z = a - xp.max(a, axis=axis, keepdims=True)  # inf - inf and NaN: a NaN slice, silently (Function.apply)
        ordered = xp.flip(xp.sort(z, axis=axis), axis=axis)
        shape = [1] * a.ndim
        shape[axis] = a.shape[axis]
        rank = xp.reshape(xp.arange(1, a.shape[axis] + 1, dtype=a.dtype), tuple(shape))
        support = ordered - (_cumulative_sum(xp, ordered, axis) - 1.0) / rank > 0
        k = xp.sum(xp.astype(support, a.dtype), axis=axis, keepdims=True)
        tau = (xp.sum(xp.where(support, ordered, 0.0), axis=axis, keepdims=True) - 1.0) / k
        shifted = z - tau
        # the smallest value in the support: an element is in it when at least that large (ties go together)
        smallest = xp.min(xp.where(support, ordered, float("inf")), axis=axis, keepdims=True)
        ctx.save_for_backward(shifted >= 0, z >= smallest, k)
        return xp.where(shifted <= 0, 0.0, shifted)  # NaN stays NaN

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        if ctx.empty:
            return xp.zeros_like(grad)
        passed, in_support, k = ctx.saved_tensors
        through = xp.where(passed, grad, 0.0)
        total = xp.sum(through, axis=ctx.axis, keepdims=True)
        return through - xp.where(in_support, total / k, 0.0)


def _broadcastable(name, a, b):
    """Refuse operands whose shapes do not broadcast, with the message of ``add`` (``broadcast_error``) naming the
    op and both shapes in order, before NumPy's own error from inside the formula (found by a tester)."""
    try:
        np.broadcast_shapes(tuple(a.shape), tuple(b.shape))
    except ValueError:
        raise broadcast_error(name, a, b) from None


def _squared_difference_samples(rng):
    return [Sample((rng.standard_normal((3, 4)), rng.standard_normal((3, 4)))),
            Sample((rng.standard_normal((2, 3)), rng.standard_normal((3,)))),
            Sample((np.asarray(0.5), rng.standard_normal((3,)))), Sample((np.zeros((0, 3)), np.asarray(1.0)))]


@register_op("squared_difference", samples=_squared_difference_samples, special_points=binary_special_points())
class SquaredDifference(Function):
    """``(a - b)^2`` with broadcasting; d/da = 2 (a - b), d/db = -2 (a - b).

    Operands of two dtypes are computed in :func:`~tinygradconv.ops.elementwise.promoted_dtype` of them, as
    ``(a - b) ** 2`` and ``torch.nn.functional.mse_loss``: an integer or bool operand beside a float one takes the
    float's dtype (``int64`` beside ``float32``: float32; beside ``float16``: float16), two floats the wider.
    Two bool operands are a ``TypeError``, as PyTorch refuses their ``a - b`` (and so does ``keras.ops.subtract``
    on torch); a bool beside a number dtype counts as 0 and 1, as in ``keras.ops.subtract``.
    """

    @staticmethod
    def forward(ctx, a, b):
        if a.dtype == ctx.xp.bool and b.dtype == ctx.xp.bool:
            refuse_bool_operands("-", True, True, argument="`a` and `b` of squared_difference",
                                 received=f"Received two bool tensors, of shapes {tuple(a.shape)} and "
                                          f"{tuple(b.shape)}")
        _broadcastable("squared_difference", a, b)
        a, b = promoted(ctx.xp, a, b)
        diff = a - b
        ctx.save_for_backward(diff)
        ctx.shapes = (a.shape, b.shape)
        return diff * diff

    @staticmethod
    def backward(ctx, grad):
        (diff,) = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        twice = 2.0 * grad * diff
        sa, sb = ctx.shapes
        return (unbroadcast(ctx.xp, twice, sa) if need_a else None,
                unbroadcast(ctx.xp, -twice, sb) if need_b else None)


def _logits_samples(rng):
    x = rng.standard_normal((3, 4)) * 4.0
    x[0, :3] = (0.0, 30.0, -30.0)     # the middle and both tails
    y = rng.uniform(0.0, 1.0, (3, 4))
    return [Sample((x, y)), Sample((x, (y > 0.5) * 1.0)), Sample((rng.standard_normal((2, 3)), rng.uniform(size=(3,)))),
            Sample((np.asarray(0.5), np.asarray(1.0))), Sample((np.zeros((0, 3)), np.zeros((0, 3))))]


@register_op("binary_crossentropy_with_logits", samples=_logits_samples,
             special_points=binary_special_points(b_values=[0.0, 1.0, 0.25, -0.0, np.nan, np.inf, -np.inf]))
class BinaryCrossentropyWithLogits(Function):
    """``(1 - y) x - log_sigmoid(x)`` element-wise (logits ``x``, targets ``y``, broadcasting), with
    ``log_sigmoid(x) = min(x, 0) - log1p(e^{-|x|})``; d/dx = ``sigmoid(x) - y``, d/dy = ``-x``.

    This is ``torch.nn.functional.binary_cross_entropy_with_logits`` (``reduction="none"``), which Keras 3 calls on
    its torch backend, written the same way so that the rounding agrees too: ``2.06e-9`` for ``y = 1, x = 20``
    (``softplus(x) - x y`` rounds it to 0), ``inf`` for ``y = 0, x = inf``, NaN for ``y = 1, x = -inf``
    (``0 * -inf``). ``x`` and ``y`` broadcast, as the Keras losses built on this op broadcast them; PyTorch refuses
    a target of another shape than ``x`` (``ValueError``). Shapes that do not broadcast are a ``ValueError``.
    Operands of two dtypes are computed in :func:`~tinygradconv.ops.elementwise.promoted_dtype` of them, as
    ``+``: an integer or bool operand beside a float one takes the float's dtype (``float16`` logits with ``int64``
    targets: float16, as PyTorch gives for the targets cast to float16; PyTorch refuses integer targets, "result
    type Half can't be cast to the desired output type Long"). A float16 operand beside a float32 one is computed
    in float32, the result float32, as PyTorch computes both operands cast to float32. Given the two dtypes,
    PyTorch returns float32 for float16 logits with float32 targets but computes part of it in float16 (up to
    1.4e-4 off), and float16 for float32 logits with float16 targets.
    """

    @staticmethod
    def forward(ctx, x, y):
        xp = ctx.xp
        _broadcastable("binary_crossentropy_with_logits", x, y)
        x, y = promoted(xp, x, y)
        ctx.save_for_backward(x, y)
        log_sigmoid = xp.minimum(x, 0.0) - xp.log1p(xp.exp(-xp.abs(x)))
        return (1.0 - y) * x - log_sigmoid

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        x, y = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad
        return (unbroadcast(xp, grad * (stable_sigmoid(xp, x) - y), x.shape) if need_x else None,
                unbroadcast(xp, -grad * x, y.shape) if need_y else None)


def _probability_samples(rng):
    p = rng.uniform(0.05, 0.95, (3, 4))
    y = rng.uniform(0.0, 1.0, (3, 4))
    return [Sample((p, y)), Sample((p, (y > 0.5) * 1.0)),
            Sample((rng.uniform(0.1, 0.9, (2, 3)), rng.uniform(size=(3,)))),
            Sample((np.asarray(0.3), np.asarray(1.0))), Sample((np.zeros((0, 3)), np.zeros((0, 3))))]


#: PyTorch's floor under ``p (1 - p)`` in the gradient of ``binary_cross_entropy``: a C ``float`` 1e-12, so
#: 9.9999998e-13 in every dtype (``aten/src/ATen/native/Loss.cpp``).
_BCE_EPSILON = float(np.float32(1e-12))


def _probability_special_points(rng):
    """Every pair of the special probabilities (0, 1, the clip's ends, a ``p (1 - p)`` below 1e-12) and targets,
    the values PyTorch refuses (NaN, infinities, outside ``[0, 1]``) for each operand, and the edge shapes."""
    p = np.array([0.0, 1.0, 0.5, 1e-7, 1.0 - 1e-7, -0.0, 1e-13])
    y = np.array([0.0, 1.0, 0.25, -0.0, 0.75])
    outside = np.array([np.nan, np.inf, -np.inf, -0.5, 1.5])     # PyTorch refuses these; computed here
    u = rng.uniform
    return [Sample((np.repeat(p, y.size), np.tile(y, p.size))),
            Sample((np.concatenate([outside, np.full(5, 0.5)]), np.concatenate([np.full(5, 0.25), outside]))),
            Sample((np.asarray(u()), np.asarray(u()))),
            Sample((np.asarray(u()), u(size=3))), Sample((u(size=(2, 3)), np.asarray(u()))),
            Sample((np.zeros((0, 3)), u(size=3))), Sample((np.zeros((2, 0)), np.zeros((1, 0))))]


@register_op("binary_crossentropy", samples=_probability_samples, special_points=_probability_special_points)
class BinaryCrossentropy(Function):
    """``(y - 1) max(log1p(-p), -100) - y max(log(p), -100)`` element-wise (probabilities ``p`` in ``[0, 1]``,
    targets ``y``, broadcasting); d/dp = ``(p - y) / max(p (1 - p), 1e-12)``, d/dy = ``-log(p / (1 - p))``.

    This is ``torch.nn.functional.binary_cross_entropy`` (``reduction="none"``), which Keras 3 calls on its torch
    backend after clipping ``p`` to ``[1e-7, 1 - 1e-7]``, written the same way so that the rounding agrees too:
    ``log(1 - p)`` as ``log1p(-p)`` (for ``y = 0, p = 1e-7`` in float32 that is ``1.0e-7``, where ``log(1 - p)``
    gives ``1.19e-7``), each logarithm floored at -100 (so ``p = 0`` costs 100, not ``inf``), and the gradient's
    denominator floored at ``1e-12``. PyTorch refuses a ``p`` outside ``[0, 1]``; here it is computed (NaN).
    ``p`` and ``y`` broadcast, as the Keras losses built on this op broadcast them; PyTorch refuses a target of
    another shape than ``p`` (``ValueError``). Shapes that do not broadcast are a ``ValueError`` naming both.
    Operands of two dtypes are computed in :func:`~tinygradconv.ops.elementwise.promoted_dtype` of them, as
    ``+``: an integer or bool target beside float32 probabilities is float32, and a float16 operand beside a
    float32 one is computed in float32 (PyTorch refuses two dtypes: "Found dtype Long but expected Float",
    "Found dtype Float but expected Half"; Keras 3 casts the targets to the probabilities' dtype first).
    """

    @staticmethod
    def forward(ctx, p, y):
        xp = ctx.xp
        _broadcastable("binary_crossentropy", p, y)
        p, y = promoted(xp, p, y)
        ctx.save_for_backward(p, y)
        return (y - 1.0) * xp.maximum(xp.log1p(-p), -100.0) - y * xp.maximum(xp.log(p), -100.0)

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        p, y = ctx.saved_tensors
        need_p, need_y = ctx.needs_input_grad
        return (unbroadcast(xp, grad * (p - y) / xp.maximum((1.0 - p) * p, _BCE_EPSILON), p.shape) if need_p else None,
                unbroadcast(xp, -xp.log(p / (1.0 - p)) * grad, y.shape) if need_y else None)


def binary_crossentropy(p, y):
    """The binary cross-entropy of probabilities ``p`` against targets ``y``, element-wise, as one op (see
    :class:`BinaryCrossentropy`; the loss :func:`tinygradconv.losses.binary_crossentropy` clips ``p`` first).

    >>> import tinygradconv as tg
    >>> [round(v, 4) for v in binary_crossentropy(tg.tensor([0.5, 0.9]), tg.tensor([1.0, 0.0])).tolist()]
    [0.6931, 2.3026]
    """
    p = p if isinstance(p, Tensor) else Tensor(p)
    return BinaryCrossentropy.apply(p, p._lift(y))


def binary_crossentropy_with_logits(x, y):
    """The binary cross-entropy of logits ``x`` against targets ``y``, element-wise, as one op (see
    :class:`BinaryCrossentropyWithLogits`).

    >>> import tinygradconv as tg
    >>> [round(v, 4) for v in binary_crossentropy_with_logits(tg.tensor([0.0, 2.0]), tg.tensor([1.0, 0.0])).tolist()]
    [0.6931, 2.1269]
    """
    x = x if isinstance(x, Tensor) else Tensor(x)
    return BinaryCrossentropyWithLogits.apply(x, x._lift(y))


def squared_difference(a, b):
    """``(a - b) ** 2`` element-wise, as one differentiable op.

    >>> import tinygradconv as tg
    >>> squared_difference(tg.tensor([3.0, 1.0]), tg.tensor([1.0, 1.0])).tolist()
    [4.0, 0.0]
    """
    a = a if isinstance(a, Tensor) else Tensor(a)
    return SquaredDifference.apply(a, a._lift(b))


def softplus(x):
    """``log(1 + exp(x))`` element-wise, stable for any ``x``."""
    return Softplus.apply(x if isinstance(x, Tensor) else Tensor(x))


def log_softmax(x, axis=-1):
    """Logarithm of the softmax along ``axis``, stable for any ``x``: an int, a tuple of ints (the axes one
    distribution spans, as Keras 3) or None (every axis).

    A rank-0 tensor is one class (``axis`` 0 or -1, as PyTorch and Keras): its log-softmax is 0 (NaN for NaN or
    ``+-inf``).

    >>> import tinygradconv as tg
    >>> log_softmax(tg.tensor(3.0)).item()
    0.0
    >>> [round(v, 4) for v in log_softmax(tg.tensor([[0.0, 0.0], [0.0, 0.0]]), axis=(0, 1)).reshape(4).tolist()]
    [-1.3863, -1.3863, -1.3863, -1.3863]
    """
    x = x if isinstance(x, Tensor) else Tensor(x)
    axes = softmax_axes(axis, x.ndim, "log_softmax", scalar_axis=True)
    if x.ndim == 0:
        return LogSoftmax.apply(x.reshape(1), axis=0).reshape(())
    return LogSoftmax.apply(x, axis=axes[0] if len(axes) == 1 and not isinstance(axis, (tuple, list)) else axes)


def softmax(x, axis=-1):
    """The softmax along ``axis``, stable for any ``x``, as one op (:class:`Softmax`): an int, a tuple of ints (the
    axes one distribution spans, as Keras 3) or None (every axis). A rank-0 tensor is one class: 1 (NaN for NaN or
    ``+-inf``).

    >>> import tinygradconv as tg
    >>> softmax(tg.tensor([1000.0, 1000.0])).tolist()
    [0.5, 0.5]
    """
    x = x if isinstance(x, Tensor) else Tensor(x)
    axes = softmax_axes(axis, x.ndim, "softmax", scalar_axis=True)
    if x.ndim == 0:
        return Softmax.apply(x.reshape(1), axis=0).reshape(())
    return Softmax.apply(x, axis=axes[0] if len(axes) == 1 and not isinstance(axis, (tuple, list)) else axes)


def sparsemax(x, axis=-1):
    """Sparsemax along ``axis`` (an int), as one op (see :class:`Sparsemax`): each slice becomes a probability
    distribution whose small entries are exactly 0.

    Raises:
        TypeError: ``axis`` not an int.
        AxisError: (a ``ValueError`` and an ``IndexError``) ``axis`` out of range, or a rank-0 ``x``: it has no
            axis of classes, and Keras 3 refuses it too (an ``IndexError``, "Dimension specified as -1 but tensor
            has no dimensions"), where its ``softmax`` returns 1; reshape it to ``(1,)`` for one class.

    >>> import tinygradconv as tg
    >>> sparsemax(tg.tensor([0.75, 0.25, 0.0])).tolist()
    [0.75, 0.25, 0.0]
    >>> sparsemax(tg.tensor([3.0, 1.0, 0.0])).tolist()
    [1.0, 0.0, 0.0]
    """
    x = x if isinstance(x, Tensor) else Tensor(x)
    if not _is_integer(axis):
        raise TypeError(f"sparsemax: axis must be an integer. Received axis={axis!r}")
    if x.ndim == 0:
        raise AxisError(f"Invalid value for argument `x`: sparsemax needs a tensor with an axis of classes, as "
                        f"Keras 3's (an IndexError there). Received x of shape () (rank 0) with axis={axis!r}; "
                        f"reshape it to (1,) for one class")
    return Sparsemax.apply(x, axis=axis_index(axis, x.ndim, "sparsemax"))
