r"""Weight initializers (Keras 3 names, defaults and math).

An initializer is a callable ``init(shape, dtype=None) -> numpy.ndarray``. Values are drawn with NumPy from
:func:`tinygradconv.random.generator`, so every backend starts from *identical* weights (the layer then moves them to
its backend). ``dtype=None`` means :func:`tinygradconv.config.floatx`.

Seeds: an integer ``seed`` gives the same values on every call (as in Keras 3). ``seed=None`` draws from the package
generator, so consecutive calls differ and :func:`tinygradconv.random.set_seed` makes a whole run repeatable (Keras 3
instead fixes a random seed per unseeded instance).

Fans follow Keras ``compute_fans``: for a shape of rank >= 3 the receptive field is the product of all but the last
two axes, ``fan_in = shape[-2] * receptive`` and ``fan_out = shape[-1] * receptive``. For a ``Conv1DTranspose`` kernel
``(k, filters, C_in)`` that gives ``fan_in = k * filters``, ``fan_out = k * C_in`` (Keras does exactly this).
Every ``VarianceScaling`` (Glorot, He and LeCun too) also takes Keras 3.15's ``input_axes`` and ``output_axes``:
lists of axes of the weight shape whose sizes multiply to ``fan_in`` and ``fan_out`` instead
(``VarianceScaling(2.0, input_axes=[0, 1], output_axes=[2])`` on ``(3, 4, 5)``: fans ``(12, 5)``); see
:func:`compute_fans`.

``VarianceScaling(scale, mode, distribution)`` (``n`` = fan_in, fan_out or their mean, at least 1):

* ``truncated_normal``: normal with ``stddev = sqrt(scale / n) / 0.87962566103423978`` cut at two standard deviations,
  so the standard deviation *after* truncation is ``sqrt(scale / n)``;
* ``untruncated_normal``: normal with ``stddev = sqrt(scale / n)``;
* ``uniform``: ``U(-limit, limit)`` with ``limit = sqrt(3 * scale / n)``.

Glorot = (1, fan_avg), He = (2, fan_in), LeCun = (1, fan_in); ``*_uniform`` uses ``uniform``, ``*_normal``
``truncated_normal``.

>>> from tinygradconv import initializers
>>> init = initializers.get("glorot_uniform")
>>> w = init((3, 32, 128))
>>> w.shape, str(w.dtype), bool(abs(w).max() <= (6 / (3 * 32 + 3 * 128)) ** 0.5)
((3, 32, 128), 'float32', True)
>>> initializers.serialize(initializers.Constant(2.0))
{'class_name': 'Constant', 'config': {'value': 2.0}}
"""
from __future__ import annotations

import inspect
import math

import numpy as np

from . import _lookup, config
from . import random as _random
from .validation import array_argument, float_dtype_argument, integer, number

__all__ = [
    "Constant",
    "GlorotNormal",
    "GlorotUniform",
    "HeNormal",
    "HeUniform",
    "Identity",
    "Initializer",
    "LecunNormal",
    "LecunUniform",
    "Ones",
    "Orthogonal",
    "RandomNormal",
    "RandomUniform",
    "TruncatedNormal",
    "VarianceScaling",
    "Zeros",
    "compute_fans",
    "deserialize",
    "get",
    "serialize",
]

#: Standard deviation of a standard normal truncated to [-2, 2] (Keras' correction constant).
TRUNCATED_STDDEV = 0.87962566103423978


# ---------------------------------------------------------------------------------------------------------- helpers
def compute_fans(shape, input_axes=None, output_axes=None):
    """``(fan_in, fan_out)`` of a weight shape, as Keras 3.15's ``compute_fans`` computes them
    (``keras/src/initializers/random_initializers.py``).

    With ``input_axes`` and ``output_axes`` (lists of axes of ``shape``, negative ones counted from the end), each
    fan is the product of the sizes of its axes (an empty list gives 1). Otherwise: rank 0: ``(1, 1)``; rank 1:
    ``(n, n)``; rank 2: ``(rows, cols)``; rank >= 3: ``(shape[-2] * r, shape[-1] * r)`` with ``r`` the product of
    the leading axes (the receptive field).

    Raises:
        TypeError: axes that are not a list or tuple of integers.
        ValueError: only one of ``input_axes`` and ``output_axes`` (Keras ignores one given alone, silently), an
            axis out of range for ``shape``, or the same axis twice in one list (Keras would multiply its size in
            twice; Keras raises an ``IndexError`` for an axis out of range).

    >>> compute_fans((3, 32, 128))
    (96, 384)
    >>> compute_fans((3, 32, 128), input_axes=[0, 1], output_axes=[-1])
    (96, 128)
    """
    input_axes, output_axes = _check_axes_pair(input_axes, output_axes)
    shape = tuple(int(n) for n in shape)
    if input_axes is not None:
        return (math.prod(shape[a] for a in _axes_of(shape, input_axes, "input_axes")),
                math.prod(shape[a] for a in _axes_of(shape, output_axes, "output_axes")))
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = math.prod(shape[:-2])
    return shape[-2] * receptive, shape[-1] * receptive


def _check_axes(axes, name):
    """``None``, or ``axes`` (a list or tuple of integers) as a list of ints; the positions are checked against the
    weight shape when it is known (:func:`_axes_of`)."""
    if axes is None:
        return None
    if not isinstance(axes, (list, tuple)):
        raise TypeError(f"Invalid type for argument `{name}`. Expected a list of integers (axes of the weight shape) "
                        f"or None. Received {name}={axes!r} of type {type(axes).__name__}")
    return [integer(axis, name, minimum=None, shown=axes) for axis in axes]


def _check_axes_pair(input_axes, output_axes):
    """Both axes lists checked, given together or not at all: Keras 3.15's ``compute_fans`` uses them only when both
    are given, and ignores one alone without a word."""
    input_axes, output_axes = _check_axes(input_axes, "input_axes"), _check_axes(output_axes, "output_axes")
    if (input_axes is None) != (output_axes is None):
        given, missing = ("input_axes", "output_axes") if output_axes is None else ("output_axes", "input_axes")
        raise ValueError(f"Invalid value for argument `{missing}`: expected a list of axes, since `{given}` is given "
                         f"(the fans are computed from both lists or from neither; Keras ignores one alone). "
                         f"Received input_axes={input_axes!r}, output_axes={output_axes!r}")
    return input_axes, output_axes


def _axes_of(shape, axes, name):
    """``axes`` as non-negative positions in ``shape``: each in ``[-rank, rank)`` and none twice."""
    rank, seen = len(shape), set()
    for axis in axes:
        if not -rank <= axis < rank:
            raise ValueError(f"Invalid value for argument `{name}`: axis {axis} is out of range for a weight of "
                             f"shape {shape} (expected axes in [{-rank}, {rank - 1}]). Received {name}={axes!r}")
        if axis % rank in seen:
            raise ValueError(f"Invalid value for argument `{name}`: axis {axis % rank} of the weight shape {shape} "
                             f"is given more than once. Received {name}={axes!r}")
        seen.add(axis % rank)
    return sorted(seen)


def _check_shape(shape):
    if isinstance(shape, (int, np.integer)) and not isinstance(shape, bool):
        shape = (shape,)
    try:
        dims = tuple(shape)
    except TypeError:
        raise TypeError(f"Invalid type for argument `shape`. Expected a tuple of non-negative integers. "
                        f"Received shape={shape!r}") from None
    for n in dims:
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise ValueError(f"Invalid value for argument `shape`. Expected a tuple of non-negative integers. "
                             f"Received shape={shape!r}")
    return tuple(int(n) for n in dims)


def _check_dtype(dtype):
    """The float dtype's name: ``None`` is ``config.floatx()``; names, NumPy, backend and PyTorch dtypes are read by
    :func:`~tinygradconv.validation.dtype_argument` (``torch.float64`` gave NumPy's "Cannot interpret" before)."""
    if dtype is None:
        return config.floatx()
    return float_dtype_argument(dtype, "Initializers produce floating-point weights: expected dtype")


def _truncated_standard_normal(rng, shape):
    """Standard normal samples redrawn until every one lies in [-2, 2] (rejection sampling)."""
    out = rng.standard_normal(shape)
    bad = np.abs(out) > 2.0
    while bad.any():
        out[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(out) > 2.0
    return out


# ---------------------------------------------------------------------------------------------------------- classes
class Initializer(_lookup.Configurable):
    """Base class: ``init(shape, dtype=None)`` returns a NumPy array; ``get_config`` gives the constructor args."""

    def __call__(self, shape, dtype=None):
        shape, dtype = _check_shape(shape), _check_dtype(dtype)
        return np.asarray(self._generate(shape), dtype=np.float64).astype(dtype)

    def _generate(self, shape):  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} must implement _generate(shape)")

    @classmethod
    def from_config(cls, config: dict):
        """The initializer of ``get_config``'s arguments; an argument the constructor does not take (one of a newer
        Keras, say) is a ``TypeError`` that names it and lists those it takes (not Python's bare "unexpected keyword
        argument" from deep inside)."""
        parameters = inspect.signature(cls).parameters
        if not any(p.kind is p.VAR_KEYWORD for p in parameters.values()):
            for key, value in config.items():
                if key not in parameters:
                    raise TypeError(f"Invalid config for the initializer {cls.__name__}: argument `{key}` is not "
                                    f"supported. Expected some of {list(parameters)}. Received {key}={value!r}")
        return cls(**config)


class Zeros(Initializer):
    """All zeros.

    >>> Zeros()((2,)).tolist()
    [0.0, 0.0]
    """

    def _generate(self, shape):
        return np.zeros(shape)


class Ones(Initializer):
    """All ones.

    >>> Ones()((2,)).tolist()
    [1.0, 1.0]
    """

    def _generate(self, shape):
        return np.ones(shape)


class Constant(Initializer):
    """Every element equal to ``value`` (a number, or an array broadcast to the shape).

    >>> Constant(0.5)((2,)).tolist()
    [0.5, 0.5]
    """

    def __init__(self, value=0.0):
        array = array_argument(value, "value", "a finite number or an array of them")
        if array.dtype.kind not in "biuf" or not np.all(np.isfinite(array)):
            raise TypeError(f"Invalid type for argument `value`. Expected a finite number. Received value={value!r}")
        self.value = float(array) if array.ndim == 0 else array.astype(np.float64)

    def _generate(self, shape):
        try:
            return np.broadcast_to(self.value, shape).copy()
        except ValueError:
            raise ValueError(f"Constant initializer: value of shape {np.shape(self.value)} cannot be broadcast to "
                             f"shape {shape}") from None

    def get_config(self):
        return {"value": self.value if isinstance(self.value, float) else self.value.tolist()}


class RandomInitializer(Initializer):
    """Base of the random initializers: holds ``seed`` (None: the package generator; int: same values every call)."""

    def __init__(self, seed=None):
        self.seed = integer(seed, "seed", minimum=0, optional=True, type_error=ValueError)

    def _rng(self) -> np.random.Generator:
        return _random.generator(self.seed)

    def get_config(self):
        return {"seed": self.seed}


class RandomNormal(RandomInitializer):
    """Normal ``N(mean, stddev^2)``.

    >>> bool(RandomNormal(seed=0)((1000,)).std() < 0.06)
    True
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean = float(number(mean, "mean", finite=True))
        self.stddev = float(number(stddev, "stddev", low=0, finite=True))

    def _generate(self, shape):
        return self.mean + self.stddev * self._rng().standard_normal(shape)

    def get_config(self):
        return {"seed": self.seed, "mean": self.mean, "stddev": self.stddev}     # (Keras' order)


class RandomUniform(RandomInitializer):
    """Uniform ``U(minval, maxval)``.

    >>> w = RandomUniform(-1.0, 1.0, seed=0)((100,)); bool((w >= -1).all() and (w < 1).all())
    True
    """

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        super().__init__(seed)
        self.minval = float(number(minval, "minval", finite=True))
        self.maxval = float(number(maxval, "maxval", finite=True))
        if self.minval > self.maxval:
            raise ValueError(f"Invalid values for arguments `minval` and `maxval`: minval must not exceed maxval. "
                             f"Received minval={minval!r}, maxval={maxval!r}")

    def _generate(self, shape):
        return self._rng().uniform(self.minval, self.maxval, shape)

    def get_config(self):
        return {"seed": self.seed, "minval": self.minval, "maxval": self.maxval}     # (Keras' order)


class TruncatedNormal(RandomInitializer):
    """Normal ``N(mean, stddev^2)`` with values further than two ``stddev`` from the mean redrawn.

    >>> w = TruncatedNormal(stddev=1.0, seed=0)((1000,)); bool(abs(w).max() <= 2.0)
    True
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean = float(number(mean, "mean", finite=True))
        self.stddev = float(number(stddev, "stddev", low=0, finite=True))

    def _generate(self, shape):
        return self.mean + self.stddev * _truncated_standard_normal(self._rng(), shape)

    def get_config(self):
        return {"seed": self.seed, "mean": self.mean, "stddev": self.stddev}     # (Keras' order)


_MODES = ("fan_in", "fan_out", "fan_avg")
_DISTRIBUTIONS = ("truncated_normal", "untruncated_normal", "uniform")


class VarianceScaling(RandomInitializer):
    """Scale the variance to the fans (see the module docstring for the three distributions).

    Args:
        scale: positive scaling factor.
        mode: ``"fan_in"``, ``"fan_out"`` or ``"fan_avg"``.
        distribution: ``"truncated_normal"`` (``"normal"`` is an alias), ``"untruncated_normal"`` or ``"uniform"``.
        seed: None or a non-negative int.
        input_axes, output_axes: None (the fans of :func:`compute_fans`' rules), or both lists of axes of the
            weight shape whose sizes multiply to ``fan_in`` and ``fan_out`` (Keras 3.15's arguments, in every
            ``VarianceScaling`` subclass; checked against the shape when called).

    ``get_config`` lists ``input_axes`` and ``output_axes`` even when None, as Keras 3.15 does.

    >>> w = VarianceScaling(2.0, "fan_in", "uniform", seed=0)((50, 8))
    >>> bool(abs(w).max() <= (3 * 2.0 / 50) ** 0.5)
    True
    """

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None, input_axes=None,
                 output_axes=None):
        super().__init__(seed)
        self.input_axes, self.output_axes = _check_axes_pair(input_axes, output_axes)
        number(scale, "scale", low=0, low_open=True, finite=True, type_error=ValueError)
        if not isinstance(mode, str) or mode not in _MODES:      # an array: no `in` test
            raise ValueError(f"Invalid `mode` argument: {mode!r}. Please use one of {_MODES}")
        dist = distribution.lower() if isinstance(distribution, str) else distribution
        if dist == "normal":
            dist = "truncated_normal"
        if dist not in _DISTRIBUTIONS:
            raise ValueError(f"Invalid `distribution` argument: {distribution!r}. Please use one of {_DISTRIBUTIONS}")
        self.scale, self.mode, self.distribution = float(scale), mode, dist

    def _generate(self, shape):
        fan_in, fan_out = compute_fans(shape, self.input_axes, self.output_axes)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        scale = self.scale / max(1.0, n)
        rng = self._rng()
        if self.distribution == "truncated_normal":
            return math.sqrt(scale) / TRUNCATED_STDDEV * _truncated_standard_normal(rng, shape)
        if self.distribution == "untruncated_normal":
            return math.sqrt(scale) * rng.standard_normal(shape)
        limit = math.sqrt(3.0 * scale)
        return rng.uniform(-limit, limit, shape)

    def get_config(self):
        return {"seed": self.seed, "scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                **self._axes_config()}

    def _axes_config(self):
        return {"input_axes": None if self.input_axes is None else list(self.input_axes),
                "output_axes": None if self.output_axes is None else list(self.output_axes)}


class _PresetVarianceScaling(VarianceScaling):
    preset = (1.0, "fan_in", "truncated_normal")

    def __init__(self, seed=None, input_axes=None, output_axes=None):
        super().__init__(*self.preset, seed=seed, input_axes=input_axes, output_axes=output_axes)

    def get_config(self):
        return {"seed": self.seed, **self._axes_config()}


class GlorotUniform(_PresetVarianceScaling):
    """``U(-limit, limit)``, ``limit = sqrt(6 / (fan_in + fan_out))`` (Xavier uniform); Keras' default kernel init."""

    preset = (1.0, "fan_avg", "uniform")


class GlorotNormal(_PresetVarianceScaling):
    """Truncated normal with standard deviation ``sqrt(2 / (fan_in + fan_out))`` after truncation."""

    preset = (1.0, "fan_avg", "truncated_normal")


class HeUniform(_PresetVarianceScaling):
    """``U(-limit, limit)``, ``limit = sqrt(6 / fan_in)``."""

    preset = (2.0, "fan_in", "uniform")


class HeNormal(_PresetVarianceScaling):
    """Truncated normal with standard deviation ``sqrt(2 / fan_in)`` after truncation."""

    preset = (2.0, "fan_in", "truncated_normal")


class LecunUniform(_PresetVarianceScaling):
    """``U(-limit, limit)``, ``limit = sqrt(3 / fan_in)``."""

    preset = (1.0, "fan_in", "uniform")


class LecunNormal(_PresetVarianceScaling):
    """Truncated normal with standard deviation ``sqrt(1 / fan_in)`` after truncation."""

    preset = (1.0, "fan_in", "truncated_normal")


class Orthogonal(RandomInitializer):
    """A (semi-)orthogonal matrix times ``gain``, reshaped to the weight shape (rank >= 2).

    The shape is flattened to ``(prod(shape[:-1]), shape[-1])``; a normal matrix of shape ``(max, min)`` of those is
    QR-decomposed, ``Q`` is multiplied by the signs of ``diag(R)`` (so the result is uniformly distributed) and
    transposed when there are fewer rows than columns. Rows or columns (whichever are fewer) are orthonormal.

    >>> q = Orthogonal(seed=0)((4, 3)); bool(np.allclose(q.T @ q, np.eye(3), atol=1e-6))
    True
    """

    def __init__(self, gain=1.0, seed=None):
        super().__init__(seed)
        self.gain = float(number(gain, "gain", finite=True))

    def _generate(self, shape):
        if len(shape) < 2:
            raise ValueError(f"The tensor to initialize must be at least two-dimensional. Received: shape={shape}")
        rows, cols = math.prod(shape[:-1]), shape[-1]
        a = self._rng().standard_normal((max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(a)
        q = q * np.where(np.diag(r) < 0, -1.0, 1.0)
        if rows < cols:
            q = q.T
        return self.gain * q.reshape(shape)

    def get_config(self):
        return {"seed": self.seed, "gain": self.gain}     # (Keras' order)


class Identity(Initializer):
    """``gain`` times the identity matrix (2-D shapes only; rectangular ones get ones on the main diagonal).

    >>> Identity(2.0)((2, 3)).tolist()
    [[2.0, 0.0, 0.0], [0.0, 2.0, 0.0]]
    """

    def __init__(self, gain=1.0):
        self.gain = float(number(gain, "gain", finite=True))

    def _generate(self, shape):
        if len(shape) != 2:
            raise ValueError(f"Identity matrix initializer can only be used for 2D matrices. Received: shape={shape}")
        return self.gain * np.eye(*shape)

    def get_config(self):
        """``{"gain": ...}``. Keras 3.15's ``Identity.get_config`` returns ``{}``, losing the gain (a saved
        ``Identity(2.0)`` comes back as ``Identity(1.0)`` there); ours keeps it, and Keras' ``from_config`` reads
        it (a difference kept on purpose)."""
        return {"gain": self.gain}


# ---------------------------------------------------------------------------------------------------------- lookup
_CLASSES = (Zeros, Ones, Constant, RandomNormal, RandomUniform, TruncatedNormal, VarianceScaling, GlorotUniform,
            GlorotNormal, HeUniform, HeNormal, LecunUniform, LecunNormal, Orthogonal, Identity)
# Keras 3's aliases (its ALL_OBJECTS_DICT): the short names, the ``...Initializer`` spellings of Identity and
# Orthogonal, and the base class itself (whose call raises NotImplementedError, as Keras' does).
ALL_OBJECTS = _lookup.name_table(_CLASSES, {"uniform": RandomUniform, "normal": RandomNormal, "one": Ones,
                                            "zero": Zeros, "IdentityInitializer": Identity,
                                            "OrthogonalInitializer": Orthogonal, "Initializer": Initializer,
                                            "initializer": Initializer})
# Keras 3 initializers that tinygradconv does not have: named as such when asked for.
_NOT_SUPPORTED = {"STFT": "STFT", "STFTInitializer": "STFT", "stft": "STFT"}


def _unsupported_named(exc):
    """``exc`` (the ``ValueError`` of an unknown name), or for a Keras initializer this package lacks one that says
    so, keeping its ``unknown_name`` (for the loaders' hint on ``custom_objects``)."""
    kind, name = getattr(exc, "unknown_name", (None, None))
    if name not in _NOT_SUPPORTED:
        return exc
    error = ValueError(f"Unknown initializer: {name!r} is Keras 3's {_NOT_SUPPORTED[name]} initializer (of short-time "
                       "Fourier transform kernels), which tinygradconv does not support. Valid names: "
                       f"{sorted(ALL_OBJECTS)}")
    error.unknown_name = (kind, name)
    return error


def serialize(initializer) -> dict:
    """The config dict ``{"class_name": ..., "config": {...}}`` of an initializer (None gives None)."""
    return _lookup.serialize(initializer, "initializer", Initializer)


def deserialize(config: dict) -> Initializer:
    """Rebuild an initializer from :func:`serialize`'s output (Keras' extra keys ``module``, ... are ignored)."""
    try:
        return _lookup.deserialize(config, ALL_OBJECTS, "initializer")
    except ValueError as exc:
        raise _unsupported_named(exc) from None


def get(identifier):
    """An initializer from a name (``"glorot_uniform"``), a config dict, an instance, a class or a callable.

    ``None`` gives ``None``. Names are Keras 3's, aliases included (``"IdentityInitializer"``, ``"uniform"``...).
    An unknown name raises ``ValueError`` listing the valid ones; Keras' ``"STFT"`` is refused as not supported.

    >>> get("he_normal")
    HeNormal(seed=None, input_axes=None, output_axes=None)
    >>> get("OrthogonalInitializer")
    Orthogonal(seed=None, gain=1.0)
    """
    try:
        return _lookup.get(identifier, ALL_OBJECTS, "initializer", Initializer)
    except ValueError as exc:
        raise _unsupported_named(exc) from None
