"""Brief s50: the fast way of ``ops.fused_multiply_add`` on NumPy arrays (in-place blocks, whole-block tests that
flag the elements the careful way computes again) against PyTorch 2.13's fused multiply-adds (``addcmul``,
``add(alpha=)``) on 10**6 elements per dtype, and against exact fractions on built cases: ties, the largest
significands (the bound of Dekker's product), subnormal and huge factors, zeros, infinities and NaN. Also float32
``add(alpha=)``, which rounded twice (through float64) where PyTorch's float32 fma rounds once: half of the sums
built to lie a hair off a float32 half-way point differed."""
from fractions import Fraction

import numpy as np
import pytest
from helpers import exact_multiply_add, same_bits, torch_on_one_thread

import tinygradconv as tg
from tinygradconv.ops import fused_multiply_add

torch = pytest.importorskip("torch", reason="PyTorch's fused multiply-adds are the reference")


def _exact_fma64(a, b, c):
    """``a * b + c`` rounded once to float64 from exact fractions (finite operands; inf past the largest)."""
    out = []
    for x, y, z in zip(*(np.broadcast_arrays(a, b, c)[i].ravel().tolist() for i in range(3))):
        exact = Fraction(x) * Fraction(y) + Fraction(z)
        try:
            out.append(float(exact) if exact != 0 else x * y + z)      # (a zero: IEEE's sign of the sum)
        except OverflowError:
            out.append(np.inf if exact > 0 else -np.inf)
    return np.array(out)


def _exact_fma32(a, b, c):
    """``a * b + c`` of float32 numbers rounded once to float32 (ties to even, subnormals, inf from ``2**128 -
    2**103``), from exact fractions; finite operands."""
    out = []
    for x, y, z in zip(a.tolist(), b.tolist(), c.tolist()):
        exact = Fraction(x) * Fraction(y) + Fraction(z)
        if exact == 0:
            out.append(np.float32(x) * np.float32(y) + np.float32(z))
            continue
        magnitude = abs(exact)
        exponent = magnitude.numerator.bit_length() - magnitude.denominator.bit_length()
        if Fraction(2) ** exponent > magnitude:
            exponent -= 1
        step = Fraction(2) ** (max(exponent, -126) - 23)
        rounded = round(magnitude / step) * step                       # half to even
        value = float(rounded) if rounded < 2 ** 128 else np.inf
        out.append(value if exact > 0 else -value)
    return np.array(out, dtype=np.float32)


def _float32_near_ties(rng, n):
    """``(alpha, y, x)`` with ``x + alpha * y`` a hair off (or on) a float32 half-way point next to ``x``: the
    float64 sum lands on it, rounding twice goes the wrong way in about half of them."""
    x = np.float32(rng.uniform(1, 2, n) * 2.0 ** rng.integers(-60, 60, n) * rng.choice([-1, 1], n))
    k = rng.integers(1, 2 ** 8, n)
    step = np.spacing(np.abs(x)).astype(np.float64)
    alpha = np.float32(1 - 3 * 2.0 ** -23)
    # alpha * y: half a step times (1 - 9 * 2**-46), of either sign
    y = np.float32((1 + 3 * 2.0 ** -23) * step / 2 * rng.choice([-1.0, 1.0], n))
    y[: n // 8] = np.float32(step[: n // 8] / 2 * (1 + 2.0 ** -23 * k[: n // 8]))
    return alpha, y, x


def test_float32_add_with_alpha_is_rounded_once_as_torch():
    """PyTorch's float32 ``add(alpha=)`` is ``fmaf(alpha, y, x)``; the sum in float64 rounded to float32 (this
    method before s50) differed on the ties; also ``sub`` (the add of ``-alpha``) and a broadcast ``y``."""
    rng = np.random.default_rng(50)
    alpha, y, x = _float32_near_ties(rng, 4000)
    want = _exact_fma32(np.full(x.shape, alpha), y, x)
    twice = (x.astype(np.float64) + np.float64(alpha) * y).astype(np.float32)
    assert np.sum(twice != want) > 1000
    with torch_on_one_thread():
        theirs = torch.from_numpy(x).add(torch.from_numpy(y), alpha=float(alpha)).numpy()
        theirs_sub = torch.from_numpy(x).sub(torch.from_numpy(y), alpha=-float(alpha)).numpy()
    assert same_bits(theirs, want) and same_bits(theirs_sub, want)
    assert same_bits(tg.tensor(x).add(tg.tensor(y), alpha=float(alpha)).numpy(), want)
    assert same_bits(tg.tensor(x).sub(tg.tensor(y), alpha=-float(alpha)).numpy(), want)
    column = x[:40].reshape(40, 1)                               # y broadcast along a new dimension
    with torch_on_one_thread():
        theirs = torch.from_numpy(column).add(torch.from_numpy(y[:33]), alpha=float(alpha)).numpy()
    assert same_bits(tg.tensor(column).add(tg.tensor(y[:33]), alpha=float(alpha)).numpy(), theirs)


@pytest.mark.parametrize("kind", ["float16", "float32", "float64"])
def test_addcmul_and_add_with_alpha_match_torch_on_a_million_elements(kind):
    """10**6 random elements of mixed magnitudes, with zeros, signed zeros, infinities and NaN sprinkled in (many
    blocks, the one-block way for the broadcast shape), values ``0.3``, ``1`` and an integer."""
    rng = np.random.default_rng(len(kind))
    n = 10 ** 6
    span = {"float16": 6, "float32": 40, "float64": 200}[kind]
    arrays = [(rng.standard_normal(n) * 2.0 ** rng.integers(-span, span, n)).astype(kind) for _ in range(3)]
    pool = np.array([0.0, -0.0, np.inf, -np.inf, np.nan], dtype=kind)
    for a in arrays:
        pick = rng.integers(0, n, n // 1000)
        a[pick] = rng.choice(pool, pick.size)
    ours, theirs = [tg.tensor(a, dtype=kind) for a in arrays], [torch.from_numpy(a) for a in arrays]
    with torch_on_one_thread(), np.errstate(over="ignore", invalid="ignore"):
        for value in (0.3, 1, -3):
            want = theirs[0].addcmul(theirs[1], theirs[2], value=value).numpy()
            assert same_bits(ours[0].addcmul(ours[1], ours[2], value=value).numpy(), want)
        if kind != "float16":       # (PyTorch's float16 add rounds its leftover elements twice: documented)
            want = theirs[0].add(theirs[1], alpha=0.1).numpy()
            assert same_bits(ours[0].add(ours[1], alpha=0.1).numpy(), want)
        small = [a[:300].reshape(30, 10) for a in arrays[:2]] + [arrays[2][:10]]
        want = torch.from_numpy(small[0]).addcmul(torch.from_numpy(small[1]), torch.from_numpy(small[2]),
                                                  value=0.3).numpy()
        got = tg.tensor(small[0]).addcmul(tg.tensor(small[1]), tg.tensor(small[2]), value=0.3).numpy()
        assert same_bits(got, want)


def _float64_hard_cases(rng, n):
    """``(a, b, c)``: the largest significands (Dekker's bound), products near ties of ``c``, cancellation,
    subnormal factors with a large partner, factors of ``2**995`` and more, zeros."""
    a = (2.0 ** 53 - rng.integers(1, 2 ** 20, n)) * 2.0 ** rng.integers(-80, -20, n) * rng.choice([-1, 1], n)
    b = (2.0 ** 53 - rng.integers(1, 2 ** 20, n)) * 2.0 ** rng.integers(-80, -20, n)
    c = rng.standard_normal(n) * 2.0 ** rng.integers(-20, 20, n)
    part = n // 6
    ties = slice(0, part)                     # a * b about half a step of c (times 1 +- 2**-52 k)
    c[ties] = rng.integers(1, 2 ** 20, part) * 1.0
    a[ties] = 2.0 ** -27 * (1 + rng.integers(1, 2 ** 26, part) * 2.0 ** -52)
    b[ties] = np.spacing(c[ties]) / 2 / a[ties] * (1 + rng.integers(-2, 3, part) * 2.0 ** -52)
    cancel = slice(part, 2 * part)
    c[cancel] = -(a[cancel] * b[cancel])
    sub = slice(2 * part, 3 * part)
    a[sub] = rng.uniform(1, 2, part) * 2.0 ** rng.integers(-1074, -1023, part)
    b[sub] = rng.uniform(1, 2, part) * 2.0 ** rng.integers(200, 900, part)
    c[sub] = -(a[sub] * b[sub]) * (1 + rng.integers(-3, 4, part) * 2.0 ** -50)
    big = slice(3 * part, 4 * part)
    b[big] = rng.uniform(1, 2, part) * 2.0 ** rng.integers(995, 1023, part)
    a[big] = rng.standard_normal(part) * 2.0 ** -60
    c[big] = -(a[big] * b[big]) * (1 + rng.integers(-3, 4, part) * 2.0 ** -50)
    zeros = slice(4 * part, 5 * part)
    a[zeros] = rng.choice([0.0, -0.0], part)
    c[zeros][::2] = rng.choice([0.0, -0.0], len(c[zeros][::2]))
    return a, b, c


def test_float64_hard_cases_are_rounded_once():
    """Against exact fractions (and PyTorch): ``fused_multiply_add_float64`` and ``multiply_add`` (``alpha`` a
    factor of each row: its splitting once, with and without a low half)."""
    rng = np.random.default_rng(5)
    a, b, c = _float64_hard_cases(rng, 6000)
    want = _exact_fma64(a, b, c)
    assert np.sum(a * b + c != want) > 1000
    with np.errstate(over="ignore", invalid="ignore"):
        assert same_bits(fused_multiply_add.fused_multiply_add_float64(np, a, b, c), want)
        assert same_bits(fused_multiply_add.fused_multiply_add_float64(np, b, a, c), want)
    theirs = torch.from_numpy(c).addcmul(torch.from_numpy(a), torch.from_numpy(b), value=1).numpy()
    assert same_bits(theirs, want)
    for alpha in (0.1, -(2.0 ** 53 - 1) * 2.0 ** -60, 3.0, 2.0 ** 60 + 2.0 ** 8):     # y = b: 2**995 and more too
        with np.errstate(over="ignore"):
            assert same_bits(fused_multiply_add.multiply_add(np, b, alpha, c), exact_multiply_add(c, b, alpha))


def test_float32_hard_cases_are_rounded_once():
    """Against exact fractions: float32 sums a hair off or on a float32 half-way point, subnormal results, the tie
    next to overflow, in several blocks and in one; float16 operands taken as they are."""
    rng = np.random.default_rng(6)
    alpha, y, x = _float32_near_ties(rng, 3000)
    a = np.full(x.shape, alpha)
    subnormal = slice(0, 500)
    x[subnormal] = np.float32(rng.integers(-2 ** 23, 2 ** 23, 500) * 2.0 ** -149)
    a[subnormal] = np.float32(rng.uniform(1, 2, 500) * 2.0 ** rng.integers(-140, -60, 500))
    y[subnormal] = np.float32(rng.uniform(-2, 2, 500) * 2.0 ** rng.integers(-100, -10, 500))
    a[500:502], y[500:502] = np.float32(31 * 601 * 2.0 ** 60), np.float32(1801 * 2.0 ** 43)   # 2**128 - 2**103
    x[500:502] = np.float32([-2.0 ** -149, 2.0 ** -149])
    want = _exact_fma32(a, y, x)
    assert want[500] == np.finfo(np.float32).max and want[501] == np.inf
    with np.errstate(over="ignore"):
        assert same_bits(fused_multiply_add.fused_multiply_add_float32(np, a, y, x), want)
        tiled = [np.tile(v, 25) for v in (a, y, x)]                  # several blocks
        assert tiled[0].size > fused_multiply_add.FLOAT32_BLOCK
        assert same_bits(fused_multiply_add.fused_multiply_add_float32(np, *tiled), np.tile(want, 25))
    h = [rng.uniform(-4, 4, 3000).astype(np.float16) for _ in range(3)]
    assert same_bits(fused_multiply_add.fused_multiply_add_float32(np, *h),
                     _exact_fma32(*(v.astype(np.float32) for v in h)))


def test_random_blocks_take_the_fast_way_only(monkeypatch):
    """Random data holds no tie, tiny product or non-finite value: the careful way is never called (it was for
    every element before s50); a block with one tie calls it for that element alone."""
    calls = []

    def counted(original):
        return lambda xp, *args: calls.append(np.size(args[-1])) or original(xp, *args)

    monkeypatch.setattr(fused_multiply_add, "_fused_multiply_add_float64_block",
                        counted(fused_multiply_add._fused_multiply_add_float64_block))
    monkeypatch.setattr(fused_multiply_add, "_ties_rounded_again",
                        counted(fused_multiply_add._ties_rounded_again))
    rng = np.random.default_rng(7)
    size = 2 * fused_multiply_add.FLOAT32_BLOCK + 5                       # several blocks of either
    a, b, c = (rng.standard_normal(size) for _ in range(3))
    fused_multiply_add.fused_multiply_add_float64(np, a, b, c)
    fused_multiply_add.multiply_add(np, b, 0.1, c)
    fused_multiply_add.fused_multiply_add_float32(np, *(v.astype(np.float32) for v in (a, b, c)))
    assert calls == []
    a[size - 3], b[size - 3], c[size - 3] = (1 + 2.0 ** -52) * 2.0 ** -26, (1 - 2.0 ** -52) * 2.0 ** -27, 1 + 2.0 ** -52
    ours = fused_multiply_add.fused_multiply_add_float64(np, a, b, c)
    assert calls == [1] and ours[size - 3] == 1 + 2.0 ** -52 != a[size - 3] * b[size - 3] + c[size - 3]


def test_threads_each_have_their_own_buffers():
    """The fast way's buffers are each thread's own scratch memory (NumPy lets other threads run during its
    operations): four threads at once give the results of one alone."""
    import threading

    rng = np.random.default_rng(8)
    size = 3 * fused_multiply_add.FLOAT32_BLOCK + 11
    jobs = [[rng.standard_normal(size) * 2.0 ** rng.integers(-40, 40, size) for _ in range(3)] for _ in range(4)]
    alone = [(fused_multiply_add.fused_multiply_add_float64(np, *job),
              fused_multiply_add.fused_multiply_add_float32(np, *(v.astype(np.float32) for v in job))) for job in jobs]
    together = [None] * 4

    def work(i):
        results = []
        for _ in range(3):
            results.append((fused_multiply_add.fused_multiply_add_float64(np, *jobs[i]),
                            fused_multiply_add.fused_multiply_add_float32(np, *(v.astype(np.float32)
                                                                                for v in jobs[i]))))
        together[i] = results

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for i in range(4):
        for wide, narrow in together[i]:
            assert same_bits(wide, alone[i][0]) and same_bits(narrow, alone[i][1])
