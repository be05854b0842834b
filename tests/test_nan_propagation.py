"""NaN is never hidden: a NaN in the data reaches the loss, and ``TerminateOnNaN`` stops training.

Before the fix, ``relu(nan)`` was 0, so a ``Conv1D(relu) -> Conv1DTranspose`` model fed one NaN reported a finite
loss while its first kernel silently became NaN.
"""
import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv import callbacks, layers, losses, models


def _data(rng):
    x = rng.standard_normal((8, 10, 2)).astype("float32")
    y = rng.standard_normal((8, 10, 2)).astype("float32")
    x[3, 4, 1] = np.nan  # one NaN, in the first batch of 4
    return x, y


def _model():
    return models.Sequential([layers.Conv1D(4, 3, padding="same", activation="relu"),
                              layers.Conv1DTranspose(2, 3, padding="same")])


def test_a_nan_in_the_data_gives_a_nan_loss(rng):
    x, y = _data(rng)
    model = _model()
    model.compile(optimizer="sgd", loss="mse")
    assert np.isnan(model.evaluate(x[:4], y[:4], verbose=0))
    assert np.isnan(model.predict(x[3:4], verbose=0)).any()


def test_terminate_on_nan_stops_fit_at_the_first_nan_batch(rng, capsys):
    x, y = _data(rng)
    model = _model()
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(x, y, batch_size=4, epochs=5, shuffle=False, verbose=0,
                        callbacks=[callbacks.TerminateOnNaN()])
    assert len(history.history["loss"]) == 1 and np.isnan(history.history["loss"][0])
    assert "Batch 0: Invalid loss, terminating training" in capsys.readouterr().out


def test_without_the_nan_the_same_run_trains_for_every_epoch(rng):
    x, y = _data(rng)
    x = np.nan_to_num(x)
    model = _model()
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(x, y, batch_size=4, epochs=3, shuffle=False, verbose=0,
                        callbacks=[callbacks.TerminateOnNaN()])
    assert len(history.history["loss"]) == 3 and np.isfinite(history.history["loss"]).all()


LOSSES = [losses.MeanSquaredError(), losses.MeanAbsoluteError(), losses.Huber(), losses.LogCosh(),
          losses.BinaryCrossentropy(), losses.BinaryCrossentropy(from_logits=True),
          losses.CategoricalCrossentropy(), losses.CategoricalCrossentropy(from_logits=True),
          losses.KLDivergence()]


@pytest.mark.parametrize("loss", LOSSES, ids=lambda loss: loss.name + ("-logits" if "logits" in
                                                                           str(loss.get_config()) else ""))
@pytest.mark.parametrize("where", ["y_true", "y_pred"])
def test_every_loss_propagates_nan(loss, where, backend):
    y_true = np.array([[0.0, 1.0], [1.0, 0.0]])
    y_pred = np.array([[0.2, 0.8], [0.3, 0.7]])
    (y_true if where == "y_true" else y_pred)[0, 0] = np.nan
    per_sample = type(loss)(**{**loss.get_config(), "reduction": None})(
        y_true, tg.tensor(y_pred, dtype="float64", backend=backend)).numpy()
    assert np.isnan(per_sample[0]) and np.isfinite(per_sample[1])
    assert np.isnan(loss(y_true, tg.tensor(y_pred, dtype="float64", backend=backend)).item())


@pytest.mark.parametrize("from_logits", [True, False])
def test_sparse_categorical_crossentropy_propagates_nan(from_logits, backend):
    y_pred = tg.tensor([[0.2, 0.8], [np.nan, 0.7]], dtype="float64", backend=backend)
    out = losses.sparse_categorical_crossentropy(np.array([1, 0]), y_pred, from_logits=from_logits).numpy()
    assert np.isfinite(out[0]) and np.isnan(out[1])
