"""Teaching pictures, round 2 of a reviewer's and a student's findings: each test reproduces one report on the
artists drawn (their data, colours, texts), against a hand-computed case."""
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from figure_check import figure_problems

import tinygradconv as tg
from tinygradconv import viz


# ------------------------------------------------------------- 1. the matrix figure: no half of it blank under C
@pytest.mark.parametrize("args, kwargs, numbers", [
    (("conv1d", 30), {"kernel_size": 2, "strides": 5, "padding": "same"}, False),   # 6×30 beside 30×6: a colour bar
    (("conv1d", 5), {"kernel_size": 5}, True),                                       # 1×5 beside 5×1: numbers
])
def test_the_matrix_figure_leaves_little_blank_under_c(args, kwargs, numbers):
    fig = viz.plot_conv_matrix(*args, **kwargs)
    c_axes, t_axes = fig.axes[:2]
    c, t = c_axes.images[0].get_array(), t_axes.images[0].get_array()
    n_short, n_long = c.shape
    assert (n_short, n_long) == ((6, 30) if args[1] == 30 else (1, 5)) and np.array_equal(t, c.T)
    assert bool(c_axes.texts) == numbers
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    c_box, t_box = (a.get_window_extent(renderer) for a in (c_axes, t_axes))
    # the room under C beside the taller T, as a share of the figure: it was about 2/3 and 1/2 of the room under C
    blank = max(t_box.height - c_box.height, 0.0) * c_box.width / (fig.bbox.width * fig.bbox.height)
    assert blank < 0.12, blank
    t_cell, c_cell = t_box.height / n_long, c_box.height / n_short
    # T's cells: still at least 0.25 of C's with a colour bar, and room for an 8-point number (0.2 inch) with numbers
    assert t_cell >= (0.2 * fig.dpi - 0.5 if numbers else 0.25 * c_cell - 0.5)
    assert figure_problems(fig) == []                     # T's title and labels inside the figure, none overlapping
    plt.close(fig)


def test_matrix_shrink_floors():
    assert viz.connectivity.matrix_shrink(6, 30) == 0.6                  # numbers in the cells: 0.6 of C's
    assert viz.connectivity.matrix_shrink(6, 30, annotate=False) == 0.25  # a colour bar: down to 0.25
    assert viz.connectivity.matrix_shrink(6, 12, annotate=False) == 0.5   # as high as C


# --------------------------------------------------------- 2. the legend's faint line looks like the faint lines
@pytest.mark.parametrize("args, kwargs, what", [
    (("conv1d", 6, 3), {"padding": "same"}, "pad"),
    (("conv1d_transpose", 3, 3), {"strides": 2, "padding": "same"}, "crop"),
])
def test_the_legend_says_a_faint_line_is_in_its_taps_colour(args, kwargs, what):
    ax = viz.plot_connectivity(*args, **kwargs)
    faint = [line for line in ax.lines if (line.get_gid() or "").startswith(what + ":")]
    assert faint
    colours = {matplotlib.colors.to_hex(line.get_color()) for line in faint}
    taps = {int(line.get_gid().split(":")[3]) for line in faint}
    assert colours == {viz.connectivity.TAP_COLORS[t].lower() for t in taps}           # drawn in their taps' colours
    legend = ax.get_legend()
    texts = [t.get_text() for t in legend.get_texts()]
    label = {"pad": "a tap on a padding zero", "crop": "into a cropped cell"}[what]
    entry = texts.index(f"faint, in its tap's colour: {label}")
    handle = legend.legend_handles[entry]
    # the handle: as faint and as thin as the lines drawn
    assert handle.get_alpha() == faint[0].get_alpha() and handle.get_linewidth() == faint[0].get_linewidth()
    plt.close("all")


# -------------------------------------------------------------- 3. the backward key: grey to the end, for constants
def test_the_backward_key_says_edges_from_constants_stay_grey():
    x, w, y = tg.tensor([1.0, 2.0]), tg.tensor([0.5, -1.0], requires_grad=True), tg.tensor([1.0, 0.0])
    loss = ((x * w - y) ** 2).mean()
    anim = viz.animate_backward(loss)
    last = len(anim.frame_texts) - 1
    anim._func(last)
    fig = anim.figure
    arrows = {t.get_gid(): t for t in fig.axes[0].texts if (t.get_gid() or "").startswith("edge:")}
    still_grey = {gid for gid, a in arrows.items()
                  if matplotlib.colors.to_hex(a.arrow_patch.get_edgecolor()) == "#888888"}
    # on the last frame exactly the edges out of x and y (the two inputs that need no gradient) are grey
    inputs = [t.get_gid().split(":")[1] for t in fig.axes[0].texts
              if (t.get_gid() or "").startswith("tensor:") and "grad: none" in t.get_text()]
    assert len(inputs) == 2 and still_grey and {gid.split(":")[1].split("->")[0] for gid in still_grey} == set(inputs)
    footer = next(t for t in fig.texts if t.get_gid() == "footer").get_text().replace("\n", " ")
    assert "or never" in footer and "stay grey to the end" in footer and "input x" in footer
    assert figure_problems(fig) == []
    plt.close(fig)


# ------------------------------------------------------------ 4. the tap numbers: every tap, and whose window
def _numbers(ax):
    return {int(t.get_gid().split(":")[1]): t for a in ax.figure.axes for t in a.texts
            if (t.get_gid() or "").startswith("tap:") and t.get_visible()}


def test_a_twelve_tap_conv1d_numbers_all_taps_of_a_named_output():
    ax = viz.plot_connectivity("conv1d", 10, kernel_size=12, strides=2, padding="same")
    numbers = _numbers(ax)
    assert sorted(numbers) == list(range(12))                                 # t0 .. t11, none left out
    window = [t for a in ax.figure.axes for t in a.texts if (t.get_gid() or "").startswith("window:")]
    assert len(window) == 1 and window[0].get_visible()
    n = int(window[0].get_gid().split(":")[1][1:])
    assert window[0].get_text() == f"taps of y{n}:"
    # padding='same', k=12, s=2, L=10: N = 5, total padding (5 - 1)·2 + 12 - 10 = 10, left 5; tap t of output n
    # reads x[2n + t - 5] (a padding zero outside 0..9), drawn at x = 2n + t - 5
    for t, text in numbers.items():
        assert text.get_position()[0] == pytest.approx(2 * n + t - 5)
    assert figure_problems(ax.figure) == []
    plt.close("all")


def test_a_twelve_tap_transposed_conv_numbers_its_cropped_taps_too():
    weights = [0.5, -1, 2, 1.5, -0.5, 1, 0.25, -2, 1, 0.75, -1.25, 0.5]
    ax = viz.plot_connectivity("conv1d_transpose", 3, kernel_size=12, strides=2, padding="same", weights=weights)
    numbers = _numbers(ax)
    assert sorted(numbers) == list(range(12))                                 # t0-t2, t11 (cropped) too
    window = [t for a in ax.figure.axes for t in a.texts if (t.get_gid() or "").startswith("window:")]
    assert len(window) == 1
    j = int(window[0].get_gid().split(":")[1][1:])
    assert window[0].get_text() == f"taps of x{j}:"
    # input j lands through tap t on full output position q = j·s + t (the full output, before cropping, is drawn
    # from x = 0): the numbers stand under those cells
    for t, text in numbers.items():
        assert text.get_position()[0] == pytest.approx(2 * j + t)
    plt.close("all")


# ------------------------------------------------------------------------- 5. plot_graph's colour key
def test_plot_graph_has_a_colour_key_matching_its_boxes():
    x, w, y = tg.tensor([1.0, 2.0]), tg.tensor([0.5, -1.0], requires_grad=True), tg.tensor([1.0, 0.0])
    loss = ((x * w - y) ** 2).mean()
    ax = viz.plot_graph(loss)
    fig = ax.figure
    key = [legend for legend in fig.legends if legend.get_gid() == "colour-key"]
    assert len(key) == 1
    # the boxes' entries (the first entry is the grey arrow, a line)
    entries = {text.get_text(): matplotlib.colors.to_hex(handle.get_facecolor())
               for text, handle in zip(key[0].get_texts(), key[0].legend_handles) if hasattr(handle, "get_facecolor")}
    boxes = {t.get_gid(): (t.get_text(), matplotlib.colors.to_hex(t.get_bbox_patch().get_facecolor()))
             for t in ax.texts if (t.get_gid() or "").startswith(("tensor:", "op:"))}

    def colour(first_line, kind=("tensor:", "op:")):     # a tensor an op made is titled by the op ("mul")
        found = {c for gid, (text, c) in boxes.items() if text.splitlines()[0] == first_line and gid.startswith(kind)}
        assert len(found) == 1, (first_line, boxes)
        return found.pop()

    # by hand: w is the only leaf that needs a gradient; x and y need none; mean's result is the output
    assert entries["leaf: needs a gradient (a parameter)"] == colour("leaf")
    assert entries["needs no gradient (input, target, constant)"] == colour("input 1") == colour("input 2")
    assert entries["tensor made by an op"] == colour("mul", "tensor:") == colour("sub", "tensor:")
    assert entries["output (the tensor drawn)"] == colour("output")
    assert entries["op"] == colour("mul", "op:") == colour("mean", "op:")
    assert len(set(entries.values())) == len(entries) == 5                    # one colour per kind, none missing
    # the key stands under the boxes, overlapping none
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    key_box = key[0].get_window_extent(renderer)
    for gid in boxes:
        box = next(t for t in ax.texts if t.get_gid() == gid).get_bbox_patch().get_window_extent(renderer)
        assert not key_box.overlaps(box), gid
    assert figure_problems(fig) == []
    plt.close(fig)


def test_plot_graph_in_a_given_axes_draws_no_key():
    fig, ax = plt.subplots()
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    viz.plot_graph((x * x).sum(), ax=ax)
    assert fig.legends == []
    plt.close(fig)
