"""Activation layers of Keras 3: ``ReLU``, ``LeakyReLU``, ``PReLU``, ``ELU`` and ``Softmax``.

Each is built from the activation functions of :mod:`tinygradconv.activations` (and ``PReLU`` from ``relu`` and a
weight), so values and gradients are those functions' (tested against Keras 3 on torch); they take Keras 3's
arguments, defaults and ``get_config`` keys, and are read from and written to ``.keras`` files and model JSON.
Where Keras accepts an argument and fails later (a string, NaN or an infinity), these layers refuse it at
construction, naming the argument and the value.

Source: Keras 3, ``keras/src/layers/activations/`` (https://keras.io/api/layers/activation_layers/).

>>> import numpy as np
>>> from tinygradconv.layers import LeakyReLU, ReLU
>>> ReLU(max_value=6.0)(np.array([-1.0, 3.0, 9.0])).tolist()
[0.0, 3.0, 6.0]
>>> LeakyReLU(negative_slope=0.5)(np.array([-2.0, 2.0])).tolist()
[-1.0, 2.0]
"""
from __future__ import annotations

import numbers
import warnings

import numpy as np

from .. import activations, constraints, initializers, regularizers
from ..ops.elementwise import where
from ..ops.reduction import logsumexp
from ..tensor import Tensor
from ..validation import number
from .core import check_shape, serialize
from .layer import Layer, incompatible_input

__all__ = ["ELU", "LeakyReLU", "PReLU", "ReLU", "Softmax"]


def _plain(value):
    """A NumPy scalar as a Python number, so that configs stay JSON-friendly; other values unchanged."""
    return value.item() if isinstance(value, np.generic) else value


def _non_negative(value, name, layer, *, optional=False):
    """A finite number >= 0 for argument ``name`` of ``layer`` (``None`` too when ``optional``), with Keras 3's
    ``ValueError`` for None (where not optional) and negative values; ``TypeError`` for a non-number (Keras fails
    on the comparison with one); ``ValueError`` for NaN or an infinity (Keras accepts them)."""
    if value is None and optional:
        return None
    if value is None or (isinstance(value, numbers.Real) and not isinstance(value, bool) and value < 0):
        none = "" if optional else "None or "
        raise ValueError(f"{name} of a {layer} layer cannot be {none}a negative value. Received: {name}={value}")
    number(value, name, finite=True, expected="a finite number >= 0")
    return _plain(value)


class _Elementwise(Layer):
    """An activation layer without weights: the output has the input's shape."""

    single_input = True

    def compute_output_shape(self, input_shape):
        check_shape(self, input_shape)
        return tuple(input_shape)


# ------------------------------------------------------------------------------------------------ ReLU
class ReLU(_Elementwise):
    r"""Rectified linear unit with Keras 3's options: :func:`tinygradconv.activations.relu` as a layer.

    Formula (``t = threshold``, ``m = max_value``, ``s = negative_slope``):

    .. math::
        f(x) = \min(x, m) \text{ for } x > t, \qquad f(x) = -s\,(t - x) \text{ otherwise}

    i.e. ``x`` above the threshold (else 0), clipped to ``[0, max_value]``, minus ``negative_slope * relu(t - x)``.
    Values and gradients are Keras 3's (on torch), NaN included: the gradient is 0 at ``x = threshold`` and 1 at
    ``x = max_value``; ``max_value=6`` takes ``relu6`` (gradient 0 at 6), as in Keras. With a ``threshold``, Keras'
    ``where(x > threshold, x, 0)`` turns NaN into 0 (gradient 0), and so does this layer: NaN gives 0, or NaN with
    gradient ``negative_slope`` when there is a negative part, which adds the NaN back. (The function
    :func:`~tinygradconv.activations.relu` keeps NaN as NaN there, deliberately.)

    Args:
        max_value: a finite number >= 0, or ``None`` (no upper limit, the default).
        negative_slope: a finite number >= 0 (default 0.0).
        threshold: a finite number >= 0 (default 0.0).

    Input and output shape: any; the output has the input's shape.

    Raises:
        ValueError: a negative ``max_value``, ``negative_slope`` or ``threshold``, or ``None`` for the last two
            (Keras 3's messages); NaN or an infinity (Keras accepts them).
        TypeError: an argument that is not a real number (a string, a bool).

    Source: Keras 3, ``keras.layers.ReLU`` (``keras/src/layers/activations/relu.py``).

    >>> import numpy as np
    >>> ReLU(max_value=10, negative_slope=0.5)(np.array([-10.0, -5.0, 0.0, 5.0, 10.0])).tolist()
    [-5.0, -2.5, 0.0, 5.0, 10.0]
    >>> ReLU(threshold=1.0)(np.array([np.nan, 0.5, 2.0])).tolist()     # as Keras: NaN becomes 0
    [0.0, 0.0, 2.0]
    >>> ReLU(negative_slope=-1.0)
    Traceback (most recent call last):
    ...
    ValueError: negative_slope of a ReLU layer cannot be None or a negative value. Received: negative_slope=-1.0
    """

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        self.max_value = _non_negative(max_value, "max_value", "ReLU", optional=True)
        self.negative_slope = _non_negative(negative_slope, "negative_slope", "ReLU")
        self.threshold = _non_negative(threshold, "threshold", "ReLU")

    @property
    def casts_integer_inputs(self):
        """Integer and bool inputs keep their dtype, as in Keras, unless there is a negative part: ``0.5 * -3``
        truncated to an integer would be ``-1`` (Keras on torch refuses such an input; here it is cast to the
        layer's float dtype, as ``LeakyReLU`` casts it)."""
        return self.negative_slope != 0

    def call(self, inputs):
        return activations._relu(inputs, self.negative_slope, self.max_value, self.threshold, keep_nan=False)

    def get_config(self):
        return {**super().get_config(), "max_value": self.max_value, "negative_slope": self.negative_slope,
                "threshold": self.threshold}


# ------------------------------------------------------------------------------------------------ LeakyReLU
class LeakyReLU(_Elementwise):
    r"""Leaky rectified linear unit: :math:`f(x) = x` for :math:`x > 0`, :math:`f(x) = s\,x` otherwise, with
    ``s = negative_slope`` (:func:`tinygradconv.activations.leaky_relu` as a layer).

    The default slope is **0.3**, Keras 3's for this layer (the function ``leaky_relu`` defaults to 0.2). The
    gradient at ``x = 0`` and at NaN is ``negative_slope``, as in Keras 3 on torch.

    Args:
        negative_slope: a finite number >= 0 (default 0.3). Keras 2's name ``alpha`` is accepted with a
            ``UserWarning``, as in Keras 3 ("Argument `alpha` is deprecated. Use `negative_slope` instead.").

    Input and output shape: any; the output has the input's shape.

    Raises:
        ValueError: ``negative_slope`` None or negative (Keras 3's message), NaN or an infinity.
        TypeError: a ``negative_slope`` that is not a real number.

    Source: Keras 3, ``keras.layers.LeakyReLU`` (``keras/src/layers/activations/leaky_relu.py``).

    >>> import numpy as np
    >>> [round(v, 6) for v in LeakyReLU()(np.array([-1.0, 0.0, 2.0])).tolist()]
    [-0.3, 0.0, 2.0]
    """

    casts_integer_inputs = True    # integer inputs give float32 (Keras 3 on torch fails on them)

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
            warnings.warn("Argument `alpha` is deprecated. Use `negative_slope` instead.", UserWarning, stacklevel=2)
        super().__init__(**kwargs)
        if negative_slope is None or (isinstance(negative_slope, numbers.Real) and not isinstance(negative_slope, bool)
                                      and negative_slope < 0):
            raise ValueError("The negative_slope value of a Leaky ReLU layer cannot be None or negative value. "
                             f"Expected a float. Received: negative_slope={negative_slope}")
        self.negative_slope = _non_negative(negative_slope, "negative_slope", "LeakyReLU")

    def call(self, inputs):
        return activations.leaky_relu(inputs, negative_slope=self.negative_slope)

    def get_config(self):
        return {**super().get_config(), "negative_slope": self.negative_slope}


# ------------------------------------------------------------------------------------------------ ELU
class ELU(_Elementwise):
    r"""Exponential linear unit: :math:`f(x) = x` for :math:`x > 0`, :math:`f(x) = \alpha\,(e^x - 1)` otherwise
    (:func:`tinygradconv.activations.elu` as a layer, with its special points: gradient ``alpha`` at 0,
    ``elu(-0.0) = -0.0``, ``elu(-inf) = -alpha``, NaN gives NaN with gradient NaN).

    Args:
        alpha: a finite number, the limit of ``-f(x)`` as ``x -> -inf`` (default 1.0; negative values are allowed,
            as in Keras). A zero gives back the input's zero for any ``alpha``, a negative one or ``-0.0`` included
            (where ``alpha * expm1(x)`` would flip its sign), as Keras on torch.

    Input and output shape: any; the output has the input's shape.

    Raises:
        TypeError: an ``alpha`` that is not a real number (Keras accepts it and fails when called).
        ValueError: NaN or an infinity.

    Source: Keras 3, ``keras.layers.ELU`` (``keras/src/layers/activations/elu.py``).

    >>> import numpy as np
    >>> [round(v, 4) for v in ELU(alpha=2.0)(np.array([-1.0, 0.0, 3.0])).tolist()]
    [-1.2642, 0.0, 3.0]
    """

    casts_integer_inputs = True    # integer inputs give float32 (Keras 3 on torch fails on them)

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = _plain(number(alpha, "alpha", finite=True))

    def call(self, inputs):
        return activations.elu(inputs, alpha=self.alpha)

    def get_config(self):
        """Keras 3.15's keys in its order: Keras' ELU records its constructor arguments (``name``, ``alpha``, then
        the others), so ``alpha`` comes second and ``trainable`` and ``dtype`` last. (Keras keeps the order the
        arguments were given in, so its ``ELU(dtype="float64")`` puts ``dtype`` before ``trainable``; here the
        order is always the default's.)"""
        config = super().get_config()
        first = {"name": config.pop("name"), "alpha": self.alpha}
        if "activity_regularizer" in config:
            first["activity_regularizer"] = config.pop("activity_regularizer")
        return {**first, **config}


# ------------------------------------------------------------------------------------------------ Softmax
def _axis_argument(axis):
    """Softmax's ``axis``: an int, a list/tuple of ints (kept as a list) or None; ``TypeError`` otherwise."""
    def is_int(a):
        return isinstance(a, (numbers.Integral, np.integer)) and not isinstance(a, bool)

    if axis is None or is_int(axis):
        return None if axis is None else int(axis)
    if isinstance(axis, (list, tuple)) and all(is_int(a) for a in axis):
        if not axis:
            raise ValueError("Invalid value for argument `axis` of a Softmax layer: an empty list names no axis "
                             f"(Keras 3 fails with an IndexError when called). Received axis={axis!r}")
        return [int(a) for a in axis]
    raise TypeError(f"Invalid type for argument `axis` of a Softmax layer. Expected an integer, a list of "
                    f"integers or None. Received axis={axis!r}")


def _softmax_over_axes(inputs, axis):
    """Keras 3's ``Softmax`` layer over several axes: ``exp(x - logsumexp(x))``, with ``logsumexp`` as
    ``torch.logsumexp`` (the registered op :class:`tinygradconv.ops.reduction.LogSumExp`). It differs from
    ``activations.softmax`` over a tuple of axes only where a slice holds ``+inf`` (and no NaN): the ``+inf``
    entries are NaN and the finite ones 0 (the function: NaN everywhere); the gradient is NaN in such a slice, in
    both."""
    from ..ops.nn import softmax_axes

    x = activations._floating(inputs)
    axes = softmax_axes(tuple(axis), x.ndim, "Softmax")
    if 0 in x.shape:   # nothing to normalize (and no maximum)
        return activations.softmax(x, axis=axes)
    return (x - logsumexp(x, axis=axes, keepdims=True)).exp()


class Softmax(_Elementwise):
    r"""Softmax along ``axis``: :math:`f(x)_i = e^{x_i} / \sum_j e^{x_j}` over each slice
    (:func:`tinygradconv.activations.softmax` as a layer, stable for any ``x``).

    Args:
        axis: an int (default -1), a non-empty list of ints (one distribution spans those axes, as Keras 3's
            ``Softmax(axis=[1, 2])``) or None (every axis).

    Over several axes the layer computes ``exp(x - logsumexp(x))``, as Keras 3's layer (``torch.logsumexp``): where
    a slice holds ``+inf`` (and no NaN), the ``+inf`` entries are NaN and the finite ones 0, with NaN gradients
    (``activations.softmax`` over a tuple of axes, like Keras', makes the whole slice NaN).

    Called as ``layer(inputs, mask=None)``: ``inputs`` are the logits; ``mask`` is a boolean array (or numbers,
    where ``> 0.5`` keeps) broadcastable to ``inputs``, each of its axes 1 or the input's size, with no more axes
    than ``inputs``. As in Keras 3, masked positions take the logit ``-1e9`` (``-3e4`` in float16) before the
    softmax and the output 0 after it (0 everywhere in a slice masked entirely); their gradient is 0. A mask works
    on data and in a functional model (a symbolic mask, from an ``Input``, is an input of the call there, as in
    Keras 3), by name or by position (``layer(x, mask)``).

    Input and output shape: any; the output has the input's shape.

    Raises:
        TypeError: an ``axis`` that is not an int, a list of ints or None (at construction; Keras fails when
            called).
        ValueError: an empty list ``axis=[]`` (at construction; Keras fails with an ``IndexError`` when called).
        ValueError: also an axis out of range for the input (when called); a mask with more axes than the inputs or
            an axis that is neither 1 nor the input's size (Keras 3's messages).

    Source: Keras 3, ``keras.layers.Softmax`` (``keras/src/layers/activations/softmax.py``).

    >>> import numpy as np
    >>> [round(v, 6) for v in Softmax()(np.array([1.0, 2.0, 1.0])).tolist()]
    [0.211942, 0.576117, 0.211942]
    >>> out = Softmax()(np.array([[1.0, 2.0, 3.0]]), mask=np.array([[True, True, False]]))
    >>> [round(v, 6) for v in out[0].tolist()]
    [0.268941, 0.731059, 0.0]
    """

    casts_integer_inputs = True    # integer inputs give float32 (Keras 3 on torch fails on them)

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = _axis_argument(axis)

    def call(self, inputs, mask=None):
        if mask is not None:
            mask = self._mask(inputs, mask)
            inputs = where(mask, inputs, -3e4 if inputs.dtype == np.float16 else -1e9)
        if isinstance(self.axis, list) and len(self.axis) > 1:
            outputs = _softmax_over_axes(inputs, self.axis)
        else:
            outputs = activations.softmax(inputs, axis=self.axis[0] if isinstance(self.axis, list) else self.axis)
        if mask is not None:
            outputs = where(mask, outputs, 0.0)
        return outputs

    def _mask(self, inputs, mask):
        """The mask as a boolean Tensor of the inputs' shape, checked as Keras 3 checks it."""
        mask = mask.numpy() if isinstance(mask, Tensor) else np.asarray(mask)
        shape = inputs.shape
        if mask.ndim > len(shape):
            raise ValueError("The `mask` must be broadcastable to `inputs` and must not have more dimensions. "
                             f"Received: inputs.shape={shape}, mask.shape={mask.shape}")
        if any(m != 1 and m != i for m, i in zip(mask.shape[::-1], shape[::-1])):
            raise ValueError("The `mask` must be broadcastable to `inputs`. Each mask dimension must be 1 or match "
                             f"the corresponding input dimension. Received: inputs.shape={shape}, "
                             f"mask.shape={mask.shape}")
        if mask.dtype != np.bool_:
            if mask.dtype.kind not in "biuf":
                raise TypeError(f"Layer '{self.name}' (Softmax): a `mask` holds booleans or numbers; received "
                                f"{mask.dtype} values")
            mask = mask > 0.5
        return Tensor(np.broadcast_to(mask, shape), dtype="bool", backend=inputs.backend)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


# ------------------------------------------------------------------------------------------------ PReLU
class PReLU(Layer):
    r"""Parametric rectified linear unit: :math:`f(x) = x` for :math:`x > 0`, :math:`f(x) = \alpha\,x` otherwise,
    with ``alpha`` a learned weight, computed as Keras 3 does: ``relu(x) - alpha * relu(-x)``.

    ``alpha`` has the shape of one sample (the input's shape without the batch axis), with 1 on each axis of
    ``shared_axes``: ``shared_axes=[1]`` on ``(batch, steps, channels)`` learns one slope per channel, shape
    ``(1, channels)``. Gradients (Keras 3 on torch): 0 at ``x = 0``, for the input and for ``alpha``.

    Args:
        alpha_initializer: the initializer of ``alpha`` (default ``"Zeros"``: a plain ReLU at first).
        alpha_regularizer: a penalty on ``alpha`` (added to :attr:`losses`).
        alpha_constraint: a projection applied to ``alpha`` after each optimizer update.
        shared_axes: an int or a list of ints, the axes (1 is the first after the batch axis) along which one
            ``alpha`` is shared; ``None`` (default) shares none.

    Input shape:
        ``(batch, d1, ..., dn)``, at least 2-D, with every ``d`` not shared known when built; later calls must
        have the same rank (Keras 3's input spec) and the same sizes on the axes not shared (Keras broadcasts an
        ``alpha`` built with size 1 on such an axis, and fails inside the backend for other sizes).

    Output shape:
        the input's.

    Unlike the other activation layers, ``PReLU`` is refused as another layer's ``activation`` (``ValueError``): its
    weight would be neither trained nor saved with that layer (Keras 3 tracks it there); put it after the layer.

    Raises:
        TypeError: ``shared_axes`` that is not an int, a list of ints or None.
        ValueError: a shared axis that is not an axis of the input after the batch axis (0 or negative, or past
            the last; Keras accepts these and shares a wrong axis or fails with an ``IndexError``); an input of
            another rank or size than the layer was built for.

    Source: Keras 3, ``keras.layers.PReLU`` (``keras/src/layers/activations/prelu.py``).

    >>> import numpy as np
    >>> layer = PReLU(alpha_initializer="ones", shared_axes=[1])
    >>> layer(np.array([[[-2.0, 3.0], [1.0, -1.0]]])).tolist(), layer.alpha.shape
    ([[[-2.0, 3.0], [1.0, -1.0]]], (1, 2))
    """

    casts_integer_inputs = True    # an int32 input gives an output of the layer's dtype, as Keras
    single_input = True

    def __init__(self, alpha_initializer="Zeros", alpha_regularizer=None, alpha_constraint=None, shared_axes=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is not None:
            shared_axes = [shared_axes] if not isinstance(shared_axes, (list, tuple)) else list(shared_axes)
            if not all(isinstance(a, (numbers.Integral, np.integer)) and not isinstance(a, bool)
                       for a in shared_axes):
                raise TypeError(f"Invalid type for argument `shared_axes` of a PReLU layer. Expected an integer, "
                                f"a list of integers or None. Received shared_axes={shared_axes!r}")
            shared_axes = [int(a) for a in shared_axes]
            if any(a < 1 for a in shared_axes):
                raise ValueError(f"Invalid value for argument `shared_axes` of a PReLU layer. Expected axes >= 1 "
                                 f"(axis 0 is the batch axis; negative axes are not supported). Received "
                                 f"shared_axes={shared_axes}")
        self.shared_axes = shared_axes
        self.alpha = None

    def build(self, input_shape):
        check_shape(self, input_shape, "(None, 8, 3)")
        if len(input_shape) < 2:
            raise ValueError(f"Input 0 of layer '{self.name}' (PReLU) is incompatible with the layer: expected "
                             f"min_ndim=2, found ndim={len(input_shape)}. Full shape received: {tuple(input_shape)}")
        shape = list(input_shape[1:])
        for axis in self.shared_axes or ():
            if axis >= len(input_shape):
                raise ValueError(f"Invalid value for argument `shared_axes` of layer '{self.name}' (PReLU): axis "
                                 f"{axis} is not an axis of inputs of shape {tuple(input_shape)}. Received "
                                 f"shared_axes={self.shared_axes}")
            shape[axis - 1] = 1
        self.alpha = self.add_weight(shape, self.alpha_initializer, regularizer=self.alpha_regularizer,
                                     constraint=self.alpha_constraint, name="alpha")
        self.built = True

    def _check_built_input(self, input_shape):
        """Keras' input spec once built: the same rank, and the sizes of the axes not shared."""
        check_shape(self, input_shape)
        rank = len(self.alpha.shape) + 1
        if len(input_shape) != rank:
            raise incompatible_input(self, input_shape, ndim=rank)
        for axis in range(1, rank):
            if axis not in (self.shared_axes or ()) and input_shape[axis] is not None \
                    and input_shape[axis] != self.alpha.shape[axis - 1]:
                raise incompatible_input(self, input_shape, axis, self.alpha.shape[axis - 1])

    def call(self, inputs):
        self._check_built_input(inputs.shape)
        return inputs.relu() + (-self.alpha) * (-inputs).relu()

    def compute_output_shape(self, input_shape):
        check_shape(self, input_shape)
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(),
                "alpha_initializer": serialize(self.alpha_initializer, "initializer"),
                "alpha_regularizer": serialize(self.alpha_regularizer, "regularizer"),
                "alpha_constraint": serialize(self.alpha_constraint, "constraint"),
                "shared_axes": None if self.shared_axes is None else list(self.shared_axes)}

