"""Brief s48 f11: the fused loss ops of ``tg.ops.nn`` (``squared_difference``, ``binary_crossentropy``,
``binary_crossentropy_with_logits``) promote an integer or bool operand beside a float one to the float's dtype, as
``+`` does (``promoted_dtype``): ``squared_difference(float16, int64)`` was float64. References: PyTorch's
``mse_loss`` (which takes two dtypes itself), and its ``binary_cross_entropy`` and
``binary_cross_entropy_with_logits`` with the integer operand cast to the float's dtype (they refuse an integer
one: "Found dtype Long but expected Float"); values, dtype and the float operand's gradient."""
import numpy as np
import pytest
from helpers import tensor_on

import tinygradconv as tg
from tinygradconv.backend import dtype_name
from tinygradconv.ops import nn

torch = pytest.importorskip("torch", reason="PyTorch is the reference of the loss ops and of promotion")
F = torch.nn.functional

INTEGERS = ("int64", "int32", "uint8", "bool")
FLOATS = ("float16", "float32", "float64")
TOLERANCE = {"float16": 2e-3, "float32": 1e-6, "float64": 1e-12}

#: the integer operand's values: targets 0 and 1 (probabilities 0 and 1 for binary_crossentropy's ``p``)
ZERO_ONE = np.array([[1, 0, 1], [0, 1, 1]])
#: the float operand's values: probabilities or targets in (0, 1), also fine as logits and as squared_difference's
FLOAT_VALUES = np.array([[0.2, 0.7, 0.45], [0.9, 0.05, 0.6]])

#: name: (ours, PyTorch's, whether PyTorch takes the two dtypes itself)
OPS = {
    "squared_difference": (nn.squared_difference, lambda a, b: F.mse_loss(a, b, reduction="none"), True),
    "binary_crossentropy": (nn.binary_crossentropy, lambda p, y: F.binary_cross_entropy(p, y, reduction="none"),
                            False),
    "binary_crossentropy_with_logits": (
        nn.binary_crossentropy_with_logits,
        lambda x, y: F.binary_cross_entropy_with_logits(x, y, reduction="none"), False),
}


def _ints(kind):
    return ZERO_ONE.astype(kind)


@pytest.mark.parametrize("name", sorted(OPS))
@pytest.mark.parametrize("integer", INTEGERS)
@pytest.mark.parametrize("floating", FLOATS)
@pytest.mark.parametrize("integer_first", [False, True])
def test_an_integer_beside_a_float_gives_the_floats_dtype_as_torch(name, integer, floating, integer_first):
    ours_op, torch_op, takes_two_dtypes = OPS[name]
    ints, floats = _ints(integer), FLOAT_VALUES.astype(floating)
    a = tg.tensor(ints, dtype=integer)
    b = tg.tensor(floats, dtype=floating, requires_grad=True)
    tb = torch.tensor(floats, requires_grad=True)
    ta = torch.tensor(ints) if takes_two_dtypes else torch.tensor(ints).to(tb.dtype)
    args, torch_args = ((a, b), (ta, tb)) if integer_first else ((b, a), (tb, ta))
    expected = torch_op(*torch_args)
    result = ours_op(*args)
    assert str(expected.dtype) == f"torch.{floating}"
    assert dtype_name(result.dtype) == floating
    tol = TOLERANCE[floating]
    np.testing.assert_allclose(result.numpy().astype(np.float64), expected.detach().double().numpy(),
                               rtol=tol, atol=tol)
    result.sum().backward()
    expected.sum().backward()
    assert a.grad is None
    assert dtype_name(b.grad.dtype) == floating
    np.testing.assert_allclose(b.grad.numpy().astype(np.float64), tb.grad.double().numpy(), rtol=tol, atol=tol)


def test_the_example_of_the_review():
    """The reviewer's case: ours was float64 in every op but ``(a - y) ** 2``."""
    a = tg.tensor([0.2, 0.7])
    h = tg.tensor([0.2, 0.7], dtype="float16")
    y = tg.tensor([1, 0], dtype="int64")
    dtypes = [dtype_name(t.dtype) for t in (
        (a - y) ** 2, nn.squared_difference(a, y), nn.squared_difference(h, y), nn.binary_crossentropy(a, y),
        nn.binary_crossentropy_with_logits(h, y))]
    ta, ty = torch.tensor([0.2, 0.7]), torch.tensor([1, 0])
    expected = [(ta - ty) ** 2, F.mse_loss(ta, ty, reduction="none"), F.mse_loss(ta.half(), ty, reduction="none"),
                F.binary_cross_entropy(ta, ty.float(), reduction="none"),
                F.binary_cross_entropy_with_logits(ta.half(), ty.half(), reduction="none")]
    assert dtypes == [str(t.dtype).removeprefix("torch.") for t in expected]
    assert dtypes == ["float32", "float32", "float16", "float32", "float16"]


@pytest.mark.parametrize("name", sorted(OPS))
@pytest.mark.parametrize("integer", INTEGERS)
def test_every_backend_gives_the_floats_dtype(backend, name, integer):
    """array_api_strict refuses mixed kinds itself: the cast is the package's, so it computes too (float32; it has
    no float16)."""
    ours_op, torch_op, takes_two_dtypes = OPS[name]
    ints, floats = _ints(integer), FLOAT_VALUES.astype("float32")
    a = tensor_on(ints, backend, dtype=integer)
    b = tensor_on(floats, backend, requires_grad=True, dtype="float32")
    result = ours_op(b, a)
    tb = torch.tensor(floats)
    ta = torch.tensor(ints) if takes_two_dtypes else torch.tensor(ints).float()
    assert dtype_name(result.dtype) == "float32"
    np.testing.assert_allclose(result.numpy(), torch_op(tb, ta).numpy(), rtol=1e-6)
    result.sum().backward()
    assert dtype_name(b.grad.dtype) == "float32"


@pytest.mark.parametrize("pair", [("int8", "uint8"), ("bool", "int64"), ("int32", "int64")])
def test_two_integer_operands_of_squared_difference_promote_as_torch(pair):
    """No float: the integer result type (``int8`` and ``uint8``: int16), as ``(a - b) ** 2`` in PyTorch."""
    first, second = pair
    a_values, b_values = np.array([3, 0, 1]).astype(first), np.array([1, 1, 0]).astype(second)
    result = nn.squared_difference(tg.tensor(a_values, dtype=first), tg.tensor(b_values, dtype=second))
    ta, tb = torch.tensor(a_values), torch.tensor(b_values)
    expected = (ta.to(torch.result_type(ta, tb)) - tb) ** 2
    assert dtype_name(result.dtype) == str(expected.dtype).removeprefix("torch.")
    assert result.tolist() == expected.tolist()
