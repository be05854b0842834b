"""``Tensor``: an array on a backend, plus what autograd needs (``requires_grad``, ``grad``, the node that made it).

Data conversion rule, applied by ``Tensor(data)`` when ``dtype`` is not given:

* floating data that carries a dtype (NumPy arrays and scalars, backend arrays, Tensors) keeps it (``float16``,
  ``float32``, ``float64``);
* Python numbers and (nested) lists or tuples, and integer or boolean data of any kind, become the configured float
  type ``floatx()`` (``float32`` by default), so that every tensor built from user data is differentiable;
* PyTorch tensors are read through NumPy, also those that require grad (copied outside either autograd, as
  ``torch.tensor`` copies them); ``torch.bfloat16``, which NumPy lacks, raises ``TypeError``;
* anything else raises: strings, bytes, complex numbers and arbitrary objects ``TypeError``; ragged (inhomogeneous)
  nested lists, and Python integers outside int64 (``2**63``, ``2**70``; ``torch.tensor`` overflows too) unless a
  float among the numbers makes the data floating (``[1.5, 2**70]``, as in torch), ``ValueError``.

Pass ``dtype=`` to choose explicitly (``"bool"`` and integer dtypes are allowed there, for masks and indices).

Memory, shared or copied as PyTorch, NumPy and Keras do it:

* ``Tensor(data)`` and ``tensor(data)`` always *copy* ``data`` (like ``torch.tensor``, unlike
  ``torch.as_tensor``), so later in-place changes of either side never leak into the other;
* ``t.numpy()`` and ``np.asarray(t)`` *share* the tensor's memory on the CPU backends (like
  ``torch.Tensor.numpy``), read-only for a tensor that requires grad (see :meth:`Tensor.numpy`), and so does
  ``t.detach()``; ``np.array(t)`` copies, and ``np.asarray(t, copy=False)`` raises when it cannot share (a cast,
  a GPU tensor), as NumPy 2's protocol asks;
* ``tolist()``, ``item()``, ``float(t)``, ``int(t)`` return Python values; ``Layer.get_weights`` returns copies and
  ``Layer.set_weights`` copies the arrays it is given, as Keras does;
* ops wrap their results without copying.

>>> import tinygradconv as tg
>>> x = tg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
>>> y = (x @ x).sum()
>>> y.backward()
>>> x.grad.shape
(2, 2)
"""
from __future__ import annotations

import copy
import numbers
import warnings

import numpy as np

from . import config
from .backend import backend_of, dtype_name, get_backend
from .conversion import check_python_integers, to_numpy_data
from .torch_methods import NOT_GIVEN, TorchMethods, name_inherited_methods
from .validation import backward_arguments, dtype_argument, gradient_for, integer_data
from .validation import flag as flag_argument

_new_object = object.__new__

_FLOAT_KINDS = config._FLOAT_TYPES  # the floating dtypes' names, written once, in config
_DTYPES = _FLOAT_KINDS + ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")


def _source(data):
    """``(backend, array)`` for data already on a backend, ``(None, numpy_array)`` for anything else."""
    if isinstance(data, Tensor):
        return data.backend, data.data
    if isinstance(data, (np.ndarray, np.generic)) or not (hasattr(data, "__array_namespace__")
                                                          or type(data).__module__.startswith("cupy")):
        return None, to_numpy_data(data)          # (CuPy 14's arrays have no __array_namespace__)
    try:
        return backend_of(data), data
    except TypeError:  # an array of a library we have no backend for: go through NumPy
        return None, to_numpy_data(data)


def _number_fits(value, dtype) -> bool:
    """Whether a Python number converts to a non-floating ``dtype`` unchanged (``2`` to int64, not ``2.5``)."""
    if dtype == "bool":
        return isinstance(value, bool)
    return isinstance(value, numbers.Integral) and np.iinfo(dtype).min <= value <= np.iinfo(dtype).max


def _check_dtype(dtype) -> str:
    return dtype_argument(dtype, _DTYPES)


class Tensor(TorchMethods):
    """A multi-dimensional array that can take part in automatic differentiation.

    PyTorch's spellings ``view``, ``flatten``, ``squeeze``, ``unsqueeze``, ``t``, ``clone``, ``argmax``,
    ``argmin``, ``pow``, ``float``/``double``/``half``/``long``, ``numel``, ``dim``, ``size()``, ``zero_``,
    ``abs_`` and ``max``/``min`` (axis by keyword), and the checked ``data`` attribute, come from
    :class:`~tinygradconv.torch_methods.TorchMethods`; the reductions also take ``dim=``/``keepdim=``.

    Args:
        data: a Tensor, a backend array, a NumPy array, a PyTorch tensor, a Python number or a nested list
            (copied; see the conversion rule in the module docstring).
        requires_grad: whether ``backward`` should compute a gradient for this tensor (floating dtypes only).
        dtype: e.g. ``"float32"``; by default the conversion rule in the module docstring applies.
        backend: ``"numpy"``, ``"cupy"`` or ``"array_api_strict"``; by default the backend of ``data`` when it is
            already a backend array or Tensor, else the current default backend.

    Raises:
        TypeError: for strings, objects, complex data, an unsupported ``dtype``, ``requires_grad`` on a
            non-floating dtype, or a ``requires_grad`` that is not a bool.
        ValueError: for ragged nested lists or an unknown backend name.
    """

    # The hot attributes are slots; the rarely set ones (name, constraint, _retains_grad) default to the class
    # attributes below and live in the instance __dict__ only once set, which keeps `_make` cheap. The array is the
    # slot `_data`, behind the property `data` (TorchMethods.data), whose setter checks what a user assigns.
    __slots__ = ("__dict__", "__weakref__", "_ctx", "_data", "_grad", "_requires_grad", "backend")
    __array_priority__ = 1000  # make NumPy defer to Tensor's reflected operators
    name = None
    path = None     # a layer's weight: Keras 3's variable.path, "dense/kernel" (Layer.add_weight sets it)
    constraint = None
    _retains_grad = False

    def __init__(self, data, requires_grad=False, dtype=None, backend=None):
        source, array = _source(data)
        target = get_backend(backend) if backend is not None else (source or get_backend())
        if dtype is None:
            name = dtype_name(array.dtype)
            from_python = isinstance(data, (numbers.Number, list, tuple)) and not isinstance(data, np.generic)
            if from_python:
                check_python_integers(data, array)
            dtype = name if (name in _FLOAT_KINDS and not from_python) else config.floatx()
        else:
            dtype = _check_dtype(dtype)
            if source is None and dtype not in _FLOAT_KINDS and dtype != "bool" and \
                    isinstance(data, (numbers.Number, list, tuple)) and not isinstance(data, np.generic):
                integer_data(array, dtype)
        if source is target:
            array = target.xp.astype(array, target.dtype(dtype), copy=True)
        else:
            if source is not None:
                array = source.to_numpy(array)
            array = target.asarray(array, dtype=dtype, copy=True)
        self._data = array
        self.backend = target
        self._grad = None
        self._ctx = None
        self._requires_grad = False
        if flag_argument(requires_grad, "requires_grad"):
            self.requires_grad_(True)

    @staticmethod
    def _make(array, backend, requires_grad, ctx):
        """Wrap a backend array without any conversion or copy (used by ops: the fast path)."""
        t = _new_object(Tensor)
        t._data = array
        t.backend = backend
        t._requires_grad = requires_grad
        t._grad = None
        t._ctx = ctx
        return t

    # ------------------------------------------------------------------ properties
    @property
    def shape(self) -> tuple:
        return tuple(self._data.shape)

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def dtype(self):
        """The backend's dtype object, which the backend's functions take (``xp.astype(a, t.dtype)``): NumPy's
        ``dtype('float32')`` on ``numpy`` and ``cupy``, ``array_api_strict.float32`` on ``array_api_strict``.

        Its name differs between backends: ``str(t.dtype)`` is ``'float32'`` on numpy but
        ``'array_api_strict.float32'`` on array_api_strict, and ``t.dtype == "float32"`` is True on numpy only (as
        ``torch.float32 == "float32"`` is False in PyTorch). Compare the name, the same on every backend:
        ``tg.backend.dtype_name(t.dtype) == "float32"`` (Keras 3's ``keras.backend.standardize_dtype(x.dtype)``).

        >>> import tinygradconv as tg
        >>> t = tg.tensor([1.0], backend="array_api_strict")
        >>> str(t.dtype), tg.backend.dtype_name(t.dtype), tg.backend.dtype_name(t.to("numpy").dtype)
        ('array_api_strict.float32', 'float32', 'float32')
        """
        return self._data.dtype

    @property
    def is_leaf(self) -> bool:
        """True for tensors made by the user (not by an op that recorded a node)."""
        return self._ctx is None

    def __iter__(self):
        """Iterate over the first axis (``t[0]``, ``t[1]``, ...); a 0-d tensor raises ``TypeError`` as in PyTorch."""
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.data.shape[0]))

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def __repr__(self):
        grad = ", requires_grad=True" if self.requires_grad else ""
        backend = "" if self.backend.name == "numpy" else f", backend={self.backend.name!r}"
        body = np.array2string(self.numpy(), separator=", ", prefix="tensor(")
        body += f", shape={self.shape}" if self.size == 0 and self.ndim > 1 else ""    # [] alone hides it
        path = f", path={self.path!r}" if self.path else ""   # a layer's weight, as Keras shows its variables
        return f"tensor({body}, dtype={dtype_name(self.dtype)}{backend}{grad}{path})"

    __hash__ = object.__hash__

    # ------------------------------------------------------------------ conversion
    def numpy(self) -> np.ndarray:
        """The data as a NumPy array.

        Memory: on the CPU backends (``numpy``, ``array_api_strict``) the array *shares* the tensor's memory, as
        ``torch.Tensor.numpy`` does: writing into it changes the tensor, and later in-place updates of the tensor
        (an optimizer step, ``set_weights``) show in it. Call ``.copy()`` on it to keep a snapshot. On ``cupy`` it
        is a copy from the GPU. (:meth:`tolist`, :meth:`item` and ``Layer.get_weights`` always return copies.)

        A tensor that requires grad gives a *read-only* array (NumPy's ``flags.writeable`` is False; a write raises
        NumPy's ``ValueError: assignment destination is read-only``), on every backend: the graph saves this memory
        for the backward pass, so a write would change the gradient silently (``y = x * x``, then
        ``x.numpy()[0] = 100``, gave ``x.grad[0] == 200``). Reading stays allowed, as plots and checks need it.
        PyTorch refuses ``numpy()`` on such a tensor altogether ("Use tensor.detach().numpy() instead"); the
        escape hatch is the same here: ``t.detach().numpy()`` shares the memory and is writable (a write through it
        still changes what the graph saved), and ``np.array(t)`` or ``t.numpy().copy()`` is a writable copy.

        >>> import tinygradconv as tg
        >>> t = tg.tensor([1.0, 2.0])
        >>> view = t.numpy()
        >>> view[0] = 5.0
        >>> t.tolist()
        [5.0, 2.0]
        >>> tg.tensor([1.0, 2.0], requires_grad=True).numpy().flags.writeable
        False
        """
        array = self.backend.to_numpy(self._data)
        if self._requires_grad:       # read-only (see above): a view, so that t.data itself stays writable
            array = array.view()
            array.flags.writeable = False
        return array

    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self.numel() != 1:     # (PyTorch: "a Tensor with 6 elements cannot be converted to Scalar")
            raise ValueError(f"item() needs a tensor with one element; this one has shape {self.shape} "
                             f"({self.numel()} elements). Use t.tolist() for all the values, or t[i].item() for "
                             "one of them")
        return self.numpy().reshape(()).item()

    def __float__(self):
        """``float(t)`` for a one-element tensor (any shape), as in PyTorch; ``ValueError`` otherwise."""
        if self.size != 1:
            raise ValueError(f"Only one-element tensors can be converted to a Python float; this one has shape "
                             f"{self.shape}")
        return float(self.item())

    def __int__(self):
        """``int(t)`` for a one-element tensor, truncating towards zero like ``int(2.7) == 2`` (PyTorch too).

        Raises ``ValueError`` for more or fewer elements and for NaN, ``OverflowError`` for infinity (Python's
        own errors for ``int(float("nan"))`` and ``int(float("inf"))``).
        """
        if self.size != 1:
            raise ValueError(f"Only one-element tensors can be converted to a Python int; this one has shape "
                             f"{self.shape}")
        return int(self.item())

    def tolist(self):
        """The data as (nested) Python lists of numbers: always a copy."""
        return self.numpy().tolist()

    def detach(self) -> Tensor:
        """The same data, cut from the graph (``requires_grad=False``)."""
        return Tensor._make(self._data, self.backend, False, None)

    def to(self, *args, **kwargs) -> Tensor:
        """This tensor on another backend or device, in another dtype, or both, as PyTorch's ``Tensor.to``:
        ``to(backend_or_device)``, ``to(dtype)``, ``to(device, dtype)``, ``to(other_tensor)`` and the keywords
        ``device=``, ``dtype=``, ``non_blocking=``, ``copy=`` (see :func:`tinygradconv.ops.shape.to`)."""
        return _ops.shape.to(self, *args, **kwargs)

    def __copy__(self):
        return self.__deepcopy__({})

    def __deepcopy__(self, memo):
        """A copy of a leaf tensor: its own data, ``requires_grad``, gradient and attributes (name, constraint)."""
        if self._ctx is not None:
            raise RuntimeError("Only leaf tensors (made by the user, not by an op) can be copied; use .detach() "
                               "first to copy the values of an op's output")
        new = Tensor(self, dtype=dtype_name(self.dtype))
        memo[id(self)] = new
        new._requires_grad = self._requires_grad
        if self.grad is not None:
            new.grad = Tensor(self.grad, dtype=dtype_name(self.grad.dtype))
        new.__dict__.update(copy.deepcopy(self.__dict__, memo))
        return new

    def astype(self, dtype) -> Tensor:
        """A differentiable cast to ``dtype`` (e.g. ``"float64"``). An integer or bool result never requires grad
        (as in PyTorch): no gradient flows back through it, nor through any op's integer or bool output."""
        return _ops.elementwise.Cast.apply(self, dtype=self.backend.dtype(_check_dtype(dtype)))

    # ------------------------------------------------------------------ autograd
    @property
    def grad(self):
        """The gradient accumulated by :meth:`backward` (a Tensor of this tensor's shape and dtype), or ``None``.

        It may be set, as in PyTorch, to ``None`` or to such a Tensor (e.g. by hand before ``optimizer.step``);
        anything else raises, as PyTorch's ``t.grad = ...`` does: a ``TypeError`` for a value that is not a Tensor
        (wrap an array with ``tg.tensor(array, dtype=...)``), a ``ValueError`` for another shape, dtype or backend.

        Reading it on an op's output (not a leaf) that does not :meth:`retain_grad` warns, as PyTorch does: the
        backward pass fills only the ``.grad`` of leaves, so it is ``None`` there.
        """
        if self._ctx is not None and self._grad is None and not self._retains_grad:
            warnings.warn("The .grad attribute of a tensor that is not a leaf (an op's output) is being read: "
                          "backward() fills only the .grad of leaves, so it is None here. Call .retain_grad() on "
                          "this tensor before backward() to keep its gradient (as in PyTorch)", UserWarning,
                          stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value):
        self._grad = gradient_for(self, value)

    @grad.deleter
    def grad(self):
        self._grad = None

    @property
    def requires_grad(self) -> bool:
        """Whether ``backward`` computes a gradient for this tensor. Setting it checks the value as
        :meth:`requires_grad_` does (a bool, on a floating tensor), as PyTorch checks ``t.requires_grad = ...``."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag):
        self.requires_grad_(flag)

    def requires_grad_(self, flag=True) -> Tensor:
        """Set ``requires_grad`` in place (only floating tensors can require gradients; ``flag`` a bool, as in
        PyTorch, which refuses ``1`` or ``"yes"`` too)."""
        flag = flag_argument(flag, "requires_grad")
        if flag and dtype_name(self.dtype) not in _FLOAT_KINDS:
            raise TypeError(f"Only floating-point tensors can require gradients; this one is {dtype_name(self.dtype)}")
        if not flag and self._ctx is not None:      # as PyTorch: it would cut the graph silently
            raise RuntimeError("requires_grad_(False) changes only leaf tensors; this one was computed by an op. "
                               "For a copy outside the graph use t.detach()")
        self._requires_grad = bool(flag)
        return self

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None, *, grad=None) -> None:
        """Compute the gradients of this tensor with respect to every leaf that requires them, as
        ``torch.Tensor.backward`` (same signature).

        Args:
            gradient: the gradient of some final scalar with respect to this tensor (a Tensor or an array of the same
                shape). May be omitted for a one-element tensor (it is then 1). ``grad=`` is accepted too (this
                project's earlier name for it), but not both. A gradient that is (or views) a ``.grad`` of the
                graph's is copied first, so that the pass, which adds into leaves' ``.grad`` in place, never reads
                what it wrote:
                ``(a + b * c).backward(a.grad)`` gives ``b.grad == c * a.grad`` as it was at the call, in either
                operand order (``b * c + a`` gave twice that). PyTorch, whose engine adds into ``a.grad`` before it
                runs ``b * c``'s backward, gives twice that in both orders.
            retain_graph: keep the graph so that ``backward`` can be called through it again. ``None`` (the
                default) means ``False``, as in PyTorch (where it means ``create_graph``, always False here).
            create_graph: must be ``False``: no graph is recorded through the backward pass, so there are no
                higher-order gradients here.
            inputs: must be ``None``: every leaf that requires a gradient receives one (PyTorch's ``inputs=``
                limits that to some tensors; here, read the ``.grad`` you need and ``zero_grad()`` the others).

        Gradients of leaves accumulate into ``leaf.grad``, added into the same Tensor in place (see
        :mod:`tinygradconv.autograd`).

        Raises:
            RuntimeError: this tensor does not require a gradient, or has more than one element and no
                ``gradient`` was given, or its graph was freed by an earlier ``backward()``.
            TypeError: ``gradient`` and ``grad`` both given, or ``retain_graph``/``create_graph`` not a bool.
            ValueError: ``gradient`` of another shape or backend, ``create_graph=True``, or ``inputs`` given.

        >>> import tinygradconv as tg
        >>> x = tg.tensor([1.0, 2.0], requires_grad=True)
        >>> (x * x).backward(gradient=tg.tensor([1.0, 0.5]))
        >>> x.grad.tolist()
        [2.0, 2.0]
        """
        from .autograd import backward

        gradient, retain_graph = backward_arguments(gradient, retain_graph, create_graph, inputs, grad)
        backward(self, gradient, retain_graph)

    def retain_grad(self) -> Tensor:
        """Keep the gradient of this non-leaf tensor in ``.grad`` during ``backward`` (accumulating, as leaves do)."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad() on a tensor that does not require grad: it will never get a gradient")
        self._retains_grad = True
        return self

    def zero_grad(self) -> None:
        """Forget the accumulated gradient (``.grad = None``)."""
        self.grad = None

    # ------------------------------------------------------------------ operators
    def _lift(self, other) -> Tensor:
        """Turn a Python number, list or array into a constant tensor on this tensor's backend: in this tensor's
        dtype, except a floating array, which keeps its own (``float16 tensor * float32 array`` is float32, as in
        PyTorch and NumPy: casting the array down lost ``1e5`` to ``inf``, and ``1e-10`` added to a float64 array),
        and an integer array beside an integer tensor (:func:`~tinygradconv.ops.elementwise.array_keeps_its_dtype`)."""
        if isinstance(other, Tensor):
            return other
        if hasattr(other, "dtype") and not isinstance(other, np.generic) and \
                _ops.elementwise.array_keeps_its_dtype(other, self.dtype):  # (torch tensor: TypeError saying so)
            return Tensor(other, backend=self.backend, dtype=dtype_name(other.dtype))
        if isinstance(other, numbers.Complex) and not isinstance(other, numbers.Real):
            raise TypeError(f"Cannot combine a tensor with the complex number {other!r}: tinygradconv tensors hold "
                            "real numbers")
        if isinstance(other, numbers.Number):          # a NumPy number too
            dtype = self.data.dtype
            if dtype_name(dtype) not in _FLOAT_KINDS and not _number_fits(other, dtype_name(dtype)):
                # int_t * 2.5 is float32 (floatx), mask + 2 int64, as torch; int8_t + 200 a TypeError
                return _ops.elementwise.number_beside_integers(self, other)
            if not isinstance(other, np.generic):
                return Tensor._make(self.backend.scalar(other, dtype), self.backend, False, None)
        return Tensor(other, dtype=_ops.elementwise.dtype_beside(other, self.dtype), backend=self.backend)

    def _scaled(self, function, other, reflected=False):
        """``function`` (multiplication or division) of this tensor and ``other``, an operand that is not a Tensor
        (``other`` first when ``reflected``).

        A float16 tensor and a Python number that float16 cannot hold exactly (``1e5`` is ``inf`` there, ``1e-8``
        is 0, ``0.1`` is rounded) are multiplied or divided in float32 and the result rounded to float16 once, as
        PyTorch's ``mul`` and ``div`` compute them (with the number in float32, its "opmath" type): ``x / 1e5`` is
        ``1e-5 * x``, not 0, and its gradient ``1e-5``, not 0. PyTorch's ``add`` and ``sub`` round the number to
        float16 first (``x + 1e5`` is ``inf``), and so do ours (:meth:`_lift`); ``**`` and a number divided by a
        tensor have paths of their own (:func:`~tinygradconv.ops.elementwise.power`,
        :func:`~tinygradconv.ops.elementwise.rdiv`).
        """
        out = _ops.elementwise.float16_number_in_float32(function, self, other, reflected)  # a NumPy number too
        if out is not None:
            return out
        other = self._lift(other)
        return function.apply(other, self) if reflected else function.apply(self, other)

    # The arithmetic operators are the hottest path of the engine: they skip `_lift` for Tensor operands.
    def __add__(self, other):
        return _Add.apply(self, other if other.__class__ is Tensor else self._lift(other))

    def __radd__(self, other):
        return _Add.apply(self._lift(other), self)

    def __sub__(self, other):       # (a bool number is refused, as PyTorch: ops.elementwise.subtrahend)
        return _Sub.apply(self, other if other.__class__ is Tensor else _ops.elementwise.subtrahend(self, other))

    def __rsub__(self, other):
        return _Sub.apply(_ops.elementwise.subtrahend(self, other), self)

    def __mul__(self, other):
        return _Mul.apply(self, other) if other.__class__ is Tensor else self._scaled(_Mul, other)

    def __rmul__(self, other):
        return self._scaled(_Mul, other, reflected=True)

    def __truediv__(self, other):
        return _Div.apply(self, other) if other.__class__ is Tensor else self._scaled(_Div, other)

    def __rtruediv__(self, other):
        return _ops.elementwise.rdiv(self, other)

    def __iadd__(self, other):       # augmented assignments: in place for parameters under no_grad()
        return _ops.elementwise.in_place(self, other, Tensor.__add__, "+=")

    def __isub__(self, other):
        return _ops.elementwise.in_place(self, other, Tensor.__sub__, "-=")

    def __imul__(self, other):
        return _ops.elementwise.in_place(self, other, Tensor.__mul__, "*=")

    def __itruediv__(self, other):
        return _ops.elementwise.in_place(self, other, Tensor.__truediv__, "/=")

    def __pow__(self, other):
        return _ops.elementwise.power(self, other)

    def __rpow__(self, other):
        return _ops.elementwise.power(other, self)

    def __matmul__(self, other):
        return _ops.linalg.MatMul.apply(self, self._lift(other))

    def __rmatmul__(self, other):
        return _ops.linalg.MatMul.apply(self._lift(other), self)

    def __pos__(self):
        return self

    def __abs__(self):
        return self.abs()

    def __getitem__(self, index):
        return _ops.shape.getitem(self, index)

    # comparisons: not differentiable, return boolean tensors (see ops.elementwise.compare)
    def _compare(self, other, op):
        return _ops.elementwise.compare(self, other, op)

    def __eq__(self, other):
        return self._compare(other, lambda a, b: a == b)

    def __ne__(self, other):
        return self._compare(other, lambda a, b: a != b)

    def __lt__(self, other):
        return self._compare(other, lambda a, b: a < b)

    def __le__(self, other):
        return self._compare(other, lambda a, b: a <= b)

    def __gt__(self, other):
        return self._compare(other, lambda a, b: a > b)

    def __ge__(self, other):
        return self._compare(other, lambda a, b: a >= b)

    def __bool__(self):
        if self.size != 1:
            raise ValueError(f"The truth value of a tensor with shape {self.shape} is ambiguous")
        return bool(self.item())

    # ------------------------------------------------------------------ methods (delegate to ops)
    def reshape(self, *sizes, shape=NOT_GIVEN):
        return _ops.shape.reshape(self, *sizes, shape=shape)

    def permute(self, *axes, dims=NOT_GIVEN):
        return _ops.shape.permute(self, *axes, dims=dims)

    def transpose(self, *axes, dim0=NOT_GIVEN, dim1=NOT_GIVEN):
        """Reverse the axes (no arguments), swap two axes (``transpose(0, 1)``, ``dim0=``/``dim1=``), or permute
        (one full tuple): :func:`tinygradconv.ops.shape.transpose`."""
        return _ops.shape.transpose(self, *axes, dim0=dim0, dim1=dim1)

    def sum(self, axis=None, keepdims=NOT_GIVEN, *, dim=None, keepdim=None):
        """Sum over ``axis`` (or PyTorch's ``dim``/``keepdim``): :func:`tinygradconv.ops.reduction.sum`."""
        return _ops.reduction.sum(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def mean(self, axis=None, keepdims=NOT_GIVEN, *, dim=None, keepdim=None):
        """Mean over ``axis`` (or PyTorch's ``dim``/``keepdim``): :func:`tinygradconv.ops.reduction.mean`."""
        return _ops.reduction.mean(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def exp(self):
        return _ops.elementwise.Exp.apply(self)

    def log(self):
        return _ops.elementwise.Log.apply(self)

    def log1p(self):
        return _ops.elementwise.Log1p.apply(self)

    def sqrt(self):
        return _ops.elementwise.Sqrt.apply(self)

    def abs(self):
        return _ops.elementwise.Abs.apply(self)

    def tanh(self):
        return _ops.elementwise.Tanh.apply(self)

    def sigmoid(self):
        return _ops.elementwise.Sigmoid.apply(self)

    def relu(self):
        return _ops.elementwise.Relu.apply(self)

    def clip(self, min=None, max=None):
        return _ops.elementwise.clip(self, min, max)

    def maximum(self, other):
        return _ops.elementwise.maximum(self, other)

    def minimum(self, other):
        return _ops.elementwise.minimum(self, other)


name_inherited_methods(Tensor)     # errors name t.amax as Tensor.amax, not TorchPort.amax


def tensor(data, requires_grad=False, dtype=None, backend=None) -> Tensor:
    """Make a :class:`Tensor` (same arguments as the class)."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype, backend=backend)


# The one import cycle of the engine, made here on purpose: the ops need Tensor (their functions take and
# return Tensors) and Function from autograd, while Tensor's operators (+, @, .sum(), ...) call the ops. The
# package imports autograd first; autograd imports this module at its end (once Function and the registry
# exist); this module imports the ops here, at its end, once Tensor exists. Each module therefore finds what
# it needs already defined, and `tensor.py` reaches the ops only through `_ops` at call time. (backward()
# imports autograd inside the method, so that loading this module never depends on how far autograd has got.)
from . import ops as _ops

_Add, _Sub, _Mul, _Div = _ops.elementwise.Add, _ops.elementwise.Sub, _ops.elementwise.Mul, _ops.elementwise.Div
