r"""Weight regularizers: callables ``penalty = regularizer(weight)`` returning a differentiable scalar Tensor.

Keras 3 names, defaults and math:

* ``L1(l1=0.01)``: :math:`l_1 \sum |w|` (``l1`` rounded to ``config.floatx()``, as Keras 3 keeps it);
* ``L2(l2=0.01)``: :math:`l_2 \sum w^2` (no factor 1/2);
* ``L1L2(l1=0.0, l2=0.0)``: both;
* ``OrthogonalRegularizer(factor=0.01, mode="rows")`` for a 2-D weight: normalise the rows (``"columns"``: the
  columns) to unit L2 norm (norms below ``epsilon`` are taken as ``epsilon``), form their Gram matrix ``P``, and
  return :math:`\text{factor} \cdot 0.5 \cdot \sum_{i \ne j} |P_{ij}| / (n (n - 1) / 2)`, i.e. ``factor`` times
  the mean absolute cosine over the ``n (n - 1) / 2`` pairs of distinct rows (columns) (``factor`` rounded to
  ``config.floatx()``, as Keras 3 keeps it).

Layers add ``regularizer(weight)`` for each regularized weight to ``layer.losses``.

>>> import tinygradconv as tg
>>> from tinygradconv import regularizers
>>> regularizers.L2(0.1)(tg.tensor([1.0, -2.0])).item()
0.5
>>> regularizers.get("l1l2")
L1L2(l1=0.0, l2=0.0)
"""
from __future__ import annotations

import numpy as np

from . import _lookup, config
from .backend import dtype_name
from .tensor import Tensor
from .validation import number

__all__ = ["L1", "L1L2", "L2", "OrthogonalRegularizer", "Regularizer", "deserialize", "get", "serialize"]


def _validate_float(value, name):
    """Keras ``validate_float_arg``: a finite, non-negative number (a ``ValueError`` for anything else), as a
    float."""
    return float(number(value, name, low=0, finite=True, type_error=ValueError,
                        expected="a non-negative float"))


def _in_floatx(value):
    """``value`` rounded to the default float type (``config.floatx()``, float32 unless set), as a Python float:
    Keras 3 keeps the factor of ``L1`` and ``OrthogonalRegularizer`` as a tensor of that type
    (``ops.convert_to_tensor``), so its config and its penalty read ``0.01`` as ``0.009999999776482582`` (the
    float32 nearest 0.01), in float64 models too. ``L2`` and ``L1L2`` keep Python floats there, and so here."""
    return float(np.asarray(value, dtype=config.floatx()))


def _as_tensor(x):
    return x if isinstance(x, Tensor) else Tensor(x)


class Regularizer(_lookup.Configurable):
    """Base class: ``__call__(weight) -> scalar Tensor``; ``get_config`` gives the constructor arguments."""

    def __call__(self, x):  # pragma: no cover - abstract
        raise NotImplementedError


class L1(Regularizer):
    """``l1 * sum(|x|)``.

    ``l1`` is kept rounded to ``config.floatx()`` (float32 by default), as Keras 3 keeps it in a tensor of that
    type: ``L1(0.01).l1`` and its config read ``0.009999999776482582``, and the penalty of a float64 weight uses
    that value, as Keras'.

    >>> import tinygradconv as tg
    >>> L1(0.5)(tg.tensor([1.0, -3.0])).item()
    2.0
    >>> L1(0.01).get_config()
    {'l1': 0.009999999776482582}
    """

    def __init__(self, l1=0.01):
        self.l1 = _in_floatx(_validate_float(0.01 if l1 is None else l1, "l1"))

    def __call__(self, x):
        return self.l1 * _as_tensor(x).abs().sum()

    def get_config(self):
        return {"l1": self.l1}


class L2(Regularizer):
    """``l2 * sum(x^2)``.

    >>> import tinygradconv as tg
    >>> L2(0.5)(tg.tensor([1.0, -3.0])).item()
    5.0
    """

    def __init__(self, l2=0.01):
        self.l2 = _validate_float(0.01 if l2 is None else l2, "l2")

    def __call__(self, x):
        x = _as_tensor(x)
        return self.l2 * (x * x).sum()

    def get_config(self):
        return {"l2": self.l2}


class L1L2(Regularizer):
    """``l1 * sum(|x|) + l2 * sum(x^2)`` (both factors default to 0, as in Keras).

    >>> import tinygradconv as tg
    >>> L1L2(l1=1.0, l2=1.0)(tg.tensor([1.0, -3.0])).item()
    14.0
    """

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = _validate_float(0.0 if l1 is None else l1, "l1")
        self.l2 = _validate_float(0.0 if l2 is None else l2, "l2")

    def __call__(self, x):
        x = _as_tensor(x)
        penalty = x._lift(0.0)
        if self.l1:
            penalty = penalty + self.l1 * x.abs().sum()
        if self.l2:
            penalty = penalty + self.l2 * (x * x).sum()
        return penalty

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    """Penalise non-orthogonal rows (or columns) of a 2-D weight: ``factor * mean_{i < j} |cos(w_i, w_j)|``.

    Args:
        factor: non-negative weight of the penalty, kept rounded to ``config.floatx()`` (float32 by default) as
            Keras 3 keeps it in a tensor (its config then reads ``0.009999999776482582`` for 0.01).
        mode: ``"rows"`` or ``"columns"``.

    >>> import tinygradconv as tg
    >>> round(OrthogonalRegularizer(1.0)(tg.tensor([[1.0, 0.0], [1.0, 1.0]])).item(), 5)  # cos(45 deg)
    0.70711
    """

    def __init__(self, factor=0.01, mode="rows"):
        self.factor = _in_floatx(_validate_float(factor, "factor"))
        if mode not in ("rows", "columns"):
            raise ValueError(f"Invalid value for argument `mode`. Expected one of {{'rows', 'columns'}}. "
                             f"Received: mode={mode!r}")
        self.mode = mode

    def __call__(self, x):
        x = _as_tensor(x)
        if x.ndim != 2:
            raise ValueError(f"Inputs to OrthogonalRegularizer must have rank 2. Received: inputs.shape={x.shape}")
        axis = 1 if self.mode == "rows" else 0
        eps = config.epsilon()
        norms = ((x * x).sum(axis=axis, keepdims=True).maximum(eps * eps)).sqrt()  # sqrt(max(|w|^2, eps^2))
        unit = x / norms
        gram = unit @ unit.T if self.mode == "rows" else unit.T @ unit
        size = gram.shape[0]
        off_diagonal = Tensor(1.0 - np.eye(size), dtype=dtype_name(x.dtype), backend=x.backend)
        pairs = size * (size - 1) / 2.0
        return self.factor * 0.5 * (gram * off_diagonal).abs().sum() / pairs

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode}


# ---------------------------------------------------------------------------------------------------------- lookup
_CLASSES = (L1, L2, L1L2, OrthogonalRegularizer)
# L1, l1, L2, l2, L1L2, l1l2, OrthogonalRegularizer, orthogonal_regularizer: Keras 3's names. Not "l1_l2" (Keras 3
# refuses it; tf.keras 2 read it as 0.01 and 0.01, where L1L2() is 0 and 0: a silent zero penalty).
ALL_OBJECTS = _lookup.name_table(_CLASSES)


def serialize(regularizer):
    """The config dict ``{"class_name": ..., "config": {...}}`` of a regularizer (None gives None)."""
    return _lookup.serialize(regularizer, "regularizer", Regularizer)


def deserialize(config: dict) -> Regularizer:
    """Rebuild a regularizer from :func:`serialize`'s output (Keras' extra keys are ignored)."""
    return _lookup.deserialize(config, ALL_OBJECTS, "regularizer")


def get(identifier):
    """A regularizer from a name (``"l2"``), a config dict, an instance, a class or a callable; None gives None.

    >>> get({"class_name": "L2", "config": {"l2": 0.1}})
    L2(l2=0.1)
    """
    return _lookup.get(identifier, ALL_OBJECTS, "regularizer", Regularizer)
