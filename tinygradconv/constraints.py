r"""Weight constraints: callables ``w -> projected w`` that optimizers apply after each update.

Keras 3 names, defaults and math (``norms`` = L2 norms of ``w`` over ``axis``, kept as broadcastable axes;
``eps`` = :func:`tinygradconv.config.epsilon`, 1e-7):

* ``MaxNorm(max_value=2, axis=0)``: ``w * clip(norms, 0, max_value) / (eps + norms)``;
* ``MinMaxNorm(min_value=0.0, max_value=1.0, rate=1.0, axis=0)``:
  ``w * (rate * clip(norms, min_value, max_value) + (1 - rate) * norms) / (eps + norms)``;
* ``NonNeg()``: ``w * (w >= 0)``;
* ``UnitNorm(axis=0)``: ``w / (eps + norms)``.

``axis`` follows Keras: the axes the norm is taken *over*. For a ``Dense`` kernel ``(in, out)``, ``axis=0`` constrains
each output unit's incoming weight vector; for a ``Conv1D`` kernel ``(k, in, filters)`` use ``axis=[0, 1]``.
A constraint is applied without recording a graph (``no_grad``) and returns a new Tensor of the same dtype and
backend; layers store it on the weight as ``weight.constraint``.

>>> import tinygradconv as tg
>>> from tinygradconv import constraints
>>> w = tg.tensor([[3.0], [4.0]])              # one column of norm 5
>>> [round(v, 4) for v in constraints.get("max_norm")(w).numpy().ravel().tolist()]
[1.2, 1.6]
"""
from __future__ import annotations

from . import _lookup, config
from .autograd import no_grad
from .ops import where
from .tensor import Tensor
from .validation import axis_argument, named_by, number, reduction_axes

__all__ = ["Constraint", "MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm", "deserialize", "get", "serialize"]


def _as_tensor(w):
    return w if isinstance(w, Tensor) else Tensor(w)


def _axis(axis, constraint):
    """``axis`` of a norm constraint, checked when the constraint is made by
    :func:`~tinygradconv.validation.axis_argument` (Keras 3 stores any value and fails in the first call, with the
    backend's error: on torch, ``sum(): argument 'dim' must be tuple of ints, not str``).

    Raises:
        TypeError: not None, an integer or a list or tuple of integers (a string such as ``'0'``, a float, a
            bool), naming the constraint, the argument, the value and its type.
    """
    with named_by(constraint):
        return axis_argument(axis)


def _norms(w, axis, constraint):
    """The L2 norms of ``w`` over ``axis`` (kept as size-1 axes); an axis out of ``w``'s range raises an
    ``AxisError`` (a ``ValueError``) that names the ``constraint``, not the sum inside it."""
    axis = reduction_axes(axis, w.ndim, f"{constraint} (a weight of shape {tuple(w.shape)})")
    return (w * w).sum(axis=axis, keepdims=True).sqrt()


class Constraint(_lookup.Configurable):
    """Base class: ``__call__(w) -> Tensor`` (computed under ``no_grad``); ``get_config`` gives the arguments."""

    def __call__(self, w):
        w = _as_tensor(w)
        with no_grad():
            return self._project(w)

    def _project(self, w):
        return w


class MaxNorm(Constraint):
    """Rescale weight vectors whose L2 norm (over ``axis``) exceeds ``max_value``.

    >>> import tinygradconv as tg
    >>> [round(v, 4) for v in MaxNorm(10.0)(tg.tensor([[3.0], [4.0]])).numpy().ravel().tolist()]  # norm 5 <= 10
    [3.0, 4.0]
    """

    def __init__(self, max_value=2, axis=0):
        self.max_value = number(max_value, "max_value", low=0, finite=True)
        self.axis = _axis(axis, type(self).__name__)

    def _project(self, w):
        norms = _norms(w, self.axis, type(self).__name__)
        desired = norms.clip(0.0, float(self.max_value))
        return w * (desired / (config.epsilon() + norms))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class MinMaxNorm(Constraint):
    """Move weight-vector norms into ``[min_value, max_value]`` (fully when ``rate=1``, partly when ``rate<1``).

    ``rate`` must lie in ``[0, 1]``, as Keras documents it (Keras does not check it: ``rate=-1`` there moves norms
    out of the interval).

    >>> import tinygradconv as tg
    >>> [round(v, 4) for v in MinMaxNorm(2.0, 3.0)(tg.tensor([[0.6], [0.8]])).numpy().ravel().tolist()]
    [1.2, 1.6]
    """

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value = number(min_value, "min_value", finite=True)
        self.max_value = number(max_value, "max_value", finite=True)
        self.rate = number(rate, "rate", low=0, high=1)
        if min_value > max_value:
            raise ValueError(f"Invalid values for arguments `min_value` and `max_value`: min_value must not exceed "
                             f"max_value. Received min_value={min_value!r}, max_value={max_value!r}")
        self.axis = _axis(axis, type(self).__name__)

    def _project(self, w):
        norms = _norms(w, self.axis, type(self).__name__)
        desired = self.rate * norms.clip(float(self.min_value), float(self.max_value)) + (1 - self.rate) * norms
        return w * (desired / (config.epsilon() + norms))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate, "axis": self.axis}


class NonNeg(Constraint):
    """Set negative weights to zero: ``w`` where ``w < 0`` is false, else ``+0.0``.

    As Keras 3 (on torch): NaN stays NaN (a diverged weight is not hidden), ``-inf`` becomes ``0.0`` and ``-0.0``
    stays ``-0.0``.

    >>> import tinygradconv as tg
    >>> NonNeg()(tg.tensor([-1.0, 2.0, float("nan")])).numpy().tolist()
    [0.0, 2.0, nan]
    """

    def _project(self, w):
        return where(w < 0.0, 0.0, w)


class UnitNorm(Constraint):
    """Scale weight vectors to unit L2 norm over ``axis``.

    >>> import tinygradconv as tg
    >>> [round(v, 4) for v in UnitNorm()(tg.tensor([[3.0], [4.0]])).numpy().ravel().tolist()]
    [0.6, 0.8]
    """

    def __init__(self, axis=0):
        self.axis = _axis(axis, type(self).__name__)

    def _project(self, w):
        return w / (config.epsilon() + _norms(w, self.axis, type(self).__name__))

    def get_config(self):
        return {"axis": self.axis}


# ---------------------------------------------------------------------------------------------------------- lookup
_CLASSES = (MaxNorm, MinMaxNorm, NonNeg, UnitNorm)
ALL_OBJECTS = _lookup.name_table(_CLASSES)  # also max_norm, min_max_norm, non_neg, unit_norm


def serialize(constraint):
    """The config dict ``{"class_name": ..., "config": {...}}`` of a constraint (None gives None)."""
    return _lookup.serialize(constraint, "constraint", Constraint)


def deserialize(config: dict) -> Constraint:
    """Rebuild a constraint from :func:`serialize`'s output (Keras' extra keys are ignored)."""
    return _lookup.deserialize(config, ALL_OBJECTS, "constraint")


def get(identifier):
    """A constraint from a name (``"max_norm"``), a config dict, an instance, a class or a callable; None: None.

    >>> get("non_neg")
    NonNeg()
    """
    return _lookup.get(identifier, ALL_OBJECTS, "constraint", Constraint)
