"""One ``.keras`` save of a functional model makes its Keras JSON once (``keras_format._model_json``), where it
was made three times (the file, the weights' layer order, the optimizer's), and a load never makes it (the file's
own JSON gives Keras' layer order); the file is the same either way: a round trip keeps the predictions and the
optimizer's slots of the model saved."""
import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv import keras_format

pytest.importorskip("h5py", reason="h5py (the keras-format extra) reads and writes .keras files")

RNG = np.random.default_rng(0)
X = RNG.normal(size=(16, 6)).astype("float32")
Y = RNG.normal(size=(16, 1)).astype("float32")


def _model():
    inner_in = tg.layers.Input((8,))
    inner = tg.models.Model(inner_in, tg.layers.Dense(4, activation="relu")(inner_in), name="inner")
    inputs = tg.layers.Input((6,))
    outputs = tg.layers.Dense(1)(inner(tg.layers.Dense(8)(inputs)))
    model = tg.models.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="mse")
    model.fit(X, Y, epochs=2, batch_size=8, verbose=0)
    return model


@pytest.fixture
def counted(monkeypatch):
    calls = []
    made = keras_format._model_json

    def counting(model, *args, **kwargs):
        calls.append(model.name)
        return made(model, *args, **kwargs)

    monkeypatch.setattr(keras_format, "_model_json", counting)
    return calls


def test_save_makes_the_json_once_and_load_never(tmp_path, counted):
    model = _model()
    path = str(tmp_path / "m.keras")
    counted.clear()
    model.save(path)
    outer = [name for name in counted if name == model.name]
    assert outer == [model.name]            # (the nested model's JSON is made inside the outer one's, once)
    assert counted.count("inner") == 1
    counted.clear()
    loaded = tg.models.load_model(path)
    assert counted == []
    np.testing.assert_allclose(loaded.predict(X, verbose=0), model.predict(X, verbose=0), rtol=1e-6, atol=1e-7)
    assert int(loaded.optimizer.iterations) == int(model.optimizer.iterations) == 4
    saved = {v.name: v.numpy() for v in model.optimizer.variables}
    restored = {v.name: v.numpy() for v in loaded.optimizer.variables}
    assert saved.keys() == restored.keys()
    for name, value in saved.items():
        np.testing.assert_allclose(restored[name], value, rtol=1e-6, err_msg=name)
