"""Where Keras 3 stores the weights of a layer of the user's own class in a ``.keras`` file, and what
``tg.models.load_model`` reads there (found by a reviewer of the custom_objects loading):

- a layer's own weights as Keras' ``save_own_variables`` writes them: those created trainable first, then the
  non-trainable ones (``shift`` made non-trainable before ``scale`` was read swapped, silently);
- the layers it holds under the names of the attributes holding them (``layers/block/d1/vars``), a list's layers
  under ``<attribute>/<snake-case class>``; a Keras class without ``get_config`` writes no ``name``;
- an unregistered class (``module`` None, ``registered_name`` its class name) is named as a registered one.

The reference is Keras' own model (its predictions, its files) on the same input."""
import json
import os
import zipfile

import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv.layers import Layer
from tinygradconv.saving import SavedFileError

keras = pytest.importorskip("keras")


# ---------------------------------------------------------------- 1. a non-trainable weight made before a trainable one
@keras.saving.register_keras_serializable(package="f9")
class KShiftScale(keras.layers.Layer):
    """Keras: x * scale + shift, ``shift`` (non-trainable) created first."""

    def build(self, input_shape):
        self.shift = self.add_weight(shape=(input_shape[-1],), initializer="ones", trainable=False, name="shift")
        self.scale = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="scale")

    def call(self, x):
        return x * self.scale + self.shift


class ShiftScale(Layer):
    """The same layer in tinygradconv, its weights created in the same order."""

    def build(self, input_shape):
        self.shift = self.add_weight((input_shape[-1],), initializer="zeros", trainable=False, name="shift")
        self.scale = self.add_weight((input_shape[-1],), initializer="zeros", name="scale")

    def call(self, x):
        return x * self.scale + self.shift


@pytest.mark.parametrize("frozen", [False, True])
def test_own_weights_are_read_trainable_first_as_keras_stores_them(tmp_path, frozen):
    theirs = keras.Sequential([keras.Input((3,)), KShiftScale(name="ss")])
    layer = theirs.layers[0]
    layer.shift.assign(np.full(3, 10.0, "float32"))
    layer.scale.assign(np.array([2.0, 3.0, 4.0], "float32"))
    layer.trainable = not frozen      # Keras keeps its order (trainable-created first) for a frozen layer too
    assert [w.name for w in layer.weights] == ["scale", "shift"]      # Keras' own order
    theirs.save(tmp_path / "ss.keras")
    ours = tg.models.load_model(tmp_path / "ss.keras", custom_objects={"f9>KShiftScale": ShiftScale})
    x = np.array([[0.0, 1.0, 2.0]], "float32")
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0))     # [[10, 13, 18]]
    mine = ours.layers[0]
    np.testing.assert_array_equal(mine.shift.numpy(), np.full(3, 10.0))
    np.testing.assert_array_equal(mine.scale.numpy(), [2.0, 3.0, 4.0])
    assert mine.trainable is (not frozen)


@pytest.mark.parametrize("center_scale", [True, False])
def test_batch_normalization_moving_statistics_both_ways(tmp_path, center_scale):
    """BatchNormalization's moving statistics (non-trainable, made after gamma and beta) in Keras' places, from a
    Keras file and in ours read by Keras."""
    rng = np.random.default_rng(3)
    theirs = keras.Sequential([keras.Input((4,)), keras.layers.Dense(4),
                               keras.layers.BatchNormalization(center=center_scale, scale=center_scale)])
    theirs.set_weights([rng.uniform(0.5, 2.0, size=w.shape).astype("float32") for w in theirs.get_weights()])
    theirs.save(tmp_path / "bn.keras")
    x = rng.normal(size=(5, 4)).astype("float32")
    ours = tg.models.load_model(tmp_path / "bn.keras")
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    ours.save(tmp_path / "ours.keras")
    again = keras.saving.load_model(tmp_path / "ours.keras")
    np.testing.assert_allclose(again.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    ours.save_weights(tmp_path / "ours.weights.h5")
    fresh = keras.Sequential([keras.Input((4,)), keras.layers.Dense(4),
                              keras.layers.BatchNormalization(center=center_scale, scale=center_scale)])
    fresh.load_weights(tmp_path / "ours.weights.h5")
    np.testing.assert_allclose(fresh.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------- 2. layers held by a layer of your own; no name
@keras.saving.register_keras_serializable(package="f9")
class KBlock(keras.layers.Layer):
    """Keras: no get_config (Keras' automatic config has no ``name``); a Dense in an attribute, two in a list and
    a non-trainable weight of its own made first. ``**kw``, not ``**kwargs``: Keras' automatic config then leaves
    the name out (``Operation.get_config`` looks for an argument called ``kwargs``)."""

    def __init__(self, **kw):
        super().__init__(**kw)
        self.d1 = keras.layers.Dense(3)
        self.stack = [keras.layers.Dense(4), keras.layers.Dense(2)]

    def build(self, input_shape):
        self.offset = self.add_weight(shape=(2,), initializer="zeros", trainable=False, name="offset")
        self.gain = self.add_weight(shape=(2,), initializer="ones", name="gain")

    def call(self, x):
        return self.stack[1](self.stack[0](self.d1(x))) * self.gain + self.offset


class Block(Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.d1 = tg.layers.Dense(3)
        self.stack = [tg.layers.Dense(4), tg.layers.Dense(2)]

    def build(self, input_shape):
        self.offset = self.add_weight((2,), initializer="zeros", trainable=False, name="offset")
        self.gain = self.add_weight((2,), initializer="ones", name="gain")

    def call(self, x):
        return self.stack[1](self.stack[0](self.d1(x))) * self.gain + self.offset


class RenamedBlock(Layer):
    """The same layers under other attribute names than the Keras class: the file's layout does not fit."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.first = tg.layers.Dense(3)
        self.stack = [tg.layers.Dense(4), tg.layers.Dense(2)]

    def build(self, input_shape):
        self.offset = self.add_weight((2,), initializer="zeros", trainable=False, name="offset")
        self.gain = self.add_weight((2,), initializer="ones", name="gain")

    def call(self, x):
        return self.stack[1](self.stack[0](self.first(x))) * self.gain + self.offset


@pytest.fixture(scope="module")
def block_file(tmp_path_factory):
    theirs = keras.Sequential([keras.Input((3,)), KBlock(name="blk")])
    rng = np.random.default_rng(5)
    theirs.set_weights([rng.normal(size=w.shape).astype("float32") for w in theirs.get_weights()])
    path = os.path.join(tmp_path_factory.mktemp("block"), "block.keras")
    theirs.save(path)
    return path, theirs


def test_the_block_file_is_as_described(block_file):
    path, _ = block_file
    archive = zipfile.ZipFile(path)
    entry = json.loads(archive.read("config.json"))["config"]["layers"][1]
    assert "name" not in entry["config"] and entry["registered_name"] == "f9>KBlock"
    keras.saving.load_model(path)       # Keras loads it


@pytest.mark.parametrize("key", ["f9>KBlock", "KBlock"])
def test_a_layer_holding_layers_loads_from_the_attribute_paths(block_file, key):
    path, theirs = block_file
    ours = tg.models.load_model(path, custom_objects={key: Block})
    x = np.random.default_rng(6).normal(size=(4, 3)).astype("float32")
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


def test_other_attribute_names_are_refused_naming_the_layout(block_file):
    path, _ = block_file
    with pytest.raises(SavedFileError) as info:
        tg.models.load_model(path, custom_objects={"f9>KBlock": RenamedBlock})
    message = str(info.value)
    assert "'layers/k_block/d1/vars'" in message and "'layers/k_block/first/vars'" in message
    assert "attribute" in message and "expected" not in message


def test_a_layer_without_sub_layers_for_a_block_names_the_layout(block_file):
    path, _ = block_file
    with pytest.raises(SavedFileError, match=r"layers/k_block/stack/dense_1/vars.*ShiftScale.*"
                                             r"\['layers/k_block/vars'\]"):
        tg.models.load_model(path, custom_objects={"f9>KBlock": ShiftScale})


# ---------------------------------------------------------------- 3. an unregistered class
class KUnreg(keras.layers.Layer):
    """Not registered, defined in a script: Keras writes module None, registered_name 'KUnreg' (in a module, Keras
    writes the module's name)."""

    __module__ = "__main__"

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], 2), initializer="ones", name="w")

    def call(self, x):
        return keras.ops.matmul(x, self.w)


class Unreg(Layer):
    def build(self, input_shape):
        self.w = self.add_weight((input_shape[-1], 2), initializer="zeros", name="w")

    def call(self, x):
        return tg.ops.matmul(x, self.w)


@pytest.fixture(scope="module")
def unreg_file(tmp_path_factory):
    theirs = keras.Sequential([keras.Input((3,)), KUnreg(name="u"), keras.layers.Dense(1)])
    rng = np.random.default_rng(7)
    theirs.set_weights([rng.normal(size=w.shape).astype("float32") for w in theirs.get_weights()])
    path = os.path.join(tmp_path_factory.mktemp("unreg"), "unreg.keras")
    theirs.save(path)
    entry = json.loads(zipfile.ZipFile(path).read("config.json"))["config"]["layers"][1]
    assert (entry["module"], entry["registered_name"]) == (None, "KUnreg")
    return path, theirs


def test_an_unregistered_class_loads_with_custom_objects(unreg_file):
    path, theirs = unreg_file
    ours = tg.models.load_model(path, custom_objects={"KUnreg": Unreg})
    x = np.ones((2, 3), "float32")
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=1e-5)


def test_an_unregistered_class_not_given_is_named(unreg_file):
    path, _ = unreg_file
    with pytest.raises(SavedFileError) as info:
        tg.models.load_model(path)
    message = str(info.value)
    assert "custom class 'KUnreg'" in message and "custom_objects={'KUnreg': KUnreg}" in message
    assert ".npz format only" not in message and "a Keras class" not in message


def test_an_unregistered_class_given_a_function_names_the_entry(unreg_file):
    path, _ = unreg_file

    def f(x):
        return x

    with pytest.raises(SavedFileError, match=r"custom_objects\['KUnreg'\] is <function .*not a subclass of "
                                             r"tinygradconv\.layers\.Layer; write"):
        tg.models.load_model(path, custom_objects={"KUnreg": f})


def test_a_keras_class_is_called_so_only_when_given(unreg_file):
    path, _ = unreg_file
    with pytest.raises(SavedFileError) as info:
        tg.models.load_model(path, custom_objects={"Wrong": Unreg})      # ours, under another key
    assert "a Keras class" not in str(info.value)
    with pytest.raises(SavedFileError, match=r"custom_objects\['KUnreg'\] is <class .*KUnreg'>, not a subclass of "
                                             r"tinygradconv\.layers\.Layer \(a Keras class"):
        tg.models.load_model(path, custom_objects={"KUnreg": KUnreg})
