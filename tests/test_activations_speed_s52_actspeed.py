"""The branch-free selections of the piecewise ops (session 52, finding 1 of the speed tester: ``np.where`` on a
random-sign mask made relu 42x slower than torch's).

``keep_where``/``choose`` pick values on their bit patterns on NumPy: these tests check that every value they pick
is the one ``np.where`` picks (NaN, infinities, ``-0.0``, every dtype size, broadcasting, 0-d and strided arrays), and
that the ops built on them keep PyTorch's special points on large random-sign inputs (the bit path's case): a NaN or
infinite upstream gradient where the mask is False gives 0, as PyTorch's ``threshold_backward`` and ``where``;
``relu(-0.0) = -0.0``; ties of ``maximum``/``minimum`` split the gradient; NaN and crossed bounds of ``clip``.
"""
import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv.ops.elementwise import choose, keep_where

SPECIAL = np.array([np.nan, 0.0, -0.0, np.inf, -np.inf, 1.0, -1.0, 0.5, -0.5, 3.0, -3.0, 1e-45, -1e-45])


def _random_sign_with_specials(n=4099, seed=0):
    """float64: standard normal values (random signs: the case where np.where branches badly) with the special values
    scattered through them; odd length so that vector loops have a tail."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n)
    where = rng.choice(n, size=200, replace=False)
    x[where] = np.resize(SPECIAL, 200)
    return x


def _upstream(n, seed=1):
    """An upstream gradient with NaN and infinities in it."""
    rng = np.random.default_rng(seed)
    g = rng.standard_normal(n)
    g[rng.choice(n, size=300, replace=False)] = np.resize([np.nan, np.inf, -np.inf], 300)
    return g


def assert_same(actual, expected):
    """The same numbers, bit for bit up to NaN payloads: NaN where NaN, and zeros of the same sign."""
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.dtype == expected.dtype and actual.shape == expected.shape
    assert np.array_equal(actual, expected, equal_nan=actual.dtype.kind in "fc")
    if actual.dtype.kind == "f":
        assert np.array_equal(np.signbit(actual), np.signbit(expected) | np.isnan(actual) & np.signbit(actual))


# ------------------------------------------------------------------------------------------- the helpers
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "int8", "int32", "uint64", "bool"])
def test_keep_where_and_choose_pick_what_np_where_picks(dtype):
    rng = np.random.default_rng(3)
    raw = _random_sign_with_specials(1001)
    if np.dtype(dtype).kind == "f":
        x, y = raw.astype(dtype), raw[::-1].astype(dtype)
    else:
        x = (rng.integers(-100, 100, 1001) if dtype != "uint64" else rng.integers(0, 2**63, 1001)).astype(dtype)
        y = x[::-1].copy()
    mask = rng.random(1001) < 0.5
    assert_same(keep_where(np, mask, x), np.where(mask, x, np.zeros((), dtype)))
    assert_same(choose(np, mask, x, y), np.where(mask, x, y))


def test_choose_broadcasts_and_takes_0d_and_strided_arrays():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((6, 8)).astype("float32")[:, ::2]       # strided
    y = np.asarray(np.float32(-0.0))                                 # 0-d
    mask = rng.random((3, 6, 1)) < 0.5                               # broadcast against (6, 4)
    assert_same(choose(np, mask, x, y), np.where(mask, x, y))
    assert_same(keep_where(np, mask, x), np.where(mask, x, np.float32(0)))
    zero_d = choose(np, np.asarray(True), np.asarray(1.5), np.asarray(2.5))
    assert isinstance(zero_d, np.ndarray) and zero_d.shape == () and zero_d == 1.5     # an array, as np.where's
    assert isinstance(keep_where(np, np.asarray(False), np.asarray(np.nan)), np.ndarray)


def test_keep_where_gives_zero_for_nan_and_infinity_where_the_mask_is_false():
    # by hand: a product grad * mask would give NaN at the first two
    out = keep_where(np, np.array([False, False, True, False]), np.array([np.nan, np.inf, np.nan, -2.0]))
    assert_same(out, np.array([0.0, 0.0, np.nan, 0.0]))


def test_the_helpers_fall_back_to_where_off_numpy():
    xp = pytest.importorskip("array_api_strict")
    mask = xp.asarray([True, False, True])
    x, y = xp.asarray([-0.0, np.nan, 2.0]), xp.asarray([1.0, 2.0, 3.0])
    assert_same(np.asarray(keep_where(xp, mask, x)), np.array([-0.0, 0.0, 2.0]))
    assert_same(np.asarray(choose(xp, mask, x, y)), np.array([-0.0, 2.0, 2.0]))


# ------------------------------------------------------------------------------------------- the ops, against torch
def _ours(fn, arrays, grad, backend, dtype="float32"):
    xs = [tg.tensor(a.astype(dtype), requires_grad=True, backend=backend) for a in arrays]
    y = fn(*xs)
    y.backward(tg.tensor(grad.astype(dtype), backend=backend))
    return y.numpy(), [x.grad.numpy() for x in xs]


def _torchs(fn, arrays, grad, dtype="float32"):
    torch = pytest.importorskip("torch", reason="PyTorch is the reference")
    xs = [torch.tensor(a.astype(dtype), requires_grad=True) for a in arrays]
    y = fn(*xs)
    y.backward(torch.tensor(grad.astype(dtype)))
    return y.detach().numpy(), [x.grad.numpy() for x in xs]


OPS = {   # name: (ours, torch's (None: see _torch_fn), arity)
    "relu": (lambda a: a.relu(), lambda a: a.relu(), 1),
    "clip": (lambda a: tg.ops.clip(a, -0.5, 0.5), lambda a: a.clamp(-0.5, 0.5), 1),
    "clip_zero_bounds": (lambda a: tg.ops.clip(a, 0.0, 0.0), lambda a: a.clamp(0.0, 0.0), 1),
    "clip_negative_zero": (lambda a: tg.ops.clip(a, -0.0, 1.0), lambda a: a.clamp(-0.0, 1.0), 1),
    "clip_nan_min": (lambda a: tg.ops.clip(a, float("nan"), 1.0), lambda a: a.clamp(float("nan"), 1.0), 1),
    "clip_nan_max": (lambda a: tg.ops.clip(a, max=float("nan")), lambda a: a.clamp(max=float("nan")), 1),
    "clip_crossed": (lambda a: tg.ops.clip(a, 1.0, -1.0), lambda a: a.clamp(1.0, -1.0), 1),
    "where": (lambda a, b: tg.ops.where(a > 0, a, b), None, 2),
    "maximum": (tg.ops.maximum, None, 2),
    "minimum": (tg.ops.minimum, None, 2),
}


def _torch_fn(name):
    torch = pytest.importorskip("torch", reason="PyTorch is the reference")
    if name == "where":
        return lambda a, b: torch.where(a > 0, a, b)
    if name in ("maximum", "minimum"):
        return getattr(torch, name)
    return OPS[name][1]


@pytest.mark.parametrize("name", list(OPS))
def test_piecewise_ops_match_torch_on_random_signs_with_special_values(name, backend):
    if backend == "array_api_strict":
        pytest.importorskip("array_api_strict")
    ours, _, arity = OPS[name]
    x = _random_sign_with_specials()
    arrays = [x, x[::-1].copy()][:arity]
    if arity == 2:           # ties, +-0.0 against each other included
        arrays[1][:50] = x[:50]
        arrays[1][50:60] = -x[50:60] * 0.0
    grad = _upstream(x.size)
    value, grads = _ours(ours, arrays, grad, backend)
    expected_value, expected_grads = _torchs(_torch_fn(name), arrays, grad)
    if name != "maximum" and name != "minimum":     # torch's vectorised maximum(0.0, -0.0) returns either zero
        assert_same(value, expected_value)
    else:
        assert np.array_equal(value, expected_value, equal_nan=True)
    for mine, theirs in zip(grads, expected_grads):
        assert_same(mine, theirs)


def test_relu_by_hand(backend):
    x = tg.tensor([np.nan, 0.0, -0.0, np.inf, -np.inf, -1.0, 2.0], dtype="float64", requires_grad=True,
                  backend=backend)
    y = x.relu()
    y.backward(tg.tensor([1.0, np.nan, np.inf, 2.0, np.nan, -np.inf, 3.0], dtype="float64", backend=backend))
    assert_same(y.numpy(), np.array([np.nan, 0.0, -0.0, np.inf, 0.0, 0.0, 2.0]))
    # the gradient passes at NaN and at x > 0, and is 0 at both zeros and below, whatever the upstream gradient
    assert_same(x.grad.numpy(), np.array([1.0, 0.0, 0.0, 2.0, 0.0, 0.0, 3.0]))


def test_maximum_ties_split_the_gradient_by_hand(backend):
    a = tg.tensor([1.0, 0.0, -0.0, np.nan, 2.0, 5.0], dtype="float64", requires_grad=True, backend=backend)
    b = tg.tensor([1.0, -0.0, -0.0, 1.0, 3.0, 4.0], dtype="float64", requires_grad=True, backend=backend)
    y = tg.ops.maximum(a, b)
    y.backward(tg.tensor([2.0, 4.0, 6.0, 8.0, np.nan, np.inf], dtype="float64", backend=backend))
    assert_same(y.numpy(), np.array([1.0, 0.0, -0.0, np.nan, 3.0, 5.0]))
    assert_same(a.grad.numpy(), np.array([1.0, 2.0, 3.0, 8.0, 0.0, np.inf]))     # NaN: both get all of it
    assert_same(b.grad.numpy(), np.array([1.0, 2.0, 3.0, 8.0, np.nan, 0.0]))


def test_sigmoid_and_softplus_keep_their_formulas_values(backend):
    x = _random_sign_with_specials().astype("float32")
    e = np.exp(-np.abs(x))
    with np.errstate(invalid="ignore"):
        by_hand = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))      # the stable formula, branch by branch
        softplus = np.where(x > 0, x, np.float32(0)) + np.log1p(e)
    assert_same(tg.tensor(x, backend=backend).sigmoid().numpy(), by_hand)
    assert_same(tg.activations.softplus(tg.tensor(x, backend=backend)).numpy(), softplus)
    torch = pytest.importorskip("torch", reason="PyTorch is the reference")
    np.testing.assert_allclose(by_hand, torch.sigmoid(torch.tensor(x)).numpy(), rtol=1e-6, atol=0)


@pytest.mark.parametrize("name", ["leaky_relu", "elu", "selu", "hard_sigmoid", "silu", "softplus"])
def test_composed_activations_keep_nan_upstream_gradients_as_torch(name, backend):
    """The ops built on ``where`` (leaky_relu, elu, selu, hard_sigmoid) and sigmoid: values, and gradients under a
    finite upstream gradient, as PyTorch's (NaN in the data included; ``elu``/``selu`` at NaN differ by design, see
    their docstrings, so NaN is left out of their data)."""
    torch = pytest.importorskip("torch", reason="PyTorch is the reference")
    functional = torch.nn.functional
    ours = getattr(tg.activations, name)
    theirs = {"leaky_relu": lambda a: functional.leaky_relu(a, 0.2), "hard_sigmoid": functional.hardsigmoid,
              "elu": functional.elu, "selu": functional.selu, "silu": functional.silu,
              "softplus": functional.softplus}[name]
    x = _random_sign_with_specials()
    if name in ("elu", "selu"):
        x = np.nan_to_num(x, nan=0.25)
    grad = np.random.default_rng(5).standard_normal(x.size)
    value, (g,) = _ours(ours, [x], grad, backend)
    expected_value, (expected_g,) = _torchs(theirs, [x], grad)
    np.testing.assert_allclose(value, expected_value, rtol=1e-6, atol=1e-37)
    np.testing.assert_allclose(g, expected_g, rtol=1e-5, atol=1e-6)    # (silu's: x s (1 - s) cancels)
    assert np.array_equal(np.signbit(value[value == 0]), np.signbit(expected_value[value == 0]))


@pytest.mark.parametrize("name, low, high", [("relu6", 0.0, 6.0), ("hard_tanh", -1.0, 1.0)])
def test_hard_clips_by_hand_and_against_torch(name, low, high, backend):
    """One op now (``HardClip``): the clip's value (NaN stays, -0.0 stays), gradient 1 strictly inside only, 0 at
    the bounds, outside and at NaN even for a NaN or infinite upstream gradient (PyTorch's ``hardtanh_backward``)."""
    x = np.array([np.nan, -0.0, 0.0, low, high, low - 1, high + 1, (low + high) / 2, np.inf, -np.inf])
    g = np.array([1.0, np.nan, np.inf, np.nan, np.inf, np.nan, -np.inf, 2.0, np.nan, 3.0])
    value, (grad,) = _ours(getattr(tg.activations, name), [x], g, backend, dtype="float64")
    inside = (x > low) & (x < high)
    assert_same(value, np.where(x < low, low, np.where(x > high, high, x)))     # NaN and both zeros stay
    assert_same(grad, np.where(inside, g, 0.0))
    torch = pytest.importorskip("torch", reason="PyTorch is the reference")
    reference = {"relu6": torch.nn.functional.relu6, "hard_tanh": torch.nn.functional.hardtanh}[name]
    expected_value, (expected_grad,) = _torchs(reference, [x], g, dtype="float64")
    assert np.array_equal(value, expected_value, equal_nan=True)
    assert_same(grad, expected_grad)
