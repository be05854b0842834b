"""``isnan``, ``isinf`` and ``isfinite`` (a tester's finding: a PyTorch porter's ``t.isinf()`` was missing), against
torch 2.13 on every CPU backend: values, dtype bool, shape, no gradient."""
import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv.backend import dtype_name

torch = pytest.importorskip("torch", reason="PyTorch is the reference of these tests")

VALUES = [0.0, -0.0, 1.5, -2.0, np.nan, -np.nan, np.inf, -np.inf, 3e38, 1e-45]
CASES = [(np.array(VALUES, dtype=dtype), dtype) for dtype in ("float32", "float64")] + [
    (np.array([[1.0, np.nan], [np.inf, 2.0]], dtype="float16"), "float16"),
    (np.array(np.nan, dtype="float32"), "float32"),                          # rank 0
    (np.zeros((2, 0), dtype="float32"), "float32"),                          # empty
    (np.array([-3, 0, 7], dtype="int64"), "int64"),
    (np.array([1, 200], dtype="uint8"), "uint8"),
    (np.array([True, False]), "bool")]


def _backends():
    names = ["numpy"]
    try:
        import array_api_strict  # noqa: F401
        names.append("array_api_strict")
    except ImportError:
        pass
    return names


@pytest.mark.parametrize("backend", _backends())
@pytest.mark.parametrize("method", ["isnan", "isinf", "isfinite"])
@pytest.mark.parametrize("values, dtype", CASES, ids=lambda c: c if isinstance(c, str) else None)
def test_classification_is_torchs(backend, method, values, dtype):
    if backend == "array_api_strict" and dtype == "float16":
        pytest.skip("the Array API standard has no float16")
    x = tg.tensor(values, dtype=dtype, backend=backend, requires_grad=dtype.startswith("float"))
    got = getattr(x, method)()
    expected = getattr(torch, method)(torch.from_numpy(values.copy()))
    assert dtype_name(got.dtype) == "bool" and tuple(got.shape) == tuple(expected.shape)
    np.testing.assert_array_equal(np.asarray(got.numpy()), expected.numpy())
    assert not got.requires_grad
