"""Brief s48 b2: an integer or bool tensor beside a float tensor gives the float's dtype (``int64 + float32`` is
float32, ``int64 + float16`` float16), in every binary operator, ``maximum``/``minimum``, ``where``, ``concat``,
``stack``, ``clip`` with tensor bounds and the in-place ``add_``, as PyTorch 2 and Keras 3 give it (NumPy would
give float64). References: PyTorch's own ops on the same tensors (dtype, values, the float operand's gradient), and
``keras.ops.concatenate``/``keras.ops.stack`` for the joins."""
import numpy as np
import pytest
from helpers import tensor_on

import tinygradconv as tg
from tinygradconv import ops
from tinygradconv.backend import dtype_name
from tinygradconv.ops.elementwise import promoted_dtype

torch = pytest.importorskip("torch", reason="PyTorch is the reference of integer and float promotion")

INTEGERS = ("int8", "int16", "int32", "int64", "uint8", "bool")
FLOATS = ("float16", "float32", "float64")
PAIRS = [(i, f) for i in INTEGERS for f in FLOATS]

INTEGER_VALUES = {"bool": np.array([[True, False, True], [False, True, True]])}
FLOAT_VALUES = np.array([[0.5, 1.25, 2.0], [1.5, 0.75, 3.0]])
TOLERANCE = {"float16": 2e-3, "float32": 1e-6, "float64": 1e-12}


def integer_values(kind):
    return INTEGER_VALUES.get(kind, np.array([[1, 2, 3], [3, 1, 2]])).astype(kind)


def torch_tensor(values, requires_grad=False):
    return torch.tensor(values, requires_grad=requires_grad)


#: name: (ours, PyTorch's, differentiable). ``a`` is the first operand, ``b`` the second, in both orders.
BINARY = {
    "add": (lambda a, b: a + b, lambda a, b: a + b, True),
    "sub": (lambda a, b: a - b, lambda a, b: a - b, True),
    "mul": (lambda a, b: a * b, lambda a, b: a * b, True),
    "truediv": (lambda a, b: a / b, lambda a, b: a / b, True),
    "floordiv": (lambda a, b: a // b, lambda a, b: a // b, False),      # no gradient in either
    "mod": (lambda a, b: a % b, lambda a, b: a % b, False),
    "pow": (lambda a, b: a ** b, lambda a, b: a ** b, True),
    "maximum": (ops.maximum, torch.maximum, True),
    "minimum": (ops.minimum, torch.minimum, True),
    "where": (lambda a, b: ops.where(tg.tensor([True, False, True], dtype="bool"), a, b),
              lambda a, b: torch.where(torch.tensor([True, False, True]), a, b), True),
    "concat": (lambda a, b: ops.concat([a, b], axis=1), lambda a, b: torch.cat([a, b], dim=1), True),
    "stack": (lambda a, b: ops.stack([a, b]), lambda a, b: torch.stack([a, b]), True),
    "clip": (lambda a, b: ops.clip(a, b, b + 2), lambda a, b: torch.clamp(a, b, b + 2), True),
    # torch.matmul refuses two dtypes: the reference casts the integer one to the result's dtype, as Keras does
    "matmul": (lambda a, b: a @ b.T, lambda a, b: a.to(torch.result_type(a, b)) @ b.T.to(torch.result_type(a, b)),
               True),
}


def _pairs_in_both_orders():
    return [(i, f, integer_first) for i, f in PAIRS for integer_first in (True, False)]


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("integer, floating, integer_first", _pairs_in_both_orders())
def test_an_integer_beside_a_float_gives_the_floats_dtype_as_torch(name, integer, floating, integer_first):
    """Dtype, values and the float operand's gradient (its dtype and values) against PyTorch's op."""
    ours_op, torch_op, differentiable = BINARY[name]
    ints, floats = integer_values(integer), FLOAT_VALUES.astype(floating)
    a = tg.tensor(ints, dtype=integer)
    b = tg.tensor(floats, dtype=floating, requires_grad=differentiable)
    ta, tb = torch_tensor(ints), torch_tensor(floats, requires_grad=differentiable)
    args, torch_args = ((a, b), (ta, tb)) if integer_first else ((b, a), (tb, ta))
    if name == "sub" and integer == "bool":              # `-` refuses a bool operand in both
        with pytest.raises(RuntimeError):
            torch_op(*torch_args)
        with pytest.raises(TypeError, match="Invalid type for argument"):
            ours_op(*args)
        return
    expected = torch_op(*torch_args)
    result = ours_op(*args)
    assert str(expected.dtype) == f"torch.{floating}"
    assert dtype_name(result.dtype) == floating
    np.testing.assert_allclose(result.numpy().astype(np.float64), expected.detach().double().numpy(),
                               rtol=TOLERANCE[floating], atol=TOLERANCE[floating])
    if differentiable:
        result.sum().backward()
        if name == "pow" and integer == "bool" and not integer_first:
            # torch's backward of float ** bool subtracts 1 from the bool exponent and fails ("Subtraction ... with
            # a bool tensor is not supported"): its gradient is that of the exponent as 0.0 and 1.0
            expected = torch_op(tb, ta.to(tb.dtype))
        expected.sum().backward()
        assert dtype_name(b.grad.dtype) == floating and str(tb.grad.dtype) == f"torch.{floating}"
        np.testing.assert_allclose(b.grad.numpy().astype(np.float64), tb.grad.double().numpy(),
                                   rtol=TOLERANCE[floating], atol=TOLERANCE[floating])


@pytest.mark.parametrize("integer, floating", PAIRS)
def test_comparisons_compare_in_the_floats_dtype_as_torch(integer, floating):
    """``int32 2**24 + 1 == float32 2**24`` is True in PyTorch (compared in float32), as here; bool results."""
    big = {"int8": 127, "int16": 2049, "int32": 2**24 + 1, "int64": 2**24 + 1, "uint8": 255, "bool": True}[integer]
    ints = np.array([big, 0]).astype(integer)
    floats = ints.astype(floating)
    ta, tb = torch_tensor(ints), torch_tensor(floats)
    a, b = tg.tensor(ints, dtype=integer), tg.tensor(floats, dtype=floating)
    for ours, theirs in ((a == b, ta == tb), (a < b, ta < tb), (b >= a, tb >= ta)):
        assert dtype_name(ours.dtype) == "bool"
        assert ours.tolist() == theirs.tolist()


@pytest.mark.parametrize("integer, floating", PAIRS)
def test_promoted_dtype_is_torchs_result_type(integer, floating):
    """The one rule every op uses, in either order, against ``torch.result_type`` of two tensors."""
    expected = str(torch.result_type(torch.zeros(1, dtype=getattr(torch, integer)),
                                     torch.zeros(1, dtype=getattr(torch, floating)))).removeprefix("torch.")
    assert promoted_dtype(integer, floating) == promoted_dtype(floating, integer) == expected == floating


def test_three_dtypes_promote_pairwise_as_torch_cat():
    """``[int8, uint8, float16]``: the integers (int16) lose to the float, as ``torch.cat``."""
    pieces = [np.array([1, 2], dtype="int8"), np.array([200], dtype="uint8"), np.array([0.5], dtype="float16")]
    expected = torch.cat([torch.from_numpy(p) for p in pieces])
    result = ops.concat([tg.tensor(p, dtype=p.dtype.name) for p in pieces])
    assert dtype_name(result.dtype) == str(expected.dtype).removeprefix("torch.") == "float16"
    assert result.tolist() == expected.tolist()
    assert promoted_dtype("int8", "uint8", "float16") == "float16"


@pytest.mark.parametrize("integer, floating", PAIRS)
def test_concat_and_stack_give_keras_dtype(integer, floating):
    """``keras.ops.concatenate`` and ``keras.ops.stack`` (torch backend) of an integer and a float tensor."""
    keras = pytest.importorskip("keras", reason="Keras 3 is the reference of concatenate's dtype")
    ints, floats = integer_values(integer), FLOAT_VALUES.astype(floating)
    for pieces in ((ints, floats), (floats, ints)):
        ours = [tg.tensor(p, dtype=p.dtype.name) for p in pieces]
        for our_join, keras_join in ((ops.concat, keras.ops.concatenate), (ops.stack, keras.ops.stack)):
            expected = keras_join([torch.from_numpy(p) for p in pieces]).numpy()     # (a torch tensor)
            result = our_join(ours)
            assert dtype_name(result.dtype) == expected.dtype.name == floating
            np.testing.assert_array_equal(result.numpy(), expected)


@pytest.mark.parametrize("integer", INTEGERS)
@pytest.mark.parametrize("floating", ["float32", "float64"])       # (array_api_strict has no float16)
def test_every_backend_gives_the_floats_dtype(backend, integer, floating):
    """array_api_strict refuses mixed kinds itself and NumPy/CuPy would give float64: the cast is the package's,
    so every backend gives PyTorch's dtype and values (``a * b``, ``maximum``, ``where``, ``concat``, ``@``)."""
    ints, floats = integer_values(integer), FLOAT_VALUES.astype(floating)
    a = tensor_on(ints, backend, dtype=integer)
    b = tensor_on(floats, backend, requires_grad=True, dtype=floating)
    ta, tb = torch_tensor(ints), torch_tensor(floats)
    cases = [(a * b, ta * tb), (ops.maximum(b, a), torch.maximum(tb, ta)),
             (ops.where(a > 1, a, b), torch.where(ta > 1, ta, tb)),
             (ops.concat([a, b]), torch.cat([ta, tb])), (a @ b.T, ta.to(tb.dtype) @ tb.T)]
    for result, expected in cases:
        assert dtype_name(result.dtype) == floating
        np.testing.assert_allclose(result.numpy(), expected.numpy(), rtol=TOLERANCE[floating])
    sum(result.sum() for result, _ in cases).backward()
    assert dtype_name(b.grad.dtype) == floating


@pytest.mark.parametrize("integer, floating", PAIRS)
def test_numpy_integer_arrays_beside_a_float_tensor_take_its_dtype(integer, floating):
    """A NumPy integer or bool array on either side of a float tensor, as a PyTorch tensor of it would be."""
    ints, floats = integer_values(integer), FLOAT_VALUES.astype(floating)
    t = tg.tensor(floats, dtype=floating)
    expected = torch_tensor(floats) * torch_tensor(ints)
    for result in (t * ints, ints * t):
        assert dtype_name(result.dtype) == floating == str(expected.dtype).removeprefix("torch.")
        np.testing.assert_allclose(result.numpy(), expected.numpy(), rtol=TOLERANCE[floating])


@pytest.mark.parametrize("integer, floating", PAIRS)
def test_in_place_add_of_an_integer_keeps_the_float_tensor_and_an_integer_self_refuses(integer, floating):
    """``float_t.add_(int_t)`` is float (values as torch); ``int_t.add_(float_t)`` is refused, as PyTorch ("result
    type Float can't be cast to the desired output type Long")."""
    ints, floats = integer_values(integer), FLOAT_VALUES.astype(floating)
    ours, theirs = tg.tensor(floats, dtype=floating), torch_tensor(floats)
    ours.add_(tg.tensor(ints, dtype=integer))
    theirs.add_(torch_tensor(ints))
    assert dtype_name(ours.dtype) == floating
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=TOLERANCE[floating])
    with pytest.raises(RuntimeError):
        torch_tensor(ints).add_(torch_tensor(floats))
    with pytest.raises(TypeError, match="Invalid type for argument"):
        tg.tensor(ints, dtype=integer).add_(tg.tensor(floats, dtype=floating))


def test_the_example_of_the_brief():
    """``tg.tensor([0, 1, 2], dtype="int64") + tg.tensor([1., 2., 3.])`` was float64; PyTorch gives float32."""
    result = tg.tensor([0, 1, 2], dtype="int64") + tg.tensor([1.0, 2.0, 3.0])
    expected = torch.tensor([0, 1, 2]) + torch.tensor([1.0, 2.0, 3.0])
    assert dtype_name(result.dtype) == "float32" and expected.dtype == torch.float32
    assert result.tolist() == expected.tolist()
