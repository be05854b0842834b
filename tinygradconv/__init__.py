"""tinygradconv: a small, exact and fast educational autodiff framework.

>>> import tinygradconv as tg
>>> x = tg.tensor([1.0, 2.0], requires_grad=True)
>>> (x * 3).sum().backward()
>>> x.grad.numpy().tolist()
[3.0, 3.0]
"""
import importlib

from . import config
from .autograd import Function, enable_grad, is_grad_enabled, no_grad, register_op
from .backend import available_backends, get_backend, set_backend
from .checks import GradcheckError, gradcheck
from .random import set_seed
from .tensor import Tensor, tensor

__version__ = "0.1.0"

# Submodules loaded on first use, so that `import tinygradconv` stays light (viz never pulls in matplotlib).
_LAZY = ("ops", "layers", "initializers", "activations", "regularizers", "constraints", "losses", "metrics",
         "optimizers", "models", "callbacks", "saving", "datasets", "viz", "random", "utils")


def __getattr__(name):
    if name in _LAZY:
        return importlib.import_module(f".{name}", __name__)
    op = None if name.startswith("_") else getattr(importlib.import_module(".ops", __name__), name, None)
    hint = ""
    if callable(op) and not isinstance(op, type):    # torch.tanh(x) habits (found by a tester)
        hint = f"; the ops are functions of tinygradconv.ops (as in keras.ops): tg.ops.{name}(...)"
        if hasattr(Tensor, name):
            hint += f", or the Tensor method x.{name}() (as in PyTorch)"
    raise AttributeError(f"module 'tinygradconv' has no attribute {name!r}{hint}")


__all__ = ["Function", "GradcheckError", "Tensor", "available_backends", "config", "enable_grad", "get_backend",
           "gradcheck", "is_grad_enabled", "no_grad", "register_op", "set_backend", "set_seed", "tensor"]
