"""gelu as one op saving only its input (session 52, speed tester's finding 2: exact gelu was ~6 graph ops and 19-59x
torch's forward time; the tanh form kept nine input-sized arrays in the graph). References: PyTorch 2.13's
F.gelu (values and gradients), float64 finite differences (the registry's samples, tests/test_registry_gradcheck.py).
"""
import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv import activations

torch = pytest.importorskip("torch", reason="PyTorch's F.gelu is the reference")


@pytest.mark.parametrize("approximate", [False, True])
def test_the_graph_saves_the_input_only_and_erf(approximate):
    """One node; the tanh form saves x, the exact one x and erf(x / sqrt 2) (our erf is costly to compute again)."""
    x = tg.tensor(np.random.default_rng(0).standard_normal(1000).astype("float32"), requires_grad=True)
    y = activations.gelu(x, approximate=approximate)
    saved, stack, seen = 0, [y], set()
    while stack:
        ctx = stack.pop()._ctx
        if ctx is None or id(ctx) in seen:
            continue
        seen.add(id(ctx))
        saved += sum(a.nbytes for a in ctx.saved_tensors if hasattr(a, "nbytes"))
        stack.extend(t for t in ctx.inputs if t is not None)
    assert saved <= x.data.nbytes * (1 if approximate else 2) and len(seen) == 1


@pytest.mark.parametrize("approximate", [False, True])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_values_and_gradients_match_torch(approximate, dtype, backend):
    a = np.concatenate([np.random.default_rng(1).standard_normal(200) * 3, [0.0, -0.0, 6.0, -6.0, 12.0, -12.0]])
    a = a.astype(dtype)
    x = tg.Tensor(a, backend=backend, requires_grad=True)
    activations.gelu(x, approximate=approximate).sum().backward()
    t = torch.tensor(a, requires_grad=True)
    out = torch.nn.functional.gelu(t, approximate="tanh" if approximate else "none")
    out.sum().backward()
    tol = 1e-6 if dtype == "float32" else 1e-13
    np.testing.assert_allclose(activations.gelu(x, approximate=approximate).numpy(), out.detach().numpy(),
                               rtol=tol, atol=tol)
    # float32 tanh form near x = -5: 1 + tanh cancels, torch's gradient and ours are both ~1e-6 off the exact one
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=tol, atol=tol * (2 if approximate else 1))


@pytest.mark.parametrize("approximate", [False, True])
def test_gradient_by_finite_differences(approximate, backend):
    x = tg.Tensor(np.linspace(-5, 5, 41), dtype="float64", backend=backend, requires_grad=True)
    assert tg.gradcheck(lambda t: activations.gelu(t, approximate=approximate), x)


def test_a_non_bool_approximate_is_refused():
    with pytest.raises(TypeError, match="Expected a bool. Received approximate='tanh'"):
        activations.gelu(tg.tensor([1.0]), approximate="tanh")
