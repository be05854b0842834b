r"""Convolution layers: ``Conv1DTranspose`` (alias ``Convolution1DTranspose``) and ``Conv1D``, as in Keras 3.

The layers hold the arguments and the weights; the math lives in :mod:`tinygradconv.ops.conv` and the lengths in
:mod:`tinygradconv.ops.conv_arithmetic`. A layer computes ``activation(conv(x, kernel) + bias)``.

Argument handling follows Keras 3 (``standardize_tuple``, ``standardize_padding``, ``standardize_data_format``) with
the same checks, in the same order and with messages of the same substance, all raised at construction. Where Keras
accepts a value and only fails later (``filters=2.5`` or ``None``, ``kernel_size=[3.0]``, a list/tuple ``padding``)
or fails with an ``AttributeError`` (``padding=None``), these layers raise a ``ValueError``/``TypeError`` at
construction instead.

Weights (Keras layouts and names): ``Conv1DTranspose`` kernel ``(kernel_size, filters, in)``, ``Conv1D`` kernel
``(kernel_size, in // groups, filters)``, bias ``(filters,)``; named ``"kernel"`` and ``"bias"``, with the paths
``"<layer>/kernel"`` and ``"<layer>/bias"`` (Keras').

>>> import numpy as np
>>> from tinygradconv.layers import Conv1DTranspose
>>> Conv1DTranspose(32, 3, 2, activation="relu")(np.random.rand(4, 10, 128)).shape
(4, 21, 32)
"""
from __future__ import annotations

from .. import activations, config, constraints, initializers, regularizers
from ..backend import dtype_name
from ..ops.conv import conv1d, conv1d_transpose
from ..ops.conv_arithmetic import conv_output_length, conv_transpose_output_length, effective_kernel_size
from ..validation import flag, integer, standardize_padding, standardize_tuple
from .core import check_shape, serialize
from .layer import Layer

__all__ = ["Conv1D", "Conv1DTranspose", "Convolution1D", "Convolution1DTranspose"]


# ---------------------------------------------------------------------------------------------------------- arguments
def _check_filters(filters):
    """Keras only checks ``filters <= 0``; a string fails that comparison (TypeError), a float or None fails at build
    (ValueError): both are raised here, at construction. A bool, which Keras takes as 1 filter, is a TypeError here,
    as for every integer argument of the package."""
    if isinstance(filters, (str, bytes)):
        raise TypeError(f"Invalid type for argument `filters`. Expected a strictly positive integer. "
                        f"Received filters={filters!r} of type {type(filters).__name__}")
    number = integer(filters, "filters", minimum=None, type_error=ValueError, bool_error=TypeError)
    if number <= 0:  # Keras' own check and message
        raise ValueError(f"Invalid value for argument `filters`. Expected a strictly positive value. "
                         f"Received filters={filters}.")
    return number


def _check_groups(groups):
    if isinstance(groups, (str, bytes)):
        raise TypeError(f"The number of groups must be a positive integer. Received: groups={groups!r} of type "
                        f"{type(groups).__name__}.")
    number = integer(groups, "groups", minimum=None, type_error=ValueError, bool_error=TypeError)
    if number <= 0:  # Keras' own check and message
        raise ValueError(f"The number of groups must be a positive integer. Received: groups={groups}.")
    return number


def _initializer(identifier):
    # Keras' add_weight uses glorot_uniform for a float weight whose initializer is None.
    return initializers.get("glorot_uniform" if identifier is None else identifier)


# ---------------------------------------------------------------------------------------------------------- base
class _BaseConv1D(Layer):
    """What Conv1D and Conv1DTranspose share: argument checks, activation, initializers, regularizers, constraints,
    the input-shape checks, the weights and the config.

    A subclass's ``__init__`` calls :meth:`_init_sizes`, standardizes its own arguments, calls :meth:`_init_common`,
    then checks the arguments against each other: Keras' order, so that the first bad argument is the one named.
    """

    casts_integer_inputs = True    # integer inputs give the layer's dtype (Keras 3 on torch fails on them)
    single_input = True

    def _init_sizes(self, name, kwargs, activity_regularizer, kernel_size, strides, dilation_rate, padding):
        # Layer names it as Keras does: the snake case of the class name, made unique ("conv1d_transpose"; a
        # subclass MyUp gets "my_up"), and only after checking kwargs.
        super().__init__(name=name, activity_regularizer=activity_regularizer, **kwargs)  # resolved first, as Keras
        self.kernel_size = standardize_tuple(kernel_size, "kernel_size")
        self.strides = standardize_tuple(strides, "strides")
        self.dilation_rate = standardize_tuple(dilation_rate, "dilation_rate")
        self.padding = standardize_padding(padding, self._padding_names)

    def _init_common(self, data_format, activation, use_bias, kernel_initializer, bias_initializer,
                     kernel_regularizer, bias_regularizer, kernel_constraint, bias_constraint, filters):
        self.data_format = config.standardize_data_format(data_format)
        self.activation = activations.get(activation)
        self.use_bias = flag(use_bias, "use_bias")
        self.kernel_initializer = _initializer(kernel_initializer)
        self.bias_initializer = _initializer(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.kernel = None
        self.bias = None
        self.input_channels = None
        self.filters = _check_filters(filters)

    def _check_strides_and_dilation(self):
        if self.strides[0] > 1 and self.dilation_rate[0] > 1:
            raise ValueError(f"`strides > 1` not supported in conjunction with `dilation_rate > 1`. Received: "
                             f"strides={self.strides} and dilation_rate={self.dilation_rate}")

    @property
    def _channel_axis(self):
        return -1 if self.data_format == "channels_last" else 1

    def _check_input_shape(self, shape):
        """Rank 3, and (once built) the channel count the kernel was built for: else a Keras-like ValueError."""
        check_shape(self, shape, "(None, 10, 3)")
        shape = tuple(shape)
        if len(shape) != 3:  # Keras' input spec says min_ndim=3; a rank-4 input fails later there, differently
            expected = "min_ndim=3" if len(shape) < 3 else "ndim=3"
            raise ValueError(f"Input 0 of layer '{self.name}' is incompatible with the layer: expected {expected}, "
                             f"found ndim={len(shape)}. Full shape received: {shape}")
        channels = shape[self._channel_axis]
        if self.input_channels is not None and channels is not None and channels != self.input_channels:
            raise ValueError(f"Input 0 of layer '{self.name}' is incompatible with the layer: expected axis "
                             f"{self._channel_axis} of input shape to have value {self.input_channels}, but received "
                             f"input with shape {shape}")
        return channels

    def _defined_channels(self, input_shape):
        """The input's channel count, checked by :meth:`_check_input_shape`, which must be known to build."""
        channels = self._check_input_shape(input_shape)
        if channels is None:
            raise ValueError(f"The channel dimension of the inputs of layer '{self.name}' should be defined. Found "
                             f"`None`. Full input shape received: {tuple(input_shape)}")
        return channels

    def _length_axis(self):
        return 1 if self.data_format == "channels_last" else 2

    def _output_shape(self, input_shape, length):
        batch = input_shape[0]
        if self.data_format == "channels_last":
            return (batch, length, self.filters)
        return (batch, self.filters, length)

    def _add_weights(self, kernel_shape):
        self.kernel = self.add_weight(kernel_shape, self.kernel_initializer, regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint, name="kernel")
        if self.use_bias:
            self.bias = self.add_weight((self.filters,), self.bias_initializer, regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint, name="bias")

    def _activate(self, outputs):
        return outputs if self.activation is activations.linear else self.activation(outputs)

    def _bias_in_the_op(self):
        """The bias to pass into the convolution op, which adds it before rounding the sums once; ``None`` for a
        float16 layer, which adds it apart (:meth:`_add_bias_apart`) as Keras 3 does: Keras' convolution layers
        round the convolution to float16 and then add the bias with ``ops.add``, a second rounding (with a bias of
        -30000 and sums of 80000, Keras gives ``inf`` where one rounding gives 50000)."""
        return None if self.bias is None or dtype_name(self.bias.dtype) == "float16" else self.bias

    def _add_bias_apart(self, outputs):
        """``outputs + bias`` along the channel axis, when :meth:`_bias_in_the_op` left the bias out."""
        if self.bias is None or self._bias_in_the_op() is not None:
            return outputs
        return outputs + (self.bias if self.data_format == "channels_last" else self.bias.reshape((-1, 1)))

    def _common_config(self):
        return {
            "activation": serialize(self.activation, "activation"),
            "use_bias": self.use_bias,
            "kernel_initializer": serialize(self.kernel_initializer, "initializer"),
            "bias_initializer": serialize(self.bias_initializer, "initializer"),
            "kernel_regularizer": serialize(self.kernel_regularizer, "regularizer"),
            "bias_regularizer": serialize(self.bias_regularizer, "regularizer"),
            "activity_regularizer": serialize(self.activity_regularizer, "regularizer"),
            "kernel_constraint": serialize(self.kernel_constraint, "constraint"),
            "bias_constraint": serialize(self.bias_constraint, "constraint"),
        }


# ---------------------------------------------------------------------------------------------------------- layers
class Conv1DTranspose(_BaseConv1D):
    r"""Transposed 1-D convolution layer (sometimes called deconvolution), as Keras 3 ``Conv1DTranspose``.

    Computes ``activation(conv1d_transpose(x, kernel) + bias)`` (see :func:`tinygradconv.ops.conv1d_transpose`):
    every input step ``j`` scatters ``x[j] @ kernel[t]^T`` to output position ``j*strides + t*dilation_rate`` (minus
    a crop that depends on ``padding``/``output_padding``). The output length is, with
    ``k_eff = (kernel_size - 1) * dilation_rate + 1``:

    * ``valid``: ``(L - 1) * strides + max(k_eff, strides)``, or ``(L - 1) * strides + k_eff + output_padding``;
    * ``same``: ``L * strides``, or ``(L - 1) * strides + k_eff % 2 + output_padding``.

    Args:
        filters: the number of output channels (a positive integer).
        kernel_size: an int or a 1-tuple/list: the number of taps.
        strides: an int or 1-tuple: the upsampling factor.
        padding: ``"valid"`` or ``"same"`` (case-insensitive).
        output_padding: ``None`` or an int / 1-tuple, ``0 <= output_padding < strides``: extra steps at the end.
            ``None`` and ``0`` differ (see above).
        data_format: ``"channels_last"`` (inputs ``(batch, steps, channels)``), ``"channels_first"``, or ``None``
            for :func:`tinygradconv.config.image_data_format` at construction time.
        dilation_rate: an int or 1-tuple: spacing of the taps (``> 1`` only with ``strides = 1``).
        activation: an activation name, config or callable; ``None`` is linear.
        use_bias: whether to add the bias.
        kernel_initializer, bias_initializer: initializers (defaults ``"glorot_uniform"``, ``"zeros"``).
        kernel_regularizer, bias_regularizer: penalties added to :attr:`losses`.
        activity_regularizer: a penalty on the output, divided by the batch size.
        kernel_constraint, bias_constraint: projections the optimizer applies after each update (stored on the
            weights as ``weight.constraint``).
        **kwargs: ``name``, ``dtype``, ``trainable``.

    Input shape:
        ``(batch, steps, channels)`` for ``channels_last``, ``(batch, channels, steps)`` for ``channels_first``.

    Output shape:
        ``(batch, new_steps, filters)`` / ``(batch, filters, new_steps)``.

    Raises:
        ValueError: invalid arguments (messages as Keras': non-positive sizes, padding not ``valid``/``same``,
            ``output_padding >= strides``, ``strides > 1`` with ``dilation_rate > 1``, unknown keyword arguments,
            ...), or an input that is not 3-D or has another channel count than the one the layer was built for.
        TypeError: a string where an integer is expected, or a non-string ``padding``.

    Example:
        >>> import numpy as np
        >>> layer = Conv1DTranspose(32, 3, 2, activation="relu")
        >>> y = layer(np.random.rand(4, 10, 128))
        >>> y.shape, layer.kernel.shape, layer.bias.shape
        ((4, 21, 32), (3, 32, 128), (32,))
    """

    _padding_names = ("valid", "same")

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None, data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, name=None, **kwargs):
        # Keras' order: kernel_size, strides, dilation_rate, padding, output_padding, data_format, the objects,
        # filters, then the checks across arguments.
        self._init_sizes(name, kwargs, activity_regularizer, kernel_size, strides, dilation_rate, padding)
        self.output_padding = (None if output_padding is None
                               else standardize_tuple(output_padding, "output_padding", allow_zero=True))
        self._init_common(data_format, activation, use_bias, kernel_initializer, bias_initializer,
                          kernel_regularizer, bias_regularizer, kernel_constraint, bias_constraint, filters)
        if self.output_padding is not None and self.output_padding[0] >= self.strides[0]:
            raise ValueError(f"`output_padding` must be strictly less than `strides` for all dimensions. At "
                             f"dimension 0, `output_padding` is {self.output_padding[0]} but `strides` is "
                             f"{self.strides[0]}. Received: output_padding={self.output_padding}, "
                             f"strides={self.strides}")
        self._check_strides_and_dilation()

    def build(self, input_shape):
        channels = self._defined_channels(input_shape)
        self._add_weights((self.kernel_size[0], self.filters, channels))
        self.input_channels = channels
        self.built = True

    def call(self, inputs):
        self._check_input_shape(inputs.shape)
        out = conv1d_transpose(inputs, self.kernel, self._bias_in_the_op(), strides=self.strides[0],
                               padding=self.padding,
                               output_padding=None if self.output_padding is None else self.output_padding[0],
                               dilation_rate=self.dilation_rate[0], data_format=self.data_format)
        return self._activate(self._add_bias_apart(out))

    def compute_output_shape(self, input_shape):
        """``(batch, N, filters)`` (or channels first) for an input shape; unknown (None) lengths stay None.

        >>> Conv1DTranspose(2, 3, strides=2, output_padding=1).compute_output_shape((1, 8, 3))
        (1, 18, 2)
        """
        self._check_input_shape(input_shape)
        length = conv_transpose_output_length(
            input_shape[self._length_axis()], self.kernel_size[0], self.strides[0], self.padding,
            None if self.output_padding is None else self.output_padding[0], self.dilation_rate[0])
        return self._output_shape(input_shape, length)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "kernel_size": self.kernel_size,
                "strides": self.strides, "padding": self.padding, "output_padding": self.output_padding,
                "data_format": self.data_format, "dilation_rate": self.dilation_rate, **self._common_config()}


Convolution1DTranspose = Conv1DTranspose


class Conv1D(_BaseConv1D):
    r"""1-D convolution layer (cross-correlation), as Keras 3 ``Conv1D``.

    Computes ``activation(conv1d(x, kernel) + bias)`` (see :func:`tinygradconv.ops.conv1d`):
    ``y[n, o] = bias[o] + sum_{t, i} x_pad[n*strides + t*dilation_rate, g*C_g + i] * kernel[t, i, o]`` for output
    channel ``o`` in group ``g``. Output length: ``valid`` ``floor((L - k_eff) / strides) + 1``; ``same`` and
    ``causal`` (zeros on the left only) ``ceil(L / strides)``.

    Args:
        filters: the number of output channels (a positive integer divisible by ``groups``).
        kernel_size: an int or 1-tuple: the number of taps.
        strides: an int or 1-tuple.
        padding: ``"valid"``, ``"same"`` or ``"causal"`` (case-insensitive).
        data_format: ``"channels_last"``, ``"channels_first"`` or ``None`` (the configured default).
        dilation_rate: an int or 1-tuple (``> 1`` only with ``strides = 1``).
        groups: split the input channels into this many groups, each convolved with ``filters / groups`` filters.
        activation: an activation name, config or callable; ``None`` is linear. ``use_bias``, the initializers,
            regularizers and constraints and the keyword arguments (``name``, ``dtype``, ``trainable``) are as for
            :class:`Conv1DTranspose`.

    Input shape:
        ``(batch, steps, channels)`` (``channels_last``) or ``(batch, channels, steps)``.

    Output shape:
        ``(batch, new_steps, filters)`` / ``(batch, filters, new_steps)``.

    Raises:
        ValueError: invalid arguments (as Keras: non-positive sizes, bad padding, ``filters`` not divisible by
            ``groups``, ``strides > 1`` with ``dilation_rate > 1``, ...), input channels not divisible by ``groups``,
            a "valid" output length that would be zero or negative, an input that is not 3-D or has another channel
            count than the layer was built for.
        TypeError: a string where an integer is expected, or a non-string ``padding``.

    Example:
        >>> import numpy as np
        >>> layer = Conv1D(8, 3, padding="causal", groups=2)
        >>> layer(np.random.rand(2, 10, 4)).shape, layer.kernel.shape
        ((2, 10, 8), (3, 2, 8))
    """

    _padding_names = ("valid", "same", "causal")

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1, groups=1,
                 activation=None, use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, name=None, **kwargs):
        self._init_sizes(name, kwargs, activity_regularizer, kernel_size, strides, dilation_rate, padding)
        self._init_common(data_format, activation, use_bias, kernel_initializer, bias_initializer,
                          kernel_regularizer, bias_regularizer, kernel_constraint, bias_constraint, filters)
        self.groups = _check_groups(groups)
        if self.filters % self.groups != 0:
            raise ValueError(f"The number of filters must be evenly divisible by the number of groups. Received: "
                             f"groups={self.groups}, filters={self.filters}.")
        self._check_strides_and_dilation()

    def build(self, input_shape):
        channels = self._defined_channels(input_shape)
        if channels % self.groups != 0:
            raise ValueError(f"The number of input channels must be evenly divisible by the number of groups. "
                             f"Received groups={self.groups}, but the input has {channels} channels (full input shape "
                             f"is {tuple(input_shape)}).")
        self.compute_output_shape(input_shape)  # a "valid" output of negative length fails here, as in Keras
        self._add_weights((self.kernel_size[0], channels // self.groups, self.filters))
        self.input_channels = channels
        self.built = True

    def call(self, inputs):
        self.compute_output_shape(inputs.shape)
        out = conv1d(inputs, self.kernel, self._bias_in_the_op(), strides=self.strides[0], padding=self.padding,
                     dilation_rate=self.dilation_rate[0], groups=self.groups, data_format=self.data_format)
        return self._activate(self._add_bias_apart(out))

    def compute_output_shape(self, input_shape):
        """``(batch, N, filters)`` (or channels first); unknown lengths stay None.

        Raises ``ValueError`` with Keras 3.15's message when a "valid" output length would be zero or negative,
        ``floor((L - k_eff) / strides) + 1 <= 0`` (the functional op ``ops.conv1d`` returns an empty output instead).

        >>> Conv1D(4, 3, strides=2).compute_output_shape((None, 10, 3))
        (None, 4, 4)
        """
        channels = self._check_input_shape(input_shape)
        channels = channels // self.groups if channels is not None else None
        steps = input_shape[self._length_axis()]
        k_eff = effective_kernel_size(self.kernel_size[0], self.dilation_rate[0])
        if self.padding == "valid" and steps is not None and (steps - k_eff) // self.strides[0] + 1 <= 0:
            raise ValueError(f"Computed output size would be zero or negative. Received `inputs shape="
                             f"{tuple(input_shape)}`, `kernel shape={self.kernel_size + (channels, self.filters)}`, "
                             f"`dilation_rate={list(self.dilation_rate)}`, `strides={tuple(self.strides)}`, "
                             f"`padding={self.padding}`.")
        length = conv_output_length(steps, self.kernel_size[0], self.strides[0], self.padding, self.dilation_rate[0])
        return self._output_shape(input_shape, length)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "kernel_size": self.kernel_size,
                "strides": self.strides, "padding": self.padding, "data_format": self.data_format,
                "dilation_rate": self.dilation_rate, "groups": self.groups, **self._common_config()}


Convolution1D = Conv1D


# ---------------------------------------------------------------------------------------------------------- PyTorch
def _conv1d_from_torch(cls, module, data_format="channels_first", **kwargs):
    """Build the ``Conv1D`` equal to a ``torch.nn.Conv1d`` (arguments and weights), or raise ``ValueError`` saying
    why Keras' arguments cannot express it (see :mod:`tinygradconv.layers.torch_interop`).

    Args:
        module: a ``torch.nn.Conv1d``.
        data_format: ``"channels_first"`` (default: torch's layout, so the layer takes the module's inputs as they
            are) or ``"channels_last"``.
        **kwargs: more arguments of the layer (``name``, ``activation``, ...).

    >>> import torch                                                      # doctest: +SKIP
    >>> layer = Conv1D.from_torch(torch.nn.Conv1d(4, 6, 3, padding=1, groups=2))  # doctest: +SKIP
    >>> layer.padding, layer.groups, layer.kernel.shape                   # doctest: +SKIP
    ('same', 2, (3, 2, 6))

    (torch is optional: tests/test_from_torch.py runs these examples against torch.)
    """
    from .torch_interop import conv1d_from_torch

    return conv1d_from_torch(cls, module, data_format=data_format, **kwargs)


def _conv1d_transpose_from_torch(cls, module, data_format="channels_first", **kwargs):
    """Build the ``Conv1DTranspose`` equal to a ``torch.nn.ConvTranspose1d`` (arguments and weights), or raise
    ``ValueError`` saying why Keras' arguments cannot express it (see :mod:`tinygradconv.layers.torch_interop`).

    Args: as for :meth:`Conv1D.from_torch`, with ``module`` a ``torch.nn.ConvTranspose1d``.

    >>> import torch                                                      # doctest: +SKIP
    >>> layer = Conv1DTranspose.from_torch(torch.nn.ConvTranspose1d(4, 2, 4, stride=2, padding=1))  # doctest: +SKIP
    >>> layer.padding, layer.output_padding, layer.kernel.shape           # doctest: +SKIP
    ('same', None, (4, 2, 4))
    """
    from .torch_interop import conv1d_transpose_from_torch

    return conv1d_transpose_from_torch(cls, module, data_format=data_format, **kwargs)


Conv1D.from_torch = classmethod(_conv1d_from_torch)
Conv1DTranspose.from_torch = classmethod(_conv1d_transpose_from_torch)
