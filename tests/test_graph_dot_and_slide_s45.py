"""Graph pictures, what session 44 left (session 45): :func:`~tinygradconv.viz.to_dot` titles its boxes as
:func:`~tinygradconv.viz.plot_graph` does (a layer's scope, its later call, the outputs of a layer with several),
and a chain of 30 ops folded for a landscape slide keeps its text at 7 points or more once the whole figure is
fitted to the slide. Each checked against titles written out by hand (from the model's layers and calls, as Keras
names them) and the slide's own size (13.33 by 7.5 inches, a 16:9 slide), read from the drawn artists."""
import itertools
import re

import numpy as np
import pytest

pytest.importorskip("matplotlib")
import matplotlib.pyplot as plt
from figure_check import figure_problems

import tinygradconv as tg
from tinygradconv import viz

SLIDE_W, SLIDE_H = 13.33, 7.5           # a 16:9 slide, inches (PowerPoint's and Keynote's wide page)


def _dot_titles(dot):
    """``{node id: first line of its label}`` of the tensor boxes of DOT text (labels escape newlines as ``\\n``)."""
    return {m.group(1): m.group(2).split("\\n")[0]
            for m in re.finditer(r'^  (t\d+) \[shape=box, .*label="(.*)"\];$', dot, re.MULTILINE)}


def _drawn_titles(ax):
    return {t.get_gid()[len("tensor:"):]: t.get_text().split("\n")[0]
            for t in ax.texts if (t.get_gid() or "").startswith("tensor:")}


# ------------------------------------------------------------------------------ 1. to_dot titles as plot_graph
def test_to_dot_titles_a_model_called_twice_by_its_layers_and_calls():
    """A two-layer model called on x and on 2 x: DOT titled the tensors its layers' ops made nothing (only shape
    and data) and both calls' outputs "hid" and "out"; now as the drawing, written here by hand in the graph's
    order: the first call's ops scoped by their layer, the second's "(call 2)" (Keras' node_index 1), the user's
    add outside every layer, the unnamed inputs numbered."""
    from tinygradconv.layers import Dense, Input
    from tinygradconv.models import Sequential

    model = Sequential([Input((3,)), Dense(2, name="hid", activation="relu"), Dense(1, name="out")], name="tiny")
    x = tg.tensor(np.ones((2, 3), "float32"))
    loss = (model(x) + model(x * 2.0)).sum()
    expected = ["input 1", "hid/kernel", "hid/matmul", "hid/bias", "hid/add", "hid",        # call 1, layer hid
                "out/kernel", "out/matmul", "out/bias", "out",                                # call 1, layer out
                "input 2", "hid (call 2)/matmul", "hid (call 2)/add", "hid (call 2)",         # 2 x, then call 2
                "out (call 2)/matmul", "out (call 2)", "add", "output"]
    dot = viz.to_dot(loss)
    titles = _dot_titles(dot)
    assert [titles[f"t{i}"] for i in range(len(titles))] == expected
    # the same boxes, the same titles, in the drawing
    ax = viz.plot_graph(loss)
    assert _drawn_titles(ax) == titles
    # and the rest of each DOT label as before: the shape line follows the title
    assert 'label="hid (call 2)\\nshape (2, 2) float32\\ndata ' in dot
    plt.close(ax.figure)


def test_to_dot_titles_the_outputs_of_a_layer_with_two_outputs_called_twice():
    """A layer returning the first half of its input and the second half doubled, called on a leaf, then on the
    product of its two outputs: "split:0", "split:1" (Keras' tensor_index), then "split (call 2):0", "split (call
    2):1"; the getitem of each call scoped ("split/getitem", "split (call 2)/getitem"), one "constant 2" in each."""
    from tinygradconv.layers import Layer

    class Split(Layer):
        def call(self, x):
            half = x.shape[-1] // 2
            return x[:, :half], x[:, half:] * 2.0

    split = Split(name="split")
    a, b = split(tg.tensor(np.arange(8.0, dtype="float32").reshape(2, 4), requires_grad=True))
    c, d = split(a * b)
    loss = (c + d).sum()
    titles = _dot_titles(viz.to_dot(loss))
    assert sorted(titles.values()) == sorted(
        ["leaf", "split/getitem", "split:0", "constant 2", "split:1", "mul", "split (call 2)/getitem",
         "split (call 2):0", "constant 2", "split (call 2):1", "add", "output"])
    ax = viz.plot_graph(loss)
    assert _drawn_titles(ax) == titles
    plt.close(ax.figure)


def test_to_dot_numbers_the_results_of_one_op_outside_layers():
    """``(x * w) * 3``: two results of mul, "mul 1" and "mul 2" (DOT titled them nothing), two leaves "leaf 1",
    "leaf 2"."""
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    w = tg.tensor([3.0, 4.0], requires_grad=True)
    titles = _dot_titles(viz.to_dot(((x * w) * 3.0).sum()))
    assert [titles[f"t{i}"] for i in range(len(titles))] == ["leaf 1", "leaf 2", "mul 1", "constant 3", "mul 2",
                                                             "output"]


# --------------------------------------------------------------- 2. a chain folded for a slide: 7 points on it
def _chain_loss(start, steps=15):
    """``y = (y * 1.1).tanh()`` ``steps`` times, then ``y.sum()``: 2 * steps + 1 = 31 ops in one chain."""
    y = tg.tensor(np.array(start, "float32"), requires_grad=True)
    for _ in range(steps):
        y = (y * 1.1).tanh()
    return y.sum()


@pytest.mark.parametrize("start", [(1.0, 2.0), (0.5, -0.3), (-0.5, -0.3), (1.0,)])
def test_a_chain_of_30_ops_keeps_7_point_text_on_a_slide(start):
    """Folded for the slide, its 8-point text was 6.8 points (from [1, 2]) and 5.5 (from [0.5, -0.3]) once the
    figure was fitted to a 13.33 by 7.5 inch slide: the gaps between its 63 rows were nearly half its height. Now
    every text of the figure (the boxes, the title, the key) is 7 points or more there: its font size times the
    slide's scale, min(13.33 / width, 7.5 / height) of the figure. Nothing cut off or overlapping at that size."""
    ax = viz.plot_graph(_chain_loss(start))
    fig = ax.figure
    width, height = fig.get_size_inches()
    assert width > 10.0                                   # folded for the slide, not for a page
    scale = min(SLIDE_W / width, SLIDE_H / height)
    texts = [t for t in fig.findobj(plt.Text) if t.get_text().strip() and t.get_visible()]
    assert len([t for t in texts if (t.get_gid() or "").startswith(("tensor:", "op:"))]) == 31 + 47
    smallest = min(t.get_fontsize() for t in texts)
    assert smallest * scale >= 7.0, (width, height, smallest * scale)
    assert figure_problems(fig, shown_width_in=width * scale) == []
    plt.close(fig)


# ------------------------------------------------ 3. the sizes plot_graph's docstring quotes, for any layer names
def _six_layer_loss(seed):
    from tinygradconv.layers import Conv1D, Conv1DTranspose
    from tinygradconv.models import Sequential

    rng = np.random.default_rng(seed)
    tg.random.set_seed(seed)
    x = tg.tensor(rng.standard_normal((2, 6, 3)).astype("float32"))
    model = Sequential([Conv1D(8, 3, padding="same", activation="relu"),
                        Conv1D(8, 3, padding="same", activation="relu"),
                        Conv1DTranspose(8, 4, strides=2, padding="same", activation="relu"),
                        Conv1D(8, 3, padding="same", activation="relu"),
                        Conv1DTranspose(4, 4, strides=2, padding="same", activation="relu"),
                        Conv1D(1, 3, padding="same")])
    return (model(x) ** 2).mean()


@pytest.mark.parametrize("counter", [0, 4000])
@pytest.mark.parametrize("seed", [6, 1])
def test_a_six_layer_models_fold_is_within_the_range_the_docstring_states(monkeypatch, counter, seed):
    """The docstring quoted one run's size ("about 15 by 11 inches"); a layer's counter ("conv1d" in a fresh
    session, "conv1d_4003" after many models) changes its boxes' widths, so it now states the range measured over
    seeds and counters: two bands, 11.4 to 12.4 by 8.4 inches, the text 7 points or more on the slide (session 46:
    11.3 to 12.3 by 9.4 to 9.6 inches and 6.3 points before the slide's rows were 0.16 inch apart)."""
    from tinygradconv.layers import layer as layer_module

    monkeypatch.setattr(layer_module, "_name_counts", {"conv1d": counter, "conv1d_transpose": counter})
    ax = viz.plot_graph(_six_layer_loss(seed))
    width, height = ax.figure.get_size_inches()
    relu = sorted(t.get_position()[0] for t in ax.texts if t.get_text() == "relu")
    assert 1 + sum(b - a > 0.5 for a, b in itertools.pairwise(relu)) == 2     # two bands
    assert 11.4 <= width <= 12.4 and 8.3 <= height <= 8.45, (width, height)
    assert 8 * min(SLIDE_W / width, SLIDE_H / height) >= 7.0
    assert figure_problems(ax.figure, shown_width_in=SLIDE_W) == []
    plt.close(ax.figure)
