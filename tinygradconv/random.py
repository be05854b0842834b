"""One seeded random generator for the whole package: initializers, shuffling and dropout draw from it.

:func:`set_seed` is also ``tinygradconv.set_seed``, as ``keras.utils.set_random_seed`` is one call at the top.

>>> import tinygradconv as tg
>>> tg.set_seed(0); a = tg.random.generator().random()
>>> tg.random.set_seed(0); b = tg.random.generator().random()
>>> a == b
True
"""
from __future__ import annotations

import numpy as np

from .validation import integer

_state = {"generator": np.random.default_rng()}


def set_seed(seed: int) -> None:
    """Make every later random draw of tinygradconv (initializers, shuffling, dropout) repeatable.

    Available as ``tinygradconv.set_seed`` and ``tinygradconv.random.set_seed``. It seeds only tinygradconv's own
    generator, not NumPy's global one nor Python's ``random``.

    Raises:
        ValueError: ``seed`` is not a non-negative integer.
    """
    _state["generator"] = np.random.default_rng(integer(seed, "seed", minimum=0, type_error=ValueError))


def generator(seed=None) -> np.random.Generator:
    """The package's generator, or a fresh one seeded with ``seed`` when a seed is given."""
    if seed is None:
        return _state["generator"]
    return np.random.default_rng(seed)
