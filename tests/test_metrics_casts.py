"""The metrics' casts and edges against Keras 3 on torch (skipped visibly without it) and by hand: the dtypes Keras
computes in (``RootMeanSquaredError`` in float32, ``y_true`` in ``y_pred``'s dtype, the threshold of
``binary_accuracy`` as a float32 tensor), empty inputs without NumPy warnings, and an empty class axis refused."""
import math
import warnings

import numpy as np
import pytest
from helpers import keras_on_torch

from tinygradconv import metrics

KERAS = "Keras 3 on torch is the reference of the metrics' casts and edges"


def _keras_result(metric, *args, **kwargs):
    metric.update_state(*args, **kwargs)
    return float(metric.result())


def _ours(metric, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # the metrics run with NumPy's warnings off: none may leak
        metric.update_state(*args, **kwargs)
        return metric.result()


# ------------------------------------------------------------------------------------------------ float16, float32
def test_root_mean_squared_error_squares_float16_in_float32_by_hand():
    got = _ours(metrics.RootMeanSquaredError(), np.zeros((2, 3), "float16"), np.full((2, 3), 300.0, "float16"))
    assert got == 300.0                         # 300^2 = 90000 overflows float16 (max 65504), not float32


@pytest.mark.parametrize("dtype", ["float16", "float64"])
def test_root_mean_squared_error_casts_as_keras(dtype, rng):
    keras = keras_on_torch(KERAS)
    y_true = rng.uniform(0, 1, (8, 5)).astype(dtype)
    y_pred = rng.uniform(0, 1, (8, 5)).astype(dtype)
    big = np.full((2, 5), 300.0, dtype)
    for args in ((y_true, y_pred), (y_true[:2], big)):
        expected = _keras_result(keras.metrics.RootMeanSquaredError(), *args)
        assert _ours(metrics.RootMeanSquaredError(), *args) == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("name", ["mean_squared_error", "mean_absolute_error"])
def test_y_true_is_cast_to_the_dtype_of_y_pred_as_keras(name):
    keras = keras_on_torch(KERAS)
    y_true = np.array([[0.1, 0.7], [300.0, 0.2]])                                    # float64
    for y_pred in (y_true.astype("float32"), np.array([[0.1, 0.7], [0.0, 0.2]], "float16")):
        expected = getattr(keras.metrics, name)(y_true, y_pred).numpy()
        got = getattr(metrics, name)(y_true, y_pred)
        assert got.dtype == expected.dtype
        np.testing.assert_array_equal(got, expected)    # 0.1 == float32(0.1); 300^2 overflows float16 in both


def test_accuracy_casts_y_true_to_the_dtype_of_y_pred_as_keras():
    keras = keras_on_torch(KERAS)
    y_true = np.array([0.1, 0.7, 0.2])                                                 # float64
    y_pred = np.array([0.1, 0.7, 0.3], "float32")
    expected = _keras_result(keras.metrics.Accuracy(), y_true, y_pred)
    assert _ours(metrics.Accuracy(), y_true, y_pred) == pytest.approx(expected) == 2 / 3


# ------------------------------------------------------------------------------------------------ the threshold
CASES = [
    (np.ones(1), np.array([0.7]), 0.7),                         # float64(0.7) > float32(0.7): true
    (np.ones(1), np.array([0.3], "float32"), 0.3),              # float32(0.3) > float32(0.3): false
    (np.ones(2), np.array([0.1, 0.2], "float16"), 0.1),         # float32(0.1) rounded again to float16
    (np.ones(3), np.array([0, 1, 2]), 0.5),                     # integer predictions
    (np.ones(3), np.array([0.5, 1.0, 0.99]), 1),                # an integer threshold
    (np.ones(1), np.array([0.7], "float64"), np.float32(0.7)),  # a NumPy float32 threshold
]


@pytest.mark.parametrize("y_true, y_pred, threshold", CASES)
def test_binary_accuracy_thresholds_as_keras(y_true, y_pred, threshold):
    keras = keras_on_torch(KERAS)
    expected = keras.metrics.binary_accuracy(y_true, y_pred, threshold=threshold).numpy()
    np.testing.assert_array_equal(metrics.binary_accuracy(y_true, y_pred, threshold=threshold), expected)
    expected_mean = _keras_result(keras.metrics.BinaryAccuracy(threshold=threshold), y_true, y_pred)
    assert _ours(metrics.BinaryAccuracy(threshold=threshold), y_true, y_pred) == pytest.approx(expected_mean)


def test_binary_accuracy_at_a_float64_threshold_by_hand():
    assert np.float64(0.7) > np.float64(np.float32(0.7))      # what Keras compares: 0.7 > 0.699999988...
    assert metrics.binary_accuracy(np.ones(1), np.array([0.7]), threshold=0.7).tolist() == [1.0]


# ------------------------------------------------------------------------------------------------ empty inputs
@pytest.mark.parametrize("shape", [(2, 0), (0,), (0, 3)])
@pytest.mark.parametrize("name", ["MeanSquaredError", "MeanAbsoluteError", "BinaryAccuracy", "RootMeanSquaredError"])
def test_empty_inputs_give_keras_results_without_warnings(name, shape):
    keras = keras_on_torch(KERAS)
    y = np.zeros(shape, "float32")
    expected = _keras_result(getattr(keras.metrics, name)(), y, y)
    got = _ours(getattr(metrics, name)(), y, y)
    assert (math.isnan(got) and math.isnan(expected)) or got == expected, (got, expected)


@pytest.mark.parametrize("shape, expected", [((2, 0), math.nan), ((0,), math.nan), ((0, 3), 0.0)])
def test_empty_inputs_without_warnings_by_hand(shape, expected):
    # the mean over an empty last axis is NaN (2 samples of NaN); no sample at all leaves the mean at 0
    got = _ours(metrics.MeanSquaredError(), np.zeros(shape), np.zeros(shape))
    assert got == expected or (math.isnan(got) and math.isnan(expected))


def test_a_nan_label_is_a_value_error_without_a_warning():
    with pytest.raises(ValueError, match="sparse_top_k_categorical_accuracy: labels must be class indices"):
        _ours(metrics.SparseTopKCategoricalAccuracy(k=1), np.array([np.nan, 0.0]), np.zeros((2, 3)))


@pytest.mark.parametrize("metric, argument, y_true, y_pred", [
    (metrics.CategoricalAccuracy(), "y_true", np.zeros((2, 0)), np.zeros((2, 0))),
    (metrics.CategoricalAccuracy(), "y_pred", np.zeros((2, 3)), np.zeros((2, 0))),
    (metrics.TopKCategoricalAccuracy(k=1), "y_true", np.zeros((2, 0)), np.zeros((2, 0))),
    (metrics.SparseCategoricalAccuracy(), "y_pred", np.zeros(2), np.zeros((2, 0))),
], ids=["categorical-y_true", "categorical-y_pred", "top_k", "sparse"])
def test_an_empty_class_axis_is_a_clear_value_error(metric, argument, y_true, y_pred):
    shape = (y_true if argument == "y_true" else y_pred).shape
    with pytest.raises(ValueError, match=rf"{metric.name}: `{argument}` needs at least one class .* shape "
                                         rf"{re_shape(shape)}"):
        _ours(metric, y_true, y_pred)


def re_shape(shape):
    return str(shape).replace("(", r"\(").replace(")", r"\)")


# ------------------------------------------------------------------------------------------------ Python data
_LISTS = ([[0.1], [0.2]], [[0.3], [0.7]])
_INPUTS = {                             # Keras' convert_to_tensor: Python floats float32, arrays their own dtype
    "lists": _LISTS,
    "tuples": tuple(tuple(map(tuple, a)) for a in _LISTS),
    "float64 arrays": tuple(np.array(a) for a in _LISTS),
    "float32 arrays": tuple(np.array(a, "float32") for a in _LISTS),
    "int arrays": (np.array([[1], [2]]), np.array([[3], [7]])),
    "int lists": ([[1], [2]], [[3], [7]]),
    "a list and a float64 array": (_LISTS[0], np.array(_LISTS[1])),
    "a float64 array and a list": (np.array(_LISTS[0]), _LISTS[1]),
}


@pytest.mark.parametrize("inputs", list(_INPUTS))
@pytest.mark.parametrize("name", ["MeanSquaredError", "MeanAbsoluteError", "RootMeanSquaredError",
                                  "MeanAbsolutePercentageError", "SquaredHinge", "Accuracy"])
@pytest.mark.parametrize("dtype", [None, "float32"])
def test_python_lists_compute_in_float32_as_keras(name, inputs, dtype):
    """Keras' metric functions convert ``y_pred`` with ``convert_to_tensor`` (nested lists of Python floats become
    float32, a float64 array stays float64) and ``y_true`` to its dtype, before the metric casts the values to its
    own dtype: ``MeanSquaredError`` of ``[[0.1], [0.2]]`` and ``[[0.3], [0.7]]`` is 0.14500001 (float32 squares),
    of the same float64 arrays 0.14499999 (float64 squares rounded). Before 2026-12-07 lists were float64 here
    (found by a reviewer). Exact, as Keras' logged value."""
    keras = keras_on_torch(KERAS)
    y_true, y_pred = _INPUTS[inputs]
    theirs = _keras_result(getattr(keras.metrics, name)(dtype=dtype), y_true, y_pred)
    assert float(_ours(getattr(metrics, name)(dtype=dtype), y_true, y_pred)) == theirs


@pytest.mark.parametrize("name", ["mean_squared_error", "mean_absolute_error"])
def test_the_functions_of_python_lists_are_float32_as_keras(name):
    keras = keras_on_torch(KERAS)
    theirs = np.asarray(getattr(keras.metrics, name)(*_LISTS).cpu())
    ours = getattr(metrics, name)(*_LISTS)
    assert ours.dtype == theirs.dtype == np.float32
    np.testing.assert_array_equal(ours, theirs)


def test_python_lists_are_float32_by_hand():
    """``dtype="float64"``: the squares of the lists in float32 (``convert_to_tensor``), summed in float64 (the
    metric's dtype); Keras reports that mean rounded to float32 (see the Metric class docstring)."""
    y_true, y_pred = (np.array(a, np.float32) for a in _LISTS)
    squares = [float((t - p)[0] ** 2) for t, p in zip(y_true, y_pred)]    # float32 arithmetic, one per sample
    assert _ours(metrics.MeanSquaredError(dtype="float64"), *_LISTS) == sum(squares) / 2
    assert _ours(metrics.MeanSquaredError(dtype="float64"), *(np.array(a) for a in _LISTS)) == (
        ((0.1 - 0.3) ** 2 + (0.2 - 0.7) ** 2) / 2)


def test_values_and_weights_given_as_lists_are_cast_straight_to_the_metrics_dtype_as_keras():
    """``Mean`` and ``Sum`` cast their values and ``sample_weight`` to their dtype at once (Keras'
    ``ops.cast(values, dtype)``, ``convert_to_tensor(sample_weight, dtype=dtype)``): lists of Python floats are not
    rounded to float32 first in a float64 metric (only the functions' ``y_true``/``y_pred`` are)."""
    keras = keras_on_torch(KERAS)
    for args, kwargs in ((([0.1, 0.2],), {}), (([0.1, 0.7],), {"sample_weight": [0.3, 0.1]})):
        theirs = _keras_result(keras.metrics.Sum(dtype="float64"), *args, **kwargs)
        assert float(_ours(metrics.Sum(dtype="float64"), *args, **kwargs)) == theirs
    assert theirs == 0.1 * 0.3 + 0.7 * 0.1                          # float64 arithmetic, by hand
