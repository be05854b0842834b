"""The Keras 3 losses added after the first eight: mean_absolute_percentage_error, mean_squared_logarithmic_error,
hinge, squared_hinge, categorical_hinge, poisson, cosine_similarity and binary_focal_crossentropy (functions and
classes), and the axis checks of the loss constructors.

References, never the code under test: NumPy written from Keras 3's formulas, values worked out by hand, Keras 3 on
its torch backend (optional: skipped visibly without it), PyTorch autograd of the same formulas written in torch,
and float64 central differences.
"""
import math

import numpy as np
import pytest
from helpers import keras_on_torch, tensor_on

import tinygradconv as tg
from tinygradconv import layers, losses, models
from tinygradconv.optimizers import SGD

EPS = 1e-7
KERAS = "Keras 3 is the reference for the values of its losses"


# ------------------------------------------------------------------------------------------------ NumPy references
def np_mape(y, p):
    return 100.0 * np.mean(np.abs((y - p) / np.maximum(np.abs(y), EPS)), axis=-1)


def np_msle(y, p):
    return np.mean((np.log(np.maximum(p, EPS) + 1.0) - np.log(np.maximum(y, EPS) + 1.0)) ** 2, axis=-1)


def np_hinge_labels(y):
    return 2.0 * y - 1.0 if np.all((y == 0) | (y == 1)) else y


def np_hinge(y, p):
    return np.mean(np.maximum(1.0 - np_hinge_labels(y) * p, 0.0), axis=-1)


def np_squared_hinge(y, p):
    return np.mean(np.maximum(1.0 - np_hinge_labels(y) * p, 0.0) ** 2, axis=-1)


def np_categorical_hinge(y, p):
    return np.maximum(np.max((1.0 - y) * p, axis=-1) - np.sum(y * p, axis=-1) + 1.0, 0.0)


def np_poisson(y, p):
    return np.mean(p - y * np.log(p + EPS), axis=-1)


def np_cosine(y, p, axis=-1):
    def unit(x):
        return x / np.maximum(np.sqrt(np.sum(x * x, axis=axis, keepdims=True)), EPS)
    return -np.sum(unit(y) * unit(p), axis=axis)


def np_focal(y, p, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0,
             axis=-1):
    y = y * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        p = 1.0 / (1.0 + np.exp(-p))
    c = np.clip(p, EPS, 1.0 - EPS)
    bce = -(y * np.log(c) + (1.0 - y) * np.log1p(-c))
    p_t = y * p + (1.0 - y) * (1.0 - p)
    loss = (1.0 - p_t) ** gamma * bce
    if apply_class_balancing:
        loss = (y * alpha + (1.0 - y) * (1.0 - alpha)) * loss
    return np.mean(loss, axis=axis)


def _data(kind, rng, shape):
    """(y_true, y_pred) of the kind each loss expects, away from the kinks (no hinge margin of exactly 0)."""
    if kind == "positive":          # mape, msle, poisson
        return rng.uniform(0.1, 3.0, shape), rng.uniform(0.1, 3.0, shape)
    if kind == "pm1":               # hinge labels in {-1, 1}
        return rng.choice([-1.0, 1.0], shape), rng.standard_normal(shape) * 2
    if kind == "01":                # binary labels, converted to -1/1 by the hinge losses
        return rng.choice([0.0, 1.0], shape), rng.standard_normal(shape) * 2
    if kind == "onehot":
        return np.eye(shape[-1])[rng.integers(0, shape[-1], shape[:-1])], rng.standard_normal(shape) * 2
    if kind == "normal":
        return rng.standard_normal(shape), rng.standard_normal(shape)
    if kind == "probability":
        return rng.choice([0.0, 1.0], shape), rng.uniform(0.02, 0.98, shape)
    if kind == "logits":
        return rng.choice([0.0, 1.0], shape), rng.standard_normal(shape) * 3
    raise AssertionError(kind)


FUNCTIONS = [  # (name, NumPy reference, kind of data)
    ("mean_absolute_percentage_error", np_mape, "positive"),
    ("mean_squared_logarithmic_error", np_msle, "positive"),
    ("hinge", np_hinge, "pm1"), ("hinge", np_hinge, "01"),
    ("squared_hinge", np_squared_hinge, "pm1"), ("squared_hinge", np_squared_hinge, "01"),
    ("categorical_hinge", np_categorical_hinge, "onehot"),
    ("poisson", np_poisson, "positive"),
    ("cosine_similarity", np_cosine, "normal"),
    ("binary_focal_crossentropy", np_focal, "probability"),
]
IDS = [f"{name}-{kind}" for name, _, kind in FUNCTIONS]


# ------------------------------------------------------------------------------------------------ values
@pytest.mark.parametrize("name, ref, kind", FUNCTIONS, ids=IDS)
@pytest.mark.parametrize("shape", [(5, 3), (2, 3, 4)])
def test_functions_match_numpy_formulas(name, ref, kind, shape, backend, rng):
    y, p = _data(kind, rng, shape)
    out = getattr(losses, name)(y, tensor_on(p, backend))
    assert out.shape == shape[:-1]
    np.testing.assert_allclose(out.numpy(), ref(y, p), rtol=1e-12)


def test_hand_computed_values():
    # mape: |100 - 90| / 100 = 10 %, |200 - 210| / 200 = 5 %, a zero target divides by epsilon
    assert losses.mean_absolute_percentage_error([[100.0, 200.0]], [[90.0, 210.0]]).tolist() == pytest.approx([7.5])
    assert losses.mean_absolute_percentage_error([[0.0]], [[2e-7]]).tolist() == pytest.approx([200.0])
    assert losses.mean_absolute_percentage_error([[-2.0]], [[1.0]]).tolist() == pytest.approx([150.0])
    # msle: (log 3 - log 1)^2; zeros and negatives count as epsilon, so (-5, 0) cost almost nothing
    assert losses.mean_squared_logarithmic_error([[0.0]], [[2.0]]).tolist() == \
        pytest.approx([(math.log(3.0) - math.log1p(EPS)) ** 2])
    assert losses.mean_squared_logarithmic_error([[-5.0]], [[0.0]]).tolist() == [0.0]
    # hinge: labels 0/1 become -1/1: max(1 + 0.3, 0) and max(1 - 2, 0) -> (1.3 + 0) / 2
    assert losses.hinge([[0.0, 1.0]], [[0.3, 2.0]]).tolist() == pytest.approx([0.65])
    assert losses.squared_hinge([[0.0, 1.0]], [[0.3, 0.5]]).tolist() == pytest.approx([(1.3**2 + 0.5**2) / 2])
    # categorical hinge: pos = 0.2, neg = max(0.9, 0.4) -> 0.9 - 0.2 + 1; a well-separated row costs 0
    assert losses.categorical_hinge([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]],
                                    [[0.9, 0.2, 0.4], [3.0, 1.0, 0.5]]).tolist() == pytest.approx([1.7, 0.0])
    # poisson: p - y log(p + e), y = 2, p = 1 -> 1 - 2 log(1 + 1e-7)
    assert losses.poisson([[2.0]], [[1.0]]).tolist() == pytest.approx([1.0 - 2.0 * math.log1p(EPS)])
    # cosine: parallel -1, orthogonal 0, opposite 1
    assert losses.cosine_similarity([[1.0, 1.0], [0.0, 1.0], [1.0, 0.0]],
                                    [[3.0, 3.0], [1.0, 0.0], [-2.0, 0.0]]).tolist() == pytest.approx([-1.0, 0.0, 1.0])
    # focal: y = 1, p = 0.8 -> (1 - 0.8)^2 (-log 0.8); balancing multiplies by alpha = 0.25
    focal = 0.2**2 * -math.log(0.8)
    assert losses.binary_focal_crossentropy([[1.0]], [[0.8]]).tolist() == pytest.approx([focal])
    assert losses.binary_focal_crossentropy([[1.0]], [[0.8]], apply_class_balancing=True).tolist() == \
        pytest.approx([0.25 * focal])
    # gamma = 0 without balancing is the binary cross-entropy
    assert losses.binary_focal_crossentropy([[0.0, 1.0]], [[0.3, 0.6]], gamma=0.0).tolist() == \
        pytest.approx([-(math.log(0.7) + math.log(0.6)) / 2])


def test_hinge_converts_labels_only_when_all_are_zero_or_one():
    p = np.array([[0.5, -0.5], [0.25, 2.0]])
    # {0, 1} everywhere: converted; one -1 anywhere in the tensor: nothing converted (0 stays 0), as Keras
    assert losses.hinge(np.array([[0.0, 1.0], [1.0, 1.0]]), p).tolist() == pytest.approx([1.5, 0.375])
    assert losses.hinge(np.array([[0.0, 1.0], [-1.0, 1.0]]), p).tolist() == pytest.approx([(1 + 1.5) / 2, 0.625])
    # already -1/1: unchanged, the same loss as the 0/1 labels above
    assert losses.hinge(np.array([[-1.0, 1.0], [1.0, 1.0]]), p).tolist() == pytest.approx([1.5, 0.375])


def test_special_points():
    # mape with zero targets: huge, finite; msle of a negative prediction: clipped to epsilon, finite
    assert losses.mean_absolute_percentage_error([[0.0, 0.0]], [[1.0, 0.0]]).tolist() == pytest.approx([5e8])
    assert np.isfinite(losses.mean_squared_logarithmic_error([[0.0]], [[-3.0]]).numpy()).all()
    # poisson at y_pred = 0: -y log(1e-7) (0 when y = 0 too); a negative prediction is NaN, as Keras
    assert losses.poisson([[1.0, 0.0]], [[0.0, 0.0]]).tolist() == pytest.approx([-math.log(EPS) / 2])
    with np.errstate(invalid="ignore"):
        assert np.isnan(losses.poisson([[1.0]], [[-1.0]]).numpy()).all()
    # cosine with a zero vector on either side or both: 0
    out = losses.cosine_similarity([[0.0, 0.0], [1.0, 2.0], [0.0, 0.0]], [[1.0, 2.0], [0.0, 0.0], [0.0, 0.0]])
    assert out.tolist() == [0.0, 0.0, 0.0]
    # a vector shorter than epsilon is divided by epsilon, not by its norm
    assert losses.cosine_similarity([[1e-8, 0.0]], [[1.0, 0.0]]).tolist() == pytest.approx([-0.1])
    # focal with huge logits: sigmoid, then the clip: -log(1e-7) for each wrong prediction
    out = losses.binary_focal_crossentropy([[0.0, 1.0]], np.array([[50.0, -50.0]]), from_logits=True)
    assert out.tolist() == pytest.approx([-math.log(EPS)], rel=1e-6)
    # right with certainty: the focal factor is 0 (p_t = 1), whatever the clipped bce
    assert losses.binary_focal_crossentropy([[1.0, 0.0]], np.array([[50.0, -50.0]]), from_logits=True).tolist() == \
        [0.0]
    # in float32, 1 - (1 - 1e-7) is 1.19e-7: the wrong prediction costs -log(1.19e-7), as Keras in float32
    out = losses.binary_focal_crossentropy([[0.0]], np.array([[50.0]], "float32"), from_logits=True)
    assert out.tolist() == pytest.approx([-math.log(1.0 - float(np.float32(1 - EPS)))], rel=1e-6)


@pytest.mark.parametrize("axis", [0, 1, -2])
def test_axis_of_cosine_similarity_and_focal(axis, rng):
    y, p = rng.standard_normal((3, 4, 2)), rng.standard_normal((3, 4, 2))
    np.testing.assert_allclose(losses.cosine_similarity(y, p, axis=axis).numpy(), np_cosine(y, p, axis), rtol=1e-12)
    yb, pb = _data("probability", rng, (3, 4, 2))
    got = losses.binary_focal_crossentropy(yb, pb, axis=axis, gamma=1.5, label_smoothing=0.1)
    np.testing.assert_allclose(got.numpy(), np_focal(yb, pb, gamma=1.5, label_smoothing=0.1, axis=axis), rtol=1e-12)


@pytest.mark.parametrize("kwargs", [{}, {"apply_class_balancing": True, "alpha": 0.7},
                                    {"gamma": 0.5, "label_smoothing": 0.2}, {"from_logits": True, "gamma": 3.0}])
def test_focal_arguments(kwargs, backend, rng):
    y, p = _data("probability", rng, (6, 3))
    if kwargs.get("from_logits"):
        p = rng.standard_normal((6, 3)) * 4
    out = losses.binary_focal_crossentropy(y, tensor_on(p, backend), **kwargs)
    np.testing.assert_allclose(out.numpy(), np_focal(y, p, **kwargs), rtol=1e-12)


# ------------------------------------------------------------------------------------------------ classes
CLASSES = [  # (class, kwargs, NumPy reference of the per-sample loss, kind of data)
    (losses.MeanAbsolutePercentageError, {}, np_mape, "positive"),
    (losses.MeanSquaredLogarithmicError, {}, np_msle, "positive"),
    (losses.Hinge, {}, np_hinge, "01"),
    (losses.SquaredHinge, {}, np_squared_hinge, "pm1"),
    (losses.CategoricalHinge, {}, np_categorical_hinge, "onehot"),
    (losses.Poisson, {}, np_poisson, "positive"),
    (losses.CosineSimilarity, {}, np_cosine, "normal"),
    (losses.CosineSimilarity, {"axis": 0}, lambda y, p: np_cosine(y, p, axis=0), "normal"),
    (losses.BinaryFocalCrossentropy, {}, np_focal, "probability"),
    (losses.BinaryFocalCrossentropy, {"apply_class_balancing": True, "alpha": 0.4, "gamma": 1.0,
                                      "label_smoothing": 0.1}, None, "probability"),
    (losses.BinaryFocalCrossentropy, {"from_logits": True, "gamma": 3.0}, None, "logits"),
]
CLASS_IDS = [f"{cls.__name__}-{i}" for i, (cls, *_rest) in enumerate(CLASSES)]
REDUCTIONS = ["sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", None, "none"]


def _reduce(per_sample, weights, reduction):
    values = per_sample if weights is None else per_sample * weights
    if reduction in (None, "none"):
        return values
    if reduction == "sum":
        return values.sum()
    if reduction == "mean_with_sample_weight" and weights is not None:
        return values.sum() / weights.sum()
    return values.sum() / values.size


@pytest.mark.parametrize("cls, kwargs, ref, kind", CLASSES, ids=CLASS_IDS)
def test_classes_reduce_like_keras_against_numpy(cls, kwargs, ref, kind, rng):
    y, p = _data(kind, rng, (4, 3))
    if ref is None:
        ref = lambda y, p: np_focal(y, p, **kwargs)
    per_sample = ref(y, p)
    w = np.array([1.0, 0.0, 2.0, 0.5]) if per_sample.shape == (4,) else np.array([0.5, 2.0, 1.0])
    for reduction in REDUCTIONS:
        loss = cls(reduction=reduction, **kwargs)
        for weights in (None, w):
            got = loss(y, tensor_on(p), sample_weight=weights)
            np.testing.assert_allclose(got.numpy(), _reduce(per_sample, weights, reduction), rtol=1e-12,
                                       err_msg=f"{reduction}, weights={weights}")


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_float32_and_float64_are_kept_and_float16_is_computed_in_float32(dtype, rng):
    for cls, kwargs, _, kind in CLASSES:
        y, p = _data(kind, rng, (4, 3))
        expected = "float32" if dtype == "float16" else dtype
        assert cls(**kwargs)(y, tensor_on(p, dtype=dtype)).dtype == np.dtype(expected), cls.__name__
        name = DEFAULT_NAMES[cls]
        promoted = dtype == "float16" and name == "mean_squared_logarithmic_error"    # as Keras: float32 epsilon
        assert getattr(losses, name)(y, tensor_on(p, dtype=dtype), **kwargs).dtype == np.dtype(
            "float32" if promoted else dtype), name


# ------------------------------------------------------------------------------------------------ Keras 3
def _keras_value(out):
    return np.asarray(out.detach().cpu().numpy() if hasattr(out, "detach") else out)


@pytest.mark.parametrize("cls, kwargs, ref, kind", CLASSES, ids=CLASS_IDS)
def test_classes_match_keras_in_float32(cls, kwargs, ref, kind, rng):
    keras = keras_on_torch(KERAS)
    y, p = (a.astype("float32") for a in _data(kind, rng, (5, 3)))
    if cls is losses.MeanAbsolutePercentageError:
        y[0, 0] = 0.0               # a zero target: divided by epsilon
    if cls in (losses.MeanSquaredLogarithmicError, losses.Poisson):
        p[1, 1] = 0.0               # a zero prediction: log(epsilon + 1), log(epsilon)
    if cls is losses.CosineSimilarity:
        y[2], p[3] = 0.0, 0.0       # zero vectors
    w = np.array([1.0, 0.0, 2.0, 0.5, 3.0], "float32") if kwargs.get("axis") != 0 else np.array([1.0, 0.5, 2.0])
    theirs_cls = getattr(keras.losses, cls.__name__)
    for reduction in REDUCTIONS:
        for weights in (None, w):
            expected = _keras_value(theirs_cls(reduction=reduction, **kwargs)(y, p, sample_weight=weights))
            got = cls(reduction=reduction, **kwargs)(y, tensor_on(p, dtype="float32"), sample_weight=weights)
            assert got.dtype == np.float32
            np.testing.assert_allclose(got.numpy(), expected, rtol=2e-6, atol=1e-7,
                                       err_msg=f"{reduction}, weights={weights}")


@pytest.mark.parametrize("name, ref, kind", FUNCTIONS, ids=IDS)
def test_functions_match_keras_on_float64_inputs(name, ref, kind, rng):
    """Keras' functions on float64 torch tensors. Keras on torch rounds float64 through float32 inside (its type
    promotion makes float64 with float32 float32: ``mean``, ``maximum``, ... compute in float32), so the values
    agree to float32 precision only; ours are float64 and agree with the NumPy formula to 1e-12."""
    keras = keras_on_torch(KERAS)
    import torch

    y, p = _data(kind, rng, (4, 5))
    if name == "mean_absolute_percentage_error":
        y[1, 2] = 0.0
    if name == "cosine_similarity":
        p[2] = 0.0
    expected = _keras_value(getattr(keras.losses, name)(torch.tensor(y), torch.tensor(p)))
    got = getattr(losses, name)(y, tensor_on(p))
    assert got.dtype == np.float64
    np.testing.assert_allclose(got.numpy(), expected, rtol=2e-6, atol=1e-6)
    np.testing.assert_allclose(got.numpy(), ref(y, p), rtol=1e-12, atol=1e-15)


def test_special_points_match_keras(rng):
    keras = keras_on_torch(KERAS)
    f32 = lambda a: np.asarray(a, "float32")
    cases = [
        ("mean_absolute_percentage_error", [[0.0, 0.0, -2.0]], [[1.0, 0.0, 0.5]], {}),
        ("mean_squared_logarithmic_error", [[0.0, -1.0, 2.0]], [[-3.0, 0.0, 1e-9]], {}),
        ("poisson", [[1.0, 0.0, 3.0]], [[0.0, 0.0, 1e-8]], {}),
        ("cosine_similarity", [[0.0, 0.0], [1.0, 2.0], [0.0, 0.0], [1e-8, 0.0]],
         [[1.0, 2.0], [0.0, 0.0], [0.0, 0.0], [1.0, 0.0]], {}),
        ("hinge", [[0.0, 1.0], [1.0, 0.0]], [[0.3, -0.4], [1.0, -1.0]], {}),
        ("hinge", [[-1.0, 1.0], [1.0, -1.0]], [[0.3, -0.4], [1.0, -1.0]], {}),
        ("hinge", [[0.0, 1.0], [-1.0, 1.0]], [[0.3, -0.4], [1.0, -1.0]], {}),    # mixed: not converted
        ("squared_hinge", [[0.0, 1.0], [1.0, 1.0]], [[0.3, -0.4], [1.0, 3.0]], {}),
        ("categorical_hinge", [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]], [[0.3, 0.3, 0.3], [2.0, 1.0, 1.0]], {}),
        ("binary_focal_crossentropy", [[0.0, 1.0, 1.0, 0.0]], [[30.0, -30.0, 30.0, -30.0]], {"from_logits": True}),
        ("binary_focal_crossentropy", [[0.0, 1.0, 1.0, 0.0]], [[100.0, -100.0, 20.0, -20.0]],
         {"from_logits": True, "gamma": 0.0, "apply_class_balancing": True}),
        ("binary_focal_crossentropy", [[0.0, 1.0, 1.0, 0.0]], [[1.0, 0.0, 1e-9, 1.0 - 1e-9]], {}),
    ]
    for name, y, p, kwargs in cases:
        expected = _keras_value(getattr(keras.losses, name)(f32(y), f32(p), **kwargs))
        got = getattr(losses, name)(f32(y), tensor_on(p, dtype="float32"), **kwargs)
        np.testing.assert_allclose(got.numpy(), expected, rtol=2e-6, atol=1e-7, err_msg=f"{name} {y} {p}")


def test_keras_docstring_examples_of_focal():
    """The values printed in Keras 3's own BinaryFocalCrossentropy docstring (3 decimals)."""
    y, x = np.array([[0.0, 1.0], [0.0, 0.0]]), tg.tensor(np.array([[-18.6, 0.51], [2.94, -12.8]]))
    assert losses.BinaryFocalCrossentropy(gamma=3, from_logits=True)(y, x).item() == pytest.approx(0.647, abs=5e-4)
    assert losses.BinaryFocalCrossentropy(apply_class_balancing=True, gamma=3, from_logits=True)(y, x).item() == \
        pytest.approx(0.482, abs=5e-4)
    assert losses.BinaryFocalCrossentropy(gamma=3, from_logits=True)(y, x, sample_weight=[0.8, 0.2]).item() == \
        pytest.approx(0.133, abs=5e-4)
    assert losses.BinaryFocalCrossentropy(gamma=4, from_logits=True, reduction="sum")(y, x).item() == \
        pytest.approx(1.222, abs=5e-4)
    none = losses.BinaryFocalCrossentropy(gamma=5, from_logits=True, reduction=None)
    np.testing.assert_allclose(none(y, x).numpy(), [0.0017, 1.1561], atol=5e-5)


# ------------------------------------------------------------------------------------------------ gradients
def _torch_formulas():
    torch = pytest.importorskip("torch", reason="PyTorch autograd is the reference for the gradients")
    F = torch.nn.functional

    def hinge_labels(y):
        return 2.0 * y - 1.0 if bool(torch.all((y == 0) | (y == 1))) else y

    def focal(y, p, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0):
        y = y * (1.0 - label_smoothing) + 0.5 * label_smoothing
        p = torch.sigmoid(p) if from_logits else p
        bce = F.binary_cross_entropy(torch.clamp(p, EPS, 1.0 - EPS), y, reduction="none")
        p_t = y * p + (1.0 - y) * (1.0 - p)
        loss = torch.pow(1.0 - p_t, gamma) * bce
        if apply_class_balancing:
            loss = (y * alpha + (1.0 - y) * (1.0 - alpha)) * loss
        return loss.mean(dim=-1)

    zero = torch.tensor(0.0, dtype=torch.float64)
    return torch, {
        "mean_absolute_percentage_error":
            lambda y, p: 100.0 * torch.mean(torch.abs((y - p) / torch.clamp(torch.abs(y), min=EPS)), dim=-1),
        "mean_squared_logarithmic_error":
            lambda y, p: torch.mean((torch.log(torch.clamp(p, min=EPS) + 1) - torch.log(torch.clamp(y, min=EPS) + 1))
                                    ** 2, dim=-1),
        "hinge": lambda y, p: torch.mean(torch.maximum(1.0 - hinge_labels(y) * p, zero), dim=-1),
        "squared_hinge": lambda y, p: torch.mean(torch.maximum(1.0 - hinge_labels(y) * p, zero) ** 2, dim=-1),
        "categorical_hinge": lambda y, p: torch.maximum(torch.amax((1.0 - y) * p, dim=-1) - torch.sum(y * p, dim=-1)
                                                        + 1.0, zero),
        "poisson": lambda y, p: torch.mean(p - y * torch.log(p + EPS), dim=-1),
        "cosine_similarity": lambda y, p: -torch.sum(F.normalize(y, dim=-1, eps=EPS) * F.normalize(p, dim=-1, eps=EPS),
                                                     dim=-1),
        "binary_focal_crossentropy": focal,
    }


GRAD_CASES = [*FUNCTIONS,
              ("binary_focal_crossentropy", None, "logits"), ("binary_focal_crossentropy", None, "balanced")]


@pytest.mark.parametrize("name, ref, kind", GRAD_CASES, ids=[f"{n}-{k}" for n, _, k in GRAD_CASES])
def test_gradients_match_torch_autograd(name, ref, kind, backend, rng):
    torch, formulas = _torch_formulas()
    kwargs = {"logits": {"from_logits": True, "gamma": 1.5, "label_smoothing": 0.1},
              "balanced": {"apply_class_balancing": True, "alpha": 0.3, "gamma": 2.5}}.get(kind, {})
    y, p = _data({"balanced": "probability"}.get(kind, kind), rng, (4, 3))
    weights = np.array([0.5, 1.0, 2.0, 0.0])
    pred = tensor_on(p, backend, requires_grad=True)
    getattr(losses, name)(y, pred, **kwargs).backward(tensor_on(weights, backend))
    theirs = torch.tensor(p, requires_grad=True)
    (formulas[name](torch.tensor(y), theirs, **kwargs) * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(pred.grad.numpy(), theirs.grad.numpy(), rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("name, ref, kind", FUNCTIONS, ids=IDS)
def test_gradients_match_finite_differences_through_the_class(name, ref, kind, rng):
    """float64 central differences of the NumPy reference, through the class (reduction sum_over_batch_size and a
    sample_weight): d/dp of mean(w * loss)."""
    y, p = _data(kind, rng, (3, 4))
    w = np.array([1.0, 0.5, 2.0])
    cls = losses.get(name)
    pred = tensor_on(p, requires_grad=True)
    cls(y, pred, sample_weight=w).backward()
    h = 1e-6
    numeric = np.zeros_like(p)
    for index in np.ndindex(p.shape):
        e = np.zeros_like(p)
        e[index] = h
        numeric[index] = (np.mean(w * ref(y, p + e)) - np.mean(w * ref(y, p - e))) / (2 * h)
    np.testing.assert_allclose(pred.grad.numpy(), numeric, rtol=1e-6, atol=1e-8)


def test_gradients_at_special_points():
    torch, formulas = _torch_formulas()
    # hinge margin exactly 0 (y p = 1): half the gradient, as torch.maximum's tie rule
    cases = [("hinge", [[1.0, -1.0, 1.0]], [[1.0, -1.0, 0.5]]),
             ("squared_hinge", [[1.0, -1.0, 1.0]], [[1.0, -1.0, 0.5]]),
             ("categorical_hinge", [[0.0, 1.0, 0.0]], [[0.7, 0.7, 0.7]]),    # a tie in the max of the wrong classes
             ("mean_squared_logarithmic_error", [[0.0, 1.0]], [[EPS, -1.0]]),  # at and below the clip
             ("mean_absolute_percentage_error", [[0.0, 2.0]], [[1.0, 3.0]]),
             ("poisson", [[1.0, 0.0]], [[0.0, 0.0]]),
             ("cosine_similarity", [[0.0, 0.0], [1.0, 2.0]], [[1.0, 2.0], [3.0, -1.0]])]
    for name, y, p in cases:
        pred = tg.tensor(np.array(p), requires_grad=True)
        getattr(losses, name)(y, pred).sum().backward()
        theirs = torch.tensor(p, dtype=torch.float64, requires_grad=True)
        formulas[name](torch.tensor(y, dtype=torch.float64), theirs).sum().backward()
        np.testing.assert_allclose(pred.grad.numpy(), theirs.grad.numpy(), rtol=1e-10, atol=1e-13, err_msg=name)


def test_cosine_gradient_at_a_zero_prediction_is_the_formulas_own():
    """Keras' is NaN there (torch's rsqrt backward multiplies 0 by inf); the loss is -y/||y|| . p / epsilon for
    ||p|| < epsilon, whose derivative -y/(||y|| epsilon) central differences (steps of 1e-9 < epsilon) find."""
    y, p0 = np.array([[3.0, 4.0]]), np.zeros((1, 2))
    p = tg.tensor(p0, requires_grad=True)
    losses.cosine_similarity(y, p).sum().backward()
    h = 1e-9
    numeric = [(np_cosine(y, p0 + h * e) - np_cosine(y, p0 - h * e))[0] / (2 * h) for e in np.eye(2)[:, None, :]]
    np.testing.assert_allclose(p.grad.numpy()[0], numeric, rtol=1e-6)
    np.testing.assert_allclose(p.grad.numpy(), [[-0.6e7, -0.8e7]], rtol=1e-12)


def test_focal_gradient_with_large_logits_is_finite_and_matches_torch():
    torch, formulas = _torch_formulas()
    y, x = np.array([[0.0, 1.0, 1.0, 0.0, 1.0]]), np.array([[40.0, -40.0, 40.0, -40.0, 0.3]])
    logits = tg.tensor(x, requires_grad=True)
    losses.binary_focal_crossentropy(y, logits, from_logits=True).sum().backward()
    theirs = torch.tensor(x, requires_grad=True)
    formulas["binary_focal_crossentropy"](torch.tensor(y), theirs, from_logits=True).sum().backward()
    assert np.isfinite(logits.grad.numpy()).all()
    np.testing.assert_allclose(logits.grad.numpy(), theirs.grad.numpy(), rtol=1e-10, atol=1e-300)


# ------------------------------------------------------------------------------------------------ lookup, config
NAMES = {
    "mean_absolute_percentage_error": losses.MeanAbsolutePercentageError, "mape": losses.MeanAbsolutePercentageError,
    "MAPE": losses.MeanAbsolutePercentageError, "MeanAbsolutePercentageError": losses.MeanAbsolutePercentageError,
    "mean_squared_logarithmic_error": losses.MeanSquaredLogarithmicError, "msle": losses.MeanSquaredLogarithmicError,
    "MSLE": losses.MeanSquaredLogarithmicError, "MeanSquaredLogarithmicError": losses.MeanSquaredLogarithmicError,
    "hinge": losses.Hinge, "Hinge": losses.Hinge, "squared_hinge": losses.SquaredHinge,
    "SquaredHinge": losses.SquaredHinge, "categorical_hinge": losses.CategoricalHinge,
    "CategoricalHinge": losses.CategoricalHinge, "poisson": losses.Poisson, "Poisson": losses.Poisson,
    "cosine_similarity": losses.CosineSimilarity, "CosineSimilarity": losses.CosineSimilarity,
    "binary_focal_crossentropy": losses.BinaryFocalCrossentropy,
    "BinaryFocalCrossentropy": losses.BinaryFocalCrossentropy,
}
DEFAULT_NAMES = {losses.MeanAbsolutePercentageError: "mean_absolute_percentage_error",
                 losses.MeanSquaredLogarithmicError: "mean_squared_logarithmic_error", losses.Hinge: "hinge",
                 losses.SquaredHinge: "squared_hinge", losses.CategoricalHinge: "categorical_hinge",
                 losses.Poisson: "poisson", losses.CosineSimilarity: "cosine_similarity",
                 losses.BinaryFocalCrossentropy: "binary_focal_crossentropy"}


@pytest.mark.parametrize("name", sorted(NAMES))
def test_get_by_name_and_alias(name):
    loss = losses.get(name)
    assert type(loss) is NAMES[name]
    assert loss.name == DEFAULT_NAMES[NAMES[name]] and loss.reduction == "sum_over_batch_size"


def test_function_aliases_and_exports():
    assert losses.mape is losses.MAPE is losses.mean_absolute_percentage_error
    assert losses.msle is losses.MSLE is losses.mean_squared_logarithmic_error
    for name in [*DEFAULT_NAMES.values(), *(cls.__name__ for cls in DEFAULT_NAMES), "mape", "msle"]:
        assert name in losses.__all__, name


CONFIG_CASES = [
    (losses.MeanAbsolutePercentageError, {"reduction": "sum", "name": "m"}),
    (losses.MeanSquaredLogarithmicError, {"reduction": None}),
    (losses.Hinge, {}), (losses.SquaredHinge, {"reduction": "mean"}), (losses.CategoricalHinge, {}),
    (losses.Poisson, {"reduction": "mean_with_sample_weight"}), (losses.CosineSimilarity, {"axis": 0}),
    (losses.BinaryFocalCrossentropy, {"apply_class_balancing": True, "alpha": 0.6, "gamma": 1.0,
                                      "from_logits": True, "label_smoothing": 0.2, "axis": -2, "reduction": "sum"}),
]


@pytest.mark.parametrize("cls, kwargs", CONFIG_CASES, ids=[c.__name__ for c, _ in CONFIG_CASES])
def test_config_round_trip(cls, kwargs, rng):
    loss = cls(**kwargs)
    config = loss.get_config()
    expected = {"name": DEFAULT_NAMES[cls], "reduction": "sum_over_batch_size", **kwargs}
    if cls is losses.BinaryFocalCrossentropy:
        expected = {"apply_class_balancing": False, "alpha": 0.25, "gamma": 2.0, "from_logits": False,
                    "label_smoothing": 0.0, "axis": -1, **expected}
    assert config == expected
    again = losses.get(losses.serialize(loss))
    assert type(again) is cls and again.get_config() == config
    assert type(cls.from_config(config)) is cls
    y, p = _data("probability", rng, (3, 4))
    np.testing.assert_allclose(again(y, tensor_on(p)).numpy(), loss(y, tensor_on(p)).numpy(), rtol=0)


@pytest.mark.parametrize("cls", sorted(DEFAULT_NAMES, key=lambda c: c.__name__), ids=lambda c: c.__name__)
def test_defaults_and_config_keys_match_keras(cls):
    keras = keras_on_torch("Keras 3 is the reference for the default names and config keys")
    theirs = getattr(keras.losses, cls.__name__)()
    ours = cls().get_config()
    keras_config = theirs.get_config()
    keras_config.pop("dtype", None)
    if cls is losses.CosineSimilarity:   # Keras' get_config leaves out axis (a copy loses it); ours keeps it
        assert "axis" not in keras_config and ours.pop("axis") == -1
    assert ours == keras_config
    assert type(losses.get(DEFAULT_NAMES[cls])).__name__ == type(keras.losses.get(cls.__name__)).__name__


# ------------------------------------------------------------------------------------------------ errors
AXIS_CLASSES = [losses.BinaryCrossentropy, losses.CategoricalCrossentropy, losses.SparseCategoricalCrossentropy,
                losses.CosineSimilarity, losses.BinaryFocalCrossentropy]


@pytest.mark.parametrize("cls", AXIS_CLASSES, ids=lambda c: c.__name__)
@pytest.mark.parametrize("axis, shown", [(None, "None"), ("last", "'last'"), (1.5, "1.5"), (True, "True"),
                                         ((0, 1), r"\(0, 1\)")])
def test_a_bad_axis_is_refused_at_construction(cls, axis, shown):
    with pytest.raises(TypeError, match=rf"^{cls.__name__}: Invalid type for argument `axis`\. Expected an integer"
                                        rf".*Received axis={shown}"):
        cls(axis=axis)


@pytest.mark.parametrize("cls", AXIS_CLASSES, ids=lambda c: c.__name__)
def test_an_integer_axis_is_accepted_and_kept_as_an_int(cls):
    loss = cls(axis=np.int64(-1))
    assert loss.get_config()["axis"] == -1 and type(loss.get_config()["axis"]) is int


def test_sparse_axis_other_than_the_last_is_accepted_as_keras():
    # once refused; Keras 3 computes any class axis (tests/test_losses_ignore_class.py compares the values)
    loss = losses.SparseCategoricalCrossentropy(axis=-2, reduction=None)
    out = loss([[0, 1]], tg.tensor([[[0.25, 0.5], [0.75, 0.5]]]))      # classes on axis 1: (1, 2, 2) -> (1, 2)
    np.testing.assert_allclose(out.numpy(), [[-np.log(0.25), -np.log(0.5)]], rtol=1e-6)


def test_an_out_of_range_axis_is_named_when_called():
    with pytest.raises(ValueError, match=r"cosine_similarity: axis 2 is out of range.*axis=2"):
        losses.CosineSimilarity(axis=2)(np.ones((2, 3)), tg.tensor(np.ones((2, 3))))
    with pytest.raises(ValueError, match=r"binary_focal_crossentropy: axis -3 is out of range"):
        losses.BinaryFocalCrossentropy(axis=-3)(np.ones((2, 3)), tg.tensor(np.full((2, 3), 0.5)))


@pytest.mark.parametrize("kwargs, match", [({"alpha": 1.5}, "alpha=1.5"), ({"alpha": "0.25"}, "alpha='0.25'"),
                                           ({"gamma": -1.0}, "gamma=-1.0"), ({"gamma": math.inf}, "gamma=inf"),
                                           ({"label_smoothing": 2.0}, "label_smoothing=2.0"),
                                           ({"reduction": "avg"}, "reduction='avg'")])
def test_focal_arguments_are_checked(kwargs, match):
    with pytest.raises(ValueError, match=match):
        losses.BinaryFocalCrossentropy(**kwargs)
    if "reduction" not in kwargs:
        with pytest.raises(ValueError, match=match):
            losses.binary_focal_crossentropy([[1.0]], [[0.5]], **kwargs)


@pytest.mark.parametrize("name", sorted(DEFAULT_NAMES.values()))
def test_bad_inputs_give_the_errors_of_the_other_losses(name):
    fn, loss = getattr(losses, name), losses.get(name)
    with pytest.raises(ValueError, match=rf"{name}: y_true and y_pred must have the same shape\. Received: "
                                         r"y_true.shape=\(2, 3\), y_pred.shape=\(2, 4\)"):
        fn(np.zeros((2, 3)), np.full((2, 4), 0.5))
    with pytest.raises(ValueError, match=r"y_true.shape=\(2, 1\), y_pred.shape=\(2, 3\)"):
        loss(np.ones((2, 1)), tg.tensor(np.full((2, 3), 0.5)))       # no silent broadcasting
    with pytest.raises(TypeError, match="Cannot make a Tensor from strings"):
        fn([["a", "b"]], [[0.5, 0.5]])
    with pytest.raises(TypeError, match="Cannot make a Tensor from strings"):
        loss([[1.0, 0.0]], [["x", "y"]])


def test_classes_squeeze_a_trailing_axis_of_one_as_keras(rng):
    y, p = np.array([[0.0], [1.0], [1.0]]), np.array([0.2, -0.7, 1.5])
    assert losses.Hinge(reduction=None)(y, tg.tensor(p)).tolist() == \
        pytest.approx(np_hinge(y, p[:, None]).tolist())


# ------------------------------------------------------------------------------------------------ training
@pytest.mark.parametrize("name", sorted(DEFAULT_NAMES.values()))
def test_compile_by_name_trains_one_sgd_step(name, rng):
    """One full-batch SGD step of a linear model: the reported loss is the NumPy loss of the first predictions, and
    the new weights are the old ones minus lr x^T dL/dp (dL/dp from torch autograd of the formula)."""
    torch, formulas = _torch_formulas()
    x = rng.standard_normal((6, 4))
    kind = {"categorical_hinge": "onehot", "binary_focal_crossentropy": "probability", "hinge": "01",
            "squared_hinge": "pm1", "cosine_similarity": "normal"}.get(name, "positive")
    y, _ = _data(kind, rng, (6, 3))
    model = models.Sequential([layers.Dense(3, activation="sigmoid" if kind in ("positive", "probability") else None,
                                            dtype="float64")])
    model.compile(SGD(learning_rate=0.1), loss=name)
    model.build((None, 4))
    kernel, bias = model.get_weights()
    z = x @ kernel + bias
    p0 = torch.tensor(z, requires_grad=True)
    out = torch.sigmoid(p0) if kind in ("positive", "probability") else p0
    loss = formulas[name](torch.tensor(y), out).mean()
    loss.backward()
    history = model.fit(x, y, batch_size=6, epochs=1, shuffle=False, verbose=0)
    assert history.history["loss"] == pytest.approx([loss.item()], rel=1e-6)      # logged in float32, as Keras
    new_kernel, new_bias = model.get_weights()
    grad = p0.grad.numpy()
    np.testing.assert_allclose(new_kernel, kernel - 0.1 * x.T @ grad, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(new_bias, bias - 0.1 * grad.sum(axis=0), rtol=1e-10, atol=1e-14)


def test_binary_crossentropy_of_probabilities_rounds_as_keras_near_the_clip():
    """Keras 3 calls torch's ``binary_cross_entropy`` (``log1p(-p)``) after its clip: for ``y = 0, p = 1e-7`` in
    float32 that is 1.0e-7, where ``-log(1 - p)`` gave 1.19e-7 (2.7 million float32 spacings away)."""
    keras = keras_on_torch(KERAS)
    import torch

    p = np.array([0.0, 1e-8, 1e-7, 1e-6, 3e-4, 0.01, 0.2, 0.5, 0.9, 0.999, 1 - 1e-7, 1.0], "float32")
    for y_value in (0.0, 1.0, 0.3):
        y = np.full_like(p, y_value)[:, None]
        ours = tg.tensor(p[:, None], requires_grad=True)
        value = losses.binary_crossentropy(y, ours)
        value.sum().backward()
        theirs = np.asarray(keras.losses.binary_crossentropy(y, p[:, None]))
        np.testing.assert_array_max_ulp(value.numpy(), theirs, maxulp=2)
        reference = torch.tensor(p[:, None], requires_grad=True)     # Keras' ops: clip, then torch's op
        torch.nn.functional.binary_cross_entropy(reference.clamp(1e-7, 1 - 1e-7), torch.from_numpy(y),
                                                 reduction="none").sum().backward()
        np.testing.assert_array_max_ulp(ours.grad.numpy(), reference.grad.numpy(), maxulp=2)


def test_cross_entropies_of_probabilities_refuse_targets_outside_0_1_as_keras():
    """Keras 3 on torch raises torch's "all elements of target should be between 0 and 1" for both; from logits it
    computes (torch's binary_cross_entropy_with_logits takes any target), and so do we."""
    y, p = np.array([[0.0, 2.0]], "float32"), np.array([[0.2, 0.7]], "float32")
    for fn in (losses.binary_crossentropy, losses.binary_focal_crossentropy):
        with pytest.raises(ValueError, match=r"y_true must hold probabilities in \[0, 1\].*received 2\.0"):
            fn(y, tg.tensor(p))
    assert np.isnan(losses.binary_crossentropy([[np.nan, 1.0]], tg.tensor(p)).item())    # NaN still propagates
    ours = losses.binary_crossentropy(y, tg.tensor(p), from_logits=True).numpy()
    keras = keras_on_torch(KERAS)
    for fn in (keras.losses.binary_crossentropy, keras.losses.binary_focal_crossentropy):
        with pytest.raises(RuntimeError, match="between 0 and 1"):
            fn(y, p)
    np.testing.assert_allclose(ours, np.asarray(keras.losses.binary_crossentropy(y, p, from_logits=True)), rtol=1e-6)


@pytest.mark.parametrize("make", [
    lambda: losses.BinaryCrossentropy(from_logits="False"), lambda: losses.CategoricalCrossentropy(from_logits="no"),
    lambda: losses.SparseCategoricalCrossentropy(from_logits=0), lambda: losses.BinaryFocalCrossentropy(from_logits=1),
    lambda: losses.BinaryFocalCrossentropy(apply_class_balancing="no"),
    lambda: losses.binary_crossentropy([[0.0, 1.0]], tg.tensor([[0.3, 0.6]]), from_logits="False"),
    lambda: losses.categorical_crossentropy([[0.0, 1.0]], tg.tensor([[0.3, 0.6]]), from_logits="False"),
    lambda: losses.binary_focal_crossentropy([[0.0, 1.0]], tg.tensor([[0.3, 0.6]]), apply_class_balancing="no")])
def test_flags_must_be_bools(make):
    """Keras reads any value as a bool, so the string "False" (from a config file) meant True, silently (found by a
    tester)."""
    with pytest.raises(TypeError, match=r"Invalid type for argument `(from_logits|apply_class_balancing)`. Expected "
                                        r"True or False"):
        make()


def test_a_name_that_is_not_a_string_and_missing_targets_are_named():
    with pytest.raises(ValueError, match="Argument `name` must be a string. Received name=3"):     # Keras' words
        losses.Hinge(name=3)
    for y_true, y_pred, argument in ((None, [[0.5]], "y_true"), ([[1.0]], None, "y_pred")):
        with pytest.raises(TypeError, match=f"Invalid type for argument `{argument}`.*Received None"):
            losses.MeanSquaredError()(y_true, y_pred)


def test_msle_of_float16_is_computed_in_float32_as_keras():
    keras = keras_on_torch(KERAS)
    rng = np.random.default_rng(5)
    y, p = (rng.uniform(0, 3, (4, 5)).astype("float16") for _ in range(2))
    ours = losses.mean_squared_logarithmic_error(y, tg.tensor(p, dtype="float16"))
    theirs = np.asarray(keras.losses.mean_squared_logarithmic_error(y, p))
    assert ours.numpy().dtype == theirs.dtype == np.float32
    np.testing.assert_allclose(ours.numpy(), theirs, rtol=1e-6)
