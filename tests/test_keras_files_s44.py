""".keras files and model JSON as Keras 3.15 writes them (compile_config in to_json, the name of a Sequential's
Input, build_config of layers Keras builds when made, a first call's batch size), and Keras' BackupAndRestore and
SwapEMAWeights callbacks, each against Keras 3.15 on torch (skipped, visibly, without it)."""
import json
import types
import zipfile

import numpy as np
import pytest
from helpers import keras_on_torch

from tinygradconv import callbacks, layers, models, optimizers
from tinygradconv.layers import layer as layer_module

OURS = types.SimpleNamespace(callbacks=callbacks)       # the library, as `keras` is passed
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")   # inside Keras


def _config_json(path):
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read("config.json"))


def _fresh_names(keras, monkeypatch):
    """Both name counters from zero: Keras' (clear_session) and ours, so that names can be compared."""
    keras.backend.clear_session()
    monkeypatch.setattr(layer_module, "_name_counts", {})


# ------------------------------------------------------------------------------------------- 1. to_json's compile
def test_to_json_holds_the_compile_config_as_keras_writes_it():
    keras = keras_on_torch("Keras 3.15's Model.to_json is the reference")
    ours = models.Sequential([layers.Input((4,)), layers.Dense(3)])
    theirs = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    # before compile: Keras writes "compile_config": {} (get_compile_config gives {}), at the end of the object
    assert list(json.loads(ours.to_json())) == list(json.loads(theirs.to_json()))
    assert json.loads(ours.to_json())["compile_config"] == json.loads(theirs.to_json())["compile_config"] == {}
    ours.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    theirs.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    mine, reference = json.loads(ours.to_json())["compile_config"], json.loads(theirs.to_json())["compile_config"]
    assert list(mine) == list(reference)
    for key in ("loss", "metrics", "loss_weights", "weighted_metrics", "run_eagerly", "steps_per_execution"):
        assert mine[key] == reference[key], key
    assert mine["optimizer"]["class_name"] == reference["optimizer"]["class_name"] == "SGD"


def test_model_from_json_compiles_as_keras_both_ways():
    keras = keras_on_torch("Keras 3.15's model_from_json is the reference")
    ours = models.Sequential([layers.Input((4,)), layers.Dense(3)])
    ours.compile(optimizer=__import__("tinygradconv").optimizers.Adam(0.01), loss="mae")
    theirs = keras.models.model_from_json(ours.to_json())
    assert theirs.compiled and type(theirs.optimizer).__name__ == "Adam"
    assert float(theirs.optimizer.learning_rate) == pytest.approx(0.01)
    back = models.model_from_json(theirs.to_json())
    assert back.compiled and type(back.optimizer).__name__ == "Adam"
    assert float(back.optimizer.learning_rate) == pytest.approx(0.01)
    x, y = np.ones((2, 4), "float32"), np.zeros((2, 3), "float32")
    back.set_weights(theirs.get_weights())
    assert back.evaluate(x, y, verbose=0) == pytest.approx(theirs.evaluate(x, y, verbose=0), rel=1e-6)
    # not compiled: neither compiles it
    plain = models.Sequential([layers.Input((4,)), layers.Dense(3)])
    assert not keras.models.model_from_json(plain.to_json()).compiled
    assert not models.model_from_json(plain.to_json()).compiled


def test_to_json_of_a_compile_keras_cannot_describe_warns_and_writes_an_empty_one():
    """A lambda loss: Keras would fail to load it; ours warns, names the loss, and writes {} (loads uncompiled)."""
    model = models.Sequential([layers.Input((4,)), layers.Dense(3)])
    model.compile(optimizer="sgd", loss=lambda y, p: ((y - p) ** 2).mean())
    with pytest.warns(UserWarning, match="its JSON holds none") as record:
        text = model.to_json()
    assert record[0].filename == __file__
    assert json.loads(text)["compile_config"] == {}
    assert not models.model_from_json(text).compiled


# ------------------------------------------------------------------------------------- 2. the Input's name
def test_a_sequentials_made_input_is_named_as_keras_names_it(tmp_path, monkeypatch):
    keras = keras_on_torch("Keras 3.15's InputLayer names are the reference")
    _fresh_names(keras, monkeypatch)
    names = {}
    for lib, tag in ((keras, "keras"), (None, "ours")):
        L = keras.layers if lib else layers
        Seq = keras.Sequential if lib else models.Sequential
        first = Seq([L.Dense(3, input_shape=(4,))])                 # input_shape=: named when added
        second = Seq([L.Dense(3, input_shape=(4,))])
        (keras.Input if lib else layers.Input)((2,))                # an Input in between takes a number too
        built = Seq([L.Dense(2)])
        built.build((None, 5))                                      # build: named then
        called = Seq([L.Dense(2)])
        called(np.zeros((3, 5), "float32"))                         # a first call: named then
        found = []
        for i, model in enumerate((first, second, built, called)):
            path = tmp_path / f"{tag}{i}.keras"
            model.save(path)
            found.append(_config_json(path)["config"]["layers"][0]["config"]["name"])
        names[tag] = found
    assert names["ours"] == names["keras"] == ["input_layer", "input_layer_1", "input_layer_3", "input_layer_4"]


def test_a_renamed_input_loads_here_and_in_keras(tmp_path):
    keras = keras_on_torch("Keras 3.15's load_model is the reference")
    ours = models.Sequential([layers.Dense(3, input_shape=(4,))])
    path = tmp_path / "m.keras"
    ours.save(path)
    x = np.linspace(-1, 1, 8, dtype="float32").reshape(2, 4)
    theirs = keras.models.load_model(path)
    back = models.load_model(path)
    name = _config_json(path)["config"]["layers"][0]["config"]["name"]
    assert name.startswith("input_layer")
    assert theirs.layers[0].name == back.layers[0].name == ours.layers[0].name
    np.testing.assert_allclose(back.predict(x, verbose=0), ours.predict(x, verbose=0), rtol=1e-6)
    # atol: unseeded weights can put an output near 0 (1.57e-4 once, after test_training_state seeded the
    # generator), where float32 rounding of a sum of terms of ~0.5 (3e-8) exceeds rtol alone
    np.testing.assert_allclose(np.asarray(theirs.predict(x, verbose=0)), ours.predict(x, verbose=0), rtol=1e-5,
                               atol=1e-6)
    # our file of the loaded model keeps the name (the Input is the loaded model's own now)
    back.save(tmp_path / "again.keras")
    assert _config_json(tmp_path / "again.keras")["config"]["layers"][0]["config"]["name"] == name


# ---------------------------------------------------------------------------------------------- 3. build_config
LAYERS = [("Activation", ("relu",), (2, 3)), ("Dropout", (0.5,), (2, 3)), ("ELU", (), (2, 3)),
          ("LeakyReLU", (), (2, 3)), ("ReLU", (), (2, 3)), ("Reshape", ((3,),), (2, 3)), ("Softmax", (), (2, 3)),
          ("Flatten", (), (2, 3)), ("Cropping1D", (1,), (2, 4, 3)), ("UpSampling1D", (), (2, 4, 3)),
          ("ZeroPadding1D", (), (2, 4, 3)), ("Dense", (2,), (2, 3)), ("PReLU", (), (2, 3)),
          ("DepthwiseConv1D", (2,), (2, 4, 3)), ("SeparableConv1D", (2, 2), (2, 4, 3)),
          ("Permute", ((2, 1),), (2, 4, 3)),
          ("RepeatVector", (2,), (2, 3)), ("GroupNormalization", (3,), (2, 4, 3)), ("Identity", (), (2, 3)),
          ("UnitNormalization", (), (2, 3)), ("GaussianNoise", (0.1,), (2, 3)), ("GaussianDropout", (0.1,), (2, 3)),
          ("SpatialDropout1D", (0.1,), (2, 4, 3))]


@pytest.mark.parametrize("name, args, shape", LAYERS, ids=[item[0] for item in LAYERS])
def test_get_build_config_as_keras(name, args, shape):
    keras = keras_on_torch("Keras 3.15's get_build_config is the reference")
    ours, theirs = getattr(layers, name)(*args), getattr(keras.layers, name)(*args)
    assert ours.get_build_config() is None and theirs.get_build_config() is None
    ours(np.zeros(shape, "float32"))
    theirs(np.zeros(shape, "float32"))
    assert ours.get_build_config() == theirs.get_build_config()       # None, or {"input_shape": shape}
    expected_none = name in ("Activation", "Dropout", "ELU", "LeakyReLU", "ReLU", "Reshape", "Softmax", "Identity",
                             "UnitNormalization", "GaussianNoise", "GaussianDropout", "SpatialDropout1D")
    assert (theirs.get_build_config() is None) == expected_none


def test_a_subclass_of_dropout_has_no_build_config_as_in_keras():
    keras = keras_on_torch("Keras 3.15's get_build_config is the reference")

    class MyDropout(layers.Dropout):
        pass

    class TheirDropout(keras.layers.Dropout):
        pass

    ours, theirs = MyDropout(0.1), TheirDropout(0.1)
    ours(np.zeros((2, 3), "float32"))
    theirs(np.zeros((2, 3), "float32"))
    assert ours.get_build_config() is None and theirs.get_build_config() is None


# ------------------------------------------------------------------------------------------- 4. a first batch
def test_a_sequential_built_on_a_batch_of_4_writes_its_batch_size_as_keras(tmp_path, monkeypatch):
    keras = keras_on_torch("Keras 3.15's .keras files are the reference")
    _fresh_names(keras, monkeypatch)
    ours, theirs = models.Sequential([layers.Dense(3)]), keras.Sequential([keras.layers.Dense(3)])
    ours(np.zeros((4, 10, 3), "float32"))
    theirs(np.zeros((4, 10, 3), "float32"))
    assert ours.input_shape == tuple(theirs.input_shape) == (4, 10, 3)
    ours.save(tmp_path / "ours.keras")
    theirs.save(tmp_path / "theirs.keras")
    mine, reference = _config_json(tmp_path / "ours.keras"), _config_json(tmp_path / "theirs.keras")
    assert mine["config"]["layers"][0]["config"] == reference["config"]["layers"][0]["config"]
    assert mine["config"]["layers"][0]["config"]["batch_shape"] == [4, 10, 3]
    assert mine["config"]["build_input_shape"] == reference["config"]["build_input_shape"] == [4, 10, 3]
    assert mine["build_config"] == reference["build_config"] == {"input_shape": [4, 10, 3]}
    assert mine["config"]["layers"][1]["build_config"] == reference["config"]["layers"][1]["build_config"]
    # data of another batch size still runs, in the loaded models too, as in Keras
    x = np.linspace(-1, 1, 8 * 30, dtype="float32").reshape(8, 10, 3)
    loaded, theirs_loaded = models.load_model(tmp_path / "ours.keras"), keras.models.load_model(tmp_path / "ours.keras")
    assert loaded.input_shape == (4, 10, 3)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), ours.predict(x, verbose=0), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(theirs_loaded(x).detach().cpu()), ours.predict(x, verbose=0), rtol=1e-5,
                               atol=1e-6)


# --------------------------------------------------------------------------------------- 5. BackupAndRestore
X = np.linspace(-1, 1, 40, dtype="float32").reshape(10, 4)
Y = (X @ np.array([[0.5], [-1.0], [2.0], [0.25]], dtype="float32") + 0.1).astype("float32")
KERNEL = np.array([[0.1], [0.2], [-0.3], [0.4]], dtype="float32")


def _interrupter(base, at_epoch):
    class Interrupt(base):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == at_epoch:
                raise RuntimeError("interrupted")
    return Interrupt()


def _ours(with_input=True):
    from tinygradconv import optimizers

    model = models.Sequential(([layers.Input((4,))] if with_input else []) + [layers.Dense(1)])
    model.compile(optimizer=optimizers.Adam(0.05), loss="mse")
    model.build((None, 4))
    model.set_weights([KERNEL, np.zeros(1, "float32")])
    return model


def _theirs(keras):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse")
    model.set_weights([KERNEL, np.zeros(1, "float32")])
    return model


def _interrupted_then_resumed(lib, make, backup_dir, at_epoch=3, **options):
    """An interrupted fit (raise in a callback at ``at_epoch``), then a new model resuming: (model, history,
    metadata at the interruption)."""
    first = make()
    backup = lib.callbacks.BackupAndRestore(str(backup_dir), **options)
    with pytest.raises(RuntimeError, match="interrupted"):
        first.fit(X, Y, epochs=6, batch_size=4, shuffle=False, verbose=0,
                  callbacks=[backup, _interrupter(lib.callbacks.Callback, at_epoch)])
    metadata = json.loads((backup_dir / "training_metadata.json").read_text())
    second = make()
    history = second.fit(X, Y, epochs=6, batch_size=4, shuffle=False, verbose=0,
                         callbacks=[lib.callbacks.BackupAndRestore(str(backup_dir), **options)])
    return second, history, metadata


@pytest.mark.parametrize("save_freq", ["epoch", 2, 3])
def test_backup_and_restore_resumes_as_keras(tmp_path, save_freq):
    keras = keras_on_torch("Keras 3.15's BackupAndRestore is the reference")
    ours, ours_history, ours_meta = _interrupted_then_resumed(OURS, _ours, tmp_path / "ours",
                                                              save_freq=save_freq)
    theirs, theirs_history, theirs_meta = _interrupted_then_resumed(keras, lambda: _theirs(keras), tmp_path / "k",
                                                                    save_freq=save_freq)
    assert {k: ours_meta[k] for k in ("epoch", "batch")} == theirs_meta
    assert ours_history.epoch == theirs_history.epoch
    np.testing.assert_allclose(ours_history.history["loss"], theirs_history.history["loss"], rtol=1e-5)
    for mine, reference in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(mine, reference, rtol=1e-5, atol=1e-6)
    assert int(ours.optimizer.iterations) == int(theirs.optimizer.iterations.numpy())
    assert not (tmp_path / "ours").exists() and not (tmp_path / "k").exists()     # deleted at the end, as Keras


def test_a_resumed_fit_is_the_uninterrupted_one(tmp_path):
    """Independent of Keras: weights, optimizer moments and step count as one fit of 6 epochs gives them."""
    whole = _ours()
    whole.fit(X, Y, epochs=6, batch_size=4, shuffle=False, verbose=0)
    resumed, history, metadata = _interrupted_then_resumed(OURS, _ours, tmp_path / "b")
    assert metadata["epoch"] == 3 and history.epoch == [3, 4, 5]
    for mine, reference in zip(resumed.get_weights(), whole.get_weights()):
        np.testing.assert_array_equal(mine, reference)
    assert int(resumed.optimizer.iterations) == int(whole.optimizer.iterations) == 18
    # a later fit without the callback starts at epoch 0 again (Keras 3.15 keeps the resumed epoch there)
    assert resumed.fit(X, Y, epochs=2, verbose=0).epoch == [0, 1]


def test_an_unbuilt_sequential_is_built_from_the_backup(tmp_path):
    """Keras builds the model before on_train_begin; ours builds it from the shape in the backup. The resumed
    model then ends as one uninterrupted fit of 6 epochs (weights, step count, the losses of epochs 3 to 5)."""
    def unbuilt():
        model = models.Sequential([layers.Dense(1)])
        model.compile(optimizer=optimizers.Adam(0.05), loss="mse")
        return model

    whole = _ours()
    whole_losses = whole.fit(X, Y, epochs=6, batch_size=4, shuffle=False, verbose=0).history["loss"]
    with pytest.raises(RuntimeError, match="interrupted"):
        _ours(with_input=False).fit(X, Y, epochs=6, batch_size=4, shuffle=False, verbose=0,
                                    callbacks=[callbacks.BackupAndRestore(tmp_path / "b"),
                                               _interrupter(callbacks.Callback, 3)])
    restored = unbuilt()
    assert not restored.built
    history = restored.fit(X, Y, epochs=6, batch_size=4, shuffle=False, verbose=0,
                           callbacks=[callbacks.BackupAndRestore(tmp_path / "b")])
    assert history.epoch == [3, 4, 5] and restored.built
    np.testing.assert_allclose(history.history["loss"], whole_losses[3:], rtol=1e-6)
    for mine, reference in zip(restored.get_weights(), whole.get_weights()):
        np.testing.assert_array_equal(mine, reference)
    assert int(restored.optimizer.iterations) == 18


def test_double_checkpoint_falls_back_to_the_previous_backup_as_keras(tmp_path):
    keras = keras_on_torch("Keras 3.15's BackupAndRestore is the reference")
    epochs = {}
    for lib, make, name, weights in ((OURS, _ours, "ours", "latest.weights.npz"),
                                     (keras, lambda: _theirs(keras), "keras", "latest.weights.h5")):
        directory = tmp_path / name
        with pytest.raises(RuntimeError):
            make().fit(X, Y, epochs=6, batch_size=4, shuffle=False, verbose=0,
                       callbacks=[lib.callbacks.BackupAndRestore(str(directory), double_checkpoint=True),
                                  _interrupter(lib.callbacks.Callback, 3)])
        assert (directory / (weights + ".bkp")).exists()
        (directory / weights).write_bytes(b"damaged")
        history = make().fit(X, Y, epochs=6, batch_size=4, shuffle=False, verbose=0,
                             callbacks=[lib.callbacks.BackupAndRestore(str(directory), double_checkpoint=True)])
        epochs[name] = history.epoch
    assert epochs["ours"] == epochs["keras"] == [2, 3, 4, 5]


def test_backup_and_restore_arguments():
    with pytest.raises(ValueError, match="Invalid value for argument `backup_dir`.*Received backup_dir=''"):
        callbacks.BackupAndRestore("")
    with pytest.raises(TypeError, match="Invalid type for argument `backup_dir`"):
        callbacks.BackupAndRestore(3)
    for bad in (0, -2, "batch", 1.5, True):
        with pytest.raises(ValueError, match=f"Invalid value for argument `save_freq`.*save_freq={bad!r}"):
            callbacks.BackupAndRestore("b", save_freq=bad)
    with pytest.raises(TypeError, match="double_checkpoint"):
        callbacks.BackupAndRestore("b", double_checkpoint="yes")
    with pytest.raises(TypeError, match=r"Invalid type for argument `backup_dir`.*Received b'/tmp/x'"):
        callbacks.BackupAndRestore(b"/tmp/x")      # passed the path check, failed later in os.path.join


def test_backup_files_are_read_without_pickle_and_keep_the_optimizer_state(tmp_path):
    model = _ours()
    model.fit(X, Y, epochs=2, batch_size=4, shuffle=False, verbose=0,
              callbacks=[callbacks.BackupAndRestore(tmp_path / "b", delete_checkpoint=False)])
    with np.load(tmp_path / "b" / "latest.weights.npz", allow_pickle=False) as archive:
        assert archive["__optimizer__/iterations"].item() == 6
        np.testing.assert_array_equal(archive["dense/kernel"], model.get_weights()[0])
    assert json.loads((tmp_path / "b" / "training_metadata.json").read_text()) == {"epoch": 2, "batch": 0}
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == ["latest.weights.npz", "training_metadata.json"]


def _halving(base):
    class Halve(base):
        def on_epoch_end(self, epoch, logs=None):
            self.model.optimizer.learning_rate.assign(float(self.model.optimizer.learning_rate) * 0.5)
    return Halve()


@pytest.mark.parametrize("name, options", [("SGD", {}), ("Adam", {"use_ema": True, "ema_momentum": 0.6}),
                                           ("Nadam", {})])
def test_the_learning_rate_and_optimizer_state_are_restored_as_keras(tmp_path, name, options):
    """Keras' backup keeps the learning rate as an optimizer variable: a rate halved at each epoch end is 0.1 / 8
    after 3 epochs, and the resumed fit goes on with it (with the moments, averages and Nadam's product)."""
    keras = keras_on_torch("Keras 3.15's BackupAndRestore is the reference")
    results = {}
    for lib, label in ((OURS, "ours"), (keras, "keras")):
        def make(lib=lib):
            source = optimizers if lib is OURS else keras.optimizers
            model = (models.Sequential([layers.Input((4,)), layers.Dense(1)]) if lib is OURS
                     else keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)]))
            model.compile(optimizer=getattr(source, name)(0.1, **options), loss="mse")
            model.set_weights([KERNEL, np.zeros(1, "float32")])
            return model
        directory = str(tmp_path / label)
        with pytest.raises(RuntimeError, match="interrupted"):
            make().fit(X, Y, epochs=6, batch_size=4, shuffle=False, verbose=0,
                       callbacks=[_halving(lib.callbacks.Callback), lib.callbacks.BackupAndRestore(directory),
                                  _interrupter(lib.callbacks.Callback, 3)])
        model = make()
        history = model.fit(X, Y, epochs=6, batch_size=4, shuffle=False, verbose=0,
                            callbacks=[lib.callbacks.BackupAndRestore(directory)])
        results[label] = (float(model.optimizer.learning_rate), history.history["loss"], model.get_weights())
    assert results["keras"][0] == pytest.approx(0.0125) and results["ours"][0] == pytest.approx(0.0125)
    np.testing.assert_allclose(results["ours"][1], results["keras"][1], rtol=1e-4)
    for mine, reference in zip(results["ours"][2], results["keras"][2]):
        np.testing.assert_allclose(mine, reference, rtol=1e-4, atol=1e-6)


def test_the_backup_keeps_the_rate_among_the_optimizers_arrays(tmp_path):
    """The rate is an optimizer variable in Keras (its backup's ``optimizer/vars/1``); here it is the optimizer's
    array ``__optimizer__/learning_rate`` of the backup, not an entry of its metadata: 0.05 halved at the end of
    epochs 0, 1 and 2 is 0.05 / 8 in the backup written at the end of epoch 2."""
    from tinygradconv import saving

    directory = tmp_path / "b"
    with pytest.raises(RuntimeError, match="interrupted"):
        _ours().fit(X, Y, epochs=6, batch_size=4, shuffle=False, verbose=0,
                    callbacks=[_halving(callbacks.Callback), callbacks.BackupAndRestore(directory),
                               _interrupter(callbacks.Callback, 3)])
    arrays, meta = saving._read_npz(directory / "latest.weights.npz")
    assert arrays["__optimizer__/learning_rate"].dtype == np.float64
    assert arrays["__optimizer__/learning_rate"].item() == 0.05 / 8
    assert "learning_rate" not in meta["backup"]
    assert meta["backup"]["epoch"] == 3


def test_a_backup_written_before_the_rate_moved_resumes_with_its_rate(tmp_path):
    """A backup of the earlier layout (the rate in the metadata, not among the arrays) resumes with that rate, as
    the new layout does: the same rate (0.05 / 8, by hand), the same losses and weights."""
    from tinygradconv import saving

    results = {}
    for layout in ("new", "old"):
        directory = tmp_path / layout
        with pytest.raises(RuntimeError, match="interrupted"):
            _ours().fit(X, Y, epochs=6, batch_size=4, shuffle=False, verbose=0,
                        callbacks=[_halving(callbacks.Callback), callbacks.BackupAndRestore(directory),
                                   _interrupter(callbacks.Callback, 3)])
        if layout == "old":     # rewrite the file as the callback wrote it before 2026-12-07
            arrays, meta = saving._read_npz(directory / "latest.weights.npz")
            meta["backup"]["learning_rate"] = arrays.pop("__optimizer__/learning_rate").item()
            saving._write_npz(directory / "latest.weights.npz", arrays, meta)
        model = _ours()
        history = model.fit(X, Y, epochs=6, batch_size=4, shuffle=False, verbose=0,
                            callbacks=[callbacks.BackupAndRestore(directory)])
        results[layout] = (history.epoch, history.history["loss"], model.get_weights())
        assert model.optimizer.learning_rate == 0.05 / 8
    assert results["old"][:2] == results["new"][:2] and results["new"][0] == [3, 4, 5]
    for old, new in zip(results["old"][2], results["new"][2]):
        np.testing.assert_array_equal(old, new)


def test_a_saved_rate_does_not_fit_an_optimizer_that_follows_a_schedule(tmp_path):
    """Resumed with a schedule where the backup holds a rate (a number): Keras 3.15 counts one variable fewer,
    warns "Skipping variable loading for optimizer" and trains on with a fresh optimizer; here it is the ValueError
    of any optimizer state that does not fit, naming the rate and the schedule (the optimizer left as it was).
    (A backup without a rate, of a schedule or written before 2026-12-07, is taken by an optimizer with a number:
    the two cannot be told apart.)"""
    keras = keras_on_torch("Keras 3.15's BackupAndRestore is the reference")
    for lib, make, label in ((OURS, _ours, "ours"), (keras, lambda: _theirs(keras), "keras")):
        directory = tmp_path / label
        with pytest.raises(RuntimeError, match="interrupted"):
            make().fit(X, Y, epochs=6, batch_size=4, shuffle=False, verbose=0,
                       callbacks=[lib.callbacks.BackupAndRestore(str(directory)),
                                  _interrupter(lib.callbacks.Callback, 3)])
        model = make()
        source = optimizers if lib is OURS else keras.optimizers
        model.compile(optimizer=source.Adam(source.schedules.ExponentialDecay(0.05, 3, 0.5)), loss="mse")
        if lib is OURS:
            with pytest.raises(ValueError, match=r"does not fit optimizer Adam.*holds a learning rate \(0\.05\) "
                                                 r"where the optimizer follows a schedule or a function"):
                model.fit(X, Y, epochs=6, batch_size=4, verbose=0, callbacks=[callbacks.BackupAndRestore(directory)])
            assert model.optimizer.iterations == 0 and not model.optimizer.built
        else:
            with pytest.warns(UserWarning, match="Skipping variable loading for optimizer"):
                model.fit(X, Y, epochs=6, batch_size=4, verbose=0,
                          callbacks=[keras.callbacks.BackupAndRestore(str(directory))])


def _keras_backup(directory):
    """The files Keras 3.15's BackupAndRestore leaves after an interruption at epoch 3 (made by Keras itself)."""
    keras = keras_on_torch("Keras 3.15 writes the backup folder")
    with pytest.raises(RuntimeError, match="interrupted"):
        _theirs(keras).fit(X, Y, epochs=6, batch_size=4, shuffle=False, verbose=0,
                           callbacks=[keras.callbacks.BackupAndRestore(str(directory), delete_checkpoint=False),
                                      _interrupter(keras.callbacks.Callback, 3)])
    return sorted(p.name for p in directory.iterdir())


def test_a_keras_backup_folder_is_refused_and_kept(tmp_path):
    directory = tmp_path / "k"
    files = _keras_backup(directory)
    assert files == ["latest.weights.h5", "training_metadata.json"]
    model = _ours()
    with pytest.raises(ValueError, match=r"Invalid value for argument `backup_dir`: it holds a backup of Keras' "
                                         r"BackupAndRestore \(latest.weights.h5, training_metadata.json\).*"
                                         r"Received backup_dir='.*k'"):
        model.fit(X, Y, epochs=6, batch_size=4, verbose=0, callbacks=[callbacks.BackupAndRestore(directory)])
    assert sorted(p.name for p in directory.iterdir()) == files        # nothing deleted
    np.testing.assert_array_equal(model.get_weights()[0], KERNEL)       # nothing trained either


def test_metadata_without_our_weights_is_refused(tmp_path):
    directory = tmp_path / "b"
    directory.mkdir()
    (directory / "training_metadata.json").write_text('{"epoch": 3, "batch": 0}')
    with pytest.raises(ValueError, match=r"holds training_metadata.json but no latest.weights.npz"):
        _ours().fit(X, Y, epochs=6, verbose=0, callbacks=[callbacks.BackupAndRestore(directory)])
    assert (directory / "training_metadata.json").exists()


def test_a_second_interruption_in_the_resumed_epoch_keeps_that_epoch(tmp_path):
    """Three fits, backing up every 2 batches (3 batches an epoch, so after steps 2, 4, 6, 8: the last on batch 1
    of epoch 2). The first fit stops at epoch 3; the second resumes at epoch 2 (8 steps) and stops in it, before
    its batch 2, after a backup on its batch 1 (10 steps); the third starts epoch 2 again and runs it and epochs
    3 to 5: 10 + 3 + 9 = 22 steps. Keras 3.15 writes epoch 0 in the second backup, and its third fit reruns all
    the epochs; the docstring promises to go on as if the fit had not stopped."""
    class InterruptAtBatch(callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            if batch == 2:
                raise RuntimeError("interrupted")

    directory = tmp_path / "b"
    fits = [_interrupter(callbacks.Callback, 3), InterruptAtBatch()]
    for interrupter, expected in zip(fits, ({"epoch": 2, "batch": 1}, {"epoch": 2, "batch": 1})):
        with pytest.raises(RuntimeError, match="interrupted"):
            _ours().fit(X, Y, epochs=6, batch_size=4, shuffle=False, verbose=0,
                        callbacks=[callbacks.BackupAndRestore(directory, save_freq=2), interrupter])
        assert json.loads((directory / "training_metadata.json").read_text()) == expected
    third = _ours()
    history = third.fit(X, Y, epochs=6, batch_size=4, shuffle=False, verbose=0,
                        callbacks=[callbacks.BackupAndRestore(directory, save_freq=2)])
    assert history.epoch == [2, 3, 4, 5]
    assert int(third.optimizer.iterations) == 22


def test_a_damaged_metadata_file_does_not_stop_the_resume(tmp_path):
    """The .npz holds the epoch with the weights: a damaged training_metadata.json (not read back) resumes from
    the latest backup, with or without double_checkpoint (it was a JSONDecodeError)."""
    whole = _ours()
    whole.fit(X, Y, epochs=6, batch_size=4, shuffle=False, verbose=0)
    for double_checkpoint in (True, False):
        directory = tmp_path / f"b{double_checkpoint}"
        with pytest.raises(RuntimeError, match="interrupted"):
            _ours().fit(X, Y, epochs=6, batch_size=4, shuffle=False, verbose=0,
                        callbacks=[callbacks.BackupAndRestore(directory, double_checkpoint=double_checkpoint),
                                   _interrupter(callbacks.Callback, 3)])
        (directory / "training_metadata.json").write_text('{"epo')
        model = _ours()
        history = model.fit(X, Y, epochs=6, batch_size=4, shuffle=False, verbose=0,
                            callbacks=[callbacks.BackupAndRestore(directory, double_checkpoint=double_checkpoint)])
        assert history.epoch == [3, 4, 5]
        for mine, reference in zip(model.get_weights(), whole.get_weights()):
            np.testing.assert_array_equal(mine, reference)


def test_a_kill_between_the_two_writes_leaves_a_consistent_backup(tmp_path, monkeypatch):
    """The epoch is kept inside the .npz: a process killed after the weights of epoch 3 were written but before
    training_metadata.json was (still saying epoch 2) resumes at epoch 3 with the weights of epoch 3."""
    from tinygradconv import saving

    whole = _ours()
    whole.fit(X, Y, epochs=6, batch_size=4, shuffle=False, verbose=0)
    real_atomic_write = saving.atomic_write

    def killed_at_the_third_metadata(path, write, **kwargs):
        if str(path).endswith("training_metadata.json") and (tmp_path / "b" / "training_metadata.json").exists() \
                and json.loads((tmp_path / "b" / "training_metadata.json").read_text())["epoch"] == 2:
            raise KeyboardInterrupt("killed")
        return real_atomic_write(path, write, **kwargs)

    monkeypatch.setattr(saving, "atomic_write", killed_at_the_third_metadata)
    with pytest.raises(KeyboardInterrupt):
        _ours().fit(X, Y, epochs=6, batch_size=4, shuffle=False, verbose=0,
                    callbacks=[callbacks.BackupAndRestore(tmp_path / "b")])
    monkeypatch.setattr(saving, "atomic_write", real_atomic_write)
    assert json.loads((tmp_path / "b" / "training_metadata.json").read_text())["epoch"] == 2    # stale
    model = _ours()
    history = model.fit(X, Y, epochs=6, batch_size=4, shuffle=False, verbose=0,
                        callbacks=[callbacks.BackupAndRestore(tmp_path / "b")])
    assert history.epoch == [3, 4, 5]
    for mine, reference in zip(model.get_weights(), whole.get_weights()):
        np.testing.assert_array_equal(mine, reference)


# ----------------------------------------------------------------------------------------- 6. SwapEMAWeights
def _ema_models(keras, name="SGD"):
    """The same model in both libraries, trained by the optimizer ``name`` keeping its moving averages."""
    ours = models.Sequential([layers.Input((4,)), layers.Dense(1)])
    ours.compile(optimizer=getattr(optimizers, name)(0.1, use_ema=True, ema_momentum=0.6), loss="mse")
    ours.set_weights([KERNEL, np.zeros(1, "float32")])
    theirs = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    theirs.compile(optimizer=getattr(keras.optimizers, name)(0.1, use_ema=True, ema_momentum=0.6), loss="mse")
    theirs.set_weights([KERNEL, np.zeros(1, "float32")])
    return ours, theirs


@pytest.mark.parametrize("name", ["SGD", "Adam"])
def test_swap_ema_weights_validation_and_evaluate_see_the_averages_as_keras(name):
    keras = keras_on_torch("Keras 3.15's SwapEMAWeights is the reference")
    ours, theirs = _ema_models(keras, name)
    x_val, y_val = X[::3] * 0.5, Y[::3]
    histories = [model.fit(X, Y, epochs=3, batch_size=4, shuffle=False, verbose=0, validation_data=(x_val, y_val),
                           callbacks=[lib.callbacks.SwapEMAWeights()])
                 for model, lib in ((ours, OURS), (theirs, keras))]
    np.testing.assert_allclose(histories[0].history["val_loss"], histories[1].history["val_loss"], rtol=1e-5)
    np.testing.assert_allclose(histories[0].history["loss"], histories[1].history["loss"], rtol=1e-5)
    # both optimizers write the averages into the model at the end of fit (finalize_variable_values)
    for mine, reference in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(mine, reference, rtol=1e-5, atol=1e-7)
    # evaluate with the callback runs on the averages in both; the weights are put back after
    ours.optimizer.ema_weights[0].data = ours.optimizer.ema_weights[0].numpy() + 0.5     # now unlike the weights
    theirs.optimizer._model_variables_moving_average[0].assign(ours.optimizer.ema_weights[0].numpy())
    trained = ours.get_weights()
    mine = ours.evaluate(x_val, y_val, verbose=0, callbacks=[callbacks.SwapEMAWeights()])
    reference = theirs.evaluate(x_val, y_val, verbose=0, callbacks=[keras.callbacks.SwapEMAWeights()])
    assert mine == pytest.approx(reference, rel=1e-5)
    for before, after in zip(trained, ours.get_weights()):     # swapped back after evaluate
        np.testing.assert_array_equal(before, after)
    # by hand: the loss of the averaged weights
    kernel, bias = (average.numpy() for average in ours.optimizer.ema_weights)
    assert mine == pytest.approx(float(np.mean((x_val @ kernel + bias - y_val) ** 2)), rel=1e-6)
    # predict swaps back too (Keras 3.15's on_predict_end leaves the averages in the model: see the docstring)
    ours.predict(x_val, verbose=0, callbacks=[callbacks.SwapEMAWeights()])
    for before, after in zip(trained, ours.get_weights()):
        np.testing.assert_array_equal(before, after)


def test_swap_on_epoch_lets_model_checkpoint_save_the_averages_as_keras(tmp_path):
    keras = keras_on_torch("Keras 3.15's SwapEMAWeights is the reference")
    ours, theirs = _ema_models(keras)
    for model, lib, name in ((ours, OURS, "ours"), (theirs, keras, "keras")):
        checkpoint = lib.callbacks.ModelCheckpoint(str(tmp_path / f"{name}-{{epoch}}.weights.h5"),
                                                   save_weights_only=True, save_freq="epoch")
        model.fit(X, Y, epochs=3, batch_size=4, shuffle=False, verbose=0,
                  callbacks=[lib.callbacks.SwapEMAWeights(swap_on_epoch=True), checkpoint])
    reader = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    for epoch in (1, 2, 3):
        reader.load_weights(tmp_path / f"keras-{epoch}.weights.h5")
        reference = reader.get_weights()
        reader.load_weights(tmp_path / f"ours-{epoch}.weights.h5")
        for mine, theirs_saved in zip(reader.get_weights(), reference):
            np.testing.assert_allclose(mine, theirs_saved, rtol=1e-5, atol=1e-7)
    # after the last epoch both models hold the averages
    for mine, reference in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(mine, reference, rtol=1e-5, atol=1e-7)
    for weight, average in zip(ours.get_weights(), ours.optimizer.ema_weights):
        np.testing.assert_array_equal(weight, average.numpy())


def test_swap_ema_weights_needs_use_ema_as_in_keras():
    keras = keras_on_torch("Keras 3.15's error is the reference")
    ours = models.Sequential([layers.Input((4,)), layers.Dense(1)])
    ours.compile(optimizer="sgd", loss="mse")
    theirs = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    theirs.compile(optimizer="sgd", loss="mse")
    messages = []
    for model, lib in ((ours, OURS), (theirs, keras)):
        with pytest.raises(ValueError) as info:
            model.evaluate(X, Y, verbose=0, callbacks=[lib.callbacks.SwapEMAWeights()])
        messages.append(str(info.value))
    assert messages[0] == messages[1] == ("SwapEMAWeights must be used when `use_ema=True` is set on the "
                                          "optimizer. Received: use_ema=False")
    with pytest.raises(TypeError, match="swap_on_epoch"):
        callbacks.SwapEMAWeights(swap_on_epoch="yes")
