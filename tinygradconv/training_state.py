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

from .backend import Backend, backend_of, dtype_name, get_backend, known_backends
from .tensor import Tensor

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
    """Move every weight of ``model`` (in place) and everything its optimizer holds to ``backend``; returns
    ``model``.

    ``backend`` is a backend (or its name) or a PyTorch device name, as :meth:`~tinygradconv.Tensor.to` takes it
    (:func:`resolve_model_backend`). The optimizer's state is found by walking its attributes (dicts, lists,
    tuples, a wrapped optimizer such as a ``LossScaleOptimizer``'s ``inner_optimizer``): every Tensor it holds
    (``use_ema``'s moving averages) moves in place and every backend array (the slots) is replaced by a copy on
    ``backend``, so that an optimizer of your own keeps its state too.
    """
    from .optimizers.optimizer import Optimizer

    target = resolve_model_backend(model, backend)
    for weight in model.weights:
        _move_tensor(weight, target)
    stack = [model]
    while stack:  # layers create any later weight on the backend of their first input: make it this one
        layer = stack.pop()
        layer._backend = target
        stack.extend(layer._sublayers())
    optimizer = getattr(model, "optimizer", None)
    if isinstance(optimizer, Optimizer):
        _move_held(optimizer, target, {id(weight) for weight in model.weights})
    return model


def resolve_model_backend(model, backend):
    """The backend that ``model.to(backend)`` moves to: a backend or its name (``"numpy"``,
    ``"array_api_strict"``, ``"cupy"``), or PyTorch's device names as :meth:`~tinygradconv.Tensor.to` reads them
    (:func:`~tinygradconv.ops.shape.backend_of_device`): ``"cpu"`` keeps a model on a CPU backend and brings one
    from ``cupy`` to ``numpy``; ``"cuda"``, ``"cuda:N"`` and ``torch.device("cuda")`` are ``"cupy"``.

    Raises:
        TypeError: ``backend`` is not a name, a backend nor a ``torch.device``.
        ValueError: an unknown backend, or one that does not load here (CuPy without a GPU).
    """
    from .ops.shape import backend_of_device

    weights = model.weights
    current = weights[0].backend if weights else getattr(model, "_backend", None) or get_backend()
    name = backend_of_device(_OnBackend(current), backend)
    if name is None:            # "cpu" for a model already on a CPU backend: it stays
        return current
    if not isinstance(name, (str, Backend)):
        raise TypeError(f"Invalid type for argument `backend` of Model.to: expected a backend's name "
                        f"({list(known_backends())}), a device name ('cpu', 'cuda', 'cuda:0'), a torch.device or a "
                        f"Backend. Received backend={backend!r} of type {type(backend).__name__}")
    return get_backend(name)


class _OnBackend:
    """What :func:`~tinygradconv.ops.shape.backend_of_device` reads of a tensor (its ``backend``), for a model."""

    def __init__(self, backend):
        self.backend = backend


def _move_tensor(tensor, target):
    """Move ``tensor`` to ``target`` in place (same values and dtype); its gradient, of the old backend, is
    dropped."""
    if tensor.backend is not target:
        array = tensor.backend.to_numpy(tensor.data)
        tensor.data = target.asarray(array, dtype=dtype_name(tensor.dtype))
        tensor.grad = None


def _array_backend(value):
    """The backend of ``value`` when it is an array of a backend (not a NumPy scalar such as ``np.float32(1)``,
    which an optimizer may keep as a number); else None."""
    if isinstance(value, np.generic) or not (isinstance(value, np.ndarray) or hasattr(value, "__dlpack__")):
        return None
    try:
        return backend_of(value)
    except TypeError:
        return None


def _move_held(value, target, skip, memo=None):
    """``value`` with every Tensor and backend array it holds on ``target``: Tensors moved in place, arrays
    replaced in their dicts and lists (a tuple is rebuilt), optimizers walked through their attributes. Tensors
    whose id is in ``skip`` (the model's weights, moved already) and the variables an optimizer updates (another
    model's weights, keys of its ``_state``) stay where they are. ``memo`` (id -> (value, result)) walks each
    object once: an array held in two places becomes one array on ``target``, held in both."""
    memo = {} if memo is None else memo
    if id(value) in memo:
        return memo[id(value)][1]
    memo[id(value)] = (value, value)        # for now: a container that holds itself is walked once
    if isinstance(value, Tensor):
        if id(value) not in skip:
            _move_tensor(value, target)
    elif isinstance(value, dict):
        for key, item in value.items():
            value[key] = _move_held(item, target, skip, memo)
    elif isinstance(value, list):
        value[:] = [_move_held(item, target, skip, memo) for item in value]
    elif type(value) is tuple:
        memo[id(value)] = (value, tuple(_move_held(item, target, skip, memo) for item in value))
    elif _is_optimizer(value):
        variables = skip | set(getattr(value, "_state", {})) | set(getattr(value, "_excluded", {}))
        for name, item in list(vars(value).items()):
            moved = _move_held(item, target, variables, memo)
            if moved is not item:
                setattr(value, name, moved)
    else:
        source = _array_backend(value)
        if source is not None and source is not target:
            memo[id(value)] = (value, target.asarray(source.to_numpy(value), dtype=dtype_name(value.dtype)))
    return memo[id(value)][1]


def _is_optimizer(value):
    from .optimizers.optimizer import Optimizer

    return isinstance(value, Optimizer)
