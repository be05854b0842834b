"""PyTorch porting gaps of 2026-12-07, against PyTorch 2.13: ``t.mT`` / ``t.mH``, ``t.masked_fill_``,
``norm(..., dtype=)`` / ``ops.vector_norm(..., dtype=)``, ``%`` and ``//`` with bool operands, and ``t.unbind``:
values, shapes, dtypes and gradients (of a weighted sum, so that a gradient routed to the wrong place is seen),
float16/32/64, rank 0, empty, NaN, and the errors."""
import math
import re
import warnings

import numpy as np
import pytest

import tinygradconv as tg

torch = pytest.importorskip("torch", reason="PyTorch is the reference of these tests")

TORCH_DTYPES = {"float16": torch.float16, "float32": torch.float32, "float64": torch.float64, "int64": torch.int64,
                "int32": torch.int32, "int8": torch.int8, "uint8": torch.uint8, "bool": torch.bool}


def _pair(array, dtype="float64", requires_grad=None):
    """The same data as a tinygradconv tensor and a torch tensor (requiring grad when floating, by default)."""
    array = np.asarray(array)
    grad = dtype.startswith("float") if requires_grad is None else requires_grad
    return (tg.tensor(array, dtype=dtype, requires_grad=grad),
            torch.tensor(array, dtype=TORCH_DTYPES[dtype], requires_grad=grad))


def _weights(shape, dtype="float64"):
    """Distinct weights, as a tinygradconv tensor and a torch tensor."""
    w = np.arange(1.0, 1.0 + math.prod(shape)).reshape(shape)
    return tg.tensor(w, dtype=dtype), torch.tensor(w, dtype=TORCH_DTYPES[dtype])


def _same(ours, theirs):
    """Values (NaN equal to NaN, the sign of zero included), shape and dtype of ours equal torch's."""
    expected = theirs.detach().numpy()
    got = ours.numpy()
    assert got.shape == expected.shape
    assert str(got.dtype) == str(expected.dtype)
    np.testing.assert_array_equal(got, expected)
    if got.dtype.kind == "f":
        np.testing.assert_array_equal(np.signbit(got), np.signbit(expected))


# ------------------------------------------------------------------------------------------------ mT, mH
@pytest.mark.parametrize("shape", [(2, 3), (4, 2, 3), (2, 1, 3, 2), (0, 3), (2, 0, 4), (1, 1)])
@pytest.mark.parametrize("name", ["mT", "mH"])
def test_mT_and_mH_swap_the_last_two_dims_with_torchs_values_and_gradient(shape, name):
    data = np.random.default_rng(1).standard_normal(shape)
    ours, theirs = _pair(data)
    y_ours, y_theirs = getattr(ours, name), getattr(theirs, name)
    _same(y_ours, y_theirs)
    w_ours, w_theirs = _weights(tuple(y_theirs.shape))
    (y_ours * w_ours).sum().backward()
    (y_theirs * w_theirs).sum().backward()
    _same(ours.grad, theirs.grad)


@pytest.mark.parametrize("dtype", ["float16", "float32", "int64", "uint8", "bool"])
def test_mT_keeps_the_dtype_as_torch(dtype):
    data = np.array([[[1, 0, 1], [0, 0, 1]]])
    ours, theirs = _pair(data, dtype, requires_grad=False)
    _same(ours.mT, theirs.mT)
    _same(ours.mH, theirs.mH)


@pytest.mark.parametrize("name", ["mT", "mH"])
def test_mT_of_rank0_is_the_tensor_with_torchs_warning_and_rank1_is_refused(name):
    x = tg.tensor(2.5)
    with pytest.warns(UserWarning, match=f"{name} of a 0-d tensor"):
        assert getattr(x, name) is x
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert getattr(torch.tensor(2.5), name).item() == 2.5          # torch: the same tensor, with a warning
    with pytest.raises(RuntimeError, match="matrices"):
        getattr(torch.tensor([1.0, 2.0]), name)
    with pytest.raises(ValueError, match=rf"Invalid value: tensor\.{name} is only defined for matrices.*\(2,\)"):
        getattr(tg.tensor([1.0, 2.0]), name)


# ------------------------------------------------------------------------------------------------ masked_fill_
MASKED_FILL_CASES = [((2, 3), [[True, False, True], [False, False, True]], -1.5),
                     ((2, 3), [True, False, True], float("-inf")),                 # the mask broadcast
                     ((2, 3), True, float("nan")),
                     ((), True, 9.0), ((), False, 9.0),
                     ((0, 3), [True, False, True], 1.0)]


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("shape, mask, value", MASKED_FILL_CASES)
def test_masked_fill_in_place_writes_torchs_values_and_returns_the_tensor(shape, mask, value, dtype):
    data = np.random.default_rng(2).standard_normal(shape)
    ours, theirs = _pair(data, dtype, requires_grad=False)
    array = ours.data
    assert ours.masked_fill_(tg.tensor(mask, dtype="bool"), value) is ours
    theirs.masked_fill_(torch.tensor(mask), value)
    _same(ours, theirs)
    assert ours.data is array                                   # in place: the same memory


@pytest.mark.parametrize("dtype, value", [("int64", 7), ("int8", -128), ("uint8", 255), ("bool", True)])
def test_masked_fill_in_place_of_integer_and_bool_tensors(dtype, value):
    ours, theirs = _pair([[1, 0, 1], [0, 1, 1]], dtype, requires_grad=False)
    mask = [[True, False, False], [False, True, False]]
    ours.masked_fill_(tg.tensor(mask, dtype="bool"), value)
    theirs.masked_fill_(torch.tensor(mask), value)
    _same(ours, theirs)


def test_masked_fill_in_place_on_a_leaf_that_requires_grad_is_refused_as_torch_and_allowed_under_no_grad():
    ours, theirs = _pair([1.0, 2.0, 3.0])
    mask = [True, False, True]
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        theirs.masked_fill_(torch.tensor(mask), 0.0)
    with pytest.raises(RuntimeError, match=r"leaf tensor that requires grad cannot be written in place \(t\.masked"):
        ours.masked_fill_(tg.tensor(mask, dtype="bool"), 0.0)
    assert ours.tolist() == [1.0, 2.0, 3.0]                     # nothing written
    with torch.no_grad():
        theirs.masked_fill_(torch.tensor(mask), 0.5)
    with tg.no_grad():
        ours.masked_fill_(tg.tensor(mask, dtype="bool"), 0.5)
    _same(ours, theirs)
    assert ours.requires_grad and ours.is_leaf
    w_ours, w_theirs = _weights((3,))
    (ours * ours * w_ours).sum().backward()                      # the gradient at the new values, as torch
    (theirs * theirs * w_theirs).sum().backward()
    _same(ours.grad, theirs.grad)


def test_masked_fill_in_place_after_a_forward_pass_that_saved_the_tensor_makes_backward_raise_as_torch():
    ours, theirs = _pair([1.0, 2.0, 3.0])
    y_ours, y_theirs = ours.exp(), theirs.exp()                  # exp saves its output for its backward pass
    with torch.no_grad():
        y_theirs.masked_fill_(torch.tensor([True, False, False]), 0.0)
    with tg.no_grad():
        y_ours.masked_fill_(tg.tensor([True, False, False], dtype="bool"), 0.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y_theirs.sum().backward()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y_ours.sum().backward()


def test_masked_fill_in_place_of_a_constant_gives_the_later_gradient_of_torch():
    w_ours, w_theirs = _pair([1.0, 2.0, 3.0])
    c_ours, c_theirs = _pair([5.0, 6.0, 7.0], requires_grad=False)
    c_ours.masked_fill_(tg.tensor([False, True, False], dtype="bool"), -1.0)
    c_theirs.masked_fill_(torch.tensor([False, True, False]), -1.0)
    (w_ours * c_ours).sum().backward()
    (w_theirs * c_theirs).sum().backward()
    _same(w_ours.grad, w_theirs.grad)


def test_masked_fill_in_place_on_an_ops_output_that_requires_grad_is_recorded_as_torch():
    w, tw = tg.tensor([1.0, 2.0, 3.0], requires_grad=True), torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    scores = (w * 2).masked_fill_(tg.tensor([True, False, False], dtype="bool"), 0.0)
    t_scores = (tw * 2).masked_fill_(torch.tensor([True, False, False]), 0.0)
    (scores * scores).sum().backward()
    (t_scores * t_scores).sum().backward()
    assert scores.tolist() == t_scores.tolist() and w.grad.tolist() == tw.grad.tolist()
    value, t_value = tg.tensor(2.0, requires_grad=True), torch.tensor(2.0, requires_grad=True)  # into a constant
    c = tg.tensor([1.0, 2.0]).masked_fill_(tg.tensor([True, True], dtype="bool"), value)
    tc = torch.tensor([1.0, 2.0]).masked_fill_(torch.tensor([True, True]), t_value)
    c.sum().backward()
    tc.sum().backward()
    assert value.grad.item() == t_value.grad.item() == 2.0
    y, ty = w * 2, tw * 2                     # a view of an op's output: recorded as torch (CopySlices)
    y[1:].masked_fill_(tg.tensor([True, False], dtype="bool"), 0.0)
    ty[1:].masked_fill_(torch.tensor([True, False]), 0.0)
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    assert y.tolist() == ty.tolist() and w.grad.tolist() == tw.grad.tolist()
    # out of place, the gradient is torch's in-place one
    ours, theirs = _pair([1.0, 2.0, 3.0])
    s_theirs = theirs * 2
    s_theirs.masked_fill_(torch.tensor([True, False, False]), 0.0)
    s_ours = (ours * 2).masked_fill(tg.tensor([True, False, False], dtype="bool"), 0.0)
    w_ours, w_theirs = _weights((3,))
    (s_ours * w_ours).sum().backward()
    (s_theirs * w_theirs).sum().backward()
    _same(ours.grad, theirs.grad)


def test_masked_fill_in_place_refuses_what_torch_refuses():
    x = tg.tensor([5.0, 6.0, 7.0])
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        torch.tensor([5.0, 6.0, 7.0]).masked_fill_(torch.ones((2, 3), dtype=torch.bool), 1.0)
    with pytest.raises(ValueError, match=r"Invalid value for argument `mask` of masked_fill_: a mask of shape "
                                         r"\(2, 3\) broadcast with the tensor's shape \(3,\) gives \(2, 3\)"):
        x.masked_fill_(tg.tensor(np.ones((2, 3)), dtype="bool"), 1.0)
    with pytest.raises(RuntimeError, match="only supports boolean masks"):
        torch.tensor([5.0, 6.0, 7.0]).masked_fill_(torch.ones(3), 1.0)
    with pytest.raises(TypeError, match="Invalid type for argument `mask` of masked_fill: expected a bool tensor"):
        x.masked_fill_(tg.tensor([1.0, 0.0, 1.0]), 1.0)
    with pytest.raises(TypeError, match="Invalid type for argument `value` of masked_fill"):
        tg.tensor([1, 2], dtype="int64").masked_fill_(tg.tensor([True, False], dtype="bool"), 2.5)
    assert x.tolist() == [5.0, 6.0, 7.0]                        # nothing written


def test_mT_and_masked_fill_in_place_on_array_api_strict():
    pytest.importorskip("array_api_strict")
    x = tg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], backend="array_api_strict")
    assert x.mT.tolist() == [[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]]
    expected = torch.tensor(x.tolist()).masked_fill_(torch.tensor([False, True, True]), -2.0)
    x.masked_fill_(tg.tensor([False, True, True], dtype="bool", backend="array_api_strict"), -2.0)
    assert x.backend.name == "array_api_strict" and x.tolist() == expected.tolist()


# ------------------------------------------------------------------------------------------------ norm(dtype=)
NORM_DTYPE_CASES = [("float16", "float32"), ("float16", "float64"), ("float32", "float64"), ("float32", "float32"),
                    ("float64", "float64"), ("float16", "float16")]


@pytest.mark.parametrize("p", [2, 1, 3, float("inf"), 0])
@pytest.mark.parametrize("dim, keepdim", [(None, False), (1, True), ((0, 1), False)])
@pytest.mark.parametrize("x_dtype, dtype", NORM_DTYPE_CASES)
@pytest.mark.parametrize("spelling", ["norm", "vector_norm"])
def test_norm_with_dtype_computes_and_returns_in_it_with_torchs_values_and_gradient(x_dtype, dtype, p, dim,
                                                                                     keepdim, spelling):
    data = np.array([[3.0, -4.0, 0.0], [1.5, 0.25, -2.0]])
    ours, theirs = _pair(data, x_dtype)
    if spelling == "norm":
        y_ours = ours.norm(p, dim, keepdim, dtype)                          # torch's positional order
        y_theirs = theirs.norm(p, dim, keepdim, dtype=TORCH_DTYPES[dtype])
    else:
        y_ours = tg.ops.vector_norm(ours, p, dim, keepdim, dtype=TORCH_DTYPES[dtype])     # torch's dtype too
        y_theirs = torch.linalg.vector_norm(theirs, p, dim, keepdim, dtype=TORCH_DTYPES[dtype])
    assert str(y_ours.dtype) == dtype
    rtol = 1e-6 if dtype != "float16" else 1e-3
    np.testing.assert_allclose(y_ours.numpy(), y_theirs.detach().numpy(), rtol=rtol)
    w_ours, w_theirs = _weights(tuple(y_theirs.shape), dtype)
    (y_ours * w_ours).sum().backward()
    (y_theirs * w_theirs).sum().backward()
    if p == 0:                      # piecewise constant: no gradient at all, here as in torch (s51)
        assert theirs.grad is None and ours.grad is None
        return
    assert str(ours.grad.dtype) == x_dtype == str(theirs.grad.dtype).rpartition(".")[2]
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-6 if x_dtype != "float16" else 1e-3,
                               atol=1e-7)


def test_norm_with_a_wider_dtype_keeps_what_the_narrow_one_loses_as_torch():
    big = [60000.0, 60000.0]                                           # squares beyond float16's range
    ours = tg.ops.vector_norm(tg.tensor(big, dtype="float16"), dtype="float32")
    theirs = torch.linalg.vector_norm(torch.tensor(big, dtype=torch.float16), dtype=torch.float32)
    _same(ours, theirs)
    assert math.isinf(tg.ops.vector_norm(tg.tensor(big, dtype="float16")).item())
    tiny = [1e-45, 1e-45]                                              # float32 subnormals, squared in float64
    _same(tg.tensor(tiny, dtype="float32").norm(dtype="float64"),
          torch.tensor(tiny, dtype=torch.float32).norm(dtype=torch.float64))


@pytest.mark.parametrize("data", [np.asarray(-2.0), np.zeros((0, 3)), np.array([np.nan, 1.0]),
                                  np.array([np.inf, -1.0])])
def test_norm_with_dtype_of_rank0_empty_nan_and_inf_matches_torch(data):
    ours, theirs = _pair(data, "float32")
    _same(ours.norm(dtype="float64"), theirs.norm(dtype=torch.float64))
    _same(tg.ops.vector_norm(ours, 1, dtype="float64"), torch.linalg.vector_norm(theirs, 1, dtype=torch.float64))


@pytest.mark.parametrize("x_dtype, dtype, error, words", [
    ("float64", "float32", ValueError, ("Invalid value for argument `dtype` of {op}: a float64 tensor's norm is "
                                       "computed in float64 or a wider float, not narrowed to float32")),
    ("float32", "float16", ValueError, "not narrowed to float16"),
    ("float32", "int64", TypeError, ("Invalid type for argument `dtype`. Expected one of ('float16', 'float32', "
                                    "'float64')")),
    ("float32", "bool", TypeError, "Invalid type for argument `dtype`"),
    ("int64", "float32", TypeError, ("Invalid type for argument `x` of {op}: expected a floating-point tensor, also "
                                    "with `dtype`")),
    ("bool", "float32", TypeError, "Received a tensor of dtype bool and dtype=float32"),
])
@pytest.mark.parametrize("op", ["norm", "vector_norm"])
def test_norm_with_dtype_refuses_what_torch_refuses(x_dtype, dtype, error, words, op):
    ours, theirs = _pair([1.0, 2.0], x_dtype, requires_grad=False)
    torch_norm = theirs.norm if op == "norm" else lambda dtype: torch.linalg.vector_norm(theirs, dtype=dtype)
    with pytest.raises(RuntimeError, match="should be|Expected a floating point"):
        torch_norm(dtype=TORCH_DTYPES[dtype])
    with pytest.raises(error, match=re.escape(words.format(op=op))):
        getattr(tg.ops, op)(ours, dtype=dtype)


# ------------------------------------------------------------------------------------------------ bool % and //
def _bool_operands():
    """Named operands, each as (tinygradconv, torch): bool, integer and float tensors (float16/32/64), rank 0 too."""
    data = {"b": ([True, True, False], "bool"), "t": ([True, True, True], "bool"), "b0": (True, "bool"),
            "i32": ([7, -7, 3], "int32"), "i8": ([7, -7, 3], "int8"), "u8": ([7, 200, 3], "uint8"),
            "i0": (3, "int64"), "f16": ([1.5, -2.5, 3.0], "float16"), "f32": ([1.5, -2.5, 3.0], "float32"),
            "f64": ([1.5, -2.5, 3.0], "float64"), "nan": ([np.nan, -np.inf, np.inf], "float32"),
            "e": (np.zeros(0), "bool"), "ef": (np.zeros(0), "float32")}
    return {name: _pair(values, dtype, requires_grad=False) for name, (values, dtype) in data.items()}


BOOL_EXPRESSIONS = [
    # a bool tensor beside a number tensor: its 0 and 1 in the other's dtype (0 divides: inf / nan for floats)
    "f32 % b", "f32 // b", "f16 % b", "f64 // b", "i32 % t", "i32 // t", "i8 % t", "u8 // t", "i0 % t", "nan % b",
    "nan // t", "b % f32", "b // f32", "b % i32", "b // i32", "b % f16", "b0 // f64", "f32 % b0", "ef % e",
    # a bool tensor beside a number that is not a bool: int64 for an int, float32 for a float, as torch
    "b % 2", "b // 2", "b % -3", "b // -3", "b % 2.0", "b // 2.0", "b % 3.5", "b // -0.5", "b % float('nan')",
    "b // float('inf')", "b // 0.0", "b % 2 ** 40", "2 % t", "5 // t", "-5 // t", "2.5 % t", "2.5 // b",
    "b0 % 2", "b0 // 2.0", "e % 2", "e // 2.5", "b % np.int64(2)", "b % np.float64(2.5)",
    # ** of a bool tensor and a number, as torch (int64 / float32), and torch's bool_t ** bool
    "b ** 2", "b ** 2.0", "2 ** b", "2.5 ** b", "b ** True", "b ** False",
]


@pytest.mark.parametrize("expression", BOOL_EXPRESSIONS)
def test_remainder_floor_division_and_power_with_bool_operands_match_torch(expression):
    operands = _bool_operands()
    ours = eval(expression, {"np": np}, {name: pair[0] for name, pair in operands.items()})
    theirs = eval(expression, {"np": np}, {name: pair[1] for name, pair in operands.items()})
    _same(ours, theirs)


@pytest.mark.parametrize("expression", ["b % t", "b // t", "t % b", "b % b0", "b0 // b", "e % e", "b % True",
                                        "b // False", "True % b", "b ** t", "True ** b"])
def test_two_bool_operands_of_remainder_floor_division_and_power_are_refused_as_torch(expression):
    operands = _bool_operands()
    with pytest.raises(NotImplementedError, match="not implemented for 'Bool'"):
        eval(expression, {}, {name: pair[1] for name, pair in operands.items()})
    symbol = re.search(r"(\*\*|//|%)", expression)[1]
    with pytest.raises(TypeError, match=rf"Invalid type for argument: `{re.escape(symbol)}` is not defined between "
                                        rf"two bool tensors, or a bool tensor and a bool"):
        eval(expression, {}, {name: pair[0] for name, pair in operands.items()})


@pytest.mark.parametrize("expression", ["i32 % b", "i32 // b", "b % 0", "b // 0", "7 // b", "7 % b"])
def test_an_integer_division_by_a_false_is_a_zero_division_as_torch(expression):
    operands = _bool_operands()
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        eval(expression, {}, {name: pair[1] for name, pair in operands.items()})
    with pytest.raises(ZeroDivisionError, match="integer division or modulo by zero"):
        eval(expression, {}, {name: pair[0] for name, pair in operands.items()})


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_remainder_by_a_bool_tensor_keeps_torchs_gradient(dtype):
    x_ours, x_theirs = _pair([1.5, -2.5, 3.0, 0.5], dtype)
    mask = [True, True, False, True]
    y_ours = x_ours % tg.tensor(mask, dtype="bool")
    y_theirs = x_theirs % torch.tensor(mask)
    _same(y_ours, y_theirs)
    w_ours, w_theirs = _weights((4,), dtype)
    (y_ours * w_ours).sum().backward()
    (y_theirs * w_theirs).sum().backward()
    _same(x_ours.grad, x_theirs.grad)


def test_a_bool_tensor_beside_a_list_of_numbers_takes_them_as_numbers_not_bools():
    """``mask + [2, 3, 4]`` had cast the list to bool (``[True, True, True]``) and returned the logical or; the
    numbers are numbers of their own, int64 for integers as torch beside a tensor of them (and NumPy; a reviewer
    found float32 here first), float32 for floats."""
    b = tg.tensor([True, True, False], dtype="bool")
    expected = torch.tensor([True, True, False]) + torch.tensor([2, 3, 4])
    assert (b + [2, 3, 4]).tolist() == expected.tolist() and str((b + [2, 3, 4]).dtype) == "int64"
    _same(b * [0.5, 2.0, 3.0], torch.tensor([True, True, False]) * torch.tensor([0.5, 2.0, 3.0]))
    assert (b % [2, 3, 4]).tolist() == (np.array([True, True, False]) % np.array([2, 3, 4])).tolist()
    assert (b + [True, False, True]).tolist() == [True, True, True]          # bools stay bools (logical or)


@pytest.mark.parametrize("number", [np.float64(2.5), np.float32(0.5), np.float64(2.0), np.int64(300), 3, 0.5])
def test_a_number_to_the_power_of_a_bool_tensor_matches_torch(number):
    """It had been refused ("without changing the number"); PyTorch takes the bools as 0 and 1 in the number's
    dtype (float32 for a float, int64 for an integer)."""
    _same(number ** tg.tensor([True, False], dtype="bool"), number ** torch.tensor([True, False]))


# ------------------------------------------------------------------------------------------------ unbind
@pytest.mark.parametrize("shape, dim", [((2, 3), 0), ((2, 3), 1), ((2, 3), -1), ((4,), 0), ((2, 3, 4), -2),
                                        ((0, 3), 0), ((2, 0), 0), ((2, 0), 1), ((1, 1), 0)])
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_unbind_matches_torchs_slices_and_gradients(shape, dim, dtype):
    data = np.random.default_rng(3).standard_normal(shape)
    data.flat[:1] = np.nan                                          # NaN stays where it is
    ours, theirs = _pair(data, dtype)
    pieces_ours, pieces_theirs = ours.unbind(dim), theirs.unbind(dim)
    assert isinstance(pieces_ours, tuple) and len(pieces_ours) == len(pieces_theirs)
    for p_ours, p_theirs in zip(pieces_ours, pieces_theirs):
        _same(p_ours, p_theirs)
    if not pieces_theirs:
        return
    # each piece weighted differently, one left out: its part of the gradient is 0
    loss_ours = sum((k + 1) * (p * _weights(tuple(p.shape), dtype)[0]).sum() for k, p in enumerate(pieces_ours[1:]))
    loss_theirs = sum((k + 1) * (p * _weights(tuple(p.shape), dtype)[1]).sum()
                      for k, p in enumerate(pieces_theirs[1:]))
    if isinstance(loss_theirs, int):                                 # a single piece, left out: no gradient at all
        return
    loss_ours.backward()
    loss_theirs.backward()
    _same(ours.grad, theirs.grad)


def test_unbind_spellings_and_dtypes_as_torch():
    ours, theirs = _pair([[1, 0, 1], [0, 0, 1]], "bool")
    for p_ours, p_theirs in zip(tg.ops.unbind(ours, 1), torch.unbind(theirs, 1)):
        _same(p_ours, p_theirs)
    ours, theirs = _pair([[1, 2], [3, 4]], "int64")
    for p_ours, p_theirs in zip(ours.unbind(axis=1), theirs.unbind(axis=1)):
        _same(p_ours, p_theirs)
    for p_ours, p_theirs in zip(ours.unbind(dim=-1), theirs.unbind(dim=-1)):
        _same(p_ours, p_theirs)
    assert [p.tolist() for p in tg.ops.unbind(np.array([[1.0, 2.0]]))] == [[1.0, 2.0]]


@pytest.mark.parametrize("data, dim, error, words", [
    (2.5, 0, IndexError, "unbind: Dimension specified as 0 but the tensor has no dimensions"),
    (2.5, -1, IndexError, "Dimension specified as -1"),
    ([[1.0, 2.0]], 2, IndexError, "unbind: Dimension out of range: `dim` must be in [-2, 1]"),
    ([[1.0, 2.0]], -3, IndexError, "Dimension out of range"),
    ([[1.0, 2.0]], 1.0, TypeError, "unbind: Invalid type for argument `dim`. Expected an integer. Received dim=1.0"),
    ([[1.0, 2.0]], True, TypeError, "Received dim=True"),
    ([[1.0, 2.0]], None, TypeError, "Received dim=None"),
    (2.5, 1.0, TypeError, "Received dim=1.0"),
])
def test_unbind_refuses_what_torch_refuses(data, dim, error, words):
    with pytest.raises(error):
        torch.tensor(data).unbind(dim)
    with pytest.raises(error, match=re.escape(words)):
        tg.tensor(data).unbind(dim)
