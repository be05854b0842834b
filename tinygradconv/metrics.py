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

:class:`RootMeanSquaredError` reports ``sqrt`` of the (weighted) mean of ``(y - p)^2``. The confusion-matrix metrics
(:class:`Precision`, :class:`Recall`, :class:`AUC`, :class:`TruePositives`, :class:`FalsePositives`,
:class:`TrueNegatives`, :class:`FalseNegatives`) instead sum weighted counts of thresholded predictions
(``p > threshold``, strictly) over every batch, and compute their result from the sums; so do the at-threshold
curve metrics (:class:`PrecisionAtRecall`, :class:`RecallAtPrecision`, :class:`SensitivityAtSpecificity`,
:class:`SpecificityAtSensitivity`), at ``num_thresholds`` thresholds. The segmentation metrics (:class:`IoU`,
:class:`MeanIoU`, :class:`OneHotIoU`, :class:`OneHotMeanIoU`, :class:`BinaryIoU`) sum a confusion matrix of class
ids and report the intersection-over-union of the target classes. :class:`R2Score`, :class:`FBetaScore` and
:class:`F1Score` are Keras 3's too.

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
import numbers
import reprlib
import warnings

import numpy as np

from . import _lookup, config, losses
from .backend import dtype_name

# Keras 3 exports these loss functions from keras.metrics too (metrics=[keras.metrics.hinge]): so does this module.
from .losses import (  # noqa: F401 -- re-exported, documented in losses
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_focal_crossentropy,
    categorical_hinge,
    hinge,
    huber,
    kl_divergence,
    log_cosh,
    mean_absolute_percentage_error,
    mean_squared_logarithmic_error,
    poisson,
    sparse_categorical_crossentropy,
    squared_hinge,
)
from .ops.elementwise import ieee754
from .tensor import Tensor
from .validation import FLOAT_DTYPES, caller_stacklevel, dtype_argument, flag, integer, number, size_fits


def _ieee754(fn):
    """``fn`` with IEEE 754 special results computed silently, as in Keras and the ops (``inf - inf`` is NaN,
    ``1e30 ** 2`` in float32 is inf, NaN cast to an integer): no NumPy ``RuntimeWarning`` (found by a tester). The
    means of empty slices go through :func:`_mean`, which NumPy's ``errstate`` does not silence."""

    @functools.wraps(fn)
    def silent(*args, **kwargs):
        with ieee754(np):
            return fn(*args, **kwargs)

    return silent


def _numpy(x, argument="an input", metric="a metric", as_tensor=False) -> np.ndarray:
    """``x`` (a Tensor, a backend array, NumPy data or nested lists) as a NumPy array; a ValueError naming
    ``argument`` and ``metric`` for ragged nested lists (NumPy's "inhomogeneous shape" message names neither).
    ``as_tensor``: Python data in the dtype Keras' ``convert_to_tensor`` gives it (:func:`_python_data_dtype`), as
    Keras' metric functions convert ``y_true`` and ``y_pred``; else as NumPy reads it (float64), for the values and
    weights Keras casts straight to a metric's dtype."""
    if isinstance(x, Tensor):
        return x.numpy()
    if hasattr(x, "__array_namespace__") and not isinstance(x, np.ndarray):
        return Tensor(x).numpy()  # a backend array (CuPy, array_api_strict)
    try:
        array = np.asarray(x)
    except ValueError:            # ragged nested lists
        raise ValueError(f"{metric}: `{argument}` must be an array of one shape, not ragged (inhomogeneous) nested "
                         f"lists. Received {argument}={reprlib.repr(x)}") from None
    if not as_tensor or isinstance(x, np.ndarray):
        return array
    return array.astype(_python_data_dtype(x, array), copy=False)


def _python_data_dtype(x, array: np.ndarray) -> np.dtype:
    """The dtype Keras 3's ``convert_to_tensor`` (on torch) gives Python data ``x`` (``array`` is NumPy's view of it),
    where NumPy would give float64 or int64: a Python float (``np.float64`` included) is ``floatx()``; nested lists
    and tuples of numbers take Keras' ``result_type`` of their elements, whose 64-bit results become 32-bit
    (floats ``float32``, or ``float16`` under floatx float16; integers ``int32``). So ``[[0.1], [0.2]]`` is float32
    data, as in Keras, and a metric of it computes in float32 (a float64 array stays float64). NumPy scalars of
    another dtype (``np.float32``, ``np.int64``) and bools keep theirs."""
    if isinstance(x, (bool, np.bool_)) or array.dtype.kind not in "iuf":
        return array.dtype
    if isinstance(x, float):
        return np.dtype(config.floatx())
    if isinstance(x, int):
        return np.dtype(np.int64 if not -2 ** 31 <= x < 2 ** 31 else np.int32)
    if not isinstance(x, (list, tuple)):                    # a NumPy scalar of its own dtype
        return array.dtype
    if array.dtype.kind == "f":
        return np.dtype("float16" if config.floatx() == "float16" and array.dtype.itemsize > 2 else
                        "float32" if array.dtype.itemsize > 4 else array.dtype)
    return np.dtype({"i": "int32", "u": "uint32"}[array.dtype.kind]) if array.dtype.itemsize > 4 else array.dtype


def _pair(y_true, y_pred, metric, squeeze=True, dtype=None):
    """``y_true`` and ``y_pred`` as NumPy arrays of numbers (Keras' squeeze-or-expand rule applied when ``squeeze``)
    whose shapes broadcast together, as Keras' metrics compute them.

    ``dtype="y_pred"``: ``y_true`` is cast to a floating ``y_pred``'s dtype, as Keras' ``convert_to_tensor(y_true,
    dtype=y_pred.dtype)`` (so ``0.1`` in float64 equals ``float32(0.1)``, and float16 squares overflow as in Keras);
    another ``dtype`` (a name): both are cast to it. ``None`` keeps both dtypes.

    Raises:
        TypeError: an argument that is not numeric (strings, objects), naming it and the metric.
        ValueError: shapes that do not broadcast together, naming both (NumPy's own message names neither).
    """
    given = _numbers(y_true, y_pred, metric)
    y_true, y_pred = squeeze_or_expand_to_same_rank(*given) if squeeze else given
    if dtype == "y_pred":
        y_true = y_true.astype(y_pred.dtype) if y_pred.dtype.kind == "f" else y_true
    elif dtype is not None:
        y_true, y_pred = y_true.astype(dtype), y_pred.astype(dtype)
    _check_broadcast(y_true, y_pred, metric, given[0].shape, given[1].shape, "broadcast together")
    return y_true, y_pred


def _numbers(y_true, y_pred, metric):
    """``y_true`` and ``y_pred`` as NumPy arrays, Python data in Keras' dtypes (nested lists of floats float32, as
    Keras' metric functions convert them: :func:`_numpy`); a TypeError naming the argument and the metric for one
    that does not hold numbers (NumPy's own error from inside, e.g. ``UFuncTypeError``, names neither)."""
    arrays = (_numpy(y_true, "y_true", metric, as_tensor=True), _numpy(y_pred, "y_pred", metric, as_tensor=True))
    for name, array in zip(("y_true", "y_pred"), arrays):
        if array.dtype.kind not in "biuf":
            raise TypeError(f"{metric}: `{name}` must hold numbers. Received {name} of dtype {array.dtype}")
    return arrays


def _mean_last(a):
    """The mean over the last axis; a rank-0 value is its own mean (as Keras' ``mean(..., axis=-1)`` on torch)."""
    return a if a.ndim == 0 else _mean(a, axis=-1)


def _mean(a, axis):
    """``np.mean(a, axis)``, and NaN over an empty axis (as ``torch.mean``) without NumPy's "Mean of empty slice"
    warning, which ``np.errstate`` does not switch off."""
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    if all(a.shape[i] for i in axes):
        return np.mean(a, axis=axis)
    kept = tuple(n for i, n in enumerate(a.shape) if i not in {j % a.ndim for j in axes})
    return np.full(kept, np.nan, dtype=a.dtype if a.dtype.kind == "f" else np.float64)


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
    """``mean((y_true - y_pred)^2)`` over the last axis, in ``y_pred``'s dtype (``y_true`` is cast to it, as Keras
    casts it: float16 predictions give float16 squares)."""
    y_true, y_pred = _pair(y_true, y_pred, "mean_squared_error", dtype="y_pred")
    return _mean_last((y_true - y_pred) ** 2)


@_ieee754
def mean_absolute_error(y_true, y_pred) -> np.ndarray:
    """``mean(|y_true - y_pred|)`` over the last axis, in ``y_pred``'s dtype (``y_true`` is cast to it, as Keras
    casts it)."""
    y_true, y_pred = _pair(y_true, y_pred, "mean_absolute_error", dtype="y_pred")
    return _mean_last(np.abs(y_true - y_pred))


@_ieee754
def accuracy(y_true, y_pred) -> np.ndarray:
    """1.0 where ``y_true == y_pred`` exactly, else 0.0; ``y_true`` is cast to a floating ``y_pred``'s dtype first,
    as Keras casts it (``accuracy([0.1], float32([0.1]))`` is 1)."""
    y_true, y_pred = _pair(y_true, y_pred, "accuracy", dtype="y_pred")
    return (y_true == y_pred).astype(np.float64)


@_ieee754
def binary_accuracy(y_true, y_pred, threshold=0.5) -> np.ndarray:
    """1.0 where ``y_true == (y_pred > threshold)``, else 0.0.

    The threshold is rounded as Keras 3 rounds it, whatever ``y_pred``'s dtype: Keras makes a float threshold a
    tensor of ``floatx()`` (float32) and torch compares ``y_pred`` with that rank-0 tensor in ``y_pred``'s dtype
    (a float32 threshold with float16 predictions is rounded again to float16; integer predictions are compared in
    float32). So ``float64(0.7) > float32(0.7)`` is true (``binary_accuracy([1.0], [0.7], threshold=0.7)`` is 1,
    as in Keras) and ``float32(0.3) > float32(0.3)`` false. An integer threshold stays exact.
    """
    y_true, y_pred = _pair(y_true, y_pred, "binary_accuracy")
    return (y_true == (y_pred > _keras_threshold(threshold, y_pred))).astype(np.float64)


def _keras_threshold(threshold, y_pred):
    """``threshold`` as Keras' ``convert_to_tensor`` makes it (a float as ``floatx()``), then as torch promotes it
    against ``y_pred``: in ``y_pred``'s floating dtype, or the threshold's dtype for integer predictions."""
    if isinstance(threshold, (bool, numbers.Integral)):
        value = np.int64(threshold)
    elif isinstance(threshold, float):                      # a Python float (np.float64 included): floatx()
        value = np.dtype(config.floatx()).type(threshold)
    else:                                                    # a NumPy float32 or float16 keeps its dtype
        value = np.asarray(threshold)[()]
    if y_pred.dtype.kind == "f":
        return y_pred.dtype.type(value)
    return value


@_ieee754
def categorical_accuracy(y_true, y_pred) -> np.ndarray:
    """1.0 where ``argmax(y_true) == argmax(y_pred)`` along the last axis (one-hot targets).

    ``y_true`` needs one column per class, as ``y_pred``: integer labels (shape ``(n,)`` or ``(n, 1)`` beside
    ``(n, classes)``) are refused, where Keras 3 takes the arg-max of the labels over the whole batch and reports
    a number that is not the accuracy (1.0 for the labels ``[2, 2]`` beside predictions of class 0), silently;
    ``sparse_categorical_accuracy`` is the metric for them, as the losses refuse the same shapes.

    >>> categorical_accuracy([[0, 0, 1], [0, 1, 0]], [[0.1, 0.2, 0.7], [0.5, 0.3, 0.2]]).tolist()
    [1.0, 0.0]

    Raises:
        ValueError: rank-0 inputs (no class axis), another number of classes in ``y_true`` than in ``y_pred``
            (integer labels), or shapes that do not broadcast together.
    """
    y_true, y_pred = _numbers(y_true, y_pred, "categorical_accuracy")
    if y_true.ndim == 0 or y_pred.ndim == 0:
        raise ValueError(f"categorical_accuracy: y_true and y_pred need a class axis (the last). Received shapes "
                         f"{y_true.shape} and {y_pred.shape}")
    _check_classes("categorical_accuracy", y_true=y_true, y_pred=y_pred)
    _check_one_hot("categorical_accuracy", y_true, y_pred)
    true_class, predicted_class = np.argmax(y_true, axis=-1), np.argmax(y_pred, axis=-1)
    _check_broadcast(true_class, predicted_class, "categorical_accuracy", y_true.shape, y_pred.shape)
    return (true_class == predicted_class).astype(np.float64)


def _check_one_hot(metric, y_true, y_pred):
    """A ValueError naming the metric when ``y_true`` has another number of columns than ``y_pred`` has classes:
    integer labels given to a metric of one-hot targets (Keras 3 takes their arg-max over the batch, silently)."""
    if y_true.shape[-1] == y_pred.shape[-1] and y_true.ndim >= y_pred.ndim:
        return
    shapes = f"Received y_true of shape {y_true.shape} and y_pred of shape {y_pred.shape}"
    if y_true.ndim == y_pred.ndim - 1 or y_true.shape[-1] == 1:        # labels, as a sparse metric takes them
        raise ValueError(f"{metric}: y_true needs one-hot rows, one column per class as y_pred "
                         f"({y_pred.shape[-1]}). {shapes}; for integer labels use sparse_{metric} "
                         f"(\"sparse_{metric}\" in compile)")
    raise ValueError(f"{metric}: y_true has {y_true.shape[-1]} classes on its last axis and y_pred "
                     f"{y_pred.shape[-1]}. {shapes}")


def _check_classes(metric, **arrays):
    """A ValueError naming the metric, the argument and its shape for an array with an empty class axis (the last),
    of which no class can be the arg-max (NumPy's own "attempt to get argmax of an empty sequence" names none)."""
    for argument, array in arrays.items():
        if array.ndim and array.shape[-1] == 0:
            raise ValueError(f"{metric}: `{argument}` needs at least one class on its last axis. Received {argument} "
                             f"of shape {array.shape}")


def _check_broadcast(a, b, metric, shape_true, shape_pred, failing="describe the same samples"):
    """A ValueError naming both shapes when ``a`` and ``b`` (``y_true`` and ``y_pred``, or what was computed from
    them) do not broadcast together: "y_true of shape ... and y_pred of shape ... do not ``failing``" (NumPy's own
    message, "operands could not be broadcast", names neither argument)."""
    try:
        np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ValueError(f"{metric}: y_true of shape {shape_true} and y_pred of shape {shape_pred} do not "
                         f"{failing}") from None


@_ieee754
def sparse_categorical_accuracy(y_true, y_pred) -> np.ndarray:
    """1.0 where the integer label ``y_true`` equals ``argmax(y_pred)`` along the last axis.

    Labels must be whole numbers below the number of classes: Keras 3 scores a label of 5 (of 3 classes), 1.5 or
    NaN as a miss, silently; here they are a ``ValueError``. A negative label (the padding of a loss's
    ``ignore_class=-1``) matches no class, as in Keras: a miss, or nothing where its weight is 0.

    >>> sparse_categorical_accuracy([2, 1], [[0.1, 0.2, 0.7], [0.5, 0.3, 0.2]]).tolist()
    [1.0, 0.0]

    Raises:
        ValueError: a rank-0 ``y_pred`` (no class axis), labels whose shape does not fit ``y_pred``'s, or labels
            that are not whole numbers below the number of classes.
        TypeError: labels that are not numbers.
    """
    name = "sparse_categorical_accuracy"
    y_true, y_pred = _numpy(y_true, "y_true", name), _numpy(y_pred, "y_pred", name)
    if y_pred.ndim == 0:
        raise ValueError(f"sparse_categorical_accuracy: y_pred needs a class axis (the last). Received y_pred of "
                         f"shape {y_pred.shape}")
    if y_true.dtype.kind not in "biuf":
        raise TypeError(f"sparse_categorical_accuracy: `y_true` must hold numbers. Received y_true of dtype "
                        f"{y_true.dtype}")
    _check_classes("sparse_categorical_accuracy", y_pred=y_pred)
    _check_labels(y_true, y_pred.shape[-1], "sparse_categorical_accuracy")
    labels = y_true[..., 0] if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1 else y_true
    predicted_class = np.argmax(y_pred, axis=-1)
    _check_broadcast(labels, predicted_class, "sparse_categorical_accuracy", y_true.shape, y_pred.shape)
    matches = (labels == predicted_class).astype(np.float64)
    return matches[..., 0] if matches.ndim > 1 and matches.shape[-1] == 1 else matches


def _check_labels(labels, classes, metric):
    """A ValueError naming the metric when ``labels`` (a NumPy array of numbers) are not all whole numbers below
    ``classes``, with the smallest and largest received (or the first that is not whole). A negative label is let
    through: it matches no class (a miss, or nothing where its weight or the loss's ``ignore_class`` mask is 0), as
    Keras scores the padding label of ``ignore_class=-1``."""
    if labels.size == 0:
        return
    numbers = labels.astype(np.float64)
    whole = np.isfinite(numbers) & (numbers == np.floor(numbers))
    if not whole.all():
        raise ValueError(f"{metric}: labels must be whole numbers below {classes}. Received the label "
                         f"{float(numbers[~whole].flat[0])!r}")
    if numbers.max() >= classes:      # a negative label (an ignore_class padding) matches no class, as in Keras
        raise ValueError(f"{metric}: labels must be whole numbers below {classes} (y_pred has {classes} classes). "
                         f"Received labels from {numbers.min():g} to {numbers.max():g}")


def _check_k(k, metric):
    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 1:
        raise ValueError(f"{metric}: invalid value for argument `k`: expected a whole number >= 1. Received k={k!r}")
    return int(k)


def _in_top_k(labels, scores, k, metric):
    """1.0 where the score of class ``labels`` is among the ``k`` largest of its row of ``scores``, as Keras 3 on
    torch decides it (``ops.in_top_k``): the label's score is at least the ``k``-th largest, so a score tied with
    the ``k``-th largest counts (all of ``[0.3, 0.3, 0.3]`` are in the top 1)."""
    _check_k(k, metric)
    if scores.ndim == 0:
        raise ValueError(f"{metric}: y_pred needs a class axis (the last). Received y_pred of shape {scores.shape}")
    classes = scores.shape[-1]
    if k > classes:      # (Keras on torch fails inside torch.topk: "selected index k out of range")
        raise ValueError(f"{metric}: invalid value for argument `k`: k={k} is more than the {classes} classes of "
                         f"y_pred (shape {scores.shape})")
    flat_scores, flat_labels = scores.reshape(-1, classes), labels.reshape(-1)
    if flat_labels.shape[0] != flat_scores.shape[0]:
        raise ValueError(f"{metric}: {flat_labels.shape[0]} labels for {flat_scores.shape[0]} rows of scores "
                         f"(y_pred of shape {scores.shape})")
    index = flat_labels.astype(np.int64)
    if np.any(index < 0) or np.any(index >= classes) or np.any(index != flat_labels):
        raise ValueError(f"{metric}: labels must be class indices in [0, {classes}). Received {labels!r}")
    kth = np.sort(flat_scores, axis=-1)[:, classes - k]
    hit = np.take_along_axis(flat_scores, index[:, None], axis=-1)[:, 0] >= kth
    return hit.astype(np.float64).reshape(labels.shape)


@_ieee754
def top_k_categorical_accuracy(y_true, y_pred, k=5) -> np.ndarray:
    """1.0 where the class of the one-hot ``y_true`` (its arg-max) is among the ``k`` highest scores of
    ``y_pred``, as Keras 3's ``top_k_categorical_accuracy``; a score tied with the ``k``-th highest counts, as in
    Keras 3 on torch."""
    y_true, y_pred = _numbers(y_true, y_pred, "top_k_categorical_accuracy")
    if y_true.ndim == 0:
        raise ValueError(f"top_k_categorical_accuracy: y_true needs a class axis (the last). Received y_true of "
                         f"shape {y_true.shape}")
    _check_classes("top_k_categorical_accuracy", y_true=y_true)
    if y_pred.ndim:
        _check_one_hot("top_k_categorical_accuracy", y_true, y_pred)
    return _in_top_k(np.argmax(y_true, axis=-1), y_pred, k, "top_k_categorical_accuracy")


@_ieee754
def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False) -> np.ndarray:
    """1.0 where the integer label ``y_true`` is among the ``k`` highest scores of ``y_pred``, as Keras 3's
    ``sparse_top_k_categorical_accuracy`` (labels of shape ``(batch,)`` or ``(batch, 1)``; the result has the
    labels' shape); a score tied with the ``k``-th highest counts, as in Keras 3 on torch.

    With ``from_sorted_ids=True`` (Keras 3.15), ``y_pred`` holds the ids of each sample's top ``N >= k`` classes,
    best first, instead of scores: 1.0 where the label is among the first ``k`` of them.

    >>> sparse_top_k_categorical_accuracy([2, 0], [[2, 5, 1], [1, 3, 0]], k=2, from_sorted_ids=True).tolist()
    [1.0, 0.0]
    """
    name = "sparse_top_k_categorical_accuracy"
    y_true, y_pred = _numpy(y_true, "y_true", name), _numpy(y_pred, "y_pred", name)
    if y_true.dtype.kind not in "biuf":
        raise TypeError(f"sparse_top_k_categorical_accuracy: `y_true` must hold numbers. Received y_true of dtype "
                        f"{y_true.dtype}")
    if flag(from_sorted_ids, "from_sorted_ids", name):
        return _among_first_ids(y_true, y_pred, k, name)
    return _in_top_k(y_true, y_pred, k, "sparse_top_k_categorical_accuracy")


def _among_first_ids(labels, ids, k, metric):
    """1.0 where ``labels`` is among the first ``k`` of its row of class ``ids`` (sorted best first), counted once
    however often it appears there (Keras' ``any``)."""
    _check_k(k, metric)
    if ids.ndim == 0:
        raise ValueError(f"{metric}: y_pred needs a class-id axis (the last). Received y_pred of shape {ids.shape}")
    flat_ids, flat_labels = ids.reshape(-1, ids.shape[-1]), labels.reshape(-1)
    if flat_labels.shape[0] != flat_ids.shape[0]:
        raise ValueError(f"{metric}: {flat_labels.shape[0]} labels for {flat_ids.shape[0]} rows of class ids "
                         f"(y_pred of shape {ids.shape})")
    hit = np.any(flat_ids[:, :k] == flat_labels[:, None], axis=1)
    return hit.astype(np.float64).reshape(labels.shape)


# ------------------------------------------------------------------------------------------------ metric objects
#: The dtypes a metric computes and reports its result in (``dtype=``; the IoU metrics' is their confusion matrix's).
METRIC_DTYPES = FLOAT_DTYPES                # (validation's: the float dtypes layers and optimizers take)
#: The dtypes of :meth:`Metric.add_variable`: the float ones, and integer counters as Keras makes them.
VARIABLE_DTYPES = (*FLOAT_DTYPES, "int32", "int64")


def _is_dtype_like(dtype):
    """Whether ``dtype`` is a name, a NumPy dtype or scalar type, Python's ``float``/``int``/``bool``, or a PyTorch
    dtype: something that may name a dtype (supported or not)."""
    if isinstance(dtype, str) or (type(dtype).__module__ == "torch" and type(dtype).__name__ == "dtype"):
        return True
    try:
        np.dtype(dtype)
    except TypeError:
        return False
    return dtype is not None


def metric_dtype(dtype, metric):
    """The ``dtype`` argument of ``metric`` (a class name) as a dtype name: None (the default: ``floatx()`` when
    the metric is made, its result a Python float), or ``"float16"``, ``"float32"`` or ``"float64"`` given as a
    name, a NumPy dtype or type (``np.float64``) or a PyTorch dtype.

    Keras 3 takes any dtype policy there, but its results are meaningless for the others (``"int32"`` truncates
    every value: ``MeanSquaredError(dtype="int32")`` reports 0.0), and NumPy has no ``bfloat16``: they are refused.

    Raises:
        ValueError: another dtype (``"int32"``), or a name that is no dtype (``"foo"``).
        TypeError: something that is not a dtype nor a name (``3``, ``[1]``).

    >>> metric_dtype(np.float64, "Mean"), metric_dtype(None, "Mean")
    ('float64', None)
    """
    if dtype is None:
        return None
    try:
        return dtype_argument(dtype, METRIC_DTYPES)
    except TypeError:
        pass
    if not _is_dtype_like(dtype):       # 3, [1], an object: a ValueError, as Keras' "Cannot interpret `dtype`"
        raise ValueError(f"Invalid value for argument `dtype` of {metric}. Expected one of {METRIC_DTYPES} (a name, "
                         "or a NumPy or PyTorch dtype), or None for a Python float. Received "
                         f"dtype={dtype!r} of type {type(dtype).__name__}")
    text = str(getattr(dtype, "__name__", dtype))
    keras_note = (" (Keras accepts it but truncates every value, so that its result means nothing)"
                  if "int" in text or "bool" in text else "")
    raise ValueError(f"Invalid value for argument `dtype` of {metric}. Expected one of {METRIC_DTYPES} (a name, "
                     "or a NumPy or PyTorch dtype: the dtype the metric computes and reports its result in), or None "
                     f"for a Python float. Received dtype={dtype!r}{keras_note}")


class MetricVariable(Tensor):
    """A metric's state, made by :meth:`Metric.add_variable`, as Keras 3's metric variables: a Tensor (computed
    with as any other Tensor, never trained) that :meth:`assign`, :meth:`assign_add` and :meth:`assign_sub` change in
    place, in its dtype (a float one, or ``int32``/``int64`` for a counter: a float value is truncated, as Keras
    casts it). ``name`` is the name given to ``add_variable`` and ``path`` ``"<metric name>/<name>"``, as Keras';
    ``initializer`` and ``aggregation`` are kept as given.

    >>> v = MetricVariable(np.zeros(()), "total", "zeros", dtype="float32", path="m/total")
    >>> v.assign_add(2.5)
    >>> v.assign_sub(0.5)
    >>> float(v), v.name, v.path
    (2.0, 'total', 'm/total')
    """

    def __init__(self, value, name, initializer, dtype, aggregation="sum", backend=None, path=None):
        super().__init__(value, dtype=dtype, backend=backend)
        self.name = name
        self.path = path or name
        self.initializer = initializer
        self.aggregation = aggregation

    def assign(self, value):
        """Set the value: ``value`` (a number, an array or a Tensor) of the variable's shape, cast to its dtype.

        Raises:
            ValueError: a value of another shape, as Keras 3 refuses it ("The shape of the target variable and the
                shape of the target value in `variable.assign(value)` must match"); a number for a variable of
                several values too (``assign_add`` broadcasts, as Keras').
        """
        if isinstance(value, Tensor):
            value = value.detach().numpy()
        array = np.asarray(value)
        if array.shape != self.shape:
            raise ValueError(f"Invalid value for argument `value` of {self.path}.assign: expected the variable's "
                             f"shape {self.shape}, as Keras. Received value of shape {array.shape}")
        kind = dtype_name(self.dtype)
        if not kind.startswith("float"):           # an integer counter: a float value truncated, as Keras casts it
            with np.errstate(invalid="ignore"):
                array = np.asarray(array).astype(kind)
        self.data = Tensor(array, dtype=kind, backend=self.backend).data

    def assign_add(self, value):
        """Add ``value`` (broadcast to the variable's shape) to the variable, in its dtype."""
        self.assign(self.numpy() + _numpy(value, "value", self.name).astype(self.numpy().dtype))

    def __deepcopy__(self, memo):
        """A copy that is a variable too (a Tensor's copy would be a plain Tensor, without ``assign``)."""
        new = MetricVariable(self.numpy().copy(), self.name, self.initializer, dtype_name(self.dtype),
                             self.aggregation, backend=self.backend, path=self.path)
        memo[id(self)] = new
        return new

    def assign_sub(self, value):
        """Subtract ``value`` from the variable, in its dtype."""
        self.assign(self.numpy() - _numpy(value, "value", self.name).astype(self.numpy().dtype))


def _own_reset(metric):
    """The package's own ``reset_state`` of ``metric``'s class (the first one in the method order defined in
    tinygradconv), which :meth:`Metric.__init__` calls: the built-in metrics make their state there. A subclass of
    your own makes its state after ``super().__init__()``, as in Keras, so its ``reset_state`` is not called then."""
    for klass in type(metric).__mro__:
        if "reset_state" in vars(klass) and klass.__module__.startswith("tinygradconv."):
            return vars(klass)["reset_state"]
    return Metric.reset_state


class Metric:
    """Base class of stateful metrics: ``update_state``, ``result``, ``reset_state``; calling a metric updates it
    and returns the result.

    A metric of your own, as in Keras 3: call ``super().__init__(name=name, **kwargs)`` first, then make its state
    with :meth:`add_variable` (or :meth:`add_weight`), change it in ``update_state`` with ``assign``/``assign_add``,
    and return it (or a value computed from it) in ``result``. The default :meth:`reset_state` sets every variable
    to zeros, as Keras 3's does; a metric whose state is not made of variables writes its own ``reset_state``.
    (The package's own metrics keep their state as NumPy values, made by their ``reset_state``, which ``__init__``
    calls; the ``reset_state`` of a subclass of your own is not called there, since its state comes after.)

    Args:
        name: the name the metric is logged under.
        dtype: None (default): Keras' default, ``config.floatx()`` (float32) when the metric is made: the means
            below keep their sums in it and every result is rounded to it, reported as a Python float (or a float64
            array, one value per threshold or class), the value Keras logs. ``"float16"``, ``"float32"`` or
            ``"float64"`` (a name, a NumPy or PyTorch dtype), as Keras 3's ``dtype=``: the result is a NumPy scalar
            (or array) of that dtype; the means (``Mean``, ``Sum``, every metric of a function such as
            ``MeanSquaredError`` or ``Accuracy``, and ``RootMeanSquaredError``) accumulate their sums in it too, as
            Keras' variables do (so in float16 the count stops at 2048, as in Keras); the others (confusion counts,
            ``AUC``, ``R2Score``, ``FBetaScore``) count in float64 and report their result in the dtype.

    Raises:
        ValueError: a ``dtype`` other than those (Keras takes ``"int32"`` but truncates every value).

    Keras 3.15 on PyTorch differs in two places: its means report float32 for ``dtype="float64"`` and under
    floatx float64 (its ``divide_no_nan`` takes the dtype of ``result_type``, which makes every 64-bit result 32-bit
    outside TensorFlow; ``Sum``, ``FBetaScore`` keep float64), and its confusion-matrix metrics, ``AUC`` and the
    IoU metrics report float32 whatever the ``dtype``, ``R2Score`` in ``floatx()`` (docs/keras_compatibility.md).
    Here the result is always in the dtype asked for; the values agree to the precision of Keras'.

    >>> from tinygradconv import metrics
    >>> m = metrics.MeanSquaredError(dtype="float64")
    >>> m.update_state([[0.0, 1.0]], [[1.0, 1.0]])
    >>> m.result(), m.result().dtype
    (np.float64(0.5), dtype('float64'))
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "result" in cls.__dict__:           # every result() reports in the metric's dtype (see the class doc)
            cls.result = _in_result_dtype(cls.__dict__["result"])

    def __init__(self, name=None, dtype=None):
        self.name = name or type(self).__name__
        self._result_dtype = metric_dtype(dtype, type(self).__name__)
        # the dtype of a mean's total and count: the one given, else floatx() when made (float32), as Keras 3's
        # variables (its dtype=None is floatx())
        self._sums_dtype = self._result_dtype or config.floatx()
        self._variables = []
        _own_reset(self)(self)

    @property
    def dtype(self):
        """The ``dtype`` the metric was made with (a name), or None (Keras' default, ``floatx()`` when made,
        reported as a Python float)."""
        return self._result_dtype

    @property
    def variables(self) -> list:
        """The variables :meth:`add_variable` made, in order (the package's own metrics have none: their state is
        NumPy values)."""
        return list(self._check_super_called()._variables)

    def _check_super_called(self):
        if "_variables" not in vars(self):       # Keras' message
            raise RuntimeError(f"You forgot to call `super().__init__()` in the `__init__()` method of "
                               f"{type(self).__name__}. Go add it!")
        return self

    def add_variable(self, shape, initializer, dtype=None, aggregation="sum", name=None):
        """A new state variable of the metric, as Keras 3's ``Metric.add_variable`` (same arguments):

        Args:
            shape: its shape (``()`` for one number).
            initializer: its first value: a name (``"zeros"``, ``"ones"``), a config, a callable
                ``initializer(shape, dtype=...)``, as for :meth:`~tinygradconv.layers.Layer.add_weight`.
            dtype: its dtype: ``"float16"``, ``"float32"``, ``"float64"``, or ``"int32"``/``"int64"`` for a
                counter (default ``floatx()``, float32, whatever the metric's ``dtype``, as Keras' variables: a
                ``Count(dtype="float16")`` counts past 2048).
            aggregation: kept as given (Keras' distributed training reads it; ``"sum"``, ``"mean"``, ...).
            name: its ``name`` (default ``"variable"``); its ``path`` is ``"<metric name>/<name>"``, as Keras'.

        Returns:
            a :class:`MetricVariable`, reset to zeros by the default :meth:`reset_state`, as in Keras.

        Raises:
            RuntimeError: ``super().__init__()`` was not called first (Keras' message).
            ValueError: no ``initializer`` (Keras fails with "Invalid dtype: object").
            TypeError: another ``dtype`` (``"bool"``, ``"uint8"``, a name that is no dtype).
        """
        from . import initializers

        self._check_super_called()
        if initializer is None:
            raise ValueError(f"Invalid value for argument `initializer` of {type(self).__name__}.add_variable: "
                             "expected an initializer (e.g. initializer='zeros'). Received initializer=None")
        dtype = dtype_argument(dtype, VARIABLE_DTYPES) if dtype is not None else config.floatx()
        shape = (int(shape),) if isinstance(shape, numbers.Integral) else tuple(int(d) for d in shape)
        counter = not dtype.startswith("float")      # (initializers make floats: an integer one is cast after)
        value = initializers.get(initializer)(shape, dtype="float64" if counter else dtype)
        value = value.numpy() if isinstance(value, Tensor) else np.asarray(value)
        value = value.astype(dtype) if counter else value
        name = name or "variable"
        variable = MetricVariable(value, name, initializer, dtype, aggregation, path=f"{self.name}/{name}")
        self._variables.append(variable)
        return variable

    def add_weight(self, shape=(), initializer=None, dtype=None, name=None):
        """:meth:`add_variable` by another name, as Keras 3 keeps it (``shape`` defaults to ``()``)."""
        return self.add_variable(shape=shape, initializer=initializer, dtype=dtype, name=name)

    def reset_state(self):
        """Set every variable of :meth:`add_variable` to zeros, as Keras 3's default (not to its initializer);
        nothing else. Called at the start of each epoch and of ``evaluate``."""
        for variable in self.variables:
            variable.assign(np.zeros(variable.shape, dtype=variable.numpy().dtype))

    def update_state(self, *args, **kwargs):
        """Accumulate a batch: every metric of your own writes it."""
        raise NotImplementedError(f"{type(self).__name__} has no update_state(): a Metric subclass writes its own "
                                  "update_state(y_true, y_pred, sample_weight=None)")

    def result(self) -> float:
        """The value: every metric of your own writes it."""
        raise NotImplementedError(f"{type(self).__name__} has no result(): a Metric subclass writes its own "
                                  "result()")

    def __call__(self, *args, **kwargs) -> float:
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self) -> dict:
        """The metric's name, and its ``dtype`` when one was given (``"float32"`` too: see :meth:`from_config`). A
        metric of your own (a subclass defined outside this package) writes its ``dtype`` always, ``floatx()``
        without one, as Keras' ``{"name": ..., "dtype": "float32"}``: its variables are float32 then anyway."""
        dtype = self._result_dtype
        if dtype is None and not type(self).__module__.startswith("tinygradconv."):
            dtype = config.floatx()
        return {"name": self.name} if dtype is None else {"name": self.name, "dtype": dtype}

    @classmethod
    def from_config(cls, config):
        """The metric of ``get_config()``'s output, or of a Keras 3 metric's config, its ``dtype`` as written.

        So ``from_config(get_config())`` gives the same metric: ``get_config`` leaves the ``dtype`` out for a
        metric made without one (``floatx()`` when made; Keras reads the missing key as its default, float32),
        and writes an explicit one, ``"float32"`` included. Keras writes a ``dtype`` always, ``"float32"``
        (``floatx()``) by default, so a metric read from Keras' config computes in float32 as Keras' does. Before
        2026-12-06 a ``"float32"`` was dropped, so that an explicit ``dtype="float32"`` did not survive
        ``from_config(get_config())`` (found by a tester).

        >>> m = MeanSquaredError(dtype="float32")
        >>> MeanSquaredError.from_config(m.get_config()).dtype, Mean.from_config(Mean().get_config()).dtype
        ('float32', None)
        """
        return cls(**config)

    def __repr__(self):
        try:
            result = self.result()
        except NotImplementedError:     # a metric of your own without result() yet: Keras' repr, the name alone
            return f"<{type(self).__name__} name={self.name!r}>"
        if isinstance(result, Tensor):
            result = result.detach().numpy()
        shown = (f"{result:.6g}" if np.ndim(result) == 0     # one value per threshold: an array
                 else np.array2string(np.asarray(result), precision=6, separator=", "))
        return f"<{type(self).__name__} name={self.name!r} result={shown}>"


def _in_result_dtype(result):
    """``result`` (a metric's method) reporting in the metric's ``dtype`` when one was given: a NumPy scalar of it,
    or an array of it (one value per threshold or class); else as it is."""

    @functools.wraps(result)
    def in_dtype(self):
        value = result(self)
        dtype = self.__dict__.get("_result_dtype")
        with ieee754(np):          # (a float64 count beyond float16's range is inf there, as a cast in Keras)
            if dtype is not None:
                return np.asarray(value, dtype=dtype)[()]
            if not isinstance(value, (numbers.Real, np.ndarray)) or isinstance(value, bool):
                return value
            # no dtype: Keras' value, of its floatx() variables (float32), as a Python float or a float64 array
            rounded = np.asarray(value, dtype=self.__dict__.get("_sums_dtype", config.floatx()))
            return float(rounded) if rounded.ndim == 0 else rounded.astype(np.float64)

    return in_dtype


def _floats(data, argument, metric, dtype=None):
    """``data`` as a float64 array (or one of ``dtype``); a TypeError naming ``argument`` and the metric for data
    that holds no numbers (NumPy's "could not convert string to float" names neither)."""
    array = _numpy(data, argument, metric)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{metric}: `{argument}` must hold numbers. Received {argument}={data!r} of dtype "
                        f"{array.dtype}")
    return np.asarray(array, dtype=dtype or np.float64)


def _samplewise(values, sample_weight, metric, reduce, dtype=None, weights_name="sample_weight"):
    """Keras 3's ``reduce_to_samplewise_values``: ``values`` (weighted, when ``sample_weight`` is given) reduced
    with ``reduce`` (a mean for :class:`Mean`, a sum for :class:`Sum`) over every axis but the first, and the number
    of samples they count for (the batch size, or the sum of the weights). Values that carry a mask of the entries
    that count (a loss with ``ignore_class``) have their weights masked when ``sample_weight`` is given. Computed
    in float64, the count a Python float; with ``dtype`` (a metric's), in that dtype, the count a NumPy scalar of
    it, as Keras casts the values and the weights to the metric's dtype first. ``weights_name`` names the weights in
    the error for weights that do not line up with the values (a :class:`MeanMetricWrapper` passes its mask there)."""
    mask = getattr(values, "_keras_mask", None)
    values = _floats(values, "values", metric, dtype)
    if sample_weight is not None:
        weights = _floats(sample_weight, "sample_weight", metric, dtype)
        if mask is not None:            # Keras' apply_mask(..., reduction="sum"): weight 0 where not counted
            mask, weights = squeeze_or_expand_to_same_rank(_floats(mask, "mask", metric, dtype), weights)
            weights = weights * mask
        values, weights = squeeze_or_expand_to_same_rank(values, weights)
        if values.ndim > weights.ndim:
            values = reduce(values, tuple(range(weights.ndim, values.ndim)))
        try:
            weights = np.broadcast_to(weights, values.shape)
        except ValueError:
            raise ValueError(f"{weights_name} of shape {weights.shape} does not match values of shape "
                             f"{values.shape}") from None
        values = values * weights
        if weights.ndim > 1:
            weights = reduce(weights, tuple(range(1, weights.ndim)))
        count = weights.sum()
    else:
        count = values.shape[0] if values.ndim >= 1 else 1
    if values.ndim > 1:
        values = reduce(values, tuple(range(1, values.ndim)))
    return values, _scalar(count, dtype)


class Mean(Metric):
    """The (weighted) mean of per-sample values: ``total / count``.

    Values of shape ``(batch, ...)`` are first averaged over every axis but the first; ``count`` grows by the batch
    size, or by the sum of ``sample_weight`` when given. Values that carry a mask of the entries that count (a loss
    with ``ignore_class``) have their weights masked, as Keras 3's ``Mean`` does, when ``sample_weight`` is given.

    Args:
        name: the metric's name (default ``"mean"``, Keras 3's).
        dtype: None (``floatx()`` when made, float32, reported as a Python float), or the dtype the total and
            the count are kept in and the result reported in (see :class:`Metric`).

    >>> m = Mean()
    >>> m.update_state([1.0, 3.0], sample_weight=[1.0, 3.0])
    >>> m.result(), m.name
    (2.5, 'mean')
    """

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def reset_state(self):
        self.total = self.count = _zero(self._sums_dtype)

    @_ieee754
    def update_state(self, values, sample_weight=None):
        self._add(values, sample_weight)

    def _add(self, values, sample_weight, weights_name="sample_weight"):
        # Keras 3's order: total += sum(w * v) and count += sum(w) (or the batch size), each in the sums' dtype
        values, count = _samplewise(values, sample_weight, self.name, _mean, self._sums_dtype, weights_name)
        self.total += values.sum()
        self.count += count

    def _mean(self):
        """``total / count`` in the sums' dtype (0 when nothing was counted: Keras' ``divide_no_nan``)."""
        return self.total / self.count if self.count else _zero(self._sums_dtype)

    def result(self) -> float:
        return self._mean()


def _scalar(value, dtype):
    """``value`` as a Python float, or as a NumPy scalar of ``dtype`` (a metric's sums are kept in its dtype, as
    Keras' variables)."""
    return float(value) if dtype is None else np.asarray(value, dtype=dtype)[()]


def _zero(dtype):
    """0.0, or a NumPy zero of ``dtype`` (:func:`_scalar`)."""
    return _scalar(0.0, dtype)


class Sum(Metric):
    """The (weighted) sum of the values seen: ``sum_i w_i * v_i`` over every batch since the last reset (``w_i = 1``
    without ``sample_weight``), as Keras 3's ``keras.metrics.Sum``.

    Values of shape ``(batch, ...)`` are first summed over the axes the weights do not have (Keras'
    ``reduce_to_samplewise_values`` with a sum), then weighted and summed. Values that carry a mask of the entries
    that count (a loss with ``ignore_class``) have their weights masked when ``sample_weight`` is given, as Keras.

    Args:
        name: the metric's name (default ``"sum"``, Keras 3's).
        dtype: None (``floatx()`` when made, float32, reported as a Python float), or the dtype the sum is kept
            and reported in (see :class:`Metric`).

    Raises:
        TypeError: values or weights that hold no numbers.
        ValueError: weights whose shape does not broadcast to the values'.

    Source: Keras 3, ``keras.metrics.Sum`` (``keras/src/metrics/reduction_metrics.py``).

    >>> m = Sum()
    >>> m.update_state([1, 3, 5, 7])
    >>> m.result()
    16.0
    >>> m.reset_state()
    >>> m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
    >>> m.result()
    4.0
    """

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def reset_state(self):
        self.total = _zero(self._sums_dtype)

    @_ieee754
    def update_state(self, values, sample_weight=None):
        values, _ = _samplewise(values, sample_weight, self.name, _sum, self._sums_dtype)
        self.total += values.sum()

    def result(self) -> float:
        return self.total


def _sum(a, axis):
    return np.sum(a, axis=axis)


class MeanMetricWrapper(Mean):
    """A :class:`Mean` of ``fn(y_true, y_pred, **kwargs)`` over all samples seen.

    >>> m = MeanMetricWrapper(mean_absolute_error, name="mae")
    >>> m.update_state([[1.0], [2.0]], [[0.0], [0.0]])
    >>> m.result()
    1.5
    """

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        self._fn, self._fn_kwargs = fn, kwargs
        # a loss object has the name Keras logs it under ("huber_loss"); a function its __name__
        super().__init__(name=name or getattr(fn, "name", None) or getattr(fn, "__name__", None), dtype=dtype)
        if isinstance(fn, losses.Loss) or getattr(fn, "__module__", None) == losses.__name__:
            self._direction = "down"    # a loss as a metric: lower is better (EarlyStopping's mode="auto", as Keras)

    @_ieee754
    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add the batch's values of the function. A mask the predictions carry (``_keras_mask``, from
        ``Embedding(mask_zero=True)`` or ``Masking``: True where a step counts) weighs each value 1 or 0, times
        ``sample_weight`` when given: Keras 3's ``apply_mask(..., reduction="sum")``, so the result is the mean over
        the steps that count, ``sum(v * w * mask) / sum(w * mask)``. One weight per sample (``(batch,)``) with a mask
        of the steps (``(batch, steps)``) weighs each of that sample's steps, as the loss does (Keras 3.15 on torch
        raises a ``RuntimeError`` in ``apply_mask`` there).

        Raises:
            ValueError: a ``sample_weight`` that lines up with the mask neither as given nor as one weight per
                sample, or a mask that does not line up with the function's values (the message names the mask).
        """
        mask = getattr(y_pred, "_keras_mask", None)
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        if mask is None:
            self._add(values, sample_weight)
            return
        weights = _floats(mask, "mask", self.name, self._sums_dtype)
        weights_name = "the mask"
        if sample_weight is not None:
            weights, given = squeeze_or_expand_to_same_rank(weights, _floats(sample_weight, "sample_weight",
                                                                              self.name, self._sums_dtype))
            if given.ndim < weights.ndim:        # one weight per sample: it weighs each of the sample's steps
                given = given.reshape(given.shape + (1,) * (weights.ndim - given.ndim))
            try:
                weights = weights * given
            except ValueError:
                raise ValueError(f"{self.name}: Invalid value for argument `sample_weight`: of shape "
                                 f"{np.shape(sample_weight)} it lines up with the predictions' mask of shape "
                                 f"{np.shape(mask)} neither as given nor as one weight per sample") from None
            weights_name = "sample_weight times the mask"
        self._add(values, weights, f"{self.name}: {weights_name}")

    def get_config(self):
        return dict(super().get_config(), **self._fn_kwargs)


class MeanSquaredError(MeanMetricWrapper):
    """Mean of squared errors over all samples seen."""

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, name=name, dtype=dtype)


class MeanAbsoluteError(MeanMetricWrapper):
    """Mean of absolute errors over all samples seen."""

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, name=name, dtype=dtype)


class Accuracy(MeanMetricWrapper):
    """How often predictions equal targets exactly."""

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(accuracy, name=name, dtype=dtype)


class BinaryAccuracy(MeanMetricWrapper):
    """How often ``(y_pred > threshold)`` equals the binary target."""

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        number(threshold, "threshold")
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)


class CategoricalAccuracy(MeanMetricWrapper):
    """How often the arg-max of the prediction matches the one-hot target."""

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(categorical_accuracy, name=name, dtype=dtype)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often the arg-max of the prediction matches the integer target."""

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)


class RootMeanSquaredError(Mean):
    """The square root of the (weighted) mean squared error over all samples seen:
    ``sqrt(sum_i w_i * mean((y_i - p_i)^2) / sum_i w_i)`` (``w_i = 1`` without ``sample_weight``), as Keras'
    ``RootMeanSquaredError``: the root is taken of the accumulated mean, not averaged per batch. Lower is better.
    ``y_true`` and ``y_pred`` are cast to ``floatx()`` (float32), or to the ``dtype`` given, before the difference is
    squared, as Keras casts them: float16 errors of 300 square to 90000, not to inf.

    >>> m = RootMeanSquaredError()
    >>> m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
    >>> m.result()
    0.5
    >>> m.reset_state()
    >>> m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]], sample_weight=[1, 0])
    >>> round(m.result(), 6)      # sqrt(0.5)
    0.707107
    """

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "down"    # an error: lower is better (EarlyStopping's mode="auto", as Keras)

    @_ieee754
    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = _pair(y_true, y_pred, self.name, dtype=self._sums_dtype)
        super().update_state((y_pred - y_true) ** 2, sample_weight=sample_weight)

    @_ieee754
    def result(self) -> float:
        return np.sqrt(self._mean())


class MeanAbsolutePercentageError(MeanMetricWrapper):
    """The mean of :func:`~tinygradconv.losses.mean_absolute_percentage_error` over all samples seen (Keras'
    ``"mape"`` metric). Lower is better.

    >>> m = MeanAbsolutePercentageError()
    >>> m.update_state([[100.0, 200.0]], [[90.0, 210.0]])
    >>> round(m.result(), 4)       # (10 % + 5 %) / 2
    7.5
    """

    def __init__(self, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(losses.mean_absolute_percentage_error, name=name, dtype=dtype)


class MeanSquaredLogarithmicError(MeanMetricWrapper):
    """The mean of :func:`~tinygradconv.losses.mean_squared_logarithmic_error` over all samples seen (Keras'
    ``"msle"`` metric). Lower is better.

    >>> m = MeanSquaredLogarithmicError()
    >>> m.update_state([[0.0, 1.0]], [[1.0, 1.0]])
    >>> round(m.result(), 4)       # log(2)^2 / 2
    0.2402
    """

    def __init__(self, name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(losses.mean_squared_logarithmic_error, name=name, dtype=dtype)


class Hinge(MeanMetricWrapper):
    """The mean of :func:`~tinygradconv.losses.hinge` over all samples seen. Lower is better.

    >>> round(Hinge()([[0.0, 1.0]], [[0.3, -0.4]]), 4)      # labels -1, 1: (1.3 + 1.4) / 2
    1.35
    """

    def __init__(self, name="hinge", dtype=None):
        super().__init__(losses.hinge, name=name, dtype=dtype)


class SquaredHinge(MeanMetricWrapper):
    """The mean of :func:`~tinygradconv.losses.squared_hinge` over all samples seen. Lower is better.

    >>> round(SquaredHinge()([[-1.0, 1.0]], [[0.3, 2.0]]), 4)    # (1.3^2 + 0) / 2
    0.845
    """

    def __init__(self, name="squared_hinge", dtype=None):
        super().__init__(losses.squared_hinge, name=name, dtype=dtype)


class CategoricalHinge(MeanMetricWrapper):
    """The mean of :func:`~tinygradconv.losses.categorical_hinge` over all samples seen. Lower is better.

    >>> round(CategoricalHinge()([[0.0, 1.0, 0.0]], [[0.3, -0.4, 0.9]]), 4)     # 0.9 + 0.4 + 1
    2.3
    """

    def __init__(self, name="categorical_hinge", dtype=None):
        super().__init__(losses.categorical_hinge, name=name, dtype=dtype)


class Poisson(MeanMetricWrapper):
    """The mean of :func:`~tinygradconv.losses.poisson` over all samples seen. Lower is better.

    >>> round(Poisson()([[1.0, 0.0]], [[1.0, 2.0]]), 4)     # (1 - log(1) + 2 - 0) / 2
    1.5
    """

    def __init__(self, name="poisson", dtype=None):
        super().__init__(losses.poisson, name=name, dtype=dtype)


class KLDivergence(MeanMetricWrapper):
    """The mean of :func:`~tinygradconv.losses.kl_divergence` over all samples seen. Lower is better.

    >>> KLDivergence()([[1.0, 0.0]], [[1.0, 0.0]])       # identical distributions
    0.0
    """

    def __init__(self, name="kl_divergence", dtype=None):
        super().__init__(losses.kl_divergence, name=name, dtype=dtype)


class LogCoshError(MeanMetricWrapper):
    """The mean of :func:`~tinygradconv.losses.log_cosh` over all samples seen (Keras' name ``"logcosh"``). Lower
    is better.

    >>> round(LogCoshError()([[0.0]], [[1.0]]), 6)
    0.433781
    """

    def __init__(self, name="logcosh", dtype=None):
        super().__init__(losses.log_cosh, name=name, dtype=dtype)


def cosine_similarity(y_true, y_pred, axis=-1):
    """Per-sample cosine ``sum(y_true / ||y_true|| * y_pred / ||y_pred||)`` over ``axis`` (norms below 1e-7 count
    as 1e-7): the metric Keras reports, the opposite of the loss :func:`~tinygradconv.losses.cosine_similarity`.

    >>> [round(v, 4) for v in cosine_similarity([[1.0, 0.0], [1.0, 1.0]], [[1.0, 0.0], [-2.0, -2.0]]).tolist()]
    [1.0, -1.0]
    """
    return -losses.cosine_similarity(y_true, y_pred, axis=axis)


class CosineSimilarity(MeanMetricWrapper):
    """The mean of :func:`cosine_similarity` over all samples seen: 1 for predictions parallel to the targets.
    Higher is better.

    Args:
        name: the name the metric is logged under (default ``"cosine_similarity"``).
        dtype: None (a Python float of ``floatx()``, float32), or the dtype of the result: see :class:`Metric`.
        axis: the axis of the vectors.

    >>> m = CosineSimilarity()
    >>> m.update_state([[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [1.0, 0.0]])
    >>> m.result()                  # (1 + 0) / 2
    0.5
    """

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(cosine_similarity, name=name, dtype=dtype, axis=integer(axis, "axis", minimum=None))
        self._direction = "up"      # a similarity: higher is better (EarlyStopping's mode="auto", as Keras)


class BinaryCrossentropy(MeanMetricWrapper):
    """The mean of :func:`~tinygradconv.losses.binary_crossentropy` over all samples seen (each sample's value the
    mean over its last axis), weighted by ``sample_weight`` when given, as Keras 3's
    ``keras.metrics.BinaryCrossentropy``. Lower is better.

    Args:
        name: the metric's name (default ``"binary_crossentropy"``, Keras').
        dtype: None (a Python float of ``floatx()``, float32), or the dtype of the result: see :class:`Metric`.
        from_logits: ``y_pred`` holds logits (default: probabilities, clipped to ``[1e-7, 1 - 1e-7]``).
        label_smoothing: in ``[0, 1]``; targets become ``y (1 - s) + 0.5 s`` (default 0).

    Raises:
        TypeError: a ``from_logits`` that is not a bool.
        ValueError: a ``label_smoothing`` outside ``[0, 1]``; when updated, the errors of the loss function
            (targets outside ``[0, 1]`` with probabilities, shapes that differ).

    Source: Keras 3, ``keras.metrics.BinaryCrossentropy`` (https://keras.io/api/metrics/probabilistic_metrics/);
    the example is Keras' own.

    >>> m = BinaryCrossentropy()
    >>> m.update_state([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])
    >>> round(m.result(), 6)
    0.814924
    >>> m.reset_state()
    >>> m.update_state([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]], sample_weight=[1, 0])
    >>> round(m.result(), 6)
    0.916291
    """

    def __init__(self, name="binary_crossentropy", dtype=None, from_logits=False, label_smoothing=0):
        from_logits = flag(from_logits, "from_logits", "BinaryCrossentropy")
        label_smoothing = losses._check_smoothing(label_smoothing)
        super().__init__(losses.binary_crossentropy, name=name, dtype=dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing)
        self.from_logits, self.label_smoothing = from_logits, label_smoothing


class CategoricalCrossentropy(MeanMetricWrapper):
    """The mean of :func:`~tinygradconv.losses.categorical_crossentropy` (one-hot or soft targets) over all samples
    seen, weighted by ``sample_weight`` when given, as Keras 3's ``keras.metrics.CategoricalCrossentropy``. Lower
    is better.

    Args:
        name: the metric's name (default ``"categorical_crossentropy"``, Keras').
        dtype: None (a Python float of ``floatx()``, float32), or the dtype of the result: see :class:`Metric`.
        from_logits: ``y_pred`` holds logits (default: probabilities, rescaled to sum 1 along ``axis``).
        label_smoothing: in ``[0, 1]``; targets become ``y (1 - s) + s / num_classes`` (default 0).
        axis: the class axis (default -1).

    Raises:
        TypeError: a ``from_logits`` that is not a bool, an ``axis`` that is not one integer.
        ValueError: a ``label_smoothing`` outside ``[0, 1]``; when updated, the errors of the loss function.

    Source: Keras 3, ``keras.metrics.CategoricalCrossentropy``
    (https://keras.io/api/metrics/probabilistic_metrics/); the example is Keras' own.

    >>> m = CategoricalCrossentropy()
    >>> m.update_state([[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])
    >>> round(m.result(), 6)
    1.176939
    """

    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False, label_smoothing=0, axis=-1):
        from_logits = flag(from_logits, "from_logits", "CategoricalCrossentropy")
        label_smoothing = losses._check_smoothing(label_smoothing)
        axis = losses._check_axis(axis, "CategoricalCrossentropy")
        super().__init__(losses.categorical_crossentropy, name=name, dtype=dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)
        self.from_logits, self.label_smoothing, self.axis = from_logits, label_smoothing, axis


class SparseCategoricalCrossentropy(MeanMetricWrapper):
    """The mean of :func:`~tinygradconv.losses.sparse_categorical_crossentropy` (integer labels) over all samples
    seen, weighted by ``sample_weight`` when given, as Keras 3's ``keras.metrics.SparseCategoricalCrossentropy``.
    Lower is better.

    With ``ignore_class``, as Keras: the entries so labelled have value 0; without ``sample_weight`` they still
    count as samples (Keras' ``Mean`` masks only weights), with it their weight is 0.

    Args:
        name: the metric's name (default ``"sparse_categorical_crossentropy"``, Keras').
        dtype: None (a Python float of ``floatx()``, float32), or the dtype of the result: see :class:`Metric`.
        from_logits: ``y_pred`` holds logits (default: probabilities).
        ignore_class: None (default) or an integer label to leave out (e.g. -1 or 255).
        axis: the class axis (default -1).

    Raises:
        TypeError: a ``from_logits`` that is not a bool, an ``axis`` or ``ignore_class`` that is not one integer.
        ValueError: when updated, the errors of the loss function (labels out of range, ...).

    Source: Keras 3, ``keras.metrics.SparseCategoricalCrossentropy``
    (https://keras.io/api/metrics/probabilistic_metrics/); the example is Keras' own.

    >>> m = SparseCategoricalCrossentropy()
    >>> m.update_state([1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])
    >>> round(m.result(), 6)
    1.176939
    """

    def __init__(self, name="sparse_categorical_crossentropy", dtype=None, from_logits=False, ignore_class=None,
                 axis=-1):
        from_logits = flag(from_logits, "from_logits", "SparseCategoricalCrossentropy")
        ignore_class = losses._check_ignore_class(ignore_class)
        axis = losses._check_axis(axis, "SparseCategoricalCrossentropy")
        super().__init__(losses.sparse_categorical_crossentropy, name=name, dtype=dtype, from_logits=from_logits,
                         ignore_class=ignore_class, axis=axis)
        self.from_logits, self.ignore_class, self.axis = from_logits, ignore_class, axis


# ------------------------------------------------------------------------------------------------ confusion matrix
#: The threshold of ``Precision``/``Recall`` with ``top_k`` and no ``thresholds``: every top-k prediction is above
#: it, and the others are set to it (Keras' ``NEG_INF``).
_NEG_INF = -1e10
#: Keras' ``backend.epsilon()``: AUC's end thresholds are ``-epsilon`` and ``1 + epsilon``.
_EPSILON = 1e-7


def _threshold_list(thresholds) -> list:
    """The ``thresholds`` argument (a number or a non-empty list of numbers, each in ``[0, 1]``) as a list of floats.

    Raises:
        TypeError: an element that is not a real number (a string, None, a bool).
        ValueError: an empty list, or a value outside ``[0, 1]`` (or NaN); the message shows ``thresholds`` whole.
    """
    expected = "a number in [0, 1] or a non-empty list of them"
    array = np.asarray(thresholds, dtype=object)     # each element as given; ragged nesting keeps its lists
    items = [thresholds] if array.ndim == 0 else list(array.ravel())
    if any(isinstance(t, (list, tuple, np.ndarray)) for t in items):
        raise ValueError(f"Invalid value for argument `thresholds`. Expected {expected}, not ragged (inhomogeneous) "
                         f"nested lists. Received thresholds={thresholds!r}")
    if not items:
        raise ValueError(f"Invalid value for argument `thresholds`. Expected {expected}. "
                         f"Received thresholds={thresholds!r}")
    for t in items:
        if isinstance(t, bool) or not isinstance(t, numbers.Real):
            raise TypeError(f"Invalid type for argument `thresholds`. Expected {expected}. "
                            f"Received thresholds={thresholds!r} (element {t!r} of type {type(t).__name__})")
        if not 0 <= t <= 1:         # NaN too
            raise ValueError(f"Invalid value for argument `thresholds`. Expected {expected}. "
                             f"Received thresholds={thresholds!r} (element {t!r} is outside [0, 1])")
    return [float(t) for t in items]


#: About how many bytes a metric keeps per threshold: the threshold as a Python float in a list and in an array,
#: the four counts, and the copies made while building them.
THRESHOLD_BYTES = 96


def _thresholds_fit(n, metric):
    """A ValueError naming ``num_thresholds`` when ``n`` thresholds and their counts would not fit in memory
    (:func:`~tinygradconv.validation.size_fits`): ``AUC(num_thresholds=10**30)`` ran two minutes, then got a
    ``MemoryError`` with no message (found by a tester)."""
    size_fits(metric, f"{n} thresholds and their counts", n * THRESHOLD_BYTES, f"num_thresholds={n}")


def _evenly(n) -> list:
    """``0, 1/(n-1), 2/(n-1), ..., 1`` as Python floats, ``i / (n - 1)`` each (one division of two integers, exact
    in float64 and rounded once, so the same floats as Keras' list comprehension), without a Python loop:
    ``AUC(num_thresholds=10**8)`` took 45 s to build its thresholds one by one.

    >>> _evenly(5)
    [0.0, 0.25, 0.5, 0.75, 1.0]
    """
    return (np.arange(n, dtype=np.float64) / (n - 1)).tolist()


def _evenly_spaced(thresholds) -> bool:
    """Keras' ``is_evenly_distributed_thresholds``: at least 3 thresholds, close to ``i / (n - 1)``. Keras then
    counts by bucket (see :func:`_confusion_counts`), which this package reproduces bit for bit."""
    n = len(thresholds)
    return n >= 3 and bool(np.allclose(thresholds, np.arange(n, dtype=np.float32) / (n - 1), atol=_EPSILON))


def _divide_no_nan(a, b):
    """``a / b``, and 0 where ``b == 0`` (Keras' ``divide_no_nan``)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return np.where(b == 0, 0.0, a / np.where(b == 0, 1.0, b))


def _keep_top_k(scores, k, metric, given_shape):
    """``scores`` with all but the ``k`` largest of each row (last axis) set to ``_NEG_INF``; among equal scores the
    first ones are kept (Keras leaves ties to ``torch.topk``, whose choice is unspecified). NaN ranks above every
    number, as in ``torch.topk``: a NaN prediction takes a top-k place (where it is never above a threshold), and
    the next score is not moved up into it (NumPy's sort puts NaN last: a row gone NaN had scored as a hit)."""
    if scores.ndim == 0 or scores.shape[-1] < k:
        raise ValueError(f"{metric}: top_k={k} needs predictions with at least {k} classes on the last axis. "
                         f"Received y_pred of shape {given_shape}")
    order = np.lexsort((-scores, ~np.isnan(scores)), axis=-1)[..., :k]   # NaN first, then the largest first
    keep = np.zeros(scores.shape, dtype=bool)
    np.put_along_axis(keep, order, True, axis=-1)
    return np.where(keep, scores, np.float32(_NEG_INF))


@_ieee754
def _confusion_counts(y_true, y_pred, thresholds, metric, *, evenly=False, sample_weight=None, top_k=None,
                      class_id=None, multi_label=False, label_weights=None):
    """The weighted confusion-matrix counts of one batch at each threshold, computed as Keras'
    ``update_confusion_matrix_variables``: ``(tp, fp, tn, fn)``, each of shape ``(len(thresholds),)`` (or
    ``(len(thresholds), labels)`` with ``multi_label``), as float64 sums.

    A prediction ``p`` is positive at threshold ``t`` when ``p > t`` (strictly), a label when it is non-zero.
    Labels, predictions, weights and thresholds are compared in float32, as Keras' float32 metric variables make
    them. With evenly spaced thresholds (:func:`_evenly_spaced`) Keras counts by bucket instead, and so does this
    function: ``p`` (clipped to ``[0, 1]``) falls in bucket ``ceil(p * (n - 1)) - 1`` (``max(0, ...)`` when the
    end thresholds carry AUC's epsilon) and is positive at the thresholds up to its bucket. ``top_k`` keeps the
    ``k`` largest predictions of each row (the others become negative); ``class_id`` keeps one column.
    ``sample_weight`` broadcasts to the predictions as in Keras; ``label_weights`` (AUC) weigh the last axis.

    Raises:
        TypeError: ``y_true``, ``y_pred`` or ``sample_weight`` not numeric.
        ValueError: shapes that differ (after Keras' squeeze of a trailing axis of 1), weights that do not
            broadcast to the predictions, ``top_k``/``class_id`` beyond the classes of ``y_pred``.
    """
    given = [np.shape(_numpy(y_true, "y_true", metric)), np.shape(_numpy(y_pred, "y_pred", metric))]
    labels, scores = (a.astype(np.float32) for a in _numbers(y_true, y_pred, metric))
    scores, labels = squeeze_or_expand_to_same_rank(scores, labels)
    if labels.shape != scores.shape:
        raise ValueError(f"{metric}: y_true of shape {given[0]} and y_pred of shape {given[1]} must have the same "
                         f"shape (one label per prediction)")
    weights = None
    if sample_weight is not None:
        weights = _floats(sample_weight, "sample_weight", metric).astype(np.float32)
        weight_shape = weights.shape
        _, weights = squeeze_or_expand_to_same_rank(labels, weights[..., None], expand_rank_1=False)
    if top_k is not None:
        scores = _keep_top_k(scores, top_k, metric, given[1])
    if class_id is not None:
        if scores.ndim < 2 or class_id >= scores.shape[-1]:
            raise ValueError(f"{metric}: class_id={class_id} needs y_pred of shape (samples, classes) with more "
                             f"than {class_id} classes. Received y_pred of shape {given[1]}")
        labels, scores = labels[..., class_id, None], scores[..., class_id, None]
    if weights is None:
        weights = np.ones(scores.shape, np.float32)
    else:
        try:
            weights = np.broadcast_to(weights, scores.shape)
        except ValueError:
            raise ValueError(f"{metric}: sample_weight of shape {weight_shape} does not broadcast to the "
                             f"predictions, of shape {scores.shape} (y_pred of shape {given[1]})") from None
    if label_weights is not None and not multi_label:
        try:
            weights = weights * np.broadcast_to(np.asarray(label_weights, np.float32)[None], scores.shape)
        except ValueError:
            raise ValueError(f"{metric}: label_weights of length {len(label_weights)} does not match the last "
                             f"axis of y_pred, of shape {given[1]}") from None
    if not multi_label:     # every prediction counts alone: one "label" column
        labels, scores, weights = labels.reshape(-1, 1), scores.reshape(-1, 1), weights.reshape(-1, 1)
    positive = (labels != 0).astype(np.float32)
    true_w = (positive * weights).astype(np.float64)
    false_w = ((1 - positive) * weights).astype(np.float64)
    n, columns = len(thresholds), scores.shape[1]
    if evenly:
        buckets = np.ceil(np.clip(scores, 0, 1) * np.float32(n - 1)) - 1
        if thresholds[0] < 0 or thresholds[-1] > 1:     # AUC's epsilon end points: 0 is above -epsilon
            buckets = np.maximum(buckets, 0)
        buckets = np.where(np.isnan(buckets), -1, buckets).astype(np.int64)
        inside = (buckets >= 0) & (buckets < n)         # a bucket of -1 (p == 0 or NaN) is positive nowhere
        index = (buckets + n * np.arange(columns))[inside]

        def above(w):      # the weight of predictions in each bucket, summed from the top: positive at t_j <= bucket
            per_bucket = np.bincount(index, weights=w[inside], minlength=n * columns).reshape(columns, n).T
            return np.cumsum(per_bucket[::-1], axis=0)[::-1]
    else:
        is_above = scores[None] > np.asarray(thresholds, np.float32)[:, None, None]     # (thresholds, N, columns)

        def above(w):
            return np.where(is_above, w[None], 0.0).sum(axis=1)
    tp, fp = above(true_w), above(false_w)
    fn, tn = true_w.sum(axis=0) - tp, false_w.sum(axis=0) - fp
    counts = (tp, fp, tn, fn)
    return counts if multi_label else tuple(c[:, 0] for c in counts)


class _ConfusionMetric(Metric):
    """The confusion-matrix counts ``true_positives``, ``false_positives``, ``true_negatives`` and
    ``false_negatives`` (float64 arrays, one entry per threshold) summed over the batches by
    :func:`_confusion_counts`; subclasses compute ``result()`` from them."""

    def __init__(self, thresholds, name, top_k=None, class_id=None, evenly=None, dtype=None):
        self._thresholds = list(thresholds)
        self._evenly = _evenly_spaced(self._thresholds) if evenly is None else evenly
        self.top_k, self.class_id = top_k, class_id
        super().__init__(name=name, dtype=dtype)

    def _state_shape(self):
        return (len(self._thresholds),)

    def reset_state(self):
        shape = self._state_shape()
        for counter in ("true_positives", "false_positives", "true_negatives", "false_negatives"):
            setattr(self, counter, None if shape is None else np.zeros(shape))

    def _accumulate(self, y_true, y_pred, sample_weight=None, **options):
        counts = _confusion_counts(y_true, y_pred, self._thresholds, self.name, evenly=self._evenly,
                                   sample_weight=sample_weight, top_k=self.top_k, class_id=self.class_id, **options)
        self.true_positives = self.true_positives + counts[0]
        self.false_positives = self.false_positives + counts[1]
        self.true_negatives = self.true_negatives + counts[2]
        self.false_negatives = self.false_negatives + counts[3]

    def update_state(self, y_true, y_pred, sample_weight=None):
        self._accumulate(y_true, y_pred, sample_weight)

    def _per_threshold(self, values):
        """One float for a single threshold, else a float64 array with one value per threshold (Keras' rule)."""
        return float(values[0]) if len(values) == 1 else np.asarray(values, dtype=np.float64)


class _CountMetric(_ConfusionMetric):
    """One weighted count of the confusion matrix, at one threshold (a float) or several (an array)."""

    _counter = None     # the attribute reported by result()

    def __init__(self, thresholds=None, name=None, dtype=None):
        self._init_thresholds = thresholds
        super().__init__([0.5] if thresholds is None else _threshold_list(thresholds),
                         name or _lookup.snake_case(type(self).__name__), dtype=dtype)

    def result(self):
        return self._per_threshold(getattr(self, self._counter))

    def get_config(self):
        return {**super().get_config(), "thresholds": _plain(self._init_thresholds)}


def _plain(value):
    """A constructor argument as plain Python data for a config (a NumPy array becomes a list)."""
    return value.tolist() if isinstance(value, np.ndarray) else value


class TruePositives(_CountMetric):
    """The (weighted) number of true positives: ``sum(w * (y != 0) * (p > threshold))`` over all samples seen.

    Args:
        thresholds: a number in ``[0, 1]`` (default 0.5) or a list of them; with a list ``result()`` is an array
            with one count per threshold.
        name: the name the metric is logged under (default ``"true_positives"``).
        dtype: None (a Python float of ``floatx()``, float32), or the dtype of the result: see :class:`Metric`.

    >>> m = TruePositives()
    >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    >>> m.result()
    2.0
    >>> TruePositives(thresholds=[0.0, 0.5])([0, 1, 1], [0.3, 0.5, 0.9], sample_weight=[1.0, 2.0, 3.0])
    array([5., 3.])
    """

    _counter = "true_positives"


class FalsePositives(_CountMetric):
    """The (weighted) number of false positives: ``sum(w * (y == 0) * (p > threshold))`` over all samples seen.

    Arguments as :class:`TruePositives` (default name ``"false_positives"``).

    >>> m = FalsePositives()
    >>> m.update_state([0, 1, 0, 0], [0, 0, 1, 1], sample_weight=[0, 0, 1, 2])
    >>> m.result()
    3.0
    """

    _counter = "false_positives"


class TrueNegatives(_CountMetric):
    """The (weighted) number of true negatives: ``sum(w * (y == 0) * (p <= threshold))`` over all samples seen.

    Arguments as :class:`TruePositives` (default name ``"true_negatives"``).

    >>> TrueNegatives()([0, 1, 0, 0], [1, 1, 0, 0.5])     # 0.5 is not above the threshold 0.5
    2.0
    """

    _counter = "true_negatives"


class FalseNegatives(_CountMetric):
    """The (weighted) number of false negatives: ``sum(w * (y != 0) * (p <= threshold))`` over all samples seen.

    Arguments as :class:`TruePositives` (default name ``"false_negatives"``).

    >>> FalseNegatives()([0, 1, 1, 1], [0, 1, 0, 0])
    2.0
    """

    _counter = "false_negatives"


class _PrecisionRecall(_ConfusionMetric):
    """Precision or recall: ``thresholds``, ``top_k`` and ``class_id`` as Keras, maximised by EarlyStopping."""

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        self._init_thresholds = thresholds
        top_k = integer(top_k, "top_k", minimum=1, optional=True)
        class_id = integer(class_id, "class_id", minimum=0, optional=True)
        if thresholds is not None:
            listed = _threshold_list(thresholds)
        else:       # with top_k, every one of the k largest predictions counts as positive
            listed = [0.5 if top_k is None else _NEG_INF]
        super().__init__(listed, name or _lookup.snake_case(type(self).__name__), top_k=top_k, class_id=class_id,
                         dtype=dtype)
        self._direction = "up"      # higher is better (EarlyStopping's mode="auto", as Keras)

    def get_config(self):
        return {**super().get_config(), "thresholds": _plain(self._init_thresholds), "top_k": self.top_k,
                "class_id": self.class_id}


class Precision(_PrecisionRecall):
    """The precision of thresholded predictions over all samples seen: ``tp / (tp + fp)``, 0 when nothing was
    predicted positive (``tp + fp == 0``), where ``tp = sum(w * (y != 0) * (p > t))`` and
    ``fp = sum(w * (y == 0) * (p > t))`` are summed over every batch (the comparison is strict).

    Args:
        thresholds: a number in ``[0, 1]`` or a list of them (then ``result()`` is an array, one precision per
            threshold). Default 0.5, or, with ``top_k``, "any of the top k".
        top_k: only the ``top_k`` largest predictions of each row (last axis) can be positive; the others count
            as negatives (ties: the first ones are kept).
        class_id: compute the metric for this column (class) of ``(samples, classes)`` data only.
        name: the name the metric is logged under (default ``"precision"``).
        dtype: None (a Python float of ``floatx()``, float32), or the dtype of the result: see :class:`Metric`.

    >>> m = Precision()
    >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    >>> round(m.result(), 4)       # 2 of the 3 predicted positives are positive
    0.6667
    >>> m = Precision(top_k=2)
    >>> m.update_state([[0, 0, 1, 1]], [[0.9, 0.8, 0.3, 0.1]])
    >>> m.result()
    0.0
    """

    def result(self):
        return self._per_threshold(_divide_no_nan(self.true_positives, self.true_positives + self.false_positives))


class Recall(_PrecisionRecall):
    """The recall of thresholded predictions over all samples seen: ``tp / (tp + fn)``, 0 when no positive label
    was seen (``tp + fn == 0``), where ``tp = sum(w * (y != 0) * (p > t))`` and
    ``fn = sum(w * (y != 0) * (p <= t))`` are summed over every batch.

    Arguments as :class:`Precision` (default name ``"recall"``).

    >>> m = Recall()
    >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    >>> round(m.result(), 4)       # 2 of the 3 positives are found
    0.6667
    >>> Recall(class_id=1)([[0, 1], [0, 1], [1, 0]], [[0.4, 0.6], [0.7, 0.3], [0.2, 0.8]])
    0.5
    """

    def result(self):
        return self._per_threshold(_divide_no_nan(self.true_positives, self.true_positives + self.false_negatives))


_CURVES = ("ROC", "PR", "PRGAIN")
_SUMMATIONS = ("interpolation", "minoring", "majoring")


def _choice(value, name, choices, case):
    """``value`` (a string, matched without regard to case) as written in ``choices``; a clear error otherwise."""
    if isinstance(value, str) and case(value) in choices:
        return case(value)
    error = ValueError if isinstance(value, str) else TypeError
    raise error(f"Invalid value for argument `{name}`. Expected one of {list(choices)}. Received {name}={value!r}")


class AUC(_ConfusionMetric):
    """The area under the ROC or precision-recall curve, approximated as Keras' ``AUC`` does: a Riemann sum over
    ``num_thresholds`` thresholds, ``-1e-7, 1/(n-1), 2/(n-1), ..., 1 + 1e-7`` by default (the epsilon end points
    catch predictions of exactly 0 and 1), of the curve computed from the confusion counts summed over every batch.

    ROC: ``x = fp / (fp + tn)`` (false positive rate), ``y = tp / (tp + fn)`` (recall); PR: ``x`` = recall, ``y =
    tp / (tp + fp)`` (precision); PRGAIN: Keras' precision-recall gain. Each ratio is 0 where its denominator is.
    ``AUC = sum_i (x_i - x_{i+1}) * h_i`` with ``h_i = (y_i + y_{i+1}) / 2`` (``"interpolation"``, the trapezoid
    rule), ``min(y_i, y_{i+1})`` (``"minoring"``) or ``max(y_i, y_{i+1})`` (``"majoring"``). The PR curve with
    ``"interpolation"`` interpolates the counts instead of precision (Davis & Goadrich 2006, as Keras). The result is
    0.0 when nothing was seen, or only one class.

    Args:
        num_thresholds: the number of thresholds (an integer >= 2; default 200), unless ``thresholds`` is given.
        curve: ``"ROC"`` (default), ``"PR"`` or ``"PRGAIN"``.
        summation_method: ``"interpolation"`` (default), ``"minoring"`` or ``"majoring"``.
        name: the name the metric is logged under (default ``"auc"``).
        dtype: None (a Python float of ``floatx()``, float32), or the dtype of the result: see :class:`Metric`.
        thresholds: the inner thresholds (numbers in ``[0, 1]``), instead of ``num_thresholds`` evenly spaced ones.
        multi_label: with predictions of shape ``(samples, labels)``, compute one AUC per label and report their
            mean (weighted by ``label_weights``) instead of the AUC of all predictions flattened.
        num_labels: the number of labels with ``multi_label`` (else taken from the first batch).
        label_weights: one non-negative weight per label (the last axis of the predictions).
        from_logits: the predictions are logits, passed through a sigmoid first.

    >>> m = AUC(num_thresholds=3)      # thresholds -1e-7, 0.5, 1 + 1e-7
    >>> m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
    >>> m.result()                     # ROC points (1, 1), (0, 0.5), (0, 0): the trapezoid (1 - 0) * (1 + 0.5) / 2
    0.75
    """

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation", name=None, dtype=None,
                 thresholds=None, multi_label=False, num_labels=None, label_weights=None, from_logits=False):
        self.curve = _choice(curve, "curve", _CURVES, str.upper)
        self.summation_method = _choice(summation_method, "summation_method", _SUMMATIONS, str.lower)
        self.multi_label, self._from_logits = flag(multi_label, "multi_label"), flag(from_logits, "from_logits")
        self.num_labels = integer(num_labels, "num_labels", minimum=1, optional=True)
        if self.num_labels is not None and not self.multi_label:
            raise ValueError(f"Invalid value for argument `num_labels`: it is needed only with multi_label=True. "
                             f"Received num_labels={num_labels!r} with multi_label=False")
        self.label_weights = None
        if label_weights is not None:
            weights = _floats(label_weights, "label_weights", "AUC")
            if weights.ndim != 1 or not np.all(weights >= 0):
                raise ValueError(f"Invalid value for argument `label_weights`. Expected a list of non-negative "
                                 f"numbers, one per label. Received label_weights={label_weights!r}")
            if self.num_labels is not None and len(weights) != self.num_labels:
                raise ValueError(f"Invalid value for argument `label_weights`: {len(weights)} weights for "
                                 f"num_labels={self.num_labels}. Received label_weights={label_weights!r}")
            self.label_weights = weights
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            inner = sorted(_threshold_list(thresholds))
            self.num_thresholds = len(inner) + 2
            evenly = _evenly_spaced(np.array([0.0] + inner + [1.0]))
        else:
            self.num_thresholds = integer(num_thresholds, "num_thresholds", minimum=2)
            _thresholds_fit(self.num_thresholds, "AUC")
            inner = _evenly(self.num_thresholds)[1:-1]
            evenly = True
        self._num_labels = self.num_labels
        super().__init__([-_EPSILON] + inner + [1 + _EPSILON], name or "auc", evenly=evenly, dtype=dtype)
        self._direction = "up"      # higher is better (EarlyStopping's mode="auto", as Keras)

    @property
    def thresholds(self) -> list:
        """Every threshold, the epsilon end points included."""
        return list(self._thresholds)

    def _state_shape(self):
        if not self.multi_label:
            return (self.num_thresholds,)
        return None if self._num_labels is None else (self.num_thresholds, self._num_labels)

    @_ieee754
    def update_state(self, y_true, y_pred, sample_weight=None):
        scores = _numpy(y_pred, "y_pred", self.name)
        if self.multi_label:
            if scores.ndim != 2:
                raise ValueError(f"{self.name}: y_pred must have rank 2, (samples, labels), with multi_label=True. "
                                 f"Received y_pred of shape {scores.shape}")
            if self.label_weights is not None and len(self.label_weights) != scores.shape[1]:
                raise ValueError(f"{self.name}: label_weights has {len(self.label_weights)} weights, but y_pred has "
                                 f"{scores.shape[1]} labels (shape {scores.shape}): one weight per label")
            if self._num_labels is None:
                self._num_labels = scores.shape[1]
                self.reset_state()
            if scores.shape[1] != self._num_labels:
                raise ValueError(f"{self.name}: y_pred has {scores.shape[1]} labels, but this metric counts "
                                 f"{self._num_labels} (from num_labels or the first batch). Received y_pred of "
                                 f"shape {scores.shape}")
        if self._from_logits:
            scores = _floats(scores, "y_pred", self.name) if scores.dtype.kind != "f" else scores
            scores = 1 / (1 + np.exp(-scores))
        self._accumulate(y_true, scores, sample_weight, multi_label=self.multi_label,
                         label_weights=None if self.multi_label else self.label_weights)

    def _average(self, per_label):
        """The AUC of each label (the sum over thresholds) averaged over the labels, or the plain sum."""
        by_label = per_label.sum(axis=0)
        if not self.multi_label:
            return float(by_label)
        if self.label_weights is None:
            return float(by_label.mean())
        return float(_divide_no_nan((by_label * self.label_weights).sum(), self.label_weights.sum()))

    @_ieee754
    def result(self) -> float:
        if self.true_positives is None:     # multi_label, nothing seen yet
            return 0.0
        tp, fp, tn, fn = self.true_positives, self.false_positives, self.true_negatives, self.false_negatives
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self._average(_interpolated_pr_auc(tp, fp, fn))
        recall = _divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = _divide_no_nan(fp, fp + tn), recall
        elif self.curve == "PR":
            x, y = recall, _divide_no_nan(tp, tp + fp)
        else:       # PRGAIN: precision and recall gains, 0 recall gain and 1 precision gain where tp == 0
            scale = _divide_no_nan(tp + fn, tn + fp)
            x = np.maximum(np.where(tp == 0, 0.0, 1.0 - scale * _divide_no_nan(fn, tp)), 0.0)
            y = np.where(tp == 0, 1.0, 1.0 - scale * _divide_no_nan(fp, tp))
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2
        elif self.summation_method == "minoring":
            heights = np.minimum(y[:-1], y[1:])
        else:
            heights = np.maximum(y[:-1], y[1:])
        return self._average((x[:-1] - x[1:]) * heights)

    def get_config(self):
        config = {**super().get_config(), "num_thresholds": self.num_thresholds, "curve": self.curve,
                  "summation_method": self.summation_method, "multi_label": self.multi_label,
                  "num_labels": self.num_labels,
                  "label_weights": None if self.label_weights is None else self.label_weights.tolist(),
                  "from_logits": self._from_logits}
        if self._init_from_thresholds:
            config["thresholds"] = self._thresholds[1:-1]
        return config


def _interpolated_pr_auc(tp, fp, fn):
    """The area under the PR curve between consecutive thresholds, interpolating the counts (Davis & Goadrich):
    between thresholds ``i`` and ``i+1``, with ``P = tp + fp``, ``slope = dtp / dP`` and ``intercept = tp_{i+1} -
    slope * P_{i+1}``, the area is ``slope * (dtp + intercept * log(P_i / P_{i+1})) / (tp_{i+1} + fn_{i+1})``."""
    dtp = tp[:-1] - tp[1:]
    predicted = tp + fp
    dp = predicted[:-1] - predicted[1:]
    slope = _divide_no_nan(dtp, np.maximum(dp, 0))
    intercept = tp[1:] - slope * predicted[1:]
    both = (predicted[:-1] > 0) & (predicted[1:] > 0)
    ratio = np.where(both, _divide_no_nan(predicted[:-1], np.maximum(predicted[1:], 0)), 1.0)
    return _divide_no_nan(slope * (dtp + intercept * np.log(ratio)), np.maximum(tp[1:] + fn[1:], 0))


class _RateAtRate(_ConfusionMetric):
    """The best value of one rate among the thresholds where another rate reaches ``value`` (Keras 3's
    ``SensitivitySpecificityBase``): the confusion counts at ``num_thresholds`` thresholds ``0, 1/(n-1), ...,
    1`` (``[0.5]`` for ``n = 1``), summed over every batch by :func:`_confusion_counts` (bucket by bucket, as
    Keras), then ``max(dependent[t] for t where constrained[t] >= value)``, 0 where no threshold qualifies.

    The rates, each 0 where its denominator is: recall (sensitivity) ``tp / (tp + fn)``, precision
    ``tp / (tp + fp)``, specificity ``tn / (tn + fp)``; computed and compared in float32, as Keras' variables.
    """

    _value = None       # the name of the constraint's argument, "recall", ...
    _constrained = _dependent = None     # the rates, "recall", "precision", "specificity"

    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        value = number(value, self._value, low=0, high=1)
        setattr(self, self._value, value)
        self.value = value
        self.num_thresholds = integer(num_thresholds, "num_thresholds", minimum=1)
        n = self.num_thresholds
        _thresholds_fit(n, type(self).__name__)
        thresholds = [0.5] if n == 1 else _evenly(n)
        super().__init__(thresholds, name or _lookup.snake_case(type(self).__name__),
                         class_id=integer(class_id, "class_id", minimum=0, optional=True), evenly=n > 1, dtype=dtype)
        self._direction = "up"      # higher is better (EarlyStopping's mode="auto", as Keras)

    @property
    def thresholds(self) -> list:
        """The thresholds the counts are kept at."""
        return list(self._thresholds)

    def _rate(self, which):
        tp, fp, tn, fn = (np.asarray(c, np.float32) for c in (self.true_positives, self.false_positives,
                                                               self.true_negatives, self.false_negatives))
        top, other = {"recall": (tp, fn), "precision": (tp, fp), "specificity": (tn, fp)}[which]
        total = top + other
        return np.where(total == 0, np.float32(0), top / np.where(total == 0, np.float32(1), total))

    @_ieee754
    def result(self):
        feasible = self._rate(self._constrained) >= np.float32(self.value)
        return _reported(np.max(np.where(feasible, self._rate(self._dependent), np.float32(0)),
                                initial=np.float32(0)))

    def get_config(self):
        return {**super().get_config(), "class_id": self.class_id, "num_thresholds": self.num_thresholds,
                self._value: self.value}


_AT_RATE_ARGS = """
    Args:
        {value}: the rate the thresholds must reach, a number in ``[0, 1]``.
        num_thresholds: the number of thresholds, an integer >= 1 (default 200): ``0, 1/(n-1), ..., 1``, or
            ``[0.5]`` alone for 1. A prediction ``p`` is positive at ``t`` when ``p > t`` (strictly).
        class_id: compute the metric for this column (class) of ``(samples, classes)`` data only.
        name: the name the metric is logged under (default ``"{name}"``, Keras').
        dtype: None (a Python float, computed as Keras in float32), or the dtype of the result: see
            :class:`Metric`.

    ``update_state(y_true, y_pred, sample_weight=None)``: labels (non-zero: positive) and scores of one shape
    (Keras' squeeze of a trailing axis of 1 applied), ``sample_weight`` broadcasting to them.

    Raises:
        TypeError: a ``{value}``, ``num_thresholds`` or ``class_id`` of the wrong type; inputs that do not hold
            numbers.
        ValueError: a ``{value}`` outside ``[0, 1]``, a ``num_thresholds`` below 1, a negative ``class_id``; when
            updated, shapes that differ, weights that do not broadcast, a ``class_id`` beyond the columns.
"""


class PrecisionAtRecall(_RateAtRate):
    __doc__ = """The best precision among the thresholds whose recall is at least ``recall``, over all samples
    seen (Keras 3's ``PrecisionAtRecall``): ``max(tp / (tp + fp))`` over the thresholds ``t`` where
    ``tp / (tp + fn) >= recall``, 0 when none is. The counts ``tp``, ``fp``, ``fn`` (and ``tn``) at each threshold
    are weighted sums over every batch since ``reset_state()``, as :class:`Precision` keeps them; each rate is 0
    where its denominator is.
    """ + _AT_RATE_ARGS.format(value="recall", name="precision_at_recall") + """
    Source: Keras 3, ``keras.metrics.PrecisionAtRecall`` (https://keras.io/api/metrics/classification_metrics/).

    >>> m = PrecisionAtRecall(0.5, num_thresholds=1)      # one threshold, 0.5
    >>> m.update_state([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8])
    >>> m.result()        # recall 1/2 at 0.5: precision 1 / 2
    0.5
    """
    _value, _constrained, _dependent = "recall", "recall", "precision"

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(recall, num_thresholds=num_thresholds, class_id=class_id, name=name, dtype=dtype)


class RecallAtPrecision(_RateAtRate):
    __doc__ = """The best recall among the thresholds whose precision is at least ``precision``, over all samples
    seen (Keras 3's ``RecallAtPrecision``): ``max(tp / (tp + fn))`` over the thresholds ``t`` where
    ``tp / (tp + fp) >= precision``, 0 when none is (a precision out of reach gives 0).
    """ + _AT_RATE_ARGS.format(value="precision", name="recall_at_precision") + """
    Source: Keras 3, ``keras.metrics.RecallAtPrecision`` (https://keras.io/api/metrics/classification_metrics/).

    >>> m = RecallAtPrecision(0.8)
    >>> m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
    >>> m.result()        # precision 1 from t = 0.5 up to 0.9: recall 1 / 2 there
    0.5
    """
    _value, _constrained, _dependent = "precision", "precision", "recall"

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(precision, num_thresholds=num_thresholds, class_id=class_id, name=name, dtype=dtype)


class SensitivityAtSpecificity(_RateAtRate):
    __doc__ = """The best sensitivity (recall) among the thresholds whose specificity is at least
    ``specificity``, over all samples seen (Keras 3's ``SensitivityAtSpecificity``): ``max(tp / (tp + fn))`` over
    the thresholds ``t`` where ``tn / (tn + fp) >= specificity``, 0 when none is.
    """ + _AT_RATE_ARGS.format(value="specificity", name="sensitivity_at_specificity") + """
    Source: Keras 3, ``keras.metrics.SensitivityAtSpecificity``
    (https://keras.io/api/metrics/classification_metrics/).

    >>> m = SensitivityAtSpecificity(0.5)
    >>> m.update_state([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8])
    >>> m.result()        # specificity 2/3 from t = 0.3 up to 0.8: sensitivity 1 / 2 there
    0.5
    """
    _value, _constrained, _dependent = "specificity", "specificity", "recall"

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(specificity, num_thresholds=num_thresholds, class_id=class_id, name=name, dtype=dtype)


class SpecificityAtSensitivity(_RateAtRate):
    __doc__ = """The best specificity among the thresholds whose sensitivity (recall) is at least
    ``sensitivity``, over all samples seen (Keras 3's ``SpecificityAtSensitivity``): ``max(tn / (tn + fp))`` over
    the thresholds ``t`` where ``tp / (tp + fn) >= sensitivity``, 0 when none is.
    """ + _AT_RATE_ARGS.format(value="sensitivity", name="specificity_at_sensitivity") + """
    Source: Keras 3, ``keras.metrics.SpecificityAtSensitivity``
    (https://keras.io/api/metrics/classification_metrics/).

    >>> m = SpecificityAtSensitivity(0.5)
    >>> m.update_state([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8])
    >>> round(m.result(), 6)      # sensitivity 1/2 up to t = 0.3: specificity 2 / 3 there
    0.666667
    """
    _value, _constrained, _dependent = "sensitivity", "recall", "specificity"

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(sensitivity, num_thresholds=num_thresholds, class_id=class_id, name=name, dtype=dtype)


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot target's class is among the ``k`` highest scores (Keras 3's class, ``k=5``)."""

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(top_k_categorical_accuracy, name=name, dtype=dtype, k=_check_k(k, type(self).__name__))


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer target is among the ``k`` highest scores (Keras 3's class, ``k=5``), or with
    ``from_sorted_ids=True`` among the first ``k`` of the class ids ``y_pred`` lists best first (Keras 3.15)."""

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None, from_sorted_ids=False):
        from_sorted_ids = flag(from_sorted_ids, "from_sorted_ids", type(self).__name__)
        options = {"from_sorted_ids": True} if from_sorted_ids else {}     # in the config only when set (Keras')
        super().__init__(sparse_top_k_categorical_accuracy, name=name, dtype=dtype,
                         k=_check_k(k, type(self).__name__), **options)
        self.from_sorted_ids = from_sorted_ids


# ------------------------------------------------------------------------------------------------ R2, F-scores
def _two_dimensional(y_true, y_pred, metric, squeeze):
    """``y_true`` and ``y_pred`` as float32 arrays of one shape ``(samples, outputs)`` (Keras' float32 metric
    variables), after Keras' squeeze-or-expand rule when ``squeeze`` (R2Score applies it, the F-scores do not).

    Raises:
        TypeError: an argument that does not hold numbers.
        ValueError: an argument that is not 2-D, or shapes that differ (Keras broadcasts them, a silent wrong
            result), naming both shapes and the metric.
    """
    given = _numbers(y_true, y_pred, metric)
    y_true, y_pred = (a.astype(np.float32) for a in given)
    if squeeze:
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    if y_true.ndim != 2 or y_pred.ndim != 2:
        raise ValueError(f"{metric} expects 2D inputs with shape (batch_size, output_dim). Received input shapes: "
                         f"y_pred.shape={given[1].shape} and y_true.shape={given[0].shape}")
    if y_true.shape != y_pred.shape:
        raise ValueError(f"{metric}: y_true and y_pred must have the same shape. Received y_true.shape="
                         f"{given[0].shape}, y_pred.shape={given[1].shape}")
    return y_true, y_pred


def _check_columns(metric, state_columns, columns, shape):
    if state_columns is not None and columns != state_columns:
        raise ValueError(f"{metric}: y_pred has {columns} columns (shape {shape}) but the earlier batches had "
                         f"{state_columns}; call reset_state() first to start over with another number")


def _reported(value):
    """A float32 result as Keras reports it, in this package's types: a Python float, or a float64 array."""
    return float(value) if np.ndim(value) == 0 else np.asarray(value, dtype=np.float64)


_CLASS_AGGREGATIONS = (None, "uniform_average", "variance_weighted_average")


class R2Score(Metric):
    """The coefficient of determination over all samples seen, per output column ``j``:
    ``R2_j = 1 - SS_res_j / SS_tot_j`` with ``SS_res_j = sum(w (y - p)^2)`` and ``SS_tot_j = sum(w y^2) -
    sum(w y)^2 / sum(w)``, the sums running over every batch since ``reset_state()`` (Keras 3's ``R2Score``).

    A column whose ``R2`` is infinite (constant targets, ``SS_tot = 0``, with errors) counts 0; constant targets
    predicted exactly give ``0 / 0``, NaN, as in Keras. The columns are then aggregated: their mean
    (``"uniform_average"``), their mean weighted by ``SS_tot`` (``"variance_weighted_average"``) or not at all
    (``None``: an array, one value per column). With ``num_regressors = k > 0`` the adjusted score
    ``1 - (1 - R2) (n - 1) / (n - k - 1)`` is reported, ``n`` being the number of *values* seen (samples times
    columns, as Keras counts); when ``k >= n - 1`` a ``UserWarning`` says so and the plain score is reported.

    As Keras, the sums are float32 (``SS_tot`` of constant targets is rounded as Keras rounds it); the result is a
    Python float, or a float64 array with ``class_aggregation=None``; 0.0 before the first batch.

    Args:
        class_aggregation: ``"uniform_average"`` (default), ``"variance_weighted_average"`` or None.
        num_regressors: the number of independent variables, an integer ``>= 0`` (default 0: no adjustment).
        name: the name the metric is logged under (default ``"r2_score"``).
        dtype: None (a Python float of ``floatx()``, float32), or the dtype of the result: see :class:`Metric`.

    ``update_state(y_true, y_pred, sample_weight=None)``: ``y_true`` and ``y_pred`` of shape ``(samples,
    outputs)`` (one of them may have one axis less when ``outputs`` is 1, Keras' squeeze-or-expand rule);
    ``sample_weight`` of shape ``(samples,)`` or anything that broadcasts to ``(samples, outputs)``.

    Raises:
        ValueError: a ``class_aggregation`` not in the list, a negative ``num_regressors``; when updated, inputs
            that are not 2-D, shapes that differ, another number of columns than the earlier batches, weights
            that do not broadcast.
        TypeError: a ``num_regressors`` that is not an integer; inputs that do not hold numbers.

    Source: Keras 3, ``keras.metrics.R2Score`` (https://keras.io/api/metrics/regression_metrics/#r2score-class).

    >>> m = R2Score()
    >>> m.update_state([[1.0], [4.0], [3.0]], [[2.0], [4.0], [4.0]])
    >>> round(m.result(), 4)     # 1 - 2 / 4.6667
    0.5714
    """

    def __init__(self, class_aggregation="uniform_average", num_regressors=0, name="r2_score", dtype=None):
        if class_aggregation is not None and (not isinstance(class_aggregation, str)
                                              or class_aggregation not in _CLASS_AGGREGATIONS):
            raise ValueError(f"Invalid value for argument `class_aggregation`. Expected one of "
                             f"{_CLASS_AGGREGATIONS}. Received: class_aggregation={class_aggregation!r}")
        self.class_aggregation = class_aggregation
        self.num_regressors = integer(num_regressors, "num_regressors", minimum=0)
        self._columns = None
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"      # higher is better (EarlyStopping's mode="auto", as Keras)

    def reset_state(self):
        """Zero sums (of the number of columns already seen, as Keras keeps its built variables)."""
        zeros = None if self._columns is None else np.zeros(self._columns, np.float32)
        self.sum = self.squared_sum = self.total_mse = self.count = zeros
        self.num_samples = np.float32(0)

    @_ieee754
    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = _two_dimensional(y_true, y_pred, self.name, squeeze=True)
        _check_columns(self.name, self._columns, y_pred.shape[1], y_pred.shape)
        if self._columns is None:
            self._columns = y_pred.shape[1]
            self.reset_state()
        weights = np.float32(1) if sample_weight is None else _floats(sample_weight, "sample_weight",
                                                                     self.name).astype(np.float32)
        given = np.shape(weights)
        if weights.ndim == 1:
            weights = weights[:, None]
        try:
            weights = np.broadcast_to(weights, y_true.shape)
        except ValueError:
            raise ValueError(f"{self.name}: sample_weight of shape {given} does not broadcast to y_true, of shape "
                             f"{y_true.shape}") from None
        weighted = y_true * weights
        self.sum = self.sum + weighted.sum(axis=0)
        self.squared_sum = self.squared_sum + (y_true * weighted).sum(axis=0)
        self.total_mse = self.total_mse + ((y_true - y_pred) ** 2 * weights).sum(axis=0)
        self.count = self.count + weights.sum(axis=0)
        self.num_samples = np.float32(self.num_samples + np.float32(y_true.size))

    @_ieee754
    def result(self):
        if self._columns is None:
            return 0.0
        mean = self.sum / self.count
        total = self.squared_sum - self.sum * mean
        raw = 1 - self.total_mse / total
        raw = np.where(np.isinf(raw), np.float32(0), raw)
        if self.class_aggregation == "uniform_average":
            score = np.mean(raw, dtype=np.float32)
        elif self.class_aggregation == "variance_weighted_average":
            score = np.sum(total * raw) / np.sum(total)
        else:
            score = raw
        k, n = self.num_regressors, self.num_samples
        if k != 0:
            if k > n - 1:
                warnings.warn("More independent predictors than datapoints in adjusted R2 score. Falling back to "
                              "standard R2 score.", stacklevel=caller_stacklevel())
            elif k == n - 1:
                warnings.warn("Division by zero in Adjusted R2 score. Falling back to standard R2 score.",
                              stacklevel=caller_stacklevel())
            else:
                score = 1 - (1 - score) * (n - np.float32(1)) / (n - np.float32(k) - np.float32(1))
        return _reported(score)

    def get_config(self):
        return {**super().get_config(), "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}


_AVERAGES = (None, "micro", "macro", "weighted")


class FBetaScore(Metric):
    """The F-beta score of thresholded predictions over all samples seen (Keras 3's ``FBetaScore``):
    ``(1 + beta^2) P R / (beta^2 P + R + e)`` with precision ``P = tp / (tp + fp + e)``, recall
    ``R = tp / (tp + fn + e)`` and ``e = 1e-7``, so a class with no positive prediction or label scores 0.

    Predictions become 0/1: ``p > threshold``, or, with ``threshold=None``, ``p`` equal to its row's maximum (each
    of several tied maxima counts; a row's zeros never count: ``|p| > 1e-9``). The counts ``tp = sum(w y p)``,
    ``fp = sum(w (1 - y) p)`` and ``fn = sum(w y (1 - p))`` (``y`` as given, not thresholded) are summed per
    column over every batch since ``reset_state()``, or over everything with ``average="micro"``.

    Args:
        average: None (default: an array with one score per column), ``"micro"`` (the score of the summed
            counts), ``"macro"`` (the mean of the columns' scores) or ``"weighted"`` (their mean weighted by the
            columns' sums of ``w y``, the support).
        beta: the weight of recall, a finite number ``> 0`` (default 1.0).
        threshold: None (default: the row's maximum) or a number in ``(0, 1]``.
        name: the name the metric is logged under (default ``"fbeta_score"``).
        dtype: None (a Python float of ``floatx()``, float32), or the dtype of the result: see :class:`Metric`.

    ``update_state(y_true, y_pred, sample_weight=None)``: ``y_true`` and ``y_pred`` of shape ``(samples,
    classes)``, ``sample_weight`` of shape ``(samples,)`` (or ``(samples, 1)``).

    As Keras, counts and scores are float32; the result is a Python float, or a float64 array with
    ``average=None``; 0.0 before the first batch.

    Raises:
        ValueError: an ``average`` not in the list, a ``beta`` or ``threshold`` that is not a number or out of
            range (Keras' exception for both); when updated, inputs that are not 2-D, shapes that differ, another
            number of columns than the earlier batches, a ``sample_weight`` that is not one weight per sample.
        TypeError: inputs that do not hold numbers.

    Source: Keras 3, ``keras.metrics.FBetaScore`` (https://keras.io/api/metrics/classification_metrics/).

    >>> m = FBetaScore(beta=2.0, average="micro", threshold=0.5)
    >>> m.update_state([[1, 0], [1, 1]], [[0.9, 0.2], [0.3, 0.8]])
    >>> round(m.result(), 4)     # tp 2, fp 0, fn 1: P = 1, R = 2/3, 5 P R / (4 P + R)
    0.7143
    """

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score", dtype=None):
        if average is not None and (not isinstance(average, str) or average not in _AVERAGES):
            raise ValueError("Invalid `average` argument value. Expected one of: {None, 'micro', 'macro', "
                             f"'weighted'}}. Received: average={average!r}")
        self.average = average
        self.beta = number(beta, "beta", low=0, low_open=True, finite=True, type_error=ValueError)
        self.threshold = None if threshold is None else number(threshold, "threshold", low=0, high=1, low_open=True,
                                                               type_error=ValueError)
        self._shape = None
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"      # higher is better (EarlyStopping's mode="auto", as Keras)

    def reset_state(self):
        """Zero counts (of the number of columns already seen, as Keras keeps its built variables)."""
        zeros = None if self._shape is None else np.zeros(self._shape, np.float32)
        self.true_positives = self.false_positives = self.false_negatives = self.intermediate_weights = zeros

    @_ieee754
    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = _two_dimensional(y_true, y_pred, self.name, squeeze=False)
        columns = y_pred.shape[1]
        _check_columns(self.name, None if self._shape is None else self._columns, columns, y_pred.shape)
        if self._shape is None:
            self._columns, self._shape = columns, (() if self.average == "micro" else (columns,))
            self.reset_state()
        if self.threshold is None:
            top = np.max(y_pred, axis=-1, keepdims=True) if columns else y_pred
            predicted = (y_pred >= top) & (np.abs(y_pred) > np.float32(1e-9))
        else:
            predicted = y_pred > np.float32(self.threshold)
        predicted = predicted.astype(np.float32)
        weights = None
        if sample_weight is not None:
            weights = _floats(sample_weight, "sample_weight", self.name).astype(np.float32)
            given = weights.shape
            if weights.ndim == 2 and weights.shape[1] == 1:
                weights = weights[:, 0]
            if weights.shape != y_pred.shape[:1]:
                raise ValueError(f"{self.name}: sample_weight must hold one weight per sample, shape "
                                 f"{y_pred.shape[:1]}. Received sample_weight of shape {given}")
            weights = weights[:, None]
        axis = None if self.average == "micro" else 0

        def weighted_sum(values):
            return (values if weights is None else values * weights).sum(axis=axis)

        self.true_positives = self.true_positives + weighted_sum(predicted * y_true)
        self.false_positives = self.false_positives + weighted_sum(predicted * (1 - y_true))
        self.false_negatives = self.false_negatives + weighted_sum((1 - predicted) * y_true)
        self.intermediate_weights = self.intermediate_weights + weighted_sum(y_true)

    @_ieee754
    def result(self):
        if self._shape is None:
            return 0.0
        e, beta2 = _EPSILON, float(self.beta) ** 2
        tp = self.true_positives
        precision = tp / (tp + self.false_positives + e)
        recall = tp / (tp + self.false_negatives + e)
        score = precision * recall / (beta2 * precision + recall + e) * (1 + beta2)
        if self.average == "weighted":
            weights = self.intermediate_weights / (np.sum(self.intermediate_weights) + e)
            score = np.sum(score * weights)
        elif self.average is not None:
            score = np.mean(score, dtype=np.float32)
        return _reported(score)

    def get_config(self):
        return {**super().get_config(), "average": self.average, "beta": self.beta, "threshold": self.threshold}


class F1Score(FBetaScore):
    """The F1 score, the harmonic mean of precision and recall: :class:`FBetaScore` with ``beta = 1``,
    ``2 P R / (P + R + e)`` (Keras 3's ``F1Score``).

    Args:
        average: None (default; one score per column), ``"micro"``, ``"macro"`` or ``"weighted"``.
        threshold: None (default: the row's maximum) or a number in ``(0, 1]``.
        name: the name the metric is logged under (default ``"f1_score"``).
        dtype: None (a Python float of ``floatx()``, float32), or the dtype of the result: see :class:`Metric`.

    Raises:
        ValueError: as :class:`FBetaScore`.

    Source: Keras 3, ``keras.metrics.F1Score`` (https://keras.io/api/metrics/classification_metrics/).

    >>> m = F1Score(threshold=0.5)
    >>> m.update_state([[1, 1, 1], [1, 0, 0], [1, 1, 0]], [[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]])
    >>> m.result().round(4).tolist()      # Keras' example: one score per class
    [0.5, 0.8, 0.6667]
    """

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self):
        config = super().get_config()
        del config["beta"]
        return config


# ------------------------------------------------------------------------------------------------ correlation
def _correlation_inputs(y_true, y_pred, axis, metric):
    """``y_true`` and ``y_pred`` as arrays of one float dtype for the correlation metrics, and ``axis`` as a tuple
    of axes. As Keras: ``y_true`` is cast to a floating ``y_pred``'s dtype and the ranks made equal by Keras'
    squeeze-or-expand rule; integer or bool inputs are computed in float32 (Keras' ``mean`` of integers). A scalar
    pair is one sample of one value."""
    y_true, y_pred = _pair(y_true, y_pred, metric, dtype="y_pred")
    if y_pred.dtype.kind != "f":
        y_true, y_pred = y_true.astype(np.float32), y_pred.astype(np.float32)
    y_true, y_pred = np.broadcast_arrays(y_true, y_pred)
    if y_pred.ndim == 0:
        return y_true, y_pred, ()
    axes = losses._overlap_axes(axis, y_pred.ndim, metric)
    return y_true, y_pred, tuple(range(y_pred.ndim)) if axes is None else axes


def _kept(reduce, x, axes):
    """``reduce`` (``np.mean``, ``np.var``, ``np.std``: ddof 0) of ``x`` over ``axes``, the axes kept with size 1.
    float16 is reduced in float32 and rounded once, as torch; an empty axis gives NaN (as torch, without NumPy's
    "empty slice" warning)."""
    kept = tuple(1 if i in axes else n for i, n in enumerate(x.shape))
    if any(x.shape[i] == 0 for i in axes):
        return np.full(kept, np.nan, dtype=x.dtype)
    wide = x.astype(np.float32) if x.dtype == np.float16 else x
    return np.asarray(reduce(wide, axis=axes, keepdims=True), dtype=x.dtype)


def _without(x, axes):
    """``x`` with the kept axes ``axes`` (of size 1) removed."""
    return x.reshape(tuple(n for i, n in enumerate(x.shape) if i not in axes))


@_ieee754
def pearson_correlation(y_true, y_pred, axis=-1) -> np.ndarray:
    """The Pearson correlation coefficient of ``y_true`` and ``y_pred`` along ``axis``, one per sample (Keras 3's
    ``keras.metrics.pearson_correlation``):

    .. math::

        r = \\operatorname{mean}\\left(\\frac{t - \\bar t}{\\sigma_t} \\cdot \\frac{p - \\bar p}{\\sigma_p}\\right),

    the means and the (population, ``ddof=0``) standard deviations taken along ``axis``. 1 for predictions on a
    rising line of the targets, -1 on a falling one, 0 for no linear relation; the scale and the offset of the
    predictions do not count (see :func:`concordance_correlation` for a coefficient where they do).

    Args:
        y_true: targets, of ``y_pred``'s shape (or one rank more or less with a last axis of size 1, as Keras);
            cast to a floating ``y_pred``'s dtype.
        y_pred: predictions. float16, float32 or float64 are computed in their dtype (float16's means and
            deviations in float32, rounded, as torch); integers and bools in float32, as Keras.
        axis: the axis of each sample's values (default -1), a tuple of axes, or None for all (one number).

    Returns:
        An array of the inputs' shape without ``axis``. A sample whose targets or predictions are all equal gives
        NaN (``0 / 0``), as Keras; a NaN gives NaN; an empty ``axis`` gives NaN.

    Raises:
        ValueError: shapes that do not broadcast together, an axis out of range or named twice.
        TypeError: inputs that do not hold numbers, an axis that is not an integer.

    Source: Keras 3, ``keras.metrics.pearson_correlation`` (``keras/src/metrics/correlation_metrics.py``).

    >>> [round(float(v), 6) for v in pearson_correlation([[0, 1, 0.5], [1, 1, 0.2]],
    ...                                                  [[0.1, 0.9, 0.5], [1, 0.9, 0.2]])]
    [1.0, 0.993399]
    """
    y_true, y_pred, axes = _correlation_inputs(y_true, y_pred, axis, "pearson_correlation")
    t = y_true - _kept(np.mean, y_true, axes)
    p = y_pred - _kept(np.mean, y_pred, axes)
    t = t / _kept(np.std, t, axes)
    p = p / _kept(np.std, p, axes)
    return _without(_kept(np.mean, t * p, axes), axes)


@_ieee754
def concordance_correlation(y_true, y_pred, axis=-1) -> np.ndarray:
    """Lin's concordance correlation coefficient of ``y_true`` and ``y_pred`` along ``axis``, one per sample (Keras
    3's ``keras.metrics.concordance_correlation``):

    .. math::

        \\rho_c = \\frac{2 \\operatorname{cov}(t, p)}{\\operatorname{var}(t) + \\operatorname{var}(p)
                  + (\\bar t - \\bar p)^2 + \\epsilon},

    the means, the variances and the covariance (population, ``ddof=0``) taken along ``axis``, ``epsilon = 1e-7``
    (``config.epsilon()``). 1 only for predictions equal to the targets: unlike :func:`pearson_correlation`, a
    scale or an offset lowers it. As Keras, the covariance is the mean of ``(t - mean(p)) (p - mean(p))`` (the
    same number as with ``t - mean(t)``, since ``p - mean(p)`` sums to 0), and the division is made inside the
    mean, for Keras' rounding.

    Args:
        y_true: targets, as :func:`pearson_correlation`'s.
        y_pred: predictions, as :func:`pearson_correlation`'s.
        axis: the axis of each sample's values (default -1), a tuple of axes, or None for all (one number).

    Returns:
        An array of the inputs' shape without ``axis``. A sample whose targets and predictions are all equal gives
        0 (``0 / epsilon``), not NaN, as Keras: even predictions equal to constant targets score 0; a NaN gives
        NaN; an empty ``axis`` gives NaN.

    Raises:
        ValueError, TypeError: as :func:`pearson_correlation`.

    Source: Keras 3, ``keras.metrics.concordance_correlation`` (``keras/src/metrics/correlation_metrics.py``);
    Lin, "A concordance correlation coefficient to evaluate reproducibility", Biometrics 45 (1989).

    >>> [round(float(v), 6) for v in concordance_correlation([[0, 1, 0.5], [1, 1, 0.2]],
    ...                                                      [[0.1, 0.9, 0.5], [1, 0.9, 0.2]])]
    [0.975609, 0.987654]
    """
    y_true, y_pred, axes = _correlation_inputs(y_true, y_pred, axis, "concordance_correlation")
    mean_true, mean_pred = _kept(np.mean, y_true, axes), _kept(np.mean, y_pred, axes)
    var_true = _kept(np.var, y_true - mean_true, axes)
    var_pred = _kept(np.var, y_pred - mean_pred, axes)
    covariance = (y_true - mean_pred) * (y_pred - mean_pred)          # Keras' expression (see above)
    norm = var_true + var_pred + np.square(mean_true - mean_pred)
    return _without(_kept(np.mean, 2 * covariance / (norm + y_pred.dtype.type(config.epsilon())), axes), axes)


class PearsonCorrelation(MeanMetricWrapper):
    """The mean of :func:`pearson_correlation` over all samples seen (Keras 3's ``PearsonCorrelation``): each
    batch adds the coefficient of each sample (a row, for ``axis=-1``), weighted by ``sample_weight`` when given,
    and the result is their weighted mean since ``reset_state()``, as Keras' ``MeanMetricWrapper``; it is not the
    coefficient of all the values seen together. Higher is better.

    Args:
        name: the name the metric is logged under (default ``"pearson_correlation"``, Keras').
        dtype: None (a Python float, the means kept in ``floatx()``), or the dtype of the sums and the result: see
            :class:`Metric`.
        axis: the axis of each sample's values (default -1), a tuple of axes, or None.

    ``update_state(y_true, y_pred, sample_weight=None)``: ``sample_weight`` holds one weight per sample (one per
    row of rank-2 inputs). Rank-1 inputs are one sample (one coefficient, counted once). An empty batch changes
    nothing; a sample of equal targets or predictions is NaN, and so the result, as in Keras.

    ``get_config()`` holds Keras 3's keys ``name``, ``dtype`` (when given) and ``axis``.

    Raises:
        TypeError: an ``axis`` that is not None, an integer or a tuple or list of them; a bad ``dtype`` as
            :class:`Metric`.

    Source: Keras 3, ``keras.metrics.PearsonCorrelation`` (https://keras.io/api/metrics/regression_metrics/).

    >>> m = PearsonCorrelation()
    >>> m.update_state([[0, 1, 0.5], [1, 1, 0.2]], [[0.1, 0.9, 0.5], [1, 0.9, 0.2]])
    >>> round(m.result(), 6)        # (1 + 0.993399) / 2
    0.9967
    """

    def __init__(self, name="pearson_correlation", dtype=None, axis=-1):
        super().__init__(pearson_correlation, name=name, dtype=dtype, axis=losses._overlap_axis_argument(axis))
        self._direction = "up"      # higher is better (EarlyStopping's mode="auto", as Keras)


class ConcordanceCorrelation(MeanMetricWrapper):
    """The mean of :func:`concordance_correlation` over all samples seen (Keras 3's ``ConcordanceCorrelation``),
    accumulated as :class:`PearsonCorrelation`: the weighted mean of each sample's coefficient. Higher is better.

    Args:
        name: the name the metric is logged under (default ``"concordance_correlation"``, Keras').
        dtype: None (a Python float, the means kept in ``floatx()``), or the dtype of the sums and the result: see
            :class:`Metric`.
        axis: the axis of each sample's values (default -1), a tuple of axes, or None.

    ``update_state``, ``get_config()`` and errors: as :class:`PearsonCorrelation`'s. A sample of equal targets and
    predictions counts 0, as in Keras.

    Source: Keras 3, ``keras.metrics.ConcordanceCorrelation`` (https://keras.io/api/metrics/regression_metrics/).

    >>> m = ConcordanceCorrelation()
    >>> m.update_state([[0, 1, 0.5], [1, 1, 0.2]], [[0.1, 0.9, 0.5], [1, 0.9, 0.2]])
    >>> round(m.result(), 6)        # (0.975609 + 0.987654) / 2
    0.981632
    """

    def __init__(self, name="concordance_correlation", dtype=None, axis=-1):
        super().__init__(concordance_correlation, name=name, dtype=dtype,
                         axis=losses._overlap_axis_argument(axis))
        self._direction = "up"      # higher is better (EarlyStopping's mode="auto", as Keras)


# ------------------------------------------------------------------------------------------------ IoU
#: The dtypes of an IoU metric's confusion matrix (its ``dtype=``, as Keras 3's; None is Keras' default, int32).
_IOU_DTYPES = ("int32", "float16", "float32", "float64")


def _iou_dtype(dtype, metric):
    """The ``dtype`` argument of an IoU metric: the confusion matrix's dtype as a name (None: ``"int32"``)."""
    if dtype is None:
        return "int32"
    try:
        name = np.dtype(dtype).name
    except TypeError:
        name = None
    if name not in _IOU_DTYPES:
        raise ValueError(f"Invalid value for argument `dtype` of {metric}. Expected one of {_IOU_DTYPES} (the "
                         f"confusion matrix's dtype) or None (int32). Received dtype={dtype!r}")
    return name


def _class_ids(ids, num_classes, metric):
    """``target_class_ids`` (a non-empty list or tuple of integers in ``[0, num_classes)``) as a list of ints."""
    items = list(ids) if isinstance(ids, (list, tuple, np.ndarray)) else None
    if not items or not all(isinstance(c, (int, np.integer)) and not isinstance(c, bool) for c in items):
        raise ValueError(f"Invalid value for argument `target_class_ids` of {metric}. Expected a non-empty list of "
                         f"class ids (integers in [0, {num_classes})). Received target_class_ids={ids!r}")
    bad = max(items) if max(items) >= num_classes else min(items)
    if not 0 <= bad < num_classes:        # Keras' sentence, in this package's wording
        raise ValueError(f"Invalid value for argument `target_class_ids` of {metric}. Target class id {bad} is out "
                         f"of range, which is [0, {num_classes}). Received target_class_ids={ids!r}")
    return [int(c) for c in items]


class _IoUBase(Metric):
    """The weighted confusion matrix ``total_cm[true, predicted]`` of class ids, summed over every batch (Keras 3's
    ``_IoUBase``); :class:`IoU` computes its result from it.

    Class ids: a sparse argument (``sparse_y_true``/``sparse_y_pred``) holds them; a dense one holds one score per
    class along ``axis``, and its ``argmax`` is the id (the first of tied maxima; NaN counts as the maximum, as in
    ``torch.argmax``). The ids are cast to the matrix's ``dtype`` as Keras casts them (int32: ``0.7`` and ``-0.5``
    are class 0). A pair counts when both ids are in ``[0, num_classes)`` and the true id is not ``ignore_class``;
    it adds its weight (1 without ``sample_weight``; cut to a whole number in an int32 matrix, with Keras'
    warning for float weights) to ``total_cm``.
    """

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_true=True,
                 sparse_y_pred=True, axis=-1):
        metric = type(self).__name__
        self.num_classes = integer(num_classes, "num_classes", minimum=1)
        # the confusion matrix, num_classes x num_classes, 8 bytes a count at most: MeanIoU(num_classes=10**5) got
        # NumPy's "MemoryError: Unable to allocate 74.5 GiB", 10**30 an OverflowError (found by a tester)
        size_fits(metric, f"the confusion matrix of {self.num_classes} x {self.num_classes} counts",
                  self.num_classes ** 2 * 8, f"num_classes={self.num_classes}")
        self._cm_dtype = _iou_dtype(dtype, metric)
        self.ignore_class = integer(ignore_class, "ignore_class", minimum=None, optional=True)
        self.sparse_y_true = flag(sparse_y_true, "sparse_y_true", metric)
        self.sparse_y_pred = flag(sparse_y_pred, "sparse_y_pred", metric)
        self.axis = integer(axis, "axis", minimum=None)
        super().__init__(name=name or _lookup.snake_case(metric))
        self._direction = "up"      # higher is better (EarlyStopping's mode="auto", as Keras)

    @property
    def dtype(self):
        """The dtype of the confusion matrix (``"int32"``, ``"float16"``, ``"float32"`` or ``"float64"``), as
        Keras' IoU metrics take it; the result is a Python float (float32 values) whatever it is."""
        return self._cm_dtype

    def reset_state(self):
        self.total_cm = np.zeros((self.num_classes,) * 2, dtype=np.int64 if self.dtype == "int32" else self.dtype)

    def _ids(self, data, argument, sparse):
        """The class ids of ``y_true`` or ``y_pred``, flattened, in the matrix's dtype (float64 values for int32,
        truncated as Keras' cast; NaN stays NaN and is never counted), and the shape of ``data``."""
        values = _numpy(data, argument, self.name)
        shape = values.shape
        if values.dtype.kind not in "biuf":
            raise TypeError(f"{self.name}: `{argument}` must hold numbers. Received {argument} of dtype "
                            f"{values.dtype}")
        if not sparse:
            if not -values.ndim <= self.axis < values.ndim:
                raise ValueError(f"{self.name}: axis={self.axis} is out of range for {argument} of shape "
                                 f"{values.shape}, whose scores along it become class ids (sparse_{argument}="
                                 "False)")
            if values.shape[self.axis] == 0:
                raise ValueError(f"{self.name}: {argument} of shape {values.shape} has no class scores along "
                                 f"axis={self.axis} (sparse_{argument}=False)")
            values = np.argmax(values, axis=self.axis)      # NaN counts as the maximum, as in torch.argmax
        values = values.astype(np.float64).ravel()
        return (np.trunc(values) if self.dtype == "int32" else values.astype(self.dtype)), shape

    def _mismatch(self, true_shape, true_count, pred_shape, pred_count):
        """The message for ``y_true`` and ``y_pred`` that give different numbers of class ids: their shapes, what
        each is read as, and (integer labels given to a one-hot metric, the common mistake) what to use instead."""
        def reading(argument, shape, count, sparse):
            held = "class ids" if sparse else f"one-hot rows / scores along axis={self.axis}"
            return f"{argument} of shape {shape} read as {held} gives {count} class id{'s' * (count != 1)}"
        message = (f"{type(self).__name__}: y_true and y_pred must give as many class ids; "
                   f"{reading('y_true', true_shape, true_count, self.sparse_y_true)}, but "
                   f"{reading('y_pred', pred_shape, pred_count, self.sparse_y_pred)}")
        if not self.sparse_y_true and len(true_shape) == len(pred_shape) - 1:
            message += (". y_true looks like integer class ids: this metric expects one-hot y_true (use IoU or "
                        "MeanIoU, whose y_true holds class ids)")
        return message

    @_ieee754
    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add the weighted pairs of this batch to ``total_cm``.

        Raises:
            TypeError: inputs that do not hold numbers.
            ValueError: ``y_true`` and ``y_pred`` with different numbers of class ids, a ``sample_weight`` that
                is neither one weight per id nor one for all, an ``axis`` outside a dense argument's axes.
        """
        labels, true_shape = self._ids(y_true, "y_true", self.sparse_y_true)
        predicted, pred_shape = self._ids(y_pred, "y_pred", self.sparse_y_pred)
        if labels.size != predicted.size:
            raise ValueError(self._mismatch(true_shape, labels.size, pred_shape, predicted.size))
        if sample_weight is None:
            weights = np.ones(labels.shape)
        else:
            weights = _floats(sample_weight, "sample_weight", self.name).ravel()
            if weights.size not in (1, labels.size):
                raise ValueError(f"{self.name}: sample_weight must hold one weight per entry ({labels.size}) or "
                                 f"one for all. Received sample_weight of shape {np.shape(_numpy(sample_weight))}")
            if self.dtype == "int32" and "float" in str(getattr(sample_weight, "dtype", "")):     # as Keras
                warnings.warn("You are passing weight as `float`, but dtype is `int`. This may result in an incorrect "
                              "weight due to type casting Consider using integer weights.",
                              stacklevel=caller_stacklevel())
            weights = np.broadcast_to(weights, labels.shape)
        counted = (labels >= 0) & (labels < self.num_classes) & (predicted >= 0) & (predicted < self.num_classes)
        if self.ignore_class is not None:
            counted &= labels != self.ignore_class
        weights = np.trunc(weights).astype(np.int64) if self.dtype == "int32" else weights.astype(self.dtype)
        cm = np.zeros_like(self.total_cm)
        np.add.at(cm, (labels[counted].astype(np.int64), predicted[counted].astype(np.int64)), weights[counted])
        self.total_cm = self.total_cm + cm


def _line_sums(cm, axis):
    """The sums of ``cm`` along ``axis`` in its dtype; a float16 matrix summed in float32 and rounded once, as
    torch sums float16 (NumPy would round after each addition along axis 0: 1024 + 1024 + 1 + 1 gives 2048, torch
    2050)."""
    if cm.dtype == np.float16:
        return cm.astype(np.float32).sum(axis=axis).astype(np.float16)
    return cm.sum(axis=axis)


class IoU(_IoUBase):
    """The intersection-over-union of class ids over all samples seen, averaged over ``target_class_ids`` (Keras
    3's ``IoU``, the metric of semantic segmentation).

    Every (true id, predicted id) pair adds its weight to the confusion matrix ``cm[true, predicted]``, summed over
    every batch since ``reset_state()`` (see the arguments for how ids are read and which pairs count). For a class
    ``c``, with ``tp = cm[c, c]``,

    .. math::

        \\text{IoU}_c = \\frac{tp}{\\sum_j cm[c, j] + \\sum_i cm[i, c] - tp + \\epsilon}
                      = \\frac{tp}{tp + fp + fn + \\epsilon},

    and the result is the sum of the IoUs of the target classes whose denominator is not 0, divided by their number
    (``+ e``, ``e = 1e-7``): a target class absent from both labels and predictions is left out (0.0 when all
    are). 0.0 before the first batch. Computed in float32, as Keras; reported as a Python float.

    Args:
        num_classes: the number of classes, an integer >= 1 (the matrix is ``num_classes x num_classes``).
        target_class_ids: the classes to average over, a non-empty list or tuple of ids in ``[0, num_classes)``.
        name: the name the metric is logged under (default ``"io_u"``, Keras' name).
        dtype: the dtype of the confusion matrix: None or ``"int32"`` (Keras' default: float sample weights are
            cut to whole numbers, with Keras' warning, and ids are truncated: ``-0.5`` is class 0), ``"float16"``,
            ``"float32"`` or ``"float64"`` (weights kept; an id outside ``[0, num_classes)`` before truncation is
            not counted). A float16 matrix counts as Keras' does: each pair is added in float16, so a cell stops
            at 2048 within a batch (2048 + 1 rounds to 2048), batches are added in float16 (past 65504 a cell is
            inf, and a class whose row and column sums make ``inf - inf`` is left out), and the row and column
            sums are taken in float32 and rounded to float16, as torch's.
        ignore_class: a class id whose labels are not counted (a "void" class such as -1 or 255), or None.
        sparse_y_true: ``y_true`` holds class ids (default); False: one score per class along ``axis``, whose
            argmax is the id.
        sparse_y_pred: the same for ``y_pred``.
        axis: the class axis of dense (non-sparse) inputs (default -1).

    ``update_state(y_true, y_pred, sample_weight=None)``: the ids of both are flattened and must be as many;
    ``sample_weight`` holds one weight per id (flattened) or one for all.

    Raises:
        TypeError: a ``num_classes``, ``ignore_class`` or ``axis`` that is not an integer, flags that are not bools;
            inputs that do not hold numbers.
        ValueError: a ``num_classes`` below 1, target class ids empty, not integers or outside
            ``[0, num_classes)``, a ``dtype`` not in the list; when updated, inputs with different numbers of ids,
            a ``sample_weight`` that fits neither, an ``axis`` outside a dense input.

    Keras 3.15 computes the result with a sum over ``axis``, so its ``result()`` fails (torch's ``IndexError``)
    for an ``axis`` other than -1 and 0; here ``axis`` only picks the class axis of dense inputs.

    Source: Keras 3, ``keras.metrics.IoU`` (https://keras.io/api/metrics/segmentation_metrics/).

    >>> m = IoU(num_classes=2, target_class_ids=[0])
    >>> m.update_state([0, 0, 1, 1], [0, 1, 0, 1])      # cm [[1, 1], [1, 1]]: IoU_0 = 1 / (2 + 2 - 1)
    >>> round(m.result(), 6)
    0.333333
    """

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None, sparse_y_true=True,
                 sparse_y_pred=True, axis=-1):
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class, sparse_y_true=sparse_y_true,
                         sparse_y_pred=sparse_y_pred, axis=axis)
        self.target_class_ids = _class_ids(target_class_ids, self.num_classes, type(self).__name__)

    @_ieee754
    def result(self):
        cm = self.total_cm       # the sums in the matrix's dtype, then float32, as Keras
        true_positives = np.diag(cm)[self.target_class_ids].astype(np.float32)
        denominator = (_line_sums(cm, 0) + _line_sums(cm, 1) - np.diag(cm))[self.target_class_ids].astype(np.float32)
        valid = denominator > np.float32(1e-9)
        iou = np.where(valid, true_positives / (denominator + np.float32(_EPSILON)), np.float32(0))
        return _reported(np.float32(iou.sum(dtype=np.float32) / (valid.sum(dtype=np.float32)
                                                                 + np.float32(_EPSILON))))

    def _config(self, *keys):
        """The config with ``keys`` in this order, as Keras writes each class's."""
        values = {"name": self.name, "dtype": self.dtype}
        return {key: values[key] if key in values else getattr(self, key) for key in keys}

    def get_config(self):
        return self._config("name", "dtype", "num_classes", "target_class_ids", "ignore_class", "sparse_y_true",
                            "sparse_y_pred", "axis")


class MeanIoU(IoU):
    """The mean intersection-over-union of every class over all samples seen (Keras 3's ``MeanIoU``): :class:`IoU`
    with ``target_class_ids = range(num_classes)``, so the mean over the classes present in the labels or the
    predictions (a class seen in neither is left out).

    Args:
        num_classes, name, dtype, ignore_class, sparse_y_true, sparse_y_pred, axis: as :class:`IoU` (default name
            ``"mean_io_u"``).

    Raises:
        TypeError, ValueError: as :class:`IoU`.

    Source: Keras 3, ``keras.metrics.MeanIoU`` (https://keras.io/api/metrics/segmentation_metrics/).

    >>> m = MeanIoU(num_classes=2)
    >>> m.update_state([0, 0, 1, 1], [0, 1, 0, 1], sample_weight=[0.3, 0.3, 0.3, 0.1])  # int32: weights 0
    >>> m.result()
    0.0
    >>> m = MeanIoU(num_classes=2, dtype="float32")
    >>> m.update_state([0, 0, 1, 1], [0, 1, 0, 1], sample_weight=[0.3, 0.3, 0.3, 0.1])
    >>> round(m.result(), 6)      # IoU_0 = 0.3 / 0.9, IoU_1 = 0.1 / 0.7
    0.238095
    """

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_true=True,
                 sparse_y_pred=True, axis=-1):
        classes = integer(num_classes, "num_classes", minimum=1)
        size_fits("MeanIoU", f"the confusion matrix of {classes} x {classes} counts", classes ** 2 * 8,
                  f"num_classes={classes}")                 # (before the list of every class id below)
        super().__init__(classes, list(range(classes)), name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=sparse_y_true, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        return self._config("num_classes", "name", "dtype", "ignore_class", "sparse_y_true", "sparse_y_pred",
                            "axis")


class OneHotIoU(IoU):
    """:class:`IoU` of one-hot labels (Keras 3's ``OneHotIoU``): ``y_true`` holds one value per class along
    ``axis`` and its argmax is the class id (``sparse_y_true=False``); ``y_pred`` likewise, unless
    ``sparse_y_pred=True``.

    Args:
        num_classes, target_class_ids, name, dtype, ignore_class, axis: as :class:`IoU` (default name
            ``"one_hot_io_u"``).
        sparse_y_pred: ``y_pred`` holds class ids (default False: scores, whose argmax is the id).

    Raises:
        TypeError, ValueError: as :class:`IoU`.

    Source: Keras 3, ``keras.metrics.OneHotIoU`` (https://keras.io/api/metrics/segmentation_metrics/).

    >>> m = OneHotIoU(num_classes=3, target_class_ids=[0, 2])
    >>> y_true = [[0, 0, 1], [1, 0, 0], [0, 1, 0], [1, 0, 0]]           # classes 2, 0, 1, 0
    >>> y_pred = [[0.2, 0.3, 0.5], [0.1, 0.2, 0.7], [0.5, 0.3, 0.1], [0.1, 0.4, 0.5]]   # classes 2, 2, 0, 2
    >>> m.update_state(y_true, y_pred)
    >>> round(m.result(), 6)      # cm [[0, 0, 2], [1, 0, 0], [0, 0, 1]]: IoU_0 = 0 / 3, IoU_2 = 1 / 3
    0.166667
    """

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, target_class_ids, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=False, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        return self._config("num_classes", "target_class_ids", "name", "dtype", "ignore_class", "sparse_y_pred",
                            "axis")


class OneHotMeanIoU(MeanIoU):
    """:class:`MeanIoU` of one-hot labels (Keras 3's ``OneHotMeanIoU``): ``y_true`` holds one value per class
    along ``axis`` and its argmax is the class id; ``y_pred`` likewise, unless ``sparse_y_pred=True``.

    Args:
        num_classes, name, dtype, ignore_class, axis: as :class:`IoU` (default name ``"one_hot_mean_io_u"``).
        sparse_y_pred: ``y_pred`` holds class ids (default False: scores, whose argmax is the id).

    Raises:
        TypeError, ValueError: as :class:`IoU`.

    Source: Keras 3, ``keras.metrics.OneHotMeanIoU`` (https://keras.io/api/metrics/segmentation_metrics/).

    >>> m = OneHotMeanIoU(num_classes=3)
    >>> m.update_state([[0, 0, 1], [1, 0, 0], [0, 1, 0]], [[0.2, 0.3, 0.5], [0.1, 0.2, 0.7], [0.5, 0.3, 0.1]])
    >>> round(m.result(), 6)      # cm [[0, 0, 1], [1, 0, 0], [0, 0, 1]]: IoUs 0, 0 and 1 / 2
    0.166667
    """

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class, sparse_y_true=False,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        return self._config("num_classes", "name", "dtype", "ignore_class", "sparse_y_pred", "axis")


class BinaryIoU(IoU):
    """The intersection-over-union of thresholded binary predictions over all samples seen (Keras 3's
    ``BinaryIoU``): :class:`IoU` with 2 classes, 0 (negatives) and 1 (positives), averaged over
    ``target_class_ids``.

    Each entry of ``y_true`` is a class ``0`` or ``1`` (cast to an integer, as Keras does: ``0.7`` counts as
    ``0``; entries outside ``[0, 2)`` and NaN are not counted; with the default int32 matrix Keras casts
    before it checks the bounds, so ``-0.5`` counts as ``0`` too), each entry of ``y_pred`` is predicted as
    ``1`` where ``y_pred >= threshold`` (NaN: ``0``). The result is :class:`IoU`'s, from the ``2 x 2`` matrix.

    Args:
        target_class_ids: the classes to average over, a tuple or list of 0 and/or 1 (default ``(0, 1)``).
        threshold: the decision threshold of the predictions (default 0.5).
        name: the name the metric is logged under (default ``"binary_io_u"``, Keras' name).
        dtype: the dtype of the confusion matrix, as :class:`IoU`'s (None: int32).

    ``update_state(y_true, y_pred, sample_weight=None)``: arrays of the same number of entries, flattened;
    ``sample_weight`` one weight per entry (flattened) or one for all.

    Raises:
        ValueError: a target class outside ``[0, 2)``, a threshold that is not a finite number, a dtype not in
            the list; when updated, inputs with different numbers of entries, a ``sample_weight`` that fits neither.
        TypeError: inputs that do not hold numbers.

    Source: Keras 3, ``keras.metrics.BinaryIoU`` (https://keras.io/api/metrics/segmentation_metrics/).

    >>> m = BinaryIoU()
    >>> m.update_state([0, 1, 0, 1], [0.2, 0.6, 0.7, 0.1])      # cm [[1, 1], [1, 1]]: IoU 1/3 for both classes
    >>> round(m.result(), 6)
    0.333333
    """

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None):
        super().__init__(2, target_class_ids, name=name, dtype=dtype)
        self.threshold = number(threshold, "threshold", finite=True, type_error=ValueError)

    @_ieee754
    def update_state(self, y_true, y_pred, sample_weight=None):
        scores = _floats(y_pred, "y_pred", self.name).astype(np.float32)
        super().update_state(y_true, (scores >= np.float32(self.threshold)).astype(np.int64), sample_weight)

    def get_config(self):
        return self._config("target_class_ids", "threshold", "name", "dtype")


# ------------------------------------------------------------------------------------------------ lookup
_CLASSES = (Mean, MeanSquaredError, MeanAbsoluteError, Accuracy, BinaryAccuracy, CategoricalAccuracy,
            SparseCategoricalAccuracy, RootMeanSquaredError, Precision, Recall, AUC, TruePositives, FalsePositives,
            TrueNegatives, FalseNegatives, MeanAbsolutePercentageError, MeanSquaredLogarithmicError, Hinge,
            SquaredHinge, CategoricalHinge, Poisson, KLDivergence, LogCoshError, CosineSimilarity,
            TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy, R2Score, FBetaScore, F1Score, Sum,
            BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy, BinaryIoU, IoU, MeanIoU,
            OneHotIoU, OneHotMeanIoU, PrecisionAtRecall, RecallAtPrecision, SensitivityAtSpecificity,
            SpecificityAtSensitivity, PearsonCorrelation, ConcordanceCorrelation)
_BY_NAME = _lookup.name_table(_CLASSES, {
    # Keras' names are the snake case of the class names: "precision", "recall", "auc", "true_positives", ...
    **{_lookup.snake_case(cls.__name__): cls for cls in _CLASSES},
    "mean_squared_error": MeanSquaredError, "mse": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError, "mae": MeanAbsoluteError,
    "accuracy": Accuracy, "acc": Accuracy, "binary_accuracy": BinaryAccuracy,
    "categorical_accuracy": CategoricalAccuracy, "sparse_categorical_accuracy": SparseCategoricalAccuracy,
    "mape": MeanAbsolutePercentageError, "msle": MeanSquaredLogarithmicError,
}, lower=True)


#: The losses Keras 3 also names as metrics (``metrics=["binary_crossentropy"]``), and their loss functions.
_LOSS_METRICS = {"binary_crossentropy": "binary_crossentropy", "bce": "binary_crossentropy",
                 "categorical_crossentropy": "categorical_crossentropy",
                 "sparse_categorical_crossentropy": "sparse_categorical_crossentropy"}


def resolve_accuracy(y_true_shape, y_pred_shape):
    """The accuracy a model means by ``"accuracy"`` (Keras' ``compile`` rule, :func:`~tinygradconv.losses.target_kind`):
    binary when predictions have one column, sparse categorical when targets have fewer axes or a single column,
    categorical otherwise."""
    kind = losses.target_kind(y_true_shape, y_pred_shape)   # the rule of compile(loss="ce") too
    return {"binary": BinaryAccuracy, "sparse": SparseCategoricalAccuracy, "categorical": CategoricalAccuracy}[kind]


#: The names of ``keras.metrics`` (Keras 3.15) that tinygradconv does not have, and what to use instead. None is a
#: metric: every metric class and function Keras 3.15 exports is here (a test compares ``dir(keras.metrics)``).
_KERAS_ONLY = {
    "serialize": "it is keras.metrics.serialize, which Keras 3 has and tinygradconv does not: write a metric as "
                 "{'class_name': type(metric).__name__, 'config': metric.get_config()}, as Keras does",
    "deserialize": "it is keras.metrics.deserialize, which Keras 3 has and tinygradconv does not: "
                   "tinygradconv.metrics.get(config) makes the metric of such a dict (Keras' too) or of a name",
}


def __getattr__(name):
    """A missing attribute's ``AttributeError`` says so for a Keras-only name (:data:`_KERAS_ONLY`), else names
    the closest names here (``PearsonCorelation``: did you mean ``PearsonCorrelation``?)."""
    raise _lookup.missing_attribute(__name__, name, __all__, _KERAS_ONLY)


def get(identifier, y_true=None, y_pred=None):
    """A :class:`Metric` from a name (case-insensitive), a config dict, a Metric instance or class, or a callable
    ``(y_true, y_pred) -> per-sample values``. A name registered by
    :class:`~tinygradconv.saving.custom_object_scope` (or ``custom_objects``) gives your own class or function.

    Names: as Keras 3's ``keras.metrics.get``, a metric found by one of its names or aliases has its Keras name,
    whatever string found it: ``get("mse")`` and ``get("MSE")`` are named ``"mean_squared_error"``, ``get("AUC")``
    ``"auc"``, ``get("bce")`` ``"binary_crossentropy"``, ``get("f_beta_score")`` ``"fbeta_score"``,
    ``get("acc")`` ``"accuracy"`` (Keras' ``get`` is case-sensitive and refuses ``"Mse"`` and ``"acc"``; they are
    taken here and named the same way).

    Given ``y_true`` and ``y_pred`` (arrays or shapes), as a model's ``compile`` does, it follows Keras' ``compile``
    instead: ``"accuracy"``/``"acc"`` resolves to binary, sparse categorical or categorical accuracy (see
    :func:`resolve_accuracy`), and every metric found by a string is named by that string (Keras logs
    ``metrics=["mse"]`` as ``"mse"``).

    Raises:
        ValueError: for an unknown name (the message lists the valid ones) or an identifier of another kind.

    Source: Keras 3, ``keras.metrics.get`` and ``Model.compile`` (https://keras.io/api/metrics/).

    >>> get("mse").name, get("MSE").name, get("acc").name
    ('mean_squared_error', 'mean_squared_error', 'accuracy')
    >>> get("acc", y_true=(32,), y_pred=(32, 10)).name, type(get("acc", (32,), (32, 10))).__name__
    ('acc', 'SparseCategoricalAccuracy')
    """
    if identifier is None or isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, str):
        as_compile = y_true is not None and y_pred is not None     # Keras' compile names a metric as given
        key = identifier.lower()
        if key in ("accuracy", "acc") and as_compile:
            cls = resolve_accuracy(_shape(y_true), _shape(y_pred))
        elif key in _LOSS_METRICS:      # a loss as a metric: its batch mean, as Keras' metrics
            loss = _LOSS_METRICS[key]
            return MeanMetricWrapper(getattr(losses, loss), name=identifier if as_compile else loss)
        else:
            cls = _lookup.lookup(_BY_NAME, identifier, "metric", lower=True, extra=sorted(_LOSS_METRICS))
            if not isinstance(cls, type):   # your own function, from custom_objects (a loaded model's metric),
                # logged under its own name when found by its register_keras_serializable key ("pkg>name"), as Keras
                return MeanMetricWrapper(cls, name=getattr(cls, "__name__", identifier) if ">" in identifier
                                         else identifier)
            _check_made_from_a_name(cls, identifier)
            if not as_compile and _BY_NAME.get(key) is cls:     # one of ours: Keras' name (its default)
                return cls()
        return cls(name=identifier)
    if isinstance(identifier, dict):
        return _lookup.deserialize_lower(identifier, _BY_NAME, "metric", _CLASSES)
    if inspect.isclass(identifier) and issubclass(identifier, Metric):
        return identifier()
    if callable(identifier):
        return MeanMetricWrapper(identifier)
    raise ValueError(f"Could not interpret metric identifier: {identifier!r}")


def _check_made_from_a_name(cls, identifier):
    """A TypeError naming the arguments ``cls`` cannot be made without (``MeanIoU``'s ``num_classes``,
    ``PrecisionAtRecall``'s ``recall``), which a name does not give: Keras' ``get`` fails there too, with Python's
    "missing 1 required positional argument"."""
    needed = [p.name for p in list(inspect.signature(cls.__init__).parameters.values())[1:]
              if p.default is inspect.Parameter.empty and p.kind is p.POSITIONAL_OR_KEYWORD]
    if needed:
        raise TypeError(f"The metric {identifier!r} ({cls.__name__}) cannot be made from its name: it needs "
                        f"{', '.join(f'`{n}`' for n in needed)}. Pass the metric made with them instead, e.g. "
                        f"metrics=[{cls.__name__}({', '.join(f'{n}=...' for n in needed)})]")


def _shape(x):
    if isinstance(x, tuple) and all(isinstance(n, int) for n in x):
        return x
    return tuple(getattr(x, "shape", None) or np.shape(x))


__all__ = ["AUC", "Accuracy", "BinaryAccuracy", "BinaryCrossentropy", "BinaryIoU", "CategoricalAccuracy",
           "CategoricalCrossentropy", "CategoricalHinge", "ConcordanceCorrelation", "CosineSimilarity", "F1Score",
           "FBetaScore", "FalseNegatives", "FalsePositives", "Hinge", "IoU", "KLDivergence", "LogCoshError", "Mean",
           "MeanAbsoluteError", "MeanAbsolutePercentageError", "MeanIoU", "MeanMetricWrapper", "MeanSquaredError",
           "MeanSquaredLogarithmicError", "Metric", "OneHotIoU", "OneHotMeanIoU", "PearsonCorrelation", "Poisson",
           "Precision", "PrecisionAtRecall", "R2Score", "Recall", "RecallAtPrecision", "RootMeanSquaredError",
           "SensitivityAtSpecificity", "SparseCategoricalAccuracy", "SparseCategoricalCrossentropy",
           "SparseTopKCategoricalAccuracy", "SpecificityAtSensitivity", "SquaredHinge", "Sum",
           "TopKCategoricalAccuracy", "TrueNegatives", "TruePositives", "accuracy", "binary_accuracy",
           "categorical_accuracy", "concordance_correlation", "cosine_similarity", "get", "mean_absolute_error",
           "mean_squared_error", "pearson_correlation", "resolve_accuracy", "sparse_categorical_accuracy",
           "sparse_top_k_categorical_accuracy", "top_k_categorical_accuracy"]
