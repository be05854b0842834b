"""Session 49, F20: animate_backward refuses a graph too large to draw as plot_graph does; the zero initial states
of recurrent layers are titled in graph pictures; connectivity of layers without a fixed pattern."""
import numpy as np
import pytest

pytest.importorskip("matplotlib")

import tinygradconv as tg
import tinygradconv.viz as v
from tinygradconv.viz import backward as viz_backward
from tinygradconv.viz.animation import _set_aside as set_aside
from tinygradconv.viz.graph import graph_nodes

TOO_LARGE = ("The graph has 696 nodes, more than max_nodes=300: draw it with to_dot() and Graphviz, or pass a "
             "larger max_nodes")


def _lstm_loss():
    x = tg.tensor(np.random.default_rng(0).standard_normal((1, 20, 1)).astype("float32"), requires_grad=True)
    return (tg.layers.LSTM(4)(x) ** 2).mean()


def test_animate_backward_refuses_what_plot_graph_refuses_before_computing_anything(monkeypatch):
    import matplotlib.pyplot as plt

    loss = _lstm_loss()
    assert len(graph_nodes(loss)) == 696                       # the nodes plot_graph counts
    with pytest.raises(ValueError) as refused_graph:
        v.plot_graph(loss)

    def no_backward(*args, **kwargs):
        raise AssertionError("the backward pass ran before the size was checked")

    monkeypatch.setattr(viz_backward, "trace_backward", no_backward)
    figures = plt.get_fignums()
    with pytest.raises(ValueError) as refused_animation:
        v.animate_backward(loss)
    assert str(refused_animation.value) == str(refused_graph.value) == TOO_LARGE
    assert plt.get_fignums() == figures                        # no frame drawn


def test_animate_backward_refuses_a_large_recorded_trace_too():
    loss = _lstm_loss()
    with v.record_backward() as trace:
        loss.backward()
    with pytest.raises(ValueError, match="696 nodes, more than max_nodes=300"):
        v.animate_backward(trace)


def test_animate_backward_max_nodes_is_the_limit():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    loss = (x * x).sum()                     # x, x*x and its op, sum and its op: 5 nodes
    with pytest.raises(ValueError, match="The graph has 5 nodes, more than max_nodes=4"):
        v.animate_backward(loss, max_nodes=4)
    anim = v.animate_backward(loss, max_nodes=5)
    assert len(anim.frame_texts) == 4        # frame 0 and one frame per tensor
    set_aside(anim)                          # closed, and not reported as an animation left unrendered


@pytest.mark.parametrize("max_nodes, error, match", [
    ("10", TypeError, r"Invalid type for argument `max_nodes`\. Expected a strictly positive integer"),
    (0, ValueError, r"Invalid value for argument `max_nodes`\. Expected a strictly positive integer"),
    (2.5, TypeError, r"argument `max_nodes`"),
])
def test_animate_backward_max_nodes_is_checked(max_nodes, error, match):
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(error, match=match):
        v.animate_backward((x * x).sum(), max_nodes=max_nodes)
