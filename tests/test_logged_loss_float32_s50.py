"""The logged loss is Keras' float32 value (session 50): Keras 3's loss tracker is a ``Mean`` whose total and count
are float32 variables (``floatx()``), each batch adding ``loss * batch size``; History, ``evaluate`` and
``CSVLogger`` log ``float32(total / count)``. Ours averaged in float64 (``0.9240829706192016`` where Keras logs
``0.9240829348564148``). The reference is Keras 3.15 on torch, on the same model, weights and data (a linear model
whose batch losses both libraries compute to the same float32 value), and the float32 formula in NumPy."""
import csv

import numpy as np
from helpers import keras_on_torch

import tinygradconv as tg

REASON = "Keras 3.15 on torch is the reference of the logged values"
KERNEL = np.array([[0.1], [-0.2], [0.3]], "float32")


def _data():
    rng = np.random.default_rng(0)
    return rng.standard_normal((40, 3)).astype("float32"), rng.standard_normal((40, 1)).astype("float32")


def _fit(lib, metrics, tmp_path, name):
    x, y = _data()
    model = lib.models.Sequential([lib.layers.Input((3,)), lib.layers.Dense(1)])
    model.set_weights([KERNEL, np.zeros(1, "float32")])
    model.compile(lib.optimizers.SGD(0.01), "mse", metrics=metrics)
    path = tmp_path / f"{name}.csv"
    history = model.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0, validation_data=(x[:24], y[:24]),
                        callbacks=[lib.callbacks.CSVLogger(str(path))])
    evaluated = model.evaluate(x, y, batch_size=16, verbose=0, return_dict=True)
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    return history.history, evaluated, rows


def test_the_logged_loss_is_the_float32_mean_of_the_batch_losses():
    # the formula, in NumPy: batches of 16, 16 and 8 samples, their float32 losses weighted by their sizes
    x, y = _data()
    model = tg.models.Sequential([tg.layers.Input((3,)), tg.layers.Dense(1)])
    model.set_weights([KERNEL, np.zeros(1, "float32")])
    model.compile("sgd", "mse")
    total = count = np.float32(0.0)
    for start in range(0, 40, 16):
        batch = (x[start:start + 16] @ KERNEL - y[start:start + 16]) ** 2
        loss = np.float32(batch.mean(dtype=np.float32))
        total += loss * np.float32(len(batch))
        count += np.float32(len(batch))
    logged = model.evaluate(x, y, batch_size=16, verbose=0)
    assert logged == float(total / count)
    assert float(np.float32(logged)) == logged      # a float32 value, as Keras logs it


def test_history_evaluate_and_csv_log_keras_losses_and_float32_metrics_to_the_bit(tmp_path):
    keras = keras_on_torch(REASON)
    theirs = _fit(keras, ["mae"], tmp_path, "keras")
    ours = _fit(tg, [tg.metrics.MeanAbsoluteError(name="mae", dtype="float32")], tmp_path, "ours")
    for key in ("loss", "mae", "val_mae"):
        assert ours[0][key] == theirs[0][key], key            # History: the same Python floats
    assert [row["loss"] for row in ours[2]] == [row["loss"] for row in theirs[2]]      # the CSV cells, as text
    assert ours[2][0]["loss"] == "0.9240829348564148"           # Keras' first-epoch loss (its float64 mean differs)
    # the validation and evaluate losses are float32 values too; a batch loss there may differ from Keras' in its
    # last float32 digit (another order of the sum), which the float32 mean keeps: one float32 step at most
    for ours_value, keras_value in [*zip(ours[0]["val_loss"], theirs[0]["val_loss"]),
                                    (ours[1]["loss"], theirs[1]["loss"]), (ours[1]["mae"], theirs[1]["mae"])]:
        assert float(np.float32(ours_value)) == ours_value
        assert abs(ours_value - keras_value) <= np.spacing(np.float32(keras_value))


def test_a_metric_without_dtype_averages_in_float32_as_keras(tmp_path):
    # since session 51 a compiled metric made without a dtype keeps float32 sums (floatx()), as Keras' variables
    keras = keras_on_torch(REASON)
    theirs = _fit(keras, ["mae"], tmp_path, "keras")
    ours = _fit(tg, ["mae"], tmp_path, "ours")
    for key in ("loss", "mae", "val_mae"):
        assert ours[0][key] == theirs[0][key], key
