"""``Masking``: mark the steps of a sequence whose features all equal ``mask_value`` as padding, as Keras 3's
``keras.layers.Masking``.

A step (``inputs[b, t, :]``, the last axis being the features) counts unless every one of its features equals
``mask_value``. The output is the input with the masked steps set to 0, and it carries the mask (``(batch, steps)``,
True where a step counts) as its attribute ``_keras_mask``, which the next layers pass on or use, as in Keras 3 (see
"Masks" in docs/keras_compatibility.md): ``GlobalAveragePooling1D`` then averages the steps that count, and a
compiled loss and its metrics leave the masked steps out.

>>> import numpy as np
>>> from tinygradconv.layers import GlobalAveragePooling1D, Masking
>>> x = np.array([[[1.0, 2.0], [0.0, 0.0], [3.0, 4.0]]])
>>> y = Masking(mask_value=0.0)(x)
>>> y._keras_mask.numpy().tolist()
[[True, False, True]]
>>> GlobalAveragePooling1D()(y).numpy().tolist()
[[2.0, 3.0]]

Source: Keras 3.15 ``keras/src/layers/core/masking.py``.
"""
from __future__ import annotations

import numbers

import numpy as np

from .. import config, ops
from ..backend import dtype_name
from ..tensor import Tensor
from .layer import Layer, set_keras_mask

__all__ = ["Masking"]


def _is_integer(value) -> bool:
    """An int or a bool (Keras makes an integer or bool tensor of it, compared exactly)."""
    return isinstance(value, (numbers.Integral, np.bool_))


class Masking(Layer):
    """Mask the steps whose features all equal ``mask_value``: Keras 3's ``Masking``.

    Args:
        mask_value: a number (int, float or bool, which compares as 1 or 0, as in Keras; default 0.0): a step all of
            whose features equal it is masked; or a list of numbers, one per feature (a step whose features equal
            them, feature by feature, is masked), as Keras compares the inputs with any value it is given.
        name, dtype, trainable: as for :class:`~tinygradconv.layers.Layer`.

    Input: any shape of rank 2 or more, the last axis being the features (usually ``(batch, steps, features)``).
    Output: the same shape and dtype, the masked steps set to 0 (their gradient is 0), carrying the mask
    ``any(inputs != mask_value, axis=-1)`` (:meth:`compute_mask`). A NaN ``mask_value`` masks nothing (NaN equals
    nothing), as in Keras. The comparison follows Keras 3 on torch: the input is first cast to the layer's dtype; a
    float ``mask_value`` is a float32 (``config.floatx()``) number, compared in the input's dtype (so
    ``Masking(0.1, dtype="float64")`` masks a float32 0.1, which it made float64, but not a float64 0.1); a list
    holding a float is a float32 array, compared in the wider dtype (float16 data in float32); whole numbers and
    bools compare exactly.

    Raises:
        TypeError: ``mask_value`` neither a number nor a list of numbers (a string, None): Keras takes any value
            when the layer is made, and fails when it is called ("Invalid dtype: str32"), so it is refused here at
            once.
        ValueError: a list of ``mask_value`` that is empty, nested, or (when called) not one per feature (Keras
            fails there with torch's "The size of tensor a (2) must match ...").

    >>> import numpy as np
    >>> Masking(mask_value=-1.0)(np.array([[[-1.0], [5.0]]])).numpy().tolist()
    [[[0.0], [5.0]]]
    >>> Masking(mask_value=[0.0, 1.0])(np.array([[[0.0, 1.0], [1.0, 1.0]]]))._keras_mask.numpy().tolist()
    [[False, True]]
    """

    single_input = True

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        if isinstance(mask_value, np.ndarray):
            mask_value = mask_value.tolist()            # kept as a list: the config stays JSON
        if isinstance(mask_value, (list, tuple)):
            if not all(isinstance(v, (numbers.Real, np.bool_)) for v in mask_value):
                raise TypeError(f"Invalid type for argument `mask_value` of Masking. Expected a number or a list of "
                                f"numbers (one per feature). Received mask_value={mask_value!r}")
            if not mask_value:
                raise ValueError("Invalid value for argument `mask_value` of Masking: a list of one number per "
                                 "feature. Received an empty list")
            mask_value = list(mask_value)
        elif not isinstance(mask_value, (numbers.Real, np.bool_)):
            raise TypeError(f"Invalid type for argument `mask_value` of Masking. Expected a number (int, float or "
                            f"bool) or a list of numbers (one per feature). Received mask_value={mask_value!r} (of "
                            f"type {type(mask_value).__name__})")
        self.mask_value = mask_value
        self.supports_masking = True

    def _keep(self, inputs: Tensor):
        """The mask, a bool backend array of ``inputs.shape[:-1]``: a step counts unless all its features are
        ``mask_value`` (feature by feature for a list)."""
        xp = inputs.backend.xp
        data = inputs.data
        value = self.mask_value
        if isinstance(value, list):
            if len(value) not in (1, inputs.shape[-1]):
                raise ValueError(f"Invalid value for argument `mask_value` of Masking '{self.name}': one number per "
                                 f"feature, {inputs.shape[-1]} for inputs of shape {tuple(inputs.shape)}. Received "
                                 f"{len(value)} numbers: mask_value={value}")
            if all(_is_integer(v) for v in value):      # whole numbers compare exactly in the input's dtype
                value = xp.asarray([float(v) for v in value], dtype=data.dtype)
            else:
                # Keras makes a floatx (float32) array of the list; the comparison is then in the wider of the
                # two dtypes (float16 data in float32, float64 data in float64, as torch promotes them)
                value = xp.asarray([float(v) for v in value], dtype=getattr(xp, config.floatx()))
                floating = dtype_name(data.dtype).startswith("float")
                data = xp.astype(data, xp.result_type(data.dtype, value.dtype) if floating else xp.float64)
        elif _is_integer(value):
            value = int(value)                          # True compares as 1, as in Keras
        else:
            # a float, as Keras: first a floatx (float32) number, then compared in the input's dtype (0.1 masks a
            # float32 0.1 made float64 by a float64 layer, not a float64 0.1: float32(0.1) is 0.10000000149...)
            value = float(np.asarray(value, dtype=config.floatx()))
        return xp.any(data != value, axis=-1)

    def compute_mask(self, inputs, previous_mask=None):
        """``any(inputs != mask_value, axis=-1)``, a bool Tensor of ``inputs.shape[:-1]`` (``previous_mask`` is not
        used)."""
        if not isinstance(inputs, Tensor):
            inputs = self._to_input(inputs)
        return Tensor._make(self._keep(inputs), inputs.backend, False, None)

    def call(self, inputs):
        keep = self._keep(inputs)
        xp = inputs.backend.xp
        if dtype_name(inputs.dtype) == "bool":
            # Keras' where(mask, inputs, 0) with its 0 an int32 tensor: bool data give int32 1s and 0s (not int64)
            inputs = inputs.astype("int32")
        outputs = ops.where(Tensor._make(xp.expand_dims(keep, axis=-1), inputs.backend, False, None), inputs, 0)
        set_keras_mask(outputs, Tensor._make(keep, inputs.backend, False, None))
        return outputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "mask_value": self.mask_value}
