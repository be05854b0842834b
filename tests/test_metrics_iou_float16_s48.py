"""The IoU metrics with a float16 confusion matrix (``dtype="float16"``), as Keras 3.15 on torch takes it.

References, never the code under test: Keras 3.15's same classes on torch, fed the same batches (its matrix is a
float16 variable filled by torch's one-by-one scatter), and cases counted by hand in float16.
"""
import warnings

import numpy as np
import pytest
from helpers import keras_on_torch

from tinygradconv import metrics

KERAS = "Keras 3 is the reference for the IoU metrics in float16"
IOU_CLASSES = [("IoU", {"num_classes": 3, "target_class_ids": [0, 2]}),
               ("MeanIoU", {"num_classes": 3, "ignore_class": 1}),
               ("OneHotIoU", {"num_classes": 3, "target_class_ids": [1]}),
               ("OneHotMeanIoU", {"num_classes": 3}),
               ("BinaryIoU", {"threshold": 0.3})]


def _keras_result(metric):
    return float(metric.result().detach().cpu().numpy())


def _batch(rng, name, size):
    """Labels mostly of class 0, so that a cell passes 2048 in a batch of 3000 (and stops there in float16)."""
    ids = np.where(rng.uniform(size=size) < 0.8, 0, rng.integers(0, 3, size))
    if name == "BinaryIoU":
        return ids.clip(0, 1).astype("float32"), rng.uniform(0, 0.4, size).astype("float32")
    scores = rng.uniform(0, 1, (size, 3)).astype("float32")
    scores[np.arange(size), ids] += 0.5 * (rng.uniform(size=size) < 0.9)    # mostly right
    if name.startswith("OneHot"):
        return np.eye(3, dtype="float32")[ids], scores
    return ids, scores.argmax(axis=-1)


def test_mean_iou_float16_is_made_and_counts_by_hand():
    """The tester's case: cm [[1, 0, 0], [0, 1, 0], [0, 1, 0]]; IoUs 1, 1 / (1 + 2 - 1), 0: mean 0.5."""
    m = metrics.MeanIoU(num_classes=3, dtype="float16")
    m.update_state([0, 1, 2], [0, 1, 1])
    assert m.dtype == "float16" and m.total_cm.dtype == np.float16
    np.testing.assert_array_equal(m.total_cm, [[1, 0, 0], [0, 1, 0], [0, 1, 0]])
    np.testing.assert_allclose(m.result(), 0.5, rtol=1e-6)


@pytest.mark.parametrize("name, kwargs", IOU_CLASSES)
@pytest.mark.parametrize("weighted", [False, True])
def test_iou_float16_matches_keras_after_every_batch(name, kwargs, weighted):
    keras = keras_on_torch(KERAS)
    rng = np.random.default_rng(48)
    ours = getattr(metrics, name)(dtype="float16", **kwargs)
    theirs = getattr(keras.metrics, name)(dtype="float16", **kwargs)
    for batch, size in enumerate([3000, 7, 0, 2500]):       # past 2048 in one batch, then summed across batches
        y, p = _batch(rng, name, size)
        weights = {"sample_weight": rng.choice([0.1, 0.3, 1.0, 2.5], size).astype("float32")} if weighted else {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs.update_state(y, p, **weights)
        ours.update_state(y, p, **weights)
        expected = keras.ops.convert_to_numpy(theirs.total_cm)
        assert ours.total_cm.dtype == expected.dtype == np.float16
        np.testing.assert_array_equal(ours.total_cm, expected, err_msg=f"batch {batch}")
        np.testing.assert_allclose(ours.result(), _keras_result(theirs), rtol=1e-6, err_msg=f"batch {batch}")
    if not weighted and name != "BinaryIoU":
        assert ours.total_cm.max() > 2048           # the case checked: a cell past float16's last exact count
    ours.reset_state()
    assert ours.result() == 0.0 and not ours.total_cm.any()


def test_float16_cell_stops_at_2048_within_a_batch_as_keras():
    """3000 pairs (0, 0): in float16 2048 + 1 rounds to 2048 (by hand); two batches add 2048 + 2048."""
    keras = keras_on_torch(KERAS)
    y = np.array([0] * 3000 + [1] * 5)
    p = np.array([0] * 2999 + [1] * 6)
    ours = metrics.MeanIoU(num_classes=2, dtype="float16")
    theirs = keras.metrics.MeanIoU(num_classes=2, dtype="float16")
    for total in (2048, 4096):
        ours.update_state(y, p)
        theirs.update_state(y, p)
        assert ours.total_cm[0, 0] == total
        np.testing.assert_array_equal(ours.total_cm, keras.ops.convert_to_numpy(theirs.total_cm))
        np.testing.assert_allclose(ours.result(), _keras_result(theirs), rtol=1e-6)


def test_float16_line_sums_are_taken_in_float32_as_torch():
    """A column 1024 + 1024 + 1 + 1: torch sums it to 2050 (in float32, rounded once); added one by one in float16
    it would stop at 2048. IoU_0 = 1024 / (2050 + 1024 - 1024) by hand, as Keras."""
    keras = keras_on_torch(KERAS)
    y, p = np.array([0] * 1024 + [1] * 1024 + [2, 3]), np.zeros(2050, "int64")
    ours = metrics.IoU(num_classes=4, target_class_ids=[0], dtype="float16")
    theirs = keras.metrics.IoU(num_classes=4, target_class_ids=[0], dtype="float16")
    ours.update_state(y, p)
    theirs.update_state(y, p)
    np.testing.assert_allclose(ours.result(), 1024 / 2050, rtol=1e-6)
    np.testing.assert_allclose(ours.result(), _keras_result(theirs), rtol=1e-7)


def test_float16_cell_past_65504_is_inf_and_its_class_left_out_as_keras():
    """Weights of 30000 on class 0: 60000 + 30000 overflows float16 to inf; class 0's denominator inf + inf - inf
    is NaN, not > 1e-9, so only class 1 counts: 160 / (160 + 32) by hand."""
    keras = keras_on_torch(KERAS)
    ours = metrics.MeanIoU(num_classes=2, dtype="float16")
    theirs = keras.metrics.MeanIoU(num_classes=2, dtype="float16")
    for y, p, w in [([0, 0], [0, 0], [30000.0, 30000.0]), ([0, 1], [0, 1], [30000.0, 160.0]), ([1], [0], [32.0])]:
        y, p, w = np.array(y), np.array(p), np.array(w, "float32")
        ours.update_state(y, p, sample_weight=w)
        theirs.update_state(y, p, sample_weight=w)
    assert np.isinf(ours.total_cm[0, 0])
    np.testing.assert_array_equal(ours.total_cm, keras.ops.convert_to_numpy(theirs.total_cm))
    np.testing.assert_allclose(ours.result(), 160 / 192, rtol=1e-6)
    np.testing.assert_allclose(ours.result(), _keras_result(theirs), rtol=1e-7)


@pytest.mark.parametrize("name, kwargs", IOU_CLASSES)
def test_iou_float16_config_goes_both_ways_with_keras(name, kwargs):
    keras = keras_on_torch(KERAS)
    ours = getattr(metrics, name)(dtype="float16", name="seg", **kwargs)
    theirs = getattr(keras.metrics, name)(dtype="float16", name="seg", **kwargs)
    assert list(ours.get_config().items()) == list(theirs.get_config().items())
    again = metrics.get({"class_name": name, "config": theirs.get_config()})
    assert again.dtype == "float16" and again.get_config() == ours.get_config()
