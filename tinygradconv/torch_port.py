"""More of PyTorch's ``Tensor`` methods, those a port of a PyTorch script meets first: ``contiguous``/
``is_contiguous``, the in-place ``fill_``, ``copy_`` and ``clamp_``, ``type_as``, ``flip``, ``amax``/``amin``,
``logsumexp``, ``softmax``/``log_softmax``, ``any``/``all``, the comparisons ``eq``/``ne``/``lt``/``le``/``gt``/
``ge``, ``cpu`` and ``new_zeros``/``new_ones``/``new_full``/``new_tensor``.

:class:`~tinygradconv.tensor.Tensor` inherits them through :class:`~tinygradconv.torch_methods.TorchMethods` from
:class:`TorchPort`, a mixin of its own so that neither the engine core nor ``torch_methods.py`` grows. Each one calls
an existing op (nothing new to differentiate): its values, gradients and errors are checked against PyTorch 2.13 by
``tests/test_torch_port_s47_f12.py``. Names of PyTorch's that the package lacks (``gather``, ``register_hook``,
``sort``, ...) raise an ``AttributeError`` that says what to write instead
(:data:`~tinygradconv.torch_methods.MISSING_TORCH_NAMES`).

See https://pytorch.org/docs/stable/tensors.html

>>> import tinygradconv as tg
>>> x = tg.tensor([[1.0, 5.0], [7.0, 0.0]], requires_grad=True)
>>> x.T.is_contiguous(), x.T.contiguous().is_contiguous(), x.contiguous() is x
(False, True, True)
>>> x.amax(dim=1).tolist(), x.gt(2.0).any().item()
([5.0, 7.0], True)
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from .backend import dtype_name
from .torch_in_place import TorchInPlace, write_in_place
from .validation import DEFAULT_FALSE, DEFAULT_NONE, NOT_GIVEN, dim_and_keepdim, dim_index, dim_or_axis


def _raw(array):
    """The NumPy or CuPy array behind ``array`` (array_api_strict's Array wraps a NumPy array)."""
    return getattr(array, "_array", array)


def _holds(dtype, result_dtype):
    """Whether a tensor of ``dtype`` may take values of ``result_dtype`` in place, as PyTorch's in-place ops allow
    (its "same kind" casting): any dtype of the same kind or a lower one (float32 values into a float16 tensor,
    int64 into int32, both rounded or wrapped as ``astype`` does), but no float into an integer or bool tensor, and
    no number into a bool one."""
    kind, result_kind = dtype_name(dtype), dtype_name(result_dtype)
    return not ((result_kind.startswith("float") and not kind.startswith("float"))
                or (kind == "bool" != result_kind))


def _sizes(op, size):
    """PyTorch's sizes, given one by one (``new_zeros(2, 3)``) or as one tuple or list: a tuple of ints."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    if not all(isinstance(n, numbers.Integral) and not isinstance(n, bool) and n >= 0 for n in size):
        raise TypeError(f"Invalid type for argument `size` of {op}: expected non-negative ints, given one by one or "
                        f"as one tuple. Received {size!r}")
    return tuple(int(n) for n in size)


def _dims(op, dim, ndim):
    """``dim`` (an int, a tuple/list of ints, or None for every dimension) as a sorted tuple of axes."""
    if dim is None:
        return tuple(range(ndim))
    dims = (dim,) if isinstance(dim, numbers.Integral) and not isinstance(dim, bool) else dim
    if not isinstance(dims, (tuple, list)) or not all(isinstance(d, numbers.Integral) and not isinstance(d, bool)
                                                       for d in dims):
        raise TypeError(f"Invalid type for argument `dim` of {op}: expected an int or a tuple of ints. "
                        f"Received {dim!r}")
    axes = tuple(dim_index(d, ndim, op, "dim") for d in dims)
    if len(set(axes)) != len(axes):
        raise ValueError(f"Invalid value for argument `dim` of {op}: dim {axes} appears more than once in the list "
                         f"of dims (as PyTorch refuses it). Received {dim!r}")
    return tuple(sorted(axes))


def _extreme_axes(op, dim, ndim):
    """The axes of ``amax``/``amin`` (``op``) along ``dim`` (None or ``()``: every dimension, as PyTorch). A rank-0
    tensor reduces its one element, ``axis=(0,)``: as ``torch.amax``, a NaN there gets a NaN gradient, where
    ``axis=()`` would be Keras' identity (the gradient passed unchanged)."""
    axes = _dims(op, None if dim == () else dim, ndim)
    return axes if ndim else (0,)


class TorchPort(TorchInPlace):
    """The methods of this module (a mixin of ``Tensor``, through ``TorchMethods``)."""

    __slots__ = ()

    # ---------------------------------------------------------------------------------------------- memory
    def is_contiguous(self, memory_format=None) -> bool:
        """Whether this tensor's elements lie in memory in row-major (C) order, as ``torch.Tensor.is_contiguous``:
        ``x.T`` of a 2 x 3 ``x`` is not, ``x`` is (dimensions of size 1 do not count, as in PyTorch and NumPy).

        >>> import tinygradconv as tg
        >>> x = tg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        >>> x.is_contiguous(), x.T.is_contiguous(), x[:, ::2].is_contiguous()
        (True, False, False)
        """
        return bool(_raw(self._data).flags.c_contiguous)

    def contiguous(self, memory_format=None):
        """This tensor in row-major (C) order, as ``torch.Tensor.contiguous``: the tensor itself when it already is
        (:meth:`is_contiguous`), else a copy in that order that stays in the graph (the gradient passes through
        unchanged, d/dx = 1), sharing no memory with this tensor, as PyTorch's.

        Here a ``view`` works on any tensor (it copies where PyTorch's would refuse a non-contiguous one), so
        ``x.T.contiguous().view(-1)`` and ``x.T.view(-1)`` give the same values; ``contiguous()`` is there so that
        ported code runs unchanged.

        >>> import tinygradconv as tg
        >>> x = tg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        >>> y = x.T.contiguous()
        >>> y.is_contiguous(), y.tolist()
        (True, [[1.0, 3.0], [2.0, 4.0]])
        >>> (y * tg.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
        >>> x.grad.tolist()
        [[1.0, 3.0], [2.0, 4.0]]
        """
        if self.is_contiguous():
            return self
        # reshape(-1) of an array whose elements are not in row-major order copies them in that order (NumPy,
        # CuPy); the reshape back is a view of that copy. Both reshapes pass the gradient through.
        return self.reshape(-1).reshape(tuple(self.shape))

    def cpu(self):
        """This tensor in the computer's memory, as ``torch.Tensor.cpu``: the tensor itself on the ``numpy`` and
        ``array_api_strict`` backends (already there), a copy on the ``numpy`` backend from ``cupy`` (the GPU),
        which stays in the graph (``t.to("cpu")``).

        >>> import tinygradconv as tg
        >>> x = tg.tensor([1.0])
        >>> x.cpu() is x
        True
        """
        return self if self.device.type == "cpu" else self.to("cpu")

    def type_as(self, other):
        """This tensor cast to ``other``'s dtype, as ``torch.Tensor.type_as``: the tensor itself when the dtype is
        already that, else :meth:`~tinygradconv.tensor.Tensor.astype` (its gradient; an integer or bool result has
        none).

        Raises:
            TypeError: ``other`` not a tensor.

        >>> import tinygradconv as tg
        >>> str(tg.tensor([1, 2], dtype="int64").type_as(tg.tensor([0.5])).dtype)
        'float32'
        """
        from .torch_methods import _tensor_argument

        return self._cast(dtype_name(_tensor_argument(other, "other", "type_as").dtype))

    # ---------------------------------------------------------------------------------------------- in place
    def fill_(self, value):
        """Fill this tensor with ``value`` in place and return it, as ``torch.Tensor.fill_``, with the in-place
        rules of :meth:`~tinygradconv.torch_methods.TorchMethods.add_` (under ``no_grad()``, or a tensor outside
        the graph, a write; on an op's output that requires grad, or with a ``value`` tensor that requires grad,
        while gradients are recorded, a write recorded in the graph: gradient 0 for the old values, the sum of
        the gradient for ``value``, as PyTorch's ``FillBackward``). A view (``x[0].fill_(1.0)``) writes into the
        tensor it views, as in PyTorch.

        Raises:
            RuntimeError: a leaf that requires grad or a view of one, while gradients are recorded (as PyTorch).
            TypeError: a float into an integer tensor other than a whole number the dtype holds (``3.0``,
                ``np.array(3.0)`` and a 0-d ``tg.tensor(3.0)`` fill 3, as PyTorch; ``3.7`` is refused, where
                PyTorch truncates it), as ``t[...] = value``. (A view of an op's output, ``y[0].fill_(v)``, is
                recorded as PyTorch's ``CopySlices``: :mod:`tinygradconv.copy_slices`.)
            ValueError: a ``value`` tensor that is not 0-D (PyTorch raises ``RuntimeError``); a number out of the
                dtype's range (``300`` for int8, ``1e5`` for float16), as ``masked_fill`` (PyTorch raises
                ``RuntimeError``: "value cannot be converted to type ... without overflow").

        >>> import tinygradconv as tg
        >>> x = tg.tensor([[1.0, 2.0], [3.0, 4.0]])
        >>> x[0].fill_(7.0).tolist(), x.tolist()
        ([7.0, 7.0], [[7.0, 7.0], [3.0, 4.0]])
        """
        from .tensor import Tensor
        from .torch_methods import _filled_with, _number_to_write

        if isinstance(value, Tensor) and value.ndim != 0:
            raise ValueError(f"Invalid value for argument `value` of fill_: fill_ only supports a 0-dimension value "
                             f"tensor (as PyTorch), received one of shape {tuple(value.shape)}")
        value = _number_to_write(value, dtype_name(self.dtype), "fill_")
        return write_in_place(self, "fill_", _filled_with, (value,), ("value",),
                              instead="t = tg.ops.full_like(t, value)", reads_args_first=True)

    def copy_(self, src, non_blocking=False):
        """Copy ``src``'s values into this tensor in place and return it, as ``torch.Tensor.copy_``: ``src`` (a
        tensor, or an array or number) broadcasts to this tensor's shape, which does not change, and is cast to
        this tensor's dtype (PyTorch's cast: a float into an integer tensor is truncated toward zero), from any
        backend. The in-place rules of :meth:`fill_` apply.

        While gradients are recorded, on an op's output that requires grad or with a ``src`` that requires grad,
        the copy is recorded as PyTorch's ``CopyBackwards``: gradient 0 for the old values, and for ``src`` the
        gradient summed over the broadcast dimensions.

        Raises:
            RuntimeError: a leaf that requires grad or a view of one, while gradients are recorded (as PyTorch).
            RuntimeError: an ``expand`` of an op's output (as PyTorch); a view of an op's output is recorded as
                PyTorch's ``CopySlices`` (:mod:`tinygradconv.copy_slices`).
            ValueError: a ``src`` whose shape does not broadcast to this tensor's (PyTorch raises
                ``RuntimeError``); a ``src`` that requires grad on another backend, while gradients are recorded.

        >>> import tinygradconv as tg
        >>> x = tg.tensor([[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
        >>> x.copy_(tg.tensor([5.0, 6.0, 7.0])).tolist()
        [[5.0, 6.0, 7.0], [5.0, 6.0, 7.0]]
        """
        from .autograd import is_grad_enabled
        from .tensor import Tensor
        from .torch_methods import _filled_with

        if not isinstance(src, Tensor):
            src = Tensor(np.asarray(src), backend=self.backend)
        elif src.backend is not self.backend:
            if src.requires_grad and is_grad_enabled():
                raise ValueError(f"Invalid value for argument `src` of copy_: a tensor on backend "
                                 f"{src.backend.name!r} that requires grad cannot be copied into one on "
                                 f"{self.backend.name!r} while gradients are recorded; move it first with "
                                 f"src.to({self.backend.name!r})")
            src = src.detach().to(self.backend.name)
        try:
            broadcast = np.broadcast_shapes(tuple(src.shape), tuple(self.shape))
        except ValueError:
            broadcast = None
        if broadcast != tuple(self.shape):
            raise ValueError(f"Invalid value for argument `src` of copy_: shape {tuple(src.shape)} does not "
                             f"broadcast to this tensor's shape {tuple(self.shape)}")
        # cast to this tensor's dtype (a float into an integer tensor: truncated, as PyTorch)
        def copied(base, src):      # (a float src is cast by the node itself, as PyTorch's CopyBackwards)
            kinds = dtype_name(base.dtype), dtype_name(src.dtype)
            floats = all(kind.startswith("float") for kind in kinds)
            return _filled_with(base, src if floats else src._cast(kinds[0]), "copy_")

        return write_in_place(self, "copy_", copied, (src,), ("src",), instead="t = src.astype(t.dtype)")

    def clamp_(self, min=None, max=None):
        """Clamp this tensor's values in place and return it, as ``torch.Tensor.clamp_``: the values of
        :meth:`~tinygradconv.torch_methods.TorchMethods.clamp` (its checks of ``min`` and ``max``), with the
        in-place rules of :meth:`fill_`.

        On an op's output that requires grad, while gradients are recorded, the write is recorded as PyTorch
        records it (:meth:`~tinygradconv.torch_methods.TorchMethods.add_`): ``y.grad_fn`` becomes clamp's node.

        The tensor keeps its dtype, as in PyTorch: bounds of a wider dtype of the same kind (a float32 bound for a
        float16 tensor, an int64 one for an int32 tensor) are compared in the promoted dtype, as ``clamp`` does, and
        the result is cast to this tensor's dtype (rounded, or wrapped for integers, as ``astype``): an int32
        ``[1, 3]`` clamped below by the int64 ``[2**32 - 1, 2**32 + 2]`` becomes ``[-1, 2]``, as in PyTorch 2.13.

        Raises:
            TypeError: a bound that makes the clamped values of another kind than this tensor's (a float bound for
                an integer tensor, an integer one for a bool tensor), as PyTorch's "result type Float can't be cast
                to the desired output type Long".
            ValueError: bounds that broadcast this tensor to another shape.

        >>> import tinygradconv as tg
        >>> x = tg.tensor([-2.0, 0.5, 3.0])
        >>> x.clamp_(-1.0, 1.0) is x, x.tolist()
        (True, [-1.0, 0.5, 1.0])
        >>> h = tg.tensor([1.0, 2.0, 3.0], dtype="float16")
        >>> h.clamp_(tg.tensor([2.0, 2.0, 2.0]), None)
        tensor([2., 2., 3.], dtype=float16)
        """
        return write_in_place(self, "clamp_", type(self).clamp, (min, max), ("min", "max"),
                              lambda clamped: self._check_clamped(clamped, min, max))

    def _check_clamped(self, clamped, min, max):
        """The errors of :meth:`clamp_`, given the clamped values."""
        from .tensor import Tensor

        if tuple(clamped.shape) != tuple(self.shape):
            raise ValueError(f"Invalid value for argument `min`/`max` of clamp_: bounds that broadcast this tensor's "
                             f"shape {tuple(self.shape)} to {tuple(clamped.shape)}; an in-place write keeps the "
                             f"tensor's shape (as PyTorch). Use t = t.clamp(min, max)")
        if not _holds(self.dtype, clamped.dtype):     # a float bound for an integer tensor: PyTorch's RuntimeError
            name, bound = next((n, b) for n, b in (("min", min), ("max", max))
                               if b is not None and not _holds(self.dtype, self.clamp(**{n: b}).dtype))
            what = (f"a {dtype_name(bound.dtype)} Tensor" if isinstance(bound, Tensor)
                    else f"{bound!r} ({type(bound).__name__})")
            if isinstance(bound, Tensor):
                fix = f"{name}.astype({dtype_name(self.dtype)!r})"
            elif isinstance(bound, float) and math.isfinite(bound):
                fix = f"a bound of the tensor's kind, e.g. {name}={int(bound)!r}"
            else:
                fix = "another bound"
            raise TypeError(f"Invalid type for argument `{name}` of clamp_: {what} makes the clamped values "
                            f"{dtype_name(clamped.dtype)}, which cannot be written into this {dtype_name(self.dtype)} "
                            f"tensor in place (PyTorch raises too: \"result type can't be cast to the desired output "
                            f"type\"). Pass {fix}, or write t = t.clamp(min, max) for a new "
                            f"{dtype_name(clamped.dtype)} tensor")

    # ---------------------------------------------------------------------------------------------- values
    def flip(self, *positional, dims=None):
        """This tensor with the order of its elements reversed along ``dims``, as ``torch.Tensor.flip``: ints
        given one by one, as one tuple/list, or by PyTorch's keyword (``flip(dims=[0])``). A copy (as PyTorch's,
        not a view), whose gradient is the output gradient flipped back (the gradient of indexing with ``::-1``,
        then of ``clone``).

        Raises:
            TypeError: a dim that is not an int; dims given both positionally and as ``dims=``.
            AxisError: (an ``IndexError`` and a ``ValueError``) a dim out of range, or given twice.

        >>> import tinygradconv as tg
        >>> tg.tensor([[1.0, 2.0], [3.0, 4.0]]).flip(1).tolist()
        [[2.0, 1.0], [4.0, 3.0]]
        """
        from .ops.shape import ints_or_keyword  # (ops import this module)

        dims = ints_or_keyword("flip", positional, "dims", NOT_GIVEN if dims is None else dims)
        axes = _dims("flip", dims, self.ndim)
        return self[tuple(slice(None, None, -1) if i in axes else slice(None) for i in range(self.ndim))].clone()

    def amax(self, dim=DEFAULT_NONE, keepdim=DEFAULT_FALSE, *, axis=NOT_GIVEN, keepdims=NOT_GIVEN):
        """The largest value along ``dim`` (an int, a tuple of ints, or None or ``()`` for every dimension), as
        ``torch.amax``: :func:`tinygradconv.ops.max` over those axes. The gradient is shared evenly among the
        elements that tie for the maximum (PyTorch's ``amax``; ``max(dim)`` gives it all to one); a slice holding
        NaN gets a NaN gradient throughout, a rank-0 NaN too (its one dimension is ``0`` or ``-1``). ``axis`` and
        ``keepdims`` are accepted for ``dim`` and ``keepdim``, as PyTorch accepts them.

        Raises:
            TypeError: a dim that is not an int, a ``keepdim`` that is not True or False (as PyTorch); both ``dim``
                and ``axis``, or ``keepdim`` and ``keepdims``.
            AxisError: a dim out of range or given twice; ValueError: an empty dimension reduced.

        >>> import tinygradconv as tg
        >>> x = tg.tensor([1.0, 3.0, 3.0], requires_grad=True)
        >>> x.amax().backward()
        >>> x.grad.tolist()
        [0.0, 0.5, 0.5]
        """
        from .ops.reduction import max as maximum

        dim, keepdim = dim_and_keepdim("amax", dim, axis, keepdim, keepdims)
        return maximum(self, axis=_extreme_axes("amax", dim, self.ndim), keepdims=keepdim)

    def amin(self, dim=DEFAULT_NONE, keepdim=DEFAULT_FALSE, *, axis=NOT_GIVEN, keepdims=NOT_GIVEN):
        """The smallest value along ``dim``, as ``torch.amin``: see :meth:`amax`.

        >>> import tinygradconv as tg
        >>> tg.tensor([[1.0, 3.0], [0.0, 5.0]]).amin(dim=0).tolist()
        [0.0, 3.0]
        """
        from .ops.reduction import min as minimum

        dim, keepdim = dim_and_keepdim("amin", dim, axis, keepdim, keepdims)
        return minimum(self, axis=_extreme_axes("amin", dim, self.ndim), keepdims=keepdim)

    def logsumexp(self, dim=NOT_GIVEN, keepdim=DEFAULT_FALSE, *, axis=NOT_GIVEN, keepdims=NOT_GIVEN):
        """``log(sum(exp(x)))`` along ``dim`` (an int or a tuple of ints; PyTorch requires it), stable for any
        value, as ``torch.Tensor.logsumexp``: :func:`tinygradconv.ops.logsumexp` with ``dim``/``keepdim``. The
        gradient is the softmax over those dimensions. An integer tensor gives floats (``config.floatx()``).
        ``axis`` and ``keepdims`` are accepted for ``dim`` and ``keepdim``, as PyTorch accepts them.

        Raises:
            TypeError: ``dim`` missing or not an int or a tuple of ints (None too), ``keepdim`` not True or False,
                as PyTorch; both ``dim`` and ``axis``, or ``keepdim`` and ``keepdims``.
            IndexError: ``dim`` out of range (as PyTorch).

        See https://pytorch.org/docs/stable/generated/torch.logsumexp.html

        >>> import tinygradconv as tg
        >>> x = tg.tensor([[0.0, 0.0], [1.0, 1.0]], requires_grad=True)
        >>> y = x.logsumexp(dim=1)
        >>> [round(v, 4) for v in y.tolist()]
        [0.6931, 1.6931]
        >>> y.sum().backward(); x.grad.tolist()
        [[0.5, 0.5], [0.5, 0.5]]
        """
        from .ops.reduction import logsumexp

        dim, keepdim = dim_and_keepdim("logsumexp", dim, axis, keepdim, keepdims, required=True)
        if dim is None:         # which tg.ops.logsumexp reads as every dimension
            raise TypeError("logsumexp(): `dim` (or its alias `axis`) must be an int or a tuple of ints, as PyTorch "
                            "requires (it refuses None). Received None; for every dimension write "
                            "x.logsumexp(dim=tuple(range(x.ndim)))")
        return logsumexp(self, dim=dim, keepdim=keepdim)

    def softmax(self, dim=NOT_GIVEN, dtype=None, *, axis=NOT_GIVEN):
        """The softmax along the int ``dim`` (or its alias ``axis``, as PyTorch accepts it), as
        ``torch.Tensor.softmax``: :func:`tinygradconv.activations.softmax` (stable for any value; ``dtype``, if
        given, casts the tensor first, as PyTorch's).

        Raises:
            TypeError: ``dim`` missing (as PyTorch) or not an int; both ``dim`` and ``axis``.
            AxisError: ``dim`` out of range.

        >>> import tinygradconv as tg
        >>> tg.tensor([[0.0, 0.0], [1.0, 1.0]]).softmax(dim=1).tolist()
        [[0.5, 0.5], [0.5, 0.5]]
        """
        from .activations import softmax

        dim, _ = dim_or_axis("softmax", dim, axis, required=True)
        return softmax(self._before_softmax("softmax", dim, dtype), axis=dim)

    def log_softmax(self, dim=NOT_GIVEN, dtype=None, *, axis=NOT_GIVEN):
        """The log-softmax along the int ``dim``, as ``torch.Tensor.log_softmax``:
        :func:`tinygradconv.activations.log_softmax` (see :meth:`softmax`).

        >>> import tinygradconv as tg
        >>> [round(v, 4) for v in tg.tensor([0.0, 0.0]).log_softmax(0).tolist()]
        [-0.6931, -0.6931]
        """
        from .activations import log_softmax

        dim, _ = dim_or_axis("log_softmax", dim, axis, required=True)
        return log_softmax(self._before_softmax("log_softmax", dim, dtype), axis=dim)

    def _before_softmax(self, op, dim, dtype):
        if not isinstance(dim, numbers.Integral) or isinstance(dim, bool):
            raise TypeError(f"Invalid type for argument `dim` of {op}: expected an int (PyTorch's Tensor.{op} "
                            f"takes one dim). Received {dim!r}")
        dim_index(dim, max(self.ndim, 1), op, "dim")
        return self if dtype is None else self.astype(dtype)

    def any(self, dim=DEFAULT_NONE, keepdim=DEFAULT_FALSE, *, axis=NOT_GIVEN, keepdims=NOT_GIVEN):
        """Whether any element (along ``dim``: an int, a tuple of ints, or None for all) is true or nonzero (NaN
        counts as nonzero), as ``torch.Tensor.any``: a bool tensor, with no gradient; of a uint8 tensor a uint8
        tensor of 0s and 1s, as PyTorch keeps uint8 (its masks' old dtype). ``axis`` and ``keepdims`` are accepted
        for ``dim`` and ``keepdim``, as PyTorch accepts them (both spellings at once are a ``TypeError``).

        >>> import tinygradconv as tg
        >>> x = tg.tensor([[0.0, 1.0], [0.0, 0.0]])
        >>> x.any().item(), x.any(dim=1).tolist()
        (True, [True, False])
        """
        return self._truth("any", dim, keepdim, axis, keepdims)

    def all(self, dim=DEFAULT_NONE, keepdim=DEFAULT_FALSE, *, axis=NOT_GIVEN, keepdims=NOT_GIVEN):
        """Whether every element (along ``dim``) is true or nonzero, as ``torch.Tensor.all``: see :meth:`any`.

        >>> import tinygradconv as tg
        >>> tg.tensor([[1.0, 2.0], [0.0, 3.0]]).all(dim=1).tolist()
        [True, False]
        """
        return self._truth("all", dim, keepdim, axis, keepdims)

    def _truth(self, op, dim, keepdim, axis, keepdims):
        from .tensor import Tensor

        dim, keepdim = dim_and_keepdim(op, dim, axis, keepdim, keepdims)
        axes = _dims(op, dim, self.ndim)     # (checked: dim 0 and -1 name a rank-0 tensor's one dimension)
        if self.ndim == 0:
            axes = ()                        # which reduces nothing, as PyTorch's x.any(dim=0)
        xp = self.backend.xp
        kind = dtype_name(self.dtype)
        truth = self._data if kind == "bool" else self._data != 0
        result = getattr(xp, op)(truth, axis=axes, keepdims=keepdim)
        if kind == "uint8":                  # PyTorch keeps uint8: 0 or 1
            result = xp.astype(result, xp.uint8)
        return Tensor._make(result, self.backend, False, None)

    def eq(self, other):
        """``self == other`` (element-wise, a bool tensor), as ``torch.Tensor.eq``."""
        return self == other

    def ne(self, other):
        """``self != other``, as ``torch.Tensor.ne``."""
        return self != other

    def lt(self, other):
        """``self < other``, as ``torch.Tensor.lt``."""
        return self < other

    def le(self, other):
        """``self <= other``, as ``torch.Tensor.le``."""
        return self <= other

    def gt(self, other):
        """``self > other``, as ``torch.Tensor.gt``.

        >>> import tinygradconv as tg
        >>> tg.tensor([1.0, 3.0]).gt(2.0).tolist(), tg.tensor([1.0, 3.0]).eq(tg.tensor([1.0, 0.0])).tolist()
        ([False, True], [True, False])
        """
        return self > other

    def ge(self, other):
        """``self >= other``, as ``torch.Tensor.ge``."""
        return self >= other

    # ---------------------------------------------------------------------------------------------- new tensors
    def new_tensor(self, data, dtype=None, requires_grad=False):
        """A new tensor of ``data``'s values, of this tensor's dtype (or ``dtype``) and backend, as
        ``torch.Tensor.new_tensor``: a copy, outside any graph (a tensor given is copied and detached).

        >>> import tinygradconv as tg
        >>> str(tg.tensor([0.5]).new_tensor([1, 2]).dtype)
        'float32'
        """
        from .tensor import Tensor

        if isinstance(data, Tensor):
            data = data.detach().numpy()
        kind = dtype_name(self.dtype) if dtype is None else dtype
        return Tensor(np.array(data), requires_grad=requires_grad, dtype=kind, backend=self.backend)

    def new_full(self, size, fill_value, dtype=None, requires_grad=False):
        """A new tensor of shape ``size``, every element ``fill_value``, of this tensor's dtype (or ``dtype``) and
        backend, as ``torch.Tensor.new_full``.

        >>> import tinygradconv as tg
        >>> tg.tensor([1, 2], dtype="int64").new_full((2, 2), 7).tolist()
        [[7, 7], [7, 7]]
        """
        return self._new("new_full", _sizes("new_full", (size,)), fill_value, dtype, requires_grad)

    def new_zeros(self, *size, dtype=None, requires_grad=False):
        """A new tensor of zeros, of shape ``size`` (ints, or one tuple), this tensor's dtype (or ``dtype``) and
        backend, as ``torch.Tensor.new_zeros``.

        >>> import tinygradconv as tg
        >>> tg.tensor([1.0]).new_zeros(2, 3).shape
        (2, 3)
        """
        return self._new("new_zeros", _sizes("new_zeros", size), 0, dtype, requires_grad)

    def new_ones(self, *size, dtype=None, requires_grad=False):
        """A new tensor of ones, as :meth:`new_zeros`.

        >>> import tinygradconv as tg
        >>> tg.tensor([1.0]).new_ones((2,)).tolist()
        [1.0, 1.0]
        """
        return self._new("new_ones", _sizes("new_ones", size), 1, dtype, requires_grad)

    def _new(self, op, shape, fill_value, dtype, requires_grad):
        from .ops.creation import fill_value_for
        from .tensor import Tensor, _check_dtype

        kind = dtype_name(self.dtype) if dtype is None else _check_dtype(dtype)
        # the checks of full_like: 2.0 fills int32 as 2; 2.5 (PyTorch: 2) and 1e300 (PyTorch: overflow) are refused
        fill_value = fill_value_for(fill_value, kind, op)
        return Tensor(np.full(shape, fill_value), requires_grad=requires_grad, dtype=kind, backend=self.backend)
