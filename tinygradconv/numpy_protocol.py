"""NumPy's functions called on tensors (``np.exp(t)``, ``array + t``): NumPy's ufunc protocol, ``__array_ufunc__``.

A NumPy function computes on arrays, outside the autograd graph: ``np.tanh(t)`` reads the tensor's data and
returns a plain array, and no gradient flows back through it. Where the tensor requires grad this loses its
gradient without a word (``layer2(np.tanh(layer1(x)))`` leaves ``layer1``'s weights without gradients), so
:class:`NumpyUfuncs` refuses it with a ``TypeError`` naming the tensor's own op. PyTorch refuses too:
``np.exp(t)`` on a ``torch.Tensor`` that requires grad raises "Can't call numpy() on Tensor that requires grad"
(https://pytorch.org/docs/stable/generated/torch.Tensor.numpy.html).

What is still allowed, as before:

* the arithmetic and comparison operators with a NumPy array or scalar on the left (``array + t``,
  ``np.float32(2) * t``, ``array < t``) are the tensor's own differentiable operators, as with the array on the
  right. NumPy runs them as ``np.add(array, t)``, so such an explicit call, with the tensor second, is the
  operator too; the operators that tensors lack (``np.float32(7) // t``, ``%``) are Python's "unsupported
  operand" ``TypeError``, as ``7 // t`` is;
* ufuncs whose result is boolean (``np.isnan(t)``, ``np.isfinite(t)``, ``np.signbit(t)``): no gradient flows
  through a comparison, in PyTorch neither;
* every other ufunc call on tensors that do not require grad (``np.exp(t)``, ``np.add(t, 1)``): it computes on
  their data (``np.asarray(t)``) and returns a NumPy array, so that NumPy code keeps working on results that are
  only read (plots, checks).

A tensor as a ufunc's ``out=`` is refused (``TypeError``), as it was before this protocol: write into
``t.numpy()`` instead. NumPy's other functions (``np.sum``, ``np.dot``, ``np.clip``, ``np.where``) are not
ufuncs and not covered: they still compute on the data and drop the gradient without a word (PyTorch refuses
them too). Use the tensor's methods for them.

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
    np.matmul: ("__matmul__", "__rmatmul__"),
    np.equal: ("__eq__", "__eq__"),
    np.not_equal: ("__ne__", "__ne__"),
    np.less: ("__lt__", "__gt__"),
    np.less_equal: ("__le__", "__ge__"),
    np.greater: ("__gt__", "__lt__"),
    np.greater_equal: ("__ge__", "__le__"),
}

#: The ufuncs behind Python operators that tensors do not have (``//``, ``%``, ``divmod``, the bitwise ones): with an
#: array or NumPy scalar on the left (``np.float32(7) // t``) they answer ``NotImplemented``, so that Python raises
#: its "unsupported operand" ``TypeError``, as for ``7 // t``.
NOT_OPERATORS = frozenset({np.floor_divide, np.remainder, np.divmod, np.bitwise_and, np.bitwise_or, np.bitwise_xor,
                           np.left_shift, np.right_shift})

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


class NumpyUfuncs:
    """NumPy's ufunc protocol for tensors (a mixin of ``Tensor``, through ``TorchMethods``); see the module."""

    __slots__ = ()

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if method == "__call__" and not kwargs and len(inputs) == 2 and not isinstance(inputs[0], NumpyUfuncs):
            # an array or NumPy scalar on the left: how NumPy runs ``array + t``
            if ufunc in OPERATORS:
                return getattr(inputs[1], OPERATORS[ufunc][1])(inputs[0])
            if ufunc in NOT_OPERATORS:
                return NotImplemented
        call = f"np.{ufunc.__name__}" + ("" if method == "__call__" else f".{method}")
        if any(isinstance(array, NumpyUfuncs) for array in kwargs.get("out", ())):
            raise TypeError(f"{call}(..., out=...) cannot write into a tensor; pass its array, t.numpy()")
        tensors = [value for value in inputs if isinstance(value, NumpyUfuncs)]
        if not _boolean_result(ufunc) and any(tensor.requires_grad for tensor in tensors):
            raise TypeError(f"{call}(...) got a tensor that requires grad: NumPy computes outside the autograd "
                            f"graph, so no gradient would reach the tensor. Use {_own_op(ufunc, type(self))} or "
                            "pass t.detach() where no gradient is wanted")
        arrays = [np.asarray(value) if isinstance(value, NumpyUfuncs) else value for value in inputs]
        return getattr(ufunc, method)(*arrays, **kwargs)
