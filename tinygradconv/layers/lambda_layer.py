"""``Lambda``: a function of tensors used as a layer, as Keras 3's ``keras.layers.Lambda``.

The function gets the layer's input (a Tensor, or the list/dict of Tensors given) and returns Tensors, made with
tinygradconv's ops, so that gradients flow through it as through any op:

>>> import numpy as np
>>> from tinygradconv.layers import Lambda
>>> Lambda(lambda x: x * 2.0)(np.array([[1.0, 2.0]])).numpy().tolist()
[[2.0, 4.0]]

Saving: Keras writes a Python ``lambda`` as its bytecode (``{"class_name": "__lambda__", ...}``), which Keras
itself refuses to load in safe mode (its default). tinygradconv never writes or reads code (its files hold no
pickle and no marshal): a ``Lambda`` whose function is a Python lambda, or a function defined inside another one,
cannot be saved (``get_config`` raises a ``ValueError`` that says so) and a Keras file holding one is refused
when loaded. A named function (defined at the top of a module, best registered with
:func:`tinygradconv.saving.register_keras_serializable`) is written by its name, as Keras writes it, and found
again by that name when loading (``custom_objects={"its_name": fn}``, the registry, or tinygradconv's activations
such as ``"relu"``).

Source: ``keras.layers.Lambda`` (Keras 3.15, ``keras/src/layers/core/lambda_layer.py``).
"""
from __future__ import annotations

from .. import _lookup
from ..tensor import Tensor
from .input_layer import is_shape, shapes_from_runs
from .keras_tensor import KerasTensor, flatten, map_structure
from .layer import Layer, call_takes

__all__ = ["Lambda"]

_WHAT_INSTEAD = ("write the step as a subclass of tinygradconv.layers.Layer (call() with tinygradconv.ops), or make "
                 "the function a named one registered with tinygradconv.saving.register_keras_serializable")


def _is_code_only(fn) -> bool:
    """Whether ``fn`` can be written only as its code: a Python lambda, or a function defined inside another one
    (its ``__qualname__`` holds ``<locals>``), which no name finds again."""
    name, qualname = getattr(fn, "__name__", ""), getattr(fn, "__qualname__", "")
    return name == "<lambda>" or "<locals>" in qualname


def _function_config(fn, what, layer_name):
    """``fn`` as Keras 3 writes a function by name: ``{"module": "builtins", "class_name": "function", "config":
    name, "registered_name": "function"}``, ``name`` being its registered ``"package>name"`` if it has one."""
    if _is_code_only(fn):
        raise ValueError(f"Cannot write the config of Lambda layer '{layer_name}': its {what} {fn!r} is a Python "
                         "lambda or a function defined inside another one, which Keras writes as bytecode and "
                         "tinygradconv never writes or reads (no pickle, no marshal); Keras itself refuses to load "
                         f"it in safe mode. To save, clone or load the model, {_WHAT_INSTEAD}")
    return {"module": "builtins", "class_name": "function", "config": _lookup.get_registered_name(fn),
            "registered_name": "function"}


def _resolve_function(value, what, layer_name):
    """A function from a config entry: a callable as it is, a name (or Keras' ``{"class_name": "function",
    "config": name}``) looked up in the custom objects (a ``custom_object_scope``, the registry) then among
    tinygradconv's activations; Keras' ``__lambda__`` bytecode is refused."""
    from ..saving import SavedFileError  # saving imports the layers

    if callable(value) or value is None:
        return value
    name = value
    if isinstance(value, dict):
        if value.get("class_name") == "__lambda__":
            raise SavedFileError(f"layer '{layer_name}' (Lambda): its {what} is a Python lambda, which Keras saved "
                                 "as bytecode (Python code); tinygradconv never loads code from a file (safe_mode "
                                 f"or not). {_WHAT_INSTEAD[0].upper()}{_WHAT_INSTEAD[1:]}, build the model in "
                                 "tinygradconv (or save it again from Keras with such a function)")
        name = value.get("config")
    if not isinstance(name, str):
        raise TypeError(f"Invalid type for argument `{what}`. Expected a function, or the name of a registered one. "
                        f"Received {what}={value!r} (of type {type(value).__name__})")
    found = _lookup.custom_object(name)
    if found is None:
        from .. import activations

        try:
            found = activations.get(name)
        except (ValueError, TypeError):
            found = None
    if not callable(found):
        short = name.split(">")[-1]
        raise SavedFileError(f"layer '{layer_name}' (Lambda): unknown function {name!r} as its {what}. Pass it when "
                             f"loading, custom_objects={{{short!r}: {short if short.isidentifier() else 'fn'}}}, "
                             "or register it with tinygradconv.saving.register_keras_serializable")
    return found


class Lambda(Layer):
    """Use ``function`` as a layer: ``output = function(inputs, **arguments)``.

    Args:
        function: a function of the input (a Tensor, or the list or dict of Tensors the layer is called on) that
            returns Tensors, made with tinygradconv's ops (NumPy's functions would stop the gradient: refused).
            If it takes ``mask`` or ``training``, they are passed to it, as in Keras.
        output_shape: None (the shape is inferred by running the function on zeros with two sizes for every unknown
            one, the batch's included, as Keras infers it by a symbolic run with an unknown batch size), a tuple
            or list without the batch axis (the batch axis of the input is put in front), or a function of the
            whole input shape.
        mask: None (the layer drops an input mask, with Keras' warning), a function ``mask(inputs, previous_mask)``
            giving the output's mask, or a fixed mask (a bool Tensor) set on every output.
        arguments: a dict of keyword arguments passed to ``function``.

    Input and output shapes: whatever ``function`` takes and gives.

    Dtype: float inputs are cast to the layer's dtype before ``function`` runs (integer and bool inputs are not), as
    for every layer and as in Keras 3: without ``dtype=`` that is ``floatx()`` (float32) when the layer is made, so
    a ``Lambda`` inside a float64 model computes in float32 and returns float32, as Keras' does; pass
    ``dtype="float64"`` to keep float64.

    Gradient: that of the ops ``function`` runs.

    Raises:
        TypeError: ``function`` not callable, ``arguments`` not a dict, ``output_shape`` not a tuple, a list or a
            function.
        ValueError: (``compute_output_shape``, calling the layer on symbolic tensors) ``output_shape`` is None and
            ``function`` fails on an input of unknown batch size (e.g. ``lambda t: t.reshape(2, 6)``): "could not
            automatically infer the shape", as Keras (which raises ``NotImplementedError``).
        ValueError: ``get_config`` of a Lambda whose function is a Python lambda (see the module's note on saving).

    Source: ``keras.layers.Lambda`` (Keras 3.15).

    >>> import numpy as np
    >>> from tinygradconv import layers, models
    >>> model = models.Sequential([layers.Input((5,)), layers.Lambda(lambda x: x[:, :2])])
    >>> model.output_shape
    (None, 2)
    >>> Lambda(lambda x, k: x * k, arguments={"k": 3.0})(np.ones((1, 2))).numpy().tolist()
    [[3.0, 3.0]]
    >>> x = np.ones(2, "float64")
    >>> str(Lambda(lambda t: t)(x).dtype), str(Lambda(lambda t: t, dtype="float64")(x).dtype)
    ('float32', 'float64')
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        function = _resolve_function(function, "function", self.name)
        if not callable(function):
            raise TypeError(f"Invalid type for argument `function`. Expected a callable. Received "
                            f"function={function!r} (of type {type(function).__name__})")
        if arguments is not None and not isinstance(arguments, dict):
            raise TypeError(f"Invalid type for argument `arguments`. Expected a dict of keyword arguments or None. "
                            f"Received arguments={arguments!r} (of type {type(arguments).__name__})")
        if isinstance(output_shape, list) and is_shape(output_shape):
            output_shape = tuple(output_shape)      # as Keras' from_config reads a JSON list
        elif isinstance(output_shape, dict):
            output_shape = _resolve_function(output_shape, "output_shape", self.name)
        if not (output_shape is None or callable(output_shape) or isinstance(output_shape, (tuple, list))):
            raise TypeError(f"Invalid type for argument `output_shape`: expected a tuple, a list or a function, "
                            f"received {type(output_shape).__name__} {output_shape!r}")
        if isinstance(mask, dict):
            mask = _resolve_function(mask, "mask", self.name)
        self.function = function
        self.arguments = dict(arguments or {})
        self.mask = mask
        self._output_shape = output_shape
        self.supports_masking = mask is not None      # Keras' rule: a mask is dropped unless `mask` is given
        self._takes_mask, self._takes_training = call_takes(function, "mask"), call_takes(function, "training")

    def call(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)
        if self._takes_mask:
            kwargs["mask"] = mask
        if self._takes_training:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_mask(self, inputs, previous_mask):
        if callable(self.mask):
            return self.mask(inputs, previous_mask)
        return self.mask

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            return self._inferred_output_shape(input_shape)
        if callable(self._output_shape):
            return self._output_shape(input_shape)
        batch = flatten(input_shape)[0] if isinstance(input_shape, (list, dict)) else input_shape[0]

        def with_batch(shape):
            return (batch, *shape)

        if is_shape(self._output_shape):
            return with_batch(self._output_shape)
        return map_structure(with_batch, self._output_shape, is_leaf=lambda s: isinstance(s, tuple))

    def _inferred_output_shape(self, input_shape):
        """The output shape(s) of ``function`` on inputs of ``input_shape``, inferred as for any layer without
        ``compute_output_shape`` (:func:`~tinygradconv.layers.input_layer.shapes_from_runs`: runs on zeros, every
        unknown size, the batch's included, set to two sizes, the output sizes that differ being unknown). So an
        output axis is the batch axis only where its size follows the batch's: ``lambda t: t[0]`` on
        ``(None, 4, 3)`` gives ``(4, 3)`` and ``lambda t: t.reshape(-1)`` gives ``(None,)``, as Keras; a function
        that fails on these sizes (``lambda t: t.reshape(2, 6)``) raises a ``ValueError`` with Keras' message
        (Keras raises ``NotImplementedError``)."""

        if is_shape(input_shape):
            inputs = KerasTensor(input_shape, self.dtype)
        elif isinstance(input_shape, (list, tuple)) and input_shape and all(is_shape(s) for s in input_shape):
            inputs = [KerasTensor(s, self.dtype) for s in input_shape]
        elif isinstance(input_shape, dict) and input_shape and all(is_shape(s) for s in input_shape.values()):
            inputs = {k: KerasTensor(s, self.dtype) for k, s in input_shape.items()}
        else:
            raise NotImplementedError("We could not automatically infer the shape of the Lambda's output. Please "
                                      "specify the `output_shape` argument for this Lambda layer.")

        def call(zeros):
            return self.call(map_structure(lambda z: Tensor(z, backend=self._backend), zeros))

        def refuse(error):
            # a ValueError, not Keras' NotImplementedError: a model would take that as "no compute_output_shape"
            return ValueError("We could not automatically infer the shape of the Lambda's output "
                              f"({type(error).__name__}: {error}). Please specify the `output_shape` argument "
                              "for this Lambda layer.")

        shapes = shapes_from_runs(call, inputs, refuse=refuse)
        return map_structure(lambda leaf: None if leaf is None else leaf.shape, shapes)

    def get_config(self):
        """Keras 3's config: ``function`` (and ``output_shape``, ``mask`` when they are functions) by name.

        Raises:
            ValueError: one of them is a Python lambda or a function defined inside another one (Keras writes its
                bytecode; tinygradconv writes no code).
        """
        config = {"function": _function_config(self.function, "function", self.name)}
        if self._output_shape is not None:
            config["output_shape"] = (_function_config(self._output_shape, "output_shape", self.name)
                                      if callable(self._output_shape) else self._output_shape)
        if self.mask is not None:
            if not callable(self.mask):
                raise ValueError(f"Cannot write the config of Lambda layer '{self.name}': its mask is a fixed "
                                 "tensor, which a config cannot hold; give a named function mask(inputs, "
                                 "previous_mask) instead")
            config["mask"] = _function_config(self.mask, "mask", self.name)
        config["arguments"] = dict(self.arguments)
        return {**super().get_config(), **config}
