"""float32 and float64 ``addcmul``/``addcdiv`` (and ``addcmul_``/``addcdiv_``) against PyTorch 2.13, bit for bit,
values and gradients: PyTorch's CPU kernel computes ``fma(value * t1, t2, t)`` (a fused multiply-add, in its vector
loop and its scalar loop alike, for ``value=1`` too) and ``t + (value * t1) / t2``; computed as ``t + (t1 * t2) *
value`` about 29 % of ``addcmul`` results and 11 % of ``addcdiv`` results at 0.3 differed (a tester's finding).
``fused_multiply_add_float64`` is checked against exact fractions."""
from fractions import Fraction

import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv.ops import fused_multiply_add

torch = pytest.importorskip("torch")


def _differing(ours, theirs):
    """How many elements differ bit for bit (signed zeros count; any NaN matches any NaN)."""
    ours, theirs = np.asarray(ours), np.asarray(theirs)
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
    unsigned = {4: np.uint32, 8: np.uint64}[ours.dtype.itemsize]
    both_nan = np.isnan(ours) & np.isnan(theirs)
    return int(np.sum((ours.view(unsigned) != theirs.view(unsigned)) & ~both_nan))


def _run_both(op, arrays, value, grad=None, in_place=False):
    """``op`` on tinygradconv and torch tensors made of ``arrays`` (all requiring grad unless ``in_place``): the
    two results and, after a backward pass with ``grad`` (ones if None), the two lists of gradients."""
    ours = [tg.tensor(a, requires_grad=not in_place) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=not in_place) for a in arrays]
    name = op + "_" if in_place else op
    out = getattr(ours[0], name)(ours[1], ours[2], value=value)
    expected = getattr(theirs[0], name)(theirs[1], theirs[2], value=value)
    if in_place:
        return out.numpy(), expected.numpy(), None, None
    g = np.ones(expected.shape, arrays[0].dtype) if grad is None else grad
    out.backward(tg.tensor(g))
    expected.backward(torch.tensor(g))
    return (out.numpy(), expected.detach().numpy(), [t.grad.numpy() for t in ours],
            [t.grad.numpy() for t in theirs])


@pytest.mark.parametrize("kind", ["float32", "float64"])
@pytest.mark.parametrize("op", ["addcmul", "addcdiv"])
@pytest.mark.parametrize("value", [0.3, 1, -2, 0.1, 3, -7.77])
def test_values_and_gradients_match_torch_bit_for_bit(kind, op, value):
    rng = np.random.default_rng(7)
    arrays = [rng.uniform(-4, 4, 30011).astype(kind) for _ in range(3)]     # vector loop and a scalar tail
    grad = rng.uniform(-4, 4, 30011).astype(kind)
    out, expected, grads, expected_grads = _run_both(op, arrays, value, grad)
    assert out.dtype == kind and _differing(out, expected) == 0
    for mine, reference in zip(grads, expected_grads):
        assert _differing(mine, reference) == 0


@pytest.mark.parametrize("kind", ["float32", "float64"])
def test_the_testers_case_and_what_rounding_twice_gave(kind):
    rng = np.random.default_rng(7)
    a, b, c = (rng.uniform(-4, 4, 100003).astype(kind) for _ in range(3))
    theirs = torch.tensor(a).addcmul(torch.tensor(b), torch.tensor(c), value=0.3).numpy()
    ours = tg.tensor(a).addcmul(tg.tensor(b), tg.tensor(c), value=0.3).numpy()
    assert _differing(ours, theirs) == 0
    assert _differing(a + (b * c) * np.asarray(0.3, kind), theirs) > 20000          # the old formula: ~29 %
    theirs = torch.tensor(a).addcdiv(torch.tensor(b), torch.tensor(c), value=0.3).numpy()
    assert _differing(tg.tensor(a).addcdiv(tg.tensor(b), tg.tensor(c), value=0.3).numpy(), theirs) == 0
    assert _differing(a + (b / c) * np.asarray(0.3, kind), theirs) > 5000


@pytest.mark.parametrize("kind", ["float32", "float64"])
@pytest.mark.parametrize("op", ["addcmul", "addcdiv"])
def test_short_broadcast_and_transposed_inputs_match_torch(on_backend, kind, op):
    """Short tensors (PyTorch's scalar loop only), broadcasting and a transposed (strided) operand: values bit for
    bit, and the gradient of the operand of the full shape; the gradients summed over broadcast dimensions to
    within a float rounding (PyTorch's sums add in another order)."""
    rng = np.random.default_rng(3)
    for n in range(1, 34):
        arrays = [rng.uniform(-4, 4, n).astype(kind) for _ in range(3)]
        out, expected, grads, expected_grads = _run_both(op, arrays, 0.3)
        assert _differing(out, expected) == 0
        assert all(_differing(x, y) == 0 for x, y in zip(grads, expected_grads))
    arrays = [rng.uniform(-4, 4, (30, 1)).astype(kind), rng.uniform(-4, 4, (1, 31)).astype(kind),
              rng.uniform(-4, 4, (31, 30)).astype(kind).T]
    out, expected, grads, expected_grads = _run_both(op, arrays, -0.7)
    assert _differing(out, expected) == 0
    assert _differing(grads[2], expected_grads[2]) == 0
    for mine, reference in zip(grads[:2], expected_grads[:2]):
        np.testing.assert_allclose(mine, reference, rtol=1e-5 if kind == "float32" else 1e-12)
    scalar_t = [np.asarray(1.25, kind), arrays[1][0], arrays[2][0]]               # a 0-d t
    out, expected, _, _ = _run_both(op, scalar_t, 0.3)
    assert _differing(out, expected) == 0


@pytest.mark.parametrize("kind", ["float32", "float64"])
@pytest.mark.parametrize("op", ["addcmul", "addcdiv"])
def test_special_values_match_torch(kind, op):
    rng = np.random.default_rng(11)
    info = np.finfo(kind)
    # (float64: a product below 2**-900 in magnitude rounds twice, documented in ops.fused_multiply_add: no
    # subnormal numbers in float64; float32's products are exact in float64, subnormal ones too)
    tiny = [info.tiny, -info.tiny, info.smallest_subnormal] if kind == "float32" else [1e-150, -1e-150]
    pool = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, *tiny, info.max, -info.max, 1e-20, 3e20], dtype=kind)
    arrays = [rng.uniform(-4, 4, 20000).astype(kind) for _ in range(3)]
    for a in arrays:
        pick = rng.random(a.size) < 0.2
        a[pick] = rng.choice(pool, int(pick.sum()))
    for value in (0.3, -2, 1e-30):
        out, expected, grads, expected_grads = _run_both(op, arrays, value)
        assert _differing(out, expected) == 0
        for mine, reference in zip(grads, expected_grads):
            assert _differing(mine, reference) == 0


@pytest.mark.parametrize("op", ["addcmul", "addcdiv"])
def test_in_place_and_in_graph_match_torch(op):
    rng = np.random.default_rng(5)
    arrays = [rng.uniform(-4, 4, 5000).astype("float32") for _ in range(3)]
    out, expected, _, _ = _run_both(op, arrays, 0.3, in_place=True)
    assert _differing(out, expected) == 0
    w, tw = tg.tensor(arrays[0], requires_grad=True), torch.tensor(arrays[0], requires_grad=True)
    y, ty = w * 1, tw * 1
    getattr(y, op + "_")(tg.tensor(arrays[1]), tg.tensor(arrays[2]), value=-0.1)
    getattr(ty, op + "_")(torch.tensor(arrays[1]), torch.tensor(arrays[2]), value=-0.1)
    assert _differing(y.detach().numpy(), ty.detach().numpy()) == 0
    # mixed dtypes: a float32 t, integer tensors (the product in float32, as PyTorch)
    ints = rng.integers(-5, 5, 5000)
    out = tg.tensor(arrays[0]).addcmul(tg.tensor(ints, dtype="int64"), tg.tensor(arrays[1]), value=0.3)
    expected = torch.tensor(arrays[0]).addcmul(torch.tensor(ints), torch.tensor(arrays[1]), value=0.3)
    assert _differing(out.numpy(), expected.numpy()) == 0


def test_an_integer_value_is_rounded_once_and_a_value_out_of_range_is_refused():
    v = 2 ** 53 + 2 ** 29 + 1                               # to float32 through float64: 2**53, rounded twice
    for kind in ("float32", "float64"):
        expected = torch.zeros(1, dtype=getattr(torch, kind)).addcmul(*[torch.ones(1, dtype=getattr(torch, kind))] * 2,
                                                                      value=v).item()
        ours = tg.tensor([0.0], dtype=kind).addcmul(*[tg.tensor([1.0], dtype=kind)] * 2, value=v).item()
        assert ours == expected
    ours = tg.tensor([0.0]).addcmul(*[tg.tensor([1.0])] * 2, value=v).item()
    assert ours == 2.0 ** 53 + 2 ** 30 != float(np.float32(v))
    with pytest.raises(RuntimeError, match="value cannot be converted to type float without overflow"):
        torch.ones(1).addcmul(torch.ones(1), torch.ones(1), value=1e39)
    with pytest.raises(ValueError, match=r"Invalid value for argument `value` of addcdiv: a float32 result .* "
                                         r"Received value=1e\+39"):
        tg.tensor([1.0]).addcdiv(tg.tensor([1.0]), tg.tensor([1.0]), value=1e39)
    with pytest.raises(ValueError, match="Invalid value for argument `value` of addcmul: a float16 result"):
        tg.tensor([1.0], dtype="float16").addcmul(*[tg.tensor([1.0], dtype="float16")] * 2, value=-1e39)
    ones64 = [tg.tensor([1.0], dtype="float64")] * 3
    assert ones64[0].addcmul(ones64[1], ones64[2], value=1e39).item() == 1e39      # float64: as PyTorch
    assert tg.tensor([1.0]).addcmul(tg.tensor([1.0]), tg.tensor([1.0]), value=float("inf")).item() == np.inf
    with pytest.raises(OverflowError):
        torch.ones(1).addcmul(torch.ones(1), torch.ones(1), value=2 ** 70)
    with pytest.raises(ValueError, match=r"an integer beyond 64 bits .* Received value=1180591620717411303424"):
        ones64[0].addcmul(ones64[1], ones64[2], value=2 ** 70)


def _exact_fma64(a, b, c):
    """``a * b + c`` rounded to the nearest float64 (ties to even), from exact fractions."""
    out = []
    for x, y, z in zip(a.tolist(), b.tolist(), c.tolist()):
        exact = Fraction(x) * Fraction(y) + Fraction(z)
        guess = float(exact)                                    # Fraction -> float rounds correctly
        out.append(guess if guess != 0 or exact != 0 else x * y + z)
    return np.array(out)


def test_fused_multiply_add_float64_is_rounded_once():
    rng = np.random.default_rng(0)
    n = 6000
    a, b = rng.standard_normal(n), rng.standard_normal(n)
    c = rng.standard_normal(n) * 2.0 ** rng.integers(-60, 60, n)
    c[: n // 3] = -(a[: n // 3] * b[: n // 3])                    # the result is the product's rounding error
    ties = slice(n // 3, 2 * n // 3)                              # a * b + c half way between two float64s
    a[ties] = 1 + 2.0 ** -26 * rng.integers(1, 2 ** 20, n // 3)
    b[ties] = 2.0 ** -53 * rng.integers(1, 2 ** 26, n // 3)
    c[ties] = rng.integers(1, 8, n // 3)
    want = _exact_fma64(a, b, c)
    assert np.sum(a * b + c != want) > 1000                           # two roundings differ
    assert _differing(fused_multiply_add.fused_multiply_add_float64(np, a, b, c), want) == 0
    size = fused_multiply_add.MULTIPLY_ADD_BLOCK + 7                  # several blocks, broadcast c
    x, y = np.resize(a, size), np.resize(b, size)
    assert _differing(fused_multiply_add.fused_multiply_add_float64(np, x, y, np.asarray(1.0)),
                      _exact_fma64(x[:n], y[:n], np.ones(n))[np.arange(size) % n]) == 0


def test_fused_multiply_add_float64_special_values_match_torch():
    """Infinities, NaN, signed zeros, overflowing and underflowing products: as PyTorch's addcmul with value 1
    (``fma(t1, t2, t)``); a product below ``2**-900`` rounds twice (documented), so none is drawn here."""
    rng = np.random.default_rng(2)
    n = 20000
    a = rng.standard_normal(n) * 2.0 ** rng.integers(-60, 60, n)
    b = rng.standard_normal(n) * 2.0 ** rng.integers(-60, 60, n)
    c = rng.standard_normal(n)
    pool = np.array([np.inf, -np.inf, np.nan, 1e308, -1e308, 2.0 ** 1000, 0.0, -0.0, 1e-200, 1e200, -1.7e308,
                     2.0 ** -1040, -5e-324])
    for array in (a, b, c):
        pick = rng.integers(0, n, 3000)
        array[pick] = rng.choice(pool, 3000)
    theirs = torch.tensor(c).addcmul(torch.tensor(a), torch.tensor(b), value=1).numpy()
    assert _differing(fused_multiply_add.fused_multiply_add_float64(np, a, b, c), theirs) == 0


def test_an_underflowed_product_keeps_its_sign_beside_a_zero():
    """``0 + 1e-310 * -1e-15`` rounds to ``-0`` in a fused multiply-add (the exact sum is negative), where
    ``x + p`` gave ``+0``; also for ``add(alpha=)`` (``multiply_add``)."""
    a, b, c = np.array([1e-310, 1e-310]), np.array([-1e-15, 1e-15]), np.array([0.0, -0.0])
    theirs = torch.tensor(c).addcmul(torch.tensor(a), torch.tensor(b), value=1).numpy()
    assert np.signbit(theirs).tolist() == [True, False]
    assert _differing(fused_multiply_add.fused_multiply_add_float64(np, a, b, c), theirs) == 0
    theirs = torch.tensor(c).add(torch.tensor(b), alpha=1e-310).numpy()
    assert _differing(fused_multiply_add.multiply_add(np, b, 1e-310, c), theirs) == 0


def _exact_fma32(a, b, c):
    """``a * b + c`` for float32 arrays rounded to the nearest float32 (ties to even; float32's subnormals, and
    infinity from ``2**128 - 2**103`` up), from exact fractions: NaN and infinities from float64 arithmetic, a
    zero's sign as IEEE 754's sum of the exact product and ``c``."""
    out = []
    for x, y, z in zip(a.tolist(), b.tolist(), c.tolist()):
        if not all(np.isfinite([x, y, z])):
            out.append(x * y + z)                                  # NaN and infinities: no rounding involved
            continue
        exact = Fraction(x) * Fraction(y) + Fraction(z)
        if exact == 0:
            out.append(x * y + z)          # the product is exact in float64: -0 only for (-0) + (-0)
            continue
        magnitude = abs(exact)
        exponent = magnitude.numerator.bit_length() - magnitude.denominator.bit_length()
        if Fraction(2) ** exponent > magnitude:
            exponent -= 1                                          # 2**exponent <= magnitude < 2**(exponent + 1)
        step = Fraction(2) ** (max(exponent, -126) - 23)           # float32's step there (2**-149 below 2**-126)
        rounded = round(magnitude / step) * step                   # Fraction's round: half to even
        value = float(rounded) if rounded < 2 ** 128 else np.inf
        out.append(value if exact > 0 else -value)
    return np.array(out, dtype=np.float32)


def _float32_bits(n, rng):
    """``n`` float32 numbers of random bits: every exponent, subnormals, signed zeros, infinities and NaN."""
    return rng.integers(0, 2 ** 32, n, dtype=np.uint64).astype(np.uint32).view(np.float32)


def _float32_adversarial(rng, n):
    """``(a, b, c)`` for ``a * b + c`` where rounding twice (to float64, then float32) goes wrong or nearly so:
    ties in float64 (the exact sum a hair off a float32 half way point, or on it), float32 subnormal results,
    results next to the largest float32, huge and tiny exponents, signed zeros."""
    c = np.float32(rng.uniform(1, 2, n) * 2.0 ** rng.integers(-100, 100, n) * rng.choice([-1, 1], n))
    k = rng.integers(1, 2 ** 8, n)                              # k**2 * 2**-46 below float64's half step
    sign = rng.choice([-1.0, 1.0], n)
    c_step = np.spacing(np.abs(c)).astype(np.float64)             # float32's step at c
    # a * b = half a step of c times (1 - k**2 * 2**-46): the exact sum a hair short of c's half way point
    a = np.float32((1 + k * 2.0 ** -23) * c_step / 2 * sign)
    b = np.float32(1 - k * 2.0 ** -23)
    quarter = slice(0, n // 4)                                   # exactly on the half way point: ties to even
    b[quarter] = 1
    a[quarter] = np.float32(c_step[quarter] / 2 * sign[quarter])
    subnormal = slice(n // 4, n // 2)                               # results among float32's subnormals
    c[subnormal] = np.float32(rng.integers(-2 ** 23, 2 ** 23, n // 4) * 2.0 ** -149)
    a[subnormal] = np.float32(rng.uniform(1, 2, n // 4) * 2.0 ** rng.integers(-140, -60, n // 4))
    b[subnormal] = np.float32(rng.uniform(-2, 2, n // 4) * 2.0 ** rng.integers(-100, -10, n // 4))
    extremes = slice(n // 2, 5 * n // 8)                      # near the largest float32, sums overflowing
    c[extremes] = np.float32(rng.choice([-1, 1], n // 8) * (2.0 ** 128 - 2.0 ** 104 * rng.integers(1, 4, n // 8)))
    a[extremes] = np.float32(rng.uniform(1, 2, n // 8) * 2.0 ** rng.integers(100, 128, n // 8))
    b[extremes] = np.float32(rng.uniform(-2, 2, n // 8) * 2.0 ** rng.integers(-30, 5, n // 8))
    return a, b, c


def test_fused_multiply_add_float32_is_rounded_once():
    """Bit for bit with the exact ``a * b + c`` rounded once to float32, on random bits (every exponent, special
    values) and on sums built to be ties in float64, subnormal or next to overflow; rounding twice through
    float64 differs on the built ones."""
    rng = np.random.default_rng(49)
    n = 6000
    a, b, c = _float32_adversarial(rng, n)
    want = _exact_fma32(a, b, c)
    with np.errstate(over="ignore"):
        twice = (a.astype(np.float64) * b + c).astype(np.float32)
    assert _differing(twice, want) > 800                           # rounding twice: wrong on the ties
    assert _differing(fused_multiply_add.fused_multiply_add_float32(np, a, b, c), want) == 0
    # the tie just below overflow: 2**128 - 2**103 - 2**-149 is 3.4028235e38, not inf
    a, b = np.float32([31 * 601 * 2.0 ** 60] * 2), np.float32([1801 * 2.0 ** 43] * 2)   # a * b = 2**128 - 2**103
    c = np.float32([-2.0 ** -149, 2.0 ** -149])
    assert fused_multiply_add.fused_multiply_add_float32(np, a, b, c).tolist() == [float(np.finfo("float32").max),
                                                                                  np.inf]
    # alone in its array: a tie among the subnormals (c an odd multiple of 2**-149, a * b = 2**-150 * (1 - 2**-46))
    a, b = np.float32([(1 + 2.0 ** -23) * 2.0 ** -75] * 2), np.float32([(1 - 2.0 ** -23) * 2.0 ** -75] * 2)
    c = np.float32([(2 ** 20 + 1) * 2.0 ** -149, -3 * 2.0 ** -149])
    want = _exact_fma32(a, b, c)
    assert want.tolist() == c.tolist() != (a.astype(np.float64) * b + c).astype(np.float32).tolist()
    for i in range(2):
        assert _differing(fused_multiply_add.fused_multiply_add_float32(np, a[i:i + 1], b[i:i + 1], c[i:i + 1]),
                          want[i:i + 1]) == 0
    a, b, c = (_float32_bits(n, rng) for _ in range(3))
    zeros = rng.integers(0, n, 500)
    a[zeros] = rng.choice(np.float32([0.0, -0.0]), 500)
    c[zeros[:250]] = rng.choice(np.float32([0.0, -0.0]), 250)
    with np.errstate(over="ignore", invalid="ignore"):
        c[n // 2:] = np.float32(a[n // 2:].astype(np.float64) * -b[n // 2:])   # cancellation: the product's tail
        want = _exact_fma32(a, b, c)
        assert _differing(fused_multiply_add.fused_multiply_add_float32(np, a, b, c), want) == 0


@pytest.mark.parametrize("case", ["uniform", "bits", "ties", "mixed exponents"])
def test_fused_multiply_add_float32_matches_torch_on_many_elements(case):
    """10**5 elements per case (several blocks; PyTorch's vector loop and scalar tail) against
    ``c.addcmul(a, b, value=1)``, which is ``fmaf(a, b, c)``; also on broadcast and 2-d shapes."""
    rng = np.random.default_rng(len(case))
    n = 10 ** 5
    if case == "uniform":
        a, b, c = (rng.uniform(-4, 4, n).astype(np.float32) for _ in range(3))
    elif case == "bits":
        a, b, c = (_float32_bits(n, rng) for _ in range(3))
    elif case == "ties":
        a, b, c = _float32_adversarial(rng, n)
    else:
        a, b, c = (np.float32(rng.standard_normal(n) * 2.0 ** rng.integers(-75, 64, n)) for _ in range(3))
    theirs = torch.tensor(c).addcmul(torch.tensor(a), torch.tensor(b), value=1).numpy()
    with np.errstate(over="ignore", invalid="ignore"):
        assert _differing(fused_multiply_add.fused_multiply_add_float32(np, a, b, c), theirs) == 0
    a2, c2 = a.reshape(1000, 100), c[:100]                          # broadcast c, one block and several
    theirs = torch.tensor(c2).addcmul(torch.tensor(a2), torch.tensor(b[:100]), value=1).numpy()
    assert _differing(fused_multiply_add.fused_multiply_add_float32(np, a2, b[:100], c2), theirs) == 0
    theirs = torch.tensor(c2[:7]).addcmul(torch.tensor(a2[:3, :7]), torch.tensor(b[:7]), value=1).numpy()
    assert _differing(fused_multiply_add.fused_multiply_add_float32(np, a2[:3, :7], b[:7], c2[:7]), theirs) == 0


def test_float64_ties_tipped_by_the_error_of_the_error():
    """``(1 + 2**-52) + 2**-53 * (1 - 2**-104)``: the product rounds to ``2**-53``, the sum then lies half way
    between ``1 + 2**-52`` and ``1 + 2**-51`` and rounds to even (``1 + 2**-51``); the exact sum is just below, so
    a fused multiply-add gives ``1 + 2**-52``; also for ``add(alpha=)`` (``multiply_add``), and negated."""
    a = np.array([(1 + 2.0 ** -52) * 2.0 ** -26, -(1 + 2.0 ** -52) * 2.0 ** -26])
    b = np.array([(1 - 2.0 ** -52) * 2.0 ** -27] * 2)
    c = np.array([1 + 2.0 ** -52, -1 - 2.0 ** -52])
    want = _exact_fma64(a, b, c)
    assert want.tolist() == c.tolist() != (a * b + c).tolist()
    assert _differing(fused_multiply_add.fused_multiply_add_float64(np, a, b, c), want) == 0
    assert _differing(torch.tensor(c).addcmul(torch.tensor(a), torch.tensor(b), value=1).numpy(), want) == 0
    assert _differing(fused_multiply_add.multiply_add(np, a, float(b[0]), c), want) == 0
    assert _differing(torch.tensor(c).add(torch.tensor(a), alpha=float(b[0])).numpy(), want) == 0


@pytest.mark.parametrize("case", ["uniform", "mixed exponents", "cancellation", "special values"])
def test_float64_fused_multiply_adds_match_torch_on_many_elements(case):
    """10**5 elements per case: ``fused_multiply_add_float64`` against ``c.addcmul(a, b, value=1)`` and
    ``multiply_add`` against ``c.add(b, alpha=alpha)`` (both PyTorch's fma), bit for bit; rounding twice differs
    in many of them (products below ``2**-900``, which round twice here, are not drawn)."""
    rng = np.random.default_rng(len(case) + 64)
    n = 10 ** 5
    if case == "uniform":
        a, b, c = (rng.uniform(-4, 4, n) for _ in range(3))
    else:
        a, b, c = (rng.standard_normal(n) * 2.0 ** rng.integers(-300, 300, n) for _ in range(3))
    if case == "cancellation":
        c = -(a * b) * (1 + rng.integers(-4, 5, n) * 2.0 ** -52)
    if case == "special values":
        pool = np.array([np.inf, -np.inf, np.nan, 0.0, -0.0, 1.7e308, -1e308, 2.0 ** -1000])
        for array in (b, c):
            pick = rng.integers(0, n, n // 10)
            array[pick] = rng.choice(pool, n // 10)
    with np.errstate(over="ignore", invalid="ignore"):
        theirs = torch.tensor(c).addcmul(torch.tensor(a), torch.tensor(b), value=1).numpy()
        assert _differing(fused_multiply_add.fused_multiply_add_float64(np, a, b, c), theirs) == 0
        assert _differing(a * b + c, theirs) > 100
        for alpha in (0.1, -3.3e-7):
            theirs = torch.tensor(c).add(torch.tensor(b), alpha=alpha).numpy()
            assert _differing(fused_multiply_add.multiply_add(np, b, alpha, c), theirs) == 0
