r"""Normalization layers: ``BatchNormalization``, ``LayerNormalization``, ``GroupNormalization`` and
``UnitNormalization`` (Keras 3 semantics).

The first three compute :math:`y = \gamma \, (x - \mu) / \sqrt{\sigma^2 + \epsilon} + \beta` with the biased variance
:math:`\sigma^2 = \mathrm{mean}((x - \mu)^2)`; they differ in which axes :math:`\mu` and :math:`\sigma^2` are taken
over. ``UnitNormalization`` divides by the L2 norm instead. ``LayerNormalization`` and ``GroupNormalization``
are one op each call, :func:`~tinygradconv.ops.normalization.layer_norm` (forward and closed-form backward side
by side, keeping only :math:`\hat x = (x - \mu) / \sqrt{\sigma^2 + \epsilon}` and :math:`1 / \sqrt{\sigma^2 +
\epsilon}` for the backward pass); ``BatchNormalization`` is made of registered ops. Either way the gradient flows
through :math:`\mu` and :math:`\sigma^2` as well.

Low precision, as Keras 3: a layer first casts its input to its own dtype (float32 by default, so a float16 input
gives a float32 output). A float16 layer (``dtype="float16"``) computes the statistics and the normalization in
float32 (the squares in the variance overflow float16 above 256) and casts the output back to float16; the moving
averages are updated in float32 and then stored in their own dtype. One difference: Keras 3's
``LayerNormalization`` (3.15) does not cast its input first (``autocast=False``): ``ops.layer_normalization``
computes in float32, casts the result back to the input's dtype, and the layer then casts that to its own. So a
float16 input gives float32 outputs that are float16 numbers (up to half a float16 step, about ``5e-4`` near 1,
from ours), and an integer input gives whole numbers; ours computes in the layer's float32 throughout
(:doc:`docs/keras_compatibility.md </keras_compatibility>`).

>>> import numpy as np
>>> from tinygradconv.layers import LayerNormalization
>>> y = LayerNormalization()(np.array([[1.0, 2.0, 3.0]])).numpy()
>>> bool(abs(y.mean()) < 1e-6)
True
"""
from __future__ import annotations

import warnings

import numpy as np

from .. import constraints, initializers, regularizers
from ..backend import dtype_name
from ..ops.normalization import keras_overflow, layer_norm, statistics_need_care
from ..tensor import Tensor
from ..validation import flag, integer, number
from .core import serialize
from .layer import Layer, incompatible_input

__all__ = ["BatchNormalization", "GroupNormalization", "LayerNormalization", "UnitNormalization"]


def _resolve_axes(layer, axes, shape):
    """The axes ``axes`` of an input of shape ``shape`` as sorted non-negative integers; a ValueError naming the
    layer, the input shape and the axis when an axis does not exist (a rank-0 input has none)."""
    shape = tuple(shape)
    ndim = len(shape)
    out = []
    for a in axes:
        if not -ndim <= a < ndim:
            needed = a + 1 if a >= 0 else -a
            raise ValueError(f"Layer '{layer.name}' ({type(layer).__name__}): axis={a} is out of range for inputs "
                             f"of shape {shape}; expected inputs with at least {needed} "
                             f"{'axis' if needed == 1 else 'axes'}")
        out.append(a % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"Layer '{layer.name}': axis={list(axes)} names the same axis twice")
    return tuple(sorted(out))


def _statistics_dtype(inputs):
    """The dtype the statistics are computed in: float32 for float16 inputs (as Keras), else the inputs' own."""
    name = dtype_name(inputs.dtype)
    return "float32" if name == "float16" else name


def _as(t, dtype):
    return t if dtype_name(t.dtype) == dtype else t.astype(dtype)


def _moments(x, axes):
    r"""The mean and the biased variance of ``x`` over ``axes`` (kept as axes of size 1), as graph tensors, for
    ``BatchNormalization`` (``LayerNormalization`` and ``GroupNormalization`` compute theirs inside one op,
    :func:`~tinygradconv.ops.normalization.layer_norm`, with the same rules).

    The variance is computed in two passes, :math:`\mathrm{mean}((x - \mu)^2)`, which keeps every digit where
    Keras' one pass, :math:`\mathrm{mean}(x^2) - \mu^2` (``keras.ops.moments``), cancels; a spread within a few
    roundings of the mean takes the mean shifted by each group's first element, and where squares overflow the
    result is ``keras.ops.moments``' (:func:`~tinygradconv.ops.normalization.moments` says both rules). The NaN
    there is added to the variance, so the values and the gradient of such a group are NaN.
    """
    xp = x.backend.xp
    mean = x.mean(axis=axes, keepdims=True)
    centered = x - mean
    variance = (centered * centered).mean(axis=axes, keepdims=True)
    rounded, near_overflow = statistics_need_care(xp, x.data, axes, mean.data, variance.data)
    if rounded:
        mean, centered, variance = _shifted_moments(x, axes)
    if near_overflow:
        nans = keras_overflow(xp, x.data, axes, mean.data)
        if nans is not None:
            variance = variance + nans
    return mean, variance


def _shifted_moments(x, axes):
    """The mean and the two-pass variance of ``x`` shifted by its first element of each group (a constant, outside
    the graph): ``mean = x_0 + mean(x - x_0)``, which is ``x_0`` exactly for a constant group, with the gradient of
    the plain mean; and the centered values (graph tensors)."""
    index = tuple(slice(0, 1) if a in axes else slice(None) for a in range(x.ndim))
    shift = x.detach()[index]
    mean = shift + (x - shift).mean(axis=axes, keepdims=True)
    centered = x - mean
    return mean, centered, (centered * centered).mean(axis=axes, keepdims=True)


def _masked_moments(x, axes, mask):
    r"""Keras 3.15's masked batch statistics (``BatchNormalization._moments``): ``mask`` (one axis less than ``x``,
    any dtype, nonzero = kept) gets a last axis and is broadcast against ``x``; with ``n`` the number of kept
    entries over ``axes`` and :math:`\epsilon` = ``config.epsilon()`` (``1e-7``),
    :math:`\mu = \sum_{kept} x / (n + \epsilon)` and :math:`\sigma^2 = \sum_{kept} (x - \mu)^2 / (n + \epsilon)`
    (a fully masked feature: mean and variance 0). Graph tensors, kept axes of size 1."""
    from .. import config
    from ..ops.elementwise import where

    xp = x.backend.xp
    raw = mask.data if isinstance(mask, Tensor) else xp.asarray(np.asarray(mask))
    kept = xp.broadcast_to(xp.expand_dims(raw != 0, axis=-1) if raw.dtype != xp.bool else
                           xp.expand_dims(raw, axis=-1), x.shape)
    kept_tensor = Tensor(kept, dtype="bool", backend=x.backend)
    count = xp.sum(xp.astype(kept, x.data.dtype), axis=axes, keepdims=True) + config.epsilon()
    count = Tensor(xp.astype(count, x.data.dtype), backend=x.backend)
    mean = where(kept_tensor, x, 0.0).sum(axis=axes, keepdims=True) / count
    difference = where(kept_tensor, x - mean, 0.0)
    return mean, (difference * difference).sum(axis=axes, keepdims=True) / count


def _normalize(layer, inputs, mean, variance, broadcast, factor_first=False):
    """``gamma * (x - mean) / sqrt(variance + epsilon) + beta``, with gamma/beta reshaped to ``broadcast``.

    With ``factor_first``, in Keras 3.15's order on torch (``ops.batch_normalization``, which
    ``BatchNormalization`` calls): ``(x - mean) * (rsqrt(variance + epsilon) * gamma) + beta``. The order matters
    on an empty batch, whose NaN statistics then give ``gamma`` the gradient NaN (``0 * nan``), as in Keras,
    where the sum over no element would give 0."""
    dtype = dtype_name(inputs.dtype)
    if factor_first:
        factor = 1.0 / (_as(variance, dtype) + layer.epsilon).sqrt()
        if layer.scale:
            factor = factor * _as(layer.gamma, dtype).reshape(broadcast)
        out = (inputs - _as(mean, dtype)) * factor
        return out + _as(layer.beta, dtype).reshape(broadcast) if layer.center else out
    out = (inputs - _as(mean, dtype)) / (_as(variance, dtype) + layer.epsilon).sqrt()
    if layer.scale:
        out = out * _as(layer.gamma, dtype).reshape(broadcast)
    if layer.center:
        out = out + _as(layer.beta, dtype).reshape(broadcast)
    return out


class _Normalization(Layer):
    """The arguments and weights ``gamma``/``beta`` shared by both normalization layers."""

    casts_integer_inputs = True    # an int32 input gives an output of the layer's dtype, as Keras
    single_input = True

    def __init__(self, epsilon, center, scale, beta_initializer, gamma_initializer, beta_regularizer,
                 gamma_regularizer, beta_constraint, gamma_constraint, **kwargs):
        super().__init__(**kwargs)
        # epsilon >= 0: Keras 3.15 takes 0 (a zero-variance row then gives NaN, 0 / 0, in both) and even a negative
        # one, which is refused here: sqrt(variance + epsilon) is then NaN wherever the variance is below -epsilon.
        # An infinite one (Keras takes it too) is refused as well: every output would be beta, the data lost
        self.epsilon = float(number(epsilon, "epsilon", low=0, finite=True, type_error=ValueError))
        self.center = flag(center, "center")
        self.scale = flag(scale, "scale")
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.gamma = self.beta = None

    def _add_gamma_beta(self, shape):
        if self.scale:
            self.gamma = self.add_weight(shape, self.gamma_initializer, regularizer=self.gamma_regularizer,
                                         constraint=self.gamma_constraint, name="gamma")
        if self.center:
            self.beta = self.add_weight(shape, self.beta_initializer, regularizer=self.beta_regularizer,
                                        constraint=self.beta_constraint, name="beta")

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def _initializers_config(self):
        return {"beta_initializer": serialize(self.beta_initializer, "initializer"),
                "gamma_initializer": serialize(self.gamma_initializer, "initializer")}

    def _penalties_config(self):
        """The regularizers and constraints of ``beta`` and ``gamma``, in Keras' order."""
        return {"beta_regularizer": serialize(self.beta_regularizer, "regularizer"),
                "gamma_regularizer": serialize(self.gamma_regularizer, "regularizer"),
                "beta_constraint": serialize(self.beta_constraint, "constraint"),
                "gamma_constraint": serialize(self.gamma_constraint, "constraint")}


class BatchNormalization(_Normalization):
    r"""Normalize each feature (channel) with statistics over the batch (and every other axis).

    In training (``training=True`` and the layer trainable) it uses the batch statistics over every axis except
    ``axis``, :math:`\mu_B` and the biased :math:`\sigma_B^2`, and updates the non-trainable weights

    .. math:: m \leftarrow m \cdot \mathrm{momentum} + \mu_B (1 - \mathrm{momentum}), \qquad
              v \leftarrow v \cdot \mathrm{momentum} + \sigma_B^2 (1 - \mathrm{momentum}).

    In inference (``training`` false or ``None``, or a non-trainable layer, as in Keras 3) it uses ``m`` and ``v``:
    :math:`y = \gamma (x - m) / \sqrt{v + \epsilon} + \beta`.

    ``mask`` (a call argument, as Keras 3): an array with one axis less than the input (nonzero = kept), given a
    last axis and broadcast against the input; in training the batch statistics are then Keras' masked ones,
    :math:`\mu_B = \sum_{kept} x / (n + 10^{-7})` and :math:`\sigma_B^2 = \sum_{kept} (x - \mu_B)^2 / (n + 10^{-7})`
    over the kept entries (``n`` of them), and every entry is normalized with them; inference ignores it.

    Args:
        axis: the feature axis (an integer; ``-1``: channels last).
        momentum: the momentum of the moving averages.
        epsilon: added to the variance before the square root (finite, ``>= 0``; with 0 a zero variance gives NaN, as in
            Keras 3.15, which also takes a negative or infinite one, refused here).
        center, scale: whether to learn ``beta`` and ``gamma``.
        beta_initializer, gamma_initializer, moving_mean_initializer, moving_variance_initializer: initializers.
        beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint: as for any weight.
        renorm: batch renormalization, which tinygradconv does not implement: only False (the default) is
            accepted; True is a ``ValueError`` (Keras 3.15 implements it, with two more weights).
        renorm_clipping, renorm_momentum: Keras' settings of batch renormalization, kept and given back by
            :meth:`get_config` as Keras keeps them; with ``renorm=False`` they change nothing, in Keras too.
        synchronized: accepted for Keras compatibility; tinygradconv trains on one device, where synchronized and
            local batch statistics are the same thing.

    Weights (Keras order): ``gamma``, ``beta``, ``moving_mean``, ``moving_variance``, each of shape
    ``(input_shape[axis],)``; the last two are not trainable.

    Raises:
        TypeError, ValueError: at construction for a non-integer ``axis`` or a bad ``momentum``/``epsilon``; at the
            first call when ``axis`` is out of range (a rank-0 input); in training for an input with no axis
            besides ``axis`` (e.g. shape ``(3,)``), as Keras 3 (inference accepts it, as Keras); a ``mask``
            whose rank is not the input's minus one (ValueError, as Keras).

    >>> import numpy as np
    >>> bn = BatchNormalization(momentum=0.5)
    >>> y = bn(np.array([[1.0], [3.0]]), training=True)
    >>> y.numpy().ravel().round(2).tolist(), bn.moving_mean.numpy().tolist()
    ([-1.0, 1.0], [1.0])
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 renorm=False, renorm_clipping=None, renorm_momentum=0.99, synchronized=False, **kwargs):
        if flag(renorm, "renorm"):      # (checked before a name is used up)
            raise ValueError("Invalid value for argument `renorm`. Expected False: tinygradconv does not implement "
                             "batch renormalization (Keras 3.15 does). Received renorm=True")
        if renorm_clipping is not None and not isinstance(renorm_clipping, dict):
            raise TypeError("Invalid type for argument `renorm_clipping`. Expected None or a dict (Keras' "
                            f"{{'rmax': ..., 'rmin': ..., 'dmax': ...}}). Received renorm_clipping={renorm_clipping!r}")
        renorm_momentum = float(number(renorm_momentum, "renorm_momentum"))
        super().__init__(epsilon, center, scale, beta_initializer, gamma_initializer, beta_regularizer,
                         gamma_regularizer, beta_constraint, gamma_constraint, **kwargs)
        self.axis = integer(axis, "axis", minimum=None)
        self.renorm = False
        self.renorm_clipping = None if renorm_clipping is None else dict(renorm_clipping)
        self.renorm_momentum = renorm_momentum
        self.synchronized = flag(synchronized, "synchronized")
        self.momentum = float(number(momentum, "momentum", low=0, high=1, type_error=ValueError))
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.moving_mean = self.moving_variance = None
        self._built_ndim = None

    def build(self, input_shape):
        (axis,) = _resolve_axes(self, (self.axis,), input_shape)
        self._built_ndim = len(input_shape)
        dim = input_shape[axis]
        if not dim:
            raise ValueError(f"Layer '{self.name}': the normalized axis {self.axis} of input shape "
                             f"{tuple(input_shape)} must have a known, positive size")
        self._add_gamma_beta((dim,))
        self.moving_mean = self.add_weight((dim,), self.moving_mean_initializer, trainable=False, name="moving_mean")
        self.moving_variance = self.add_weight((dim,), self.moving_variance_initializer, trainable=False,
                                               name="moving_variance")
        self.built = True

    def _check_built_input(self, input_shape):
        """Keras' input spec once built: the rank it was built for, and ``axes={axis: features}``."""
        if self._built_ndim is not None and len(input_shape) != self._built_ndim:
            raise incompatible_input(self, input_shape, ndim=self._built_ndim)
        (axis,) = _resolve_axes(self, (self.axis,), input_shape)
        dim = self.moving_mean.shape[0]
        if input_shape[axis] is not None and input_shape[axis] != dim:
            raise incompatible_input(self, input_shape, self.axis, dim)

    def call(self, inputs, training=None, mask=None):
        ndim = inputs.ndim
        if mask is not None and len(mask.shape) != ndim - 1:
            raise ValueError("Invalid value for argument `mask`. Expected a mask with one axis less than the inputs "
                             f"(Keras 3). Received: mask.shape={tuple(mask.shape)}, inputs.shape={tuple(inputs.shape)}")
        (axis,) = _resolve_axes(self, (self.axis,), inputs.shape)
        dim = self.moving_mean.shape[0]
        if inputs.shape[axis] != dim:
            raise ValueError(f"Layer '{self.name}' was built for {dim} features on axis {self.axis}; received "
                             f"inputs of shape {inputs.shape}")
        broadcast = tuple(dim if i == axis else 1 for i in range(ndim))
        input_dtype = dtype_name(inputs.dtype)
        x = _as(inputs, _statistics_dtype(inputs))  # float16: statistics in float32, as Keras
        if not (training and self.trainable):
            out = _normalize(self, x, self.moving_mean.reshape(broadcast), self.moving_variance.reshape(broadcast),
                             broadcast, factor_first=True)
            return _as(out, input_dtype)
        reduce = tuple(i for i in range(ndim) if i != axis)
        if not reduce:  # Keras 3 fails here too; batch statistics over no axis would silently give all zeros
            raise ValueError(f"Layer '{self.name}' (BatchNormalization) in training expects inputs with at least 2 "
                             f"axes (the batch axis and the feature axis={self.axis}); received inputs of shape "
                             f"{tuple(inputs.shape)}. Add a batch axis, e.g. x.reshape(1, -1)")
        mean, variance = _moments(x, reduce) if mask is None else _masked_moments(x, reduce, mask)
        self._update_moving(mean, variance, dim)
        return _as(_normalize(self, x, mean, variance, broadcast, factor_first=True), input_dtype)

    def _update_moving(self, mean, variance, dim):
        """``moving = moving * momentum + batch * (1 - momentum)``, on the raw arrays (no graph), computed in the
        batch statistics' dtype (float32 for float16 weights, as Keras) and stored in the weight's own dtype."""
        xp = self.moving_mean.backend.xp
        for moving, batch in ((self.moving_mean, mean), (self.moving_variance, variance)):
            value = xp.reshape(batch.data, (dim,))
            old = moving.data
            if dtype_name(old.dtype) == "float16" or dtype_name(value.dtype) == "float16":
                old, value = xp.astype(old, xp.float32), xp.astype(value, xp.float32)
            elif value.dtype != old.dtype:
                value = xp.astype(value, old.dtype)
            moving._data = xp.astype(old * self.momentum + value * (1.0 - self.momentum), moving._data.dtype)

    def get_config(self):
        # Keras 3.15's keys: renormalization (which this package lacks) is off, its settings kept as given
        # (keys in Keras 3.15's order)
        return {**super().get_config(), "axis": self.axis, "momentum": self.momentum, "epsilon": self.epsilon,
                "center": self.center, "scale": self.scale, **self._initializers_config(),
                "moving_mean_initializer": serialize(self.moving_mean_initializer, "initializer"),
                "moving_variance_initializer": serialize(self.moving_variance_initializer, "initializer"),
                **self._penalties_config(), "synchronized": self.synchronized, "renorm": self.renorm,
                "renorm_clipping": self.renorm_clipping, "renorm_momentum": self.renorm_momentum}


class LayerNormalization(_Normalization):
    r"""Normalize each sample over ``axis`` (by default its features), independently of the batch.

    :math:`\mu` and the biased :math:`\sigma^2` are taken over the axes in ``axis`` for each position of the other
    axes; ``gamma`` and ``beta`` have the shape of those axes. Training and inference compute the same thing.

    Args:
        axis: an integer or a list of integers: the axes to normalize over (``-1``: the last).
        epsilon: added to the variance before the square root (finite, ``>= 0``; with 0 a zero variance gives NaN, as in
            Keras 3.15, which also takes a negative or infinite one, refused here).
        center, scale: whether to learn ``beta`` and ``gamma``.
        beta_initializer, gamma_initializer: how ``beta`` and ``gamma`` start (as for any weight).
        beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint: as for any weight.
        rms_scaling: Keras 3.15's deprecated option (it warns, as Keras): with True the output is
            :math:`\gamma \, x / \sqrt{\sigma^2 + \epsilon}`, ``x`` scaled by its variance (not its root mean
            square) and not centered; the layer has ``gamma`` (even with ``scale=False``) and no ``beta``. Keras'
            ``keras.layers.RMSNormalization`` is the real RMS normalization.

    Raises:
        TypeError, ValueError: at construction for a malformed ``axis`` or ``epsilon``; at the first call when an
            axis is out of range (e.g. any input of rank 0).

    >>> import numpy as np
    >>> LayerNormalization(axis=[1, 2])(np.ones((2, 3, 4))).shape
    (2, 3, 4)
    """

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, rms_scaling=False, **kwargs):
        rms_scaling = flag(rms_scaling, "rms_scaling")
        super().__init__(epsilon, center, scale, beta_initializer, gamma_initializer, beta_regularizer,
                         gamma_regularizer, beta_constraint, gamma_constraint, **kwargs)
        if rms_scaling:         # Keras 3.15's warning, word for word
            warnings.warn("You passed `rms_scaling=True`, which is deprecated. This argument incorrectly scales the "
                          "input by the variance, not the root mean square. To correctly use RMS Normalization, "
                          "please use `keras.layers.RMSNormalization` instead.", UserWarning, stacklevel=2)
        self.rms_scaling = rms_scaling
        if isinstance(axis, (list, tuple)):
            if not axis:
                raise ValueError("Invalid value for argument `axis`. Expected an integer or a non-empty list of "
                                 "integers. Received axis=[]")
            self.axis = [integer(a, "axis", minimum=None) for a in axis]
        else:
            self.axis = integer(axis, "axis", minimum=None)
        self._axes = None

    def _axes_list(self):
        return self.axis if isinstance(self.axis, list) else [self.axis]

    def build(self, input_shape):
        axes = _resolve_axes(self, self._axes_list(), input_shape)
        shape = tuple(input_shape[a] for a in axes)
        if any(d is None for d in shape):     # a size 0 is Keras' too (axis=[0, 2] of an empty batch: gamma (0, 4))
            raise ValueError(f"Layer '{self.name}': the normalized axes {self.axis} of input shape "
                             f"{tuple(input_shape)} must have known sizes")
        if self.rms_scaling:     # Keras: gamma with scale or rms_scaling, beta with center and not rms_scaling
            self.gamma = self.add_weight(shape, self.gamma_initializer, regularizer=self.gamma_regularizer,
                                         constraint=self.gamma_constraint, name="gamma")
        else:
            self._add_gamma_beta(shape)
        self.built = True

    def _check_built_input(self, input_shape):
        """Once built: the normalized axes must have the sizes of ``gamma``/``beta``."""
        weight = self.gamma if self.gamma is not None else self.beta
        if weight is None:
            return
        axes = _resolve_axes(self, self._axes_list(), input_shape)
        for a, size in zip(axes, weight.shape):
            if input_shape[a] is not None and input_shape[a] != size:
                raise incompatible_input(self, input_shape, a, size)

    def call(self, inputs):
        axes = _resolve_axes(self, self._axes_list(), inputs.shape)
        broadcast = tuple(n if i in axes else 1 for i, n in enumerate(inputs.shape))
        weight = self.gamma if self.gamma is not None else self.beta
        if weight is not None and tuple(inputs.shape[a] for a in axes) != weight.shape:
            raise ValueError(f"Layer '{self.name}' was built for normalized axes of sizes {weight.shape}; received "
                             f"inputs of shape {inputs.shape}")
        x = _as(inputs, _statistics_dtype(inputs))  # float16: statistics in float32, as Keras
        if self.rms_scaling:
            # Keras 3.15: x * rsqrt(var(x) + epsilon) * gamma, var the biased variance (torch.var, two passes)
            mean = x.mean(axis=axes, keepdims=True)
            centered = x - mean
            variance = (centered * centered).mean(axis=axes, keepdims=True)
            dtype = dtype_name(x.dtype)
            out = x * (1.0 / (variance + self.epsilon).sqrt())
            out = out * _as(self.gamma, dtype).reshape(broadcast)
            return _as(out, dtype_name(inputs.dtype))
        # Keras 3.15 on torch: torch's layer_norm kernel over consecutive axes (the usual axis=-1), whose results
        # are the two-pass ones wherever they are finite; keras.ops.moments over others (axis=[0, 2])
        consecutive = axes == tuple(range(axes[0], axes[-1] + 1)) if axes else True     # (sorted axes)
        dtype = dtype_name(x.dtype)
        trailing = axes == tuple(range(x.ndim - len(axes), x.ndim))     # weights broadcast as they are
        gamma, beta = ((None if w is None else _as(w, dtype) if trailing else _as(w, dtype).reshape(broadcast))
                       for w in (self.gamma if self.scale else None, self.beta if self.center else None))
        out = layer_norm(x, gamma, beta, axes=axes, epsilon=self.epsilon,
                         overflow="torch" if consecutive else "keras")
        return _as(out, dtype_name(inputs.dtype))

    def get_config(self):
        """As Keras 3.15's: ``axis`` as given until the layer is built, then a list (``-1`` becomes ``[-1]``, as
        Keras' ``build`` makes it one, so that a saved model's file has ``[-1]``)."""
        return {**super().get_config(), "axis": self._axes_list() if self.built else self.axis,
                "epsilon": self.epsilon, "center": self.center, "scale": self.scale, "rms_scaling": self.rms_scaling,
                **self._initializers_config(), **self._penalties_config()}     # (in Keras 3.15's order)



class GroupNormalization(_Normalization):
    r"""Normalize each sample over groups of channels: the ``C`` channels on ``axis`` are split into ``groups``
    consecutive groups of ``C / groups``; :math:`\mu` and the biased :math:`\sigma^2` are taken, for each sample and
    group, over the group's channels and every other axis but the batch axis; then
    :math:`y = \gamma \, (x - \mu) / \sqrt{\sigma^2 + \epsilon} + \beta` with a ``gamma`` and ``beta`` per channel.

    ``groups=1`` normalizes each sample over everything (as ``LayerNormalization(axis=[1, ..., n])`` with
    per-channel weights); ``groups=C`` (or ``-1``) is instance normalization, each channel of each sample on its
    own. Training and inference compute the same thing (no moving statistics). The formula is evaluated as
    :math:`(x - \mu) \cdot r \cdot \gamma + \beta` with :math:`r = 1 / \sqrt{\sigma^2 + \epsilon}`, one op
    (:func:`~tinygradconv.ops.normalization.layer_norm`); Keras 3.15 evaluates
    ``x * inv + (beta - mean * inv)`` with ``inv = gamma * r``, equal up to rounding (float32: within ``1e-5``
    of Keras' on data of unit size; ours has no cancellation where the mean is large beside the spread).

    Args:
        groups: the number of groups, a positive integer that divides the channels, or ``-1`` (one group per
            channel; :meth:`get_config` then gives the channel count once built, as Keras).
        axis: the channel axis (an integer, not the batch axis 0).
        epsilon: added to the variance before the square root (finite, ``>= 0``; with 0, a sample group whose
            entries are all equal gives NaN, as in Keras).
        center, scale: whether to learn ``beta`` and ``gamma``.
        beta_initializer, gamma_initializer: as for :class:`LayerNormalization`.
        beta_regularizer, gamma_regularizer: as for :class:`LayerNormalization`.
        beta_constraint, gamma_constraint: as for :class:`LayerNormalization`.

    Weights (Keras' order): ``gamma`` then ``beta``, each of shape ``(C,)``.

    Input shape: any with a channel axis, e.g. ``(batch, steps, channels)``. Output shape: the same.

    Precision, as Keras 3.15: every input is normalized in float32 and the result cast back to the layer's dtype,
    float64 too (Keras computes in ``backend.result_type(input dtype, "float32")``, which is float32 for float16,
    float32 and float64 there): a float64 layer's outputs and gradients have float32 precision, in both. Integer
    data are cast to the layer's dtype first; Keras 3.15 (``autocast=False``) casts its result back to the input's
    integer dtype, truncating it to whole numbers, which this layer does not (as for ``LayerNormalization``).

    Raises:
        ValueError: ``groups`` not a positive integer or -1; a channel count that ``groups`` does not divide, or
            smaller than ``groups``, or unknown; ``axis`` the batch axis or out of range; inputs of one axis; a
            negative ``epsilon``.
        TypeError: a bool ``groups``, a non-integer ``axis``, non-bool ``center``/``scale``.

    Source: ``keras.layers.GroupNormalization`` (Keras 3.15, ``keras/src/layers/normalization/group_normalization.py``;
    Wu and He, "Group Normalization", 2018).

    >>> import numpy as np
    >>> x = np.array([[[1.0, 2.0, 10.0, 30.0]]])           # (batch 1, 1 step, 4 channels): groups (1, 2), (10, 30)
    >>> GroupNormalization(2, epsilon=1e-6)(x).numpy().round(3).tolist()
    [[[-1.0, 1.0, -1.0, 1.0]]]
    """

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        # Keras checks groups before anything else, with a ValueError for a non-integer; a bool (Keras takes True
        # as 1 group) is a TypeError here, as for every integer argument of this package
        if isinstance(groups, (bool, np.bool_)):
            raise TypeError(f"Invalid type for argument `groups`. Expected a positive integer (or -1), not a bool. "
                            f"Received groups={groups!r}")
        groups_number = integer(groups, "groups", minimum=None, type_error=ValueError)
        if groups_number <= 0 and groups_number != -1:
            raise ValueError(f"Invalid value for argument `groups`. Expected a positive integer (or -1 for instance "
                             f"normalization). Received groups={groups!r}")
        super().__init__(epsilon, center, scale, beta_initializer, gamma_initializer, beta_regularizer,
                         gamma_regularizer, beta_constraint, gamma_constraint, **kwargs)
        self.groups = groups_number
        self.axis = integer(axis, "axis", minimum=None)

    def _axis(self, shape):
        if len(shape) < 2:
            raise ValueError(f"Invalid value for argument `inputs` of layer '{self.name}' (GroupNormalization). "
                             f"Expected inputs with a batch axis and a channel axis (2 axes or more). Received inputs "
                             f"of shape {tuple(shape)}. Add a batch axis, e.g. x.reshape(1, -1)")
        (axis,) = _resolve_axes(self, (self.axis,), shape)
        if axis == 0:
            raise ValueError(f"Layer '{self.name}' (GroupNormalization): axis={self.axis} is the batch axis of inputs "
                             f"of shape {tuple(shape)}; the channel axis is another one (e.g. axis=-1, the last)")
        return axis

    def build(self, input_shape):
        axis = self._axis(input_shape)
        dim = input_shape[axis]
        if dim is None:
            raise ValueError(f"Layer '{self.name}': axis {self.axis} of the input should have a defined size; "
                             f"received an input of shape {tuple(input_shape)}")
        if self.groups == -1:      # as Keras: the layer (and its config) then says how many groups
            self.groups = dim
        if dim < self.groups or dim % self.groups:
            raise ValueError(f"Layer '{self.name}': the number of groups ({self.groups}) must divide the number of "
                             f"channels ({dim}) on axis {self.axis} of input shape {tuple(input_shape)}")
        self._built_ndim = len(input_shape)
        self._add_gamma_beta((dim,))
        self.built = True

    def _check_built_input(self, input_shape):
        """Keras' input spec once built: the rank it was built for, and the channel count on ``axis``."""
        if len(input_shape) != self._built_ndim:
            raise incompatible_input(self, input_shape, ndim=self._built_ndim)
        weight = self.gamma if self.gamma is not None else self.beta
        axis = self._axis(input_shape)
        if weight is not None and input_shape[axis] is not None and input_shape[axis] != weight.shape[0]:
            raise incompatible_input(self, input_shape, self.axis, weight.shape[0])

    def call(self, inputs):
        axis = self._axis(inputs.shape)
        shape = tuple(inputs.shape)
        dim = shape[axis]
        self._check_built_input(shape)     # the rank and the channel count it was built for
        grouped = shape[:axis] + (self.groups, dim // self.groups) + shape[axis + 1:]
        reduce = tuple(i for i in range(1, len(grouped)) if i != axis)
        broadcast = tuple(n if i in (axis, axis + 1) else 1 for i, n in enumerate(grouped))
        input_dtype = dtype_name(inputs.dtype)
        # Keras 3.15 computes in result_type(input dtype, "float32"), which Keras' type lattice makes float32 for
        # float16, float32 and float64 alike: a float64 layer has float32 precision there, and here too
        dtype = "float32"
        x = _as(inputs, dtype).reshape(grouped)
        gamma = _as(self.gamma, dtype).reshape(broadcast) if self.scale else None
        beta = _as(self.beta, dtype).reshape(broadcast) if self.center else None
        out = layer_norm(x, gamma, beta, axes=reduce, epsilon=self.epsilon)      # (keras.ops.moments' overflow)
        return _as(out.reshape(shape), input_dtype)

    def get_config(self):
        return {**super().get_config(), "groups": self.groups, "axis": self.axis, "epsilon": self.epsilon,
                "center": self.center, "scale": self.scale, **self._initializers_config(),
                **self._penalties_config()}


class UnitNormalization(Layer):
    r"""Scale each sample to unit L2 norm over ``axis``: :math:`y = x \cdot \min(1 / \lVert x \rVert_2, 10^{12})`,
    the norm taken over the axes in ``axis`` (Keras' ``ops.normalize(x, axis, order=2, epsilon=1e-12)``, whose
    bound keeps an all-zero row at zero, with a NaN gradient there, as Keras on torch gives). As in Keras 3.15 on
    torch, the inverse norm is rounded to float32 (Keras' ``minimum`` of a float64 tensor and a Python float is
    float32), so a float64 layer's outputs have float32 precision, in both.

    Args:
        axis: an integer or a list/tuple of integers: the axes of the norm (``-1``: the last).

    Input and output shape: any; the same.

    Raises:
        TypeError: ``axis`` not an integer or a list/tuple of integers.
        ValueError: at the call, an axis out of range for the input.

    Source: ``keras.layers.UnitNormalization`` (Keras 3.15, ``keras/src/layers/normalization/unit_normalization.py``).

    >>> import numpy as np
    >>> UnitNormalization()(np.array([[3.0, 4.0]])).numpy().astype("float64").round(6).tolist()
    [[0.6, 0.8]]
    """

    casts_integer_inputs = True     # computed in floats, as Keras
    single_input = True

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            self.axis = [integer(a, "axis", minimum=None) for a in axis]
        else:
            self.axis = integer(axis, "axis", minimum=None)

    def _axes(self, shape):
        return _resolve_axes(self, self.axis if isinstance(self.axis, list) else [self.axis], shape)

    def call(self, inputs):
        from ..ops.elementwise import minimum

        axes = self._axes(inputs.shape)
        x = _as(inputs, _statistics_dtype(inputs))
        dtype = dtype_name(x.dtype)
        # Keras 3.15 on torch: minimum(rsqrt(sum), 1e12) is float32 whatever the input's dtype (its type lattice
        # promotes float64 with the Python float to float32), so the inverse norm is rounded to float32 there too
        inverse_norm = minimum(_as(1.0 / (x * x).sum(axis=axes, keepdims=True).sqrt(), "float32"), 1e12)
        return _as(x * _as(inverse_norm, dtype), dtype_name(inputs.dtype))

    def compute_output_shape(self, input_shape):
        self._axes(input_shape)
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}
