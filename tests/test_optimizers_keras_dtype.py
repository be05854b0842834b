"""The Adam family's scalars (learning rate, step count, betas, bias correction, Nadam's running product) are
computed in the variable's dtype, as Keras 3 computes them. A tester found float16 Adam 50 % off Keras at the first
step where ``v`` had underflowed to 0 (the step is then ``m * alpha / epsilon``, and ``alpha`` in float64 differs
from Keras' float16 one by a rounding). Reference: Keras 3 on torch, the optimizer alone, the same gradients."""
import numpy as np
import pytest
from helpers import keras_on_torch

import tinygradconv as tg
from tinygradconv import optimizers

FAMILY = [("Adam", {}), ("Adam", {"amsgrad": True}), ("AdamW", {"weight_decay": 0.05}), ("Adamax", {}),
          ("Nadam", {})]


def gradients(dtype, steps=8, size=12, seed=0):
    """Per step, gradients whose squares underflow in float16 (|g| near 1e-4: g * g = 1e-8 is below float16's
    smallest subnormal, 6e-8), beside ordinary ones and zeros."""
    rng = np.random.default_rng(seed)
    scale = np.array([1e-4] * 4 + [1.0] * 6 + [0.0] * 2)
    return [(rng.standard_normal(size) * scale).astype(dtype) for _ in range(steps)]


@pytest.mark.parametrize("dtype", ["float16", "float32"])
@pytest.mark.parametrize("name, options", FAMILY, ids=[f"{n}{'-' if o else ''}{'-'.join(o)}" for n, o in FAMILY])
def test_adam_family_steps_follow_keras_in_the_variables_dtype(name, options, dtype):
    keras = keras_on_torch("Keras 3 is the reference for the optimizers' rounding")
    import torch

    start = np.random.default_rng(1).standard_normal(12).astype(dtype) * 0.5
    ours, theirs = tg.tensor(start.copy(), dtype=dtype), keras.Variable(start.copy(), dtype=dtype)
    our_optimizer = getattr(optimizers, name)(0.01, **options)
    keras_optimizer = getattr(keras.optimizers, name)(0.01, **options)
    for step, g in enumerate(gradients(dtype)):
        our_optimizer.apply([tg.tensor(g, dtype=dtype)], [ours])
        keras_optimizer.apply([torch.from_numpy(g.copy())], [theirs])
        mine, reference = ours.numpy(), keras.ops.convert_to_numpy(theirs)
        if dtype == "float16":      # the same roundings, so the same numbers
            np.testing.assert_array_equal(mine, reference, err_msg=f"step {step + 1}")
        else:                       # torch's fused multiply-adds round differently: a few float32 spacings
            np.testing.assert_allclose(mine, reference, rtol=4 * np.finfo(np.float32).eps, atol=0,
                                       err_msg=f"step {step + 1}")


def test_the_first_adam_step_is_keras_float32_rounding_not_the_float64_formula():
    """By hand, in float32 as Keras: after one step with g = 1 the moments are m = 1 - b1 and v = 1 - b2 (the
    factors 1 - b taken in float64, as Keras' foreach updates take them, then rounded to float32), and the bias
    correction alpha = lr * sqrt(1 - b2^t) / (1 - b1^t) is computed from float32 betas, so the weight is 0.900001,
    where the float64 formula gives 0.9000000 to 7 digits."""
    w = tg.tensor([1.0])
    optimizers.Adam(0.1).apply([tg.tensor([1.0])], [w])
    f = np.float32
    alpha = f(0.1) * np.sqrt(f(1) - f(0.999)) / (f(1) - f(0.9))
    m, v = f(1 - 0.9), f(1 - 0.999)
    by_hand = f(1) - (m * alpha) / (np.sqrt(v) + f(1e-7))
    in_float64 = 1 - 0.1 * np.sqrt(0.001) / 0.1 * 0.1 / (np.sqrt(0.001) + 1e-7)
    assert w.item() == float(by_hand) and abs(w.item() - in_float64) > 5e-7
