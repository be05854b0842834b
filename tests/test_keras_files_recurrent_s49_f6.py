""".keras and .weights.h5 files of models with SimpleRNN, LSTM, GRU and TimeDistributed, both ways, against Keras
3.15 on torch: Keras keeps these layers' weights in a sub-layer (``layers/lstm/cell/vars``,
``layers/time_distributed/layer/vars``). The reference is Keras itself: its predictions and weights for the file it
wrote, its reading of ours, and the config.json it writes for the same architecture."""
import json
import zipfile

import numpy as np
import pytest
from helpers import keras_on_torch

from tinygradconv import layers, models
from tinygradconv.saving import SavedFileError

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")   # inside Keras

REASON = "Keras 3.15 reads and writes the reference .keras and .weights.h5 files"


def _lstm_gru_dense(lib):
    i = lib.Input((5, 2))
    x = lib.layers.GRU(2)(lib.layers.LSTM(3, return_sequences=True)(i))
    return lib.Model(i, lib.layers.Dense(1)(x))


# each: (builder given a library with .Input, .Model, .Sequential and .layers, shape of one input batch)
ARCHITECTURES = {
    "lstm_gru_dense": (_lstm_gru_dense, (4, 5, 2)),
    "simple_rnn": (lambda lib: lib.Sequential([lib.Input((4, 3)), lib.layers.SimpleRNN(2),
                                               lib.layers.Dense(1)]), (4, 4, 3)),
    "gru_reset_before": (lambda lib: lib.Sequential([lib.Input((4, 3)), lib.layers.GRU(2, reset_after=False)]),
                         (4, 4, 3)),
    "time_distributed_dense": (lambda lib: lib.Sequential([lib.Input((4, 3)),
                                                           lib.layers.TimeDistributed(lib.layers.Dense(4))]),
                               (4, 4, 3)),
    "time_distributed_conv1d": (lambda lib: lib.Sequential([lib.Input((3, 6, 2)), lib.layers.TimeDistributed(
        lib.layers.Conv1D(4, 3, activation="relu"))]), (4, 3, 6, 2)),
    "time_distributed_lstm": (lambda lib: lib.Sequential([lib.Input((3, 6, 2)),
                                                          lib.layers.TimeDistributed(lib.layers.LSTM(2))]),
                              (4, 3, 6, 2)),
}


class _Ours:
    """tinygradconv under the names the builders use (Keras' own module has them too)."""
    Input = staticmethod(layers.Input)
    Model = models.Model
    Sequential = models.Sequential
    layers = layers


def _random_weights(model, seed):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=w.shape).astype("float32") for w in model.get_weights()]


def _keras_layers_config(path):
    """The layers of a .keras file's config.json without what differs between two saves (names, Keras' object
    ids, the nodes that name layers)."""
    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in ("name", "shared_object_id", "inbound_nodes")}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    with zipfile.ZipFile(path) as archive:
        return strip(json.loads(archive.read("config.json"))["config"]["layers"])


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_keras_files_load_with_keras_weights_and_predictions(name, tmp_path):
    keras = keras_on_torch(REASON)
    build, shape = ARCHITECTURES[name]
    theirs = build(keras)
    theirs.set_weights(_random_weights(theirs, 0))
    x = np.random.default_rng(1).normal(size=shape).astype("float32")
    expected = theirs.predict(x, verbose=0)
    theirs.save(tmp_path / "k.keras")
    theirs.save_weights(tmp_path / "k.weights.h5")
    ours = models.load_model(tmp_path / "k.keras")
    assert [type(layer).__name__ for layer in ours.layers] == [type(layer).__name__ for layer in theirs.layers]
    for mine, reference in zip(ours.get_weights(), theirs.get_weights(), strict=True):
        np.testing.assert_array_equal(mine, reference)
    np.testing.assert_allclose(ours.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)
    ours.set_weights([np.zeros_like(w) for w in ours.get_weights()])
    ours.load_weights(tmp_path / "k.weights.h5")
    np.testing.assert_allclose(ours.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_our_files_load_in_keras_with_the_same_predictions_and_config(name, tmp_path):
    keras = keras_on_torch(REASON)
    build, shape = ARCHITECTURES[name]
    ours = build(_Ours)
    ours.set_weights(_random_weights(ours, 2))
    x = np.random.default_rng(3).normal(size=shape).astype("float32")
    expected = ours.predict(x, verbose=0)
    ours.save(tmp_path / "ours.keras")
    ours.save_weights(tmp_path / "ours.weights.h5")
    theirs = keras.models.load_model(tmp_path / "ours.keras")
    np.testing.assert_allclose(theirs.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)
    fresh = build(keras)
    fresh.load_weights(tmp_path / "ours.weights.h5")
    np.testing.assert_allclose(fresh.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)
    # the config is the one Keras writes for the same architecture (a GRU's reset_after, TimeDistributed's layer)
    build(keras).save(tmp_path / "k.keras")
    assert _keras_layers_config(tmp_path / "ours.keras") == _keras_layers_config(tmp_path / "k.keras")


def test_optimizer_state_of_a_recurrent_model_goes_both_ways(tmp_path):
    """Adam's slots follow the weights of the cells and of the wrapped layer: one more epoch after loading gives
    Keras' weights, each way."""
    keras = keras_on_torch(REASON)
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(8, 5, 2)).astype("float32"), rng.normal(size=(8, 1)).astype("float32")
    i = keras.Input((5, 2))
    h = keras.layers.TimeDistributed(keras.layers.Dense(2))(keras.layers.LSTM(3, return_sequences=True)(i))
    theirs = keras.Model(i, keras.layers.Dense(1)(keras.layers.GRU(2)(h)))
    theirs.compile(keras.optimizers.Adam(0.01), "mse")
    theirs.fit(x, y, epochs=2, batch_size=4, verbose=0, shuffle=False)
    theirs.save(tmp_path / "k.keras")
    ours = models.load_model(tmp_path / "k.keras")
    for model in (theirs, ours):
        model.fit(x, y, epochs=1, batch_size=4, verbose=0, shuffle=False)
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    ours.save(tmp_path / "ours.keras")
    again = keras.models.load_model(tmp_path / "ours.keras")
    for model in (again, ours):
        model.fit(x, y, epochs=1, batch_size=4, verbose=0, shuffle=False)
    np.testing.assert_allclose(ours.predict(x, verbose=0), again.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


def test_a_cell_of_other_units_is_refused_naming_its_weights_not_loaded(tmp_path):
    keras = keras_on_torch(REASON)
    keras.Sequential([keras.Input((5, 2)), keras.layers.LSTM(3)]).save_weights(tmp_path / "three.weights.h5")
    keras.Sequential([keras.Input((5, 2)), keras.layers.LSTM(4)]).save(tmp_path / "four.keras")
    ours = models.load_model(tmp_path / "four.keras")
    before = ours.get_weights()
    with pytest.raises(SavedFileError, match=r"layer 'lstm\w*': weight 'lstm\w*/lstm_cell/kernel' has shape "
                                             r"\(2, 16\), the file has \(2, 12\) under 'layers/lstm/cell/vars'"):
        ours.load_weights(tmp_path / "three.weights.h5")
    for kept, old in zip(ours.get_weights(), before, strict=True):      # nothing half-loaded
        np.testing.assert_array_equal(kept, old)
    keras.Sequential([keras.Input((4, 3)), keras.layers.TimeDistributed(keras.layers.Dense(5))]).save(
        tmp_path / "td5.keras")
    keras.Sequential([keras.Input((4, 3)), keras.layers.TimeDistributed(keras.layers.Dense(4))]).save_weights(
        tmp_path / "td4.weights.h5")
    with pytest.raises(SavedFileError, match=r"weight 'time_distributed\w*/dense\w*/kernel' has shape \(3, 5\), "
                                             r"the file has \(3, 4\) under 'layers/time_distributed/layer/vars'"):
        models.load_model(tmp_path / "td5.keras").load_weights(tmp_path / "td4.weights.h5")
