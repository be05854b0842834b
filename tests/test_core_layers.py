"""Core and resampling layers against NumPy formulas, float64 gradchecks through the layers, and validation."""
import numpy as np
import pytest
from helpers import keras_on_torch

import tinygradconv as tg
from tinygradconv.layers import (
    Activation,
    Cropping1D,
    Dense,
    Dropout,
    Flatten,
    Reshape,
    UpSampling1D,
    ZeroPadding1D,
)


def _x(rng, *shape):
    return rng.standard_normal(shape)


# ------------------------------------------------------------------------------------------------ Dense
@pytest.mark.parametrize("shape", [(4, 3), (2, 5, 3), (2, 2, 2, 3)])
def test_dense_is_x_w_plus_b_on_the_last_axis(shape, rng, on_backend):
    x = _x(rng, *shape)
    layer = Dense(4, dtype="float64")
    layer.build(x.shape)
    w, b = _x(rng, 3, 4), _x(rng, 4)
    layer.set_weights([w, b])
    out = layer(tg.tensor(x, dtype="float64"))
    assert out.shape == shape[:-1] + (4,) == layer.compute_output_shape(shape)
    expected = np.zeros(shape[:-1] + (4,))
    for index in np.ndindex(*shape[:-1]):   # the formula, one output vector at a time
        for u in range(4):
            expected[index + (u,)] = sum(x[index + (i,)] * w[i, u] for i in range(3)) + b[u]
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12, atol=1e-12)


def test_dense_on_inputs_without_features_gives_its_bias_as_keras(backend):
    """Keras 3 computes ``x @ W + b`` on a ``(2, 0)`` input, the bias (found by a tester: this raised)."""
    layer = Dense(3, bias_initializer="ones")
    x = tg.tensor(np.ones((2, 0)), backend=backend, requires_grad=True)
    y = layer(x)
    assert y.numpy().tolist() == [[1.0] * 3] * 2 and layer.kernel.shape == (0, 3)
    y.sum().backward()
    assert x.grad.shape == (2, 0) and layer.bias.grad.numpy().tolist() == [2.0] * 3


def test_dense_activation_and_no_bias(rng):
    x = _x(rng, 5, 3)
    layer = Dense(2, activation="relu", use_bias=False, dtype="float64")
    layer.build(x.shape)
    w = _x(rng, 3, 2)
    layer.set_weights([w])
    assert [(v.name, v.path) for v in layer.weights] == [("kernel", f"{layer.name}/kernel")]
    np.testing.assert_allclose(layer(x).numpy(), np.maximum(x @ w, 0.0), rtol=1e-12)


def test_dense_weights_shapes_and_default_initializers():
    layer = Dense(7)
    layer(np.ones((2, 4), dtype=np.float32))
    kernel, bias = layer.get_weights()
    assert kernel.shape == (4, 7) and bias.shape == (7,) and kernel.dtype == np.float32
    limit = np.sqrt(6 / (4 + 7))  # glorot_uniform
    assert np.all(np.abs(kernel) <= limit) and np.abs(kernel).max() > 0
    assert np.all(bias == 0)


def test_dense_gradients(rng):
    layer = Dense(3, activation="tanh", dtype="float64")
    x = tg.tensor(_x(rng, 2, 4, 5), dtype="float64", requires_grad=True)
    layer(x)

    def f(x, k, b):
        layer.kernel, layer.bias = k, b
        return layer(x)

    assert tg.gradcheck(f, x, layer.kernel, layer.bias)


def test_dense_regularizers_and_constraints_are_attached(rng):
    layer = Dense(2, kernel_regularizer=tg.regularizers.L2(0.5), bias_regularizer="l1",
                  kernel_constraint="max_norm", activity_regularizer=tg.regularizers.L1(0.1), dtype="float64")
    x = _x(rng, 4, 3)
    out = layer(x)
    w, b = layer.get_weights()
    penalties = [float(p.item()) for p in layer.losses]
    # Keras' order; L1's factor rounded to floatx() (float32), as Keras 3 keeps it in a tensor, L2's a Python float
    l1_factor, l1_default = float(np.float32(0.1)), float(np.float32(0.01))
    expected = [l1_factor * np.sum(np.abs(out.numpy())) / 4, 0.5 * np.sum(w ** 2), l1_default * np.sum(np.abs(b))]
    np.testing.assert_allclose(penalties, expected, rtol=1e-10)
    assert layer.kernel.constraint is not None and layer.bias.constraint is None


def test_dense_config_round_trip():
    layer = Dense(3, activation="relu", use_bias=False, kernel_initializer="he_normal",
                  kernel_regularizer=tg.regularizers.L2(0.25), name="d1")
    config = layer.get_config()
    assert config["units"] == 3 and config["activation"] == "relu" and config["use_bias"] is False
    clone = Dense.from_config(config)
    assert clone.get_config() == config
    assert clone.kernel_regularizer.get_config() == layer.kernel_regularizer.get_config()


@pytest.mark.parametrize("kwargs, error, argument", [
    ({"units": 0}, ValueError, "units"),
    ({"units": -2}, ValueError, "units"),
    ({"units": 2.5}, TypeError, "units"),
    ({"units": True}, TypeError, "units"),
    ({"units": 2, "kernel_initializer": "no_such_init"}, ValueError, "no_such_init"),
])
def test_dense_rejects_bad_arguments_at_construction(kwargs, error, argument):
    with pytest.raises(error, match=argument):
        Dense(**kwargs)


def test_dense_rejects_bad_inputs():
    with pytest.raises(ValueError, match=r"expected min_ndim=2, found ndim=1\. Full shape received: \(3,\)"):
        Dense(2)(np.ones(3))  # Keras 3.15's words
    layer = Dense(2)
    layer(np.ones((1, 3)))
    with pytest.raises(ValueError, match=r"\(batch, \.\.\., 3\)"):
        layer(np.ones((1, 4)))


# ------------------------------------------------------------------------------------------------ Activation
@pytest.mark.parametrize("name, reference", [("relu", lambda x: np.maximum(x, 0)), ("tanh", np.tanh),
                                             ("sigmoid", lambda x: 1 / (1 + np.exp(-x))),
                                             ("linear", lambda x: x)])
def test_activation_layer(name, reference, rng):
    x = _x(rng, 3, 4)
    layer = Activation(name, dtype="float64")
    np.testing.assert_allclose(layer(x).numpy(), reference(x), rtol=1e-12)
    assert layer.compute_output_shape((3, 4)) == (3, 4)
    assert Activation.from_config(layer.get_config()).get_config() == layer.get_config()


def test_activation_none_is_linear_as_in_keras():
    """Found by a tester: Activation(None) was refused; Keras 3 makes it linear (its config: "linear")."""
    layer = Activation(None)
    assert layer([[-1.0, 2.0]]).tolist() == [[-1.0, 2.0]] and layer.get_config()["activation"] == "linear"


# ------------------------------------------------------------------------------------------------ Flatten, Reshape
def test_flatten(rng, on_backend):
    x = _x(rng, 2, 3, 4)
    out = Flatten(dtype="float64")(tg.tensor(x, dtype="float64"))
    np.testing.assert_array_equal(out.numpy(), x.reshape(2, 12))
    first = Flatten(data_format="channels_first", dtype="float64")(tg.tensor(x, dtype="float64"))
    # channels_first (batch, channels=3, steps=4) is moved to (batch, steps, channels) before flattening
    np.testing.assert_array_equal(first.numpy(), np.transpose(x, (0, 2, 1)).reshape(2, 12))
    assert Flatten().compute_output_shape((None, 3, 4)) == (None, 12)
    assert Flatten()(np.ones(5)).shape == (5, 1)


def test_flatten_and_reshape_gradients(rng):
    x = tg.tensor(_x(rng, 2, 3, 2), dtype="float64", requires_grad=True)
    assert tg.gradcheck(lambda t: Flatten(data_format="channels_first", dtype="float64")(t), x)
    assert tg.gradcheck(lambda t: Reshape((2, -1), dtype="float64")(t), x)


def test_reshape(rng, on_backend):
    x = _x(rng, 3, 8)
    for target, expected in [((2, 4), (3, 2, 4)), ((-1, 2), (3, 4, 2)), ((8,), (3, 8)), ([8], (3, 8))]:
        layer = Reshape(target, dtype="float64")
        out = layer(tg.tensor(x, dtype="float64"))
        assert out.shape == expected == layer.compute_output_shape((3, 8))
        np.testing.assert_array_equal(out.numpy(), x.reshape(expected))
    assert Reshape((-1, 2)).compute_output_shape((None, 8)) == (None, 4, 2)
    assert Reshape.from_config(Reshape((2, -1)).get_config()).target_shape == (2, -1)


@pytest.mark.parametrize("target, error", [((2, -1, -1), ValueError), ((0, 2), ValueError), ((-2,), ValueError),
                                           ("ab", ValueError), ((2.0,), TypeError)])
def test_reshape_rejects_bad_target_shapes(target, error):
    """Text is a ValueError, as Keras 3 raises for Reshape("ab") (at call: "at most one unknown dimension")."""
    with pytest.raises(error, match="target_shape"):
        Reshape(target)


@pytest.mark.parametrize("target", [15, np.int64(15)])
def test_reshape_of_an_integer_is_a_type_error_as_keras(target):
    """Found by a tester: ``Reshape(15)`` was taken for ``Reshape((15,))``; Keras 3 refuses it with a TypeError
    ("'int' object is not iterable"). Ours says what to write instead."""
    keras = keras_on_torch("Keras 3 is the reference for Reshape's target_shape")
    with pytest.raises(TypeError):
        keras.layers.Reshape(target)
    with pytest.raises(TypeError, match=r"`target_shape`\. Expected a tuple of integers .* target_shape=\(15,\)\. "
                                        r"Received the integer target_shape=(np\.int64\()?15"):
        Reshape(target)


def test_reshape_rejects_mismatched_sizes():
    with pytest.raises(ValueError, match="cannot reshape"):
        Reshape((3, -1))(np.ones((2, 8)))
    with pytest.raises(ValueError, match="cannot reshape"):
        Reshape((3, 3)).compute_output_shape((None, 8))


# ------------------------------------------------------------------------------------------------ Dropout
def test_dropout_rate_of_the_wrong_type_is_a_type_error_as_in_keras():
    """Keras 3 raises TypeError for ``Dropout("0.5")``; a rate outside [0, 1] is a ValueError."""
    with pytest.raises(TypeError, match=r"Invalid type for argument `rate`\. Expected a number in \[0, 1\]"):
        Dropout("0.5")
    with pytest.raises(ValueError, match=r"Invalid value for argument `rate`"):
        Dropout(1.5)


def test_dropout_gives_zero_for_a_dropped_inf_or_nan_as_keras():
    """Found by a tester: 7 of 10 dropped inf became NaN (inf * 0). Keras 3 computes where(mask, x / keep, 0) (and
    zeros for rate 1), so a dropped inf or NaN is 0 and a kept one stays inf or NaN; the gradient is 1 / keep where
    kept, 0 where dropped (by hand)."""
    x = np.array([[np.inf] * 10 + [-np.inf] * 10 + [np.nan] * 10 + [1.0] * 10], "float32")
    dropped = Dropout(0.5, seed=3)(np.ones_like(x), training=True).numpy() == 0    # the same seed: the same mask
    assert 0 < dropped.sum() < x.size
    out = Dropout(0.5, seed=3)(x, training=True).numpy()
    np.testing.assert_array_equal(out[dropped], 0.0)
    np.testing.assert_array_equal(out[~dropped], x[~dropped] / 0.5)
    np.testing.assert_array_equal(Dropout(1.0)(x, training=True).numpy(), np.zeros_like(x))
    t = tg.tensor(np.full((1, 40), 3.0), requires_grad=True)
    Dropout(0.5, seed=3)(t, training=True).sum().backward()
    np.testing.assert_array_equal(t.grad.numpy(), np.where(dropped, 0.0, 2.0))


def test_dropout_is_the_identity_outside_training(rng):
    x = _x(rng, 4, 5)
    layer = Dropout(0.5)
    for training in (None, False):
        np.testing.assert_array_equal(layer(x, training=training).numpy(), x.astype(np.float32))


def test_dropout_in_training_zeroes_a_fraction_and_rescales(on_backend):
    x = np.full((200, 50), 3.0)
    tg.random.set_seed(0)
    out = Dropout(0.3, dtype="float64")(tg.tensor(x, dtype="float64"), training=True).numpy()
    dropped = out == 0
    np.testing.assert_allclose(out[~dropped], 3.0 / 0.7, rtol=1e-14)  # inverted dropout: kept / (1 - rate)
    # 10000 Bernoulli(0.3) draws: the fraction is within 5 standard deviations (0.023) of 0.3
    assert abs(dropped.mean() - 0.3) < 0.023


def test_dropout_gradient_is_the_mask_over_keep(rng):
    x = tg.tensor(rng.uniform(1, 2, (6, 7)), dtype="float64", requires_grad=True)
    v = _x(rng, 6, 7)
    out = Dropout(0.4, seed=3, dtype="float64")(x, training=True)
    out.backward(tg.tensor(v, dtype="float64"))
    scale = out.numpy() / x.numpy()   # the mask divided by (1 - rate): 0 or 1/0.6
    assert set(np.round(np.unique(scale), 12)) <= {0.0, round(1 / 0.6, 12)}
    np.testing.assert_allclose(x.grad.numpy(), v * scale, rtol=1e-12)


def test_dropout_seeding():
    x = np.ones((8, 8))
    a = Dropout(0.5, seed=11)(x, training=True).numpy()
    b = Dropout(0.5, seed=11)(x, training=True).numpy()
    np.testing.assert_array_equal(a, b)
    layer = Dropout(0.5, seed=11)
    layer(x, training=True)
    assert not np.array_equal(layer(x, training=True).numpy(), a)  # its generator moves on
    tg.random.set_seed(4)
    c = Dropout(0.5)(x, training=True).numpy()
    tg.random.set_seed(4)
    np.testing.assert_array_equal(Dropout(0.5)(x, training=True).numpy(), c)


def test_dropout_noise_shape_shares_the_mask():
    x = np.ones((4, 30, 6))
    out = Dropout(0.5, noise_shape=(None, 1, None), seed=0)(x, training=True).numpy()
    assert np.all(out == out[:, :1, :])       # same mask along the steps axis
    assert 0 < (out == 0).mean() < 1
    with pytest.raises(ValueError, match="noise_shape"):
        Dropout(0.5, noise_shape=(None, 2, None))(x, training=True)


def test_dropout_rate_zero_and_one():
    x = np.ones((3, 3))
    np.testing.assert_array_equal(Dropout(0.0)(x, training=True).numpy(), x)
    np.testing.assert_array_equal(Dropout(1.0)(x, training=True).numpy(), np.zeros((3, 3)))


@pytest.mark.parametrize("kwargs, argument", [({"rate": -0.1}, "rate"), ({"rate": 1.5}, "rate"),
                                              ({"rate": 0.5, "noise_shape": (0, 1)}, "noise_shape"),
                                              ({"rate": 0.5, "seed": -1}, "seed"),
                                              ({"rate": 0.5, "seed": 1.5}, "seed")])
def test_dropout_rejects_bad_arguments(kwargs, argument):
    with pytest.raises(ValueError, match=argument):
        Dropout(**kwargs)


def test_dropout_config():
    layer = Dropout(0.25, noise_shape=(None, 1), seed=2)
    config = layer.get_config()
    assert (config["rate"], config["noise_shape"], config["seed"]) == (0.25, (None, 1), 2)   # as Keras 3.15: a tuple
    assert Dropout.from_config(config).get_config() == config


# ------------------------------------------------------------------------------------------------ resampling
@pytest.mark.parametrize("size", [1, 2, 3])
def test_upsampling1d_repeats_each_step(size, rng, on_backend):
    x = _x(rng, 2, 4, 3)
    layer = UpSampling1D(size, dtype="float64")
    out = layer(tg.tensor(x, dtype="float64")).numpy()
    expected = np.zeros((2, 4 * size, 3))
    for i in range(4 * size):
        expected[:, i, :] = x[:, i // size, :]
    np.testing.assert_array_equal(out, expected)
    assert layer.compute_output_shape((2, 4, 3)) == (2, 4 * size, 3)
    assert layer.compute_output_shape((None, None, 3)) == (None, None, 3)


@pytest.mark.parametrize("padding, expected", [(1, (1, 1)), ((2, 0), (2, 0)), ([0, 3], (0, 3))])
def test_zeropadding1d(padding, expected, rng, on_backend):
    x = _x(rng, 2, 4, 3)
    left, right = expected
    out = ZeroPadding1D(padding, dtype="float64")(tg.tensor(x, dtype="float64")).numpy()
    reference = np.zeros((2, 4 + left + right, 3))
    reference[:, left:left + 4, :] = x
    np.testing.assert_array_equal(out, reference)
    first = ZeroPadding1D(padding, data_format="channels_first", dtype="float64")(tg.tensor(x, dtype="float64"))
    reference = np.zeros((2, 4, 3 + left + right))
    reference[:, :, left:left + 3] = x
    np.testing.assert_array_equal(first.numpy(), reference)
    assert ZeroPadding1D(padding).compute_output_shape((None, 4, 3)) == (None, 4 + left + right, 3)


@pytest.mark.parametrize("cropping, expected", [(1, (1, 1)), ((2, 0), (2, 0)), ((0, 3), (0, 3))])
def test_cropping1d(cropping, expected, rng, on_backend):
    x = _x(rng, 2, 6, 3)
    left, right = expected
    layer = Cropping1D(cropping, dtype="float64")
    out = layer(tg.tensor(x, dtype="float64")).numpy()
    np.testing.assert_array_equal(out, x[:, left:6 - right, :])
    assert layer.compute_output_shape((2, 6, 3)) == (2, 6 - left - right, 3)


def test_resampling_gradients(rng):
    x = tg.tensor(_x(rng, 2, 5, 2), dtype="float64", requires_grad=True)
    assert tg.gradcheck(lambda t: UpSampling1D(3, dtype="float64")(t), x)
    assert tg.gradcheck(lambda t: ZeroPadding1D((2, 1), dtype="float64")(t), x)
    assert tg.gradcheck(lambda t: Cropping1D((1, 2), dtype="float64")(t), x)


@pytest.mark.parametrize("make, argument", [
    (lambda: UpSampling1D(0), "size"), (lambda: UpSampling1D(1.5), "size"),
    (lambda: ZeroPadding1D(-1), "padding"), (lambda: ZeroPadding1D((1, 2, 3)), "padding"),
    (lambda: ZeroPadding1D("a"), "padding"), (lambda: ZeroPadding1D(1, data_format="nwc"), "data_format"),
    (lambda: Cropping1D((-1, 0)), "cropping"), (lambda: Cropping1D((1.0, 2)), "cropping"),
])
def test_resampling_layers_reject_bad_arguments(make, argument):
    with pytest.raises((ValueError, TypeError), match=argument):
        make()


def test_resampling_layers_reject_bad_inputs():
    with pytest.raises(ValueError, match="ndim=3"):
        UpSampling1D(2)(np.ones((2, 3)))
    with pytest.raises(ValueError, match="leaves nothing"):
        Cropping1D((2, 2))(np.ones((1, 4, 1)))
    with pytest.raises(ValueError, match="leaves nothing"):
        Cropping1D((2, 2)).compute_output_shape((None, 3, 1))


def test_resampling_configs():
    for layer in (UpSampling1D(3), ZeroPadding1D((1, 2)), Cropping1D((0, 2)), Flatten()):
        config = layer.get_config()
        assert type(layer).from_config(config).get_config() == config


def test_every_layer_survives_a_model_save_and_load(tmp_path, rng):
    from tinygradconv.layers import BatchNormalization, LayerNormalization

    model = tg.models.Sequential([
        Dense(8, activation="relu", kernel_regularizer="l2"), BatchNormalization(momentum=0.5),
        Dropout(0.2, noise_shape=(None, 8), seed=1), Reshape((4, 2)), UpSampling1D(2), ZeroPadding1D((1, 2)),
        Cropping1D((1, 1)), LayerNormalization(axis=[1, 2]), Flatten(), Activation("tanh")])
    x = rng.standard_normal((6, 3))
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, rng.standard_normal((6, 18)), epochs=2, batch_size=3, verbose=0)
    assert model.compute_output_shape((None, 3)) == (None, 18)
    path = tmp_path / "model.tgc.npz"
    model.save(str(path))
    clone = tg.models.load_model(str(path))
    assert [type(layer).__name__ for layer in clone.layers] == [type(layer).__name__ for layer in model.layers]
    for original, loaded in zip(model.layers, clone.layers):
        config, config_loaded = original.get_config(), loaded.get_config()
        config.pop("name"), config_loaded.pop("name")
        assert config == config_loaded
    np.testing.assert_array_equal(clone.predict(x), model.predict(x))


@pytest.mark.parametrize("make", [lambda: tg.layers.Dense(2, use_bias="no"), lambda: tg.layers.Conv1D(2, 3, use_bias=1),
                                  lambda: tg.layers.Conv1DTranspose(2, 3, use_bias="False"),
                                  lambda: tg.layers.BatchNormalization(center="no"),
                                  lambda: tg.layers.LayerNormalization(scale=0)])
def test_flags_of_layers_must_be_bools(make):
    """Keras reads any value as a bool: ``use_bias="no"`` meant True, silently (found by a tester, in hand-edited
    saved configs)."""
    with pytest.raises(TypeError, match=r"Invalid type for argument `(use_bias|center|scale)`. Expected True "
                                        r"or False"):
        make()
    # (the trainable setter reads any value with bool(), as Keras 3's: tests/test_keras_onramps.py)


# The activations Keras 3 accepts, and what its layers write for each (its configs write the resolved function's name).
ACTIVATION_IDENTIFIERS = ["swish", None, "linear", "relu", "leaky_relu", "gelu"]


@pytest.mark.parametrize("identifier", ACTIVATION_IDENTIFIERS, ids=repr)
def test_every_layer_writes_its_activation_as_keras_layers_write_it(identifier):
    keras = keras_on_torch("Keras 3 writes the layer configs compared with")
    kinds = [(tg.layers.Dense(2, activation=identifier), keras.layers.Dense(2, activation=identifier)),
             (tg.layers.Conv1D(2, 3, activation=identifier), keras.layers.Conv1D(2, 3, activation=identifier)),
             (tg.layers.Conv1DTranspose(2, 3, activation=identifier),
              keras.layers.Conv1DTranspose(2, 3, activation=identifier))]
    kinds.append((Activation(identifier), keras.layers.Activation(identifier)))
    for ours, theirs in kinds:
        assert ours.get_config()["activation"] == theirs.get_config()["activation"], type(ours).__name__


@pytest.mark.parametrize("make", [lambda lib: lib.layers.Conv1D(4, 3, trainable=None),
                                  lambda lib: lib.layers.Dense(2, trainable="false"),
                                  lambda lib: lib.layers.BatchNormalization(trainable=0),
                                  lambda lib: lib.layers.Conv1D(4, 3, name=3),
                                  lambda lib: lib.layers.Conv1DTranspose(4, 3, name=b"conv"),
                                  lambda lib: lib.layers.Input((3,), name=3),
                                  lambda lib: lib.models.Sequential(trainable=None),
                                  lambda lib: lib.models.Sequential(name=3)])
def test_trainable_and_name_at_construction_are_keras_value_errors(make):
    """A ``trainable`` that is not a bool and a ``name`` that is not a string are a ``ValueError`` at construction,
    in Keras 3's words (found by a tester: a ``TypeError`` here)."""
    keras = keras_on_torch("Keras 3.15's exception class and message are the reference")
    with pytest.raises(ValueError) as theirs:
        make(keras)
    with pytest.raises(ValueError) as ours:
        make(tg)
    assert str(ours.value) == str(theirs.value)
    assert "trainable=" in str(ours.value) or "name=" in str(ours.value)
