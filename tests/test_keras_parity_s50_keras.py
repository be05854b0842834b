"""Keras 3.15.1 (run here as the reference, on torch) against ours: the output shapes of a model of a dict of
outputs (``compute_output_shape`` a dict, as Keras 3's), a ``Sequential`` ending in such a model, the configs of
the regularizers and bool weights."""
import numpy as np
import pytest
from helpers import keras_on_torch

import tinygradconv as tg


def _dict_model(lib, keys=("b", "a")):
    """``Model(i, {"b": Dense(2), "a": Dense(1)})`` (keys written out of sorted order), named layers."""
    i = lib.layers.Input((3,), name="i")
    units = {"a": 1, "b": 2, "c": 3}
    return lib.models.Model(i, {k: lib.layers.Dense(units[k], name="d" + k)(i) for k in keys}, name="inner")


@pytest.mark.parametrize("keys", [("b", "a"), ("a",)])
def test_compute_output_shape_of_a_dict_of_outputs(keys):
    keras = keras_on_torch("Keras 3 is the reference for the output shapes of a dict of outputs")
    theirs, ours = _dict_model(keras, keys), _dict_model(tg, keys)
    expected = theirs.compute_output_shape((None, 3))
    got = ours.compute_output_shape((None, 3))
    assert isinstance(got, dict) and list(got) == list(expected) == list(keys)
    assert {k: tuple(v) for k, v in got.items()} == {k: tuple(v) for k, v in expected.items()}
    assert ours.output_shape == theirs.output_shape
    assert [t.shape for t in ours.outputs] == [tuple(t.shape) for t in theirs.outputs]
    assert ours.get_config()["output_layers"] == theirs.get_config()["output_layers"]


def _wrapped(lib, how):
    inner = _dict_model(lib)
    if how == "sequential":
        return lib.models.Sequential([lib.layers.Input((3,)), inner])
    j = lib.layers.Input((3,), name="j")
    return lib.models.Model(j, inner(j), name="outer")


@pytest.mark.parametrize("how", ["sequential", "functional"])
def test_a_model_holding_a_dict_output_model(how):
    keras = keras_on_torch("Keras 3 is the reference for a model holding a model of dict outputs")
    theirs, ours = _wrapped(keras, how), _wrapped(tg, how)
    expected, got = theirs.compute_output_shape((None, 3)), ours.compute_output_shape((None, 3))
    assert isinstance(got, dict) and list(got) == list(expected)
    assert {k: tuple(v) for k, v in got.items()} == {k: tuple(v) for k, v in expected.items()}
    assert ours.output_shape == [tuple(s) for s in theirs.output_shape] == [(None, 1), (None, 2)]
    lines = []
    ours.summary(print_fn=lines.append)
    row = next(line for line in "\n".join(lines).splitlines() if line.startswith("inner"))
    assert "[(None, 1), (None, 2)]" in row     # as Keras' summary shows the inner model's shapes


# ------------------------------------------------------------------------------------------- regularizer configs
_REGULARIZERS = [("L1", {"l1": 0.01}), ("L2", {"l2": 0.01}), ("L1L2", {"l1": 0.01, "l2": 0.3}),
                 ("OrthogonalRegularizer", {"factor": 0.01}), ("OrthogonalRegularizer", {"factor": 0.3,
                                                                                         "mode": "columns"}),
                 ("l1", None), ("l2", None), ("l1l2", None)]


@pytest.fixture(params=["float32", "float64", "float16"])
def floatx(request):
    """Both libraries' ``floatx()`` set to one value for the test, restored after it."""
    keras = keras_on_torch("Keras 3 is the reference for the regularizers' factors")
    before, before_ours = keras.config.floatx(), tg.config.floatx()
    keras.config.set_floatx(request.param)
    tg.config.set_floatx(request.param)
    yield request.param
    keras.config.set_floatx(before)
    tg.config.set_floatx(before_ours)


@pytest.mark.parametrize("name, arguments", _REGULARIZERS)
def test_regularizer_configs_and_penalties(name, arguments, floatx):
    """The config (the float32-rounded ``0.009999999776482582`` of L1 and OrthogonalRegularizer under the default
    floatx) and the penalty of float64, float32 and float16 weights, against Keras'."""
    import keras
    import torch

    make = (lambda lib: lib.regularizers.get(name)) if arguments is None else (
        lambda lib: getattr(lib.regularizers, name)(**arguments))
    theirs, ours = make(keras), make(tg)
    assert ours.get_config() == theirs.get_config()
    assert tg.regularizers.get(keras.regularizers.serialize(theirs)).get_config() == theirs.get_config()
    w = np.random.default_rng(0).normal(size=(3, 4))
    for dtype in ("float64", "float32", "float16"):
        expected = theirs(torch.tensor(w.astype(dtype)))
        if name == "OrthogonalRegularizer" and dtype == "float64":
            # Keras 3.15's ops.normalize is 3e-8 off in float64 (its mean cosine too): its factor (from its
            # config) times the formula, from a NumPy loop over the pairs
            unit = w / np.linalg.norm(w, axis=1 if arguments.get("mode", "rows") == "rows" else 0, keepdims=True)
            vectors = unit if arguments.get("mode", "rows") == "rows" else unit.T
            pairs = [abs(vectors[i] @ vectors[j]) for i in range(len(vectors)) for j in range(i + 1, len(vectors))]
            expected = torch.tensor(theirs.get_config()["factor"] * np.mean(pairs))
        got = ours(tg.Tensor(w.astype(dtype), dtype=dtype))
        # float64 tells a factor rounded to float32 (2e-8 off) from an exact one
        rel = {"float64": 1e-14, "float32": 1e-6, "float16": 2e-3}[dtype]
        assert got.numpy().item() == pytest.approx(expected.item(), rel=rel)
        if name != "OrthogonalRegularizer":    # (Keras' factor tensor promotes its penalty past float16 weights)
            assert str(got.dtype) == str(expected.dtype).replace("torch.", "")


def test_regularizer_config_in_a_keras_file(tmp_path):
    """A ``.keras`` file written by Keras holds the rounded factors; ours writes the same and reads Keras'."""
    keras = keras_on_torch("Keras 3 is the reference for .keras files")
    import json
    import zipfile

    def model(lib):
        i = lib.layers.Input((3,))
        dense = lib.layers.Dense(4, name="d", kernel_regularizer="l1", bias_regularizer=lib.regularizers.L2(0.3),
                                 activity_regularizer=lib.regularizers.OrthogonalRegularizer(0.3))
        return lib.models.Model(i, dense(i))

    def dense_config(path):
        config = json.loads(zipfile.ZipFile(path).read("config.json"))
        return next(item for item in config["config"]["layers"] if item["name"] == "d")["config"]

    theirs, ours = model(keras), model(tg)
    theirs.save(tmp_path / "k.keras")
    ours.save(tmp_path / "t.keras")
    keys = ("kernel_regularizer", "bias_regularizer", "activity_regularizer")
    expected, got = dense_config(tmp_path / "k.keras"), dense_config(tmp_path / "t.keras")
    assert [got[k]["config"] for k in keys] == [expected[k]["config"] for k in keys]
    assert expected["kernel_regularizer"]["config"] == {"l1": 0.009999999776482582}
    loaded = tg.models.load_model(tmp_path / "k.keras")
    assert loaded.get_layer("d").kernel_regularizer.get_config() == {"l1": 0.009999999776482582}


# ------------------------------------------------------------------------------------------------- bool weights
def _flagged_model(lib):
    """A model whose layer holds a float kernel and a non-trainable bool weight (a mask of its outputs)."""
    keras_lib = lib is not tg

    class Flagged(lib.layers.Layer):
        def build(self, shape):
            self.flag = self.add_weight(shape=(2,), dtype="bool", trainable=False, name="flag")
            self.kernel = self.add_weight(shape=(shape[-1], 2), initializer="ones", name="kernel")

        def call(self, x):
            mask = lib.ops.cast(self.flag, "float32") if keras_lib else self.flag.astype("float32")
            return (x @ self.kernel) * mask

        def compute_output_shape(self, shape):
            return (*shape[:-1], 2)

    i = lib.layers.Input((3,), name="i")
    return lib.models.Model(i, Flagged(name="flagged")(i)), Flagged


def _assert_same_weights(got, expected):
    assert [a.dtype for a in got] == [a.dtype for a in expected]
    for a, b in zip(got, expected):
        np.testing.assert_array_equal(a, b)


def test_a_bool_weight_as_keras(tmp_path):
    keras = keras_on_torch("Keras 3 is the reference for bool weights")
    theirs, their_class = _flagged_model(keras)
    ours, our_class = _flagged_model(tg)
    assert [a.tolist() for a in ours.get_weights()] == [a.tolist() for a in theirs.get_weights()]  # zeros: False
    assert [str(w.dtype) for w in ours.non_trainable_weights] == ["bool"]
    theirs.get_layer("flagged").flag.assign(np.array([True, False]))
    ours.set_weights(theirs.get_weights())
    x = np.random.default_rng(0).normal(size=(4, 3)).astype("float32")
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=1e-6)
    ours.compile("sgd", "mse")      # trained: the bool weight left alone, as by Keras
    ours.fit(x, np.ones((4, 2), "float32"), verbose=0)
    assert ours.get_layer("flagged").flag.numpy().tolist() == [True, False]
    theirs.set_weights(ours.get_weights())
    lines = []
    ours.summary(print_fn=lines.append)
    expected = []
    theirs.summary(print_fn=lambda line, **_: expected.append(line))
    assert [line for line in lines if "Non-trainable" in line] == \
        [line.strip() for line in "\n".join(expected).splitlines() if "Non-trainable" in line]   # 0.25 B: bits
    # .weights.h5 both ways
    theirs.save_weights(tmp_path / "k.weights.h5")
    ours.save_weights(tmp_path / "t.weights.h5")
    fresh = _flagged_model(tg)[0]
    fresh.load_weights(tmp_path / "k.weights.h5")
    _assert_same_weights(fresh.get_weights(), theirs.get_weights())
    their_fresh = _flagged_model(keras)[0]
    their_fresh.load_weights(tmp_path / "t.weights.h5")
    _assert_same_weights([np.asarray(a) for a in their_fresh.get_weights()], ours.get_weights())
    # .keras both ways, and our .npz
    theirs.save(tmp_path / "k.keras")
    ours.save(tmp_path / "t.keras")
    ours.save(tmp_path / "t.tgc.npz")
    _assert_same_weights(tg.models.load_model(tmp_path / "k.keras", custom_objects={"Flagged": our_class})
                         .get_weights(), theirs.get_weights())
    _assert_same_weights(keras.models.load_model(tmp_path / "t.keras", custom_objects={"Flagged": their_class})
                         .get_weights(), ours.get_weights())
    _assert_same_weights(tg.models.load_model(tmp_path / "t.tgc.npz", custom_objects={"Flagged": our_class})
                         .get_weights(), ours.get_weights())


def test_bool_data_only_for_a_bool_weight(tmp_path):
    """A file holding bools where the model has a float weight is refused, naming the weight."""
    ours = _flagged_model(tg)[0]
    dense_input = tg.layers.Input((3,), name="i")
    plain = tg.models.Model(dense_input, tg.layers.Dense(2, name="flagged")(dense_input))
    plain.save_weights(tmp_path / "p.weights.h5")
    import h5py
    with h5py.File(tmp_path / "p.weights.h5", "r+") as f:
        del f["layers/dense/vars/1"]
        f["layers/dense/vars/1"] = np.array([True, False])
    with pytest.raises(tg.saving.SavedFileError, match="holds bool data, not numbers"):
        plain.load_weights(tmp_path / "p.weights.h5")
    assert ours.get_layer("flagged").flag.numpy().tolist() == [False, False]


# ----------------------------------------------------------------------------------------------- nested outputs
_X = np.random.default_rng(0).normal(size=(8, 3)).astype("float32")


def _nested_model(lib, kind):
    """``Model(i, {"b": d3, "a": [d1, d2]})`` or ``Model(i, [d1, (d2, d3)])``, named layers (dK: K units)."""
    i = lib.layers.Input((3,), name="i")
    d1, d2, d3 = (lib.layers.Dense(k, name=f"d{k}")(i) for k in (1, 2, 3))
    return lib.models.Model(i, {"b": d3, "a": [d1, d2]} if kind == "dict" else [d1, (d2, d3)])


def _leaves(structure):
    return tg.layers.keras_tensor.flatten(structure)


def _shapes(structure):
    """The structure with each array a shape (containers kept: a tuple stays one)."""
    return tg.layers.keras_tensor.map_structure(lambda a: tuple(np.shape(a)), structure)


@pytest.mark.parametrize("kind", ["dict", "tuple"])
def test_nested_outputs_predict_shapes_and_config(kind):
    keras = keras_on_torch("Keras 3 is the reference for nested outputs")
    theirs, ours = _nested_model(keras, kind), _nested_model(tg, kind)
    ours.set_weights(theirs.get_weights())
    assert ours.compute_output_shape((None, 3)) == theirs.compute_output_shape((None, 3))
    assert ours.output_shape == theirs.output_shape
    assert [t.shape for t in ours.outputs] == [tuple(t.shape) for t in theirs.outputs]
    import json
    assert json.loads(json.dumps(ours.get_config()["output_layers"])) == \
        json.loads(json.dumps(theirs.get_config()["output_layers"]))
    for batch_size in (None, 3):
        expected, got = theirs.predict(_X, batch_size=batch_size, verbose=0), ours.predict(_X, batch_size=batch_size,
                                                                                          verbose=0)
        assert _shapes(got) == _shapes(expected)
        for a, b in zip(_leaves(got), _leaves(expected)):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    symbolic, their_symbolic = ours(tg.layers.Input((3,))), theirs(keras.layers.Input((3,)))
    if kind == "dict":      # keyed in the order written, as Keras' symbolic call
        assert list(symbolic) == list(their_symbolic) == ["b", "a"]
    assert _shapes(tg.layers.keras_tensor.map_structure(lambda t: np.zeros(t.shape[1:]), symbolic)) == \
        _shapes(keras.tree.map_structure(lambda t: np.zeros(t.shape[1:]), their_symbolic))


@pytest.mark.parametrize("kind", ["dict", "tuple"])
@pytest.mark.parametrize("per_output", [False, True])
def test_nested_outputs_fit_evaluate_and_files(kind, per_output, tmp_path):
    keras = keras_on_torch("Keras 3 is the reference for training nested outputs")
    theirs, ours = _nested_model(keras, kind), _nested_model(tg, kind)
    ours.set_weights(theirs.get_weights())
    prediction = theirs.predict(_X, verbose=0)
    y = keras.tree.map_structure(lambda a: np.cos(np.arange(a.size)).reshape(a.shape).astype("float32"),
                                 prediction)
    names = iter(["mae", "mse", "huber"])
    loss = keras.tree.map_structure(lambda _: next(names), prediction) if per_output else "mse"
    for model in (theirs, ours):
        model.compile("sgd", loss)
    expected = theirs.fit(_X, y, epochs=2, batch_size=4, shuffle=False, verbose=0).history
    got = ours.fit(_X, y, epochs=2, batch_size=4, shuffle=False, verbose=0).history
    assert sorted(got) == sorted(expected)      # a/d1_loss, a/d2_loss, b_loss, loss (Keras' path names)
    for key in expected:
        np.testing.assert_allclose(got[key], expected[key], rtol=1e-5)
    np.testing.assert_allclose(ours.evaluate(_X, y, verbose=0), theirs.evaluate(_X, y, verbose=0), rtol=1e-5)
    theirs.save(tmp_path / "k.keras")
    ours.save(tmp_path / "t.keras")
    ours_loaded, theirs_loaded = tg.models.load_model(tmp_path / "k.keras"), keras.models.load_model(tmp_path /
                                                                                                      "t.keras")
    # (read from JSON, a tuple of outputs comes back a list, in Keras as here)
    assert _shapes(ours_loaded.predict(_X, verbose=0)) == _shapes(theirs_loaded.predict(_X, verbose=0))
    for loaded, reference in ((ours_loaded, theirs), (theirs_loaded, ours)):
        for a, b in zip(_leaves(loaded.predict(_X, verbose=0)), _leaves(reference.predict(_X, verbose=0))):
            np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(loaded.evaluate(_X, y, verbose=0), reference.evaluate(_X, y, verbose=0),
                                   rtol=1e-5)       # compiled again from the file, the same losses
    clone = tg.models.clone_model(ours)
    assert _shapes(clone.predict(_X, verbose=0)) == _shapes(ours.predict(_X, verbose=0))


def test_nested_targets_of_another_structure_are_refused():
    ours = _nested_model(tg, "dict")
    ours.compile("sgd", "mse")
    y = {"a": [np.zeros((8, 1)), np.zeros((8, 2))], "b": np.zeros((8, 3))}
    with pytest.raises(ValueError, match=r"`y`: at \['a'\] it expects a list of 2"):
        ours.fit(_X, {**y, "a": [np.zeros((8, 1))]}, verbose=0)
    with pytest.raises(ValueError, match=r"`loss`: at \['a'\] it expects a list of 2"):
        ours.compile("sgd", {"a": ["mse"], "b": "mse"})


# ------------------------------------------------------------------------ a Sequential ending in a dict-output model
def _sequential_of_a_dict_model(lib):
    inner_input = lib.layers.Input((3,), name="ii")
    inner = lib.models.Model(inner_input, {"z": lib.layers.Dense(1, name="zd")(inner_input),
                                           "a": lib.layers.Dense(2, name="ad")(inner_input)}, name="inner")
    return lib.models.Sequential([lib.layers.Input((3,)), inner], name="stack")


def test_a_sequential_ending_in_a_dict_output_model_trains_as_its_functional_model():
    """Keras 3 trains such a Sequential with a target and loss per output; ours refuses it, saying which model
    trains it: the functional model of the same layers, whose fit gives Keras' Sequential's logs."""
    keras = keras_on_torch("Keras 3 is the reference for a Sequential ending in a model of dict outputs")
    theirs, ours = _sequential_of_a_dict_model(keras), _sequential_of_a_dict_model(tg)
    ours.set_weights(theirs.get_weights())
    y = {"z": np.cos(np.arange(8.0)).reshape(8, 1).astype("float32"),
         "a": np.sin(np.arange(16.0)).reshape(8, 2).astype("float32")}
    loss = {"z": "mse", "a": "mae"}
    theirs.compile("sgd", loss)
    ours.compile("sgd", loss)
    for target in (y, y["z"]):
        with pytest.raises(ValueError, match=r"`y`: Sequential model 'stack' ends in model 'inner', which has 2 "
                                             r"outputs \(\['a', 'z'\]\).*models.Model\(model.inputs, model.output\)"):
            ours.fit(_X, target, verbose=0)
    with pytest.raises(ValueError, match="ends in model 'inner'"):
        ours.evaluate(_X, y, verbose=0)
    functional = tg.models.Model(ours.inputs, ours.output)
    functional.compile("sgd", loss)
    expected = theirs.fit(_X, y, epochs=2, batch_size=4, shuffle=False, verbose=0).history
    got = functional.fit(_X, y, epochs=2, batch_size=4, shuffle=False, verbose=0).history
    assert sorted(got) == sorted(expected) == ["a_loss", "loss", "z_loss"]
    for key in expected:
        np.testing.assert_allclose(got[key], expected[key], rtol=1e-5)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):     # the Sequential's own weights were trained
        np.testing.assert_allclose(a, np.asarray(b), rtol=1e-5, atol=1e-6)
