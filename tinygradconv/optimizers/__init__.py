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


#: Keras 3.15 optimizers that tinygradconv does not have (lower-cased names): what each is.
_KERAS_ONLY = {
    "multioptimizer": ("keras.optimizers.MultiOptimizer (one optimizer per group of variables, chosen by an "
                       "OptimizerMap or a function of the variable)"),
    "optimizermap": "keras.optimizers.OptimizerMap (the variable-to-optimizer map of MultiOptimizer)",
}
_KERAS_ONLY_HINT = ("which Keras 3 has and tinygradconv does not: train the groups with one optimizer each, "
                    "calling each one's apply(grads, variables) on its own variables")


def deserialize(config: dict, custom_objects=None) -> Optimizer:
    """A new optimizer from :func:`serialize`'s output (class names are case-insensitive).

    Raises:
        ValueError: a config that is not such a dict, an unknown class name (the message lists the valid ones),
            or one of Keras' that this package does not have (``MultiOptimizer``: the message says so).
    """
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"An optimizer config must be a dict with 'class_name' and 'config'. Received: {config!r}")
    custom = {k.lower(): v for k, v in (custom_objects or {}).items()}
    name = str(config["class_name"])
    if name.lower() in _KERAS_ONLY and name.lower() not in custom and _lookup.custom_object(name) is None:
        error = ValueError(f"Unknown optimizer: {name!r} is {_KERAS_ONLY[name.lower()]}, {_KERAS_ONLY_HINT}. "
                           f"Valid names: {sorted(_BY_NAME)}")
        error.unknown_name = ("optimizer", name)
        raise error
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


def __getattr__(name):
    if name.lower() in _KERAS_ONLY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}; it is {_KERAS_ONLY[name.lower()]}, "
                             f"{_KERAS_ONLY_HINT}")
    raise _lookup.missing_attribute(__name__, name, __all__, {})


__all__ = ["SGD", "Adadelta", "Adafactor", "Adagrad", "Adam", "AdamW", "Adamax", "Ftrl", "Lamb", "Lion",
           "LossScaleOptimizer", "Muon", "Nadam", "Optimizer", "RMSprop", "ScheduleFreeAdamW", "deserialize", "get",
           "schedules", "serialize"]
