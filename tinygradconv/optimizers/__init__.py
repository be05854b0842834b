"""Optimizers (Keras 3 update rules), learning-rate schedules, and lookup by name.

>>> import tinygradconv as tg
>>> from tinygradconv import optimizers
>>> opt = optimizers.get("adam")
>>> type(opt).__name__, opt.learning_rate
('Adam', 0.001)
>>> w = tg.tensor([2.0], requires_grad=True)
>>> (w * w).sum().backward()
>>> _ = opt.step([w])
>>> opt.iterations
1
"""
from __future__ import annotations

from .. import _lookup
from ..validation import refuse_foreign
from . import schedules
from .adafactor import Adafactor
from .adam import Adam, Adamax, AdamW, Lamb, Lion, Nadam
from .ftrl import Ftrl
from .loss_scale import LossScaleOptimizer
from .momentum import SGD, Adadelta, Adagrad, RMSprop
from .muon import Muon
from .optimizer import Optimizer
from .schedule_free import ScheduleFreeAdamW

_CLASSES = (SGD, RMSprop, Adam, AdamW, Adagrad, Adadelta, Adamax, Nadam, Lion, Ftrl, Lamb, Adafactor, Muon,
            ScheduleFreeAdamW, LossScaleOptimizer)
_BY_NAME = _lookup.name_table(_CLASSES, lower=True)


def serialize(optimizer: Optimizer) -> dict:
    """``{"class_name": ..., "config": ...}`` for an optimizer (JSON-friendly; the state is not included); None gives
    None."""
    return _lookup.serialize(optimizer, "optimizer", Optimizer)


def deserialize(config: dict, custom_objects=None) -> Optimizer:
    """A new optimizer from :func:`serialize`'s output (class names are case-insensitive)."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"An optimizer config must be a dict with 'class_name' and 'config'. Received: {config!r}")
    custom = {k.lower(): v for k, v in (custom_objects or {}).items()}
    name = str(config["class_name"])
    cls = custom.get(name.lower()) or _lookup.lookup(_BY_NAME, name, "optimizer", lower=True)
    return cls.from_config(dict(config.get("config") or {}), custom_objects)


def get(identifier) -> Optimizer | None:
    """An optimizer from a name (``"adam"``, ``"SGD"``, ... case-insensitive), a config dict or an instance.

    Raises:
        ValueError: for an unknown name (the message lists the valid ones) or an identifier of another kind.
        TypeError: a Keras, TensorFlow or PyTorch optimizer.
    """
    if identifier is None or isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        return deserialize({"class_name": identifier, "config": {}})
    if isinstance(identifier, dict):
        return deserialize(identifier)
    refuse_foreign(identifier, "optimizer", "an optimizer name such as 'adam' or an optimizer of "
                                            "tinygradconv.optimizers")
    raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}. Pass an Optimizer, a config dict "
                     f"or one of {sorted(_BY_NAME)}")


__all__ = ["SGD", "Adadelta", "Adafactor", "Adagrad", "Adam", "AdamW", "Adamax", "Ftrl", "Lamb", "Lion",
           "LossScaleOptimizer", "Muon", "Nadam", "Optimizer", "RMSprop", "ScheduleFreeAdamW", "deserialize", "get",
           "schedules", "serialize"]
