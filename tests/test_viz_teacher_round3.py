"""A teacher's third review of the connectivity pictures: padding cells of the transposed convolution named for what
they are, pictures of many taps and of small weights that stay readable, one way of labelling cells, the parity
formula with its parentheses, the taps of a conv1d that land in padding, and the matrix figure sized to its
content.

References are independent of the code under test: Keras layers and ``keras.ops`` (run here), the maths page's text,
the index formula written out here, and the figure as it is drawn.
"""
import os
import re
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest

from tinygradconv import viz

ROOT = Path(__file__).resolve().parent.parent


def _keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    return pytest.importorskip("keras")


# ------------------------------------------------------------------------------------- 4. the parity formula
@pytest.mark.parametrize("L, k, s, op, d", [(10, 4, 2, 0, 1), (6, 5, 3, 1, 2), (3, 3, 2, 1, 1), (7, 2, 1, 0, 1)])
def test_the_same_padding_formula_brackets_the_parity_as_the_maths_page_does(L, k, s, op, d):
    keras = _keras()
    page = (ROOT / "docs" / "conv1d_transpose_math.md").read_text()
    assert r"$(L-1)s + (k_\text{eff} \bmod 2) + o_p$" in page                   # the maths page's formula
    title = viz.plot_connectivity("conv1d_transpose", L, k, strides=s, padding="same", output_padding=op,
                                  dilation_rate=d).get_title().replace("\n", " ")
    k_eff = (k - 1) * d + 1
    assert "N = (L − 1)·s + (k_eff mod 2) + output_padding" in title
    numbers = re.search(r"= (\(\d+ − 1\)·\d+ \+ \(\d+ mod 2\) \+ \d+) = (\d+)", title)
    assert numbers.group(1) == f"({L} − 1)·{s} + ({k_eff} mod 2) + {op}"
    # read with the brackets as written, the numbers give Keras' own output length
    value = eval(numbers.group(1).replace("−", "-").replace("·", "*").replace("mod", "%"))
    y = keras.ops.conv_transpose(np.ones((1, L, 1), "float32"), np.ones((k, 1, 1), "float32"), strides=s,
                                 padding="same", output_padding=op, dilation_rate=d)
    assert value == int(numbers.group(2)) == y.shape[1]
    plt.close("all")


# ------------------------------------------------------------------------------------ 3. one way of labelling
def _cell_labels(fig):
    """``{(row of cells, index): text}`` of the cells' labels, read from the cells they sit on."""
    found = {}
    for ax in fig.axes:
        for text in ax.texts:
            x, y = text.get_position()
            for patch in ax.patches:
                category, _, index = (patch.get_gid() or "").partition(":")
                if index and patch.get_x() < x < patch.get_x() + patch.get_width() and \
                        patch.get_y() < y < patch.get_y() + patch.get_height():
                    found[("input" if category in ("input", "unread") else "output", int(index))] = text.get_text()
    return found


@pytest.mark.parametrize("args, kwargs, rows", [
    (("conv1d", 5, 3), {}, 1),
    (("conv1d", 40, 5), {"strides": 2, "padding": "same"}, 2),
    (("conv1d_transpose", 3, 3), {"strides": 2}, 1),
    (("conv1d_transpose", 6, 12), {"strides": 2, "weights": list(np.linspace(-1, 1, 12))}, 2),     # the report
])
def test_cells_and_rows_are_labelled_alike_in_one_row_and_in_wrapped_rows(args, kwargs, rows):
    fig = viz.plot_connectivity(*args, **kwargs).figure
    assert len(fig.axes) == rows
    labels = _cell_labels(fig)
    assert labels and all(text == f"{'x' if row == 'input' else 'y'}{index}" for (row, index), text in labels.items())
    for ax in fig.axes:                                                  # the rows' names, the same on every row
        names = sorted(t.get_text() for t in ax.texts if t.get_position()[0] < min(p.get_x() for p in ax.patches))
        notes = ("continued", "taps of")                                  # "continued from above", "taps of x0:"
        assert [name for name in names if not any(note in name for note in notes)] == ["input", "output"]
    plt.close(fig)


# ---------------------------------------------------------------------------- 5. a conv1d's taps on padding
def _keras_conv_counts(L, k, s, padding, d):
    """How many taps of each output of Keras' Conv1D read a real input: one-hot inputs, a kernel of ones."""
    keras = _keras()
    layer = keras.layers.Conv1D(1, k, strides=s, padding=padding, dilation_rate=d, use_bias=False,
                                kernel_initializer="ones")
    y = keras.ops.convert_to_numpy(layer(np.eye(L, dtype="float32")[:, :, None]))
    return y[:, :, 0].sum(axis=0)                                            # (N,)


@pytest.mark.parametrize("L, k, s, padding, d", [(10, 3, 1, "same", 1), (9, 4, 1, "same", 1), (8, 3, 1, "causal", 2),
                                                 (7, 5, 2, "same", 1), (10, 5, 1, "same", 2)])
def test_every_conv1d_output_shows_its_k_taps_the_padding_ones_faint(L, k, s, padding, d):
    ax = viz.plot_connectivity("conv1d", L, k, strides=s, padding=padding, dilation_rate=d)
    real = _keras_conv_counts(L, k, s, padding, d)
    lines = {}
    for line in ax.lines:
        what, j, n, t = (line.get_gid() or "::::").split(":")
        if what in ("conn", "pad"):
            lines.setdefault(int(n), []).append((what, int(j), int(t), line))
    assert sorted(lines) == list(range(len(real)))
    padding_x = {patch.get_x() + patch.get_width() / 2 for patch in ax.patches if patch.get_gid() == "padding:"}
    for n, taps in lines.items():
        assert sorted(t for _, _, t, _ in taps) == list(range(k))                       # k lines into every output
        faint = [(j, line) for what, j, _, line in taps if what == "pad"]
        assert len(faint) == k - real[n]                                   # Keras: the taps that read no input
        for j, line in faint:
            assert line.get_xdata()[0] == pytest.approx(j) and j in padding_x               # from a padding cell
            assert line.get_alpha() < 0.5 and line.get_linewidth() < 1.0
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert ("faint, in its tap's colour: a tap on a padding zero" in legend) == bool((real < k).any())
    plt.close("all")


def test_the_faint_lines_of_both_ops_share_one_style():
    conv = viz.plot_connectivity("conv1d", 6, 3, padding="same")
    transposed = viz.plot_connectivity("conv1d_transpose", 3, 3, strides=2, padding="same")
    pad = next(line for line in conv.lines if line.get_gid().startswith("pad:"))
    crop = next(line for line in transposed.lines if line.get_gid().startswith("crop:"))
    assert (pad.get_alpha(), pad.get_linewidth()) == (crop.get_alpha(), crop.get_linewidth())
    plt.close("all")


# ------------------------------------------------- 1. the transposed convolution's padding cells, named
def _cells(ax):
    """``[(x, y, category, index)]`` of the cells (Rectangles with a category gid)."""
    cells = []
    for patch in ax.patches:
        category, sep, index = (patch.get_gid() or "").partition(":")
        if sep:
            cells.append((patch.get_x() + patch.get_width() / 2, patch.get_y() + patch.get_height() / 2, category,
                          int(index) if index else None))
    return cells


@pytest.mark.parametrize("L, k, s, padding, d", [(3, 12, 2, "valid", 1), (5, 3, 2, "same", 1), (4, 3, 1, "same", 2),
                                                 (4, 4, 3, "valid", 1)])
def test_the_transposed_padding_cells_are_the_direct_conv_views_and_say_so(L, k, s, padding, d):
    """The top row is the zero-inserted input padded by k_eff − 1 zeros a side: the full output's position q is
    the correlation of the k_eff top cells above it with the flipped (dilated) kernel. Checked against Keras' full
    transposed convolution (padding='valid', output_padding=0: no crop), with random inputs and weights."""
    keras = _keras()
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal(L), rng.standard_normal(k)
    ax = viz.plot_connectivity("conv1d_transpose", L, k, strides=s, padding=padding, dilation_rate=d, weights=w)
    full = keras.ops.convert_to_numpy(keras.ops.conv_transpose(
        x.reshape(1, L, 1), w.reshape(k, 1, 1), strides=s, padding="valid", output_padding=0,
        dilation_rate=d))[0, :, 0]
    k_eff = (k - 1) * d + 1
    cells = _cells(ax)
    top = {round(cx * 2): (category, index) for cx, cy, category, index in cells if cy > 1.0}
    bottom = sorted(cx for cx, cy, _, _ in cells if cy < 1.0)
    assert len(bottom) == len(full)                                    # the full output: kept and cropped cells
    flipped = np.zeros(k_eff)
    flipped[::d] = w
    flipped = flipped[::-1]
    for q, cx in enumerate(bottom):
        window = [top[round((cx - (k_eff - 1) / 2 + m) * 2)] for m in range(k_eff)]  # every cell there exists
        values = [x[index] if category in ("input", "unread") else 0.0 for category, index in window]
        assert np.dot(values, flipped) == pytest.approx(full[q], abs=1e-5)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "padding (zeros)" not in legend                   # Keras' padding crops the output, it pads no input
    (name,) = [t for t in legend if "padding" in t]
    assert "direct-conv view" in name and f"k_eff − 1 = {k_eff - 1} zeros a side" in name
    plt.close("all")


def test_one_padding_zero_a_side_is_singular():
    """A kernel of 2 taps: k_eff − 1 = 1 zero a side (a student tester read "1 zeros a side")."""
    ax = viz.plot_connectivity("conv1d_transpose", 3, 2, strides=2, padding="valid")
    (name,) = [t.get_text() for t in ax.get_legend().get_texts() if "padding" in t.get_text()]
    assert name.endswith("k_eff − 1 = 1 zero a side"), name
    plt.close("all")


def test_a_conv1d_still_calls_its_padding_padding():
    legend = [t.get_text() for t in viz.plot_connectivity("conv1d", 5, 3, padding="same").get_legend().get_texts()]
    assert "padding (zeros)" in legend
    plt.close("all")


# -------------------------------------------------------------------- 2. many taps, small weights
def test_a_twelve_tap_picture_rounds_weights_and_keeps_its_tap_numbers_off_the_lines():
    weights = np.linspace(-1, 1, 12)
    ax = viz.plot_connectivity("conv1d_transpose", 3, kernel_size=12, strides=2, weights=list(weights))
    fig = ax.figure
    legend = {int(m.group(1)): m.group(2) for t in ax.get_legend().get_texts()
              if (m := re.fullmatch(r"tap (\d+) \(w=(\S+)\)", t.get_text()))}
    assert sorted(legend) == list(range(12))
    for t, text in legend.items():
        digits = text.lstrip("-").replace(".", "").lstrip("0")
        assert len(digits) <= 3 and float(text) == pytest.approx(weights[t], rel=5e-3), text      # w=-0.273
    labels = _tap_label_boxes(fig)
    assert len(labels) == 12
    for box, cells in labels:
        outputs = [cell for y, cell in cells if y < 1.0]
        assert box.y1 <= min(cell.y0 for cell in outputs) + 0.5         # below the output cells, off the lines
        assert not any(box.overlaps(cell) for cell in outputs)
    plt.close(fig)


def test_the_tap_numbers_of_a_conv1d_stand_above_its_inputs():
    fig = viz.plot_connectivity("conv1d", 30, kernel_size=24).figure
    labels = _tap_label_boxes(fig)
    assert len(labels) == 24
    for box, cells in labels:
        inputs = [cell for y, cell in cells if y > 1.0]
        assert box.y0 >= max(cell.y1 for cell in inputs) - 0.5
    plt.close(fig)


def _tap_label_boxes(fig):
    """The drawn figure's tap numbers (gid "tap:..."): each one's box, with the cells of its row of diagrams as
    ``(y in data units, box)`` pairs (output cells lie below y = 1, input cells above)."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    return [(text.get_bbox_patch().get_window_extent(renderer),
             [(p.get_y(), p.get_window_extent(renderer)) for p in text.axes.patches])
            for row in fig.axes for text in row.texts if (text.get_gid() or "").startswith("tap:")]


def _tap_lines(ax):
    return {int(line.get_gid().split(":")[3]): line for line in ax.lines if line.get_gid().startswith("conn:")}


def test_a_tiny_trained_weight_is_still_a_visible_line_and_sizes_and_signs_stay_apart():
    """A layer's kernel with a weight of 0.0002 beside 0.9 and -0.3 (the report: drawn 0.6 points wide)."""
    from tinygradconv.layers import Conv1D

    layer = Conv1D(1, 3, padding="same")
    layer(np.zeros((1, 8, 1)))
    kernel = np.array([0.9, 0.0002, -0.3])
    layer.set_weights([kernel.reshape(3, 1, 1), np.zeros(1)])
    ax = viz.plot_connectivity(layer, 8, weights="kernel")
    lines = _tap_lines(ax)
    widths = {t: line.get_linewidth() for t, line in lines.items()}
    assert min(widths.values()) >= 1.2                                          # points: a visible line
    assert widths[0] > widths[2] > widths[1]                                    # |0.9| > |-0.3| > |0.0002|
    hollow = {t for t, line in lines.items()
              if any(getattr(e, "_gc", {}).get("foreground") == "white" for e in line.get_path_effects())}
    assert hollow == {t for t in range(3) if kernel[t] < 0} == {2}               # the sign, beside the colour
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {"tap 0 (w=0.9)", "tap 1 (w=0.0002)", "tap 2 (w=-0.3)", "hollow: w < 0"} <= set(legend)
    plt.close("all")


# ------------------------------------------------------------------- 6. the matrix figure, sized to its content
@pytest.mark.parametrize("args, kwargs", [
    (("conv1d_transpose", 5, 4), {"strides": 2, "padding": "same", "output_padding": 0}),          # the CLI's
    (("conv1d_transpose", 6, 5), {"strides": 3, "padding": "same", "output_padding": 1, "dilation_rate": 2}),
    (("conv1d_transpose", 40, 3), {"strides": 2}),                                                  # a colour bar
    (("conv1d", 12, 3), {"strides": 2, "padding": "same"}),
])
def test_the_matrix_figure_leaves_no_half_of_itself_blank(args, kwargs):
    """C (n_short × n_long) beside T = Cᵀ (n_long × n_short): at one cell size the figure was as tall as T and
    the room under a wide C, about half the figure, was blank (the report: 6×17 beside 17×6)."""
    from figure_check import assert_readable

    fig = viz.plot_conv_matrix(*args, **kwargs)
    keras_like = viz.connectivity_matrix(*args, **kwargs)                # the op's matrix: (N, L)
    c_axes, t_axes = fig.axes[:2]
    c, t = c_axes.images[0].get_array(), t_axes.images[0].get_array()
    assert sorted(c.shape) == sorted(keras_like.shape) and np.array_equal(t, c.T)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    c_box, t_box = (a.get_window_extent(renderer) for a in (c_axes, t_axes))
    c_cell = (c_box.width / c.shape[1], c_box.height / c.shape[0])
    t_cell = (t_box.width / t.shape[1], t_box.height / t.shape[0])
    assert c_cell[0] == pytest.approx(c_cell[1], rel=0.02) and t_cell[0] == pytest.approx(t_cell[1], rel=0.02)
    numbers = bool(c_axes.texts)                                        # numbers in the cells, or a colour bar
    # T's cells: with numbers at least 0.6 of C's or 0.2 inch (room for an 8-point number); else 0.25 of C's
    floor = min(0.6 * c_cell[0], 0.2 * fig.dpi) if numbers else 0.25 * c_cell[0]
    assert t_cell[0] >= floor - 0.5
    # the blank under C (beside the taller T), as a share of the figure, against what T at C's cell size leaves
    n_short, n_long = c.shape
    figure_area = fig.bbox.width * fig.bbox.height
    blank = max(t_box.height - c_box.height, 0.0) * c_box.width / figure_area
    one_scale = max(n_long * c_cell[1] - c_box.height, 0.0) * c_box.width / figure_area
    assert blank < 0.25 and blank <= 0.5 * one_scale, (blank, one_scale)
    if n_long <= n_short / 0.6:                                          # T can be as high as C: nothing blank
        assert abs(t_box.height - c_box.height) < 0.03 * fig.bbox.height
    assert_readable(fig)
    plt.close(fig)
