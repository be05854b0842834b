"""A ``.keras`` file keeps the compile state, as in Keras 3: ``compile_config`` (optimizer, loss, metrics, loss
weights) and the optimizer's variables (``optimizer/vars``), so that ``load_model`` returns a compiled model whose
``fit`` goes on where it stopped; both ways, with Keras 3 (torch backend) as the reference."""
import io
import json
import os
import re
import types
import warnings
import zipfile

import numpy as np
import pytest
from helpers import keras_on_torch

import tinygradconv as tg
from tinygradconv import layers, losses, models, optimizers
from tinygradconv.saving import SavedFileError

pytest.importorskip("h5py", reason="h5py (the keras-format extra) reads and writes the weights of .keras files")
REASON = "Keras 3 is the reference of the compile state in .keras files"
OURS = types.SimpleNamespace(layers=layers, Model=models.Model, Sequential=models.Sequential)

X = np.random.default_rng(0).normal(size=(16, 8, 2)).astype("float32")
Y = np.random.default_rng(1).normal(size=(16, 1)).astype("float32")

#: (our optimizer, Keras' optimizer) pairs: every optimizer, with the options that add slots
OPTIMIZERS = {
    "sgd": (lambda m: m.SGD(0.05, momentum=0.9, nesterov=True)),
    "sgd_plain": (lambda m: m.SGD(0.05)),
    "rmsprop": (lambda m: m.RMSprop(0.01, momentum=0.5, centered=True)),
    "adam": (lambda m: m.Adam(0.01)),
    "adam_amsgrad": (lambda m: m.Adam(0.01, amsgrad=True)),
    "adamw": (lambda m: m.AdamW(0.01, weight_decay=0.01)),
    "adagrad": (lambda m: m.Adagrad(0.1)),
    "adadelta": (lambda m: m.Adadelta(1.0)),
    "adamax": (lambda m: m.Adamax(0.01)),
    "nadam": (lambda m: m.Nadam(0.01)),
    "lion": (lambda m: m.Lion(0.001)),
    "schedule": (lambda m: m.Adam(m.schedules.ExponentialDecay(0.01, 3, 0.5))),
}


def _model(lib):
    L = lib.layers
    return lib.Sequential([L.Input((8, 2)), L.Conv1D(4, 3, use_bias=False, name="c1"), L.BatchNormalization(name="bn"),
                           L.Flatten(name="flat"), L.Dense(1, name="d")])


def _keras_model(keras, optimizer):
    keras.utils.set_random_seed(0)
    model = _model(keras)
    model.compile(optimizer=OPTIMIZERS[optimizer](keras.optimizers), loss="mse",
                  metrics=["mae", keras.metrics.RootMeanSquaredError()])
    return model


def _our_model(optimizer, keras):
    """Our model, with the weights of a Keras twin (the same start both ways)."""
    model = _model(OURS)
    model.set_weights(_model(keras).get_weights())
    model.compile(optimizer=OPTIMIZERS[optimizer](optimizers), loss="mse",
                  metrics=["mae", tg.metrics.RootMeanSquaredError()])
    return model


def _fit(model, epochs=1):
    return model.fit(X, Y, epochs=epochs, batch_size=4, shuffle=False, verbose=0).history


def _assert_same_training(ours, theirs, ours_history, theirs_history):
    assert sorted(ours_history) == sorted(theirs_history)
    for key in theirs_history:
        np.testing.assert_allclose(ours_history[key], theirs_history[key], rtol=2e-4, atol=1e-6, err_msg=key)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, np.asarray(b), rtol=2e-4, atol=1e-5)


def _compile_config(path):
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read("config.json"))["compile_config"]


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_a_keras_file_loads_compiled_and_training_goes_on_as_in_keras(tmp_path, optimizer):
    keras = keras_on_torch(REASON)
    reference = _keras_model(keras, optimizer)
    _fit(reference, epochs=2)
    path = tmp_path / "k.keras"
    reference.save(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # no "compile arguments are not read", no "Skipping variable loading"
        model = models.load_model(path)
    assert model.compiled and type(model.optimizer).__name__ == type(reference.optimizer).__name__
    assert model.optimizer.iterations == int(reference.optimizer.iterations) == 8
    theirs_config, ours_config = reference.optimizer.get_config(), model.optimizer.get_config()
    for key, value in theirs_config.items():
        if isinstance(value, float) and key != "ema_momentum":     # (Keras' EMA: accepted off only, not listed)
            assert ours_config[key] == pytest.approx(value, rel=1e-6), key
    _assert_same_training(model, reference, _fit(model), _fit(reference))


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_our_keras_file_loads_compiled_in_keras_and_here(tmp_path, optimizer):
    keras = keras_on_torch(REASON)
    model = _our_model(optimizer, keras)
    _fit(model, epochs=2)
    path = tmp_path / "ours.keras"
    model.save(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)     # Keras restores every variable: no "Skipping ..."
        reference = keras.saving.load_model(path)
    assert reference.compiled and type(reference.optimizer).__name__ == type(model.optimizer).__name__
    assert int(reference.optimizer.iterations) == model.optimizer.iterations == 8
    again = models.load_model(path)     # and here: exactly where training stopped
    again_history = _fit(again)
    ours_history = _fit(model)
    assert again_history == ours_history
    for a, b in zip(again.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
    _assert_same_training(model, reference, ours_history, _fit(reference))


def test_the_compile_config_is_written_as_keras_writes_it(tmp_path):
    keras = keras_on_torch(REASON)
    reference = _keras_model(keras, "adam")
    model = _our_model("adam", keras)
    for m in (model, reference):
        m.save(tmp_path / "m.keras")
        config = _compile_config(tmp_path / "m.keras")
        assert sorted(config) == ["jit_compile", "loss", "loss_weights", "metrics", "optimizer", "run_eagerly",
                                  "steps_per_execution", "weighted_metrics"]
        assert config["loss"] == "mse" and config["metrics"][0] == "mae"
        assert config["metrics"][1]["class_name"] == "RootMeanSquaredError"
        assert config["metrics"][1]["module"] == "keras.metrics"
        assert config["optimizer"]["class_name"] == "Adam"
        assert re.fullmatch(r"adam(_\d+)?", config["optimizer"]["config"]["name"])  # Keras numbers a second one
        assert (config["run_eagerly"], config["steps_per_execution"], config["jit_compile"]) == (False, 1, False)


def _optimizer_vars(path):
    """The datasets ``optimizer/vars/<i>`` of a ``.keras`` file, in order."""
    import h5py

    with zipfile.ZipFile(path) as archive, h5py.File(io.BytesIO(archive.read("model.weights.h5")), "r") as h5:
        group = h5["optimizer/vars"]
        return [group[str(i)][()] for i in range(len(group))]


@pytest.mark.parametrize("optimizer", ["adam", "sgd", "nadam", "schedule"])
def test_a_rate_changed_by_a_callback_is_written_as_keras_writes_it(tmp_path, optimizer):
    """Keras writes the step count int32 and the rate (its variable ``learning_rate``, the rate when saved) float32,
    right after it; a schedule has no such variable. Ours, after the same fit with the same callback (0.01 halved
    twice), writes the same datasets in the same dtypes (Nadam's running product excepted: float64 here, float32 in
    Keras). Keras reads our file with the changed rate; so do we, exactly (the float64 rate of the config)."""
    keras = keras_on_torch(REASON)
    scheduler = {"keras": keras.callbacks.LearningRateScheduler, "ours": tg.callbacks.LearningRateScheduler}
    files = {}
    for label, model in (("keras", _keras_model(keras, optimizer)), ("ours", _our_model(optimizer, keras))):
        callbacks = [] if optimizer == "schedule" else [scheduler[label](lambda epoch, lr: lr * 0.5)]
        model.fit(X, Y, epochs=2, batch_size=4, shuffle=False, verbose=0, callbacks=callbacks)
        files[label] = tmp_path / f"{label}.keras"
        model.save(files[label])
        if label == "ours":
            ours = model
    theirs, mine = _optimizer_vars(files["keras"]), _optimizer_vars(files["ours"])
    same = len(theirs) - (optimizer == "nadam")
    assert [a.dtype for a in mine[:same]] == [a.dtype for a in theirs[:same]]
    assert mine[0].dtype == np.int32 and mine[0] == theirs[0] == 8
    if optimizer == "nadam":
        assert (mine[-1].dtype, theirs[-1].dtype) == (np.float64, np.float32)
    if optimizer == "schedule":
        assert len(mine) == len(theirs) and mine[1].ndim != 0     # no rate: the first slot follows the step count
        return
    rate = float(OPTIMIZERS[optimizer](optimizers).learning_rate)      # 0.01 or 0.05, halved twice
    assert mine[1].dtype == np.float32 and mine[1] == np.float32(rate / 4)
    assert theirs[1] == np.float32(rate) * np.float32(0.25)     # Keras' lr * 0.5 on its float32 rate (exact)
    assert float(keras.saving.load_model(files["ours"]).optimizer.learning_rate) == float(np.float32(rate / 4))
    assert models.load_model(files["ours"]).optimizer.learning_rate == ours.optimizer.learning_rate == rate / 4


def test_a_rate_keras_changed_arrives_and_training_goes_on_as_in_keras(tmp_path):
    """Keras writes a rate given after compile (``learning_rate.assign(0.003)``) as ``optimizer/vars/1`` (float32)
    and in compile_config's optimizer config (its float32 value widened, 0.003000000026077032). Ours loads that
    value, as Keras' load_model does, and training goes on as in Keras."""
    keras = keras_on_torch(REASON)
    keras.utils.set_random_seed(0)
    reference = _model(keras)
    reference.compile(optimizer="adam", loss="mse")
    _fit(reference)
    reference.optimizer.learning_rate.assign(0.003)
    path = tmp_path / "k.keras"
    reference.save(path)
    assert _optimizer_vars(path)[1] == np.float32(0.003)
    assert _compile_config(path)["optimizer"]["config"]["learning_rate"] == float(np.float32(0.003))
    model = models.load_model(path)
    theirs = keras.saving.load_model(path)
    assert model.optimizer.learning_rate == float(np.float32(0.003)) == float(theirs.optimizer.learning_rate)
    assert model.optimizer.iterations == 4
    _assert_same_training(model, theirs, _fit(model), _fit(theirs))


def test_compile_false_loads_an_uncompiled_model_as_in_keras(tmp_path):
    keras = keras_on_torch(REASON)
    model = _our_model("adam", keras)
    _fit(model)
    model.save(tmp_path / "m.keras")
    assert not models.load_model(tmp_path / "m.keras", compile=False).compiled
    assert not keras.saving.load_model(tmp_path / "m.keras", compile=False).compiled
    with pytest.raises(TypeError, match="Invalid type for argument `compile`.*Received compile='no'"):
        models.load_model(tmp_path / "m.keras", compile="no")


def test_a_model_compiled_but_never_trained_loads_compiled(tmp_path, fresh_names):
    """Keras writes the step count and the rate only (its optimizer is not built yet), and warns on loading its own
    file ("Skipping variable loading"); ours writes the same and loads it without a warning."""
    keras = keras_on_torch(REASON)
    reference = _keras_model(keras, "adam")
    reference.save(tmp_path / "k.keras")
    model = _our_model("adam", keras)
    model.save(tmp_path / "ours.keras")
    for path in (tmp_path / "k.keras", tmp_path / "ours.keras"):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            loaded = models.load_model(path)
        assert loaded.compiled and loaded.optimizer.iterations == 0 and not loaded.optimizer.built
    with pytest.warns(UserWarning, match="Skipping variable loading for optimizer 'adam'"):
        assert keras.saving.load_model(tmp_path / "ours.keras").compiled
    np.testing.assert_allclose(_fit(models.load_model(tmp_path / "ours.keras"))["loss"], _fit(model)["loss"])


def _two_outputs(lib):
    L = lib.layers
    inputs = L.Input((3,), name="x")
    return lib.Model(inputs, [L.Dense(2, name="a")(inputs), L.Dense(1, name="b")(inputs)])


@pytest.mark.parametrize("loss, loss_weights", [(["mse", "mae"], [1.0, 0.5]), ({"a": "mse", "b": "huber"},
                                                                            {"a": 2.0, "b": 1.0})])
def test_per_output_losses_and_weights_both_ways(tmp_path, loss, loss_weights):
    keras = keras_on_torch(REASON)
    x = np.random.default_rng(2).normal(size=(8, 3)).astype("float32")
    y = [np.ones((8, 2), "float32"), np.zeros((8, 1), "float32")]
    keras.utils.set_random_seed(0)
    reference = _two_outputs(keras)
    reference.compile(optimizer="adam", loss=loss, loss_weights=loss_weights)
    reference.fit(x, y, epochs=1, batch_size=4, verbose=0, shuffle=False)
    reference.save(tmp_path / "k.keras")
    model = models.load_model(tmp_path / "k.keras")
    assert model.compiled and model.optimizer.iterations == 2
    np.testing.assert_allclose(model.evaluate(x, y, verbose=0), reference.evaluate(x, y, verbose=0), rtol=1e-5)
    model.save(tmp_path / "ours.keras")
    assert _compile_config(tmp_path / "ours.keras")["loss"] == loss
    assert _compile_config(tmp_path / "ours.keras")["loss_weights"] == loss_weights
    theirs = keras.saving.load_model(tmp_path / "ours.keras")
    np.testing.assert_allclose(theirs.evaluate(x, y, verbose=0), model.evaluate(x, y, verbose=0), rtol=1e-5)


def test_loss_and_metric_objects_keep_their_arguments(tmp_path):
    keras = keras_on_torch(REASON)
    model = models.Sequential([layers.Input((3,)), layers.Dense(1)])
    model.compile(optimizers.SGD(0.1), loss=losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1),
                  metrics=[tg.metrics.BinaryAccuracy(threshold=0.3)])
    model.save(tmp_path / "m.keras")
    again = models.load_model(tmp_path / "m.keras")
    assert again.loss.get_config() == model.loss.get_config()
    theirs = keras.saving.load_model(tmp_path / "m.keras")
    assert theirs.loss.get_config()["from_logits"] is True and theirs.loss.get_config()["label_smoothing"] == 0.1
    x, y = np.random.default_rng(3).normal(size=(6, 3)), np.array([[0], [1], [1], [0], [1], [0]], "float32")
    np.testing.assert_allclose(again.evaluate(x, y, verbose=0), theirs.evaluate(x.astype("float32"), y, verbose=0),
                               rtol=1e-5)


def halved_squares(y_true, y_pred):
    return ((y_true - y_pred) ** 2).mean(axis=-1) * 0.5


def test_a_loss_of_your_own_is_written_by_name_and_found_with_custom_objects(tmp_path):
    keras = keras_on_torch(REASON)
    model = models.Sequential([layers.Input((3,)), layers.Dense(1)])
    model.compile("sgd", loss=halved_squares)
    model.save(tmp_path / "m.keras")
    assert _compile_config(tmp_path / "m.keras")["loss"] == {"module": "builtins", "class_name": "function",
                                                             "config": "halved_squares", "registered_name": "function"}
    assert models.load_model(tmp_path / "m.keras", custom_objects={"halved_squares": halved_squares}).compiled
    with pytest.warns(UserWarning, match=r"could not be compiled again.*custom_objects=\{'halved_squares'"):
        assert not models.load_model(tmp_path / "m.keras").compiled

    def keras_halved(y_true, y_pred):
        return keras.ops.mean((y_true - y_pred) ** 2, axis=-1) * 0.5

    assert keras.saving.load_model(tmp_path / "m.keras", custom_objects={"halved_squares": keras_halved}).compiled


def test_a_lambda_loss_is_named_when_saving_and_the_model_loads_uncompiled(tmp_path):
    model = models.Sequential([layers.Input((3,)), layers.Dense(1)])
    model.compile("sgd", loss=lambda y, p: ((y - p) ** 2).mean(axis=-1))
    with pytest.warns(UserWarning, match="cannot be written as Keras 3 writes them .*lambda.*loads uncompiled"):
        model.save(tmp_path / "m.keras")
    assert not models.load_model(tmp_path / "m.keras").compiled


def _edit_optimizer_vars(path, edit):
    """Rewrite ``path`` with ``edit(group)`` applied to the ``optimizer/vars`` group of its weights."""
    _edit_weights_h5(path, lambda h5: edit(h5["optimizer/vars"]))


def _edit_weights_h5(path, edit):
    """Rewrite the ``.keras`` archive ``path`` with ``edit(h5)`` applied to its open ``model.weights.h5``."""
    import h5py

    with zipfile.ZipFile(path) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    buffer = io.BytesIO(entries["model.weights.h5"])
    with h5py.File(buffer, "a") as h5:
        edit(h5)
    entries["model.weights.h5"] = buffer.getvalue()
    os.remove(path)
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)


def test_optimizer_variables_that_do_not_fit(tmp_path, fresh_names):
    model = models.Sequential([layers.Input((3,)), layers.Dense(2)])
    model.compile("adam", "mse")
    model.fit(np.ones((4, 3)), np.ones((4, 2)), verbose=0)
    model.save(tmp_path / "m.keras")
    _edit_optimizer_vars(tmp_path / "m.keras", lambda group: group.__delitem__("5"))     # one variable fewer
    with pytest.warns(UserWarning, match="Skipping variable loading for optimizer 'adam', because it has 6 variables "
                                         "whereas the saved optimizer has 5 variables"):
        loaded = models.load_model(tmp_path / "m.keras")
    assert loaded.compiled and loaded.optimizer.iterations == 0
    model.save(tmp_path / "m.keras")

    def reshape(group):
        del group["2"]
        group.create_dataset("2", data=np.zeros((2, 3), "float32"))

    _edit_optimizer_vars(tmp_path / "m.keras", reshape)
    with pytest.raises(SavedFileError, match=r"m\.keras.*'optimizer/vars' do not fit optimizer Adam.*shape"):
        models.load_model(tmp_path / "m.keras")


def test_a_compiled_model_file_without_optimizer_variables_warns_as_keras(tmp_path, fresh_names):
    """Found by a tester: with 'optimizer/vars' gone from a trained model's file the model loaded with a fresh
    optimizer silently; Keras warns that the saved optimizer has 0 variables, and so does this now."""
    keras = keras_on_torch("Keras 3 is the reference of the warning")
    model = models.Sequential([layers.Input((3,)), layers.Dense(2)])
    model.compile("adam", "mse")
    model.fit(np.ones((4, 3)), np.ones((4, 2)), verbose=0)
    model.save(tmp_path / "m.keras")

    _edit_weights_h5(tmp_path / "m.keras", lambda h5: h5.__delitem__("optimizer"))
    with pytest.warns(UserWarning, match="Skipping variable loading for optimizer 'adam', because it has 6 variables "
                                         "whereas the saved optimizer has 0 variables"):
        loaded = models.load_model(tmp_path / "m.keras")
    assert loaded.compiled and loaded.optimizer.iterations == 0
    with pytest.warns(UserWarning, match="Skipping variable loading for optimizer 'adam', because it has 6 variables "
                                         "whereas the saved optimizer has 0 variables"):
        theirs = keras.models.load_model(tmp_path / "m.keras")        # Keras, on the same file
    assert int(theirs.optimizer.iterations) == 0


def test_steps_per_execution_of_a_keras_file_is_named_and_one_step_used(tmp_path):
    keras = keras_on_torch(REASON)
    reference = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    reference.compile("sgd", "mse", steps_per_execution=4)
    reference.save(tmp_path / "k.keras")
    with pytest.warns(UserWarning, match=r"steps_per_execution=4 is not supported here.*compiled with 1"):
        assert models.load_model(tmp_path / "k.keras").compiled
