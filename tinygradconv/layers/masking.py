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


#: The kinds of dtype, lowest first: a 0-d tensor of a higher kind decides the dtype of a comparison (PyTorch).
_KINDS = ("bool", "integer", "float")


def _kind(dtype):
    name = dtype_name(dtype)
    return "bool" if name == "bool" else "float" if name.startswith("float") else "integer"


def _mask_value_dtype(value):
    """The dtype of the tensor Keras 3 makes of ``mask_value`` (``convert_to_tensor``): ``floatx()`` (float32) for a
    float or a list holding one, bool for a bool or a list of bools, int32 for an int or a list of ints (int64 for
    an int beyond int32 and for a NumPy int64; Keras refuses a list with one), a NumPy number's own dtype for an
    integer one."""
    values = value if isinstance(value, list) else [value]
    if any(isinstance(v, (float, np.floating)) for v in values):
        return config.floatx()
    if all(isinstance(v, (bool, np.bool_)) for v in values):
        return "bool"
    if not isinstance(value, list) and isinstance(value, np.integer):
        return dtype_name(value.dtype)
    if all(-2**31 <= int(v) < 2**31 for v in values):
        return "int32"
    return "int64"


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
    nothing), as in Keras. The comparison follows Keras 3 on torch: a float input is first cast to the layer's dtype
    (not by a direct :meth:`compute_mask`, as in Keras); a float ``mask_value`` is a float32 (``config.floatx()``)
    number, compared in a float input's dtype (so ``Masking(0.1, dtype="float64")`` masks a float32 0.1, which it
    made float64, but not a float64 0.1) and in float32 beside integer or bool inputs; a list holding a float is a
    float32 array, compared in the wider dtype (float16 data in float32, integer data in float32: the int32
    ``16777217`` equals ``16777216.5`` there, as in Keras); an int, or a list of ints, is an int32 tensor, compared
    in the input's dtype (float16 data: ``2049`` equals ``2048`` there, as in Keras).

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
        ``mask_value`` (feature by feature for a list).

        Compared as Keras 3 on torch compares them (``ops.not_equal(inputs, mask_value)``): ``mask_value`` is first
        made a tensor (:func:`_mask_value_dtype`: a float or a list holding one in ``floatx()``, float32), then
        both are cast to the dtype ``torch.ne`` computes in. A list is a tensor of the features' shape, promoted
        with the inputs as two tensors (:func:`~tinygradconv.ops.elementwise.promoted_dtype`: integer inputs beside
        a float list in float32, float16 ones in float32); a number is a 0-d tensor, which decides the dtype only
        when it is of a higher kind (bool < integer < float) than the inputs: an integer input beside a float
        number in float32, a float16 input beside a float number in float16, an integer input beside an int in its
        own dtype. So ``mask_value=16777216.5`` masks the int32 step ``16777217`` (both are 16777216 in float32), as
        in Keras."""
        from ..ops.elementwise import promoted_dtype

        xp = inputs.backend.xp
        data = inputs.data
        value = self.mask_value
        if isinstance(value, list) and len(value) not in (1, inputs.shape[-1]):
            raise ValueError(f"Invalid value for argument `mask_value` of Masking '{self.name}': one number per "
                             f"feature, {inputs.shape[-1]} for inputs of shape {tuple(inputs.shape)}. Received "
                             f"{len(value)} numbers: mask_value={value}")
        value_dtype, data_dtype = _mask_value_dtype(value), dtype_name(data.dtype)
        if isinstance(value, list):
            compared = promoted_dtype(data_dtype, value_dtype)
        else:
            compared = value_dtype if _KINDS.index(_kind(value_dtype)) > _KINDS.index(_kind(data_dtype)) else data_dtype
        with np.errstate(over="ignore"):        # 16777216.5 cast to float16 is inf, silently as in torch
            value = xp.astype(xp.asarray(value, dtype=getattr(xp, value_dtype)), getattr(xp, compared))
        return xp.any(xp.astype(data, getattr(xp, compared)) != value, axis=-1)

    def compute_mask(self, inputs, previous_mask=None):
        """``any(inputs != mask_value, axis=-1)``, a bool Tensor of ``inputs.shape[:-1]`` (``previous_mask`` is not
        used). Called directly, a NumPy array keeps its dtype (a float64 one is compared in float64), as Keras 3's
        ``compute_mask`` takes it; calling the layer casts float inputs to its dtype first, as Keras does."""
        if isinstance(inputs, np.ndarray):
            inputs = Tensor(inputs, dtype=dtype_name(inputs.dtype), backend=self._backend)
        elif not isinstance(inputs, Tensor):
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
