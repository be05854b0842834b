"""Computation-graph pictures for a classroom (found by a teacher preparing a lesson): the backward animation shows
the gradient travelling along the edges; two unnamed inputs (a model's x and the loss's target) get distinct box
titles; a deep model's graph fits a landscape slide. Each checked on the drawn artists and the figure's size."""
import numpy as np
import pytest

pytest.importorskip("matplotlib")
import matplotlib.pyplot as plt

import tinygradconv as tg
from tinygradconv import viz
from tinygradconv.layers import Conv1D, Conv1DTranspose
from tinygradconv.models import Sequential

RED, BLUE, GREY = "#d62728", "#1f77b4", "#888888"     # grey: the forward graph's arrows, as plot_graph draws them


def _readme_loss():
    """The 2-layer model of the README and its mean squared error against a target ``t``: ``(loss, x, t)``."""
    rng = np.random.default_rng(0)
    x = tg.tensor(rng.standard_normal((2, 6, 3)).astype("float32"))
    m = Sequential([Conv1D(4, 3, padding="same", activation="relu"),
                    Conv1DTranspose(1, 4, strides=2, padding="same")])
    y = m(x)
    t = tg.tensor(rng.standard_normal(y.shape).astype("float32"))
    return ((y - t) ** 2).mean(), x, t


def _edge_state(anim):
    """``{gid: (colour, head)}`` of the drawn edges: head ``"forward"`` (at the consumer) or ``"backward"``."""
    from matplotlib.colors import to_hex

    ax = anim.figure.axes[0]
    state = {}
    for t in ax.texts:
        gid = t.get_gid() or ""
        if gid.startswith("edge:"):
            head = type(t.arrow_patch.get_arrowstyle()).__name__       # "-|>": CurveFilledB, "<|-": CurveFilledA
            colour = to_hex(t.arrow_patch.get_edgecolor())
            state.setdefault(gid, set()).add((colour, {"CurveFilledB": "forward", "CurveFilledA": "backward"}[head]))
    return state


def _box(ax, title):
    """The node id of the tensor box whose first line is ``title``."""
    [gid] = [t.get_gid() for t in ax.texts if (t.get_gid() or "").startswith("tensor:")
             and t.get_text().split("\n")[0] == title]
    return gid.split(":")[1]


# ------------------------------------------------------------------------------------------- 1. the gradient travels
def test_backward_animation_keeps_the_edges_the_gradient_has_taken():
    """Only the box being processed was highlighted; every edge but the current op's inputs stayed grey and pointed
    forward. Now the edges a gradient has passed stay coloured (blue) and point backward, frame by frame."""
    loss, _, _ = _readme_loss()
    anim = viz.animate_backward(loss)
    ax = anim.figure.axes[0]
    x_id, t_id = _box(ax, "input 1"), _box(ax, "input 2")
    n_frames = len(anim.frame_texts)
    assert n_frames == 11                               # seed + 10 tensors that need a gradient (by hand: 12 - x, t)
    anim._func(0)
    first = _edge_state(anim)
    assert all(s == {(GREY, "forward")} for s in first.values()), first          # the forward pass, as drawn
    anim._func(1)                                       # the output: mean's gradient flows to its input
    one = _edge_state(anim)
    red = sorted(g for g, s in one.items() if (RED, "backward") in s)
    out = _box(ax, "output")                            # "tI", made by the op "opI" (mean)
    mean_in = [g for g in one if g.endswith(f"->op{out[1:]}")]                  # the one input edge of mean
    assert len(mean_in) == 1 and red == sorted([f"edge:op{out[1:]}->{out}", *mean_in])
    before = set(red)
    for i in range(2, n_frames):
        anim._func(i)
        state = _edge_state(anim)
        coloured = {g for g, s in state.items() if s != {(GREY, "forward")}}
        assert before <= coloured                       # what the gradient passed stays coloured ...
        assert all(state[g] == {(BLUE, "backward")} for g in before - {g for g, s in state.items()
                                                                          if (RED, "backward") in s})
        before = coloured
    # at the end, every edge but those out of x and the target (which need no gradient) carried a gradient
    grey = sorted(g for g, s in state.items() if s == {(GREY, "forward")})
    assert grey == sorted(g for g in state if g.startswith((f"edge:{x_id}->", f"edge:{t_id}->")))
    assert len(grey) == 2 and len(state) == 17         # 6 ops: 3 + 1 + 3 + 2 + 1 + 1 inputs, and 6 outputs
    assert anim.edge_flows[-1] and len(anim.edge_flows[-1]) == 15
    # the key to the colours (plot_graph's, with the red and blue arrows), under the graph, inside the figure and
    # over no box
    [key] = [legend for legend in anim.figure.legends if legend.get_gid() == "colour-key"]
    words = [t.get_text() for t in key.get_texts()]
    assert "red arrow: the gradient flowing now, back to the input" in words
    assert "blue arrow: a gradient that flowed earlier" in words
    anim.figure.canvas.draw()
    renderer = anim.figure.canvas.get_renderer()
    box = key.get_window_extent(renderer)
    assert box.y0 >= 0 and box.x0 >= 0 and box.x1 <= anim.figure.bbox.width
    assert all(box.y1 < t.get_bbox_patch().get_window_extent(renderer).y0 for t in ax.texts
               if (t.get_gid() or "").startswith("tensor:"))
    plt.close(anim.figure)


def test_backward_animation_of_a_tensor_used_twice_colours_both_edges():
    """``x * x``: both edges from x into mul carry half of the gradient; both turn red in the frame of mul's output
    and stay blue after; the edge into the constant factor 3 stays grey."""
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    anim = viz.animate_backward(((x * x) * 3.0).sum())
    anim._func(len(anim.frame_texts) - 1)                 # the last step: x itself, a leaf
    state = _edge_state(anim)
    arrows = [t for t in anim.figure.axes[0].texts if (t.get_gid() or "").startswith("edge:t0->")]
    assert len(arrows) == 2 and state["edge:t0->op1"] == {(BLUE, "backward")}    # both arrows blue, backward
    assert all(a.arrow_patch.get_linewidth() == arrows[0].arrow_patch.get_linewidth() for a in arrows)
    constant = [g for g in state if g.startswith("edge:t2->")]
    assert len(constant) == 1 and state[constant[0]] == {(GREY, "forward")}      # the factor 3 needs no gradient
    anim._func(3)                                         # steps: sum, (x*x)*3, then x*x: its op sends to x twice
    assert _edge_state(anim)["edge:t0->op1"] == {(RED, "backward")}
    plt.close(anim.figure)


# ------------------------------------------------------------------------------------ 2. x and the target told apart
def test_two_unnamed_inputs_get_distinct_titles_in_the_graph_and_the_animation():
    loss, _, _ = _readme_loss()
    ax = viz.plot_graph(loss, grads=True)
    boxes = {g.get_text().split("\n")[0]: g.get_text() for g in ax.texts if (g.get_gid() or "").startswith("tensor:")}
    assert "input" not in boxes
    assert boxes["input 1"].split("\n")[1] == "(2, 6, 3) float32"            # the model's input x
    assert boxes["input 2"].split("\n")[1] == "(2, 12, 1) float32"           # the target t
    dot = viz.to_dot(loss)
    assert 'label="input 1\\n' in dot and 'label="input 2\\n' in dot
    plt.close(ax.figure)
    anim = viz.animate_backward(loss)
    assert {f["t0"].split("\n")[0] for f in anim.frame_texts} == {"input 1"}
    plt.close(anim.figure)


def test_a_named_input_keeps_its_name_and_a_single_unnamed_one_is_not_numbered():
    loss, _, t = _readme_loss()
    t.name = "target"
    ax = viz.plot_graph(loss)
    titles = [g.get_text().split("\n")[0] for g in ax.texts if (g.get_gid() or "").startswith("tensor:")]
    assert titles.count("target") == 1 and titles.count("input") == 1 and not any(s.startswith("input ")
                                                                                   for s in titles)
    plt.close(ax.figure)


def test_unnamed_leaves_are_numbered_too():
    a = tg.tensor([1.0, 2.0], requires_grad=True)
    b = tg.tensor([3.0, 4.0], requires_grad=True)
    ax = viz.plot_graph((a * b).sum())
    titles = {g.get_text().split("\n")[0]: g.get_text().split("\n")[2]
              for g in ax.texts if (g.get_gid() or "").startswith("tensor:")}
    assert titles["leaf 1"] == "[1, 2]" and titles["leaf 2"] == "[3, 4]"
    plt.close(ax.figure)


# ------------------------------------------------------------------------------------------ 3. a deep model, a slide
def _six_layer_loss():
    """The teacher's 6-layer model on x of shape (2, 6, 3): each conv's row holds three wide boxes (its input, its
    kernel and its bias), so that two such rows side by side pass 10 inches."""
    rng = np.random.default_rng(6)
    tg.random.set_seed(6)       # the layers' weights too: the boxes' numbers, and so the layout, depend on them
    x = tg.tensor(rng.standard_normal((2, 6, 3)).astype("float32"))
    m6 = Sequential([Conv1D(8, 3, padding="same", activation="relu"), Conv1D(8, 3, padding="same", activation="relu"),
                     Conv1DTranspose(8, 4, strides=2, padding="same", activation="relu"),
                     Conv1D(8, 3, padding="same", activation="relu"),
                     Conv1DTranspose(4, 4, strides=2, padding="same", activation="relu"),
                     Conv1D(1, 3, padding="same")])
    return (m6(x) ** 2).mean()


@pytest.mark.parametrize("grads", [True, False])
def test_a_deep_models_graph_is_folded_to_fit_a_landscape_slide(grads):
    """One band 7.3 by 20.9 inches (its 8-point text 2.9 points once the figure was fitted to a 13.33 by 7.5 inch
    slide), although the docstring promised bands. Now folded: landscape, at least 5-point text on the slide, and
    7 points when the figure is shown as wide as the slide."""
    from figure_check import figure_problems

    from tinygradconv.viz.graph import SLIDE, _GutterRoute

    ax = viz.plot_graph(_six_layer_loss(), grads=grads)
    fig = ax.figure
    width, height = fig.get_size_inches()
    assert width > height                                           # landscape
    assert 8 * min(SLIDE[0] / width, SLIDE[1] / height) >= 5.0      # the text's size once fitted to the slide
    assert figure_problems(fig, shown_width_in=SLIDE[0]) == []      # inside the figure, apart, >= 7 pt slide-wide
    ops = [t for t in ax.texts if (t.get_gid() or "").startswith("op:")]
    columns = {round(t.get_position()[0], 3) for t in ops if t.get_text() in ("mean", "relu")}
    assert len(columns) >= 2                                        # the chain's ops stand in two bands or more
    # one route from each band into the next: a fold never parts a conv from its input, kernel and bias (which
    # took three routes along the gutter into one op)
    routes = [t for t in ax.texts if (t.get_gid() or "").startswith("edge:")
              and isinstance(t.arrow_patch.get_connectionstyle(), _GutterRoute)]
    assert len(routes) == len(columns) - 1


def test_small_graphs_keep_their_layout():
    """The README model's graph stays a page's figure, no wider than 10 inches. It was one band 6.1 by 11.6
    inches, 1,530 pixels tall when a notebook shows it 800 pixels wide; since session 46 two bands side by side
    (each op in one column of its band), under 1,000 pixels tall there."""
    loss, _, _ = _readme_loss()
    ax = viz.plot_graph(loss, grads=True)
    width, height = ax.figure.get_size_inches()
    xs = {round(t.get_position()[0], 6) for t in ax.texts if (t.get_gid() or "").startswith("op:")}
    assert len(xs) == 2 and width <= 10.0 and height * 800 / width <= 1000