r"""1-D pooling: ``max_pool1d`` and ``avg_pool1d``, Keras 3's ``keras.ops.max_pool`` / ``average_pool`` on the
torch backend (which call ``torch.nn.functional.max_pool1d`` / ``avg_pool1d``), values and gradients.

Inputs are ``(batch, steps, channels)`` (``data_format="channels_last"``, Keras' default) or ``(batch, channels,
steps)`` (``"channels_first"``). With pool size ``k`` and stride ``s``, window ``o`` covers the padded steps
``o*s, ..., o*s + k - 1``:

* ``padding="valid"``: no padding; ``out = floor((L - k) / s) + 1`` windows (an input shorter than ``k`` is refused).
* ``padding="same"``: ``out = ceil(L / s)``; the ``total = max(0, (out - 1) s + k - L)`` padded steps go
  ``left = total // 2`` before the input and the rest after it (Keras' ``_compute_padding_length``). When
  ``left == right`` Keras lets torch pad: the padded steps are left out (a max over the real steps only, an average
  divided by the number of real steps in the window, torch's ``count_include_pad=False``). When ``left != right``
  Keras pads the input itself with copies of its edge steps (``mode="replicate"``) and torch averages full windows
  of ``k`` steps, so an edge step counts twice in the last window (``[1, 5, 3, 2, 4]``, ``k = 2``, ``s = 1``: the
  last average is ``(4 + 4) / 2 = 4``, not ``4 / 1``). Both are reproduced here.

Forward and backward, for window ``o`` and channel ``c`` (``x`` the padded input):

* max: ``y[o] = x[i*]`` with ``i*`` torch's choice: the first maximum of the window, or the last NaN when the
  window holds one (``y`` is then NaN). ``dL/dx[i] = sum of g[o] over the windows whose i* is i``: overlapping
  windows (``k > s``) that pick the same step add up.
* average: ``y[o] = (sum of x over the window) / n[o]`` with ``n[o] = k``, or the number of real steps in the
  window where torch leaves the padding out. ``dL/dx[i] = sum of g[o] / n[o]`` over the windows holding ``i``.

A replicated edge step's gradient goes to the edge step it copies. The windows are strided slices of the padded
input, one per offset ``0 <= j < k`` (a loop over the pool size, never over elements); the backward adds each
offset's share back through the same slices (last offset first: each step then receives its windows' shares in
window order, the order of torch's sums). float16 averages are summed in float32 and rounded once (as torch's CPU
kernel). torch's sum starts from +0.0, so a window of -0.0 only averages to 0.0, as here (``+= 0.0`` in place on the
sums, which costs no time: the in-place division saves an allocation; 3.6-3.9 ms fwd+bwd before and after on
``(32, 1024, 64)`` k2 s2, one thread, min of 150 alternating runs on a shared machine).

>>> import numpy as np
>>> import tinygradconv as tg
>>> x = tg.tensor(np.array([1.0, 5.0, 3.0, 2.0, 4.0]).reshape(1, 5, 1), requires_grad=True)
>>> y = max_pool1d(x, 2, strides=1)
>>> y.numpy().ravel().tolist()
[5.0, 5.0, 3.0, 4.0]
>>> y.sum().backward()
>>> x.grad.numpy().ravel().tolist()              # step 1 is the maximum of two windows, step 3 of none
[0.0, 2.0, 1.0, 0.0, 1.0]
>>> avg_pool1d(x, 2, strides=1, padding="same").numpy().ravel().tolist()    # the last window: [4, copy of 4]
[3.0, 4.0, 2.5, 3.0, 4.0]

Which path, and why (max): a ``where()`` or a boolean mask over random data costs a mispredicted branch per element
on CPUs (7.7 ms for 2M float32 elements against 0.25 ms for ``maximum``), and ``argmax`` over a stacked window axis
is a strided reduction: the first version (stack, two ``argmax``, a masked ``max``) took 55-175 ms on the shapes
below. The forward pass is now ``k - 1`` ``maximum`` calls, then ``chosen``, the first tap equal to the maximum, as
a running count (``searching &= tap != max; chosen += searching``); NaN windows (the last NaN wins) and a result
holding zeros (the sign of the chosen zero: ``(v + 0.0) * (1 - 2 * negative)``) take short extra passes, only when
one reduction finds them. The backward pass multiplies the gradient by 0/1 masks (``select`` only when the gradient
is not finite, where ``inf * 0`` would be NaN) and adds each tap's share through its strided slice, in place.
float16 is compared and summed in float32 (rounded to float16 after every addition, bit for bit the same).
Forward + backward, median of 31, ours and ``torch.nn.functional.max_pool1d`` (on its own contiguous ``(batch,
channels, steps)`` layout, Keras' padding) alternating, ``taskset -c 1``, one OpenMP/BLAS thread, float32, on an
AMD EPYC (``lscpu``; two cores shared with other work), 2026-12-07:

::

    shape, pool                 max: ours    torch         avg: ours    torch    (ms)
    (32, 1024, 64) k2 s2 valid  6.5          14.7          5.2          13.1
    (32, 1024, 64) k3 s1 same   10.3-12.6    28.8-32.5     6.5          26.5
    (32, 1024, 64) k4 s1 same   13.0-14.6    33.3-36.9     7.8          35.1
    (8, 4096, 8) k3 s1 same     1.1          3.8           0.93         3.4
    (8, 4096, 8) k2 s2 valid    1.0          1.9           0.92         1.7
    (1, 64, 16) k3 s1 same      0.047-0.058  0.041-0.047   0.045-0.072  0.047-0.068

(The (1, 64, 16) row: 200 samples of 20 calls each.) At that size max_pool1d is 15-25% slower than torch: some
40 NumPy calls of about 0.5 us each against one C++ kernel, a fixed cost, not a per-element one (the engine's own
overhead is torch's). float16 is 2-3 times slower than torch (CPUs have no float16 arithmetic; NumPy converts
every element).

Sources: Keras 3.15 ``keras/src/backend/torch/nn.py`` (``max_pool``, ``average_pool``, ``_apply_same_padding``);
PyTorch ``torch.nn.functional.max_pool1d`` and ``avg_pool1d``.
"""
from __future__ import annotations

import math

import numpy as np

from ..autograd import Function, Sample, register_op
from ..backend import dtype_name
from ..tensor import Tensor
from ..validation import size_fits, standardize_tuple
from .conv_batching import float_bytes
from .elementwise import _in_float32, float_input

__all__ = ["avg_pool1d", "max_pool1d", "pooling_geometry"]

PADDINGS = ("valid", "same")
DATA_FORMATS = ("channels_last", "channels_first")


def pooling_geometry(steps, pool_size, strides, padding):
    """``(left, right, out)``: the padded steps before and after an input of ``steps`` steps, and the number of
    windows, for ``pool_size`` and ``strides`` (ints) and ``padding`` ("valid" or "same"), as Keras 3 on torch.

    Raises:
        ValueError: no window fits (``padding="valid"`` and ``steps < pool_size``), or an input with 0 steps.

    >>> pooling_geometry(5, 2, 1, "same"), pooling_geometry(5, 3, 1, "same"), pooling_geometry(5, 2, 2, "valid")
    ((0, 1, 5), (1, 1, 5), (0, 0, 2))
    """
    if steps == 0:
        raise ValueError(f"Invalid value for the input of a pooling op: it has 0 steps (nothing to pool). "
                         f"Received steps={steps}, pool_size={pool_size}")
    if padding == "valid":
        out = (steps - pool_size) // strides + 1
        if out <= 0:
            raise ValueError(f"Invalid value for the input of a pooling op: {steps} steps are fewer than "
                             f"pool_size={pool_size}, so no window fits with padding='valid' (Keras: 'Computed "
                             f"output size would be zero or negative'); use padding='same' or a smaller pool_size")
        return 0, 0, out
    out = (steps + strides - 1) // strides
    total = max(0, (out - 1) * strides + pool_size - steps)
    return total // 2, total - total // 2, out


def _check_arguments(pool_size, strides, padding, data_format, op):
    """The arguments as ``(k, s, padding, data_format)``, with Keras' checks."""
    if (type(pool_size) is int and pool_size > 0 and type(strides) is int and strides > 0
            and padding in PADDINGS and isinstance(data_format, str) and data_format in DATA_FORMATS):
        return pool_size, strides, padding, data_format         # the common case, checked without building messages
    (k,) = standardize_tuple(pool_size, "pool_size")
    (s,) = standardize_tuple(k if strides is None else strides, "strides")
    if not isinstance(padding, str) or padding.lower() not in PADDINGS:
        raise ValueError(f"Invalid value for argument `padding` of {op}. Expected one of {PADDINGS} (any case). "
                         f"Received padding={padding!r}")
    if not isinstance(data_format, str) or data_format not in DATA_FORMATS:   # an array: no `in` test
        raise ValueError(f"Invalid value for argument `data_format` of {op}. Expected one of {DATA_FORMATS}. "
                         f"Received data_format={data_format!r}")
    return k, s, padding.lower(), data_format


def _checked_attributes(a, pool_size, strides, padding, op):
    """``forward``'s own check of its attributes and input (``Function.apply`` may be called directly)."""
    k, s, padding, _ = _check_arguments(pool_size, strides, padding, "channels_last", op)
    if a.ndim != 3:
        raise ValueError(f"Invalid value for the input of {op}: expected 3 axes (batch, steps, channels). Received "
                         f"an input of shape {tuple(a.shape)}")
    return k, s, padding


#: About how many bytes each of the ``pool_size`` window slices costs besides the data: a NumPy view and its place
#: in a list, in the forward pass, and again for the backward's share of it.
WINDOW_BYTES = 256


def _check_sizes(xp, a, k, padding, left, right, out, op, shares=False):
    """A ValueError naming ``pool_size`` when the padded input and the ``k`` window slices (views: about
    :data:`WINDOW_BYTES` each), with ``shares`` the backward's ``k`` full-size shares too (max pooling's, when a
    gradient is recorded), would not fit in memory (:func:`~tinygradconv.validation.size_fits`): ``padding="same"``
    pads up to ``k - 1`` steps, so ``max_pool1d(x, 10**9, padding="same")`` on 5 steps got a ``MemoryError`` with
    no message after 8 seconds, and ``10**30`` NumPy's "cannot fit 'int' into an index-sized integer" (found by a
    tester). Average pooling and a max pooling without gradient keep no shares: ``avg_pool1d(x, 100, 1)`` of a
    256 MB input takes under 1 GB, and is not refused."""
    batch, steps, channels = a.shape
    itemsize = float_bytes(xp, a.dtype) if dtype_name(a.dtype).startswith("float") else 8
    padded = batch * (steps + left + right) * channels * itemsize
    share = batch * out * channels * itemsize if shares else 0
    size_fits(op, f"the input padded to {steps + left + right} steps and its {k} window slices",
              padded + k * (WINDOW_BYTES + share), f"pool_size={k} with padding={padding!r} on {steps} steps", a)


def _windows(xp, padded, k, s, out):
    """The ``k`` strided slices of ``padded`` (batch, steps, channels): slice ``j`` holds step ``o*s + j`` of every
    window ``o``, shape ``(batch, out, channels)``."""
    return [padded[:, j:j + s * (out - 1) + 1:s, :] for j in range(k)]


def _replicate(xp, x, left, right):
    """``x`` with ``left`` copies of its first step before it and ``right`` copies of its last after it."""
    if not (left or right):
        return x
    return xp.concat([x[:, :1, :]] * left + [x] + [x[:, -1:, :]] * right, axis=1)


def _fold(xp, shares, k, s, out, geometry, steps, replicate, dtype=None):
    """The gradient of the input from ``shares`` (a list of ``k`` arrays ``(batch, out, channels)``: what each
    window sends to its ``j``-th step): added into the padded steps through :func:`_windows`' slices, then the
    padded steps dropped, or added to the edge step they copy (``replicate``). The result has ``dtype`` (default:
    the shares'); a float16 result is summed in float32 and rounded to float16 after every addition, which is
    float16's own sum bit for bit (float32's 24 bits hold more than 2 * 11 + 2: one rounding, not two) without
    float16 arithmetic, which CPUs emulate 10 to 40 times slower."""
    left, right = geometry
    batch, _, channels = shares[0].shape
    half = dtype_name(dtype if dtype is not None else shares[0].dtype) == "float16"
    if half:
        shares = [xp.astype(share, xp.float32) for share in shares]

    def add(target, value):
        """``target += value`` in place (``target``: a view into ``padded``), rounded to float16 for a half result."""
        target += value
        if half:
            target[...] = xp.astype(xp.astype(target, xp.float16), xp.float32)

    padded = xp.zeros((batch, left + steps + right, channels), dtype=shares[0].dtype)
    for j in reversed(range(k)):     # a step gets its windows' shares in window order, as torch adds them
        # `+=` on the strided slice (a view on NumPy, CuPy and array-api-strict) adds in place; written as
        # padded[:, a:b:s, :] += share, Python would also copy the slice back onto itself. The first taps added
        # land on zeros (exact) and windows that do not overlap (s >= k) never add two shares: no rounding there.
        view = padded[:, j:j + s * (out - 1) + 1:s, :]
        view += shares[j]
        if half and j < k - 1 and s < k:      # rounded as a whole (contiguous: faster than the strided view)
            padded = xp.astype(xp.astype(padded, xp.float16), xp.float32)
    if replicate and (left or right):
        # each copy's gradient added into its edge step one at a time, in the order of the padded steps, in the
        # gradient's dtype: the order of torch's replicate-padding backward (float16 sums round after each
        # addition there too), and of torch's max_pool1d backward, whose first windows are those holding copies.
        # (The left copies are summed first and their sum added to the step: a + b is b + a, bit for bit.)
        first, last = left, left + steps - 1           # the edge steps' places in `padded` (one place if steps == 1)
        if left:
            copies = xp.asarray(padded[:, :1, :], copy=True)
            for i in range(1, left):
                add(copies, padded[:, i:i + 1, :])
            add(padded[:, first:first + 1, :], copies)
        for i in range(left + steps, left + steps + right):
            add(padded[:, last:last + 1, :], padded[:, i:i + 1, :])
    grad = padded[:, left:left + steps, :]
    return xp.astype(grad, xp.float16) if half else grad


# --------------------------------------------------------------------------------------------------------- samples
def _pool_samples(rng):
    """Distinct values (no ties, so the max has one derivative), overlapping and strided windows, both paddings."""
    def x(*shape):
        return rng.permutation(np.prod(shape)).reshape(shape) * 0.37 + rng.standard_normal(shape) * 0.01

    return [Sample((x(2, 7, 3),), {"pool_size": 3, "strides": 1, "padding": "valid"}),
            Sample((x(2, 7, 3),), {"pool_size": 3, "strides": 2, "padding": "same"}),     # symmetric (1, 1)
            Sample((x(1, 6, 2),), {"pool_size": 2, "strides": 1, "padding": "same"}),     # asymmetric (0, 1)
            Sample((x(1, 5, 2),), {"pool_size": 4, "strides": 3, "padding": "same"}),
            Sample((x(2, 2, 1),), {"pool_size": 4, "strides": 4, "padding": "same"}),     # shorter than the pool
            Sample((np.zeros((0, 4, 2)),), {"pool_size": 2, "strides": 2, "padding": "valid"})]


def _pool_special_points(rng):
    nan, inf = np.nan, np.inf
    # per channel: NaNs (one, two in a window), +-inf, all -inf, ties, zeros of both signs
    x = np.array([[1.0, nan, 2.0, -inf, 0.0, 3.0],
                  [nan, nan, 1.0, inf, -0.0, 3.0],
                  [2.0, 1.0, 2.0, -inf, 0.0, 3.0],
                  [nan, 5.0, inf, -inf, -0.0, 1.0],
                  [4.0, 5.0, -inf, -inf, 0.0, 3.0]]).reshape(1, 5, 6)
    return [Sample((x,), {"pool_size": k, "strides": s, "padding": p})
            for k, s, p in ((2, 1, "valid"), (3, 1, "valid"), (2, 2, "valid"), (2, 1, "same"), (3, 1, "same"),
                            (3, 2, "same"), (4, 3, "same"))] + \
        [Sample((np.zeros((0, 4, 2)),), {"pool_size": 2, "strides": 1, "padding": "same"})]


# --------------------------------------------------------------------------------------------------------- the ops
@register_op("max_pool1d", samples=_pool_samples, special_points=_pool_special_points)
class MaxPool1D(Function):
    """The maximum of each window of ``(batch, steps, channels)`` input; the gradient goes to torch's chosen step
    (the first maximum, or the last NaN). See the module docstring."""

    @staticmethod
    def forward(ctx, a, pool_size, strides, padding):
        xp = ctx.xp
        given = a       # saved as PyTorch saves it (not read back), so that a write of it in place refuses backward
        pool_size, strides, padding = _checked_attributes(a, pool_size, strides, padding, "max_pool1d")
        if a.dtype != xp.float32 and a.dtype != xp.float64:     # (float_input's own check is slower)
            a = float_input(xp, a)
        half = dtype_name(a.dtype) == "float16"
        if half:        # compared in float32 (exact: every float16 is a float32), as CPUs have no float16 compares
            a = xp.astype(a, xp.float32)
        steps = a.shape[1]
        left, right, out = pooling_geometry(steps, pool_size, strides, padding)
        _check_sizes(xp, a, pool_size, padding, left, right, out, "max_pool1d", shares=ctx.needs_input_grad[0])
        # copies of the edge steps never change a maximum, and torch leaves its own padding out: the same windows
        taps = _windows(xp, _replicate(xp, a, left, right), pool_size, strides, out)
        # Branch-free array passes only (a where() or boolean mask on random data mispredicts a branch per element
        # on CPUs, 5-20 times slower than arithmetic): the maximum, tap by tap...
        values = taps[0]
        for tap in taps[1:]:
            values = xp.maximum(values, tap)
        # ...then the first tap equal to it: `chosen` counts the taps passed while still searching.
        searching = taps[0] != values
        chosen = xp.astype(searching, xp.int8 if pool_size <= 127 else xp.int32)
        for tap in taps[1:-1]:
            searching = searching & (tap != values)
            chosen = chosen + xp.astype(searching, chosen.dtype)
        # Two rare cases, both found by one reduction (the smallest |value| is then 0 or NaN):
        if math.prod(values.shape) and not bool(xp.min(xp.abs(values)) > 0):
            # A window holding NaN gives its last NaN (torch's `val > max || isnan(val)` scan), where() is fine here.
            # (maximum gives NaN where either argument is NaN: NumPy, CuPy, the array API standard.)
            if bool(xp.any(xp.isnan(values))):
                for j, tap in enumerate(taps):
                    is_nan = xp.isnan(tap)
                    values = xp.where(is_nan, tap, values)
                    chosen = xp.where(is_nan, xp.asarray(j, dtype=chosen.dtype), chosen)
            # The value is the chosen element, its sign of zero included: max(-0.0, +0.0) may give either zero,
            # torch gives the first. Where the chosen element is -0.0: (value + 0.0) is +0.0, times -1 is -0.0;
            # elsewhere the value is multiplied by 1 (exact, infinities and NaNs kept).
            zero = values == 0
            if bool(xp.any(zero)):
                negative = xp.zeros(values.shape, dtype=xp.bool)
                for j, tap in enumerate(taps):
                    negative = negative | ((chosen == j) & xp.signbit(tap))
                flip = xp.astype(negative & zero, values.dtype)
                values = (values + 0.0) * (1 - 2 * flip)
        ctx.save_for_backward(chosen, given)
        ctx.geometry = (pool_size, strides, out, (left, right), steps)
        if half:
            return xp.astype(values, xp.float16)
        return values if pool_size > 1 else xp.asarray(values, copy=True)

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        chosen = ctx.saved_tensors[0]
        k, s, out, geometry, steps = ctx.geometry
        dtype = grad.dtype
        if dtype_name(dtype) == "float16":        # the shares in float32 (exact: grad times 1 or 0), see _fold
            grad = xp.astype(grad, xp.float32)
        if bool(xp.all(xp.isfinite(grad))):
            # grad times 1 where the tap was chosen, times 0 elsewhere: exact, and a -0.0 share (from a negative
            # grad times 0) adds like +0.0 into the zeros that _fold starts from
            shares = [grad * xp.astype(chosen == j, grad.dtype) for j in range(k)]
        else:       # inf * 0 would be NaN: select instead (slower on CPUs, see forward)
            zero = xp.zeros((), dtype=grad.dtype)
            shares = [xp.where(chosen == j, grad, zero) for j in range(k)]
        return _fold(xp, shares, k, s, out, geometry, steps, replicate=True, dtype=dtype)


@register_op("avg_pool1d", samples=_pool_samples, special_points=_pool_special_points)
class AvgPool1D(Function):
    """The mean of each window of ``(batch, steps, channels)`` input, with torch's divisors under Keras' padding
    (see the module docstring)."""

    @staticmethod
    def forward(ctx, a, pool_size, strides, padding):
        xp = ctx.xp
        pool_size, strides, padding = _checked_attributes(a, pool_size, strides, padding, "avg_pool1d")
        ctx.save_for_backward(a)    # not read back: saved as PyTorch saves it, so that a write of it refuses
        a = float_input(xp, a)
        steps = a.shape[1]
        left, right, out = pooling_geometry(steps, pool_size, strides, padding)
        _check_sizes(xp, a, pool_size, padding, left, right, out, "avg_pool1d")
        replicate = left != right
        if replicate:        # Keras pads with copies of the edges; every window has pool_size steps
            padded = _replicate(xp, a, left, right)
            counts = xp.full((out,), float(pool_size), dtype=xp.float64)
        else:                # torch's own padding, left out of the sum and the count
            padded = xp.concat([xp.zeros((a.shape[0], left, a.shape[2]), dtype=a.dtype), a,
                                xp.zeros((a.shape[0], right, a.shape[2]), dtype=a.dtype)], axis=1) if left else a
            # (a stride beyond the input leaves one window, at 0: min() keeps 10**30 out of the int64 arithmetic)
            starts = xp.arange(out) * min(strides, steps) - left
            counts = xp.astype(xp.minimum(starts + pool_size, steps) - xp.maximum(starts, 0), xp.float64)
        ctx.geometry = (pool_size, strides, out, (left, right), steps, replicate)
        ctx.counts = counts

        def mean(x):
            total = _windows(xp, x, pool_size, strides, out)
            summed = total[0] + total[1] if pool_size > 1 else total[0] + 0.0     # a new array, written below
            for part in total[2:]:           # in order, as torch's kernel adds them
                summed += part
            # torch's sum starts from +0.0: a window of -0.0 averages to 0.0, not -0.0 (+0.0 changes nothing else)
            summed += 0.0
            summed /= xp.astype(counts, x.dtype)[None, :, None]
            return summed

        return _in_float32(xp, mean, padded)

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        k, s, out, geometry, steps, replicate = ctx.geometry
        share = _in_float32(xp, lambda g: g / xp.astype(ctx.counts, g.dtype)[None, :, None], grad)
        return _fold(xp, [share] * k, k, s, out, geometry, steps, replicate)


# --------------------------------------------------------------------------------------------------------- functions
def _pool(function, x, pool_size, strides, padding, data_format, op):
    k, s, padding, data_format = _check_arguments(pool_size, strides, padding, data_format, op)
    x = x if isinstance(x, Tensor) else Tensor(x)
    if x.ndim != 3:
        raise ValueError(f"Invalid value for the input of {op}: expected 3 axes (batch, steps, channels) or "
                         f"(batch, channels, steps). Received an input of shape {x.shape}")
    if data_format == "channels_first":
        return function.apply(x.permute(0, 2, 1), pool_size=k, strides=s, padding=padding).permute(0, 2, 1)
    return function.apply(x, pool_size=k, strides=s, padding=padding)


def max_pool1d(x, pool_size, strides=None, padding="valid", data_format="channels_last"):
    """The maximum over windows of ``pool_size`` steps, every ``strides`` steps (default: ``pool_size``), as
    ``keras.ops.max_pool`` on torch (see the module docstring for the padding and the gradient).

    Args:
        x: ``(batch, steps, channels)`` (``"channels_last"``) or ``(batch, channels, steps)``; float16/32/64.
        pool_size, strides: positive ints (or 1-tuples). padding: ``"valid"`` or ``"same"`` (any case).
        data_format: ``"channels_last"`` or ``"channels_first"``.

    Returns: a Tensor with ``out`` windows on the steps axis, of ``x``'s dtype.

    Raises:
        ValueError: a bad argument (named), an input of rank other than 3, or one shorter than ``pool_size`` with
        ``padding="valid"``.

    >>> max_pool1d(np.array([[[1.0], [3.0], [2.0], [0.0]]]), 2).numpy().ravel().tolist()
    [3.0, 2.0]
    """
    return _pool(MaxPool1D, x, pool_size, strides, padding, data_format, "max_pool1d")


def avg_pool1d(x, pool_size, strides=None, padding="valid", data_format="channels_last"):
    """The mean over windows of ``pool_size`` steps, every ``strides`` steps (default: ``pool_size``), as
    ``keras.ops.average_pool`` on torch, divisors included (see the module docstring). Arguments, result and
    errors as :func:`max_pool1d`.

    >>> avg_pool1d(np.array([[[1.0], [3.0], [2.0], [0.0]]]), 2).numpy().ravel().tolist()
    [2.0, 1.0]
    >>> avg_pool1d(np.array([[[1.0], [3.0], [2.0]]]), 3, strides=1, padding="same").numpy().ravel().tolist()
    [2.0, 2.0, 2.5]
    """
    return _pool(AvgPool1D, x, pool_size, strides, padding, data_format, "avg_pool1d")
