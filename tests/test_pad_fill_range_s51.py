"""pad's fill value beyond a float dtype's range: a ValueError, as fill_/masked_fill/full_like here and as
PyTorch's F.pad refuses it (it padded with inf)."""
import numpy as np
import pytest

import tinygradconv as tg

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("dtype, value", [("float32", 1e39), ("float32", -1e39), ("float16", 1e5),
                                          ("float16", 65519.0), ("float32", 10**40),
                                          pytest.param("float16", 10**400, id="float16-10**400")])
@pytest.mark.parametrize("backend", ["numpy", "array_api_strict"])
def test_pad_refuses_a_value_beyond_the_float_range_as_torch(dtype, value, backend):
    if backend == "array_api_strict" and dtype == "float16":
        pytest.skip("array-api-strict has no float16")
    if value != 10**400:
        with pytest.raises(RuntimeError, match="without overflow"):
            torch.nn.functional.pad(torch.zeros(3, dtype=getattr(torch, dtype)), (1, 1), value=value)
    x = tg.Tensor(np.arange(3.0), dtype=dtype, backend=backend)
    with pytest.raises(ValueError, match=f"Invalid value for argument `value` of pad: .* out of the range of {dtype}"):
        tg.ops.pad(x, ((1, 1),), value=value)


@pytest.mark.parametrize("dtype, value", [("float16", 65504.0), ("float16", float("inf")), ("float32", -np.inf),
                                          ("float32", 3.4028234663852886e38), ("float16", float("nan"))])
def test_pad_takes_the_largest_number_and_infinities_as_torch(dtype, value):
    expected = torch.nn.functional.pad(torch.arange(3.0, dtype=getattr(torch, dtype)), (1, 1), value=value)
    out = tg.ops.pad(tg.Tensor(np.arange(3.0), dtype=dtype), ((1, 1),), value=value)
    np.testing.assert_array_equal(out.numpy(), expected.numpy())
