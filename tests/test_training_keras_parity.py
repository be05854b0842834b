"""Training results that a Keras 3 user compares step by step (found by a tester against Keras 3.15.1 on torch).

1. A float16 model computes its loss in float32 from float32 targets and sample weights, as Keras 3's losses cast
   everything to their own dtype (``floatx()``): before, the targets and weights were rounded to float16 first
   (a target of 7e4 became inf, a weight of 1e-8 became 0).
2. ``compile`` again with ``metrics=None`` keeps the metrics of the previous ``compile``, and ``loss=None`` its
   loss, as Keras 3's ``Trainer.compile`` does (keras-team/keras#20602).
3. A metric whose result is an array of one value (``F1Score(average=None)``, ``R2Score(class_aggregation=None)``
   of one output) is logged as that array, ``array([0.4])``, as Keras 3 logs it; a scalar metric stays a float.
4. ``batch_size=0`` is refused (Keras 3 reads it as None, its default of 32); the message says so.

The references: Keras 3 itself (skipped visibly without it) and cases computed by hand.
"""
import re
import warnings

import numpy as np
import pytest
from helpers import keras_on_torch

import tinygradconv as tg
from tinygradconv import callbacks, layers, metrics, models, optimizers

# ----------------------------------------------------------------------------------- 1. float16 models' losses
F16 = "float16"


def _float16_pair(keras):
    """A float16 Dense model of ours and Keras' with the same float16 weights (the tester's model)."""
    make = lambda lib: [lib.Input((4,), dtype=F16), lib.Dense(5, "tanh", dtype=F16), lib.Dense(2, dtype=F16)]
    theirs, ours = keras.Sequential(make(keras.layers)), models.Sequential(make(layers))
    rng = np.random.default_rng(0)
    weights = [(rng.normal(size=w.shape) * 0.5).astype(F16) for w in theirs.get_weights()]
    theirs.set_weights(weights)
    ours.set_weights(weights)
    return ours, theirs


def _tester_data():
    rng = np.random.default_rng(1)
    return rng.normal(size=(10, 4)).astype("float32"), rng.normal(size=(10, 2)).astype("float32")


def _big_target():
    y = _tester_data()[1].copy()
    y[0, 0] = 7e4               # above float16's largest value, 65504
    return y


def _big_weight():
    w = np.ones(10, "float32")
    w[1] = 1e5                  # above float16's largest value
    return w


@pytest.mark.parametrize("case", ["plain", "target 7e4", "weight 1e5", "weights 1e-8"])
def test_float16_model_evaluates_its_loss_in_float32_as_keras(case):
    keras = keras_on_torch("Keras 3's loss of a float16 model is the reference")
    x, y = _tester_data()
    sample_weight = None
    if case == "target 7e4":
        y = _big_target()
    elif case == "weight 1e5":
        sample_weight = _big_weight()
    elif case == "weights 1e-8":
        sample_weight = np.full(10, 1e-8, "float32")     # below float16's smallest value, 6e-8
    ours, theirs = _float16_pair(keras)
    ours.compile(optimizer="sgd", loss="mse")
    theirs.compile(optimizer="sgd", loss="mse")
    expected = theirs.evaluate(x, y, sample_weight=sample_weight, verbose=0)
    got = ours.evaluate(x, y, sample_weight=sample_weight)
    assert np.isfinite(got) and got > 0
    assert got == pytest.approx(expected, rel=1e-6)     # before: 0.566950 vs 0.566823, inf, inf and 0.0


def test_float16_model_trains_as_keras_with_float32_targets_and_weights():
    """Three epochs of SGD and Adam: the float16 weights equal Keras' bit for bit (the float32 loss's gradient is
    cast back to float16 at the prediction), and the logged losses and metrics agree."""
    keras = keras_on_torch("Keras 3's training of a float16 model is the reference")
    rng = np.random.default_rng(1)
    x = rng.normal(size=(10, 4)).astype("float32")
    y = (rng.normal(size=(10, 2)) * 3 + 0.1234567).astype("float32")     # not float16 numbers
    sample_weight = (rng.uniform(size=10) + 1e-4).astype("float32")
    for optimizer in ("sgd", "adam"):
        ours, theirs = _float16_pair(keras)
        ours.compile(optimizer=optimizer, loss="mse", metrics=["mae", metrics.R2Score()], weighted_metrics=["mae"])
        theirs.compile(optimizer=optimizer, loss="mse", metrics=["mae", keras.metrics.R2Score()],
                       weighted_metrics=["mae"])
        kwargs = {"sample_weight": sample_weight, "epochs": 3, "batch_size": 4, "shuffle": False, "verbose": 0}
        history = ours.fit(x, y, **kwargs).history
        expected = theirs.fit(x, y, **kwargs).history
        for a, b in zip(ours.get_weights(), theirs.get_weights()):
            np.testing.assert_array_equal(a, b)
        assert sorted(history) == sorted(expected)
        for name in expected:
            np.testing.assert_allclose(history[name], expected[name], rtol=2e-6, err_msg=name)


def test_float16_model_loss_and_step_by_hand():
    """One float16 weight w = 1000, x = 1, y = 1000.3 (float16 would round it to 1000.5): the loss is
    float32((1000 - 1000.3)**2) = 0.09 (not 0.25), and one SGD step of rate 1 moves w by the float16 gradient
    -2 * 0.3 = -0.6001, to float16(1000.6) = 1000.5 (with the rounded target: 1001)."""
    model = models.Sequential([layers.Input((1,), dtype=F16), layers.Dense(1, use_bias=False, dtype=F16)])
    model.set_weights([np.array([[1000.0]], F16)])
    model.compile(optimizer=optimizers.SGD(learning_rate=1.0), loss="mse")
    x, y = np.ones((1, 1), "float32"), np.array([[1000.3]], "float32")
    expected = float((np.float32(1000.0) - np.float32(1000.3)) ** 2)
    assert model.evaluate(x, y) == pytest.approx(expected, rel=1e-6)
    assert model.evaluate(x, y, sample_weight=np.array([1e-8], "float32")) == pytest.approx(1e-8 * expected,
                                                                                            rel=1e-6)
    model.fit(x, y, verbose=0)
    assert model.get_weights()[0].dtype == np.float16
    assert model.get_weights()[0][0, 0] == np.float16(1000.5)


def test_float16_model_with_a_target_beyond_float16_gives_a_finite_loss_by_hand():
    """pred 0, target 7e4: the loss is 7e4**2 = 4.9e9 in float32 (finite), as in Keras; it was inf."""
    model = models.Sequential([layers.Input((1,), dtype=F16), layers.Dense(1, use_bias=False, dtype=F16)])
    model.set_weights([np.zeros((1, 1), F16)])
    model.compile(optimizer="sgd", loss="mse")
    assert model.evaluate(np.ones((1, 1), "float32"), np.array([[7e4]], "float32")) == pytest.approx(4.9e9, rel=1e-6)


def test_a_loss_function_of_your_own_gets_a_float32_prediction_from_a_float16_model():
    """Keras 3 wraps a plain function in a LossFunctionWrapper of dtype float32, so (300 * p)**2 for p = 1 is 90000
    there (float16 overflows at 65504: it was inf here)."""
    model = models.Sequential([layers.Input((1,), dtype=F16), layers.Dense(1, use_bias=False, dtype=F16)])
    model.set_weights([np.ones((1, 1), F16)])
    model.compile(optimizer="sgd", loss=lambda y_true, y_pred: ((y_pred * 300.0) ** 2).mean(axis=-1))
    assert model.evaluate(np.ones((1, 1), "float32"), np.zeros((1, 1), "float32")) == 90000.0


# ---------------------------------------------------------------------------------- 2. compile a second time
def _data():
    x = np.random.default_rng(0).normal(size=(8, 3)).astype("float32")
    return x, x[:, :1] * 2


def _logged_after_recompile(lib, first, second, fit_kwargs=None):
    model = lib.Sequential([lib.Input((3,)) if lib is not models else layers.Input((3,)),
                            (lib.layers if lib is not models else layers).Dense(1)])
    model.compile(**first)
    model.compile(**second)
    x, y = _data()
    return sorted(model.fit(x, y, verbose=0, **(fit_kwargs or {})).history)


@pytest.mark.parametrize(("second", "fit_kwargs"), [
    ({"optimizer": "sgd", "loss": "mse"}, None),                                   # metrics=None: kept
    ({"optimizer": "adam"}, None),                                                 # loss=None too: kept
    ({"optimizer": "sgd", "loss": "mse", "metrics": []}, None),                    # [] drops them
    ({"optimizer": "sgd", "loss": "mse", "metrics": ["mse"]}, None),               # replaced, weighted ones too
    ({"optimizer": "sgd", "weighted_metrics": ["mse"]}, {"sample_weight": np.ones(8)}),
])
def test_compiling_again_keeps_what_is_not_given_as_keras(second, fit_kwargs):
    keras = keras_on_torch("Keras 3's Trainer.compile is the reference")
    first = {"optimizer": "sgd", "loss": "mse", "metrics": ["mae"], "weighted_metrics": ["mse"]}
    assert _logged_after_recompile(models, first, second, fit_kwargs) == \
        _logged_after_recompile(keras, first, second, fit_kwargs)


def test_compiling_again_with_metrics_none_keeps_the_metrics_by_hand():
    x, y = _data()
    model = models.Sequential([layers.Input((3,)), layers.Dense(1, kernel_initializer="zeros")])
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    model.compile(optimizer=optimizers.SGD(learning_rate=0.0))        # a new optimizer only
    logs = model.evaluate(x, y, return_dict=True)
    assert sorted(logs) == ["loss", "mae"]                             # the predictions are 0
    assert logs["loss"] == pytest.approx(float(np.mean(y.astype(np.float64) ** 2)), rel=1e-6)
    assert logs["mae"] == pytest.approx(float(np.mean(np.abs(y.astype(np.float64)))), rel=1e-6)
    assert model.metrics_names == ["loss", "mae"]
    model.compile(optimizer="sgd", loss="mae", metrics=[])
    assert model.metrics_names == ["loss"]


def test_kept_metrics_are_saved_and_cloned(tmp_path):
    """Keras 3.15 writes the second call's arguments (metrics=None) in the file, so its reloaded model loses the
    metrics it logged; here the file holds what the model uses."""
    x, y = _data()
    model = models.Sequential([layers.Input((3,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"], weighted_metrics=["mse"])
    model.compile(optimizer="adam")
    for name in ("model.keras", "model.npz"):
        model.save(tmp_path / name)
        loaded = models.load_model(tmp_path / name)
        assert sorted(loaded.evaluate(x, y, return_dict=True)) == ["loss", "mae", "mse"], name
        assert type(loaded.optimizer).__name__ == "Adam"
    clone = models.clone_model(model)
    assert clone.metrics_names == ["loss", "mae", "mse"]


def test_loss_weights_without_a_loss_when_compiling_again_are_refused():
    """Keras 3 keeps the previous loss and ignores the new weights, silently."""
    model = models.Sequential([layers.Input((3,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match=r"Invalid value for argument `loss_weights`.*loss=None.*"
                                         r"Received loss_weights=2\.0"):
        model.compile(optimizer="sgd", loss_weights=2.0)


def test_a_functional_model_of_two_outputs_keeps_its_losses_and_metrics_as_keras():
    keras = keras_on_torch("Keras 3's Trainer.compile is the reference")
    x, y = _data()
    targets = [y, np.hstack([y, -y])]
    logged = []
    for lib, lay in ((models, layers), (keras, keras.layers)):
        inputs = lay.Input((3,))
        model = (models.Model if lib is models else keras.Model)(
            inputs, [lay.Dense(1, name="a")(inputs), lay.Dense(2, name="b")(inputs)])
        model.compile(optimizer="sgd", loss=["mse", "mae"], metrics={"a": ["mae"], "b": ["mse"]},
                      loss_weights=[1.0, 0.5])
        model.compile(optimizer="adam")
        logged.append(sorted(model.fit(x, targets, verbose=0).history))
    assert logged[0] == logged[1] == ["a_loss", "a_mae", "b_loss", "b_mse", "loss"]


# ---------------------------------------------------------------------------- 3. metrics of one value per class
def _fixed_predictions_model(metric_list):
    """Predictions equal to x (a Dense of kernel 1, no bias, frozen): the metrics see known predictions."""
    model = models.Sequential([layers.Input((1,)), layers.Dense(1, use_bias=False, kernel_initializer="ones",
                                                                trainable=False)])
    model.compile(optimizer="sgd", loss="mse", metrics=metric_list)
    return model


P = np.array([[0.9], [0.2], [0.3], [0.8]], "float32")
Y = np.array([[1.0], [0.0], [1.0], [1.0]], "float32")


def test_an_f1_score_of_one_class_is_logged_as_an_array_by_hand():
    """threshold 0.5: tp = 2, fp = 0, fn = 1, so precision 1, recall 2/3, F1 = 0.8, logged as array([0.8]) in
    evaluate (dict and list), the History (and its val_ entries) and train_on_batch; mae stays a float."""
    model = _fixed_predictions_model([metrics.F1Score(average=None, threshold=0.5), "mae"])
    logs = model.evaluate(P, Y, return_dict=True)
    assert isinstance(logs["f1_score"], np.ndarray) and logs["f1_score"].shape == (1,)
    np.testing.assert_allclose(logs["f1_score"], [0.8], rtol=1e-6)
    assert type(logs["mae"]) is float and type(logs["loss"]) is float
    listed = model.evaluate(P, Y)
    assert listed[1].shape == (1,) and type(listed[2]) is float
    history = model.fit(P, Y, validation_data=(P, Y), verbose=0).history
    for name in ("f1_score", "val_f1_score"):
        assert history[name][0].shape == (1,), name
        np.testing.assert_allclose(history[name][0], [0.8], rtol=1e-6)
    assert type(history["val_mae"][0]) is float
    assert model.train_on_batch(P, Y, return_dict=True)["f1_score"].shape == (1,)


# named: Keras numbers a default name once it has been used in the process (precision_34 after other tests)
@pytest.mark.parametrize("make", [lambda lib: lib.metrics.F1Score(average=None, threshold=0.5, name="f1"),
                                  lambda lib: lib.metrics.R2Score(class_aggregation=None, name="r2"),
                                  lambda lib: lib.metrics.Precision(thresholds=[0.5], name="precision"),
                                  lambda lib: lib.metrics.AUC(thresholds=[0.5], name="auc")],
                         ids=["F1Score", "R2Score", "Precision", "AUC"])
def test_metric_shapes_in_the_logs_are_keras(make):
    keras = keras_on_torch("Keras 3's logs are the reference")

    def logged(lib, model):
        model.compile(optimizer="sgd", loss="mse", metrics=[make(lib), "mae"])
        kwargs = {"verbose": 0} if lib is keras else {}
        as_dict = model.evaluate(P, Y, return_dict=True, **kwargs)
        as_list = model.evaluate(P, Y, **kwargs)
        history = model.fit(P, Y, validation_data=(P, Y), verbose=0).history
        shapes = {key: np.shape(value) for key, value in as_dict.items()}
        shapes.update({f"list {i}": np.shape(value) for i, value in enumerate(as_list)})
        shapes.update({f"history {key}": np.shape(value[0]) for key, value in history.items()})
        return shapes, as_dict

    ours = _fixed_predictions_model([])
    theirs = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, use_bias=False, trainable=False,
                                                                     kernel_initializer="ones")])
    (our_shapes, our_logs), (their_shapes, their_logs) = logged(tg, ours), logged(keras, theirs)
    assert our_shapes == their_shapes
    for key in their_logs:
        np.testing.assert_allclose(our_logs[key], their_logs[key], rtol=1e-5, err_msg=key)


def test_callbacks_take_a_metric_of_one_class(tmp_path, capsys):
    """EarlyStopping compares its value (Keras compares the array of one); ModelCheckpoint(save_best_only) warns
    and saves every epoch, as Keras 3.15 does for any array; the progress line shows the number, as Keras'; and
    plot_history draws it."""
    model = _fixed_predictions_model([metrics.F1Score(average=None, threshold=0.5)])
    stop = callbacks.EarlyStopping(monitor="val_f1_score", mode="max", patience=0)
    path = str(tmp_path / "epoch{epoch}.weights.h5")
    checkpoint = callbacks.ModelCheckpoint(path, monitor="val_f1_score", mode="max", save_best_only=True,
                                           save_weights_only=True)
    with pytest.warns(UserWarning, match=r"only when `monitor` is a scalar value\. Received: \[0\.(8|7999)"):
        history = model.fit(P, Y, epochs=4, validation_data=(P, Y), verbose=2, callbacks=[stop, checkpoint])
    assert len(history.epoch) == 2                      # the same value again: no improvement, patience 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["epoch1.weights.h5", "epoch2.weights.h5"]
    assert re.search(r"val_f1_score: 0\.8000", capsys.readouterr().out)
    plt = pytest.importorskip("matplotlib.pyplot")
    from tinygradconv.viz import plot_history

    figure = plot_history(history)
    drawn = [line.get_ydata() for ax in figure.axes for line in ax.get_lines() if len(line.get_ydata()) == 2]
    plt.close("all")
    assert any(np.allclose(values, 0.8) for values in drawn)     # the F1 curves, one number per epoch


# ----------------------------------------------------------------------------------------- 4. batch_size=0
@pytest.mark.parametrize("call", [
    lambda m, x, y: m.fit(x, y, batch_size=0, verbose=0),
    lambda m, x, y: m.fit(x, y, validation_data=(x, y), validation_batch_size=0, verbose=0),
    lambda m, x, y: m.evaluate(x, y, batch_size=0),
    lambda m, x, y: m.predict(x, batch_size=0),
], ids=["fit", "validation", "evaluate", "predict"])
def test_a_batch_size_of_0_is_refused_with_keras_reading(call):
    x, y = _data()
    model = models.Sequential([layers.Input((3,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    weights = model.get_weights()
    with pytest.raises(ValueError, match=r"Invalid value for argument `(validation_)?batch_size`\. Expected a "
                                         r"strictly positive integer, or None for the default \(32\)\. Received "
                                         r"(validation_)?batch_size=0\. \(Keras 3 reads 0 as None"):
        call(model, x, y)
    for a, b in zip(model.get_weights(), weights):
        np.testing.assert_array_equal(a, b)             # refused before any training


def test_keras_still_reads_a_batch_size_of_0_as_its_default():
    """The difference documented in docs/keras_compatibility.md: Keras 3 trains 70 samples in 3 batches (of 32)."""
    keras = keras_on_torch("Keras 3's reading of batch_size=0 is what the docs describe")
    x = np.zeros((70, 3), "float32")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    steps = []

    class Count(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            steps.append(batch)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(x, x[:, :1], batch_size=0, verbose=0, callbacks=[Count()])
    assert len(steps) == 3


@pytest.mark.parametrize("per_output", [True, False], ids=["loss per output", "one loss"])
def test_a_loss_of_your_own_gets_float32_predictions_from_every_output(per_output):
    """Found by a reviewer: a float16 functional model with two outputs passed float16 predictions to a loss
    function of your own (one output did cast). Keras wraps the function in a LossFunctionWrapper of dtype
    floatx(), so it sees float32 targets and predictions from every output."""
    keras = keras_on_torch("Keras 3's LossFunctionWrapper is the reference")
    x, y = np.ones((4, 3), "float32"), [np.ones((4, 1), "float32")] * 2

    def dtypes_seen(lib):
        seen = set()

        def own(t, p):
            seen.add((str(t.dtype).replace("torch.", ""), str(p.dtype).replace("torch.", "")))
            return ((p - t) ** 2).mean()

        inputs = lib.layers.Input((3,), dtype="float16")
        outputs = [lib.layers.Dense(1, dtype="float16", name=n)(inputs) for n in ("a", "b")]
        model = (lib.models.Model if lib is tg else lib.Model)(inputs, outputs)
        model.compile(optimizer="sgd", loss=[own, own] if per_output else own)
        model.evaluate(x, y, **({} if lib is tg else {"verbose": 0}))
        return seen

    assert dtypes_seen(tg) == dtypes_seen(keras) == {("float32", "float32")}
