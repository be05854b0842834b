"""``.weights.h5`` files (Keras 3's ``save_weights`` / ``load_weights``) of models holding layers of your own
classes, both ways with Keras 3 (``KERAS_BACKEND=torch``) and Keras models built here from Keras classes holding
the same attributes: our file read by Keras, Keras' file read by us, the same layout as a ``.keras`` file's
weights (by attribute name, trainable first, held layers under their attribute names); a file that does not fit
is refused naming the layer and the weight. And ``model.save("x.tgc.npz")`` of a layer whose constructor argument
is a NumPy array: refused, named, before anything is written."""
import os

import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv import layers
from tinygradconv.saving import SavedFileError

keras = pytest.importorskip("keras")
h5py = pytest.importorskip("h5py")

# (after the importorskip of keras, which that module needs)
from test_keras_custom_layer_save_s49 import (
    KERAS,
    MAKERS,
    PACKAGE,
    Block,
    Shifted,
    WithArray,
    _x,
)


def _keras_model(kind):
    """The Keras model of ``MAKERS[kind]``, made from the Keras classes (not from one of our files)."""
    k_shifted, k_block, k_mine, k_scaled = (KERAS["Shifted"], KERAS["Block"], KERAS["MyLayer"],
                                            KERAS[f"{PACKAGE}>Scaled"])
    if kind == "sequential":
        return keras.Sequential([keras.Input((4,)), k_shifted(3, scale=0.5), k_block(2), keras.layers.Dense(2),
                                 k_mine(), k_scaled(2.0)])
    inp = keras.Input((4,))
    h = k_mine(units=2)(k_block(2)(k_shifted(3, scale=0.5, tag="t")(inp)))
    out = keras.layers.Dense(1)(k_scaled(factor=3.0)(h))
    return (KERAS["FunctionalModel"] if kind == "model_subclass" else keras.Model)(inp, out)


def _randomized(model, seed):
    """``model`` (Keras' or ours) with every weight set to other random values, so that a load is seen."""
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(size=tuple(w.shape)).astype("float32") for w in model.get_weights()])
    return model


def _ours(model, cls):
    return next(layer for layer in model.layers if isinstance(layer, cls))


@pytest.mark.parametrize("kind", list(MAKERS))
def test_ours_read_by_keras(tmp_path, kind):
    model = _randomized(MAKERS[kind](), 1)
    path = os.fspath(tmp_path / "m.weights.h5")
    model.save_weights(path)
    theirs = _randomized(_keras_model(kind), 2)
    theirs.load_weights(path)
    x = _x()
    np.testing.assert_allclose(np.asarray(theirs.predict(x, verbose=0)), model.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-5)
    k_shifted = next(layer for layer in theirs.layers if isinstance(layer, KERAS["Shifted"]))
    # the non-trainable weight made first: Keras stores it second (trainable first), and reads it back into .shift
    np.testing.assert_array_equal(np.asarray(k_shifted.shift.numpy()), _ours(model, Shifted).shift.numpy())
    np.testing.assert_array_equal(np.asarray(k_shifted.kernel.numpy()), _ours(model, Shifted).kernel.numpy())
    k_block = next(layer for layer in theirs.layers if isinstance(layer, KERAS["Block"]))
    np.testing.assert_array_equal(np.asarray(k_block.d.kernel.numpy()), _ours(model, Block).d.kernel.numpy())
    np.testing.assert_array_equal(np.asarray(k_block.d.bias.numpy()), _ours(model, Block).d.bias.numpy())


@pytest.mark.parametrize("kind", list(MAKERS))
def test_keras_file_read_here(tmp_path, kind):
    theirs = _randomized(_keras_model(kind), 3)
    path = os.fspath(tmp_path / "k.weights.h5")
    theirs.save_weights(path)
    model = _randomized(MAKERS[kind](), 4)
    model.load_weights(path)
    x = _x()
    np.testing.assert_allclose(model.predict(x, verbose=0), np.asarray(theirs.predict(x, verbose=0)),
                               rtol=1e-5, atol=1e-5)
    k_shifted = next(layer for layer in theirs.layers if isinstance(layer, KERAS["Shifted"]))
    np.testing.assert_array_equal(_ours(model, Shifted).shift.numpy(), np.asarray(k_shifted.shift.numpy()))
    k_block = next(layer for layer in theirs.layers if isinstance(layer, KERAS["Block"]))
    np.testing.assert_array_equal(_ours(model, Block).d.kernel.numpy(), np.asarray(k_block.d.kernel.numpy()))


def test_hand_computed_output_after_loading_keras_weights(tmp_path):
    """Shifted's output by its formula, (x @ kernel) * scale + shift, with the arrays Keras wrote (set by hand)."""
    kernel = np.arange(12, dtype="float32").reshape(4, 3) / 10
    shift = np.array([1.0, -2.0, 0.5], dtype="float32")
    theirs = keras.Sequential([keras.Input((4,)), KERAS["Shifted"](3, scale=0.5)])
    theirs.layers[0].kernel.assign(kernel)
    theirs.layers[0].shift.assign(shift)
    path = os.fspath(tmp_path / "k.weights.h5")
    theirs.save_weights(path)
    model = tg.models.Sequential([layers.Input((4,)), Shifted(3, scale=0.5)])
    model.load_weights(path)
    x = np.array([[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 2.0, -1.0]], dtype="float32")
    # row 0: kernel[0] * 0.5 + shift = [0, .05, .1] + shift
    # row 1: (kernel[1] + 2 kernel[2] - kernel[3]) * 0.5 + shift = [.6, .8, 1.0] * 0.5 + shift
    expected = np.array([[1.0, -1.95, 0.6], [1.3, -1.6, 1.0]], dtype="float32")
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-6, atol=1e-6)


def test_same_layout_as_the_keras_file_weights(tmp_path):
    """The .weights.h5 file holds the datasets of the .keras archive's model.weights.h5, path for path."""
    import io
    import zipfile

    model = MAKERS["functional"]()
    model.save(os.fspath(tmp_path / "m.keras"))
    model.save_weights(os.fspath(tmp_path / "m.weights.h5"))

    def datasets(h5):
        found = {}

        def visit(name, obj):       # (returns None: visititems stops at a value)
            if isinstance(obj, h5py.Dataset):
                found[name] = np.asarray(obj)

        h5.visititems(visit)
        return found

    with zipfile.ZipFile(tmp_path / "m.keras") as archive, \
            h5py.File(io.BytesIO(archive.read("model.weights.h5")), "r") as h5:
        in_archive = datasets(h5)
    with h5py.File(tmp_path / "m.weights.h5", "r") as h5:
        in_file = datasets(h5)
    assert sorted(in_file) == sorted(in_archive)
    for name in in_file:
        np.testing.assert_array_equal(in_file[name], in_archive[name])
    shifted = _ours(model, Shifted)
    np.testing.assert_array_equal(in_file["layers/shifted/vars/0"], shifted.kernel.numpy())     # trainable first
    np.testing.assert_array_equal(in_file["layers/shifted/vars/1"], shifted.shift.numpy())
    np.testing.assert_array_equal(in_file["layers/block/d/vars/0"], _ours(model, Block).d.kernel.numpy())


def test_load_weights_of_a_keras_archive_with_custom_layers(tmp_path):
    model = _randomized(MAKERS["functional"](), 5)
    model.save(os.fspath(tmp_path / "m.keras"))
    fresh = _randomized(MAKERS["functional"](), 6)
    fresh.load_weights(os.fspath(tmp_path / "m.keras"))
    for a, b in zip(model.weights, fresh.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def _edited(tmp_path, edit):
    model = MAKERS["functional"]()
    path = os.fspath(tmp_path / "e.weights.h5")
    model.save_weights(path)
    with h5py.File(path, "r+") as h5:
        edit(h5)
    return path


def _unchanged_after(model, load):
    before = [w.numpy().copy() for w in model.weights]
    with pytest.raises(SavedFileError) as info:
        load()
    for a, b in zip(before, model.weights):
        np.testing.assert_array_equal(a, b.numpy())
    return str(info.value)


def test_a_missing_weight_is_named(tmp_path):
    path = _edited(tmp_path, lambda h5: h5.__delitem__("layers/shifted/vars/1"))
    model = MAKERS["functional"]()
    message = _unchanged_after(model, lambda: model.load_weights(path))
    shifted = _ours(model, Shifted)
    assert f"Layer '{shifted.name}' expected 2 variables, but received 1" in message
    assert "'layers/shifted/vars'" in message and f"'{shifted.shift.path}'" in message


def test_another_shape_is_named(tmp_path):
    def reshape(h5):
        del h5["layers/block/d/vars/0"]
        h5["layers/block/d/vars"].create_dataset("0", data=np.zeros((5, 2), "float32"))

    path = _edited(tmp_path, reshape)
    model = MAKERS["functional"]()
    message = _unchanged_after(model, lambda: model.load_weights(path))
    block = _ours(model, Block)
    assert f"layer '{block.name}': weight '{block.d.kernel.path}' has shape (3, 2), the file has (5, 2) under " \
           "'layers/block/d/vars'" in message


def test_a_held_layer_stored_elsewhere_is_named(tmp_path):
    """The Dense held as self.d in the model, stored as self.dense by another Keras class: layer and paths named."""
    def move(h5):
        h5.move("layers/block/d", "layers/block/dense")

    path = _edited(tmp_path, move)
    model = MAKERS["functional"]()
    message = _unchanged_after(model, lambda: model.load_weights(path))
    assert f"layer '{_ours(model, Block).name}' of your own class Block does not hold its weights where the " \
           "Keras layer stored them" in message
    assert "'layers/block/dense/vars'" in message and "'layers/block/d/vars'" in message
    assert "Block in the model has them under" in message


def test_skip_mismatch_skips_the_custom_layer_only(tmp_path):
    path = _edited(tmp_path, lambda h5: h5.__delitem__("layers/shifted/vars/1"))
    source = h5py.File(path, "r")
    stored_dense = np.asarray(source["layers/dense/vars/0"])
    source.close()
    model = _randomized(MAKERS["functional"](), 7)
    kept = _ours(model, Shifted).kernel.numpy().copy()
    with pytest.warns(UserWarning, match=f"1 layer\\(s\\) could not be loaded .*'{_ours(model, Shifted).name}'"):
        model.load_weights(path, skip_mismatch=True)
    np.testing.assert_array_equal(_ours(model, Shifted).kernel.numpy(), kept)
    np.testing.assert_array_equal(model.layers[-1].kernel.numpy(), stored_dense)


# ----------------------------------------------------------------------------------------------- .npz
def test_npz_refuses_an_array_argument_naming_the_layer(tmp_path):
    inp = layers.Input((4,))
    model = tg.models.Model(inp, WithArray(table=np.ones(2), name="lookup")(inp))
    path = tmp_path / "x.tgc.npz"
    path.write_bytes(b"old content")
    with pytest.raises(ValueError, match="layer 'lookup' \\(WithArray\\) was made with the argument 'table' "
                                         "holding a numpy.ndarray") as info:
        model.save(os.fspath(path))
    assert "x.tgc.npz" in str(info.value) and "save_weights" in str(info.value) and "get_config()" in str(info.value)
    assert path.read_bytes() == b"old content"
    assert sorted(os.listdir(tmp_path)) == ["x.tgc.npz"]       # no temporary file left
    # in a nested Sequential too, and the weights alone still save
    nested = tg.models.Sequential([layers.Input((4,)), tg.models.Sequential([WithArray(table=np.ones(2),
                                                                                        name="deep")])])
    with pytest.raises(ValueError, match="layer 'deep' \\(WithArray\\)"):
        nested.save(os.fspath(tmp_path / "n.tgc.npz"))
    assert not (tmp_path / "n.tgc.npz").exists()
    model.save_weights(os.fspath(tmp_path / "w.npz"))


def test_npz_refuses_a_get_config_returning_an_array(tmp_path):
    from test_keras_custom_layer_save_s49 import ArrayConfig

    model = tg.models.Sequential([layers.Input((4,)), ArrayConfig([1.0, 2.0], name="arr")])
    with pytest.raises(ValueError, match="layer 'arr' \\(ArrayConfig\\): its get_config\\(\\) returns "
                                         "config\\['table'\\] = a numpy.ndarray, which a .npz file cannot hold"):
        model.save(os.fspath(tmp_path / "a.tgc.npz"))
    assert not (tmp_path / "a.tgc.npz").exists()


def test_a_layer_whose_get_config_raises_still_writes_its_weights(tmp_path):
    """A .weights.h5 file needs no config (Keras 3's save_weights does not call get_config): a layer whose
    get_config() raises writes its weights, and Keras reads them."""
    class NoConfig(layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], 2))

        def call(self, x):
            return x @ self.w

        def get_config(self):
            raise NotImplementedError("no config")

    class KerasNoConfig(keras.layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], 2))

        def call(self, x):
            return x @ self.w

    KerasNoConfig.__name__ = "NoConfig"         # Keras finds the weights by the class's snake-case name
    inp = layers.Input((3,))
    model = _randomized(tg.models.Model(inp, NoConfig()(inp)), 8)
    path = os.fspath(tmp_path / "n.weights.h5")
    model.save_weights(path)
    k_inp = keras.Input((3,))
    theirs = _randomized(keras.Model(k_inp, KerasNoConfig()(k_inp)), 9)
    theirs.load_weights(path)
    np.testing.assert_array_equal(np.asarray(theirs.layers[-1].w.numpy()), model.layers[-1].w.numpy())
