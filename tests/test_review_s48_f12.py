"""Review fixes s48 f12: clamp_ with a bound of a wider dtype keeps the tensor's dtype (as torch 2.13), rsqrt and
reciprocal (as torch 2.13), Masking's float mask_value on integer inputs (as Keras 3.15.1), squared_difference of
two bool tensors refused in the package's wording (as torch refuses it)."""
import numpy as np
import pytest

import tinygradconv as tg

torch = pytest.importorskip("torch")


def ours(values, dtype, **kwargs):
    return tg.tensor(np.array(values), dtype=dtype, **kwargs)


def theirs(values, dtype, **kwargs):
    return torch.tensor(np.array(values), dtype=getattr(torch, dtype), **kwargs)


# ------------------------------------------------------------------------------------------------- 1. clamp_
@pytest.mark.parametrize("dtype, bound_dtype, values, low, high", [
    ("float16", "float32", [1.0, 2.0, 3.0], [2.0, 2.0, 2.0], None),
    ("float16", "float64", [2048.0, 1.0, 7.0], [2049.5, 0.5, float("nan")], None),
    ("float16", "float32", [2048.0, 1.0], None, [2047.3, 0.1]),
    ("int32", "int64", [1, 5, 9], [2, 2, 2], [7, 7, 7]),
    ("int32", "int64", [1, 3], [2**32 - 1, 2**32 + 2], None),      # compared in int64, then wrapped: [-1, 2]
    ("int32", "int64", [1, 3], None, [2**32 - 1, 2**32 + 2]),
    ("uint8", "int64", [1, 200], [-1, 300], None),
    ("float32", "float64", [0.1, 5.0], [0.10000000001, 1.0], [0.2, 4.0]),
])
def test_clamp_in_place_with_a_wider_bound_keeps_the_dtype_as_torch(dtype, bound_dtype, values, low, high):
    x, tx = ours(values, dtype), theirs(values, dtype)
    bounds = [None if b is None else ours(b, bound_dtype) for b in (low, high)]
    t_bounds = [None if b is None else theirs(b, bound_dtype) for b in (low, high)]
    assert x.clamp_(*bounds) is x
    tx.clamp_(*t_bounds)
    assert str(tx.dtype) == f"torch.{dtype}" and x.dtype == dtype
    np.testing.assert_array_equal(x.numpy(), tx.numpy())


def test_clamp_in_place_with_a_wider_bound_on_the_strict_backend():
    pytest.importorskip("array_api_strict")
    x = tg.Tensor(np.array([1, 3]), dtype="int32", backend="array_api_strict")
    x.clamp_(tg.Tensor(np.array([2**32 - 1, 2**32 + 2]), dtype="int64", backend="array_api_strict"), None)
    tx = torch.tensor([1, 3], dtype=torch.int32).clamp_(torch.tensor([2**32 - 1, 2**32 + 2]), None)
    assert tg.backend.dtype_name(x.dtype) == "int32" and x.tolist() == tx.tolist() == [-1, 2]


def test_clamp_in_place_with_a_wider_bound_recorded_with_gradients_as_torch():
    a, ta = ours([1.0, 2.0, 3.0], "float16", requires_grad=True), theirs([1.0, 2.0, 3.0], "float16", requires_grad=True)
    b, tb = ours([2.0, 2.5, 2.0], "float32", requires_grad=True), theirs([2.0, 2.5, 2.0], "float32",
                                                                          requires_grad=True)
    y, ty = a * 1, ta * 1
    y.clamp_(b, None)
    ty.clamp_(tb, None)
    assert y.dtype == "float16" and y.tolist() == ty.tolist() == [2.0, 2.5, 3.0]
    (y * ours([1.0, 2.0, 3.0], "float16")).sum().backward()
    (ty * theirs([1.0, 2.0, 3.0], "float16")).sum().backward()
    assert a.grad.dtype == "float16" and b.grad.dtype == "float32"
    assert a.grad.tolist() == ta.grad.tolist() == [0.0, 0.0, 3.0]
    assert b.grad.tolist() == tb.grad.tolist() == [1.0, 2.0, 0.0]


@pytest.mark.parametrize("dtype, bound_dtype, bound", [("int32", "float32", [2.5]), ("int64", "float16", [0.5]),
                                                       ("bool", "int64", [2])])
def test_clamp_in_place_with_a_bound_of_another_kind_still_refused_as_torch(dtype, bound_dtype, bound):
    start = [True] if dtype == "bool" else [1]
    with pytest.raises(RuntimeError, match="can't be cast"):
        theirs(start, dtype).clamp_(theirs(bound, bound_dtype), None)
    with pytest.raises(TypeError, match=f"Invalid type for argument `min` of clamp_: a {bound_dtype} Tensor .* "
                                        f"cannot be written into this {dtype} tensor"):
        ours(start, dtype).clamp_(ours(bound, bound_dtype), None)
