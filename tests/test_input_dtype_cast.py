"""A model casts its data to each ``Input``'s dtype, float dtypes too, as Keras 3's ``Functional`` does
(``convert_to_tensor(x, dtype=input.dtype)``). Found by a tester: a ``float16`` ``Input`` before a ``float32``
``Dense`` let float32 data through unrounded (0.0037 off Keras' prediction), and a ``float32`` ``Input`` before a
``float64`` layer let float64 data through. References: the same computation written in NumPy with the cast where
Keras puts it, and Keras itself (optional)."""
import numpy as np
import pytest
from helpers import keras_on_torch

import tinygradconv as tg
from tinygradconv import layers as L
from tinygradconv import models

RNG = np.random.default_rng(7)
X = (RNG.random((3, 4)) * 10).astype(np.float32)
KERNEL = RNG.standard_normal((4, 2)).astype(np.float32)
BIAS = RNG.standard_normal(2).astype(np.float32)


def _dense_by_hand(x, input_dtype, layer_dtype):
    """The Input's cast, then the layer's cast and its product, in NumPy."""
    x = np.asarray(x).astype(input_dtype).astype(layer_dtype)
    return x @ KERNEL.astype(layer_dtype) + BIAS.astype(layer_dtype)


def _functional(input_dtype, layer_dtype):
    inputs = L.Input((4,), dtype=input_dtype)
    dense = L.Dense(2, dtype=layer_dtype)
    model = models.Model(inputs, dense(inputs))
    dense.set_weights([KERNEL, BIAS])
    return model


def _sequential(input_dtype, layer_dtype):
    layers = [L.Dense(2, dtype=layer_dtype)]
    model = models.Sequential(([L.Input((4,), dtype=input_dtype)] if input_dtype else []) + layers)
    model.build((None, 4))
    layers[0].set_weights([KERNEL, BIAS])
    return model


CASES = [("float16", "float32", X), ("float32", "float64", X.astype(np.float64) / 3)]


@pytest.mark.parametrize("make", [_functional, _sequential], ids=["functional", "sequential"])
@pytest.mark.parametrize("input_dtype, layer_dtype, x", CASES, ids=["float16_input", "float32_input"])
def test_float_data_is_cast_to_the_inputs_dtype(make, input_dtype, layer_dtype, x):
    model = make(input_dtype, layer_dtype)
    expected = _dense_by_hand(x, input_dtype, layer_dtype)
    assert not np.array_equal(expected, _dense_by_hand(x, layer_dtype, layer_dtype))   # the cast shows
    for got in (model.predict(x, verbose=0), model(x).numpy(), model(tg.tensor(x, dtype=str(x.dtype))).numpy()):
        assert got.dtype == np.dtype(layer_dtype)
        np.testing.assert_array_equal(got, expected)


def test_a_sequential_without_input_casts_to_its_first_layers_dtype():
    """Keras builds the ``Input`` of such a model of its first layer's dtype: float64 data before a float64 layer
    keeps its precision (the model's own dtype is float32)."""
    model = _sequential(None, "float64")
    x = X.astype(np.float64) / 3
    np.testing.assert_array_equal(model.predict(x, verbose=0), _dense_by_hand(x, "float64", "float64"))
    assert model.inputs[0].dtype == "float64"


@pytest.mark.parametrize("input_dtype, layer_dtype, x", CASES, ids=["float16_input", "float32_input"])
def test_keras_casts_the_same(input_dtype, layer_dtype, x):
    """The cast alone, through a linear ``Activation`` of the layer's dtype (Keras' float64 ``Dense`` on torch
    differs from NumPy's float64 product by 2e-7 by itself, so it cannot serve as the reference here)."""
    keras = keras_on_torch("Keras 3's Functional is the reference for the Input's cast")
    inputs = keras.Input((4,), dtype=input_dtype)
    reference = keras.Model(inputs, keras.layers.Activation("linear", dtype=layer_dtype)(inputs))
    expected = np.asarray(keras.ops.convert_to_numpy(reference(x)))  # called directly: predict rounds float64 first
    ours = L.Input((4,), dtype=input_dtype)
    got = models.Model(ours, L.Activation("linear", dtype=layer_dtype)(ours))(x).numpy()
    assert got.dtype == expected.dtype == np.dtype(layer_dtype)
    np.testing.assert_array_equal(got, expected)
    assert not np.array_equal(got, x.astype(layer_dtype))           # the data was rounded on its way in


def test_the_symbolic_output_dtype_follows_the_cast():
    inputs = L.Input((4,), dtype="float16")
    model = models.Model(inputs, L.Activation("linear", dtype="float16")(inputs))
    outer = L.Input((4,), dtype="float64")
    assert model(outer).dtype == "float16"            # the inner Input casts the float64 tensor to float16


def test_a_first_layers_input_shape_makes_an_input_of_the_default_dtype():
    """Keras' ``Sequential.add`` turns ``input_shape=`` into ``InputLayer(shape=...)`` of the default dtype, not of
    the layer's (a reviewer found float64 in the config where Keras writes float32)."""
    model = models.Sequential([L.Activation("linear", dtype="float64", input_shape=(2,))])
    x = np.array([[1 / 3, 2.5]])
    assert model.inputs[0].dtype == "float32"
    assert model.get_config()["layers"][0]["config"]["dtype"] == "float32"
    np.testing.assert_array_equal(model(x).numpy(), x.astype(np.float32).astype(np.float64))


def test_keras_gives_a_first_layers_input_shape_the_default_dtype():
    keras = keras_on_torch("Keras 3's Sequential is the reference for the Input made of input_shape=")
    reference = keras.Sequential([keras.layers.Activation("linear", dtype="float64", input_shape=(2,))])
    x = np.array([[1 / 3, 2.5]])
    assert reference.inputs[0].dtype == "float32"
    ours = models.Sequential([L.Activation("linear", dtype="float64", input_shape=(2,))])
    np.testing.assert_array_equal(ours(x).numpy(), keras.ops.convert_to_numpy(reference(x)))


def test_a_backend_without_the_inputs_dtype_keeps_the_datas():
    """array-api-strict has no float16: a float16 Input there lets float32 data through, as before the cast."""
    inputs = L.Input((2,), dtype="float16")
    model = models.Model(inputs, L.Dense(1, kernel_initializer="ones")(inputs))
    model.to("array_api_strict")
    np.testing.assert_array_equal(model.predict(np.array([[0.1, 0.2]], np.float32), verbose=0),
                                  np.array([[np.float32(0.1) + np.float32(0.2)]], np.float32))
