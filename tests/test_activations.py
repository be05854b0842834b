"""Activations: values against NumPy formulas written here (math.erf as the independent erf), gradients by finite
differences on both backends, stability at +-1000, lookup and serialization."""
import json
import math

import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv import activations as A
from tinygradconv.autograd import OPS

X = np.array([-7.0, -3.0, -2.5, -1.0, -0.3, 0.0, 0.2, 1.0, 2.4, 3.0, 6.5, 8.0])
np_erf = np.vectorize(math.erf)


def np_sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def np_softplus(x):
    return np.log1p(np.exp(x))


def np_elu(x, alpha=1.0):
    return np.where(x > 0, x, alpha * (np.exp(x) - 1.0))


REFERENCES = {
    "linear": lambda x: x,
    "relu": lambda x: np.maximum(x, 0.0),
    "relu6": lambda x: np.minimum(np.maximum(x, 0.0), 6.0),
    "leaky_relu": lambda x: np.where(x >= 0, x, 0.2 * x),
    "elu": np_elu,
    "selu": lambda x: 1.0507009873554805 * np_elu(x, 1.6732632423543772),
    "gelu": lambda x: 0.5 * x * (1.0 + np_erf(x / math.sqrt(2.0))),
    "silu": lambda x: x * np_sigmoid(x),
    "swish": lambda x: x * np_sigmoid(x),
    "sigmoid": np_sigmoid,
    "hard_sigmoid": lambda x: np.clip(x / 6.0 + 0.5, 0.0, 1.0),
    "tanh": np.tanh,
    "softplus": np_softplus,
    "softsign": lambda x: x / (np.abs(x) + 1.0),
    "exponential": np.exp,
    "mish": lambda x: x * np.tanh(np_softplus(x)),
}


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_values_against_formulas(name, backend):
    got = A.get(name)(tg.Tensor(X, dtype="float64", backend=backend))
    assert got.backend.name == backend and got.shape == X.shape
    np.testing.assert_allclose(got.numpy(), REFERENCES[name](X), rtol=1e-13, atol=1e-14)


def test_selu_constants_match_the_keras_docs():
    assert A.SELU_ALPHA == pytest.approx(1.67326324, abs=1e-8)
    assert A.SELU_SCALE == pytest.approx(1.05070098, abs=1e-8)


def test_gelu_approximate():
    x = tg.tensor(X, dtype="float64")
    expected = 0.5 * X * (1 + np.tanh(math.sqrt(2 / math.pi) * (X + 0.044715 * X**3)))
    np.testing.assert_allclose(A.gelu(x, approximate=True).numpy(), expected, rtol=1e-13, atol=1e-14)
    with pytest.raises(TypeError, match="approximate"):
        A.gelu(x, approximate="yes")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_gelu_at_plus_infinity_and_in_its_float32_left_tail(dtype):
    """As docs/special_points.md says (found by a tester comparing with Keras on torch, whose float32 kernel gives
    NaN at +inf in a tensor of 2 or more elements): gelu(+inf) = +inf, gelu(-inf) = NaN, and in float32 the left
    tail keeps the relative error the page gives, against the exact value computed in float64 from math.erf."""
    out = A.gelu(tg.tensor([np.inf, -np.inf, 1.0], dtype=dtype)).numpy()
    assert out[0] == np.inf and np.isnan(out[1])
    x = np.linspace(-3.0, 0.0, 601, dtype=dtype)[:-1]
    exact = np.array([0.5 * v * (1 + math.erf(v / math.sqrt(2))) for v in x.astype(np.float64)])
    error = np.abs(A.gelu(tg.tensor(x, dtype=dtype)).numpy() - exact) / np.abs(exact)
    assert error.max() <= (5.5e-5 if dtype == "float32" else 1e-12)


def test_clip_at_a_tensor_bound_keeps_the_zero_of_x(backend):
    """docs/special_points.md: at a bound, clip gives x itself (which equals the bound), with tensor bounds as with
    number bounds: -0.0 clipped to min=0.0 stays -0.0, whatever the length (PyTorch's clamp changes by length)."""
    for n in (1, 17, 64):
        x = tg.tensor(np.full(n, -0.0), dtype="float64", backend=backend)
        low = tg.tensor(np.zeros(n), dtype="float64", backend=backend)
        for out in (tg.ops.clip(x, low, None), tg.ops.clip(x, 0.0, None)):
            assert np.signbit(out.numpy()).all()


@pytest.mark.parametrize("kwargs", [
    {}, {"negative_slope": 0.5}, {"max_value": 5.0}, {"threshold": 5.0}, {"negative_slope": 0.1, "max_value": 4.0},
    {"negative_slope": 0.3, "threshold": 2.0}, {"threshold": -2.0}, {"threshold": 1.0, "max_value": 3.0},
    {"max_value": 6.0}, {"negative_slope": 0.2, "threshold": 1.0, "max_value": 2.0},
])
def test_relu_options_against_keras_definition(kwargs):
    x = np.array([-10.0, -5.0, -1.5, 0.0, 0.5, 1.5, 2.5, 5.0, 10.0])
    slope = kwargs.get("negative_slope", 0.0)
    threshold = kwargs.get("threshold", 0.0)
    max_value = kwargs.get("max_value")
    # Keras: x kept above the threshold (else 0), clipped to [0, max_value] if given, minus slope*relu(threshold - x)
    expected = np.where(x > threshold, x, 0.0)
    if max_value is not None:
        expected = np.clip(expected, 0.0, max_value)
    elif threshold == 0.0:
        expected = np.maximum(expected, 0.0)
    expected = expected - slope * np.maximum(threshold - x, 0.0)
    np.testing.assert_allclose(A.relu(tg.tensor(x, dtype="float64"), **kwargs).numpy(), expected, rtol=1e-15)


def test_relu_keras_doc_examples():
    x = tg.tensor([-10.0, -5.0, 0.0, 5.0, 10.0])
    assert A.relu(x).tolist() == [0.0, 0.0, 0.0, 5.0, 10.0]
    assert A.relu(x, negative_slope=0.5).tolist() == [-5.0, -2.5, 0.0, 5.0, 10.0]
    assert A.relu(x, max_value=5.0).tolist() == [0.0, 0.0, 0.0, 5.0, 5.0]
    assert A.relu(x, threshold=5.0).tolist() == [0.0, 0.0, 0.0, 0.0, 10.0]


def test_relu_argument_validation():
    with pytest.raises(ValueError, match="max_value"):
        A.relu(tg.tensor([1.0]), max_value=-1.0)
    with pytest.raises(TypeError, match="negative_slope"):
        A.relu(tg.tensor([1.0]), negative_slope="0.1")
    with pytest.raises(TypeError, match="alpha"):
        A.elu(tg.tensor([1.0]), alpha=None)


def test_leaky_relu_default_slope_is_keras_3():
    assert A.leaky_relu(tg.tensor([-10.0], dtype="float64")).item() == pytest.approx(-2.0)


@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_softmax_and_log_softmax(axis, backend):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 4, 5)) * 4
    shifted = x - x.max(axis=axis, keepdims=True)
    expected = np.exp(shifted) / np.exp(shifted).sum(axis=axis, keepdims=True)
    t = tg.Tensor(x, dtype="float64", backend=backend)
    np.testing.assert_allclose(A.softmax(t, axis=axis).numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(A.log_softmax(t, axis=axis).numpy(), np.log(expected), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(A.softmax(t, axis=axis).numpy().sum(axis=axis), 1.0, rtol=1e-14)


# ------------------------------------------------------------------------------------------------ stability
LIMITS = {  # value at (-1000, +1000)
    "linear": (-1000.0, 1000.0), "relu": (0.0, 1000.0), "relu6": (0.0, 6.0), "leaky_relu": (-200.0, 1000.0),
    "elu": (-1.0, 1000.0), "selu": (-1.0507009873554805 * 1.6732632423543772, 1.0507009873554805 * 1000.0),
    "gelu": (0.0, 1000.0), "silu": (0.0, 1000.0), "swish": (0.0, 1000.0), "sigmoid": (0.0, 1.0),
    "hard_sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0), "softplus": (0.0, 1000.0), "softsign": (-1000 / 1001, 1000 / 1001),
    "mish": (0.0, 1000.0),
}


@pytest.mark.parametrize("name", sorted(LIMITS))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_stable_at_plus_minus_1000(name, dtype):
    x = tg.tensor([-1000.0, 1000.0], dtype=dtype, requires_grad=True)
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # no overflow, nan or 1/0 anywhere
        y = A.get(name)(x)
        y.sum().backward()
    np.testing.assert_allclose(y.numpy(), LIMITS[name], rtol=1e-6, atol=1e-6)
    assert np.all(np.isfinite(x.grad.numpy()))


def test_softmax_stable_at_1000():
    x = tg.tensor([[1000.0, 1000.0, -1000.0]], dtype="float64", requires_grad=True)
    y = A.softmax(x)
    np.testing.assert_allclose(y.numpy(), [[0.5, 0.5, 0.0]], atol=1e-300)
    np.testing.assert_allclose(A.log_softmax(x).numpy(), [[-math.log(2), -math.log(2), -2000 - math.log(2)]])
    (y * tg.tensor([[1.0, 2.0, 3.0]], dtype="float64")).sum().backward()
    assert np.all(np.isfinite(x.grad.numpy()))


def test_exponential_overflows_like_exp():
    with np.errstate(over="ignore"):
        y = A.exponential(tg.tensor([-1000.0, 1000.0], dtype="float64")).numpy()
    assert y[0] == 0.0 and y[1] == np.inf


# ------------------------------------------------------------------------------------------------ gradients
GRAD_POINTS = np.array([-3.2, -1.1, -0.4, 0.35, 0.9, 2.7, 7.0])  # away from the kinks at 0, 6, -3, 3


@pytest.mark.parametrize("name", sorted(set(REFERENCES) | {"softmax", "log_softmax"}))
def test_gradcheck(name, backend):
    x = tg.Tensor(GRAD_POINTS.reshape(1, 7), dtype="float64", backend=backend, requires_grad=True)
    assert tg.gradcheck(A.get(name), x)


@pytest.mark.parametrize("kwargs", [{"negative_slope": 0.3, "threshold": 0.5, "max_value": 2.0},
                                    {"approximate": True}])
def test_gradcheck_with_options(kwargs, backend):
    name = "gelu" if "approximate" in kwargs else "relu"
    x = tg.Tensor(GRAD_POINTS, dtype="float64", backend=backend, requires_grad=True)
    assert tg.gradcheck(A.ActivationFunction(name, **kwargs), x)


def test_sigmoid_gradient_by_hand():
    x = tg.tensor([0.0, 2.0], dtype="float64", requires_grad=True)
    A.silu(x).sum().backward()
    s = np_sigmoid(np.array([0.0, 2.0]))
    np.testing.assert_allclose(x.grad.numpy(), s + np.array([0.0, 2.0]) * s * (1 - s), rtol=1e-14)


# ------------------------------------------------------------------------------------------------ erf
def test_erf_accuracy_float64(backend):
    x = np.linspace(-9.0, 9.0, 40001)
    got = A.erf(tg.Tensor(x, dtype="float64", backend=backend)).numpy()
    assert np.abs(got - np_erf(x)).max() < 2e-15


@pytest.mark.parametrize("dtype, tol", [("float32", 1e-6), ("float16", 1e-3)])
def test_erf_accuracy_low_precision(dtype, tol):
    x = np.linspace(-6.0, 6.0, 4001).astype(dtype)
    got = A.erf(tg.tensor(x, dtype=dtype))
    assert got.numpy().dtype == np.dtype(dtype)
    assert np.abs(got.numpy() - np_erf(x.astype(np.float64))).max() < tol


def test_erf_is_odd_and_saturates():
    x = np.array([0.0, 1e-8, 0.5, 3.0, 30.0, 1e6])
    got = A.erf(tg.tensor(np.concatenate([x, -x]), dtype="float64")).numpy()
    np.testing.assert_array_equal(got[:6], -got[6:])
    assert got[0] == 0.0 and got[4] == 1.0 and got[5] == 1.0
    assert got[1] == pytest.approx(2 / math.sqrt(math.pi) * 1e-8, rel=1e-14)  # relative accuracy near 0


@pytest.mark.parametrize("values", [[0.5, -1.25, 2.4], [3.0, -4.0, 2.6], [0.1], [-9.5]])
def test_erf_when_only_one_branch_is_needed(values, backend):
    got = A.erf(tg.Tensor(values, dtype="float64", backend=backend)).numpy()
    np.testing.assert_allclose(got, np_erf(np.array(values)), rtol=0, atol=2e-15)


def test_erf_derivative_is_exact(backend):
    x = tg.Tensor(X, dtype="float64", backend=backend, requires_grad=True)
    A.erf(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 / math.sqrt(math.pi) * np.exp(-X**2), rtol=1e-15)


def test_erf_is_a_registered_op_with_gradchecked_samples(backend):
    assert OPS["erf"].function is A.Erf
    for sample in OPS["erf"].samples(np.random.default_rng(0)):
        x = tg.Tensor(sample.args[0], dtype="float64", backend=backend, requires_grad=True)
        assert tg.gradcheck(lambda t: A.Erf.apply(t), x, atol=1e-6, rtol=1e-4)


# ------------------------------------------------------------------------------------------------ lookup and config
def test_get():
    assert A.get(None) is A.linear
    assert A.get("relu") is A.relu
    assert A.get("swish") is A.silu

    def custom(x):
        return x * 2

    assert A.get(custom) is custom
    assert A.get({"class_name": "function", "config": "tanh"}) is A.tanh  # Keras 3's serialized form
    assert A.get({"class_name": "gelu", "config": {}}) is A.gelu
    act = A.get({"class_name": "relu", "config": {"max_value": 6.0}})
    assert isinstance(act, A.ActivationFunction)
    assert act(tg.tensor([-1.0, 9.0])).tolist() == [0.0, 6.0]


def test_unknown_names_list_the_valid_ones():
    with pytest.raises(ValueError, match=r"Unknown activation: 'rellu'.*'relu'"):
        A.get("rellu")
    with pytest.raises(ValueError, match="Could not interpret"):
        A.get(3)
    with pytest.raises(ValueError, match="Unrecognized arguments"):
        A.ActivationFunction("relu", alpha=1.0)
    with pytest.raises(ValueError, match="max_value"):
        A.ActivationFunction("relu", max_value=-2.0)  # checked at construction


@pytest.mark.parametrize("name", sorted(A.ALL_OBJECTS))
def test_serialize_names(name):
    fn = A.get(name)
    assert A.get(A.serialize(fn)) is fn


def test_serialize_forms():
    assert A.serialize(None) == "linear"
    assert A.serialize(A.linear) == "linear"
    assert A.serialize("relu") == "relu"
    act = A.ActivationFunction("leaky_relu", negative_slope=0.5)
    config = A.serialize(act)
    assert config == {"class_name": "leaky_relu", "config": {"negative_slope": 0.5}}
    restored = A.get(json.loads(json.dumps(config)))
    assert restored(tg.tensor([-2.0])).tolist() == [-1.0]
    assert A.ActivationFunction.from_config(act.get_config()).kwargs == act.kwargs
    with pytest.raises(ValueError, match="Cannot serialize"):
        A.serialize(lambda x: x)


def test_softmax_of_a_scalar_is_one_class_and_other_axes_a_clear_error():
    # As Keras and PyTorch, a 0-d tensor is one class along axis 0 or -1 (tests/test_special_points.py compares the
    # values with Keras); any other axis is a ValueError naming it (once a ZeroDivisionError from `axis % ndim`).
    for axis in (0, -1):
        assert A.softmax(tg.tensor(1.0), axis=axis).item() == 1.0
    for axis in (1, -2):
        with pytest.raises(ValueError, match=f"axis {axis} is out of range for a tensor with 0 dimensions. "
                                             f"Received: axis={axis}"):
            A.softmax(tg.tensor(1.0), axis=axis)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_axis_errors_name_the_function_called(name):
    fn = getattr(tg.activations, name)
    with pytest.raises(ValueError, match=rf"^{name}: axis 1 is out of range"):
        fn(tg.tensor([1.0, 2.0]), axis=1)
    with pytest.raises(TypeError, match=rf"^{name}: axis must be an integer"):
        fn(tg.tensor([1.0, 2.0]), axis=0.5)


@pytest.mark.parametrize("kwargs, ours, keras_grad", [
    ({"negative_slope": 0.5, "threshold": 2.0}, 1.5, 0.5),     # both parts pass NaN's gradient: 1 + slope
    ({"negative_slope": 0.5, "threshold": 2.0, "max_value": 3.0}, 0.5, 0.5),  # the clip stops the first part's
    ({"threshold": 2.0}, 1.0, 0.0),
])
def test_relu_gradient_at_nan_with_a_threshold_is_as_documented(kwargs, ours, keras_grad):
    x = tg.tensor([np.nan] * 20, dtype="float64", requires_grad=True)
    y = A.relu(x, **kwargs)
    y.sum().backward()
    assert np.isnan(y.numpy()).all() and x.grad.numpy().tolist() == [ours] * 20
    from helpers import keras_on_torch

    keras = keras_on_torch("Keras 3 gives the other gradient documented in relu's docstring")
    import torch

    t = torch.tensor([np.nan] * 20, dtype=torch.float64, requires_grad=True)
    keras.activations.relu(t, **kwargs).sum().backward()
    assert t.grad.tolist() == [keras_grad] * 20


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_elu_is_exact_near_zero(dtype):
    """exp(x) - 1 lost the eighth digit at x = -1e-10 (found by a helper); elu uses expm1, as torch's elu.
    Reference: NumPy's expm1 in float64, rounded to the dtype."""
    x = np.array([-1e-10, -3e-8, -1e-5, -0.3, -20.0], dtype=dtype)
    expected = (0.7 * np.expm1(x.astype(np.float64))).astype(dtype)
    np.testing.assert_allclose(A.elu(tg.tensor(x, dtype=dtype), 0.7).numpy(), expected,
                               rtol=2 * np.finfo(dtype).eps, atol=0)
