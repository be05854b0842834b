"""Connectivity of the layers whose pattern no setting fixes (SimpleRNN, LSTM, GRU, Lambda, TimeDistributed), drawn
with ``weights="model"``: the Jacobian of the model at a point, by our autograd.

References: torch.autograd.functional.jacobian through Keras 3.15's own layers on its torch backend (the same
weights), float64 central differences, and matrices written out by hand."""
import time

import numpy as np
import pytest
from helpers import keras_on_torch

import tinygradconv as tg
from tinygradconv import layers, models, viz
from tinygradconv.viz import model_connectivity as mc

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")   # inside Keras


def _keras_pair(keras, name, units, steps, channels, rng, **kwargs):
    """Keras' layer and a Sequential of ours with the same random weights, both for ``(steps, channels)``."""
    theirs = getattr(keras.layers, name)(units, **kwargs)
    theirs.build((None, steps, channels))
    weights = [rng.normal(scale=0.6, size=w.shape).astype("float32") for w in theirs.get_weights()]
    theirs.set_weights(weights)
    ours = models.Sequential([layers.Input((steps, channels)), getattr(layers, name)(units, **kwargs)])
    ours.layers[0].set_weights(weights)
    return theirs, ours


def _keras_jacobian(theirs, at):
    """``J[n, j] = sum over c, c' of dy[n, c]/dx[j, c']`` of Keras' layer at ``at``, by torch's autograd."""
    import torch

    x = torch.tensor(at[None], dtype=torch.float32)
    full = torch.autograd.functional.jacobian(lambda t: theirs(t), x).numpy().astype(np.float64)
    if full.ndim == 5:                                   # (1, units, 1, steps, channels): one output step
        return full.sum(axis=(0, 1, 2, 4))[None]
    return full[0, :, :, 0].sum(axis=(1, 3))             # (steps, units, steps, channels)


@pytest.mark.parametrize("name", ["SimpleRNN", "LSTM", "GRU"])
@pytest.mark.parametrize("go_backwards", [False, True])
def test_a_recurrent_layer_s_jacobian_is_torch_autograd_s_through_keras(name, go_backwards):
    keras = keras_on_torch("torch autograd through Keras 3.15's recurrent layers")
    rng = np.random.default_rng(0)
    steps = 6
    theirs, ours = _keras_pair(keras, name, 4, steps, 3, rng, return_sequences=True, go_backwards=go_backwards)
    at = rng.normal(size=(steps, 3))
    got = viz.model_connectivity_matrix(ours, steps, weights="model", at=at)
    expected = _keras_jacobian(theirs, at)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-6)
    # causal: output step n depends on input steps 0 to n; go_backwards reads last to first and returns its outputs
    # in that order (Keras): output step n depends on the last n + 1 input steps. Off that pattern: exactly zero
    reach = np.tril(np.ones((steps, steps), dtype=bool))
    reach = reach[:, ::-1] if go_backwards else reach
    assert np.all(got[~reach] == 0.0), got
    assert np.all(got[reach] != 0.0), got
    assert np.all(np.abs(expected[~reach]) < 1e-7)      # Keras' torch graph agrees that they do not depend


@pytest.mark.parametrize("name", ["LSTM", "GRU"])
def test_a_recurrent_layer_without_return_sequences_is_one_output_step(name):
    keras = keras_on_torch("torch autograd through Keras 3.15's recurrent layers")
    rng = np.random.default_rng(1)
    theirs, ours = _keras_pair(keras, name, 3, 5, 2, rng)
    at = rng.normal(size=(5, 2))
    got = viz.model_connectivity_matrix(ours, 5, weights="model", at=at)
    assert got.shape == (1, 5)
    np.testing.assert_allclose(got, _keras_jacobian(theirs, at), rtol=1e-4, atol=1e-6)


def _central_differences(model, at, eps=1e-6):
    """``sum over channels`` of the float64 central differences of the model's forward pass."""
    def f(x):
        return np.asarray(model(tg.tensor(x[None], dtype="float64"), training=False).numpy(), np.float64)[0]

    out = f(at)
    expected = np.zeros((out.shape[0], at.shape[0]))
    for j in range(at.shape[0]):
        for c in range(at.shape[1]):
            plus, minus = at.copy(), at.copy()
            plus[j, c] += eps
            minus[j, c] -= eps
            expected[:, j] += (f(plus) - f(minus)).reshape(out.shape[0], -1).sum(axis=1) / (2 * eps)
    return expected


def test_a_float64_lstm_model_against_central_differences():
    tg.random.set_seed(5)
    model = models.Sequential([layers.Input((7, 2), dtype="float64"),
                               layers.Conv1D(3, 2, padding="causal", dtype="float64"),
                               layers.LSTM(4, return_sequences=True, dtype="float64"),
                               layers.Dense(2, dtype="float64")])
    at = np.random.default_rng(2).normal(size=(7, 2))
    got = viz.model_connectivity_matrix(model, 7, weights="model", at=at)
    np.testing.assert_allclose(got, _central_differences(model, at), rtol=1e-6, atol=1e-9)
    assert np.all(np.triu(got, 1) == 0.0)               # a causal convolution before the LSTM stays causal


def test_a_bidirectional_pair_connects_every_step():
    """A forward LSTM and a backward one whose outputs are put back in the steps' order (a Lambda), concatenated
    along the channels as a bidirectional layer: every output step depends on every input step; checked against
    central differences (float64), and each half against its own triangle."""
    tg.random.set_seed(6)
    x = layers.Input((6, 2), dtype="float64")
    forward = layers.LSTM(3, return_sequences=True, dtype="float64")(x)
    backward = layers.LSTM(3, return_sequences=True, go_backwards=True, dtype="float64")(x)
    back_in_order = layers.Lambda(lambda t: t[:, ::-1], dtype="float64")(backward)
    model = models.Model(x, layers.Concatenate(dtype="float64")([forward, back_in_order]))
    at = np.random.default_rng(3).normal(size=(6, 2))
    both = viz.model_connectivity_matrix(model, 6, weights="model", at=at)
    np.testing.assert_allclose(both, _central_differences(model, at), rtol=1e-6, atol=1e-9)
    assert np.all(both != 0.0)
    upper = viz.model_connectivity_matrix(models.Model(x, back_in_order), 6, weights="model", at=at)
    reach = np.triu(np.ones((6, 6), dtype=bool))                                     # steps n to the last
    assert np.all(upper[~reach] == 0.0) and np.all(upper[reach] != 0.0)


def test_a_lambda_that_mixes_the_samples_gets_one_pass_a_step():
    """``x - x.mean(axis=0)`` mixes the samples of a batch: on one sample it is zero, so its Jacobian is zero (by
    hand). A batch of copies, one per output step, would give 2 (1 - 1/5) on the diagonal (two channels) and
    -2/5 off it."""
    model = models.Sequential([layers.Input((5, 2)), layers.Lambda(lambda t: t - t.mean(axis=0))])
    np.testing.assert_array_equal(viz.model_connectivity_matrix(model, 5, weights="model"), np.zeros((5, 5)))


def test_one_pass_for_our_layers_one_a_step_for_a_layer_class_of_your_own(monkeypatch):
    class Doubled(layers.Layer):                         # a layer of the user's: not assumed to keep samples apart
        def call(self, inputs):
            return inputs * 2.0

    calls = []
    original = mc._jacobian_pass
    monkeypatch.setattr(mc, "_jacobian_pass", lambda *args: calls.append(len(args[2])) or original(*args))
    lstm = models.Sequential([layers.Input((6, 2)), layers.LSTM(3, return_sequences=True)])
    viz.model_connectivity_matrix(lstm, 6, weights="model")
    assert calls == [6]                                   # one batched pass: 6 samples, one per output step
    calls.clear()
    own = models.Sequential([layers.Input((4, 3)), Doubled()])
    np.testing.assert_array_equal(viz.model_connectivity_matrix(own, 4, weights="model"), 6.0 * np.eye(4))
    assert calls == [1, 1, 1, 1]


@pytest.mark.parametrize("kind, axis", [("Softmax", 0), ("Softmax", [0, 1]), ("Softmax", -3), ("Softmax", None),
                                        ("UnitNormalization", [0, 1]), ("UnitNormalization", 0)])
def test_a_layer_whose_axis_reaches_the_batch_gets_one_pass_a_step(kind, axis, monkeypatch):
    """A softmax or a norm over the batch axis mixes the samples of a batch of copies (Softmax(axis=0) gave -0.127
    on the diagonal where, on one sample, every output is 1 and the Jacobian is 0): one pass a step, the model's
    own Jacobian, against float64 central differences. Over the batch and the steps, on one sample: over the
    steps, every step reaching every step."""
    tg.random.set_seed(8)
    model = models.Sequential([layers.Input((4, 2), dtype="float64"), layers.Dense(3, dtype="float64"),
                               getattr(layers, kind)(axis=axis, dtype="float64")])
    at = np.random.default_rng(9).normal(size=(4, 2))
    calls = []
    original = mc._jacobian_pass
    monkeypatch.setattr(mc, "_jacobian_pass", lambda *args: calls.append(len(args[2])) or original(*args))
    got = viz.model_connectivity_matrix(model, 4, weights="model", at=at)
    assert calls == [1, 1, 1, 1]
    # UnitNormalization rounds its inverse norm to float32 (as Keras on torch): wider steps, a looser tolerance
    eps, tol = (1e-6, 1e-8) if kind == "Softmax" else (1e-3, 1e-4)
    np.testing.assert_allclose(got, _central_differences(model, at, eps), rtol=tol, atol=tol)


def test_a_softmax_or_norm_over_the_channels_keeps_one_batched_pass(monkeypatch):
    calls = []
    original = mc._jacobian_pass
    monkeypatch.setattr(mc, "_jacobian_pass", lambda *args: calls.append(len(args[2])) or original(*args))
    tg.random.set_seed(9)
    f64 = {"dtype": "float64"}
    model = models.Sequential([layers.Input((5, 2), **f64), layers.LSTM(3, return_sequences=True, **f64),
                               layers.Softmax(axis=-1, **f64), layers.UnitNormalization(axis=[1, 2], **f64),
                               layers.LayerNormalization(axis=-1, **f64)])
    at = np.random.default_rng(10).normal(size=(5, 2))
    got = viz.model_connectivity_matrix(model, 5, weights="model", at=at)
    assert calls == [5]
    np.testing.assert_allclose(got, _central_differences(model, at, 1e-3), rtol=1e-4, atol=1e-4)


def test_time_distributed_is_the_diagonal():
    """TimeDistributed(Conv1D(2, 3)) on (5 steps, 4, 3), all-ones kernel, no bias: each of its 2 positions x 2
    filters sums 3 taps x 3 channels of its own step, so J = (2 * 2 * 9) I = 36 I (by hand); TimeDistributed(Dense)
    on (steps, channels) the sum of the kernel on the diagonal."""
    model = models.Sequential([layers.Input((5, 4, 3)), layers.TimeDistributed(
        layers.Conv1D(2, 3, use_bias=False, kernel_initializer="ones"))])
    np.testing.assert_array_equal(viz.model_connectivity_matrix(model, 5, weights="model"), 36.0 * np.eye(5))
    dense = models.Sequential([layers.Input((4, 3)), layers.TimeDistributed(layers.Dense(2))])
    kernel = dense.layers[0].layer.kernel.numpy().astype(np.float64)
    np.testing.assert_allclose(viz.model_connectivity_matrix(dense, 4, weights="model"), kernel.sum() * np.eye(4),
                               rtol=1e-6)


def test_an_output_without_steps_is_one_step():
    """Conv1D(1, 3) with an all-ones kernel then GlobalAveragePooling1D on 6 steps: y = mean of the 4 window sums,
    so dy/dx[j] = (windows covering j) / 4 = [1, 2, 3, 3, 2, 1] / 4 (by hand). Was an IndexError."""
    model = models.Sequential([layers.Input((6, 1)), layers.Conv1D(1, 3, use_bias=False, kernel_initializer="ones"),
                               layers.GlobalAveragePooling1D()])
    np.testing.assert_array_equal(viz.model_connectivity_matrix(model, 6, weights="model"),
                                  [[0.25, 0.5, 0.75, 0.75, 0.5, 0.25]])


def test_the_path_counts_still_refuse_them_and_say_what_draws_them():
    model = models.Sequential([layers.Input((5, 1)), layers.GRU(2, return_sequences=True)])
    with pytest.raises(TypeError, match=r"state from step to step.*weights='model'.*plot_model_connectivity"):
        viz.model_connectivity_matrix(model, 5)
    with pytest.raises(TypeError, match=r"state from step to step"):
        viz.plot_model_connectivity(model, 5)


def test_weights_model_refuses_an_input_without_steps():
    model = models.Sequential([layers.Input((5,)), layers.Dense(3)])
    with pytest.raises(ValueError, match=r"`model`.*samples of shape \(5,\), which have no steps axis"):
        viz.model_connectivity_matrix(model, 5, weights="model")


def test_the_pictures_refuse_bad_weights_and_a_lone_at():
    model = models.Sequential([layers.Input((5, 1)), layers.LSTM(2, return_sequences=True)])
    with pytest.raises(ValueError, match=r"`weights`.*None.*'model'.*weights='kernel'"):
        viz.plot_model_connectivity(model, 5, weights="kernel")
    with pytest.raises(ValueError, match=r"`at`.*only with weights='model'"):
        viz.plot_receptive_field(models.Sequential([layers.Conv1D(1, 2)]), 5, 0, at=np.ones(5))
    with pytest.raises(ValueError, match=r"`input_length`.*at most 400"):
        viz.plot_model_connectivity(model, 401, weights="model")


@pytest.mark.parametrize("go_backwards", [False, True])
def test_the_picture_of_an_lstm_shows_its_triangle(tmp_path, go_backwards):
    model = models.Sequential([layers.Input((8, 2)), layers.LSTM(3, return_sequences=True,
                                                                 go_backwards=go_backwards)])
    at = np.random.default_rng(4).normal(size=(8, 2))
    fig = viz.plot_model_connectivity(model, 8, weights="model", at=at)
    jacobian = viz.model_connectivity_matrix(model, 8, weights="model", at=at)
    np.testing.assert_array_equal(fig.path_matrix, jacobian)
    (image,) = fig.axes[0].get_images()
    # white exactly where the Jacobian is exactly zero: the masked cells
    np.testing.assert_array_equal(np.ma.getmaskarray(image.get_array()), jacobian == 0)
    title = fig.axes[0].get_title().replace("\n", " ")
    assert ("the last n + 1 input steps" if go_backwards else "lower triangle: causal") in title
    assert "LSTM(3, return_sequences" in title and "log scale" in fig.axes[1].get_ylabel()
    fig.savefig(tmp_path / "lstm.png")
    assert (tmp_path / "lstm.png").read_bytes()[:4] == b"\x89PNG"


def test_a_64_step_lstm_model_draws_in_a_few_seconds():
    model = models.Sequential([layers.Input((64, 4)), layers.LSTM(16, return_sequences=True), layers.Dense(1)])
    viz.plot_model_connectivity(models.Sequential([layers.Input((4, 1)), layers.Dense(1)]), 4)   # matplotlib loaded
    start = time.perf_counter()
    fig = viz.plot_model_connectivity(model, 64, weights="model")
    assert time.perf_counter() - start < 10.0           # about 1 s here; generous for a loaded machine
    reach = np.tril(np.ones((64, 64), dtype=bool))
    assert np.all(fig.path_matrix[~reach] == 0.0) and np.all(fig.path_matrix[reach] != 0.0)


def test_the_receptive_field_of_an_output_step_with_the_model_s_weights():
    model = models.Sequential([layers.Input((6, 2)), layers.SimpleRNN(3, return_sequences=True)])
    at = np.random.default_rng(5).normal(size=(6, 2))
    ax = viz.plot_receptive_field(model, 6, 3, weights="model", at=at)
    row = viz.model_connectivity_matrix(model, 6, weights="model", at=at)[3]
    np.testing.assert_array_equal(ax.receptive_field, row)
    np.testing.assert_array_equal([p.get_height() for p in ax.patches], row)
    assert np.all(row[4:] == 0.0) and np.all(row[:4] != 0.0)
    assert ax.get_title().startswith("output step 3 depends on 4 input steps (0 to 3)")


def test_every_backend_gives_numpy_s_jacobian(backend):
    """The batched pass runs where the model's weights are (model.to): the same triangle, the same numbers."""
    tg.random.set_seed(7)
    model = models.Sequential([layers.Input((5, 2)), layers.GRU(3, return_sequences=True)])
    at = np.random.default_rng(6).normal(size=(5, 2))
    on_numpy = viz.model_connectivity_matrix(model, 5, weights="model", at=at)
    model.to(backend)
    got = viz.model_connectivity_matrix(model, 5, weights="model", at=at)
    np.testing.assert_allclose(got, on_numpy, rtol=1e-5, atol=1e-7)
    np.testing.assert_array_equal(got == 0, np.triu(np.ones((5, 5), dtype=bool), 1))


def test_the_batched_pass_runs_in_chunks_under_its_memory_budget(monkeypatch):
    """The copies' graph grows as steps**2 x units: with a budget of a quarter of what one pass of all the copies
    keeps, the output steps go in chunks, the peak memory (tracemalloc) well under the unchunked pass's, and the
    same Jacobian, which central differences (float64) confirm."""
    from helpers import peak_memory

    tg.random.set_seed(11)
    model = models.Sequential([layers.Input((48, 1), dtype="float64"),
                               layers.LSTM(8, return_sequences=True, dtype="float64")])
    at = np.random.default_rng(12).normal(size=(48, 1))
    whole, whole_peak = peak_memory(lambda: viz.model_connectivity_matrix(model, 48, weights="model", at=at))
    per_sample = mc._graph_bytes(model(tg.tensor(at[None], requires_grad=True)))
    monkeypatch.setattr(mc, "JACOBIAN_PASS_BYTES", 48 * per_sample // 2)      # 12 copies a pass
    calls = []
    original = mc._jacobian_pass
    monkeypatch.setattr(mc, "_jacobian_pass", lambda *args: calls.append(len(args[2])) or original(*args))
    chunked, chunked_peak = peak_memory(lambda: viz.model_connectivity_matrix(model, 48, weights="model", at=at))
    assert calls == [12, 12, 12, 12]
    assert chunked_peak < 0.5 * whole_peak, (chunked_peak, whole_peak)
    np.testing.assert_array_equal(chunked, whole)
    np.testing.assert_allclose(chunked, _central_differences(model, at), rtol=1e-6, atol=1e-9)


def _bar_labels(fig):
    fig.canvas.draw()
    bar = fig.axes[1]
    low, high = bar.get_ylim()
    return [t.get_text() for t in bar.get_yticklabels() if t.get_text() and low <= t.get_position()[1] <= high]


def test_the_colour_bar_and_the_step_ticks_read_the_values():
    """One value (a TimeDistributed(Dense) of all-ones kernel: J = 6 on the diagonal, by hand): a linear bar from 0
    labelled with that value (a log bar had one label, 10^0); an output of one step: one y tick, 0 (was -0.5, 0.0,
    0.5); integer step ticks within 0 to n - 1."""
    pytest.importorskip("matplotlib")
    dense = models.Sequential([layers.Input((5, 3)), layers.TimeDistributed(
        layers.Dense(2, use_bias=False, kernel_initializer="ones"))])
    fig = viz.plot_model_connectivity(dense, 5, weights="model")
    assert _bar_labels(fig) == ["0", "6"] and "linear scale" in fig.axes[1].get_ylabel()
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["0", "1", "2", "3", "4"]
    one = models.Sequential([layers.Input((12, 2)), layers.GRU(3)])
    fig = viz.plot_model_connectivity(one, 12, weights="model")
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["0"]
    assert len(_bar_labels(fig)) >= 2 and "log scale" in fig.axes[1].get_ylabel()
    # a Jacobian spanning less than a decade: a linear bar, several labels
    scaled = models.Sequential([layers.Input((4, 1)), layers.Conv1D(1, 2, padding="causal", use_bias=False,
                                                                    kernel_initializer="ones")])
    scaled.layers[0].set_weights([np.array([[[1.0]], [[2.0]]], np.float32)])        # entries 1 and 2
    fig = viz.plot_model_connectivity(scaled, 4, weights="model")
    assert len(_bar_labels(fig)) >= 3 and "linear scale" in fig.axes[1].get_ylabel()
