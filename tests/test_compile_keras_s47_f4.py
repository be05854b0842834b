"""Compile arguments as Keras 3.15 (torch backend) keeps them, checked against Keras itself: a built-in loss or metric
function given to ``compile`` loads back from a saved file as that function (a name stays a name), both ways between
the libraries; a dict of losses on a one-output ``Sequential`` is taken by ``compile`` and fails at the first batch;
one array given to a model built on a dict of one input is taken with a warning."""
import inspect
import json
import re
import warnings
import zipfile

import numpy as np
import pytest
from helpers import keras_on_torch

import tinygradconv as tg
from tinygradconv import layers, models

REASON = "Keras 3 is the reference of what compile keeps and what load_model gives back"


def _compile_config(path):
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read("config.json"))["compile_config"]


@pytest.mark.filterwarnings("ignore::UserWarning")   # Keras' own warnings while loading
def test_builtin_loss_function_loads_back_as_the_function_both_ways(tmp_path):
    """Keras 3 writes ``compile(loss=keras.losses.mean_squared_error)`` as a plain function
    (``{"module": "builtins", "class_name": "function", ...}``) and ``load_model`` gives the function back as
    ``model.loss``; ours wrote the name and loaded the string ``'mean_squared_error'``."""
    pytest.importorskip("h5py", reason="h5py reads and writes the weights of .keras files")
    keras = keras_on_torch(REASON)
    theirs = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    theirs.compile(loss=keras.losses.mean_squared_error, metrics=[keras.metrics.mean_absolute_error])
    theirs.save(tmp_path / "theirs.keras")
    ours = models.Sequential([layers.Input((3,)), layers.Dense(2)])
    ours.compile(loss=tg.losses.mean_squared_error, metrics=[tg.metrics.mean_absolute_error])
    ours.save(tmp_path / "ours.keras")
    ours.save(tmp_path / "ours.npz")
    # the same entries as Keras writes (the optimizer's name differs: Keras numbers it process-wide)
    for key in ("loss", "metrics"):
        assert _compile_config(tmp_path / "ours.keras")[key] == _compile_config(tmp_path / "theirs.keras")[key]
    # Keras reads our file as its own: the function
    loaded = keras.models.load_model(tmp_path / "ours.keras")
    assert loaded.loss is keras.losses.mean_squared_error
    assert keras.models.load_model(tmp_path / "theirs.keras").loss is keras.losses.mean_squared_error
    # ours reads Keras' file and its own files: our function, and the model trains with it
    x, y = np.ones((4, 3), "float32"), np.zeros((4, 2), "float32")
    for name in ("theirs.keras", "ours.keras", "ours.npz"):
        model = models.load_model(tmp_path / name)
        assert model.loss is tg.losses.mean_squared_error, name
        assert model._compile_args["metrics"] == [tg.metrics.mean_absolute_error], name
        assert inspect.isfunction(model.loss)
        logs = model.evaluate(x, y, return_dict=True, verbose=0)
        assert set(logs) == {"loss", "mean_absolute_error"}, name


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_a_loss_name_stays_a_name_as_in_keras(tmp_path):
    """``compile(loss="mean_squared_error")`` loads back as the string, in Keras and here."""
    pytest.importorskip("h5py", reason="h5py reads and writes the weights of .keras files")
    keras = keras_on_torch(REASON)
    theirs = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    theirs.compile(loss="mean_squared_error")
    theirs.save(tmp_path / "theirs.keras")
    assert keras.models.load_model(tmp_path / "theirs.keras").loss == "mean_squared_error"
    ours = models.Sequential([layers.Input((3,)), layers.Dense(2)])
    ours.compile(loss="mean_squared_error")
    ours.save(tmp_path / "ours.keras")
    ours.save(tmp_path / "ours.npz")
    assert keras.models.load_model(tmp_path / "ours.keras").loss == "mean_squared_error"
    for name in ("theirs.keras", "ours.keras", "ours.npz"):
        assert models.load_model(tmp_path / name).loss == "mean_squared_error", name


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")  # inside Keras
@pytest.mark.parametrize("key", ["dense", "other"])
def test_a_dict_of_losses_on_a_sequential_is_taken_by_compile_and_fails_at_the_first_batch(tmp_path, key):
    """Keras 3.15 takes ``compile(loss={"dense": "mse"})`` on a ``Sequential`` of one output (whatever the key),
    keeps the dict as ``model.loss`` and in its ``.keras`` file, predicts, and raises a ``TypeError`` in ``fit``,
    ``evaluate``, ``train_on_batch``, ``test_on_batch`` and ``compute_loss``; ours refused the dict in ``compile``
    with a ValueError. Ours now does what Keras does, its TypeError saying why and what to pass."""
    keras = keras_on_torch(REASON)
    x, y = np.ones((4, 3), "float32"), np.ones((4, 2), "float32")
    theirs = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="dense")], name="seq")
    ours = models.Sequential([layers.Input((3,)), layers.Dense(2, name="dense")], name="seq")
    for model in (theirs, ours):
        model.compile(optimizer="sgd", loss={key: "mse"})
        assert model.loss == {key: "mse"}
        assert model.predict(x, verbose=0).shape == (4, 2)
    calls = {"fit": lambda m: m.fit(x, y, verbose=0), "evaluate": lambda m: m.evaluate(x, y, verbose=0),
             "train_on_batch": lambda m: m.train_on_batch(x, y), "test_on_batch": lambda m: m.test_on_batch(x, y),
             "compute_loss": lambda m: m.compute_loss(x, y, m(x))}
    for name, call in calls.items():
        with pytest.raises(TypeError):
            call(theirs)
        with pytest.raises(TypeError, match=(r"Invalid type for argument `loss` of compile: model 'seq' has "
                                             r"one output.* Received loss=\{'" + key + r"': 'mse'\}\. Compile "
                                             r"again with loss='mse'")):
            call(ours)
    # saved and loaded with the dict, as Keras keeps it; compiling again with the loss itself trains
    theirs.save(tmp_path / "theirs.keras")
    ours.save(tmp_path / "ours.keras")
    ours.save(tmp_path / "ours.npz")
    assert keras.models.load_model(tmp_path / "ours.keras").loss == {key: "mse"}
    for name in ("theirs.keras", "ours.keras", "ours.npz"):
        assert models.load_model(tmp_path / name).loss == {key: "mse"}, name
    ours.compile(optimizer="sgd", loss="mse")
    np.testing.assert_allclose(ours.evaluate(x, y, verbose=0), np.mean((ours.predict(x, verbose=0) - y) ** 2),
                               rtol=1e-6)


def _user_warnings(call):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = call()
    return result, [str(w.message) for w in caught if issubclass(w.category, UserWarning)]


@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")  # inside Keras
def test_one_array_for_a_dict_of_one_input_warns_as_keras():
    """``Model({"a": Input((3,), name="a")}, ...)`` called on one array (not a dict): Keras 3.15 warns (a
    ``UserWarning``, "The structure of `inputs` doesn't match the expected structure") and takes it as the input;
    ours took it silently. Now it warns too, in its own words; a dict, and a symbolic tensor, pass without one."""
    keras = keras_on_torch(REASON)
    x = np.random.default_rng(0).normal(size=(4, 3)).astype("float32")
    inp = keras.Input((3,), name="a")
    theirs = keras.Model({"a": inp}, keras.layers.Dense(2)(inp))
    ours_in = layers.Input((3,), name="a")
    ours = models.Model({"a": ours_in}, layers.Dense(2)(ours_in))
    ours.set_weights([np.asarray(w) for w in theirs.get_weights()])
    expected, theirs_warned = _user_warnings(lambda: np.asarray(theirs.predict(x, verbose=0)))
    assert theirs_warned and all("doesn't match the expected structure" in m for m in theirs_warned)
    for call in (lambda: ours(x).numpy(), lambda: ours.predict(x, verbose=0)):
        result, warned = _user_warnings(call)
        np.testing.assert_allclose(result, expected, rtol=1e-5, atol=1e-6)   # float32 sums in another order
        assert warned and all(re.search(r"built with a dict of inputs keyed \['a'\], and received one ndarray, not "
                                        r"a dict: it is taken as the input 'a'.*Pass a dict, \{'a': \.\.\.\}", m)
                              for m in warned), warned
    assert _user_warnings(lambda: theirs({"a": x}))[1] == []
    assert _user_warnings(lambda: ours({"a": x}))[1] == []
    assert _user_warnings(lambda: theirs(keras.Input((3,))))[1] == []
    assert _user_warnings(lambda: ours(layers.Input((3,))))[1] == []
    ours.compile("sgd", "mse")
    with pytest.warns(UserWarning, match=r"dict of inputs keyed \['a'\], and received one ndarray"):
        ours.fit(x, np.zeros((4, 2), "float32"), verbose=0)


# ----------------------------------------------------------------------------- what docs/keras_compatibility.md says
@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")  # inside Keras
def test_keras_masked_weighted_metrics_depend_on_the_batches_in_evaluate_too():
    """The docs: Keras 3.15's masked ``weighted_metrics`` in ``evaluate`` (not only ``fit``) depend on the batch
    size; ours is ``sum(v * w * mask) / sum(w * mask)``, Keras' value with one batch."""
    keras = keras_on_torch(REASON)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(12, 5, 3)).astype("float32")
    x[:, 3:] = 0
    x[2, 1:] = 0
    y = rng.normal(size=(12, 5, 2)).astype("float32")
    w = rng.uniform(0.5, 2.0, size=(12, 5)).astype("float32")
    theirs = keras.Sequential([keras.Input((5, 3)), keras.layers.Masking(0.0), keras.layers.Dense(2)])
    # weights of our own drawing: Keras' initial ones follow its global seed, so the other tests run before
    theirs.set_weights([rng.normal(size=np.shape(v)).astype("float32") for v in theirs.get_weights()])
    theirs.compile(loss="mse", weighted_metrics=["mse"])
    ours = models.Sequential([layers.Input((5, 3)), layers.Masking(0.0), layers.Dense(2)])
    ours.set_weights([np.asarray(v) for v in theirs.get_weights()])
    ours.compile(loss="mse", weighted_metrics=["mse"])
    values = ((np.asarray(theirs.predict(x, verbose=0)) - y) ** 2).mean(-1)
    mask = np.abs(x).sum(-1) > 0
    formula = (values * w * mask).sum() / (w * mask).sum()
    keras_4, keras_12 = (theirs.evaluate(x, y, sample_weight=w, batch_size=b, verbose=0, return_dict=True)["mse"]
                         for b in (4, 12))
    assert abs(keras_4 - formula) > 1e-3          # the in-place multiplication at work
    np.testing.assert_allclose(keras_12, formula, rtol=1e-5)
    for batch_size in (4, 12):
        logs = ours.evaluate(x, y, sample_weight=w, batch_size=batch_size, verbose=0, return_dict=True)
        np.testing.assert_allclose(logs["mse"], formula, rtol=1e-5)


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_huber_delta_in_keras_and_in_our_files(tmp_path):
    """The docs: Keras 3.15's ``Huber(delta=0.3).get_config()`` leaves ``delta`` out, so its ``.keras`` file reloads
    with ``delta=1.0``, in Keras and here; ours writes ``delta``, and Keras reads it back."""
    pytest.importorskip("h5py", reason="h5py reads and writes the weights of .keras files")
    keras = keras_on_torch(REASON)
    assert "delta" not in keras.losses.Huber(delta=0.3).get_config()
    theirs = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    theirs.compile(loss=keras.losses.Huber(delta=0.3))
    theirs.save(tmp_path / "theirs.keras")
    assert models.load_model(tmp_path / "theirs.keras").loss.get_config()["delta"] == 1.0
    ours = models.Sequential([layers.Input((3,)), layers.Dense(2)])
    ours.compile(loss=tg.losses.Huber(delta=0.3))
    ours.save(tmp_path / "ours.keras")
    assert _compile_config(tmp_path / "ours.keras")["loss"]["config"]["delta"] == 0.3
    assert models.load_model(tmp_path / "ours.keras").loss.get_config()["delta"] == 0.3
    loaded = keras.models.load_model(tmp_path / "ours.keras").loss
    y, p = np.zeros((1, 2), "float32"), np.array([[1.0, 0.1]], "float32")
    np.testing.assert_allclose(float(loaded(y, p)), float(keras.losses.Huber(delta=0.3)(y, p)), rtol=1e-6)
    np.testing.assert_allclose(float(loaded(y, p)), float(tg.losses.Huber(delta=0.3)(y, p).item()), rtol=1e-6)


@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")  # inside Keras
def test_default_metric_names_are_numbered_in_keras_only():
    """The docs: a second ``keras.metrics.AUC()`` in the process is ``auc_1`` (fit logs ``auc_1``, ``val_auc_1``);
    ``name="auc"`` keeps ``auc``; ours names every instance ``auc``."""
    keras = keras_on_torch(REASON)
    keras.metrics.AUC()
    x = np.random.default_rng(0).normal(size=(8, 3)).astype("float32")
    y = (x[:, :1] > 0).astype("float32")
    theirs = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, activation="sigmoid")])
    theirs.compile(loss="binary_crossentropy", metrics=[keras.metrics.AUC()])
    numbered = [k for k in theirs.fit(x, y, validation_data=(x, y), verbose=0).history if "auc" in k]
    assert all(re.fullmatch(r"(val_)?auc_\d+", k) for k in numbered) and len(numbered) == 2
    theirs.compile(loss="binary_crossentropy", metrics=[keras.metrics.AUC(name="auc")])
    assert sorted(theirs.fit(x, y, validation_data=(x, y), verbose=0).history) == ["auc", "loss", "val_auc",
                                                                                   "val_loss"]
    tg.metrics.AUC()
    ours = models.Sequential([layers.Input((3,)), layers.Dense(1, activation="sigmoid")])
    ours.compile(loss="binary_crossentropy", metrics=[tg.metrics.AUC()])
    assert sorted(ours.fit(x, y, validation_data=(x, y), verbose=0).history) == ["auc", "loss", "val_auc", "val_loss"]
