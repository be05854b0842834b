"""Saving models with layers of your own classes to Keras 3 ``.keras`` files (``model.save("x.keras")``): the file
is read back here (``load_model(..., custom_objects=...)``) and by Keras 3 itself (``KERAS_BACKEND=torch``), with an
equivalent Keras class, giving the same outputs and weights. Keras' layout of a custom layer is checked against a
file Keras writes for the same classes; a config that is not JSON is refused before anything is written."""
import io
import json
import os
import zipfile

import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv import layers

keras = pytest.importorskip("keras")
h5py = pytest.importorskip("h5py")
PACKAGE = "tg_s49_b4"


# ------------------------------------------------------------------------------------------- tinygradconv classes
class MyLayer(layers.Layer):
    """The brief's layer: no get_config of its own (automatic config)."""

    def __init__(self, units=3, **kw):
        super().__init__(**kw)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units))

    def call(self, x):
        return x @ self.w


class Shifted(layers.Layer):
    """A non-trainable weight made first, extra constructor arguments, no get_config override."""

    def __init__(self, units, scale=2.0, tag="s", **kwargs):
        super().__init__(**kwargs)
        self.units, self.scale, self.tag = units, scale, tag

    def build(self, input_shape):
        self.shift = self.add_weight(shape=(self.units,), initializer="random_normal", trainable=False,
                                     name="shift")
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal",
                                      name="kernel")

    def call(self, x):
        return (x @ self.kernel) * self.scale + self.shift


class Block(layers.Layer):
    """A Dense inside, and a get_config of its own."""

    def __init__(self, units=2, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.d = layers.Dense(units, activation="tanh")

    def build(self, input_shape):
        self.d.build(input_shape)

    def call(self, x):
        return self.d(x) + 1.0

    def get_config(self):
        return {**super().get_config(), "units": self.units}


@tg.saving.register_keras_serializable(package=PACKAGE)
class Scaled(layers.Layer):
    def __init__(self, factor=1.5, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, x):
        return x * self.factor


class WithArray(layers.Layer):
    def __init__(self, table=None, **kwargs):
        super().__init__(**kwargs)
        self.table = table

    def call(self, x):
        return x


class ArrayConfig(layers.Layer):
    def __init__(self, table=None, **kwargs):
        super().__init__(**kwargs)
        self.table = np.asarray(table, dtype="float32")

    def call(self, x):
        return x

    def get_config(self):
        return {**super().get_config(), "table": self.table}


class FunctionalModel(tg.models.Model):
    pass


OURS = {"MyLayer": MyLayer, "Shifted": Shifted, "Block": Block, "FunctionalModel": FunctionalModel}


# ------------------------------------------------------------------------------------------- Keras equivalents
def _keras_classes():
    """The Keras classes, under the same class names as ours (Keras finds a layer's weights by the snake-case name
    of its class, as it writes them: ``layers/shifted``), made in this function's scope so as not to hide ours."""

    class MyLayer(keras.layers.Layer):
        def __init__(self, units=3, **kw):
            super().__init__(**kw)
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], self.units))

        def call(self, x):
            return x @ self.w

    class Shifted(keras.layers.Layer):
        def __init__(self, units, scale=2.0, tag="s", **kwargs):
            super().__init__(**kwargs)
            self.units, self.scale, self.tag = units, scale, tag

        def build(self, input_shape):
            self.shift = self.add_weight(shape=(self.units,), trainable=False, name="shift")
            self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")

        def call(self, x):
            return (x @ self.kernel) * self.scale + self.shift

    class Block(keras.layers.Layer):
        def __init__(self, units=2, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.d = keras.layers.Dense(units, activation="tanh")

        def build(self, input_shape):
            self.d.build(input_shape)

        def call(self, x):
            return self.d(x) + 1.0

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    @keras.saving.register_keras_serializable(package=PACKAGE)      # the name ours is registered under
    class Scaled(keras.layers.Layer):
        def __init__(self, factor=1.5, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def call(self, x):
            return x * self.factor

    class FunctionalModel(keras.Model):
        pass

    return {"MyLayer": MyLayer, "Shifted": Shifted, "Block": Block, f"{PACKAGE}>Scaled": Scaled,
            "FunctionalModel": FunctionalModel}


KERAS = _keras_classes()


def _x(n=5, features=4):
    return np.random.default_rng(0).normal(size=(n, features)).astype("float32")


def _functional(cls=tg.models.Model):
    inp = layers.Input((4,))
    h = Shifted(3, scale=0.5, tag="t")(inp)
    h = Block(2)(h)
    h = MyLayer(units=2)(h)
    out = layers.Dense(1)(Scaled(factor=3.0)(h))
    return cls(inp, out)


def _sequential():
    return tg.models.Sequential([layers.Input((4,)), Shifted(3, scale=0.5), Block(2), layers.Dense(2), MyLayer(),
                                 Scaled(2.0)])


MAKERS = {"functional": _functional, "sequential": _sequential,
          "model_subclass": lambda: _functional(FunctionalModel)}


def _keras_load(path):
    return keras.saving.load_model(path, custom_objects=KERAS)


@pytest.mark.parametrize("kind", list(MAKERS))
def test_round_trip_here_and_in_keras(tmp_path, kind):
    model = MAKERS[kind]()
    path = os.fspath(tmp_path / "m.keras")
    model.save(path)
    x = _x()
    expected = model.predict(x, verbose=0)
    assert np.all(np.isfinite(expected))

    loaded = tg.saving.load_model(path, custom_objects=OURS)
    assert type(loaded) is type(model)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), expected, rtol=1e-6, atol=1e-6)
    assert len(loaded.weights) == len(model.weights)
    for a, b in zip(model.weights, loaded.weights):    # (an inner Dense made in __init__ gets a new name, as in Keras)
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert [w.name for w in loaded.non_trainable_weights] == [w.name for w in model.non_trainable_weights] != []
    shifted = next(layer for layer in loaded.layers if isinstance(layer, Shifted))
    assert (shifted.units, shifted.scale, shifted.tag) == (3, 0.5, "t" if kind != "sequential" else "s")
    assert next(layer for layer in loaded.layers if isinstance(layer, Scaled)).factor in (3.0, 2.0)

    theirs = _keras_load(path)
    np.testing.assert_allclose(np.asarray(theirs.predict(x, verbose=0)), expected, rtol=1e-5, atol=1e-5)
    k_shifted = next(layer for layer in theirs.layers if isinstance(layer, KERAS['Shifted']))
    o_shifted = next(layer for layer in model.layers if isinstance(layer, Shifted))
    np.testing.assert_array_equal(np.asarray(k_shifted.shift.numpy()), o_shifted.shift.numpy())
    np.testing.assert_array_equal(np.asarray(k_shifted.kernel.numpy()), o_shifted.kernel.numpy())
    assert [w.trainable for w in k_shifted.weights] == [True, False]
    k_block = next(layer for layer in theirs.layers if isinstance(layer, KERAS['Block']))
    o_block = next(layer for layer in model.layers if isinstance(layer, Block))
    np.testing.assert_array_equal(np.asarray(k_block.d.kernel.numpy()), o_block.d.kernel.numpy())


def test_layout_is_the_one_keras_writes(tmp_path):
    """Our file's config entries and HDF5 groups for the custom layers are those Keras writes for the Keras
    classes (same structure, same paths, same dataset shapes)."""
    model = _functional()
    ours = os.fspath(tmp_path / "ours.keras")
    model.save(ours)
    theirs = os.fspath(tmp_path / "theirs.keras")
    _keras_load(ours).save(theirs)

    def read(path):
        with zipfile.ZipFile(path) as archive:
            config = json.loads(archive.read("config.json"))
            with h5py.File(io.BytesIO(archive.read("model.weights.h5")), "r") as h5:
                groups = {}
                h5.visititems(lambda name, obj: groups.setdefault(
                    name, tuple(obj.shape) if isinstance(obj, h5py.Dataset) else None))
        return config, groups

    (our_config, our_groups), (their_config, their_groups) = read(ours), read(theirs)
    assert our_groups == their_groups
    assert "layers/block/d/vars/0" in our_groups
    for mine, keras_entry in zip(our_config["config"]["layers"], their_config["config"]["layers"]):
        assert {k: mine[k] for k in ("class_name", "registered_name", "build_config") if k in mine} == \
            {k: keras_entry[k] for k in ("class_name", "registered_name", "build_config") if k in keras_entry}
        strip = ("shared_object_id",)
        mine_config = {k: v for k, v in mine["config"].items() if k != "dtype"}
        keras_config = {k: v for k, v in keras_entry["config"].items() if k not in ("dtype", *strip)}
        assert mine_config == keras_config
    scaled = next(e for e in our_config["config"]["layers"] if e["class_name"] == "Scaled")
    assert scaled["registered_name"] == f"{PACKAGE}>Scaled"


def test_keras_written_file_of_the_same_classes_loads_here(tmp_path):
    """The reverse direction, as a check of the shared layout: Keras writes, we read the same outputs."""
    path = os.fspath(tmp_path / "k.keras")
    model = _functional()
    model.save(path)
    keras_model = _keras_load(path)
    keras_path = os.fspath(tmp_path / "k2.keras")
    keras_model.save(keras_path)
    x = _x()
    np.testing.assert_allclose(tg.saving.load_model(keras_path, custom_objects={**OURS, "Scaled": Scaled})
                               .predict(x, verbose=0), np.asarray(keras_model.predict(x, verbose=0)),
                               rtol=1e-5, atol=1e-5)


def test_brief_example_and_registered_keras_class(tmp_path):
    inp = layers.Input((4,))
    model = tg.models.Model(inp, Scaled(0.5)(MyLayer()(inp)))
    path = os.fspath(tmp_path / "x.keras")
    model.save(path)
    x = _x()
    w = model.layers[1].w.numpy()
    np.testing.assert_allclose(model.predict(x, verbose=0), (x @ w) * 0.5, rtol=1e-6)     # by the formula
    np.testing.assert_allclose(tg.saving.load_model(path, custom_objects={"MyLayer": MyLayer}).predict(x, verbose=0),
                               (x @ w) * 0.5, rtol=1e-6)
    # Keras finds the registered name among its own registered classes (not in custom_objects here)
    assert keras.saving.get_registered_name(KERAS[f"{PACKAGE}>Scaled"]) == f"{PACKAGE}>Scaled"
    with zipfile.ZipFile(path) as archive:
        entries = json.loads(archive.read("config.json"))["config"]["layers"]
    assert [(e["class_name"], e["registered_name"]) for e in entries[1:]] == [
        ("MyLayer", "MyLayer"), ("Scaled", f"{PACKAGE}>Scaled")]
    theirs = keras.saving.load_model(path, custom_objects={"MyLayer": KERAS["MyLayer"]})
    np.testing.assert_allclose(np.asarray(theirs.predict(x, verbose=0)), (x @ w) * 0.5, rtol=1e-5)


@pytest.mark.parametrize("value, type_name", [(np.arange(3.0), "numpy.ndarray"), (len, "builtin_function_or_method"),
                                              ([1, np.zeros(2)], "numpy.ndarray")])
def test_constructor_argument_that_is_not_json_is_refused_before_writing(tmp_path, value, type_name):
    inp = layers.Input((4,))
    model = tg.models.Model(inp, WithArray(table=value, name="lookup")(inp))
    path = tmp_path / "x.keras"
    path.write_bytes(b"old content")
    with pytest.raises(ValueError, match="layer 'lookup' \\(WithArray\\)") as info:
        model.save(os.fspath(path))
    message = str(info.value)
    assert "'table'" in message and type_name in message and "get_config()" in message and "save_weights" in message
    assert path.read_bytes() == b"old content"
    assert sorted(os.listdir(tmp_path)) == ["x.keras"]     # no temporary file left


def test_get_config_returning_an_array_is_refused_before_writing(tmp_path):
    model = tg.models.Sequential([layers.Input((4,)), tg.models.Sequential([ArrayConfig([1.0, 2.0], name="arr")])])
    path = tmp_path / "x.keras"
    with pytest.raises(ValueError, match="layer 'arr' \\(ArrayConfig\\)") as info:
        model.save(os.fspath(path))
    assert "config['table']" in str(info.value) and "numpy.ndarray" in str(info.value)
    assert not path.exists()


class _GivenConfig(layers.Layer):
    """A layer whose get_config() returns the ``table`` it was given, unchecked."""

    def __init__(self, table=None, **kwargs):
        super().__init__(**kwargs)
        self.table = table

    def call(self, x):
        return x

    def get_config(self):
        return {**super().get_config(), "table": self.table}


def test_the_value_that_is_not_json_is_named_by_its_path_and_class_name(tmp_path):
    """The message names the first value JSON cannot hold by its path in the config (into lists, tuples and dict
    values; a dict key that is not a str too), and its type as a user writes it: the top package and the class
    name, without the ``<locals>`` of a class defined in a function."""

    class Local:
        pass

    top = Local.__module__.split(".")[0]
    cases = [(WithArray(table={"a": [1, Local()]}, name="auto"), f"argument 'table' holding a {top}.Local,"),
             (_GivenConfig({"a": [1, (2.0, Local())]}, name="given"), f"config['table']['a'][1][1] = a {top}.Local,"),
             (_GivenConfig({"a": {3: "x"}}, name="key"), "config['table']['a'] (a key) = a int,")]
    for layer, expected in cases:
        for name in ("x.keras", "x.npz"):
            model = tg.models.Sequential([layers.Input((4,)), layer])
            with pytest.raises(ValueError, match=f"layer '{layer.name}'") as info:
                model.save(os.fspath(tmp_path / name))
            assert expected in str(info.value) and "<locals>" not in str(info.value)
            assert not (tmp_path / name).exists()


def test_to_json_writes_custom_layers_too():
    """model_to_json shares the writer: Keras' model_from_json builds the same architecture."""
    model = _functional()
    text = model.to_json()
    theirs = keras.models.model_from_json(text, custom_objects=KERAS)
    assert [type(layer).__name__ for layer in theirs.layers] == \
        ["InputLayer", "Shifted", "Block", "MyLayer", "Scaled", "Dense"]
    ours = tg.models.model_from_json(text, custom_objects={**OURS, "Scaled": Scaled})
    assert [w.shape for w in ours.weights] == [w.shape for w in model.weights]


def test_a_layer_whose_arguments_were_not_recorded_still_copies():
    """The reason kept for the save error (the argument's name) survives copy.deepcopy, which build_example and
    clone use; Keras' NotImplementedError from get_config is unchanged."""
    import copy

    layer = WithArray(table=np.arange(3.0))
    copied = copy.deepcopy(layer)
    with pytest.raises(NotImplementedError, match="non-serializable argument values"):
        copied.get_config()
