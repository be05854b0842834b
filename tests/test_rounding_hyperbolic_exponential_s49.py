"""The rounding ops (floor, ceil, round, trunc/fix, frac), the hyperbolic ops (sinh, cosh, arcsinh, arccosh, arctanh)
and exp2, log2, log10, logaddexp, hypot, arctan2 (tinygradconv.ops.rounding, .hyperbolic, .exponential) against
PyTorch 2.13: values and gradients in float16, float32 and float64 at the special points (signed zeros, infinities,
NaN, out of the domain, large arguments), integer and bool inputs, rank-0 and empty shapes, broadcasting and
promotion of the binary ops, the Tensor methods and PyTorch's aliases.

The registry tests (tests/test_registry_gradcheck.py, tests/test_special_points.py) gradient-check each op in
float64 by finite differences and compare its registered special points with torch in float64 on every backend.
"""
import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv.ops.wider_float import numpy_loop_is_simd

torch = pytest.importorskip("torch", reason="PyTorch is the reference of these ops")

UNARY = {"floor": torch.floor, "ceil": torch.ceil, "round": torch.round, "trunc": torch.trunc, "frac": torch.frac,
         "sinh": torch.sinh, "cosh": torch.cosh, "arcsinh": torch.asinh, "arccosh": torch.acosh,
         "arctanh": torch.atanh, "exp2": torch.exp2, "log2": torch.log2, "log10": torch.log10,
         "expm1": torch.expm1, "log1p": torch.log1p}
BINARY = {"logaddexp": torch.logaddexp, "hypot": torch.hypot, "arctan2": torch.atan2}
ROUNDING = ["floor", "ceil", "round", "trunc"]

SPECIAL = [np.nan, 0.0, -0.0, np.inf, -np.inf, 1.0, -1.0, 0.5, -0.5, 1.5, 2.5, -2.5, -0.4, 0.4, 1.0000001, 1.25,
           3.0, 1e-8, -1e-30, 8.0, 100.0, 709.0, -709.0, 1e30, -1e30, 65504.0, 1e300]


def _inputs(dtype):
    rng = np.random.default_rng(0)
    values = np.concatenate([SPECIAL, rng.standard_normal(200) * 3, rng.uniform(-1, 1, 200), rng.uniform(1, 5, 100),
                             rng.standard_normal(50) * 1e4])
    with np.errstate(over="ignore"):
        return values.astype(dtype)


def _upstream(n, dtype):
    """An incoming gradient with both signs (so that the sign of a zero gradient is tested) and a few exact ones."""
    g = np.random.default_rng(1).standard_normal(n)
    first = min(n, len(SPECIAL))
    g[:first] = np.where(np.arange(first) % 2, -1.0, 1.0)
    return g.astype(dtype)


def _assert_close(ours, theirs, ulps, what, scale=None):
    """Equal dtypes, NaN positions, signs of zeros and infinities, and the values within ``ulps`` units in the last
    place of the reference (0 ulps: bit for bit), or of ``scale`` where given (a result computed as a sum of larger
    terms)."""
    assert ours.dtype == theirs.dtype, what
    assert np.array_equal(np.isnan(ours), np.isnan(theirs)), what
    assert np.array_equal(np.isinf(ours), np.isinf(theirs)), what
    zero = ~np.isnan(theirs) & (theirs == 0)
    assert np.array_equal(np.signbit(ours[zero]), np.signbit(theirs[zero])), what
    assert np.array_equal(ours[np.isinf(theirs)], theirs[np.isinf(theirs)]), what
    finite = np.isfinite(theirs)
    unit = theirs if scale is None else np.maximum(np.abs(theirs), np.abs(scale)).astype(theirs.dtype)
    spacing = np.abs(np.spacing(unit[finite])).astype(np.float64)
    error = np.abs(ours[finite].astype(np.float64) - theirs[finite].astype(np.float64))
    worst = np.max(error / spacing, initial=0.0)
    assert worst <= ulps, f"{what}: {worst} ulps"


# Units in the last place allowed against torch, (value, gradient). The rounding ops are exact. float16 is bit for
# bit: both compute in float32 and round once (the gradients step by step, each step rounded). In float32 and
# float64 neither NumPy nor PyTorch (SLEEF) rounds the transcendental functions correctly, so their last bits may
# differ (the bounds measured on x86 with torch 2.13).
ULPS = {"float16": (0, 0), "float32": (2, 4), "float64": (2, 2)}


def _ours_unary(name, x, g, **kwargs):
    t = tg.tensor(x, dtype=str(x.dtype), requires_grad=True)
    y = getattr(tg.ops, name)(t, **kwargs)
    y.backward(tg.tensor(g, dtype=str(g.dtype)))
    return y.numpy(), t.grad.numpy()


def _theirs_unary(name, x, g, **kwargs):
    t = torch.tensor(x, requires_grad=True)
    y = UNARY[name](t, **kwargs)
    y.backward(torch.tensor(g))
    return y.detach().numpy(), t.grad.numpy()


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_values_and_gradients_match_torch(name, dtype):
    x = _inputs(dtype)
    g = _upstream(x.size, dtype)
    (y, dx), (ty, tdx) = _ours_unary(name, x, g), _theirs_unary(name, x, g)
    if name in ("sinh", "cosh") and dtype == "float64":
        # 709 < |x| < 711: torch's vectorised kernel overflows to inf (see ops/hyperbolic.py); NumPy's is finite
        keep = ~((np.abs(x) > 709.5) & (np.abs(x) < 711))
        y, dx, ty, tdx = y[keep], dx[keep], ty[keep], tdx[keep]
    exact = name in ROUNDING or name == "frac"
    value_ulps, grad_ulps = (0, 0) if exact else ULPS[dtype]
    _assert_close(y, ty, value_ulps, f"{name} value, {dtype}")
    if name == "expm1":      # ours is exp(x) from the input, torch's expm1(x) + 1 from the output (Expm1's docs)
        return
    _assert_close(dx, tdx, grad_ulps, f"{name} gradient, {dtype}")


@pytest.mark.parametrize("name", sorted(UNARY))
def test_float64_special_points_as_torch(name):
    """At the special points themselves (not the random values) float64 agrees with torch bit for bit for the
    rounding ops and the logarithms, within a unit in the last place for the others (sinh, cosh, their inverses,
    exp2: NumPy's and torch's vectorised kernels round differently; expm1 too where NumPy's float64 loop is the C
    library's scalar function, as on x86 without AVX-512: glibc's ``expm1(1.0)`` is one unit below torch's)."""
    x = np.array([v for v in SPECIAL if abs(v) != 709.0])
    g = _upstream(x.size, "float64")
    (y, dx), (ty, tdx) = _ours_unary(name, x, g), _theirs_unary(name, x, g)
    simd_expm1 = numpy_loop_is_simd("expm1", "float64")
    exact = (*ROUNDING, "frac", "log2", "log10", "log1p", *(["expm1"] if simd_expm1 else []))
    ulps = 0 if name in exact else 1
    _assert_close(y, ty, ulps, f"{name} value")
    if name != "expm1":      # (Expm1's documented difference: exp(x), not expm1(x) + 1)
        _assert_close(dx, tdx, ulps, f"{name} gradient")


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("decimals", [1, 2, 3, -1, -2])
def test_round_with_decimals_as_torch(decimals, dtype):
    x = np.concatenate([_inputs("float64"), [1.005, 0.125, 2.675, -0.05, 12345.678, 15.0, 25.0]]).astype(dtype)
    g = _upstream(x.size, dtype)
    (y, dx), (ty, tdx) = _ours_unary("round", x, g, decimals=decimals), _theirs_unary("round", x, g,
                                                                                        decimals=decimals)
    _assert_close(y, ty, 0, f"round({decimals}) value, {dtype}")
    _assert_close(dx, tdx, 0, f"round({decimals}) gradient, {dtype}")


def test_rounding_hand_cases():
    """Ties to even, signed zeros, and the gradient 0 even for a NaN incoming gradient (PyTorch's zeros_like)."""
    x = tg.tensor([0.5, 1.5, 2.5, -0.5, -2.5, -0.4], dtype="float64", requires_grad=True)
    y = tg.ops.round(x)
    assert y.tolist() == [0.0, 2.0, 2.0, -0.0, -2.0, -0.0]
    assert np.signbit(y.numpy()).tolist() == [False, False, False, True, True, True]
    y.backward(tg.tensor([np.nan, np.inf, 1.0, -1.0, 1.0, 1.0], dtype="float64"))
    assert x.grad.tolist() == [0.0] * 6 and not np.signbit(x.grad.numpy()).any()
    assert np.signbit(tg.ops.ceil(tg.tensor([-0.5])).numpy()).all()                  # ceil(-0.5) = -0.0
    assert tg.ops.floor(tg.tensor([-0.0])).numpy().tolist() == [-0.0]
    assert not np.signbit(tg.ops.frac(tg.tensor([-0.0])).numpy()).any()              # -0.0 - -0.0 = 0.0
    assert tg.ops.trunc(tg.tensor([-1.7, 1.7])).tolist() == tg.ops.fix(tg.tensor([-1.7, 1.7])).tolist() == [-1.0, 1.0]
    assert tg.ops.round(tg.tensor([1.005], dtype="float32"), decimals=2).item() == 1.0     # 1.00499999 in float32


@pytest.mark.parametrize("dtype", ["int64", "int32", "int8", "uint8"])
@pytest.mark.parametrize("name", ROUNDING)
def test_rounding_of_integers_returns_them_unchanged_as_torch(name, dtype):
    data = [0, 1, 2, 100] if dtype == "uint8" else [-3, 0, 1, 2, 100]
    ours = getattr(tg.ops, name)(tg.tensor(data, dtype=dtype))
    theirs = UNARY[name](torch.tensor(data, dtype=getattr(torch, dtype)))
    assert ours.dtype == str(theirs.dtype).removeprefix("torch.") == dtype
    assert ours.tolist() == theirs.tolist() == data and not ours.requires_grad


def test_round_of_integers_with_negative_decimals_as_keras():
    keras = pytest.importorskip("keras", reason="Keras 3 is the reference of round(int, decimals < 0)")
    data = np.array([15, 25, -15, 149, 150], dtype="int32")
    ours = tg.ops.round(tg.tensor(data, dtype="int32"), decimals=-1)
    theirs = keras.ops.convert_to_numpy(keras.ops.round(data, decimals=-1))
    assert ours.dtype == "int32" and ours.tolist() == theirs.tolist() == [20, 20, -20, 150, 150]
    assert tg.ops.round(tg.tensor(data, dtype="int32"), decimals=2).tolist() == data.tolist()


@pytest.mark.parametrize("name", ROUNDING + ["frac"])
def test_bool_inputs_are_refused_as_torch(name):
    with pytest.raises((RuntimeError, NotImplementedError), match="not implemented for 'Bool'"):
        UNARY[name](torch.tensor([True, False]))
    with pytest.raises(TypeError, match=f"Invalid type for argument `x` of {name}: "):
        getattr(tg.ops, name)(tg.tensor([True, False], dtype="bool"))


def test_frac_of_integers_is_refused_as_torch():
    with pytest.raises((RuntimeError, NotImplementedError), match="not implemented for 'Long'"):
        torch.frac(torch.tensor([1, 2]))
    with pytest.raises(TypeError, match="Invalid type for argument `x` of frac: an integer or bool tensor"):
        tg.ops.frac(tg.tensor([1, 2], dtype="int64"))


@pytest.mark.parametrize("bad", [1.5, "1", True, None])
def test_round_refuses_decimals_that_are_not_ints(bad):
    with pytest.raises(TypeError, match=r"Invalid type for argument `decimals` of round: expected an int, received "
                                        r"decimals="):
        tg.ops.round(tg.tensor([1.5]), decimals=bad)


@pytest.mark.parametrize("dtype", ["int64", "int32", "int8", "uint8", "bool"])
@pytest.mark.parametrize("name", ["sinh", "cosh", "arcsinh", "arccosh", "arctanh", "exp2", "log2", "log10", "expm1"])
def test_transcendental_ops_of_integers_and_bools_are_float32_as_torch(name, dtype):
    data = [0, 1] if dtype == "bool" else [0, 1, 2, 100] if dtype == "uint8" else [-3, 0, 1, 2, 100]
    ours = getattr(tg.ops, name)(tg.tensor(data, dtype=dtype))
    theirs = UNARY[name](torch.tensor(data, dtype=getattr(torch, dtype)))
    assert ours.dtype == str(theirs.dtype).removeprefix("torch.") == "float32"
    np.testing.assert_allclose(ours.numpy().astype(np.float64), theirs.numpy().astype(np.float64), rtol=2e-7)
    assert not ours.requires_grad


def test_hyperbolic_and_logarithms_at_the_edges_of_their_domains():
    """The brief's cases, each against torch: arccosh(0.5) is NaN (gradient NaN), arctanh(+-1) is +-inf with
    gradient inf, arccosh(1) is 0 with gradient inf, log2(-0.0) is -inf with gradient -inf."""
    for name, values in (("arccosh", [0.5, 1.0, -np.inf]), ("arctanh", [1.0, -1.0, 1.5, np.inf]),
                         ("log2", [0.0, -0.0, -1.0]), ("log10", [0.0, -0.0, -1.0]),
                         ("arcsinh", [1e300, -0.0]), ("exp2", [-np.inf, 1024.0, -1075.0])):
        x = np.array(values)
        ours = _ours_unary(name, x, np.ones_like(x))
        theirs = _theirs_unary(name, x, np.ones_like(x))
        ulps = 1 if name == "arcsinh" else 0      # arcsinh(1e300): NumPy's and torch's last bits differ
        _assert_close(ours[0], theirs[0], ulps, f"{name} value")
        _assert_close(ours[1], theirs[1], 0, f"{name} gradient")
    y, dx = _ours_unary("arccosh", np.array([0.5]), np.ones(1))
    assert np.isnan(y).all() and np.isnan(dx).all()
    y, dx = _ours_unary("arctanh", np.array([1.0, -1.0]), np.ones(2))
    assert y.tolist() == [np.inf, -np.inf] and dx.tolist() == [np.inf, np.inf]


# ------------------------------------------------------------------------------------------- binary ops
BINARY_SPECIAL = [np.nan, 0.0, -0.0, np.inf, -np.inf, 1.0, -1.0, 0.5, -2.5, 3.0, 1000.0, -1000.0, 1e-200, 1e200]


def _pairs(dtype):
    a, b = np.meshgrid(BINARY_SPECIAL, BINARY_SPECIAL, indexing="ij")
    rng = np.random.default_rng(2)
    with np.errstate(over="ignore"):
        a = np.concatenate([a.ravel(), rng.standard_normal(300) * 3]).astype(dtype)
        b = np.concatenate([b.ravel(), rng.standard_normal(300) * 3]).astype(dtype)
    return a, b


def _ours_binary(name, a, b, g):
    ta = tg.tensor(a, dtype=str(a.dtype), requires_grad=True)
    tb = tg.tensor(b, dtype=str(b.dtype), requires_grad=True)
    y = getattr(tg.ops, name)(ta, tb)
    y.backward(tg.tensor(g, dtype=str(g.dtype)))
    return y.numpy(), ta.grad.numpy(), tb.grad.numpy()


def _theirs_binary(name, a, b, g):
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    y = BINARY[name](ta, tb)
    y.backward(torch.tensor(g))
    return y.detach().numpy(), ta.grad.numpy(), tb.grad.numpy()


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_values_and_gradients_match_torch(name, dtype):
    a, b = _pairs(dtype)
    g = _upstream(a.size, dtype)
    ours, theirs = _ours_binary(name, a, b, g), _theirs_binary(name, a, b, g)
    value_ulps, grad_ulps = ULPS[dtype]
    # logaddexp is max(a, b) + log1p(exp(-|a - b|)): torch's vectorised kernel and ours (and NumPy's, and torch's
    # scalar one) differ by a unit in the last place of the larger term, many units of a result near 0
    larger = np.maximum(np.abs(a), np.abs(b))
    scale = np.where(np.isfinite(larger), larger, 0).astype(dtype) if name == "logaddexp" else None
    _assert_close(ours[0], theirs[0], value_ulps, f"{name} value, {dtype}", scale)
    _assert_close(ours[1], theirs[1], grad_ulps, f"{name} gradient of x1, {dtype}")
    _assert_close(ours[2], theirs[2], grad_ulps, f"{name} gradient of x2, {dtype}")


def test_binary_hand_cases():
    """logaddexp at (-inf, -inf) and (inf, inf): the infinity, with NaN gradients, as torch; arctan2's gradient at
    (0, 0) is (0, -0), as torch's; hypot's at (0, 0) NaN (0 / 0)."""
    x1 = tg.tensor([-np.inf, np.inf, -np.inf, 1000.0], dtype="float64", requires_grad=True)
    x2 = tg.tensor([-np.inf, np.inf, 2.0, 1000.0], dtype="float64", requires_grad=True)
    y = tg.ops.logaddexp(x1, x2)
    y.sum().backward()
    assert y.tolist()[:3] == [-np.inf, np.inf, 2.0] and y.tolist()[3] == 1000.0 + np.log(2.0)
    assert np.isnan(x1.grad.numpy()[:2]).all() and x1.grad.tolist()[2:] == [0.0, 0.5]
    assert np.isnan(x2.grad.numpy()[:2]).all() and x2.grad.tolist()[2:] == [1.0, 0.5]
    a = tg.tensor([0.0, -0.0, 0.0], dtype="float64", requires_grad=True)
    b = tg.tensor([0.0, 0.0, -0.0], dtype="float64", requires_grad=True)
    angle = tg.ops.arctan2(a, b)
    angle.sum().backward()
    assert angle.tolist() == [0.0, -0.0, np.pi] and np.signbit(angle.numpy()).tolist() == [False, True, False]
    assert np.signbit(a.grad.numpy()).tolist() == [False, False, True] and a.grad.tolist() == [0.0] * 3
    assert np.signbit(b.grad.numpy()).tolist() == [True, False, True] and b.grad.tolist() == [0.0] * 3
    a.grad = b.grad = None
    tg.ops.hypot(a, b).sum().backward()
    assert np.isnan(a.grad.numpy()).all() and np.isnan(b.grad.numpy()).all()


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("shapes", [((2, 3), (3,)), ((2, 1, 3), (4, 1)), ((), (3,)), ((0, 3), (3,)), ((), ())])
def test_binary_ops_broadcast_and_reduce_gradients_as_torch(name, shapes, backend):
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal(shapes[0]), rng.standard_normal(shapes[1])
    ta = tg.tensor(a, dtype="float64", backend=backend, requires_grad=True)
    tb = tg.tensor(b, dtype="float64", backend=backend, requires_grad=True)
    y = getattr(tg.ops, name)(ta, tb)
    y.sum().backward()
    ra, rb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    ry = BINARY[name](ra, rb)
    ry.sum().backward()
    assert y.shape == tuple(ry.shape)
    np.testing.assert_allclose(np.asarray(y.numpy()), ry.detach().numpy(), rtol=1e-14)
    np.testing.assert_allclose(np.asarray(ta.grad.numpy()), ra.grad.numpy(), rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(np.asarray(tb.grad.numpy()), rb.grad.numpy(), rtol=1e-14, atol=1e-300)


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("dtypes", [("int64", "float16"), ("float16", "float32"), ("int32", "float64"),
                                    ("bool", "float32"), ("int64", "int64"), ("int8", "uint8"), ("bool", "bool")])
def test_binary_ops_promote_as_torch_add_then_float32(name, dtypes):
    """Float beside integer: the float's dtype, as torch; two integers or bools: float32, as torch.atan2 and Keras 3
    (torch's logaddexp and hypot refuse them)."""
    a, b = np.array([1, 0, 3]), np.array([2, 1, 0])
    ours = getattr(tg.ops, name)(tg.tensor(a, dtype=dtypes[0]), tg.tensor(b, dtype=dtypes[1]))
    ta, tb = torch.tensor(a).to(getattr(torch, dtypes[0])), torch.tensor(b).to(getattr(torch, dtypes[1]))
    if "float" in "".join(dtypes) or name == "arctan2":
        theirs = BINARY[name](ta, tb)
    else:
        with pytest.raises((RuntimeError, NotImplementedError), match="not implemented for"):
            BINARY[name](ta, tb)
        theirs = BINARY[name](ta.float(), tb.float())
    assert ours.dtype == str(theirs.dtype).removeprefix("torch.")
    np.testing.assert_allclose(ours.numpy().astype(np.float64), theirs.numpy().astype(np.float64), rtol=1e-3)


def test_binary_ops_take_numbers_and_refuse_shapes_that_do_not_broadcast():
    x = tg.tensor([3.0, 5.0], requires_grad=True)
    assert tg.ops.hypot(x, 4.0).tolist() == torch.hypot(torch.tensor([3.0, 5.0]), torch.tensor(4.0)).tolist()
    assert tg.ops.arctan2(1.0, tg.tensor([0.0])).tolist() == [np.float32(np.pi / 2)]
    assert tg.ops.hypot(x, 4.0).dtype == "float32"
    with pytest.raises(ValueError, match=r"logaddexp: operands of shapes \(2,\) and \(3,\) cannot be broadcast"):
        tg.ops.logaddexp(x, tg.tensor([1.0, 2.0, 3.0]))


# ------------------------------------------------------------------------------------------- shapes, methods
@pytest.mark.parametrize("name", sorted(UNARY))
@pytest.mark.parametrize("shape", [(), (0,), (2, 0)])
def test_rank0_and_empty_shapes(name, shape, backend):
    x = np.full(shape, 1.25)
    t = tg.tensor(x, dtype="float64", backend=backend, requires_grad=True)
    y = getattr(tg.ops, name)(t)
    y.sum().backward()
    reference = torch.tensor(x, requires_grad=True)
    UNARY[name](reference).sum().backward()
    assert y.shape == shape and t.grad.shape == shape
    np.testing.assert_allclose(np.asarray(y.numpy()), UNARY[name](torch.tensor(x)).numpy(), rtol=1e-15)
    np.testing.assert_allclose(np.asarray(t.grad.numpy()), reference.grad.numpy(), rtol=1e-15)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_every_backend_agrees_with_torch(dtype, backend):
    x = _inputs(dtype)
    for name in sorted(UNARY):
        t = tg.tensor(x, dtype=dtype, backend=backend, requires_grad=True)
        y = getattr(tg.ops, name)(t)
        y.sum().backward()
        ty, tdx = _theirs_unary(name, x, np.ones_like(x))
        keep = ~((np.abs(x) > 709.5) & (np.abs(x) < 711)) if name in ("sinh", "cosh") else np.ones(x.shape, bool)
        exact = name in ROUNDING or name == "frac"
        _assert_close(np.asarray(y.numpy())[keep], ty[keep], 0 if exact else ULPS[dtype][0], f"{name} on {backend}")
        if name != "expm1":
            _assert_close(np.asarray(t.grad.numpy())[keep], tdx[keep], 0 if exact else ULPS[dtype][1],
                          f"{name} gradient on {backend}")


def test_methods_and_torch_aliases():
    x = tg.tensor([0.25, -0.5, 1.75], dtype="float64", requires_grad=True)
    t = torch.tensor([0.25, -0.5, 1.75], dtype=torch.float64)
    for method in ("floor", "ceil", "round", "trunc", "fix", "frac", "sinh", "cosh", "asinh", "arcsinh", "atanh",
                   "arctanh", "expm1", "exp2", "log2", "log10"):
        with np.errstate(invalid="ignore", divide="ignore"):
            ours = getattr(x, method)().numpy()
        np.testing.assert_allclose(ours, getattr(t, method)().numpy(), rtol=5e-16, err_msg=method)
    big = tg.tensor([1.5, 3.0], dtype="float64")
    assert big.acosh().tolist() == big.arccosh().tolist() == torch.tensor([1.5, 3.0], dtype=torch.float64).acosh(
        ).tolist()
    other = tg.tensor([2.0, -1.0, 0.5], dtype="float64")
    tother = torch.tensor([2.0, -1.0, 0.5], dtype=torch.float64)
    for method in ("logaddexp", "hypot", "atan2", "arctan2"):
        np.testing.assert_allclose(getattr(x, method)(other).numpy(), getattr(t, method)(tother).numpy(),
                                   rtol=5e-16, err_msg=method)
    assert x.round(decimals=1).tolist() == t.round(decimals=1).tolist()
    assert tg.ops.asinh is tg.ops.arcsinh and tg.ops.acosh is tg.ops.arccosh and tg.ops.atanh is tg.ops.arctanh
    assert tg.ops.atan2 is tg.ops.arctan2 and tg.ops.fix is tg.ops.trunc
    assert repr(x.asinh().grad_fn) == "<AsinhBackward>" and repr(x.atan2(other).grad_fn) == "<Atan2Backward>"
    assert repr(x.floor().grad_fn) == "<FloorBackward>" and repr(x.exp2().grad_fn) == "<Exp2Backward>"


def test_keras_names_exist_with_keras_values():
    keras = pytest.importorskip("keras", reason="Keras 3 is the reference of the keras.ops names")
    x = np.array([0.3, -1.5, 2.5, 0.9], dtype="float32")
    for name in ("floor", "ceil", "round", "trunc", "sinh", "cosh", "arcsinh", "arctanh", "exp2", "expm1", "log1p"):
        theirs = keras.ops.convert_to_numpy(getattr(keras.ops, name)(x))
        np.testing.assert_allclose(getattr(tg.ops, name)(tg.tensor(x)).numpy(), theirs, rtol=3e-7, err_msg=name)
    for name in ("logaddexp", "hypot", "arctan2"):
        theirs = keras.ops.convert_to_numpy(getattr(keras.ops, name)(x, x[::-1]))
        ours = getattr(tg.ops, name)(tg.tensor(x), tg.tensor(x[::-1]))
        np.testing.assert_allclose(ours.numpy(), theirs, rtol=3e-7, err_msg=name)
