"""Models: the training loop against NumPy re-computations of SGD, Keras's loss bookkeeping, data handling, errors.

Every expected value is computed here from the formulas (mini-batch SGD on a linear model, the batch-size-weighted
running mean Keras reports, ...), never read back from the code under test.
"""
import os
import re
import types

import numpy as np
import pytest
from helpers import keras_on_torch

import tinygradconv as tg
from tinygradconv import layers, models
from tinygradconv.layers import BatchNormalization, Dense, Dropout, Layer
from tinygradconv.models import Model, NotCompiledError, Sequential
from tinygradconv.optimizers import SGD

# The logged loss (History, evaluate) is a float32 value, as Keras 3 logs it (its loss tracker is a Mean of float32
# variables): compared with float64 formulas to float32 rounding
LOGGED_RTOL = 1e-6


def mse(y, p):
    return ((y - p) ** 2).mean()


class Linear(Layer):
    """y = x W + b, float64, with weights set from NumPy (no dependence on initializers)."""

    def __init__(self, units, kernel=None, bias=None, regularizer=None, **kwargs):
        super().__init__(dtype="float64", **kwargs)
        self.units, self._kernel, self._bias, self._regularizer = units, kernel, bias, regularizer

    def build(self, input_shape):
        self.kernel = self.add_weight((input_shape[-1], self.units), initializer="zeros", regularizer=self._regularizer,
                                      name="kernel")
        self.bias = self.add_weight((self.units,), initializer="zeros", name="bias")
        if self._kernel is not None:
            self.set_weights([self._kernel, self._bias])

    def call(self, inputs):
        return inputs @ self.kernel + self.bias

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)


class Recorder(Layer):
    """Identity that records the inputs and the `training` flag of each call."""

    def __init__(self, **kwargs):
        super().__init__(dtype="float64", **kwargs)
        self.seen, self.flags = [], []

    def call(self, inputs, training=None):
        self.seen.append(inputs.numpy().copy())
        self.flags.append(training)
        return inputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)


def numpy_sgd(x, y, w, b, lr, batch_size, epochs, l2=0.0):
    """Mini-batch SGD on mean((x W + b - y)^2) + l2 * sum(W^2), unshuffled; returns weights and per-epoch losses."""
    w, b = w.copy(), b.copy()
    losses = []
    for _ in range(epochs):
        total, count = 0.0, 0
        for start in range(0, len(x), batch_size):
            xb, yb = x[start:start + batch_size], y[start:start + batch_size]
            err = xb @ w + b - yb
            loss = np.mean(err ** 2) + l2 * np.sum(w ** 2)
            g = 2 * err / err.size
            w, b = w - lr * (xb.T @ g + 2 * l2 * w), b - lr * g.sum(axis=0)
            total += loss * len(xb)
            count += len(xb)
        losses.append(total / count)
    return w, b, losses


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(7, 3))
    y = rng.normal(size=(7, 2))
    w = rng.normal(size=(3, 2))
    b = rng.normal(size=(2,))
    return x, y, w, b


# ------------------------------------------------------------------------------------------ training step
def test_one_fit_step_is_one_sgd_step(data):
    x, y, w, b = data
    model = Sequential([Linear(2, w, b)])
    model.compile(optimizer=SGD(learning_rate=0.1), loss=mse)
    history = model.fit(x, y, batch_size=len(x), epochs=1, shuffle=False, verbose=0)
    err = x @ w + b - y
    grad = 2 * err / err.size
    kernel, bias = model.get_weights()
    np.testing.assert_allclose(kernel, w - 0.1 * x.T @ grad, rtol=1e-12)
    np.testing.assert_allclose(bias, b - 0.1 * grad.sum(axis=0), rtol=1e-12)
    np.testing.assert_allclose(history.history["loss"], [np.mean(err ** 2)], rtol=LOGGED_RTOL)


def test_minibatch_sgd_and_history_match_numpy(data):
    x, y, w, b = data
    model = Sequential([Linear(2, w, b)])
    model.compile(optimizer=SGD(learning_rate=0.05), loss=mse)
    history = model.fit(x, y, batch_size=3, epochs=3, shuffle=False, verbose=0)  # batches of 3, 3, 1
    w_ref, b_ref, losses = numpy_sgd(x, y, w, b, 0.05, 3, 3)
    kernel, bias = model.get_weights()
    np.testing.assert_allclose(kernel, w_ref, rtol=1e-10)
    np.testing.assert_allclose(bias, b_ref, rtol=1e-10)
    np.testing.assert_allclose(history.history["loss"], losses, rtol=LOGGED_RTOL)
    assert history.epoch == [0, 1, 2] and model.history is history


def test_reported_loss_is_weighted_by_batch_size(data):
    x, y, w, b = data

    def worst(y_true, y_pred):  # not a per-sample mean, so batch weighting matters
        return (y_true - y_pred).abs().max()

    model = Sequential([Linear(2, w, b)])
    model.compile(optimizer=SGD(learning_rate=0.0), loss=worst)
    history = model.fit(x, y, batch_size=3, epochs=1, shuffle=False, verbose=0)
    err = np.abs(x @ w + b - y)
    batch_values = [err[0:3].max(), err[3:6].max(), err[6:7].max()]
    expected = (3 * batch_values[0] + 3 * batch_values[1] + 1 * batch_values[2]) / 7
    np.testing.assert_allclose(history.history["loss"], [expected], rtol=LOGGED_RTOL)
    np.testing.assert_allclose(model.evaluate(x, y, batch_size=3), expected, rtol=LOGGED_RTOL)


def test_regularization_penalty_is_trained_and_reported(data):
    x, y, w, b = data
    l2 = 0.3

    def penalty(kernel):
        return (kernel * kernel).sum() * l2

    model = Sequential([Linear(2, w, b, regularizer=penalty)])
    model.compile(optimizer=SGD(learning_rate=0.05), loss=mse)
    history = model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    w_ref, b_ref, losses = numpy_sgd(x, y, w, b, 0.05, 4, 2, l2=l2)
    np.testing.assert_allclose(model.get_weights()[0], w_ref, rtol=1e-10)
    np.testing.assert_allclose(model.get_weights()[1], b_ref, rtol=1e-10)
    np.testing.assert_allclose(history.history["loss"], losses, rtol=LOGGED_RTOL)
    expected_eval = np.mean((x @ w_ref + b_ref - y) ** 2) + l2 * np.sum(w_ref ** 2)
    np.testing.assert_allclose(model.evaluate(x, y, batch_size=2), expected_eval, rtol=LOGGED_RTOL)
    assert len(model.losses) == 1


def test_activity_losses_added_in_call_are_included(data):
    x, y, w, b = data

    class Penalised(Layer):
        def call(self, inputs):
            self.add_loss((inputs * inputs).mean())
            return inputs

    model = Sequential([Linear(2, w, b), Penalised(dtype="float64")])
    model.compile(optimizer=SGD(learning_rate=0.0), loss=mse)
    pred = x @ w + b
    expected = np.mean((pred - y) ** 2) + np.mean(pred ** 2)
    np.testing.assert_allclose(model.evaluate(x, y, batch_size=7), expected, rtol=LOGGED_RTOL)


def test_function_metrics_and_validation_history(data):
    x, y, w, b = data

    def mean_abs(y_true, y_pred):  # per-sample values: averaged over all samples seen
        return (y_true - y_pred).abs().mean(axis=-1)

    model = Sequential([Linear(2, w, b)])
    model.compile(optimizer=SGD(learning_rate=0.0), loss=mse, metrics=[mean_abs])
    vx, vy = x[:2] * 2, y[:2]
    history = model.fit(x, y, batch_size=2, epochs=2, validation_data=(vx, vy), verbose=0)
    assert sorted(history.history) == ["loss", "mean_abs", "val_loss", "val_mean_abs"]
    # the metric's sums are float32, as Keras' (floatx()): the float64 formula to float32's precision
    np.testing.assert_allclose(history.history["mean_abs"], [np.mean(np.abs(x @ w + b - y))] * 2, rtol=LOGGED_RTOL)
    np.testing.assert_allclose(history.history["val_loss"], [np.mean((vx @ w + b - vy) ** 2)] * 2, rtol=LOGGED_RTOL)
    np.testing.assert_allclose(history.history["val_mean_abs"], [np.mean(np.abs(vx @ w + b - vy))] * 2,
                               rtol=LOGGED_RTOL)
    loss, metric = model.evaluate(x, y)
    assert model.evaluate(x, y, return_dict=True) == {"loss": loss, "mean_abs": metric}


def test_sample_weight_weights_loss_gradient_and_metrics(data):
    x, y, w, b = data
    sw = np.array([1.0, 0.0, 2.0, 0.5, 1.0, 3.0, 0.25])
    model = Sequential([Linear(2, w, b)])
    model.compile(optimizer=SGD(learning_rate=0.1), loss="mse", metrics=["mae"], weighted_metrics=["mae"])
    history = model.fit(x, y, batch_size=7, epochs=1, shuffle=False, sample_weight=sw, verbose=0)
    err = x @ w + b - y
    # Keras's "sum_over_batch_size": sum_i w_i * mean_j err_ij^2 / batch
    expected_loss = np.sum(sw * np.mean(err ** 2, axis=1)) / 7
    grad = 2 * err * sw[:, None] / (7 * 2)
    np.testing.assert_allclose(model.get_weights()[0], w - 0.1 * x.T @ grad, rtol=1e-10)
    np.testing.assert_allclose(model.get_weights()[1], b - 0.1 * grad.sum(axis=0), rtol=1e-10)
    np.testing.assert_allclose(history.history["loss"], [expected_loss], rtol=LOGGED_RTOL)
    # weighted metrics: a weighted mean; plain metrics ignore sample_weight (Keras 3)
    expected_mae = np.sum(sw * np.mean(np.abs(err), axis=1)) / np.sum(sw)
    np.testing.assert_allclose(history.history["weighted_mae"], [expected_mae], rtol=LOGGED_RTOL)    # float32 sums
    np.testing.assert_allclose(history.history["mae"], [np.mean(np.abs(err))], rtol=LOGGED_RTOL)
    with pytest.raises(ValueError, match="cardinality"):
        model.fit(x, y, sample_weight=sw[:3], verbose=0)
    # a loss function of your own: its per-sample losses weighted as Keras 3's LossFunctionWrapper weighs them
    model = Sequential([Linear(2, w, b)])
    model.compile(optimizer="sgd", loss=lambda t, p: ((t - p) ** 2).mean(axis=-1))
    np.testing.assert_allclose(model.evaluate(x, y, sample_weight=sw, batch_size=7, verbose=0), expected_loss,
                               rtol=LOGGED_RTOL)


def test_validation_freq_and_batch_size(data):
    x, y, w, b = data
    recorder = Recorder()
    model = Sequential([recorder, Linear(2, w, b)])
    model.compile(optimizer=SGD(learning_rate=0.0), loss=mse)
    history = model.fit(x, y, batch_size=7, epochs=4, validation_data=(x, y), validation_freq=2,
                        validation_batch_size=3, verbose=0)
    assert len(history.history["loss"]) == 4 and len(history.history["val_loss"]) == 2
    val_sizes = [len(s) for s, flag in zip(recorder.seen, recorder.flags) if flag is False]
    assert val_sizes == [3, 3, 1] * 2


def test_validation_split_takes_the_last_samples_before_shuffling(data):
    x, y, w, b = data
    x = np.arange(10.0).reshape(10, 1) + np.zeros((10, 3))
    y = np.zeros((10, 2))
    recorder = Recorder()
    model = Sequential([recorder, Linear(2, w, b)])
    model.compile(optimizer=SGD(learning_rate=0.0), loss=mse)
    history = model.fit(x, y, batch_size=3, epochs=2, validation_split=0.3, shuffle=True, verbose=0)
    flags = np.concatenate([[flag] * len(s) for flag, s in zip(recorder.flags, recorder.seen)])
    seen = np.concatenate(recorder.seen)[:, 0]
    train_rows = seen[flags.astype(bool)]
    val_rows = seen[~flags.astype(bool)]
    assert sorted(train_rows) == sorted(list(range(7)) * 2)  # floor(10 * 0.7) = 7 training samples
    assert list(val_rows) == [7, 8, 9, 7, 8, 9]  # the last 30%, in order, every epoch
    expected_val = np.mean((x[7:] @ w + b) ** 2)
    np.testing.assert_allclose(history.history["val_loss"], [expected_val] * 2, rtol=LOGGED_RTOL)


def test_shuffle_false_keeps_order_and_shuffle_true_permutes():
    x = np.arange(20.0).reshape(20, 1)
    for shuffle in (False, True):
        recorder = Recorder()
        model = Sequential([recorder])
        model.compile(optimizer=SGD(), loss=mse)
        tg.random.set_seed(3)
        model.fit(x, x, batch_size=6, epochs=2, shuffle=shuffle, verbose=0)
        order = np.concatenate(recorder.seen)[:, 0]
        assert [len(s) for s in recorder.seen] == [6, 6, 6, 2] * 2
        for epoch in order.reshape(2, 20):
            assert sorted(epoch) == list(range(20))  # every sample exactly once per epoch
            assert (list(epoch) == list(range(20))) == (not shuffle)


def test_set_seed_makes_fit_repeatable():
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(16, 4)), rng.normal(size=(16, 1))

    def run(set_seed):
        set_seed(42)
        model = Sequential([Dense(8, activation="relu"), Dropout(0.5), Dense(1)])
        model.compile(optimizer=SGD(learning_rate=0.01), loss=mse)
        history = model.fit(x, y, batch_size=4, epochs=2, verbose=0)
        return model.get_weights(), history.history["loss"]

    # tg.set_seed at the top level (as Keras has keras.utils.set_random_seed) and tg.random.set_seed are one
    (w1, l1), (w2, l2), (w3, l3) = run(tg.set_seed), run(tg.random.set_seed), run(tg.set_seed)
    assert l1 == l2 == l3
    for a, b, c in zip(w1, w2, w3):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)
    tg.set_seed(1)
    first = tg.random.generator().random(3)
    tg.set_seed(2)
    assert not np.array_equal(tg.random.generator().random(3), first)
    for bad in (-1, 1.5, "1", True):
        with pytest.raises(ValueError, match=r"`seed`.*non-negative integer"):
            tg.set_seed(bad)


def test_training_flag_reaches_dropout_and_batchnorm():
    rng = np.random.default_rng(2)
    x, y = rng.normal(2.0, 1.0, size=(8, 3)), rng.normal(size=(8, 3))
    recorder = Recorder()
    bn = BatchNormalization(dtype="float64")
    model = Sequential([recorder, bn, Dropout(0.5, dtype="float64")])
    model.compile(optimizer=SGD(learning_rate=0.0), loss=mse)
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    assert recorder.flags == [True]
    moving_mean = bn.moving_mean.numpy().copy()
    assert not np.allclose(moving_mean, 0.0)  # updated in training
    model.evaluate(x, y)
    out1, out2 = model.predict(x), model.predict(x, batch_size=3)
    assert recorder.flags[1:] == [False] * 5
    np.testing.assert_array_equal(bn.moving_mean.numpy(), moving_mean)  # not updated in inference
    np.testing.assert_array_equal(out1, out2)  # no dropout in inference
    var = bn.moving_variance.numpy()
    expected = (x - moving_mean) / np.sqrt(var + bn.epsilon)
    np.testing.assert_allclose(out1, expected, rtol=1e-10)


def test_predict_works_in_batches_without_graph(data):
    x, _, w, b = data
    recorder = Recorder()
    model = Sequential([recorder, Linear(2, w, b)])
    out = model.predict(x, batch_size=3)
    assert isinstance(out, np.ndarray) and out.shape == (7, 2)
    np.testing.assert_allclose(out, x @ w + b, rtol=1e-12)
    assert [len(s) for s in recorder.seen] == [3, 3, 1]
    assert all(weight.grad is None for weight in model.weights)


@pytest.mark.parametrize("batch_size", [None, 2, 5])
def test_predict_returns_c_ordered_arrays_as_keras(batch_size):
    """A channels_first Conv1D with a stride computes its output's steps as rows, so its output is a permuted view;
    predict (one batch or several) and predict_on_batch still return new C-ordered arrays, as Keras does, with the
    values of the model's call: a convolution written as a loop from the formula."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((5, 3, 12))
    conv = layers.Conv1D(4, 3, strides=2, data_format="channels_first", dtype="float64")
    model = Sequential([layers.Input((3, 12), dtype="float64"), conv])
    kernel, bias = (v.numpy() for v in conv.weights)
    expected = np.empty((5, 4, 5))
    for n, f, p in np.ndindex(*expected.shape):
        expected[n, f, p] = bias[f] + sum(x[n, c, 2 * p + t] * kernel[t, c, f] for t in range(3) for c in range(3))
    assert not model(x).numpy().flags.c_contiguous                 # the permuted view this test is about
    for out in (model.predict(x, batch_size=batch_size), model.predict_on_batch(x)):
        assert out.flags.c_contiguous and out.flags.owndata
        np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)


# ------------------------------------------------------------------------------------------ structure
def test_sequential_add_pop_layers_and_weights(data):
    _, _, w, b = data
    first, second = Linear(2, w, b), Linear(3)
    model = Sequential()
    model.add(first)
    model.add(second)
    assert model.layers == [first, second]
    model(np.zeros((1, 3)))
    assert [t.shape for t in model.weights] == [(3, 2), (2,), (2, 3), (3,)]
    assert model.trainable_weights == model.weights
    assert model.pop() is second
    assert model.layers == [first]
    assert model.get_layer(first.name) is first and model.get_layer(index=0) is first
    with pytest.raises(TypeError):
        model.add("dense")
    with pytest.raises(ValueError, match="unique names"):
        model.add(Linear(2, name=first.name))
    model.pop()
    with pytest.raises(TypeError, match="no layers"):
        model.pop()


def test_non_trainable_layers_are_not_updated(data):
    x, y, w, b = data
    frozen = Linear(2, w, b)
    frozen.trainable = False
    model = Sequential([frozen, Linear(2)])
    model.compile(optimizer=SGD(learning_rate=0.1), loss=mse)
    model.fit(x, y, epochs=2, verbose=0)
    np.testing.assert_array_equal(frozen.get_weights()[0], w)
    assert len(model.trainable_weights) == 2 and len(model.non_trainable_weights) == 2
    assert all(weight.grad is None for weight in model.weights)  # no gradient left behind, frozen or not


def test_trainable_changes_apply_at_the_next_step_as_keras_on_torch(data):
    """Keras 3 on torch reads the trainable variables at every step: a layer frozen by a callback at the end of
    epoch 1 is not trained in epoch 2 (checked with Keras: "epoch2 trained: False"), and unfreezing it trains it
    again."""
    x, y, w, b = data
    layer = Linear(2, w, b)
    model = Sequential([layer])
    model.compile(optimizer=SGD(learning_rate=0.1), loss=mse)
    snapshots = []
    freeze = tg.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: (snapshots.append(layer.get_weights()[0]), setattr(layer, "trainable", False)))
    model.fit(x, y, epochs=2, verbose=0, callbacks=[freeze])
    np.testing.assert_array_equal(snapshots[1], snapshots[0])      # frozen from the next step on
    layer.trainable = True
    model.fit(x, y, epochs=1, verbose=0)
    assert not np.array_equal(layer.get_weights()[0], snapshots[1])


def test_a_layer_unfrozen_inside_a_frozen_model_trains_as_keras():
    """Found by a Keras user: inner.trainable = False, then inner.get_layer("i1").trainable = True: Keras 3 trains
    i1 (4 trainable weights in the outer model: i1's and the head's), tinygradconv trained only the head (2)."""
    from tinygradconv import layers as L
    from tinygradconv import models as M

    x = L.Input((4,))
    inner = M.Sequential([L.Input((4,)), L.Dense(3, name="i1"), L.Dense(3, name="i2")], name="inner")
    model = M.Model(x, L.Dense(1, name="head")(inner(x)))
    inner.trainable = False
    inner.get_layer("i1").trainable = True
    assert [w.path for w in model.trainable_weights] == ["inner/i1/kernel", "inner/i1/bias", "head/kernel", "head/bias"]
    assert inner.trainable_weights == []          # the frozen layer itself still lists none, as Keras
    model.compile(SGD(0.1), "mse")
    before = {layer.name: layer.get_weights()[0] for layer in inner.layers}
    model.fit(np.ones((4, 4)), np.zeros((4, 1)), verbose=0)
    assert not np.array_equal(inner.get_layer("i1").get_weights()[0], before["i1"])
    np.testing.assert_array_equal(inner.get_layer("i2").get_weights()[0], before["i2"])


def test_get_and_set_weights_round_trip(data):
    _, _, w, b = data
    model = Sequential([Linear(2), Linear(1)])
    model(np.zeros((1, 3)))
    new = [w, b, np.ones((2, 1)), np.full((1,), 0.5)]
    model.set_weights(new)
    for got, want in zip(model.get_weights(), new):
        np.testing.assert_array_equal(got, want)
    with pytest.raises(ValueError):
        model.set_weights(new[:3])


class TwoLayer(Model):
    def __init__(self, hidden=4, rate=0.0, **kwargs):
        super().__init__(**kwargs)
        self.hidden_layer = Dense(hidden, activation="tanh", dtype="float64")
        self.dropout = Dropout(rate, dtype="float64")
        self.out = Dense(1, dtype="float64")

    def call(self, inputs, training=None):
        return self.out(self.dropout(self.hidden_layer(inputs), training=training))


def test_subclassed_model_trains_and_tracks_sublayers():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(12, 3))
    y = x @ np.array([[1.0], [-2.0], [0.5]])
    tg.random.set_seed(0)
    model = TwoLayer(hidden=5, rate=0.1)
    model.compile(optimizer=SGD(learning_rate=0.05), loss=mse)
    assert model.layers == [model.hidden_layer, model.dropout, model.out]
    history = model.fit(x, y, batch_size=4, epochs=15, verbose=0)
    assert [t.shape for t in model.trainable_weights] == [(3, 5), (5,), (5, 1), (1,)]
    assert history.history["loss"][-1] < history.history["loss"][0]
    # the arguments, with Keras 3 auto config's name (the constructor takes **kwargs), trainable and dtype
    assert model.get_config() == {"name": model.name, "hidden": 5, "rate": 0.1, "trainable": True,
                                  "dtype": {"module": "keras", "class_name": "DTypePolicy",
                                            "config": {"name": "float32"}, "registered_name": None}}
    np.testing.assert_allclose(model.predict(x), np.tanh(x @ model.get_weights()[0] + model.get_weights()[1])
                               @ model.get_weights()[2] + model.get_weights()[3], rtol=1e-10)


def test_forgetting_super_init_is_reported():
    class Broken(Model):
        def __init__(self):
            self.dense = Dense(1)

        def call(self, inputs):
            return self.dense(inputs)

    with pytest.raises(RuntimeError, match=r"super\(\)\.__init__\(\)"):
        Broken().compile(optimizer="sgd", loss=mse)


def test_summary_lists_layers_shapes_and_counts(capsys):
    model = Sequential([Dense(4, name="hidden"), BatchNormalization(name="norm"), Dense(1, name="head")])
    model.build((None, 3))
    model.summary()
    out = capsys.readouterr().out
    lines = out.splitlines()
    row = {name: next(line for line in lines if line.startswith(name)) for name in ("hidden", "norm", "head")}
    assert "(Dense)" in row["hidden"] and "(None, 4)" in row["hidden"] and row["hidden"].rstrip().endswith("16")
    assert "(BatchNormalization)" in row["norm"] and row["norm"].rstrip().endswith("16")  # 4 x (gamma, beta, mean, var)
    assert "(None, 1)" in row["head"] and row["head"].rstrip().endswith("5")
    assert "Total params: 37 " in out
    assert "Trainable params: 29 " in out  # 16 + 8 + 5
    assert "Non-trainable params: 8 " in out  # moving mean and variance


def test_summary_of_an_unbuilt_model_and_long_names(capsys):
    model = Sequential([Dense(2, name="a_rather_long_layer_name_for_the_table")])
    model.summary()
    line = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("a_rather"))
    assert "a_rather_long_layer_name_for_the_table (Dense)" in line and "?" in line and "0 (unbuilt)" in line


def test_summary_of_subclassed_model_after_a_call(capsys):
    model = TwoLayer(hidden=3)
    model(np.zeros((2, 6)))
    model.summary()
    out = capsys.readouterr().out
    assert "(None, 3)" in out and "(None, 1)" in out
    assert f"Total params: {6 * 3 + 3 + 3 + 1} " in out


def _nested_model(lib):
    L = lib.layers
    a = L.Input((4,), name="a")
    func = lib.Model(a, L.Dense(3, name="fd")(a), name="func")
    inner = lib.Sequential([L.Input((4,)), L.Dense(3, name="d1"), L.Dropout(0.1, name="dr")], name="inner")
    x = L.Input((4,), name="x")
    model = lib.Model(x, L.Dense(2, name="out")(L.Concatenate(name="cat")([inner(x), func(x)])), name="outer")
    model.get_layer("inner").trainable = False
    return model


def _summary_rows(lines):
    """The table rows of a summary as cells (Keras' boxes or our columns), without the model's name and totals."""
    cells = [[c.strip() for c in line.strip("│ ").split("│")] for line in lines if line.startswith("│")]
    if cells:
        return cells
    body = lines[lines.index(next(x for x in lines if x.startswith("="))) + 1:]
    body = body[:body.index(next(x for x in body if x.startswith("=")))]
    return [[c.strip() for c in re.split(r"\s{2,}", line.strip())] for line in body]


def test_summary_expand_nested_and_show_trainable_as_keras(monkeypatch):
    ours_lib = types.SimpleNamespace(layers=layers, Model=Model, Sequential=Sequential)
    lines = []
    _nested_model(ours_lib).summary(
        expand_nested=True, show_trainable=True, print_fn=lines.append)
    ours = _summary_rows(lines)
    by_hand = [["x (InputLayer)", "(None, 4)", "0", "-", "-"],
               ["inner (Sequential)", "(None, 3)", "15", "x[0][0]", "N"],
               ["└ d1 (Dense)", "(None, 3)", "15", "-", "N"], ["└ dr (Dropout)", "(None, 3)", "0", "-", "-"],
               ["func (Functional)", "(None, 3)", "15", "x[0][0]", "Y"],
               ["└ a (InputLayer)", "(None, 4)", "0", "-", "-"],
               ["└ fd (Dense)", "(None, 3)", "15", "-", "Y"],
               ["cat (Concatenate)", "(None, 6)", "0", "inner[0][0], func[0][0]", "-"],
               ["out (Dense)", "(None, 2)", "14", "cat[0][0]", "Y"]]
    assert ours == by_hand
    plain = []
    _nested_model(ours_lib).summary(print_fn=plain.append)
    assert [row[0] for row in _summary_rows(plain)] == [row[0] for row in by_hand if not row[0].startswith("└")]
    with pytest.raises(TypeError, match="Invalid type for argument `show_trainable`. Expected True or False. "
                                        "Received show_trainable='yes'"):
        Sequential([Dense(1)]).summary(show_trainable="yes")
    keras = keras_on_torch("Keras 3 is the reference for summary's expand_nested and show_trainable")
    monkeypatch.setenv("COLUMNS", "250")        # rich, which draws Keras' table, cuts it to the terminal's width
    theirs = []
    _nested_model(keras).summary(expand_nested=True, show_trainable=True, line_length=200,
                                 print_fn=lambda line, **kwargs: theirs.extend(line.splitlines()))
    assert _summary_rows(theirs) == by_hand


def _total_lines(model):
    """The "... params: ..." lines of ``model.summary()`` (either library), stripped."""
    lines = []
    model.summary(print_fn=lambda line, **kwargs: lines.extend(line.splitlines()))
    return [line.strip() for line in lines if "params:" in line]


@pytest.mark.parametrize("optimizer", ["sgd_momentum", "adam"])
def test_summary_counts_the_optimizer_variables_once_built_as_keras(optimizer, monkeypatch):
    """Keras 3 adds "Optimizer params" (and counts them in the total) once the optimizer is built: the step count
    (int32), the learning rate (float32) and the slots (found by a tester: the totals differed from Keras')."""
    keras = keras_on_torch("Keras 3 is the reference for the summary's totals")
    monkeypatch.setenv("COLUMNS", "250")
    totals = {}
    for lib in (keras, types.SimpleNamespace(layers=layers, Sequential=Sequential, optimizers=tg.optimizers)):
        model = lib.Sequential([lib.layers.Input((4,)), lib.layers.Dense(3), lib.layers.BatchNormalization()])
        model.compile(optimizer=lib.optimizers.SGD(momentum=0.9) if optimizer == "sgd_momentum"
                      else lib.optimizers.Adam(), loss="mse")
        before = _total_lines(model)
        model.fit(np.ones((4, 4), "float32"), np.ones((4, 3), "float32"), verbose=0)
        totals[lib is keras] = (before, _total_lines(model))
    assert totals[False] == totals[True]
    slots = 21 if optimizer == "sgd_momentum" else 42          # momentum, or m and v, for the 21 trainable values
    assert totals[False][1][-1] == f"Optimizer params: {slots + 2} ({(slots + 2) * 4:.2f} B)"    # by hand
    assert not any("Optimizer" in line for line in totals[False][0])


def test_a_sequential_refuses_a_built_layer_or_nested_model_that_does_not_fit_when_made():
    """Keras 3 refuses both when the model is made ("expected shape=(None, 4), found shape=(None, 2)"); the model
    used to be accepted and failed only when run (found by a tester)."""
    inner = Sequential([layers.Input((4,)), Dense(3, name="d1")], name="inner")
    with pytest.raises(ValueError, match=r"Model 'inner' expects inputs of shape \(None, 4\) \(None: any size\), but "
                                         r"received a tensor of shape \(None, 2\)"):
        Sequential([layers.Input((3,)), Dense(2), inner])
    message = r"Input 0 of layer 'd1' is incompatible with the layer: expected axis -1 of input shape to have value 4"
    built = Dense(3, name="d1")
    built.build((None, 4))
    with pytest.raises(ValueError, match=message):
        Sequential([layers.Input((3,)), Dense(2), built])
    fits = Sequential([layers.Input((3,)), Dense(4), inner])      # 4 features reach it: accepted
    assert fits.predict(np.ones((2, 3)), verbose=0).shape == (2, 3)


# ------------------------------------------------------------------------------------------ errors
def fresh_model():
    model = Sequential([Linear(2)])
    model.compile(optimizer=SGD(learning_rate=0.1), loss=mse)
    return model


@pytest.mark.parametrize("kwargs, match", [
    ({"batch_size": 0}, "batch_size"),
    ({"batch_size": -2}, "batch_size"),
    ({"batch_size": 2.5}, "batch_size"),
    ({"batch_size": True}, "batch_size"),
    ({"epochs": -1}, "epochs"),
    ({"validation_split": 1.0}, "validation_split"),
    ({"validation_split": -0.1}, "validation_split"),
    ({"verbose": 3}, "verbose"),
    ({"validation_data": (np.zeros((2, 3)),)}, "validation_data"),
])
def test_bad_fit_arguments_raise_before_training(kwargs, match):
    model = fresh_model()
    with pytest.raises(ValueError, match=match):
        model.fit(np.zeros((4, 3)), np.zeros((4, 2)), **kwargs)
    assert not model.built  # nothing ran


@pytest.mark.parametrize("epochs", [1.5, "2", True])
def test_epochs_of_the_wrong_type_are_a_type_error_as_in_keras(epochs):
    """Keras 3 raises TypeError for ``epochs=1.5`` (and ValueError for ``batch_size=2.0``, above)."""
    model = fresh_model()
    with pytest.raises(TypeError, match=r"Invalid type for argument `epochs`\. Expected a non-negative integer"):
        model.fit(np.zeros((4, 3)), np.zeros((4, 2)), epochs=epochs)
    assert not model.built


def test_mismatched_lengths_and_empty_data():
    model = fresh_model()
    with pytest.raises(ValueError, match="cardinality"):
        model.fit(np.zeros((4, 3)), np.zeros((5, 2)), verbose=0)
    with pytest.raises(ValueError, match="cardinality"):
        model.evaluate(np.zeros((4, 3)), np.zeros((5, 2)))
    with pytest.raises(ValueError, match="cardinality"):
        model.fit(np.zeros((4, 3)), np.zeros((4, 2)), validation_data=(np.zeros((2, 3)), np.zeros((3, 2))))
    with pytest.raises(ValueError, match="empty"):
        model.fit(np.zeros((0, 3)), np.zeros((0, 2)))
    with pytest.raises(ValueError, match="not sufficient"):
        model.fit(np.zeros((2, 3)), np.zeros((2, 2)), validation_split=0.6)  # floor(2 * 0.4) = 0 samples left
    assert not model.built


def test_fit_before_compile():
    model = Sequential([Linear(2)])
    for call in (lambda: model.fit(np.zeros((2, 3)), np.zeros((2, 2))),
                 lambda: model.evaluate(np.zeros((2, 3)), np.zeros((2, 2)))):
        with pytest.raises(RuntimeError, match="compile"):
            call()
        with pytest.raises(ValueError, match="compile"):
            call()
    assert issubclass(NotCompiledError, RuntimeError) and not model.built


def test_unknown_names_in_compile():
    model = Sequential([Linear(2)])
    with pytest.raises(ValueError, match="optimizer"):
        model.compile(optimizer="no_such_optimizer", loss=mse)
    with pytest.raises(ValueError, match="loss"):
        model.compile(optimizer="sgd", loss="no_such_loss")
    with pytest.raises(ValueError, match="metric"):
        model.compile(optimizer="sgd", loss=mse, metrics=["no_such_metric"])
    with pytest.raises(TypeError, match="metrics"):
        model.compile(optimizer="sgd", loss=mse, metrics="mae")
    assert not model.compiled


def test_compile_without_loss_cannot_fit():
    model = Sequential([Linear(2)])
    model.compile(optimizer="sgd")
    with pytest.raises(ValueError, match="loss"):
        model.fit(np.zeros((2, 3)), np.zeros((2, 2)))


def test_zero_epochs_returns_empty_history(data):
    x, y, w, b = data
    model = Sequential([Linear(2, w, b)])
    model.compile(optimizer=SGD(), loss=mse)
    history = model.fit(x, y, epochs=0, verbose=0)
    assert history.history == {} and history.epoch == []
def test_compile_by_names_with_keras_metric_names():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(10, 3))
    y = rng.normal(size=(10, 2))
    w, b = rng.normal(size=(3, 2)), rng.normal(size=(2,))
    model = Sequential([Linear(2, w, b)])
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    history = model.fit(x, y, batch_size=10, epochs=1, verbose=0)
    assert sorted(history.history) == ["loss", "mae"]
    np.testing.assert_allclose(history.history["mae"], [np.mean(np.abs(x @ w + b - y))], rtol=1e-6)
    np.testing.assert_allclose(history.history["loss"], [np.mean((x @ w + b - y) ** 2)], rtol=1e-6)


def test_accuracy_resolves_by_shapes():
    rng = np.random.default_rng(6)
    x = rng.normal(size=(20, 3))
    w = rng.normal(size=(3, 4))
    labels = rng.integers(0, 4, size=20)
    onehot = np.eye(4)[labels]
    model = Sequential([Linear(4, w, np.zeros(4))])
    model.compile(optimizer=SGD(learning_rate=0.0), loss="categorical_crossentropy", metrics=["accuracy"])
    logits = x @ w
    expected = np.mean(np.argmax(logits, axis=1) == labels)
    _, acc = model.evaluate(x, onehot)
    assert acc == pytest.approx(expected)
    binary = Sequential([Linear(1, w[:, :1], np.zeros(1))])
    binary.compile(optimizer=SGD(learning_rate=0.0), loss="mse", metrics=["acc"])
    targets = (labels % 2).reshape(-1, 1).astype(float)
    _, acc = binary.evaluate(x, targets)
    assert acc == pytest.approx(np.mean((x @ w[:, :1] > 0.5) == targets))


# ------------------------------------------------------------------------------------------ backends
def test_fit_predict_save_on_every_backend(backend, data, tmp_path):
    x, y, w, b = data
    previous = tg.get_backend().name
    tg.set_backend(backend)
    try:
        model = Sequential([Linear(2, w, b)])
        model.compile(optimizer=SGD(learning_rate=0.05), loss="mse", metrics=["mae"])
        history = model.fit(x, y, batch_size=3, epochs=2, shuffle=False, verbose=0)
        assert all(weight.backend.name == backend for weight in model.weights)
        out = model.predict(x)
        model.save_weights(tmp_path / "w.npz")
        model.set_weights([np.zeros_like(a) for a in model.get_weights()])
        model.load_weights(tmp_path / "w.npz")
        reloaded = model.predict(x)
    finally:
        tg.set_backend(previous)
    w_ref, b_ref, losses = numpy_sgd(x, y, w, b, 0.05, 3, 2)
    np.testing.assert_allclose(history.history["loss"], losses, rtol=LOGGED_RTOL)
    assert isinstance(out, np.ndarray)
    np.testing.assert_allclose(out, x @ w_ref + b_ref, rtol=1e-10)
    np.testing.assert_array_equal(reloaded, out)


@pytest.mark.parametrize("copier", ["deepcopy", "pickle"])
def test_a_fitted_model_with_an_activity_regularizer_copies(copier):
    """The last call's penalty (an op's output) was copied with the layer: pickle refused it, deepcopy too."""
    import copy
    import pickle

    model = Sequential([layers.Input((3,)), Dense(2, activity_regularizer="l2")])
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.ones((4, 3)), np.ones((4, 2))
    model.fit(x, y, verbose=0)
    twin = copy.deepcopy(model) if copier == "deepcopy" else pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(twin.predict(x, verbose=0), model.predict(x, verbose=0))
    assert twin.evaluate(x, y, verbose=0) == model.evaluate(x, y, verbose=0)   # the penalty recomputed alike


@pytest.mark.parametrize("copier", ["deepcopy", "pickle"])
def test_a_copied_compiled_model_trains_on(data, copier):
    """``copy.deepcopy``/``pickle`` of a model fitted for one epoch, then one more epoch on the copy: the weights of
    two epochs of SGD written out in NumPy (the copy's optimizer had refused the copied weights as unknown)."""
    import copy
    import pickle

    x, y, w, b = data
    model = Sequential([Linear(2, w, b)])
    model.compile(optimizer=SGD(learning_rate=0.05), loss="mse")
    model.fit(x, y, batch_size=3, epochs=1, shuffle=False, verbose=0)
    twin = copy.deepcopy(model) if copier == "deepcopy" else pickle.loads(pickle.dumps(model))
    twin.fit(x, y, batch_size=3, epochs=1, shuffle=False, verbose=0)
    w_ref, b_ref, _ = numpy_sgd(x, y, w, b, 0.05, 3, 2)
    np.testing.assert_allclose(twin.predict(x, verbose=0), x @ w_ref + b_ref, rtol=1e-10)
    w_one, b_one, _ = numpy_sgd(x, y, w, b, 0.05, 3, 1)
    np.testing.assert_allclose(model.predict(x, verbose=0), x @ w_one + b_one, rtol=1e-10)   # the original as it was


# ----------------------------------------------------------------------------------------------- Keras seams
def _keras():
    """Keras 3 on its torch backend, the reference for Keras behaviour (skipped, visibly, when not installed)."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    return pytest.importorskip("keras", minversion="3")


def _twin_models(keras, kernel, bias):
    """The same one-layer linear model in tinygradconv and in Keras, with the same weights."""
    ours = Sequential([Dense(kernel.shape[1])])
    ours(np.zeros((1, kernel.shape[0]), dtype="float32"))
    ours.set_weights([kernel, bias])
    theirs = keras.Sequential([keras.Input((kernel.shape[0],)), keras.layers.Dense(kernel.shape[1])])
    theirs.set_weights([kernel, bias])
    return ours, theirs


@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")  # inside Keras
def test_metrics_ignore_sample_weight_and_weighted_metrics_use_it_as_in_keras():
    keras = _keras()
    rng = np.random.default_rng(0)
    x = rng.normal(size=(9, 3)).astype("float32")
    y = rng.normal(size=(9, 2)).astype("float32")
    sw = np.array([1.0, 0.0, 2.0, 0.5, 1.0, 3.0, 0.25, 1.5, 0.0], dtype="float32")
    kernel, bias = rng.normal(size=(3, 2)).astype("float32"), np.array([0.1, -0.2], dtype="float32")
    ours, theirs = _twin_models(keras, kernel, bias)
    for model in (ours, theirs):
        model.compile(optimizer=keras.optimizers.SGD(0.1) if model is theirs else SGD(0.1), loss="mse",
                      metrics=["mae", "mse"], weighted_metrics=["mae", "mean_squared_error"])
    for kwargs in ({"sample_weight": sw}, {}):
        got = ours.evaluate(x, y, batch_size=4, return_dict=True, **kwargs)
        expected = theirs.evaluate(x, y, batch_size=4, return_dict=True, verbose=0, **kwargs)
        assert sorted(got) == sorted(expected) == ["loss", "mae", "mean_squared_error", "mse",
                                                   "weighted_mae"]
        for name in expected:
            np.testing.assert_allclose(got[name], expected[name], rtol=2e-6, err_msg=name)
    err = np.abs(x @ kernel + bias - y).mean(axis=1)  # the formulas, independently of both libraries
    got = ours.evaluate(x, y, sample_weight=sw, return_dict=True)
    np.testing.assert_allclose(got["mae"], err.mean(), rtol=1e-6)
    np.testing.assert_allclose(got["weighted_mae"], np.sum(sw * err) / np.sum(sw), rtol=1e-6)
    got = ours.fit(x, y, batch_size=4, epochs=2, shuffle=False, sample_weight=sw, validation_data=(x, y, sw),
                   verbose=0).history
    expected = theirs.fit(x, y, batch_size=4, epochs=2, shuffle=False, sample_weight=sw, validation_data=(x, y, sw),
                          verbose=0).history
    assert sorted(got) == sorted(expected)
    for name in expected:
        np.testing.assert_allclose(got[name], expected[name], rtol=1e-5, err_msg=name)


def test_metric_arguments_must_be_lists():
    model = Sequential([Dense(1)])
    for argument in ("metrics", "weighted_metrics"):
        with pytest.raises(TypeError, match=f"`{argument}`.*list.*Received {argument}='mae'"):
            model.compile(loss="mse", **{argument: "mae"})
    with pytest.raises(ValueError, match=r"unique.*\['mae_1', 'mae', 'mae_1'\]"):  # Keras overwrites mae_1
        model.compile(loss="mse", metrics=[tg.metrics.MeanAbsoluteError(name="mae_1"), "mae", "mae"])
    def loss(y_true, y_pred):
        return (y_true - y_pred).abs().mean(axis=-1)

    with pytest.raises(ValueError, match="not 'loss'"):  # it would hide the loss in the logs
        model.compile(loss="mse", metrics=[loss])


@pytest.mark.parametrize("metrics, weighted, names", [
    (["mae", "mae"], [], ["mae", "mae_1"]),
    (["mae", "mae", "mae"], [], ["mae", "mae_1", "mae_2"]),
    (["mse", "mae", "mae"], [], ["mse", "mae", "mae_1"]),
    ([], ["mae", "mae"], ["mae", "weighted_mae"]),
    (["mae"], ["mae", "mae", "mae"], ["mae", "weighted_mae", "weighted_mae_1", "weighted_mae_2"]),
])
@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")  # inside Keras
def test_repeated_metric_names_are_numbered_as_keras_reports_them(metrics, weighted, names):
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(6, 3)).astype("float32"), rng.normal(size=(6, 1)).astype("float32")
    sw = np.array([1.0, 0.0, 2.0, 0.5, 1.0, 3.0], dtype="float32")
    model = Sequential([Dense(1)])
    model.compile(optimizer=SGD(0.1), loss="mse", metrics=metrics, weighted_metrics=weighted)
    assert model.metrics_names == ["loss", *names]
    got = model.evaluate(x, y, sample_weight=sw, return_dict=True)
    assert list(got) == sorted(["loss", *names])   # Keras sorts the keys of a logs dict
    pred = model.predict(x)
    err = {"mae": np.abs(pred - y).mean(axis=1), "mse": ((pred - y) ** 2).mean(axis=1)}
    for name, (_, spec, is_weighted) in zip(names, model._metric_specs):  # the formulas, by hand
        w = sw if is_weighted else np.ones_like(sw)
        np.testing.assert_allclose(got[name], np.sum(w * err[spec]) / np.sum(w), rtol=1e-5, err_msg=name)
    keras = _keras()
    theirs = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    theirs.compile(optimizer="sgd", loss="mse", metrics=metrics, weighted_metrics=weighted)
    assert list(theirs.evaluate(x, y, sample_weight=sw, return_dict=True, verbose=0)) == list(got)
    history = theirs.fit(x, y, epochs=1, validation_data=(x, y), verbose=0).history
    ours = model.fit(x, y, epochs=1, validation_data=(x, y), verbose=0).history
    assert list(ours) == list(history)


# ----------------------------------------------------------------------------------------------- validation data
class EpochCounter(tg.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.epochs = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epochs += 1


@pytest.mark.parametrize("x_val, y_val, pattern", [
    (np.zeros((5, 4)), np.zeros((5, 2)), r"x_val of shape \(5, 4\).*x of shape \(8, 3\).*cannot run on x_val"),
    (np.zeros((5, 3)), np.zeros((5, 3)),
     r"y_val of shape \(5, 3\).*y of shape \(8, 2\).*outputs on x_val.*\(None, 2\)"),
    (np.zeros((5, 3)), np.zeros(5), r"y_val of shape \(5,\).*does not fit"),
    (np.zeros((5, 2)), np.zeros((5, 3)), r"x_val of shape \(5, 2\).*cannot run on x_val"),  # x_val, y_val swapped
])
def test_wrong_shaped_validation_data_is_refused_before_the_first_epoch(x_val, y_val, pattern):
    model = Sequential([Dense(2)])
    model.compile(optimizer=SGD(learning_rate=0.1), loss="mse")
    counter = EpochCounter()
    with pytest.raises(ValueError, match=r"`validation_data`.*" + pattern):
        model.fit(np.ones((8, 3)), np.ones((8, 2)), validation_data=(x_val, y_val), callbacks=[counter], verbose=0)
    assert counter.epochs == 0
    weights = model.get_weights()
    model.fit(np.ones((8, 3)), np.ones((8, 2)), epochs=1, verbose=0)  # the model is still usable
    assert not np.array_equal(weights[0], model.get_weights()[0])


@pytest.mark.parametrize("with_weights", [False, True])
@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")  # inside Keras
def test_empty_validation_data_skips_validation_as_keras(with_weights):
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(8, 3)).astype("float32"), rng.normal(size=(8, 2)).astype("float32")
    val = (x[:0], y[:0]) + ((np.ones(0, "float32"),) if with_weights else ())
    model = Sequential([Dense(2)])
    model.compile(optimizer=SGD(learning_rate=0.1), loss="mse", metrics=["mae"])
    with pytest.warns(UserWarning, match=r"`validation_data` has 0 samples: validation is skipped"):
        history = model.fit(x, y, epochs=2, validation_data=val, verbose=0).history
    assert sorted(history) == ["loss", "mae"] and len(history["loss"]) == 2
    with pytest.raises(ValueError, match="cardinality"):  # still checked: 0 inputs with 3 targets
        model.fit(x, y, validation_data=(x[:0], y[:3]), verbose=0)
    keras = _keras()
    theirs = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    theirs.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    assert sorted(theirs.fit(x, y, epochs=2, validation_data=val, verbose=0).history) == sorted(history)


def test_validation_data_of_another_length_is_accepted_when_the_model_takes_any_length():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(6, 8, 1)), rng.normal(size=(6, 8, 1))
    x_val, y_val = rng.normal(size=(4, 12, 1)), rng.normal(size=(4, 12, 1))
    kernel = np.array([[[0.5]], [[1.0]], [[-0.25]]])  # (kernel_size, in, out)
    model = Sequential([tg.layers.Conv1D(1, 3, padding="same", dtype="float64", use_bias=False)])
    model.compile(optimizer=SGD(learning_rate=0.0), loss="mse")
    history = model.fit(x, y, epochs=1, validation_data=(x_val, y_val), verbose=0,
                        callbacks=[tg.callbacks.LambdaCallback(
                            on_train_begin=lambda logs: model.set_weights([kernel]))])
    padded = np.pad(x_val[:, :, 0], ((0, 0), (1, 1)))  # "same" convolution (cross-correlation), by hand
    expected = 0.5 * padded[:, :-2] + 1.0 * padded[:, 1:-1] - 0.25 * padded[:, 2:]
    expected_val = np.mean((expected - y_val[:, :, 0]) ** 2)
    np.testing.assert_allclose(history.history["val_loss"], [expected_val], rtol=LOGGED_RTOL)
    with pytest.raises(ValueError, match=r"`validation_data`.*y_val of shape \(4, 8, 1\).*\(None, 12, 1\)"):
        model.fit(x, y, validation_data=(x_val, y_val[:, :8]), verbose=0)


# ------------------------------------------------------------------- a student's slips (found by a fresh tester)
def test_an_optimizer_class_is_refused_at_compile_with_the_two_right_forms():
    model = Sequential([Dense(1)])
    with pytest.raises(ValueError, match=r"Could not interpret optimizer identifier: .*Adam.*, a class\. Pass an "
                                         r"instance, e\.g\. optimizer=Adam\(\), or its name, e\.g\. "
                                         r"optimizer='adam'"):
        model.compile(optimizer=tg.optimizers.Adam, loss="mse")
    assert not model.compiled


def test_loss_and_metric_classes_stand_for_their_default_instances_as_in_keras():
    """Keras 3 instantiates a loss or metric class given to compile; the logged values are the hand-computed mean
    squared and mean absolute errors of the model's own predictions."""
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(8, 3)), rng.normal(size=(8, 1))
    model = Sequential([Dense(1, kernel_initializer="ones")])
    model.compile(optimizer=SGD(0.0), loss=tg.losses.MeanSquaredError, metrics=[tg.metrics.MeanAbsoluteError])
    history = model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    pred = x.astype("float32") @ np.ones((3, 1), "float32")
    np.testing.assert_allclose(history.history["loss"][0], np.mean((pred - y) ** 2), rtol=1e-5)
    np.testing.assert_allclose(history.history["mean_absolute_error"][0], np.mean(np.abs(pred - y)), rtol=1e-5)


def test_a_class_that_needs_arguments_is_named():
    class NeedsArgs(tg.losses.MeanSquaredError):
        def __init__(self, scale):
            super().__init__()

    with pytest.raises(ValueError, match=r"`loss`: the class NeedsArgs cannot be built without arguments"):
        Sequential([Dense(1)]).compile(optimizer="sgd", loss=NeedsArgs)


@pytest.mark.parametrize("shape, exc, match", [
    (None, TypeError, (r"`input_shape`\. Expected the input shape with the batch axis first.*Received "
                       r"input_shape=None")),
    ("16", TypeError, r"Received input_shape='16'"),
    ((None, 16, 1.5), ValueError, r"Received input_shape=\(None, 16, 1\.5\)"),
    ((None, -1, 1), ValueError, r"Received input_shape=\(None, -1, 1\)"),
    ((16, 1), ValueError, (r"found ndim=2.*Model\.build received input_shape=\(16, 1\); its first entry is "
                           r"the batch axis")),
])
def test_sequential_build_names_a_bad_input_shape(shape, exc, match):
    model = Sequential([tg.layers.Conv1D(4, 3)])
    with pytest.raises(exc, match=match):
        model.build(shape)


@pytest.mark.parametrize("first, shape, meaning", [
    (lambda: [Dense(2)], (None, 8), "for samples of 8 features (the first layer is a Dense)"),
    (lambda: [tg.layers.Conv1D(4, 3)], (None, 16, 1),
     "for samples of 16 steps of 1 channel (the first layer is a Conv1D)"),
])
def test_sequential_build_errors_give_an_example_that_fits_the_first_layer(first, shape, meaning):
    """The example shape in Model.build's errors is one the first layer takes (a tester built a Dense model with
    the (None, 16, 1) of the message): built with it, the model works."""
    model = Sequential(first())
    for bad in ("16", (None,)):
        with pytest.raises((TypeError, ValueError), match=re.escape(f"e.g. {shape} {meaning}")):
            model.build(bad)
    model.build(shape)
    assert model(np.ones((2, *shape[1:]))).shape[0] == 2


@pytest.mark.parametrize("stack", [
    lambda L: [L.Conv1D(4, 20)], lambda L: [L.Conv1D(4, 3, data_format="channels_first")],
    lambda L: [L.Conv1D(4, 3, groups=2)], lambda L: [L.Conv1D(4, 5, dilation_rate=4)],
    lambda L: [L.Conv1D(4, 9), L.Conv1D(4, 9)], lambda L: [L.Cropping1D((10, 10))],
    lambda L: [L.Dense(4), L.Conv1D(2, 3)],
])
def test_the_example_of_a_build_error_builds_every_layer(stack):
    """Found by a fresh tester: the example shape failed for a kernel longer than 16 steps, channels_first, groups,
    dilation, a second convolution, cropping and a Dense before a Conv1D. Whatever the stack, the example in the
    error builds the model and runs it."""
    model = Sequential(stack(tg.layers))
    with pytest.raises(TypeError, match=r"e\.g\. \(None") as error:
        model.build("16")
    example = tuple(None if n == "None" else int(n) for n in re.search(r"e\.g\. \(([^)]*)\)", str(error.value))
                    .group(1).split(", "))
    model.build(example)
    assert model(np.ones((2, *example[1:]), np.float32)).shape[0] == 2


def test_a_dict_given_to_a_single_input_model_says_where_dicts_go():
    model = Sequential([Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match=r"argument `x`: .* received a dict with keys \['x'\]\. A dict of arrays, one "
                                         r"per named Input layer, is taken by functional models"):
        model.fit({"x": np.ones((4, 3))}, np.ones((4, 1)), verbose=0)


def test_train_on_batch_and_test_on_batch_by_hand():
    """Keras 3's hand-written-loop methods. By hand: kernel of ones, zero bias, SGD 0.1, MSE. Batch 1 predicts
    [3, 7] for [1, 2]: loss (4 + 25) / 2 = 14.5, MAE 3.5, gradients [17, 24] and 7, so the kernel becomes
    [-0.7, -1.4] and the bias -0.7. Batch 2 then predicts [-2.1, -1.4] for [0, 5]: loss (4.41 + 40.96) / 2 = 22.685
    and MAE 4.25 (this batch only: the metrics do not accumulate across calls, as in Keras 3)."""
    model = Sequential([Dense(1, kernel_initializer="ones")])
    model.compile(optimizer=SGD(0.1), loss="mse", metrics=["mae"])
    x1, y1 = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.0], [2.0]])
    x2, y2 = np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([[0.0], [5.0]])
    np.testing.assert_allclose(model.train_on_batch(x1, y1), [14.5, 3.5], rtol=1e-6)
    np.testing.assert_allclose(model.get_weights()[0].ravel(), [-0.7, -1.4], rtol=1e-6)
    before = [w.copy() for w in model.get_weights()]
    logs = model.test_on_batch(x2, y2, return_dict=True)
    assert list(logs) == ["loss", "mae"]
    np.testing.assert_allclose([logs["loss"], logs["mae"]], [22.685, 4.25], rtol=1e-5)
    for old, now in zip(before, model.get_weights()):              # test_on_batch leaves the weights
        np.testing.assert_array_equal(old, now)
    np.testing.assert_allclose(model.train_on_batch(x2, y2), [22.685, 4.25], rtol=1e-5)
    plain = Sequential([Dense(1)])
    plain.compile(optimizer="sgd", loss="mse")
    assert isinstance(plain.train_on_batch(x1, y1), float)        # the loss alone, as Keras
    with pytest.raises(ValueError, match="train_on_batch"):
        plain.train_on_batch(x1)


@pytest.mark.parametrize("kind", ["binary", "one_hot", "sparse"])
def test_fit_class_weight_as_keras(kind):
    """Found by a Keras user: fit(class_weight=...) was a TypeError. Keras 3 weights each training sample by its
    class (the rounded label, or the arg-max of a one-hot row; 1 for a class not listed), not the validation data.
    Checked by hand (the weighted first step of SGD) and against Keras 3 over three epochs with a validation split."""
    from helpers import keras_on_torch

    rng = np.random.default_rng(0)
    x = rng.normal(size=(12, 3)).astype("float32")
    labels = rng.integers(0, 3 if kind != "binary" else 2, 12)
    units, activation, loss, y = {
        "binary": (1, "sigmoid", "binary_crossentropy", labels[:, None].astype("float32")),
        "one_hot": (3, "softmax", "categorical_crossentropy", np.eye(3, dtype="float32")[labels]),
        "sparse": (3, "softmax", "sparse_categorical_crossentropy", labels)}[kind]
    weights = [np.full((3, units), 0.1, "float32"), np.zeros(units, "float32")]
    class_weight = {0: 1.0, 1: 3.0}

    def train(lib, epochs, **kwargs):
        a = lib.layers.Input((3,))
        model = lib.Model(a, lib.layers.Dense(units, activation=activation)(a))
        model.set_weights(weights)
        model.compile(lib.optimizers.SGD(0.1), loss)
        history = model.fit(x, y, epochs=epochs, batch_size=12, shuffle=False, class_weight=class_weight,
                            verbose=0, **kwargs)
        return model, history.history

    ours_lib = type("Ours", (), {"layers": layers, "Model": models.Model, "optimizers": tg.optimizers})
    model, _ = train(ours_lib, 1)
    # by hand: one step on the whole batch with the loss sum_i w_i l_i / n (Keras' sum_over_batch_size)
    w_per_sample = np.array([class_weight.get(int(c), 1.0) for c in labels])
    onehot = np.eye(units if units > 1 else 2)[labels]
    z = x @ weights[0].astype(np.float64)
    if kind == "binary":
        p = 1 / (1 + np.exp(-z))
        dz = (p - labels[:, None]) * w_per_sample[:, None] / 12
    else:
        p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
        dz = (p - onehot) * w_per_sample[:, None] / 12
    np.testing.assert_allclose(model.get_weights()[0], weights[0] - 0.1 * x.T @ dz, rtol=1e-5, atol=1e-7)
    keras = keras_on_torch("Keras 3 is the reference for class_weight")
    _, theirs = train(keras, 3, validation_split=0.25)
    _, ours = train(ours_lib, 3, validation_split=0.25)
    assert sorted(ours) == sorted(theirs)
    for key in theirs:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-5)


def test_fit_class_weight_errors_as_keras():
    model = models.Sequential([layers.Input((2,)), layers.Dense(1)])
    model.compile("sgd", "mse")
    x, y = np.ones((4, 2)), np.ones((4, 1))
    with pytest.raises(ValueError, match="You cannot `class_weight` and `sample_weight` at the same time"):
        model.fit(x, y, class_weight={0: 1.0}, sample_weight=np.ones(4), verbose=0)
    with pytest.raises(TypeError, match="Expected a dict {class index: weight}"):
        model.fit(x, y, class_weight=[1.0, 2.0], verbose=0)
    # one integer label per time step (found by a Keras user: weighted by the position of the largest label)
    steps = models.Sequential([layers.Input((6, 2)), layers.Conv1D(3, 1, activation="softmax")])
    steps.compile("sgd", "sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match=r"targets of shape \(4, 6\) are not one-hot rows"):
        steps.fit(np.ones((4, 6, 2)), np.array([[0, 1, 2, 0, 1, 2]] * 4), class_weight={0: 1.0, 2: 3.0}, verbose=0)
    a = layers.Input((2,))
    two = models.Model(a, [layers.Dense(1)(a), layers.Dense(1)(a)])
    two.compile("sgd", "mse")
    with pytest.raises(ValueError, match="`class_weight` is only supported for Models with a single output"):
        two.fit(x, [y, y], class_weight={0: 1.0}, verbose=0)


def test_logs_dicts_have_keys_in_sorted_order_as_keras():
    """Keras 3 sorts the keys of every logs dict (``pythonify_logs``): ``evaluate(return_dict=True)``,
    ``History.history`` and the logs each callback receives have ``['accuracy', 'loss', 'mae', ...]``, while the
    lists follow ``metrics_names`` (``['loss', 'mae', 'accuracy']``). Ours kept the compile order in the dicts."""
    keras = keras_on_torch("Keras 3 is the reference for the order of the logs' keys")
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(8, 3)).astype("float32"), (rng.random((8, 1)) > 0.5).astype("float32")
    seen = {}
    for name, lib_models, lib_layers, lib_callbacks in ((
            "keras", keras, keras.layers, keras.callbacks), ("ours", models, layers, tg.callbacks)):
        class Record(lib_callbacks.Callback):
            def on_epoch_end(self, epoch, logs=None, _name=name):
                seen[_name, "epoch"] = list(logs)

            def on_train_batch_end(self, batch, logs=None, _name=name):
                seen[_name, "batch"] = list(logs)

        model = lib_models.Sequential([lib_layers.Input((3,)), lib_layers.Dense(1, activation="sigmoid")])
        model.compile("sgd", loss="mse", metrics=["mse", "mae", "accuracy"])
        history = model.fit(x, y, validation_data=(x, y), batch_size=4, epochs=1, verbose=0, callbacks=[Record()])
        seen[name, "history"] = list(history.history)
        seen[name, "return_dict"] = list(model.evaluate(x, y, verbose=0, return_dict=True))
        seen[name, "names"] = model.metrics_names
    for what in ("epoch", "batch", "history", "return_dict"):   # (Keras' metrics_names: ['loss', 'compile_metrics'])
        assert seen["ours", what] == seen["keras", what], what
    assert seen["ours", "return_dict"] == ["accuracy", "loss", "mae", "mse"]
    assert seen["ours", "names"] == ["loss", "mse", "mae", "accuracy"]


def _stacked_on_a_model(lib, functional):
    """``Sequential([base, Conv1D(1, 2)])`` with ``base`` a model that starts with an ``Input`` (in ``lib``: ours
    or Keras')."""
    if functional:
        inputs = lib.layers.Input((6, 2))
        base = lib.models.Model(inputs, lib.layers.Conv1D(3, 2)(inputs))
    else:
        base = lib.models.Sequential([lib.layers.Input((6, 2)), lib.layers.Conv1D(3, 2)])
    return lib.models.Sequential([base, lib.layers.Conv1D(1, 2)])


def _stacked_without_an_input(lib, variant, x):
    """``Sequential([first, Dense(1)])`` in ``lib`` (ours or Keras'), where ``first`` has no ``Input``: a Sequential
    built by a call on ``x`` or by ``build``, or never built, one inside another, added with ``add``, a subclassed
    model or a ``Dense`` built by a call."""
    def dense(units):
        return lib.layers.Dense(units, kernel_initializer="ones", bias_initializer="zeros")

    def called(layer):
        layer(x)
        return layer

    if variant == "subclassed":
        class Twice(lib.models.Model):
            def __init__(self, **kwargs):
                super().__init__(**kwargs)
                self.dense = dense(4)

            def call(self, inputs):
                return self.dense(inputs) * 2.0

        first = called(Twice())
    elif variant == "dense called":
        first = called(dense(4))
    else:
        first = lib.models.Sequential([dense(4)])
        if variant in ("called", "added", "two levels"):
            called(first)
        elif variant == "built":
            first.build((None, x.shape[1]))
    if variant == "two levels":
        first = lib.models.Sequential([first, dense(2)])
    if variant == "added":
        model = lib.models.Sequential()
        model.add(first)
        model.add(dense(1))
        return model
    return lib.models.Sequential([first, dense(1)])


@pytest.mark.parametrize("variant", ["called", "built", "added", "two levels", "never built", "subclassed",
                                     "dense called"])
def test_a_sequential_on_a_model_without_an_input_is_built_and_loads_when_keras_builds_it(tmp_path, variant):
    """A Sequential whose first layer is a model *without* an ``Input`` (found by a tester: ``load_weights`` into a
    freshly made one failed with ".npz: unexpected keys" or ".weights.h5: expected 0 variables"). Keras 3 builds it
    at construction when that model has an ``input_shape`` (a Sequential built by a call or by ``build``) and another
    layer follows; not for a subclassed model or a plain layer, even built, nor for a Sequential never built. Ours
    is built in the same cases, loads Keras' own ``.weights.h5`` and our ``.npz`` into a fresh one where Keras is
    built, and raises Keras' ``ValueError`` (a model not built yet) where Keras does, before reading the file."""
    keras = keras_on_torch("Keras 3 is the reference for when a Sequential is built")
    pytest.importorskip("h5py", reason=".weights.h5 files are HDF5")
    x = np.random.default_rng(1).standard_normal((2, 3)).astype(np.float32)
    theirs, ours = _stacked_without_an_input(keras, variant, x), _stacked_without_an_input(tg, variant, x)
    assert ours.built == theirs.built == (variant in ("called", "built", "added", "two levels"))
    source = _stacked_without_an_input(keras, variant, x)
    source(x)
    source.set_weights([w + 0.5 for w in source.get_weights()])
    source.save_weights(tmp_path / "k.weights.h5")
    if not theirs.built:
        for model in (theirs, ours):
            with pytest.raises(ValueError, match="You are loading weights into a model that has not yet been built"):
                model.load_weights(tmp_path / "k.weights.h5")
        with pytest.raises(ValueError, match=r"not yet been built \(model '.*'\)\. Try building the model first"):
            ours.load_weights(tmp_path / "missing.npz")       # before the file is read, as in Keras
        theirs(x)
        ours(x)
    theirs.load_weights(tmp_path / "k.weights.h5")
    if variant == "subclassed":     # our .weights.h5 files are for Sequential and functional models only
        ours.set_weights([np.asarray(keras.ops.convert_to_numpy(w)) for w in source.get_weights()])
    else:
        ours.load_weights(tmp_path / "k.weights.h5")
    expected = keras.ops.convert_to_numpy(source(x))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(theirs(x)), expected, rtol=1e-6)
    np.testing.assert_allclose(ours(x).numpy(), expected, rtol=1e-5, atol=1e-6)
    ours.save_weights(tmp_path / "ours.npz")
    fresh = _stacked_without_an_input(tg, variant, x)
    if not fresh.built:
        fresh(x)
    fresh.load_weights(tmp_path / "ours.npz")
    np.testing.assert_array_equal(fresh(x).numpy(), ours(x).numpy())


def test_loading_into_a_sequential_whose_first_layer_alone_is_built_says_why():
    """The not-built error of a Sequential whose first layer is built says when a Sequential is built (as Keras)."""
    first = Dense(2)
    first(np.ones((1, 3)))
    with pytest.raises(ValueError, match=r"Its first layer '.*' \(Dense\) is built, but a Sequential is built when it "
                                         r"is made only if it starts with layers\.Input"):
        Sequential([first, Dense(1)]).load_weights("w.npz")


@pytest.mark.parametrize("functional", [False, True])
def test_a_sequential_whose_first_layer_is_a_model_with_an_input_is_built_at_once(tmp_path, functional):
    """As Keras builds it; ours stayed unbuilt, so ``load_weights`` into a freshly made one failed ("unexpected
    keys", "expected 0 variables"; found by a tester). Checked against Keras: built at once, and Keras' own
    ``.weights.h5`` of it loads into a fresh one of ours, with Keras' predictions."""
    keras = keras_on_torch("Keras 3 is the reference for when a Sequential is built")
    pytest.importorskip("h5py", reason=".weights.h5 files are HDF5")
    theirs = _stacked_on_a_model(keras, functional)
    ours = _stacked_on_a_model(tg, functional)
    assert theirs.built and ours.built and ours.output_shape == tuple(theirs.output_shape)
    theirs.save_weights(tmp_path / "k.weights.h5")
    ours.load_weights(tmp_path / "k.weights.h5")
    x = np.random.default_rng(0).standard_normal((2, 6, 2)).astype(np.float32)
    np.testing.assert_allclose(ours(x).numpy(), keras.ops.convert_to_numpy(theirs(x)), rtol=1e-5, atol=1e-6)
    ours.save_weights(tmp_path / "ours.npz")
    fresh = _stacked_on_a_model(tg, functional)
    fresh.load_weights(tmp_path / "ours.npz")
    np.testing.assert_array_equal(fresh(x).numpy(), ours(x).numpy())


# ------------------------------------------------------------ Keras' per-output compile forms, for one output
def _one_output_pair(keras, seed=0):
    """A Sequential with an L2-regularized Dense named ``out``, ours and Keras', with the same weights."""
    rng = np.random.default_rng(seed)
    weights = [rng.normal(size=(3, 1)).astype("float32"), np.array([0.2], "float32")]
    ours = Sequential([layers.Input((3,)), Dense(1, kernel_regularizer="l2", name="out")])
    theirs = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, kernel_regularizer="l2", name="out")])
    for model in (ours, theirs):
        model.set_weights(weights)
    return ours, theirs


@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")  # inside Keras
@pytest.mark.parametrize("arguments", [
    {"loss_weights": 2.5}, {"loss_weights": [2.5]}, {"loss_weights": {"out": 2.5}},
    {"metrics": [["mae"]]}, {"metrics": {"out": ["mae", "mse"]}}, {"metrics": {"out": "mae"}},
    {"metrics": [["mae", "mse"]], "loss_weights": 0.5}, {"weighted_metrics": [["mae"]]},
    {"weighted_metrics": {"out": ["mae"]}}, {"metrics": {"out": [["mae"]]}}, {"loss": ["mse"]}, {"loss": [["mse"]]}])
def test_sequential_takes_keras_per_output_compile_forms_for_its_one_output(arguments):
    """Found by a tester: ``Sequential.compile`` refused ``loss_weights`` (functional models only), and
    ``metrics=[["mae"]]`` and ``metrics={"out": [...]}``. Keras 3 takes them all for its one output: the loss is
    multiplied by the weight (the regularization penalty is not), the metrics are reported by their own names. The
    ``fit`` history and ``evaluate`` logs, with sample weights, are Keras'."""
    keras = _keras()
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(10, 3)).astype("float32"), rng.normal(size=(10, 1)).astype("float32")
    sw = rng.uniform(0.1, 2.0, size=10).astype("float32")
    arguments = {"loss": "mse", **arguments}
    ours, theirs = _one_output_pair(keras)
    ours.compile(SGD(0.05), **arguments)
    theirs.compile(keras.optimizers.SGD(0.05), **arguments)
    got = ours.fit(x, y, batch_size=4, epochs=2, shuffle=False, sample_weight=sw, verbose=0).history
    expected = theirs.fit(x, y, batch_size=4, epochs=2, shuffle=False, sample_weight=sw, verbose=0).history
    assert sorted(got) == sorted(expected)
    for name in expected:
        np.testing.assert_allclose(got[name], expected[name], rtol=1e-5, err_msg=name)
    got = ours.evaluate(x, y, sample_weight=sw, return_dict=True)
    expected = theirs.evaluate(x, y, sample_weight=sw, return_dict=True, verbose=0)
    assert sorted(got) == sorted(expected)
    for name in expected:
        np.testing.assert_allclose(got[name], expected[name], rtol=1e-5, err_msg=name)


def test_loss_weights_multiply_the_loss_not_the_penalties_by_hand(tmp_path):
    """``loss_weights * mse + l2 penalty``, computed by hand; kept through save, load_model and clone_model."""
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(6, 3)).astype("float32"), rng.normal(size=(6, 1)).astype("float32")
    kernel, bias = rng.normal(size=(3, 1)).astype("float32"), np.array([0.3], "float32")
    model = Sequential([layers.Input((3,)), Dense(1, kernel_regularizer="l2", name="out")])
    model.set_weights([kernel, bias])
    model.compile("sgd", "mse", loss_weights={"out": 3.0})
    expected = 3.0 * np.mean((x @ kernel + bias - y) ** 2) + 0.01 * np.sum(kernel ** 2)
    np.testing.assert_allclose(model.evaluate(x, y), expected, rtol=1e-5)
    model.save(tmp_path / "m.npz")
    np.testing.assert_allclose(models.load_model(tmp_path / "m.npz").evaluate(x, y), expected, rtol=1e-5)
    clone = models.clone_model(model)           # compiled as the model was, loss_weights too
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(clone.evaluate(x, y), expected, rtol=1e-5)


@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")  # inside Keras
def test_one_output_compile_forms_that_describe_other_outputs_are_refused():
    """What Keras refuses, ours refuses with its error class: several weights (Keras on the first batch, "must match
    the number of losses"), a string weight. Where Keras passes a structure that does not describe the one output
    (a key other than its name, a list of several lists: Keras ignores keys and nesting for one output), ours raises
    a ValueError in ``compile`` naming the argument and the value. (A dict of losses, which Keras takes in compile and
    fails on in ``fit``: tests/test_compile_keras_s47_f4.py.)"""
    keras = _keras()
    x, y = np.ones((4, 3), "float32"), np.ones((4, 1), "float32")
    _, theirs = _one_output_pair(keras)
    theirs.compile("sgd", "mse", loss_weights=[1.0, 2.0])
    with pytest.raises(ValueError, match="must match the number of losses"):
        theirs.fit(x, y, verbose=0)
    with pytest.raises(ValueError, match="loss_weights"):
        theirs.compile("sgd", "mse", loss_weights="a")
    theirs.compile("sgd", loss={"out": "mse"})
    with pytest.raises(TypeError):
        theirs.fit(x, y, verbose=0)
    ours, _ = _one_output_pair(keras)
    cases = [
        ({"loss_weights": [1.0, 2.0]}, r"`loss_weights` must match the number of losses, got 1 losses and 2 weights"),
        ({"loss_weights": "a"}, r"`loss_weights`: expected a number .* Received loss_weights='a'"),
        ({"loss_weights": {"other": 2.0}}, (r"`loss_weights`: .* takes the output's name, 'out'\. Received keys "
                                            r"\['other'\]")),
        ({"metrics": {"out": ["mae"], "b": ["mse"]}}, r"`metrics`: .*'out'\. Received keys \['out', 'b'\]"),
        ({"weighted_metrics": [["mae"], ["mse"]]}, (r"`weighted_metrics`: .* holds one list.* Received 2 entries.*"
                                                    r"weighted_metrics=\['mae', 'mse'\]")),
        ({"loss": ["mse", "mae"]}, r"`loss`: .* takes one loss\. Received a list of 2: loss=\['mse', 'mae'\]"),
    ]
    for arguments, message in cases:
        with pytest.raises(ValueError, match=message):
            ours.compile("sgd", **{"loss": "mse", **arguments})


@pytest.mark.parametrize("shape", [(5,), (None, 6), (3, 5), (None, 5)])
def test_building_a_sequential_that_has_an_input_with_another_shape_is_refused_as_keras(shape):
    """Found by a fresh tester: ``Sequential([Input((5,)), Dense(1)]).build((5,))`` said "found ndim=1" with no word
    of the Input; Keras refuses any other shape with its own message, and takes the configured one."""
    keras = keras_on_torch("Keras 3 is the reference for building a Sequential configured by an Input")
    theirs = keras.Sequential([keras.Input((5,)), keras.layers.Dense(1)], name="seq")
    ours = Sequential([tg.layers.Input((5,)), Dense(1)], name="seq")
    try:
        theirs.build(shape)
    except ValueError as error:
        with pytest.raises(ValueError) as ours_error:
            ours.build(shape)
        assert str(ours_error.value) == str(error)
    else:
        ours.build(shape)
        assert ours.built


def test_building_with_an_empty_shape_has_no_batch_axis_to_make_none():
    """Found by a fresh tester: ``build(())`` was read as ``(None,)``, so ``[Flatten(), Dense(1)]`` built with a
    ``(1, 1)`` kernel; Keras refuses it in Flatten ("expected min_ndim=1, found ndim=0"), and so do we."""
    keras = keras_on_torch("Keras 3 is the reference for build(())")
    with pytest.raises(ValueError, match="min_ndim=1, found ndim=0"):
        keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(1)]).build(())
    model = Sequential([tg.layers.Flatten(), Dense(1)])
    with pytest.raises(ValueError, match=r"Flatten needs inputs with a batch axis; received the shape \(\)"):
        model.build(())
    assert not model.built


def test_building_a_sequential_without_layers_is_keras_value_error():
    """A tester found ``Sequential([]).build((None, 3))`` succeeding; Keras 3 refuses it with this message."""
    keras = keras_on_torch("Keras 3 is the reference for this message")
    with pytest.raises(ValueError) as theirs:
        keras.Sequential([], name="empty").build((None, 3))
    with pytest.raises(ValueError) as ours:
        tg.models.Sequential([], name="empty").build((None, 3))
    assert str(ours.value) == str(theirs.value)


class _Doubled(Layer):
    """A layer without ``compute_output_shape``: ``Sequential.build`` runs it on zeros to learn its shape."""

    def call(self, inputs):
        return inputs * 2.0


@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")  # inside Keras
@pytest.mark.parametrize("shape, stack", [
    ((2, 3), lambda L: [L.Dense(4, name="d1"), L.Dense(1, name="d2")]),
    ((5, 3, 4), lambda L: [L.Flatten(name="flat"), L.Dense(2, name="d")]),
    ((None, 3), lambda L: [L.Dense(4, name="d1")]),
    ((2, 3), lambda L: [L.Dense(4, name="d1"), _Doubled(name="twice")] if L is layers else
        [L.Dense(4, name="d1"), L.Lambda(lambda x: x * 2.0, name="twice")]),
])
def test_sequential_build_keeps_the_batch_size_as_keras(shape, stack):
    """Found by a tester: after ``build((2, 3))`` our ``output_shape`` read ``(None, 1)`` where Keras keeps 2. The
    model's input and output shapes, each layer's output shape in ``summary``, the config's ``build_input_shape``
    and ``inputs`` are compared with Keras'; data of another batch size still runs, as in Keras."""
    keras = keras_on_torch("Keras 3 is the reference for Sequential.build's shapes")
    theirs, ours = keras.Sequential(stack(keras.layers)), Sequential(stack(layers))
    theirs.build(shape)
    ours.build(shape)
    assert ours.input_shape == theirs.input_shape == shape
    assert ours.output_shape == theirs.output_shape
    if not any(isinstance(layer, _Doubled) for layer in ours.layers):     # (it has no compute_output_shape)
        assert ours.compute_output_shape(shape) == theirs.compute_output_shape(shape)
    assert [tuple(t.shape) for t in ours.inputs] == [tuple(t.shape) for t in theirs.inputs] == [shape]
    assert tuple(ours.get_config()["build_input_shape"]) == tuple(theirs.get_config()["build_input_shape"])
    lines = []
    ours.summary(print_fn=lines.append)
    assert [row[1] for row in _summary_rows(lines)] == [str(tuple(layer.output.shape)) for layer in theirs.layers]
    more = np.zeros((7,) + tuple(1 if d is None else d for d in shape[1:]), dtype="float32")
    assert ours(more).shape == tuple(theirs(more).shape)
    lines = []
    ours.summary(print_fn=lines.append)       # a call does not change the shapes of the build (nor in Keras)
    assert [row[1] for row in _summary_rows(lines)] == [str(tuple(layer.output.shape)) for layer in theirs.layers]


@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")  # inside Keras
def test_sequential_inputs_as_keras():
    """Found by a tester: ``Sequential.inputs`` was missing. As in Keras 3: an ``AttributeError`` until the input
    shape is known, then a list of one symbolic tensor of the input's shape and dtype, the same object each time;
    the ``Input``'s own tensor when the model starts with one; usable to start a functional model."""
    keras = keras_on_torch("Keras 3 is the reference for Sequential.inputs")
    for lib in (keras, types.SimpleNamespace(layers=layers, Sequential=Sequential)):
        unbuilt = lib.Sequential([lib.layers.Dense(2)])
        assert not hasattr(unbuilt, "inputs")         # (an AttributeError)
    ids = layers.Input((3,), dtype="int32", name="ids")
    theirs_ids = keras.Input((3,), dtype="int32", name="ids")
    ours, theirs = Sequential([ids, Dense(2)]), keras.Sequential([theirs_ids, keras.layers.Dense(2)])
    assert ours.inputs[0] is ids and theirs.inputs[0] is theirs_ids
    assert ours.inputs[0] is ours.inputs[0]
    assert str(ours.inputs[0].dtype) == keras.backend.standardize_dtype(theirs.inputs[0].dtype) == "int32"
    called, theirs_called = Sequential([Dense(2)]), keras.Sequential([keras.layers.Dense(2)])
    called(np.zeros((5, 3), dtype="float32"))
    theirs_called(np.zeros((5, 3), dtype="float32"))
    assert len(called.inputs) == len(theirs_called.inputs) == 1
    assert called.inputs[0].shape[1:] == tuple(theirs_called.inputs[0].shape[1:]) == (3,)
    assert called.inputs[0].shape[0] == theirs_called.inputs[0].shape[0] == 5    # the first call's batch, as Keras
    built = Sequential([Dense(2, name="d")])
    built.build((None, 3))
    functional = models.Model(built.inputs, built.get_layer("d")(built.inputs[0]))
    x = np.arange(6.0, dtype="float32").reshape(2, 3)
    np.testing.assert_array_equal(functional.predict(x, verbose=0), built.predict(x, verbose=0))


@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")  # inside Keras
@pytest.mark.parametrize("how", ["build", "call"])
def test_adding_a_layer_to_a_built_sequential_builds_it_as_keras(how, tmp_path):
    """Found by a tester: a layer added after ``build`` (or a first call) stayed unbuilt, so the model's weights and
    its saved file left it out. As in Keras 3, the model is built again with the new layer: ``built``, the weights
    (shapes, count) and the output are Keras' for the same weights, and a saved file has all of them."""
    keras = keras_on_torch("Keras 3 is the reference for Sequential.add after build")
    x = np.random.default_rng(3).normal(size=(2, 3)).astype("float32")
    theirs, ours = keras.Sequential([keras.layers.Dense(4)]), Sequential([Dense(4)])
    for model in (theirs, ours):
        model.build((2, 3)) if how == "build" else model(x)
    theirs.add(keras.layers.Dense(5))
    ours.add(Dense(5))
    assert ours.built and theirs.built
    assert [w.shape for w in ours.get_weights()] == [tuple(w.shape) for w in theirs.get_weights()]
    assert ours.count_params() == theirs.count_params() == 3 * 4 + 4 + 4 * 5 + 5
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    path = tmp_path / "stack.weights.npz"
    ours.save_weights(path)
    again = Sequential([Dense(4), Dense(5)])
    again.build((None, 3))
    again.load_weights(path)                       # every weight is in the file
    np.testing.assert_allclose(again.predict(x, verbose=0), ours.predict(x, verbose=0), rtol=1e-6)


@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")  # inside Keras
def test_building_a_built_sequential_with_another_shape_is_refused_as_keras():
    """Found by a tester: ``build((2, 3))`` then ``build((4, 3))`` changed the model silently; Keras 3 refuses it
    with this message. The same shape again is fine in both."""
    keras = keras_on_torch("Keras 3 is the reference for building a Sequential twice")
    theirs, ours = keras.Sequential([keras.layers.Dense(4)]), Sequential([Dense(4)])
    for model in (theirs, ours):
        model.build((2, 3))
        model.build((2, 3))
    message = r"has already been configured to use input shape \(2, 3\)\. You cannot build it with input_shape \(4, 3\)"
    with pytest.raises(ValueError, match=message):
        theirs.build((4, 3))
    with pytest.raises(ValueError, match=message):
        ours.build((4, 3))
    assert ours.input_shape == (2, 3)


def test_a_known_class_with_a_bad_config_is_named_by_its_reason_not_as_unknown():
    """Found by a tester: a `.keras` file's Adam with `use_ema=True` (implemented since; here
    `gradient_accumulation_steps`, which is not), or a loss config with a stray key, warned
    "unknown optimizer {...}", the reason last; a class we know is now named with what is wrong in its config."""
    model = Sequential([layers.Input((3,)), layers.Dense(1)])
    with pytest.raises(ValueError, match=r"^Invalid value for argument `optimizer`: the optimizer Adam cannot be made "
                                         r"from this config: Argument `gradient_accumulation_steps` is not "
                                         r"supported"):
        model.compile(optimizer={"class_name": "Adam", "config": {"gradient_accumulation_steps": 4}}, loss="mse")
    with pytest.raises(ValueError, match=r"^Invalid value for argument `loss`: the loss MeanSquaredError cannot be "
                                         r"made from this config: .*bogus"):
        model.compile(optimizer="adam", loss={"class_name": "MeanSquaredError", "config": {"bogus": 1}})
    with pytest.raises(ValueError, match=r"unknown optimizer \{'class_name': 'Nope'"):
        model.compile(optimizer={"class_name": "Nope", "config": {}}, loss="mse")
