"""Review fixes s48 f12: clamp_ with a bound of a wider dtype keeps the tensor's dtype (as torch 2.13), rsqrt and
reciprocal (as torch 2.13), Masking's float mask_value on integer inputs (as Keras 3.15.1), squared_difference of
two bool tensors refused in the package's wording (as torch refuses it)."""
import numpy as np
import pytest
from helpers import keras_on_torch

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


# ------------------------------------------------------------------------------------------ 2. rsqrt, reciprocal
SPECIAL = [0.0, -0.0, float("inf"), float("-inf"), float("nan"), -4.0, -1e-30, 1e-30, 0.25, 2.0, 1e30]


def same(ours_array, theirs_array):
    """Equal values, NaN where NaN, and the same sign of each zero and infinity (a NaN's sign bit is not compared)."""
    np.testing.assert_array_equal(ours_array, theirs_array)
    numbers = ~np.isnan(theirs_array)
    np.testing.assert_array_equal(np.signbit(ours_array[numbers]), np.signbit(theirs_array[numbers]))


@pytest.mark.parametrize("name", ["rsqrt", "reciprocal"])
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_rsqrt_and_reciprocal_values_and_gradients_as_torch(name, dtype):
    # 32 elements: PyTorch's float16 rsqrt rounds once on its vectorised path (blocks of 32), as ours
    values = np.resize(np.array(SPECIAL), 32)
    x, tx = ours(values, dtype, requires_grad=True), theirs(values, dtype, requires_grad=True)
    weights = np.linspace(-2.0, 3.0, 32)
    for out, w in ((getattr(x, name)(), ours(weights, dtype)), (getattr(tg.ops, name)(x), ours(weights, dtype))):
        x.grad = None
        (out * w).sum().backward()
        t_out = getattr(tx, name)()
        tx.grad = None
        (t_out * theirs(weights, dtype)).sum().backward()
        assert out.dtype == dtype
        same(out.detach().numpy(), t_out.detach().numpy())
        same(x.grad.numpy(), tx.grad.numpy())


@pytest.mark.parametrize("name", ["rsqrt", "reciprocal"])
def test_rsqrt_and_reciprocal_of_every_float16_as_torch(name):
    every = np.arange(2**16, dtype=np.uint32).astype(np.uint16).view(np.float16)    # 2048 blocks of 32
    incoming = np.random.default_rng(0).standard_normal(every.size).astype(np.float16)
    x, tx = ours(every, "float16", requires_grad=True), theirs(every, "float16", requires_grad=True)
    out, t_out = getattr(x, name)(), getattr(tx, name)()
    out.backward(ours(incoming, "float16"))
    t_out.backward(theirs(incoming, "float16"))
    same(out.detach().numpy(), t_out.detach().numpy())
    same(x.grad.numpy(), tx.grad.numpy())


def test_rsqrt_float64_against_the_formula():
    x = ours([4.0, 0.01, 1e-200, 3.0], "float64", requires_grad=True)
    out = x.rsqrt()
    out.sum().backward()
    exact = np.array([4.0, 0.01, 1e-200, 3.0])
    np.testing.assert_allclose(out.detach().numpy(), exact ** -0.5, rtol=1e-15)
    np.testing.assert_allclose(x.grad.numpy(), -0.5 * exact ** -1.5, rtol=1e-15)


@pytest.mark.parametrize("name", ["rsqrt", "reciprocal"])
@pytest.mark.parametrize("dtype", ["int32", "int64", "uint8", "bool"])
def test_rsqrt_and_reciprocal_of_integers_are_float32_as_torch_and_keras(name, dtype):
    values = [True, False] if dtype == "bool" else [4, 0, 1]
    out, t_out = getattr(ours(values, dtype), name)(), getattr(theirs(values, dtype), name)()
    assert out.dtype == "float32" and t_out.dtype == torch.float32
    same(out.numpy(), t_out.numpy())
    keras = keras_on_torch("Keras 3 is the reference of keras.ops.rsqrt/reciprocal's dtype")
    if dtype != "bool":
        k_out = getattr(keras.ops, name)(np.array(values, dtype))
        assert str(k_out.dtype).endswith("float32")
        same(getattr(tg.ops, name)(np.array(values, dtype)).numpy(), k_out.detach().cpu().numpy())


@pytest.mark.parametrize("name", ["rsqrt_", "reciprocal_"])
def test_rsqrt_and_reciprocal_in_place_as_torch(name):
    values = [4.0, 0.25, 0.0, -1.0]
    x, tx = ours(values, "float32"), theirs(values, "float32")
    assert getattr(x, name)() is x
    getattr(tx, name)()
    same(x.numpy(), tx.numpy())
    # on an op's output: recorded in the graph, as torch
    w, tw = ours([1.0, 4.0], "float32", requires_grad=True), theirs([1.0, 4.0], "float32", requires_grad=True)
    y, ty = w * 2, tw * 2
    getattr(y, name)()
    getattr(ty, name)()
    assert y.grad_fn.name() == ty.grad_fn.name()[:-1]       # RsqrtBackward (torch: RsqrtBackward0)
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), rtol=1e-6)
    with pytest.raises(RuntimeError, match="leaf"):
        getattr(ours([1.0], "float32", requires_grad=True), name)()


@pytest.mark.parametrize("name", ["rsqrt_", "reciprocal_"])
@pytest.mark.parametrize("dtype", ["int64", "bool"])
def test_rsqrt_and_reciprocal_in_place_of_integers_refused_as_torch(name, dtype):
    values = [True] if dtype == "bool" else [4]
    with pytest.raises(RuntimeError, match="can't be cast"):
        getattr(theirs(values, dtype), name)()
    x = ours(values, dtype)
    with pytest.raises(TypeError, match=f"Invalid type for argument `self` of {name}: an? {dtype} tensor cannot hold "
                                        f"the float32 result"):
        getattr(x, name)()
    assert x.tolist() == values


# ------------------------------------------------------------------------------------------ 3. Masking
MASK_VALUES = [[16777216.5, 16777216.5], 16777216.5, [16777217.0, 16777217.0], 16777217.0, [2048.5, 2048.5], 2048.5,
               [2049, 2049], 2049, [0.1, 0.1], 0.1, np.float64(0.1), -1, [-1, -1], 255, True, [1, True], 3, [3, 3]]


@pytest.mark.parametrize("dtype, first", [("int32", 16777217), ("int64", 16777217), ("uint8", 255), ("int8", -1),
                                          ("bool", True), ("float16", 2049), ("float32", 16777217),
                                          ("float64", 16777217)])
@pytest.mark.parametrize("mask_value", MASK_VALUES, ids=repr)
def test_masking_compares_mask_value_as_keras(dtype, first, mask_value):
    keras = keras_on_torch("Keras 3 is the reference of Masking")
    x = np.array([[[first, first], [3, 3], [1, 1]]]).astype(dtype)
    for direct in (True, False):          # compute_mask on the array, and the mask of a call (float inputs cast)
        theirs_layer, ours_layer = keras.layers.Masking(mask_value=mask_value), tg.layers.Masking(mask_value=mask_value)
        expected = theirs_layer.compute_mask(x) if direct else theirs_layer(x)._keras_mask
        got = ours_layer.compute_mask(x) if direct else ours_layer(x)._keras_mask
        assert got.numpy().tolist() == expected.cpu().tolist()


def test_masking_float_list_on_integer_inputs_compares_in_float32():
    x = np.array([[[16777217, 16777217]]], "int32")      # 16777217 is 16777216 in float32, as 16777216.5 is
    assert tg.layers.Masking(mask_value=[16777216.5, 16777216.5]).compute_mask(x).numpy().tolist() == [[False]]
    assert tg.layers.Masking(mask_value=16777216.5).compute_mask(x).numpy().tolist() == [[False]]
    assert tg.layers.Masking(mask_value=16777216).compute_mask(x).numpy().tolist() == [[True]]     # an int: exact


# ------------------------------------------------------------------------------------------ 4. squared_difference
@pytest.mark.parametrize("b", [np.array([False, True]), True], ids=["a bool tensor", "a bool"])
def test_squared_difference_of_two_bools_refused_in_the_package_wording_as_torch(b):
    from tinygradconv.ops import nn

    a = np.array([True, True])
    with pytest.raises(RuntimeError, match="two bool tensors is not supported"):
        (torch.tensor(a) - (torch.tensor(b) if isinstance(b, np.ndarray) else b)) ** 2
    lifted = ours(b, "bool") if isinstance(b, np.ndarray) else b
    with pytest.raises(TypeError, match="Invalid type for argument `a` and `b` of squared_difference: `-` is not "
                                        "defined between two bool tensors.*logical xor.*Received two bool tensors"):
        nn.squared_difference(ours(a, "bool"), lifted)


def test_squared_difference_of_a_bool_beside_integers_as_keras():
    from tinygradconv.ops import nn

    keras = keras_on_torch("Keras 3 is the reference of a bool beside an integer tensor")
    a, b = np.array([True, False, True]), np.array([1, 3, -2], "int32")
    expected = keras.ops.square(keras.ops.subtract(a, b))
    got = nn.squared_difference(ours(a, "bool"), ours(b, "int32"))
    assert got.dtype == "int32" and got.tolist() == expected.cpu().tolist() == [0, 9, 9]
