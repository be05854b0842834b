"""``sparse_categorical_crossentropy`` with ``ignore_class`` and with a class axis other than the last, function and
class, against Keras 3 on its torch backend (values and gradients; skipped visibly without it) and against NumPy
loops written from Keras' rules (always run): an ignored entry has loss 0 and gradient 0, and Keras' reduction
leaves it out of the mean (``apply_mask``: a counted entry weighs ``n / n_counted``)."""
import numpy as np
import pytest
from helpers import keras_on_torch, tensor_on

import tinygradconv as tg
from tinygradconv import losses, metrics

EPS = 1e-7
KERAS = "Keras 3 on torch is the reference of sparse_categorical_crossentropy's ignore_class and axis"
REDUCTIONS = ["sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", None]


def np_sparse_loop(labels, scores, from_logits, ignore_class=None, axis=-1):
    """Entry by entry, in float64: move the class axis last, then -log p[label] (0 for an ignored label)."""
    scores = np.moveaxis(np.asarray(scores, dtype=np.float64), axis, -1)
    labels = np.asarray(labels)
    out = np.zeros(labels.shape)
    for index in np.ndindex(labels.shape):
        label = int(labels[index])
        if ignore_class is not None and label == ignore_class:
            continue
        row = scores[index]
        if from_logits:
            m = row.max()
            log_p = row[label] - m - np.log(np.sum(np.exp(row - m)))
        else:
            log_p = np.log(np.clip(row[label] / row.sum(), EPS, 1 - EPS))
        out[index] = -log_p
    return out


def np_reduce(values, counted, weights, reduction):
    """Keras' reduction of masked losses, written out: the mean over the counted entries. For
    ``"mean_with_sample_weight"``, per-sample weights (``weights`` of shape ``(batch, 1)``, for losses of shape
    ``(batch, steps)``) each count in the share of their row that is counted: a mask hiding nothing leaves Keras'
    divisor without a mask, the sum of the weights."""
    w = np.ones_like(values) if weights is None else np.broadcast_to(weights, values.shape)
    weighted = values * w * counted
    if reduction in (None, "none"):
        return weighted
    if reduction == "sum":
        return weighted.sum()
    if reduction == "mean_with_sample_weight":
        if weights is not None and np.shape(weights)[-1] == 1:
            divisor = sum(weights[i, 0] * counted[i].sum() / counted.shape[1] for i in range(counted.shape[0]))
        else:
            divisor = (w * counted).sum()
        return weighted.sum() / divisor if divisor else 0.0
    return weighted.sum() / counted.sum() if counted.sum() else 0.0


def _data(rng, shape, classes, axis, ignore_class=-1, share=0.3):
    scores_shape = list(shape)
    scores_shape.insert(axis % (len(shape) + 1), classes)
    logits = rng.standard_normal(scores_shape) * 2.0
    probabilities = rng.uniform(0.05, 1.0, scores_shape)
    labels = rng.integers(0, classes, shape)
    labels[rng.uniform(size=shape) < share] = ignore_class
    return labels, logits, probabilities


# ------------------------------------------------------------------------------------------------ by hand
def test_by_hand_ignored_entries_count_for_nothing(backend):
    p = [[0.25, 0.75], [0.5, 0.5], [0.5, 0.5], [np.nan, np.inf]]      # the last row is ignored: NaN and inf in it
    x = tensor_on(p, backend, requires_grad=True)
    per_entry = losses.sparse_categorical_crossentropy([1, -1, 0, -1], x, ignore_class=-1)
    np.testing.assert_allclose(per_entry.numpy(), [np.log(4 / 3), 0.0, np.log(2), 0.0], rtol=1e-14)
    mean = losses.SparseCategoricalCrossentropy(ignore_class=-1)([1, -1, 0, -1], x)
    assert mean.item() == pytest.approx((np.log(4 / 3) + np.log(2)) / 2, rel=1e-14)     # two entries counted
    mean.backward()
    # d/dp of -log(p_label / sum p) / 2 = (1 / sum p - [label] / p_label) / 2; ignored rows: 0, not NaN
    np.testing.assert_allclose(x.grad.numpy(), [[0.5, 0.5 - 2 / 3], [0, 0], [0.5 - 1.0, 0.5], [0, 0]], rtol=1e-14,
                               atol=1e-15)


@pytest.mark.parametrize("from_logits", [False, True])
@pytest.mark.parametrize("axis", [-1, 1, 0, -2])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_against_a_numpy_loop(from_logits, axis, reduction, backend, rng):
    labels, logits, probabilities = _data(rng, (4, 5), 3, axis, ignore_class=255)
    scores = logits if from_logits else probabilities
    weights = rng.uniform(0.5, 2.0, 4)
    loss = losses.SparseCategoricalCrossentropy(from_logits=from_logits, ignore_class=255, axis=axis,
                                                reduction=reduction)
    got = loss(labels, tensor_on(scores, backend), sample_weight=weights)
    values = np_sparse_loop(labels, scores, from_logits, 255, axis)
    expected = np_reduce(values, labels != 255, weights[:, None], reduction)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-12, atol=1e-15)
    plain = losses.sparse_categorical_crossentropy(labels, tensor_on(scores, backend), from_logits=from_logits,
                                                   ignore_class=255, axis=axis)
    np.testing.assert_allclose(plain.numpy(), values, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("from_logits", [False, True])
@pytest.mark.parametrize("axis", [-1, 1])
def test_gradcheck_with_ignored_entries(from_logits, axis, backend, rng):
    labels, logits, probabilities = _data(rng, (3, 2), 4, axis)
    scores = logits if from_logits else probabilities
    loss = losses.SparseCategoricalCrossentropy(from_logits=from_logits, ignore_class=-1, axis=axis)
    assert tg.gradcheck(lambda x: loss(labels, x), tensor_on(scores, backend, requires_grad=True), atol=1e-7,
                        rtol=1e-5)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_every_entry_ignored_gives_zero(reduction, backend):
    x = tensor_on([[0.2, 0.8], [np.nan, 0.5]], backend, requires_grad=True)
    out = losses.SparseCategoricalCrossentropy(ignore_class=7, reduction=reduction)([7, 7], x, sample_weight=[1., 2.])
    assert np.all(out.numpy() == 0.0)
    out.sum().backward()
    assert np.all(x.grad.numpy() == 0.0)


def test_without_ignore_class_nothing_changes(rng):
    labels, _, p = _data(rng, (6,), 3, -1, share=0.0)
    a = losses.SparseCategoricalCrossentropy()(labels, tensor_on(p))
    b = losses.SparseCategoricalCrossentropy(ignore_class=None)(labels, tensor_on(p))
    c = losses.SparseCategoricalCrossentropy(ignore_class=5)(labels, tensor_on(p))    # a label nobody has
    assert a.item() == b.item() == c.item() == pytest.approx(np_sparse_loop(labels, p, False).mean(), rel=1e-12)
    assert not hasattr(losses.sparse_categorical_crossentropy(labels, tensor_on(p)), "_keras_mask")


# ------------------------------------------------------------------------------------------------ errors, config
@pytest.mark.parametrize("bad", ["-1", 1.5, True, [1], object()])
def test_a_bad_ignore_class_is_a_type_error_naming_it(bad):
    for make in (lambda: losses.SparseCategoricalCrossentropy(ignore_class=bad),
                 lambda: losses.sparse_categorical_crossentropy([0], [[0.5, 0.5]], ignore_class=bad)):
        with pytest.raises(TypeError, match=r"argument `ignore_class`\. Expected None or an integer.*Received "
                                            r"ignore_class="):
            make()


def test_labels_outside_the_classes_are_refused_unless_ignored():
    assert losses.sparse_categorical_crossentropy([255, 1], [[0.5, 0.5], [0.2, 0.8]], ignore_class=255).shape == (2,)
    with pytest.raises(ValueError, match=r"labels must be in \[0, 2\) \(or ignore_class=255\)\. Received labels "
                                         r"from -1 to 1"):
        losses.sparse_categorical_crossentropy([255, -1, 1], np.full((3, 2), 0.5), ignore_class=255)
    with pytest.raises(ValueError, match=r"labels must be in \[0, 2\)\. Received"):
        losses.sparse_categorical_crossentropy([255, 1], np.full((2, 2), 0.5))


def test_axis_errors_name_the_axis_and_shapes():
    with pytest.raises(ValueError, match=r"sparse_categorical_crossentropy: axis 2 is out of range"):
        losses.SparseCategoricalCrossentropy(axis=2)([0, 1], tg.tensor(np.full((2, 3), 0.5)))
    with pytest.raises(ValueError, match=r"class axis 0.*target.shape=\(2,\), output.shape=\(2, 3\)"):
        losses.sparse_categorical_crossentropy([0, 1], np.full((2, 3), 0.5), axis=0)
    labels = np.zeros((2, 1, 4), dtype=int)                     # the class axis of size 1 is squeezed, as Keras
    assert losses.sparse_categorical_crossentropy(labels, np.full((2, 3, 4), 0.5), axis=1).shape == (2, 4)


def test_config_round_trip_and_lookup():
    loss = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=np.int64(255), axis=1, reduction="sum")
    config = loss.get_config()
    assert config == {"name": "sparse_categorical_crossentropy", "reduction": "sum", "from_logits": True,
                      "ignore_class": 255, "axis": 1} and type(config["ignore_class"]) is int
    again = losses.get(losses.serialize(loss))
    assert type(again) is losses.SparseCategoricalCrossentropy and again.get_config() == config
    keras_style = {"name": "scce", "reduction": "sum_over_batch_size", "from_logits": False, "ignore_class": -1}
    assert losses.SparseCategoricalCrossentropy.from_config(keras_style).get_config()["ignore_class"] == -1


def test_reduce_weighted_values_with_a_mask_by_hand():
    values = tg.tensor([1.0, 2.0, 4.0, 8.0], dtype="float64")
    mask = tg.tensor([True, False, True, True], dtype="bool")
    w = [1.0, 1.0, 0.5, 0.25]

    def reduce(weights, reduction):
        return losses.reduce_weighted_values(values, weights, reduction=reduction, mask=mask)

    assert reduce(None, "sum_over_batch_size").item() == pytest.approx(13 / 3, rel=1e-15)
    assert reduce(w, "sum_over_batch_size").item() == pytest.approx(5 / 3, rel=1e-15)
    assert reduce(w, "mean_with_sample_weight").item() == pytest.approx(5 / 1.75, rel=1e-15)
    assert reduce(w, "sum").item() == 5.0
    assert reduce(None, None).tolist() == [1.0, 0.0, 4.0, 8.0]


# ------------------------------------------------------------------------------------------------ Keras 3
def _keras_loss(keras, torch, loss, labels, scores, weights, dtype=np.float32):
    x = torch.tensor(scores.astype(dtype), requires_grad=True)
    out = loss(torch.tensor(labels), x, sample_weight=None if weights is None else torch.tensor(weights))
    out.sum().backward()
    return out.detach().numpy(), x.grad.numpy()


@pytest.mark.parametrize("from_logits", [False, True])
@pytest.mark.parametrize("axis", [-1, 1, 0])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_the_class_matches_keras(from_logits, axis, reduction, weighted, rng):
    keras = keras_on_torch(KERAS)
    import torch

    labels, logits, probabilities = _data(rng, (6, 5), 4, axis)
    labels[0, 0] = -1                                               # at least one ignored, one counted
    labels[0, 1] = 2
    scores = (logits if from_logits else probabilities).astype(np.float32)
    scores[labels == -1 if axis == -1 else np.zeros(scores.shape, bool)] = np.nan   # never reaches the loss
    # one weight per loss entry: Keras' apply_mask refuses per-sample weights (6,) for losses (6, 5) (a torch
    # RuntimeError from its in-place product); ours broadcast them (test_against_a_numpy_loop)
    weights = rng.uniform(0.5, 2.0, labels.shape).astype(np.float32) if weighted else None
    kwargs = {"from_logits": from_logits, "ignore_class": -1, "axis": axis, "reduction": reduction}
    expected, expected_grad = _keras_loss(keras, torch, keras.losses.SparseCategoricalCrossentropy(**kwargs), labels,
                                          scores, weights)
    x = tg.tensor(scores, dtype="float32", requires_grad=True)
    out = losses.SparseCategoricalCrossentropy(**kwargs)(labels, x, sample_weight=weights)
    out.sum().backward()
    assert out.numpy().dtype == np.float32 and out.shape == expected.shape
    np.testing.assert_allclose(out.numpy(), expected, rtol=2e-6, atol=1e-7)
    np.testing.assert_allclose(x.grad.numpy(), expected_grad, rtol=2e-5, atol=1e-7)
    assert np.all(x.grad.numpy()[np.isnan(scores)] == 0.0)


@pytest.mark.parametrize("from_logits", [False, True])
@pytest.mark.parametrize("ignore_class", [None, 0, 255])
@pytest.mark.parametrize("axis, shape", [(-1, (3, 4, 5)), (1, (3, 5, 4)), (0, (5, 3, 4)), (-2, (3, 5, 4)),
                                         (0, (5,)), (-1, (5,))])
def test_the_function_matches_keras(from_logits, ignore_class, axis, shape, rng):
    keras = keras_on_torch(KERAS)
    import torch

    scores = (rng.standard_normal(shape) if from_logits else rng.uniform(0.05, 1.0, shape)).astype(np.float32)
    label_shape = shape[:axis % len(shape)] + shape[axis % len(shape) + 1:]
    labels = rng.integers(0, 5, label_shape)
    if ignore_class == 255:
        labels[rng.uniform(size=label_shape) < 0.3] = 255
    x = torch.tensor(scores, requires_grad=True)
    expected = keras.losses.sparse_categorical_crossentropy(torch.tensor(labels), x, from_logits=from_logits,
                                                            ignore_class=ignore_class, axis=axis)
    expected.sum().backward()
    ours = tg.tensor(scores, dtype="float32", requires_grad=True)
    got = losses.sparse_categorical_crossentropy(labels, ours, from_logits=from_logits, ignore_class=ignore_class,
                                                 axis=axis)
    got.sum().backward()
    np.testing.assert_allclose(got.numpy(), expected.detach().numpy(), rtol=2e-6, atol=1e-7)
    np.testing.assert_allclose(ours.grad.numpy(), x.grad.numpy(), rtol=2e-5, atol=1e-7)
    keras_mask = getattr(expected, "_keras_mask", None)
    if ignore_class is None:
        assert keras_mask is None and not hasattr(got, "_keras_mask")
    else:
        np.testing.assert_array_equal(got._keras_mask.numpy(), keras_mask.numpy())


def test_float16_and_float64_predictions_match_keras(rng):
    keras = keras_on_torch(KERAS)
    import torch

    labels, logits, _ = _data(rng, (8,), 3, -1)
    for dtype in (np.float16, np.float64):
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1)
        expected = loss(torch.tensor(labels), torch.tensor(logits.astype(dtype)))
        got = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1)(labels, tg.tensor(
            logits.astype(dtype), dtype=np.dtype(dtype).name))
        np.testing.assert_allclose(got.item(), expected.item(), rtol=1e-6)


def test_keras_config_and_metric_of_the_loss_object(rng):
    keras = keras_on_torch(KERAS)
    import torch

    theirs = keras.losses.SparseCategoricalCrossentropy(ignore_class=-1).get_config()
    theirs.pop("dtype", None)
    ours = losses.SparseCategoricalCrossentropy(ignore_class=-1).get_config()
    assert ours.pop("axis") == -1 and ours == theirs        # Keras leaves out axis; ours keeps it
    # a metric made from the loss object: the mean over batches of each batch's (masked) mean, as Keras
    mine = metrics.MeanMetricWrapper(losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1))
    keras_metric = keras.metrics.MeanMetricWrapper(keras.losses.SparseCategoricalCrossentropy(from_logits=True,
                                                                                              ignore_class=-1))
    for _ in range(3):
        labels, logits, _ = _data(rng, (7,), 3, -1)
        mine.update_state(labels, tg.tensor(logits.astype(np.float32)))
        keras_metric.update_state(torch.tensor(labels), torch.tensor(logits.astype(np.float32)))
    assert mine.result() == pytest.approx(float(keras_metric.result()), rel=1e-6)


def test_a_metric_of_the_loss_function_masks_its_weights_as_keras(rng):
    """Keras' Mean masks ``sample_weight`` with the loss's mask (and only then leaves ignored entries out)."""
    keras = keras_on_torch(KERAS)
    import torch

    labels = np.array([0, 2, -1, 1, -1, 2])
    probabilities = rng.random((6, 3)).astype(np.float32)
    probabilities /= probabilities.sum(1, keepdims=True)
    weights = np.array([1.0, 2.0, 3.0, 0.5, 1.0, 2.0], np.float32)
    for sample_weight in (weights, None):
        mine = metrics.MeanMetricWrapper(losses.sparse_categorical_crossentropy, ignore_class=-1)
        theirs = keras.metrics.MeanMetricWrapper(keras.losses.sparse_categorical_crossentropy, ignore_class=-1)
        mine.update_state(labels, probabilities, sample_weight=sample_weight)
        theirs.update_state(torch.tensor(labels), torch.tensor(probabilities),
                            sample_weight=None if sample_weight is None else torch.tensor(sample_weight))
        assert mine.result() == pytest.approx(float(theirs.result()), rel=1e-6)
    # by hand, with weights: the ignored rows weigh 0, so the mean is over the others with their weights
    counted = labels != -1
    nll = -np.log(probabilities[np.flatnonzero(counted), labels[counted]].astype(np.float64))
    mine = metrics.MeanMetricWrapper(losses.sparse_categorical_crossentropy, ignore_class=-1)
    mine.update_state(labels, probabilities, sample_weight=weights)
    assert mine.result() == pytest.approx((nll * weights[counted]).sum() / weights[counted].sum(), rel=1e-6)
