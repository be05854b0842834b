"""A teacher's readability findings (session 51): every wrapped cell named, legends inside the figure at any dpi,
the transpose's output_padding in the title, whole-step ticks, a visible NaN band, small markers, any layer with
weights='model', the packed recurrent result explained;

a reviewer's: one even shade a NaN band, Conv1D / Conv1DTranspose with weights='model'."""
import io
import itertools

import numpy as np
import pytest

pytest.importorskip("matplotlib")
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from helpers import keras_on_torch

from tinygradconv import layers, models, tensor, viz


def test_a_wrapped_row_names_the_output_cell_at_its_end():
    ax = viz.plot_connectivity("conv1d_transpose", 20, kernel_size=4, strides=2, padding="same")
    fig = ax.figure
    shown = {t.get_text() for a in fig.axes for t in a.texts if t.get_visible()}
    drawn = {int(p.get_gid().split(":")[1]) for a in fig.axes for p in a.patches
             if (p.get_gid() or "").startswith("output:")}
    assert drawn == set(range(40))                       # N = L * s, each drawn once
    assert {f"y{n}" for n in drawn} <= shown             # y20 at the first row's end was hidden
    plt.close(fig)


@pytest.mark.parametrize("kw", [{"kind": "conv1d_transpose", "input_length": 5, "kernel_size": 3, "strides": 2,
                                 "padding": "same"},
                                {"kind": "conv1d_transpose", "input_length": 3, "kernel_size": 5, "strides": 4,
                                 "padding": "same", "output_padding": 1}])
def test_the_legend_stays_inside_a_plain_savefig_at_any_dpi(kw):
    # from 100 dpi up (:data:`tinygradconv.viz._mpl.FIT_DPIS` says why not 72 and 80)
    for dpi in (100, 150, 200, 300):
        ax = viz.plot_connectivity(**kw)
        fig = ax.figure
        fig.savefig(io.BytesIO(), format="png", dpi=dpi)            # lays it out at that dpi, as saved
        fig.set_dpi(dpi)                                            # (savefig restores the figure's own dpi)
        renderer = fig.canvas.get_renderer()
        box = ax.figure.axes[-1].get_legend().get_window_extent(renderer)
        assert box.x0 >= 0 and box.x1 <= fig.bbox.width, (dpi, box, fig.bbox)     # (y: see the s51 report)
        plt.close(fig)


def test_the_conv_matrix_title_names_the_transposes_output_padding():
    # L=11, k=4, s=3: the conv reads 3 windows spanning (3-1)*3 + 4 = 10 steps; the transpose of a 3-step signal
    # is (3-1)*3 + 4 = 10 long, and output_padding 1 makes it 11 (written from the formula)
    fig = viz.plot_conv_matrix("conv1d", 11, kernel_size=4, strides=3)
    assert "conv1d_transpose (valid, output_padding=1)" in fig._suptitle.get_text().replace("\n", " ")
    plt.close(fig)


def test_step_axes_tick_existing_whole_steps_only():
    m = models.Sequential([layers.Input((1, 1)), layers.Conv1DTranspose(1, 3, strides=2, padding="same"),
                           layers.Conv1D(1, 2)])
    for ax, n in [(viz.plot_receptive_field(m, 1, 0), 1), (viz.plot_overlap_counts("conv1d", 1, kernel_size=1), 1),
                  (viz.plot_overlap_counts("conv1d", 2, kernel_size=1), 2)]:
        ax.figure.canvas.draw()
        low, high = ax.get_xlim()
        ticks = [t for t in ax.get_xticks() if low <= t <= high]
        assert ticks == list(range(n))
        plt.close(ax.figure)


@pytest.mark.parametrize("dpi", [72, 100, 200])
def test_one_nan_epoch_among_250_is_visible_and_named(dpi):
    n = 250
    h = {"loss": list(np.linspace(1, 0.1, n)), "val_loss": list(np.linspace(1.1, 0.2, n))}
    h["val_loss"][100] = float("nan")
    h["loss"][150:153] = [float("nan")] * 3
    fig = viz.plot_history(h)
    fig.savefig(io.BytesIO(), format="png", dpi=dpi)
    fig.set_dpi(dpi)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    pitch = ax.transData.transform((1, 0))[0] - ax.transData.transform((0, 0))[0]      # pixels an epoch
    assert 0.8 * pitch < 2                                     # 0.8 epoch alone: about a pixel, invisible
    bands = {p.get_gid(): p for p in ax.patches if (p.get_gid() or "").startswith("not_finite:")}
    assert sorted(bands) == [f"not_finite:train:loss:{e}" for e in (151, 152, 153)] + ["not_finite:val:loss:101"]
    # MIN_BAND_POINTS in pixels (less 10 %: a savefig at another dpi lays the panel out again, a few % narrower)
    least = max(2.0, 0.9 * 2.5 * dpi / 72)
    assert bands["not_finite:val:loss:101"].get_window_extent(renderer).width >= least
    # neighbouring bands meet, the see-through colours do not overlap (a darker line where they did)
    run = [bands[f"not_finite:train:loss:{e}"] for e in (151, 152, 153)]
    assert all(abs(a.get_bbox().x1 - b.get_bbox().x0) < 1e-9 for a, b in itertools.pairwise(run))
    assert run[-1].get_window_extent(renderer).x1 - run[0].get_window_extent(renderer).x0 >= least
    named = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {"validation: NaN at epoch 101, not drawn", "training: NaN at epochs 151, 152, 153, not drawn"} <= {*named}
    plt.close(fig)


def test_a_wide_nan_band_is_one_even_shade():
    # the band was drawn twice down its middle (a 2.5-point stripe under it, both see-through): a darker line
    h = {"loss": [float("nan")] * 3, "val_loss": [0.5, float("nan"), 0.4]}
    fig = viz.plot_history(h)
    ax = fig.axes[0]
    ax.grid(False)
    fig.canvas.draw()
    image = np.asarray(fig.canvas.buffer_rgba())[..., :3].astype(int)
    height = image.shape[0]
    for epoch in (1, 2, 3):
        middle, edge = (ax.transData.transform((x, 0.45)) for x in (epoch, epoch + 0.3))
        row = height - 1 - round(float(middle[1]))
        centre, side = image[row, round(float(middle[0]))], image[row, round(float(edge[0]))]
        assert np.abs(centre - side).max() <= 2, (epoch, centre, side)
    plt.close(fig)


def test_gradient_markers_are_small_among_many_steps_and_the_last_one_inside():
    fig = viz.plot_gradient_as_transpose(200, kernel=(1, -2, 0.5, 1), strides=4)
    fig.canvas.draw()
    ax = fig.axes[1]
    marks = next(line for line in ax.lines if line.get_marker() == "o")
    pitch_pt = (ax.transData.transform((1, 0))[0] - ax.transData.transform((0, 0))[0]) * 72.0 / fig.dpi
    assert marks.get_markersize() <= max(2.0, 0.5 * pitch_pt) + 1e-9
    last = ax.transData.transform((199, 0))[0] + marks.get_markersize() / 2 * fig.dpi / 72.0
    assert last <= ax.get_window_extent().x1
    plt.close(fig)


def test_any_built_layer_is_drawn_with_weights_model_and_refused_clearly_without():
    lstm = layers.LSTM(3, return_sequences=True)
    lstm.build((None, 5, 1))
    fig = viz.plot_connectivity(lstm, 5, weights="model")
    assert hasattr(fig, "savefig")
    plt.close(fig)
    with pytest.raises(TypeError, match="weights='model'"):
        viz.plot_connectivity(lstm, 5)


def test_an_lstm_graph_says_what_its_packed_steps_hold():
    lm = models.Sequential([layers.Input((5, 2)), layers.LSTM(3)])
    out = lm(tensor(np.random.default_rng(0).random((2, 5, 2)).astype("float32")))
    rows = [line for line in viz.to_dot(out.sum()).splitlines() if "lstm_sequence" in line and "box" in line]
    assert rows and "shape (2, 7, 3) float32: 5 steps' h_t, then h_T, c_T" in rows[0]


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("name", ["Conv1D", "Conv1DTranspose"])
def test_a_convolution_with_weights_model_is_its_jacobian_like_keras(name, data_format):
    # Conv1D / Conv1DTranspose with weights="model" was refused ("Expected None, 3 numbers, or 'kernel'"), though
    # any built layer is promised its Jacobian: summed over channels, checked against Keras' layer through torch
    keras = keras_on_torch("Keras' Conv1D / Conv1DTranspose layers are the reference Jacobian")
    torch = pytest.importorskip("torch")
    steps, channels = 12, 2
    shape = (None, steps, channels) if data_format == "channels_last" else (None, channels, steps)
    ours = getattr(layers, name)(2, 3, strides=2, data_format=data_format)
    ours.build(shape)
    theirs = getattr(keras.layers, name)(2, 3, strides=2, data_format=data_format)
    theirs.build(shape)
    theirs.set_weights([np.asarray(w) for w in ours.get_weights()])
    step_axis = 1 if data_format == "channels_last" else 2
    jac = torch.autograd.functional.jacobian(
        lambda x: theirs(x[None])[0], torch.zeros(shape[1:], dtype=torch.float32))     # (out..., in...)
    out_step, in_step = step_axis - 1, 2 + step_axis - 1
    reference = jac.sum(dim=tuple(d for d in range(4) if d not in (out_step, in_step))).numpy()
    matrix = viz.connectivity_matrix(ours, steps, weights="model")
    np.testing.assert_allclose(matrix, reference, rtol=1e-5, atol=1e-6)
    fig = viz.plot_connectivity(ours, steps, weights="model")
    assert hasattr(fig, "savefig")
    plt.close(fig)
