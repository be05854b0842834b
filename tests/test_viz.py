"""tinygradconv.viz: connectivity (through the op) against naive formula-based expectations
(tests/reference_connectivity.py), the drawn artists and their data (not pixels), the graph, the history plot and the
command line."""
import argparse
import io
import itertools
import os
import subprocess
import sys
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image
from reference_connectivity import naive_conv, naive_transpose

import tinygradconv as tg
from tinygradconv import viz
from tinygradconv.viz import cli

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def transpose_grid():
    for L, k, s, d in itertools.product((1, 2, 5), (1, 2, 3, 4), (1, 2, 3), (1, 2)):
        for padding in ("valid", "same"):
            for op in (None, *range(s)):
                if naive_transpose(L, k, s, padding, op, d, np.ones(k))[0].shape[0] > 0:
                    yield L, k, s, padding, op, d


def conv_grid():
    for L, k, s, d in itertools.product((1, 2, 5, 7), (1, 2, 3, 4), (1, 2, 3), (1, 2)):
        for padding in ("valid", "same", "causal"):
            if padding == "valid" and L < (k - 1) * d + 1:
                continue
            yield L, k, s, padding, d


# ------------------------------------------------------------------------------------------------------------
# connectivity_matrix, tap_matrices, conv_matrices
# ------------------------------------------------------------------------------------------------------------
def test_conv1d_connectivity_matches_formula_on_a_grid():
    rng = np.random.default_rng(0)
    count = 0
    for L, k, s, padding, d in conv_grid():
        w = rng.standard_normal(k)
        expected, _ = naive_conv(L, k, s, padding, d, w)
        case = {"kernel_size": k, "strides": s, "padding": padding, "dilation_rate": d}
        ones = viz.connectivity_matrix("conv1d", L, **case)
        np.testing.assert_array_equal(ones, naive_conv(L, k, s, padding, d, np.ones(k))[0], err_msg=str(case))
        got = viz.connectivity_matrix("conv1d", L, weights=w, **case)
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12, err_msg=str((L, case)))
        back = viz.connectivity_matrix("conv1d", L, weights=w, method="backward", **case)
        np.testing.assert_allclose(back, expected, rtol=0, atol=1e-12, err_msg=str((L, case)))
        count += 1
    assert count > 250


def test_conv1d_transpose_connectivity_matches_formula_on_a_grid():
    rng = np.random.default_rng(1)
    count = 0
    for L, k, s, padding, op, d in transpose_grid():
        w = rng.standard_normal(k)
        case = {"kernel_size": k, "strides": s, "padding": padding, "output_padding": op, "dilation_rate": d}
        expected, _, _ = naive_transpose(L, k, s, padding, op, d, w)
        got = viz.connectivity_matrix("conv1d_transpose", L, weights=w, **case)
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12, err_msg=str((L, case)))
        back = viz.connectivity_matrix("conv1d_transpose", L, weights=w, method="backward", **case)
        np.testing.assert_allclose(back, expected, rtol=0, atol=1e-12, err_msg=str((L, case)))
        count += 1
    assert count > 300


def test_connectivity_hand_example():
    # conv1d_transpose, L=2, k=3, s=2, valid: y = [x0, x0, x0 + x1, x1, x1] (Keras docs: N = (L-1)*s + k = 5)
    got = viz.connectivity_matrix("conv1d_transpose", 2, 3, strides=2)
    assert got.tolist() == [[1, 0], [1, 0], [1, 1], [0, 1], [0, 1]]
    # output_padding None versus 0 with k < s: None pads to max(k, s); 0 does not
    assert viz.connectivity_matrix("conv1d_transpose", 2, 2, strides=3).shape == (6, 2)
    assert viz.connectivity_matrix("conv1d_transpose", 2, 2, strides=3, output_padding=0).shape == (5, 2)


def test_tap_matrices_decompose_the_weighted_matrix():
    rng = np.random.default_rng(2)
    for L, k, s, padding, op, d in [(5, 3, 2, "same", None, 1), (4, 4, 2, "same", 0, 1), (3, 2, 3, "valid", None, 2),
                                    (6, 3, 1, "valid", 0, 2)]:
        w = rng.standard_normal(k)
        taps = viz.tap_matrices("conv1d_transpose", L, k, s, padding, op, d)
        assert taps.shape[0] == k
        assert set(np.unique(taps)) <= {0.0, 1.0}
        np.testing.assert_allclose(np.tensordot(w, taps, axes=1),
                                   naive_transpose(L, k, s, padding, op, d, w)[0], atol=1e-12)
        # tap t connects j to n exactly when n + c_left == j*s + t*d
        _, _, c_left = naive_transpose(L, k, s, padding, op, d, w)
        for t, n, j in zip(*np.nonzero(taps)):
            assert n + c_left == j * s + t * d


def test_connections_list():
    # conv1d, L=4, k=2, s=2, valid: y0 = x0 w0 + x1 w1, y1 = x2 w0 + x3 w1
    assert viz.connections("conv1d", 4, 2, strides=2) == [(0, 0, 0), (1, 0, 1), (2, 1, 0), (3, 1, 1)]


def test_conv_matrices_are_transposes_of_each_other():
    rng = np.random.default_rng(3)
    for L, k, s, padding, op, d in transpose_grid():
        w = rng.standard_normal(k)
        c, t = viz.conv_matrices("conv1d_transpose", L, k, s, padding, op, d, weights=w)
        expected, _, _ = naive_transpose(L, k, s, padding, op, d, w)
        np.testing.assert_allclose(t, expected, atol=1e-12)
        assert c.shape == (L, expected.shape[0])
        np.testing.assert_allclose(c, expected.T, atol=1e-12, err_msg=str((L, k, s, padding, op, d)))
    for L, k, s, padding, d in conv_grid():
        w = rng.standard_normal(k)
        c, t = viz.conv_matrices("conv1d", L, k, s, padding, dilation_rate=d, weights=w)
        expected, _ = naive_conv(L, k, s, padding, d, w)
        np.testing.assert_allclose(c, expected, atol=1e-12)
        np.testing.assert_allclose(t, expected.T, atol=1e-12, err_msg=str((L, k, s, padding, d)))


@pytest.mark.parametrize("kwargs, error, words", [
    ({"kind": "conv2d", "input_length": 5, "kernel_size": 3}, ValueError, "kind"),
    ({"kind": "conv1d", "input_length": 0, "kernel_size": 3}, ValueError, "input_length"),
    ({"kind": "conv1d", "input_length": 5, "kernel_size": None}, ValueError, "kernel_size"),
    ({"kind": "conv1d", "input_length": 5, "kernel_size": 2.5}, TypeError, "kernel_size"),
    ({"kind": "conv1d", "input_length": 5, "kernel_size": 3, "output_padding": 1}, ValueError, "output_padding"),
    ({"kind": "conv1d_transpose", "input_length": 5, "kernel_size": 3, "padding": "causal"}, ValueError, "padding"),
    ({"kind": "conv1d", "input_length": 5, "kernel_size": 3, "weights": [1, 2]}, ValueError, "weights"),
    ({"kind": "conv1d", "input_length": 5, "kernel_size": 2, "weights": [1, np.nan]}, ValueError, "weights"),
    ({"kind": "conv1d", "input_length": 2, "kernel_size": 3}, ValueError, "empty output"),
    ({"kind": "conv1d_transpose", "input_length": 1, "kernel_size": 2, "padding": "same", "output_padding": 0},
     ValueError, "empty output"),
    ({"kind": "conv1d", "input_length": 5, "kernel_size": 3, "method": "sideways"}, ValueError, "method"),
    ({"kind": object(), "input_length": 5, "kernel_size": 3}, TypeError, "kind"),
])
def test_connectivity_validation(kwargs, error, words):
    with pytest.raises(error, match=words):
        viz.connectivity_matrix(**kwargs)


def test_connectivity_of_a_layer_uses_its_config_and_kernel():
    layers = tg.layers
    tg.random.set_seed(0)
    layer = layers.Conv1DTranspose(2, 3, strides=2, padding="same", output_padding=1)
    with pytest.raises(ValueError, match="built"):
        viz.connectivity_matrix(layer, 4, weights="kernel")
    layer(np.zeros((1, 4, 3), dtype="float32"))
    kernel = np.asarray(layer.get_weights()[0], dtype=np.float64)            # (k, filters, in)
    got = viz.connectivity_matrix(layer, 4, weights="kernel")
    np.testing.assert_allclose(got, naive_transpose(4, 3, 2, "same", 1, 1, kernel[:, 0, 0])[0], rtol=1e-6)
    assert viz.connectivity_matrix(layer, 4).tolist() == naive_transpose(4, 3, 2, "same", 1, 1, np.ones(3))[0].tolist()
    conv = layers.Conv1D(1, 2, padding="causal", dilation_rate=2)
    assert viz.connectivity_matrix(conv, 5).tolist() == naive_conv(5, 2, 1, "causal", 2, np.ones(2))[0].tolist()


# ------------------------------------------------------------------------------------------------------------
# plot_connectivity
# ------------------------------------------------------------------------------------------------------------
def _cells(ax):
    cells = {}
    for patch in ax.patches:
        gid = patch.get_gid() or ""
        if ":" in gid:
            category, index = gid.split(":")
            cells.setdefault(category, []).append((patch.get_x() + patch.get_width() / 2,
                                                   patch.get_y() + patch.get_height() / 2,
                                                   int(index) if index else None))
    return cells


def _conn_lines(ax):
    out = []
    for line in ax.lines:
        gid = line.get_gid() or ""
        if gid.startswith("conn:"):
            j, n, t = map(int, gid.split(":")[1:])
            out.append((j, n, t, tuple(line.get_xdata()), line))
    return out


def test_plot_connectivity_transpose_cells_lines_and_title():
    L, k, s = 5, 3, 2
    ax = viz.plot_connectivity("conv1d_transpose", L, k, strides=s, padding="same")
    expected, full, c_left = naive_transpose(L, k, s, "same", None, 1, np.ones(k))
    n_out = expected.shape[0]                                   # 10 = L*s
    cells = _cells(ax)
    assert sorted(i for _, _, i in cells["input"]) == list(range(L))
    assert sorted(i for _, _, i in cells["output"]) == list(range(n_out))
    assert len(cells["zero"]) == (L - 1) * (s - 1)             # zeros inserted between strided inputs
    assert len(cells["padding"]) == 2 * (k - 1)
    assert len(cells["cropped"]) == full - n_out                # 11 - 10: one cropped on the right
    assert "bias" not in cells
    top_y = {y for _, y, _ in cells["input"]}
    bottom_y = {y for _, y, _ in cells["output"]}
    assert len(top_y) == len(bottom_y) == 1 and top_y.pop() > bottom_y.pop()
    # one line per (input, tap) connection that lands inside the output, joining the cells' centres
    x_in = {i: x for x, _, i in cells["input"]}
    x_out = {i: x for x, _, i in cells["output"]}
    lines = _conn_lines(ax)
    wanted = sorted((j, n, t) for j in range(L) for t in range(k) if 0 <= (n := j * s + t - c_left) < n_out)
    assert sorted((j, n, t) for j, n, t, _, _ in lines) == wanted
    assert len(lines) == int(expected.sum())
    for j, n, t, xs, line in lines:
        assert xs == pytest.approx((x_in[j], x_out[n]))
        assert x_out[n] - x_in[j] == pytest.approx(t - (k - 1) / 2)          # a symmetric fan of taps
    colours = {t: line.get_color() for _, _, t, _, line in lines}
    assert len(set(colours.values())) == k                                    # coloured by tap
    title = ax.get_title()
    assert "conv1d_transpose" in title and "padding='same'" in title
    assert "N = L·s = 5·2 = 10" in title
    legend = [text.get_text() for text in ax.get_legend().get_texts()]
    assert any("zero inserted" in t for t in legend) and any("cropped" in t for t in legend)
    assert any("padding" in t for t in legend) and [t for t in legend if t.startswith("tap")] == \
        ["tap 0", "tap 1", "tap 2"]


def test_plot_connectivity_marks_bias_only_outputs_and_weights_lines():
    # k=2 < s=3, valid, output_padding=None: N = (L-1)*3 + 3, positions j*3 + 2 receive nothing (bias only)
    L, k, s, w = 4, 2, 3, [1.0, -0.5]
    ax = viz.plot_connectivity("conv1d_transpose", L, k, strides=s, weights=w)
    expected, _, _ = naive_transpose(L, k, s, "valid", None, 1, np.ones(k))
    bias = sorted(i for _, _, i in _cells(ax)["bias"])
    assert bias == [n for n in range(expected.shape[0]) if not expected[n].any()] == [2, 5, 8, 11]
    lines = _conn_lines(ax)
    assert len(lines) == L * k
    widths = {t: line.get_linewidth() for _, _, t, _, line in lines}
    styles = {t: line.get_linestyle() for _, _, t, _, line in lines}
    assert widths[0] > widths[1]                     # |w0| = 1 > |w1| = 0.5
    assert styles[0] == "-" and styles[1] == "--"    # taps differ in dash pattern as well as colour
    legend = [text.get_text() for text in ax.get_legend().get_texts()]
    assert "tap 1 (w=-0.5)" in legend and any("bias only" in t for t in legend)
    assert "N = (L − 1)·s + max(k_eff, s) = (4 − 1)·3 + max(2, 3) = 12" in ax.get_title()


def test_plot_connectivity_conv1d_padding_unread_and_output_positions():
    # conv1d L=7, k=3, s=2, same, d=2: k_eff=5, N=4, pad (2, 2); odd inputs are never read
    ax = viz.plot_connectivity("conv1d", 7, 3, strides=2, padding="same", dilation_rate=2)
    cells = _cells(ax)
    assert sorted(x for x, _, _ in cells["padding"]) == [-2, -1, 7, 8]
    assert sorted(i for _, _, i in cells["unread"]) == [1, 3, 5]
    assert sorted(i for _, _, i in cells["input"]) == [0, 2, 4, 6]
    outputs = sorted((i, x) for x, _, i in cells["output"])
    assert outputs == [(n, n * 2 - 2 + 2.0) for n in range(4)]               # under the centre of each window
    expected, _ = naive_conv(7, 3, 2, "same", 2, np.ones(3))
    assert len(_conn_lines(ax)) == int(expected.sum())
    assert "N = ⌈L/s⌉ = ⌈7/2⌉ = 4" in ax.get_title()
    assert "k_eff" not in ax.get_title()


def test_plot_connectivity_draws_into_given_axes():
    _fig, axes = plt.subplots(1, 2)
    got = viz.plot_connectivity("conv1d", 5, 3, ax=axes[1])
    assert got is axes[1] and not axes[0].lines and len(axes[1].lines) == 9
    with pytest.raises(TypeError, match="ax"):
        viz.plot_connectivity("conv1d", 5, 3, ax="nope")


@pytest.mark.parametrize("args, text", [
    (("conv1d", 10, 3, 2, "valid"), "N = ⌊(L − k_eff)/s⌋ + 1 = ⌊(10 − 3)/2⌋ + 1 = 4"),
    (("conv1d", 10, 3, 2, "causal", None, 2), "N = ⌈L/s⌉ = ⌈10/2⌉ = 5"),
    (("conv1d_transpose", 10, 3, 2, "valid", 1), "N = (L − 1)·s + k_eff + output_padding = (10 − 1)·2 + 3 + 1 = 22"),
    (("conv1d_transpose", 10, 4, 2, "same", 0),
     "N = (L − 1)·s + (k_eff mod 2) + output_padding = (10 − 1)·2 + (4 mod 2) + 0 = 18"),
    (("conv1d_transpose", 4, 3, 1, "valid", None, 3), "k_eff = (k − 1)·d + 1 = (3 − 1)·3 + 1 = 7"),
])
def test_output_length_formula(args, text):
    assert text in viz.output_length_formula(*args)


# ------------------------------------------------------------------------------------------------------------
# plot_conv_matrix
# ------------------------------------------------------------------------------------------------------------
def test_plot_conv_matrix_shows_the_transpose():
    w = [1.0, 2.0, -1.0]
    fig = viz.plot_conv_matrix("conv1d_transpose", 4, 3, strides=2, padding="same", output_padding=1, weights=w)
    left, right = fig.axes[0], fig.axes[1]
    c = np.asarray(left.images[0].get_array())
    t = np.asarray(right.images[0].get_array())
    expected, _, _ = naive_transpose(4, 3, 2, "same", 1, 1, np.array(w))
    np.testing.assert_allclose(t, expected)
    np.testing.assert_allclose(c, expected.T)
    assert "max |T − Cᵀ| = 0" in fig._suptitle.get_text()
    assert "T = Cᵀ" in right.get_title()
    # the non-zero values are written in the cells
    values = sorted(float(text.get_text()) for text in right.texts)
    assert values == sorted(expected[expected != 0].tolist())


def test_plot_conv_matrix_names_the_same_padding_exception():
    # "same" with k_eff % 2 + output_padding == 0: the matching conv1d's padding is not Keras's "same"
    fig = viz.plot_conv_matrix("conv1d_transpose", 5, 4, strides=2, padding="same", output_padding=0)
    text = fig._suptitle.get_text()
    assert "(2, 2)" in text and "would pad (1, 1)" in text
    fig = viz.plot_conv_matrix("conv1d_transpose", 5, 3, strides=2, padding="same")
    assert "= Keras padding='same'" in fig._suptitle.get_text()


def test_plot_conv_matrix_colour_bar_spans_the_tap_weights():
    """Every entry of the matrix is one tap's weight: the colour bar runs from 0 to max |w|, no further."""
    weights = [1.0, 2.0, 3.0, 4.0]
    fig = viz.plot_conv_matrix("conv1d_transpose", 20, 4, strides=2, padding="same", weights=weights)
    bar = fig.axes[-1]
    assert "tap's weight" in bar.get_ylabel()
    assert bar.get_ylim() == pytest.approx((0.0, max(weights)))
    signed = viz.plot_conv_matrix("conv1d", 20, 3, strides=2, weights=[1.0, -2.5, 0.5])
    assert signed.axes[-1].get_ylim() == pytest.approx((-2.5, 2.5))
    # a short matrix sits right under its title: the tops of the two matrices are level
    fig.canvas.draw()
    assert fig.axes[0].get_position().y1 == pytest.approx(fig.axes[1].get_position().y1, abs=0.01)
    plt.close("all")


@pytest.mark.parametrize("kwargs", [
    {"input_length": 4, "kernel_size": 2, "strides": 3, "weights": [1.0, -0.5]},          # tutorial 03's bias-only
    {"input_length": 4, "kernel_size": 3, "strides": 2, "dilation_rate": 2},              # tutorial 03's dilated
])
def test_connectivity_titles_wrap_between_terms(kwargs):
    """No title line is a lone value ("2") or a lone "= ..." step: lines break at commas or before " = "."""
    ax = viz.plot_connectivity("conv1d_transpose", **kwargs)
    figure_check.assert_readable(ax.figure, bbox_inches="tight")
    lines = ax.get_title().split("\n")
    assert len(lines) >= 3
    for line in lines:
        assert len(line) > 8, lines
        if "·" in line:                                            # a formula line: never cut inside brackets
            assert line.count("(") == line.count(")"), lines
    k_eff = (kwargs["kernel_size"] - 1) * kwargs.get("dilation_rate", 1) + 1
    assert any("k_eff = " in line and line.endswith(f"= {k_eff}") for line in lines), lines   # k_eff's value stays
    plt.close("all")


def test_plot_conv_matrix_refuses_a_hairline_band():
    with pytest.raises(ValueError, match=r"input_length=200 gives a 400×200 matrix.*at most 100"):
        viz.plot_conv_matrix("conv1d_transpose", 200, 4, strides=2, padding="same")
    assert plt.get_fignums() == []


def test_plot_conv_matrix_conv1d_and_axes_pair():
    fig, axes = plt.subplots(1, 2)
    got = viz.plot_conv_matrix("conv1d", 6, 2, strides=2, ax=axes)
    assert got is fig
    c = np.asarray(axes[0].images[0].get_array())
    np.testing.assert_array_equal(c, naive_conv(6, 2, 2, "valid", 1, np.arange(1.0, 3.0))[0])   # default 1..k
    np.testing.assert_array_equal(np.asarray(axes[1].images[0].get_array()), c.T)
    with pytest.raises(ValueError, match="pair"):
        viz.plot_conv_matrix("conv1d", 6, 2, ax=[axes[0]])


# ------------------------------------------------------------------------------------------------------------
# animate_transposed_conv
# ------------------------------------------------------------------------------------------------------------
def naive_scatter(x, w, s, d):
    full = np.zeros((len(x) - 1) * s + (len(w) - 1) * d + 1)
    partials, counts = [full.copy()], [full.copy()]
    count = full.copy()
    for j, v in enumerate(x):
        for t, wt in enumerate(w):
            full[j * s + t * d] += v * wt
            count[j * s + t * d] += 1
        partials.append(full.copy())
        counts.append(count.copy())
    return np.array(partials), np.array(counts)


def test_scatter_steps_accumulate_like_the_definition():
    x, w = [1.0, -2.0, 0.5, 3.0], [0.5, 1.0, 2.0]
    for s, d in [(1, 1), (2, 1), (2, 2), (3, 1)]:
        partials, counts = viz.scatter_steps(x, w, strides=s, dilation_rate=d)
        ref_p, ref_c = naive_scatter(x, w, s, d)
        np.testing.assert_allclose(partials, ref_p, atol=1e-12)
        np.testing.assert_array_equal(counts, ref_c)
    # k=3, s=2: the overlap count alternates 1, 2 (the checkerboard)
    assert viz.scatter_steps(4, 3, strides=2)[1][-1].tolist() == [1, 1, 2, 1, 2, 1, 2, 1, 1]


def test_show_animation_gives_the_gif_inline_at_a_readable_resolution():
    """An IPython Image of the GIF, every frame, at GIF_DPI (9-point text is >= 15 pixels tall at 120 dpi);
    the animation's figure is closed (no still first frame under the GIF)."""
    assert viz.GIF_DPI >= 120
    anim = viz.animate_transposed_conv([1.0, 2.0, 3.0], [1.0, 1.0, 1.0], strides=2)
    width, height = anim.figure.get_size_inches()
    gif = viz.show_animation(anim)
    assert gif.format == "gif"
    with Image.open(io.BytesIO(gif.data)) as image:
        assert image.format == "GIF" and image.n_frames == 3 + 2
        assert abs(image.size[0] - width * viz.GIF_DPI) <= 2 and abs(image.size[1] - height * viz.GIF_DPI) <= 2
    assert plt.get_fignums() == []
    with pytest.raises(TypeError, match="anim"):
        viz.show_animation("scatter.gif")


def test_animate_transposed_conv_frames_gif_and_final_output(tmp_path):
    x, w = [1.0, 2.0, 3.0], [1.0, -1.0, 0.5]
    path = tmp_path / "scatter.gif"
    anim = viz.animate_transposed_conv(x, w, strides=2, padding="same", path=path)
    expected, _, _ = naive_transpose(3, 3, 2, "same", None, 1, np.array(w))
    np.testing.assert_allclose(anim.output, expected @ np.array(x), atol=1e-12)
    with Image.open(path) as gif:
        assert gif.format == "GIF" and gif.n_frames == len(x) + 2
    assert not [p for p in os.listdir(tmp_path) if p != "scatter.gif"]      # no temporary file left
    # the last frame shows the cropped output values; the frame of step 2 shows the partial sums
    anim._draw_frame(len(x) + 1)
    ax = anim._fig.axes[0]
    shown = [t.get_text() for t in ax.texts]
    assert all(f"{v:g}" in shown for v in anim.output)
    assert "crop [0, 6)" in ax.get_title()
    anim._draw_frame(2)
    assert ax.get_title().startswith("step 2/3: x[1] = 2")
    assert len(ax.lines) == 3                                                # one line per tap


# ------------------------------------------------------------------------------------------------------------
# The computational graph
# ------------------------------------------------------------------------------------------------------------
def _small_graph():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    x.name = "x"
    w = tg.tensor([0.5, -1.0], requires_grad=True)
    w.name = "w"
    loss = (x * w + x * x).sum()
    loss.name = "loss"
    return x, w, loss


def test_to_dot_nodes_edges_and_gradients():
    _x, _w, loss = _small_graph()
    dot = viz.to_dot(loss)
    assert dot.startswith('digraph "tinygradconv" {') and dot.rstrip().endswith("}")
    edges = [line.strip() for line in dot.splitlines() if "->" in line]
    # ops: mul(x, w), mul(x, x), add, sum -> 4 ops; edges: 2 + 2 + 2 + 1 inputs, plus one op -> output per op
    assert len(edges) == 7 + 4
    labels = [line for line in dot.splitlines() if "label=" in line]
    assert sum("shape=ellipse" in line for line in labels) == 4
    assert sum("shape=box" in line for line in labels) == 2 + 3 + 1    # two leaves, three intermediates... one sum
    assert any('label="x\\nshape (2,) float32' in line for line in labels)
    assert "\\ngrad " not in dot                                 # no gradient yet
    loss.backward(retain_graph=True)
    dot = viz.to_dot(loss)
    # d/dx (x*w + x*x) = w + 2x = [2.5, 3]; d/dw = x = [1, 2]
    assert "grad [2.5, 3]" in dot and "grad [1, 2]" in dot
    assert "freed" not in dot


def test_to_dot_after_backward_says_the_graph_was_freed():
    _, _, loss = _small_graph()
    loss.backward()
    dot = viz.to_dot(loss)
    assert "retain_graph=True" in dot and "freed by backward" in dot
    assert sum("->" in line for line in dot.splitlines()) == 1       # only op -> output is left


def test_to_dot_escapes_names():
    t = tg.tensor(1.0, requires_grad=True)
    t.name = 'say "hi"\\'
    assert 'label="say \\"hi\\"\\\\\\n' in viz.to_dot(t * 2)
    with pytest.raises(TypeError, match="tensor"):
        viz.to_dot(np.ones(2))


def test_plot_graph_layered_layout():
    x, _w, loss = _small_graph()
    loss.backward(retain_graph=True)
    ax = viz.plot_graph(loss)
    nodes = {t.get_gid(): t for t in ax.texts if t.get_gid()}
    ops = sorted(t.get_text() for gid, t in nodes.items() if gid.startswith("op:"))
    assert ops == ["add", "mul", "mul", "sum"]
    assert sum(gid.startswith("tensor:") for gid in nodes) == 6
    edges = [a.get_gid() for a in ax.texts if (a.get_gid() or "").startswith("edge:")]
    assert len(edges) == 11
    for gid in edges:                                          # every edge points down (a later layer)
        src, dst = gid[5:].split("->")
        kind = {"t": "tensor", "o": "op"}
        y0 = nodes[f"{kind[src[0]]}:{src}"].get_position()[1]
        y1 = nodes[f"{kind[dst[0]]}:{dst}"].get_position()[1]
        assert y1 < y0
    leaf_text = next(t.get_text() for gid, t in nodes.items() if t.get_text().startswith("x\n"))
    assert "grad [2.5, 3]" in leaf_text
    ax.figure.canvas.draw()                                    # the annotations resolve against the node boxes
    _fig, own = plt.subplots()
    assert viz.plot_graph(x * 2, ax=own) is own


def test_plot_graph_bends_both_edges_of_a_repeated_input_apart():
    """``a * a``: the two edges from ``a`` into ``mul`` are mirror images, neither straight (a tester saw a straight
    edge and one bent by 0.35 as a single bent arrow between two close nodes); their drawn paths are apart."""
    a = tg.tensor([1.0, 2.0], requires_grad=True)
    ax = viz.plot_graph((a * a).sum())
    ax.figure.canvas.draw()
    repeated = [t for t in ax.texts if (t.get_gid() or "").startswith("edge:t") and "->op" in t.get_gid()
                and sum(u.get_gid() == t.get_gid() for u in ax.texts) == 2]
    assert len(repeated) == 2
    rads = sorted(float(t.arrowprops["connectionstyle"].split("rad=")[1]) for t in repeated)
    assert rads[0] == -rads[1] and rads[1] >= 0.5
    middles = [t.arrow_patch.get_path().vertices.mean(axis=0) for t in repeated]    # display coordinates (pixels)
    assert abs(middles[0][0] - middles[1][0]) > 5


def test_plot_graph_tells_unnamed_inputs_from_constants():
    """x and the target y (arrays that need no gradient) are inputs, numbered in the graph's order so that they are
    told apart ("input 1" is x, the first argument of the first op); the factor of ``* 2.0`` is the constant 2; the
    exponent of ``** 2`` is an attribute of its op, drawn in the op's box (``(·) ** 2``)."""
    x = tg.tensor(np.arange(4.0).reshape(4, 1))
    y = tg.tensor(np.ones((4, 1)))
    w = tg.tensor([[0.5]], requires_grad=True)
    loss = ((x @ w - y) ** 2 * 2.0).mean()
    ax = viz.plot_graph(loss)
    figure_check.assert_readable(ax.figure, bbox_inches="tight")
    titles = sorted(t.get_text().split("\n")[0] for t in ax.texts if (t.get_gid() or "").startswith("tensor:"))
    # the four unnamed tensors the ops made: titled by their op (matmul, sub, pow_scalar for ** 2, mul for * 2.0)
    assert sorted(titles) == ["constant 2", "input 1", "input 2", "leaf", "matmul", "mul", "output", "pow_scalar",
                              "sub"]
    boxes = {t.get_text().split("\n")[0]: t.get_text() for t in ax.texts if (t.get_gid() or "").startswith("tensor:")}
    assert boxes["input 1"].split("\n")[2] == "mean 1.5, max|.| 3"          # x = 0, 1, 2, 3
    assert boxes["input 2"].split("\n")[2] == "mean 1, max|.| 1"            # y = ones
    assert 'label="constant 2' in viz.to_dot(loss) and 'label="input 1\\n' in viz.to_dot(loss)
    ops = [t.get_text() for t in ax.texts if (t.get_gid() or "").startswith("op:")]
    assert "pow_scalar\n(·) ** 2" in ops and 'label="pow_scalar\\n(·) ** 2"' in viz.to_dot(loss)
    plt.close(ax.figure)


def test_plot_graph_names_both_backends_of_a_move():
    """``x.to(...)`` is an op of the graph (as PyTorch's ``ToCopyBackward0``), drawn with where it moves the values,
    and the backward picture follows the gradient back across it."""
    pytest.importorskip("array_api_strict")
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    loss = (x.to("array_api_strict") ** 2).sum()
    ax = viz.plot_graph(loss)
    ops = [t.get_text() for t in ax.texts if (t.get_gid() or "").startswith("op:")]
    assert "to_backend\nnumpy -> array_api_strict" in ops
    plt.close(ax.figure)
    np.testing.assert_array_equal(viz.trace_backward(loss).grad(x), [2.0, 4.0])      # d/dx x^2 = 2x


def test_graph_of_a_deep_chain_has_no_recursion_limit():
    x = tg.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(3000):
        y = y * 1.0
    assert viz.to_dot(y).count("shape=ellipse") == 3000
    with pytest.raises(ValueError, match="max_nodes=300"):
        viz.plot_graph(y)


# ------------------------------------------------------------------------------------------------------------
# plot_history
# ------------------------------------------------------------------------------------------------------------
class FakeHistory:
    def __init__(self, history):
        self.history = history


def test_plot_history_curves():
    data = {"loss": [1.0, 0.5, 0.25], "mae": [0.9, 0.6, 0.4], "val_loss": [1.2, 0.8, 0.6], "val_mae": [1, .7, .5]}
    fig = viz.plot_history(FakeHistory(data))
    assert len(fig.axes) == 2
    for ax, name in zip(fig.axes, ["loss", "mae"]):
        lines = {line.get_gid(): line for line in ax.lines}
        assert set(lines) == {f"train:{name}", f"val:{name}"}
        assert lines[f"train:{name}"].get_xdata().tolist() == [1, 2, 3]
        assert lines[f"train:{name}"].get_ydata().tolist() == data[name]
        assert lines[f"val:{name}"].get_ydata().tolist() == data[f"val_{name}"]
        assert lines[f"val:{name}"].get_linestyle() == "--"
        assert ax.get_xlabel() == "epoch" and ax.get_title() == name


def test_plot_history_single_axes_metrics_and_errors():
    fig, ax = plt.subplots()
    got = viz.plot_history({"loss": [3.0, 2.0], "val_loss": [3.5, 2.5], "acc": [0.1, 0.2]}, metrics=["loss"], ax=ax,
                           logy=True)
    assert got is fig and len(ax.lines) == 2 and ax.get_yscale() == "log"
    assert [line.get_gid() for line in viz.plot_history({"val_loss": [1.0]}).axes[0].lines] == ["val:loss"]
    with pytest.raises(TypeError, match="history"):
        viz.plot_history([1, 2, 3])
    with pytest.raises(ValueError, match="no metric"):
        viz.plot_history({})
    with pytest.raises(ValueError, match="metrics"):
        viz.plot_history({"loss": [1.0]}, metrics=["accuracy"])
    with pytest.raises(ValueError, match="one number per epoch"):
        viz.plot_history({"loss": [[1.0, 2.0]]})
    with pytest.raises(ValueError, match="one Axes or 2"):
        viz.plot_history({"loss": [1.0], "mae": [2.0]}, ax=[ax])


# ------------------------------------------------------------------------------------------------------------
# Import hygiene and the command line
# ------------------------------------------------------------------------------------------------------------
def test_importing_the_package_does_not_import_matplotlib():
    code = ("import sys, tinygradconv as tg\n"
            "assert 'matplotlib' not in sys.modules, 'import tinygradconv'\n"
            "import tinygradconv.viz as viz\n"
            "m = viz.connectivity_matrix('conv1d_transpose', 3, 2, strides=2)\n"
            "x = tg.tensor([1.0], requires_grad=True)\n"
            "viz.to_dot(x * 2)\n"
            "assert 'matplotlib' not in sys.modules, 'viz'\n"
            "print(m.shape)\n")
    env = {**os.environ, "PYTHONPATH": ROOT}
    result = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, env=env,
                            cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "(6, 3)"


def _parser():
    parser = argparse.ArgumentParser(prog="tinygradconv")
    cli.register(parser.add_subparsers(dest="command", required=True))
    return parser


def _run_cli(argv):
    args = _parser().parse_args(argv)
    return args.func(args)


def test_cli_connectivity_png_matrix_and_gif(tmp_path, capsys):
    png = tmp_path / "conn.png"
    assert _run_cli(["connectivity", "--kernel-size", "3", "--strides", "2", "--padding", "same",
                     "--input-length", "5", "-o", str(png)]) == 0
    with Image.open(png) as image:
        assert image.format == "PNG" and image.size[0] > image.size[1] > 50
    assert f"wrote {png}" in capsys.readouterr().out
    matrix = tmp_path / "matrix.png"
    assert _run_cli(["connectivity", "--kind", "conv1d", "--kernel-size", "2", "--dilation-rate", "2",
                     "--padding", "causal", "--matrix", "-o", str(matrix)]) == 0
    assert matrix.stat().st_size > 1000
    gif = tmp_path / "scatter.gif"
    assert _run_cli(["connectivity", "--kernel-size", "3", "--strides", "2", "--input-length", "3",
                     "--output-padding", "1", "--weights", "1,0.5,-1", "--gif", "-o", str(gif)]) == 0
    with Image.open(gif) as image:
        assert image.n_frames == 3 + 2
    assert plt.get_fignums() == []                                # the CLI closes its figures


@pytest.mark.parametrize("argv, words", [
    (["connectivity", "--kind", "conv1d", "--output-padding", "1"], "Invalid value for --output-padding"),
    (["connectivity", "--padding", "causal"], "padding"),
    (["connectivity", "--kind", "conv1d", "--gif"], "--gif"),
    (["connectivity", "--weights", "1,2", "--gif"], "--weights"),
    (["connectivity", "--strides", "0"], "positive integer"),
    (["connectivity", "--output-padding", "x"], "'none'"),
    (["connectivity", "--gif", "--matrix"], "not allowed"),
    # long inputs: the option the user typed is named (not the library's argument), with the limit
    (["connectivity", "--input-length", "40", "--gif"], "Invalid value for --input-length: 40 inputs"),
    (["connectivity", "--input-length", "200", "--kernel-size", "4", "--strides", "2", "--padding", "same", "--matrix"],
     "--input-length 200 gives a 400×200 matrix"),
])
def test_cli_connectivity_errors(argv, words, capsys, tmp_path):
    with pytest.raises(SystemExit) as exit_info:
        _run_cli([*argv, "-o", str(tmp_path / ("x.gif" if "--gif" in argv else "x.png"))])
    assert exit_info.value.code == 2
    assert words in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_cli_connectivity_reports_an_unwritable_path(capsys, tmp_path):
    with pytest.raises(SystemExit):
        _run_cli(["connectivity", "-o", str(tmp_path / "missing" / "x.png")])
    assert "does not exist" in capsys.readouterr().err


def test_figures_are_written_and_deterministic(tmp_path):
    first = cli.make_figures(tmp_path / "a", epochs=3)
    second = cli.make_figures(tmp_path / "b", epochs=3)
    assert [p.name for p in first] == list(cli.FIGURES)
    for a, b in zip(first, second):
        assert a.read_bytes() == b.read_bytes()
        with Image.open(a) as image:
            assert image.format == "PNG"
    assert plt.get_fignums() == []


def test_readme_figures_are_committed():
    for name in cli.FIGURES:
        path = os.path.join(ROOT, "docs", "_static", name)
        with Image.open(path) as image:
            assert image.format == "PNG" and image.size[0] > 300


# ------------------------------------------------------------------------------------------------------------
# The figure check (tests/figure_check.py) on every plotting function, over a range of sizes
# ------------------------------------------------------------------------------------------------------------
sys.path.insert(0, os.path.dirname(__file__))
import figure_check
from matplotlib.backend_bases import FigureCanvasBase

_PRINT_FIGURE = FigureCanvasBase.print_figure

SIZES = [  # (L, k, s, padding): short and long inputs, k up to 9, strides up to 4
    (1, 1, 1, "valid"), (3, 2, 1, "same"), (5, 3, 2, "same"), (4, 4, 2, "same"), (9, 9, 1, "valid"),
    (10, 9, 4, "same"), (6, 2, 4, "valid"), (8, 5, 3, "same"), (40, 3, 2, "same"), (200, 4, 2, "valid"),
]


@pytest.mark.parametrize("kind", ["conv1d", "conv1d_transpose"])
@pytest.mark.parametrize("size", SIZES, ids=lambda c: "L{}-k{}-s{}-{}".format(*c))
def test_connectivity_figures_are_readable(kind, size):
    L, k, s, padding = size
    if kind == "conv1d" and padding == "valid" and L < k:
        pytest.skip("conv1d valid with L < k has an empty output (refused)")
    ax = viz.plot_connectivity(kind, L, k, strides=s, padding=padding)
    figure_check.assert_readable(ax.figure, bbox_inches="tight")
    plt.close(ax.figure)
    long_side = max(viz.connectivity_matrix(kind, L, k, strides=s, padding=padding).shape)
    if long_side > 100:                                    # a hairline band: refused, with the limit named
        with pytest.raises(ValueError, match="too many cells to read"):
            viz.plot_conv_matrix(kind, L, k, strides=s, padding=padding)
        return
    fig = viz.plot_conv_matrix(kind, L, k, strides=s, padding=padding, weights=np.linspace(-0.77, 0.9, k))
    figure_check.assert_readable(fig, bbox_inches="tight")
    plt.close(fig)


@pytest.mark.parametrize("size", [c for c in SIZES if (c[0] - 1) * c[2] + c[1] <= 20], ids=lambda c: str(c))
def test_every_frame_of_the_animation_is_readable(size, tmp_path):
    L, k, s, padding = size
    path = tmp_path / "a.gif"
    anim = viz.animate_transposed_conv(L, np.linspace(-0.770853, 2.5, k), strides=s, padding=padding)
    report = tmp_path / "report.json"
    figure_check.install(report, "animation")
    try:
        anim.save(path, writer=matplotlib.animation.PillowWriter(fps=2), dpi=80)   # every frame is checked
    finally:
        FigureCanvasBase.print_figure = _PRINT_FIGURE
    assert report.read_text() == "[]", report.read_text()
    plt.close(anim._fig)


def test_long_animation_is_refused_with_a_clear_message():
    with pytest.raises(ValueError, match=r"40 inputs make a full output of 81 cells.*plot_connectivity"):
        viz.animate_transposed_conv(40, 3, strides=2, padding="same")


def test_long_inputs_wrap_into_rows_with_an_ellipsis():
    ax = viz.plot_connectivity("conv1d_transpose", 200, 4, strides=2)
    fig = ax.figure
    assert len(fig.axes) == 3 and fig.get_figwidth() <= 11.0
    assert any("cells left out" in t.get_text() for a in fig.axes for t in a.texts)
    plt.close(fig)
    ax = viz.plot_connectivity("conv1d", 40, 3, strides=2, padding="same")
    assert len(ax.figure.axes) == 2 and ax.figure.get_figwidth() <= 11.0                  # 42 cells: two rows
    plt.close(ax.figure)


def test_lines_into_cropped_cells_are_drawn_and_marked():
    # L=5, k=3, s=2, same: full length 11, N = 10, c_left = 0: x4 reaches q = 8 + t, t = 2 lands on q = 10
    ax = viz.plot_connectivity("conv1d_transpose", 5, 3, strides=2, padding="same")
    crop = sorted(line.get_gid() for line in ax.lines if line.get_gid().startswith("crop:"))
    assert crop == ["crop:4:10:2"]
    faint = next(line for line in ax.lines if line.get_gid() == "crop:4:10:2")
    full = next(line for line in ax.lines if line.get_gid().startswith("conn:3:") and line.get_gid().endswith(":2"))
    assert faint.get_alpha() < full.get_alpha() and faint.get_color() == full.get_color()
    assert any("cropped" in t.get_text() for t in ax.get_legend().get_texts())
    plt.close(ax.figure)


def test_taps_differ_in_colour_and_dash_pattern_from_a_colour_blind_safe_palette():
    from tinygradconv.viz.connectivity import TAP_COLORS, _tap_colors, _tap_styles

    # Okabe & Ito's eight colours, as published (independent list)
    assert set(TAP_COLORS) == {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7",
                               "#000000"}
    pairs = list(zip(_tap_colors(24), map(str, _tap_styles(24))))
    assert len(set(pairs)) == 24                                        # the widest kernel a diagram draws
    assert all(pairs[t][1] != pairs[t + 1][1] for t in range(23))      # neighbours never share a dash pattern
    # the look-alike colours (found by a tester: taps 1 and 5 of a 7-tap diagram were both orange and dashed)
    look_alike = [("#0072B2", "#56B4E9"), ("#E69F00", "#D55E00"), ("#009E73", "#F0E442")]
    for first, second in look_alike:
        for t, (colour, style) in enumerate(pairs):
            for u, (other, other_style) in enumerate(pairs[t + 1:t + 8], start=t + 1):
                if {colour, other} == {first, second}:
                    assert style != other_style, (t, u)


def test_conv_matrix_default_weights_tell_the_taps_apart_and_values_fit():
    fig = viz.plot_conv_matrix("conv1d_transpose", 4, 3, strides=2)
    values = {t.get_text() for t in fig.axes[0].texts}
    assert values == {"1", "2", "3"}
    plt.close(fig)
    fig = viz.plot_conv_matrix("conv1d", 6, 3, weights=[0.770853, -0.25, 1.0 / 3])
    assert {t.get_text() for t in fig.axes[0].texts} == {"0.77", "-0.25", "0.33"}
    figure_check.assert_readable(fig, bbox_inches="tight")
    plt.close(fig)
    fig = viz.plot_conv_matrix("conv1d", 40, 3)                      # too big for numbers: a colour bar
    assert not fig.axes[0].texts and len(fig.axes) == 3
    plt.close(fig)


def test_history_figure_is_readable():
    fig = viz.plot_history({"loss": [1.0, 0.5, 0.2], "val_loss": [1.1, 0.7, 0.4], "mae": [0.9, 0.6, 0.4],
                            "val_mae": [1.0, 0.7, 0.5]}, logy=True)
    figure_check.assert_readable(fig, bbox_inches="tight")
    plt.close(fig)


@pytest.mark.parametrize("layers", [1, 2], ids=["one_layer", "two_layers"])
def test_graph_figure_is_readable(layers):
    from tinygradconv.layers import Conv1DTranspose, Dense

    model = tg.models.Sequential([Conv1DTranspose(2, 3, strides=2), Dense(1)][:layers])
    loss = (model(np.ones((1, 4, 1), dtype="float32")) ** 2).sum()
    ax = viz.plot_graph(loss)
    try:
        figure_check.assert_readable(ax.figure, bbox_inches="tight")
    finally:
        plt.close(ax.figure)


def test_the_figure_check_finds_what_it_should():
    fig, ax = plt.subplots(figsize=(24, 2))                                  # a long strip with 8-point text
    ax.set_title("a title", fontsize=8)
    ax.text(0.5, 0.5, "one", transform=ax.transAxes, fontsize=12)
    ax.text(0.5, 0.5, "two", transform=ax.transAxes, fontsize=12)            # on top of "one"
    ax.text(1.2, 0.5, "outside", transform=fig.transFigure, fontsize=12)     # beyond the right edge
    problems = figure_check.figure_problems(fig)
    assert any("'a title' is 3.3 pt" in p for p in problems)
    assert any("'one' and 'two' overlap" in p for p in problems)
    assert any("'outside' extends beyond" in p for p in problems)
    assert not any("outside" in p for p in figure_check.figure_problems(fig, bbox_inches="tight")
                   if "extends" in p)                                       # a tight bbox takes it in
    plt.close(fig)


_EXAMPLE_RUNNER = """
import json, runpy, sys
sys.path.insert(0, {tests!r})
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import figure_check
figure_check.install({report!r}, {name!r})                  # figures the script saves itself
sys.argv = [{script!r}] + {extra!r}
runpy.run_path({script!r}, run_name="__main__")
entries = json.loads(open({report!r}).read())
for number in plt.get_fignums():                             # figures the docs gallery saves (tight bbox)
    problems = figure_check.figure_problems(plt.figure(number), bbox_inches="tight")
    if problems:
        entries.append({{"where": {name!r}, "figure": number, "problems": problems}})
open({report!r}, "w").write(json.dumps(entries, indent=1))
"""


@pytest.mark.parametrize("script", sorted(Path(ROOT, "examples").glob("[!_]*.py")), ids=lambda p: p.name)
def test_every_figure_of_the_examples_is_readable(script, tmp_path):
    report = tmp_path / "report.json"
    extra = ["--out", str(tmp_path / "out")] if "--out" in script.read_text() else []   # its own saved figures too
    code = _EXAMPLE_RUNNER.format(tests=os.path.dirname(__file__), report=str(report), name=script.name,
                                  script=str(script), extra=extra)
    env = {**os.environ, "TINYGRADCONV_FAST": "1", "MPLBACKEND": "Agg", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert report.read_text() == "[]", report.read_text()
