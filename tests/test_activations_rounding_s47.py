"""Activations one float step from their kinks, and float16 activations on every float16 value (a tester of
session 47): against Keras 3.15 on torch (which calls PyTorch's kernels) and against the exact value, computed in
float64 from the formula and rounded once to float16."""
import math

import numpy as np
import pytest
from helpers import keras_on_torch

import tinygradconv as tg
from tinygradconv import activations

# every finite float16 value, -65504 to 65504, both zeros and the subnormals included
HALF = np.arange(1 << 16, dtype=np.uint16).view(np.float16)
HALF = HALF[np.isfinite(HALF)]


def _ulps(a, b):
    """How many float16 steps lie between ``a`` and ``b`` (both rounded to float16), element-wise."""
    def ordered(v):
        bits = v.astype(np.float16).view(np.int16).astype(np.int64)
        return np.where(bits < 0, -(bits & 0x7FFF), bits)  # -0.0 and 0.0 both 0; the order of the reals
    return np.abs(ordered(a) - ordered(b))


def _ours(name, values, **kwargs):
    x = tg.tensor(values, requires_grad=True)
    y = getattr(activations, name)(x, **kwargs)
    y.sum().backward()
    return y.numpy(), x.grad.numpy()


def _torch(fn, values):
    import torch

    t = torch.tensor(values, requires_grad=True)
    y = fn(t)
    y.sum().backward()
    return y.detach().numpy(), t.grad.numpy()


KINKS = {"hard_sigmoid": (-3.0, 3.0), "hard_silu": (-3.0, 3.0), "relu6": (0.0, 6.0), "hard_tanh": (-1.0, 1.0),
         "sparse_sigmoid": (-1.0, 1.0), "sparse_plus": (-1.0, 1.0), "elu": (0.0,), "relu": (0.0,)}


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("name", sorted(KINKS))
def test_one_float_step_either_side_of_each_kink_as_keras(name, dtype):
    # hard_sigmoid clipped x + 3, which rounds to 6 one step below 3: gradient 0 there instead of 1/6, and in
    # float16 the value 1.0 instead of 0.9995
    keras = keras_on_torch("Keras 3 on torch is the reference")
    points = []
    for kink in np.array(KINKS[name], dtype):
        below, above = np.nextafter(kink, kink - 1), np.nextafter(kink, kink + 1)
        points += [np.nextafter(below, kink - 1), below, kink, above, np.nextafter(above, kink + 1)]
    values = np.array(points, dtype)
    value, grad = _ours(name, values)
    expected_value, expected_grad = _torch(getattr(keras.activations, name), values)
    # float64: PyTorch's hardsigmoid multiplies by a float32 1/6 and its hardswish gradient is x / 3 + 0.5 where
    # ours is (2 x + 3) / 6: a last-bit difference, no more
    rtol = 1e-7 if dtype == "float64" else 0.0
    np.testing.assert_allclose(value, expected_value, rtol=rtol, atol=0)
    np.testing.assert_allclose(grad, expected_grad, rtol=max(rtol, 1e-7 if name == "hard_silu" else 0.0), atol=0)


def test_hard_sigmoid_just_below_3_has_slope_one_sixth():
    x = tg.tensor(np.array([np.nextafter(np.float32(3.0), np.float32(0))]), requires_grad=True)
    activations.hard_sigmoid(x).sum().backward()
    assert x.grad.tolist() == [np.float32(1 / 6)]          # Keras 3.15 / torch: 0.16666667
    half = activations.hard_sigmoid(tg.tensor(np.array([2.998], np.float16))).tolist()
    assert half == [np.float16(0.9995)]                    # (2.998 + 3) / 6 rounded once


def test_hard_sigmoid_float16_equals_torch_on_every_value():
    import torch.nn.functional as F

    value, grad = _ours("hard_sigmoid", HALF)
    expected_value, expected_grad = _torch(F.hardsigmoid, HALF)
    np.testing.assert_array_equal(value, expected_value)
    np.testing.assert_array_equal(grad, expected_grad)


def test_mish_float16_follows_keras_not_torch_on_every_value():
    # Keras 3 composes x * tanh(softplus(x)) from float16 operations; layers follow Keras where PyTorch's mish
    # (float32 inside, rounded once) differs: e.g. gradient [1.0, 1.0, 1.0] at [4.625, 4.64, 5.0], torch's
    # [1.00195, 1.00195, 1.00098]
    from helpers import keras_on_torch

    keras = keras_on_torch("Keras 3 on torch is the reference for float16 mish")
    value, grad = _ours("mish", HALF)
    expected_value, expected_grad = _torch(keras.activations.mish, HALF)
    for ours, theirs in ((value, expected_value), (grad, expected_grad)):
        assert _ulps(ours, theirs).max() <= 1
    example = np.array([4.625, 4.64, 5.0], np.float16)
    assert _ours("mish", example)[1].tolist() == _torch(keras.activations.mish, example)[1].tolist()


def _gelu_exact(x, approximate):
    """gelu and its derivative in float64 from the formula (``erfc`` of the math module: no cancellation)."""
    if approximate:
        b, k = math.sqrt(2 / math.pi), 0.044715
        t = np.tanh(b * (x + k * x ** 3))
        return 0.5 * x * (1 + t), 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * b * (1 + 3 * k * x * x)
    erfc = np.vectorize(math.erfc)
    cdf = 0.5 * erfc(-x / math.sqrt(2))
    return x * cdf, cdf + x * np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)


@pytest.mark.parametrize("approximate", [False, True])
def test_gelu_float16_is_the_exact_value_rounded_once(approximate):
    # float32 lost 2-3 float16 steps of 1 + erf(x / sqrt 2) (or 1 + tanh) for x near -4, ours and PyTorch's
    F = pytest.importorskip("torch.nn.functional")
    with np.errstate(over="ignore"):
        exact_value, exact_grad = _gelu_exact(HALF.astype(np.float64), approximate)
    value, grad = _ours("gelu", HALF, approximate=approximate)
    assert _ulps(value, exact_value).max() == 0
    assert _ulps(grad, exact_grad).max() == 0
    # against PyTorch: within one float16 step wherever PyTorch itself is within one step of the exact value
    expected_value, expected_grad = _torch(lambda t: F.gelu(t, approximate="tanh" if approximate else "none"), HALF)
    for ours, theirs, exact in ((value, expected_value, exact_value), (grad, expected_grad, exact_grad)):
        torch_close = _ulps(theirs, exact) <= 1
        assert _ulps(ours, theirs)[torch_close].max() <= 1
