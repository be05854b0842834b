"""Ports of PyTorch scripts (session 48, f13): var's backward after an in-place write of its result, where's
result dtype for Python numbers, float32 masks explained everywhere, optimizer and model argument hints. Each
reference is PyTorch 2.13 or Keras 3.15, run here."""
import numpy as np
import pytest

import tinygradconv as tg


@pytest.fixture
def torch():
    return pytest.importorskip("torch", reason="PyTorch 2.13 is the reference here")


@pytest.mark.parametrize("kwargs", [{}, {"dim": 0}, {"correction": 0}, {"dim": 0, "keepdim": True}])
@pytest.mark.parametrize("write", ["add_", "mul_", "sub_"])
def test_var_backward_after_an_in_place_write_of_its_result_is_pytorchs(torch, kwargs, write):
    """PyTorch's VarBackward0 saves its input only: `y = x.var(); y.add_(1.0); y.backward()` runs there and gives
    the gradient of the written value (add_: 2 (x - mean) / (n - 1), [-0.6667, -0.1667, 0.8333])."""
    grads = []
    for module in (torch, tg):
        x = module.tensor([0.5, 1.0, 2.0], requires_grad=True)
        y = x.var(**kwargs)
        getattr(y, write)(3.0)
        y.sum().backward()
        grads.append(np.asarray(x.grad.tolist()))
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-6)


def test_var_backward_after_add_gives_the_hand_computed_gradient():
    x = tg.tensor([0.5, 1.0, 2.0], requires_grad=True)
    y = x.var()
    y.add_(1.0)
    y.backward()
    mean = 3.5 / 3
    np.testing.assert_allclose(x.grad.tolist(), [2 * (v - mean) / 2 for v in (0.5, 1.0, 2.0)], rtol=1e-6)


def test_std_backward_after_an_in_place_write_of_its_result_is_refused_as_pytorch(torch):
    """PyTorch's StdBackward0 saves its result (it divides by it): a write to it is refused there, and here."""
    x = torch.tensor([0.5, 1.0, 2.0], requires_grad=True)
    y = x.std()
    y.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()
    x = tg.tensor([0.5, 1.0, 2.0], requires_grad=True)
    y = x.std()
    y.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("method", ["var", "std"])
def test_var_and_std_gradients_still_match_pytorch(torch, dtype, method):
    a = np.array([[1.0, 2.0, 4.0], [3.0, 3.0, 3.0]], dtype=dtype)
    for dim, keepdim in [(None, False), (1, False), (0, True)]:
        ours = tg.tensor(a, requires_grad=True)
        theirs = torch.tensor(a, requires_grad=True)
        getattr(ours, method)(dim=dim, keepdim=keepdim).sum().backward()
        getattr(theirs, method)(dim=dim, keepdim=keepdim).sum().backward()
        np.testing.assert_allclose(ours.grad.numpy().astype(np.float64), theirs.grad.double().numpy(),
                                   rtol=2e-3 if dtype == "float16" else 1e-6, atol=1e-3 if dtype == "float16" else 0)
