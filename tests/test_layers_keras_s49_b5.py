"""Lambda, ActivityRegularization, Rescaling, AdaptiveAveragePooling1D and AdaptiveMaxPooling1D against Keras 3.15
(on torch) and torch's autograd: outputs, gradients, shapes in Sequential and functional models, configs, masks,
dtypes, Keras files."""
import warnings

import numpy as np
import pytest
from helpers import keras_on_torch

import tinygradconv as tg
from tinygradconv import layers, models
from tinygradconv.layers.layer import get_keras_mask
from tinygradconv.saving import SavedFileError, load_model

torch = pytest.importorskip("torch", reason="torch's autograd is the reference for the gradients")


def _keras():
    return keras_on_torch("Keras 3.15 is the reference for these layers")


def _np(x):
    return x.detach().cpu().numpy() if hasattr(x, "detach") else np.asarray(x)


def _no_dtype(config):
    return {k: v for k, v in config.items() if k not in ("name", "dtype")}


def doubled(x):
    """A named function, found again by name when loading."""
    return x * 2.0


# ------------------------------------------------------------------------------------------------------------ Lambda
def test_lambda_output_and_gradient_match_keras_and_torch():
    keras = _keras()
    x = np.random.default_rng(0).standard_normal((3, 5))
    ours_x = tg.tensor(x, requires_grad=True)
    ours = layers.Lambda(lambda t: t[:, :2] * t[:, 1:3], dtype="float64")(ours_x)
    theirs_x = torch.tensor(x, requires_grad=True)
    theirs = keras.layers.Lambda(lambda t: t[:, :2] * t[:, 1:3], dtype="float64")(theirs_x)
    np.testing.assert_allclose(ours.numpy(), _np(theirs), rtol=1e-12)
    ours.sum().backward()
    theirs.sum().backward()
    np.testing.assert_allclose(ours_x.grad.numpy(), _np(theirs_x.grad), rtol=1e-12)


@pytest.mark.parametrize(("shape", "fn", "output_shape"), [
    ((5,), lambda ops: lambda t: t[:, :2], None),
    ((7, 3), lambda ops: lambda t: ops.sum(t, axis=1), None),
    ((None, 3), lambda ops: lambda t: t[:, 1:], None),
    ((5,), lambda ops: lambda t: t, (4,)),
    ((5,), lambda ops: lambda t: t, lambda s: (s[0], 9)),
])
def test_lambda_output_shape_in_models_as_keras(shape, fn, output_shape):
    keras = _keras()
    theirs = keras.layers.Lambda(fn(keras.ops), output_shape=output_shape)(keras.Input(shape))
    ours = layers.Lambda(fn(tg.ops), output_shape=output_shape)(layers.Input(shape))
    assert tuple(ours.shape) == tuple(theirs.shape)
    sequential = models.Sequential([layers.Input(shape), layers.Lambda(fn(tg.ops), output_shape=output_shape)])
    assert sequential.output_shape == tuple(theirs.shape)


def test_lambda_in_sequential_and_functional_models_and_arguments():
    keras = _keras()
    x = np.random.default_rng(1).standard_normal((2, 4)).astype("float32")
    theirs = keras.Sequential([keras.Input((4,)), keras.layers.Lambda(lambda t, k: t * k, arguments={"k": 3.0})])
    ours = models.Sequential([layers.Input((4,)), layers.Lambda(lambda t, k: t * k, arguments={"k": 3.0})])
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    a, b = layers.Input((4,)), layers.Input((4,))
    functional = models.Model([a, b], layers.Lambda(lambda ts: ts[0] - ts[1])([a, b]))
    np.testing.assert_allclose(functional.predict([x, 2 * x], verbose=0), -x, rtol=1e-6)


def test_lambda_config_of_a_named_function_is_keras_and_round_trips():
    keras = _keras()
    theirs = keras.layers.Lambda(doubled, output_shape=(3,), name="lam").get_config()
    ours = layers.Lambda(doubled, output_shape=(3,), name="lam").get_config()
    assert ours["function"] == theirs["function"]
    assert _no_dtype(ours) == _no_dtype(theirs)
    with tg.saving.custom_object_scope({"doubled": doubled}):
        again = layers.Lambda.from_config(ours)
    assert again.function is doubled
    np.testing.assert_allclose(again(np.ones((1, 3))).numpy(), [[2.0, 2.0, 2.0]])


def test_lambda_of_a_python_lambda_is_refused_when_saved_with_what_to_do():
    model = models.Sequential([layers.Input((3,)), layers.Lambda(lambda t: t * 2, name="lam")])
    with pytest.raises(ValueError, match=r"Lambda layer 'lam'.*Python lambda.*bytecode.*subclass of "
                                         r"tinygradconv.layers.Layer"):
        model.get_config()
    for suffix in (".keras", ".npz"):
        with pytest.raises(ValueError, match=r"never writes or reads"):
            model.save(f"/tmp/never_written_s49_b5{suffix}")


def test_keras_files_holding_a_lambda(tmp_path):
    keras = _keras()
    path = tmp_path / "lam.keras"
    keras.Sequential([keras.Input((3,)), keras.layers.Lambda(lambda t: t * 2, name="lam")]).save(path)
    with pytest.raises(SavedFileError, match=r"layer 'lam' \(Lambda\).*Python code.*never loads"):
        load_model(path)
    named = tmp_path / "named.keras"
    keras.Sequential([keras.Input((3,)), keras.layers.Dense(2), keras.layers.Lambda(doubled)]).save(named)
    with pytest.raises(SavedFileError, match=r"unknown function 'doubled'.*custom_objects=\{'doubled': doubled\}"):
        load_model(named)
    x = np.random.default_rng(2).standard_normal((2, 3)).astype("float32")
    theirs = keras.saving.load_model(named, custom_objects={"doubled": doubled})
    ours = load_model(named, custom_objects={"doubled": doubled})
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    ours.save(tmp_path / "ours.keras")      # and back to Keras
    back = keras.saving.load_model(tmp_path / "ours.keras", custom_objects={"doubled": doubled})
    np.testing.assert_allclose(back.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


def test_lambda_masks_as_keras():
    keras = _keras()
    ids = np.array([[1, 0, 2]])
    embedding = keras.layers.Embedding(4, 2, mask_zero=True)
    with pytest.warns(UserWarning, match="does not support masking"):
        theirs = keras.layers.Lambda(lambda t: t * 2)(embedding(ids))
    assert getattr(theirs, "_keras_mask", None) is None
    ours_embedding = layers.Embedding(4, 2, mask_zero=True)
    with pytest.warns(UserWarning, match="does not support masking"):
        ours = layers.Lambda(lambda t: t * 2)(ours_embedding(ids))
    assert get_keras_mask(ours) is None
    theirs = keras.layers.Lambda(lambda t: t * 2, mask=lambda i, m: m)(embedding(ids))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours = layers.Lambda(lambda t: t * 2, mask=lambda i, m: m)(ours_embedding(ids))
    np.testing.assert_array_equal(get_keras_mask(ours).numpy(), _np(theirs._keras_mask))


@pytest.mark.parametrize("dtype", ["float16", "float64"])
def test_lambda_dtypes_and_batch_1(dtype):
    out = layers.Lambda(lambda t: t + 1.0, dtype=dtype)(np.zeros((1, 2), "float32"))
    assert str(out.dtype) == dtype and out.shape == (1, 2)


def test_lambda_bad_arguments_are_named():
    with pytest.raises(TypeError, match=r"Invalid type for argument `function`.*Received function=3"):
        layers.Lambda(3)
    with pytest.raises(TypeError, match=r"Invalid type for argument `arguments`"):
        layers.Lambda(doubled, arguments=[1])


# ---------------------------------------------------------------------------------------- ActivityRegularization
@pytest.mark.parametrize("batch", [1, 4])
def test_activity_regularization_loss_and_gradient_match_keras(batch):
    keras = _keras()
    x = np.random.default_rng(3).standard_normal((batch, 3, 2))
    theirs_layer = keras.layers.ActivityRegularization(l1=0.1, l2=0.3, dtype="float64")
    theirs_x = torch.tensor(x, requires_grad=True)
    theirs_out = theirs_layer(theirs_x)
    theirs_loss = theirs_layer.losses[0]
    ours_layer = layers.ActivityRegularization(l1=0.1, l2=0.3, dtype="float64")
    ours_x = tg.tensor(x, requires_grad=True)
    ours_out = ours_layer(ours_x)
    assert len(ours_layer.losses) == 1
    # Keras 3.15 gives a layer's losses in float32 even for a float64 layer (ours stay float64): hence rtol
    np.testing.assert_allclose(float(ours_layer.losses[0]), float(theirs_loss.detach()), rtol=1e-6)
    np.testing.assert_allclose(float(ours_layer.losses[0]),
                               (0.1 * np.abs(x).sum() + 0.3 * (x ** 2).sum()) / batch, rtol=1e-12)
    np.testing.assert_array_equal(ours_out.numpy(), x)
    ((ours_out * 2.0).sum() + ours_layer.losses[0]).backward()
    ((theirs_out * 2.0).sum() + theirs_loss).backward()
    np.testing.assert_allclose(ours_x.grad.numpy(), _np(theirs_x.grad), rtol=1e-6)
    # the formula, by hand: 2 + (l1 sign(x) + 2 l2 x) / batch
    np.testing.assert_allclose(ours_x.grad.numpy(), 2 + (0.1 * np.sign(x) + 0.6 * x) / batch, rtol=1e-12)


def test_activity_regularization_in_models_config_and_errors():
    keras = _keras()
    x = np.random.default_rng(4).standard_normal((5, 3)).astype("float32")
    theirs = keras.Sequential([keras.Input((3,)), keras.layers.ActivityRegularization(l2=0.5)])
    ours = models.Sequential([layers.Input((3,)), layers.ActivityRegularization(l2=0.5)])
    theirs(x)
    ours(x)
    np.testing.assert_allclose([float(v) for v in ours.losses], [float(v) for v in theirs.losses], rtol=1e-6)
    i = layers.Input((3,))
    functional = models.Model(i, layers.ActivityRegularization(l1=1.0)(i))
    functional(x)
    np.testing.assert_allclose(float(functional.losses[0]), np.abs(x).sum() / 5, rtol=1e-6)
    k = keras.layers.ActivityRegularization(l1=0.1, l2=0.2)
    o = layers.ActivityRegularization(l1=0.1, l2=0.2)
    assert _no_dtype(o.get_config()) == _no_dtype(k.get_config())
    assert o.get_build_config() is None and k.get_build_config() is None
    again = layers.ActivityRegularization.from_config(k.get_config())
    assert (again.l1, again.l2) == (0.1, 0.2)
    with pytest.raises(ValueError, match="Invalid value for argument"):
        keras.layers.ActivityRegularization(l1=-1.0)
    with pytest.raises(ValueError, match="Invalid value for argument `l1`"):
        layers.ActivityRegularization(l1=-1.0)


def test_activity_regularization_and_rescaling_pass_masks_as_keras():
    keras = _keras()
    ids = np.array([[1, 0, 2]])
    assert keras.layers.ActivityRegularization().supports_masking and keras.layers.Rescaling(2.0).supports_masking
    embedding = layers.Embedding(4, 2, mask_zero=True)
    for layer in (layers.ActivityRegularization(l1=0.1), layers.Rescaling(2.0)):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            out = layer(embedding(ids))
        np.testing.assert_array_equal(get_keras_mask(out).numpy(), [[True, False, True]])


# ------------------------------------------------------------------------------------------------------- Rescaling
@pytest.mark.parametrize(("scale", "offset"), [(1 / 255.0, -1.0), ([1.0, 2.0, 3.0], [0.0, 1.0, 2.0]), (2, 0)])
def test_rescaling_outputs_config_and_gradient_match_keras(scale, offset):
    keras = _keras()
    x = np.random.default_rng(5).standard_normal((2, 4, 3))
    theirs_layer = keras.layers.Rescaling(scale, offset, dtype="float64")
    theirs_x = torch.tensor(x, requires_grad=True)
    theirs = theirs_layer(theirs_x)
    ours_layer = layers.Rescaling(scale, offset, dtype="float64")
    ours_x = tg.tensor(x, requires_grad=True)
    ours = ours_layer(ours_x)
    np.testing.assert_allclose(ours.numpy(), _np(theirs), rtol=1e-12)
    g = np.random.default_rng(6).standard_normal(x.shape)
    (ours * tg.tensor(g)).sum().backward()
    (theirs * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(ours_x.grad.numpy(), _np(theirs_x.grad), rtol=1e-12)
    assert _no_dtype(ours_layer.get_config()) == _no_dtype(theirs_layer.get_config())
    again = layers.Rescaling.from_config(theirs_layer.get_config())
    np.testing.assert_allclose(again(x).numpy(), _np(theirs), rtol=1e-12)


@pytest.mark.parametrize(("data", "layer_dtype"), [(np.ones((1, 2), "int32"), None), (np.ones((1, 2), "float16"), None),
                                                   (np.ones((1, 2), "float32"), "float64"),
                                                   (np.ones((1, 2), "float32"), "float16")])
def test_rescaling_dtypes_as_keras(data, layer_dtype):
    keras = _keras()
    theirs = keras.layers.Rescaling(2.0, dtype=layer_dtype)(data)
    ours = layers.Rescaling(2.0, dtype=layer_dtype)(data)
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    np.testing.assert_allclose(ours.numpy(), _np(theirs))


def test_rescaling_in_models_and_bad_arguments():
    keras = _keras()
    x = np.random.default_rng(7).standard_normal((3, 4)).astype("float32")
    theirs = keras.Sequential([keras.Input((4,)), keras.layers.Rescaling(0.5, 1.0), keras.layers.Dense(2)])
    ours = models.Sequential([layers.Input((4,)), layers.Rescaling(0.5, 1.0), layers.Dense(2)])
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    with pytest.raises(TypeError, match=r"Invalid type for argument `scale`.*Received scale='a'"):
        layers.Rescaling("a")
    with pytest.raises(TypeError, match=r"Invalid type for argument `offset`"):
        layers.Rescaling(1.0, offset=None)


# ------------------------------------------------------------------------------------------------ adaptive pooling
_ADAPTIVE = [("AdaptiveAveragePooling1D", "adaptive_avg_pool1d"), ("AdaptiveMaxPooling1D", "adaptive_max_pool1d")]


@pytest.mark.parametrize(("name", "torch_name"), _ADAPTIVE)
@pytest.mark.parametrize(("steps", "output_size"), [(7, 5), (7, 3), (7, 7), (7, 10), (7, 1), (3, 8), (12, 4),
                                                    (1, 3)])
def test_adaptive_pooling_matches_keras_and_torch_gradients(name, torch_name, steps, output_size):
    keras = _keras()
    x = np.random.default_rng(steps * 10 + output_size).standard_normal((2, steps, 3))
    theirs = getattr(keras.layers, name)(output_size)(x.astype("float32"))
    ours = getattr(layers, name)(output_size)(x.astype("float32"))
    np.testing.assert_allclose(ours.numpy(), _np(theirs), rtol=1e-6, atol=1e-7)
    ours_x = tg.tensor(x, requires_grad=True)
    out = getattr(layers, name)(output_size, dtype="float64")(ours_x)
    g = np.random.default_rng(8).standard_normal(out.shape)
    (out * tg.tensor(g)).sum().backward()
    torch_x = torch.tensor(x, requires_grad=True)
    reference = getattr(torch.nn.functional, torch_name)(torch_x.permute(0, 2, 1), output_size).permute(0, 2, 1)
    (reference * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(out.numpy(), _np(reference), rtol=1e-12)
    np.testing.assert_allclose(ours_x.grad.numpy(), _np(torch_x.grad), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(("name", "_torch_name"), _ADAPTIVE)
def test_adaptive_pooling_bins_by_hand_channels_first_models_config(name, _torch_name):
    keras = _keras()
    x = np.arange(5.0).reshape(1, 5, 1)         # bins [0, 2), [1, 4), [3, 5)
    expected = [0.5, 2.0, 3.5] if "Average" in name else [1.0, 3.0, 4.0]
    assert getattr(layers, name)(3)(x).numpy().ravel().tolist() == expected
    xf = np.random.default_rng(9).standard_normal((2, 3, 9)).astype("float32")
    theirs = getattr(keras.layers, name)(4, data_format="channels_first")
    ours = getattr(layers, name)((4,), data_format="channels_first")
    np.testing.assert_allclose(ours(xf).numpy(), _np(theirs(xf)), rtol=1e-6)
    assert _no_dtype(ours.get_config()) == _no_dtype(theirs.get_config())
    again = getattr(layers, name).from_config(theirs.get_config())
    assert again.output_size == (4,) and again.data_format == "channels_first"
    for shape in ((None, 3), (9, 3)):
        k = keras.Sequential([keras.Input(shape), getattr(keras.layers, name)(2)])
        o = models.Sequential([layers.Input(shape), getattr(layers, name)(2)])
        assert o.output_shape == k.output_shape
        i = layers.Input(shape)
        assert tuple(getattr(layers, name)(2)(i).shape) == tuple(k.output_shape)


@pytest.mark.parametrize(("name", "_torch_name"), _ADAPTIVE)
def test_adaptive_pooling_errors_dtypes_masks(name, _torch_name):
    keras = _keras()
    cls = getattr(layers, name)
    with pytest.raises(TypeError, match=r"Invalid type for argument `output_size`.*Received output_size=2.0"):
        cls(2.0)
    with pytest.raises(ValueError, match=r"Invalid value for argument `output_size`.*Received output_size=\(2, 3\)"):
        cls((2, 3))
    with pytest.raises(ValueError, match=r"Invalid value for argument `output_size`.*positive"):
        cls(0)
    with pytest.raises(ValueError, match=r"expected ndim=3, found ndim=2"):
        cls(2)(np.ones((2, 4)))
    for dtype in ("float16", "float64"):
        out = cls(2, dtype=dtype)(np.ones((1, 5, 2)))
        assert str(out.dtype) == dtype and out.shape == (1, 2, 2)
    assert not getattr(keras.layers, name)(2).supports_masking
    with pytest.warns(UserWarning, match="does not support masking"):
        out = cls(2)(layers.Embedding(4, 2, mask_zero=True)(np.array([[1, 0, 2, 3]])))
    assert get_keras_mask(out) is None


def test_new_layers_in_keras_files_both_ways(tmp_path):
    keras = _keras()
    theirs = keras.Sequential([keras.Input((9, 2)), keras.layers.Rescaling(0.5, 0.1),
                               keras.layers.AdaptiveAveragePooling1D(4), keras.layers.ActivityRegularization(l1=0.01),
                               keras.layers.Conv1D(3, 2), keras.layers.AdaptiveMaxPooling1D(2)])
    theirs.save(tmp_path / "k.keras")
    ours = load_model(tmp_path / "k.keras")
    x = np.random.default_rng(10).standard_normal((2, 9, 2)).astype("float32")
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    ours.save(tmp_path / "o.keras")
    back = keras.saving.load_model(tmp_path / "o.keras")
    np.testing.assert_allclose(back.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    ours.save(tmp_path / "o.npz")
    np.testing.assert_allclose(load_model(tmp_path / "o.npz").predict(x, verbose=0), theirs.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)


# ------------------------------------------------------------------------------------------------- TimeDistributed
def _keras_weights(layer):
    return [np.asarray(w) for w in layer.get_weights()]


def test_time_distributed_dense_matches_keras_a_loop_and_torch_gradients():
    keras = _keras()
    x = np.random.default_rng(11).standard_normal((3, 4, 5))
    theirs = keras.layers.TimeDistributed(keras.layers.Dense(2, dtype="float64"), dtype="float64")
    theirs_x = torch.tensor(x, requires_grad=True)
    theirs_y = theirs(theirs_x)
    ours = layers.TimeDistributed(layers.Dense(2, dtype="float64"), dtype="float64")
    ours(np.zeros((3, 4, 5)))
    kernel, bias = _keras_weights(theirs)
    ours.set_weights([kernel, bias])
    ours_x = tg.tensor(x, requires_grad=True)
    ours_y = ours(ours_x)
    loop = np.stack([x[:, t] @ kernel + bias for t in range(4)], axis=1)       # the formula, step by step
    np.testing.assert_allclose(ours_y.numpy(), loop, rtol=1e-12)
    # Keras 3.15's float64 Dense on torch is off x @ kernel + bias by ~1e-7 (float32-like): hence atol
    np.testing.assert_allclose(ours_y.numpy(), _np(theirs_y), rtol=1e-6, atol=1e-6)
    g = np.random.default_rng(12).standard_normal(ours_y.shape)
    (ours_y * tg.tensor(g)).sum().backward()
    (theirs_y * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(ours_x.grad.numpy(), _np(theirs_x.grad), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(ours_x.grad.numpy(), g @ kernel.T, rtol=1e-12)
    np.testing.assert_allclose(ours.layer.kernel.grad.numpy(), np.einsum("bti,bto->io", x, g), rtol=1e-12)
    assert ours.get_build_config() == theirs.get_build_config()
    assert ours.layer.get_build_config() == theirs.layer.get_build_config()


def test_time_distributed_conv1d_on_4d_inputs_in_models_as_keras():
    keras = _keras()
    x = np.random.default_rng(13).standard_normal((2, 5, 7, 3)).astype("float32")
    theirs = keras.Sequential([keras.Input((5, 7, 3)), keras.layers.TimeDistributed(keras.layers.Conv1D(4, 3))])
    ours = models.Sequential([layers.Input((5, 7, 3)), layers.TimeDistributed(layers.Conv1D(4, 3))])
    ours.set_weights(_keras_weights(theirs))
    assert ours.output_shape == theirs.output_shape
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    for shape in ((None, 7, 3), (5, None, 3)):
        k = keras.layers.TimeDistributed(keras.layers.Conv1D(4, 3))(keras.Input(shape))
        o = layers.TimeDistributed(layers.Conv1D(4, 3))(layers.Input(shape))
        assert tuple(o.shape) == tuple(k.shape)
    i = layers.Input((5, 7, 3))
    functional = models.Model(i, layers.TimeDistributed(layers.Conv1D(4, 3))(i))
    functional.set_weights(_keras_weights(theirs))
    np.testing.assert_allclose(functional.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


def test_time_distributed_config_masks_dtypes_errors_and_files(tmp_path):
    keras = _keras()
    theirs = keras.layers.TimeDistributed(keras.layers.Dense(3, name="d"), name="td")
    ours = layers.TimeDistributed(layers.Dense(3, name="d"), name="td")
    theirs_config, ours_config = theirs.get_config(), ours.get_config()
    assert _no_dtype(ours_config["layer"]["config"]) == _no_dtype(theirs_config["layer"]["config"])
    assert ours_config["layer"]["class_name"] == "Dense" and ours_config["layer"]["module"] == "keras.layers"
    assert type(layers.TimeDistributed.from_config(theirs_config).layer) is layers.Dense
    assert layers.TimeDistributed.from_config(ours_config).layer.units == 3
    # masks: passed on, as Keras' (supports_masking)
    ids = np.array([[1, 0, 2]])
    k = keras.layers.TimeDistributed(keras.layers.Dense(2))(keras.layers.Embedding(4, 2, mask_zero=True)(ids))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        o = layers.TimeDistributed(layers.Dense(2))(layers.Embedding(4, 2, mask_zero=True)(ids))
    np.testing.assert_array_equal(get_keras_mask(o).numpy(), _np(k._keras_mask))
    for dtype in ("float16", "float64"):
        out = layers.TimeDistributed(layers.Dense(2, dtype=dtype), dtype=dtype)(np.ones((1, 3, 4)))
        assert str(out.dtype) == dtype and out.shape == (1, 3, 2)
    with pytest.raises(ValueError, match=r"expected min_ndim=3, found ndim=2"):
        layers.TimeDistributed(layers.Dense(2))(np.ones((2, 3)))
    with pytest.raises(ValueError, match="at least 3 dimensions"):     # Keras refuses it too
        keras.layers.TimeDistributed(keras.layers.Dense(2))(np.ones((2, 3), "float32"))
    with pytest.raises(TypeError, match=r"Invalid type for argument `layer`.*Received layer=3"):
        layers.TimeDistributed(3)
    model = models.Sequential([layers.Input((4, 5)), layers.TimeDistributed(layers.Dense(2))])
    x = np.random.default_rng(14).standard_normal((2, 4, 5)).astype("float32")
    model.save(tmp_path / "td.npz")
    np.testing.assert_array_equal(load_model(tmp_path / "td.npz").predict(x, verbose=0), model.predict(x, verbose=0))
    theirs = keras.Sequential([keras.Input((4, 5)), keras.layers.TimeDistributed(keras.layers.Dense(2))])
    theirs.save(tmp_path / "td.keras")      # Keras' weights under layers/time_distributed/layer/vars
    np.testing.assert_allclose(load_model(tmp_path / "td.keras").predict(x, verbose=0), theirs.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)


def test_activity_regularization_in_evaluate_and_lambda_in_fit_as_keras():
    """The penalty is part of the loss ``evaluate`` reports, per batch as Keras adds it; a Lambda between layers
    passes gradients (fit lowers the loss, with the same first loss as Keras from the same weights)."""
    keras = _keras()
    x = np.arange(12, dtype="float32").reshape(4, 3) / 10
    y = np.zeros((4, 2), "float32")
    theirs = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, kernel_initializer="ones"),
                               keras.layers.ActivityRegularization(l1=0.1, l2=0.2)])
    ours = models.Sequential([layers.Input((3,)), layers.Dense(2, kernel_initializer="ones"),
                              layers.ActivityRegularization(l1=0.1, l2=0.2)])
    theirs.compile("sgd", "mse")
    ours.compile("sgd", "mse")
    for batch_size in (4, 2):
        np.testing.assert_allclose(ours.evaluate(x, y, batch_size=batch_size, verbose=0),
                                   theirs.evaluate(x, y, batch_size=batch_size, verbose=0), rtol=1e-6)
    rng = np.random.default_rng(15)
    data, target = rng.random((32, 3)).astype("float32"), rng.random((32, 1)).astype("float32")
    theirs = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4), keras.layers.Lambda(keras.ops.tanh),
                               keras.layers.Dense(1)])
    ours = models.Sequential([layers.Input((3,)), layers.Dense(4), layers.Lambda(tg.ops.tanh), layers.Dense(1)])
    ours.set_weights(_keras_weights(theirs))
    theirs.compile("sgd", "mse")
    ours.compile("sgd", "mse")
    history = ours.fit(data, target, epochs=5, batch_size=32, verbose=0).history["loss"]
    expected = theirs.fit(data, target, epochs=5, batch_size=32, verbose=0).history["loss"]
    np.testing.assert_allclose(history, expected, rtol=1e-5)
    assert history[-1] < history[0]


def test_the_new_layers_on_every_backend(on_backend):
    """Hand-computed results on each backend (array-api-strict: only the standard's functions)."""
    x = tg.tensor(np.arange(5.0).reshape(1, 5, 1), requires_grad=True)      # bins [0, 2), [1, 4), [3, 5)
    y = layers.AdaptiveAveragePooling1D(3)(x)
    assert y.backend.name == on_backend and y.numpy().ravel().tolist() == [0.5, 2.0, 3.5]
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy().ravel(), [0.5, 0.5 + 1 / 3, 1 / 3, 1 / 3 + 0.5, 0.5], rtol=1e-6)
    assert layers.AdaptiveMaxPooling1D(3)(x).numpy().ravel().tolist() == [1.0, 3.0, 4.0]
    assert layers.Rescaling(2.0, 1.0)(x).numpy().ravel().tolist() == [1.0, 3.0, 5.0, 7.0, 9.0]
    assert layers.Lambda(lambda t: t * 3.0)(x).numpy().ravel().tolist() == [0.0, 3.0, 6.0, 9.0, 12.0]
    assert layers.TimeDistributed(layers.Dense(1, kernel_initializer="ones"))(x).numpy().ravel().tolist() == \
        [0.0, 1.0, 2.0, 3.0, 4.0]
