"""``masked_fill``: a tensor with the elements picked by a boolean mask replaced by one value, as
``torch.Tensor.masked_fill`` (``x.masked_fill(mask, value)``; attention scores masked with ``-inf``).

``y = value`` where ``mask`` is true, ``y = x`` elsewhere, so ``dL/dx = dL/dy`` where the mask is false and 0 where
it is true (even where ``dL/dy`` is NaN or infinite), and ``dL/dvalue`` is the sum of ``dL/dy`` over the masked
positions.

>>> import tinygradconv as tg
>>> scores = tg.tensor([[0.5, 2.0, -1.0]], requires_grad=True)
>>> y = masked_fill(scores, tg.tensor([[False, True, False]], dtype="bool"), float("-inf"))
>>> y.tolist()
[[0.5, -inf, -1.0]]
>>> (y * tg.tensor([[1.0, 2.0, 3.0]])).sum().backward()
>>> scores.grad.tolist()
[[1.0, 0.0, 3.0]]
"""
from __future__ import annotations

import numbers

import numpy as np

from ..autograd import Function, Sample, register_op
from ..backend import dtype_name
from ..tensor import Tensor
from .creation import refuse_out_of_range
from .elementwise import (
    article,
    float_mask_hint,
    refuse_torch_tensor,
    special_values,
    unbroadcast,
    whole_number_to_write,
)
from .summation import accurate_sum


def _masked_fill_samples(rng):
    n = rng.standard_normal
    return [Sample((n((3, 4)), rng.random((3, 4)) > 0.5, np.asarray(n()))),
            Sample((n((3, 4)), np.array([True, False, False, True]), np.asarray(1.5))),   # the mask broadcast
            Sample((n((4,)), rng.random((2, 4)) > 0.5, np.asarray(-0.5))),      # x broadcast to the mask's shape
            Sample((np.asarray(n()), np.asarray(True), np.asarray(2.0))),
            Sample((n((2, 3)), np.asarray(False), np.asarray(0.25)))]


def _masked_fill_special_points(rng):
    values = special_values()
    mask = np.arange(values.size) % 3 == 0
    return [Sample((values, mask, np.asarray(np.nan))), Sample((values, ~mask, np.asarray(-np.inf))),
            Sample((values, mask, np.asarray(-0.0))), Sample((np.asarray(np.inf), np.asarray(False), np.asarray(0.0))),
            Sample((np.zeros((0, 3)), np.array([True, False, True]), np.asarray(np.inf))),
            Sample((values[:4], np.ones((2, 4), dtype=bool), np.asarray(1.0)))]


@register_op("masked_fill", samples=_masked_fill_samples, special_points=_masked_fill_special_points)
class MaskedFill(Function):
    """``where(mask, value, a)`` with ``value`` a rank-0 array cast to ``a``'s dtype (the op behind
    :func:`masked_fill`). ``a`` and ``mask`` broadcast together; ``a``'s gradient is the output gradient where the
    mask is false, summed back to ``a``'s shape, and ``value``'s the sum of the output gradient where it is true."""

    @staticmethod
    def forward(ctx, a, mask, value):
        xp = ctx.xp
        if mask.dtype != xp.bool:
            raise TypeError(f"Invalid type for argument `mask` of masked_fill: expected a bool tensor (as PyTorch), "
                            f"e.g. x > 0. Received a mask of dtype {dtype_name(mask.dtype)}")
        if value.ndim != 0:
            raise ValueError(f"Invalid value for argument `value` of masked_fill: expected a number or a rank-0 "
                             f"tensor (as PyTorch). Received a tensor of shape {tuple(value.shape)}")
        try:
            shape = tuple(np.broadcast_shapes(tuple(a.shape), tuple(mask.shape)))
        except ValueError:
            raise ValueError(f"Invalid value for argument `mask` of masked_fill: its shape {tuple(mask.shape)} does "
                             f"not broadcast with the tensor's, {tuple(a.shape)}") from None
        ctx.save_for_backward(mask)
        ctx.shape, ctx.value_dtype = tuple(a.shape), value.dtype
        filled = xp.broadcast_to(xp.astype(value, a.dtype), shape)
        return xp.where(mask, filled, xp.broadcast_to(a, shape))

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        (mask,) = ctx.saved_tensors
        need_a, _, need_value = ctx.needs_input_grad
        zero = xp.zeros_like(grad)
        grad_a = unbroadcast(xp, xp.where(mask, zero, grad), ctx.shape) if need_a else None
        grad_value = None
        if need_value:
            picked = xp.where(mask, grad, zero)
            grad_value = xp.astype(accurate_sum(xp, picked, axis=tuple(range(picked.ndim))), ctx.value_dtype)
        return grad_a, None, grad_value


def _mask_tensor(mask, like):
    """``mask`` as a bool Tensor on ``like``'s backend: a bool Tensor, or a bool NumPy array or list of bools."""
    refuse_torch_tensor(mask, "mask a tinygradconv tensor with")
    if isinstance(mask, Tensor):
        kind = dtype_name(mask.dtype)
        if kind != "bool":
            raise TypeError(f"Invalid type for argument `mask` of masked_fill: expected a bool tensor (as PyTorch), "
                            f"e.g. x > 0. Received a {kind} tensor.{float_mask_hint(kind)}")
        return mask.detach()
    array = np.asarray(mask) if isinstance(mask, (np.ndarray, np.generic, list, tuple, bool)) else None
    if array is None or array.dtype != bool:
        received = f"dtype {array.dtype}" if array is not None else f"{mask!r} of type {type(mask).__name__}"
        raise TypeError(f"Invalid type for argument `mask` of masked_fill: expected a bool tensor or array (as "
                        f"PyTorch), e.g. x > 0. Received {received}")
    return Tensor(array, dtype="bool", backend=like.backend)


def _value_tensor(value, like):
    """``value`` as a rank-0 Tensor on ``like``'s backend: a number in ``like``'s dtype, or a rank-0 Tensor as it
    is (its gradient flows). For an integer or bool ``like``, a float (a number, or a rank-0 array or tensor that
    does not require grad) holding an integer the dtype holds is that integer, as PyTorch writes it; any other is
    refused (``TypeError``), as ``t[mask] = 2.5`` is (PyTorch truncates 2.5 to 2 silently); a number out of the
    dtype's range (``ValueError``), as PyTorch refuses it."""
    refuse_torch_tensor(value, "fill a tinygradconv tensor with")
    kind = dtype_name(like.dtype)
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise ValueError(f"Invalid value for argument `value` of masked_fill: expected a number or a rank-0 "
                             f"tensor (as PyTorch). Received a tensor of shape {value.shape}")
        value_kind = dtype_name(value.dtype)
        if not kind.startswith("float") and value_kind.startswith("float"):
            if value.requires_grad:
                raise TypeError(f"Invalid type for argument `value` of masked_fill: a {value_kind} value that "
                                f"requires grad cannot fill {article(kind)} {kind} tensor (an integer or bool "
                                f"result has no gradient); fill a floating tensor, or pass value.detach()")
            # tg.tensor(2.0) is 2, as the number 2.0 is (PyTorch writes it); tg.tensor(2.5) refused as 2.5 is
            value = whole_number_to_write(value, kind, argument="`value` of masked_fill", verb="fill")
        else:
            if kind != "bool":
                # tg.tensor(300) into int8: refused as the number 300 is
                refuse_out_of_range(value.item(), kind, "value", "masked_fill")
            return value
    # 3.0 into int32 is 3, as PyTorch; 3.7 and 1e300 are refused (TypeError, quoting the value as passed)
    value = whole_number_to_write(value, kind, argument="`value` of masked_fill", verb="fill")
    if isinstance(value, (np.generic, np.ndarray)) and np.ndim(value) == 0:
        value = value.item()
    if not isinstance(value, numbers.Real):
        raise TypeError(f"Invalid type for argument `value` of masked_fill: expected a number or a rank-0 tensor. "
                        f"Received value={value!r} of type {type(value).__name__}")
    if kind == "bool" and type(value) is int and value in (0, 1):
        value = bool(value)
    floating = kind.startswith("float")
    right_type = isinstance(value, bool) if kind == "bool" else floating or isinstance(value, numbers.Integral)
    if not right_type:
        raise TypeError(f"Invalid type for argument `value` of masked_fill: {value!r} cannot fill {article(kind)} "
                        f"{kind} tensor unchanged (PyTorch truncates 2.5 to 2 silently); give a value that {kind} "
                        f"holds (a float holding an integer, such as 3.0, is taken), or cast the tensor first, e.g. "
                        f"x.astype('float32')")
    refuse_out_of_range(value, kind, "value", "masked_fill")
    return Tensor(value, dtype=kind, backend=like.backend)


def masked_fill(x, mask, value):
    """``x`` with ``value`` wherever ``mask`` is true, as ``torch.Tensor.masked_fill``:
    ``y = where(mask, value, x)``.

    ``mask`` broadcasts with ``x`` (NumPy's rules, as PyTorch's out-of-place ``masked_fill``: the result has the
    broadcast shape, usually ``x``'s). ``value`` is a number or a rank-0 tensor, cast to ``x``'s dtype; NaN and
    infinities are values like any other (``-inf`` masks attention scores before a softmax).

    Gradients: ``dL/dx`` is the output gradient where the mask is false, exactly 0 where it is true (a NaN or
    infinite gradient there too), summed over the dimensions that broadcasting added; a rank-0 tensor ``value``
    that requires grad gets the sum of the output gradient over the masked positions (as PyTorch).

    Args:
        x: the tensor.
        mask: a bool tensor (or bool NumPy array or list of bools) whose shape broadcasts with ``x``'s.
        value: a number (bool, int or float) or a rank-0 tensor.

    Returns:
        Tensor: of the broadcast shape of ``x`` and ``mask``, and ``x``'s dtype.

    Raises:
        TypeError: a mask that is not bool (as PyTorch); a value that is not a number or tensor; a float value
            (a number or rank-0 tensor) for an integer or bool ``x`` other than a whole number its dtype holds
            (``2.0`` is 2, as PyTorch writes it; PyTorch truncates ``2.5`` to 2 silently), or a number other than
            0, 1, True, False for a bool one; a float tensor that requires grad for an integer or bool ``x``; a
            PyTorch tensor.
        ValueError: a number, or the value of a rank-0 tensor, out of the range of ``x``'s dtype (``300`` for
            int8, ``1e5`` for float16, as PyTorch; ``-1`` for uint8 too, which PyTorch wraps to 255 silently), a
            ``value`` tensor that is not rank 0, or shapes that do not broadcast (PyTorch raises ``RuntimeError``
            for these).

    See https://pytorch.org/docs/stable/generated/torch.Tensor.masked_fill.html

    >>> import tinygradconv as tg
    >>> x = tg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    >>> masked_fill(x, x > 4, 0.0).tolist()
    [[1.0, 2.0, 3.0], [4.0, 0.0, 0.0]]
    >>> masked_fill(x, tg.tensor([True, False, True], dtype="bool"), -1.0).tolist()
    [[-1.0, 2.0, -1.0], [-1.0, 5.0, -1.0]]
    """
    x = x if isinstance(x, Tensor) else Tensor(x)
    return MaskedFill.apply(x, _mask_tensor(mask, x), _value_tensor(value, x))
