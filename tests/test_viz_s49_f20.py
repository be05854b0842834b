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
    return (tg.layers.LSTM(4, unroll=True)(x) ** 2).mean()      # op by op: a graph of 696 nodes


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


def _constant_titles(loss):
    """The titles of the arrays that need no gradient (not the one-value constants, GRU's ``1 - z``)."""
    titles = [n.short.split("\n")[0] for n in graph_nodes(loss) if n.kind == "tensor" and n.role == "constant"]
    return [title for title in titles if not title.startswith("constant ")]


@pytest.mark.parametrize("layer, states", [
    (tg.layers.LSTM, ["lstm/initial h", "lstm/initial c"]),      # Keras' LSTM states: [h, c]
    (tg.layers.GRU, ["gru/initial h"]),
    (tg.layers.SimpleRNN, ["rnn/initial h"]),
])
def test_zero_initial_states_are_titled_apart_from_the_data_and_the_target(layer, states):
    # they were "input 2", "input 3", between the model's data "input 1" and the target "input 4"
    rng = np.random.default_rng(0)
    x = tg.tensor(rng.standard_normal((1, 2, 1)).astype("float32"))
    y = tg.tensor(rng.standard_normal((1, 2)).astype("float32"))
    name = states[0].split("/")[0]
    loss = ((layer(2, name=name)(x) - y) ** 2).mean()
    assert _constant_titles(loss) == ["input 1", *states, "input 2"]
    ax = v.plot_graph(loss)
    drawn = {t.get_text().split("\n")[0] for t in ax.texts if t.get_gid().startswith("tensor:")}
    assert set(states) <= drawn
    import matplotlib.pyplot as plt
    plt.close(ax.figure)


def test_given_initial_states_keep_their_own_titles():
    x = tg.tensor(np.ones((1, 2, 1), "float32"))
    h0 = tg.tensor(np.zeros((1, 2), "float32"))
    h0.name = "my h0"
    loss = tg.layers.GRU(2, name="gru")(x, initial_state=[h0]).sum()
    assert _constant_titles(loss) == ["input", "my h0"]


@pytest.mark.parametrize("make", [lambda: tg.layers.LSTM(2, return_sequences=True),
                                  lambda: tg.layers.Lambda(lambda t: t * 2)])
def test_layers_without_a_fixed_pattern_are_refused_with_the_reason_and_what_to_use(make):
    model = tg.models.Sequential([tg.layers.Input((5, 1)), make()])
    with pytest.raises(TypeError, match=r"has no connectivity matrix here: .*(state from step to step|any "
                                        r"function).*its Jacobian at a point, exact for any layer"):
        v.model_connectivity_matrix(model, 5)


@pytest.mark.parametrize("layer", [tg.layers.Rescaling(2.0, offset=1.0), tg.layers.ActivityRegularization(0.1)])
def test_element_wise_new_layers_connect_each_step_to_itself(layer):
    # Keras: Rescaling is x * scale + offset and ActivityRegularization the identity, each value on its own
    model = tg.models.Sequential([tg.layers.Input((5, 1)), layer])
    np.testing.assert_array_equal(v.model_connectivity_matrix(model, 5), np.eye(5))
