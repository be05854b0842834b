"""A tester's findings of 2026-12-07 (session 50), each against PyTorch 2.13: ``x.max(other)``/``x.min(other)``
with a Tensor ``other`` (PyTorch's element-wise maximum/minimum, was a TypeError telling to write an axis),
``tg.ops.div(a, b, rounding_mode=...)`` (``torch.div``'s spelling, was Python's bare TypeError), and
``x.median(dim)`` along an empty dim (PyTorch raises; we returned NaN with index 0, an index of no element)."""
import numpy as np
import pytest

import tinygradconv as tg

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("backend", ["numpy", "array_api_strict"])
@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_of_another_tensor_is_elementwise_as_torch(name, backend):
    if backend == "array_api_strict":
        pytest.importorskip("array_api_strict")
    a = np.array([[2.0, 1.0, -0.0], [np.nan, 4.0, 3.0]])
    b = np.array([[2.0, 3.0, 0.0], [1.0, np.nan, 3.0]])
    upstream = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    ta, tb = (torch.tensor(v, requires_grad=True) for v in (a, b))
    expected = getattr(ta, name)(tb)
    expected.backward(torch.tensor(upstream))
    ga, gb = (tg.tensor(v, requires_grad=True, dtype="float64", backend=backend) for v in (a, b))
    got = getattr(ga, name)(gb)
    got.backward(tg.tensor(upstream, dtype="float64", backend=backend))
    np.testing.assert_array_equal(np.asarray(got.tolist()), expected.detach().numpy())
    np.testing.assert_array_equal(np.asarray(ga.grad.tolist()), ta.grad.numpy())
    np.testing.assert_array_equal(np.asarray(gb.grad.tolist()), tb.grad.numpy())


def test_max_with_an_axis_positionally_is_still_refused():
    x = tg.tensor([[1.0, 9.0], [4.0, 2.0]])
    with pytest.raises(TypeError, match=r"x.max\(1\): give the axis by keyword"):
        x.max(1)
    with pytest.raises(TypeError, match="give the axis by keyword"):
        x.max(tg.tensor([1.0, 2.0]), 1)


@pytest.mark.parametrize("mode", [None, "trunc", "floor"])
@pytest.mark.parametrize("dtype", ["float32", "int64"])
def test_ops_div_takes_torch_rounding_mode(mode, dtype):
    a = np.array([-7, 7, 5, -5, 0], dtype=dtype)
    b = np.array([2, 2, -3, -3, 4], dtype=dtype)
    expected = torch.div(torch.tensor(a), torch.tensor(b), rounding_mode=mode)
    got = tg.ops.div(tg.tensor(a, dtype=dtype), tg.tensor(b, dtype=dtype), rounding_mode=mode)
    assert tg.backend.dtype_name(got.dtype) == str(expected.dtype).removeprefix("torch.")
    np.testing.assert_array_equal(np.asarray(got.tolist()), expected.numpy())


def test_ops_div_refuses_another_rounding_mode():
    with pytest.raises(ValueError, match="rounding_mode"):
        tg.ops.div(tg.tensor([1.0]), 2.0, rounding_mode="round")


@pytest.mark.parametrize("shape, dim", [((0, 3), 0), ((0, 3), -2), ((2, 0), 1), ((0,), 0)])
def test_median_along_an_empty_dim_is_refused_as_torch(shape, dim):
    with pytest.raises(IndexError, match="non-zero size"):
        torch.zeros(shape).median(dim)
    with pytest.raises(ValueError, match=rf"empty along dim={dim}"):
        tg.tensor(np.zeros(shape)).median(dim=dim)


@pytest.mark.parametrize("shape, dim", [((0, 3), 1), ((2, 0), 0)])
def test_median_along_a_full_dim_of_an_empty_tensor_is_empty_as_torch(shape, dim):
    values, indices = torch.zeros(shape).median(dim)
    got = tg.tensor(np.zeros(shape)).median(dim=dim)
    assert got.values.shape == tuple(values.shape) and got.indices.shape == tuple(indices.shape)
    assert tg.backend.dtype_name(got.indices.dtype) == "int64"


def test_median_of_an_empty_tensor_without_dim_is_nan_as_torch():
    assert np.isnan(torch.zeros(0, 3).median().item()) and np.isnan(tg.tensor(np.zeros((0, 3))).median().item())


def test_max_min_take_other_by_keyword_as_torch():
    a, b = np.array([1.0, 2.0]), np.array([3.0, 0.0])
    for name in ("max", "min"):
        expected = getattr(torch.tensor(a), name)(other=torch.tensor(b)).numpy()
        got = getattr(tg.tensor(a), name)(other=tg.tensor(b))
        np.testing.assert_array_equal(np.asarray(got.tolist()), expected)
