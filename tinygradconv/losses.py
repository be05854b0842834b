"""Loss functions and classes with Keras 3 semantics, built from differentiable ops (so ``backward`` works).

Functions take ``(y_true, y_pred)`` and return the *per-sample* loss (one value per row: the last axis is reduced).
Classes wrap a function and reduce it to a scalar: ``"sum_over_batch_size"`` (the default; the mean of the weighted
per-sample losses), ``"sum"``, ``"mean"``, ``"mean_with_sample_weight"`` (sum divided by the sum of the weights) or
``None``/``"none"`` (no reduction).

Formulas, with ``e = epsilon()`` (1e-7) and ``mean``/``sum`` over the last axis:

* ``mean_squared_error = mean((y - p)^2)``; ``mean_absolute_error = mean(|y - p|)``;
* ``huber = mean(0.5 d^2 if |d| <= delta else delta |d| - 0.5 delta^2)`` with ``d = p - y``;
* ``log_cosh = mean(log(cosh(d)))``, computed as ``d + softplus(-2d) - log 2``;
* ``binary_crossentropy = mean(-(y log(p) + (1 - y) log(1 - p)))`` with ``p`` clipped to ``[e, 1 - e]``; from
  logits ``x`` it is ``(1 - y) x - log_sigmoid(x)`` (no clipping needed; torch's formula, which Keras 3 calls);
* ``categorical_crossentropy = -sum(y log(p))`` with ``p`` normalised to sum 1 and clipped to ``[e, 1 - e]``;
  from logits it is ``-sum(y log_softmax(x))``;
* ``sparse_categorical_crossentropy``: the same with integer labels instead of one-hot rows;
* ``kl_divergence = sum(y log(y / p))`` with ``y`` and ``p`` clipped to ``[e, 1]``.

>>> import tinygradconv as tg
>>> from tinygradconv import losses
>>> losses.MeanSquaredError()([[0.0, 1.0], [0.0, 0.0]], tg.tensor([[1.0, 1.0], [1.0, 0.0]])).item()
0.5
>>> [round(v, 4) for v in losses.binary_crossentropy([[1.0], [0.0]], tg.tensor([[0.9], [0.2]])).tolist()]
[0.1054, 0.2231]
"""
from __future__ import annotations

import inspect
import math

import numpy as np

from . import _lookup, config
from .backend import dtype_name
from .ops import elementwise
from .ops.nn import binary_crossentropy_with_logits, log_softmax, softplus, squared_difference
from .tensor import Tensor
from .validation import axis_index, number

_FLOATS = ("float16", "float32", "float64")
REDUCTIONS = (None, "none", "sum", "sum_over_batch_size", "mean", "mean_with_sample_weight")


# ------------------------------------------------------------------------------------------------ helpers
def _as_pred(y_pred) -> Tensor:
    if not isinstance(y_pred, Tensor):
        return Tensor(y_pred)
    if dtype_name(y_pred.dtype) not in _FLOATS:
        return y_pred.astype(config.floatx())
    return y_pred


def _as_like(y, like: Tensor) -> Tensor:
    """``y`` as a tensor on ``like``'s backend with ``like``'s dtype (targets are usually plain arrays)."""
    if isinstance(y, Tensor):
        if y.backend is not like.backend:
            raise ValueError(f"y_true is on backend {y.backend.name!r} but y_pred is on {like.backend.name!r}")
        return y if y.dtype == like.dtype else y.astype(dtype_name(like.dtype))
    return Tensor(y, dtype=dtype_name(like.dtype), backend=like.backend)


def squeeze_or_expand_to_same_rank(x1: Tensor, x2: Tensor, expand_rank_1=True):
    """Make ranks equal when they differ by one and the larger has a trailing axis of size 1 (Keras' rule)."""
    r1, r2 = x1.ndim, x2.ndim
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = x2.reshape(*x2.shape, 1)
        else:
            x1 = x1.reshape(*x1.shape[:-1])
    elif r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = x1.reshape(*x1.shape, 1)
        else:
            x2 = x2.reshape(*x2.shape[:-1])
    return x1, x2


def _prepare(y_true, y_pred, name):
    """``y_true`` and ``y_pred`` as tensors of one shape, after Keras' squeeze-or-expand rule.

    Shapes that still differ raise a ValueError (Keras would broadcast e.g. ``(2, 1)`` against ``(2, 3)``, a silent
    wrong result). A rank-0 pair is viewed as shape ``(1,)``, so that the mean over the last axis gives back the
    rank-0 loss of that one value, as Keras 3 computes it.
    """
    y_pred = _as_pred(y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(_as_like(y_true, y_pred), y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"{name}: y_true and y_pred must have the same shape. Received: y_true.shape={y_true.shape}, "
                         f"y_pred.shape={y_pred.shape}")
    if y_pred.ndim == 0:
        y_true, y_pred = y_true.reshape(1), y_pred.reshape(1)
    return y_true, y_pred


def _check_smoothing(label_smoothing):
    return float(number(label_smoothing, "label_smoothing", low=0, high=1, type_error=ValueError))


def _check_delta(delta):
    return float(number(delta, "delta", low=0, type_error=ValueError))


# ------------------------------------------------------------------------------------------------ functions
def mean_squared_error(y_true, y_pred):
    """Per-sample ``mean((y_true - y_pred)^2)`` over the last axis.

    >>> mean_squared_error([[1.0, 2.0]], [[0.0, 0.0]]).tolist()
    [2.5]
    """
    y_true, y_pred = _prepare(y_true, y_pred, "mean_squared_error")
    return squared_difference(y_true, y_pred).mean(axis=-1)


def mean_absolute_error(y_true, y_pred):
    """Per-sample ``mean(|y_true - y_pred|)`` over the last axis.

    >>> mean_absolute_error([[1.0, -2.0]], [[0.0, 0.0]]).tolist()
    [1.5]
    """
    y_true, y_pred = _prepare(y_true, y_pred, "mean_absolute_error")
    return (y_true - y_pred).abs().mean(axis=-1)


def huber(y_true, y_pred, delta=1.0):
    """Per-sample Huber loss: quadratic ``0.5 d^2`` for ``|d| <= delta``, linear ``delta |d| - 0.5 delta^2`` beyond.

    >>> huber([[0.0, 0.0]], [[0.5, 3.0]]).tolist()   # (0.125 + 2.5) / 2
    [1.3125]
    """
    _check_delta(delta)
    y_true, y_pred = _prepare(y_true, y_pred, "huber")
    d = y_pred - y_true
    a = d.abs()
    loss = elementwise.where((a <= delta).detach(), 0.5 * (d * d), delta * a - 0.5 * delta * delta)
    return loss.mean(axis=-1)


def log_cosh(y_true, y_pred):
    """Per-sample ``mean(log(cosh(y_pred - y_true)))``, stable for large errors (``x + softplus(-2x) - log 2``).

    >>> [round(v, 6) for v in log_cosh([[0.0]], [[1.0]]).tolist()]
    [0.433781]
    """
    y_true, y_pred = _prepare(y_true, y_pred, "log_cosh")
    x = y_pred - y_true
    return (x + softplus(x * -2.0) - math.log(2.0)).mean(axis=-1)


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Per-sample binary cross-entropy, the mean over ``axis``.

    Args:
        y_true: targets in ``[0, 1]``.
        y_pred: probabilities, or logits with ``from_logits=True``.
        from_logits: use the stable logit formula ``(1 - y) x - log_sigmoid(x)``, as
            ``torch.nn.functional.binary_cross_entropy_with_logits``, which Keras 3 calls on torch (one op,
            :func:`~tinygradconv.ops.nn.binary_crossentropy_with_logits`, with the same rounding at large logits).
        label_smoothing: in ``[0, 1]``; targets become ``y (1 - s) + 0.5 s``.
        axis: the axis averaged over.

    >>> [round(v, 4) for v in binary_crossentropy([[1.0, 0.0]], [[0.0, 0.0]], from_logits=True).tolist()]
    [0.6931]
    """
    label_smoothing = _check_smoothing(label_smoothing)
    y_true, y_pred = _prepare(y_true, y_pred, "binary_crossentropy")
    axis = axis_index(axis, y_pred.ndim, "binary_crossentropy")
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        per_element = binary_crossentropy_with_logits(y_pred, y_true)
    else:
        eps = config.epsilon()
        p = y_pred.clip(eps, 1.0 - eps)
        per_element = -(y_true * p.log() + (1.0 - y_true) * (1.0 - p).log())
    return per_element.mean(axis=axis)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Per-sample categorical cross-entropy ``-sum(y log p)`` over ``axis`` (one-hot or soft targets).

    Args:
        y_true: one-hot (or probability) rows, same shape as ``y_pred``.
        y_pred: probabilities (rescaled to sum 1 along ``axis``), or logits with ``from_logits=True``.
        from_logits: use ``log_softmax`` (stable for any logits).
        label_smoothing: in ``[0, 1]``; targets become ``y (1 - s) + s / num_classes``.
        axis: the class axis.

    >>> [round(v, 4) for v in categorical_crossentropy([[0.0, 1.0]], [[0.25, 0.75]]).tolist()]
    [0.2877]
    """
    label_smoothing = _check_smoothing(label_smoothing)
    y_pred = _as_pred(y_pred)
    y_true = _as_like(y_true, y_pred)
    if y_true.shape != y_pred.shape or y_pred.ndim < 1:
        raise ValueError("Arguments `target` and `output` must have the same shape (at least rank 1). Received: "
                         f"target.shape={y_true.shape}, output.shape={y_pred.shape}")
    axis = axis_index(axis, y_pred.ndim, "categorical_crossentropy")
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / y_true.shape[axis]
    return -(y_true * _log_probabilities(y_pred, from_logits, axis)).sum(axis=axis)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, axis=-1):
    """Per-sample cross-entropy with integer class labels: ``-log p[label]``.

    Args:
        y_true: integer labels of shape ``y_pred.shape[:-1]`` (a trailing axis of size 1 is accepted).
        y_pred: probabilities or logits (``from_logits=True``), classes on the last axis.
        from_logits: use ``log_softmax``.
        axis: must be the last axis.

    Raises:
        ValueError: for mismatched shapes or labels outside ``[0, num_classes)``.

    >>> [round(v, 4) for v in sparse_categorical_crossentropy([1, 0], [[0.25, 0.75], [0.5, 0.5]]).tolist()]
    [0.2877, 0.6931]
    """
    y_pred = _as_pred(y_pred)
    if y_pred.ndim < 1 or axis_index(axis, y_pred.ndim, "sparse_categorical_crossentropy") != y_pred.ndim - 1:
        raise ValueError(f"sparse_categorical_crossentropy supports only the last axis. Received: axis={axis}, "
                         f"y_pred.shape={y_pred.shape}")
    xp = y_pred.backend.xp
    if isinstance(y_true, Tensor):
        labels = y_true.detach()
    else:
        on_host = isinstance(y_true, np.ndarray) or not hasattr(y_true, "__array_namespace__")  # not CuPy's
        given = np.asarray(y_true) if on_host else y_true          # converted once, checked before the int cast
        if on_host and given.dtype.kind == "f" and not np.all(np.isfinite(given)):
            raise ValueError(f"sparse_categorical_crossentropy: labels must be integers in [0, {y_pred.shape[-1]}). "
                             f"Received labels holding {_non_finite_name(given)}")
        labels = Tensor(given, dtype="int64", backend=y_pred.backend)
    if labels.backend is not y_pred.backend:
        raise ValueError(f"y_true is on backend {labels.backend.name!r} but y_pred is on {y_pred.backend.name!r}")
    if labels.ndim == y_pred.ndim and labels.shape[-1] == 1:
        labels = labels.reshape(*labels.shape[:-1])
    if labels.shape != y_pred.shape[:-1]:
        raise ValueError("Arguments `target` and `output` must have the same shape up until the last dimension: "
                         f"target.shape={labels.shape}, output.shape={y_pred.shape}")
    num_classes = y_pred.shape[-1]
    if xp.isdtype(labels.data.dtype, "real floating") and labels.size and not bool(xp.all(xp.isfinite(labels.data))):
        raise ValueError(f"sparse_categorical_crossentropy: labels must be integers in [0, {num_classes}). "
                         f"Received labels holding {_non_finite_name(labels.numpy())}")
    ids = xp.astype(labels.data, xp.int64)
    if labels.size and bool(xp.any((ids < 0) | (ids >= num_classes))):
        raise ValueError(f"sparse_categorical_crossentropy: labels must be in [0, {num_classes}). Received labels "
                         f"from {labels.numpy().min()} to {labels.numpy().max()}")
    is_label = Tensor._make(xp.expand_dims(ids, axis=-1) == xp.arange(num_classes, dtype=xp.int64), y_pred.backend,
                            False, None)
    # the label's log-probability picked out (not multiplied by a one-hot vector: 0 * -inf would be NaN for a class
    # masked with a -inf logit; Keras and torch's nll_loss give the finite loss)
    log_p = _log_probabilities(y_pred, from_logits, y_pred.ndim - 1)
    return -elementwise.where(is_label, log_p, 0.0).sum(axis=-1)


def _non_finite_name(labels):
    """``"NaN"``, ``"inf"`` or ``"NaN and inf"``: what a float array of labels holds that no class index is."""
    kinds = [name for name, found in (("NaN", np.isnan(labels).any()), ("inf", np.isinf(labels).any())) if found]
    return " and ".join(kinds)


def _log_probabilities(y_pred, from_logits, axis):
    if from_logits:
        return log_softmax(y_pred, axis=axis)
    eps = config.epsilon()
    p = y_pred / y_pred.sum(axis=axis, keepdims=True)
    return p.clip(eps, 1.0 - eps).log()


def kl_divergence(y_true, y_pred):
    """Per-sample Kullback-Leibler divergence ``sum(y log(y / p))`` over the last axis (both clipped to
    ``[epsilon, 1]``).

    >>> [round(v, 4) for v in kl_divergence([[0.5, 0.5]], [[0.25, 0.75]]).tolist()]
    [0.1438]
    """
    y_true, y_pred = _prepare(y_true, y_pred, "kl_divergence")
    eps = config.epsilon()
    y = y_true.clip(eps, 1.0)
    p = y_pred.clip(eps, 1.0)
    return (y * (y / p).log()).sum(axis=-1)


mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
logcosh = log_cosh
kld = KLD = kl_divergence
bce = BCE = binary_crossentropy


# ------------------------------------------------------------------------------------------------ reduction
def reduce_weighted_values(values: Tensor, sample_weight=None, reduction="sum_over_batch_size"):
    """Weight per-sample losses and reduce them (Keras' ``reduce_weighted_values``).

    ``sample_weight`` is matched to ``values`` by :func:`squeeze_or_expand_to_same_rank`, then broadcast (trailing
    axes added), so per-sample weights of shape ``(batch,)`` work for losses of shape ``(batch, steps)`` too.

    Raises:
        ValueError: a ``sample_weight`` whose shape does not broadcast to the losses' (the message names both).
    """
    reduction = standardize_reduction(reduction)
    weights = None
    if sample_weight is not None:
        weights = _as_like(sample_weight, values).detach()
        given, losses = weights.shape, values.shape
        values, weights = squeeze_or_expand_to_same_rank(values, weights)
        if weights.ndim < values.ndim:
            weights = weights.reshape(*weights.shape, *([1] * (values.ndim - weights.ndim)))
        try:
            np.broadcast_shapes(values.shape, weights.shape)
        except ValueError:
            raise ValueError(f"Invalid `sample_weight`: its shape {given} does not broadcast to the shape of the "
                             f"per-sample losses, {losses} (one weight per sample, e.g. shape {losses[:1]}, or "
                             "one per loss element)") from None
        values = values * weights
    if reduction in (None, "none") or values.ndim == 0:
        return values
    total = values.sum()
    if reduction == "sum":
        return total
    if reduction == "mean_with_sample_weight" and weights is not None:
        divisor = float(weights.sum().item())
    else:
        divisor = values.size
    return total / divisor if divisor else total * 0.0


def standardize_reduction(reduction):
    """Check a reduction name (see :data:`REDUCTIONS`)."""
    if reduction not in REDUCTIONS:
        raise ValueError(f"Invalid value for argument `reduction`. Expected one of {REDUCTIONS}. "
                         f"Received: reduction={reduction!r}")
    return reduction


# ------------------------------------------------------------------------------------------------ classes
class Loss(_lookup.Configurable):
    """Base class: ``loss(y_true, y_pred, sample_weight=None)`` -> reduced Tensor. Subclasses define ``call``.

    Args:
        name: the loss's name.
        reduction: see :data:`REDUCTIONS`; default ``"sum_over_batch_size"``.
    """

    def __init__(self, name=None, reduction="sum_over_batch_size"):
        self.name = name or type(self).__name__
        self.reduction = standardize_reduction(reduction)

    def call(self, y_true, y_pred):  # pragma: no cover - abstract
        raise NotImplementedError

    def __call__(self, y_true, y_pred, sample_weight=None):
        """The reduced loss. float16 predictions are cast to float32 first (a differentiable cast), as Keras 3's
        losses compute in float32: squares and sums of float16 values overflow at 65504."""
        y_pred = _as_pred(y_pred)
        if dtype_name(y_pred.dtype) == "float16":
            y_pred = y_pred.astype("float32")
        return reduce_weighted_values(self.call(y_true, y_pred), sample_weight, self.reduction)

    def get_config(self) -> dict:
        return {"name": self.name, "reduction": self.reduction}


class LossFunctionWrapper(Loss):
    """A :class:`Loss` around a per-sample function ``fn(y_true, y_pred, **kwargs)``.

    >>> LossFunctionWrapper(mean_absolute_error)([[1.0], [3.0]], [[0.0], [0.0]]).item()
    2.0
    """

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, **kwargs):
        super().__init__(name=name or getattr(fn, "__name__", None), reduction=reduction)
        self.fn, self._fn_kwargs = fn, kwargs

    def call(self, y_true, y_pred):
        # As Keras' LossFunctionWrapper: the squeeze-or-expand rule first, for every function (so the classes of
        # categorical_crossentropy and binary_crossentropy accept y of shape (n, 1) with p of shape (n,)).
        if isinstance(y_pred, Tensor):
            as_tensor = (y_true if isinstance(y_true, Tensor)
                         else Tensor(y_true, dtype=dtype_name(y_pred.dtype), backend=y_pred.backend))
            reshaped, y_pred = squeeze_or_expand_to_same_rank(as_tensor, y_pred)
            if reshaped is not as_tensor:  # else keep the caller's y_true (integer labels stay exact)
                y_true = reshaped
        out = self.fn(y_true, y_pred, **self._fn_kwargs)
        if not isinstance(out, Tensor):
            raise TypeError(f"The loss function {self.name!r} must return a Tensor; it returned {type(out).__name__}")
        return out

    def get_config(self):
        return dict(super().get_config(), **self._fn_kwargs)


class MeanSquaredError(LossFunctionWrapper):
    """Mean of squared errors; see :func:`mean_squared_error`."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error"):
        super().__init__(mean_squared_error, reduction=reduction, name=name)


class MeanAbsoluteError(LossFunctionWrapper):
    """Mean of absolute errors; see :func:`mean_absolute_error`."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error"):
        super().__init__(mean_absolute_error, reduction=reduction, name=name)


class Huber(LossFunctionWrapper):
    """Huber loss; see :func:`huber`."""

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss"):
        super().__init__(huber, reduction=reduction, name=name, delta=_check_delta(delta))


class LogCosh(LossFunctionWrapper):
    """Logarithm of the hyperbolic cosine of the error; see :func:`log_cosh`."""

    def __init__(self, reduction="sum_over_batch_size", name="log_cosh"):
        super().__init__(log_cosh, reduction=reduction, name=name)


class BinaryCrossentropy(LossFunctionWrapper):
    """Binary cross-entropy; see :func:`binary_crossentropy`."""

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="binary_crossentropy"):
        super().__init__(binary_crossentropy, reduction=reduction, name=name, from_logits=bool(from_logits),
                         label_smoothing=_check_smoothing(label_smoothing), axis=axis)


class CategoricalCrossentropy(LossFunctionWrapper):
    """Categorical cross-entropy with one-hot targets; see :func:`categorical_crossentropy`."""

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="categorical_crossentropy"):
        super().__init__(categorical_crossentropy, reduction=reduction, name=name, from_logits=bool(from_logits),
                         label_smoothing=_check_smoothing(label_smoothing), axis=axis)


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Categorical cross-entropy with integer targets; see :func:`sparse_categorical_crossentropy`."""

    def __init__(self, from_logits=False, axis=-1, reduction="sum_over_batch_size",
                 name="sparse_categorical_crossentropy"):
        super().__init__(sparse_categorical_crossentropy, reduction=reduction, name=name,
                         from_logits=bool(from_logits), axis=axis)


class KLDivergence(LossFunctionWrapper):
    """Kullback-Leibler divergence; see :func:`kl_divergence`."""

    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence"):
        super().__init__(kl_divergence, reduction=reduction, name=name)


# ------------------------------------------------------------------------------------------------ lookup
_CLASSES = (MeanSquaredError, MeanAbsoluteError, Huber, LogCosh, BinaryCrossentropy, CategoricalCrossentropy,
            SparseCategoricalCrossentropy, KLDivergence)
_ALIASES = {
    "mean_squared_error": MeanSquaredError, "mse": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError, "mae": MeanAbsoluteError,
    "huber": Huber, "huber_loss": Huber, "log_cosh": LogCosh, "logcosh": LogCosh,
    "binary_crossentropy": BinaryCrossentropy, "bce": BinaryCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    "kl_divergence": KLDivergence, "kld": KLDivergence, "kullback_leibler_divergence": KLDivergence,
}
_BY_NAME = _lookup.name_table(_CLASSES, _ALIASES, lower=True)


def get(identifier):
    """A loss object returning a scalar: from a name (``"mse"``, ``"binary_crossentropy"``,
    ``"SparseCategoricalCrossentropy"``, ... case-insensitive), a config dict, a :class:`Loss`, a Loss class, or
    any callable ``(y_true, y_pred) -> Tensor`` (wrapped to reduce with ``"sum_over_batch_size"``).

    Raises:
        ValueError: for an unknown name (the message lists the valid ones) or an identifier of another kind.

    >>> get("mse")
    MeanSquaredError(name='mean_squared_error', reduction='sum_over_batch_size')
    """
    if identifier is None or isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, str):
        return _lookup.lookup(_BY_NAME, identifier, "loss", lower=True)()
    if isinstance(identifier, dict):
        return _lookup.deserialize_lower(identifier, _BY_NAME, "loss", _CLASSES)
    if inspect.isclass(identifier) and issubclass(identifier, Loss):
        return identifier()
    if callable(identifier):
        return LossFunctionWrapper(identifier)
    raise ValueError(f"Could not interpret loss identifier: {identifier!r}")


def serialize(loss: Loss) -> dict:
    """``{"class_name": ..., "config": ...}`` for a built-in loss object (None gives None)."""
    return _lookup.serialize(loss, "loss", Loss)


__all__ = ["BinaryCrossentropy", "CategoricalCrossentropy", "Huber", "KLDivergence", "LogCosh", "Loss",
           "LossFunctionWrapper", "MeanAbsoluteError", "MeanSquaredError", "SparseCategoricalCrossentropy",
           "binary_crossentropy", "categorical_crossentropy", "get", "huber", "kl_divergence", "log_cosh", "mae",
           "mean_absolute_error", "mean_squared_error", "mse", "reduce_weighted_values", "serialize",
           "sparse_categorical_crossentropy"]
