"""weights="model": channels whose derivatives cancel in the signed sum over channels must not be drawn as "no
dependence". ``absolute=True`` gives ``S[n, j] = sum over c, c' of |dy[n, c]/dx[j, c']|``, which the pictures draw.

References: float64 central differences of the model's own forward pass (each output channel apart, then
``|.|``), matrices written out by hand."""
import matplotlib
import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv import layers, models, viz

matplotlib.use("Agg")


def _cancelling(steps=4):
    """``y[n] = x[n, 0] - x[n, 1]``: the signed sum over channels is 0, yet y[n] depends on x[n]."""
    return models.Sequential([layers.Input((steps, 2)), layers.Lambda(lambda t: t[:, :, :1] - t[:, :, 1:2])])


def _abs_jacobian_by_differences(f, at, eps=1e-4):
    """``sum over c, c' of |dy[n, c]/dx[j, c']|`` by central differences of ``f`` (one sample -> (steps, channels)
    or (features,)), each pair of channels apart before the absolute value."""
    steps, channels = at.shape
    y = f(at)
    y = y.reshape(y.shape[0] if y.ndim > 1 else 1, -1)
    out = np.zeros((y.shape[0], steps))
    for j in range(steps):
        for c in range(channels):
            plus, minus = at.copy(), at.copy()
            plus[j, c] += eps
            minus[j, c] -= eps
            d = (f(plus) - f(minus)).reshape(y.shape) / (2 * eps)     # (n, c_out)
            out[:, j] += np.abs(d).sum(axis=1)
    return out


def test_a_cancelling_lambda_is_drawn_as_dependent():
    model = _cancelling()
    signed = viz.model_connectivity_matrix(model, 4, weights="model")
    np.testing.assert_array_equal(signed, np.zeros((4, 4)))                # its documented meaning is kept
    size = viz.model_connectivity_matrix(model, 4, weights="model", absolute=True)
    np.testing.assert_array_equal(size, 2 * np.eye(4))                     # |+1| + |-1| on the diagonal, by hand
    fig = viz.plot_model_connectivity(model, 4, weights="model")
    np.testing.assert_array_equal(fig.path_matrix, signed)
    np.testing.assert_array_equal(fig.dependence, 2 * np.eye(4))
    (image,) = fig.axes[0].get_images()
    drawn = image.get_array()
    # white (masked) exactly off the diagonal; the diagonal coloured
    np.testing.assert_array_equal(np.ma.getmaskarray(drawn), ~np.eye(4, dtype=bool))
    assert "no channel depends" in fig.axes[1].get_ylabel()
    assert "cancel" in fig.axes[0].get_title()
    ax = viz.plot_receptive_field(model, 4, 2, weights="model")
    assert ax.get_title().startswith("output step 2 depends on 1 input step (2)")
    np.testing.assert_array_equal(ax.dependence, [0.0, 0.0, 2.0, 0.0])
    (circle,) = [line for line in ax.get_lines() if line.get_marker() == "o"]
    np.testing.assert_array_equal(circle.get_xdata(), [2])
    matplotlib.pyplot.close("all")


def test_a_causal_lstm_keeps_an_exactly_white_upper_triangle():
    tg.random.set_seed(0)
    model = models.Sequential([layers.Input((6, 2)), layers.LSTM(3, return_sequences=True)])
    at = np.random.default_rng(0).normal(size=(6, 2))
    size = viz.model_connectivity_matrix(model, 6, weights="model", at=at, absolute=True)
    upper = np.triu(np.ones((6, 6), dtype=bool), 1)
    assert np.all(size[upper] == 0.0) and np.all(size[~upper] > 0), size
    fig = viz.plot_model_connectivity(model, 6, weights="model", at=at)
    (image,) = fig.axes[0].get_images()
    np.testing.assert_array_equal(np.ma.getmaskarray(image.get_array()), upper)
    assert "lower triangle" in fig.axes[0].get_title()
    matplotlib.pyplot.close(fig)


@pytest.mark.parametrize("case", ["conv", "lambda", "vector", "channels_first"])
def test_absolute_against_float64_central_differences(case):
    tg.random.set_seed(5)
    steps = 5
    if case == "conv":          # samples apart: one batched pass; several channels in and out
        model = models.Sequential([layers.Input((steps, 2), dtype="float64"),
                                   layers.Conv1D(3, 3, padding="same", activation="tanh", dtype="float64"),
                                   layers.Conv1DTranspose(2, 4, strides=2, padding="same", dtype="float64")])
    elif case == "lambda":      # might mix the samples: one pass per output step and channel
        model = models.Sequential([layers.Input((steps, 2), dtype="float64"),
                                   layers.Conv1D(3, 2, padding="causal", dtype="float64"),
                                   layers.Lambda(lambda t: t[:, :, :2] * t[:, :, 1:], dtype="float64")])
    elif case == "vector":      # one output vector (features,): one output step
        model = models.Sequential([layers.Input((steps, 2), dtype="float64"),
                                   layers.LSTM(3, dtype="float64")])
    else:                       # (batch, channels, steps)
        model = models.Sequential([layers.Input((2, steps), dtype="float64"),
                                   layers.Conv1D(3, 3, data_format="channels_first", activation="tanh",
                                                 dtype="float64")])
    at = np.random.default_rng(2).normal(size=(steps, 2))
    got = viz.model_connectivity_matrix(model, steps, weights="model", at=at, absolute=True)

    def f(x):                   # one sample (steps, channels) -> its output, channels last
        x = x.T if case == "channels_first" else x
        y = np.asarray(model(tg.tensor(x[None], dtype="float64"), training=False).numpy(), dtype=np.float64)[0]
        return y.T if case == "channels_first" else y

    np.testing.assert_allclose(got, _abs_jacobian_by_differences(f, at), rtol=1e-6, atol=1e-8)


def test_absolute_must_be_a_bool():
    with pytest.raises(TypeError, match=r"`absolute`.*Received absolute='yes'"):
        viz.model_connectivity_matrix(_cancelling(), 4, weights="model", absolute="yes")


def test_absolute_on_the_array_api_strict_backend():
    """The per-channel seeds run on the model's own backend: the same S on array_api_strict as float64 central
    differences of the model on NumPy."""
    pytest.importorskip("array_api_strict", reason="the array-api-strict backend is the second backend here")
    tg.random.set_seed(1)
    model = models.Sequential([layers.Input((5, 2), dtype="float64"),
                               layers.Conv1D(3, 2, activation="tanh", dtype="float64")])
    at = np.random.default_rng(3).normal(size=(5, 2))

    def f(x):
        return np.asarray(model(tg.tensor(x[None], dtype="float64"), training=False).numpy(), dtype=np.float64)[0]

    expected = _abs_jacobian_by_differences(f, at)
    model.to("array_api_strict")
    got = viz.model_connectivity_matrix(model, 5, weights="model", at=at, absolute=True)
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-8)
    assert all(w.backend.name == "array_api_strict" and w.grad is None for w in model.weights)
