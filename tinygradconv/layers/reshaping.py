"""1-D resampling layers: ``UpSampling1D``, ``ZeroPadding1D`` and ``Cropping1D`` (Keras 3 semantics).

They move samples along the steps axis of ``(batch, steps, channels)`` inputs and are made of registered ops
(``reshape`` and a broadcast ``mul``, ``pad``, slicing), so their gradients are those ops' gradients:
``UpSampling1D``'s backward sums the gradient over each group of repeats, ``ZeroPadding1D``'s crops it, and
``Cropping1D``'s pads it with zeros.

>>> import numpy as np
>>> from tinygradconv.layers import UpSampling1D
>>> UpSampling1D(2)(np.arange(3.0).reshape(1, 3, 1)).numpy().ravel().tolist()
[0.0, 0.0, 1.0, 1.0, 2.0, 2.0]
"""
from __future__ import annotations

import operator

from .. import config
from ..ops import shape as shape_ops
from ..tensor import Tensor
from ..validation import integer
from .core import check_rank
from .layer import Layer

__all__ = ["Cropping1D", "UpSampling1D", "ZeroPadding1D"]


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
