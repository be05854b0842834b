"""Helpers shared by the tests (imported as ``from helpers import tensor_on``: pytest puts this folder on the
path, as for ``reference_conv``)."""
import os

import numpy as np
import pytest

import tinygradconv as tg


def tensor_on(data, backend="numpy", requires_grad=False, dtype="float64"):
    """``data`` (a list, NumPy array or number; ``None`` stays ``None``) as a Tensor on ``backend``, float64 unless
    ``dtype`` says otherwise: the one way the tests build their input tensors."""
    if data is None:
        return None
    return tg.Tensor(np.asarray(data), dtype=dtype, backend=backend, requires_grad=requires_grad)


def keras_on_torch(reason):
    """Keras 3 on its torch backend, the reference named by ``reason``; the test is skipped, visibly and with that
    reason, when Keras is not installed or already runs on another backend."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras", reason=reason)
    if keras.backend.backend() != "torch":
        pytest.skip(f"Keras runs on the {keras.backend.backend()!r} backend here; these references need torch")
    return keras
