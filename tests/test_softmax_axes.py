"""``activations.softmax`` and ``log_softmax`` over a tuple of axes (and None), as Keras 3: values and gradients
against Keras 3 on torch (skipped visibly without it), including NaN, +-inf and slices of only -inf, in float16,
float32 and float64; against NumPy written from the formula (always run); the argument errors. The op itself is
gradient-checked and compared with PyTorch at its special points by tests/test_registry_gradcheck.py and
tests/test_special_points.py (its registered samples include tuple axes, None and ())."""
import numpy as np
import pytest
from helpers import keras_on_torch

import tinygradconv as tg
from tinygradconv import activations

KERAS = "Keras 3 on torch is the reference of softmax over several axes"
AXES = [(0, 1), (1, 2), (0, 2), (2, 0), (0, 1, 2), (1,), (), None]


def np_log_softmax(x, axis):
    axes = tuple(range(x.ndim)) if axis is None else tuple(axis)
    if not axes:
        return x - x
    shifted = x - x.max(axis=axes, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axes, keepdims=True))


@pytest.mark.parametrize("axis", AXES)
def test_values_and_gradients_against_numpy(axis, backend):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, 4)) * 3.0
    g = rng.standard_normal((2, 3, 4))
    expected = np_log_softmax(x, axis)
    axes = tuple(range(3)) if axis is None else tuple(axis)
    for name in ("softmax", "log_softmax"):
        t = tg.Tensor(x, dtype="float64", backend=backend, requires_grad=True)
        out = getattr(activations, name)(t, axis=axis)
        (out * tg.Tensor(g, dtype="float64", backend=backend)).sum().backward()
        if name == "softmax":
            s = np.exp(expected)
            np.testing.assert_allclose(out.numpy(), s, rtol=1e-13)
            if axes:
                np.testing.assert_allclose(out.numpy().sum(axis=axes), 1.0, rtol=1e-14)
            grad = s * (g - (g * s).sum(axis=axes, keepdims=True)) if axes else np.zeros_like(x)
        else:
            np.testing.assert_allclose(out.numpy(), expected, rtol=1e-13, atol=1e-14)
            grad = g - np.exp(expected) * (g.sum(axis=axes, keepdims=True) if axes else g)
        np.testing.assert_allclose(t.grad.numpy(), grad, rtol=1e-12, atol=1e-14)
    assert tg.gradcheck(lambda t: activations.softmax(t, axis=axis),
                        tg.Tensor(x, dtype="float64", backend=backend, requires_grad=True))


def test_by_hand():
    # four equal values over both axes: 1/4 each; a -inf is probability 0 and the rest share the mass
    assert activations.softmax(tg.tensor([[1.0, 1.0], [1.0, 1.0]]), axis=(0, 1)).tolist() == [[0.25] * 2] * 2
    out = activations.softmax(tg.tensor([[0.0, -np.inf], [0.0, 0.0]], dtype="float64"), axis=(1, 0)).tolist()
    assert out == [[1 / 3, 0.0], [1 / 3, 1 / 3]]
    assert activations.softmax(tg.tensor([[2.0, 5.0]]), axis=()).tolist() == [[1.0, 1.0]]     # each element alone
    assert activations.softmax(tg.tensor([[1.0, 1.0], [1.0, 1.0]]), axis=None).tolist() == [[0.25] * 2] * 2
    assert activations.softmax(tg.tensor([1.0, 1.0]), axis=(-1,)).tolist() == [0.5, 0.5]
    assert activations.softmax(tg.tensor(4.0), axis=()).item() == 1.0                     # a scalar: one class


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("axis, error, words", [
    ((0, 0), ValueError, r"axis contains the same axis twice\. Received: axis=\(0, 0\)"),
    ((0, -3), ValueError, r"axis contains the same axis twice"),
    ((0, 3), ValueError, r"axis 3 is out of range for a tensor with 3 dimensions"),
    ((0, 1.5), TypeError, r"axis must be an integer, a tuple of integers or None\. Received axis=\(0, 1\.5\)"),
    ((True,), TypeError, r"axis must be an integer, a tuple of integers or None"),
    ("0", TypeError, r"Received axis='0'"),
])
def test_bad_axes_name_the_function_and_the_value(name, axis, error, words):
    with pytest.raises(error, match=rf"^{name}: .*{words}"):
        getattr(activations, name)(tg.tensor(np.ones((2, 3, 4))), axis=axis)


# ------------------------------------------------------------------------------------------------ Keras 3
SPECIAL = np.array([[[1.0, -np.inf, 0.5], [2.0, 0.0, -0.0]],          # a -inf: probability 0
                    [[-np.inf, -np.inf, -np.inf], [-np.inf, -np.inf, -np.inf]],  # all -inf: NaN
                    [[np.nan, 1.0, 2.0], [3.0, 4.0, 5.0]],             # a NaN: NaN for the slice
                    [[np.inf, 1.0, 2.0], [3.0, -np.inf, 5.0]],         # a +inf: NaN for the slice
                    [[1000.0, -1000.0, 999.0], [0.0, 1000.0, -5.0]]])  # large values, no overflow


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("axis", [(1, 2), (2, 1), (0, 1, 2), (2,), ()])
@pytest.mark.parametrize("data", ["random", "special"])
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_values_and_gradients_match_keras(name, axis, data, dtype):
    keras = keras_on_torch(KERAS)
    import torch

    rng = np.random.default_rng(0)
    x = (rng.standard_normal((5, 2, 3)) * 4.0 if data == "random" else SPECIAL).astype(dtype)
    if dtype == "float16" and data == "special":
        x = np.where(np.abs(x) == 1000.0, np.sign(x) * 60000.0, x).astype(dtype)
    g = rng.uniform(0.5, 1.5, x.shape).astype(dtype)
    ours = tg.tensor(x, dtype=dtype, requires_grad=True)
    out = getattr(activations, name)(ours, axis=axis)
    (out * tg.tensor(g, dtype=dtype)).sum().backward()
    theirs = torch.tensor(x, requires_grad=True)
    expected = getattr(keras.activations, name)(theirs, axis=axis)
    (expected * torch.tensor(g)).sum().backward()
    assert out.numpy().dtype == np.dtype(dtype) and str(expected.dtype) == f"torch.{dtype}"
    # float64 and float32: rounding only (both are exp(x - m) / sum, with another exp and another order of sums;
    # gradients cancel, so the absolute part is scaled by the largest value); float16: both compute in float32 and
    # round once, so at most one float16 spacing apart
    for got, want in ((out.numpy(), expected.detach().numpy()), (ours.grad.numpy(), theirs.grad.numpy())):
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
        np.testing.assert_array_equal(np.isinf(got), np.isinf(want))
        finite = np.isfinite(want)
        got, want = got[finite].astype(np.float64), want[finite].astype(np.float64)
        if dtype == "float16":
            spacing = np.spacing(np.abs(want).astype(dtype)).astype(np.float64)
            np.testing.assert_array_less(np.abs(got - want), spacing + 1e-7)
        else:
            rtol = {"float32": 2e-6, "float64": 1e-13}[dtype]
            scale = max(np.abs(want).max(initial=0.0), 1.0)
            np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol * scale)


def test_axis_none_matches_keras():
    keras = keras_on_torch(KERAS)
    import torch

    x = np.random.default_rng(1).standard_normal((3, 4))
    for name in ("softmax", "log_softmax"):
        expected = getattr(keras.activations, name)(torch.tensor(x), axis=None).numpy()
        np.testing.assert_allclose(getattr(activations, name)(tg.tensor(x, dtype="float64"), axis=None).numpy(),
                                   expected, rtol=1e-13, atol=1e-15)
