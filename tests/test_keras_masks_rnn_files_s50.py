"""Keras ``.keras`` files of masked stacked recurrent layers (session 50): Keras 3 records the mask that
``Embedding(mask_zero=True)`` or ``Masking`` makes as op nodes (``NotEqual``, ``Any``) passed as ``mask=`` to every
layer whose call takes a mask, also past a ``SimpleRNN``/``LSTM``/``GRU`` with ``return_sequences`` (which passes
its input's mask on) and the layers that pass masks (``Dropout``, ``Activation``, ``LayerNormalization``,
``Dense``, ``TimeDistributed``, ``Rescaling``). ``load_model``, ``model_from_json`` and ``Model.from_config``
refused those files ("which is not the mask tinygradconv's layers pass to it"); they load now, with Keras'
predictions and training, and a mask that the layers would not give is still refused. The reference is Keras 3.15
on torch: it writes the files, predicts and fits."""
import numpy as np
import pytest
from helpers import keras_on_torch

import tinygradconv as tg

REASON = "Keras 3.15 on torch writes the files and is the reference of their predictions"
BETWEEN = [None, "Dropout", "Activation", "LayerNormalization", "Dense"]


def _indices():
    """A batch of indices whose zeros (the masked steps) differ between the samples."""
    x = np.random.default_rng(50).integers(1, 30, (4, 10)).astype("int32")
    x[:, 7:] = 0
    x[1, 2] = 0
    x[2, 5:] = 0
    return x


def _values():
    """A batch of float sequences whose all-zero steps ``Masking`` masks."""
    x = np.random.default_rng(51).normal(size=(4, 10, 2)).astype("float32")
    x[:, 7:] = 0.0
    x[3, 1] = 0.0
    return x


def _between(keras, name, h):
    layers = keras.layers
    return {None: lambda: h, "Dropout": lambda: layers.Dropout(0.2)(h), "Activation": lambda: layers.Activation(
        "relu")(h), "LayerNormalization": lambda: layers.LayerNormalization()(h), "Dense": lambda: layers.Dense(6)(
        h)}[name]()


def _stacked(keras, between, last, mask_zero=True):
    layers = keras.layers
    keras.utils.set_random_seed(0)
    inp = layers.Input((10,), dtype="int32")
    h = layers.LSTM(6, return_sequences=True)(layers.Embedding(30, 5, mask_zero=mask_zero)(inp))
    h = _between(keras, between, h)
    h = {"GRU": lambda: layers.GRU(4), "LSTM": lambda: layers.LSTM(4),
         "GlobalAveragePooling1D": layers.GlobalAveragePooling1D}[last]()(h)
    return keras.Model(inp, layers.Dense(1)(h))


@pytest.mark.parametrize("last", ["GRU", "LSTM", "GlobalAveragePooling1D"])
@pytest.mark.parametrize("between", BETWEEN, ids=[str(b) for b in BETWEEN])
def test_keras_file_of_stacked_masked_rnns_predicts_as_keras(tmp_path, between, last):
    keras = keras_on_torch(REASON)
    theirs = _stacked(keras, between, last)
    theirs.save(tmp_path / "stacked.keras")
    x = _indices()
    expected = theirs.predict(x, verbose=0)
    ours = tg.models.load_model(tmp_path / "stacked.keras")
    np.testing.assert_allclose(ours.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)
    for rebuilt in (tg.models.model_from_json(theirs.to_json()), tg.models.Model.from_config(theirs.get_config())):
        rebuilt.set_weights(theirs.get_weights())
        np.testing.assert_allclose(rebuilt.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)
    # tinygradconv's file of it reads back in Keras with the same predictions
    ours.save(tmp_path / "ours.keras")
    again = keras.saving.load_model(tmp_path / "ours.keras")
    np.testing.assert_allclose(again.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)


def test_the_mask_matters_in_these_models():
    # without the masks, the same layers and weights predict otherwise in Keras: the tests above can fail
    keras = keras_on_torch(REASON)
    x = _indices()
    for last in ("GRU", "GlobalAveragePooling1D"):
        theirs, unmasked = _stacked(keras, "Dropout", last), _stacked(keras, "Dropout", last, mask_zero=False)
        unmasked.set_weights(theirs.get_weights())
        assert not np.allclose(unmasked.predict(x, verbose=0), theirs.predict(x, verbose=0), atol=1e-4)


@pytest.mark.parametrize("case", ["gru_gru", "simple_rnn_gap", "rescaling_lstm", "time_distributed_gru"])
def test_keras_file_of_masking_then_recurrent_layers_predicts_as_keras(tmp_path, case):
    keras = keras_on_torch(REASON)
    layers = keras.layers
    keras.utils.set_random_seed(0)
    inp = layers.Input((10, 2))
    h = layers.Masking()(inp)
    if case == "gru_gru":
        out = layers.GRU(2)(layers.GRU(3, return_sequences=True)(h))
    elif case == "simple_rnn_gap":
        out = layers.GlobalAveragePooling1D()(layers.SimpleRNN(3, return_sequences=True)(h))
    elif case == "rescaling_lstm":
        out = layers.LSTM(2)(layers.Rescaling(2.0, offset=0.5)(layers.LSTM(3, return_sequences=True)(h)))
    else:
        out = layers.GRU(2)(layers.TimeDistributed(layers.Dense(4))(layers.GRU(3, return_sequences=True)(h)))
    theirs = keras.Model(inp, out)
    theirs.save(tmp_path / "masking.keras")
    x = _values()
    np.testing.assert_allclose(tg.models.load_model(tmp_path / "masking.keras").predict(x, verbose=0),
                               theirs.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


def test_keras_file_with_the_output_and_states_of_a_masked_lstm(tmp_path):
    # return_state: the sequence output carries the mask on to the GRU, the states carry none to the Dense
    keras = keras_on_torch(REASON)
    layers = keras.layers
    keras.utils.set_random_seed(0)
    inp = layers.Input((10,), dtype="int32")
    seq, h, _ = layers.LSTM(3, return_sequences=True, return_state=True)(layers.Embedding(30, 5, mask_zero=True)(inp))
    out = layers.Concatenate()([layers.GRU(2)(seq), layers.Dense(2)(h)])
    theirs = keras.Model(inp, out)
    theirs.save(tmp_path / "states.keras")
    x = _indices()
    np.testing.assert_allclose(tg.models.load_model(tmp_path / "states.keras").predict(x, verbose=0),
                               theirs.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


def test_keras_file_of_stacked_masked_rnns_fits_as_keras(tmp_path):
    keras = keras_on_torch(REASON)
    theirs = _stacked(keras, "Dropout", "GRU")
    theirs.save(tmp_path / "fit.keras")
    ours = tg.models.load_model(tmp_path / "fit.keras")
    theirs = keras.saving.load_model(tmp_path / "fit.keras")
    x, y = _indices(), np.linspace(-1.0, 1.0, 4).reshape(4, 1).astype("float32")
    theirs.compile(keras.optimizers.SGD(0.1), loss="mse")
    ours.compile(tg.optimizers.SGD(0.1), loss="mse")
    kwargs = {"epochs": 1, "batch_size": 4, "shuffle": False, "verbose": 0}
    # Dropout(0.2) between the LSTMs draws other numbers in the two libraries: it is turned off for the fit
    theirs.get_layer(index=3).rate = 0.0
    ours.layers[3].rate = 0.0
    np.testing.assert_allclose(ours.fit(x, y, **kwargs).history["loss"], theirs.fit(x, y, **kwargs).history["loss"],
                               rtol=1e-5)
    for mine, keras_weight in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(mine, keras_weight, rtol=1e-5, atol=1e-6)


def test_a_hand_passed_mask_the_layers_give_a_gru_loads(tmp_path):
    keras = keras_on_torch(REASON)
    layers = keras.layers
    keras.utils.set_random_seed(0)
    inp = layers.Input((10,), dtype="int32")
    h = layers.LSTM(3, return_sequences=True)(layers.Embedding(30, 5, mask_zero=True)(inp))
    theirs = keras.Model(inp, layers.GRU(2)(h, mask=keras.ops.not_equal(inp, 0)))
    theirs.save(tmp_path / "same.keras")
    x = _indices()
    np.testing.assert_allclose(tg.models.load_model(tmp_path / "same.keras").predict(x, verbose=0),
                               theirs.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("case", ["other_value", "unmasked_branch", "after_last_step"])
def test_a_hand_passed_mask_the_layers_would_not_give_a_gru_is_refused(tmp_path, case):
    keras = keras_on_torch(REASON)
    layers, ops = keras.layers, keras.ops
    inp = layers.Input((10,), dtype="int32")
    masked = layers.Embedding(30, 5, mask_zero=True)(inp)
    if case == "other_value":           # a mask of the ones, where the layers pass that of the zeros
        h, mask = layers.LSTM(3, return_sequences=True)(masked), ops.not_equal(inp, 1)
    elif case == "unmasked_branch":     # the mask given to a sequence that the layers give none
        h, mask = layers.LSTM(3, return_sequences=True)(layers.Embedding(30, 5)(inp)), ops.not_equal(inp, 0)
    else:                               # an LSTM without return_sequences, repeated: its output has no mask
        h, mask = layers.RepeatVector(10)(layers.LSTM(3)(masked)), ops.not_equal(inp, 0)
    out = layers.Concatenate()([layers.GRU(2, name="gru")(h, mask=mask), layers.LSTM(2)(masked)])
    keras.Model(inp, out).save(tmp_path / "other.keras")
    with pytest.raises(tg.saving.SavedFileError, match=r"layer 'gru' \(GRU\) is given a mask computed in the file "
                                                       r"by the nodes 'not_equal\w*' \(NotEqual\), which is not the "
                                                       r"mask tinygradconv's layers pass to it"):
        tg.models.load_model(tmp_path / "other.keras")
