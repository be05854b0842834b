"""float16 inputs: normalization statistics, reductions and losses do not overflow where Keras 3 does not.

float16 tops out at 65504, so the squares of the variance overflow for values above 256. Keras computes
BatchNormalization and LayerNormalization statistics in float32 and its losses in float32; so does tinygradconv.
References: Keras 3 with ``KERAS_BACKEND=torch`` where installed, and the formulas in float64.
"""

import numpy as np
import pytest
from helpers import keras_on_torch

import tinygradconv as tg
from tinygradconv import activations, layers, losses

X = np.array([[0.0], [200.0], [400.0], [600.0]], dtype=np.float16)  # the example: variance 50000


@pytest.fixture
def backend(backend):
    """The shared backends, less array_api_strict, which has no float16 (the Array API standard defines none)."""
    if backend == "array_api_strict":
        pytest.skip("array_api_strict has no float16 (the Array API standard defines none)")
    return backend


def _keras():
    return keras_on_torch("Keras 3 is the reference of the low-precision behaviour")


def _standardized(x, axis):
    x = x.astype(np.float64)
    return (x - x.mean(axis=axis, keepdims=True)) / np.sqrt(x.var(axis=axis, keepdims=True) + 1e-3)


def test_batchnorm_float16_statistics_in_float32(backend):
    bn = layers.BatchNormalization(dtype="float16")
    y = bn(tg.tensor(X, backend=backend), training=True)
    assert str(y.dtype) == "float16"
    np.testing.assert_allclose(y.numpy().astype(np.float64), _standardized(X, 0), rtol=2e-3, atol=2e-3)
    # moving = 0.99 * initial + 0.01 * batch statistic: finite, not inf for good
    np.testing.assert_allclose(bn.moving_mean.numpy().astype(np.float64), [3.0], rtol=1e-3)
    np.testing.assert_allclose(bn.moving_variance.numpy().astype(np.float64), [0.99 + 0.01 * 50000.0], rtol=1e-3)
    assert np.isfinite(bn(tg.tensor(X, backend=backend)).numpy()).all()


def test_layernorm_float16_statistics_in_float32(backend):
    ln = layers.LayerNormalization(axis=0, dtype="float16")
    y = ln(tg.tensor(X, backend=backend))
    assert str(y.dtype) == "float16"
    np.testing.assert_allclose(y.numpy().astype(np.float64), _standardized(X, 0), rtol=2e-3, atol=2e-3)


def test_float16_normalization_gradients_are_finite():
    x = tg.tensor(X, requires_grad=True)
    layers.BatchNormalization(dtype="float16")(x, training=True).sum().backward()
    assert str(x.grad.dtype) == "float16" and np.isfinite(x.grad.numpy()).all()


@pytest.mark.parametrize("name", ["BatchNormalization", "LayerNormalization"])
def test_float16_normalization_matches_keras(name):
    keras = _keras()
    import torch

    x = np.array([[0.0, 1.0], [200.0, -3.0], [400.0, 5.0], [600.0, 2.0]], dtype=np.float16)
    axis = {}
    if name == "LayerNormalization":
        x = x.T.copy()  # normalize each row of 4 values
    ours = getattr(layers, name)(dtype="float16", **axis)
    theirs = getattr(keras.layers, name)(dtype="float16", **axis)
    kwargs = {"training": True} if name == "BatchNormalization" else {}
    y = ours(tg.tensor(x), **kwargs).numpy()
    ky = theirs(torch.tensor(x), **kwargs).detach().numpy()
    assert y.dtype == ky.dtype == np.float16
    np.testing.assert_allclose(y.astype(np.float64), ky.astype(np.float64), rtol=2e-3, atol=2e-3)
    if name == "BatchNormalization":
        for mine, keras_weight in zip(ours.get_weights(), theirs.get_weights()):
            np.testing.assert_allclose(mine.astype(np.float64), np.asarray(keras_weight, dtype=np.float64),
                                       rtol=2e-3)


def test_float16_mean_does_not_overflow(backend):
    x = tg.tensor(np.full(1000, 300.0, dtype=np.float16), backend=backend)  # the sum, 300000, overflows float16
    assert x.mean().item() == 300.0 and str(x.mean().dtype) == "float16"


@pytest.mark.parametrize("loss", [losses.MeanSquaredError(), losses.MeanAbsoluteError(), losses.Huber(),
                                  losses.LogCosh()], ids=lambda loss: loss.name)
def test_losses_of_float16_predictions_compute_in_float32(loss, backend):
    y_true = np.zeros((2, 3))
    y_pred = np.array([[300.0, -400.0, 500.0], [1.0, 2.0, 3.0]], dtype=np.float16)  # squares overflow float16
    out = loss(y_true, tg.tensor(y_pred, backend=backend))
    expected = loss(y_true, tg.tensor(y_pred.astype(np.float64), backend=backend)).item()
    assert str(out.dtype) == "float32" and np.isfinite(out.item())
    np.testing.assert_allclose(out.item(), expected, rtol=1e-6)


def test_losses_of_float16_predictions_match_keras():
    keras = _keras()
    import torch

    y_true = np.zeros((2, 3), dtype=np.float32)
    y_pred = np.array([[300.0, -400.0, 500.0], [1.0, 2.0, 3.0]], dtype=np.float16)
    for ours, theirs in ((losses.MeanSquaredError(), keras.losses.MeanSquaredError()),
                         (losses.Huber(), keras.losses.Huber()), (losses.LogCosh(), keras.losses.LogCosh())):
        expected = theirs(torch.tensor(y_true), torch.tensor(y_pred))
        assert str(expected.dtype) == "torch.float32"
        np.testing.assert_allclose(ours(y_true, tg.tensor(y_pred)).item(), expected.item(), rtol=1e-6)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_float16_softmax_matches_float64(name, backend):
    x = np.array([[60000.0, 0.0, -60000.0], [1.0, 1.0, 1.0], [10.0, 0.0, -5.0]], dtype=np.float16)
    out = getattr(activations, name)(tg.tensor(x, backend=backend)).numpy()
    expected = getattr(activations, name)(tg.tensor(x.astype(np.float64))).numpy().astype(np.float16)
    assert out.dtype == np.float16
    np.testing.assert_allclose(out.astype(np.float64), expected.astype(np.float64), rtol=2e-3, atol=1e-3)


def _float16_steps(a, b):
    """How many float16 values lie between ``a`` and ``b`` (element-wise; 0 where equal, NaN where either is)."""
    order = [np.where(v.view(np.int16) < 0, -32768 - v.view(np.int16).astype(np.int64), v.view(np.int16))
             for v in (np.asarray(a, np.float16), np.asarray(b, np.float16))]
    return np.abs(order[0] - order[1])


def test_float16_log_softmax_and_softplus_ops_round_once_from_float32():
    """``ops.nn.log_softmax`` and ``ops.nn.softplus`` computed float16 step by step (found by a tester: up to 71
    float16 steps off in log_softmax, one in softplus). Now within one step of the exact value rounded to float16
    (float32, then float16: a double rounding), values and gradients, against float64 formulas written out here;
    softplus is PyTorch's too, bit for bit, where installed."""
    from tinygradconv.ops import nn

    rng = np.random.default_rng(0)
    x = (rng.standard_normal((200, 4)) * 4).astype(np.float16)
    g = rng.standard_normal((200, 4)).astype(np.float16)
    x64, g64 = x.astype(np.float64), g.astype(np.float64)
    shifted = x64 - x64.max(axis=1, keepdims=True)
    exact_log_softmax = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    exact_softplus = np.logaddexp(0.0, x64)
    total = g64.sum(axis=1, keepdims=True)
    for op, exact, exact_grad, grad_scale in (
            (lambda t: nn.log_softmax(t, axis=1), exact_log_softmax,
             g64 - np.exp(exact_log_softmax) * total, np.abs(g64) + np.exp(exact_log_softmax) * np.abs(total)),
            (nn.softplus, exact_softplus, g64 / (1.0 + np.exp(-x64)), np.abs(g64))):
        t = tg.tensor(x, dtype="float16", requires_grad=True)
        out = op(t)
        out.backward(tg.tensor(g, dtype="float16"))
        assert out.numpy().dtype == t.grad.numpy().dtype == np.float16
        assert _float16_steps(out.numpy(), exact.astype(np.float16)).max() <= 1
        # the gradient works from the rounded float16 output, as PyTorch's backward does, and log_softmax's cancels
        # (g - p * sum(g)): within a few float16 epsilons of the terms' size
        error = np.abs(t.grad.numpy().astype(np.float64) - exact_grad)
        assert np.all(error <= 4 * 2.0 ** -10 * grad_scale)
    torch = pytest.importorskip("torch", reason="PyTorch is the reference for softplus in float16")
    ours = nn.softplus(tg.tensor(x, dtype="float16")).numpy()
    np.testing.assert_array_equal(ours, torch.nn.functional.softplus(torch.tensor(x)).numpy())


# ------------------------------------------------------------------------------------------------ convolutions
W16 = np.array([200.0, 200.0, 200.0], dtype=np.float16).reshape(3, 1, 1)


def test_float16_convolutions_sum_their_taps_in_float32(backend):
    """Hand-computed: 200*200 + 200*200 - 200*200 = 40000 fits in float16 (max 65504), but the first two taps'
    partial sum 80000 does not; summed in float32 and rounded once, as torch's CPU kernels (found by a tester: the
    result was inf)."""
    from tinygradconv.ops import conv1d, conv1d_transpose

    x = tg.tensor(np.array([200.0, 200.0, -200.0], np.float16).reshape(1, 3, 1), backend=backend, requires_grad=True)
    y = conv1d(x, tg.tensor(W16, backend=backend))
    assert str(y.dtype) == "float16" and y.numpy().ravel().tolist() == [40000.0]
    xt = tg.tensor(np.array([-200.0, 200.0, 200.0], np.float16).reshape(1, 3, 1), backend=backend)
    yt = conv1d_transpose(xt, tg.tensor(W16, backend=backend))
    # full correlation: (-4, 0, 4, 8, 4) * 10^4, the 8 overflows in float16 whatever the order of the sum
    assert str(yt.dtype) == "float16" and yt.numpy().ravel().tolist() == [-40000.0, 0.0, 40000.0, np.inf, 40000.0]
    x5 = tg.tensor(np.ones((1, 5, 1), np.float16), backend=backend, requires_grad=True)
    conv1d(x5, tg.tensor(W16, backend=backend)).backward(xt)
    assert str(x5.grad.dtype) == "float16"
    assert x5.grad.numpy().ravel().tolist() == [-40000.0, 0.0, 40000.0, np.inf, 40000.0]


def _within_one_float16_step(ours, exact, what):
    """``ours`` (float16) is ``exact`` (float64) rounded, give or take one float16 step (the float32 sums' own
    rounding may tip a value over a float16 rounding boundary); inf and NaN in the same places."""
    assert ours.dtype == np.float16, what
    np.testing.assert_allclose(ours.astype(np.float64), exact, rtol=2 ** -10, atol=2 ** -24, err_msg=what)


@pytest.mark.parametrize("op", ["conv1d", "conv1d_transpose"])
def test_float16_convolutions_round_once_from_the_exact_sums(op):
    """256 taps: values, input, kernel and bias gradients are the exact sums (torch in float64) rounded once to
    float16, within one float16 step, and never further from them than torch's own float16 results; summed in float16
    our error was about 10x torch's. (On an AVX-512 Xeon torch's float16 kernels round once, and ours equal theirs;
    on an AMD EPYC with AVX2, torch's transposed-convolution kernel, which also gives conv1d's input gradient, rounds
    partial sums: 6x further from the exact sums than ours, measured 2026-12-03.)"""
    torch = pytest.importorskip("torch", reason="PyTorch in float64 is the reference of the exact sums")
    from tinygradconv.ops import conv1d, conv1d_transpose

    rng = np.random.default_rng(0)
    x = rng.random((2, 300, 2)).astype(np.float16)
    w = (rng.random((256, 2, 2)) / 16).astype(np.float16)
    b = rng.random(2).astype(np.float16)
    tx, tw, tb = (tg.tensor(a, requires_grad=True) for a in (x, w, b))
    torch_call = torch.nn.functional.conv1d if op == "conv1d" else torch.nn.functional.conv_transpose1d
    y = (conv1d if op == "conv1d" else conv1d_transpose)(tx, tw, tb)   # torch's transposed kernel is (in, out, k)
    g = rng.random(y.shape).astype(np.float16)
    y.backward(tg.tensor(g))
    theirs = {}
    for dtype in (np.float16, np.float64):
        rx, rw, rb = (torch.tensor(a.astype(dtype), requires_grad=True)
                      for a in (x.transpose(0, 2, 1), w.transpose(2, 1, 0), b))
        ref = torch_call(rx, rw, rb)
        ref.backward(torch.tensor(g.transpose(0, 2, 1).astype(dtype)))
        theirs[dtype] = [ref.detach().numpy().transpose(0, 2, 1), rx.grad.numpy().transpose(0, 2, 1),
                         rw.grad.numpy().transpose(2, 1, 0), rb.grad.numpy()]
    ours = [y.numpy(), tx.grad.numpy(), tw.grad.numpy(), tb.grad.numpy()]
    for what, mine, exact, torch16 in zip(("y", "dx", "dW", "db"), ours, theirs[np.float64], theirs[np.float16]):
        _within_one_float16_step(mine, exact, what)
        assert np.abs(mine - exact).max() <= np.abs(torch16.astype(np.float64) - exact).max(), what


@pytest.mark.parametrize("name, steps", [("sigmoid", 1), ("tanh", 1), ("softplus", 1), ("silu", 1), ("gelu", 8),
                                         ("elu", 1), ("selu", 1), ("mish", 1), ("softmax", 1), ("log_softmax", 1)])
def test_float16_activations_round_as_keras_on_torch(name, steps):
    """Found by a tester: in float16, gelu(-5) lost every digit (-0.0 for -1.4e-6) and the gradients of sigmoid and
    softmax were off by hundreds of float16 steps: each float16 operation rounded. PyTorch's kernels (which Keras 3
    calls) compute in float32 and round once. Values and gradients (for an incoming gradient that is not all ones)
    must now be within `steps` float16 spacings of Keras' over [-12, 12] (gelu: float32 erf approximations differ
    in the far tail)."""
    from helpers import keras_on_torch

    from tinygradconv import activations

    keras = keras_on_torch("Keras 3 on torch is the reference for float16 activations")
    import torch

    x = np.linspace(-12, 12, 481).astype(np.float16)
    g = np.linspace(0.5, 1.5, x.size).astype(np.float16)
    ours = tg.tensor(x, dtype="float16", requires_grad=True)
    out = getattr(activations, name)(ours)
    (out * tg.tensor(g, dtype="float16")).sum().backward()
    theirs = torch.tensor(x, requires_grad=True)
    expected = getattr(keras.activations, name)(theirs)
    (expected * torch.tensor(g)).sum().backward()
    for got, want in ((out.numpy(), expected.detach().numpy()), (ours.grad.numpy(), theirs.grad.numpy())):
        assert got.dtype == np.float16
        spacing = np.spacing(np.abs(want)).astype(np.float64)
        np.testing.assert_array_less(np.abs(got.astype(np.float64) - want.astype(np.float64)), steps * spacing + 1e-12)


# A float16 tensor and a Python number (found by a tester: `x / 1e5` was 0 and its gradient 0).
F16_VALUES = np.array([1.0, 1000.0, 65504.0, -3.0, 0.1, 6e-5, 6e-8, 0.0, np.inf, -np.inf, np.nan], dtype=np.float16)
NUMBERS = [1e5, 1e-8, 0.1, 3e-5, 70000, 2, 0.5, 1 / 3, 1e300, -1e-300, float("inf"), float("nan"),
           np.float32(1e5), np.float32(1e-8), np.float32(1e-5), np.float64(0.1)]    # NumPy scalars (found by a tester)
ARITHMETIC = {"x + n": lambda x, n: x + n, "n + x": lambda x, n: n + x, "x - n": lambda x, n: x - n,
              "n - x": lambda x, n: n - x, "x * n": lambda x, n: x * n, "n * x": lambda x, n: n * x,
              "x / n": lambda x, n: x / n, "n / x": lambda x, n: n / x}


@pytest.mark.parametrize("expression", sorted(ARITHMETIC))
def test_float16_with_a_number_rounds_as_torch(expression, backend):
    """PyTorch multiplies and divides with the number in float32 and rounds once (``x / 1e5`` is ``1e-5 * x``); it
    adds and subtracts the number rounded to float16 (``-inf + 1e5`` is NaN there): values and gradients bit for
    bit."""
    torch = pytest.importorskip("torch", reason="PyTorch is the reference of float16 arithmetic with numbers")
    formula = ARITHMETIC[expression]
    for number in NUMBERS:
        x = tg.tensor(F16_VALUES, backend=backend, requires_grad=True)
        t = torch.tensor(F16_VALUES, requires_grad=True)
        with np.errstate(all="ignore"):
            ours, theirs = formula(x, number), formula(t, number)
        ours.sum().backward()
        theirs.sum().backward()
        assert str(ours.dtype) == "float16" and str(x.grad.dtype) == "float16"
        np.testing.assert_array_equal(ours.numpy(), theirs.detach().numpy(), err_msg=f"{expression}, n={number}")
        np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy(), err_msg=f"gradient of {expression}, n={number}")


def test_float16_with_a_number_beyond_its_range_warns_nothing(backend):
    """``x * 1e300`` is ``inf`` silently in PyTorch; the number's cast to float16 or float32 printed NumPy's
    "overflow encountered in cast" (found by a tester), for NumPy numbers and ``n / x`` too."""
    import warnings

    x = tg.tensor(np.array([1.0, 2.0], np.float16), backend=backend, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for out in (x * 1e300, x / 1e300, 1e300 / x, 1e39 / x, x * np.float64(1e300), x + np.int64(10**6)):
            out.sum().backward()
    assert x.grad is not None


# Powers of float16 tensors and numbers (found by a tester: the gradient of x ** 3 at 0.01 was inf for an incoming
# 25000, as `grad * 3` overflowed first; that of x ** 1e-8 was 0, the exponent rounded to 0; 1.1 ** x was off by
# several float16 steps, its base rounded before the logarithm).
EXPONENTS = [0, 1, 0.5, -0.5, -1, 2, 3, -2, 2.2, 1.2, 1e-8, 100, -1.5, 0.3, np.float32(2.5), True]
BASES = [1.1, 2.0, 0.5, 10.0, 1e39, 0.0, 1.0, -2.0, np.float64(3.0)]


@pytest.mark.parametrize("side", ["x ** n", "n ** x"])
def test_float16_powers_with_a_number_as_torch(side, backend):
    """``x ** n`` and ``n ** x``: PyTorch's number paths (the exponent rounded to float16 for the value, the number
    itself in the gradient, products with it in float32), values and gradients bit for bit, for an incoming
    gradient of 1 and of 25000."""
    torch = pytest.importorskip("torch", reason="PyTorch is the reference of float16 powers with numbers")
    values = np.concatenate([F16_VALUES, np.array([0.01, 0.9, -0.0, 2.5, 1e-5, 100.0], np.float16)])
    weights = np.where(np.arange(values.size) % 2 == 0, 1.0, 25000.0).astype(np.float16)
    for number in (EXPONENTS if side == "x ** n" else BASES):
        x = tg.tensor(values, backend=backend, requires_grad=True)
        t = torch.tensor(values, requires_grad=True)
        with np.errstate(all="ignore"):
            ours, theirs = (x ** number, t ** number) if side == "x ** n" else (number ** x, number ** t)
        (ours * tg.tensor(weights, backend=backend)).sum().backward()
        (theirs * torch.tensor(weights)).sum().backward()
        assert str(ours.dtype) == "float16" and str(x.grad.dtype) == "float16"
        np.testing.assert_array_equal(ours.numpy(), theirs.detach().numpy(), err_msg=f"{side}, n={number}")
        np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy(), err_msg=f"gradient of {side}, n={number}")


def test_float16_mean_gradient_of_more_than_65504_elements(backend):
    """The gradient ``1/n`` with ``n = 70000``: 1.43e-5 in float16 (found by a tester: it was 0, since 70000 is inf
    in float16); by hand, and as torch."""
    x = tg.tensor(np.ones((2, 70000), dtype=np.float16), backend=backend, requires_grad=True)
    x.mean(axis=1).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.full((2, 70000), 1 / 70000, dtype=np.float16))


def test_float16_thresholds_are_compared_in_float32_as_torch():
    """Found by a tester: 0.3 in float16 is 0.30005, above the threshold 0.3; compared in float16 (0.3 rounded to
    0.30005) `threshold` gave the default value and `soft_shrink` 0. By hand: the float32 comparison and values."""
    x = np.full(4, 0.3, np.float16)                 # 0.30004883
    above = float(np.float32(x[0]))
    t = tg.tensor(x, requires_grad=True)
    y = activations.threshold(t, threshold=0.3, default_value=-5.0)
    y.sum().backward()
    assert y.numpy().tolist() == [np.float16(above)] * 4 and t.grad.numpy().tolist() == [1.0] * 4
    shrunk = activations.soft_shrink(tg.tensor(x), threshold=0.3).numpy()
    assert shrunk.dtype == np.float16 and shrunk.tolist() == [np.float16(above - 0.3)] * 4


def test_float16_squareplus_gradient_is_the_float32_one_rounded():
    """Found by a tester: at x = -20 the float16 gradient was 0.002075, the exact one 0.0024814."""
    x = tg.tensor(np.array([-20.0, -1.0, 0.0, 3.0], np.float16), requires_grad=True)
    activations.squareplus(x).sum().backward()
    exact = 0.5 * (1 + np.array([-20.0, -1.0, 0.0, 3.0]) / np.sqrt(np.array([-20.0, -1.0, 0.0, 3.0]) ** 2 + 4))
    np.testing.assert_allclose(x.grad.numpy().astype(np.float64), exact, rtol=2e-3)


def test_float16_squareplus_does_not_overflow_where_float32_does_not():
    """Computed in float32 and rounded once (documented; Keras, in float16 steps, gives inf beyond |x| = 256): at
    +-300 (a tester's input) and 6e4 the value is the formula's in float32 steps, rounded to float16."""
    values = np.array([300.0, -300.0, 6e4], np.float32)
    y = activations.squareplus(tg.tensor(values.astype(np.float16))).numpy()
    assert y.dtype == np.float16 and np.isfinite(y).all()
    np.testing.assert_array_equal(y, ((values + np.sqrt(values * values + np.float32(4))) / 2).astype(np.float16))


def _close_to_keras16(mine, keras16):
    """Our float16 result against Keras' own: overflows in the same places, the finite values within one float16 step
    of the largest one (where torch's float16 kernels round partial sums, their errors are of that order)."""
    np.testing.assert_array_equal(np.isinf(mine), np.isinf(keras16))
    finite = np.isfinite(mine)
    scale = np.abs(mine[finite].astype(np.float64)).max()
    np.testing.assert_allclose(mine[finite].astype(np.float64), keras16[finite].astype(np.float64), rtol=0,
                               atol=2 ** -10 * scale)


def _float64_layer(keras, name, kwargs, x, weights, upstream):
    """Keras' layer ``name`` in float64 with the float16 ``weights`` (cast exactly): its output and the gradients of
    ``sum(y * upstream)`` for the input and every weight, the exact sums that float16 rounds."""
    import torch

    layer = getattr(keras.layers, name)(**{**kwargs, "dtype": "float64"})
    layer.build(x.shape)
    layer.set_weights([w.astype(np.float64) for w in weights])
    kx = torch.tensor(x.astype(np.float64), requires_grad=True)
    ky = layer(kx)
    (ky * torch.tensor(upstream.astype(np.float64))).sum().backward()
    return ky.detach().numpy(), kx.grad.numpy(), [v.value.grad.numpy() for v in layer.weights]


@pytest.mark.parametrize("name", ["Conv1D", "Conv1DTranspose"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_float16_convolution_layers_add_their_bias_apart_as_keras(name, data_format):
    """Keras' convolution layers round the convolution to float16, then add the bias (``ops.add``): two roundings.
    Ours added the bias inside the op, before its one rounding: finite 50000 where Keras overflows to inf, and one
    float16 step off elsewhere (found by a tester). The output is the exact convolution (Keras in float64, no bias)
    rounded to float16, plus the bias in float16, bit for bit; the input gradient is the exact one rounded (within
    one float16 step). Keras' own float16 results agree with these where torch's float16 kernels round once (an
    AVX-512 Xeon: bit for bit); on an AMD EPYC with AVX2 its transposed-convolution kernel rounds partial sums, so
    they are compared here to within one float16 step of the largest value, and the overflows in the same places."""
    keras = _keras()
    import torch

    rng = np.random.default_rng(0)
    x = (rng.standard_normal((3, 7, 4)) * 30).astype(np.float16)
    x[0, 0, :] = 200.0
    if data_format == "channels_first":
        x = np.ascontiguousarray(x.transpose(0, 2, 1))
    kwargs = {"filters": 2, "kernel_size": 3, "data_format": data_format, "dtype": "float16"}
    ours, theirs = getattr(layers, name)(**kwargs), getattr(keras.layers, name)(**kwargs)
    ours.build(x.shape)
    theirs.build(x.shape)
    kernel = (rng.standard_normal(ours.kernel.shape) * 30).astype(np.float16)
    kernel[0] = 200.0
    bias = np.array([-30000.0, 0.37], np.float16)
    ours.set_weights([kernel, bias])
    theirs.set_weights([kernel, bias])
    tx = tg.tensor(x, requires_grad=True)
    y = ours(tx)
    g = rng.standard_normal(y.shape).astype(np.float16)
    conv, dx, _ = _float64_layer(keras, name, {**kwargs, "use_bias": False}, x, [kernel], g)
    bias_shape = (-1, 1) if data_format == "channels_first" else (-1,)
    with np.errstate(over="ignore"):
        expected = conv.astype(np.float16) + bias.reshape(bias_shape)          # two float16 roundings
    np.testing.assert_array_equal(y.numpy(), expected)
    assert np.isinf(y.numpy()).any()                          # the case the single rounding got wrong
    (y * tg.tensor(g)).sum().backward()
    _within_one_float16_step(tx.grad.numpy(), dx, "dx")
    kx = torch.tensor(x, requires_grad=True)
    ky = theirs(kx)
    (ky * torch.tensor(g)).sum().backward()
    for mine, keras16 in ((y.numpy(), ky.detach().numpy()), (tx.grad.numpy(), kx.grad.numpy())):
        _close_to_keras16(mine, keras16)


def _torch():
    return pytest.importorskip("torch", reason="PyTorch is the reference of the float16 sums")


def _half(rng, shape, scale=30.0):
    return (rng.standard_normal(shape) * scale).astype(np.float16)


@pytest.mark.parametrize("op", ["add", "mul"])
@pytest.mark.parametrize("shape_b", [(3,), (1, 40, 1), (2, 1, 3)])
def test_float16_broadcast_gradients_sum_in_float32_as_torch(op, shape_b):
    """The gradient of a broadcast operand is the float16 upstream gradient summed over the broadcast axes: PyTorch
    sums with a float32 accumulator and rounds once; NumPy's float16 sum rounded its partial sums (found by a tester:
    the float16 ``Conv1D`` bias gradient was a float16 step off). Values and gradients bit for bit."""
    torch = _torch()
    rng = np.random.default_rng(0)
    for _ in range(5):
        a, b, g = _half(rng, (2, 40, 3)), _half(rng, shape_b, 1.0), _half(rng, (2, 40, 3))
        ta, tb = tg.tensor(a, requires_grad=True), tg.tensor(b, requires_grad=True)
        pa, pb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
        y = ta + tb if op == "add" else ta * tb
        py = pa + pb if op == "add" else pa * pb
        np.testing.assert_array_equal(y.numpy(), py.detach().numpy())
        y.backward(tg.tensor(g))
        py.backward(torch.tensor(g))
        assert ta.grad.dtype == tb.grad.dtype == np.float16
        np.testing.assert_array_equal(ta.grad.numpy(), pa.grad.numpy())
        np.testing.assert_array_equal(tb.grad.numpy(), pb.grad.numpy())


def test_float16_sum_accumulates_in_float32_as_torch():
    """torch's CPU float16 ``sum`` adds in float32 and rounds once; NumPy's adds along a non-last axis in float16."""
    torch = _torch()
    x = np.zeros((3, 2), np.float16)
    x[:, 0] = [2048.0, 1.0, 1.0]
    assert tg.tensor(x).sum(axis=0).tolist() == [2050.0, 0.0] == torch.tensor(x).sum(0).tolist()
    rng = np.random.default_rng(1)
    for axes in [(0,), (0, 1), (1,), (0, 2), None]:
        x = _half(rng, (4, 30, 3))
        ours = tg.tensor(x).sum(axis=axes)
        theirs = torch.tensor(x).sum(dim=axes) if axes is not None else torch.tensor(x).sum()
        assert str(ours.dtype) == "float16"
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("shapes", [((2, 7, 32), (32, 3)), ((2, 5, 32), (32,))])
def test_float16_matmul_rounds_once_as_torch(shapes):
    """float16 matmul: float32 products and sums, one rounding, forward and backward (PyTorch's CPU kernel). The
    inputs are multiples of 1/64 whose float32 sums are exact in any order, so the one rounding decides the bits.
    The kernel gradient of a batched ``(2, 7, n) @ (n, m)`` was 2 float16 products summed in float16: two roundings.
    (NumPy's own 2-D float16 matmul already adds in float32 and rounds once: the 2-D cases were right before.)
    """
    torch = _torch()
    rng = np.random.default_rng(2)
    for _ in range(5):
        a, b = (rng.integers(-400, 401, s).astype(np.float16) / np.float16(64) for s in shapes)
        ta, tb = tg.tensor(a, requires_grad=True), tg.tensor(b, requires_grad=True)
        pa, pb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
        y, py = ta @ tb, pa @ pb
        np.testing.assert_array_equal(y.numpy(), py.detach().numpy())
        g = rng.integers(-400, 401, y.shape).astype(np.float16) / np.float16(16)
        y.backward(tg.tensor(g))
        py.backward(torch.tensor(g))
        np.testing.assert_array_equal(ta.grad.numpy(), pa.grad.numpy())
        np.testing.assert_array_equal(tb.grad.numpy(), pb.grad.numpy())


@pytest.mark.parametrize("name, kwargs, x_shape", [("Conv1D", {"filters": 3, "kernel_size": 3}, (2, 7, 4)),
                                                   ("Conv1DTranspose", {"filters": 3, "kernel_size": 3}, (2, 7, 4)),
                                                   ("Dense", {"units": 3}, (2, 7, 4)),
                                                   ("Dense", {"units": 3}, (14, 4))])
def test_float16_layer_weight_gradients_match_keras(name, kwargs, x_shape):
    """The tester's case: every weight's gradient of a float16 layer is the exact one (Keras in float64) rounded,
    within one float16 step, and for ``Dense`` equals Keras 3 on torch bit for bit (the bias gradient was NumPy's
    float16 sum of the output gradient; ``Dense``'s kernel gradient on a 3-D input summed float16 per-sample
    products). The convolutions are compared with Keras' float16 results only loosely, because torch's float16
    convolution kernels round partial sums on some CPUs (see above)."""
    keras = _keras()
    import torch

    rng = np.random.default_rng(0)
    x = rng.normal(size=x_shape).astype("float16")
    theirs = getattr(keras.layers, name)(dtype="float16", **kwargs)
    theirs.build(x.shape)
    weights = [rng.normal(size=v.shape).astype("float16") for v in theirs.get_weights()]
    theirs.set_weights(weights)
    ours = getattr(layers, name)(dtype="float16", **kwargs)
    ours(x)
    ours.set_weights(weights)
    ky = theirs(torch.tensor(x))
    y = ours(tg.tensor(x))
    if name == "Dense":
        np.testing.assert_array_equal(y.numpy(), ky.detach().numpy())
    else:           # torch's float16 convolution kernels round partial sums on some CPUs (AVX2): see above
        _close_to_keras16(y.numpy(), ky.detach().numpy())
    for _ in range(3):
        g = rng.normal(size=y.shape).astype("float16") * np.float16(8)
        for v in theirs.weights:
            v.value.grad = None
        for w in ours.weights:
            w.grad = None
        theirs(torch.tensor(x)).backward(torch.tensor(g))
        ours(tg.tensor(x)).backward(tg.tensor(g))
        exact = _float64_layer(keras, name, kwargs, x, weights, g)[2]
        for mine, keras_weight, exact_grad in zip(ours.weights, theirs.weights, exact):
            _within_one_float16_step(mine.grad.numpy(), exact_grad, keras_weight.path)
            if name == "Dense":
                np.testing.assert_array_equal(mine.grad.numpy(), keras_weight.value.grad.numpy())
