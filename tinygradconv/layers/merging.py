"""Merge layers: combine a list of tensors into one (Keras 3's ``keras.layers.Add``, ``Concatenate``, ...).

Element-wise merges (:class:`Add`, :class:`Subtract`, :class:`Multiply`, :class:`Average`, :class:`Maximum`,
:class:`Minimum`) follow Keras 3's rule (``keras/src/layers/merging/base_merge.py``): the batch axis stays axis 0,
and the sample shapes (without the batch axis) broadcast aligned at the right: two sizes combine if they are
equal, if one of them is 1, or if one is unknown (``None``). An input of lower rank is expanded at axis 1, just
after the batch axis, until every input has the same rank, so ``(batch, 3)`` times ``(batch, 2, 3)`` gives
``(batch, 2, 3)``: each sample's vector multiplies each row of the same sample. The batch sizes must agree.
:class:`Concatenate` joins along ``axis``; every other axis must match.

They are the joints of the functional API: skip connections (``Add``, ``Concatenate``) in residual networks and
U-Nets.

>>> import numpy as np
>>> from tinygradconv.layers import Add, Concatenate
>>> a, b = np.ones((2, 3, 1)), np.full((2, 3, 1), 2.0)
>>> Add()([a, b]).numpy()[0, :, 0].tolist()
[3.0, 3.0, 3.0]
>>> Concatenate()([a, b]).shape
(2, 3, 2)

Each has a lower-case function, as in Keras 3, that makes the layer and calls it on the list at once
(``layers.add([a, b])`` is ``layers.Add()([a, b])``; keyword arguments go to the layer): the functional API
guide's residual connections and ensembles are written with them.

>>> from tinygradconv.layers import add, concatenate
>>> add([a, b]).numpy()[0, :, 0].tolist(), concatenate([a, b], axis=1).shape
([3.0, 3.0, 3.0], (2, 6, 1))

Masks, as Keras 3 (``keras/src/layers/merging/base_merge.py``, ``multiply.py``, ``concatenate.py``): when every
input carries a mask (``_keras_mask``, ``(batch, steps)`` for ``(batch, steps, features)``), the output carries their
``or`` (a step counts if it counts in any input); one input without a mask gives an output without one. ``Add``,
``Subtract`` and ``Average`` combine every value, the masked ones too. ``Multiply`` takes a masked value as 1 (and
sets the steps masked in every input to 0 when every input is masked); ``Maximum`` and ``Minimum`` take a masked
value as the other operand's (so a step masked in one input gives the other's value). ``Concatenate`` joins the masks
along ``axis`` (an input without a mask counts everywhere), then a step counts if any of its features does, so an
output has a mask when any input has one. An input of lower rank, expanded at axis 1 to the others' rank, merges its
values as if unmasked (Keras 3 drops the mask of the tensor it reshapes), while the inputs of the full rank keep
theirs: ``Multiply()([embedded, vector])`` with ``embedded`` masked ``(batch, steps, 2)`` and ``vector``
``(batch, 2)`` gives ``vector`` at the masked steps.

>>> from tinygradconv.layers import Embedding
>>> e = Embedding(3, 1, mask_zero=True, embeddings_initializer="ones")
>>> Add()([e(np.array([[1, 0, 0]])), e(np.array([[0, 2, 0]]))])._keras_mask.numpy().tolist()
[[True, True, False]]

Errors: a ``ValueError`` naming the layer and the shapes received, when the input is not a list of enough tensors
or the shapes do not combine.
"""
from __future__ import annotations

from functools import reduce

import numpy as np

from .. import ops
from ..backend import dtype_name
from ..tensor import Tensor
from .layer import Layer, get_keras_mask

__all__ = ["Add", "Average", "Concatenate", "Maximum", "Minimum", "Multiply", "Subtract", "add", "average",
           "concatenate", "maximum", "minimum", "multiply", "subtract"]


def _shapes(layer, input_shape, minimum=1):
    """``input_shape`` as a list of tuples, checked to be a list of at least ``minimum`` shapes."""
    if not isinstance(input_shape, (list, tuple)) or not input_shape or \
            not all(isinstance(s, (list, tuple)) for s in input_shape):
        raise ValueError(f"A merge layer ({type(layer).__name__} '{layer.name}') should be called on a list of "
                         f"inputs. Received: input_shape={input_shape!r} (not a list of shapes)")
    if len(input_shape) < minimum:
        raise ValueError(f"A merge layer ({type(layer).__name__} '{layer.name}') should be called on a list of at "
                         f"least {minimum} inputs. Received {len(input_shape)} input(s): input_shape={input_shape}")
    return [tuple(s) for s in input_shape]


def _broadcast_shapes(layer, shape1, shape2, all_shapes):
    """Keras' element-wise output shape of two sample shapes: align at the right; sizes equal, 1 or None combine."""
    if len(shape1) < len(shape2):
        shape1, shape2 = shape2, shape1
    out = list(shape1[:len(shape1) - len(shape2)])
    for i, j in zip(shape1[len(shape1) - len(shape2):], shape2):
        if i is None or j is None:
            out.append(None)
        elif i == 1:
            out.append(j)
        elif j == 1 or i == j:
            out.append(i)
        else:
            raise ValueError(f"Layer {type(layer).__name__} '{layer.name}': inputs have incompatible shapes. "
                             f"Received shapes {all_shapes}")
    return tuple(out)


class _Merge(Layer):
    """Base of the element-wise merges: ``call`` folds :meth:`_merge` over the list of inputs."""

    minimum_inputs = 1

    def _check(self, input_shape):
        shapes = _shapes(self, input_shape, self.minimum_inputs)
        batches = {s[0] for s in shapes if s and s[0] is not None}
        if len(batches) > 1:
            raise ValueError(f"Layer {type(self).__name__} '{self.name}': cannot merge tensors with different batch "
                             f"sizes. Received shapes {shapes}")
        return shapes

    def build(self, input_shape):
        self.compute_output_shape(input_shape)

    def compute_output_shape(self, input_shape):
        """The batch size (``None`` if unknown), then the sample shapes broadcast aligned at the right."""
        shapes = self._check(input_shape)
        samples = reduce(lambda a, b: _broadcast_shapes(self, a, b, shapes), [s[1:] for s in shapes])
        batches = {s[0] for s in shapes if s and s[0] is not None}
        return (batches.pop() if batches else None, *samples)

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f"A merge layer ({type(self).__name__} '{self.name}') should be called on a list of "  # noqa: TRY004
                             f"inputs. Received a single {type(inputs).__name__}")
        self.build([tuple(x.shape) for x in inputs])
        masks = [get_keras_mask(x) for x in inputs]
        inputs = _integers_to_float(inputs)
        rank = max(x.ndim for x in inputs)
        if any(x.ndim != rank for x in inputs):
            # Keras: a lower-rank input gets new axes at 1 (after the batch axis), never in front of the batch axis;
            # a reshaped input carries no mask there, so its values merge as if unmasked, while an input of the full
            # rank keeps its mask
            masks = [m if x.ndim == rank else None for m, x in zip(masks, inputs)]
            inputs = [x if x.ndim == rank or x.ndim == 0 else
                      x.reshape(x.shape[:1] + (1,) * (rank - x.ndim) + x.shape[1:]) for x in inputs]
        return self._merge(inputs, [None if m is None else _spread(m, x) for m, x in zip(masks, inputs)])

    def _merge(self, inputs, masks):  # pragma: no cover - abstract
        """The merged value of ``inputs``; ``masks`` holds each input's mask spread to its shape (or None)."""
        raise NotImplementedError

    def compute_mask(self, inputs, previous_mask):
        """The ``or`` of the inputs' masks (a step counts if it counts in any input), None unless every input has
        one: Keras 3's ``Merge.compute_mask``."""
        if previous_mask is None:
            return None
        masks = _mask_list(self, inputs, previous_mask)
        if any(m is None for m in masks):
            return None
        return reduce(lambda a, b: Tensor._make(a.backend.xp.logical_or(a.data, b.data), a.backend, False, None),
                      masks)


class Add(_Merge):
    """The element-wise sum of a list of inputs: ``x_1 + x_2 + ... + x_n``.

    >>> import numpy as np
    >>> Add()([np.ones((1, 2)), np.ones((1, 2))]).tolist()
    [[2.0, 2.0]]
    """

    def _merge(self, inputs, masks):
        return reduce(ops.add, inputs)


class Subtract(_Merge):
    """The difference of exactly two inputs: ``x_1 - x_2``.

    >>> import numpy as np
    >>> Subtract()([np.full((1, 2), 3.0), np.ones((1, 2))]).tolist()
    [[2.0, 2.0]]
    """

    minimum_inputs = 2

    def _check(self, input_shape):
        shapes = super()._check(input_shape)
        if len(shapes) != 2:
            raise ValueError(f"A `Subtract` layer ('{self.name}') should be called on exactly 2 inputs. Received "
                             f"{len(shapes)} inputs with shapes {shapes}")
        return shapes

    def _merge(self, inputs, masks):
        return ops.sub(inputs[0], inputs[1])


class Multiply(_Merge):
    """The element-wise product of a list of inputs: ``x_1 * x_2 * ... * x_n``.

    >>> import numpy as np
    >>> Multiply()([np.full((1, 2), 3.0), np.full((1, 2), 2.0)]).tolist()
    [[6.0, 6.0]]
    """

    def _merge(self, inputs, masks):
        # Keras: a masked value counts as 1; when every input is masked, the steps masked in all of them are 0
        inputs = [x if m is None else ops.where(m, x, 1) for x, m in zip(inputs, masks)]
        output = reduce(ops.mul, inputs)
        if all(m is not None for m in masks):
            output = ops.where(reduce(_or, masks), output, 0)
        return output


class Average(_Merge):
    """The element-wise mean of a list of inputs: ``(x_1 + ... + x_n) / n``.

    >>> import numpy as np
    >>> Average()([np.full((1, 2), 3.0), np.ones((1, 2))]).tolist()
    [[2.0, 2.0]]
    """

    casts_integer_inputs = True    # an int32 input gives an output of the layer's dtype, as Keras

    def _merge(self, inputs, masks):
        return reduce(ops.add, inputs) / len(inputs)


class Maximum(_Merge):
    """The element-wise maximum of a list of inputs. Float inputs give the layer's dtype (float32 by default, as
    Keras casts them: ``float32`` and ``float64`` inputs give float32, where ``torch.maximum`` and NumPy give
    float64).

    Integer inputs keep their dtype: ``int64`` and ``int64`` give ``int64``, where Keras 3.15 on torch gives
    ``int32`` and wraps values beyond 2**31 (a difference kept on purpose; docs/keras_compatibility.md).

    >>> import numpy as np
    >>> Maximum()([np.array([[1.0, 4.0]]), np.array([[3.0, 2.0]])]).tolist()
    [[3.0, 4.0]]
    >>> Maximum()([np.array([[2**40 + 1]]), np.array([[5]])]).numpy()      # Keras: [[5]], int32
    array([[1099511627777]])
    """

    def _merge(self, inputs, masks):
        return _masked_fold(ops.maximum, inputs, masks)


class Minimum(_Merge):
    """The element-wise minimum of a list of inputs, with :class:`Maximum`'s dtypes (float inputs in the layer's
    dtype; ``int64`` kept, where Keras 3.15 on torch gives ``int32``).

    >>> import numpy as np
    >>> Minimum()([np.array([[1.0, 4.0]]), np.array([[3.0, 2.0]])]).tolist()
    [[1.0, 2.0]]
    """

    def _merge(self, inputs, masks):
        return _masked_fold(ops.minimum, inputs, masks)


class Concatenate(Layer):
    """Join a list of inputs along ``axis`` (default -1, the channels); every other axis must match.

    Args:
        axis: the axis to join along (negative counts from the end; the batch axis 0 is allowed, as in Keras).
        name, dtype, trainable: as for :class:`~tinygradconv.layers.Layer`.

    Output shape: the common shape with ``shape[axis] = sum of the inputs' shape[axis]`` (``None`` if any is
    unknown).

    >>> import numpy as np
    >>> Concatenate(axis=1)([np.ones((2, 3, 4)), np.ones((2, 5, 4))]).shape
    (2, 8, 4)
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):    # np.int64(1) too, as in Keras
            raise TypeError(f"Invalid type for argument `axis`. Expected an integer. Received axis={axis!r}")
        self.axis = int(axis)

    def _check(self, input_shape):
        shapes = _shapes(self, input_shape, 1)
        ranks = {len(s) for s in shapes}
        if len(ranks) != 1:
            raise ValueError(f"A `Concatenate` layer ('{self.name}') requires inputs of the same rank. Received "
                             f"shapes {shapes}")
        rank = ranks.pop()
        if not -rank <= self.axis < rank:
            raise ValueError(f"Invalid value for argument `axis` of `Concatenate` layer '{self.name}': inputs have "
                             f"rank {rank}. Received axis={self.axis}")
        axis = self.axis % rank
        for i in range(rank):
            sizes = {s[i] for s in shapes if s[i] is not None}
            if i != axis and len(sizes) > 1:
                raise ValueError(f"A `Concatenate` layer ('{self.name}') requires inputs with matching shapes except "
                                 f"for the concatenation axis {self.axis}. Received shapes {shapes}")
        return shapes, axis

    def build(self, input_shape):
        self._check(input_shape)

    def compute_output_shape(self, input_shape):
        shapes, axis = self._check(input_shape)
        out = []
        for i in range(len(shapes[0])):
            sizes = [s[i] for s in shapes]
            if i == axis:
                out.append(None if None in sizes else sum(sizes))
            else:
                out.append(next((d for d in sizes if d is not None), None))
        return tuple(out)

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f"A `Concatenate` layer ('{self.name}') should be called on a list of inputs. "  # noqa: TRY004
                             f"Received a single {type(inputs).__name__}")
        _, axis = self._check([tuple(x.shape) for x in inputs])
        return ops.concat(_integers_to_float(inputs), axis=axis)

    def compute_mask(self, inputs, previous_mask):
        """Keras 3's ``Concatenate.compute_mask``: each input's mask spread over its features (an input without a
        mask counts everywhere), joined along ``axis``; a step counts if any of its features does. None when no
        input has a mask."""
        if previous_mask is None:
            return None
        masks = _mask_list(self, inputs, previous_mask)
        if all(m is None for m in masks):
            return None
        axis = self.axis % inputs[0].ndim
        xp = inputs[0].backend.xp
        spread = [xp.ones(x.shape, dtype=xp.bool) if m is None else _spread(m, x).data for m, x in zip(masks, inputs)]
        return Tensor._make(xp.any(xp.concat(spread, axis=axis), axis=-1), inputs[0].backend, False, None)

    def get_config(self):
        return dict(super().get_config(), axis=self.axis)


def _spread(mask, x):
    """``mask`` (a bool Tensor, ``(batch, steps)``) spread to the shape of ``x`` (``(batch, steps, features)``), as
    Keras broadcasts ``expand_dims(mask, -1)``; a mask of ``x``'s own rank is taken as it is."""
    xp = mask.backend.xp
    data = mask.data if mask.data.dtype == xp.bool else xp.astype(mask.data, xp.bool)     # a 0/1 mask too
    data = data if mask.ndim == x.ndim else xp.expand_dims(data, axis=-1)
    return Tensor._make(xp.broadcast_to(data, tuple(x.shape)), mask.backend, False, None)


def _or(a, b):
    return Tensor._make(a.backend.xp.logical_or(a.data, b.data), a.backend, False, None)


def _masked_fold(op, inputs, masks):
    """Keras 3's ``_apply_merge_op_and_or_mask`` for ``Maximum`` and ``Minimum``, fold by fold: a masked value of
    the next input is replaced by the running output's, a masked value of the running output by the input's, so a
    step masked on one side takes the other side's value."""
    output, output_mask = inputs[0], masks[0]
    for x, mask in zip(inputs[1:], masks[1:]):
        if mask is not None:
            x = ops.where(mask, x, output)
        if output_mask is not None:
            output = ops.where(output_mask, output, x)
        output_mask = _or(output_mask, mask) if mask is not None and output_mask is not None else None
        output = op(output, x)
    return output


def _mask_list(layer, inputs, previous_mask):
    """The masks of a merge's inputs, one per input (Keras checks that they are a list as long as the inputs)."""
    if not isinstance(previous_mask, (list, tuple)) or len(previous_mask) != len(inputs):
        raise ValueError(f"Invalid value for argument `mask` of {type(layer).__name__} '{layer.name}': expected a "
                         f"list of one mask (or None) per input, {len(inputs)} in all. Received mask={previous_mask!r}")
    return list(previous_mask)


def _integers_to_float(inputs):
    """The inputs, integer and bool ones cast to the widest float dtype among them when there is one: Keras 3
    (PyTorch's promotion) merges ``int32`` with ``float32`` into ``float32``, where NumPy would give ``float64``."""
    names = [dtype_name(x.dtype) for x in inputs]
    floats = [name for name in names if name.startswith("float")]
    if not floats or len(floats) == len(names):
        return list(inputs)
    widest = np.result_type(*floats).name
    return [x if name.startswith("float") else x.astype(widest) for x, name in zip(inputs, names)]


# ------------------------------------------------------------------------------------------ the functional forms
def _functional(cls, doc):
    def merge(inputs, **kwargs):
        return cls(**kwargs)(inputs)

    merge.__name__ = merge.__qualname__ = cls.__name__.lower()
    merge.__doc__ = (f"``{cls.__name__}(**kwargs)(inputs)``: {doc}, as Keras 3's ``keras.layers."
                     f"{cls.__name__.lower()}``; ``kwargs`` (``name``, ``dtype``, ...) go to the layer. Inputs, output "
                     f"and errors as :class:`{cls.__name__}`.")
    return merge


add = _functional(Add, "the element-wise sum of a list of tensors")
subtract = _functional(Subtract, "the difference of two tensors")
multiply = _functional(Multiply, "the element-wise product of a list of tensors")
average = _functional(Average, "the element-wise mean of a list of tensors")
maximum = _functional(Maximum, "the element-wise maximum of a list of tensors")
minimum = _functional(Minimum, "the element-wise minimum of a list of tensors")


def concatenate(inputs, axis=-1, **kwargs):
    """``Concatenate(axis, **kwargs)(inputs)``: a list of tensors joined along ``axis``, as Keras 3's
    ``keras.layers.concatenate``; ``kwargs`` (``name``, ``dtype``, ...) go to the layer. Inputs, output and errors as
    :class:`Concatenate`.

    >>> import numpy as np
    >>> concatenate([np.ones((2, 3)), np.zeros((2, 1))]).shape
    (2, 4)
    """
    return Concatenate(axis=axis, **kwargs)(inputs)
