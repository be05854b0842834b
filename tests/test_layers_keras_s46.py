"""Keras 3.15's DepthwiseConv1D, SeparableConv1D, GaussianNoise, GaussianDropout, SpatialDropout1D, Permute,
RepeatVector, Identity, UnitNormalization and GroupNormalization, checked against Keras on torch (the reference):
values and gradients with the same weights (float32 and float64, batch 1 and an empty batch), configs, ``.keras``
files both ways, and the noise layers' statistics (Keras' random streams are not ours: the numbers differ)."""
import json
import zipfile

import numpy as np
import pytest
from helpers import keras_on_torch

import tinygradconv as tg
from tinygradconv import layers, models

REASON = "Keras 3.15 on torch is the reference of these layers"
TOL = {"float32": {"rtol": 2e-5, "atol": 2e-6}, "float64": {"rtol": 1e-11, "atol": 1e-12}}


def _upstream(shape, dtype):
    return np.cos(np.arange(int(np.prod(shape)))).reshape(shape).astype(dtype)


def _keras_run(layer, x, training=None):
    """Keras' output and the gradients of ``sum(y * upstream)`` with respect to the input and each trainable
    weight (torch's autograd)."""
    import torch

    t = torch.tensor(x, requires_grad=True)
    y = layer(t, training=training) if training is not None else layer(t)
    (y * torch.tensor(_upstream(tuple(y.shape), x.dtype))).sum().backward()
    grads = [None if w.value.grad is None else w.value.grad.numpy().copy() for w in layer.trainable_weights]
    return y.detach().numpy(), t.grad.numpy(), grads


def _our_run(layer, x, training=None):
    t = tg.tensor(x, requires_grad=True, dtype=str(x.dtype))
    y = layer(t, training=training) if training is not None else layer(t)
    (y * tg.tensor(_upstream(y.shape, x.dtype), dtype=str(x.dtype))).sum().backward()
    return y.numpy(), t.grad.numpy(), [None if w.grad is None else w.grad.numpy() for w in layer.trainable_weights]


def _assert_same(ours, theirs, x, training=None, tol=None):
    """Build both on ``x``'s shape, give ours Keras' weights, and compare values and gradients."""
    dtype = str(x.dtype)
    theirs.build(x.shape)
    ours.build(x.shape)
    assert [tuple(w.shape) for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
    assert [w.name.split("/")[-1] for w in ours.weights] == [w.name.split("/")[-1] for w in theirs.weights]
    rng = np.random.default_rng(7)
    weights = [rng.normal(size=tuple(w.shape)).astype(dtype) for w in theirs.weights]
    theirs.set_weights(weights)
    ours.set_weights(weights)
    expected, got = _keras_run(theirs, x, training), _our_run(ours, x, training)
    tol = tol or TOL[dtype]
    np.testing.assert_allclose(got[0], expected[0], **tol)
    assert got[0].dtype == expected[0].dtype
    np.testing.assert_allclose(got[1], expected[1], **tol)
    assert len(got[2]) == len(expected[2])
    for mine, reference in zip(got[2], expected[2]):
        np.testing.assert_allclose(mine, reference, **tol)


def _pair(name, *args, **kwargs):
    keras = keras_on_torch(REASON)
    return getattr(layers, name)(*args, **kwargs), getattr(keras.layers, name)(*args, **kwargs)


# ----------------------------------------------------------------------------------------- values and gradients
CONVS = [
    ("DepthwiseConv1D", (3,), {}), ("DepthwiseConv1D", (3,), {"depth_multiplier": 2, "padding": "same"}),
    ("DepthwiseConv1D", (2,), {"strides": 2, "dilation_rate": 2, "padding": "same", "activation": "tanh"}),
    ("DepthwiseConv1D", (3,), {"data_format": "channels_first", "depth_multiplier": 3, "use_bias": False}),
    ("SeparableConv1D", (5, 3), {}), ("SeparableConv1D", (2, 3), {"depth_multiplier": 2, "padding": "same",
                                                                 "strides": 2, "activation": "relu"}),
    ("SeparableConv1D", (4, 2), {"dilation_rate": 3, "data_format": "channels_first", "use_bias": False}),
]


@pytest.mark.parametrize("batch", [1, 3])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name, args, kwargs", CONVS, ids=[f"{n}{k}" for n, _, k in CONVS])
def test_depthwise_and_separable_convolutions_as_keras(name, args, kwargs, dtype, batch):
    ours, theirs = _pair(name, *args, dtype=dtype, **kwargs)
    x = np.random.default_rng(batch).normal(size=(batch, 9, 4)).astype(dtype)
    _assert_same(ours, theirs, x)


@pytest.mark.parametrize("name, args, kwargs", CONVS[:1] + CONVS[4:5], ids=["DepthwiseConv1D", "SeparableConv1D"])
def test_the_convolutions_of_an_empty_batch_as_keras(name, args, kwargs):
    ours, theirs = _pair(name, *args, **kwargs)
    x = np.zeros((0, 9, 4), "float32")
    _assert_same(ours, theirs, x)
    assert ours(x).shape == tuple(theirs(x).shape)


def test_a_depthwise_convolution_is_a_grouped_conv1d_with_keras_channel_order():
    """Output channel c * depth_multiplier + m is channel c's filter m: a hand-computed case."""
    layer = layers.DepthwiseConv1D(1, depth_multiplier=2, use_bias=False, dtype="float64")
    layer.build((1, 1, 2))
    layer.set_weights([np.array([[[1.0, 10.0], [100.0, 1000.0]]])])     # (k=1, channels=2, multiplier=2)
    assert layer(np.array([[[1.0, 2.0]]])).numpy().tolist() == [[[1.0, 10.0, 200.0, 2000.0]]]


NORMS = [
    ("GroupNormalization", (2,), {}, (3, 5, 4)), ("GroupNormalization", (1,), {"epsilon": 0.1}, (3, 5, 4)),
    ("GroupNormalization", (-1,), {}, (3, 5, 4)), ("GroupNormalization", (2,), {"axis": 1}, (3, 4, 5)),
    ("GroupNormalization", (3,), {"axis": -2, "center": False}, (2, 6, 3)),
    ("GroupNormalization", (2,), {"scale": False}, (3, 8)),
    ("UnitNormalization", (), {}, (3, 5, 4)), ("UnitNormalization", (), {"axis": [1, 2]}, (3, 5, 4)),
    ("UnitNormalization", (), {"axis": 1}, (3, 5, 4)),
    ("Permute", ((2, 1),), {}, (3, 5, 4)), ("Permute", ((3, 1, 2),), {}, (2, 3, 4, 5)),
    ("RepeatVector", (3,), {}, (3, 4)), ("Identity", (), {}, (3, 5, 4)),
]


@pytest.mark.parametrize("batch", [1, None])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name, args, kwargs, shape", NORMS, ids=[f"{n}{a}{k}" for n, a, k, _ in NORMS])
def test_exact_layers_as_keras(name, args, kwargs, shape, dtype, batch):
    ours, theirs = _pair(name, *args, dtype=dtype, **kwargs)
    shape = shape if batch is None else (batch,) + shape[1:]
    x = (np.random.default_rng(3).normal(size=shape) * 3 + 1).astype(dtype)
    # Keras 3.15 computes GroupNormalization in float32, whatever the dtype
    _assert_same(ours, theirs, x, tol=TOL["float32"] if name == "GroupNormalization" else None)


@pytest.mark.parametrize("name, args, kwargs, shape", [NORMS[0], NORMS[6], NORMS[9], NORMS[11], NORMS[12]],
                         ids=lambda item: str(item))
def test_exact_layers_of_an_empty_batch_as_keras(name, args, kwargs, shape):
    ours, theirs = _pair(name, *args, **kwargs)
    x = np.zeros((0,) + shape[1:], "float32")
    assert ours(x).shape == tuple(theirs(x).shape)
    assert ours.compute_output_shape((None,) + shape[1:]) == tuple(theirs.compute_output_shape((None,) + shape[1:]))


def test_unit_normalization_of_zeros_as_keras():
    """Keras' bound 1e12 on the inverse norm keeps a zero row at zero; its gradient there is NaN in Keras too."""
    ours, theirs = _pair("UnitNormalization")
    x = np.array([[0.0, 0.0], [3.0, 4.0]], "float32")
    _assert_same(ours, theirs, x, tol={"rtol": 1e-6, "atol": 0, "equal_nan": True})
    assert ours(x).numpy().tolist() == [[0.0, 0.0], [0.6000000238418579, 0.800000011920929]]


def test_group_normalization_by_hand():
    """Two groups of two channels, each normalized on its own (epsilon 0: the exact +-1)."""
    layer = layers.GroupNormalization(2, epsilon=1e-12, dtype="float64")
    y = layer(np.array([[[1.0, 3.0, -10.0, 30.0]]])).numpy()
    np.testing.assert_allclose(y, [[[-1.0, 1.0, -1.0, 1.0]]], rtol=1e-10)


# ----------------------------------------------------------------------------------------- noise layers
NOISES = [("GaussianNoise", (0.3,)), ("GaussianDropout", (0.2,)), ("SpatialDropout1D", (0.4,))]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name, args", NOISES, ids=[n for n, _ in NOISES])
def test_noise_layers_are_the_identity_outside_training_as_keras(name, args, dtype):
    ours, theirs = _pair(name, *args, dtype=dtype)
    x = np.random.default_rng(0).normal(size=(2, 5, 3)).astype(dtype)
    for training in (None, False):
        _assert_same(ours, theirs, x, training=training, tol={"rtol": 0, "atol": 0})


@pytest.mark.parametrize("name, args", NOISES, ids=[n for n, _ in NOISES])
def test_noise_statistics_as_keras(name, args):
    """Keras' noise and ours come from other generators: the same distribution, checked by its mean and deviation
    against the formula's (1 and 0.3, sqrt(0.2 / 0.8), sqrt(0.4 / 0.6) for inputs of ones) on 100000 independent
    draws each (the tolerance is over 10 standard errors; seeded, so the test is repeatable), the shape and dtype."""
    keras = keras_on_torch(REASON)
    ours, theirs = getattr(layers, name)(*args, seed=11), getattr(keras.layers, name)(*args, seed=11)
    x = np.ones((2000, 3, 50) if name == "SpatialDropout1D" else (1000, 10, 10), "float32")
    y_ours = ours(x, training=True).numpy()
    y_theirs = np.asarray(theirs(x, training=True))
    assert y_ours.shape == y_theirs.shape and y_ours.dtype == y_theirs.dtype
    expected_std = {"GaussianNoise": 0.3, "GaussianDropout": 0.5, "SpatialDropout1D": np.sqrt(0.4 / 0.6)}[name]
    for y in (y_ours, y_theirs):
        assert y.mean() == pytest.approx(1.0, abs=0.03)
        assert y.std() == pytest.approx(expected_std, abs=0.03)
    if name == "SpatialDropout1D":
        for y in (y_ours, y_theirs):       # whole channels: every step of a (sample, channel) alike
            assert (y == y[:, :1, :]).all()
            assert set(np.unique(y)) == {0.0, np.float32(1 / 0.6)}


@pytest.mark.parametrize("name, args", NOISES, ids=[n for n, _ in NOISES])
def test_noise_gradients_in_training(name, args):
    """The gradient of sum(y * u) with respect to x: u (added noise), u * noise (Gaussian dropout), u * mask / keep
    (spatial dropout), read from the noise of the same call (y at x = 1)."""
    layer = getattr(layers, name)(*args, seed=5, dtype="float64")
    x = tg.tensor(np.ones((3, 4, 2)), requires_grad=True, dtype="float64")
    y = layer(x, training=True)
    u = _upstream(y.shape, "float64")
    (y * tg.tensor(u, dtype="float64")).sum().backward()
    expected = u if name == "GaussianNoise" else u * y.numpy()      # y = noise (or mask / keep) at x = 1
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-12)
    # the same rule holds in Keras (torch's autograd through its own noise)
    _, theirs = _pair(name, *args, seed=5, dtype="float64")
    y_theirs, grad_theirs, _ = _keras_run(theirs, np.ones((3, 4, 2)), training=True)
    np.testing.assert_allclose(grad_theirs, u if name == "GaussianNoise" else u * y_theirs, rtol=1e-12)


@pytest.mark.parametrize("name, args", NOISES, ids=[n for n, _ in NOISES])
def test_the_same_seed_gives_the_same_noise(name, args):
    x = np.ones((4, 5, 3), "float32")
    first = getattr(layers, name)(*args, seed=3)(x, training=True).numpy()
    again = getattr(layers, name)(*args, seed=3)(x, training=True).numpy()
    other = getattr(layers, name)(*args, seed=4)(x, training=True).numpy()
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)
    tg.set_seed(1)
    unseeded = getattr(layers, name)(*args)(x, training=True).numpy()
    tg.set_seed(1)
    np.testing.assert_array_equal(getattr(layers, name)(*args)(x, training=True).numpy(), unseeded)


def test_noise_layers_of_batch_1_and_an_empty_batch():
    for name, args in NOISES:
        layer = getattr(layers, name)(*args, seed=0)
        assert layer(np.ones((1, 3, 2), "float32"), training=True).shape == (1, 3, 2)
        assert layer(np.ones((0, 3, 2), "float32"), training=True).shape == (0, 3, 2)


def test_gaussian_dropout_of_rate_1_is_refused_in_training():
    keras = keras_on_torch(REASON)
    with pytest.raises(ZeroDivisionError):
        keras.layers.GaussianDropout(1.0)(np.ones((2, 3), "float32"), training=True)
    layer = layers.GaussianDropout(1.0)
    assert layer(np.ones((2, 3))).numpy().tolist() == [[1.0] * 3] * 2
    with pytest.raises(ValueError, match=r"Invalid value for argument `rate`.*rate=1 gives noise of infinite"):
        layer(np.ones((2, 3)), training=True)


# ----------------------------------------------------------------------------------------- configs and files
CONFIGS = [
    ("DepthwiseConv1D", (3,), {}), ("DepthwiseConv1D", (3,), {"depth_multiplier": 2, "strides": 2,
                                                              "depthwise_regularizer": "l2", "activation": "relu"}),
    ("SeparableConv1D", (4, 3), {}), ("SeparableConv1D", (4, 3), {"padding": "same", "pointwise_constraint":
                                                                  "non_neg", "use_bias": False}),
    ("GaussianNoise", (0.1,), {}), ("GaussianNoise", (0.5,), {"seed": 3}), ("GaussianDropout", (0.2,), {}),
    ("SpatialDropout1D", (0.3,), {}), ("SpatialDropout1D", (0.3,), {"seed": 2}), ("Permute", ((2, 1),), {}),
    ("RepeatVector", (3,), {}), ("Identity", (), {}), ("UnitNormalization", (), {}),
    ("UnitNormalization", (), {"axis": [1, 2]}), ("GroupNormalization", (), {}),
    ("GroupNormalization", (2,), {"axis": 1, "epsilon": 0.1, "center": False}),
]
SHAPES = {"RepeatVector": (2, 3), "GroupNormalization": (2, 32, 32)}


@pytest.mark.parametrize("built", [False, True])
@pytest.mark.parametrize("name, args, kwargs", CONFIGS, ids=[f"{n}{a}{k}" for n, a, k in CONFIGS])
def test_config_as_keras(name, args, kwargs, built):
    ours, theirs = _pair(name, *args, **kwargs)
    if built:
        shape = SHAPES.get(name, (2, 6, 4))
        ours(np.zeros(shape, "float32"))
        theirs(np.zeros(shape, "float32"))
        assert ours.get_build_config() == theirs.get_build_config()
    expected, got = json.loads(json.dumps(theirs.get_config())), json.loads(json.dumps(ours.get_config()))
    expected.pop("name"), got.pop("name")
    if "regularizer" in json.dumps(kwargs):     # Keras writes the float32 of 0.01
        l2 = expected["depthwise_regularizer"]["config"]["l2"]
        assert got["depthwise_regularizer"]["config"]["l2"] == pytest.approx(l2)
        got["depthwise_regularizer"]["config"]["l2"] = l2
    assert got == expected
    cls = getattr(layers, name)
    assert cls.from_config(ours.get_config()).get_config() == ours.get_config()
    assert cls.from_config(theirs.get_config()).get_config()["name"] == theirs.name


def test_group_normalization_of_minus_1_groups_says_its_groups_once_built_as_keras():
    ours, theirs = _pair("GroupNormalization", -1)
    for layer in (ours, theirs):
        assert layer.get_config()["groups"] == -1
        layer(np.ones((2, 3, 6), "float32"))
        assert layer.get_config()["groups"] == 6


def _model(lib):
    inputs = lib.layers.Input((8, 4))
    x = lib.layers.DepthwiseConv1D(3, depth_multiplier=2, name="dw")(inputs)
    x = lib.layers.GaussianNoise(0.1, name="gn")(x)
    x = lib.layers.SeparableConv1D(6, 3, padding="same", name="sep")(x)
    x = lib.layers.SpatialDropout1D(0.2, name="sd")(x)
    x = lib.layers.GroupNormalization(3, name="grn")(x)
    x = lib.layers.GaussianDropout(0.1, name="gd")(x)
    x = lib.layers.Permute((2, 1), name="perm")(x)
    x = lib.layers.UnitNormalization(name="un")(x)
    x = lib.layers.Identity(name="id")(x)
    x = lib.layers.Flatten(name="flat")(x)
    x = lib.layers.RepeatVector(2, name="rep")(x)
    return lib.models.Model(inputs, x)


def _randomize(model, seed):
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(size=tuple(w.shape)).astype("float32") for w in model.get_weights()])


def test_keras_files_both_ways(tmp_path):
    keras = keras_on_torch(REASON)
    x = np.random.default_rng(0).normal(size=(3, 8, 4)).astype("float32")
    theirs, ours = _model(keras), _model(tg)
    _randomize(theirs, 1)
    _randomize(ours, 2)
    theirs.save(tmp_path / "theirs.keras")
    ours.save(tmp_path / "ours.keras")
    loaded_here = models.load_model(tmp_path / "theirs.keras")
    loaded_there = keras.models.load_model(tmp_path / "ours.keras")
    np.testing.assert_allclose(loaded_here.predict(x, verbose=0), np.asarray(theirs.predict(x, verbose=0)),
                               rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(np.asarray(loaded_there.predict(x, verbose=0)), ours.predict(x, verbose=0),
                               rtol=1e-4, atol=1e-5)
    assert [type(layer).__name__ for layer in loaded_here.layers] == [type(layer).__name__ for layer in theirs.layers]
    for mine, reference in zip(loaded_here.get_weights(), theirs.get_weights()):
        np.testing.assert_array_equal(mine, np.asarray(reference))
    with zipfile.ZipFile(tmp_path / "ours.keras") as archive:
        config = json.loads(archive.read("config.json"))
    classes = [item["class_name"] for item in config["config"]["layers"]]
    assert "SeparableConv1D" in classes and "SpatialDropout1D" in classes


# ----------------------------------------------------------------------------------------- bad arguments
@pytest.mark.parametrize("make, error, words", [
    (lambda: layers.DepthwiseConv1D(3, depth_multiplier=0), ValueError,
     r"Invalid value for argument `depth_multiplier`\. Expected a strictly positive value\. Received depth_m"),
    (lambda: layers.DepthwiseConv1D(3, depth_multiplier=1.5), TypeError,
     r"Invalid type for argument `depth_multiplier`.*Received depth_multiplier=1\.5"),
    (lambda: layers.DepthwiseConv1D(3, padding="causal"), ValueError, r"one of \{'valid', 'same'\}\. Received: causal"),
    (lambda: layers.DepthwiseConv1D(0), ValueError, r"kernel_size"),
    (lambda: layers.SeparableConv1D(0, 3), ValueError, r"Invalid value for argument `filters`"),
    (lambda: layers.SeparableConv1D(2, 3, use_bias="yes"), TypeError, r"Invalid type for argument `use_bias`"),
    (lambda: layers.GaussianNoise(2.0), ValueError, r"Invalid value for argument `stddev`.*Received stddev=2\.0"),
    (lambda: layers.GaussianNoise("0.1"), TypeError, r"Invalid type for argument `stddev`"),
    (lambda: layers.GaussianNoise(0.1, seed=-1), ValueError, r"Invalid value for argument `seed`"),
    (lambda: layers.GaussianDropout(-0.1), ValueError, r"Invalid value for argument `rate`"),
    (lambda: layers.SpatialDropout1D(1.5), ValueError, r"Invalid value for argument `rate`"),
    (lambda: layers.SpatialDropout1D(0.5, noise_shape=(1,)), TypeError, r"noise_shape"),
    (lambda: layers.Permute((1, 1)), ValueError, r"Invalid value for argument `dims`.*consecutive and start from 1"),
    (lambda: layers.Permute((0, 1)), ValueError, r"Invalid value for argument `dims`.*Received dims=\(0, 1\)"),
    (lambda: layers.Permute(2), TypeError, r"Invalid type for argument `dims`"),
    (lambda: layers.Permute((1.0, 2.0)), TypeError, r"Invalid type for argument `dims`"),
    (lambda: layers.RepeatVector(0), ValueError, r"Invalid value for argument `n`.*Received n=0"),
    (lambda: layers.RepeatVector(2.0), TypeError, r"Invalid type for argument `n`"),
    (lambda: layers.RepeatVector(True), TypeError, r"Invalid type for argument `n`"),
    (lambda: layers.UnitNormalization("x"), TypeError, r"Invalid type for argument `axis`"),
    (lambda: layers.GroupNormalization(0), ValueError, r"Invalid value for argument `groups`.*Received groups=0"),
    (lambda: layers.GroupNormalization(2.5), ValueError, r"Invalid value for argument `groups`"),
    (lambda: layers.GroupNormalization(2, epsilon=-1), ValueError, r"Invalid value for argument `epsilon`"),
    (lambda: layers.GroupNormalization(2, center="no"), TypeError, r"Invalid type for argument `center`"),
])
def test_bad_arguments_are_refused_by_name(make, error, words):
    with pytest.raises(error, match=words):
        make()


@pytest.mark.parametrize("make, shape, words", [
    (lambda: layers.GroupNormalization(3), (2, 5, 4), r"number of groups \(3\) must divide the number of channels"),
    (lambda: layers.GroupNormalization(8), (2, 5, 4), r"number of groups \(8\) must divide"),
    (lambda: layers.GroupNormalization(1, axis=0), (2, 5, 4), r"axis=0 is the batch axis"),
    (lambda: layers.GroupNormalization(1, axis=3), (2, 5, 4), r"axis=3 is out of range"),
    (lambda: layers.UnitNormalization(axis=2), (2, 5), r"axis=2 is out of range"),
    (lambda: layers.Permute((2, 1)), (2, 5), r"expected ndim=3, found ndim=2"),
    (lambda: layers.RepeatVector(2), (2, 5, 1), r"expected ndim=2, found ndim=3"),
    (lambda: layers.SpatialDropout1D(0.5), (2, 5), r"expected ndim=3, found ndim=2"),
    (lambda: layers.DepthwiseConv1D(3), (2, 5), r"expected min_ndim=3, found ndim=2"),
    (lambda: layers.DepthwiseConv1D(6), (2, 5, 3), r"Computed output size would be zero or negative"),
    (lambda: layers.SeparableConv1D(2, 6), (2, 5, 3), r"Computed output size would be zero or negative"),
])
def test_bad_inputs_are_refused_as_keras_refuses_them(make, shape, words):
    keras = keras_on_torch(REASON)
    with pytest.raises(ValueError, match=words):
        make()(np.ones(shape, "float32"))
    theirs = {"GroupNormalization": lambda: keras.layers.GroupNormalization(3),
              "RepeatVector": lambda: keras.layers.RepeatVector(2)}
    name = type(make()).__name__
    if name in theirs and "groups (3)" in words:      # Keras refuses too (with its wording)
        with pytest.raises(ValueError):
            theirs[name]()(np.ones(shape, "float32"))


def test_a_built_layer_refuses_another_channel_count():
    for layer, good, bad in ((layers.DepthwiseConv1D(3), (2, 5, 3), (2, 5, 4)),
                             (layers.SeparableConv1D(2, 3), (2, 5, 3), (2, 5, 4)),
                             (layers.GroupNormalization(1), (2, 5, 3), (2, 5, 4))):
        layer(np.ones(good, "float32"))
        with pytest.raises(ValueError, match="incompatible|expected"):
            layer(np.ones(bad, "float32"))


def test_the_new_names_no_longer_give_a_hint():
    for name in ("DepthwiseConv1D", "SeparableConv1D", "SeparableConvolution1D", "GaussianNoise", "GaussianDropout",
                 "SpatialDropout1D", "Permute", "RepeatVector", "Identity", "UnitNormalization", "GroupNormalization"):
        assert isinstance(getattr(layers, name), type)
    for name, ours in (("SeparableConv2D", "SeparableConv1D"), ("SpatialDropout2D", "SpatialDropout1D"),
                       ("DepthwiseConv2D", "DepthwiseConv1D")):
        with pytest.raises(AttributeError, match=rf"1-D .*use {ours}"):
            getattr(layers, name)


# ----------------------------------------------------------------------------------------- every backend
ON_BACKENDS = [CONVS[2], CONVS[5], ("GroupNormalization", (2,), {}), ("UnitNormalization", (), {"axis": [1, 2]}),
               ("Permute", ((2, 1),), {}), ("RepeatVector", (3,), {}), ("Identity", (), {})]


@pytest.mark.parametrize("name, args, kwargs", ON_BACKENDS, ids=[n for n, _, _ in ON_BACKENDS])
def test_the_layers_on_every_backend_as_keras(on_backend, name, args, kwargs):
    """Values and gradients against Keras on each backend (array-api-strict: only the standard's functions)."""
    ours, theirs = _pair(name, *args, dtype="float64", **kwargs)
    shape = (2, 4) if name == "RepeatVector" else (2, 9, 4)
    x = np.random.default_rng(5).normal(size=shape)
    _assert_same(ours, theirs, x, tol=TOL["float32"] if name == "GroupNormalization" else None)
    assert ours(x).backend.name == on_backend


@pytest.mark.parametrize("name, args", NOISES, ids=[n for n, _ in NOISES])
def test_the_noise_layers_on_every_backend(on_backend, name, args):
    layer = getattr(layers, name)(*args, seed=5, dtype="float64")
    x = tg.tensor(np.ones((3, 4, 2)), requires_grad=True, dtype="float64")
    y = layer(x, training=True)
    assert y.backend.name == on_backend
    y.sum().backward()
    expected = np.ones((3, 4, 2)) if name == "GaussianNoise" else y.numpy()    # d(sum y)/dx at x = 1
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-12)
    assert layer(x).numpy().tolist() == x.numpy().tolist()


# ----------------------------------------------------------------------------------------- integer data
INTEGER = [("Permute", ((2, 1),)), ("Identity", ()), ("UnitNormalization", ()), ("GroupNormalization", (2,)),
           ("GaussianNoise", (0.1,)), ("GaussianDropout", (0.1,)), ("SpatialDropout1D", (0.1,))]


@pytest.mark.parametrize("training", [False, True])
@pytest.mark.parametrize("name, args", INTEGER, ids=[n for n, _ in INTEGER])
def test_integer_data_give_keras_dtype(name, args, training):
    """Int32 data: the reshaping layers keep int32, the normalizations give float32 (the same values: their
    default weights are ones and zeros; Keras' GroupNormalization truncates them to whole numbers, ours not), and
    the noise layers int32 outside training and float32 in training, as Keras 3.15 on torch (SpatialDropout1D
    failed here in training: "Cannot combine a int32 tensor with 0.9")."""
    ours, theirs = _pair(name, *args)
    data = (np.arange(16).reshape(2, 4, 2) % 5).astype("int32")
    expected, got = theirs(data, training=training), ours(data, training=training)
    assert str(got.dtype) == str(expected.dtype).replace("torch.", "")
    if training and name in ("GaussianNoise", "GaussianDropout", "SpatialDropout1D"):
        return      # random numbers
    values = got.numpy()
    if name == "GroupNormalization":        # Keras casts the result to the input's int32 (truncation), then float32
        values = np.trunc(values)
    np.testing.assert_allclose(values, np.asarray(expected.detach()), rtol=1e-6, atol=1e-6)


def test_repeat_vector_of_integer_data_as_keras():
    ours, theirs = _pair("RepeatVector", 2)
    data = np.arange(6, dtype="int32").reshape(2, 3)
    assert ours(data).numpy().tolist() == np.asarray(theirs(data)).tolist() and str(ours(data).dtype) == "int32"


def test_the_penalties_of_the_separable_weights_as_keras():
    """depthwise_, pointwise_ and bias_regularizer each add their penalty to ``losses``, as in Keras."""
    keras = keras_on_torch(REASON)
    kwargs = {"depthwise_regularizer": keras.regularizers.L2(0.1), "pointwise_regularizer": keras.regularizers.L1(0.2),
              "bias_regularizer": keras.regularizers.L2(0.3), "bias_initializer": "ones"}
    theirs = keras.layers.SeparableConv1D(3, 2, **kwargs)
    ours = layers.SeparableConv1D(3, 2, depthwise_regularizer=tg.regularizers.L2(0.1),
                                  pointwise_regularizer=tg.regularizers.L1(0.2),
                                  bias_regularizer=tg.regularizers.L2(0.3), bias_initializer="ones")
    x = np.ones((2, 5, 4), "float32")
    theirs(x)
    ours(x)
    ours.set_weights([np.asarray(w) for w in theirs.get_weights()])
    expected = sorted(float(loss) for loss in theirs.losses)
    got = sorted(float(np.asarray(loss.numpy() if hasattr(loss, "numpy") else loss)) for loss in ours.losses)
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    assert len(got) == 3


# ----------------------------------------------------------------------------------------- special points
SPECIAL = [("GroupNormalization", (2,)), ("UnitNormalization", ()), ("DepthwiseConv1D", (2,)),
           ("SeparableConv1D", (2, 2))]


@pytest.mark.parametrize("special", [np.inf, -np.inf, np.nan, 1e20, 1e-30])
@pytest.mark.parametrize("name, args", SPECIAL, ids=[n for n, _ in SPECIAL])
def test_special_inputs_as_keras(name, args, special):
    """One inf, NaN, huge (its square overflows float32) or tiny input: the values and gradients of Keras on torch,
    NaN where Keras gives NaN (a group's statistics, a row's norm, the convolutions' sums)."""
    ours, theirs = _pair(name, *args)
    x = np.ones((2, 3, 4), "float32")
    x[0, 1, 2] = special
    _assert_same(ours, theirs, x, tol={"rtol": 1e-5, "atol": 1e-6, "equal_nan": True})
