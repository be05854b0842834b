"""The op behind ``t.fill_(value)``, ``t.zero_()`` and ``t.copy_(src)``: every element of ``t``'s shape replaced by
``value`` (:class:`Fill`), recorded in the graph as PyTorch records those writes.

PyTorch's nodes of these writes are ``FillBackward`` (``fill_``), ``ZeroBackward`` (``zero_``) and
``CopyBackwards`` (``copy_``), and their ``next_functions`` hold the written tensor's old node, then the node of a
tensor value (``copy_``'s ``src``, ``fill_``'s 0-d tensor), and nothing for a number (``fill_(5.0)``, ``zero_()``).
Here too (:meth:`Fill.grad_fn_inputs`); through a view (``y[0].fill_(5.0)``) the ``CopySlices`` node shows the same
entries after the base's (:class:`~tinygradconv.copy_slices.CopySlices`).

>>> import tinygradconv as tg
>>> x = tg.tensor([1.0, 2.0], requires_grad=True)
>>> y = x * 2
>>> y.fill_(5.0).grad_fn, y.grad_fn.next_functions
(<FillBackward>, ((<MulBackward>, 0),))
>>> y.sum().backward()
>>> x.grad.tolist()
[0.0, 0.0]

See `torch.Tensor.fill_ <https://pytorch.org/docs/stable/generated/torch.Tensor.fill_.html>`__
"""
from __future__ import annotations

from ..autograd import Function, Sample, register_op
from .elementwise import promoted, unbroadcast

#: The node's name for each method, as PyTorch's (without its overload number).
NAMES = {"fill_": "FillBackward", "zero_": "ZeroBackward", "copy_": "CopyBackwards"}


def _fill_samples(rng):
    return [Sample((rng.standard_normal((3, 4)), rng.standard_normal(())), {"method": "fill_"}),
            Sample((rng.standard_normal((3, 4)), rng.standard_normal((4,))), {"method": "copy_"}),
            Sample((rng.standard_normal((2, 3)), rng.standard_normal((2, 1))), {"method": "copy_"})]


@register_op("fill", samples=_fill_samples,
             no_special_points="it copies values: NaN, infinities and signed zeros are copied as they are, and its "
                               "gradients (0 for the tensor written, a sum for the value) have no special point")
class Fill(Function):
    """``value`` broadcast to every element of ``base``'s shape, in the dtype of the two promoted (as
    ``torch.where``; the in-place method then refuses a dtype the tensor cannot hold), or for ``copy_`` in
    ``base``'s dtype (``value`` cast, as PyTorch's ``copy_``).

    The gradients, for an incoming gradient ``g`` of ``base``'s shape: zeros for ``base`` (its old values reach
    nothing), and for ``value`` the sum of ``g`` over the axes ``value`` was broadcast along. ``method`` is the
    in-place method recorded (``"fill_"``, ``"zero_"`` or ``"copy_"``: the node's name, :data:`NAMES`); ``number``
    says that ``value`` was a number lifted to a tensor, which ``grad_fn.next_functions`` leaves out as PyTorch's.
    """

    @staticmethod
    def forward(ctx, base, value, *, method, number=False):
        if not isinstance(method, str):
            raise TypeError(f"Invalid type for argument `method` of Fill: expected one of {sorted(NAMES)}, "
                            f"received {method!r} of type {type(method).__name__}")
        if method not in NAMES:
            raise ValueError(f"Invalid value for argument `method` of Fill: expected one of {sorted(NAMES)}, "
                             f"received {method!r}")
        xp = ctx.xp
        ctx.method, ctx.number = method, number
        if method == "copy_" and value.dtype != base.dtype:    # copy_ casts to the tensor's dtype (its gradient
            value = xp.astype(value, base.dtype)               # is cast back by backward(), as every input's)
        base, value = promoted(xp, base, value)
        ctx.shapes = (tuple(base.shape), tuple(value.shape))
        try:
            return xp.where(xp.zeros((), dtype=xp.bool), base, value)
        except ValueError:
            raise ValueError(f"Invalid value for argument `value` of {method}: shape {tuple(value.shape)} does not "
                             f"broadcast to the tensor's shape {tuple(base.shape)}") from None

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        shape, value_shape = ctx.shapes
        need_base, need_value = ctx.needs_input_grad
        return (xp.zeros(shape, dtype=grad.dtype) if need_base else None,
                unbroadcast(xp, grad, value_shape) if need_value else None)

    @staticmethod
    def full_grad_fn_name(ctx):
        """``FillBackward``, ``ZeroBackward`` or ``CopyBackwards``, as PyTorch names the node (:data:`NAMES`)."""
        return NAMES[ctx.method]

    @staticmethod
    def grad_fn_inputs(ctx):
        """The inputs ``grad_fn.next_functions`` shows, as PyTorch's: the tensor written, and the value unless it
        was a number (``fill_(5.0)``, ``zero_()``)."""
        from ..in_place import recorded_inputs

        inputs = recorded_inputs(ctx)
        return inputs[:1] if ctx.number else inputs


def filled_with(base, value, method):
    """``value`` (a number, or a tensor that broadcasts to ``base``'s shape) in every element of ``base``'s shape,
    as the in-place ``method`` (``"fill_"``, ``"zero_"``, ``"copy_"``) writes it: :class:`Fill`, a number taken
    as the tensor's operators take it (``Tensor._lift``)."""
    from ..tensor import Tensor

    if isinstance(value, Tensor):
        return Fill.apply(base, value, method=method)
    return Fill.apply(base, base._lift(value), method=method, number=True)

