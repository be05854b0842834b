"""Learning-rate schedules: callables ``step -> learning rate``, evaluated by the optimizer at ``iterations``.

The optimizer calls ``schedule(optimizer.iterations)`` before each update, so the first update uses ``schedule(0)``
(as in Keras). Each schedule is a plain Python formula:

* ``ExponentialDecay``: ``lr0 * decay_rate ** (step / decay_steps)`` (the exponent floored with ``staircase``);
* ``InverseTimeDecay``: ``lr0 / (1 + decay_rate * step / decay_steps)`` (the ratio floored with ``staircase``);
* ``PiecewiseConstantDecay``: ``values[0]`` for ``step <= boundaries[0]``, ``values[i]`` for
  ``boundaries[i-1] < step <= boundaries[i]``, ``values[-1]`` after the last boundary;
* ``CosineDecay``: an optional linear warmup from ``lr0`` to ``warmup_target`` over ``warmup_steps``, then
  ``peak * ((1 - alpha) * 0.5 * (1 + cos(pi * s / decay_steps)) + alpha)`` with ``s`` capped at ``decay_steps``;
* ``PolynomialDecay``: ``(lr0 - end) * (1 - s / decay_steps) ** power + end`` with ``s`` capped at ``decay_steps``
  (or, with ``cycle``, ``decay_steps`` stretched to the first multiple of it at or above ``s``);
* ``CosineDecayRestarts``: cosine decay over periods of ``first_decay_steps * t_mul ** i`` steps, the ``i``-th
  starting from ``lr0 * m_mul ** i`` (SGDR, Loshchilov & Hutter).

``ExponentialDecay``, ``InverseTimeDecay``, ``PolynomialDecay`` and ``CosineDecayRestarts`` compute in
``config.floatx()`` (float32 by default) operation by operation as Keras 3 does, step included (a step above
``2 ** 24`` is rounded to float32 first), so that their values are Keras' own float32 numbers, cycle boundaries,
restarts and an exponential rate that grows past float32's range (inf) included; ``CosineDecay`` computes in
float64.

>>> from tinygradconv.optimizers.schedules import ExponentialDecay
>>> schedule = ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
>>> schedule(0), schedule(10), schedule(20)        # float32 numbers, as Keras 3's
(0.10000000149011612, 0.05000000074505806, 0.02500000037252903)
>>> import numpy as np
>>> schedule(20) == float(np.float32(0.025))
True
"""
from __future__ import annotations

import itertools
import math

import numpy as np

from .. import _lookup, config
from .._lookup import Configurable
from .._lookup import serialize as serialize_object
from ..validation import flag, number


def _step(step) -> float:
    """The step as a float (accepts ints, floats, 0-d arrays and one-element Tensors); anything else is a
    ``TypeError`` naming ``step`` (``float("a")`` said only "could not convert string to float")."""
    if hasattr(step, "item"):
        count = step.numel() if callable(getattr(step, "numel", None)) else getattr(step, "size", 1)   # torch: numel
        if count != 1:
            raise TypeError(f"Invalid type for argument `step` of a learning-rate schedule. Expected one number "
                            f"(the optimizer's iterations). Received an array of shape {tuple(step.shape)}")
        step = step.item()
    if isinstance(step, bool) or not isinstance(step, (int, float, np.integer, np.floating)):
        raise TypeError(f"Invalid type for argument `step` of a learning-rate schedule. Expected a number (the "
                        f"optimizer's iterations). Received step={step!r}")
    try:
        return float(step)
    except OverflowError:                       # an int past float's range, such as 10**400
        return math.inf


class LearningRateSchedule(Configurable):
    """Base class: subclasses define ``__call__(step)`` and ``get_config()``."""

    def __call__(self, step):  # pragma: no cover - abstract
        raise NotImplementedError(f"Learning rate schedule '{type(self).__name__}' must override `__call__(step)`.")

    def get_config(self) -> dict:  # pragma: no cover - abstract
        raise NotImplementedError(f"Learning rate schedule '{type(self).__name__}' must override `get_config()`.")


class _StepDecay(LearningRateSchedule):
    """What ExponentialDecay and InverseTimeDecay share: the arguments, the config, and the progress
    ``p = step / decay_steps`` (floored with ``staircase``)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase, name):
        self.initial_learning_rate = number(initial_learning_rate, "initial_learning_rate", low=0, finite=True)
        self.decay_steps = number(decay_steps, "decay_steps", low=0, low_open=True)
        self.decay_rate = number(decay_rate, "decay_rate", low=0)
        self.staircase = flag(staircase, "staircase", type(self).__name__)
        self.name = name

    def _progress(self, f, step):
        """``p = step / decay_steps`` in the float type ``f``, each number rounded to it first as Keras 3 casts them
        (floored with ``staircase``)."""
        p = f(_step(step)) / f(self.decay_steps)
        return np.floor(p) if self.staircase else p

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase, "name": self.name}


class ExponentialDecay(_StepDecay):
    """``initial_learning_rate * decay_rate ** (step / decay_steps)``.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: positive; the step count over which the rate is multiplied by ``decay_rate``.
        decay_rate: the multiplier per ``decay_steps``.
        staircase: floor ``step / decay_steps`` (decay in discrete jumps).
        name: kept for Keras compatibility.

    >>> ExponentialDecay(1.0, 2, 0.5, staircase=True)(3)
    0.5
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name="ExponentialDecay"):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step):
        f = _floatx()
        with np.errstate(all="ignore"):     # a growing rate (decay_rate > 1) overflows to inf, as in Keras 3
            return float(f(self.initial_learning_rate) * _power(f, f(self.decay_rate), self._progress(f, step)))


class InverseTimeDecay(_StepDecay):
    """``initial_learning_rate / (1 + decay_rate * step / decay_steps)``.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: positive; how often the decay applies.
        decay_rate: the decay rate.
        staircase: floor ``step / decay_steps``.
        name: kept for Keras compatibility.

    >>> InverseTimeDecay(1.0, 1, 0.5)(2)
    0.5
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name="InverseTimeDecay"):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step):
        f = _floatx()
        with np.errstate(all="ignore"):
            return float(f(self.initial_learning_rate) / (f(1.0) + f(self.decay_rate) * self._progress(f, step)))


class PiecewiseConstantDecay(LearningRateSchedule):
    """A constant rate on each interval: ``values[i]`` while ``boundaries[i-1] < step <= boundaries[i]``.

    Args:
        boundaries: strictly increasing step numbers.
        values: one more value than boundaries.
        name: kept for Keras compatibility.

    >>> schedule = PiecewiseConstantDecay([10, 20], [1.0, 0.5, 0.1])
    >>> schedule(10), schedule(11), schedule(21)          # float32 numbers, as Keras 3's
    (1.0, 0.5, 0.10000000149011612)
    """

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        for argument, given in (("boundaries", boundaries), ("values", values)):
            if isinstance(given, (str, bytes)) or not hasattr(given, "__iter__"):
                raise TypeError(f"Invalid type for argument `{argument}`. Expected a list of numbers. Received "
                                f"{argument}={given!r}")
        boundaries, values = list(boundaries), list(values)
        if len(boundaries) != len(values) - 1:
            raise ValueError("The length of boundaries should be 1 less than the length of values. Received: "
                             f"boundaries={boundaries} of length {len(boundaries)}, and values={values} of length "
                             f"{len(values)}.")
        for b in boundaries:
            number(b, "boundaries")
        for v in values:
            number(v, "values", low=0)
        if any(b >= c for b, c in itertools.pairwise(boundaries)):
            raise ValueError(f"Argument `boundaries` must be strictly increasing. Received: boundaries={boundaries}")
        self.boundaries, self.values, self.name = boundaries, values, name

    def __call__(self, step):
        step = _step(step)
        value = next((v for b, v in zip(self.boundaries, self.values) if step <= b), self.values[-1])
        return float(_floatx()(value))          # a float32 number, as Keras 3's tensor of the value

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class CosineDecay(LearningRateSchedule):
    """Cosine decay to ``alpha * peak`` over ``decay_steps``, after an optional linear warmup.

    Without warmup (``warmup_target=None``) the peak is ``initial_learning_rate`` and, with ``s = min(step,
    decay_steps)``, the rate is ``peak * ((1 - alpha) * 0.5 * (1 + cos(pi * s / decay_steps)) + alpha)``. With a
    ``warmup_target`` the rate first rises linearly from ``initial_learning_rate`` to ``warmup_target`` during
    ``warmup_steps``, then decays from ``warmup_target`` as above with ``s = min(step - warmup_steps, decay_steps)``.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: positive; the length of the cosine part.
        alpha: the final rate as a fraction of the peak.
        name: kept for Keras compatibility.
        warmup_target: the peak reached after warmup, or None for no warmup.
        warmup_steps: the length of the warmup.

    >>> CosineDecay(1.0, 10)(5)  # half-way: 0.5 * (1 + cos(pi / 2))
    0.5
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay", warmup_target=None,
                 warmup_steps=0):
        self.initial_learning_rate = number(initial_learning_rate, "initial_learning_rate", low=0, finite=True)
        self.decay_steps = number(decay_steps, "decay_steps", low=0, low_open=True)
        self.alpha = number(alpha, "alpha", low=0)
        self.name = name
        self.warmup_target = None if warmup_target is None else number(warmup_target, "warmup_target", low=0)
        self.warmup_steps = number(warmup_steps, "warmup_steps", low=0)

    def _decay(self, step, peak):
        cosine = 0.5 * (1.0 + math.cos(math.pi * step / self.decay_steps))
        return peak * ((1.0 - self.alpha) * cosine + self.alpha)

    def __call__(self, step):
        step = _step(step)
        if self.warmup_target is None:
            return self._decay(min(step, self.decay_steps), self.initial_learning_rate)
        step = min(step, self.decay_steps + self.warmup_steps)
        if step < self.warmup_steps:
            fraction = step / self.warmup_steps
            return (self.warmup_target - self.initial_learning_rate) * fraction + self.initial_learning_rate
        return self._decay(step - self.warmup_steps, self.warmup_target)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "alpha": self.alpha, "name": self.name, "warmup_target": self.warmup_target,
                "warmup_steps": self.warmup_steps}


def _floatx():
    """The NumPy scalar type Keras computes a schedule in: its ``floatx()`` (float32 unless configured)."""
    return np.dtype(config.floatx()).type


def _rounded(fn, f, x):
    """``fn(x)`` computed in float64 and rounded once to ``f``: PyTorch's float32 ``log`` and ``pow`` (which Keras 3
    calls) give that correctly rounded value nearly always; NumPy's float32 kernels are off by one unit more often
    (one value in eight for ``log``)."""
    return f(fn(np.float64(x)))


def _power(f, base, exponent):
    return f(np.float64(base) ** np.float64(exponent))


class PolynomialDecay(LearningRateSchedule):
    """A polynomial decay from ``initial_learning_rate`` to ``end_learning_rate`` over ``decay_steps``.

    With ``s = min(step, decay_steps)``, the rate is
    ``(initial_learning_rate - end_learning_rate) * (1 - s / decay_steps) ** power + end_learning_rate``, and stays
    at ``end_learning_rate`` after ``decay_steps``. With ``cycle=True`` the decay restarts instead: ``decay_steps``
    is multiplied by ``ceil(step / decay_steps)`` (1 at step 0), so the rate jumps back up at each multiple of
    ``decay_steps`` plus one. ``power=1`` is a linear decay.

    Computed in ``config.floatx()`` (float32), each operation rounded as Keras 3 rounds it; the value is returned as
    a Python float.

    Args:
        initial_learning_rate: the rate at step 0 (a number ``>= 0``).
        decay_steps: the length of the decay, a number ``> 0``.
        end_learning_rate: the final rate (a number ``>= 0``; default 0.0001).
        power: the exponent of the polynomial, a finite number ``>= 0`` (default 1.0).
        cycle: restart the decay after ``decay_steps`` (True or False).
        name: kept for Keras compatibility.

    Raises:
        ValueError: a ``decay_steps <= 0``, a negative rate, a negative or infinite ``power`` (the message names the
            argument and the value).
        TypeError: a non-number, or a ``cycle`` that is not True or False.

    Source: Keras 3, ``keras.optimizers.schedules.PolynomialDecay``
    (https://keras.io/api/optimizers/learning_rate_schedules/polynomial_decay/).

    >>> schedule = PolynomialDecay(1.0, decay_steps=4, end_learning_rate=0.0, power=1.0)
    >>> [schedule(k) for k in (0, 1, 2, 4, 9)]
    [1.0, 0.75, 0.5, 0.0, 0.0]
    >>> cycling = PolynomialDecay(1.0, decay_steps=4, end_learning_rate=0.0, cycle=True)
    >>> [cycling(k) for k in (4, 5, 8)]       # after step 4 the decay spans 8 steps, then 12
    [0.0, 0.375, 0.0]
    """

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0, cycle=False,
                 name="PolynomialDecay"):
        self.initial_learning_rate = number(initial_learning_rate, "initial_learning_rate", low=0, finite=True)
        self.decay_steps = number(decay_steps, "decay_steps", low=0, low_open=True)
        self.end_learning_rate = number(end_learning_rate, "end_learning_rate", low=0, finite=True)
        self.power = number(power, "power", low=0, finite=True)
        self.cycle = flag(cycle, "cycle", "PolynomialDecay")
        self.name = name

    def __call__(self, step):
        f = _floatx()
        with np.errstate(all="ignore"):
            rate, end, power = f(self.initial_learning_rate), f(self.end_learning_rate), f(self.power)
            step, span = f(_step(step)), f(self.decay_steps)
            if self.cycle:      # the first multiple of decay_steps at or above the step (1 at step 0)
                span = span * (f(1.0) if step == 0 else np.ceil(step / span))
            else:
                step = np.minimum(step, span)
            progress = step / span
            return float((rate - end) * _power(f, f(1.0) - progress, power) + end)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "end_learning_rate": self.end_learning_rate, "power": self.power, "cycle": self.cycle,
                "name": self.name}


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR, Loshchilov & Hutter, ICLR 2017).

    Periods follow each other: the ``i``-th (from 0) lasts ``first_decay_steps * t_mul ** i`` steps, and during it
    the rate decays as a half cosine from ``initial_learning_rate * m_mul ** i`` towards ``alpha``:
    ``initial_learning_rate * ((1 - alpha) * m_mul ** i * 0.5 * (1 + cos(pi * c)) + alpha)``, where ``c`` in
    ``[0, 1)`` is how far into its period the step is. With ``t_mul = 1``, ``i = floor(s)`` and ``c = s - i`` for
    ``s = step / first_decay_steps``; otherwise ``i = floor(log(1 - s (1 - t_mul)) / log(t_mul))`` and
    ``c = (s - (1 - t_mul ** i) / (1 - t_mul)) / t_mul ** i``. A ``t_mul`` below 1 shortens the periods, whose
    lengths then add up to ``first_decay_steps / (1 - t_mul)``: beyond that step the formula (Keras' too) is NaN.

    Computed in ``config.floatx()`` (float32), each operation rounded as Keras 3 rounds it (so a restart falls on
    the step where Keras' falls); the value is returned as a Python float.

    Args:
        initial_learning_rate: the rate at step 0 (a number ``>= 0``).
        first_decay_steps: the length of the first period, a number ``> 0``.
        t_mul: the factor from one period's length to the next (a finite number ``> 0``; default 2.0).
        m_mul: the factor from one period's starting rate to the next (a finite number ``>= 0``; default 1.0).
        alpha: the lowest rate, as a fraction of ``initial_learning_rate`` (a number ``>= 0``; default 0.0).
        name: kept for Keras compatibility (default ``"SGDRDecay"``, Keras' name).

    Raises:
        ValueError: a ``first_decay_steps <= 0``, a ``t_mul <= 0``, a negative ``m_mul``, ``alpha`` or rate, an
            infinite ``t_mul`` or ``m_mul`` (the message names the argument and the value).
        TypeError: a non-number.

    Source: Keras 3, ``keras.optimizers.schedules.CosineDecayRestarts``
    (https://keras.io/api/optimizers/learning_rate_schedules/cosine_decay_restarts/).

    >>> schedule = CosineDecayRestarts(1.0, first_decay_steps=4, t_mul=2.0, m_mul=0.5)
    >>> [round(schedule(k), 4) for k in (0, 2, 4, 8, 12)]     # periods [0, 4), [4, 12), [12, 28)
    [1.0, 0.5, 0.5, 0.25, 0.25]
    """

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0, name="SGDRDecay"):
        self.initial_learning_rate = number(initial_learning_rate, "initial_learning_rate", low=0, finite=True)
        self.first_decay_steps = number(first_decay_steps, "first_decay_steps", low=0, low_open=True)
        self.t_mul = number(t_mul, "t_mul", low=0, low_open=True, finite=True)
        self.m_mul = number(m_mul, "m_mul", low=0, finite=True)
        self.alpha = number(alpha, "alpha", low=0)
        self.name = name

    def __call__(self, step):
        f = _floatx()
        one = f(1.0)
        with np.errstate(all="ignore"):    # log of a negative number past the periods' sum when t_mul < 1: NaN
            rate, alpha, t_mul, m_mul = f(self.initial_learning_rate), f(self.alpha), f(self.t_mul), f(self.m_mul)
            fraction = f(_step(step)) / f(self.first_decay_steps)
            if t_mul == one:
                restart = np.floor(fraction)
                fraction = fraction - restart
            else:
                restart = np.floor(_rounded(np.log, f, one - fraction * (one - t_mul)) / _rounded(np.log, f, t_mul))
                done = (one - _power(f, t_mul, restart)) / (one - t_mul)       # the earlier periods, in first periods
                fraction = (fraction - done) / _power(f, t_mul, restart)
            cosine = f(0.5) * _power(f, m_mul, restart) * (one + _rounded(np.cos, f, f(math.pi) * fraction))
            return float(rate * ((one - alpha) * cosine + alpha))

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "first_decay_steps": self.first_decay_steps,
                "t_mul": self.t_mul, "m_mul": self.m_mul, "alpha": self.alpha, "name": self.name}


_SCHEDULES = {cls.__name__: cls for cls in (ExponentialDecay, InverseTimeDecay, PiecewiseConstantDecay, CosineDecay,
                                            PolynomialDecay, CosineDecayRestarts)}


def serialize(schedule: LearningRateSchedule) -> dict:
    """A schedule as Keras 3 serializes it (``keras.optimizers.schedules.serialize``, and so inside an optimizer's
    ``get_config``): ``{"module": "keras.optimizers.schedules", "class_name": ..., "config": ...,
    "registered_name": None}`` for one of the schedules here; for a class of your own, ``"module"`` is its module
    (None for ``__main__``) and ``"registered_name"`` the ``"package>Name"`` key
    :func:`~tinygradconv.saving.register_keras_serializable` gave it, else its class name, as Keras writes it.
    JSON-friendly; None gives None.

    Raises:
        ValueError: an object that is not a schedule (no ``get_config``).

    Source: Keras 3, ``keras.optimizers.schedules.serialize``
    (https://keras.io/api/optimizers/learning_rate_schedules/).

    >>> serialize(ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5))   # doctest: +NORMALIZE_WHITESPACE
    {'module': 'keras.optimizers.schedules', 'class_name': 'ExponentialDecay', 'config': {'initial_learning_rate':
    0.1, 'decay_steps': 10, 'decay_rate': 0.5, 'staircase': False, 'name': 'ExponentialDecay'},
    'registered_name': None}
    """
    plain = serialize_object(schedule, "learning rate schedule", LearningRateSchedule)
    if plain is None:
        return None
    cls = type(schedule)
    if _SCHEDULES.get(cls.__name__) is cls:
        return {"module": "keras.optimizers.schedules", "class_name": cls.__name__, "config": plain["config"],
                "registered_name": None}
    module = cls.__module__
    return {"module": None if module == "__main__" else module, "class_name": cls.__name__,
            "config": plain["config"], "registered_name": plain["class_name"]}


def deserialize(config: dict, custom_objects=None) -> LearningRateSchedule:
    """A new schedule from :func:`serialize`'s output, Keras 3's (``keras.optimizers.schedules.serialize``, or a
    schedule inside a Keras optimizer's ``get_config``) or the ``{"class_name": ..., "config": ...}`` of earlier
    versions. A class of your own is found by its ``registered_name`` (``"package>Name"``), else its
    ``class_name``: in ``custom_objects``, then a :class:`~tinygradconv.saving.custom_object_scope` or
    :func:`~tinygradconv.saving.register_keras_serializable`; then the schedules here, by class name.

    Raises:
        ValueError: not a dict with ``"class_name"``, or an unknown schedule (the message lists the known ones).

    >>> deserialize({"module": "keras.optimizers.schedules", "class_name": "InverseTimeDecay",
    ...              "config": {"initial_learning_rate": 1.0, "decay_steps": 1, "decay_rate": 0.5},
    ...              "registered_name": None})(2)
    0.5
    """
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"A schedule config must be a dict with 'class_name' and 'config'. Received: {config!r}")
    custom = custom_objects or {}
    name, registered = config["class_name"], config.get("registered_name")
    cls = None
    for key in ((registered, name) if isinstance(registered, str) and registered != name else (name,)):
        cls = custom.get(key) or _lookup.custom_object(key)
        if cls is not None:
            break
    cls = cls or _SCHEDULES.get(name)
    if cls is None:
        known = sorted({*_SCHEDULES, *custom})
        raise ValueError(f"Unknown learning rate schedule {registered or name!r}. Known: {known}")
    return cls.from_config(dict(config.get("config") or {}))


__all__ = ["CosineDecay", "CosineDecayRestarts", "ExponentialDecay", "InverseTimeDecay", "LearningRateSchedule",
           "PiecewiseConstantDecay", "PolynomialDecay", "deserialize", "serialize"]
