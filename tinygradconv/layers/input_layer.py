"""Symbolic tensors and the input layer of the functional API (see :mod:`tinygradconv.functional`).

``Input(shape)`` returns a :class:`KerasTensor`: a shape (``None`` for unknown sizes, always the batch) and a dtype,
no data. Calling a layer on symbolic tensors (``Layer.__call__`` hands them to :func:`symbolic_call`) builds the
layer for that input shape, infers its output shape from ``compute_output_shape`` (or, for a layer without it, from
runs on zeros: :func:`shapes_from_runs`) and records the call as a :class:`Node` of the layer: which tensors went
in, which came out.
:class:`tinygradconv.functional.Functional` walks these nodes back from a model's outputs.

>>> from tinygradconv.layers import Dense, Input
>>> x = Input((3,), name="features")
>>> x
<KerasTensor shape=(None, 3), dtype=float32, from layer 'features'>
>>> Dense(2)(x).shape
(None, 2)

Errors: a ``ValueError`` naming the layer and the layers whose outputs it received, when it cannot take their
shapes.
"""
from __future__ import annotations

import inspect
import itertools

import numpy as np

from ..autograd import no_grad
from ..backend import dtype_name
from ..validation import FLOAT_DTYPES, dtype_argument
from .keras_tensor import KerasTensor, flatten, map_call_arguments, map_structure, pack_as
from .layer import Layer, build_arguments

#: The dtypes an :func:`Input` may have: the float ones of layers, and integer and bool ones for data such as
#: indices or counts.
INPUT_DTYPES = (*FLOAT_DTYPES, "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "bool")

# KerasTensor, is_symbolic: see .keras_tensor
__all__ = ["INPUT_DTYPES", "Input", "InputLayer", "Node", "cast_to_input", "is_shape", "shapes_from_runs",
           "symbolic_call"]

_node_counter = itertools.count()


class Node:
    """One call of ``layer`` on symbolic ``inputs`` (a tensor, or a list, tuple or dict of them at any depth),
    giving ``outputs``: the list of its output tensors (the leaves of what the call returned, in
    :func:`~tinygradconv.layers.keras_tensor.flatten`'s order, ``None`` leaves left out).

    ``args`` and ``kwargs`` are the call's other arguments, as Keras 3 records them: a custom layer's
    ``call(self, query, value)`` called as ``layer(q, v)`` or ``layer(q, value=v)`` has ``v`` there. Symbolic
    tensors among them are inputs of the call too (:attr:`input_tensors`); anything else is passed as it is.

    ``superseded`` marks a call that a ``Sequential`` model made for a graph it has since replaced (built again for
    another input shape, a layer popped): models made from its tensors still run it, but it no longer counts as one
    of the layer's calls for ``layer.input`` and ``layer.output``."""

    def __init__(self, layer, inputs, outputs, args=(), kwargs=None):
        self.layer = layer
        self.inputs = inputs
        self.outputs = outputs
        self.args = tuple(args)
        self.kwargs = dict(kwargs or {})
        self.order = next(_node_counter)
        self.superseded = False

    @property
    def input_tensors(self) -> list:
        """Every symbolic tensor the call received: those of ``inputs``, then the :attr:`extra_tensors`."""
        return ([] if self.inputs is None else flatten(self.inputs)) + self.extra_tensors

    @property
    def extra_tensors(self) -> list:
        """The symbolic tensors among the call's other arguments (``args``, ``kwargs``)."""
        return symbolic_arguments(self.args, self.kwargs)

    def call_again(self, value_of, layer=None, **extra):
        """Call ``layer`` (the node's own by default) as the node's layer was called, each symbolic tensor ``t`` of
        the recorded call replaced by ``value_of(t)`` (data, or a new symbolic tensor). ``extra`` keyword arguments
        (the model's ``training``) take the place of the recorded ones unless they are None, as Keras 3 runs a
        graph: ``Dropout(0.5)(x, training=True)`` drops in ``model(x)``, and ``model(x, training=False)`` overrides
        it."""
        def swap(leaf):
            return value_of(leaf) if isinstance(leaf, KerasTensor) else leaf

        args, kwargs = map_call_arguments(swap, self.args, self.kwargs)
        kwargs.update((key, value) for key, value in extra.items() if value is not None or key not in kwargs)
        return (layer or self.layer)(map_structure(value_of, self.inputs), *args, **kwargs)

    @property
    def is_input(self) -> bool:
        return isinstance(self.layer, InputLayer)

    @property
    def parent_nodes(self) -> list:
        return [_node_of(t) for t in self.input_tensors]


def _inbound_nodes(layer) -> list:
    """The nodes (symbolic calls) of ``layer``, in call order."""
    # kept out of Layer.__setattr__'s bookkeeping (a list attribute would be scanned for sub-layers)
    return layer.__dict__.setdefault("_inbound_nodes", [])


def _node_of(tensor):
    """The node that produced a symbolic tensor."""
    layer, node_index, _ = tensor._keras_history
    return _inbound_nodes(layer)[node_index]


def _check_shape(shape, argument, meaning):
    """Refuse a ``shape`` (or ``batch_shape``: ``argument``) that is not a tuple or list of non-negative integers or
    None: a bare int too, as Keras 3 refuses ``Input(3)`` ("Cannot convert '3' to a shape."), since ``(3)`` is the
    int 3 where ``(3,)`` was meant."""
    if not isinstance(shape, (list, tuple)) or not all(
            d is None or (isinstance(d, (int, np.integer)) and not isinstance(d, bool) and d >= 0) for d in shape):
        hint = ""
        if isinstance(shape, (int, np.integer)) and not isinstance(shape, bool):
            hint = (f": write {argument}=({int(shape)},) for one axis (({int(shape)}) is the number {int(shape)}, "
                    "not a tuple)")
        raise ValueError(f"Invalid value for argument `{argument}`. Expected a tuple of non-negative integers or "
                         f"None ({meaning}). Received {argument}={shape!r}{hint}")


class InputLayer(Layer):
    """The layer behind :func:`Input`: it has no weights and one node, whose output is the symbolic input.

    Args:
        shape: the shape of one sample (without the batch axis), or
        batch_shape: the full shape, batch axis first.
        batch_size, dtype, name: as for :func:`Input`.
    """

    def __init__(self, shape=None, batch_size=None, dtype=None, name=None, batch_shape=None, sparse=None,
                 ragged=None, optional=False, **kwargs):
        # Keras 3 writes sparse/ragged/optional in every InputLayer config: accepted when off
        for argument, value in (("sparse", sparse), ("ragged", ragged), ("optional", optional)):
            if value:
                raise ValueError(f"Invalid value for argument `{argument}` of InputLayer {name!r}: tinygradconv has "
                                 f"dense, required inputs only. Received {argument}={value!r} (expected False)")
        data_dtype = None if dtype is None else _input_dtype(dtype)
        # the Layer machinery holds float dtypes only; an integer or bool input keeps its own (as Keras' Input)
        super().__init__(name=name, dtype=data_dtype if data_dtype in FLOAT_DTYPES else None, **kwargs)
        if data_dtype is not None:
            self.dtype = data_dtype
        if batch_shape is None:
            if shape is None:
                raise ValueError("InputLayer needs `shape` (the shape of one sample) or `batch_shape`")
            _check_shape(shape, "shape", "the shape of one sample, without the batch axis")
            if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, int)
                                           or batch_size < 1):
                raise ValueError(f"Invalid value for argument `batch_size`. Expected a positive integer or None. "
                                 f"Received batch_size={batch_size!r}")
            batch_shape = (batch_size, *shape)
        elif shape is not None:
            raise ValueError("Give InputLayer either `shape` or `batch_shape`, not both")
        else:
            _check_shape(batch_shape, "batch_shape", "the batch axis first")
        self.batch_shape = tuple(None if d is None else int(d) for d in batch_shape)
        self.built = True
        # its one node: its output (``self.output``, as every layer's) is the symbolic input
        tensor = KerasTensor(self.batch_shape, self.dtype, history=(self, 0, 0), name=self.name)
        _inbound_nodes(self).append(Node(self, None, [tensor]))

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        """Keras 3.15's keys: ``sparse``, ``ragged`` and ``optional`` are always False here (dense, required
        inputs only)."""
        return {"batch_shape": tuple(self.batch_shape), "dtype": self.dtype, "sparse": False, "ragged": False,
                "name": self.name, "optional": False}


def _input_dtype(dtype):
    """The name of an ``Input``'s dtype: a float one, or an integer or bool one for data such as indices (Keras'
    ``Input(dtype="int32")``); layers then cast such data to their own float dtype, as Keras does.

    >>> _input_dtype("int32"), _input_dtype(np.float64)
    ('int32', 'float64')
    """
    return dtype_argument(dtype, INPUT_DTYPES, type_error=ValueError)     # Keras refuses an Input's with a ValueError


def Input(shape=None, batch_size=None, dtype=None, name=None, batch_shape=None):
    """A symbolic input of ``shape`` (one sample, without the batch axis), to start a functional model.

    Args:
        shape: a tuple of sizes (``None`` for a size known only at run time, e.g. a variable length).
        batch_size: a fixed batch size (default ``None``: any).
        dtype: ``"float32"`` (default ``config.floatx()``), ``"float64"`` or ``"float16"``; or an integer or bool
            dtype (``"int32"``, ...), as in Keras, for data that the first layers cast to their float dtype.
        name: the input layer's name (default ``input_layer``, ``input_layer_1``, ...).
        batch_shape: instead of ``shape`` and ``batch_size``, the full shape.

    Returns:
        a :class:`KerasTensor` of shape ``(batch_size, *shape)``.

    Raises:
        ValueError: a shape that is not a tuple of non-negative integers or None (a bare int too: ``Input(3)`` is
            refused, as in Keras 3; write ``Input((3,))``); a dtype that is none of
            :data:`INPUT_DTYPES`.

    Source: ``keras.Input`` (Keras 3).

    >>> Input((16, 2), name="signal")
    <KerasTensor shape=(None, 16, 2), dtype=float32, from layer 'signal'>
    """
    return InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, name=name, batch_shape=batch_shape).output


# ----------------------------------------------------------------------------------------------- symbolic calls
def _describe_sources(tensors):
    return ", ".join(f"'{t._keras_history[0].name}' (shape {t.shape})" for t in tensors)


def shape_structure(structure):
    """The shapes of a structure of tensors (symbolic or not), as a layer's ``build`` and ``compute_output_shape``
    receive them: one shape (a tuple) for a tensor; a list of them for a list or tuple of tensors; a dict for a dict;
    nested alike (lists, never tuples, hold shapes, since a shape is a tuple itself); ``None`` stays ``None``."""
    return map_structure(lambda t: None if t is None else tuple(t.shape), structure, containers=list)


class _Shape:
    """One shape among the leaves of a structure of shapes (a tuple would be taken for a structure)."""

    def __init__(self, shape):
        self.shape = tuple(shape)


def is_shape(value) -> bool:
    """Whether ``value`` is one shape: a tuple or list of sizes (ints, NumPy ints) and Nones.

    >>> is_shape((None, 3)), is_shape([4]), is_shape(()), is_shape([(2,), (3,)]), is_shape(3)
    (True, True, True, False, False)
    """
    return isinstance(value, (list, tuple)) and all(d is None or isinstance(d, (int, np.integer)) for d in value)


def shape_leaves(shapes):
    """A structure of shapes (``compute_output_shape``'s result: a shape, or a list, tuple or dict of them at any
    depth) with each shape made a :class:`_Shape` leaf, so that ``flatten`` stops at it."""
    if shapes is None:
        return None
    if is_shape(shapes):
        return _Shape(shapes)
    if isinstance(shapes, dict):
        return {key: shape_leaves(value) for key, value in shapes.items()}
    if isinstance(shapes, (list, tuple)):
        return type(shapes)(shape_leaves(value) for value in shapes)
    raise TypeError(f"expected a shape (a tuple of sizes), or a list, tuple or dict of shapes; received {shapes!r}")


def symbolic_arguments(args, kwargs) -> list:
    """The symbolic tensors among a call's arguments after the first (``args``, ``kwargs``), in
    :func:`~tinygradconv.layers.keras_tensor.flatten`'s order."""
    return [t for t in flatten([list(args), kwargs]) if isinstance(t, KerasTensor)]


def _zeros_like_symbolic(tensor, unknown=1):
    return np.zeros(tuple(unknown if d is None else d for d in tensor.shape), dtype=tensor.dtype)


def takes_one_shape(layer) -> bool:
    """Whether ``layer.compute_output_shape`` takes one shape (that of the call's first argument, as Keras 3 gives
    it where the call has several tensor arguments)."""
    parameters = [p for p in inspect.signature(layer.compute_output_shape).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty]
    return len(parameters) == 1


#: The sizes that the two runs of :func:`shapes_from_runs` give every unknown size (the batch's too); the output
#: sizes that differ between the runs are unknown. Larger than a small kernel, so that a convolution inside the
#: layer has steps to produce (with 1, a Conv1D of 3 taps failed: "Computed output size would be zero or negative").
UNKNOWN_SIZES = (8, 9)

#: Keras 3's sizes (its torch backend's ``compute_output_spec``), tried when the layer fails on
#: :data:`UNKNOWN_SIZES` (a Conv1D of 10 taps on an axis of unknown length): larger runs, so tried second.
KERAS_UNKNOWN_SIZES = (83, 89)


def shapes_from_runs(call, inputs, args=(), kwargs=None, refuse=None):
    """The output shapes of ``call(inputs, *args, **kwargs)`` (:class:`_Shape` leaves, ``None`` leaves kept), each
    symbolic tensor among them replaced by zeros of its dtype, as Keras 3 infers the shape of a layer without
    ``compute_output_shape`` (its ``compute_output_spec``, a run with the unknown sizes filled in).

    Where every size is known (an ``Input`` with ``batch_size``), one run. Else two runs, every unknown size (the
    batch's included) set to 8, then 9 (:data:`UNKNOWN_SIZES`), and the output sizes that differ between them are
    unknown (None). So an output axis is a batch axis only where its size follows the batch's: on ``Input((4, 3))``
    ``x[0]`` gives ``(4, 3)``, ``sum(x, axis=0)`` ``(4, 3)``, ``x.reshape(-1)`` ``(None,)``, ``x * 2`` ``(None, 4, 3)``,
    as in Keras (which runs with 83 and 89). A call that fails on these sizes is run with Keras' 83 and 89
    (:data:`KERAS_UNKNOWN_SIZES`); one that fails there too is refused: ``refuse(error)`` gives the exception to
    raise (default a ``ValueError`` with Keras' "Could not automatically infer the output shape"), as Keras refuses
    it (a layer that works only for one batch size, ``x.reshape(2, 6)``, cannot be given an unknown one).

    >>> import tinygradconv as tg
    >>> x = Input((4, 3))
    >>> shapes_from_runs(lambda t: tg.tensor(t)[0], x).shape, shapes_from_runs(lambda t: tg.tensor(t) * 2, x).shape
    ((4, 3), (None, 4, 3))
    """
    kwargs = kwargs or {}
    tensors = [t for t in flatten([inputs, list(args), kwargs]) if isinstance(t, KerasTensor)]

    def run(unknown):
        def zeros(leaf):
            return _zeros_like_symbolic(leaf, unknown) if isinstance(leaf, KerasTensor) else leaf

        zeroed_args, keywords = map_call_arguments(zeros, args, kwargs)
        with no_grad():
            result = call(map_structure(zeros, inputs), *zeroed_args, **keywords)
        return map_structure(lambda r: None if r is None else _Shape(r.shape), result)

    if not any(d is None for t in tensors for d in t.shape):
        return run(1)                               # (1 is not used: every size is known)
    error = None
    for sizes in (UNKNOWN_SIZES, KERAS_UNKNOWN_SIZES):
        try:
            first, second = run(sizes[0]), flatten(run(sizes[1]))
            break
        except Exception as exc:    # noqa: BLE001 - any failure of the layer's own code: refused below
            error = error or exc
    else:
        if refuse is not None:
            raise refuse(error) from error
        raise ValueError(f"Could not automatically infer the output shape ({type(error).__name__}: {error}). Either "
                         "the call() method is incorrect, or the layer needs a compute_output_shape() method "
                         "(as in Keras 3)") from error
    leaves = flatten(first)
    if len(second) != len(leaves) or any((a is None) != (b is None) for a, b in zip(leaves, second)):
        return first
    partner = {id(a): b for a, b in zip(leaves, second)}        # the same leaf of the second run

    def unknown_where_changed(leaf):
        if leaf is None or len(leaf.shape) != len(partner[id(leaf)].shape):
            return leaf
        return _Shape(tuple(a if a == b else None for a, b in zip(leaf.shape, partner[id(leaf)].shape)))

    return map_structure(unknown_where_changed, first)


def _shapes_from_zeros(layer, inputs, args, kwargs):
    """The output shapes of ``layer`` called on symbolic ``inputs`` (and ``args``, ``kwargs``), from runs of the
    layer on zeros (:func:`shapes_from_runs`) in inference mode, refused with Keras' message naming the layer."""
    def call(*args, **kwargs):
        return layer(*args, **kwargs, training=False)

    def refuse(error):
        kind = type(layer).__name__
        return ValueError(f"Could not automatically infer the output shape / dtype of '{layer.name}' (of type {kind}) "
                          f"({type(error).__name__}: {error}). Either the `{kind}.call()` method is incorrect, or you "
                          f"need to implement the `{kind}.compute_output_shape()` method (as in Keras 3)")

    return shapes_from_runs(call, inputs, args, kwargs, refuse)


def symbolic_call(layer, inputs, *args, **kwargs):
    """Call ``layer`` on symbolic ``inputs``: build it, infer the output shapes, record a :class:`Node`.

    ``args`` and ``kwargs``: the call's other arguments, symbolic tensors or plain values (numbers, strings, None:
    a model writes them in its config). Symbolic tensors among them are inputs too, as in Keras 3: ``layer(q, v)``
    for ``call(self, query, value)``. The layer is built as a call on data builds it
    (:func:`~tinygradconv.layers.layer.build_arguments`: the shape of ``inputs`` alone, or one shape per tensor
    argument for ``build(self, query_shape, value_shape)``), and its ``compute_output_shape`` gets that shape alone
    where it takes one (Keras' rule); else the output shapes come from running the layer on zeros
    (:func:`shapes_from_runs`).

    ``inputs`` is a symbolic tensor or a structure of them (a list, tuple or dict, at any depth), as in Keras 3; so
    is what the call returns. A tensor, or a flat list or tuple of tensors, comes back as before: the tensor, or a
    list of tensors (the tensor alone for a list of one, unless ``layer`` is a model with listed outputs). Any other
    structure (a dict, nested lists, a tuple holding a dict, ``None`` entries) comes back with the structure the
    layer returns, dicts with their keys sorted (Keras' order), so that ``out = layer(x); Model(x, out["a"])`` works.
    The output shapes come from ``compute_output_shape`` (which may return such a structure of shapes), or else from
    runs of the layer on zeros (:func:`shapes_from_runs`).

    Raises:
        TypeError: ``inputs`` mixes symbolic tensors and data; an array or Tensor among the other arguments (a model
            could not write it in its config: make it an ``Input``, or a weight of the layer).
        ValueError: the layer cannot take these inputs (its own error, naming the layers whose outputs it received).
    """
    flat = flatten(inputs)
    if not all(isinstance(t, KerasTensor) for t in flat):
        raise TypeError(f"Layer '{layer.name}' ({type(layer).__name__}) was called on a structure mixing symbolic "
                        f"tensors (from Input) and data: {inputs!r}. Pass only symbolic tensors, or only data.")
    data = [leaf for leaf in flatten([list(args), kwargs]) if not isinstance(leaf, KerasTensor)
            and hasattr(leaf, "shape") and not isinstance(leaf, np.generic)]
    if data:
        raise TypeError(f"Layer '{layer.name}' ({type(layer).__name__}) was called on symbolic tensors with data among "
                        f"its other arguments (an array of shape {tuple(data[0].shape)}): a model records a call's "
                        "arguments in its config, where an array cannot be kept. Make it an Input of the model, or "
                        "a weight of the layer")
    shape = shape_structure(inputs)
    extra = symbolic_arguments(args, kwargs)
    sources = _describe_sources(flat + extra)
    try:
        if extra and not layer.built and hasattr(layer, "_run_on_zeros"):
            # a model called on several tensors builds in its first call, on zeros (its build would run its call on
            # the first input alone)
            out_shapes = _shapes_from_zeros(layer, inputs, args, kwargs)
        else:
            if not layer.built:
                layer.build(**build_arguments(layer, shape, inputs, args, kwargs))
                layer.built = True
            else:  # a built layer reused: the shape must fit its weights (Keras' input_spec)
                layer._check_built_input(shape)
            try:
                if extra and not takes_one_shape(layer):  # compute_output_shape(a_shape, b_shape): not guessed
                    raise NotImplementedError
                out_shapes = shape_leaves(layer.compute_output_shape(shape))
            except NotImplementedError:  # no compute_output_shape: run the layer on zeros
                out_shapes = _shapes_from_zeros(layer, inputs, args, kwargs)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"Layer '{layer.name}' ({type(layer).__name__}) cannot be called on the output(s) of "
                         f"{sources}: {exc}") from exc
    nodes = _inbound_nodes(layer)
    node_index = len(nodes)
    dtypes = output_dtypes(layer, [str(t.dtype) for t in flat])
    leaves = [None if s is None else KerasTensor(s.shape, dtypes if isinstance(dtypes, str) else dtypes[i],
                                                 history=(layer, node_index, i))
              for i, s in enumerate(flatten(out_shapes))]
    outputs = [t for t in leaves if t is not None]
    nodes.append(Node(layer, inputs, outputs, args, kwargs))
    if isinstance(out_shapes, _Shape):
        return outputs[0]
    if isinstance(out_shapes, (list, tuple)) and all(isinstance(s, _Shape) for s in out_shapes) and out_shapes:
        multiple = len(outputs) > 1 or getattr(layer, "_nested_outputs", False)   # a flat list, as before
        return outputs if multiple else outputs[0]
    return pack_as(out_shapes, leaves)


def output_dtypes(layer, dtypes):
    """The dtype of ``layer``'s outputs when called on data of ``dtypes`` (the names of its inputs' dtypes, in
    :func:`~tinygradconv.layers.keras_tensor.flatten`'s order), as the call on data gives it: the layer's own,
    except that a layer which does not cast integer and bool inputs (``Flatten``, ``ReLU``, ..., see
    ``Layer.casts_integer_inputs``) keeps the dtype of inputs that are all integers or bools, as Keras 3 does on
    data. A model (a ``Sequential`` or functional one) says what its own layers give, one dtype per output
    (its ``_output_dtypes``): called on an integer input, a model whose ``Input`` is float casts the data to it
    first, so its ``Dense`` gives float32 (the symbolic tensor said int32, where ``predict`` gave float32).

    Returns:
        one dtype name for every output, or, for a model, a list of one per output.
    """
    own = getattr(layer, "_output_dtypes", None)
    if own is not None:
        return own(dtypes)
    if not dtypes or layer.casts_integer_inputs or any(name.startswith("float") for name in dtypes):
        return layer.dtype
    return dtypes[0]


def cast_to_input(value, dtype):
    """``value`` (a Tensor given to a model) cast to its ``Input``'s ``dtype``, as Keras' ``Functional`` casts its
    data. A backend without that dtype (array-api-strict has no float16) keeps the data's own dtype, as before the
    cast was made, instead of failing.

    >>> import tinygradconv as tg
    >>> cast_to_input(tg.tensor([1 / 3], dtype="float64"), "float32").dtype
    dtype('float32')
    """
    if dtype_name(value.dtype) == dtype or not hasattr(value.backend.xp, dtype):
        return value
    return value.astype(dtype)
