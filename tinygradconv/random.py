"""One seeded random generator for the whole package: initializers, shuffling and dropout draw from it.

>>> import tinygradconv as tg
>>> tg.random.set_seed(0); a = tg.random.generator().random()
>>> tg.random.set_seed(0); b = tg.random.generator().random()
>>> a == b
True
"""
from __future__ import annotations

import numpy as np

from .validation import integer

_state = {"generator": np.random.default_rng()}


def set_seed(seed: int) -> None:
    """Make every later random draw of tinygradconv (initializers, shuffling, dropout) repeatable."""
    _state["generator"] = np.random.default_rng(integer(seed, "seed", minimum=0, type_error=ValueError))


def generator(seed=None) -> np.random.Generator:
    """The package's generator, or a fresh one seeded with ``seed`` when a seed is given."""
    if seed is None:
        return _state["generator"]
    return np.random.default_rng(seed)
