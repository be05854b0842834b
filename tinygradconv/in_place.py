"""In-place writes, and the check that keeps a backward pass from using values written after its forward pass.

``p -= lr * p.grad`` under ``no_grad()`` writes a parameter's array in place
(:func:`~tinygradconv.ops.elementwise.in_place`). A graph recorded before that write may have saved the array, or
a view of it (``x[1:]``), for its backward pass, which would then compute the gradient at the new values, silently.
PyTorch refuses such a backward ("modified by an inplace operation") by counting versions per tensor; here every
in-place write is counted, with the count after the last write of each array's memory:

* :func:`note_in_place_write` counts a write;
* ``Function.apply`` notes on each node it records the count at its forward pass (``ctx.written_before``);
* the backward pass calls :func:`check_saved_arrays` on a node that saved arrays only when some write came after
  its forward pass, so a training loop that updates after ``backward()`` pays one comparison per node.

In-place methods on an op's output (``y = x * 2; y.add_(1)``) are recorded in the graph, as PyTorch records them
(:func:`record`): ``y``'s node becomes the op's, and the nodes recorded before the write keep reading the value
before it (:func:`as_recorded`, :func:`version_at`). A write into a region of an op's output (``h[h < 0] = 0``,
``y[0].mul_(3)``) is recorded the same way on the tensor that owns the memory, as PyTorch's ``CopySlices``
(:mod:`tinygradconv.copy_slices`).

>>> import tinygradconv as tg
>>> w = tg.tensor([1.0, 2.0], requires_grad=True)
>>> loss = (w * w).sum()
>>> with tg.no_grad():
...     w -= 0.5
>>> loss.backward()
Traceback (most recent call last):
...
RuntimeError: one of the variables needed for gradient computation has been modified by an inplace operation: ...
"""
from __future__ import annotations

import weakref

import numpy as np

from .backend import dtype_name

#: In-place writes so far.
writes = 0


class _UnsetCount:
    """The ``written_before`` of a node made without :meth:`~tinygradconv.autograd.Function.apply` that forgot
    to set it: reading it raises, rather than passing for "recorded after every write" (which would send the
    node's gradient to the newest value of an input written in place since, silently)."""

    def __get__(self, ctx, owner=None):
        if ctx is None:
            return self
        raise AttributeError(f"the {ctx.fn.__name__ if ctx.fn else 'unrecorded'} node has no `written_before`: "
                             f"a node made outside Function.apply must set `ctx.written_before = "
                             f"tinygradconv.in_place.writes` when it records it (as ToBackend.apply does)")


#: ``Context.written_before`` until a node is recorded (:class:`_UnsetCount`).
_UNSET_COUNT = _UnsetCount()
#: The last in-place write of each living array, keyed by the ``id`` of the array that owns its memory: a weak
#: reference to that owner (``None`` for an owner that takes none, such as the ``bytes`` under ``np.frombuffer``)
#: and the count ``writes`` reached. Entries of arrays that died are dropped (:func:`_forget_the_dead`), so a long
#: training loop that writes a new array in place at each step keeps as many entries as it keeps arrays alive.
last_write: dict[int, tuple[weakref.ref | None, int]] = {}
#: The size of ``last_write`` at which the next write drops the entries of dead arrays (doubled after each time).
_forget_at = 1024
#: The count ``writes`` reached when the ``.data`` of each living tensor was last assigned, keyed by its ``id``.
data_replaced: dict[int, int] = {}


def memory_owner(array):
    """The array that owns ``array``'s memory: ``array`` itself, or the array it is a view of (NumPy and CuPy give
    a view of a view the owner as its ``base``; an array_api_strict array wraps a NumPy array). Two arrays with the
    same owner may share elements."""
    inner = getattr(array, "_array", array)            # array_api_strict's Array holds its NumPy array there
    base = getattr(inner, "base", None)
    return inner if base is None else base


def note_in_place_write(array):
    """Count a write of ``array`` in place (and so of every view of its memory)."""
    global writes
    writes += 1
    owner = memory_owner(array)
    try:
        reference = weakref.ref(owner)      # (CPython hands back the owner's one plain reference if it has one)
    except TypeError:
        reference = None
    last_write[id(owner)] = (reference, writes)
    if len(last_write) > _forget_at:
        _forget_the_dead()


def _forget_the_dead():
    """Drop the entries of arrays that no longer exist. Their count cannot make a backward pass refuse: an array
    saved by a forward pass is kept alive by the graph, and an array made after another died (and so perhaps given
    its ``id``) was made, and saved, after that other's last write. Each call at least doubles the size the next
    one waits for, so the cost per write stays constant."""
    global _forget_at
    for key in [key for key, (reference, _) in last_write.items() if reference is not None and reference() is None]:
        del last_write[key]
    _forget_at = max(1024, 2 * len(last_write))


def own_array(tensor):
    """Make ``tensor`` hold an array that can be written in place, before an in-place write: a rank-0 result that
    NumPy gave as a scalar (``x.mean()``, ``x[0] * 3``; immutable) becomes a 0-d array of the same value and dtype.
    The write is counted as one of the scalar, so a node that saved it refuses its backward pass afterwards, as
    PyTorch's "modified by an inplace operation" (``y = x.mean(); z = y * y; y.mul_(2); z.backward()``)."""
    data = tensor._data
    if isinstance(data, np.generic):
        tensor._data = np.array(data)
        note_in_place_write(data)


def arrays_may_overlap(a, b):
    """Whether the arrays ``a`` and ``b`` may share memory, the cheap first test of :func:`refuse_partial_overlap`:
    ``np.may_share_memory``, which compares only the two ranges of memory they span (an array of its own, such as
    a number lifted to an array, never does). NumPy arrays only, and array_api_strict's (which hold one as
    ``_array``); anything else (a CuPy array, ``None``) answers False, as :func:`refuse_partial_overlap` checks
    NumPy's memory only. So ``t[index] = value`` builds ``t[index]`` for that check only when this says True.

    >>> import numpy as np
    >>> a = np.zeros(4)
    >>> arrays_may_overlap(a[1:], a[:2]), arrays_may_overlap(a, np.zeros(4)), arrays_may_overlap(a, None)
    (True, False, False)
    """
    a, b = getattr(a, "_array", a), getattr(b, "_array", b)
    return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and bool(np.may_share_memory(a, b))


def refuse_partial_overlap(tensor, other, name):
    """``RuntimeError`` (PyTorch's) when ``other`` (a Tensor or anything else) is another view of elements that
    ``tensor`` holds: ``y.add_(y.T)`` would read elements already written (NumPy computes it out of place first,
    and gave ``[[4, 10], [10, 16]]`` for ``y = [[2, 4], [6, 8]]``), and PyTorch refuses it. ``other`` the same
    elements (``y.mul_(y)``) or elements of their own (``y[0].add_(y[1])``, the columns ``a[:, 0].mul_(a[:, 1])``)
    are fine, as in PyTorch. Whether two views share an element is decided exactly (``np.shares_memory``; its
    ranges of memory may interleave, as two columns' do, without one element in common); a problem too hard to
    decide quickly counts as shared. NumPy arrays only (and array_api_strict's): :func:`arrays_may_overlap`."""
    mine, theirs = getattr(tensor._data, "_array", tensor._data), getattr(getattr(other, "_data", None), "_array",
                                                                          getattr(other, "_data", None))
    if not arrays_may_overlap(mine, theirs):
        return
    if theirs.shape == mine.shape and theirs.strides == mine.strides and \
            theirs.__array_interface__["data"][0] == mine.__array_interface__["data"][0]:
        return
    try:
        if not np.shares_memory(mine, theirs, max_work=100_000):
            return
    except np.exceptions.TooHardError:
        pass
    raise RuntimeError(f"unsupported operation: some elements of the input tensor and the written-to tensor refer "
                       f"to a single memory location (t.{name}(other) with `other` a view of some of t's elements, "
                       f"as `y.add_(y.T)`, which PyTorch refuses with these words). Please clone() the tensor "
                       f"before performing the operation: t.{name}(other.clone())")


def last_write_of(array):
    """The count ``writes`` reached at the last in-place write of ``array``'s memory; -1 for none."""
    owner = memory_owner(array)
    reference, count = last_write.get(id(owner), (None, -1))
    return count if reference is None or reference() is owner else -1


def note_data_replaced(tensor):
    """Count ``tensor.data = new_array`` as a write of ``tensor``: a graph recorded before it may have saved the old
    array, and its backward pass would then not compute PyTorch's gradient (:func:`check_saved_arrays`)."""
    global writes
    writes += 1
    if id(tensor) not in data_replaced:     # the entry leaves with the tensor (never pickled or copied with it)
        weakref.finalize(tensor, data_replaced.pop, id(tensor), None)
    data_replaced[id(tensor)] = writes


def aliases_a_gradient(array, tensors):
    """Whether ``array`` (an upstream gradient given to ``backward``) shares memory with the ``.grad`` of one of
    ``tensors``, which the pass adds into in place: ``x.grad`` itself, or a view of it (``x.grad.detach()``)."""
    owner = id(memory_owner(array))
    return any(t._grad is not None and id(memory_owner(t._grad._data)) == owner for t in tensors)


def writable(array):
    """Whether ``array`` may be written in place (a NumPy or CuPy array says so; array_api_strict's always may)."""
    inner = getattr(array, "_array", array)            # array_api_strict's Array holds its NumPy array there
    return getattr(getattr(inner, "flags", None), "writeable", True)


def add_into(array, addend):
    """``array += addend`` in place, counted as a write of ``array`` (:func:`note_in_place_write`)."""
    array += addend              # (``+=`` on an array writes into it; it rebinds only this local name)
    note_in_place_write(array)


#: The error for a backward pass through a node one of whose inputs had its ``.data`` replaced since the forward pass.
_DATA_REPLACED = (
    "The .data of an input of {name} was replaced (`t.data = ...`, or an optimizer's step) after the forward pass "
    "that used it, and {name}'s backward reads values saved in that forward pass. PyTorch refuses a backward pass "
    "after an optimizer's step (it changed the parameter in place); after `.data = ...` it would read the new data "
    "where it saved an input itself and the old data where it saved a result (a gradient that mixes the two); here "
    "both are refused. Call backward() before optimizer.step() and before assigning .data, or run the forward pass "
    "again after them")


def check_writes_of(out, *tensors):
    """Have the backward pass through ``out``'s node refuse (:func:`check_saved_arrays`) once ``tensors`` were
    written in place since: for a function built from several ops where PyTorch's is one op that saves its input
    (``elu(x)``: ``where``, ``expm1``... here, one ``EluBackward`` node saving ``x`` in PyTorch), so that
    ``z = elu(y); y.add_(1); z.sum().backward()`` raises as PyTorch's. Returns ``out``. Nothing to do where ``out``
    has no node (no gradient recorded); ``tensors`` not Tensors (a list, a number) cannot be written."""
    ctx = out._ctx
    if ctx is not None:
        ctx.checked_writes = ctx.checked_writes + tuple(t._data for t in tensors if hasattr(t, "_data"))
    return out


def check_saved_arrays(ctx):
    """``RuntimeError`` (PyTorch's message) when an array that ``ctx``'s forward pass saved, or the memory it views,
    was written in place since that forward pass.

    Also ``RuntimeError`` when one of ``ctx``'s inputs had its ``.data`` replaced since that forward pass
    (:func:`note_data_replaced`) and the backward pass reads saved values: PyTorch keeps no such rule (its backward
    reads the input's new data where the op saved the input, and the old values where it saved a result, as
    ``exp`` does), so no gradient here would be PyTorch's in every case. A node whose backward reads no saved
    values, or only the arrays of its other, unchanged inputs (``w + x``, ``w * 3``), computes PyTorch's gradient
    and is left alone.

    Which writes refuse is PyTorch's rule, op by op: an op saves the arrays PyTorch's backward saves (its input,
    its output, or both), also one it does not read back (``clamp`` reads a mask, and saves its input beside it;
    ``cummax``, ``nansum``, the pools and ``div(rounding_mode=...)`` likewise), so that a write of them refuses;
    ``tests/test_saved_versions_s51.py`` holds the table, op by op, checked against PyTorch.

    An op may say which saved arrays its backward pass reads the values of (``ctx.values_read``, one bool per saved
    array; all by default): ``w * c`` for a constant ``c`` saves ``w`` but reads only its shape, as ``d/dw = c``,
    so a write of ``w`` there is no error (PyTorch does not save ``w`` at all in that case).

    A function built from several ops that PyTorch computes as one (``elu``, ``hard_tanh``: one node that saves
    the input) lists on its last node the arrays PyTorch's would save (``ctx.checked_writes``,
    :func:`check_writes_of`): checked for writes here, never read."""
    read = getattr(ctx, "values_read", None) or (True,) * len(ctx.saved_tensors)
    replaced = [t is not None and data_replaced.get(id(t), -1) > ctx.written_before for t in ctx.inputs]
    if any(replaced):
        # the arrays the inputs hold now: a saved one of those is still right (the 3 of `w * 3`, or the array a
        # replaced .data was put back to, as a finite-difference check does between forward and backward)
        kept = {id(memory_owner(t._data)) for t in ctx.inputs if t is not None}
        if any(needed and a is not None and id(memory_owner(a)) not in kept
               for a, needed in zip(ctx.saved_tensors, read)):
            raise RuntimeError(_DATA_REPLACED.format(name=ctx.fn.__name__))
    checked = [a for a, needed in zip(ctx.saved_tensors, read) if needed] + list(ctx.checked_writes)
    for a in checked:
        if a is not None and last_write_of(a) > ctx.written_before:
            raise RuntimeError(
                f"one of the variables needed for gradient computation has been modified by an inplace operation: "
                f"an array of shape {tuple(a.shape)} and dtype {dtype_name(a.dtype)} that {ctx.fn.__name__} saved "
                f"in its forward pass was changed in place since (an in-place method such as `t.add_(1)`, "
                f"`-=`, `+=`, `*=` or `/=` under no_grad(), `t[index] = value`, or a gradient that backward() added "
                f"into a `.grad`). Write the in-place op out of place (`t = t.add(1)`), or "
                f"update parameters after backward() (as an optimizer's step after it does), or run the forward "
                f"pass again after the update")


#: The ops whose output may be a view of their input, as PyTorch's are (basic indexing, reshape/view,
#: squeeze/unsqueeze/flatten, which are reshapes here, permute/transpose/T, expand, and the pieces of split, chunk,
#: tensor_split and unbind, with the Cut node they hang from). Whether a reshape is a view is decided by its result
#: (:func:`views_a_leaf`). ``expand``'s result here is a copy (PyTorch's is a view): while gradients are recorded a
#: write into it is a write into the tensor expanded, as PyTorch's (refused where the region holds one element of
#: that tensor twice, :func:`~tinygradconv.copy_slices.positions_of`), but a write into it under ``no_grad()``
#: leaves the tensor expanded unchanged.
VIEW_OPS = ("GetItem", "ReshapeOp", "Permute", "Expand", "Cut", "Piece")


# ------------------------------------------------------------------------------- views made under no_grad()
def _unmarked():
    """What an unpickled :class:`NoGradView` becomes: None, no mark (the tensor unpickled is a tensor of its
    own)."""


class NoGradView:
    """The mark of a view made while no graph was recorded (``with tg.no_grad(): v = y[0:2]``), or of a view of
    such a view, whatever the mode then: ``base``, the tensor the first of them viewed. PyTorch notes the same
    on its views ("created in no_grad mode") and refuses to write them in place once gradients are recorded
    (:func:`refuse_no_grad_view_write`). A copy of the tensor (``copy.deepcopy``, pickling) is a tensor of its
    own, no view, so the mark is not copied with it."""

    __slots__ = ("base",)

    def __init__(self, base):
        self.base = base

    def __deepcopy__(self, memo):
        return None

    def __reduce__(self):
        return _unmarked, ()


def note_no_grad_view(view, source, fn, ctx):
    """Mark ``view``, made by the op ``fn`` (one with ``view_of_input``) from ``source`` without recording a node
    (``Function.apply`` calls this under ``no_grad()``, or when ``source`` is itself so marked), as a
    :class:`NoGradView` when it is a view as PyTorch's would be: indexing with ints, slices, None and ``...`` only
    (an int is a view in PyTorch even where NumPy gives a scalar of its own), a reshape that shares its input's
    memory, a permute, an expand (a copy here, a view in PyTorch), a piece of split."""
    name = fn.__name__
    if (name == "GetItem" and ctx.rest is not None) or \
            (name == "ReshapeOp" and memory_owner(view._data) is not memory_owner(source._data)):
        return                  # a copy: a tensor of its own, free to be written
    mark = source._no_grad_view
    view._no_grad_view = NoGradView(source) if mark is None else mark


def refuse_no_grad_view_write(tensor, value, spelling):
    """PyTorch's ``RuntimeError`` for an in-place write (``spelling``) into ``tensor`` while gradients are
    recorded, where ``tensor`` is a view made under ``no_grad()`` (:class:`NoGradView`) and the write would join
    the graph: the tensor it views requires grad, or ``value`` (a Tensor or None) does. Whether such a write should
    be recorded is ambiguous (the view itself was made outside the graph), so PyTorch forbids it; a write under
    ``no_grad()``, or into a view of a tensor that does not require grad with a value that does not either, is
    allowed, as in PyTorch.

    >>> import tinygradconv as tg
    >>> y = tg.tensor([1.0, 2.0, 3.0], requires_grad=True) * 1
    >>> with tg.no_grad():
    ...     v = y[0:2]
    >>> v.add_(1)
    Traceback (most recent call last):
    ...
    RuntimeError: A view was created in no_grad mode and is being modified inplace with grad mode enabled: ...
    """
    mark = tensor._no_grad_view
    if mark is None or not (mark.base.requires_grad or tensor.requires_grad or
                            (value is not None and value.requires_grad)):
        return
    raise RuntimeError(f"A view was created in no_grad mode and is being modified inplace with grad mode enabled: "
                       f"{spelling} writes into a view (a slice, an index, reshape, transpose, ...) that was taken "
                       f"under `no_grad()` of a tensor that requires grad (or with a value that requires grad), and "
                       f"gradients are recorded now. Whether the write belongs to the graph is ambiguous, so "
                       f"PyTorch forbids it (these are its first words). Take the view and write it both inside "
                       f"`with tg.no_grad():` (the write is not recorded) or both outside it (the write is recorded)")


def views_a_leaf(tensor):
    """Whether ``tensor`` is a view of a leaf that requires grad: the output of a chain of :data:`VIEW_OPS`
    (indexing only with ints, slices, None and ``...``) from such a leaf, each reshape sharing its input's memory.

    A reshape is a view when the values can be read in the new shape without moving them, a copy otherwise, in
    NumPy (``np.reshape``) as in PyTorch (``reshape`` views a tensor whose strides allow it, as ``view`` would):
    ``w.reshape(-1)`` of a 2 x 3 ``w`` is a view, ``w.T.reshape(-1)`` a copy (``w.T``'s values are not in that
    order in memory). So whether a result shares memory with its input decides, as contiguity decides in PyTorch.
    ``w.expand(...)`` counts as a view, as PyTorch's is (ours is a copy); a copy (``w[[0, 1]]``, ``w * 2``,
    ``w.T.reshape(-1)``) is no view."""
    while tensor._ctx is not None:
        ctx = tensor._ctx
        if ctx.released:            # freed by a backward pass: its input is not known any more
            return False
        source = ctx.inputs[0]
        if ctx.fn.__name__ not in VIEW_OPS or getattr(ctx, "rest", None) is not None:
            return False
        # a reshape's view or copy is decided by memory; indexing with ints is a view in PyTorch even where NumPy
        # gives a scalar of its own (`w[0, 1]`)
        if ctx.fn.__name__ == "ReshapeOp" and memory_owner(tensor._data) is not memory_owner(source._data):
            return False
        tensor = source
    return tensor.requires_grad


def one_of_many_views(tensor):
    """Whether ``tensor`` is one of several views that one call returned: a piece of ``split``, ``chunk`` or
    ``unbind`` (:class:`~tinygradconv.ops.splitting.Piece`, which says so by ``one_of_many_views(ctx)``; not a
    piece of ``tensor_split``, an ordinary slice in PyTorch). PyTorch refuses an in-place write into such a piece
    while gradients are recorded ("Output 0 of Split is a view and is being modified inplace. This view is the
    output of a function that returns multiple views. ...")."""
    says = None if tensor._ctx is None else getattr(tensor._ctx.fn, "one_of_many_views", None)
    return says is not None and says(tensor._ctx)


# ------------------------------------------------------------------------------- in-place ops in the graph
#: The count ``writes`` reached at the last in-place op recorded in a graph (:func:`record`); -1 while there was
#: none, so that a process that never records one pays nothing in ``backward`` beyond one comparison per node.
last_rewrite = -1


def record(tensor, op, args, check, written_in_place=False):
    """``tensor.add_(other)`` and the other in-place methods while gradients are recorded, on an op's output that
    requires grad (``y = x * 2; y.add_(1)``) or with an argument that requires grad, as PyTorch records them.

    ``op(before, *args)`` is the out-of-place op (``before.add(other)``), recorded on ``before``: a new tensor that
    stands for ``tensor``'s value before the write (its node and a view of its array); an argument that is
    ``tensor`` itself stands for it too (``y.mul_(y)``). ``check(result)`` raises the method's errors (shape,
    dtype) before anything changes. Then the result is written into ``tensor``'s array (views and ``numpy()`` see
    it; the write is counted, so a node that saved the old values refuses its backward pass, as PyTorch's "modified
    by an inplace operation") and ``tensor``'s node becomes the op's: ``tensor.grad_fn`` is ``<AddBackward>``, and
    a backward pass from it goes through the op to ``before`` and on to the node ``tensor`` had. Arrays that the op
    saved of ``before`` are copied before the write (the old values, as PyTorch saves the original ``self`` of an
    in-place op), unless an argument shares ``tensor``'s memory (``y.mul_(y)``): PyTorch's backward pass then
    refuses, and so does this one. An ``op`` that wrote its result into ``before``'s array itself
    (``written_in_place``: :class:`~tinygradconv.copy_slices.CopySlices`, which writes only its region) is not
    copied again. On a view of an op's output (``y[0].mul_(3)``, ``y.T.add_(1)``) the result is
    written into the view's region of its base, as PyTorch's ``CopySlices``
    (:func:`~tinygradconv.copy_slices.write_region`).

    The nodes recorded before the write that took ``tensor`` as an input read its old value: ``backward`` sends
    their gradients to ``before`` (:func:`as_recorded`), and a view of ``tensor`` taken before the write and used
    after it is taken again of the new value, as PyTorch regenerates it (:func:`version_at`)."""
    from .autograd import no_grad
    from .tensor import Tensor

    history = tensor._ctx
    if is_view(tensor):         # its values and history as they are now, after the writes into its base since
        from .copy_slices import refresh

        refresh(tensor)         # (NumPy gave `y[1:][0]` a scalar of its own)
        history = version_at(tensor, writes)._ctx
    own_array(tensor)
    before = Tensor._make(tensor._data[...], tensor.backend, tensor._requires_grad, history)
    before._made_at = writes
    owner = memory_owner(tensor._data)
    aliased = any(isinstance(a, Tensor) and memory_owner(a._data) is owner for a in args)
    result = op(before, *[before if a is tensor else a for a in args])
    check(result)
    ctx = result._ctx
    if not aliased:
        xp = tensor.backend.xp
        ctx.saved_tensors = tuple(xp.astype(a, a.dtype, copy=True) if a is before._data else a
                                  for a in ctx.saved_tensors)
    if is_view(tensor):         # a view of an op's output (`y[0].mul_(3)`): the result is written into its base
        from .copy_slices import write_region

        return write_region(tensor, Ellipsis, result, before)
    if written_in_place:
        note_in_place_write(tensor._data)
    else:
        with no_grad():
            tensor[...] = result.detach()
    tensor._ctx, tensor._requires_grad = ctx, True
    _keep_version(tensor, before)
    return tensor


def _keep_version(tensor, before):
    """Keep ``before``, ``tensor``'s value before an in-place op or ``detach_`` recorded now, as a version of
    ``tensor`` (:func:`version_at`)."""
    global last_rewrite
    last_rewrite = writes
    tensor._versions = tensor._versions + ((writes, before),)
    # before's timeline is tensor's (see version_at); a weak reference, as tensor holds before (_versions): a
    # strong one would make a reference cycle, and keep the graph's arrays alive after backward until gc runs
    before._version_of = weakref.ref(tensor)


def record_detach(tensor):
    """``tensor.detach_()`` on an op's output: ``tensor`` leaves the graph, and the nodes recorded before keep
    reaching the node it had, as PyTorch's keep their edge to it (``z = y + 1; y.detach_(); z.backward()``). Its
    value before is kept as a version (:func:`version_at`), as :func:`record` keeps the value before a write; the
    array is not written, so no node that saved it refuses its backward pass."""
    global writes
    from .tensor import Tensor

    before = Tensor._make(tensor._data, tensor.backend, tensor._requires_grad, tensor._ctx)
    before._made_at = writes
    writes += 1                 # a new version: nodes recorded from now on see the detached tensor
    tensor._ctx = None
    _keep_version(tensor, before)


def live(tensor):
    """The tensor that holds ``tensor``'s memory now: ``tensor`` itself, or, for the value of a tensor before an
    in-place op (the ``before`` of :func:`record`), that tensor (while it lives).

    A view's node is both a node of the graph and the record of which tensor the view views. A backward pass points
    the node's input at the value the view was taken of (:func:`as_recorded`: ``v = y[0:]; y.mul_(3)``, then a
    backward pass through ``v``'s node sends its gradient to ``y``'s value before the write), but the view still
    views ``y``'s memory: a later write through ``v`` is a write into ``y`` (the live one, with its newest
    history), as PyTorch's view keeps its base. So the views' bases are read through this function
    (:func:`version_at`, :func:`~tinygradconv.copy_slices.view_chain`)."""
    later = None if tensor._version_of is None else tensor._version_of()     # (dead: no later value)
    return tensor if later is None else live(later)


def version_at(tensor, when):
    """The tensor that held ``tensor``'s value when the count ``writes`` was ``when``: ``tensor`` itself, or the
    ``before`` of its first in-place op recorded after ``when`` (:func:`record`). A view of a tensor, taken before
    an in-place op on that tensor and read after it (``v = y[0]; y.mul_(3); v.sum()``), is a view of the new value
    (the values it shows): a new view of it is made, as PyTorch regenerates such a view's ``grad_fn``. So the
    ``before`` of a write through a view (``v.add_(1)`` after ``y.mul_(3)``) is a view of ``y`` as it was at that
    write, and is itself asked for its value at ``when``: a node recorded on ``v`` before ``y.mul_(3)`` reads the
    view of ``y``'s value before the multiplication, as PyTorch's."""
    for count, before in tensor._versions:
        if when < count:        # (a view's `before` may be a view of a base written since `when`: its value then)
            return version_at(before, when)
    ctx = tensor._ctx
    if ctx is None or ctx.released or ctx.written_before >= last_rewrite or ctx.fn.__name__ not in VIEW_OPS:
        return tensor
    base = ctx.inputs[0]
    timeline = live(base)       # (a backward pass may have pointed the view's node at the base's older value)
    then, now = version_at(timeline, ctx.written_before), version_at(timeline, when)
    if then is now:
        return tensor           # the base unchanged between the view and `when`
    if ctx.fn.__name__ == "Expand":
        raise RuntimeError(f"An expand of a tensor, taken before that tensor was modified by an in-place operation "
                           f"and used after it, is not supported here: expand copies here, so it kept the old "
                           f"values, where PyTorch's is a view of the new ones. Expand the tensor again after the "
                           f"in-place operation (a tensor of shape {tuple(tensor.shape)})")
    if memory_owner(tensor._data) is not memory_owner(base._data):
        return tensor           # a copy (w[[0, 1]], w.T.reshape(-1))
    if ctx.fn.__name__ in ("Cut", "Piece"):
        raise RuntimeError(f"A piece of split, chunk, unbind or tensor_split of a tensor, taken before that tensor "
                           f"was modified by an in-place operation and used after it, is not supported here "
                           f"(PyTorch regenerates it). Split the tensor again after the in-place operation "
                           f"(a tensor of shape {tuple(tensor.shape)})")
    from .tensor import Tensor

    again = object.__new__(type(ctx))        # the same node, of the new value (copy.copy would pickle it)
    again.__dict__.update(vars(ctx))
    again.inputs, again.written_before = (now,) + tuple(ctx.inputs[1:]), min(when, writes)   # (inf: now)
    return Tensor._make(tensor._data, tensor.backend, True, again)


def as_recorded(ctx):
    """Point ``ctx``'s inputs at the tensors that held their values when ``ctx`` was recorded (:func:`version_at`),
    once an in-place op was recorded (:func:`record`): ``backward`` calls it at each node it reaches."""
    when, inputs, found = ctx.written_before, ctx.inputs, None
    for i, t in enumerate(inputs):
        # only an input written in place since (its _versions) or one made before the last in-place op (perhaps
        # a view of a tensor written since) may stand for another value: the others are skipped (a long graph
        # recorded after the last in-place op pays one test per input)
        if t is None or not (t._versions or (t._ctx is not None and t._ctx.written_before < last_rewrite)):
            continue
        then = version_at(t, when)
        if then is not t:
            found = list(inputs) if found is None else found
            found[i] = then
    if found is not None:
        ctx.inputs = tuple(found)


def recorded_inputs(ctx):
    """``ctx``'s inputs as recorded: for each, the tensor that held its value when ``ctx`` was recorded
    (:func:`as_recorded`, once an in-place op was recorded). What a walk of the graph before ``backward`` reads
    (``grad_fn.next_functions``, :mod:`tinygradconv.viz`): ``y = x * 2; z = y * 1; y.add_(z)`` is then the graph
    PyTorch records, z computed from y's old value, and no loop from y through z back to y."""
    if last_rewrite >= 0 and not ctx.released:
        as_recorded(ctx)
    return ctx.inputs


def written_over(tensor):
    """Whether ``tensor``'s values are gone, written over in place: ``tensor`` is the value of a tensor before an
    in-place op recorded in the graph (:func:`record`), whose array is a view of the tensor's, and that array was
    written since. The value before ``detach_`` (:func:`record_detach`) keeps its values until a later write."""
    return tensor._version_of is not None and last_write_of(tensor._data) > tensor._made_at


def is_view(tensor):
    """Whether ``tensor`` is a view of another tensor, as PyTorch's would be: the output of one of the
    :data:`VIEW_OPS` (indexing only with ints, slices, None and ``...``; a reshape that shares its input's memory;
    ``expand``, a view in PyTorch, a copy here)."""
    ctx = tensor._ctx
    if ctx is None or ctx.fn is None or ctx.fn.__name__ not in VIEW_OPS or getattr(ctx, "rest", None) is not None:
        return False
    return ctx.fn.__name__ != "ReshapeOp" or (
        bool(ctx.inputs) and memory_owner(tensor._data) is memory_owner(ctx.inputs[0]._data))
