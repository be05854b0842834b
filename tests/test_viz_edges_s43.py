"""Teaching pictures, the rough edges left from the last review: each test reproduces one report on the artists
drawn (their positions, colours, texts) against a hand-computed case, and failed before its fix."""
import itertools

import matplotlib.pyplot as plt
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

