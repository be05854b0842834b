"""Looking objects up by name: the one implementation behind the ``get``/``serialize``/``deserialize`` functions of
:mod:`~tinygradconv.initializers`, :mod:`~tinygradconv.regularizers` and :mod:`~tinygradconv.constraints`, the name
tables and unknown-name errors of :mod:`~tinygradconv.losses`, :mod:`~tinygradconv.metrics` and
:mod:`~tinygradconv.optimizers`, and Keras' snake case of class names (layer names, weight keys); and the custom
objects (your own functions and classes, found by name when a model is loaded, as Keras' ``custom_objects``:
:class:`custom_object_scope`).

Each public module keeps its own ``get``/``serialize``/``deserialize`` (with its docstring and example) and passes
``kind``, the word its messages use (``"initializer"``), and ``base``, the class users subclass.

>>> class Rule(Configurable):
...     def __init__(self, size=1):
...         self.size = size
...     def get_config(self):
...         return {"size": self.size}
>>> class MaxSize(Rule):
...     pass
>>> table = name_table([MaxSize], {"biggest": MaxSize})
>>> sorted(table)
['MaxSize', 'biggest', 'max_size']
>>> get("max_size", table, "rule", Rule)
MaxSize(size=1)
>>> serialize(get({"class_name": "MaxSize", "config": {"size": 3}}, table, "rule", Rule), "rule", Rule)
{'class_name': 'MaxSize', 'config': {'size': 3}}
>>> get("tallest", table, "rule", Rule)
Traceback (most recent call last):
...
ValueError: Unknown rule: 'tallest'. Valid names: ['MaxSize', 'biggest', 'max_size']
"""
from __future__ import annotations

import contextvars
import re

from .validation import refuse_foreign


def snake_case(name: str) -> str:
    """Keras' ``to_snake_case``: ``Conv1DTranspose`` -> ``conv1d_transpose``, ``L1L2`` -> ``l1l2``.

    >>> snake_case("BatchNormalization"), snake_case("Conv1DTranspose")
    ('batch_normalization', 'conv1d_transpose')
    """
    name = re.sub(r"\W+", "", name)
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def name_table(classes, aliases=None, *, lower=False) -> dict:
    """``{name: class}``: each class under its name and its snake case, then the ``aliases`` (which win).

    With ``lower=True`` (for look-ups that lower-case the name first), each class is under its lower-cased name
    instead, and the lower-cased names win over the aliases.
    """
    if lower:
        return {**(aliases or {}), **{cls.__name__.lower(): cls for cls in classes}}
    table = {cls.__name__: cls for cls in classes}
    table.update({snake_case(cls.__name__): cls for cls in classes})
    table.update(aliases or {})
    return table


# ------------------------------------------------------------------------------------------------ custom objects
#: Objects registered for the whole process (Keras' ``keras.saving.get_custom_objects()``): name -> function or class.
GLOBAL_CUSTOM_OBJECTS: dict = {}
_SCOPES = contextvars.ContextVar("tinygradconv_custom_object_scopes", default=())


class custom_object_scope:     # Keras' name, lower case: used as ``with custom_object_scope({...}):``
    """Within ``with custom_object_scope({"my_act": my_act}):``, names in configs (a loaded model's activations,
    initializers, regularizers, constraints, losses, metrics and layer classes) are looked up in the dicts given
    first, then in :data:`GLOBAL_CUSTOM_OBJECTS`, then among the built-ins: Keras 3's
    ``keras.saving.custom_object_scope``. Scopes nest (the innermost wins); ``None`` is accepted for no objects.

    Raises:
        TypeError: an argument that is not a dict, a key that is not a string, or a value that is not callable.

    >>> def twice(x):
    ...     return x * 2.0
    >>> with custom_object_scope({"twice": twice}):
    ...     custom_object("twice") is twice
    True
    >>> custom_object("twice") is None
    True
    """

    def __init__(self, *custom_objects):
        self.objects = {}
        for objects in custom_objects:
            if objects is None:
                continue
            if not isinstance(objects, dict):
                raise TypeError(f"custom_objects must be a dict {{name: function or class}}; received {objects!r} "
                                f"of type {type(objects).__name__}")
            for name, obj in objects.items():
                if not isinstance(name, str) or not callable(obj):
                    raise TypeError(f"custom_objects maps names (str) to functions or classes; received "
                                    f"{name!r}: {obj!r}")
            self.objects.update(objects)
        self._tokens = []       # one per ``with`` still open: the same scope may be entered again inside itself

    def __enter__(self):
        self._tokens.append(_SCOPES.set((*_SCOPES.get(), self.objects)))
        return self.objects

    def __exit__(self, *exc_info):
        _SCOPES.reset(self._tokens.pop())
        return False


def get_custom_objects():
    """The process-wide dict of your own functions and classes, ``{name: object}``, that loading a model looks names
    up in after the ``custom_objects`` it is given (Keras 3's ``keras.saving.get_custom_objects``): after
    ``get_custom_objects()["my_act"] = my_act``, a saved ``activation="my_act"`` loads as ``my_act`` everywhere.
    To register names for a ``with`` block only, use :class:`custom_object_scope`. Also in
    :mod:`tinygradconv.saving` and :mod:`tinygradconv.utils`, as in Keras.

    >>> "my_own_function" in get_custom_objects()
    False
    """
    return GLOBAL_CUSTOM_OBJECTS


#: ``{object: "package>name"}`` for the objects :func:`register_keras_serializable` registered.
_REGISTERED_NAMES: dict = {}


def register_keras_serializable(package="Custom", name=None):
    """A decorator that registers your function or class for the whole process under ``"package>name"`` (``name``:
    its ``__name__`` by default), as Keras 3's ``keras.saving.register_keras_serializable``: configs then name it by
    that key, and loading finds it without ``custom_objects``. Registering does not make a format take what it
    refuses: a layer class of your own goes into ``.npz``, ``.keras``, Keras JSON and ``.weights.h5`` files,
    registered or not, and a subclassed model (a ``call`` of its own) into ``.npz`` files only
    (:doc:`docs/keras_compatibility.md </keras_compatibility>` lists what each format takes).

    Raises:
        ValueError: a class without ``get_config`` (Keras' rule), or a ``package`` or ``name`` that holds ``">"``.
        TypeError: a class or function as ``package``: the decorator used without its parentheses
            (``@register_keras_serializable``), which Keras 3 lets through silently.

    >>> @register_keras_serializable(package="Docs")
    ... def tripled(x):
    ...     return x * 3.0
    >>> get_custom_objects()["Docs>tripled"] is tripled, registered_name(tripled)
    (True, 'Docs>tripled')
    >>> del get_custom_objects()["Docs>tripled"], _REGISTERED_NAMES[tripled]
    """
    if callable(package):       # `@register_keras_serializable` without its parentheses, or a direct call
        raise TypeError(f"Invalid type for argument `package` of register_keras_serializable: received the "
                        f"{'class' if isinstance(package, type) else 'function'} {package!r}; expected a string. "
                        "register_keras_serializable is a decorator factory: write "
                        '@register_keras_serializable(package="...") (with the parentheses), or call '
                        'register_keras_serializable(package="...")(obj). (Keras 3 returns the decorator silently '
                        "here, and the decorated name then holds that decorator instead of your class)")
    for argument, value in (("package", package), ("name", name)):
        if value is not None and (not isinstance(value, str) or ">" in value):
            raise ValueError(f"register_keras_serializable: `{argument}` must be a string without '>'; received "
                             f"{argument}={value!r}")

    def decorator(obj):
        if isinstance(obj, type) and not hasattr(obj, "get_config"):
            raise ValueError("Cannot register a class that does not have a get_config() method.")
        key = f"{package}>{name if name is not None else obj.__name__}"
        GLOBAL_CUSTOM_OBJECTS[key] = obj
        _REGISTERED_NAMES[obj] = key
        return obj

    return decorator


def registered_name(obj):
    """The ``"package>name"`` key :func:`register_keras_serializable` gave ``obj``, else None."""
    try:
        return _REGISTERED_NAMES.get(obj)
    except TypeError:       # not hashable
        return None


def get_registered_name(obj) -> str:
    """The name under which ``obj`` is written in configs: the ``"package>name"`` key
    :func:`register_keras_serializable` gave it, else its ``__name__`` (Keras 3's
    ``keras.saving.get_registered_name``). Also in :mod:`tinygradconv.saving` and :mod:`tinygradconv.utils`.

    >>> get_registered_name(len)
    'len'
    """
    return registered_name(obj) or obj.__name__


def get_registered_object(name, custom_objects=None, module_objects=None):
    """The function or class registered under ``name``: by the innermost :class:`custom_object_scope` that has
    it, by :func:`get_custom_objects`, in ``custom_objects``, then in ``module_objects`` (dicts); None if none has
    it. Keras 3's ``keras.saving.get_registered_object``, in its order; for a layer's ``from_config`` of your own.

    >>> get_registered_object("no_such_object") is None
    True
    """
    found = custom_object(name)
    if found is not None:
        return found
    for objects in (custom_objects, module_objects):
        if objects and name in objects:
            return objects[name]
    return None


def custom_object(name):
    """The function or class registered under ``name`` by the innermost :class:`custom_object_scope` that has it,
    else by :data:`GLOBAL_CUSTOM_OBJECTS`; None when none has it."""
    for objects in reversed(_SCOPES.get()):
        if name in objects:
            return objects[name]
    return GLOBAL_CUSTOM_OBJECTS.get(name) if isinstance(name, str) else None


# ------------------------------------------------------------------------------------------------ look-ups
def lookup(table: dict, name: str, kind: str, *, lower=False, extra=()):
    """The object registered as ``name`` by a :class:`custom_object_scope` (exact name), else ``table[name]``
    (``name.lower()`` with ``lower=True``); an unknown name raises a ``ValueError`` listing the valid ones (those of
    ``table`` and the ``extra`` names the caller resolves itself)."""
    found = custom_object(name)
    if found is not None:
        return found
    found = table.get(name.lower() if lower else name)
    if found is None:
        error = ValueError(f"Unknown {kind}: {name!r}. Valid names: {sorted({*table, *extra})}")
        error.unknown_name = (kind, name)   # for a loader's hint on custom_objects (saving.custom_objects_hint)
        raise error
    return found


def serialize(obj, kind: str, base: type):
    """``{"class_name": ..., "config": obj.get_config()}``; None gives None; an object without ``get_config``
    raises a ``ValueError`` that names it."""
    if obj is None:
        return None
    if not hasattr(obj, "get_config"):
        article = "an" if base.__name__[0] in "AEIOU" else "a"
        raise ValueError(f"Cannot serialize the {kind} {obj!r}: it has no get_config(). Use {article} "
                         f"{base.__name__} subclass.")
    return {"class_name": class_name(obj, kind), "config": obj.get_config()}


def registered_class_name(config: dict, name: str) -> str:
    """The name to look ``config`` up by: its ``registered_name`` when that is Keras' form of a registered class,
    ``"package>Name"`` (as ``serialize_keras_object`` writes it), else ``name``."""
    registered = config.get("registered_name")
    return registered if isinstance(registered, str) and ">" in registered else name


def deserialize(config, table: dict, kind: str):
    """A new object from :func:`serialize`'s output; the class name is looked up exactly (Keras' extra keys
    ``module``, ... are ignored; a ``registered_name`` ``"package>Name"`` is looked up instead of the class name,
    as Keras' ``serialize_keras_object`` writes a registered class). A name that a :class:`custom_object_scope`
    maps to a function gives that function, and so does Keras 3's form of a plain function, ``{"class_name":
    "function", "config": "its_name"}``."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Invalid {kind} config: expected a dict with 'class_name' and 'config'. "
                         f"Received: {config!r}")
    name, inner = config["class_name"], config.get("config")
    if name == "function" and isinstance(inner, str):
        name, inner = inner, None
    name = registered_class_name(config, name)
    found = lookup(table, name, kind)
    if isinstance(found, type):
        return found.from_config(dict(inner or {}))
    if inner:
        raise ValueError(f"Invalid {kind} config: {name!r} is the function {found!r}, which takes no config. "
                         f"Received: {config!r}")
    return found


def deserialize_lower(config: dict, table: dict, kind: str, classes):
    """A new object from a config dict whose ``class_name`` is looked up lower-cased in a ``lower=True`` table (as
    losses and metrics do), or a class of that exact name from a :class:`custom_object_scope`; an unknown one raises
    a ``ValueError`` listing the valid class names."""
    cls = custom_object(config.get("class_name"))
    if not isinstance(cls, type):
        cls = table.get(str(config.get("class_name", "")).lower())
    if cls is None:
        raise ValueError(f"Unknown {kind} config: {config!r}. Valid class names: "
                         f"{sorted(c.__name__ for c in classes)}")
    return cls.from_config(dict(config.get("config") or {}))


class Configurable:
    """What :func:`serialize` and :func:`deserialize` rely on: ``get_config()`` gives the constructor's keyword
    arguments (none here), ``from_config(config)`` calls the constructor with them, and the repr shows them."""

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


def get(identifier, table: dict, kind: str, base: type):
    """An object from a name, a config dict, an instance or a ``base`` subclass (instantiated with no arguments),
    or any callable (returned as is) other than Keras', TensorFlow's or PyTorch's (a ``TypeError``,
    :func:`~tinygradconv.validation.refuse_foreign`); None gives None."""
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        return deserialize(identifier, table, kind)
    if isinstance(identifier, str):
        return deserialize({"class_name": identifier, "config": {}}, table, kind)
    if isinstance(identifier, type) and issubclass(identifier, base):
        return identifier()
    refuse_foreign(identifier, kind, f"a name, a config dict or an object of tinygradconv.{_KIND_MODULES[kind]}")
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret {kind} identifier: {identifier!r}. Expected a name "
                     f"({sorted(table)}), a config dict or a callable.")


#: The kinds of objects a config names, and the modules whose name tables hold tinygradconv's own.
_KIND_MODULES = {"activation": "activations", "initializer": "initializers", "regularizer": "regularizers",
                 "constraint": "constraints", "loss": "losses", "metric": "metrics", "optimizer": "optimizers"}
#: The kinds a layer's ``get_config`` names (``"function"``: one of them, not said which).
_LAYER_KINDS = ("activation", "initializer", "regularizer", "constraint")


def builtin(kind: str, name: str):
    """tinygradconv's own object (function or class) of ``kind`` named ``name`` in its name table, never a custom
    object; None when it has none. Losses, metrics and optimizers are found whatever the case, as their ``get``
    finds them; a loss that metrics accept by name counts as a metric."""
    import importlib

    module = importlib.import_module(f"tinygradconv.{_KIND_MODULES[kind]}")
    if kind in _LAYER_KINDS:
        return module.ALL_OBJECTS.get(name)
    found = module._BY_NAME.get(name.lower())
    if found is None and kind == "metric" and name.lower() in module._LOSS_METRICS:
        found = module._LOSS_METRICS[name.lower()]
    return found


def defined_here(obj) -> bool:
    """Whether the function or class ``obj`` is defined in tinygradconv itself (not the user's own)."""
    return (getattr(obj, "__module__", None) or "").split(".")[0] == "tinygradconv"


def _check_not_builtin(obj, name, kind, what):
    """Refuse to write your own ``obj`` (a function or a class) under ``name`` when a tinygradconv object of the
    same kind (every layer kind for ``"function"``) has that name: loading would silently read back the built-in."""
    if defined_here(obj):
        return
    if kind == "function":
        kinds = _LAYER_KINDS
    elif kind in _KIND_MODULES:
        kinds = (kind,)
    else:                   # a kind without a name table (a learning-rate schedule)
        return
    for other in kinds:
        found = builtin(other, name)
        if found is not None and found is not obj:
            raise ValueError(f"Cannot serialize the {kind} {name!r} of module {obj.__module__!r}: loading the model "
                             f"would read it back as tinygradconv's own {other} {name!r}, silently. Rename your "
                             f"{what}.")


def function_name(fn, kind: str) -> str:
    """The name under which a plain function (an activation, an initializer, ...) is written in a config: its
    ``__name__``, or the key :func:`register_keras_serializable` gave it.

    Raises:
        ValueError: a lambda or a function defined inside another function (no name to find it again by: the file
            written could not be loaded), or a function of your own whose name is one of tinygradconv's own
            objects of the same ``kind`` (of any kind a layer names for ``"function"``): loading would silently read
            back the built-in one instead, whatever custom objects are registered (found by testers).
    """
    key = registered_name(fn)
    if key:                 # found by its key, which no built-in has
        return key
    name = getattr(fn, "__name__", None)
    if not name or "<" in (getattr(fn, "__qualname__", name) or name):
        raise ValueError(f"Cannot serialize the {kind} {fn!r}: a lambda or a function defined inside another "
                         "function has no name by which it could be found again when the model is loaded. Define "
                         "it at module level with a name of its own, or use a class with get_config().")
    _check_not_builtin(fn, name, kind, "function, or use a class with get_config()")
    return name


def class_name(obj, kind: str) -> str:
    """The ``class_name`` under which an object with ``get_config`` is written in a config: its class's name, or
    the key :func:`register_keras_serializable` gave the class.

    Raises:
        ValueError: a class of your own named like one of tinygradconv's of the same ``kind`` (a regularizer class
            ``L2``): loading would silently make the built-in one (found by a tester).
    """
    key = registered_name(type(obj))
    if key:                 # found by its key, which no built-in has
        return key
    name = type(obj).__name__
    _check_not_builtin(type(obj), name, kind, "class")
    return name


# ------------------------------------------------------------------------------------------------ missing names
def missing_attribute(module: str, name: str, available, hints: dict) -> AttributeError:
    """The ``AttributeError`` for ``module.name`` when ``name`` is not there, with a hint: ``hints[name]`` when
    there is one (a Keras name this package leaves out, and what to use instead), else the closest names among
    ``available`` (``difflib``), else the list of them. A module's ``__getattr__`` raises it.

    Names are compared lower-cased, as ``get`` looks them up: ``auc`` finds the hint "did you mean AUC?" and
    ``SERIALIZE`` the hint of ``serialize``. A name that starts with ``_`` (Python's own ``__path__``, which
    ``from module import name`` asks every module for, ``__wrapped__``, a private name) gets the plain error at once,
    with no hint worked out: that keeps ``from tinygradconv.metrics import get`` fast.

    >>> str(missing_attribute("tinygradconv.layers", "Dens", ["Dense", "Dropout"], {}))
    "module 'tinygradconv.layers' has no attribute 'Dens'; did you mean Dense?"
    >>> str(missing_attribute("tinygradconv.metrics", "auc", ["AUC", "Accuracy"], {}))
    "module 'tinygradconv.metrics' has no attribute 'auc'; did you mean AUC?"
    >>> str(missing_attribute("m", "LSTM", ["Dense"], {"LSTM": "there are no recurrent layers"}))
    "module 'm' has no attribute 'LSTM'; there are no recurrent layers"
    >>> str(missing_attribute("m", "__path__", ["Dense"], {}))
    "module 'm' has no attribute '__path__'"
    """
    if name.startswith("_"):
        return AttributeError(f"module {module!r} has no attribute {name!r}")
    import difflib

    hint = hints.get(name)
    if hint is None:
        hint = {key.lower(): text for key, text in hints.items()}.get(name.lower())
    if hint is None:
        public = sorted(n for n in available if not n.startswith("_"))
        by_lower = {}           # lower-cased name -> the names spelled so ("accuracy": Accuracy and accuracy)
        for public_name in public:
            by_lower.setdefault(public_name.lower(), []).append(public_name)
        close = difflib.get_close_matches(name.lower(), list(by_lower), n=3, cutoff=0.75)
        close = [spelled for key in close for spelled in by_lower[key]]
        hint = f"did you mean {' or '.join(close)}?" if close else f"the names here are: {', '.join(public)}"
    return AttributeError(f"module {module!r} has no attribute {name!r}; {hint}")
