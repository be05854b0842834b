"""The betas' powers of an optimizer step, correctly rounded to the weight's dtype as PyTorch's ``pow`` of 0-d
tensors gives them (NumPy's float32 ``**`` is not, on an AVX-512 CPU: ``float32(0.9) ** 4`` was 0.65609997 there,
and Adam's fourth step differed from Keras'). Reference: the exact power of the float32 base (a Fraction, integer
exponents), rounded once to float32."""
from fractions import Fraction

import numpy as np
import pytest

from tinygradconv.optimizers.torch_rounding import scalar_power


def _correctly_rounded(base, t, dtype):
    exact = Fraction(float(base)) ** t
    nearest = dtype(float(exact))                   # the float64 nearest, then its dtype neighbours
    candidates = [nearest, np.nextafter(nearest, dtype(0)), np.nextafter(nearest, dtype(1))]
    return min(candidates, key=lambda c: (abs(Fraction(float(c)) - exact), int(c.view(np.uint32 if dtype is
                                                                                       np.float32 else np.uint64)) & 1))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_powers_of_the_betas_are_correctly_rounded(dtype):
    bases = [0.9, 0.999, 0.99, 0.95, 0.96, 0.5, 0.8]
    for base in bases:
        b = np.asarray(base, dtype=dtype)
        for t in range(1, 60):
            got = scalar_power(np, b, np.asarray(t, dtype=dtype))
            assert got.dtype == dtype
            assert got == _correctly_rounded(b, t, dtype), (base, t, float(got))
