"""The IoU family (IoU, MeanIoU, OneHotIoU, OneHotMeanIoU, BinaryIoU) and the at-threshold curve metrics
(PrecisionAtRecall, RecallAtPrecision, SensitivityAtSpecificity, SpecificityAtSensitivity).

References, never the code under test: Keras 3.15's same classes on torch, fed the same batches and compared after
every batch; a confusion matrix or a threshold sweep written out from the formula for small cases.
"""
import re
import warnings

import numpy as np
import pytest
from helpers import keras_on_torch

import tinygradconv
from tinygradconv import layers, metrics, models

KERAS = "Keras 3 is the reference for the IoU and at-threshold metrics"


def _keras_result(metric):
    return float(metric.result().detach().cpu().numpy())


def _both(keras, name, kwargs):
    return getattr(metrics, name)(**kwargs), getattr(keras.metrics, name)(**kwargs)


def _update_both(ours, theirs, *args, **kwargs):
    """Update both metrics; Keras' int32-matrix warning about float weights is expected from both or neither."""
    with warnings.catch_warnings(record=True) as theirs_warned:
        warnings.simplefilter("always")
        theirs.update_state(*args, **kwargs)
    with warnings.catch_warnings(record=True) as ours_warned:
        warnings.simplefilter("always")
        ours.update_state(*args, **kwargs)

    def warned(caught):
        return any("dtype is `int`" in str(w.message) for w in caught)

    assert warned(ours_warned) == warned(theirs_warned)


# ------------------------------------------------------------------------------------------------ IoU family
IOU_CASES = [
    ("IoU", {"num_classes": 4, "target_class_ids": [0, 2]}),
    ("IoU", {"num_classes": 4, "target_class_ids": [3]}),              # class 3 is absent from the data
    ("IoU", {"num_classes": 4, "target_class_ids": [0, 1, 2], "ignore_class": 1}),
    ("IoU", {"num_classes": 4, "target_class_ids": [0, 1, 2], "ignore_class": -1, "dtype": "float32"}),
    ("IoU", {"num_classes": 4, "target_class_ids": [1, 2], "sparse_y_pred": False}),
    ("IoU", {"num_classes": 4, "target_class_ids": [0, 2], "sparse_y_true": False, "sparse_y_pred": False,
             "axis": 0}),
    ("MeanIoU", {"num_classes": 4}),
    ("MeanIoU", {"num_classes": 4, "ignore_class": 0, "dtype": "float64"}),
    ("MeanIoU", {"num_classes": 5, "sparse_y_pred": False}),           # class 4: never a label nor a prediction
    ("OneHotIoU", {"num_classes": 4, "target_class_ids": [1, 3]}),
    ("OneHotIoU", {"num_classes": 4, "target_class_ids": [0, 2], "sparse_y_pred": True, "ignore_class": 2}),
    ("OneHotMeanIoU", {"num_classes": 4}),
    ("OneHotMeanIoU", {"num_classes": 4, "dtype": "float32", "sparse_y_pred": True}),
    ("BinaryIoU", {"target_class_ids": [1], "threshold": 0.3}),
]


def _iou_batch(rng, kwargs, name, size):
    """Labels and predictions as the metric reads them: sparse ids (some out of range, fractional, -1) or
    one-hot/score rows (ties between maxima, a NaN), for ``size`` samples."""
    classes = kwargs.get("num_classes", 2)
    sparse_true = kwargs.get("sparse_y_true", True) and not name.startswith("OneHot")
    sparse_pred = kwargs.get("sparse_y_pred", name.startswith("OneHot") is False)
    axis = kwargs.get("axis", -1)
    ids = rng.integers(0, 3, size).astype("float32")     # classes 0, 1, 2 (3 and 4 absent)
    if sparse_true:
        y = ids.copy()
        if size >= 6:
            y[0], y[1], y[2], y[3] = -1.0, classes, 0.7, -0.5    # out of range, 0.7 and -0.5: int32 makes them 0
    else:
        y = np.eye(classes, dtype="float32")[ids.astype(int)]
    if name == "BinaryIoU":
        p = rng.uniform(0, 1, size).astype("float32")
        if size >= 6:
            p[4] = kwargs.get("threshold", 0.5)
        return np.minimum(np.abs(y), 1), p
    if sparse_pred:
        p = rng.integers(-1, classes + 1, size).astype("float32")
    else:
        p = rng.uniform(0, 1, (size, classes)).astype("float32")
        if size >= 6:
            p[4, :2] = 2.0              # a tie: the first maximum is the class
            p[5, 1] = np.nan            # NaN counts as the maximum
    if axis == 0 and not sparse_true:
        y, p = y.T, p.T
    return y, p


@pytest.mark.parametrize("weighted", ["none", "integers", "floats"])
@pytest.mark.parametrize("name, kwargs", IOU_CASES)
def test_iou_family_matches_keras_after_every_batch(name, kwargs, weighted):
    keras = keras_on_torch(KERAS)
    rng = np.random.default_rng(44)
    ours, theirs = _both(keras, name, kwargs)
    for batch, size in enumerate([8, 0, 7, 9]):        # an empty batch between
        y, p = _iou_batch(rng, kwargs, name, size)
        weights = {"none": None, "integers": rng.integers(0, 3, size).astype("float32"),
                   "floats": rng.uniform(0, 3, size).astype("float32")}[weighted]
        if weights is not None and kwargs.get("axis") == 0 and not kwargs.get("sparse_y_true", True):
            weights = weights[:y.shape[1]]
        _update_both(ours, theirs, y, p, **({} if weights is None else {"sample_weight": weights}))
        got = ours.result()
        assert isinstance(got, float)
        np.testing.assert_allclose(got, _keras_result(theirs), rtol=1e-6, atol=1e-7, err_msg=f"batch {batch}")
        np.testing.assert_array_equal(ours.total_cm, keras.ops.convert_to_numpy(theirs.total_cm))
    ours.reset_state()
    theirs.reset_state()
    assert ours.result() == _keras_result(theirs) == 0.0
    assert not ours.total_cm.any()


@pytest.mark.parametrize("name, kwargs", [("MeanIoU", {"num_classes": 3, "sparse_y_pred": False}),
                                          ("OneHotIoU", {"num_classes": 3, "target_class_ids": [1, 2]}),
                                          ("IoU", {"num_classes": 3, "target_class_ids": [0, 2], "ignore_class": 255,
                                                   "sparse_y_pred": False})])
def test_iou_of_segmentation_maps_matches_keras(name, kwargs):
    """Image-shaped batches, (batch, height, width, 1) integer maps (255 a void class) or (batch, height, width,
    classes) one-hot maps against score maps, with one weight per pixel."""
    keras = keras_on_torch(KERAS)
    rng = np.random.default_rng(11)
    ours, theirs = _both(keras, name, kwargs)
    for _ in range(3):
        ids = rng.integers(0, 3, (2, 5, 4, 1))
        ids[0, 0, :2] = 255
        y = np.eye(3, dtype="float32")[ids[..., 0] % 3] if name == "OneHotIoU" else ids.astype("int64")
        p = rng.uniform(0, 1, (2, 5, 4, 3)).astype("float32")
        w = rng.integers(0, 3, (2, 5, 4)).astype("int32")
        _update_both(ours, theirs, y, p, sample_weight=w)
        np.testing.assert_allclose(ours.result(), _keras_result(theirs), rtol=1e-6)
        np.testing.assert_array_equal(ours.total_cm, keras.ops.convert_to_numpy(theirs.total_cm))


def test_iou_by_hand():
    """Pairs (true, predicted) (0, 0), (1, 2), (2, 2), (1, 1), (0, 1), (2, 2), weights 1: cm rows (true)
    [[1, 1, 0], [0, 1, 1], [0, 0, 2]]; IoU_c = cm[c, c] / (row_c + column_c - cm[c, c])."""
    y, p = [0, 1, 2, 1, 0, 2], [0, 2, 2, 1, 1, 2]
    iou = {0: 1 / (2 + 1 - 1), 1: 1 / (2 + 2 - 1), 2: 2 / (2 + 3 - 2)}
    mean = metrics.MeanIoU(num_classes=3)
    mean.update_state(y, p)
    np.testing.assert_allclose(mean.result(), sum(iou.values()) / 3, rtol=1e-6)
    single = metrics.IoU(num_classes=3, target_class_ids=[2])
    single.update_state(y, p)
    np.testing.assert_allclose(single.result(), iou[2], rtol=1e-6)
    # ignore_class=1: the pairs whose label is 1 go; cm [[1, 1, 0], [0, 0, 0], [0, 0, 2]]
    ignoring = metrics.MeanIoU(num_classes=3, ignore_class=1)
    ignoring.update_state(y, p)
    np.testing.assert_allclose(ignoring.result(), (1 / 2 + 0 / 1 + 2 / 2) / 3, rtol=1e-6)
    # a class seen nowhere (3 of 4) is left out of the mean; none seen at all: 0.0 (not NaN)
    absent = metrics.MeanIoU(num_classes=4)
    absent.update_state(y, p)
    np.testing.assert_allclose(absent.result(), sum(iou.values()) / 3, rtol=1e-6)
    only_absent = metrics.IoU(num_classes=4, target_class_ids=[3])
    only_absent.update_state(y, p)
    assert only_absent.result() == 0.0
    # one-hot rows, argmax along axis 0 (classes as rows)
    one_hot = metrics.OneHotMeanIoU(num_classes=3, axis=0)
    one_hot.update_state(np.eye(3)[y].T, np.eye(3)[p].T)
    np.testing.assert_allclose(one_hot.result(), mean.result(), rtol=1e-7)


IOU_CONFIGS = [("IoU", {"num_classes": 3, "target_class_ids": (0, 2), "ignore_class": 255}),
               ("IoU", {"num_classes": 3, "target_class_ids": [1], "dtype": "float32", "name": "iou_1"}),
               ("MeanIoU", {"num_classes": 3, "sparse_y_pred": False, "axis": 1}),
               ("OneHotIoU", {"num_classes": 3, "target_class_ids": [0, 1]}),
               ("OneHotMeanIoU", {"num_classes": 3, "ignore_class": -1, "dtype": "float64"}),
               ("BinaryIoU", {"target_class_ids": [1], "threshold": 0.3}),
               ("BinaryIoU", {})]


@pytest.mark.parametrize("name, kwargs", IOU_CONFIGS)
def test_iou_config_is_keras_key_for_key_and_in_order(name, kwargs):
    keras = keras_on_torch(KERAS)
    default_name = getattr(metrics, name)(**kwargs).name
    assert re.fullmatch(default_name + r"(_\d+)?", getattr(keras.metrics, name)(**kwargs).name)  # Keras numbers
    ours, theirs = _both(keras, name, {"name": "segmentation", **kwargs})                      # its repeats
    assert list(ours.get_config().items()) == list(theirs.get_config().items())
    assert ours.dtype == theirs.dtype
    again = metrics.get({"class_name": name, "config": theirs.get_config()})
    assert type(again) is getattr(metrics, name) and again.get_config() == ours.get_config()
    assert getattr(keras.metrics, name).from_config(ours.get_config()).get_config() == theirs.get_config()


@pytest.mark.parametrize("make, error, words", [
    (lambda: metrics.IoU(num_classes=3, target_class_ids=[3]), ValueError,
     r"Target class id 3 is out of range, which is \[0, 3\)"),
    (lambda: metrics.IoU(num_classes=3, target_class_ids=[-1]), ValueError, r"Target class id -1 is out of range"),
    (lambda: metrics.IoU(num_classes=3, target_class_ids=[]), ValueError, r"target_class_ids=\[\]"),
    (lambda: metrics.IoU(num_classes=3, target_class_ids=2), ValueError, r"target_class_ids=2"),
    (lambda: metrics.IoU(num_classes=0, target_class_ids=[0]), ValueError, r"num_classes=0"),
    (lambda: metrics.MeanIoU(num_classes=2.0), TypeError, r"Invalid type for argument `num_classes`"),
    (lambda: metrics.MeanIoU(num_classes=2, ignore_class="void"), TypeError, r"ignore_class='void'"),
    (lambda: metrics.MeanIoU(num_classes=2, sparse_y_true="no"), TypeError, r"sparse_y_true='no'"),
    (lambda: metrics.MeanIoU(num_classes=2, axis=None), TypeError, r"axis=None"),
    (lambda: metrics.MeanIoU(num_classes=2, dtype="int16"), ValueError, r"dtype='int16'"),
    (lambda: metrics.OneHotIoU(num_classes=2, target_class_ids=[0.0]), ValueError, r"target_class_ids=\[0\.0\]"),
])
def test_iou_bad_arguments_are_refused_when_made(make, error, words):
    with pytest.raises(error, match=words):
        make()


def test_iou_bad_inputs_are_refused_naming_them():
    m = metrics.OneHotMeanIoU(num_classes=3)
    with pytest.raises(ValueError, match=r"as many class ids; y_true of shape \(2, 3\) .* gives 2 class ids, "
                                         r"but y_pred of shape \(3, 3\) .* gives 3"):
        m.update_state(np.eye(3)[:2], np.eye(3))
    with pytest.raises(ValueError, match=r"axis=-1 is out of range for y_true of shape \(\)"):
        m.update_state(1.0, np.eye(3)[0])
    with pytest.raises(ValueError, match=r"no class scores along axis=-1"):
        m.update_state(np.zeros((2, 0)), np.zeros((2, 0)))
    with pytest.raises(ValueError, match=r"one weight per entry \(3\) or one for all"):
        metrics.MeanIoU(num_classes=3).update_state([0, 1, 2], [0, 1, 1], sample_weight=[1, 2])
    with pytest.raises(TypeError, match=r"`y_pred` must hold numbers"):
        metrics.MeanIoU(num_classes=3).update_state([0, 1], ["a", "b"])


# ------------------------------------------------------------------------------------------------ at-threshold
AT_CASES = [("PrecisionAtRecall", "recall"), ("RecallAtPrecision", "precision"),
            ("SensitivityAtSpecificity", "specificity"), ("SpecificityAtSensitivity", "sensitivity")]


def _at_batch(rng, size, columns):
    """Labels 0/1 and scores with ties at the thresholds of 3 and 7 (0, 1/6, 0.5, 1), just outside [0, 1], NaN."""
    y = rng.integers(0, 2, (size, columns)).astype("float32")
    p = rng.uniform(0, 1, (size, columns)).astype("float32")
    special = np.array([0.0, 1 / 6, 0.5, 1.0, 1.2, -0.1, 2 / 6, 0.5, 1.0], "float32")
    p.flat[:min(p.size, len(special))] = special[:p.size]
    if p.size > 12:
        p.flat[12] = np.nan
    return y, p


@pytest.mark.parametrize("options", [{}, {"num_thresholds": 1}, {"num_thresholds": 2}, {"num_thresholds": 3},
                                     {"num_thresholds": 7, "class_id": 1}, {"class_id": 0}])
@pytest.mark.parametrize("value", [0.0, 0.4, 0.8, 1.0])
@pytest.mark.parametrize("name, argument", AT_CASES)
def test_at_metrics_match_keras_after_every_batch(name, argument, value, options):
    keras = keras_on_torch(KERAS)
    rng = np.random.default_rng(7)
    ours, theirs = _both(keras, name, {argument: value, **options})
    columns = 2 if "class_id" in options else 1
    for batch, (size, weighted) in enumerate([(8, False), (0, False), (9, True), (6, True)]):
        y, p = _at_batch(rng, size, columns)
        # Keras counts in float32, tn as the sum of the negatives' weights less fp: with fractional weights its tn
        # can come out a hair below 0 (-2.4e-7), so that specificity >= 0.0 fails there. Weights in quarters
        # sum exactly, in float32 too; the other values take any fractional weights.
        weights = rng.integers(0, 9, size) / 4 if value == 0.0 else rng.uniform(0, 2, size)
        extra = {"sample_weight": weights.astype("float32")} if weighted else {}
        ours.update_state(y, p, **extra)
        theirs.update_state(y, p, **extra)
        got = ours.result()
        assert isinstance(got, float)
        np.testing.assert_allclose(got, _keras_result(theirs), rtol=1e-6, atol=1e-7, err_msg=f"batch {batch}")
    np.testing.assert_array_equal(ours.thresholds, theirs.thresholds)
    ours.reset_state()
    theirs.reset_state()
    assert ours.result() == _keras_result(theirs) == 0.0


def _sweep(y, p, thresholds):
    """The rates at each threshold, counted one prediction at a time (positive when p > t)."""
    rates = []
    for t in thresholds:
        tp = sum(1 for label, score in zip(y, p) if label and score > t)
        fp = sum(1 for label, score in zip(y, p) if not label and score > t)
        fn = sum(1 for label, score in zip(y, p) if label and not score > t)
        tn = sum(1 for label, score in zip(y, p) if not label and not score > t)
        rates.append({"recall": tp / (tp + fn) if tp + fn else 0.0, "precision": tp / (tp + fp) if tp + fp else 0.0,
                      "specificity": tn / (tn + fp) if tn + fp else 0.0})
    return rates


@pytest.mark.parametrize("name, constrained, dependent, value", [
    ("PrecisionAtRecall", "recall", "precision", 0.5), ("RecallAtPrecision", "precision", "recall", 0.6),
    ("SensitivityAtSpecificity", "specificity", "recall", 0.6),
    ("SpecificityAtSensitivity", "recall", "specificity", 0.4)])
def test_at_metrics_by_hand(name, constrained, dependent, value):
    """The best ``dependent`` rate among the thresholds 0, 0.25, 0.5, 0.75, 1 whose ``constrained`` rate reaches
    ``value``, scores on the thresholds included (a score of 0.5 is not above 0.5)."""
    y = [0, 0, 0, 1, 1, 1, 0, 1]
    p = [0.1, 0.5, 0.8, 0.25, 0.5, 0.9, 0.0, 1.0]
    rates = _sweep(y, p, [0, 0.25, 0.5, 0.75, 1])
    expected = max([r[dependent] for r in rates if r[constrained] >= value], default=0.0)
    m = getattr(metrics, name)(value, num_thresholds=5)
    m.update_state(y[:3], p[:3])
    m.update_state(y[3:], p[3:])
    np.testing.assert_allclose(m.result(), expected, rtol=1e-6)
    assert expected > 0


def test_recall_at_an_unreachable_precision_is_zero():
    m = metrics.RecallAtPrecision(1.0)
    m.update_state([1, 0, 1], [0.2, 0.9, 0.1])        # the top score is a negative: precision 1 nowhere
    assert m.result() == 0.0


@pytest.mark.parametrize("name, argument", AT_CASES)
def test_at_metrics_config_is_keras_key_for_key_and_in_order(name, argument):
    keras = keras_on_torch(KERAS)
    kwargs = {argument: 0.3, "num_thresholds": 11, "class_id": 2, "dtype": "float32", "name": "at"}
    ours, theirs = _both(keras, name, kwargs)
    assert list(ours.get_config().items()) == list(theirs.get_config().items())
    assert getattr(ours, argument) == 0.3 and ours.num_thresholds == 11
    again = metrics.get({"class_name": name, "config": theirs.get_config()})
    assert type(again) is getattr(metrics, name) and again.get_config() == ours.get_config()
    plain = getattr(metrics, name)(0.3)
    assert re.fullmatch(plain.name + r"(_\d+)?", getattr(keras.metrics, name)(0.3).name)   # Keras numbers repeats
    assert list(plain.get_config()) == [key for key in theirs.get_config() if key != "dtype"]


@pytest.mark.parametrize("make, error, words", [
    (lambda: metrics.PrecisionAtRecall(1.5), ValueError, r"Invalid value for argument `recall`.*recall=1\.5"),
    (lambda: metrics.RecallAtPrecision(-0.1), ValueError, r"precision=-0\.1"),
    (lambda: metrics.SensitivityAtSpecificity("0.5"), TypeError, r"Invalid type for argument `specificity`"),
    (lambda: metrics.SpecificityAtSensitivity(float("nan")), ValueError, r"sensitivity=nan"),
    (lambda: metrics.PrecisionAtRecall(0.5, num_thresholds=0), ValueError, r"num_thresholds=0"),
    (lambda: metrics.PrecisionAtRecall(0.5, num_thresholds=2.5), TypeError, r"num_thresholds=2\.5"),
    (lambda: metrics.PrecisionAtRecall(0.5, class_id=-1), ValueError, r"class_id=-1"),
    (lambda: metrics.PrecisionAtRecall(0.5, dtype="int32"), ValueError, r"dtype='int32'"),
])
def test_at_metrics_bad_arguments_are_refused_when_made(make, error, words):
    with pytest.raises(error, match=words):
        make()


def test_at_metrics_bad_inputs_are_refused_naming_them():
    m = metrics.SensitivityAtSpecificity(0.5, class_id=3)
    with pytest.raises(ValueError, match=r"class_id=3 needs y_pred .* Received y_pred of shape \(2, 2\)"):
        m.update_state([[0, 1], [1, 0]], [[0.2, 0.8], [0.3, 0.7]])
    with pytest.raises(ValueError, match=r"same shape"):
        metrics.PrecisionAtRecall(0.5).update_state([0, 1, 1], [0.2, 0.8])


# ------------------------------------------------------------------------------------------------ compile and fit
@pytest.mark.parametrize("name, needed", [("mean_io_u", "`num_classes`"), ("IoU", "`num_classes`, `target_class_ids`"),
                                          ("one_hot_io_u", "`num_classes`, `target_class_ids`"),
                                          ("precision_at_recall", "`recall`"), ("SpecificityAtSensitivity",
                                                                                "`sensitivity`")])
def test_a_name_cannot_make_a_metric_that_needs_arguments(name, needed):
    """Keras' get raises Python's TypeError "missing 1 required positional argument" there; ours names them."""
    keras = keras_on_torch(KERAS)
    with pytest.raises(TypeError, match="missing"):
        keras.metrics.get(name)
    with pytest.raises(TypeError, match=f"cannot be made from its name: it needs {needed}"):
        metrics.get(name)
    model = models.Sequential([layers.Dense(2)])
    # (compile wraps it in a ValueError "unknown metric 'mean_io_u'. (...)", the reason in brackets)
    with pytest.raises(ValueError, match=f"`metrics`.*cannot be made from its name: it needs {needed}"):
        model.compile("sgd", "mse", metrics=[name])
        model.evaluate(np.zeros((2, 3), "float32"), np.zeros((2, 2), "float32"), verbose=0)


def test_compile_logs_keras_values_under_keras_names():
    """The new metrics in compile: evaluate reports Keras' value for the same predictions batch after batch, and
    fit's history has the keys Keras' fit gives for the same metric objects."""
    keras = keras_on_torch(KERAS)
    rng = np.random.default_rng(3)
    x = rng.standard_normal((10, 4)).astype("float32")
    y = np.eye(3, dtype="float32")[rng.integers(0, 3, 10)]

    def made(library):
        return [library.metrics.OneHotMeanIoU(num_classes=3), library.metrics.OneHotIoU(3, [1, 2]),
                library.metrics.MeanIoU(3, sparse_y_true=False, sparse_y_pred=False, name="miou"),
                library.metrics.PrecisionAtRecall(0.5), library.metrics.RecallAtPrecision(0.5, class_id=1),
                library.metrics.SensitivityAtSpecificity(0.5), library.metrics.SpecificityAtSensitivity(0.5)]

    model = models.Sequential([layers.Dense(3, activation="softmax")])
    ours = made(tinygradconv)
    model.compile("sgd", loss="categorical_crossentropy", metrics=ours)
    logs = model.evaluate(x, y, batch_size=4, verbose=0, return_dict=True)
    p = model.predict(x, verbose=0)
    references = made(keras)
    for start in range(0, 10, 4):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for reference in references:
                reference.update_state(y[start:start + 4], p[start:start + 4])
    for metric, reference in zip(ours, references):
        np.testing.assert_allclose(logs[metric.name], _keras_result(reference), rtol=1e-5, atol=1e-6,
                                   err_msg=metric.name)
    history = model.fit(x, y, batch_size=4, epochs=1, verbose=0, validation_data=(x, y)).history
    theirs = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    theirs.compile("sgd", loss="categorical_crossentropy", metrics=made(keras))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        keras_history = theirs.fit(x, y, batch_size=4, epochs=1, verbose=0, validation_data=(x, y)).history
    # (Keras numbers a default name made again in one process, one_hot_mean_io_u_7: the numbers are left out)
    assert sorted(history) == sorted(re.sub(r"_\d+$", "", key) for key in keras_history)
    assert "one_hot_mean_io_u" in history and "val_precision_at_recall" in history


def test_keras_files_carry_the_metrics_both_ways(tmp_path):
    """A model compiled with the new metrics, written to a .keras file by one library and read by the other, logs
    the same values in both."""
    keras = keras_on_torch(KERAS)
    x = np.random.default_rng(0).normal(size=(6, 4)).astype("float32")
    y = np.eye(3, dtype="float32")[[0, 1, 2, 0, 1, 2]]

    def made(library):
        return [library.metrics.OneHotMeanIoU(3), library.metrics.IoU(3, [0, 2], ignore_class=1, sparse_y_true=False,
                                                                      sparse_y_pred=False),
                library.metrics.PrecisionAtRecall(0.5, num_thresholds=11),
                library.metrics.SensitivityAtSpecificity(0.4, class_id=2), library.metrics.BinaryIoU([1], 0.4)]

    ours = models.Sequential([layers.Input((4,)), layers.Dense(3, activation="softmax")])
    ours.compile("sgd", "categorical_crossentropy", metrics=made(tinygradconv))
    ours.save(tmp_path / "ours.keras")
    theirs = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    theirs.compile("sgd", "categorical_crossentropy", metrics=made(keras))
    theirs.save(tmp_path / "theirs.keras")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pairs = [(ours, keras.saving.load_model(tmp_path / "ours.keras")),
                 (tinygradconv.saving.load_model(tmp_path / "theirs.keras"), theirs)]
        for mine, keras_model in pairs:
            got = mine.evaluate(x, y, verbose=0, return_dict=True)
            expected = keras_model.evaluate(x, y, verbose=0, return_dict=True)
            # (Keras numbers default names made again in one process, binary_io_u_5, and writes them so)
            got = {re.sub(r"_\d+$", "", key): value for key, value in got.items()}
            expected = {re.sub(r"_\d+$", "", key): value for key, value in expected.items()}
            assert sorted(got) == sorted(expected)
            for key, value in expected.items():
                np.testing.assert_allclose(got[key], value, rtol=1e-5, err_msg=key)


@pytest.mark.parametrize("metric", [lambda lib: lib.metrics.OneHotMeanIoU(2),
                                    lambda lib: lib.metrics.BinaryIoU(),
                                    lambda lib: lib.metrics.RecallAtPrecision(0.5),
                                    lambda lib: lib.metrics.SpecificityAtSensitivity(0.5)])
def test_early_stopping_maximises_them_as_keras(metric):
    """mode="auto" on a monitored IoU or at-threshold metric maximises it: Keras marks each of them "up"."""
    keras = keras_on_torch(KERAS)
    ours = metric(tinygradconv)
    assert metric(keras)._direction == "up"
    model = models.Sequential([layers.Dense(2, activation="softmax")])
    model.compile("sgd", "categorical_crossentropy", metrics=[ours])
    stop = tinygradconv.callbacks.EarlyStopping(monitor=f"val_{ours.name}", patience=5)
    x = np.random.default_rng(1).normal(size=(8, 3)).astype("float32")
    y = np.eye(2, dtype="float32")[[0, 1] * 4]
    model.fit(x, y, epochs=1, verbose=0, validation_data=(x, y), callbacks=[stop])
    assert stop._mode == "max"
