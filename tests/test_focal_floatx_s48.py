"""The focal losses under ``config.set_floatx`` as Keras 3 on torch (found by a tester, session 48).

Keras' ``categorical_focal_crossentropy`` clips with ``ops.clip(output, epsilon, 1 - epsilon)``, which makes the
bounds tensors of floatx: float32 numbers under the default floatx, ``1e-7`` and ``1 - 1e-7`` under floatx float64,
and float16 numbers (``1 - 1e-7`` rounds to 1.0) under floatx float16. Ours kept float32 bounds whatever floatx
was: ``CategoricalFocalCrossentropy(gamma=0.0)([[0, 1, 0]], [[0., 1., 0.]])`` under floatx float64 was
``0.25 * -log(float32(1 - 1e-7))`` where Keras gives ``0.25 * -log(1 - 1e-7)``."""
import math

import numpy as np
import pytest
from helpers import keras_on_torch

import tinygradconv as tg


@pytest.fixture
def floatx():
    """Set floatx here (and in Keras, when given), both restored after the test."""
    restore = [(tg.config.set_floatx, tg.config.floatx())]

    def set_both(name, keras=None):
        tg.config.set_floatx(name)
        if keras is not None:
            restore.append((keras.config.set_floatx, keras.config.floatx()))
            keras.config.set_floatx(name)

    yield set_both
    for set_floatx, previous in reversed(restore):
        set_floatx(previous)


def test_the_testers_case_under_floatx_float64_clips_at_one_minus_1e_7(floatx):
    floatx("float64")
    loss = tg.losses.CategoricalFocalCrossentropy(gamma=0.0, reduction="none")([[0, 1, 0]], [[0.0, 1.0, 0.0]])
    assert loss.numpy().dtype == np.float64
    assert loss.numpy()[0] == 0.25 * -math.log1p(-1e-7) or loss.numpy()[0] == 0.25 * -math.log(1 - 1e-7)
    np.testing.assert_allclose(loss.numpy()[0], 2.5000001236841184e-08, rtol=1e-15)


def test_under_floatx_float16_the_upper_bound_is_one_so_a_sure_prediction_costs_nothing(floatx):
    """float16(1 - 1e-7) is 1.0: a probability of 1 is not clipped, its log is 0 (as Keras)."""
    floatx("float16")
    loss = tg.losses.categorical_focal_crossentropy(np.array([[0.0, 1.0, 0.0]], np.float32),
                                                    np.array([[0.0, 1.0, 0.0]], np.float32), gamma=0.0)
    assert loss.numpy().tolist() == [0.0]


def test_under_the_default_floatx_the_bounds_stay_float32_for_float64_predictions():
    loss = tg.losses.categorical_focal_crossentropy(np.array([[0.0, 1.0, 0.0]]), np.array([[0.0, 1.0, 0.0]]),
                                                    gamma=0.0)
    assert loss.numpy()[0] == 0.25 * -math.log(float(np.float32(1 - 1e-7)))


def _both(name, y_true, y_pred, keras, **kwargs):
    import torch

    ours_in = tg.tensor(y_pred, requires_grad=True)
    ours = getattr(tg.losses, name)(y_true, ours_in, **kwargs)
    ours.sum().backward()
    theirs_in = torch.tensor(y_pred, requires_grad=True)
    theirs = getattr(keras.losses, name)(torch.tensor(y_true), theirs_in, **kwargs)
    theirs.sum().backward()
    return ours.numpy(), ours_in.grad.numpy(), theirs.detach().numpy(), theirs_in.grad.numpy()


CASES = {"categorical_focal_crossentropy": [{"gamma": 2.0}, {"gamma": 0.3, "alpha": 0.3},
                                            {"gamma": 1.7, "alpha": [0.1, 0.7, 0.2, 0.33]},
                                            {"gamma": 0.5, "from_logits": True}],
         "binary_focal_crossentropy": [{"gamma": 2.0}, {"gamma": 0.3, "apply_class_balancing": True, "alpha": 0.3},
                                       {"gamma": 1.7, "from_logits": True}]}


@pytest.mark.parametrize("fx", ["float16", "float32", "float64"])
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_focal_losses_match_keras_under_every_floatx(name, dtype, fx, floatx):
    """Values (dtype included) and gradients against Keras 3.15 on torch (torch's autograd through Keras' loss),
    with probabilities of exactly 0 and 1 and nearly so, under floatx float16, float32 and float64."""
    keras = keras_on_torch("Keras 3 on torch is the reference for the focal losses under floatx")
    floatx(fx, keras)
    tolerance = {"float16": 2e-3, "float32": 2e-6, "float64": 1e-6}[dtype]
    rng = np.random.default_rng(48)
    for kwargs in CASES[name]:
        y_pred = rng.uniform(0, 1, (5, 4))
        y_pred[0], y_pred[1] = [0, 1, 0, 0], [1e-9, 1 - 1e-9, 0, 0]
        if kwargs.get("from_logits"):
            y_pred = (y_pred - 0.5) * 10
        y_true = np.eye(4)[rng.integers(0, 4, 5)] if name.startswith("categorical") else (
            rng.uniform(0, 1, (5, 4)) > 0.5) * 1.0
        y_true[0] = [0, 1, 0, 0]
        value, grad, their_value, their_grad = _both(name, y_true.astype(dtype), y_pred.astype(dtype), keras, **kwargs)
        assert value.dtype == their_value.dtype, kwargs
        # softmax's rounding differs a little from Keras' (log_softmax, then exp): the tolerance scales with the
        # largest value; under floatx float16, torch.pow's backward computes with float16(gamma) - 1 rounded to
        # float16 (gamma=0.3 becomes float16(0.3) = 0.30005, whose exponent - 1 rounds to -0.7), ours with the exact
        # float16(gamma) - 1: 2e-4 apart
        atol = tolerance * np.nanmax(np.abs(their_value))
        np.testing.assert_allclose(value, their_value, rtol=tolerance, atol=atol, err_msg=str(kwargs))
        grad_tolerance = 1e-3 if fx == "float16" else tolerance
        np.testing.assert_allclose(grad, their_grad, rtol=grad_tolerance, atol=grad_tolerance * np.nanmax(
            np.abs(their_grad)), err_msg=str(kwargs))
