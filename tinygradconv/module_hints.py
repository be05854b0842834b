"""What to write instead of the ``torch.nn.Module`` methods a layer or model here lacks (``model.parameters()``,
``layer.zero_grad()``, ``model.cpu()``, ...): reading one raises an ``AttributeError``, as Python's, that says so.

Each name is a class attribute of ``tinygradconv.layers.Layer`` (and so of every layer and model), a
descriptor that raises on reading, as ``tinygradconv.torch_methods._MissingTorchName`` does for the
``Tensor`` names: ``hasattr(model, "parameters")`` stays False, a subclass may define the name itself (a method
of its own, or an attribute it sets: the instance's wins), and no ``__getattr__`` slows every other attribute read.
A class that has the method (``Model.zero_grad``, ``Model.to``) overrides the descriptor.

>>> import tinygradconv as tg
>>> model = tg.models.Sequential([tg.layers.Input((3,)), tg.layers.Dense(2)])
>>> model.parameters()
Traceback (most recent call last):
...
AttributeError: 'Sequential' object has no attribute 'parameters' (a PyTorch Module method); the trainable weights ...
>>> hasattr(model, "parameters"), len(model.trainable_weights)
(False, 2)
"""
from __future__ import annotations

_FLOAT64 = ("the dtype is chosen when the weights are made: tg.config.set_floatx('float64') before building the "
            "model, or dtype='float64' for each layer, as Keras")

#: ``torch.nn.Module`` names, and what to write instead: a string, or a pair (for a class with ``to``, as a
#: ``Model``; for a layer without it).
MISSING_MODULE_NAMES = {
    "parameters": "the trainable weights are a list, as Keras': model.trainable_weights (model.weights for all of "
                  "them, the non-trainable ones too)",
    "named_parameters": "[(w.path, w) for w in model.trainable_weights]",
    "zero_grad": "a layer has none (a Model has zero_grad()): optimizer.zero_grad(layer.trainable_weights), or "
                 "`for w in layer.trainable_weights: w.grad = None`",
    "cpu": ("model.to('cpu')", "the weights move with their model, model.to('cpu'), or one by one, w.to('cpu')"),
    "cuda": ("model.to('cuda') (the cupy backend)",
             "the weights move with their model, model.to('cuda'), or one by one, w.to('cuda')"),
    "double": _FLOAT64,
    "half": _FLOAT64.replace("float64", "float16"),
    "state_dict": "model.get_weights() (a list of NumPy arrays), or model.save_weights(path)",
    "load_state_dict": "model.set_weights(arrays), or model.load_weights(path)",
    "train": "Keras passes the mode to each call: model(x, training=True), as fit() does",
    "eval": "Keras passes the mode to each call: model(x, training=False), as predict() and evaluate() do",
    "children": "model.layers",
    "modules": "model.layers",
}


class _MissingModuleName:
    """A class attribute standing for a ``torch.nn.Module`` name a layer lacks: reading it raises an
    ``AttributeError`` with :data:`MISSING_MODULE_NAMES`' hint (the first of a pair where the class has ``to``)."""

    def __init__(self, name, hint):
        self.name, self.hint = name, hint

    def __get__(self, obj, owner=None):
        owner = owner or type(obj)
        hint = self.hint if isinstance(self.hint, str) else self.hint[0 if hasattr(owner, "to") else 1]
        raise AttributeError(f"{owner.__name__!r} object has no attribute {self.name!r} (a PyTorch Module method); "
                             f"{hint}", name=self.name, obj=obj)


def install(layer_class):
    """Give ``layer_class`` (``Layer``) a :class:`_MissingModuleName` for each name of :data:`MISSING_MODULE_NAMES`
    it does not have."""
    for name, hint in MISSING_MODULE_NAMES.items():
        if name not in vars(layer_class):
            setattr(layer_class, name, _MissingModuleName(name, hint))
