"""logcumsumexp of float32 against torch.logcumsumexp (PyTorch 2.13, CPU), whose kernel accumulates float32 in
double and rounds once: tinygradconv computes float32 in float64 and rounds once too (ops/cumulative.py)."""
import numpy as np
import pytest

import tinygradconv as tg

torch = pytest.importorskip("torch")


def _big_input():
    return (np.random.default_rng(0).standard_normal((1000, 100)) * 3).astype(np.float32)


@pytest.mark.parametrize("axis", [0, 1])
def test_float32_equals_torch_on_every_element(axis):
    """Computed in float32 steps, 32.6 % of these elements differed from PyTorch's in their last bits."""
    a = _big_input()
    expected = torch.logcumsumexp(torch.tensor(a), axis).numpy()
    out = tg.ops.logcumsumexp(tg.tensor(a), axis=axis).numpy()
    assert out.dtype == np.float32
    assert np.mean(out != expected) == 0.0


def test_float32_small_case_bit_for_bit():
    x = [[0.5, -1.25, 3.0, 2.0, -7.5, 0.1]]
    expected = torch.logcumsumexp(torch.tensor(x, dtype=torch.float32), 1).numpy()
    out = tg.ops.logcumsumexp(tg.tensor(np.array(x, dtype=np.float32)), axis=1).numpy()
    assert out.view(np.uint32).tolist() == expected.view(np.uint32).tolist()


@pytest.mark.parametrize("axis", [0, 1])
def test_float32_gradient_closer_to_torch(axis):
    """PyTorch's backward is float32 ops whose logcumsumexp rounds once from double: with that logcumsumexp
    computed the same way, 57 % of the gradients differ from PyTorch's in their last bits (from ``exp`` and the
    subtraction of the two parts), against 77 % all in float32; the largest relative difference is about 3e-2
    (cancellation), against 0.18."""
    a = _big_input()
    g = np.random.default_rng(1).standard_normal(a.shape).astype(np.float32)
    xt = torch.tensor(a, requires_grad=True)
    torch.logcumsumexp(xt, axis).backward(torch.tensor(g))
    x = tg.tensor(a, requires_grad=True)
    tg.ops.logcumsumexp(x, axis=axis).backward(tg.tensor(g))
    expected, out = xt.grad.numpy(), x.grad.numpy()
    assert out.dtype == np.float32
    assert np.mean(out != expected) < 0.65
    assert np.max(np.abs(out - expected) / np.abs(expected)) < 0.05


@pytest.mark.parametrize("dtype", ["float16", "float64"])
def test_other_floats_as_torch(dtype):
    a = (np.random.default_rng(2).standard_normal((50, 20)) * 3).astype(dtype)
    expected = torch.logcumsumexp(torch.tensor(a), 1).numpy()
    out = tg.ops.logcumsumexp(tg.tensor(a), axis=1).numpy()
    assert out.dtype == np.dtype(dtype)
    if dtype == "float16":
        assert out.tolist() == expected.tolist()          # computed in float32, rounded once, as PyTorch
    else:
        np.testing.assert_allclose(out, expected, rtol=1e-15, atol=0)
