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


CONCAT_CASES = [   # (tensor data, tensor dtype, array), compared with torch.cat/stack of torch.from_numpy(array)
    (np.array([2**40 + 1]), "int64", np.array([2**40 + 3])),          # int64 exact (tensor(array) is float32)
    (np.array([1.0, 2.0]), "float32", np.array([0.1, 2.0])),          # float64 array: float64
    (np.array([True, False]), "bool", np.array([2, 3])),              # int64
    (np.array([5, 6]), "int8", np.array([1, 2], np.int16)),           # int16
]


@pytest.mark.parametrize("backend", ["numpy", "array_api_strict"])
@pytest.mark.parametrize("data,dtype,array", CONCAT_CASES)
@pytest.mark.parametrize("name", ["concat", "stack"])
def test_array_beside_tensor_in_concat_and_stack_as_torch(backend, data, dtype, array, name):
    t = tg.tensor(data, dtype=dtype, backend=backend)
    ours = getattr(tg.ops, name)([t, array])
    reference = getattr(torch, "cat" if name == "concat" else "stack")(
        [torch.from_numpy(data.astype(dtype)), torch.from_numpy(array)])
    assert dtype_name(ours.dtype) == str(reference.dtype).removeprefix("torch.")
    assert ours.backend.name == backend
    np.testing.assert_array_equal(_np(ours), reference.numpy())


@pytest.mark.parametrize("name", ["concat", "stack"])
def test_integer_array_beside_float16_tensor_stays_float16(name):
    t = tg.tensor(np.array([1.5], np.float16))
    ours = getattr(tg.ops, name)([t, np.array([2])])
    reference = getattr(torch, "cat" if name == "concat" else "stack")(
        [torch.tensor([1.5], dtype=torch.float16), torch.from_numpy(np.array([2]))])
    assert dtype_name(ours.dtype) == "float16" and reference.dtype == torch.float16
    np.testing.assert_array_equal(_np(ours), reference.numpy())


@pytest.mark.parametrize("backend", ["numpy", "array_api_strict"])
@pytest.mark.parametrize("number", [2.5, np.float64(2.5), np.float32(2.5), np.float16(2.5)])
@pytest.mark.parametrize("values", [np.array([1, 2]), np.array([True, False])])
def test_where_numpy_float_beside_integer_or_bool_tensor_as_torch(backend, number, values):
    c = np.array([True, False])
    t = tg.tensor(values, dtype=values.dtype.name, backend=backend)
    condition = tg.tensor(c, dtype="bool", backend=backend)
    for ours, reference in ((tg.ops.where(condition, t, number), torch.where(torch.tensor(c), torch.tensor(values),
                                                                              number)),
                            (tg.ops.where(condition, number, t), torch.where(torch.tensor(c), number,
                                                                             torch.tensor(values)))):
        assert dtype_name(ours.dtype) == str(reference.dtype).removeprefix("torch.")
        np.testing.assert_array_equal(_np(ours), reference.numpy())


@pytest.mark.parametrize("a,b", [(np.float64(1.5), 0), (np.float32(1.5), np.int64(0)), (np.int64(1), np.int64(0))])
def test_where_two_numpy_numbers_as_torch(a, b):
    c = np.array([True, False])
    ours = tg.ops.where(tg.tensor(c, dtype="bool"), a, b)
    reference = torch.where(torch.tensor(c), a, b)
    assert dtype_name(ours.dtype) == str(reference.dtype).removeprefix("torch.")
    np.testing.assert_array_equal(_np(ours), reference.numpy())


CLIP_CASES = [   # (x data, x dtype, keyword bounds as Python values), compared with torch.clamp
    (np.array([-1.0, 0.5, 3.0]), "float32", {"min": True}),
    (np.array([-1, 0, 3]), "int64", {"min": True}),
    (np.array([-1, 0, 3]), "int64", {"max": False}),
    (np.array([-1.0, 0.5, 3.0]), "float32", {"min": np.True_, "max": 2}),
    (np.array([True, False]), "bool", {"min": 2}),
    (np.array([True, False]), "bool", {"max": 0}),
    (np.array([True, False]), "bool", {"min": 0.5}),
]


@pytest.mark.parametrize("backend", ["numpy", "array_api_strict"])
@pytest.mark.parametrize("data,dtype,bounds", CLIP_CASES)
def test_clip_bool_bounds_and_bool_tensor_as_torch(backend, data, dtype, bounds):
    ours = tg.ops.clip(tg.tensor(data, dtype=dtype, backend=backend), **bounds)
    reference = torch.clamp(torch.from_numpy(data.astype(dtype)),
                            **{k: v.item() if isinstance(v, np.generic) else v for k, v in bounds.items()})
    assert dtype_name(ours.dtype) == str(reference.dtype).removeprefix("torch.")
    np.testing.assert_array_equal(_np(ours), reference.numpy())


@pytest.mark.parametrize("backend", ["numpy", "array_api_strict"])
@pytest.mark.parametrize("data,dtype", [(np.array([-1.0, 0.5, 3.0]), "float32"), (np.array([-1, 0, 3]), "int64")])
def test_clip_bool_tensor_bound_is_zero_and_one_as_torch(backend, data, dtype):
    low = np.array([True, False, True])
    ours = tg.ops.clip(tg.tensor(data, dtype=dtype, backend=backend), min=tg.tensor(low, dtype="bool",
                                                                                      backend=backend))
    reference = torch.clamp(torch.from_numpy(data.astype(dtype)), min=torch.from_numpy(low))
    assert dtype_name(ours.dtype) == str(reference.dtype).removeprefix("torch.")
    np.testing.assert_array_equal(_np(ours), reference.numpy())


def test_clip_bool_bound_on_bool_tensor_says_what_torch_does():
    mask = tg.tensor(np.array([True, False]), dtype="bool")
    with pytest.raises(TypeError, match=r"min=True.*torch.clamp refuses a bool number.*x \| min"):
        tg.ops.clip(mask, min=True)
    with pytest.raises(TypeError, match=r"Invalid type for argument `max`.*max holding bools.*x & max"):
        tg.ops.clip(mask, max=tg.tensor(np.array([False, True]), dtype="bool"))
    with pytest.raises(RuntimeError):     # the reference: torch refuses a bool number bound on a bool tensor
        torch.clamp(torch.tensor([True, False]), min=True)


@pytest.mark.parametrize("backend", ["numpy", "array_api_strict"])
def test_integer_to_negative_integer_power_is_refused_where_torch_truncates(backend):
    """A difference kept on purpose (docs/concepts.md): NumPy's rule here, where torch computes and truncates."""
    base, exponent = np.array([3, -2, 1, -1]), np.array([-2, -3, -5, -3])
    np.testing.assert_array_equal((torch.from_numpy(base) ** torch.from_numpy(exponent)).numpy(), [0, 0, 1, -1])
    t = tg.tensor(base, dtype="int64", backend=backend)
    with pytest.raises(ValueError, match="integers to negative integer powers are not allowed.*astype"):
        t ** tg.tensor(exponent, dtype="int64", backend=backend)
    with pytest.raises(ValueError, match="integers to negative integer powers are not allowed"):
        t ** -2
    with pytest.raises(RuntimeError, match="negative integer powers"):     # torch refuses a negative number too
        torch.from_numpy(base) ** -2
