"""A reviewer's reading of the built docs: numbers that vanished into dark cells, graph labels too small at the
size the page shows them, and animation titles broken inside a formula. Each checked from the artists and the
saved image: contrast computed here from the colour map (WCAG's formula written out), pixel sizes of the PNG
that a notebook's inline backend writes, and the lines of every frame's title."""
import io

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from figure_check import figure_problems
from PIL import Image

import tinygradconv as tg
from tinygradconv import viz
from tinygradconv.layers import Conv1D, Conv1DTranspose


def _luminance(rgb):
    """WCAG 2 relative luminance of an sRGB colour (channels 0..1), written out independently of the library."""
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb[:3]]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a, b):
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _overlap_counts(L, k, s):
    """counts[b, q]: kernel copies at full-output position q once inputs 0 .. b-1 are scattered (dilation 1)."""
    counts = np.zeros((L + 1, (L - 1) * s + k))
    for b in range(1, L + 1):
        counts[b] = counts[b - 1]
        counts[b, (b - 1) * s:(b - 1) * s + k] += 1
    return counts


# ----------------------------------------------------------------------------- 1. the checkerboard's numbers
@pytest.mark.parametrize("inputs, kernel, strides, padding", [
    ([1.0, 2.0, 3.0, 4.0], [1.0, 1.0, 1.0], 2, "same"),            # tutorial 03: counts 1 and 2
    ([1.0, -2.0, 0.5, 3.0], [1.0, 0.5, -1.0, 2.0, 1.0], 2, "valid"),  # counts 1, 2 and 3: three shades
    ([1.0, -2.0, 0.5, 3.0], [1.0, 0.5, -1.0, 2.0, 1.0], 1, "valid"),  # counts 1 to 4: the darkest with white
])
def test_every_number_of_the_scatter_animation_contrasts_with_its_cell(inputs, kernel, strides, padding):
    """Found in the docs: cells that received two kernel copies were dark blue with black numbers (contrast 2.8),
    so the 3, 5, 7 that tutorial 03's GIF is about were hard to read. Every number now has a contrast of at
    least 4.5 (WCAG's level for text) with its cell, whose colour is computed here from the colour map."""
    L, k = len(inputs), len(kernel)
    counts = _overlap_counts(L, k, strides)
    blues = matplotlib.colormaps["Blues"]
    anim = viz.animate_transposed_conv(inputs, kernel, strides=strides, padding=padding)
    ax = anim.figure.axes[0]
    white_numbers = 0
    for frame in range(L + 2):
        anim._func(frame)
        cells = {p.get_gid(): p for p in ax.patches if (p.get_gid() or "").startswith("output:")}
        for text in (t for t in ax.texts if (t.get_gid() or "").startswith("value:")):
            q = int(text.get_gid().split(":")[1])
            cell = cells[f"output:{q}"]
            if cell.get_hatch():                 # hatched (bias only): the number sits on its own white patch
                assert text.get_bbox_patch().get_facecolor()[:3] == (1.0, 1.0, 1.0)
                continue
            count = counts[min(frame, L), q]
            expected = blues(0.9 - 0.6 * 0.6 ** (count - 1)) if count else (1.0, 1.0, 1.0)   # one fixed scale
            np.testing.assert_allclose(cell.get_facecolor()[:3], expected[:3], atol=1e-6)
            color = matplotlib.colors.to_rgb(text.get_color())
            assert _contrast(color, expected) >= 4.5, (frame, q, count, text.get_text(), text.get_color())
            other = (1.0, 1.0, 1.0) if color == (0.0, 0.0, 0.0) else (0.0, 0.0, 0.0)
            assert _contrast(color, expected) >= _contrast(other, expected), (frame, q, count)
            white_numbers += color == (1.0, 1.0, 1.0)
    assert white_numbers > 0 or counts.max() < 4     # from 4 copies on the cells are dark: white numbers
    plt.close(anim.figure)


# --------------------------------------------------------------------------- 2. graph labels, as the page shows them
def _tutorial_08_loss():
    """Tutorial 08's model: Conv1D(2, 3, relu) then Conv1DTranspose(1, 3, strides=2), the mean squared error, with
    the tutorial's data and weights (drawn from its seeded generator: unseeded weights changed the labels, and so
    the figure's width and the titles' wrapping, from run to run)."""
    rng = np.random.default_rng(8)
    conv, up = Conv1D(2, 3, activation="relu", name="conv"), Conv1DTranspose(1, 3, strides=2, name="up")
    x = tg.tensor(rng.standard_normal((1, 6, 1)), dtype="float64")
    y = tg.tensor(rng.standard_normal((1, 9, 1)), dtype="float64")
    w1, b1 = rng.standard_normal((3, 1, 2)), rng.standard_normal(2) * 0.1
    w2, b2 = rng.standard_normal((3, 1, 2)), rng.standard_normal(1) * 0.1
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


def _tutorial_01_loss():
    x = tg.tensor([0.5, -1.0, 2.0], dtype="float64", requires_grad=True)
    w = tg.tensor([1.5, 0.3, -0.4], dtype="float64", requires_grad=True)
    b = tg.tensor(0.1, dtype="float64", requires_grad=True)
    x.name, w.name, b.name = "x", "w", "b"
    a = (x * w + b).tanh()
    loss = (a * a).sum()
    loss.backward(retain_graph=True)
    return loss


def _inline_png(fig):
    """The PNG that a notebook's inline backend (and so the docs build) shows: IPython's print_figure, which saves
    at the figure's own dpi with a tight bounding box."""
    try:
        from IPython.core.pylabtools import print_figure
    except ImportError:                                  # the same call, spelled out
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=fig.dpi, bbox_inches="tight")
        data = buffer.getvalue()
    else:
        data = print_figure(fig, "png")
    return Image.open(io.BytesIO(data))


@pytest.mark.parametrize("which, grads, least_width", [
    ("tutorial01", False, 540), ("tutorial08", False, 700), ("tutorial08", True, 750)])
def test_the_graph_is_shown_inline_large_enough_to_read(which, grads, least_width):
    """Found in the docs: tutorials 01 and 08's graphs were shown at their own size, 380 to 540 pixels wide, the
    labels' letters about 7 pixels tall. The figure now has GRAPH_DPI (150) dots per inch: the inline PNG is half
    as wide again, and 8-point labels are 17 pixels (one em) tall, as large as a web page's body text."""
    loss = _tutorial_01_loss() if which == "tutorial01" else _tutorial_08_loss()
    ax = viz.plot_graph(loss, grads=grads)
    fig = ax.figure
    assert fig.dpi == viz.graph.GRAPH_DPI == 150
    image = _inline_png(fig)
    renderer = fig.canvas.get_renderer()
    width = fig.get_tightbbox(renderer).width + 2 * matplotlib.rcParams["savefig.pad_inches"]     # inches
    assert abs(image.size[0] - width * fig.dpi) <= 2                      # the tight box at the figure's dpi
    assert image.size[0] >= least_width, image.size
    labels = [t for t in ax.texts if (t.get_gid() or "").startswith(("tensor:", "op:"))]
    for text in labels:
        assert text.get_fontsize() * fig.dpi / 72 >= 16                   # one em, in pixels of the PNG
        extent = text.get_window_extent(renderer)                         # rendered at the figure's dpi
        assert extent.height / (text.get_text().count("\n") + 1) >= 18, text.get_text()
    assert figure_problems(fig, bbox_inches="tight") == []                # and nothing overlaps or is cut
    plt.close(fig)


# ----------------------------------------------------------------------------- 3. the backward animation's titles
def _narrow_loss():
    """A graph two boxes wide (the narrowest figure, 3 inches): its titles must wrap."""
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    x.name = "my input x"
    loss = (x ** 2).sum()
    loss.name = "the loss"
    return loss


@pytest.mark.parametrize("which", ["tutorial08", "narrow"])
def test_backward_titles_wrap_between_words_never_inside_a_formula_or_a_label(which):
    """Found in the docs: step 0 read "d output / d\\noutput = 1", and at step 2 the op's own label break landed
    mid-sentence ("pow_scalar\\n(·) ** 2) has ..."). Each title now has one clause a line, wrapped between words;
    the formula, each quoted name and the op's form (its label's second line, in brackets) stay on one line;
    and every frame's title fits the figure without covering a node."""
    loss = _tutorial_08_loss() if which == "tutorial08" else _narrow_loss()
    anim = viz.animate_backward(loss)
    fig, ax = anim.figure, anim.figure.axes[0]
    nodes = anim.trace.nodes
    names = {n.id: n.short.split("\n")[0] for n in nodes}
    forms = {n.id: n.label.split("\n")[1] for n in nodes if n.kind == "op" and "\n" in n.label}
    assert forms                                          # x ** 2: an op whose label has a second line
    seen_forms, wrapped = 0, 0
    for i, step in enumerate([None, *anim.trace.steps]):
        anim._func(i)
        lines = [line.replace("\u00a0", " ") for line in ax.get_title().split("\n")]
        title = " ".join(lines)
        assert title == anim.titles[i].replace("\u00a0", " ").replace("\n", " ")
        wrapped += len(lines) > anim.titles[i].count("\n") + 1
        assert len(lines) <= 4, lines
        assert figure_problems(fig) == [], (i, figure_problems(fig))
        if step is None:
            assert "d output / d output = 1" in lines
            continue
        assert f"backward, step {i} of {len(anim.trace.steps)}:" in title
        assert any(f"'{names[step.node]}'" in line for line in lines), lines
        op = f"op{step.node[1:]}"
        if op in forms:
            name, form = next(n.label for n in nodes if n.id == op).split("\n")
            assert any(f"{name} ({form})" in line for line in lines), lines
            seen_forms += 1
    assert seen_forms == len(forms)
    assert wrapped > 0 if which == "narrow" else wrapped == 0     # 3 inches wide: the long clauses wrapped
    plt.close(fig)
