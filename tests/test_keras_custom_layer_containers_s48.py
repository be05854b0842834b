"""Layers of the user's own class that hold a model, or layers in dicts and nested lists, as Keras 3 tracks and
saves them (found by a reviewer of the Keras-file loading of users' own classes):

- a layer holding a ``Sequential`` or functional model: Keras stores the model's layers under
  ``<attribute>/layers/<class>`` (``layers/k_seq/seq/layers/dense/vars``), as it stores a model's layers;
- a layer holding layers in a dict (``{"b": Dense(2), "a": Dense(2)}``) or a nested list (``[[Dense(3)],
  [Dense(2)]]``): Keras tracks them (weights in the order they were put there, depth first) and stores them under
  ``heads/dense``, ``heads/dense_1``, ``grid/container/dense``, ``grid/container_1/dense``; tinygradconv tracked
  none (no weights, nothing trained, silently);
- a property returning a sub-layer: Keras stores it under the property's name, the first time it reaches it.

The reference is Keras' own model (its weights, its predictions, its file, one SGD step) on the same input."""
import io
import os
import zipfile

import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv.layers import Layer

keras = pytest.importorskip("keras")
h5py = pytest.importorskip("h5py")
K, T = keras.layers, tg.layers
register = keras.saving.register_keras_serializable(package="c48")


# ---------------------------------------------------------------- the Keras classes and ours, attribute for attribute
@register
class KSeqHolder(K.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seq = keras.Sequential([K.Dense(4, activation="relu"), K.Dense(2)])
        self.out = K.Dense(3)

    def call(self, x):
        return self.out(self.seq(x))


class SeqHolder(Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seq = tg.models.Sequential([T.Dense(4, activation="relu"), T.Dense(2)])
        self.out = T.Dense(3)

    def call(self, x):
        return self.out(self.seq(x))


@register
class KNetHolder(K.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        inputs = keras.Input((4,))
        self.net = keras.Model(inputs, K.Dense(2)(K.Dense(3, activation="tanh")(inputs)))

    def call(self, x):
        return self.net(x)


class NetHolder(Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        inputs = T.Input((4,))
        self.net = tg.models.Model(inputs, T.Dense(2)(T.Dense(3, activation="tanh")(inputs)))

    def call(self, x):
        return self.net(x)


@register
class KContainers(K.Layer):
    """A dict (not in alphabetical order), a nested list with a tuple and a dict inside, each Dense of its own
    width so that an order mix-up shows in the shapes."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.heads = {"b": K.Dense(2), "a": K.Dense(3)}
        self.grid = [[K.Dense(4)], [K.Dense(5), (K.Dense(6),)], {"q": K.Dense(7)}]

    def call(self, x):
        parts = [self.heads["b"](x), self.heads["a"](x), self.grid[0][0](x), self.grid[1][0](x),
                 self.grid[1][1][0](x), self.grid[2]["q"](x)]
        return keras.ops.concatenate(parts, axis=-1)


class Containers(Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.heads = {"b": T.Dense(2), "a": T.Dense(3)}
        self.grid = [[T.Dense(4)], [T.Dense(5), (T.Dense(6),)], {"q": T.Dense(7)}]

    def call(self, x):
        parts = [self.heads["b"](x), self.heads["a"](x), self.grid[0][0](x), self.grid[1][0](x),
                 self.grid[1][1][0](x), self.grid[2]["q"](x)]
        return tg.ops.concat(parts, axis=-1)


@register
class KWithProperty(K.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.stack = [K.Dense(3), K.Dense(2)]

    @property
    def head(self):
        return self.stack[-1]

    def call(self, x):
        return self.head(self.stack[0](x))


class WithProperty(Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.stack = [T.Dense(3), T.Dense(2)]

    @property
    def head(self):
        return self.stack[-1]

    def call(self, x):
        return self.head(self.stack[0](x))


PAIRS = {"sequential": (KSeqHolder, SeqHolder), "functional": (KNetHolder, NetHolder),
         "containers": (KContainers, Containers), "property": (KWithProperty, WithProperty)}
CUSTOM = {f"c48>{theirs.__name__}": ours for theirs, ours in PAIRS.values()}


def _stored_paths(path):
    weights = zipfile.ZipFile(path).read("model.weights.h5")
    found = []
    with h5py.File(io.BytesIO(weights), "r") as h5:
        h5.visititems(lambda name, obj: found.append(name) if isinstance(obj, h5py.Dataset) else None)
    return found


@pytest.fixture(scope="module")
def keras_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("containers")
    rng = np.random.default_rng(11)
    out = {}
    for key, (theirs_class, _) in PAIRS.items():
        theirs = keras.Sequential([keras.Input((4,)), theirs_class(name="blk")])
        theirs.set_weights([rng.uniform(-1, 1, size=w.shape).astype("float32") for w in theirs.get_weights()])
        path = os.path.join(folder, f"{key}.keras")
        theirs.save(path)
        out[key] = (path, theirs)
    return out


def test_the_files_are_as_described(keras_files):
    """Keras' own layout, which the loader must follow (the paths of the module docstring)."""
    assert "layers/k_seq_holder/seq/layers/dense_1/vars/0" in _stored_paths(keras_files["sequential"][0])
    assert "layers/k_net_holder/net/layers/dense/vars/0" in _stored_paths(keras_files["functional"][0])
    paths = _stored_paths(keras_files["containers"][0])
    for group in ("heads/dense", "heads/dense_1", "grid/container/dense", "grid/container_1/dense",
                  "grid/container_1/container/dense", "grid/container_2/dense"):
        assert f"layers/k_containers/{group}/vars/0" in paths
    assert sorted(_stored_paths(keras_files["property"][0])) == [
        "layers/k_with_property/head/vars/0", "layers/k_with_property/head/vars/1",
        "layers/k_with_property/stack/dense/vars/0", "layers/k_with_property/stack/dense/vars/1"]


@pytest.mark.parametrize("key", list(PAIRS))
def test_loads_predicts_and_trains_as_keras(keras_files, key):
    path, theirs = keras_files[key]
    ours = tg.models.load_model(path, custom_objects=CUSTOM)
    rng = np.random.default_rng(12)
    x = rng.normal(size=(6, 4)).astype("float32")
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    # the same weights in the same order as Keras' model.weights
    assert [tuple(w.shape) for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
    for mine, keras_weight in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(mine, keras_weight, rtol=1e-6)
    # one SGD step moves every weight as Keras moves it (a weight left out of training would stay put)
    y = rng.normal(size=theirs.predict(x, verbose=0).shape).astype("float32")
    theirs_copy = keras.models.clone_model(theirs)
    theirs_copy.set_weights(theirs.get_weights())
    theirs_copy.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    ours.compile(optimizer=tg.optimizers.SGD(0.1), loss="mse")
    loss_theirs = theirs_copy.train_on_batch(x, y)
    loss_ours = ours.train_on_batch(x, y)
    np.testing.assert_allclose(loss_ours, loss_theirs, rtol=1e-5)
    for mine, keras_weight in zip(ours.get_weights(), theirs_copy.get_weights()):
        np.testing.assert_allclose(mine, keras_weight, rtol=1e-5, atol=1e-6)


def test_dict_and_nested_list_weights_in_keras_order():
    theirs, ours = KContainers(), Containers()
    theirs.build((None, 4))
    ours.build((None, 4))
    for layer in (theirs, ours):            # Dense layers built on their first call
        layer(np.zeros((1, 4), "float32"))
    assert [tuple(w.shape) for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
    assert len(ours.weights) == len(theirs.weights) == 12
    assert len(ours.trainable_weights) == len(theirs.trainable_weights) == 12
    ours.trainable = False          # freezing reaches the layers in the containers too, as in Keras
    theirs.trainable = False
    assert [w.requires_grad for w in ours.weights] == [w.trainable for w in theirs.weights] == [False] * 12


def test_a_dict_of_layers_is_trained_the_reviewer_case():
    """``len(layer.weights)`` was 0 (Keras 4), and ``train_on_batch`` left ``heads["a"].kernel`` as it was."""

    class Heads(Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.heads = {"b": T.Dense(2), "a": T.Dense(2)}

        def call(self, x):
            return self.heads["a"](x) + self.heads["b"](x)

    class KHeads(K.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.heads = {"b": K.Dense(2), "a": K.Dense(2)}

        def call(self, x):
            return self.heads["a"](x) + self.heads["b"](x)

    ours = tg.models.Sequential([T.Input((4,)), Heads()])
    theirs = keras.Sequential([keras.Input((4,)), KHeads()])
    assert len(ours.weights) == len(theirs.weights) == 4
    ours.set_weights(theirs.get_weights())
    x, y = np.ones((2, 4), "float32"), np.zeros((2, 2), "float32")
    ours.compile(optimizer=tg.optimizers.SGD(0.1), loss="mse")
    theirs.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    ours.train_on_batch(x, y)
    theirs.train_on_batch(x, y)
    np.testing.assert_allclose(ours.layers[-1].heads["a"].kernel.numpy(),
                               keras.ops.convert_to_numpy(theirs.layers[-1].heads["a"].kernel), rtol=1e-6)


def test_containers_layer_through_npz_predicts_as_keras(keras_files, tmp_path):
    """Loaded from Keras' file, saved as tinygradconv's .npz (model and weights files), read back: Keras'
    predictions."""
    path, theirs = keras_files["containers"]
    ours = tg.models.load_model(path, custom_objects=CUSTOM)
    ours.save(tmp_path / "m.tgc.npz")
    ours.save_weights(tmp_path / "m.weights.npz")
    x = np.random.default_rng(13).normal(size=(3, 4)).astype("float32")
    expected = theirs.predict(x, verbose=0)
    again = tg.models.load_model(tmp_path / "m.tgc.npz", custom_objects={"Containers": Containers})
    np.testing.assert_allclose(again.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)
    fresh = tg.models.Sequential([T.Input((4,)), Containers()])
    fresh.load_weights(tmp_path / "m.weights.npz")
    np.testing.assert_allclose(fresh.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)
