"""More of PyTorch's ``Tensor`` methods that a port of a script meets: the in-place forms of the element-wise ops
(``relu_``, ``sigmoid_``, ``tanh_``, ``exp_``, ``log_``, ``sqrt_``, ``neg_``, ``pow_``, ``sin_``, ``cos_``),
``addcmul``/``addcdiv`` and their in-place forms (an optimizer's update written by hand), ``neg``, ``detach_``
and the dtype shorthands ``int``, ``bool``, ``short``, ``byte``, ``char`` and ``bfloat16``.

:class:`~tinygradconv.tensor.Tensor` inherits them through :class:`~tinygradconv.torch_port.TorchPort` from
:class:`TorchInPlace`. Every in-place method writes through one helper, :func:`write_in_place`, with the rules of
``t.add_`` (:meth:`~tinygradconv.torch_methods.TorchMethods.add_`): a plain write outside the graph (under
``no_grad()``, or a tensor that does not require grad given arguments that do not), a write recorded in the graph
(:func:`tinygradconv.in_place.record`) on an op's output that requires grad or a view of one (written into its
base as PyTorch's ``CopySlices``, :mod:`tinygradconv.copy_slices`), and PyTorch's errors for a leaf that
requires grad, or for a result the tensor's dtype cannot hold. Values, gradients and errors are checked against
PyTorch 2.13 by ``tests/test_torch_in_place_s48.py``.

See https://pytorch.org/docs/stable/tensors.html

>>> import tinygradconv as tg
>>> x = tg.tensor([0.0, 1.0], requires_grad=True)
>>> y = x * 2
>>> y.exp_().grad_fn, [round(v, 4) for v in y.tolist()]
(<ExpBackward>, [1.0, 7.3891])
>>> y.sum().backward()
>>> [round(v, 4) for v in x.grad.tolist()]
[2.0, 14.7781]
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from . import in_place
from .backend import dtype_name
from .config import _FLOAT_TYPES as _FLOAT_KINDS  # the floating dtypes' names, as tensor's

_LATE_IMPORTS = None


def _late_imports():
    """``no_grad``, ``Tensor`` and ``_refuse_in_graph_write``, imported at the first in-place write (their modules
    import this one), then kept: an import statement in ``write_in_place`` cost about 2 us per call."""
    global _LATE_IMPORTS
    if _LATE_IMPORTS is None:
        from .autograd import no_grad
        from .tensor import Tensor
        from .torch_methods import _refuse_in_graph_write

        _LATE_IMPORTS = (no_grad, Tensor, _refuse_in_graph_write)
    return _LATE_IMPORTS


def write_in_place(tensor, name, compute, args=(), names=(), check=None, instead=None, reads_args_first=False):
    """``tensor.<name>(*args)``, PyTorch's in-place method (``add_``, ``exp_``, ``addcmul_``, ...): the out-of-place
    result ``compute(tensor, *args)`` written into ``tensor``'s memory, with the rules of ``t[index] = value``
    (views and ``numpy()`` see the values; the write is counted, so a graph that saved the old values refuses its
    backward pass), or recorded in the graph (:func:`~tinygradconv.in_place.record`) on an op's output that
    requires grad, or with a tensor argument that requires grad, while gradients are recorded.

    ``names`` are the names of ``args`` (for the error messages). ``check(result)`` raises the method's errors for
    a result that cannot be written (by default: another shape than the tensor's, a dtype the tensor cannot hold).
    ``instead`` is the out-of-place spelling the errors suggest (by default ``t = t.<name without _>(...)``).
    ``reads_args_first``: the method reads its tensor arguments whole before it writes (``fill_``'s 0-d value), so
    one that views the tensor's own elements is no partial overlap (``y.fill_(y[0])`` fills, as PyTorch).
    The one helper of every in-place method (``add_``, ``copy_``, ``clamp_``, ``fill_``, ``zero_``, ``+=``, ...).

    Raises:
        RuntimeError: a leaf that requires grad or a view of one, while gradients are recorded (PyTorch's); an
            argument that is another view of some of the tensor's elements (``y.add_(y.T)``); an ``expand`` of an
            op's output. (A view of an op's output, ``y[0].mul_(3)``, is recorded as PyTorch's ``CopySlices``.)
        TypeError: a result of a dtype this tensor cannot hold (a float into an integer tensor: PyTorch's "result
            type Float can't be cast to the desired output type Long").
        ValueError: arguments that broadcasting would give another shape (PyTorch: "output with shape [3] doesn't
            match the broadcast shape [2, 3]").
    """
    no_grad, Tensor, _refuse_in_graph_write = _late_imports()
    plain = name[:-1]
    call = f"t.{plain}(...)" if names else f"t.{plain}()"
    tensors = [a for a in args if isinstance(a, Tensor)]
    for a in () if reads_args_first else tensors:
        in_place.refuse_partial_overlap(tensor, a, name)
    given = "/".join(f"`{n}`" for n in names)

    def default_check(result):
        if tuple(result.shape) != tuple(tensor.shape):
            raise ValueError(f"Invalid value for argument {given} of {name}: the result has shape "
                             f"{tuple(result.shape)}, which cannot be written in place into this tensor of shape "
                             f"{tuple(tensor.shape)} (broadcasting would change its shape; PyTorch refuses it too). "
                             f"Write t = {call} for a new tensor")
        kind, result_kind = dtype_name(tensor.dtype), dtype_name(result.dtype)
        if (result_kind in _FLOAT_KINDS and kind not in _FLOAT_KINDS) or (kind == "bool" != result_kind):
            hint = ", or pass rounding_mode='trunc' or 'floor' for an integer quotient" if name == "div_" else ""
            cannot = (f"the result is {result_kind}, which this {kind} tensor cannot hold (as PyTorch: \"result "
                      f"type can't be cast to the desired output type\"). Write t = {call} for a new tensor"
                      f"{hint}")
            if names:
                raise TypeError(f"Invalid type for argument {given} of {name}: {cannot}")
            raise TypeError(f"{name} of a {kind} tensor: {cannot}, or cast it first (t.float())")

    check = default_check if check is None else check
    # the argument that decides whether the write joins the graph: one that requires grad, else any tensor
    deciding = next((a for a in tensors if a.requires_grad), tensors[0] if tensors else None)
    spelling = f"t.{name}(...)" if names else f"t.{name}()"
    if _refuse_in_graph_write(tensor, deciding, spelling, instead or f"t = {call}", recordable=True):
        return in_place.record(tensor, compute, args, check)
    with no_grad():
        result = compute(tensor, *args)
    check(result)
    tensor[...] = result
    return tensor


def _number_value(value, op, kinds):
    """``value`` of ``addcmul``/``addcdiv``: a Python number (or a 0-d tensor's, as PyTorch takes a Scalar), not a
    float where every operand is an integer tensor (PyTorch truncates it silently: ``addcmul(.., value=0.5)`` of
    integers adds nothing)."""
    from .tensor import Tensor

    if isinstance(value, Tensor) and value.ndim == 0:
        value = value.item()
    if not isinstance(value, numbers.Real):
        raise TypeError(f"Invalid type for argument `value` of {op}: expected a number (PyTorch's Scalar). "
                        f"Received {value!r}")
    if not isinstance(value, numbers.Integral) and not any(k in _FLOAT_KINDS for k in kinds):
        raise TypeError(f"Invalid type for argument `value` of {op}: for integer operands `value` must be an "
                        f"integer, not a float (PyTorch truncates it). Received value={value!r}")
    return value


def _check_value_range(value, op, kind):
    """``value`` of ``addcmul``/``addcdiv`` within what PyTorch converts it to: an integer in ``[-2**63, 2**64)``
    (an int64 or uint64 Scalar), a finite float within float32's range where the result (float16 or float32) is
    computed in float32."""
    if isinstance(value, numbers.Integral) and not -2 ** 63 <= value < 2 ** 64:
        raise ValueError(f"Invalid value for argument `value` of {op}: an integer beyond 64 bits (PyTorch's "
                         f"Scalar; PyTorch raises OverflowError). Received value={value!r}")
    limit = float(np.finfo(np.float32).max)
    if kind in ("float16", "float32") and math.isfinite(value) and abs(float(value)) > limit:
        raise ValueError(f"Invalid value for argument `value` of {op}: a {kind} result is computed in float32, "
                         f"whose largest number is {limit:.8g} (PyTorch: \"value cannot be converted to type "
                         f"float without overflow\"). Received value={value!r}")


def _broadcastable(*tensors):
    """Whether the tensors' shapes broadcast together (else the ops of the float32/float64 path raise the error)."""
    try:
        np.broadcast_shapes(*(tuple(t.shape) for t in tensors))
    except ValueError:
        return False
    return True


def _check_tensor_arguments(op, tensor1, tensor2):
    from .tensor import Tensor

    for n, t in (("tensor1", tensor1), ("tensor2", tensor2)):
        if not isinstance(t, Tensor):
            raise TypeError(f"Invalid type for argument `{n}` of {op}: expected a Tensor (as PyTorch). "
                            f"Received {type(t).__name__}")


class TorchInPlace:
    """The methods of this module (a mixin of ``Tensor``, through ``TorchPort``)."""

    __slots__ = ()

    # ---------------------------------------------------------------------------------------------- in place
    def relu_(self):
        """``max(t, 0)`` in place, as ``torch.Tensor.relu_``: :meth:`~tinygradconv.tensor.Tensor.relu` written
        into this tensor (:func:`write_in_place`: the rules and errors of
        :meth:`~tinygradconv.torch_methods.TorchMethods.add_`). On an op's output that requires grad the write is
        recorded (``<ReluBackward>``); a node that saved the old values refuses its backward pass, as PyTorch.

        >>> import tinygradconv as tg
        >>> tg.tensor([-1.0, 2.0]).relu_().tolist()
        [0.0, 2.0]
        """
        return write_in_place(self, "relu_", type(self).relu)

    def sigmoid_(self):
        """``1 / (1 + exp(-t))`` in place, as ``torch.Tensor.sigmoid_`` (see :meth:`relu_`). An integer or bool
        tensor cannot hold the result: ``TypeError`` (PyTorch raises ``RuntimeError``)."""
        return write_in_place(self, "sigmoid_", type(self).sigmoid)

    def tanh_(self):
        """``tanh(t)`` in place, as ``torch.Tensor.tanh_`` (see :meth:`sigmoid_`)."""
        return write_in_place(self, "tanh_", type(self).tanh)

    def exp_(self):
        """``exp(t)`` in place, as ``torch.Tensor.exp_`` (see :meth:`sigmoid_`).

        >>> import tinygradconv as tg
        >>> tg.tensor([0.0]).exp_().tolist()
        [1.0]
        """
        return write_in_place(self, "exp_", type(self).exp)

    def log_(self):
        """``log(t)`` in place, as ``torch.Tensor.log_`` (see :meth:`sigmoid_`)."""
        return write_in_place(self, "log_", type(self).log)

    def sqrt_(self):
        """``sqrt(t)`` in place, as ``torch.Tensor.sqrt_`` (see :meth:`sigmoid_`)."""
        return write_in_place(self, "sqrt_", type(self).sqrt)

    def sin_(self):
        """``sin(t)`` in place, as ``torch.Tensor.sin_`` (see :meth:`sigmoid_`)."""
        return write_in_place(self, "sin_", type(self).sin)

    def cos_(self):
        """``cos(t)`` in place, as ``torch.Tensor.cos_`` (see :meth:`sigmoid_`)."""
        return write_in_place(self, "cos_", type(self).cos)

    def neg(self):
        """``-t``, as ``torch.Tensor.neg`` (also ``negative``): the gradient is ``-1`` times the output's.

        >>> import tinygradconv as tg
        >>> tg.tensor([1.0, -2.0]).neg().tolist()
        [-1.0, 2.0]
        """
        return -self

    negative = neg

    def neg_(self):
        """``-t`` in place, as ``torch.Tensor.neg_`` (see :meth:`relu_`): an integer tensor stays integer (an
        unsigned one wraps around, as PyTorch's ``uint8`` 1 becomes 255); a bool tensor is refused (``TypeError``;
        PyTorch's ``RuntimeError`` says to use ``~`` to invert a mask)."""
        return write_in_place(self, "neg_", type(self).__neg__)

    def pow_(self, exponent):
        """``t ** exponent`` in place, as ``torch.Tensor.pow_``: a number or a tensor exponent that broadcasts
        to this tensor's shape (see :meth:`relu_`; the exponent's gradient too, when it requires grad). An
        integer tensor keeps integer powers only (``pow_(0.5)`` is a ``TypeError``, as PyTorch refuses it).

        >>> import tinygradconv as tg
        >>> tg.tensor([2, 3], dtype="int64").pow_(2).tolist()
        [4, 9]
        """
        return write_in_place(self, "pow_", type(self).pow, (exponent,), ("exponent",))

    # ---------------------------------------------------------------------------------------------- addcmul
    def addcmul(self, tensor1, tensor2, *, value=1):
        """``t + value * tensor1 * tensor2``, broadcast together, as ``torch.Tensor.addcmul``, with the gradients of
        those ops (``value`` a number or a 0-d tensor's number, taken without gradient, as PyTorch's Scalar).
        Floating results are rounded as PyTorch's CPU kernel rounds them, bit for bit, values and gradients
        (:class:`~tinygradconv.ops.addcmul.AddScaled`): ``fma(value * tensor1, tensor2, t)``, the product
        ``value * tensor1`` rounded, then a fused multiply-add rounded once (for every ``value``, 1 included); a
        float16 result computed so in float32 and rounded once to float16. The gradients are PyTorch's formulas,
        each op rounded: ``grad * (tensor2 * value)`` for ``tensor1``, ``grad * (tensor1 * value)`` for
        ``tensor2``. Integer results are ``t + (tensor1 * tensor2) * value``.

        Raises:
            TypeError: ``tensor1`` or ``tensor2`` not a Tensor; ``value`` not a number, or a float where every
                operand is an integer tensor (PyTorch truncates it).
            ValueError: a finite ``value`` beyond float32's range (3.4e38) for a float16 or float32 result, or an
                integer ``value`` outside ``[-2**63, 2**64)`` (PyTorch: RuntimeError "value cannot be converted
                to type float without overflow", OverflowError "int too big to convert").

        See https://pytorch.org/docs/stable/generated/torch.addcmul.html

        >>> import tinygradconv as tg
        >>> tg.tensor([1.0, 1.0]).addcmul(tg.tensor([1.0, 2.0]), tg.tensor([2.0, 4.0]), value=0.5).tolist()
        [2.0, 5.0]
        """
        return self._add_scaled("addcmul", tensor1, tensor2, value)

    def addcdiv(self, tensor1, tensor2, *, value=1):
        """``t + value * tensor1 / tensor2``, as ``torch.Tensor.addcdiv`` (see :meth:`addcmul`): Adam's update
        ``p.addcdiv_(m, v.sqrt().add_(eps), value=-lr)``. Rounded as PyTorch's CPU kernel: ``t + (value *
        tensor1) / tensor2``, each op rounded (a float16 result in float32, rounded once to float16); gradients
        ``grad * (value / tensor2)`` for ``tensor1`` and ``-grad * ((tensor1 * value) / (tensor2 * tensor2))``
        for ``tensor2``, each op rounded (:mod:`~tinygradconv.ops.addcmul`).

        Raises:
            TypeError: as :meth:`addcmul`; ``tensor1`` and ``tensor2`` both integer (PyTorch no longer divides
                integers in addcdiv: write ``t + value * torch.div(tensor1, tensor2, rounding_mode='trunc')``,
                here ``t + value * tensor1.div(tensor2, rounding_mode='trunc')``, or cast them to float).
            ValueError: as :meth:`addcmul`.

        >>> import tinygradconv as tg
        >>> tg.tensor([1.0, 1.0]).addcdiv(tg.tensor([1.0, 2.0]), tg.tensor([2.0, 4.0]), value=2).tolist()
        [2.0, 2.0]
        """
        return self._add_scaled("addcdiv", tensor1, tensor2, value)

    def addcmul_(self, tensor1, tensor2, *, value=1):
        """:meth:`addcmul` in place, as ``torch.Tensor.addcmul_`` (Adam's ``v.mul_(b2).addcmul_(g, g, value=1 -
        b2)``), with the rules and errors of :meth:`~tinygradconv.torch_methods.TorchMethods.add_`
        (:func:`write_in_place`).

        >>> import tinygradconv as tg
        >>> v = tg.tensor([1.0, 1.0])
        >>> v.addcmul_(tg.tensor([1.0, 2.0]), tg.tensor([1.0, 2.0]), value=0.5) is v, v.tolist()
        (True, [1.5, 3.0])
        """
        return write_in_place(self, "addcmul_", lambda t, a, b: t.addcmul(a, b, value=value), (tensor1, tensor2),
                              ("tensor1", "tensor2"))

    def addcdiv_(self, tensor1, tensor2, *, value=1):
        """:meth:`addcdiv` in place, as ``torch.Tensor.addcdiv_`` (see :meth:`addcmul_`)."""
        return write_in_place(self, "addcdiv_", lambda t, a, b: t.addcdiv(a, b, value=value), (tensor1, tensor2),
                              ("tensor1", "tensor2"))

    def _add_scaled(self, op, tensor1, tensor2, value):
        from .ops.elementwise import promoted_dtype

        _check_tensor_arguments(op, tensor1, tensor2)
        kinds = [dtype_name(t.dtype) for t in (self, tensor1, tensor2)]
        if op == "addcdiv" and kinds[1] not in _FLOAT_KINDS and kinds[2] not in _FLOAT_KINDS:
            raise TypeError(f"Invalid type for argument `tensor1`/`tensor2` of addcdiv: both are integer tensors "
                            f"({kinds[1]}, {kinds[2]}); PyTorch no longer divides integers in addcdiv. Cast them "
                            f"to float (tensor1.float()), or write t + value * tensor1.div(tensor2, "
                            f"rounding_mode='trunc')")
        value = _number_value(value, op, kinds)
        # in the result's dtype, as PyTorch computes it (a float16 tensor1 times itself added to a float32 t: the
        # product in float32, not rounded to float16 first)
        kind = promoted_dtype(*kinds)
        if kind in _FLOAT_KINDS:
            tensor1, tensor2 = tensor1._cast(kind), tensor2._cast(kind)
        _check_value_range(value, op, kind)
        if kind in _FLOAT_KINDS and _broadcastable(self, tensor1, tensor2):
            # a fused multiply-add (float16 in float32, rounded once), as PyTorch's kernel, and its gradients'
            # roundings
            from .ops.addcmul import AddScaled

            return AddScaled.apply(self._cast(kind), tensor1, tensor2, op=op, value=value)
        combined = tensor1 * tensor2 if op == "addcmul" else tensor1 / tensor2
        if value == 1:
            return self + combined
        if not isinstance(value, numbers.Integral) and dtype_name(combined.dtype) not in _FLOAT_KINDS:
            combined = combined._cast(dtype_name(self.dtype))     # ints times a float: in the float tensor's dtype
        return self + combined * value

    # ---------------------------------------------------------------------------------------------- detach_
    def detach_(self):
        """Cut this tensor from the graph in place and return it, as ``torch.Tensor.detach_``: it becomes a leaf
        that does not require grad (``grad_fn`` None, ``is_leaf`` True); its values stay. Nodes recorded before
        still reach the graph it had (``z = y + 1; y.detach_(); z.backward()`` gives the gradient through ``y``,
        as PyTorch); a backward pass from ``y`` itself finds no graph.

        Unlike PyTorch, which refuses a backward pass through a node that saved ``y`` itself
        (``z = y * a; y.detach_()``: "Trying to use a saved tensor that has been detached in-place"), such a
        pass is computed here: the values are unchanged, so the gradient is the one before ``detach_``.

        Raises:
            RuntimeError: a view (``y[0]``, ``w.T``, ``permute``, ``unsqueeze``, a reshape or ``view`` that shares
                memory), in or outside the graph, as PyTorch ("Can't detach views in-place. Use detach() instead");
                ``expand`` of a tensor that does not require grad is let through (a copy here, a view in PyTorch).

        >>> import tinygradconv as tg
        >>> y = tg.tensor([1.0, 2.0], requires_grad=True) * 2
        >>> y.detach_() is y, y.requires_grad, y.grad_fn, y.is_leaf
        (True, False, None, True)
        """

        data = getattr(self._data, "_array", self._data)    # (array_api_strict's Array holds its NumPy array)
        if in_place.is_view(self) or in_place.memory_owner(data) is not data:     # (a view outside the graph too)
            raise RuntimeError("Can't detach views in-place. Use detach() instead (PyTorch's words: this tensor is "
                               "a view of another, such as y[0], y.T or y.reshape(...))")
        if self._ctx is not None:
            in_place.record_detach(self)
        self._requires_grad = False
        return self

    # ---------------------------------------------------------------------------------------------- casts
    def int(self):
        """This tensor as int32, as ``torch.Tensor.int`` (``(x > 0).int()``): the tensor itself when it is int32
        already; floats truncated toward zero, no gradient (an integer result never requires grad), as
        :meth:`~tinygradconv.torch_methods.TorchMethods.long`.

        >>> import tinygradconv as tg
        >>> (tg.tensor([-1.0, 2.5]) > 0).int()
        tensor([0, 1], dtype=int32)
        """
        return self._cast("int32")

    def bool(self):
        """This tensor as bool (nonzero is True, NaN too), as ``torch.Tensor.bool`` (``mask.bool()``).

        >>> import tinygradconv as tg
        >>> tg.tensor([1, 0, 2], dtype="int64").bool().tolist()
        [True, False, True]
        """
        return self._cast("bool")

    def short(self):
        """This tensor as int16, as ``torch.Tensor.short`` (see :meth:`int`)."""
        return self._cast("int16")

    def byte(self):
        """This tensor as uint8, as ``torch.Tensor.byte`` (see :meth:`int`)."""
        return self._cast("uint8")

    def char(self):
        """This tensor as int8, as ``torch.Tensor.char`` (see :meth:`int`)."""
        return self._cast("int8")

    def bfloat16(self):
        """PyTorch's ``torch.Tensor.bfloat16``: no backend here has a bfloat16 dtype (NumPy, CuPy and
        array_api_strict lack it).

        Raises:
            TypeError: always; use :meth:`~tinygradconv.torch_methods.TorchMethods.half` (float16) or
                ``float()`` instead.
        """
        raise TypeError(f"bfloat16() is not available: the {self.backend.name} backend has no bfloat16 dtype "
                        f"(NumPy, CuPy and array_api_strict lack it). Use t.half() for float16, or t.float()")
