"""Keras 3's ``dtype`` argument of the loss classes (found by a tester: ``BinaryCrossentropy(dtype="float64")``, fine
in Keras, was Python's "unexpected keyword argument"). Here it casts the predictions and float targets first, and
the loss is computed and returned in it; ``None`` keeps the predictions' dtype (float16 in float32). Keras 3.15 on
torch returns float32 whatever ``dtype`` says (measured), so float32 is compared with its values and float64 with
float64 loops written from the formulas."""
import numpy as np
import pytest
from helpers import keras_on_torch

import tinygradconv as tg
from tinygradconv import losses

KERAS = "Keras 3 on torch is the reference of the float32 values"
RNG = np.random.default_rng(4)
Y = RNG.uniform(0.05, 0.95, (4, 3))
P = RNG.uniform(0.05, 0.95, (4, 3))


def _by_hand(name, y, p):
    """float64 per-sample losses from the formulas, averaged over the batch (sum_over_batch_size)."""
    if name == "MeanSquaredError":
        per = ((y - p) ** 2).mean(axis=-1)
    elif name == "MeanAbsoluteError":
        per = np.abs(y - p).mean(axis=-1)
    elif name == "LogCosh":
        per = np.log(np.cosh(p - y)).mean(axis=-1)
    else:                                   # BinaryCrossentropy
        per = -(y * np.log(p) + (1 - y) * np.log(1 - p)).mean(axis=-1)
    return per.mean()


NAMES = ["MeanSquaredError", "MeanAbsoluteError", "LogCosh", "BinaryCrossentropy"]


@pytest.mark.parametrize("name", NAMES)
def test_dtype_float64_computes_float32_inputs_in_float64(name):
    loss = getattr(losses, name)(dtype="float64")
    got = loss(Y.astype(np.float32), tg.tensor(P.astype(np.float32)))
    assert str(got.dtype) == "float64"
    expected = _by_hand(name, Y.astype(np.float32).astype(np.float64), P.astype(np.float32).astype(np.float64))
    np.testing.assert_allclose(got.item(), expected, rtol=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_dtype_float32_matches_keras_float32_values_on_float64_inputs(name):
    keras = keras_on_torch(KERAS)
    import torch

    got = getattr(losses, name)(dtype="float32")(Y, tg.tensor(P, dtype="float64"))
    theirs = getattr(keras.losses, name)(dtype="float32")(torch.tensor(Y), torch.tensor(P))
    assert str(got.dtype) == "float32" and theirs.dtype == torch.float32
    np.testing.assert_allclose(got.item(), theirs.item(), rtol=2e-6)


def test_dtype_keeps_the_gradient_and_integer_labels_and_stays_out_of_the_config():
    p = tg.tensor(np.array([[0.2, 0.7, 0.1]]), dtype="float32", requires_grad=True)
    loss = losses.SparseCategoricalCrossentropy(dtype="float64")
    value = loss(np.array([1]), p)
    assert str(value.dtype) == "float64"
    np.testing.assert_allclose(value.item(), -np.log(np.float32(0.7) / np.float32(1.0)), rtol=1e-7)
    value.backward()
    assert str(p.grad.dtype) == "float32" and p.grad.numpy()[0, 1] < 0
    assert "dtype" not in loss.get_config()                         # as Keras' config
    assert str(losses.MeanSquaredError()(np.ones((2, 2)), tg.tensor(np.zeros((2, 2)), dtype="float16")).dtype) == \
        "float32"                                                   # None: float16 computed in float32, as before


@pytest.mark.parametrize("bad, error", [("int32", ValueError), ("float8", ValueError), (3, ValueError)])
def test_a_dtype_that_is_not_a_float_type_is_refused_by_name(bad, error):
    with pytest.raises(error, match=r"`dtype`.*Received dtype="):
        losses.MeanSquaredError(dtype=bad)


def test_dtype_takes_targets_of_any_library_and_leaves_class_labels_unrounded():
    """Found by a reviewer: a torch tensor of targets raised "Cannot interpret 'torch.float32' as a data type", and
    with dtype="float16" the sparse loss rounded the labels 1.0004 and 2049 to whole classes (2049 to 2048) before
    the checks that refuse them."""
    torch = pytest.importorskip("torch", reason="torch tensors as targets")
    probs = np.array([[0.2, 0.8], [0.6, 0.4]])
    got = losses.MeanSquaredError(dtype="float64")(torch.tensor([1.0, 2.0]), np.array([1.5, 2.0], np.float32))
    assert got.item() == 0.125
    sparse = losses.SparseCategoricalCrossentropy(dtype="float16")
    np.testing.assert_allclose(sparse(torch.tensor([1, 0]), probs).item(), -(np.log(0.8) + np.log(0.6)) / 2,
                               rtol=1e-3)
    with pytest.raises(ValueError, match=r"whole numbers .*Received the label 1\.0004"):
        sparse(np.array([1.0004, 1.0]), probs)
    with pytest.raises(ValueError, match=r"labels must be in \[0, 2\)\. Received labels from 1 to 2049"):
        sparse(np.array([2049.0, 1.0]), probs)
