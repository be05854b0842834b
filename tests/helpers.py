"""Helpers shared by the tests (imported as ``from helpers import tensor_on``: pytest puts this folder on the
path, as for ``reference_conv``)."""
import numpy as np

import tinygradconv as tg


def tensor_on(data, backend="numpy", requires_grad=False, dtype="float64"):
    """``data`` (a list, NumPy array or number; ``None`` stays ``None``) as a Tensor on ``backend``, float64 unless
    ``dtype`` says otherwise: the one way the tests build their input tensors."""
    if data is None:
        return None
    return tg.Tensor(np.asarray(data), dtype=dtype, backend=backend, requires_grad=requires_grad)
