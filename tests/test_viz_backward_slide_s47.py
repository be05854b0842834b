"""Graphs with their gradients fitted to a slide (session 47), measured as tests/test_viz_shown_sizes_s46.py
measures the forward graphs: the smallest text's size in points once the figure is fitted to a 16:9 slide (13.33 by
7.5 inches), read from the artists and the figure's size.

Chains of 30, 35 and 40 ops drawn with ``grads=True`` were 6.7, 5.9 and 5.3 points there (five bands 13.6 to 14.0
by 9.0 to 11.3 inches): their boxes of four or five lines, not the gaps, took the height. A slide's fold now also
tries compact boxes (lines 1.0 apart, less padding, narrower gutters) and keeps them where the slide shows the
graph larger; a graph that fits without them is drawn as before."""
import numpy as np
import pytest

pytest.importorskip("matplotlib")
import matplotlib
import matplotlib.pyplot as plt
from figure_check import figure_problems

import tinygradconv as tg
from tinygradconv import viz

SLIDE_W, SLIDE_H = 13.33, 7.5


def _chain(n_ops, start):
    y = tg.tensor(np.array(start, "float32"), requires_grad=True)
    for k in range(n_ops - 1):
        y = y * 1.1 if k % 2 == 0 else y.tanh()
    return y.sum()


def _slide_points(fig):
    width, height = fig.get_size_inches()
    scale = min(SLIDE_W / width, SLIDE_H / height)
    texts = [t for t in fig.findobj(matplotlib.text.Text) if t.get_text().strip() and t.get_visible()]
    return min(t.get_fontsize() for t in texts) * scale, width * scale


@pytest.mark.parametrize("start", [(1.0, 2.0), (0.5, -0.3)])
@pytest.mark.parametrize("n_ops", [25, 30, 35, 40])
def test_a_chain_with_its_gradients_fitted_to_a_slide_keeps_7_point_text(n_ops, start):
    ax = viz.plot_graph(_chain(n_ops, start), grads=True)
    assert len([t for t in ax.texts if (t.get_gid() or "").startswith("op:")]) == n_ops
    points, shown = _slide_points(ax.figure)
    assert points >= 7.0, (n_ops, start, ax.figure.get_size_inches(), points)
    assert figure_problems(ax.figure, shown_width_in=shown) == []
    plt.close(ax.figure)


def test_a_compact_fold_still_has_an_arrow_between_two_rows():
    """Rows 0.14 inch apart, each arrow drawn from 1 point below one box to 1 point above the next: at least 0.1
    inch long, as the slide's fold of the forward graphs."""
    ax = viz.plot_graph(_chain(40, (1.0, 2.0)), grads=True)
    fig = ax.figure
    fig.canvas.draw()
    lengths = []
    for edge in ax.texts + ax.get_children():
        gid = getattr(edge, "get_gid", lambda: None)() or ""
        if gid.startswith("edge:") and hasattr(edge, "arrow_patch"):
            extent = edge.arrow_patch.get_window_extent()
            lengths.append(max(extent.height, extent.width) / fig.dpi)
    assert lengths and min(lengths) >= 0.1, min(lengths)
    plt.close(fig)


@pytest.mark.parametrize("n_ops", [3, 10])
def test_a_small_graph_with_its_gradients_is_drawn_as_before(n_ops):
    """No compact boxes where the graph fits without them: its boxes keep lines 1.15 apart, the title its own
    second line, and the sizes measured before this change (5.5 by 4.7 and 8.7 by 6.8 inches)."""
    ax = viz.plot_graph(_chain(n_ops, (1.0, 2.0)), grads=True)
    labels = [t for t in ax.texts if (t.get_gid() or "").startswith("tensor:")]
    assert {t.get_linespacing() for t in labels} == {1.15}
    assert "\n(grad: the gradient of the output" in ax.get_title()
    expected = {3: (5.54, 4.70), 10: (8.71, 6.77)}[n_ops]
    np.testing.assert_allclose(ax.figure.get_size_inches(), expected, atol=0.01)
    plt.close(ax.figure)
