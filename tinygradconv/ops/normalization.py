r"""The normalization of ``LayerNormalization`` and ``GroupNormalization`` as one op, ``layer_norm``.

Over the axes ``axes`` (the statistics' axes), with :math:`n` the number of elements they span,

.. math:: \mu = \tfrac{1}{n} \sum x, \quad \sigma^2 = \tfrac{1}{n} \sum (x - \mu)^2, \quad
          r = 1 / \sqrt{\sigma^2 + \epsilon}, \quad \hat x = (x - \mu) \, r, \quad y = \hat x \, \gamma + \beta.

``gamma`` and ``beta`` broadcast against ``x`` (a weight per feature, or per channel of a group). The backward pass
is the closed form, with :math:`g' = g \gamma` and the means taken over ``axes``:

.. math:: \frac{\partial L}{\partial x} = r \left(g' - \mathrm{mean}(g') - \hat x \, \mathrm{mean}(g' \hat x)\right),
          \quad \frac{\partial L}{\partial \gamma} = \sum g \, \hat x, \quad
          \frac{\partial L}{\partial \beta} = \sum g

(the last two summed over the axes where ``gamma``/``beta`` are broadcast). It is what the composition of the
mean, the variance, the division, ``gamma`` and ``beta`` gives, the gradient flowing through :math:`\mu` and
:math:`\sigma^2` included: :math:`\partial \mu / \partial x_i = 1/n` gives the ``mean(g')`` term and
:math:`\partial \sigma^2 / \partial x_i = 2 (x_i - \mu) / n` the :math:`\hat x \, \mathrm{mean}(g' \hat x)` one. As
one op it keeps only :math:`\hat x` and :math:`r` for the backward pass (PyTorch's ``native_layer_norm`` keeps
:math:`\mu` and :math:`r`), where the composition kept six arrays of the input's size.

The variance is taken in two passes, :math:`\mathrm{mean}((x - \mu)^2)`, as PyTorch's kernel and Keras' torch
backend; where the two-pass statistics need care (a spread within a few roundings of the mean, squares near
overflow) :func:`moments` follows the rules of Keras 3.15 on torch, which the tests compare with.

>>> import tinygradconv as tg
>>> x = tg.tensor([[1.0, 2.0, 3.0]], dtype="float64", requires_grad=True)
>>> y = layer_norm(x, axes=(1,), epsilon=0.0)
>>> [round(v, 6) for v in y.tolist()[0]]
[-1.224745, 0.0, 1.224745]
>>> (y * tg.tensor([[1.0, 0.0, 0.0]], dtype="float64")).sum().backward()
>>> [round(v, 6) for v in x.grad.tolist()[0]]
[0.204124, -0.408248, 0.204124]
"""
from __future__ import annotations

import math

import numpy as np

from ..autograd import Function, Sample, register_op
from ..backend import dtype_name
from ..config import _FLOAT_TYPES
from ..tensor import Tensor
from ..validation import _is_integer
from .elementwise import unbroadcast
from .summation import accurate_sum

__all__ = ["LayerNorm", "layer_norm", "moments"]

_EPSILON = {name: float(np.finfo(name).eps) for name in _FLOAT_TYPES}
_LARGEST = {name: float(np.finfo(name).max) for name in _EPSILON}


# ------------------------------------------------------------------------------------------- the statistics
def _mean(xp, x, axes, count):
    """The mean over ``axes`` (kept, of size 1), summed pairwise as :class:`~tinygradconv.ops.reduction.Mean`;
    NaN over no element (0/0)."""
    if count == 0:
        return xp.full(tuple(1 if i in axes else n for i, n in enumerate(x.shape)), math.nan, dtype=x.dtype)
    return accurate_sum(xp, x, axis=axes, keepdims=True) / count


def _variance(xp, centered, axes, count):
    """The mean of the squares of ``centered`` over ``axes``."""
    return _mean(xp, centered * centered, axes, count)


def moments(xp, x, axes, overflow="keras"):
    r"""``(mean, centered, variance)`` of the array ``x`` over ``axes``: the mean and the biased two-pass variance
    (kept axes of size 1) and ``x - mean``, raw arrays.

    The two-pass variance keeps every digit where Keras' one pass, :math:`\mathrm{mean}(x^2) - \mu^2`
    (``keras.ops.moments``), cancels. Two cases need care, both read from the statistics alone
    (:func:`statistics_need_care`), so the ordinary path reads ``x`` no further:

    - a spread within a few roundings of the mean: the mean is taken again shifted by each group's first element,
      ``x_0 + mean(x - x_0)``, which is ``x_0`` exactly for a constant group (a constant float32 row of 1e15 has a
      plain mean 1 ulp off, which would normalize it to -1, not to the 0 of PyTorch and Keras);
    - squares near overflow (float32 beyond :math:`|x| \approx 1.8 \cdot 10^{19}`, float64 beyond
      :math:`1.3 \cdot 10^{154}`), where the two-pass variance and Keras' one pass differ by more than rounding;
      ``overflow`` says whose result to give:

      - ``"keras"`` (``keras.ops.moments``, :func:`keras_overflow`): NaN where :math:`\mu^2` overflows
        (``inf - inf``), so ``[[1e20, 1.0, 2.0]]`` normalizes to NaN, not to zeros; ``inf`` where only
        :math:`\mathrm{mean}(x^2)` does, which normalizes to zeros (``[[1e20, -1e20, 3e19]]``).
      - ``"torch"`` (torch's CPU ``layer_norm`` kernel, which Keras on torch calls over consecutive axes,
        :func:`torch_overflow`): a mean whose sum overflowed on finite values taken as the sum of ``x / n`` (a
        running mean does not overflow there); NaN where the kernel's first partial mean squared overflows,
        ``inf`` (zeros) where the sum of squared deviations does, the two-pass values elsewhere
        (``1e19 * (1 + 0.01 * arange(10))`` normalizes to about -1.57 ... 1.57 there, as in torch).

    The NaN is added to the variance, so the values and the gradient of such a group are NaN. Each of these means
    is mathematically the mean, so the gradient of :class:`LayerNorm` is the same closed form everywhere.
    """
    count = math.prod(x.shape[a] for a in axes)
    mean = _mean(xp, x, axes, count)
    centered = x - mean
    variance = _variance(xp, centered, axes, count)
    rounded, near_overflow = statistics_need_care(xp, x, axes, mean, variance)
    if rounded:
        index = tuple(slice(0, 1) if a in axes else slice(None) for a in range(x.ndim))
        shift = x[index]
        mean = shift + _mean(xp, x - shift, axes, count)
        centered = x - mean
        variance = _variance(xp, centered, axes, count)
    if near_overflow:
        if overflow == "torch":
            overflowed = ~xp.isfinite(mean) & xp.all(xp.isfinite(x), axis=axes, keepdims=True)
            if bool(xp.any(overflowed)):
                mean = xp.where(overflowed, accurate_sum(xp, x * (1.0 / count), axis=axes, keepdims=True), mean)
                centered = x - mean
                variance = _variance(xp, centered, axes, count)
        nans = (keras_overflow if overflow == "keras" else torch_overflow)(xp, x, axes, mean)
        if nans is not None:
            variance = variance + nans
    return mean, centered, variance


def statistics_need_care(xp, x, axes, mean, variance):
    """``(rounded, near_overflow)`` for the array ``x`` and its two-pass ``mean`` and ``variance`` over ``axes``:

    - ``rounded``: some group's spread is within a few roundings of its mean, where the rounding of the mean itself
      shows in the centered values (a constant float32 row of 1e15 has a mean 1 ulp off, its sum being rounded, so
      its centered values were all -1 ulp and it normalized to -1, not to the 0 of torch's running mean and of
      Keras: found by a builder); the mean shifted by each group's first element is exact there.
    - ``near_overflow``: some square of ``x`` may come near the largest number of its dtype, never for an empty
      input (its NaN statistics, the mean of nothing, are already Keras').
    """
    count = math.prod(x.shape[a] for a in axes)
    name = dtype_name(x.dtype)
    if count == 0 or 0 in x.shape or name not in _EPSILON:
        return False, False
    with np.errstate(over="ignore", invalid="ignore"):      # (overflow is the point here: no RuntimeWarning)
        squared_mean = mean * mean
        largest = _LARGEST[name] / 4
        rounded = bool(xp.any((variance > 0) & (variance <= (16 * _EPSILON[name] ** 2) * squared_mean)
                              & (squared_mean < largest)))     # (rows near overflow: the overflow rules below)
        # sum(x^2) = count * (variance + mean^2) up to rounding, and no square exceeds it; a bound that overflows
        # (inf) or is NaN fails the test
        near_overflow = not bool(xp.all(count * (variance + squared_mean) < largest))
    return rounded, near_overflow


def keras_overflow(xp, x, axes, mean):
    r"""An array to add to the two-pass variance so that it becomes ``keras.ops.moments``' where squares overflow:
    NaN where Keras' :math:`\mu^2` overflows, ``inf`` where its :math:`\mathrm{mean}(x^2)` does (and :math:`\mu^2`
    does not), 0 elsewhere; ``None`` where it is 0 everywhere. ``x`` and ``mean`` are raw arrays."""
    with np.errstate(over="ignore"):
        squares = xp.mean(x * x, axis=axes, keepdims=True)      # Keras' mean(x^2), in x's dtype
        mean_squared = mean * mean
    nan, inf = xp.asarray(math.nan, dtype=x.dtype), xp.asarray(math.inf, dtype=x.dtype)
    overflow = xp.where(xp.isinf(mean_squared), nan, xp.where(xp.isinf(squares), inf, xp.zeros_like(mean)))
    return overflow if bool(xp.any(overflow != 0)) else None


def torch_overflow(xp, x, axes, mean):
    r"""An array to add to the two-pass variance: NaN in the rows where torch's CPU ``layer_norm`` kernel (torch
    2.13, float32 and float64) gives NaN, 0 elsewhere; ``None`` where there is none. ``axes`` are consecutive;
    ``x`` and ``mean`` are raw arrays.
    (Keras 3.15 on torch runs a float64 layer through the float32 kernel, computing in float32: the float64 rule
    here is torch's, ``torch.nn.LayerNorm`` in float64; see docs/keras_compatibility.md.)

    That kernel takes each row's moments with Welford's algorithm, in vectors of 32 bytes (8 float32 or 4 float64
    lanes): lane ``k`` takes elements ``k, k + 8, ...`` and the elements after the last full vector are taken one
    by one; the lanes are then merged into those, each merge adding ``delta**2 * c * m0``. Where nothing came one by
    one (``m0 = 0``), the first merge gives ``inf * 0 = NaN`` once its ``delta``, a mean, has a square that
    overflows. So a row of ``n`` elements is NaN where (found against torch on rows of 2 to 1000 elements of
    magnitudes 1e15 to 3e38, float32 and float64: in float32 NaN or not as torch on all but 8 of 8731 rows, those
    near the largest number, see docs/keras_compatibility.md):

    - ``n`` is smaller than the number of lanes and the row's mean squared overflows (``[[1e20, 1.0, 2.0]]``);
    - ``n`` is a multiple of it and the mean of lane 0 (elements ``0, 8, 16, ...``) squared overflows;
    - or the row's largest minus its smallest element overflows (``[[3e38, -3e38, 0.0]]``: Welford's ``delta``).

    ``1e19 * (1 + 0.01 * arange(10))`` is no such row: its values are torch's, finite.
    """
    first, last = axes[0], axes[-1]
    count = math.prod(x.shape[a] for a in axes)
    lanes = 32 // np.dtype(dtype_name(x.dtype)).itemsize
    rows = xp.reshape(x, x.shape[:first] + (count,) + x.shape[last + 1:])      # the axes as one (consecutive)
    with np.errstate(over="ignore", invalid="ignore"):
        if count < lanes:
            partial = mean
        elif count % lanes == 0:
            by_lane = xp.reshape(rows, x.shape[:first] + (count // lanes, lanes) + x.shape[last + 1:])
            partial = xp.reshape(xp.mean(by_lane, axis=first, keepdims=True)[(slice(None),) * (first + 1) + (0,)],
                                 mean.shape)          # the mean of lane 0
        else:
            partial = xp.zeros_like(mean)
        spread = xp.reshape(xp.max(rows, axis=first) - xp.min(rows, axis=first), mean.shape)
        nan_rows = xp.isinf(partial * partial) | xp.isinf(spread)
    if not bool(xp.any(nan_rows)):
        return None
    return xp.where(nan_rows, xp.asarray(math.nan, dtype=x.dtype), xp.zeros_like(mean))


# ------------------------------------------------------------------------------------------------- the op
def _checked_axes(axes, ndim):
    """``axes`` as a sorted tuple of distinct non-negative ints below ``ndim`` (negative ones count from the end)."""
    if not isinstance(axes, (tuple, list)) or not all(_is_integer(a) for a in axes):
        raise TypeError(f"layer_norm: axes must be a tuple of integers. Received axes={axes!r}")
    out = []
    for a in axes:
        if not -ndim <= a < ndim:
            raise ValueError(f"layer_norm: axis {a} is out of range for an input of {ndim} axes. Received "
                             f"axes={tuple(axes)!r}")
        out.append(int(a) % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"layer_norm: axes names the same axis twice. Received axes={tuple(axes)!r}")
    if not out:
        raise ValueError("layer_norm: axes must name at least one axis to normalize over. Received axes=()")
    return tuple(sorted(out))


def _checked_weight(xp, name, weight, x):
    """``weight`` (gamma or beta) as an array of ``x``'s dtype that broadcasts against ``x`` to ``x``'s shape."""
    if weight is None:
        return None
    shape = tuple(weight.shape)
    if len(shape) > x.ndim or any(w not in (1, n) for w, n in zip(shape[::-1], x.shape[::-1])):
        raise ValueError(f"layer_norm: {name} of shape {shape} does not broadcast to the input's shape "
                         f"{tuple(x.shape)}; expected the normalized axes' sizes, 1 elsewhere")
    return weight if weight.dtype == x.dtype else xp.astype(weight, x.dtype)


def _layer_norm_samples(rng):
    x = rng.standard_normal((2, 3, 4)) * 2.0 + 1.0
    gamma, beta = rng.standard_normal((1, 1, 4)), rng.standard_normal((1, 1, 4))
    grouped = rng.standard_normal((2, 2, 3, 5))        # (batch, groups, channels per group, steps)
    return [Sample((x, gamma, beta), {"axes": (2,), "epsilon": 1e-3}),
            Sample((x, rng.standard_normal((3, 4)), rng.standard_normal((3, 4))), {"axes": (1, 2), "epsilon": 0.0}),
            Sample((x, gamma[0, 0], None), {"axes": (-1,), "epsilon": 1e-3, "overflow": "torch"}),
            Sample((x, None, None), {"axes": (0, 2), "epsilon": 1e-3}),
            Sample((x, None, beta), {"axes": (2,), "epsilon": 1e-2}),
            Sample((grouped, rng.standard_normal((1, 2, 3, 1)), rng.standard_normal((1, 2, 3, 1))),
                   {"axes": (2, 3), "epsilon": 1e-3}),       # GroupNormalization's: a weight per channel
            Sample((rng.standard_normal((3, 1)), None, None), {"axes": (1,), "epsilon": 0.5}),   # one element
            Sample((np.zeros((0, 3)), np.ones(3), np.zeros(3)), {"axes": (1,), "epsilon": 1e-3})]


def _layer_norm_special_points(rng):
    nan, inf = np.nan, np.inf
    rows = np.array([[1.0, nan, 2.0, 0.5], [inf, 1.0, 2.0, 0.0], [-inf, 1.0, 2.0, 3.0], [3.0, 3.0, 3.0, 3.0],
                     [0.0, -0.0, 0.0, -0.0], [-0.0, 1.0, -1.0, 2.0], [1e300, -1e300, 0.0, 1.0],
                     [2.0, -1.0, 0.25, 4.0]])
    gamma = np.array([1.5, -0.0, 3.0, 2.0])
    beta = np.array([0.0, nan, -1.0, -0.0])
    # over the last axes as torch's F.layer_norm (its kernel's NaN for the row of 1e300), and over the first axis
    # (keras.ops.moments' rule there, the variance inf, is tested against Keras with the layers)
    torch = {"overflow": "torch"}
    return [Sample((rows, np.ones(4), np.zeros(4)), {"axes": (1,), "epsilon": 1e-5, **torch}),
            Sample((rows, gamma, beta), {"axes": (1,), "epsilon": 1e-5, **torch}),
            Sample((rows, None, None), {"axes": (1,), "epsilon": 0.0, **torch}),   # zero variance, no epsilon: NaN
            Sample((rows.reshape(2, 4, 4), None, None), {"axes": (1, 2), "epsilon": 1e-3, **torch}),
            Sample((np.delete(rows, 6, axis=0).T.copy(), gamma[:, None], beta[:, None]), {"axes": (0,),
                                                                                           "epsilon": 1e-5}),
            Sample((np.asarray([-0.0]), None, np.asarray(2.0)), {"axes": (0,), "epsilon": 1e-3}),  # rank-0 beta
            Sample((np.zeros((0, 4)), np.ones(4), np.zeros(4)), {"axes": (1,), "epsilon": 1e-3}),
            Sample((np.zeros((2, 0)), None, None), {"axes": (1,), "epsilon": 1e-3})]


@register_op("layer_norm", samples=_layer_norm_samples, special_points=_layer_norm_special_points)
class LayerNorm(Function):
    r""":math:`y = (x - \mu) \, r \, \gamma + \beta` with :math:`r = 1 / \sqrt{\sigma^2 + \epsilon}`, the statistics
    over ``axes``; see the module's docstring for the backward pass.

    ``gamma`` and ``beta`` (optional, None: 1 and 0) broadcast against ``x``. ``overflow`` (``"keras"`` or
    ``"torch"``) picks whose statistics to follow where squares overflow (:func:`moments`). float16 is computed in
    float32 and rounded once, value and gradients, as PyTorch's CPU kernel. Saves :math:`\hat x`, :math:`r` and
    ``gamma`` (a weight, not the input's size) for the backward pass.
    """

    new_gradients = True        # (every gradient below is a new array)

    @staticmethod
    def forward(ctx, x, gamma=None, beta=None, *, axes, epsilon, overflow="keras"):
        xp = ctx.xp
        axes = _checked_axes(axes, x.ndim)
        if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float)) or not epsilon >= 0:
            raise ValueError(f"layer_norm: epsilon must be a number >= 0. Received epsilon={epsilon!r}")
        if overflow not in ("keras", "torch"):
            raise ValueError(f"layer_norm: overflow must be 'keras' or 'torch'. Received overflow={overflow!r}")
        dtype = x.dtype
        if dtype_name(dtype) == "float16":    # computed in float32, rounded once (float16 squares overflow at 256)
            x = xp.astype(x, xp.float32)
        gamma = _checked_weight(xp, "gamma", gamma, x)
        beta = _checked_weight(xp, "beta", beta, x)
        _, normalized, variance = moments(xp, x, axes, overflow)
        rstd = 1.0 / xp.sqrt(variance + epsilon)
        normalized *= rstd                  # x_hat, in place of the centered values (a new array)
        out = normalized * gamma if gamma is not None else xp.asarray(normalized, copy=True)
        if beta is not None:
            out += beta
        ctx.axes, ctx.count, ctx.dtype = axes, math.prod(x.shape[a] for a in axes), dtype
        ctx.save_for_backward(normalized, rstd, gamma)
        return out if out.dtype == dtype else xp.astype(out, dtype)

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        x_hat, rstd, gamma = ctx.saved_tensors
        half = dtype_name(ctx.dtype) == "float16"
        g = xp.astype(grad, xp.float32) if half else grad
        needs = ctx.needs_input_grad
        dx = dgamma = dbeta = None
        if needs[0]:
            scaled = g * gamma if gamma is not None else xp.asarray(g, copy=True)       # g' = g * gamma
            if ctx.count:
                mean_scaled = accurate_sum(xp, scaled, axis=ctx.axes, keepdims=True) / ctx.count
                mean_projected = accurate_sum(xp, scaled * x_hat, axis=ctx.axes, keepdims=True) / ctx.count
                scaled -= mean_scaled
                scaled -= x_hat * mean_projected
            scaled *= rstd
            dx = scaled if not half else xp.astype(scaled, xp.float16)
        if len(needs) > 1 and needs[1] and gamma is not None:
            dgamma = _weight_grad(xp, g * x_hat, ctx.inputs[1])
        if len(needs) > 2 and needs[2] and ctx.inputs[2] is not None:
            dbeta = _weight_grad(xp, xp.asarray(g, copy=True) if g is grad else g, ctx.inputs[2])
        return dx, dgamma, dbeta


def _weight_grad(xp, grad, weight):
    """``grad`` (of the input's shape) summed to the shape of ``weight`` (a Tensor), in its dtype; a new array."""
    out = unbroadcast(xp, grad, tuple(weight.shape))
    return out if out.dtype == weight.data.dtype else xp.astype(out, weight.data.dtype)


def layer_norm(x, gamma=None, beta=None, *, axes, epsilon=1e-3, overflow="keras"):
    r"""Normalize ``x`` over ``axes``: :math:`(x - \mu) / \sqrt{\sigma^2 + \epsilon} \cdot \gamma + \beta`, as one
    differentiable op (:class:`LayerNorm`; the maths in the module's docstring).

    Args:
        x: the input (a Tensor or data).
        gamma, beta: the scale and the offset (Tensors or None: 1 and 0), broadcasting against ``x``.
        axes: a tuple of the axes the mean and variance are taken over (negative ones count from the end).
        epsilon: added to the variance (``>= 0``).
        overflow: ``"keras"`` or ``"torch"``: whose statistics where squares overflow (:func:`moments`).

    Raises:
        TypeError: ``axes`` not a tuple of integers.
        ValueError: an axis out of range or twice, no axis, a negative ``epsilon``, weights that do not broadcast.

    >>> import tinygradconv as tg
    >>> layer_norm(tg.tensor([[0.0, 2.0]]), tg.tensor([2.0, 2.0]), tg.tensor([1.0, 1.0]), axes=(-1,),
    ...            epsilon=0.0).tolist()
    [[-1.0, 3.0]]
    """
    x = x if isinstance(x, Tensor) else Tensor(x)
    gamma = None if gamma is None else x._lift(gamma)
    beta = None if beta is None else x._lift(beta)
    return LayerNorm.apply(x, gamma, beta, axes=tuple(axes) if isinstance(axes, list) else axes, epsilon=epsilon,
                           overflow=overflow)
