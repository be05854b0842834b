"""Dropout against Keras 3.15 on torch at inf and NaN (a tester of session 45): unseeded, Keras calls
``torch.nn.functional.dropout``, a product with the mask, so a dropped inf or NaN is NaN; with a seed or a
noise_shape it computes ``where(mask, x / keep, 0)``, so it is 0. Values and gradients, each against the rule
applied to the layer's own mask (read from a call on ones with the same random state)."""
import os

import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv.layers import Dropout

X = np.array([[np.inf] * 10 + [-np.inf] * 10 + [np.nan] * 10 + [1.5] * 10], "float32")


def _keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras", reason="Keras 3 on torch is the reference")
    if keras.backend.backend() != "torch":
        pytest.skip("the reference is Keras 3 on its torch backend")
    return keras


def _product_rule(x, kept, rate):
    """torch.nn.functional.dropout: x * (mask / keep) in float32 (float32(1) / float32(keep), which differs from
    float32(1 / keep) by an ulp at some rates: a reviewer), and its gradient mask / keep."""
    noise = kept.astype("float32") * (np.float32(1.0) / np.float32(1.0 - rate))
    with np.errstate(invalid="ignore"):
        return x * noise, noise


def _keras_unseeded(keras, x, rate, state):
    import torch

    torch.manual_seed(state)
    kept = keras.ops.convert_to_numpy(keras.layers.Dropout(rate)(np.ones_like(x), training=True)) != 0
    torch.manual_seed(state)
    t = torch.tensor(x, requires_grad=True)
    y = keras.layers.Dropout(rate)(t, training=True)
    y.sum().backward()
    return kept, y.detach().numpy(), t.grad.numpy()


def _ours(x, rate, state=None, **kwargs):
    if state is not None:
        tg.random.set_seed(state)
    kept = Dropout(rate, **kwargs)(np.ones_like(x), training=True).numpy() != 0
    if state is not None:
        tg.random.set_seed(state)
    t = tg.Tensor(x, requires_grad=True)
    y = Dropout(rate, **kwargs)(t, training=True)
    y.sum().backward()
    return kept, y.numpy(), t.grad.numpy()


@pytest.mark.parametrize("rate", [0.3, 0.5, 0.7, 0.04, 0.15, 0.42])   # (1 / keep rounds two ways at 0.04, 0.15)
def test_unseeded_dropout_gives_nan_for_a_dropped_inf_or_nan_as_keras(rate):
    keras = _keras()
    kept, y, grad = _keras_unseeded(keras, X, rate, state=1)
    assert 0 < kept.sum() < X.size
    expected, expected_grad = _product_rule(X, kept, rate)
    np.testing.assert_array_equal(y, expected)                  # Keras follows the rule
    np.testing.assert_array_equal(grad, expected_grad)
    assert np.isnan(y[~kept & np.isinf(X)]).all()
    kept, y, grad = _ours(X, rate, state=1)
    assert 0 < kept.sum() < X.size
    expected, expected_grad = _product_rule(X, kept, rate)
    np.testing.assert_array_equal(y, expected)                  # and so do we
    np.testing.assert_array_equal(grad, expected_grad)
    assert np.isnan(y[~kept]).sum() == (~kept[:, :30]).sum()    # every dropped inf and NaN


@pytest.mark.parametrize("kwargs", [{"seed": 3}, {"noise_shape": (1, 40)}])
def test_seeded_or_shaped_dropout_gives_zero_for_a_dropped_inf_or_nan_as_keras(kwargs):
    keras = _keras()
    # a batch of two rows, X and ones: the same mask for both with noise_shape (1, 40) (the mask of ones read from
    # the second row)
    both = np.concatenate([X, np.ones_like(X)])
    out = keras.ops.convert_to_numpy(keras.layers.Dropout(0.5, **kwargs)(both, training=True))
    if "noise_shape" in kwargs:
        kept = out[1] != 0
        theirs = out[0]
        np.testing.assert_array_equal(theirs, np.where(kept, X[0] / np.float32(0.5), 0.0))
    else:   # a seed: the first row's mask is not the second's; a second layer with that seed draws the same masks
        kept = keras.ops.convert_to_numpy(keras.layers.Dropout(0.5, **kwargs)(np.ones((2, 40), "float32"),
                                                                                training=True))[0] != 0
        np.testing.assert_array_equal(out[0], np.where(kept, X[0] / np.float32(0.5), 0.0))
    assert not np.isfinite(X[0][~kept]).all()              # a dropped inf or NaN, given 0
    kept, y, grad = _ours(X, 0.5, state=5, **kwargs)
    assert 0 < kept.sum() < X.size
    np.testing.assert_array_equal(y, np.where(kept, X / np.float32(0.5), 0.0))
    np.testing.assert_array_equal(grad, np.where(kept, 2.0, 0.0))


def test_unseeded_dropout_of_float64_and_float16_rounds_one_over_keep_as_torch():
    torch = pytest.importorskip("torch")
    for dtype in ("float64", "float16"):
        x = np.linspace(-3, 3, 64).astype(dtype)
        torch.manual_seed(0)
        theirs = torch.nn.functional.dropout(torch.tensor(x), p=0.3, training=True).numpy()
        tg.random.set_seed(0)
        kept = Dropout(0.3, dtype=dtype)(tg.tensor(np.ones_like(x), dtype=dtype), training=True).numpy() != 0
        tg.random.set_seed(0)
        ours = Dropout(0.3, dtype=dtype)(tg.tensor(x, dtype=dtype), training=True).numpy()
        assert ours.dtype == theirs.dtype
        np.testing.assert_array_equal(ours, np.where(kept, x * np.asarray(1 / 0.7, dtype), 0))
        torch_kept = theirs != 0
        np.testing.assert_array_equal(theirs[torch_kept], (x * np.asarray(1 / 0.7, dtype))[torch_kept])
