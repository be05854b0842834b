"""The Keras 3 activations added after the first set (celu, glu, hard_silu/hard_swish, hard_tanh, hard_shrink,
soft_shrink, log_sigmoid, sparse_plus, sparse_sigmoid, sparsemax, squareplus, tanh_shrink, threshold) and
``ActivationFunction``'s validation of ``axis`` arguments.

References: NumPy float64 formulas written here (always run), and Keras 3 on torch (values and gradients at the
special points, every float dtype; skipped with a reason without it). Keras 3.15's sparsemax is wrong whenever two
or more entries are positive (keras-team/keras#23425), so it is the reference only where one entry is; elsewhere
the reference is its torch code with the upstream fix (keras-team/keras#23469), run by torch's autograd.
"""
import json
import math

import numpy as np
import pytest
from helpers import fixed_keras_sparsemax, keras_on_torch

import tinygradconv as tg
from tinygradconv import activations as A

NEW = ["celu", "glu", "hard_silu", "hard_swish", "hard_tanh", "hard_shrink", "soft_shrink", "log_sigmoid",
       "sparse_plus", "sparse_sigmoid", "sparsemax", "squareplus", "tanh_shrink", "threshold"]
X = np.array([-7.0, -3.0, -2.5, -1.2, -0.7, -0.3, 0.0, 0.2, 0.6, 1.4, 2.4, 3.5, 8.0])


def np_sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


FORMULAS = {  # (kwargs, float64 formula), from the Keras 3 docs
    "celu": ({"alpha": 0.7}, lambda x: np.where(x > 0, x, 0.7 * (np.exp(x / 0.7) - 1.0))),
    "hard_silu": ({}, lambda x: x * np.clip(x + 3.0, 0.0, 6.0) / 6.0),
    "hard_swish": ({}, lambda x: x * np.clip(x + 3.0, 0.0, 6.0) / 6.0),
    "hard_tanh": ({}, lambda x: np.clip(x, -1.0, 1.0)),
    "hard_shrink": ({"threshold": 0.6}, lambda x: np.where(np.abs(x) > 0.6, x, 0.0)),
    "soft_shrink": ({"threshold": 0.6}, lambda x: np.where(x > 0.6, x - 0.6, np.where(x < -0.6, x + 0.6, 0.0))),
    "log_sigmoid": ({}, lambda x: np.log(np_sigmoid(x))),
    "sparse_plus": ({}, lambda x: np.where(x <= -1, 0.0, np.where(x < 1, (x + 1.0) ** 2 / 4.0, x))),
    "sparse_sigmoid": ({}, lambda x: np.clip((x + 1.0) / 2.0, 0.0, 1.0)),
    "squareplus": ({"b": 2.5}, lambda x: (x + np.sqrt(x * x + 2.5)) / 2.0),
    "tanh_shrink": ({}, lambda x: x - np.tanh(x)),
    "threshold": ({"threshold": 0.2, "default_value": -4.0}, lambda x: np.where(x > 0.2, x, -4.0)),
}


def np_sparsemax(x, axis=-1):
    """Martins & Astudillo's Algorithm 1, slice by slice, in float64."""
    moved = np.moveaxis(np.asarray(x, dtype=np.float64), axis, -1)
    out = np.empty_like(moved)
    for index in np.ndindex(moved.shape[:-1]):
        z = moved[index]
        ordered = np.sort(z)[::-1]
        running = np.cumsum(ordered)
        j = np.arange(1, z.size + 1)
        k = j[1 + j * ordered > running].max()
        out[index] = np.maximum(z - (running[k - 1] - 1.0) / k, 0.0)
    return np.moveaxis(out, -1, axis)


def np_glu(x, axis=-1):
    a, b = np.split(np.asarray(x, dtype=np.float64), 2, axis=axis)
    return a * np_sigmoid(b)


# ------------------------------------------------------------------------------------------ NumPy formulas
@pytest.mark.parametrize("name", sorted(FORMULAS))
def test_values_against_numpy_formulas(name, backend):
    kwargs, formula = FORMULAS[name]
    got = getattr(A, name)(tg.Tensor(X, dtype="float64", backend=backend), **kwargs)
    assert got.backend.name == backend and got.shape == X.shape
    np.testing.assert_allclose(got.numpy(), formula(X), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("name", sorted(set(FORMULAS) | {"glu", "sparsemax"}))
def test_gradcheck_away_from_kinks(name, backend):
    points = np.array([[-3.2, -1.1, -0.45, 0.35, 0.9, 2.7, 7.0, -6.1]])  # away from +-0.5, +-1, +-3, 0.2
    kwargs = FORMULAS[name][0] if name in FORMULAS else {}
    x = tg.Tensor(points, dtype="float64", backend=backend, requires_grad=True)
    assert tg.gradcheck(lambda t: getattr(A, name)(t, **kwargs), x)


@pytest.mark.parametrize("axis", [-1, 0, 1, 2])
def test_glu_against_numpy(axis, backend):
    x = np.random.default_rng(3).standard_normal((4, 2, 6)) * 3
    got = A.glu(tg.Tensor(x, dtype="float64", backend=backend), axis=axis)
    np.testing.assert_allclose(got.numpy(), np_glu(x, axis), rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_sparsemax_against_numpy_and_sums_to_one(axis, backend):
    rng = np.random.default_rng(4)
    for scale in (0.05, 0.5, 3.0, 1e9):
        x = rng.standard_normal((3, 5, 4)) * scale
        got = A.sparsemax(tg.Tensor(x, dtype="float64", backend=backend), axis=axis).numpy()
        np.testing.assert_allclose(got, np_sparsemax(x, axis), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(got.sum(axis=axis), 1.0, rtol=1e-12)
        assert (got >= 0).all()


def test_sparsemax_of_ties_a_rank0_tensor_and_large_logits():
    assert A.sparsemax(tg.tensor([[1.0, 1.0, -5.0]], dtype="float64")).tolist() == [[0.5, 0.5, 0.0]]
    with pytest.raises(ValueError, match="Invalid value for argument `x`"):   # Keras 3.15: IndexError
        A.sparsemax(tg.tensor(7.0))
    big = A.sparsemax(tg.tensor([3e7, 3e7 - 2.0, -3e7], dtype="float32")).tolist()  # Keras: [inf, inf, inf]
    assert big == [1.0, 0.0, 0.0]


def test_log_sigmoid_is_stable_and_its_gradient_is_sigmoid_of_minus_x(backend):
    x = tg.Tensor(np.array([-1000.0, -30.0, 0.0, 30.0, 1000.0]), dtype="float64", backend=backend,
                  requires_grad=True)
    y = A.log_sigmoid(x)
    y.sum().backward()
    np.testing.assert_allclose(y.numpy(), [-1000.0, -30.0 - math.log1p(math.exp(-30)), -math.log(2),
                                           -math.log1p(math.exp(-30)), 0.0], rtol=1e-15)
    with np.errstate(over="ignore"):
        np.testing.assert_allclose(x.grad.numpy(), np_sigmoid(-x.numpy()), rtol=1e-15)


def test_celu_near_zero_keeps_every_digit():
    x = np.array([-1e-10, -1e-300, -3e-8])
    got = A.celu(tg.tensor(x, dtype="float64"), alpha=0.5).numpy()
    np.testing.assert_allclose(got, 0.5 * np.expm1(x / 0.5), rtol=1e-15)


@pytest.mark.parametrize("name", NEW)
def test_float16_in_float16_out_and_integers_become_floats(name):
    kwargs = {"threshold": 0.5, "default_value": 0.0} if name == "threshold" else {}
    fn = getattr(A, name)
    half = fn(tg.tensor(np.array([-1.5, 0.25, 2.0, 4.0], dtype="float16")), **kwargs)
    assert half.numpy().dtype == np.float16
    ints = fn(tg.tensor(np.array([-2, 0, 1, 3]), dtype="int64"), **kwargs)
    if name == "hard_tanh":         # Keras 3 keeps the integer dtype there (torch's hardtanh on integers)
        assert ints.numpy().dtype == np.int64 and ints.tolist() == [-1, 0, 1, 1]
    else:
        assert ints.numpy().dtype == np.float32     # floatx(), as Keras 3 (and torch's default dtype)


# ------------------------------------------------------------------------------------------ arguments
@pytest.mark.parametrize("call, error, words", [
    (lambda x: A.celu(x, alpha=0.0), ValueError, "alpha.*other than 0.*Received alpha=0.0"),
    (lambda x: A.celu(x, alpha="1"), TypeError, "alpha"),
    (lambda x: A.celu(x, alpha=float("inf")), ValueError, "alpha"),
    (lambda x: A.soft_shrink(x, threshold=-0.5), ValueError, r"threshold.*>= 0.*Received threshold=-0.5"),
    (lambda x: A.hard_shrink(x, threshold=float("nan")), ValueError, "threshold"),
    (lambda x: A.hard_shrink(x, threshold=None), TypeError, "threshold"),
    (lambda x: A.squareplus(x, b=-1.0), ValueError, r"`b`.*>= 0.*Received b=-1.0"),
    (lambda x: A.squareplus(x, b=True), TypeError, "`b`"),
    (lambda x: A.threshold(x, float("nan"), 0.0), ValueError, "threshold"),
    (lambda x: A.threshold(x, 0.0, "zero"), TypeError, "default_value"),
    (lambda x: A.glu(x, axis=1), ValueError, r"glu: axis 1 is out of range for a tensor with 1 dimension\."),
    (lambda x: A.glu(x, axis=0.5), TypeError, "glu: axis must be an integer"),
    (lambda x: A.glu(x[:3]), ValueError, r"even.*x.shape=\(3,\) with axis=-1"),
    (lambda x: A.glu(x[0]), ValueError, "rank-0"),
    (lambda x: A.sparsemax(x, axis=(0,)), TypeError, "sparsemax: axis must be an integer"),
    (lambda x: A.sparsemax(x, axis=2), ValueError, "sparsemax: axis 2 is out of range"),
])
def test_bad_arguments_name_the_argument(call, error, words):
    with pytest.raises(error, match=words):
        call(tg.tensor([1.0, -2.0, 0.5, 3.0]))


def test_hard_shrink_with_a_negative_threshold_keeps_everything_as_keras():
    x = tg.tensor([-1.0, 0.0, 0.2, np.nan], dtype="float64")
    np.testing.assert_array_equal(A.hard_shrink(x, threshold=-0.5).numpy(), x.numpy())


# ------------------------------------------------------------------------------------------ lookup and config
def test_every_keras_activation_name_is_known():
    keras = keras_on_torch("Keras 3's list of activation names is the reference")
    from keras.src.activations import ALL_OBJECTS_DICT

    assert set(ALL_OBJECTS_DICT) == set(A.ALL_OBJECTS)
    for name in ALL_OBJECTS_DICT:
        assert keras.activations.serialize(ALL_OBJECTS_DICT[name]) == A.serialize(A.get(name)), name


def test_aliases_and_names():
    assert A.get("hard_swish") is A.hard_silu and A.hard_swish is A.hard_silu
    assert A.serialize(A.hard_swish) == "hard_silu" and A.serialize("hard_swish") == "hard_swish"
    act = A.ActivationFunction("hard_swish")
    assert A.serialize(act) == {"class_name": "hard_swish", "config": {}}


def test_threshold_by_name_needs_its_two_arguments():
    assert A.get("threshold") is A.threshold
    with pytest.raises(TypeError, match=r"Activation 'threshold' needs the arguments \['threshold', "
                                        r"'default_value'\]"):
        A.ActivationFunction("threshold")
    with pytest.raises(TypeError, match=r"needs the arguments \['default_value'\].*Received \{'threshold': 0.5\}"):
        A.ActivationFunction("threshold", threshold=0.5)
    act = A.get({"class_name": "threshold", "config": {"threshold": 0.5, "default_value": -1.0}})
    assert act(tg.tensor([0.0, 2.0])).tolist() == [-1.0, 2.0]
    again = A.get(json.loads(json.dumps(A.serialize(act))))
    assert again.kwargs == {"threshold": 0.5, "default_value": -1.0}


@pytest.mark.parametrize("name, kwargs", [("celu", {"alpha": 0.5}), ("soft_shrink", {"threshold": 1.0}),
                                          ("squareplus", {"b": 1}), ("glu", {"axis": 0}),
                                          ("sparsemax", {"axis": 0})])
def test_configs_round_trip(name, kwargs):
    act = A.get({"class_name": name, "config": kwargs})
    x = tg.tensor([[0.3, -2.0], [1.5, 0.25]], dtype="float64")
    assert A.get(json.loads(json.dumps(A.serialize(act))))(x).tolist() == getattr(A, name)(x, **kwargs).tolist()


# ------------------------------------------------------------------------------------------ the axis probe
@pytest.mark.parametrize("name, axis", [("softmax", 1), ("softmax", -2), ("log_softmax", -2), ("softmax", 2),
                                        ("log_softmax", (0, 2)), ("softmax", (-3, 1)), ("glu", 1), ("glu", -3),
                                        ("sparsemax", 1), ("sparsemax", -2)])
def test_activation_function_accepts_any_axis_of_the_tensors_it_will_see(name, axis):
    # Softmax over the steps of a Conv1D output (batch, steps, channels) was refused: "axis 1 is out of range for
    # a tensor with 1 dimensions" (the arguments were tried on a 1-D probe)
    act = A.ActivationFunction(name, axis=axis)
    from_config = A.get({"class_name": name, "config": {"axis": axis}})
    x = tg.tensor(np.random.default_rng(5).standard_normal((2, 4, 6)), dtype="float64")
    expected = getattr(A, name)(x, axis=axis).numpy()
    np.testing.assert_array_equal(act(x).numpy(), expected)
    np.testing.assert_array_equal(from_config(x).numpy(), expected)


def test_a_conv1d_output_softmax_over_time():
    layer = tg.layers.Conv1D(3, 2, activation=A.get({"class_name": "softmax", "config": {"axis": 1}}))
    y = layer(tg.tensor(np.random.default_rng(6).standard_normal((2, 7, 4))))
    np.testing.assert_allclose(y.numpy().sum(axis=1), 1.0, rtol=1e-6)


@pytest.mark.parametrize("name, axis, error, words", [
    ("softmax", "1", TypeError, "softmax: axis must be an integer"),
    ("log_softmax", (1, 1), ValueError, "log_softmax: axis contains the same axis twice"),
    ("softmax", 1.0, TypeError, "softmax: axis must be an integer"),
    ("sparsemax", (0, 1), TypeError, "sparsemax: axis must be an integer"),
    ("softmax", 100, ValueError, r"tensors have at most 64 dimensions. Received axis=100"),
])
def test_activation_function_still_refuses_bad_axes(name, axis, error, words):
    with pytest.raises(error, match=words):
        A.ActivationFunction(name, axis=axis)


# ------------------------------------------------------------------------------------------ against Keras
POINTS = np.array([np.nan, 0.0, -0.0, np.inf, -np.inf, 1.0, -1.0, 0.5, -0.5, 3.0, -3.0, 2.0, -2.5, 1e-10, -1e-10,
                   20.0, -20.0, 1e300, -1e300, 1e-300, 0.49999, 0.50001, -0.50001, 0.999, 1.001, -0.999, -1.001,
                   2.9999, -2.9999, 100.0, -100.0, 7.0])
# 128 elements: every element falls in a full block of PyTorch's vectorised CPU kernels (whose answers at NaN and
# -0.0 we follow; its scalar kernel, used for the last few elements of a tensor, differs: docs/special_points.md)
LONG = np.tile(POINTS, 4)
KERAS_CASES = [("celu", {}), ("celu", {"alpha": 0.5}), ("celu", {"alpha": -2.0}), ("hard_silu", {}),
               ("hard_swish", {}), ("hard_tanh", {}), ("hard_shrink", {}), ("hard_shrink", {"threshold": 1.0}),
               ("hard_shrink", {"threshold": -0.5}), ("soft_shrink", {}), ("soft_shrink", {"threshold": 1.0}),
               ("soft_shrink", {"threshold": 0.0}), ("log_sigmoid", {}), ("sparse_plus", {}), ("sparse_sigmoid", {}),
               ("squareplus", {}), ("squareplus", {"b": 0}), ("squareplus", {"b": 1.5}), ("tanh_shrink", {}),
               ("threshold", {"threshold": 0.5, "default_value": -2.0}),
               ("threshold", {"threshold": -np.inf, "default_value": 0.0})]
TOLERANCES = {"float64": (1e-12, 1e-15), "float32": (1e-6, 1e-9), "float16": (2e-3, 1e-3)}  # rtol, atol


def _assert_close(ours, theirs, rtol, atol):
    """``|ours - theirs| <= atol + rtol |theirs|`` element-wise (``atol`` may be an array), NaN matching NaN and
    infinities matching exactly."""
    ours, theirs = np.asarray(ours, dtype=np.float64), np.asarray(theirs, dtype=np.float64)
    same = (ours == theirs) | (np.isnan(ours) & np.isnan(theirs))
    with np.errstate(invalid="ignore"):
        close = same | (np.abs(ours - theirs) <= atol + rtol * np.abs(theirs))
    bad = np.nonzero(~close)
    assert close.all(), f"{bad[0].size} differ, e.g. ours {ours[bad][:5]} and theirs {theirs[bad][:5]}"


def _run_both(keras, name, kwargs, x, dtype, weights=None):
    import torch

    ours = tg.tensor(x, dtype=dtype, requires_grad=True)
    y = getattr(A, name)(ours, **kwargs)
    w = np.ones(y.shape) if weights is None else weights
    (y * tg.tensor(w, dtype=dtype)).sum().backward()
    theirs = torch.tensor(x, dtype=getattr(torch, dtype), requires_grad=True)
    ty = getattr(keras.activations, name)(theirs, **kwargs)
    (ty * torch.tensor(w, dtype=getattr(torch, dtype))).sum().backward()
    return y.numpy(), ours.grad.numpy(), ty.detach().numpy(), theirs.grad.numpy()


@pytest.mark.filterwarnings("ignore:overflow encountered in cast")
@pytest.mark.parametrize("dtype", ["float64", "float32", "float16"])
@pytest.mark.parametrize("name, kwargs", KERAS_CASES, ids=[f"{n}-{k}" for n, k in KERAS_CASES])
def test_values_and_gradients_match_keras_at_special_points(name, kwargs, dtype):
    keras = keras_on_torch("Keras 3 is the reference of the activations")
    x = LONG.astype(dtype)
    y, g, ky, kg = _run_both(keras, name, kwargs, x, dtype)
    assert y.dtype == ky.dtype == g.dtype == np.dtype(dtype)
    rtol, atol = TOLERANCES[dtype]
    if name == "squareplus":  # x + sqrt(x^2 + b) cancels for x << 0: the rounding of each step counts, scaled by |x|
        atol = np.maximum(atol, rtol * np.abs(np.nan_to_num(x.astype(np.float64), posinf=0, neginf=0)))
    _assert_close(y, ky, rtol, atol)
    _assert_close(g, kg, rtol, atol)
    zeros = (ky == 0) & (y == 0)
    assert (np.signbit(y[zeros]) == np.signbit(ky[zeros])).all(), x[zeros][np.signbit(y[zeros]) != np.signbit(
        ky[zeros])]


def test_celu_gradient_with_an_alpha_not_exact_in_float32():
    # PyTorch's celu backward uses 1 / float32(alpha) (its derivatives.yaml), so its float64 gradient
    # exp(x / alpha) is off by |x / alpha| times alpha's float32 rounding (6e-8 relative at most); ours is exact
    keras = keras_on_torch("Keras 3 is the reference of the activations")
    x = np.linspace(-5, 1, 64)
    y, g, ky, kg = _run_both(keras, "celu", {"alpha": 0.3}, x, "float64")
    np.testing.assert_allclose(y, ky, rtol=1e-14, atol=1e-16)
    rounding = abs(float(np.float32(0.3)) - 0.3) / 0.3
    _assert_close(g, kg, 2 * rounding * (1 + np.abs(x) / 0.3), 0.0)
    np.testing.assert_allclose(g, np.where(x > 0, 1.0, np.exp(x / 0.3)), rtol=1e-14)


@pytest.mark.filterwarnings("ignore:overflow encountered in cast")
@pytest.mark.parametrize("dtype", ["float64", "float32", "float16"])
@pytest.mark.parametrize("shape, axis", [((4, 6), -1), ((4, 6), 0), ((2, 4, 3), 1), ((8,), 0), ((4, 2, 3), -3)])
def test_glu_matches_keras(shape, axis, dtype):
    keras = keras_on_torch("Keras 3 is the reference of the activations")
    rng = np.random.default_rng(7)
    x = rng.standard_normal(shape) * 3
    flat = x.reshape(-1)
    flat[rng.choice(flat.size, 5, replace=False)] = [np.nan, np.inf, -np.inf, -0.0, 1e300]
    x = x.astype(dtype) if dtype != "float16" else np.clip(x, -6e4, 6e4).astype(dtype)
    half = list(shape)
    half[axis] //= 2
    w = rng.standard_normal(half)
    y, g, ky, kg = _run_both(keras, "glu", {"axis": axis}, x, dtype, w)
    rtol, atol = TOLERANCES[dtype]
    np.testing.assert_allclose(y, ky, rtol=rtol, atol=atol, equal_nan=True)
    if dtype == "float16":
        # PyTorch's float16 backward rounds sigmoid(b) to float16 before 1 - sigmoid(b); ours computes in float32:
        # both within one float16 step of the exact derivative's scale |a w| (checked against NumPy below)
        a = np.split(np.nan_to_num(x.astype(np.float64)), 2, axis=axis)[0]
        scale = np.concatenate([np.abs(w), np.abs(a * w)], axis=axis)
        atol = 2e-3 * np.maximum(scale, 1.0)
    _assert_close(g, kg, rtol, atol)


def test_glu_float16_gradient_against_numpy():
    rng = np.random.default_rng(8)
    x = (rng.standard_normal((50, 8)) * 4).astype("float16")
    w = rng.standard_normal((50, 4)).astype("float16")
    t = tg.tensor(x, dtype="float16", requires_grad=True)
    (A.glu(t) * tg.tensor(w, dtype="float16")).sum().backward()
    a, b = np.split(x.astype(np.float64), 2, axis=-1)
    s = np_sigmoid(b)
    exact = np.concatenate([s * w, a * s * (1 - s) * w], axis=-1)
    np.testing.assert_allclose(t.grad.numpy().astype(np.float64), exact, rtol=1e-3, atol=1e-4)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_sparsemax_matches_keras_where_keras_is_right_and_its_fix_everywhere(dtype):
    keras = keras_on_torch("Keras 3 is the reference of the activations")
    import torch

    rng = np.random.default_rng(9)
    rtol = 1e-12 if dtype == "float64" else 2e-6
    compared_with_keras = 0
    for trial in range(120):
        shape, axis = [((3, 5), -1), ((5, 3), 0), ((2, 3, 4), 1), ((6,), 0)][trial % 4]
        x = (rng.standard_normal(shape) * [0.1, 1.0, 5.0, 1e4][trial % 4]).astype(dtype)
        if trial % 5 == 0:
            x = np.round(x)  # ties, entries exactly at the threshold (kinks)
        w = rng.standard_normal(shape)
        y, g, ky, kg = _run_both(keras, "sparsemax", {"axis": axis}, x, dtype, w)
        tx = torch.tensor(x, requires_grad=True)
        ty = fixed_keras_sparsemax(tx, axis)
        (ty * torch.tensor(w, dtype=tx.dtype)).sum().backward()
        atol = rtol * max(1.0, float(np.abs(x).max()))
        np.testing.assert_allclose(y, ty.detach().numpy(), rtol=rtol, atol=atol)
        np.testing.assert_allclose(g, tx.grad.numpy(), rtol=rtol, atol=rtol)
        if ((y > 0).sum(axis=axis) == 1).all():  # one positive entry per slice: Keras 3.15 is right
            compared_with_keras += 1
            np.testing.assert_allclose(y, ky, rtol=rtol, atol=atol)
            np.testing.assert_allclose(g, kg, rtol=rtol, atol=rtol)
    assert compared_with_keras > 20


def test_keras_3_15_sparsemax_is_wrong_with_two_positive_entries():
    """The documented difference: if this fails, Keras has been fixed (keras-team/keras#23469) and the note in
    docs/keras_compatibility.md and sparsemax's docstring can go."""
    keras = keras_on_torch("Keras 3 is the reference of the activations")
    import torch

    theirs = keras.activations.sparsemax(torch.tensor([0.5, 0.4], dtype=torch.float64)).tolist()
    np.testing.assert_allclose(theirs, [0.3, 0.2])
    np.testing.assert_allclose(A.sparsemax(tg.tensor([0.5, 0.4], dtype="float64")).numpy(), [0.55, 0.45])


def test_sparsemax_special_points_against_keras_where_keras_is_right():
    keras = keras_on_torch("Keras 3 is the reference of the activations")
    x = np.array([[-np.inf, 1.0, 2.0], [1.0, 0.0, -1.0], [3.0, 3.0 - 1.0, 0.0], [0.0, -2.0, -np.inf]])
    y, g, ky, kg = _run_both(keras, "sparsemax", {"axis": -1}, x, "float64", np.arange(12.0).reshape(4, 3))
    np.testing.assert_array_equal(y, ky)
    np.testing.assert_array_equal(g, kg)
    # where Keras returns inf (k = 0: a NaN or +inf, or logits too large for the 1), ours is NaN or the answer
    bad = tg.tensor([[np.nan, 1.0, 2.0], [np.inf, 1.0, 2.0], [-np.inf, -np.inf, -np.inf], [1e300, -1e300, 0.0]],
                    dtype="float64")
    out = A.sparsemax(bad).numpy()
    assert np.isnan(out[:3]).all() and out[3].tolist() == [1.0, 0.0, 0.0]


KEEP_INTEGERS = {"linear", "relu", "relu6", "hard_tanh"}     # integer in, integer out, as torch's kernels


@pytest.mark.parametrize("name", sorted(set(A.ALL_OBJECTS) | {"erf"}))
@pytest.mark.parametrize("dtype, float_dtype", [("int64", "float32"), ("int8", "float32"), ("uint8", "float32")])
def test_every_activation_takes_integer_tensors_as_the_ops_convert_them(name, dtype, float_dtype):
    """An integer tensor is converted as the ops convert it (to floatx(), float32, as Keras 3 and PyTorch;
    docs/keras_compatibility.md, "Integer tensors"), and gives the values of that float tensor. softsign, gelu,
    elu, selu, leaky_relu, hard_sigmoid and erf raised "Cannot combine a int64 tensor with the number 1.0" (or
    NumPy's UFuncTypeError), naming a constant the user never passed (found by a tester)."""
    kwargs = {"threshold": 0.5, "default_value": 0.0} if name == "threshold" else {}
    fn = getattr(A, name)
    values = np.array([-2, 0, 1, 3, 7, -5]) if dtype.startswith("int") else np.array([0, 1, 3, 7, 200, 5])
    got = fn(tg.tensor(values, dtype=dtype), **kwargs)
    expected = fn(tg.tensor(values.astype(float_dtype)), **kwargs)
    if name in KEEP_INTEGERS:
        assert got.numpy().dtype == np.dtype(dtype)
        np.testing.assert_array_equal(got.numpy(), expected.numpy().astype(dtype))
    else:
        assert got.numpy().dtype == np.dtype(float_dtype)
        np.testing.assert_array_equal(got.numpy(), expected.numpy())
