"""Brief s47, item 5: ``x.sub(mask, alpha=2)`` refused by the rule of ``-`` (one message, which names the argument
``other`` of sub), the dtype of ``x.add(y, alpha=a)`` by the promotion of ``+`` (one function,
``ops.elementwise.promoted_dtype``)."""
import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv.ops.elementwise import promoted_dtype

torch = pytest.importorskip("torch", reason="PyTorch is the reference of add(alpha=) and its refusals")


@pytest.mark.parametrize("kind", ["float32", "int64", "bool"])
def test_sub_with_alpha_refuses_a_bool_by_the_rule_of_minus(backend, kind):
    """The same words as ``x - mask`` (one refusal), with the argument named: ``other`` of sub."""
    if kind == "bool" and backend == "cupy":
        pytest.skip("covered on the other backends")
    x = tg.tensor(np.array([1, 0]), dtype=kind, backend=backend)
    mask = tg.tensor([True, False], dtype="bool", backend=backend)
    tx, tm = torch.tensor([1, 0], dtype=getattr(torch, kind)), torch.tensor([True, False])
    with pytest.raises(RuntimeError, match="Subtraction, the `-` operator, with (a bool tensor|two bool tensors)"):
        tx.sub(tm, alpha=2)
    with pytest.raises(TypeError) as by_operator:
        x - mask
    with pytest.raises(TypeError) as by_method:
        x.sub(mask, alpha=2)
    operator_words = str(by_operator.value).removeprefix("Invalid type for argument: ")
    assert str(by_method.value).startswith("Invalid type for argument `other` of sub: " + operator_words)
    assert f"Received a bool tensor of shape (2,) for a {kind} tensor" in str(by_method.value)


PAIRS = [(a, b) for a in ("bool", "int8", "uint8", "int32", "int64", "float16", "float32", "float64")
         for b in ("bool", "int8", "uint8", "int32", "int64", "float16", "float32", "float64")]


@pytest.mark.parametrize("a, b", PAIRS)
def test_the_dtype_of_add_with_alpha_is_that_of_plus(a, b):
    """One rule for both (``promoted_dtype``), against NumPy's ``+`` of two arrays (a bool beside a number takes
    the number's dtype, as NumPy and PyTorch; two bools stay bool)."""
    expected = (np.zeros(1, a) + np.zeros(1, b)).dtype.name if "bool" not in (a, b) or a == b else \
        (b if a == "bool" else a)
    assert promoted_dtype(a, b) == expected
    x, y = tg.tensor(np.ones(2), dtype=a), tg.tensor(np.ones(2), dtype=b)
    if a == b == "bool":
        assert x.add(y, alpha=True).dtype == "bool"
    else:
        assert x.add(y, alpha=3).dtype == (x + y).dtype == expected
