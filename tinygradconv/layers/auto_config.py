"""The constructor arguments a layer (or model) of your own was made with, recorded as Keras 3 records them
(``keras/src/ops/operation.py``, ``Operation.__new__``), so that a subclass that does not write ``get_config`` still
has a working one (``Layer.get_config``): ``from_config``, ``clone_model`` and saving then work for
``class NoCfg(Layer): def __init__(self, units, **kwargs)`` without more code.

Keras' rule, followed here:

- the arguments are bound to ``__init__``'s signature, with its defaults filled in; ``**kwargs`` are merged in,
  ``self`` and ``name`` are left out (``get_config`` adds the layer's name);
- nothing is recorded when the arguments do not bind, when ``__init__`` has positional-only parameters, when
  ``*args`` received values, or when a value, looked into lists, tuples and dicts, is not a ``str``, ``int``,
  ``float``, ``bool`` or ``None`` (a layer, a NumPy array, a ``np.float32``...): ``get_config`` then raises
  Keras' ``NotImplementedError`` (:func:`missing_config_error`), asking for a ``get_config`` of your own.

Only classes outside tinygradconv are recorded (a layer of tinygradconv writes its ``get_config``), and the
signature of a class is read once, so creating a ``Dense`` costs one dictionary lookup more.

>>> from tinygradconv.layers import Layer
>>> class NoCfg(Layer):
...     def __init__(self, units, **kw):
...         super().__init__(**kw)
...         self.units = units
>>> config = NoCfg(2).get_config()
>>> config["units"], config["trainable"], "name" in config
(2, True, False)
>>> NoCfg.from_config(config).units
2
"""
from __future__ import annotations

import inspect
import textwrap
from typing import NamedTuple

from ..validation import _type_name

#: Why nothing was recorded (:attr:`NotRecorded.kind`): the arguments' values, or the way they were passed
#: (``*args``, positional only).
NOT_SERIALIZABLE, POSITIONAL = "values", "positional"


class NotRecorded(NamedTuple):
    """Why a layer's constructor arguments were not recorded (the second item of :func:`record`'s result), so that
    an error can say what to change (:func:`missing_config_error`, and the ``.keras`` writer's).

    Attributes:
        kind: :data:`NOT_SERIALIZABLE` (a value that is not plain, or arguments that do not bind) or
            :data:`POSITIONAL` (``*args`` or positional-only parameters).
        argument: the name of the first argument holding a value that is not plain, or None.
        value_type: the type of that value as a user writes it (``"numpy.ndarray"``), or None.
    """

    kind: str
    argument: str | None = None
    value_type: str | None = None


#: class -> (signature, name of **kwargs or None, name of *args or None, whether positional-only parameters exist)
_SIGNATURES: dict = {}


def _signature(cls):
    found = _SIGNATURES.get(cls)
    if found is None:
        signature = inspect.signature(cls.__init__)
        parameters = list(signature.parameters.values())[1:]        # (self)
        varkw = next((p.name for p in parameters if p.kind is p.VAR_KEYWORD), None)
        varargs = next((p.name for p in parameters if p.kind is p.VAR_POSITIONAL), None)
        positional_only = any(p.kind is p.POSITIONAL_ONLY for p in parameters)
        found = _SIGNATURES[cls] = (signature, varkw, varargs, positional_only)
    return found


def _is_plain(value):
    """Whether ``value`` (not a container) is one Keras' automatic config records: a str, int, float, bool or None."""
    return isinstance(value, (str, int, float, bool, type(None)))


def first_not_plain(value, is_plain=_is_plain, check_keys=False):
    """``(path, item)`` for the first ``item`` in ``value`` (looked into lists, tuples and the values of dicts, as
    Keras' ``tree.flatten``) for which ``is_plain(item)`` is false, or None when there is none. ``path`` is written
    to follow the name of ``value``: ``"['units'][0]"``, ``""`` for ``value`` itself. With ``check_keys``, a dict
    key that is not a str is such an item too, at ``"<the dict's path> (a key)"``.

    >>> first_not_plain({"units": 3, "sizes": [1, None, 2j]})
    ("['sizes'][2]", 2j)
    """
    if isinstance(value, dict):
        for key, item in value.items():
            if check_keys and not isinstance(key, str):
                return " (a key)", key
            found = first_not_plain(item, is_plain, check_keys)
            if found is not None:
                return f"[{key!r}]{found[0]}", found[1]
        return None
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            found = first_not_plain(item, is_plain, check_keys)
            if found is not None:
                return f"[{i}]{found[0]}", found[1]
        return None
    return None if is_plain(value) else ("", value)


def record(cls, args, kwargs):
    """``(arguments, why_not)``: the constructor arguments of ``cls(*args, **kwargs)`` by Keras' rule (see the
    module docstring) and None, or ``(None, why_not)`` when they cannot be recorded, ``why_not`` a
    :class:`NotRecorded` (for a value that is not plain, naming the argument and the value's type)."""
    signature, varkw, varargs, positional_only = _signature(cls)
    try:
        bound = signature.bind(None, *args, **kwargs)
    except TypeError:
        return None, NotRecorded(NOT_SERIALIZABLE)
    if positional_only:
        return None, NotRecorded(POSITIONAL)
    bound.apply_defaults()
    arguments = dict(bound.arguments)
    arguments.update(arguments.pop(varkw, None) or {})
    del arguments[next(iter(signature.parameters))]     # self
    arguments.pop("name", None)
    if varargs is not None and arguments.pop(varargs):
        return None, NotRecorded(POSITIONAL)
    for argument, value in arguments.items():
        found = first_not_plain(value)
        if found is not None:
            return None, NotRecorded(NOT_SERIALIZABLE, argument, _type_name(found[1]))
    return arguments, None


def config_with_name(layer, arguments):
    """``{"name": ..., **arguments}``, without ``name`` when ``__init__`` can take none (no ``name`` parameter and
    no ``**kwargs`` catch-all literally named ``kwargs``: Keras' test, which leaves the name out for ``**kw``)."""
    parameters = inspect.signature(type(layer).__init__).parameters
    config = {"name": layer.name, **arguments}
    takes_kwargs = "kwargs" in parameters and parameters["kwargs"].kind is inspect.Parameter.VAR_KEYWORD
    if "name" not in parameters and not takes_kwargs:
        config.pop("name")
    return config


_EXAMPLE = """
class CustomLayer(keras.layers.Layer):
    def __init__(self, arg1, arg2, **kwargs):
        super().__init__(**kwargs)
        self.arg1 = arg1
        self.arg2 = arg2

    def get_config(self):
        config = super().get_config()
        config.update({
            "arg1": self.arg1,
            "arg2": self.arg2,
        })
        return config
"""


def missing_config_error(layer, why_not):
    """Keras 3's ``NotImplementedError`` (its words) for ``get_config`` of a layer whose arguments were not
    recorded (``why_not``: the :class:`NotRecorded` reason, or None)."""
    name = type(layer).__name__
    if why_not is not None and why_not.kind == POSITIONAL:
        text = (f"Object {name} was created by passing positional only or variadic positional arguments (e.g., "
                "`*args`) to `__init__()`, which is not supported by the automatic config generation. Please remove "
                "all positional only and variadic arguments from `__init__()` or override `get_config()` and "
                "`from_config()` to make the object serializable.")
    else:
        text = (f"Object {name} was created by passing non-serializable argument values in `__init__()`, and "
                "therefore the object must override `get_config()` in order to be serializable. Please implement "
                "`get_config()`.")
    return NotImplementedError(text + "\n\nExample:\n" + textwrap.indent(_EXAMPLE, "    "))
