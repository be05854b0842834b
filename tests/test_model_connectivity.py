"""Model-level connectivity: the path matrix of a stack against the product of layer matrices written here from the
Keras formulas (naive loops), the channel-summed Jacobian against float64 finite differences, overlap counts
against hand-computed numbers, and the plots' text inside their figures."""
import os

import numpy as np
import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from figure_checks import check_figure

import tinygradconv as tg
from tinygradconv import viz
from tinygradconv.layers import (
    Activation,
    Conv1D,
    Conv1DTranspose,
    Cropping1D,
    Dense,
    Dropout,
    UpSampling1D,
    ZeroPadding1D,
)
from tinygradconv.models import Sequential


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# ------------------------------------------------------------------------------------------------------------
# Each layer's matrix by a naive loop from the Keras formulas (one channel, all-ones kernel)
# ------------------------------------------------------------------------------------------------------------
def ceil_div(a, b):
    return -(-a // b)


def naive_conv(L, k, s, padding, d):
    ke = (k - 1) * d + 1
    if padding == "valid":
        n_out, left = (L - ke) // s + 1, 0
    elif padding == "causal":
        n_out, left = L if s == 1 else ceil_div(L, s), ke - 1
    else:
        n_out = ceil_div(L, s)
        left = max((n_out - 1) * s + ke - L, 0) // 2
    m = np.zeros((max(n_out, 0), L))
    for n in range(n_out):
        for t in range(k):
            j = n * s + t * d - left
            if 0 <= j < L:
                m[n, j] += 1
    return m


def naive_transpose(L, k, s, padding, op, d):
    ke = (k - 1) * d + 1
    if padding == "valid":
        n_out = (L - 1) * s + (max(ke, s) if op is None else ke + op)
        c_left = 0
    elif op is None:
        n_out, c_left = L * s, max((ke - s) // 2, 0)
    else:
        n_out = (L - 1) * s + ke % 2 + op
        c_left = max((ke - ke % 2 - op) // 2, 0)
    m = np.zeros((n_out, L))
    for j in range(L):
        for t in range(k):
            n = j * s + t * d - c_left
            if 0 <= n < n_out:
                m[n, j] += 1
    return m


def naive_matrix(layer, L):
    if isinstance(layer, Conv1DTranspose):
        return naive_transpose(L, layer.kernel_size[0], layer.strides[0], layer.padding,
                               None if layer.output_padding is None else layer.output_padding[0],
                               layer.dilation_rate[0])
    if isinstance(layer, Conv1D):
        return naive_conv(L, layer.kernel_size[0], layer.strides[0], layer.padding, layer.dilation_rate[0])
    if isinstance(layer, UpSampling1D):
        return np.array([[1.0 if n // layer.size == j else 0.0 for j in range(L)] for n in range(L * layer.size)])
    if isinstance(layer, ZeroPadding1D):
        left, right = layer.padding
        return np.array([[1.0 if n - left == j else 0.0 for j in range(L)] for n in range(L + left + right)])
    if isinstance(layer, Cropping1D):
        left, right = layer.cropping
        return np.array([[1.0 if n + left == j else 0.0 for j in range(L)] for n in range(L - left - right)])
    return np.eye(L)                                       # element-wise layers


def random_layer(rng):
    kind = rng.integers(0, 6)
    if kind == 0:
        d = int(rng.integers(1, 3))
        return Conv1D(int(rng.integers(1, 4)), int(rng.integers(1, 5)), strides=1 if d > 1 else int(rng.integers(1, 3)),
                      padding=str(rng.choice(["valid", "same", "causal"])), dilation_rate=d)
    if kind == 1:
        s = int(rng.integers(1, 4))
        op = None if rng.random() < 0.5 else int(rng.integers(0, s))
        return Conv1DTranspose(int(rng.integers(1, 4)), int(rng.integers(1, 6)), strides=s,
                               padding=str(rng.choice(["valid", "same"])), output_padding=op)
    if kind == 2:
        return UpSampling1D(int(rng.integers(1, 4)))
    if kind == 3:
        return ZeroPadding1D((int(rng.integers(0, 3)), int(rng.integers(0, 3))))
    if kind == 4:
        return Cropping1D((int(rng.integers(0, 2)), int(rng.integers(0, 2))))
    return Activation("relu") if rng.random() < 0.5 else Dropout(0.5)


def test_path_matrix_of_random_stacks_is_the_product_of_naive_layer_matrices():
    rng = np.random.default_rng(0)
    checked = 0
    while checked < 40:
        layers = [random_layer(rng) for _ in range(int(rng.integers(1, 5)))]
        L = int(rng.integers(3, 9))
        expected, length, ok = np.eye(L), L, True
        for layer in layers:
            m = naive_matrix(layer, length)
            if m.shape[0] <= 0:
                ok = False
                break
            expected, length = m @ expected, m.shape[0]
        if not ok:
            continue
        model = Sequential(layers)
        got = viz.connectivity_matrix(model, L)
        np.testing.assert_array_equal(got, expected, err_msg=str([type(layer).__name__ for layer in layers]))
        # the layers' own matrices, one by one, are the naive ones too
        length = L
        for layer, m in viz.layer_matrices(model, L):
            np.testing.assert_array_equal(m, naive_matrix(layer, length))
            length = m.shape[0]
        checked += 1


def test_model_weights_give_the_jacobian_summed_over_channels():
    """weights='model' against float64 central differences of the model's own forward pass."""
    tg.random.set_seed(3)
    model = Sequential([Conv1D(3, 3, padding="same", activation="tanh"), UpSampling1D(2),
                        Conv1DTranspose(2, 4, strides=2, padding="same")])
    L, channels = 5, 2
    model(np.zeros((1, L, channels)))
    at = np.random.default_rng(1).standard_normal((L, channels))
    got = viz.model_connectivity_matrix(model, L, weights="model", at=at)    # float32 weights: loose tolerance

    def f(x):
        return np.asarray(model(tg.tensor(x[None], dtype="float64"), training=False).numpy(), dtype=np.float64)[0]

    eps = 1e-3
    n_out = f(at).shape[0]
    expected = np.zeros((n_out, L))
    for j in range(L):
        for c in range(channels):
            plus, minus = at.copy(), at.copy()
            plus[j, c] += eps
            minus[j, c] -= eps
            expected[:, j] += ((f(plus) - f(minus)) / (2 * eps)).sum(axis=1)
    np.testing.assert_allclose(got, expected, atol=2e-3)


def test_overlap_counts_hand_computed():
    # k = 3, s = 2, valid, L = 4: full length 9; x_j covers 2j, 2j+1, 2j+2.
    assert viz.overlap_counts("conv1d_transpose", 4, kernel_size=3, strides=2).tolist() == \
        [1, 1, 2, 1, 2, 1, 2, 1, 1]
    # k = 4, s = 2: every step but the two at each end is reached twice.
    counts = viz.overlap_counts(Conv1DTranspose(1, 4, strides=2), 6)
    assert counts.tolist() == [1, 1] + [2] * 10 + [1, 1]
    # Two k = 3, s = 2 layers: the uneven pattern compounds (1, 2 then 1, 3, 2, 3 inside). By hand: the second layer
    # sends count c_j of its input step j to 2j, 2j+1, 2j+2.
    first = [1, 1, 2, 1, 2, 1, 2, 1, 1]
    second = np.zeros(2 * 8 + 3)
    for j, c in enumerate(first):
        second[2 * j: 2 * j + 3] += c
    model = Sequential([Conv1DTranspose(1, 3, strides=2), Conv1DTranspose(1, 3, strides=2)])
    assert viz.overlap_counts(model, 4).tolist() == second.tolist()
    inside = second[4:-4]
    assert set(inside.tolist()) == {1.0, 2.0, 3.0}
    # Resize-convolution: UpSampling1D(2) then Conv1D(k=3, same): three paths into every step but the two ends.
    even = viz.overlap_counts(Sequential([UpSampling1D(2), Conv1D(1, 3, padding="same")]), 5)
    assert even.tolist() == [2] + [3] * 8 + [2]


def test_plots_and_receptive_field():
    model = Sequential([Conv1DTranspose(1, 3, strides=2), Conv1DTranspose(1, 3, strides=2)])
    fig = viz.plot_connectivity(model, 4)
    np.testing.assert_array_equal(fig.path_matrix, viz.connectivity_matrix(model, 4))
    cells = [t.get_text() for t in fig.axes[0].texts if t.get_text().replace(".", "").isdigit()]
    assert cells[:4] == ["1"] * 4 and len(cells) == 4 + 9 + 19
    ax = viz.plot_receptive_field(model, 4, 9)
    # the row of the product of the naive layer matrices
    expected = naive_transpose(9, 3, 2, "valid", None, 1) @ naive_transpose(4, 3, 2, "valid", None, 1)
    np.testing.assert_array_equal(ax.receptive_field, expected[9])
    assert "sees steps" in ax.get_title()
    with pytest.raises(ValueError, match="output_index"):
        viz.plot_receptive_field(model, 4, 19)
    ax = viz.plot_overlap_counts(model, 4)
    assert [p.get_height() for p in ax.patches] == viz.overlap_counts(model, 4).tolist()
    for figure in {fig, ax.figure, viz.plot_receptive_field(model, 4, 3).figure}:
        check_figure(figure)


def test_errors_name_the_argument():
    with pytest.raises(TypeError, match="Dense"):
        viz.connectivity_matrix(Sequential([Dense(2)]), 4)
    with pytest.raises(ValueError, match="weights"):
        viz.model_connectivity_matrix(Sequential([Conv1D(1, 2)]), 4, weights="kernel")
    with pytest.raises(ValueError, match="input_length"):
        viz.model_connectivity_matrix(Sequential([Conv1D(1, 2)]), 0)
    with pytest.raises(ValueError, match="longer input_length"):
        viz.model_connectivity_matrix(Sequential([Conv1D(1, 5)]), 3)
    with pytest.raises(TypeError, match="Sequential"):
        viz.model_connectivity_matrix(object(), 4)
    with pytest.raises(ValueError, match="weights"):
        viz.plot_connectivity(Sequential([Conv1D(1, 2)]), 4, weights="kernel")
    with pytest.raises(ValueError, match="built model"):
        viz.model_connectivity_matrix(Sequential([Conv1D(1, 2)]), 4, weights="model")


@pytest.mark.parametrize("case", range(4))
def test_layer_by_layer_drawing_is_readable(case):
    model, L = [
        (Sequential([Conv1DTranspose(1, 3, strides=2)]), 3),
        (Sequential([UpSampling1D(2), Conv1D(1, 3, padding="same"), ZeroPadding1D((1, 2)), Cropping1D((2, 1))]), 6),
        (Sequential([Conv1DTranspose(1, 3, strides=2) for _ in range(3)]), 10),
        (Sequential([Conv1D(1, 9, strides=4)]), 40),
    ][case]
    fig = viz.plot_connectivity(model, L)
    assert fig.get_size_inches()[0] <= 10
    check_figure(fig, overlap_gids=())
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels[-1] == "input" and len(labels) == len(model.layers) + 1
