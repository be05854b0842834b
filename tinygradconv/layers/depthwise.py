r"""Depthwise and depthwise-separable 1-D convolutions: ``DepthwiseConv1D`` and ``SeparableConv1D``, as Keras 3.

Both are built on the grouped convolution :func:`tinygradconv.ops.conv1d` (``groups`` = the input channels), so
their gradients are that op's gradients:

- a depthwise convolution convolves each input channel ``c`` with its own ``depth_multiplier`` filters and gives
  ``channels * depth_multiplier`` output channels, channel ``c * depth_multiplier + m`` for filter ``m`` of channel
  ``c`` (Keras' order). Its kernel, of Keras' shape ``(kernel_size, channels, depth_multiplier)``, read as
  ``(kernel_size, 1, channels * depth_multiplier)``, is the kernel of ``Conv1D(channels * depth_multiplier,
  kernel_size, groups=channels)``.
- a separable convolution is a depthwise convolution (no bias) followed by a pointwise one, a ``Conv1D`` of kernel
  size 1 (kernel ``(1, channels * depth_multiplier, filters)``), which mixes the channels.

>>> import numpy as np
>>> from tinygradconv.layers import DepthwiseConv1D
>>> layer = DepthwiseConv1D(3, depth_multiplier=2)
>>> layer(np.ones((4, 10, 5))).shape, layer.kernel.shape      # 10 - 3 + 1 steps, 5 * 2 channels
((4, 8, 10), (3, 5, 2))
"""
from __future__ import annotations

from .. import activations, config, constraints, regularizers
from ..ops.conv import conv1d
from ..ops.conv_arithmetic import conv_output_length, effective_kernel_size
from ..validation import flag, integer
from .convolutional import _BaseConv1D, _check_filters, _initializer
from .core import serialize

__all__ = ["DepthwiseConv1D", "SeparableConv1D", "SeparableConvolution1D"]


def _check_depth_multiplier(depth_multiplier):
    """A positive integer, with Keras' message for ``<= 0``; a non-integer (which Keras refuses only at build, in
    other words) is a ``TypeError`` here, at construction."""
    number = integer(depth_multiplier, "depth_multiplier", minimum=None)
    if number <= 0:     # Keras' own check and message
        raise ValueError(f"Invalid value for argument `depth_multiplier`. Expected a strictly positive value. "
                         f"Received depth_multiplier={depth_multiplier}.")
    return number


class _DepthwiseBase(_BaseConv1D):
    """What both layers share: the arguments (Keras' order of checks), the input checks, the depthwise step."""

    _padding_names = ("valid", "same")      # Keras' depthwise layers have no "causal"

    def _init_depthwise(self, name, kwargs, activity_regularizer, kernel_size, strides, padding, depth_multiplier,
                        data_format, dilation_rate, activation, use_bias, depthwise_initializer, bias_initializer,
                        depthwise_regularizer, bias_regularizer, depthwise_constraint, bias_constraint):
        self._init_sizes(name, kwargs, activity_regularizer, kernel_size, strides, dilation_rate, padding)
        self.data_format = config.standardize_data_format(data_format)
        self.activation = activations.get(activation)
        self.use_bias = flag(use_bias, "use_bias")
        self.depthwise_initializer = _initializer(depthwise_initializer)
        self.bias_initializer = _initializer(bias_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.depth_multiplier = _check_depth_multiplier(depth_multiplier)
        self.bias = None
        self.input_channels = None

    def _defined_channels(self, input_shape):
        """The input's channel count, known and at least 1 (Keras 3.15 fails on 0 channels in torch's conv1d with
        "non-positive groups is not supported"; the message here names the input's channels instead)."""
        channels = super()._defined_channels(input_shape)
        if channels == 0:
            raise ValueError(f"Invalid value for argument `inputs` of layer '{self.name}' ({type(self).__name__}). "
                             f"Expected inputs with at least 1 channel. Received inputs of shape "
                             f"{tuple(input_shape)}, with 0 channels (data_format='{self.data_format}')")
        return channels

    def _steps(self, input_shape):
        """The output length, with Keras 3.15's error when a "valid" output would have no step."""
        steps = input_shape[self._length_axis()]
        k_eff = effective_kernel_size(self.kernel_size[0], self.dilation_rate[0])
        if self.padding == "valid" and steps is not None and (steps - k_eff) // self.strides[0] + 1 <= 0:
            raise ValueError(f"Computed output size would be zero or negative. Received `inputs shape="
                             f"{tuple(input_shape)}`, `kernel_size={self.kernel_size}`, `dilation_rate="
                             f"{list(self.dilation_rate)}`, `strides={tuple(self.strides)}`, `padding={self.padding}`.")
        return conv_output_length(steps, self.kernel_size[0], self.strides[0], self.padding, self.dilation_rate[0])

    def _shape_with(self, input_shape, length, channels):
        batch = input_shape[0]
        return (batch, length, channels) if self.data_format == "channels_last" else (batch, channels, length)

    def _depthwise(self, inputs, kernel, bias):
        """The depthwise convolution with Keras' kernel ``(k, channels, depth_multiplier)`` as a grouped one."""
        k, channels, multiplier = kernel.shape
        return conv1d(inputs, kernel.reshape(k, 1, channels * multiplier), bias, strides=self.strides[0],
                      padding=self.padding, dilation_rate=self.dilation_rate[0], groups=channels,
                      data_format=self.data_format)

    def _add_bias(self, outputs):
        if self.bias is None:
            return outputs
        return outputs + (self.bias if self.data_format == "channels_last" else self.bias.reshape((-1, 1)))

    def _sizes_config(self):
        return {"kernel_size": self.kernel_size, "strides": self.strides, "padding": self.padding,
                "data_format": self.data_format, "dilation_rate": self.dilation_rate,
                "activation": serialize(self.activation, "activation"), "use_bias": self.use_bias}


class DepthwiseConv1D(_DepthwiseBase):
    r"""Depthwise 1-D convolution, as Keras 3 ``DepthwiseConv1D``: each input channel convolved with its own filters.

    ``y[n, c * M + m] = bias[c * M + m] + sum_t x_pad[n * strides + t * dilation_rate, c] * kernel[t, c, m]`` for
    ``M = depth_multiplier``, then ``activation``. It is ``Conv1D(channels * M, kernel_size, groups=channels)`` with
    the kernel reshaped to ``(kernel_size, 1, channels * M)``. Output length as ``Conv1D``'s: ``valid``
    ``floor((L - k_eff) / strides) + 1``, ``same`` ``ceil(L / strides)``, ``k_eff = (kernel_size - 1) *
    dilation_rate + 1`` (here, as in Keras, ``strides > 1`` and ``dilation_rate > 1`` may be combined).

    Args:
        kernel_size: an int or 1-tuple: the number of taps.
        strides: an int or 1-tuple.
        padding: ``"valid"`` or ``"same"`` (case-insensitive; no ``"causal"``, as in Keras).
        depth_multiplier: the number of filters per input channel (a positive integer).
        data_format: ``"channels_last"`` (``(batch, steps, channels)``), ``"channels_first"`` or ``None`` (the
            configured default).
        dilation_rate: an int or 1-tuple.
        activation: an activation name, config or callable; ``None`` is linear.
        use_bias: whether to add the bias (``channels * depth_multiplier`` values).
        depthwise_initializer, bias_initializer: initializers (defaults ``"glorot_uniform"``, ``"zeros"``).
        depthwise_regularizer, bias_regularizer, activity_regularizer: penalties, as for ``Conv1D``.
        depthwise_constraint, bias_constraint: projections applied by the optimizer after each update.
        **kwargs: ``name``, ``dtype``, ``trainable``.

    Weights (Keras' names and shapes, so ``.keras`` files interchange): ``kernel`` ``(kernel_size, channels,
    depth_multiplier)`` and ``bias`` ``(channels * depth_multiplier,)``.

    Input shape: ``(batch, steps, channels)`` (``channels_last``) or ``(batch, channels, steps)``.

    Output shape: ``(batch, new_steps, channels * depth_multiplier)`` (or channels first).

    Raises:
        ValueError: a ``depth_multiplier`` or size ``<= 0``, a padding other than ``valid``/``same``, an input that
            is not 3-D or has another channel count than the layer was built for, a ``valid`` output of no step.
        TypeError: a non-integer ``depth_multiplier`` (Keras fails later, at build), a string size, a non-string
            ``padding``, a non-bool ``use_bias``.

    Source: ``keras.layers.DepthwiseConv1D`` (Keras 3.15, ``keras/src/layers/convolutional/base_depthwise_conv.py``).

    Example:
        >>> import numpy as np
        >>> layer = DepthwiseConv1D(3, padding="same", depth_multiplier=2, depthwise_initializer="ones")
        >>> layer(np.ones((1, 4, 1))).numpy()[0, :, 0].tolist()       # sums of 2, 3, 3, 2 ones
        [2.0, 3.0, 3.0, 2.0]
    """

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1, data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, name=None, **kwargs):
        self._init_depthwise(name, kwargs, activity_regularizer, kernel_size, strides, padding, depth_multiplier,
                             data_format, dilation_rate, activation, use_bias, depthwise_initializer,
                             bias_initializer, depthwise_regularizer, bias_regularizer, depthwise_constraint,
                             bias_constraint)
        self.kernel = None

    def build(self, input_shape):
        channels = self._defined_channels(input_shape)
        self._steps(input_shape)
        self.kernel = self.add_weight((self.kernel_size[0], channels, self.depth_multiplier),
                                      self.depthwise_initializer, regularizer=self.depthwise_regularizer,
                                      constraint=self.depthwise_constraint, name="kernel")
        if self.use_bias:
            self.bias = self.add_weight((channels * self.depth_multiplier,), self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint,
                                        name="bias")
        self.input_channels = channels
        self.built = True

    def call(self, inputs):
        self.compute_output_shape(inputs.shape)
        return self._activate(self._add_bias(self._depthwise(inputs, self.kernel, None)))

    def compute_output_shape(self, input_shape):
        """``(batch, new_steps, channels * depth_multiplier)`` (or channels first); unknown sizes stay None.

        >>> DepthwiseConv1D(3, strides=2, depth_multiplier=3).compute_output_shape((None, 10, 2))
        (None, 4, 6)
        """
        channels = self._check_input_shape(input_shape)
        out_channels = None if channels is None else channels * self.depth_multiplier
        return self._shape_with(input_shape, self._steps(input_shape), out_channels)

    def get_config(self):
        return {**super().get_config(), "depth_multiplier": self.depth_multiplier, **self._sizes_config(),
                "depthwise_initializer": serialize(self.depthwise_initializer, "initializer"),
                "bias_initializer": serialize(self.bias_initializer, "initializer"),
                "depthwise_regularizer": serialize(self.depthwise_regularizer, "regularizer"),
                "bias_regularizer": serialize(self.bias_regularizer, "regularizer"),
                "activity_regularizer": serialize(self.activity_regularizer, "regularizer"),
                "depthwise_constraint": serialize(self.depthwise_constraint, "constraint"),
                "bias_constraint": serialize(self.bias_constraint, "constraint")}


class SeparableConv1D(_DepthwiseBase):
    r"""Depthwise-separable 1-D convolution, as Keras 3 ``SeparableConv1D``: a depthwise convolution, then a
    pointwise one (kernel size 1) that mixes the channels, then the bias and the activation.

    ``d = depthwise(x)`` as :class:`DepthwiseConv1D` without bias (``channels * depth_multiplier`` channels), then
    ``y[n, f] = bias[f] + sum_j d[n, j] * pointwise_kernel[0, j, f]``, then ``activation``. The strides, padding and
    dilation apply to the depthwise step; the output length is :class:`DepthwiseConv1D`'s.

    Args:
        filters: the number of output channels (a positive integer).
        kernel_size, strides, padding, data_format, dilation_rate, depth_multiplier, activation, use_bias: as
            :class:`DepthwiseConv1D`'s (note Keras' order of the arguments: ``depth_multiplier`` after
            ``dilation_rate`` here).
        depthwise_initializer, pointwise_initializer, bias_initializer: initializers (defaults
            ``"glorot_uniform"``, ``"glorot_uniform"``, ``"zeros"``).
        depthwise_regularizer, pointwise_regularizer, bias_regularizer, activity_regularizer: penalties.
        depthwise_constraint, pointwise_constraint, bias_constraint: projections applied after each update.
        **kwargs: ``name``, ``dtype``, ``trainable``.

    Weights (Keras' names, shapes and order): ``depthwise_kernel`` ``(kernel_size, channels, depth_multiplier)``,
    ``pointwise_kernel`` ``(1, channels * depth_multiplier, filters)``, ``bias`` ``(filters,)``.

    Input shape: ``(batch, steps, channels)`` (or channels first). Output shape: ``(batch, new_steps, filters)``.

    Raises:
        ValueError, TypeError: as :class:`DepthwiseConv1D`, and a ``filters`` that is not a positive integer.

    Source: ``keras.layers.SeparableConv1D`` (Keras 3.15, ``keras/src/layers/convolutional/base_separable_conv.py``).

    Example:
        >>> import numpy as np
        >>> layer = SeparableConv1D(4, 3, depth_multiplier=2)
        >>> y = layer(np.ones((2, 10, 3)))
        >>> y.shape, layer.depthwise_kernel.shape, layer.pointwise_kernel.shape
        ((2, 8, 4), (3, 3, 2), (1, 6, 4))
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 depth_multiplier=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 pointwise_initializer="glorot_uniform", bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None, name=None, **kwargs):
        self._init_depthwise(name, kwargs, activity_regularizer, kernel_size, strides, padding, depth_multiplier,
                             data_format, dilation_rate, activation, use_bias, depthwise_initializer,
                             bias_initializer, depthwise_regularizer, bias_regularizer, depthwise_constraint,
                             bias_constraint)
        self.pointwise_initializer = _initializer(pointwise_initializer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.pointwise_constraint = constraints.get(pointwise_constraint)
        self.filters = _check_filters(filters)
        self.depthwise_kernel = self.pointwise_kernel = None

    def build(self, input_shape):
        channels = self._defined_channels(input_shape)
        self._steps(input_shape)
        self.depthwise_kernel = self.add_weight(
            (self.kernel_size[0], channels, self.depth_multiplier), self.depthwise_initializer,
            regularizer=self.depthwise_regularizer, constraint=self.depthwise_constraint, name="depthwise_kernel")
        self.pointwise_kernel = self.add_weight(
            (1, channels * self.depth_multiplier, self.filters), self.pointwise_initializer,
            regularizer=self.pointwise_regularizer, constraint=self.pointwise_constraint, name="pointwise_kernel")
        if self.use_bias:
            self.bias = self.add_weight((self.filters,), self.bias_initializer, regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint, name="bias")
        self.input_channels = channels
        self.built = True

    def call(self, inputs):
        self.compute_output_shape(inputs.shape)
        depthwise = self._depthwise(inputs, self.depthwise_kernel, None)
        pointwise = conv1d(depthwise, self.pointwise_kernel, None, data_format=self.data_format)
        return self._activate(self._add_bias(pointwise))

    def compute_output_shape(self, input_shape):
        """``(batch, new_steps, filters)`` (or channels first); unknown sizes stay None.

        >>> SeparableConv1D(5, 3, padding="same").compute_output_shape((None, 10, 2))
        (None, 10, 5)
        """
        self._check_input_shape(input_shape)
        return self._shape_with(input_shape, self._steps(input_shape), self.filters)

    def get_config(self):
        return {**super().get_config(), "depth_multiplier": self.depth_multiplier, "filters": self.filters,
                **self._sizes_config(),
                "depthwise_initializer": serialize(self.depthwise_initializer, "initializer"),
                "pointwise_initializer": serialize(self.pointwise_initializer, "initializer"),
                "bias_initializer": serialize(self.bias_initializer, "initializer"),
                "depthwise_regularizer": serialize(self.depthwise_regularizer, "regularizer"),
                "pointwise_regularizer": serialize(self.pointwise_regularizer, "regularizer"),
                "bias_regularizer": serialize(self.bias_regularizer, "regularizer"),
                "activity_regularizer": serialize(self.activity_regularizer, "regularizer"),
                "depthwise_constraint": serialize(self.depthwise_constraint, "constraint"),
                "pointwise_constraint": serialize(self.pointwise_constraint, "constraint"),
                "bias_constraint": serialize(self.bias_constraint, "constraint")}


SeparableConvolution1D = SeparableConv1D
