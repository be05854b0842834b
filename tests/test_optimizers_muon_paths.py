"""Muon's ``exclude_layers`` (and ``exclude_embeddings``) match Keras 3's ``variable.path``, which begins with the
name of the Sequential or subclassed model that built the weight (``"seqm/out/kernel"``) and not in a functional
model (``"out/kernel"``): the paths of :func:`tinygradconv.keras_format.keras_variable_paths` against Keras 3.15's,
and one step of Muon in a model against Keras' (which variables take the AdamW step, and the weights after it)."""
import numpy as np
import pytest
from helpers import keras_on_torch

import tinygradconv as tg
from tinygradconv.keras_format import keras_variable_paths

KERAS = "Keras 3 on torch is the reference for variable paths and Muon"
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")   # inside Keras


def _subclassed(lib, name):
    class Sub(lib.models.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.d1 = lib.layers.Dense(3, name="d1")
            self.out = lib.layers.Dense(2, name="out")

        def call(self, x):
            return self.out(self.d1(x))

    model = Sub(name=name)
    model(np.ones((1, 4), "float32"))
    return model


def _build(lib, case):
    """The same model in Keras (``lib = keras``) or here (``lib = tg``), layers named alike."""
    L, Sequential, Model = lib.layers, lib.models.Sequential, lib.models.Model
    if case == "sequential":
        return Sequential([L.Input((4,)), L.Dense(3, name="d1"), L.Dense(2, name="out")], name="seqm")
    if case == "sequential built later":
        model = Sequential([L.Dense(3, name="d1"), L.Dense(2, name="out")], name="later")
        model.build((None, 4))
        return model
    if case == "functional":
        x = L.Input((4,))
        return Model(x, L.Dense(2, name="out")(L.Dense(3, name="d1")(x)), name="fun")
    if case == "subclassed":
        return _subclassed(lib, "subm")
    if case == "sequential in sequential, with its Input":
        inner = Sequential([L.Input((4,)), L.Dense(3, name="d1")], name="inner")
        return Sequential([L.Input((4,)), inner, L.Dense(2, name="out")], name="outer")
    if case == "sequential in sequential, built by it":
        inner = Sequential([L.Dense(3, name="d1")], name="inner")
        return Sequential([L.Input((4,)), inner, L.Dense(2, name="out")], name="outer")
    if case == "functional in sequential":
        x = L.Input((4,))
        inner = Model(x, L.Dense(3, name="d1")(x), name="finner")
        return Sequential([L.Input((4,)), inner, L.Dense(2, name="out")], name="outer")
    if case == "sequential in functional":
        x = L.Input((4,))
        inner = Sequential([L.Dense(3, name="d1")], name="inseq")
        return Model(x, L.Dense(2, name="out")(inner(x)), name="fun")
    raise AssertionError(case)


CASES = ["sequential", "sequential built later", "functional", "subclassed", "sequential in sequential, with its Input",
         "sequential in sequential, built by it", "functional in sequential", "sequential in functional"]


@pytest.mark.parametrize("case", CASES)
def test_paths_are_kerass(case):
    keras = keras_on_torch(KERAS)
    theirs = [v.path for v in _build(keras, case).trainable_variables]
    model = _build(tg, case)
    paths = {id(w): p for w, p in keras_variable_paths(model)}
    assert [paths[id(w)] for w in model.trainable_weights] == theirs


def _one_step(lib, case, exclude_layers, weights):
    """One Muon step of ``fit`` on ``case`` from ``weights``: (which variables took AdamW, the weights after)."""
    model = _build(lib, case)
    model.set_weights(weights)
    model.compile(optimizer=lib.optimizers.Muon(learning_rate=0.1, exclude_layers=exclude_layers), loss="mse")
    x = np.random.default_rng(0).normal(size=(8, 4)).astype("float32")
    y = np.random.default_rng(1).normal(size=(8, 2)).astype("float32")
    model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    opt = model.optimizer
    if lib is tg:
        adamw = ["v" in opt.state_of(w) for w in model.trainable_weights]
    else:
        adamw = [opt.adam_velocities[opt._get_variable_index(v)] is not None for v in model.trainable_variables]
    return adamw, [np.asarray(w) for w in model.get_weights()]


@pytest.mark.parametrize("case, exclude_layers, adamw", [
    # the kernels are 2-D (Muon unless excluded); the biases 1-D (always AdamW)
    ("sequential", ["seqm/out"], [False, True, True, True]),          # the model's name is in Keras' path
    ("sequential", ["^out/"], [False, True, False, True]),             # ... so "^out/" matches nothing there
    ("functional", ["^out/"], [False, True, True, True]),              # no model name in a functional model's
    ("subclassed", ["^subm/d1/kernel$"], [True, True, False, True]),
    ("sequential in sequential, built by it", ["outer/inner/"], [True, True, False, True]),
    ("sequential", ["seqm"], [True, True, True, True]),
])
def test_muon_excludes_the_variables_keras_excludes(case, exclude_layers, adamw):
    keras = keras_on_torch(KERAS)
    weights = [np.random.default_rng(i).normal(size=w.shape).astype("float32")
               for i, w in enumerate(_build(keras, case).get_weights())]
    theirs = _one_step(keras, case, exclude_layers, weights)
    ours = _one_step(tg, case, exclude_layers, weights)
    assert theirs[0] == adamw and ours[0] == adamw
    for a, b in zip(ours[1], theirs[1]):
        np.testing.assert_allclose(a, b, rtol=2e-4, atol=2e-5)


def test_a_wrapped_muon_and_a_loaded_one_use_the_paths_too(tmp_path):
    """In a LossScaleOptimizer, and restored from a .tgc.npz file (built on load, before any step): the same
    AdamW variables as Model.fit's Muon (by hand: the Sequential's name in the path)."""
    def compiled(optimizer):
        model = tg.models.Sequential([tg.layers.Input((4,)), tg.layers.Dense(3, name="d1"),
                                      tg.layers.Dense(2, name="out")], name="seqm")
        model.compile(optimizer=optimizer, loss="mse")
        return model

    x, y = np.ones((4, 4), "float32"), np.ones((4, 2), "float32")
    wrapped = compiled(tg.optimizers.LossScaleOptimizer(tg.optimizers.Muon(exclude_layers=["seqm/out"])))
    wrapped.fit(x, y, verbose=0)
    inner = wrapped.optimizer.inner_optimizer
    assert ["v" in inner.state_of(w) for w in wrapped.trainable_weights] == [False, True, True, True]
    plain = compiled(tg.optimizers.Muon(exclude_layers=["seqm/out"]))
    plain.fit(x, y, verbose=0)
    plain.save(str(tmp_path / "m.tgc.npz"))
    loaded = tg.models.load_model(str(tmp_path / "m.tgc.npz"))
    assert ["v" in loaded.optimizer.state_of(w) for w in loaded.trainable_weights] == [False, True, True, True]


def _saved(lib, exclude_layers, path):
    x = np.random.default_rng(0).normal(size=(8, 4)).astype("float32")
    y = np.random.default_rng(1).normal(size=(8, 2)).astype("float32")
    model = _build(lib, "sequential")
    model.compile(optimizer=lib.optimizers.Muon(learning_rate=0.1, exclude_layers=exclude_layers), loss="mse")
    model.fit(x, y, batch_size=8, verbose=0)
    model.save(str(path))


def test_a_keras_file_of_muon_loads_both_ways_with_its_adamw_slots(tmp_path):
    """Keras keeps a velocity for each AdamW variable only: the same excluded variables here and there make the
    same optimizer/vars, so each loads the other's file without "Skipping variable loading" and with its slots."""
    pytest.importorskip("h5py", reason="h5py reads and writes the weights of .keras files")
    import warnings

    keras = keras_on_torch(KERAS)
    for lib in (keras, tg):
        _saved(lib, ["out/kernel"], tmp_path / f"{lib.__name__}.keras")
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        ours = tg.models.load_model(str(tmp_path / "keras.keras"))
        theirs = keras.saving.load_model(str(tmp_path / "tinygradconv.keras"))
    assert ["v" in ours.optimizer.state_of(w) for w in ours.trainable_weights] == [False, True, True, True]
    assert [v is not None for v in theirs.optimizer.adam_velocities] == [False, True, True, True]
    assert int(ours.optimizer.iterations) == int(theirs.optimizer.iterations) == 1


def test_a_loaded_sequential_loses_the_models_name_in_its_paths_as_in_keras(tmp_path):
    """Keras builds a loaded Sequential's layers from their build_config before the model holds them, outside the
    model's scope, so their paths lose its name ("out/kernel", not "seqm/out/kernel"), and a pattern that needs it
    (``"seqm/out"``) no longer matches: Keras skips its own file's Muon variables. The weights here have Keras'
    paths, so a ``.keras`` file loads the same way, with the same warning (a ``.tgc.npz`` file keeps the paths:
    ``test_a_wrapped_muon_and_a_loaded_one_use_the_paths_too``)."""
    pytest.importorskip("h5py", reason="h5py reads and writes the weights of .keras files")
    keras = keras_on_torch(KERAS)
    _saved(keras, ["seqm/out"], tmp_path / "keras.keras")
    _saved(tg, ["seqm/out"], tmp_path / "ours.keras")
    skipping = "Skipping variable loading for optimizer 'muon.*has 8 variables whereas the saved optimizer has 9"
    with pytest.warns(UserWarning, match=skipping):
        theirs = keras.saving.load_model(str(tmp_path / "keras.keras"))
    with pytest.warns(UserWarning, match=skipping):
        ours = tg.models.load_model(str(tmp_path / "ours.keras"))
    assert [v.path for v in ours.trainable_weights] == [v.path for v in theirs.trainable_variables]
    assert [v.path for v in theirs.trainable_variables][2] == "out/kernel"


def _rewrite_meta(path, change):
    """Rewrite the metadata of the ``.tgc.npz`` file at ``path`` with ``change(meta)`` (a file written before
    ``weight_paths`` was saved, or a damaged one)."""
    import json

    from tinygradconv import saving

    with np.load(path) as data:
        arrays = dict(data)
    meta = json.loads(bytes(arrays[saving.META_KEY]).decode())
    change(meta)
    arrays[saving.META_KEY] = np.frombuffer(json.dumps(meta).encode(), np.uint8)
    np.savez(path, **arrays)


def _trained_and_saved(case, path, optimizer):
    model = _build(tg, case)
    model.compile(optimizer=optimizer, loss="mse")
    x = np.random.default_rng(0).normal(size=(8, 4)).astype("float32")
    y = np.random.default_rng(1).normal(size=(8, 2)).astype("float32")
    model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    model.save(str(path))
    return model, (x, y)


@pytest.mark.parametrize("case", [c for c in CASES if c != "subclassed"])     # (a subclass has no config to save)
def test_a_tgc_npz_file_keeps_the_trained_paths(case, tmp_path):
    """The weights of a model read from a ``.tgc.npz`` file have the paths they were trained with, Keras' paths of
    the model as built (an inner Sequential built by its model: ``"outer/inner/d1/kernel"``; one started with an
    Input, built before its model held it: ``"inner/d1/kernel"``), and so do the optimizer's slots. Before
    2026-12-07 the outer model's name was lost (``"inner/d1/kernel"`` for both, found by a reviewer)."""
    keras = keras_on_torch(KERAS)
    theirs = [v.path for v in _build(keras, case).trainable_variables]
    trained, _ = _trained_and_saved(case, tmp_path / "m.tgc.npz", tg.optimizers.Adam())
    loaded = tg.models.load_model(str(tmp_path / "m.tgc.npz"))
    assert [w.path for w in trained.trainable_weights] == theirs
    assert [w.path for w in loaded.trainable_weights] == theirs
    assert [v.path for v in loaded.optimizer.variables] == [v.path for v in trained.optimizer.variables]


def test_a_tgc_npz_file_without_its_paths_builds_an_inner_sequential_inside_its_model(tmp_path):
    """A file written before the paths were saved (no ``weight_paths``): the loader builds an inner Sequential
    inside the outer one's name scope, as the outer model built it when trained (Keras' paths of that model)."""
    keras = keras_on_torch(KERAS)
    case = "sequential in sequential, built by it"
    theirs = [v.path for v in _build(keras, case).trainable_variables]
    _trained_and_saved(case, tmp_path / "m.tgc.npz", tg.optimizers.Adam())
    _rewrite_meta(tmp_path / "m.tgc.npz", lambda meta: meta.pop("weight_paths"))
    loaded = tg.models.load_model(str(tmp_path / "m.tgc.npz"))
    assert [w.path for w in loaded.trainable_weights] == theirs == ["outer/inner/d1/kernel", "outer/inner/d1/bias",
                                                                    "outer/out/kernel", "outer/out/bias"]


def test_a_muon_excluding_an_inner_sequential_resumes_from_its_tgc_npz_file(tmp_path):
    """``Muon(exclude_layers=["outer/inner"])``: the inner Sequential's kernel takes the AdamW step (as in Keras,
    ``test_muon_excludes_the_variables_keras_excludes``), before saving and after loading, and training resumed
    from the file follows the uninterrupted run step for step. Before 2026-12-07 the loaded paths lost ``outer/``,
    so the loader's Muon wanted no AdamW slots there and refused the file's (``unexpected ['0/v']``)."""
    def muon():
        return tg.optimizers.Muon(learning_rate=0.05, exclude_layers=["outer/inner"])

    case = "sequential in sequential, built by it"
    trained, (x, y) = _trained_and_saved(case, tmp_path / "m.tgc.npz", muon())
    loaded = tg.models.load_model(str(tmp_path / "m.tgc.npz"))
    adamw = [True, True, False, True]       # the inner kernel excluded; the biases (1-D) always AdamW
    assert ["v" in trained.optimizer.state_of(w) for w in trained.trainable_weights] == adamw
    assert ["v" in loaded.optimizer.state_of(w) for w in loaded.trainable_weights] == adamw
    for _ in range(3):
        assert float(loaded.train_on_batch(x[:4], y[:4])) == float(trained.train_on_batch(x[:4], y[:4]))
    for a, b in zip(loaded.get_weights(), trained.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_damaged_weight_paths_are_named(tmp_path):
    from tinygradconv.saving import SavedFileError

    _trained_and_saved("sequential", tmp_path / "m.tgc.npz", tg.optimizers.Adam())
    _rewrite_meta(tmp_path / "m.tgc.npz", lambda meta: meta.update(weight_paths=[1, 2]))
    with pytest.raises(SavedFileError, match=r"m\.tgc\.npz.*weight_paths \[1, 2\] is not a list of strings"):
        tg.models.load_model(str(tmp_path / "m.tgc.npz"))
