"""Cutting a tensor into consecutive pieces along one dimension: ``split`` (pieces of a given size, or of the
sizes listed), ``chunk`` (a given number of nearly equal pieces), ``tensor_split`` (a number of pieces, the first
ones one longer, or cut at the indices listed) and ``unbind`` (every index, the dimension removed), as
``torch.split``, ``torch.chunk``, ``torch.tensor_split`` and ``torch.unbind``.

Each piece is a slice ``x[..., start:stop, ...]`` (or ``x[..., i, ...]`` for ``unbind``): its gradient is its output
gradient placed back where the piece came from, zeros elsewhere. The pieces together cover ``x`` once, so
``concat(pieces, dim)`` is ``x`` again.

How the gradient is built: were each piece an ordinary slice (:func:`~tinygradconv.ops.shape.getitem`), each
would send back an array of ``x``'s full size, mostly zeros, and the engine would add those ``n`` arrays: a
backward pass costing ``n`` times the size of ``x`` (0.36 s for the 1600 rows of a (1600, 256) tensor). Here the
pieces hang from one node, :class:`Cut` (its output is ``x`` itself), and write their gradients into one shared
array of ``x``'s size, each into its own part: the first piece reached in a backward pass makes the array (zeros,
kept for that pass only) and hands it to the engine as the gradient of the :class:`Cut` node, the others fill in
their parts, and by the
time the engine reaches the :class:`Cut` node (after all its pieces, as it always reaches a node) the array is
complete, zeros where a piece was not used, as PyTorch's ``unbind``, ``split`` and ``chunk`` send back the stack
or concatenation of their pieces' gradients. That costs the size of ``x`` once (measured in the docstring of
:class:`Piece`).

>>> import tinygradconv as tg
>>> x = tg.tensor([1.0, 2.0, 3.0, 4.0, 5.0], requires_grad=True)
>>> [p.tolist() for p in split(x, 2)], [p.tolist() for p in chunk(x, 2)]
([[1.0, 2.0], [3.0, 4.0], [5.0]], [[1.0, 2.0, 3.0], [4.0, 5.0]])
>>> first, second = split(x, [1, 4])
>>> (first.sum() + 2 * second.sum()).backward()
>>> x.grad.tolist()
[1.0, 2.0, 2.0, 2.0, 2.0]
"""
from __future__ import annotations

import itertools

import numpy as np

from .. import autograd
from ..autograd import Function, Sample, register_op
from ..tensor import Tensor
from ..validation import NOT_GIVEN, AxisError, _is_integer, dim_index, dim_or_axis, integer
from .elementwise import special_values


@register_op("cut", samples=lambda rng: [Sample((rng.standard_normal((3, 2)),))],
             special_points=lambda rng: [Sample((special_values(),)), Sample((np.asarray(-0.0),)),
                                         Sample((np.zeros((0, 2)),))])
class Cut(Function):
    """The tensor that pieces are cut from: its output is its input, unchanged (the same array), and its gradient
    the one the pieces (:class:`Piece`) filled in for it during the backward pass, passed on unchanged.

    The pieces keep this node's context (``cut``) and share one array of the input's shape, which they write their
    gradients into: the first of them that a backward pass reaches makes it and keeps it in that pass's
    ``autograd._state.shared_arrays`` under ``cut`` (a new dict at each ``backward()``, one per thread: a pass run
    inside another, from an op's backward, or in another thread, makes its own, and a pass that raised leaves
    none behind). This node's output must be used by its pieces only (``split``, ``chunk`` and ``unbind`` make it
    so), so that array is all the gradient it receives: it takes the array out of the pass's dict and passes it on
    without a copy (``new_gradients``: a leaf input keeps it as its ``.grad``). Any other gradient (``Cut.apply``
    called directly, without pieces) is passed on as a copy, so that the caller's array is never added into. It
    saves no array, and stays after ``backward()`` (``never_freed``): a piece may be used in a later pass, as in
    PyTorch.
    """

    view_of_input = True       # (a view, as PyTorch's: in_place.VIEW_OPS)
    never_freed = True
    hidden_from_grad_fn = True  # PyTorch has no such node: a piece's grad_fn.next_functions skips it
    new_gradients = True       # the pieces' array, which nothing else holds once it is taken out; else a copy

    @staticmethod
    def forward(ctx, x):
        return x

    @staticmethod
    def backward(ctx, grad):
        pieces = (autograd._state.shared_arrays or {}).pop(ctx, None)
        if pieces is None:
            return ctx.xp.astype(grad, grad.dtype)       # astype copies
        if grad is not pieces:
            raise RuntimeError("Cut's output was used by something other than its pieces (Piece.apply(whole, ..., "
                               "cut=whole._ctx)): the pieces' gradient array would be incomplete. Use split, chunk "
                               "or unbind, or cut the tensor again for the other use")
        return grad


def _piece_samples(rng):
    n = rng.standard_normal
    return [Sample((n((4, 3)),), {"index": (slice(1, 3),), "cut": None}),
            Sample((n((2, 3)),), {"index": (slice(None), 1), "cut": None}),
            Sample((n((2, 5, 2)),), {"index": (slice(None), slice(0, 2)), "cut": None})]


def _piece_special_points(rng):
    specials = special_values()
    return [Sample((specials.reshape(-1, 1),), {"index": (slice(2, 7),), "cut": None}),
            Sample((np.resize(specials, (3, 4)),), {"index": (slice(None), 2), "cut": None}),
            Sample((np.asarray(-0.0),), {"index": (), "cut": None}),
            Sample((np.zeros((0, 3)),), {"index": (slice(None), slice(1, 3)), "cut": None}),
            Sample((specials[:4],), {"index": (slice(2, 2),), "cut": None})]


#: The calls that make pieces (``Piece``'s ``kind``) and the name PyTorch gives the ``grad_fn`` of their pieces:
#: ``split`` with one size (and ``chunk``, which is such a split), ``split`` with a list of sizes, ``unbind``, and
#: ``tensor_split``, whose pieces PyTorch makes as ordinary slices.
GRAD_FN_NAMES = {"split": "Split", "split_with_sizes": "SplitWithSizes", "unbind": "Unbind",
                 "tensor_split": "Slice"}


@register_op("piece", samples=_piece_samples, special_points=_piece_special_points)
class Piece(Function):
    """One piece ``whole[index]`` of a tensor, ``index`` a tuple of slices and at most one integer (the
    dimension ``unbind`` removes). Its backward writes its gradient into ``whole``'s gradient at ``index``. The
    pieces of one :class:`Cut` do not overlap (each element is in one piece at most), so each part of that
    gradient is written once, and nothing is added: a zero keeps its sign, as in PyTorch's ``stack`` or ``cat`` of
    the pieces' gradients.

    ``kind`` names the call that made the piece (a key of :data:`GRAD_FN_NAMES`): ``t.grad_fn`` of a piece is
    named as PyTorch names it (``<SplitBackward>``, ``<SplitWithSizesBackward>``, ``<UnbindBackward>``,
    ``<SliceBackward>``; :meth:`grad_fn_name`), graphs draw it as ``piece`` with the call and the index
    (:meth:`describe`: ``split [2:4]``), and ``tensor_split``'s pieces, which PyTorch makes as ordinary slices,
    may be written in place where a slice may (``one_of_many_views`` is false for them).

    ``cut`` is the context of the :class:`Cut` node that made ``whole``, shared with the other pieces (``None``
    when no graph is recorded): the first piece that a backward pass reaches makes the pass's array for ``cut``
    (``autograd._state.shared_arrays[cut]``), zeros of ``whole``'s shape, writes its part and returns the array
    to the engine; the others write their parts into it and return ``None`` (``viz.record_backward`` records
    each piece's own gradient, its part with zeros elsewhere, as if it had sent it). Without a ``cut``
    (``Piece.apply(t, index=..., cut=None)``) each piece sends back an array of its own, as a slice does. It saves
    no array and is never freed: a piece used in one pass may be used in the next without ``retain_graph``, as in
    PyTorch.

    Time of ``sum((p * p).sum() for p in pieces)`` and its backward (the backward alone in parentheses), a (1600, 256)
    float32 tensor cut along dimension 0 into n pieces (``chunk``; ``unbind`` for n = 1600), before (each piece a
    slice, commit 8cceb19), now, and in PyTorch; one thread (``taskset -c 1``, OpenMP and OpenBLAS threads 1),
    medians of 31 runs alternating the three, on a 2-vCPU AMD EPYC Zen 4 shared with other work (2026-12-07). The
    last row is no piece but an ordinary slice, ``(x[1:3] * 2).sum()`` of an (8, 4) tensor and its backward, per
    call (a mean of 200), which the pieces leave as it was::

        n         before            now               PyTorch 2.13
        2         8.7 ms (7.8)      1.08 ms (0.59)    0.85 ms (0.49)
        16        14.9 ms (13.3)    1.49 ms (0.73)    1.13 ms (0.67)
        1600      441 ms (357)      138 ms (62)       61 ms (40)
        x[1:3]    120 us (73)       125 us (75)       93 us (78)

    Before, each piece sent back an array of the whole size, and the engine added the n of them: n times the
    size, even at n = 2. Now that size is paid once, and what remains at n = 1600 is the engine's cost per node
    (four nodes a piece: the piece, ``*``, ``sum`` and ``+``). On that shared machine a whole run's medians move by
    up to about 40% from one run to the next (before, n = 2: 5.1 to 8.7 ms in three runs); the order of the
    columns did not change.
    """

    view_of_input = True       # (a view, as PyTorch's: in_place.VIEW_OPS)
    never_freed = True         # it saves no array: a piece used in one pass may be used in the next, as in PyTorch

    @staticmethod
    def forward(ctx, whole, *, index, cut, kind="split"):
        _check_piece(index, cut, whole.shape, kind)
        # (the axes after the index's are whole: `...` says so, as the Array API wants every axis named)
        ctx.index, ctx.cut, ctx.shape, ctx.kind = tuple(index) + (...,), cut, tuple(whole.shape), kind
        return whole[ctx.index]

    @staticmethod
    def one_of_many_views(ctx):
        """Whether the piece is one of several views that one call returned, which PyTorch refuses to write into
        in place while gradients are recorded: those of ``split``, ``chunk`` and ``unbind``, not ``tensor_split``'s
        (PyTorch's are ordinary slices)."""
        return ctx.kind != "tensor_split"

    @staticmethod
    def grad_fn_name(ctx):
        """The name of ``t.grad_fn`` (with ``Backward`` after it), as PyTorch's: ``Split`` for ``split`` and
        ``chunk``, ``SplitWithSizes`` for ``split`` with a list of sizes, ``Unbind``, and ``Slice`` for
        ``tensor_split``."""
        return GRAD_FN_NAMES[ctx.kind]

    @staticmethod
    def describe(ctx):
        """The piece as graphs draw it (:func:`~tinygradconv.viz.plot_graph`): the call and the index, as
        ``split [:, 2:4]`` or ``unbind [1]``."""
        parts = [f"{'' if i.start is None else i.start}:{'' if i.stop is None else i.stop}" if isinstance(i, slice)
                 else str(i) for i in ctx.index[:-1]]
        return f"{ctx.kind} [{', '.join(parts)}]"

    @staticmethod
    def backward(ctx, grad):
        shared = autograd._state.shared_arrays if ctx.cut is not None else None
        gradient = None if shared is None else shared.get(ctx.cut)
        if gradient is not None:                    # another piece made the array in this pass: the engine holds it
            gradient[ctx.index] = grad              # each piece has its own part: written once, no sum
            return None
        gradient = ctx.xp.zeros(ctx.shape, dtype=grad.dtype)
        gradient[ctx.index] = grad
        if shared is not None:
            shared[ctx.cut] = gradient
        return gradient


def _check_piece(index, cut, shape, kind):
    """A clear error for a :class:`Piece` attribute that ``split``, ``chunk``, ``tensor_split`` and ``unbind`` would
    never give: ``index`` a tuple of at most ``len(shape)`` slices of integer bounds (step 1) and in-range integers,
    ``cut`` a :class:`Cut` node's context or ``None``, ``kind`` a key of :data:`GRAD_FN_NAMES`."""
    if kind not in GRAD_FN_NAMES:
        raise ValueError(f"Invalid value for argument `kind` of piece: expected one of {sorted(GRAD_FN_NAMES)}; "
                         f"received {kind!r}")
    if not isinstance(index, tuple) or len(index) > len(shape):
        raise TypeError(f"Invalid type for argument `index` of piece: expected a tuple of at most {len(shape)} "
                        f"slices and integers (one for each leading dimension); received {index!r}")
    for item, size in zip(index, shape):
        if isinstance(item, slice):
            bounds = (item.start, item.stop)
            if not all(b is None or _is_integer(b) for b in bounds) or item.step not in (None, 1):
                raise TypeError(f"Invalid type for argument `index` of piece: its slices take integer bounds and "
                                f"step 1; received {item!r}")
        elif not _is_integer(item):
            raise TypeError(f"Invalid type for argument `index` of piece: expected slices and integers; received "
                            f"{item!r} in {index!r}")
        elif not -size <= item < size:
            raise ValueError(f"Invalid value for argument `index` of piece: {item} is out of range for a "
                             f"dimension of size {size}; expected an integer in [-{size}, {size})")
    if cut is None:
        return
    if not isinstance(cut, autograd.Context) or cut.fn is not Cut:
        made_by = f" of a {cut.fn.__name__} node" if isinstance(cut, autograd.Context) and cut.fn else ""
        raise TypeError(f"Invalid type for argument `cut` of piece: expected the context of a Cut node (whole._ctx, "
                        f"whole = Cut.apply(x)) or None; received {cut!r}{made_by}")
    if tuple(cut.inputs[0].shape) != tuple(shape):
        raise ValueError(f"Invalid value for argument `cut` of piece: expected the context of the Cut node that made "
                         f"the tensor of shape {tuple(shape)} cut; received that of a Cut of a tensor of shape "
                         f"{tuple(cut.inputs[0].shape)}")


def _pieces(x, indices, kind):
    """The pieces ``x[index]`` for each of ``indices`` (tuples of slices and integers), recorded as one
    :class:`Cut` node and one :class:`Piece` node for each, made by the call ``kind``."""
    whole = Cut.apply(x)
    return tuple(Piece.apply(whole, index=index, cut=whole._ctx, kind=kind) for index in indices)


def _slices(x, sizes, dim, kind):
    """The consecutive slices of ``x`` along dimension ``dim`` (an index ``>= 0``) of the lengths ``sizes``."""
    indices, start = [], 0
    before = (slice(None),) * dim
    for n in sizes:
        indices.append(before + (slice(start, start + n),))
        start += n
    return _pieces(x, indices, kind)


def _dimension_given(op, dim, axis):
    """``(value, name)`` of the dimension given as PyTorch's ``dim`` or as ``axis`` (0 when neither is given); a
    ``TypeError`` when both are (:func:`~tinygradconv.validation.dim_or_axis`); ``dim=None`` is 0 too."""
    value, name = dim_or_axis(op, dim, axis)
    return (0 if value is None else value), name


def _dimension(x, dim, op, name="dim"):
    """``dim`` (the argument ``name``) as an index into ``x``'s dimensions; a rank-0 ``x`` has none to cut (as
    PyTorch)."""
    if x.ndim == 0:
        raise ValueError(f"Invalid value for argument `x` of {op}: expected a tensor of at least 1 dimension (as "
                         f"PyTorch); received a rank-0 tensor. Reshape it first, e.g. x.reshape(1)")
    return dim_index(dim, x.ndim, op, name)


def split(x, split_size_or_sections, dim=NOT_GIVEN, *, axis=NOT_GIVEN):
    """``x`` cut along dimension ``dim`` into consecutive pieces, as ``torch.split``: a tuple of tensors.

    ``split_size_or_sections`` is an int, the size of every piece (the last one smaller when it does not divide
    the dimension's size ``n``: ``ceil(n / size)`` pieces), or a list or tuple of sizes, which must add up to ``n``
    (a size may be 0: an empty piece). A dimension of size 0 gives one empty piece for an int size.

    Gradient: each piece's gradient placed where the piece came from, zeros elsewhere (see the module).

    Args:
        x: the tensor, of at least 1 dimension.
        split_size_or_sections: an int ``>= 1`` (0 only for a dimension of size 0), or a list/tuple of ints
            ``>= 0``.
        dim: the dimension to cut, negative counting from the end (default 0).
        axis: the same, by this package's name (``torch.split`` takes only ``dim``); give one of the two.

    Returns:
        tuple of Tensor: the pieces, of ``x``'s shape but along ``dim``, and ``x``'s dtype.

    Raises:
        TypeError: a size that is not an int (a float, a bool), a ``dim`` that is not an int, ``dim`` and ``axis``
            both given.
        ValueError: a negative size, sizes that do not add up to the dimension's size, a size of 0 for a
            non-empty dimension, or a rank-0 ``x`` (PyTorch raises ``RuntimeError`` for these).
        IndexError: a ``dim`` out of range (:class:`~tinygradconv.validation.AxisError`, also a ``ValueError``).

    See https://pytorch.org/docs/stable/generated/torch.split.html

    >>> import numpy as np
    >>> import tinygradconv as tg
    >>> x = tg.tensor(np.arange(6.0).reshape(2, 3))
    >>> [p.shape for p in split(x, 2, dim=1)], [p.tolist() for p in split(x, (1, 2), dim=-1)][1]
    ([(2, 2), (2, 1)], [[1.0, 2.0], [4.0, 5.0]])
    """
    dim, name = _dimension_given("split", dim, axis)
    x = x if isinstance(x, Tensor) else Tensor(x)
    axis = _dimension(x, dim, "split", name)
    n = x.shape[axis]
    given = split_size_or_sections
    if isinstance(given, (tuple, list)):
        sizes = tuple(integer(s, "split_size_or_sections", minimum=0, shown=given) for s in given)
        if sum(sizes) != n:
            raise ValueError(f"Invalid value for argument `split_size_or_sections` of split: the sizes must add up "
                             f"to {n}, the size of dimension {axis} of the tensor of shape {x.shape}. Received "
                             f"split_size_or_sections={given!r}")
        return _slices(x, sizes, axis, "split_with_sizes")
    if not _is_integer(given):
        raise TypeError(f"Invalid type for argument `split_size_or_sections` of split: expected an int or a list "
                        f"or tuple of ints. Received split_size_or_sections={given!r} of type {type(given).__name__}")
    size = integer(given, "split_size_or_sections", minimum=0)
    if size == 0 and n:
        raise ValueError(f"Invalid value for argument `split_size_or_sections` of split: a size of 0 cuts only a "
                         f"dimension of size 0 (as PyTorch); dimension {axis} has size {n}. Received "
                         f"split_size_or_sections=0")
    if n == 0:
        return _slices(x, (0,), axis, "split")
    return _slices(x, (size,) * (n // size) + ((n % size,) if n % size else ()), axis, "split")


def chunk(x, chunks, dim=NOT_GIVEN, *, axis=NOT_GIVEN):
    """``x`` cut along dimension ``dim`` into at most ``chunks`` pieces of nearly equal size, as ``torch.chunk``.

    Each piece has ``ceil(n / chunks)`` elements along ``dim`` (``n`` its size) but the last, which may be smaller,
    so there may be fewer than ``chunks`` pieces: 6 in 4 chunks gives 3 pieces of 2, as in PyTorch
    (``split(x, ceil(n / chunks), dim)``). A dimension of size 0 gives ``chunks`` empty pieces.

    Gradient: each piece's gradient placed where the piece came from, zeros elsewhere (see the module).

    Args:
        x: the tensor, of at least 1 dimension.
        chunks: the number of pieces wanted, an int ``>= 1``.
        dim: the dimension to cut, negative counting from the end (default 0).
        axis: the same, by this package's name (``torch.chunk`` takes it too); give one of the two.

    Returns:
        tuple of Tensor: the pieces.

    Raises:
        TypeError: a ``chunks`` or ``dim`` that is not an int (a bool neither, as PyTorch), ``dim`` and ``axis``
            both given.
        ValueError: ``chunks < 1``, a rank-0 ``x`` (PyTorch raises ``RuntimeError``).
        IndexError: a ``dim`` out of range (:class:`~tinygradconv.validation.AxisError`, also a ``ValueError``).

    See https://pytorch.org/docs/stable/generated/torch.chunk.html

    >>> import tinygradconv as tg
    >>> x = tg.tensor([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    >>> [p.tolist() for p in chunk(x, 4)]
    [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]
    """
    dim, name = _dimension_given("chunk", dim, axis)
    x = x if isinstance(x, Tensor) else Tensor(x)
    chunks = integer(chunks, "chunks", minimum=1)
    axis = _dimension(x, dim, "chunk", name)
    n = x.shape[axis]
    if n == 0:
        return _slices(x, (0,) * chunks, axis, "split")
    return split(x, -(-n // chunks), axis)


def _one_of(indices_or_sections, sections, indices, tensor_indices_or_sections):
    """The one of ``tensor_split``'s argument and PyTorch's three keywords for it that was given (``sections`` an
    int, ``indices`` a list or tuple, as PyTorch's overloads take them)."""
    given = {name: value for name, value in (("indices_or_sections", indices_or_sections), ("sections", sections),
                                             ("indices", indices),
                                             ("tensor_indices_or_sections", tensor_indices_or_sections))
             if value is not NOT_GIVEN}
    if len(given) != 1:
        raise TypeError(f"tensor_split() takes one of indices_or_sections, sections= (an int), indices= (a list of "
                        f"ints) and tensor_indices_or_sections= (an integer tensor), as PyTorch; received "
                        f"{given or 'none'}")
    (name, value), = given.items()
    if name == "sections" and not _is_integer(value):
        raise TypeError(f"Invalid type for argument `sections` of tensor_split: expected an int, the number of "
                        f"pieces (indices= takes a list of indices). Received {value!r}")
    if name == "indices" and not isinstance(value, (list, tuple)):
        raise TypeError(f"Invalid type for argument `indices` of tensor_split: expected a list or tuple of ints "
                        f"(sections= takes a number of pieces). Received {value!r}")
    return value


def tensor_split(x, indices_or_sections=NOT_GIVEN, dim=NOT_GIVEN, *, axis=NOT_GIVEN, sections=NOT_GIVEN,
                 indices=NOT_GIVEN, tensor_indices_or_sections=NOT_GIVEN):
    """``x`` cut along dimension ``dim``, as ``torch.tensor_split`` (NumPy's ``array_split``): a tuple of tensors.

    ``indices_or_sections`` is either an int ``n >= 1``, the number of pieces: with ``L`` the dimension's size,
    the first ``L % n`` pieces have ``L // n + 1`` elements and the others ``L // n`` (always ``n`` pieces, empty
    ones when ``n > L``: 7 in 3 gives 3, 2, 2); or a list or tuple of indices ``i_1, i_2, ...``, where the pieces
    are ``x[:i_1], x[i_1:i_2], ..., x[i_k:]`` along ``dim``, each index read as a slice's bound (negative ones count
    from the end, one past the end stands for the end, a piece whose bounds are out of order is empty). An integer
    tensor holding one int (rank 0) or a list of them (rank 1) is taken as the int or the list, as PyTorch takes it.

    Gradient: each piece's gradient placed where the piece came from, zeros elsewhere, as ``split``'s (see the
    module). Unlike ``split``'s, the pieces are ordinary slices in PyTorch (``t.grad_fn`` is ``<SliceBackward>``)
    and may overlap (``[3, 1]`` repeats the elements from 1 to 3): two pieces that overlap add their gradients there.

    Args:
        x: the tensor, of at least 1 dimension.
        indices_or_sections: an int ``>= 1``, or a list/tuple of ints (an integer tensor of rank 0 or 1).
        dim: the dimension to cut, negative counting from the end (default 0).
        axis: the same, by this package's name (``torch.tensor_split`` takes it too); give one of the two.
        sections, indices, tensor_indices_or_sections: PyTorch's keywords for ``indices_or_sections``: an int, a
            list/tuple of ints, an integer tensor (``t.tensor_split(sections=2, dim=1)``). Give one of the four.

    Returns:
        tuple of Tensor: the pieces, ``n`` of them or one more than there are indices, of ``x``'s dtype.

    Raises:
        TypeError: an ``indices_or_sections`` that is neither an int nor a list/tuple of ints (a float, a bool, a
            float tensor), a ``dim`` that is not an int, ``dim`` and ``axis`` both given; none or several of
            ``indices_or_sections`` and its keywords, ``sections`` that is not an int or ``indices`` that is not a
            list/tuple (as PyTorch).
        ValueError: a number of sections below 1, an integer tensor of rank 2 or more, or a rank-0 ``x``
            (PyTorch raises ``RuntimeError`` for these).
        IndexError: a ``dim`` out of range (:class:`~tinygradconv.validation.AxisError`, also a ``ValueError``).

    See https://pytorch.org/docs/stable/generated/torch.tensor_split.html

    >>> import numpy as np
    >>> import tinygradconv as tg
    >>> x = tg.tensor(np.arange(7.0), requires_grad=True)
    >>> [p.tolist() for p in tensor_split(x, 3)]
    [[0.0, 1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]
    >>> [p.tolist() for p in tensor_split(x, [2, 5, 9])]
    [[0.0, 1.0], [2.0, 3.0, 4.0], [5.0, 6.0], []]
    >>> first, second, _ = tensor_split(x, 3)
    >>> (first.sum() + 2 * second.sum()).backward()
    >>> x.grad.tolist()
    [1.0, 1.0, 1.0, 2.0, 2.0, 0.0, 0.0]
    """
    dim, name = _dimension_given("tensor_split", dim, axis)
    x = x if isinstance(x, Tensor) else Tensor(x)
    indices_or_sections = _one_of(indices_or_sections, sections, indices, tensor_indices_or_sections)
    given = _sections_or_indices(indices_or_sections)
    axis = _dimension(x, dim, "tensor_split", name)
    length = x.shape[axis]
    if isinstance(given, tuple):
        before = (slice(None),) * axis
        # each piece's bounds as a slice reads them, in range (the Array API takes no bound past the end)
        spans = [range(length)[start:stop] for start, stop in zip((0,) + given, given + (length,))]
        spans = [(span.start, max(span.start, span.stop)) for span in spans]
        # pieces share elements exactly where one starts before the one ahead of it (the later reaches back into
        # it): one pass over the starts, not every pair
        starts = [start for start, _ in spans]
        overlap = any(later < earlier for earlier, later in itertools.pairwise(starts))
        indices = [before + (slice(start, stop),) for start, stop in spans]
        # pieces that share elements cannot write into one gradient array: each sends back its own, added up
        return _pieces(x, indices, "tensor_split") if not overlap else tuple(
            Piece.apply(x, index=index, cut=None, kind="tensor_split") for index in indices)
    if given < 1:
        raise ValueError(f"Invalid value for argument `indices_or_sections` of tensor_split: the number of sections "
                         f"must be at least 1 (PyTorch: \"number of sections must be larger than 0\"). Received "
                         f"indices_or_sections={indices_or_sections!r}")
    size, longer = divmod(length, given)
    return _slices(x, (size + 1,) * longer + (size,) * (given - longer), axis, "tensor_split")


def _sections_or_indices(value):
    """``tensor_split``'s ``indices_or_sections`` as an int (a number of sections) or a tuple of ints (indices)."""
    shown = value
    if isinstance(value, Tensor) or hasattr(value, "__array_namespace__") or isinstance(value, np.ndarray):
        array = value.numpy() if isinstance(value, Tensor) else np.asarray(value)
        if array.dtype.kind not in "iu":
            raise TypeError(f"Invalid type for argument `indices_or_sections` of tensor_split: a tensor of indices "
                            f"must hold integers (as PyTorch); received one of dtype {array.dtype}")
        if array.ndim > 1:
            raise ValueError(f"Invalid value for argument `indices_or_sections` of tensor_split: a tensor of indices "
                             f"must have rank 0 (a number of sections) or 1 (indices), as PyTorch; received one of "
                             f"shape {array.shape}")
        value = int(array) if array.ndim == 0 else tuple(int(i) for i in array)
    if isinstance(value, (list, tuple)):
        for i in value:
            if not _is_integer(i):
                raise TypeError(f"Invalid type for argument `indices_or_sections` of tensor_split: expected an int "
                                f"or a list or tuple of ints (as PyTorch). Received {shown!r}, holding {i!r} of "
                                f"type {type(i).__name__}")
        return tuple(int(i) for i in value)
    if not _is_integer(value):
        raise TypeError(f"Invalid type for argument `indices_or_sections` of tensor_split: expected an int or a list "
                        f"or tuple of ints (as PyTorch). Received {shown!r} of type {type(shown).__name__}")
    return int(value)


def unbind(x, axis=NOT_GIVEN, *, dim=NOT_GIVEN):
    """``x`` cut along dimension ``axis`` into its ``n`` slices, that dimension removed, as ``torch.unbind``: the
    tuple ``(x[..., 0, ...], ..., x[..., n - 1, ...])`` (``axis`` the position of the index), empty for a dimension
    of size 0. ``stack(unbind(x, axis), axis)`` is ``x`` again. ``dim`` is PyTorch's name for ``axis`` (as
    :func:`~tinygradconv.ops.shape.concat` takes it); the method ``x.unbind(dim)`` takes ``axis`` as its alias.

    Gradient: each slice's output gradient placed back at its index, zeros where a slice was not used (see the
    module).

    Args:
        x: the tensor, of at least 1 dimension.
        axis: the dimension to cut, negative counting from the end (default 0).
        dim: the same, by PyTorch's name; give one of the two.

    Returns:
        tuple of Tensor: ``n`` tensors of ``x``'s shape without that dimension, and ``x``'s dtype.

    Raises:
        TypeError: an ``axis`` or ``dim`` that is not an int (a bool, a float or None neither, as PyTorch), or both
            given.
        IndexError: an ``axis`` out of range, or any ``axis`` of a rank-0 ``x`` (as PyTorch: "Dimension specified as
            0 but tensor has no dimensions"); an :class:`~tinygradconv.validation.AxisError`, also a ``ValueError``.

    See https://pytorch.org/docs/stable/generated/torch.unbind.html

    >>> import numpy as np
    >>> import tinygradconv as tg
    >>> x = tg.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    >>> [p.tolist() for p in unbind(x)], [p.tolist() for p in unbind(x, axis=-1)]
    ([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]], [[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]])
    >>> first, second = unbind(x)
    >>> (first + 2 * second).sum().backward()
    >>> x.grad.tolist()
    [[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]]
    """
    dim, name = dim_or_axis("unbind", dim, axis, default=0)
    x = x if isinstance(x, Tensor) else Tensor(x)
    if x.ndim == 0:
        dim_index(dim, 0, "unbind", name)             # a TypeError for a dim that is not an int, as PyTorch
        raise AxisError(f"unbind: Dimension specified as {dim!r} but the tensor has no dimensions (rank 0, as "
                        f"PyTorch refuses it); reshape it first, e.g. x.reshape(1)")
    axis = dim_index(dim, x.ndim, "unbind", name)
    before = (slice(None),) * axis
    return _pieces(x, [before + (i,) for i in range(x.shape[axis])], "unbind")
