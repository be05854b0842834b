"""Keras 3 ``.keras`` files both ways, with Keras itself as the reference (optional: skipped without it)."""
import json
import os
import types
import warnings
import zipfile

import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv import layers, models
from tinygradconv.saving import SavedFileError

os.environ.setdefault("KERAS_BACKEND", "torch")
pytest.importorskip("h5py", reason="h5py (the keras-format extra) reads and writes the weights of .keras files")
keras = pytest.importorskip("keras", reason="Keras 3 is the reference for .keras files (installed by .ci/run)")

OURS = types.SimpleNamespace(layers=layers, Model=models.Model, Sequential=models.Sequential)


def _sequential(lib):
    L = lib.layers
    return lib.Sequential([
        L.Input((20, 3)),
        L.ZeroPadding1D((1, 2)),
        L.Conv1D(4, 3, padding="causal", dilation_rate=2, activation="tanh"),
        L.Conv1D(4, 3, strides=2, padding="same", groups=2, use_bias=False),
        L.BatchNormalization(),
        L.Conv1DTranspose(3, 4, strides=2, padding="valid", output_padding=1, activation="relu"),
        L.LayerNormalization(epsilon=1e-4),
        L.UpSampling1D(2),
        L.Cropping1D((2, 3)),
        L.Dropout(0.3),
        L.Activation("sigmoid"),
        L.Flatten(),
        L.Dense(6, activation="elu"),
        L.Reshape((3, 2)),
        L.Dense(2),
    ])


def _functional(lib):
    L = lib.layers
    a_in, b_in = L.Input((16, 2), name="a_in"), L.Input((16, 2), name="b_in")
    a = L.Conv1D(4, 3, padding="same", activation="relu")(a_in)
    b = L.Conv1D(4, 3, padding="same")(b_in)
    merged = [L.Add()([a, b]), L.Subtract()([a, b]), L.Multiply()([a, b]), L.Average()([a, b, a]),
              L.Maximum()([a, b]), L.Minimum()([a, b])]
    joined = L.Concatenate(axis=-1)(merged)
    down = L.Conv1D(6, 3, strides=2, padding="same")(joined)
    up = L.Conv1DTranspose(4, 3, strides=2, padding="same")(down)
    skip = L.Concatenate()([up, a])
    return lib.Model([a_in, b_in], [L.Dense(1)(skip), L.Dense(3)(L.Flatten()(down))])


def _unet(lib):
    """A small functional 1-D U-Net: the model of the issue's "done when"."""
    L = lib.layers
    inputs = L.Input((32, 1))
    e1 = L.Conv1D(8, 3, padding="same", activation="relu")(inputs)
    e2 = L.Conv1D(16, 3, strides=2, padding="same", activation="relu")(e1)
    bottom = L.Conv1D(16, 3, strides=2, padding="same", activation="relu")(e2)
    d2 = L.Conv1DTranspose(16, 3, strides=2, padding="same", activation="relu")(bottom)
    d2 = L.Concatenate()([d2, e2])
    d1 = L.Conv1DTranspose(8, 3, strides=2, padding="same", activation="relu")(d2)
    d1 = L.Concatenate()([d1, e1])
    return lib.Model(inputs, L.Conv1D(1, 1)(d1))


def _randomize(model, seed):
    """Random weights (BatchNormalization's variance positive), so that every weight matters."""
    rng = np.random.default_rng(seed)
    weights = [rng.uniform(0.5, 1.5, size=w.shape) if "variance" in name else rng.normal(size=w.shape)
               for w, name in zip(model.get_weights(), _weight_names(model))]
    model.set_weights([w.astype("float32") for w in weights])


def _weight_names(model):
    return [getattr(w, "path", None) or w.name for w in model.weights]


def _inputs(model, seed):
    rng = np.random.default_rng(seed)
    shapes = [tuple(t.shape) for t in model.inputs] if hasattr(model, "inputs") and model.inputs else None
    if shapes is None:
        shapes = [model._build_input_shape]
    data = [rng.normal(size=(4,) + tuple(s[1:])).astype("float32") for s in shapes]
    return data if len(data) > 1 else data[0]


def _as_list(out):
    return [np.asarray(o) for o in out] if isinstance(out, (list, tuple)) else [np.asarray(out)]


BUILDERS = {"sequential": _sequential, "functional": _functional, "unet": _unet}


def _assert_same_predictions(ours, theirs):
    """Within 1e-5 relative, and within 1e-6 of the output's scale absolute: the two frameworks add the float32
    products of a convolution in different orders, so an output near zero that results from cancelling terms of
    size ~|theirs|.max() carries a rounding error of a few float32 ulps of that size, not of its own."""
    theirs = np.asarray(theirs)
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=max(1e-5, 1e-6 * float(np.abs(theirs).max())))


def _assert_models_agree(model, reference, x):
    """Our ``model`` and the Keras ``reference`` predict the same on ``x``, output by output."""
    for ours, theirs in zip(_as_list(model.predict(x)), _as_list(reference.predict(x, verbose=0))):
        _assert_same_predictions(ours, theirs)


@pytest.mark.parametrize("kind", sorted(BUILDERS))
def test_keras_file_loads_here_and_predicts_the_same(tmp_path, kind):
    keras.utils.set_random_seed(0)
    reference = BUILDERS[kind](keras)
    _randomize(reference, 1)
    path = tmp_path / f"{kind}.keras"
    reference.save(path)
    model = models.load_model(path)
    x = _inputs(model, 2)
    _assert_models_agree(model, reference, x)
    assert [la.name for la in model.layers] == [la.name for la in reference.layers]


@pytest.mark.parametrize("kind", sorted(BUILDERS))
def test_our_keras_file_loads_in_keras_and_predicts_the_same(tmp_path, kind):
    tg.random.set_seed(0)
    model = BUILDERS[kind](OURS)
    _randomize(model, 3)
    path = tmp_path / f"{kind}.keras"
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == ["config.json", "metadata.json", "model.weights.h5"]
    reference = keras.saving.load_model(path)
    x = _inputs(model, 4)
    _assert_models_agree(model, reference, x)
    # and back again: the round trip keeps every weight
    again = models.load_model(path)
    for a, b in zip(again.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_a_keras_layer_we_do_not_have_is_refused_by_name(tmp_path):
    reference = keras.Sequential([keras.Input((8, 2)), keras.layers.Conv1D(2, 3), keras.layers.AlphaDropout(0.1)])
    reference.save(tmp_path / "noise.keras")
    with pytest.raises(SavedFileError, match="AlphaDropout"):
        models.load_model(tmp_path / "noise.keras")


def test_a_keras_argument_we_cannot_express_is_refused_by_name(tmp_path):
    reference = keras.Sequential([keras.Input((8, 2)), keras.layers.BatchNormalization(renorm=True)])
    reference.save(tmp_path / "renorm.keras")
    with pytest.raises(SavedFileError, match="renorm=True"):
        models.load_model(tmp_path / "renorm.keras")


class Twice(models.Model):
    """A subclassed model, which the ``.keras`` format cannot describe."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = layers.Dense(1)

    def call(self, inputs, training=None):
        return self.dense(inputs) * 2.0


def test_only_sequential_and_functional_models_are_written(tmp_path):
    model = Twice()
    model(np.ones((1, 3)))
    with pytest.raises(ValueError, match="only Sequential"):
        model.save(tmp_path / "twice.keras")


def test_npz_stays_the_default_format(tmp_path):
    model = models.Sequential([layers.Input((3,)), layers.Dense(2)])
    model.save(tmp_path / "m.tgc.npz")
    with np.load(tmp_path / "m.tgc.npz", allow_pickle=False) as archive:
        assert "__tinygradconv__" in archive.files


def _rewrite_weights(src, dst, edit):
    """Copy the .keras archive ``src`` to ``dst`` with ``edit(h5 file)`` applied to model.weights.h5."""
    import io

    import h5py

    with zipfile.ZipFile(src) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    buffer = io.BytesIO(files["model.weights.h5"])
    with h5py.File(buffer, "r+") as h5:
        edit(h5)
    files["model.weights.h5"] = buffer.getvalue()
    with zipfile.ZipFile(dst, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)


@pytest.mark.parametrize("edit, received", [
    (lambda h5: h5["layers/batch_normalization/vars"].__delitem__("1"), 3),
    (lambda h5: h5["layers/batch_normalization/vars"].create_dataset("4", data=np.zeros(3)), 5),
    (lambda h5: h5["layers/batch_normalization/vars"].create_dataset("extra", data=np.zeros(3)), 5),
])
def test_damaged_weights_name_the_layer_and_the_file(tmp_path, edit, received):
    reference = keras.Sequential([keras.Input((8, 3)), keras.layers.BatchNormalization(name="bn")])
    reference.save(tmp_path / "bn.keras")
    _rewrite_weights(tmp_path / "bn.keras", tmp_path / "damaged.keras", edit)
    for load in (keras.saving.load_model, models.load_model):  # Keras fails too, with the same count
        with pytest.raises(ValueError, match=f"Layer 'bn' expected 4 variables, but received "
                                             f"{received} variables during loading") as info:
            load(tmp_path / "damaged.keras")
    assert str(info.value).count("damaged.keras") == 1


def test_a_truncated_weights_file_names_the_archive(tmp_path):
    model = models.Sequential([layers.Input((3,)), layers.Dense(2, name="d")])
    model.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    files["model.weights.h5"] = files["model.weights.h5"][:len(files["model.weights.h5"]) // 2]
    with zipfile.ZipFile(tmp_path / "cut.keras", "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    with pytest.raises(SavedFileError, match=r"cut\.keras.*model\.weights\.h5"):
        models.load_model(tmp_path / "cut.keras")


def _nested(lib):
    """Nested models of both kinds, as Keras writes them: a functional model holding a functional and a Sequential
    model, and a Sequential holding a Sequential."""
    L = lib.layers
    x = L.Input((3,), name="x")
    inner = lib.Model(x, L.Dense(2, name="d2")(L.Dense(4, name="d1", activation="tanh")(x)), name="inner")
    stack = lib.Sequential([L.Input((2,)), L.Dense(3, name="s1"), L.BatchNormalization(name="s_bn")], name="stack")
    y = L.Input((3,), name="y")
    functional = lib.Model(y, L.Dense(1, name="head")(stack(inner(y))), name="outer")
    sequential = lib.Sequential([L.Input((3,)), lib.Sequential([L.Dense(2, name="a")], name="sub"),
                                 L.Dense(1, name="b")], name="outer_sequential")
    return functional, sequential


@pytest.mark.parametrize("which", [0, 1], ids=["functional", "sequential"])
def test_nested_models_both_ways(tmp_path, which):
    x = np.random.default_rng(4).normal(size=(5, 3)).astype("float32")
    reference = _nested(keras)[which]
    _randomize_keras(reference)
    reference.save(tmp_path / "theirs.keras")
    model = models.load_model(tmp_path / "theirs.keras")
    expected = reference.predict(x, verbose=0)
    assert np.all(np.isfinite(expected))
    np.testing.assert_allclose(model.predict(x), expected, rtol=1e-5, atol=1e-6)
    ours = _nested(OURS)[which]
    ours.set_weights([_positive(i, w.shape) for i, w in enumerate(ours.get_weights())])
    ours.save(tmp_path / "ours.keras")
    theirs = keras.saving.load_model(tmp_path / "ours.keras")
    np.testing.assert_allclose(theirs.predict(x, verbose=0), ours.predict(x), rtol=1e-5, atol=1e-6)


def _nested_called_twice(lib):
    """A functional model called on two inputs, both calls' outputs the outer model's outputs (found by a tester:
    Keras counts a nested functional model's nodes from 1 in ``output_layers``, ours wrote them from 0)."""
    L = lib.layers
    i = L.Input((4,), name="i")
    inner = lib.Model(i, L.Dense(2, name="q")(i), name="inner")
    x, y = L.Input((4,), name="x"), L.Input((4,), name="y")
    return lib.Model([x, y], [inner(x), inner(y)], name="outer")


def test_a_nested_model_called_twice_as_outputs_both_ways(tmp_path):
    x = np.random.default_rng(5).normal(size=(3, 4)).astype("float32")
    inputs = [x, x + 5.0]                              # the two outputs differ: a swap would show
    reference, ours = _nested_called_twice(keras), _nested_called_twice(OURS)
    _randomize_keras(reference)
    ours.set_weights([np.asarray(w) for w in reference.get_weights()])
    expected = reference.predict(inputs, verbose=0)
    assert ours.get_config()["output_layers"] == reference.get_config()["output_layers"] == [["inner", 1, 0],
                                                                                             ["inner", 2, 0]]
    reference.save(tmp_path / "theirs.keras")
    ours.save(tmp_path / "ours.keras")
    read = [models.load_model(tmp_path / "theirs.keras"), models.load_model(tmp_path / "ours.keras"),
            models.model_from_json(reference.to_json())]
    read[2].set_weights([np.asarray(w) for w in reference.get_weights()])
    for model in read:
        for got, want in zip(model.predict(inputs), expected):
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    for theirs in (keras.saving.load_model(tmp_path / "ours.keras"), keras.models.model_from_json(ours.to_json())):
        theirs.set_weights(reference.get_weights())
        for got, want in zip(theirs.predict(inputs, verbose=0), expected):
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_a_nested_model_counted_from_zero_by_an_older_version_is_still_read():
    """Configs written before the fix named the nested model's nodes 0 and 1 in ``output_layers``; no Keras config
    names node 0 of a nested functional model, so those are read as they were meant."""
    model = _nested_called_twice(OURS)
    config = model.get_config()
    config["output_layers"] = [["inner", 0, 0], ["inner", 1, 0]]
    old = models.Model.from_config(config)
    old.set_weights(model.get_weights())
    x = np.random.default_rng(6).normal(size=(2, 4)).astype("float32")
    for got, want in zip(old.predict([x, x + 5.0]), model.predict([x, x + 5.0])):
        np.testing.assert_array_equal(got, want)


def _positive(seed, shape):
    """Random weights in [0.5, 1.5): a valid moving variance too, so no NaN can hide a difference."""
    return np.random.default_rng(seed).uniform(0.5, 1.5, size=shape).astype("float32")


def _randomize_keras(model):
    model.set_weights([_positive(i, tuple(w.shape)) for i, w in enumerate(model.weights)])


def test_a_nested_subclassed_model_is_refused(tmp_path):
    twice = Twice(name="twice")
    twice(np.ones((1, 3)))
    outer = models.Sequential([layers.Input((3,)), layers.Dense(3), twice])
    with pytest.raises(ValueError, match="'twice' is a nested Twice model: only nested Sequential and functional"):
        outer.save(tmp_path / "ours.keras")


@keras.saving.register_keras_serializable(package="mine")
def _twice(x):
    return 2 * x


@pytest.mark.parametrize("layer", [lambda: keras.layers.Activation(_twice, name="act"),
                                   lambda: keras.layers.Dense(2, activation=_twice, name="act")])
def test_an_unsupported_activation_names_the_layer_and_the_file(tmp_path, layer):
    # every Keras 3 activation is known now (tests/test_activations_keras_more.py): a registered one of the user's
    keras.Sequential([keras.Input((3,)), layer()]).save(tmp_path / "twice.keras")
    with pytest.raises(SavedFileError, match=r"twice\.keras'?: layer 'act' \(\w+\): activation 'mine>_twice' is "
                                             r"not supported.*custom_objects=\{'mine>_twice'"):
        models.load_model(tmp_path / "twice.keras")


KERAS_ONLY_UNTIL_NOW = ["celu", "glu", "hard_silu", "hard_swish", "hard_tanh", "hard_shrink", "soft_shrink",
                        "log_sigmoid", "sparse_plus", "sparse_sigmoid", "sparsemax", "squareplus", "tanh_shrink"]


@pytest.mark.parametrize("name", KERAS_ONLY_UNTIL_NOW)
def test_keras_files_with_the_newer_activations_load_and_predict_the_same(tmp_path, name):
    # once "Unknown activation" for each (found by a tester)
    # sparsemax: Keras 3.15 is right only where one entry per slice is positive (keras-team/keras#23425), so one
    # layer and spread-out inputs; glu halves the last axis twice (8 -> 4 -> 2)
    second = [] if name == "sparsemax" else [keras.layers.Activation(name, name="act")]
    reference = keras.Sequential([keras.Input((5, 4)), keras.layers.Dense(8, activation=name, name="d"), *second])
    _randomize_keras(reference)
    reference.save(tmp_path / f"{name}.keras")
    model = models.load_model(tmp_path / f"{name}.keras")
    x = np.random.default_rng(11).normal(size=(3, 5, 4)).astype("float32") * (300 if name == "sparsemax" else 3)
    if name == "sparsemax":
        assert ((model.predict(x) > 0).sum(axis=-1) == 1).all()
    np.testing.assert_allclose(model.predict(x), reference.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    model.save(tmp_path / "ours.keras")         # and back: Keras reads the names we write
    theirs = keras.saving.load_model(tmp_path / "ours.keras")
    np.testing.assert_allclose(theirs.predict(x, verbose=0), model.predict(x), rtol=1e-5, atol=1e-6)


def test_model_checkpoint_writes_keras_files_that_keras_loads(tmp_path):
    model = models.Sequential([layers.Input((3,)), layers.Dense(1, name="d")])
    model.compile("sgd", "mse")
    x, y = np.random.default_rng(3).normal(size=(16, 3)), np.ones((16, 1))
    model.fit(x, y, epochs=2, verbose=0, callbacks=[tg.callbacks.ModelCheckpoint(str(tmp_path / "ck-{epoch}.keras"))])
    theirs = keras.saving.load_model(tmp_path / "ck-2.keras")
    np.testing.assert_allclose(theirs.predict(x.astype("float32"), verbose=0), model.predict(x), rtol=1e-5,
                               atol=1e-6)
    with pytest.raises(ValueError, match="save_weights_only=True"):
        tg.callbacks.ModelCheckpoint(str(tmp_path / "w.keras"), save_weights_only=True)


# ------------------------------------------------------------------------------------- Keras 3 .weights.h5 files
@pytest.mark.parametrize("kind", sorted(BUILDERS))
def test_keras_save_weights_file_loads_into_our_twin(tmp_path, kind):
    keras.utils.set_random_seed(0)
    reference = BUILDERS[kind](keras)
    _randomize(reference, 5)
    reference.save_weights(tmp_path / "theirs.weights.h5")
    tg.random.set_seed(0)
    model = BUILDERS[kind](OURS)
    model.load_weights(tmp_path / "theirs.weights.h5")
    x = _inputs(model, 6)
    _assert_models_agree(model, reference, x)


@pytest.mark.parametrize("kind", sorted(BUILDERS))
def test_our_weights_h5_file_loads_in_keras(tmp_path, kind):
    tg.random.set_seed(0)
    model = BUILDERS[kind](OURS)
    _randomize(model, 7)
    model.save_weights(tmp_path / "ours.weights.h5")
    keras.utils.set_random_seed(0)
    reference = BUILDERS[kind](keras)
    reference.load_weights(tmp_path / "ours.weights.h5")
    x = _inputs(model, 8)
    _assert_models_agree(model, reference, x)
    again = BUILDERS[kind](OURS)                       # and back: every weight as it was
    again.load_weights(tmp_path / "ours.weights.h5")
    for a, b in zip(again.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("which", [0, 1], ids=["functional", "sequential"])
def test_nested_models_weights_h5_both_ways(tmp_path, which):
    x = np.random.default_rng(9).normal(size=(5, 3)).astype("float32")
    reference = _nested(keras)[which]
    _randomize_keras(reference)
    reference.save_weights(tmp_path / "theirs.weights.h5")
    model = _nested(OURS)[which]
    model.load_weights(tmp_path / "theirs.weights.h5")
    np.testing.assert_allclose(model.predict(x), reference.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    model.set_weights([w * 0.5 for w in model.get_weights()])
    model.save_weights(tmp_path / "ours.weights.h5")
    reference.load_weights(tmp_path / "ours.weights.h5")
    np.testing.assert_allclose(reference.predict(x, verbose=0), model.predict(x), rtol=1e-5, atol=1e-6)


def _bn_model(lib):
    return lib.Sequential([lib.layers.Input((8, 3)), lib.layers.BatchNormalization(name="bn"),
                           lib.layers.Dense(2, name="d")])


@pytest.mark.parametrize("edit, message", [
    (lambda h5: h5["layers/batch_normalization/vars"].__delitem__("1"),
     "Layer 'bn' expected 4 variables, but received 3 variables during loading"),
    (lambda h5: (h5["layers/dense/vars"].__delitem__("0"), h5["layers/dense/vars"].create_dataset(
        "0", data=np.zeros((4, 2), "float32"))),
     r"weight 'sequential\w*/d/kernel' has shape \(3, 2\), the file has \(4, 2\)"),
    (lambda h5: h5.__delitem__("layers/dense"), "Layer 'd' expected 2 variables, but received 0"),
    # a renamed dataset, and a group in a dataset's place ("expected 2 variables, but received 2" before: a tester)
    (lambda h5: h5["layers/dense/vars"].move("1", "x"),
     r"received 2 variables .*datasets \['0', 'x'\] .* expected the datasets \['0', '1'\]"),
    (lambda h5: (h5["layers/dense/vars"].__delitem__("1"), h5["layers/dense/vars"].create_group("1")),
     r"layer 'd': \['layers/dense/vars/1'\] is a group, not datasets of weights"),
])
def test_a_damaged_weights_h5_file_is_refused_and_the_model_unchanged(tmp_path, edit, message):
    import h5py

    path = tmp_path / "damaged.weights.h5"
    _bn_model(keras).save_weights(path)
    with h5py.File(path, "r+") as h5:
        edit(h5)
    model = _bn_model(OURS)
    before = model.get_weights()
    with pytest.raises(SavedFileError, match=message) as info:
        model.load_weights(path)
    assert str(info.value).count("damaged.weights.h5") == 1
    for old, now in zip(before, model.get_weights()):
        np.testing.assert_array_equal(old, now)


def test_an_unreadable_weights_h5_file_raises_what_open_raises(tmp_path):
    """A .weights.h5 file we may not read was reported as damaged (h5py's OSError; found by a tester): the error is
    now the one ``open`` gives, PermissionError, as for the other formats and in Keras. (As root, whom file
    permissions do not stop, both read it.)"""
    path = tmp_path / "private.weights.h5"
    model = _bn_model(OURS)
    model.save_weights(path)
    os.chmod(path, 0)
    try:
        try:
            with open(path, "rb"):
                pass
        except PermissionError:
            with pytest.raises(PermissionError):
                model.load_weights(path)
        else:
            model.load_weights(path)
    finally:
        os.chmod(path, 0o644)


def test_damaged_model_configs_name_the_file(tmp_path):
    """A config.json whose "layers" is not a list of layer objects raised AttributeError ('str' object has no
    attribute 'get'), without the file's name (found by a tester); model_from_json did the same."""
    import json

    model = _bn_model(OURS)
    model.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    for bad in ("abc", [5], None, {"x": 1}):
        config = json.loads(members["config.json"])
        config["config"]["layers"] = bad
        with zipfile.ZipFile(tmp_path / "bad.keras", "w") as archive:
            for name, data in members.items():
                archive.writestr(name, json.dumps(config) if name == "config.json" else data)
        with pytest.raises(SavedFileError, match=r"bad\.keras.*(layers|layer of the config)"):
            models.load_model(tmp_path / "bad.keras")
        with pytest.raises(SavedFileError, match=r"model_from_json.*(layers|layer of the config)"):
            models.model_from_json(json.dumps(config))


def test_a_weights_h5_path_that_is_not_hdf5_or_missing(tmp_path):
    model = _bn_model(OURS)
    (tmp_path / "notes.weights.h5").write_text("not weights\n")
    with pytest.raises(SavedFileError, match=r"notes\.weights\.h5'? is not a readable HDF5 file"):
        model.load_weights(tmp_path / "notes.weights.h5")
    with pytest.raises(FileNotFoundError, match="missing.weights.h5"):
        model.load_weights(tmp_path / "missing.weights.h5")


def test_weights_h5_refuses_subclassed_models_by_name(tmp_path):
    twice = Twice(name="twice")
    twice(np.ones((1, 3)))
    with pytest.raises(ValueError, match="model 'twice' is a Twice; only Sequential and functional"):
        twice.save_weights(tmp_path / "t.weights.h5")
    outer = models.Sequential([layers.Input((3,)), layers.Dense(3), twice], name="outer")
    with pytest.raises(ValueError, match="layer 'twice' of model 'outer' is a Twice"):
        outer.load_weights(tmp_path / "t.weights.h5")
    assert not (tmp_path / "t.weights.h5").exists()


def test_model_checkpoint_writes_weights_h5_files_that_keras_loads(tmp_path):
    model = models.Sequential([layers.Input((3,)), layers.Dense(1, name="d")])
    model.compile("sgd", "mse")
    x, y = np.random.default_rng(3).normal(size=(16, 3)), np.ones((16, 1))
    model.fit(x, y, epochs=2, verbose=0, callbacks=[
        tg.callbacks.ModelCheckpoint(str(tmp_path / "ck-{epoch}.weights.h5"), save_weights_only=True)])
    reference = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    reference.load_weights(tmp_path / "ck-2.weights.h5")
    np.testing.assert_allclose(reference.predict(x.astype("float32"), verbose=0), model.predict(x), rtol=1e-5,
                               atol=1e-6)
    with pytest.raises(ValueError, match="holds only weights: pass save_weights_only=True"):
        tg.callbacks.ModelCheckpoint(str(tmp_path / "w.weights.h5"))


def test_a_missing_keras_file_is_named_once_even_without_h5py(tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "h5py", None)               # the demo environment has no h5py
    model = _bn_model(OURS)
    for load in (lambda p: models.load_model(p), model.load_weights):
        for name in ("missing.keras", "missing.weights.h5"):
            if name.endswith(".keras") and load is model.load_weights:
                continue
            with pytest.raises(FileNotFoundError) as info:
                load(tmp_path / name)
            assert str(info.value).count(name) == 1
    with pytest.raises(ImportError, match=r"\.keras, \.weights\.h5\) needs h5py"):
        model.save_weights(tmp_path / "w.weights.h5")


class Scale(layers.Layer):
    """A layer of the user's own class, whose non-trainable weight is created first (Keras writes it second)."""

    def build(self, shape):
        self.offset = self.add_weight(shape=(shape[-1],), initializer="zeros", trainable=False, name="offset")
        self.scale = self.add_weight(shape=(shape[-1],), initializer="ones", name="scale")

    def call(self, x):
        return x * self.scale + self.offset


def test_weights_h5_of_a_layer_of_the_users_own_class_keeps_keras_order(tmp_path):
    """Found by a tester: such a layer's two vectors were swapped silently both ways (Keras orders a layer's
    variables trainable first and nests sub-layers by attribute name); refused for a while, now written and read in
    Keras 3's order (checked against Keras in tests/test_keras_custom_layer_weights_s49.py); a file of another
    model is refused, naming the layer."""
    model = models.Sequential([layers.Input((3,)), Scale(name="sc")], name="m")
    model.set_weights([np.array([1.0, 2.0, 3.0], "float32"), np.array([4.0, 5.0, 6.0], "float32")])
    offset, scale = model.layers[0].offset.numpy(), model.layers[0].scale.numpy()
    assert not np.array_equal(offset, scale)
    model.save_weights(tmp_path / "s.weights.h5")
    import h5py

    with h5py.File(tmp_path / "s.weights.h5", "r") as h5:       # trainable first, as Keras 3 writes it
        np.testing.assert_array_equal(h5["layers/scale/vars/0"][()], scale)
        np.testing.assert_array_equal(h5["layers/scale/vars/1"][()], offset)
    fresh = models.Sequential([layers.Input((3,)), Scale(name="sc")], name="m")
    fresh.load_weights(tmp_path / "s.weights.h5")
    np.testing.assert_array_equal(fresh.layers[0].offset.numpy(), offset)
    np.testing.assert_array_equal(fresh.layers[0].scale.numpy(), scale)
    _bn_model(OURS).save_weights(tmp_path / "bn.weights.h5")
    with pytest.raises(SavedFileError, match=r"Layer 'sc' expected 2 variables, but received 0"):
        model.load_weights(tmp_path / "bn.weights.h5")


def _edited(tmp_path, edit):
    import h5py

    path = tmp_path / "edited.weights.h5"
    _bn_model(OURS).save_weights(path)
    with h5py.File(path, "r+") as h5:
        edit(h5, h5py)
    return path


def _strings_in_a_bias(h5, h5py):
    h5["layers/dense/vars/0"][...] = 7.0
    del h5["layers/dense/vars/1"]
    h5["layers/dense/vars/1"] = np.array([b"ab", b"cd"])


def _vars_as_a_dataset(h5, h5py):
    del h5["layers/dense/vars"]
    h5["layers/dense/vars"] = np.zeros(3)


def _dangling_link(h5, h5py):
    del h5["layers/dense/vars/0"]
    h5["layers/dense/vars/0"] = h5py.ExternalLink("gone.h5", "/x")


@pytest.mark.parametrize("edit, message", [
    (_strings_in_a_bias, r"'layers/dense/vars/1' holds \|S2 data, not numbers"),
    (_vars_as_a_dataset, r"'layers/dense/vars' is a Dataset, not a group of datasets"),
    # session 52: every external link is refused before anything is read (Keras 3: "Not allowed"), dangling or not
    (_dangling_link, r"holds at '/layers/dense/vars/0' an external link \(to '/x' in the file 'gone.h5'\)"),
])
def test_malformed_weights_h5_files_are_named_and_change_nothing(tmp_path, edit, message):
    """Found by a tester: strings of the right shape loaded the layers before them, then failed with NumPy's
    "could not convert string to float"; a group replaced by a dataset or a dangling link leaked AttributeError and
    KeyError."""
    path = _edited(tmp_path, edit)
    model = _bn_model(OURS)
    before = model.get_weights()
    with pytest.raises(SavedFileError, match=message) as info:
        model.load_weights(path)
    assert str(info.value).count("edited.weights.h5") == 1
    for old, now in zip(before, model.get_weights()):
        np.testing.assert_array_equal(old, now)


def test_weights_h5_unbuilt_model_directory_and_plain_h5(tmp_path):
    _bn_model(OURS).save_weights(tmp_path / "w.weights.h5")
    unbuilt = models.Sequential([layers.Dense(3), layers.Dense(2)])
    with pytest.raises(ValueError, match="You are loading weights into a model that has not yet been built"):
        unbuilt.load_weights(tmp_path / "w.weights.h5")
    (tmp_path / "adir.weights.h5").mkdir()
    with pytest.raises(IsADirectoryError, match="adir.weights.h5"):
        _bn_model(OURS).load_weights(tmp_path / "adir.weights.h5")
    (tmp_path / "w.weights.h5").rename(tmp_path / "w.h5")
    with pytest.raises(SavedFileError, match=r"it is an HDF5 file .*when its name ends in \.weights\.h5"):
        _bn_model(OURS).load_weights(tmp_path / "w.h5")


def _with_bad_argument(model, tmp_path, argument, value):
    """``model`` saved as ``bad.keras`` with ``argument`` of its Conv1D layer set to ``value`` in ``config.json``."""
    import json

    model.save(tmp_path / "good.keras")
    with zipfile.ZipFile(tmp_path / "good.keras") as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    config = json.loads(files["config.json"])
    for item in config["config"]["layers"]:
        if item["class_name"] == "Conv1D":
            item["config"][argument] = value
    files["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(tmp_path / "bad.keras", "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return tmp_path / "bad.keras"


def _sequential_conv():
    return models.Sequential([layers.Input((5, 2)), layers.Conv1D(3, 2, name="conv")])


def _functional_conv():
    inputs = layers.Input((5, 2))
    return models.Model(inputs, layers.Conv1D(3, 2, name="conv")(inputs))


@pytest.mark.parametrize("make", [_sequential_conv, _functional_conv])
@pytest.mark.parametrize("argument, value, message", [
    ("kernel_size", [0], r"The `kernel_size` argument must be a tuple of 1 integers"),
    ("strides", "x", r"The `strides` argument must be a tuple of 1 integers"),
])
def test_a_bad_argument_in_a_keras_file_names_the_file_and_the_layer(tmp_path, make, argument, value, message):
    """A hand-edited ``"kernel_size": [0]`` raised the layer's bare ValueError, naming neither (found by a tester)."""
    pytest.importorskip("h5py", reason=".keras archives hold their weights in HDF5")
    path = _with_bad_argument(make(), tmp_path, argument, value)
    with pytest.raises(SavedFileError, match=r"bad\.keras.*layer 'conv' \(Conv1D\): " + message):
        tg.saving.load_model(path)


def test_an_unbuilt_sequential_is_saved_without_weights_as_keras_saves_it(tmp_path):
    """Found by a tester: Keras 3 saves a Sequential model not built yet (with a warning) and loads it unbuilt; ours
    refused to save it. Both directions, compiled too (its optimizer is built at the first step after loading)."""
    ours = models.Sequential([layers.Dense(2, name="d")])
    ours.compile("adam", "mse")
    with pytest.warns(UserWarning, match="has not been built yet: the file holds no weights"):
        ours.save(tmp_path / "ours.keras")
    theirs = keras.Sequential([keras.layers.Dense(2, name="d")])
    theirs.compile("adam", "mse")
    with pytest.warns(UserWarning, match="not yet been built"):
        theirs.save(tmp_path / "theirs.keras")
    for path in ("ours.keras", "theirs.keras"):
        loaded = models.load_model(tmp_path / path)
        assert not loaded.built and loaded.compiled and loaded.weights == []
        loaded.fit(np.ones((4, 3)), np.ones((4, 2)), verbose=0)
        assert loaded.optimizer.iterations == 1 and loaded.get_layer("d").kernel.shape == (3, 2)
        in_keras = keras.models.load_model(tmp_path / path)
        assert not in_keras.built and in_keras.weights == []


def test_an_unbuilt_sequential_of_built_layers_is_written_with_their_build_configs(tmp_path):
    """Found by a tester: a trained layer reused in a Sequential without Input (model unbuilt, layer built) was
    written without its input shape, and the file loaded nowhere; then it was refused. Now each built layer is
    written with its ``build_config``, as Keras 3 writes it (with Keras' warning for the unbuilt model), and the file
    loads here and in Keras with the layer's weights; the unbuilt layer is made at the first call, in both."""
    base = models.Sequential([layers.Input((4,)), layers.Dense(3, name="feat")])
    new = models.Sequential([base.layers[0], layers.Dense(2, name="head")])
    with pytest.warns(UserWarning, match="has not been built yet"):
        new.save(tmp_path / "tl.keras")
    with zipfile.ZipFile(tmp_path / "tl.keras") as archive:
        written = json.loads(archive.read("config.json"))
    assert [item.get("build_config") for item in written["config"]["layers"]] == [{"input_shape": [None, 4]}, None]
    ours, theirs = models.load_model(tmp_path / "tl.keras"), keras.models.load_model(tmp_path / "tl.keras")
    assert [layer.built for layer in ours.layers] == [layer.built for layer in theirs.layers] == [True, False]
    for mine, in_keras, saved in zip(ours.layers[0].get_weights(), theirs.layers[0].get_weights(),
                                     base.layers[0].get_weights()):
        np.testing.assert_array_equal(mine, saved)
        np.testing.assert_array_equal(in_keras, saved)
    x = np.ones((2, 4), "float32")
    np.testing.assert_allclose(ours.layers[0](x).numpy(), base.predict(x, verbose=0), rtol=1e-6)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(theirs.layers[0](x)), base.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)


def test_an_activity_regularizer_on_any_layer_both_ways(tmp_path):
    """Keras' files of a ReLU with an activity regularizer were refused ("not supported by tinygradconv's ReLU");
    every layer now takes one, as in Keras 3 (found by a tester)."""
    reference = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="d"),
                                  keras.layers.ReLU(activity_regularizer="l1", name="r")])
    reference.save(tmp_path / "theirs.keras")
    ours = models.load_model(tmp_path / "theirs.keras")
    x = np.random.default_rng(7).normal(size=(4, 3)).astype("float32")
    ours(x)
    reference(x)
    assert float(ours.losses[0].numpy()) == pytest.approx(float(reference.losses[0]), rel=1e-6)
    ours.save(tmp_path / "ours.keras")
    again = keras.saving.load_model(tmp_path / "ours.keras")
    again(x)
    assert float(again.losses[0]) == pytest.approx(float(reference.losses[0]), rel=1e-6)


def _nested_objects(lib):
    """Layers holding each kind of nested object: activation layers, initializers, regularizers, constraints."""
    L = lib.layers
    return [
        L.Conv1DTranspose(3, 3, activation=L.LeakyReLU(0.1), kernel_initializer=lib.initializers.HeNormal(seed=3),
                          kernel_regularizer=lib.regularizers.L2(0.5), activity_regularizer=lib.regularizers.L1(0.25),
                          bias_constraint=lib.constraints.NonNeg()),
        L.Conv1D(4, 3, activation=L.ReLU(max_value=6.0), bias_initializer=lib.initializers.Constant(0.5),
                 kernel_constraint=lib.constraints.MaxNorm(2.0, axis=0)),
        L.Dense(2, activation=L.ELU(alpha=0.5), bias_regularizer=lib.regularizers.L1L2(0.25, 0.5),
                kernel_initializer=lib.initializers.VarianceScaling(2.0, input_axes=[0], output_axes=[1])),
        L.Dense(2, activation=L.Softmax(axis=-1), kernel_initializer="orthogonal"),
        L.BatchNormalization(gamma_regularizer=lib.regularizers.L2(0.5), beta_constraint=lib.constraints.UnitNorm()),
        L.PReLU(alpha_initializer=lib.initializers.Constant(0.25), alpha_constraint=lib.constraints.NonNeg()),
        L.Activation(activation=L.LeakyReLU(0.5)),
    ]


@pytest.mark.parametrize("index", range(7))
def test_layer_get_config_is_read_by_keras_from_config(index):
    """A layer's ``get_config`` writes its nested objects (activation layers, initializers, regularizers,
    constraints) as Keras 3's ``serialize_keras_object`` does, so that Keras' ``from_config`` reads it (found by a
    tester: ``Conv1DTranspose(activation=LeakyReLU(0.1)).get_config()`` was "Could not locate class 'LeakyReLU'");
    our ``from_config`` reads both that form and the plain ``{"class_name", "config"}`` one."""
    ours = _nested_objects(tg)[index]
    theirs = _nested_objects(keras)[index]
    config, their_config = ours.get_config(), theirs.get_config()
    for key, value in their_config.items():
        if isinstance(value, dict) and "module" in value and key != "dtype":
            # the same description: module, class, registered name, and the arguments (Keras' float32 rounding aside)
            assert {k: v for k, v in config[key].items() if k != "config"} == \
                {k: v for k, v in value.items() if k != "config"}, key
            assert set(config[key]["config"]) == set(value["config"]), key
    read = type(theirs).from_config(config)         # Keras reads our config
    for key, value in read.get_config().items():
        if key != "name":
            assert _approx(value) == _approx(their_config[key]), key
    again = type(ours).from_config(config)          # and so do we, from Keras' config too
    assert again.get_config() == config
    assert type(ours).from_config(their_config).get_config().keys() == config.keys()


def _approx(value):
    """``value`` with its floats rounded to float32's precision (Keras keeps regularizer factors in float32) and
    without the names of nested layers (numbered by how many were made before)."""
    if isinstance(value, dict):
        return {key: _approx(item) for key, item in value.items() if key != "name"}
    if isinstance(value, (list, tuple)):
        return [_approx(item) for item in value]
    return float(np.float32(value)) if isinstance(value, float) else value


def test_layer_from_config_reads_the_plain_form_of_nested_objects():
    """Configs written before (our ``.npz`` files) name nested objects as ``{"class_name", "config"}``."""
    config = {"name": "t", "filters": 3, "kernel_size": 3,
              "activation": {"class_name": "LeakyReLU", "config": {"negative_slope": 0.1}},
              "kernel_initializer": {"class_name": "HeNormal", "config": {"seed": 3}},
              "kernel_regularizer": {"class_name": "L2", "config": {"l2": 0.5}},
              "bias_constraint": {"class_name": "NonNeg", "config": {}}}
    layer = layers.Conv1DTranspose.from_config(config)
    assert layer.activation.negative_slope == 0.1 and layer.kernel_initializer.seed == 3
    assert layer.kernel_regularizer.l2 == 0.5 and type(layer.bias_constraint).__name__ == "NonNeg"
    assert layer.get_config()["activation"]["module"] == "keras.layers"


def _with_config(src, dst, edit):
    """The ``.keras`` file ``src`` copied to ``dst`` with its ``config.json`` changed by ``edit(config)``."""
    import json

    with zipfile.ZipFile(src) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    config = json.loads(files["config.json"])
    edit(config)
    files["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(dst, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return dst


def test_keras_sequential_of_a_built_layer_loads_as_in_keras(tmp_path):
    """``keras.Sequential([d])`` with ``d`` built has no input shape of its own: Keras writes ``d``'s
    ``build_config`` and builds ``d`` from it before loading its weights; here the file was refused ("Layer 'dense'
    expected 0 variables, but received 2", found by a tester)."""
    rng = np.random.default_rng(0)
    dense = keras.layers.Dense(2)
    dense.build((None, 3))
    conv = keras.layers.Conv1D(4, 3)
    conv.build((None, 8, 2))
    cases = [(keras.Sequential([dense]), (5, 3)),
             (keras.Sequential([keras.Sequential([conv])]), (5, 8, 2))]    # nested: built from its build_config too
    for i, (theirs, shape) in enumerate(cases):
        path = str(tmp_path / f"built{i}.keras")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs.save(path)
        ours, read_by_keras = models.load_model(path), keras.saving.load_model(path)
        assert [tuple(w.shape) for w in ours.weights] == [tuple(w.shape) for w in read_by_keras.weights]
        for mine, stored in zip(ours.get_weights(), theirs.get_weights()):
            np.testing.assert_array_equal(mine, stored)
        x = rng.normal(size=shape).astype("float32")
        np.testing.assert_allclose(ours.predict(x, verbose=0), read_by_keras.predict(x, verbose=0), atol=1e-5)
        # model_from_json builds such a layer too (new weights), as Keras' does
        from_json, keras_from_json = models.model_from_json(theirs.to_json()), keras.models.model_from_json(
            theirs.to_json())
        assert [tuple(w.shape) for w in from_json.weights] == [tuple(w.shape) for w in keras_from_json.weights]


def test_built_layer_beside_an_unbuilt_one_as_in_keras(tmp_path):
    dense = keras.layers.Dense(4)
    dense.build((None, 3))
    theirs = keras.Sequential([dense, keras.layers.Dense(2)])       # the second one unbuilt: no weights written
    path = str(tmp_path / "half.keras")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs.save(path)
    ours, read_by_keras = models.load_model(path), keras.saving.load_model(path)
    assert [layer.built for layer in ours.layers] == [layer.built for layer in read_by_keras.layers] == [True, False]
    for mine, stored in zip(ours.layers[0].get_weights(), dense.get_weights()):
        np.testing.assert_array_equal(mine, stored)
    assert ours.predict(np.ones((2, 3), "float32"), verbose=0).shape == (2, 2)


@pytest.mark.parametrize("shape, message", [("three", r"input_shape 'three' is not a list of non-negative integers"),
                                            ([None, -3], r"input_shape \[None, -3\] is not a list"),
                                            ([None, None], (r"layer 'dense' \(Dense\), built from its build_config "
                                                           r"\(input_shape=\[None, None\]\): The last dimension"))])
def test_a_damaged_build_config_is_named(tmp_path, shape, message):
    dense = keras.layers.Dense(2, name="dense")
    dense.build((None, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        keras.Sequential([dense]).save(str(tmp_path / "good.keras"))

    def edit(config):
        config["config"]["layers"][0]["build_config"]["input_shape"] = shape

    path = _with_config(tmp_path / "good.keras", tmp_path / "bad.keras", edit)
    with pytest.raises(SavedFileError, match=message):
        models.load_model(path)


@pytest.mark.parametrize("make, op", [(lambda x: keras.layers.Dense(2)(x) * 2.0, "Multiply"),
                                      (lambda x: x[:, :5], "GetItem"),
                                      (lambda x: keras.ops.relu(keras.layers.Dense(2)(x)), "Relu"),
                                      (lambda x: keras.layers.Dense(3)(x) + x, "Add")])
def test_keras_op_nodes_are_named_as_ops(tmp_path, make, op):
    """Keras records tensor arithmetic and keras.ops calls on symbolic tensors as op nodes (module
    ``keras.src.ops.*``): they were called "a custom class" (found by a tester)."""
    inputs = keras.Input((10, 3))
    theirs = keras.Model(inputs, make(inputs))
    path = str(tmp_path / "op.keras")
    theirs.save(path)
    message = (rf"node '\w+' of the model is not a layer but the Keras op '{op}' \(module 'keras\.src\.ops\.\w+'\).*"
               r"x \* 2\.0.*keras\.ops\.relu\(x\).*cannot load op nodes.*express the step with a layer.*"
               r"Supported layers: \['Activation', 'Add'")
    with pytest.raises(SavedFileError, match=message) as raised:
        models.load_model(path)
    assert "custom class" not in str(raised.value)
    with pytest.raises(SavedFileError, match=message):
        models.model_from_json(theirs.to_json())


def test_load_model_on_a_weights_file_says_to_load_weights(tmp_path):
    """``load_model("w.weights.h5")`` said the file "is not a tinygradconv archive ... read as such when its name
    ends in .weights.h5", which it does (found by a tester)."""
    theirs = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    path = str(tmp_path / "w.weights.h5")
    theirs.save_weights(path)
    with pytest.raises(SavedFileError, match=r"w\.weights\.h5' is a weights file .*holds only weights, no "
                                             r"architecture\. Build the model in code and call "
                                             r"model\.load_weights\(path\) instead") as raised:
        models.load_model(path)
    assert "not a tinygradconv archive" not in str(raised.value)
    ours = models.Sequential([layers.Input((3,)), layers.Dense(2)])
    ours.load_weights(path)                              # as the message says
    for mine, stored in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_array_equal(mine, stored)
    with pytest.raises(FileNotFoundError):
        models.load_model(str(tmp_path / "missing.weights.h5"))


@pytest.mark.parametrize("name", ["m.KERAS", "m", "m.zip"])
def test_a_keras_archive_by_another_name_is_recognised(tmp_path, name):
    keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)]).save(str(tmp_path / "m.keras"))
    os.rename(tmp_path / "m.keras", tmp_path / name)
    with pytest.raises(SavedFileError, match=r"it looks like a Keras 3 \.keras archive \(it holds .*config\.json.*\): "
                                             r"name it with the \.keras suffix"):
        models.load_model(str(tmp_path / name))
    with pytest.raises(ValueError, match="extension"):        # Keras refuses such a name too
        keras.saving.load_model(str(tmp_path / name))


@pytest.mark.parametrize("inner, found", [(None, r"found None"),
                                          ({"name": "s"}, r"found no 'layers' \(keys \['name'\]\)"),
                                          ({"name": "s", "layers": "dense"}, "found 'dense'")])
def test_a_model_config_without_layers_is_an_error_not_an_empty_model(tmp_path, inner, found):
    """``{"class_name": "Sequential", "config": null}`` loaded as an empty model, leaving out the file's weights
    (found by a tester)."""
    keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)]).save(str(tmp_path / "good.keras"))

    def edit(config):
        config["config"] = inner

    path = _with_config(tmp_path / "good.keras", tmp_path / "bad.keras", edit)
    with pytest.raises(SavedFileError, match=rf"the model config is damaged: .*{found}; the model and its weights "
                                             r"cannot be read from it"):
        models.load_model(path)
    with pytest.raises(Exception):  # noqa: B017 - Keras fails too (a TypeError or KeyError of its own)
        keras.saving.load_model(str(path))
