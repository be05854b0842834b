r"""The backward pass, drawn: the gradient at every node, one step at a time, and conv1d's gradient as a transpose.

``backward()`` keeps only the leaves' gradients (and those of tensors marked with ``retain_grad``). To see the
others, :func:`record_backward` listens to the engine while it runs: at each node it reaches, in the engine's own
reverse topological order, it records the gradient that arrived there and what the node's op sent to each of its
inputs (the autograd engine calls the observers of ``autograd._state.observers``; nothing else changes). The
result, a :class:`BackwardTrace`, also keeps a copy of the graph's structure taken before ``backward`` freed it,
so it can be drawn afterwards:

* :func:`~tinygradconv.viz.plot_graph` with ``grads=trace`` (or ``grads=True``, which records a pass itself);
* :func:`animate_backward`: one frame per node, the gradient arriving along each edge and adding up where a
  tensor is used twice (the chain rule's sum over uses), from a tensor whose graph is still there or from a trace;
* :func:`plot_gradient_as_transpose`: for ``y = conv1d(x, w)``, the gradient ``dL/dx`` that backward computes is
  ``conv1d_transpose(dL/dy, w)``, drawn from both ops.

>>> import tinygradconv as tg
>>> from tinygradconv.viz import record_backward
>>> x = tg.tensor([1.0, 2.0], requires_grad=True)
>>> a = x * x
>>> with record_backward() as trace:
...     (a * 3).sum().backward()
>>> trace.grad(a).tolist()                     # d sum(3a) / da: kept although `a` is not a leaf
[3.0, 3.0]
>>> x.grad.tolist()                           # the leaf's .grad as usual: d sum(3 x^2) / dx = 6x
[6.0, 12.0]
"""
from __future__ import annotations

import contextlib
import numbers
from dataclasses import dataclass, field

import numpy as np

from .. import autograd
from ..ops.splitting import Piece
from ..random import generator
from ..tensor import Tensor
from ..validation import integer
from ._mpl import check_figure, fit_figure, legend_points, pyplot
from .animation import check_gif_path, frames_per_second, save_gif
from .graph import (
    _FILL,
    EDGE_GREY,
    _brief,
    _check_fontsize,
    check_graph_size,
    count_graph_nodes,
    draw_nodes,
    graph_nodes,
    graph_tensors,
    op_node_id,
    wrap_title,
)

__all__ = ["BackwardStep", "BackwardTrace", "animate_backward", "plot_gradient_as_transpose", "record_backward",
           "trace_backward"]


@dataclass
class BackwardStep:
    """What the engine did at one node: the gradient that arrived at tensor ``node`` (``"tI"``) and, for a tensor
    made by an op, what that op sent to each of its inputs (``sent``: ``(input id, gradient or None)`` per argument).
    """

    node: str
    grad: np.ndarray | None
    sent: list = field(default_factory=list)


@dataclass
class BackwardTrace:
    """One recorded backward pass: the graph (``nodes``, as :func:`~tinygradconv.viz.graph.graph_nodes` gives it,
    with each tensor's recorded gradient in its label) and the engine's ``steps`` in the order it took them."""

    root: Tensor | None = None
    nodes: list = field(default_factory=list)
    steps: list = field(default_factory=list)
    tensors: list = field(default_factory=list)

    @property
    def grads(self) -> dict:
        """``{"tI": gradient}`` for every tensor the pass reached (NumPy arrays)."""
        return {s.node: s.grad for s in self.steps if s.grad is not None}

    def grad(self, tensor) -> np.ndarray:
        """The gradient recorded at ``tensor`` (a NumPy array).

        Raises:
            KeyError: the pass did not reach ``tensor``, or nothing was recorded at all (``backward()`` raised inside
                the ``with`` block, e.g. run a second time on a graph that the first run freed: a notebook cell run
                twice); the message says which.
        """
        if not self.steps:
            raise KeyError("this trace recorded no backward pass: backward() did not run to the end inside the "
                           "`with viz.record_backward()` block (a graph can be walked once: if that cell ran twice, "
                           "run the forward pass again, then the recording)")
        for i, t in enumerate(self.tensors):
            if t is tensor:
                return self.grads[f"t{i}"]
        raise KeyError("this tensor is not part of the recorded graph")


def require_recorded(trace, name, of=""):
    """``trace`` when it holds a backward pass, else a ValueError naming the argument ``name`` (a trace whose
    ``backward()`` raised inside the ``with`` block, or that saw none). ``of``: whose pass is expected, for the
    message."""
    if trace.root is None or not trace.steps:
        raise ValueError(f"Invalid value for argument `{name}`: this trace recorded no backward pass (backward() "
                         f"did not run to the end inside the `with viz.record_backward()` block). Expected a "
                         f"BackwardTrace holding the backward pass{of}")
    return trace


def _numpy(tensor, array):
    return None if array is None else np.array(tensor.backend.to_numpy(array), dtype=np.float64)


def _piece_gradient(ctx, grad):
    """What a :class:`~tinygradconv.ops.splitting.Piece` adds to its input's gradient: ``grad`` (NumPy) at its
    index, zeros elsewhere."""
    gradient = np.zeros(ctx.shape)
    gradient[ctx.index] = grad
    return gradient


@contextlib.contextmanager
def record_backward():
    """Context manager: record the first ``backward()`` run inside it into the :class:`BackwardTrace` it yields.

    The gradients are copied to NumPy as the engine produces them; the tensors' ``.grad`` are untouched (leaves get
    theirs as usual, intermediate tensors none), and the graph's structure is copied before ``backward`` frees it.
    Recording is per thread. A second ``backward`` inside the same block is not recorded. A piece of ``split``,
    ``chunk`` or ``unbind`` is recorded as sending its own gradient, its part with zeros elsewhere, as a slice does
    (the engine's pieces fill one shared array instead: :class:`~tinygradconv.ops.splitting.Piece`).
    """
    trace = BackwardTrace()
    number = {}
    done = [False]
    visits = [0]                 # nodes the first pass will reach: the root and every tensor that requires grad

    def observe(tensor, grad, input_grads):
        if done[0]:
            return
        if trace.root is None:                          # the first node is the root: its graph is still whole
            trace.root = tensor
            trace.tensors = graph_tensors(tensor)
            number.update({id(t): f"t{i}" for i, t in enumerate(trace.tensors)})
            visits[0] = sum(1 for t in trace.tensors if t.requires_grad or t is tensor)
        node = number.get(id(tensor))
        if node is None:                                # another backward pass: not ours
            done[0] = True
            return
        ctx = tensor._ctx
        sent = []
        if ctx is not None and ctx.fn is Piece and grad is not None:
            # the pieces of one split share one array (ops.splitting): the first sends it, the others None. Each
            # edge shows the piece's own gradient instead, as a slice sends it: its part, zeros elsewhere
            sent.append((number[id(ctx.inputs[0])], _piece_gradient(ctx, _numpy(tensor, grad))))
        elif ctx is not None:
            for parent, g in zip(ctx.inputs, input_grads):
                if parent is not None:
                    sent.append((number[id(parent)], _numpy(parent, g) if parent.requires_grad else None))
        trace.steps.append(BackwardStep(node, _numpy(tensor, grad), sent))
        # the first pass is complete: a later one (retain_graph) is not ours
        if len(trace.steps) == visits[0]:
            done[0] = True

    previous = autograd._state.observers
    autograd._state.observers = (*previous, observe)
    try:
        yield trace
    finally:
        autograd._state.observers = previous
        done[0] = True
        if trace.root is not None:
            trace.nodes = graph_nodes_of(trace)


def graph_nodes_of(trace):
    """The nodes of the recorded graph with the recorded gradients in their labels (the structure as it was)."""
    grads = trace.grads
    return _rebuild(trace, grads) if _freed(trace) else graph_nodes(trace.root, grads)


def _freed(trace):
    return any(t._ctx is not None and t._ctx.released for t in trace.tensors)


def _rebuild(trace, grads):
    """Nodes of a graph freed by backward, from the recorded steps (which name every op's inputs)."""
    inputs = {s.node: [i for i, _ in s.sent] for s in trace.steps if s.sent}
    restored = []
    try:
        for i, t in enumerate(trace.tensors):
            ctx = t._ctx
            if ctx is not None and ctx.released:
                restored.append((ctx, ctx.inputs, ctx.released))
                ctx.inputs = tuple(trace.tensors[int(j[1:])] for j in inputs.get(f"t{i}", ()))
                ctx.released = False
        return graph_nodes(trace.root, grads)
    finally:
        for ctx, old_inputs, released in restored:
            ctx.inputs, ctx.released = old_inputs, released


def trace_backward(tensor, grad=None) -> BackwardTrace:
    """Run a recorded ``backward`` from ``tensor`` without changing any ``.grad``: the drawing's own pass.

    The graph must still be there (not freed by an earlier ``backward()``); it is kept (``retain_graph=True``).
    ``grad`` is the output gradient, as for :meth:`Tensor.backward` (default: 1 for a one-element tensor).

    Raises:
        TypeError: ``tensor`` is not a Tensor.
        RuntimeError: the graph was freed, or ``tensor`` does not require a gradient.
    """
    tensors = graph_tensors(tensor)                   # a TypeError for anything but a Tensor
    if any(t._ctx is not None and t._ctx.released for t in tensors):
        raise RuntimeError("The graph was freed by backward(): run the forward pass again and draw it before "
                           "backward() (or call backward(retain_graph=True)), or record the backward pass with `with "
                           "viz.record_backward() as trace: loss.backward()` and draw the trace, which keeps the "
                           "graph: viz.plot_graph(loss, grads=trace) or viz.animate_backward(trace)")
    kept = [(t, t._grad) for t in tensors]
    for t in tensors:        # the pass starts from no .grad: a held .grad is added into in place, and must not be
        t._grad = None
    try:
        with record_backward() as trace:
            tensor.backward(grad, retain_graph=True)
    finally:
        for t, g in kept:
            t.grad = g
    return trace


# ------------------------------------------------------------------------------------------------------------
# The animation
# ------------------------------------------------------------------------------------------------------------
_ARRIVING, _DONE, _WAITING = "#d62728", "#1f77b4", EDGE_GREY
_CURRENT = "#f8c8c8"
#: The animation's entries of the colour key, after plot_graph's grey arrow and before its boxes (one key, the same
#: colours and words in both pictures, :func:`~tinygradconv.viz.graph.key_handles`): ``(kind, colour, words)``.
ANIMATION_KEY = (("arrow", _ARRIVING, "red arrow: the gradient flowing now, back to the input", 2.2),
                 ("arrow", _DONE, "blue arrow: a gradient that flowed earlier", 1.6),
                 ("box", _CURRENT, "pink box: the tensor whose gradient is complete now, and its op"))
EDGE_KEY = ("A grey arrow turns red when a gradient flows back along it, or never: arrows from tensors that need "
            "none (the input x, a target) stay grey to the end")
"""The note under the key of :func:`animate_backward` (the one thing the key's entries do not say)."""


def _unbroken(text):
    """``text`` with no-break spaces: a formula or a name that a wrapped title keeps on one line."""
    return text.replace(" ", "\u00a0")


def _op_title(label):
    r"""An op node's label as a sentence says it: the op's name, then its own form (a second line) in brackets, kept
    whole.

    >>> _op_title("pow_scalar\nx ** 2").replace("\u00a0", " ")
    'pow_scalar (x ** 2)'
    """
    name, *rest = label.split("\n")
    return " ".join([name, *(_unbroken(f"({line})") for line in rest)])


def _frames(trace):
    """For each frame: (the step being taken or None, {node: (partial sum, uses received, uses)}, sent edges)."""
    uses = {}
    for n in trace.nodes:
        if n.kind == "op":
            for src in n.inputs:
                uses[src] = uses.get(src, 0) + 1
    received = {}
    root = trace.steps[0].node if trace.steps else None
    state = {}
    if root is not None:                    # the seed is the output's gradient from frame 0 on
        state[root] = (trace.steps[0].grad, 0, 0)
    frames = [(None, dict(state), [])]
    for step in trace.steps:
        edges = []
        op = op_node_id(step.node)
        for k, (src, g) in enumerate(step.sent):
            if g is None:
                continue
            count = sum(1 for s, _ in step.sent[:k] if s == src)
            edges.append((src, op, count))
            total, got = received.get(src, (None, 0))
            received[src] = (g if total is None else total + g, got + 1)
            state[src] = (received[src][0], received[src][1], uses.get(src, 1))
        frames.append((step, dict(state), edges))
    return frames


def edge_flows(trace, frames):
    """The colour of every edge that a gradient has passed, frame by frame: ``[{(src, dst, k): colour}]``.

    In frame ``i`` the edges of step ``i`` are red (:data:`_ARRIVING`): the edge from the op into the tensor taken
    (its complete gradient enters the op) and the input edges along which the op sends a gradient. The edges of
    earlier steps stay blue (:data:`_DONE`), so the path the gradients have travelled from the output is seen
    growing; an edge not listed (grey, :data:`_WAITING`) has carried no gradient yet, or never will (into a
    constant, which needs none). ``(src, dst, k)`` are the keys of :func:`~tinygradconv.viz.graph.draw_nodes`'
    edges: ``k`` counts the repeated edges between the same two nodes (``x * x``).
    """
    op_of = {n.id: n for n in trace.nodes if n.kind == "op"}
    passed, flows = {}, []
    for step, _, sent in frames:
        now = dict.fromkeys(passed, _DONE)
        if step is not None:
            op = op_node_id(step.node)
            if op in op_of:                        # the tensor's gradient enters the op that made it
                now[(op, step.node, 0)] = _ARRIVING
            for key in sent:                       # and the op sends a gradient to each input that needs one
                now[key] = _ARRIVING
        flows.append(now)
        passed.update(now)
    return flows


def _titles(trace, frames):
    """The title of each frame, one clause a line (each wrapped later to the figure's width, between words)."""
    names = {n.id: _unbroken(f"'{n.short.split(chr(10), 1)[0]}'") for n in trace.nodes}
    ops = {n.id: _op_title(n.label) for n in trace.nodes if n.kind == "op"}
    seed = _brief(trace.steps[0].grad) if trace.steps else "-"
    titles = [f"backward, step 0: the output's gradient is the seed,\n{_unbroken(f'd output / d output = {seed}')}"]
    for i, (step, _, _) in enumerate(frames[1:], 1):
        op = ops.get(op_node_id(step.node))
        what = f"its op {op} sends a gradient along each red arrow" if op else "a leaf: its gradient is final"
        titles.append(f"backward, step {i} of {len(frames) - 1}: {names[step.node]} has its complete gradient;"
                      f"\n{what}")
    return titles


def animate_backward(loss, path=None, fps=1.0, fontsize=8, grad=None, max_nodes=300):
    """Animate the backward pass from ``loss``: one frame per node, in the engine's reverse topological order.

    Frame 0 shows the graph with the seed gradient (1 for a scalar loss), every edge grey and pointing forward, as
    the forward pass drew it. Each following frame takes one tensor (highlighted in red) whose gradient is
    complete: the edge into its op and the edges along which the op sends a gradient back to its inputs turn red
    and point backward, to the inputs; in later frames they stay blue (still pointing backward), so that the
    gradient is seen travelling from the output up to the leaves, frame by frame (``anim.edge_flows``). Edges that
    no gradient takes (into a constant such as a target) stay grey. A tensor used twice shows its partial sum
    ("1 of 2 uses") until both contributions have arrived. Under the graph, the colour key of :func:`plot_graph`
    (the figure legend with gid ``"colour-key"``: the same grey arrow and boxes, in the same words), with the
    animation's red and blue arrows and its highlighted box added (:data:`ANIMATION_KEY`), and a note on the
    arrows that stay grey (gid ``"footer"``).
    The title says what happens, wrapped between words but never inside a formula or a name (no-break spaces
    there: ``d output / d output = 1``, an op's form such as ``(x ** 2)``, a name such as ``'loss L'``).
    Gradients are recorded by :func:`trace_backward` (the engine's own pass, the ``.grad`` of every tensor left as
    it was), so the graph of ``loss`` must still be there; or ``loss`` is the :class:`BackwardTrace` of your own
    ``backward()``, recorded by :func:`record_backward`, which keeps the graph that ``backward()`` frees.

    Args:
        loss: the output tensor (its graph not yet freed), or a :class:`BackwardTrace` (drawn as it was recorded).
        path: save the animation as a GIF there (through Pillow), written atomically.
        fps: frames per second of the GIF, from 0.01 to 50 (``viz.animation.MIN_FPS``, ``MAX_FPS``), checked also
            without ``path``, for :func:`show_animation`.
        fontsize: the labels' font size (points).
        grad: the output gradient, for a non-scalar ``loss`` (None with a trace, which holds the one it used).
        max_nodes: refuse larger graphs, as :func:`plot_graph` does (one frame per node, each drawing every box:
            an LSTM of 4 units over 20 steps, 696 nodes, made 350 frames 1,604 by 14,631 pixels, 5.7 s each).
            Checked before the backward pass runs and before any frame is drawn.

    Returns:
        The ``matplotlib.animation.FuncAnimation``; ``anim.trace`` is the :class:`BackwardTrace`,
        ``anim.frame_texts`` the node labels of every frame (``{node id: text}`` per frame), ``anim.titles`` the
        title of every frame (before it is wrapped to the figure's width), ``anim.edge_flows`` the colour of
        each edge a gradient has taken by each frame (``{(src, dst, k): colour}`` per frame, see
        :func:`edge_flows`), ``anim.figure`` the
        figure it redraws and ``anim.fps`` its frame rate. :func:`show_animation` plays it inline in a notebook.

    Raises:
        ValueError: a graph of more than ``max_nodes`` nodes (a ``max_nodes`` below 1), an ``fps`` outside 0.01
            to 50, a ``fontsize`` that is not finite or not > 0, a ``path`` that does not end in ``.gif``, a trace
            that recorded no backward pass, or a ``grad`` given with a trace, before anything is drawn.
        TypeError: ``loss`` is neither a Tensor nor a BackwardTrace; an ``fps``, ``fontsize`` or ``max_nodes``
            that is not a number (a whole one for ``max_nodes``), or a ``path`` that is not a path.
        RuntimeError: the graph of ``loss`` was freed by ``backward()`` (record the pass to draw it afterwards).

    >>> import tinygradconv as tg
    >>> x = tg.tensor([1.0, 2.0], requires_grad=True)
    >>> anim = animate_backward((x * x).sum())
    >>> len(anim.frame_texts), anim.frame_texts[-1]["t0"].splitlines()[-1]    # d sum(x*x) / dx = 2x
    (4, 'grad [2, 4]')
    >>> from tinygradconv.viz import show_animation
    >>> show_animation(anim).format                    # in a notebook: the last line of a cell plays it
    'gif'
    >>> with record_backward() as trace:               # your own backward(), which frees the graph
    ...     (x * x).sum().backward()
    >>> replay = animate_backward(trace)
    >>> len(replay.frame_texts), show_animation(replay).format
    (4, 'gif')
    """
    from matplotlib.animation import FuncAnimation

    fps = frames_per_second(fps)
    _check_fontsize(fontsize)
    path = check_gif_path(path)
    max_nodes = integer(max_nodes, "max_nodes")
    if isinstance(loss, BackwardTrace):
        trace = require_recorded(loss, "loss")
        if grad is not None:
            raise ValueError(f"Invalid value for argument `grad`: a trace holds the output gradient of the pass it "
                             f"recorded, so expected None with a trace. Received grad={grad!r}")
        check_graph_size(len(trace.nodes), max_nodes)
    elif isinstance(loss, Tensor):
        check_graph_size(count_graph_nodes(loss), max_nodes)     # before the backward pass, as plot_graph does
        trace = trace_backward(loss, grad)
    else:
        raise TypeError(f"Invalid type for argument `loss`. Expected a tinygradconv Tensor or a BackwardTrace from "
                        f"viz.record_backward(). Received {type(loss).__name__}")
    base = {n.id: n.short.rsplit("\ngrad ", 1)[0] for n in trace.nodes}
    frames = _frames(trace)
    labels = []
    for step, state, _ in frames:
        frame = {}
        for n in trace.nodes:
            if n.kind != "tensor":
                continue
            entry = state.get(n.id)
            if entry is None:
                line = "grad: none" if n.role == "constant" else "grad: waiting"
            elif entry[1] < entry[2]:
                line = f"so far {_brief(entry[0])} ({entry[1]} of {entry[2]})"
            else:
                line = f"grad {_brief(entry[0])}"
            frame[n.id] = f"{base[n.id]}\n{line}"
        labels.append(frame)
    titles = _titles(trace, frames)
    flows = edge_flows(trace, frames)
    ax, texts, edges = draw_nodes(trace.nodes, None, fontsize, titles[0], titles=titles, labels=labels,
                                  footer=EDGE_KEY, key=ANIMATION_KEY)
    fig = ax.figure

    def draw(i):
        step = frames[i][0]
        op_taken = None if step is None else op_node_id(step.node)
        for n in trace.nodes:
            current = step is not None and n.id in (step.node, op_taken)
            patch = texts[n.id].get_bbox_patch()
            patch.set_facecolor(_CURRENT if current else _FILL[n.role])
            patch.set_linewidth(2.0 if current else 1.0)
            if n.kind == "tensor":
                texts[n.id].set_text(labels[i][n.id])
        for key, arrow in edges.items():
            state = flows[i].get(key, _WAITING)
            arrow.arrow_patch.set_color(state)
            arrow.arrow_patch.set_linewidth({_ARRIVING: 2.2, _DONE: 1.6}.get(state, 1.0))
            # a gradient flows against the forward edge: the head turns to the input once it has passed
            arrow.arrow_patch.set_arrowstyle("-|>" if state == _WAITING else "<|-")
        ax.set_title(wrap_title(titles[i], fig.get_size_inches()[0]), fontsize=9)
        return []

    draw(0)
    anim = FuncAnimation(fig, draw, frames=len(frames), interval=1000.0 / fps, blit=False, repeat=True)
    anim.trace, anim.frame_texts, anim.titles, anim.edge_flows = trace, labels, titles, flows
    anim.figure, anim.fps = fig, fps
    if path is not None:
        save_gif(anim, path)
    return anim


# ------------------------------------------------------------------------------------------------------------
# conv1d's input gradient is a transposed convolution
# ------------------------------------------------------------------------------------------------------------
MAX_GRADIENT_STEPS = 200
"""The longest input :func:`plot_gradient_as_transpose` draws (one bar per step, each still visible)."""


def plot_gradient_as_transpose(input_length=9, kernel=(1.0, 2.0, -1.0), strides=2, seed=0, fig=None):
    r"""Show that the input gradient of ``conv1d`` is ``conv1d_transpose`` of the output gradient.

    For ``y = conv1d(x, w, strides=s)`` (``padding="valid"``, one channel) and an output gradient ``g``, backward
    gives :math:`\partial L/\partial x = J^\top g` with :math:`J` the conv1d matrix, and :math:`J^\top g` is
    ``conv1d_transpose(g, w, strides=s, output_padding=(L - k) mod s)`` (the output padding restores the steps
    that the strided conv1d never reached). Both are computed here, each through its own op, and drawn one over the
    other; the title gives their largest difference.

    Args:
        input_length: ``L``, the length of ``x`` (at least the kernel size, at most ``MAX_GRADIENT_STEPS``, 200:
            one bar a step).
        kernel: the ``k`` tap values of ``w``.
        strides: ``s``.
        seed: the seed of the random ``x`` and ``g``, a non-negative integer; ``None`` draws them from the
            package's generator (repeatable after :func:`tinygradconv.set_seed`).
        fig: a matplotlib Figure to draw into (default: a new one).

    Returns:
        The Figure, with ``fig.autograd_grad`` and ``fig.transpose_grad`` (the two NumPy vectors of length ``L``).

    Raises:
        ValueError: an empty, non-numeric or non-finite ``kernel``, a kernel longer than the input, an input longer
            than ``MAX_GRADIENT_STEPS`` (before anything is computed), a non-positive ``strides``, or a ``seed``
            that is neither a non-negative integer nor None (as :func:`tinygradconv.set_seed` refuses it).
        TypeError: ``fig`` is neither None nor a matplotlib Figure; ``kernel`` a number or a string (a kernel size
            where its taps are asked for).

    >>> fig = plot_gradient_as_transpose(8, kernel=(1.0, -2.0, 0.5), strides=2)
    >>> bool(abs(fig.autograd_grad - fig.transpose_grad).max() < 1e-12)
    True
    """
    from matplotlib.ticker import FixedLocator, MaxNLocator

    from ..ops.conv import conv1d, conv1d_transpose

    if isinstance(kernel, (str, bytes, numbers.Number)):       # a kernel size where the taps are asked for
        raise TypeError(f"Invalid type for argument `kernel`. Expected a non-empty 1-D sequence of finite numbers "
                        f"(the taps, e.g. (1.0, -2.0, 0.5)). Received kernel={kernel!r}")
    try:
        w = np.asarray(kernel, dtype=np.float64)
    except (TypeError, ValueError):
        w = np.array([np.nan])                          # refused just below, with the value received
    if w.ndim != 1 or w.size == 0 or not np.all(np.isfinite(w)):
        raise ValueError(f"Invalid value for argument `kernel`. Expected a non-empty 1-D sequence of finite "
                         f"numbers. Received kernel={kernel!r}")
    k = w.size
    if not isinstance(input_length, (int, np.integer)) or isinstance(input_length, bool) or input_length < max(k, 1):
        raise ValueError(f"Invalid value for argument `input_length`. Expected an integer at least the kernel size "
                         f"{k}. Received input_length={input_length!r}")
    if input_length > MAX_GRADIENT_STEPS:
        raise ValueError(f"Invalid value for argument `input_length`: input_length={input_length} steps are too many "
                         f"bars to read (at most {MAX_GRADIENT_STEPS}). Draw a shorter input: the gradient is the "
                         f"same transposed convolution at any length")
    if not isinstance(strides, (int, np.integer)) or isinstance(strides, bool) or strides < 1:
        raise ValueError(f"Invalid value for argument `strides`. Expected a positive integer. "
                         f"Received strides={strides!r}")
    rng = generator(integer(seed, "seed", minimum=0, optional=True, type_error=ValueError))
    check_figure(fig)
    length = int(input_length)
    x = Tensor(rng.standard_normal((1, length, 1)), dtype="float64", backend="numpy", requires_grad=True)
    wt = Tensor(w.reshape(k, 1, 1), dtype="float64", backend="numpy")
    y = conv1d(x, wt, strides=strides)
    g = rng.standard_normal(y.shape)
    y.backward(Tensor(g, dtype="float64", backend="numpy"))
    by_autograd = x.grad.numpy().ravel()
    output_padding = (length - k) % strides
    by_transpose = conv1d_transpose(Tensor(g, dtype="float64", backend="numpy"), wt, strides=strides,
                                    output_padding=output_padding).numpy().ravel()
    plt = pyplot()
    new_figure = fig is None
    if fig is None:
        fig = plt.figure(figsize=(8.0, 6.0), layout="constrained")
    axes = fig.subplots(2, 1, gridspec_kw={"height_ratios": [1, 1.4]})
    n_out = g.size
    # no stem baseline (a thick segment from the first stem to the last, read as data): the zero line of the
    # panel below, thin and across the whole panel, with the same room beyond the stems
    axes[0].stem(np.arange(n_out), g.ravel(), basefmt=" ")
    axes[0].axhline(0.0, color="black", linewidth=0.8)
    low, high = min(g.min(), 0.0), max(g.max(), 0.0)
    axes[0].set_ylim(low - 0.08 * ((high - low) or 1.0), high + 0.08 * ((high - low) or 1.0))
    axes[0].set_title(f"the output gradient g = dL/dy of y = conv1d(x, w, strides={strides}): {n_out} "
                      f"step{'s' if n_out != 1 else ''}",
                      fontsize=10)
    axes[0].set_xlabel("output step n")
    axes[0].set_ylabel(r"$g_n = \partial L / \partial y_n$")
    axes[0].set_xlim(-0.7, n_out - 0.3)
    for axis, n in ((axes[0].xaxis, n_out), (axes[1].xaxis, length)):     # whole steps only (n = 1: just 0)
        axis.set_major_locator(FixedLocator(range(n)) if n <= 12 else MaxNLocator(integer=True))
    steps = np.arange(length)
    # markers as wide as half a step at most (7 points: among 200 steps, 2.7 points apart, they covered one
    # another and the bars, found by a teacher), and room beyond the last one (it was cut in half by the frame)
    pitch = fig.get_figwidth() * 0.85 * 72.0 / max(length, 1)                 # points between two steps
    size = float(np.clip(0.5 * pitch, 2.0, 7.0))
    axes[1].bar(steps, by_autograd, color="#9ecae1", label="dL/dx from backward() through conv1d")
    axes[1].plot(steps, by_transpose, "o", color="#d62728", markersize=size, markeredgewidth=min(1.0, size / 4),
                 label=f"conv1d_transpose(g, w, strides={strides}, output_padding={output_padding})")
    axes[1].axhline(0.0, color="black", linewidth=0.8)
    low, high = min(by_autograd.min(), by_transpose.min(), 0.0), max(by_autograd.max(), by_transpose.max(), 0.0)
    margin = 0.08 * ((high - low) or 1.0)       # room beyond the bars: a marker at 0 is not cut by the frame
    axes[1].set_ylim(low - margin, high + margin)
    beyond = max(0.7, (size / 2 + 1.5) / pitch)            # steps of room beyond the first and last marker
    axes[1].set_xlim(-beyond, length - 1 + beyond)
    axes[1].set_xlabel("input step j")
    axes[1].set_ylabel(r"$\partial L / \partial x_j$")
    diff = float(np.max(np.abs(by_autograd - by_transpose)))
    axes[1].set_title(f"the input gradient, two ways (w = {[float(v) for v in w]}): max difference {diff:.1e}",
                      fontsize=10)
    # a new figure's legend: its capitals 10 pixels tall once shown 800 pixels wide (see legend_points)
    axes[1].legend(fontsize=legend_points(fig.get_figwidth()) if new_figure else 8, loc="upper center",
                   bbox_to_anchor=(0.5, -0.2), ncol=1, frameon=False, markerscale=7.0 / size)   # its swatch: 7 pt
    if new_figure:
        fit_figure(fig)
    fig.autograd_grad, fig.transpose_grad = by_autograd, by_transpose
    return fig
