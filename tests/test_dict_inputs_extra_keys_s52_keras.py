"""Keys of a dict of inputs that name no input of the model: their data is not used, and a ``UserWarning`` names
them and the expected keys, once per ``predict``/``fit``/``evaluate``/``model(dict)`` call, as Keras 3.15 warns
("The structure of `inputs` doesn't match the expected structure"); they were dropped silently before. Checked
against Keras itself, and against the outputs of the same data without the extra key on every backend."""
import warnings

import numpy as np
import pytest
from helpers import keras_on_torch

from tinygradconv import layers, models

REASON = "Keras 3 is the reference of the warning for keys of a dict of inputs that name no input"
START = "The structure of `inputs` doesn't match the expected structure"


def _model(keyed=True):
    a, b = layers.Input((3,), name="a"), layers.Input((2,), name="b")
    model = models.Model({"a": a, "b": b} if keyed else [a, b],
                         layers.Dense(1, kernel_initializer="ones")(layers.Concatenate()([a, b])))
    model.compile("sgd", "mse")
    return model


def _recorded(function):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = function()
    return result, [w for w in caught if START in str(w.message)]


@pytest.mark.parametrize("keyed", [True, False], ids=["dict_of_inputs", "list_of_inputs"])
def test_extra_keys_warn_once_per_call_and_are_not_used(keyed, on_backend):
    model = _model(keyed)
    rng = np.random.default_rng(0)
    clean = {"a": rng.normal(size=(6, 3)).astype("float32"), "b": rng.normal(size=(6, 2)).astype("float32")}
    extra = {**clean, "c": np.ones((6, 5), "float32"), "a_typo": np.ones((6, 3), "float32")}
    y = np.ones((6, 1), "float32")
    expected = clean["a"].sum(1, keepdims=True) + clean["b"].sum(1, keepdims=True)      # kernel of ones, bias 0
    calls = {
        "predict": lambda data: model.predict(data, batch_size=2, verbose=0),
        "evaluate": lambda data: model.evaluate(data, y, batch_size=2, verbose=0),
        "call": lambda data: model(data).numpy(),
        "predict_on_batch": lambda data: model.predict_on_batch(data),
    }
    for name, call in calls.items():
        got, caught = _recorded(lambda call=call: call(extra))
        assert len(caught) == 1, name
        warning = caught[0]
        assert warning.category is UserWarning
        assert warning.filename == __file__, name          # points at the user's line
        message = str(warning.message)
        assert "['c', 'a_typo']" in message and "['a', 'b']" in message, message
        if name != "evaluate":
            np.testing.assert_allclose(np.asarray(got), expected, rtol=1e-5)
        without, none = _recorded(lambda call=call: call(clean))
        assert none == []
        np.testing.assert_allclose(np.asarray(got), np.asarray(without), rtol=1e-6)
    _, caught = _recorded(lambda: model.fit(extra, y, batch_size=2, epochs=2, verbose=0))
    assert len(caught) == 1
    _, caught = _recorded(lambda: model.fit(clean, y, batch_size=2, verbose=0, validation_data=(extra, y)))
    assert len(caught) == 1 and "`validation_data[0]`" in str(caught[0].message)


def test_one_input_model_given_a_dict_with_an_extra_key():
    a = layers.Input((3,), name="a")
    model = models.Model(a, layers.Dense(1)(a))
    _, caught = _recorded(lambda: model.predict({"a": np.ones((2, 3)), "c": np.ones((2, 5))}, verbose=0))
    assert len(caught) == 1 and "['c']" in str(caught[0].message) and "['a']" in str(caught[0].message)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_keras_warns_for_a_dict_of_inputs_too():
    """Keras 3.15 warns a ``UserWarning`` beginning so; ours begins the same way (a filter by message catches both)
    and names the keys."""
    keras = keras_on_torch(REASON)
    a, b = keras.layers.Input((3,), name="a"), keras.layers.Input((2,), name="b")
    theirs = keras.Model({"a": a, "b": b}, keras.layers.Dense(1)(keras.layers.Concatenate()([a, b])))
    data = {"a": np.ones((2, 3), "float32"), "b": np.ones((2, 2), "float32"), "c": np.ones((2, 5), "float32")}
    _, keras_caught = _recorded(lambda: theirs.predict(data, verbose=0))
    _, caught = _recorded(lambda: _model().predict(data, verbose=0))
    assert [w.category for w in keras_caught] == [w.category for w in caught] == [UserWarning]
    assert str(keras_caught[0].message).startswith(START) and str(caught[0].message).startswith(START)
