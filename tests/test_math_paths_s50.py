"""The faster paths of s50 keep torch's values: logcumsumexp as np.logaddexp.accumulate (torch's kernel step for
step), arctan2 all in float64 where NumPy's float32 loop is the C library's, log10 of float32 as log2 * log10(2) in
float64 (those two on NumPy and array-api-strict only), and float32_wider_where's small arrays picked with
``where``. References: torch 2.13 (its float32 results, and its float64 results rounded once to float32, the
correctly rounded value).
"""
import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv.ops.wider_float import SMALL, numpy_loop_is_simd, runs_c_library_loop

torch = pytest.importorskip("torch", reason="PyTorch is the reference of these ops")


def _random_bits(shape, seed):
    """float32 values of uniformly random bit patterns: the whole domain (subnormals, huge, tiny, inf, NaN)."""
    return np.random.default_rng(seed).integers(0, 2**32, shape, dtype=np.uint64).astype(np.uint32).view(np.float32)


def _same_bits(ours, theirs):
    """Bit for bit, any NaN matching any NaN."""
    width = {2: np.uint16, 4: np.uint32, 8: np.uint64}[ours.dtype.itemsize]
    return np.all((ours.view(width) == theirs.view(width)) | (np.isnan(ours) & np.isnan(theirs)))


SPECIALS = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -1.0, 1e-45, 3e38, -3e38, 88.0, -1000.0], np.float32)


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
@pytest.mark.parametrize("axis", [0, 1])
def test_logcumsumexp_is_torchs_bit_for_bit_over_the_whole_domain(dtype, axis):
    """torch's CPU kernel adds left to right in double (float32) or float (float16): the same steps give its bits,
    where the tree-shaped scan differed in float64's last bits."""
    rng = np.random.default_rng(0)
    cases = [_random_bits((300, 40), 1), rng.choice(SPECIALS, (300, 40)),
             np.where(rng.random((300, 40)) < 0.1, -np.inf, rng.standard_normal((300, 40)) * 50)]
    for a in cases:
        with np.errstate(all="ignore"):
            a = np.asarray(a, dtype=np.float32).astype(dtype)
            if dtype == "float64":
                a = a * (1 + 2.0**-40)        # bits below float32's
        out = tg.ops.logcumsumexp(tg.tensor(a), axis=axis).numpy()
        expected = torch.logcumsumexp(torch.from_numpy(a), axis).numpy()
        assert out.dtype == np.dtype(dtype) and _same_bits(out, expected)


def test_arctan2_in_float64_where_numpys_float32_loop_is_the_c_librarys():
    if numpy_loop_is_simd("arctan2"):
        pytest.skip("NumPy runs float32 arctan2 with its own SIMD loop here (float32 loop with float64 patches)")
    rng = np.random.default_rng(2)
    pairs = (rng.standard_normal((2, 200000)).astype(np.float32), (_random_bits(200000, 3), _random_bits(200000, 4)))
    for a, b in pairs:
        out = tg.ops.arctan2(tg.tensor(a), tg.tensor(b)).numpy()
        correctly_rounded = torch.atan2(torch.from_numpy(a).double(), torch.from_numpy(b).double()).float().numpy()
        assert out.dtype == np.float32 and _same_bits(out, correctly_rounded)


def test_log10_of_float32_is_float64_log10_rounded_once():
    """log2(a) * log10(2) in float64 (where the C library's log10 is slow) and float64 log10 round alike."""
    with np.errstate(all="ignore"):
        powers = np.array([10.0**k for k in range(-45, 39)], dtype=np.float32)
    x = np.concatenate([_random_bits(10**6, 5), powers, SPECIALS])
    out = tg.ops.log10(tg.tensor(x)).numpy()
    correctly_rounded = torch.log10(torch.from_numpy(x).double()).float().numpy()
    assert out.dtype == np.float32 and _same_bits(out, correctly_rounded)
    assert out[10**6 + 45:10**6 + 84].tolist() == list(range(39))         # log10(10**k) = k exactly, as torch


@pytest.mark.parametrize("name", ["tan", "arcsin", "exp2", "arctan2"])
def test_small_arrays_picked_with_where_give_the_same_bits(name):
    """Up to SMALL elements every element is computed in float64 too and picked with where; beyond, only the flagged
    ones are: the same float32 bits either way."""
    rng = np.random.default_rng(6)
    values = {"tan": np.concatenate([rng.uniform(-10, 10, 600), rng.uniform(1.53, 1.61, 600)]),
              "arcsin": rng.uniform(-1, 1, 1200), "exp2": rng.uniform(100, 128, 1200),
              "arctan2": rng.standard_normal((2, 1200))}[name]
    args = [v.astype(np.float32) for v in (values if name == "arctan2" else [values])]
    whole = getattr(tg.ops, name)(*(tg.tensor(a) for a in args)).numpy()
    pieces = [getattr(tg.ops, name)(*(tg.tensor(a[i:i + SMALL // 2]) for a in args)).numpy()
              for i in range(0, 1200, SMALL // 2)]
    assert len(args[0]) > SMALL and _same_bits(np.concatenate(pieces), whole)


# The 3 positive float32 (of all 2**31 - 2**23 finite ones, checked exhaustively) whose log10 lies so near halfway
# between two float32 that log2(a) * log10(2) and log10(a) in float64 round to either side (/tmp/s50_r4/exh.py)
LOG10_NEAR_HALFWAY = np.array([6.2845479e-30, 4.4042917e-28, 1.5380644e20], np.float32)


def test_log10_on_the_three_float32_near_halfway():
    """Where the C library's float64 log10 runs (the log2 path), torch's float32 value on these 3; elsewhere float64
    log10 rounded once, as on every other float32."""
    x = LOG10_NEAR_HALFWAY
    out = tg.ops.log10(tg.tensor(x)).numpy()
    torch32 = torch.log10(torch.from_numpy(x)).numpy()
    rounded_once = torch.log10(torch.from_numpy(x).double()).float().numpy()
    assert not np.any(torch32 == rounded_once)      # the 3 values where the two paths differ
    expected = torch32 if runs_c_library_loop(np, "log10", "float64") else rounded_once
    assert _same_bits(out, expected)


@pytest.mark.parametrize("name", ["log10", "arctan2"])
def test_strict_backend_takes_numpys_path(name):
    """array-api-strict runs NumPy's loops: the same path as NumPy, so the same float32 bits."""
    pytest.importorskip("array_api_strict", reason="the array-api-strict backend is optional")
    if name == "log10":
        args = [np.concatenate([np.abs(_random_bits(20000, 7)), LOG10_NEAR_HALFWAY])]
    else:
        args = [_random_bits(20000, 8), _random_bits(20000, 9)]
    on_numpy = getattr(tg.ops, name)(*(tg.tensor(a) for a in args)).numpy()
    on_strict = getattr(tg.ops, name)(*(tg.tensor(a, backend="array_api_strict") for a in args)).numpy()
    assert on_strict.dtype == np.float32 and _same_bits(on_strict, on_numpy)


def test_c_library_loop_asked_of_numpys_backends_only():
    """NumPy's dispatch on the host CPU says nothing of another backend's kernels (CuPy's, on the GPU): there the
    answer is False whatever the CPU; on NumPy and array-api-strict it is NumPy's."""
    import array_api_compat

    for name in ("log10", "arctan2", "tan"):
        assert runs_c_library_loop(np, name) == (not numpy_loop_is_simd(name))
        assert runs_c_library_loop(array_api_compat.array_namespace(torch.ones(1)), name) is False
    strict = pytest.importorskip("array_api_strict", reason="the array-api-strict backend is optional")
    assert runs_c_library_loop(strict, "arctan2") == (not numpy_loop_is_simd("arctan2"))
