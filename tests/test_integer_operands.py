"""Integer tensors with NumPy integer arrays and with numbers they cannot hold, against PyTorch (the arrays as torch
tensors of their own dtype) and NumPy: found by a tester, an int8 tensor had cast an int64 array to int8 (``1000``
wrapped to ``-24``, silently: ``i8 + np.array([1000])`` was ``[-23]`` and ``i8 < np.array([1000])`` False), and
``int_t < 2.5`` was refused."""
import numpy as np
import pytest

import tinygradconv as tg

torch = pytest.importorskip("torch")

PAIRS = [("int8", "int64"), ("int8", "uint8"), ("uint8", "int8"), ("int32", "int64"), ("int16", "uint8"),
         ("bool", "int64"), ("int64", "bool")]
OPERATORS = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
             "<": lambda a, b: a < b, "==": lambda a, b: a == b, ">=": lambda a, b: a >= b,
             "max": "maximum"}


def _values(dtype):
    """Values of an operand array of ``dtype``, some beyond an int8 tensor's range where the dtype holds them."""
    return {"bool": [True, False, True], "uint8": [1, 200, 3], "int8": [1, 100, -3]}.get(dtype, [1, 1000, -3])


@pytest.mark.parametrize("tensor_dtype,array_dtype", PAIRS)
@pytest.mark.parametrize("name", list(OPERATORS))
@pytest.mark.parametrize("reflected", [False, True])
def test_an_integer_array_keeps_its_dtype_beside_an_integer_tensor_as_in_pytorch(tensor_dtype, array_dtype, name,
                                                                                 reflected):
    t_values, a_values = [1, 2, 3] if tensor_dtype != "bool" else [True, False, True], _values(array_dtype)
    t = tg.tensor(np.array(t_values), dtype=tensor_dtype)
    a = np.array(a_values, dtype=array_dtype)
    tt, ta = torch.tensor(t_values, dtype=getattr(torch, tensor_dtype)), torch.from_numpy(a.copy())
    if name == "-" and "bool" in (tensor_dtype, array_dtype):       # both refuse a bool operand of -
        with pytest.raises(RuntimeError, match="Subtraction, the `-` operator, with a bool tensor"):
            (ta - tt) if reflected else (tt - ta)
        with pytest.raises(TypeError, match="Invalid type for argument: `-` does not take a bool operand"):
            t.__rsub__(a) if reflected else t - a
        return
    if name == "max":
        ours, theirs = tg.ops.maximum(t, a), torch.maximum(tt, ta)
    elif reflected and name in ("+", "-", "*"):     # `a + t` itself would be NumPy's operator, which hands over
        reflected_method = {"+": "__radd__", "-": "__rsub__", "*": "__rmul__"}[name]
        ours, theirs = getattr(t, reflected_method)(a), OPERATORS[name](ta, tt)
    else:
        ours, theirs = OPERATORS[name](t, a), OPERATORS[name](tt, ta)
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    assert ours.tolist() == theirs.tolist()


def test_the_wrapped_values_of_the_report_are_gone():
    i8 = tg.tensor(np.array([1, 2]), dtype="int8")
    assert (i8 + np.array([1000, 1])).tolist() == [1001, 3]
    assert (i8 < np.array([1000, 1])).tolist() == [True, False]
    assert (i8 == np.array([257, 2])).tolist() == [False, True]
    assert (i8 @ np.array([100, 100])).item() == 300
    i32 = tg.tensor(np.array([1, 2]), dtype="int32")
    assert (i32 == np.array([2 ** 32 + 1, 2])).tolist() == [False, True]
    u8 = tg.tensor(np.array([1, 2]), dtype="uint8")
    assert (u8 > np.array([-1, -1])).tolist() == [True, True]
    # a floating tensor still casts an integer array to its own dtype (torch: float32 * int64 tensor is float32)
    assert (tg.tensor(np.ones(2, "float32")) * np.array([2, 3])).dtype == "float32"


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int32", "int64", "bool"])
@pytest.mark.parametrize("number", [2.5, -0.5, 2, float("nan"), float("inf"), -float("inf"), np.float32(1.5), True])
def test_an_integer_tensor_compares_with_a_number_it_cannot_hold_as_pytorch(dtype, number):
    values = [0, 1, 2, 3] if dtype in ("uint8", "bool") else [0, 1, 2, -3]
    values = [bool(v) for v in values] if dtype == "bool" else values
    t, tt = tg.tensor(np.array(values), dtype=dtype), torch.tensor(values, dtype=getattr(torch, dtype))
    for op in (lambda a, b: a < b, lambda a, b: a == b, lambda a, b: a >= b, lambda a, b: a != b):
        assert op(t, number).tolist() == op(tt, number).tolist()


def test_an_integer_beyond_the_dtype_compares_as_the_number_it_is():
    """PyTorch casts 1000 to int8 (-24) before comparing (``int8_t < 1000`` is all False there) and raises for
    ``2 ** 70``; NumPy 2 compares the numbers themselves, and so do we (the documented difference)."""
    i8 = tg.tensor(np.array([0, 100, -100]), dtype="int8")
    expected = np.array([0, 100, -100], dtype="int8") < 1000                    # NumPy 2: all True
    assert (i8 < 1000).tolist() == expected.tolist() == [True, True, True]
    assert (i8 > -1000).tolist() == [True, True, True]
    assert (tg.tensor(np.array([1]), dtype="int64") < 2 ** 70).tolist() == [True]


@pytest.mark.parametrize("backend", ["numpy", "array_api_strict"])
def test_bools_beside_numbers_and_mixed_joins_promote_as_numpy_on_every_backend(backend):
    """array-api-strict refused ``bool + int64`` ("Only numeric dtypes are allowed") and ``concat([bool, int8])``
    ("cannot be type promoted together"), where NumPy (the reference) and PyTorch promote."""
    if backend == "array_api_strict":
        pytest.importorskip("array_api_strict")
    b = tg.Tensor(np.array([True, False]), dtype="bool", backend=backend)
    i8 = tg.Tensor(np.array([1, 2]), dtype="int8", backend=backend)
    f64 = tg.Tensor(np.array([1.5, 2.0]), dtype="float64", backend=backend)
    nb, ni8, nf64 = np.array([True, False]), np.array([1, 2], "int8"), np.array([1.5, 2.0])
    for ours, reference in ((b + np.array([2, 3]), nb + np.array([2, 3])), (b * i8, nb * ni8),
                            (f64 * b, nf64 * nb), (tg.ops.concat([b, i8]), np.concatenate([nb, ni8])),
                            (tg.ops.stack([i8, f64]), np.stack([ni8, nf64])),
                            (tg.ops.concat([b, f64]), np.concatenate([nb, nf64]))):
        assert tg.backend.dtype_name(ours.dtype) == reference.dtype.name
        assert ours.tolist() == reference.tolist()
    tb, ti8 = torch.tensor([True, False]), torch.tensor([1, 2], dtype=torch.int8)
    assert (b * i8).tolist() == (tb * ti8).tolist() and str((tb * ti8).dtype) == "torch.int8"
