"""Round trips a Keras user makes: a ``.keras`` file written here or by Keras 3 (torch backend, the reference) and
read back, a metric's ``get_config``/``from_config``, the model attributes Keras has; found by a tester."""
import re

import numpy as np
import pytest
from helpers import keras_on_torch

import tinygradconv as tg
from tinygradconv import callbacks as TC
from tinygradconv import constraints, losses
from tinygradconv import layers as L
from tinygradconv import metrics as TM
from tinygradconv import models as M

pytest.importorskip("h5py", reason="h5py (the keras-format extra) reads and writes .keras files")
REASON = "Keras 3 is the reference of what a .keras file means"

RNG = np.random.default_rng(0)
X = RNG.random((40, 4)).astype("float32")
Y = RNG.random((40, 2)).astype("float32")


def _twin_models(keras):
    """A Keras model and ours with the same weights."""
    keras.utils.set_random_seed(0)
    theirs = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, name="d")])
    ours = M.Sequential([L.Input((4,)), L.Dense(2, name="d")])
    ours.set_weights([np.asarray(w) for w in theirs.get_weights()])
    return theirs, ours


# ---------------------------------------------------------------- 1. a None that is not the default survives loading
def test_r2score_without_aggregation_survives_our_keras_file(tmp_path):
    keras = keras_on_torch(REASON)
    theirs, ours = _twin_models(keras)
    reference = keras.metrics.R2Score(class_aggregation=None)
    reference.update_state(Y, theirs.predict(X, verbose=0))
    ours.compile("sgd", "mse", metrics=[TM.R2Score(class_aggregation=None, name="r2")])
    path = str(tmp_path / "r2.keras")
    ours.save(path)
    loaded = M.load_model(path)
    r2 = loaded.evaluate(X, Y, return_dict=True, verbose=0)["r2"]
    assert np.shape(r2) == (2,)
    np.testing.assert_allclose(r2, np.asarray(reference.result()), rtol=1e-5)


def test_r2score_without_aggregation_survives_a_keras_file(tmp_path):
    keras = keras_on_torch(REASON)
    theirs, _ = _twin_models(keras)
    theirs.compile("sgd", "mse", metrics=[keras.metrics.R2Score(class_aggregation=None, name="r2")])
    expected = np.asarray(theirs.evaluate(X, Y, return_dict=True, verbose=0)["r2"])
    path = str(tmp_path / "k.keras")
    theirs.save(path)
    r2 = M.load_model(path).evaluate(X, Y, return_dict=True, verbose=0)["r2"]
    assert expected.shape == (2,)
    np.testing.assert_allclose(r2, expected, rtol=1e-5)


@pytest.mark.parametrize("name", ["MaxNorm", "UnitNorm", "MinMaxNorm"])
def test_a_constraint_over_all_axes_survives_a_keras_file(tmp_path, name):
    """``axis=None`` (the norm of the whole kernel) is not the default ``axis=0``; it became 0 on loading."""
    keras = keras_on_torch(REASON)
    keras.utils.set_random_seed(0)
    theirs = keras.Sequential([keras.Input((4,)), keras.layers.Dense(
        3, name="d", kernel_constraint=getattr(keras.constraints, name)(axis=None))])
    path = str(tmp_path / "c.keras")
    theirs.save(path)
    constraint = M.load_model(path).get_layer("d").kernel_constraint
    assert isinstance(constraint, getattr(constraints, name)) and constraint.axis is None
    kernel = RNG.normal(size=(4, 3)).astype("float32") * 3
    expected = np.asarray(getattr(keras.constraints, name)(axis=None)(keras.ops.convert_to_tensor(kernel)))
    np.testing.assert_allclose(np.asarray(constraint(tg.tensor(kernel)).numpy()), expected, rtol=1e-5)


def test_a_loss_without_reduction_survives_a_keras_file(tmp_path):
    """``reduction=None`` (one loss per sample) is not the default ``"sum_over_batch_size"``."""
    keras = keras_on_torch(REASON)
    theirs, _ = _twin_models(keras)
    theirs.compile("sgd", keras.losses.MeanSquaredError(reduction=None))
    path = str(tmp_path / "l.keras")
    theirs.save(path)
    loss = M.load_model(path).loss
    assert isinstance(loss, losses.MeanSquaredError)
    expected = np.asarray(keras.losses.MeanSquaredError(reduction=None)(Y, X[:, :2]))
    np.testing.assert_allclose(np.asarray(loss(tg.tensor(Y), tg.tensor(X[:, :2])).numpy()), expected, rtol=1e-6)


# ---------------------------------------------------------------- 2. Mean and Sum take one value, not (y_true, y_pred)
@pytest.mark.parametrize("argument", ["metrics", "weighted_metrics"])
@pytest.mark.parametrize("metric", ["mean", "sum"])
def test_mean_and_sum_are_refused_by_compile_as_keras_refuses_them(metric, argument):
    keras = keras_on_torch(REASON)
    theirs, ours = _twin_models(keras)
    cls_name = metric.capitalize()
    theirs.compile("sgd", "mse", **{argument: [getattr(keras.metrics, cls_name)()]})
    with pytest.raises(TypeError, match="got multiple values for argument 'sample_weight'"):
        theirs.evaluate(X, Y, verbose=0)
    for given in (getattr(TM, cls_name)(), getattr(TM, cls_name), metric):
        with pytest.raises(TypeError, match=rf"Invalid type for argument `{argument}`: {cls_name} takes one value "
                                            r"per call .*MeanMetricWrapper\(fn"):
            ours.compile("sgd", "mse", **{argument: [given]})


def test_a_mean_of_a_function_is_still_taken_by_compile():
    """The advice of the message works: a MeanMetricWrapper of a function, checked by a loop over the samples."""
    _, ours = _twin_models(keras_on_torch(REASON))
    ours.compile("sgd", "mse", metrics=[TM.MeanMetricWrapper(lambda t, p: (p - t).max(axis=-1), name="top")])
    predictions = ours.predict(X, verbose=0)
    expected = np.mean([np.max(p - t) for t, p in zip(Y, predictions)])
    assert ours.evaluate(X, Y, return_dict=True, verbose=0)["top"] == pytest.approx(expected, rel=1e-5)


# ---------------------------------------------------------------- 3. a layer config without "name"
def _without_name(source, target, position):
    """A copy of the .keras file ``source`` whose layer ``position`` has no "name" in its config."""
    import json
    import zipfile

    with zipfile.ZipFile(source) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    config = json.loads(files["config.json"])
    del config["config"]["layers"][position]["config"]["name"]
    files["config.json"] = json.dumps(config)
    with zipfile.ZipFile(target, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return target


@pytest.mark.parametrize("kind", ["sequential", "functional"])
@pytest.mark.parametrize("position", [0, 1])       # the Input, a Dense
def test_a_layer_without_a_name_loads_with_a_generated_one_as_in_keras(tmp_path, kind, position):
    keras = keras_on_torch(REASON)
    keras.utils.set_random_seed(0)
    if kind == "sequential":
        theirs = keras.Sequential([keras.Input((4,), name="x"), keras.layers.Dense(3, name="d1"),
                                   keras.layers.Dense(2, name="d2")])
    else:
        inputs = keras.Input((4,), name="x")
        theirs = keras.Model(inputs, keras.layers.Dense(2, name="d2")(keras.layers.Dense(3, name="d1")(inputs)))
    theirs.save(str(tmp_path / "m.keras"))
    path = _without_name(str(tmp_path / "m.keras"), str(tmp_path / "nameless.keras"), position)
    reference = keras.saving.load_model(path)
    ours = M.load_model(path)
    np.testing.assert_allclose(ours.predict(X, verbose=0), reference.predict(X, verbose=0), rtol=1e-5, atol=1e-6)
    dropped = "x" if position == 0 else "d1"
    # Keras names it after its class ("dense", "input_layer"; a suffix _1, _2, ... when taken in this process)
    for names in ([layer.name for layer in reference.layers], [layer.name for layer in ours.layers]):
        assert dropped not in names and len(set(names)) == len(names)
    prefix = "input_layer" if position == 0 else "dense"
    if kind == "functional" or position == 1:     # (a Sequential model does not list its Input)
        assert any(name.startswith(prefix) for name in [layer.name for layer in ours.layers])


# ---------------------------------------------------------------- 4. Keras' unzipped model folder
def test_load_model_reads_a_keras_unzipped_folder(tmp_path):
    keras = keras_on_torch(REASON)
    theirs, _ = _twin_models(keras)
    theirs.compile(keras.optimizers.Adam(0.01), "mse", metrics=["mae"])
    theirs.fit(X, Y, batch_size=8, epochs=1, verbose=0)
    folder = str(tmp_path / "unzipped")
    theirs.save(folder, zipped=False)
    reference = keras.saving.load_model(folder)
    ours = M.load_model(folder)
    np.testing.assert_allclose(ours.predict(X, verbose=0), reference.predict(X, verbose=0), rtol=1e-5, atol=1e-6)
    assert int(ours.optimizer.iterations) == int(reference.optimizer.iterations) == 5
    expected = reference.evaluate(X, Y, return_dict=True, verbose=0)
    got = ours.evaluate(X, Y, return_dict=True, verbose=0)
    assert got["mae"] == pytest.approx(expected["mae"], rel=1e-5)


def test_load_weights_names_the_weights_file_of_a_keras_unzipped_folder(tmp_path):
    keras = keras_on_torch(REASON)
    theirs, ours = _twin_models(keras)
    theirs.layers[0].kernel.assign(np.ones((4, 2), "float32"))
    folder = str(tmp_path / "unzipped")
    theirs.save(folder, zipped=False)
    with pytest.raises(ValueError, match="File format not supported"):      # Keras refuses the folder too
        keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, name="d")]).load_weights(folder)
    with pytest.raises(tg.saving.SavedFileError, match=r"folder of Keras' model.save\(folder, zipped=False\).*"
                                                       r"model.weights.h5"):
        ours.load_weights(folder)
    ours.load_weights(f"{folder}/model.weights.h5")       # the file the message names
    np.testing.assert_allclose(ours.predict(X, verbose=0), theirs.predict(X, verbose=0), rtol=1e-5, atol=1e-6)


def test_a_folder_that_is_not_keras_is_still_named_a_directory(tmp_path):
    with pytest.raises(tg.saving.SavedFileError, match="is a directory: expected a .keras file"):
        tg.keras_format.load_keras(str(tmp_path))


# ---------------------------------------------------------------- 5. a metric's dtype through get_config/from_config
@pytest.mark.parametrize("dtype", [None, "float32", "float64"])
@pytest.mark.parametrize("name", ["Mean", "MeanSquaredError", "RootMeanSquaredError", "Precision", "R2Score",
                                  "F1Score", "AUC"])
def test_from_config_of_get_config_keeps_the_dtype(name, dtype):
    made = getattr(TM, name)(dtype=dtype)
    again = type(made).from_config(made.get_config())
    assert again.dtype == made.dtype == dtype
    assert again.get_config() == made.get_config()
    again.update_state(*(([0.5, 1.5],) if name == "Mean" else ([[1.0, 0.0]], [[0.75, 0.25]])))
    result = again.result()
    if dtype is None:       # a Python float (or a float64 array, one value per class), computed in float64
        assert isinstance(result, float) or np.asarray(result).dtype == np.float64
    else:
        assert np.asarray(result).dtype == np.dtype(dtype)


def test_a_metric_of_a_keras_config_computes_in_float32_as_keras():
    """Keras writes ``dtype: "float32"`` always; it is kept, so the metric's result is Keras' float32 one."""
    keras = keras_on_torch(REASON)
    theirs = keras.metrics.MeanSquaredError()
    ours = TM.get({"class_name": "MeanSquaredError", "config": theirs.get_config()})
    assert ours.dtype == "float32"
    for start in range(0, 40, 8):
        theirs.update_state(Y[start:start + 8], X[start:start + 8, :2])
        ours.update_state(Y[start:start + 8], X[start:start + 8, :2])
    assert ours.result().dtype == np.float32
    np.testing.assert_allclose(ours.result(), np.asarray(theirs.result()), rtol=1e-6)


def test_keras_reads_our_metric_configs_with_their_dtype():
    keras = keras_on_torch(REASON)
    for dtype, expected in ((None, "float32"), ("float32", "float32"), ("float64", "float64")):
        config = TM.R2Score(dtype=dtype, class_aggregation=None).get_config()
        theirs = keras.metrics.R2Score.from_config(config)
        assert theirs.dtype == expected and theirs.class_aggregation is None


# ---------------------------------------------------------------- 6. model.metrics, get_metrics_result, compile config
def test_model_metrics_and_their_results_as_keras():
    keras = keras_on_torch(REASON)
    theirs, ours = _twin_models(keras)
    assert [m.name for m in ours.metrics] == [m.name for m in theirs.metrics] == []
    assert ours.get_metrics_result() == theirs.get_metrics_result() == {}
    theirs.compile("sgd", "mse", metrics=["mae"], weighted_metrics=["mse"])
    ours.compile("sgd", "mse", metrics=["mae"], weighted_metrics=["mse"])
    assert [m.name for m in ours.metrics] == [m.name for m in theirs.metrics] == ["loss", "compile_metrics"]
    for model in (theirs, ours):        # not built before the first batch: Keras' ValueError
        with pytest.raises(ValueError, match="Cannot get result"):
            model.get_metrics_result()
    weights = np.linspace(0.5, 2.0, 40).astype("float32")
    theirs.evaluate(X, Y, sample_weight=weights, batch_size=16, verbose=0)
    ours.evaluate(X, Y, sample_weight=weights, batch_size=16, verbose=0)
    expected = {k: float(v) for k, v in theirs.get_metrics_result().items()}
    got = ours.get_metrics_result()
    assert got.keys() == expected.keys() == {"loss", "mae", "mse"}
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, rel=1e-5), key
    assert [m.name for m in ours.metrics[1].metrics] == [m.name for m in theirs.metrics[1].metrics] == ["mae", "mse"]
    assert ours.metrics[0].result() == pytest.approx(float(theirs.metrics[0].result()), rel=1e-5)
    for model in (theirs, ours):
        model.reset_metrics()
    assert ours.get_metrics_result() == {k: float(v) for k, v in theirs.get_metrics_result().items()} == {
        "loss": 0.0, "mae": 0.0, "mse": 0.0}


def test_the_loss_tracker_is_a_mean_as_keras():
    keras = keras_on_torch(REASON)
    theirs, ours = _twin_models(keras)
    theirs.compile("sgd", "mse")
    ours.compile("sgd", "mse")
    theirs.metrics[0].update_state([1.0, 3.0], sample_weight=[1.0, 3.0])
    ours.metrics[0].update_state([1.0, 3.0], sample_weight=[1.0, 3.0])
    assert ours.metrics[0].result() == pytest.approx(float(theirs.metrics[0].result())) == 2.5
    assert ours.get_metrics_result() == {"loss": 2.5}


def test_get_compile_config_and_compile_from_config_both_ways():
    keras = keras_on_torch(REASON)
    theirs, ours = _twin_models(keras)
    assert ours.get_compile_config() == theirs.get_compile_config() == {}
    theirs.compile(keras.optimizers.Adam(0.003), "mse", metrics=["mae"], weighted_metrics=["mse"])
    ours.compile(tg.optimizers.Adam(0.003), "mse", metrics=["mae"], weighted_metrics=["mse"])
    expected, got = theirs.get_compile_config(), ours.get_compile_config()
    for key in ("loss", "loss_weights", "metrics", "weighted_metrics", "run_eagerly", "steps_per_execution"):
        assert got[key] == expected[key], key
    assert got["optimizer"]["class_name"] == expected["optimizer"]["class_name"] == "Adam"
    assert got["optimizer"]["config"]["learning_rate"] == pytest.approx(
        expected["optimizer"]["config"]["learning_rate"])
    # Keras compiles from ours, and ours from Keras': the same training step follows
    keras_twin, our_twin = _twin_models(keras)
    keras_twin.compile_from_config(got)
    our_twin.compile_from_config(expected)
    assert isinstance(our_twin.optimizer, tg.optimizers.Adam) and our_twin.metrics_names == ["loss", "mae", "mse"]
    keras_twin.fit(X, Y, batch_size=40, epochs=1, verbose=0)
    our_twin.fit(X, Y, batch_size=40, epochs=1, verbose=0)
    np.testing.assert_allclose(our_twin.get_weights()[0], np.asarray(keras_twin.get_weights()[0]), rtol=1e-5, atol=1e-6)
    with pytest.raises(TypeError, match="Invalid type for argument `config`"):
        our_twin.compile_from_config("adam")


def test_get_metrics_result_of_a_model_of_two_outputs_as_keras():
    keras = keras_on_torch(REASON)
    keras.utils.set_random_seed(0)
    inputs = keras.Input((4,), name="x")
    theirs = keras.Model(inputs, [keras.layers.Dense(1, name="a")(inputs), keras.layers.Dense(1, name="b")(inputs)])
    x = tg.layers.Input((4,), name="x")
    ours = tg.models.Model(x, [L.Dense(1, name="a")(x), L.Dense(1, name="b")(x)])
    ours.set_weights([np.asarray(w) for w in theirs.get_weights()])
    targets = [Y[:, :1], Y[:, 1:]]
    for model in (theirs, ours):
        model.compile("sgd", ["mse", "mae"], metrics=[["mae"], ["mse"]])
        model.evaluate(X, targets, verbose=0)
    expected = {k: float(v) for k, v in theirs.get_metrics_result().items()}
    got = ours.get_metrics_result()
    assert got.keys() == expected.keys()
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, rel=1e-5), key
    assert ours.metrics[1].result().keys() == {"a_mae", "b_mse"}


# ---------------------------------------------------------------- 7. messages
@pytest.mark.parametrize("argument, value, error", [
    ("batch_size", "32", TypeError),            # Keras: TypeError (from an arithmetic operation)
    ("batch_size", 2.5, ValueError),            # Keras: ValueError "batch_size should be a positive integer value"
    ("initial_epoch", "1", TypeError),          # Keras: TypeError "'str' object cannot be interpreted as an integer"
    ("initial_epoch", 0.5, TypeError),
    ("validation_freq", "1", ValueError),       # Keras: ValueError "Expected validation_freq to be a list or int"
    ("validation_freq", 1.0, ValueError),       # (found by a reviewer: only with validation data does Keras check)
    ("epochs", 2.5, TypeError),
])
def test_fit_argument_errors_of_the_wrong_type_are_type_errors(argument, value, error):
    keras = keras_on_torch(REASON)
    theirs, ours = _twin_models(keras)
    theirs.compile("sgd", "mse")
    ours.compile("sgd", "mse")
    validation = {"validation_data": (X, Y)} if argument == "validation_freq" else {}
    with pytest.raises(error):
        theirs.fit(X, Y, verbose=0, epochs=2, **validation, **{argument: value})
    kind = "type" if error is TypeError else "value"
    with pytest.raises(error, match=rf"Invalid {kind} for argument `{argument}`.*Received {argument}={value!r}"):
        ours.fit(X, Y, verbose=0, **validation, **{argument: value})


@pytest.mark.parametrize("method", ["evaluate", "predict"])
def test_evaluate_and_predict_batch_size_of_the_wrong_type(method):
    _, ours = _twin_models(keras_on_torch(REASON))
    ours.compile("sgd", "mse")
    data = (X, Y) if method == "evaluate" else (X,)
    with pytest.raises(TypeError, match=r"Invalid type for argument `batch_size`.*batch_size='32' of type str"):
        getattr(ours, method)(*data, batch_size="32")


@pytest.mark.parametrize("dtype", [3, [1], "int32", "float8"])
def test_a_metric_dtype_that_is_no_float_dtype_is_a_value_error_as_in_keras(dtype):
    """Keras 3 raises ValueError for each ("Cannot interpret `dtype` argument"), as ours did before (a reviewer
    found a TypeError introduced for 3 and [1])."""
    keras = keras_on_torch(REASON)
    if dtype != "int32":                        # (Keras accepts int32, and truncates every value: refused here)
        with pytest.raises(ValueError):
            keras.metrics.Mean(dtype=dtype)
    received = re.escape(repr(dtype))
    with pytest.raises(ValueError, match=rf"Invalid value for argument `dtype` of Mean.*Received dtype={received}"):
        TM.Mean(dtype=dtype)


@pytest.mark.parametrize("kind", ["sequential", "functional"])
@pytest.mark.parametrize("key, word", [("kernel_initializer", "initializer"), ("kernel_regularizer", "regularizer"),
                                       ("kernel_constraint", "constraint")])
def test_an_unknown_object_in_a_keras_file_names_the_file(tmp_path, kind, key, word):
    import json
    import zipfile

    keras = keras_on_torch(REASON)
    if kind == "sequential":
        theirs = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, name="d1")])
    else:
        inputs = keras.Input((4,))
        theirs = keras.Model(inputs, keras.layers.Dense(3, name="d1")(inputs))
    theirs.save(str(tmp_path / "m.keras"))
    with zipfile.ZipFile(tmp_path / "m.keras") as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    config = json.loads(files["config.json"])
    config["config"]["layers"][1]["config"][key] = {"module": "keras", "class_name": "FancyThing", "config": {},
                                                    "registered_name": None}
    files["config.json"] = json.dumps(config)
    path = str(tmp_path / "fancy.keras")
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    with pytest.raises(TypeError, match="could not be deserialized"):        # Keras refuses it too
        keras.saving.load_model(path)
    with pytest.raises(tg.saving.SavedFileError, match=rf"fancy.keras.*layer 'd1'.*Unknown {word}: 'FancyThing'"):
        M.load_model(path)


def test_a_keras_folder_without_its_weights_and_an_empty_folder_say_what_they_lack(tmp_path):
    """Found by a reviewer: a Keras folder whose model.weights.h5 was deleted, and an empty folder, were both
    "Expected a .npz file". Keras tells a Keras folder by its config.json; the missing weights are now named, and
    the directory error says which folders load_model reads."""
    keras = keras_on_torch(REASON)
    theirs, _ = _twin_models(keras)
    folder = tmp_path / "unzipped"
    theirs.save(str(folder), zipped=False)
    (folder / "model.weights.h5").unlink()
    with pytest.raises(tg.saving.SavedFileError, match=r"without its weights: .*model\.weights\.h5' is missing"):
        M.load_model(str(folder))
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(IsADirectoryError, match=r"a folder of Keras' model\.save\(folder, zipped=False\)"):
        M.load_model(str(empty))


# ---------------------------------------------------------------- 8. validation_freq as a list of epochs
@pytest.mark.parametrize("validation_freq", [[1, 3], [2], [], [4, 1, 1]])
def test_validation_freq_list_validates_after_the_epochs_keras_validates_after(validation_freq):
    keras = keras_on_torch(REASON)
    theirs, ours = _twin_models(keras)
    seen = {}
    for name, model, callback in (("keras", theirs, keras.callbacks.Callback), ("ours", ours, TC.Callback)):
        class EpochsWithValidation(callback):
            def on_epoch_end(self, epoch, logs=None, name=name):
                seen.setdefault(name, []).append("val_loss" in logs)

        model.compile(keras.optimizers.SGD(0.01) if name == "keras" else "sgd", "mse")
        history = model.fit(X, Y, epochs=4, batch_size=4, validation_data=(X, Y), validation_freq=validation_freq,
                            verbose=0, callbacks=[EpochsWithValidation()])
        seen[name + " history"] = len(history.history.get("val_loss", []))
    assert seen["ours"] == seen["keras"] == [epoch in validation_freq for epoch in (1, 2, 3, 4)]
    assert seen["ours history"] == seen["keras history"]


@pytest.mark.parametrize("validation_freq", [[0, 2], [1.0], (1, 2)])
def test_validation_freq_list_of_other_than_epoch_numbers_is_refused(validation_freq):
    _, ours = _twin_models(keras_on_torch(REASON))
    ours.compile("sgd", "mse")
    with pytest.raises(ValueError, match=r"Invalid value for argument `validation_freq`.*Received validation_freq="):
        ours.fit(X, Y, epochs=2, validation_data=(X, Y), validation_freq=validation_freq, verbose=0)
