""".keras files and model JSON as Keras 3.15 writes them (compile_config in to_json, the name of a Sequential's
Input, build_config of layers Keras builds when made, a first call's batch size), and Keras' BackupAndRestore and
SwapEMAWeights callbacks, each against Keras 3.15 on torch (skipped, visibly, without it)."""
import json
import zipfile

import numpy as np
import pytest
from helpers import keras_on_torch

from tinygradconv import layers, models
from tinygradconv.layers import layer as layer_module

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")   # inside Keras


def _config_json(path):
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read("config.json"))


def _fresh_names(keras, monkeypatch):
    """Both name counters from zero: Keras' (clear_session) and ours, so that names can be compared."""
    keras.backend.clear_session()
    monkeypatch.setattr(layer_module, "_name_counts", {})


# ------------------------------------------------------------------------------------------- 1. to_json's compile
def test_to_json_holds_the_compile_config_as_keras_writes_it():
    keras = keras_on_torch("Keras 3.15's Model.to_json is the reference")
    ours = models.Sequential([layers.Input((4,)), layers.Dense(3)])
    theirs = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    # before compile: Keras writes "compile_config": {} (get_compile_config gives {}), at the end of the object
    assert list(json.loads(ours.to_json())) == list(json.loads(theirs.to_json()))
    assert json.loads(ours.to_json())["compile_config"] == json.loads(theirs.to_json())["compile_config"] == {}
    ours.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    theirs.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    mine, reference = json.loads(ours.to_json())["compile_config"], json.loads(theirs.to_json())["compile_config"]
    assert list(mine) == list(reference)
    for key in ("loss", "metrics", "loss_weights", "weighted_metrics", "run_eagerly", "steps_per_execution"):
        assert mine[key] == reference[key], key
    assert mine["optimizer"]["class_name"] == reference["optimizer"]["class_name"] == "SGD"


def test_model_from_json_compiles_as_keras_both_ways():
    keras = keras_on_torch("Keras 3.15's model_from_json is the reference")
    ours = models.Sequential([layers.Input((4,)), layers.Dense(3)])
    ours.compile(optimizer=__import__("tinygradconv").optimizers.Adam(0.01), loss="mae")
    theirs = keras.models.model_from_json(ours.to_json())
    assert theirs.compiled and type(theirs.optimizer).__name__ == "Adam"
    assert float(theirs.optimizer.learning_rate) == pytest.approx(0.01)
    back = models.model_from_json(theirs.to_json())
    assert back.compiled and type(back.optimizer).__name__ == "Adam"
    assert float(back.optimizer.learning_rate) == pytest.approx(0.01)
    x, y = np.ones((2, 4), "float32"), np.zeros((2, 3), "float32")
    back.set_weights(theirs.get_weights())
    assert back.evaluate(x, y, verbose=0) == pytest.approx(theirs.evaluate(x, y, verbose=0), rel=1e-6)
    # not compiled: neither compiles it
    plain = models.Sequential([layers.Input((4,)), layers.Dense(3)])
    assert not keras.models.model_from_json(plain.to_json()).compiled
    assert not models.model_from_json(plain.to_json()).compiled


def test_to_json_of_a_compile_keras_cannot_describe_warns_and_writes_an_empty_one():
    """A lambda loss: Keras would fail to load it; ours warns, names the loss, and writes {} (loads uncompiled)."""
    model = models.Sequential([layers.Input((4,)), layers.Dense(3)])
    model.compile(optimizer="sgd", loss=lambda y, p: ((y - p) ** 2).mean())
    with pytest.warns(UserWarning, match="its JSON holds none") as record:
        text = model.to_json()
    assert record[0].filename == __file__
    assert json.loads(text)["compile_config"] == {}
    assert not models.model_from_json(text).compiled


# ------------------------------------------------------------------------------------- 2. the Input's name
def test_a_sequentials_made_input_is_named_as_keras_names_it(tmp_path, monkeypatch):
    keras = keras_on_torch("Keras 3.15's InputLayer names are the reference")
    _fresh_names(keras, monkeypatch)
    names = {}
    for lib, tag in ((keras, "keras"), (None, "ours")):
        L = keras.layers if lib else layers
        Seq = keras.Sequential if lib else models.Sequential
        first = Seq([L.Dense(3, input_shape=(4,))])                 # input_shape=: named when added
        second = Seq([L.Dense(3, input_shape=(4,))])
        (keras.Input if lib else layers.Input)((2,))                # an Input in between takes a number too
        built = Seq([L.Dense(2)])
        built.build((None, 5))                                      # build: named then
        called = Seq([L.Dense(2)])
        called(np.zeros((3, 5), "float32"))                         # a first call: named then
        found = []
        for i, model in enumerate((first, second, built, called)):
            path = tmp_path / f"{tag}{i}.keras"
            model.save(path)
            found.append(_config_json(path)["config"]["layers"][0]["config"]["name"])
        names[tag] = found
    assert names["ours"] == names["keras"] == ["input_layer", "input_layer_1", "input_layer_3", "input_layer_4"]


def test_a_renamed_input_loads_here_and_in_keras(tmp_path):
    keras = keras_on_torch("Keras 3.15's load_model is the reference")
    ours = models.Sequential([layers.Dense(3, input_shape=(4,))])
    path = tmp_path / "m.keras"
    ours.save(path)
    x = np.linspace(-1, 1, 8, dtype="float32").reshape(2, 4)
    theirs = keras.models.load_model(path)
    back = models.load_model(path)
    name = _config_json(path)["config"]["layers"][0]["config"]["name"]
    assert name.startswith("input_layer")
    assert theirs.layers[0].name == back.layers[0].name == ours.layers[0].name
    np.testing.assert_allclose(back.predict(x, verbose=0), ours.predict(x, verbose=0), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(theirs.predict(x, verbose=0)), ours.predict(x, verbose=0), rtol=1e-5)
    # our file of the loaded model keeps the name (the Input is the loaded model's own now)
    back.save(tmp_path / "again.keras")
    assert _config_json(tmp_path / "again.keras")["config"]["layers"][0]["config"]["name"] == name


# ---------------------------------------------------------------------------------------------- 3. build_config
LAYERS = [("Activation", ("relu",), (2, 3)), ("Dropout", (0.5,), (2, 3)), ("ELU", (), (2, 3)),
          ("LeakyReLU", (), (2, 3)), ("ReLU", (), (2, 3)), ("Reshape", ((3,),), (2, 3)), ("Softmax", (), (2, 3)),
          ("Flatten", (), (2, 3)), ("Cropping1D", (1,), (2, 4, 3)), ("UpSampling1D", (), (2, 4, 3)),
          ("ZeroPadding1D", (), (2, 4, 3)), ("Dense", (2,), (2, 3)), ("PReLU", (), (2, 3))]


@pytest.mark.parametrize("name, args, shape", LAYERS, ids=[item[0] for item in LAYERS])
def test_get_build_config_as_keras(name, args, shape):
    keras = keras_on_torch("Keras 3.15's get_build_config is the reference")
    ours, theirs = getattr(layers, name)(*args), getattr(keras.layers, name)(*args)
    assert ours.get_build_config() is None and theirs.get_build_config() is None
    ours(np.zeros(shape, "float32"))
    theirs(np.zeros(shape, "float32"))
    assert ours.get_build_config() == theirs.get_build_config()       # None, or {"input_shape": shape}
    expected_none = name in ("Activation", "Dropout", "ELU", "LeakyReLU", "ReLU", "Reshape", "Softmax")
    assert (theirs.get_build_config() is None) == expected_none


def test_a_subclass_of_dropout_has_no_build_config_as_in_keras():
    keras = keras_on_torch("Keras 3.15's get_build_config is the reference")

    class MyDropout(layers.Dropout):
        pass

    class TheirDropout(keras.layers.Dropout):
        pass

    ours, theirs = MyDropout(0.1), TheirDropout(0.1)
    ours(np.zeros((2, 3), "float32"))
    theirs(np.zeros((2, 3), "float32"))
    assert ours.get_build_config() is None and theirs.get_build_config() is None


# ------------------------------------------------------------------------------------------- 4. a first batch
def test_a_sequential_built_on_a_batch_of_4_writes_its_batch_size_as_keras(tmp_path, monkeypatch):
    keras = keras_on_torch("Keras 3.15's .keras files are the reference")
    _fresh_names(keras, monkeypatch)
    ours, theirs = models.Sequential([layers.Dense(3)]), keras.Sequential([keras.layers.Dense(3)])
    ours(np.zeros((4, 10, 3), "float32"))
    theirs(np.zeros((4, 10, 3), "float32"))
    assert ours.input_shape == tuple(theirs.input_shape) == (4, 10, 3)
    ours.save(tmp_path / "ours.keras")
    theirs.save(tmp_path / "theirs.keras")
    mine, reference = _config_json(tmp_path / "ours.keras"), _config_json(tmp_path / "theirs.keras")
    assert mine["config"]["layers"][0]["config"] == reference["config"]["layers"][0]["config"]
    assert mine["config"]["layers"][0]["config"]["batch_shape"] == [4, 10, 3]
    assert mine["config"]["build_input_shape"] == reference["config"]["build_input_shape"] == [4, 10, 3]
    assert mine["build_config"] == reference["build_config"] == {"input_shape": [4, 10, 3]}
    assert mine["config"]["layers"][1]["build_config"] == reference["config"]["layers"][1]["build_config"]
    # data of another batch size still runs, in the loaded models too, as in Keras
    x = np.linspace(-1, 1, 8 * 30, dtype="float32").reshape(8, 10, 3)
    loaded, theirs_loaded = models.load_model(tmp_path / "ours.keras"), keras.models.load_model(tmp_path / "ours.keras")
    assert loaded.input_shape == (4, 10, 3)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), ours.predict(x, verbose=0), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(theirs_loaded(x).detach().cpu()), ours.predict(x, verbose=0), rtol=1e-5,
                               atol=1e-6)
