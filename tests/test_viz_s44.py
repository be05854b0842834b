"""Teaching pictures, the rough edges (session 44): a long chain of ops folded for a landscape slide; the op boxes
inside a layer titled after the layer; the outputs of a layer with several named ``layer:0``, ``layer:1``; the
colour bar of ``plot_conv_matrix`` in the caller's Axes kept inside the figure. Each checked on the drawn artists
and the figure's size, against numbers worked out by hand (the figure as shown on a 13.33 by 7.5 inch slide)."""
import pytest

pytest.importorskip("matplotlib")
import matplotlib.pyplot as plt
from figure_check import figure_problems

import tinygradconv as tg
from tinygradconv import viz

SLIDE_W, SLIDE_H = 13.33, 7.5           # a 16:9 slide, inches


def _chain_loss(steps=15):
    """``y = (y * 1.1).tanh()`` ``steps`` times from a 2-vector, then ``y.sum()``: 2 * steps + 1 ops in one chain."""
    y = tg.tensor([1.0, 2.0], requires_grad=True)
    for _ in range(steps):
        y = (y * 1.1).tanh()
    return y.sum()


def _op_columns(ax):
    return {round(t.get_position()[0], 2) for t in ax.texts if (t.get_gid() or "").startswith("op:")}


def test_a_chain_of_30_ops_is_folded_for_a_landscape_slide():
    """It was three bands, 7.4 by 16.3 inches: a slide (7.5 inches high) showed its 8-point text at 3.7 points.
    Now folded into more bands, landscape, at most 15.2 inches wide (7 points when shown as wide as the slide),
    its text at 6 points or more once the whole figure is fitted to the slide, and nothing cut off or overlapping."""
    ax = viz.plot_graph(_chain_loss())
    fig = ax.figure
    width, height = fig.get_size_inches()
    assert height < width <= 15.2
    assert 8 * min(SLIDE_W / width, SLIDE_H / height) >= 6.0         # was 8 * 7.5 / 16.3 = 3.7
    assert len(_op_columns(ax)) >= 5                                 # five bands or more (was three)
    assert figure_problems(fig, shown_width_in=SLIDE_W) == []
    plt.close(fig)


def test_a_chain_with_gradients_is_no_longer_a_tall_strip():
    """With the gradients (a line more in each box) it was three bands 9.4 by 17.4 inches (3.4-point text on the
    slide); now four bands, about square (12.6 by 13.3), no wider than 15.2 inches, at 4.5 points or more fitted
    to the slide (not 7: 62 rows of boxes 4 lines high do not fit a slide at that size)."""
    ax = viz.plot_graph(_chain_loss(), grads=True)
    fig = ax.figure
    width, height = fig.get_size_inches()
    assert width <= 15.2 and height < 1.1 * width                     # was 17.4 tall, 9.4 wide
    assert len(_op_columns(ax)) >= 4
    assert 8 * min(SLIDE_W / width, SLIDE_H / height) >= 4.5         # was 8 * 7.5 / 17.4 = 3.4
    assert figure_problems(fig, shown_width_in=SLIDE_W) == []
    plt.close(fig)


def test_a_short_chain_keeps_its_figure_under_10_inches():
    """The fold for the slide is only for graphs the bands of 10 inches leave taller than 10 inches: 5 steps (11
    ops) stay one portrait band under 10 inches wide, readable at 10 inches."""
    ax = viz.plot_graph(_chain_loss(5))
    fig = ax.figure
    width, height = fig.get_size_inches()
    assert width <= 10.0 and height > width
    assert figure_problems(fig) == []
    plt.close(fig)


@pytest.mark.parametrize("layout", [None, "constrained"])
@pytest.mark.parametrize("args", [("conv1d", 30, 3), ("conv1d_transpose", 8, 3, 3)])
def test_conv_matrix_colour_bar_stays_inside_the_callers_figure(layout, args):
    """In the caller's 8 by 4 inch figure (1 by 2 Axes, matplotlib's default margins: 0.8 inch right of the
    second), the colour bar stood beside T's drawn box and its tick labels and label ran past the right edge (to
    809 and 823 pixels of 800 for the 30-long conv1d). Now the bar and its label end inside the figure, and right
    of T's drawn box (not over it)."""
    fig, axes = plt.subplots(1, 2, figsize=(8, 4), dpi=100, layout=layout)
    viz.plot_conv_matrix(*args, annotate=False, ax=axes)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    bar = fig.axes[-1]
    assert bar not in axes and bar.get_ylabel().startswith("matrix entry")
    right = bar.get_tightbbox(renderer)                                # ticks and label included
    assert right.x1 <= fig.bbox.x1 and right.y0 >= fig.bbox.y0 and right.y1 <= fig.bbox.y1
    assert bar.get_window_extent(renderer).x0 >= axes[1].get_window_extent(renderer).x1
    if layout == "constrained":    # with a layout engine nothing overlaps (without one, the caller's figure keeps
        # no room for the suptitle above the matrices' titles: matplotlib's default, left as it is)
        assert figure_problems(fig, shown_width_in=8.0) == []
    plt.close(fig)
