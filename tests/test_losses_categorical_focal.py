"""categorical_focal_crossentropy and CategoricalFocalCrossentropy against Keras 3.15 on torch.

References, never the code under test: Keras 3's loss function and class called on torch tensors (values, and
gradients with respect to y_pred from torch's autograd through them), the numbers printed in Keras 3's own
docstrings, and values worked out by hand.
"""
import math

import numpy as np
import pytest
from helpers import keras_on_torch, tensor_on

from tinygradconv import layers, losses, metrics, models
from tinygradconv.optimizers import SGD

KERAS = "Keras 3 is the reference for categorical_focal_crossentropy"
TOL = {"float32": {"rtol": 2e-6, "atol": 1e-7}, "float64": {"rtol": 1e-12, "atol": 1e-15}}


def _ours(y, p, dtype, fn=None, **kwargs):
    """Value and gradient (of the sum) with respect to y_pred of our loss."""
    pred = tensor_on(p, dtype=dtype, requires_grad=True)
    out = (fn or losses.categorical_focal_crossentropy)(np.asarray(y, dtype), pred, **kwargs)
    out.sum().backward()
    return out.numpy(), pred.grad.numpy()


def _keras(y, p, dtype, fn=None, sample_weight=None, **kwargs):
    """Value and gradient (of the sum) with respect to y_pred of Keras 3's loss on torch tensors."""
    keras = keras_on_torch(KERAS)
    import torch

    pred = torch.tensor(np.asarray(p, dtype), requires_grad=True)
    fn = fn(keras) if fn is not None else keras.losses.categorical_focal_crossentropy
    extra = {} if sample_weight is None else {"sample_weight": torch.tensor(np.asarray(sample_weight, dtype))}
    out = fn(torch.tensor(np.asarray(y, dtype)), pred, **kwargs, **extra)
    out.sum().backward()
    return out.detach().numpy(), pred.grad.numpy()


def _check(ours, theirs, dtype):
    for got, expected, what in zip(ours, theirs, ("value", "gradient")):
        np.testing.assert_allclose(got, expected, equal_nan=True, err_msg=what, **TOL[dtype])


ONE_HOT = [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
PROBS = [[0.05, 0.9, 0.05], [0.1, 0.85, 0.05], [0.6, 0.3, 0.1], [0.2, 0.2, 0.6]]
LOGITS = [[-1.0, 2.0, 0.5], [3.0, -2.0, 0.1], [0.0, 0.0, 0.0], [10.0, -10.0, 4.0]]
CASES = [
    ("probabilities", ONE_HOT, PROBS, {}),
    ("unnormalised", ONE_HOT, [[1.0, 2.0, 3.0], [0.5, 0.5, 3.0], [2.0, 1.0, 1.0], [4.0, 1.0, 1.0]], {}),
    ("soft targets", [[0.2, 0.7, 0.1], [0.0, 0.5, 0.5], [1.0, 0.0, 0.0], [0.3, 0.3, 0.4]], PROBS, {}),
    ("logits", ONE_HOT, LOGITS, {"from_logits": True}),
    ("smoothing", ONE_HOT, PROBS, {"label_smoothing": 0.2}),
    ("smoothing logits", ONE_HOT, LOGITS, {"label_smoothing": 1.0, "from_logits": True}),
    ("alpha gamma", ONE_HOT, PROBS, {"alpha": 0.7, "gamma": 0.5}),
    ("gamma 0", ONE_HOT, PROBS, {"gamma": 0.0, "alpha": 1.0}),
    ("gamma 3", ONE_HOT, LOGITS, {"gamma": 3, "from_logits": True}),
    ("alpha list", ONE_HOT, PROBS, {"alpha": [0.1, 2.0, 0.5]}),
    ("alpha list logits", ONE_HOT, LOGITS, {"alpha": [1.0, 0.25, 3.0], "from_logits": True, "label_smoothing": 0.1}),
    ("axis 0", np.array(ONE_HOT).T.tolist(), np.array(PROBS).T.tolist(), {"axis": 0}),
    ("axis 0 logits", np.array(ONE_HOT).T.tolist(), np.array(LOGITS).T.tolist(), {"axis": 0, "from_logits": True}),
    # special points: probabilities exactly 0 and 1 (the clip), a row of zeros (0 / 0), +-inf logits, NaN
    ("exact 0 and 1", ONE_HOT, [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]], {}),
    ("zero row", ONE_HOT, [[0.0, 0.0, 0.0], [0.1, 0.8, 0.1], [0.0, 0.0, 1.0], [0.5, 0.5, 0.0]], {}),
    ("-inf logits", ONE_HOT, [[-np.inf, 1.0, 0.0], [0.0, 0.0, -np.inf], [-np.inf, -np.inf, 2.0], [1, 2, 3]],
     {"from_logits": True}),
    ("+inf logits", ONE_HOT, [[np.inf, 1.0, 0.0], [0.0, 0.0, np.inf], [np.inf, np.inf, 2.0], [1, 2, 3]],
     {"from_logits": True}),
    ("huge logits", ONE_HOT, [[1e4, -1e4, 0.0], [-1e30, 0.0, 1e30], [50.0, -50.0, 0.0], [1, 2, 3]],
     {"from_logits": True}),
    ("nan", ONE_HOT, [[np.nan, 0.5, 0.5], [0.1, 0.8, 0.1], [0.2, 0.3, 0.5], [0.3, 0.3, 0.4]], {}),
    ("nan logits", ONE_HOT, [[np.nan, 0.5, 0.5], [0.1, 0.8, 0.1], [0.2, 0.3, 0.5], [0.3, 0.3, 0.4]],
     {"from_logits": True}),
    ("nan target", [[np.nan, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], PROBS, {}),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_function_values_and_gradients_match_keras(case, dtype):
    _, y, p, kwargs = case
    _check(_ours(y, p, dtype, **kwargs), _keras(y, p, dtype, **kwargs), dtype)


REDUCTIONS = ["sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", None, "none"]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("reduction", REDUCTIONS, ids=str)
@pytest.mark.parametrize("weights", [None, [0.3, 0.7, 0.0, 2.0]], ids=["unweighted", "weighted"])
def test_class_reductions_and_sample_weight_match_keras(reduction, weights, dtype):
    kwargs = {"alpha": 0.4, "gamma": 1.5, "from_logits": True, "label_smoothing": 0.05}
    pred = tensor_on(LOGITS, dtype=dtype, requires_grad=True)
    out = losses.CategoricalFocalCrossentropy(reduction=reduction, **kwargs)(np.asarray(ONE_HOT, dtype), pred,
                                                                           sample_weight=weights)
    out.sum().backward()
    # Keras' classes compute in float32 whatever the inputs (its dtype=None is floatx): float32 is the reference
    expected = _keras(ONE_HOT, LOGITS, "float32", sample_weight=weights,
                      fn=lambda keras: keras.losses.CategoricalFocalCrossentropy(reduction=reduction, **kwargs))
    tol = TOL["float32"]
    np.testing.assert_allclose(out.numpy(), expected[0], **tol)
    np.testing.assert_allclose(pred.grad.numpy(), expected[1], **tol)
    assert out.dtype == np.dtype(dtype)


def test_class_with_per_element_weights_and_squeezed_targets_matches_keras():
    """Weights of the per-sample losses' shape on a rank-3 batch, and the class's squeeze-or-expand rule."""
    rng = np.random.default_rng(7)
    y = np.eye(4)[rng.integers(0, 4, (3, 5))]
    p = rng.uniform(0.01, 1.0, (3, 5, 4))
    w = rng.uniform(0.0, 2.0, (3, 5))
    ours = losses.CategoricalFocalCrossentropy()(y.astype("float32"), tensor_on(p, dtype="float32"), sample_weight=w)
    theirs = _keras(y, p, "float32", sample_weight=w, fn=lambda keras: keras.losses.CategoricalFocalCrossentropy())
    np.testing.assert_allclose(ours.item(), theirs[0], **TOL["float32"])


def test_keras_docstring_examples():
    """The numbers printed in Keras 3's docstrings of CategoricalFocalCrossentropy and its function."""
    y, p = [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]], tensor_on([[0.05, 0.95, 0.0], [0.1, 0.8, 0.1]], dtype="float32")
    assert losses.CategoricalFocalCrossentropy()(y, p).item() == pytest.approx(0.23315276, rel=1e-6)
    assert losses.CategoricalFocalCrossentropy()(y, p, sample_weight=np.array([0.3, 0.7])).item() == \
        pytest.approx(0.1632, abs=5e-5)
    assert losses.CategoricalFocalCrossentropy(reduction="sum")(y, p).item() == pytest.approx(0.46631, abs=5e-6)
    np.testing.assert_allclose(losses.CategoricalFocalCrossentropy(reduction=None)(y, p).numpy(),
                               [3.2058331e-05, 4.6627346e-01], rtol=1e-6)
    out = losses.categorical_focal_crossentropy([[0, 1, 0], [0, 0, 1]], tensor_on([[0.05, 0.9, 0.05],
                                                                                  [0.1, 0.85, 0.05]], dtype="float32"))
    np.testing.assert_allclose(out.numpy(), [2.63401289e-04, 6.75912094e-01], rtol=1e-6)


def test_hand_computed_values():
    """Lists become float32 predictions (floatx), and the clip bounds are float32(1e-7) and float32(1 - 1e-7) =
    1 - 2^-23, as Keras' float32 tensors."""
    rel = {"rel": 1e-6}
    # y = [0, 1], p = [0.2, 0.8]: alpha (1 - 0.8)^gamma (-log 0.8)
    assert losses.categorical_focal_crossentropy([[0.0, 1.0]], [[0.2, 0.8]]).tolist() == \
        pytest.approx([0.25 * 0.2**2 * -math.log(0.8)], **rel)
    # gamma 0, alpha 1: the categorical cross-entropy
    assert losses.categorical_focal_crossentropy([[0.0, 1.0]], [[0.25, 0.75]], alpha=1.0, gamma=0.0).tolist() == \
        pytest.approx([-math.log(0.75)], **rel)
    # a certain right prediction: p = 1 - 2^-23 after the clip
    q = 2.0**-23
    assert losses.categorical_focal_crossentropy([[0.0, 1.0]], [[0.0, 1.0]]).tolist() == \
        pytest.approx([0.25 * q**2 * -math.log1p(-q)], **rel)
    # a certain wrong one: p = float32(1e-7) after the clip, in float64 too
    e = float(np.float32(1e-7))
    assert losses.categorical_focal_crossentropy([[0.0, 1.0]], tensor_on([[1.0, 0.0]])).tolist() == \
        pytest.approx([0.25 * (1 - e) ** 2 * -math.log(e)], rel=1e-14)
    # per-class alpha along axis 0 (Keras broadcasts a list against the last axis whatever `axis` is)
    out = losses.categorical_focal_crossentropy([[0.0, 1.0], [1.0, 0.0]], tensor_on([[0.2, 0.4], [0.8, 0.6]]),
                                                axis=0, alpha=[2.0, 3.0])
    assert out.tolist() == pytest.approx([3.0 * 0.2**2 * -math.log(0.8), 2.0 * 0.6**2 * -math.log(0.4)], rel=1e-14)
    # label smoothing with classes along axis 0: s / 3 per class (Keras divides by the last axis' size, 2)
    out = losses.categorical_focal_crossentropy([[1.0, 1.0], [0.0, 0.0], [0.0, 0.0]], tensor_on(np.full((3, 2), 1 / 3)),
                                                axis=0, label_smoothing=0.3, gamma=0.0, alpha=1.0)
    assert out.tolist() == pytest.approx([math.log(3.0)] * 2, rel=1e-14)


@pytest.mark.parametrize("name", ["categorical_focal_crossentropy", "CategoricalFocalCrossentropy",
                                  "CATEGORICAL_FOCAL_CROSSENTROPY"])
def test_get_by_keras_names(name):
    loss = losses.get(name)
    assert type(loss) is losses.CategoricalFocalCrossentropy
    assert loss.name == "categorical_focal_crossentropy" and loss.reduction == "sum_over_batch_size"


def test_config_has_keras_keys_and_round_trips():
    keras = keras_on_torch(KERAS)
    kwargs = {"alpha": [0.5, 1.5, 2.0], "gamma": 1.0, "from_logits": True, "label_smoothing": 0.1, "axis": -1,
              "reduction": "sum", "name": "cfc"}
    ours = losses.CategoricalFocalCrossentropy(**kwargs).get_config()
    theirs = keras.losses.CategoricalFocalCrossentropy(**kwargs).get_config()
    assert ours == theirs
    again = losses.get({"class_name": "CategoricalFocalCrossentropy", "config": theirs})
    assert again.get_config() == theirs
    y, p = np.asarray(ONE_HOT[:3]), tensor_on(LOGITS[:3])
    assert again(y, p).item() == losses.CategoricalFocalCrossentropy(**kwargs)(y, p).item()


@pytest.mark.parametrize("alpha", [[0.2, 0.3, 0.5], (0.1, 0.7, 0.2), np.array([0.2, 0.3, 0.5]), [1, 0.3, 2]])
def test_config_keeps_the_alpha_given_as_keras(alpha):
    """Keras 3 stores the user's alpha (0.2), not its float32 rounding (0.20000000298023224, found by a tester);
    the loss still computes with float32 weights, as Keras' tensors."""
    keras = keras_on_torch(KERAS)
    ours = losses.CategoricalFocalCrossentropy(alpha=alpha)
    theirs = keras.losses.CategoricalFocalCrossentropy(alpha=alpha)
    assert ours.get_config()["alpha"] == list(theirs.get_config()["alpha"])
    if not isinstance(alpha, np.ndarray):
        assert ours.get_config()["alpha"] == list(alpha)
    again = losses.get({"class_name": "CategoricalFocalCrossentropy", "config": ours.get_config()})
    assert again.get_config() == ours.get_config()
    y, p = np.asarray(ONE_HOT[:3]), np.asarray(LOGITS[:3])
    expected = _keras(y, p, "float32", fn=lambda keras: keras.losses.CategoricalFocalCrossentropy(alpha=alpha))
    np.testing.assert_allclose(again(y.astype("float32"), tensor_on(p, dtype="float32")).item(), expected[0],
                               **TOL["float32"])


def test_functions_exported_as_metrics_too():
    """Keras exports the function from keras.metrics as well; a metric of it is its batch mean."""
    assert metrics.categorical_focal_crossentropy is losses.categorical_focal_crossentropy
    m = metrics.MeanMetricWrapper(metrics.categorical_focal_crossentropy)
    m.update_state([[0.0, 1.0]], [[0.2, 0.8]])
    m.update_state([[0.0, 1.0]], [[0.0, 1.0]])
    assert m.result() == pytest.approx((0.25 * 0.04 * -math.log(0.8) + 0.25 * 1e-14 * -math.log1p(-1e-7)) / 2)


@pytest.mark.parametrize("loss", ["categorical_focal_crossentropy", "CategoricalFocalCrossentropy"])
def test_compile_by_name_trains_one_sgd_step_as_keras(loss):
    """One full-batch SGD step of a softmax classifier: the loss reported and the new weights, against Keras' loss
    and torch's autograd through it."""
    keras = keras_on_torch(KERAS)
    import torch

    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((6, 4)), np.eye(3)[rng.integers(0, 3, 6)]
    model = models.Sequential([layers.Dense(3, activation="softmax", dtype="float64")])
    model.compile(SGD(learning_rate=0.5), loss=loss)
    model.build((None, 4))
    kernel, bias = model.get_weights()
    z = torch.tensor(x @ kernel + bias, requires_grad=True)
    expected = keras.losses.CategoricalFocalCrossentropy()(torch.tensor(y), torch.softmax(z, dim=-1))
    expected.backward()
    history = model.fit(x, y, batch_size=6, epochs=1, shuffle=False, verbose=0)
    assert history.history["loss"] == pytest.approx([expected.item()], rel=1e-6)
    grad = z.grad.numpy()
    np.testing.assert_allclose(model.get_weights()[0], kernel - 0.5 * x.T @ grad, rtol=1e-5, atol=1e-9)
    np.testing.assert_allclose(model.get_weights()[1], bias - 0.5 * grad.sum(axis=0), rtol=1e-5, atol=1e-9)


@pytest.mark.parametrize("kwargs, error, words", [
    ({"alpha": -0.1}, ValueError, "alpha=-0.1"),
    ({"alpha": math.inf}, ValueError, "alpha=inf"),
    ({"alpha": "0.25"}, ValueError, "alpha='0.25'"),
    ({"alpha": []}, ValueError, "alpha=[]"),
    ({"alpha": [0.5, math.nan]}, ValueError, "element nan"),
    ({"alpha": [[0.5, 1.0]]}, ValueError, "alpha=[[0.5, 1.0]]"),
    ({"gamma": -1.0}, ValueError, "gamma=-1.0"),
    ({"gamma": math.nan}, ValueError, "gamma=nan"),
    ({"label_smoothing": 1.5}, ValueError, "label_smoothing=1.5"),
    ({"from_logits": "yes"}, TypeError, "from_logits"),
    ({"axis": 1.0}, TypeError, "axis"),
    ({"axis": None}, TypeError, "axis"),
    ({"reduction": "avg"}, ValueError, "reduction='avg'"),
])
def test_bad_arguments_are_refused_when_the_loss_is_made(kwargs, error, words):
    with pytest.raises(error, match=words.replace("[", r"\[").replace("]", r"\]")):
        losses.CategoricalFocalCrossentropy(**kwargs)
    if "reduction" not in kwargs:
        with pytest.raises(error, match=words.replace("[", r"\[").replace("]", r"\]")):
            losses.categorical_focal_crossentropy([[0.0, 1.0]], [[0.5, 0.5]], **kwargs)


def test_bad_shapes_axis_and_alpha_length_are_refused_when_called():
    with pytest.raises(ValueError, match=r"y_true.shape=\(2, 3\), y_pred.shape=\(2, 2\)"):
        losses.categorical_focal_crossentropy(np.zeros((2, 3)), np.full((2, 2), 0.5))
    with pytest.raises(ValueError, match="same shape"):
        losses.categorical_focal_crossentropy(1.0, 1.0)
    with pytest.raises(ValueError, match="axis"):
        losses.categorical_focal_crossentropy([[0.0, 1.0]], [[0.5, 0.5]], axis=2)
    with pytest.raises(ValueError, match=r"alpha`: 3 weights for 2 classes"):
        losses.CategoricalFocalCrossentropy(alpha=[1.0, 2.0, 3.0])([[0.0, 1.0]], tensor_on([[0.5, 0.5]]))
