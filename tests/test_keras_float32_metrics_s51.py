"""Keras' float32 metrics, the median of an empty input and the dtype of a ``Lambda`` (session 51).

1. A metric made without a ``dtype`` (``compile(metrics=["mae", ...])`` and ``MeanAbsoluteError()`` alike) keeps its
   total and count in ``floatx()`` (float32), as Keras 3's ``Mean`` variables: each batch adds
   ``float32(sum(w * v))`` to the total and the batch size (or ``sum(w)``) to the count, the result is
   ``float32(total / count)``; before, the sums were float64 and the logged values differed from Keras' in the last
   float32 digits. References: a float32 running mean written by hand, and Keras 3.15 on torch (fit/evaluate logs of
   a linear model, which both libraries train to the same float32 weights, with batches of at most 4 samples, where
   torch's float32 sum adds in NumPy's order).
2. ``ops.median`` of an empty input raises, as Keras on torch (torch's ``quantile`` refuses it).
3. ``Lambda`` without a ``dtype`` casts float inputs to the default policy's float32 in a float64 model, as Keras.
"""
import os
import re
import subprocess
import sys

import numpy as np
import pytest
from helpers import keras_on_torch

import tinygradconv as tg
from tinygradconv import metrics

REASON = "Keras 3.15 on torch is the reference of the metrics' float32 values"
f32 = np.float32


def _batches(seed, sizes=(4, 3, 4, 2), columns=1):
    rng = np.random.default_rng(seed)
    return [(rng.standard_normal((n, columns)).astype("float32"), rng.standard_normal((n, columns)).astype("float32"),
             rng.random(n).astype("float32")) for n in sizes]


def _by_hand(batches, per_sample, weighted):
    """The float32 running mean, one addition at a time, in Keras' order: total += sum(w * v), count += sum(w)."""
    total = count = f32(0.0)
    for y, p, w in batches:
        batch_total = batch_count = f32(0.0)
        for i in range(len(y)):
            value = per_sample(y[i], p[i])
            weight = w[i] if weighted else f32(1.0)
            batch_total = f32(batch_total + f32(value * weight))
            batch_count = f32(batch_count + weight)
        total, count = f32(total + batch_total), f32(count + batch_count)
    return float(f32(total / count))


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("cls, per_sample", [
    (metrics.MeanAbsoluteError, lambda y, p: f32(abs(f32(y[0] - p[0])))),
    (metrics.MeanSquaredError, lambda y, p: f32(f32(y[0] - p[0]) * f32(y[0] - p[0]))),
])
def test_a_metric_without_dtype_is_the_float32_running_mean(cls, per_sample, weighted):
    batches = _batches(0, sizes=(4, 3, 4, 2, 4, 4, 3))
    m = cls()
    for y, p, w in batches:
        m.update_state(y, p, sample_weight=w if weighted else None)
    expected = _by_hand(batches, per_sample, weighted)
    assert m.result() == expected and isinstance(m.result(), float)
    # the float64 mean of the same values is another number: this test tells the two apart
    values = np.concatenate([[float(per_sample(y[i], p[i])) for i in range(len(y))] for y, p, _ in batches])
    weights = np.concatenate([w.astype(np.float64) if weighted else np.ones(len(y)) for y, _, w in batches])
    assert float((values * weights).sum() / weights.sum()) != expected


def test_an_explicit_dtype_is_kept():
    batches = _batches(1, sizes=(4, 4, 3))
    m64 = metrics.MeanAbsoluteError(dtype="float64")
    for y, p, w in batches:
        m64.update_state(y, p, sample_weight=w)
    # the function's values are float32 (it computes in y_pred's dtype, as Keras), their sums float64
    values = np.concatenate([np.abs(y - p)[:, 0].astype(np.float64) for y, p, _ in batches])
    weights = np.concatenate([w.astype(np.float64) for *_, w in batches])
    assert m64.result().dtype == np.float64
    assert m64.result() == pytest.approx((values * weights).sum() / weights.sum(), rel=1e-15)
    assert metrics.Mean(dtype="float16")([1.0, 2.0]).dtype == np.float16


@pytest.mark.parametrize("name", ["MeanAbsoluteError", "MeanSquaredError", "BinaryAccuracy", "Accuracy",
                                  "MeanAbsolutePercentageError", "Mean", "Sum"])
def test_standalone_metrics_match_keras_batch_after_batch(name):
    keras = keras_on_torch(REASON)
    ours, theirs = getattr(metrics, name)(), getattr(keras.metrics, name)()
    rng = np.random.default_rng(2)
    for n in (4, 3, 4, 4, 2):
        y = (rng.random((n, 1)) > 0.5).astype("float32")
        p = rng.random((n, 1)).astype("float32")
        if name == "Accuracy":
            p = np.round(p)
        w = rng.random(n).astype("float32")
        args = (p[:, 0],) if name in ("Mean", "Sum") else (y, p)
        ours.update_state(*args, sample_weight=w)
        theirs.update_state(*args, sample_weight=w)
        assert ours.result() == float(theirs.result()), name


def _fit(lib, model_kind, metric_names):
    rng = np.random.default_rng(1 if model_kind == "binary" else 3)
    x = rng.standard_normal((50 if model_kind == "binary" else 30, 3)).astype("float32")
    if model_kind == "binary":
        y = (rng.random((50, 1)) > 0.5).astype("float32")
        weights = [np.array([[0.1], [-0.2], [0.3]], "float32"), np.array([0.4], "float32")]
    else:
        y = np.eye(6, dtype="float32")[rng.integers(0, 6, 30)]
        weights = [np.linspace(-0.5, 0.5, 18, dtype="float32").reshape(3, 6), np.zeros(6, "float32")]
    model = lib.models.Sequential([lib.layers.Input((3,)), lib.layers.Dense(y.shape[1])])
    model.set_weights(weights)
    # learning rate 0: the weights stay the same in both libraries, so that the logs compare the metrics' float32
    # running means alone (with training, a gradient one float32 step apart, torch's MKL GEMM against OpenBLAS's
    # order of the batch sum, moves the weights apart and every later log with them)
    model.compile(lib.optimizers.SGD(0.0), "mse", metrics=metric_names)
    history = model.fit(x, y, epochs=3, batch_size=4, shuffle=False, verbose=0, validation_data=(x[:22], y[:22]))
    return history.history, model.evaluate(x, y, batch_size=4, verbose=0, return_dict=True)


@pytest.mark.parametrize("model_kind, metric_names", [
    ("binary", ["mae", "mse", "accuracy", "binary_accuracy", "binary_crossentropy", "Precision", "Recall"]),
    ("classes", ["categorical_accuracy", "top_k_categorical_accuracy", "accuracy"]),
])
def test_compiled_string_metrics_log_keras_values_to_the_bit(model_kind, metric_names):
    keras = keras_on_torch(REASON)
    (theirs, theirs_eval), (ours, ours_eval) = _fit(keras, model_kind, metric_names), _fit(tg, model_kind, metric_names)
    assert sorted(ours) == sorted(theirs)
    # the metrics' logs: three epochs of the same Python floats (the loss of 6 columns may differ in its last
    # float32 digit, where torch's float32 sum of a row adds in another order than NumPy's)
    keys = [key for key in theirs if key.removeprefix("val_") != "loss" or model_kind == "binary"]
    for key in keys:
        assert ours[key] == theirs[key], key
    assert {k: ours_eval[k] for k in metric_names} == {k: theirs_eval[k] for k in metric_names}
    if model_kind == "binary":
        assert ours_eval == theirs_eval


def test_a_sparse_categorical_accuracy_matches_keras():
    keras = keras_on_torch(REASON)
    rng = np.random.default_rng(4)
    ours, theirs = metrics.SparseCategoricalAccuracy(), keras.metrics.SparseCategoricalAccuracy()
    for n in (4, 4, 3):
        labels, scores, w = rng.integers(0, 5, (n, 1)), rng.random((n, 5)).astype("float32"), rng.random(n)
        ours.update_state(labels, scores, sample_weight=w.astype("float32"))
        theirs.update_state(labels, scores, sample_weight=w.astype("float32"))
        assert ours.result() == float(theirs.result())


# ------------------------------------------------------------------ 2. the median of an empty input
@pytest.mark.parametrize("shape, axis", [((0, 3), 0), ((0, 3), 1), ((0, 3), None), ((3, 0), -1), ((2, 0, 3), (0, 2)),
                                         ((0,), 0)])
def test_the_median_of_an_empty_input_raises_as_keras(shape, axis):
    with pytest.raises(ValueError, match=re.escape(f"empty tensor of shape {shape} (with axis={axis!r})")):
        tg.ops.median(np.zeros(shape, "float32"), axis=axis)
    keras = keras_on_torch("Keras 3.15 on torch is the reference of the median of an empty input")
    with pytest.raises(RuntimeError, match="non-empty"):
        keras.ops.median(keras.ops.zeros(shape), axis=axis)


def test_the_median_of_an_empty_input_reports_a_bad_axis_first():
    with pytest.raises(tg.validation.AxisError, match="axis 5"):
        tg.ops.median(np.zeros((0, 3)), axis=5)


# ------------------------------------------------------------------ 3. Lambda's dtype
def _lambda_dtypes(lib):
    def dtype(t):
        return str(t.dtype).replace("torch.", "")

    out = {}
    for policy in (None, "float64", "float16"):
        layer = lib.layers.Lambda(lambda t: t) if policy is None else lib.layers.Lambda(lambda t: t, dtype=policy)
        out[policy] = [dtype(layer(a)) for a in (np.array([[1, 2]]), np.array([[1, 2]], "int32"),
                                                   np.array([[True]]), np.array([[0.5]], "float64"),
                                                   np.array([[0.5]], "float16"))]
        out[policy].append([dtype(v) for v in layer([np.array([[0.5]]), np.array([[1]])])])
    inputs = lib.layers.Input((2,), dtype="float64")
    hidden = lib.layers.Lambda(lambda t: t * 2)(lib.layers.Identity(dtype="float64")(inputs))
    model = lib.models.Model(inputs, lib.layers.Identity(dtype="float64")(hidden))
    predicted = model.predict(np.array([[1 / 3, 2 / 3]]), verbose=0)
    out["float64 model"] = [dtype(hidden), str(predicted.dtype), predicted.tolist()]
    return out


def test_lambda_casts_float_inputs_to_its_policy_as_keras():
    keras = keras_on_torch("Keras 3.15 on torch is the reference of Lambda's dtype")
    ours = _lambda_dtypes(tg)
    assert ours == _lambda_dtypes(keras)
    # the hidden float32 step rounds 1/3 and 2/3 (Keras' default policy: float32 for a Lambda without dtype)
    assert ours["float64 model"][1:] == ["float64", [[2 * float(f32(1 / 3)), 2 * float(f32(2 / 3))]]]


_FLOATX64 = """
import os, sys
import numpy as np
lib = __import__(sys.argv[1])
lib.config.set_floatx("float64")
layer = lib.layers.Lambda(lambda t: t)
inputs = lib.layers.Input((2,))
out = lib.models.Model(inputs, lib.layers.Lambda(lambda t: t / 3)(inputs)).predict(np.array([[1.0, 2.0]]), verbose=0)
print(str(layer.dtype), str(layer(np.array([[0.5]], "float32")).dtype).replace("torch.", ""), out.dtype, out.tolist())
"""


def test_lambda_follows_floatx_float64_as_keras():
    keras_on_torch("Keras 3.15 on torch is the reference of Lambda's dtype under floatx float64")
    env = dict(os.environ, KERAS_BACKEND="torch")

    def run(module):
        return subprocess.run([sys.executable, "-c", _FLOATX64, module], capture_output=True, text=True, env=env,
                              check=True).stdout.strip().splitlines()[-1]

    ours = run("tinygradconv")
    assert ours == run("keras")
    assert ours.startswith("float64 float64 float64")
