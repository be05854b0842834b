"""Core layers: ``Dense``, ``Activation``, ``Flatten``, ``Reshape`` and ``Dropout`` (Keras 3 semantics).

Each layer is built from registered, gradient-checked ops (``matmul``, ``add``, ``reshape``, ``mul``, ...), so its
backward pass is the chain of those ops' backward passes; none needs a ``Function`` of its own.

>>> import numpy as np
>>> from tinygradconv.layers import Dense
>>> Dense(4, activation="relu")(np.ones((2, 3))).shape
(2, 4)
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from .. import _lookup, activations, config, constraints, initializers, regularizers
from ..backend import dtype_name
from ..ops.elementwise import where
from ..tensor import Tensor
from ..validation import flag, integer, integer_tuple, number
from .layer import Layer, incompatible_input

__all__ = ["Activation", "Dense", "Dropout", "Flatten", "Reshape"]


# ------------------------------------------------------------------------------------------------ helpers
def serialize(obj, kind="function"):
    """A JSON-friendly description of a layer's initializer, regularizer, constraint or activation (for
    ``get_config``); ``kind`` says which (``"initializer"``, ...; ``"function"``: any of them). Every layer writes
    its objects through this one function.

    ``None`` and strings are kept; an activation is written by :func:`tinygradconv.activations.serialize` (its
    resolved name, ``"linear"`` for none and ``"silu"`` for ``"swish"``, as Keras 3's layers write it); other
    objects with ``get_config`` (an activation layer too) become ``{"module": "keras.initializers", "class_name":
    ..., "config": ..., "registered_name": None}``, as Keras 3's ``serialize_keras_object`` writes them, so that
    Keras' ``from_config`` reads the layer's config (:func:`~tinygradconv.keras_format.keras_object_config`; the
    ``get`` functions and ``from_config`` here read both that form and the plain ``{"class_name": ..., "config":
    ...}``); plain functions become their name. Your own function or class is written under the key
    :func:`~tinygradconv.saving.register_keras_serializable` gave it, else its name, and refused when that
    name is one of tinygradconv's own of that kind, which would load back as the built-in
    (:func:`~tinygradconv._lookup.function_name`, :func:`~tinygradconv._lookup.class_name`).
    """
    from ..keras_format import keras_object_config  # (keras_format imports the layers)

    if obj is None or isinstance(obj, (str, dict)):
        return obj
    if kind == "activation":
        return keras_object_config(kind, activations.serialize(obj))
    if hasattr(obj, "get_config"):
        item = {"class_name": _lookup.class_name(obj, kind), "config": obj.get_config()}
        return keras_object_config(kind, item) if kind != "function" else item
    return _lookup.function_name(obj, kind)


def check_shape(layer, shape, example="(None, 3)"):
    """Raise a ``TypeError`` when an input shape is not a tuple or list (``build(3)`` instead of
    ``build((None, 3))``); ``example`` shows one for the layer."""
    if not isinstance(shape, (tuple, list)):
        raise TypeError(f"Layer '{layer.name}' ({type(layer).__name__}): an input shape is a tuple of dimensions, "
                        f"e.g. {example}. Received {shape!r}")


def check_rank(layer, shape, rank, exact=True):
    """Raise a ``ValueError`` when an input shape does not have ``rank`` axes (at least ``rank`` if not exact), and
    a ``TypeError`` when it is not a shape (:func:`check_shape`)."""
    check_shape(layer, shape)
    ndim = len(shape)
    if (exact and ndim != rank) or (not exact and ndim < rank):
        what = f"ndim={rank}" if exact else f"min_ndim={rank}"  # Keras 3's input-spec words
        raise ValueError(f"Input 0 of layer '{layer.name}' ({type(layer).__name__}) is incompatible with the layer: "
                         f"expected {what}, found ndim={ndim}. Full shape received: {tuple(shape)}")


def constant_like(value, like: Tensor, dtype=None) -> Tensor:
    """``value`` (a number, nested lists, a NumPy or backend array) as a Tensor on ``like``'s backend that records
    no gradient: a mask, a zero state, a layer's fixed factor. ``dtype``: the backend dtype to convert it to
    (``like.dtype``, say); by default the array's own."""
    return Tensor._make(like.backend.xp.asarray(value, dtype=dtype), like.backend, False, None)


# ------------------------------------------------------------------------------------------------ Dense
_NO_LORA = ("Invalid value for argument `lora_rank`. Expected None: tinygradconv does not implement LoRA (Keras 3.15 "
            "does: a frozen kernel plus lora_alpha / lora_rank * lora_kernel_a @ lora_kernel_b).")


class Dense(Layer):
    r"""A fully connected layer on the last axis: :math:`y = \mathrm{activation}(x W + b)`.

    For an input of shape ``(..., in)``, ``W`` (``kernel``) has shape ``(in, units)`` and ``b`` (``bias``) shape
    ``(units,)``; the product is taken over the last axis only, so ``(batch, steps, in)`` gives
    ``(batch, steps, units)``.

    Args:
        units: the number of outputs (a positive integer).
        activation: an activation name, callable or ``None`` (linear).
        use_bias: whether to add ``b``.
        kernel_initializer, bias_initializer: initializers of ``W`` and ``b``.
        kernel_regularizer, bias_regularizer: penalties on ``W`` and ``b`` (added to :attr:`losses`).
        activity_regularizer: a penalty on the output (divided by the batch size, as in Keras).
        kernel_constraint, bias_constraint: projections applied by the optimizer after each update.
        lora_rank, lora_alpha: Keras 3.15's LoRA (a frozen kernel plus a trainable low-rank delta), which
            tinygradconv does not implement: only ``lora_rank=None`` (the default) is accepted; any other value is
            a ``ValueError``. ``lora_alpha`` is kept as given and changes nothing without ``lora_rank``, as in
            Keras (it defaults to ``lora_rank`` there). :meth:`enable_lora` is refused the same way.

    Input shape:
        ``(batch, ..., in)``, at least 2-D.

    Output shape:
        ``(batch, ..., units)``.

    Raises:
        ValueError: ``units`` is not a positive integer, ``lora_rank`` is not None, or the input has fewer than 2
            axes.

    >>> import numpy as np
    >>> layer = Dense(3, use_bias=False, kernel_initializer="ones")
    >>> layer(np.ones((2, 5, 4))).shape, layer.kernel.shape
    ((2, 5, 3), (4, 3))
    """

    casts_integer_inputs = True    # an int32 input gives an output of the layer's dtype, as Keras
    single_input = True

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, lora_rank=None, lora_alpha=None, **kwargs):
        if lora_rank is not None:       # (checked before a name is used up, as BatchNormalization's renorm)
            raise ValueError(_NO_LORA + f" Received lora_rank={lora_rank!r}")
        if lora_alpha is not None:
            number(lora_alpha, "lora_alpha")
        super().__init__(**kwargs)
        self.lora_rank, self.lora_alpha, self.lora_enabled = None, lora_alpha, False
        self.units = integer(units, "units")
        self.activation = activations.get(activation)
        self.use_bias = flag(use_bias, "use_bias")
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.kernel = self.bias = None

    def enable_lora(self, rank, lora_alpha=None, a_initializer="he_uniform", b_initializer="zeros"):
        """Keras 3.15's LoRA, which tinygradconv does not implement: always a ``ValueError``."""
        raise ValueError(_NO_LORA + f" Received enable_lora(rank={rank!r})")

    def build(self, input_shape):
        check_rank(self, input_shape, 2, exact=False)
        in_features = input_shape[-1]
        if in_features is None:
            raise ValueError(f"The last dimension of the inputs to a Dense layer should be defined. "
                             f"Found None in input shape {tuple(input_shape)}")
        self.kernel = self.add_weight((in_features, self.units), self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint,
                                      name="kernel")
        if self.use_bias:
            self.bias = self.add_weight((self.units,), self.bias_initializer, regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint, name="bias")
        self.built = True

    def call(self, inputs):
        if inputs.ndim < 2 or inputs.shape[-1] != self.kernel.shape[0]:
            raise ValueError(f"Layer '{self.name}' expects inputs of shape (batch, ..., {self.kernel.shape[0]}); "
                             f"received shape {inputs.shape}")
        out = inputs @ self.kernel
        if self.use_bias:
            out = out + self.bias
        return self.activation(out)

    def compute_output_shape(self, input_shape):
        check_rank(self, input_shape, 2, exact=False)
        return tuple(input_shape[:-1]) + (self.units,)

    def _check_built_input(self, input_shape):
        """Keras' input spec once built: ``min_ndim=2`` and ``axes={-1: in_features}``."""
        check_rank(self, input_shape, 2, exact=False)
        if input_shape[-1] is not None and input_shape[-1] != self.kernel.shape[0]:
            raise incompatible_input(self, input_shape, -1, self.kernel.shape[0])

    def get_config(self):
        return {**super().get_config(), "units": self.units, "activation": serialize(self.activation, "activation"),
                "use_bias": self.use_bias, "kernel_initializer": serialize(self.kernel_initializer, "initializer"),
                "bias_initializer": serialize(self.bias_initializer, "initializer"),
                "kernel_regularizer": serialize(self.kernel_regularizer, "regularizer"),
                "bias_regularizer": serialize(self.bias_regularizer, "regularizer"),
                "kernel_constraint": serialize(self.kernel_constraint, "constraint"),
                "bias_constraint": serialize(self.bias_constraint, "constraint"),
                "quantization_config": None}   # Keras 3.15's keys: activity_regularizer only when set (Layer's)


# ------------------------------------------------------------------------------------------------ Activation
class Activation(Layer):
    """Apply an activation function: ``Activation("relu")(x)`` is ``relu(x)``.

    Args:
        activation: an activation name (``"relu"``, ``"tanh"``, ...), a callable on Tensors, or ``None`` (linear, as
            Keras 3).

    Input and output shape: any; the output has the input's shape.

    >>> Activation("relu")([[-1.0, 2.0]]).tolist()
    [[0.0, 2.0]]
    """

    single_input = True

    #: The built-in activations that keep an integer input's dtype in Keras 3 (on torch); the others return the
    #: layer's float dtype for integer and bool inputs (Keras gives ``float32`` or fails), a callable of the user's
    #: gets the input as it is.
    INTEGER_ACTIVATIONS = ("linear", "relu", "relu6", "hard_tanh")

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)     # None: linear, as Keras 3

    @property
    def casts_integer_inputs(self):
        """Whether integer and bool inputs are cast to the layer's dtype (see :data:`INTEGER_ACTIVATIONS`)."""
        name = getattr(self.activation, "__name__", None)
        return activations.ALL_OBJECTS.get(name) is self.activation and name not in self.INTEGER_ACTIVATIONS

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "activation": serialize(self.activation, "activation")}


# ------------------------------------------------------------------------------------------------ Flatten
class Flatten(Layer):
    """Flatten every axis but the batch axis: ``(batch, d1, ..., dn)`` to ``(batch, d1 * ... * dn)``.

    Args:
        data_format: ``"channels_last"`` or ``"channels_first"`` (default: the configured one). With
            ``channels_first``, inputs of 3 or more axes are first moved to channels-last order, as Keras does, so
            that a model gives the same flattened features in both layouts.

    A 1-D input ``(batch,)`` becomes ``(batch, 1)``.

    >>> import numpy as np
    >>> Flatten()(np.zeros((2, 3, 4))).shape
    (2, 12)
    """

    single_input = True

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = config.standardize_data_format(data_format)

    def call(self, inputs):
        if inputs.ndim == 0:
            raise ValueError(f"Layer '{self.name}' (Flatten) needs inputs with a batch axis; received a scalar")
        if self.data_format == "channels_first" and inputs.ndim > 2:
            inputs = inputs.permute(0, *range(2, inputs.ndim), 1)
        return inputs.reshape(inputs.shape[0], -1) if inputs.shape[0] else inputs.reshape(0, self._rest(inputs.shape))

    @staticmethod
    def _rest(shape):
        return int(math.prod(shape[1:])) if len(shape) > 1 else 1

    def compute_output_shape(self, input_shape):
        if len(input_shape) == 0:
            raise ValueError("Flatten needs inputs with a batch axis; received the shape ()")
        rest = None if any(d is None for d in input_shape[1:]) else self._rest(tuple(input_shape))
        return (input_shape[0], rest)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


# ------------------------------------------------------------------------------------------------ Reshape
class Reshape(Layer):
    """Reshape every sample to ``target_shape`` (the batch axis is kept).

    Args:
        target_shape: a tuple (or list) of positive integers, at most one of which may be unknown, ``-1`` or
            ``None`` (inferred from the size, as Keras 3.15 takes either); a tuple even for one axis, ``(15,)``.
            Any collection read in its order as Keras' ``tuple(target_shape)`` reads it (a ``range``, ``deque``,
            ``dict.keys()``, ``bytes`` of the sizes' byte values: ``b"\\x03\\x04"`` is ``(3, 4)``), or a 1-D
            integer array, is taken too (:func:`~tinygradconv.validation.integer_tuple`, as ``Permute`` takes its
            ``dims``).

    Output shape:
        ``(batch,) + target_shape``, the unknown size worked out from the input's. Symbolically (``Input``,
        ``compute_output_shape``) a ``None`` in ``target_shape`` leaves that axis ``None`` (unknown), as in
        Keras: ``Reshape((None, 4))`` of ``(None, 12)`` is ``(None, None, 4)``, where ``Reshape((-1, 4))`` gives
        ``(None, 3, 4)``.

    Raises:
        TypeError: at construction, a ``target_shape`` that is not a collection of integers (and None): an
            integer alone (``Reshape(15)``, refused with a ``TypeError`` by Keras 3 too: write ``Reshape((15,))``),
            a float or bool size, a set (no order of its own), a generator. Keras 3.15 takes any entry that is not
            an integer (a float, text) as an unknown size, like ``-1``, whatever its value:
            ``Reshape((6.0, 4))`` of 12 values gives ``(3, 4)``, and ``(3.0, 4.0)`` fails at the call (two
            unknown sizes); it takes ``True`` as 1.
        ValueError: at construction, a size that is 0 or below -1, or two unknown sizes (``(-1, -1)``, as Keras;
            ``(None, None)`` and ``(-1, None)``, which Keras refuses at the call); text (``"34"``: Keras takes each
            character as an unknown size and fails at the call; ``("3", 4)``, which Keras takes as ``(-1, 4)``), or
            bytes of digit characters (``b"34"``, which Keras takes as the sizes ``(51, 52)``: write ``(3, 4)``);
            at call, sizes that do not match.

    Source: ``keras.layers.Reshape`` (Keras 3).

    >>> import numpy as np
    >>> Reshape((-1, 2))(np.zeros((3, 8))).shape
    (3, 4, 2)
    >>> Reshape((None, 2))(np.zeros((3, 8))).shape
    (3, 4, 2)
    """

    single_input = True

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        target_shape = integer_tuple(target_shape, "target_shape",
                                     " (the shape of one sample, without the batch axis)", "sizes", unknown=True)
        unknowns = sum(d is None or d == -1 for d in target_shape)
        if any(d is not None and (d == 0 or d < -1) for d in target_shape) or unknowns > 1:
            raise ValueError(f"Invalid value for argument `target_shape`. Expected positive integers and at most "
                             f"one unknown size (-1 or None). Received target_shape={target_shape!r}")
        self.target_shape = target_shape     # None kept, as Keras keeps it (and writes it in its config)

    def _resolve(self, input_shape, symbolic=False):
        """The output sizes of a sample of ``input_shape`` (batch axis first): the unknown size (-1 or None)
        worked out; ``symbolic`` (``compute_output_shape``), a None in ``target_shape`` stays None, as Keras'."""
        sample = input_shape[1:]
        target = tuple(-1 if d is None else d for d in self.target_shape)
        if any(d is None for d in sample) or (symbolic and None in self.target_shape):
            return tuple(None if d == -1 else d for d in target)
        size = int(math.prod(sample))
        known = int(math.prod(d for d in target if d != -1))
        if -1 in target:
            if size % known:
                raise ValueError(self._mismatch(input_shape))
            return tuple(size // known if d == -1 else d for d in target)
        if known != size:
            raise ValueError(self._mismatch(input_shape))
        return target

    def _mismatch(self, input_shape):
        return (f"Layer '{self.name}' cannot reshape samples of shape {tuple(input_shape[1:])} "
                f"({math.prod(input_shape[1:])} values) into target_shape={self.target_shape}")

    def call(self, inputs):
        check_rank(self, inputs.shape, 1, exact=False)
        return inputs.reshape((inputs.shape[0],) + self._resolve(inputs.shape))

    def compute_output_shape(self, input_shape):
        check_rank(self, input_shape, 1, exact=False)
        return (input_shape[0],) + self._resolve(tuple(input_shape), symbolic=True)

    def get_config(self):
        return {**super().get_config(), "target_shape": tuple(self.target_shape)}


# ------------------------------------------------------------------------------------------------ Dropout
class Dropout(Layer):
    r"""Inverted dropout: in training, zero each input with probability ``rate`` and scale the rest by
    :math:`1 / (1 - \mathrm{rate})`, so the expected output equals the input; outside training, the identity.

    Dropped ``inf`` and NaN, as Keras 3.15 on torch (``keras/src/backend/torch/random.py``), which computes dropout
    in two ways:

    - without ``seed`` and ``noise_shape`` (the defaults): ``torch.nn.functional.dropout``, a product
      ``x * noise`` with ``noise = mask * (1 / keep)`` (``keep = 1 - rate``, ``1 / keep`` rounded to the input's
      dtype). A dropped ``inf`` or NaN gives NaN (``inf * 0``), so ``TerminateOnNaN`` sees it.
    - with ``seed`` or ``noise_shape``: ``where(mask, x / keep, 0)``, so a dropped ``inf`` or NaN gives 0.

    Either way the gradient is ``1 / keep`` where kept and 0 where dropped (a kept NaN's too), and ``rate=1``
    gives zeros (Keras' ``zeros_like``) with gradient 0.

    Integer and bool inputs: outside training (and for ``rate=0``) they pass unchanged, of their dtype; in
    training the output is float32 (``where(mask, x / keep, 0)``, as Keras 3.15 on torch with ``seed`` or
    ``noise_shape``; without them Keras' torch dropout raises ``RuntimeError`` on integers), and ``rate=1`` gives
    zeros of the input's dtype (Keras' ``zeros_like``).

    Dropout is active only when the layer is called with ``training=True`` (``Model.fit`` does so). The mask is drawn
    from :func:`tinygradconv.random.generator` (so :func:`tinygradconv.random.set_seed` makes it repeatable), or
    from the layer's own generator when ``seed`` is given.

    Args:
        rate: the fraction of inputs to drop, ``0 <= rate <= 1`` (``1`` drops everything).
        noise_shape: the shape of the mask, broadcast against the input; ``None`` entries take the input's size.
            E.g. ``(None, 1, None)`` drops whole channels of a ``(batch, steps, channels)`` input at once.
        seed: an integer seed for this layer's own generator.

    Raises:
        ValueError: ``rate`` outside ``[0, 1]``, or a malformed ``noise_shape`` or ``seed``.

    >>> import numpy as np
    >>> layer = Dropout(0.5, seed=0)
    >>> np.array_equal(layer(np.ones((2, 4))).numpy(), np.ones((2, 4)))   # inference: identity
    True
    >>> sorted(set(layer(np.ones((2, 4)), training=True).numpy().ravel()) - {0.0, 2.0})
    []
    """

    single_input = True

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        number(rate, "rate", low=0, high=1)       # TypeError for a non-number, as Keras
        if noise_shape is not None:
            if not isinstance(noise_shape, (tuple, list)) or not all(
                    d is None or (isinstance(d, (numbers.Integral, np.integer)) and not isinstance(d, bool) and d > 0)
                    for d in noise_shape):
                raise ValueError(f"Invalid value for argument `noise_shape`. Expected a tuple of positive integers "
                                 f"or None. Received noise_shape={noise_shape!r}")
            noise_shape = tuple(None if d is None else int(d) for d in noise_shape)
        seed = integer(seed, "seed", minimum=0, optional=True, type_error=ValueError)
        self.rate = float(rate)
        self.noise_shape = noise_shape
        self.seed = None if seed is None else int(seed)
        self._generator = None
        if self.seed is not None:
            from .. import random

            self._generator = random.generator(self.seed)

    def _mask_shape(self, shape):
        if self.noise_shape is None:
            return shape
        if len(self.noise_shape) != len(shape):
            raise ValueError(f"Layer '{self.name}': noise_shape={self.noise_shape} has {len(self.noise_shape)} "
                             f"axes but the input has shape {shape}")
        out = tuple(n if d is None else d for d, n in zip(self.noise_shape, shape))
        if any(d != 1 and d != n for d, n in zip(out, shape)):
            raise ValueError(f"Layer '{self.name}': noise_shape={self.noise_shape} does not broadcast against the "
                             f"input shape {shape} (each entry must be 1, None or the input's size)")
        return out

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        shape = self._mask_shape(inputs.shape)
        if not dtype_name(inputs.dtype).startswith("float"):   # integers or bools, as Keras 3.15 on torch:
            if self.rate == 1:      # zeros_like: zeros of the input's dtype
                dtype = dtype_name(inputs.dtype)
                return Tensor(np.zeros(inputs.shape, dtype=dtype), dtype=dtype, backend=inputs.backend)
            # where(mask, x / keep, 0), float32 (Keras with a seed or a noise_shape; without them its torch dropout
            # raises RuntimeError "result type Float can't be cast to the desired output type Int")
            inputs = inputs.astype("float32")
        if self.rate == 1:
            return where(np.zeros(inputs.shape, dtype=bool), inputs, 0.0)
        if self._generator is not None:
            generator = self._generator
        else:
            from .. import random

            generator = random.generator()
        keep = 1.0 - self.rate
        kept = np.broadcast_to(generator.random(shape) < keep, inputs.shape)
        dtype = dtype_name(inputs.dtype)
        if self.seed is None and self.noise_shape is None and dtype.startswith("float"):
            # Keras on torch, unseeded: torch.nn.functional.dropout, x * (mask * (1 / keep)): a dropped inf or NaN
            # gives NaN (inf * 0); 1 / keep rounded to the input's dtype, as torch's noise tensor holds it
            opmath = np.float64 if dtype_name(dtype) == "float64" else np.float32    # torch's div_ of the mask
            scale = np.asarray(opmath(1.0) / opmath(keep), dtype=dtype)             # by keep: fl32(1) / fl32(keep)
            noise = Tensor(kept.astype(dtype) * scale, backend=inputs.backend)
            noise.name = f"{self.name} mask"  # in a graph (plot_graph), not an unnamed "input" beside the model's
            return inputs * noise
        kept = Tensor(kept, dtype="bool", backend=inputs.backend)
        kept.name = f"{self.name} mask"
        # Keras on torch with a seed or a noise_shape: where(mask, x / keep, 0): a dropped inf or NaN gives 0
        return where(kept, inputs / keep, 0.0)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed,
                "noise_shape": None if self.noise_shape is None else tuple(self.noise_shape)}
