"""R2Score, FBetaScore and F1Score against Keras 3.15 on torch, compared after every batch.

References, never the code under test: Keras 3's metric classes fed the same batches, the numbers printed in Keras'
docstrings, and values worked out by hand.
"""
import warnings

import numpy as np
import pytest
from helpers import keras_on_torch

from tinygradconv import layers, metrics, models

KERAS = "Keras 3 is the reference for R2Score and the F-scores"
TOL = {"rtol": 2e-6, "atol": 2e-7}


def _compare(ours, theirs, batches):
    """Feed both metrics the same batches; their results must agree after each one."""
    for i, (y, p, w) in enumerate(batches):
        kwargs = {} if w is None else {"sample_weight": w}
        ours.update_state(y, p, **kwargs)
        theirs.update_state(y, p, **kwargs)
        expected = np.asarray(theirs.result().detach().cpu().numpy(), dtype=np.float64)
        got = ours.result()
        assert np.shape(got) == expected.shape, f"batch {i}"
        assert isinstance(got, float) if expected.ndim == 0 else got.dtype == np.float64
        np.testing.assert_allclose(got, expected, equal_nan=True, err_msg=f"batch {i}", **TOL)


def _batches(rng, shape, n=3, weights=None, targets=None, predictions=None):
    out = []
    for _ in range(n):
        y = rng.standard_normal(shape).astype("float32") if targets is None else targets(rng, shape)
        p = (y + 0.5 * rng.standard_normal(shape)).astype("float32") if predictions is None else predictions(rng, y)
        w = None if weights is None else rng.uniform(0.0, 2.0, weights).astype("float32")
        out.append((y, p, w))
    return out


# ------------------------------------------------------------------------------------------------ R2Score
@pytest.mark.parametrize("aggregation", ["uniform_average", "variance_weighted_average", None], ids=str)
@pytest.mark.parametrize("weights", [None, (5,), (5, 3)], ids=["unweighted", "per-sample", "per-value"])
@pytest.mark.parametrize("regressors", [0, 2])
def test_r2_matches_keras_batch_by_batch(aggregation, weights, regressors):
    keras = keras_on_torch(KERAS)
    rng = np.random.default_rng(11)
    kwargs = {"class_aggregation": aggregation, "num_regressors": regressors}
    _compare(metrics.R2Score(**kwargs), keras.metrics.R2Score(**kwargs), _batches(rng, (5, 3), weights=weights))


def _constant(rng, shape):
    y = rng.standard_normal(shape).astype("float32")
    y[:, 0] = 2.0         # one column of constant targets: SS_tot = 0 exactly
    return y


@pytest.mark.parametrize("aggregation", ["uniform_average", "variance_weighted_average", None], ids=str)
@pytest.mark.parametrize("exact", [False, True], ids=["errors", "exact"])
def test_r2_with_constant_targets_matches_keras(aggregation, exact):
    """A constant column: an infinite R2 (errors) counts 0; exact predictions give 0 / 0, NaN, as in Keras."""
    keras = keras_on_torch(KERAS)
    rng = np.random.default_rng(5)
    predictions = (lambda rng, y: y.copy()) if exact else None
    batches = _batches(rng, (4, 3), targets=_constant, predictions=predictions)
    _compare(metrics.R2Score(class_aggregation=aggregation), keras.metrics.R2Score(class_aggregation=aggregation),
             batches)
    batches = _batches(rng, (4, 1), targets=lambda rng, shape: np.full(shape, -0.5, "float32"))
    _compare(metrics.R2Score(class_aggregation=aggregation), keras.metrics.R2Score(class_aggregation=aggregation),
             batches)


def test_r2_hand_values_and_constant_column():
    m = metrics.R2Score(class_aggregation=None)
    m.update_state([[1.0, 2.0], [4.0, 2.0], [3.0, 2.0]], [[2.0, 2.0], [4.0, 3.0], [4.0, 2.0]])
    # column 0: SS_res 2, mean 8/3, SS_tot 14/3: 1 - 2 / (14/3) = 4/7; column 1: SS_tot 0 with errors -> 0
    np.testing.assert_allclose(m.result(), [4 / 7, 0.0], rtol=1e-6)
    m = metrics.R2Score()
    m.update_state([[3.0], [3.0]], [[3.0], [3.0]])
    assert np.isnan(m.result())


def test_r2_squeezes_like_keras_and_adjusts_with_warnings():
    keras = keras_on_torch(KERAS)
    rng = np.random.default_rng(2)
    y, p = rng.standard_normal(6).astype("float32"), rng.standard_normal((6, 1)).astype("float32")
    _compare(metrics.R2Score(), keras.metrics.R2Score(), [(y, p, None)])
    for k, words in [(5, "Division by zero"), (6, "More independent predictors")]:   # n = 6 values seen
        ours, theirs = metrics.R2Score(num_regressors=k), keras.metrics.R2Score(num_regressors=k)
        ours.update_state(y, p)
        theirs.update_state(y, p)
        with pytest.warns(UserWarning, match=words):
            got = ours.result()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert got == pytest.approx(float(theirs.result()), rel=1e-6)


def test_r2_reset_state_matches_keras():
    keras = keras_on_torch(KERAS)
    rng = np.random.default_rng(3)
    ours, theirs = metrics.R2Score(), keras.metrics.R2Score()
    _compare(ours, theirs, _batches(rng, (4, 2)))
    ours.reset_state()
    theirs.reset_state()
    assert np.isnan(ours.result()) and np.isnan(float(theirs.result()))    # zero sums: 0 / 0, as Keras
    _compare(ours, theirs, _batches(rng, (4, 2), weights=(4,)))
    assert metrics.R2Score().result() == 0.0         # nothing seen yet (Keras has no variables to read then)


# ------------------------------------------------------------------------------------------------ F-scores
def _labels(rng, shape):
    y = (rng.uniform(size=shape) < 0.4).astype("float32")
    y[:, -1] = 0.0        # a class never positive
    return y


def _scores(rng, y):
    p = rng.choice(np.array([0.0, 0.2, 0.3, 0.5, 0.7, 0.9], "float32"), size=y.shape)   # ties, zeros, 0.5 exactly
    p[0] = 0.0            # a row of zeros: nothing predicted with threshold=None
    p[1] = 0.7            # a row of ties: all of them predicted
    return p


@pytest.mark.parametrize("average", [None, "micro", "macro", "weighted"], ids=str)
@pytest.mark.parametrize("threshold", [None, 0.5, 0.25, 1.0], ids=str)
@pytest.mark.parametrize("weights", [None, (6,)], ids=["unweighted", "weighted"])
def test_f1_matches_keras_batch_by_batch(average, threshold, weights):
    keras = keras_on_torch(KERAS)
    rng = np.random.default_rng(21)
    batches = _batches(rng, (6, 4), weights=weights, targets=_labels, predictions=_scores)
    _compare(metrics.F1Score(average=average, threshold=threshold),
             keras.metrics.F1Score(average=average, threshold=threshold), batches)


@pytest.mark.parametrize("average", [None, "micro", "macro", "weighted"], ids=str)
@pytest.mark.parametrize("beta", [0.5, 2.0])
def test_fbeta_matches_keras_batch_by_batch(average, beta):
    keras = keras_on_torch(KERAS)
    rng = np.random.default_rng(8)
    batches = _batches(rng, (5, 3), weights=(5,), targets=_labels,
                       predictions=lambda rng, y: rng.uniform(size=y.shape).astype("float32"))
    _compare(metrics.FBetaScore(average=average, beta=beta, threshold=0.4),
             keras.metrics.FBetaScore(average=average, beta=beta, threshold=0.4), batches)


@pytest.mark.parametrize("average", [None, "micro", "macro", "weighted"], ids=str)
def test_f1_without_any_positive_matches_keras(average):
    keras = keras_on_torch(KERAS)
    rng = np.random.default_rng(4)
    batches = _batches(rng, (4, 3), targets=lambda rng, shape: np.zeros(shape, "float32"),
                       predictions=lambda rng, y: rng.uniform(size=y.shape).astype("float32"))
    batches.append((np.zeros((2, 3), "float32"), np.zeros((2, 3), "float32"), None))
    _compare(metrics.F1Score(average=average), keras.metrics.F1Score(average=average), batches)
    assert np.all(np.asarray(metrics.F1Score(average=average)(batches[0][0], batches[0][1])) == 0.0)


def test_f1_reset_state_and_hand_values():
    keras = keras_on_torch(KERAS)
    rng = np.random.default_rng(6)
    ours, theirs = metrics.F1Score(average="macro"), keras.metrics.F1Score(average="macro")
    _compare(ours, theirs, _batches(rng, (6, 4), targets=_labels, predictions=_scores))
    ours.reset_state()
    theirs.reset_state()
    _compare(ours, theirs, _batches(rng, (6, 4), targets=_labels, predictions=_scores))
    assert metrics.F1Score().result() == 0.0
    # y [[1, 0], [1, 1]], argmax predictions [[1, 0], [0, 1]]: class 0 tp 1 fn 1 -> 2/3; class 1 tp 1 -> 1
    m = metrics.F1Score()
    m.update_state([[1, 0], [1, 1]], [[0.9, 0.2], [0.3, 0.8]])
    np.testing.assert_allclose(m.result(), [2 / 3, 1.0], rtol=1e-6)


# ------------------------------------------------------------------------------------------------ names, configs
@pytest.mark.parametrize("name, cls", [("r2_score", metrics.R2Score), ("R2Score", metrics.R2Score),
                                       ("f1_score", metrics.F1Score), ("F1Score", metrics.F1Score),
                                       ("f_beta_score", metrics.FBetaScore), ("FBetaScore", metrics.FBetaScore)])
def test_get_by_keras_names(name, cls):
    keras = keras_on_torch(KERAS)
    metric = metrics.get(name)
    theirs = keras.metrics.get(name)
    assert type(metric) is cls and type(theirs).__name__ == cls.__name__
    assert metric.name == theirs.name == {metrics.R2Score: "r2_score", metrics.F1Score: "f1_score",
                                          metrics.FBetaScore: "fbeta_score"}[cls]
    assert metric._direction == "up"


@pytest.mark.parametrize("cls, kwargs", [
    ("R2Score", {"class_aggregation": None, "num_regressors": 3, "name": "r2"}),
    ("F1Score", {"average": "weighted", "threshold": 0.3, "name": "f1"}),
    ("FBetaScore", {"average": "micro", "beta": 2.0, "threshold": None, "name": "f2"}),
])
def test_config_has_keras_keys_and_reads_keras_configs(cls, kwargs):
    keras = keras_on_torch(KERAS)
    theirs = getattr(keras.metrics, cls)(**kwargs).get_config()
    ours = getattr(metrics, cls)(**kwargs).get_config()
    assert ours == {key: value for key, value in theirs.items() if key != "dtype"}
    again = metrics.get({"class_name": cls, "config": theirs})
    # Keras' config holds its dtype, float32, kept as written: the metric computes in float32 as Keras' does
    assert type(again) is getattr(metrics, cls) and again.get_config() == {**ours, "dtype": "float32"}


def test_compile_logs_keras_values():
    """metrics=["r2_score", "f1_score"] in compile: evaluate reports what Keras' metrics give for the same
    predictions, batch after batch."""
    keras = keras_on_torch(KERAS)
    rng = np.random.default_rng(9)
    x, y = rng.standard_normal((10, 4)).astype("float32"), np.eye(3, dtype="float32")[rng.integers(0, 3, 10)]
    model = models.Sequential([layers.Dense(3, activation="softmax")])
    model.compile("sgd", loss="categorical_crossentropy", metrics=["r2_score", "f1_score", "FBetaScore"])
    logs = model.evaluate(x, y, batch_size=4, verbose=0, return_dict=True)
    p = model.predict(x, verbose=0)
    references = {"r2_score": keras.metrics.R2Score(), "f1_score": keras.metrics.F1Score(),
                  "FBetaScore": keras.metrics.FBetaScore()}
    for start in range(0, 10, 4):
        for reference in references.values():
            reference.update_state(y[start:start + 4], p[start:start + 4])
    for name, reference in references.items():
        np.testing.assert_allclose(logs[name], reference.result().detach().numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("make, error, words", [
    (lambda: metrics.R2Score(class_aggregation="mean"), ValueError, "class_aggregation='mean'"),
    (lambda: metrics.R2Score(num_regressors=-1), ValueError, "num_regressors"),
    (lambda: metrics.R2Score(num_regressors=1.5), TypeError, "num_regressors"),
    (lambda: metrics.F1Score(average="samples"), ValueError, "average='samples'"),
    (lambda: metrics.FBetaScore(beta=0.0), ValueError, "beta=0.0"),
    (lambda: metrics.FBetaScore(beta="2"), ValueError, "beta='2'"),
    (lambda: metrics.F1Score(threshold=0.0), ValueError, "threshold=0.0"),
    (lambda: metrics.F1Score(threshold=1.5), ValueError, "threshold=1.5"),
    (lambda: metrics.F1Score(threshold=float("nan")), ValueError, "threshold=nan"),
    (lambda: metrics.F1Score(threshold=True), ValueError, "threshold=True"),
])
def test_bad_arguments_are_refused_when_made(make, error, words):
    with pytest.raises(error, match=words):
        make()


@pytest.mark.parametrize("cls", [metrics.R2Score, metrics.F1Score])
def test_bad_inputs_are_refused_naming_shapes(cls):
    m = cls()
    with pytest.raises(ValueError, match="2D inputs"):
        m.update_state(np.zeros((2, 3, 1, 1)), np.zeros((2, 3, 1, 1)))
    with pytest.raises(ValueError, match=r"y_true.shape=\(2, 1\), y_pred.shape=\(2, 3\)"):
        m.update_state(np.zeros((2, 1)), np.zeros((2, 3)))
    m.update_state(np.ones((2, 3)), np.ones((2, 3)))
    with pytest.raises(ValueError, match="4 columns"):
        m.update_state(np.ones((2, 4)), np.ones((2, 4)))
    with pytest.raises(ValueError, match="sample_weight"):
        m.update_state(np.ones((2, 3)), np.ones((2, 3)), sample_weight=np.ones(5))
    with pytest.raises(TypeError, match="y_true"):
        m.update_state(np.array([["a", "b", "c"]]), np.ones((1, 3)))
