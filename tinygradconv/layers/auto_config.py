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

#: Why nothing was recorded: the arguments' values, or the way they were passed (``*args``, positional only).
NOT_SERIALIZABLE, POSITIONAL = "values", "positional"


class Unserializable(str):
    """:data:`NOT_SERIALIZABLE` (equal to it) for arguments that bound but hold a value that is not plain, with the
    first such argument's name (``argument``) and the type of the value found in it (``value_type``, e.g.
    ``"numpy.ndarray"``), so that an error can name them (the ``.keras`` writer's,
    :func:`unserializable_argument`)."""

    def __new__(cls, argument, value_type):
        out = super().__new__(cls, NOT_SERIALIZABLE)
        out.argument, out.value_type = argument, value_type
        return out

    def __reduce__(self):       # copied (copy.deepcopy of a layer) and pickled with both fields
        return type(self), (self.argument, self.value_type)

#: class -> (signature, name of **kwargs or None, name of *args or None, whether positional-only parameters exist)
_SIGNATURES: dict = {}

_SUPPORTED = (str, int, float, bool, type(None))


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


def _plain(value):
    """Whether ``value`` holds only str, int, float, bool and None, looked into lists, tuples and dicts (the
    values of a dict, as Keras' ``tree.flatten``)."""
    if isinstance(value, (list, tuple)):
        return all(_plain(item) for item in value)
    if isinstance(value, dict):
        return all(_plain(item) for item in value.values())
    return isinstance(value, _SUPPORTED)


def _first_not_plain(value):
    """The first value in ``value`` (looked into as :func:`_plain` looks) that is not plain, or None."""
    if isinstance(value, (list, tuple, dict)):
        for item in (value.values() if isinstance(value, dict) else value):
            found = _first_not_plain(item)
            if found is not None:
                return found
        return None
    return None if isinstance(value, _SUPPORTED) else value


def _type_name(value):
    cls = type(value)
    return cls.__name__ if cls.__module__ == "builtins" else f"{cls.__module__.split('.')[0]}.{cls.__qualname__}"


def unserializable_argument(why_not):
    """``(argument, value_type)`` of the argument that kept a layer's constructor arguments from being recorded
    (``why_not``: the second item of :func:`record`'s result), or None when that was not one argument's value."""
    if isinstance(why_not, Unserializable):
        return why_not.argument, why_not.value_type
    return None


def record(cls, args, kwargs):
    """``(arguments, why_not)``: the constructor arguments of ``cls(*args, **kwargs)`` by Keras' rule (see the
    module docstring), or ``(None, NOT_SERIALIZABLE | POSITIONAL)`` when they cannot be recorded (for a value
    that is not plain, an :class:`Unserializable` naming the argument)."""
    signature, varkw, varargs, positional_only = _signature(cls)
    try:
        bound = signature.bind(None, *args, **kwargs)
    except TypeError:
        return None, NOT_SERIALIZABLE
    if positional_only:
        return None, POSITIONAL
    bound.apply_defaults()
    arguments = dict(bound.arguments)
    arguments.update(arguments.pop(varkw, None) or {})
    del arguments[next(iter(signature.parameters))]     # self
    arguments.pop("name", None)
    if varargs is not None and arguments.pop(varargs):
        return None, POSITIONAL
    for argument, value in arguments.items():
        if not _plain(value):
            return None, Unserializable(argument, _type_name(_first_not_plain(value)))
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
    recorded."""
    name = type(layer).__name__
    if why_not == POSITIONAL:
        text = (f"Object {name} was created by passing positional only or variadic positional arguments (e.g., "
                "`*args`) to `__init__()`, which is not supported by the automatic config generation. Please remove "
                "all positional only and variadic arguments from `__init__()` or override `get_config()` and "
                "`from_config()` to make the object serializable.")
    else:
        text = (f"Object {name} was created by passing non-serializable argument values in `__init__()`, and "
                "therefore the object must override `get_config()` in order to be serializable. Please implement "
                "`get_config()`.")
    return NotImplementedError(text + "\n\nExample:\n" + textwrap.indent(_EXAMPLE, "    "))
