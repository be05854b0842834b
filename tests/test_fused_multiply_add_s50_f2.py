"""A reviewer's findings on the fast exact fused multiply-add (s50): float64 results near overflow (the sum ``c + p``
or a part of Dekker's product past the largest float64 where the exact result is not), the NumPy and array-API
backends taking two careful ways for ``add(alpha=)`` (they differed for ``y >= 2**995``), float32 ``add(alpha=)``
with a power-of-two ``alpha`` (one rounding is exact without the fma) and small float32 arrays (no blocks), and the
memory of broadcast operands with a flagged element. References: exact fractions and PyTorch 2.13."""
import tracemalloc
from fractions import Fraction

import numpy as np
import pytest
from helpers import exact_multiply_add, same_bits, torch_on_one_thread

import tinygradconv as tg
from tinygradconv import torch_methods
from tinygradconv.ops import fused_multiply_add

torch = pytest.importorskip("torch", reason="PyTorch's fused multiply-adds are a reference")
array_api_strict = pytest.importorskip("array_api_strict", reason="the array-API backend's careful way")

MAX = float(np.finfo(np.float64).max)


def _exact(a, b, c):
    """``a * b + c`` rounded once to float64 from fractions (finite operands; inf past the largest)."""
    out = []
    for x, y, z in zip(*(np.broadcast_arrays(a, b, c)[i].ravel().tolist() for i in range(3))):
        exact = Fraction(x) * Fraction(y) + Fraction(z)
        try:
            out.append(float(exact))
        except OverflowError:
            out.append(np.inf if exact > 0 else -np.inf)
    return np.array(out)


def _near_overflow(rng, n):
    """``(a, b, c)`` whose float64 intermediates overflow where the exact ``a * b + c`` may not: ``c`` the largest
    float64 plus a product a hair under half its step (``c + p`` a tie that rounds to inf); products within
    ``2**-30`` of the largest float64 (``a_hi * b_hi`` overflows) plus half a step of either sign (ties that the
    product's low part tips), or plus a tiny ``c``; products just past it brought back by ``c``."""
    a = rng.uniform(1, 2, n) * 2.0 ** 512
    b = (MAX * (1 - rng.uniform(0, 2.0 ** -30, n))) / a
    p = a * b
    c = np.spacing(p) / 2 * rng.choice([-1.0, 1.0], n)
    part = n // 4
    a[:part] = 1 + rng.integers(1, 8, part) * 2.0 ** -52             # c + p: a tie rounded to inf
    b[:part] = (1 - rng.integers(1, 8, part) * 2.0 ** -52) * 2.0 ** 970
    c[:part] = MAX
    c[part:2 * part] = rng.choice([-1.0, 1.0], part) * 2.0 ** rng.integers(-1074, -22, part)     # tiny c
    over = slice(2 * part, 3 * part)                                # p overflows, c brings it back (or not)
    b[over] = MAX / a[over] * (1 + rng.uniform(0, 2.0 ** -40, part))
    c[over] = -(2.0 ** 971) * rng.integers(0, 4, part)                # steps of the largest float64
    return a, b, c


def test_intermediates_past_the_largest_float64_are_exact():
    """Against fractions and PyTorch's ``addcmul``/``add(alpha=)``: the fast way (one block and several), the
    careful way alone (the array-API backend), and ``multiply_add`` with ``alpha`` as each row's factor. Before:
    the reviewer's ``c + p`` case gave inf, and about half of the ties where ``a_hi * b_hi`` overflowed were
    rounded twice."""
    rng = np.random.default_rng(21)
    a, b, c = _near_overflow(rng, 400)
    want = _exact(a, b, c)
    with np.errstate(over="ignore"):
        assert np.isfinite(want).sum() > 200 and np.sum(want != c + a * b) > 50
    with torch_on_one_thread():
        theirs = torch.from_numpy(c).addcmul(torch.from_numpy(a), torch.from_numpy(b)).numpy()
    assert same_bits(theirs, want)
    with np.errstate(over="ignore", invalid="ignore"):
        assert same_bits(fused_multiply_add.fused_multiply_add_float64(np, a, b, c), want)
        assert same_bits(fused_multiply_add.fused_multiply_add_float64(np, b, a, c), want)
        tiled = [np.tile(v, 50) for v in (a, b, c)]                      # several blocks
        assert same_bits(fused_multiply_add.fused_multiply_add_float64(np, *tiled), np.tile(want, 50))
        strict = [array_api_strict.asarray(v) for v in (a, b, c)]
        assert same_bits(np.asarray(fused_multiply_add.fused_multiply_add_float64(array_api_strict, *strict)), want)
    x, y, alpha = np.array([MAX]), np.array([(1 - 2.0 ** -52) * 2.0 ** 970]), 1 + 2.0 ** -52     # the reviewer's
    with torch_on_one_thread():
        theirs = torch.from_numpy(x).add(torch.from_numpy(y), alpha=alpha).numpy()
    assert theirs[0] == MAX
    for backend in ("numpy", "array_api_strict"):
        ours = tg.tensor(x, backend=backend).add(tg.tensor(y, backend=backend), alpha=alpha).numpy()
        assert same_bits(ours, theirs)
    for alpha in (a[0], a[-1]):
        with np.errstate(over="ignore", invalid="ignore"):
            assert same_bits(fused_multiply_add.multiply_add(np, b, alpha, c), exact_multiply_add(c, b, alpha))


def test_numpy_and_array_api_backends_agree_for_large_and_subnormal_factors():
    """The reviewer's case: float64 ``add(alpha=0.1)`` with ``|y|`` from ``2**995`` (the array-API backend rounded
    twice where NumPy rebalanced the factors: 297 of 1000 differed from PyTorch); also an ``alpha`` of
    ``2**995`` or more or subnormal (rounded twice on both before), and ``addcmul`` with such a factor on the
    array-API backend (which raised a TypeError)."""
    rng = np.random.default_rng(2)
    x = rng.standard_normal(1000) * 1e300
    y = rng.choice([-1.0, 1.0], 1000) * rng.uniform(2.0 ** 995, 2.0 ** 1000, 1000)
    with torch_on_one_thread():
        theirs = torch.from_numpy(x).add(torch.from_numpy(y), alpha=0.1).numpy()
    for backend in ("numpy", "array_api_strict"):
        ours = tg.tensor(x, backend=backend).add(tg.tensor(y, backend=backend), alpha=0.1).numpy()
        assert same_bits(ours, theirs)
    small_x, small_y = rng.standard_normal(300), rng.standard_normal(300)
    for alpha, scale in ((3 * 2.0 ** 995 + 2.0 ** 950, 2.0 ** -997), (-(2.0 ** -1030) * 3, 2.0 ** 1020)):
        b = small_y * scale                             # alpha * b about small_y: near x, cancelling in some
        x_near = small_x * (3 * alpha * scale)
        want = exact_multiply_add(x_near, b, alpha)
        assert np.sum(want != x_near + alpha * b) > 20
        with torch_on_one_thread():
            assert same_bits(torch.from_numpy(x_near).add(torch.from_numpy(b), alpha=alpha).numpy(), want)
        for backend in ("numpy", "array_api_strict"):
            ours = tg.tensor(x_near, backend=backend).add(tg.tensor(b, backend=backend), alpha=alpha).numpy()
            assert same_bits(ours, want)
    a, t1 = rng.standard_normal(300), rng.uniform(1, 2, 300) * 2.0 ** 1000
    t2 = rng.standard_normal(300) * 2.0 ** -990
    with torch_on_one_thread():
        theirs = torch.from_numpy(a).addcmul(torch.from_numpy(t1), torch.from_numpy(t2)).numpy()
    assert same_bits(theirs, _exact(t1, t2, a))
    for backend in ("numpy", "array_api_strict"):
        tensors = [tg.tensor(v, backend=backend) for v in (a, t1, t2)]
        assert same_bits(tensors[0].addcmul(tensors[1], tensors[2]).numpy(), theirs)


@pytest.mark.parametrize("backend", ["numpy", "array_api_strict"])
def test_float32_power_of_two_alpha_is_one_rounding_without_the_fma(backend, monkeypatch):
    """``alpha`` of +-1 or a power of two: ``x + alpha * y`` in float32 is PyTorch's fused multiply-add bit for
    bit without it (no fma call) where the product neither overflows nor underflows; where it does (``2**-20 *
    1e-40`` loses bits, ``2 * 3e38`` is inf while ``3e38 * 2 - 3e38`` is not) the fma is taken, as before."""
    calls = []
    original = torch_methods._plain_sum_if_exact

    def counted(*args):
        result = original(*args)
        calls.append(result is not None)
        return result

    monkeypatch.setattr(torch_methods, "_plain_sum_if_exact", counted)
    rng = np.random.default_rng(4)
    n = 5000
    for alpha in (1.0, -1.0, 2.0, -0.5, 2.0 ** -20, 2.0 ** 100, 2.0 ** -149, 0.0):
        for low, high in ((-30, 30), (-149, -100), (-20, 128)):
            with np.errstate(over="ignore"):
                x = np.float32(rng.standard_normal(n) * 2.0 ** rng.integers(low, high, n))
                y = np.float32(rng.standard_normal(n) * 2.0 ** rng.integers(low, high, n))
            x[~np.isfinite(x)], y[~np.isfinite(y)] = 1, 1
            if alpha == 2.0:                 # the product overflows; the fma's result is finite
                y[0], x[0] = 3e38, -3e38
            with torch_on_one_thread():
                theirs = torch.from_numpy(x).add(torch.from_numpy(y), alpha=alpha).numpy()
                theirs_sub = torch.from_numpy(x).sub(torch.from_numpy(y), alpha=alpha).numpy()
            with np.errstate(over="ignore", invalid="ignore"):
                tx, ty = tg.tensor(x, backend=backend), tg.tensor(y, backend=backend)
                assert same_bits(tx.add(ty, alpha=alpha).numpy(), theirs)
                assert same_bits(tx.sub(ty, alpha=alpha).numpy(), theirs_sub)
    assert sum(calls) > 20 and not all(calls)                # the plain sum taken, and refused where it must be


def test_small_float32_arrays_are_rounded_once():
    """Up to ``SMALL_FLOAT32`` elements the float32 fast way takes fresh arrays (no blocks): sums a hair off or on
    float32 half-way points, subnormal results, broadcasting and a 0-d operand, against exact fractions; random
    data never calls the careful way."""
    rng = np.random.default_rng(6)
    n = 600
    x = np.float32(rng.uniform(1, 2, n) * 2.0 ** rng.integers(-60, 60, n) * rng.choice([-1, 1], n))
    step = np.spacing(np.abs(x)).astype(np.float64)
    alpha = np.float32(1 - 3 * 2.0 ** -23)
    y = np.float32((1 + 3 * 2.0 ** -23) * step / 2 * rng.choice([-1.0, 1.0], n))   # alpha * y a hair off half
    a = np.full(n, alpha)
    a[:100] = np.float32(rng.uniform(1, 2, 100) * 2.0 ** rng.integers(-140, -60, 100))    # subnormal results
    y[:100] = np.float32(rng.uniform(-2, 2, 100) * 2.0 ** rng.integers(-100, -10, 100))
    x[:100] = np.float32(rng.integers(-2 ** 23, 2 ** 23, 100) * 2.0 ** -149)
    exact = []
    for u, v, w in zip(a.tolist(), y.tolist(), x.tolist()):
        s = Fraction(u) * Fraction(v) + Fraction(w)
        exact.append(s)
    want = _exact_float32(exact, a * y + x)
    assert np.sum(want != np.float32(a.astype(np.float64) * y + x)) > 100          # rounding twice differs
    for size in (n, 7, 1):
        assert same_bits(fused_multiply_add.fused_multiply_add_float32(np, a[:size], y[:size], x[:size]),
                         want[:size])
    with torch_on_one_thread():
        theirs = torch.from_numpy(x).add(torch.from_numpy(y), alpha=float(alpha)).numpy()
    ours = fused_multiply_add.fused_multiply_add_float32(np, np.asarray(alpha), y, x)       # a 0-d factor
    assert same_bits(ours, theirs)
    col, row = rng.standard_normal((40, 1)).astype(np.float32), rng.standard_normal((1, 30)).astype(np.float32)
    c = rng.standard_normal((40, 30)).astype(np.float32)
    with torch_on_one_thread():
        theirs = torch.from_numpy(c).addcmul(torch.from_numpy(col), torch.from_numpy(row)).numpy()
    assert same_bits(fused_multiply_add.fused_multiply_add_float32(np, col, row, c), theirs)


def _exact_float32(exact, fallback):
    """Fractions rounded once to float32 (half to even, subnormals); a zero as ``fallback``'s."""
    out = []
    for s, f in zip(exact, fallback.tolist()):
        if s == 0:
            out.append(f)
            continue
        magnitude = abs(s)
        exponent = magnitude.numerator.bit_length() - magnitude.denominator.bit_length()
        if Fraction(2) ** exponent > magnitude:
            exponent -= 1
        step = Fraction(2) ** (max(exponent, -126) - 23)
        value = float(round(magnitude / step) * step)
        out.append(value if s > 0 else -value)
    return np.array(out, dtype=np.float32)


def test_broadcast_operands_with_a_flagged_element_are_not_copied_twice():
    """The reviewer's case: float64 ``addcmul`` of a (1000, 1000) tensor with (1000, 1) and (1, 1000) ones, one
    element infinite (the careful way for it): the flattened broadcast operands are picked from, not made again
    (peak 40 MB before; the result and two flattened operands are 24 MB)."""
    rng = np.random.default_rng(0)
    col, row, m = rng.standard_normal((1000, 1)), rng.standard_normal((1, 1000)), rng.standard_normal((1000, 1000))
    m[-1, -1] = np.inf
    m[3, 5] = -col[3, 0] * row[0, 5] * (1 + 2.0 ** -52)                           # cancellation, exact
    fused_multiply_add.fused_multiply_add_float64(np, col, row, m)
    tracemalloc.start()
    try:
        ours = fused_multiply_add.fused_multiply_add_float64(np, col, row, m)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 27e6
    with torch_on_one_thread():
        theirs = torch.from_numpy(m).addcmul(torch.from_numpy(col), torch.from_numpy(row)).numpy()
    assert same_bits(ours, theirs) and ours[-1, -1] == np.inf
    assert ours[3, 5] == _exact(col[3], row[:, 5], m[3, 5:6])[0] != 0
