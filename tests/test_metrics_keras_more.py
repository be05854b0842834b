"""Precision, Recall, AUC, RootMeanSquaredError and the confusion-matrix counts: hand-computed cases, Keras 3 (on
torch) as reference for streams of batches, lookup and configs, argument errors, and use through a model."""
import csv
import math
import re

import numpy as np
import pytest
from helpers import keras_on_torch

from tinygradconv import callbacks, layers, metrics, models

REASON = "Keras 3 is the reference for the confusion-matrix metrics"


# ------------------------------------------------------------------------------------------------ by hand
def test_counts_by_hand_with_ties_weights_and_several_batches():
    # threshold 0.5: 0.5 itself is not above it (strict), 0 and 1 are predictions like any other
    stream = [([1, 1, 0, 0, 1], [0.9, 0.5, 0.5, 0.1, 1.0], [1.0, 2.0, 3.0, 4.0, 5.0]),
              ([0, 1, 0], [1.0, 0.0, 0.7], [0.5, 1.0, 2.0])]
    # batch 1: tp = 1 + 5 (0.9, 1.0), fn = 2 (0.5), fp = 0, tn = 3 + 4; batch 2: fp = 0.5 + 2, fn = 1
    expected = {metrics.TruePositives: 6.0, metrics.FalseNegatives: 3.0, metrics.FalsePositives: 2.5,
                metrics.TrueNegatives: 7.0}
    for cls, value in expected.items():
        m = cls()
        for y, p, w in stream:
            m.update_state(y, p, sample_weight=w)
        assert m.result() == value and isinstance(m.result(), float), cls.__name__
    precision, recall = metrics.Precision(), metrics.Recall()
    for y, p, w in stream:
        precision.update_state(y, p, sample_weight=w)
        recall.update_state(y, p, sample_weight=w)
    assert precision.result() == pytest.approx(6 / 8.5)
    assert recall.result() == pytest.approx(6 / 9)
    unweighted = metrics.Precision()
    for y, p, _ in stream:
        unweighted.update_state(y, p)
    assert unweighted.result() == pytest.approx(2 / 4)      # 0.9, 1.0 right; 1.0, 0.7 wrong


def test_several_thresholds_give_one_value_each():
    y, p = [[1], [0], [1], [0]], [[0.2], [0.4], [0.6], [0.8]]
    tp = metrics.TruePositives(thresholds=[0.1, 0.5, 0.7])(y, p)
    np.testing.assert_array_equal(tp, [2, 1, 0])
    precision = metrics.Precision(thresholds=[0.1, 0.5, 0.7])(y, p)
    np.testing.assert_allclose(precision, [2 / 4, 1 / 2, 0 / 1])
    recall = metrics.Recall(thresholds=(0.0, 0.5, 1.0))(y, p)     # evenly spaced: Keras counts by bucket
    np.testing.assert_allclose(recall, [1.0, 0.5, 0.0])
    assert metrics.Recall(thresholds=[0.3])(y, p) == 0.5              # one threshold in a list: a float, as Keras
    assert repr(metrics.TruePositives(thresholds=[0.1, 0.5, 0.7])) == "<TruePositives name='true_positives' " \
                                                                       "result=[0., 0., 0.]>"


def test_top_k_and_class_id_by_hand():
    y = [[0, 0, 1, 1], [1, 0, 0, 1]]
    p = [[0.9, 0.8, 0.3, 0.1], [0.6, 0.2, 0.1, 0.7]]
    # top 2 of each row: row 1 {0, 1} (0 right of 2), row 2 {3, 0} (2 right): precision 2/4, recall 2/4
    assert metrics.Precision(top_k=2)(y, p) == 0.5
    assert metrics.Recall(top_k=2)(y, p) == 0.5
    assert metrics.Precision(top_k=1)(y, p) == 0.5                   # 0.9 wrong, 0.7 right
    assert metrics.Recall(class_id=3)(y, p) == 0.5                    # column 3: 0.1 missed, 0.7 found
    assert metrics.Precision(class_id=0)(y, p) == 0.5                 # column 0: 0.9 wrong, 0.6 right
    assert metrics.Precision(top_k=1, class_id=0)(y, p) == 0.0        # 0.6 is not in row 2's top 1
    assert metrics.Recall(top_k=2, thresholds=0.65)(y, p) == 0.25     # only 0.7 passes both


def test_top_k_ranks_nan_first_as_torch_topk():
    """A NaN prediction takes a top-k place and is never above the threshold (Keras' torch.topk ranks NaN above
    every number); NumPy's sort put it last, so the next score moved up: a row gone NaN scored as a hit."""
    y = [[0, 1, 0], [1, 0, 1]]
    p = [[0.0, 0.9, np.nan], [0.8, np.nan, 0.7]]
    # top 1: row 1 {NaN} (not positive), row 2 {NaN}: no positive predictions at all; top 2: row 1 {NaN, 0.9},
    # row 2 {NaN, 0.8}: 0.9 and 0.8 right, of 3 labels
    assert metrics.Precision(top_k=1)(y, p) == 0.0 and metrics.Recall(top_k=1)(y, p) == 0.0
    assert metrics.Precision(top_k=2)(y, p) == 1.0 and metrics.Recall(top_k=2)(y, p) == pytest.approx(2 / 3)


def test_top_k_with_nan_and_inf_matches_keras():
    keras = keras_on_torch(REASON)
    rng = np.random.default_rng(0)
    y = (rng.random((6, 5)) > 0.5).astype("float32")
    p = rng.random((6, 5)).astype("float32")
    p[0, 2], p[3, [1, 4]], p[4, 0], p[5, 3] = np.nan, np.nan, np.inf, -np.inf
    for name in ("Precision", "Recall"):
        for k in (1, 2, 3):
            ours, theirs = getattr(metrics, name)(top_k=k), getattr(keras.metrics, name)(top_k=k)
            ours.update_state(y, p)
            theirs.update_state(y, p)
            assert ours.result() == pytest.approx(float(theirs.result()), rel=1e-6), (name, k)


def test_auc_trapezoid_by_hand():
    # num_thresholds=3: thresholds -1e-7, 0.5, 1 + 1e-7. Predictions 0, 0.5, 0.3, 0.9 with labels 0, 0, 1, 1:
    # at -1e-7 everything is positive: (fpr, tpr) = (1, 1); at 0.5 only 0.9: (0, 0.5); at 1 + 1e-7: (0, 0)
    y, p = [0, 0, 1, 1], [0.0, 0.5, 0.3, 0.9]
    assert metrics.AUC(num_thresholds=3)(y, p) == pytest.approx((1 - 0) * (1 + 0.5) / 2)
    assert metrics.AUC(num_thresholds=3, summation_method="minoring")(y, p) == pytest.approx(0.5)
    assert metrics.AUC(num_thresholds=3, summation_method="majoring")(y, p) == pytest.approx(1.0)
    # PR, minoring: (recall, precision) = (1, 0.5), (0.5, 1), (0, 0): 0.5 * 0.5 + 0.5 * 0
    assert metrics.AUC(num_thresholds=3, curve="PR", summation_method="minoring")(y, p) == pytest.approx(0.25)


def _pairwise_auc(y, p):
    """The exact ROC AUC: the fraction of (positive, negative) pairs ordered right, ties counting one half."""
    pos, neg = [s for s, t in zip(p, y) if t], [s for s, t in zip(p, y) if not t]
    return sum((a > b) + 0.5 * (a == b) for a in pos for b in neg) / (len(pos) * len(neg))


def test_auc_with_one_prediction_per_bucket_is_the_exact_auc(rng):
    # with 200 thresholds, predictions 1/199 apart fall in distinct buckets: the trapezoids give the pair count
    p = (np.arange(1, 41) * 4 + 0.5) / 199
    y = rng.integers(0, 2, 40)
    m = metrics.AUC()
    for part in np.array_split(np.arange(40), 3):
        m.update_state(y[part], p[part])
    assert m.result() == pytest.approx(_pairwise_auc(y, p), rel=1e-6)
    assert metrics.AUC()([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]) == pytest.approx(1.0)


def test_rmse_by_hand():
    m = metrics.RootMeanSquaredError()
    m.update_state([[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [0.0, 0.0]])      # squared errors 1, 0, 0, 0
    m.update_state([[3.0]], [[1.0]], sample_weight=[2.0])                   # 4, twice
    assert m.result() == pytest.approx(math.sqrt((0.5 + 0.0 + 2 * 4) / 4))
    m.reset_state()
    assert m.result() == 0.0


def test_nothing_seen_and_only_negatives_give_zero():
    for m in (metrics.Precision(), metrics.Recall(), metrics.AUC(), metrics.AUC(curve="PR"),
              metrics.TruePositives(), metrics.RootMeanSquaredError()):
        assert m.result() == 0.0, m.name
    y, p = [[0], [0], [0]], [[0.2], [0.7], [1.0]]
    assert metrics.Recall()(y, p) == 0.0          # no positive label: tp + fn == 0
    assert metrics.Precision()(y, p) == 0.0       # two predicted positives, both wrong
    assert metrics.AUC()(y, p) == 0.0             # the true positive rate is 0 everywhere
    m = metrics.Precision()
    m.update_state([[1]], [[0.9]])
    m.reset_state()
    assert m.result() == 0.0 and m.true_positives.tolist() == [0.0]


# ------------------------------------------------------------------------------------------------ against Keras
def _binary_stream(seed, weighted):
    """Batches of binary labels and scores with the ties that matter: exactly 0, 0.5 and 1, the thresholds used
    below, AUC's bucket edges i/199, in float32 (as Keras computes)."""
    rng = np.random.default_rng(seed)
    special = np.array([0.0, 1.0, 0.5, 0.3, 0.25, 0.75, 0.1, 0.9, 3 / 199, 100 / 199, 198 / 199, 0.5], np.float32)
    batches = []
    for n in (12, 7, 9):
        p = np.where(rng.random(n) < 0.5, rng.choice(special, n), rng.random(n)).astype(np.float32)
        y = (rng.random(n) < 0.5).astype(np.float32)
        w = rng.choice(np.array([0.0, 0.5, 1.0, 2.0, 3.5], np.float32), n) if weighted else None
        batches.append((y[:, None], p[:, None], w))
    return batches


def _multiclass_stream(seed, weighted, classes=4):
    """Batches of multi-label targets and scores (no ties inside a row, so that top_k is well defined)."""
    rng = np.random.default_rng(seed)
    batches = []
    for n in (6, 5):
        p = np.stack([rng.permutation(classes) for _ in range(n)]).astype(np.float32) / classes
        p += rng.random((n, 1)).astype(np.float32) * 0.2
        y = (rng.random((n, classes)) < 0.4).astype(np.float32)
        w = rng.choice(np.array([0.0, 1.0, 2.0], np.float32), n) if weighted else None
        batches.append((y, p.astype(np.float32), w))
    return batches


def _compare(ours, theirs, batches):
    for y, p, w in batches:
        ours.update_state(y, p, sample_weight=w)
        theirs.update_state(y, p, sample_weight=w)
        np.testing.assert_allclose(ours.result(), np.asarray(theirs.result()), rtol=2e-6, atol=2e-7,
                                   err_msg=ours.name)


BINARY_CASES = [
    ("Precision", {}), ("Recall", {}), ("Precision", {"thresholds": 0.3}), ("Recall", {"thresholds": 0.0}),
    ("Precision", {"thresholds": [0.1, 0.5, 0.9]}), ("Recall", {"thresholds": [0.0, 0.25, 0.5, 0.75, 1.0]}),
    ("Precision", {"thresholds": [0.0, 0.5, 1.0]}), ("TruePositives", {}), ("FalsePositives", {"thresholds": 0.3}),
    ("TrueNegatives", {"thresholds": [0.0, 0.3, 1.0]}), ("FalseNegatives", {"thresholds": [0.25, 0.9]}),
    ("AUC", {}), ("AUC", {"summation_method": "minoring"}), ("AUC", {"summation_method": "majoring"}),
    ("AUC", {"curve": "PR"}), ("AUC", {"curve": "PR", "summation_method": "minoring"}),
    ("AUC", {"curve": "PR", "summation_method": "majoring"}), ("AUC", {"curve": "PRGAIN"}),
    ("AUC", {"num_thresholds": 2}), ("AUC", {"num_thresholds": 7, "curve": "PR"}),
    ("AUC", {"thresholds": [0.3, 0.5, 0.1]}), ("AUC", {"thresholds": [0.25, 0.5, 0.75], "curve": "PR"}),
    ("RootMeanSquaredError", {}),
]


@pytest.mark.parametrize("weighted", [False, True], ids=["plain", "weighted"])
@pytest.mark.parametrize("cls, kwargs", BINARY_CASES, ids=[f"{c}-{k}" for c, k in BINARY_CASES])
def test_binary_streams_match_keras(cls, kwargs, weighted):
    keras = keras_on_torch(REASON)
    _compare(getattr(metrics, cls)(**kwargs), getattr(keras.metrics, cls)(**kwargs), _binary_stream(1, weighted))


MULTICLASS_CASES = [
    ("Precision", {"top_k": 1}), ("Recall", {"top_k": 2}), ("Precision", {"class_id": 2}),
    ("Recall", {"class_id": 0, "thresholds": [0.2, 0.6]}), ("Precision", {"top_k": 2, "class_id": 1}),
    ("Recall", {"top_k": 3, "thresholds": 0.4}), ("Precision", {"top_k": 2, "thresholds": [0.0, 0.5, 1.0]}),
    ("AUC", {"multi_label": True}), ("AUC", {"multi_label": True, "curve": "PR", "num_labels": 4}),
    ("AUC", {"multi_label": True, "label_weights": [1.0, 0.0, 2.0, 0.5]}),
    ("AUC", {"label_weights": [1.0, 0.0, 2.0, 0.5], "curve": "PR"}), ("AUC", {"summation_method": "majoring"}),
]


@pytest.mark.parametrize("weighted", [False, True], ids=["plain", "weighted"])
@pytest.mark.parametrize("cls, kwargs", MULTICLASS_CASES, ids=[f"{c}-{k}" for c, k in MULTICLASS_CASES])
def test_multiclass_streams_match_keras(cls, kwargs, weighted):
    keras = keras_on_torch(REASON)
    _compare(getattr(metrics, cls)(**kwargs), getattr(keras.metrics, cls)(**kwargs), _multiclass_stream(2, weighted))


def test_auc_from_logits_and_all_negative_streams_match_keras():
    keras = keras_on_torch(REASON)
    rng = np.random.default_rng(3)
    logits = [(rng.integers(0, 2, (8, 1)).astype(np.float32), rng.normal(0, 3, (8, 1)).astype(np.float32), None)
              for _ in range(3)]
    _compare(metrics.AUC(from_logits=True), keras.metrics.AUC(from_logits=True), logits)
    negatives = [(np.zeros_like(p), p, w) for _, p, w in _binary_stream(4, True)]
    for cls, kwargs in [("Precision", {}), ("Recall", {}), ("AUC", {}), ("AUC", {"curve": "PR"}),
                        ("AUC", {"curve": "PRGAIN"}), ("Recall", {"thresholds": [0.0, 0.5, 1.0]})]:
        ours, theirs = getattr(metrics, cls)(**kwargs), getattr(keras.metrics, cls)(**kwargs)
        _compare(ours, theirs, negatives)
    for cls in ("Precision", "Recall", "AUC", "TruePositives", "RootMeanSquaredError"):  # nothing seen
        assert getattr(metrics, cls)().result() == float(getattr(keras.metrics, cls)().result())


@pytest.mark.parametrize("cls, kwargs", [("Precision", {}), ("Recall", {"thresholds": [0.0, 0.5, 1.0]}),
                                         ("AUC", {}), ("AUC", {"curve": "PR"}), ("FalsePositives", {}),
                                         ("RootMeanSquaredError", {})])
def test_ranks_dtypes_and_weight_shapes_match_keras(cls, kwargs):
    """Integer labels, float64 predictions a hair above the thresholds (equal to them in Keras' float32), rank 1
    and rank 3 data, per-element and scalar weights, predictions outside [0, 1]."""
    keras = keras_on_torch(REASON)
    rng = np.random.default_rng(5)
    cases = [(rng.integers(0, 2, 10), np.round(rng.random(10) * 4) / 4 + 1e-12, None),
             (rng.integers(0, 2, (10, 3, 2)), rng.random((10, 3, 2)), rng.random((10, 3))),
             (rng.integers(0, 2, (10, 1)), rng.random(10), rng.random((10, 1))),
             (rng.integers(0, 2, (10, 2)), rng.random((10, 2)) * 1.4 - 0.2, 2.0)]
    for y, p, w in cases:
        ours, theirs = getattr(metrics, cls)(**kwargs), getattr(keras.metrics, cls)(**kwargs)
        ours.update_state(y, p, sample_weight=w)
        theirs.update_state(y, p, sample_weight=w)
        np.testing.assert_allclose(ours.result(), np.asarray(theirs.result()), rtol=2e-6, atol=1e-7,
                                   err_msg=f"{cls} {p.shape}")


def test_names_configs_and_directions_match_keras():
    keras = keras_on_torch(REASON)
    cases = [("Precision", {"thresholds": [0.2, 0.4], "top_k": 2, "class_id": 1}), ("Recall", {}),
             ("AUC", {"curve": "PR", "summation_method": "majoring", "num_thresholds": 50}),
             ("AUC", {"thresholds": [0.5, 0.25]}), ("TruePositives", {"thresholds": 0.3}),
             ("FalseNegatives", {}), ("RootMeanSquaredError", {})]
    for cls, kwargs in cases:
        ours, theirs = getattr(metrics, cls)(**kwargs), getattr(keras.metrics, cls)(**kwargs)
        assert ours.name == re.sub(r"_\d+$", "", theirs.name)     # Keras numbers its default names: auc_3
        assert getattr(ours, "_direction", None) == getattr(theirs, "_direction", None), cls
        expected = {k: v for k, v in theirs.get_config().items() if k not in ("dtype", "name")}
        expected["name"] = ours.name
        assert ours.get_config() == expected, cls
        again = metrics.get({"class_name": cls, "config": ours.get_config()})
        assert type(again) is type(ours) and again.get_config() == ours.get_config()
    assert metrics.AUC(num_thresholds=3).thresholds == pytest.approx(keras.metrics.AUC(num_thresholds=3).thresholds)


# ------------------------------------------------------------------------------------------------ errors
@pytest.mark.parametrize("make, error, message", [
    (lambda: metrics.Precision(thresholds=1.5), ValueError, r"`thresholds`.*\[0, 1\].*Received thresholds=1\.5"),
    (lambda: metrics.Recall(thresholds=[0.2, -0.1]), ValueError, r"thresholds=\[0\.2, -0\.1\]"),
    (lambda: metrics.TruePositives(thresholds=[]), ValueError, r"non-empty.*Received thresholds=\[\]"),
    (lambda: metrics.FalsePositives(thresholds=[0.5, None]), TypeError, r"`thresholds`.*element None"),
    (lambda: metrics.Precision(thresholds="0.5"), TypeError, r"`thresholds`.*Received thresholds='0\.5'"),
    (lambda: metrics.Precision(thresholds=float("nan")), ValueError, r"Received thresholds=nan"),
    (lambda: metrics.Precision(top_k=0), ValueError, r"`top_k`.*strictly positive.*Received top_k=0"),
    (lambda: metrics.Recall(top_k=1.5), TypeError, r"`top_k`.*Received top_k=1\.5"),
    (lambda: metrics.Recall(class_id=-1), ValueError, r"`class_id`.*non-negative.*Received class_id=-1"),
    (lambda: metrics.AUC(num_thresholds=1), ValueError, r"`num_thresholds`.*>= 2.*Received num_thresholds=1"),
    (lambda: metrics.AUC(curve="ROCK"), ValueError, r"`curve`.*\['ROC', 'PR', 'PRGAIN'\].*curve='ROCK'"),
    (lambda: metrics.AUC(summation_method="trapezoid"), ValueError, r"`summation_method`.*'interpolation'"),
    (lambda: metrics.AUC(thresholds=[0.5, 2.0]), ValueError, r"`thresholds`.*Received thresholds=\[0\.5, 2\.0\]"),
    (lambda: metrics.AUC(num_labels=3), ValueError, r"`num_labels`.*only with multi_label=True"),
    (lambda: metrics.AUC(multi_label="yes"), TypeError, r"`multi_label`.*Received multi_label='yes'"),
    (lambda: metrics.AUC(label_weights=[1.0, -1.0]), ValueError, r"`label_weights`.*non-negative"),
])
def test_invalid_arguments_fail_at_construction(make, error, message):
    with pytest.raises(error, match=message):
        make()


@pytest.mark.parametrize("metric, y, p, kwargs, message", [
    (metrics.Precision(), np.ones((3, 1)), np.ones((2, 1)), {},
     r"precision: y_true of shape \(3, 1\) and y_pred of shape \(2, 1\) must have the same shape"),
    (metrics.AUC(), np.ones((4, 2)), np.ones((4, 3)), {}, r"auc: y_true of shape \(4, 2\) and y_pred"),
    (metrics.Recall(class_id=3), np.ones((2, 3)), np.ones((2, 3)), {}, r"recall: class_id=3 needs y_pred"),
    (metrics.Recall(class_id=0), np.ones(3), np.ones(3), {}, r"class_id=0 needs y_pred of shape \(samples, "),
    (metrics.Precision(top_k=4), np.ones((2, 3)), np.ones((2, 3)), {}, r"top_k=4 needs predictions with at least 4"),
    (metrics.TruePositives(), np.ones((4, 1)), np.ones((4, 1)), {"sample_weight": [1.0, 2.0]},
     r"true_positives: sample_weight of shape \(2,\) does not broadcast"),
    (metrics.AUC(multi_label=True), np.ones(4), np.ones(4), {}, r"auc: y_pred must have rank 2"),
    (metrics.AUC(multi_label=True, num_labels=2), np.ones((4, 3)), np.ones((4, 3)), {}, r"has 3 labels.*counts 2"),
    (metrics.AUC(label_weights=[1.0, 2.0]), np.ones((4, 3)), np.ones((4, 3)), {}, r"label_weights of length 2"),
    (metrics.Precision(), ["a", "b"], [0.1, 0.2], {}, r"precision: `y_true` must hold numbers"),
])
def test_wrong_shapes_fail_at_update_with_clear_errors(metric, y, p, kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        metric.update_state(y, p, **kwargs)


# ------------------------------------------------------------------------------------------------ through a model
X = np.array([[1, 2], [0, 1], [-1, 0.5], [2, -1], [0.5, 0.5], [-2, 1]], "float32")
Y = np.array([[1], [0], [1], [0], [1], [0]], "float32")
WEIGHTS = [np.array([[0.3], [-0.2]], "float32"), np.zeros(1, "float32")]


def _history(lib):
    a = lib.layers.Input((2,))
    model = lib.Model(a, lib.layers.Dense(1, activation="sigmoid")(a))
    model.set_weights(WEIGHTS)
    model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["precision", "recall", "auc"])
    history = model.fit(X, Y, epochs=3, batch_size=4, shuffle=False, verbose=0,
                        validation_data=(X, Y)).history
    return history, model.evaluate(X, Y, verbose=0, return_dict=True)


def test_fit_and_evaluate_log_them_under_keras_names():
    ours, evaluated = _history(type("Ours", (), {"layers": layers, "Model": models.Model}))
    assert sorted(ours) == ["auc", "loss", "precision", "recall", "val_auc", "val_loss", "val_precision",
                            "val_recall"]
    assert sorted(evaluated) == ["auc", "loss", "precision", "recall"]
    keras = keras_on_torch(REASON)
    theirs, theirs_evaluated = _history(keras)
    for key in theirs:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-5, atol=1e-6, err_msg=key)
    for key in theirs_evaluated:
        np.testing.assert_allclose(evaluated[key], theirs_evaluated[key], rtol=1e-5, atol=1e-6, err_msg=key)


def _thresholds_history(lib):
    a = lib.layers.Input((2,))
    model = lib.Model(a, lib.layers.Dense(1, activation="sigmoid")(a))
    model.set_weights(WEIGHTS)
    model.compile(optimizer="sgd", loss="binary_crossentropy",
                  metrics=[lib.metrics.Precision(thresholds=[0.3, 0.5, 0.7], name="p")])
    return model.fit(X, Y, epochs=2, batch_size=4, shuffle=False, verbose=0).history


def test_several_thresholds_are_logged_as_one_array_per_epoch_as_keras(capsys):
    ours = _thresholds_history(type("Ours", (), {"layers": layers, "Model": models.Model, "metrics": metrics}))
    assert [np.shape(value) for value in ours["p"]] == [(3,), (3,)]
    keras = keras_on_torch(REASON)
    theirs = _thresholds_history(keras)
    np.testing.assert_allclose(np.array(ours["p"]), np.array(theirs["p"]), rtol=1e-6)


def test_early_stopping_maximises_val_auc_in_auto_mode():
    a = layers.Input((2,))
    model = models.Model(a, layers.Dense(1, activation="sigmoid")(a))
    model.set_weights(WEIGHTS)
    model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["auc", "root_mean_squared_error"])
    by_auc = callbacks.EarlyStopping(monitor="val_auc", patience=5)
    by_rmse = callbacks.EarlyStopping(monitor="val_root_mean_squared_error", patience=5)
    history = model.fit(X, Y, epochs=3, batch_size=6, verbose=0, validation_data=(X, 1 - Y),
                        callbacks=[by_auc, by_rmse]).history
    assert by_auc._mode == "max" and by_rmse._mode == "min"
    assert by_auc.best == max(history["val_auc"]) and by_rmse.best == min(history["val_root_mean_squared_error"])


def _thresholds_model():
    a = layers.Input((2,))
    model = models.Model(a, layers.Dense(1, activation="sigmoid")(a))
    model.set_weights(WEIGHTS)
    model.compile(optimizer="sgd", loss="binary_crossentropy",
                  metrics=[metrics.Precision(thresholds=[0.3, 0.5, 0.7], name="p")])
    return model


def test_callbacks_on_a_metric_with_several_thresholds(tmp_path):
    with pytest.raises(ValueError, match="EarlyStopping: monitor='val_p' has one value per threshold"):
        _thresholds_model().fit(X, Y, epochs=1, verbose=0, validation_data=(X, Y),
                                callbacks=[callbacks.EarlyStopping(monitor="val_p", mode="max")])
    checkpoint = callbacks.ModelCheckpoint(str(tmp_path / "m{epoch}.weights.npz"), monitor="val_p", mode="max",
                                           save_best_only=True, save_weights_only=True)
    csv_path = tmp_path / "log.csv"
    with pytest.warns(UserWarning, match="Falling back to `save_best_only=False`"):   # Keras' warning
        history = _thresholds_model().fit(X, Y, epochs=2, verbose=0, validation_data=(X, Y),
                                          callbacks=[checkpoint, callbacks.CSVLogger(str(csv_path))]).history
    assert (tmp_path / "m1.weights.npz").exists() and (tmp_path / "m2.weights.npz").exists()
    rows = list(csv.DictReader(csv_path.open()))
    # the cell is '"[a, b]"', quotes included, as Keras' CSVLogger writes it
    written = [[float(v) for v in row["p"].strip('"[]').split(", ")] for row in rows]
    np.testing.assert_array_equal(written, np.array(history["p"]))     # every element, in full


def test_model_checkpoint_says_improved_from_none_at_first_as_keras(tmp_path, capsys):
    checkpoint = callbacks.ModelCheckpoint(str(tmp_path / "m.weights.npz"), monitor="val_loss", save_best_only=True,
                                           save_weights_only=True, verbose=1)
    _thresholds_model().fit(X, Y, epochs=1, verbose=0, validation_data=(X, Y), callbacks=[checkpoint])
    assert "val_loss improved from None to " in capsys.readouterr().out


def test_auc_label_weights_of_the_wrong_length_are_named_at_the_first_batch():
    m = metrics.AUC(multi_label=True, label_weights=[1.0, 2.0])
    with pytest.raises(ValueError, match=r"auc: label_weights has 2 weights, but y_pred has 3 labels"):
        m.update_state(np.ones((4, 3)), np.full((4, 3), 0.5))
