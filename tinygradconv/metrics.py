"""Stateful metrics (Keras 3 semantics), computed in NumPy without building any graph.

A metric accumulates over batches with ``update_state(y_true, y_pred, sample_weight=None)`` and reports
``result()`` as a float: the mean of the per-sample values, weighted by the sample weights (or counting each sample
once), over every batch since the last ``reset_state()``. Per-sample values are the metric function averaged over
every axis but the first:

* ``mean_squared_error``/``mean_absolute_error``: ``mean((y - p)^2)`` / ``mean(|y - p|)`` over the last axis;
* ``accuracy``: ``y == p`` (exact equality);
* ``binary_accuracy``: ``y == (p > threshold)`` with ``threshold = 0.5``;
* ``categorical_accuracy``: ``argmax(y) == argmax(p)`` (one-hot targets);
* ``sparse_categorical_accuracy``: ``y == argmax(p)`` (integer targets).

>>> from tinygradconv import metrics
>>> m = metrics.get("binary_accuracy")
>>> m.update_state([[1], [0], [1], [0]], [[0.9], [0.2], [0.4], [0.6]])
>>> m.result()
0.5
>>> m.update_state([[1], [1]], [[0.8], [0.7]])
>>> round(m.result(), 4)      # 4 right out of 6
0.6667
"""
from __future__ import annotations

import functools
import inspect

import numpy as np

from . import _lookup, losses
from .ops.elementwise import ieee754
from .tensor import Tensor
from .validation import number


def _ieee754(fn):
    """``fn`` with IEEE 754 special results computed silently, as in Keras and the ops (``inf - inf`` is NaN,
    ``1e30 ** 2`` in float32 is inf): no NumPy ``RuntimeWarning`` (found by a tester)."""

    @functools.wraps(fn)
    def silent(*args, **kwargs):
        with ieee754(np):
            return fn(*args, **kwargs)

    return silent


def _numpy(x) -> np.ndarray:
    if isinstance(x, Tensor):
        return x.numpy()
    if hasattr(x, "__array_namespace__") and not isinstance(x, np.ndarray):
        return Tensor(x).numpy()  # a backend array (CuPy, array_api_strict)
    return np.asarray(x)


def _pair(y_true, y_pred, metric, squeeze=True):
    """``y_true`` and ``y_pred`` as NumPy arrays of numbers (Keras' squeeze-or-expand rule applied when ``squeeze``)
    whose shapes broadcast together, as Keras' metrics compute them.

    Raises:
        TypeError: an argument that is not numeric (strings, objects), naming it and the metric.
        ValueError: shapes that do not broadcast together, naming both (NumPy's own message names neither).
    """
    given = _numbers(y_true, y_pred, metric)
    y_true, y_pred = squeeze_or_expand_to_same_rank(*given) if squeeze else given
    _check_broadcast(y_true, y_pred, metric, given[0].shape, given[1].shape, "broadcast together")
    return y_true, y_pred


def _numbers(y_true, y_pred, metric):
    """``y_true`` and ``y_pred`` as NumPy arrays; a TypeError naming the argument and the metric for one that does
    not hold numbers (NumPy's own error from inside, e.g. ``UFuncTypeError``, names neither)."""
    arrays = (_numpy(y_true), _numpy(y_pred))
    for name, array in zip(("y_true", "y_pred"), arrays):
        if array.dtype.kind not in "biuf":
            raise TypeError(f"{metric}: `{name}` must hold numbers. Received {name} of dtype {array.dtype}")
    return arrays


def _mean_last(a):
    """The mean over the last axis; a rank-0 value is its own mean (as Keras' ``mean(..., axis=-1)`` on torch)."""
    return a if a.ndim == 0 else np.mean(a, axis=-1)


def squeeze_or_expand_to_same_rank(x1: np.ndarray, x2: np.ndarray, expand_rank_1=True):
    """Keras' rule: make ranks equal when they differ by one and the larger has a trailing axis of size 1."""
    if x1.ndim == x2.ndim + 1 and x1.shape[-1] == 1:
        if x2.ndim == 1 and expand_rank_1:
            return x1, x2[:, None]
        return x1[..., 0], x2
    if x2.ndim == x1.ndim + 1 and x2.shape[-1] == 1:
        if x1.ndim == 1 and expand_rank_1:
            return x1[:, None], x2
        return x1, x2[..., 0]
    return x1, x2


# ------------------------------------------------------------------------------------------------ metric functions
@_ieee754
def mean_squared_error(y_true, y_pred) -> np.ndarray:
    """``mean((y_true - y_pred)^2)`` over the last axis."""
    y_true, y_pred = _pair(y_true, y_pred, "mean_squared_error")
    return _mean_last((y_true - y_pred) ** 2)


@_ieee754
def mean_absolute_error(y_true, y_pred) -> np.ndarray:
    """``mean(|y_true - y_pred|)`` over the last axis."""
    y_true, y_pred = _pair(y_true, y_pred, "mean_absolute_error")
    return _mean_last(np.abs(y_true - y_pred))


def accuracy(y_true, y_pred) -> np.ndarray:
    """1.0 where ``y_true == y_pred`` exactly, else 0.0."""
    y_true, y_pred = _pair(y_true, y_pred, "accuracy")
    return (y_true == y_pred).astype(np.float64)


def binary_accuracy(y_true, y_pred, threshold=0.5) -> np.ndarray:
    """1.0 where ``y_true == (y_pred > threshold)``, else 0.0.

    The threshold is compared in ``y_pred``'s floating dtype, as Keras casts it: ``float32(0.3) > float32(0.3)`` is
    false, while ``float32(0.3) > float64(0.3)`` would be true.
    """
    y_true, y_pred = _pair(y_true, y_pred, "binary_accuracy")
    if y_pred.dtype.kind == "f":
        threshold = y_pred.dtype.type(threshold)
    return (y_true == (y_pred > threshold)).astype(np.float64)


def categorical_accuracy(y_true, y_pred) -> np.ndarray:
    """1.0 where ``argmax(y_true) == argmax(y_pred)`` along the last axis (one-hot targets).

    Raises:
        ValueError: rank-0 inputs (no class axis), or shapes that do not broadcast together.
    """
    y_true, y_pred = _numbers(y_true, y_pred, "categorical_accuracy")
    if y_true.ndim == 0 or y_pred.ndim == 0:
        raise ValueError(f"categorical_accuracy: y_true and y_pred need a class axis (the last). Received shapes "
                         f"{y_true.shape} and {y_pred.shape}")
    true_class, predicted_class = np.argmax(y_true, axis=-1), np.argmax(y_pred, axis=-1)
    _check_broadcast(true_class, predicted_class, "categorical_accuracy", y_true.shape, y_pred.shape)
    return (true_class == predicted_class).astype(np.float64)


def _check_broadcast(a, b, metric, shape_true, shape_pred, failing="describe the same samples"):
    """A ValueError naming both shapes when ``a`` and ``b`` (``y_true`` and ``y_pred``, or what was computed from
    them) do not broadcast together: "y_true of shape ... and y_pred of shape ... do not ``failing``" (NumPy's own
    message, "operands could not be broadcast", names neither argument)."""
    try:
        np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ValueError(f"{metric}: y_true of shape {shape_true} and y_pred of shape {shape_pred} do not "
                         f"{failing}") from None


def sparse_categorical_accuracy(y_true, y_pred) -> np.ndarray:
    """1.0 where the integer label ``y_true`` equals ``argmax(y_pred)`` along the last axis.

    Raises:
        ValueError: a rank-0 ``y_pred`` (no class axis), or labels whose shape does not fit ``y_pred``'s.
    """
    y_true, y_pred = _numpy(y_true), _numpy(y_pred)
    if y_pred.ndim == 0:
        raise ValueError(f"sparse_categorical_accuracy: y_pred needs a class axis (the last). Received y_pred of "
                         f"shape {y_pred.shape}")
    if y_true.dtype.kind not in "biuf":
        raise TypeError(f"sparse_categorical_accuracy: `y_true` must hold numbers. Received y_true of dtype "
                        f"{y_true.dtype}")
    labels = y_true[..., 0] if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1 else y_true
    predicted_class = np.argmax(y_pred, axis=-1)
    _check_broadcast(labels, predicted_class, "sparse_categorical_accuracy", y_true.shape, y_pred.shape)
    matches = (labels == predicted_class).astype(np.float64)
    return matches[..., 0] if matches.ndim > 1 and matches.shape[-1] == 1 else matches


# ------------------------------------------------------------------------------------------------ metric objects
class Metric:
    """Base class of stateful metrics: ``update_state``, ``result``, ``reset_state``; calling a metric updates it
    and returns the result."""

    def __init__(self, name=None):
        self.name = name or type(self).__name__
        self.reset_state()

    def reset_state(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def update_state(self, *args, **kwargs):  # pragma: no cover - abstract
        raise NotImplementedError

    def result(self) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    def __call__(self, *args, **kwargs) -> float:
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self) -> dict:
        return {"name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r} result={self.result():.6g}>"


def _floats(data, argument, metric):
    """``data`` as a float64 array; a TypeError naming ``argument`` and the metric for data that holds no numbers
    (NumPy's "could not convert string to float" names neither)."""
    array = _numpy(data)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{metric}: `{argument}` must hold numbers. Received {argument}={data!r} of dtype "
                        f"{array.dtype}")
    return np.asarray(array, dtype=np.float64)


class Mean(Metric):
    """The (weighted) mean of per-sample values: ``total / count``.

    Values of shape ``(batch, ...)`` are first averaged over every axis but the first; ``count`` grows by the batch
    size, or by the sum of ``sample_weight`` when given.

    >>> m = Mean()
    >>> m.update_state([1.0, 3.0], sample_weight=[1.0, 3.0])
    >>> m.result()
    2.5
    """

    def reset_state(self):
        self.total, self.count = 0.0, 0.0

    @_ieee754
    def update_state(self, values, sample_weight=None):
        values = _floats(values, "values", self.name)
        if sample_weight is not None:
            weights = _floats(sample_weight, "sample_weight", self.name)
            values, weights = squeeze_or_expand_to_same_rank(values, weights)
            if values.ndim > weights.ndim:
                values = values.mean(axis=tuple(range(weights.ndim, values.ndim)))
            try:
                weights = np.broadcast_to(weights, values.shape)
            except ValueError:
                raise ValueError(f"sample_weight of shape {weights.shape} does not match values of shape "
                                 f"{values.shape}") from None
            values = values * weights
            if weights.ndim > 1:
                weights = weights.mean(axis=tuple(range(1, weights.ndim)))
            count = float(weights.sum())
        else:
            count = float(values.shape[0]) if values.ndim >= 1 else 1.0
        if values.ndim > 1:
            values = values.mean(axis=tuple(range(1, values.ndim)))
        self.total += float(values.sum())
        self.count += count

    def result(self) -> float:
        return self.total / self.count if self.count else 0.0


class MeanMetricWrapper(Mean):
    """A :class:`Mean` of ``fn(y_true, y_pred, **kwargs)`` over all samples seen.

    >>> m = MeanMetricWrapper(mean_absolute_error, name="mae")
    >>> m.update_state([[1.0], [2.0]], [[0.0], [0.0]])
    >>> m.result()
    1.5
    """

    def __init__(self, fn, name=None, **kwargs):
        self._fn, self._fn_kwargs = fn, kwargs
        # a loss object has the name Keras logs it under ("huber_loss"); a function its __name__
        super().__init__(name=name or getattr(fn, "name", None) or getattr(fn, "__name__", None))
        if isinstance(fn, losses.Loss) or getattr(fn, "__module__", None) == losses.__name__:
            self._direction = "down"    # a loss as a metric: lower is better (EarlyStopping's mode="auto", as Keras)

    def update_state(self, y_true, y_pred, sample_weight=None):
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        super().update_state(values, sample_weight=sample_weight)

    def get_config(self):
        return dict(super().get_config(), **self._fn_kwargs)


class MeanSquaredError(MeanMetricWrapper):
    """Mean of squared errors over all samples seen."""

    def __init__(self, name="mean_squared_error"):
        super().__init__(mean_squared_error, name=name)


class MeanAbsoluteError(MeanMetricWrapper):
    """Mean of absolute errors over all samples seen."""

    def __init__(self, name="mean_absolute_error"):
        super().__init__(mean_absolute_error, name=name)


class Accuracy(MeanMetricWrapper):
    """How often predictions equal targets exactly."""

    def __init__(self, name="accuracy"):
        super().__init__(accuracy, name=name)


class BinaryAccuracy(MeanMetricWrapper):
    """How often ``(y_pred > threshold)`` equals the binary target."""

    def __init__(self, name="binary_accuracy", threshold=0.5):
        number(threshold, "threshold")
        super().__init__(binary_accuracy, name=name, threshold=threshold)


class CategoricalAccuracy(MeanMetricWrapper):
    """How often the arg-max of the prediction matches the one-hot target."""

    def __init__(self, name="categorical_accuracy"):
        super().__init__(categorical_accuracy, name=name)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often the arg-max of the prediction matches the integer target."""

    def __init__(self, name="sparse_categorical_accuracy"):
        super().__init__(sparse_categorical_accuracy, name=name)


# ------------------------------------------------------------------------------------------------ lookup
_CLASSES = (Mean, MeanSquaredError, MeanAbsoluteError, Accuracy, BinaryAccuracy, CategoricalAccuracy,
            SparseCategoricalAccuracy)
_BY_NAME = _lookup.name_table(_CLASSES, {
    "mean_squared_error": MeanSquaredError, "mse": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError, "mae": MeanAbsoluteError,
    "accuracy": Accuracy, "acc": Accuracy, "binary_accuracy": BinaryAccuracy,
    "categorical_accuracy": CategoricalAccuracy, "sparse_categorical_accuracy": SparseCategoricalAccuracy,
}, lower=True)


#: The losses Keras 3 also names as metrics (``metrics=["binary_crossentropy"]``), and their loss functions.
_LOSS_METRICS = {"binary_crossentropy": "binary_crossentropy", "bce": "binary_crossentropy",
                 "categorical_crossentropy": "categorical_crossentropy",
                 "sparse_categorical_crossentropy": "sparse_categorical_crossentropy",
                 "kl_divergence": "kl_divergence"}


def resolve_accuracy(y_true_shape, y_pred_shape):
    """The accuracy a model means by ``"accuracy"`` (Keras' ``compile`` rule): binary when predictions have one
    column, sparse categorical when targets have fewer axes or a single column, categorical otherwise."""
    y_true_shape, y_pred_shape = tuple(y_true_shape), tuple(y_pred_shape)
    if y_pred_shape and y_pred_shape[-1] == 1:
        return BinaryAccuracy
    last_true = y_true_shape[-1] if y_true_shape else 1
    if len(y_true_shape) < len(y_pred_shape) or (last_true == 1 and y_pred_shape and y_pred_shape[-1] > 1):
        return SparseCategoricalAccuracy
    return CategoricalAccuracy


def get(identifier, y_true=None, y_pred=None):
    """A :class:`Metric` from a name (case-insensitive; the metric is named as given), a config dict, a Metric
    instance or class, or a callable ``(y_true, y_pred) -> per-sample values``.

    Given ``y_true`` and ``y_pred`` (arrays or shapes), ``"accuracy"``/``"acc"`` resolves like Keras' ``compile``:
    to binary, sparse categorical or categorical accuracy (see :func:`resolve_accuracy`).

    Raises:
        ValueError: for an unknown name (the message lists the valid ones) or an identifier of another kind.

    >>> get("acc", y_true=(32,), y_pred=(32, 10)).name, type(get("acc", (32,), (32, 10))).__name__
    ('acc', 'SparseCategoricalAccuracy')
    """
    if identifier is None or isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, str):
        if identifier.lower() in ("accuracy", "acc") and y_true is not None and y_pred is not None:
            cls = resolve_accuracy(_shape(y_true), _shape(y_pred))
        elif identifier.lower() in _LOSS_METRICS:      # a loss as a metric: its batch mean, as Keras' metrics
            return MeanMetricWrapper(getattr(losses, _LOSS_METRICS[identifier.lower()]), name=identifier)
        else:
            cls = _lookup.lookup(_BY_NAME, identifier, "metric", lower=True, extra=sorted(_LOSS_METRICS))
        return cls(name=identifier)
    if isinstance(identifier, dict):
        return _lookup.deserialize_lower(identifier, _BY_NAME, "metric", _CLASSES)
    if inspect.isclass(identifier) and issubclass(identifier, Metric):
        return identifier()
    if callable(identifier):
        return MeanMetricWrapper(identifier)
    raise ValueError(f"Could not interpret metric identifier: {identifier!r}")


def _shape(x):
    if isinstance(x, tuple) and all(isinstance(n, int) for n in x):
        return x
    return tuple(getattr(x, "shape", None) or np.shape(x))


__all__ = ["Accuracy", "BinaryAccuracy", "CategoricalAccuracy", "Mean", "MeanAbsoluteError", "MeanMetricWrapper",
           "MeanSquaredError", "Metric", "SparseCategoricalAccuracy", "accuracy", "binary_accuracy",
           "categorical_accuracy", "get", "mean_absolute_error", "mean_squared_error", "resolve_accuracy",
           "sparse_categorical_accuracy"]
