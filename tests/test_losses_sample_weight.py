"""``sample_weight`` in the loss classes: gradients that reach weights which require grad (against Keras 3 on torch,
whose losses keep torch tensors in the graph), the divisor of ``"mean_with_sample_weight"`` with ``ignore_class``
(a mask that hides nothing changes nothing), and weights that sum to 0 (NaN kept, where Keras gives 0)."""
import math

import numpy as np
import pytest
from helpers import keras_on_torch

import tinygradconv as tg
from tinygradconv import losses

KERAS = "Keras 3 on torch is the reference of the losses' sample_weight"
REDUCTIONS = ["sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", None]


def _torch_loss_and_grads(loss, y_true, y_pred, weights):
    """Keras' loss on torch tensors: its value and the torch autograd gradients of its sum w.r.t. y_pred and the
    weights."""
    import torch

    x = torch.tensor(y_pred, requires_grad=True)
    w = torch.tensor(weights, requires_grad=True)
    out = loss(torch.tensor(y_true), x, sample_weight=w.clone())    # (Keras' apply_mask multiplies it in place)
    out.sum().backward()
    return out.detach().numpy(), x.grad.numpy(), w.grad.numpy()


def _ours(loss, y_true, y_pred, weights):
    x = tg.tensor(y_pred, dtype="float32", requires_grad=True)
    w = tg.tensor(weights, dtype="float32", requires_grad=True)
    out = loss(y_true, x, sample_weight=w)
    out.sum().backward()
    assert w.grad is not None, "the gradient did not reach sample_weight"
    return out.numpy(), x.grad.numpy(), w.grad.numpy()


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight_shape", [(4,), (4, 1)], ids=["per-sample", "per-sample-column"])
def test_the_gradient_reaches_sample_weight_as_in_keras(reduction, weight_shape, rng):
    keras = keras_on_torch(KERAS)
    y_true = rng.standard_normal((4, 3)).astype(np.float32)
    y_pred = rng.standard_normal((4, 3)).astype(np.float32)
    weights = rng.uniform(0.5, 2.0, weight_shape).astype(np.float32)
    expected = _torch_loss_and_grads(keras.losses.MeanSquaredError(reduction=reduction), y_true, y_pred, weights)
    got = _ours(losses.MeanSquaredError(reduction=reduction), y_true, y_pred, weights)
    for mine, theirs, what in zip(got, expected, ("value", "d/dy_pred", "d/dsample_weight")):
        assert mine.shape == theirs.shape, what
        np.testing.assert_allclose(mine, theirs, rtol=2e-6, atol=1e-7, err_msg=what)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_the_gradient_reaches_masked_sample_weight_as_in_keras(reduction, rng):
    keras = keras_on_torch(KERAS)
    labels = rng.integers(0, 3, (4, 5))
    labels[0, :2] = -1                                      # some entries ignored, most counted
    scores = rng.uniform(0.05, 1.0, (4, 5, 3)).astype(np.float32)
    weights = rng.uniform(0.5, 2.0, (4, 5)).astype(np.float32)     # one per entry: Keras refuses (4,) here
    kwargs = {"ignore_class": -1, "reduction": reduction}
    expected = _torch_loss_and_grads(keras.losses.SparseCategoricalCrossentropy(**kwargs), labels, scores, weights)
    got = _ours(losses.SparseCategoricalCrossentropy(**kwargs), labels, scores, weights)
    for mine, theirs, what in zip(got, expected, ("value", "d/dy_pred", "d/dsample_weight")):
        np.testing.assert_allclose(mine, theirs, rtol=2e-5, atol=1e-7, err_msg=what)


def test_the_gradient_of_the_weighted_mean_by_hand():
    # L = sum_i w_i l_i / sum_i w_i, so dL/dw_i = (l_i - L) / sum_i w_i
    per_sample = np.array([1.0, 4.0, 0.25])
    w = tg.tensor([1.0, 2.0, 0.5], dtype="float64", requires_grad=True)
    y_pred = tg.tensor(np.sqrt(per_sample)[:, None], dtype="float64")
    loss = losses.MeanSquaredError(reduction="mean_with_sample_weight")(np.zeros((3, 1)), y_pred, sample_weight=w)
    mean = (1.0 * 1.0 + 2.0 * 4.0 + 0.5 * 0.25) / 3.5
    assert loss.item() == pytest.approx(mean, rel=1e-14)
    loss.backward()
    np.testing.assert_allclose(w.grad.numpy(), (per_sample - mean) / 3.5, rtol=1e-13)


# ------------------------------------------------------------------------------------------------ ignore_class
def _uniform_case():
    labels = np.zeros((2, 2), int)                  # class 0 everywhere: ignore_class=1 hides nothing
    scores = np.full((2, 2, 3), 1 / 3, "float32")   # -log(1/3) = log 3 per entry
    weights = np.array([1.0, 3.0], "float32")       # one per sample, for losses of shape (2, 2)
    return labels, scores, weights


def test_an_ignore_class_that_hides_nothing_changes_nothing_as_keras_without_it():
    keras = keras_on_torch(KERAS)
    labels, scores, weights = _uniform_case()
    expected = float(keras.losses.SparseCategoricalCrossentropy(reduction="mean_with_sample_weight")(
        labels, scores, sample_weight=weights))
    for ignore_class in (None, 1, -1):
        got = losses.SparseCategoricalCrossentropy(ignore_class=ignore_class, reduction="mean_with_sample_weight")(
            labels, scores, sample_weight=weights)
        assert got.item() == pytest.approx(expected, rel=1e-6), ignore_class


def test_ignore_class_with_per_sample_weights_by_hand():
    labels, scores, weights = _uniform_case()
    loss = losses.SparseCategoricalCrossentropy(ignore_class=1, reduction="mean_with_sample_weight")
    # Keras without a mask: sum_i w_i sum_j l_ij / sum_i w_i = (1 + 3) * 2 log 3 / 4
    assert loss(labels, scores, sample_weight=weights).item() == pytest.approx(2 * math.log(3), rel=1e-6)
    # entry (0, 1) and row 1 ignored: numerator 1 * log 3; divisor 1 * 1/2 (half of row 0 counted) + 3 * 0
    labels = np.array([[0, 1], [1, 1]])
    assert loss(labels, scores, sample_weight=weights).item() == pytest.approx(math.log(3) / 0.5, rel=1e-6)
    # everything ignored: the weights counted sum to 0, the loss is 0
    assert loss(np.ones((2, 2), int), scores, sample_weight=weights).item() == 0.0


# ------------------------------------------------------------------------------------------------ weights summing to 0
def test_weights_summing_to_zero_keep_a_nan_where_keras_gives_zero():
    keras = keras_on_torch(KERAS)
    y_true = np.zeros((2, 2), "float32")
    y_pred = np.array([[np.inf, 1.0], [2.0, 3.0]], "float32")
    weights = np.zeros(2, "float32")
    keras_value = float(keras.losses.MeanSquaredError(reduction="mean_with_sample_weight")(
        y_true, y_pred, sample_weight=weights))
    assert keras_value == 0.0                       # divide_no_nan(inf * 0, 0): the documented difference
    ours = losses.MeanSquaredError(reduction="mean_with_sample_weight")(y_true, y_pred, sample_weight=weights)
    assert math.isnan(ours.item())                  # inf * 0 is NaN (IEEE 754), and NaN is never hidden
    finite = losses.MeanSquaredError(reduction="mean_with_sample_weight")(y_true, np.ones((2, 2), "float32"),
                                                                          sample_weight=weights)
    assert finite.item() == float(keras.losses.MeanSquaredError(reduction="mean_with_sample_weight")(
        y_true, np.ones((2, 2), "float32"), sample_weight=weights)) == 0.0


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_per_sample_weights_weigh_every_step_of_their_sample(reduction):
    """Weights of shape (batch,) with per-step losses (targets (batch, steps, channels)): each weighs all the steps
    of its sample, so the loss equals Keras' with the weights repeated over the steps, (batch, steps). (Keras
    itself lines (batch,) weights up with the steps: the documented difference, checked here too.)"""
    keras = keras_on_torch(KERAS)
    y = np.array([[[1, 2, 3], [0, 0, 0]], [[1, 1, 1], [2, 2, 2]]], "float32")
    p = np.zeros_like(y)
    w = np.array([1.0, 3.0], "float32")
    per_step = np.repeat(w[:, None], 2, axis=1)
    ours = np.asarray(losses.MeanSquaredError(reduction=reduction)(y, p, sample_weight=w))
    theirs = np.asarray(keras.losses.MeanSquaredError(reduction=reduction)(y, p, sample_weight=per_step))
    if reduction == "mean_with_sample_weight":     # divided by the weights as given, sum_i w_i (as Keras divides
        theirs = theirs * 2                        # (batch,) weights), where the repeated ones sum to 2 * sum_i w_i
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)
    by_hand = np.mean(y ** 2, axis=-1) * w[:, None]                # [[14/3, 0], [1, 4]] weighted by sample
    if reduction == "sum_over_batch_size":
        assert float(ours) == pytest.approx(by_hand.mean()) == pytest.approx(4.9166667)
        keras_reading = keras.losses.MeanSquaredError()(y, p, sample_weight=w)      # weighs the steps instead
        assert float(keras_reading) == pytest.approx(np.mean(np.mean(y ** 2, axis=-1) * w[None, :]))
