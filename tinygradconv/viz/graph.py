"""The computational graph behind a tensor: as DOT text (:func:`to_dot`) or drawn with matplotlib (:func:`plot_graph`).

Every op call that needs a gradient records a node on its output: ``tensor._ctx`` is a
:class:`~tinygradconv.autograd.Context` whose ``fn`` is the op's Function class (``fn.name`` is the registered op
name) and whose ``inputs`` are the input tensors. Leaves (tensors made by the user) have ``_ctx is None``. Walking
``_ctx.inputs`` from a tensor back to the leaves gives the whole graph: tensor nodes (boxes: name, shape, dtype,
values when small, and the gradient when one is present) and op nodes (ellipses) between them.

**The graph is freed by backward.** ``backward()`` releases every node it went through (``ctx.inputs`` is emptied
to free memory), so drawing a tensor after ``loss.backward()`` shows only the loss and a "freed" op. To draw the
graph *with* its gradients, call ``loss.backward(retain_graph=True)`` first; intermediate tensors show a
gradient only after ``t.retain_grad()`` (leaves always get theirs).

>>> import tinygradconv as tg
>>> from tinygradconv.viz import to_dot
>>> x = tg.tensor([1.0, 2.0], requires_grad=True)
>>> print(to_dot((x * x).sum()).count("->"))   # x -> mul (twice), mul -> x*x -> sum -> output
5
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..backend import dtype_name
from ..tensor import Tensor
from ._mpl import new_axes

__all__ = ["graph_nodes", "plot_graph", "to_dot"]

_FREED_NOTE = "graph freed by backward(); call backward(retain_graph=True) to keep it"


@dataclass
class Node:
    """One node of the drawn graph: a tensor (``kind="tensor"``) or an op call (``kind="op"``)."""

    id: str
    kind: str
    label: str
    role: str                     # tensor: "leaf", "constant", "intermediate", "output"; op: "op" or "freed"
    inputs: list = field(default_factory=list)   # ids of the nodes with an edge into this one, in argument order


def _summary(array, limit=4):
    values = np.asarray(array, dtype=np.float64).ravel()
    if values.size > limit:
        return f"{values.size} values, mean {values.mean():.4g}"
    text = ", ".join(f"{v:.4g}" for v in values)
    return text if np.ndim(array) == 0 else f"[{text}]"


def _tensor_label(t, role):
    title = t.name or {"leaf": "leaf", "constant": "constant", "output": "output"}.get(role, "")
    lines = [title] if title else []
    lines.append(f"shape {t.shape} {dtype_name(t.dtype)}")
    lines.append(f"data {_summary(t.numpy())}")
    if t.grad is not None:
        lines.append(f"grad {_summary(t.grad.numpy())}")
    return "\n".join(lines)


def graph_nodes(tensor) -> list:
    """The nodes of the graph behind ``tensor``, inputs before the ops that use them (a topological order).

    Tensor nodes are named ``t0, t1, ...`` and the op that made tensor ``ti`` is ``opi``; each node lists the ids of
    its inputs. Uses an explicit stack, so graphs of any depth work.
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"Invalid value for argument `tensor`. Expected a tinygradconv Tensor. "
                        f"Received {type(tensor).__name__}")
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
            stack.extend((p, False) for p in reversed(t._ctx.inputs) if p is not None and id(p) not in seen)
    number = {id(t): i for i, t in enumerate(order)}
    nodes = []
    for i, t in enumerate(order):
        ctx = t._ctx
        if ctx is None:
            role = "leaf" if t.requires_grad else "constant"
        else:
            role = "output" if t is tensor else "intermediate"
            fn = ctx.fn
            op_name = getattr(fn, "name", None) or getattr(fn, "__name__", "op")
            freed = bool(getattr(ctx, "released", False))
            label = op_name + ("\n(freed by backward)" if freed else "")
            inputs = [f"t{number[id(p)]}" for p in ctx.inputs if p is not None]
            nodes.append(Node(f"op{i}", "op", label, "freed" if freed else "op", inputs))
        nodes.append(Node(f"t{i}", "tensor", _tensor_label(t, role), role, [f"op{i}"] if ctx is not None else []))
    return nodes


def _dot_string(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


_FILL = {"leaf": "#cfe2f3", "constant": "#eeeeee", "intermediate": "#d9ead3", "output": "#fce5cd",
         "op": "#fff2cc", "freed": "#f4cccc"}


def to_dot(tensor, name="tinygradconv") -> str:
    """The graph behind ``tensor`` as Graphviz DOT text (no dependency; render it with ``dot -Tpng`` if you like).

    Tensor nodes are boxes (name, shape, dtype, data, and grad when present), op nodes are ellipses; edges run
    from inputs to ops to outputs, one per argument (``x * x`` has two edges from ``x``). A graph already freed by
    ``backward()`` carries a comment saying so (see the module docstring).

    >>> import tinygradconv as tg
    >>> print(to_dot(tg.tensor(2.0, requires_grad=True) * 3).splitlines()[0])
    digraph "tinygradconv" {
    """
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


def _layered_layout(nodes):
    """Positions ``{id: (x, y)}``: x is the longest path from a source (a layer; a source is placed just before its
    first consumer), y orders each layer by the mean y of its inputs (one barycentre pass), centred around 0."""
    layer, consumers = {}, {}
    for n in nodes:                                     # nodes are in topological order
        layer[n.id] = 1 + max((layer[i] for i in n.inputs), default=-1)
        for i in n.inputs:
            consumers.setdefault(i, []).append(n.id)
    for n in nodes:                                     # a source sits just before its first consumer
        if not n.inputs and n.id in consumers:
            layer[n.id] = min(layer[c] for c in consumers[n.id]) - 1
    by_layer = {}
    for n in nodes:
        by_layer.setdefault(layer[n.id], []).append(n)
    pos = {}
    for x in sorted(by_layer):
        members = by_layer[x]
        if x > 0:
            members.sort(key=lambda n: np.mean([pos[i][1] for i in n.inputs]) if n.inputs else 0.0)
        height = len(members)
        for rank, n in enumerate(members):
            pos[n.id] = (float(x), (height - 1) / 2 - rank)
    return pos


def plot_graph(tensor, ax=None, fontsize=7, max_nodes=300):
    """Draw the graph behind ``tensor`` with matplotlib (a layered layout computed here; no Graphviz binary).

    Inputs are on the left, ``tensor`` on the right. Tensor boxes show name, shape, dtype, data and grad (when
    present); op ellipses show the op name. Call ``backward(retain_graph=True)`` before drawing to see the
    gradients; after a plain ``backward()`` the graph is freed and only the output is left (the title says so).

    Args:
        tensor: the Tensor whose graph to draw.
        ax: the Axes to draw into (default: a new figure sized to the graph).
        fontsize: the font size of the node labels.
        max_nodes: refuse larger graphs (a drawing of thousands of boxes is slow and unreadable; use
            :func:`to_dot` and Graphviz for those).

    Raises:
        ValueError: the graph has more than ``max_nodes`` nodes.

    Returns:
        The matplotlib Axes. Node labels are ``Text`` artists with gid ``"tensor:tI"`` / ``"op:opI"``; edges are
        annotations with gid ``"edge:SRC->DST"``.

    >>> import tinygradconv as tg
    >>> x = tg.tensor([1.0, 2.0], requires_grad=True)
    >>> ax = plot_graph((x * x).sum())
    >>> sorted(t.get_gid() for t in ax.texts if t.get_gid().startswith("op:"))
    ['op:op1', 'op:op2']
    """
    nodes = graph_nodes(tensor)
    if len(nodes) > max_nodes:
        raise ValueError(f"The graph has {len(nodes)} nodes, more than max_nodes={max_nodes}: draw it with "
                         f"to_dot() and Graphviz, or pass a larger max_nodes")
    pos = _layered_layout(nodes)
    n_layers = int(max(x for x, _ in pos.values())) + 1
    height = max(sum(1 for x, _ in pos.values() if x == layer) for layer in range(n_layers))
    ax = new_axes(ax, figsize=(max(4.0, 1.9 * n_layers), max(2.5, 1.0 * height + 1.0)))
    texts = {}
    for n in nodes:
        x, y = pos[n.id]
        box = "round,pad=0.35" if n.kind == "tensor" else "circle,pad=0.2" if len(n.label) <= 4 \
            else "round4,pad=0.4"
        texts[n.id] = ax.text(x, y, n.label, ha="center", va="center", fontsize=fontsize, zorder=3,
                              bbox={"boxstyle": box, "facecolor": _FILL[n.role], "edgecolor": "#555555"},
                              gid=f"{n.kind}:{n.id}")
    for n in nodes:
        repeats = {}
        for src in n.inputs:
            k = repeats[src] = repeats.get(src, -1) + 1          # x * x: two edges, bent apart
            ax.annotate("", xy=(0.0, 0.5), xycoords=texts[n.id], xytext=(1.0, 0.5), textcoords=texts[src],
                        arrowprops={"arrowstyle": "-|>", "color": "#444444", "shrinkA": 4, "shrinkB": 4,
                                        "connectionstyle": f"arc3,rad={0.3 * k:g}"},
                        gid=f"edge:{src}->{n.id}", zorder=2)
    ax.set_xlim(-0.7, n_layers - 0.3)
    ax.set_ylim(-height / 2 - 0.2, height / 2 + 0.2)
    ax.axis("off")
    n_ops = sum(1 for n in nodes if n.kind == "op")
    title = f"computational graph: {n_ops} op{'s' * (n_ops != 1)}, {len(nodes) - n_ops} tensors"
    if any(n.role == "freed" for n in nodes):
        title += f"\n({_FREED_NOTE})"
    ax.set_title(title, fontsize=9)
    return ax
