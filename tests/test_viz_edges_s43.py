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
