"""``var_mean``/``std_mean`` take PyTorch 2.13's overloads as ``var``/``std`` do: a bool second argument is
``unbiased`` (``torch.var_mean(x, False)``), ``(dim, unbiased, keepdim)`` positionally; compared with torch."""
import numpy as np
import pytest

import tinygradconv as tg

torch = pytest.importorskip("torch", reason="the reference for var_mean/std_mean's overloads is PyTorch")

A = np.arange(12, dtype="float64").reshape(3, 4) ** 1.5

CALLS = [((True,), {}), ((False,), {}), ((1, False), {}), ((0, True, True), {}), (([0, 1], False), {}),
         ((None, True), {}), ((), {"unbiased": False}), ((1,), {"unbiased": True, "keepdim": True}),
         ((1,), {"correction": 0}), ((), {})]


@pytest.mark.parametrize("name", ["var_mean", "std_mean", "var", "std"])
@pytest.mark.parametrize("args, kwargs", CALLS)
def test_overloads_match_torch(backend, name, args, kwargs):
    want = getattr(torch, name)(torch.tensor(A), *args, **kwargs)
    got = getattr(tg.ops, name)(tg.tensor(A, backend=backend), *args, **kwargs)
    want, got = (want, got) if name.endswith("_mean") else ((want,), (got,))
    for g, w in zip(got, want, strict=True):
        assert g.shape == tuple(w.shape)
        np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-12)


@pytest.mark.parametrize("name", ["var", "std"])
@pytest.mark.parametrize("args, kwargs", CALLS[:5])
def test_tensor_methods_match_torch(name, args, kwargs):
    want = getattr(torch.tensor(A), name)(*args, **kwargs)
    got = getattr(tg.tensor(A), name)(*args, **kwargs)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)


@pytest.mark.parametrize("name", ["var_mean", "std_mean"])
def test_both_spellings_named_in_the_function_s_words(name):
    getattr(torch, name)(torch.tensor(A), 1)                  # fine in torch
    with pytest.raises(TypeError):
        getattr(torch, name)(torch.tensor(A), unbiased=False, correction=1)
    with pytest.raises(TypeError, match=rf"{name}\(\) takes `unbiased`.*Received unbiased=False, correction=1"):
        getattr(tg.ops, name)(tg.tensor(A), unbiased=False, correction=1)


def test_gradient_of_var_mean_with_unbiased_false():
    x = torch.tensor(A, requires_grad=True)
    v, m = torch.var_mean(x, 1, False)
    (v.sum() + 3 * m.sum()).backward()
    t = tg.tensor(A, requires_grad=True)
    v, m = tg.ops.var_mean(t, 1, False)
    (v.sum() + 3 * m.sum()).backward()
    np.testing.assert_allclose(t.grad.numpy(), x.grad.numpy(), rtol=1e-12)
