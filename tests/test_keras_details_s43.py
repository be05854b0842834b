"""Keras 3.15 parity details found by users (session 43): layer configs (dtype policy, key order, tuples),
initializer configs in ``.keras`` files, ``summary(positions=...)``, BatchNormalization's renormalization
arguments, ``Maximum``/``Minimum`` of integer inputs, ``CSVLogger``'s file, and per-output loss trackers.

Every expectation is read from Keras 3.15 itself (``KERAS_BACKEND=torch``), run on the same input."""
import os

import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")

from tinygradconv import layers as L
from tinygradconv import models as M


def _keras():
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "torch":
        pytest.skip("these comparisons run Keras on its torch backend (KERAS_BACKEND=torch)")
    return keras


# ------------------------------------------------------------------------------------------------ 1. layer configs
_LAYERS = [
    ("Activation", ("relu",), {}), ("Add", (), {}), ("Average", (), {}), ("Concatenate", (), {"axis": 1}),
    ("Maximum", (), {}), ("Minimum", (), {}), ("Multiply", (), {}), ("Subtract", (), {}),
    ("BatchNormalization", (), {}), ("BatchNormalization", (), {"axis": 1, "momentum": 0.9, "center": False}),
    ("LayerNormalization", (), {}), ("LayerNormalization", (), {"axis": (1, 2), "scale": False}),
    ("Conv1D", (3, 2), {"padding": "same", "kernel_regularizer": "l2"}), ("Conv1DTranspose", (3, 2), {}),
    ("Dense", (2,), {"activation": "relu"}), ("Dropout", (0.5,), {}), ("Dropout", (0.5,), {"noise_shape": (None, 1),
                                                                                           "seed": 3}),
    ("Flatten", (), {}), ("Reshape", ((3, 4),), {}), ("Cropping1D", ((1, 2),), {}), ("ZeroPadding1D", (2,), {}),
    ("UpSampling1D", (3,), {}), ("ELU", (), {}), ("ELU", (), {"alpha": 0.5}), ("LeakyReLU", (), {}),
    ("PReLU", (), {"shared_axes": [1]}), ("ReLU", (), {"max_value": 6.0}), ("Softmax", (), {}),
    ("Dense", (2,), {"dtype": "float64"}), ("InputLayer", (), {"shape": (3,)}),
    ("InputLayer", (), {"batch_shape": (2, 3), "dtype": "int32"}),
]
_MERGING = ("Add", "Average", "Concatenate", "Maximum", "Minimum", "Multiply", "Subtract")


def _build(layer, name):
    shape = (2, 3, 4)
    layer.build([shape, shape] if name in _MERGING else shape)


@pytest.mark.parametrize("built", [False, True])
@pytest.mark.parametrize("name, args, kwargs", _LAYERS, ids=[f"{n}{a}{k}" for n, a, k in _LAYERS])
def test_layer_config_equals_keras_including_dtype_policy_and_key_order(name, args, kwargs, built):
    """``get_config()`` equals Keras 3.15's dict for dict: its ``dtype`` is the serialized ``DTypePolicy``, its keys
    come in the same order, shapes are tuples (a user compared the two configs with ``==``)."""
    keras = _keras()
    ours = getattr(L, name)(*args, name="layer", **kwargs)
    theirs = getattr(keras.layers, name)(*args, name="layer", **kwargs)
    if built and name != "InputLayer":
        _build(ours, name)
        _build(theirs, name)
    expected, got = theirs.get_config(), ours.get_config()
    assert list(got) == list(expected)
    assert got == expected
    if name != "InputLayer":        # (InputLayer's dtype is a name in Keras too)
        assert got["dtype"]["class_name"] == "DTypePolicy"
        assert got["dtype"]["config"]["name"] == kwargs.get("dtype", "float32")


@pytest.mark.parametrize("name, args, kwargs", _LAYERS, ids=[f"{n}{a}{k}" for n, a, k in _LAYERS])
def test_from_config_takes_either_dtype_form_both_ways(name, args, kwargs):
    """Our ``from_config`` reads our config, Keras' config, and either with a plain dtype name; Keras'
    ``from_config`` reads ours (both forms too), giving the same config back."""
    keras = _keras()
    ours = getattr(L, name)(*args, name="layer", **kwargs)
    theirs = getattr(keras.layers, name)(*args, name="layer", **kwargs)
    config = ours.get_config()
    plain = {**config, "dtype": kwargs.get("dtype", "float32")}
    for given in (config, plain, theirs.get_config()):
        assert getattr(L, name).from_config(given).get_config() == config
        assert getattr(keras.layers, name).from_config(given).get_config() == theirs.get_config()


def test_a_layer_takes_keras_serialized_policy_as_its_dtype_and_refuses_what_is_not_one():
    keras = _keras()
    policy = keras.layers.Dense(2, dtype="float64").get_config()["dtype"]
    assert L.Dense(2, dtype=policy).dtype == keras.layers.Dense(2, dtype=policy).dtype == "float64"
    with pytest.raises(ValueError, match="Invalid value for argument `dtype`.*mixed_float16"):
        L.Dense(2, dtype=keras.layers.Dense(2, dtype="mixed_float16").get_config()["dtype"])
    with pytest.raises(ValueError, match="Invalid value for argument `dtype`.*DTypePolicy.*Received dtype="):
        L.Dense(2, dtype={"name": "float64"})


def test_sequential_config_as_keras():
    keras = _keras()
    ours = M.Sequential([L.Input((3,), name="inp"), L.Dense(2, name="d")], name="seq")
    theirs = keras.Sequential([keras.Input((3,), name="inp"), keras.layers.Dense(2, name="d")], name="seq")
    got, expected = ours.get_config(), theirs.get_config()
    assert list(got) == list(expected)
    assert got["dtype"] == expected["dtype"] and got["build_input_shape"] == expected["build_input_shape"]
    assert [item["config"] for item in got["layers"]] == [item["config"] for item in expected["layers"]]
    assert keras.Sequential.from_config(got).get_config()["layers"][1]["config"] == expected["layers"][1]["config"]
    assert M.Sequential.from_config(expected).get_config() == got
