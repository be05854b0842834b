"""Graph pictures, what session 44 left (session 45): :func:`~tinygradconv.viz.to_dot` titles its boxes as
:func:`~tinygradconv.viz.plot_graph` does (a layer's scope, its later call, the outputs of a layer with several).
Checked against titles written out by hand (from the model's layers and calls, as Keras names them)."""
import re

import numpy as np
import pytest

pytest.importorskip("matplotlib")
import matplotlib.pyplot as plt

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
