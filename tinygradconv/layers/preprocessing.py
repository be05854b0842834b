"""``Rescaling``, Keras 3's preprocessing layer that scales and shifts its input: ``y = x * scale + offset``.

>>> import numpy as np
>>> from tinygradconv.layers import Rescaling
>>> Rescaling(1 / 127.5, offset=-1.0)(np.array([[0.0, 127.5, 255.0]])).numpy().tolist()
[[-1.0, 0.0, 1.0]]

Source: ``keras.layers.Rescaling`` (Keras 3.15, ``keras/src/layers/preprocessing/rescaling.py``).
"""
from __future__ import annotations

import numbers

import numpy as np

from ..validation import array_argument
from .core import constant_like
from .layer import Layer

__all__ = ["Rescaling"]


def _factor(value, name):
    """``scale`` or ``offset``: a real number, or a list, tuple or NumPy array of them (one per channel)."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return value
    if isinstance(value, (list, tuple, np.ndarray)):
        array = array_argument(value, name, "a number, or a list, tuple or NumPy array of numbers (one per channel)")
        if array.dtype.kind in "iuf" and array.size:
            return value
    raise TypeError(f"Invalid type for argument `{name}`. Expected a number, or a list, tuple or NumPy array of "
                    f"numbers (one per channel). Received {name}={value!r} (of type {type(value).__name__})")


def _plain(value):
    """``value`` as JSON writes it: a NumPy array as nested lists, a NumPy number as a Python one."""
    return value.tolist() if isinstance(value, (np.ndarray, np.generic)) else value


class Rescaling(Layer):
    r"""Scale and shift the input: :math:`y = x \cdot \mathrm{scale} + \mathrm{offset}`, in the layer's dtype.

    Args:
        scale: a number, or one number per channel (a list, tuple or NumPy array broadcast against the last axes
            of the input, as NumPy broadcasts it).
        offset: the same, added after scaling (default 0).

    Input and output shape: any, the same (``(batch, ...)``). Integer inputs are cast to the layer's dtype
    (``float32`` by default), as Keras casts them; the mask of the input, if any, is passed on, as in Keras.

    Gradient: ``scale`` times the output's gradient.

    Differences from Keras 3.15: with ``keras.config.image_data_format() == "channels_first"`` Keras reshapes a
    per-channel ``scale`` to ``(channels, 1, 1)`` (for images); here it always broadcasts against the last axis
    (the channels of ``(batch, steps, channels)``), for 1-D inputs. A NumPy array given as ``scale`` is written as
    a list in the config (Keras writes its ``__numpy__`` object).

    Raises:
        TypeError: ``scale`` or ``offset`` not a number or a sequence of numbers.

    >>> import numpy as np
    >>> Rescaling(scale=[1.0, 10.0])(np.ones((1, 3, 2))).numpy()[0, 0].tolist()
    [1.0, 10.0]
    """

    single_input = True
    casts_integer_inputs = True

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = _factor(scale, "scale")
        self.offset = _factor(offset, "offset")
        self.supports_masking = True

    def call(self, inputs):
        scale = constant_like(np.asarray(self.scale), inputs, dtype=inputs.dtype)
        offset = constant_like(np.asarray(self.offset), inputs, dtype=inputs.dtype)
        return inputs * scale + offset

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "scale": _plain(self.scale), "offset": _plain(self.offset)}
