"""Rank-0 tensors name one dimension, 0 or -1, as PyTorch's: ``any``/``all`` with ``dim`` and ``transpose`` raised
NumPy's raw AxisError (a tester's finding), and ``amax``/``amin`` of a rank-0 NaN gave gradient 1 where
``torch.amax`` gives NaN. Checked against PyTorch 2.13 on the NumPy and array_api_strict backends."""
import numpy as np
import pytest

import tinygradconv as tg

torch = pytest.importorskip("torch")
pytest.importorskip("array_api_strict")

BACKENDS = ["numpy", "array_api_strict"]

CASES = {
    "any": lambda t, d, k: t.any(dim=d, keepdim=k),
    "all": lambda t, d, k: t.all(dim=d, keepdim=k),
    "any_tuple": lambda t, d, k: t.any(dim=(d,), keepdim=k),
    "transpose": lambda t, d, k: t.transpose(d, 0),
    "transpose_last": lambda t, d, k: t.transpose(-1, d),
    "swapaxes": lambda t, d, k: t.swapaxes(d, -1),
    "sum": lambda t, d, k: t.sum(dim=d, keepdim=k),
    "amax": lambda t, d, k: t.amax(dim=d, keepdim=k),
    "argmax": lambda t, d, k: t.argmax(dim=d, keepdim=k),
    "softmax": lambda t, d, k: t.softmax(dim=d),
    "cumsum": lambda t, d, k: t.cumsum(dim=d),
    "var": lambda t, d, k: t.var(dim=d, keepdim=k),
    "flip": lambda t, d, k: t.flip(d),
    "squeeze": lambda t, d, k: t.squeeze(d),
}


def _outcome(f, t, d, k):
    try:
        out = f(t, d, k)
    except Exception as error:           # noqa: BLE001 - the class is compared
        return "error", isinstance(error, IndexError)
    values = out.detach().numpy() if isinstance(out, torch.Tensor) else out.numpy()
    return tuple(out.shape), str(np.asarray(values).dtype), np.asarray(values).tolist()


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("dim", [0, -1, 1, -2])
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("value", [2.5, 0.0])
def test_rank0_dims_as_torch(backend, name, dim, keepdim, value):
    f = CASES[name]
    ours = _outcome(f, tg.tensor(value, backend=backend), dim, keepdim)
    theirs = _outcome(f, torch.tensor(value), dim, keepdim)
    if name == "var":                    # NaN (one element, correction 1): compare the shape only
        assert ours[0] == theirs[0]
        return
    assert ours == theirs


@pytest.mark.parametrize("backend", BACKENDS)
def test_testers_cases(backend):
    x = tg.tensor(2.5, backend=backend)
    assert x.any(dim=0).item() is True and x.all(dim=-1).item() is True
    assert tg.tensor(0.0, backend=backend).any(dim=-1, keepdim=True).shape == ()
    assert x.transpose(0, -1).item() == 2.5
    with pytest.raises(IndexError, match="out of range"):
        x.any(dim=1)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("op", ["amax", "amin"])
@pytest.mark.parametrize("kwargs", [{}, {"dim": 0}, {"dim": -1}, {"dim": ()}, {"dim": 0, "keepdim": True}])
@pytest.mark.parametrize("value", [float("nan"), 2.0, -0.0, float("inf")])
def test_rank0_amax_amin_gradient_as_torch(backend, op, kwargs, value):
    a = tg.tensor(value, backend=backend, requires_grad=True)
    b = torch.tensor(value, requires_grad=True)
    out, expected = getattr(a, op)(**kwargs), getattr(b, op)(**kwargs)
    assert out.shape == tuple(expected.shape)
    np.testing.assert_array_equal(out.numpy(), expected.detach().numpy())
    out.backward()
    expected.backward()
    np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())


def test_keras_max_over_no_axis_keeps_the_identity_gradient():
    keras = pytest.importorskip("keras")
    b = torch.tensor(float("nan"), requires_grad=True)
    keras.ops.max(b, axis=()).backward()
    a = tg.tensor(float("nan"), requires_grad=True)
    a.max(axis=()).backward()
    assert a.grad.item() == b.grad.item() == 1.0
