"""``clone_model``: the same architecture on new layers, with newly initialized weights (Keras 3's
``keras.models.clone_model``).

Cloning is calling the model's graph again on new inputs, with each layer replaced by ``clone_function(layer)``
(by default a layer built from its config: ``type(layer).from_config(layer.get_config())``, so the weights are
initialized afresh, not copied). A layer used twice in the model is cloned once, so the clone shares it the same way.
To copy the weights too, follow with ``clone.set_weights(model.get_weights())``.

>>> import numpy as np
>>> from tinygradconv import layers, models
>>> inputs = layers.Input((8, 1), name="signal")
>>> model = models.Model(inputs, layers.Conv1DTranspose(2, 3, strides=2, name="up")(inputs))
>>> clone = models.clone_model(model)
>>> [layer.name for layer in clone.layers], clone.output_shape
(['signal', 'up'], (None, 17, 2))
>>> clone.layers[1] is model.layers[1]
False
>>> clone.set_weights(model.get_weights())
>>> x = np.ones((1, 8, 1), "float32")
>>> bool(np.array_equal(clone.predict(x), model.predict(x)))
True
"""
from __future__ import annotations

import copy
import functools
import inspect

from . import layers
from ._lookup import defined_here, get_registered_name
from .functional import _FUNCTIONAL_CONFIG_KEYS, Functional, rejects_arguments
from .layers.input_layer import Input
from .layers.keras_tensor import KerasTensor, flatten, map_structure
from .layers.layer import Layer
from .metrics import Metric
from .models import Model, Sequential, _takes_functional_arguments, call_takes_one_tensor
from .optimizers.optimizer import Optimizer, fresh_copy
from .saving import custom_object_scope, custom_objects_hint

__all__ = ["clone_model"]


def clone_model(model, input_tensors=None, clone_function=None, call_function=None, recursive=False):
    """A new model with the architecture of ``model``, on new layers with newly initialized weights.

    Args:
        model: a :class:`~tinygradconv.models.Sequential`, a functional model (``models.Model(inputs, outputs)``),
            or a subclassed model whose class has ``get_config``/``from_config``.
        input_tensors: symbolic tensors to build the clone on (``layers.Input``), with the structure of
            ``model.input`` (one tensor for a ``Sequential``); by default new ``Input`` layers like the model's.
        clone_function: ``fn(layer) -> layer``, applied once to every layer but the inputs; by default
            ``type(layer).from_config(layer.get_config())``. Returning ``layer`` itself shares it with ``model``.
        call_function: ``fn(layer, inputs) -> outputs``, called instead of ``layer(inputs)`` while the functional
            graph is rebuilt (to wrap or add layers); functional models only.
        recursive: clone the Sequential and functional models nested in ``model`` with the same functions
            (otherwise ``clone_function`` gets each nested model as one layer).

    Returns:
        The clone, a model of the same kind with the same name (a functional model of a ``Model`` subclass of
        your own, ``CustomModel(inputs, outputs)``, is a ``CustomModel`` when its constructor takes ``(inputs,
        outputs)``, as Keras' ``functional_like_constructor`` rule; else a plain functional model, as in Keras).
        If ``model`` is compiled, the clone is compiled with the same arguments and a new optimizer of the same
        configuration (new state), and new metric objects.

    Raises:
        TypeError: ``model`` is not a model, or ``clone_function`` returns something other than a layer.
        ValueError: as Keras: ``clone_function``/``call_function`` not callable, ``input_tensors`` of another
            structure than ``model.input`` (or not symbolic), ``call_function`` with a ``Sequential``, or
            ``clone_function``/``input_tensors``/``call_function`` with a subclassed model.

    Source: ``keras.models.clone_model`` (Keras 3 documentation and ``keras/src/models/cloning.py``), whose
    arguments, defaults and errors this follows.
    """
    if not isinstance(model, Model):
        raise TypeError(f"Expected `model` argument to be a `Model` instance (Sequential, functional or "
                        f"subclassed). Received: model={model!r} of type {type(model).__name__}")
    for name, fn in (("clone_function", clone_function), ("call_function", call_function)):
        if fn is not None and not callable(fn):
            raise ValueError(f"Expected `{name}` argument to be a callable. Received: {name}={fn!r}")
    clone_layer = _cloner(clone_function, call_function, recursive, {})
    if isinstance(model, Sequential):
        if call_function is not None:
            raise ValueError("`call_function` argument is not supported with Sequential models: their layers are "
                             "listed, not called, when the model is made. Use it with functional models only.")
        clone = _clone_sequential(model, clone_layer, input_tensors)
    elif isinstance(model, Functional):
        clone = _clone_functional(model, clone_layer, call_function, input_tensors)
    else:
        if clone_function is not None or input_tensors is not None or call_function is not None:
            raise ValueError(f"Arguments `clone_function`, `call_function` and `input_tensors` are only supported "
                             f"for Sequential models or functional models. Received model of type "
                             f"'{type(model).__name__}'")
        clone = type(model).from_config(model.get_config())
        shape = getattr(model, "_build_input_shape", None)
        # built as the model was, as Keras' build_config does; a call of several tensors builds on its first call
        if model.built and shape is not None and call_takes_one_tensor(model):
            clone.build(shape)
    if getattr(model, "compiled", False):
        clone.compile(**_fresh_compile_arguments(model))
    return clone


def _cloner(clone_function, call_function, recursive, cache):
    """``clone_function`` made to clone each layer once (``cache``: id -> clone), nested models recursively when
    ``recursive``, and to return only layers."""

    def from_config(layer):
        try:
            # a nested model's layers of your own classes are made with those classes, found on the layers
            with custom_object_scope(_own_classes_inside(layer)):
                return type(layer).from_config(layer.get_config())
        except ValueError as exc:       # your own function, named in the config: as in Keras, it needs a scope
            nested = isinstance(layer, Model)
            recurse = (" Or clone with recursive=True, which clones the nested model's layers one by one"
                       if nested else "")
            if nested and getattr(exc, "own_class", None):   # a class of your own named like one of ours
                inner, name = exc.own_class
                raise ValueError(f"clone_model(recursive=False) rebuilds the nested model {layer.name!r} from its "
                                 f"config, where its layer {inner!r} is of your own class {name!r}, named like "
                                 f"tinygradconv's {name}, which the config cannot tell apart. Clone with "
                                 f"recursive=True, which clones the nested model's layers one by one") from None
            hint = custom_objects_hint(exc, cloning=True)
            if not hint:
                if not nested:
                    raise
                reason = str(exc).split(". If it is your own class")[0].rstrip(".")   # its hint: for loading
                raise ValueError(f"clone_model(recursive=False) cannot rebuild the nested model {layer.name!r} "
                                 f"from its config ({reason}). "
                                 f"Clone with recursive=True, which clones the nested model's layers one by "
                                 f"one") from None
            raise ValueError(f"layer {layer.name!r}: {exc}. {hint}{recurse}") from None

    fn = clone_function or from_config

    def clone_layer(layer):
        if id(layer) in cache:
            return cache[id(layer)]
        if recursive and type(layer) in (Sequential, Functional):
            clone = clone_model(layer, clone_function=clone_function,
                                call_function=call_function if isinstance(layer, Functional) else None,
                                recursive=True)
        else:
            clone = fn(layer)
        if not isinstance(clone, Layer):
            raise TypeError(f"`clone_function` must return a layer. For layer '{layer.name}' it returned "
                            f"{clone!r} of type {type(clone).__name__}")
        cache[id(layer)] = clone
        return clone

    return clone_layer


def _own_classes_inside(layer) -> dict:
    """``{name: class}`` for the layers of classes of your own inside ``layer`` (a nested model, at any depth),
    under their registered name and their class name, so that its ``from_config`` finds them as ``custom_objects``
    would give them; a name two classes share, or one of this package's layers has, is left out (the config cannot
    say which it is)."""
    found, clashes, stack = {}, set(), list(getattr(layer, "layers", None) or []) if isinstance(layer, Model) else []
    while stack:
        inner = stack.pop()
        if isinstance(inner, Model):
            stack.extend(inner.layers)
        cls = type(inner)
        if defined_here(cls):
            continue
        for name in {cls.__name__, get_registered_name(cls)}:
            if found.setdefault(name, cls) is not cls:
                clashes.add(name)
    return {name: cls for name, cls in found.items() if name not in clashes and not hasattr(layers, name)}


def _clone_sequential(model, clone_layer, input_tensors):
    """The layers cloned in order, after the model's ``Input`` (its batch shape, when known) or ``input_tensors``."""
    new_layers = [clone_layer(layer) for layer in model.layers]
    if input_tensors is not None:
        if isinstance(input_tensors, (list, tuple)):
            if len(input_tensors) != 1:
                raise ValueError("Argument `input_tensors` must contain a single tensor.")
            input_tensors = input_tensors[0]
        if not isinstance(input_tensors, KerasTensor):
            raise ValueError(f"Argument `input_tensors` must be a KerasTensor (from layers.Input). Received invalid "
                             f"value: input_tensors={input_tensors!r}")
        new_layers.insert(0, input_tensors)
    else:
        shape = model._input_batch_shape or model._build_input_shape
        if shape is not None:
            new_layers.insert(0, Input(batch_shape=tuple(shape), dtype=model._fed_input_dtype(),
                                       name=model._input_layer_name))
    return Sequential(new_layers, name=model.name, trainable=model.trainable)


def _clone_functional(model, clone_layer, call_function, input_tensors):
    """The graph run again, node by node in creation order, on new inputs with cloned layers."""
    if input_tensors is None:
        new_inputs = [Input(batch_shape=layer.batch_shape, dtype=layer.dtype, name=layer.name)
                      for layer in model._input_layers]
    else:
        new_inputs = _flat_like_input(model, input_tensors)
    values = {id(old): new for old, new in zip(model._inputs, new_inputs)}
    for node in model._nodes:
        layer = clone_layer(node.layer)
        if call_function is None:
            result = node.call_again(lambda t: values[id(t)], layer=layer)
        else:   # Keras 3 calls call_function(layer, *args, **kwargs) with the call's own arguments
            result = node.call_again(lambda t: values[id(t)], layer=functools.partial(call_function, layer))
        results = flatten(result)       # the call's output tensors, by the index each old one recorded
        for old in node.outputs:
            values[id(old)] = results[old._keras_history[2]]
    new_outputs = [values[id(t)] for t in model._outputs]
    # a Model subclass of your own made from (inputs, outputs) keeps its class when it is made so, as in Keras,
    # and gets the arguments its get_config adds to the graph's (Keras 3.15 passes only the name, and the
    # constructor's defaults replace them silently); a constructor that does not take them gets what Keras gives
    cls = type(model) if _takes_functional_arguments(type(model)) else Functional
    own = {}
    if cls is not Functional and type(model).get_config is not Functional.get_config:
        own = {k: v for k, v in model.get_config().items() if k not in _FUNCTIONAL_CONFIG_KEYS}
    inputs = _structured(new_inputs, model._input_keys, model._nested_inputs)
    outputs = _structured(new_outputs, model._output_keys, model._nested_outputs)
    if model._output_tuple:     # a tuple of outputs stays one, as Keras' clone_model keeps it
        outputs = tuple(outputs)
    if model._output_struct is not None:    # nested outputs: in their structure, as written
        by_id = {id(old): new for old, new in zip(model._outputs, new_outputs)}
        outputs = map_structure(lambda t: by_id[id(t)], model._output_struct)
    if own:
        try:
            return cls(inputs, outputs, name=model.name, **own)
        except (TypeError, ValueError) as error:
            if not rejects_arguments(error, own):
                raise
        if not _keras_functional_like(cls):
            cls = Functional
    return cls(inputs, outputs, name=model.name)


def _keras_functional_like(cls):
    """Keras 3.15's ``functional_like_constructor``: a constructor of exactly ``(inputs, outputs, name)``, or one
    with ``*args`` and ``**kwargs`` (any names). Keras' clone_model makes such a class with the name only, and a
    plain Functional model for any other (``(inputs, outputs, name=None, trainable=True)`` included)."""
    spec = inspect.getfullargspec(cls.__init__)
    return spec.args[1:] == ["inputs", "outputs", "name"] or (spec.varargs is not None and spec.varkw is not None)


def _flat_like_input(model, input_tensors):
    """``input_tensors`` as a list in the order of the model's inputs, after checking it has ``model.input``'s
    structure (a dict with the same keys, a list of the same length, or one tensor) and holds symbolic tensors."""
    expected = model.input
    if isinstance(expected, dict):
        same = isinstance(input_tensors, dict) and set(input_tensors) == set(expected)
        flat = [input_tensors[key] for key in expected] if same else None
    elif isinstance(expected, (list, tuple)):
        same = isinstance(input_tensors, (list, tuple)) and len(input_tensors) == len(expected)
        flat = list(input_tensors) if same else None
    else:
        flat = [input_tensors] if isinstance(input_tensors, KerasTensor) else None
    if flat is None:
        raise ValueError(f"`input_tensors` must have the same structure as model.input\nReference structure: "
                         f"{expected!r}\nReceived structure: {input_tensors!r}")
    invalid = [t for t in flat if not isinstance(t, KerasTensor)]
    if invalid:
        raise ValueError(f"All entries in `input_tensors` must be KerasTensors (from layers.Input). Received "
                         f"invalid values: {invalid!r}")
    return flat


def _structured(tensors, keys, nested):
    """Tensors back in the structure they were given in: a dict with ``keys``, a list, or one tensor."""
    if keys:
        return dict(zip(keys, tensors))
    return tensors if nested else tensors[0]


def _fresh_compile_arguments(model):
    """The arguments ``model`` was compiled with, with new stateful objects: an optimizer of the same configuration
    (no slots, no step count) and new metric objects; names, losses and functions are shared."""
    arguments = dict(model._compile_call)
    optimizer = arguments["optimizer"]
    if isinstance(optimizer, Optimizer):
        arguments["optimizer"] = fresh_copy(optimizer)
    elif not isinstance(optimizer, (str, dict)):
        arguments["optimizer"] = (type(optimizer).from_config(optimizer.get_config())
                                  if hasattr(optimizer, "get_config") else copy.deepcopy(optimizer))
    for key in ("metrics", "weighted_metrics"):
        if key in arguments:
            arguments[key] = _new_metrics(arguments[key])
    return arguments


def _new_metrics(metrics):
    """``metrics`` (a metric, or a list or dict of them) with each metric object replaced by a reset copy."""
    if isinstance(metrics, Metric):
        fresh = copy.deepcopy(metrics)
        fresh.reset_state()
        return fresh
    if isinstance(metrics, (list, tuple)):
        return [_new_metrics(m) for m in metrics]
    if isinstance(metrics, dict):
        return {key: _new_metrics(m) for key, m in metrics.items()}
    return metrics
