"""Writes into a region of a tensor recorded in the autograd graph, as PyTorch records them (``CopySlices``).

PyTorch users write into an op's output all the time::

    h = x * 2
    h[h < 0] = 0            # t[index] = value on an op's output
    y[0].mul_(3)            # an in-place method on a view of an op's output

Each is recorded the same way, in one place (:func:`write_region`): the **base** (the tensor that owns the
memory: ``h``, ``y``) gets a new history, *the old base with the region overwritten*
(:class:`CopySlices`), and the view written through (``y[0]``) becomes a view of that new base. The base's old
value and history are kept as a version of it (:func:`~tinygradconv.in_place.record`), so the nodes recorded
before the write still send their gradients to the old value, and a node that saved the old values refuses its
backward pass with PyTorch's "modified by an inplace operation" ``RuntimeError``.

The region (:func:`region_of`) of a write into the base itself is its index (:class:`IndexRegion`); through
views (``[0]``, ``.T``, ``reshape``, ``unsqueeze``) it is found by *positions* (:class:`PositionsRegion`): the
flat (C-order) index into the base of each element of the region, got by replaying the views and the index on
``arange(base.size)``. The region is written in the base's own memory, and only it: a loop of ``h[i] = ...``
costs the rows it writes, not a copy of the base per write, as in PyTorch.

>>> import tinygradconv as tg
>>> x = tg.tensor([-1.0, 2.0, 3.0], requires_grad=True)
>>> h = x * 2
>>> h[h < 0] = 0
>>> h.tolist(), h.grad_fn
([0.0, 4.0, 6.0], <IndexPutBackward>)
>>> h.sum().backward()
>>> x.grad.tolist()
[0.0, 2.0, 2.0]
"""
from __future__ import annotations

import numpy as np

from . import in_place
from .autograd import Function


def _native(array):
    """``(module, array)``: the NumPy or CuPy array behind ``array`` (array_api_strict's Array holds a NumPy one)
    and its module, which indexes with integer arrays and writes in place."""
    inner = getattr(array, "_array", None)
    if inner is not None:
        return np, inner
    return (np, array) if isinstance(array, (np.ndarray, np.generic)) else (__import__("cupy"), array)


class CopySlices(Function):
    """The base's new history is the old base with the region overwritten: ``base[region] = value`` in the base's
    own memory (``value`` cast to the base's dtype and broadcast to the region's shape; where a position repeats,
    the last value written stays, as NumPy and PyTorch on the CPU). ``region`` is an :class:`IndexRegion` or a
    :class:`PositionsRegion`. Unlike other ops, the forward pass writes into its input ``base`` and returns it:
    that array is the base's own memory (:func:`~tinygradconv.in_place.record`, ``written_in_place``), whose old
    values are gone after the write, as in PyTorch.

    The gradients, for an incoming gradient ``g`` of the base's shape:

    * the base's: ``g`` with the region set to 0 (its old values there were overwritten, so they reach nothing);
    * the value's: the region's gradient ``g[region]``, summed over the axes the value was broadcast along
      (a repeated position gives its gradient to each value written there, as PyTorch's ``index_put_``), in the
      value's dtype.

    An in-place method on a view (``y[0].mul_(3)``) is the same write, its value being the op's result
    (``y[0] * 3``), whose gradient then flows through the op. ``name`` is the node's name, as PyTorch's
    (``CopySlices``, ``IndexPutBackward``, ``CopyBackwards``, ``FillBackward``: :func:`write_region`).

    See https://pytorch.org/docs/stable/notes/autograd.html#in-place-operations-with-autograd
    """

    @staticmethod
    def forward(ctx, base, value, region, name):
        lib, array = _native(base)
        _, written = _native(value)
        shape = region.shape(array)
        ctx.name, ctx.region, ctx.value_shape = name, region, tuple(written.shape)
        ctx.value_dtype = written.dtype
        written = lib.asarray(written).astype(array.dtype, copy=False)
        while written.ndim > len(shape) and written.shape[0] == 1:   # leading axes of 1 dropped, as PyTorch
            written = written[0]
        try:
            written = lib.broadcast_to(written, shape)
        except ValueError:
            raise ValueError(f"Invalid value for argument `value`: shape {ctx.value_shape} does not broadcast to the "
                             f"shape of t[index], {tuple(shape)}") from None
        ctx.kept_shape = _kept_shape(ctx.value_shape, len(shape))
        if lib.may_share_memory(written, array):      # (`h[1:] = h[:-1] * 1` reads what it writes over)
            written = written.copy()
        region.write(array, written)    # into the base's own memory: the old values are gone, as in PyTorch
        return base

    @staticmethod
    def backward(ctx, grad):
        lib, g = _native(grad)
        wrap = ctx.xp.asarray if hasattr(grad, "_array") else (lambda a: a)   # (array_api_strict's Array)
        for_base = None
        if ctx.needs_input_grad[0]:     # (a base that needs none, z of `z = zeros(3); z[0] = x[0]`: no copy of g)
            for_base = lib.array(g, order="C", copy=True)
            ctx.region.write(for_base, 0)
            for_base = wrap(for_base)
        if not ctx.needs_input_grad[1]:
            return for_base, None
        region = lib.asarray(ctx.region.read(g))
        for_value = _sum_to(lib, region, ctx.kept_shape).reshape(ctx.value_shape).astype(ctx.value_dtype)
        return for_base, wrap(for_value)

    @staticmethod
    def full_grad_fn_name(ctx):
        return ctx.name

    @staticmethod
    def grad_fn_inputs(ctx):
        """The inputs ``grad_fn.next_functions`` shows, as PyTorch's: the base's old value, then the value's. For
        an in-place method on a view (``y[0].mul_(w)``) PyTorch's ``CopySlices`` holds the method's node inside
        itself: its ``next_functions`` are the base's old node and the nodes of the method's other arguments
        (``(MulBackward0, 0), (MulBackward0, 0)`` for ``y = x * 2``, ``w = v * 1``; ``(None, 0)`` for the number
        of ``mul_(2)``), not the method's node. Here that node is the value's (:func:`write_region` notes it as
        ``ctx.method``: the node and the positions of the view's value among its inputs), and the backward pass
        goes through it; only this view of the graph passes over it, to the inputs it shows."""
        inputs = in_place.recorded_inputs(ctx)
        method = getattr(ctx, "method", None)
        if method is None or len(inputs) < 2 or method[0].released:
            return inputs
        node, of_the_view = method
        shown = getattr(node.fn, "grad_fn_inputs", in_place.recorded_inputs)(node)   # (fill_(5.0): no number)
        return inputs[:1] + tuple(t for i, t in enumerate(shown) if i not in of_the_view)


def _kept_shape(value_shape, ndim):
    """``value_shape`` without the leading axes of length 1 that do not fit in ``ndim`` axes (as the forward
    pass drops them), left-padded with 1s to ``ndim`` axes: the shape the region's gradient is summed to."""
    shape = list(value_shape)
    while len(shape) > ndim and shape[0] == 1:
        shape.pop(0)
    return (1,) * (ndim - len(shape)) + tuple(shape)


def _sum_to(lib, array, shape):
    """``array`` summed over the axes along which ``shape`` (of the same rank) was broadcast to its shape."""
    axes = tuple(i for i, (n, m) in enumerate(zip(shape, array.shape)) if n == 1 and m != 1)
    return array.sum(axis=axes, keepdims=True) if axes else array


# ------------------------------------------------------------------------------------------ the region
def view_chain(tensor):
    """``(base, views)``: the tensor that owns ``tensor``'s memory in the graph, and the views from it down to
    ``tensor`` (``[]`` when ``tensor`` is no view, :func:`~tinygradconv.in_place.is_view`), first taken first.
    Each is the tensor as it is now (:func:`~tinygradconv.in_place.live`): a backward pass may have pointed a
    view's node at the value its base had before a write, and a write through the view now is a write into the
    base as it is now (``v = y[0:][0]; v.mul_(3); y.sum().backward(retain_graph=True); v.mul_(2)``: both writes
    in ``y``'s history, as PyTorch's)."""
    views = []
    while in_place.is_view(tensor) or (tensor._ctx is not None and tensor._ctx.released and
                                       tensor._ctx.fn.__name__ in in_place.VIEW_OPS):
        if tensor._ctx.released:
            raise RuntimeError("Trying to write through a view whose node was freed by a backward pass: the tensor "
                               "it views is not known any more (PyTorch raises 'Trying to backward through the "
                               "graph a second time' at the next backward). Write into the viewed tensor itself, "
                               "take the view again, or pass retain_graph=True to the backward before")
        views.append(tensor)
        tensor = in_place.live(tensor._ctx.inputs[0])
    return tensor, views[::-1]


def refresh(tensor):
    """Read ``tensor``, a view of an op's output, again from its base's array: NumPy gives a view with integers
    only (``y[1:][0]``) a scalar of its own, which a write into the base since has left with the old value."""
    base, views = view_chain(tensor)
    _, data = _native(base._data)
    for view in views:
        data = _replay(data, view)
    if any(view._ctx.fn.__name__ == "Expand" for view in views):
        data = data.copy()      # (expand copies here: a tensor of its own, writable, as before the write)
    tensor._data = tensor.backend.xp.asarray(data) if hasattr(base._data, "_array") else data


def check_view_chain(tensor, spelling):
    """The error of a write through ``tensor``, a view, through a piece of ``split``/``chunk``/``unbind`` (one of
    several views that one call returned; a piece of ``tensor_split`` is an ordinary slice, written as one), as
    PyTorch's ``RuntimeError``. A write through an ``expand`` is refused later, where its region is known
    (:func:`positions_of`), and only when two of the region's elements are one element of the base."""
    for view in view_chain(tensor)[1]:
        ctx = view._ctx
        says = getattr(ctx.fn, "one_of_many_views", None)
        if says is not None and says(ctx):
            raise RuntimeError(f"Output 0 of Split is a view and is being modified inplace. This view is the output "
                               f"of a function that returns multiple views. Such functions do not allow the output "
                               f"views to be modified inplace (PyTorch's words and error type, for {spelling} into "
                               f"a view of a piece of split, chunk or unbind). You should replace the inplace "
                               f"operation by an out-of-place one")


def _replay(ruler, view):
    """``ruler`` through the view op that made ``view`` from its input: ``[first]``, ``reshape``, ``permute``,
    ``expand`` (a read-only view whose elements along a stretched axis are one element of ``ruler``, as PyTorch's
    expand; ours copies), a piece of ``tensor_split``."""
    ctx = view._ctx
    name = ctx.fn.__name__
    if name == "Expand":
        lib, _ = _native(ruler)
        return lib.broadcast_to(ruler, tuple(view.shape))
    if name == "GetItem":               # (`...` last: a 0-d view where NumPy gives integers alone a scalar)
        return ruler if ctx.whole else ruler[tuple(ctx.first) + (Ellipsis,)]
    if name == "ReshapeOp":
        return ruler.reshape(tuple(view.shape))
    if name == "Permute":
        return ruler.transpose(tuple(int(i) for i in np.argsort(ctx.inverse)))
    return ruler if name == "Cut" else ruler[ctx.index]       # a piece of tensor_split, and the Cut it hangs from


class IndexRegion:
    """The region of a write into the base itself (no view between): ``base[first][rest]``, the index in the two
    steps of :func:`~tinygradconv.ops.shape._normalized_index` (PyTorch's rules). Only the index is kept, so a loop
    of ``h[i] = ...`` keeps no more than its integers, and an index of slices and integers reads and writes views.
    The index works on any memory layout of the base (a transposed one too).

    A boolean mask over the leading axes of ``base[first]`` (``h[h < 0] = 0``) is kept as the flat positions of
    its ``True`` elements too: NumPy reads and writes through a mask about 5 times slower than through them."""

    def __init__(self, first, rest):
        self.first, self.rest = tuple(first) + (Ellipsis,), rest    # (`...` last: a 0-d view, not a scalar)
        self.where = None       # the mask's flat positions, and how many axes it covers
        mask = None if rest is None else rest[0]
        whole_after = rest is not None and all(isinstance(i, slice) and i == slice(None) for i in rest[1:])
        if getattr(mask, "dtype", None) == bool and mask.ndim and whole_after:
            lib, _ = _native(mask)
            self.where = (lib.flatnonzero(mask), mask.ndim)

    def _flat(self, part):
        """``part`` with the mask's axes made one (a copy where its layout does not allow a view)."""
        return part.reshape((-1,) + tuple(part.shape[self.where[1]:]))

    def read(self, array):
        """The region of ``array`` (of the base's shape): a view for an index without arrays, else a copy."""
        part = array[self.first]
        if self.where is not None:
            return self._flat(part)[self.where[0]]
        return part if self.rest is None else part[self.rest]

    def shape(self, array):
        """The region's shape in ``array``."""
        if self.where is not None:
            part_shape = array[self.first].shape
            return (int(self.where[0].size),) + tuple(part_shape[self.where[1]:])
        return tuple(self.read(array).shape)

    def write(self, array, values):
        """``array[index] = values``, in ``array``'s memory (where an index array repeats a position, the last
        value written stays, as in NumPy and PyTorch on the CPU)."""
        lib, _ = _native(array)
        part = array[self.first]
        if self.rest is None:
            part[...] = values
        elif self.where is not None and lib.may_share_memory(flat := self._flat(part), part):
            flat[self.where[0]] = values
        else:                   # (a mask into a part whose layout makes its flat form a copy)
            part[self.rest] = values


class PositionsRegion:
    """The region of a write through views (``y[0][1:]``, ``y.T``, ``y.reshape(...)``): ``positions``, the flat
    (C-order) index into the base of each element of the region, in the region's shape (:func:`positions_of`)."""

    def __init__(self, positions):
        self.positions = positions

    def read(self, array):
        """The region of ``array`` (of the base's shape), a copy."""
        lib, _ = _native(array)
        return lib.ascontiguousarray(array).reshape(-1)[self.positions]

    def shape(self, array):
        """The region's shape."""
        return tuple(self.positions.shape)

    def write(self, array, values):
        """``array.flat[positions] = values`` in ``array``'s memory, whatever its layout."""
        lib, _ = _native(array)
        if array.flags.c_contiguous:
            array.reshape(-1)[self.positions] = values
        else:                   # (a transposed base: its flat view would be a copy)
            array[lib.unravel_index(self.positions, tuple(array.shape))] = values


def positions_of(base, views, index):
    """The flat (C-order) index into ``base`` of each element of ``views[-1][index]``: the views and the index
    replayed on ``arange(base.size)``, with the index rules of :func:`~tinygradconv.ops.shape.getitem`
    (PyTorch's). A copy: a view of the ruler would keep all of it alive, a base-sized array per write.

    Raises:
        RuntimeError: through an ``expand``, a region that holds one element of ``base`` twice
            (``y.expand(3, 2)[:, 0]``, ``y.expand(3, 2)`` whole), as PyTorch refuses it.
    """
    from .ops.shape import _normalized_index

    lib, _ = _native(base._data)
    ruler = lib.arange(int(np.prod(base.shape, dtype=np.int64))).reshape(tuple(base.shape))
    for view in views:
        ruler = _replay(ruler, view)
    first, rest = _normalized_index(lib, index, tuple(ruler.shape))
    ruler = ruler[tuple(first) + (Ellipsis,)]
    positions = lib.array(ruler if rest is None else ruler[rest], copy=True)
    if any(view._ctx.fn.__name__ == "Expand" for view in views) and lib.unique(positions).size < positions.size:
        raise RuntimeError("unsupported operation: more than one element of the written-to tensor refers to a "
                           "single memory location (PyTorch's words and error type: the region written through an "
                           "expand holds an element of the expanded tensor twice, as y.expand(3, 2)[:, 0] does; "
                           "y.expand(3, 2)[0] holds each once, and is written). Please clone() the tensor before "
                           "performing the operation")
    return positions


def region_of(base, views, index):
    """Where ``views[-1][index]`` lies in ``base``: an :class:`IndexRegion` for an index into the base itself, a
    :class:`PositionsRegion` through views."""
    from .ops.shape import _normalized_index

    if views:
        return PositionsRegion(positions_of(base, views, index))
    lib, _ = _native(base._data)
    return IndexRegion(*_normalized_index(lib, index, tuple(base.shape)))


def _name(views, index, value, base):
    """PyTorch's name of the node: ``IndexPutBackward`` for an index with arrays or a mask into the base itself,
    ``CopyBackwards`` (a tensor) or ``FillBackward`` (a number) for the whole base, ``CopySlices`` otherwise."""
    from .ops.shape import _normalized_index

    if not views:
        lib, _ = _native(base._data)
        first, rest = _normalized_index(lib, index, tuple(base.shape))
        if rest is not None:
            return "IndexPutBackward"
        if all(isinstance(i, slice) and i == slice(None) for i in first):
            return "FillBackward" if value.ndim == 0 < base.ndim else "CopyBackwards"
    return "CopySlices"


def write_region(tensor, index, value, before=None):
    """``tensor[index] = value`` recorded in the graph, as PyTorch's ``CopySlices``: **the base's new history is
    the old base with the region overwritten** (:class:`CopySlices`, whose docstring gives the gradients).

    ``tensor`` is the base itself (an op's output, or a tensor that does not require grad given a ``value`` that
    does), or a view of the base (``y[0]``, ``y.T``, ``y.reshape(...)`` sharing memory, ``y.unsqueeze(0)``). The
    base's array is written in place (every view and ``numpy()`` sees the new values) and its node becomes the
    ``CopySlices`` (:func:`~tinygradconv.in_place.record`: the old value is kept as a version for the nodes
    recorded before). A view written through is then a view of the new base (``tensor.grad_fn`` a view's node);
    ``before``, when given, is the tensor that stands for its value before the write (an in-place method on the
    view made its result from it), else one is made.

    Raises:
        TypeError: ``tensor`` holds a view of another array outside the graph (``z = zeros[0]`` of a tensor that
            does not require grad): its base cannot be given the history.
        ValueError: a value that does not broadcast to the region's shape.
    """
    from .ops.shape import index_tensors
    from .tensor import Tensor

    base, views = view_chain(tensor)
    if base._ctx is None and not base.requires_grad and in_place.memory_owner(base._data) is not \
            getattr(base._data, "_array", base._data):
        raise TypeError("`t[index] = value` with a value that requires grad, into a tensor that is a view of another "
                        "one outside the graph (made from a tensor that does not require grad), is not recorded "
                        "here: write into that other tensor itself, or build a new tensor, e.g. "
                        "t = tg.ops.where(mask, value, t)")
    region = region_of(base, views, index)
    name = _name(views, index, value, base)
    if views and before is None:         # its value and history now (after the writes into the base since)
        refresh(tensor)
        history = in_place.version_at(tensor, in_place.writes)._ctx
        before = Tensor._make(tensor._data[...], tensor.backend, True, history)
        before._made_at = in_place.writes
    in_place.record(base, lambda old, written: CopySlices.apply(old, written, region=region, name=name),
                    (value,), lambda result: None, written_in_place=True)
    in_place.check_writes_of(base, *index_tensors(index))   # a later write of an index tensor: refused, as PyTorch
    if views and value._ctx is not None and any(t is before for t in value._ctx.inputs):
        # an in-place method on the view (value = its op of `before`): PyTorch's CopySlices holds its node
        base._ctx.method = (value._ctx, {i for i, t in enumerate(value._ctx.inputs) if t is before})
    if views:                    # the view written through: a view of the new base (PyTorch regenerates it)
        again = object.__new__(type(tensor._ctx))
        again.__dict__.update(vars(tensor._ctx))
        source = views[-2] if len(views) > 1 else base        # (the view it was taken of, as it is now)
        again.inputs, again.written_before = (source,) + tuple(again.inputs[1:]), in_place.writes
        tensor._ctx = again
        in_place._keep_version(tensor, before)
        refresh(tensor)
        stretched = [k for k, view in enumerate(views) if view._ctx.fn.__name__ == "Expand"]
        for view in views[stretched[0]:-1] if stretched else ():
            refresh(view)       # an expand copies here: it and the views of it show the new values, as PyTorch's
    return tensor
