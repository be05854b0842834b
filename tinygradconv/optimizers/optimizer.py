"""The :class:`Optimizer` base class: gradient clipping, decoupled weight decay, the update loop and constraints.

One call of :meth:`Optimizer.apply` (or ``apply_gradients``, or ``step``) does, in Keras 3's order:

1. drop the variables whose gradient is ``None`` (error if all are);
2. clip the gradients with *one* of ``clipnorm`` (each gradient to norm ``<= clipnorm``: ``g * c / max(|g|, c)``),
   ``global_clipnorm`` (all gradients by the same factor ``c / max(global_norm, c)``) or ``clipvalue``
   (element-wise into ``[-c, c]``);
3. decoupled weight decay: ``w <- w * (1 - weight_decay * lr)`` (as Keras 3 on torch: an infinite weight stays
   infinite);
4. the optimizer's own update rule (:meth:`Optimizer.update_step`) with the current learning rate
   ``lr = schedule(iterations)``; then ``iterations += 1``;
5. project every updated variable with its ``constraint``: ``w <- constraint(w)``.

Variables are Tensors updated in place (their ``.data`` is replaced). The optimizer's state (moments, accumulators)
lives in plain backend arrays, one dict per variable keyed by ``id(variable)``, created with the variable's shape,
dtype and backend when the optimizer is built; the update rules use the Array API only, so they run on NumPy, CuPy
and array_api_strict.

As in Keras 3, an optimizer is built by its first :meth:`~Optimizer.apply` (or :meth:`~Optimizer.build`,
or :meth:`~Optimizer.set_state`) for the variables it is given, and from then on updates those only: a later call
may pass any of them (a frozen layer's weights left out), and a variable it was not built with is a ``ValueError``
(its step count, which bias-corrects Adam's first steps, belongs to the others). Create a new optimizer for a new
set of variables (a second model, a layer unfrozen after training).

>>> import tinygradconv as tg
>>> from tinygradconv.optimizers import SGD
>>> w = tg.tensor([2.0])
>>> w.constraint = lambda t: t.clip(None, 1.5)          # projected after the update
>>> _ = SGD(learning_rate=0.1, weight_decay=0.5, clipvalue=0.5).apply([tg.tensor([3.0])], [w])
>>> round(w.item(), 4)   # clip g to 0.5; decay 2 -> 1.9; update 1.9 - 0.05 = 1.85; constrain to 1.5
1.5
"""
from __future__ import annotations

import copy
import inspect
import math
import numbers
import re
import warnings
import weakref

import numpy as np

from .. import _lookup, in_place
from ..autograd import no_grad
from ..backend import dtype_name
from ..ops.elementwise import ieee754
from ..tensor import Tensor
from ..validation import FLOAT_DTYPES, flag, integer, number, refuse_foreign
from . import schedules as _schedules

_KERAS_ONLY = {"loss_scale_factor": None, "gradient_accumulation_steps": None}


class LearningRate:
    """What ``optimizer.learning_rate`` returns: a live view of the optimizer's learning rate (the rate of its next
    update), as the variable Keras 3 returns there (``keras.Variable``), so that Keras code works unchanged:
    ``model.optimizer.learning_rate.assign(1e-5)``, and a callback that keeps ``lr = optimizer.learning_rate`` and
    calls ``lr.assign(lr * 0.5)`` every epoch (each call halves the current rate). For an optimizer that follows a
    schedule or a function, it is the rate when it was read, as in Keras. It reads as its current value in
    arithmetic, comparisons, ``float()``, NumPy and printing; ``assign``, ``assign_add``, ``assign_sub``,
    ``numpy``, ``value`` and ``dtype`` are Keras' methods. A copy or a pickle of it is a plain float (of the value).

    >>> from tinygradconv.optimizers import SGD
    >>> opt = SGD(learning_rate=0.1)
    >>> rate = opt.learning_rate
    >>> rate.assign(rate * 0.5)
    >>> rate.assign(rate * 0.5)
    >>> rate, opt.learning_rate * 2
    (0.025, 0.05)
    """

    __slots__ = ("_optimizer", "_snapshot")

    def __init__(self, optimizer, snapshot=None):
        self._optimizer = optimizer
        self._snapshot = snapshot      # a schedule's or function's rate when read (Keras returns that value too)

    def __float__(self):
        return self._optimizer._current_rate() if self._snapshot is None else self._snapshot

    def assign(self, value):
        """Set the optimizer's learning rate to ``value`` (a number, or a 0-d NumPy array or tensor), as
        ``optimizer.learning_rate = value`` does (the same checks: a ``ValueError`` for a negative or infinite rate,
        a ``TypeError`` when the optimizer follows a schedule)."""
        self._optimizer.learning_rate = value

    def assign_add(self, delta):
        """Set the optimizer's learning rate to its value plus ``delta``."""
        self.assign(float(self) + _scalar(delta, "delta"))

    def assign_sub(self, delta):
        """Set the optimizer's learning rate to its value minus ``delta``."""
        self.assign(float(self) - _scalar(delta, "delta"))

    def numpy(self):
        """The value as a 0-d float64 NumPy array (Keras' variable gives a float32 one)."""
        return np.asarray(float(self))

    @property
    def value(self) -> float:
        """The value, as a plain float."""
        return float(self)

    @property
    def dtype(self) -> str:
        """``"float64"``: the rate is kept as a Python float (Keras keeps it in a float32 variable)."""
        return "float64"

    def __array__(self, dtype=None, copy=None):
        return np.asarray(float(self), dtype=dtype)

    def __reduce__(self):           # copy, deepcopy and pickle give the value, without the optimizer
        return float, (float(self),)

    def __repr__(self):
        return repr(float(self))

    def __format__(self, spec):
        return format(float(self), spec)

    def __bool__(self):
        return bool(float(self))

    def __hash__(self):
        return hash(float(self))

    def __round__(self, digits=None):
        return round(float(self), digits)

    def __neg__(self):
        return -float(self)

    def __abs__(self):
        return abs(float(self))


def _read_as_value(name):
    """The operator ``name`` of :class:`LearningRate`: that of its current value (``rate * 0.5``, ``rate < 1e-3``)."""
    operation = getattr(float, name)

    def method(self, other):
        if isinstance(other, LearningRate):
            other = float(other)
        return operation(float(self), other)

    method.__name__ = name
    return method


for _name in ("__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__truediv__", "__rtruediv__",
              "__floordiv__", "__rfloordiv__", "__mod__", "__rmod__", "__pow__", "__rpow__", "__eq__", "__ne__",
              "__lt__", "__le__", "__gt__", "__ge__"):
    setattr(LearningRate, _name, _read_as_value(_name))
del _name
numbers.Real.register(LearningRate)      # a number for `isinstance(rate, numbers.Real)` checks


def _scalar(value, name):
    """A number, or a 0-d NumPy array or tensor (``np.array(0.2)``, ``torch.tensor(0.2)``) as a float; a bool, a
    string or an array of several values raises the ``TypeError`` of :func:`~tinygradconv.validation.number`."""
    if not isinstance(value, (numbers.Real, str)) and getattr(value, "shape", None) == () and \
            "bool" not in str(getattr(value, "dtype", "")):
        try:
            value = float(value)
        except (TypeError, ValueError):
            pass
    return float(number(value, name))


class Optimizer:
    """Base class of every optimizer.

    Args:
        learning_rate: a float ``>= 0``, a :class:`~tinygradconv.optimizers.schedules.LearningRateSchedule`, or a
            callable taking no arguments.
        weight_decay: if set, a number ``>= 0``: decoupled weight decay ``w *= 1 - weight_decay * lr`` before each
            update.
        clipnorm: if set, each gradient is rescaled to an L2 norm of at most this value.
        clipvalue: if set, each gradient is clipped element-wise into ``[-clipvalue, clipvalue]``.
        global_clipnorm: if set, all gradients are rescaled together to a global L2 norm of at most this value.
            A limit of 0 clips nothing, as in Keras 3 (only one of the three may be set, whatever its value); a
            negative one is refused (Keras ignores it as it ignores 0).
        use_ema: keep an exponential moving average (EMA, "Polyak averaging") of each variable the optimizer is
            built with, as Keras 3 (PyTorch has no such argument: ``torch.optim.swa_utils.AveragedModel`` does it
            beside the optimizer). After each step's update (before ``iterations`` counts it, and before the
            constraints), ``average <- m * average + (1 - m) * w`` in the weight's dtype, with ``m = ema_momentum``
            and ``m = 0`` at the first step (``iterations == 0``: the average starts as the weight); the averages
            start at zero when the optimizer is built. They are :attr:`ema_weights` and, named
            ``"<name>/<variable path>_average"``, the entries of :attr:`variables` right after the learning rate;
            :meth:`finalize_variable_values` (called by ``Model.fit`` at its end, as Keras) writes them into the
            weights, and :class:`~tinygradconv.callbacks.SwapEMAWeights` evaluates on them.
        ema_momentum: ``m`` above, a number in ``[0, 1]`` (default 0.99).
        ema_overwrite_frequency: None (default), or every this many steps the weights are set to their averages
            (after the average's update of the step whose ``iterations + 1`` is a multiple of it).
        name: the optimizer's name; by default Keras 3's, the class name in snake case (``"sgd"``, ``"rm_sprop"``,
            ``"adam"``, ``"adam_w"``, ...) made unique as Keras makes it (``auto_name``), by the counter that names
            layers: the first ``Adam()`` of a session is ``"adam"``, the next ``"adam_1"``, ``"adam_2"``, ... (a
            name given, or read from a config, is kept and counts nothing). Any name reads back: older files hold
            ``"SGD"``, ``"rmsprop"``, ``"adamw"``, this library's defaults before it followed Keras.

    Raises:
        ValueError: for an out-of-range hyperparameter, when more than one of ``clipnorm``, ``clipvalue`` and
            ``global_clipnorm`` is set, or for an argument the optimizer does not have (e.g. Keras 2's ``lr``), as
            Keras 3 ("Argument(s) not recognized"). Keras' ``loss_scale_factor`` and
            ``gradient_accumulation_steps`` are accepted with their default value (None) only (the features are not
            implemented). ``ema_momentum`` outside ``[0, 1]`` (Keras' ``ValueError``, "must be in the range
            [0, 1]") and ``ema_overwrite_frequency`` below 1 are refused whether or not ``use_ema`` is set (Keras
            checks them with ``use_ema=True`` only, and takes an ``ema_overwrite_frequency`` of 0 as None).
        TypeError: ``use_ema`` not a bool, ``ema_momentum`` not a number, ``ema_overwrite_frequency`` not an
            integer (Keras: a ``ValueError`` for a float); a list, tuple, dict or generator first, PyTorch's
            ``Adam(params, lr=0.01)`` or ``Adam(params, learning_rate=0.1)`` (one message for both, where Python
            says "got multiple values for argument 'learning_rate'" and Keras too).

    Source: Keras 3 documentation, ``keras.optimizers.Optimizer`` (https://keras.io/api/optimizers/) and its
    ``use_ema`` arguments; Keras 3.15's ``BaseOptimizer`` was run to compare the averages, their names and order.

    >>> import tinygradconv as tg
    >>> from tinygradconv.optimizers import SGD
    >>> w = tg.tensor([1.0])
    >>> opt = SGD(learning_rate=0.5, use_ema=True, ema_momentum=0.75)
    >>> for _ in range(3):
    ...     _ = opt.apply([tg.tensor([1.0])], [w])
    >>> w.item(), opt.ema_weights[0].item()    # weights 0.5, 0, -0.5; averages 0.5, 0.375, 0.15625
    (-0.5, 0.15625)
    >>> opt.finalize_variable_values([w]); w.item()
    0.15625

    Subclasses define :meth:`update_step` (and :meth:`build_state` for their per-variable arrays).
    """

    def __new__(cls, *args, **kwargs):
        # PyTorch's order, Adam(params, lr=0.01) or Adam(params, learning_rate=0.1): one message for both, before
        # Python's "got multiple values for argument 'learning_rate'" or the message about `lr` alone
        if args and _looks_like_parameters(args[0]) and _takes_learning_rate_first(cls):
            _refuse_parameters(args[0], cls.__name__, kwargs)
        return super().__new__(cls)

    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None, name=None, **kwargs):
        for key, default in _KERAS_ONLY.items():  # Keras' own features: accepted only with their default values
            if key in kwargs:
                value = kwargs.pop(key)
                if value != default:
                    raise ValueError(f"Argument `{key}` is not supported by tinygradconv optimizers. "
                                     f"Received: {key}={value!r}")
        if kwargs:  # Keras' ValueError and message, plus what this optimizer takes (and Keras 2's `lr`)
            takes = [p for p in inspect.signature(type(self).__init__).parameters if p not in ("self", "kwargs")]
            takes += [p for p in ("weight_decay", "clipnorm", "clipvalue", "global_clipnorm", "use_ema", "ema_momentum",
                                  "ema_overwrite_frequency") if p not in takes]
            hint = "".join(f" (`{key}` is {said})" for key, said in _OTHER_NAMES.items() if key in kwargs)
            raise ValueError(f"Argument(s) not recognized: {kwargs}{hint}. {type(self).__name__} takes: "
                             f"{', '.join(takes)}.")
        for arg, value in (("clipnorm", clipnorm), ("clipvalue", clipvalue), ("global_clipnorm", global_clipnorm)):
            if value is not None:   # 0: no clipping, as Keras 3 (`if self.clipnorm > 0`), which ignores a negative too
                number(value, arg, low=0)
        if sum(v is not None for v in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError("Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. Received: "
                             f"clipnorm={clipnorm}, clipvalue={clipvalue}, global_clipnorm={global_clipnorm}")
        self.weight_decay = weight_decay        # checked by the property's setter
        self.use_ema = flag(use_ema, "use_ema")
        # checked whether or not use_ema is set (Keras checks them only with use_ema=True)
        self.ema_momentum = number(ema_momentum, "ema_momentum", low=0, high=1,
                                   expected="a number in the range [0, 1]")
        self.ema_overwrite_frequency = integer(ema_overwrite_frequency, "ema_overwrite_frequency", minimum=1,
                                               optional=True)
        if name is not None and (not isinstance(name, str) or "/" in name):   # Keras' rule and message
            raise ValueError(f"Argument `name` must be a string and cannot contain character `/`. Received: "
                             f"name={name}")
        # Keras' default: the class name in snake case (an optimizer of your own, `MyOpt` -> "my_opt"), made unique
        # by the counter that names layers, as Keras' auto_name: "adam", then "adam_1", "adam_2", ... (a name given,
        # or read from a config, is kept as it is and counts nothing)
        if name is None:
            from ..layers.layer import unique_name  # (here: `import tinygradconv.optimizers` stays light)
            name = unique_name(_lookup.snake_case(type(self).__name__))
        self.name = name
        self.clipnorm, self.clipvalue, self.global_clipnorm = clipnorm, clipvalue, global_clipnorm
        self.iterations = 0
        self._learning_rate = self._check_learning_rate(learning_rate)
        self._state = {}  # id(variable) -> (variable, {slot name: backend array}); the variable keeps its id alive
        self._averages = {}  # use_ema: id(variable) -> (variable, Tensor holding its moving average)
        self.built = False  # True once the variables are known (the keys of _state): the first apply builds
        self._excluded, self._exclude_patterns = {}, ()   # id(variable) -> variable, kept out of weight decay
        # id(variable) -> (weak reference to the variable, Keras' variable.path), from _note_paths: weak, so that
        # the weights of a model deleted while this optimizer lives (one shared by several models) are freed
        self._paths = {}

    def __getstate__(self):
        """The optimizer's attributes for a copy, without the model that :meth:`_note_model` remembers (a weak
        reference, which neither ``pickle`` nor ``copy`` carries: the copy keeps the paths learnt so far)."""
        state = dict(self.__dict__)
        state.pop("_paths_models", None)
        # the paths with the variables themselves (a weak reference is neither pickled nor copied with its
        # variable); __setstate__ makes them weak again, on the copies
        state["_paths"] = {key: (entry[0](), *entry[1:]) for key, entry in self.__dict__.get("_paths", {}).items()
                           if entry[0]() is not None}
        return state

    def __setstate__(self, state):
        """Restore a copy (``copy.deepcopy``, ``pickle``) of the optimizer: its state and exclusions are keyed by
        ``id(variable)``, so they are keyed again by the ids of the copied variables (copied with it, as the
        variables of a model copied together with its optimizer are the model's own copies)."""
        self.__dict__.update(state)
        self._state = {id(entry[0]): entry for entry in self._state.values()}
        self._paths = {id(entry[0]): (weakref.ref(entry[0]), *entry[1:])
                       for entry in self.__dict__.get("_paths", {}).values()}
        self._averages = {id(entry[0]): entry for entry in self.__dict__.get("_averages", {}).values()}
        self._excluded = {id(v): v for v in self._excluded.values()}

    # ------------------------------------------------------------------ weight decay
    @property
    def weight_decay(self):
        """The decoupled weight decay (``w *= 1 - weight_decay * lr`` before each update), or None for none.

        Settable after construction, with the constructor's checks and messages (Keras 3 checks it in neither
        place: an infinite decay drives every weight to -inf or NaN, a negative one makes them grow). A refused
        value leaves the decay unchanged.

        Raises:
            ValueError: a negative number, NaN or an infinity (None for :class:`~tinygradconv.optimizers.AdamW`,
                which requires one).
            TypeError: not a real number (a string, a bool).

        >>> from tinygradconv.optimizers import SGD
        >>> opt = SGD()
        >>> opt.weight_decay = 0.01
        >>> opt.weight_decay = float("inf")
        Traceback (most recent call last):
        ...
        ValueError: Invalid value for argument `weight_decay`. Expected a finite number >= 0. Received weight_decay=inf
        """
        return self._weight_decay

    @weight_decay.setter
    def weight_decay(self, value):
        self._weight_decay = self._check_weight_decay(value)

    def _check_weight_decay(self, value):
        """``value`` if it is None or a finite number ``>= 0`` (an infinite one would drive every weight to -inf or
        NaN); else the ``ValueError`` or ``TypeError`` of :func:`~tinygradconv.validation.number`."""
        return None if value is None else number(value, "weight_decay", low=0, finite=True)

    # ------------------------------------------------------------------ learning rate
    @staticmethod
    def _check_learning_rate(learning_rate):
        if isinstance(learning_rate, _schedules.LearningRateSchedule):
            return learning_rate
        _refuse_parameters(learning_rate)
        if callable(learning_rate):      # Keras' schedules failed at the first step: "missing ... argument: 'step'"
            refuse_foreign(learning_rate, "learning rate schedule", "a number, a schedule of "
                                                                   "tinygradconv.optimizers.schedules or a function")
            return learning_rate
        rate = _scalar(learning_rate, "learning_rate")          # Keras also takes a 0-d array or tensor
        return float(number(rate, "learning_rate", low=0, finite=True))

    @property
    def learning_rate(self) -> LearningRate:
        """The learning rate of the next update (a schedule is evaluated at ``iterations``), as a live
        :class:`LearningRate` with Keras' ``assign``: ``optimizer.learning_rate.assign(1e-4)`` is
        ``optimizer.learning_rate = 1e-4``."""
        return LearningRate(self, self._current_rate() if callable(self._learning_rate) else None)

    def _current_rate(self) -> float:
        """The learning rate of the next update, a float; a schedule or function that gives a negative, infinite,
        NaN or non-number rate raises a ``ValueError`` naming it (it would climb the gradient, or make every
        weight NaN)."""
        lr = self._learning_rate
        if isinstance(lr, _schedules.LearningRateSchedule):
            lr = lr(self.iterations)
        elif callable(lr):
            lr = lr()
        else:
            return lr
        try:
            rate = _scalar(lr, "learning_rate")
        except (TypeError, ValueError):        # not a number, or NaN
            rate = None
        if rate is None or not 0 <= rate < math.inf:
            raise ValueError(f"Invalid learning rate: the `learning_rate` {self._learning_rate!r} gave {lr!r} at "
                             f"iteration {self.iterations}; expected a finite number >= 0")
        return rate

    @learning_rate.setter
    def learning_rate(self, value):
        if isinstance(self._learning_rate, _schedules.LearningRateSchedule) and \
                not isinstance(value, _schedules.LearningRateSchedule) and not callable(value):
            raise TypeError("This optimizer was created with a `LearningRateSchedule` object as its `learning_rate` "
                            "constructor argument, hence its learning rate is not settable. Received: "
                            f"learning_rate={value!r}")
        self._learning_rate = self._check_learning_rate(value)

    # ------------------------------------------------------------------ state
    @property
    def iterations(self) -> int:
        """The number of updates done so far: the step a schedule is evaluated at, and (plus one) the step of
        Adam's bias correction. Settable (Keras' is read-only) to an integer ``>= 0``; anything else is a
        ``TypeError`` (a float, even whole) or ``ValueError`` (a negative one) naming ``iterations``."""
        return self._iterations

    @iterations.setter
    def iterations(self, value):
        self._iterations = integer(value, "iterations", minimum=0)

    def build_state(self, variable, xp) -> dict:
        """The per-variable arrays of this optimizer (e.g. ``{"m": zeros, "v": zeros}``); none by default."""
        return {}

    def build(self, variables):
        """Create the state of ``variables`` (Tensors), the only ones this optimizer will update, as Keras 3's
        ``build``; the first :meth:`apply` calls it with the variables it is given.

        Raises:
            ValueError: the optimizer is already built (create a new one for other variables), or a variable is
                given twice (as PyTorch's optimizers refuse a parameter given twice; Keras builds two sets of
                slots for it).
        """
        variables = list(variables)
        _check_distinct(variables, "build")
        if self.built:
            raise ValueError(f"Optimizer '{self.name}' is already built, for {len(self._state)} variables. "
                             "When working with a new set of variables, create a new optimizer instance.")
        self._state = {id(v): (v, self.build_state(v, v.backend.xp)) for v in variables}
        if self.use_ema:        # the averages start at zero, as Keras' (the first step sets them to the weights)
            self._averages = {id(v): (v, _average_tensor(v, v.backend.xp.zeros_like(v._data))) for v in variables}
        self.built = True

    def _note_paths(self, model):
        """Learn Keras 3's ``variable.path`` of each weight of ``model``
        (:func:`~tinygradconv.keras_format.keras_variable_paths`: ``"sequential/dense/kernel"`` for the weight
        ``"dense/kernel"`` of a Sequential model), which :meth:`_path_of` gives. ``Model.fit`` (before its first
        step) and the loaders of a compiled model's state call it before the optimizer is built, as Keras builds it
        on the model's variables; :class:`~tinygradconv.optimizers.Muon` matches ``exclude_layers`` with them."""
        from ..keras_format import keras_variable_paths

        # added to those learnt before: an optimizer shared by several models knows the paths of each one's weights
        # (those of a model since freed are dropped: their ids may be reused)
        self._paths = {key: entry for key, entry in self._paths.items() if entry[0]() is not None}
        self._paths.update({id(weight): (weakref.ref(weight), path) for weight, path in keras_variable_paths(model)})

    def _note_model(self, model):
        """Remember ``model`` (weakly: it is still garbage-collected), one of the models compiled with this
        optimizer (each is remembered, for an optimizer shared by several): :meth:`_path_of` learns the Keras
        paths of their weights (:meth:`_note_paths`) when asked for a weight it has no path for yet, so the paths
        hold whatever runs the step (a ``train_step`` of your own, ``train_on_batch``, ``apply`` called by hand),
        as Keras' ``variable.path`` belongs to the variable itself. ``Model.compile`` calls it."""
        models = [ref for ref in self.__dict__.get("_paths_models", []) if ref() is not None]
        if all(ref() is not model for ref in models):
            models.append(weakref.ref(model))
        self._paths_models = models
        # a weight asked for before its model was compiled kept its name: looked up again
        self._paths = {key: entry for key, entry in self._paths.items() if len(entry) == 2}

    def _path_of(self, variable) -> str:
        """Keras' ``variable.path`` of ``variable``: its own ``path`` (a layer's weight,
        :meth:`~tinygradconv.layers.Layer.add_weight`); for a Tensor without one, the path :meth:`_note_paths`
        learnt from a model, else its name."""
        def known(entry):
            return entry is not None and entry[0]() is variable

        if variable.path:       # a layer's weight knows its own path (Layer.add_weight), as a Keras variable does
            return variable.path
        entry = self._paths.get(id(variable))
        if not known(entry):
            models = [ref() for ref in self.__dict__.get("_paths_models", [])]
            for model in filter(None, models):
                self._note_paths(model)
                entry = self._paths.get(id(variable))
                if known(entry):
                    break
            else:
                if any(models):     # a weight of none of the models: its name, kept (marked, see _note_model)
                    entry = self._paths[id(variable)] = (weakref.ref(variable), variable.name or "", "name")
        return entry[1] if known(entry) else (variable.name or "")

    def _check_variables_are_known(self, variables):
        """Keras 3's check: once built, the optimizer updates only the variables it was built with."""
        for v in variables:
            if id(v) not in self._state:
                described = f"'{label(v)}'" if label(v) else "an unnamed one"
                count = f"{len(self._state)} variable{'s' if len(self._state) != 1 else ''}"
                raise ValueError(f"Unknown variable: {described} of shape {v.shape}. Optimizer '{self.name}' can "
                                 f"only be called for the variables it was originally built with ({count}, when it was "
                                 f"built; {self.iterations} updates so far). When working with a new set of "
                                 "variables (another model, a layer unfrozen since), create a new "
                                 "optimizer instance, e.g. model.compile(optimizer=Adam(...)) with a new Adam.")

    def state_of(self, variable) -> dict:
        """The state arrays of ``variable`` (updated in place by each step); before the optimizer is built, the
        initial state it would start from (new arrays, not kept).

        Raises:
            ValueError: the optimizer is built, for other variables.
        """
        if not self.built:
            return self.build_state(variable, variable.backend.xp)
        self._check_variables_are_known([variable])
        return self._state[id(variable)][1]

    scalar_state = ()  # names of per-optimizer float attributes that are state (Nadam: the momentum product)
    #: Keras 3's names of the slots of :meth:`build_state`, in the order Keras creates them: groups of ``(key,
    #: Keras name)``, each group made for every variable in turn (Adam: ``kernel_momentum``, ``kernel_velocity``,
    #: ``bias_momentum``, ... then the ``velocity_hat`` group). None: every slot under its own key, variable by
    #: variable (an optimizer of your own).
    keras_slots = None

    @property
    def variables(self) -> list:
        """The optimizer's own state, as Keras 3's ``optimizer.variables`` lists it, in its order: the step count
        ``iterations`` (named ``"<name>/iteration"``), the learning rate when it is a number
        (``"<name>/learning_rate"``; not for a schedule or a function, as Keras), then with ``use_ema=True`` the
        moving average of each variable (``"<name>/<variable path>_average"``), then the slots of each variable the
        optimizer was built with, group by group as Keras creates them, then any scalar state (Nadam's
        ``"<name>/u_product"``, an unnamed variable in Keras). Before the optimizer is built, only the first two.

        Each item's ``.name`` and ``.path`` are Keras': ``"iteration"`` and ``"adam/iteration"`` (the path starts
        with the optimizer's name: the second ``Adam()`` of a session is ``"adam_1"``, so ``"adam_1/iteration"``).
        A slot is named as Keras names it, ``"<variable path>_<slot>"`` with the ``"/"`` of the weight's path
        written ``"_"`` (its path ``"<name>/<that>"``): the weight of path ``"sequential/dense_1/kernel"`` gives
        the name ``"sequential_dense_1_kernel_momentum"`` and the path ``"adam/sequential_dense_1_kernel_momentum"``.
        A Tensor that is not a layer's weight has no path: its ``name`` is used, ``"variable"`` for an unnamed one; a
        name met again (two unnamed variables) is numbered ``"variable_1"``, ``"variable_2"``, ... in the order of the
        variables, as Keras numbers its unnamed variables, so that every name is unique.

        Read-only (assigning it is an ``AttributeError``, as Keras). Each item is a new Tensor holding a copy of the
        value when read (Keras returns its live variables; use :meth:`get_state`/:meth:`set_state` to change the
        state), on the backend of the variables it updates (after ``model.to("array_api_strict")``, that one; the
        default backend before it is built). The step count is int64 and the rates float64 here (Keras: int32 and
        float32).

        Source: Keras 3, ``keras.optimizers.Optimizer.variables`` (https://keras.io/api/optimizers/); the order and
        the names were compared with Keras 3.15's for every optimizer here, for standalone variables and a
        functional model's weights, and the names and paths of Adam's for a nested model's weights
        (``tests/test_variable_paths.py``).

        >>> import tinygradconv as tg
        >>> from tinygradconv.optimizers import Adam
        >>> kernel = tg.tensor([1.0, 2.0], requires_grad=True)
        >>> kernel.name = "dense/kernel"
        >>> opt = Adam(learning_rate=0.01, name="adam")
        >>> [v.path for v in opt.variables]
        ['adam/iteration', 'adam/learning_rate']
        >>> opt.build([kernel])
        >>> [v.name for v in opt.variables]
        ['iteration', 'learning_rate', 'dense_kernel_momentum', 'dense_kernel_velocity']
        >>> opt.variables[2].path
        'adam/dense_kernel_momentum'
        >>> opt.variables[0].item(), opt.variables[1].item(), opt.variables[2].tolist()
        (0, 0.01, [0.0, 0.0])
        """
        entries = list(self._state.values())
        # the step count, the rate and the scalar state live with the variables (after ``model.to``, on its
        # backend); before the optimizer is built no variable is known: the default backend
        home = entries[0][0].backend if entries else None

        def named(value, name, dtype, backend=home):
            tensor = Tensor(value, dtype=dtype, backend=backend)
            tensor.name, tensor.path = name, f"{self.name}/{name}"
            return tensor

        out = [named(self.iterations, "iteration", "int64")]
        if not callable(self._learning_rate):
            out.append(named(self._learning_rate, "learning_rate", "float64"))
        if not self.built:
            return out
        paths = _slot_prefixes([v for v, _ in entries])
        out += [named(self._averages[id(v)][1]._data, f"{path}_average", dtype_name(v.dtype), v.backend)
                for (v, _), path in zip(entries, paths) if id(v) in self._averages]
        groups = self.keras_slots
        if groups is None:
            out += [named(array, f"{path}_{key}", dtype_name(array.dtype), v.backend)
                    for (v, state), path in zip(entries, paths) for key, array in state.items()]
        else:
            for group in groups:
                out += [named(state[key], f"{path}_{slot}", dtype_name(state[key].dtype), v.backend)
                        for (v, state), path in zip(entries, paths) for key, slot in group if key in state]
        out += [named(float(getattr(self, name)), name, "float64") for name in self.scalar_state]
        return out

    def _keras_unbuilt_keys(self) -> list:
        """What each entry of :attr:`variables` holds before the optimizer is built (a ``.keras`` file of a model
        compiled but never trained holds these): ``"iterations"``, then ``"learning_rate"`` when it is a number."""
        return ["iterations"] + ([] if callable(self._learning_rate) else ["learning_rate"])

    def _keras_variable_keys(self, variables) -> list:
        """What each entry of :attr:`variables` would hold for this optimizer built on ``variables``, in Keras 3's
        order (the order of the ``optimizer/vars`` datasets of a ``.keras`` file): ``"iterations"``,
        ``"learning_rate"`` (a number only), ``(i, "average")`` for the average of ``variables[i]`` (``use_ema``),
        ``(i, slot)`` for the slot ``slot`` of ``variables[i]``, group by group
        as Keras creates them, then the names of the scalar state. Before the optimizer is built, :attr:`variables`
        holds the first one or two only."""
        keys = self._keras_unbuilt_keys()
        keys += [(i, "average") for i in range(len(variables))] if self.use_ema else []
        fresh = [self.build_state(v, v.backend.xp) for v in variables]
        groups = self.keras_slots
        if groups is None:
            keys += [(i, slot) for i, state in enumerate(fresh) for slot in state]
        else:
            for group in groups:
                keys += [(i, slot) for i, state in enumerate(fresh) for slot, _ in group if slot in state]
        return keys + list(self.scalar_state)

    def get_state(self, variables) -> dict:
        """The state as NumPy arrays: ``"iterations"``, ``"<i>/<slot>"`` for ``variables[i]`` (with ``use_ema``,
        ``"<i>/average"``, its moving average) and any scalars.

        With :meth:`set_state` (on a fresh optimizer and the same variables, in the same order) training resumes
        exactly where it stopped.
        """
        state = {"iterations": np.asarray(self.iterations)}
        state.update({name: np.asarray(getattr(self, name)) for name in self.scalar_state})
        for i, v in enumerate(variables):
            for slot, array in self.state_of(v).items():
                state[f"{i}/{slot}"] = v.backend.to_numpy(array)
            if self.use_ema:
                average = self._averages.get(id(v))
                state[f"{i}/average"] = (v.backend.to_numpy(average[1]._data) if average is not None
                                         else np.zeros(v.shape, dtype_name(v.dtype)))
        return state

    def set_state(self, variables, state):
        """Restore :meth:`get_state`'s output; the keys and shapes must match exactly, and ``"iterations"`` be an
        integer ``>= 0`` (else ``ValueError``, or ``TypeError`` for a non-integer step count), checked before
        anything changes. An optimizer not built yet is built for ``variables``; a built one takes only variables
        it was built with."""
        variables = list(variables)
        _check_distinct(variables, "set_state")
        if self.built:
            self._check_variables_are_known(variables)
        expected = {"iterations", *self.scalar_state}
        expected.update(f"{i}/{slot}" for i, v in enumerate(variables) for slot in self.build_state(v, v.backend.xp))
        expected.update(f"{i}/average" for i in range(len(variables)) if self.use_ema)
        if set(state) != expected:
            raise ValueError(f"Optimizer state keys do not match: missing {sorted(expected - set(state))}, "
                             f"unexpected {sorted(set(state) - expected)}")
        iterations = np.asarray(state["iterations"])
        iterations = integer(iterations.item() if iterations.ndim == 0 else iterations, "iterations", minimum=0)
        arrays, averages = {}, {}
        for i, v in enumerate(variables):
            fresh = self.build_state(v, v.backend.xp)
            for slot, array in fresh.items():
                value = np.asarray(state[f"{i}/{slot}"])
                if tuple(value.shape) != tuple(array.shape):
                    raise ValueError(f"Optimizer state '{i}/{slot}' has shape {value.shape}; expected "
                                     f"{tuple(array.shape)}")
                fresh[slot] = v.backend.asarray(value, dtype=dtype_name(array.dtype))
            arrays[id(v)] = (v, fresh)
            if self.use_ema:
                value = np.asarray(state[f"{i}/average"])
                if tuple(value.shape) != v.shape:
                    raise ValueError(f"Optimizer state '{i}/average' has shape {value.shape}; expected {v.shape}")
                averages[id(v)] = v.backend.asarray(value, dtype=dtype_name(v.dtype))
        if not self.built:
            self.build(variables)
        self._state.update(arrays)
        for key, array in averages.items():
            self._averages[key][1]._data = array
        self.iterations = iterations
        for name in self.scalar_state:
            setattr(self, name, float(state[name]))

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Skip weight decay for the variables in ``var_list`` and for those whose name matches one of the regular
        expressions ``var_names`` (found anywhere in it: ``re.search``), as Keras 3: ``["bias"]`` excludes every
        bias, ``["^bias$"]`` the weights named exactly ``bias``.

        Keras matches a weight's own name (``"kernel"``, ``"bias"``, not its path), and so does this; a Tensor you
        named ``"d/kernel"`` is matched on the part after its last ``"/"`` (``"kernel"``). An unnamed variable is
        matched as ``""``. A call replaces the exclusions of the previous one.

        Raises:
            TypeError: ``var_names`` is a string (each character would be a pattern: pass ``["bias"]``), or
                holds something other than strings.
            ValueError: a pattern that is not a regular expression.
        """
        self._excluded = {id(v): v for v in (var_list or ())}
        self._exclude_patterns = _weight_name_patterns(var_names)

    def _use_weight_decay(self, variable):
        if id(variable) in self._excluded:
            return False
        own_name = (variable.name or "").rsplit("/", 1)[-1]        # what Keras' variable.name is
        return not any(pattern.search(own_name) for pattern in self._exclude_patterns)

    def _apply_weight_decay(self, variables, lr):
        """``w <- w * (1 - weight_decay * lr)``, as Keras 3 on torch (``torch._foreach_mul_``, and PyTorch's AdamW):
        an infinite weight stays infinite, where ``w - w * weight_decay * lr`` gives ``inf - inf = NaN``.

        The factor is computed in float32 at least (Keras builds it as a float32 scalar from its float32 learning
        rate; a float64 weight keeps this project's float64 rates), and a float16 weight is multiplied by it in
        float32 and rounded once, as torch multiplies a float16 tensor by a float32 scalar (a factor rounded to
        float16 first can land one float16 step off Keras: ``-0.2156`` with ``weight_decay=0.004, lr=0.5``)."""
        if not self.weight_decay:
            return
        for v in variables:
            if self._use_weight_decay(v):
                xp, dtype = v.backend.xp, v._data.dtype
                wide = xp.float64 if dtype == xp.float64 else xp.float32
                decay, rate = (xp.asarray(n, dtype=wide) for n in (self.weight_decay, lr))
                factor = xp.asarray(1, dtype=wide) - decay * rate        # 1 - f32(wd) * f32(lr), in float32
                # (the slot: no checks needed)
                v._data = xp.astype(xp.astype(v._data, wide) * factor, dtype) if dtype != wide else v._data * factor

    # ------------------------------------------------------------------ the update
    def scale_loss(self, loss):
        """The loss to differentiate: ``loss`` itself (Keras 3 multiplies it by ``loss_scale_factor``, which is
        not supported here); :class:`~tinygradconv.optimizers.LossScaleOptimizer` multiplies it by its scale.
        ``Model.fit`` calls it before the backward pass, as Keras' ``train_step``."""
        return loss

    def update_step(self, gradient, variable, learning_rate, state, xp):  # pragma: no cover - abstract
        """Return the new value of ``variable`` (a backend array) given its ``gradient`` (same shape and dtype),
        the learning rate (a float), its ``state`` dict (updated in place) and the array namespace ``xp``."""
        raise NotImplementedError

    def before_update(self, variables):
        """Hook run once per :meth:`apply` before the per-variable updates, given the variables it updates (Nadam
        keeps a running product, in the first one's dtype as Keras does)."""

    def apply(self, grads, variables):
        """Update ``variables`` (Tensors, in place) with ``grads`` (Tensors, backend or NumPy arrays, or None). The
        first call builds the optimizer for ``variables``; later calls take any of them, and no other.

        Returns:
            The number of updates done so far (``iterations``).

        Raises:
            ValueError: a variable the optimizer was not built with (as Keras 3: create a new optimizer for new
                variables), mismatched lengths or shapes, no gradient at all, or the same variable twice (as
                PyTorch's optimizers refuse a parameter given twice; Keras gives neither one update with the sum
                nor two updates: pass the variable once, with the sum of its gradients).
            TypeError: a variable that is not a floating-point Tensor.
        """
        grads, variables = _variable_list(grads, "apply", "grads"), _variable_list(variables, "apply")
        if len(grads) != len(variables):
            raise ValueError(f"apply(): got {len(grads)} gradients for {len(variables)} variables")
        if not grads:
            return self.iterations
        for v in variables:
            _check_floating_variable(v)
        _check_distinct(variables, "apply")
        if self.built:
            self._check_variables_are_known(variables)
        pairs, missing = [], []
        for g, v in zip(grads, variables):
            if g is None:
                missing.append(label(v) or f"<tensor of shape {v.shape}>")
            else:
                pairs.append((self._gradient_array(g, v), v))
        if not pairs:
            raise ValueError("No gradients provided for any variable.")
        if missing:
            warnings.warn(f"Gradients do not exist for variables {missing} when minimizing the loss.", stacklevel=2)
        if not self.built:       # with every variable given, those without a gradient too (as Keras)
            self.build(variables)
        updated = [v for _, v in pairs]
        xp = updated[0].backend.xp
        with ieee754(xp):        # an inf gradient: inf / inf = NaN in the update, silently (as Keras on torch)
            arrays = self._clip([g for g, _ in pairs], xp)
            lr = self._current_rate()
            self._apply_weight_decay(updated, lr)
            self.before_update(updated)
            for g, v in zip(arrays, updated):
                # the slot behind `data`: the update is an array of v's own backend and dtype, and the checked
                # setter cost 1.9 us of a 4.5 us update per variable (measured by a reviewer)
                v._data = self.update_step(g, v._data, lr, self.state_of(v), v.backend.xp)
                in_place.note_data_replaced(v)      # a graph recorded before the step refuses its backward (PyTorch)
            if self._averages:
                self._update_averages()
        self.iterations += 1
        with no_grad():
            for v in updated:
                if v.constraint is not None:
                    v.data = _as_array(v.constraint(v), v)
        return self.iterations

    # ------------------------------------------------------------------ moving averages (use_ema)
    def _update_averages(self):
        """Keras 3's ``_update_model_variables_moving_average``, then its overwrite: each variable the optimizer
        was built with (updated by this step or not) moves its average, ``average <- m * average + (1 - m) * w``
        with ``m = ema_momentum`` (``m = 0`` at the first step, ``iterations == 0``: the average becomes the weight),
        computed in the weight's dtype; every ``ema_overwrite_frequency`` steps the weights then take their
        averages. Run before ``iterations`` counts the step and before the constraints, as in Keras."""
        for v, average in self._averages.values():
            xp, dtype = v.backend.xp, v._data.dtype
            # m and 1 - m in float32 at least, then rounded to the weight's dtype, as Keras computes them (a float16
            # weight's 1 - m is f16(1 - f32(0.99)) = 0.0100021 there, not f16(1) - f16(0.99) = 0.0102539)
            wide = np.result_type(dtype_name(dtype), np.float32).type
            m = wide(self.ema_momentum if self.iterations != 0 else 0.0)
            average._data = (xp.asarray(float(m), dtype=dtype) * average._data
                             + xp.asarray(float(wide(1) - m), dtype=dtype) * v._data)
        frequency = self.ema_overwrite_frequency
        if frequency and (self.iterations + 1) % frequency == 0:
            self._write_averages([v for v, _ in self._averages.values()])

    def _write_averages(self, variables):
        """Set each of ``variables`` to its average, by position (as Keras' ``_overwrite_model_variables_with_
        average_value``: the i-th variable the optimizer was built with gives the i-th average)."""
        averages = [average for _, average in self._averages.values()]
        if len(variables) != len(averages):         # Keras' message
            raise ValueError(f"The length of model variables ({len(variables)}) to override does not match the "
                             f"length of model variables stored in the optimizer ({len(averages)}). Please check if "
                             "the optimizer was called on your model.")
        for v, average in zip(variables, averages):
            if tuple(v.shape) != average.shape:
                raise ValueError(f"Invalid value for argument `var_list`: the variable '{label(v)}' of shape {v.shape} "
                                 f"cannot take the average of shape {average.shape} (of '{label(average)}')")
        for v, average in zip(variables, averages):
            v._data = v.backend.xp.astype(average._data, v._data.dtype, copy=True)
            in_place.note_data_replaced(v)

    @property
    def ema_weights(self):
        """With ``use_ema=True``, once built: the moving average of each variable the optimizer was built with, in
        that order (``model.trainable_weights``' order in ``fit``), as live Tensors (each step replaces their
        ``data``; :class:`~tinygradconv.callbacks.SwapEMAWeights` swaps them with the weights). None otherwise.

        Keras 3 keeps them in ``optimizer._model_variables_moving_average`` (a private attribute); both list them
        in ``optimizer.variables`` too, named ``"<name>/<variable path>_average"``."""
        if not self._averages:
            return None
        return [average for _, average in self._averages.values()]

    def finalize_variable_values(self, var_list):
        """With ``use_ema=True``: set the variables ``var_list`` (the model's trainable weights, in the order the
        optimizer was built with) to their moving averages, as Keras 3's ``finalize_variable_values``, which
        ``Model.fit`` calls at the end of training (after the last epoch, before ``on_train_end``). Does nothing
        without ``use_ema`` or before the optimizer is built.

        Raises:
            ValueError: ``var_list`` does not have one variable per average (Keras' message), or a variable of
                another shape than its average.
        """
        if self.use_ema and self._averages:
            with no_grad():
                self._write_averages(_variable_list(var_list, "finalize_variable_values", "var_list"))

    def apply_gradients(self, grads_and_vars):
        """Keras' spelling: ``apply_gradients(zip(grads, variables))``, a list of ``(gradient, variable)`` pairs,
        gradient first (Keras 3, https://keras.io/api/optimizers/#apply_gradients-method).

        Raises:
            TypeError: an item that is not a pair, or a pair that is swapped: ``(variable, gradient)``, recognised
                by a first element that is a trainable Tensor (``requires_grad=True``, as a layer's weights) and a
                second that is not (a ``.grad``, an array). Keras 3 fails there with an ``AttributeError`` deep
                inside (``'Tensor' object has no attribute 'value'``).
            ValueError, TypeError: as :meth:`apply`.

        >>> import tinygradconv as tg
        >>> from tinygradconv.optimizers import SGD
        >>> w = tg.tensor([1.0], requires_grad=True)
        >>> (3.0 * w).sum().backward()
        >>> SGD(learning_rate=0.1).apply_gradients([(w, w.grad)])
        Traceback (most recent call last):
        ...
        TypeError: apply_gradients(): the pairs are (gradient, variable), gradient first, ... item 0 is swapped: ...
        >>> SGD(learning_rate=0.1).apply_gradients([(w.grad, w)])
        1
        >>> round(w.item(), 4)
        0.7
        """
        pairs = list(grads_and_vars)
        for i, pair in enumerate(pairs):
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise TypeError("apply_gradients(): expected (gradient, variable) pairs, e.g. "
                                f"zip(grads, variables). Received item {i}: {type(pair).__name__}"
                                + (f" of length {len(pair)}" if isinstance(pair, (tuple, list)) else ""))
            _check_not_swapped(pair[0], pair[1], i)
        return self.apply([g for g, _ in pairs], [v for _, v in pairs])

    def step(self, variables=None):
        """Update ``variables`` (a list of Tensors, such as ``model.trainable_weights``) with their accumulated
        ``.grad`` (variables without a gradient are skipped).

        PyTorch's ``optimizer.step()`` takes no argument: a torch optimizer holds the parameters it was built with.
        A Keras optimizer holds none (Keras 3's ``apply(grads, variables)``), so this one is given them at each step.

        Raises:
            TypeError: no ``variables``, or one Tensor instead of a list of them (a list is iterated; a Tensor would
                be iterated over its rows, copies that the update would change instead of the variable).
        """
        variables = _variable_list(variables, "step")
        return self.apply([v.grad for v in variables], variables)

    @staticmethod
    def zero_grad(variables=None):
        """Forget the gradients of ``variables`` (a list of Tensors): ``.grad = None``, as PyTorch's
        ``zero_grad(set_to_none=True)``, its default.

        Raises:
            TypeError: as :meth:`step` (one Tensor would clear the gradients of its rows, not its own: the
                gradient would go on adding up, silently).

        >>> import tinygradconv as tg
        >>> from tinygradconv.optimizers import SGD
        >>> w = tg.tensor([1.0, 2.0], requires_grad=True)
        >>> (w * w).sum().backward()
        >>> SGD(0.1).zero_grad(w)
        Traceback (most recent call last):
        ...
        TypeError: Invalid type for argument `variables` of zero_grad(): expected a list of Tensors, e.g. [w] or ...
        >>> SGD(0.1).zero_grad([w]); print(w.grad)
        None
        """
        for v in _variable_list(variables, "zero_grad"):
            v.grad = None

    @staticmethod
    def _gradient_array(g, v):
        if isinstance(g, Tensor):
            array = g.data if g.backend is v.backend else g.to(v.backend).data
        else:
            array = Tensor(g, backend=v.backend, dtype=dtype_name(v.dtype)).data
        if tuple(array.shape) != v.shape:
            named = f" '{label(v)}'" if label(v) else ""        # no double space for an unnamed variable
            raise ValueError(f"Gradient of shape {tuple(array.shape)} does not match its variable{named} of shape "
                             f"{v.shape}")
        if array.dtype != v.dtype:
            with ieee754(v.backend.xp):     # beyond float16's range: inf, silently (as Tensor.astype)
                array = v.backend.xp.astype(array, v.dtype)
        return array

    def _clip(self, grads, xp):
        if _clips(self.clipnorm):
            c = self.clipnorm
            out = []
            for g in grads:
                norm = xp.sqrt(xp.sum(g * g))
                out.append(g * c / xp.maximum(norm, xp.full_like(norm, c)))
            return out
        if _clips(self.global_clipnorm):
            c = self.global_clipnorm
            total = xp.sqrt(sum(xp.sum(g * g) for g in grads))
            # c / max(norm, c) is 1 for small norms; adding (norm - norm) turns an inf or NaN norm into NaN (Keras).
            scale = c / xp.maximum(total, xp.full_like(total, c)) + (total - total)
            return [g * xp.astype(scale, g.dtype) for g in grads]
        if _clips(self.clipvalue):
            c = self.clipvalue
            return [xp.clip(g, -c, c) for g in grads]
        return grads

    # ------------------------------------------------------------------ configuration
    def get_config(self) -> dict:
        """The constructor arguments, as Keras 3's ``get_config`` writes them, so that ``keras.optimizers``'
        ``deserialize`` and ``from_config`` read them (and ours read Keras'): a schedule as
        :func:`~tinygradconv.optimizers.schedules.serialize` writes it, ``{"module": "keras.optimizers.schedules",
        "class_name": ..., "config": ..., "registered_name": None}``, and a function of your own by its name,
        ``{"module": "builtins", "class_name": "function", "config": "its_name", "registered_name": "function"}``.

        Raises:
            ValueError: the learning rate is a lambda or a nested function (no name to be found again by).

        >>> from tinygradconv.optimizers import SGD, schedules
        >>> SGD(learning_rate=schedules.CosineDecay(0.1, 100)).get_config()["learning_rate"]["module"]
        'keras.optimizers.schedules'
        """
        lr = self._learning_rate
        if isinstance(lr, _schedules.LearningRateSchedule):
            lr = _schedules.serialize(lr)
        elif callable(lr):      # by name, as Keras writes a function (a lambda cannot be: a ValueError says so)
            lr = {"module": "builtins", "class_name": "function",
                  "config": _lookup.function_name(lr, "learning rate function"), "registered_name": "function"}
        return {"name": self.name, "learning_rate": lr, "weight_decay": self.weight_decay,
                "clipnorm": self.clipnorm, "global_clipnorm": self.global_clipnorm, "clipvalue": self.clipvalue,
                "use_ema": self.use_ema, "ema_momentum": self.ema_momentum,
                "ema_overwrite_frequency": self.ema_overwrite_frequency, "loss_scale_factor": None,
                "gradient_accumulation_steps": None}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """A new optimizer (with fresh state) from :meth:`get_config`'s output, or from a Keras 3 optimizer's
        ``get_config()`` (its schedule, in Keras' form, included; Keras' own features only with their defaults)."""
        config = dict(config)   # a Keras config carries Keras' own features (use_ema, ...): __init__ checks them
        rate = config.get("learning_rate")
        if isinstance(rate, dict) and rate.get("class_name") == "function":        # your function, by its name
            name = rate.get("config")
            found = (custom_objects or {}).get(name) or _lookup.custom_object(name)
            if not callable(found):
                raise ValueError(f"Unknown learning rate function {name!r}: pass it in custom_objects "
                                 f"(custom_objects={{{name!r}: {name}}})")
            config["learning_rate"] = found
        elif isinstance(rate, dict):
            config["learning_rate"] = _schedules.deserialize(rate, custom_objects)
        return cls(**config)

    def __repr__(self):
        return f"{type(self).__name__}(learning_rate={self._learning_rate!r}, iterations={self.iterations})"


def fresh_copy(optimizer):
    """A new optimizer of ``optimizer``'s class and hyperparameters, without its state (no slots, step 0), that
    follows the same learning rate: its schedule or function itself, not one rebuilt from the config (a lambda has
    no name to be found again by). Used by :func:`~tinygradconv.models.clone_model`. A wrapper
    (:class:`~tinygradconv.optimizers.LossScaleOptimizer`) makes its own, around a fresh copy of the wrapped one."""
    if hasattr(optimizer, "_fresh_copy"):
        return optimizer._fresh_copy()
    shell = copy.copy(optimizer)
    shell._learning_rate = 1.0          # its config then holds numbers only (1, not 0: Ftrl refuses a rate of 0)
    fresh = type(optimizer).from_config(shell.get_config())
    fresh._learning_rate = optimizer._learning_rate
    return fresh


def label(variable, default=""):
    """What names ``variable`` in a message or an optimizer variable's name: its ``path`` (a layer's weight:
    ``"sequential/dense/kernel"``, Keras 3's ``variable.path``), else its ``name`` (a Tensor you named), else
    ``default``."""
    return variable.path or variable.name or default


def _average_tensor(variable, array):
    """The Tensor that keeps ``variable``'s moving average (``use_ema``), holding ``array``; named after it as
    Keras names the average, ``"<variable path>_average"``."""
    average = Tensor(array, backend=variable.backend)
    average.name = f"{label(variable, 'variable').replace('/', '_')}_average"
    return average


def _weight_name_patterns(var_names):
    """The compiled regular expressions of ``exclude_from_weight_decay(var_names=...)``: a list (or other
    collection) of strings, or None."""
    expected = "Expected a list of strings (regular expressions), e.g. var_names=['bias']"
    return tuple(re.compile(name) for name in regular_expressions(var_names, "var_names", expected))


def regular_expressions(value, argument, expected):
    """The strings of ``value``, a list (or other collection) of regular expressions, each checked to compile; ``[]``
    for None. ``argument`` names it in the errors, ``expected`` says what it should be.

    Raises:
        TypeError: a string (whose characters would each be a pattern), something not a collection, or one holding
            something other than a string. ValueError: a string that is not a regular expression.
    """
    if value is None:
        return []
    if isinstance(value, str):
        raise TypeError(f"Invalid type for argument `{argument}`. {expected}, not a string, whose characters would "
                        f"each be a pattern. Received {argument}={value!r}")
    try:
        strings = list(value)
    except TypeError:
        raise TypeError(f"Invalid type for argument `{argument}`. {expected}. Received {argument}={value!r}") \
            from None
    for string in strings:
        if not isinstance(string, str):
            raise TypeError(f"Invalid type for argument `{argument}`. {expected}. Received {argument}={value!r}, "
                            f"holding {string!r} of type {type(string).__name__}")
        try:
            re.compile(string)
        except re.error as error:
            raise ValueError(f"Invalid value for argument `{argument}`: {string!r} is not a regular expression "
                             f"({error}). Received {argument}={value!r}") from None
    return strings


def _slot_prefixes(variables):
    """The start of the names of each variable's slots in ``optimizer.variables``: its name with ``"/"`` written
    ``"_"``, as Keras writes a variable's path there (``"dense/kernel"`` -> ``"dense_kernel"``), ``"variable"`` for an
    unnamed one; a prefix met again is numbered ``_1``, ``_2``, ... (as Keras numbers ``"variable"``), so that the
    names are unique."""
    taken, out = set(), []
    for v in variables:
        base = label(v, "variable").replace("/", "_")
        prefix, count = base, 0
        while prefix in taken:
            count += 1
            prefix = f"{base}_{count}"
        taken.add(prefix)
        out.append(prefix)
    return out


def _check_not_swapped(gradient, variable, index):
    """Refuse a ``(variable, gradient)`` pair given to ``apply_gradients``: the first element a trainable Tensor
    (``requires_grad=True``: a layer's weight, a leaf the user differentiates) and the second not (a ``.grad``, a
    gradient array), which would otherwise update the gradient with the weight, silently."""
    if not (isinstance(gradient, Tensor) and gradient.requires_grad):
        return
    if isinstance(variable, Tensor) and variable.requires_grad:
        return
    named = f" '{label(gradient)}'" if label(gradient) else ""
    second = (f"a Tensor of shape {variable.shape} that is not" if isinstance(variable, Tensor)
              else f"an object of type {type(variable).__name__}, not a Tensor")
    raise TypeError(f"apply_gradients(): the pairs are (gradient, variable), gradient first, e.g. zip(grads, "
                    f"variables); item {index} is swapped: its first element is a trainable variable{named} "
                    f"(requires_grad=True) of shape {gradient.shape} and its second {second}. Pass (w.grad, w), "
                    "not (w, w.grad).")


#: Other frameworks' names for the constructors' arguments, and what to write here instead.
_OTHER_NAMES = {
    "lr": "Keras 2's and PyTorch's name: use `learning_rate`",
    "eps": "PyTorch's name: use `epsilon`",
    "betas": "PyTorch's name: use `beta_1` and `beta_2`",
    "params": "PyTorch's: a Keras optimizer is built without its variables; give them to `step(variables)` or "
              "`apply(grads, variables)`",
}


def _clips(limit):
    """Whether a ``clipnorm``, ``clipvalue`` or ``global_clipnorm`` clips: set and above 0 (Keras 3 takes 0 and
    clips nothing with it)."""
    return limit is not None and limit > 0


def _looks_like_parameters(value):
    """Whether ``value``, an optimizer's first argument, is PyTorch's ``params`` (a list or tuple, a generator such
    as ``model.parameters()``, or a dict of them) rather than a learning rate."""
    return isinstance(value, (list, tuple, dict)) or inspect.isgenerator(value)


def _takes_learning_rate_first(cls):
    """Whether ``cls``'s first argument is ``learning_rate`` (``LossScaleOptimizer``'s is the inner optimizer)."""
    first = next(iter(list(inspect.signature(cls.__init__).parameters)[1:2]), None)
    return first == "learning_rate"


def _refuse_parameters(learning_rate, optimizer=None, given=None):
    """``Adam(model.trainable_weights)``, ``Adam(params, lr=0.01)`` or ``Adam(params, learning_rate=0.1)``:
    PyTorch's order, parameters first, where Keras' first argument is the rate. ``optimizer``: the class's name
    where the list came first (from ``Optimizer.__new__``), None where it came as ``learning_rate``; ``given``: the
    keyword arguments of the call, whose ``lr`` or ``learning_rate`` goes into the example.

    >>> _refuse_parameters([], "SGD", {"lr": 0.1})
    Traceback (most recent call last):
    ...
    TypeError: Invalid type for argument `learning_rate` of SGD: ... Write SGD(learning_rate=0.1), ...
    """
    if not _looks_like_parameters(learning_rate):
        return
    given = given or {}
    rate = given.get("learning_rate", given.get("lr", 1e-3))
    name = optimizer or "Adam"
    renamed = " (`lr` is PyTorch's and Keras 2's name of `learning_rate`)" if "lr" in given else ""
    raise TypeError(f"Invalid type for argument `learning_rate`{f' of {optimizer}' if optimizer else ''}: expected a "
                    f"number or a schedule. Received a {type(learning_rate).__name__}"
                    f"{' as the first argument' if optimizer else ''}: PyTorch's optimizers take their parameters "
                    f"first, {name}(params, lr=...){renamed}. A Keras optimizer is built without the variables it "
                    f"updates, and is given them at each step. Write {name}(learning_rate={rate!r}), then "
                    f"optimizer.step(variables) after backward(), or optimizer.apply(grads, variables)")


def _variable_list(values, method, argument="variables"):
    """``values`` (a list, tuple or other iterable of Tensors or gradients) as a list, refusing what would be
    iterated wrongly: nothing at all, or one Tensor or array (whose rows a loop would visit)."""
    if values is None:
        raise TypeError(f"Invalid type for argument `{argument}` of {method}(): expected a list of Tensors, e.g. "
                        f"model.trainable_weights. Received None. A Keras optimizer holds no variables (PyTorch's "
                        f"hold those they were built with): pass them, optimizer.{method}(variables)")
    if isinstance(values, Tensor) or hasattr(values, "__array_namespace__") or isinstance(values, np.ndarray):
        shape = tuple(values.shape)
        raise TypeError(f"Invalid type for argument `{argument}` of {method}(): expected a list of Tensors, e.g. "
                        f"[w] or model.trainable_weights. Received one {type(values).__name__} of shape {shape}: "
                        "put it in a list, [w]")
    try:
        return list(values)
    except TypeError:
        raise TypeError(f"Invalid type for argument `{argument}` of {method}(): expected a list of Tensors. "
                        f"Received {type(values).__name__}") from None


def _check_distinct(variables, method):
    """Refuse a variable given twice in one call (``apply_gradients([(g, w), (g, w)])``): it would be updated twice
    in one step, silently, its slots twice as fast as its step count (PyTorch's optimizers refuse a parameter
    given twice; Keras 3 builds two sets of slots for it and gives yet another result)."""
    seen = {}
    for i, v in enumerate(variables):
        first = seen.setdefault(id(v), i)
        if first != i:
            described = f"'{label(v)}'" if label(v) else "an unnamed one"
            raise ValueError(f"{method}(): the variable {described} of shape {v.shape} is given twice (positions "
                             f"{first} and {i}); expected each variable once. To update it with two gradients, "
                             "pass it once with their sum.")


def _check_floating_variable(v):
    """An optimizer updates floating-point Tensors only (an update would change an integer one's dtype)."""
    if not isinstance(v, Tensor):
        raise TypeError(f"apply(): variables must be Tensors. Received {type(v).__name__}")
    if dtype_name(v.dtype) not in FLOAT_DTYPES:
        named = f" '{label(v)}'" if label(v) else ""
        raise TypeError(f"apply(): the variable{named} of shape {v.shape} has dtype {dtype_name(v.dtype)}; "
                        "optimizers update floating-point variables only (an update would change its dtype). "
                        "Cast it first, e.g. tg.tensor(w, dtype='float32')")


def _as_array(value, variable):
    """The constraint's result as a backend array of the variable's shape and dtype."""
    array = value.data if isinstance(value, Tensor) else Tensor(value, backend=variable.backend).data
    if tuple(array.shape) != variable.shape:
        raise ValueError(f"A constraint returned shape {tuple(array.shape)} for a variable of shape {variable.shape}")
    if array.dtype != variable.dtype:
        array = variable.backend.xp.astype(array, variable.dtype)
    return array
