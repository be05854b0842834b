"""A subclass of ``Model`` made from ``(inputs, outputs)`` (``class M(Model): ...; M(inputs, outputs)``) keeps its
class in ``.keras`` files, ``to_json``/``model_from_json`` and ``clone_model``, as Keras 3.15 keeps it: written under
its own name (and registered name), read back as that class when it is registered or given in ``custom_objects``,
refused by name otherwise. Each case is run in Keras first (the same class names) and compared."""
import json
import warnings
import zipfile

import numpy as np
import pytest
from helpers import keras_on_torch

import tinygradconv as tg
from tinygradconv.saving import SavedFileError

KERAS = "Keras 3 on torch is the reference for functional models of a class of your own"
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")   # inside Keras


def _classes(lib):
    """``(Registered, Unregistered)``: Model subclasses of ``lib`` (keras or tinygradconv) named alike, the first
    registered as ``"b2test>Registered"`` (once per library: registration is for the whole process)."""
    cache = _classes.__dict__.setdefault(lib.__name__, {})
    if not cache:
        registered = type("Registered", (lib.models.Model,), {"__module__": __name__})
        cache["classes"] = (lib.saving.register_keras_serializable(package="b2test")(registered),
                            type("Unregistered", (lib.models.Model,), {"__module__": __name__}))
    return cache["classes"]


def _model(lib, cls):
    x = lib.layers.Input((4,), name="x")
    model = cls(x, lib.layers.Dense(2, name="out")(lib.layers.Dense(3, name="hidden")(x)), name="mine")
    model.compile(optimizer="adam", loss="mse")
    return model


def _header(text):
    config = json.loads(text)
    return {key: config[key] for key in ("module", "class_name", "registered_name")}


def _loaded(load, *args, **kwargs):
    """The loaded model's class name, or the error's type and whether it names the class."""
    try:
        return type(load(*args, **kwargs)).__name__
    except (TypeError, ValueError) as exc:
        return type(exc).__name__ if "ould not locate class" in str(exc) else repr(exc)


@pytest.mark.parametrize("which", [0, 1])
def test_json_keras_file_and_clone_keep_the_class_as_keras(tmp_path, which):
    pytest.importorskip("h5py", reason="h5py reads and writes the weights of .keras files")
    keras = keras_on_torch(KERAS)
    results = {}
    for lib, load, from_json, clone in ((keras, keras.saving.load_model, keras.models.model_from_json,
                                         keras.models.clone_model),
                                        (tg, tg.models.load_model, tg.models.model_from_json, tg.models.clone_model)):
        cls = _classes(lib)[which]
        model = _model(lib, cls)
        path = str(tmp_path / f"{lib.__name__}.keras")
        model.save(path)
        with zipfile.ZipFile(path) as archive:
            in_file = _header(archive.read("config.json"))
        results[lib.__name__] = {
            "to_json": _header(model.to_json()), "file": in_file,
            "load": _loaded(load, path), "load with custom_objects": _loaded(load, path, custom_objects={
                cls.__name__: cls}),
            "model_from_json": _loaded(from_json, model.to_json()),
            "model_from_json with custom_objects": _loaded(from_json, model.to_json(),
                                                           custom_objects={cls.__name__: cls}),
            "clone_model": type(clone(model)).__name__}
    theirs, ours = results["keras"], results["tinygradconv"]
    name = ["Registered", "Unregistered"][which]
    assert theirs["file"] == theirs["to_json"] == {"module": __name__, "class_name": name,
                                                  "registered_name": ["b2test>Registered", name][which]}
    assert theirs["load with custom_objects"] == theirs["model_from_json with custom_objects"] == name
    assert theirs["clone_model"] == name
    assert theirs["load"] == theirs["model_from_json"] == [name, "TypeError"][which]
    ours_expected = dict(theirs, **({"load": "SavedFileError", "model_from_json": "SavedFileError"} if which else {}))
    assert ours == ours_expected        # (SavedFileError, a ValueError, where Keras raises a TypeError)


def test_the_refusal_says_how_to_give_the_class(tmp_path):
    pytest.importorskip("h5py", reason="h5py reads and writes the weights of .keras files")
    _, unregistered = _classes(tg)
    model = _model(tg, unregistered)
    model.save(str(tmp_path / "m.keras"))
    with pytest.raises(SavedFileError, match=r"m\.keras: could not locate class 'Unregistered' \(Keras' words\), "
                                             r"the class of this functional model: pass it when loading, "
                                             r"custom_objects=\{'Unregistered': Unregistered\}, or register it"):
        tg.models.load_model(str(tmp_path / "m.keras"))
    with pytest.raises(SavedFileError, match="not a Model subclass made from"):
        tg.models.load_model(str(tmp_path / "m.keras"), custom_objects={"Unregistered": tg.layers.Dense})


def test_our_file_loads_in_keras_given_the_class_and_theirs_here(tmp_path):
    """Trained one step, saved, loaded in the other library with the class in custom_objects: that class, the same
    outputs, the optimizer's step count, and no "Skipping variable loading"."""
    pytest.importorskip("h5py", reason="h5py reads and writes the weights of .keras files")
    keras = keras_on_torch(KERAS)
    x = np.random.default_rng(0).normal(size=(8, 4)).astype("float32")
    y = np.random.default_rng(1).normal(size=(8, 2)).astype("float32")
    pairs = [(lib, _model(lib, _classes(lib)[1])) for lib in (tg, keras)]
    for lib, model in pairs:
        model.fit(x, y, batch_size=8, verbose=0)
        model.save(str(tmp_path / f"{lib.__name__}.keras"))
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        theirs = keras.saving.load_model(str(tmp_path / "tinygradconv.keras"),
                                         custom_objects={"Unregistered": _classes(keras)[1]})
        ours = tg.models.load_model(str(tmp_path / "keras.keras"), custom_objects={"Unregistered": _classes(tg)[1]})
    assert isinstance(theirs, _classes(keras)[1]) and isinstance(ours, _classes(tg)[1])
    assert int(theirs.optimizer.iterations) == ours.optimizer.iterations == 1
    np.testing.assert_allclose(np.asarray(theirs.predict(x, verbose=0)), pairs[0][1].predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours.predict(x, verbose=0), np.asarray(pairs[1][1].predict(x, verbose=0)),
                               rtol=1e-5, atol=1e-6)


def test_a_nested_one_keeps_its_class_both_ways(tmp_path):
    """Nested in a Sequential model, as Keras 3 writes it: under its class (its weights under
    ``layers/unregistered/``), loaded as that class given in custom_objects, here from Keras' file and in Keras
    from ours, with the same outputs; without the class, refused by name (before: refused when written)."""
    pytest.importorskip("h5py", reason="h5py reads and writes the weights of .keras files")
    keras = keras_on_torch(KERAS)
    x = np.random.default_rng(0).normal(size=(8, 4)).astype("float32")

    def nested(lib):
        inputs = lib.layers.Input((4,))
        inner = _classes(lib)[1](inputs, lib.layers.Dense(3, name="d1")(inputs), name="inner")
        model = lib.models.Sequential([lib.layers.Input((4,)), inner, lib.layers.Dense(2, name="out")],
                                      name="outer")
        model.save(str(tmp_path / f"{lib.__name__}.keras"))
        return model

    mine, reference = nested(tg), nested(keras)
    assert json.loads(mine.to_json())["config"]["layers"][1]["class_name"] == \
        json.loads(reference.to_json())["config"]["layers"][1]["class_name"] == "Unregistered"
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        theirs = keras.saving.load_model(str(tmp_path / "tinygradconv.keras"),
                                         custom_objects={"Unregistered": _classes(keras)[1]})
        ours = tg.models.load_model(str(tmp_path / "keras.keras"), custom_objects={"Unregistered": _classes(tg)[1]})
    assert isinstance(theirs.layers[0], _classes(keras)[1]) and isinstance(ours.layers[0], _classes(tg)[1])
    np.testing.assert_allclose(np.asarray(theirs.predict(x, verbose=0)), mine.predict(x, verbose=0), rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_allclose(ours.predict(x, verbose=0), np.asarray(reference.predict(x, verbose=0)), rtol=1e-5,
                               atol=1e-6)
    with pytest.raises(SavedFileError, match="could not locate class 'Unregistered'"):
        tg.models.load_model(str(tmp_path / "keras.keras"))
