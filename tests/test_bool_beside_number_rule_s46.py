"""One rule gives the dtype a bool tensor is taken in beside a number, as PyTorch: int64 beside an integer, float32
beside a float (``ops.elementwise.bool_tensor_dtype_beside``); ``Tensor._lift`` (``mask + 2``, ``mask * 2.5``) and
``bool_beside_number`` (``%``, ``//``, ``**``) both read it."""
import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv.ops import elementwise

torch = pytest.importorskip("torch", reason="PyTorch is the reference of the dtype rule")

NUMBERS = [2, 0.5, 2.5, np.int8(2), np.int64(3), np.uint8(1), np.float32(0.5), np.float64(2.0)]
OPERATORS = {"+": lambda a, b: a + b, "*": lambda a, b: a * b, "%": lambda a, b: a % b,
             "//": lambda a, b: a // b, "**": lambda a, b: a ** b, "reflected %": lambda a, b: b % a}


@pytest.mark.parametrize("number", NUMBERS, ids=repr)
def test_the_rule_gives_torchs_dtype(number):
    mask = [True, True]                     # (no False: `3 % mask` would divide by zero)
    for name, op in OPERATORS.items():
        expected = str(op(torch.tensor(mask), number).dtype).removeprefix("torch.")
        assert elementwise.bool_tensor_dtype_beside(number) == expected, name
        assert str(op(tg.tensor(mask, dtype="bool"), number).dtype) == expected, name


def test_both_paths_read_the_one_rule(monkeypatch):
    """Changed in the one place, the rule changes for ``+`` (Tensor._lift) and ``%`` (bool_beside_number) alike."""
    monkeypatch.setattr(elementwise, "bool_tensor_dtype_beside", lambda number: "float64")
    mask = tg.tensor([True, False], dtype="bool")
    assert str((mask + 2).dtype) == "float64" and str((mask % 2).dtype) == "float64"
    assert str((mask * 2.5).dtype) == "float64" and str((3 ** mask).dtype) == "float64"
