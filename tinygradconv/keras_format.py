"""Keras 3 ``.keras`` files, both ways: :func:`save_keras` writes one that ``keras.saving.load_model`` opens, and
:func:`load_keras` opens one written by Keras 3 whose layers this package has.

Format (as written by Keras 3; checked against files saved by Keras 3.15). A ``.keras`` file is a zip archive of

* ``metadata.json``: ``{"keras_version": ..., "date_saved": ...}``;
* ``config.json``: the model as ``{"module", "class_name", "config", "registered_name", "build_config"}``. For a
  ``Sequential`` model, ``config["layers"]`` lists an ``InputLayer`` (its ``batch_shape``) then each layer's
  ``{"module": "keras.layers", "class_name", "config"}`` (Keras adds a built layer's ``build_config``,
  ``{"input_shape": [null, 3]}``: a layer the model leaves unbuilt is built from it before its weights are
  loaded, as in Keras); for a functional model (``class_name`` ``"Functional"``, or the name of your own ``Model``
  subclass made from ``(inputs, outputs)``, whose class loading then needs, as in Keras: :func:`_model_class`)
  each layer also has ``name`` and ``inbound_nodes`` (the symbolic tensors each call received, as
  ``{"class_name": "__keras_tensor__", "config": {"keras_history": [layer, node, tensor]}}``), and the config has
  ``input_layers`` and ``output_layers``. Layer configs are Keras' own: the dtype is a ``DTypePolicy`` object,
  initializers, regularizers and constraints are ``{"module": "keras.initializers", "class_name", "config"}``
  (a class of your own: ``{"module": None, "class_name", "config", "registered_name": class_name}``); a
  plain function of your own (an activation, an initializer, ...) is ``{"module": "builtins", "class_name":
  "function", "config": "its_name", "registered_name": "function"}``, found again by name when the file is read
  (``custom_objects``, as in Keras: see :class:`~tinygradconv.saving.custom_object_scope`);
* ``model.weights.h5``: an HDF5 file (written and read with ``h5py``, an optional dependency: ``pip install
  tinygradconv[keras-format]``) holding each layer's weights as datasets ``layers/<path>/vars/<i>``, in the order
  of the layer's weights. The path is the snake-case class name of the layer, numbered in the order of
  ``model.layers`` (``conv1d``, ``conv1d_1``, ...; Sequential models do not count their input layer, functional
  models do), exactly like the keys of our own ``.npz`` files. A nested Sequential or functional model has an
  empty ``vars`` group and its own layers below its path (``layers/sequential/layers/dense/vars/0``), and its
  config (with its own ``layers``) stands in the outer model's ``config["layers"]``. A layer of your own class is
  ``{"module": (its module; None for __main__), "class_name": "MyLayer", "config": (its get_config()),
  "registered_name": "MyLayer" or "package>MyLayer"}``, its weights under ``layers/my_layer/vars`` (trainable ones
  first) and those of the layers it holds under their attribute names (``layers/my_layer/d/vars``), as Keras
  writes it (:func:`keras_weight_groups`). Keras' own layers that hold a layer are laid out the same way: an
  ``LSTM``'s (``GRU``'s, ``SimpleRNN``'s) weights under ``layers/lstm/cell/vars`` (its ``cell``), a
  ``TimeDistributed``'s inner layer's under ``layers/time_distributed/layer/vars``, their own ``vars`` empty.

A compiled model's file also holds, as Keras 3 writes them, its compile arguments, ``config.json``'s
``compile_config`` (``{"optimizer": {"module": "keras.optimizers", "class_name": "Adam", "config": {...}}, "loss":
"mse", "loss_weights": None, "metrics": ["mae"], "weighted_metrics": None, "run_eagerly": False,
"steps_per_execution": 1, "jit_compile": False}``: :func:`keras_compile_config`), and its optimizer's variables,
``optimizer/vars/<i>`` in ``model.weights.h5``, in the order of Keras' ``optimizer.variables``: the step count
(int32, as Keras), the learning rate when it is a number (float32, as Keras: the rate when saved, e.g. as a
callback changed it), each slot of each trainable weight (Adam: every ``momentum``, then every
``velocity``... as Keras creates them), the scalar state (Nadam's). ``load_model(path)`` (``compile=True``) then
returns the model compiled, with the optimizer's state restored, here and in Keras, so ``fit`` goes on where it
stopped; ``compile=False`` returns it uncompiled. A model compiled but never trained has only the step count and the
rate (Keras' optimizer is built at the first step).

A ``.weights.h5`` file (Keras 3's ``model.save_weights``) is that same HDF5 file on its own (Keras adds its
optimizer's state under ``optimizer/vars`` for a compiled model, which is ignored here):
:func:`save_keras_weights` and :func:`load_keras_weights`, which ``save_weights`` / ``load_weights`` call for such a
path, read it by layer path into a model of the same architecture (a layer of your own class as Keras 3 lays one
out: its weights trainable first, the layers it holds under their attribute names, as in a ``.keras`` file).

Reading refuses, with a :class:`~tinygradconv.saving.SavedFileError` naming it, any layer class this package does
not have, any argument our layer cannot express (e.g. ``BatchNormalization(renorm=True)``), a mixed-precision dtype
policy, and any model other than ``Sequential`` and functional ones.

Source: the Keras 3 saving format (``keras.saving.save_model``, https://keras.io/api/models/model_saving_apis/).

>>> import os, tempfile
>>> import numpy as np
>>> from tinygradconv import layers, models
>>> model = models.Sequential([layers.Input((8, 2)), layers.Conv1D(3, 3), layers.Flatten(), layers.Dense(1)])
>>> path = os.path.join(tempfile.mkdtemp(), "model.keras")
>>> model.save(path)                                        # doctest: +SKIP
>>> x = np.ones((1, 8, 2))
>>> bool(np.allclose(models.load_model(path).predict(x), model.predict(x)))  # doctest: +SKIP
True
>>> model.compile("adam", "mse")
>>> _ = model.fit(x, np.ones((1, 1)), epochs=3, verbose=0)
>>> model.save(path)                                        # doctest: +SKIP
>>> loaded = models.load_model(path)                        # doctest: +SKIP
>>> loaded.compiled, type(loaded.optimizer).__name__, loaded.optimizer.iterations   # doctest: +SKIP
(True, 'Adam', 3)
"""
from __future__ import annotations

import contextlib
import datetime
import errno
import functools
import inspect
import io
import json
import lzma
import math
import os
import struct
import types
import warnings
import zipfile
import zlib

import numpy as np

from . import activations
from ._lookup import (
    builtin,
    custom_object,
    custom_object_scope,
    defined_here,
    get_registered_name,
    registered_class_name,
    snake_case,
)
from .backend import dtype_name
from .layers.input_layer import INPUT_DTYPES
from .layers.layer import model_name_scope
from .saving import (
    MissingFileError,
    SavedFileError,
    _require_weights,
    atomic_write,
    bool_for_bool,
    class_names_to_try,
    counted_name,
    custom_objects_hint,
    load_json,
    map_compile_structure,
    own_layer_class,
    refuse_zip_bomb,
    serialize_layer,
)
from .validation import _type_name, caller_stacklevel

__all__ = ["SUPPORTED_LAYERS", "is_keras_entry", "keras_compile_config", "keras_layer_entry", "keras_object_config",
           "load_keras", "load_keras_weights", "our_compile_arguments", "our_layer_entries", "save_keras",
           "save_keras_weights"]

SUPPORTED_LAYERS = ("Activation", "Add", "Average", "AveragePooling1D", "BatchNormalization", "Concatenate", "Conv1D",
                    "Conv1DTranspose", "Cropping1D", "Dense", "Dropout", "ELU", "Embedding", "Flatten",
                    "GlobalAveragePooling1D", "GlobalMaxPooling1D", "InputLayer", "LayerNormalization", "LeakyReLU",
                    "Masking", "MaxPooling1D", "Maximum", "Minimum", "Multiply", "PReLU", "ReLU", "Reshape", "Softmax",
                    "Subtract", "UpSampling1D", "ZeroPadding1D", "DepthwiseConv1D", "GaussianDropout", "GaussianNoise",
                    "GroupNormalization", "Identity", "Permute", "RepeatVector", "SeparableConv1D", "SpatialDropout1D",
                    "UnitNormalization", "Lambda", "ActivityRegularization", "Rescaling",
                    "AdaptiveAveragePooling1D", "AdaptiveMaxPooling1D", "SimpleRNN", "LSTM", "GRU", "TimeDistributed")
# Keras arguments our layers do not have, accepted only with the value that means "the feature is off".
_OFF_VALUES = {"quantization_config": None, "renorm": False, "synchronized": False,
               "sparse": False, "ragged": False, "optional": False, "lora_rank": None,
               "lora_alpha": None}
_OBJECT_MODULES = {"initializer": "keras.initializers", "regularizer": "keras.regularizers",
                   "constraint": "keras.constraints"}
_FLOAT_POLICIES = ("float16", "float32", "float64")


def _h5py():
    try:
        import h5py
    except ImportError:
        raise ImportError("Reading and writing Keras 3 files (.keras, .weights.h5) needs h5py: pip install h5py (or "
                          "tinygradconv[keras-format])") from None
    return h5py


# ----------------------------------------------------------------------------------------------- configs: ours -> Keras
def _object_kind(key):
    return next((kind for kind in _OBJECT_MODULES if key.endswith(kind)), None)


def _to_keras_config(config):
    """Our layer config with Keras' spellings: dtype policies, and ``module`` on initializers and the like."""
    out = {}
    for key, value in config.items():
        kind = _object_kind(key)
        if key == "dtype" and isinstance(value, str) and "batch_shape" not in config:    # (an InputLayer's: a name)
            value = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": value},
                     "registered_name": None}
        elif (kind or key == "activation") and isinstance(value, dict) and "class_name" in value:
            value = _keras_object(kind or "activation", value)
        elif (kind and isinstance(value, str)) or (key == "activation" and isinstance(value, str)
                                                   and value not in activations.ALL_OBJECTS):
            value = _keras_function(value)    # a function of the user's own, by its name
        elif key == "activation" and value is None:
            value = "linear"
        elif isinstance(value, tuple):
            value = list(value)
        out[key] = value
    return out


def _keras_object(kind, config):
    """Keras 3's description of an object with a config (``{"class_name": ..., "config": ...}``), of ``kind``
    ``"initializer"``, ``"regularizer"``, ``"constraint"`` or ``"activation"``: one of ours under Keras' module, or a
    class of the user's own as Keras writes a registered class (its ``class_name`` may be ``"package>ClassName"``).
    An activation of ours with arguments (``ActivationFunction("leaky_relu", negative_slope=0.1)``) has none: Keras'
    activations are plain functions, so its file could not be loaded by Keras.

    An initializer's config is written whole, as Keras 3.15 writes it: the ``VarianceScaling`` family's
    ``input_axes`` and ``output_axes`` even when None (so, as with Keras 3.15's own files, Keras before 3.15 cannot
    read them). A description in Keras' form already (with ``module``) is kept as it is."""
    if "module" in config:      # from a layer's get_config, written by keras_object_config
        return config
    name = config["class_name"]
    if kind == "activation" and activations._activation_layer(name) is not None:
        # an activation layer (ReLU, LeakyReLU, ELU, Softmax) as Keras 3 writes a layer used as an activation
        return {"module": "keras.layers", "class_name": name, "config": _to_keras_config(config.get("config") or {}),
                "registered_name": None}
    if builtin(kind, name) is None:
        return {"module": None, "class_name": name.split(">")[-1], "config": config.get("config", {}),
                "registered_name": name}
    if kind == "activation":
        raise ValueError(f"Cannot write the activation {name!r} with arguments {config.get('config')} for Keras 3: "
                         "Keras' activations are plain functions, without a config, so Keras could not load the "
                         "file. Use the function with its default arguments, or a function of your own (written by "
                         "its name); tinygradconv's own .tgc.npz files keep the arguments")
    return {"module": _OBJECT_MODULES[kind], "class_name": name, "config": config.get("config", {}),
            "registered_name": None}


def keras_object_config(kind, item):
    """A nested object of a layer's ``get_config`` (``item``: an initializer, regularizer, constraint or activation
    of ``kind``, as :func:`tinygradconv.layers.core.serialize` describes it) as Keras 3's
    ``keras.saving.serialize_keras_object`` writes it in a layer's config, so that Keras' ``from_config`` reads our
    config: ``{"module": "keras.initializers", "class_name": "GlorotUniform", "config": {...}, "registered_name":
    None}``; an activation layer as ``{"module": "keras.layers", "class_name": "LeakyReLU", "config": (its config as
    Keras writes it), "registered_name": None}``; a class of your own with ``module`` None and its
    ``registered_name``. Names (a built-in or your own function), None, and an activation of ours with arguments
    (which Keras cannot describe: ``ActivationFunction("leaky_relu", negative_slope=0.1)``) are kept as they are.
    :func:`model_to_json` and ``.keras`` files write the same (:func:`_to_keras_config`).

    >>> from tinygradconv import layers
    >>> layers.Dense(2, kernel_regularizer="l2").get_config()["kernel_regularizer"]
    {'module': 'keras.regularizers', 'class_name': 'L2', 'config': {'l2': 0.01}, 'registered_name': None}
    """
    if not (isinstance(item, dict) and "class_name" in item) or "module" in item:
        return item
    name = item["class_name"]
    if kind == "activation" and activations._activation_layer(name) is None and builtin(kind, name) is not None:
        return item     # ActivationFunction("leaky_relu", negative_slope=0.1): no form in Keras
    return _keras_object(kind, item)


def _keras_function(name):
    """Keras 3's description of a plain function (``keras.saving.serialize_keras_object`` of a function that is not
    registered): read back by name from ``custom_objects``."""
    return {"module": "builtins", "class_name": "function", "config": name, "registered_name": "function"}


def _keras_layer(layer):
    from .functional import Functional
    from .models import Sequential

    if isinstance(layer, Functional) or type(layer) is Sequential:   # (of a class of your own too, as Keras)
        return _model_json(layer)
    if not _is_ours_in_keras(layer):
        return _own_layer_json(layer)
    config = _to_keras_config(layer.get_config())
    out = {"module": "keras.layers", "class_name": type(layer).__name__, "config": config, "registered_name": None}
    return {**out, **_json_shapes(_build_config_entry(layer))}   # the shapes as lists, as JSON holds them


def _own_layer_json(layer):
    """Keras 3's entry for a layer of your own class, as ``keras.saving.serialize_keras_object`` writes one: its
    module (None for ``__main__``), its class name, its ``get_config()`` (:func:`_own_layer_config`), its registered
    name (``"package>MyLayer"`` from :func:`~tinygradconv.saving.register_keras_serializable`, else the class name)
    and its ``build_config``. Loading it needs the class, under that name, in ``custom_objects`` (or registered),
    here and in Keras."""
    cls = type(layer)
    out = {"module": None if cls.__module__ == "__main__" else cls.__module__, "class_name": cls.__name__,
           "config": _own_layer_config(layer, f"Cannot write layer '{layer.name}'"),
           "registered_name": get_registered_name(cls)}
    return {**out, **_json_shapes(_build_config_entry(layer))}


def _build_config_entry(layer) -> dict:
    """``{"build_config": ...}`` for a layer built by its ``build`` (its input shape,
    :meth:`~tinygradconv.layers.Layer.get_build_config`) and for a functional model (``{"input_shape": None}``, as
    Keras 3.15 writes a nested one), as Keras 3 writes them; ``{}`` for the layers Keras builds when made."""
    from .functional import Functional

    build_config = layer.get_build_config()
    if build_config is None and isinstance(layer, Functional):
        build_config = {"input_shape": None}
    return {} if build_config is None else {"build_config": build_config}


def _json_shapes(value):
    """``value`` (a build config: shapes in dicts and lists) with every tuple made a list, as JSON holds it."""
    if isinstance(value, dict):
        return {key: _json_shapes(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_shapes(item) for item in value]
    return int(value) if isinstance(value, np.integer) else value


def _keras_attribute_key(name):
    """Keras 3's order of a layer's attributes when it saves them (``saving_lib._name_key``): alphabetical, the
    private ones (``_name``) last."""
    return ("~" + name) if name[:1] == "_" else name


def _own_properties(layer) -> list:
    """The names of the properties that ``layer``'s class of your own defines (not tinygradconv's: those of
    ``Layer`` are Keras' state, which its saving skips): Keras 3 saves what they return, a layer under the
    property's name, as it saves attributes (it walks ``dir(layer)``)."""
    names = set()
    for cls in type(layer).__mro__:
        if not defined_here(cls) and cls is not object:
            names.update(name for name, value in vars(cls).items()
                         if isinstance(value, property) and not name.startswith("__"))
    return sorted(names)


def keras_weight_groups(layer, path, found=None) -> list:
    """``[(h5 path, weights)]``: where Keras 3 stores the weights of ``layer`` (at ``path``, e.g.
    ``"layers/block"``) in a ``.keras`` file, as its ``saving_lib._save_state`` walks a layer: its own weights under
    ``<path>/vars`` (in Keras' order, :meth:`~tinygradconv.layers.Layer._own_weights_in_keras_order`), then each layer
    it holds under the name of the attribute holding it (``layers/block/d1/vars`` for ``self.d1 = Dense(3)``; a property
    of its class that returns a layer counts as an attribute), the layers in a list, tuple or dict (its values) under
    ``<attribute>/<snake-case class name>`` numbered per class (``layers/block/blocks/dense_1``), a container in a
    container under ``<attribute>/container``, ``container_1``, ...; attributes in Keras' order (public ones first, each
    kind alphabetically), a layer reached twice stored the first time only. A ``Sequential`` or functional model held
    stores its layers as a list under ``<attribute>/layers`` (``model.layers``: ``layers/block/seq/layers/dense``), as
    Keras does. So a layer of your own that holds other layers loads from a Keras file when it names them as the Keras
    class does. A layer without sub-layers gives one group. ``found``, a dict, receives each path's layer."""
    from .functional import Functional
    from .layers.layer import Layer
    from .models import Sequential

    groups, seen = [], set()

    def walk(layer, path):
        if id(layer) in seen:
            return
        seen.add(id(layer))
        groups.append((path, layer._own_weights_in_keras_order()))
        if found is not None:
            found[path] = layer
        children = []
        if isinstance(layer, (Sequential, Functional)):    # Keras' _walk_saveable: a model's layers come first
            children.append(("layers", layer.layers))
        values = layer.__dict__
        names = set(getattr(layer, "_layer_attributes", {}))
        for name in sorted(names | set(_own_properties(layer)), key=_keras_attribute_key):
            if name in names:
                children.append((name, values[name]))
                continue
            try:
                children.append((name, getattr(layer, name)))
            except Exception:  # noqa: BLE001, S112 - a property that fails is skipped, as Keras' saving skips it
                continue
        for name, value in children:
            if isinstance(value, Layer):
                if value is not layer:
                    walk(value, f"{path}/{name}")
            elif isinstance(value, (list, tuple, dict)):
                walk_container(value, f"{path}/{name}", set())

    def walk_container(container, path, visited):
        """Keras' ``_save_container_state``: each layer under its class name, each container under
        ``container``, numbered together; a container met twice walked once."""
        if id(container) in visited:
            return
        visited.add(id(container))
        used = {}
        for item in (container.values() if isinstance(container, dict) else container):
            if isinstance(item, Layer):
                walk(item, f"{path}/{counted_name(snake_case(type(item).__name__), used)}")
            elif isinstance(item, (list, tuple, dict)):
                walk_container(item, f"{path}/{counted_name('container', used)}", visited)

    walk(layer, path)
    return groups


def _is_ours_in_keras(layer):
    """Whether ``layer`` is one of this package's layers that Keras 3 has too (:data:`SUPPORTED_LAYERS`), not a
    user's class of the same name."""
    return type(layer).__name__ in SUPPORTED_LAYERS and defined_here(type(layer))


def _functional_class(model) -> tuple:
    """``(module, class_name, registered_name)`` of a functional model as Keras 3 writes them: Keras' own
    ``Functional``, or for a subclass of ``Model`` made from ``(inputs, outputs)`` (``class M(Model): ...;
    M(inputs, outputs)``) its own class, as ``keras.saving.serialize_keras_object`` names a class of your own: its
    module (None for ``__main__``), its name, and the ``"package>Name"`` of
    :func:`~tinygradconv.saving.register_keras_serializable` (else its name again). Loading it needs the class
    (registered, or in ``custom_objects``), here and in Keras."""
    from .functional import Functional

    cls = type(model)
    if cls is Functional:
        return "keras.src.models.functional", "Functional", "Functional"
    return None if cls.__module__ == "__main__" else cls.__module__, cls.__name__, get_registered_name(cls)


def keras_layer_entry(layer) -> dict:
    """:func:`~tinygradconv.saving.serialize_layer`'s description of ``layer`` with the keys Keras 3's
    ``Sequential.get_config`` and ``Functional.get_config`` give each layer (``keras.saving.serialize_keras_object``):
    ``module``, ``class_name``, ``config``, ``registered_name``, and ``build_config`` for a layer built by its
    ``build``. ``module`` is Keras' (``"keras.layers"``; ``"keras"`` for a ``Sequential``,
    ``"keras.src.models.functional"`` for a functional model) for a layer Keras has, the class's own module for a
    class of your own (None for ``__main__``, as Keras writes it; its ``python_module`` is kept beside it), and this
    package's module for a layer Keras does not have: the loaders read an entry as Keras' own (translated,
    :func:`is_keras_entry`) only in the first case."""
    from .functional import Functional
    from .models import Sequential

    item = serialize_layer(layer)
    cls = type(layer)
    if isinstance(layer, Functional):
        module, _, registered = _functional_class(layer)
    elif cls is Sequential:
        module, registered = "keras", None
    elif _is_ours_in_keras(layer):
        module, registered = "keras.layers", None
    else:       # your own class, or one of ours that Keras has not: Keras' form, under its Python module
        module = None if cls.__module__ == "__main__" else cls.__module__
        registered = get_registered_name(cls)
    # the class's own name, beside its registered "package>Name" (Keras' serialize_keras_object writes them so)
    class_name = cls.__name__ if registered and ">" in registered else item["class_name"]
    entry = {"module": module, "class_name": class_name, "config": item["config"], "registered_name": registered}
    entry.update(_build_config_entry(layer))
    entry.update({key: value for key, value in item.items() if key not in entry})    # python_module
    return entry


def is_keras_entry(item) -> bool:
    """Whether a layer's description is Keras 3's own form, to be translated (:func:`_our_item`): it has a
    ``module`` that is not this package's, no ``python_module`` (which :func:`~tinygradconv.saving.serialize_layer`
    writes for a class of your own), and, for a nested model, only such layers. :func:`keras_layer_entry` writes
    Keras' form for the layers Keras has, which read back the same either way."""
    if not isinstance(item, dict) or "module" not in item or "python_module" in item \
            or str(item.get("module")).startswith("tinygradconv"):
        return False
    inner = item.get("config")
    if isinstance(inner, dict) and isinstance(inner.get("layers"), list):
        return all(is_keras_entry(entry) for entry in inner["layers"])
    return True


def our_layer_entries(items, where, custom_objects=None) -> list:
    """The layer entries ``items`` of a model's config (``Sequential.from_config``, ``functional_from_config``), each
    of Keras 3's own (:func:`is_keras_entry`) translated to this package's (:func:`_our_item`; ``where`` names the
    config in errors), Keras' entries of classes of your own made with them (``custom_objects``, or registered:
    :func:`~tinygradconv.saving.own_layer_class`); the others as they are."""
    if not any(is_keras_entry(item) for item in items):
        return items
    own = own_layer_class(custom_objects)
    return [_our_item(item, where, own) if is_keras_entry(item) else item for item in items]


def _model_json(model, what="a .keras file"):
    """Keras 3's JSON object of ``model`` (Sequential or functional, of layers Keras has or of your own classes),
    for ``what``."""
    from .functional import Functional
    from .models import Sequential

    _check_writable_layers(model, what)
    if isinstance(model, Functional):
        config = model.get_config()
        # each layer's entry in Keras 3.15's key order: its description, then its name and inbound nodes
        config["layers"] = _with_mask_graph([{**_keras_layer(layer), "name": item["name"],
                                              "inbound_nodes": item["inbound_nodes"]}
                                             for item, layer in zip(config["layers"], model.layers)])
        if any(str(item.get("module", "")).startswith("keras.src.ops") for item in config["layers"]):
            # the mask's op nodes change Keras' order of the layers, by which it numbers their weights' paths
            order = _keras_operation_order(config)
            config["layers"] = sorted(config["layers"], key=lambda item: order[item["name"]])
        module, class_name, registered = _functional_class(model)
        return {"module": module, "class_name": class_name, "config": config, "registered_name": registered,
                "build_config": {"input_shape": None}}
    if type(model) is Sequential:
        shape = model._input_batch_shape or model._build_input_shape     # an Input's batch size is kept
        if shape is None and what == "a .keras file":     # Keras 3 warns, and saves it
            if model.weights:
                # layers built before the model (a trained layer reused): each is written with its weights and its
                # build_config, from which it is built again before its weights are loaded (here and in Keras)
                warnings.warn(f"You are saving model '{model.name}', which has not been built yet (Keras' warning): "
                              "its layers built before it are written with their weights and input shapes, the "
                              "others without weights. Build it first (call it on data, or start it with "
                              "layers.Input(shape)) to keep every layer's.", stacklevel=caller_stacklevel())
            else:
                warnings.warn(f"You are saving model '{model.name}', which has not been built yet: the file holds "
                              "no weights (Keras' warning). Build it first (call it on data, or start it with "
                              "layers.Input(shape)) to keep them.", stacklevel=caller_stacklevel())
        # the Input as Keras 3.15 writes it: its own name (Keras' "input_layer", "input_layer_1", ... for an
        # input_shape= or a build: Sequential._name_made_input), "optional" (older Keras 3 releases lack it, and
        # cannot read Keras 3.15's own files either), and the config's "build_input_shape"
        input_layer = [] if shape is None else [
            {"module": "keras.layers", "class_name": "InputLayer",
             "config": {"batch_shape": list(shape), "dtype": model._fed_input_dtype(), "sparse": False,
                        "ragged": False, "name": model._input_name(),
                        "optional": False}, "registered_name": None}]
        config = {"name": model.name, "trainable": model.trainable,
                  "dtype": _to_keras_config({"dtype": model.dtype})["dtype"],
                  "layers": input_layer + [_keras_layer(layer) for layer in model.layers]}
        if shape is not None:
            config["build_input_shape"] = list(shape)
        out = {"module": "keras", "class_name": "Sequential", "config": config, "registered_name": None}
        if shape is not None:
            out["build_config"] = {"input_shape": list(shape)}
        return out
    raise ValueError(f"Cannot save model '{model.name}' ({type(model).__name__}) as {what}: only Sequential "
                     "and functional models (models.Model(inputs, outputs)) can be. Save it as .npz instead.")


def _layers_within(model):
    """``(holder, layer)`` for each layer of ``model`` and of the ``Sequential`` and functional models nested in it
    (those models themselves left out), ``holder`` the model whose ``layers`` hold it."""
    from .functional import Functional
    from .models import Sequential

    for layer in model.layers:
        if isinstance(layer, Functional) or type(layer) is Sequential:
            yield from _layers_within(layer)    # written as Keras writes one (its config, weights under its path)
        else:
            yield model, layer


def _check_writable_layers(model, what):
    """Refuse, before anything is written, a layer of ``model`` (nested models' too) that ``what`` (a ``.keras``
    file, Keras JSON) cannot hold: a nested model other than ``Sequential`` and functional ones, one of this
    package's layers that Keras 3 does not have, and a layer of your own class whose config is not JSON
    (:func:`_own_layer_config`)."""
    from .models import Model

    for holder, layer in _layers_within(model):
        if isinstance(layer, Model):  # a ValueError, as for the other layers a .keras file cannot hold
            raise ValueError(  # noqa: TRY004
                f"Cannot save model '{holder.name}' as {what}: layer '{layer.name}' is a nested "
                f"{type(layer).__name__} model: only nested Sequential and functional models can be written. "
                "Save it as .npz instead.")
        if _is_ours_in_keras(layer):
            continue
        if defined_here(type(layer)):
            raise ValueError(f"Cannot save model '{holder.name}' as {what}: layer '{layer.name}' "
                             f"({type(layer).__name__}) has no Keras 3 equivalent. Save it as .npz instead.")
        _own_layer_config(layer, f"Cannot save model '{holder.name}' as {what}")


def _is_json_value(value):
    """Whether ``value`` (not a container) is one JSON holds as Keras 3 reads it back: a str, int, float, bool or
    None of Python's own types, or a NumPy scalar (written as its number)."""
    return (value is None or isinstance(value, (str, bool, int, float)) and type(value).__module__ == "builtins"
            or isinstance(value, (np.bool_, np.integer, np.floating)))


def _json_values(value):
    """``value`` (a checked config, :func:`_own_layer_config`) with tuples as lists and NumPy scalars as Python
    numbers, as JSON holds them."""
    if isinstance(value, dict):
        return {key: _json_values(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_values(item) for item in value]
    return value.item() if isinstance(value, np.generic) else value


#: What a layer of your own must give to be written (the end of :func:`_own_layer_config`'s errors): in a
#: ``.keras`` file, and in our ``.npz`` file (:func:`_npz_advice`).
_JSON_ONLY = "which must hold JSON values only (str, int, float, bool, None, and lists and dicts of them): "
_KERAS_ADVICE = "Keras 3 writes a layer of your own with its get_config(), " + _JSON_ONLY


def _npz_advice(file):
    return f"{file} holds a layer of your own by its get_config(), written as JSON (nothing is pickled), " + _JSON_ONLY


def check_own_configs(model, start, file) -> None:
    """Refuse, before anything is written, a layer of your own class in ``model`` (a ``Sequential`` or functional
    model, nested ones too) whose config ``file`` (``"a .npz file"``) cannot hold as JSON, naming the layer, the
    argument and what to do (:func:`_own_layer_config`); ``start`` begins the message. Keras' automatic config
    raises a bare ``NotImplementedError`` for such a layer. (A subclassed model's own config is not checked: its
    ``get_config`` raises Keras' error.)"""
    from .functional import Functional
    from .models import Sequential

    if not (isinstance(model, Functional) or type(model) is Sequential):
        return
    for _, layer in _layers_within(model):
        if not defined_here(type(layer)):
            _own_layer_config(layer, start, file=file, advice=_npz_advice(file))


def _own_layer_config(layer, start, *, file="a .keras file", advice=_KERAS_ADVICE):
    """The config of ``layer``, of a class of your own, as ``file`` (a ``.keras`` file, or our ``.npz`` file:
    :func:`check_own_configs`) holds it (its ``get_config()``, as Keras 3 writes it, tuples as lists), checked to
    be JSON; ``start`` begins the errors, and ``advice`` (what ``file`` needs of the layer) goes before what to do.

    Raises:
        ValueError: the layer was made with an argument that is not a JSON value (a NumPy array, a function) and
            has no ``get_config`` of its own (Keras' automatic config, :mod:`tinygradconv.layers.auto_config`,
            cannot record it), or made through ``*args``, or its ``get_config()`` returns such a value: the layer,
            the argument and what to do are named.
    """
    from .layers import auto_config

    named = f"{start}: layer '{layer.name}' ({type(layer).__name__})"
    try:
        config = layer.get_config()
    except NotImplementedError:
        why_not = layer.__dict__.get("_auto_config_error")
        if why_not is not None and why_not.argument is not None:
            raise ValueError(
                f"{named} was made with the argument {why_not.argument!r} holding a {why_not.value_type}, which "
                f"its config cannot hold: {advice}pass {why_not.argument!r} as such a value (a NumPy array as a "
                "list, .tolist(); a function by its name, looked up in __init__), or write get_config() (and "
                f"from_config) for {type(layer).__name__} returning JSON values; or keep only the weights, "
                "model.save_weights('w.npz')") from None
        if why_not is not None and why_not.kind == auto_config.POSITIONAL:
            raise ValueError(
                f"{named} was made with positional-only or *args arguments, which Keras' automatic config "
                f"cannot record: {advice}write get_config() and from_config() for {type(layer).__name__}, "
                "or take keyword arguments in __init__; or keep only the weights, "
                "model.save_weights('w.npz')") from None
        raise
    found = auto_config.first_not_plain(config, _is_json_value, check_keys=True)
    if found is not None:
        raise ValueError(f"{named}: its get_config() returns config{found[0]} = a {_type_name(found[1])}, which "
                         f"{file} cannot hold: {advice}return it as such a value (a NumPy array as a "
                         "list, .tolist(); a function by its name) and rebuild it in __init__ or from_config; or "
                         "keep only the weights, model.save_weights('w.npz')")
    return _json_values(config)


def _dotted_names(model) -> list:
    """The layers and models of ``model`` whose name with a dot (``Dense(3, name="block.dense")``) makes its Keras 3
    file unusable by Keras on the PyTorch backend, each as ``"'name' (Class)"``. Keras names each weight by the path
    of the layers that create it, and PyTorch refuses a parameter name with a dot (``KeyError: 'parameter name can't
    contain "."'``) when Keras builds the layer. Keras builds a built layer from its ``build_config`` when loading,
    outside its model, so only the layer's name counts (``"block.dense/kernel"``); a layer not built yet is built
    by its ``Sequential`` model's first call, inside it, so the names of the ``Sequential`` models around it count
    too (``"my.model/dense/kernel"``: up to the nearest functional model, whose layers are built outside it). A
    weightless built layer's name (``Flatten``), an ``Input``'s and a functional model's do not count (all checked
    in Keras 3.15 on torch)."""
    from .functional import Functional
    from .models import Sequential

    found = []

    def walk(model, sequentials):
        for layer in model.layers:
            if type(layer) in (Sequential, Functional):
                walk(layer, [*sequentials, layer] if type(layer) is Sequential else [])
                continue
            holders = [layer] if layer.weights else [*sequentials, layer] if not layer.built else []
            for holder in holders:
                named = f"'{holder.name}' ({type(holder).__name__})"
                if "." in holder.name and named not in found:
                    found.append(named)

    walk(model, [model] if type(model) is Sequential else [])
    return found


def _warn_dotted_names(model, what):
    """A ``UserWarning`` naming the layers whose dotted names Keras on PyTorch cannot load (:func:`_dotted_names`)
    in ``what`` (the file written)."""
    dotted = _dotted_names(model)
    if dotted:
        warnings.warn(f"{what}: Keras 3 on the PyTorch backend cannot load it (or build its layers), because of "
                      f"the '.' in the name of "
                      f"{', '.join(dotted)}: Keras names each weight by the path of its layers, and PyTorch refuses "
                      "a '.' in a parameter name (KeyError: 'parameter name can't contain \".\"'). Keras on JAX or "
                      "TensorFlow and tinygradconv load it. To load it in Keras on PyTorch, use names without a dot "
                      "(name='block_dense'), e.g. by building the model again with them and set_weights",
                      stacklevel=caller_stacklevel())


def _keras_layer_order(model, model_json=None):
    """``model.layers`` in the order Keras 3 gives a functional model's layers (``Functional.layers``, by which it
    numbers their weights' paths): that of ``model.layers`` unless the model's masks are written as op nodes
    (:func:`_with_mask_graph`), which Keras' order counts (:func:`_keras_operation_order`). ``model_json``: the
    model's Keras JSON when the caller has it already (``save_keras`` made it with :func:`_model_json`;
    ``load_keras`` read it from the file, written in that order), so that a save makes it once and a load never."""
    from .functional import Functional

    if not isinstance(model, Functional):
        return model.layers
    if model_json is None:
        try:
            with warnings.catch_warnings():     # (those of a nested Sequential not built: given where it is written)
                warnings.simplefilter("ignore")
                model_json = _model_json(model)
        except (ValueError, TypeError, KeyError, AttributeError, NotImplementedError):
            # a model a .keras file cannot hold (refused where it is written, with its message), or a layer of your
            # own whose get_config() raises, which a .weights.h5 file does not need
            return model.layers
    config = model_json["config"]
    if not any(str(item.get("module", "")).startswith("keras.src.ops") for item in config["layers"]):
        return model.layers
    by_name = {layer.name: layer for layer in model.layers}
    return [by_name[item["name"]] for item in config["layers"] if item.get("name") in by_name]


def _keras_operation_order(config):
    """``{name: position}`` of the entries (layers and op nodes) of a functional model's Keras config in Keras 3's
    order (``keras/src/ops/function.py``, ``map_graph``): a depth-first walk from the outputs through each node's
    input tensors (``args``, then ``kwargs`` by key) gives each operation its first-visit index; an operation's depth
    is the longest path from it to an output; deeper first, then by index. Inputs used by no output come last."""
    by_name = {item["name"]: item for item in config["layers"]}

    def inputs_of(key):
        item = by_name.get(key[0]) or {}
        nodes = item.get("inbound_nodes") or []
        if item.get("class_name") == "InputLayer" or key[1] >= len(nodes):
            return []
        node = nodes[key[1]] or {}
        kwargs = node.get("kwargs") or {}
        tensors = _keras_tensors([node.get("args"), [kwargs[k] for k in sorted(kwargs)]])
        return [tuple(_keras_ref(t)[:2]) for t in tensors]

    finished, order, indices = set(), [], {}

    def visit(key):
        if key in finished:
            return
        indices.setdefault(key[0], len(indices))
        for parent in inputs_of(key):
            visit(parent)
        finished.add(key)
        order.append(key)

    for entry in _flat_layer_refs(config.get("output_layers")):
        visit((entry[0], entry[1]))
    node_depths, op_depths = {}, {}
    for key in reversed(order):
        depth = max(node_depths.setdefault(key, 0), op_depths.get(key[0], 0))
        op_depths[key[0]] = node_depths[key] = depth
        for parent in inputs_of(key):
            node_depths[parent] = max(depth + 1, node_depths.get(parent, 0))
    for entry in _flat_layer_refs(config.get("input_layers")):
        if entry[0] not in op_depths:
            op_depths[entry[0]], indices[entry[0]] = 0, -1
    ranked = sorted(op_depths, key=lambda name: (-op_depths[name], indices[name]))
    position = {name: i for i, name in enumerate(ranked)}
    return {name: position.get(name, len(position) + i) for i, name in enumerate(by_name)}


def _weight_paths(layers_in_order, skip_inputs):
    """``[(layer, "layers/<path>")]``: Keras' h5 path of each layer (snake-case class name, numbered)."""
    used, out = {}, []
    for layer in layers_in_order:
        class_name = layer if isinstance(layer, str) else type(layer).__name__
        if skip_inputs and class_name == "InputLayer":
            continue
        base = snake_case(class_name)
        count = used.get(base, 0)
        used[base] = count + 1
        out.append((layer, f"layers/{base if count == 0 else f'{base}_{count}'}"))
    return out


def keras_variable_paths(model) -> list:
    """``[(weight, path)]``: Keras 3's ``variable.path`` of each weight of ``model``, which each weight holds
    (``weight.path``, set by :meth:`~tinygradconv.layers.Layer.add_weight` from the layers inside whose build it
    was made, as Keras sets it: ``"sequential/dense/kernel"``); its name for a Tensor without one."""
    paths = {}      # id(weight) -> (weight, path)

    def walk(layer):
        for weight in getattr(layer, "_own_weights", ()):
            paths.setdefault(id(weight), (weight, weight.path or weight.name or "variable"))
        for sublayer in layer._sublayers():
            walk(sublayer)

    walk(model)
    return list(paths.values())


def save_keras(model, filepath) -> None:
    """Write ``model`` (Sequential or functional, built) to ``filepath`` as a Keras 3 ``.keras`` archive, atomically:
    architecture and weights, and for a compiled model its compile arguments (``compile_config``) and its optimizer's
    state (``optimizer/vars``), as Keras 3 writes them (:func:`keras_compile_config`), so that ``load_model`` here or
    in Keras returns it compiled. A compile that Keras cannot describe (a lambda as the loss, an optimizer object
    without ``get_config``) is left out, with a ``UserWarning`` that says why: the model then loads uncompiled.

    Raises:
        ValueError: a subclassed model (a ``call`` of its own), a layer of this package's that Keras does not have,
            or a layer of your own class whose config JSON cannot hold (:func:`_own_layer_config`), before
            anything is written.
        ImportError: h5py is not installed.

    A layer of your own class is written as Keras 3 writes one: its module, class name, ``get_config()`` and
    registered name (:func:`_own_layer_json`), its own weights (trainable ones first) and the layers it holds
    under their attribute names (:func:`keras_weight_groups`), so that ``load_model`` here
    (``custom_objects={"MyLayer": MyLayer}``) and in Keras (with a Keras class of that name) reads it.

    Each built layer is written with its ``build_config`` (the input shape it was built with,
    :meth:`~tinygradconv.layers.Layer.get_build_config`), as Keras 3 writes it. A ``Sequential`` model not built yet
    is written without an input shape, with Keras' warning, as Keras 3 writes it: its layers built before it (a
    ``Dense`` called on data, then put in ``Sequential([...])``) keep their weights, and are built from their
    ``build_config`` when the file is loaded, here and in Keras; its other layers load unbuilt (their weights made
    at the model's first call).

    A name with a dot on a layer that holds weights (``Dense(3, name="block.dense")``), or on a ``Sequential``
    model around a layer not built yet, is written with a ``UserWarning``: Keras 3 on the PyTorch backend cannot
    load such a file, or build the layer (PyTorch refuses a ``.`` in a parameter name); Keras on JAX or
    TensorFlow, and this package, can.
    """
    from . import __version__

    h5py = _h5py()
    config = _model_json(model)
    _warn_dotted_names(model, f"{os.fspath(filepath)!r} is written")
    metadata = {"keras_version": "3.0.0", "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
                "written_by": f"tinygradconv {__version__}"}
    compile_config = _writable_compile_config(
        model, f"{os.fspath(filepath)!r}: the compile arguments of model {model.name!r}", "the file holds no compile "
        "arguments and no optimizer state")
    # as Keras 3.15 writes it: {} for a model not compiled (both loaders then give it uncompiled)
    config["compile_config"] = {} if compile_config is None else compile_config
    buffer = _weights_h5(h5py, model, optimizer=model.optimizer if compile_config is not None else None,
                         model_json=config)

    def write(f):
        with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("metadata.json", json.dumps(metadata))
            archive.writestr("config.json", json.dumps(config))
            archive.writestr("model.weights.h5", buffer, compress_type=zipfile.ZIP_STORED)

    atomic_write(filepath, write)


def _writable_compile_config(model, what, left_out):
    """``model``'s compile arguments as Keras 3 writes them (:func:`keras_compile_config`), or None for a model not
    compiled, or compiled with something Keras cannot describe (a lambda as the loss, an optimizer object without
    ``get_config``): then a ``UserWarning`` that says why, starting with ``what`` and saying what is ``left_out``."""
    if not getattr(model, "compiled", False):
        return None
    try:
        return keras_compile_config(model)
    except (TypeError, ValueError) as exc:
        warnings.warn(f"{what} cannot be written as Keras 3 writes them ({exc}): {left_out}, so the model loads "
                      "uncompiled, here and in Keras; compile it again after loading", stacklevel=caller_stacklevel())
        return None


# ----------------------------------------------------------------------------------------------- compile arguments
_KERAS_MODULES = {"loss": "keras.losses", "metric": "keras.metrics", "optimizer": "keras.optimizers"}
#: Keras classes that ``compile`` takes but ``keras.losses`` does not export: Keras writes (and finds) them by the
#: module they are defined in.
_KERAS_INNER_MODULES = {("loss", "LossFunctionWrapper"): "keras.src.losses.losses"}


def _keras_compile_entry(obj, kind):
    """One loss, metric or optimizer of ``compile`` as Keras 3 writes it in ``compile_config``: a name stays a name;
    one of our objects is ``{"module": "keras.losses", "class_name", "config", "registered_name": None}`` (Keras'
    arguments, which ours share); a function (tinygradconv's or your own) as Keras writes a plain function
    (``{"module": "builtins", "class_name": "function", "config": name, ...}``), and your own class with its
    ``registered_name``, found again by name when loading (``custom_objects``), as in Keras.

    Raises:
        ValueError: a lambda, or your own function or class named like a built-in (see
            :func:`tinygradconv.saving._library_object`).
        TypeError: an object without ``get_config`` that is not a function.
    """
    from . import losses, metrics, optimizers
    from .saving import _library_object

    if obj is None or isinstance(obj, str):
        return obj
    if isinstance(obj, type):           # a class given to compile stands for its default instance, as in Keras
        obj = obj()
    if isinstance(obj, dict):           # a config given to compile: Keras' own stays as it is
        if "module" in obj:
            return obj
        item = obj
    else:
        item = _library_object(obj, {"loss": losses, "metric": metrics, "optimizer": optimizers}[kind])
    if isinstance(item, str):       # a function, ours or yours: Keras writes each so, and loads it as the function
        return _keras_function(item)
    name = item["class_name"]
    ours = builtin(kind, name) is not None and (isinstance(obj, dict) or defined_here(type(obj)))
    if ours:
        return {"module": _KERAS_MODULES[kind], "class_name": name, "config": item.get("config") or {},
                "registered_name": None}
    if (kind, name) in _KERAS_INNER_MODULES and (isinstance(obj, dict) or defined_here(type(obj))):
        return {"module": _KERAS_INNER_MODULES[kind, name], "class_name": name, "config": item.get("config") or {},
                "registered_name": name}
    return {"module": None, "class_name": name.split(">")[-1], "config": item.get("config") or {},
            "registered_name": name}


def _plain_numbers(value):
    """``loss_weights`` (a number, or a list or dict of them) as JSON numbers."""
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return [_plain_numbers(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain_numbers(item) for key, item in value.items()}
    return float(value)


def keras_compile_config(model) -> dict:
    """The ``compile_config`` of ``model``'s ``config.json`` in a ``.keras`` file, as Keras 3.15 writes it: the
    optimizer with its current settings (``{"module", "class_name", "config", "registered_name"}``), the loss, the
    metrics and the weighted metrics as they were given to ``compile`` (names stay names, per-output lists and dicts
    stay so; objects as :func:`_keras_compile_entry` writes them), ``loss_weights``, and Keras' ``run_eagerly``,
    ``steps_per_execution`` and ``jit_compile``.

    >>> from tinygradconv import layers, models, optimizers
    >>> model = models.Sequential([layers.Input((3,)), layers.Dense(1)])
    >>> model.compile(optimizers.Adam(learning_rate=0.003), "mse", metrics=["mae"])
    >>> config = keras_compile_config(model)
    >>> config["optimizer"]["class_name"], config["optimizer"]["config"]["learning_rate"], config["loss"]
    ('Adam', 0.003, 'mse')

    Raises:
        ValueError: the model is not compiled; or an entry Keras cannot describe (a lambda).
        TypeError: an optimizer, loss or metric without ``get_config`` that is not a function.
    """
    call = getattr(model, "_compile_call", None)
    if not getattr(model, "compiled", False) or call is None:
        raise ValueError(f"Model '{model.name}' is not compiled: it has no compile arguments to write")
    def metric(entry):
        return _keras_compile_entry(entry, "metric")

    return {"optimizer": _keras_compile_entry(model.optimizer, "optimizer"),    # its current settings
            "loss": map_compile_structure(call.get("loss"), lambda entry: _keras_compile_entry(entry, "loss")),
            "loss_weights": _plain_numbers(call.get("loss_weights")),
            "metrics": map_compile_structure(call.get("metrics"), metric),
            "weighted_metrics": map_compile_structure(call.get("weighted_metrics"), metric),
            "run_eagerly": False, "steps_per_execution": 1, "jit_compile": False}


def _our_compile_entry(value, where):
    """A ``compile_config`` entry written by Keras 3 as our compile takes it: Keras' objects as
    ``{"class_name", "config"}`` (:func:`_from_keras_object`), functions by name."""
    if isinstance(value, dict) and value["class_name"] == "function" and isinstance(value.get("config"), str):
        return {"class_name": "function", "config": value["config"]}    # made the function when compiling
    return _from_keras_object(value, where)


def our_compile_arguments(config, filepath):
    """The arguments of ``model.compile`` from a ``compile_config`` written by Keras 3 (or by :func:`save_keras`):
    the optimizer, loss, metrics, weighted metrics and loss weights, translated; ``run_eagerly`` and
    ``jit_compile`` are dropped (they change nothing here), and ``steps_per_execution`` other than 1 (which our
    ``compile`` refuses: every step runs one batch) is dropped with a ``UserWarning``.

    >>> our_compile_arguments({"optimizer": {"module": "keras.optimizers", "class_name": "SGD",
    ...                                      "config": {"learning_rate": 0.1}, "registered_name": None},
    ...                        "loss": "mse", "metrics": ["mae"], "jit_compile": False}, "m.keras")
    {'optimizer': {'class_name': 'SGD', 'config': {'learning_rate': 0.1}}, 'loss': 'mse', 'metrics': ['mae']}
    """
    where = f"{os.fspath(filepath)!r}: compile_config"
    if not isinstance(config, dict):
        raise SavedFileError(f"{where} is not a JSON object of compile arguments (damaged config.json?). Received "
                             f"{config!r}")
    steps = config.get("steps_per_execution", 1)
    if steps not in (None, 1):
        warnings.warn(f"{where}: steps_per_execution={steps!r} is not supported here (every step of fit runs one "
                      "batch, and calls the callbacks' batch hooks once): the model is compiled with 1",
                      stacklevel=caller_stacklevel())
    arguments = {}
    for key in ("optimizer", "loss", "metrics", "weighted_metrics", "loss_weights"):
        if config.get(key) is not None:
            arguments[key] = (config[key] if key == "loss_weights"
                              else map_compile_structure(config[key], functools.partial(
                                  _our_compile_entry, where=f"{where}['{key}']")))
    return arguments


def _optimizer_datasets(h5py, h5, filepath):
    """The arrays of ``optimizer/vars`` in the open weights file ``h5``, in order (``"0"``, ``"1"``, ...); None
    when there is no such group (a model saved uncompiled)."""
    group = h5.get("optimizer/vars")
    if group is None:
        return None
    keys = sorted(group.keys()) if isinstance(group, h5py.Group) else None
    if keys is None or keys != sorted(str(i) for i in range(len(keys))) or \
            not all(isinstance(group[k], h5py.Dataset) for k in keys):
        raise SavedFileError(f"{filepath!r}: 'optimizer/vars' does not hold the datasets '0', '1', ... of an "
                             "optimizer's variables (damaged model.weights.h5?)")
    try:
        return [np.asarray(group[str(i)]) for i in range(len(keys))]
    except (OSError, KeyError) as exc:
        raise SavedFileError(f"{filepath!r}: the optimizer's variables under 'optimizer/vars' cannot be read "
                             f"(damaged model.weights.h5): {exc}") from None


def _restore_keras_optimizer(model, arrays, filepath, model_json=None):
    """Put the optimizer's variables of a ``.keras`` file (``arrays``, in Keras' order: see
    ``Optimizer.variables``) into the compiled ``model``'s new optimizer, as Keras 3's ``load_model`` restores them:
    the step count, the learning rate (a number), each slot of each trainable weight, and the scalar state. A file
    of a model compiled but never trained holds the first one or two only (a ``LossScaleOptimizer``'s own two, then
    its inner optimizer's: ``Optimizer._keras_unbuilt_keys``): they are restored, and the optimizer is built at the
    first step (Keras warns there, and skips them). Another number of variables is Keras' warning
    ("Skipping variable loading for optimizer"), and nothing is restored. ``model_json``: the file's
    ``config.json``, which gives Keras' order of the layers (:func:`_keras_layer_order`).

    Raises:
        SavedFileError: a variable of another shape than its weight's, or a step count that is not an integer
            ``>= 0``.
    """
    optimizer = model.optimizer
    if not hasattr(optimizer, "_keras_variable_keys"):
        return
    variables = _keras_trainable_weights(model, model_json)     # Keras' order: that of its optimizer's slots
    if not getattr(optimizer, "built", True) and hasattr(optimizer, "_note_paths"):
        optimizer._note_paths(model)        # as Model.fit does: Muon's slots follow Keras' variable paths
    keys = optimizer._keras_variable_keys(variables)
    unbuilt = optimizer._keras_unbuilt_keys()     # what an optimizer never built lists: its step count and rate
    if len(arrays) not in (len(keys), len(unbuilt)):
        warnings.warn(f"{os.fspath(filepath)!r}: Skipping variable loading for optimizer '{optimizer.name}', because "
                      f"it has {len(keys)} variables whereas the saved optimizer has {len(arrays)} variables (the "
                      "optimizer starts afresh: step 0, no moments).", stacklevel=caller_stacklevel())
        return
    values = dict(zip(keys if len(arrays) == len(keys) else unbuilt, arrays))
    state = {"iterations": values["iterations"]}
    state.update({f"{key[0]}/{key[1]}": value for key, value in values.items() if isinstance(key, tuple)})
    state.update({key: value for key, value in values.items() if key in optimizer.scalar_state})
    try:
        if len(arrays) == len(keys) and variables:
            optimizer.set_state(variables, state)
        else:    # never trained, or a model not built: the step count (and the rate), the slots made at the first step
            optimizer.iterations = int(np.asarray(values["iterations"]).item())
    except (ValueError, TypeError) as exc:
        raise SavedFileError(f"{os.fspath(filepath)!r}: the optimizer's variables under 'optimizer/vars' do not fit "
                             f"optimizer {type(optimizer).__name__} of model '{model.name}': {exc}") from None
    if "learning_rate" in values:     # Keras keeps it in float32: the configured rate stays unless it differs more
        rate = float(np.asarray(values["learning_rate"]).reshape(()))
        if np.float32(float(optimizer.learning_rate)) != np.float32(rate):
            try:
                optimizer.learning_rate = rate
            except (ValueError, TypeError) as exc:    # NaN, negative: a damaged file
                raise SavedFileError(f"{os.fspath(filepath)!r}: the optimizer's learning rate under 'optimizer/vars' "
                                     f"({rate!r}) does not fit optimizer {type(optimizer).__name__}: {exc}") from None


def _nested_json(model_json, layer):
    """The Keras JSON of the nested model ``layer`` inside its outer model's ``model_json`` (None when not given),
    where :func:`_model_json` wrote it."""
    if model_json is None:
        return None
    for item in model_json["config"]["layers"]:
        if isinstance(item.get("config"), dict) and item["config"].get("name") == layer.name and "layers" in \
                item["config"]:
            return item
    return None


def _weights_h5(h5py, model, optimizer=None, model_json=None) -> bytes:
    """The HDF5 file of ``model``'s weights as Keras 3 writes it (``model.weights.h5`` in a ``.keras`` archive, or a
    ``.weights.h5`` file): each layer's weights as ``layers/<path>/vars/<i>`` (:func:`_weight_paths`), a nested
    model's layers below its own path, and an empty ``vars`` group named after the model; with ``optimizer``, its
    variables as ``optimizer/vars/<i>`` in Keras' order (``Optimizer.variables``: the step count, the learning
    rate, the slots, the scalar state). ``model_json``: the model's Keras JSON, when the caller has made it
    (:func:`_keras_layer_order`)."""
    from .functional import Functional
    from .models import Model

    def write_layers(h5, prefix, model, model_json):
        for layer, path in _weight_paths(_keras_layer_order(model, model_json),
                                         skip_inputs=not isinstance(model, Functional)):
            group = h5.create_group(prefix + path).create_group("vars")
            group.attrs["name"] = layer.name
            if isinstance(layer, Model):  # a nested model: its layers under its own path, as Keras
                write_layers(h5, f"{prefix}{path}/", layer, _nested_json(model_json, layer))
                continue
            # a layer's own weights under its vars, the layers it holds (an LSTM's cell, a TimeDistributed's
            # layer, those of a layer of your own class) under their attribute names, as Keras
            found = {}
            for group_path, weights in keras_weight_groups(layer, prefix + path, found):
                inner = h5.require_group(f"{group_path}/vars")
                inner.attrs["name"] = found[group_path].name
                write_vars(inner, weights)

    def write_vars(group, weights):
        for i, weight in enumerate(weights):
            group.create_dataset(str(i), data=weight.numpy())

    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as h5:
        write_layers(h5, "", model, model_json)
        if optimizer is not None:
            group = h5.create_group("optimizer").create_group("vars")
            group.attrs["name"] = optimizer.name
            for i, array in enumerate(_in_keras_layer_order(model, optimizer,
                                                            _keras_optimizer_arrays(optimizer.variables),
                                                            model_json)):
                group.create_dataset(str(i), data=array)
            inner = getattr(optimizer, "keras_inner_variables", None)   # LossScaleOptimizer: Keras also saves (and
            if inner is not None:                                       # needs) the wrapped optimizer's variables
                inner_group = h5["optimizer"].create_group("inner_optimizer").create_group("vars")
                inner_group.attrs["name"] = optimizer.inner_optimizer.name
                for i, array in enumerate(_keras_optimizer_arrays(inner)):
                    inner_group.create_dataset(str(i), data=array)
        h5.create_group("vars").attrs["name"] = model.name
    return buffer.getvalue()


def _keras_trainable_weights(model, model_json=None):
    """``model.trainable_weights`` in Keras 3's order, layer by layer in :func:`_keras_layer_order` (that of its
    optimizer's slots in a file); ``model.trainable_weights`` itself where the orders agree."""
    ours = model.trainable_weights
    order = _keras_layer_order(model, model_json)
    if order == model.layers:
        return ours
    seen, theirs = set(), []
    for layer in order:
        for weight in layer.trainable_weights:
            if id(weight) not in seen:
                seen.add(id(weight))
                theirs.append(weight)
    return theirs if len(theirs) == len(ours) and seen == {id(w) for w in ours} else ours


def _in_keras_layer_order(model, optimizer, arrays, model_json=None):
    """The arrays of ``optimizer``'s variables (slots in the order of the weights it was built on) reordered for
    the weights in Keras' order (:func:`_keras_trainable_weights`), as Keras writes and reads ``optimizer/vars``."""
    theirs = _keras_trainable_weights(model, model_json)
    if theirs is model.trainable_weights or not isinstance(getattr(optimizer, "_state", None), dict) or \
            not hasattr(optimizer, "_keras_variable_keys"):
        return arrays
    ours = [entry[0] for entry in optimizer._state.values()]     # the weights, in the order it was built on
    if [id(w) for w in ours] == [id(w) for w in theirs] or {id(w) for w in ours} != {id(w) for w in theirs}:
        return arrays
    keys_ours, keys_theirs = optimizer._keras_variable_keys(ours), optimizer._keras_variable_keys(theirs)
    if len(keys_ours) != len(arrays):
        return arrays
    position = {key: i for i, key in enumerate(keys_ours)}
    index = {id(weight): i for i, weight in enumerate(ours)}
    return [arrays[position[(index[id(theirs[key[0]])], key[1]) if isinstance(key, tuple) else key]]
            for key in keys_theirs]


def _keras_optimizer_arrays(variables) -> list:
    """The arrays of an optimizer's ``variables``, in their order, in the dtypes of Keras 3's variables: the step
    counts (``.../iteration``, a LossScaleOptimizer's ``.../step_counter``) int32 (int64 past int32's range, which
    Keras cannot count to), a learning rate given as a number (``.../learning_rate``; a schedule is no variable)
    float32, the rate of the optimizer when saved, e.g. as a callback changed it; the slots in the weights' dtype, as
    here. The exact float64 rate is in the optimizer's config in ``compile_config``, which our loader keeps when it
    rounds to the file's float32 (:func:`_restore_keras_optimizer`). Nadam's running product stays float64 (Keras'
    is float32, and reads ours): rounded, a resumed Nadam would not follow its own uninterrupted training exactly."""
    arrays = []
    for variable in variables:
        array, kind = variable.numpy(), variable.name.rpartition("/")[2]
        if kind in ("iteration", "step_counter") and np.iinfo(np.int32).min <= array <= np.iinfo(np.int32).max:
            array = array.astype(np.int32)
        elif kind == "learning_rate":
            array = array.astype(np.float32)
        arrays.append(array)
    return arrays


#: What h5py raises on a damaged HDF5 file besides ``OSError``: ``KeyError`` (a dangling link), ``RuntimeError``
#: ("wrong B-tree signature"), ``OverflowError`` (a size read from flipped bytes), ``ValueError`` ("Insufficient
#: precision in available types", a datatype read from flipped bytes).
H5_DAMAGE = (OSError, KeyError, RuntimeError, OverflowError, ValueError)


#: A dataset declaring more than this many bytes (4 GiB, Keras 3's floor) must store at least a thousandth of them
#: (:data:`H5_MAX_EXPANSION`): a larger one that stores next to nothing (a fill value, compressed) is a "shape bomb"
#: that would fill this machine's memory when read; Keras 3 refuses it too.
H5_BOMB_FLOOR_BYTES = 1 << 32
H5_MAX_EXPANSION = 1000


def _refuse_unsafe_h5(h5py, h5, filepath, weights_file=None):
    """Refuse, before any data is read, an open HDF5 file ``h5`` (``filepath``, or its member ``weights_file``
    when ``filepath`` is a ``.keras`` archive) that could make
    the loader read anything but its own bytes, or fill memory: a weights file is a tree of groups holding numeric
    datasets, and nothing else is read. Every link in the file is visited without following it (a hard link is
    followed once); refused, with the path where it lies:

    * a soft link (``h5py.SoftLink``, a path inside the file), an external link (``h5py.ExternalLink``, an object in
      another file on this machine) or a link of another kind, anywhere in the file: Keras 3 refuses the first two
      where it reads weights ("Not allowed: H5 file with ExternalLink"; 3.15.1 loads a file whose soft link lies
      elsewhere, and never writes links itself). An external link would let the author of a downloaded file copy
      into the model the contents of any HDF5 file the loader may open;
    * a dataset whose data lies elsewhere: external raw storage (``dataset.external``, a list of other files) or a
      virtual dataset (``dataset.is_virtual``, made of pieces of other datasets and files), as Keras 3;
    * a dataset of references (object or region references, pointers to other objects) or of Python objects
      (variable-length strings or arrays, ``dtype('O')``): weights are numbers;
    * a dataset declaring more than 4 GiB while storing less than a thousandth of that (Keras 3's "shape bomb").

    Raises:
        SavedFileError: naming ``filepath`` (and ``weights_file``), the path in it and what was found there.
    """
    def refuse(path, found, keras_name=None):
        keras = (f'; Keras 3 refuses it too where it reads weights: "Not allowed: H5 file with {keras_name}"'
                 if keras_name else "")
        where = f"{filepath!r}: its {weights_file}" if weights_file else repr(filepath)
        raise SavedFileError(f"{where} holds at '{path}' {found}: not allowed, as a weights file must hold its own "
                             f"numbers only (nothing was read){keras}")

    seen = set()
    pending = [("", h5)]
    while pending:      # a loop, not recursion: a file may nest groups deeper than Python's recursion limit
        prefix, group = pending.pop()
        for name in group:
            path = f"{prefix}/{name}"
            try:
                link = group.get(name, getlink=True)
            except TypeError:        # h5py: "Unknown link type" (a user-defined link)
                refuse(path, "a link of a user-defined kind")
            if isinstance(link, h5py.SoftLink):
                refuse(path, f"a soft link (to '{link.path}')", "SoftLink")
            if isinstance(link, h5py.ExternalLink):
                refuse(path, f"an external link (to '{link.path}' in the file {link.filename!r})", "ExternalLink")
            item = group[name]
            if item.id in seen:     # a second hard link to an object already checked (or a cycle)
                continue
            seen.add(item.id)
            if isinstance(item, h5py.Group):
                pending.append((path, item))
            elif isinstance(item, h5py.Dataset):
                _refuse_unsafe_dataset(h5py, item, path, refuse)


def _refuse_unsafe_dataset(h5py, dataset, path, refuse):
    """The dataset part of :func:`_refuse_unsafe_h5`: ``refuse(path, found)`` raises."""
    if dataset.external:
        refuse(path, f"a dataset stored in other files (external raw storage: {dataset.external})",
               "external Dataset")
    if dataset.is_virtual:
        sources = [(source.file_name, source.dset_name) for source in dataset.virtual_sources()]
        refuse(path, f"a virtual dataset (made of the datasets {sources}, as (file, dataset))", "virtual Dataset")

    def unsafe(dtype):          # references or Python objects, also inside a compound or array dtype
        if dtype.fields:
            return any(unsafe(field[0]) for field in dtype.fields.values())
        if dtype.subdtype is not None:
            return unsafe(dtype.subdtype[0])
        return dtype.kind == "O" or h5py.check_dtype(ref=dtype) is not None

    if unsafe(dataset.dtype):
        kind = "references" if h5py.check_dtype(ref=dataset.dtype) is not None else "Python objects"
        refuse(path, f"a dataset of {kind} (dtype {dataset.dtype})")
    declared = math.prod(dataset.shape or ()) * dataset.dtype.itemsize
    stored = dataset.id.get_storage_size()
    if declared > H5_BOMB_FLOOR_BYTES and declared > H5_MAX_EXPANSION * stored:
        refuse(path, f"a dataset of shape {dataset.shape} ({dataset.dtype}, {declared / 2**30:.3g} GiB) that stores "
                     f"only {stored} bytes (a 'shape bomb', which Keras 3 refuses too: reading it would fill this "
                     "machine's memory)")


@contextlib.contextmanager
def _damaged_h5(filepath, weights_file):
    """Turn h5py's errors on a damaged ``weights_file`` (:data:`H5_DAMAGE`) into a :class:`SavedFileError` naming
    ``filepath``; this module's own ``SavedFileError`` passes through as it is."""
    try:
        yield
    except SavedFileError:
        raise
    except H5_DAMAGE as exc:
        raise SavedFileError(f"{filepath!r}: its {weights_file} is damaged (an HDF5 structure in it cannot be read): "
                             f"{type(exc).__name__}: {exc}") from None


def _layer_arrays(h5py, h5, weights, name, path, filepath, *, weights_file="model.weights.h5"):
    """The arrays stored for ``weights`` (those of the layer called ``name`` in the file, in Keras' order:
    :meth:`~tinygradconv.layers.Layer._own_weights_in_keras_order`) under ``<path>/vars`` of the open HDF5 file
    ``h5`` (``weights_file`` in ``filepath``), checked against them: their number (Keras' message) and each shape.

    Raises:
        SavedFileError: missing or extra datasets, a shape that does not fit, or data that cannot be read.
    """
    expected = [str(i) for i in range(len(weights))]
    try:
        group = h5.get(f"{path}/vars")
        if group is not None and not isinstance(group, h5py.Group):
            raise SavedFileError(f"{filepath!r}: '{path}/vars' is a {type(group).__name__}, not a group of datasets "
                                 f"(damaged {weights_file}?)")
        keys = [] if group is None else list(group.keys())
        if sorted(keys) != sorted(expected):
            # Keras' message (its Layer.load_own_variables), with the file and the h5 path
            raise SavedFileError(f"{filepath!r}: Layer '{name}' expected {len(expected)} variables, but "
                                 f"received {len(keys)} variables during loading (datasets {sorted(keys)} "
                                 f"under '{path}/vars', expected the datasets {expected} for the weights "
                                 f"{[w.path or w.name for w in weights]})")
        not_data = [k for k in expected if not isinstance(group[k], h5py.Dataset)]
        if not_data:      # the right number of entries, but a group among them: say so, not a count
            raise SavedFileError(f"{filepath!r}: layer '{name}': {[f'{path}/vars/{k}' for k in not_data]} "
                                 f"{'is a group' if len(not_data) == 1 else 'are groups'}, not datasets of "
                                 f"weights (damaged {weights_file}?)")
        datasets = [group[k] for k in expected]
        for k, dataset, weight in zip(expected, datasets, weights):     # checked before any data is read
            if dataset.dtype.kind not in "fiu" and not bool_for_bool(dataset, weight):
                raise SavedFileError(f"{filepath!r}: '{path}/vars/{k}' holds {dataset.dtype} data, not numbers "
                                     f"(damaged {weights_file}?)")
        for weight, dataset in zip(weights, datasets):   # a huge declared shape is refused here, never allocated
            stored = "no data (an empty HDF5 dataspace)" if dataset.shape is None else tuple(dataset.shape)
            if stored != tuple(weight.shape):
                raise SavedFileError(f"{filepath!r}: layer '{name}': weight '{weight.path or weight.name}' has "
                                     f"shape {tuple(weight.shape)}, the file has {stored} under '{path}/vars'")
        return [np.asarray(dataset) for dataset in datasets]
    except (OSError, KeyError) as exc:  # data past the end of a truncated file, a dangling link
        raise SavedFileError(f"{filepath!r}: the weights of layer '{name}' under '{path}/vars' cannot be "
                             f"read (damaged {weights_file}): {exc}") from None


def _file_weights(h5py, h5, layer, path, filepath, *, weights_file="model.weights.h5",
                  ours_from="built from the file's config") -> list:
    """``[(weight, array)]``: the arrays stored for the weights of ``layer`` (not a model) at ``path``
    (``"layers/dense"``) of the open HDF5 file ``h5`` (``weights_file`` in ``filepath``), checked
    (:func:`_layer_arrays`) in Keras 3's layout (:func:`keras_weight_groups`): a layer's own weights under
    ``<path>/vars``, the layers it holds under their attribute names (``<path>/cell/vars`` for an ``LSTM``,
    ``<path>/layer/vars`` for a ``TimeDistributed``). A layer of your own class is refused, with what differs,
    when the file lays its weights out otherwise (:func:`_check_own_layout`; ``ours_from`` says where ``layer``
    comes from in that message)."""
    found = {}
    groups = keras_weight_groups(layer, path, found)    # one group, <path>/vars, for a layer holding no layer
    if not _is_ours_in_keras(layer):
        _check_own_layout(h5py, h5, layer, layer.name, path, groups, filepath, found, ours_from=ours_from)
    pairs = []
    for group_path, weights in groups:
        pairs.extend(zip(weights, _layer_arrays(h5py, h5, weights, layer.name, group_path, filepath,
                                                  weights_file=weights_file)))
    return pairs


def _stored_groups(h5py, h5, path, with_weights=True) -> list:
    """The paths below ``path`` (itself included) of the ``vars`` groups holding datasets, in a Keras file; with
    ``with_weights=False`` those of every ``vars`` group, empty ones too (Keras writes one for each layer)."""
    found = []
    top = h5.get(path)
    if not isinstance(top, h5py.Group):
        return found

    def visit(name, obj):
        if isinstance(obj, h5py.Group) and name.split("/")[-1] == "vars" and (len(obj) or not with_weights):
            found.append(f"{path}/{name}".removesuffix("/vars"))

    top.visititems(visit)
    if not with_weights and isinstance(top.get("vars"), h5py.Group):
        found.append(path)
    return sorted(set(found))


def _check_own_layout(h5py, h5, layer, name, path, groups, filepath, found=None, *,
                      ours_from="built from the file's config"):
    """Refuse, naming both, a layer of your own class whose weights lie in other places in the file than Keras
    would store those of ``layer`` (``groups``: :func:`keras_weight_groups`, ``found`` its layers by path), and what
    differs: a layer (the outer one or one it holds) that creates no weight of its own where the Keras layer stored
    some, or creates some where it stored none, or layers held under other names than the Keras class's attributes
    (only then the advice to rename them), rather than Keras' count of variables alone."""
    ours = sorted(group_path for group_path, weights in groups if weights)
    stored = _stored_groups(h5py, h5, path)
    if ours == stored or len(groups) == 1 and stored in ([], [path]):
        return      # the same places (a layer without sub-layers: its vars, checked by _layer_arrays)
    found = found or {}
    own = dict(groups)                  # every layer's path -> its own weights (maybe none)
    file_layers = _stored_groups(h5py, h5, path, with_weights=False)

    def in_file(p):         # a layer the file has at p: a vars group there, or weights below it
        return p in file_layers or any(s.startswith(p + "/") for s in stored)

    def class_at(p):
        return type(found[p]).__name__ if p in found else type(layer).__name__

    def shown(paths):
        return [f"{p}/vars" for p in paths] or "none"

    reasons = []
    for p in stored:            # we hold a layer there, without weights of its own
        if p in own and not own[p]:
            count = len(h5[f"{p}/vars"])
            reasons.append(f"{class_at(p)} at '{p}' creates no weight of its own, where the Keras layer stored "
                           f"{count} under '{p}/vars': create {'it' if count == 1 else 'them'} with add_weight "
                           "(in build or __init__), as the Keras class does, trainable ones first")
    for p in ours:              # our layer there has weights of its own, the Keras one none
        if p not in stored and in_file(p):
            names = [w.path or w.name for w in own[p]]
            reasons.append(f"{class_at(p)} at '{p}' creates {len(names)} weight{'s' if len(names) > 1 else ''} "
                           f"of its own ({names}), where the Keras layer stored none (no datasets under "
                           f"'{p}/vars'): the Keras class does not create {'them' if len(names) > 1 else 'it'}")
    only_file = [p for p in stored if p not in own]
    only_ours = [p for p in ours if p not in stored and not in_file(p)]
    if only_file and only_ours:
        reasons.append(f"the layers the file holds under {shown(only_file)} are under {shown(only_ours)} in "
                       f"{type(layer).__name__}: Keras stores each layer held under the name of the attribute (or "
                       "property) through which it first reaches it (public names first, each kind alphabetically; "
                       f"'{path}/d1/vars' for self.d1 = Dense(3); a list's or dict's layers under "
                       "'<attribute>/dense', '<attribute>/dense_1'; a model's under '<attribute>/layers/dense'). "
                       "Give its sub-layers the attribute names of the Keras class")
    elif only_file:
        reasons.append(f"{type(layer).__name__} holds no layer with weights at {only_file}, where the "
                       "file has some: hold the layers the Keras class holds, under its attribute names")
    elif only_ours:
        reasons.append(f"{type(layer).__name__} holds layers with weights at {only_ours}, where the Keras layer "
                       "holds none: the Keras class does not have them")
    raise SavedFileError(f"{filepath!r}: layer '{name}' of your own class {type(layer).__name__} does not hold its "
                         f"weights where the Keras layer stored them: the file has weights under {shown(stored)}; "
                         f"{type(layer).__name__} {ours_from} has them under {shown(ours)}. "
                         + "; ".join(reasons))


def _assign_all(assignments):
    """Set each weight of ``(weight, array)`` pairs, all checked before: a failed load leaves the model unchanged."""
    for weight, array in assignments:
        weight.data = weight.backend.asarray(array, dtype=dtype_name(weight.dtype))


def _check_keras_layout(model, action, filepath=None):
    """Refuse, naming it, a model whose weights a ``.weights.h5`` file cannot hold as Keras 3 lays them out: a
    model other than ``Sequential`` and functional ones (a ``Model`` subclass made from ``(inputs, outputs)``
    counts as functional), nested ones included. A subclassed model (a ``call`` of its own) is stored by Keras
    under its attribute names, which a file read or written by layer path would get wrong (silently, where the
    shapes agree). A layer of your own class is taken: its weights are written and read where Keras stores them
    (:func:`keras_weight_groups`)."""
    from .functional import Functional
    from .models import Model, Sequential

    archive = filepath is not None and os.fspath(filepath).endswith(".keras")
    what = (f"the weights of a .keras file ({os.fspath(filepath)!r}) into model '{model.name}'" if archive
            else "a .weights.h5 file")

    def check(m, outer):
        if not (isinstance(m, Functional) or type(m) is Sequential):
            where = f"layer '{m.name}' of model '{outer.name}' is" if outer is not None else f"model '{m.name}' is"
            raise ValueError(f"Cannot {action} {what}: {where} a {type(m).__name__}; only Sequential "
                             "and functional models (models.Model(inputs, outputs)) have Keras 3's layout of "
                             "weights. Use a .npz file instead.")
        for layer in m.layers:
            if isinstance(layer, Model):
                check(layer, m)

    check(model, None)


def save_keras_weights(model, filepath) -> None:
    """Write the weights of ``model`` to ``filepath`` (a ``.weights.h5`` file) as Keras 3's ``model.save_weights``
    does, atomically, so that ``keras_model.load_weights(filepath)`` reads them into the same architecture.

    A layer of your own class is written as Keras 3 writes one (as in a ``.keras`` file): its own weights under
    ``layers/<its snake-case class name>/vars``, those created trainable first, and the layers it holds under their
    attribute names (``layers/block/d/vars`` for ``self.d = Dense(3)``; :func:`keras_weight_groups`), so that a
    Keras model made with a Keras class holding the same attributes reads it.

    Raises:
        ValueError: a subclassed model (nested ones too), or a model without weights yet.
        ImportError: h5py is not installed.
    """
    h5py = _h5py()
    _check_keras_layout(model, "write")
    _require_weights(model)
    data = _weights_h5(h5py, model)
    atomic_write(filepath, lambda f: f.write(data))


def load_keras_weights(model, filepath, skip_mismatch=False) -> None:
    """Load a ``.weights.h5`` file written by Keras 3's ``model.save_weights`` (or :func:`save_keras_weights`) into
    ``model``, which must have the same layers in the same order (Keras' rule: the file is read by layer path,
    ``layers/dense_1/vars/0``, not by layer name). All or nothing; an optimizer's state in the file is ignored.
    A layer of your own class is read where Keras 3 stores one (its own weights trainable first, the layers it
    holds under their attribute names: :func:`keras_weight_groups`); a file that lays it out otherwise is refused,
    naming the layer and what differs.
    A ``.keras`` archive gives the weights it holds (its ``model.weights.h5``), as Keras 3's ``load_weights``
    reads one; its config is not read.
    With ``skip_mismatch=True`` (Keras 3's argument) a layer whose stored weights do not fit is skipped, keeping
    its weights, with one ``UserWarning`` naming the skipped layers (Keras' "could not be loaded").

    Raises:
        MissingFileError, IsADirectoryError: no such file (a ``FileNotFoundError`` and a ``ValueError``), or a
            directory.
        SavedFileError: not an HDF5 file, weights that do not fit (a missing one, another shape, a layer of your
            own laid out otherwise), or damaged ones (the layer, the weight or h5 path and the file named).
        ValueError: a subclassed model (nested ones too), or a model not built yet.
        ImportError: h5py is not installed.
    """
    from .functional import Functional
    from .models import Model

    _check_keras_layout(model, "read", filepath)
    filepath = os.fspath(filepath)
    if os.path.isdir(filepath):
        raise IsADirectoryError(errno.EISDIR, "Expected a .weights.h5 file, found a directory", filepath)
    if not os.path.isfile(filepath):
        raise MissingFileError(errno.ENOENT, "No such file", filepath)
    if not model.built:  # Keras' message
        from .saving import not_built_message

        raise ValueError(not_built_message(model))
    archive = filepath.endswith(".keras")
    if not archive:   # a file we may not read raises the OS's error here, not h5py's "damaged file" one
        with open(filepath, "rb"):
            pass
    source = io.BytesIO(_read_archive(filepath)[1]) if archive else filepath
    h5py = _h5py()
    try:
        h5 = h5py.File(source, "r")
    except H5_DAMAGE as exc:  # truncated, or not HDF5 at all
        what = (": its model.weights.h5 is not a readable HDF5 file (truncated or damaged?)" if archive else
                " is not a readable HDF5 file (a .weights.h5 file written by Keras 3 save_weights; truncated or "
                "damaged?)")
        raise SavedFileError(f"{filepath!r}{what}: {exc}") from None
    assignments, skipped = [], []

    def collect(model, prefix):
        for layer, path in _weight_paths(_keras_layer_order(model), skip_inputs=not isinstance(model, Functional)):
            if isinstance(layer, Model):
                collect(layer, f"{prefix}{path}/")
                continue
            try:
                pairs = _file_weights(h5py, h5, layer, prefix + path, filepath, weights_file="file",
                                      ours_from="in the model")
            except SavedFileError as exc:
                if not skip_mismatch:
                    raise
                skipped.append(f"'{layer.name}' ({str(exc).removeprefix(repr(filepath) + ': ')})")
                continue
            assignments.extend(pairs)

    with h5, _damaged_h5(filepath, "model.weights.h5" if archive else "HDF5 data"):
        _refuse_unsafe_h5(h5py, h5, filepath, "model.weights.h5" if archive else None)
        collect(model, "")
    if skipped:
        warnings.warn(f"{filepath!r}: skip_mismatch=True: {len(skipped)} layer(s) could not be loaded and keep "
                      f"their current weights: {'; '.join(skipped)}", UserWarning, stacklevel=caller_stacklevel())
    _assign_all(assignments)


# ----------------------------------------------------------------------------------------------- configs: Keras -> ours
def _from_keras_object(value, where):
    """A Keras ``{"module", "class_name", "config"}`` object as ours, its config as written: a None is kept, as it
    may differ from the default (``R2Score(class_aggregation=None)``, a loss's ``reduction=None``, a constraint's
    ``axis=None``), so a None is never replaced by the default."""
    if not isinstance(value, dict) or "class_name" not in value:
        return value
    if value["class_name"] == "function" and isinstance(value.get("config"), str):
        return value["config"]         # a plain function, by name (found in custom_objects)
    config = dict(value.get("config") or {})
    # "package>ClassName": registered by the user, found by that key
    return {"class_name": registered_class_name(value, value["class_name"]), "config": config}


def _activation_layer_config(value, where):
    """A Keras layer used as an activation (``{"module": "keras.layers", "class_name": "LeakyReLU", "config": ...}``)
    as our activation config, its layer config read as ours; only the activation layers ``ReLU``, ``LeakyReLU``,
    ``ELU`` and ``Softmax`` are taken (``PReLU``'s weight would be neither trained nor saved here)."""
    class_name = value.get("class_name")
    if class_name not in activations.LAYER_ACTIVATIONS:
        extra = (" (its weight `alpha` would be neither trained nor saved with this layer here; put a PReLU layer "
                 "after it instead)") if class_name == "PReLU" else ""
        raise SavedFileError(f"{where}: the activation is a Keras layer object ({class_name}, config "
                             f"{value.get('config')}); tinygradconv's layers take only the activation layers "
                             f"{list(activations.LAYER_ACTIVATIONS)} as an activation{extra}. In Keras, give the "
                             "activation function instead (a name such as 'relu'), or put the layer after this one, "
                             "and save again")
    from . import layers as our_layers

    inner = value.get("config") or {}
    return {"class_name": class_name,
            "config": _keras_arguments(getattr(our_layers, class_name), inner,
                                       f"{where}: activation layer '{inner.get('name', '?')}' ({class_name})")}


def _from_keras_config(class_name, config, filepath):
    """A Keras layer config as the arguments of our layer; unsupported arguments raise SavedFileError."""
    from . import layers as our_layers

    name = config.get("name", "?")
    where = f"{filepath!r}: layer '{name}' ({class_name})"
    if class_name not in SUPPORTED_LAYERS:
        if class_name == "Lambda":      # its function is Python code (marshalled bytecode) in the file
            hint = ("a Lambda layer holds Python code (its function, stored as bytecode), which tinygradconv never "
                    "loads from a file (safe_mode or not): write the step as a subclass of tinygradconv.layers.Layer "
                    "(call() with tinygradconv.ops), or with a layer that has it (Activation, Multiply, Reshape, "
                    "...), and build the model in tinygradconv")
        else:   # the hint tinygradconv.layers gives for the name (Bidirectional: not here, ...), if any
            hint = our_layers._hints().get(class_name) or f"the layers it reads are {list(SUPPORTED_LAYERS)}"
        raise SavedFileError(f"{where}: tinygradconv has no layer {class_name!r}: {hint}")
    return _keras_arguments(getattr(our_layers, class_name), config, where)


def _is_keras_config(config):
    """Whether a layer config is Keras 3's own rather than ours: its dtype is a ``DTypePolicy`` object, or it names
    an object the way Keras does, with a ``module`` key (an initializer, a regularizer, ...). Ours hold neither."""
    return isinstance(config.get("dtype"), dict) or any(isinstance(value, dict) and "module" in value
                                                        for value in config.values())


def layer_arguments(cls, config):
    """The arguments of ``cls`` (a layer class) from ``config``: ours as they are, Keras 3's translated as the model
    loaders translate them (dtype policy, initializers and the like, Keras' off-switch arguments dropped);
    :meth:`Layer.from_config <tinygradconv.layers.Layer.from_config>` calls it.

    Raises:
        SavedFileError: (a ``ValueError``) an argument of a Keras config that ``cls`` cannot express, named.
    """
    if not isinstance(config, dict) or not _is_keras_config(config):
        return config
    return _keras_arguments(cls, config, f"{cls.__name__}.from_config: layer '{config.get('name', '?')}'")


def _keras_arguments(cls, config, where):
    """A Keras layer config as the arguments of the layer class ``cls``; ``where`` starts the messages."""
    class_name = cls.__name__
    parameters = inspect.signature(cls.__init__).parameters
    accepted = set(parameters) | {"name", "dtype", "trainable", "activity_regularizer"}
    # a layer class of your own that takes **kwargs gets the arguments it does not name as they are (its get_config
    # writes its objects in Keras' form when it calls ours: layers.core.serialize, Layer.get_config)
    passed_on = not defined_here(cls) and any(p.kind is p.VAR_KEYWORD for p in parameters.values())
    out = {}
    for key, value in config.items():
        if key == "dtype":
            if isinstance(value, dict):
                value = (value.get("config") or {}).get("name")
            accepted_dtypes = INPUT_DTYPES if class_name == "InputLayer" else _FLOAT_POLICIES   # integer data
            if value not in accepted_dtypes:
                raise SavedFileError(f"{where}: dtype policy {value!r} is not supported (only {accepted_dtypes})")
        elif key not in accepted or key in _OFF_VALUES:
            if key in _OFF_VALUES and value == _OFF_VALUES[key]:
                continue
            if passed_on and key not in _OFF_VALUES:
                out[key] = value
                continue
            raise SavedFileError(f"{where}: argument {key}={value!r} is not supported by tinygradconv's "
                                 f"{class_name}")
        elif _object_kind(key):
            value = _from_keras_object(value, where)
        elif key == "activation":
            if isinstance(value, dict) and ("value" in value and "class_name" not in value
                                            or value.get("class_name") == "__lambda__"):
                raise SavedFileError(f"{where}: the activation is a Python lambda, which Keras saved as bytecode; "
                                     "tinygradconv never runs code read from a file. In Keras, make it a named "
                                     "function and save again; then load with custom_objects={'its_name': ...}")
            if isinstance(value, dict) and str(value.get("module", "")).startswith(("keras.layers",
                                                                                   "keras.src.layers")):
                value = _activation_layer_config(value, where)
            else:
                value = _from_keras_object(value, where)
            try:
                activations.get(value)
            except (ValueError, TypeError) as exc:
                hint = custom_objects_hint(exc)
                raise SavedFileError(f"{where}: activation {value!r} is not supported by tinygradconv "
                                     f"({exc}){'. ' + hint if hint else ''}") from None
        out[key] = value
    return out


def _check_layer_list(inner, what):
    """A ``SavedFileError`` starting with ``what`` unless the model config ``inner`` is a JSON object whose
    ``layers`` is a list. A config that is null, or has no ``layers``, is refused rather than loaded as an empty
    model that would leave out the weights in the file; Keras' ``from_config`` fails there too."""
    if not isinstance(inner, dict):
        raise SavedFileError(f"{what} is damaged: expected a JSON object with the model's name and 'layers' (a "
                             f"list), found {inner!r}; the model and its weights cannot be read from it")
    if not isinstance(inner.get("layers"), list):
        found = f"{inner['layers']!r}" if "layers" in inner else f"no 'layers' (keys {sorted(inner)})"
        raise SavedFileError(f"{what} is damaged: expected a JSON object whose 'layers' is a list, found "
                             f"{found}; the model and its weights cannot be read from it")


def _our_item(item, filepath, own_class=None):
    """Keras 3's description of a layer (``item``) as this package's, for the loaders and ``from_config``.
    ``own_class``: for ``from_config`` only (not files), a function from a class name to a layer class of your own
    (``custom_objects``, or registered) or None: a Keras entry of a class of your own (``module`` None or your
    module) found by it is kept for :func:`~tinygradconv.saving.deserialize_layer` to make with that class, as
    Keras' ``from_config`` reads ours."""
    if not isinstance(item, dict):      # a damaged config: refused in the package's words
        raise SavedFileError(f"{filepath!r}: expected each layer of the config to be a JSON object (a layer's "
                             f"config), found {item!r}")
    class_name = item.get("class_name")
    # a functional model of a Model subclass of your own, nested: written under its class, as Keras writes it
    own_model = class_name not in ("Functional", "Sequential", "Model") and isinstance(item.get("config"), dict) \
        and "input_layers" in item["config"] and "output_layers" in item["config"]
    if class_name in ("Functional", "Sequential", "Model") or own_model:  # a nested model
        return _nested_model_item(item, class_name, own_model, filepath, own_class)
    module = item.get("module")
    if isinstance(module, str) and module.startswith(("keras.src.ops", "keras.ops")):
        raise SavedFileError(_op_node_message(item, filepath))
    keras_module = isinstance(module, str) and module.startswith("keras")
    if own_class is not None and not keras_module and any(
            isinstance(name, str) and own_class(name) is not None for name in class_names_to_try(item)):
        return _own_class_item(item, class_name)
    # a class of your own: registered (registered_name 'my>MyLayer', or a module of yours), or not (module None,
    # registered_name its class name: Keras writes its built-in layers with module 'keras.layers' and no
    # registered_name)
    if module not in (None, "keras.layers", "keras.src.layers") or item.get("registered_name") not in (
            None, class_name) or (module is None and item.get("registered_name") == class_name):
        raise SavedFileError(_own_class_message(item, filepath))
    config = _from_keras_config(class_name, item.get("config") or {}, filepath)
    if not config.get("name"):
        config["name"] = _generated_name(class_name)
    if class_name == "InputLayer":
        config = {"batch_shape": config.get("batch_shape") or config.get("batch_input_shape"),
                  "dtype": config.get("dtype"), "name": config.get("name")}
    out = {"class_name": class_name, "config": config}
    for key in ("name", "inbound_nodes", "build_config"):    # build_config: read by _build_from_configs
        if key in item:
            out[key] = item[key]
    return out


def _nested_model_item(item, class_name, own_model, filepath, own_class):
    """:func:`_our_item` of a nested ``Sequential`` or functional model (``own_model``: a functional model of a
    ``Model`` subclass of your own, written under its class as Keras writes it): its layers made ours one by one."""
    inner = item.get("config")
    _check_layer_list(inner, f"{filepath!r}: the config of model {item.get('name')!r}")
    if not own_model and item.get("module") not in ("keras", "keras.models", "keras.src.models.functional",
                                                    "keras.src.models.sequential") or \
            (class_name == "Model" and "input_layers" not in inner):
        raise SavedFileError(f"{filepath!r}: layer {inner.get('name')!r} is a nested model of class "
                             f"{item.get('registered_name') or class_name!r}, which tinygradconv cannot load "
                             "(nested Sequential and functional models only)")
    layers = [_our_item(x, filepath, own_class) for x in _without_mask_graph(inner, filepath)]
    config = {"name": inner.get("name") or _generated_name(class_name),
              "trainable": inner.get("trainable", True), "layers": layers}
    if class_name == "Sequential":
        shape = (item.get("build_config") or {}).get("input_shape")
        if shape is not None:
            config["build_input_shape"] = shape
    else:
        class_name = _model_class(item, filepath)[0] if own_model else "Functional"
        config.update(input_layers=inner["input_layers"], output_layers=inner["output_layers"])
    out = {"class_name": class_name, "config": config}
    if own_model:   # the name Keras' weight paths use (snake case), and that it is a model to recurse into
        out["keras_class_name"] = item["class_name"]
    for key in ("name", "inbound_nodes"):
        if key in item:
            out[key] = item[key]
    return out


def _own_class_item(item, class_name):
    """:func:`_our_item` of a layer of a class of your own that ``from_config``'s ``own_class`` finds: its config as
    written (less Keras' default ``autocast``), named as Keras' loader names it, for
    :func:`~tinygradconv.saving.deserialize_layer` to make with that class."""
    config = dict(item.get("config") or {})
    if config.get("autocast", True) is True:    # Keras' default, written for every layer: ours has
        config.pop("autocast", None)            # no such argument (autocast=False is left, refused)
    if not config.get("name"):    # Keras' automatic config (no get_config) leaves the name out: Keras' loader
        config["name"] = item.get("name") or _generated_name(class_name)   # names it as a new layer
    # both names kept: deserialize_layer finds the class by either (the registered one first), and the
    # loaders find the weights by the class name (Keras' path: layers/my_layer)
    out = {"class_name": class_name, "config": config}
    out.update({key: item[key] for key in ("registered_name", "name", "inbound_nodes", "build_config")
                if key in item})
    return out


def _own_class_message(item, filepath):
    """The error for a Keras layer of the user's own class (``item``) that no ``tinygradconv.layers.Layer`` subclass
    given in ``custom_objects`` (or a scope, or our registry) stands for: the class, the ``custom_objects`` to pass
    (under its class name or registered name), and what was given under those names instead (a function, a Keras
    class)."""
    class_name, registered = item.get("class_name"), item.get("registered_name")
    short = str(class_name).split(">")[-1]
    short = short if short.isidentifier() else "MyLayer"
    also = f" (or under its registered name {registered!r})" if registered not in (None, class_name) else ""
    given = ""
    for key in class_names_to_try(item):
        entry = custom_object(key)
        if entry is not None:
            keras_class = isinstance(entry, type) and any(
                str(getattr(c, "__module__", "")).startswith("keras") for c in entry.__mro__)
            given = (f"custom_objects[{key!r}] is {entry!r}, not a subclass of tinygradconv.layers.Layer"
                     f"{' (a Keras class: tinygradconv does not run Keras layers)' if keras_class else ''}; ")
            break
    config = item.get("config") if isinstance(item.get("config"), dict) else {}
    # a layer without a name in the file (a Keras class without get_config) is named after its class, as the
    # loader names it
    name = config.get("name") or item.get("name") or snake_case(str(class_name).split(">")[-1])
    return (f"{filepath!r}: layer {name!r} is a custom class "
            f"{registered or class_name!r}, which tinygradconv loads only with a tinygradconv equivalent: "
            f"{given}write the layer as a subclass of tinygradconv.layers.Layer (build() and call() with "
            "tinygradconv.ops, its weights created in the order the Keras class creates them) and pass it as "
            f"custom_objects={{{short!r}: {short}}}{also} (to load_model, model_from_json or from_config, here and "
            "for tinygradconv's .npz files alike); or build the model with it and copy the weights as NumPy "
            "arrays: model.set_weights(keras_model.get_weights()), in the same order")


def _generated_name(class_name):
    """The name of a layer or nested model whose config has none (``dense``, then ``dense_1``, ...), as Keras 3's
    loader names it (the layer is made without a name); the loaders find each layer's weights by its name (a file
    without one gets the generated one). A functional model's layers stay connected by
    the name beside the config (``{"name": ..., "inbound_nodes": ...}``), as in Keras."""
    from .layers.layer import unique_name

    return unique_name(snake_case("Functional" if class_name == "Model" else class_name))


_BUILT_IN_THEIR_MODEL = []     # non-empty inside layers_built_in_their_model()


@contextlib.contextmanager
def layers_built_in_their_model():
    """Inside it, :func:`build_layers_from_configs` builds nothing: a ``Sequential`` made from a config builds its
    layers itself, inside its name scope, so that their weights' paths start with its name
    (``"sequential/dense/kernel"``), as when it was saved, and an inner ``Sequential`` builds inside the outer
    one's scope (``"top/b/a/kernel"``, :func:`inner_layers_scope`). The ``.tgc.npz`` loader uses it, and gives
    back the saved paths the config cannot tell (an inner ``Sequential`` started with an ``Input``, built before
    its model held it): a model loaded there keeps the paths it was trained with (a Muon excluding ``"top/b"``
    finds them again)."""
    _BUILT_IN_THEIR_MODEL.append(True)
    try:
        yield
    finally:
        _BUILT_IN_THEIR_MODEL.pop()


def inner_layers_scope(model_name, item):
    """Where a ``Sequential`` made from a config deserializes its layer ``item`` (its config entry): an inner
    ``Sequential``, inside :func:`layers_built_in_their_model` (a ``.tgc.npz`` load), in the name scope of the model
    (``model_name``), so that it builds itself from its config with the paths a model gives the ``Sequential`` it
    builds (``"top/b/a/kernel"``); anything else, or elsewhere (a ``.keras`` file, ``from_config``), in no scope, as
    Keras 3 builds a layer before the model holds it (``"b/a/kernel"``). (A functional model builds its layers when
    it is made, outside any model, when trained as when loaded. An inner ``Sequential`` started with an ``Input``
    was built before its model held it: the loader gives it its saved paths back, :func:`saving._load_model`.)"""
    if (_BUILT_IN_THEIR_MODEL and isinstance(model_name, str) and model_name and isinstance(item, dict)
            and item.get("class_name") == "Sequential"):
        return model_name_scope(model_name)
    return contextlib.nullcontext()


def build_layers_from_configs(layers, items, where):
    """Build each of ``layers`` not built yet from its ``build_config`` in ``items`` (the entries they were made
    from, matched by name), as Keras 3's deserializer builds a layer it makes, before a model holds it: outside the
    model's name scope, so that its weights' paths (``"dense/kernel"``) do not start with the model's name, as in
    Keras (:func:`_build_from_configs`). Nothing inside :func:`layers_built_in_their_model`."""
    def as_json(value):     # a config from get_config() (not read from JSON) holds tuples: (None, 3)
        return [as_json(v) for v in value] if isinstance(value, (list, tuple)) else value

    if not _BUILT_IN_THEIR_MODEL:
        items = [{**item, "build_config": {key: as_json(value) for key, value in item["build_config"].items()}}
                 if isinstance(item.get("build_config"), dict) else item for item in items]
        _build_from_configs(types.SimpleNamespace(layers=layers), items, where)


def _build_from_configs(model, items, where):
    """Build each layer of ``model`` (``items``: their configs, as :func:`_our_item` gives them) that the model left
    unbuilt from its ``build_config`` (``{"input_shape": [null, 3]}``), as Keras 3 builds a layer before loading its
    weights: a ``Sequential`` without an input shape holding a layer built before it (``keras.Sequential([d])`` with
    ``d`` built) is written so, and its weights load only into a built layer.
    Nested models are walked too.

    Raises:
        SavedFileError: a ``build_config`` that is not a shape, or one the layer cannot be built with.
    """
    by_name = {layer.name: layer for layer in model.layers}
    for item in items:
        layer = by_name.get((item.get("config") or {}).get("name"))
        if layer is None:
            continue
        if item["class_name"] in ("Sequential", "Functional") or "keras_class_name" in item:
            _build_from_configs(layer, item["config"].get("layers", []), where)
            continue
        build_config = item.get("build_config")
        if layer.built or not isinstance(build_config, dict) or build_config.get("input_shape") is None:
            continue
        shape = build_config["input_shape"]
        if _is_json_shape(shape):
            built_with = tuple(shape)
        elif isinstance(shape, list) and shape and all(_is_json_shape(s) for s in shape):  # a merge layer's inputs
            built_with = [tuple(s) for s in shape]
        else:
            raise SavedFileError(f"{where}: layer '{layer.name}' ({item['class_name']}): its build_config's "
                                 f"input_shape {shape!r} is not a list of non-negative integers and nulls (an input "
                                 "shape, batch axis first), nor a list of such shapes")
        _named_in(f"{where}: layer '{layer.name}' ({item['class_name']}), built from its build_config "
                  f"(input_shape={shape})", layer.build, built_with)


def _is_json_shape(shape) -> bool:
    """Whether ``shape``, read from JSON, is a shape: a list of non-negative integers and nulls (unknown sizes)."""
    return isinstance(shape, list) and all(d is None or (type(d) is int and d >= 0) for d in shape)


def _tensor_sources(structure):
    """The names of the layers (or op nodes) whose outputs the symbolic tensors in a node's ``args`` or ``kwargs``
    come from (``{"class_name": "__keras_tensor__", "config": {"keras_history": [name, node, index]}}``)."""
    if isinstance(structure, dict):
        if structure.get("class_name") == "__keras_tensor__":
            history = (structure.get("config") or {}).get("keras_history")
            return [history[0]] if isinstance(history, list) and history else []
        return [name for value in structure.values() for name in _tensor_sources(value)]
    if isinstance(structure, list):
        return [name for value in structure for name in _tensor_sources(value)]
    return []


def _without_mask_graph(inner, filepath):
    """The layer entries of a functional model's config without the nodes that only compute masks.

    Keras 3 records the masks of a model as graph nodes: ``Embedding(mask_zero=True)`` gives a ``NotEqual`` op node
    (``inputs != 0``), ``Masking`` a ``NotEqual`` and an ``Any``, a merge layer of masked tensors a ``LogicalOr``, a
    ``Concatenate`` a graph of ``ExpandDims``, ``ZerosLike``, ``OnesLike``, ``LogicalOr``, a second ``Concatenate``
    and an ``Any``; the layers that take the mask receive it as ``kwargs["mask"]``. tinygradconv's layers pass masks
    on with the data and merge them as Keras' (see "Masks" in docs/keras_compatibility.md), so where the model has a
    layer that makes masks (an ``Embedding`` with ``mask_zero`` or a ``Masking``), the nodes whose outputs are used
    only by ``mask`` arguments (directly or through other such nodes) are left out, and so are those ``mask``
    arguments, once :func:`_check_mask_graph` has found that each such argument is the mask tinygradconv's layers
    give the data it goes with. Any other op node is still refused (a mask that is not made by such a layer, passed
    explicitly as ``layer(x, mask=...)``, is one).

    Raises:
        SavedFileError: a mask computed with other nodes than those Keras' masking layers and merge layers write, or
            a ``mask`` argument that is not the mask tinygradconv's layers would pass to that layer.
    """
    items = [item for item in inner.get("layers", []) if isinstance(item, dict)]
    makes_masks = any(item.get("class_name") == "Masking" or (item.get("class_name") == "Embedding" and (
        item.get("config") or {}).get("mask_zero")) for item in items)
    if not makes_masks or len(items) != len(inner.get("layers", [])):
        return inner.get("layers", [])
    data_uses, mask_uses = {}, {}       # name -> names of the entries using its output as data / as a mask
    for item in items:
        for node in item.get("inbound_nodes") or []:
            if not isinstance(node, dict):
                return inner.get("layers", [])     # an older format: left as it is
            kwargs = node.get("kwargs") or {}
            others = {key: value for key, value in kwargs.items() if key != "mask"}
            for name in _tensor_sources([node.get("args"), others]):
                data_uses.setdefault(name, set()).add(item.get("name"))
            for name in _tensor_sources(kwargs.get("mask")):
                mask_uses.setdefault(name, set()).add(item.get("name"))
    outputs = {entry[0] for entry in _flat_layer_refs(inner.get("output_layers"))}
    ops = {item.get("name") for item in items if str(item.get("module", "")).startswith("keras.src.ops")}
    mask_only = {name for name in mask_uses if name not in outputs}
    mask_only |= {name for name in data_uses if name not in outputs}
    mask_only &= ops        # op nodes only: a layer (an Input used by a mask only, too) is kept
    changed = True
    while changed:          # keep the entries whose every data use is by an entry that computes masks only
        changed = False
        for name in list(mask_only):
            if data_uses.get(name, set()) - mask_only:
                mask_only.discard(name)
                changed = True
    mask_only = {name for name in mask_only if mask_uses.get(name) or data_uses.get(name)}
    if not mask_only:
        return inner.get("layers", [])
    _check_mask_graph(items, mask_only, filepath)
    kept = []
    for item in items:
        if item.get("name") in mask_only:
            continue
        nodes = []
        for node in item.get("inbound_nodes") or []:
            kwargs = node.get("kwargs") or {}
            if "mask" in kwargs and set(_tensor_sources(kwargs["mask"])) <= mask_only:
                node = {**node, "kwargs": {key: value for key, value in kwargs.items() if key != "mask"}}
            nodes.append(node)
        kept.append({**item, "inbound_nodes": nodes} if "inbound_nodes" in item else item)
    return kept


# The Keras ops that Keras 3.15's compute_mask of Embedding, Masking, the merge layers and Concatenate record
_MASK_OPS = ("NotEqual", "Any", "LogicalOr", "ExpandDims", "ZerosLike", "OnesLike", "Concatenate")
_ELEMENTWISE_MERGES = ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum")


# Keras 3.15's recurrent layers: their compute_mask gives the output the input's mask with return_sequences, and no
# mask without it (nor to the states of return_state)
_RECURRENT = ("SimpleRNN", "LSTM", "GRU")
# Keras 3.15's layers that pass their input's mask on (supports_masking, Layer's compute_mask) besides those of
# layers/layer.py's _PASSES_MASKS_IN_KERAS, which sets their supports_masking itself
_ALSO_PASS_MASKS = ("ActivityRegularization", "Rescaling", "TimeDistributed")


# Keras 3.15's layers whose call takes ``mask`` (Keras records the mask they are given as ``kwargs["mask"]``)
_TAKES_MASK = ("BatchNormalization", "GlobalAveragePooling1D", "Softmax")


def _with_mask_graph(layers):
    """The layer entries ``layers`` of a functional model's Keras config with the masks written as Keras 3 writes
    them: before each call of a layer that takes ``mask`` (:data:`_TAKES_MASK`) whose input has a mask by Keras'
    rules (:func:`_layer_masks`), the op nodes that compute it (``NotEqual``, ``LogicalOr``, ...), passed as
    ``kwargs["mask"]``. Without them Keras makes those op nodes again when it loads the file, named
    ``concatenate``, ``not_equal``, ... by its own count, which fails ("The name "concatenate" is used 2 times in
    the model") where a layer of the model has that name (a ``Concatenate`` of masked tensors named ``concatenate``,
    Keras' default name). The loader leaves them out again (:func:`_without_mask_graph`)."""
    by_name = {item.get("name"): item for item in layers}
    from_layers = _layer_masks(by_name)
    tensors = {}        # (name, node, index) -> a __keras_tensor__ entry of the config, for its shape and dtype
    for item in layers:
        for node in item.get("inbound_nodes") or []:
            for tensor in _keras_tensors([node.get("args"), node.get("kwargs")]):
                tensors.setdefault(_keras_ref(tensor), tensor)
    used, made, out = set(by_name), {}, []

    def known(expr):
        return not isinstance(expr, tuple) or (expr[:1] != ("unknown",) and all(known(e) for e in expr))

    def emit(expr):
        """The ``__keras_tensor__`` entry of ``expr``'s value, its op nodes appended to ``out`` (once each)."""
        if expr[0] == "data":
            return tensors[expr[1]]
        if expr in made:
            return made[expr]
        op, config = expr[0], {}
        if op in ("NotEqual", "LogicalOr"):
            args = [emit(expr[1]), expr[2] if op == "NotEqual" else emit(expr[2])]
        elif op == "Concatenate":
            args, config = [[emit(part) for part in expr[2]]], {"axis": expr[1]}
        else:
            args = [emit(expr[1])]
            config = {"Any": lambda: {"axis": expr[2], "keepdims": expr[3]}, "ExpandDims": lambda: {"axis": expr[2]},
                      "ZerosLike": lambda: {"dtype": expr[2]}, "OnesLike": lambda: {"dtype": expr[2]}}[op]()
        base, count = snake_case(op), 0
        name = base
        while name in used:
            count += 1
            name = f"{base}_{count}"
        used.add(name)
        out.append({"module": "keras.src.ops.numpy", "class_name": op, "config": {"name": name, **config},
                    "registered_name": op, "name": name, "inbound_nodes": [{"args": args, "kwargs": {}}]})
        made[expr] = {"class_name": "__keras_tensor__",
                      "config": {"shape": _op_shape(op, args, config), "dtype": "bool", "keras_history": [name, 0, 0]}}
        return made[expr]

    for item in layers:
        if item.get("class_name") in _TAKES_MASK and item.get("module") == "keras.layers":
            nodes = []
            for node in item.get("inbound_nodes") or []:
                args, kwargs = node.get("args") or [], node.get("kwargs") or {}
                mask = from_layers(args[0]) if len(args) == 1 and kwargs.get("mask") is None else None
                if mask is not None and known(mask):
                    node = {**node, "kwargs": {**kwargs, "mask": emit(mask)}}
                nodes.append(node)
            item = {**item, "inbound_nodes": nodes}
        out.append(item)
    return out


def _op_shape(op, args, config):
    """The output shape (a list, None for an unknown size) of a mask op node of :func:`_with_mask_graph`, from the
    shapes of its ``args``; Keras needs it to read the node's output back."""
    shapes = [list(a["config"]["shape"]) for a in (args[0] if op == "Concatenate" else args) if isinstance(a, dict)]
    if op == "Any":
        return shapes[0][:-1] + ([1] if config["keepdims"] else [])
    if op == "ExpandDims":
        return shapes[0] + [1]
    if op == "Concatenate":
        axis = config["axis"] % len(shapes[0])
        sizes = [s[axis] for s in shapes]
        return [None if None in sizes else sum(sizes) if i == axis else shapes[0][i] for i in range(len(shapes[0]))]
    if op == "LogicalOr":     # the two shapes broadcast (same rank here: a spread mask and its input's zeros)
        return [a if b == 1 else b for a, b in zip(*shapes)] if len(shapes[0]) == len(shapes[1]) else shapes[0]
    return shapes[0]            # NotEqual, ZerosLike, OnesLike


def _keras_tensors(structure):
    """The ``__keras_tensor__`` entries in a node's ``args`` or ``kwargs``."""
    if isinstance(structure, dict):
        if structure.get("class_name") == "__keras_tensor__":
            return [structure]
        return [t for value in structure.values() for t in _keras_tensors(value)]
    if isinstance(structure, list):
        return [t for value in structure for t in _keras_tensors(value)]
    return []


def _keras_ref(tensor):
    """``(name, node, index)`` of a ``__keras_tensor__`` entry of a config, or None for anything else."""
    if isinstance(tensor, dict) and tensor.get("class_name") == "__keras_tensor__":
        history = (tensor.get("config") or {}).get("keras_history")
        if isinstance(history, list) and len(history) == 3:
            return tuple(history)
    return None


def _node_of(by_name, name, node_index):
    """Inbound node ``node_index`` of the config entry ``name`` (None if there is none)."""
    nodes = (by_name[name].get("inbound_nodes") or []) if name in by_name else []
    return nodes[node_index] if isinstance(node_index, int) and 0 <= node_index < len(nodes) else None


def _layer_masks(by_name, mask_only=frozenset()):
    """``from_layers(value)``: the mask, as an expression of :func:`_check_mask_graph`, that Keras 3.15's
    ``compute_mask`` rules (which tinygradconv's layers follow) give the tensor entry ``value`` of a functional
    config whose entries are ``by_name`` (or each of a list of them); None for no mask, ``("unknown", ...)`` where
    the rules are not known (a nested model, a layer of your own)."""
    from .layers.layer import _PASSES_MASKS_IN_KERAS

    def from_layers(value):
        if isinstance(value, list):
            return tuple(from_layers(v) for v in value)
        source = _keras_ref(value)
        if source is None or source[0] not in by_name or source[0] in mask_only:
            return ("unknown", source)
        item, node = by_name[source[0]], _node_of(by_name, *source[:2])
        cls, config = item.get("class_name"), item.get("config") or {}
        if source[2] != 0:      # a state of a recurrent layer with return_state has no mask; other outputs: unknown
            recurrent_state = cls in _RECURRENT and config.get("return_state") and item.get("module") == "keras.layers"
            return None if recurrent_state else ("unknown", source)
        if cls == "InputLayer":
            return None
        args = (node or {}).get("args") or []
        if item.get("module") != "keras.layers" or node is None or len(args) != 1:
            return ("unknown", source)          # a nested model, a layer of your own, a layer called oddly
        data = args[0]
        if cls == "Embedding":
            return ("NotEqual", ("data", _keras_ref(data)), 0) if config.get("mask_zero") else None
        if cls == "Masking":
            return ("Any", ("NotEqual", ("data", _keras_ref(data)), config.get("mask_value", 0.0)), -1, False)
        if cls in (*_ELEMENTWISE_MERGES, "Concatenate") and not isinstance(data, list):
            return ("unknown", source)
        if cls in _ELEMENTWISE_MERGES:
            masks = [from_layers(x) for x in data]
            if any(m is None for m in masks):
                return None
            out = masks[0]
            for mask in masks[1:]:
                out = ("LogicalOr", out, mask)
            return out
        if cls == "Concatenate":
            masks = [from_layers(x) for x in data]
            if all(m is None for m in masks):
                return None
            parts = tuple(("OnesLike", ("data", _keras_ref(x)), "bool") if m is None else
                          ("LogicalOr", ("ExpandDims", m, -1), ("ZerosLike", ("data", _keras_ref(x)), "bool"))
                          for x, m in zip(data, masks))
            return ("Any", ("Concatenate", config.get("axis", -1), parts), -1, False)
        if cls in _RECURRENT:   # the input's mask on the output with return_sequences, none on the last step
            return from_layers(data) if config.get("return_sequences") else None
        if cls in _PASSES_MASKS_IN_KERAS or cls in _ALSO_PASS_MASKS:
            return from_layers(data)
        if cls == "Lambda" and config.get("mask") is not None:
            return ("unknown", source)          # a mask (or a function making it) of the Lambda's own
        return None if cls in SUPPORTED_LAYERS else ("unknown", source)

    return from_layers


def _check_mask_graph(items, mask_only, filepath):
    """Check that the mask-only nodes ``mask_only`` of a functional model's config (its layer entries ``items``)
    compute, for each ``mask`` argument they feed, the mask tinygradconv's layers give the data of that call, so
    that leaving them out changes nothing.

    Both sides are written as the same expressions: ``("data", (layer, node, index))`` for a layer's output and
    ``(op, operands...)`` for a Keras op. The file's side is read from its op nodes; the layers' side is built by
    Keras 3.15's rules (``compute_mask`` of ``Embedding``: ``not_equal(x, 0)``; ``Masking``: ``any(not_equal(x,
    mask_value), axis=-1)``; the element-wise merges: the ``logical_or`` of their inputs' masks when every input has
    one; ``Concatenate``: each mask spread over its input's features by ``logical_or(expand_dims(mask, -1),
    zeros_like(x))``, ``ones_like(x)`` for an input without one, joined along ``axis``, then ``any`` over the last
    axis; ``GlobalAveragePooling1D``: none; the layers that pass masks on: their input's; the others drop it), which
    tinygradconv's layers follow (tests/test_keras_masks_files_s46.py compares the predictions with Keras').

    Raises:
        SavedFileError: a mask-only node that is not one of those ops, or a ``mask`` argument whose expression is not
            the one the layers give.
    """
    by_name = {item.get("name"): item for item in items}
    classes = {name: by_name[name].get("class_name") for name in mask_only}
    odd = sorted(f"{name!r} ({classes[name]})" for name in mask_only if classes[name] not in _MASK_OPS)
    if odd:
        raise SavedFileError(f"{filepath!r}: the masks of the model are computed in the file by the nodes "
                             f"{', '.join(odd)}, which are not the Keras ops that Keras' Embedding(mask_zero=True), "
                             f"Masking and merge layers record ({', '.join(_MASK_OPS)}): a mask computed by hand "
                             "(layer(x, mask=...)). tinygradconv's layers make and pass masks themselves, as Keras': "
                             "leave the mask to them (drop the mask argument), or build the model with "
                             "tinygradconv.layers")

    def in_file(value):
        """The expression the file computes for ``value`` (a tensor entry, a list of them, None or a constant)."""
        if isinstance(value, list):
            return tuple(in_file(v) for v in value)
        source = _keras_ref(value)
        if source is None:
            return ("unknown", value) if isinstance(value, dict) else value
        if source[0] not in mask_only:
            return ("data", source)
        item, node = by_name[source[0]], _node_of(by_name, *source[:2])
        args, config = (node or {}).get("args") or [], item.get("config") or {}
        if node is None or node.get("kwargs") or source[2] != 0:
            return ("unknown", source)
        op = item.get("class_name")
        if op in ("NotEqual", "LogicalOr") and len(args) == 2:
            return (op, in_file(args[0]), in_file(args[1]))
        if op == "Any" and len(args) == 1:
            return (op, in_file(args[0]), config.get("axis"), config.get("keepdims", False))
        if op == "ExpandDims" and len(args) == 1:
            return (op, in_file(args[0]), config.get("axis"))
        if op in ("ZerosLike", "OnesLike") and len(args) == 1:
            return (op, in_file(args[0]), config.get("dtype"))
        if op == "Concatenate" and len(args) == 1 and isinstance(args[0], list):
            return (op, config.get("axis"), in_file(args[0]))
        return ("unknown", source)

    from_layers = _layer_masks(by_name, mask_only)

    for item in items:
        if item.get("name") in mask_only:
            continue
        for node in item.get("inbound_nodes") or []:
            mask = (node.get("kwargs") or {}).get("mask")
            if not set(_tensor_sources(mask)) or not set(_tensor_sources(mask)) <= mask_only:
                continue
            args = node.get("args") or []
            expected = from_layers(args[0]) if len(args) == 1 else ("unknown", None)
            if in_file(mask) != expected:
                nodes = sorted(set(_mask_graph_names(mask, by_name, mask_only)))
                raise SavedFileError(
                    f"{filepath!r}: layer {item.get('name')!r} ({item.get('class_name')}) is given a mask computed "
                    f"in the file by the nodes {', '.join(nodes)}, which is not the mask tinygradconv's layers pass "
                    "to it (the mask its input gets from Embedding(mask_zero=True), Masking and the merge layers, "
                    "as Keras' layers make it): a mask passed by hand (layer(x, mask=...)) or made by a layer "
                    "tinygradconv loads without its masks. Leave the mask to the layers (drop the mask argument), or "
                    "build the model with tinygradconv.layers")


def _mask_graph_names(value, by_name, mask_only):
    """``'name (Class)'`` of each mask-only node that ``value`` (a node's ``mask`` argument) is computed from."""
    for name in _tensor_sources(value):
        if name in mask_only:
            yield f"{name!r} ({by_name[name].get('class_name')})"
            for node in by_name[name].get("inbound_nodes") or []:
                yield from _mask_graph_names([node.get("args"), node.get("kwargs")], by_name, mask_only)


def _flat_layer_refs(refs):
    """The ``[name, node, index]`` entries of a model's ``input_layers`` or ``output_layers`` (one entry, a list
    of them, or a dict of them), flat."""
    if isinstance(refs, list) and len(refs) == 3 and isinstance(refs[0], str):
        return [refs]
    if isinstance(refs, dict):
        return [entry for value in refs.values() for entry in _flat_layer_refs(value)]
    if isinstance(refs, (list, tuple)):      # (a tuple: a config in memory, which keeps tuples as Keras')
        return [entry for value in refs for entry in _flat_layer_refs(value)]
    return []


def _op_node_message(item, filepath):
    """What a functional model's node that is a Keras op (``{"module": "keras.src.ops.numpy", "class_name":
    "Multiply", ...}``, recorded from ``x * 2.0``, ``x[:, :5]`` or ``keras.ops.relu(x)`` on symbolic tensors) is,
    and what to do (it is not a custom class)."""
    name = (item.get("config") or {}).get("name") or item.get("name")
    return (f"{filepath!r}: node {name!r} of the model is not a layer but the Keras op {item.get('class_name')!r} "
            f"(module {item.get('module')!r}), which Keras records when a model is built from tensor arithmetic or a "
            "keras.ops function on symbolic tensors (x * 2.0, x + y, x[:, :5], keras.ops.relu(x), ...). tinygradconv "
            "cannot load op nodes: in Keras, express the step with a layer (layers.Multiply or layers.Add of two "
            "tensors, layers.Activation('relu'), layers.Cropping1D for a slice of steps, layers.Reshape, ...; a "
            "constant factor or offset has none here: fold it into the layer before, or apply it outside the model) "
            f"and save again. Supported layers: {list(SUPPORTED_LAYERS)}")


def is_keras_folder(filepath) -> bool:
    """Whether ``filepath`` is a folder written by Keras 3's ``model.save(folder, zipped=False)``: the files of a
    ``.keras`` archive (``config.json``, ``metadata.json``, ``model.weights.h5``) unzipped. Keras'
    ``load_model(folder)`` reads it, and so does :func:`load_keras`. A folder is one when it holds ``config.json``,
    as Keras tells it (a missing ``model.weights.h5`` is then named, where it had been "Expected a .npz file")."""
    return os.path.isdir(filepath) and os.path.isfile(os.path.join(filepath, "config.json"))   # as Keras tells it


# What zipfile raises for a damaged archive or member: a bad header or CRC (BadZipFile), damaged deflate data
# (zlib.error), a compression method it lacks (NotImplementedError), damaged bzip2 or lzma data (OSError,
# LZMAError), data that ends early (EOFError), a member marked encrypted (RuntimeError), a size field out of range
# (ValueError, OverflowError, struct.error). Found by flipping every bit of an archive.
_DAMAGED_ZIP = (zipfile.BadZipFile, zlib.error, NotImplementedError, OSError, EOFError, RuntimeError, ValueError,
                OverflowError, struct.error, lzma.LZMAError)


def _archive_member(archive, name, filepath):
    """The bytes of member ``name`` of the open zip ``archive`` (read from ``filepath``); a damaged member (bad CRC,
    damaged compressed data, an unknown compression method, ...) raises a :class:`SavedFileError` naming the file
    and the member, not zipfile's or zlib's own error; so does a "zip bomb" (``saving.refuse_zip_bomb``), before
    it is read."""
    refuse_zip_bomb(archive.getinfo(name), filepath)
    try:
        return archive.read(name)
    except _DAMAGED_ZIP as exc:
        raise SavedFileError(f"{filepath!r} is a damaged .keras archive (truncated or corrupted): its member "
                             f"{name!r} cannot be read: {_error_name(exc)}: {exc}") from None


def _error_name(exc):
    """``zlib.error``, ``zipfile.BadZipFile``, ``OSError``: the class of ``exc`` as one can look it up."""
    module = type(exc).__module__
    return type(exc).__qualname__ if module == "builtins" else f"{module}.{type(exc).__qualname__}"


def _read_archive(filepath):
    """``(config, weights)`` of the ``.keras`` file ``filepath`` (or Keras' unzipped folder, :func:`is_keras_folder`):
    its parsed ``config.json`` and the bytes of its ``model.weights.h5``.

    Raises:
        MissingFileError: no such file (a ``FileNotFoundError`` and a ``ValueError``).
        SavedFileError: a directory (Keras 3 raises a ``ValueError`` there too; it was a bare
            ``IsADirectoryError``), not a zip archive, one without those two files, or a damaged one (a bit
            flipped, a member cut short, an unknown compression method: the member is named).
    """
    filepath = os.fspath(filepath)
    if not os.path.exists(filepath):
        raise MissingFileError(errno.ENOENT, "No such file", filepath)
    if is_keras_folder(filepath):       # Keras' model.save(folder, zipped=False): the same files, unzipped
        try:
            with open(os.path.join(filepath, "config.json"), "rb") as f:
                config = load_json(f.read().decode("utf-8"))
        except ValueError as exc:    # not UTF-8 (UnicodeDecodeError), not JSON (json.JSONDecodeError), too deep
            raise SavedFileError(f"{filepath!r}: its config.json is not valid JSON: {type(exc).__name__}: "
                                 f"{exc}") from None
        weights = os.path.join(filepath, "model.weights.h5")
        if not os.path.isfile(weights):
            raise SavedFileError(f"{filepath!r} is a folder of Keras' model.save(folder, zipped=False) without its "
                                 f"weights: {weights!r} is missing")
        with open(weights, "rb") as f:
            return config, f.read()
    if os.path.isdir(filepath):
        raise SavedFileError(f"{filepath!r} is a directory: expected a .keras file (a zip archive, as "
                             "model.save('model.keras') writes it), or a folder of Keras' model.save(folder, "
                             "zipped=False) holding config.json and model.weights.h5")
    try:
        archive = zipfile.ZipFile(filepath)
    except PermissionError:
        raise
    except _DAMAGED_ZIP as exc:     # no zip archive at all, or a damaged or truncated directory of its members
        raise SavedFileError(f"{filepath!r} is not a valid .keras archive: {type(exc).__name__}: {exc}") from None
    with archive:
        names = set(archive.namelist())
        missing = {"config.json", "model.weights.h5"} - names
        if missing:
            raise SavedFileError(f"{filepath!r} is not a Keras 3 .keras archive: it lacks {sorted(missing)}")
        config_bytes = _archive_member(archive, "config.json", filepath)
        weights = _archive_member(archive, "model.weights.h5", filepath)
    try:
        config = load_json(config_bytes.decode("utf-8"))
    except ValueError as exc:        # not UTF-8 (UnicodeDecodeError), not JSON (json.JSONDecodeError), too deep
        raise SavedFileError(f"{filepath!r} is not a valid .keras archive: its member 'config.json' is not valid "
                             f"JSON: {type(exc).__name__}: {exc}") from None
    return config, weights


def _subclassed_model_file_message(where, config):
    """Why a ``.keras`` file of a Keras subclassed model (``class KM(keras.Model)`` with a ``call`` of its own) is
    not read, and what to do: Keras writes such a model as its ``get_config()`` only (``{"trainable": True, "dtype":
    ...}``), without its layers, so nothing here says what the model is made of."""
    inner = config["config"]
    keys = sorted(inner) if isinstance(inner, dict) else inner
    return (f"{where}: this is a Keras subclassed model (class {config.get('class_name')!r}, a Model with a call() "
            f"of its own), which Keras saves with its get_config() only ({keys}), without its layers. tinygradconv "
            "reads .keras files of Sequential and functional models only, as it saves only those as .keras (a "
            "subclassed model of ours is saved as .npz). To move the model: write the class here as a subclass of "
            "tinygradconv.models.Model, build it (call it on a batch), and copy the weights from Keras, "
            "model.set_weights(keras.models.load_model(path, custom_objects=...).get_weights()) (a .keras or "
            ".weights.h5 file is not read into a subclassed model here: check the order of the weights, see "
            "docs/keras_compatibility.md); then save it as .npz")


def _model_from_keras_json(config, where, require_shape):
    """``(model, our layer items, whether the items start with an InputLayer that has no weights)`` from a Keras 3
    model JSON (``config.json`` of a ``.keras`` file, or ``to_json``), unbuilt where it has no input shape unless
    ``require_shape``.

    Raises:
        SavedFileError: a model other than Sequential/functional, or a layer or argument this package lacks.
    """
    from .functional import Functional, functional_from_config
    from .models import Sequential
    from .saving import deserialize_layer

    if not isinstance(config, dict):
        raise SavedFileError(f"{where}: expected a Keras model config (a JSON object with 'class_name' and "
                             f"'config'). Received a {type(config).__name__}")
    class_name = config.get("class_name")
    if "config" not in config:      # (Sequential's "cannot be built because it has no layers" before)
        raise SavedFileError(f"{where}: the model config is damaged: it has no 'config' entry (the model's name "
                             f"and layers). Received the keys {sorted(config)}")
    inner = config["config"]
    if class_name not in ("Sequential", "Functional") and not (isinstance(inner, dict) and "layers" in inner):
        raise SavedFileError(_subclassed_model_file_message(where, config))
    _check_layer_list(inner, f"{where}: the model config")
    # a layer of your own class: found in the custom_objects the loaders open a scope with, or registered
    items = [_our_item(item, where, own_layer_class(None)) for item in _without_mask_graph(inner, where)]
    if class_name == "Sequential":
        built = [_named_in(where, deserialize_layer, item) for item in items]
        # each layer built from its build_config before the model holds it, as Keras 3's deserializer builds it:
        # outside the model's name scope, so its weights' paths do not start with the model's name ("dense/kernel")
        build_layers_from_configs(built, items, where)
        model = Sequential(name=inner.get("name"), trainable=inner.get("trainable", True))
        for layer in built:
            model.add(layer.output if type(layer).__name__ == "InputLayer" else layer)
        shape = (config.get("build_config") or {}).get("input_shape")
        if not model.built and shape is not None:
            _named_in(where, model.build, tuple(shape))     # (a config without layers: Keras' ValueError, named)
        elif not model.built and require_shape:
            raise SavedFileError(f"{where}: the Sequential model has no input shape (no InputLayer and no "
                                 "build_config)")
        _build_from_configs(model, items, where)
        return model, items, True
    if class_name == "Functional" or (class_name == "Model" and "input_layers" in inner):
        model = _named_in(where, functional_from_config, Functional, {**inner, "layers": items})
        _build_from_configs(model, items, where)
        return model, items, False
    if "input_layers" in inner:     # a Model subclass of your own made from (inputs, outputs): its class, as Keras
        cls = _model_class(config, where)[1]
        model = _named_in(where, cls.from_config, {**inner, "layers": items})
        _build_from_configs(model, items, where)
        return model, items, False
    raise SavedFileError(f"{where}: model class {class_name!r} is not supported (only Sequential and "
                         "functional models; a subclassed Keras model needs its Python class)")


def _model_class(config, where):
    """``(name, class)``: the class of a functional model written under a class of your own
    (:func:`_functional_class`), and the name it was found by, looked up as Keras 3 looks it up: by its
    ``registered_name`` (``"package>Name"``, from
    :func:`~tinygradconv.saving.register_keras_serializable`), else by its class name, among the ``custom_objects``
    given to the loader, the :class:`~tinygradconv.saving.custom_object_scope` s and the registered objects.

    Raises:
        SavedFileError: the class is not found (Keras' ``TypeError``: "Could not locate class"), or is not a
            ``Model`` subclass that takes ``(inputs, outputs)``.
    """
    from .models import Model, _takes_functional_arguments

    class_name = config.get("class_name")
    registered = registered_class_name(config, class_name)
    name = registered if custom_object(registered) is not None else class_name
    found = custom_object(name)
    if found is None:
        raise SavedFileError(f"{where}: could not locate class {class_name!r} (Keras' words), the class of this "
                             f"functional model: pass it when loading, custom_objects={{{class_name!r}: "
                             f"{class_name if str(class_name).isidentifier() else 'MyModel'}}}, or register it with "
                             "@tinygradconv.saving.register_keras_serializable(), as in Keras")
    if not (isinstance(found, type) and issubclass(found, Model) and _takes_functional_arguments(found)):
        raise SavedFileError(f"{where}: {class_name!r} names {found!r}, which is not a Model subclass made from "
                             "(inputs, outputs); the config is a functional model's")
    return name, found


def _named_in(where, build, *args):
    """``build(*args)``, a layer's or model's constructor, with a ``ValueError`` or ``TypeError`` it raises (a bad
    argument in the file: ``kernel_size=[0]``) made a :class:`SavedFileError` that names ``where`` (the file); a
    ``SavedFileError`` that does not name it yet (an unknown initializer, raised by the layer's loader) names it
    too."""
    try:
        return build(*args)
    except SavedFileError as exc:
        if str(where) in str(exc):
            raise
        raise SavedFileError(f"{where}: {exc}") from None
    except (ValueError, TypeError) as exc:
        raise SavedFileError(f"{where}: {exc}") from None


def model_to_json(model, **kwargs) -> str:
    """The Keras 3 JSON of ``model``'s architecture, as ``keras.Model.to_json`` writes it: the ``config.json`` of a
    ``.keras`` file, without weights. As in Keras 3.15 it ends with the model's ``compile_config`` (its compile
    arguments, :func:`keras_compile_config`; ``{}`` for a model not compiled, or, with a ``UserWarning``, compiled
    with something Keras cannot describe, such as a lambda as the loss), so :func:`model_from_json` here and in
    Keras returns the model compiled (with a new optimizer). ``kwargs`` go to ``json.dumps`` (e.g. ``indent=2``).

    Raises:
        ValueError: a model or layer Keras 3 does not have (named), or a Sequential model without an input shape.
    """
    config = _model_json(model, "Keras JSON")
    compile_config = _writable_compile_config(model, f"The compile arguments of model {model.name!r}",
                                              "its JSON holds none")
    config["compile_config"] = {} if compile_config is None else compile_config      # Keras' {} when not compiled
    text = json.dumps(config, **kwargs)
    _warn_dotted_names(model, f"The JSON of model '{model.name}' is written")
    return text


def model_from_json(json_string, custom_objects=None):
    """The model (weights newly initialized) described by a Keras 3 model JSON, from ``model.to_json()`` here or in
    Keras (``keras.models.model_from_json``); compiled, as Keras 3.15 compiles it, when the JSON holds a
    ``compile_config`` that is not empty (the model's compile arguments, with a new optimizer); one that cannot be
    used here (a loss of your own not in ``custom_objects``) leaves it uncompiled, with a ``UserWarning``.

    Args:
        json_string: the JSON text (``str``, ``bytes`` or ``bytearray``).
        custom_objects: ``{"name": function}`` for your own functions named in the JSON (activations,
            initializers, regularizers, constraints), as in Keras (see
            :class:`~tinygradconv.saving.custom_object_scope`), and your own layer classes: a Keras layer of your
            own class is made with the ``tinygradconv.layers.Layer`` subclass given under its class name or its
            registered name (``"my>MyLayer"``); one not given is named in the error.

    Raises:
        TypeError: ``json_string`` is not text.
        ValueError: not valid JSON (``json.JSONDecodeError``), JSON nested deeper than any model's (200 levels),
            or a model, layer or argument this package does not have (:class:`~tinygradconv.saving.SavedFileError`,
            naming it).
    """
    if not isinstance(json_string, (str, bytes, bytearray)):
        raise TypeError(f"Invalid type for argument `json_string`: expected the str from model.to_json(). "
                        f"Received {json_string!r} of type {type(json_string).__name__}")
    config = load_json(json_string)
    with custom_object_scope(custom_objects):
        model = _model_from_keras_json(config, "model_from_json", require_shape=False)[0]
    if config.get("compile_config"):
        _compile_loaded(model, config["compile_config"], None, "model_from_json", custom_objects)
    return model


def load_keras(filepath, custom_objects=None, compile=True):
    """Build the model stored in the Keras 3 ``.keras`` file ``filepath`` and load its weights; with ``compile`` (as
    Keras 3's ``load_model``), compile it again with the file's ``compile_config`` (:func:`our_compile_arguments`)
    and restore its optimizer's state (:func:`_restore_keras_optimizer`), so that ``fit`` goes on where it stopped.
    A compile config that cannot be used here (a loss of your own not given in ``custom_objects``, a loss or
    metric tinygradconv lacks) leaves the model uncompiled, with a ``UserWarning`` that says why (Keras raises).

    ``custom_objects`` (``{"name": function}``) gives your own functions named in the file (activations,
    initializers, losses, metrics, ...), as Keras' ``load_model`` takes them, and the ``tinygradconv.layers.Layer``
    subclasses that stand for Keras layers of your own classes in the file, under the class name (``"MyLayer"``) or
    the registered name (``"my>MyLayer"``; Keras' ``load_model`` takes only that one for a registered class);
    :func:`~tinygradconv.saving.load_model` passes its own.

    Raises:
        SavedFileError: not a ``.keras`` archive (a directory too), a damaged ``config.json``, a model other than
            Sequential/functional, a layer or argument this package does not have (named in the message), weights
            that do not fit, or optimizer variables of other shapes than the weights'.
        ImportError: h5py is not installed.
    """
    config, weights = _read_archive(filepath)      # a missing or foreign file is named before h5py is needed
    h5py = _h5py()
    with custom_object_scope(custom_objects):
        model, items, skip = _model_from_keras_json(config, filepath, require_shape=False)   # unbuilt: no weights
    try:
        h5 = h5py.File(io.BytesIO(weights), "r")
    except H5_DAMAGE as exc:  # truncated or not HDF5
        raise SavedFileError(f"{filepath!r}: its model.weights.h5 is not a readable HDF5 file (truncated or "
                             f"damaged): {exc}") from None
    assignments = []

    def collect(model, items, skip, prefix):
        """The (weight, array) pairs of ``model``'s layers (``items``: their configs), checked, recursing into
        nested models (whose layers lie under the nested model's own path, as Keras writes them)."""
        by_name = {layer.name: layer for layer in model.layers}
        kept = [item for item in items if not (skip and item["class_name"] == "InputLayer")]
        paths = [path for _, path in _weight_paths([item.get("keras_class_name", item["class_name"])
                                                    for item in kept], skip)]
        for item, path in zip(kept, paths):
            name = item["config"].get("name")
            layer = by_name[name]
            path = prefix + path
            if item["class_name"] in ("Sequential", "Functional") or "keras_class_name" in item:
                collect(layer, item["config"]["layers"], item["class_name"] == "Sequential", f"{path}/")
                continue
            assignments.extend(_file_weights(h5py, h5, layer, path, filepath))   # yours: Keras' layout, checked

    compile_config = config.get("compile_config") if compile and isinstance(config, dict) else None
    with h5, _damaged_h5(filepath, "model.weights.h5"):
        _refuse_unsafe_h5(h5py, h5, filepath, "model.weights.h5")
        collect(model, items, skip, "")
        # a compiled model's file without 'optimizer/vars' has 0 variables: Keras' warning (_restore_keras_optimizer)
        optimizer_arrays = (_optimizer_datasets(h5py, h5, filepath) or []) if compile_config else None
    _assign_all(assignments)
    if compile_config:
        _compile_loaded(model, compile_config, optimizer_arrays, filepath, custom_objects, config)
    return model


def _compile_loaded(model, compile_config, optimizer_arrays, filepath, custom_objects, model_json=None):
    """Compile ``model`` (loaded from ``filepath``) with the file's ``compile_config`` and restore its optimizer's
    state (``model_json``: the file's model JSON, :func:`_restore_keras_optimizer`); a ``UserWarning`` when it
    cannot be compiled (the model stays uncompiled), as :mod:`tinygradconv.saving` loads its own files."""
    from .saving import _with_custom_metrics

    try:
        with custom_object_scope(custom_objects):
            model.compile(**_with_custom_metrics(our_compile_arguments(compile_config, filepath)))
    except (ValueError, TypeError) as exc:
        hint = custom_objects_hint(exc)
        model.compiled = False
        warnings.warn(f"{os.fspath(filepath)!r}: the model was loaded but could not be compiled again with the "
                      f"file's compile_config ({exc}); {hint + ' Or c' if hint else 'c'}all model.compile(...) "
                      "yourself", stacklevel=caller_stacklevel())
        return
    if optimizer_arrays is not None:
        _restore_keras_optimizer(model, optimizer_arrays, filepath, model_json)
