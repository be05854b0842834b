"""NumPy's functions called on tensors (``np.exp(t)``, ``array + t``, ``np.clip(t, 0, 1)``): NumPy's ufunc protocol,
``__array_ufunc__``, and its protocol for the other functions, ``__array_function__`` (NEP 18).

A NumPy function computes on arrays, outside the autograd graph: ``np.tanh(t)`` reads the tensor's data and
returns a plain array, and no gradient flows back through it. Where the tensor requires grad this loses its
gradient without a word (``layer2(np.tanh(layer1(x)))`` leaves ``layer1``'s weights without gradients), so
:class:`NumpyUfuncs` refuses it with a ``TypeError`` naming the tensor's own op. PyTorch refuses too:
``np.exp(t)`` on a ``torch.Tensor`` that requires grad raises "Can't call numpy() on Tensor that requires grad"
(https://pytorch.org/docs/stable/generated/torch.Tensor.numpy.html).

The same holds for NumPy's functions that are not ufuncs (``np.clip``, ``np.where``, ``np.dot``,
``np.concatenate``, ``np.stack``, ``np.sum``, ``np.mean``, ``np.max``, ...): given a tensor that requires grad,
anywhere among their arguments (``np.concatenate([t, t])`` too), they raise the same ``TypeError``, naming the
tinygradconv spelling (``t.clip(min, max)``, ``tg.ops.where(condition, a, b)``, ``tg.ops.concat(tensors, axis)``,
``a @ b``), as PyTorch refuses them. Only those whose result holds no gradient take it (:data:`NO_GRADIENT`):
shape queries (``np.shape``, ``np.ndim``, ``np.size``), comparisons of whole arrays (``np.allclose``,
``np.array_equal``, ``np.isclose``), indices (``np.argmax``, ``np.nonzero``, ``np.count_nonzero``, ``np.any``),
and new arrays that take only the tensor's shape and dtype (``np.zeros_like``, ``np.full_like``).
PyTorch refuses those too, except ``np.shape`` and ``np.ndim``; here they follow the rule of the boolean ufuncs
below: no gradient would be lost.

What is still allowed, as before:

* the arithmetic and comparison operators with a NumPy array or scalar on the left (``array + t``,
  ``np.float32(2) * t``, ``array < t``) are the tensor's own differentiable operators, as with the array on the
  right, ``//``, ``%`` and ``divmod`` included (``array // t``). NumPy runs them as ``np.add(array, t)``, so such an
  explicit call, with the tensor second, is the operator too; the operators that tensors lack
  (``np.int64(7) & t``, ``<<``) are Python's "unsupported operand" ``TypeError``, as ``7 & t`` is;
* ufuncs whose result is boolean (``np.isnan(t)``, ``np.isfinite(t)``, ``np.signbit(t)``): no gradient flows
  through a comparison, in PyTorch neither;
* every other NumPy call on tensors that do not require grad (``np.exp(t)``, ``np.add(t, 1)``, ``np.clip(t, 0,
  1)``, ``np.concatenate([t, t])``, ``np.sum(t)``): it computes on their data (``np.asarray(t)``) and returns
  NumPy arrays or scalars, so that NumPy code keeps working on results that are only read (plots, checks).
  PyTorch differs for ``np.sum(t)``, ``np.mean(t)``, ``np.max(t)``: NumPy calls the tensor's own method there
  with NumPy's keywords (``out=``), which ``torch.Tensor.sum`` does not take, so PyTorch raises a ``TypeError``
  for them with or without grad. Here they are the sum, mean and maximum of the data, as ``np.sum(t.numpy())``.
* ``np.asarray(t)``, ``np.array(t)`` and ``np.testing.assert_allclose(t, ...)`` read any tensor's data, with or
  without grad: converting is asking for the values (PyTorch refuses a tensor that requires grad there too, and
  asks for ``t.detach().numpy()``). For a tensor that requires grad, ``np.asarray(t)`` is read-only, as
  ``t.numpy()`` is (:meth:`~tinygradconv.tensor.Tensor.numpy`): a write would change what the graph saved.
  Except a loss: a one-number (0-d) result of ops that requires grad is refused with a ``TypeError``, as
  PyTorch refuses it. ``np.mean([loss1, loss2])`` converts each loss (``__array__``), and returned a NumPy
  number without a graph, so its ``backward()`` failed in NumPy's words; write ``(loss1 + loss2) / 2`` or
  ``tg.ops.stack([loss1, loss2]).mean()`` instead, and ``loss.item()`` or ``float(loss)`` for the number
  (``float`` takes any one-element tensor, as in PyTorch). NumPy gives no way to tell ``np.asarray(loss)`` from
  the conversion of a list, so both are refused.

A tensor as ``out=`` is refused (``TypeError``), as it was before this protocol: write into its array, ``t.data``
(``t.numpy()`` of a tensor that requires grad is read-only), instead.

>>> import numpy as np
>>> import tinygradconv as tg
>>> x = tg.tensor([0.0, 1.0], requires_grad=True)
>>> (np.ones(2, dtype=np.float32) + x).requires_grad             # the tensor's own +
True
>>> np.isnan(x).tolist(), np.exp(x.detach()).dtype       # a boolean result; no gradient wanted
([False, False], dtype('float32'))
>>> np.exp(x)
Traceback (most recent call last):
    ...
TypeError: np.exp(...) got a tensor that requires grad: NumPy computes outside the autograd graph, ... t.exp(), ...
>>> np.clip(x, 0, 1)
Traceback (most recent call last):
    ...
TypeError: np.clip(...) got a tensor that requires grad: NumPy computes outside the autograd graph, ... t.clip(...
>>> np.shape(x), np.allclose(x, [0.0, 1.0]), float(np.sum(x.detach()))
((2,), True, 1.0)
"""
from __future__ import annotations

import numpy as np

__all__ = ["NumpyUfuncs"]

#: The ufuncs behind the binary operators: NumPy calls them for ``array + t`` (the tensor on the right) and
#: ``np.float32(2) * t``; each goes to the tensor's own operator, the reflected one where the tensor is on the right.
OPERATORS = {
    np.add: ("__add__", "__radd__"),
    np.subtract: ("__sub__", "__rsub__"),
    np.multiply: ("__mul__", "__rmul__"),
    np.true_divide: ("__truediv__", "__rtruediv__"),
    np.power: ("__pow__", "__rpow__"),
    np.floor_divide: ("__floordiv__", "__rfloordiv__"),
    np.remainder: ("__mod__", "__rmod__"),
    np.divmod: ("__divmod__", "__rdivmod__"),
    np.matmul: ("__matmul__", "__rmatmul__"),
    np.equal: ("__eq__", "__eq__"),
    np.not_equal: ("__ne__", "__ne__"),
    np.less: ("__lt__", "__gt__"),
    np.less_equal: ("__le__", "__ge__"),
    np.greater: ("__gt__", "__lt__"),
    np.greater_equal: ("__ge__", "__le__"),
    np.bitwise_and: ("__and__", "__rand__"),
    np.bitwise_or: ("__or__", "__ror__"),
    np.bitwise_xor: ("__xor__", "__rxor__"),
    np.left_shift: ("__lshift__", "__rlshift__"),
    np.right_shift: ("__rshift__", "__rrshift__"),
}

#: NumPy's ufunc names whose tensor method has another name.
METHOD_NAMES = {"absolute": "abs", "fabs": "abs"}


def _boolean_result(ufunc) -> bool:
    """Whether every loop of ``ufunc`` on numbers returns booleans (``np.isnan``, ``np.equal``, ``np.logical_and``;
    the loops on Python objects, ``O->O``, are left out)."""
    return all(signature.endswith("?") for signature in ufunc.types if "O" not in signature)


def _own_op(ufunc, tensor_type) -> str:
    """The hint for a refused ufunc: the tensor's method of the same meaning, where it has one."""
    name = METHOD_NAMES.get(ufunc.__name__, ufunc.__name__)
    if hasattr(tensor_type, name):
        return f"the tensor's own op, t.{name}(),"
    return "the tensor's methods and operators where they can express it,"


def _refusal(call, hint) -> TypeError:
    """The error for a NumPy call that got a tensor that requires grad (``hint``: the tinygradconv spelling)."""
    return TypeError(f"{call}(...) got a tensor that requires grad: NumPy computes outside the autograd graph, so "
                     f"no gradient would reach the tensor. Use {hint} or pass t.detach() where no gradient is "
                     "wanted")


#: NumPy's functions (not ufuncs) whose result holds no gradient: shapes, booleans and indices. They take a tensor
#: that requires grad, as the boolean ufuncs do; every other one refuses it.
NO_GRADIENT = frozenset({np.shape, np.ndim, np.size, np.result_type, np.iscomplexobj, np.isrealobj, np.allclose,
                         np.isclose, np.array_equal, np.array_equiv, np.isposinf, np.isneginf, np.argmax, np.argmin,
                         np.argsort, np.argwhere, np.nonzero, np.flatnonzero, np.count_nonzero, np.any, np.all,
                         # new arrays of the tensor's shape and dtype, that do not read its values (a student's
                         # optimizer buffer, np.zeros_like(param)), and questions about its memory
                         np.zeros_like, np.ones_like, np.empty_like, np.full_like, np.may_share_memory,
                         np.shares_memory})

#: The tinygradconv spelling of NumPy functions whose name differs, or that are functions of ``tg.ops``.
SPELLINGS = {"clip": "t.clip(min, max)", "concatenate": "tg.ops.concat(tensors, axis)",
             "concat": "tg.ops.concat(tensors, axis)", "stack": "tg.ops.stack(tensors, axis)",
             "where": "tg.ops.where(condition, a, b)", "dot": "a @ b (tg.ops.matmul)",
             "inner": "a @ b (tg.ops.matmul)", "amax": "t.max(axis=...)", "amin": "t.min(axis=...)",
             "expand_dims": "t.unsqueeze(axis)", "pad": "tg.ops.pad(...)",
             # PyTorch's meanings, which differ from NumPy's under the same name: t.repeat is np.tile, and
             # t.split(2) cuts pieces of size 2 where np.split(a, 2) cuts 2 pieces
             "tile": "t.repeat(...) (PyTorch's name for np.tile)",
             "repeat": "t.unsqueeze(axis + 1).expand(...) then reshape (t.repeat is PyTorch's, np.tile's meaning)",
             "split": "t.chunk(n, dim) for n equal pieces or t.split(sizes, dim) for listed sizes (PyTorch's "
                      "t.split(2) cuts pieces of size 2)",
             "array_split": "t.split(sizes, dim) with the sizes listed",
             "norm": "t.norm(p, dim) or tg.ops.vector_norm(x, ord, dim)",
             # PyTorch's default divisor n - 1 (correction=1), where NumPy's ddof=0 divides by n
             "var": "t.var(correction=0) (np.var divides by n; t.var() by n - 1, as PyTorch's)",
             "std": "t.std(correction=0) (np.std divides by n; t.std() by n - 1, as PyTorch's)"}


def _spelling(func, tensor_type) -> str:
    """The hint for a refused NumPy function: its tinygradconv spelling, where there is one."""
    if func.__name__ in SPELLINGS:
        return f"tinygradconv's {SPELLINGS[func.__name__]}"
    if hasattr(tensor_type, func.__name__):
        return f"the tensor's own op, t.{func.__name__}(...),"
    return "the tensor's methods and operators where they can express it,"


def _loss_refusal() -> TypeError:
    """The error for a loss (a 0-d result of ops that requires grad) given to NumPy: ``np.mean([loss1, loss2])``
    took the two numbers out of the graph, and the mean's ``backward`` was an ``AttributeError`` of NumPy's."""
    return TypeError("NumPy got a one-number tensor that requires grad and has a graph (a loss, as in "
                     "np.mean([loss1, loss2]) or np.asarray(loss)): NumPy computes outside the autograd graph, so "
                     "no gradient would reach the weights. Combine losses with tinygradconv's ops to keep the "
                     "gradient: (loss1 + loss2) / 2, or tg.ops.stack([loss1, loss2]).mean(); for the number, use "
                     "loss.item() or float(loss) (or pass loss.detach())")


def _tensors_in(value) -> list:
    """The tensors in ``value``, looking into lists and tuples (``np.concatenate([t, t])``)."""
    if isinstance(value, NumpyUfuncs):
        return [value]
    if isinstance(value, (list, tuple)):
        return [tensor for item in value for tensor in _tensors_in(item)]
    return []


def _refuse_tensor_out(name, out):
    """A ``TypeError`` when ``out=`` (a ufunc's tuple, or a function's array or list) holds a tensor: NumPy would
    write into the tensor's memory behind the graph's back."""
    if _tensors_in(out):
        raise TypeError(f"{name}(..., out=...) cannot write into a tensor; pass its array, t.data (for a tensor "
                        "that requires grad, whose t.numpy() is read-only, under `with tg.no_grad():`)")


def _as_arrays(value):
    """``value`` with each tensor replaced by its data (``np.asarray``), in lists and tuples too."""
    if isinstance(value, NumpyUfuncs):
        return np.asarray(value)
    if isinstance(value, list):
        return [_as_arrays(item) for item in value]
    if isinstance(value, tuple):
        return tuple(_as_arrays(item) for item in value)
    return value


class NumpyUfuncs:
    """NumPy's protocols for tensors, that of ufuncs and that of the other functions (a mixin of ``Tensor``,
    through ``TorchMethods``); see the module."""

    __slots__ = ()

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if (method == "__call__" and not kwargs and len(inputs) == 2 and not isinstance(inputs[0], NumpyUfuncs)
                and ufunc in OPERATORS):
            # an array or NumPy scalar on the left: how NumPy runs ``array + t`` (``<<`` too)
            return getattr(inputs[1], OPERATORS[ufunc][1])(inputs[0])
        call = f"np.{ufunc.__name__}" + ("" if method == "__call__" else f".{method}")
        _refuse_tensor_out(call, kwargs.get("out"))
        tensors = [value for value in inputs if isinstance(value, NumpyUfuncs)]
        if not _boolean_result(ufunc) and any(tensor.requires_grad for tensor in tensors):
            raise _refusal(call, _own_op(ufunc, type(self)))
        arrays = [np.asarray(value) if isinstance(value, NumpyUfuncs) else value for value in inputs]
        return getattr(ufunc, method)(*arrays, **kwargs)

    def __array_function__(self, func, types, args, kwargs):
        """NEP 18: NumPy's functions that are not ufuncs (``np.clip(t, 0, 1)``, ``np.concatenate([t, t])``)
        compute on the tensors' data and return NumPy's result; a tensor that requires grad is refused, unless
        ``func`` is in :data:`NO_GRADIENT` (see the module)."""
        name = func.__module__.replace("numpy", "np", 1) + "." + func.__name__
        _refuse_tensor_out(name, kwargs.get("out"))
        if func not in NO_GRADIENT and any(t.requires_grad for t in _tensors_in([args, list(kwargs.values())])):
            raise _refusal(name, _spelling(func, type(self)))
        return func(*_as_arrays(args), **{key: _as_arrays(value) for key, value in kwargs.items()})

    def __array__(self, dtype=None, copy=None):
        """NumPy's array protocol (``np.asarray(t)``, ``np.array(t, copy=...)``), with NumPy 2's ``copy`` argument.

        ``copy=None`` (the default of ``np.asarray``) copies only when needed: the result shares the tensor's
        memory, as :meth:`~tinygradconv.tensor.Tensor.numpy` does (read-only for a tensor that requires grad),
        unless ``dtype`` differs or the data is on a GPU. ``copy=True`` always copies (a writable array).
        ``copy=False`` never copies and raises ``ValueError`` when a copy cannot be avoided, as NumPy's protocol
        requires.

        Raises:
            TypeError: for a one-number result of ops that requires grad (a loss), which NumPy would take out of
                the graph: ``np.mean([loss1, loss2])`` (see the module).

        >>> import numpy as np
        >>> import tinygradconv as tg
        >>> t = tg.tensor([1.0, 2.0])
        >>> np.shares_memory(np.asarray(t), t.numpy()), np.shares_memory(np.array(t, copy=True), t.numpy())
        (True, False)
        """
        if self._ctx is not None and self.ndim == 0 and self._requires_grad:    # a loss: see the module
            raise _loss_refusal()
        array = self.numpy()
        cast = dtype is not None and np.dtype(dtype) != array.dtype
        if copy is False and (cast or self.backend.name == "cupy"):
            why = f"a cast from {array.dtype} to {np.dtype(dtype)}" if cast else "a copy from the GPU"
            raise ValueError(f"Cannot make a NumPy array of this tensor without copying (it needs {why}), but "
                             "copy=False was requested; use np.asarray(t) or np.array(t, copy=True)")
        if copy or cast:
            return array.astype(array.dtype if dtype is None else dtype, copy=True)
        return array
