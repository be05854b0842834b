"""``activations.softmax`` is one op, ``e^{x - m} / sum(e^{x - m})`` with backward ``s (g - sum(g s))`` from the saved
output, as PyTorch's ``softmax`` (which Keras 3 calls on torch). It was ``exp(log_softmax(x))``: three ``exp``
passes and two graph nodes, 3.7x PyTorch's time at (256, 512), and 16 float32 steps from PyTorch's values where it
is now within a few (found by the speed tester, session 52). Values and gradients against PyTorch and against a
float64 loop from the formula, the special points (NaN, +-inf, slices of only -inf) on every backend."""
import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv import activations


def _steps_apart(a, b):
    """The largest distance in float32 steps between the finite float32 arrays ``a`` and ``b``."""
    ia, ib = (np.asarray(v, np.float32).view(np.int32).astype(np.int64) for v in (a, b))
    ia, ib = (np.where(i < 0, -(i & 0x7FFFFFFF), i) for i in (ia, ib))   # ordered as the floats they hold
    return int(np.abs(ia - ib).max())


def test_one_graph_node_that_keeps_its_output():
    x = tg.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    y = activations.softmax(x)
    assert type(y.grad_fn).__name__ == "BackwardNode" and "Softmax" in repr(y.grad_fn)
    assert [type(f).__name__ for f, _ in y.grad_fn.next_functions] == ["AccumulateGrad"]   # straight to x


@pytest.mark.parametrize("axis", [-1, 0])
def test_float32_values_within_a_few_steps_of_torch(axis):
    torch = pytest.importorskip("torch", reason="PyTorch's softmax is the reference of the rounding")
    rng = np.random.default_rng(1)
    x = (rng.standard_normal((64, 300)) * 3.0).astype(np.float32)
    x[rng.random(x.shape) < 0.2] = -np.inf           # probability 0: exactly 0 in both
    g = rng.standard_normal(x.shape).astype(np.float32)
    t = tg.tensor(x, requires_grad=True)
    y = activations.softmax(t, axis=axis)
    (y * tg.tensor(g)).sum().backward()
    tx = torch.tensor(x, requires_grad=True)
    ty = torch.softmax(tx, axis)
    ty.backward(torch.tensor(g))
    want = ty.detach().numpy()
    np.testing.assert_array_equal(y.numpy() == 0, want == 0)
    # exp(log_softmax(x)) was 16 (axis -1) and 17 (axis 0) steps apart; the same formula leaves NumPy's and
    # PyTorch's exp and their orders of summation
    assert _steps_apart(y.numpy(), want) <= 12
    scale = np.abs(tx.grad.numpy()).max()
    np.testing.assert_allclose(t.grad.numpy(), tx.grad.numpy(), rtol=0, atol=12 * np.finfo(np.float32).eps * scale)


@pytest.mark.parametrize("axis", [-1, 0, (0, 1)])
def test_values_and_gradients_against_a_float64_loop(axis, backend):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 4)) * 5.0
    g = rng.standard_normal((3, 4))
    t = tg.Tensor(x, dtype="float64", backend=backend, requires_grad=True)
    y = activations.softmax(t, axis=axis)
    (y * tg.Tensor(g, dtype="float64", backend=backend)).sum().backward()
    slices = ([np.s_[i, :] for i in range(3)] if axis == -1 else
              [np.s_[:, j] for j in range(4)] if axis == 0 else [np.s_[:, :]])
    s, grad = np.zeros_like(x), np.zeros_like(x)
    for where in slices:
        e = [np.exp(v - max(x[where].ravel())) for v in x[where].ravel()]
        p = np.array([v / sum(e) for v in e]).reshape(x[where].shape)
        s[where] = p
        dot = sum(gi * pi for gi, pi in zip(g[where].ravel(), p.ravel()))
        grad[where] = p * (g[where] - dot)
    np.testing.assert_allclose(y.numpy(), s, rtol=1e-14)
    np.testing.assert_allclose(t.grad.numpy(), grad, rtol=1e-12, atol=1e-15)


def test_special_points(backend):
    inf, nan = np.inf, np.nan
    x = np.array([[-inf, -inf, -inf], [1.0, inf, 2.0], [1.0, nan, 2.0], [0.0, -inf, 0.0], [1000.0, 1000.0, -1000.0]])
    t = tg.Tensor(x, dtype="float32", backend=backend, requires_grad=True)
    y = activations.softmax(t)
    y.backward(tg.Tensor(np.ones_like(x) * [1.0, 2.0, 3.0], dtype="float32", backend=backend))
    out, grad = y.numpy(), t.grad.numpy()
    assert np.isnan(out[:3]).all() and np.isnan(grad[:3]).all()     # all -inf, a +inf, a NaN: NaN, as torch
    assert out[3].tolist() == [0.5, 0.0, 0.5] and grad[3].tolist() == [-0.5, 0.0, 0.5]   # s (g - sum(g s))
    assert out[4].tolist() == [0.5, 0.5, 0.0] and grad[4].tolist() == [-0.25, 0.25, 0.0]
