"""``fit(steps_per_epoch=..., validation_steps=...)``, ``evaluate(steps=...)`` and ``predict(steps=...)``: counted
by hand, and compared with Keras 3 (on torch) epoch by epoch, warnings included."""
import warnings

import numpy as np
import pytest
from helpers import keras_on_torch

import tinygradconv as tg
from tinygradconv import callbacks, layers, models, optimizers

RNG = np.random.default_rng(0)
X = RNG.standard_normal((10, 3)).astype("float32")          # 5 batches of 2
Y = RNG.standard_normal((10, 2)).astype("float32")
X_VAL = RNG.standard_normal((7, 3)).astype("float32")       # 4 batches of 2
Y_VAL = RNG.standard_normal((7, 2)).astype("float32")
KERNEL = RNG.standard_normal((3, 2)).astype("float32")


def _model(lib=None):
    if lib is None:
        model = models.Sequential([layers.Input((3,)), layers.Dense(2)])
        optimizer = optimizers.SGD(0.1)
    else:
        model = lib.Sequential([lib.Input((3,)), lib.layers.Dense(2)])
        optimizer = lib.optimizers.SGD(0.1)
    model.set_weights([KERNEL, np.zeros(2, "float32")])
    model.compile(optimizer=optimizer, loss="mse", metrics=["mae"])
    return model


class BatchLog(callbacks.Callback):
    """The step numbers of every epoch (how many batches each epoch took)."""

    def __init__(self):
        super().__init__()
        self.epochs = []

    def on_epoch_begin(self, epoch, logs=None):
        self.epochs.append([])

    def on_train_batch_begin(self, batch, logs=None):
        self.epochs[-1].append(batch)


def _fit(model, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = model.fit(X, Y, batch_size=2, epochs=4, shuffle=False, verbose=0,
                            validation_data=(X_VAL, Y_VAL), **kwargs)
    return history.history, [w for w in caught if "ran out of data" in str(w.message)]


@pytest.mark.parametrize("steps_per_epoch, steps, warned", [
    (3, [3, 2, 3, 2], 2),         # epochs go on in one pass; the pass runs out in epochs 2 and 4
    (5, [5, 5, 5, 5], 0),         # exactly one pass each
    (7, [5, 5, 5, 5], 4),         # more than a pass: every epoch runs out
    (2, [2, 2, 1, 2], 1),         # batches 1-2, 3-4, 5 (runs out), 1-2
])
def test_steps_per_epoch_takes_batches_from_a_pass_that_goes_on_across_epochs(steps_per_epoch, steps, warned):
    log = BatchLog()
    model = _model()
    _, warns = _fit(model, steps_per_epoch=steps_per_epoch, callbacks=[log])
    assert [len(epoch) for epoch in log.epochs] == steps
    assert len(warns) == warned
    assert all("steps_per_epoch" in str(w.message) and w.filename == __file__ for w in warns)


def test_steps_per_epoch_reshuffles_each_new_pass_and_visits_every_sample_once_per_pass():
    from tinygradconv.models import _TrainingPasses

    tg.random.set_seed(3)
    passes = _TrainingPasses(10, 2, shuffle=True, steps_per_epoch=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        epochs = [[np.asarray(index).tolist() for index in passes.epoch()] for _ in range(4)]
    first_pass = [i for batch in epochs[0] + epochs[1] for i in batch]
    second_pass = [i for batch in epochs[2] + epochs[3] for i in batch]
    assert sorted(first_pass) == list(range(10)) and sorted(second_pass) == list(range(10))
    assert first_pass != second_pass


def test_evaluate_and_predict_take_the_first_steps_batches():
    model = _model()
    expected = X[:4] @ KERNEL                                       # by hand: bias 0, two batches of 2
    np.testing.assert_allclose(model.predict(X, batch_size=2, steps=2), expected, rtol=1e-6)
    loss, mae = model.evaluate(X, Y, batch_size=2, steps=2)
    np.testing.assert_allclose([loss, mae], [np.mean((expected - Y[:4]) ** 2), np.mean(np.abs(expected - Y[:4]))],
                               rtol=1e-6)
    with pytest.warns(UserWarning, match=r"`steps=9` asks for more batches .* the 5 batches of size 2"):
        everything = model.predict(X, batch_size=2, steps=9)
    np.testing.assert_allclose(everything, X @ KERNEL, rtol=1e-6)


@pytest.mark.parametrize("call", [
    lambda m: m.fit(X, Y, steps_per_epoch=0, verbose=0),
    lambda m: m.fit(X, Y, steps_per_epoch=-1, verbose=0),
    lambda m: m.fit(X, Y, validation_steps=2.5, validation_split=0.2, verbose=0),
    lambda m: m.evaluate(X, Y, steps="2"),
    lambda m: m.predict(X, steps=True),
])
def test_steps_must_be_positive_integers_or_none(call):
    """Keras takes 0 as "all" and loops until the data runs out on a negative count; we name the argument."""
    with pytest.raises((ValueError, TypeError), match="steps"):
        call(_model())


@pytest.mark.parametrize("kwargs", [{"steps_per_epoch": 3}, {"steps_per_epoch": 7},
                                    {"steps_per_epoch": 2, "validation_steps": 2}, {"validation_steps": 9}],
                         ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items()))
def test_fit_with_steps_follows_keras_epoch_by_epoch(kwargs):
    keras = keras_on_torch("Keras 3's fit is the reference for steps_per_epoch and validation_steps")
    ours, our_warnings = _fit(_model(), **kwargs)
    theirs, their_warnings = _fit(_model(keras), **kwargs)
    assert sorted(ours) == sorted(theirs)
    for key in theirs:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-5, err_msg=key)
    assert len(our_warnings) == len(their_warnings)


def test_evaluate_and_predict_with_steps_follow_keras():
    keras = keras_on_torch("Keras 3's evaluate and predict are the reference for steps")
    ours, theirs = _model(), _model(keras)
    for steps in (1, 3, 5):
        np.testing.assert_allclose(ours.evaluate(X, Y, batch_size=2, steps=steps),
                                   theirs.evaluate(X, Y, batch_size=2, steps=steps, verbose=0), rtol=1e-6)
        np.testing.assert_allclose(ours.predict(X, batch_size=2, steps=steps),
                                   theirs.predict(X, batch_size=2, steps=steps, verbose=0), rtol=1e-6, atol=1e-6)


def test_without_batch_size_steps_choose_it_so_that_the_data_fills_them():
    """Keras 3: ``batch_size = ceil(n / steps)`` (found by a tester: we used 32, and covered part of the data).
    By hand: 10 samples in 3 steps are batches of 4, 4 and 2, so evaluate sees every sample."""
    model = _model()
    log = BatchLog()
    model.fit(X, Y, epochs=1, steps_per_epoch=3, shuffle=False, verbose=0, callbacks=[log])
    assert log.epochs == [[0, 1, 2]]
    predictions = model.predict(X, steps=3)
    assert predictions.shape == (10, 2)
    loss, mae = model.evaluate(X, Y, steps=3)
    np.testing.assert_allclose([loss, mae], [np.mean((predictions - Y) ** 2), np.mean(np.abs(predictions - Y))],
                               rtol=1e-6)


@pytest.mark.filterwarnings("ignore")
def test_without_batch_size_steps_follow_keras():
    keras = keras_on_torch("Keras 3's fit, evaluate and predict choose the batch size from steps")
    x, y = RNG.standard_normal((23, 3)).astype("float32"), RNG.standard_normal((23, 2)).astype("float32")
    ours, theirs = _model(), _model(keras)
    kwargs = {"epochs": 3, "steps_per_epoch": 2, "shuffle": False, "verbose": 0, "validation_data": (X_VAL, Y_VAL),
              "validation_steps": 2}
    histories = ours.fit(x, y, **kwargs).history, theirs.fit(x, y, **kwargs).history
    for key in histories[1]:
        np.testing.assert_allclose(histories[0][key], histories[1][key], rtol=1e-5, err_msg=key)
    for steps in (2, 5, 30):
        np.testing.assert_allclose(ours.evaluate(x, y, steps=steps), theirs.evaluate(x, y, steps=steps, verbose=0),
                                   rtol=1e-6)
        np.testing.assert_allclose(ours.predict(x, steps=steps), theirs.predict(x, steps=steps, verbose=0),
                                   rtol=1e-6, atol=1e-6)
