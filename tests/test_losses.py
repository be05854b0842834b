"""Losses against NumPy implementations written from the formulas, hand-computed values, gradchecks (float64) and
numerical-stability checks; on numpy and array_api_strict."""
import math
import warnings

import numpy as np
import pytest
from helpers import tensor_on

import tinygradconv as tg
from tinygradconv import losses, optimizers
from tinygradconv.autograd import OPS
from tinygradconv.ops import nn

EPS = 1e-7


# ------------------------------------------------------------------------------------------------ references
def np_mse(y, p):
    return np.mean((y - p) ** 2, axis=-1)


def np_mae(y, p):
    return np.mean(np.abs(y - p), axis=-1)


def np_huber(y, p, delta=1.0):
    d = p - y
    return np.mean(np.where(np.abs(d) <= delta, 0.5 * d**2, delta * np.abs(d) - 0.5 * delta**2), axis=-1)


def np_log_cosh(y, p):
    return np.mean(np.log(np.cosh(p - y)), axis=-1)


def np_bce(y, p, label_smoothing=0.0):
    y = y * (1 - label_smoothing) + 0.5 * label_smoothing
    p = np.clip(p, EPS, 1 - EPS)
    return np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p)), axis=-1)


def np_bce_logits(y, x, label_smoothing=0.0):
    y = y * (1 - label_smoothing) + 0.5 * label_smoothing
    s = 1 / (1 + np.exp(-x))
    return np.mean(-(y * np.log(s) + (1 - y) * np.log(1 - s)), axis=-1)


def np_cce(y, p, label_smoothing=0.0):
    y = y * (1 - label_smoothing) + label_smoothing / y.shape[-1]
    p = np.clip(p / p.sum(axis=-1, keepdims=True), EPS, 1 - EPS)
    return -np.sum(y * np.log(p), axis=-1)


def np_softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def np_cce_logits(y, x, label_smoothing=0.0):
    y = y * (1 - label_smoothing) + label_smoothing / y.shape[-1]
    return -np.sum(y * np.log(np_softmax(x)), axis=-1)


def np_sparse(labels, p, from_logits=False):
    probs = np_softmax(p) if from_logits else np.clip(p / p.sum(axis=-1, keepdims=True), EPS, 1 - EPS)
    picked = np.take_along_axis(probs, labels[..., None].astype(int), axis=-1)[..., 0]
    return -np.log(picked)


def np_kld(y, p):
    y, p = np.clip(y, EPS, 1), np.clip(p, EPS, 1)
    return np.sum(y * np.log(y / p), axis=-1)


def _probabilities(rng, shape):
    p = rng.uniform(0.05, 1.0, shape)
    return p / p.sum(axis=-1, keepdims=True)


def _onehot(rng, shape):
    return np.eye(shape[-1])[rng.integers(0, shape[-1], shape[:-1])]


# ------------------------------------------------------------------------------------------------ values
REGRESSION = [(losses.mean_squared_error, np_mse), (losses.mean_absolute_error, np_mae),
              (losses.huber, np_huber), (losses.log_cosh, np_log_cosh)]


@pytest.mark.parametrize("fn, ref", REGRESSION, ids=[f.__name__ for f, _ in REGRESSION])
@pytest.mark.parametrize("shape", [(5, 3), (2, 3, 4), (6,)])
def test_regression_losses_match_formulas(fn, ref, shape, backend, rng):
    y, p = rng.standard_normal(shape) * 2, rng.standard_normal(shape) * 2
    out = fn(y, tensor_on(p, backend))
    assert out.shape == shape[:-1]
    np.testing.assert_allclose(out.numpy(), ref(y, p), rtol=1e-12)


def test_hand_computed_values():
    assert losses.mean_squared_error([[1.0, 2.0, 3.0]], [[1.0, 0.0, 0.0]]).tolist() == pytest.approx([13 / 3])
    assert losses.mean_absolute_error([[1.0, -1.0]], [[0.0, 1.0]]).tolist() == pytest.approx([1.5])
    # huber with delta 2: errors 1 (quadratic: 0.5) and 3 (linear: 2*3 - 2 = 4)
    assert losses.huber([[0.0, 0.0]], [[1.0, -3.0]], delta=2.0).tolist() == pytest.approx([2.25])
    assert losses.log_cosh([[0.0]], [[2.0]]).tolist() == pytest.approx([math.log(math.cosh(2.0))])
    # bce of p = 0.5 is log 2 whatever the target
    assert losses.binary_crossentropy([[1.0, 0.0]], [[0.5, 0.5]]).tolist() == pytest.approx([math.log(2)])
    # cce of p(true class) = 0.2 is -log 0.2; probabilities are renormalised first
    assert losses.categorical_crossentropy([[0.0, 1.0, 0.0]], [[2.0, 1.0, 2.0]]).tolist() == \
        pytest.approx([-math.log(0.2)])
    assert losses.sparse_categorical_crossentropy([2], [[0.0, 0.0, 0.0]], from_logits=True).tolist() == \
        pytest.approx([math.log(3)])
    # the zero target is clipped to epsilon: log 2 + eps log(eps / 0.5)
    assert losses.kl_divergence([[1.0, 0.0]], [[0.5, 0.5]]).tolist() == \
        pytest.approx([math.log(2) + EPS * math.log(EPS / 0.5)], rel=1e-6)


@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
def test_binary_crossentropy_probabilities_and_logits(label_smoothing, backend, rng):
    y = (rng.random((4, 3)) > 0.5).astype(float)
    p = rng.uniform(0.01, 0.99, (4, 3))
    out = losses.binary_crossentropy(y, tensor_on(p, backend), label_smoothing=label_smoothing)
    np.testing.assert_allclose(out.numpy(), np_bce(y, p, label_smoothing), rtol=1e-10)
    x = rng.standard_normal((4, 3)) * 3
    out = losses.binary_crossentropy(y, tensor_on(x, backend), from_logits=True, label_smoothing=label_smoothing)
    np.testing.assert_allclose(out.numpy(), np_bce_logits(y, x, label_smoothing), rtol=1e-10)


@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
def test_categorical_crossentropy_probabilities_and_logits(label_smoothing, backend, rng):
    y = _onehot(rng, (5, 4))
    p = rng.uniform(0.05, 2.0, (5, 4))  # not normalised: Keras rescales rows to sum 1
    out = losses.categorical_crossentropy(y, tensor_on(p, backend), label_smoothing=label_smoothing)
    np.testing.assert_allclose(out.numpy(), np_cce(y, p, label_smoothing), rtol=1e-10)
    x = rng.standard_normal((2, 5, 4)) * 3
    y3 = _onehot(rng, (2, 5, 4))
    out = losses.categorical_crossentropy(y3, tensor_on(x, backend), from_logits=True, label_smoothing=label_smoothing)
    np.testing.assert_allclose(out.numpy(), np_cce_logits(y3, x, label_smoothing), rtol=1e-10)


@pytest.mark.parametrize("from_logits", [False, True])
def test_sparse_categorical_crossentropy(from_logits, backend, rng):
    labels = rng.integers(0, 4, (6,))
    p = rng.standard_normal((6, 4)) if from_logits else _probabilities(rng, (6, 4))
    out = losses.sparse_categorical_crossentropy(labels, tensor_on(p, backend), from_logits=from_logits)
    np.testing.assert_allclose(out.numpy(), np_sparse(labels, p, from_logits), rtol=1e-10)
    # labels with a trailing axis of 1, as float, as a Tensor: same result
    as_column = tg.Tensor(labels[:, None].astype(float), dtype="float64", backend=backend)
    again = losses.sparse_categorical_crossentropy(as_column, tensor_on(p, backend), from_logits=from_logits)
    np.testing.assert_allclose(again.numpy(), out.numpy())
    # equals categorical cross-entropy with one-hot targets
    onehot = np.eye(4)[labels]
    np.testing.assert_allclose(losses.categorical_crossentropy(onehot, tensor_on(p, backend), from_logits).numpy(),
                               out.numpy(), rtol=1e-12)


def test_kl_divergence(backend, rng):
    y, p = _probabilities(rng, (3, 5)), _probabilities(rng, (3, 5))
    y[0, 0] = 0.0  # clipped to epsilon: no log(0)
    np.testing.assert_allclose(losses.kl_divergence(y, tensor_on(p, backend)).numpy(), np_kld(y, p), rtol=1e-10)


# ------------------------------------------------------------------------------------------------ stability
def test_logit_paths_are_stable_for_huge_logits(backend):
    x = tensor_on([[1000.0, -1000.0, 0.0]], backend, requires_grad=True)
    out = losses.categorical_crossentropy([[0.0, 1.0, 0.0]], x, from_logits=True)
    assert out.tolist() == pytest.approx([2000.0])
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[1.0, -1.0, 0.0]], atol=1e-12)  # softmax - onehot

    z = tensor_on([[800.0, -800.0]], backend, requires_grad=True)
    bce = losses.binary_crossentropy([[0.0, 1.0]], z, from_logits=True)
    assert bce.tolist() == pytest.approx([800.0])
    bce.sum().backward()
    np.testing.assert_allclose(z.grad.numpy(), [[0.5, -0.5]])  # (sigmoid(x) - y) / 2

    e = tensor_on([[1000.0, -1000.0]], backend, requires_grad=True)
    lc = losses.log_cosh([[0.0, 0.0]], e)
    assert lc.tolist() == pytest.approx([1000.0 - math.log(2)])
    lc.sum().backward()
    np.testing.assert_allclose(e.grad.numpy(), [[0.5, -0.5]])  # tanh(d) / 2


def test_probability_paths_clip_instead_of_log_zero(backend):
    p = tensor_on([[0.0, 1.0]], backend, requires_grad=True)
    out = losses.binary_crossentropy([[1.0, 0.0]], p)
    assert out.item() == pytest.approx(-math.log(EPS), rel=1e-6)
    out.backward()
    assert np.all(np.isfinite(p.grad.numpy()))
    out = losses.categorical_crossentropy([[1.0, 0.0]], tensor_on([[0.0, 1.0]], backend))
    assert out.item() == pytest.approx(-math.log(EPS), rel=1e-6)


def test_log_cosh_gradient_at_zero_error_is_zero(backend):
    p = tensor_on([[0.0, 1.0]], backend, requires_grad=True)
    losses.log_cosh([[0.0, 1.0]], p).sum().backward()
    np.testing.assert_allclose(p.grad.numpy(), [[0.0, 0.0]], atol=1e-15)


# ------------------------------------------------------------------------------------------------ gradients
GRAD_CASES = [
    ("mse", lambda y: (lambda p: losses.mean_squared_error(y, p)), "normal"),
    ("mae", lambda y: (lambda p: losses.mean_absolute_error(y, p)), "normal"),
    ("huber", lambda y: (lambda p: losses.huber(y, p, delta=0.7)), "normal"),
    ("log_cosh", lambda y: (lambda p: losses.log_cosh(y, p)), "normal"),
    ("bce", lambda y: (lambda p: losses.binary_crossentropy(y, p, label_smoothing=0.1)), "probability"),
    ("bce_logits", lambda y: (lambda p: losses.binary_crossentropy(y, p, from_logits=True)), "normal"),
    ("cce", lambda y: (lambda p: losses.categorical_crossentropy(y, p, label_smoothing=0.2)), "probability"),
    ("cce_logits", lambda y: (lambda p: losses.categorical_crossentropy(y, p, from_logits=True)), "normal"),
    ("scce_logits", None, "normal"),
    ("scce", None, "probability"),
    ("kld", lambda y: (lambda p: losses.kl_divergence(y, p)), "probability"),
]


@pytest.mark.parametrize("name, make, kind", GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_gradcheck(name, make, kind, backend, rng):
    shape = (3, 4)
    pred = rng.standard_normal(shape) if kind == "normal" else rng.uniform(0.1, 0.9, shape)
    y = _probabilities(rng, shape) if name in ("cce", "cce_logits", "kld") else rng.uniform(0, 1, shape)
    if name.startswith("scce"):
        labels = np.array([0, 3, 1])
        make = lambda _: lambda p: losses.sparse_categorical_crossentropy(
            labels, p, from_logits=name == "scce_logits")
    elif name in ("mae", "huber"):
        y = pred + rng.choice([-1.0, 1.0], shape) * rng.uniform(0.05, 1.5, shape)  # away from kinks
        y[np.abs(np.abs(pred - y) - 0.7) < 0.05] += 0.2
    assert tg.gradcheck(make(y), tensor_on(pred, backend, requires_grad=True), atol=1e-7, rtol=1e-5)


@pytest.mark.parametrize("op", ["softplus", "log_softmax"])
def test_registered_ops_gradcheck(op, backend):
    info = OPS[op]
    assert info.function in (nn.Softplus, nn.LogSoftmax)
    for sample in info.samples(np.random.default_rng(0)):
        x = tensor_on(sample.args[0], backend, requires_grad=True)
        kwargs = sample.kwargs
        assert tg.gradcheck(lambda t, kw=kwargs: info.function.apply(t, **kw), x, atol=1e-7, rtol=1e-5)


def test_softplus_and_log_softmax_values(backend):
    x = np.array([[-50.0, -1.0, 0.0, 2.0, 50.0]])
    np.testing.assert_allclose(nn.softplus(tensor_on(x, backend)).numpy(), np.log1p(np.exp(x)), rtol=1e-12)
    np.testing.assert_allclose(nn.log_softmax(tensor_on(x, backend)).numpy(), np.log(np_softmax(x)), rtol=1e-12)
    np.testing.assert_allclose(nn.log_softmax(tensor_on(x.T, backend), axis=0).numpy(), np.log(np_softmax(x)).T,
                               rtol=1e-12)
    with pytest.raises(ValueError, match="axis=2"):
        nn.log_softmax(tensor_on(x, backend), axis=2)


# ------------------------------------------------------------------------------------------------ classes
def test_classes_reduce_like_keras(backend, rng):
    y, p = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    per_sample = np_mse(y, p)
    w = np.array([1.0, 0.0, 2.0, 0.5])
    pred = tensor_on(p, backend)
    assert losses.MeanSquaredError()(y, pred).item() == pytest.approx(per_sample.mean())
    assert losses.MeanSquaredError(reduction="sum")(y, pred).item() == pytest.approx(per_sample.sum())
    np.testing.assert_allclose(losses.MeanSquaredError(reduction=None)(y, pred).numpy(), per_sample)
    assert losses.MeanSquaredError()(y, pred, sample_weight=w).item() == pytest.approx((per_sample * w).sum() / 4)
    assert losses.MeanSquaredError(reduction="mean_with_sample_weight")(y, pred, sample_weight=w).item() == \
        pytest.approx((per_sample * w).sum() / w.sum())
    # (batch, 1) weights and (batch, steps) losses: weights broadcast per sample
    p3, y3 = rng.standard_normal((4, 5, 2)), rng.standard_normal((4, 5, 2))
    expected = (np_mse(y3, p3) * w[:, None]).sum() / 20
    assert losses.MeanSquaredError()(y3, tensor_on(p3, backend), sample_weight=w[:, None]).item() == \
        pytest.approx(expected)
    assert losses.MeanSquaredError()(y3, tensor_on(p3, backend), sample_weight=w).item() == pytest.approx(expected)


def test_class_results_equal_function_means(backend, rng):
    y, x = _onehot(rng, (6, 3)), rng.standard_normal((6, 3))
    pairs = [(losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1),
              np_cce_logits(y, x, 0.1)),
             (losses.BinaryCrossentropy(from_logits=True), np_bce_logits(y, x)),
             (losses.SparseCategoricalCrossentropy(from_logits=True), np_sparse(y.argmax(-1), x, True)),
             (losses.Huber(delta=0.5), np_huber(y, x, 0.5)), (losses.LogCosh(), np_log_cosh(y, x)),
             (losses.MeanAbsoluteError(), np_mae(y, x))]
    for loss, per_sample in pairs:
        target = y.argmax(-1) if isinstance(loss, losses.SparseCategoricalCrossentropy) else y
        out = loss(target, tensor_on(x, backend))
        assert out.shape == ()
        assert out.item() == pytest.approx(per_sample.mean(), rel=1e-10), loss.name
    kl = losses.KLDivergence()(_probabilities(rng, (2, 3)), tensor_on(_probabilities(rng, (2, 3)), backend))
    assert kl.shape == ()


def test_class_squeezes_a_trailing_axis_of_one(backend):
    out = losses.MeanSquaredError(reduction=None)([1.0, 2.0], tensor_on([[0.0], [0.0]], backend))
    np.testing.assert_allclose(out.numpy(), [1.0, 4.0])


def test_loss_gradient_through_backward_has_the_right_values(backend):
    # By hand: p = relu(x) + 0.1 = [0.4, 0.1, 1.0], S = sum(p) = 1.5 and loss = -log(p_2 / S) = log S - log p_2, so
    # dloss/dp = 1 / S - [0, 0, 1 / p_2] = [2/3, 2/3, -1/3]; relu' = [1, 0, 1] gives grad x = [2/3, 0, -1/3].
    x0, y = np.array([[0.3, -0.2, 0.9]]), np.array([[0.0, 0.0, 1.0]])
    x = tensor_on(x0, backend, requires_grad=True)
    losses.get("categorical_crossentropy")(y, x.relu() + 0.1).backward()
    np.testing.assert_allclose(x.grad.numpy(), [[2 / 3, 0.0, -1 / 3]], rtol=1e-12, atol=1e-15)
    # and float64 central differences of the NumPy reference (no step crosses the relu kink at 0)
    h = 1e-6
    numeric = [(np_cce(y, np.maximum(x0 + h * e, 0) + 0.1) - np_cce(y, np.maximum(x0 - h * e, 0) + 0.1))[0] / (2 * h)
               for e in np.eye(3)]
    np.testing.assert_allclose(x.grad.numpy()[0], numeric, rtol=1e-8, atol=1e-10)


# ------------------------------------------------------------------------------------------------ lookup, errors
@pytest.mark.parametrize("name, cls", [("mse", losses.MeanSquaredError), ("MSE", losses.MeanSquaredError),
                                       ("mean_absolute_error", losses.MeanAbsoluteError),
                                       ("mae", losses.MeanAbsoluteError), ("huber", losses.Huber),
                                       ("log_cosh", losses.LogCosh), ("binary_crossentropy",
                                                                      losses.BinaryCrossentropy),
                                       ("CategoricalCrossentropy", losses.CategoricalCrossentropy),
                                       ("sparse_categorical_crossentropy", losses.SparseCategoricalCrossentropy),
                                       ("kl_divergence", losses.KLDivergence), ("kld", losses.KLDivergence)])
def test_get_by_name(name, cls):
    assert type(losses.get(name)) is cls


def test_get_callables_instances_and_configs(backend):
    def my_loss(y_true, y_pred):
        return (y_pred - y_true).abs().sum(axis=-1)

    wrapped = losses.get(my_loss)
    out = wrapped([[1.0, 1.0], [0.0, 0.0]], tensor_on([[0.0, 0.0], [0.0, 1.0]], backend))
    assert out.shape == () and out.item() == pytest.approx(1.5)  # mean of per-sample (2, 1)
    instance = losses.Huber(delta=3.0)
    assert losses.get(instance) is instance
    assert losses.get(losses.LogCosh).name == "log_cosh"
    again = losses.get(losses.serialize(losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1)))
    assert again.get_config()["from_logits"] is True and again.get_config()["label_smoothing"] == 0.1
    with pytest.raises(ValueError, match=r"Unknown loss: 'msee'.*'mse'"):
        losses.get("msee")
    with pytest.raises(ValueError, match="Could not interpret"):
        losses.get(42)


@pytest.mark.parametrize("labels, holding", [(np.array([np.nan, 1.0]), "NaN"), ([1.0, np.inf], "inf"),
                                             (tg.tensor([np.nan, -np.inf]), "NaN and inf")])
@pytest.mark.parametrize("call", [lambda y, p: losses.SparseCategoricalCrossentropy()(y, p),
                                  losses.sparse_categorical_crossentropy], ids=["class", "function"])
def test_a_nan_or_inf_label_is_named_without_a_numpy_warning(labels, holding, call):
    """Found by a tester: a NaN label printed NumPy's cast warning, then "labels from -9223372036854775808"."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=rf"labels must be integers in \[0, 3\)\. Received labels holding "
                                             rf"{holding}$"):
            call(labels, tg.tensor([[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]]))


@pytest.mark.parametrize("labels, shown", [(np.array([-0.5, 1.0]), "-0.5"), ([0.0, 1.7], "1.7"),
                                           (tg.tensor([2.0, 0.25]), "0.25")])
@pytest.mark.parametrize("call", [lambda y, p: losses.SparseCategoricalCrossentropy()(y, p),
                                  losses.sparse_categorical_crossentropy], ids=["class", "function"])
def test_a_fractional_label_is_refused_and_whole_float_labels_are_classes(labels, shown, call):
    """Keras 3 cuts 1.7 to class 1 and -0.5 to class 0 and trains on them silently (found by a tester against
    Keras); refused here, naming the label, as the metrics refuse it. Whole float labels are the classes they
    name: -log of the probability of that class, by hand."""
    p = tg.tensor([[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]])
    with pytest.raises(ValueError, match=rf"labels must be whole numbers in \[0, 3\).*Received the label {shown}$"):
        call(labels, p)
    got = losses.sparse_categorical_crossentropy(np.array([2.0, 0.0]), p).numpy()
    np.testing.assert_allclose(got, [-np.log(0.5), -np.log(0.1)], rtol=1e-6)


def test_errors_name_the_argument_and_value():
    with pytest.raises(ValueError, match="reduction='avg'"):
        losses.MeanSquaredError(reduction="avg")
    with pytest.raises(ValueError, match="label_smoothing=1.5"):
        losses.BinaryCrossentropy(label_smoothing=1.5)
    with pytest.raises(ValueError, match="delta=-1"):
        losses.Huber(delta=-1)
    with pytest.raises(ValueError, match=r"y_true.shape=\(2, 3\).*y_pred.shape=\(2, 4\)"):
        losses.mean_squared_error(np.zeros((2, 3)), np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"target.shape=\(2, 3\)"):
        losses.categorical_crossentropy(np.zeros((2, 3)), np.ones((2, 4)))
    with pytest.raises(ValueError, match=r"labels must be in \[0, 3\)"):
        losses.sparse_categorical_crossentropy([0, 3], np.ones((2, 3)))
    with pytest.raises(ValueError, match="up until the last dimension"):
        losses.sparse_categorical_crossentropy([0, 1, 2], np.ones((2, 3)))


def test_serialize_none_and_non_losses():
    # Keras' serialize(None) is None; an object without get_config is a ValueError naming it (was AttributeError).
    assert losses.serialize(None) is None
    assert losses.serialize(losses.Huber(delta=2.0)) == {
        "class_name": "Huber", "config": {"name": "huber_loss", "reduction": "sum_over_batch_size", "delta": 2.0}}
    with pytest.raises(ValueError, match="Cannot serialize the loss <function .*no get_config.*a Loss subclass"):
        losses.serialize(lambda y_true, y_pred: y_pred)


@pytest.mark.parametrize("y_shape, w_shape", [((3, 1), (3, 2)), ((3, 4), (3, 2)), ((3, 4), (2,)), ((3, 2, 4), (3, 5))])
def test_a_sample_weight_that_does_not_broadcast_is_named(y_shape, w_shape):
    y = np.ones(y_shape)
    with pytest.raises(ValueError, match=r"`sample_weight`: its shape \(" + ", ".join(map(str, w_shape))):
        tg.losses.MeanSquaredError()(y, 2 * y, sample_weight=np.ones(w_shape))


def test_a_broadcasting_sample_weight_still_works_as_keras():
    # y of shape (3,): the per-sample loss is a scalar, which a (3, 2) weight broadcasts against (Keras gives 1.0)
    y = np.ones(3)
    assert tg.losses.MeanSquaredError()(y, 2 * y, sample_weight=np.ones((3, 2))).item() == 1.0


# ------------------------------------------------------------------------------------ Keras' shape rules at the edges
_RANK0 = {  # y_true = 1, y_pred = 0.7, by hand: the loss of that one value, of shape ()
    "mean_squared_error": 0.3**2, "mean_absolute_error": 0.3, "huber": 0.5 * 0.3**2,
    "log_cosh": math.log(math.cosh(0.3)), "binary_crossentropy": -math.log(0.7), "kl_divergence": -math.log(0.7)}


@pytest.mark.parametrize("name", sorted(_RANK0))
@pytest.mark.parametrize("shapes", [((), ()), ((), (1,)), ((1,), ())])
def test_rank0_targets_and_predictions_give_the_loss_of_that_value(name, shapes, backend):
    y_shape, p_shape = shapes
    y, p = np.full(y_shape, 1.0), tensor_on(np.full(p_shape, 0.7), backend, requires_grad=True)
    out = getattr(losses, name)(y, p)
    assert out.shape == ()
    assert out.item() == pytest.approx(_RANK0[name], rel=1e-12)
    reduced = losses.get(name)(y, p)
    assert reduced.shape == () and reduced.item() == pytest.approx(_RANK0[name], rel=1e-12)
    if name == "mean_squared_error":
        reduced.backward()  # d/dp (1 - p)^2 = -2 (1 - p)
        assert float(p.grad.numpy().sum()) == pytest.approx(-0.6, rel=1e-12)


@pytest.mark.parametrize("y_shape, p_shape", [((2, 1), (2,)), ((2,), (2, 1))])
def test_classes_squeeze_or_expand_before_categorical_crossentropy(y_shape, p_shape, backend):
    # One class: p / sum(p) = 1 in every row, clipped to 1 - epsilon, so the loss is -log(1 - 1e-7) in every row
    # (Keras' LossFunctionWrapper rule makes the shapes (2, 1) and (2, 1)).
    y, p = np.ones(y_shape), tensor_on(np.array([0.5, 0.25]).reshape(p_shape), backend)
    assert losses.CategoricalCrossentropy()(y, p).item() == pytest.approx(-math.log1p(-EPS), rel=1e-9)
    with pytest.raises(ValueError, match="same shape"):  # the function does not reshape, as Keras' function
        losses.categorical_crossentropy(y, p)


def test_categorical_crossentropy_of_rank0_inputs_is_refused():
    with pytest.raises(ValueError, match=r"at least rank 1.*target.shape=\(\)"):
        losses.CategoricalCrossentropy()(1.0, tg.tensor(0.7))


def test_broadcastable_but_different_shapes_are_refused_not_broadcast():
    # Keras broadcasts y (2, 1) against p (2, 3) in mean_squared_error: a silent wrong result; we refuse it.
    with pytest.raises(ValueError, match=r"y_true.shape=\(2, 1\), y_pred.shape=\(2, 3\)"):
        losses.MeanSquaredError()(np.ones((2, 1)), tg.tensor(np.ones((2, 3))))


_SHAPE_CASES = [((), ()), ((2, 1), (2,)), ((2,), (2, 1)), ((3, 1), (3,)), ((), (1,)), ((1,), ()), ((2, 2, 1), (2, 2)),
                ((2, 3), (2, 3))]
_KERAS_CLASSES = ["MeanSquaredError", "MeanAbsoluteError", "Huber", "LogCosh", "BinaryCrossentropy",
                  "CategoricalCrossentropy", "KLDivergence"]


@pytest.mark.parametrize("cls", _KERAS_CLASSES)
@pytest.mark.parametrize("y_shape, p_shape", _SHAPE_CASES)
def test_loss_classes_follow_keras_shape_rules(cls, y_shape, p_shape, rng):
    import os
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras", minversion="3", reason="Keras 3 is the reference for the shape rules")
    y = rng.uniform(0.1, 0.9, y_shape).astype("float32")
    p = rng.uniform(0.1, 0.9, p_shape).astype("float32")
    try:
        expected = float(keras.ops.convert_to_numpy(getattr(keras.losses, cls)()(y, p)))
    except (IndexError, ValueError, RuntimeError):  # Keras refuses (categorical_crossentropy of rank 0): so do we
        expected = None
    if expected is None:
        with pytest.raises(ValueError):
            getattr(losses, cls)()(y, tg.tensor(p))
    else:
        assert getattr(losses, cls)()(y, tg.tensor(p)).item() == pytest.approx(expected, rel=1e-5, abs=1e-7)


def test_squeezed_targets_keep_the_predictions_precision():
    # y_true given as a list of shape (2, 1) is expanded against float64 p of shape (2,) without a float32 detour
    p = tg.tensor(np.array([0.3, 0.7]), dtype="float64")
    got = losses.MeanSquaredError()([[0.1], [0.2]], p).item()
    assert got == pytest.approx(((0.1 - 0.3) ** 2 + (0.2 - 0.7) ** 2) / 2, rel=1e-15)


def test_sparse_categorical_crossentropy_with_classes_masked_by_minus_inf_logits(backend):
    """Found by a tester: a logit of -inf on a class that is not the label (the usual way to mask a class) gave NaN
    (0 * -inf from a one-hot product); Keras 3 and torch's cross_entropy give the finite loss and gradient.
    Reference: the formula in float64, -log(exp(z_label) / sum over the unmasked classes of exp(z))."""
    inf = np.inf
    logits = np.array([[1.0, -inf, 0.5], [1.0, 2.0, -inf], [-inf, 0.0, 1.0]])
    labels = np.array([0, 1, 2])
    z = tensor_on(logits, backend, requires_grad=True)
    loss = losses.sparse_categorical_crossentropy(tensor_on(labels, backend, dtype="int64"), z, from_logits=True)
    expected, grad = [], np.zeros_like(logits)
    for i, (row, label) in enumerate(zip(logits, labels)):
        finite = np.isfinite(row)
        total = sum(math.exp(v) for v in row[finite])
        expected.append(-(row[label] - math.log(total)))
        grad[i, finite] = np.exp(row[finite]) / total        # softmax - one_hot: d loss / d z
        grad[i, label] -= 1.0
    np.testing.assert_allclose(loss.numpy(), expected, rtol=1e-12)
    loss.sum().backward()
    np.testing.assert_allclose(z.grad.numpy(), grad, rtol=1e-12, atol=1e-15)
    # the label's own logit at -inf: the loss is +inf, as in Keras and torch
    assert losses.sparse_categorical_crossentropy([1], tensor_on([[0.0, -inf]], backend), from_logits=True).tolist() \
        == [inf]


def test_binary_crossentropy_from_logits_rounds_as_keras_at_extreme_logits():
    """Found by a tester: (y=1, x=20) gave 0 (Keras 2.06e-9), (y=0, x=inf) NaN (Keras inf), (y=1, x=-inf) inf
    (Keras NaN): softplus(x) - x y rounds differently from torch's (1 - y) x - log_sigmoid(x), which Keras 3 calls
    on torch. Compared with Keras 3 in float32, value and gradient (torch's sigmoid(x) - y), NaN where Keras has
    NaN."""
    from helpers import keras_on_torch

    keras = keras_on_torch("Keras 3 is the reference for binary_crossentropy at extreme logits")
    import torch

    inf = np.inf
    x = np.array([-inf, -100, -40, -20, -5, 0, 5, 20, 40, 100, inf], "float32")[:, None]
    for y in (0.0, 1.0, 0.3):
        targets = np.full_like(x, y)
        expected = np.asarray(keras.losses.binary_crossentropy(targets, x, from_logits=True))
        logits = tg.tensor(x, requires_grad=True)
        got = losses.binary_crossentropy(targets, logits, from_logits=True)
        tiny = 1.2e-38    # float32 subnormals: exp(-100) is 3.78e-44 here, 3.92e-44 or 0 in torch
        np.testing.assert_allclose(got.numpy(), expected, rtol=2e-7, atol=tiny, equal_nan=True)
        got.sum().backward()
        theirs = torch.tensor(x, requires_grad=True)
        torch.nn.functional.binary_cross_entropy_with_logits(theirs, torch.tensor(targets), reduction="sum").backward()
        np.testing.assert_allclose(logits.grad.numpy(), theirs.grad.numpy(), rtol=2e-7, atol=tiny, equal_nan=True)



@pytest.mark.parametrize("reduction", ["none", None])
def test_compile_refuses_a_loss_that_is_not_reduced(reduction):
    """Found by a Keras user: compile(loss=MeanSquaredError(reduction="none")) trained on the mean silently; Keras
    fails inside fit ("grad can be implicitly created only for scalar outputs"). The error now comes at compile."""
    from tinygradconv import layers, models

    model = models.Sequential([layers.Dense(1)])
    with pytest.raises(ValueError, match=rf"has reduction={reduction!r}, so it returns one value per sample"):
        model.compile("sgd", losses.MeanSquaredError(reduction=reduction))
    model.compile("sgd", losses.MeanSquaredError(reduction="sum"))         # a sum is one number: accepted


def test_one_hot_targets_given_to_the_sparse_loss_are_told_the_expected_label_shape():
    """The message showed target.shape=(1, 2) and output.shape=(1, 2), which look alike (found by a tester): it
    now gives the labels' expected shape, (1,), and where one-hot targets go."""
    with pytest.raises(ValueError, match=r"target\.shape=\(1, 2\), output\.shape=\(1, 2\)\. Expected integer labels "
                                         r"of shape \(1,\) .*categorical_crossentropy"):
        losses.SparseCategoricalCrossentropy()([[0, 1]], [[0.5, 0.5]])


@pytest.mark.parametrize("call, message", [
    (lambda: optimizers.schedules.ExponentialDecay(0.1, 10, 0.5)("a"), r"`step` .*Received step='a'"),
    (lambda: optimizers.schedules.InverseTimeDecay(0.1, 10, 0.5)(None), r"`step` .*Received step=None"),
    (lambda: optimizers.schedules.PiecewiseConstantDecay("a", [1.0]), r"`boundaries`.*list of numbers.*'a'"),
    (lambda: optimizers.schedules.PiecewiseConstantDecay([1], "ab"), r"`values`.*list of numbers.*'ab'"),
])
def test_schedules_name_a_step_or_a_list_of_the_wrong_type(call, message):
    """``float('a')``'s "could not convert string to float" named neither the step nor the schedule, and a string of
    boundaries was split into characters (found by a tester)."""
    with pytest.raises(TypeError, match=rf"^Invalid type for argument {message}"):
        call()


@pytest.mark.parametrize("call", [lambda y, p: losses.SparseCategoricalCrossentropy()(y, p),
                                  losses.sparse_categorical_crossentropy], ids=["class", "function"])
def test_soft_targets_get_the_shape_diagnosis_and_a_huge_label_its_own_value(call):
    """Found by a re-tester: soft targets given to the sparse loss by mistake were told "labels must be whole
    numbers ... 0.05" (the wholeness check ran before the shape check; Keras gives the shape error), and a whole
    label of 1e20 was shown as "labels from -9223372036854775808" (its int64 cast wrapped)."""
    p = tg.tensor(np.full((4, 3), 1 / 3))
    with pytest.raises(ValueError, match=r"target\.shape=\(4, 3\).*Expected integer labels of shape \(4,\) .*"
                                         r"one-hot targets go to categorical_crossentropy"):
        call([[0.05, 0.9, 0.05]] * 4, p)
    with pytest.raises(ValueError, match=r"labels must be integers in \[0, 3\)\. Received the label 1e\+20$"):
        call([1e20, 2.0, 0.0, 2.0], p)


def test_labels_of_another_library_and_float16_labels_are_read_without_a_warning():
    """Found by a reviewer: array-api-strict labels beside NumPy predictions raised "dtype argument must be a NumPy
    dtype" (a regression of the day), and float16 labels warned "overflow encountered in cast" (2**62 compared in
    float16). Values: -log of each label's probability, by hand."""
    xs = pytest.importorskip("array_api_strict")
    probs = np.array([[0.2, 0.8], [0.6, 0.4]])
    expected = [-np.log(0.8), -np.log(0.6)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_allclose(losses.sparse_categorical_crossentropy(xs.asarray([1, 0]), probs).numpy(),
                                   expected, rtol=1e-12)
        np.testing.assert_allclose(
            losses.sparse_categorical_crossentropy(tg.tensor([1, 0], dtype="float16"), probs).numpy(), expected,
            rtol=1e-12)


@pytest.mark.parametrize("name", ["binary_crossentropy", "binary_crossentropy_with_logits", "squared_difference"])
def test_the_two_operand_nn_ops_name_themselves_and_both_shapes_when_they_do_not_broadcast(name):
    """They passed NumPy's own error through from inside their formula, with the shapes in the other order."""
    first, second = tg.tensor(np.full((3, 4), 0.5)), tg.tensor(np.ones((2, 4)))
    with pytest.raises(ValueError, match=rf"^{name}: operands of shapes \(3, 4\) and \(2, 4\) cannot be broadcast"):
        getattr(nn, name)(first, second)


@pytest.mark.parametrize("reduction", ["none", "sum_over_batch_size", "sum", "mean_with_sample_weight"])
def test_sample_weights_that_cannot_be_per_sample_weigh_the_steps_as_keras_or_are_refused(reduction):
    """A tester found ``(5,)`` weights for the losses ``(1, 2)`` of one sample making five samples of it, silently
    (the per-sample reading gave them a trailing axis, which broadcast to ``(5, 2)``); Keras fails there. Weights of
    shape ``(steps,)`` with ``steps != batch`` weigh the steps in Keras: the same here."""
    keras = pytest.importorskip("keras")
    y = np.zeros((1, 2, 3), "float32")
    p = np.ones((1, 2, 3), "float32") * np.array([1.0, 2.0], "float32")[None, :, None]
    weights = np.array([1.0, 5.0], "float32")
    ours = tg.losses.MeanSquaredError(reduction=reduction)(y, p, sample_weight=weights)
    theirs = keras.losses.MeanSquaredError(reduction=reduction)(y, p, sample_weight=weights)
    np.testing.assert_allclose(np.asarray(ours.tolist()), keras.ops.convert_to_numpy(theirs), rtol=1e-6)
    assert ours.shape == tuple(theirs.shape)
    # by hand: step losses 1 and 4, weighed 1 and 5
    assert ours.sum().item() == pytest.approx({"none": 21.0, "sum_over_batch_size": 10.5, "sum": 21.0,
                                               "mean_with_sample_weight": 3.5}[reduction])
    with pytest.raises(ValueError, match=r"^Invalid `sample_weight`: its shape \(5,\) does not broadcast to the "
                                         r"shape of the per-sample losses, \(1, 2\)"):
        tg.losses.MeanSquaredError(reduction=reduction)(y, p, sample_weight=np.arange(1.0, 6.0))
    with pytest.raises(RuntimeError):
        keras.losses.MeanSquaredError(reduction=reduction)(y, p, sample_weight=np.arange(1.0, 6.0, dtype="float32"))
