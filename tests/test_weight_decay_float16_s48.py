"""Decoupled weight decay on float16 weights, as Keras 3 on torch (found by a tester, session 48).

Keras on torch multiplies the weights by ``1 - weight_decay * lr`` built as a float32 scalar (its learning rate is
a float32 variable) with ``torch._foreach_mul_``, which computes a float16 tensor times a float32 scalar in float32
and rounds the product once. Ours rounded the factor to float16 first: ``-0.2156`` with ``weight_decay=0.004`` and
``lr=0.5`` became ``-0.2152099609375`` where Keras gives ``-0.215087890625`` (exactly ``-0.21514502...``)."""
import numpy as np
import pytest
from helpers import keras_on_torch

import tinygradconv as tg
from tinygradconv import optimizers

NAMES = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "Nadam", "Lion", "Lamb", "Ftrl",
         "Adafactor"]


def _decayed_by_hand(weight, weight_decay, lr):
    """The float32 factor ``1 - f32(wd) * f32(lr)``, the float16 weight times it computed exactly (float64 holds
    the product of a float16 and a float32 number exactly) and rounded once to float16."""
    factor = np.float32(1) - np.float32(weight_decay) * np.float32(lr)
    return (weight.astype(np.float64) * np.float64(factor)).astype(np.float16)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW"])
def test_the_testers_float16_weight_is_decayed_with_one_rounding(name):
    weight = np.array([-0.2156, 3.0], np.float16)
    w = tg.tensor(weight.copy(), requires_grad=True)
    getattr(optimizers, name)(0.5, weight_decay=0.004).apply_gradients([(np.zeros(2, np.float16), w)])
    assert w.numpy().dtype == np.float16
    assert w.numpy().tolist() == [-0.215087890625, 2.994140625]
    np.testing.assert_array_equal(w.numpy(), _decayed_by_hand(weight, 0.004, 0.5))


def test_float16_weight_decay_matches_the_exact_product_rounded_once_on_random_weights():
    rng = np.random.default_rng(48)
    for _ in range(20):
        weight = (rng.standard_normal(200) * 4).astype(np.float16)
        lr, wd = float(rng.uniform(0.01, 1)), float(rng.uniform(1e-4, 0.05))
        w = tg.tensor(weight.copy(), requires_grad=True)
        optimizers.SGD(lr, weight_decay=wd).apply_gradients([(np.zeros(200, np.float16), w)])
        np.testing.assert_array_equal(w.numpy(), _decayed_by_hand(weight, wd, lr))


@pytest.mark.parametrize("dtype", ["float16", "float32"])
@pytest.mark.parametrize("name", NAMES)
def test_weight_decay_on_a_zero_gradient_matches_keras_on_torch(name, dtype):
    """One step on a zero gradient (the update is the decay alone, every optimizer here moves a weight by 0 for a
    zero gradient on its first step) against Keras 3.15 on torch, bit for bit, on random weights and rates."""
    keras = keras_on_torch("Keras 3 on torch is the reference for the weight decay step")
    import torch

    rng = np.random.default_rng(7)
    for _ in range(5):
        weight = (rng.standard_normal(64) * 3).astype(dtype)
        lr, wd = float(rng.uniform(0.01, 1)), float(rng.uniform(1e-4, 0.05))
        ours = tg.tensor(weight.copy(), requires_grad=True)
        getattr(optimizers, name)(lr, weight_decay=wd).apply_gradients([(np.zeros(64, dtype), ours)])
        theirs = keras.Variable(weight.copy(), dtype=dtype)
        getattr(keras.optimizers, name)(lr, weight_decay=wd).apply_gradients([(torch.zeros(64, dtype=getattr(
            torch, dtype)), theirs)])
        np.testing.assert_array_equal(ours.numpy(), np.asarray(theirs.numpy()))


def test_an_infinite_float16_weight_stays_infinite_under_decay():
    w = tg.tensor(np.array([np.inf, -np.inf, 65504.0], np.float16), requires_grad=True)
    optimizers.AdamW(0.5, weight_decay=0.004).apply_gradients([(np.zeros(3, np.float16), w)])
    assert w.numpy()[0] == np.inf and w.numpy()[1] == -np.inf
    assert w.numpy()[2] == _decayed_by_hand(np.float16(65504.0), 0.004, 0.5)


def test_float64_weight_decay_keeps_the_float64_factor():
    """float64 weights keep this project's float64 rates (docs/keras_compatibility.md: Keras keeps its learning
    rate in a float32 variable, so its float64 steps differ by about 3e-8 of the weight's scale)."""
    weight = np.array([-0.2156, 3.0, 1.2345678901234])
    w = tg.tensor(weight.copy(), requires_grad=True)
    optimizers.SGD(0.3, weight_decay=0.007).apply_gradients([(np.zeros(3), w)])
    np.testing.assert_array_equal(w.numpy(), weight * (1 - 0.007 * 0.3))
