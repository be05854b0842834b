"""Products in blocks of rows small enough for OpenBLAS's small-matrix kernels (tinygradconv.ops.gemm_blocks, issue
13): the rule that chooses the blocks, per CPU maker, and the blocked products against sums written from the
formula. The convolutions with and without the blocks are compared in test_conv_ops.py and test_special_points.py."""
import numpy as np
import pytest
from helpers import with_small_gemm_kernels

from tinygradconv.ops import conv_batching, gemm_blocks


def _rows(m, k, n, dtype=np.float32):
    return gemm_blocks.rows_per_block(np.zeros((m, k), dtype), np.zeros((k, n), dtype))


def test_rows_per_block_on_a_xeon(monkeypatch):
    """Blocks of rows under m*N*K <= 10**6, shared evenly, at least 80 rows each; none for K > 128, a column-major b,
    float16, another namespace, one block's worth of rows, or a BLAS without the kernels."""
    with_small_gemm_kernels(monkeypatch)
    f32 = np.zeros((32, 256, 64), np.float32)
    w = np.zeros((64, 64), np.float32)
    rows = gemm_blocks.rows_per_block
    assert rows(f32, w) == 128                                   # 244 fit: two blocks of 128 per sample
    assert _rows(1024, 64, 64, np.float64) == 205                # float64 too; 5 blocks: 205 x 4 + 204
    assert _rows(1000, 64, 128) == 112                           # 122 fit: 9 blocks, one of 112 and 8 of 111
    assert _rows(4096, 192, 64) == 0                             # K > 128
    assert _rows(4096, 64, 256) == 0                             # 61 rows fit: too few
    assert _rows(130, 64, 128) == 0                              # 122 fit, but 2 blocks would hold 65 each
    assert rows(f32, np.asfortranarray(w)) == 0                  # b column-major
    assert rows(f32.astype(np.float16), w.astype(np.float16)) == 0
    assert rows(f32[:, :200], w) == 0                            # 200 rows: one GEMM holds them
    monkeypatch.setattr(gemm_blocks, "has_small_gemm_kernels", lambda: False)
    assert rows(f32, w) == 0
    xps = pytest.importorskip("array_api_strict")
    with_small_gemm_kernels(monkeypatch)
    assert rows(xps.asarray(f32), xps.asarray(w)) == 0


def test_rows_per_block_on_an_amd_core(monkeypatch):
    """On an AMD core (measured on Zen 4) narrow products (N <= 64) take blocks for K up to 768 and down to 16 rows
    per block; wider products keep the Xeon's limits."""
    with_small_gemm_kernels(monkeypatch)
    monkeypatch.setattr(conv_batching, "CPU_VENDOR", "AuthenticAMD")
    assert _rows(4096, 192, 64) == 81                   # 10**6 // (192*64) = 81 fit: 51 blocks of 81 or 80
    assert _rows(4096, 768, 64) == 20                   # 20 fit: 205 blocks of 20 or 19 (Xeon: none, K > 128)
    assert _rows(4096, 769, 64) == 0                    # K above 768
    assert _rows(4096, 768, 128) == 0                   # N > 64: the Xeon's limits (K > 128)
    assert _rows(4096, 64, 128) == 121                  # N > 64, K <= 128, 122 fit: as on the Xeon
    assert _rows(4096, 512, 256) == 0                   # 7 rows fit: too few on either
    assert _rows(30, 768, 64) == 0                      # 20 fit, but 2 blocks would hold 15 each
    monkeypatch.setattr(conv_batching, "CPU_VENDOR", "GenuineIntel")
    assert _rows(4096, 192, 64) == 0


def test_per_sample_stacks_take_the_narrow_limits_on_every_core(monkeypatch):
    """A stack of per-sample products (one matrix b per sample, the kernel gradient's) with N <= 64 takes the narrow
    limits (K up to 768, 16 rows) on a Xeon too, measured there (2026-12-05); one matrix b for all rows does not,
    and NARROW_SAMPLE_PRODUCTS = False keeps them to AMD cores."""
    with_small_gemm_kernels(monkeypatch)                            # an Intel core
    stack, one = np.zeros((32, 64, 256), np.float32), np.zeros((256, 64), np.float32)
    per_sample = np.zeros((32, 256, 64), np.float32)
    assert gemm_blocks.rows_per_block(stack, per_sample) == 32     # 10**6 // (256*64) = 61 fit: 2 blocks of 32
    assert gemm_blocks.rows_per_block(stack, one) == 0              # 2-D b: K > 128 on a Xeon
    assert gemm_blocks.rows_per_block(stack, np.zeros((32, 256, 128), np.float32)) == 0       # N > 64: not narrow
    monkeypatch.setattr(gemm_blocks, "NARROW_SAMPLE_PRODUCTS", False)
    assert gemm_blocks.rows_per_block(stack, per_sample) == 0
    monkeypatch.setattr(conv_batching, "CPU_VENDOR", "AuthenticAMD")
    assert gemm_blocks.rows_per_block(stack, per_sample) == 32


def test_matmul_into_and_product_by_row_blocks_match_the_formula(monkeypatch):
    """matmul_into and product with blocks (a remainder, a stack of samples, a column-major and a strided a, float32)
    against sums written from the formula in float64."""
    with_small_gemm_kernels(monkeypatch, mnk=7 * 5 * 3, min_rows=2)           # 7 rows fit for K=5, N=3
    rng = np.random.default_rng(21)
    w = rng.standard_normal((5, 3))
    base = rng.standard_normal((4, 40, 5))
    cases = [base[0, :30], base[:, 3:33], np.asfortranarray(base[1]), base[:, 1:38:2], base[2, :16].astype(
        np.float32)]
    for a in cases:
        b = w.astype(a.dtype)
        assert gemm_blocks.rows_per_block(a, b) > 0
        expected = np.zeros(a.shape[:-1] + (3,))
        for k in range(5):
            expected += a[..., k:k + 1].astype(np.float64) * b[k].astype(np.float64)
        out = np.empty(a.shape[:-1] + (3,), a.dtype)
        gemm_blocks.matmul_into(np, a, b, out)
        tol = 1e-5 if a.dtype == np.float32 else 1e-13
        np.testing.assert_allclose(out, expected, rtol=tol, atol=tol)
        np.testing.assert_allclose(gemm_blocks.product(np, a, b), expected, rtol=tol, atol=tol)


@pytest.mark.parametrize("blocks", [True, False])
def test_matmul_into_a_window_writes_there_and_nowhere_else(monkeypatch, blocks):
    """matmul_into with ``out`` the first rows and columns of each sample of a larger array (rows of unit stride,
    not contiguous: the blocked overlap-add's first product) writes the product there, in row blocks or one GEMM
    per sample, and leaves the rest of the array as it was; a transposed a, as from a channels_first gradient."""
    with_small_gemm_kernels(monkeypatch, mnk=7 * 5 * 3 if blocks else 1, min_rows=2)     # 7 rows fit for K=5, N=3
    rng = np.random.default_rng(25)
    a = rng.standard_normal((4, 5, 30)).transpose(0, 2, 1)                 # (4, 30, 5), column-major samples
    b = rng.standard_normal((5, 3))
    assert (gemm_blocks.rows_per_block(a, b) > 0) == blocks
    whole = rng.standard_normal((4, 33, 8))
    before = whole.copy()
    window = whole[:, :30, :3]
    gemm_blocks.matmul_into(np, a, b, window)
    expected = np.zeros((4, 30, 3))
    for k in range(5):
        expected += a[..., k:k + 1] * b[k]
    np.testing.assert_allclose(whole[:, :30, :3], expected, rtol=1e-13, atol=1e-13)
    outside = np.ones(whole.shape, bool)
    outside[:, :30, :3] = False
    np.testing.assert_array_equal(whole[outside], before[outside])


def test_per_sample_products_by_row_blocks_match_the_formula(monkeypatch):
    """product with one matrix b per sample (the kernel gradient's stacks ``(S, M, K) @ (S, K, N)``) in row blocks,
    with a remainder, a transposed a and float32, against sums written from the formula in float64; a column-major
    b takes no blocks."""
    with_small_gemm_kernels(monkeypatch, mnk=7 * 5 * 3, min_rows=2)           # 7 rows fit for K=5, N=3
    rng = np.random.default_rng(23)
    b = rng.standard_normal((4, 5, 3))
    for a in (rng.standard_normal((4, 30, 5)), rng.standard_normal((4, 5, 16)).transpose(0, 2, 1),
              rng.standard_normal((4, 23, 5)).astype(np.float32)):
        bb = b.astype(a.dtype)
        expected = np.zeros(a.shape[:-1] + (3,))
        for s in range(4):
            for k in range(5):
                expected[s] += a[s, :, k:k + 1].astype(np.float64) * bb[s, k].astype(np.float64)
        tol = 1e-5 if a.dtype == np.float32 else 1e-13
        assert gemm_blocks.rows_per_block(a, bb) > 0
        np.testing.assert_allclose(gemm_blocks.product(np, a, bb), expected, rtol=tol, atol=tol)
    column_major = np.asfortranarray(b.transpose(1, 2, 0)).transpose(2, 0, 1)
    assert gemm_blocks.rows_per_block(rng.standard_normal((4, 30, 5)), column_major) == 0


def test_row_major_copies_a_transposed_weight_only_where_blocks_take_it(monkeypatch):
    """row_major: a transposed view (one matrix or a stack) becomes a C-ordered copy with the same values when its
    products take blocks; a C-ordered weight, or one whose products take none, is returned as it is."""
    with_small_gemm_kernels(monkeypatch, mnk=7 * 5 * 3, min_rows=2)
    rng = np.random.default_rng(25)
    for w in (rng.standard_normal((3, 5)).T, rng.standard_normal((4, 3, 5)).transpose(0, 2, 1)):
        copied = gemm_blocks.row_major(np, w, 30)
        assert copied is not w and copied.flags.c_contiguous
        np.testing.assert_array_equal(copied, w)
        assert gemm_blocks.row_major(np, w, 5) is w                   # 5 rows: one GEMM, no blocks
    c_ordered = rng.standard_normal((5, 3))
    assert gemm_blocks.row_major(np, c_ordered, 30) is c_ordered


def test_matmul_in_blocks_shares_the_rows_evenly(monkeypatch):
    """The blocks of matmul_in_blocks: ceil(rows / m) of them, none longer than m, none more than one row shorter than
    another (1000 rows with m = 112: one block of 112 and 8 of 111; 19 rows with m = 7: 7, 6 and 6), and the
    product right."""
    sizes = []
    real = np.matmul

    def spy(a, b, **kwargs):
        sizes.extend([a.shape[-2]] * (a.shape[-3] if a.ndim > 2 else 1))
        return real(a, b, **kwargs)

    rng = np.random.default_rng(27)
    for rows, m, expected in ((1000, 112, [112] + [111] * 8), (19, 7, [7, 6, 6]), (128, 43, [43, 43, 42]),
                              (60, 20, [20, 20, 20])):
        a, b = rng.standard_normal((rows, 5)), rng.standard_normal((5, 3))
        out = np.empty((rows, 3))
        sizes.clear()
        monkeypatch.setattr(np, "matmul", spy)
        gemm_blocks.matmul_in_blocks(a, b, out, m)
        monkeypatch.setattr(np, "matmul", real)
        assert sizes == expected
        np.testing.assert_allclose(out, a @ b, rtol=1e-13, atol=1e-13)
