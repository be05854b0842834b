"""The activation layers ``ReLU``, ``LeakyReLU``, ``PReLU``, ``ELU`` and ``Softmax`` against Keras 3 on torch: values
and gradients (torch autograd) at the special points in float32 and float64, argument validation, configs, model JSON
and ``.keras`` files both ways. Keras is the only reference (skipped, with the reason, without it)."""
import json
import math
import types
import warnings

import numpy as np
import pytest
from helpers import keras_on_torch

import tinygradconv as tg
from tinygradconv import layers, models

REASON = "Keras 3 on torch is the reference for its activation layers"
SPECIAL = [0.0, -0.0, np.nan, np.inf, -np.inf, 1.0, -1.0, 0.5, 2.5, 6.0, 10.0, -3.0, 1e-30, -1e-30, 7.5, 3.0,
           -60.0, 60.0]


def _keras():
    keras = keras_on_torch(REASON)
    import torch
    return keras, torch


def _run_both(ours, theirs, x, upstream, torch):
    """Values and input gradients of ``sum(layer(x) * upstream)`` for our layer and Keras'."""
    xt = tg.tensor(x, dtype=str(x.dtype), requires_grad=True)
    out = ours(xt)
    (out * tg.tensor(upstream, dtype=str(x.dtype))).sum().backward()
    xk = torch.tensor(x, requires_grad=True)
    ok = theirs(xk)
    (ok * torch.tensor(upstream)).sum().backward()
    return (out.numpy(), xt.grad.numpy()), (ok.detach().numpy(), xk.grad.numpy())


def _assert_same(ours, theirs, dtype, exact_sign=True):
    tol = 1e-6 if dtype == "float32" else 1e-13
    np.testing.assert_allclose(ours, theirs, rtol=tol, atol=tol, equal_nan=True)
    if exact_sign:   # -0.0 against 0.0
        same = (ours == 0) & (theirs == 0)
        np.testing.assert_array_equal(np.signbit(ours[same]), np.signbit(theirs[same]))


ELEMENTWISE = [
    ("ReLU", {}),
    ("ReLU", {"max_value": 6.0}),
    ("ReLU", {"max_value": 2.5}),
    ("ReLU", {"negative_slope": 0.5}),
    ("ReLU", {"negative_slope": 0.25, "max_value": 7.5}),
    ("ReLU", {"threshold": 1.0}),
    ("ReLU", {"threshold": 0.5, "negative_slope": 0.1}),
    ("ReLU", {"threshold": 3.0, "negative_slope": 0.2, "max_value": 10.0}),
    # found by a tester: NaN with a threshold (Keras' where(x > threshold, x, 0) makes it 0), with every option
    ("ReLU", {"threshold": 2.5, "max_value": 6.0}),
    ("ReLU", {"threshold": 6.0, "max_value": 2.5}),
    ("ReLU", {"threshold": 0.5, "max_value": 0.0}),
    ("ReLU", {"threshold": 1.0, "negative_slope": 1.0, "max_value": 6.0}),
    ("ReLU", {"negative_slope": 0.3, "max_value": 6.0}),
    ("ReLU", {"negative_slope": 0.3, "max_value": 0.0}),
    ("LeakyReLU", {}),
    ("LeakyReLU", {"negative_slope": 0.01}),
    ("LeakyReLU", {"negative_slope": 0.0}),
    ("ELU", {}),
    ("ELU", {"alpha": 0.5}),
    ("ELU", {"alpha": -1.5}),
    ("ELU", {"alpha": -0.0}),      # a tester: the zeros were swapped (`alpha < 0.0` misses -0.0)
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(("name", "kwargs"), ELEMENTWISE, ids=[f"{n}-{k}" for n, k in ELEMENTWISE])
def test_elementwise_layers_match_keras_at_special_points(name, kwargs, dtype):
    keras, torch = _keras()
    rng = np.random.default_rng(0)
    x = np.concatenate([SPECIAL, rng.normal(scale=4.0, size=40)]).astype(dtype)
    upstream = rng.uniform(0.5, 2.0, size=x.shape).astype(dtype)
    ours = getattr(layers, name)(dtype=dtype, **kwargs)
    theirs = getattr(keras.layers, name)(dtype=dtype, **kwargs)
    (value, grad), (k_value, k_grad) = _run_both(ours, theirs, x, upstream, torch)
    assert value.dtype == k_value.dtype == np.dtype(dtype)
    # everywhere, NaN with a ReLU threshold and the zeros of an ELU with a negative alpha included (found by testers)
    _assert_same(value, k_value, dtype)
    _assert_same(grad, k_grad, dtype, exact_sign=False)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shared_axes", [None, [1], [1, 2], 2])
def test_prelu_matches_keras_values_and_gradients(shared_axes, dtype):
    keras, torch = _keras()
    rng = np.random.default_rng(1)
    x = rng.normal(scale=3.0, size=(3, 4, 5)).astype(dtype)
    x.flat[:len(SPECIAL)] = SPECIAL
    upstream = rng.uniform(0.5, 2.0, size=x.shape).astype(dtype)
    ours = layers.PReLU(shared_axes=shared_axes, dtype=dtype)
    theirs = keras.layers.PReLU(shared_axes=shared_axes, dtype=dtype)
    theirs.build(x.shape)
    ours.build(x.shape)
    alpha = rng.normal(size=theirs.alpha.shape).astype(dtype)
    assert ours.alpha.shape == tuple(theirs.alpha.shape)
    theirs.set_weights([alpha])
    ours.set_weights([alpha])
    (value, grad), (k_value, k_grad) = _run_both(ours, theirs, x, upstream, torch)
    _assert_same(value, k_value, dtype)
    _assert_same(grad, k_grad, dtype, exact_sign=False)
    _assert_same(ours.alpha.grad.numpy(), theirs.alpha.value.grad.numpy(), dtype, exact_sign=False)
    assert [w.name.split("/")[-1] for w in ours.weights] == [w.name for w in theirs.weights] == ["alpha"]


def test_prelu_default_alpha_and_input_spec_as_keras():
    keras, _ = _keras()
    x = np.array([[[-2.0, 1.0, 0.0]]], dtype="float32")
    ours, theirs = layers.PReLU(), keras.layers.PReLU()
    np.testing.assert_array_equal(ours(x).numpy(), theirs(x).detach().numpy())   # alpha starts at zeros: a ReLU
    bad = np.zeros((1, 1, 3, 1), "float32")   # another rank: Keras' input spec refuses it
    with pytest.raises(ValueError, match="expected ndim=3, found ndim=4"):
        theirs(bad)
    with pytest.raises(ValueError, match="expected ndim=3, found ndim=4"):
        ours(bad)
    # another size on an axis not shared: Keras broadcasts an alpha built for 1 step over 2 steps, and fails deep
    # in torch for 4 channels instead of 3; both are refused here, naming the axis
    assert tuple(theirs(np.zeros((1, 2, 3), "float32")).shape) == (1, 2, 3)
    with pytest.raises(RuntimeError):
        theirs(np.zeros((1, 1, 4), "float32"))
    for shape, axis in (((1, 2, 3), 1), ((1, 1, 4), 2)):
        with pytest.raises(ValueError, match=f"expected axis {axis} of input shape"):
            ours(np.zeros(shape, "float32"))


def _softmax_both(x, axis, dtype, seed):
    """Our Softmax layer and Keras' on ``x``, with an upstream gradient drawn from ``seed``: (value, grad) of each."""
    keras, torch = _keras()
    x = x.astype(dtype)
    upstream = np.random.default_rng(seed).uniform(0.5, 2.0, size=x.shape).astype(dtype)
    ours, theirs = layers.Softmax(axis=axis, dtype=dtype), keras.layers.Softmax(axis=axis, dtype=dtype)
    (value, grad), (k_value, k_grad) = _run_both(ours, theirs, x, upstream, torch)
    return value, grad, k_value, k_grad


SOFTMAX_X = np.array([
    [[1.0, 2.0, 3.0, 0.5], [1000.0, 1000.0, -1000.0, 0.0], [np.nan, 1.0, 2.0, 3.0], [np.inf, 1.0, 0.0, -1.0]],
    [[-np.inf, 0.0, 1.0, 2.0], [-np.inf] * 4, [0.0, -0.0, 0.0, 0.0], [-3.0, 4.0, 4.0, 1e-8]],
])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("axis", [-1, 1, [1], [1, 2], 0])
def test_softmax_matches_keras_at_special_points(axis, dtype):
    value, grad, k_value, k_grad = _softmax_both(SOFTMAX_X, axis, dtype, seed=2)
    _assert_same(value, k_value, dtype, exact_sign=False)
    _assert_same(grad, k_grad, dtype, exact_sign=False)


# slices holding +inf without NaN: Keras' layer computes exp(x - logsumexp(x)) over several axes, which gives NaN
# at the +inf entries and 0 at the finite ones (activations.softmax over a tuple: NaN everywhere)
SOFTMAX_INF = np.array([
    [[np.inf, 1.0], [2.0, 3.0]], [[np.inf, np.inf], [1.0, 3.0]], [[np.inf, -np.inf], [0.0, -0.0]],
    [[-np.inf, 1.0], [2.0, 3.0]], [[-np.inf, -np.inf], [-np.inf, -np.inf]], [[0.5, -2.0], [1000.0, 1000.0]],
])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("axis", [[1, 2], [2, 1], [0, 2], [0, 1, 2]])
def test_softmax_over_several_axes_with_inf_matches_keras(axis, dtype):
    value, grad, k_value, k_grad = _softmax_both(SOFTMAX_INF, axis, dtype, seed=5)
    if axis == [1, 2]:   # the tester's case, by hand: NaN at the +inf entries, 0 at the finite ones
        np.testing.assert_array_equal(value[0].ravel(), [np.nan, 0.0, 0.0, 0.0])
        np.testing.assert_array_equal(value[1].ravel(), [np.nan, np.nan, 0.0, 0.0])
    _assert_same(value, k_value, dtype, exact_sign=False)
    _assert_same(grad, k_grad, dtype, exact_sign=False)


def test_softmax_with_no_axis_is_refused_naming_axis():
    keras, _ = _keras()
    with pytest.raises(IndexError):     # Keras accepts axis=[] and fails when called
        keras.layers.Softmax(axis=[])(np.zeros((1, 2), "float32"))
    for axis in ([], ()):
        with pytest.raises(ValueError, match=r"`axis`.*Received axis=(\[\]|\(\))"):
            layers.Softmax(axis=axis)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("mask", [
    np.array([[True, True, False, True]]),                   # broadcast over the batch and the rows
    np.array([[1.0, 0.0, 1.0, 0.2]] * 4),                    # numbers: > 0.5 keeps
    np.array([[[True, False, False, False]] * 4, [[False] * 4] * 4]),   # a whole slice masked: zeros
])
def test_softmax_mask_as_keras(mask, dtype):
    keras, torch = _keras()
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 4, 4)).astype(dtype)
    upstream = rng.uniform(0.5, 2.0, size=x.shape).astype(dtype)
    ours, theirs = layers.Softmax(dtype=dtype), keras.layers.Softmax(dtype=dtype)
    xt = tg.tensor(x, dtype=dtype, requires_grad=True)
    out = ours(xt, mask=mask)
    (out * tg.tensor(upstream, dtype=dtype)).sum().backward()
    xk = torch.tensor(x, requires_grad=True)
    ok = theirs(xk, mask=torch.tensor(mask))
    (ok * torch.tensor(upstream)).sum().backward()
    _assert_same(out.numpy(), ok.detach().numpy(), dtype, exact_sign=False)
    _assert_same(xt.grad.numpy(), xk.grad.numpy(), dtype, exact_sign=False)


@pytest.mark.parametrize("mask_shape", [(2, 3, 4, 4), (2, 3, 5), (2, 1, 3)])
def test_softmax_refuses_the_masks_keras_refuses(mask_shape):
    keras, torch = _keras()
    x = np.zeros((2, 3, 4), "float32")
    mask = np.ones(mask_shape, dtype=bool)
    with pytest.raises(ValueError) as keras_error:
        keras.layers.Softmax()(torch.tensor(x), mask=torch.tensor(mask))
    with pytest.raises(ValueError) as ours:
        layers.Softmax()(x, mask=mask)
    assert str(ours.value) in str(keras_error.value).replace("torch.Size([", "(").replace("])", ")")


def test_softmax_mask_in_a_functional_model_as_keras():
    """A mask from an ``Input`` is an input of the call, kept by the model (it was refused, the model having no way
    to keep it); a mask given as data to a symbolic call cannot go into the model's config: a TypeError."""
    keras, _ = _keras()
    x = np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]], "float32")
    mask = np.array([[True, True, False], [False, True, True]])
    results = []
    for lib in (keras, tg):
        logits, keep = lib.layers.Input((3,)), lib.layers.Input((3,), dtype="bool")
        model = lib.models.Model([logits, keep], lib.layers.Softmax()(logits, mask=keep))
        results.append(np.asarray(model.predict([x, mask], verbose=0)))
    np.testing.assert_allclose(results[1], results[0], rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(np.asarray(layers.Softmax()(x, mask)), results[0], rtol=1e-6, atol=1e-7)  # by position
    with pytest.raises(TypeError, match=r"data among its other arguments \(an array of shape \(1, 3\)\)"):
        layers.Softmax()(layers.Input((3,)), mask=np.ones((1, 3), dtype=bool))


# ------------------------------------------------------------------------------------------------ validation
BAD = [
    ("ReLU", {"max_value": -1.0}, ValueError),
    ("ReLU", {"negative_slope": -0.5}, ValueError),
    ("ReLU", {"negative_slope": None}, ValueError),
    ("ReLU", {"threshold": -2}, ValueError),
    ("ReLU", {"threshold": None}, ValueError),
    ("ReLU", {"max_value": "6"}, TypeError),
    ("LeakyReLU", {"negative_slope": -0.1}, ValueError),
    ("LeakyReLU", {"negative_slope": None}, ValueError),
    ("LeakyReLU", {"negative_slope": "0.1"}, TypeError),
]


@pytest.mark.parametrize(("name", "kwargs", "error"), BAD, ids=[f"{n}-{k}" for n, k, _ in BAD])
def test_arguments_keras_refuses_are_refused_alike(name, kwargs, error):
    keras, _ = _keras()
    with pytest.raises(error) as keras_error:
        getattr(keras.layers, name)(**kwargs)
    with pytest.raises(error) as ours:
        getattr(layers, name)(**kwargs)
    (key, value), = kwargs.items()
    assert f"{key}={value}" in str(ours.value) or f"{key}={value!r}" in str(ours.value)
    if error is ValueError:       # Keras 3's messages
        assert str(ours.value) == str(keras_error.value)


@pytest.mark.parametrize(("name", "kwargs", "error"), [
    ("ReLU", {"max_value": float("inf")}, ValueError), ("ReLU", {"threshold": float("nan")}, ValueError),
    ("LeakyReLU", {"negative_slope": float("nan")}, ValueError), ("ELU", {"alpha": "1"}, TypeError),
    ("ELU", {"alpha": float("inf")}, ValueError), ("Softmax", {"axis": 1.5}, TypeError),
    ("PReLU", {"shared_axes": [1.0]}, TypeError), ("PReLU", {"shared_axes": 0}, ValueError),
    ("PReLU", {"shared_axes": -1}, ValueError),
])
def test_arguments_keras_accepts_but_cannot_use_are_refused_at_construction(name, kwargs, error):
    """Keras accepts these and fails when called, or computes NaN (max_value=inf is refused by
    activations.relu here), or shares the wrong axis (PReLU(shared_axes=0) shares the last one)."""
    keras, _ = _keras()
    getattr(keras.layers, name)(**kwargs)    # accepted by Keras
    (key, _value), = kwargs.items()
    with pytest.raises(error, match=key):
        getattr(layers, name)(**kwargs)


def test_prelu_shared_axis_past_the_last_is_refused_when_built():
    keras, _ = _keras()
    with pytest.raises(IndexError):
        keras.layers.PReLU(shared_axes=3).build((None, 4, 2))
    with pytest.raises(ValueError, match="shared_axes"):
        layers.PReLU(shared_axes=3).build((None, 4, 2))


def test_leaky_relu_alpha_is_keras_2s_name_with_a_warning():
    keras, _ = _keras()
    with pytest.warns(UserWarning, match="alpha` is deprecated") as theirs:
        expected = keras.layers.LeakyReLU(alpha=0.1).get_config()["negative_slope"]
    with pytest.warns(UserWarning, match="alpha` is deprecated") as ours:
        layer = layers.LeakyReLU(alpha=0.1)
    assert layer.negative_slope == expected and str(ours[0].message) == str(theirs[0].message)


# ------------------------------------------------------------------------------------------------ configs and files
CONFIGS = [
    ("ReLU", {}), ("ReLU", {"max_value": 6.0, "negative_slope": 0.1, "threshold": 0.5}), ("LeakyReLU", {}),
    ("LeakyReLU", {"negative_slope": 0.05}), ("ELU", {}), ("ELU", {"alpha": 0.7}), ("Softmax", {}),
    ("Softmax", {"axis": [1, 2]}), ("PReLU", {}),
    ("PReLU", {"alpha_initializer": "ones", "alpha_regularizer": "l2", "alpha_constraint": "non_neg",
               "shared_axes": [1]}),
]


@pytest.mark.parametrize(("name", "kwargs"), CONFIGS, ids=[f"{n}-{k}" for n, k in CONFIGS])
def test_configs_have_keras_keys_and_values_and_load_both_ways(name, kwargs):
    keras, _ = _keras()
    theirs = getattr(keras.layers, name)(name="act", **kwargs)
    ours = getattr(layers, name)(name="act", **kwargs)
    k_config, config = theirs.get_config(), ours.get_config()
    assert sorted(config) == sorted(k_config)
    for key in config:
        if key not in ("dtype",) and not key.endswith(("initializer", "regularizer", "constraint")):
            assert config[key] == k_config[key], key
    # Keras' config loads here, ours in Keras (as a layer of a model JSON), and ours round-trips
    again = getattr(layers, name).from_config(k_config)
    assert again.get_config() == config
    assert getattr(layers, name).from_config(config).get_config() == config
    model = models.Sequential([layers.Input((3, 4)), ours])
    k_model = keras.models.model_from_json(model.to_json())
    k_again = k_model.layers[0].get_config()
    assert {k: v for k, v in k_again.items() if k != "dtype"} == {k: v for k, v in k_config.items() if k != "dtype"}
    json.dumps(config)


def _model(lib):
    L = lib.layers
    inputs = L.Input((6, 4))
    x = L.Dense(5)(inputs)
    x = L.PReLU(shared_axes=[1], alpha_initializer="ones")(x)
    a = L.ReLU(max_value=1.5, negative_slope=0.1, threshold=0.2)(x)
    b = L.LeakyReLU(negative_slope=0.2)(x)
    c = L.ELU(alpha=0.5)(x)
    x = L.Concatenate()([a, b, c])
    x = L.PReLU()(L.Dense(3)(x))
    return lib.Model(inputs, [L.Softmax(axis=1)(x), L.Softmax(axis=[1, 2])(x)])


def _randomize(model, seed):
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(size=w.shape).astype("float32") for w in model.get_weights()])


def _assert_predictions(model, reference, seed):
    x = np.random.default_rng(seed).normal(scale=2.0, size=(3, 6, 4)).astype("float32")
    for ours, theirs in zip(model.predict(x), reference.predict(x, verbose=0)):
        np.testing.assert_allclose(ours, np.asarray(theirs), rtol=1e-5, atol=1e-6)


def test_keras_file_with_the_activation_layers_loads_here(tmp_path):
    keras, _ = _keras()
    keras.utils.set_random_seed(0)
    reference = _model(keras)
    _randomize(reference, 1)
    reference.save(tmp_path / "acts.keras")
    model = models.load_model(tmp_path / "acts.keras")
    assert [type(la).__name__ for la in model.layers] == [type(la).__name__ for la in reference.layers]
    _assert_predictions(model, reference, 2)


def test_our_keras_file_and_json_with_the_activation_layers_load_in_keras(tmp_path):
    keras, _ = _keras()
    model = _model(types.SimpleNamespace(layers=layers, Model=models.Model, Sequential=models.Sequential))
    _randomize(model, 3)
    model.save(tmp_path / "acts.keras")
    reference = keras.saving.load_model(tmp_path / "acts.keras")
    assert [la.name for la in reference.layers] == [la.name for la in model.layers]
    _assert_predictions(model, reference, 4)
    model.save_weights(tmp_path / "acts.weights.h5")     # Keras' weights layout: p_re_lu/vars/0, ...
    twin = _model(keras)
    twin.load_weights(tmp_path / "acts.weights.h5")
    _assert_predictions(model, twin, 6)
    from_json = keras.models.model_from_json(model.to_json())
    from_json.set_weights(model.get_weights())
    _assert_predictions(model, from_json, 5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        back = models.model_from_json(reference.to_json())
    assert [la.get_config() for la in back.layers[1:]] == [la.get_config() for la in model.layers[1:]]



# ------------------------------------------------------------------------------------------------ a layer as activation
AS_ACTIVATION = [("ReLU", {"max_value": 1.0, "negative_slope": 0.1, "threshold": 0.2}),
                 ("LeakyReLU", {"negative_slope": 0.2}), ("ELU", {"alpha": 0.5}), ("Softmax", {"axis": [1, 2]}),
                 ("Softmax", {})]


def _conv_model(lib, name, kwargs):
    L = lib.layers
    dense_kwargs = {"axis": [1]} if kwargs.get("axis") == [1, 2] else kwargs    # the Dense output has rank 2
    return lib.Sequential([L.Input((5, 3)), L.Conv1D(2, 2, activation=getattr(L, name)(**kwargs)), L.Flatten(),
                           L.Dense(3, activation=getattr(L, name)(**dense_kwargs))])


def _same_predictions(model, reference, seed):
    x = np.random.default_rng(seed).normal(scale=2.0, size=(4, 5, 3)).astype("float32")
    np.testing.assert_allclose(model.predict(x), np.asarray(reference.predict(x, verbose=0)), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(("name", "kwargs"), AS_ACTIVATION, ids=[f"{n}-{k}" for n, k in AS_ACTIVATION])
def test_activation_layer_as_activation_is_written_as_keras_and_loads_both_ways(name, kwargs, tmp_path):
    """A layer used as an activation: Keras 3 writes it as {"module": "keras.layers", "class_name", "config",
    "registered_name": None}; ours wrote "module": None, and neither Keras nor tinygradconv could read the file back
    (found by a tester)."""
    keras, _ = _keras()
    ours = _conv_model(types.SimpleNamespace(layers=layers, Sequential=models.Sequential), name, kwargs)
    _randomize(ours, 7)
    ours.save(tmp_path / "ours.keras")
    theirs = keras.saving.load_model(tmp_path / "ours.keras")
    written, keras_wrote = json.loads(ours.to_json()), json.loads(theirs.to_json())
    acts = [la["config"]["activation"] for la in written["config"]["layers"] if "activation" in la["config"]]
    k_acts = [la["config"]["activation"] for la in keras_wrote["config"]["layers"] if "activation" in la["config"]]
    assert len(acts) == len(k_acts) == 2
    for act, k_act in zip(acts, k_acts):
        assert (act["module"], act["class_name"], act["registered_name"]) == ("keras.layers", name, None)
        assert {k: v for k, v in act["config"].items() if k != "dtype"} == \
            {k: v for k, v in k_act["config"].items() if k != "dtype"}
    _same_predictions(ours, theirs, 8)
    assert type(models.load_model(tmp_path / "ours.keras").layers[0].activation) is getattr(layers, name)
    _same_predictions(models.load_model(tmp_path / "ours.keras"), ours, 9)
    # Keras' file and JSON here
    reference = _conv_model(keras, name, kwargs)
    _randomize(reference, 10)
    reference.save(tmp_path / "theirs.keras")
    _same_predictions(models.load_model(tmp_path / "theirs.keras"), reference, 11)
    twin = models.model_from_json(reference.to_json())
    twin.set_weights(reference.get_weights())
    _same_predictions(twin, reference, 12)


@pytest.mark.parametrize(("name", "kwargs"), AS_ACTIVATION, ids=[f"{n}-{k}" for n, k in AS_ACTIVATION])
def test_activation_layer_as_activation_clones_and_round_trips_npz_and_json(name, kwargs, tmp_path):
    keras, _ = _keras()
    model = _conv_model(types.SimpleNamespace(layers=layers, Sequential=models.Sequential), name, kwargs)
    model.compile("adam", "mse")
    x = np.random.default_rng(0).normal(size=(8, 5, 3)).astype("float32")
    model.fit(x, np.random.default_rng(1).normal(size=(8, 3)), epochs=1, verbose=0)
    model.save(tmp_path / "m.tgc.npz")
    again = models.load_model(tmp_path / "m.tgc.npz")
    np.testing.assert_array_equal(again.predict(x), model.predict(x))
    clone = models.clone_model(model)
    clone.set_weights(model.get_weights())
    np.testing.assert_array_equal(clone.predict(x), model.predict(x))
    assert clone.layers[0].activation is not model.layers[0].activation
    assert clone.layers[0].activation.get_config() == model.layers[0].activation.get_config()
    twin = models.model_from_json(model.to_json())
    twin.set_weights(model.get_weights())
    np.testing.assert_array_equal(twin.predict(x), model.predict(x))
    theirs = keras.models.model_from_json(model.to_json())
    theirs.set_weights(model.get_weights())
    _same_predictions(model, theirs, 2)


def test_prelu_as_activation_is_refused_clearly(tmp_path):
    """Keras tracks a PReLU activation's alpha as a weight of the layer; here a layer's activation holds no
    weights, so it is refused at construction (and in a Keras file), naming the argument."""
    keras, _ = _keras()
    with pytest.raises(ValueError, match=r"PReLU layer cannot be used as the `activation`.*activation="):
        layers.Dense(4, activation=layers.PReLU())
    with pytest.raises(ValueError, match="PReLU layer cannot be used as the `activation`"):
        layers.Dense(4, activation={"class_name": "PReLU", "config": {}})
    reference = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation=keras.layers.PReLU())])
    reference.save(tmp_path / "prelu.keras")
    with pytest.raises(ValueError, match="PReLU.*alpha"):
        models.load_model(tmp_path / "prelu.keras")


def test_relu_threshold_at_nan_and_elu_zeros_by_hand():
    """Found by testers, the values Keras 3.15 on torch gives (written down): ``ReLU(threshold=t)`` turns NaN into 0
    with gradient 0 (``where(x > t, x, 0)``), a negative part adds the NaN back with gradient ``negative_slope``;
    ``ELU`` with a negative ``alpha`` keeps the input's zero, gradient ``alpha``."""
    for kwargs, value, gradient in (({"threshold": 1.0}, 0.0, 0.0), ({"threshold": 1.0, "max_value": 6.0}, 0.0, 0.0),
                                    ({"threshold": 1.0, "negative_slope": 0.5}, np.nan, 0.5),
                                    ({"threshold": 1.0, "negative_slope": 0.5, "max_value": 6.0}, np.nan, 0.5)):
        x = tg.tensor([np.nan, 3.0], dtype="float64", requires_grad=True)
        y = layers.ReLU(dtype="float64", **kwargs)(x)
        y.sum().backward()
        np.testing.assert_array_equal(y.numpy(), [value, 3.0])
        assert x.grad.numpy().tolist() == [gradient, 1.0]
    x = tg.tensor([0.0, -0.0, -1.0], dtype="float64", requires_grad=True)
    y = layers.ELU(alpha=-1.5, dtype="float64")(x)
    y.sum().backward()
    assert np.signbit(y.numpy()).tolist() == [False, True, False]
    np.testing.assert_allclose(y.numpy(), [0.0, 0.0, -1.5 * math.expm1(-1.0)])
    np.testing.assert_allclose(x.grad.numpy(), [-1.5, -1.5, -1.5 * math.exp(-1.0)])
    # alpha = -0.0 (a later tester: 0.0 gave -0.0 and -0.0 gave 0.0); the negative side is -0.0 * expm1(x) = +0.0
    x = np.array([0.0, -0.0, -1.0, 2.0])
    for y in (layers.ELU(alpha=-0.0, dtype="float64")(x), tg.activations.elu(tg.tensor(x), alpha=-0.0)):
        assert y.numpy().tolist() == [0.0, 0.0, 0.0, 2.0]
        assert np.signbit(y.numpy()).tolist() == [False, True, False, False]
