"""A ``.keras`` file written by Keras 3 with a layer of the user's own class, registered in Keras with
``@keras.saving.register_keras_serializable(package="my")`` (the file says ``class_name: "MyLayer"``,
``registered_name: "my>MyLayer"``), loaded by ``tg.models.load_model`` with the user's tinygradconv class in
``custom_objects``. The reference is Keras' own model on the same input."""
import os

import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv.layers import Layer
from tinygradconv.saving import SavedFileError

keras = pytest.importorskip("keras")


@keras.saving.register_keras_serializable(package="my")
class MyLayer(keras.layers.Layer):
    """Keras: x @ w, w of shape (features, units)."""

    def __init__(self, units=2, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="ones", name="w")

    def call(self, x):
        return keras.ops.matmul(x, self.w)

    def get_config(self):
        return {**super().get_config(), "units": self.units}


class OurMyLayer(Layer):
    """The same layer in tinygradconv."""

    def __init__(self, units=2, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight((input_shape[-1], self.units), initializer="zeros", name="w")

    def call(self, x):
        return tg.ops.matmul(x, self.w)

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def _randomize(model, seed=0):
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(size=w.shape).astype("float32") for w in model.get_weights()])


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("keras_custom")
    inputs = keras.Input((3,))
    functional = keras.Model(inputs, keras.layers.Dense(1)(MyLayer(2)(inputs)))
    sequential = keras.Sequential([keras.Input((3,)), MyLayer(4, name="mine"), keras.layers.Dense(2)])
    out = {}
    for name, model in (("functional", functional), ("sequential", sequential)):
        _randomize(model)
        path = os.path.join(folder, f"{name}.keras")
        model.save(path)
        out[name] = (path, model)
    return out


def test_the_file_names_the_registered_class(files):
    import json
    import zipfile

    config = json.loads(zipfile.ZipFile(files["functional"][0]).read("config.json"))
    entry = config["config"]["layers"][1]
    assert (entry["class_name"], entry["registered_name"]) == ("MyLayer", "my>MyLayer")


@pytest.mark.parametrize("which", ["functional", "sequential"])
@pytest.mark.parametrize("key", ["MyLayer", "my>MyLayer"])
def test_load_model_takes_the_class_under_either_name(files, which, key):
    path, keras_model = files[which]
    model = tg.models.load_model(path, custom_objects={key: OurMyLayer})
    assert any(type(layer) is OurMyLayer for layer in model.layers)
    x = np.random.default_rng(1).normal(size=(5, 3)).astype("float32")
    np.testing.assert_allclose(model.predict(x, verbose=0), keras_model.predict(x, verbose=0), rtol=1e-5,
                               atol=1e-6)


def test_load_model_inside_a_scope(files):
    path, keras_model = files["functional"]
    with tg.saving.custom_object_scope({"my>MyLayer": OurMyLayer}):
        model = tg.models.load_model(path)
    x = np.ones((2, 3), "float32")
    np.testing.assert_allclose(model.predict(x, verbose=0), keras_model.predict(x, verbose=0), rtol=1e-5)


def test_model_from_json_takes_the_class(files):
    _, keras_model = files["functional"]
    model = tg.models.model_from_json(keras_model.to_json(), custom_objects={"MyLayer": OurMyLayer})
    assert [type(layer).__name__ for layer in model.layers] == ["InputLayer", "OurMyLayer", "Dense"]


def test_without_the_class_the_error_names_it(files):
    path, _ = files["functional"]
    with pytest.raises(SavedFileError) as info:
        tg.models.load_model(path)
    message = str(info.value)
    assert "'my>MyLayer'" in message and "custom_objects={'MyLayer': MyLayer}" in message


def test_a_function_in_custom_objects_is_named(files):
    path, _ = files["sequential"]

    def my_layer(x):
        return x

    with pytest.raises(SavedFileError) as info:
        tg.models.load_model(path, custom_objects={"MyLayer": my_layer})
    assert "custom_objects['MyLayer'] is <function" in str(info.value)
    assert "not a subclass of tinygradconv.layers.Layer" in str(info.value)
