"""cumsum/cumprod keep PyTorch's CPU running total (``cpu_cum_base_kernel``: float32 in double, float16 in float, each
output rounded once), values and gradients, against torch 2.13 (CPU) on every CPU backend; and their ``dtype=``."""
import numpy as np
import pytest
from helpers import same_bits, tensor_on

import tinygradconv as tg

torch = pytest.importorskip("torch")

BACKENDS = ["numpy", "array_api_strict"]


def _both(op, x, g, axis, backend):
    """(ours, torch's) values and input gradients of ``op`` along ``axis`` with the upstream gradient ``g``."""
    a = tensor_on(x, backend, requires_grad=True, dtype=x.dtype.name)
    y = getattr(a, op)(axis)
    y.backward(tensor_on(g, backend, dtype=g.dtype.name))
    b = torch.tensor(x, requires_grad=True)
    yt = getattr(b, op)(axis)
    yt.backward(torch.tensor(g))
    return (np.asarray(y.numpy()), np.asarray(a.grad.numpy())), (yt.detach().numpy(), b.grad.numpy())


@pytest.mark.parametrize("backend", BACKENDS)
def test_long_float32_cumsum_ends_where_torch_does(backend):
    """A float32 running total drifted to 9998.557 here; PyTorch's (a double total) ends at 10000.0."""
    x = np.full(100000, 0.1, np.float32)
    (values, grads), (expected, expected_grads) = _both("cumsum", x, x, 0, backend)
    assert values[-1] == expected[-1] == np.float32(10000.0)
    assert same_bits(values, expected) and same_bits(grads, expected_grads)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("op", ["cumsum", "cumprod"])
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_float32_values_and_gradients_bit_for_bit(backend, op, axis):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((60, 50)).astype(np.float32)
    if op == "cumprod":
        x = (1 + 0.1 * x).astype(np.float32)            # no zero: PyTorch's reversed_cumsum(y * g) / x
    g = rng.standard_normal(x.shape).astype(np.float32)
    (values, grads), (expected, expected_grads) = _both(op, x, g, axis, backend)
    assert same_bits(values, expected)
    assert same_bits(grads, expected_grads)


@pytest.mark.parametrize("op", ["cumsum", "cumprod"])
@pytest.mark.parametrize("shape, axis", [((40, 300), 0), ((3, 30, 300), 1), ((2, 9, 4, 80), -3), ((30, 300), 1)])
def test_slice_by_slice_totals_bit_for_bit(op, shape, axis):
    """Along an axis followed by 256 or more elements side by side in memory, NumPy combines whole slices one after
    the other (``_accumulate_in_place``; the last case takes NumPy's own running total): the same bits as PyTorch's
    running totals, values and gradients."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal(shape).astype(np.float32)
    if op == "cumprod":
        x = (1 + 0.1 * x).astype(np.float32)
    g = rng.standard_normal(x.shape).astype(np.float32)
    (values, grads), (expected, expected_grads) = _both(op, x, g, axis, "numpy")
    assert same_bits(values, expected)
    assert same_bits(grads, expected_grads)


@pytest.mark.parametrize("op", ["cumsum", "cumprod"])
def test_float16_values_and_gradients_bit_for_bit(op):
    """float16: PyTorch keeps a float32 total, and its cumprod gradient rounds each step to float16."""
    rng = np.random.default_rng(4)
    x = (1 + 0.1 * rng.standard_normal((40, 30))).astype(np.float16)
    g = rng.standard_normal(x.shape).astype(np.float16)
    (values, grads), (expected, expected_grads) = _both(op, x, g, 1, "numpy")
    assert same_bits(values, expected)
    assert same_bits(grads, expected_grads)


@pytest.mark.parametrize("backend", BACKENDS)
def test_float32_overflow_and_recovery_as_torch(backend):
    """The double total passes float32's largest number and comes back: the middle output is inf, the last finite
    (a float32 total stays inf)."""
    x = np.array([3e38, 3e38, -3e38, -0.0], np.float32)
    (values, _), (expected, _) = _both("cumsum", x, np.ones_like(x), 0, backend)
    assert same_bits(values, expected)
    assert np.isinf(values[1]) and values[2] == np.float32(3e38)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cumprod_with_zeros_close_to_torch(backend, dtype):
    """PyTorch's zero path: values bit for bit; gradients bit for bit except at each slice's first zero, whose
    sum PyTorch groups differently (its last bits)."""
    rng = np.random.default_rng(5)
    x = (1 + 0.1 * rng.standard_normal((50, 40))).astype(dtype)
    x[rng.random(x.shape) < 0.05] = 0
    g = rng.standard_normal(x.shape).astype(dtype)
    (values, grads), (expected, expected_grads) = _both("cumprod", x, g, 1, backend)
    assert same_bits(values, expected)
    first_zero = (x == 0) & (np.cumsum(x == 0, axis=1) == 1)
    assert same_bits(grads[~first_zero], expected_grads[~first_zero])
    np.testing.assert_allclose(grads, expected_grads, rtol=1e-5 if dtype == np.float32 else 1e-12, atol=1e-6)


@pytest.mark.parametrize("op", ["cumsum", "cumprod"])
@pytest.mark.parametrize("data, dtype", [([1.5, 2.5, -4.0], "float64"), ([1, 2, 3], "float32"),
                                         ([1.7, 2.2, 3.9], "int64"), ([200, 100, 7], "uint8"),
                                         ([True, False, True], "float16")])
def test_dtype_keyword_as_torch(op, data, dtype):
    """``dtype=``: the input cast first, the result in that dtype (torch's uint8 total wraps as ours)."""
    expected = getattr(torch, op)(torch.tensor(data), 0, dtype=getattr(torch, dtype))
    fn = getattr(tg.ops, op)
    for given in (dtype, getattr(torch, dtype), np.dtype(dtype)):
        out = fn(tg.tensor(data), dim=0, dtype=given)
        assert same_bits(out.numpy(), expected.numpy())
    method = getattr(tg.tensor(data), op)             # Tensor.cumprod had no dtype= (found by a reviewer)
    assert same_bits(method(0, dtype=dtype).numpy(), getattr(torch.tensor(data), op)(0, dtype=dtype_of(dtype)).numpy())


def dtype_of(name):
    return getattr(torch, name)


CASTS = [("float32", "float16"), ("float16", "float32"), ("float32", "float64"), ("float64", "float32"),
         ("float64", "float16")]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("op", ["cumsum", "cumprod"])
@pytest.mark.parametrize("source, wanted", CASTS)
@pytest.mark.parametrize("shape, axis", [((300,), 0), ((7, 40), 0), ((7, 40), 1), ((5, 6), None)])
def test_dtype_keyword_gradient_bit_for_bit(backend, op, source, wanted, shape, axis):
    """``cumsum(x, dtype=...)``/``cumprod``: PyTorch computes the gradient in ``x``'s precision
    (``cumsum_backward(grad.to(x.dtype))``, ``cumprod_backward(grad.to(x.dtype), x, dim, result)``), narrowing and
    widening alike; a reviewer found ours computed in ``dtype`` and cast back (float16 sums of a float32 input's
    gradient, off by 0.015). Random inputs and random upstream gradients, values and gradients bit for bit."""
    if backend == "array_api_strict" and "float16" in (source, wanted):
        pytest.skip("array_api_strict has no float16")
    rng = np.random.default_rng(7)
    x = rng.standard_normal(shape).astype(source)
    if op == "cumprod":
        x = (1 + 0.1 * x).astype(source)               # no zero: PyTorch's reversed_cumsum(y * g) / x
    out_shape = (x.size,) if axis is None else shape
    g = rng.standard_normal(out_shape).astype(wanted)
    a = tensor_on(x, backend, requires_grad=True, dtype=source)
    y = getattr(tg.ops, op)(a, axis, dtype=wanted)
    y.backward(tensor_on(g, backend, dtype=wanted))
    b = torch.tensor(x, requires_grad=True)
    yt = getattr(torch, op)(b.reshape(-1) if axis is None else b, 0 if axis is None else axis, dtype=dtype_of(wanted))
    yt.backward(torch.tensor(g))
    assert same_bits(np.asarray(y.numpy()), yt.detach().numpy())
    assert same_bits(np.asarray(a.grad.numpy()), b.grad.numpy())


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("source, wanted", [("float32", "float64"), ("float64", "float32")])
def test_dtype_keyword_cumprod_with_zeros_close_to_torch(backend, source, wanted):
    """With zeros, PyTorch's path at a slice's first zero sums in its own grouping (see CumProd): close, and the
    other positions bit for bit, in ``x``'s dtype."""
    rng = np.random.default_rng(8)
    x = (1 + 0.1 * rng.standard_normal((9, 30))).astype(source)
    x[rng.random(x.shape) < 0.1] = 0
    g = rng.standard_normal(x.shape).astype(wanted)
    a = tensor_on(x, backend, requires_grad=True, dtype=source)
    tg.ops.cumprod(a, 1, dtype=wanted).backward(tensor_on(g, backend, dtype=wanted))
    b = torch.tensor(x, requires_grad=True)
    torch.cumprod(b, 1, dtype=dtype_of(wanted)).backward(torch.tensor(g))
    ours, theirs = np.asarray(a.grad.numpy()), b.grad.numpy()
    first_zero = (x == 0) & (np.cumsum(x == 0, axis=1) == 1)
    assert ours.dtype == theirs.dtype == np.dtype(source)
    assert same_bits(ours[~first_zero], theirs[~first_zero])
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("op", ["cumsum", "cumprod"])
@pytest.mark.parametrize("dtype", ["int32", "int64", "uint8"])
def test_integer_dtype_of_an_input_that_requires_grad_refused(op, dtype):
    """An integer result has no gradient: PyTorch raises "Autograd not support dtype" for an input that requires
    grad; ours raised nothing and cut the result off the graph. Under no_grad, or of a detached input, it is
    computed as PyTorch's."""
    data = [1.5, 2.5, -3.0]
    with pytest.raises(RuntimeError, match="Autograd not support dtype"):
        getattr(torch, op)(torch.tensor(data, requires_grad=True), 0, dtype=dtype_of(dtype))
    x = tg.tensor(data, requires_grad=True)
    with pytest.raises(TypeError, match=f"`dtype` of {op}.*requires grad.*{dtype}"):
        getattr(tg.ops, op)(x, 0, dtype=dtype)
    with pytest.raises(TypeError, match="requires grad"):
        getattr(x, op)(0, dtype=dtype)
    expected = getattr(torch, op)(torch.tensor(data), 0, dtype=dtype_of(dtype)).numpy()
    with tg.no_grad():
        assert same_bits(getattr(tg.ops, op)(x, 0, dtype=dtype).numpy(), expected)
    assert same_bits(getattr(tg.ops, op)(x.detach(), 0, dtype=dtype).numpy(), expected)


def test_dtype_keyword_gradient_comes_back_in_input_dtype():
    x = tg.tensor([1.5, 2.5, 4.0], dtype="float64", requires_grad=True)
    y = x.cumsum(0, dtype="float32")
    y.backward(tg.tensor([1.0, 2.0, 3.0], dtype="float32"))
    assert y.dtype == "float32" and x.grad.dtype == "float64"
    assert x.grad.tolist() == [6.0, 5.0, 3.0]         # the sums of the upstream gradient from each position on


@pytest.mark.parametrize("dtype", ["bool", "floot", 3])
def test_dtype_keyword_refusals(dtype):
    with pytest.raises(TypeError, match="`dtype`"):
        tg.tensor([1, 2]).cumsum(0, dtype=dtype)
    with pytest.raises(TypeError, match="`dtype`"):
        tg.ops.cumprod(tg.tensor([1, 2]), 0, dtype=dtype)
