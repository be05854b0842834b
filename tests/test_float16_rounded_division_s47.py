"""float16 ``//`` and ``div(rounding_mode=...)`` as PyTorch's CPU kernels compute them, on every float16 value.

A Python number divisor is taken in float32 as given (``x // 0.1`` divides by ``float32(0.1)``, not by
``float16(0.1)``), a one-element divisor in float32 too, and a divisor of many values with each step in float16.
"""
import numpy as np
import pytest

import tinygradconv as tg

torch = pytest.importorskip("torch")

ALL_FLOAT16 = np.arange(65536, dtype=np.uint16).view(np.float16)
NUMBERS = [0.1, 0.3, 0.7, 1e-3, 3, -2.5, 1e5, 1e-8, 2, np.inf, -np.inf, 0.0, -0.0, np.float64(0.1)]


def mismatches(ours, theirs):
    """How many results differ bit for bit (any NaN equal to any NaN)."""
    ours = np.asarray(ours.numpy(), dtype=np.float16)
    theirs = theirs.numpy()
    assert theirs.dtype == np.float16
    same = (ours.view(np.uint16) == theirs.view(np.uint16)) | (np.isnan(ours) & np.isnan(theirs))
    return int((~same).sum())


def test_the_reported_values():
    x = np.array([0.1, 3.5, 3.9, -29.7], dtype=np.float16)
    assert (tg.tensor(x) // 0.1).tolist() == [0.0, 34.0, 39.0, -298.0]
    assert (tg.tensor(x) // 0.7).tolist() == [0.0, 5.0, 5.0, -43.0]
    t = tg.tensor(np.array([3.5], np.float16))
    assert t.div(0.7, rounding_mode="floor").tolist() == [5.0]
    assert t.div(0.7, rounding_mode="trunc").tolist() == [5.0]


@pytest.mark.parametrize("number", NUMBERS, ids=repr)
def test_every_float16_value_with_a_number(number):
    ours, theirs = tg.tensor(ALL_FLOAT16), torch.tensor(ALL_FLOAT16)
    n = float(number)
    assert mismatches(ours // number, theirs // n) == 0
    assert mismatches(ours.div(number, rounding_mode="floor"), theirs.div(n, rounding_mode="floor")) == 0
    assert mismatches(ours.div(number, rounding_mode="trunc"), theirs.div(n, rounding_mode="trunc")) == 0
    assert mismatches(tg.ops.floor_divide(ours, number), torch.floor_divide(theirs, n)) == 0
    assert mismatches(number // ours, n // theirs) == 0
    assert mismatches(ours % number, theirs % n) == 0


def test_float16_tensor_divisors():
    rng = np.random.default_rng(0)
    a, b = rng.choice(ALL_FLOAT16, 20000), rng.choice(ALL_FLOAT16, 20000)
    assert mismatches(tg.tensor(a) // tg.tensor(b), torch.tensor(a) // torch.tensor(b)) == 0
    assert mismatches(tg.tensor(a).div(tg.tensor(b), rounding_mode="trunc"),
                      torch.tensor(a).div(torch.tensor(b), rounding_mode="trunc")) == 0
    one = np.array([0.7], np.float16)           # one value: PyTorch's scalar path, in float32
    assert mismatches(tg.tensor(ALL_FLOAT16) // tg.tensor(one), torch.tensor(ALL_FLOAT16) // torch.tensor(one)) == 0
    assert mismatches(tg.tensor(ALL_FLOAT16).div(tg.tensor(one), rounding_mode="trunc"),
                      torch.tensor(ALL_FLOAT16).div(torch.tensor(one), rounding_mode="trunc")) == 0


def test_gradients_stay_as_pytorch():
    x = tg.tensor(np.array([3.5, -1.0], np.float16), requires_grad=True)
    y = x.div(0.1, rounding_mode="trunc")
    assert y.dtype == tg.tensor(np.float16(1)).dtype
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0] and x.grad.dtype == x.dtype
    with pytest.raises(RuntimeError, match="floor_divide"):
        (x // 0.1).sum().backward()
