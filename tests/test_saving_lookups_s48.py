"""After the class look-ups of tinygradconv.saving share one helper (``_given_layer_class``), a function given in
``custom_objects`` for a layer class is still named when loading our .npz file and in ``from_config``; and the one
walk over compile arguments (``saving.map_compile_structure``) keeps per-output structures through a .keras round
trip."""
import re

import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv.layers import Layer
from tinygradconv.saving import SavedFileError, custom_object_scope, map_compile_structure


class Scale(Layer):
    def call(self, inputs):
        return inputs * 2.0


def _as_function(x):
    return x


@pytest.fixture
def saved(tmp_path):
    model = tg.models.Sequential([tg.layers.Input((3,)), Scale(name="s")])
    path = str(tmp_path / "m.tgc.npz")
    model.save(path)
    return model, path


def test_a_function_for_the_class_is_named_when_loading(saved):
    _, path = saved
    key = "Scale"
    expected = (f"custom_objects[{key!r}] must be your layer or model class (a subclass of "
                f"tinygradconv.layers.Layer), for the layer of class {key!r}; received <function _as_function")
    with pytest.raises(SavedFileError, match=re.escape(expected)):
        tg.models.load_model(path, custom_objects={key: _as_function})
    model, _ = saved
    with pytest.raises(SavedFileError, match=re.escape(expected)):
        tg.models.Sequential.from_config(model.get_config(), custom_objects={key: _as_function})


def test_the_class_loads_and_computes_by_hand(saved):
    _, path = saved
    with custom_object_scope({"Scale": Scale}):
        loaded = tg.models.load_model(path)
    x = np.arange(6.0, dtype="float32").reshape(2, 3)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), 2.0 * x)


def test_map_compile_structure_keeps_the_structure():
    seen = []
    out = map_compile_structure({"a": ["mae", ("mse", "acc")], "b": {"class_name": "MeanSquaredError"}},
                                lambda entry: seen.append(entry) or "x")
    assert out == {"a": ["x", ["x", "x"]], "b": "x"}
    assert seen == ["mae", "mse", "acc", {"class_name": "MeanSquaredError"}]


def test_per_output_losses_and_metrics_round_trip_a_keras_file(tmp_path):
    pytest.importorskip("h5py", reason="h5py (the keras-format extra) reads and writes .keras files")
    inputs = tg.layers.Input((3,))
    model = tg.models.Model(inputs, {"a": tg.layers.Dense(1, name="a")(inputs), "b": tg.layers.Dense(1, name="b")(
        inputs)})
    model.compile(optimizer="sgd", loss={"a": "mse", "b": tg.losses.MeanAbsoluteError()},
                  metrics={"a": ["mae"], "b": ["mse", "mae"]})
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = tg.models.load_model(path)
    assert loaded.loss["a"] == "mse" and type(loaded.loss["b"]) is tg.losses.MeanAbsoluteError
