"""``&``, ``|``, ``^`` of bool and integer tensors, as PyTorch's ``bitwise_and``/``or``/``xor`` (a tester found
``m & m`` unsupported, though masks are combined that way in PyTorch code), on every backend, and refused for
floats as PyTorch refuses them."""
import numpy as np
import pytest

import tinygradconv as tg

torch = pytest.importorskip("torch")

OPERATORS = {"&": lambda a, b: a & b, "|": lambda a, b: a | b, "^": lambda a, b: a ^ b}
OPERANDS = {"bool": [True, True, False, False], "int8": [6, -5, 3, 0], "uint8": [6, 250, 3, 0],
            "int64": [3, 1, -7, 2**40]}


@pytest.mark.parametrize("backend", ["numpy", "array_api_strict"])
@pytest.mark.parametrize("symbol", list(OPERATORS))
@pytest.mark.parametrize("left, right", [("bool", "bool"), ("int8", "int64"), ("bool", "int8"), ("uint8", "uint8"),
                                         ("int64", "bool")])
def test_as_pytorch(backend, symbol, left, right):
    if backend == "array_api_strict":
        pytest.importorskip("array_api_strict")
    op = OPERATORS[symbol]
    a = tg.Tensor(np.array(OPERANDS[left]), dtype=left, backend=backend)
    b = tg.Tensor(np.array(OPERANDS[right][::-1]), dtype=right, backend=backend)
    ta, tb = (torch.tensor(OPERANDS[left], dtype=getattr(torch, left)),
              torch.tensor(OPERANDS[right][::-1], dtype=getattr(torch, right)))
    ours, theirs = op(a, b), op(ta, tb)
    assert tg.backend.dtype_name(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    assert ours.tolist() == theirs.tolist()
    assert not ours.requires_grad


@pytest.mark.parametrize("symbol", list(OPERATORS))
def test_numbers_and_arrays_on_either_side(symbol):
    op = OPERATORS[symbol]
    m = tg.tensor([True, False, True], dtype="bool")
    i = tg.tensor([6, 5, 3], dtype="int64")
    tm, ti = torch.tensor([True, False, True]), torch.tensor([6, 5, 3])
    assert op(i, 3).tolist() == op(ti, 3).tolist() and op(3, i).tolist() == op(3, ti).tolist()
    assert op(True, m).tolist() == op(True, tm).tolist()
    left = np.array([True, True, False])
    assert op(left, m).tolist() == op(torch.from_numpy(left), tm).tolist()     # NumPy hands over to the tensor
    assert isinstance(op(left, m), tg.Tensor)


@pytest.mark.parametrize("symbol", list(OPERATORS))
def test_floats_are_refused_as_pytorch_refuses_them(symbol):
    op = OPERATORS[symbol]
    with pytest.raises(RuntimeError, match="not implemented for 'Float'"):
        op(torch.tensor([1.0]), torch.tensor([True]))
    for a, b in ((tg.tensor([1.0]), tg.tensor([True], dtype="bool")), (tg.tensor([True], dtype="bool"), 1.5),
                 (7, tg.tensor([7.0])), (np.float32(7), tg.tensor([7.0]))):
        with pytest.raises(TypeError, match=rf"`\{symbol}` is defined for bool and integer tensors"):
            op(a, b)


@pytest.mark.parametrize("expression", ["i % b", "f % b", "f // b", "b % i", "b % f", "b // i"])
def test_floor_division_and_remainder_with_one_bool_operand_as_pytorch(expression):
    """A tester found ``f32_t % bool_t`` refused "as in PyTorch"; PyTorch refuses only two bool operands."""
    ours = {"b": tg.tensor([True, True], dtype="bool"), "i": tg.tensor([3, 4], dtype="int64"),
            "f": tg.tensor([2.5, -3.0], requires_grad=True)}
    theirs = {"b": torch.tensor([True, True]), "i": torch.tensor([3, 4]),
              "f": torch.tensor([2.5, -3.0], requires_grad=True)}
    out, expected = eval(expression, {}, ours), eval(expression, {}, theirs)
    assert tg.backend.dtype_name(out.dtype) == str(expected.dtype).removeprefix("torch.")
    assert out.tolist() == expected.tolist()
    if "%" in expression and out.requires_grad:
        out.sum().backward()
        expected.sum().backward()
        assert ours["f"].grad.tolist() == theirs["f"].grad.tolist()


def test_two_bool_operands_of_floor_division_or_remainder_are_refused_as_pytorch():
    with pytest.raises(NotImplementedError, match="not implemented for 'Bool'"):
        torch.tensor([True]) % torch.tensor([True])
    with pytest.raises(TypeError, match=r"`%` is not defined between two bool tensors"):
        tg.tensor([True], dtype="bool") % tg.tensor([True], dtype="bool")
