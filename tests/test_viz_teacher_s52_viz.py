"""A teacher's findings on the pictures (session 52): the conv matrix's axis labels said "long side"/"short side"
(wrong where a conv1d_transpose shortens its input), the scatter animation's text counted F cells under a row of N,
its legend covered the output cells in 10-inch figures, plot_history's long legend was cut off at 100 and 150 dpi,
an unknown op name was reported as `kind`, "1 tensors", and a cast input lost its name in the graph.

References: Keras 3.15.1's output lengths (compute_output_shape), the formulas by hand, and the pictures measured in
pixels at 100 and 150 dpi."""
import numpy as np
import pytest

pytest.importorskip("matplotlib")
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from helpers import keras_on_torch

import tinygradconv as tg
from tinygradconv import viz
from tinygradconv.layers import Conv1D

DPIS = (100, 150)


def _keras_length(kind, length, kernel_size, **kw):
    keras = keras_on_torch("Keras 3.15.1's output length is the reference")
    layer = (keras.layers.Conv1D if kind == "conv1d" else keras.layers.Conv1DTranspose)(1, kernel_size, **kw)
    return layer.compute_output_shape((None, length, 1))[1]


# ------------------------------------------------------------------------------------------- F1: the conv matrix
@pytest.mark.parametrize("kind, length, k, kw", [
    ("conv1d_transpose", 5, 2, {"strides": 1, "padding": "same", "output_padding": 0}),   # output shorter: 5 -> 4
    ("conv1d_transpose", 5, 4, {"strides": 2, "padding": "same", "output_padding": 0}),   # 5 -> 10... the usual way
    ("conv1d", 12, 3, {"strides": 1, "padding": "causal", "dilation_rate": 3}),            # square
    ("conv1d", 8, 3, {"strides": 2, "padding": "same"}),
])
def test_conv_matrix_axes_say_what_they_index_and_how_many_steps(kind, length, k, kw):
    n = _keras_length(kind, length, k, **kw)
    # C is a conv1d's matrix: for a conv1d_transpose, the matching conv1d reads the transpose's N outputs and
    # gives its L inputs
    conv_in, conv_out = (length, n) if kind == "conv1d" else (n, length)
    fig = viz.plot_conv_matrix(kind, length, k, **kw)
    c_ax, t_ax = fig.axes[:2]
    assert c_ax.images[0].get_array().shape == (conv_out, conv_in)
    assert t_ax.images[0].get_array().shape == (conv_in, conv_out)
    flat = [a.get_xlabel().replace("\n", " ") for a in (c_ax, t_ax)] + [a.get_ylabel() for a in (c_ax, t_ax)]
    assert flat == [f"input index ({conv_in} steps)", f"input index ({conv_out} steps)",
                    f"output index ({conv_out} steps)", f"output index ({conv_in} steps)"]
    assert not any("side" in label for label in flat)
    plt.close(fig)


def test_conv_matrix_taller_than_wide_draws_both_at_one_cell_size():
    """C 5×4 (a conv1d_transpose of 5 steps giving 4): T's cells were drawn 15 % bigger than C's."""
    fig = viz.plot_conv_matrix("conv1d_transpose", 5, 2, strides=1, padding="same", output_padding=0)
    for dpi in DPIS:
        fig.set_dpi(dpi)
        fig.canvas.draw()
        cells = []
        for ax in fig.axes[:2]:
            rows, cols = ax.images[0].get_array().shape
            box = ax.get_window_extent()
            cells.append((box.width / cols, box.height / rows))
        (cw, ch), (tw, th) = cells
        assert abs(cw - ch) < 1.0 and abs(tw - th) < 1.0
        assert abs(tw - cw) <= 0.03 * cw, (dpi, cells)
    plt.close(fig)


# ----------------------------------------------------------------------------- F4: the animation's text and row
@pytest.mark.parametrize("length, k, kw, extension, cause", [
    (5, 4, {"strides": 3, "output_padding": 2}, 2, "output_padding = 2"),
    (5, 1, {"strides": 4}, 3, "strides 4 > k_eff 1"),
    (4, 3, {"strides": 2, "padding": "same"}, 0, None),
])
def test_scatter_animation_text_counts_the_cells_it_draws(length, k, kw, extension, cause):
    n = _keras_length("conv1d_transpose", length, k, **kw)
    full = (length - 1) * kw["strides"] + k                          # F by hand (dilation 1)
    anim = viz.animate_transposed_conv(length, k, **kw)
    ax = anim.figure.axes[0]
    for frame in range(length + 2):
        anim._func(frame)
        cells = [p for p in ax.patches if (p.get_gid() or "").startswith("output:")]
        title = ax.get_title().replace("\n", " ")
        assert len(cells) == max(n, full)
        if frame <= length:
            assert f"= {full} cells" in title
            assert f"the crop keeps N = {n}" in title
            if extension:
                assert f"then {extension} zero cells no input reaches ({cause}; bias only): {full + extension} cells" \
                    in title
                # the cells past F never receive a copy
                assert all(t.get_text() == "0" for t in ax.texts if (t.get_gid() or "").startswith("value:")
                           and int(t.get_gid().split(":")[1]) >= full)
            else:
                assert "zero cell" not in title
        else:
            assert f"has N = {n} values" in title
            assert (f"and the {extension} zero cells after it" in title) == bool(extension)
    plt.close(anim.figure)


# --------------------------------------------------------------------- F3: the animation's legend under the cells
@pytest.mark.parametrize("length, k, kw", [
    (5, 1, {"strides": 4}),                                   # 11.5 px over the cells at 100 dpi
    (4, 5, {"strides": 4}),                                   # 1.7 px
    (5, 4, {"strides": 3, "output_padding": 2}),              # the teacher's slide
    (8, 3, {"strides": 2, "padding": "same"}),
    (4, 3, {"strides": 2, "padding": "same"}),                # tutorial 03 (a short row)
    (2, 2, {"strides": 1}),
])
def test_scatter_animation_legend_never_covers_the_cells(length, k, kw):
    anim = viz.animate_transposed_conv(length, k, **kw)
    fig, ax = anim.figure, anim.figure.axes[0]
    for frame in (0, 1, length + 1):
        anim._func(frame)
        for dpi in DPIS:
            fig.set_dpi(dpi)
            fig.canvas.draw()
            renderer = fig.canvas.get_renderer()
            cells = [p.get_window_extent(renderer) for p in ax.patches
                     if (p.get_gid() or "").startswith("output:")]
            legend = ax.get_legend()
            texts = [legend.get_title(), *legend.get_texts()]
            boxes = [t.get_window_extent(renderer) for t in texts]
            assert max(b.y1 for b in boxes) < min(c.y0 for c in cells) - 2, (frame, dpi)      # below, 2 px apart
            assert min(b.y0 for b in boxes) >= 0 and min(b.x0 for b in boxes) >= 0
            assert max(b.x1 for b in boxes) <= fig.bbox.width
            # no blank band: what is drawn fills the figure's height (the figure sized to the Axes' data)
            drawn = fig.get_tightbbox(renderer)
            assert drawn.y0 >= -0.01 and drawn.y1 <= fig.get_figheight() + 0.01
            assert drawn.height > fig.get_figheight() - 0.35, (frame, dpi, drawn, fig.get_size_inches())
    plt.close(fig)


# ------------------------------------------------------------------------------ F2: plot_history's long legend
NAN = float("nan")


@pytest.mark.parametrize("history, logy", [
    ({"loss": [1.0, 0.1, 0.0, -0.5, 0.01]}, True),
    ({"loss": list(np.linspace(1, 0.1, 15)) + [NAN, 0.1, NAN, 0.1, NAN, 0.1, NAN, 0.1, NAN]}, False),
    ({"loss": [1.0, NAN, 0.5, np.inf, 0.3, -np.inf, 0.2], "val_loss": [1.2, 0.9, NAN, NAN, NAN, NAN, 0.5],
      "mae": [0.5, 0.4, 0.3, 0.2, 0.1, 0.1, 0.1]}, True),
])
def test_history_legend_fits_in_its_panel_at_100_and_150_dpi(history, logy):
    fig = viz.plot_history(history, logy=logy)
    for dpi in DPIS:
        fig.set_dpi(dpi)
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        for ax in fig.axes:
            legend, panel = ax.get_legend(), ax.get_window_extent(renderer)
            box = legend.get_window_extent(renderer)
            assert panel.x0 - 1 <= box.x0 and box.x1 <= panel.x1 + 1, (dpi, ax.get_title())
            for text in legend.get_texts():
                inner = text.get_window_extent(renderer)
                assert 0 <= inner.x0 and inner.x1 <= fig.bbox.width
            # the panel keeps its column: it was squeezed to half the figure's width
            assert panel.width > 0.6 * fig.bbox.width / len(fig.axes)
        # every word of each label is still there (wrapped, not cut)
        labels = [t.get_text().replace("\n", " ") for ax in fig.axes for t in ax.get_legend().get_texts()]
        assert any("not drawn" in label for label in labels)
    plt.close(fig)


# ----------------------------------------------------------------------------------------------- F5: the rest
def test_overlap_counts_names_model_or_layer_for_an_unknown_op_name():
    for call in (viz.overlap_counts, viz.plot_overlap_counts):
        with pytest.raises(ValueError, match=r"argument `model_or_layer`.*conv1d_transpose.*model_or_layer='hello'"):
            call("hello", 10)


def test_graph_of_one_leaf_says_one_tensor_and_keys_no_arrow():
    ax = viz.plot_graph(tg.tensor(3.0, requires_grad=True))
    assert ax.get_title() == "computational graph: 0 ops, 1 tensor"
    key = [t.get_text() for legend in ax.figure.legends for t in legend.get_texts()]
    assert key and not any("arrow" in words for words in key)
    plt.close(ax.figure)
    x = tg.tensor(2.0, requires_grad=True)
    ax = viz.plot_graph(x * x)
    assert ax.get_title().startswith("computational graph: 1 op, 2 tensors")
    assert any("arrow" in t.get_text() for legend in ax.figure.legends for t in legend.get_texts())
    plt.close(ax.figure)


def test_a_float64_input_cast_by_a_layer_keeps_its_name(on_backend):
    x = tg.tensor(np.ones((1, 6, 1)))                # float64, as NumPy data gives it
    x.name = "x"
    ax = viz.plot_graph(Conv1D(1, 3)(x))
    boxes = [t.get_text().splitlines() for t in ax.texts if (t.get_gid() or "").startswith("tensor:")]
    inputs = [lines for lines in boxes if "(1, 6, 1)" in lines[1]]
    assert [lines[0] for lines in inputs] == ["x"]
    assert "float32" in inputs[0][1]                  # the layer's float32 copy, as Keras casts it
    assert x.dtype == tg.tensor(np.ones(1)).dtype     # x itself is left as it was
    plt.close(ax.figure)
