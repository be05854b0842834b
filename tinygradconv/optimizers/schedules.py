"""Learning-rate schedules: callables ``step -> learning rate``, evaluated by the optimizer at ``iterations``.

The optimizer calls ``schedule(optimizer.iterations)`` before each update, so the first update uses ``schedule(0)``
(as in Keras). Each schedule is a plain Python formula:

* ``ExponentialDecay``: ``lr0 * decay_rate ** (step / decay_steps)`` (the exponent floored with ``staircase``);
* ``InverseTimeDecay``: ``lr0 / (1 + decay_rate * step / decay_steps)`` (the ratio floored with ``staircase``);
* ``PiecewiseConstantDecay``: ``values[0]`` for ``step <= boundaries[0]``, ``values[i]`` for
  ``boundaries[i-1] < step <= boundaries[i]``, ``values[-1]`` after the last boundary;
* ``CosineDecay``: an optional linear warmup from ``lr0`` to ``warmup_target`` over ``warmup_steps``, then
  ``peak * ((1 - alpha) * 0.5 * (1 + cos(pi * s / decay_steps)) + alpha)`` with ``s`` capped at ``decay_steps``.

>>> from tinygradconv.optimizers.schedules import ExponentialDecay
>>> schedule = ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
>>> schedule(0), schedule(10), schedule(20)
(0.1, 0.05, 0.025)
"""
from __future__ import annotations

import itertools
import math

from .. import _lookup
from .._lookup import Configurable
from .._lookup import serialize as serialize_object
from ..validation import number


def _step(step) -> float:
    """The step as a float (accepts ints, floats, 0-d arrays and one-element Tensors)."""
    if hasattr(step, "item"):
        step = step.item()
    return float(step)


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
        self.initial_learning_rate = number(initial_learning_rate, "initial_learning_rate", low=0)
        self.decay_steps = number(decay_steps, "decay_steps", low=0, low_open=True)
        self.decay_rate = number(decay_rate, "decay_rate", low=0)
        self.staircase = bool(staircase)
        self.name = name

    def _progress(self, step):
        p = _step(step) / self.decay_steps
        return math.floor(p) if self.staircase else p

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
        return self.initial_learning_rate * self.decay_rate**self._progress(step)


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
        return self.initial_learning_rate / (1.0 + self.decay_rate * self._progress(step))


class PiecewiseConstantDecay(LearningRateSchedule):
    """A constant rate on each interval: ``values[i]`` while ``boundaries[i-1] < step <= boundaries[i]``.

    Args:
        boundaries: strictly increasing step numbers.
        values: one more value than boundaries.
        name: kept for Keras compatibility.

    >>> schedule = PiecewiseConstantDecay([10, 20], [1.0, 0.5, 0.1])
    >>> schedule(10), schedule(11), schedule(21)
    (1.0, 0.5, 0.1)
    """

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
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
        for boundary, value in zip(self.boundaries, self.values):
            if step <= boundary:
                return value
        return self.values[-1]

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
        self.initial_learning_rate = number(initial_learning_rate, "initial_learning_rate", low=0)
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


_SCHEDULES = {cls.__name__: cls for cls in (ExponentialDecay, InverseTimeDecay, PiecewiseConstantDecay, CosineDecay)}


def serialize(schedule: LearningRateSchedule) -> dict:
    """``{"class_name": ..., "config": ...}`` for a schedule (JSON-friendly); None gives None."""
    return serialize_object(schedule, "learning rate schedule", LearningRateSchedule)


def deserialize(config: dict, custom_objects=None) -> LearningRateSchedule:
    """Rebuild a schedule from :func:`serialize`'s output."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"A schedule config must be a dict with 'class_name' and 'config'. Received: {config!r}")
    # your own schedule (custom_objects, then a loader's custom_object_scope), else a built-in one
    name = config["class_name"]
    cls = (custom_objects or {}).get(name) or _lookup.custom_object(name) or _SCHEDULES.get(name)
    if cls is None:
        known = sorted({*_SCHEDULES, *(custom_objects or {})})
        raise ValueError(f"Unknown learning rate schedule {name!r}. Known: {known}")
    return cls.from_config(dict(config.get("config", {})))


__all__ = ["CosineDecay", "ExponentialDecay", "InverseTimeDecay", "LearningRateSchedule", "PiecewiseConstantDecay",
           "deserialize", "serialize"]
