"""1-D pooling layers, as Keras 3: ``MaxPooling1D``, ``AveragePooling1D`` (windows along the steps axis) and
``GlobalMaxPooling1D``, ``GlobalAveragePooling1D`` (over every step); aliases ``MaxPool1D``, ``AvgPool1D``,
``GlobalMaxPool1D``, ``GlobalAvgPool1D``.

Inputs are ``(batch, steps, features)`` (``data_format="channels_last"``) or ``(batch, features, steps)``
(``"channels_first"``). The windowed layers call :func:`tinygradconv.ops.max_pool1d` / :func:`~tinygradconv.ops.
avg_pool1d`, which reproduce Keras 3 on torch, values and gradients ("same" padding included: see
:mod:`tinygradconv.ops.pooling`); the global ones are ``ops.max`` / ``ops.mean`` over the steps axis (Keras'
``ops.max``, torch's ``amax``: the gradient of tied maxima is split evenly among them).

They have no weights. Float inputs are cast to the layer's dtype, as Keras casts them (a float16 input to a
float32 layer gives float32).

>>> import numpy as np
>>> from tinygradconv.layers import GlobalAveragePooling1D, MaxPooling1D
>>> x = np.array([[[1.0], [5.0], [3.0], [2.0], [4.0]]])
>>> MaxPooling1D(pool_size=2, strides=1, padding="same")(x).numpy().ravel().tolist()
[5.0, 5.0, 3.0, 4.0, 4.0]
>>> GlobalAveragePooling1D()(x).numpy().tolist()
[[3.0]]

Differences from Keras 3.15 (docs/keras_compatibility.md): arguments are checked at construction (Keras accepts
``padding="full"`` and ``strides=0`` there and fails when called), and ``padding`` is kept lower-cased in the
config (Keras keeps ``"SAME"`` as given); a batch of 0 samples gives an empty result in ``GlobalMaxPooling1D``,
where Keras raises "Cannot compute the max of an empty tensor".

Sources: Keras 3.15 ``keras/src/layers/pooling/`` (``base_pooling.py``, ``base_global_pooling.py``).
"""
from __future__ import annotations

import numpy as np

from .. import config, ops
from ..backend import dtype_name
from ..ops.elementwise import INTEGER_MATH_DTYPE
from ..ops.pooling import PADDINGS, pooling_geometry
from ..tensor import Tensor
from ..validation import flag, standardize_tuple
from .core import check_rank
from .layer import Layer

__all__ = ["AveragePooling1D", "AvgPool1D", "GlobalAveragePooling1D", "GlobalAvgPool1D", "GlobalMaxPool1D",
           "GlobalMaxPooling1D", "MaxPool1D", "MaxPooling1D"]


class _PoolingLayer(Layer):
    """What every pooling layer shares: one input, its steps axis from ``data_format``, and no build config."""

    single_input = True

    def _steps_axis(self):
        return 1 if self.data_format == "channels_last" else 2

    def get_build_config(self):
        """None, as Keras 3.15's: its pooling layers are built when made (``_build_at_init``), so ``.keras`` files
        write them without a ``build_config``."""
        return


class _Pooling1D(_PoolingLayer):
    """What ``MaxPooling1D`` and ``AveragePooling1D`` share: Keras' arguments, shapes and config."""

    _op = None

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self.pool_size = standardize_tuple(pool_size, "pool_size")
        self.strides = standardize_tuple(self.pool_size if strides is None else strides, "strides")
        if not isinstance(padding, str) or padding.lower() not in PADDINGS:
            raise ValueError(f"Invalid value for argument `padding` of {type(self).__name__}. Expected 'valid' or "
                             f"'same' (any case). Received padding={padding!r}")
        self.padding = padding.lower()
        self.data_format = config.standardize_data_format(data_format)

    def call(self, inputs):
        check_rank(self, inputs.shape, 3)
        return type(self)._op(inputs, self.pool_size[0], self.strides[0], self.padding, self.data_format)

    def compute_output_shape(self, input_shape):
        """The input shape with ``out`` windows on the steps axis (``None`` stays ``None``).

        Raises:
            ValueError: an input of rank other than 3, or fewer steps than ``pool_size`` with ``padding="valid"``.
        """
        check_rank(self, input_shape, 3)
        out = list(input_shape)
        axis = self._steps_axis()
        if out[axis] is not None:
            out[axis] = pooling_geometry(out[axis], self.pool_size[0], self.strides[0], self.padding)[2]
        return tuple(out)

    def get_config(self):
        return {**super().get_config(), "pool_size": self.pool_size, "padding": self.padding,
                "strides": self.strides, "data_format": self.data_format}


class MaxPooling1D(_Pooling1D):
    """The maximum of each window of ``pool_size`` steps, every ``strides`` steps: Keras 3's ``MaxPooling1D``.

    Args:
        pool_size: the window size, a positive int (or a 1-tuple); default 2.
        strides: the step between windows, a positive int or None (``pool_size``).
        padding: ``"valid"`` (windows inside the input: ``floor((steps - pool_size) / strides) + 1`` of them) or
            ``"same"`` (``ceil(steps / strides)`` windows; see :mod:`tinygradconv.ops.pooling` for Keras' padding).
        data_format: ``"channels_last"`` (``(batch, steps, features)``), ``"channels_first"``, or None (the
            configured one).
        name, dtype, trainable: as for :class:`~tinygradconv.layers.Layer`.

    The gradient goes to the step torch's ``max_pool1d`` picks: the first maximum of a window, or its last NaN.

    Raises:
        ValueError: a bad argument (named); when called, an input of rank other than 3 or shorter than
        ``pool_size`` with ``padding="valid"``.

    >>> import numpy as np
    >>> MaxPooling1D(2)(np.array([[[1.0], [3.0], [2.0], [0.0]]])).numpy().ravel().tolist()
    [3.0, 2.0]
    >>> MaxPooling1D(3, strides=2, padding="same").compute_output_shape((None, 10, 4))
    (None, 5, 4)
    """

    _op = staticmethod(ops.max_pool1d)


class AveragePooling1D(_Pooling1D):
    """The mean of each window of ``pool_size`` steps, every ``strides`` steps: Keras 3's ``AveragePooling1D``.

    Arguments, shapes and errors as :class:`MaxPooling1D`, but ``pool_size`` must be given (as in Keras). With
    ``padding="same"`` the divisor is torch's under Keras' padding: the number of real steps in the window when the
    padding is the same on both sides, else ``pool_size`` with the edge step repeated into the padding
    (:mod:`tinygradconv.ops.pooling`).

    >>> import numpy as np
    >>> AveragePooling1D(2)(np.array([[[1.0], [3.0], [2.0], [0.0]]])).numpy().ravel().tolist()
    [2.0, 1.0]
    >>> AveragePooling1D(3, strides=1, padding="same")(np.array([[[1.0], [3.0], [2.0]]])).numpy().ravel().tolist()
    [2.0, 2.0, 2.5]
    """

    _op = staticmethod(ops.avg_pool1d)

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, name=None, **kwargs):
        # pool_size has no default here, as in Keras (MaxPooling1D's is 2)
        super().__init__(pool_size, strides=strides, padding=padding, data_format=data_format, name=name, **kwargs)


class _GlobalPooling1D(_PoolingLayer):
    """What the global pooling layers share: ``data_format``, ``keepdims``, shapes and config."""

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = config.standardize_data_format(data_format)
        self.keepdims = flag(keepdims, "keepdims", type(self).__name__)

    def call(self, inputs):
        check_rank(self, inputs.shape, 3)
        if inputs.shape[self._steps_axis()] == 0:
            raise ValueError(f"Invalid value for the input of {type(self).__name__} '{self.name}': it has 0 steps "
                             f"(nothing to pool). Received an input of shape {inputs.shape}")
        return self._reduce(inputs, axis=self._steps_axis(), keepdims=self.keepdims)

    def compute_output_shape(self, input_shape):
        """``(batch, features)``, or with ``keepdims`` the steps axis kept as 1."""
        check_rank(self, input_shape, 3)
        out = list(input_shape)
        axis = self._steps_axis()
        if self.keepdims:
            out[axis] = 1
        else:
            del out[axis]
        return tuple(out)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format, "keepdims": self.keepdims}


class GlobalMaxPooling1D(_GlobalPooling1D):
    """The maximum over all steps: ``(batch, steps, features) -> (batch, features)``, Keras 3's
    ``GlobalMaxPooling1D``.

    Args:
        data_format: ``"channels_last"``, ``"channels_first"`` or None (the configured one).
        keepdims: keep the steps axis, of size 1.
        name, dtype, trainable: as for :class:`~tinygradconv.layers.Layer`.

    The gradient of tied maxima is split evenly among them (Keras' ``ops.max``, torch's ``amax``); a NaN makes the
    result NaN.

    Masks: as in Keras 3.15, this layer does not support them: a masked input (``Embedding(mask_zero=True)``)
    gives a ``UserWarning`` that the mask is dropped, and the maximum is over every step, the masked ones included.

    Raises:
        TypeError: ``keepdims`` not a bool. ValueError: a bad ``data_format``; when called, an input of rank other
        than 3, or with 0 steps.

    >>> import numpy as np
    >>> GlobalMaxPooling1D()(np.array([[[1.0, 4.0], [3.0, 2.0]]])).numpy().tolist()
    [[3.0, 4.0]]
    """

    @staticmethod
    def _reduce(inputs, axis, keepdims):
        return ops.max(inputs, axis=axis, keepdims=keepdims)


class GlobalAveragePooling1D(_GlobalPooling1D):
    """The mean over all steps: ``(batch, steps, features) -> (batch, features)``, Keras 3's
    ``GlobalAveragePooling1D``. Arguments and errors as :class:`GlobalMaxPooling1D` (Keras gives NaN for 0 steps;
    refused here). Integer and bool inputs give float32 whatever the layer's dtype, as Keras (``GlobalMaxPooling1D``
    keeps their dtype, as Keras).

    Masks, as Keras 3: the mask an input carries (from ``Embedding(mask_zero=True)`` or ``Masking``), or ``mask=``
    given to the call (``(batch, steps)``, True where a step counts), makes it the mean of the steps that count
    (:meth:`call`); the output carries no mask.

    Raises (besides :class:`GlobalMaxPooling1D`'s): ValueError: a ``mask`` of another shape than ``(batch, steps)``.

    >>> import numpy as np
    >>> GlobalAveragePooling1D(keepdims=True)(np.array([[[1.0, 4.0], [3.0, 2.0]]])).numpy().tolist()
    [[[2.0, 3.0]]]
    >>> GlobalAveragePooling1D()(np.array([[[1.0], [3.0], [8.0]]]), mask=np.array([[True, True, False]])).numpy()
    array([[2.]], dtype=float32)
    """

    @staticmethod
    def _reduce(inputs, axis, keepdims):
        return ops.mean(_keras_float(inputs), axis=axis, keepdims=keepdims)

    def call(self, inputs, mask=None):
        """The mean over the steps, or with ``mask`` (``(batch, steps)``, True where a step counts; the mask the
        input carries is given here by the layer call, as Keras 3 gives it) the mean over the steps that count:
        ``sum(where(mask, x, 0)) / sum(mask)``, Keras 3's formula (a sample with no step counted gives NaN, 0 / 0,
        as in Keras). The masked steps get no gradient."""
        if mask is None:
            return super().call(inputs)
        check_rank(self, inputs.shape, 3)
        axis = self._steps_axis()
        if not isinstance(mask, Tensor):
            mask = Tensor(np.asarray(mask), dtype="bool", backend=inputs.backend)
        expected = (inputs.shape[0], inputs.shape[axis])
        if tuple(mask.shape) != expected:
            raise ValueError(f"Invalid value for argument `mask` of {type(self).__name__} '{self.name}': expected "
                             f"a mask of shape (batch, steps) = {expected}. Received a mask of shape "
                             f"{tuple(mask.shape)}")
        inputs = _keras_float(inputs)
        xp = inputs.backend.xp
        keep = xp.expand_dims(xp.astype(mask.data, xp.bool), axis=2 if axis == 1 else 1)
        keep = Tensor._make(keep, inputs.backend, False, None)
        kept = ops.where(keep, inputs, 0)
        counts = Tensor._make(xp.astype(keep.data, kept.data.dtype), inputs.backend, False, None)
        return kept.sum(axis=axis, keepdims=self.keepdims) / counts.sum(axis=axis, keepdims=self.keepdims)

    def compute_mask(self, inputs, previous_mask=None):
        """None: the steps are pooled away, so the output has no mask (Keras 3)."""
        return

    def _output_dtypes(self, dtypes):
        """The output's dtype in a symbolic call, as the call on data gives it: float32 (the mean of integers, as
        Keras' ``ops.mean``) for integer or bool inputs, whatever the layer's dtype; else the layer's dtype."""
        if dtypes and not any(name.startswith("float") for name in dtypes):
            return INTEGER_MATH_DTYPE
        return self.dtype


def _keras_float(inputs):
    """``inputs`` as float32 (:data:`~tinygradconv.ops.elementwise.INTEGER_MATH_DTYPE`) when integer or bool, as
    Keras 3 averages them whatever ``floatx()`` is (the tensor ops' mean of integers is of ``floatx()``, as
    PyTorch's default dtype); floating ``inputs`` as they are."""
    return inputs if dtype_name(inputs.dtype).startswith("float") else inputs.astype(INTEGER_MATH_DTYPE)


MaxPool1D = MaxPooling1D
AvgPool1D = AveragePooling1D
GlobalMaxPool1D = GlobalMaxPooling1D
GlobalAvgPool1D = GlobalAveragePooling1D
