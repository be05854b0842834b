"""Matrix products in blocks of rows small enough for OpenBLAS's small-matrix kernels (NumPy only).

OpenBLAS's kernels for AVX-512 cores include "small matrix" GEMMs, which skip packing the operands into its tile
layout; it takes them when ``M*N*K <= 10**6``. The convolutions' products have few inner terms (``K``: a tap's
channels) and many rows (the steps of a sample or of a batch chunk), so one GEMM of them is over that size and
spends a large share of its time packing. Split into blocks of rows that fit under it, the same products ran up to
1.6x faster (:func:`rows_per_block` has the figures). The rows axis seen as ``(blocks, rows per block)`` is a view of
both the input and the output, so NumPy's ``matmul`` runs one GEMM per block without a copy.

Which shapes gain depends on the CPU, so the limits are per CPU maker (:func:`limits`). Everywhere else (another
BLAS, another core, CuPy, array-api-strict, float16) every product stays one GEMM per matrix. The convolutions in
:mod:`~tinygradconv.ops.conv` and :mod:`~tinygradconv.ops.conv_phases` call :func:`product`, :func:`matmul_into`
and :func:`row_major`; the docs page :doc:`docs/conv1d_transpose_math.md </conv1d_transpose_math>` has the measurements.

>>> import numpy as np
>>> a, b = np.ones((4, 3)), np.ones((3, 2))
>>> product(np, a, b).tolist()                         # a @ b, in blocks where they pay
[[3.0, 3.0], [3.0, 3.0], [3.0, 3.0], [3.0, 3.0]]
"""
from __future__ import annotations

import functools

import numpy as np

from .conv_batching import blas_library, cpu_vendor

__all__ = [
    "has_small_gemm_kernels",
    "limits",
    "matmul_in_blocks",
    "matmul_into",
    "product",
    "row_major",
    "rows_per_block",
    "rows_per_block_of_sizes",
]

#: Set to ``False`` to run every product as one GEMM per matrix (tests compare both).
SMALL_GEMM_BLOCKS = True

#: OpenBLAS's GEMM takes its "small matrix" kernel, which skips packing the operands, when ``M*N*K`` is at most
#: this, on the CPUs it has those kernels for (:data:`SMALL_GEMM_CORES`).
SMALL_GEMM_MNK = 100 ** 3

#: Fewest rows per block worth a GEMM of its own (fewer were slower than one GEMM, see :func:`rows_per_block`).
SMALL_GEMM_MIN_ROWS = 80

#: Largest ``K`` for which blocks paid (``K = 256`` was 0.7x at 30 rows, :func:`rows_per_block`).
SMALL_GEMM_MAX_K = 128

#: On an AMD core (measured on Zen 4, where OpenBLAS runs the same AVX-512 kernels), blocks paid for products of at
#: most ``AMD_NARROW_N`` columns for every ``K`` measured up to 768, down to the 20 rows per block that fit at
#: ``K = 768`` (and a last block of 16 rows, :func:`rows_per_block`).
AMD_NARROW_N = 64
AMD_SMALL_GEMM_MAX_K = 768
AMD_SMALL_GEMM_MIN_ROWS = 16

#: Set to ``False`` to keep the narrow limits above to AMD cores for the per-sample products too. On other cores
#: they serve the stacks of per-sample products ``(S, M, K) @ (S, K, N)`` (the kernel gradient's, one matrix ``b``
#: per sample) with ``N <=`` :data:`AMD_NARROW_N`: on one core of an AVX-512 Xeon (2 vCPUs under KVM, OpenBLAS
#: 0.3.31, 2026-12-05) those took 0.75-0.90 of the time in blocks (``(32, 64, 256) @ (32, 256, 64)``, the dilated
#: shapes' kernel gradient, in blocks of 32 rows: 0.90; ``(16, 64, 1024) @ (16, 1024, 16)``, the long signal's:
#: 0.75), but one matrix ``b`` for all rows did not gain the same way: conv1d's forward with ``k = 8, s = 4``
#: (``(rows, 256) @ (256, 64)``) ran 1.08x slower in blocks, so on those cores the 2-D products keep
#: :data:`SMALL_GEMM_MAX_K` and :data:`SMALL_GEMM_MIN_ROWS`.
NARROW_SAMPLE_PRODUCTS = True

#: OpenBLAS's names (``threadpoolctl``'s ``architecture``) of the AVX-512 cores whose kernels include small-matrix
#: GEMMs.
SMALL_GEMM_CORES = frozenset({"SkylakeX", "Cooperlake", "SapphireRapids"})


def product(xp, a, b, m=None):
    """``a @ b`` as a new array, in row blocks where :func:`rows_per_block` says so. ``a`` is a matrix or a stack of
    them ``(..., M, K)``; ``b`` one matrix ``(K, N)`` for all of them, or one per matrix of a stack ``(S, K, N)``
    (the kernel gradient's per-sample products). ``m``: :func:`rows_per_block` of such ``a`` and ``b``, when the
    caller has it already (a convolution decides once per call for the products of its batch chunks, whose
    matrices are alike: asking for every product cost about 1.3 us each, 2-3 % of a call)."""
    if m is None:
        m = rows_per_block(a, b)
    if not m:
        return xp.matmul(a, b)
    out = np.empty(a.shape[:-1] + (b.shape[-1],), dtype=a.dtype)       # rows_per_block: a, b of one dtype
    matmul_in_blocks(a, b, out, m)
    return out


def matmul_into(xp, a, b, out, m=None):
    """``out[...] = reshape(a @ b, out.shape)``; on NumPy, when ``out`` is contiguous, or shaped like the product
    with each matrix's rows of unit stride (a window of a larger array, such as the first rows of each sample),
    the product is written there directly (``matmul(..., out=)``, not in the Array API) instead of into a
    temporary that is then copied, in blocks of :func:`rows_per_block` rows where that pays
    (:func:`matmul_in_blocks`; ``m`` as in :func:`product`)."""
    shape = (*a.shape[:-1], b.shape[-1])
    if type(out) is np.ndarray and (out.flags.c_contiguous or (out.shape == shape and out.strides[-1] == out.itemsize)):
        out = out.reshape(shape)
        if m is None:
            m = rows_per_block(a, b)
        if m:
            matmul_in_blocks(a, b, out, m)
        else:
            np.matmul(a, b, out=out)
    else:
        out[...] = xp.reshape(xp.matmul(a, b), out.shape)


def matmul_in_blocks(a, b, out, m):
    """``out = a @ b`` (NumPy; ``out`` shaped like the product) in ``ceil(rows / m)`` blocks of at most ``m`` rows,
    as even as they come: the first ones one row longer than the others where the rows do not divide (128 rows
    with ``m = 43``: 43, 43 and 42). Each part's rows axis split into ``(blocks, rows per block)`` is a view of ``a``
    and of ``out`` (splitting one axis in two is always a view, whatever the strides), so ``matmul`` runs one GEMM
    per block without a copy. A stack of matrices ``b`` ``(S, K, N)``
    gets an axis for the blocks (``(S, 1, K, N)``)."""
    lead, rows, k, n = a.shape[:-2], a.shape[-2], a.shape[-1], b.shape[-1]
    per_block_b = b[..., None, :, :] if b.ndim > 2 else b
    start = 0
    for blocks, rows_each in _even_blocks(rows, m):
        if blocks:
            stop = start + blocks * rows_each
            np.matmul(a[..., start:stop, :].reshape(*lead, blocks, rows_each, k), per_block_b,
                      out=out[..., start:stop, :].reshape(*lead, blocks, rows_each, n))
            start = stop


def _even_blocks(rows, m):
    """How :func:`matmul_in_blocks` splits ``rows`` rows into ``ceil(rows / m)`` blocks: ``((count, rows each),
    (count, rows each))``, the longer blocks first, one row longer than the others.

    >>> _even_blocks(128, 43), _even_blocks(60, 20)
    (((2, 43), (1, 42)), ((0, 21), (3, 20)))
    """
    count = -(-rows // m)
    size, longer = divmod(rows, count)
    return (longer, size + 1), (count - longer, size)


def rows_per_block(a, b):
    """Rows per GEMM for ``a (..., M, K) @ b`` (``b`` a matrix ``(K, N)`` or a stack ``(S, K, N)`` matching
    ``a (S, M, K)``) so that each GEMM is small enough for OpenBLAS's small-matrix kernel
    (``m*N*K <=`` :data:`SMALL_GEMM_MNK`), or ``0``: one GEMM per matrix.

    Blocks are used for NumPy float32/float64 arrays with a row-major ``b`` (rows of unit stride) and a BLAS with
    those kernels (OpenBLAS on an AVX-512 core, :data:`SMALL_GEMM_CORES`), within the limits of :func:`limits`:
    ``K <= 128`` and at least 80 rows per block, or on an AMD core for products of at most 64 columns ``K <= 768``
    and at least 16 rows. The rows are shared evenly between the blocks (256 rows with room for 244: two blocks
    of 128; 128 rows with room for 61: 43, 43 and 42, :func:`matmul_in_blocks`), so that no block is tiny; the
    returned ``m`` is the longest block. Measured on one core of an AVX-512 Xeon (OpenBLAS 0.3.31, 2026-12-01),
    blocks against one GEMM, ``(n*256, K) @ (K, N)``:

    * faster: ``K = N = 64`` (the dilated convolutions) 1.3-1.4x, also in float64 and with ``a`` column-major;
      ``K = 64, N = 128`` 1.2x; ``K = 64, N = 192`` 1.1-1.2x; ``K = 128, N = 64`` 1.1-1.15x; ``K = 16, N = 512``
      1.6x;
    * slower: 61 rows per block (``K = 64, N = 256``: 0.75x; ``K = 128, N = 128``: 0.8-0.95x), ``K = 256``
      (0.7x at 30 rows), and a column-major ``b`` (0.7-0.9x), so the kernels' weight matrices are made row-major
      (:func:`row_major`).

    On one core of an AMD EPYC (Zen 4, OpenBLAS 0.3.31 with the same SkylakeX kernels, 2026-12-04), ``(4096, K) @
    (K, N)`` in blocks of the most rows that fit, against one GEMM: 0.65-0.86x the time for every ``N <= 64`` and
    ``K`` from 16 to 768 (20 to 3,906 rows per block), 0.88-0.93x for ``N = 128`` with 40 to 122 rows, and level
    or slower for ``N = 256`` and below 40 rows (up to 1.12x); a column-major ``b`` made them 1.37x slower. Blocks
    of 60 rows for ``K = N = 128`` made the transposed convolution on the large shape 3 % slower, so the AMD limits
    cover the narrow products only. The kernel gradient's per-sample products (a stack ``b``) gain the same way:
    ``(32, 64, 256) @ (32, 256, 64)`` (the dilated shapes) took 0.76 of the time of one GEMM per sample in blocks
    of 32 rows, ``(32, 128, 256) @ (32, 256, 64)`` (the medium shape's groups of two taps) 0.80 in blocks of 43.
    With these limits forward+backward ran 2-10 % faster on the medium, dilated, ``k = 8, s = 4`` and
    ``channels_first`` shapes (both ops).
    """
    if (type(a) is not np.ndarray or type(b) is not np.ndarray or b.ndim not in (2, a.ndim) or b.ndim > 3
            or a.dtype != b.dtype or b.strides[-1] != b.itemsize):
        return 0
    return rows_per_block_of_sizes(a.shape[-2], *b.shape[-2:], a.dtype, per_sample=b.ndim == 3)


def rows_per_block_of_sizes(rows, k, n, dtype, per_sample=False):
    """:func:`rows_per_block` from the sizes: a matrix of ``rows`` rows times a row-major ``(k, n)`` one
    (``per_sample``: one such matrix per sample of a stack).

    >>> import numpy as np
    >>> sizes = rows_per_block_of_sizes(128, 256, 64, np.float32)
    >>> sizes in (0, 43)         # 43: on an AMD core with the kernels (61 rows fit: 3 blocks); else 0
    True
    """
    if not SMALL_GEMM_BLOCKS or np.dtype(dtype).char not in "fd" or not has_small_gemm_kernels():
        return 0
    max_k, min_rows = limits(n, per_sample)
    fit = SMALL_GEMM_MNK // max(k * n, 1)
    if k > max_k or fit < 1 or rows <= fit:              # one GEMM holds them all
        return 0
    m = -(-rows // -(-rows // fit))          # as many rows per block as evenly as fits: 256 rows -> 2 x 128
    shortest = _even_blocks(rows, m)[1][1]
    return m if shortest >= min_rows else 0


def limits(n, per_sample=False):
    """``(largest K, fewest rows per block)`` for which blocks paid on this CPU, for products of ``n`` columns:
    :data:`SMALL_GEMM_MAX_K` and :data:`SMALL_GEMM_MIN_ROWS` (measured on an AVX-512 Xeon), except for narrow
    products (``n <=`` :data:`AMD_NARROW_N`) on an AMD core (:func:`~.conv_batching.cpu_vendor`; measured on Zen 4),
    and for narrow stacks of per-sample products (``per_sample``) on every core (:data:`NARROW_SAMPLE_PRODUCTS`;
    measured on a Xeon too): :data:`AMD_SMALL_GEMM_MAX_K` and :data:`AMD_SMALL_GEMM_MIN_ROWS`.

    >>> limits(64, per_sample=True)
    (768, 16)
    """
    if n <= AMD_NARROW_N and ((per_sample and NARROW_SAMPLE_PRODUCTS) or cpu_vendor() == "AuthenticAMD"):
        return AMD_SMALL_GEMM_MAX_K, AMD_SMALL_GEMM_MIN_ROWS
    return SMALL_GEMM_MAX_K, SMALL_GEMM_MIN_ROWS


def row_major(xp, w, rows):
    """The weight matrix ``w`` ``(k, n)`` (or a stack of them, ``(S, k, n)``) in row-major order when it is a
    transposed view and its products with matrices of ``rows`` rows take :func:`rows_per_block`' blocks (a copy,
    once per call or chunk, that serves every product with it); else ``w``."""
    if (type(w) is np.ndarray and not w.flags.c_contiguous
            and rows_per_block_of_sizes(rows, *w.shape[-2:], w.dtype, per_sample=w.ndim == 3)):
        return np.ascontiguousarray(w)
    return w


@functools.lru_cache(maxsize=1)
def has_small_gemm_kernels():
    """Whether NumPy's BLAS is OpenBLAS running its kernels for an AVX-512 core (:data:`SMALL_GEMM_CORES`)."""
    blas = blas_library()
    return bool(blas) and blas.internal_api == "openblas" and getattr(blas, "architecture", None) in SMALL_GEMM_CORES
