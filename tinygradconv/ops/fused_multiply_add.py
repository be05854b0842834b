"""A fused multiply-add in float64: ``x + alpha * y`` rounded once (:func:`multiply_add`), as PyTorch's CPU
``torch.add(x, y, alpha=alpha)`` computes float64 with the processor's fma instruction, which NumPy lacks; used by
:meth:`TorchMethods.add <tinygradconv.torch_methods.TorchMethods.add>` and ``sub`` for float64 tensors. The exact
product and sum are built of float64 operations: Veltkamp's splitting, Dekker's product and Knuth's TwoSum.

:func:`fused_multiply_add_float64` is ``a * b + c`` with two arrays as factors, the same way, used by float64
``addcmul``; :func:`fused_multiply_add_float32` is ``a * b + c`` in float32 (rounded once, the product exact in
float64), used by float32 and float16 ``addcmul`` (:mod:`~tinygradconv.ops.addcmul`) and float32 ``add(alpha=)``,
which PyTorch computes with a float32 fma.

Two ways for each, one result. On NumPy arrays a fast one (:func:`_fast_float64`, :func:`_fast_float32`):
blocks of :data:`MULTIPLY_ADD_BLOCK` (float32: :data:`FLOAT32_BLOCK`) elements computed in place in a few
scratch buffers of a block each (no temporary array for each operation; but where the result holds more than a
block, an operand broadcast or not C-contiguous is first copied whole into a flat array of the result's size, as
is the result), each element taken the short way (float64: the exact product and sum, then one
rounding; float32: the sum in float64, then float32), and a few whole-block tests (a minimum, no boolean arrays)
that say whether that short way can be wrong anywhere in the block: where it can (a tie, a non-finite or tiny
intermediate; rare in real data), the elements concerned are computed again by the careful way. The careful way
(:func:`_fused_multiply_add_float64_block`, for ``multiply_add`` too with ``alpha`` as a 0-d array;
:func:`_fused_multiply_add_float32_block`) tests every element and handles every case; it is also what the other
backends (CuPy, the array-API test double) take, so they give the same bits.
"""
from __future__ import annotations

import math
import threading

import numpy as np

# inf - inf = nan, 0 * inf = nan and overflow to inf are computed silently, as PyTorch computes them, through the
# switch of NumPy's floating-point state that ``Function.apply`` uses (NumPy 2's context variable; np.errstate on 1.26)
from ..autograd import _FP_WARNINGS, _SILENT

#: The splitting factor of Veltkamp's algorithm for float64 (2**27 + 1): ``c = f * v; hi = c - (c - v)`` keeps the
#: upper 26 bits of ``v``'s 53 in ``hi``, and ``v - hi`` (the rest) is exact, so the product of two halves is exact.
_VELTKAMP = 134217729.0

#: The smallest normal float64 (2**-1022): a factor below it (subnormal) has too few bits for the splitting.
_SMALLEST_NORMAL = 2.0 ** -1022

#: The number of elements the careful way (other backends) works on at a time: 96 KiB of float64 per array, in the
#: processor's cache, and below the size (128 KiB) from which glibc's ``malloc`` maps fresh memory for each
#: temporary array (its pages zeroed on first touch).
CAREFUL_BLOCK = 12288

#: The number of elements the fast way (NumPy) works on at a time in float64, in 10 buffers of 128 KiB each
#: (:func:`_buffers`: 9 of float64 and one of uint64; 8 used where ``alpha`` is a number). Smaller blocks pay
#: NumPy's cost per call (about 1 to 3 us) more often, larger ones leave the processor's cache (the times:
#: :mod:`~tinygradconv.ops.addcmul`).
MULTIPLY_ADD_BLOCK = 16384

#: The same for float32 (:func:`_fast_float32`, 2 buffers): 0.26 ms for 10**5 float32 elements where blocks of
#: 16384 took 0.35 ms.
FLOAT32_BLOCK = 65536

#: Up to this many elements the float32 fast way (:func:`_fast_float32`) takes fresh arrays, not the thread's
#: buffers: 64 KiB of float64 at most, below the size from which glibc's ``malloc`` maps fresh memory for an array.
SMALL_FLOAT32 = 8192


def _two_sum(xp, a, b):
    """``(s, e)``: ``s = a + b`` rounded and ``e`` its rounding error, ``a + b == s + e`` exactly (Knuth's TwoSum,
    any order of magnitudes; exact unless ``s`` overflows)."""
    s = a + b
    b_part = s - a
    return s, (a - (s - b_part)) + (b - b_part)


def multiply_add(xp, y, alpha, x):
    """``x + alpha * y`` for float64 arrays ``x`` and ``y`` (broadcasting) and a number ``alpha``, rounded once,
    as a fused multiply-add (``fma(y, alpha, x)``) rounds it: what PyTorch's CPU ``torch.add(x, y, alpha=alpha)``
    computes in float64 (its vector loop uses the processor's fma, and its scalar loop for the elements left over
    too; bit for bit against an exact :class:`fractions.Fraction` reference on 100 003 random elements). NumPy has
    no fma: ``x + alpha * y`` rounds twice, which differed from PyTorch in 10 to 25% of elements for alpha 0.1.

    How: the product is split exactly, ``alpha * y == p + e`` (Dekker's product, ``alpha`` and ``y`` each cut into
    two halves of 26 bits by Veltkamp's splitting), then ``x + p == s + t`` exactly (TwoSum) and ``t + e == v + w``
    (``v`` rounded). ``r = s + v`` rounded is the correctly rounded ``x + p + e`` except where ``s + v`` lies
    exactly half way between two floats and ``w`` (what ``v`` left out) tips it: the round-to-even then went the
    wrong way. On NumPy arrays (:func:`_fast_float64`) about 21 float64 operations where ``x + alpha * y`` takes
    2, in place, and two whole-block tests that find every element where ``r`` may be wrong (a possible tie, a
    tiny or non-finite intermediate), which the careful way (:func:`_fused_multiply_add_float64_block`,
    ``alpha`` as a 0-d array, as on the other backends) computes again; the time is in :meth:`TorchMethods.add
    <tinygradconv.torch_methods.TorchMethods.add>`.

    Where that is not exact, the two roundings are kept (``x + p``): a nonzero product below ``2**-900`` in
    magnitude (its error would fall below the smallest float64: ``1e-310 * 2.55e15 + 1e-310`` is one float64
    step off), and any element whose result is not finite (NaN and infinities are those of ``x + p``); a nonzero
    product that underflowed to zero, added to a zero ``x``, keeps the product's sign, as the fma's. A zero ``y``
    (common in gradients) is exact, ``x + 0``. A product that overflows (``p`` infinite, ``y`` finite), or a
    sum ``x + p`` or a part of Dekker's product that does, is no overflow in a fused multiply-add: those elements
    are computed again scaled by ``2**-1000`` (each factor by ``2**-500``) and scaled back, so that ``x = inf,
    y = 1e308, alpha = -2`` is inf as in PyTorch (``x + p`` was ``inf - inf``, NaN) and ``x = -1.7e308, y = 1e200, alpha
    = 2.5e108`` the finite exact sum rounded (checked against PyTorch on 200 000 such elements), and ``x =
    1.7976931348623157e308, y = 2**970 - 2**918, alpha = 1 + 2**-52`` is ``x`` (``x + p`` rounds to inf). An ``alpha``
    or ``y`` of ``2**995`` or more or subnormal (too many bits for the splitting, or too few) is exact too in a product
    of ``2**-900`` or more: computed with the factors rebalanced, as :func:`fused_multiply_add_float64`, on every
    backend.

    >>> import numpy as np
    >>> x, y = np.array([1.0, -0.30000000000000004]), np.array([3.0, 3.0])       # the exact x + 0.1 * y: -2.78e-17
    >>> multiply_add(np, y, 0.1, x).tolist(), (x + 0.1 * y).tolist()
    ([1.3, -2.7755575615628914e-17], [1.3, 0.0])
    """
    alpha = float(alpha)
    token = _FP_WARNINGS.set(_SILENT)      # overflow to inf, inf - inf = nan: silently, as PyTorch (np.errstate's
    try:                                   # effect, 1 to 2 us less a call)
        factor = xp.asarray(alpha, dtype=xp.float64)
        if _numpy_arrays(y, x):
            # (the elements flagged: the careful way for two arrays, which also rebalances a large y)
            if math.isfinite(alpha) and _SMALLEST_NORMAL <= abs(alpha) < 2.0 ** 995:       # alpha split once
                return _fast_float64(alpha, y, x, lambda y, x: _fused_multiply_add_float64_block(np, factor, y, x))
            return _fast_float64(factor, y, x, lambda a, y, x: _fused_multiply_add_float64_block(np, a, y, x))
        return _in_blocks(xp, lambda y, x: _fused_multiply_add_float64_block(xp, factor, y, x), y, x)
    finally:
        _FP_WARNINGS.reset(token)


def fused_multiply_add_float64(xp, a, b, c):
    """``a * b + c`` for float64 arrays (broadcasting), rounded once, as a fused multiply-add (``fma``) rounds it:
    what PyTorch's CPU ``addcmul`` computes in float64 (``fma(value * tensor1, tensor2, t)``, see
    :mod:`~tinygradconv.ops.addcmul`). :func:`multiply_add` with an array for ``alpha``: the same exact product
    and sum, the same elements left rounded twice (a nonzero product below ``2**-900``, a result that is not
    finite), a product, a sum ``c + p`` or a part of Dekker's product that overflows computed again scaled down
    (both factors by ``2**-500``, ``c`` by ``2**-1000``) and scaled back; and a factor of ``2**995`` or more, or
    subnormal, in a product of ``2**-900`` or more that does not overflow, is exact too: computed again with the factors
    rebalanced (one times ``2**500``, the other times ``2**-500``: the same product).
    On NumPy arrays the fast way (:func:`_fast_float64`), the careful one (:func:`_fused_multiply_add_float64_block`)
    for the elements it flags. Checked against PyTorch's ``addcmul`` (``value=1``) and exact fractions in
    ``tests/test_addcmul_fma_s49.py`` and ``tests/test_fused_multiply_add_s50.py``.

    >>> import numpy as np
    >>> a, c = np.array([1 + 2.0 ** -27]), np.array([-1 - 2.0 ** -26])
    >>> fused_multiply_add_float64(np, a, a, c).tolist(), (a * a + c).tolist()     # exact: 2**-54
    ([5.551115123125783e-17], [0.0])
    """
    with np.errstate(over="ignore", invalid="ignore"):
        if _numpy_arrays(a, b, c):
            return _fast_float64(a, b, c, lambda a, b, c: _fused_multiply_add_float64_block(np, a, b, c))
        return _in_blocks(xp, lambda a, b, c: _fused_multiply_add_float64_block(xp, a, b, c), a, b, c)


def _in_blocks(xp, compute, *arrays, dtype="float64"):
    """``compute(*arrays)`` (of dtype ``dtype``) for arrays broadcast together, on blocks of
    :data:`CAREFUL_BLOCK` elements (which stay in the processor's cache) when they hold more."""
    shape = tuple(np.broadcast_shapes(*(tuple(a.shape) for a in arrays)))
    size = math.prod(shape)
    if size <= CAREFUL_BLOCK:
        return compute(*arrays)
    flat = [xp.reshape(xp.broadcast_to(a, shape), (size,)) for a in arrays]
    out = xp.empty((size,), dtype=getattr(xp, dtype))
    for start in range(0, size, CAREFUL_BLOCK):
        block = slice(start, min(start + CAREFUL_BLOCK, size))
        out[block] = compute(*(a[block] for a in flat))
    return xp.reshape(out, shape)


def _split(v):
    """``(hi, lo)`` with ``v == hi + lo`` exactly, ``hi`` the upper 26 bits of ``v``'s 53 and ``lo`` the rest
    (Veltkamp's splitting; ``v`` a float64 number or array, normal and below ``2**995`` in magnitude)."""
    c = _VELTKAMP * v
    hi = c - (c - v)
    return hi, v - hi


def _rounded_once(xp, a, b, c):
    """``(r, p, s)``: ``r = a * b + c`` rounded once, ``p = a * b`` rounded and ``s = c + p`` rounded (see
    :func:`multiply_add`; ``r`` is exact only where :func:`_exact_where` says so). ``a`` a float64 number or
    array, ``b`` and ``c`` float64 arrays."""
    p = a * b
    a_hi, a_lo = _split(a)
    b_hi, b_lo = _split(b)
    e = ((a_hi * b_hi - p) + a_lo * b_hi + a_hi * b_lo) + a_lo * b_lo      # a * b == p + e (Dekker's product)
    s, t = _two_sum(xp, c, p)
    v = t + e                            # rounded: its error w is needed only at a tie (below)
    r = s + v
    err = (s - r) + v                    # |v| is at most about ulp(s): s + v == r + err exactly (Fast2Sum)
    twice = err + err
    tie = ((r + twice) - r == twice) & (err != 0)
    # (rare elements: w and a `where`, which costs as much as 3 of the operations above, only when needed)
    if xp.any(tie):
        w = (t - (v - (v - t))) + (e - (v - t))          # t + e == v + w exactly (TwoSum)
        tipped = tie & (w != 0) & ((w > 0) == (err > 0))
        r = xp.where(tipped, r + twice, r)
    return r, p, s


def _exact_where(xp, r, p, s, b, zero_factor):
    """Where :func:`_rounded_once`'s ``r`` is exact, looking at the factor ``b`` (the other factor is checked by
    the caller): a product of ``2**-900`` or more with ``b`` normal, or a zero factor (``zero_factor``; a zero
    ``y`` is common in gradients) where ``s`` is not zero (``-0 + -0`` is ``-0`` in ``x + p`` but ``+0`` in
    ``r``), and in both ``b`` below ``2**995`` and ``r`` finite (a subnormal or too large factor has too few bits,
    or too many, for the splitting)."""
    magnitude = xp.abs(b)
    exact = ((xp.abs(p) >= 2.0 ** -900) & (magnitude >= _SMALLEST_NORMAL)) | (zero_factor & (s != 0))
    return exact & (magnitude < 2.0 ** 995) & xp.isfinite(r)


def _fused_multiply_add_float64_block(xp, a, b, c):
    """:func:`fused_multiply_add_float64` (``a * b + c``, three arrays) on arrays small enough to stay in cache."""
    r, p, s = _rounded_once(xp, a, b, c)
    magnitude_a, magnitude_b = xp.abs(a), xp.abs(b)
    exact = _exact_where(xp, r, p, s, b, zero_factor=(b == 0) | (a == 0))
    exact = exact & (magnitude_a < 2.0 ** 995) & (magnitude_a >= _SMALLEST_NORMAL)
    if xp.all(exact):
        return r
    others = _rounded_twice(xp, a, b, c, p)
    # a factor too large (2**995 or more) or subnormal for the splitting, in a product that neither overflows nor
    # underflows: computed again with the factors rebalanced (one times 2**500, the other times 2**-500: the same
    # product, both factors now normal and below 2**995)
    down = (magnitude_b >= 2.0 ** 995) | ((magnitude_a < _SMALLEST_NORMAL) & (a != 0))      # b scaled down
    up = (magnitude_a >= 2.0 ** 995) | ((magnitude_b < _SMALLEST_NORMAL) & (b != 0))
    rebalanced = ~exact & (down | up) & xp.isfinite(p) & (xp.abs(p) >= 2.0 ** -900) & xp.isfinite(c)
    if xp.any(rebalanced):
        b_scale = xp.where(down, xp.asarray(2.0 ** -500, dtype=xp.float64), 2.0 ** 500)   # (one array: array API)
        b_part = xp.where(rebalanced, b * b_scale, 0.0)
        a_part = xp.where(rebalanced, a * (1 / b_scale), 0.0)
        again = _fused_multiply_add_float64_block(xp, a_part, b_part, xp.where(rebalanced, c, 0.0))
        others = xp.where(rebalanced, again, others)
    # else an intermediate past the largest float64 where the exact result may be finite: the product p, the sum
    # s = c + p (c = 1.7976931348623157e308 plus p = 2**970 - 2**918: a tie that rounds to inf, while the exact
    # sum, a hair lower, rounds to c), or a_hi * b_hi in Dekker's product (p finite, a * b within 2**-26 of the
    # largest float64); each needs |p| >= 2**969 (s overflows only for |p| >= 2**970, as |c| is at most the
    # largest float64, 2**1024 - 2**971). Computed again scaled down by 2**-1000 (each factor by 2**-500,
    # exactly: each factor is below 2**1024, so the other is above 2**-55 and both stay normal), which rounds as
    # the whole would, then scaled back: inf where the exact result overflows, as the fma's. A nonzero c under
    # 2**-22, which would lose bits in c * 2**-1000, is taken as +-2**-22: the same rounding, as c then only tips
    # a tie by its sign (such a c leaves s finite, so the product is near 2**1024, its lowest bit 2**917 or more)
    overflowed = ~xp.isfinite(r) & xp.isfinite(a) & xp.isfinite(b) & (xp.isfinite(c) | ~xp.isfinite(p))
    overflowed = overflowed & (xp.abs(p) >= 2.0 ** 969) & ~rebalanced
    if xp.any(overflowed):
        tiny_c = (xp.abs(c) < 2.0 ** -22) & (c != 0)
        c_part = xp.where(overflowed, xp.where(tiny_c, xp.sign(c) * 2.0 ** -1022, c * 2.0 ** -1000), 0.0)
        a_part = xp.where(overflowed, a * 2.0 ** -500, 0.0)
        b_part = xp.where(overflowed, b * 2.0 ** -500, 0.0)
        scaled = _fused_multiply_add_float64_block(xp, a_part, b_part, c_part) * 2.0 ** 1000
        others = xp.where(overflowed, scaled, others)
    return xp.where(exact, r, others)


def _rounded_twice(xp, a, b, c, p):
    """``c + p`` (``p = a * b`` rounded), where :func:`_rounded_once` is not exact, with the fma's sign of a zero:
    a nonzero product that underflowed to zero added to a zero ``c`` is the product's zero (``-0`` for
    ``1e-310 * -1e-15 + 0``, where ``c + p`` is ``+0``)."""
    total = c + p
    underflowed = (p == 0) & (c == 0) & (b != 0) & (a != 0)
    return xp.where(underflowed, p, total) if xp.any(underflowed) else total


#: Float32 rounding seen in the bits of a float64 ``s`` (see :func:`fused_multiply_add_float32`): a float32 number
#: of the normal range keeps the upper 24 of float64's 53 significand bits, so ``s`` lies exactly half way between
#: two of them when its lowest 29 bits are ``1`` then 28 zeros.
_LOWEST_29_BITS = (1 << 29) - 1
_FLOAT32_HALF_WAY = 1 << 28

#: The bits of the smallest normal float32 (``2**-126``) as a float64, less one, and those of a float64's
#: magnitude: ``(bits & _MAGNITUDE) - 1 < _BELOW_FLOAT32_NORMAL`` is ``0 < |s| < 2**-126`` (a zero wraps round to the
#: largest unsigned integer), where float32's step is ``2**-149`` whatever the exponent of ``s``.
_BELOW_FLOAT32_NORMAL = 0x3810000000000000 - 1
_MAGNITUDE = (1 << 63) - 1


def fused_multiply_add_float32(xp, a, b, c):
    """``a * b + c`` for float32 (or float16) arrays (broadcasting), rounded once to float32, as a float32 fused
    multiply-add (``fmaf``) rounds it: what PyTorch's CPU kernels compute where the compiler fuses a product and a
    sum (its ``addcmul`` in float32, and in float16 computed in float32, is ``fma(value * tensor1, tensor2, t)``;
    its float32 ``add(alpha=)`` is ``fma(alpha, other, self)``).

    How: the product of two float32 numbers is exact in float64 (48 bits of 53), and ``s = p + c`` is rounded
    once in float64, then ``s`` to float32. Rounding twice is the correct rounding of ``p + c`` except where ``s``
    lies exactly half way between two float32 numbers (the float64 rounding cannot step over such a point, as it
    is a float64 number, only land on it) and the exact sum was not: the round-to-even then may go the wrong way.
    Those ties are found in the bits of ``s`` (its lowest 29 significand bits ``1`` then 28 zeros; for results
    below ``2**-126``, float32's subnormals, whose half step sits higher, every such element is looked at), and
    only for them is the rounding error ``e`` of ``p + c`` computed (Knuth's TwoSum): the result moves to the
    neighbour on ``e``'s side where ``e`` is not zero. The tie above the largest float32 (``2**128 - 2**103``) is
    one too: ``s`` there rounds to infinity, the exact sum just below it to ``3.4028235e38``, as ``fmaf``. NaN,
    infinities and signed zeros are those of the float64 sum, which are the fused multiply-add's.

    On NumPy arrays (:func:`_fast_float32`): 3 operations make the result (the product and the sum in float64,
    the rounding to float32), and 4 test a whole block (the lowest 29 bits of every ``s`` shifted to the top of a
    64-bit integer, where the tie pattern is the smallest int64, found by a minimum; the smallest result
    magnitude, for the subnormals, where a zero result, which is exact, is let through by a second look at ``r``'s
    bits); only in a block where a test fails are the elements concerned found and corrected. The other backends
    test every element (:func:`_fused_multiply_add_float32_block`; the array-API test double, which has no bit
    view, computes TwoSum on every element). ``a``, ``b`` and ``c`` may be float16
    too (exact in float32). The time: the table in :mod:`~tinygradconv.ops.addcmul`.

    >>> import numpy as np
    >>> a, c = np.float32([1 + 2.0 ** -12]), np.float32([-1 - 2.0 ** -11])
    >>> fused_multiply_add_float32(np, a, a, c).tolist(), (a * a + c).tolist()     # exact: 2**-24
    ([5.960464477539063e-08], [0.0])
    >>> a, b = np.float32([(1 + 2.0 ** -23) / 4096]), np.float32([(1 - 2.0 ** -23) / 4096])
    >>> c = np.float32([1 + 2.0 ** -23])        # exact: 1 + 3 * 2**-24 - 2**-70; in float64 the tie 1 + 3 * 2**-24
    >>> fused_multiply_add_float32(np, a, b, c).tolist(), (a.astype(np.float64) * b + c).astype(np.float32).tolist()
    ([1.0000001192092896], [1.000000238418579])
    """
    with np.errstate(over="ignore", invalid="ignore"):
        if _numpy_arrays(a, b, c):
            return _fast_float32(a, b, c)
        return _in_blocks(xp, lambda a, b, c: _fused_multiply_add_float32_block(xp, a, b, c), a, b, c,
                          dtype="float32")


def multiply_add_float32(xp, y, alpha, x):
    """``x + alpha * y`` for float32 arrays ``x`` and ``y`` (broadcasting) and a number ``alpha``, rounded to float32
    first and then the whole rounded once, as a float32 fused multiply-add (``fmaf(alpha, y, x)``) rounds it: what
    PyTorch's CPU ``torch.add(x, y, alpha=alpha)`` and ``torch._foreach_add_(x, y, alpha=alpha)`` compute in
    float32. :func:`fused_multiply_add_float32` with ``alpha`` as the factor, without a 0-d array made for it (on
    NumPy arrays the fast way takes it as a Python float: a few microseconds less per call, which an optimizer pays
    for each weight at each step).

    >>> import numpy as np
    >>> w, g = np.float32([0.123]), np.float32([2.2])
    >>> multiply_add_float32(np, g, -0.1, w).tolist(), (w - np.float32(0.1) * g).tolist()
    ([-0.09700000286102295], [-0.09700001031160355])
    """
    alpha = float(alpha)
    if (abs(alpha) <= _FLOAT32_MAX and type(y) is np.ndarray and type(x) is np.ndarray and y.shape == x.shape
            and 0 < x.size <= SMALL_FLOAT32 and x.ndim):
        out = _small_float32(float(np.float32(alpha)), y, x)      # (the usual case: a bias, a small weight)
        if out is not None:
            return out
    with np.errstate(over="ignore", invalid="ignore"):    # overflow to inf, inf - inf = nan: silently, as PyTorch
        factor = float(np.float32(alpha))
        if isinstance(y, np.ndarray) and isinstance(x, np.ndarray):
            return _fast_float32(factor, y, x)
        factor = xp.asarray(factor, dtype=xp.float32)
        return _in_blocks(xp, lambda y, x: _fused_multiply_add_float32_block(xp, factor, y, x), y, x,
                          dtype="float32")


def _fused_multiply_add_float32_block(xp, a, b, c):
    """:func:`fused_multiply_add_float32` on arrays small enough to stay in cache."""
    if not hasattr(a, "view"):                       # array-api-strict: no bit view; every element the long way
        product = xp.astype(a, xp.float64) * xp.astype(b, xp.float64)
        c = xp.astype(c, xp.float64)
        s = product + c
        return _ties_rounded_again(xp, product, c, s, xp.astype(s, xp.float32))
    # NumPy and CuPy (array methods: the array-API functions' wrappers cost as much as an operation here)
    product = a.astype(xp.float64) * b.astype(xp.float64)     # exact
    c = c.astype(xp.float64)
    s = product + c
    rounded = s.astype(xp.float32)
    bits = s.view(xp.uint64)
    suspect = (bits & _LOWEST_29_BITS) == _FLOAT32_HALF_WAY
    if rounded.size and not float(xp.min(xp.abs(rounded))) > 2.0 ** -126:     # (NaN: looked at too)
        magnitude = bits & _MAGNITUDE                 # float32 subnormal results, 0 < |s| < 2**-126, all of them
        magnitude -= 1
        suspect |= magnitude < _BELOW_FLOAT32_NORMAL
    suspect = xp.nonzero(suspect.reshape(-1))[0]
    if suspect.shape[0] == 0:
        return rounded
    shape = s.shape

    def picked(x):                                   # x's elements at `suspect`, x broadcast to s's shape
        return xp.broadcast_to(x, shape).reshape(-1)[suspect]

    flat = rounded.reshape(-1)
    flat[suspect] = _ties_rounded_again(xp, picked(product), picked(c), picked(s), flat[suspect])
    return flat.reshape(shape)


def _ties_rounded_again(xp, product, c, s, rounded):
    """``rounded`` (``s = product + c`` rounded to float32) corrected where ``s`` is exactly half way between two
    float32 numbers and the exact sum is not: moved to the other neighbour where the sum's rounding error (TwoSum)
    lies on its side."""
    _, e = _two_sum(xp, product, c)
    back = xp.astype(rounded, xp.float64)
    # a tie above the largest float32 rounded to infinity: its neighbours are 3.4028235e38 and 2**128
    back = xp.where(xp.isinf(back) & xp.isfinite(s), xp.sign(s) * 2.0 ** 128, back)
    d = s - back                                               # exact (back is the float32 nearest to s)
    twice = d + d
    neighbour = back + twice                         # the float32 on the other side of s, where s is a tie
    tie = xp.isfinite(s) & (d != 0) & (xp.astype(xp.astype(neighbour, xp.float32), xp.float64) == neighbour)
    tipped = tie & (e != 0) & ((e > 0) == (d > 0))
    return xp.where(tipped, xp.astype(neighbour, xp.float32), rounded)


# ------------------------------------------------------------------------------------------ the fast way (NumPy)

#: ``smallest |p|`` below which Dekker's product may lose bits (the exponents' sum condition of its proof).
_TINY_PRODUCT = 2.0 ** -900

#: The smallest int64: the float32 tie pattern (the lowest 29 bits ``1`` then 28 zeros) shifted to the top.
_INT64_MIN = -(2 ** 63)


#: The largest float32 (``3.4028235e38``): a factor beyond it (or NaN) takes the way with ``np.errstate`` around
#: its rounding to float32.
_FLOAT32_MAX = float(np.finfo(np.float32).max)

#: The shifts' amounts and the 1 subtracted, as NumPy scalars of the arrays' dtype: an in-place operator with them
#: costs about half of ``np.left_shift(bits, 35, out=bits)`` (a Python int is converted at every call).
_SHIFT_35, _SHIFT_1, _ONE_U32 = np.uint64(35), np.uint32(1), np.uint32(1)




#: Each thread's scratch memory for the fast way's buffers (:func:`_buffers`), kept between calls.
_SCRATCH = threading.local()


def _buffers(shape, *dtypes):
    """Buffers of ``shape``, one per dtype in ``dtypes``, carved out of this thread's scratch memory, which is kept
    between calls (about 1.3 MB at most): memory allocated afresh for each call, and given back to the system at
    its end, has its pages zeroed again on first touch, which took longer than the computation (1.4 ms for 10**5
    float32 elements where reused buffers take 0.3 ms). The buffers live until the next call in this thread."""
    count = math.prod(shape)
    nbytes = [count * np.dtype(d).itemsize for d in dtypes]
    scratch = getattr(_SCRATCH, "memory", None)
    if scratch is None or scratch.nbytes < sum(nbytes):
        scratch = _SCRATCH.memory = np.empty(sum(nbytes), np.uint8)
    out, start = [], 0
    for size, dtype in zip(nbytes, dtypes):
        out.append(scratch[start:start + size].view(dtype).reshape(shape))
        start += size
    return out


def _numpy_arrays(*arrays):
    """Whether every operand is a NumPy array or scalar, which the fast way needs (views of its bits, ``out=``)."""
    return all(isinstance(a, (np.ndarray, np.generic)) for a in arrays)


def _flat(arrays, shape, dtype=None):
    """Each of ``arrays`` as a 1-d array broadcast to ``shape`` (free for a C-contiguous array of that shape; a copy
    otherwise), or 0-d where it holds one element (NumPy's operations broadcast it)."""
    out = []
    for a in arrays:
        a = np.asarray(a, dtype=dtype)
        if a.size == 1:
            out.append(a.reshape(()))
        elif a.shape == shape and a.flags.c_contiguous:
            out.append(a.reshape(-1))
        else:
            out.append(np.ascontiguousarray(np.broadcast_to(a, shape)).reshape(-1))
    return out


def _blocks(arrays, shape, n, dtype=None):
    """``(size, buffer shape, blocks, flat)`` for the fast way: ``blocks`` yields ``(start, stop, parts)``,
    ``parts`` the operands' elements ``start:stop`` of the flattened broadcast shape. Up to ``n`` elements one
    block, the arrays as they are (NumPy's operations broadcast them into buffers of the whole ``shape``), and
    ``flat`` None; more are flattened (:func:`_flat`, ``flat`` the list of them, which :func:`_picked` reuses) and
    cut into blocks of ``n``."""
    size = math.prod(shape)
    if size <= n:
        arrays = [np.asarray(a, dtype=dtype) for a in arrays]
        return size, shape, iter([(0, size, arrays)]), None
    flat = _flat(arrays, shape, dtype)
    return size, (n,), ((i, min(i + n, size), [a if a.ndim == 0 else a[i:i + n] for a in flat])
                        for i in range(0, size, n)), flat


def _shape(*arrays):
    """The broadcast shape of NumPy arrays (quickly where they share one)."""
    first = arrays[0].shape
    return first if all(a.shape == first for a in arrays) else np.broadcast(*arrays).shape


def _picked(arrays, shape, index, flat, dtype=None):
    """The operands' elements at the flat ``index`` of their broadcast ``shape``: from ``flat`` (:func:`_blocks`'
    flattened operands, no copy made again) where there is one, else from ``arrays`` (one block) flattened."""
    return [a if a.ndim == 0 else a[index] for a in (flat if flat is not None else _flat(arrays, shape, dtype))]


def _split_into(v, hi, lo):
    """Veltkamp's splitting (:func:`_split`) of the array ``v`` into the buffers ``hi`` and ``lo``, in place."""
    np.multiply(v, _VELTKAMP, out=hi)        # c = f * v
    np.subtract(hi, v, out=lo)               # c - v
    np.subtract(hi, lo, out=hi)              # hi = c - (c - v)
    np.subtract(v, hi, out=lo)               # lo = v - hi


def _fast_float64(a, b, c, careful):
    """``a * b + c`` rounded once (a fused multiply-add) for NumPy float64 arrays ``b`` and ``c`` (broadcast) and
    ``a`` a float64 array or a Python float (:func:`multiply_add`'s ``alpha``: normal, below ``2**995``, split
    once); ``careful`` computes the elements flagged: ``careful(a, b, c)``, or ``careful(b, c)`` for a float ``a``.

    Each block of :data:`MULTIPLY_ADD_BLOCK` elements, in place in 10 buffers (:func:`_buffers`: 9 of float64,
    the two for ``a``'s halves unused for a float ``a``, and one of uint64 for the test): Dekker's product ``a *
    b == p + e`` (Veltkamp's splitting of each factor into halves of 26 bits; ``e = ((a_hi * b_hi - p) + a_hi * b_lo +
    a_lo * b_hi) + a_lo * b_lo``), Knuth's TwoSum ``c + p == s + t``, then ``v = t + e`` and ``r = s + v``, each rounded
    (25 operations; 21 for a float ``a``, 17 if it has at most 26 bits), and two tests of the whole block, each an
    operation and a minimum. Why ``r`` is ``a * b + c`` rounded once wherever the tests do not flag it:

    * ``e`` is exact when nothing overflows and ``|p| >= 2**-900``, subnormal factors included (the condition of
      Boldo's proof of Dekker's product, "Pitfalls of a full floating-point proof", 2006: the sum of the
      factors' exponents at least ``-1022``), and ``t`` when ``s`` is finite. A block whose smallest ``|p|`` (NaN
      aside) is below ``2**-900`` is looked at element by element: a zero product of a zero factor is exact,
      and ``s`` (``c`` plus a signed zero) is the fused multiply-add's there; a tiny or underflowed one is flagged.
    * An overflow makes an infinity, and every operation on one an infinity or a NaN; each intermediate reaches
      ``v``, through a subtraction of itself (``c * f - v``, ``a_hi * b_hi - p``, ``s - c``) where an infinity
      becomes NaN. So ``v`` is then infinite or the NaN that operations make (bits ``0x7ff8...`` or
      ``0xfff8...``), both flagged below. A NaN operand makes ``r`` NaN, the right answer, flagged or not.
    * With ``e`` and ``t`` exact, ``a * b + c == s + v + w`` (``w`` the rounding error of ``v``), and ``r = RN(s +
      v)`` is ``RN(s + v + w)`` unless ``s + v`` lies exactly half way between two floats: ``|w|`` is below the
      step of ``v``, which divides ``s + v`` and the half-way points near it. ``|t| <= ulp(s) / 2`` and ``|e| <=
      ulp(p) / 2``; where ``c`` and ``p`` cancel (``|p| / 2 <= |c| <= 2 |p|``, opposite signs) ``s`` is exact
      (Sterbenz), ``t = 0`` and ``w = 0``; elsewhere ``ulp(p) <= 2 ulp(s)``, so ``|v| <= 1.5 ulp(s)``. ``s + v``
      then lies in the binade of ``s`` or a neighbouring one, whose half-way points are odd multiples of
      ``ulp(s) / 2``, ``ulp(s)`` or ``ulp(s) / 4`` away from multiples of ``ulp(s)``: a tie makes ``v`` 0 or 1,
      1.25, 1.5 or 1.75 times a power of two, whose lowest 50 significand bits are zero.

    So the block's ``r`` is exact unless some ``v`` has its lowest 50 bits zero (``v``'s bits shifted left by 14,
    as unsigned integers: their minimum is 0) or some ``|p| < 2**-900``; there, the elements with such a ``v``
    other than zero (``v == 0`` means ``t + e == 0``: ``r = s`` is exact) and those with a tiny product are
    computed again by ``careful``, all of them at the end (ties are rare: about 1 in ``2**50`` random elements).
    """
    scalar = isinstance(a, float)
    operands = (b, c) if scalar else (a, b, c)
    shape = _shape(*operands)
    out = np.empty(shape)
    n = MULTIPLY_ADD_BLOCK
    size, buffer_shape, blocks, flat = _blocks(operands, shape, n, np.float64)
    if size == 0:
        return out
    if scalar:
        a_hi, a_lo = _split(a)
    *work, shifted = _buffers(buffer_shape, *[np.float64] * 9, np.uint64)
    flat_out, flagged = out.reshape(-1), []
    for start, stop, parts in blocks:
        whole = size <= n or stop - start == n                                    # (else the last block)
        p, b_hi, b_lo, e, x, s, t, ah, al = (w[...] if whole else w[:stop - start] for w in work)   # (0-d views)
        u = shifted if whole else shifted[:stop - start]
        r = out if size <= n else flat_out[start:stop]
        if scalar:
            b, c = parts
            a_block = a
        else:
            a_block, b, c = parts
            _split_into(a_block, ah, al)
            a_hi, a_lo = ah, al
        np.multiply(a_block, b, out=p)
        _split_into(b, b_hi, b_lo)
        np.multiply(a_hi, b_hi, out=e)       # Dekker's product: e = a * b - p, exactly
        e -= p
        np.multiply(a_hi, b_lo, out=x)
        e += x
        if not scalar or a_lo != 0:
            np.multiply(a_lo, b_hi, out=x)
            e += x
            np.multiply(a_lo, b_lo, out=x)
            e += x
        np.add(c, p, out=s)                  # TwoSum: c + p == s + t, exactly
        np.subtract(s, c, out=x)             # the part of p in s
        np.subtract(s, x, out=t)             # the part of c in s
        np.subtract(c, t, out=t)             # c's rounding error
        np.subtract(p, x, out=x)             # p's
        t += x
        t += e                               # v = t + e, rounded
        np.add(s, t, out=r)
        np.left_shift(t.view(np.uint64), 14, out=u)
        np.abs(p, out=x)
        tiny = not np.fmin.reduce(x, axis=None) >= _TINY_PRODUCT
        if tiny or u.min() == 0:
            mask = (u == 0) & (t != 0)
            if tiny:
                small = x < _TINY_PRODUCT
                zero = small & (p == 0) & ((b == 0) if scalar else ((a_block == 0) | (b == 0)))
                np.copyto(r, s, where=zero)
                mask |= small & ~zero
            index = np.flatnonzero(mask)
            if index.size:
                flagged.append(index + start)
    if flagged:
        index = np.concatenate(flagged)
        flat_out[index] = careful(*_picked(operands, shape, index, flat, np.float64))
    return out


def _fast_float32(a, b, c):
    """:func:`fused_multiply_add_float32` for NumPy float32 or float16 arrays. Per block of :data:`FLOAT32_BLOCK`
    elements, in one float64 scratch buffer of a block (:func:`_buffers`) and one float32 one, 7 NumPy operations:
    ``s = a * b`` in float64 (exact; a one-element ``a`` is taken as a Python float, so that NumPy broadcasts no
    array), ``s += c`` (rounded once) and ``r = s`` rounded to float32, written into the result; then two tests of
    the whole block:

    * ties: ``s``'s bits shifted left by 35 in place (the lowest 29 on top), whose minimum as int64 is the smallest
      int64 only where some ``s`` is a float32 tie (``1`` then 28 zeros);
    * float32's subnormal range, whose ties sit higher: the smallest ``|r|`` (NaN aside) is ``2**-126`` or less
      only where some result is zero, subnormal or ``2**-126``; then (results that are exactly zero are common: a
      zero moment times a zero gradient) ``r``'s bits shifted left by one (the sign dropped) less one, as
      unsigned integers, whose minimum is below ``2**24`` only where ``0 < |r| <= 2**-126``. A zero result is
      exact: ``s`` is then exact (``c`` is zero and ``s`` the product, or ``|c| >= 2**-149`` and ``|a * b|``
      within a factor 2 of it, a cancellation without error: Sterbenz), so its rounding to float32 is the only one.

    Only in a block where a test fails is ``s`` computed again and the elements concerned found (their bits); all
    of them are corrected at the end (:func:`_ties_rounded_again`). Random data passes both tests: 7 operations
    where ``c + a * b`` rounded twice takes 2 (the times: :mod:`~tinygradconv.optimizers.torch_rounding`)."""
    if isinstance(a, float):                                 # (multiply_add_float32: a float32 number)
        factor, shape = a, _shape(b, c)
    else:
        factor = float(a.reshape(())) if a.size == 1 else None       # exact (a float32 or float16 number)
        shape = b.shape if (factor is not None and b.shape == c.shape and a.ndim <= b.ndim) else _shape(a, b, c)
    size = math.prod(shape)
    if 0 < size <= SMALL_FLOAT32 and shape:
        out = _one_block_float32(factor, a, b, c, shape)
        if out is not None:
            return out
    out = np.empty(shape, np.float32)
    if size == 0:
        return out
    operands = (b, c) if factor is not None else (a, b, c)
    if all(x.shape == shape and x.flags.c_contiguous for x in operands):
        flat = [x.reshape(-1) for x in operands]            # views, no copy
    else:
        flat = _flat(operands, shape)
    n = min(size, FLOAT32_BLOCK)
    if n <= SMALL_FLOAT32:                 # fresh small arrays cost less than carving the buffers
        sums, magnitudes = np.empty(n), np.empty(n, np.float32)
    else:
        sums, magnitudes = _buffers((n,), np.float64, np.float32)
    flat_out, flagged = out.reshape(-1), []
    for start in range(0, size, n):
        stop = min(start + n, size)
        s, m = (sums, magnitudes) if stop - start == n else (sums[:stop - start], magnitudes[:stop - start])
        parts = [x if x.ndim == 0 else x[start:stop] for x in flat]
        r = flat_out[start:stop]
        _sum_in_float64(factor, parts, s)
        np.copyto(r, s, casting="same_kind")
        bits = s.view(np.uint64)
        np.left_shift(bits, 35, out=bits)                   # (s is computed again where a test fails)
        tie = np.minimum.reduce(bits.view(np.int64), axis=None) == _INT64_MIN
        np.abs(r, out=m)
        small = not np.fmin.reduce(m, axis=None) > 2.0 ** -126
        if small:                                           # zero results pass; 0 < |r| <= 2**-126 fails
            low = m.view(np.uint32)
            np.left_shift(r.view(np.uint32), 1, out=low)
            low -= 1
            small = np.minimum.reduce(low, axis=None) < 1 << 24
        if tie or small:
            _sum_in_float64(factor, parts, s)
            bits = s.view(np.uint64)
            mask = (bits & _LOWEST_29_BITS) == _FLOAT32_HALF_WAY
            if small:                        # float32 subnormal results, 0 < |s| < 2**-126, all of them
                magnitude = bits & _MAGNITUDE
                magnitude -= 1
                mask |= magnitude < _BELOW_FLOAT32_NORMAL
            index = np.flatnonzero(mask)
            if index.size:
                flagged.append(index + start)
    if flagged:
        index = np.concatenate(flagged)
        picked = [x if x.ndim == 0 else x[index] for x in flat]
        if factor is not None:
            product = np.multiply(picked[0], factor, dtype=np.float64)
        else:
            product = np.multiply(picked[0], picked[1], dtype=np.float64)
        c = np.asarray(picked[-1], dtype=np.float64)
        s = product + c
        flat_out[index] = _ties_rounded_again(np, product, c, s, s.astype(np.float32))
    return out


def _one_block_float32(factor, a, b, c, shape):
    """:func:`_fast_float32` on at most :data:`SMALL_FLOAT32` elements, the usual case of a bias or a small weight:
    the same operations and tests on fresh arrays of the broadcast shape (no flattening, no blocks), which cost
    fewer Python steps; None where a test fails (then the blocks' way finds and corrects the elements)."""
    s = np.empty(shape)                                     # (the product may broadcast to less than c's shape)
    np.multiply(b, factor if factor is not None else a, out=s, dtype=np.float64)
    np.add(s, c, out=s)
    out = s.astype(np.float32)
    bits = s.view(np.uint64)
    np.left_shift(bits, 35, out=bits)
    if np.minimum.reduce(bits.view(np.int64), axis=None) == _INT64_MIN:
        return None
    if not np.fmin.reduce(np.abs(out), axis=None) > 2.0 ** -126:       # zero results pass, 0 < |r| <= 2**-126 not
        low = out.view(np.uint32) << 1
        low -= 1
        if np.minimum.reduce(low, axis=None) < 1 << 24:
            return None
    return out


def _small_float32(factor, y, x):
    """:func:`multiply_add_float32` for NumPy arrays ``y`` and ``x`` of one shape and at most :data:`SMALL_FLOAT32`
    elements, ``factor`` a Python float (a float32 number): :func:`_one_block_float32`'s operations with the fewest
    Python steps, for the many small weights of an optimizer's step (about 2 us of NumPy's cost per call each,
    where a pass over 64 elements takes a few nanoseconds). Operators in place (``s *= factor``, ``s += x``: no
    keyword arguments to parse), the shift by a ready ``numpy.uint64``, and the warnings silenced only around the
    four floating-point operations that can raise them (``0 * inf``, ``inf - inf``, a sum beyond float32's range;
    the integer shift, ``abs`` and the minimums raise none), through NumPy 2's context variable (:data:`_SILENT`:
    about 0.3 us, where ``np.errstate`` takes 1.5 to 3 us with its slower operations inside). None where a test fails
    (then :func:`_fast_float32` finds and corrects the elements concerned)."""
    token = _FP_WARNINGS.set(_SILENT)
    try:
        s = y.astype(np.float64)                    # exact
        s *= factor                                 # the product, exact in float64
        s += x                                      # rounded once
        out = s.astype(np.float32)                  # rounded again: right unless s is a float32 tie
    finally:
        _FP_WARNINGS.reset(token)
    bits = s.view(np.uint64)
    bits <<= _SHIFT_35
    if np.minimum.reduce(bits.view(np.int64), axis=None) == _INT64_MIN:
        return None
    if not np.fmin.reduce(np.abs(out), axis=None) > 2.0 ** -126:       # zero results pass, 0 < |r| <= 2**-126 not
        low = out.view(np.uint32) << _SHIFT_1
        low -= _ONE_U32
        if np.minimum.reduce(low, axis=None) < 1 << 24:
            return None
    return out


def _sum_in_float64(factor, parts, s):
    """``s = a * b + c`` in float64 in the buffer ``s`` (the product exact, the sum rounded once): ``parts`` is
    ``(b, c)`` with ``a`` the Python float ``factor``, or ``(a, b, c)`` where ``factor`` is None."""
    if factor is not None:
        b, c = parts
        np.multiply(b, factor, out=s, dtype=np.float64)
    else:
        a, b, c = parts
        np.multiply(a, b, out=s, dtype=np.float64)
    np.add(s, c, out=s)
