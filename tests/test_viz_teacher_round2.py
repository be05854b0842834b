"""A teacher's second review of the pictures: a model with Dense, a plain ``savefig`` that keeps every label,
arguments a layer would ignore, labels that overlapped, taps never drawn, a NaN loss, and the tutorials' dpi.

References are independent of the code under test: Keras layers pushed one-hot inputs, the index formula written
out here, and the figure as it is saved (``figure_check``).
"""
import os
import re
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest
from figure_check import figure_problems

import tinygradconv as tg
from tinygradconv import viz
from tinygradconv.layers import Activation, Conv1D, Conv1DTranspose, Dense, ReLU
from tinygradconv.models import Sequential

ROOT = Path(__file__).resolve().parent.parent


def _labels(fig):
    return [t.get_text() for t in fig.axes[0].get_yticklabels()]


# ------------------------------------------------------------------------------------------------ Dense in a model
def _keras_path_matrix(layers, length):
    """``J[n, j]``: one-hot inputs through a Keras model of the same layers, all-ones kernels, zero biases."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    model = keras.Sequential([keras.Input((length, 1)), *layers])
    for layer in model.layers:
        layer.set_weights([np.ones_like(w) if i == 0 else np.zeros_like(w) for i, w in enumerate(layer.get_weights())])
    y = keras.ops.convert_to_numpy(model(np.eye(length, dtype="float32")[:, :, None]))
    return y[:, :, 0].T


def test_a_model_with_dense_is_drawn_with_dense_as_the_identity_across_steps():
    model = Sequential([Dense(1), Conv1D(1, 3, padding="same"), Conv1DTranspose(1, 3, strides=2)])
    fig = viz.plot_model_connectivity(model, 5)
    keras = pytest.importorskip("keras")
    expected = _keras_path_matrix([keras.layers.Dense(1), keras.layers.Conv1D(1, 3, padding="same"),
                                   keras.layers.Conv1DTranspose(1, 3, strides=2)], 5)
    np.testing.assert_array_equal(fig.path_matrix, expected)
    assert "Dense(1), per step: identity across steps" in _labels(fig)
    # a Keras model with Dense too, and its Activation named
    kmodel = keras.Sequential([keras.layers.Dense(1), keras.layers.Conv1DTranspose(1, 3, strides=2),
                               keras.layers.Activation("tanh")])
    fig = viz.plot_model_connectivity(kmodel, 4)
    assert "Activation('tanh')" in _labels(fig) and "Dense(1), per step: identity across steps" in _labels(fig)
    np.testing.assert_array_equal(fig.path_matrix, _keras_path_matrix([keras.layers.Conv1DTranspose(1, 3, strides=2)],
                                                                      4))
    plt.close("all")


def test_row_labels_name_the_activation():
    model = Sequential([Conv1D(1, 3, padding="same"), Activation("tanh"), ReLU(), Activation("sigmoid")])
    labels = _labels(viz.plot_model_connectivity(model, 4))
    assert "Activation('tanh')" in labels and "Activation('sigmoid')" in labels and "ReLU" in labels
    plt.close("all")


def test_a_dense_model_jacobian_sums_the_channels():
    """weights='model' with a Dense first (kernel (in, units)): the backward pass against forward one-hot probes."""
    tg.random.set_seed(0)
    model = Sequential([Dense(2), Conv1D(1, 3, padding="same", use_bias=False)])
    model(np.zeros((1, 5, 3)))
    jac = viz.model_connectivity_matrix(model, 5, weights="model")
    probes = np.zeros((5, 5, 3))
    probes[np.arange(5), np.arange(5), :] = 1.0                           # step j, every input channel
    base = np.asarray(model(np.zeros((1, 5, 3))).numpy())[0].sum(axis=-1)
    forward = np.asarray(model(probes).numpy()).sum(axis=-1) - base       # (j, n): the model is affine
    np.testing.assert_allclose(jac, forward.T, atol=1e-5)


def test_dense_in_a_channels_first_model_works_on_the_steps():
    # (was refused; session 48 draws it, checked against Keras in tests/test_exercises_s48_b4.py): Dense(1) sums the
    # conv's 4 steps, and input step j lies in 1, 2, 3, 3, 2, 1 of their windows
    model = Sequential([Conv1D(1, 3, data_format="channels_first"), Dense(1)])
    assert viz.model_connectivity_matrix(model, 6).tolist() == [[1, 2, 3, 3, 2, 1]]


# ------------------------------------------------------------------------------------------------ plain savefig
def _animation_frame():
    return viz.animate_transposed_conv([1.0, 2.0, 3.0], [1.0, 1.0, 1.0], strides=2, padding="same").figure


def _backward():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    return viz.animate_backward((x * x).sum()).figure


MODEL = Sequential([Conv1D(1, 3, padding="same"), Conv1DTranspose(1, 3, strides=2), Activation("tanh"),
                    Conv1DTranspose(1, 4, strides=2, padding="same"), ReLU()])

FIGURES = {
    "matrix transpose 3x3 (the report)": lambda: viz.plot_conv_matrix("conv1d_transpose", 3, 3),
    "matrix channels_first layer (the report)": lambda: viz.plot_conv_matrix(
        Conv1D(1, 3, strides=2, data_format="channels_first"), 8),
    "matrix conv1d 5 same": lambda: viz.plot_conv_matrix("conv1d", 5, 3, strides=2, padding="same"),
    "matrix colour bar": lambda: viz.plot_conv_matrix("conv1d_transpose", 30, 5, strides=3, padding="same"),
    "connectivity transpose 3x3": lambda: viz.plot_connectivity("conv1d_transpose", 3, 3).figure,
    "connectivity wrapped": lambda: viz.plot_connectivity("conv1d", 64, 7, strides=2, padding="same").figure,
    "connectivity left out": lambda: viz.plot_connectivity("conv1d_transpose", 10 ** 7, 3, strides=2).figure,
    "connectivity kernel": lambda: viz.plot_connectivity("conv1d_transpose", 4, 3, strides=2,
                                                         weights=[1.0, -0.5, 0.25]).figure,
    "animation": _animation_frame,
    "backward animation": _backward,
    "graph": lambda: viz.plot_graph((tg.tensor([1.0, 2.0], requires_grad=True) * 3).sum()).figure,
    "gradient as transpose": lambda: viz.plot_gradient_as_transpose(9),
    "gradient, one output step": lambda: viz.plot_gradient_as_transpose(8, kernel=(1.0, 2.0), strides=100),
    "model layer by layer": lambda: viz.plot_model_connectivity(MODEL, 5),
    "model matrix": lambda: viz.plot_model_connectivity(MODEL, 64),
    "receptive field": lambda: viz.plot_receptive_field(MODEL, 5, 10).figure,
    "overlap counts": lambda: viz.plot_overlap_counts("conv1d_transpose", 8, kernel_size=3, strides=2).figure,
    "history": lambda: viz.plot_history({"loss": [1.0, 0.5, 0.2], "val_loss": [1.2, 0.7, np.nan],
                                         "mae": [1.0, 2.0, 3.0]}),
}


@pytest.mark.parametrize("name", list(FIGURES))
def test_a_plain_savefig_keeps_every_label(name):
    """The figure a function returns, saved with a plain ``fig.savefig(path)``: nothing cut off, nothing overlapping
    (the report: the narrow transpose's x label was cut)."""
    fig = FIGURES[name]()
    assert figure_problems(fig) == []
    plt.close("all")


# ------------------------------------------------------------------------------------ a layer's own settings
@pytest.mark.parametrize("call, argument", [
    (lambda layer: viz.plot_connectivity(layer, 4, kernel_size=5), "kernel_size=5"),
    (lambda layer: viz.plot_connectivity(layer, 4, strides=3), "strides=3"),
    (lambda layer: viz.plot_conv_matrix(layer, 4, padding="same"), "padding='same'"),
    (lambda layer: viz.connectivity_matrix(layer, 4, dilation_rate=2), "dilation_rate=2"),
    (lambda layer: viz.tap_matrices(layer, 4, output_padding=1), "output_padding=1"),
    (lambda layer: viz.overlap_counts(layer, 4, kernel_size=5), "kernel_size=5"),
])
def test_an_op_argument_given_with_a_layer_is_refused_not_ignored(call, argument):
    layer = Conv1DTranspose(1, 3, strides=2)
    # a ValueError now (the value given cannot be used), still a TypeError for code that caught that before
    with pytest.raises(ValueError) as info:
        call(layer)
    assert isinstance(info.value, TypeError)
    message = str(info.value)
    name = argument.split("=")[0]
    assert message.startswith(f"Invalid value for argument `{name}`: {argument} given with a Conv1DTranspose layer")
    assert "would be ignored" in message and "(its settings: kernel_size=3, strides=2" in message
    assert plt.get_fignums() == []


def test_a_model_refuses_op_arguments_and_axes_too():
    model = Sequential([Conv1DTranspose(1, 3, strides=2)])
    with pytest.raises(ValueError, match=r"`strides`: strides=2 given with a Sequential model would be ignored: a "
                                         r"model uses its layers' own settings"):
        viz.plot_connectivity(model, 4, strides=2)
    with pytest.raises(ValueError, match=r"`kernel_size`: kernel_size=3 given with a Sequential model would be"):
        viz.overlap_counts(model, 4, kernel_size=3)
    _, ax = plt.subplots()
    with pytest.raises(ValueError, match=r"ax=<Axes"):
        viz.plot_connectivity(model, 4, ax=ax)
    plt.close("all")


def test_a_layer_with_its_defaults_still_draws_its_own_settings():
    ax = viz.plot_connectivity(Conv1DTranspose(1, 3, strides=2, padding="same"), 4)
    assert "k=3, strides=2, padding='same'" in ax.get_title()
    plt.close(ax.figure)


# ------------------------------------------------------------------------------------------------ labels and legends
def _visible_labels(fig):
    return [t for ax in fig.axes for t in ax.texts if t.get_visible() and re.fullmatch(r"[xy]?\d+", t.get_text())]


@pytest.mark.parametrize("L, s", [(5, 10 ** 6), (10 ** 7, 2)])
def test_long_indices_are_thinned_never_overlapping_and_name_their_own_cell(L, s):
    ax = viz.plot_connectivity("conv1d_transpose", L, 3, strides=s)
    fig = ax.figure
    assert figure_problems(fig) == []                     # no two labels overlap (the report: s = 10**6)
    cells = {}
    for row in fig.axes:
        for patch in row.patches:
            gid = patch.get_gid() or ""
            if gid.split(":")[0] in ("input", "output", "bias", "unread") and gid.split(":")[1]:
                cells[(row, round(patch.get_x() + patch.get_width() / 2, 3), 2.0 if patch.get_y() > 1 else 0.0)] = \
                    int(gid.split(":")[1])
    labels = _visible_labels(fig)
    assert len(labels) >= 20
    for text in labels:             # each label is the index of the cell it is on, or above (inputs) or below
        x, y = text.get_position()
        assert int(text.get_text().lstrip("xy")) == cells[(text.axes, round(x, 3), 2.0 if y > 1 else 0.0)]
    assert any(len(t.get_text()) >= 7 for t in labels)    # the long indices are written, on fewer cells
    plt.close(fig)


def test_the_legend_lists_only_the_taps_drawn():
    ax = viz.plot_connectivity("conv1d", 3, 3, padding="same", dilation_rate=3)       # only tap 1 reaches an input
    taps = [t.get_text() for t in ax.get_legend().get_texts() if t.get_text().startswith("tap")]
    drawn = {int(line.get_gid().split(":")[3]) for line in ax.lines}
    # taps 0 and 2 read only padding zeros: drawn faint (a teacher's third review), so named in the legend too
    reaching = {int(line.get_gid().split(":")[3]) for line in ax.lines if line.get_gid().startswith("conn:")}
    assert taps == ["tap 0", "tap 1", "tap 2"] and drawn == {0, 1, 2} and reaching == {1}
    plt.close(ax.figure)


def test_every_wrapped_row_has_the_same_cell_size():
    ax = viz.plot_connectivity("conv1d", 64, 7, strides=2, padding="same")        # the third row is shorter
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    widths = [next(p for p in row.patches if (p.get_gid() or "").startswith("input:")).get_window_extent(renderer).width
              for row in fig.axes]
    heights = [row.get_window_extent(renderer).height for row in fig.axes]
    assert len(widths) == 3 and max(widths) - min(widths) < 0.5, widths
    assert max(heights) - min(heights) < 0.5, heights
    plt.close(fig)


def test_the_title_says_which_channel_pair_of_the_kernel_is_drawn():
    tg.random.set_seed(1)
    layer = Conv1DTranspose(2, 3, strides=2, padding="same")
    layer(np.zeros((1, 5, 3)))                                                  # 3 input channels, 2 filters
    ax = viz.plot_connectivity(layer, 5, weights="kernel")
    title = ax.get_title().replace("\n", " ").replace("\u00a0", " ")
    assert "input channel 0 → filter 0 only (it has 3 input channels and 2 filters)" in title
    kernel = np.asarray(layer.get_weights()[0])                                 # (k, filters, in): Keras' layout
    assert kernel.shape == (3, 2, 3)
    legend = [t.get_text() for t in ax.get_legend().get_texts() if t.get_text().startswith("tap")]
    assert legend == [f"tap {t} (w={kernel[t, 0, 0]:.3g})" for t in range(3)]          # 3 significant digits
    fig = viz.plot_conv_matrix(layer, 5, weights="kernel")
    assert "input channel 0 → filter 0" in fig._suptitle.get_text().replace("\n", " ").replace("\u00a0", " ")
    plt.close("all")


def test_a_nan_validation_loss_is_marked_and_named():
    fig = viz.plot_history({"loss": [1.0, 0.5, 0.2, 0.1], "val_loss": [1.2, 0.7, np.nan, 0.3]})
    ax = fig.axes[0]
    bands = [p for p in ax.patches if (p.get_gid() or "").startswith("not_finite:val:loss")]
    assert [p.get_gid() for p in bands] == ["not_finite:val:loss:3"]
    x0, x1 = sorted(bands[0].get_path().transformed(bands[0].get_patch_transform()).get_extents().intervalx)
    assert x0 < 3 < x1 and x1 - x0 < 1
    assert "validation: NaN at epoch 3, not drawn" in [t.get_text() for t in ax.get_legend().get_texts()]
    assert not any((p.get_gid() or "").startswith("not_finite:train") for p in ax.patches)
    plt.close(fig)


def test_the_tutorials_save_their_figures_at_150_dpi():
    for path in sorted((ROOT / "tutorials").glob("0*.py")):
        for line in path.read_text().splitlines():
            if ".savefig(" in line:
                assert "dpi=150" in line, (path.name, line)
