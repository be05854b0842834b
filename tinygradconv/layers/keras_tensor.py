"""The symbolic tensor of the functional API: a shape and a dtype, no data; and the nested structures (dicts,
lists, tuples) that layers take and return, walked in Keras' order.

It lives in a module of its own, with no imports from the package, so that :class:`~tinygradconv.layers.layer.Layer`
can recognise one in ``__call__`` without importing :mod:`tinygradconv.layers.input_layer` (which imports the layer
module). ``Input(shape)`` (in that module) is how a user makes one.

>>> t = KerasTensor((None, 3), "float32")
>>> t.ndim, is_symbolic(t), is_symbolic([t, t]), is_symbolic({"a": [t]}), is_symbolic([1.0])
(2, True, True, True, False)
>>> flatten({"b": 2, "a": [1, (3, None)]})
[1, 3, None, 2]
>>> pack_as({"b": 0, "a": [0, (0, 0)]}, ["w", "x", "y", "z"])
{'a': ['w', ('x', 'y')], 'b': 'z'}
"""
from __future__ import annotations

__all__ = ["KerasTensor", "flatten", "is_symbolic", "map_call_arguments", "map_structure", "pack_as"]


class KerasTensor:
    """A symbolic tensor: a shape (``None`` for unknown sizes, always the batch) and a dtype, no data.

    ``_keras_history`` is ``(layer, node_index, tensor_index)``: the layer call that made it, and its position
    among the leaves of that call's outputs (in :func:`flatten`'s order).
    """

    def __init__(self, shape, dtype, history=None, name=None):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = dtype
        self._keras_history = history
        self.name = name

    @property
    def ndim(self):
        return len(self.shape)

    def __repr__(self):
        layer = self._keras_history[0].name if self._keras_history else None
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, from layer {layer!r}>"

    def __array__(self, *args, **kwargs):
        raise TypeError(f"{self!r} is symbolic (it has a shape but no data): it can only be passed to layers and "
                        "to models.Model(inputs, outputs). Call the model on data instead.")

    def numpy(self):
        self.__array__()

    def _no_symbolic_ops(self, *args, **kwargs):
        """Arithmetic, comparisons and indexing on a symbolic tensor: a clear ``TypeError`` (Keras 3 records them
        as op layers; here they were Python's bare "unsupported operand type(s)", found by a tester)."""
        raise TypeError(f"{self!r} is symbolic: arithmetic and indexing on it (x * 2.0, a + b, x[:, :2]) are not "
                        "recorded here, unlike in Keras 3. Use layers: Add, Subtract, Multiply, Average, Maximum, "
                        "Minimum, Concatenate, Cropping1D, Reshape, or a Layer subclass of your own whose call does "
                        "the computation")

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = _no_symbolic_ops
    __floordiv__ = __rfloordiv__ = __pow__ = __rpow__ = __matmul__ = __rmatmul__ = __mod__ = __rmod__ = _no_symbolic_ops
    __neg__ = __pos__ = __abs__ = __getitem__ = __lt__ = __le__ = __gt__ = __ge__ = _no_symbolic_ops


def _keys(structure: dict) -> list:
    """A dict's keys in Keras' order (``keras.tree``): sorted; in their own order when they cannot be sorted."""
    try:
        return sorted(structure)
    except TypeError:
        return list(structure)


def flatten(structure) -> list:
    """The leaves of a nested structure, in Keras' order (``keras.tree.flatten``): a dict's values by sorted key, a
    list's or tuple's items in order, at any depth; anything else (a tensor, ``None``) is a leaf."""
    if isinstance(structure, dict):
        return [leaf for key in _keys(structure) for leaf in flatten(structure[key])]
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in flatten(item)]
    return [structure]


def pack_as(structure, leaves):
    """``structure`` with its leaves replaced by ``leaves`` (in :func:`flatten`'s order), as ``keras.tree``
    packs them: a dict comes back with its keys sorted."""
    leaves = iter(leaves)

    def pack(item):
        if isinstance(item, dict):
            return {key: pack(item[key]) for key in _keys(item)}
        if isinstance(item, (list, tuple)):
            return type(item)(pack(i) for i in item)
        return next(leaves)

    return pack(structure)


def map_structure(fn, structure, containers=None, is_leaf=None):
    """``fn`` applied to every leaf of ``structure``, which keeps its dicts (keys in their order), lists and tuples;
    with ``containers=list``, lists and tuples both become lists (for shapes, which are tuples themselves). A value
    for which ``is_leaf(value)`` is true is a leaf even when it is a dict, list or tuple.

    >>> map_structure(len, {"a": ["xy", ("xyz",)], "b": {"name": "x"}}, containers=list,
    ...               is_leaf=lambda value: isinstance(value, dict) and "name" in value)
    {'a': [2, [3]], 'b': 1}
    """
    if is_leaf is not None and is_leaf(structure):
        return fn(structure)
    if isinstance(structure, dict):
        return {key: map_structure(fn, value, containers, is_leaf) for key, value in structure.items()}
    if isinstance(structure, (list, tuple)):
        return (containers or type(structure))(map_structure(fn, item, containers, is_leaf) for item in structure)
    return fn(structure)


def map_call_arguments(fn, args, kwargs):
    """``(args, kwargs)`` of a layer call, after its first argument, with ``fn`` applied to every leaf of each
    (:func:`map_structure`): a list and a dict, ready for ``layer(inputs, *args, **kwargs)``.

    >>> map_call_arguments(lambda leaf: leaf * 2, (1, [2, 3]), {"scale": 4})
    ([2, [4, 6]], {'scale': 8})
    """
    return map_structure(fn, list(args)), {key: map_structure(fn, value) for key, value in kwargs.items()}


def is_symbolic(inputs) -> bool:
    """True for a :class:`KerasTensor`, or a list, tuple or dict holding one (at any depth)."""
    if isinstance(inputs, KerasTensor):
        return True
    if not isinstance(inputs, (list, tuple, dict)):
        return False
    return any(isinstance(leaf, KerasTensor) for leaf in flatten(inputs))
