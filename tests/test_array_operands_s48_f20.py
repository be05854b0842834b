"""NumPy arrays and NumPy scalars beside tensors, checked against PyTorch: an array divided by a tensor, arrays
in concat/stack, NumPy float scalars in where, bool bounds of clip (on the numpy and array_api_strict backends)."""
import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv.backend import dtype_name

torch = pytest.importorskip("torch")

pytest.importorskip("array_api_strict")


def _np(t):
    return np.asarray(t.numpy())


def test_float64_array_over_float16_tensor_is_true_division(backend="numpy"):   # (strict has no float16)
    a = np.array([2.0, -3.0, 1.0])
    x = tg.tensor(np.array([3.0, -2.0, 1.0], np.float16), backend=backend)
    y = a / x
    ref = torch.from_numpy(a) / torch.tensor([3.0, -2.0, 1.0], dtype=torch.float16)
    assert dtype_name(y.dtype) == "float64"
    np.testing.assert_array_equal(_np(y), ref.numpy())     # 2/3 exact in float64, not float16's 0.66650390625


@pytest.mark.parametrize("backend", ["numpy", "array_api_strict"])
def test_float64_array_over_float32_tensor_value_and_gradient(backend):
    a = np.array([1.0, 1.0])
    x = tg.tensor(np.array([1.0, 3.0], np.float32), dtype="float32", requires_grad=True, backend=backend)
    y = a / x
    y.sum().backward()
    tx = torch.tensor([1.0, 3.0], requires_grad=True)
    ty = torch.from_numpy(a) / tx
    ty.sum().backward()
    np.testing.assert_array_equal(_np(y), ty.detach().numpy())
    np.testing.assert_array_equal(_np(x.grad), tx.grad.numpy())


@pytest.mark.parametrize("number", [2.0, np.float64(2.0), np.float32(2.0)])
def test_number_over_float16_tensor_stays_reciprocal_times_number(number):
    # PyTorch takes Python and NumPy numbers as a Scalar: reciprocal(x) * number, in x's dtype
    x = tg.tensor(np.array([3.0, 7.0], np.float16))
    ref = number / torch.tensor([3.0, 7.0], dtype=torch.float16)
    y = number / x
    assert dtype_name(y.dtype) == "float16"
    np.testing.assert_array_equal(_np(y), ref.numpy())
