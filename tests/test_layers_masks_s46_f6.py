"""Masks through today's layers (UnitNormalization, GroupNormalization, GaussianNoise, GaussianDropout, Identity...)
and Masking's comparison dtype, checked against Keras 3.15 on torch (skipped, visibly, without it)."""
import inspect
import warnings

import numpy as np
import pytest
from helpers import keras_on_torch

from tinygradconv import layers, models
from tinygradconv.layers.layer import get_keras_mask

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")   # inside Keras

INDICES = np.array([[1, 2, 3, 0], [4, 5, 0, 0], [1, 0, 1, 0], [2, 2, 2, 2]])

# the fewest arguments each layer needs (the same for Keras' layer of that name)
ARGUMENTS = {"Dense": (2,), "Conv1D": (2, 2), "Convolution1D": (2, 2), "Conv1DTranspose": (2, 2),
             "Convolution1DTranspose": (2, 2), "SeparableConv1D": (2, 2), "SeparableConvolution1D": (2, 2),
             "DepthwiseConv1D": (2,), "Embedding": (10, 4), "GroupNormalization": (3,), "GaussianNoise": (0.1,),
             "GaussianDropout": (0.1,), "SpatialDropout1D": (0.1,), "Dropout": (0.1,), "RepeatVector": (2,),
             "Permute": ((2, 1),), "Reshape": ((-1,),), "Activation": ("relu",), "MaxPooling1D": (2,),
             "MaxPool1D": (2,), "AveragePooling1D": (2,), "AvgPool1D": (2,), "Masking": (0.0,),
             "AdaptiveAveragePooling1D": (2,), "AdaptiveMaxPooling1D": (2,), "Rescaling": (2.0,),
             "Lambda": (lambda t: t * 2.0,),
             "SimpleRNN": (2,), "LSTM": (2,), "GRU": (2,)}


def _layer_classes():
    names = []
    for name in sorted(dir(layers)):
        cls = getattr(layers, name)
        if inspect.isclass(cls) and issubclass(cls, layers.Layer) and name not in ("Layer", "InputLayer"):
            names.append(name)
    return names


def _keras_mask(tensor):
    mask = getattr(tensor, "_keras_mask", None)
    return None if mask is None else np.asarray(mask.detach().cpu().numpy())


def _our_mask(tensor):
    mask = get_keras_mask(tensor)
    return None if mask is None else mask.numpy()


def _call(layer, x, training):
    accepts = "training" in inspect.signature(layer.call).parameters
    return layer(x, training=training) if accepts else layer(x)


def _call_or_none(layer, x, training):
    try:
        return _call(layer, x, training)
    except (ValueError, TypeError, RuntimeError, IndexError):
        return None


def _destroyed(caught):
    return [str(w.message) for w in caught if "destroy the mask" in str(w.message)]


@pytest.mark.parametrize("name", _layer_classes())
def test_every_layer_supports_masking_and_passes_the_mask_as_keras(name):
    keras = keras_on_torch("Keras 3.15's supports_masking of each layer")
    theirs_cls = getattr(keras.layers, name, None)
    assert theirs_cls is not None, f"Keras 3.15 has no layer {name}"
    arguments = ARGUMENTS.get(name, ())

    def inner(library):     # the layer TimeDistributed wraps, of each library
        return (library.Dense(2),) if name == "TimeDistributed" else arguments

    assert getattr(layers, name)(*inner(layers)).supports_masking == theirs_cls(*inner(keras.layers)).supports_masking
    # called on a masked (4, 4, 4) input, in training and at inference: the same output mask, the same warning
    for training in (True, False):
        theirs_in = keras.layers.Embedding(10, 4, mask_zero=True)(INDICES)
        ours_in = layers.Embedding(10, 4, mask_zero=True)(INDICES)
        with warnings.catch_warnings(record=True) as theirs_warned:
            warnings.simplefilter("always")
            theirs = _call_or_none(theirs_cls(*inner(keras.layers)), theirs_in, training)
        if theirs is None:      # a layer that takes no such input (Embedding, RepeatVector, the merge layers)
            continue
        with warnings.catch_warnings(record=True) as ours_warned:
            warnings.simplefilter("always")
            ours = _call(getattr(layers, name)(*inner(layers)), ours_in, training)
        theirs_mask, ours_mask = _keras_mask(theirs), _our_mask(ours)
        assert (ours_mask is None) == (theirs_mask is None), (name, training)
        if theirs_mask is not None:
            np.testing.assert_array_equal(ours_mask, theirs_mask)
        assert bool(_destroyed(ours_warned)) == bool(_destroyed(theirs_warned)), (name, training)


@pytest.mark.parametrize("name, arguments", [("UnitNormalization", ()), ("GroupNormalization", (2,))])
def test_normalizations_pass_the_mask_to_the_pooling_as_keras(name, arguments):
    keras = keras_on_torch("Keras 3.15's masked model through UnitNormalization and GroupNormalization")
    x = np.array([[1, 2, 3, 0, 0, 0], [4, 5, 0, 0, 0, 0]])
    theirs = keras.Sequential([keras.Input((6,), dtype="int32"), keras.layers.Embedding(10, 4, mask_zero=True),
                               getattr(keras.layers, name)(*arguments), keras.layers.GlobalAveragePooling1D(),
                               keras.layers.Dense(1, activation="sigmoid")])
    ours = models.Sequential([layers.Input((6,), dtype="int32"), layers.Embedding(10, 4, mask_zero=True),
                              getattr(layers, name)(*arguments), layers.GlobalAveragePooling1D(),
                              layers.Dense(1, activation="sigmoid")])
    rng = np.random.default_rng(0)
    weights = [rng.normal(size=w.shape).astype("float32") for w in theirs.get_weights()]
    theirs.set_weights(weights)
    ours.set_weights(weights)
    expected = theirs.predict(x, verbose=0)
    np.testing.assert_allclose(ours.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)
    # without the mask (every step averaged) the numbers differ: the test sees the mask
    plain = models.Sequential([layers.Input((6,), dtype="int32"), layers.Embedding(10, 4),
                               getattr(layers, name)(*arguments), layers.GlobalAveragePooling1D(),
                               layers.Dense(1, activation="sigmoid")])
    plain.set_weights(weights)
    assert not np.allclose(plain.predict(x, verbose=0), expected, atol=1e-3)


@pytest.mark.parametrize("name", ["GaussianNoise", "GaussianDropout", "SpatialDropout1D"])
def test_noise_layers_keep_the_mask_in_training_and_do_not_warn_as_keras(name):
    keras = keras_on_torch("Keras 3.15's noise layers and masks")
    x = np.array([[1, 2, 3, 0, 0, 0], [4, 5, 0, 0, 0, 0]])
    theirs = getattr(keras.layers, name)(0.1)(keras.layers.Embedding(10, 4, mask_zero=True)(x), training=True)
    for training in (True, False):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            ours = getattr(layers, name)(0.1)(layers.Embedding(10, 4, mask_zero=True)(x), training=training)
        np.testing.assert_array_equal(_our_mask(ours), _keras_mask(theirs))


# ------------------------------------------------------------------------------------------- Masking's dtype
def test_masking_float64_layer_masks_float32_data_as_keras():
    keras = keras_on_torch("Keras 3.15's Masking(0.1, dtype='float64') behind a float32 Input")
    xx = np.array([[[0.1, 0.1], [1, 2]]], "float32")
    k_in = keras.Input((2, 2))
    theirs = keras.Model(k_in, keras.layers.GlobalAveragePooling1D(dtype="float64")(
        keras.layers.Masking(0.1, dtype="float64")(k_in)))
    o_in = layers.Input((2, 2))
    ours = models.Model(o_in, layers.GlobalAveragePooling1D(dtype="float64")(
        layers.Masking(0.1, dtype="float64")(o_in)))
    expected = theirs.predict(xx, verbose=0)
    np.testing.assert_allclose(expected, [[1.0, 2.0]])          # the step of 0.1s is masked
    np.testing.assert_allclose(ours.predict(xx, verbose=0), expected)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("mask_value", [0.1, [0.1, 0.1], 0, 1, [1, 2], True])
def test_masking_compares_a_float32_mask_value_in_the_inputs_dtype_as_keras(dtype, mask_value):
    keras = keras_on_torch("Keras 3.15's Masking: mask_value a float32 tensor, compared as torch promotes")
    x = np.array([[[0.1, 0.1], [1, 2]]]).astype(dtype)
    theirs = keras.layers.Masking(mask_value, dtype=dtype)(x)
    ours = layers.Masking(mask_value, dtype=dtype)(x)
    np.testing.assert_array_equal(_our_mask(ours), _keras_mask(theirs))
    np.testing.assert_array_equal(ours.numpy(), theirs.detach().cpu().numpy())


# ------------------------------------------------------------------------------------------- errors and epsilon
@pytest.mark.parametrize("name, arguments", [("GroupNormalization", (2,)), ("LayerNormalization", ()),
                                             ("BatchNormalization", ())])
def test_epsilon_zero_is_accepted_and_gives_nan_on_a_zero_variance_as_keras(name, arguments):
    keras = keras_on_torch("Keras 3.15 takes epsilon=0")
    x = np.array([[1.0, 1.0, 1.0, 1.0], [1.0, 2.0, 3.0, 4.0]], "float32")
    theirs = getattr(keras.layers, name)(*arguments, epsilon=0)(x, training=True).detach().cpu().numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)     # NumPy's 0 / 0
        ours = getattr(layers, name)(*arguments, epsilon=0)(x, training=True).numpy()
    assert np.isnan(theirs).any()
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-6)       # NaN where Keras has NaN
    with pytest.raises(ValueError, match=r"Invalid value for argument `epsilon`.*Received epsilon=-1"):
        getattr(layers, name)(*arguments, epsilon=-1)


def test_bad_inputs_and_arguments_name_what_was_wrong():
    with pytest.raises(ValueError, match=r"DepthwiseConv1D\)\. Expected inputs with at least 1 channel\. Received "
                                         r"inputs of shape \(2, 5, 0\), with 0 channels"):
        layers.DepthwiseConv1D(3)(np.zeros((2, 5, 0)))
    with pytest.raises(ValueError, match=r"SeparableConv1D\)\. Expected inputs with at least 1 channel"):
        layers.SeparableConv1D(2, 3)(np.zeros((2, 5, 0)))
    with pytest.raises(ValueError, match=r"Expected inputs with a batch axis and a channel axis.*Received inputs "
                                         r"of shape \(4,\)"):
        layers.GroupNormalization(2)(np.zeros(4))
    with pytest.raises(ValueError, match=r"axis=0 is the batch axis.*e\.g\. axis=-1"):
        layers.GroupNormalization(2, axis=0)(np.zeros((2, 4)))
    with pytest.raises(TypeError, match=r"takes 1 positional argument"):       # Keras' Identity(**kwargs) too
        layers.Identity(5)
    with pytest.raises(TypeError, match=r"Invalid type for argument `groups`.*not a bool. Received groups=True"):
        layers.GroupNormalization(groups=True)


def test_masking_bool_data_gives_int32_as_keras():
    keras = keras_on_torch("Keras 3.15's Masking on bool data: where(mask, x, 0) is int32")
    xb = np.array([[[True, False], [False, False]], [[True, True], [False, True]]])
    k_in = keras.Input((2, 2), dtype="bool")
    expected = keras.Model(k_in, keras.layers.Masking()(k_in)).predict(xb, verbose=0)
    o_in = layers.Input((2, 2), dtype="bool")
    got = models.Model(o_in, layers.Masking()(o_in)).predict(xb, verbose=0)
    assert got.dtype == expected.dtype == np.int32
    np.testing.assert_array_equal(got, expected)
    eager = layers.Masking()(xb)
    assert str(keras.layers.Masking()(xb).dtype) == "torch.int32" and eager.numpy().dtype == np.int32
    np.testing.assert_array_equal(_our_mask(eager), [[True, False], [True, True]])
