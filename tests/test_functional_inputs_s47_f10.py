"""A functional model built on a dict of one input, given a NumPy scalar, a list mixing a number and a string, or
a list holding a list of one array: each refused, as Keras 3.15.1 refuses it (run here as the reference), and
none of them taken as the input silently. The model's own input checks decide, as for any one-input model
(``layers.layer.is_array`` and ``is_structure``)."""
import warnings

import numpy as np
import pytest
from helpers import keras_on_torch

from tinygradconv import layers
from tinygradconv.models import Model


def _models():
    keras = keras_on_torch("Keras 3 is the reference for the data a dict-input model takes")
    ki = {"a": keras.Input((2,), name="a")}
    theirs = keras.Model(ki, keras.layers.Dense(1)(ki["a"]))
    oi = {"a": layers.Input((2,), name="a")}
    ours = Model(oi, layers.Dense(1)(oi["a"]))
    return theirs, ours


def _outcome(model, how, x):
    """The error (None if none) and the warnings of ``model(x)`` (``how="call"``) or ``model.predict(x)``."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            model(x) if how == "call" else model.predict(x, verbose=0)
        except (ValueError, TypeError, IndexError) as exc:     # (Keras' predict fails on a scalar: IndexError)
            return exc, [str(w.message) for w in caught]
    return None, [str(w.message) for w in caught]


@pytest.mark.parametrize("how", ["call", "predict"])
def test_a_numpy_scalar_is_refused_and_not_taken_as_the_input(how):
    theirs, ours = _models()
    for model, is_ours in ((theirs, False), (ours, True)):
        error, messages = _outcome(model, how, np.float32(1))
        assert error is not None and (not is_ours or isinstance(error, ValueError)), (is_ours, error)
        if is_ours:     # a scalar is not one array: no warning that it was taken as the input 'a'
            assert not any("taken as the input" in m for m in messages), messages
            assert "()" in str(error) or "scalar" in str(error)


def test_a_list_of_a_number_and_a_string_is_refused_as_data_that_is_not_numeric():
    theirs, ours = _models()
    error, _ = _outcome(theirs, "predict", [1, "a"])
    assert isinstance(error, ValueError) and "Unrecognized data type" in str(error)    # Keras: not data
    error, _ = _outcome(ours, "predict", [1, "a"])
    assert isinstance(error, TypeError) and "Invalid type for argument `x`" in str(error)
    assert "numeric" in str(error)


@pytest.mark.parametrize("how", ["call", "predict"])
def test_a_list_holding_a_list_of_one_array_gives_that_array_with_its_wrong_shape(how):
    """Keras flattens ``[[np.ones(2)]]`` to its one array, of shape (2,), and refuses that shape (it expects
    (None, 2)); so here, in a call and in ``predict`` alike (a list of samples would be one array of shape
    (1, 1, 2))."""
    theirs, ours = _models()
    for model, is_ours in ((theirs, False), (ours, True)):
        error, _ = _outcome(model, how, [[np.ones(2, np.float32)]])
        assert isinstance(error, ValueError), (is_ours, error)
        assert ("(2,)" if is_ours else "Expected shape (None, 2)") in str(error), str(error)


@pytest.mark.parametrize("how", ["call", "predict"])
def test_a_dict_of_one_input_holding_a_list_of_arrays(how):
    """``{"a": [array]}`` is that array and ``{"a": [array, array]}`` two input tensors for one input, refused
    (never stacked into one batch), as Keras 3.15.1 takes them."""
    theirs, ours = _models()
    for model in (theirs, ours):
        one = {"a": [np.ones((3, 2), np.float32)]}
        out = model(one) if how == "call" else model.predict(one, verbose=0)
        assert np.asarray(out.detach() if hasattr(out, "detach") else out).shape == (3, 1)
        two = {"a": [np.ones((3, 2), np.float32)] * 2}
        error, _ = _outcome(model, how, two)
        assert isinstance(error, ValueError) and "2 input tensors" in str(error), str(error)
