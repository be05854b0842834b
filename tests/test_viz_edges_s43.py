"""Teaching pictures, the rough edges left from the last review: each test reproduces one report on the artists
drawn (their positions, colours, texts) against a hand-computed case, and failed before its fix."""
import itertools

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from figure_check import figure_problems

from tinygradconv import viz


def _boxes(labels, renderer):
    return [t.get_window_extent(renderer) for t in labels if t.get_visible() and t.get_text()]


def _overlapping(boxes):
    return [(a, b) for a, b in itertools.combinations(boxes, 2) if a.overlaps(b)]


# --------------------------------------------------- 1. lopsided matrices: readable panels, ticks, colour bar beside T
LOPSIDED = [
    (("conv1d", 100), {"kernel_size": 1, "strides": 50}),            # the report: C 2×100 beside T 100×2
    (("conv1d_transpose", 1), {"kernel_size": 40}),                  # C 1×40 beside T 40×1
    (("conv1d", 100), {"kernel_size": 5, "strides": 10}),            # C 10×100: T's ten columns were "048" run together
    (("conv1d", 100), {"kernel_size": 3}),                           # square-ish, 98×100
]


@pytest.mark.parametrize("args, kwargs", LOPSIDED, ids=lambda v: str(v))
def test_lopsided_matrices_are_readable(args, kwargs):
    fig = viz.plot_conv_matrix(*args, **kwargs)
    c_axes, t_axes, bar = fig.axes
    c = c_axes.images[0].get_array()
    n_short, n_long = c.shape
    # the matrix drawn is the op's (independent: connectivity_matrix runs conv1d / conv1d_transpose on a basis)
    op = viz.connectivity_matrix(*args, **kwargs)
    assert sorted(op.shape) == [n_short, n_long]
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    dpi = fig.dpi
    c_box, t_box, bar_box = (a.get_window_extent(renderer) for a in (c_axes, t_axes, bar))
    # no hairline: every panel at least half an inch across its short side (0.14 and 0.035 inch before)
    assert min(c_box.height, t_box.width) >= 0.5 * dpi - 1, (c_box.height / dpi, t_box.width / dpi)
    # no two tick labels of one axis overlap (T's "0 4 8" ran together, C's "0"/"1" on a 0.14-inch side)
    for axes in (c_axes, t_axes):
        for labels in (axes.get_xticklabels(), axes.get_yticklabels()):
            assert _overlapping(_boxes(labels, renderer)) == [], axes.get_title()
    # the colour bar right beside T (it stood about an inch to the right), and as high as T
    gap = (bar_box.x0 - t_box.x1) / dpi
    assert 0.0 < gap < 0.25, gap
    assert bar_box.y0 == pytest.approx(t_box.y0, abs=1) and bar_box.y1 == pytest.approx(t_box.y1, abs=1)
    assert figure_problems(fig) == []
    plt.close(fig)


def test_index_ticks_thin_to_the_room():
    from tinygradconv.viz.connectivity import _index_ticks

    # 8-point labels: "99" about 10 points wide, 4 points apart -> 1 inch holds 72 / 14.2 + 1 = 6 of them
    ticks = _index_ticks(100, 12, 1.0, digits_across=True)
    assert 2 <= len(ticks) <= 6 and all(0 <= t <= 99 for t in ticks)
    # one digit, 5.1 points, plus 4 apart: half an inch (36 points) holds int(36 / 9.1) + 1 = 4 labels
    assert _index_ticks(10, 12, 0.5, digits_across=True) == [0, 3, 6, 9]
    assert _index_ticks(2, 12, 0.5, digits_across=False) == [0, 1]     # both rows of a 2-row matrix half an inch high
    assert _index_ticks(3, 12, 5.0, digits_across=True) == [0, 1, 2]  # every index when they fit


# ------------------------------------------------------------ 2. "taps of y2:" right beside the numbers it names
@pytest.mark.parametrize("args, kwargs", [
    (("conv1d", 10), {"kernel_size": 12, "strides": 2, "padding": "same"}),       # y2's window, mid-row
    (("conv1d_transpose", 3), {"kernel_size": 12, "strides": 2, "padding": "same"}),
    (("conv1d", 30), {"kernel_size": 9, "padding": "same"}),
])
def test_the_window_note_stands_beside_its_first_number(args, kwargs):
    ax = viz.plot_connectivity(*args, **kwargs)
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    texts = [t for a in fig.axes for t in a.texts]
    note = next(t for t in texts if (t.get_gid() or "").startswith("window:"))
    numbers = {int(t.get_gid()[4:]): t for t in texts if (t.get_gid() or "").startswith("tap:")}
    first = numbers[0]                                   # t0: the leftmost line of the window (x grows with t)
    assert note.axes is first.axes and note.get_visible() and first.get_visible()
    note_box = note.get_window_extent(renderer)
    first_box = first.get_bbox_patch().get_window_extent(renderer)
    # on the numbers' line, ending just left of t0's frame: a gap of 0 to 6 points (it stood at the row's left
    # edge: 4.8 cells, about 1.3 inch, left of y2's t0)
    gap_points = (first_box.x0 - note_box.x1) * 72 / fig.dpi
    assert 0.0 <= gap_points <= 6.0, gap_points
    assert note_box.y0 < first_box.y1 and first_box.y0 < note_box.y1             # level with the number
    assert not any(note_box.overlaps(t.get_bbox_patch().get_window_extent(renderer)) for t in numbers.values())
    assert figure_problems(fig) == []
    plt.close(fig)


# ------------------------------------------------- 3. the faint lines' legend sample looks like the faint lines
@pytest.mark.parametrize("args, kwargs, what", [
    (("conv1d", 10), {"kernel_size": 12, "strides": 2, "padding": "same"}, "pad"),
    (("conv1d_transpose", 3), {"kernel_size": 3, "strides": 2, "padding": "same"}, "crop"),
    (("conv1d", 6), {"kernel_size": 3, "padding": "same", "weights": [0.5, -2.0, 1.0]}, "pad"),
])
def test_the_faint_legend_sample_is_drawn_like_the_faint_lines(args, kwargs, what):
    from matplotlib.colors import to_rgba
    from matplotlib.lines import Line2D

    ax = viz.plot_connectivity(*args, **kwargs)
    ax.figure.canvas.draw()
    drawn = {}
    for line in ax.figure.axes[-1].lines + [ln for a in ax.figure.axes for ln in a.lines]:
        gid = line.get_gid() or ""
        if gid.startswith(what + ":"):
            drawn[int(gid.split(":")[3])] = line
    assert drawn
    legend = ax.get_legend()
    sample = [a for a in legend.findobj(Line2D) if (a.get_gid() or "").startswith(f"legend:{what}:")]
    # more than one line where more than one tap is faint (it was one grey line), each in a tap's colour drawn faint
    assert len(sample) == min(3, len(drawn)) and len(sample) >= 1
    for artist in sample:
        t = int(artist.get_gid().split(":")[2])
        line = drawn[t]
        assert to_rgba(artist.get_color()) == to_rgba(line.get_color())
        assert artist.get_color() != "#555555"
        assert artist.get_alpha() == line.get_alpha() == viz.connectivity.FAINT_ALPHA
        assert artist.get_linewidth() == line.get_linewidth()
        assert artist.get_linestyle() == line.get_linestyle()
        assert artist.get_visible()
    # the sample's lines stand apart (about 4 points), each readable on its own
    ys = sorted(artist.get_window_extent(ax.figure.canvas.get_renderer()).y0 for artist in sample)
    assert all(b - a >= 3.0 * ax.figure.dpi / 72 for a, b in itertools.pairwise(ys))
    plt.close("all")


# ----------------------------------------------- 4. one key for plot_graph and animate_backward: same colours, words
def _key(fig):
    [legend] = [legend for legend in fig.legends if legend.get_gid() == "colour-key"]
    out = {}
    for text, handle in zip(legend.get_texts(), legend.legend_handles):
        colour = handle.get_color() if hasattr(handle, "get_linestyle") and not hasattr(handle, "get_hatch") \
            else handle.get_facecolor()
        out[text.get_text()] = matplotlib.colors.to_hex(colour)
    return out


def test_the_graph_and_the_animation_share_one_key():
    import tinygradconv as tg

    x, w, y = tg.tensor([1.0, 2.0]), tg.tensor([0.5, -1.0], requires_grad=True), tg.tensor([1.0, 0.0])
    loss = ((x * w - y) ** 2).mean()
    ax = viz.plot_graph(loss)
    static = _key(ax.figure)
    anim = viz.animate_backward(loss)
    moving = _key(anim.figure)
    # every entry of the static graph's key is in the animation's, in the same colour and the same words
    assert static.items() <= moving.items(), (static, moving)
    # ... and is what is drawn: the static graph's arrows are the grey of the key's arrow, and so are the
    # animation's arrows in its first frame (the forward pass); the boxes' colours are the boxes' entries
    grey = static["grey arrow: the forward pass, input to op to output"]
    static_arrows = {matplotlib.colors.to_hex(t.arrow_patch.get_edgecolor()) for t in ax.texts
                     if (t.get_gid() or "").startswith("edge:")}
    anim._func(0)
    first_frame = {matplotlib.colors.to_hex(t.arrow_patch.get_edgecolor()) for t in anim.figure.axes[0].texts
                   if (t.get_gid() or "").startswith("edge:")}
    assert static_arrows == first_frame == {grey}
    boxes = {matplotlib.colors.to_hex(t.get_bbox_patch().get_facecolor()) for t in ax.texts
             if (t.get_gid() or "").startswith(("tensor:", "op:"))}
    assert boxes == set(static.values()) - {grey}
    # the animation's own entries: its red and blue arrows and its highlighted box, as drawn in a later frame
    anim._func(2)
    drawn = {matplotlib.colors.to_hex(t.arrow_patch.get_edgecolor()) for t in anim.figure.axes[0].texts
             if (t.get_gid() or "").startswith("edge:")}
    extra = {k: v for k, v in moving.items() if k not in static}
    assert {v for k, v in extra.items() if "arrow" in k} <= drawn and len(extra) == 3
    highlighted = {matplotlib.colors.to_hex(t.get_bbox_patch().get_facecolor()) for t in anim.figure.axes[0].texts
                   if (t.get_gid() or "").startswith(("tensor:", "op:"))} - set(static.values())
    assert highlighted == {v for k, v in extra.items() if "box" in k}
    assert figure_problems(ax.figure) == [] and figure_problems(anim.figure) == []
    plt.close("all")


# --------------------------------------------------------- 5. unnamed intermediate tensors titled by their op
def test_unnamed_intermediates_are_titled_by_the_op_that_made_them():
    import tinygradconv as tg

    a = tg.tensor([1.0, 2.0], requires_grad=True)
    b = tg.tensor([3.0, 4.0], requires_grad=True)
    b.name = "b"
    h = a * b                                   # unnamed: "mul 1"
    h2 = h * a                                  # unnamed: "mul 2"
    s = h2 + b                                  # unnamed, the one add: "add"
    named = s.exp()
    named.name = "e"                            # named: kept
    loss = named.sum()
    ax = viz.plot_graph(loss)
    titles = {t.get_gid(): t.get_text().split("\n")[0] for t in ax.texts if (t.get_gid() or "").startswith("tensor:")}
    # by hand, in the graph's order (inputs before what is made from them): a, b, a*b, (a*b)*a, +b, exp, sum
    assert sorted(titles.values()) == sorted(["leaf", "b", "mul 1", "mul 2", "add", "e", "output"])
    # each title names the op box right above it (the op that made it)
    ops = {t.get_gid()[3:]: t.get_text().split("\n")[0] for t in ax.texts if (t.get_gid() or "").startswith("op:")}
    for gid, title in titles.items():
        if title in ("mul 1", "mul 2", "add"):
            assert title.split()[0] == ops["op" + gid[len("tensor:t"):]], (title, ops)
    # the animation titles the same boxes the same way
    anim = viz.animate_backward(loss)
    first = {k: v.split("\n")[0] for k, v in anim.frame_texts[0].items()}
    assert sorted(first.values()) == sorted(titles.values())
    plt.close("all")


# ------------------------------------------------------ 6. a 10-layer model's graph folds for a landscape slide
def _ten_layer_loss(kind):
    import tinygradconv as tg
    from tinygradconv.layers import Conv1D, Dense
    from tinygradconv.models import Sequential

    rng = np.random.default_rng(10)
    tg.random.set_seed(10)      # the layers' weights too: the boxes' numbers, and so the layout, depend on them
    x = tg.tensor(rng.standard_normal((2, 6, 3)).astype("float32"))
    if kind == "conv":
        layers = [Conv1D(8, 3, padding="same", activation="relu") for _ in range(9)] + [Conv1D(1, 3, padding="same")]
    else:
        layers = [Dense(8, activation="relu") for _ in range(9)] + [Dense(1)]
    return (Sequential(layers)(x) ** 2).mean()


@pytest.mark.parametrize("kind", ["conv", "dense"])
def test_a_ten_layer_models_graph_is_folded_for_a_slide(kind):
    from tinygradconv.viz.graph import SLIDE

    ax = viz.plot_graph(_ten_layer_loss(kind), grads=True)
    fig = ax.figure
    width, height = fig.get_size_inches()
    # no wider than 15.2 inches: its 8-point text at least 7 points when shown as wide as the 13.33-inch slide;
    # the conv model's landscape (it was two bands 12.9 by 22.3 inches); the Dense model's nearly square (it was
    # 10.5 by 25.1: its boxes hold too much text for a landscape figure at that width), and a slide shows either
    # at about half size (0.30 and 0.34 before)
    assert 8 * SLIDE[0] / width >= 7.0
    assert width > height if kind == "conv" else height < 1.15 * width, (width, height)
    assert min(SLIDE[0] / width, SLIDE[1] / height) >= 0.45
    ops = [t for t in ax.texts if (t.get_gid() or "").startswith("op:")]
    columns = {round(t.get_position()[0], 3) for t in ops if t.get_text() in ("mean", "relu")}
    assert len(columns) >= 2
    # every layer is drawn: ten kernels, each with its gradient
    kernels = [t for t in ax.texts if (t.get_gid() or "").startswith("tensor:") and "kernel" in t.get_text()]
    assert len(kernels) == 10 and all("grad" in t.get_text() for t in kernels)
    assert figure_problems(fig, shown_width_in=SLIDE[0]) == []      # inside the figure, apart, >= 7 pt slide-wide
    plt.close(fig)
