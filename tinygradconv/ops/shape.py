"""Shape ops: ``reshape``, ``permute``/``transpose``, indexing, ``concat``, ``stack``, ``pad``, ``clone`` and the
move to another backend (``to_backend``).

They move elements without changing them, so each backward moves the gradient back the same way: reshape it back,
apply the inverse permutation, scatter it into zeros, split it, or crop the padding away (``clone`` copies the
elements into new memory, and passes the gradient back unchanged; ``to_backend`` copies them to another backend,
and the gradient back to the first).

>>> import tinygradconv as tg
>>> x = tg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
>>> y = x.transpose().reshape(-1)
>>> y.tolist()
[1.0, 4.0, 2.0, 5.0, 3.0, 6.0]
>>> x[:, 1:].sum().backward()
>>> x.grad.tolist()
[[0.0, 1.0, 1.0], [0.0, 1.0, 1.0]]
"""
from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from .. import config, in_place
from ..autograd import Context, Function, Sample, is_grad_enabled, register_op
from ..backend import available_backends, dtype_name, get_backend
from ..index_check import check_index_backend
from ..tensor import _DTYPES, Tensor, _number_fits
from ..validation import (
    NOT_GIVEN,
    axis_index,
    caller_stacklevel,
    dim_index,
    dtype_argument,
    integer,
    size_fits,
)
from .creation import refuse_out_of_range
from .elementwise import (
    _cast_to,
    float_mask_hint,
    promoted_dtype,
    refuse_torch_tensor,
    special_values,
    whole_number_to_write,
)


def _specials(*shape):
    """The special values (NaN, +-0.0, +-inf, ...) repeated into ``shape``: shape ops only move them."""
    return np.resize(special_values(), shape)


def _reshape_special_points(rng):
    return [Sample((_specials(2, 6),), {"shape": (3, 4)}), Sample((np.asarray(np.nan),), {"shape": (1, 1)}),
            Sample((np.zeros((0, 3)),), {"shape": (3, 0)}), Sample((_specials(1),), {"shape": ()})]


def _permute_special_points(rng):
    return [Sample((_specials(2, 3, 2),), {"axes": (2, 0, 1)}), Sample((np.asarray(np.inf),), {"axes": ()}),
            Sample((np.zeros((0, 3)),), {"axes": (1, 0)})]


def _getitem_special_points(rng):
    x = _specials(3, 4)
    return [Sample((x,), {"index": (slice(1, 3),)}), Sample((x,), {"index": (np.array([0, 0, 2]),)}),
            Sample((x,), {"index": (slice(0, 0),)}), Sample((np.asarray(np.nan),), {"index": ()}),
            Sample((x,), {"index": (1, 2)}), Sample((np.zeros((0, 3)),), {"index": (slice(None), 1)}),
            # PyTorch's order, the integer first and then the array: NumPy's rule gives the transpose of the first,
            # and shape (1, 0) instead of (0, 1) for the second
            Sample((_specials(2, 3, 4),), {"index": (0, slice(None), np.array([1, 1, -1]))}),
            Sample((np.zeros((2, 0, 4)),), {"index": (-1, slice(None), np.array([3]))}),
            # a Python bool is a new axis indexed by [0] or [] (False: nothing picked), `...` is the whole slices it
            # stands for, and None beside a mask or arrays a new axis: as PyTorch, on every backend
            Sample((_specials(2, 3, 4),), {"index": (Ellipsis, False)}),
            Sample((_specials(2, 3, 4),), {"index": (0, True, Ellipsis, np.array([[3, 0], [0, 3]]))}),
            Sample((x,), {"index": (np.array([True, False, True]), None)}),
            Sample((x,), {"index": (None, np.array([2, -1]), np.array([0, 3]))}),
            Sample((_specials(2, 3, 4),), {"index": (np.array([1, 0]), slice(None, None, 2), np.array([3, 3]))})]


def _join_special_points(rng):
    return [Sample((_specials(2, 3), np.zeros((2, 0)), _specials(2, 1)), {"axis": 1}),
            Sample((np.zeros((0, 2)), _specials(1, 2)), {"axis": 0})]


def _stack_special_points(rng):
    return [Sample((np.asarray(np.nan), np.asarray(-0.0)), {"axis": 0}),
            Sample((_specials(2, 3), _specials(2, 3)[::-1].copy()), {"axis": 1}),
            Sample((np.zeros((0, 2)), np.zeros((0, 2))), {"axis": 2})]


def _pad_special_points(rng):
    return [Sample((_specials(2, 3),), {"pad_width": ((1, 0), (2, 1)), "value": np.inf}),
            Sample((_specials(2, 3),), {"pad_width": ((0, -1), (-1, 2)), "value": np.nan}),   # negative: a crop
            Sample((_specials(2, 3),), {"pad_width": ((-1, -1), (0, 0)), "value": 0.0}),     # cropped to empty
            Sample((np.zeros((0, 2)),), {"pad_width": ((1, 1), (0, 0)), "value": np.nan}),
            Sample((_specials(4),), {"pad_width": ((0, 0),), "value": 0.0}),
            Sample((np.asarray(np.nan),), {"pad_width": (), "value": 1.0})]


@register_op("reshape", samples=lambda rng: [Sample((rng.standard_normal((2, 6)),), {"shape": (3, 4)}),
                                             Sample((rng.standard_normal((2, 3, 2)),), {"shape": (12,)})],
             special_points=_reshape_special_points)
class ReshapeOp(Function):
    """Same elements in a new shape (the op behind ``reshape``; the layer is ``layers.Reshape``)."""

    view_of_input = True       # (a view, as PyTorch's: in_place.VIEW_OPS)

    @staticmethod
    def forward(ctx, a, shape):
        ctx.shape = a.shape
        return ctx.xp.reshape(a, _target_shape(shape, tuple(a.shape)))

    @staticmethod
    def backward(ctx, grad):
        return ctx.xp.reshape(grad, ctx.shape)


@register_op("permute", samples=lambda rng: [Sample((rng.standard_normal((2, 3, 4)),), {"axes": (2, 0, 1)})],
             special_points=_permute_special_points)
class Permute(Function):
    """Reorder the axes; the backward applies the inverse permutation."""

    view_of_input = True       # (a view, as PyTorch's: in_place.VIEW_OPS)

    @staticmethod
    def forward(ctx, a, axes):
        if not isinstance(axes, (tuple, list)):
            raise TypeError(f"permute: `axes` must be a tuple of axes. Received axes={axes!r}")
        axes = tuple(axis_index(i, a.ndim, "permute") for i in axes)
        if sorted(axes) != list(range(a.ndim)):
            raise ValueError(f"permute: `axes` {axes} are not a permutation of the {a.ndim} axes of shape "
                             f"{tuple(a.shape)}. Received axes={axes!r}")
        ctx.inverse = tuple(int(i) for i in np.argsort(axes))
        return ctx.xp.permute_dims(a, axes)

    @staticmethod
    def backward(ctx, grad):
        return ctx.xp.permute_dims(grad, ctx.inverse)


def _clone_special_points(rng):
    return [Sample((_specials(2, 6),)), Sample((np.asarray(-0.0),)), Sample((np.zeros((0, 3)),))]


@register_op("clone", samples=lambda rng: [Sample((rng.standard_normal((2, 3)),)),
                                           Sample((np.asarray(0.5),))],
             special_points=_clone_special_points)
class Clone(Function):
    """A copy of ``a`` in new memory (the op behind ``Tensor.clone``, as ``torch.clone``); d/da = 1, so the
    backward passes the gradient through unchanged."""

    @staticmethod
    def forward(ctx, a):
        return ctx.xp.astype(a, a.dtype, copy=True)     # copy=True: never the same memory, on every backend

    @staticmethod
    def backward(ctx, grad):
        return grad


def _to_backend_samples(rng):
    # to every backend that loads here (numpy, array_api_strict; cupy on a GPU machine), from the one under test
    return [Sample((rng.standard_normal((2, 3)),), {"backend": name}) for name in available_backends()] + \
        [Sample((np.asarray(0.5),), {"backend": "numpy"})]


def _to_backend_special_points(rng):
    # -0.0 in a 0-d array is a special point of its own: CuPy 14.2 once turned it into +0.0 on the way to the GPU
    return [Sample((_specials(2, 6),), {"backend": name}) for name in available_backends()] + \
        [Sample((np.asarray(-0.0),), {"backend": "numpy"}), Sample((np.zeros((0, 3)),), {"backend": "numpy"})]


def _dtype_meant(value):
    """The dtype name that ``value`` means, when it is one of the dtypes ``astype`` takes (a name, a NumPy dtype or
    scalar type such as ``np.float64``, a PyTorch dtype: :func:`~tinygradconv.validation.dtype_argument`'s
    reading); else None."""
    try:
        return dtype_argument(value, _DTYPES)
    except TypeError:
        return None


def _not_a_dtype(name, value):
    """The ``TypeError`` for a ``dtype`` argument of :func:`to` that is not one of ``_DTYPES``; it says so when
    ``value`` is a dtype NumPy or PyTorch knows but this library does not support (``"complex64"``,
    ``torch.complex64``, ``"bfloat16"``)."""
    known = _foreign_dtype(value)
    what = (f"{value!r} is a dtype, but not one this library supports (complex and other dtypes are not)"
            if known else "expected a dtype (a name such as 'float64', a NumPy or PyTorch dtype)")
    return TypeError(f"Invalid type for argument `{name}` of to: {what}. Supported dtypes: {list(_DTYPES)}. "
                     f"Received {name}={value!r}")


def _foreign_dtype(value):
    """Whether ``value`` names a dtype that NumPy or PyTorch knows (``"complex64"``, ``np.complex128``,
    ``torch.bfloat16``): what a ``to(...)`` argument that is not one of ``_DTYPES`` nor a device was meant as."""
    if type(value).__name__ == "dtype" and type(value).__module__.startswith("torch"):
        return True
    if isinstance(value, str) and value in ("bfloat16", "complex32", "chalf", "cfloat", "cdouble"):
        return True       # PyTorch's names that NumPy lacks
    if isinstance(value, str) and len(value) < 3:
        return False      # NumPy's one-letter codes ("f", "c8") are not what anyone writes to mean a dtype here
    try:
        np.dtype(value)
    except (TypeError, ValueError):
        return False
    return isinstance(value, (str, type, np.dtype))


def _check_device(device):
    """Refuse a ``device`` of :func:`to` that is a dtype not supported here (``"complex64"``: a ``TypeError``
    saying so) or a name that is neither a supported dtype nor a backend or device (``"flaot32"``: a
    ``ValueError`` listing both), before it is looked up as a backend's name."""
    if device is None or isinstance(device, str) and (
            device in config.BACKENDS or device.partition(":")[0] in ("cpu", "cuda")):
        return
    if _foreign_dtype(device):
        raise _not_a_dtype("device", device)
    if not isinstance(device, str):
        return            # a Backend, a torch.device; any other type is refused by the backend lookup
    raise ValueError(f"Invalid value for argument `device` of to: {device!r} is neither a dtype ({list(_DTYPES)}) "
                     f"nor a backend ({list(config.BACKENDS)}) or device ('cpu', 'cuda', 'cuda:N'). "
                     f"Received {device!r}")


def backend_of_device(current, backend):
    """``backend`` for :meth:`~tinygradconv.tensor.Tensor.to` and ``Model.to``, PyTorch's device names read as
    backends, for a tensor or model now on the backend ``current``: ``"cpu"`` is None (stay) on a CPU backend
    (numpy, array_api_strict) and ``"numpy"`` on cupy; ``"cuda"`` and ``"cuda:N"`` are ``"cupy"``, and so are
    ``torch.device`` objects of those names; anything else is returned as it is (a backend's name)."""
    if type(backend).__name__ == "device" and getattr(backend, "type", None) in ("cpu", "cuda"):   # torch.device
        backend = str(backend)
    if not isinstance(backend, str) or backend.partition(":")[0] not in ("cpu", "cuda"):
        return backend
    if backend.startswith("cuda"):
        return "cupy"
    return None if current.name in ("numpy", "array_api_strict") else "numpy"


def to(tensor, *args, device=None, dtype=None, non_blocking=False, copy=False, memory_format=None):
    """``tensor`` on another backend or device, in another dtype, or both: PyTorch's ``Tensor.to`` and its three
    signatures, ``to(device=None, dtype=None, non_blocking=False, copy=False)``, ``to(dtype, non_blocking=False,
    copy=False)`` and ``to(other, non_blocking=False, copy=False)`` (``other``'s backend and dtype).

    * a device or backend: a backend's name (``"numpy"``, ``"array_api_strict"``, ``"cupy"``, or a backend), or
      PyTorch's device names (what :attr:`~tinygradconv.Tensor.device` prints): ``"cpu"`` keeps a tensor on a CPU
      backend and brings one from ``cupy`` to ``numpy``; ``"cuda"``, ``"cuda:N"`` (or a ``torch.device``) is
      ``cupy``. ``None`` moves nothing. The move is differentiable, as PyTorch's: the copy is an op's output
      (:class:`ToBackend`) and the gradient comes back to this tensor's backend.
    * a dtype: a name (``"float64"``), a NumPy or PyTorch dtype (``torch.float64``): the cast of
      :meth:`~tinygradconv.Tensor.astype` (differentiable; an integer or bool result does not require grad).
    * ``non_blocking``: a bool, with nothing to wait for here (every copy is done when ``to`` returns).
    * ``copy=True``: a new tensor even where nothing changes (PyTorch's ``copy``); otherwise the tensor itself is
      returned when it is already on that backend in that dtype, as PyTorch's.
    * ``memory_format``: None or ``torch.preserve_format`` (arrays here have one layout).

    Raises:
        TypeError: an argument of another type (a list, a number), a dtype where the device goes in
            ``to(device, dtype)`` or the other way round, the device or the dtype given twice, more than two
            positional arguments, a ``non_blocking`` or ``copy`` that is not a bool; each names the argument.
            A dtype that NumPy or PyTorch has but this library does not (``"complex64"``) says so.
        ValueError: an unknown backend, or one that does not load here (CuPy without a GPU); a name that is
            neither a dtype nor a backend (``"flaot32"``) lists both.

    >>> import tinygradconv as tg
    >>> x = tg.tensor([1.0, 2.0])
    >>> x.to("float64").dtype, x.to("cpu", "float16").dtype, x.to(tg.tensor([1], dtype="int32")).tolist()
    (dtype('float64'), dtype('float16'), [1, 2])
    >>> x.to(device="cpu") is x, x.to("cpu", copy=True) is x
    (True, False)
    """
    if len(args) > 2:
        raise TypeError(f"Invalid type for argument `args` of to: expected at most two positional arguments (a "
                        f"device and a dtype, as PyTorch's to(device, dtype)). Received {len(args)}: {args!r}")
    for name, flag in (("non_blocking", non_blocking), ("copy", copy)):
        if not isinstance(flag, (bool, np.bool_)):
            raise TypeError(f"Invalid type for argument `{name}` of to: expected a bool. Received {name}={flag!r}")
    if memory_format is not None and not str(memory_format).endswith("preserve_format"):
        raise ValueError(f"Invalid value for argument `memory_format` of to: only None or torch.preserve_format "
                         f"(arrays here have one layout). Received memory_format={memory_format!r}")
    positional_device = positional_dtype = None
    if args and isinstance(args[0], Tensor):                      # to(other): other's backend and dtype
        if len(args) > 1 or device is not None or dtype is not None:
            raise TypeError("Invalid type for argument `other` of to: to(other) takes no device nor dtype "
                            f"beside the tensor (as PyTorch). Received {args[1:]!r}, device={device!r}, "
                            f"dtype={dtype!r}")
        positional_device, positional_dtype = args[0].backend, dtype_name(args[0].dtype)
    elif args:
        first_dtype = _dtype_meant(args[0]) if args[0] is not None else None
        if len(args) == 2:                                        # to(device, dtype)
            if first_dtype is not None:
                raise TypeError(f"Invalid type for argument `device` of to: to(device, dtype) takes the device "
                                f"first. Received device={args[0]!r} (a dtype; write x.to({first_dtype!r}))")
            positional_device, positional_dtype = args
            if _dtype_meant(positional_dtype) is None:
                raise _not_a_dtype("dtype", positional_dtype)
        elif first_dtype is not None:                             # to(dtype)
            positional_dtype = args[0]
        else:                                                     # to(device)
            positional_device = args[0]
    for name, given, keyword in (("device", positional_device, device), ("dtype", positional_dtype, dtype)):
        if given is not None and keyword is not None:
            raise TypeError(f"Invalid type for argument `{name}` of to: given both positionally ({given!r}) and by "
                            f"keyword ({name}={keyword!r})")
    device = device if positional_device is None else positional_device
    dtype = dtype if positional_dtype is None else positional_dtype
    _check_device(device)
    result = tensor
    if dtype is not None:
        kind = _dtype_meant(dtype)
        if kind is None:
            raise _not_a_dtype("dtype", dtype)
        if kind != dtype_name(tensor.dtype):
            result = tensor.astype(kind)
    backend = backend_of_device(result.backend, device)
    if backend is not None:
        result = ToBackend.apply(result, backend=backend)
    if copy and result is tensor:
        result = tensor.clone()
    return result


@register_op("to_backend", samples=_to_backend_samples, special_points=_to_backend_special_points)
class ToBackend(Function):
    """The same values on another backend (the op behind ``Tensor.to``, as PyTorch's ``Tensor.to(device)``):
    ``y = a``, so ``dL/da = dL/dy``, copied back to ``a``'s backend. The values are copied, never shared, and keep
    their dtype; NaN, infinities and the sign of zero travel unchanged.

    It is the one op whose output lies on another backend than its input, so it makes its graph node itself
    (:meth:`apply`) rather than through :meth:`Function.apply`, which keeps every op on one backend.

    >>> import tinygradconv as tg
    >>> x = tg.tensor([1.0, -2.0], requires_grad=True)
    >>> y = ToBackend.apply(x, backend="array_api_strict")
    >>> (y.backend.name, y.requires_grad, y.is_leaf)
    ('array_api_strict', True, False)
    >>> (y * y).sum().backward()
    >>> x.grad.tolist(), x.grad.backend.name
    ([2.0, -4.0], 'numpy')
    """

    @classmethod
    def apply(cls, a, backend):
        """``a`` (a Tensor) copied to ``backend`` (a name such as ``"numpy"``, or a backend), recording a node
        when ``a`` requires a gradient and recording is on.

        Raises:
            TypeError: when ``a`` is not a Tensor.
            ValueError: for an unknown or unavailable ``backend`` (from :func:`~tinygradconv.backend.get_backend`).
        """
        if not isinstance(a, Tensor):
            raise TypeError(f"{cls.__name__} expects a Tensor input, got {type(a).__name__}")
        dtype = _dtype_meant(backend)
        if dtype is not None:       # x.to("float64"), x.to(np.float64), x.to(torch.float64): PyTorch's cast
            raise TypeError(f"`backend` names a dtype, not a backend: received backend={backend!r}. PyTorch's "
                            f"x.to({dtype!r}) casts; here write x.astype({dtype!r})")
        target = get_backend(backend)
        if target is a.backend:           # nothing to move: the tensor itself, as PyTorch's .to
            return a
        recording = a.requires_grad and is_grad_enabled()
        ctx = Context(a.backend.xp, (a,), cls if recording else None)
        out = cls.forward(ctx, a.data, source=a.backend, target=target)
        if not recording:
            return Tensor._make(out, target, False, None)
        ctx.written_before = in_place.writes    # (as Function.apply: which version of `a` this node read)
        return Tensor._make(out, target, True, ctx)

    @staticmethod
    def forward(ctx, a, source, target):
        ctx.source, ctx.target = source, target
        return target.asarray(source.to_numpy(a), dtype=dtype_name(a.dtype), copy=True)

    @staticmethod
    def describe(ctx):
        """The op as drawn in graphs (:func:`~tinygradconv.viz.plot_graph`): ``numpy -> array_api_strict``."""
        return f"{ctx.source.name} -> {ctx.target.name}"

    @staticmethod
    def backward(ctx, grad):
        return ctx.source.asarray(ctx.target.to_numpy(grad), dtype=dtype_name(grad.dtype), copy=True)


def _target_shape(shape, old, op="reshape"):
    """The new shape for ``reshape`` (or ``view``, named ``op`` in the messages): a tuple of ints (not bools, not
    floats) with at most one ``-1``, holding as many elements as ``old``; ``-1`` is resolved. ``TypeError``/
    ``ValueError`` naming ``shape`` otherwise."""
    if not isinstance(shape, (tuple, list)):
        raise TypeError(f"{op}: `shape` must be a tuple of integers. Received shape={shape!r}")
    shape = tuple(integer(n, "shape", minimum=-1, shown=shape) for n in shape)
    known = 1
    for n in shape:
        known *= n if n != -1 else 1
    size = 1
    for n in old:
        size *= n
    if shape.count(-1) > 1 or (-1 in shape and (known == 0 or size % known)) or (-1 not in shape and known != size):
        raise ValueError(f"{op}: cannot {op} a tensor of shape {old} ({size} elements) into shape {shape}. "
                         f"Received shape={shape!r}")
    return tuple(size // known if n == -1 else n for n in shape)


def _getitem_samples(rng):
    x, x3 = rng.standard_normal((4, 5)), rng.standard_normal((2, 3, 4))
    return [Sample((x,), {"index": (slice(1, 3), slice(None, None, 2))}), Sample((x,), {"index": (2,)}),
            Sample((x,), {"index": (Ellipsis, None, slice(0, 4, 3))}),
            Sample((x,), {"index": (np.array([3, 0, 3]),)}),  # repeated rows: gradients must add up
            Sample((x3,), {"index": (0, slice(None), np.array([1, 1]))}),  # PyTorch's order
            Sample((x3,), {"index": (Ellipsis, np.array([3, 1, 3]))}),     # `...` beside an array
            Sample((x3,), {"index": (None, np.array([1, 0, 1]), True)}),   # new axes beside an array
            Sample((x3,), {"index": (np.array([1, 0, 1]), slice(None), np.array([[3], [0]]))}),  # arrays apart
            Sample((x3,), {"index": (np.array([True, False]), None)}),
            Sample((x3,), {"index": (slice(None), np.array([[True, False, True, True]] * 3))})]  # a 2-D mask


@register_op("getitem", samples=_getitem_samples, special_points=_getitem_special_points)
class GetItem(Function):
    """``a[index]`` with PyTorch's rule for mixed indices; the backward scatters the gradient into zeros of ``a``'s
    shape (adding repeated picks).

    The index is normalized once (:func:`_normalized_index`) into the two steps PyTorch takes: the integers,
    slices and new axes first, as a view, and the integer and boolean arrays after, to what remains, with NumPy's
    rule (where the arrays stand next to each other their result axes take their place, otherwise they go first).
    NumPy counts an integer as one of the arrays instead, so ``a[0, :, [1, 1]]`` is ``(3, 2)`` here and in PyTorch
    but ``(2, 3)`` in NumPy. The numpy backend picks with its own indexing; the others with ``take`` or a leading
    mask (:class:`_Picks`), which is all the Array API specifies.
    """

    view_of_input = True       # (a view, as PyTorch's: in_place.VIEW_OPS)

    @staticmethod
    def forward(ctx, a, index):
        xp = ctx.xp
        ctx.shape = tuple(a.shape)
        ctx.first, ctx.rest = _normalized_index(xp, index, ctx.shape)
        ctx.whole = _takes_everything(ctx.first)
        if not ctx.whole:
            # integers, slices and new axes: a view (PyTorch's select, slice and unsqueeze); integers alone, one
            # per axis, would give a scalar of its own (NumPy, array_api_strict): with "..." a 0-d view, as
            # PyTorch's, which shows a later y[0] = 5
            first = ctx.first
            if len(first) == a.ndim and all(isinstance(i, (int, np.integer)) for i in first):
                first = (*first, Ellipsis)
            a = a[first]
        if ctx.rest is None:
            return a
        ctx.picked_shape = tuple(a.shape)
        if isinstance(a, np.ndarray):
            return a[ctx.rest]
        ctx.picks = _Picks(xp, ctx.rest, ctx.picked_shape)
        return ctx.picks.gather(a)

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        if ctx.rest is not None:
            if isinstance(grad, np.ndarray):
                picked = np.zeros(ctx.picked_shape, dtype=grad.dtype)
                if _lone_mask(ctx.rest) is not None:
                    picked[ctx.rest] = grad         # a mask picks each element once
                elif _leading_rows(ctx.rest) is not None:
                    _add_rows(picked, _leading_rows(ctx.rest), grad)   # x[rows], an Embedding: repeated rows add up
                else:
                    np.add.at(picked, ctx.rest, grad)   # repeated picks add up
                grad = picked
            else:
                grad = ctx.picks.scatter(grad)
        if ctx.whole:
            return grad
        return _scatter_basic(xp, ctx.shape, ctx.first, grad)


def _leading_rows(rest):
    """The integer array of ``rest`` when it picks whole rows (``a[rows]``, ``a[rows, :]``: one integer array on the
    first axis, whole slices after) of an array with more than one axis, else None."""
    first = rest[0]
    whole = all(isinstance(item, slice) and item == slice(None) for item in rest[1:])
    if isinstance(first, slice) or _is_mask(first) or not whole:
        return None
    return first if len(rest) > 1 else None


def _add_rows(full, rows, grad):
    """``full[rows] += grad`` on NumPy, repeated rows adding up (``np.add.at(full, rows, grad)``), written as
    ``np.add.at`` of the flat positions of the rows' elements into ``full`` seen as 1-D: NumPy's ``add.at`` is
    several times faster on a 1-D array than on rows (4.6 ms against 0.9 ms for 1000 rows of 512 float32), and it
    adds the same numbers in the same order, so the sums are the same to the bit. ``full`` is C-contiguous."""
    width = math.prod(full.shape[1:])
    rows = rows.astype(np.intp, copy=False)     # positions past int16/uint16 (row * width) must not wrap around
    rows = np.where(rows < 0, rows + full.shape[0], rows)        # a negative row counts from the end
    positions = rows.reshape(-1, 1) * width + np.arange(width)   # row r's elements: r * width + 0, 1, ...
    np.add.at(full.reshape(-1), positions.reshape(-1), grad.reshape(-1))


def _lone_mask(rest):
    """The boolean mask that is the only array of ``rest`` (arrays among whole slices), or None."""
    arrays = [item for item in rest if not isinstance(item, slice)]
    return arrays[0] if len(arrays) == 1 and _is_mask(arrays[0]) else None


def _takes_everything(index):
    """Whether the basic ``index`` (one item per axis) is all whole slices, ``a[index]`` being ``a`` itself."""
    return all(isinstance(item, slice) and item == slice(None) for item in index)


def _scatter_basic(xp, shape, index, grad):
    """Zeros of ``shape`` with ``grad`` written where the basic ``index`` (integers, slices and ``None``, one item
    per axis) picks: each element is picked at most once."""
    kept = tuple(i for i in index if i is not None)  # new axes hold no elements of `a`: drop them from index, grad
    if _takes_everything(kept):
        return xp.reshape(grad, shape)
    full = xp.zeros(shape, dtype=grad.dtype)
    full[kept] = grad if len(kept) == len(index) else xp.reshape(grad, tuple(full[kept].shape))
    return full


class _Picks:
    """``a[rest]`` and its gradient on a backend that has only what the Array API specifies: ``rest`` holds integer
    and boolean arrays among whole slices, one item per axis of ``a`` (of ``shape``), read with NumPy's rule.

    A boolean mask alone is applied at the front (its axes moved there first: the Array API's one form of mask),
    and its gradient written back through it. Otherwise each mask becomes the integer arrays of its ``True``
    positions (as NumPy and PyTorch read it), the arrays are broadcast together, the axes they index merged into
    one (moved to the front first when the arrays stand apart) and ``take`` picks their flat positions; the
    gradient sums repeated picks with a one-hot product over the distinct positions (at most one per pick) and
    writes the sums back through a mask of the positions picked.
    """

    def __init__(self, xp, rest, shape):
        self.xp, self.shape = xp, shape
        where = [k for k, item in enumerate(rest) if not isinstance(item, slice)]
        first = where[0] + sum(_axes_taken(item) - 1 for item in rest[:where[0]])  # the first axis indexed
        self.mask = _lone_mask(rest)
        if self.mask is not None:
            self.start = first
            axes = tuple(range(first, first + self.mask.ndim))
            self.order = axes + tuple(k for k in range(len(shape)) if k not in axes) if first else None
            return
        axes, arrays = [], []       # the axes of `a` the arrays index, and one integer array for each
        for k in where:
            item, axis = rest[k], k + sum(_axes_taken(i) - 1 for i in rest[:k])
            if _is_mask(item):
                axes += range(axis, axis + item.ndim)
                arrays += xp.nonzero(item)
            else:
                picks = xp.astype(item, xp.int64)
                axes.append(axis)
                arrays.append(xp.where(picks < 0, picks + shape[axis], picks))  # in range: checked already
        try:
            arrays = xp.broadcast_arrays(*arrays)
        except ValueError:
            raise IndexError("The index arrays cannot be broadcast together: shapes "
                             f"{', '.join(str(tuple(a.shape)) for a in arrays)}") from None
        self.sizes = tuple(shape[k] for k in axes)
        flat = arrays[0]
        for picks, size in zip(arrays[1:], self.sizes[1:]):   # row-major: the last axis varies fastest
            flat = flat * size + picks
        self.picks_shape = tuple(arrays[0].shape)
        self.flat = xp.reshape(flat, (math.prod(self.picks_shape),))
        adjacent = where == list(range(where[0], where[0] + len(where)))
        self.start = first if adjacent else 0       # where the picks' axes go in the result
        self.order = None if adjacent else tuple(axes) + tuple(k for k in range(len(shape)) if k not in axes)

    def gather(self, a):
        """``a[rest]``: PyTorch's (and NumPy's) result for the arrays among whole slices."""
        xp = self.xp
        if self.order is not None:
            a = xp.permute_dims(a, self.order)
        if self.mask is not None:
            out = a[self.mask]
            return xp.moveaxis(out, 0, self.start) if self.start else out
        before, after = tuple(a.shape[:self.start]), tuple(a.shape[self.start + len(self.sizes):])
        merged = xp.reshape(a, before + (math.prod(self.sizes),) + after)
        return xp.reshape(xp.take(merged, self.flat, axis=self.start), before + self.picks_shape + after)

    def scatter(self, grad):
        """The gradient of :meth:`gather`: ``grad`` added into zeros of ``a``'s shape where each pick came from."""
        xp, start = self.xp, self.start
        moved = self.shape if self.order is None else tuple(self.shape[k] for k in self.order)
        if self.mask is not None:
            full = xp.zeros(moved, dtype=grad.dtype)
            full[self.mask] = xp.moveaxis(grad, start, 0) if start else grad  # each element picked once
        else:
            before, after = moved[:start], moved[start + len(self.sizes):]
            full = xp.zeros((math.prod(self.sizes),) + before + after, dtype=grad.dtype)   # the merged axis first
            spots, which = xp.unique_inverse(self.flat)   # the distinct flat positions; each pick's among them
            if spots.shape[0]:
                grad = xp.moveaxis(xp.reshape(grad, before + (self.flat.shape[0],) + after), start, -1)
                onehot = xp.astype(which[:, None] == xp.arange(spots.shape[0])[None, :], grad.dtype)
                sums = xp.moveaxis(xp.matmul(grad, onehot), -1, 0)   # one per distinct position, in order
                every = xp.arange(full.shape[0])
                found = xp.clip(xp.searchsorted(spots, every), max=spots.shape[0] - 1)
                full[xp.take(spots, found, axis=0) == every] = sums
            full = xp.reshape(xp.moveaxis(full, 0, start), moved)
        return full if self.order is None else xp.permute_dims(full, tuple(int(k) for k in np.argsort(self.order)))


def _axes_taken(item):
    """How many axes of the indexed array one index item consumes (``None``, ``...`` and a Python ``bool`` none)."""
    if item is None or item is Ellipsis or isinstance(item, bool):
        return 0
    return item.ndim if _is_mask(item) else 1


def _is_mask(item):
    """Whether an index item is a boolean array (a mask; a 0-d one too)."""
    return "bool" in str(getattr(item, "dtype", ""))


def _clip_slice(s, n):
    """``s`` with NumPy's out-of-range bounds clipped into the axis, in the form every Array API library accepts.

    >>> _clip_slice(slice(-10, 10), 3), _clip_slice(slice(None, None, -1), 3), _clip_slice(slice(5, 9), 3)
    (slice(0, None, 1), slice(2, None, -1), slice(0, 0, 1))
    """
    start, stop, step = s.indices(n)
    if len(range(start, stop, step)) == 0:
        return slice(0, 0, 1) if n else slice(None, None, 1)
    if step > 0:
        return slice(start, None if stop >= n else stop, step)
    return slice(start, None if stop < 0 else stop, step)


def _backend_item(xp, item):
    """One index item made backend-ready: an index array onto the backend, a 0-d integer array read as an integer
    and a 0-d boolean one as a Python ``bool`` (both as PyTorch reads them); a clear error for anything else."""
    if isinstance(item, (bool, np.bool_)):
        return bool(item)
    if isinstance(item, (int, slice)) or item is None or item is Ellipsis:
        return item
    if isinstance(item, np.integer):
        return int(item)
    if isinstance(item, Tensor):
        if not ("int" in dtype_name(item.dtype) or _is_mask(item)):
            kind = dtype_name(item.dtype)
            raise TypeError(f"Invalid type for argument `index`: index tensors must hold integers or booleans; "
                            f"received a tensor of dtype {kind}.{float_mask_hint(kind)}. Positions too: "
                            f"tg.tensor([0, 2]) is {kind}; pass the list itself, or build it with dtype='int64'")
        array = item.data if item.backend.xp is xp else xp.asarray(item.numpy())   # an index on another backend
        if dtype_name(item.dtype) == "uint8":
            array = _uint8_mask(xp, array)
    elif isinstance(item, (list, tuple, np.ndarray)):  # a tuple inside the index tuple reads as a list, as NumPy
        array = np.array(item)      # a copy: a later write of a NumPy index changes nothing (see getitem)
        if array.size == 0 and not isinstance(item, np.ndarray):  # x[[]], x[(),]: no values, so no floats either
            array = array.astype(np.intp)
        if array.dtype.kind not in "biu":
            raise TypeError(f"Index arrays must hold integers or booleans; received dtype {array.dtype}")
        array = xp.asarray(_uint8_mask(np, array) if array.dtype == np.uint8 else array)
    else:
        refuse_torch_tensor(item, "index a tinygradconv tensor with")
        if not hasattr(item, "dtype"):
            raise TypeError(f"Unsupported index {item!r} of type {type(item).__name__}")
        array = item
    if array.ndim == 0:
        return bool(array) if _is_mask(array) else int(array)
    return array


def _uint8_mask(xp, array):
    """A uint8 index array read as PyTorch reads it: a boolean mask (nonzero is True), with PyTorch's deprecation
    warning, not as positions (NumPy's reading, which gave other values and another shape silently)."""
    warnings.warn("Indexing with a uint8 tensor or array reads it as a boolean mask (nonzero is True), as PyTorch "
                  "does; PyTorch deprecates it: index with a bool mask instead (index != 0), or with int64 "
                  "positions (index.long()) for positions", UserWarning, stacklevel=caller_stacklevel())
    return array != 0


def refuse_one_value_through_uint8_mask(index, value):
    """``TypeError`` for ``t[index] = value`` where PyTorch refuses it: one value (a number, or a tensor or array of
    one element) written through an index whose only index tensor is a uint8 mask (``t[uint8_mask] = 0.0``,
    ``t[:, uint8_mask] = v``). PyTorch writes one value through a single mask with ``masked_fill_``
    (``canDispatchToMaskedFill``), which takes only bool masks; ours wrote it, reading the mask as bool, where
    PyTorch code fails (found by a reviewer). A value of several elements, or a second index tensor beside the mask
    (a list of positions, a Python ``bool``, a 0-d bool or uint8 tensor), goes through ``index_put_`` in PyTorch,
    which reads a uint8 mask as ``mask != 0`` with a warning, as :func:`getitem` does: written, as there."""
    items = index if isinstance(index, tuple) else (index,)
    masks = [item for item in items if getattr(item, "ndim", 0) and dtype_name(item.dtype) == "uint8"]  # (cheap first)
    if len(masks) != 1 or math.prod(getattr(value, "shape", ())) != 1 or sum(map(_is_index_tensor, items)) != 1:
        return
    raise TypeError(f"Invalid type for argument `index` of `t[index] = value`: one value is written through a mask "
                    f"only with a bool mask, as PyTorch (\"masked_fill_ only supports boolean masks\"); received a "
                    f"uint8 mask of shape {tuple(masks[0].shape)}. Index with a bool mask: t[mask != 0] = value (or "
                    f"mask.bool())")


def _is_index_tensor(item):
    """Whether PyTorch's indexing makes ``item`` an index tensor (``applySlicing``): an array, tensor, list or tuple,
    and a Python ``bool``; not an integer, a slice, ``None``, ``...`` or a 0-d integer tensor or array other than
    bool and uint8 (read as an integer)."""
    if isinstance(item, (bool, np.bool_, list, tuple)):
        return True
    if not hasattr(item, "dtype") or not hasattr(item, "ndim") or isinstance(item, np.generic):
        return False
    return item.ndim > 0 or dtype_name(item.dtype) in ("bool", "uint8")


def _check_in_range(xp, item, axis, shape):
    """``IndexError`` naming the axis, the index and the size for an integer (or integer array) out of range, or a
    boolean mask whose shape differs from the axes it covers (as PyTorch; NumPy's message would blame an index)."""
    if _is_mask(item):
        covered = shape[axis:axis + item.ndim]
        if tuple(item.shape) != covered:
            axes = f"axis {axis}" if item.ndim == 1 else f"axes {axis} to {axis + item.ndim - 1}"
            raise IndexError(f"The boolean mask of shape {tuple(item.shape)} does not match the shape {covered} of "
                             f"the {axes} it indexes (tensor of shape {shape})")
        return
    n = shape[axis]
    if isinstance(item, int):
        low = high = item
    elif item.size == 0:
        return
    else:
        low, high = int(xp.min(item)), int(xp.max(item))
    for i in (low, high):
        if not -n <= i < n:
            raise IndexError(f"Index {i} is out of range for axis {axis} of size {n} (tensor of shape {shape})")


def _normalized_index(xp, index, shape):
    """``(first, rest)``: ``index`` for an array of ``shape`` in the two steps PyTorch applies it, in forms every
    backend takes, so that ``a[first][rest]``, ``rest`` read with NumPy's rule, is PyTorch's ``a[index]``.

    ``first`` holds one item per axis of ``a`` and per new axis: the integers (range-checked: PyTorch's
    ``select``), the slices (clipped into range as NumPy; the Array API needs it), ``None``, and a whole slice for
    each axis an array indexes. ``rest``, None when there is no index array, indexes what ``first`` leaves, one
    item per axis: the integer and boolean arrays (on the backend, range- and shape-checked), each at its axis, and
    a whole slice for every other axis. An ``...`` becomes the whole slices it stands for, and so does the one
    left implicit at the end (so an ``...`` over no axis separates no arrays, as in PyTorch); a Python ``bool`` is,
    as in PyTorch, a new axis indexed by ``[0]`` (``True``) or ``[]`` (``False``); a 0-d integer array is an
    integer. NumPy would count the integers as arrays, which moves the arrays' axes when a slice separates an
    integer from an array (``a[0, :, [1, 1]]``).

    >>> import numpy as np
    >>> first, rest = _normalized_index(np, (0, Ellipsis, [2, 1]), (2, 3, 4))
    >>> first, rest
    ((0, slice(None, None, None), slice(None, None, None)), (slice(None, None, None), array([2, 1])))
    >>> _normalized_index(np, True, (2,))      # x[True]: x[None][[0]]
    ((None, slice(None, None, None)), (array([0]), slice(None, None, None)))
    """
    items = [_backend_item(xp, item) for item in (index if isinstance(index, tuple) else (index,))]
    if sum(item is Ellipsis for item in items) > 1:
        raise IndexError(f"An index can hold at most one ellipsis ('...'); received {index!r}")
    consumed = sum(_axes_taken(item) for item in items)
    if consumed > len(shape):
        raise IndexError(f"too many indices for a tensor of shape {shape}: {consumed} axes indexed")
    whole = slice(None)
    spread = [whole] * (len(shape) - consumed)      # the axes that `...`, or the end of the index, stands for
    at = next((k for k, item in enumerate(items) if item is Ellipsis), len(items))
    items[at:at + 1] = spread
    first, rest, axis = [], [], 0   # `axis`: the axis of `shape` the item indexes
    arrays = []                     # (integer array, its axis): range-checked once all are known
    for item in items:
        if isinstance(item, bool):
            first.append(None)
            rest.append(xp.asarray([0] if item else [], dtype=xp.int64))
        elif item is None:
            first.append(None)
            rest.append(whole)
        elif isinstance(item, int):
            _check_in_range(xp, item, axis, shape)
            first.append(item)
            axis += 1
        elif isinstance(item, slice):
            first.append(item if item.start is None and item.stop is None else _clip_slice(item, shape[axis]))
            rest.append(whole)
            axis += 1
        else:
            if _is_mask(item):
                _check_in_range(xp, item, axis, shape)
            else:
                arrays.append((item, axis))
            first += [whole] * _axes_taken(item)
            rest.append(item)
            axis += _axes_taken(item)
    # the integer arrays broadcast together: when one is empty (a False), no pick is made and, as in PyTorch,
    # none is range-checked (x[False, [5]] of 3 rows is empty)
    if not any(hasattr(item, "dtype") and not _is_mask(item) and item.size == 0 for item in rest):
        for item, at_axis in arrays:
            _check_in_range(xp, item, at_axis, shape)
    return tuple(first), (tuple(rest) if any(hasattr(item, "dtype") for item in rest) else None)


def getitem(x, index):
    """``x[index]``: integers, slices (negative steps too), ``None``, ``...``, integer arrays and boolean masks,
    with PyTorch's values and gradients (repeated picks add up in the gradient).

    Mixed indices follow PyTorch, not NumPy: the integers are applied first, each removing its axis, and the
    arrays after, to the axes that remain. Arrays that stand next to each other there (no slice, ``None`` or other
    axis between them) put their result axes in their place; arrays separated by one put them first. So
    ``x[0, :, [1, 1]]`` of a ``(2, 3, 4)`` tensor is ``x[0][:, [1, 1]]``, of shape ``(3, 2)`` as in PyTorch, where
    NumPy counts the ``0`` as an array separated from ``[1, 1]`` by the slice and gives ``(2, 3)``. A 0-d integer
    array is an integer, an ``...`` that covers no axis separates nothing (both as PyTorch; NumPy differs), and a
    Python ``bool`` is a new axis indexed by ``[0]`` (``True``) or ``[]`` (``False``), so ``x[True]`` of a
    ``(2, 3, 4)`` tensor is ``(1, 2, 3, 4)``. Without integers beside arrays, and without ``...`` between arrays,
    NumPy's rule is the same. Every backend takes every index, array_api_strict too (the Array API itself
    specifies integer arrays only beside integers, and a mask only alone).

    Args:
        x: the tensor.
        index: an integer, slice, ``None``, ``...``, integer or boolean array (a list, a NumPy array or a
            Tensor), or a tuple of them. A uint8 array or tensor is a boolean mask (nonzero is True), as PyTorch
            reads it, with a ``UserWarning``: PyTorch deprecates it; index with a bool mask (or int64 positions).

    Integers, slices, ``None`` and ``...`` give a view of ``x``'s memory, as PyTorch's select, slice and
    unsqueeze, even one integer per axis (``w = y[0]``, a 0-d view where NumPy would give a scalar of its own: a
    later ``y[0] = 5`` shows in ``w``, as in PyTorch); integer arrays and masks give a copy.

    Returns:
        Tensor: the picked elements.

    Raises:
        IndexError: for an integer out of range, a mask whose shape differs from the axes it covers, index
            arrays that do not broadcast together, more indices than axes, or two ``...``.
        TypeError: for an ``x`` that is not a Tensor, an index array of floats, or an index of another type (a
            PyTorch tensor among them).
        ValueError: for an index tensor on another backend than ``x``'s, unless it is on ``numpy`` (PyTorch takes
            CPU indices for a CUDA tensor and refuses CUDA indices for a CPU one):
            :func:`~tinygradconv.index_check.check_index_backend`.
        RuntimeError: from the backward pass, when an index tensor (not a 0-d one) was written in place since
            the forward pass, as PyTorch's ``IndexBackward`` refuses it (it saves the index tensors). A NumPy
            array or list index is copied: a later write of it changes nothing, and the gradient is the one of
            the forward pass that ran. PyTorch 2.13 differs for an int64 or bool NumPy index, whose memory it
            shares without a version counter: a later write moves its gradient silently (an int32 one it copies).

    >>> import numpy as np
    >>> import tinygradconv as tg
    >>> x = tg.tensor(np.arange(24.0).reshape(2, 3, 4), requires_grad=True)
    >>> y = x[0, :, [1, 1]]
    >>> y.shape, np.arange(24.0).reshape(2, 3, 4)[0, :, [1, 1]].shape
    ((3, 2), (2, 3))
    >>> y.tolist()
    [[1.0, 1.0], [5.0, 5.0], [9.0, 9.0]]
    >>> y.sum().backward()
    >>> x.grad[0].tolist()
    [[0.0, 2.0, 0.0, 0.0], [0.0, 2.0, 0.0, 0.0], [0.0, 2.0, 0.0, 0.0]]
    """
    if isinstance(x, Tensor):       # (anything else: GetItem's TypeError)
        check_index_backend(x, index)   # an index tensor on a GPU backend for a CPU tensor: refused, as PyTorch
    # the backward pass scatters through the index tensors' own memory, as PyTorch's IndexBackward saves them: a
    # later write of one (`idx[0] = 2`) is refused there, as PyTorch refuses it, rather than giving a gradient at
    # the new positions (a 0-d one is read as an integer now, as PyTorch's select: nothing to check)
    return in_place.check_writes_of(GetItem.apply(x, index=index), *index_tensors(index))


def index_tensors(index):
    """The tensors of ``index`` that are index arrays (not a 0-d one, read as an integer): PyTorch's node of
    ``x[index]`` and of ``x[index] = v`` saves them, and refuses its backward pass once one was written in place."""
    return [item for item in (index if isinstance(index, tuple) else (index,))
            if isinstance(item, Tensor) and item.ndim > 0]


def _in_one_dtype(xp, arrays):
    """``arrays`` cast to one dtype, :func:`~tinygradconv.ops.elementwise.promoted_dtype` of theirs (``[bool,
    int8]`` int8, ``[int32, float32]`` float32, as ``torch.cat`` and ``keras.ops.concatenate``): array-api-strict
    refuses to join mixed kinds ("bool and int8 cannot be type promoted together"), and NumPy
    and CuPy would join int32 with float32 in float64, so every backend gives the same result."""
    names = [dtype_name(a.dtype) for a in arrays]
    if len(set(names)) == 1:
        return arrays
    name = promoted_dtype(*names)
    return [_cast_to(xp, a, name) for a in arrays]


@register_op("concat", samples=lambda rng: [Sample((rng.standard_normal((2, 3)), rng.standard_normal((2, 1)),
                                                     rng.standard_normal((2, 2))), {"axis": 1})],
             special_points=_join_special_points)
class Concat(Function):
    """Join tensors along an existing axis; the backward cuts the gradient back into the pieces.

    A 1-D empty tensor (shape ``(0,)``) beside tensors of other shapes is passed over, as ``torch.cat`` passes it
    over (its legacy rule: ``cat([ones((2, 3)), zeros(0)])`` is the ``(2, 3)`` tensor), still counting for the
    result's dtype; its gradient is empty. ``keras.ops.concatenate`` gives the same on Keras' torch backend (it
    calls ``torch.cat``); NumPy's ``concatenate``, behind Keras' numpy backend, refuses it."""

    @staticmethod
    def forward(ctx, *arrays, axis):
        if any(a is None for a in arrays):
            raise ValueError(f"concat: shapes {[None if a is None else tuple(a.shape) for a in arrays]} differ")
        kept = [tuple(a.shape) != (0,) for a in arrays]     # torch: a 1-D empty tensor is passed over...
        if not any(kept):
            kept = [True] * len(arrays)                     # ...unless all are
        joined = [a for a, keep in zip(arrays, kept) if keep]
        first = joined[0].shape
        if len(first) == 0:
            raise ValueError("concat: zero-dimensional tensors cannot be concatenated (use stack)")
        axis = axis_index(axis, len(first), "concat")
        for a in joined:
            if len(a.shape) != len(first) or \
                    any(m != n for i, (m, n) in enumerate(zip(a.shape, first)) if i != axis):
                raise ValueError(f"concat: shapes {[tuple(a.shape) for a in arrays]} differ outside axis {axis} "
                                 "(a 1-D empty tensor, shape (0,), is passed over, as torch.cat)")
        ctx.axis = axis
        ctx.sizes = [a.shape[axis] if keep else None for a, keep in zip(arrays, kept)]
        in_one = _in_one_dtype(ctx.xp, arrays)          # every piece counts for the dtype, as in torch.cat
        return ctx.xp.concat([b for b, keep in zip(in_one, kept) if keep], axis=axis)

    @staticmethod
    def backward(ctx, grad):
        pieces, start = [], 0
        for n in ctx.sizes:
            if n is None:                               # a 1-D empty tensor passed over: an empty gradient
                pieces.append(ctx.xp.zeros((0,), dtype=grad.dtype))
                continue
            index = (slice(None),) * ctx.axis + (slice(start, start + n), Ellipsis)
            pieces.append(grad[index])
            start += n
        return tuple(pieces)


@register_op("stack", samples=lambda rng: [Sample((rng.standard_normal((2, 3)), rng.standard_normal((2, 3))),
                                                  {"axis": 1})],
             special_points=_stack_special_points)
class Stack(Function):
    """Join same-shaped tensors along a new axis; the backward picks each slice of the gradient."""

    @staticmethod
    def forward(ctx, *arrays, axis):
        if any(a is None or a.shape != arrays[0].shape for a in arrays):
            raise ValueError(f"stack: all shapes must be equal; received "
                             f"{[None if a is None else tuple(a.shape) for a in arrays]}")
        axis = axis_index(axis, arrays[0].ndim + 1, "stack")
        ctx.axis, ctx.count = axis, len(arrays)
        return ctx.xp.stack(_in_one_dtype(ctx.xp, arrays), axis=axis)

    @staticmethod
    def backward(ctx, grad):
        return tuple(grad[(slice(None),) * ctx.axis + (i, Ellipsis)] for i in range(ctx.count))


@register_op("pad", samples=lambda rng: [Sample((rng.standard_normal((2, 3)),),
                                                {"pad_width": ((1, 0), (2, 1)), "value": 0.5}),
                                         Sample((rng.standard_normal((3, 4)),),            # crops and pads
                                                {"pad_width": ((-1, 1), (2, -2)), "value": 0.5})],
             special_points=_pad_special_points)
class Pad(Function):
    """Surround with a constant; a negative width crops instead, as ``torch.nn.functional.pad``. The backward
    crops the gradient back to the kept window and puts it where that window was in the input (0 for the cropped
    elements, whose values never reach the output)."""

    @staticmethod
    def forward(ctx, a, pad_width, value):
        xp = ctx.xp
        pad_width = _pad_widths(pad_width, a.ndim, tuple(a.shape))
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"Invalid type for argument `value` of pad: expected a number. Received value={value!r}")
        # the input's elements kept (a negative width crops them away) and where they land in the output
        kept = tuple(slice(max(-before, 0), n - max(-after, 0)) for n, (before, after) in zip(a.shape, pad_width))
        shape = tuple(n + before + after for n, (before, after) in zip(a.shape, pad_width))
        window = tuple(slice(max(before, 0), max(before, 0) + (k.stop - k.start))
                       for k, (before, _) in zip(kept, pad_width))
        out = xp.full(shape, value, dtype=a.dtype)
        out[window] = a[kept]
        ctx.window, ctx.kept, ctx.input_shape = window, kept, tuple(a.shape)
        return out

    @staticmethod
    def backward(ctx, grad):
        if all(k.start == 0 and k.stop == n for k, n in zip(ctx.kept, ctx.input_shape)):
            return grad[ctx.window]                     # nothing cropped: the window is the whole input
        out = ctx.xp.zeros(ctx.input_shape, dtype=grad.dtype)
        out[ctx.kept] = grad[ctx.window]
        return out


def _pad_widths(pad_width, ndim, shape=None):
    """``pad_width`` as one ``(before, after)`` pair of ints per axis (``TypeError`` for floats or bools,
    ``ValueError`` for a wrong count). A negative width crops, as ``torch.nn.functional.pad``; with ``shape``, a
    ``ValueError`` where the crops of an axis remove more elements than it has (PyTorch's "narrow(): length must
    be non-negative")."""
    try:
        pairs = tuple(tuple(pair) for pair in pad_width)
    except TypeError:
        raise TypeError(f"pad: `pad_width` must be (before, after) pairs of integers, one per axis. Received "
                        f"pad_width={pad_width!r}") from None
    if len(pairs) != ndim or any(len(pair) != 2 for pair in pairs):
        raise ValueError(f"pad: `pad_width` must hold one (before, after) pair for each of the {ndim} axes. "
                         f"Received pad_width={pad_width!r}")
    pairs = tuple(tuple(integer(n, "pad_width", minimum=None, shown=pad_width) for n in pair) for pair in pairs)
    for axis, (n, (before, after)) in enumerate(zip(shape or (), pairs)):
        if max(-before, 0) + max(-after, 0) > n:
            raise ValueError(f"Invalid value for argument `pad_width`. Expected negative widths (crops) that remove "
                             f"at most the {n} elements of axis {axis}. Received pad_width={pad_width!r} for "
                             f"shape {tuple(shape)}")
    return pairs


# ------------------------------------------------------------------------------------------- functional API
def _tensor(x):
    return x if isinstance(x, Tensor) else Tensor(x)


def ints_or_keyword(op, positional, keyword, value):
    """The ints of PyTorch's ``*shape``/``*dims`` arguments, given one by one, as one tuple or list, or by their
    keyword (``reshape(shape=(4, 6))``, ``permute(dims=...)``, ``flip(dims=...)``, as PyTorch takes them), as a
    tuple; a ``TypeError`` when both are given.

    >>> ints_or_keyword("reshape", (4, 6), "shape", NOT_GIVEN), ints_or_keyword("reshape", (), "shape", [4, 6])
    ((4, 6), (4, 6))
    """
    if value is not NOT_GIVEN:
        if positional:
            raise TypeError(f"{op}() got its `{keyword}` both as positional arguments {positional} and as the keyword "
                            f"{keyword}={value!r}: give one of them")
        positional = (value,)
    if len(positional) == 1 and isinstance(positional[0], (tuple, list)):
        return tuple(positional[0])
    return positional


def reshape(x, *sizes, shape=NOT_GIVEN):
    """``x`` with a new shape (one entry may be -1); the element count must match. The shape is given as ints, as
    one tuple or list, or as PyTorch's keyword ``shape=``.

    >>> import tinygradconv as tg
    >>> reshape(tg.tensor([1.0, 2.0, 3.0, 4.0]), 2, -1).shape, tg.tensor([1.0, 2.0]).reshape(shape=(2, 1)).shape
    ((2, 2), (2, 1))
    """
    x = _tensor(x)
    shape = ints_or_keyword("reshape", sizes, "shape", shape)
    return ReshapeOp.apply(x, shape=shape)  # checked by the op (integers, one -1, the element count)


def permute(x, *axes, dims=NOT_GIVEN):
    """Reorder the axes of ``x`` (``permute(2, 0, 1)``, ``permute((2, 0, 1))``, or PyTorch's keyword ``dims=``)."""
    x = _tensor(x)
    axes = ints_or_keyword("permute", axes, "dims", dims)
    return Permute.apply(x, axes=axes)  # checked by the op


def transpose(x, *axes, dim0=NOT_GIVEN, dim1=NOT_GIVEN):
    """Reverse all axes (no arguments), swap two axes (``transpose(x, 0, 1)``, or with PyTorch's keywords
    ``dim0=``, ``dim1=``), or apply a full permutation given as one tuple (``transpose(x, (2, 0, 1))``, as NumPy). A
    rank-0 tensor has one dimension to name, ``0`` or ``-1``, and comes back unchanged (``transpose(x, 0, -1)``),
    as PyTorch's.

    Raises:
        AxisError: an axis out of range (a ``ValueError`` and an ``IndexError``). ValueError: another number of axes
            than none, two or one full permutation. TypeError: ``dim0`` given twice (positional and keyword), or one
            of ``dim0``/``dim1`` without the other (as PyTorch).

    >>> import tinygradconv as tg
    >>> row = tg.tensor([[1.0, 2.0, 3.0]])
    >>> transpose(row, 0, 1).shape, transpose(row, dim0=0, dim1=1).shape, row.transpose(0, dim1=-1).shape
    ((3, 1), (3, 1), (3, 1))
    """
    x = _tensor(x)
    if dim0 is not NOT_GIVEN or dim1 is not NOT_GIVEN:
        given = {"dim0": dim0, "dim1": dim1}
        named = dict(zip(("dim0", "dim1"), axes))
        twice = [k for k in named if given[k] is not NOT_GIVEN]
        if twice or len(axes) > 2:
            raise TypeError(f"transpose() got multiple values for `{(twice or ['dim0'])[0]}`: received the positional "
                            f"{axes} and the keywords {({k: v for k, v in given.items() if v is not NOT_GIVEN})}")
        named.update({k: v for k, v in given.items() if v is not NOT_GIVEN})
        if len(named) != 2:
            raise TypeError(f"transpose() missing the argument `{'dim1' if 'dim0' in named else 'dim0'}`: swapping "
                            f"two dimensions takes both dim0 and dim1 (as PyTorch); received {named}")
        axes = (named["dim0"], named["dim1"])
    if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
        return permute(x, tuple(axes[0]))
    if not axes:
        return permute(x, tuple(reversed(range(x.ndim))))
    if len(axes) != 2:
        raise ValueError(f"transpose() takes no axes, two axes to swap, or one full permutation tuple; "
                         f"received {axes}. Use permute() to reorder several axes.")
    # a rank-0 tensor has dimension 0 and -1 and stays itself, as PyTorch's x.transpose(0, -1)
    i, j = (axis_index(a, x.ndim, "transpose", scalar_axis=True) for a in axes)
    order = list(range(x.ndim))
    if order:
        order[i], order[j] = order[j], order[i]
    return permute(x, order)


def _same_backend(tensors, name):
    if isinstance(tensors, (Tensor, np.ndarray)):
        raise TypeError(f"{name}() takes a sequence of tensors, not one {type(tensors).__name__}: "
                        f"{name}([a, b]), not {name}(a)")
    if isinstance(tensors, (str, bytes, dict)) or not hasattr(tensors, "__iter__"):
        # as torch.cat(None): "argument 'tensors' (position 1) must be tuple of Tensors, not NoneType"
        raise TypeError(f"{name}() argument `tensors` must be a list or tuple of tensors; received {tensors!r} "
                        f"(type {type(tensors).__name__})")
    tensors = list(tensors)
    if not tensors:
        raise ValueError(f"{name}() needs at least one tensor")
    like = next((t for t in tensors if isinstance(t, Tensor)), None)
    if like is None:
        return [_tensor(t) for t in tensors]
    # a NumPy array beside a tensor is taken as the binary operators take it (`t + array`: Tensor._lift), on the
    # tensor's backend and keeping its integer or float dtype (an int64 array beside an int64 tensor stays int64,
    # as torch.cat with torch.from_numpy(array)); not as tensor(array), which makes integer data float32
    return [t if isinstance(t, Tensor) else like._lift(t) if _is_array(t) else _tensor(t) for t in tensors]


def _is_array(x):
    """Whether ``x`` is an array (NumPy or another backend's), not a NumPy scalar, list or Tensor."""
    return hasattr(x, "dtype") and hasattr(x, "shape") and not isinstance(x, (Tensor, np.generic))


def concat(tensors, axis=NOT_GIVEN, *, dim=None):
    """Join tensors along ``axis`` (``keras.ops.concatenate``; ``dim`` is ``torch.cat``'s name for it); all other
    dimensions must match. Mixed dtypes join in the dtype of ``+``
    (:func:`~tinygradconv.ops.elementwise.promoted_dtype`): ``[bool, int8]`` is int8, ``[int64, float32]`` float32
    and ``[int8, float16, float32]`` float32, as ``torch.cat`` and ``keras.ops.concatenate`` give them. A NumPy
    array beside a tensor is taken as the binary operators take it (``t + array``): on the tensor's backend, in
    its own dtype when that is a float or (beside an integer tensor) an integer one, so ``[int64 tensor,
    np.array([2**40 + 3])]`` is int64 and exact and ``[float16 tensor, np.array([2])]`` float16, as ``torch.cat``
    of ``torch.from_numpy(array)``. A list, or arrays alone, are converted by :class:`~tinygradconv.Tensor`'s rule.

    A 1-D empty tensor (shape ``(0,)``) is passed over, as ``torch.cat`` does (:class:`Concat`).

    Raises:
        ValueError: shapes that differ outside ``axis``, an axis out of range, rank-0 tensors (use :func:`stack`).
        TypeError: ``axis`` and ``dim`` both given.

    >>> concat([[1.0, 2.0], [3.0]], dim=0).tolist()
    [1.0, 2.0, 3.0]
    """
    axis = axis_or_dim("concat", axis, dim, default=0)
    return Concat.apply(*_same_backend(tensors, "concat"), axis=axis)  # shapes and axis checked by the op


def stack(tensors, axis=NOT_GIVEN, *, dim=None):
    """Join same-shaped tensors along a new ``axis`` (``keras.ops.stack``; ``dim`` is ``torch.stack``'s name).
    Mixed dtypes, and NumPy arrays beside tensors, join as in :func:`concat` (``[int64, float32]`` is float32).

    Raises:
        ValueError: shapes that differ, an axis out of range. TypeError: ``axis`` and ``dim`` both given.

    >>> stack([[1.0, 2.0], [3.0, 4.0]], dim=1).tolist()
    [[1.0, 3.0], [2.0, 4.0]]
    """
    axis = axis_or_dim("stack", axis, dim, default=0)
    return Stack.apply(*_same_backend(tensors, "stack"), axis=axis)  # shapes and axis checked by the op


def axis_or_dim(op, axis, dim, default):
    """``axis`` (``default`` when not given), or PyTorch's ``dim`` when given instead (a ``TypeError`` for both,
    whatever their values, as the reductions)."""
    if dim is None:
        return default if axis is NOT_GIVEN else axis
    if axis is not NOT_GIVEN:
        raise TypeError(f"{op}() got both `axis` and `dim` (PyTorch's name for it): received axis={axis!r}, "
                        f"dim={dim!r}. Pass one of them")
    return dim


def pad(x, pad_width, value=0.0, mode="constant"):
    """Pad ``x`` axis by axis **from the first axis**, as ``np.pad`` and ``keras.ops.pad``: not in the order of
    ``torch.nn.functional.pad``, whose flat tuple starts with the *last* axis.

    ``pad_width`` is ``((before_0, after_0), (before_1, after_1), ...)``, one pair per axis from axis 0. One pair
    ``(before, after)`` (or ``((before, after),)``), or one int ``n`` for ``(n, n)``, pads *every* axis alike:
    NumPy's rule, as Keras documents it. On ``x`` of shape ``(2, 3, 4)``, ``pad(x, (1, 2))`` has shape
    ``(5, 6, 7)``, as ``np.pad``; PyTorch's ``F.pad(x, (1, 2))`` pads the last axis only, ``(2, 3, 7)``, and so
    does ``keras.ops.pad(x, (1, 2))`` on Keras 3.15's torch backend (it reverses the pairs and calls ``F.pad``),
    against its own documentation. To port ``F.pad``, read its tuple two
    numbers at a time from the end: ``F.pad(x, (1, 2))`` is ``pad(x, ((0, 0),) * (x.ndim - 1) + ((1, 2),))``, and
    ``F.pad(x, (left, right, top, bottom))`` on ``(N, C, H, W)`` is
    ``pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))``. A flat tuple of 4 or more numbers (torch's form)
    is refused with that translation.

    ``mode`` (``keras.ops.pad``'s and ``np.pad``'s names, which every Keras backend has):

    * ``"constant"``: ``value`` on both sides (``F.pad``'s ``value``; Keras' ``constant_values``). A negative width
      crops that many elements from that end instead, as ``F.pad`` (and ``keras.ops.pad`` on the torch backend;
      ``np.pad`` refuses negative widths); the cropped elements get gradient 0.
    * ``"reflect"``: the mirror image about the edge element, without repeating it (``[1, 2, 3]`` padded by
      ``(2, 1)`` is ``[3, 2, 1, 2, 3, 2]``), as ``np.pad`` and ``F.pad(..., mode="reflect")``, repeated for widths
      past the axis as ``np.pad`` (``F.pad`` wants widths below the axis size).
    * ``"symmetric"``: the mirror image including the edge element (``[1, 2, 3]`` by ``(2, 1)`` is
      ``[2, 1, 1, 2, 3, 3]``), as ``np.pad`` and Keras on the NumPy, JAX and TensorFlow backends (Keras' torch
      backend computes torch's ``"replicate"`` instead, ``[1, 1, 1, 2, 3, 3]``; PyTorch has no such mode).

    In the mirror modes each output element is a copy of an input element, which gets the sum of its copies'
    gradients. The output has ``n + before + after`` elements on an axis of ``n``, the dtype of ``x``.

    Raises:
        TypeError: a width that is not an integer (a float or a bool), a ``value`` that is not a number, a float
            ``value`` other than a whole number for an integer tensor, a number other than 0 and 1 for a bool one, a
            string ``value`` (``F.pad``'s and Keras' third argument is ``mode``; write ``mode="reflect"``).
        ValueError: an integer ``value`` out of the range of an integer tensor's dtype (``300`` for int8), as
            ``fill_`` and ``masked_fill`` (PyTorch's ``F.pad`` converts it unchecked); a finite ``value`` beyond a
            float tensor's largest number (``1e39`` for float32, ``1e5`` for float16; ``inf`` is taken), as
            ``fill_`` and ``masked_fill`` and as PyTorch's ``F.pad``; a wrong number of pairs, a flat tuple of 4 or
            more widths (torch's order), crops that remove more elements than the axis has
            (``((-2, -2),)`` on 3 elements; PyTorch raises a ``RuntimeError`` there), a ``mode`` other than the
            three above (PyTorch's ``"replicate"`` and ``"circular"`` are not supported), or with
            ``"reflect"``/``"symmetric"``: a negative width, an empty axis to pad, a ``value`` other than 0.

    See https://numpy.org/doc/stable/reference/generated/numpy.pad.html, https://keras.io/api/ops/numpy/#pad-function
    and, for torch's order, https://pytorch.org/docs/stable/generated/torch.nn.functional.pad.html.

    >>> import tinygradconv as tg
    >>> x = tg.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    >>> y = pad(x, ((0, 0), (-1, 2)), value=9.0)      # crop one element at the start, add two at the end
    >>> y.tolist()
    [[2.0, 3.0, 9.0, 9.0]]
    >>> y.sum().backward(); x.grad.tolist()
    [[0.0, 1.0, 1.0]]
    >>> pad(x, ((0, 0), (2, 1)), mode="reflect").tolist()
    [[3.0, 2.0, 1.0, 2.0, 3.0, 2.0]]
    >>> pad(tg.tensor([[1.0, 2.0]]), (1, 0)).tolist()        # one pair: every axis, as NumPy (and Keras' docs)
    [[0.0, 0.0, 0.0], [0.0, 1.0, 2.0]]
    """
    x = _tensor(x)
    if isinstance(value, str):
        raise TypeError(f"Invalid type for argument `value` of pad: expected a number. Received value={value!r}; "
                        f"the third argument is the fill value here (torch's F.pad and keras.ops.pad take "
                        f"the mode third): write mode={value!r}")
    if not isinstance(mode, str) or mode not in _PAD_MODES:      # an array: no `in` test
        raise ValueError(f"Invalid value for argument `mode` of pad: expected one of {_PAD_MODES} (keras.ops.pad's "
                         f"names; PyTorch's 'reflect' is 'reflect' here, its 'replicate' and 'circular' are not "
                         f"supported). Received mode={mode!r}")
    given, pad_width = pad_width, _per_axis(pad_width, x.ndim)
    padded_fits(x, _pad_widths(pad_width, x.ndim), "pad", f"pad_width={given!r}")
    if mode != "constant":
        return _mirror_pad(x, _pad_widths(pad_width, x.ndim), value, mode)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"Invalid type for argument `value` of pad: expected a number. Received value={value!r}")
    name = dtype_name(x.dtype)
    if not name.startswith("float"):
        # 0.0, the default, is 0 for integers and False for bools; 0.5 and 1e300 are refused, as `t.fill_(0.5)` is
        whole = whole_number_to_write(value, name, argument="`value` of pad", verb="pad")
        if name == "bool" and type(whole) is int and whole in (0, 1):
            whole = bool(whole)
        if name != "bool":                          # an integer beyond the dtype (300 for int8): ValueError
            refuse_out_of_range(whole, name, "value", "pad")    # (as fill_, t[i] = v, masked_fill, full_like)
        elif not _number_fits(whole, name):         # 2 for bool
            raise TypeError(f"Invalid type for argument `value` of pad: {value!r} cannot pad a bool tensor "
                            f"unchanged (it holds True or False, or 0 or 1); cast the tensor first, e.g. "
                            f"x.astype('float32')")
    else:                                           # 1e39 for float32, 1e5 for float16: ValueError, not inf
        refuse_out_of_range(value, name, "value", "pad")        # (as fill_, masked_fill, full_like; F.pad too)
    return Pad.apply(x, pad_width=_pad_widths(pad_width, x.ndim, tuple(x.shape)), value=float(value))


def padded_fits(x, pairs, where, arguments):
    """A ValueError naming ``arguments`` when ``x`` padded by ``pairs`` (one ``(before, after)`` per axis) would not
    fit in memory (:func:`~tinygradconv.validation.size_fits`), before NumPy's ``MemoryError: Unable to allocate
    18.2 TiB`` or "Maximum allowed dimension exceeded" (``pad(x, 10**30)``, found by a tester)."""
    shape = tuple(n + before + after for n, (before, after) in zip(x.shape, pairs))
    size_fits(where, f"the padded output of shape {shape}",
              math.prod(max(n, 0) for n in shape) * np.dtype(dtype_name(x.dtype)).itemsize, arguments, x._data)


#: The modes :func:`pad` takes (``keras.ops.pad``'s names, common to all its backends).
_PAD_MODES = ("constant", "reflect", "symmetric")


def _per_axis(pad_width, ndim):
    """NumPy's shorthands as one pair per axis: an int ``n`` is ``(n, n)`` and one pair (or ``(pair,)``) is that
    pair for every axis. A flat tuple of 4 or more ints, torch's ``F.pad`` form, is a ``ValueError`` that says
    how to write it here."""
    if isinstance(pad_width, (numbers.Integral, np.integer)) and not isinstance(pad_width, bool):
        return ((pad_width, pad_width),) * ndim
    widths = np.asarray(pad_width, dtype=object)
    if widths.shape == (2,):
        return ((pad_width[0], pad_width[1]),) * ndim
    if widths.shape == (1, 2) and ndim != 1:
        return (tuple(pad_width[0]),) * ndim
    flat = widths.ndim == 1 and len(widths) >= 4 and len(widths) % 2 == 0
    if flat and all(isinstance(n, (numbers.Integral, np.integer)) and not isinstance(n, bool) for n in widths):
        pairs = [tuple(int(n) for n in widths[i:i + 2]) for i in range(0, len(widths), 2)][::-1]
        shown = (f"F.pad's padding is pad_width={tuple([(0, 0)] * (ndim - len(pairs)) + pairs)!r} here"
                 if len(pairs) <= ndim else f"it names {len(pairs)} axes, and x has {ndim}")
        raise ValueError(f"Invalid value for argument `pad_width` of pad: expected one (before, after) pair per axis "
                         f"from the first (NumPy's and Keras' order). Received pad_width={pad_width!r}, a flat tuple "
                         f"as torch.nn.functional.pad takes it, pairs from the last axis: {shown}")
    return pad_width


def _mirror_pad(x, pad_width, value, mode):
    """``x`` padded in a mirror ``mode`` (``"reflect"`` or ``"symmetric"``): on each axis one gather of input
    positions, whose backward sums each output's gradient into the element it was copied from."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or value != 0:
        raise ValueError(f"Invalid value for argument `value` of pad: a fill value is for mode='constant' only (as "
                         f"keras.ops.pad's constant_values). Received value={value!r} with mode={mode!r}")
    for axis, (n, (before, after)) in enumerate(zip(x.shape, pad_width)):
        if before < 0 or after < 0 or (n == 0 and before + after > 0):
            raise ValueError(f"Invalid value for argument `pad_width` of pad: mode={mode!r} takes widths of 0 or "
                             f"more on axes of at least one element (cropping is for mode='constant'). Received "
                             f"pad_width={pad_width!r} for shape {tuple(x.shape)} (axis {axis})")
        if before or after:
            x = x[(slice(None),) * axis + (_mirror_indices(n, before, after, mode),)]
    return x


def _mirror_indices(n, before, after, mode):
    """The input positions that the ``before + n + after`` outputs of a mirror-padded axis of ``n`` copy: position
    ``i`` (from ``-before``) folded back into ``[0, n)``. The fold repeats with period ``2n`` for ``"symmetric"``
    (``-1 -> 0``, ``n -> n - 1``) and ``2(n - 1)`` for ``"reflect"`` (``-1 -> 1``, ``n -> n - 2``), as ``np.pad``."""
    i = np.arange(-before, n + after)
    if mode == "symmetric":
        j = np.mod(i, 2 * n)
        return np.where(j >= n, 2 * n - 1 - j, j)
    if n == 1:
        return np.zeros_like(i)                   # one element reflects onto itself (np.pad too)
    j = np.mod(i, 2 * (n - 1))
    return np.where(j > n - 1, 2 * (n - 1) - j, j)


# ------------------------------------------------------------------------------------------- PyTorch's views
def _dims(dims, ndim, op, name):
    """``dims`` (an int, or a tuple or list of ints) as a list of non-negative dimensions, PyTorch's range."""
    listed = list(dims) if isinstance(dims, (tuple, list)) else [dims]
    return [dim_index(d, ndim, op, name) for d in listed]


def movedim(x, source, destination, op="movedim"):
    """``x`` with its dimensions ``source`` (an int or a sequence of ints) moved to the positions
    ``destination``, the others keeping their order, as ``torch.movedim`` (``np.moveaxis``): a :class:`Permute`,
    so a view of ``x`` as in PyTorch.

    Raises:
        TypeError: a dimension that is not an int.
        IndexError: a dimension out of range (also a ``ValueError``; :func:`~tinygradconv.validation.dim_index`).
        ValueError: ``source`` and ``destination`` of different lengths, or a dimension repeated in either
            (PyTorch: "movedim: repeated dim in `source` ([0, 0])").

    >>> import numpy as np
    >>> import tinygradconv as tg
    >>> movedim(tg.tensor(np.zeros((2, 3, 4))), (0, 1), (2, 0)).shape
    (3, 4, 2)
    """
    x = _tensor(x)
    sources, destinations = _dims(source, x.ndim, op, "source"), _dims(destination, x.ndim, op, "destination")
    if len(sources) != len(destinations):
        raise ValueError(f"Invalid value for arguments `source` and `destination` of {op}: expected as many "
                         f"destinations as sources (as PyTorch). Received source={source!r}, "
                         f"destination={destination!r}")
    for name, dims, given in (("source", sources, source), ("destination", destinations, destination)):
        if len(set(dims)) != len(dims):
            raise ValueError(f"Invalid value for argument `{name}` of {op}: a dimension is repeated (PyTorch: "
                             f"\"{op}: repeated dim in `{name}`\"). Received {name}={given!r}")
    rest = iter(d for d in range(x.ndim) if d not in sources)
    placed = dict(zip(destinations, sources))
    return Permute.apply(x, axes=tuple(placed[i] if i in placed else next(rest) for i in range(x.ndim)))


def narrow(x, dim, start, length):
    """``length`` elements of ``x`` along ``dim`` from ``start`` (negative: counted from the end), as
    ``torch.narrow``: ``x[..., start:start + length, ...]``, a view as in PyTorch.

    Raises:
        TypeError: ``dim``, ``start`` or ``length`` not an int (``start`` may be a 0-d integer tensor, ``length``
            an integer tensor of one element of any rank, ``tg.tensor([2], dtype="int64")``, as PyTorch takes them).
        IndexError: ``dim`` out of range, or ``start`` outside ``[-size, size]`` (PyTorch's class: "start out of
            range").
        ValueError: a rank-0 ``x``, a negative ``length``, or ``start + length`` beyond the size (PyTorch raises
            ``RuntimeError``: "start (2) + length (2) exceeds dimension size (3).").

    >>> import tinygradconv as tg
    >>> narrow(tg.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]), 1, -2, 2).tolist()
    [[1.0, 2.0], [4.0, 5.0]]
    """
    x = _tensor(x)
    if x.ndim == 0:
        raise ValueError("Invalid value for argument `input` of narrow: a rank-0 tensor has no dimension to narrow "
                         "(as PyTorch: \"narrow() cannot be applied to a 0-dim tensor.\"). Received shape ()")
    axis = dim_index(dim, x.ndim, "narrow")
    start, length = _integer_or_item(start), _integer_or_item(length, one_element=True)
    for name, value in (("start", start), ("length", length)):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Integral, np.integer)):
            expected = "a 0-d integer tensor" if name == "start" else "an integer tensor of one element"
            raise TypeError(f"Invalid type for argument `{name}` of narrow: expected an int or {expected} (as "
                            f"PyTorch). Received {_described(value)}")
    size = x.shape[axis]
    if not -size <= start <= size:
        raise IndexError(f"Invalid value for argument `start` of narrow: expected it in [{-size}, {size}] for "
                         f"dimension {axis} of size {size} (PyTorch: \"start out of range\"). Received start={start}")
    start = int(start) % size if start < 0 else int(start)
    if length < 0:
        raise ValueError(f"Invalid value for argument `length` of narrow: expected 0 or more (PyTorch: \"narrow(): "
                         f"length must be non-negative.\"). Received length={length}")
    if start + length > size:
        raise ValueError(f"Invalid value for arguments `start` and `length` of narrow: start + length must be at "
                         f"most the size {size} of dimension {axis} (PyTorch: \"start ({start}) + length "
                         f"({length}) exceeds dimension size ({size}).\"). Received start={start}, length={length}")
    return x[(slice(None),) * axis + (slice(start, start + int(length)),)]


def _integer_or_item(value, one_element=False):
    """A 0-d integer tensor's value as a Python int (PyTorch takes one for ``narrow``'s ``start``); with
    ``one_element``, that of an integer tensor of one element of any rank too (``narrow``'s ``length`` and
    ``unflatten``'s sizes: PyTorch takes ``torch.tensor([2])`` there); anything else as it is."""
    if (isinstance(value, Tensor) and (value.ndim == 0 or (one_element and math.prod(value.shape) == 1))
            and not dtype_name(value.dtype).startswith(("float", "bool", "complex"))):
        return int(value.reshape(()).item())
    return value


def _described(value):
    """``value`` for an error message: a tensor by its dtype and shape, anything else by its repr and type."""
    if isinstance(value, Tensor):
        return f"a tensor of dtype {dtype_name(value.dtype)} and shape {tuple(value.shape)}"
    return f"{value!r} of type {type(value).__name__}"


def unflatten(x, dim, sizes):
    """``x`` with dimension ``dim`` split into dimensions of ``sizes`` (one of them may be -1, inferred), as
    ``torch.unflatten``: a reshape, a view as in PyTorch.

    Raises:
        TypeError: ``dim`` not an int, ``sizes`` not a tuple or list of ints (``(2.0, 2)``: PyTorch "must be tuple
            of ints"); a size may be an integer tensor of one element (of any rank), as PyTorch takes one.
        IndexError: ``dim`` out of range (also a ``ValueError``).
        ValueError: empty ``sizes`` (PyTorch: "unflatten: sizes must be non-empty"), a size below -1 or two -1
            (PyTorch: "invalid shape dimension -2", "only one dimension can be inferred"), sizes whose product is
            not the size of ``dim`` (PyTorch: "Provided sizes ... don't multiply up to the size of dim"), a -1
            beside a 0 on an empty ``dim`` (any size would do: PyTorch "is ambiguous").

    >>> import numpy as np
    >>> import tinygradconv as tg
    >>> unflatten(tg.tensor(np.zeros((2, 6))), 1, (3, -1)).shape
    (2, 3, 2)
    """
    x = _tensor(x)
    if x.ndim == 0:
        raise ValueError("Invalid value for argument `input` of unflatten: a rank-0 tensor has no dimension to "
                         "unflatten (PyTorch refuses it too). Received shape ()")
    axis = dim_index(dim, x.ndim, "unflatten")
    if not isinstance(sizes, (tuple, list)) and type(sizes).__name__ != "Size":
        raise TypeError(f"Invalid type for argument `sizes` of unflatten: expected a tuple or list of ints. Received "
                        f"{sizes!r} of type {type(sizes).__name__}")
    if len(sizes) == 0:
        raise ValueError("Invalid value for argument `sizes` of unflatten: expected at least one size (as PyTorch: "
                         "\"unflatten: sizes must be non-empty\"). Received sizes=()")
    sizes = tuple(_integer_or_item(n, one_element=True) for n in sizes)
    for i, n in enumerate(sizes):
        if isinstance(n, (bool, np.bool_)) or not isinstance(n, (numbers.Integral, np.integer)):
            raise TypeError(f"Invalid type for argument `sizes` of unflatten: expected a tuple or list of ints or "
                            f"integer tensors of one element (as PyTorch: \"must be tuple of ints\"). Received "
                            f"sizes={sizes!r}, whose element {i} is "
                            f"{_described(n) if isinstance(n, Tensor) else 'of type ' + type(n).__name__}")
    if any(n < -1 for n in sizes) or list(sizes).count(-1) > 1:
        raise ValueError(f"Invalid value for argument `sizes` of unflatten: each size must be 0 or more, or one of "
                         f"them -1 (inferred) (as PyTorch: \"invalid shape dimension\", \"only one dimension can be "
                         f"inferred\"). Received sizes={tuple(sizes)!r}")
    size = x.shape[axis]
    if size == 0 and -1 in sizes and 0 in sizes:
        raise ValueError(f"Invalid value for argument `sizes` of unflatten: the -1 is ambiguous beside a 0 (dimension "
                         f"{axis} has 0 elements, and any size would do; as PyTorch: \"the unspecified dimension size "
                         f"-1 can be any value and is ambiguous\"): give that size. Received sizes={sizes!r}")
    try:
        inner = _target_shape(tuple(sizes), (size,), op="unflatten")
    except ValueError:
        raise ValueError(f"Invalid value for argument `sizes` of unflatten: expected sizes that multiply up to the "
                         f"size {size} of dimension {axis} (at most one -1, inferred; as PyTorch). Received "
                         f"sizes={tuple(sizes)!r}") from None
    return x.reshape(tuple(x.shape[:axis]) + tuple(inner) + tuple(x.shape[axis + 1:]))
