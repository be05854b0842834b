"""The functional API: ``Input`` gives a symbolic tensor, layers called on it record a graph, ``Model(inputs,
outputs)`` runs that graph (Keras 3's functional models).

A :class:`KerasTensor` has a shape and a dtype but no data. Calling a layer on one builds the layer (its input shape
is known) and returns new symbolic tensors, whose output shape comes from the layer's ``compute_output_shape`` (or,
for a layer without it, from runs on zeros). Each call is recorded as a :class:`Node` of the layer: which tensors
went in and which came out. :class:`Functional` walks these nodes back from the outputs to the inputs, orders them
(Keras' order: by depth from the outputs, inputs first) and, when called on data, replays them.

>>> import numpy as np
>>> from tinygradconv import layers, models
>>> inputs = layers.Input((8, 1))
>>> inputs.shape
(None, 8, 1)
>>> down = layers.Conv1D(4, 3, strides=2, padding="same", activation="relu")(inputs)
>>> up = layers.Conv1DTranspose(1, 3, strides=2, padding="same")(down)
>>> outputs = layers.Concatenate()([inputs, up])
>>> outputs.shape
(None, 8, 2)
>>> model = models.Model(inputs, outputs)
>>> model.predict(np.zeros((3, 8, 1))).shape
(3, 8, 2)
>>> [layer.__class__.__name__ for layer in model.layers]
['InputLayer', 'Conv1D', 'Conv1DTranspose', 'Concatenate']

Errors: a ``ValueError`` naming the layers involved when a layer cannot take the shapes it is called on, when the
outputs cannot be computed from the inputs (a "disconnected" graph), or when data of the wrong shape is fed.
"""
from __future__ import annotations

import warnings

import numpy as np

from . import losses as losses_module
from .layers.input_layer import (
    Input,
    InputLayer,
    Node,
    _inbound_nodes,
    _node_of,
    cast_to_input,
    output_dtypes,
    shape_leaves,
    takes_one_shape,
)
from .layers.keras_tensor import KerasTensor, flatten, is_symbolic, map_structure, pack_as
from .layers.layer import call_takes, get_keras_mask, is_array, set_keras_mask
from .models import (
    RANK_RULE,
    Model,
    _as_array,
    _instance,
    _Mean,
    _rank_adjusted,
    _shape_fits,
    check_call_keywords,
    holds_inputs,
    integer_data_tensor,
    masked_inputs,
    named_input_data,
    prediction_for_loss,
    refuse_foreign_compile_arguments,
    runs_batch_of,
    single_input_data,
    weighted_loss,
)
from .tensor import Tensor
from .validation import caller_stacklevel

__all__ = ["Columns", "Functional", "Input", "InputLayer", "KerasTensor", "Node", "functional_from_config",
           "is_symbolic", "map_graph"]


# ----------------------------------------------------------------------------------------------- the graph
def _list_of_samples(data) -> bool:
    """Whether ``data`` is a Python list or tuple of samples, as NumPy reads it into one array, not a list of
    arrays (one per input): not empty, and holding no array, tensor or dict (:func:`~tinygradconv.models.holds_inputs`,
    which reads a nested list of numbers down its first entries only, so a list of 2000 samples costs 2000 checks,
    not one per number)."""
    return isinstance(data, (list, tuple)) and len(data) > 0 and not holds_inputs(data)


def _array_like(data) -> bool:
    """Whether ``data`` is one array of another library that has ``__array__`` and a ``shape`` but no ``dtype`` (a
    pandas DataFrame has ``dtypes``): not a NumPy scalar, a symbolic tensor, nor a list, tuple or dict."""
    return (not isinstance(data, (dict, list, tuple, np.generic, KerasTensor)) and hasattr(data, "__array__")
            and hasattr(data, "shape"))


def _numeric_samples(data):
    """A list of samples (:func:`_list_of_samples`) as one NumPy array of numbers (or bools), or ``None`` where it
    reads into none: ``[1, "a"]`` (text), or a ragged ``[[1, 2], [3]]``."""
    try:
        array = np.asarray(data)
    except ValueError:  # ragged
        return None
    return array if array.dtype.kind in "biufc" else None


def _flatten(tensors, argument):
    items = list(tensors) if isinstance(tensors, (list, tuple)) else [tensors]
    if not items:
        raise ValueError(f"Invalid value for argument `{argument}`: expected at least one symbolic tensor")
    for t in items:
        if not isinstance(t, KerasTensor):
            raise TypeError(f"Invalid type for argument `{argument}`. Expected symbolic tensors (from "
                            f"layers.Input, or layers called on them). Received {t!r} of type {type(t).__name__}")
    return items


#: The targets of :meth:`Functional._on_data` for ``predict`` and ``predict_on_batch``, which take none.
_NO_Y = object()


def _in_given_order(sorted_keys, values, given_keys):
    """``{key: value}`` from keys in sorted order and their values, written in the order the user gave the keys."""
    by_key = dict(zip(sorted_keys, values))
    return {key: by_key[key] for key in given_keys}


def _deeply_nested(structure) -> bool:
    """Whether ``structure`` (a model's ``outputs``) holds a list, tuple or dict inside its list, tuple or dict:
    ``{"a": [d1, d2], "b": d3}``, ``[d1, (d2, d3)]``, which Keras 3 takes as a nested output structure."""
    items = structure.values() if isinstance(structure, dict) else structure
    return isinstance(structure, (list, tuple, dict)) and any(isinstance(v, (list, tuple, dict)) for v in items)


def _leaf_paths(structure, path=()):
    """The path (keys and positions) to each leaf of ``structure``, in :func:`flatten`'s order (sorted keys)."""
    if isinstance(structure, dict):
        return [p for key in sorted(structure) for p in _leaf_paths(structure[key], (*path, key))]
    if isinstance(structure, (list, tuple)):
        return [p for i, item in enumerate(structure) for p in _leaf_paths(item, (*path, i))]
    return [path]


def _flat_by_structure(value, structure, argument):
    """``value`` (targets, losses, weights, metrics) given in the model's nested output ``structure`` as the flat
    list of one entry per output, in the order of ``model.outputs``; whatever sits at an output's place is its
    entry (a list of metrics too). A list or tuple may stand for a list or tuple, as Keras 3 matches them. Anything
    that is not in that structure (one loss for every output, a flat list of one entry per output) is returned as
    it is.

    Raises:
        ValueError: a dict or list that follows the structure at the top but not below it (a missing or unknown
            key, a list of another length), naming ``argument``, the path, the structure expected and the one
            received (its leaves as ``'*'``, as Keras prints them: never whole arrays).
    """
    if not isinstance(value, (dict, list, tuple)) or (isinstance(value, dict) and "class_name" in value):
        return value
    if isinstance(structure, dict) != isinstance(value, dict):
        return value
    if (isinstance(value, (list, tuple)) and not any(isinstance(v, (list, tuple, dict)) for v in value)
            and (len(value) != len(structure) or not any(isinstance(s, (list, tuple, dict)) for s in structure))):
        return value       # a flat list: one entry per output, or one for each (as without nesting)
    expected = map_structure(lambda _: "*", structure)
    out = []

    def shown(v):   # what was received, its leaves as '*' (as Keras prints structures), never whole arrays
        if isinstance(v, (dict, list, tuple)):
            return map_structure(lambda _: "*", v)
        return f"an array of shape {tuple(v.shape)}" if hasattr(v, "shape") else repr(v)

    def walk(v, s, path):
        if isinstance(s, dict):
            if not isinstance(v, dict) or sorted(v) != sorted(s):
                raise ValueError(f"Invalid value for argument `{argument}`: at {list(path) or 'the top'} it expects "
                                 f"a dict with the keys {sorted(s)}, the model's nested outputs {expected}. "
                                 f"Received {shown(v)}")
            for key in sorted(s):
                walk(v[key], s[key], (*path, key))
        elif isinstance(s, (list, tuple)):
            if not isinstance(v, (list, tuple)) or len(v) != len(s):
                raise ValueError(f"Invalid value for argument `{argument}`: at {list(path) or 'the top'} it expects "
                                 f"a list of {len(s)}, the model's nested outputs {expected}. Received {shown(v)}")
            for i, (item, sub) in enumerate(zip(v, s)):
                walk(item, sub, (*path, i))
        else:
            out.append(v)

    walk(value, structure, ())
    return out


def map_graph(inputs, outputs):
    """``(nodes, layers)`` of the graph from ``inputs`` to ``outputs``, in Keras' order.

    Nodes are visited depth first from the outputs; every node gets a depth (0 for the outputs, one more than the
    deepest node that uses it). Layers are sorted by decreasing depth, ties by the order of the first visit, as
    Keras 3 does: so ``model.layers`` (and the weight file paths built from it) match Keras'.
    """
    finished, in_progress, ordered, first_visit = set(), set(), [], {}
    input_ids = {id(t) for t in inputs}

    def visit(tensor, user):
        layer = tensor._keras_history[0]
        node = _node_of(tensor)
        if id(node) in finished:
            return
        if node.is_input and id(tensor) not in input_ids:
            raise ValueError(f"Graph disconnected: layer '{user.name}' ({type(user).__name__}) needs the input "
                             f"'{layer.name}' (shape {tensor.shape}), which is not among the model's inputs "
                             f"{[t._keras_history[0].name for t in inputs]}. Pass it in `inputs`.")
        if id(tensor) in input_ids and not node.is_input:
            finished.add(id(node))
            return
        if id(node) in in_progress:
            raise ValueError(f"The graph has a cycle through layer '{layer.name}'")
        first_visit.setdefault(id(layer), len(first_visit))
        in_progress.add(id(node))
        for parent in node.input_tensors:
            visit(parent, layer)
        finished.add(id(node))
        in_progress.discard(id(node))
        ordered.append(node)

    for t in outputs:
        visit(t, t._keras_history[0])
    for t in inputs:  # an input that no output depends on is still part of the model (Keras keeps it too)
        node = _node_of(t)
        if id(node) not in finished:
            first_visit.setdefault(id(node.layer), -1)
            ordered.insert(0, node)
            finished.add(id(node))
    depth, layer_depth, in_graph = {}, {}, {id(n) for n in ordered}
    for node in reversed(ordered):
        d = max(depth.setdefault(id(node), 0), layer_depth.get(id(node.layer), 0))
        depth[id(node)] = layer_depth[id(node.layer)] = d
        for parent in node.parent_nodes:
            if id(parent) in in_graph:
                depth[id(parent)] = max(d + 1, depth.get(id(parent), 0))
    layers = {}
    for node in ordered:
        layers[id(node.layer)] = node.layer
    ordered_layers = sorted(layers.values(), key=lambda layer: (-layer_depth[id(layer)], first_visit[id(layer)]))
    names = [layer.name for layer in ordered_layers]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"The names {duplicates} are used by more than one layer of the model. All layer names "
                         "should be unique.")
    nodes = sorted(ordered, key=lambda node: node.order)  # creation order is a topological order
    return nodes, ordered_layers


def _with_inputs_in_place(inputs, outputs):
    """Model inputs that a layer computed (``Model(model.layers[2].input, model.outputs)``, the rest of a model from
    a middle layer on), as Keras 3 takes them: each such tensor gets a new ``Input`` of its shape and dtype in its
    place, and every call between it and the outputs is made again on the new tensors, by the same layers (so with
    the same weights). The original graph is left as it was (its layers keep their first call as ``output``).
    Returns the new flat ``(inputs, outputs)``."""
    replaced = {}
    for t in inputs:
        if not isinstance(t._keras_history[0], InputLayer) and id(t) not in replaced:
            replaced[id(t)] = Input(batch_shape=t.shape, dtype=t.dtype)
    nodes, _ = map_graph(inputs, outputs)        # stops at the given inputs: their own calls are not in it
    for node in nodes:
        if node.is_input or not any(id(t) in replaced for t in node.input_tensors):
            continue                             # a call that does not depend on a replaced tensor stays
        node.call_again(lambda t: replaced.get(id(t), t))
        new_node = _inbound_nodes(node.layer)[-1]
        replaced.update({id(old): new for old, new in zip(node.outputs, new_node.outputs)})
    return [replaced.get(id(t), t) for t in inputs], [replaced.get(id(t), t) for t in outputs]


class FunctionalMixin:
    """The graph part of :class:`Functional`, kept apart from the training loop of ``models.Model``."""

    def _init_graph(self, inputs, outputs):
        # dicts (as Keras): data, losses and predictions are then keyed by the dict's keys. Keras flattens a dict in
        # sorted-key order: model.inputs/outputs, model.layers (so weight files) and predict's dict follow it, while
        # model.input/output and the config keep the order the dict was written in
        # a nested structure of outputs ({"a": [d1, d2], "b": d3}, [d1, (d2, d3)]), as Keras 3 takes it: kept for
        # call, the config and the shapes; the model otherwise has the flat list of its leaves (sorted keys)
        self._output_struct = outputs if _deeply_nested(outputs) else None
        # a flat tuple of outputs comes back a tuple (call, predict, output, shapes, config), as Keras 3 keeps it
        self._output_tuple = isinstance(outputs, tuple) and self._output_struct is None
        if self._output_struct is not None:
            outputs = flatten(outputs)
        self._input_keys = sorted(inputs) if isinstance(inputs, dict) else None
        self._output_keys = sorted(outputs) if isinstance(outputs, dict) else None
        self._given_keys = (list(inputs) if isinstance(inputs, dict) else None,
                            list(outputs) if isinstance(outputs, dict) else None)
        inputs = [inputs[k] for k in self._input_keys] if isinstance(inputs, dict) else inputs
        outputs = [outputs[k] for k in self._output_keys] if isinstance(outputs, dict) else outputs
        self._nested_inputs = isinstance(inputs, (list, tuple))
        self._nested_outputs = isinstance(outputs, (list, tuple))
        self._inputs = _flatten(inputs, "inputs")
        self._outputs = _flatten(outputs, "outputs")
        if any(not isinstance(t._keras_history[0], InputLayer) for t in self._inputs):
            self._inputs, self._outputs = _with_inputs_in_place(self._inputs, self._outputs)
        nodes, layers = map_graph(self._inputs, self._outputs)
        self._nodes = [n for n in nodes if not n.is_input]
        self._graph_layers = layers
        self._input_layers = [t._keras_history[0] for t in self._inputs]
        self._build_input_shape = ([t.shape for t in self._inputs] if self._nested_inputs
                                   else self._inputs[0].shape)
        self.built = True

    def _input_names(self):
        """The keys of the model's input data: the ``inputs`` dict's keys, else the input layers' names."""
        return self._input_keys or [t._keras_history[0].name for t in self._inputs]

    def _output_names(self):
        """The keys of targets, per-output losses and logs: the ``outputs`` dict's keys, else the layers' names;
        for nested outputs, Keras 3's path names (``CompileLoss``): the keys and positions down to each output
        joined by ``/``, a last position replaced by the layer's name (``{"a": [d1, d2], "b": d3}``: ``a/d1``,
        ``a/d2``, ``b``; ``[d1, (d2, d3)]``: ``d1``, ``1/d2``, ``1/d3``)."""
        if self._output_struct is not None:
            names = []
            for path, layer_name in zip(_leaf_paths(self._output_struct), self.output_names):
                if isinstance(path[-1], int):
                    path = (*path[:-1], layer_name)
                names.append("/".join(str(part) for part in path))
            return names
        return self._output_keys or self.output_names

    @property
    def output_names(self):
        """Keras 3's ``Functional.output_names``: the name of the layer that makes each output, in the order of
        :attr:`outputs` (a dict of outputs in its sorted keys' order; the keys themselves are what ``fit``, the
        losses and the logs use). A ``Sequential`` has none, as in Keras."""
        return [t._keras_history[0].name for t in self._outputs]

    @property
    def inputs(self):
        return list(self._inputs)

    @property
    def outputs(self):
        return list(self._outputs)

    @property
    def input(self):
        """The symbolic input (a list of them for a model with several inputs, a dict for a model built from one),
        as Keras' ``Model.input``."""
        if self._input_keys:
            return _in_given_order(self._input_keys, self._inputs, self._given_keys[0])
        return self.inputs if self._nested_inputs else self._inputs[0]

    @property
    def output(self):
        """The symbolic output (a list of them for a model with several outputs, a dict for a model built from
        one), as Keras' ``Model.output``."""
        if self._output_struct is not None:
            return self._output_struct
        if self._output_keys:
            return _in_given_order(self._output_keys, self._outputs, self._given_keys[1])
        if self._output_tuple:   # Model(x, (d1, d2)): a tuple, as Keras 3 keeps the structure given
            return tuple(self._outputs)
        return self.outputs if self._nested_outputs else self._outputs[0]

    @property
    def input_shape(self):
        shapes = [t.shape for t in self._inputs]
        return shapes if self._nested_inputs else shapes[0]

    @property
    def output_shape(self):
        """The shape of the output, or a list of one per output (in the order of :attr:`outputs`); a model of one
        output gives its shape also when it was built with a list or dict of one, as Keras 3's."""
        shapes = [t.shape for t in self._outputs]
        return shapes if len(shapes) > 1 else shapes[0]

    @property
    def layers(self) -> list:
        return list(self._graph_layers)

    def _sublayers(self):
        return list(self._graph_layers)

    def _feed(self, inputs):
        """The model's inputs as a list of Tensors, checked against the Input shapes: the rank and every size but
        the batch size, which data may change (the last, shorter batch of ``predict``), as Keras 3 runs a model
        whose ``Input`` has a ``batch_size`` on other batch sizes. Data of one axis more or fewer is first brought
        to the Input's rank by Keras 3's rule (:func:`~tinygradconv.models._rank_adjusted`): ``(4, 8)`` for
        ``Input((8, 1))`` runs as ``(4, 8, 1)``, and ``(4, 8, 1)`` for ``Input((8,))`` as ``(4, 8)``."""
        if isinstance(inputs, dict):
            inputs = _columns(inputs, self._inputs, "inputs", self._input_names(), inputs_of=self, as_arrays=False)
            inputs = inputs if isinstance(inputs, list) else [inputs]
        flat = list(inputs) if isinstance(inputs, (list, tuple)) and self._nested_inputs else [inputs]
        if isinstance(inputs, (list, tuple)) and not self._nested_inputs and len(inputs) == 1:
            flat = list(inputs)
        if len(flat) != len(self._inputs):
            raise ValueError(f"Model '{self.name}' expects {len(self._inputs)} input(s) "
                             f"{[layer.name for layer in self._input_layers]}, but received {len(flat)}")
        values, backend = [], self._data_backend()
        for value, layer in zip(flat, self._input_layers):
            value = value if isinstance(value, Tensor) else Tensor(value, dtype=layer.dtype, backend=backend)
            mask = get_keras_mask(value)
            value = cast_to_input(value, layer.dtype)     # the Input casts its data, as Keras' Functional
            if mask is not None and get_keras_mask(value) is None:
                set_keras_mask(value, mask)                 # and keeps its mask
            expected = layer.batch_shape
            adjusted = _rank_adjusted(value, expected)    # a trailing axis of 1 added or removed, as Keras
            shape = tuple(value.shape if adjusted is None else adjusted.shape)
            if adjusted is None or not _shape_fits(shape[1:], expected[1:]):    # any batch size
                rule = f" ({RANK_RULE})" if adjusted is None else ""
                raise ValueError(f"Input '{layer.name}' of model '{self.name}' expects shape {expected} (None: any "
                                 f"size), but received data of shape {tuple(value.shape)}{rule}")
            value = adjusted
            values.append(value)
        return values

    def _output_dtypes(self, dtypes):
        """The dtypes of the outputs when the model is called on data of ``dtypes`` (one per input), layer by layer
        as :meth:`call` computes them, for a symbolic call of the model (see
        :func:`~tinygradconv.layers.input_layer.output_dtypes`)."""
        known = {id(t): layer.dtype for t, layer in zip(self._inputs, self._input_layers)}   # cast by the Input
        for node in self._nodes:
            out = output_dtypes(node.layer, [known[id(t)] for t in node.input_tensors])
            for t in node.outputs:
                known[id(t)] = out if isinstance(out, str) else out[t._keras_history[2]]
        return [known[id(t)] for t in self._outputs]

    def _to_input(self, inputs):
        if not isinstance(inputs, Tensor):
            kept = integer_data_tensor(inputs, self._data_backend())
            if kept is not None:
                return kept     # integer or bool data: _feed casts it to its Input's dtype in one step
        return super()._to_input(inputs)

    def call(self, inputs, training=None):
        values = {id(t): v for t, v in zip(self._inputs, self._feed(inputs))}
        for node in self._nodes:
            result = node.call_again(lambda t: values[id(t)], training=training)
            results = flatten(result)       # the call's output tensors, by the index each symbolic one recorded
            for t in node.outputs:
                values[id(t)] = results[t._keras_history[2]]
        outputs = [values[id(t)] for t in self._outputs]
        if self._output_struct is not None:     # nested outputs: their structure, dicts in sorted order, as Keras 3
            packed = pack_as(self._output_struct, outputs)
            # a list or tuple of one is unpacked, as Keras 3's Functional.call (`unpack_singleton`): Model(x, [[d1]])
            # gives [array]; Model(x, {"a": [d1]}) keeps its dict
            return packed[0] if isinstance(packed, (list, tuple)) and len(packed) == 1 else packed
        if self._output_keys:   # a dict of outputs, keyed in sorted order on data as Keras 3.15 returns it
            return dict(zip(self._output_keys, outputs))
        # one output given in a list, Model([a], [o]), comes back alone on data, as Keras
        if self._nested_outputs and len(outputs) > 1:
            return tuple(outputs) if self._output_tuple else outputs
        return outputs[0]

    def _output_list(self, outputs):
        """The model's outputs as :meth:`call` gives them, a dict of outputs as the list of its values in sorted
        key order (the order of :attr:`outputs`), as the losses and metrics take them; a dict of one output as
        that output alone, as a model of one output gives it (Keras 3 logs such a model's loss and metrics as those
        of one output: ``loss``, ``mae``)."""
        if self._output_keys and isinstance(outputs, dict):
            values = [outputs[key] for key in self._output_keys]
            return values if len(values) > 1 else values[0]
        if self._output_tuple and isinstance(outputs, tuple):
            return list(outputs)
        if self._output_struct is not None and isinstance(outputs, (list, tuple, dict)):
            values = flatten(outputs)
            return values if len(values) > 1 else values[0]
        return outputs

    def _shape_list(self, input_shape):
        """``input_shape`` (one shape, or a list of shapes for several inputs, or a dict of them keyed by input
        name for a model built on a dict) as a list of tuples, in the order of the model's inputs."""
        if isinstance(input_shape, dict):
            names = self._input_names()
            if set(input_shape) != set(names):
                raise ValueError(f"Model '{self.name}' expects inputs keyed {names}. Received keys "
                                 f"{list(input_shape)}")
            return [tuple(input_shape[n]) for n in names]
        if isinstance(input_shape, (list, tuple)) and input_shape and isinstance(input_shape[0], (list, tuple)):
            return [tuple(s) for s in input_shape]
        return [tuple(input_shape)]

    def _check_built_input(self, input_shape):
        """The model called on symbolic tensors (used as a layer): as many as it has inputs, each of a shape its
        Input layer accepts (``None``: any size), as Keras checks them."""
        shapes = self._shape_list(input_shape)
        names = [layer.name for layer in self._input_layers]
        if len(shapes) != len(self._inputs):
            raise ValueError(f"Model '{self.name}' expects {len(self._inputs)} input(s) {names}, but received "
                             f"{len(shapes)}")
        for shape, layer in zip(shapes, self._input_layers):
            expected = layer.batch_shape
            if not _shape_fits(shape[1:], expected[1:]):    # any batch size
                raise ValueError(f"Input '{layer.name}' of model '{self.name}' expects shape {expected} (None: any "
                                 f"size), but received a tensor of shape {shape}")

    def compute_output_shape(self, input_shape):
        """The output shape(s) for inputs of ``input_shape``, inferred layer by layer through the graph, so that a
        model taking any length, used as a layer on a fixed length, gives that fixed output length (as Keras); the
        shapes the model was built with where a layer cannot infer its own. The shapes come in the structure of
        the outputs, as Keras 3's: one shape, a list, or for a model built with a dict of outputs a dict keyed in
        the order it was written (a dict of one output too), where :attr:`output_shape` lists them in the order of
        :attr:`outputs`.

        >>> from tinygradconv import layers, models
        >>> x = layers.Input((3,))
        >>> model = models.Model(x, {"z": layers.Dense(1)(x), "a": layers.Dense(2)(x)})
        >>> model.compute_output_shape((None, 3)), model.output_shape
        ({'z': (None, 1), 'a': (None, 2)}, [(None, 2), (None, 1)])
        """
        shapes = {id(t): s for t, s in zip(self._inputs, self._shape_list(input_shape))}
        try:
            for node in self._nodes:
                # the shape of the call's first argument, where compute_output_shape takes only that (Keras' rule)
                if node.extra_tensors and not takes_one_shape(node.layer):
                    raise NotImplementedError
                out = node.layer.compute_output_shape(map_structure(lambda t: shapes[id(t)], node.inputs,
                                                                    containers=list))
                outs = flatten(shape_leaves(out))
                for t in node.outputs:
                    shapes[id(t)] = outs[t._keras_history[2]].shape
        except NotImplementedError:
            result = [t.shape for t in self._outputs]
        else:
            result = [shapes[id(t)] for t in self._outputs]
        if self._output_struct is not None:    # nested outputs: their structure, as written
            by_id = {id(t): shape for t, shape in zip(self._outputs, result)}
            return map_structure(lambda t: by_id[id(t)], self._output_struct)
        if self._output_keys:   # a dict of outputs: a dict of shapes in the order it was written, as Keras 3
            return _in_given_order(self._output_keys, result, self._given_keys[1])
        if self._output_tuple:
            return tuple(result)
        return result if self._nested_outputs else result[0]

    def _layer_output_shapes(self):
        """For ``summary``: each layer's output shape at its first call in this model; a list of shapes for a layer
        of several outputs (a nested model of two outputs: ``[(None, 6, 3), (None, 6, 1)]``, as Keras 3 shows it)."""
        shapes = {}
        for layer in self._input_layers:
            shapes[id(layer)] = layer.batch_shape
        for node in self._nodes:
            several = len(node.outputs) > 1
            shapes.setdefault(id(node.layer), [t.shape for t in node.outputs] if several else node.outputs[0].shape)
        return shapes

    def _summary_connections(self):
        """Keras' "Connected to" column: each layer's input tensors in this model, as ``layer[node][tensor]``
        (input layers: ``-``); None (no column) for a model that is a plain chain, as Keras leaves the column out of
        "sequential-like" models (:meth:`_is_chain`)."""
        if self._is_chain():
            return None
        out = {}
        for node in self._nodes:
            keys = [self._node_key(t) for t in node.input_tensors]
            text = ", ".join(f"{name}[{node_index}][{tensor_index}]" for name, node_index, tensor_index in keys)
            layer = id(node.layer)
            out[layer] = f"{out[layer]}, {text}" if layer in out else text
        return out

    def _is_chain(self):
        """Keras' ``sequential_like`` rule for its summary: one input, and each layer called once on the output of
        the layer before it (whichever of those outputs the model returns)."""
        if len(self._inputs) != 1 or len({id(n.layer) for n in self._nodes}) != len(self._nodes):
            return False
        previous = _node_of(self._inputs[0])
        for node in self._nodes:
            if len(node.input_tensors) != 1 or _node_of(node.input_tensors[0]) is not previous:
                return False
            previous = node
        return True

    def build(self, input_shape):
        """A functional model is built when it is created; ``build`` only checks nothing else is asked."""
        self.built = True

    # ------------------------------------------------------------------ config
    def _node_key(self, tensor):
        """``[layer name, node index within this model, tensor index]`` for a tensor of the graph."""
        layer, _, tensor_index = tensor._keras_history
        node = _node_of(tensor)
        own = [n for n in _inbound_nodes(layer) if n.is_input or n in self._nodes]
        return [layer.name, own.index(node), tensor_index]

    def _endpoint_key(self, tensor):
        """:meth:`_node_key` as Keras 3 writes it in ``input_layers`` and ``output_layers``: there a nested
        functional model's nodes count from 1, its node 0 being the one its own construction made (Keras'
        ``Functional.get_config``), while ``inbound_nodes`` references count from 0. Written from 0 before
        (found by a tester), Keras read a nested model called twice with both outputs swapped."""
        key = self._node_key(tensor)
        if isinstance(tensor._keras_history[0], FunctionalMixin):
            key[1] += 1
        return key

    def get_config(self):
        """Keras 3's functional config: each layer with its config and inbound nodes, the input and output
        layers."""
        from .keras_format import keras_layer_entry

        layers = []
        for layer in self._graph_layers:
            item = keras_layer_entry(layer)     # with Keras' keys: module, registered_name, build_config
            item["name"] = layer.name
            item["inbound_nodes"] = []
            for node in _inbound_nodes(layer):
                if node.is_input or node not in self._nodes:
                    continue

                def symbolic(t):
                    return {"class_name": "__keras_tensor__",
                            "config": {"shape": list(t.shape), "dtype": t.dtype, "keras_history": self._node_key(t)}}

                def written(leaf):      # the call's other arguments: its symbolic tensors, or values (NumPy's as
                    if isinstance(leaf, KerasTensor):           # Python's, which JSON writes, as Keras writes them)
                        return symbolic(leaf)
                    return leaf.item() if isinstance(leaf, np.generic) else leaf

                item["inbound_nodes"].append({
                    "args": [map_structure(symbolic, node.inputs, containers=list),
                             *map_structure(written, list(node.args), containers=list)],
                    "kwargs": {key: map_structure(written, value, containers=list)
                               for key, value in node.kwargs.items()}})
            layers.append(item)
        inputs = [self._endpoint_key(t) for t in self._inputs]
        outputs = [self._endpoint_key(t) for t in self._outputs]
        if self._output_struct is not None:     # nested outputs: their structure (tuples kept in memory), as Keras 3
            return {"name": self.name, "trainable": self.trainable, "layers": layers,
                    "input_layers": (_in_given_order(self._input_keys, inputs, self._given_keys[0])
                                     if self._input_keys else inputs if self._nested_inputs else inputs[0]),
                    "output_layers": map_structure(self._endpoint_key, self._output_struct)}
        return {"name": self.name, "trainable": self.trainable, "layers": layers,
                "input_layers": (_in_given_order(self._input_keys, inputs, self._given_keys[0]) if self._input_keys
                                 else inputs if self._nested_inputs else inputs[0]),
                "output_layers": (_in_given_order(self._output_keys, outputs, self._given_keys[1])
                                  if self._output_keys else tuple(outputs) if self._output_tuple
                                  else outputs if self._nested_outputs else outputs[0])}


def _as_json_lists(value):
    """``value`` with every tuple a list, at any depth in dicts and lists, as ``json.loads(json.dumps(value))``
    reads it (without needing every leaf to be JSON)."""
    if isinstance(value, dict):
        return {key: _as_json_lists(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_as_json_lists(item) for item in value]
    return value


def _is_endpoint(keys) -> bool:
    """Whether ``keys`` is one ``[layer name, node index, tensor index]`` entry of a functional config."""
    return isinstance(keys, (list, tuple)) and len(keys) == 3 and isinstance(keys[0], str)


def functional_from_config(cls, config, custom_objects=None):
    """Rebuild a functional model from :meth:`FunctionalMixin.get_config` (or a Keras 3 functional config)."""
    from .keras_format import _without_mask_graph, our_layer_entries
    from .saving import SavedFileError, deserialize_layer

    # Keras 3's config of a model with masks records the op nodes that compute them (NotEqual, LogicalOr, ...):
    # left out, as model_from_json and load_model leave them out, since our layers pass masks on with the data. The
    # config is read as its JSON reads (tuples as lists), the form those loaders check the mask graph in
    if any(isinstance(item, dict) and str(item.get("module", "")).startswith("keras.src.ops")
           for item in config["layers"]):
        config = _as_json_lists(config)
    layers = _without_mask_graph(config, "the functional config")
    config = {**config, "layers": our_layer_entries(layers, "the functional config", custom_objects)}
    if isinstance(config.get("dtype"), dict):  # a Keras dtype policy
        config = {**config, "dtype": (config["dtype"].get("config") or {}).get("name")}
    created = {}  # layer name -> layer
    produced = {}  # (layer name, node index) -> output tensors
    pending = []
    for item in config["layers"]:
        name = item.get("name") or item["config"].get("name")
        layer = deserialize_layer(item, custom_objects)
        created[name] = layer
        if isinstance(layer, InputLayer):
            produced[(name, 0)] = [layer.output]
        pending.extend((name, node) for node in item.get("inbound_nodes", []))

    def resolve(arg, plain=False):
        """A recorded argument with its symbolic tensors; ``plain``: values other than tensors (numbers, strings,
        None) may be there too, as in a call's arguments after the first."""
        if isinstance(arg, dict) and arg.get("class_name") == "__keras_tensor__":
            layer_name, node_index, tensor_index = arg["config"]["keras_history"]
            key = (layer_name, node_index)
            if key not in produced:
                raise KeyError(key)
            return produced[key][tensor_index]
        if isinstance(arg, list):
            return [resolve(a, plain) for a in arg]
        if isinstance(arg, dict) and "class_name" not in arg:     # a layer called on a dict of tensors
            return {key: resolve(value, plain) for key, value in arg.items()}
        if plain and (arg is None or isinstance(arg, (bool, int, float, str))):
            return arg
        raise SavedFileError(f"Unsupported node argument in a functional config: {arg!r}")

    counts = {}
    while pending:
        progress = []
        for entry in pending:
            name, node = entry
            try:
                recorded = node.get("args", [])
                if not recorded:
                    raise SavedFileError(f"Layer {name!r}: a call without arguments in the functional config")
                first, *args = [resolve(recorded[0])] + [resolve(a, plain=True) for a in recorded[1:]]
                kwargs = {k: resolve(v, plain=True) for k, v in node.get("kwargs", {}).items()}
                # a keyword the layer's call does not take is left out when it holds only None (Keras writes
                # `mask=None`, and `mask=[None, None]` for a nested model of two inputs); any other is passed, and a
                # call that does not take it says so
                kwargs = {k: v for k, v in kwargs.items() if call_takes(created[name], k, any_keyword=True)
                          or any(leaf is not None for leaf in flatten(v))}
            except KeyError:
                continue
            out = created[name](first, *args, **kwargs)
            index = counts.get(name, 0)
            counts[name] = index + 1
            produced[(name, index)] = flatten(out)     # indexed as the tensors' keras_history
            progress.append(entry)
        if not progress:
            raise SavedFileError(f"Functional config: cannot connect the layers {sorted({n for n, _ in pending})} "
                                 "(their inbound nodes refer to layers that are not in the config)")
        pending = [p for p in pending if all(p is not q for q in progress)]

    def endpoints(keys):
        """The ``[layer, node, tensor]`` entries of ``input_layers``/``output_layers``, flat."""
        if isinstance(keys, dict):
            return [k for value in keys.values() for k in endpoints(value)]
        if not _is_endpoint(keys):      # a list of entries, or of nested lists of them
            return [k for value in keys for k in endpoints(value)]
        return [keys]

    # A nested functional model's nodes count from 1 there (Keras 3: node 0 is its own construction, see
    # FunctionalMixin._endpoint_key); files written by tinygradconv before 2026-12-04 counted from 0, and only they
    # name node 0 of such a model.
    written_from_zero = {k[0] for k in endpoints(config["input_layers"]) + endpoints(config["output_layers"])
                         if isinstance(created.get(k[0]), FunctionalMixin) and k[1] == 0}

    def node_key(k):
        nested_model = isinstance(created.get(k[0]), FunctionalMixin) and k[0] not in written_from_zero
        return (k[0], k[1] - 1 if nested_model else k[1])

    def lookup(keys):
        if isinstance(keys, dict):  # Keras' config of Model({...}, ...)
            return {key: lookup(value) for key, value in keys.items()}
        if not _is_endpoint(keys) and any(not _is_endpoint(k) for k in keys):
            # nested outputs ([d1, [d2, d3]]): their structure; a tuple stays one (a config in memory, as Keras')
            return type(keys)(lookup(value) for value in keys)
        nested = isinstance(keys[0], list)
        unknown = [f"{k[0]!r}, which is not a layer of the config" if k[0] not in created else
                   f"node {k[1]} of {k[0]!r}, which the config's inbound nodes do not make"
                   for k in (keys if nested else [keys]) if node_key(k) not in produced]
        if unknown:   # a bare KeyError('zzz', 0) before
            raise SavedFileError(f"Functional config: its input_layers/output_layers name {'; '.join(unknown)}")
        tensors = [produced[node_key(k)][k[2]] for k in (keys if nested else [keys])]
        return (tuple(tensors) if isinstance(keys, tuple) else tensors) if nested else tensors[0]

    kwargs = {k: v for k, v in config.items() if k in ("name", "trainable")}
    if getattr(cls, "__init__", None) is Functional.__init__:
        return cls(lookup(config["input_layers"]), lookup(config["output_layers"]), **kwargs)
    # a Model subclass of your own gets the config's other entries (the arguments its get_config added) with the
    # name and `trainable`, as Keras 3's functional_from_config passes them; a constructor that does not take one
    # (`(inputs, outputs, name=None)` has no `trainable`) raises TypeError, as in Keras 3.15
    kwargs.update({k: v for k, v in config.items() if k not in _FUNCTIONAL_CONFIG_KEYS})
    try:
        return cls(lookup(config["input_layers"]), lookup(config["output_layers"]), **kwargs)
    except (TypeError, ValueError) as error:
        if not rejects_arguments(error, kwargs):
            raise
        raise TypeError(f"Unable to revive model from config: the constructor of {cls.__name__} does not take the "
                        f"arguments from_config passes to it after the graph's inputs and outputs, "
                        f"{', '.join(f'{k}={v!r}' for k, v in kwargs.items())} (the config's name and trainable, "
                        "and the entries its get_config adds, as Keras 3 passes them): " + str(error) + ". Make "
                        "the constructor take each of them (here **kwargs passed on to super().__init__ takes name and "
                        "trainable, not an entry of your own, which Keras' would drop), or define "
                        "from_config(cls, config)") from error


def rejects_arguments(error, kwargs):
    """Whether ``error``, raised by a model's constructor, says it does not take one of ``kwargs``: Python's
    "got an unexpected keyword argument 'x'", or the base layer's "Unrecognized keyword arguments" (a constructor
    ``(*args, **kwargs)`` passing them on)."""
    text = str(error)
    if isinstance(error, TypeError):
        return any(f"unexpected keyword argument {k!r}" in text for k in kwargs)
    return text.startswith("Unrecognized keyword arguments passed to")


#: The entries of a functional model's config that describe the graph (and ``dtype``, read above); any other entry
#: is an argument of a Model subclass's constructor (:func:`functional_from_config`)
_FUNCTIONAL_CONFIG_KEYS = frozenset({"name", "trainable", "layers", "input_layers", "output_layers", "dtype"})


# ----------------------------------------------------------------------------------------------- the model
class Columns(list):
    """Several arrays with the same number of samples (one per model input or output), sliced together.

    ``fit``/``evaluate``/``predict`` batch a model's data with ``data[index]``; for a model with several inputs
    (or outputs) the data is one array per input, and a batch takes the same samples from each. An entry may be
    None (the sample weights of an output left unweighted), and stays None in every batch.
    """

    is_columns = True

    def __getitem__(self, index):
        if isinstance(index, (int, np.integer)):  # one of the arrays
            return list.__getitem__(self, index)
        # the same samples of every array
        return Columns(None if array is None else array[index] for array in list.__iter__(self))

    def __len__(self):  # the number of samples
        return next(len(array) for array in list.__iter__(self) if array is not None)


def _columns(data, tensors, argument, names=None, optional=(), inputs_of=None, as_arrays=True):
    """``data`` as :class:`Columns` when the model has several ``tensors`` (inputs or outputs), else unchanged.
    ``argument``: the argument that gave ``data``, named in errors. ``names``: the keys of a dict of data (default:
    the tensors' layer names). ``optional``: the names of outputs trained by no loss, whose targets may be ``None``
    or (in a dict) missing, as in Keras; they get an array of ``(samples, 0)`` that nothing reads. ``inputs_of``:
    the model whose inputs ``data`` are (None: ``data`` are targets), named when a list of several arrays is given
    for its one input (:func:`~tinygradconv.models.single_input_data`). ``as_arrays=False`` (a call of the model):
    the data of a dict comes back as a plain list in the inputs' order, Tensors untouched, so that their gradients
    flow.

    A dict of inputs with keys that name no input warns (a ``UserWarning`` naming them, which begins as Keras 3's,
    "The structure of `inputs` doesn't match the expected structure") and leaves their data out.

    Raises:
        ValueError: a dict without the keys of ``names`` (targets: or with others), a list of another length than
            ``tensors``, several arrays for one input or output, or arrays of different lengths.
        TypeError: data that is not numeric (:func:`~tinygradconv.models._as_array`).
    """
    if getattr(data, "is_columns", False):  # already split (validation data, a batch of predict_on_batch)
        return data
    names = names or [t._keras_history[0].name for t in tensors]
    inputs = inputs_of is not None
    if isinstance(data, dict):
        data = {**{n: None for n in optional}, **data}
        missing = [n for n in names if n not in data]
        extra = [k for k in data if k not in names]
        if extra and not inputs:  # targets for no output (a misspelt key): an error, as Keras
            raise ValueError(f"Invalid value for argument `{argument}`: targets for {extra}, which are not outputs of "
                             f"the model. Expected a dict with keys {names}. Received keys {sorted(data)}")
        if missing:
            raise ValueError(f"Invalid value for argument `{argument}`: no data for {missing}. Expected a dict with "
                             f"keys {names}. Received keys {sorted(data)}")
        if extra:   # inputs keyed by no input (a misspelt or renamed key): not used, with a warning, as Keras 3
            # (its first sentence is Keras', so that a filter written for Keras' warning catches this one too)
            warnings.warn(f"The structure of `inputs` doesn't match the expected structure: the keys {extra} of "
                          f"`{argument}` name no input of model '{inputs_of.name}', so their data is not used. "
                          f"Expected the keys {names}. Received keys {list(data)}.", UserWarning,
                          stacklevel=caller_stacklevel())
        data = [data[n] for n in names]
        if len(tensors) == 1:   # a list of one array under the key is that array (of several: refused), as Keras
            return single_input_data(inputs_of, data[0], argument, names) if inputs else data[0]
        if not as_arrays:
            return data
    if len(tensors) == 1 and inputs:
        return single_input_data(inputs_of, data, argument, names)
    if data is None or len(tensors) == 1:
        if isinstance(data, (list, tuple)) and all(isinstance(d, (np.ndarray, Tensor)) for d in data) and data:
            if len(data) == 1:
                return data[0]
            # Keras: a list of arrays is never stacked into one output (list of numbers / lists still is one array)
            raise ValueError(f"Invalid value for argument `{argument}`: the model expects 1 named output with keys "
                             f"{names}, but it received {len(data)} output arrays (a list of arrays is never "
                             f"stacked into one). Pass one array, or a dict {{{names[0]!r}: array}}.")
        return data
    if not isinstance(data, (list, tuple)) or len(data) != len(tensors):
        trained = len(tensors) - len(optional)      # (targets for the outputs with a loss only: Functional._y)
        alone = f", or {trained} for the outputs that have a loss" if optional else ""
        raise ValueError(f"Invalid value for argument `{argument}`: the model has {len(tensors)} "
                         f"{'inputs' if inputs else 'outputs'}, so it expects a list of "
                         f"{len(tensors)} arrays{alone}. Received {type(data).__name__}"
                         f"{f' of length {len(data)}' if hasattr(data, '__len__') else ''}")
    arrays = [None if d is None and n in optional else _as_array(d, f"{argument}[{i}]")
              for i, (n, d) in enumerate(zip(names, data))]
    given = [a for a in arrays if a is not None]
    arrays = [np.zeros((len(given[0]) if given else 0, 0), np.float32) if a is None else a for a in arrays]
    sizes = {len(a) for a in arrays}
    if len(sizes) > 1:
        raise ValueError(f"Data cardinality is ambiguous: the arrays of `{argument}` have "
                         f"{[len(a) for a in arrays]} samples. "
                         "Make sure all arrays contain the same number of samples.")
    return Columns(arrays)


class Functional(FunctionalMixin, Model):
    """A model defined by its symbolic inputs and outputs: ``models.Model(inputs, outputs)`` makes one.

    Args:
        inputs: a symbolic tensor from :func:`Input`, or a list of them.
        outputs: a symbolic tensor computed from ``inputs`` by calling layers, or a list of them.
        name, trainable: as for :class:`~tinygradconv.models.Model`.

    With several inputs, pass ``x`` to ``fit``/``evaluate``/``predict`` as a list of arrays (in the order of
    ``inputs``) or a dict keyed by input name; with several outputs, ``y`` likewise, and the compiled loss is applied
    to each output and summed (as Keras does with one loss for several outputs). ``predict`` then returns a list.

    Data one axis off an input's rank by a trailing axis of size 1 is brought to that rank, as Keras 3 does: a
    series of shape ``(n, steps)`` for ``Input((steps, 1))`` runs as ``(n, steps, 1)``, and ``(n, 8, 1)`` for
    ``Input((8,))`` as ``(n, 8)``. Other shapes are a ``ValueError`` naming the input and the shape it expects.

    >>> import numpy as np
    >>> from tinygradconv import layers, models
    >>> series = layers.Input((8, 1))
    >>> model = models.Model(series, layers.Conv1D(2, 3)(series))
    >>> model.predict(np.zeros((4, 8), "float32"), verbose=0).shape
    (4, 6, 2)

    Raises:
        ValueError: outputs that cannot be computed from the inputs ("Graph disconnected", naming the layer and
            the missing input), inputs that do not come from :func:`Input`, duplicate layer names.
        TypeError: something other than symbolic tensors in ``inputs``/``outputs``.
    """

    def __new__(cls, *args, **kwargs):
        obj = super().__new__(cls, *args, **kwargs)
        obj._auto_config = None  # the config is the graph, not the constructor arguments
        return obj

    def __init__(self, inputs, outputs, name=None, trainable=True, **kwargs):
        super().__init__(name=name, trainable=trainable, **kwargs)
        self._init_graph(inputs, outputs)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return functional_from_config(cls, config, custom_objects)

    # ------------------------------------------------------------------ data with several inputs/outputs
    def compile(self, optimizer="rmsprop", loss=None, metrics=None, loss_weights=None, **kwargs):
        """As :meth:`Model.compile`, and as in Keras: ``loss`` may also be a list (one per output, in order) or a
        dict keyed by output layer name, and ``loss_weights`` a list or dict of floats. One loss shared by several
        outputs takes one weight (a number, or a list of one), applied to every output; several weights for it raise
        ``ValueError``, as Keras 3.15 refuses them ("loss_weights must match the number of losses"). A dict of
        weights with a list of losses on a model with a list of outputs raises ``ValueError`` (Keras 3.15 ignores its
        keys and applies the values in sorted-key order): pass a list, or a dict of losses. The training loss is then
        ``sum_i loss_weights[i] * loss_i`` (plus penalties), and the logs add each output's unweighted loss as
        ``"<output name>_loss"`` (with several losses, also for one loss shared by several outputs; one output logs
        only ``"loss"``, as Keras). Those entries (in ``metrics_names``, and in the lists ``evaluate``,
        ``train_on_batch`` and ``test_on_batch`` return) come in Keras 3.15's order: the ``loss`` dict's own key
        order when both ``loss`` and the outputs are dicts, else the order of ``model.outputs``. A model compiled
        with per-output losses or ``loss_weights`` keeps its compile arguments in ``.keras`` files (as Keras writes
        them), not in our ``.npz`` files (compile it again after loading one). ``model.loss`` is then the ``loss``
        given (``["mse", "mae"]``, a dict, or the one loss of several outputs as given: ``"mse"``), as in Keras 3, so
        ``compile(..., loss=model.loss)`` compiles the same losses again; so does a model of one output (``"mse"``
        stays ``"mse"``, ``["mse"]`` stays ``["mse"]``: the very object given, as Keras 3's).

        An output whose loss is None (``loss={"a": "mse", "b": None}``, ``loss=["mse", None]``) is left out of
        training and of the logs, as in Keras 3.15: its weights get no gradient (the optimizer warns, as Keras), a
        weight given for it in ``loss_weights`` is unused, and with one loss left only ``"loss"`` is logged. Its
        targets may be None (``y=[ya, None]``), left out of a dict, or left out altogether: as in Keras 3.15, ``y``
        may hold the targets of the outputs that have a loss only, in order (``fit(x, ya)`` or ``fit(x, [ya])``
        above), and so may a list of per-output ``sample_weight`` (see :meth:`fit`).

        With several outputs, ``metrics`` and ``weighted_metrics`` are per output, as in Keras 3.15
        (``keras/src/trainers/compile_utils.py``, ``CompileMetrics``): a dict keyed by output name (an output left
        out has no metrics) or a list of one entry per output, in order: a metric, a list of metrics, or None (so a
        flat list as long as the outputs is one metric per output). Each is logged as ``"<output name>_<metric>"``
        (``reg_mae``, ``cls_accuracy``, and ``val_cls_accuracy`` in ``fit``); a repeat for one output is ``reg_mae_1``
        among ``metrics``, ``reg_weighted_mae`` among ``weighted_metrics``. ``"accuracy"`` is binary, sparse or
        categorical from that output's targets and predictions; weighted metrics take that output's sample weights
        (or the one array given for all). ``evaluate`` returns ``loss``, the per-output losses, then the metrics in
        sorted order, as Keras, and ``metrics_names`` names that list (Keras' own reads ``'compile_metrics'`` for
        the metrics).

        Raises:
            ValueError: every loss None (Keras 3.15 fails in ``fit``: "No loss to compute"), a dict of losses without
                a key for every output (write None for an output trained by no loss), and the misfits above; with
                several outputs, a dict of metrics with a key that names no output, a list of metrics of another
                length than the outputs (Keras 3.15 fails in ``fit``: "Node arity mismatch"), None inside an
                output's list of metrics, a metric named ``"loss"``.
            TypeError: with several outputs, ``metrics`` that is neither a list nor a dict.

        >>> import tinygradconv as tg
        >>> x = tg.layers.Input((3,))
        >>> model = tg.models.Model(x, [tg.layers.Dense(2, name="a")(x), tg.layers.Dense(1, name="b")(x)])
        >>> model.compile("sgd", loss=["mse", None])
        >>> model.metrics_names
        ['loss']
        """
        loss, loss_weights, metrics, kwargs["weighted_metrics"] = self._kept_compile_arguments(
            loss, loss_weights, metrics, kwargs.get("weighted_metrics"))      # compiled again: Keras 3 keeps these
        refuse_foreign_compile_arguments(optimizer, loss, metrics, kwargs.get("weighted_metrics"))
        call = {"optimizer": optimizer, "loss": loss, "metrics": metrics, "loss_weights": loss_weights, **kwargs}
        given_loss = loss
        if self._output_struct is not None:     # in the nested structure of the outputs: one entry per output
            loss, loss_weights = self._losses_by_layer_name(loss, loss_weights)
            loss, loss_weights, metrics = (_flat_by_structure(value, self._output_struct, argument) for value, argument
                                           in ((loss, "loss"), (loss_weights, "loss_weights"), (metrics, "metrics")))
            if kwargs.get("weighted_metrics") is not None:
                kwargs["weighted_metrics"] = _flat_by_structure(kwargs["weighted_metrics"], self._output_struct,
                                                                "weighted_metrics")
        output_metrics = None
        if len(self._outputs) > 1 and (metrics or kwargs.get("weighted_metrics")):
            output_metrics = self._per_output_metrics(metrics, kwargs.get("weighted_metrics"))
            metrics, kwargs["weighted_metrics"] = [], []       # (not None: Model.compile would keep the old ones)
        metrics = self._one_output_metrics(metrics, "metrics")
        if kwargs.get("weighted_metrics") is not None:
            kwargs["weighted_metrics"] = self._one_output_metrics(kwargs["weighted_metrics"], "weighted_metrics")
        per_output = self._per_output_losses(loss, loss_weights)
        super().compile(optimizer=optimizer, loss=per_output[0][1] if per_output else loss, metrics=metrics,
                        **kwargs)
        self._metric_positions = None
        if output_metrics:
            self._check_output_metric_names(output_metrics)
            self._metric_specs = [(name, spec, weighted) for name, spec, weighted, _ in output_metrics]
            self._metric_positions = [position for *_, position in output_metrics]
            self._compile_args = None  # not expressible in the saved compile config of our .npz files
        if per_output:
            per_output = [(name, self._get(losses_module, spec, "loss") if isinstance(spec, (str, dict))
                           else _instance(spec, "loss"), weight, position)
                          for name, spec, weight, position in per_output]
            if self._by_output(loss) or loss_weights is not None:
                self._compile_args = None  # not expressible in the saved compile config
        self._output_losses = per_output
        if per_output:
            # Keras 3: ``model.loss`` is the ``loss`` given to compile (``["mse", "mae"]``), so that
            # ``compile(loss=model.loss)`` compiles the same per-output losses again (each output's loss above)
            self.loss = given_loss
        self._compile_call = call      # the arguments as given, for clone_model
        self._output_trackers = None   # new trackers, listed in `metrics` once a batch has built them (Keras)
        self._reset_compiled_metrics()

    def _losses_by_layer_name(self, loss, loss_weights):
        """``loss`` (and ``loss_weights``) of nested list or tuple outputs given as a dict keyed by the names of the
        layers that make the outputs (``{"d1": "mse", "d2": "mae", "d3": "mse"}`` for ``[d1, (d2, d3)]``), as
        Keras 3.15's ``CompileLoss.build`` takes it (a key for every output; ``loss_weights`` then as a list, or a
        dict keyed the same way), as the flat list of one entry per output in the order of :attr:`outputs`;
        anything else unchanged. (Keras takes no such dict for a dict of outputs, nor for ``metrics``, whose dicts
        follow the structure.)"""
        names = self.output_names

        def keyed_by_layer(value):
            return isinstance(value, dict) and "class_name" not in value and set(value) == set(names)

        if isinstance(self._output_struct, dict) or not keyed_by_layer(loss):
            return loss, loss_weights
        if keyed_by_layer(loss_weights):
            loss_weights = [loss_weights[n] for n in names]
        return [loss[n] for n in names], loss_weights

    def _key_description(self, argument):
        """What the keys of a dict of per-output ``argument`` (losses, weights, metrics) name, for error messages."""
        if self._output_struct is not None:
            if isinstance(self._output_struct, dict):
                layers = ""
            elif argument in ("loss", "loss_weights"):
                layers = f"; or a key for each of the layers' names {self.output_names}, as Keras takes them"
            else:   # Keras 3.15: "Node type mismatch; expected <class 'tuple'>, but got <class 'dict'>"
                layers = ("; not the layers' names, which Keras refuses here: give them in the structure of the "
                          f"outputs, {map_structure(lambda _: '*', self._output_struct)}")
            return f"the outputs' paths in their nested structure{layers}"
        return "the keys of the model's dict of outputs" if self._output_keys else "the output layers' names"

    def _per_output_losses(self, loss, loss_weights):
        """``[(output name, loss, weight, output position)]`` for a per-output ``loss`` or any ``loss_weights``; else
        None. The entries are in the order Keras 3.15 logs the losses (``CompileLoss.build``): the order of the
        ``loss`` dict's keys when a dict of losses meets a dict of outputs, else the order of ``model.outputs``
        (sorted keys for a dict of outputs, as a list of losses is mapped to them)."""
        names = self._output_names()
        if loss is None or (not self._by_output(loss) and loss_weights is None and len(names) == 1):
            return None   # one loss for several outputs: each output's loss is logged too, as Keras

        def per_output(value, argument):
            if isinstance(value, dict) and "class_name" not in value:     # (not the config of one loss)
                if argument == "loss" and self._output_keys and set(value) < set(names):
                    value = {n: value.get(n) for n in names}    # a dict of outputs: a missing key is None (Keras)
                if sorted(value) != sorted(names):
                    none = " (None for an output trained by no loss)" if argument == "loss" else ""
                    raise ValueError(f"Invalid value for argument `{argument}`: expected keys {names} "
                                     f"({self._key_description(argument)}){none}, but found "
                                     f"{argument}.keys()={list(value)}")
                return [value[n] for n in names]
            if isinstance(value, (list, tuple)):
                if len(value) != len(names):
                    raise ValueError(f"Invalid value for argument `{argument}`: the model has {len(names)} outputs "
                                     f"{names}, so it expects a list of {len(names)}. Received {len(value)}: {value!r}")
                return list(value)
            return [value] * len(names)

        specs = [self._output_loss(name, spec) for name, spec in zip(names, per_output(loss, "loss"))]
        weights = [1.0] * len(names) if loss_weights is None else self._loss_weights(loss, loss_weights, names,
                                                                                     per_output)
        for w in weights:
            if isinstance(w, bool) or not isinstance(w, (int, float, np.floating, np.integer)):
                raise TypeError(f"Invalid type for argument `loss_weights`: expected numbers. Received {w!r}")
        if all(spec is None for spec in specs):     # Keras 3.15 fails in fit: "No loss to compute"
            raise ValueError(f"Invalid value for argument `loss`: no output of {names} has a loss (None leaves an "
                             f"output out of training; at least one needs a loss). Received loss={loss!r}")
        # None leaves that output out of the loss and the logs, as Keras 3.15 (its weight, if any, unused)
        entries = [(n, spec, float(w), i) for i, (n, spec, w) in enumerate(zip(names, specs, weights))
                   if spec is not None]
        if self._output_keys and isinstance(loss, dict) and self._by_output(loss):
            by_name = {entry[0]: entry for entry in entries}   # Keras logs a dict of losses in its own order
            entries = [by_name[n] for n in loss if n in by_name]
        return entries

    @staticmethod
    def _output_loss(name, spec):
        """One output's entry of a per-output ``loss``: a loss, or a list (or tuple) of one loss, which stands for
        it, as Keras 3.15 reads ``{"a": "mse", "b": ["mae"]}`` and ``[["mse"], ["mae"]]``.

        Raises:
            ValueError: several losses for the output (Keras 3.15 adds them all to the training loss but logs one
                as ``"<output>_loss"``), or a dict (Keras 3.15 fails in ``fit``, "The path ... can't be found"),
                naming the output and the value; before, ``compile`` took them and ``fit`` failed with "'list'
                object is not callable".
        """
        value = spec
        while isinstance(value, (list, tuple)) and len(value) == 1:
            value = value[0]
        if isinstance(value, (list, tuple)):   # a ValueError, as every other misfit of compile's structures
            raise ValueError(  # noqa: TRY004
                f"Invalid value for argument `loss`: output {name!r} takes one loss, but received {len(value)}: "
                f"{spec!r}. To train it on their sum, write a function of your own that returns it (Keras 3.15 adds "
                f"them all but logs only one of them as '{name}_loss').")
        if isinstance(value, dict) and "class_name" not in value:
            raise ValueError(f"Invalid value for argument `loss`: output {name!r} takes one loss, but received the "
                             f"dict {spec!r}: give the loss itself, e.g. {{{name!r}: 'mse'}} (Keras 3.15 fails in fit "
                             "on a dict here).")
        return value

    def _loss_weights(self, loss, loss_weights, names, per_output):
        """The weight of each output (in ``names`` order) from ``loss_weights``, refusing what Keras 3.15 refuses
        and the one combination it maps by accident (a dict of weights with a list of losses and list outputs)."""
        if not self._by_output(loss):       # one loss shared by every output: it takes one weight
            if isinstance(loss_weights, (list, tuple)) and len(loss_weights) == 1:
                return [loss_weights[0]] * len(names)    # as Keras: the one weight of the one loss
            if isinstance(loss_weights, (list, tuple, dict)) and len(names) > 1:
                raise ValueError(
                    f"Invalid value for argument `loss_weights`: `loss` is one loss ({loss!r}) shared by the "
                    f"{len(names)} outputs {names}, so it takes one weight (a number), as in Keras, which refuses "
                    f"\"`loss_weights` must match the number of losses\". Received loss_weights={loss_weights!r}. "
                    f"To weight the outputs differently, give one loss per output, e.g. loss="
                    f"{dict.fromkeys(names, loss if isinstance(loss, str) else '...')!r}, with these weights.")
        elif isinstance(loss, (list, tuple)) and isinstance(loss_weights, dict) and not self._output_keys:
            # Keras 3.15 ignores the keys here (any keys pass) and applies the values in sorted-key order, against
            # its documented "a dict maps output names to coefficients": refused rather than either answer silently
            raise ValueError(
                f"Invalid value for argument `loss_weights`: a dict of weights with a list of losses on a model with "
                f"a list of outputs {names} is ambiguous: Keras 3.15 ignores the keys and applies the values in "
                f"sorted-key order, not by output name. Received loss_weights={loss_weights!r}. Pass a list in the "
                f"order of the outputs, e.g. loss_weights={[loss_weights.get(n, 1.0) for n in names]!r}, or give "
                f"`loss` as a dict keyed by output name too.")
        return per_output(loss_weights, "loss_weights")

    def _per_output_metrics(self, metrics, weighted_metrics):
        """``[(reported name, metric, weighted, output position)]`` for the ``metrics`` and ``weighted_metrics`` of a
        model with several outputs, sorted by reported name (the order of Keras 3.15's logs and of the lists
        ``evaluate`` returns after the losses), as Keras 3.15's ``CompileMetrics`` builds and names them
        (keras/src/trainers/compile_utils.py, ``_build_metrics_set`` and ``result``): each is
        ``"<output name>_<metric name>"``; a name repeated for one output gets ``_1``, ``_2``, ... among
        ``metrics``, and becomes ``"<output name>_weighted_<metric name>"`` (then ``_1``, ...) among
        ``weighted_metrics``."""
        names, counts, specs = self._output_names(), {}, []
        # nested outputs: a metric is named after the output's layer (Keras 3.15 names them from
        # `model.output_names`: "d1_mae"), where its loss is named after its path ("b/d1_loss")
        reported_names = self.output_names if self._output_struct is not None else names

        def unique(base):       # the first one as it is, then base_1, base_2, ...
            counts[base] = counts.get(base, 0) + 1
            return base if counts[base] == 1 else f"{base}_{counts[base] - 1}"

        for argument, value, weighted in (("metrics", metrics, False), ("weighted_metrics", weighted_metrics, True)):
            by_output = self._metrics_by_output(value, argument, names, self._key_description(argument))
            for position, (output, entry) in enumerate(zip(reported_names, by_output)):
                if entry is None:
                    continue
                entries = list(entry) if isinstance(entry, (list, tuple)) else [entry]
                if any(e is None for e in entries):     # Keras 3.15: "Expected metric, received `None`"
                    raise ValueError(f"Invalid value for argument `{argument}`: the list of output {output!r} holds "
                                     f"None: {entry!r}. None stands for a whole output without {argument} (e.g. "
                                     f"{argument}=[None, ['mae']]), not for an entry of its list.")
                for name, spec in self._metric_list([_instance(e, argument) for e in entries], argument):
                    reported = f"{output}_{name}"
                    # a weighted metric whose name is taken is "<output>_weighted_<name>" (then _1, ...)
                    reported = unique(f"{output}_weighted_{name}" if weighted and reported in counts else reported)
                    specs.append((reported, spec, weighted, position))
        return sorted(specs, key=lambda entry: entry[0])

    @staticmethod
    def _metrics_by_output(value, argument, names, keys="the output names"):
        """One entry per output (in ``names`` order) from a per-output ``metrics``/``weighted_metrics``: a list (or
        tuple) with one entry per output, by position, or a dict keyed by output name (a name left out: None), the
        two forms Keras 3.15 takes for a model with several outputs.

        Raises:
            ValueError: a dict key that names no output, or a list of another length than the outputs (a flat
                ``["mae"]`` on two outputs: Keras 3.15 fails in ``fit``, "Node arity mismatch"; a flat list of as
                many metrics as outputs is one metric per output, as in Keras).
            TypeError: anything else (a single metric, not in a list).
        """
        if not value:
            return [None] * len(names)
        if isinstance(value, dict) and "class_name" not in value:
            unknown = [key for key in value if key not in names]
            if unknown:
                raise ValueError(f"Invalid value for argument `{argument}`: a dict of {argument} is keyed by "
                                 f"{names} ({keys}). Received the keys {list(value)}, of which "
                                 f"{unknown} name no output")
            return [value.get(n) for n in names]
        if isinstance(value, (list, tuple)):
            if len(value) != len(names):
                example = [list(value) if len(value) > 1 else value[0]] * len(names)
                raise ValueError(f"Invalid value for argument `{argument}`: the model has {len(names)} outputs "
                                 f"{names}, so a list of {argument} holds one entry per output, in order (a metric, "
                                 f"a list of metrics, or None), as in Keras. Received {len(value)}: {value!r}. For "
                                 f"the same metrics on every output write e.g. {argument}={example!r}, or a dict "
                                 "keyed by output name.")
            return list(value)
        raise TypeError(f"Invalid type for argument `{argument}`. Expected a list (one entry per output) or a dict "
                        f"keyed by the output names {names}. Received {argument}={value!r}")

    def _check_output_metric_names(self, output_metrics):
        """``ValueError`` for per-output metrics reported under the name of another log (``"loss"`` or an output's
        ``"<name>_loss"``: a metric named ``"loss"``), where Keras 3.15 would overwrite one with the other."""
        taken = {"loss"} | {f"{n}_loss" for n in self._output_names()}
        clash = sorted(name for name, *_ in output_metrics if name in taken)
        if clash:
            raise ValueError(f"Invalid value for argument `metrics`: the metrics would be reported as {clash}, the "
                             f"name of a loss in the logs. Give them another name.")

    def _single_output_name(self):
        """The output's name (the key of Keras' per-output compile arguments) of a model with one output."""
        names = self._output_names()
        return names[0] if len(names) == 1 else None

    @staticmethod
    def _by_output(loss):
        """Whether ``loss`` names one loss per output (a list, or a dict keyed by output, not a loss config)."""
        return isinstance(loss, (list, tuple)) or (isinstance(loss, dict) and "class_name" not in loss)

    def _logged_output_losses(self):
        """The per-output losses that get their own log entry: with several losses only, as Keras (one output, or
        two outputs of which one has the loss None, log only ``"loss"``)."""
        per_output = getattr(self, "_output_losses", None) or []
        return per_output if len(per_output) > 1 else []

    @property
    def metrics_names(self) -> list:
        extra = [f"{entry[0]}_loss" for entry in self._logged_output_losses()]
        names = super().metrics_names
        return names[:1] + extra + names[1:]

    def _reset_compiled_metrics(self):
        super()._reset_compiled_metrics()
        names = [f"{entry[0]}_loss" for entry in self._logged_output_losses()]
        trackers = getattr(self, "_output_trackers", None)
        if trackers is not None and [tracker.name for tracker in trackers] == names:
            for tracker in trackers:    # in place, as Keras resets them: `model.metrics` keeps the same objects
                tracker.reset_state()
        else:
            self._output_trackers = [_Mean(name) for name in names]
            self._output_trackers_built = False

    def _built_output_loss_trackers(self):
        """The per-output loss trackers, once a batch has updated them (Keras 3.15 lists its ``CompileLoss``'s
        trackers once built, at the first batch)."""
        return list(self._output_trackers) if getattr(self, "_output_trackers_built", False) else []

    def _logs(self):
        logs = super()._logs()
        extra = {f"{name}_loss": tracker.result()
                 for (name, *_), tracker in zip(self._logged_output_losses(), self._output_trackers or ())}
        if not extra:
            return logs
        first = {"loss": logs.pop("loss")}
        return {**first, **extra, **logs}

    def _build_metrics(self, y_true, y_pred):
        positions = getattr(self, "_metric_positions", None)
        if not positions:
            return super()._build_metrics(y_true, y_pred)
        names = self._output_names()
        for position in sorted(set(positions)):
            target = y_true[position]       # a None target of an output without a loss travels as (n, 0) zeros
            if target is None or tuple(target.shape[1:]) == (0,):
                raise ValueError(f"Output {names[position]!r} has metrics but no targets (None): give its targets "
                                 "in `y`, or compile it without metrics.")
        # each output's "accuracy" resolves from that output's shapes, as Keras 3.15 (get_metric per output)
        self._metrics = [(name, self._metric_for(name, spec, y_true[position], y_pred[position]), weighted)
                         for (name, spec, weighted), position in zip(self._metric_specs, positions)]
        return None

    def _update_compiled_metrics(self, y_true, y_pred, sample_weight=None):
        positions = getattr(self, "_metric_positions", None)
        if not positions:
            super()._update_compiled_metrics(y_true, y_pred, sample_weight)
            return
        if self._metrics is None:
            self._build_metrics(y_true, y_pred)
        for (_, metric, weighted), position in zip(self._metrics, positions):
            t, p = y_true[position].detach(), y_pred[position].detach()
            w = sample_weight[position] if isinstance(sample_weight, list) else sample_weight   # per output
            if w is None or not weighted:   # plain metrics ignore sample_weight, as in Keras 3
                metric.update_state(t, p)
            else:
                metric.update_state(t, p, sample_weight=w)

    def fit(self, x=None, y=None, *args, validation_data=None, **kwargs):
        """As :meth:`Model.fit`. With several outputs, ``y`` is one array per output (a list, or a dict keyed by
        output name), and ``sample_weight`` (also the third entry of ``validation_data``) one array for every
        output, or, as in Keras 3.15, a list of one array per output (in the outputs' order; None leaves an output
        unweighted), whose loss each weighs. With outputs whose loss is None, ``y`` and such a list may hold the
        entries of the outputs that have a loss only (``fit(x, ya, sample_weight=[w])`` for ``loss=["mse",
        None]``), and the entry of an output without a loss is unused.

        Differences from Keras 3.15, which is looser or stricter by accident of its structure checks: a list of
        sample weights of another length (Keras takes ``[w, w, w]`` for two outputs beside a bare ``y``, and
        fails with an ``IndexError`` on ``[w]`` when the output with a loss is the second) is a ``ValueError``
        here, and a list of targets need not match the list of weights in length (Keras refuses ``y=[ya]`` with
        ``sample_weight=[w, None]``: "one `sample_weight` array per output in `y`").
        """
        if validation_data is not None and isinstance(validation_data, (list, tuple)) and len(validation_data) >= 2:
            validation_data = (self._x(validation_data[0], "validation_data[0]"),
                               self._y(validation_data[1], "validation_data[1]"), *validation_data[2:])
        return self._on_data(super().fit, x, y, *args, validation_data=validation_data, **kwargs)

    def evaluate(self, x=None, y=None, *args, **kwargs):
        if "_callbacks" in kwargs:   # fit's validation pass: its data was taken (and warned about) when fit began
            return super().evaluate(x, y, *args, **kwargs)
        return self._on_data(super().evaluate, x, y, *args, **kwargs)

    def train_on_batch(self, x, y=None, *args, **kwargs):
        return self._on_data(super().train_on_batch, x, y, *args, **kwargs)

    def test_on_batch(self, x, y=None, *args, **kwargs):
        return self._on_data(super().test_on_batch, x, y, *args, **kwargs)

    def predict(self, x, *args, **kwargs):
        """As :meth:`Model.predict`, on ``x`` given as :meth:`__call__` takes it; a model of a dict of outputs
        returns a dict of arrays (in sorted key order), as its :meth:`predict_step` returns a dict, as Keras 3."""
        return self._on_data(super().predict, x, _NO_Y, *args, **kwargs)

    def predict_on_batch(self, x):
        return self._on_data(super().predict_on_batch, x, _NO_Y)

    def _on_data(self, method, x, y, *args, **kwargs):
        """``method`` (:class:`~tinygradconv.models.Model`'s ``fit``, ``evaluate``, ``predict`` or a ``*_on_batch``,
        as ``super().fit``) run on ``x`` as this model's data (:meth:`_x`) and ``y`` as its targets (:meth:`_y`;
        None stays None; ``_NO_Y`` for the methods that take no targets); its batches do not warn again
        (:func:`~tinygradconv.models.running_batches`). ``args`` and ``kwargs`` are passed on."""
        x = self._x(x)
        data = (x,) if y is _NO_Y else (x, None if y is None else self._y(y))
        return method(*data, *args, **kwargs)

    def __call__(self, inputs, *args, training=None, **kwargs):
        """Run the graph on ``inputs``: one array (or a list of one) for a model of one input, a list of one array
        per input, or a dict keyed by input name; symbolic tensors alike. ``mask`` (data only: one bool array or
        Tensor per input, as the inputs are given, or a dict keyed by input name) is set on the inputs, as Keras 3
        sets it (:func:`~tinygradconv.models.masked_inputs`).

        Raises:
            ValueError: a list of several arrays for a model of one input (never stacked into one), data keyed
                otherwise than by the input names; masks not one per input, of the wrong shape or with symbolic
                inputs.
            TypeError: a keyword other than ``training`` and ``mask``
                (:func:`~tinygradconv.models.check_call_keywords`); ``training`` not a bool; a mask not boolean.
        """
        mask = check_call_keywords(self, kwargs)
        if isinstance(inputs, dict) and any(isinstance(v, KerasTensor) for v in inputs.values()):
            names = self._input_names()   # symbolic tensors keyed by input name: in the inputs' order, as Keras
            missing, extra = [n for n in names if n not in inputs], [k for k in inputs if k not in names]
            if missing or extra:
                raise ValueError(f"Model '{self.name}' expects inputs keyed {names}. Received keys {list(inputs)}")
            if not self._input_keys:    # a model of a list of inputs: the list, in the inputs' order
                inputs = [inputs[n] for n in names] if len(names) > 1 else inputs[names[0]]
            # a model built on a dict of inputs keeps the dict, as Keras records the call: its graph, run on data,
            # then passes a dict of arrays (a list is taken with a warning, see _keyed), and saved files write it
        elif isinstance(inputs, (list, tuple)) and any(isinstance(v, KerasTensor) for v in inputs):
            # symbolic tensors in a list: checked when the graph is made, and recorded as a list, as Keras records
            # them; running the graph then passes the list on, taken as in the data branch below
            self._keyed(inputs, symbolic=True)
        else:
            inputs = self._keyed(inputs)   # data, not symbolic tensors
            if not isinstance(inputs, dict):
                inputs = self._named_data(inputs)
            if isinstance(inputs, dict) or len(self._inputs) == 1:
                # keyed by input name (or by the keys of a Model({...}, ...)), or the one input's array; the Tensors
                # are passed on as they are (their gradients flow)
                inputs = _columns(inputs, self._inputs, "inputs", self._input_names(), inputs_of=self, as_arrays=False)
        if mask is not None:
            inputs = masked_inputs(self, inputs, mask, self._input_names())
        outputs = super().__call__(inputs, *args, training=training)
        if self._output_struct is not None and any(isinstance(t, KerasTensor) for t in flatten(outputs)):
            # nested outputs on symbolic tensors: their structure as written (dicts in their own order), as Keras 3
            by_id = {id(t): new for t, new in zip(self._outputs, flatten(outputs))}
            return map_structure(lambda t: by_id[id(t)], self._output_struct)
        if self._output_keys and any(isinstance(t, KerasTensor) for t in flatten(outputs)):
            # a model of a dict of outputs called on symbolic tensors gives a dict keyed in the order the dict was
            # written, as Keras 3 (on data: in sorted order, see call), so that `inner(x)["zout"]` works
            flat = outputs if isinstance(outputs, list) else [outputs[key] for key in self._output_keys]
            outputs = _in_given_order(self._output_keys, flat, self._given_keys[1])
        if self._output_tuple and isinstance(outputs, list) and any(isinstance(t, KerasTensor) for t in outputs):
            return tuple(outputs)   # Model(x, (d1, d2)) on symbolic tensors: a tuple (of one too), as Keras 3
        return outputs

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """As :meth:`Model.compute_loss`; for a model of a dict of outputs, ``y_pred`` may be the dict it returns
        (``self(x)`` in a ``train_step`` of your own), and ``y`` and ``sample_weight`` dicts keyed alike, as in
        Keras 3."""
        y, sample_weight = self._keyed_values(y, sample_weight)
        y_pred = self._output_list(y_pred)
        loss = super().compute_loss(x, y, y_pred, sample_weight, training=training)
        # each output's loss goes to its "<output>_loss" tracker here, as Keras 3's CompileLoss updates them when the
        # loss is computed: a train_step of your own that calls compute_loss then compute_metrics logs them too
        values = getattr(self, "_last_output_losses", None)
        if values is not None and getattr(self, "_output_trackers", None):
            self._last_output_losses = None
            batch = len(y_pred[0] if isinstance(y_pred, list) else y_pred)
            for tracker, value in zip(self._output_trackers, values):
                tracker.update(value, batch)
            self._output_trackers_built = True
        return loss

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """As :meth:`Model.compute_metrics`; for a model of a dict of outputs, ``y_pred`` may be the dict it returns
        and ``y`` and ``sample_weight`` dicts keyed alike, as for :meth:`compute_loss`."""
        y, sample_weight = self._keyed_values(y, sample_weight)
        return super().compute_metrics(x, y, self._output_list(y_pred), sample_weight)

    def _keyed_values(self, *values):
        """Each of ``values`` (targets, sample weights) that is a dict keyed by every output of a model of a dict of
        outputs as :meth:`_output_list` gives the outputs; anything else as it is."""
        if self._output_struct is not None:
            return [_flat_by_structure(v, self._output_struct, "y") for v in values]
        return [self._output_list(v) if isinstance(v, dict) and set(v) == set(self._output_keys or ()) else v
                for v in values]

    def _named_data(self, inputs):
        """``inputs`` with each floating NumPy array a Tensor named after its ``Input``
        (:func:`~tinygradconv.models.named_input_data`), when there is one array per ``Input``."""
        several = isinstance(inputs, (list, tuple))
        items = list(inputs) if several else [inputs]
        if len(items) != len(self._input_layers) or not self.built:
            return inputs
        backend = self._data_backend()
        named = [named_input_data(value, layer.name, layer.dtype, backend)
                 for value, layer in zip(items, self._input_layers)]
        return type(inputs)(named) if several else named[0]

    def _x(self, x, argument="x"):
        return _columns(self._keyed(x), self._inputs, argument, self._input_names(), inputs_of=self)

    def _keyed(self, data, symbolic=False):
        """``data`` for a model built on a dict of inputs, given otherwise than as a dict, keyed as Keras 3.15 takes
        it, with a ``UserWarning``: one array (or a Python list of samples) for a dict of one input
        (:meth:`_keyed_one_input`), or a list or tuple of one entry per input (:meth:`_keyed_list`). Anything else
        is returned as it is. ``symbolic``: symbolic tensors, checked only (no warning, as Keras, which warns when
        the graph runs). The warnings point at the user's line (the first caller outside this package), for
        ``model(x)``, ``fit``, ``evaluate`` and ``predict`` alike, and come once per call of the model's own
        ``fit``/``evaluate``/``predict`` (not once more per batch: :func:`~tinygradconv.models.runs_batch_of`); a
        call of the model made meanwhile elsewhere (a callback, another thread, an outer model whose batches call
        it) warns each time, as in Keras 3.

        Raises:
            ValueError: as :meth:`_keyed_list`.
        """
        keys = self._input_keys
        if (keys and len(keys) == 1 and not symbolic and (is_array(data) or _array_like(data) or _list_of_samples(data))
                and not runs_batch_of(self)):
            return self._keyed_one_input(data)
        if keys and isinstance(data, (list, tuple)) and not isinstance(data, Columns):
            return self._keyed_list(data, symbolic)
        return data

    def _keyed_one_input(self, data):
        """``data`` for a dict of one input, not in a dict: one array (or an object with ``__array__`` and a ``shape``,
        such as a pandas DataFrame: :func:`_array_like`), or a Python list of samples such as ``[[1., 2,
        3], [4, 5, 6]]`` (numbers, or lists of them: :func:`_list_of_samples`), the one input's data as for any
        other model; returned keyed by its key, so that the batches of fit/evaluate/predict do not warn again. Keras
        3.15 warns and takes one array, and refuses Python lists of samples ("Unrecognized data type")."""
        keys = self._input_keys
        given = data
        if not (is_array(data) or _array_like(data)):
            data = _numeric_samples(data)   # read once here, not again by the batches
            if data is None:
                return {keys[0]: given}     # [1, "a"], or ragged: refused by the data check next, with no warning
        what = (f"one {type(given).__name__}" if is_array(given) or _array_like(given) else
                f"a {type(given).__name__} of samples (one array of data; Keras 3 takes arrays only)")
        warnings.warn(f"Model '{self.name}' was built with a dict of inputs keyed {keys}, and received {what}, "
                      f"not a dict: it is taken as the input {keys[0]!r}, as Keras 3 takes one array (with a "
                      f"warning too). Pass a dict, {{{keys[0]!r}: ...}}, to say which input it is.",
                      UserWarning, stacklevel=caller_stacklevel())
        return {keys[0]: data}

    def _keyed_list(self, data, symbolic):
        """``data``, a list or tuple of one entry per input (arrays, Tensors or symbolic tensors), as a dict mapping
        the keys, in sorted order, to the entries in turn, as Keras 3.15 takes it (it flattens a dict in sorted-key
        order and warns "The structure of `inputs` doesn't match"); the warning only for data (not ``symbolic``).

        Raises:
            ValueError: not one entry per input; or a dict whose keys were not written in sorted order (the list
                would then be read in an order other than the dict's: Keras 3.15 refuses it too).
        """
        keys = self._input_keys
        what = "symbolic tensors" if any(isinstance(v, KerasTensor) for v in data) else "arrays"
        given = self._given_keys[0]
        if len(data) != len(keys):
            raise ValueError(f"Invalid value for argument `inputs` of Model '{self.name}': it was built with a dict "
                             f"of {len(keys)} inputs, keyed {given}, so its data is a dict with those keys (or a list "
                             f"of {len(keys)}, one per key in sorted order). Received a {type(data).__name__} of "
                             f"{len(data)} {what}")
        if given != keys:
            raise ValueError(f"Invalid value for argument `inputs` of Model '{self.name}': it was built with a dict "
                             f"of inputs keyed {given}, not in sorted order, so a {type(data).__name__} cannot say "
                             f"which entry is which (Keras reads a list in the keys' sorted order, {keys}, and refuses "
                             f"it here too). Pass a dict with the keys {given}")
        if not symbolic:
            warnings.warn(f"Model '{self.name}' was built with a dict of inputs keyed {keys}, and received a "
                          f"{type(data).__name__} of {len(data)} {what}: entry i is taken as the input of the i-th "
                          f"key, as Keras 3 takes it. Pass a dict keyed {keys} to say which is which.",
                          UserWarning, stacklevel=caller_stacklevel())
        return dict(zip(keys, data))

    def _y(self, y, argument="y"):
        """The targets as :class:`Columns` (one array per output; None for an output without a loss); for nested
        outputs, given in their structure (:func:`_flat_by_structure`) or as a flat list."""
        if self._output_struct is not None:
            y = _flat_by_structure(y, self._output_struct, argument)
        return _columns(self._entries_per_output(y, "targets"), self._outputs, argument, self._output_names(),
                        self._outputs_without_loss())

    def _entries_per_output(self, values, what):
        """``values`` (targets, or a list of sample weights) with one entry per output, when they are given for the
        outputs that have a loss only, in order, on a model where some output has none, as Keras 3.15 takes them:
        for ``loss=["mse", None]``, ``fit(x, ya)``, ``fit(x, [ya])`` and ``sample_weight=[w]``. The other outputs
        get None. Anything else is returned as it is. ``what`` is ``"targets"`` (then one array, not in a list,
        counts as one entry: a list of numbers or of lists is one array, as :func:`_columns` reads it) or
        ``"weights"``."""
        without, names = self._outputs_without_loss(), self._output_names()
        if not without or values is None or isinstance(values, dict) or getattr(values, "is_columns", False):
            return values
        if isinstance(values, (list, tuple)) and len(values) == len(names):
            return values           # one entry per output
        listed = isinstance(values, (list, tuple)) and (what == "weights" or (
            len(values) > 0 and all(isinstance(v, (np.ndarray, Tensor)) for v in values)))
        given = list(values) if listed else [values]
        if len(given) != len(names) - len(without):
            return values
        remaining = iter(given)
        return [None if name in without else next(remaining) for name in names]

    def _check_sample_weight(self, sample_weight, name="sample_weight"):
        """As :meth:`Model._check_sample_weight`, and with several outputs, as Keras 3.15 takes them, a list (or
        tuple) of one weight array or None per output (or per output that has a loss:
        :meth:`_entries_per_output`), or a dict of them keyed by output name (names left out: None), as
        :class:`Columns`; all None is no weights at all.

        Raises:
            ValueError: a list of another length, naming the outputs; a dict key that names no output; arrays of
                different lengths.
        """
        if getattr(sample_weight, "is_columns", False):    # checked already (validation data, inside fit)
            return sample_weight
        if self._output_struct is not None:
            sample_weight = _flat_by_structure(sample_weight, self._output_struct, name)
        if isinstance(sample_weight, dict) and len(self._outputs) > 1:
            sample_weight = self._weights_by_output_name(sample_weight, name)
        per_output = len(self._outputs) > 1 and isinstance(sample_weight, (list, tuple)) and any(
            w is None or isinstance(w, (np.ndarray, Tensor)) for w in sample_weight)
        if not per_output:         # one array (a list of numbers too) weighs every output's loss
            return super()._check_sample_weight(sample_weight, name)
        names, without = self._output_names(), self._outputs_without_loss()
        weights = self._entries_per_output(sample_weight, "weights")
        if len(weights) != len(names):
            trained = f", or one per output that has a loss ({len(names) - len(without)})" if without else ""
            raise ValueError(f"Invalid value for argument `{name}`: the model has {len(names)} outputs {names}, so a "
                             f"list of sample weights holds one array (or None) per output{trained}, in order. "
                             f"Received a {type(sample_weight).__name__} of {len(sample_weight)}. Or pass one array, "
                             "which weighs every output")
        arrays = [None if w is None else super(Functional, self)._check_sample_weight(w, f"{name}[{i}]")
                  for i, w in enumerate(weights)]
        sizes = [len(a) for a in arrays if a is not None]
        if not sizes:
            return None
        if len(set(sizes)) > 1:
            raise ValueError(f"Data cardinality is ambiguous: the arrays of `{name}` have "
                             f"{[None if a is None else len(a) for a in arrays]} samples. Make sure all arrays contain "
                             "the same number of samples.")
        return Columns(arrays)

    def _weights_by_output_name(self, weights, name):
        """A dict of sample weights keyed by output name (``{"a": w, "b": None}``, as Keras 3 takes it for a model
        with several outputs) as the list of one entry per output, in order, None for a name left out.

        Raises:
            ValueError: a key that is not an output name, naming the outputs.
        """
        names = self._output_names()
        unknown = [key for key in weights if key not in names]
        if unknown:
            raise ValueError(f"Invalid value for argument `{name}`: a dict of sample weights is keyed by the model's "
                             f"output names {names}. Received the keys {list(weights)}, of which {unknown} name no "
                             "output")
        return [weights.get(n) for n in names]

    def _outputs_without_loss(self):
        """The names of the outputs that a per-output ``loss`` leaves out with ``None``: their targets may be
        ``None`` or missing, as in Keras."""
        per_output = getattr(self, "_output_losses", None)
        if not per_output:
            return ()
        trained = {position for *_, position in per_output}
        return tuple(n for i, n in enumerate(self._output_names()) if i not in trained)

    def _targets(self, y, y_pred):
        if isinstance(y_pred, list) and isinstance(y, list):  # one target (or weight) array per output, or None
            return [None if t is None else super(Functional, self)._targets(t, p) for t, p in zip(y, y_pred)]
        if isinstance(y_pred, list):  # sample weights: one array for every output
            return super()._targets(y, y_pred[0])
        return super()._targets(y, y_pred)

    def _named_output_loss(self, position, loss_fn, y_true, y_pred, sample_weight):
        """The weighted loss of the output at ``position``; a ``ValueError`` of the loss (targets of another shape:
        ``y`` in another order than the outputs) names the output, ``Output 'reg': mean_squared_error: ...`` (Keras
        3.15 on torch names none: "The size of tensor a (3) must match the size of tensor b (2)")."""
        try:
            return weighted_loss(loss_fn, y_true, y_pred, sample_weight)
        except ValueError as exc:
            raise ValueError(f"Output {self._output_names()[position]!r}: {exc}") from exc

    def _compiled_loss(self, y_true, y_pred, sample_weight=None):
        """The compiled loss over the outputs: per output (``loss`` a list or dict, or ``loss_weights``), or the one
        loss applied to each output and summed; each output's value kept for its ``"<output>_loss"`` log."""
        if isinstance(y_pred, list) and not isinstance(y_true, list):  # one output, keyed by a dict: its target
            y_true = [y_true]
        if getattr(self, "_output_losses", None):  # compile(loss=[...] / {...}, loss_weights=...)
            pairs = list(zip(y_true, y_pred)) if isinstance(y_pred, list) else [(y_true, y_pred)]
            total, values = None, []
            for _, loss_fn, weight, position in self._output_losses:
                t, p = pairs[position]
                p = prediction_for_loss(loss_fn, p)       # float32 for a function of your own, as Keras
                w = sample_weight[position] if isinstance(sample_weight, list) else sample_weight   # per output
                loss = self._named_output_loss(position, loss_fn, t, p, w)
                loss = loss.mean() if loss.ndim else loss
                values.append(float(loss.item()))
                total = loss * weight if total is None else total + loss * weight
            self._last_output_losses = values
            return total
        if not isinstance(y_pred, list):
            return super()._compiled_loss(y_true, y_pred, sample_weight)
        total = None
        for i, (t, p) in enumerate(zip(y_true, y_pred)):
            p = prediction_for_loss(self._loss_fn, p)
            w = sample_weight[i] if isinstance(sample_weight, list) else sample_weight     # per output
            loss = self._named_output_loss(i, self._loss_fn, t, p, w)
            loss = loss.mean() if loss.ndim else loss
            total = loss if total is None else total + loss
        return total
