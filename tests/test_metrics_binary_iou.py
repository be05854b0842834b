"""BinaryIoU against Keras 3.15 on torch, compared after every batch, plus a case worked out by hand.

References, never the code under test: Keras 3's ``keras.metrics.BinaryIoU`` fed the same batches, and the
confusion matrix written out for a small case.
"""
import re
import warnings

import numpy as np
import pytest
from helpers import keras_on_torch

from tinygradconv import layers, metrics, models

KERAS = "Keras 3 is the reference for BinaryIoU"


def _keras_result(metric):
    return float(metric.result().detach().cpu().numpy())


@pytest.mark.parametrize("kwargs", [{}, {"target_class_ids": [1]}, {"target_class_ids": (0,), "threshold": 0.3},
                                    {"threshold": 0.9}, {"dtype": "float32"}])
@pytest.mark.parametrize("weighted", ["none", "integers", "floats"])
def test_matches_keras_after_every_batch(kwargs, weighted):
    """Labels 0/1 with some outside [0, 2), fractional (-0.5 too) and NaN; predictions with ties at the threshold
    and NaN; integer or fractional weights (Keras' int32 matrix cuts the fractions, with its warning)."""
    keras = keras_on_torch(KERAS)
    rng = np.random.default_rng(5)
    ours, theirs = metrics.BinaryIoU(**kwargs), keras.metrics.BinaryIoU(**kwargs)
    threshold = kwargs.get("threshold", 0.5)
    for batch in range(4):
        y = rng.integers(0, 2, size=(6, 3)).astype("float32")
        y[0, 0], y[1, 1], y[2, 2], y[3, 0] = 2.0, -1.0, 0.7, np.nan
        y[4, 2], y[5, 2] = -0.5, 1.7        # int32: cast first (class 0 and 1); float: -0.5 is outside [0, 2)
        p = rng.uniform(0, 1, size=(6, 3)).astype("float32")
        p[4, 0], p[5, 1] = threshold, np.nan
        w = {"none": None, "integers": rng.integers(0, 3, size=(6, 3)).astype("float32"),
             "floats": rng.uniform(0, 3, size=(6, 3)).astype("float32")}[weighted]
        extra = {} if w is None else {"sample_weight": w}
        with warnings.catch_warnings(record=True) as theirs_warned:
            warnings.simplefilter("always")
            theirs.update_state(y, p, **extra)
        with warnings.catch_warnings(record=True) as ours_warned:
            warnings.simplefilter("always")
            ours.update_state(y, p, **extra)
        int_warning = [str(m.message) for m in theirs_warned if "dtype is `int`" in str(m.message)]
        assert bool(int_warning) == any("dtype is `int`" in str(m.message) for m in ours_warned), batch
        got = ours.result()
        assert isinstance(got, float)
        np.testing.assert_allclose(got, _keras_result(theirs), rtol=1e-6, atol=1e-7, err_msg=f"batch {batch}")
    ours.reset_state()
    theirs.reset_state()
    assert ours.result() == _keras_result(theirs) == 0.0


def test_by_hand():
    """cm = [[2, 1], [1, 3]] (rows: labels, columns: predictions): IoU_0 = 2 / (3 + 3 - 2), IoU_1 = 3 / (4 + 4 - 3);
    the target class 1 alone gives IoU_1; a class seen nowhere is left out of the mean."""
    y = [0, 0, 0, 1, 1, 1, 1]
    p = [0.1, 0.2, 0.8, 0.4, 0.9, 0.5, 0.7]
    both, positive = metrics.BinaryIoU(), metrics.BinaryIoU(target_class_ids=[1])
    both.update_state(y, p)
    positive.update_state(y, p)
    np.testing.assert_allclose(both.result(), (2 / 4 + 3 / 5) / 2, rtol=1e-6)
    np.testing.assert_allclose(positive.result(), 3 / 5, rtol=1e-6)
    only_negatives = metrics.BinaryIoU()
    only_negatives.update_state([0, 0], [0.1, 0.2])     # class 1 absent: the mean of class 0 alone
    np.testing.assert_allclose(only_negatives.result(), 1.0, rtol=1e-6)


def test_config_round_trips_and_reads_keras_config():
    keras = keras_on_torch(KERAS)
    theirs = keras.metrics.BinaryIoU(target_class_ids=[1], threshold=0.3, name="iou").get_config()
    ours = metrics.BinaryIoU(target_class_ids=[1], threshold=0.3, name="iou").get_config()
    assert ours == theirs
    again = metrics.get({"class_name": "BinaryIoU", "config": theirs})
    assert type(again) is metrics.BinaryIoU and again.get_config() == ours
    assert metrics.get("binary_io_u").name == "binary_io_u"        # Keras' name (it adds _1, _2, ... to repeats)
    assert re.fullmatch(r"binary_io_u(_\d+)?", keras.metrics.get("binary_io_u").name)


def test_compile_logs_keras_values():
    keras = keras_on_torch(KERAS)
    rng = np.random.default_rng(9)
    x, y = rng.standard_normal((10, 4)).astype("float32"), rng.integers(0, 2, (10, 1)).astype("float32")
    model = models.Sequential([layers.Dense(1, activation="sigmoid")])
    model.compile("sgd", loss="binary_crossentropy", metrics=[metrics.BinaryIoU(target_class_ids=[0, 1])])
    logs = model.evaluate(x, y, batch_size=4, verbose=0, return_dict=True)
    p = model.predict(x, verbose=0)
    reference = keras.metrics.BinaryIoU(target_class_ids=[0, 1])
    for start in range(0, 10, 4):
        reference.update_state(y[start:start + 4], p[start:start + 4])
    np.testing.assert_allclose(logs["binary_io_u"], _keras_result(reference), rtol=1e-6)


@pytest.mark.parametrize("make, words", [
    (lambda: metrics.BinaryIoU(target_class_ids=[2]), r"Target class id 2 is out of range, which is \[0, 2\)"),
    (lambda: metrics.BinaryIoU(target_class_ids=[]), r"target_class_ids=\[\]"),
    (lambda: metrics.BinaryIoU(target_class_ids=[0.5]), r"target_class_ids=\[0\.5\]"),
    (lambda: metrics.BinaryIoU(threshold=float("nan")), r"threshold=nan"),
    (lambda: metrics.BinaryIoU(dtype="int8"), r"dtype='int8'"),
])
def test_bad_arguments_are_refused_when_made(make, words):
    with pytest.raises(ValueError, match=words):
        make()


def test_bad_inputs_are_refused_naming_them():
    m = metrics.BinaryIoU()
    with pytest.raises(ValueError, match=r"as many class ids; y_true of shape \(3,\) .* gives 3 class ids, "
                                         r"but y_pred of shape \(2,\) .* gives 2"):
        m.update_state([0, 1, 1], [0.2, 0.4])
    with pytest.raises(ValueError, match=r"one weight per entry \(3\) or one for all"):
        m.update_state([0, 1, 1], [0.2, 0.4, 0.9], sample_weight=[1, 2])
    with pytest.raises(TypeError, match=r"`y_true` must hold numbers"):
        m.update_state(["a", "b"], [0.2, 0.4])
