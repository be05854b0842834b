"""float16 ``addcmul``/``addcdiv`` (and ``addcmul_``/``addcdiv_``) against PyTorch 2.13, bit for bit: PyTorch
computes them in float32 and rounds once (a tester found 27 % of values and 10-30 % of gradients one float16 step
off when each op rounded to float16), and ``fused_multiply_add_float32`` against exact fractions.

array_api_strict has no float16 dtype, so these run on NumPy only (the float32 path on both backends is checked by
tests/test_torch_in_place_s48.py)."""
from fractions import Fraction

import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv.ops.fused_multiply_add import fused_multiply_add_float32

torch = pytest.importorskip("torch")


def _bits(a):
    return np.asarray(a, dtype=np.float16).view(np.uint16)


def _same(ours, theirs):
    """Every element equal bit for bit (NaN payloads aside: any NaN matches any NaN)."""
    ours, theirs = np.asarray(ours, dtype=np.float16), np.asarray(theirs, dtype=np.float16)
    both_nan = np.isnan(ours) & np.isnan(theirs)
    return int(np.sum((_bits(ours) != _bits(theirs)) & ~both_nan))


def _inputs(rng, n, special=False):
    arrays = [rng.uniform(-4, 4, n).astype(np.float16) for _ in range(3)]
    if special:
        pool = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 6e-8, -6e-8, 1e-5, 65504, -65504, 300, 0.001],
                        dtype=np.float16)
        for a in arrays:
            pick = rng.random(n) < 0.2
            a[pick] = rng.choice(pool, int(pick.sum()))
    return arrays


@pytest.mark.parametrize("op", ["addcmul", "addcdiv"])
@pytest.mark.parametrize("value", [0.3, -2, 1, 0.1, 7.77, 1e-3, -0.7])
def test_values_and_gradients_match_torch_bit_for_bit(op, value):
    rng = np.random.default_rng(abs(hash((op, value))) % 2**32)
    a, b, c = _inputs(rng, 30011)
    g = rng.uniform(-4, 4, a.shape).astype(np.float16)
    ours = [tg.tensor(x, dtype="float16", requires_grad=True) for x in (a, b, c)]
    theirs = [torch.tensor(x, requires_grad=True) for x in (a, b, c)]
    out = getattr(ours[0], op)(ours[1], ours[2], value=value)
    expected = getattr(theirs[0], op)(theirs[1], theirs[2], value=value)
    assert tg.backend.dtype_name(out.dtype) == "float16"
    assert _same(out.numpy(), expected.detach().numpy()) == 0
    out.backward(tg.tensor(g, dtype="float16"))
    expected.backward(torch.tensor(g))
    for mine, reference in zip(ours, theirs):
        assert _same(mine.grad.numpy(), reference.grad.numpy()) == 0


@pytest.mark.parametrize("op", ["addcmul", "addcdiv"])
@pytest.mark.parametrize("value", [0.3, -3, 1e4])
def test_special_values_broadcasting_and_in_place_match_torch(op, value):
    rng = np.random.default_rng(7)
    a, b, c = _inputs(rng, 4000, special=True)
    shapes = ((40, 1, 1), (1, 10, 10), (10, 1))
    a, b, c = a[:40].reshape(shapes[0]), b[:100].reshape(shapes[1]), c[:10].reshape(shapes[2])
    ours = [tg.tensor(x, dtype="float16", requires_grad=True) for x in (a, b, c)]
    theirs = [torch.tensor(x, requires_grad=True) for x in (a, b, c)]
    out = getattr(ours[0], op)(ours[1], ours[2], value=value)
    expected = getattr(theirs[0], op)(theirs[1], theirs[2], value=value)
    assert _same(out.numpy(), expected.detach().numpy()) == 0
    out.sum().backward()
    expected.sum().backward()
    for mine, reference in zip(ours, theirs):
        assert mine.grad.shape == reference.grad.shape
        assert _same(mine.grad.numpy(), reference.grad.numpy()) == 0
    # in place, elementwise special values, no graph
    a, b, c = _inputs(rng, 5000, special=True)
    t, tt = tg.tensor(a, dtype="float16"), torch.tensor(a)
    assert getattr(t, op + "_")(tg.tensor(b, dtype="float16"), tg.tensor(c, dtype="float16"), value=value) is t
    getattr(tt, op + "_")(torch.tensor(b), torch.tensor(c), value=value)
    assert _same(t.numpy(), tt.numpy()) == 0


def test_the_testers_cases():
    x, y, z = (tg.tensor([v], dtype="float16") for v in (-3.314, -3.047, 3.508))
    assert x.addcmul(y, z, value=0.3).tolist() == [-6.51953125]      # torch; the exact value is -6.5208
    h = tg.tensor([-0.5], dtype="float16")
    assert h.addcdiv(h, h + 3, value=-2).tolist() == [-0.0999755859375]
    x.addcmul_(y, z, value=0.3)
    assert x.tolist() == [-6.51953125]


def test_in_graph_in_place_and_integer_operands_match_torch():
    rng = np.random.default_rng(3)
    a, b, c = _inputs(rng, 2000)
    w = tg.tensor(a, dtype="float16", requires_grad=True)
    tw = torch.tensor(a, requires_grad=True)
    y, ty = w * 1, tw * 1
    y.addcdiv_(tg.tensor(b, dtype="float16"), tg.tensor(c, dtype="float16"), value=0.3)
    ty.addcdiv_(torch.tensor(b), torch.tensor(c), value=0.3)
    assert _same(y.numpy(), ty.detach().numpy()) == 0
    ints = rng.integers(-5, 5, 2000)
    out = tg.tensor(a, dtype="float16").addcmul(tg.tensor(ints, dtype="int64"), tg.tensor(b, dtype="float16"),
                                                value=0.3)
    expected = torch.tensor(a).addcmul(torch.tensor(ints), torch.tensor(b), value=0.3)
    assert str(expected.dtype) == "torch.float16" and _same(out.numpy(), expected.numpy()) == 0


def _fma_reference(a, b, c):
    """``a * b + c`` rounded to the nearest float32 (ties to even), from exact fractions."""
    out = []
    for x, y, z in zip(a.tolist(), b.tolist(), c.tolist()):
        exact = Fraction(x) * Fraction(y) + Fraction(z)
        guess = np.float32(float(exact))
        candidates = [np.nextafter(guess, np.float32(-np.inf)), guess, np.nextafter(guess, np.float32(np.inf))]
        out.append(min(candidates, key=lambda q: (abs(Fraction(float(q)) - exact),
                                                   int(np.array(q, np.float32).view(np.uint32)) & 1)))
    return np.array(out, dtype=np.float32)


def test_fused_multiply_add_float32_is_rounded_once():
    rng = np.random.default_rng(0)
    n = 20000
    a, b = rng.standard_normal(n).astype(np.float32), rng.standard_normal(n).astype(np.float32)
    c = rng.standard_normal(n).astype(np.float32) * np.float32(2.0) ** rng.integers(-30, 30, n).astype(np.float32)
    c[: n // 4] = -(a[: n // 4] * b[: n // 4])                     # the result is the product's rounding error
    ties = slice(n // 4, n // 2)                                   # a * b + c half way between two float32s
    a[ties] = 1 + np.float32(2.0 ** -12) * rng.integers(1, 4000, n // 4)
    b[ties] = np.float32(2.0 ** -24) * rng.integers(1, 2 ** 12, n // 4)
    c[ties] = rng.integers(1, 8, n // 4)
    want = _fma_reference(a, b, c)
    assert np.sum((a * b + c).view(np.uint32) != want.view(np.uint32)) > 1000    # two roundings differ
    assert np.array_equal(fused_multiply_add_float32(np, a, b, c).view(np.uint32), want.view(np.uint32))
