"""Graph titles a student can follow (a reviewer's findings, session 43).

1. A layer's output was titled after the op that made it and numbered from 1 ("conv1d 1", made by layer conv1d),
   so it stood beside conv1d_1/kernel and read as conv1d_1's output. Now the tensor a layer's call makes is named
   after the layer; the ops inside a layer are titled "<layer>/<op>" (since session 44); a tensor the layer
   returns unchanged, a tensor the caller passed and a tensor already named keep theirs. A Sequential model's
   data is titled after its Input, as a functional model's.
2. Tutorial 01 said the green boxes are titled "mul"; its graph shows "mul 1" and "mul 2".
3. A 10-layer Dense model's default graph (grads=False) was two bands 8.3 by 22.9 inches, a third of its size on
   a slide: it is folded for the slide, as with grads=True.

The references are independent of the titling code: the layers' own names (``model.layers``), the graph's
structure (which op each box comes out of, and that op's inputs), the slide's size, and hand-written lists.
"""
import pathlib
import re

import numpy as np
import pytest

pytest.importorskip("matplotlib")
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from figure_check import figure_problems

import tinygradconv as tg
from tinygradconv import layers as L
from tinygradconv import viz
from tinygradconv.layers import layer as layer_module
from tinygradconv.viz.graph import SLIDE, graph_nodes

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _titles(ax):
    return [t.get_text().split("\n")[0] for t in ax.texts if (t.get_gid() or "").startswith("tensor:")]


def _made_from(tensor):
    """``{title: [titles of the inputs of the op that made it]}`` for each box made by an op (from the graph's
    structure: the op node's inputs)."""
    nodes = {n.id: n for n in graph_nodes(tensor)}
    title = {i: n.short.split("\n")[0] for i, n in nodes.items() if n.kind == "tensor"}
    made = {}
    for i, n in nodes.items():
        if n.kind == "tensor" and n.inputs:
            op = nodes[n.inputs[0]]
            made[title[i]] = [title[j] for j in op.inputs]
    return made


@pytest.fixture(autouse=True)
def _seeded_and_closed():
    tg.random.set_seed(43)
    yield
    plt.close("all")


# ------------------------------------------------------------------------- 1. a layer's output, named after it
def test_the_reviewers_conv_model_titles_each_output_after_the_layer_that_made_it():
    m = tg.models.Sequential([L.Input((8, 1), name="input_layer"), L.Conv1D(2, 3), L.Conv1D(2, 3), L.Conv1D(1, 3)])
    loss = (m(np.ones((1, 8, 1))) ** 2).mean()
    names = [layer.name for layer in m.layers]          # "conv1d", "conv1d_1", ... in a fresh session
    assert len(set(names)) == 3 and all(re.fullmatch(r"conv1d(_\d+)?", n) for n in names)
    ax = viz.plot_graph(loss)
    expected = ["input_layer"]
    for name in names:
        expected += [f"{name}/kernel", f"{name}/bias", name]
    assert _titles(ax) == expected + ["pow_scalar", "output"]
    # each box named after a layer is made by the op that took that layer's kernel and the previous box
    made = _made_from(loss)
    previous = "input_layer"
    for name in names:
        assert made[name] == [previous, f"{name}/kernel", f"{name}/bias"], made[name]
        previous = name


def test_dense_outputs_are_named_after_their_layer_and_the_ops_inside_after_layer_and_op():
    m = tg.models.Sequential([L.Input((4,), name="input_layer"), L.Dense(3, activation="relu"), L.Dense(2)])
    loss = (m(np.ones((1, 4))) ** 2).mean()
    made = _made_from(loss)
    first, second = (layer.name for layer in m.layers)
    # dense: relu(matmul(x, kernel) + bias); dense_1: matmul(dense, kernel) + bias. The ops inside a layer are
    # titled "<layer>/<op>", as its weights are "<layer>/kernel" (session 44; they were "matmul 1", "matmul 2")
    assert made[f"{first}/matmul"] == ["input_layer", f"{first}/kernel"]
    assert made[f"{first}/add"] == [f"{first}/matmul", f"{first}/bias"]
    assert made[first] == [f"{first}/add"]                  # the relu's result: what the layer returned
    assert made[f"{second}/matmul"] == [first, f"{second}/kernel"]
    assert made[second] == [f"{second}/matmul", f"{second}/bias"]
    assert sorted(made) == sorted([f"{first}/matmul", f"{first}/add", first, f"{second}/matmul", second,
                                   "pow_scalar", "output"])

class _ReturnsItsInput(L.Layer):
    def call(self, inputs):
        return inputs


class _ReturnsTheSecond(L.Layer):
    single_input = False

    def call(self, parts):
        return parts[1]


class _NamesItsOutput(L.Layer):
    def call(self, inputs):
        out = inputs * 2.0
        out.name = "twice"
        return out


class _Scale(L.Layer):
    def call(self, inputs, scale):
        return scale


def test_a_tensor_the_layer_did_not_make_or_that_has_a_name_keeps_its_name():
    x = tg.tensor(np.ones((2, 3), "float32"))
    assert _ReturnsItsInput()(x) is x and x.name is None
    named = tg.tensor(np.ones((2, 3), "float32"))
    named.name = "mine"
    assert _ReturnsItsInput()(named).name == "mine"
    a, b = tg.tensor(np.ones((1, 2), "float32")), tg.tensor(np.zeros((1, 2), "float32"))
    assert _ReturnsTheSecond()([a, b]) is b and b.name is None
    s = tg.tensor(np.ones((1, 2), "float32"))
    assert _Scale()(x, s) is s and s.name is None                   # an argument the caller passed
    assert _NamesItsOutput()(x).name == "twice"                     # named by the layer's own call
    dropout = L.Dropout(0.5)
    assert dropout(x).name is None and dropout(x) is x              # inference: the input, unchanged
    assert L.Dropout(0.5)(x, training=False) is x and x.name is None
    # a model of such layers: its output is its input, named by nobody
    y = tg.tensor(np.ones((1, 3), "float32"))
    assert tg.models.Sequential([L.Dropout(0.5)])(y) is y and y.name is None


def test_a_layer_that_makes_its_output_names_it_even_without_weights_and_in_training():
    x = tg.tensor(np.ones((2, 2, 2), "float32"))
    assert L.Flatten(name="flat")(x).name == "flat"
    drop = L.Dropout(0.5, seed=1, name="drop")
    out = drop(x, training=True)
    assert out.name == "drop"
    # the mask inside keeps the title the dropout layer gives it ("<layer> mask"), beside the layer's output
    ax = viz.plot_graph((drop(tg.tensor(np.ones((1, 4), "float32"), requires_grad=True), training=True)).sum())
    assert "drop mask" in _titles(ax) and "drop" in _titles(ax)


def test_a_sequential_models_data_is_titled_after_its_input_as_a_functional_models():
    seq = tg.models.Sequential([L.Input((3,), name="features"), L.Dense(2)])
    ax = viz.plot_graph(seq(np.ones((1, 3))).sum())
    assert _titles(ax)[0] == "features"
    inp = L.Input((3,), name="features_f")
    functional = tg.models.Model(inp, L.Dense(2)(inp))
    ax = viz.plot_graph(functional(np.ones((1, 3))).sum())
    assert _titles(ax)[0] == "features_f"
    # the data is cast to the Input's dtype once, with no cast node in the graph (as the functional model)
    out = seq(np.ones((1, 3), "float64"))
    assert str(out.dtype) == "float32"
    assert [n.short for n in graph_nodes(out) if n.kind == "op"] == ["matmul", "add"]
    # a Tensor the caller made keeps its name (none: "input"); integer data is not named
    x = tg.tensor(np.ones((1, 3), "float32"))
    assert _titles(viz.plot_graph(seq(x).sum()))[0] == "input" and x.name is None
    # a model without an Input: its data as before
    plain = tg.models.Sequential([L.Dense(2)])
    assert _titles(viz.plot_graph(plain(np.ones((1, 3))).sum()))[0] == "input"


# -------------------------------------------------------------------------------- 2. tutorial 01 says "mul 1"
def test_tutorial_01_names_the_titles_its_graph_draws():
    text = (ROOT / "tutorials" / "01_tensors_and_autograd.py").read_text()
    # the tutorial's function, written again: z = x * w + b, a = tanh(z), L = sum(a * a)
    x, w, b = (tg.tensor([1.0, 2.0]), tg.tensor([0.5, -1.0], requires_grad=True),
               tg.tensor([0.1, 0.2], requires_grad=True))
    z = x * w + b
    a = z.tanh()
    loss = (a * a).sum()
    z.name, a.name, loss.name = "z", "a", "loss"
    drawn = set(_titles(viz.plot_graph(loss)))
    assert {"mul 1", "mul 2"} <= drawn and "mul" not in drawn
    assert '"mul 1"' in text and '"mul 2"' in text
    assert '("mul")' not in text and 'that op, "mul")' not in text


# ------------------------------------------------------------------- 3. a tall default graph folds for a slide
def _ten_dense_loss():
    rng = np.random.default_rng(10)
    tg.random.set_seed(10)      # the layers' weights too: the boxes' numbers, and so the layout, depend on them
    x = tg.tensor(rng.standard_normal((2, 6, 3)).astype("float32"))
    layers = [L.Dense(8, activation="relu") for _ in range(9)] + [L.Dense(1)]
    return (tg.models.Sequential(layers)(x) ** 2).mean()


def test_a_ten_layer_dense_models_default_graph_is_folded_for_a_slide(monkeypatch):
    # the layers named as in a fresh session ("dense" to "dense_9"): titles such as "dense_412/matmul", after the
    # suite's other models, make wider boxes and so another fold
    monkeypatch.setattr(layer_module, "_name_counts", {})
    ax = viz.plot_graph(_ten_dense_loss())
    fig = ax.figure
    width, height = fig.get_size_inches()
    # it was two bands 8.3 by 22.9 inches: a slide (13.33 by 7.5) showed it at 0.33 of its size
    assert min(SLIDE[0] / width, SLIDE[1] / height) >= 0.5, (width, height)
    assert 8 * SLIDE[0] / width >= 7.0                                # 8-point text, 7 points slide-wide
    assert width > height
    ops = [t for t in ax.texts if (t.get_gid() or "").startswith("op:")]
    assert len({round(t.get_position()[0], 3) for t in ops if t.get_text() == "relu"}) >= 3     # three bands+
    kernels = [t for t in ax.texts if (t.get_gid() or "").startswith("tensor:") and "kernel" in t.get_text()]
    assert len(kernels) == 10
    assert figure_problems(fig, shown_width_in=SLIDE[0]) == []


def test_a_graph_that_two_bands_fold_under_ten_inches_keeps_its_narrow_figure():
    rng = np.random.default_rng(3)
    x = tg.tensor(rng.standard_normal((2, 4)).astype("float32"))
    m = tg.models.Sequential([L.Dense(4, activation="relu") for _ in range(3)] + [L.Dense(1)])
    ax = viz.plot_graph((m(x) ** 2).mean())
    width, height = ax.figure.get_size_inches()
    assert width <= 10.0 and height <= 12.0, (width, height)
