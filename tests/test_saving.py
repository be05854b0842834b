"""Saving: round trips, the key layout, atomic writes, and refusal of damaged, mismatched or pickle-bearing files."""
import json
import os
import zipfile

import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv import saving
from tinygradconv.layers import BatchNormalization, Dense, Dropout, Layer
from tinygradconv.models import Model, Sequential, load_model
from tinygradconv.saving import SavedFileError


def make_model(units=3, seed=0):
    tg.random.set_seed(seed)
    model = Sequential([Dense(4, activation="tanh"), BatchNormalization(), Dropout(0.3), Dense(units)])
    model(np.zeros((2, 5)))
    return model


def randomize(model, seed):
    rng = np.random.default_rng(seed)
    values = [rng.normal(size=w.shape) for w in model.weights]
    model.set_weights([np.abs(v) + 0.5 if "variance" in w.name else v for v, w in zip(values, model.weights)])


def weights_equal(a, b):
    return all(np.array_equal(x, y) for x, y in zip(a, b)) and len(a) == len(b)


@pytest.fixture
def x():
    return np.random.default_rng(9).normal(size=(6, 5))


# ------------------------------------------------------------------------------------------ round trips
def test_weights_round_trip_into_a_new_model(tmp_path, x):
    model = make_model()
    randomize(model, 1)
    path = tmp_path / "model.weights.npz"
    model.save_weights(path)
    other = make_model(seed=5)  # same architecture, different (globally unique) layer names and values
    assert other.layers[0].name != model.layers[0].name
    other.load_weights(path)
    assert weights_equal(other.get_weights(), model.get_weights())
    np.testing.assert_array_equal(other.predict(x), model.predict(x))


def test_keys_follow_the_layer_classes(tmp_path):
    model = make_model()
    path = tmp_path / "w.npz"
    model.save_weights(path)
    with np.load(path, allow_pickle=False) as data:
        keys = [k for k in data.files if k != saving.META_KEY]
        stored = {k: data[k] for k in keys}
    assert keys == ["dense/kernel", "dense/bias", "batch_normalization/gamma", "batch_normalization/beta",
                    "batch_normalization/moving_mean", "batch_normalization/moving_variance",
                    "dense_1/kernel", "dense_1/bias"]
    for key, weight in zip(keys, model.weights):
        np.testing.assert_array_equal(stored[key], weight.numpy())


def test_conv1d_transpose_key(tmp_path):
    from tinygradconv.layers import Conv1DTranspose

    model = Sequential([Conv1DTranspose(2, 3, strides=2)])
    model(np.zeros((1, 4, 1)))
    model.save_weights(tmp_path / "c.npz")
    with np.load(tmp_path / "c.npz", allow_pickle=False) as data:
        assert "conv1d_transpose/kernel" in data.files and data["conv1d_transpose/kernel"].shape == (3, 2, 1)


def test_nested_keys():
    class Block(Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.inner = Sequential([Dense(2), Dense(2)])
            self.head = Dense(1)

        def call(self, inputs, training=None):
            return self.head(self.inner(inputs))

    block = Block()
    block(np.zeros((1, 3)))
    assert [key for key, _ in saving.weight_keys(block)] == [
        "sequential/dense/kernel", "sequential/dense/bias", "sequential/dense_1/kernel", "sequential/dense_1/bias",
        "dense/kernel", "dense/bias"]


def test_model_round_trip(tmp_path, x):
    model = make_model()
    randomize(model, 2)
    model.compile(optimizer="adam", loss="mse")
    model.optimizer.learning_rate = 0.01  # e.g. by a LearningRateScheduler: the current value is saved
    path = tmp_path / "model.tgc.npz"
    model.save(path)
    loaded = load_model(path)
    assert type(loaded) is Sequential
    assert [type(layer).__name__ for layer in loaded.layers] == ["Dense", "BatchNormalization", "Dropout", "Dense"]
    assert loaded.layers[0].get_config()["activation"] == model.layers[0].get_config()["activation"]
    assert weights_equal(loaded.get_weights(), model.get_weights())
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    assert loaded.compiled and type(loaded.optimizer).__name__ == "Adam"
    assert loaded.optimizer.learning_rate == pytest.approx(0.01)
    loaded.fit(x, np.zeros((6, 3)), epochs=1, verbose=0)  # ready to train


class Custom(Model):
    def __init__(self, width=3, **kwargs):
        super().__init__(**kwargs)
        self.first = Dense(width, activation="relu")
        self.second = Dense(2)

    def call(self, inputs, training=None):
        return self.second(self.first(inputs))


def test_subclassed_model_round_trip_needs_custom_objects(tmp_path, x):
    model = Custom(width=4)
    model(x)
    path = tmp_path / "custom.tgc.npz"
    model.save(path)
    with pytest.raises(SavedFileError, match="Custom"):
        load_model(path)
    loaded = load_model(path, custom_objects={"Custom": Custom})
    assert loaded.first.get_config()["units"] == 4
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))


def test_load_model_of_a_weights_file(tmp_path):
    model = make_model()
    model.save_weights(tmp_path / "w.npz")
    with pytest.raises(SavedFileError, match="only weights"):
        load_model(tmp_path / "w.npz")


def test_plain_numpy_archive_loads_as_weights(tmp_path, x):
    model = make_model()
    arrays = {key: np.full(w.shape, 0.25) for key, w in saving.weight_keys(model)}
    with open(tmp_path / "plain.npz", "wb") as f:
        np.savez(f, **arrays)
    model.load_weights(tmp_path / "plain.npz")
    assert all(np.all(w == 0.25) for w in model.get_weights())
    assert model.weights[0].numpy().dtype == np.float32  # cast to the weight's dtype


# ------------------------------------------------------------------------------------------ atomicity
def test_write_is_atomic_when_interrupted(tmp_path, monkeypatch):
    model = make_model()
    path = tmp_path / "model.weights.npz"
    model.save_weights(path)
    before = path.read_bytes()
    randomize(model, 3)
    calls = []
    original = np.lib.format.write_array

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:  # a few members in: the temporary file is half written
            raise OSError("disk full (simulated)")
        return original(*args, **kwargs)

    monkeypatch.setattr(np.lib.format, "write_array", failing)
    with pytest.raises(OSError, match="simulated"):
        model.save_weights(path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.weights.npz"]  # no temporary file left behind


def test_write_is_atomic_when_the_rename_fails(tmp_path, monkeypatch):
    path = tmp_path / "m.npz"
    path.write_bytes(b"old content")

    def failing_replace(src, dst):
        raise OSError("rename failed (simulated)")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="simulated"):
        make_model().save(path)
    assert path.read_bytes() == b"old content"
    assert os.listdir(tmp_path) == ["m.npz"]


def test_temporary_file_is_fsynced_before_the_rename(tmp_path, monkeypatch):
    events = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: events.append("fsync") or real_fsync(fd))
    monkeypatch.setattr(os, "replace",
                        lambda a, b: events.append(("replace", os.path.dirname(a))) or real_replace(a, b))
    make_model().save_weights(tmp_path / "w.npz")
    assert events[0] == "fsync" and events[1] == ("replace", str(tmp_path))  # same directory, synced first


def test_save_needs_npz_suffix_and_existing_directory(tmp_path):
    model = make_model()
    with pytest.raises(ValueError, match=r"filepath.*end in `\.npz`.*or `\.weights\.h5` for Keras 3's weights"):
        model.save_weights(tmp_path / "weights.h5")             # Keras refuses a plain .h5 too
    with pytest.raises(FileNotFoundError):
        model.save(tmp_path / "missing" / "m.npz")


def test_unbuilt_model_cannot_be_saved(tmp_path):
    with pytest.raises(ValueError, match="build"):
        Sequential([Dense(2)]).save_weights(tmp_path / "w.npz")


# ------------------------------------------------------------------------------------------ bad files
def assert_unchanged(model, snapshot):
    assert weights_equal(model.get_weights(), snapshot)


def assert_load_refused(model, path, match, seed):
    """Loading ``path`` into ``model`` (its weights first randomized with ``seed``) raises a SavedFileError matching
    ``match`` and leaves every weight as it was."""
    randomize(model, seed)
    snapshot = model.get_weights()
    with pytest.raises(SavedFileError, match=match):
        model.load_weights(path)
    assert_unchanged(model, snapshot)


def test_missing_file(tmp_path):
    model = make_model()
    with pytest.raises(FileNotFoundError, match="nope.npz"):
        model.load_weights(tmp_path / "nope.npz")
    with pytest.raises(FileNotFoundError, match="nope.npz"):
        load_model(tmp_path / "nope.npz")


@pytest.mark.parametrize("keep", [0.5, 0.9, 0.1])
def test_truncated_file(tmp_path, keep):
    model = make_model()
    path = tmp_path / "w.npz"
    model.save_weights(path)
    data = path.read_bytes()
    path.write_bytes(data[:int(len(data) * keep)])
    assert_load_refused(model, path, "w.npz", seed=4)


def test_corrupted_bytes_are_detected(tmp_path):
    model = make_model()
    path = tmp_path / "w.npz"
    model.save_weights(path)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("dense_1/kernel.npy")
    offset = info.header_offset + 30 + len(info.filename) + 140  # inside the array data of a late member
    data[offset] ^= 0xFF
    path.write_bytes(bytes(data))
    assert_load_refused(model, path, "corrupted", seed=5)


def test_not_an_archive(tmp_path):
    model = make_model()
    (tmp_path / "junk.npz").write_bytes(b"this is not a zip file at all")
    np.save(tmp_path / "single.npy", np.zeros(3))
    os.replace(tmp_path / "single.npy", tmp_path / "single.npz")
    for name in ("junk.npz", "single.npz"):
        with pytest.raises(SavedFileError, match=name):
            model.load_weights(tmp_path / name)


def test_wrong_shapes_name_the_weight_and_both_shapes(tmp_path):
    small = make_model(units=3)
    small.save_weights(tmp_path / "w.npz")
    big = make_model(units=7)
    snapshot = big.get_weights()
    with pytest.raises(SavedFileError) as info:
        big.load_weights(tmp_path / "w.npz")
    message = str(info.value)
    assert "w.npz" in message and "dense_1/kernel" in message and "(4, 7)" in message and "(4, 3)" in message
    assert_unchanged(big, snapshot)  # the first layers, which matched, were not assigned either


def test_missing_and_extra_keys(tmp_path):
    model = make_model()
    arrays = {key: w.numpy() for key, w in saving.weight_keys(model)}
    snapshot = model.get_weights()
    missing = dict(arrays)
    del missing["dense_1/bias"]
    extra = dict(arrays, **{"dense_2/kernel": np.zeros((2, 2))})
    for name, content, expected in (("missing.npz", missing, "dense_1/bias"), ("extra.npz", extra, "dense_2/kernel")):
        with open(tmp_path / name, "wb") as f:
            np.savez(f, **content)
        with pytest.raises(SavedFileError, match=expected):
            model.load_weights(tmp_path / name)
        assert_unchanged(model, snapshot)


def test_loading_into_an_unbuilt_model_says_build(tmp_path):
    """Keras 3's ValueError, "You are loading weights into a model that has not yet been built", for .npz too."""
    make_model().save_weights(tmp_path / "w.npz")
    with pytest.raises(ValueError, match="not yet been built.*build"):
        Sequential([Dense(4)]).load_weights(tmp_path / "w.npz")


def test_unbuilt_model_message_suggests_a_shape_that_fits_its_first_layer(tmp_path):
    """Found by a tester: ``load_weights`` into an unbuilt ``Sequential([Dense(3), Dense(1)])`` suggested
    ``model.build((None, 16, 1)) for samples of 16 steps of 1 channel``, a shape for sequences (a Dense built on it
    gets a kernel of one row). Hand-written expectations: a rank-2 shape of features for a Dense, steps and
    channels for a Conv1D, the data's own shape otherwise; and calling the model on a batch in every case."""
    from tinygradconv.layers import Activation, Conv1D

    make_model().save_weights(tmp_path / "w.npz")
    generic = "model.build((None, *x.shape[1:])) with the shape of your data x, batch axis first"
    cases = ((Sequential([Dense(3), Dense(1)]), "model.build((None, 8)) for samples of 8 features"),
             (Sequential([Conv1D(2, 3), Dense(1)]), "model.build((None, 16, 1)) for samples of 16 steps of 1 channel"),
             (Sequential([Activation("relu"), Dense(1)]), generic))
    for model, suggestion in cases:
        with pytest.raises(ValueError, match="not yet been built") as info:
            model.load_weights(tmp_path / "w.npz")
        message = str(info.value)
        assert "model(x[:1]) on a batch of your data x" in message and suggestion in message, message
        assert ("steps" in message) == isinstance(model.layers[0], Conv1D), message


class Evil:
    """Unpickling this object would create a directory: proof that nothing is unpickled."""

    target = None

    def __reduce__(self):
        return (os.mkdir, (Evil.target,))


def test_pickle_bearing_file_is_rejected_without_unpickling(tmp_path):
    model = make_model()
    Evil.target = str(tmp_path / "pwned")
    arrays = {key: w.numpy() for key, w in saving.weight_keys(model)}
    arrays["dense/kernel"] = np.array([Evil()], dtype=object)
    with open(tmp_path / "evil.npz", "wb") as f:
        np.savez(f, **arrays)
    snapshot = model.get_weights()
    with pytest.raises(SavedFileError, match="pickle"):
        model.load_weights(tmp_path / "evil.npz")
    with pytest.raises(SavedFileError, match="pickle"):
        load_model(tmp_path / "evil.npz")
    assert not os.path.exists(Evil.target)
    assert_unchanged(model, snapshot)


def test_corrupted_metadata(tmp_path):
    model = make_model()
    arrays = {key: w.numpy() for key, w in saving.weight_keys(model)}
    arrays[saving.META_KEY] = np.frombuffer(b"{not json", dtype=np.uint8)
    with open(tmp_path / "meta.npz", "wb") as f:
        np.savez(f, **arrays)
    with pytest.raises(SavedFileError, match="metadata"):
        load_model(tmp_path / "meta.npz")


@pytest.mark.parametrize("key, value, message", [
    ("format_version", "2", "format_version '2' is not an integer"),
    ("format_version", None, "format_version None is not an integer"),
    ("build_input_shape", "abc", "build_input_shape 'abc' is not a list of integers"),
])
def test_metadata_of_the_wrong_type_is_named(tmp_path, key, value, message):
    """Found by a tester: ``"format_version": "2"`` raised a bare TypeError ('>' between str and int), and a
    string ``build_input_shape`` an error about an argument the user never passed."""
    model = make_model()
    model.save(tmp_path / "m.npz")
    arrays = dict(np.load(tmp_path / "m.npz"))
    meta = json.loads(arrays[saving.META_KEY].tobytes())
    meta[key] = value
    arrays[saving.META_KEY] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    with open(tmp_path / "bad.npz", "wb") as f:
        np.savez(f, **arrays)
    with pytest.raises(SavedFileError, match=rf"bad\.npz.*{message}"):
        load_model(tmp_path / "bad.npz")


def test_overwriting_a_file_open_may_not_write_is_refused_as_open_refuses_it(tmp_path, monkeypatch):
    """A read-only destination was replaced (the move needs only the folder to be writable), where Keras, ``open``
    and ``np.savez`` raise PermissionError (found by a tester). The check is ``open``'s own: a user whom
    permissions do not stop (root) may still write, so the refusal is also checked with the destination made
    unwritable for this process by a stand-in ``os.open``."""
    model = make_model()
    path = tmp_path / "w.npz"
    model.save_weights(path)
    os.chmod(path, 0o444)
    before = path.read_bytes()
    try:
        open(path, "ab").close()
    except PermissionError:
        with pytest.raises(PermissionError):
            model.save_weights(path)
    else:
        model.save_weights(path)
    real_open = os.open

    def refuse_the_destination(name, flags, *args, **kwargs):
        if os.fspath(name) == str(path) and flags & os.O_WRONLY:
            raise PermissionError(13, "Permission denied", str(name))
        return real_open(name, flags, *args, **kwargs)

    os.chmod(path, 0o644)
    path.write_bytes(before)
    monkeypatch.setattr(os, "open", refuse_the_destination)
    with pytest.raises(PermissionError, match="Permission denied"):
        model.save_weights(path)
    monkeypatch.undo()
    assert path.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["w.npz"]  # no temp file


def test_custom_layer_without_config_support_needs_custom_objects(tmp_path):
    class Scale(Layer):
        def build(self, input_shape):
            self.w = self.add_weight((input_shape[-1],), initializer="ones", name="w")

        def call(self, inputs):
            return inputs * self.w

    model = Sequential([Scale()])
    model(np.ones((1, 2)))
    model.save(tmp_path / "s.npz")
    with pytest.raises(SavedFileError, match="custom_objects"):
        load_model(tmp_path / "s.npz")
    loaded = load_model(tmp_path / "s.npz", custom_objects={"Scale": Scale})
    np.testing.assert_array_equal(loaded.predict(np.ones((1, 2))), np.ones((1, 2)))


def test_compile_config_with_loss_and_metric_objects(tmp_path, x):
    model = make_model()
    model.compile(optimizer=tg.optimizers.SGD(learning_rate=0.2, momentum=0.5),
                  loss=tg.losses.MeanAbsoluteError(), metrics=["mse", tg.metrics.MeanAbsoluteError(name="err")],
                  weighted_metrics=["mse"])
    model.save(tmp_path / "m.npz")
    loaded = load_model(tmp_path / "m.npz")
    assert type(loaded.optimizer).__name__ == "SGD" and loaded.optimizer.momentum == pytest.approx(0.5)
    assert type(loaded.loss).__name__ == "MeanAbsoluteError"
    assert loaded.metrics_names == ["loss", "mse", "err", "weighted_mse"]
    assert load_model(tmp_path / "m.npz", compile=False).compiled is False

    def plain_loss(y_true, y_pred):
        return ((y_true - y_pred) ** 2).mean()

    model.compile(optimizer="sgd", loss=plain_loss)  # a function cannot be saved: the model reloads uncompiled
    model.save(tmp_path / "f.npz")
    assert load_model(tmp_path / "f.npz").compiled is False


def test_model_whose_config_cannot_be_recorded_is_not_saved(tmp_path):
    class Wrapper(Model):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def call(self, inputs, training=None):
            return self.inner(inputs)

    model = Wrapper(Dense(2))  # a layer as a constructor argument is not JSON
    model(np.zeros((1, 3)))
    with pytest.raises(NotImplementedError, match="get_config"):
        model.save(tmp_path / "w.npz")
    assert os.listdir(tmp_path) == []
    model.save_weights(tmp_path / "w.npz")  # the weights alone are fine
    assert os.listdir(tmp_path) == ["w.npz"]


@pytest.mark.parametrize("call", ["load_model", "load_weights", "CSVLogger", "ModelCheckpoint", "save", "save_weights"])
@pytest.mark.parametrize("value", [None, 3])
def test_a_path_that_is_not_one_is_a_type_error_naming_the_argument(call, value):
    """Found by a tester: load_model(None) raised Python's own "expected str, bytes or os.PathLike object", which
    names no argument."""
    from tinygradconv import callbacks

    model = Sequential([tg.layers.Input((2,)), Dense(1)])
    calls = {"load_model": lambda: load_model(value), "load_weights": lambda: model.load_weights(value),
             "CSVLogger": lambda: callbacks.CSVLogger(value),
             "ModelCheckpoint": lambda: callbacks.ModelCheckpoint(value),
             "save": lambda: model.save(value), "save_weights": lambda: model.save_weights(value)}
    name = "filename" if call == "CSVLogger" else "filepath"
    with pytest.raises(TypeError, match=rf"Invalid type for argument `{name}`\. Expected a path\. Received {value}$"):
        calls[call]()


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links on this platform")
def test_saving_through_a_symbolic_link_writes_its_target(tmp_path, x):
    """As ``open(link, "w")`` and ``np.savez``: the link stays a link and its target gets the new file (found by a
    tester: the atomic rename replaced the link with a regular file)."""
    model = Sequential([Dense(2)])
    model(x)
    target = tmp_path / "real.weights.npz"
    target.write_bytes(b"old")
    link = tmp_path / "link.weights.npz"
    os.symlink(target, link)
    model.save_weights(link)
    assert link.is_symlink() and os.path.realpath(link) == str(target)
    with np.load(target) as archive:
        assert len(archive.files) >= 2


def orthogonal(shape, dtype=None):     # a user's initializer that happens to share a built-in's name
    return np.full(shape, 0.25)


def constant_quarter(shape, dtype=None):
    return np.full(shape, 0.25)


def test_functions_that_would_load_back_as_something_else_are_refused_when_written(tmp_path):
    """Found by a tester: a user's initializer named `orthogonal` was written as "orthogonal", so JSON, clone_model
    and saved files read back tinygradconv's Orthogonal initializer silently ([0.454, -0.262] instead of 0.25);
    a lambda was written as "<lambda>", a file that could not be loaded. Both are now refused when written."""
    from tinygradconv import layers, models

    for kwargs, words in (({"kernel_initializer": orthogonal}, ("would read it back as tinygradconv's own "
                                                                "initializer 'orthogonal'")),
                          ({"activation": lambda x: x}, "a lambda or a function defined inside another function"),
                          ({"kernel_initializer": lambda shape, dtype=None: np.zeros(shape)}, "a lambda")):
        model = models.Sequential([layers.Input((3,)), layers.Dense(2, **kwargs)])
        with pytest.raises(ValueError, match=words):
            model.save(tmp_path / "m.npz")
        with pytest.raises(ValueError, match=words):
            models.clone_model(model)
        assert not list(tmp_path.iterdir())
    # a function of its own name is written by name (loading it then needs that name to be known)
    dense = layers.Dense(2, kernel_initializer=constant_quarter)
    assert dense.get_config()["kernel_initializer"] == "constant_quarter"


# ----------------------------------------------------------------------------------------------- Keras' arguments
def _keras_pair(lib, units):
    return lib.Sequential([lib.layers.Input((4,)), lib.layers.Dense(3, name="first"),
                           lib.layers.Dense(units, name="second")])


class _Ours:
    Sequential = Sequential
    layers = tg.layers


@pytest.mark.parametrize("suffix", [".tgc.npz", ".keras"])
def test_save_overwrite_as_keras(tmp_path, suffix):
    """Keras 3's ``model.save(path, overwrite=...)``: True replaces the file; with False Keras asks on the terminal,
    which a program cannot answer, so ours refuses (FileExistsError) and leaves the file. Refused before as an
    unexpected keyword argument."""
    if suffix == ".keras":
        pytest.importorskip("h5py", reason="h5py (the keras-format extra) reads and writes .keras files")
    path = tmp_path / f"m{suffix}"
    model = make_model(seed=1)
    model.save(path, overwrite=True)
    before = path.read_bytes()
    with pytest.raises(FileExistsError, match="overwrite=False.*overwrite=True"):
        model.save(path, overwrite=False)
    assert path.read_bytes() == before
    randomize(model, 2)
    model.save(path, overwrite=True)
    assert weights_equal(load_model(path).get_weights(), model.get_weights())
    model.save(tmp_path / f"new{suffix}", overwrite=False)     # no file there: written
    weights = tmp_path / "w.weights.npz"
    model.save_weights(weights, overwrite=False)
    with pytest.raises(FileExistsError, match="overwrite"):
        model.save_weights(weights, overwrite=False)
    with pytest.raises(TypeError, match="overwrite.*Received overwrite='no'"):
        model.save(path, overwrite="no")


def test_load_model_accepts_safe_mode(tmp_path, x):
    path = tmp_path / "m.tgc.npz"
    model = make_model(seed=3)
    model.save(path)
    for safe_mode in (True, False):
        assert weights_equal(tg.models.load_model(path, safe_mode=safe_mode).get_weights(), model.get_weights())
        assert weights_equal(saving.load_model(path, safe_mode=safe_mode).get_weights(), model.get_weights())
    with pytest.raises(TypeError, match="safe_mode"):
        load_model(path, safe_mode="yes")


@pytest.mark.parametrize("suffix", [".weights.npz", ".weights.h5"])
def test_load_weights_skip_mismatch_skips_the_layers_that_do_not_fit_as_keras(tmp_path, suffix):
    """Keras 3: with skip_mismatch=True the layer whose weights do not fit keeps its own, with a warning, and the
    others load (checked against Keras for .weights.h5); without it the load is refused, here leaving the model
    unchanged."""
    from helpers import keras_on_torch

    keras = keras_on_torch("Keras 3 is the reference for load_weights(skip_mismatch=True)")
    source = _keras_pair(_Ours, 2)
    randomize(source, 4)
    path = tmp_path / f"source{suffix}"
    source.save_weights(path)
    ours, theirs = _keras_pair(_Ours, 5), _keras_pair(keras, 5)
    theirs.set_weights(ours.get_weights())
    before = ours.get_weights()
    layer = "second" if suffix == ".weights.h5" else "dense_1"     # (.npz keys name layers by class)
    with pytest.raises(SavedFileError, match=layer):
        ours.load_weights(path)
    assert all(np.array_equal(a, b) for a, b in zip(ours.get_weights(), before))
    with pytest.warns(UserWarning, match=r"skip_mismatch=True: 1 layer\(s\) could not be loaded.*" + layer):
        ours.load_weights(path, skip_mismatch=True)
    got = ours.get_weights()
    np.testing.assert_array_equal(got[0], source.get_weights()[0])       # 'first' loaded
    np.testing.assert_array_equal(got[1], source.get_weights()[1])
    np.testing.assert_array_equal(got[2], before[2])                     # 'second' kept
    np.testing.assert_array_equal(got[3], before[3])
    if suffix == ".weights.h5":
        with pytest.warns(UserWarning, match="could not be loaded"):
            theirs.load_weights(path, skip_mismatch=True)
        for a, b in zip(theirs.get_weights(), got):
            np.testing.assert_array_equal(a, b)
    with pytest.raises(TypeError, match="skip_mismatch"):
        ours.load_weights(path, skip_mismatch="yes")


def test_load_weights_reads_a_keras_archive_as_keras(tmp_path):
    """Keras 3's ``load_weights`` takes a ``.keras`` file and reads the weights it holds; ours refused it as "not a
    tinygradconv archive", even one our own ``save`` wrote (found by a tester). Both ways with Keras, and
    ``skip_mismatch`` there too."""
    from helpers import keras_on_torch

    keras = keras_on_torch("Keras 3 is the reference for load_weights of a .keras file")
    ours = _keras_pair(_Ours, 2)
    randomize(ours, 7)
    ours.save(tmp_path / "ours.keras")
    theirs = _keras_pair(keras, 2)
    theirs.load_weights(tmp_path / "ours.keras")
    again = _keras_pair(_Ours, 2)
    again.load_weights(tmp_path / "ours.keras")
    for got in (theirs.get_weights(), again.get_weights()):
        assert weights_equal(got, ours.get_weights())
    keras_made = _keras_pair(keras, 2)
    keras_made.save(tmp_path / "theirs.keras")
    again.load_weights(tmp_path / "theirs.keras")
    assert weights_equal(again.get_weights(), keras_made.get_weights())
    other = _keras_pair(_Ours, 5)
    before = other.get_weights()
    with pytest.warns(UserWarning, match=r"skip_mismatch=True: 1 layer\(s\) could not be loaded.*second"):
        other.load_weights(tmp_path / "ours.keras", skip_mismatch=True)
    assert weights_equal(other.get_weights()[:2], ours.get_weights()[:2])
    assert weights_equal(other.get_weights()[2:], before[2:])


def test_skip_mismatch_names_the_layer_by_its_own_name_too(tmp_path):
    """The keys of a .npz file are layer paths by class (``dense``, ``dense_1``); the warning named only those,
    not the user's ``d1`` (found by a tester)."""
    def model(units):
        return Sequential([tg.layers.Input((3,)), Dense(units, name="d1"), Dense(1, name="d2")])

    model(2).save_weights(tmp_path / "w.weights.npz")
    with pytest.warns(UserWarning, match=r"'dense', layer 'd1' \(weight 'dense/kernel' has shape \(3, 4\)"):
        model(4).load_weights(tmp_path / "w.weights.npz", skip_mismatch=True)


def test_load_weights_skip_mismatch_skips_a_layer_missing_from_the_file(tmp_path):
    source = _keras_pair(_Ours, 2)
    path = tmp_path / "source.weights.npz"
    source.save_weights(path)
    bigger = Sequential([tg.layers.Input((4,)), Dense(3), Dense(2), Dense(2)])
    before = bigger.get_weights()
    with pytest.warns(UserWarning, match=r"'dense_2'(, layer '\w+')? \(expected the weights "
                                         r"\['dense_2/bias', 'dense_2/kernel'\], the file has none\)"):
        bigger.load_weights(path, skip_mismatch=True)
    got = bigger.get_weights()
    for a, b in zip(got[:4], source.get_weights()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(got[4], before[4])


@pytest.mark.parametrize("cls, old_name", [("SGD", "SGD"), ("RMSprop", "rmsprop"), ("AdamW", "adamw")])
def test_files_with_the_old_default_optimizer_names_load(tmp_path, x, cls, old_name):
    """The optimizers' default names became Keras' (``"sgd"``, ``"rm_sprop"``, ``"adam_w"``); a file written
    before holds the old ones (``"SGD"``, ``"rmsprop"``, ``"adamw"``) and still loads, with its name and its
    state (the slots are stored by position, not by name)."""
    model = make_model()
    optimizer = getattr(tg.optimizers, cls)(learning_rate=0.01, name=old_name)
    model.compile(optimizer=optimizer, loss="mse")
    model.fit(x, np.zeros((len(x), 3)), epochs=1, verbose=0)
    model.save(tmp_path / "old.npz")
    loaded = load_model(tmp_path / "old.npz")
    assert type(loaded.optimizer).__name__ == cls and loaded.optimizer.name == old_name
    assert loaded.optimizer.iterations == optimizer.iterations > 0
    for mine, theirs in zip(loaded.optimizer.variables, optimizer.variables):
        assert (mine.name, mine.path) == (theirs.name, theirs.path) and mine.path.startswith(old_name + "/")
        np.testing.assert_array_equal(mine.numpy(), theirs.numpy())
