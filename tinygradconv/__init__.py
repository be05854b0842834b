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
from .grad_mode import set_grad_enabled
from .random import set_seed
from .tensor import Tensor, tensor

__version__ = "0.1.0"

# Submodules loaded on first use, so that `import tinygradconv` stays light (viz never pulls in matplotlib).
_LAZY = ("ops", "layers", "initializers", "activations", "regularizers", "constraints", "losses", "metrics",
         "optimizers", "models", "callbacks", "saving", "datasets", "viz", "random", "utils", "exercises")

# Keras 3's top-level names (`import tinygradconv as keras`, then keras.Sequential, keras.Input, ...): the same
# objects as the submodules', loaded on first use as the submodules are. Keras' `keras.Function` (a graph of
# operations) is not among them: `tinygradconv.Function` is the autograd Function (PyTorch's torch.autograd.Function).
_KERAS_TOP_LEVEL = {"Sequential": "models", "Model": "models", "Input": "layers", "Layer": "layers",
                    "Loss": "losses", "Metric": "metrics", "Optimizer": "optimizers", "Initializer": "initializers",
                    "Regularizer": "regularizers"}


_NUMPY_THEN_TENSOR = "make the array with NumPy, then tg.tensor(np.zeros((2, 3), 'float32'))"
#: PyTorch's module-level names that a porter tries first (found by a tester porting a PyTorch script), and ours.
_TORCH_NAMES = {
    "cat": "PyTorch's `cat` is tg.ops.concat(tensors, axis=...) (Keras' name)",
    "clamp": "PyTorch's `clamp` is tg.ops.clip(x, low, high) or the Tensor method x.clamp(low, high)",
    "from_numpy": "PyTorch's `from_numpy` is tg.tensor(array)",
    "as_tensor": "PyTorch's `as_tensor` is tg.tensor(data)",
    "manual_seed": "PyTorch's `manual_seed` is tg.set_seed(seed)",
    "linalg": "PyTorch's `linalg.vector_norm(x, ord, dim)` is tg.ops.vector_norm(x, ord, dim) or the Tensor "
              "method x.norm(p, dim)",
    "nn": "PyTorch's layers are Keras' here: tinygradconv.layers (Conv1D, Conv1DTranspose, Dense, ...)",
    "optim": "PyTorch's optimizers are Keras' here: tinygradconv.optimizers (SGD, Adam, ...)",
    **{name: _NUMPY_THEN_TENSOR for name in ("zeros", "ones", "full", "empty", "eye", "linspace")},
    "arange": "make the range with NumPy: tg.tensor(np.arange(start, stop, step), dtype='float32')",
    "randn": "random normal values like a tensor are tg.ops.randn_like(x) (seeded by tg.set_seed), or "
             "tg.tensor(np.random.default_rng(seed).standard_normal((2, 3)), dtype='float32')",
    "rand": "random uniform values like a tensor are tg.ops.rand_like(x) (seeded by tg.set_seed), or "
            "tg.tensor(np.random.default_rng(seed).random((2, 3)), dtype='float32')",
    "inference_mode": "PyTorch's `inference_mode` is tg.no_grad() here (no gradients recorded)",
    **{name: f"dtypes are names here, as in Keras: dtype='{name}'" for name in
       ("float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool")},
}


def __getattr__(name):
    if name in _LAZY:
        return importlib.import_module(f".{name}", __name__)
    if name in _KERAS_TOP_LEVEL:
        return getattr(importlib.import_module(f".{_KERAS_TOP_LEVEL[name]}", __name__), name)
    op = None if name.startswith("_") else getattr(importlib.import_module(".ops", __name__), name, None)
    hint = f"; {_TORCH_NAMES[name]}" if name in _TORCH_NAMES else ""
    if callable(op) and not isinstance(op, type):    # torch.tanh(x) habits (found by a tester)
        hint = f"; the ops are functions of tinygradconv.ops (as in keras.ops): tg.ops.{name}(...)"
        if hasattr(Tensor, name):
            hint += f", or the Tensor method x.{name}() (as in PyTorch)"
    raise AttributeError(f"module 'tinygradconv' has no attribute {name!r}{hint}")


__all__ = ["Function", "GradcheckError", "Tensor", "available_backends", "config", "enable_grad", "get_backend",
           "gradcheck", "is_grad_enabled", "no_grad", "register_op", "set_backend", "set_grad_enabled",
           "set_seed", "tensor"]
