"""The state that resumable training needs besides the weights: the optimizer's step count and slots.

An optimizer keeps, for every variable it updates, slot arrays (Adam's moments ``m`` and ``v``, SGD's momentum, ...),
plus its step count ``iterations`` (which is also the position of a learning-rate schedule) and, for Nadam, a
running product. Without them a reloaded Adam starts again at step 0 with zero moments, and the first updates are
much larger than those of uninterrupted training.

:func:`optimizer_arrays` turns this state into plain NumPy arrays keyed ``"__optimizer__/<key>"`` (the keys of
``Optimizer.get_state``: ``iterations``, ``<i>/<slot>`` for the ``i``-th trainable weight, and the scalars), which
:mod:`tinygradconv.saving` writes next to the weights (no pickle); :func:`restore_optimizer` puts them back into the
compiled optimizer of a reloaded model. With both, training resumed from a file follows exactly the loss curve of
uninterrupted training (given the same data order: see ``tinygradconv.random.set_seed``).

:func:`move_model` moves a model's weights and its optimizer's state to another backend together (``model.to``).

>>> import numpy as np
>>> import tinygradconv as tg
>>> model = tg.models.Sequential([tg.layers.Dense(1)])
>>> model.compile("adam", "mse")
>>> _ = model.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=1, verbose=0)
>>> arrays = optimizer_arrays(model)
>>> int(arrays["__optimizer__/iterations"]), sorted(arrays)[:2]
(1, ['__optimizer__/0/m', '__optimizer__/0/v'])
"""
from __future__ import annotations

import numpy as np

from .backend import backend_of, dtype_name, get_backend

__all__ = ["OPTIMIZER_PREFIX", "move_model", "optimizer_arrays", "restore_optimizer"]

OPTIMIZER_PREFIX = "__optimizer__/"


def _has_state(optimizer) -> bool:
    return hasattr(optimizer, "get_state") and hasattr(optimizer, "set_state")


def optimizer_arrays(model) -> dict:
    """``{"__optimizer__/<key>": array}`` for the compiled optimizer of ``model`` (empty if there is none)."""
    optimizer = getattr(model, "optimizer", None)
    if not getattr(model, "compiled", False) or not _has_state(optimizer):
        return {}
    state = optimizer.get_state(model.trainable_weights)
    return {OPTIMIZER_PREFIX + key: np.asarray(value) for key, value in state.items()}


def split_optimizer_arrays(arrays) -> tuple:
    """``(weights, optimizer_state)``: the arrays of a file, the optimizer's keys without their prefix."""
    weights = {k: v for k, v in arrays.items() if not k.startswith(OPTIMIZER_PREFIX)}
    state = {k[len(OPTIMIZER_PREFIX):]: v for k, v in arrays.items() if k.startswith(OPTIMIZER_PREFIX)}
    # the step count and the scalars (keys without "/") are 0-d; a .npz writer may have stored them as shape (1,)
    state = {k: v.reshape(()) if "/" not in k and v.size == 1 else v for k, v in state.items()}
    return weights, state


def restore_optimizer(model, state, filepath="") -> None:
    """Put ``state`` (from :func:`split_optimizer_arrays`) into ``model.optimizer``; a mismatch is a ValueError."""
    if not state:
        return
    optimizer = getattr(model, "optimizer", None)
    if not _has_state(optimizer):
        return
    try:
        optimizer.set_state(model.trainable_weights, state)
    except ValueError as exc:
        raise ValueError(f"{filepath!r}: the saved optimizer state does not fit optimizer "
                         f"{type(optimizer).__name__} of model '{model.name}': {exc}") from None


def move_model(model, backend):
    """Move every weight of ``model`` (in place) and its optimizer's state to ``backend``; returns ``model``."""
    target = get_backend(backend)
    for weight in model.weights:
        if weight.backend is not target:
            array = weight.backend.to_numpy(weight.data)
            weight.data = target.asarray(array, dtype=dtype_name(weight.dtype))
            weight.backend = target
            weight.grad = None
    stack = [model]
    while stack:  # layers create any later weight on the backend of their first input: make it this one
        layer = stack.pop()
        layer._backend = target
        stack.extend(layer._sublayers())
    optimizer = getattr(model, "optimizer", None)
    for _, slots in getattr(optimizer, "_state", {}).values():
        for name, array in slots.items():
            source = backend_of(array)
            if source is not target:
                slots[name] = target.asarray(source.to_numpy(array), dtype=dtype_name(array.dtype))
    return model
