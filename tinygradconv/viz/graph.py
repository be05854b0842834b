"""The computational graph behind a tensor: as DOT text (:func:`to_dot`) or drawn with matplotlib (:func:`plot_graph`).

Every op call that needs a gradient records a node on its output: ``tensor._ctx`` is a
:class:`~tinygradconv.autograd.Context` whose ``fn`` is the op's Function class (``fn.name`` is the registered op
name) and whose ``inputs`` are the input tensors. Leaves (tensors made by the user) have ``_ctx is None``. Walking
``_ctx.inputs`` from a tensor back to the leaves gives the whole graph: tensor nodes (boxes: name, shape, dtype,
values when small, and the gradient when one is present) and op nodes between them.

**The graph is freed by backward.** ``backward()`` releases every node it went through (``ctx.inputs`` is emptied
to free memory), so drawing a tensor after ``loss.backward()`` shows only the loss and a "freed" op. To draw the
graph *with* the gradient at every node, intermediate ones included, use ``plot_graph(loss, grads=True)`` before
``backward`` (it runs its own recorded pass and changes no ``.grad``), or record your own pass with
``with viz.record_backward() as trace: loss.backward()`` and draw ``plot_graph(loss, grads=trace)`` (see
:mod:`tinygradconv.viz.backward`). Without either, only the ``.grad`` the tensors hold is shown (leaves after
``backward``, other tensors after ``retain_grad()``).

:func:`plot_graph` lays the graph out top to bottom (inputs above the ops that use them), with summarised labels,
folding a tall drawing into side-by-side bands: a figure for a page or a notebook (under 10 inches wide, at most
8.6 inches and about 1,000 pixels tall when a notebook shows it 800 pixels wide) where one fits, else one folded for
a landscape slide, up to about 15 inches wide, with closer rows (:func:`graph_layout`). Either way its 8-point text
is 7 points or more once the figure is fitted to a 16:9 slide, where the graph allows.

>>> import tinygradconv as tg
>>> from tinygradconv.viz import to_dot
>>> x = tg.tensor([1.0, 2.0], requires_grad=True)
>>> print(to_dot((x * x).sum()).count("->"))   # x -> mul (twice), mul -> x*x -> sum -> output
5
"""
from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

import numpy as np

from ..backend import dtype_name
from ..in_place import recorded_inputs, written_over
from ..tensor import Tensor
from ..validation import integer, number
from ._mpl import pyplot

__all__ = ["GRAPH_DPI", "draw_nodes", "graph_layout", "graph_nodes", "graph_tensors", "key_handles", "op_node_id",
           "plot_graph", "to_dot"]

_FREED_NOTE = "graph freed by backward(); call backward(retain_graph=True) to keep it"


@dataclass
class Node:
    """One node of the drawn graph: a tensor (``kind="tensor"``) or an op call (``kind="op"``)."""

    id: str
    kind: str
    label: str
    role: str                     # tensor: "leaf", "constant", "intermediate", "output"; op: "op" or "freed"
    inputs: list = field(default_factory=list)   # ids of the nodes with an edge into this one, in argument order
    short: str = ""               # the summarised label that plot_graph draws (the op name for ops)


def _summary(array, limit=4):
    values = np.asarray(array, dtype=np.float64).ravel()
    if values.size > limit:
        return f"{values.size} values, mean {values.mean():.4g}"
    text = ", ".join(f"{v:.4g}" for v in values)
    return text if np.ndim(array) == 0 else f"[{text}]"


def _unnamed_kind(t, role):
    """``"input"`` or ``"leaf"`` for an unnamed tensor that the graph titles by what it is and numbers when there are
    several (see :func:`_title`); None for the others."""
    if t.name or t._ctx is not None:
        return None
    if role == "constant":
        return None if int(np.prod(t.shape)) == 1 else "input"
    return "leaf"


def _numbers(order, roles):
    """``{id(tensor): k}``: the number of each unnamed input and unnamed leaf, 1, 2, ... in the graph's order, for
    the kinds that occur more than once (a single input stays ``"input"``)."""
    kinds = {}
    for t, role in zip(order, roles):
        kind = _unnamed_kind(t, role)
        if kind is not None:
            kinds.setdefault(kind, []).append(id(t))
    return {key: k for ids in kinds.values() if len(ids) > 1 for k, key in enumerate(ids, 1)}


def _title(t, role, default="", number=None):
    """The node's first line: the tensor's name; else what it is. An unnamed tensor that needs no gradient is an
    ``"input"`` or, holding one value, a constant with its value (``"constant 2"``), so that x or a target y is
    told apart from the exponent of ``** 2`` (the next lines give the shape and a summary of the values).
    ``number``: where a graph has several unnamed inputs (a model's input x and the loss's target y) or several
    unnamed leaves, each is numbered in the graph's order, ``"input 1"``, ``"input 2"`` (both were ``"input"``: a
    student could not tell x from the target, found by a teacher)."""
    if t.name:
        # a layer's weight: its layer and its name, the last two parts of its path ("sequential/dense_1/kernel" is
        # "dense_1/kernel"), as the ops of that layer's call are titled "dense_1/matmul"
        return "/".join(t.path.split("/")[-2:]) if t.path else t.name
    suffix = "" if number is None else f" {number}"
    if role == "constant":
        if int(np.prod(t.shape)) == 1:
            return f"constant {float(np.asarray(t.numpy()).ravel()[0]):.4g}"
        return "input" + suffix
    if role == "leaf":
        return "leaf" + suffix
    return {"output": "output"}.get(role, default)


#: The data line of a tensor's value before an in-place op recorded in the graph (``y.mul_(3)``): its values are
#: gone, written over (:func:`~tinygradconv.in_place.written_over`).
_OVERWRITTEN = "(overwritten in place)"


#: The recurrent ops whose result packs the final states after the steps (:mod:`tinygradconv.ops.recurrent`):
#: their names and final states.
_PACKED_STATES = {"lstm_sequence": ("h_T", "c_T"), "gru_sequence": ("h_T",), "simple_rnn_sequence": ("h_T",)}


def _packing(t, made_by) -> str:
    """For the result of a recurrent sequence op, what its steps axis holds: ``(2, 7, 3)`` for an LSTM on 5 steps
    read as 2 more steps than the input had (found by a teacher); it holds every step's ``h_t``, then the final
    states, which the layer splits off. Else ``""``.

    >>> _packing(Tensor(np.zeros((2, 7, 3))), "lstm/lstm_sequence")
    ": 5 steps' h_t, then h_T, c_T"
    """
    states = _PACKED_STATES.get(str(made_by or "").rsplit("/", 1)[-1])
    if states is None or len(t.shape) != 3:
        return ""
    return f": {t.shape[1] - len(states)} steps' h_t, then {', '.join(states)}"


def _tensor_label(t, role, grad, number=None, made_by=None):
    """The full label of :func:`to_dot`: the title of :func:`_node_title` (the one :func:`plot_graph` draws), then
    the shape and dtype, the data and the gradient (a mean over more than 4 values), one line each."""
    lines = [_node_title(t, role, number, made_by)]
    lines.append(f"shape {t.shape} {dtype_name(t.dtype)}{_packing(t, made_by)}")
    lines.append(_OVERWRITTEN if written_over(t) else f"data {_summary(t.numpy())}")
    if grad is not None:
        lines.append(f"grad {_summary(grad)}")
    return "\n".join(lines)


def _brief(array, limit=3):
    """At most ``limit`` values, else the mean and the largest magnitude: short enough for a node of the drawing."""
    values = np.asarray(array, dtype=np.float64).ravel()
    if values.size > limit:
        return f"mean {values.mean():.3g}, max|.| {np.abs(values).max():.3g}"
    text = ", ".join(f"{v:.3g}" for v in values)
    return text if np.ndim(array) == 0 else f"[{text}]"


def _layer_name(name):
    """The layer a layer's output is named after: ``"split"`` for ``"split:1"``, an output of a layer with several
    (see :class:`~tinygradconv.layers.Layer`); the name itself otherwise (``"dense_1"``)."""
    head, colon, index = (name or "").rpartition(":")
    return head if colon and head and index.isdigit() else name


def _call_scopes(order) -> dict:
    """``{layer call: scope}`` for the layer calls that ran the graph's ops: the layer's name, ``"sh"``, and for a
    layer called several times in the graph (a shared layer, a layer applied twice) ``"sh (call 2)"``,
    ``"sh (call 3)"`` for its later calls in the graph's order (as Keras numbers a layer's calls, its nodes,
    ``_keras_history.node_index`` 0, 1, ...; the two outputs were both titled "sh").

    Which call ran an op is recorded, not guessed: :meth:`~tinygradconv.layers.Layer.__call__` keeps the layer
    calls under way, and each op recorded during one keeps the innermost (``tensor._ctx.layer_call``, a
    ``(layer name, call number)``): a Dense layer of a Sequential model called inside a functional one scopes its
    ops by the Dense layer; the ops the user runs before or between layers are outside every layer."""
    calls = {}
    for t in order:
        call = None if t._ctx is None else t._ctx.layer_call
        if call is not None and call not in calls.setdefault(call[0], []):
            calls[call[0]].append(call)
    return {call: name if k == 1 else f"{name} (call {k})"
            for name, made in calls.items() for k, call in enumerate(made, 1)}


def _made_by_titles(order, roles, op_names) -> dict:
    """``{id(tensor): title}`` for the unnamed tensors an op made (not the output): the op's name, ``"matmul"``,
    numbered in the graph's order where one op makes several, ``"mul 1"``, ``"mul 2"`` (all were titled
    ``"tensor"``, which a student could not follow from box to box; as torchviz names a node by the backward
    function of the op that made it, ``MulBackward0``, and TensorFlow an op's output by the op, ``add_1``). The box's
    colour (green, "tensor made by an op") tells it from the op's small yellow box above it.

    An op run inside a layer's call (:func:`_call_scopes`) is titled by the layer, ``"dense_1/matmul"``, numbered
    within the call: the matmul of the second Dense layer was ``"matmul 2"``, a number counted over the whole
    graph that a student had to trace back to ``dense_1`` (found by a teacher). The scope is written as the layer's
    weights are, ``"dense_1/kernel"`` beside it, and as TensorFlow's name scopes name the ops of a Keras layer
    (``dense_1/MatMul``, ``dense_1/BiasAdd`` in TensorBoard); a frame grouping the layer's boxes would cross the
    folds of a long graph into bands. A layer's later call is ``"sh (call 2)/add"``, and the tensor it returned,
    named ``"sh"`` by the layer, is titled ``"sh (call 2)"`` (``"split:1 (call 2)"`` for a layer with several
    outputs)."""
    scopes = _call_scopes(order)
    made, titles = {}, {}
    for t, role, op in zip(order, roles, op_names):
        scope = None if t._ctx is None else scopes.get(t._ctx.layer_call)
        if role == "intermediate" and not t.name:
            made.setdefault(op if scope is None else f"{scope}/{op}", []).append(id(t))
        elif t.name and scope is not None:
            layer = t._ctx.layer_call[0]
            if scope != layer and _layer_name(t.name) == layer:    # a later call's output, named after the layer
                titles[id(t)] = scope + t.name[len(layer):]        # "sh (call 2)", "split (call 2):1"
    titles.update({key: title + (f" {k}" if len(ids) > 1 else "")
                   for title, ids in made.items() for k, key in enumerate(ids, 1)})
    return titles


def _node_title(t, role, number=None, made_by=None):
    """The first line of a tensor's box, one title for both pictures (:func:`plot_graph` and :func:`to_dot`, which
    titled the tensors an op made nothing, and a layer's second call as its first): the tensor's name, or what it
    is (:func:`_title`); an unnamed tensor an op made, or a layer's output from its later call, is titled
    ``made_by`` (:func:`_made_by_titles`: ``"dense_1/matmul"``, ``"dense (call 2)"``)."""
    return made_by if (made_by and t.name) else _title(t, role, made_by or "tensor", number)


def _short_label(t, role, grad, number=None, made_by=None):
    """The summarised label of :func:`plot_graph`: the title of :func:`_node_title`, shape and dtype, data,
    gradient (one line each, at most 3 values)."""
    lines = [_node_title(t, role, number, made_by), f"{t.shape} {dtype_name(t.dtype)}{_packing(t, made_by)}",
             _OVERWRITTEN if written_over(t) else _brief(t.numpy())]
    if grad is not None:
        lines.append(f"grad {_brief(grad)}")
    return "\n".join(lines)


def _require_tensor(tensor):
    """A TypeError naming ``tensor`` unless it is a Tensor (the graph functions take only this package's)."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"Invalid type for argument `tensor`. Expected a tinygradconv Tensor. "
                        f"Received {type(tensor).__name__}")


def graph_tensors(tensor) -> list:
    """The tensors of the graph behind ``tensor``, inputs before the tensors made from them (a topological order).

    Tensor ``i`` of this list is node ``ti`` of :func:`graph_nodes`. Uses an explicit stack, so graphs of any depth
    work.
    """
    _require_tensor(tensor)
    order, seen = [], set()
    stack = [(tensor, False)]
    while stack:
        t, expanded = stack.pop()
        if expanded:
            order.append(t)
            continue
        if id(t) in seen:
            continue
        seen.add(id(t))
        stack.append((t, True))
        if t._ctx is not None:
            # (the inputs as recorded: after an in-place op, the value an op read, see in_place.recorded_inputs)
            inputs = recorded_inputs(t._ctx)
            stack.extend((p, False) for p in reversed(inputs) if p is not None and id(p) not in seen)
    return order


def op_node_id(tensor_id):
    """The id of the op node that computed the tensor node ``tensor_id`` (:func:`graph_nodes` numbers both alike:
    ``"t3"`` comes from ``"op3"``).

    >>> op_node_id("t3")
    'op3'
    """
    return "op" + tensor_id[1:]


def graph_nodes(tensor, grads=None) -> list:
    """The nodes of the graph behind ``tensor``, inputs before the ops that use them (a topological order).

    Tensor nodes are named ``t0, t1, ...`` and the op that made tensor ``ti`` is ``opi``; each node lists the ids of
    its inputs. ``grads`` (optional) maps ``ti`` to a gradient array shown instead of the tensor's ``.grad``.
    """
    order = graph_tensors(tensor)
    number = {id(t): i for i, t in enumerate(order)}
    roles = [("leaf" if t.requires_grad else "constant") if t._ctx is None else
             ("output" if t is tensor else "intermediate") for t in order]
    numbered = _numbers(order, roles)
    op_names = [None if t._ctx is None else (getattr(t._ctx.fn, "name", None)
                                              or getattr(t._ctx.fn, "__name__", "op")) for t in order]
    made_by = _made_by_titles(order, roles, op_names)
    nodes = []
    for i, (t, role) in enumerate(zip(order, roles)):
        ctx = t._ctx
        if ctx is not None:
            fn = ctx.fn
            op_name = getattr(fn, "name", None) or getattr(fn, "__name__", "op")
            if hasattr(fn, "describe"):            # an op with a number as attribute shows it: x ** 2
                op_name += "\n" + fn.describe(ctx)
            freed = bool(getattr(ctx, "released", False))
            label = op_name + ("\n(freed by backward)" if freed else "")
            inputs = [f"t{number[id(p)]}" for p in ctx.inputs if p is not None]
            nodes.append(Node(f"op{i}", "op", label, "freed" if freed else "op", inputs, label))
        grad = (grads or {}).get(f"t{i}", None if t._grad is None else t._grad.numpy())
        k, title = numbered.get(id(t)), made_by.get(id(t))
        nodes.append(Node(f"t{i}", "tensor", _tensor_label(t, role, grad, k, title), role,
                          [f"op{i}"] if ctx is not None else [], _short_label(t, role, grad, k, title)))
    return nodes


def _dot_string(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


_FILL = {"leaf": "#cfe2f3", "constant": "#eeeeee", "intermediate": "#d9ead3", "output": "#fce5cd",
         "op": "#fff2cc", "freed": "#f4cccc"}
#: The colour of an arrow of the forward graph: every edge of :func:`plot_graph`, and the edges of
#: :func:`~tinygradconv.viz.animate_backward` that no gradient has taken (a mid grey, 3.5:1 on white).
EDGE_GREY = "#888888"
#: The key's words for such an arrow (one key in both pictures).
EDGE_KEY_WORDS = "grey arrow: the forward pass, input to op to output"
#: What each box colour of :data:`_FILL` means: the key under :func:`plot_graph`'s new figure, and under every
#: frame of :func:`~tinygradconv.viz.animate_backward` (the same colours, the same words).
ROLE_KEY = {"leaf": "leaf: needs a gradient (a parameter)",
            "constant": "needs no gradient (input, target, constant)",
            "intermediate": "tensor made by an op",
            "output": "output (the tensor drawn)",
            "op": "op",
            "freed": "op freed by backward()"}


def _check_fontsize(fontsize):
    """``fontsize`` as given: a finite number > 0 (points), else a ValueError/TypeError naming it."""
    return number(fontsize, "fontsize", low=0, low_open=True, finite=True)


def to_dot(tensor, name="tinygradconv") -> str:
    r"""The graph behind ``tensor`` as Graphviz DOT text (no dependency; render it with ``dot -Tpng`` if you like).

    Tensor nodes are boxes (title, shape, dtype, data, and grad when present), op nodes are ellipses; edges run
    from inputs to ops to outputs, one per argument (``x * x`` has two edges from ``x``). A box's title is the one
    :func:`plot_graph` draws, from the same function: the tensor's name, or what it is (``"input 1"``,
    ``"constant 3"``, ``"mul 2"`` for the second result of a ``mul``), an op run inside a layer scoped by the
    layer (``"dense_1/matmul"``), a layer's later call numbered (``"dense (call 2)/matmul"``, its output
    ``"dense (call 2)"``), the outputs of a layer with several ``"split:0"``, ``"split:1"``. A graph already freed by
    ``backward()`` carries a comment saying so (see the module docstring).

    >>> import tinygradconv as tg
    >>> x = tg.tensor(2.0, requires_grad=True)
    >>> dot = to_dot(x * 3)
    >>> print(dot.splitlines()[0])
    digraph "tinygradconv" {
    >>> [line.split('label="')[1].split("\\n")[0] for line in dot.splitlines() if "shape=box" in line]
    ['leaf', 'constant 3', 'output']
    """
    if not isinstance(name, str):
        raise TypeError(f"Invalid type for argument `name`. Expected a string (the graph's name). "
                        f"Received name={name!r} of type {type(name).__name__}")
    nodes = graph_nodes(tensor)
    lines = [f"digraph {_dot_string(name)} {{", "  rankdir=LR;", '  node [fontname="Helvetica", fontsize=10];']
    if any(n.role == "freed" for n in nodes):
        lines.append(f"  // {_FREED_NOTE}")
    for n in nodes:
        shape = "box" if n.kind == "tensor" else "ellipse"
        lines.append(f"  {n.id} [shape={shape}, style=filled, fillcolor={_dot_string(_FILL[n.role])}, "
                     f"label={_dot_string(n.label)}];")
    for n in nodes:
        lines.extend(f"  {src} -> {n.id};" for src in n.inputs)
    lines.append("}")
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------------------------------------
# Drawing: a top-to-bottom layered layout, measured in inches from the labels themselves
# ------------------------------------------------------------------------------------------------------------
_MAX_WIDTH = 9.6      # inches: the figure stays under 10 inches wide, so its text is shown at its own size
_FOLD_HEIGHT = 7.5 * 8 / 7   # inches: a taller figure is folded (a 16:9 slide shows its 8-point text at 7 points)
_HGAP, _MARGIN = 0.25, 0.12


@dataclass(frozen=True)
class _Spacing:
    """The room between the boxes of a layout (inches): ``vgap`` between two rows (it holds the edges from one row
    to the next, and the lanes of the routes between bands, :attr:`lanes_room`), ``band_gap`` between two bands
    (the gutter that those routes run down)."""

    vgap: float
    band_gap: float
    hgap: float = _HGAP
    #: points between an arrow's ends and its boxes (:func:`draw_nodes`): 3 in a page's layout, 2 in a slide's fold,
    #: whose rows are 0.16 inch apart (an arrow of 0.12 inch, its 4-point head and a 4-point line), 1 in a compact
    #: fold, whose rows are 0.14 inch apart
    arrow_shrink: float = 3

    @property
    def lanes_room(self):
        """The most room a route's lanes take below and above a row: 0.06 inch less than the gap between rows, so
        that the lowest lane never touches the row under it (five lanes of 0.07 inch reached into it: found by a
        tester)."""
        return self.vgap - 0.06

    @property
    def gutter_room(self):
        """The part of a gutter that the lanes take (from 0.05 inch right of the band's edge): the rest, 0.2 inch
        next to the band on the right, holds the columns down which routes arrive at the left side of their
        targets."""
        return self.band_gap - 0.25


#: A figure for a page or a notebook (under 10 inches wide): roomy gaps, its text read at its own size.
_PAGE = _Spacing(vgap=0.32, band_gap=0.6)
#: A figure folded for a landscape slide (:func:`graph_layout`): with the page's gaps, the gaps between rows were
#: nearly half its height (a chain of 30 ops: 19.8 of 42.8 inches, in 63 rows), so that its 8-point text was 5.5 to
#: 6.8 points once the figure was fitted to the slide; with rows 0.24 inch apart a chain of 40 ops was still 6.3
#: points (six bands 14.6 by 9.5 inches). With 0.16 it is 7.05 to 7.2 points (six bands 14.6 to 15.1 by 8.3
#: inches), and each edge between two rows is still an arrow about 0.12 inch long (0.16 inch less 2 points at each
#: end, :func:`draw_nodes`): its 4-point head and a short line. The lanes of the routes between bands get the 0.1
#: inch below a row and the 0.25 inch of a gutter (:class:`_Spacing`).
_SLIDE_SPACING = _Spacing(vgap=0.16, band_gap=0.5, arrow_shrink=2)
#: A slide's fold of a graph whose boxes are drawn compact (:func:`draw_nodes`: lines 1.0 apart, not 1.15, and 0.15
#: em of padding, not 0.3): the gutters between bands 0.4 inch, room for a chain's one route from band to band and
#: a few more. A chain of 40 ops with its gradients (a box of four or five lines for each of its 61 tensors) was
#: five bands 14.0 by 11.3 inches, 5.3 points on a slide: its boxes, not the gaps, took the height.
_COMPACT_SPACING = _Spacing(vgap=0.14, band_gap=0.4, hgap=0.12, arrow_shrink=1)
#: The padding (em) around a box's text and the spacing of its lines (font sizes) in :func:`draw_nodes`.
_BOX_PAD, _LINE_SPACING = 0.3, 1.15
#: The same in a compact drawing (:func:`_try_compact`): the padding halved, the lines closer.
_COMPACT_BOX_PAD, _COMPACT_LINE_SPACING = 0.15, 1.0
SLIDE = (13.33, 7.5)
"""Width and height (inches) of a landscape 16:9 slide: the page that a graph too large for a page's fold is
folded for (:func:`graph_layout`)."""
_SLIDE_MAX_WIDTH = 15.2   # inches: the widest such a folded figure gets (its 8-point text is 7 points on a slide)
GRAPH_DPI = 150
"""Resolution (dots per inch) of the figures that :func:`plot_graph` makes: the ones a notebook shows inline
(and the docs build keeps) at the image's own size. A graph 3.5 to 6 inches wide is then 550 to 900 pixels wide
and its 8-point labels 17 pixels (one em) tall, the size of a web page's body text; at matplotlib's default 100
dpi they were 11 pixels, too small to read. The layout is measured in inches, so the drawing is the same at any dpi."""


def _layers(nodes):
    """``{id: layer}``, as late as possible: a node sits one layer above its earliest consumer (the longest path to
    the output counted from the bottom), so an input or a side branch is drawn just above where it is used."""
    consumers = {}
    for n in nodes:
        for i in n.inputs:
            consumers.setdefault(i, []).append(n.id)
    depth = {}
    for n in reversed(nodes):                           # nodes are in topological order, the output last
        depth[n.id] = 1 + max((depth[c] for c in consumers.get(n.id, ())), default=-1)
    deepest = max(depth.values())
    return {i: deepest - d for i, d in depth.items()}


def _rows(nodes, layer, sizes, row_width, hgap=_HGAP):
    """The rows of the drawing, top to bottom (lists of ids): each layer of :func:`_layers` ordered by the mean
    position of its inputs, wrapped onto several rows where it is wider than ``row_width``."""
    by_layer = {}
    for n in nodes:
        by_layer.setdefault(layer[n.id], []).append(n)
    order = {}
    rows = []
    for lay in sorted(by_layer):
        members = by_layer[lay]
        members.sort(key=lambda n: np.mean([order[i] for i in n.inputs]) if n.inputs else order.get(n.id, 0.0))
        row, width = [], 0.0
        for n in members:
            w = sizes[n.id][0]
            if row and width + hgap + w > row_width:
                rows.append(row)
                row, width = [], 0.0
            row.append(n.id)
            width += w + (hgap if len(row) > 1 else 0.0)
        rows.append(row)
        for rank, n in enumerate(members):
            order[n.id] = rank - (len(members) - 1) / 2
    return rows


def _split_between_layers(nodes, rows, row_h, n_bands, vgap):
    """The rows (by index) of each of ``n_bands`` bands of about equal height (``vgap`` between two rows), in
    reading order, each fold moved (by up to a fifth of a band's height) to where the fewest edges
    cross from one band to the next: between an op with one input and that input, rather than between the three
    inputs of a conv1d and the op (three routes along the gutter to one op were hard to follow)."""
    row_of = {i: r for r, row in enumerate(rows) for i in row}
    crossing = np.zeros(len(rows))                     # crossing[r]: edges from rows <= r into rows > r
    for n in nodes:
        for src in n.inputs:
            crossing[row_of[src]:row_of[n.id]] += 1
    tops = np.concatenate([[0.0], np.cumsum(np.asarray(row_h) + vgap)])    # tops[r]: where row r starts
    total = tops[-1] - vgap
    starts, previous = [0], 0
    for k in range(1, n_bands):
        ideal = k * total / n_bands
        near = [r for r in range(previous + 1, len(rows)) if abs(tops[r] - ideal) <= total / n_bands / 5]
        if not near:
            near = [min(range(previous + 1, len(rows)), key=lambda r: abs(tops[r] - ideal), default=None)]
        if near[0] is None:
            break
        previous = min(near, key=lambda r: (crossing[r - 1], abs(tops[r] - ideal)))
        starts.append(previous)
    return [list(range(a, b)) for a, b in zip(starts, [*starts[1:], len(rows)])]


def _measure(rows, sizes, hgap=_HGAP):
    """``(row widths, row heights)`` in inches, ``hgap`` between two boxes of a row."""
    return ([sum(sizes[i][0] for i in r) + hgap * (len(r) - 1) for r in rows],
            [max(sizes[i][1] for i in r) for r in rows])


def _extent(row_w, row_h, bands, spacing):
    """``(width, height)`` of a drawing whose rows are folded into ``bands`` (a :class:`_Spacing` apart)."""
    band_w = max(row_w)
    heights = [sum(row_h[r] for r in band) + spacing.vgap * (len(band) - 1) for band in bands]
    return len(bands) * band_w + (len(bands) - 1) * spacing.band_gap, max(heights)


#: The least size (points) of the text of a graph drawn for a page or a slide, once its figure is fitted to a
#: landscape slide (:data:`SLIDE`): its 8-point text is then shown at 7/8 of its size or more, so that the figure
#: is at most 15.2 by 8.57 inches (title and key included). Reviewers measured 5 to 6 points for chains of 20 to
#: 40 ops, whose figures were 11 to 12 inches tall (a page's fold, under 10 inches wide) or 9.5 (a slide's).
_SLIDE_LEAST_SCALE = 7.0 / 8.0
#: The width (pixels) at which a notebook shows a figure at most (Jupyter's cell: a wider image is shrunk to it;
#: a narrower one is shown at its own size, :data:`GRAPH_DPI` dots per inch), and the most a graph's figure is
#: tall there when the graph allows (a student scrolled past tutorial 08's graphs, 1,600 to 1,750 pixels tall).
NOTEBOOK_WIDTH_PX, NOTEBOOK_HEIGHT_PX = 800, 1000


def _notebook_scale(fig_w) -> float:
    """How much a notebook shrinks a figure ``fig_w`` inches wide (drawn at :data:`GRAPH_DPI`): 1 when it is at
    most :data:`NOTEBOOK_WIDTH_PX` pixels wide."""
    return min(1.0, NOTEBOOK_WIDTH_PX / (fig_w * GRAPH_DPI))


@dataclass
class _Fold:
    """One way of laying a graph out: its ``rows`` (ids), ``bands`` (rows by index), the row widths and heights,
    the :class:`_Spacing`, the drawing's ``width`` and ``height`` and the figure's ``fig_w`` and ``fig_h``
    (inches, title, key and margins included), the ``row_width`` its rows were wrapped at."""

    rows: list
    bands: list
    row_w: list
    row_h: list
    spacing: _Spacing
    width: float
    height: float
    fig_w: float
    fig_h: float
    row_width: float

    @property
    def slide_scale(self) -> float:
        """How much a landscape slide (:data:`SLIDE`) shrinks the figure."""
        return min(SLIDE[0] / self.fig_w, SLIDE[1] / self.fig_h)

    @property
    def notebook_height(self) -> float:
        """The figure's height (pixels) in a notebook (see :data:`NOTEBOOK_WIDTH_PX`)."""
        return self.fig_h * GRAPH_DPI * _notebook_scale(self.fig_w)


def _routes_between_bands(nodes, rows, bands) -> int:
    """How many edges go from one band to another (each is routed along the gaps, and takes a lane)."""
    band_of = {i: b for b, band in enumerate(bands) for r in band for i in rows[r]}
    return sum(band_of[src] != band_of[n.id] for n in nodes for src in n.inputs)


def _margin(n_routes, spacing) -> float:
    """The room (inches) above and below the bands: the lanes of ``n_routes`` routes between bands run in the
    margin below them (:func:`_gutter_points`)."""
    if not n_routes:
        return _MARGIN
    step = min(_LANE_GAP, spacing.lanes_room / n_routes, spacing.gutter_room / n_routes)
    return max(_MARGIN, step * (n_routes + 1) + 0.04)


def _default_chrome(width):
    """``(figure width, height of the title and key)`` of a drawing ``width`` inches wide, when the caller does not
    say (about half an inch of title)."""
    return max(width + 2 * _MARGIN, 3.0), 0.5


def _folds(nodes, layer, sizes, row_widths, spacing, max_width, chrome):
    """Every :class:`_Fold` of the graph with ``spacing`` at most ``max_width`` wide: rows wrapped at each of
    ``row_widths``, one band or more (each fold where the fewest edges cross, :func:`_split_between_layers`)."""
    for row_width in row_widths:
        rows = _rows(nodes, layer, sizes, row_width, spacing.hgap)
        row_w, row_h = _measure(rows, sizes, spacing.hgap)
        for n_bands in range(1, len(rows) + 1):
            bands = (_split_between_layers(nodes, rows, row_h, n_bands, spacing.vgap) if n_bands > 1
                     else [list(range(len(rows)))])
            width, height = _extent(row_w, row_h, bands, spacing)
            if width > max_width and n_bands > 1:
                break
            fig_w, extra = chrome(width)
            fig_h = height + 2 * _margin(_routes_between_bands(nodes, rows, bands), spacing) + extra
            yield _Fold(rows, bands, row_w, row_h, spacing, width, height, fig_w, fig_h, row_width)


def _choose_fold(nodes, layer, sizes, max_width, fold_height, slide, chrome, slide_spacing=_SLIDE_SPACING):
    """The :class:`_Fold` that :func:`graph_layout` draws (its rule); ``slide_spacing``, the gaps of a slide's
    fold."""
    two = 2 * max(w for w, _ in sizes.values()) + _HGAP        # never narrower than two of the widest boxes
    widths = sorted({max(two, w) for w in (max_width, max_width * 2 / 3, max_width / 2, two)}, reverse=True)
    page = [] if slide else list(_folds(nodes, layer, sizes, widths, _PAGE, max_width, chrome))

    def fits_page(f):
        return f.fig_h <= fold_height and f.notebook_height <= NOTEBOOK_HEIGHT_PX + 1e-9

    # 1. a page's fold that a slide and a notebook both show whole and large enough: the one a notebook shows
    # largest, then the fewest bands, then the least wrapped
    good = [f for f in page if fits_page(f) and f.slide_scale >= _SLIDE_LEAST_SCALE - 1e-9]
    if good:
        return max(good, key=lambda f: (round(_notebook_scale(f.fig_w), 3), -len(f.bands), f.row_width))
    # 2. else every fold up to the slide's widest (a page's too): the narrowest whose text a slide shows at 7
    # points, else the one the slide shows largest
    folds = page + list(_folds(nodes, layer, sizes, widths, slide_spacing, _SLIDE_MAX_WIDTH - 2 * _MARGIN,
                               chrome))
    readable = [f for f in folds if f.slide_scale >= _SLIDE_LEAST_SCALE - 1e-9]
    if readable:
        return max(readable, key=lambda f: (round(_notebook_scale(f.fig_w), 3), -len(f.bands), f.row_width))
    return max(folds, key=lambda f: (round(f.slide_scale, 4), -f.fig_w))


def graph_layout(nodes, sizes, max_width=_MAX_WIDTH, fold_height=_FOLD_HEIGHT, with_bands=False, slide=False,
                 chrome=None, compact=False):
    """Place the nodes top to bottom: ``({id: (x, y)}, width, height)`` in inches, centres of the boxes.

    ``sizes`` maps each id to its box ``(width, height)`` in inches. Each layer of :func:`_layers` is a row, ordered
    by the mean position of its inputs; a row wider than the row width wraps onto several rows; a tall drawing is
    folded into side-by-side bands (read left band first), each fold where the fewest edges cross. The layouts
    tried: the rows wrapped at ``max_width``, two thirds or half of it, or two of the widest boxes (never
    narrower), in one band or more; with a page's gaps up to ``max_width`` wide, with a slide's closer rows
    (:data:`_SLIDE_SPACING`) up to :data:`_SLIDE_MAX_WIDTH`. Each is measured as the figure it makes: ``chrome``
    (``chrome(width) -> (figure width, height of title and key)``, from :func:`draw_nodes`; by default half an
    inch) and the margins that the routes between bands take. The rule, in order:

    1. a page's layout whose figure is at most ``fold_height`` tall (8.57 inches: a 16:9 slide (:data:`SLIDE`)
       shows its 8-point text at 7 points) and at most :data:`NOTEBOOK_HEIGHT_PX` pixels tall when a notebook shows
       it at most :data:`NOTEBOOK_WIDTH_PX` wide: the one a notebook shows largest, then the fewest bands, then the
       least wrapped (so a small graph keeps its one band);
    2. else the narrowest layout, a page's or a slide's, whose text a slide shows at 7 points;
    3. else the one a slide shows largest (a graph with more text than a slide holds at 7 points).

    Measured (chains of ``y * 1.1`` and ``tanh``, from a 2-vector; the text's size once the figure is fitted to
    the slide): 11 ops, three bands 7.4 by 6.7 inches (one band 4.8 by 9.7 before, 1,620 pixels tall at 800
    wide); 20 ops, three bands 7.2 by 8.5 (7.0 points; two bands 7.4 by 11.2 and 5.3 points before); 30 ops, a
    slide's five bands 12.2 by 8.3 (7.2); 40 ops, six bands 14.6 to 15.1 by 8.3 (7.05 to 7.2; 6.3 before).
    ``slide``: try only the slide's layouts (rules 2 and 3); ``compact``: with the gaps of compact boxes
    (:data:`_COMPACT_SPACING`, narrower gutters), for :func:`draw_nodes`' last try.
    With ``with_bands``, a fourth value ``({id: band}, band_width, spacing)``: which band holds each node, how wide
    a band is (band ``b`` spans ``b * (band_width + spacing.band_gap)`` to that plus ``band_width``), and the
    :class:`_Spacing` of the layout, for the edges that go from one band to a later one (:func:`_gutter_points`).
    """
    layer = _layers(nodes)
    fold = _choose_fold(nodes, layer, sizes, max_width, fold_height, slide, chrome or _default_chrome,
                        _COMPACT_SPACING if compact else _SLIDE_SPACING)
    rows, bands, row_w, row_h, spacing = fold.rows, fold.bands, fold.row_w, fold.row_h, fold.spacing
    band_w = max(row_w)
    width, height = _extent(row_w, row_h, bands, spacing)
    pos = {}
    for b, band in enumerate(bands):
        x_centre = b * (band_w + spacing.band_gap) + band_w / 2
        y = height
        for r in band:
            x = x_centre - row_w[r] / 2
            for i in rows[r]:
                w = sizes[i][0]
                pos[i] = (x + w / 2, y - row_h[r] / 2)
                x += w + spacing.hgap
            y -= row_h[r] + spacing.vgap
    if with_bands:
        return pos, width, height, ({i: b for b, band in enumerate(bands) for r in band for i in rows[r]}, band_w,
                                    spacing)
    return pos, width, height


class _GutterRoute:
    """The path of an edge from one band of a folded graph to a later one (matplotlib's connection style: called
    with the two ends, in pixels, it returns the path): down out of the source box, right along the gap below its
    row to the gutter after its band, (past skipped bands along the margin below all the bands,) up the gutter
    before the target's band to the gap above the target's row, along it, and down beside the target into its
    left side (:func:`_gutter_points`). A straight or bent edge ran across the drawing over the boxes between
    (found by a student); the gutters, the margin and the gaps between rows hold no box. Only in a figure that
    :func:`draw_nodes` makes, whose data units are the layout's inches. ``points`` are the corners, in data
    coordinates (inches of :func:`graph_layout`), turned into pixels when drawn, so that the route follows the
    axes' limits."""

    def __init__(self, ax, points):
        self.ax, self.points = ax, np.asarray(points, dtype=float)

    def __call__(self, posA, posB, shrinkA=2.0, shrinkB=2.0, patchA=None, patchB=None):
        from matplotlib.path import Path

        vertices = self.ax.transData.transform(self.points)
        return Path(vertices, [Path.MOVETO] + [Path.LINETO] * (len(vertices) - 1))


def _row_edges(pos, sizes, node, band_of):
    """``(bottom, top)`` of the row holding ``node``, in inches: the boxes of its band whose centres are at its
    height (:func:`graph_layout` centres every box of a row on one line). A route runs below the lowest box and
    above the highest one of a row, so that it passes over no taller neighbour of its own two boxes."""
    y = pos[node][1]
    row = [i for i, (_, yi) in pos.items() if band_of[i] == band_of[node] and abs(yi - y) < 1e-9]
    return (min(y - sizes[i][1] / 2 for i in row), max(y + sizes[i][1] / 2 for i in row))


@dataclass(frozen=True)
class _Lanes:
    """Where one route between bands runs (see :func:`_route_lanes`): ``lane``, its column in the gutters (each
    route its own); ``below`` and ``above``, the ranks of its runs in the gaps under its source's row and over its
    target's row (``(rank + 1) * step`` from the row, each route its own rank); ``leave``, how far right of its
    source's centre it leaves the bottom of that box; ``arrive = (dy, dx)``, how far above its target's centre it
    meets the left side of that box, coming down a column ``dx`` left of that side."""

    lane: int
    below: int
    above: int
    leave: float
    arrive: tuple


def _gutter_points(pos, sizes, src, dst, band_of, band_w, lanes, step, band_gap):
    """The corners of :class:`_GutterRoute` for the edge ``src -> dst`` (``band_of``, ``band_w``: the bands of
    :func:`graph_layout`; ``lanes``: a :class:`_Lanes`; ``step``: inches between two lanes). The route leaves the
    bottom of its source right of the centre (the source's own edges leave from the centre), runs along the gap
    below its source's row to the gutter after its band, (past skipped bands along the margin below all the
    bands,) up or down the gutter before its target's band to the gap above its target's row, along it, down a
    column beside the target and into the target's left side (its edges from its own band arrive at the top). No
    two routes share a line: each has its own column in a gutter (0.05 inch from the band's edge, then ``step`` to
    the right per lane) and its own height in a gap. An edge that skipped bands crossed them at its source's
    height, over their boxes (found by a tester); a route that joined its target at the top, next to an edge
    from the same band, showed two inputs as one arrowhead (found by a student)."""
    (xs, ys), (xd, yd) = pos[src], pos[dst]
    below = _row_edges(pos, sizes, src, band_of)[0] - (lanes.below + 1) * step
    above = _row_edges(pos, sizes, dst, band_of)[1] + (lanes.above + 1) * step
    start = xs + lanes.leave
    # the outline: sizes count 0.02 inch of room on each side of it; matplotlib draws the arrowhead's point
    # about 0.015 inch short of the path's end (a line width back, for the mitre)
    side = xd - sizes[dst][0] / 2 + 0.035
    dy, dx = lanes.arrive

    def gutter(band):         # in the gutter right of ``band``: 0.05 inch from the band's edge, then a step a lane
        return band * (band_w + band_gap) + band_w + 0.05 + lanes.lane * step

    first, last = gutter(band_of[src]), gutter(band_of[dst] - 1)
    points = [(start, ys - sizes[src][1] / 2 + 0.02), (start, below), (first, below)]
    if last != first:         # bands skipped: along the margin below every band
        points += [(first, -(lanes.below + 1) * step), (last, -(lanes.below + 1) * step)]
    return points + [(last, above), (side - dx, above), (side - dx, yd + dy), (side, yd + dy)]


def _route_lanes(routed, pos, sizes, band_of):
    """A :class:`_Lanes` for each route of ``routed`` (``(src, dst)`` pairs; the list's order gives the lanes),
    chosen so that the routes into one box never cross one another, nor those out of one box.

    A route *climbs* the gutter before its target when its target's row is higher than its source's, or when it
    comes from the margin below the bands; else it *descends*. Into one box, climbing routes turn off the gutter
    below descending ones, and the further right a climbing route's column the lower it turns (for descending
    ones, the higher): then no route's turn crosses another's column. Out of one box: climbing routes run
    (below their row) above descending ones, a climbing one the higher the nearer its column, a descending one the
    lower. Where a route meets a box
    follows the same order: from a source, the highest run leaves rightmost, the others further left (at most 0.08
    inch apart, and 0.1 inch right of the centre at least); into a target, the highest run arrives highest on the
    left side down the column nearest to the box, the others lower (their arrowheads 0.1 inch apart at most, as far
    as the side allows) from columns further out (0.05 to 0.15 inch from the side)."""
    def climbs(src, dst):
        skips = band_of[dst] - band_of[src] > 1
        return skips or _row_edges(pos, sizes, dst, band_of)[1] > _row_edges(pos, sizes, src, band_of)[0]

    def ranks(key):
        order = sorted(range(len(routed)), key=key)
        return {lane: rank for rank, lane in enumerate(order)}

    # the smaller the rank, the nearer its row the run
    up = [climbs(*route) for route in routed]           # (each a scan of the rows' nodes: once per route)
    below = ranks(lambda k: (not up[k], k if up[k] else -k))
    above = ranks(lambda k: (not up[k], -k if up[k] else k))
    leaving, arriving = {}, {}
    for lane, (src, dst) in enumerate(routed):
        leaving.setdefault(src, []).append(lane)
        arriving.setdefault(dst, []).append(lane)
    leave, arrive = {}, {}
    for src, lanes in leaving.items():
        width = sizes[src][0]
        gap = min(0.08, max(width / 2 - 0.16, 0.0) / max(len(lanes) - 1, 1))   # 0.1 inch right of the centre
        for k, lane in enumerate(sorted(lanes, key=below.get)):
            leave[lane] = width / 2 - 0.06 - k * gap
    for dst, lanes in arriving.items():
        height, n = sizes[dst][1], len(lanes)
        gap = min(0.1, (height - 0.08) / max(n - 1, 1))
        for k, lane in enumerate(sorted(lanes, key=above.get, reverse=True)):
            arrive[lane] = ((n - 1) / 2 * gap - k * gap, 0.05 + k * min(0.04, 0.1 / n))
    return [_Lanes(k, below[k], above[k], leave[k], arrive[k]) for k in range(len(routed))]


#: The widest step between two lanes (inches); with many routes the steps are smaller, to fit the room below and
#: above a row and the gutter (:class:`_Spacing`).
_LANE_GAP = 0.07


_RADS = (0.0, 0.35, -0.35, 0.2, -0.2, 0.5, -0.5, 0.7, -0.7, 0.9, -0.9)
#: The bends of edges that join the same two nodes (``x * x``): none straight, the first two mirror images, so that
#: the edges make a lens even when the two nodes are close (a straight edge beside one bent by 0.35 looked like a
#: single bent arrow, found by a tester).
_REPEATED_RADS = (0.6, -0.6, 0.9, -0.9, 0.35, -0.35)


def _edge_rad(pos, sizes, src, dst, taken=(), repeated=False):
    """The bend (matplotlib's ``arc3`` ``rad``) of the edge ``src -> dst``: straight when that passes no other box,
    else the least bend that goes around them, so that an edge never seems to run through a node it skips.

    The edge runs from the bottom of ``src`` to the top of ``dst`` (``pos``, ``sizes``: inches, as
    :func:`graph_layout` uses them); ``taken``: bends already used between the same two nodes (``x * x``);
    ``repeated``: the two nodes are joined by more than one edge, whose bends come from :data:`_REPEATED_RADS`.
    """
    (xs, ys), (xd, yd) = pos[src], pos[dst]
    p0 = np.array([xs, ys - sizes[src][1] / 2])
    p2 = np.array([xd, yd + sizes[dst][1] / 2])
    boxes = np.array([(x - sizes[i][0] / 2 - 0.04, y - sizes[i][1] / 2 - 0.04, x + sizes[i][0] / 2 + 0.04,
                       y + sizes[i][1] / 2 + 0.04) for i, (x, y) in pos.items() if i not in (src, dst)])
    lo = min(x - w / 2 for (x, _), (w, _) in ((pos[i], sizes[i]) for i in pos))
    hi = max(x + w / 2 for (x, _), (w, _) in ((pos[i], sizes[i]) for i in pos))
    t = np.linspace(0.04, 0.96, 47)[:, None]
    best, fewest = None, None
    for rad in _REPEATED_RADS if repeated else _RADS:
        if any(abs(rad - r) < 0.1 for r in taken):
            continue
        d = p2 - p0
        control = (p0 + p2) / 2 + rad * np.array([d[1], -d[0]])            # arc3's control point
        curve = (1 - t) ** 2 * p0 + 2 * (1 - t) * t * control + t ** 2 * p2
        hits = 0 if not boxes.size else int(((curve[:, None, 0] > boxes[None, :, 0])
                                             & (curve[:, None, 0] < boxes[None, :, 2])
                                             & (curve[:, None, 1] > boxes[None, :, 1])
                                             & (curve[:, None, 1] < boxes[None, :, 3])).sum())
        # leaving the drawing (wider than the widest row) counts as a hit too: the figure would cut the edge
        hits += int(((curve[:, 0] < lo) | (curve[:, 0] > hi)).sum())
        if hits == 0:
            return rad
        if fewest is None or hits < fewest:
            best, fewest = rad, hits
    return best if best is not None else 0.35 * (len(taken) + 1)


def title_chars(width_inches, fontsize=9):
    """How many characters of ``fontsize``-point text fit ``width_inches`` (about 0.62 em a character; 12 at least)."""
    return max(12, int(width_inches * 72 / (fontsize * 0.62)))


def wrap_title(title, width_inches, fontsize=9):
    """``title`` with each line wrapped to fit ``width_inches`` at ``fontsize`` points (see :func:`title_chars`)."""
    chars = title_chars(width_inches, fontsize)
    return "\n".join(textwrap.fill(line, chars) if line else line for line in title.split("\n"))


def _trace_for(tensor, grads):
    """The :class:`~tinygradconv.viz.backward.BackwardTrace` behind ``grads=`` (``True``: record one now)."""
    from .backward import BackwardTrace, require_recorded, trace_backward

    if grads is True:
        return trace_backward(tensor)
    if isinstance(grads, BackwardTrace):
        require_recorded(grads, "grads", " of `tensor`")
        if grads.root is not tensor:
            raise ValueError(f"Invalid value for argument `grads`: the trace was recorded for another tensor's "
                             f"backward (its root has shape {tuple(grads.root.shape)}), not for `tensor` "
                             f"(shape {tuple(tensor.shape)}). Pass the tensor whose backward() the trace "
                             f"recorded, or grads=True to record a pass from `tensor`")
        return grads
    raise TypeError(f"Invalid type for argument `grads`. Expected False, True or a BackwardTrace from "
                    f"viz.record_backward(). Received grads={grads!r}")


def check_graph_size(n_nodes, max_nodes):
    """Refuse a graph of more than ``max_nodes`` nodes (a drawing of thousands of boxes is slow and unreadable):
    the one rule of :func:`plot_graph` and :func:`~tinygradconv.viz.animate_backward`, checked before they draw.

    >>> check_graph_size(696, 300)
    Traceback (most recent call last):
    ...
    ValueError: The graph has 696 nodes, more than max_nodes=300: draw it with to_dot() and Graphviz, or pass ...
    """
    if n_nodes > max_nodes:
        raise ValueError(f"The graph has {n_nodes} nodes, more than max_nodes={max_nodes}: draw it with "
                         f"to_dot() and Graphviz, or pass a larger max_nodes")


def count_graph_nodes(tensor) -> int:
    """How many nodes :func:`graph_nodes` gives for ``tensor`` (a tensor box each, and an op box for each tensor
    an op made), counted without summarising any value: the size check before a drawing.

    >>> import tinygradconv as tg
    >>> x = tg.tensor([1.0, 2.0], requires_grad=True)
    >>> count_graph_nodes((x * x).sum()), len(graph_nodes((x * x).sum()))
    (5, 5)
    """
    tensors = graph_tensors(tensor)
    return len(tensors) + sum(1 for t in tensors if t._ctx is not None)


def plot_graph(tensor, ax=None, fontsize=8, max_nodes=300, grads=False):
    """Draw the graph behind ``tensor`` with matplotlib, top to bottom (a layered layout computed here).

    Inputs are at the top, ``tensor`` at the bottom. Tensor boxes show a summary (name, shape and dtype, the values
    or their mean and largest magnitude, and the gradient when there is one); op boxes, rounder, show the op name.
    Colours (a key under the graph in a new figure, the figure legend with gid ``"colour-key"``, naming only
    the kinds drawn; none in a given Axes; :func:`~tinygradconv.viz.animate_backward` shows the same key, with its
    red and blue arrows added): grey arrows, the forward pass; boxes: blue, a leaf that needs a gradient (a
    parameter); grey, a tensor that needs none (an input, a target, a constant); green, a tensor an op made; light
    orange, the output; yellow, an op; red, an op whose graph ``backward()`` freed.
    A box's first line is the tensor's ``name``; a tensor without one is titled by what it is: ``"input"`` (an
    array that needs no gradient: a model's input, a target), ``"leaf"``, ``"constant 2"`` (one value),
    ``"matmul"`` (a green box made by the yellow op box just above it, titled after that op, as torchviz names a
    node by its backward function) or ``"output"``. Several unnamed inputs (or leaves, or results of one op) are
    numbered in the graph's order, ``"input 1"``, ``"input 2"``, ``"mul 1"``, ``"mul 2"``, so that a model's
    input and the loss's target are told apart; ``t.name = "target"`` titles a box by its name. A layer names the
    tensor its call makes after itself, so that a model's graph titles each layer's output ``"dense"``,
    ``"dense_1"``, as its weights ``"dense/kernel"``, ``"dense_1/kernel"`` (a tensor the layer returns unchanged
    keeps its own); a layer with several outputs names them ``"split:0"``, ``"split:1"``, as Keras numbers a layer's
    output tensors; the tensors the ops inside a layer make are titled within its scope, ``"dense_1/matmul"`` (the
    matmul before the bias add), as its weights are and as TensorFlow names the ops of a Keras layer, and a model
    titles the NumPy data it converts after its ``Input`` (``"input_layer"``). Long
    graphs are folded into side-by-side bands and wide rows wrap, and its labels never overlap. The figure is one
    for a page or a notebook where the graph allows: under 10 inches wide (its text shown at ``fontsize`` when
    displayed 10 inches wide), at most 8.57 inches tall (a 16:9 slide, :data:`SLIDE`, 13.33 by 7.5 inches, shows
    its 8-point text at 7 points) and about 1,000 pixels tall when a notebook shows it 800 pixels wide (tutorial
    08's graph, one band 1,710 pixels tall there, is two bands 710 pixels tall). A larger graph is folded for the
    slide: rows closer together, up to 15.2 inches wide, the narrowest fold whose text the slide shows at 7 points,
    or where none does the one it shows largest (see :func:`graph_layout`). Such a fold is also tried with the
    boxes' long lines broken after their comma (narrower boxes, so more bands fit), kept where the slide then
    shows the graph larger; where the slide still shows it under 7 points, with compact boxes too (their lines
    1.0 apart, not 1.15, half the padding, rows 0.14 inch apart and narrower gutters, the title's bracketed line
    after its first), kept where the slide then shows it larger. How many bands depends on the widths of the
    boxes, which depend on the values shown and on the layers' names. Measured, the text's size once the figure is
    fitted to the slide in brackets: chains of 20 to 40 ops from a one- or two-element tensor, 7 points or more (a
    chain of 40: six bands about 14.6 by 8.3 inches), with ``grads=True`` too (a chain of 40: six compact bands
    15.2 by 8.5 inches, 7.0 points; 5.3 before the compact boxes); a 6-layer conv model's graph, two bands 11.4 to
    12.4 by 8.4 inches (7.2 points); with ``grads=True``, a model of 10 Dense layers (33 ops, 55 tensors of six
    lines each) is 12.3 by 11.5 inches (5.2 points): more text than a slide holds at 7 points; draw part of the
    graph, the loss of fewer layers (5 Dense layers: 7.2 points), for a slide. An edge from one band
    to a later one runs along the gaps between rows, the gutters between the bands and the margin below them, over
    no box, and arrives at the side of its target (in the figure made here; in a given ``ax`` it bends as any
    other edge), so that each input has its own arrowhead. A new figure has
    :data:`GRAPH_DPI` (150) dots per inch, so that a notebook shows it inline large enough to read.

    Args:
        tensor: the Tensor whose graph to draw.
        ax: the Axes to draw into (default: a new figure sized to the graph).
        fontsize: the font size of the node labels (points).
        max_nodes: refuse larger graphs (a drawing of thousands of boxes is slow and unreadable; use
            :func:`to_dot` and Graphviz for those).
        grads: ``False`` (default): show the ``.grad`` that tensors hold (leaves after ``backward``, or
            ``retain_grad`` tensors). ``True``: run a recorded backward pass from ``tensor`` (its graph must still be
            there) and show the gradient of ``tensor`` at **every** node, intermediate ones too; the ``.grad`` of
            the tensors is left as it was. A :class:`~tinygradconv.viz.BackwardTrace` (from
            :func:`~tinygradconv.viz.record_backward` around your own ``backward()``) shows the gradients it
            recorded, even after ``backward`` freed the graph.

    Raises:
        ValueError: the graph has more than ``max_nodes`` nodes; a ``max_nodes`` below 1 (a non-integer one: a
            TypeError); ``grads`` is a trace that recorded no backward
            pass, or the backward pass of another tensor than ``tensor``; ``fontsize`` is not a finite number > 0.
        TypeError: ``tensor`` is not a Tensor, or ``grads`` is none of the above.
        RuntimeError: ``grads=True`` on a graph already freed by ``backward()``.

    Returns:
        The matplotlib Axes. Node labels are ``Text`` artists with gid ``"tensor:tI"`` / ``"op:opI"``; edges are
        annotations with gid ``"edge:SRC->DST"``.

    >>> import tinygradconv as tg
    >>> x = tg.tensor([1.0, 2.0], requires_grad=True)
    >>> ax = plot_graph((x * x).sum(), grads=True)
    >>> sorted(t.get_gid() for t in ax.texts if t.get_gid().startswith("op:"))
    ['op:op1', 'op:op2']
    >>> [t.get_text().splitlines()[-1] for t in ax.texts if t.get_gid() == "tensor:t1"]   # d sum / d (x*x)
    ['grad [1, 1]']
    """
    _check_fontsize(fontsize)
    max_nodes = integer(max_nodes, "max_nodes")         # a positive integer ("10" or -1 were compared as given)
    _require_tensor(tensor)
    if grads is not False:
        nodes = _trace_for(tensor, grads).nodes
    else:
        nodes = graph_nodes(tensor)
    check_graph_size(len(nodes), max_nodes)
    n_ops = sum(1 for n in nodes if n.kind == "op")
    n_tensors = len(nodes) - n_ops          # "1 tensors" for a lone leaf: found by a teacher
    title = f"computational graph: {n_ops} op{'s' * (n_ops != 1)}, {n_tensors} tensor{'s' * (n_tensors != 1)}"
    if grads is not False:
        title += "\n(grad: the gradient of the output with respect to each tensor)"
    if any(n.role == "freed" for n in nodes):
        title += f"\n({_FREED_NOTE})"
    ax, _texts, _edges = draw_nodes(nodes, ax, fontsize, title, key=True)
    return ax


def _narrow_label(text, chars=20) -> str:
    """``text`` with each line longer than ``chars`` broken after its last comma that leaves the first part at most
    ``chars`` long (a value summary ``"grad mean 8.21e-06, max|.| 0.000122"`` on two lines)."""
    lines = []
    for line in text.split("\n"):
        cut = line.rfind(", ", 0, chars + 1)
        lines += [line[:cut + 1], line[cut + 2:]] if len(line) > chars and cut > 0 else [line]
    return "\n".join(lines)


def _chrome(nodes, title, titles, footer, key):
    """The title, footer and colour key of a figure that :func:`draw_nodes` makes, as a function of the drawing's
    width: ``chrome(width)`` is ``(figure width, their height)`` (inches), the figure at least 3 inches wide; with
    ``details=True`` a third value, ``(title, footer, handles, ncol, title_h, footer_h, key_h)``: the title and
    footer wrapped to the figure's width, the key's entries and columns, and the height of each. So that
    :func:`graph_layout` chooses its fold by the figure's real size (it counted half an inch for them, where a
    chain's title and two rows of key took 0.85 inch)."""
    handles = key_handles(nodes, () if key is True else key) if key else []
    chars = [len(h.get_label()) for h in handles]

    def chrome(width, details=False):
        fig_w = max(width + 2 * _MARGIN, 3.0)
        ncol, key_h = 1, 0.0
        if handles:
            # as many columns as fit the width, each as wide as its longest entry (8-point text, about 0.62 em a
            # character, a 2-em handle, 0.8 em to the text, 1.5 em between columns), filled column by column as
            # matplotlib's legend fills them (the first ``len % n`` columns one entry longer)
            def needed(n):
                rows, long = divmod(len(chars), n)
                ends = np.cumsum([rows + (c < long) for c in range(n)])
                columns = [max(chars[a:b]) * 0.62 + 2.8 for a, b in zip([0, *ends[:-1]], ends)]
                return (sum(columns) + 1.5 * (n - 1)) * 8 / 72 + 0.3
            ncol = next((n for n in range(len(chars), 0, -1) if needed(n) <= fig_w), 1)
            if ncol == 1 and needed(1) > fig_w:                 # one column still wider than the figure: widen it
                fig_w = needed(1)
            key_h = -(-len(handles) // ncol) * 8 * 1.5 / 72 + 0.15
        wrapped = wrap_title(title, fig_w)
        lines = max([wrapped.count("\n") + 1 if title else 0]
                    + [wrap_title(t, fig_w).count("\n") + 1 for t in titles if t])
        title_h = lines * 9 * 1.3 / 72 + 0.2 if lines else 0.0
        wrapped_footer = wrap_title(footer, fig_w, 8)
        footer_h = (wrapped_footer.count("\n") + 1) * 8 * 1.3 / 72 + 0.1 if footer else 0.0
        if details:
            return fig_w, title_h + footer_h + key_h, (wrapped, wrapped_footer, handles, ncol, title_h, footer_h,
                                                        key_h)
        return fig_w, title_h + footer_h + key_h

    return chrome


def _figure_slide_scale(nodes, pos, width, height, band_of, spacing, chrome) -> float:
    """How much a landscape slide shrinks the figure of a layout (its title, key and margins included)."""
    routes = sum(band_of[src] != band_of[n.id] for n in nodes for src in n.inputs)
    fig_w, extra = chrome(width)
    return min(SLIDE[0] / fig_w, SLIDE[1] / (height + 2 * _margin(routes, spacing) + extra))


def key_handles(nodes, extra=()) -> list:
    """The legend entries of the colour key under a graph (one function for :func:`plot_graph` and
    :func:`~tinygradconv.viz.animate_backward`, so that both show the same key): the grey arrow of the forward
    pass (:data:`EDGE_GREY`, :data:`EDGE_KEY_WORDS`), the ``extra`` entries (``(kind, colour, words)``, ``kind``
    ``"arrow"`` (a line ``width`` points wide: ``(kind, colour, words, width)``) or ``"box"``), then one box per
    kind of node drawn, in :data:`ROLE_KEY`'s order and words. A graph without an op (one leaf tensor) draws no
    arrow: its key has no grey arrow either (it explained one that was not drawn: found by a teacher)."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    arrows = any(n.kind == "op" for n in nodes)
    handles = [Line2D([], [], color=EDGE_GREY, linewidth=1.0, label=EDGE_KEY_WORDS)] if arrows else []
    for kind, colour, words, *width in extra:
        if kind == "arrow":
            handles.append(Line2D([], [], color=colour, linewidth=width[0] if width else 1.0, label=words))
        else:
            handles.append(Patch(facecolor=colour, edgecolor="#555555", label=words))
    handles += [Patch(facecolor=_FILL[role], edgecolor="#555555", label=ROLE_KEY[role])
                for role in ROLE_KEY if any(n.role == role for n in nodes)]
    return handles


def _box_style(node):
    """The matplotlib box style of a node's label: ``"round"`` for a tensor, ``"round4"`` (curved sides) for an op."""
    return "round" if node.kind == "tensor" else "round4"


def _try_compact(nodes, texts, measure, title, titles, footer, key, scale):
    """The last try of :func:`draw_nodes` for a graph too large for a slide (a chain of 30 to 40 ops with its
    gradients, 5.3 to 6.7 points on a slide): the boxes' lines closer and their padding halved
    (:data:`_COMPACT_BOX_PAD`), the gutters narrower (:data:`_COMPACT_SPACING`), the title's bracketed
    second line after its first where the slide's width holds both on one line. ``(sizes, layout, chrome)`` of that
    drawing where the slide then shows the graph larger than ``scale`` (the slide scale of the layout so far), the
    texts left compact; else None, the texts as they were."""
    shown = {n.id: texts[n.id].get_text() for n in nodes}
    for n in nodes:
        texts[n.id].set_linespacing(_COMPACT_LINE_SPACING)
        texts[n.id].get_bbox_patch().set_boxstyle(_box_style(n), pad=_COMPACT_BOX_PAD)
    sizes = measure(shown, padding=_COMPACT_BOX_PAD)
    chrome = _chrome(nodes, title.replace("\n(", " ("), titles, footer, key)
    layout = graph_layout(nodes, sizes, with_bands=True, slide=True, chrome=chrome, compact=True)
    if _figure_slide_scale(nodes, *layout[:3], layout[3][0], layout[3][2], chrome) > scale:
        return sizes, layout, chrome
    for n in nodes:
        texts[n.id].set_linespacing(_LINE_SPACING)
        texts[n.id].get_bbox_patch().set_boxstyle(_box_style(n), pad=_BOX_PAD)
    return None


def draw_nodes(nodes, ax=None, fontsize=8, title="", titles=(), labels=(), footer="", key=False):
    """Draw ``nodes`` (from :func:`graph_nodes`) top to bottom; ``(ax, {id: Text}, {(src, dst, k): Annotation})``.

    With ``ax=None`` the new figure is sized to the layout (under 10 inches wide), at :data:`GRAPH_DPI` dots per
    inch, with room for the longest of ``title`` and ``titles`` (the titles an animation will show in turn) once
    wrapped to the figure's width. ``labels``: the texts an animation will show in the boxes in turn (``{id:
    text}`` a frame); each box is laid out for the widest and the tallest of its texts, so that no frame's box
    reaches past its neighbours or out of the figure (a longer label of a later frame ran past the right edge:
    found by a student). ``footer``: a line (a key to the drawing) written under the graph in a new figure, wrapped
    to its width, as the Text with gid ``"footer"``. ``key``: in a new figure, a colour key under the graph (a
    figure legend with gid ``"colour-key"``, see :func:`key_handles`): the grey arrow (where arrows are drawn),
    then one coloured box per kind of node drawn, named by :data:`ROLE_KEY`; ``True``, or a sequence of
    ``(kind, colour, words)`` entries
    drawn after the grey arrow (``kind`` ``"arrow"`` or ``"box"``: the animation's red and blue arrows and its
    highlighted box).
    """
    plt = pyplot()
    own_figure = ax is None
    if own_figure:
        fig, ax = plt.subplots(figsize=(4.0, 3.0), dpi=GRAPH_DPI)
    elif not hasattr(ax, "add_patch"):
        raise TypeError(f"Invalid type for argument `ax`. Expected a matplotlib Axes. Received ax={ax!r}")
    fig = ax.figure
    texts = {}
    for n in nodes:
        box = f"{_box_style(n)},pad={_BOX_PAD}"
        texts[n.id] = ax.text(0.0, 0.0, n.short, ha="center", va="center", fontsize=fontsize, zorder=3,
                              linespacing=_LINE_SPACING,
                              bbox={"boxstyle": box, "facecolor": _FILL[n.role], "edgecolor": "#555555"},
                              gid=f"{n.kind}:{n.id}")
    renderer = fig.canvas.get_renderer()

    def measure(shown, padding=_BOX_PAD):
        """``{id: (width, height)}`` in inches of each box holding ``shown[id]`` (and the ``labels`` of later
        frames), with ``padding`` em around its text."""
        pad = 2 * padding * fontsize / 72 + 0.04         # the box's padding on both sides, plus its outline
        sizes = {}
        for n in nodes:
            widths, heights = [], []
            for text in {shown[n.id], *(frame[n.id] for frame in labels if n.id in frame)}:   # each text once
                texts[n.id].set_text(text)
                extent = texts[n.id].get_window_extent(renderer)
                widths.append(extent.width)
                heights.append(extent.height)
            texts[n.id].set_text(shown[n.id])
            sizes[n.id] = (max(widths) / fig.dpi + pad, max(heights) / fig.dpi + pad)
        return sizes

    chrome = _chrome(nodes, title, titles, footer, key) if own_figure else None
    sizes = measure({n.id: n.short for n in nodes})
    pos, width, height, (band_of, band_w, spacing) = graph_layout(nodes, sizes, with_bands=True, chrome=chrome)
    # how much a slide shrinks the figure of the layout kept so far (scored once per layout)
    scale = _figure_slide_scale(nodes, pos, width, height, band_of, spacing, chrome) if own_figure else None
    if own_figure and not labels and scale < _SLIDE_LEAST_SCALE:
        # too large for a slide at 7 points (a 10-layer model: two bands, 13 by 22 inches): the boxes' long lines
        # ("grad mean 8.21e-06, max|.| 0.000122") broken after their comma make the boxes narrower, so that more
        # bands fit the slide's width; kept where the slide then shows the graph larger
        narrow = {n.id: _narrow_label(n.short) for n in nodes}
        narrow_sizes = measure(narrow)
        layout = graph_layout(nodes, narrow_sizes, with_bands=True, slide=True, chrome=chrome)
        narrow_scale = _figure_slide_scale(nodes, *layout[:3], layout[3][0], layout[3][2], chrome)
        if narrow_scale > scale:
            sizes, (pos, width, height, (band_of, band_w, spacing)), scale = narrow_sizes, layout, narrow_scale
        else:
            for n in nodes:
                texts[n.id].set_text(n.short)
    if own_figure and scale < _SLIDE_LEAST_SCALE:     # still too large: the last try, drawn compact
        compact = _try_compact(nodes, texts, measure, title, titles, footer, key, scale)
        if compact is not None:
            sizes, (pos, width, height, (band_of, band_w, spacing)), chrome = compact
    for n in nodes:
        texts[n.id].set_position(pos[n.id])
    edges = {}
    # the edges into a later band, in the figure made here (whose data units are inches, as the layout's: in a
    # given Axes the boxes keep their size in points while the data units differ, so such edges bend as any other)
    routed = [(src, n.id) for n in nodes for src in n.inputs if band_of[src] != band_of[n.id]] if own_figure else []
    # each its own lane (no two routes share a line; they may cross), the sources of one row right to left, so that
    # the routes leaving a row do not cross there
    routed.sort(key=lambda e: (band_of[e[0]], -pos[e[0]][1], -pos[e[0]][0]))
    step = min(_LANE_GAP, spacing.lanes_room / max(len(routed), 1), spacing.gutter_room / max(len(routed), 1))
    routes = {}                                            # (src, dst) -> corners, in lane order
    for (src, dst), lanes in zip(routed, _route_lanes(routed, pos, sizes, band_of)):
        routes.setdefault((src, dst), []).append(_gutter_points(pos, sizes, src, dst, band_of, band_w, lanes, step,
                                                              spacing.band_gap))
    shrink = spacing.arrow_shrink
    for n in nodes:
        used = {}
        for src in n.inputs:
            if routes.get((src, n.id)):               # into a later band: along the gaps, never over a box
                style = _GutterRoute(ax, routes[(src, n.id)].pop(0))
                used.setdefault(src, []).append(None)
            else:
                rad = _edge_rad(pos, sizes, src, n.id, [r for r in used.setdefault(src, []) if r is not None],
                                repeated=n.inputs.count(src) > 1)      # x * x: two edges, bent apart
                used[src].append(rad)
                style = f"arc3,rad={rad:g}"
            k = len(used[src]) - 1
            edges[(src, n.id, k)] = ax.annotate(
                "", xy=(0.5, 1.0), xycoords=texts[n.id], xytext=(0.5, 0.0), textcoords=texts[src],
                arrowprops={"arrowstyle": "-|>", "color": EDGE_GREY, "shrinkA": shrink, "shrinkB": shrink,
                            "connectionstyle": style},
                gid=f"edge:{src}->{n.id}", zorder=2)
    # room above and below the bands for the lanes of the routes between them
    margin = max(_MARGIN, step * (len(routed) + 1) + 0.04)
    if own_figure:
        fig_w, _, (title, footer, handles, ncol, title_h, footer_h, key_h) = chrome(width, details=True)
        fig_h = height + 2 * margin + title_h + footer_h + key_h
        fig.set_size_inches(fig_w, fig_h)
        ax.set_position([0.0, (footer_h + key_h) / fig_h, 1.0, (fig_h - title_h - footer_h - key_h) / fig_h])
        if footer:
            fig.text(0.5, footer_h / 2 / fig_h, footer, ha="center", va="center", fontsize=8, color="#333333",
                     gid="footer")
        if handles:
            legend = fig.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, footer_h / fig_h),
                                ncol=ncol, fontsize=8, frameon=False, handlelength=2.0, columnspacing=1.5,
                                borderaxespad=0.1)
            legend.set_gid("colour-key")
        extra = (fig_w - width) / 2
        ax.set_xlim(-extra, width + extra)
        ax.set_ylim(-margin, height + margin)
    else:
        ax.set_xlim(-_MARGIN, width + _MARGIN)
        ax.set_ylim(-margin, height + margin)
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=9)
    return ax, texts, edges
