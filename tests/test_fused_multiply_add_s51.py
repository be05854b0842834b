"""s51: the float32 fast way lets zero results through its subnormal test (a zero result is exact) and still
corrects every subnormal tie beside them; a one-element factor as a Python float; against exact fractions.

The code before this change passed too (it sent such blocks to the careful way, every element of them): a guard of
the new pass-through, which fails when it lets subnormal results through with the zeros (checked by making its
test ``< 0``)."""
from __future__ import annotations

from fractions import Fraction

import numpy as np
from helpers import same_bits

from tinygradconv.ops import fused_multiply_add
from tinygradconv.optimizers.torch_rounding import add_scaled


def _float32_of(exact):
    """The exact number ``exact`` rounded once to float32 (half to even, subnormals included)."""
    if exact == 0:
        return np.float32(0)
    magnitude = abs(exact)
    exponent = magnitude.numerator.bit_length() - magnitude.denominator.bit_length()
    if Fraction(2) ** exponent > magnitude:
        exponent -= 1
    step = Fraction(2) ** (max(exponent, -126) - 23)
    return np.float32(float(round(exact / step) * step))     # round(): half to even


def _case(n, seed):
    """``x + alpha * y`` where a third of the results are exactly zero and the others subnormal: ``alpha * y`` is
    half float32's subnormal step, ``2**-150``, times ``1 - 2**-46`` (a hair below) or ``1 + 2**-23``; the float64
    sum with ``x`` (``k * 2**-149``, ``|k| >= 64``) rounds the first onto the half-way point, so rounding it
    again to float32 (half to even) goes the wrong way in about half of them."""
    rng = np.random.default_rng(seed)
    alpha = np.float32(2.0 ** -100 * (1 + 2.0 ** -23))
    y = np.float32(rng.choice([-1.0, 1.0], n) * 2.0 ** -50 * (1 + rng.choice([-1, -1, 0], n) * 2.0 ** -23))
    x = np.float32(rng.choice([-1, 1], n) * rng.integers(64, 2 ** 20, n) * 2.0 ** -149)
    zero = rng.random(n) < 1 / 3
    x[zero], y[zero] = 0, 0
    exact = [Fraction(float(alpha)) * Fraction(float(v)) + Fraction(float(w)) for v, w in zip(y, x)]
    want = np.array([_float32_of(s) for s in exact], dtype=np.float32)
    want[zero] = np.float32(0) + np.float32(0)                  # +0, as the fma's +0 + alpha * +0
    return alpha, x, y, want


def test_zero_results_do_not_hide_subnormal_ties():
    for n in (40, 3000, 70001):                    # one small block, one buffered block, two blocks
        alpha, x, y, want = _case(n, n)
        twice = (np.float64(alpha) * y + x).astype(np.float32)
        assert np.count_nonzero(twice != want) > 0                 # the case has teeth
        assert same_bits(fused_multiply_add.fused_multiply_add_float32(np, np.asarray(alpha), y, x), want)
        assert same_bits(fused_multiply_add.fused_multiply_add_float32(np, np.full(n, alpha), y, x), want)
        assert same_bits(add_scaled(np, x, y, float(alpha)), want)
