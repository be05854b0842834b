"""The state that resumable training needs besides the weights: the optimizer's step count and slots.

An optimizer keeps, for every variable it updates, slot arrays (Adam's moments ``m`` and ``v``, SGD's momentum, ...),
plus its step count ``iterations`` (which is also the position of a learning-rate schedule), its learning rate and,
for Nadam, a running product. Without them a reloaded Adam starts again at step 0 with zero moments, and the first
updates are much larger than those of uninterrupted training.

:func:`optimizer_arrays` turns this state into plain NumPy arrays keyed ``"__optimizer__/<key>"`` (the keys of
``Optimizer.get_state``: ``iterations``, ``<i>/<slot>`` for the ``i``-th trainable weight, and the scalars; and
``learning_rate``, the rate as a float64 number when it is one), which :mod:`tinygradconv.saving` writes next to
the weights (no pickle); :func:`restore_optimizer` puts them back into the compiled optimizer of a reloaded model.
With both, training resumed from a file follows exactly the loss curve of uninterrupted training (given the same
data order: see ``tinygradconv.random.set_seed``).

The learning rate is saved as Keras 3 saves it: Keras keeps a rate given as a number in a variable of the optimizer
(``optimizer.variables``: ``"adam/learning_rate"``), so a rate that a callback changed during ``fit``
(``ReduceLROnPlateau``, ``LearningRateScheduler``, ``optimizer.learning_rate.assign(...)``) is restored with the
step count and the moments. A schedule (``optimizers.schedules``) or a function is not a variable in Keras: it is
not saved here either (it is part of the optimizer's config, and its value follows from the restored step count).

:func:`move_model` moves a model's weights and its optimizer's state to another backend together (``model.to``).

>>> import numpy as np
>>> import tinygradconv as tg
>>> model = tg.models.Sequential([tg.layers.Dense(1)])
>>> model.compile("adam", "mse")
>>> _ = model.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=1, verbose=0)
>>> arrays = optimizer_arrays(model)
>>> int(arrays["__optimizer__/iterations"]), float(arrays["__optimizer__/learning_rate"]), sorted(arrays)[:2]
(1, 0.001, ['__optimizer__/0/m', '__optimizer__/0/v'])
"""
from __future__ import annotations

import numpy as np

from .backend import backend_of, dtype_name, get_backend

__all__ = ["OPTIMIZER_PREFIX", "move_model", "optimizer_arrays", "restore_optimizer"]

OPTIMIZER_PREFIX = "__optimizer__/"
#: The key of the learning rate among the optimizer's arrays (beside ``Optimizer.get_state``'s keys).
LEARNING_RATE = "learning_rate"


def _has_state(optimizer) -> bool:
    return hasattr(optimizer, "get_state") and hasattr(optimizer, "set_state")


def _rate_is_a_number(optimizer) -> bool:
    """Whether the optimizer's learning rate is a number (a variable in Keras), not a schedule or a function (an
    :class:`~tinygradconv.optimizers.Optimizer` keeps a number as a float; a ``LossScaleOptimizer``'s is the
    wrapped optimizer's)."""
    return isinstance(getattr(optimizer, "_learning_rate", None), float)


def optimizer_arrays(model) -> dict:
    """``{"__optimizer__/<key>": array}`` for the compiled optimizer of ``model`` (empty if there is none): the keys
    of ``Optimizer.get_state``, and ``"__optimizer__/learning_rate"`` (0-d float64) when the rate is a number."""
    optimizer = getattr(model, "optimizer", None)
    if not getattr(model, "compiled", False) or optimizer is None:
        return {}
    state = optimizer.get_state(model.trainable_weights) if _has_state(optimizer) else {}
    arrays = {OPTIMIZER_PREFIX + key: np.asarray(value) for key, value in state.items()}
    if _rate_is_a_number(optimizer):        # an optimizer of your own without get_state keeps its rate too
        arrays[OPTIMIZER_PREFIX + LEARNING_RATE] = np.asarray(float(optimizer.learning_rate), dtype=np.float64)
    return arrays


def split_optimizer_arrays(arrays) -> tuple:
    """``(weights, optimizer_state)``: the arrays of a file, the optimizer's keys without their prefix."""
    weights = {k: v for k, v in arrays.items() if not k.startswith(OPTIMIZER_PREFIX)}
    state = {k[len(OPTIMIZER_PREFIX):]: v for k, v in arrays.items() if k.startswith(OPTIMIZER_PREFIX)}
    # the step count and the scalars (keys without "/") are 0-d; a .npz writer may have stored them as shape (1,)
    state = {k: v.reshape(()) if "/" not in k and v.size == 1 else v for k, v in state.items()}
    return weights, state


def restore_optimizer(model, state, filepath="") -> None:
    """Put ``state`` (from :func:`split_optimizer_arrays`) into ``model.optimizer``: the step count, the slots and
    the scalars, and the learning rate when the state holds one (files written before 2026-12-07 do not: the rate
    stays as compiled). Nothing changes unless all of it fits.

    Raises:
        ValueError: a state that does not fit the optimizer (other keys or shapes), or a saved learning rate for an
            optimizer that follows a schedule or a function (Keras: another number of variables), or a saved rate
            that is not a number ``>= 0``.
    """
    if not state:
        return
    optimizer = getattr(model, "optimizer", None)
    state = dict(state)
    rate = state.pop(LEARNING_RATE, None)
    if optimizer is None or not _has_state(optimizer) and (rate is None or state):
        return

    def refuse(reason):
        return ValueError(f"{filepath!r}: the saved optimizer state does not fit optimizer "
                          f"{type(optimizer).__name__} of model '{model.name}': {reason}")

    if rate is not None:
        rate = np.asarray(rate)
        if not _rate_is_a_number(optimizer):
            current = getattr(optimizer, "_learning_rate", None)
            raise refuse(f"it holds a learning rate ({rate.tolist()!r}) where the optimizer follows a schedule or "
                         f"a function ({current!r}); compile the model with the optimizer it was saved with")
        if rate.shape != () or rate.dtype.kind != "f" or not np.isfinite(rate) or rate < 0:
            raise refuse(f"its learning rate is {rate.tolist()!r} ({rate.dtype}, shape {rate.shape}); expected "
                         "one float >= 0")
        compiled_rate = float(optimizer.learning_rate)
        try:
            optimizer.learning_rate = float(rate)   # first: an optimizer may refuse the rate (Ftrl: 0)
        except ValueError as exc:
            raise refuse(exc) from None
    if not _has_state(optimizer):       # an optimizer of your own: its rate only
        return
    if not getattr(optimizer, "built", True) and hasattr(optimizer, "_note_paths"):
        optimizer._note_paths(model)        # as Model.fit does: Muon's slots follow Keras' variable paths
    try:
        optimizer.set_state(model.trainable_weights, state)
    except Exception as exc:        # set_state changed nothing: neither does this
        if rate is not None:
            optimizer.learning_rate = compiled_rate
        if isinstance(exc, ValueError):
            raise refuse(exc) from None
        raise


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
