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


# ---- s51: the shifts, and the augmented assignments &=, |=, ^=, <<=, >>= written in place, as PyTorch
IN_PLACE = {"&=": "__iand__", "|=": "__ior__", "^=": "__ixor__", "<<=": "__ilshift__", ">>=": "__irshift__"}
SHIFTS = {"<<": lambda a, b: a << b, ">>": lambda a, b: a >> b}


@pytest.mark.parametrize("backend", ["numpy", "array_api_strict"])
@pytest.mark.parametrize("symbol", list(SHIFTS))
@pytest.mark.parametrize("left, right", [("int64", "int64"), ("int8", "int64"), ("uint8", "uint8"),
                                         ("int16", "int8"), ("bool", "int64"), ("int64", "bool")])
def test_shifts_as_pytorch(backend, symbol, left, right):
    """Values and dtypes of ``torch.bitwise_left_shift``/``right_shift``, with shifts past the dtype's width and
    negative ones (0, or -1 for a negative number shifted right)."""
    if backend == "array_api_strict":
        pytest.importorskip("array_api_strict")
    values = {"int64": [3, -8, 1, -1, 5, 7], "int8": [3, -8, 100, -1, 5, 7], "uint8": [3, 200, 1, 255, 5, 7],
              "int16": [3, -8, 1000, -1, 5, 7], "bool": [True, False, True, True, False, True]}
    amounts = {"int64": [1, 3, 64, 70, -1, 0], "int8": [1, 3, 9, -2, 0, 7], "uint8": [1, 3, 9, 200, 0, 7],
               "bool": [True, True, False, True, False, True]}
    op = SHIFTS[symbol]
    a = tg.Tensor(np.array(values[left]), dtype=left, backend=backend)
    b = tg.Tensor(np.array(amounts[right]), dtype=right, backend=backend)
    theirs = op(torch.tensor(values[left], dtype=getattr(torch, left)),
                torch.tensor(amounts[right], dtype=getattr(torch, right)))
    ours = op(a, b)
    assert tg.backend.dtype_name(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    assert ours.tolist() == theirs.tolist()
    i = tg.Tensor(np.array(values[left]), dtype=left, backend=backend)
    assert op(i, 2).tolist() == op(torch.tensor(values[left], dtype=getattr(torch, left)), 2).tolist()
    right_side = tg.Tensor(np.array([1, 3]), dtype="int64", backend=backend)
    assert op(2, right_side).tolist() == op(2, torch.tensor([1, 3])).tolist()


INTEGERS = ["int8", "uint8", "int16", "int32", "int64"]


@pytest.mark.parametrize("backend", ["numpy", "array_api_strict"])
@pytest.mark.parametrize("symbol", list(SHIFTS))
@pytest.mark.parametrize("left, right", [(a, b) for a in INTEGERS for b in INTEGERS if a != b])
def test_shifts_of_mixed_integer_dtypes_as_pytorch(backend, symbol, left, right):
    """Two integer dtypes shift in their promoted dtype, whose width counts (a reviewer found ``int8 [-128] <<
    int16 [8]`` giving 0, the int8 width, where PyTorch gives -32768): every value against every amount just below,
    at and above each width involved, against ``torch.bitwise_left_shift``/``right_shift``; then Python ints and 0-d
    tensors on either side."""
    if backend == "array_api_strict":
        pytest.importorskip("array_api_strict")
    op = SHIFTS[symbol]
    info = np.iinfo(left)
    values = [info.min, info.max, 1, 5, 100] + ([-1, -3] if info.min < 0 else [3, 77])
    bits = {np.iinfo(left).bits, np.iinfo(right).bits, np.iinfo(np.result_type(left, right)).bits}
    amounts = sorted({0, 1, 2} | {w + d for w in bits for d in (-1, 0, 1)} | ({-1, -9} if right[0] == "i" else set()))
    a = tg.Tensor(np.array(values)[:, None], dtype=left, backend=backend)
    b = tg.Tensor(np.array(amounts)[None, :], dtype=right, backend=backend)
    ta = torch.tensor(values, dtype=getattr(torch, left))[:, None]
    tb = torch.tensor(amounts, dtype=getattr(torch, right))[None, :]
    for ours, theirs in ((op(a, b), op(ta, tb)), (op(b, a), op(tb, ta))):
        assert tg.backend.dtype_name(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
        assert ours.tolist() == theirs.tolist()
    # Python ints: the tensor's dtype, as PyTorch, for every amount the tensor's dtype holds (others refused)
    for amount in [n for n in amounts if info.min <= n <= info.max]:
        assert op(a, amount).tolist() == op(ta, amount).tolist()
    assert op(3, b).tolist() == op(3, tb).tolist()
    # 0-d tensors promote as tensors of any shape here (PyTorch lets a 0-d tensor keep the other's dtype, as it
    # does for a + b): the reference is PyTorch's shift by a one-element tensor
    for amount in amounts:
        zero_d = tg.Tensor(np.array(amount), dtype=right, backend=backend)
        assert op(a, zero_d).tolist() == op(ta, torch.tensor([amount], dtype=getattr(torch, right))).tolist()
    for value in values:
        zero_d = tg.Tensor(np.array(value), dtype=left, backend=backend)
        assert op(zero_d, b).tolist() == op(torch.tensor([value], dtype=getattr(torch, left)), tb).tolist()


@pytest.mark.parametrize("symbol", list(SHIFTS))
def test_shifts_refuse_python_amounts_the_dtype_cannot_hold(symbol):
    """A Python shift amount the tensor's dtype cannot hold is refused (this package's rule for every number beside
    an integer tensor), where PyTorch gives 0, or -1 for a negative number shifted right."""
    with pytest.raises(TypeError, match="cannot hold"):
        SHIFTS[symbol](tg.tensor([1, -3], dtype="int8"), 200)
    with pytest.raises(TypeError, match="cannot hold"):
        SHIFTS[symbol](tg.tensor([1, 3], dtype="uint8"), -1)


@pytest.mark.parametrize("symbol", list(SHIFTS))
def test_shifts_refuse_floats_and_two_bools_as_pytorch(symbol):
    op = SHIFTS[symbol]
    for a, b in ((torch.tensor([1.0]), 1), (torch.tensor([1]), 1.5), (torch.tensor([True]), torch.tensor([True]))):
        with pytest.raises(NotImplementedError, match="not implemented for"):
            op(a, b)
    with pytest.raises(TypeError, match="defined for bool and integer tensors"):
        op(tg.tensor([1.0]), 1)
    with pytest.raises(TypeError, match="defined for bool and integer tensors"):
        op(tg.tensor([1], dtype="int64"), 1.5)
    m = tg.tensor([True], dtype="bool")
    with pytest.raises(TypeError, match="not of two bools"):
        op(m, m)


@pytest.mark.parametrize("backend", ["numpy", "array_api_strict"])
@pytest.mark.parametrize("symbol", list(IN_PLACE))
@pytest.mark.parametrize("kind, other", [("bool", "bool"), ("int64", "int64"), ("int8", "int64"),
                                         ("int64", "number"), ("int64", "bool")])
def test_augmented_assignment_writes_in_place_as_pytorch(backend, symbol, kind, other):
    """``t |= other`` is ``t.bitwise_or_(other)``: the same object, every other name and every view of it sees the
    new values (a tester found ``m |= other`` building a new tensor, the views keeping the old values)."""
    if backend == "array_api_strict":
        pytest.importorskip("array_api_strict")
    if kind == "bool" and symbol in ("<<=", ">>="):
        pytest.skip("PyTorch refuses shifts of two bools (tested above)")
    values = {"bool": [[True, False, True], [False, True, False]], "int64": [[6, -5, 3], [0, 12, 7]],
              "int8": [[6, -5, 3], [0, 12, 7]]}
    others = {"bool": [[True, True, False], [False, False, True]], "int64": [[3, 1, 2], [5, 1, 0]],
              "number": 2}
    value = others[other] if other != "bool" or kind == "bool" else [[True, False, True], [True, True, False]]

    def run(lib):
        if lib == "torch":
            t = torch.tensor(values[kind], dtype=getattr(torch, kind))
            o = value if other == "number" else torch.tensor(value, dtype=getattr(torch, other))
        else:
            t = tg.Tensor(np.array(values[kind]), dtype=kind, backend=backend)
            o = value if other == "number" else tg.Tensor(np.array(value), dtype=other, backend=backend)
        alias, row, column = t, t[0], t[:, 1]
        result = getattr(t, IN_PLACE[symbol])(o)
        assert result is alias
        kind_now = str(t.dtype).removeprefix("torch.") if lib == "torch" else tg.backend.dtype_name(t.dtype)
        return t.tolist(), row.tolist(), column.tolist(), kind_now

    assert run("tg") == run("torch")


def test_augmented_assignment_statements_keep_the_object():
    """The statements themselves (Python calls ``__ior__`` and rebinds the name to its result)."""
    m = tg.tensor([[False, False], [False, True]], dtype="bool")
    alias, row = m, m[0]
    m |= tg.tensor([[True, False], [False, False]], dtype="bool")
    assert m is alias and row.tolist() == [True, False]
    i = tg.tensor([5, 6], dtype="int64")
    j = i
    i &= 3
    i ^= 1
    i <<= 2
    i >>= 1
    t = torch.tensor([5, 6])
    t &= 3
    t ^= 1
    t <<= 2
    t >>= 1
    assert j.tolist() == t.tolist()


@pytest.mark.parametrize("symbol", list(IN_PLACE))
def test_augmented_assignment_refusals_as_pytorch(symbol):
    """What PyTorch refuses (a float operand; a result the tensor cannot hold; broadcasting to another shape) is
    refused here too, and the tensor is left unchanged."""
    method = IN_PLACE[symbol]
    with pytest.raises((RuntimeError, NotImplementedError)):
        getattr(torch.tensor([1, 2]), method)(1.5)
    i = tg.tensor([1, 2], dtype="int64")
    with pytest.raises(TypeError, match="defined for bool and integer tensors"):
        getattr(i, method)(1.5)
    with pytest.raises(TypeError):
        getattr(tg.tensor([1.0, 2.0]), method)(1)
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        getattr(torch.tensor([1, 2]), method)(torch.tensor([[1], [2]]))
    with pytest.raises(ValueError, match="cannot be written in place"):
        getattr(i, method)(tg.tensor([[1], [2]], dtype="int64"))
    if symbol not in ("<<=", ">>="):
        with pytest.raises(RuntimeError, match="can't be cast to the desired output type Bool"):
            getattr(torch.tensor([True, False]), method)(torch.tensor([1, 2]))
        m = tg.tensor([True, False], dtype="bool")
        with pytest.raises(TypeError, match="cannot hold"):
            getattr(m, method)(tg.tensor([1, 2], dtype="int64"))
        assert m.tolist() == [True, False]
    assert i.tolist() == [1, 2]


def test_augmented_assignment_counts_the_write():
    """A graph that saved the mask before ``|=`` refuses its backward pass, as PyTorch's version counter does."""
    for lib in (torch, tg):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        m = torch.tensor([True, False]) if lib is torch else tg.tensor([True, False], dtype="bool")
        y = (torch.where(m, x, 0.0) if lib is torch else tg.ops.where(m, x, 0.0)).sum()
        m |= True
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.backward()
