"""Normalization layers against Keras 3.15 on torch where the tester of session 45 found silent differences:
rows of float32 values whose squares overflow (LayerNormalization over consecutive axes follows torch's
``layer_norm`` kernel, values and gradients)."""
import os

import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv.layers import BatchNormalization, LayerNormalization


def _keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras", reason="Keras 3 on torch is the reference")
    if keras.backend.backend() != "torch":
        pytest.skip("these references are Keras 3 on its torch backend")
    return keras


def _ours_and_keras(x, **kwargs):
    """(values, input gradient of the sum) of our layer and of Keras' on torch, for the float32 array ``x``."""
    keras = _keras()
    import torch

    t = tg.Tensor(x, requires_grad=True)
    y = LayerNormalization(**kwargs)(t)
    y.sum().backward()
    kt = torch.tensor(x, requires_grad=True)
    ky = keras.layers.LayerNormalization(**kwargs)(kt)
    ky.sum().backward()
    return (y.numpy(), t.grad.numpy()), (ky.detach().numpy(), kt.grad.numpy())


def _same_nan_and_values(ours, theirs, atol):
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(theirs))
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=atol, equal_nan=True)


SQUARES_OVERFLOW = [
    # the tester's rows: NaN in Keras (torch's kernel), zeros here before; an ordinary row beside them
    np.array([[1e20, 1., 2.], [3e38, .5, 1.], [1., 2., 4.]], "float32"),
    # the reviewer's row: finite in torch, zeros from Keras' moments (a naive fix)
    (1e19 * (1 + 0.01 * np.arange(10, dtype="float32")))[None],
    np.array([[3e19, 2e19, 1e19], [3e38, -3e38, 0.0], [1e20, -1e20, 3e19], [1e19, 1e19, 1.0]], "float32"),
    # 8 elements: one full vector of torch's kernel; NaN where its lane 0 (element 0) squared overflows
    np.array([[2e19] * 7 + [1e18], [5e19] + [1.0] * 7, [1.0] * 7 + [5e19]], "float32"),
    # 16 and 17 elements: lane 0 holds elements 0 and 8; with a 17th element nothing is NaN
    np.array([[5e19] + [1.0] * 15, [1.0] * 15 + [5e19]], "float32"),
    np.array([[5e19] + [1.0] * 16], "float32"),
]


@pytest.mark.parametrize("x", SQUARES_OVERFLOW, ids=lambda x: f"{x.shape[0]}x{x.shape[1]}")
def test_layernorm_over_the_last_axis_is_nan_where_torchs_kernel_is(x):
    (y, grad), (expected, expected_grad) = _ours_and_keras(x)
    assert np.isfinite(expected).any()
    _same_nan_and_values(y, expected, atol=2e-5)
    _same_nan_and_values(grad, expected_grad, atol=1e-4)


def test_a_row_whose_sum_overflows_normalizes_to_zeros_as_torchs_kernel():
    """Every value finite, their float32 sum not (3.7e38): torch's running mean does not overflow, and the squared
    deviations do, so zeros; NaN here before (inf - inf). The values only: torch's gradient there is NaN (its
    backward sums dy * x, which overflows, times rstd = 0), ours 0 (docs/keras_compatibility.md)."""
    keras = _keras()
    x = np.stack([1e36 * (1 + 10 * np.arange(9, dtype="float32")), np.arange(9, dtype="float32")])
    expected = keras.ops.convert_to_numpy(keras.layers.LayerNormalization()(x))
    assert (expected[0] == 0).all()
    _same_nan_and_values(LayerNormalization()(x).numpy(), expected, atol=1e-6)


def test_the_tester_rows_are_nan_in_value_and_gradient():
    x = SQUARES_OVERFLOW[0]
    (y, grad), (expected, _) = _ours_and_keras(x)
    assert np.isnan(y[:2]).all() and np.isnan(grad[:2]).all() and np.isnan(expected[:2]).all()
    np.testing.assert_allclose(y[2], (x[2] - x[2].mean()) / np.sqrt(x[2].var() + 1e-3), rtol=1e-6)


def test_layernorm_over_two_consecutive_axes_follows_torchs_kernel():
    """axis=[0, 1] of a (3, 3) input: Keras calls torch's kernel on the 9 elements (no NaN there: the squares
    overflow in a sum, so zeros, and gradient 0)."""
    x = SQUARES_OVERFLOW[0]
    (y, grad), (expected, expected_grad) = _ours_and_keras(x, axis=[0, 1])
    _same_nan_and_values(y, expected, atol=1e-6)
    _same_nan_and_values(grad, expected_grad, atol=1e-6)


def test_layernorm_float64_over_the_last_axis_is_nan_where_torchs_kernel_is():
    """float64: 4 lanes of 32 bytes, squares overflowing beyond 1.3e154."""
    x = np.array([[1e155, 1.0, 2.0], [3e154, 2e154, 1e154], [1.0, 2.0, 3.0]])
    keras = _keras()
    ours = LayerNormalization(dtype="float64")(x).numpy()
    theirs = keras.ops.convert_to_numpy(keras.layers.LayerNormalization(dtype="float64")(x))
    assert np.isnan(theirs[:2]).all()
    _same_nan_and_values(ours, theirs, atol=1e-12)


# ------------------------------------------------------------------------------------------- rms_scaling (Keras')
@pytest.mark.parametrize("kwargs", [{}, {"axis": [1, 2]}, {"scale": False}, {"center": False, "axis": 1},
                                    {"axis": [0, 2]}])
def test_layernorm_rms_scaling_as_keras(kwargs):
    """Keras 3.15's deprecated rms_scaling=True: x * rsqrt(var(x) + epsilon) * gamma, gamma always, no beta (values,
    input and gamma gradients, weights' names, config, the warning)."""
    keras = _keras()
    import torch

    x = (np.random.default_rng(0).standard_normal((2, 3, 4)) * 2 + 1).astype("float32")
    with pytest.warns(UserWarning, match="rms_scaling=True"):
        theirs = keras.layers.LayerNormalization(rms_scaling=True, gamma_initializer="random_normal", **kwargs)
    kt = torch.tensor(x, requires_grad=True)
    ky = theirs(kt)
    (ky * ky).sum().backward()
    with pytest.warns(UserWarning, match="rms_scaling=True"):
        ours = LayerNormalization(rms_scaling=True, **kwargs)
    ours(x)
    assert [w.name.split("/")[-1] for w in ours.weights] == [w.name for w in theirs.weights] == ["gamma"]
    ours.set_weights(theirs.get_weights())
    t = tg.Tensor(x, requires_grad=True)
    y = ours(t)
    (y * y).sum().backward()
    np.testing.assert_allclose(y.numpy(), ky.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(t.grad.numpy(), kt.grad.numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(ours.gamma.grad.numpy(), theirs.gamma.value.grad.numpy(), rtol=1e-4, atol=1e-5)
    config = ours.get_config()
    assert config["rms_scaling"] is True and theirs.get_config()["rms_scaling"] is True
    with pytest.warns(UserWarning):
        again = LayerNormalization.from_config(theirs.get_config())
    assert again.rms_scaling and not LayerNormalization().get_config()["rms_scaling"]


def test_layernorm_rms_scaling_must_be_a_bool():
    with pytest.raises(TypeError, match="Invalid type for argument `rms_scaling`"):
        LayerNormalization(rms_scaling="yes")


# ------------------------------------------------------------------------------------ BatchNormalization's mask
@pytest.mark.parametrize("mask_dtype", ["bool", "float32", "int32"])
def test_batchnorm_training_with_a_mask_as_keras(mask_dtype):
    """Keras 3.15 computes masked batch statistics (sum over the kept entries / (count + 1e-7)) and normalizes every
    entry with them: values, input/gamma/beta gradients and the moving statistics, against Keras on torch."""
    keras = _keras()
    import torch

    rng = np.random.default_rng(0)
    x = (rng.standard_normal((4, 5, 3)) * 2 + 1).astype("float32")
    mask = rng.random((4, 5)) < 0.6
    mask[:, 0] = True
    m = mask.astype(mask_dtype)
    theirs = keras.layers.BatchNormalization(momentum=0.5, gamma_initializer="random_normal",
                                             beta_initializer="random_normal")
    theirs.build(x.shape)
    initial = [np.array(w) for w in theirs.get_weights()]      # gamma, beta, moving mean and variance
    kt = torch.tensor(x, requires_grad=True)
    ky = theirs(kt, training=True, mask=torch.tensor(m))
    (ky * ky).sum().backward()
    ours = BatchNormalization(momentum=0.5)
    ours.build(x.shape)
    ours.set_weights(initial)
    t = tg.Tensor(x, requires_grad=True)
    y = ours(t, training=True, mask=m)
    (y * y).sum().backward()
    np.testing.assert_allclose(y.numpy(), ky.detach().numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(t.grad.numpy(), kt.grad.numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(ours.gamma.grad.numpy(), theirs.gamma.value.grad.numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(ours.beta.grad.numpy(), theirs.beta.value.grad.numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(ours.moving_mean.numpy(), keras.ops.convert_to_numpy(theirs.moving_mean), rtol=1e-5)
    np.testing.assert_allclose(ours.moving_variance.numpy(), keras.ops.convert_to_numpy(theirs.moving_variance),
                               rtol=1e-5)
    # the mask changes the statistics: the unmasked batch's differ
    assert not np.allclose(BatchNormalization()(x, training=True).numpy(), y.numpy(), atol=1e-3)


def test_batchnorm_mask_of_the_wrong_rank_is_refused_as_keras():
    with pytest.raises(ValueError, match=r"Invalid value for argument `mask`.*mask.shape=\(4, 5, 3\)"):
        BatchNormalization()(np.ones((4, 5, 3)), training=True, mask=np.ones((4, 5, 3), bool))


# ----------------------------------------------------------------------------------------------- empty batches
def test_layernorm_over_the_batch_axis_of_an_empty_batch_as_keras():
    """axis=[0, 2] of an empty batch (0, 6, 4): Keras builds gamma and beta of shape (0, 4) and returns an empty
    output; this raised 'must have known, positive sizes'."""
    keras = _keras()
    x = np.zeros((0, 6, 4), "float32")
    theirs = keras.layers.LayerNormalization(axis=[0, 2])
    expected = keras.ops.convert_to_numpy(theirs(x))
    ours = LayerNormalization(axis=[0, 2])
    t = tg.Tensor(x, requires_grad=True)
    y = ours(t)
    assert y.shape == expected.shape == (0, 6, 4)
    assert [w.shape for w in ours.weights] == [tuple(w.shape) for w in theirs.weights] == [(0, 4), (0, 4)]
    y.sum().backward()
    assert t.grad.shape == (0, 6, 4) and ours.gamma.grad.shape == (0, 4)


def test_batchnorm_training_on_an_empty_batch_as_keras():
    """An empty batch (0, 3): an empty output, NaN moving statistics, and gamma's gradient NaN as in Keras 3.15 on
    torch, whose (x - mean) * (rsqrt(variance + epsilon) * gamma) + beta takes gamma through the NaN statistics
    (0 * nan); beta's gradient 0."""
    keras = _keras()
    import torch

    x = np.zeros((0, 3), "float32")
    theirs = keras.layers.BatchNormalization()
    kt = torch.tensor(x, requires_grad=True)
    theirs(kt, training=True).sum().backward()
    ours = BatchNormalization()
    y = ours(tg.Tensor(x, requires_grad=True), training=True)
    y.sum().backward()
    assert y.shape == (0, 3)
    np.testing.assert_array_equal(ours.gamma.grad.numpy(), theirs.gamma.value.grad.numpy())      # NaN, NaN, NaN
    assert np.isnan(ours.gamma.grad.numpy()).all()
    np.testing.assert_array_equal(ours.beta.grad.numpy(), theirs.beta.value.grad.numpy())
    np.testing.assert_array_equal(ours.moving_mean.numpy(), keras.ops.convert_to_numpy(theirs.moving_mean))


@pytest.mark.parametrize("value", [1e15, -3e12, 7e9, 3.0])
@pytest.mark.parametrize("length", [3, 5, 7, 8, 33])
def test_a_constant_row_normalizes_to_zeros_whatever_its_magnitude(value, length):
    """Found by a builder: a constant float32 row of 1e15 (length 5) normalized to -1 (its rounded sum made the mean
    1 ulp off, so every centered value was -1 ulp), where Keras and torch give 0. Values against Keras; the
    gradient is the exact one, rstd * (g - mean(g)) with rstd = 1/sqrt(epsilon) (by hand), as for a row of 3.0 (torch's
    float32 kernel loses it to rounding at 1e15)."""
    keras = pytest.importorskip("keras", reason="Keras 3 is the reference")
    torch = pytest.importorskip("torch", reason="Keras runs on torch here")
    x = np.full((2, length), value, dtype="float32")
    g = np.arange(2 * length, dtype="float32").reshape(2, length)
    ours = tg.tensor(x, requires_grad=True)
    layer = tg.layers.LayerNormalization()
    y = layer(ours)
    (y * tg.tensor(g)).sum().backward()
    theirs = keras.layers.LayerNormalization()(torch.tensor(x)).detach().numpy()
    np.testing.assert_array_equal(y.numpy(), theirs)
    by_hand = (g - g.mean(axis=1, keepdims=True)) / np.sqrt(np.float64(layer.epsilon))
    np.testing.assert_allclose(ours.grad.numpy(), by_hand, rtol=1e-5, atol=1e-6 * np.abs(by_hand).max())
