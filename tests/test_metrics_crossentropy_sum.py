"""The metric classes ``BinaryCrossentropy``, ``CategoricalCrossentropy``, ``SparseCategoricalCrossentropy`` and
``Sum`` (a tester: ``metrics.get`` did not know these Keras names): hand-computed cases, Keras 3 (on torch) as the
reference for streams of batches with and without ``sample_weight``, names, configs and lookup, argument errors,
and use through ``compile``."""
import math
import re

import numpy as np
import pytest
from helpers import keras_on_torch

from tinygradconv import layers, metrics, models

REASON = "Keras 3 is the reference for the crossentropy metric classes and Sum"
RNG = np.random.default_rng(11)


def _probabilities(shape, axis=-1):
    p = RNG.uniform(0.05, 1.0, shape).astype("float32")
    return p / p.sum(axis=axis, keepdims=True)


def _stream(make):
    """Three batches ``(y_true, y_pred, sample_weight)`` from ``make()``, the weights one per sample."""
    return [(*make(), RNG.uniform(0.0, 2.0, 4).astype("float32")) for _ in range(3)]


def _one_hot(labels, classes, axis=-1):
    return np.moveaxis(np.eye(classes, dtype="float32")[labels], -1, axis)


BINARY = _stream(lambda: ((RNG.uniform(size=(4, 3)) > 0.5).astype("float32"),
                          RNG.uniform(0.02, 0.98, (4, 3)).astype("float32")))
BINARY_SOFT_LOGITS = _stream(lambda: (RNG.uniform(size=(4, 3)).astype("float32"),
                                      RNG.normal(scale=3.0, size=(4, 3)).astype("float32")))
CATEGORICAL = _stream(lambda: (_one_hot(RNG.integers(0, 3, 4), 3), _probabilities((4, 3))))
CATEGORICAL_LOGITS_AXIS1 = _stream(lambda: (_one_hot(RNG.integers(0, 3, (4, 2)), 3, axis=1),
                                            RNG.normal(scale=2.0, size=(4, 3, 2)).astype("float32")))
SPARSE = _stream(lambda: (RNG.integers(0, 3, 4), _probabilities((4, 3))))
SPARSE_IGNORED = _stream(lambda: (np.array([0, -1, 2, -1]), RNG.normal(size=(4, 3)).astype("float32")))
SPARSE_AXIS1 = _stream(lambda: (RNG.integers(0, 3, (4, 2)), _probabilities((4, 3, 2), axis=1)))

CASES = [
    ("BinaryCrossentropy", {}, BINARY),
    ("BinaryCrossentropy", {"label_smoothing": 0.2}, BINARY),
    ("BinaryCrossentropy", {"from_logits": True}, BINARY_SOFT_LOGITS),
    ("BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.1}, BINARY_SOFT_LOGITS),
    ("CategoricalCrossentropy", {}, CATEGORICAL),
    ("CategoricalCrossentropy", {"label_smoothing": 0.3}, CATEGORICAL),
    ("CategoricalCrossentropy", {"from_logits": True, "axis": 1}, CATEGORICAL_LOGITS_AXIS1),
    ("SparseCategoricalCrossentropy", {}, SPARSE),
    ("SparseCategoricalCrossentropy", {"from_logits": True, "ignore_class": -1}, SPARSE_IGNORED),
    ("SparseCategoricalCrossentropy", {"axis": 1}, SPARSE_AXIS1),
]


# ------------------------------------------------------------------------------------------------ by hand
def test_sum_by_hand():
    """Keras' docstring values, and values of rank 2: summed over the axes the weights do not have."""
    m = metrics.Sum()
    m.update_state([1, 3, 5, 7])
    assert m.result() == 16.0 and m.name == "sum"
    m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
    assert m.result() == 20.0                                    # 16 + 4
    m.reset_state()
    m.update_state([[1.0, 2.0], [3.0, 4.0]], sample_weight=[2.0, 0.5])
    assert m.result() == 2 * 3 + 0.5 * 7
    m.reset_state()
    m.update_state([[1.0, 2.0], [3.0, 4.0]], sample_weight=[[1.0, 0.0], [0.0, 2.0]])
    assert m.result() == 1.0 + 8.0
    assert metrics.Sum()(5.0) == 5.0


def test_crossentropies_by_hand():
    """From the definitions: two samples, the second weighted 3."""
    m = metrics.BinaryCrossentropy()
    m.update_state([[1.0, 0.0], [1.0, 1.0]], [[0.8, 0.4], [0.5, 0.9]], sample_weight=[1.0, 3.0])
    first = -(math.log(0.8) + math.log(0.6)) / 2
    second = -(math.log(0.5) + math.log(0.9)) / 2
    assert m.result() == pytest.approx((first + 3 * second) / 4, rel=1e-6)
    m = metrics.CategoricalCrossentropy(label_smoothing=0.5)      # targets [0.25, 0.75] and [0.75, 0.25]
    m.update_state([[0.0, 1.0], [1.0, 0.0]], [[0.5, 0.5], [0.2, 0.8]])
    expected = (-(0.25 + 0.75) * math.log(0.5) - (0.75 * math.log(0.2) + 0.25 * math.log(0.8))) / 2
    assert m.result() == pytest.approx(expected, rel=1e-6)
    m = metrics.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1)
    m.update_state([1, -1], [[0.0, 0.0], [5.0, -5.0]])
    assert m.result() == pytest.approx(math.log(2) / 2, rel=1e-6)  # unweighted: the ignored sample counts as 0
    m.reset_state()
    m.update_state([1, -1], [[0.0, 0.0], [5.0, -5.0]], sample_weight=[1.0, 1.0])
    assert m.result() == pytest.approx(math.log(2), rel=1e-6)      # weighted: its weight is masked


# ------------------------------------------------------------------------------------------------ Keras
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("name, kwargs, stream", CASES, ids=[f"{n}-{k}" for n, k, _ in CASES])
def test_streams_of_batches_as_keras(name, kwargs, stream, weighted):
    keras = keras_on_torch(REASON)
    ours, theirs = getattr(metrics, name)(**kwargs), getattr(keras.metrics, name)(**kwargs)
    for y, p, w in stream:
        ours.update_state(y, p, sample_weight=w if weighted else None)
        theirs.update_state(y, p, sample_weight=w if weighted else None)
        assert ours.result() == pytest.approx(float(theirs.result()), rel=2e-6, abs=1e-7), (name, kwargs)
    ours.reset_state()
    theirs.reset_state()
    assert ours.result() == float(theirs.result()) == 0.0


@pytest.mark.parametrize("weights", [None, "samples", "entries"])
def test_sum_as_keras(weights):
    keras = keras_on_torch(REASON)
    ours, theirs = metrics.Sum(), keras.metrics.Sum()
    for _ in range(3):
        values = RNG.normal(size=(4, 3)).astype("float32")
        w = {None: None, "samples": RNG.uniform(0, 2, 4), "entries": RNG.uniform(0, 2, (4, 3))}[weights]
        ours.update_state(values, sample_weight=w)
        theirs.update_state(values, sample_weight=None if w is None else w.astype("float32"))
        assert ours.result() == pytest.approx(float(theirs.result()), rel=2e-6, abs=1e-6)


def test_names_configs_directions_and_lookup_match_keras():
    keras = keras_on_torch(REASON)
    cases = [(name, kwargs) for name, kwargs, _ in CASES] + [("Sum", {})]
    for name, kwargs in cases:
        ours, theirs = getattr(metrics, name)(**kwargs), getattr(keras.metrics, name)(**kwargs)
        assert ours.name == re.sub(r"_\d+$", "", theirs.name)
        assert getattr(ours, "_direction", None) == getattr(theirs, "_direction", None), name
        expected = {k: v for k, v in theirs.get_config().items() if k != "dtype"}
        expected["name"] = ours.name
        assert ours.get_config() == expected, name
        again = metrics.get({"class_name": name, "config": theirs.get_config()})       # Keras' config, dtype too
        # its dtype, float32, kept as written: the metric computes in float32 as Keras' does
        assert type(again) is type(ours) and again.get_config() == {**ours.get_config(), "dtype": "float32"}
        found, k_found = metrics.get(name), keras.metrics.get(name)
        assert type(found).__name__ == type(k_found).__name__ == name
        assert found.get_config() == {k: v for k, v in k_found.get_config().items() if k != "dtype"} | {
            "name": found.name}


# ------------------------------------------------------------------------------------------------ errors
@pytest.mark.parametrize("name, kwargs, error, match", [
    ("BinaryCrossentropy", {"from_logits": "yes"}, TypeError, "from_logits"),
    ("BinaryCrossentropy", {"label_smoothing": 1.5}, ValueError, "label_smoothing"),
    ("CategoricalCrossentropy", {"label_smoothing": -0.1}, ValueError, "label_smoothing"),
    ("CategoricalCrossentropy", {"axis": 1.5}, TypeError, "axis"),
    ("SparseCategoricalCrossentropy", {"ignore_class": "void"}, TypeError, "ignore_class"),
    ("SparseCategoricalCrossentropy", {"axis": None}, TypeError, "axis"),
])
def test_bad_arguments_are_refused_when_the_metric_is_made(name, kwargs, error, match):
    with pytest.raises(error, match=match):
        getattr(metrics, name)(**kwargs)


def test_sum_refuses_values_that_are_not_numbers():
    with pytest.raises(TypeError, match="sum: `values` must hold numbers"):
        metrics.Sum().update_state(["a", "b"])
    with pytest.raises(ValueError, match="sample_weight of shape"):
        metrics.Sum().update_state([[1.0, 2.0]], sample_weight=[[1.0, 2.0, 3.0]])


# ------------------------------------------------------------------------------------------------ compile
def test_through_compile_as_keras():
    """``metrics=["BinaryCrossentropy", CategoricalCrossentropy(from_logits=True)]`` and a weighted one: the metric
    found by its class name is logged under that string, each with Keras' value (same weights in both models)."""
    keras = keras_on_torch(REASON)
    x = RNG.normal(size=(6, 3)).astype("float32")
    y = (RNG.uniform(size=(6, 2)) > 0.5).astype("float32")
    w = RNG.uniform(0.5, 1.5, 6).astype("float32")
    inputs = layers.Input((3,))
    ours = models.Model(inputs, layers.Dense(2, activation="sigmoid")(inputs))
    k_inputs = keras.Input((3,))
    theirs = keras.Model(k_inputs, keras.layers.Dense(2, activation="sigmoid")(k_inputs))
    theirs.set_weights(ours.get_weights())
    compiled = {"loss": "mse", "metrics": ["BinaryCrossentropy", metrics.CategoricalCrossentropy(from_logits=True)],
                "weighted_metrics": ["BinaryCrossentropy"]}
    ours.compile(optimizer="sgd", **compiled)
    theirs.compile(optimizer="sgd", loss="mse", weighted_metrics=["BinaryCrossentropy"],
                   metrics=["BinaryCrossentropy", keras.metrics.CategoricalCrossentropy(from_logits=True)])
    got = ours.evaluate(x, y, sample_weight=w, verbose=0, return_dict=True)
    expected = theirs.evaluate(x, y, sample_weight=w, verbose=0, return_dict=True)
    assert sorted(got) == sorted(expected) == ["BinaryCrossentropy", "categorical_crossentropy", "loss",
                                               "weighted_BinaryCrossentropy"]
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, rel=1e-5), key
