"""A model compiled with ``losses.LossFunctionWrapper`` saved to ``.keras`` is written as Keras writes it (the class
lives in ``keras.src.losses.losses``; ``keras.losses`` does not export it), so that Keras 3 loads the file (it
raised "Could not locate class 'LossFunctionWrapper'", the module being None) and ours loads it back."""
import json
import zipfile

import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv import layers, losses


def _saved(tmp_path):
    pytest.importorskip("h5py", reason="the .keras format needs h5py")
    model = tg.models.Sequential([layers.Input((3,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss=losses.LossFunctionWrapper(losses.huber, name="w", delta=0.3))
    path = tmp_path / "m.keras"
    model.save(path)
    return model, path


def test_the_compile_entry_is_the_one_keras_writes(tmp_path):
    keras = pytest.importorskip("keras", reason="Keras 3 (KERAS_BACKEND=torch) writes the reference entry")
    from keras.src.losses.losses import LossFunctionWrapper

    _, ours = _saved(tmp_path)
    theirs = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    theirs.compile(optimizer="sgd", loss=LossFunctionWrapper(keras.losses.huber, name="w", delta=0.3))
    theirs.save(tmp_path / "k.keras")

    def entry(path):
        return json.loads(zipfile.ZipFile(path).read("config.json"))["compile_config"]["loss"]

    assert entry(ours) == entry(tmp_path / "k.keras")


def test_keras_and_ours_load_it_with_the_same_loss(tmp_path):
    keras = pytest.importorskip("keras", reason="Keras 3 (KERAS_BACKEND=torch) loads the file")
    model, path = _saved(tmp_path)
    x = np.random.default_rng(0).normal(size=(8, 3)).astype("float32")
    y = np.random.default_rng(1).normal(size=(8, 1)).astype("float32")
    loaded = keras.saving.load_model(path)
    expected = float(keras.losses.huber(y, model.predict(x, verbose=0), delta=0.3).numpy().mean())
    np.testing.assert_allclose(float(loaded.evaluate(x, y, verbose=0)), expected, rtol=1e-5)
    ours = tg.models.load_model(path)
    np.testing.assert_allclose(float(ours.evaluate(x, y, verbose=0)), expected, rtol=1e-5)
