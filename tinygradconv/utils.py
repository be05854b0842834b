"""Helpers of ``keras.utils`` that toy scripts start with: ``to_categorical`` (class labels as one-hot rows) and
``set_random_seed`` (one call that makes a run repeatable); ``unpack_x_y_sample_weight`` and
``pack_x_y_sample_weight`` (the batch ``data`` of :meth:`~tinygradconv.models.Model.train_step` and its siblings, as
Keras packs it); and, as in ``keras.utils``, ``custom_object_scope``,
``get_custom_objects`` and ``register_keras_serializable`` (your own functions and classes, found by name when a
model is loaded), documented in :mod:`tinygradconv.saving`.

>>> from tinygradconv import utils
>>> utils.to_categorical([0, 2, 1]).tolist()
[[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]]
>>> utils.to_categorical([[1], [0]], num_classes=3).shape      # a trailing axis of 1 is dropped, as in Keras
(2, 3)
"""
from __future__ import annotations

import random as python_random

import numpy as np

from . import random as our_random
from ._lookup import (  # noqa: F401 -- as in keras.utils; documented in tinygradconv.saving
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)
from .validation import integer

__all__ = ["pack_x_y_sample_weight", "set_random_seed", "to_categorical", "unpack_x_y_sample_weight"]


def to_categorical(x, num_classes=None) -> np.ndarray:
    """One-hot rows for the integer class labels ``x``, as ``keras.utils.to_categorical``.

    Args:
        x: class labels, integers in ``[0, num_classes)`` (any shape; a trailing axis of size 1 is dropped when
            ``x`` has more than one axis). Whole floats such as ``2.0`` are accepted.
        num_classes: the number of classes; by default ``max(x) + 1``.

    Returns:
        A float64 NumPy array of shape ``x.shape + (num_classes,)`` with a 1.0 at each label, as Keras returns it.

    Raises:
        ValueError: labels that are not whole numbers, negative, or not below ``num_classes`` (Keras truncates
            ``1.5`` silently and lets a negative label count from the end); ``num_classes`` not a positive
            integer, or missing for empty ``x``.
        TypeError: ``x`` does not hold numbers.
    """
    labels = np.asarray(x)
    if labels.dtype.kind not in "biuf":
        raise TypeError(f"to_categorical: `x` must hold integer class labels. Received x of dtype {labels.dtype}")
    if labels.dtype.kind == "f" and not np.all(np.isfinite(labels) & (labels == np.round(labels))):
        raise ValueError(f"to_categorical: `x` must hold whole class labels. Received x={x!r}")
    labels = labels.astype(np.int64)
    shape = labels.shape[:-1] if labels.ndim > 1 and labels.shape[-1] == 1 else labels.shape
    if num_classes is None:
        if labels.size == 0:
            raise ValueError("to_categorical: `x` is empty, so `num_classes` must be given")
        num_classes = int(labels.max()) + 1
    num_classes = integer(num_classes, "num_classes", minimum=1, type_error=ValueError)
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(f"to_categorical: class labels must be in [0, {num_classes}). Received labels from "
                         f"{labels.min()} to {labels.max()}")
    flat = labels.reshape(-1)
    rows = np.zeros((flat.size, num_classes))          # memory for the result only (np.eye would be classes^2)
    rows[np.arange(flat.size), flat] = 1.0
    return rows.reshape(*shape, num_classes)


def set_random_seed(seed) -> None:
    """Seed Python's ``random``, NumPy's global generator and tinygradconv's own (initializers, shuffling, dropout),
    as ``keras.utils.set_random_seed`` seeds Python, NumPy and the backend.

    Raises:
        ValueError: ``seed`` is not a non-negative integer.
    """
    seed = integer(seed, "seed", minimum=0, type_error=ValueError)
    python_random.seed(seed)
    np.random.seed(seed)
    our_random.set_seed(seed)


def unpack_x_y_sample_weight(data) -> tuple:
    """``(x, y, sample_weight)`` from the ``data`` that ``fit``, ``evaluate`` and ``predict`` hand to
    :meth:`~tinygradconv.models.Model.train_step`, ``test_step`` and ``predict_step``, as
    ``keras.utils.unpack_x_y_sample_weight``: ``data`` is ``x`` alone, ``(x,)``, ``(x, y)`` or
    ``(x, y, sample_weight)`` (a list is read as a tuple); what is missing is None.

    Raises:
        ValueError: a tuple (or list) of more than 3 entries (Keras' message).

    >>> unpack_x_y_sample_weight(([1.0], [2.0]))
    ([1.0], [2.0], None)
    >>> unpack_x_y_sample_weight("x")
    ('x', None, None)
    """
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) in (1, 2, 3):
        return tuple(data) + (None,) * (3 - len(data))
    raise ValueError(f"Data is expected to be in format `x`, `(x,)`, `(x, y)`, or `(x, y, sample_weight)`, found: "
                     f"{data}")


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """The ``data`` of one batch as ``fit`` packs it, as ``keras.utils.pack_x_y_sample_weight``: ``x`` alone when
    there is no ``y`` (``(x,)`` when ``x`` is a list or tuple of inputs, so that it is not read as ``(x, y)``),
    ``(x, y)``, or ``(x, y, sample_weight)``. As in Keras, a ``sample_weight`` without ``y`` is dropped.

    >>> pack_x_y_sample_weight([1.0], [2.0])
    ([1.0], [2.0])
    >>> pack_x_y_sample_weight([[1.0], [2.0]])          # two inputs, no targets
    ([[1.0], [2.0]],)
    """
    if y is None:
        return (x,) if isinstance(x, (tuple, list)) else x
    if sample_weight is None:
        return x, y
    return x, y, sample_weight
