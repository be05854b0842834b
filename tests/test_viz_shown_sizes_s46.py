"""Pictures at the size students see them (session 46), measured from the drawn artists and the figure's size:

1. a graph fitted to a 16:9 slide (13.33 by 7.5 inches) shows its text at 7 points or more: chains of 20, 25 and
   40 ops and graphs with their gradients (reviewers measured 6.0 points at 20 ops, 5.0 at 25, 4.5 to 5.7 with
   gradients), nothing overlapping or cut off at that size;
2. the legends of the connectivity pictures, shown 800 pixels wide (a notebook's width), have capital letters 10
   pixels tall or more (7 to 8 before), the capital's height taken from the font's own outline of "H";
3. tutorial 08's graphs (1,600 to 1,750 pixels tall at 800 wide) are about 1,000 pixels tall there.

The references are the slide's and the notebook's sizes, and the text's size in points read from each artist."""
import numpy as np
import pytest

pytest.importorskip("matplotlib")
import matplotlib
import matplotlib.pyplot as plt
from figure_check import figure_problems
from matplotlib.textpath import TextPath

import tinygradconv as tg
from tinygradconv import viz

SLIDE_W, SLIDE_H = 13.33, 7.5           # a 16:9 slide, inches
NOTEBOOK_PX = 800                       # the width a notebook shows a figure at


def _chain(n_ops, start):
    """``y * 1.1``, then ``tanh``, alternately, ``n_ops - 1`` ops from a leaf ``start``, then ``sum``: ``n_ops``
    ops in one chain (every other step multiplies by a constant box, so each row of a band is two boxes wide)."""
    y = tg.tensor(np.array(start, "float32"), requires_grad=True)
    for k in range(n_ops - 1):
        y = y * 1.1 if k % 2 == 0 else y.tanh()
    return y.sum()


def _texts(fig):
    return [t for t in fig.findobj(matplotlib.text.Text) if t.get_text().strip() and t.get_visible()]


def _slide_points(fig):
    """The smallest text of ``fig`` in points once the whole figure is fitted to the slide, and the width it is
    then shown at (inches)."""
    width, height = fig.get_size_inches()
    scale = min(SLIDE_W / width, SLIDE_H / height)
    return min(t.get_fontsize() for t in _texts(fig)) * scale, width * scale


# ------------------------------------------------------------------ 1. graphs fitted to a slide: 7 points or more
@pytest.mark.parametrize("start", [(1.0, 2.0), (0.5, -0.3), (-0.5, -0.3)])
@pytest.mark.parametrize("n_ops", [20, 21, 25, 40])
def test_a_chain_fitted_to_a_slide_keeps_7_point_text(n_ops, start):
    """20 and 21 ops: a page's fold, two bands 7.4 by 11.2 and 12.1 inches, 5.3 and 5.0 points on the slide; 25
    ops: 7.6 (a slide's fold already); 40: six bands 14.6 by 9.5 inches, 6.3 points. Now every chain is 7 points
    or more there, and no text overlaps or is cut off when the figure is shown as wide as the slide shows it."""
    ax = viz.plot_graph(_chain(n_ops, start))
    ops = [t for t in ax.texts if (t.get_gid() or "").startswith("op:")]
    assert len(ops) == n_ops
    points, shown = _slide_points(ax.figure)
    assert points >= 7.0, (n_ops, start, ax.figure.get_size_inches(), points)
    assert figure_problems(ax.figure, shown_width_in=shown) == []
    plt.close(ax.figure)


@pytest.mark.parametrize("n_ops", [10, 20])
def test_a_chain_with_its_gradients_fitted_to_a_slide_keeps_7_point_text(n_ops):
    """With the gradients (a line more in each box): 10 ops were one band 5.7 by 10.1 inches (5.9 points on the
    slide), 20 ops 14.0 by 7.5 (7.6). Now both are 7 points or more."""
    ax = viz.plot_graph(_chain(n_ops, (1.0, 2.0)), grads=True)
    points, shown = _slide_points(ax.figure)
    assert points >= 7.0, (n_ops, ax.figure.get_size_inches(), points)
    assert figure_problems(ax.figure, shown_width_in=shown) == []
    plt.close(ax.figure)


def test_a_slides_fold_leaves_an_arrow_between_two_rows():
    """The slide's rows are closer (0.16 inch, 0.24 before): each edge from an op to the box under it is still a
    line with its head, at least 0.1 inch long (drawn from 2 points below one box to 2 points above the next).
    (A guard on the closer rows: it passed before them too.)"""
    ax = viz.plot_graph(_chain(40, (1.0, 2.0)))
    fig = ax.figure
    fig.canvas.draw()
    lengths = []
    for edge in ax.texts:
        if (edge.get_gid() or "").startswith("edge:") and edge.arrow_patch is not None:
            box = edge.arrow_patch.get_window_extent(fig.canvas.get_renderer())
            if box.width < 0.1 * fig.dpi:                      # a straight edge down to the next row
                lengths.append(box.height / fig.dpi)
    assert lengths and min(lengths) >= 0.1, min(lengths)
    plt.close(fig)


# --------------------------------------------------------- 2. connectivity legends, shown 800 pixels wide
def _saved_width(fig):
    """The width (inches) of ``fig`` saved with a tight bounding box, as a notebook shows it."""
    fig.canvas.draw()
    pad = matplotlib.rcParams["savefig.pad_inches"]
    return fig.get_tightbbox(fig.canvas.get_renderer()).width + 2 * pad


def _cap_pixels(text, saved_width):
    """The height (pixels) of a capital "H" of ``text``'s font once the figure is shown 800 pixels wide: the
    outline's height in points (TextPath draws the glyph at the font's size, in points) times pixels a point."""
    cap = TextPath((0, 0), "H", prop=text.get_fontproperties()).get_extents().height
    return cap * NOTEBOOK_PX / (72.0 * saved_width)


def _tap_model_settings():
    return {
        "conv1d, same, dilated (tutorial 02)": lambda: viz.plot_connectivity("conv1d", 9, 3, strides=2,
                                                                           padding="same", dilation_rate=2),
        "conv1d_transpose, same (tutorial 03)": lambda: viz.plot_connectivity("conv1d_transpose", 5, 3, strides=2,
                                                                             padding="same"),
        "conv1d_transpose, weights (tutorial 03)": lambda: viz.plot_connectivity(
            "conv1d_transpose", 4, 2, strides=3, weights=[1.0, -0.5]),
        "conv1d_transpose, dilated (tutorial 03)": lambda: viz.plot_connectivity("conv1d_transpose", 4, 3,
                                                                                strides=2, dilation_rate=2),
        "conv1d of 40 steps, wrapped": lambda: viz.plot_connectivity("conv1d", 40, 3, strides=2),
        "gradient as transpose (tutorial 08)": lambda: viz.plot_gradient_as_transpose(9, kernel=(1.0, 2.0, -1.0),
                                                                                      strides=2),
        "scatter animation (tutorial 03)": lambda: viz.animate_transposed_conv([1.0, 2.0, 3.0, 4.0],
                                                                               [1.0, 1.0, 1.0], strides=2,
                                                                               padding="same"),
        "scatter animation, two inputs": lambda: viz.animate_transposed_conv([1.0, 2.0], [1.0, -1.0]),
    }


@pytest.mark.parametrize("which", list(_tap_model_settings()))
def test_connectivity_legends_are_10_pixels_tall_in_a_notebook(which):
    """Their 8-point legends were 7 to 8 pixels tall (a capital) in figures 6 to 10 inches wide shown 800 pixels
    wide; now 10 or more, and still nothing overlaps or is cut off (the legend takes more rows, the figure grows)."""
    made = _tap_model_settings()[which]()
    fig = made if hasattr(made, "savefig") else made.figure
    legends = [a.get_legend() for a in fig.axes if a.get_legend() is not None] + list(fig.legends)
    texts = [t for legend in legends for t in [*legend.get_texts(), legend.get_title()] if t.get_text().strip()]
    assert texts
    width = _saved_width(fig)
    smallest = min(_cap_pixels(t, width) for t in texts)
    assert smallest >= 10.0, (which, width, smallest)
    assert figure_problems(fig, bbox_inches="tight") == []
    plt.close(fig)


# ------------------------------------------------------------------------- 3. tutorial 08's graphs in a notebook
def _tutorial_08_loss():
    """Tutorial 08's model, data and weights (its seeded generator)."""
    from tinygradconv.layers import Conv1D, Conv1DTranspose

    rng = np.random.default_rng(8)
    x = tg.tensor(rng.standard_normal((1, 6, 1)), dtype="float64")
    y = tg.tensor(rng.standard_normal((1, 9, 1)), dtype="float64")
    w1, b1 = rng.standard_normal((3, 1, 2)), rng.standard_normal(2) * 0.1
    w2, b2 = rng.standard_normal((3, 1, 2)), rng.standard_normal(1) * 0.1
    conv, up = Conv1D(2, 3, activation="relu", name="conv"), Conv1DTranspose(1, 3, strides=2, name="up")
    x.name, y.name = "x", "target y"
    conv.build(x.shape)
    conv.set_weights([w1, b1])
    h = conv(x)
    up.build(h.shape)
    up.set_weights([w2, b2])
    y_hat = up(h)
    loss = ((y_hat - y) ** 2).mean()
    h.name, y_hat.name, loss.name = "h", "y_hat", "loss L"
    return loss


@pytest.mark.parametrize("grads", [False, True])
def test_tutorial_08s_graph_fits_a_notebook_screen(grads):
    """Saved as the tutorial saves it (tight, 150 dpi) its graph was 741 by 1,584 pixels (1,710 tall at 800
    wide), with its gradients 796 by 1,742: folded now, at most 1,050 pixels tall at 800 wide, its labels at
    least 10 pixels (one em) there and 7 points on a slide."""
    ax = viz.plot_graph(_tutorial_08_loss(), grads=grads)
    fig = ax.figure
    width = _saved_width(fig)
    height = fig.get_tightbbox(fig.canvas.get_renderer()).height + 2 * matplotlib.rcParams["savefig.pad_inches"]
    assert height * NOTEBOOK_PX / width <= 1050, (width, height)
    labels = [t for t in ax.texts if (t.get_gid() or "").startswith(("tensor:", "op:"))]
    assert min(t.get_fontsize() for t in labels) * NOTEBOOK_PX / (72 * width) >= 10.0
    assert _slide_points(fig)[0] >= 7.0
    assert figure_problems(fig, bbox_inches="tight") == []
    plt.close(fig)
