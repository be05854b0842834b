"""sin, cos, tan, arcsin, arccos, arctan and sign (tinygradconv.ops.trigonometric) against PyTorch 2.13: values and
gradients in float16, float32 and float64 at the special points (signed zeros, infinities, NaN, 1e30, near pi/2),
integer and bool inputs, rank-0 and empty shapes, the Tensor methods and PyTorch's aliases.

The registry tests (tests/test_registry_gradcheck.py, tests/test_special_points.py) gradient-check each op in
float64 by finite differences and compare its special points with torch in float64 on every backend.
"""
import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv.ops.wider_float import numpy_loop_is_simd

torch = pytest.importorskip("torch", reason="PyTorch is the reference of the trigonometric ops")

# (our name, torch's function)
OPS = [("sin", torch.sin), ("cos", torch.cos), ("tan", torch.tan), ("arcsin", torch.asin),
       ("arccos", torch.acos), ("arctan", torch.atan), ("sign", torch.sign)]
FLOAT_OPS = [name for name, _ in OPS if name != "sign"]
TORCH = dict(OPS)
TORCH_DTYPES = {"float16": torch.float16, "float32": torch.float32, "float64": torch.float64}

SPECIAL = [np.nan, 0.0, -0.0, np.inf, -np.inf, 1.0, -1.0, 0.5, -0.5, 1e30, -1e30, np.pi / 2, -np.pi / 2, 1e-30,
           1.0000001, -1.25, 3.0, 1e-8, 65504.0, 100.0]


def _inputs(dtype):
    rng = np.random.default_rng(0)
    values = np.concatenate([SPECIAL, rng.standard_normal(200), rng.uniform(-1, 1, 200), rng.standard_normal(50) * 1e4])
    with np.errstate(over="ignore"):
        return values.astype(dtype)


def _upstream(n, dtype):
    """An incoming gradient with both signs (so that the sign of a zero gradient is tested) and a few exact ones."""
    g = np.random.default_rng(1).standard_normal(n)
    g[:len(SPECIAL)] = np.where(np.arange(len(SPECIAL)) % 2, -1.0, 1.0)
    return g.astype(dtype)


def _ours(name, x, g):
    t = tg.tensor(x, dtype=str(x.dtype), requires_grad=True)
    y = getattr(tg.ops, name)(t)
    y.backward(tg.tensor(g, dtype=str(g.dtype)))
    return y.numpy(), t.grad.numpy()


def _theirs(name, x, g):
    t = torch.tensor(x, requires_grad=True)
    y = TORCH[name](t)
    y.backward(torch.tensor(g))
    return y.detach().numpy(), t.grad.numpy()


def _assert_close(ours, theirs, ulps, what):
    """Equal NaN positions, equal signs of zeros and infinities, and the values within ``ulps`` units in the last
    place of the reference (0 ulps: bit for bit)."""
    assert ours.dtype == theirs.dtype, what
    assert np.array_equal(np.isnan(ours), np.isnan(theirs)), what
    finite = np.isfinite(theirs)
    assert np.array_equal(np.isinf(ours), np.isinf(theirs)), what
    both = ~np.isnan(theirs)
    assert np.array_equal(np.signbit(ours[both & (theirs == 0)]), np.signbit(theirs[both & (theirs == 0)])), what
    assert np.array_equal(ours[np.isinf(theirs)], theirs[np.isinf(theirs)]), what
    spacing = np.abs(np.spacing(theirs[finite]))
    error = np.abs(ours[finite].astype(np.float64) - theirs[finite].astype(np.float64))
    worst = np.max(error / spacing.astype(np.float64), initial=0.0)
    assert worst <= ulps, f"{what}: {worst} ulps"


# Units in the last place allowed against torch. float16 is bit for bit: both compute in float32 and round once
# (the gradients step by step, each step rounded). float32 and float64: neither NumPy nor PyTorch (SLEEF) rounds
# these functions correctly, so their last bits may differ (measured on x86 with torch 2.13: values within 2 ulps
# in float32 and 1 in float64; a gradient, a product of two such values, within 4 and 2).
ULPS = {"float16": (0, 0), "float32": (2, 4), "float64": (2, 2)}


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("name", [name for name, _ in OPS])
def test_values_and_gradients_match_torch(name, dtype):
    x = _inputs(dtype)
    g = _upstream(x.size, dtype)
    (y, dx), (ty, tdx) = _ours(name, x, g), _theirs(name, x, g)
    if name == "sign":      # torch.sign(nan) is 0 (PyTorch issue #41245): ours is NaN, as np.sign
        nan = np.isnan(x)
        assert np.isnan(y[nan]).all() and (ty[nan] == 0).all()
        y, ty = y[~nan], ty[~nan]
    _assert_close(y, ty, ULPS[dtype][0], f"{name} value, {dtype}")
    _assert_close(dx, tdx, ULPS[dtype][1], f"{name} gradient, {dtype}")


@pytest.mark.parametrize("name", [name for name, _ in OPS])
def test_float64_special_points_exactly_as_torch(name):
    """At the special points themselves (not the random values) float64 agrees with torch bit for bit where NumPy's
    float64 loop is its own SIMD code (x86 with AVX-512, where this was measured), and within a unit in the last
    place where it is the C library's scalar function (x86 without AVX-512: glibc's ``arccos(0.5)`` is
    1.0471975511965979, the correctly rounded pi / 3, torch's 1.0471975511965976)."""
    x = np.array(SPECIAL)
    g = _upstream(x.size, "float64")
    (y, dx), (ty, tdx) = _ours(name, x, g), _theirs(name, x, g)
    if name == "sign":
        ty = np.where(np.isnan(x), np.nan, ty)
    ulps = 0 if name == "sign" or numpy_loop_is_simd(name, "float64") else 1
    _assert_close(y, ty, ulps, f"{name} value")
    _assert_close(dx, tdx, ulps, f"{name} gradient")


def test_signed_zeros_of_values_and_gradients():
    """The hand-computed cases: the sign of zero survives sin, tan, arcsin and arctan; sign(-0.0) is +0.0; the
    gradient of cos at +0.0 is -0.0 for a positive incoming gradient (``grad * -sin(0.0)``)."""
    for name, value in (("sin", -0.0), ("tan", -0.0), ("arcsin", -0.0), ("arctan", -0.0), ("sign", 0.0)):
        out = getattr(tg.ops, name)(tg.tensor([-0.0], dtype="float64")).numpy()
        assert out[0] == 0 and np.signbit(out[0]) == np.signbit(value), name
    x = tg.tensor([0.0, -0.0], dtype="float64", requires_grad=True)
    tg.ops.cos(x).sum().backward()
    assert np.signbit(x.grad.numpy()).tolist() == [True, False]


def test_tan_near_half_pi():
    x = tg.tensor([np.pi / 2, -np.pi / 2], dtype="float64", requires_grad=True)
    y = tg.ops.tan(x)
    y.sum().backward()
    assert y.tolist() == [1.633123935319537e16, -1.633123935319537e16]     # torch.tan, and tan of the double
    t = torch.tensor([np.pi / 2, -np.pi / 2], dtype=torch.float64, requires_grad=True)
    torch.tan(t).sum().backward()
    assert x.grad.tolist() == t.grad.tolist()          # 1 + tan^2 = 2.667e32, from the output
    x32 = tg.tensor([1.5707963], dtype="float32")      # float32 nearest pi/2 from below: -2.29e7 in torch
    assert abs(tg.ops.tan(x32).item() / torch.tan(torch.tensor([1.5707963])).item() - 1) < 1e-6


def test_inverse_functions_at_and_beyond_their_domain_edges():
    x = tg.tensor([1.0, -1.0, 1.5, -np.inf], dtype="float64", requires_grad=True)
    y = tg.ops.arcsin(x)
    y.sum().backward()
    assert y.tolist()[:2] == [np.pi / 2, -np.pi / 2] and np.isnan(y.numpy()[2:]).all()
    assert x.grad.tolist()[:2] == [np.inf, np.inf] and np.isnan(x.grad.numpy()[2:]).all()
    x.grad = None
    tg.ops.arccos(x).sum().backward()
    assert x.grad.tolist()[:2] == [-np.inf, -np.inf]
    x = tg.tensor([np.inf, -np.inf], dtype="float64", requires_grad=True)
    y = tg.ops.arctan(x)
    y.sum().backward()
    assert y.tolist() == [np.pi / 2, -np.pi / 2] and x.grad.tolist() == [0.0, 0.0]


@pytest.mark.parametrize("dtype", ["int64", "int32", "int8", "uint8", "bool"])
@pytest.mark.parametrize("name", [name for name, _ in OPS])
def test_integer_and_bool_inputs_as_torch(name, dtype):
    data = [0, 1] if dtype == "bool" else [0, 1, 2, 100] if dtype == "uint8" else [-3, 0, 1, 2, 100]
    ours = getattr(tg.ops, name)(tg.tensor(data, dtype=dtype))
    theirs = TORCH[name](torch.tensor(data, dtype=getattr(torch, dtype)))
    assert ours.dtype == str(theirs.dtype).removeprefix("torch.")     # float32, except sign: its own dtype
    np.testing.assert_allclose(ours.numpy().astype(np.float64), theirs.numpy().astype(np.float64), rtol=2e-7)
    assert not ours.requires_grad


def test_sign_has_gradient_zero_everywhere_even_for_a_nan_incoming_gradient():
    x = tg.tensor([np.nan, -2.0, 0.0, np.inf], dtype="float64", requires_grad=True)
    y = tg.ops.sign(x)
    assert np.isnan(y.numpy()[0]) and y.tolist()[1:] == [-1.0, 0.0, 1.0]      # np.sign's NaN (torch: 0)
    y.backward(tg.tensor([np.nan, np.inf, 1.0, -1.0], dtype="float64"))
    t = torch.tensor([np.nan, -2.0, 0.0, np.inf], dtype=torch.float64, requires_grad=True)
    torch.sign(t).backward(torch.tensor([np.nan, np.inf, 1.0, -1.0], dtype=torch.float64))
    assert x.grad.tolist() == t.grad.tolist() == [0.0, 0.0, 0.0, 0.0]


@pytest.mark.parametrize("name", [name for name, _ in OPS])
@pytest.mark.parametrize("shape", [(), (0,), (2, 0)])
def test_rank0_and_empty_shapes(name, shape, backend):
    x = np.full(shape, 0.25)
    t = tg.tensor(x, dtype="float64", backend=backend, requires_grad=True)
    y = getattr(tg.ops, name)(t)
    y.sum().backward()
    reference = torch.tensor(x, requires_grad=True)
    TORCH[name](reference).sum().backward()
    assert y.shape == shape and t.grad.shape == shape
    np.testing.assert_allclose(y.numpy(), TORCH[name](torch.tensor(x)).numpy(), rtol=1e-15)
    np.testing.assert_allclose(t.grad.numpy(), reference.grad.numpy(), rtol=1e-15)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_every_backend_agrees_with_torch(dtype, backend):
    x = _inputs(dtype)
    for name in FLOAT_OPS + ["sign"]:
        t = tg.tensor(x, dtype=dtype, backend=backend, requires_grad=True)
        y = getattr(tg.ops, name)(t)
        y.sum().backward()
        ty, tdx = _theirs(name, x, np.ones_like(x))
        if name == "sign":
            ty = np.where(np.isnan(x), np.nan, ty)
        _assert_close(np.asarray(y.numpy()), ty, ULPS[dtype][0], f"{name} on {backend}")
        _assert_close(np.asarray(t.grad.numpy()), tdx, ULPS[dtype][1], f"{name} gradient on {backend}")


def test_methods_and_torch_aliases():
    x = tg.tensor([0.25, -0.5], dtype="float64", requires_grad=True)
    for method, name in (("sin", "sin"), ("cos", "cos"), ("tan", "tan"), ("sign", "sign"), ("asin", "arcsin"),
                         ("arcsin", "arcsin"), ("acos", "arccos"), ("arccos", "arccos"), ("atan", "arctan"),
                         ("arctan", "arctan")):
        ours = getattr(x, method)()
        assert ours.tolist() == getattr(torch.tensor([0.25, -0.5], dtype=torch.float64), method)().tolist(), method
        assert ours.tolist() == getattr(tg.ops, name)(x).tolist()
    assert tg.ops.asin is tg.ops.arcsin and tg.ops.acos is tg.ops.arccos and tg.ops.atan is tg.ops.arctan
    assert tg.tensor([0.5]).sin().tolist() == pytest.approx([0.479425538604203])     # the tutorial's first call
    assert repr(x.asin().grad_fn) == "<AsinBackward>" and repr(x.sin().grad_fn) == "<SinBackward>"
    with pytest.raises(AttributeError, match=r"tg\.ops\.sin\(\.\.\.\), or the Tensor method x\.sin\(\)"):
        tg.sin   # noqa: B018  (a PyTorch habit: the hint names the op and the method)


def test_fitting_a_sine_wave_reaches_the_curve():
    """The tutorial's case: fit a and b of ``a * sin(b * t)`` to ``2 sin(3 t)`` by gradient descent."""
    t = tg.tensor(np.linspace(0, 1, 50), dtype="float64")
    target = 2.0 * np.sin(3.0 * np.linspace(0, 1, 50))
    a = tg.tensor(1.0, dtype="float64", requires_grad=True)
    b = tg.tensor(2.5, dtype="float64", requires_grad=True)
    for _ in range(500):
        loss = ((a * (b * t).sin() - tg.tensor(target)) ** 2).mean()
        a.grad = b.grad = None
        loss.backward()
        with tg.no_grad():
            a.data = a.data - 0.1 * a.grad.numpy()
            b.data = b.data - 0.1 * b.grad.numpy()
    assert abs(a.item() - 2.0) < 1e-3 and abs(b.item() - 3.0) < 1e-3
