"""Callbacks: hook order and logs, progress output, and each callback against rules derived by hand from
Keras's docs."""
import csv
import math
import os
import sys
from pathlib import Path

import numpy as np
import pytest
from helpers import keras_on_torch

import tinygradconv as tg
from tinygradconv.callbacks import (
    Callback,
    CSVLogger,
    EarlyStopping,
    LambdaCallback,
    LearningRateScheduler,
    ModelCheckpoint,
    ReduceLROnPlateau,
    TerminateOnNaN,
)
from tinygradconv.layers import Layer
from tinygradconv.models import Sequential, load_model
from tinygradconv.optimizers import SGD


def mse(y, p):
    return ((y - p) ** 2).mean()


class Linear(Layer):
    def __init__(self, units, kernel, bias, **kwargs):
        super().__init__(dtype="float64", **kwargs)
        self.units, self._init = units, (kernel, bias)

    def build(self, input_shape):
        self.kernel = self.add_weight((input_shape[-1], self.units), initializer="zeros", name="kernel")
        self.bias = self.add_weight((self.units,), initializer="zeros", name="bias")
        self.set_weights(list(self._init))

    def call(self, inputs):
        return inputs @ self.kernel + self.bias

    def get_config(self):
        # its arrays as lists: arrays are not recorded for get_config automatically (Keras 3's NotImplementedError,
        # which a checkpoint of the whole model would raise)
        kernel, bias = self._init
        config = {key: value for key, value in super().get_config().items() if key != "dtype"}   # (its own)
        return {**config, "units": self.units, "kernel": np.asarray(kernel).tolist(),
                "bias": np.asarray(bias).tolist()}


@pytest.fixture
def problem():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    w, b = rng.normal(size=(3, 2)), rng.normal(size=(2,))
    return x, y, w, b


def make(problem, lr=0.0, loss=mse):
    _, _, w, b = problem
    model = Sequential([Linear(2, w, b)])
    model.compile(optimizer=SGD(learning_rate=lr), loss=loss)
    return model


class Recording(Callback):
    def __init__(self):
        super().__init__()
        self.events = []

    def _record(name):
        def hook(self, *args):
            self.events.append((name, *args[:-1]))  # the last argument is the logs
        return hook

    for _name in ("on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end", "on_train_batch_begin",
                  "on_train_batch_end", "on_test_begin", "on_test_end", "on_test_batch_begin", "on_test_batch_end",
                  "on_predict_begin", "on_predict_end", "on_predict_batch_begin", "on_predict_batch_end"):
        locals()[_name] = _record(_name.removeprefix("on_"))
    del _name


# ------------------------------------------------------------------------------------------ hooks and logs
def test_hook_order_in_fit_evaluate_predict(problem):
    x, y, _, _ = problem
    model = make(problem)
    rec = Recording()
    model.fit(x, y, batch_size=3, epochs=2, validation_data=(x[:2], y[:2]), callbacks=[rec], verbose=0)
    epoch = lambda e: [("epoch_begin", e), ("train_batch_begin", 0), ("train_batch_end", 0),
                       ("train_batch_begin", 1), ("train_batch_end", 1), ("test_begin",), ("test_batch_begin", 0),
                       ("test_batch_end", 0), ("test_end",), ("epoch_end", e)]
    assert rec.events == [("train_begin",), *epoch(0), *epoch(1), ("train_end",)]
    assert rec.model is model and rec.params == {"verbose": 0, "epochs": 2, "steps": 2}
    rec.events.clear()
    model.evaluate(x, y, batch_size=4, callbacks=[rec])
    assert rec.events == [("test_begin",), ("test_batch_begin", 0), ("test_batch_end", 0), ("test_batch_begin", 1),
                          ("test_batch_end", 1), ("test_end",)]
    rec.events.clear()
    model.predict(x, batch_size=5, callbacks=[rec])
    assert rec.events == [("predict_begin",), ("predict_batch_begin", 0), ("predict_batch_end", 0), ("predict_end",)]


def test_on_batch_aliases_and_running_logs(problem):
    x, y, w, b = problem

    class Alias(Callback):
        def __init__(self):
            super().__init__()
            self.begun, self.logs = [], []

        def on_batch_begin(self, batch, logs=None):
            self.begun.append(batch)

        def on_batch_end(self, batch, logs=None):
            self.logs.append(dict(logs))

    cb = Alias()
    make(problem).fit(x, y, batch_size=3, epochs=1, shuffle=False, callbacks=[cb], verbose=0)
    assert cb.begun == [0, 1]
    first = np.mean((x[:3] @ w + b - y[:3]) ** 2)
    second = np.mean((x[3:] @ w + b - y[3:]) ** 2)
    # float32 sums, as Keras 3's loss tracker (a Mean of float32 variables): float32 rounding, not float64's
    assert cb.logs[0]["loss"] == pytest.approx(first, rel=1e-6)
    assert cb.logs[1]["loss"] == pytest.approx((3 * first + 2 * second) / 5, rel=1e-6)  # running, batch-weighted


def test_stop_training_ends_after_the_current_batch(problem):
    x, y, _, _ = problem
    model = make(problem)
    rec = Recording()
    stopper = LambdaCallback(on_train_batch_end=lambda batch, logs: setattr(model, "stop_training", True))
    history = model.fit(x, y, batch_size=1, epochs=3, callbacks=[stopper, rec], verbose=0)
    assert [e for e in rec.events if e[0] == "train_batch_end"] == [("train_batch_end", 0)]
    assert history.epoch == [0] and len(history.history["loss"]) == 1


def test_callbacks_must_be_a_list_of_callbacks_or_one_callback(problem):
    """Keras 3 takes one callback alone too (found by a Keras user: it was refused); other values are refused."""
    x, y, _, _ = problem
    model = make(problem)
    rec = Recording()
    model.fit(x, y, epochs=2, callbacks=rec, verbose=0)
    assert [e for e in rec.events if e[0] == "epoch_end"] == [("epoch_end", 0), ("epoch_end", 1)]
    with pytest.raises(TypeError, match="Expected a list of callbacks. Received callbacks='early'"):
        model.fit(x, y, callbacks="early", verbose=0)
    with pytest.raises(TypeError, match="callbacks"):
        model.fit(x, y, callbacks=[lambda: None], verbose=0)
    with pytest.raises(ValueError, match="hook"):
        LambdaCallback(on_epoch_finish=print)


# ------------------------------------------------------------------------------------------ progress output
def test_verbose_0_prints_nothing(problem, capsys):
    x, y, _, _ = problem
    model = make(problem)
    model.fit(x, y, epochs=2, validation_split=0.4, verbose=0)
    model.evaluate(x, y, verbose=0)
    model.predict(x, verbose=0)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_verbose_2_prints_one_line_per_epoch(problem, capsys):
    x, y, _, _ = problem
    history = make(problem, lr=0.01).fit(x, y, batch_size=2, epochs=3, validation_split=0.4, verbose=2)
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert len(lines) == 3 and captured.err == ""
    for epoch, line in enumerate(lines):
        assert line.startswith(f"Epoch {epoch + 1}/3")
        assert f"loss: {history.history['loss'][epoch]:.4f}" in line
        assert f"val_loss: {history.history['val_loss'][epoch]:.4f}" in line


def test_verbose_1_shows_a_bar_per_epoch_with_running_values(problem, capsys):
    x, y, _, _ = problem
    model = make(problem, lr=0.01)
    history = model.fit(x, y, batch_size=2, epochs=2, validation_split=0.4, verbose=1)
    captured = capsys.readouterr()
    assert captured.err == ""
    out = captured.out
    assert "Epoch 1/2" in out and "Epoch 2/2" in out and "2/2" in out
    for epoch in range(2):
        assert f"loss: {history.history['loss'][epoch]:.4f}" in out
        assert f"val_loss: {history.history['val_loss'][epoch]:.4f}" in out
    model.evaluate(x, y, verbose=1)
    assert "Evaluate" in capsys.readouterr().out
    model.predict(x, verbose=1)
    assert "Predict" in capsys.readouterr().out


def test_verbose_1_off_a_terminal_prints_each_bar_once_as_one_line(problem, capsys, monkeypatch):
    """Piped (``python -m tinygradconv demo | cat``), redirected or captured, stdout is no terminal: tqdm's redraws,
    each starting with ``\\r``, piled up on one line per epoch (its 0% bar, then its 100% bar). Now each bar is
    printed once, complete, on its own line."""
    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)       # not in a notebook either
    x, y, _, _ = problem
    model = make(problem, lr=0.01)
    history = model.fit(x, y, batch_size=2, epochs=2, validation_split=0.4, verbose=1)
    out = capsys.readouterr().out
    assert "\r" not in out
    lines = out.splitlines()
    assert len(lines) == 2, lines
    for epoch, line in enumerate(lines):
        assert line.startswith(f"Epoch {epoch + 1}/2: 100%|") and "| 2/2 [" in line, line
        assert f"loss: {history.history['loss'][epoch]:.4f}" in line
        assert f"val_loss: {history.history['val_loss'][epoch]:.4f}" in line
    model.evaluate(x, y, verbose=1)
    (line,) = capsys.readouterr().out.splitlines()
    assert line.startswith("Evaluate: 100%|") and "| 1/1 [" in line


def test_verbose_1_in_a_notebook_without_ipywidgets_prints_the_text_bar_without_a_warning(tmp_path):
    """In Jupyter without ``ipywidgets``, ``tqdm.auto`` warned "IProgress not found. Please update jupyter and
    ipywidgets" before its text bar; Keras prints its text bar there without a word. Run in a real kernel."""
    nbclient = pytest.importorskip("nbclient", reason="a Jupyter kernel runs the notebook (pip install -e .[dev])")
    nbformat = pytest.importorskip("nbformat")
    pytest.importorskip("ipykernel")
    root = Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(root / "docs" / "_ext"))
    try:
        import tgc_docs
    finally:
        sys.path.pop(0)
    kernel = tgc_docs.register_kernel(tmp_path / "jupyter")
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import sys\nsys.modules['ipywidgets'] = None   # as if it were not installed"),
        nbformat.v4.new_code_cell(
            "import numpy as np\nimport tinygradconv as tg\n"
            "model = tg.models.Sequential([tg.layers.Dense(1)])\nmodel.compile(optimizer='sgd', loss='mse')\n"
            "history = model.fit(np.ones((8, 3)), np.ones((8, 1)), batch_size=4, epochs=2)"),
    ])
    client = nbclient.NotebookClient(notebook, kernel_name=kernel, timeout=120,
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute(env={**os.environ, "PYTHONPATH": str(root)})
    outputs = notebook.cells[1].outputs
    assert [(o.output_type, o.get("name")) for o in outputs if o.get("name") != "stdout"] == [], outputs
    out = "".join(o.text for o in outputs)
    assert "IProgress" not in out
    # the text bar, redrawn in place by the notebook (a \r before each redraw), as in a terminal
    finals = [part for part in out.replace("\n", "\r").split("\r") if "100%|" in part]
    assert [part.split(":")[0] for part in finals] == ["Epoch 1/2", "Epoch 2/2"], out


# ------------------------------------------------------------------------------------------ EarlyStopping
class FakeModel:
    """Stands in for a model: weights are the epoch counter, so restoring can be checked exactly."""

    def __init__(self):
        self.stop_training = False
        self.version = 0
        self.restored = None
        self.optimizer = SGD(learning_rate=1.0)

    def get_weights(self):
        return [self.version]

    def set_weights(self, weights):
        self.restored = weights[0]


def drive(callback, values, monitor="loss", metrics=()):
    """Run epochs with the given monitored values until the callback stops training; returns epochs run.
    ``metrics``: the names of the compiled metrics (built-in ones, resolved as compile resolves them)."""
    model = FakeModel()
    model._metrics = [(name, tg.metrics.get(name, y_true=(2, 1), y_pred=(2, 1)), False) for name in metrics]
    callback.set_model(model)
    callback.on_train_begin()
    ran = 0
    for epoch, value in enumerate(values):
        model.version = epoch
        callback.on_epoch_end(epoch, {monitor: value})
        ran += 1
        if model.stop_training:
            break
    callback.on_train_end()
    return ran, model


@pytest.mark.parametrize("kwargs, values, monitor, expected_epochs", [  # every case below stops early
    # best at epoch 1; epochs 2 and 3 do not improve -> patience 2 exhausted at epoch 3
    ({"patience": 2, "monitor": "loss"}, [1.0, 0.9, 0.95, 0.96, 0.97], "loss", 4),
    # a drop of 0.05 is not more than min_delta=0.1: stop at epoch 1
    ({"min_delta": 0.1, "monitor": "loss"}, [1.0, 0.95, 0.85, 0.84], "loss", 2),
    # min_delta may be given negative: its absolute value counts
    ({"min_delta": -0.1, "monitor": "loss"}, [1.0, 0.85, 0.84, 0.5], "loss", 3),
    # a compiled accuracy is maximised in auto mode
    ({"monitor": "val_accuracy"}, [0.5, 0.6, 0.55, 0.9], "val_accuracy", 3),
    # a compiled error is minimised in auto mode
    ({"monitor": "val_mae"}, [0.5, 0.4, 0.45, 0.1], "val_mae", 3),
    # explicit max mode for a name with no known direction
    ({"monitor": "score", "mode": "max", "patience": 1}, [1.0, 2.0, 1.5, 1.9, 3.0], "score", 3),
    # never beating the baseline: training runs for `patience` epochs
    ({"monitor": "loss", "baseline": 0.5, "patience": 2}, [0.8, 0.9, 1.0, 0.1], "loss", 2),
    # epochs before start_from_epoch are ignored
    ({"monitor": "loss", "start_from_epoch": 2}, [5.0, 6.0, 3.0, 3.5, 1.0], "loss", 4),
])
def test_early_stopping_rules(kwargs, values, monitor, expected_epochs):
    ran, model = drive(EarlyStopping(**kwargs), values, monitor, metrics=("accuracy", "mae"))
    assert ran == expected_epochs < len(values)
    assert model.stop_training


def test_early_stopping_restores_best_weights():
    callback = EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    ran, model = drive(callback, [1.0, 0.5, 0.7, 0.8, 0.1], "val_loss")
    assert ran == 4 and model.restored == 1 and callback.best_epoch == 1 and callback.stopped_epoch == 3
    _, model = drive(EarlyStopping(monitor="loss", patience=5, restore_best_weights=True), [3.0, 1.0, 2.0], "loss")
    assert model.restored == 1  # restored at the end of training even without stopping early (Keras 3)
    _, model = drive(EarlyStopping(monitor="loss", patience=1), [1.0, 2.0, 3.0], "loss")
    assert model.restored is None


def test_early_stopping_unknown_direction_and_missing_monitor():
    with pytest.raises(ValueError, match="mode"):
        drive(EarlyStopping(monitor="val_something"), [1.0, 2.0], "val_something")
    with pytest.warns(UserWarning, match="not available"):
        ran, model = drive(EarlyStopping(monitor="val_loss"), [1.0, 2.0, 3.0], "loss")
    assert ran == 3 and not model.stop_training
    with pytest.raises(ValueError, match="mode"):
        EarlyStopping(mode="up")
    with pytest.raises(ValueError, match="patience"):
        EarlyStopping(patience=-1)


def test_early_stopping_in_fit_restores_the_best_epoch(problem):
    x, y, _, _ = problem
    # a learning rate far too large makes the loss grow every epoch: epoch 0 is the best
    model = make(problem, lr=3.0)
    history = model.fit(x, y, batch_size=5, epochs=10, shuffle=False, verbose=0,
                        callbacks=[EarlyStopping(monitor="loss", patience=2, restore_best_weights=True)])
    assert history.epoch == [0, 1, 2]
    assert history.history["loss"][0] < history.history["loss"][1] < history.history["loss"][2]
    reference = make(problem, lr=3.0)
    reference.fit(x, y, batch_size=5, epochs=1, shuffle=False, verbose=0)
    for got, want in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(got, want)


# ------------------------------------------------------------------------------------------ ModelCheckpoint
def test_checkpoint_filenames_are_formatted(problem, tmp_path):
    x, y, _, _ = problem
    model = make(problem, lr=0.01)
    pattern = str(tmp_path / "ckpt-{epoch:02d}-{val_loss:.3f}.weights.npz")
    history = model.fit(x, y, epochs=2, validation_split=0.4, verbose=0,
                        callbacks=[ModelCheckpoint(pattern, save_weights_only=True)])
    expected = sorted(f"ckpt-{e + 1:02d}-{history.history['val_loss'][e]:.3f}.weights.npz" for e in range(2))
    assert sorted(p.name for p in tmp_path.iterdir()) == expected
    last = make(problem)
    last(x)
    last.load_weights(tmp_path / expected[-1])
    for got, want in zip(last.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(got, want)


def test_checkpoint_best_only(problem, tmp_path):
    saved = []

    class Saver(FakeModel):
        def save(self, path):
            saved.append(("model", path, self.version))

        def save_weights(self, path):
            saved.append(("weights", path, self.version))

    for mode, values, best_epochs in (("min", [1.0, 0.8, 0.9, 0.7], [0, 1, 3]),
                                      ("max", [1.0, 0.8, 1.2, 1.1], [0, 2]),
                                      ("auto", [1.0, 1.0, 0.5], [0, 2])):  # equal is not an improvement
        saved.clear()
        callback = ModelCheckpoint(str(tmp_path / "best.npz"), monitor="val_loss", save_best_only=True, mode=mode)
        model = Saver()
        callback.set_model(model)
        callback.on_train_begin()
        for epoch, value in enumerate(values):
            model.version = epoch
            callback.on_epoch_begin(epoch)
            callback.on_epoch_end(epoch, {"val_loss": value})
        assert [version for _, _, version in saved] == best_epochs
        assert all(kind == "model" for kind, _, _ in saved)


def test_checkpoint_full_model_and_errors(problem, tmp_path):
    x, y, _, _ = problem
    tg.random.set_seed(0)
    model = Sequential([tg.layers.Dense(2)])
    model.compile(optimizer=SGD(learning_rate=0.01), loss=mse)
    model.fit(x, y, epochs=2, verbose=0, callbacks=[ModelCheckpoint(str(tmp_path / "m.npz"), monitor="loss")])
    np.testing.assert_array_equal(load_model(tmp_path / "m.npz").predict(x), model.predict(x))
    with pytest.raises(ValueError, match="npz"):
        ModelCheckpoint(str(tmp_path / "m.h5"))
    with pytest.raises(KeyError, match="Failed to format"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[ModelCheckpoint(str(tmp_path / "{nope}.npz"))])
    with pytest.raises(ValueError, match="save_freq"):
        ModelCheckpoint(str(tmp_path / "m.npz"), save_freq=0)


def test_checkpoint_every_n_batches(problem, tmp_path):
    x, y, _, _ = problem
    model = make(problem)
    model.fit(x, y, batch_size=1, epochs=2, verbose=0,  # 10 batches in all
              callbacks=[ModelCheckpoint(str(tmp_path / "e{epoch}-b{batch}.npz"), save_freq=3, save_weights_only=True)])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["e1-b3.npz", "e2-b1.npz", "e2-b4.npz"])


# ------------------------------------------------------------------------------------------ others
def test_terminate_on_nan(problem, capsys):
    x, y, _, _ = problem
    calls = []

    def nan_on_second_batch(y_true, y_pred):
        calls.append(1)
        loss = mse(y_true, y_pred)
        return loss * float("nan") if len(calls) == 2 else loss

    model = make(problem, loss=nan_on_second_batch)
    history = model.fit(x, y, batch_size=1, epochs=3, callbacks=[TerminateOnNaN()], verbose=0)
    assert len(calls) == 2 and history.epoch == [0] and math.isnan(history.history["loss"][0])
    assert "Invalid loss" in capsys.readouterr().out


def test_learning_rate_scheduler(problem):
    x, y, _, _ = problem
    model = make(problem, lr=0.4)
    history = model.fit(x, y, epochs=3, verbose=0,
                        callbacks=[LearningRateScheduler(lambda epoch, lr: lr * 0.5)])
    assert history.history["learning_rate"] == pytest.approx([0.2, 0.1, 0.05])
    assert model.optimizer.learning_rate == pytest.approx(0.05)
    history = model.fit(x, y, epochs=2, verbose=0, callbacks=[LearningRateScheduler(lambda epoch: 0.1 / (epoch + 1))])
    assert history.history["learning_rate"] == pytest.approx([0.1, 0.05])
    # the scheduled rate is the one used: a rate of 0 leaves the weights alone
    before = model.get_weights()
    model.fit(x, y, epochs=1, verbose=0, callbacks=[LearningRateScheduler(lambda epoch: 0.0)])
    for got, want in zip(model.get_weights(), before):
        np.testing.assert_array_equal(got, want)
    with pytest.raises(ValueError, match="float"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[LearningRateScheduler(lambda epoch: "fast")])


def _printed_by_scheduler(lib, make_model, schedule, capsys):
    """What ``LearningRateScheduler(schedule, verbose=1)`` prints in a 2-epoch ``fit`` (SGD at 0.01) of ``lib``."""
    x, y = np.ones((4, 2), "float32"), np.ones((4, 1), "float32")
    model = make_model()
    model.compile(optimizer=lib.optimizers.SGD(0.01), loss="mse")
    capsys.readouterr()
    model.fit(x, y, epochs=2, verbose=0, callbacks=[lib.callbacks.LearningRateScheduler(schedule, verbose=1)])
    return capsys.readouterr().out


@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")   # inside Keras
def test_learning_rate_scheduler_prints_keras_line(capsys):
    """Keras 3.15 prints ``"\\nEpoch 1: LearningRateScheduler setting learning rate to <rate>."``, the rate as the
    schedule returned it (a float32 as its Python float). A schedule that does not use the current rate, or rounds
    its result to float32, prints the same lines in both; one that uses it gets Keras' float32 rate widened
    (0.01 -> 0.009999999776482582), ours the float64 0.01, so ``lr * 0.5`` prints 0.005 here and
    0.004999999888241291 in Keras (the documented float64 rate)."""
    keras = keras_on_torch("Keras 3.15's LearningRateScheduler prints the reference lines")
    ours = lambda: tg.models.Sequential([tg.layers.Input((2,)), tg.layers.Dense(1)])
    theirs = lambda: keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    for schedule in (lambda epoch: 0.005 / (epoch + 1), lambda epoch: np.float32(0.005),
                     lambda epoch, lr: np.float32(lr * 0.5)):
        mine = _printed_by_scheduler(tg, ours, schedule, capsys)
        assert mine == _printed_by_scheduler(keras, theirs, schedule, capsys)
    assert mine == ("\nEpoch 1: LearningRateScheduler setting learning rate to 0.004999999888241291.\n"
                    "\nEpoch 2: LearningRateScheduler setting learning rate to 0.0024999999441206455.\n")
    halving = lambda epoch, lr: lr * 0.5
    line = "\nEpoch {}: LearningRateScheduler setting learning rate to {}.\n"
    assert _printed_by_scheduler(tg, ours, halving, capsys) == line.format(1, 0.01 / 2) + line.format(2, 0.01 / 4)
    rate32 = float(np.float32(0.01))
    assert _printed_by_scheduler(keras, theirs, halving, capsys) == line.format(1, rate32 / 2) + line.format(
        2, float(np.float32(rate32 / 2)) / 2)


def test_csv_logger(problem, tmp_path):
    x, y, _, _ = problem
    path = tmp_path / "log.csv"
    model = make(problem, lr=0.01)
    history = model.fit(x, y, epochs=3, validation_split=0.4, verbose=0, callbacks=[CSVLogger(path)])
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["epoch", "loss", "val_loss"]
    assert [int(r[0]) for r in rows[1:]] == [0, 1, 2]
    assert [float(r[1]) for r in rows[1:]] == history.history["loss"]  # written exactly
    assert [float(r[2]) for r in rows[1:]] == history.history["val_loss"]
    model.fit(x, y, epochs=2, verbose=0, callbacks=[CSVLogger(path, append=True)])
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    assert len(rows) == 6 and rows[0][0] == "epoch" and [r[0] for r in rows[4:]] == ["0", "1"]
    model.fit(x, y, epochs=1, verbose=0, callbacks=[CSVLogger(path, separator=";")])
    assert path.read_text().splitlines()[:2] == ["epoch;loss;val_loss", f"0;{model.history.history['loss'][0]};NA"]
    with pytest.raises(ValueError, match="separator"):
        CSVLogger(path, separator=";;")


def test_csv_logger_keeps_validation_that_comes_every_other_epoch_as_keras(problem, tmp_path):
    """``validation_freq=2``: the first epoch has no ``val_loss``; Keras writes the column from the start, with
    ``NA`` where an epoch has none (found by a tester: the header was fixed without it, and the values were lost)."""
    x, y, _, _ = problem
    path = tmp_path / "log.csv"
    history = make(problem, lr=0.01).fit(x, y, epochs=3, validation_split=0.4, validation_freq=2, verbose=0,
                                         callbacks=[CSVLogger(path)])
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["epoch", "loss", "val_loss"]
    assert [r[2] for r in rows[1:]] == ["NA", str(history.history["val_loss"][0]), "NA"]
    assert [float(r[1]) for r in rows[1:]] == history.history["loss"]


def test_history_values_match_a_numpy_recomputation(problem):
    x, y, w, b = problem
    model = make(problem, lr=0.1)
    history = model.fit(x, y, batch_size=5, epochs=2, shuffle=False, verbose=0, validation_data=(x, y))
    err0 = x @ w + b - y
    w1 = w - 0.1 * x.T @ (2 * err0 / err0.size)
    b1 = b - 0.1 * (2 * err0 / err0.size).sum(axis=0)
    # float32 values, as Keras 3's loss tracker (a Mean of float32 variables) logs them
    assert history.history["loss"][0] == pytest.approx(np.mean(err0 ** 2), rel=1e-6)
    assert history.history["val_loss"][0] == pytest.approx(np.mean((x @ w1 + b1 - y) ** 2), rel=1e-6)
    assert history.history["loss"][1] == pytest.approx(history.history["val_loss"][0], rel=1e-6)
    assert tg.callbacks.History is type(history)


# ------------------------------------------------------------------------------------------ ReduceLROnPlateau
@pytest.mark.parametrize("kwargs, values, rates", [
    # by hand: epochs 1 and 2 do not improve on 1.0 -> patience 2 reached at epoch 2: 1.0 -> 0.5
    ({"factor": 0.5, "patience": 2}, [1.0, 1.0, 1.1, 0.9, 0.95, 0.96], [1.0, 1.0, 1.0, 0.5, 0.5, 0.5]),
    # min_delta: 0.95 is not better than 1.0 by more than 0.1; cooldown 2 skips epoch 2's count (the cooldown is
    # counted down before the check, as in Keras, so cooldown=1 would skip nothing)
    ({"factor": 0.1, "patience": 1, "min_delta": 0.1, "cooldown": 2}, [1.0, 0.95, 0.99, 0.98, 0.97],
     [1.0, 1.0, 0.1, 0.1, 0.01]),
    # min_lr bounds the reduction, and a rate at min_lr is left alone
    ({"factor": 0.1, "patience": 1, "min_lr": 0.25}, [1.0, 2.0, 3.0, 4.0], [1.0, 1.0, 0.25, 0.25]),
    # a maximised monitor (accuracy): falling counts as no improvement
    ({"monitor": "val_accuracy", "factor": 0.5, "patience": 1}, [0.5, 0.6, 0.55, 0.7], [1.0, 1.0, 1.0, 0.5]),
])
def test_reduce_lr_on_plateau_rules(kwargs, values, rates):
    monitor = kwargs.setdefault("monitor", "loss")
    callback = ReduceLROnPlateau(**kwargs)
    model = FakeModel()
    model._metrics = [("accuracy", tg.metrics.get("accuracy", y_true=(2, 1), y_pred=(2, 1)), False)]
    callback.set_model(model)
    callback.on_train_begin()
    logged = []
    for epoch, value in enumerate(values):
        logs = {monitor: value}
        callback.on_epoch_end(epoch, logs)
        logged.append(logs["learning_rate"])            # the rate of the epoch, before a reduction at its end
    assert logged == pytest.approx(rates, rel=1e-12)


def test_reduce_lr_on_plateau_errors_and_missing_monitor():
    for kwargs, error in [({"factor": 1.0}, ValueError), ({"factor": -0.5}, ValueError),
                          ({"patience": -1}, ValueError), ({"cooldown": 1.5}, ValueError),
                          ({"min_lr": -1e-3}, ValueError), ({"mode": "up"}, ValueError), ({"monitor": 3}, TypeError)]:
        with pytest.raises(error, match=next(iter(kwargs))):
            ReduceLROnPlateau(**kwargs)
    callback = ReduceLROnPlateau(monitor="val_loss")
    callback.set_model(FakeModel())
    with pytest.warns(UserWarning, match="`val_loss` which is not available. Available metrics are: loss"):
        callback.on_epoch_end(0, {"loss": 1.0})


@pytest.mark.parametrize("kwargs", [{"monitor": "loss", "factor": 0.5, "patience": 1},
                                    {"monitor": "loss", "factor": 0.5, "patience": 2, "cooldown": 2, "min_lr": 0.2,
                                     "min_delta": 0.01}])
@pytest.mark.filterwarnings("ignore")
def test_reduce_lr_on_plateau_in_fit_follows_keras(kwargs):
    keras = _keras()
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((16, 3)).astype("float32"), rng.standard_normal((16, 1)).astype("float32")
    weights = [rng.standard_normal((3, 1)).astype("float32"), np.zeros(1, "float32")]
    histories = []
    for lib, callbacks in ((keras, keras.callbacks), (tg, tg.callbacks)):
        model = lib.models.Sequential([lib.layers.Input((3,)), lib.layers.Dense(1)])
        model.set_weights(weights)
        model.compile(optimizer=lib.optimizers.SGD(0.9), loss="mse")   # large enough for the loss to stall
        histories.append(model.fit(x, y, batch_size=4, epochs=12, shuffle=False, verbose=0,
                                   callbacks=[callbacks.ReduceLROnPlateau(**kwargs)]).history)
    theirs, ours = histories
    assert len(set(theirs["learning_rate"])) >= 3                      # it did reduce, twice
    np.testing.assert_allclose(ours["learning_rate"], theirs["learning_rate"], rtol=1e-7)   # Keras' are float32
    np.testing.assert_allclose(ours["loss"], theirs["loss"], rtol=1e-5)


# --------------------------------------------------------------------------- monitors of unknown direction (Keras 3)
def _keras():
    import os
    os.environ.setdefault("KERAS_BACKEND", "torch")
    return pytest.importorskip("keras", minversion="3", reason="Keras 3 is the reference for the monitor rules")


def _monitoring_callbacks(monitor, directory, suffix=".npz"):
    """EarlyStopping, ModelCheckpoint(save_best_only=True) and ModelCheckpoint() from a module ``cb`` (ours or
    Keras')."""
    return [lambda cb: cb.EarlyStopping(monitor=monitor),
            lambda cb: cb.ReduceLROnPlateau(monitor=monitor),
            lambda cb: cb.ModelCheckpoint(str(directory / f"best{suffix}"), monitor=monitor, save_best_only=True),
            lambda cb: cb.ModelCheckpoint(str(directory / f"every{suffix}"), monitor=monitor)]


@pytest.mark.parametrize("which", [0, 1, 2, 3])
@pytest.mark.parametrize("monitor, metrics", [("nope", []), ("val_nope", []), ("mae", []), ("nope_loss", []),
                                              ("mean_absolute_error", ["mae"])])
def test_a_monitor_of_unknown_direction_fails_at_the_end_of_the_first_epoch(which, monitor, metrics, problem,
                                                                             tmp_path):
    x, y, _, _ = problem
    model = make(problem, lr=0.01)
    model.compile(optimizer=SGD(learning_rate=0.01), loss=mse, metrics=metrics)
    callback = _monitoring_callbacks(monitor, tmp_path)[which](tg.callbacks)
    counter = Recording()
    with pytest.raises(ValueError, match=rf"monitor='{monitor}'.*mode='max'.*mode='min'"):
        model.fit(x, y, epochs=3, verbose=0, callbacks=[counter, callback])
    assert [e for e in counter.events if e[0].startswith("epoch")] == [("epoch_begin", 0), ("epoch_end", 0)]
    assert not list(tmp_path.iterdir())  # nothing saved


@pytest.mark.parametrize("which", [0, 1, 2, 3])
@pytest.mark.parametrize("monitor, metrics", [("nope", []), ("val_nope", []), ("mae", []), ("nope_loss", []),
                                              ("mean_absolute_error", ["mae"]), ("mae", ["mae"]),
                                              ("val_loss", []),
                                              # a loss as a metric: minimised (found by a Keras user: it failed)
                                              ("kl_divergence", ["kl_divergence"])])
@pytest.mark.filterwarnings("ignore")
def test_keras_fails_for_the_same_monitors(which, monitor, metrics, problem, tmp_path):
    keras = _keras()
    x, y, _, _ = problem
    theirs = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    theirs.compile(optimizer="sgd", loss="mse", metrics=metrics)
    callback = _monitoring_callbacks(monitor, tmp_path / "keras", ".keras")[which](keras.callbacks)
    try:
        theirs.fit(x, y, epochs=1, verbose=0, callbacks=[callback])
        keras_fails = False
    except ValueError as exc:
        keras_fails = "maximized or minimized" in str(exc)
    ours = make(problem, lr=0.01)
    ours.compile(optimizer=SGD(learning_rate=0.01), loss=mse, metrics=metrics)
    ours_callback = _monitoring_callbacks(monitor, tmp_path)[which](tg.callbacks)
    try:
        ours.fit(x, y, epochs=1, verbose=0, callbacks=[ours_callback])
        ours_fails = False
    except ValueError as exc:
        ours_fails = "maximized or minimized" in str(exc)
    assert ours_fails == keras_fails


def test_a_known_but_missing_monitor_warns_each_epoch_and_training_goes_on(problem):
    x, y, _, _ = problem
    model = make(problem, lr=0.01)
    for callback in (EarlyStopping(monitor="val_loss"), EarlyStopping(monitor="nope", mode="min")):
        with pytest.warns(UserWarning, match="not available") as record:
            history = model.fit(x, y, epochs=3, verbose=0, callbacks=[callback])
        assert len(history.history["loss"]) == 3
        assert sum("not available" in str(w.message) for w in record) == 3


def test_a_loss_object_as_a_metric_is_monitored_as_minimised(problem):
    """Found by a Keras user: EarlyStopping(monitor="huber_loss") with metrics=[losses.Huber()] raised "cannot
    determine automatically whether that metric should be maximized or minimized"; Keras minimises a loss used as
    a metric. Here the metric gets worse after epoch 1 (the learning rate diverges), so patience 0 stops at 2."""
    x, y, _, _ = problem
    model = make(problem, lr=0.01)
    model.compile(optimizer=SGD(learning_rate=3.0), loss=mse, metrics=[tg.losses.Huber()])
    history = model.fit(x, y, epochs=5, verbose=0, callbacks=[tg.callbacks.EarlyStopping("huber_loss", patience=0)])
    values = history.history["huber_loss"]
    assert values[1] > values[0] and len(values) == 2



def test_model_checkpoint_verbose_lines_are_keras(tmp_path, capsys):
    """With ``verbose=1`` Keras 3 prints "saving model to" before writing and "finished saving model to" after (a
    tester found the second line missing); the words after each epoch's number, as Keras prints them."""
    keras = pytest.importorskip("keras")
    x, y = np.ones((4, 2), "float32"), np.zeros((4, 1), "float32")
    lines = {}
    for name, make, callback in (
            ("ours", lambda: tg.models.Sequential([tg.layers.Input((2,)), tg.layers.Dense(1)]),
             tg.callbacks.ModelCheckpoint),
            ("keras", lambda: keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)]),
             keras.callbacks.ModelCheckpoint)):
        model = make()
        model.compile(optimizer="sgd", loss="mse")
        path = str(tmp_path / f"{name}.weights.h5")
        capsys.readouterr()
        model.fit(x, y, epochs=2, verbose=0, callbacks=[callback(path, save_weights_only=True, verbose=1)])
        lines[name] = [line.strip() for line in capsys.readouterr().out.splitlines()
                       if line.strip().startswith("Epoch")]
    assert [line.replace("ours", "keras") for line in lines["ours"]] == lines["keras"]
    assert lines["ours"][1].endswith("finished saving model to " + str(tmp_path / "ours.weights.h5"))
