"""Metrics: accumulated results against explicit loops over the samples of several batches, hand-computed cases,
Keras' weighting rules, lookup and errors."""
import math
import re

import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv import metrics


def _batches(rng, make, sizes=(3, 5, 2)):
    return [make(rng, n) for n in sizes]


def _loop_mean(per_sample_rows, weights=None):
    """The weighted mean over every sample of every batch, one sample at a time."""
    total = count = 0.0
    for b, rows in enumerate(per_sample_rows):
        for i, value in enumerate(rows):
            w = 1.0 if weights is None else weights[b][i]
            total += w * value
            count += w
    return total / count


def test_mse_and_mae_accumulate_over_batches_weighted_by_sample_count(backend, rng):
    batches = _batches(rng, lambda r, n: (r.standard_normal((n, 4)), r.standard_normal((n, 4))))
    mse, mae = metrics.get("mse"), metrics.get("mae")
    for y, p in batches:
        mse.update_state(y, tg.Tensor(p, dtype="float64", backend=backend))
        mae.update_state(tg.Tensor(y, dtype="float64", backend=backend), p)
    rows_mse = [[sum((yi - pi) ** 2) / 4 for yi, pi in zip(y, p)] for y, p in batches]
    rows_mae = [[sum(abs(yi - pi)) / 4 for yi, pi in zip(y, p)] for y, p in batches]
    # without a dtype the sums are float32 (floatx()), as Keras' variables: the float64 loop to float32's precision
    assert mse.result() == pytest.approx(_loop_mean(rows_mse), rel=1e-6)
    assert mae.result() == pytest.approx(_loop_mean(rows_mae), rel=1e-6)
    assert isinstance(mse.result(), float) and mse.name == "mean_squared_error"     # Keras 3's name for "mse"
    mse.reset_state()
    assert mse.result() == 0.0


def test_sample_weights_weight_each_sample(rng):
    batches = _batches(rng, lambda r, n: (r.standard_normal((n, 2)), r.standard_normal((n, 2)), r.random(n)))
    m = metrics.MeanSquaredError(dtype="float64")     # float64 sums: the float64 loop to float64's precision
    for y, p, w in batches:
        m.update_state(y, p, sample_weight=w)
    rows = [[((yi - pi) ** 2).mean() for yi, pi in zip(y, p)] for y, p, _ in batches]
    assert m.result() == pytest.approx(_loop_mean(rows, [w for *_, w in batches]), rel=1e-12)


def test_binary_accuracy_hand_computed():
    m = metrics.BinaryAccuracy()
    m.update_state([[1], [1], [0], [0]], [[0.98], [0.5], [0.3], [0.1]])  # 0.5 is not > 0.5: predicted 0
    assert m.result() == pytest.approx(0.75)
    m.update_state([[1], [0]], [[0.6], [0.7]], sample_weight=[2.0, 0.0])  # counts as 2 more right
    assert m.result() == pytest.approx(5 / 6)
    assert metrics.BinaryAccuracy(threshold=0.95)([[1], [1]], [[0.98], [0.9]]) == pytest.approx(0.5)
    # several outputs per sample: each sample scores the fraction of its columns that are right
    multi = metrics.BinaryAccuracy()
    multi.update_state([[1, 0, 1], [0, 0, 0]], [[0.9, 0.9, 0.9], [0.1, 0.2, 0.3]])
    assert multi.result() == pytest.approx((2 / 3 + 1) / 2)


def test_binary_accuracy_compares_the_threshold_in_the_prediction_dtype():
    # Keras casts the threshold to y_pred's dtype: float32(0.3) is not > float32(0.3), although it is > 0.3 in float64
    pred = np.array([[0.3], [0.7]], np.float32)
    assert np.float32(0.3) > np.float64(0.3)      # the tie this test is about
    assert metrics.binary_accuracy([[0], [1]], pred, threshold=np.float64(0.3)).ravel().tolist() == [1.0, 1.0]
    assert metrics.BinaryAccuracy(threshold=np.float64(0.3))([[0], [1]], pred) == 1.0


def test_categorical_and_sparse_categorical_accuracy(backend, rng):
    batches = _batches(rng, lambda r, n: (r.integers(0, 4, n), r.standard_normal((n, 4))))
    cat, sparse, sparse_col = (metrics.CategoricalAccuracy(), metrics.SparseCategoricalAccuracy(),
                               metrics.SparseCategoricalAccuracy())
    for labels, scores in batches:
        pred = tg.Tensor(scores, dtype="float64", backend=backend)
        cat.update_state(np.eye(4)[labels], pred)
        sparse.update_state(labels, pred)
        sparse_col.update_state(labels[:, None].astype(float), scores)
    rows = [[float(max(range(4), key=lambda k: s[k]) == lab) for lab, s in zip(labels, scores)]
            for labels, scores in batches]
    for m in (cat, sparse, sparse_col):
        assert m.result() == pytest.approx(_loop_mean(rows)), m.name


def test_accuracy_is_exact_equality_and_resolves_like_compile():
    m = metrics.get("accuracy")
    m.update_state([1, 2, 3, 4], [1, 2, 0, 4])
    assert m.result() == pytest.approx(0.75) and type(m) is metrics.Accuracy
    assert type(metrics.get("accuracy", (8, 1), (8, 1))) is metrics.BinaryAccuracy
    assert type(metrics.get("acc", (8,), (8, 3))) is metrics.SparseCategoricalAccuracy
    assert type(metrics.get("acc", (8, 1), (8, 3))) is metrics.SparseCategoricalAccuracy
    assert type(metrics.get("Accuracy", np.zeros((8, 3)), np.zeros((8, 3)))) is metrics.CategoricalAccuracy
    assert metrics.get("acc", (8, 1), (8, 1)).name == "acc"


def test_metrics_build_no_graph():
    p = tg.tensor([[0.2, 0.8]], requires_grad=True)
    metrics.CategoricalAccuracy().update_state([[0.0, 1.0]], p)
    metrics.MeanSquaredError().update_state([[0.0, 1.0]], p)
    assert p.grad is None


def test_call_updates_and_returns_the_result():
    m = metrics.MeanAbsoluteError()
    assert m([[1.0]], [[0.0]]) == 1.0
    assert m([[3.0]], [[0.0]]) == 2.0


@pytest.mark.parametrize("name, cls", [("mse", metrics.MeanSquaredError), ("MSE", metrics.MeanSquaredError),
                                       ("mean_absolute_error", metrics.MeanAbsoluteError),
                                       ("binary_accuracy", metrics.BinaryAccuracy),
                                       ("categorical_accuracy", metrics.CategoricalAccuracy),
                                       ("sparse_categorical_accuracy", metrics.SparseCategoricalAccuracy),
                                       ("SparseCategoricalAccuracy", metrics.SparseCategoricalAccuracy),
                                       ("precision", metrics.Precision), ("recall", metrics.Recall),
                                       ("auc", metrics.AUC), ("AUC", metrics.AUC),
                                       ("root_mean_squared_error", metrics.RootMeanSquaredError),
                                       ("RootMeanSquaredError", metrics.RootMeanSquaredError),
                                       ("true_positives", metrics.TruePositives),
                                       ("false_positives", metrics.FalsePositives),
                                       ("true_negatives", metrics.TrueNegatives),
                                       ("false_negatives", metrics.FalseNegatives)])
def test_get_by_name(name, cls):
    m = metrics.get(name)
    # Keras 3's names (keras.metrics.get gives them whatever alias found the metric; checked with Keras 3.15)
    keras_name = {"mse": "mean_squared_error", "MSE": "mean_squared_error", "AUC": "auc",
                  "SparseCategoricalAccuracy": "sparse_categorical_accuracy",
                  "RootMeanSquaredError": "root_mean_squared_error"}.get(name, name)
    assert type(m) is cls and m.name == keras_name
    assert cls.__name__ in metrics.__all__


def test_get_instances_callables_configs_and_errors():
    m = metrics.BinaryAccuracy(threshold=0.3)
    assert metrics.get(m) is m
    again = metrics.get({"class_name": "BinaryAccuracy", "config": m.get_config()})
    assert again.get_config() == {"name": "binary_accuracy", "threshold": 0.3}

    def within_one(y_true, y_pred):
        return (np.abs(np.asarray(y_true) - np.asarray(y_pred)) <= 1).astype(float)

    wrapped = metrics.get(within_one)
    wrapped.update_state([0.0, 0.0, 0.0, 0.0], [0.5, 2.0, -1.0, 3.0])
    assert wrapped.result() == 0.5 and wrapped.name == "within_one"
    with pytest.raises(ValueError, match=r"Unknown metric: 'accuracyy'.*'accuracy'"):
        metrics.get("accuracyy")
    with pytest.raises(ValueError, match="Could not interpret"):
        metrics.get(7)
    with pytest.raises(ValueError, match="sample_weight of shape"):
        metrics.Mean().update_state([1.0, 2.0, 3.0], sample_weight=[1.0, 2.0])


@pytest.mark.filterwarnings("error")
def test_metrics_meet_inf_and_overflow_silently():
    """Found by a tester: the metrics (plain NumPy) printed RuntimeWarnings that neither Keras nor the ops print.
    Values by hand: inf - inf is NaN, inf * 0 is NaN, 1e308 + 1e308 overflows to inf."""
    assert np.isnan(metrics.mean_squared_error(np.array([[np.inf]]), np.array([[np.inf]]))).all()
    assert np.isnan(metrics.mean_absolute_error(np.array([[np.inf]]), np.array([[np.inf]]))).all()
    mean = metrics.Mean()
    mean.update_state([np.inf, -np.inf])
    assert math.isnan(mean.result())
    weighted = metrics.Mean()
    weighted.update_state([np.inf, 1.0], sample_weight=[0.0, 1.0])
    assert math.isnan(weighted.result())
    huge = metrics.Mean()
    huge.update_state([1e308, 1e308])
    assert huge.result() == math.inf
    squared = metrics.MeanSquaredError()
    squared.update_state(np.array([[1e30]], np.float32), np.array([[-1e30]], np.float32))
    assert squared.result() == math.inf


# ------------------------------------------------------------------- rank 0 and bad inputs (found by a tester)
@pytest.mark.parametrize("cls, expected", [(metrics.MeanSquaredError, (1.0 - 0.7) ** 2),
                                           (metrics.MeanAbsoluteError, 1.0 - 0.7)])
def test_error_metrics_take_rank_0_inputs_as_keras(cls, expected):
    """Keras 3 gives 0.09 and 0.3 (its mean over the last axis of a rank-0 value is the value); NumPy's mean over
    axis -1 raised AxisError."""
    np.testing.assert_allclose(cls()(np.float32(1.0), np.float32(0.7)), expected, rtol=1e-6)


@pytest.mark.parametrize("cls", [metrics.MeanSquaredError, metrics.MeanAbsoluteError, metrics.Accuracy,
                                 metrics.BinaryAccuracy])
def test_shapes_that_do_not_broadcast_are_named(cls):
    with pytest.raises(ValueError, match=r"y_true of shape \(3, 3\) and y_pred of shape \(2, 3\) do not broadcast"):
        cls()(np.ones((3, 3)), np.ones((2, 3)))


def test_non_numbers_and_missing_class_axes_are_named():
    with pytest.raises(TypeError, match=r"mean_squared_error: `y_true` must hold numbers\. Received y_true of dtype"):
        metrics.MeanSquaredError()(["a", "b"], [1.0, 2.0])
    with pytest.raises(TypeError, match=r"binary_accuracy: `y_pred` must hold numbers"):
        metrics.BinaryAccuracy()([1.0], ["x"])
    with pytest.raises(ValueError, match=r"sparse_categorical_accuracy: y_pred needs a class axis"):
        metrics.SparseCategoricalAccuracy()(np.float32(1), np.float32(0.3))
    with pytest.raises(ValueError, match=r"categorical_accuracy: y_true and y_pred need a class axis"):
        metrics.CategoricalAccuracy()(np.float32(1), np.float32(1))


def test_metrics_name_mismatched_batches_and_non_numeric_values():
    """Found by a tester: these raised NumPy's "operands could not be broadcast together with shapes (2,) (3,)" and
    "could not convert string to float", naming no argument."""
    with pytest.raises(ValueError, match=r"categorical_accuracy: y_true of shape \(2, 2\) and y_pred of shape "
                                         r"\(3, 2\) do not describe the same samples"):
        metrics.CategoricalAccuracy().update_state(np.eye(2), np.eye(3)[:, :2])
    with pytest.raises(ValueError, match=r"categorical_accuracy: y_true has 2 classes on its last axis and y_pred 3"):
        metrics.CategoricalAccuracy().update_state(np.eye(2), np.eye(3)[:2])
    with pytest.raises(ValueError, match=r"sparse_categorical_accuracy: y_true of shape \(3,\) and y_pred of shape "
                                         r"\(2, 2\)"):
        metrics.SparseCategoricalAccuracy().update_state([0, 1, 1], [[0.1, 0.9], [0.2, 0.8]])
    with pytest.raises(TypeError, match=r"^mean: `values` must hold numbers. Received values='x'"):
        metrics.Mean().update_state("x")
    with pytest.raises(TypeError, match=r"mean_squared_error: `sample_weight` must hold numbers"):
        metrics.MeanSquaredError().update_state([1.0], [2.0], sample_weight="x")
    # what fits still counts as before: labels with a trailing axis of 1, by hand
    assert metrics.SparseCategoricalAccuracy()([[0], [1]], [[0.9, 0.1], [0.8, 0.2]]) == 0.5


@pytest.mark.parametrize("update, argument, metric", [
    (lambda ragged: metrics.MeanSquaredError().update_state(ragged, [[1.0], [1.0]]), "y_true", "mean_squared_error"),
    (lambda ragged: metrics.Mean().update_state(ragged), "values", "mean"),
    (lambda ragged: metrics.SparseCategoricalAccuracy().update_state([0, 1], ragged), "y_pred",
     "sparse_categorical_accuracy"),
    (lambda ragged: metrics.AUC().update_state([1, 0], ragged), "y_pred", "auc"),
])
def test_ragged_lists_are_refused_naming_the_metric_and_the_argument(update, argument, metric):
    """Found by a tester: NumPy's "setting an array element with a sequence ... inhomogeneous shape" named neither."""
    with pytest.raises(ValueError, match=rf"^{metric}: `{argument}` must be an array of one shape, not ragged "
                                         rf"\(inhomogeneous\) nested lists\. Received {argument}=\[\[1\.0\], \[1\.0, "
                                         rf"2\.0\]\]$"):
        update([[1.0], [1.0, 2.0]])


def test_accuracies_refuse_integer_labels_where_keras_scores_them_silently():
    """Found by a tester: ``CategoricalAccuracy`` given the labels ``[2, 2]`` (shape ``(2,)``) beside predictions of
    class 0 reported 1.0, as Keras 3.15 does (the arg-max of the labels over the batch), and in ``fit`` with
    ``loss="sparse_categorical_crossentropy", metrics=["categorical_accuracy"]`` an accuracy that was not one; the
    sparse accuracy scored labels out of range (5 of 3 classes) or not whole (1.5) as misses. The losses refuse the
    same inputs."""
    predictions = np.array([[0.8, 0.1, 0.1]] * 2)
    for labels in (np.array([2.0, 2.0]), np.array([[2], [2]])):
        for update in (metrics.CategoricalAccuracy().update_state, metrics.categorical_accuracy):
            with pytest.raises(ValueError, match=r"categorical_accuracy: y_true needs one-hot rows, one column per "
                                                 r"class as y_pred \(3\).*use sparse_categorical_accuracy"):
                update(labels, predictions)
        with pytest.raises(ValueError, match=r"top_k_categorical_accuracy: .*use sparse_top_k_categorical_accuracy"):
            metrics.top_k_categorical_accuracy(labels, predictions, k=1)
    for labels, shown in (([5, 0], r"below 3 .*from 0 to 5"), ([1.5, 0], r"below 3\. Received the label 1\.5"),
                          ([np.nan, 0], r"below 3\. Received the label nan")):
        with pytest.raises(ValueError, match=r"sparse_categorical_accuracy: labels must be whole numbers " + shown):
            metrics.SparseCategoricalAccuracy().update_state(labels, predictions)
    # as many rows as classes: integer labels of shape (n,) are still labels (found by a second tester)
    three = np.array([[0.9, 0.05, 0.05], [0.8, 0.1, 0.1], [0.7, 0.2, 0.1]])
    with pytest.raises(ValueError, match=r"categorical_accuracy: y_true needs one-hot rows.*sparse_categorical"):
        metrics.categorical_accuracy([2, 2, 1], three)
    with pytest.raises(ValueError, match=r"top_k_categorical_accuracy: y_true needs one-hot rows"):
        metrics.top_k_categorical_accuracy([2, 2, 1], three, k=1)
    # a negative label (an ignore_class padding) matches no class, as in Keras: weight 0 leaves it out
    weighted = metrics.SparseCategoricalAccuracy()
    weighted.update_state([0, 1, -1], three, sample_weight=[1.0, 1.0, 0.0])
    assert weighted.result() == 0.5
    # the right metric for each kind of target, by hand: both rows predict class 0
    assert metrics.SparseCategoricalAccuracy()(np.array([2, 0]), predictions) == 0.5
    assert metrics.CategoricalAccuracy()(np.eye(3)[[2, 0]], predictions) == 0.5
    assert metrics.SparseCategoricalAccuracy()(np.array([[2.0], [0.0]]), predictions) == 0.5   # whole floats


def test_fit_with_integer_labels_and_the_one_hot_accuracy_says_which_metric():
    from tinygradconv import layers, models

    model = models.Sequential([layers.Dense(3, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["categorical_accuracy"])
    x, y = np.ones((8, 4), "float32"), np.full(8, 2)
    with pytest.raises(ValueError, match=r"use sparse_categorical_accuracy"):
        model.fit(x, y, epochs=1, verbose=0)


def test_losses_as_metrics_are_named_and_computed_as_keras():
    """Found by a Keras user: metrics=["binary_crossentropy"] was refused, and a loss object as a metric was logged
    under its class name ("Huber"; Keras: "huber_loss"), so EarlyStopping(monitor="val_huber_loss") found nothing.
    Reference: Keras 3, the same model, weights and data, two epochs; and by hand for the first epoch's BCE."""
    from helpers import keras_on_torch

    from tinygradconv import layers, losses, models

    weights = [np.full((2, 1), 0.3, "float32"), np.zeros(1, "float32")]
    x = np.array([[1, 2], [0, 1], [-1, 0.5], [2, -1]], "float32")
    y = np.array([[1], [0], [1], [0]], "float32")

    def history(lib, loss_module):
        a = lib.layers.Input((2,))
        model = lib.Model(a, lib.layers.Dense(1, activation="sigmoid")(a))
        model.set_weights(weights)
        model.compile("sgd", "mse", metrics=["binary_crossentropy", loss_module.MeanSquaredError(),
                                             loss_module.Huber(), "kl_divergence"])
        return model.fit(x, y, epochs=2, batch_size=4, verbose=0).history

    ours = history(type("Ours", (), {"layers": layers, "Model": models.Model}), losses)
    assert sorted(ours) == ["binary_crossentropy", "huber_loss", "kl_divergence", "loss", "mean_squared_error"]
    p = 1 / (1 + np.exp(-(x @ weights[0])))                 # the first epoch's predictions, before its update
    bce = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert ours["binary_crossentropy"][0] == pytest.approx(bce, rel=1e-5)
    keras = keras_on_torch("Keras 3 is the reference for losses used as metrics")
    theirs = history(keras, keras.losses)
    assert sorted(theirs) == sorted(ours)
    for key, values in theirs.items():
        np.testing.assert_allclose(ours[key], values, rtol=1e-5)


def _tied_scores(rng, n, classes):
    """Scores rounded to tenths, so that many rows hold ties (at the k-th highest score too)."""
    return np.round(rng.random((n, classes)), 1).astype("float32")


@pytest.mark.parametrize("k", [1, 2, 5])
def test_top_k_accuracies_match_keras_batch_by_batch_with_ties(k):
    """Keras 3's top-k accuracies (functions, classes with ``k=5`` by default, and names in compile). On torch a
    label whose score ties with the k-th highest counts as in the top k; checked here on rows full of ties."""
    from helpers import keras_on_torch

    keras = keras_on_torch("Keras 3 is the reference for the top-k accuracies")
    rng = np.random.default_rng(k)
    ours = [metrics.TopKCategoricalAccuracy(k=k), metrics.SparseTopKCategoricalAccuracy(k=k)]
    theirs = [keras.metrics.TopKCategoricalAccuracy(k=k), keras.metrics.SparseTopKCategoricalAccuracy(k=k)]
    for batch in range(4):
        scores = _tied_scores(rng, 16, 6)
        labels = rng.integers(0, 6, size=(16,))
        labels_2d = labels[:, None] if batch % 2 else labels
        one_hot = np.eye(6, dtype="float32")[labels]
        np.testing.assert_array_equal(
            metrics.top_k_categorical_accuracy(one_hot, scores, k=k),
            keras.ops.convert_to_numpy(keras.metrics.top_k_categorical_accuracy(one_hot, scores, k=k)))
        np.testing.assert_array_equal(
            metrics.sparse_top_k_categorical_accuracy(labels_2d, scores, k=k),
            keras.ops.convert_to_numpy(keras.metrics.sparse_top_k_categorical_accuracy(labels_2d, scores, k=k)))
        for mine, reference, y in zip(ours, theirs, (one_hot, labels_2d)):
            mine.update_state(y, scores)
            reference.update_state(y, scores)
            assert mine.result() == pytest.approx(float(reference.result()), rel=1e-6)
    tie = np.array([[0.1, 0.3, 0.3, 0.3]], "float32")
    assert metrics.sparse_top_k_categorical_accuracy([0], tie, k=3).tolist() == [0.0]   # by hand
    assert metrics.sparse_top_k_categorical_accuracy([3], tie, k=1).tolist() == [1.0]   # tied with the top score


def test_top_k_accuracies_by_name_default_k_and_bad_arguments():
    from helpers import keras_on_torch

    keras = keras_on_torch("Keras 3 is the reference for the top-k accuracies")
    for name, cls in (("top_k_categorical_accuracy", metrics.TopKCategoricalAccuracy),
                      ("sparse_top_k_categorical_accuracy", metrics.SparseTopKCategoricalAccuracy)):
        metric = metrics.get(name)
        assert isinstance(metric, cls) and metric.name == name
        assert metric.get_config() == {k: v for k, v in keras.metrics.get(name).get_config().items() if k != "dtype"}
        assert cls().get_config()["k"] == 5
    model = tg.models.Sequential([tg.layers.Input((3,)), tg.layers.Dense(6)])
    model.compile("sgd", "mse", metrics=["top_k_categorical_accuracy"])
    x = np.random.default_rng(0).normal(size=(8, 3))
    y = np.eye(6)[np.arange(8) % 6]
    assert model.evaluate(x, y, return_dict=True)["top_k_categorical_accuracy"] == pytest.approx(
        float(metrics.top_k_categorical_accuracy(y, model.predict(x)).mean()))
    with pytest.raises(ValueError, match="`k`.*Received k=0"):
        metrics.TopKCategoricalAccuracy(k=0)
    with pytest.raises(ValueError, match="k=7 is more than the 6 classes"):
        metrics.top_k_categorical_accuracy(np.eye(6), np.eye(6), k=7)


# ------------------------------------------------------------------------------------------------ tester findings
def _names_ours_accepts():
    """Every alias string metrics.get takes: the name tables' keys, the class names, Keras' upper-case aliases."""
    names = {*metrics._BY_NAME, *metrics._LOSS_METRICS, *(c.__name__ for c in metrics._CLASSES),
             "MSE", "MAE", "MAPE", "MSLE", "BCE"}
    # (not those of classes that need an argument, MeanIoU's num_classes: a name cannot make them, as in Keras;
    # tests/test_metrics_s44.py checks the error)
    return sorted(name for name in names if metrics._BY_NAME.get(name.lower()) not in _NEED_ARGUMENTS)


_NEED_ARGUMENTS = (metrics.IoU, metrics.MeanIoU, metrics.OneHotIoU, metrics.OneHotMeanIoU, metrics.PrecisionAtRecall,
                   metrics.RecallAtPrecision, metrics.SensitivityAtSpecificity, metrics.SpecificityAtSensitivity)


@pytest.mark.parametrize("name", _names_ours_accepts())
def test_get_names_a_metric_as_keras_get_does(name):
    """Found by a tester: ``metrics.get("MSE")`` was named ``"MSE"``; Keras 3's ``keras.metrics.get`` names a metric
    by its own name, whatever alias found it (``"mean_squared_error"``). Where Keras refuses the string (it is
    case-sensitive: ``"Mse"``, ``"acc"``, ``"meansquarederror"``), ours takes it and names the metric as Keras names
    the class it found."""
    from helpers import keras_on_torch

    keras = keras_on_torch("Keras 3 is the reference for the metrics' names")
    ours = metrics.get(name)
    try:
        theirs = keras.metrics.get(name)
    except ValueError:                      # refused by Keras
        theirs = None
    if theirs is None and name.lower() in metrics._LOSS_METRICS:      # a loss as a metric ("Bce", ...)
        theirs = keras.metrics.get(metrics._LOSS_METRICS[name.lower()])
    elif theirs is None:                    # the name Keras gives the class ours found
        theirs = getattr(keras.metrics, type(ours).__name__)()
    # Keras numbers a default name made again ("auc_1"): the name is the part before
    assert ours.name == re.sub(r"_\d+$", "", theirs.name)


@pytest.mark.parametrize("name, keras_name", [("mse", "mean_squared_error"), ("MSE", "mean_squared_error"),
                                              ("Mse", "mean_squared_error"), ("acc", "accuracy"),
                                              ("bce", "binary_crossentropy"), ("BCE", "binary_crossentropy"),
                                              ("AUC", "auc"), ("f_beta_score", "fbeta_score"),
                                              ("log_cosh_error", "logcosh"), ("Mean", "mean")])
def test_get_names_by_hand(name, keras_name):
    """The names Keras 3.15 gives (written down from keras.metrics.get; "Mse" and "acc" it refuses)."""
    assert metrics.get(name).name == keras_name
    assert metrics.get(name, y_true=(4, 1), y_pred=(4, 1)).name == name      # compile's rule: as given


def test_compile_logs_a_metric_under_the_string_given_as_keras():
    """Keras 3's compile logs ``metrics=["mse", "MSE", "bce", "AUC", ...]`` under the strings given, not the
    metrics' names."""
    from helpers import keras_on_torch

    keras = keras_on_torch("Keras 3 is the reference for the names compile logs")
    given = ["mse", "MSE", "mae", "acc", "accuracy", "bce", "binary_crossentropy", "AUC", "Precision"]
    rng = np.random.default_rng(0)
    x = rng.normal(size=(8, 3)).astype("float32")
    y = (rng.uniform(size=(8, 1)) > 0.5).astype("float32")
    theirs = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, activation="sigmoid")])
    theirs.compile("sgd", "mse", metrics=given)
    k_history = theirs.fit(x, y, epochs=1, verbose=0).history
    ours = tg.models.Sequential([tg.layers.Input((3,)), tg.layers.Dense(1, activation="sigmoid")])
    ours.compile("sgd", "mse", metrics=given)
    history = ours.fit(x, y, epochs=1, verbose=0).history
    assert sorted(history) == sorted(k_history) == sorted(["loss", *given])
