"""``@`` with operands of two float dtypes promotes as the element-wise operators do, in every arrangement, with
each gradient in its own input's dtype. Found by a tester; compared with PyTorch throughout (skipped, visibly,
without it)."""
import numpy as np
import pytest
from helpers import tensor_on

import tinygradconv as tg
from tinygradconv.backend import dtype_name

torch = pytest.importorskip("torch", reason="the references are PyTorch's results")

# The documented promotion of two float dtypes (the wider one), as `a * b` gives it.
WIDER = {("float16", "float32"): "float32", ("float32", "float16"): "float32",
         ("float16", "float64"): "float64", ("float64", "float16"): "float64",
         ("float32", "float64"): "float64", ("float64", "float32"): "float64"}


def _exact(rng, shape, dtype, scale=64):
    """Multiples of 1/scale in [-6.25, 6.25]: held exactly by float16, and their sums of a few products exactly by
    float32, so that every summation order gives the same bits."""
    return (rng.integers(-400, 401, shape) / scale).astype(dtype)


def _operands(a, b, da, db, arrangement, backend="numpy"):
    """``a`` and ``b`` as the operands of ``@``: both tensors, a tensor and a NumPy array, or the other way."""
    ta = tensor_on(a, backend, dtype=da, requires_grad=True)
    tb = tensor_on(b, backend, dtype=db, requires_grad=True)
    if arrangement == "tensor @ ndarray":
        return ta, b, (ta, None)
    if arrangement == "ndarray @ tensor":
        return a, tb, (None, tb)
    return ta, tb, (ta, tb)


def test_the_testers_float16_at_float32_is_float32_in_either_order():
    a = tg.tensor(np.full((2, 3), 1.0001), dtype="float16")
    b = tg.tensor(np.full((3, 2), 3000.123), dtype="float32")
    # float16(1.0001) is 1.0 and float32(3000.123) is 3000.123046875: three of them add to 9000.369140625 in float32
    # (the float16 result was 9000.0, in either dtype a different number)
    assert str((a @ b).dtype) == str((b.T @ a.T).dtype) == "float32"
    assert (a @ b).tolist() == [[9000.369140625] * 2] * 2 == (b.T @ a.T).T.tolist()
    ta, tb = torch.tensor(a.numpy()), torch.tensor(b.numpy())
    np.testing.assert_array_equal((a @ b).numpy(), (ta.float() @ tb).numpy())
    assert str((a @ tg.tensor(np.ones((3, 2)))).dtype) == "float64"
    assert str((a @ np.ones((3, 2))).dtype) == "float64"
    assert str((np.ones((2, 3), np.float16) @ b).dtype) == "float32"


@pytest.mark.parametrize("arrangement", ["tensor @ tensor", "tensor @ ndarray", "ndarray @ tensor"])
@pytest.mark.parametrize("da, db", sorted(WIDER))
@pytest.mark.parametrize("shapes", [((2, 3), (3, 4)), ((2, 5, 3), (3, 4)), ((3,), (3, 4)), ((2, 3), (3,)),
                                    ((3,), (3,)), ((2, 1, 2, 3), (4, 3, 2))])
def test_mixed_float_matmul_promotes_and_matches_torch(arrangement, da, db, shapes):
    """The wider dtype in all three arrangements (the float16 one was float16 whenever it stood on the left); the
    values are PyTorch's product of both operands cast to it (torch's matmul refuses two dtypes), and each gradient
    is that product's gradient rounded once to the input's own dtype, as for ``a * b``."""
    rng = np.random.default_rng(0)
    a, b = _exact(rng, shapes[0], da), _exact(rng, shapes[1], db)
    left, right, (ta, tb) = _operands(a, b, da, db, arrangement)
    wide = WIDER[da, db]
    y = left @ right
    assert dtype_name(y.dtype) == wide
    pa, pb = (torch.tensor(v, requires_grad=True) for v in (a, b))
    py = pa.to(getattr(torch, wide)) @ pb.to(getattr(torch, wide))
    np.testing.assert_array_equal(y.numpy(), py.detach().numpy())
    g = _exact(rng, py.shape, wide, scale=16)
    y.backward(tg.tensor(g, dtype=wide))
    py.backward(torch.tensor(g))
    for ours, theirs, dtype in ((ta, pa, da), (tb, pb, db)):
        if ours is not None:
            assert dtype_name(ours.grad.dtype) == dtype
            np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())


@pytest.mark.parametrize("da, db", [("float32", "float64"), ("float64", "float32")])
def test_mixed_float_matmul_on_every_backend(da, db, backend):
    """float32 with float64 (array_api_strict has no float16): float64, and the gradients in their own dtypes."""
    rng = np.random.default_rng(1)
    a, b = _exact(rng, (5, 3), da), _exact(rng, (3, 4), db)
    ta, tb = tensor_on(a, backend, dtype=da, requires_grad=True), tensor_on(b, backend, dtype=db, requires_grad=True)
    y = ta @ tb
    assert dtype_name(y.dtype) == dtype_name((tb.T @ ta.T).dtype) == "float64"
    pa, pb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    py = pa.double() @ pb.double()
    np.testing.assert_array_equal(y.numpy(), py.detach().numpy())
    y.sum().backward()
    py.sum().backward()
    assert (dtype_name(ta.grad.dtype), dtype_name(tb.grad.dtype)) == (da, db)
    np.testing.assert_array_equal(ta.grad.numpy(), pa.grad.numpy())
    np.testing.assert_array_equal(tb.grad.numpy(), pb.grad.numpy())


def test_float16_at_float16_still_accumulates_in_float32():
    """Two float16 operands: float16, each result the float32 sum rounded once (2048 + 1 + 1 is 2050 there; added
    in float16 it would be 2048), as PyTorch's CPU kernel."""
    a = tg.tensor([[2048.0, 1.0, 1.0]], dtype="float16", requires_grad=True)
    b = tg.tensor([[1.0], [1.0], [1.0]], dtype="float16")
    y = a @ b
    assert str(y.dtype) == "float16" and y.tolist() == [[2050.0]]
    assert y.tolist() == (torch.tensor(a.numpy()) @ torch.tensor(b.numpy())).tolist()
