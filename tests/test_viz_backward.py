"""The backward pass, drawn: recorded gradients against the engine's own (retain_grad) and hand-computed values,
the animation's frames, conv1d's input gradient against a naive transposed loop, and plot_graph's layout checked
from the renderer's text extents (inside the figure, no overlapping labels, at least 7 pt shown 10 inches wide)."""
import os

import matplotlib.pyplot as plt
import numpy as np
import pytest
from figure_check import assert_readable
from PIL import Image

import tinygradconv as tg
from tinygradconv import viz
from tinygradconv.layers import Conv1D, Conv1DTranspose


def small_graph():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    w = tg.tensor([0.5, -1.0], requires_grad=True)
    x.name, w.name = "x", "w"
    a, b = x * w, x * x
    s = a + b
    loss = s.sum()
    return x, w, a, b, s, loss


def two_layer_loss(seed=0, length=6):
    tg.random.set_seed(seed)
    rng = np.random.default_rng(seed)
    conv, up = Conv1D(2, 3, activation="relu", name="conv"), Conv1DTranspose(1, 3, strides=2, name="up")
    x = tg.tensor(rng.standard_normal((1, length, 1)))
    target = tg.tensor(rng.standard_normal((1, 2 * (length - 2) + 1, 1)))
    hidden = conv(x)
    out = up(hidden)
    loss = ((out - target) ** 2).mean()
    loss.name = "loss"
    return (conv, up), (hidden, out), loss


def test_recorded_gradients_are_the_engines_at_every_node():
    x, w, a, b, s, loss = small_graph()
    with viz.record_backward() as trace:
        loss.backward()
    # by hand: d loss / d s = d / d a = d / d b = 1; d / dx = w + 2x; d / dw = x
    for t in (s, a, b):
        assert trace.grad(t).tolist() == [1.0, 1.0]
    assert trace.grad(x).tolist() == [2.5, 3.0] and trace.grad(w).tolist() == [1.0, 2.0]
    assert trace.grad(loss).tolist() == 1.0
    assert a.grad is None and s.grad is None                           # nothing retained on the tensors
    assert x.grad.numpy().tolist() == [2.5, 3.0]                       # the leaves got theirs as usual
    # the engine's order is a reverse topological order: every tensor before the inputs of its op
    seen = [step.node for step in trace.steps]
    for step in trace.steps:
        for src, _ in step.sent:
            assert seen.index(src) > seen.index(step.node)
    # x is used twice by x * x: two contributions of x each (x * x sends 2 * [1, 2] in two halves)
    mul_xx = next(st for st in trace.steps if [src for src, _ in st.sent] == ["t0", "t0"])
    assert [g.tolist() for _, g in mul_xx.sent] == [[1.0, 2.0], [1.0, 2.0]]


def test_recorded_gradients_match_retain_grad_on_a_two_layer_model():
    _, (hidden, out), loss = two_layer_loss()
    trace = viz.trace_backward(loss)
    assert hidden.grad is None and out.grad is None
    hidden.retain_grad()
    out.retain_grad()
    loss.backward(retain_graph=True)
    np.testing.assert_array_equal(trace.grad(hidden), hidden.grad.numpy())
    np.testing.assert_array_equal(trace.grad(out), out.grad.numpy())


def test_plot_graph_with_grads_leaves_grad_alone_and_labels_every_tensor():
    x, w, a, _, _, loss = small_graph()
    x.grad = tg.tensor([7.0, 7.0])
    ax = viz.plot_graph(loss, grads=True)
    assert x.grad.numpy().tolist() == [7.0, 7.0] and w.grad is None and a.grad is None
    labels = {t.get_gid(): t.get_text() for t in ax.texts if (t.get_gid() or "").startswith("tensor:")}
    assert len(labels) == 6 and all("grad " in text for text in labels.values())
    assert labels["tensor:t0"].endswith("grad [2.5, 3]") and labels["tensor:t1"].endswith("grad [1, 2]")
    loss.backward()                                   # frees the graph
    with pytest.raises(RuntimeError, match="record_backward"):
        viz.plot_graph(loss, grads=True)
    with pytest.raises(TypeError, match="grads"):
        viz.plot_graph(loss, grads="yes")


def test_a_trace_draws_the_graph_that_backward_freed():
    x, _, _, _, _, loss = small_graph()
    full = viz.graph.graph_nodes(loss)
    with viz.record_backward() as trace:
        loss.backward()
    assert viz.to_dot(loss).count("->") == 1                      # freed
    ax = viz.plot_graph(loss, grads=trace)
    edges = [t.get_gid() for t in ax.texts if (t.get_gid() or "").startswith("edge:")]
    assert sorted(edges) == sorted(f"edge:{src}->{n.id}" for n in full for src in n.inputs)
    assert "freed" not in ax.get_title()
    assert x._ctx is None and loss._ctx.released                   # the graph stays freed afterwards


def test_animate_backward_frames_show_arrival_and_accumulation(tmp_path):
    x, _, _, _, _, loss = small_graph()
    path = tmp_path / "backward.gif"
    anim = viz.animate_backward(loss, path=path)
    frames = anim.frame_texts
    assert len(frames) == len(anim.trace.steps) + 1 == 7
    assert all(text.endswith("grad: waiting") for node, text in frames[0].items() if node != "t5")
    # x (t0) is used by three edges (x * w, and twice by x * x): a partial sum shows until all have arrived
    partial = [f["t0"].splitlines()[-1] for f in frames]
    assert any(line.startswith("so far") and "of 3)" in line for line in partial)
    assert partial[-1] == "grad [2.5, 3]"
    assert x.grad is None                                           # the drawing's pass changed no .grad
    with Image.open(path) as image:
        assert image.format == "GIF" and image.n_frames == 7
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask           # ordinary permissions, written atomically
    assert [p.name for p in tmp_path.iterdir()] == ["backward.gif"]


def test_gradient_of_conv1d_is_a_transposed_convolution_computed_both_ways():
    for length, kernel, strides in [(9, (1.0, 2.0, -1.0), 2), (8, (0.5, -2.0), 3), (5, (1.0, 1.0, 1.0, 2.0), 1)]:
        fig = viz.plot_gradient_as_transpose(length, kernel, strides, seed=1)
        # naive: x_grad[j] = sum over n, t with n*s + t == j of g[n] * w[t], g the same random draw
        rng = np.random.default_rng(1)
        rng.standard_normal((1, length, 1))
        n_out = (length - len(kernel)) // strides + 1
        g = rng.standard_normal((1, n_out, 1)).ravel()
        expected = np.zeros(length)
        for n in range(n_out):
            for t, w in enumerate(kernel):
                expected[n * strides + t] += g[n] * w
        np.testing.assert_allclose(fig.autograd_grad, expected, atol=1e-12)
        np.testing.assert_allclose(fig.transpose_grad, expected, atol=1e-12)
        assert_readable(fig)
    with pytest.raises(ValueError, match="input_length"):
        viz.plot_gradient_as_transpose(2, (1.0, 2.0, 3.0))


@pytest.mark.parametrize("which", ["tutorial01", "small", "two_layer", "deep_chain", "wide"])
def test_plot_graph_is_readable(which):
    """Vertical layout: inputs above the ops that use them, labels inside the figure and apart, >= 7 pt at 10 in
    (a long chain, folded for a slide: at 13.33 in, the slide's width)."""
    if which == "tutorial01":
        x = tg.tensor([0.5, -1.0, 2.0], requires_grad=True)
        w = tg.tensor([1.5, 0.5, -0.5], requires_grad=True)
        b = tg.tensor(0.1, requires_grad=True)
        x.name, w.name, b.name = "x", "w", "b"
        loss = (((x * w + b).tanh()) ** 2).sum()
    elif which == "small":
        loss = small_graph()[-1]
    elif which == "two_layer":
        loss = two_layer_loss()[-1]
    elif which == "deep_chain":
        loss = tg.tensor([1.0, 2.0], requires_grad=True)
        for i in range(30):
            loss = (loss * 1.5).tanh() if i % 2 else loss + 1.0
        loss = loss.sum()
    else:
        xs = [tg.tensor(float(i), requires_grad=True) for i in range(12)]
        loss = xs[0]
        for t in xs[1:]:
            loss = loss + t * t
    for grads in (False, True):
        ax = viz.plot_graph(loss, grads=grads)
        fig = ax.figure
        width, height = fig.get_size_inches()
        if which == "deep_chain":       # 60 ops: folded for a slide, no wider than 15.2 inches, whose 8-point text
            assert width <= 15.2            # a slide as wide shows at 7 points or more; landscape without the
            assert grads or height < width  # gradients (with them, 120 rows of taller boxes stay portrait)
            assert_readable(fig, shown_width_in=13.33)
        else:
            assert width <= 10.0
            assert_readable(fig)
        nodes = {t.get_gid(): t for t in ax.texts if (t.get_gid() or "").startswith(("tensor:", "op:"))}
        for gid in (t.get_gid() for t in ax.texts if (t.get_gid() or "").startswith("edge:")):
            src, dst = gid[5:].split("->")             # every edge points down, or on to the next band
            x0, y0 = nodes[("tensor:" if src[0] == "t" else "op:") + src].get_position()
            x1, y1 = nodes[("tensor:" if dst[0] == "t" else "op:") + dst].get_position()
            assert y1 < y0 or x1 > x0 + 1.0, (which, gid)
        plt.close(fig)
    if which == "deep_chain":                              # 60 ops: folded into side-by-side bands
        assert fig.get_size_inches()[0] > 4 * 1.2


def test_a_second_backward_through_a_retained_graph_is_not_recorded():
    """The trace holds one step per node of the first pass, and a second backward with retain_graph adds none."""
    with viz.record_backward() as trace:
        x, *_, loss = small_graph()
        loss.backward(retain_graph=True)
        first = [step.node for step in trace.steps]
        loss.backward()
    assert len(first) == 6                           # x, w, a, b, s, loss: every tensor of the graph needs a gradient
    assert [step.node for step in trace.steps] == first
    np.testing.assert_allclose(x.grad.numpy(), 2 * (np.array([0.5, -1.0]) + 2 * np.array([1.0, 2.0])))


def test_a_recording_of_a_freed_graph_says_so():
    """Found by a tester: a notebook cell ``with viz.record_backward() as trace: loss.backward()`` run twice raised
    (the first run freed the graph), and the next cell's ``trace.grad(h)`` then said only that the tensor is not
    part of the recorded graph. It now says that nothing was recorded, and what to do."""
    x, _w, a, _b, _s, loss = small_graph()
    loss.backward()
    with pytest.raises(RuntimeError), viz.record_backward() as trace:
        loss.backward()
    with pytest.raises(KeyError, match=r"recorded no backward pass.*run the forward pass again"):
        trace.grad(a)
    x2, _w2, _a2, _b2, _s2, loss2 = small_graph()
    with viz.record_backward() as trace2:
        loss2.backward()
    with pytest.raises(KeyError, match="not part of the recorded graph"):
        trace2.grad(x)                                       # a tensor of another graph
    np.testing.assert_array_equal(trace2.grad(x2), x2.grad.numpy())


def test_every_box_of_every_frame_lies_inside_the_figure():
    """The figure was laid out for the first frame's labels: a later "so far [0.13, 0.417, 0.126] (1 of 2)" ran
    past the right edge of the GIF, its box's border cut off (found by a student). Now every box, in every frame,
    lies inside the figure."""
    x = tg.tensor([0.897, 0.449, 0.274], dtype="float64")
    x.name = "x"
    w = tg.tensor([0.146, 0.989, 0.464], dtype="float64", requires_grad=True)
    w.name = "w"
    loss = ((x * w).tanh() * w).sum()
    anim = viz.animate_backward(loss)
    fig = anim.figure
    width, height = fig.canvas.get_width_height()
    assert any("so far" in text for frame in anim.frame_texts for text in frame.values())
    for i in range(len(anim.frame_texts)):
        anim._func(i)
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        for text in (t for t in fig.axes[0].texts if (t.get_gid() or "").startswith("tensor:")):
            box = text.get_bbox_patch().get_window_extent(renderer)
            assert 0 <= box.x0 and box.x1 <= width and 0 <= box.y0 and box.y1 <= height, (i, text.get_text())
    plt.close(fig)
