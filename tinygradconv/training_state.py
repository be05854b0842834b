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

import collections
import warnings
import weakref

import numpy as np

from .backend import Backend, backend_of, dtype_name, get_backend, known_backends
from .tensor import Tensor
from .validation import caller_stacklevel

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
    of ``Optimizer.get_state``, and ``"__optimizer__/learning_rate"`` (0-d float64) when the rate is a number.
    Empty, with a warning, when the optimizer was built for other weights (a layer unfrozen since it trained: Keras
    saves such a model too, and training it again needs a new optimizer there as here)."""
    optimizer = getattr(model, "optimizer", None)
    if not getattr(model, "compiled", False) or optimizer is None:
        return {}
    try:
        state = optimizer.get_state(model.trainable_weights) if _has_state(optimizer) else {}
    except ValueError as error:     # built for other variables: a layer unfrozen since the last compile
        warnings.warn(f"The optimizer's state is not saved: {str(error).rstrip('.')}. The weights are; compile "
                      f"the model again (a new optimizer) to train the unfrozen layers, as Keras asks",
                      stacklevel=caller_stacklevel())
        return {}
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
    """Move every weight of ``model`` (in place) and the optimizer state that belongs to them to ``backend``;
    returns ``model``.

    ``backend`` is a backend (or its name) or a PyTorch device name, as :meth:`~tinygradconv.Tensor.to` takes it
    (:func:`resolve_model_backend`). The state of a weight follows the weight, as PyTorch's
    ``Optimizer.load_state_dict`` puts each parameter's state on that parameter's device:

    - the slots (``Optimizer.state_of``) and ``use_ema``'s moving average of each of the model's weights move, also
      those of a wrapped optimizer (a ``LossScaleOptimizer``'s ``inner_optimizer``). An optimizer compiled into
      another model too keeps the state of that model's weights where it is, so that both models train on.
    - every other Tensor or backend array the optimizer holds (an optimizer of your own) moves too. It is found in
      the optimizer's attributes, through dicts, lists and ``collections.deque`` (changed in place), tuples and
      their subclasses (a namedtuple is rebuilt with ``_make``; a tuple only when something in it moved), sets
      (their Tensors) and the optimizers held there. Other objects are not looked into.

    A Tensor moves in place; an array is replaced by one copy on ``backend``, wherever it is held. Nothing is
    copied or rebuilt for what is on ``backend`` already.

    Raises:
        ValueError: the optimizer holds the state of weights that ``model`` does not own (it was compiled into
            another model too) and arrays outside the per-weight state that are not on ``backend``: they may be
            the other model's. Nothing has moved then; compile each model with its own optimizer, or first move
            the model that owns those weights (which moves the arrays).
    """
    from .optimizers.optimizer import Optimizer

    weights = model.weights     # a walk over the layers: once
    target = resolve_model_backend(model, backend, weights)
    own = {id(weight) for weight in weights}
    optimizer = getattr(model, "optimizer", None)
    if not isinstance(optimizer, Optimizer):
        optimizer = None
    if optimizer is not None:
        _refuse_to_split_shared_state(model, optimizer, target, own)
    for weight in weights:
        _move_tensor(weight, target)
    stack = [model]
    while stack:  # layers create any later weight on the backend of their first input: make it this one
        layer = stack.pop()
        layer._backend = target
        stack.extend(layer._sublayers())
    if optimizer is not None:
        _Mover(target, own).walk(optimizer, own)
    return model


def resolve_model_backend(model, backend, weights=None):
    """The backend that ``model.to(backend)`` moves to: a backend or its name (``"numpy"``,
    ``"array_api_strict"``, ``"cupy"``), or PyTorch's device names as :meth:`~tinygradconv.Tensor.to` reads them
    (:func:`~tinygradconv.ops.shape.backend_of_device`): ``"cpu"`` keeps a model on a CPU backend and brings one
    from ``cupy`` to ``numpy``; ``"cuda"``, ``"cuda:N"`` and ``torch.device("cuda")`` are ``"cupy"``.
    ``weights``: ``model.weights`` when the caller has them already.

    Raises:
        TypeError: ``backend`` is not a name, a backend nor a ``torch.device``.
        ValueError: an unknown backend, or one that does not load here (CuPy without a GPU).
    """
    from .ops.shape import backend_of_device

    weights = model.weights if weights is None else weights
    current = weights[0].backend if weights else getattr(model, "_backend", None) or get_backend()
    name = backend_of_device(current, backend)
    if name is None:            # "cpu" for a model already on a CPU backend: it stays
        return current
    if not isinstance(name, (str, Backend)):
        raise TypeError(f"Invalid type for argument `backend` of Model.to: expected a backend's name "
                        f"({list(known_backends())}), a device name ('cpu', 'cuda', 'cuda:0'), a torch.device or a "
                        f"Backend. Received backend={backend!r} of type {type(backend).__name__}")
    return get_backend(name)


def _move_tensor(tensor, target):
    """Move ``tensor`` to ``target`` in place (same values and dtype); its gradient, of the old backend, is
    dropped."""
    if tensor.backend is not target:
        array = tensor.backend.to_numpy(tensor.data)
        tensor.data = target.asarray(array, dtype=dtype_name(tensor.dtype))
        tensor.grad = None


#: The attributes of an Optimizer that hold its state per variable, keyed by the variable's id (entries
#: ``(variable, state)``): only the entries of the model's own weights move.
_PER_VARIABLE = ("_state", "_averages")
#: Values that hold no array: not looked into.
_PLAIN = (str, bytes, int, float, complex, type(None), weakref.ref)


def _array_backend(value):
    """The backend of ``value`` when it is an array of a backend (not a NumPy scalar such as ``np.float32(1)``,
    which an optimizer may keep as a number); else None."""
    if isinstance(value, np.generic) or not (isinstance(value, np.ndarray) or hasattr(value, "__dlpack__")):
        return None
    try:
        return backend_of(value)
    except TypeError:
        return None


def _optimizers_in(optimizer):
    """``optimizer`` and the optimizers it holds in its attributes (a LossScaleOptimizer's inner one), each once."""
    from .optimizers.optimizer import Optimizer

    found, stack = {}, [optimizer]
    while stack:
        current = stack.pop()
        if id(current) not in found:
            found[id(current)] = current
            stack.extend(value for value in vars(current).values() if isinstance(value, Optimizer))
    return list(found.values())


def _refuse_to_split_shared_state(model, optimizer, target, own):
    """Raise the ValueError of :func:`move_model` when the optimizer holds state for weights that ``model`` does
    not own and arrays outside the per-weight state that would move."""
    foreign = {}
    for held in _optimizers_in(optimizer):
        for name in _PER_VARIABLE:
            foreign.update((key, entry[0]) for key, entry in vars(held).get(name, {}).items() if key not in own)
    if not foreign:
        return
    look = _Mover(target, own, dry_run=True)
    look.walk(optimizer, own)
    if look.found:
        names = [f"'{variable.path or variable.name}'" if variable.path or variable.name else "an unnamed one"
                 for variable in foreign.values()]
        listed = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        raise ValueError(
            f"Model.to: model '{model.name}' cannot move to '{target.name}' alone: its optimizer "
            f"{type(optimizer).__name__} '{optimizer.name}' holds the state of {len(foreign)} weights that the model "
            f"does not own ({listed}: it was compiled into another model too) and arrays of its own outside the "
            f"per-weight state, in {', '.join(sorted(set(look.found)))}, which may belong to that other model. "
            "Nothing has moved. Either compile each model with its own optimizer (a new instance), or first move "
            "the model that owns those weights to the same backend (it moves those arrays), then this one.")


class _Mover:
    """Walks what an optimizer holds (see :func:`move_model`): ``walk(value, skip)`` returns ``value`` with every
    Tensor and backend array in it on ``target``, the very same object when nothing in it moved. Tensors whose id
    is in ``skip`` (the model's weights, moved already, and the variables an optimizer updates) stay as they are;
    of the per-variable state of an optimizer only the entries of the weights in ``own`` are walked.

    ``memo`` (id -> result) walks each object once: an array held in two places becomes one array on ``target``,
    held in both, and a container that holds itself is walked once (``replaced`` keeps what was replaced alive
    until the walk ends, so that its id names no other object). What is on ``target`` already is neither
    remembered nor copied: a move that moves nothing creates no object. With ``dry_run`` nothing moves: ``found``
    lists the optimizer attributes where a Tensor or an array would move (outside the per-variable state, which a
    dry run does not walk)."""

    def __init__(self, target, own, dry_run=False):
        from .optimizers.optimizer import Optimizer  # imported when used, as in move_model

        self.target, self.own, self.dry_run, self.optimizer_class = target, own, dry_run, Optimizer
        self.memo, self.replaced, self.found, self.where = {}, [], [], ""

    def walk(self, value, skip):
        if isinstance(value, _PLAIN) or type(value) is self.target.array_type:     # nothing to move or remember
            return value
        if isinstance(value, Tensor) and value.backend is self.target:
            return value
        known = self.memo.get(id(value))
        if known is not None:
            return known
        self.memo[id(value)] = value     # for now: a container that holds itself is walked once
        result = self._moved(value, skip)
        if result is not value:
            self.memo[id(value)] = result
            self.replaced.append(value)
        return result

    def _moved(self, value, skip):
        if isinstance(value, Tensor):
            if id(value) not in skip and value.backend is not self.target:
                self._moving(lambda: _move_tensor(value, self.target))
            return value
        if isinstance(value, self.optimizer_class):
            self._walk_optimizer(value, skip)
            return value
        if isinstance(value, dict):
            for key, item in value.items():
                moved = self.walk(item, skip)
                if moved is not item:
                    value[key] = moved
            return value
        if isinstance(value, (list, collections.deque)):
            for index in range(len(value)):
                item = value[index]
                moved = self.walk(item, skip)
                if moved is not item:
                    value[index] = moved
            return value
        if isinstance(value, tuple):
            items = None        # the items of the new tuple, from the first that moved on
            for index in range(len(value)):
                item = value[index]
                moved = self.walk(item, skip)
                if items is None and moved is not item:
                    items = list(value[:index])
                if items is not None:
                    items.append(moved)
            if items is None:
                return value
            if type(value) is tuple:
                return tuple(items)
            return value._make(items) if hasattr(value, "_make") else type(value)(items)   # a namedtuple: _make
        if isinstance(value, (set, frozenset)):
            for item in value:      # arrays are not hashable: Tensors, moved in place
                self.walk(item, skip)
            return value
        source = _array_backend(value)
        if source is None or source is self.target:
            return value
        return self._moving(lambda: self.target.asarray(source.to_numpy(value), dtype=dtype_name(value.dtype)),
                            value)

    def _moving(self, move, unmoved=None):
        """``move()``, or in a dry run a note of where it would happen (and ``unmoved``)."""
        if self.dry_run:
            self.found.append(self.where)
            return unmoved
        return move()

    def _walk_optimizer(self, optimizer, skip):
        """The optimizer's attributes: its per-variable state for the model's own weights only (not in a dry run),
        everything else with the variables it updates in ``skip``."""
        attributes = vars(optimizer)
        variables = set(skip)
        for name in (*_PER_VARIABLE, "_excluded"):
            variables.update(attributes.get(name, {}))
        outer = self.where
        for name, item in list(attributes.items()):
            self.where = f"{outer}.{name}" if outer else name
            if name in _PER_VARIABLE:
                if not self.dry_run:
                    for key, (variable, held) in item.items():
                        if key in self.own:
                            moved = self.walk(held, variables)
                            if moved is not held:
                                item[key] = (variable, moved)
                continue
            moved = self.walk(item, variables)
            if moved is not item:
                setattr(optimizer, name, moved)
        self.where = outer
