"""BatchNormalization and LayerNormalization against the formulas in Keras's documentation."""
import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv.layers import BatchNormalization, LayerNormalization


def _stats(x, axes):
    """Mean and biased variance from the sums, written out (no np.var)."""
    count = np.prod([x.shape[a] for a in axes])
    mean = np.sum(x, axis=axes, keepdims=True) / count
    variance = np.sum((x - mean) ** 2, axis=axes, keepdims=True) / count
    return mean, variance




# ------------------------------------------------------------------------------------------------ BatchNormalization
def test_batchnorm_hand_computed():
    # x = [1, 3]: mean 2, biased variance 1, so y = (x - 2) / sqrt(1 + 0.001) and the moving mean moves halfway to 2.
    bn = BatchNormalization(momentum=0.5, dtype="float64")
    y = bn(np.array([[1.0], [3.0]]), training=True).numpy().ravel()
    np.testing.assert_allclose(y, [-1 / np.sqrt(1.001), 1 / np.sqrt(1.001)], rtol=1e-14)
    np.testing.assert_allclose(bn.moving_mean.numpy(), [1.0])
    np.testing.assert_allclose(bn.moving_variance.numpy(), [1.0])  # 1 * 0.5 + 1 * 0.5


@pytest.mark.parametrize("shape, axis", [((8, 3), -1), ((4, 5, 3), -1), ((4, 3, 5), 1), ((2, 3, 4, 5), 2)])
def test_batchnorm_training_and_moving_statistics(shape, axis, rng, on_backend):
    x1 = rng.standard_normal(shape) * 2 + 1
    x2 = rng.standard_normal(shape) - 3
    dim = shape[axis]
    bn = BatchNormalization(axis=axis, momentum=0.9, epsilon=1e-3, dtype="float64")
    bn.build(shape)
    gamma, beta = rng.uniform(0.5, 2, dim), rng.standard_normal(dim)
    mm0, mv0 = rng.standard_normal(dim), rng.uniform(0.5, 2, dim)
    bn.set_weights([gamma, beta, mm0, mv0])
    reduce = tuple(i for i in range(len(shape)) if i != axis % len(shape))
    bshape = [1] * len(shape)
    bshape[axis] = dim

    out = bn(tg.tensor(x1, dtype="float64"), training=True).numpy()
    mean, var = _stats(x1, reduce)
    expected = (x1 - mean) / np.sqrt(var + 1e-3) * gamma.reshape(bshape) + beta.reshape(bshape)
    np.testing.assert_allclose(out, expected, rtol=1e-10, atol=1e-12)
    mm1 = mm0 * 0.9 + mean.ravel() * 0.1
    mv1 = mv0 * 0.9 + var.ravel() * 0.1
    np.testing.assert_allclose(bn.moving_mean.numpy(), mm1, rtol=1e-12)
    np.testing.assert_allclose(bn.moving_variance.numpy(), mv1, rtol=1e-12)

    bn(tg.tensor(x2, dtype="float64"), training=True)
    mean2, var2 = _stats(x2, reduce)
    np.testing.assert_allclose(bn.moving_mean.numpy(), mm1 * 0.9 + mean2.ravel() * 0.1, rtol=1e-12)
    np.testing.assert_allclose(bn.moving_variance.numpy(), mv1 * 0.9 + var2.ravel() * 0.1, rtol=1e-12)

    # Inference: the moving statistics, and nothing is updated.
    mm2, mv2 = bn.moving_mean.numpy().copy(), bn.moving_variance.numpy().copy()
    for training in (None, False):
        out = bn(tg.tensor(x1, dtype="float64"), training=training).numpy()
        expected = ((x1 - mm2.reshape(bshape)) / np.sqrt(mv2.reshape(bshape) + 1e-3) * gamma.reshape(bshape)
                    + beta.reshape(bshape))
        np.testing.assert_allclose(out, expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(bn.moving_mean.numpy(), mm2)


def test_batchnorm_non_trainable_layer_runs_in_inference_mode(rng):
    x = rng.standard_normal((6, 2)) + 5
    bn = BatchNormalization(dtype="float64")
    bn.trainable = False
    out = bn(x, training=True).numpy()
    np.testing.assert_allclose(out, x / np.sqrt(1 + 1e-3), rtol=1e-12)  # moving mean 0, variance 1
    np.testing.assert_array_equal(bn.moving_mean.numpy(), [0.0, 0.0])


def test_freezing_a_model_freezes_its_batchnorm_as_keras(tmp_path):
    """Found by a Keras user: ``inner.trainable = False`` on a model left its layers trainable, so its
    BatchNormalization kept normalizing with batch statistics in ``fit`` and updating its moving mean (loss 6.30 in
    fit against 136.18 in evaluate). Keras 3 sets ``trainable`` on every sub-layer; reference: Keras, and by hand
    (in inference mode, BN with moving mean 0 and variance 1 is x / sqrt(1 + eps))."""
    from helpers import keras_on_torch

    from tinygradconv import layers, models, optimizers

    x = 3 + 2 * np.random.default_rng(11).standard_normal((16, 4))
    y = np.ones((16, 1))
    inner = models.Sequential([layers.Input((4,)), layers.BatchNormalization(name="bn")], name="inner")
    inp = layers.Input((4,))
    model = models.Model(inp, layers.Dense(1, kernel_initializer="ones", name="d")(inner(inp)))
    inner.trainable = False
    assert [layer.trainable for layer in inner.layers] == [False]
    model.compile(optimizer=optimizers.SGD(0.0), loss="mse")
    fit_loss = model.fit(x, y, batch_size=16, epochs=1, verbose=0).history["loss"][0]
    by_hand = float(np.mean((np.sum(x / np.sqrt(1 + 1e-3), axis=1) - 1) ** 2))
    assert fit_loss == pytest.approx(by_hand, rel=1e-5)
    np.testing.assert_array_equal(inner.layers[0].moving_mean.numpy(), np.zeros(4))
    assert [w.name for w in model.trainable_weights] == ["kernel", "bias"]
    model.trainable = True      # unfreezing the outer model unfreezes everything in it, as Keras
    assert inner.trainable and inner.layers[0].trainable
    keras = keras_on_torch("Keras 3 reads the frozen model's .keras file")
    pytest.importorskip("h5py", reason="h5py writes .keras files")
    inner.trainable = False
    model.save(tmp_path / "frozen.keras")
    theirs = keras.saving.load_model(tmp_path / "frozen.keras")
    assert len(theirs.trainable_weights) == 2       # only the Dense's (it read 4 trainable weights before)
    k_inner = keras.Sequential([keras.layers.Input((4,)), keras.layers.BatchNormalization()], name="inner")
    k_in = keras.layers.Input((4,))
    k_model = keras.Model(k_in, keras.layers.Dense(1, kernel_initializer="ones")(k_inner(k_in)))
    k_inner.trainable = False
    k_model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
    k_loss = k_model.fit(x, y, batch_size=16, epochs=1, verbose=0).history["loss"][0]
    assert fit_loss == pytest.approx(k_loss, rel=1e-5)


def test_batchnorm_weights_order_and_trainability():
    bn = BatchNormalization()
    bn(np.ones((2, 4)))
    names = [w.name.split("/")[-1] for w in bn.weights]
    assert names == ["gamma", "beta", "moving_mean", "moving_variance"]
    assert [w.name.split("/")[-1] for w in bn.trainable_weights] == ["gamma", "beta"]
    assert [w.name.split("/")[-1] for w in bn.non_trainable_weights] == ["moving_mean", "moving_variance"]
    g, b, m, v = bn.get_weights()
    assert np.all(g == 1) and np.all(b == 0) and np.all(m == 0) and np.all(v == 1)
    plain = BatchNormalization(center=False, scale=False)
    plain(np.ones((2, 4)))
    assert [w.name.split("/")[-1] for w in plain.weights] == ["moving_mean", "moving_variance"]
    np.testing.assert_allclose(plain(np.full((2, 4), 2.0)).numpy(), np.full((2, 4), 2 / np.sqrt(1.001)), rtol=1e-6)


@pytest.mark.parametrize("training", [True, False])
def test_batchnorm_gradients(training, rng):
    bn = BatchNormalization(axis=1, dtype="float64")
    x = tg.tensor(rng.standard_normal((3, 2, 4)), dtype="float64", requires_grad=True)
    bn(x)
    bn.set_weights([rng.uniform(0.5, 2, 2), rng.standard_normal(2), rng.standard_normal(2), rng.uniform(0.5, 2, 2)])

    def f(x, gamma, beta):
        bn.gamma, bn.beta = gamma, beta
        return bn(x, training=training)

    assert tg.gradcheck(f, x, bn.gamma, bn.beta)


def test_batchnorm_training_gradient_sums_to_zero(rng):
    # With batch statistics, the output is invariant to shifting x, so the input gradient sums to 0 per channel.
    x = tg.tensor(rng.standard_normal((5, 3)), dtype="float64", requires_grad=True)
    y = BatchNormalization(dtype="float64")(x, training=True)
    y.backward(tg.tensor(rng.standard_normal((5, 3)), dtype="float64"))
    np.testing.assert_allclose(x.grad.numpy().sum(axis=0), 0.0, atol=1e-12)


@pytest.mark.parametrize("kwargs, error, argument", [
    ({"axis": "channels"}, TypeError, "axis"), ({"axis": 1.0}, TypeError, "axis"),
    ({"momentum": 1.5}, ValueError, "momentum"), ({"momentum": -0.1}, ValueError, "momentum"),
    ({"epsilon": -1e-3}, ValueError, "epsilon"), ({"epsilon": "small"}, ValueError, "epsilon"),
    ({"gamma_initializer": "nope"}, ValueError, "nope"),
])
def test_batchnorm_rejects_bad_arguments(kwargs, error, argument):
    with pytest.raises(error, match=argument):
        BatchNormalization(**kwargs)


def test_batchnorm_rejects_bad_inputs():
    with pytest.raises(ValueError, match="out of range"):
        BatchNormalization(axis=3)(np.ones((2, 3)))
    bn = BatchNormalization()
    bn(np.ones((2, 3)))
    with pytest.raises(ValueError, match="built for 3 features"):
        bn(np.ones((2, 4)))


def test_batchnorm_config_round_trip():
    bn = BatchNormalization(axis=1, momentum=0.8, epsilon=1e-5, center=False, gamma_regularizer="l2", name="bn")
    config = bn.get_config()
    assert (config["axis"], config["momentum"], config["epsilon"], config["center"]) == (1, 0.8, 1e-5, False)
    assert BatchNormalization.from_config(config).get_config() == config
    assert bn.compute_output_shape((None, 3, 7)) == (None, 3, 7)


# ------------------------------------------------------------------------------------------------ LayerNormalization
@pytest.mark.parametrize("shape, axis", [((4, 6), -1), ((2, 5, 3), -1), ((2, 5, 3), [1, 2]), ((2, 3, 4, 5), [1, 3])])
def test_layernorm_matches_the_formula(shape, axis, rng, on_backend):
    x = rng.standard_normal(shape) * 3 + 2
    axes = tuple(a % len(shape) for a in (axis if isinstance(axis, list) else [axis]))
    param_shape = tuple(shape[a] for a in axes)
    ln = LayerNormalization(axis=axis, epsilon=1e-3, dtype="float64")
    ln.build(shape)
    gamma, beta = rng.uniform(0.5, 2, param_shape), rng.standard_normal(param_shape)
    ln.set_weights([gamma, beta])
    bshape = [shape[i] if i in axes else 1 for i in range(len(shape))]
    mean, var = _stats(x, axes)
    expected = (x - mean) / np.sqrt(var + 1e-3) * gamma.reshape(bshape) + beta.reshape(bshape)
    for training in (True, False):
        out = ln(tg.tensor(x, dtype="float64"), training=training).numpy()
        np.testing.assert_allclose(out, expected, rtol=1e-10, atol=1e-12)


def test_layernorm_gradients(rng):
    ln = LayerNormalization(axis=[1, 2], dtype="float64")
    x = tg.tensor(rng.standard_normal((2, 3, 2)), dtype="float64", requires_grad=True)
    ln(x)
    ln.set_weights([rng.uniform(0.5, 2, (3, 2)), rng.standard_normal((3, 2))])

    def f(x, gamma, beta):
        ln.gamma, ln.beta = gamma, beta
        return ln(x)

    assert tg.gradcheck(f, x, ln.gamma, ln.beta)


def test_layernorm_without_center_and_scale_has_no_weights(rng):
    ln = LayerNormalization(center=False, scale=False, dtype="float64")
    x = rng.standard_normal((3, 4))
    out = ln(x).numpy()
    assert ln.weights == []
    mean, var = _stats(x, (1,))
    np.testing.assert_allclose(out, (x - mean) / np.sqrt(var + 1e-3), rtol=1e-12)


@pytest.mark.parametrize("kwargs, error, argument", [
    ({"axis": "last"}, TypeError, "axis"), ({"axis": []}, ValueError, "axis"), ({"axis": [1, "a"]}, TypeError, "axis"),
    ({"epsilon": -1.0}, ValueError, "epsilon"),
])
def test_layernorm_rejects_bad_arguments(kwargs, error, argument):
    with pytest.raises(error, match=argument):
        LayerNormalization(**kwargs)


def test_layernorm_rejects_bad_inputs():
    with pytest.raises(ValueError, match="out of range"):
        LayerNormalization(axis=2)(np.ones((2, 3)))
    with pytest.raises(ValueError, match="same axis twice"):
        LayerNormalization(axis=[1, -1])(np.ones((2, 3)))
    ln = LayerNormalization()
    ln(np.ones((2, 3)))
    with pytest.raises(ValueError, match="built for"):
        ln(np.ones((2, 4)))


def test_layernorm_config_round_trip():
    ln = LayerNormalization(axis=[1, 2], epsilon=1e-6, scale=False)
    config = ln.get_config()
    assert config["axis"] == [1, 2] and config["epsilon"] == 1e-6 and config["scale"] is False
    assert LayerNormalization.from_config(config).get_config() == config


def test_training_flag_inside_a_model(rng):
    # fit() calls layers with training=True: moving statistics move and dropout is active; predict() does neither.
    from tinygradconv.layers import Dense, Dropout
    from tinygradconv.models import Sequential

    tg.random.set_seed(0)
    model = Sequential([Dense(8, activation="relu"), BatchNormalization(momentum=0.5), Dropout(0.5), Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    x = rng.standard_normal((64, 4)) + 2.0
    y = x.sum(axis=1, keepdims=True)
    model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    bn = model.layers[1]
    gamma, beta, mean, variance = bn.get_weights()
    assert np.any(mean != 0) and np.any(variance != 1)               # moved from their initial 0 and 1
    assert not np.allclose(gamma, 1) and not np.allclose(beta, 0)   # the trainable weights were trained
    first, second = model.predict(x), model.predict(x)
    np.testing.assert_array_equal(first, second)                     # no dropout at inference
    np.testing.assert_array_equal(bn.moving_mean.numpy(), mean)      # and no update of the statistics
    # Inference uses the moving statistics: the first two layers match the formula with them.
    hidden = np.maximum(x @ model.layers[0].get_weights()[0] + model.layers[0].get_weights()[1], 0)
    expected = (hidden - mean) / np.sqrt(variance + 1e-3) * gamma + beta
    np.testing.assert_allclose(bn(model.layers[0](x)).numpy(), expected, rtol=1e-4, atol=1e-5)


# ------------------------------------------------------------------------------------------- inputs of too-low rank
def _keras():
    import os
    os.environ.setdefault("KERAS_BACKEND", "torch")
    return pytest.importorskip("keras", minversion="3", reason="Keras 3 is the reference for low-rank inputs")


@pytest.mark.parametrize("axis", [-1, 0])
def test_batchnorm_training_on_a_1d_input_is_refused_not_zeros(axis):
    # Batch statistics over no axis are mean = x and variance 0, so the output would be all zeros (beta).
    bn = BatchNormalization(axis=axis)
    with pytest.raises(ValueError, match=r"batch_normalization.*at least 2 axes.*shape \(3,\)"):
        bn(np.array([1.0, 2.0, 3.0]), training=True)


def test_batchnorm_training_on_a_1d_input_fails_in_keras_too():
    keras = _keras()
    with pytest.raises((RuntimeError, ValueError)):  # Keras 3.15 (torch): a RuntimeError from a reshape
        keras.layers.BatchNormalization()(np.array([1.0, 2.0, 3.0], "float32"), training=True)


def test_batchnorm_inference_on_a_1d_input_uses_the_moving_statistics_as_keras():
    # Inference needs no reduction: (x - 0) / sqrt(1 + 0.001), as Keras 3 computes it.
    x = np.array([1.0, 2.0, 3.0])
    y = BatchNormalization(dtype="float64")(x, training=False).numpy()
    np.testing.assert_allclose(y, x / np.sqrt(1.001), rtol=1e-14)
    keras = _keras()
    expected = keras.ops.convert_to_numpy(keras.layers.BatchNormalization()(x.astype("float32"), training=False))
    np.testing.assert_allclose(y, expected, rtol=1e-6)


@pytest.mark.parametrize("layer", [BatchNormalization, LayerNormalization])
def test_normalization_of_a_rank0_input_names_the_layer_the_shape_and_the_need(layer):
    with pytest.raises(ValueError, match=r"axis=-1 is out of range for inputs of shape \(\); expected inputs "
                                         r"with at least 1 axis"):
        layer()(np.array(1.0))


def test_layernorm_of_a_1d_input_normalizes_it_as_keras():
    x = np.array([1.0, 2.0, 3.0])
    y = LayerNormalization(dtype="float64")(x).numpy()
    np.testing.assert_allclose(y, (x - 2) / np.sqrt(2 / 3 + 0.001), rtol=1e-14)
    keras = _keras()
    expected = keras.ops.convert_to_numpy(keras.layers.LayerNormalization()(x.astype("float32")))
    np.testing.assert_allclose(y, expected, rtol=1e-6)


def test_layer_normalization_of_float16_data_keeps_float32_digits_where_keras_rounds_them():
    """The documented difference (docs/keras_compatibility.md): a float32 LayerNormalization given float16 data
    computes in float32 (against the formula in float32 here), while Keras 3's output is float16 numbers within half
    a float16 step of it; BatchNormalization agrees with Keras."""
    from helpers import keras_on_torch

    rng = np.random.default_rng(3)
    x = (rng.standard_normal((4, 16)) * 3 + 1).astype(np.float16)
    x32 = x.astype(np.float32)
    mean = x32.mean(axis=-1, keepdims=True)
    expected = (x32 - mean) / np.sqrt(((x32 - mean) ** 2).mean(axis=-1, keepdims=True) + np.float32(1e-3))
    ours = tg.layers.LayerNormalization()(tg.tensor(x)).numpy()
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours, expected, rtol=1e-6, atol=1e-6)
    keras = keras_on_torch("Keras 3's LayerNormalization of float16 data")
    theirs = keras.ops.convert_to_numpy(keras.layers.LayerNormalization()(x))
    assert theirs.dtype == np.float32
    np.testing.assert_array_equal(theirs, theirs.astype(np.float16).astype(np.float32))   # float16 numbers
    step = np.spacing(np.abs(expected).astype(np.float16)).astype(np.float32)
    assert np.all(np.abs(theirs - ours) <= step / 2 + 1e-6) and np.abs(theirs - ours).max() > 1e-4
    ours_bn = tg.layers.BatchNormalization()(tg.tensor(x), training=True).numpy()
    theirs_bn = keras.ops.convert_to_numpy(keras.layers.BatchNormalization()(x, training=True))
    np.testing.assert_allclose(ours_bn, theirs_bn, rtol=1e-5, atol=1e-5)
