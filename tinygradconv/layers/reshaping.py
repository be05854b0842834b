"""Reshaping layers: ``UpSampling1D``, ``ZeroPadding1D``, ``Cropping1D``, ``Permute``, ``RepeatVector`` and
``Identity`` (Keras 3 semantics).

They move samples along the steps axis of ``(batch, steps, channels)`` inputs and are made of registered ops
(``reshape`` and a broadcast ``mul``, ``pad``, slicing), so their gradients are those ops' gradients:
``UpSampling1D``'s backward sums the gradient over each group of repeats, ``ZeroPadding1D``'s crops it, and
``Cropping1D``'s pads it with zeros. ``Permute`` is a ``permute`` (its gradient permuted back), ``RepeatVector`` a
``reshape`` and a ``repeat`` (its gradient summed over the copies), ``Identity`` nothing at all.

>>> import numpy as np
>>> from tinygradconv.layers import UpSampling1D
>>> UpSampling1D(2)(np.arange(3.0).reshape(1, 3, 1)).numpy().ravel().tolist()
[0.0, 0.0, 1.0, 1.0, 2.0, 2.0]
"""
from __future__ import annotations

import math
import operator

import numpy as np

from .. import config
from ..backend import dtype_name
from ..ops import shape as shape_ops
from ..ops.shape import padded_fits
from ..ops.tiling import repeat
from ..tensor import Tensor
from ..validation import integer, integer_tuple, size_fits
from .core import check_rank
from .layer import Layer

__all__ = ["Cropping1D", "Identity", "Permute", "RepeatVector", "UpSampling1D", "ZeroPadding1D"]


def _pair(value, name):
    """An int ``n`` as ``(n, n)`` or a pair of ints, all non-negative, with errors naming ``name``."""
    items = (value, value) if not isinstance(value, (tuple, list)) else tuple(value)
    try:
        if len(items) != 2 or any(isinstance(i, bool) for i in items):
            raise TypeError
        items = tuple(int(operator.index(i)) for i in items)
    except TypeError:
        raise ValueError(f"Invalid value for argument `{name}`. Expected an integer or a tuple of 2 integers. "
                         f"Received {name}={value!r}") from None
    if min(items) < 0:
        raise ValueError(f"Invalid value for argument `{name}`. Expected non-negative integers. "
                         f"Received {name}={value!r}")
    return items


def _grown_fits(layer, inputs, shape, arguments):
    """A ValueError naming the layer's size argument when its output of ``shape`` would not fit in memory
    (:func:`~tinygradconv.validation.size_fits`): ``UpSampling1D(10**12)`` got NumPy's ``MemoryError: Unable to
    allocate 3.64 TiB``, ``RepeatVector(10**30)`` an ``OverflowError`` (found by a tester)."""
    size_fits(f"{type(layer).__name__} '{layer.name}'", f"the output of shape {shape}",
              math.prod(shape) * np.dtype(dtype_name(inputs.dtype)).itemsize, arguments, inputs._data)


class UpSampling1D(Layer):
    """Repeat each time step ``size`` times: ``y[:, i, :] = x[:, i // size, :]``.

    Args:
        size: the upsampling factor (a positive integer).

    Input shape: ``(batch, steps, features)``. Output shape: ``(batch, steps * size, features)``.

    >>> import numpy as np
    >>> UpSampling1D(size=3)(np.zeros((2, 4, 5))).shape
    (2, 12, 5)
    """

    single_input = True

    def __init__(self, size=2, **kwargs):
        super().__init__(**kwargs)
        self.size = integer(size, "size")

    def call(self, inputs):
        check_rank(self, inputs.shape, 3)
        batch, steps, channels = inputs.shape
        _grown_fits(self, inputs, (batch, steps * self.size, channels), f"size={self.size}")
        # (b, L, 1, c) * ones(1, 1, size, 1) broadcasts to (b, L, size, c): each step repeated `size` times in a row.
        ones = Tensor._make(inputs.backend.xp.ones((1, 1, self.size, 1), dtype=inputs.dtype), inputs.backend,
                            False, None)
        repeated = inputs.reshape(batch, steps, 1, channels) * ones
        return repeated.reshape(batch, steps * self.size, channels)

    def compute_output_shape(self, input_shape):
        check_rank(self, input_shape, 3)
        steps = input_shape[1]
        return (input_shape[0], None if steps is None else steps * self.size, input_shape[2])

    def get_config(self):
        return {**super().get_config(), "size": self.size}


class ZeroPadding1D(Layer):
    """Add zeros at the start and end of the steps axis.

    Args:
        padding: an int ``n`` (``n`` zeros on each side) or a pair ``(left, right)``.
        data_format: ``"channels_last"`` (``(batch, steps, features)``) or ``"channels_first"``
            (``(batch, features, steps)``); default: the configured one.

    Output shape: ``steps + left + right`` on the steps axis.

    >>> import numpy as np
    >>> ZeroPadding1D((1, 2))(np.ones((1, 2, 1))).numpy().ravel().tolist()
    [0.0, 1.0, 1.0, 0.0, 0.0]
    """

    single_input = True

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.padding = _pair(padding, "padding")
        self.data_format = config.standardize_data_format(data_format)

    def _axis(self):
        return 1 if self.data_format == "channels_last" else 2

    def call(self, inputs):
        check_rank(self, inputs.shape, 3)
        widths = [(0, 0), (0, 0), (0, 0)]
        widths[self._axis()] = self.padding
        padded_fits(inputs, widths, f"{type(self).__name__} '{self.name}'", f"padding={self.padding}")
        return shape_ops.pad(inputs, widths)

    def compute_output_shape(self, input_shape):
        check_rank(self, input_shape, 3)
        out = list(input_shape)
        axis = self._axis()
        if out[axis] is not None:
            out[axis] = out[axis] + sum(self.padding)
        return tuple(out)

    def get_config(self):
        return {**super().get_config(), "padding": tuple(self.padding), "data_format": self.data_format}


class Cropping1D(Layer):
    """Remove ``left`` steps at the start and ``right`` steps at the end of ``(batch, steps, features)`` inputs.

    Args:
        cropping: an int ``n`` (both sides) or a pair ``(left, right)``.

    Output shape: ``(batch, steps - left - right, features)``.

    Raises:
        ValueError: a malformed ``cropping``; or, when called, a crop that leaves no steps.

    >>> import numpy as np
    >>> Cropping1D((1, 2))(np.arange(5.0).reshape(1, 5, 1)).numpy().ravel().tolist()
    [1.0, 2.0]
    """

    single_input = True

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(**kwargs)
        self.cropping = _pair(cropping, "cropping")

    def _check(self, steps):
        if steps is not None and steps - sum(self.cropping) <= 0:
            raise ValueError(f"Layer '{self.name}': cropping={self.cropping} removes {sum(self.cropping)} steps, "
                             f"which leaves nothing of an input with {steps} steps")

    def call(self, inputs):
        check_rank(self, inputs.shape, 3)
        steps = inputs.shape[1]
        self._check(steps)
        left, right = self.cropping
        return inputs[:, left:steps - right, :]

    def compute_output_shape(self, input_shape):
        check_rank(self, input_shape, 3)
        steps = input_shape[1]
        self._check(steps)
        return (input_shape[0], None if steps is None else steps - sum(self.cropping), input_shape[2])

    def get_config(self):
        return {**super().get_config(), "cropping": tuple(self.cropping)}


def _permutation(dims) -> tuple:
    """``dims`` of :class:`Permute` as a tuple of ints, a permutation of ``1 .. n``, taken as Keras 3 takes it (see
    :class:`Permute` for the collections accepted and the errors raised)."""
    dims = integer_tuple(dims, "dims", ", a permutation of 1 .. n (the axes of a sample; 0 is the batch axis)",
                         "axes")
    if sorted(dims) != list(range(1, len(dims) + 1)):      # Keras' check
        raise ValueError(f"Invalid value for argument `dims`: Invalid permutation argument `dims` for Permute "
                         f"Layer. The set of indices in `dims` must be consecutive and start from 1. "
                         f"Received dims={dims}")
    return dims


class Permute(Layer):
    """Reorder the axes of each sample: output axis ``i`` (``i >= 1``) is input axis ``dims[i - 1]``; the batch axis
    stays first. ``Permute((2, 1))`` swaps the steps and the channels of ``(batch, steps, channels)``.

    Args:
        dims: the integers ``1 .. n`` in some order, ``n`` the number of axes of a sample (axis 0, the batch axis,
            is never named): any collection read in its order as Keras' ``tuple(dims)`` reads it (a tuple, list,
            ``range``, ``deque``, a dict or ``dict.keys()``, whose keys are they, ``bytes`` or a ``bytearray`` of
            their byte values: ``b"\\x02\\x01"`` is ``(2, 1)``), or a 1-D integer array (NumPy, object-dtype
            NumPy, torch).

    Input shape: ``(batch, d_1, ..., d_n)``, exactly ``len(dims) + 1`` axes (Keras' input spec).

    Output shape: ``(batch, d_dims[0], ..., d_dims[n-1])``.

    Gradient: the output gradient permuted back.

    Raises:
        TypeError: ``dims`` not such a collection of integers, such as None, ``2``, ``(2, 1.0)``, ``(True, 2)`` or
            a generator (Keras lets floats and bools through and fails later or permutes by them; a generator is
            its TypeError too); a set or frozenset, whose order is not the one written (Keras takes ``{2, 1}`` as
            ``(1, 2)``, in the set's order); an array of other than one axis (Keras: NumPy's ValueError).
        ValueError: ``dims`` not a permutation of ``1 .. len(dims)`` (Keras' message); text (``"21"``,
            ``("2", "1")``, ``np.array(["2", "1"])``) or bytes of digit characters (``b"21"``, whose byte values
            Keras takes, ``(50, 49)``): Keras' permutation check refuses them with a ValueError too; a boolean
            array; an input of another rank.

    Source: ``keras.layers.Permute`` (Keras 3.15, ``keras/src/layers/reshaping/permute.py``).

    >>> import numpy as np
    >>> Permute((2, 1))(np.zeros((4, 10, 3))).shape
    (4, 3, 10)
    """

    single_input = True

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = _permutation(dims)

    def call(self, inputs):
        check_rank(self, inputs.shape, len(self.dims) + 1)
        return inputs.permute(0, *self.dims)

    def compute_output_shape(self, input_shape):
        check_rank(self, input_shape, len(self.dims) + 1)
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def get_config(self):
        return {**super().get_config(), "dims": tuple(self.dims)}


class RepeatVector(Layer):
    """Repeat each sample's vector ``n`` times along a new steps axis: ``y[b, i, :] = x[b, :]`` for ``i < n``.

    Args:
        n: the number of repeats (a positive integer).

    Input shape: ``(batch, features)``, 2-D only. Output shape: ``(batch, n, features)``.

    Gradient: the sum of the output gradient over the ``n`` copies.

    Raises:
        TypeError: ``n`` not an integer (a bool or float too, as Keras).
        ValueError: ``n <= 0``; an input that is not 2-D.

    Source: ``keras.layers.RepeatVector`` (Keras 3.15, ``keras/src/layers/reshaping/repeat_vector.py``).

    >>> import numpy as np
    >>> RepeatVector(3)(np.array([[1.0, 2.0]])).numpy().tolist()
    [[[1.0, 2.0], [1.0, 2.0], [1.0, 2.0]]]
    """

    single_input = True

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        self.n = integer(n, "n")

    def call(self, inputs):
        check_rank(self, inputs.shape, 2)
        batch, features = inputs.shape
        _grown_fits(self, inputs, (batch, self.n, features), f"n={self.n}")
        return repeat(inputs.reshape(batch, 1, features), 1, self.n, 1)

    def compute_output_shape(self, input_shape):
        check_rank(self, input_shape, 2)
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        return {**super().get_config(), "n": self.n}


class Identity(Layer):
    """The identity: the output is the input, the same tensor (a placeholder, e.g. for a branch that does nothing).

    Input and output shape: any, the same.

    Unlike Keras' ``Identity``, which passes a list or dict of tensors through, it takes one tensor (as every
    built-in layer but the merge layers here).

    Source: ``keras.layers.Identity`` (Keras 3.15, ``keras/src/layers/core/identity.py``).

    >>> import numpy as np
    >>> Identity()(np.array([[1.0, 2.0]])).numpy().tolist()
    [[1.0, 2.0]]
    """

    single_input = True

    def __init__(self, **kwargs):
        # keywords only, as Keras' Identity(**kwargs): Identity(5) is Python's TypeError "takes 1 positional argument"
        super().__init__(**kwargs)

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)
