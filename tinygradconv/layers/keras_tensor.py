"""The symbolic tensor of the functional API: a shape and a dtype, no data.

It lives in a module of its own, with no imports from the package, so that :class:`~tinygradconv.layers.layer.Layer`
can recognise one in ``__call__`` without importing :mod:`tinygradconv.layers.input_layer` (which imports the layer
module). ``Input(shape)`` (in that module) is how a user makes one.

>>> t = KerasTensor((None, 3), "float32")
>>> t.ndim, is_symbolic(t), is_symbolic([t, t]), is_symbolic([1.0])
(2, True, True, False)
"""
from __future__ import annotations

__all__ = ["KerasTensor", "is_symbolic"]


class KerasTensor:
    """A symbolic tensor: a shape (``None`` for unknown sizes, always the batch) and a dtype, no data.

    ``_keras_history`` is ``(layer, node_index, tensor_index)``: the layer call that made it.
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


def is_symbolic(inputs) -> bool:
    """True for a :class:`KerasTensor`, or a list/tuple whose first item is one."""
    if isinstance(inputs, KerasTensor):
        return True
    return isinstance(inputs, (list, tuple)) and bool(inputs) and isinstance(inputs[0], KerasTensor)
