"""Optimizers against plain-NumPy recurrences written from Keras 3's documented update rules; clipping, weight
decay, schedules and constraints against hand-computed values; convergence on a quadratic."""
import math
import re
import warnings

import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv import optimizers
from tinygradconv.optimizers import schedules


# ------------------------------------------------------------------------------------------------ references
# Each reference takes hyperparameters, the initial weights and a list of gradients; returns the weights after
# every step. Written from the update equations in Keras 3's docstrings and papers, one step at a time.
def ref_sgd(w, grads, lr=0.01, momentum=0.0, nesterov=False):
    out, velocity = [], np.zeros_like(w)
    for g in grads:
        if momentum == 0:
            w = w - lr * g
        else:
            velocity = momentum * velocity - lr * g
            w = w + momentum * velocity - lr * g if nesterov else w + velocity
        out.append(w)
    return out


def ref_rmsprop(w, grads, lr=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False):
    out, ms, mg, mom = [], np.zeros_like(w), np.zeros_like(w), np.zeros_like(w)
    for g in grads:
        ms = rho * ms + (1 - rho) * g**2
        mg = rho * mg + (1 - rho) * g
        denom = ms - mg**2 if centered else ms
        step = lr * g / np.sqrt(denom + epsilon)
        if momentum > 0:
            mom = momentum * mom + step
            step = mom
        w = w - step
        out.append(w)
    return out


def ref_adam(w, grads, lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False):
    out, m, v, vmax = [], np.zeros_like(w), np.zeros_like(w), np.zeros_like(w)
    for t, g in enumerate(grads, start=1):
        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g**2
        vmax = np.maximum(vmax, v)
        lr_t = lr * math.sqrt(1 - beta_2**t) / (1 - beta_1**t)
        w = w - lr_t * m / (np.sqrt(vmax if amsgrad else v) + epsilon)
        out.append(w)
    return out


def ref_adamw(w, grads, lr=0.001, weight_decay=0.004, **adam):
    out = []
    state = {"m": np.zeros_like(w), "v": np.zeros_like(w)}
    b1, b2, eps = adam.get("beta_1", 0.9), adam.get("beta_2", 0.999), adam.get("epsilon", 1e-7)
    for t, g in enumerate(grads, start=1):
        w = w * (1 - lr * weight_decay)  # decoupled decay first
        state["m"] = b1 * state["m"] + (1 - b1) * g
        state["v"] = b2 * state["v"] + (1 - b2) * g**2
        w = w - lr * math.sqrt(1 - b2**t) / (1 - b1**t) * state["m"] / (np.sqrt(state["v"]) + eps)
        out.append(w)
    return out


def ref_adagrad(w, grads, lr=0.001, initial_accumulator_value=0.1, epsilon=1e-7):
    out, acc = [], np.full_like(w, initial_accumulator_value)
    for g in grads:
        acc = acc + g**2
        w = w - lr * g / np.sqrt(acc + epsilon)
        out.append(w)
    return out


def ref_adadelta(w, grads, lr=0.001, rho=0.95, epsilon=1e-7):
    out, eg2, edx2 = [], np.zeros_like(w), np.zeros_like(w)
    for g in grads:
        eg2 = rho * eg2 + (1 - rho) * g**2
        dx = -np.sqrt(edx2 + epsilon) / np.sqrt(eg2 + epsilon) * g
        edx2 = rho * edx2 + (1 - rho) * dx**2
        w = w + lr * dx
        out.append(w)
    return out


def ref_adamax(w, grads, lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    out, m, u = [], np.zeros_like(w), np.zeros_like(w)
    for t, g in enumerate(grads, start=1):
        m = beta_1 * m + (1 - beta_1) * g
        u = np.maximum(beta_2 * u, np.abs(g))
        w = w - lr / (1 - beta_1**t) * m / (u + epsilon)
        out.append(w)
    return out


def ref_nadam(w, grads, lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    def mu(t):  # Dozat's momentum schedule, as used by Keras
        return beta_1 * (1 - 0.5 * 0.96**t)

    out, m, v = [], np.zeros_like(w), np.zeros_like(w)
    for t, g in enumerate(grads, start=1):
        prod_t = np.prod([mu(i) for i in range(1, t + 1)])
        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g**2
        m_hat = mu(t + 1) * m / (1 - prod_t * mu(t + 1)) + (1 - mu(t)) * g / (1 - prod_t)
        v_hat = v / (1 - beta_2**t)
        w = w - lr * m_hat / (np.sqrt(v_hat) + epsilon)
        out.append(w)
    return out


def ref_lion(w, grads, lr=0.001, beta_1=0.9, beta_2=0.99):
    out, m = [], np.zeros_like(w)
    for g in grads:
        w = w - lr * np.sign(beta_1 * m + (1 - beta_1) * g)
        m = beta_2 * m + (1 - beta_2) * g
        out.append(w)
    return out


CASES = [
    (optimizers.SGD, ref_sgd, {}),
    (optimizers.SGD, ref_sgd, {"learning_rate": 0.1, "momentum": 0.9}),
    (optimizers.SGD, ref_sgd, {"learning_rate": 0.1, "momentum": 0.5, "nesterov": True}),
    (optimizers.RMSprop, ref_rmsprop, {}),
    (optimizers.RMSprop, ref_rmsprop, {"learning_rate": 0.01, "rho": 0.8, "momentum": 0.5, "centered": True}),
    (optimizers.RMSprop, ref_rmsprop, {"learning_rate": 0.01, "momentum": 0.3}),
    (optimizers.Adam, ref_adam, {}),
    (optimizers.Adam, ref_adam, {"learning_rate": 0.05, "beta_1": 0.5, "beta_2": 0.7, "amsgrad": True}),
    (optimizers.AdamW, ref_adamw, {"learning_rate": 0.05, "weight_decay": 0.1}),
    (optimizers.AdamW, ref_adamw, {}),
    (optimizers.Adagrad, ref_adagrad, {}),
    (optimizers.Adagrad, ref_adagrad, {"learning_rate": 0.3, "initial_accumulator_value": 0.0, "epsilon": 1e-3}),
    (optimizers.Adadelta, ref_adadelta, {}),
    (optimizers.Adadelta, ref_adadelta, {"learning_rate": 1.0, "rho": 0.5, "epsilon": 1e-3}),
    (optimizers.Adamax, ref_adamax, {}),
    (optimizers.Adamax, ref_adamax, {"learning_rate": 0.1, "beta_1": 0.5, "beta_2": 0.8}),
    (optimizers.Nadam, ref_nadam, {}),
    (optimizers.Nadam, ref_nadam, {"learning_rate": 0.1, "beta_1": 0.8, "beta_2": 0.9}),
    (optimizers.Lion, ref_lion, {}),
    (optimizers.Lion, ref_lion, {"learning_rate": 0.1, "beta_1": 0.5, "beta_2": 0.9}),
]


@pytest.mark.parametrize("cls, reference, kwargs", CASES,
                         ids=[f"{c.__name__}-{i}" for i, (c, _, _) in enumerate(CASES)])
def test_update_rule_matches_reference_over_several_steps(cls, reference, kwargs, backend, rng):
    shapes = [(3, 2), (4,)]
    inits = [rng.standard_normal(s) for s in shapes]
    grads = [[rng.standard_normal(s) for _ in range(6)] for s in shapes]
    variables = [tg.Tensor(w, dtype="float64", backend=backend, requires_grad=True) for w in inits]
    opt = cls(**kwargs)
    ref_kwargs = {("lr" if k == "learning_rate" else k): v for k, v in kwargs.items()}
    expected = [reference(w, gs, **ref_kwargs) for w, gs in zip(inits, grads)]
    for step in range(6):
        opt.apply([tg.Tensor(gs[step], dtype="float64", backend=backend) for gs in grads], variables)
        for v, exp in zip(variables, expected):
            np.testing.assert_allclose(v.numpy(), exp[step], rtol=1e-10, atol=1e-12)
    assert opt.iterations == 6


def test_float32_variables_keep_dtype_and_backend(backend):
    w = tg.Tensor([1.0, -1.0], backend=backend, requires_grad=True)
    opt = optimizers.Adam(learning_rate=0.1, amsgrad=True)
    for _ in range(3):
        opt.apply([np.array([0.5, 2.0])], [w])  # a NumPy gradient for any backend
    assert tg.backend.dtype_name(w.dtype) == "float32" and w.backend.name == backend
    np.testing.assert_allclose(w.numpy(), ref_adam(np.array([1.0, -1.0]), [np.array([0.5, 2.0])] * 3,
                                                   lr=0.1, amsgrad=True)[-1], rtol=1e-5)
    assert all(tg.backend.dtype_name(a.dtype) == "float32" for a in opt.state_of(w).values())


# ------------------------------------------------------------------------------------------------ clipping etc.
def _sgd_step(backend, grads, inits, **kwargs):
    variables = [tg.Tensor(w, dtype="float64", backend=backend) for w in inits]
    optimizers.SGD(learning_rate=1.0, **kwargs).apply([np.asarray(g, dtype=float) for g in grads], variables)
    return [v.numpy() for v in variables]


def test_clipnorm_rescales_each_gradient(backend):
    # |(3, 4)| = 5 -> (0.6, 0.8); |(0.3)| = 0.3 < 1 is left alone.
    a, b = _sgd_step(backend, [[3.0, 4.0], [0.3]], [[0.0, 0.0], [0.0]], clipnorm=1.0)
    np.testing.assert_allclose(a, [-0.6, -0.8])
    np.testing.assert_allclose(b, [-0.3])


def test_global_clipnorm_scales_all_gradients_together(backend):
    # global norm sqrt(9 + 16 + 144) = 13; clip to 2.6 -> factor 0.2
    a, b = _sgd_step(backend, [[3.0, 4.0], [12.0]], [[0.0, 0.0], [0.0]], global_clipnorm=2.6)
    np.testing.assert_allclose(a, [-0.6, -0.8])
    np.testing.assert_allclose(b, [-2.4])
    a, b = _sgd_step(backend, [[3.0, 4.0], [12.0]], [[0.0, 0.0], [0.0]], global_clipnorm=20.0)  # no change
    np.testing.assert_allclose(a, [-3.0, -4.0])


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "Nadam",
                                  "Lion", "Ftrl", "Lamb", "Adafactor", "Muon", "ScheduleFreeAdamW"])
@pytest.mark.parametrize("clip", [{}, {"clipnorm": 1.0}, {"global_clipnorm": 1.0}, {"clipvalue": 1.0}])
def test_an_infinite_gradient_updates_silently(name, clip, backend):
    """An inf gradient prints no NumPy RuntimeWarning, whatever the optimizer and clipping (found by a tester: the
    norms' inf / inf warned), as Keras on torch prints none. SGD's results by hand: 1 - 0.1 inf = -inf; clipped to
    1 first, 1 - 0.1 = 0.9; by its norm, inf / inf = NaN and 1 / inf = 0; by the global norm (Keras adds
    norm - norm to the scale) NaN for both."""
    w = tg.Tensor([1.0, 2.0], dtype="float64", backend=backend)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        getattr(optimizers, name)(learning_rate=0.1, **clip).apply([np.array([np.inf, 1.0])], [w])
    if name == "SGD":
        expected = {"clipvalue": [0.9, 1.9], "clipnorm": [np.nan, 2.0], "global_clipnorm": [np.nan, np.nan]}
        np.testing.assert_allclose(w.numpy(), expected.get(next(iter(clip), None), [-np.inf, 1.9]))



def test_a_gradient_beyond_float16_becomes_inf_silently():
    """A float32 gradient of 70000 for a float16 variable is cast to inf (float16's largest is 65504) with no NumPy
    RuntimeWarning (found by a tester), as Tensor.astype; by hand: 1 - 0.1 * 1 = 0.9 (in float16), 2 - 0.1 inf."""
    w = tg.tensor([1.0, 2.0], dtype="float16")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        optimizers.SGD(learning_rate=0.1).apply([tg.tensor([1.0, 70000.0])], [w])
    assert w.dtype == np.float16
    np.testing.assert_array_equal(w.numpy(), np.array([np.float16(1.0) - np.float16(0.1), -np.inf], np.float16))

def test_clipvalue_clips_elementwise(backend):
    (a,) = _sgd_step(backend, [[3.0, -0.2, -7.0]], [[0.0, 0.0, 0.0]], clipvalue=0.5)
    np.testing.assert_allclose(a, [-0.5, 0.2, 0.5])


def test_weight_decay_is_decoupled_and_applied_after_clipping(backend):
    # w = 2, g = 3 clipped to 0.5, lr = 0.1, wd = 0.5: w <- 2 - 2 * 0.5 * 0.1 = 1.9, then 1.9 - 0.1 * 0.5 = 1.85
    w = tg.Tensor([2.0], dtype="float64", backend=backend)
    optimizers.SGD(learning_rate=0.1, weight_decay=0.5, clipvalue=0.5).apply([np.array([3.0])], [w])
    np.testing.assert_allclose(w.numpy(), [1.85])


@pytest.mark.parametrize("copier", ["deepcopy", "pickle"])
def test_a_copied_optimizer_goes_on_with_the_copied_variables(backend, copier):
    """A model copied with its optimizer (``copy.deepcopy`` or ``pickle``, as PyTorch users copy models) trains on:
    the copy's Adam moments and weight-decay exclusions belong to the copied variables (they were keyed by the ids
    of the original ones, and the copy refused its own variables as unknown)."""
    import copy
    import pickle

    def duplicate(obj):
        return copy.deepcopy(obj) if copier == "deepcopy" else pickle.loads(pickle.dumps(obj))

    w0, g1, g2 = np.array([1.0, -2.0]), np.array([0.5, 0.25]), np.array([-1.0, 2.0])
    w = tg.Tensor(w0, dtype="float64", backend=backend)
    opt = optimizers.Adam(learning_rate=0.1)
    opt.apply([g1], [w])
    w_copy, opt_copy = duplicate((w, opt))
    opt_copy.apply([g2], [w_copy])
    np.testing.assert_allclose(w_copy.numpy(), ref_adam(w0, [g1, g2], lr=0.1)[-1], rtol=1e-12)
    np.testing.assert_allclose(w.numpy(), ref_adam(w0, [g1], lr=0.1)[-1], rtol=1e-12)   # the original untouched
    assert opt_copy.iterations == 2 and opt.iterations == 1

    kept, decayed = (tg.Tensor([1.0], dtype="float64", backend=backend) for _ in range(2))
    sgd = optimizers.SGD(learning_rate=0.5, weight_decay=0.2)
    sgd.exclude_from_weight_decay(var_list=[kept])
    kept_copy, decayed_copy, sgd_copy = duplicate((kept, decayed, sgd))
    sgd_copy.apply([np.zeros(1)] * 2, [kept_copy, decayed_copy])
    assert (kept_copy.item(), decayed_copy.item()) == (1.0, 0.9)          # w * (1 - 0.2 * 0.5) for the other only


def test_exclude_from_weight_decay_by_name_and_variable(backend):
    w = tg.Tensor([1.0], dtype="float64", backend=backend)
    b = tg.Tensor([1.0], dtype="float64", backend=backend)
    c = tg.Tensor([1.0], dtype="float64", backend=backend)
    b.name = "dense/bias"
    opt = optimizers.SGD(learning_rate=0.5, weight_decay=0.2)
    opt.exclude_from_weight_decay(var_list=[c], var_names=["bias"])
    opt.apply([np.zeros(1)] * 3, [w, b, c])
    np.testing.assert_allclose([w.item(), b.item(), c.item()], [0.9, 1.0, 1.0])


def test_constraint_is_applied_after_the_update(backend):
    seen = []

    def non_negative(t):
        seen.append(t.numpy().copy())
        return t.relu()

    w = tg.Tensor([0.5, -0.5, 2.0], dtype="float64", backend=backend, requires_grad=True)
    w.constraint = non_negative
    optimizers.SGD(learning_rate=1.0).apply([np.array([1.0, -1.0, 1.0])], [w])
    np.testing.assert_allclose(seen[0], [-0.5, 0.5, 1.0])  # the constraint saw the updated value
    np.testing.assert_allclose(w.numpy(), [0.0, 0.5, 1.0])
    assert w.requires_grad and w.is_leaf


def test_schedule_is_evaluated_at_the_iteration_count(backend):
    lr = schedules.PiecewiseConstantDecay([0, 1], [1.0, 0.5, 0.25])
    opt = optimizers.SGD(learning_rate=lr)
    w = tg.Tensor([0.0], dtype="float64", backend=backend)
    values = []
    for _ in range(4):
        values.append(opt.learning_rate)
        opt.apply([np.array([1.0])], [w])
    assert values == [1.0, 0.5, 0.25, 0.25]
    np.testing.assert_allclose(w.numpy(), [-2.0])


def test_learning_rate_setter():
    opt = optimizers.Adam()
    opt.learning_rate = 0.5
    assert opt.learning_rate == 0.5
    with pytest.raises(ValueError, match="learning_rate=-1"):
        opt.learning_rate = -1
    scheduled = optimizers.SGD(learning_rate=schedules.ExponentialDecay(0.1, 10, 0.5))
    with pytest.raises(TypeError, match="not settable"):
        scheduled.learning_rate = 0.3


def test_learning_rate_assign_works_as_in_keras_code(backend):
    """Keras code changes the rate with ``optimizer.learning_rate.assign(...)``: by hand, SGD steps ``w -= lr * g``."""
    opt = optimizers.SGD(learning_rate=0.5)
    w = tg.Tensor([1.0], dtype="float64", backend=backend)
    opt.apply([np.array([1.0])], [w])                       # 1 - 0.5
    opt.learning_rate.assign(0.125)
    assert opt.learning_rate == 0.125 and float(opt.learning_rate) == 0.125
    opt.apply([np.array([1.0])], [w])                       # 0.5 - 0.125
    assert w.item() == 0.375
    assert opt.learning_rate.numpy().shape == () and float(opt.learning_rate.numpy()) == 0.125
    assert opt.get_config()["learning_rate"] == 0.125
    with pytest.raises(ValueError, match="learning_rate=-1"):
        opt.learning_rate.assign(-1)
    scheduled = optimizers.SGD(learning_rate=schedules.ExponentialDecay(0.1, 10, 0.5))
    with pytest.raises(TypeError, match="not settable"):
        scheduled.learning_rate.assign(0.3)


def test_learning_rate_assign_mid_training_matches_keras():
    from helpers import keras_on_torch

    keras = keras_on_torch("Keras 3 is the reference for the optimizers' steps")
    grads = [np.array([0.3, -2.0], dtype=np.float32), np.array([1.5, 0.25], dtype=np.float32)]
    theirs_w = keras.Variable(np.array([1.0, -1.0], dtype=np.float32))
    theirs = keras.optimizers.Adam(learning_rate=0.1)
    ours_w = tg.tensor(np.array([1.0, -1.0], dtype=np.float32))
    ours = optimizers.Adam(learning_rate=0.1)
    for step, g in enumerate(grads * 2):
        if step == 2:
            theirs.learning_rate.assign(0.01)
            ours.learning_rate.assign(0.01)
        theirs.apply_gradients([(keras.ops.convert_to_tensor(g), theirs_w)])
        ours.apply([g], [ours_w])
    # Keras computes Adam's scalars (lr, beta powers) in float32, we in float64: a few float32 spacings apart
    # after 4 steps; without the assign the weights would differ by 0.07.
    np.testing.assert_allclose(ours_w.numpy(), keras.ops.convert_to_numpy(theirs_w), rtol=5e-6)
    assert ours.learning_rate == 0.01 and float(theirs.learning_rate.numpy()) == np.float32(0.01)


# ------------------------------------------------------------------------------------------------ interface
def test_step_reads_grad_and_zero_grad_clears_it(backend):
    w = tg.Tensor([1.0, 2.0], dtype="float64", backend=backend, requires_grad=True)
    opt = optimizers.SGD(learning_rate=0.25)
    ((w * w).sum()).backward()
    opt.step([w])
    np.testing.assert_allclose(w.numpy(), [0.5, 1.0])  # w - 0.25 * 2w
    opt.zero_grad([w])
    assert w.grad is None


def test_apply_gradients_with_pairs_and_missing_gradients(backend):
    a = tg.Tensor([1.0], dtype="float64", backend=backend)
    b = tg.Tensor([1.0], dtype="float64", backend=backend)
    b.name = "frozen"
    opt = optimizers.SGD(learning_rate=1.0)
    with pytest.warns(UserWarning, match="frozen"):
        opt.apply_gradients(zip([tg.Tensor([0.5], dtype="float64", backend=backend), None], [a, b]))
    assert (a.item(), b.item()) == (0.5, 1.0)
    with pytest.raises(ValueError, match="No gradients provided"):
        opt.apply([None], [a])


def test_gradient_shape_mismatch_and_length_mismatch():
    w = tg.tensor([1.0, 2.0])
    opt = optimizers.SGD()
    with pytest.raises(ValueError, match=r"shape \(3,\).*shape \(2,\)"):
        opt.apply([np.ones(3)], [w])
    with pytest.raises(ValueError, match="2 gradients for 1 variables"):
        opt.apply([np.ones(2), np.ones(2)], [w])


@pytest.mark.parametrize("cls, kwargs, argument", [
    (optimizers.SGD, {"learning_rate": -0.1}, "learning_rate"),
    (optimizers.SGD, {"momentum": -0.5}, "momentum"),
    (optimizers.SGD, {"momentum": 1.5}, "momentum"),
    (optimizers.RMSprop, {"rho": 1.0}, "rho"),
    (optimizers.RMSprop, {"rho": -0.1}, "rho"),
    (optimizers.RMSprop, {"epsilon": -1e-7}, "epsilon"),
    (optimizers.Adam, {"beta_1": 1.0}, "beta_1"),
    (optimizers.Adam, {"beta_2": -0.1}, "beta_2"),
    (optimizers.Adam, {"clipnorm": -1.0}, "clipnorm"),
    (optimizers.Adam, {"clipvalue": -1.0}, "clipvalue"),
    (optimizers.Adam, {"global_clipnorm": -0.5}, "global_clipnorm"),
    (optimizers.Adam, {"weight_decay": -0.1}, "weight_decay"),
    (optimizers.Adagrad, {"initial_accumulator_value": -1.0}, "initial_accumulator_value"),
    (optimizers.Adadelta, {"rho": 2.0}, "rho"),
    (optimizers.Adamax, {"beta_2": 1.0}, "beta_2"),
    (optimizers.Nadam, {"epsilon": -1.0}, "epsilon"),
    (optimizers.Lion, {"beta_1": 0.0}, "beta_1"),
    (optimizers.AdamW, {"weight_decay": None}, "weight_decay"),
])
def test_invalid_hyperparameters_raise_value_error_naming_the_argument(cls, kwargs, argument):
    value = next(iter(kwargs.values()))
    with pytest.raises(ValueError, match=rf"`{argument}`.*{argument}={value}"):
        cls(**kwargs)


def test_clip_arguments_are_exclusive_and_types_are_checked():
    with pytest.raises(ValueError, match="Only one of `clipnorm`, `clipvalue` and `global_clipnorm`"):
        optimizers.SGD(clipnorm=1.0, global_clipnorm=1.0)
    with pytest.raises(ValueError, match="Only one of"):
        optimizers.SGD(clipnorm=1.0, clipvalue=1.0)
    with pytest.raises(TypeError, match="momentum='high'"):
        optimizers.SGD(momentum="high")


# ------------------------------------------------------------------------------------------------ lookup and config
@pytest.mark.parametrize("name, cls", [("adam", optimizers.Adam), ("SGD", optimizers.SGD), ("sgd", optimizers.SGD),
                                       ("RMSprop", optimizers.RMSprop), ("rmsprop", optimizers.RMSprop),
                                       ("AdamW", optimizers.AdamW), ("ADAGRAD", optimizers.Adagrad),
                                       ("adadelta", optimizers.Adadelta), ("adamax", optimizers.Adamax),
                                       ("Nadam", optimizers.Nadam), ("lion", optimizers.Lion)])
def test_get_by_name_is_case_insensitive(name, cls):
    assert type(optimizers.get(name)) is cls


def test_get_instance_dict_and_errors():
    opt = optimizers.Adam(learning_rate=0.3)
    assert optimizers.get(opt) is opt
    built = optimizers.get({"class_name": "SGD", "config": {"learning_rate": 0.5, "momentum": 0.9}})
    assert (type(built), built.learning_rate, built.momentum) == (optimizers.SGD, 0.5, 0.9)
    with pytest.raises(ValueError, match=r"Unknown optimizer: 'adamm'.*'adam'.*'sgd'"):
        optimizers.get("adamm")
    with pytest.raises(ValueError, match="Could not interpret"):
        optimizers.get(3)


@pytest.mark.parametrize("cls", [optimizers.SGD, optimizers.RMSprop, optimizers.Adam, optimizers.AdamW,
                                 optimizers.Adagrad, optimizers.Adadelta, optimizers.Adamax, optimizers.Nadam,
                                 optimizers.Lion, optimizers.Ftrl, optimizers.Lamb, optimizers.Adafactor,
                                 optimizers.Muon, optimizers.ScheduleFreeAdamW])
def test_config_round_trip(cls):
    opt = cls(learning_rate=schedules.CosineDecay(0.1, 100, alpha=0.1), clipnorm=2.0)
    config = opt.get_config()
    clone = cls.from_config(config)
    assert clone.get_config() == config
    assert isinstance(clone._learning_rate, schedules.CosineDecay)
    assert optimizers.deserialize(optimizers.serialize(opt)).get_config() == config


# ------------------------------------------------------------------------------------------------ convergence
@pytest.mark.parametrize("name, kwargs, tolerance", [
    ("sgd", {"learning_rate": 0.1, "momentum": 0.9}, 1e-3),
    ("sgd", {"learning_rate": 0.1, "momentum": 0.9, "nesterov": True}, 1e-3),
    ("rmsprop", {"learning_rate": 0.01}, 2e-2),
    ("adam", {"learning_rate": 0.1}, 1e-2),
    ("adamw", {"learning_rate": 0.1, "weight_decay": 1e-4}, 1e-2),
    ("adagrad", {"learning_rate": 0.5}, 1e-2),
    ("adadelta", {"learning_rate": 1.0, "epsilon": 1e-4}, 5e-2),
    ("adamax", {"learning_rate": 0.1}, 1e-2),
    ("nadam", {"learning_rate": 0.1}, 1e-2),
    ("lion", {"learning_rate": schedules.CosineDecay(0.05, 300)}, 2e-2),  # sign steps: decay the rate
    ("ftrl", {"learning_rate": 0.5}, 1e-2),
    ("lamb", {"learning_rate": schedules.CosineDecay(0.05, 300)}, 2e-2),  # steps of lr * |w|: decay the rate
    ("adafactor", {"learning_rate": schedules.CosineDecay(0.5, 300)}, 2e-2),
])
def test_minimizes_a_quadratic(name, kwargs, tolerance, backend):
    target = np.array([1.0, -2.0, 0.5])
    scales = np.array([1.0, 3.0, 0.5])
    w = tg.Tensor(np.zeros(3), dtype="float64", backend=backend, requires_grad=True)
    t = tg.Tensor(target, dtype="float64", backend=backend)
    s = tg.Tensor(scales, dtype="float64", backend=backend)
    opt = optimizers.get({"class_name": name, "config": kwargs})
    for _ in range(300):
        opt.zero_grad([w])
        (((w - t) * (w - t)) * s).sum().backward()
        opt.step([w])
    np.testing.assert_allclose(w.numpy(), target, atol=tolerance)


# ------------------------------------------------------------------------------------------------ schedules
def test_exponential_and_inverse_time_decay_formulas():
    e = schedules.ExponentialDecay(0.2, decay_steps=4, decay_rate=0.3)
    es = schedules.ExponentialDecay(0.2, decay_steps=4, decay_rate=0.3, staircase=True)
    i = schedules.InverseTimeDecay(0.2, decay_steps=4, decay_rate=0.3)
    is_ = schedules.InverseTimeDecay(0.2, decay_steps=4, decay_rate=0.3, staircase=True)
    for step in [0, 1, 3, 4, 7, 10]:
        assert e(step) == pytest.approx(0.2 * 0.3 ** (step / 4))
        assert es(step) == pytest.approx(0.2 * 0.3 ** (step // 4))
        assert i(step) == pytest.approx(0.2 / (1 + 0.3 * step / 4))
        assert is_(step) == pytest.approx(0.2 / (1 + 0.3 * (step // 4)))


def test_piecewise_constant_decay_boundaries_are_inclusive_on_the_left_interval():
    s = schedules.PiecewiseConstantDecay([3, 6], [1.0, 0.5, 0.1])
    tenth = float(np.float32(0.1))                          # float32 numbers, as Keras 3 returns them
    assert [s(k) for k in range(9)] == [1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, tenth, tenth]
    with pytest.raises(ValueError, match="1 less than the length of values"):
        schedules.PiecewiseConstantDecay([3, 6], [1.0, 0.5])
    with pytest.raises(ValueError, match="strictly increasing"):
        schedules.PiecewiseConstantDecay([6, 3], [1.0, 0.5, 0.1])


def test_cosine_decay_with_and_without_warmup():
    c = schedules.CosineDecay(0.1, decay_steps=10, alpha=0.2)
    for step in [0, 2.5, 5, 10, 15]:
        k = min(step, 10)
        assert c(step) == pytest.approx(0.1 * (0.8 * 0.5 * (1 + math.cos(math.pi * k / 10)) + 0.2))
    w = schedules.CosineDecay(0.0, decay_steps=10, warmup_target=1.0, warmup_steps=4)
    assert [w(k) for k in (0, 1, 2)] == pytest.approx([0.0, 0.25, 0.5])
    assert w(4) == pytest.approx(1.0)
    assert w(9) == pytest.approx(0.5 * (1 + math.cos(math.pi * 5 / 10)))
    assert w(100) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("make", [lambda: schedules.ExponentialDecay(0.1, 0, 0.5),
                                  lambda: schedules.InverseTimeDecay(0.1, -1, 0.5),
                                  lambda: schedules.CosineDecay(0.1, 0)])
def test_schedules_reject_non_positive_decay_steps(make):
    with pytest.raises(ValueError, match=r"`decay_steps`. Expected a number > 0. Received decay_steps="):
        make()


def test_schedule_serialization_round_trip():
    s = schedules.ExponentialDecay(0.1, 5, 0.9, staircase=True)
    again = schedules.deserialize(schedules.serialize(s))
    assert type(again) is schedules.ExponentialDecay and again.get_config() == s.get_config()
    with pytest.raises(ValueError, match="Unknown learning rate schedule"):
        schedules.deserialize({"class_name": "Nope", "config": {}})


def test_no_numpy_warnings_on_zero_gradients_with_global_clipnorm(backend):
    w = tg.Tensor([1.0], dtype="float64", backend=backend)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        optimizers.SGD(global_clipnorm=1.0).apply([np.zeros(1)], [w])
    assert w.item() == 1.0


@pytest.mark.parametrize("name", ["sgd", "rmsprop", "adam", "adagrad", "nadam", "lion", "ftrl", "lamb", "adafactor"])
def test_state_round_trip_resumes_exactly(name, backend, rng):
    kwargs = {"momentum": 0.9} if name == "sgd" else {}
    grads = [[rng.standard_normal((2, 3)), rng.standard_normal(3)] for _ in range(6)]
    inits = [rng.standard_normal((2, 3)), rng.standard_normal(3)]

    def fresh():
        return [tg.Tensor(w, dtype="float64", backend=backend) for w in inits]

    straight, opt = fresh(), optimizers.get({"class_name": name, "config": kwargs})
    for g in grads:
        opt.apply(g, straight)
    resumed, first = fresh(), optimizers.get({"class_name": name, "config": kwargs})
    for g in grads[:3]:
        first.apply(g, resumed)
    state = {k: v.copy() for k, v in first.get_state(resumed).items()}
    second = optimizers.get({"class_name": name, "config": kwargs})
    second.set_state(resumed, state)
    for g in grads[3:]:
        second.apply(g, resumed)
    for a, b in zip(straight, resumed):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    with pytest.raises(ValueError, match="keys do not match"):
        second.set_state(resumed[:1], state)


def test_from_config_accepts_a_keras_config_with_default_extras():
    keras_config = {"name": "adam", "learning_rate": 0.002, "weight_decay": None, "clipnorm": None,
                    "global_clipnorm": None, "clipvalue": None, "use_ema": False, "ema_momentum": 0.99,
                    "ema_overwrite_frequency": None, "loss_scale_factor": None, "gradient_accumulation_steps": None,
                    "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-07, "amsgrad": False}
    opt = optimizers.Adam.from_config(keras_config)
    assert opt.learning_rate == 0.002
    assert optimizers.Adam.from_config(dict(keras_config, use_ema=True)).use_ema     # implemented since s44
    with pytest.raises(ValueError, match="loss_scale_factor=2.0"):
        optimizers.Adam.from_config(dict(keras_config, loss_scale_factor=2.0))


def test_serialize_none_and_non_optimizers():
    # None gives None (as Keras); an object without get_config is a ValueError naming it (was AttributeError).
    assert optimizers.serialize(None) is None and schedules.serialize(None) is None
    assert optimizers.serialize(optimizers.SGD(learning_rate=0.5))["config"]["learning_rate"] == 0.5
    with pytest.raises(ValueError, match="Cannot serialize the optimizer 'adam'.*an Optimizer subclass"):
        optimizers.serialize("adam")
    with pytest.raises(ValueError, match="Cannot serialize the learning rate schedule 0.1.*LearningRateSchedule"):
        schedules.serialize(0.1)


@pytest.mark.parametrize("cls", [tg.optimizers.SGD, tg.optimizers.Adam, tg.optimizers.AdamW, tg.optimizers.RMSprop])
def test_an_unknown_argument_is_keras_value_error_with_what_the_optimizer_takes(cls, fresh_names):
    with pytest.raises(ValueError, match=r"^Argument\(s\) not recognized: \{'lr': 0\.01\} \(`lr` is Keras 2's and "
                                         r"PyTorch's name: use `learning_rate`\)\. \w+ takes: learning_rate, .*"):
        cls(lr=0.01)
    with pytest.raises(ValueError, match=r"^Argument\(s\) not recognized: \{'foo': 1\}\. "):
        cls(foo=1)
    with pytest.raises(ValueError, match=r"^Argument `loss_scale_factor` is not supported by tinygradconv "
                                         r"optimizers\. Received: loss_scale_factor=128\.0"):
        cls(loss_scale_factor=128.0)
    optimizer = cls(use_ema=False, ema_momentum=0.99, loss_scale_factor=None)     # Keras' defaults: accepted
    # the default name, counted from the first made (the refused ones above made none), as Keras
    assert (optimizer.get_config()["name"], cls().get_config()["name"]) == (optimizer.name, f"{optimizer.name}_1")


@pytest.mark.parametrize("name, kwargs", [("Adam", {}), ("Adam", {"amsgrad": True}), ("Nadam", {}), ("AdamW", {}),
                                          ("Adamax", {})])
def test_a_gradient_whose_square_overflows_leaves_adam_finite_as_keras_on_torch(name, kwargs):
    """Found by a tester: with |g| = 1e30 in float32, g * g is inf, and the moments' update v + (g*g - v)(1 - b2)
    gave inf - inf = NaN at the second step. Written b2 * v + (1 - b2) * g * g, as Keras 3 on torch computes it,
    v stays inf and the step m / (sqrt(v) + eps) is 0: Adam's weight stays 2.0 (by hand); each optimizer is
    compared with Keras 3 over three steps where Keras is installed."""
    weight = tg.tensor(np.array([2.0], "float32"), requires_grad=True)
    optimizer = getattr(optimizers, name)(**kwargs)
    grad = tg.tensor(np.array([1e30], "float32"))
    for _ in range(3):
        optimizer.apply([grad], [weight])
    assert np.isfinite(weight.numpy()).all()
    if name == "Adam":
        assert weight.numpy().tolist() == [2.0]
    from helpers import keras_on_torch

    keras = keras_on_torch("Keras 3 is the reference for the optimizers' steps")
    import torch

    variable = keras.Variable(np.array([2.0], "float32"))
    theirs = getattr(keras.optimizers, name)(**kwargs)
    for _ in range(3):
        theirs.apply([torch.tensor(np.array([1e30], "float32"))], [variable])
    np.testing.assert_allclose(weight.numpy(), np.asarray(variable.numpy()), rtol=1e-6)


def test_a_gradient_of_the_wrong_shape_names_the_variable_in_one_sentence():
    """Found by a tester: an unnamed variable gave "does not match its variable  of shape (2,)" (two spaces)."""
    unnamed = tg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match=r"^Gradient of shape \(3,\) does not match its variable of shape \(2,\)$"):
        optimizers.SGD().apply([tg.tensor([1.0, 1.0, 1.0])], [unnamed])
    unnamed.name = "d/kernel"
    with pytest.raises(ValueError, match=r"does not match its variable 'd/kernel' of shape \(2,\)$"):
        optimizers.SGD().apply([tg.tensor([1.0, 1.0, 1.0])], [unnamed])


@pytest.mark.parametrize("call, error, message", [
    # an integer variable was silently turned into float64 (found by a tester)
    (lambda: optimizers.SGD(0.1).apply_gradients([(tg.tensor([1.0, 1.0]), tg.tensor([1, 2], dtype="int64"))]),
     TypeError, "dtype int64; optimizers update floating-point variables only"),
    # a callable rate of -1 climbed the gradient, one of NaN made the weights NaN; SGD(-1.0) is refused when made
    (lambda: optimizers.SGD(learning_rate=lambda: -1.0).apply([np.array([1.0])], [tg.tensor([1.0])]),
     ValueError, "gave -1.0 at iteration 0; expected a finite number >= 0"),
    (lambda: optimizers.Adam(learning_rate=lambda: float("nan")).apply([np.array([1.0])], [tg.tensor([1.0])]),
     ValueError, "gave nan"),
    # a bare gradient instead of pairs: Python's "not enough values to unpack"
    (lambda: optimizers.SGD(0.1).apply_gradients([tg.tensor([1.0])]), TypeError, "pairs.*item 0: Tensor"),
])
def test_an_update_refuses_what_would_silently_go_wrong(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_learning_rate_copies_pickles_and_takes_numpy_and_torch_scalars():
    """Found by a tester: copying or pickling ``optimizer.learning_rate`` failed, and ``assign(np.array(0.2))``
    (which Keras takes) was refused."""
    import copy
    import pickle

    opt = optimizers.SGD(learning_rate=0.5)
    rate = opt.learning_rate
    assert copy.copy(rate) == 0.5 and copy.deepcopy([rate]) == [0.5] and pickle.loads(pickle.dumps(rate)) == 0.5
    assert type(pickle.loads(pickle.dumps(rate))) is float
    rate.assign(np.array(0.25))
    assert opt.learning_rate == 0.25
    opt.learning_rate = np.float32(0.125)
    assert opt.learning_rate == 0.125
    opt.learning_rate.assign_add(0.375)
    assert opt.learning_rate == 0.5 and opt.learning_rate.value == 0.5 and opt.learning_rate.dtype == "float64"
    opt.learning_rate.assign_sub(0.25)
    assert opt.learning_rate == 0.25
    for bad in (np.array([0.1, 0.2]), "0.1", np.array(True)):
        with pytest.raises(TypeError, match="learning_rate"):
            opt.learning_rate = bad
    with pytest.raises(ValueError, match="learning_rate"):
        opt.learning_rate.assign_sub(1.0)                  # negative
    torch = pytest.importorskip("torch", reason="a 0-d torch tensor is a rate Keras takes")
    opt.learning_rate.assign(torch.tensor(0.5))
    assert opt.learning_rate == 0.5


LEARNING_RATE_NOW = {"value": 0.1}


def rate_now():
    """A learning rate of your own that changes during training (module level: it has a name to be saved by)."""
    return LEARNING_RATE_NOW["value"]


def test_a_learning_rate_function_is_kept_by_config_save_and_clone(tmp_path):
    """Found by a tester: get_config, save/load and clone_model froze it into the number it gave at the time."""
    model = tg.models.Sequential([tg.layers.Input((3,)), tg.layers.Dense(1)])
    model.compile(optimizer=optimizers.Adam(rate_now, amsgrad=True), loss="mse")
    assert model.optimizer.get_config()["learning_rate"] == {      # Keras 3's form of a function (checked)
        "module": "builtins", "class_name": "function", "config": "rate_now", "registered_name": "function"}
    path = str(tmp_path / "m.tgc.npz")
    model.save(path)
    loaded = tg.models.load_model(path, custom_objects={"rate_now": rate_now})
    clone = tg.models.clone_model(model)
    assert clone.optimizer is not model.optimizer and clone.optimizer.amsgrad
    try:
        LEARNING_RATE_NOW["value"] = 0.001
        assert model.optimizer.learning_rate == loaded.optimizer.learning_rate == clone.optimizer.learning_rate == 0.001
    finally:
        LEARNING_RATE_NOW["value"] = 0.1
    with pytest.warns(UserWarning, match="custom_objects=.*rate_now"):
        assert tg.models.load_model(path).optimizer is None       # loaded, not compiled, saying what to pass
    lambda_model = tg.models.Sequential([tg.layers.Input((3,)), tg.layers.Dense(1)])
    lambda_model.compile(optimizer=optimizers.SGD(lambda: 0.25), loss="mse")
    assert tg.models.clone_model(lambda_model).optimizer.learning_rate == 0.25     # shared, not rebuilt by name
    with pytest.raises(ValueError, match="lambda"):
        lambda_model.optimizer.get_config()


def test_a_kept_learning_rate_is_live_as_keras_variable():
    """Found by a tester: a callback keeps ``lr = optimizer.learning_rate`` and halves it each epoch with
    ``lr.assign(lr * 0.5)``; Keras' variable is live, so the halvings compound (0.1 -> 0.0125 after three)."""
    opt = optimizers.SGD(learning_rate=0.1)
    rate = opt.learning_rate
    for _ in range(3):
        rate.assign(rate * 0.5)
    assert float(rate) == float(opt.learning_rate) == 0.0125
    assert rate == 0.0125 and rate < 0.1 and 2 * rate == 0.025 and f"{rate:.4f}" == "0.0125" and repr(rate) == "0.0125"
    assert float(np.asarray(rate)) == 0.0125
    scheduled = optimizers.SGD(learning_rate=schedules.ExponentialDecay(1.0, 1, 0.5))
    before = scheduled.learning_rate                       # a schedule's rate when read, as Keras' tensor
    scheduled.apply([np.array([1.0])], [tg.tensor([1.0])])
    assert before == 1.0 and scheduled.learning_rate == 0.5


@pytest.mark.parametrize("make", [lambda: optimizers.SGD(float("inf")),
                                  lambda: optimizers.SGD(0.1).learning_rate.assign(float("inf")),
                                  lambda: schedules.PolynomialDecay(0.1, 10, end_learning_rate=float("inf")),
                                  lambda: schedules.ExponentialDecay(float("inf"), 10, 0.5)])
def test_infinite_learning_rates_are_refused(make):
    """Found by a tester: an infinite rate made the weights NaN (0 * inf) without a word."""
    with pytest.raises(ValueError, match="finite number >= 0"):
        make()


@pytest.mark.parametrize("rate", [float("inf"), np.array([0.1, 0.2]), "0.1"], ids=["inf", "array", "string"])
def test_a_function_giving_a_bad_rate_is_named(rate):
    with pytest.raises(ValueError, match="Invalid learning rate: the `learning_rate` .* gave"):
        optimizers.SGD(learning_rate=lambda: rate).apply([np.array([1.0])], [tg.tensor([1.0])])


def test_an_optimizer_built_for_some_variables_refuses_new_ones_as_keras():
    """Found by a tester: Adam reused on a new variable bias-corrected its first step with the other variable's step
    count (0.93612 where a fresh Adam gives 0.9, by hand: its first step moves by lr * sign(g)). Keras 3 refuses a
    variable the optimizer was not built with, and accepts any subset of those it was."""
    from helpers import keras_on_torch

    opt = optimizers.Adam(0.1)
    a, b, new = tg.tensor([1.0]), tg.tensor([1.0]), tg.tensor([1.0])
    new.name = "second_model/kernel"
    opt.apply([tg.tensor([1.0]), tg.tensor([1.0])], [a, b])
    opt.apply([tg.tensor([1.0])], [a])                          # a subset: accepted
    with pytest.raises(ValueError, match=r"^Unknown variable: 'second_model/kernel' of shape \(1,\)\. .*built with.*"
                                         r"create a new optimizer instance"):
        opt.apply([tg.tensor([1.0])], [new])
    with pytest.raises(ValueError, match="Unknown variable"):  # also beside known ones, with or without a gradient
        opt.apply([tg.tensor([1.0]), None], [a, new])
    assert new.item() == 1.0 and opt.iterations == 2            # refused before anything changed
    fresh = optimizers.Adam(0.1)
    fresh.apply([tg.tensor([1.0])], [new])
    assert new.item() == pytest.approx(0.9, rel=1e-5)   # 0.9000010: the bias correction in float32, as Keras

    keras = keras_on_torch("Keras 3 is the reference for which variables an optimizer takes")
    import torch

    theirs = keras.optimizers.Adam(0.1)
    ka, kb, knew = (keras.Variable(np.array([1.0], "float32")) for _ in range(3))
    theirs.apply([torch.ones(1), torch.ones(1)], [ka, kb])
    theirs.apply([torch.ones(1)], [ka])
    with pytest.raises(ValueError, match="Unknown variable"):
        theirs.apply([torch.ones(1)], [knew])


def test_a_second_model_compiled_with_a_used_optimizer_is_refused_and_state_restores_build_it(tmp_path):
    """The same optimizer object compiled into a second model after training a first: refused at the first step
    (as Keras), where it silently trained the new model from step count 4. Restoring a saved state builds the
    optimizer for the model's weights, and training it again is not refused."""
    x, y = np.ones((4, 3), "float32"), np.zeros((4, 1), "float32")
    opt = optimizers.Adam(0.1)
    first = tg.models.Sequential([tg.layers.Input((3,)), tg.layers.Dense(1)])
    first.compile(optimizer=opt, loss="mse")
    first.fit(x, y, epochs=4, verbose=0)
    first.compile(optimizer=opt, loss="mse")                    # compiled again with its own optimizer: fine
    first.fit(x, y, epochs=1, verbose=0)
    second = tg.models.Sequential([tg.layers.Input((3,)), tg.layers.Dense(1)])
    second.compile(optimizer=opt, loss="mse")
    with pytest.raises(ValueError, match="Unknown variable: 'sequential.*/dense.*/kernel'"):
        second.fit(x, y, epochs=1, verbose=0)
    path = str(tmp_path / "first.tgc.npz")
    first.save(path)
    loaded = tg.models.load_model(path)
    assert loaded.optimizer.built and loaded.optimizer.iterations == 5
    loaded.fit(x, y, epochs=1, verbose=0)
    assert loaded.optimizer.iterations == 6


@pytest.mark.parametrize("var_names", [["bias$"], ["^bias$"], ["dense"], ["ker.el"], ["^k", "^x"]])
def test_exclude_from_weight_decay_matches_regular_expressions_on_the_own_name_as_keras(var_names):
    """Found by a tester: the names were substrings, where Keras 3 searches regular expressions (``"bias$"``
    excluded nothing), in the full ``"<layer>/bias"`` name, where Keras sees the weight's own name (``"dense"``
    excluded every weight of a layer named dense). Keras' Dense weights are named ``kernel`` and ``bias``."""
    from helpers import keras_on_torch

    keras = keras_on_torch("Keras 3 is the reference for which weights are decayed")
    import torch

    theirs = keras.layers.Dense(2, kernel_initializer="ones", bias_initializer="ones", name="dense")
    theirs.build((None, 3))
    ours = tg.layers.Dense(2, kernel_initializer="ones", bias_initializer="ones", name="dense")
    ours.build((None, 3))
    assert [(w.name, w.path) for w in ours.weights] == [(w.name, w.path) for w in theirs.weights]
    their_optimizer = keras.optimizers.AdamW(0.1, weight_decay=0.5)
    their_optimizer.exclude_from_weight_decay(var_names=var_names)
    their_optimizer.apply([torch.zeros(tuple(w.shape)) for w in theirs.weights], theirs.weights)
    our_optimizer = optimizers.AdamW(0.1, weight_decay=0.5)
    our_optimizer.exclude_from_weight_decay(var_names=var_names)
    our_optimizer.apply([np.zeros(w.shape, "float32") for w in ours.weights], ours.weights)
    for mine, keras_weight in zip(ours.weights, theirs.weights):
        np.testing.assert_allclose(mine.numpy(), keras.ops.convert_to_numpy(keras_weight), rtol=1e-6)


def test_exclude_from_weight_decay_by_pattern_by_hand():
    """The tester's case: a variable named "bias", the pattern "bias$": not decayed (1.0; decayed it is
    1 - 1 * 0.5 * 0.1 = 0.95)."""
    opt = optimizers.AdamW(0.1, weight_decay=0.5)
    b, w = tg.tensor([1.0]), tg.tensor([1.0])
    b.name, w.name = "bias", "d/bias_like"
    opt.exclude_from_weight_decay(var_names=["bias$"])
    opt.apply([tg.tensor([0.0]), tg.tensor([0.0])], [b, w])
    assert b.item() == 1.0 and w.item() == pytest.approx(0.95)


@pytest.mark.parametrize("var_names, error, message", [
    ("bias", TypeError, r"`var_names`\. Expected a list of strings .*not a string.*Received var_names='bias'"),
    (["bias", 3], TypeError, r"`var_names`\..*Received var_names=\['bias', 3\], holding 3 of type int"),
    (5, TypeError, r"`var_names`\..*Received var_names=5"),
    (["bias("], ValueError, r"`var_names`: 'bias\(' is not a regular expression"),
])
def test_exclude_from_weight_decay_refuses_names_that_are_not_a_list_of_patterns(var_names, error, message):
    """Found by a tester: a string was split into its characters ("b", "i", "a", "s"), silently excluding every
    weight whose name holds one of them."""
    with pytest.raises(error, match=message):
        optimizers.AdamW(0.1).exclude_from_weight_decay(var_names=var_names)


def test_weight_decay_keeps_an_infinite_weight_infinite_by_hand():
    """Found by a tester: SGD(0.1, weight_decay=0.1) made an infinite weight NaN (w - w * 0.1 * 0.1 = inf - inf).
    By hand, w * (1 - 0.01): inf stays inf, -inf stays -inf, 1 becomes 0.99."""
    w = tg.tensor([np.inf, -np.inf, 1.0])
    optimizers.SGD(0.1, weight_decay=0.1).apply([np.zeros(3)], [w])
    np.testing.assert_allclose(w.numpy(), np.array([np.inf, -np.inf, 0.99], "float32"), rtol=1e-7)


@pytest.mark.parametrize("name", ["SGD", "RMSprop", "Adam", "AdamW", "Adagrad", "Adadelta", "Adamax", "Nadam", "Lion",
                                  "Ftrl", "Lamb", "Adafactor", "Muon", "ScheduleFreeAdamW"])
def test_weight_decay_of_every_optimizer_matches_keras_on_torch_with_infinite_weights(name):
    """Keras 3 on torch decays every optimizer's weights as ``w *= 1 - weight_decay * lr`` (torch._foreach_mul_):
    infinite weights stay infinite there, and here (they were NaN)."""
    from helpers import keras_on_torch

    keras = keras_on_torch("Keras 3 is the reference for the optimizers' steps")
    import torch

    start = np.array([np.inf, -np.inf, 1.0, -3.0], "float32")
    grads = [np.array([0.0, 0.0, 0.5, -1.0], "float32"), np.array([0.0, 0.0, -2.0, 0.25], "float32")]
    variable = keras.Variable(start)
    theirs = getattr(keras.optimizers, name)(learning_rate=0.1, weight_decay=0.2)
    if name == "ScheduleFreeAdamW":     # Keras' source as meant (the old slot), not torch's in-place aliasing
        from helpers import keras_value_semantics
        keras_value_semantics(theirs)
    weight = tg.tensor(start)
    ours = getattr(optimizers, name)(learning_rate=0.1, weight_decay=0.2)
    for g in grads:
        theirs.apply([torch.tensor(g)], [variable])
        ours.apply([g], [weight])
    expected = keras.ops.convert_to_numpy(variable)
    # their updates read the weight (sigma * w, |w|, rms(w); Schedule-Free's y - (1 - b1) z with z the start): NaN;
    # Muon decays as w - w * d * lr (its own rule in Keras): inf - inf
    if name in ("Ftrl", "Lamb", "Adafactor", "Muon", "ScheduleFreeAdamW"):
        assert np.isnan(expected[:2]).all()
    else:
        assert np.isinf(expected[:2]).all()
    np.testing.assert_allclose(weight.numpy(), expected, rtol=5e-6)


@pytest.mark.parametrize("make", [lambda: optimizers.Adam(weight_decay=float("inf")),
                                  lambda: optimizers.AdamW(weight_decay=float("inf")),
                                  lambda: optimizers.SGD(weight_decay=np.inf)])
def test_an_infinite_weight_decay_is_refused_as_nan_and_negative_ones(make):
    """Found by a tester: weight_decay=inf was accepted and drove the weights to -inf (NaN and negative values
    were refused)."""
    with pytest.raises(ValueError, match=r"`weight_decay`\. Expected a finite number >= 0\. Received weight_decay=inf"):
        make()


@pytest.mark.parametrize("value, error, message", [
    (-1, ValueError, r"`iterations`\. Expected a non-negative integer\. Received iterations=-1$"),
    (2.5, TypeError, r"`iterations`\. Expected a non-negative integer\. Received iterations=2\.5 of type float"),
    ("3", TypeError, r"`iterations`.*Received iterations='3'"),
])
def test_iterations_must_be_a_non_negative_integer(value, error, message):
    """Found by a tester: ``opt.iterations = -1`` then ``apply`` was a ZeroDivisionError inside Adam's bias
    correction (1 - beta_1 ** 0); ``set_state`` truncated a step count of 2.5 and took -3. Both now refuse the value
    when it is given, before anything changes."""
    opt = optimizers.Adam(0.1)
    with pytest.raises(error, match=message):
        opt.iterations = value
    assert opt.iterations == 0
    w = tg.tensor([1.0])
    state = {"iterations": np.asarray(value), "0/m": np.zeros(1), "0/v": np.zeros(1)}
    with pytest.raises(error, match=message):
        opt.set_state([w], state)
    assert opt.iterations == 0 and not opt.built
    opt.iterations = np.int64(3)                        # NumPy's integers, as a saved file gives them
    opt.set_state([w], dict(state, iterations=np.asarray(3)))
    assert opt.iterations == 3 and type(opt.iterations) is int


@pytest.mark.parametrize("name", [3, "a/b"])
def test_an_optimizer_name_is_a_string_without_a_slash_as_in_keras(name):
    """``Adam(name=3)`` and ``Adam(name="a/b")`` were accepted (found by a tester); Keras 3 refuses both."""
    from helpers import keras_on_torch

    keras = keras_on_torch("Keras 3's optimizer is the reference for its name's rule")
    with pytest.raises(ValueError) as theirs:
        keras.optimizers.Adam(name=name)
    with pytest.raises(ValueError) as ours:
        optimizers.Adam(name=name)
    assert str(ours.value) == str(theirs.value)


def test_the_weight_decay_factor_is_computed_in_the_weights_dtype_as_keras_on_torch():
    """Keras on torch computes ``1 - weight_decay * lr`` in float32 (lr is a float32 tensor); ours computed it in
    float64 and rounded, one float32 step apart for some (lr, weight_decay) pairs (found by a tester). Pairs where
    the two roundings differ are searched for, then one SGD step on a zero gradient is compared with Keras."""
    from helpers import keras_on_torch

    keras = keras_on_torch("Keras 3 on torch is the reference for the weight decay step")
    import torch

    rng = np.random.default_rng(0)
    pairs = []
    while len(pairs) < 3:
        lr, wd = float(rng.uniform(1e-3, 0.5)), float(rng.uniform(1e-3, 0.5))
        single = np.float32(1) - np.float32(wd) * np.float32(lr)
        if single != np.float32(1 - wd * lr):
            pairs.append((lr, wd))
    for lr, wd in pairs:
        weight = np.array([1.0, -3.0, 7.5], np.float32)
        ours = tg.tensor(weight)
        optimizers.SGD(lr, weight_decay=wd).apply([tg.tensor(np.zeros(3, np.float32))], [ours])
        theirs = keras.Variable(weight)
        keras.optimizers.SGD(lr, weight_decay=wd).apply([torch.zeros(3)], [theirs])
        np.testing.assert_array_equal(ours.numpy(), np.asarray(theirs.numpy()))


# ------------------------------------------------------------------------------------------------ tester findings
@pytest.mark.parametrize("second", ["grad", "array", "list"])
def test_apply_gradients_refuses_a_swapped_pair_and_changes_nothing(second):
    """Found by a tester: ``apply_gradients([(w, w.grad)])`` (variable first) ran silently, updating the gradient
    with the weight. The pairs are (gradient, variable), as in Keras 3 (which fails there with an AttributeError)."""
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    w.name = "dense/kernel"
    (tg.tensor([3.0, -1.0]) * w).sum().backward()
    gradient = {"grad": w.grad, "array": np.array([3.0, -1.0]), "list": [3.0, -1.0]}[second]
    opt = optimizers.SGD(learning_rate=0.1)
    with pytest.raises(TypeError, match=r"pairs are \(gradient, variable\), gradient first.*item 1 is swapped: its "
                                        r"first element is a trainable variable 'dense/kernel'"):
        opt.apply_gradients([(gradient, w), (w, gradient)])
    assert w.numpy().tolist() == [1.0, 2.0] and w.grad.numpy().tolist() == [3.0, -1.0] and opt.iterations == 0
    opt.apply_gradients([(gradient, w)])
    np.testing.assert_allclose(w.numpy(), [1.0 - 0.1 * 3.0, 2.0 + 0.1 * 1.0])    # hand-computed SGD step


def test_apply_gradients_swapped_pair_fails_in_keras_too():
    """The reference: Keras 3 refuses the swapped pair as well, with an unclear AttributeError."""
    from helpers import keras_on_torch

    keras = keras_on_torch("Keras 3 is the reference for apply_gradients' pairs")
    w = keras.Variable(np.array([1.0, 2.0], dtype=np.float32))
    g = keras.ops.convert_to_tensor(np.array([3.0, -1.0], dtype=np.float32))
    with pytest.raises(AttributeError):
        keras.optimizers.SGD(learning_rate=0.1).apply_gradients([(w, g)])


_DECAY_EXPECTED = "Invalid value for argument `weight_decay`. Expected a finite number >= 0. Received weight_decay="


@pytest.mark.parametrize("bad, error, message", [
    (float("inf"), ValueError, "^" + re.escape(_DECAY_EXPECTED + "inf") + "$"),
    (-0.1, ValueError, "^" + re.escape(_DECAY_EXPECTED + "-0.1") + "$"),
    (float("nan"), ValueError, "weight_decay=nan"),
    ("0.1", TypeError, r"^Invalid type for argument `weight_decay`. Expected a finite number >= 0.*'0.1'"),
    (True, TypeError, "weight_decay"),
])
@pytest.mark.parametrize("cls", [optimizers.SGD, optimizers.Adam, optimizers.AdamW])
def test_weight_decay_assigned_after_construction_is_checked_as_in_the_constructor(cls, bad, error, message):
    """Found by a tester: ``opt.weight_decay = float("inf")`` was taken (the constructor refuses it), and the next
    update made every weight -inf or NaN."""
    with pytest.raises(error, match=message):
        cls(weight_decay=bad)
    opt = cls(learning_rate=0.1, weight_decay=0.5)
    with pytest.raises(error, match=message):
        opt.weight_decay = bad
    assert opt.weight_decay == 0.5                                  # unchanged
    opt.weight_decay = 0.25
    w = tg.tensor([2.0])
    opt.apply([np.zeros(1)], [w])
    assert w.item() == pytest.approx(2.0 * (1 - 0.25 * 0.1))          # hand-computed: only the decay moves it


def test_weight_decay_none_is_no_decay_except_for_adamw():
    opt = optimizers.SGD(learning_rate=0.1, weight_decay=0.5)
    opt.weight_decay = None
    w = tg.tensor([2.0])
    opt.apply([np.zeros(1)], [w])
    assert w.item() == 2.0
    adamw = optimizers.AdamW()
    with pytest.raises(ValueError, match=r"^Argument `weight_decay` must be a float. Received: weight_decay=None$"):
        adamw.weight_decay = None
    assert adamw.weight_decay == 0.004
    with pytest.raises(ValueError, match=r"^Argument `weight_decay` must be a float. Received: weight_decay=None$"):
        optimizers.AdamW(weight_decay=None)


_KERAS_VARIABLES = [("SGD", {"momentum": 0.9}), ("SGD", {}), ("RMSprop", {"momentum": 0.5, "centered": True}),
                    ("RMSprop", {}), ("Adam", {}), ("Adam", {"amsgrad": True}), ("AdamW", {"amsgrad": True}),
                    ("Adamax", {}), ("Nadam", {}), ("Lion", {}), ("Adagrad", {}), ("Adadelta", {}), ("Ftrl", {}),
                    ("Lamb", {}), ("Adafactor", {}), ("Muon", {}), ("ScheduleFreeAdamW", {})]


@pytest.mark.parametrize("name, kwargs", _KERAS_VARIABLES, ids=[f"{n}-{k}" for n, k in _KERAS_VARIABLES])
def test_variables_are_keras_variables_in_keras_order(name, kwargs):
    """Found by a tester: ``optimizer.variables`` (Keras 3: the optimizer's own state) was missing. A later tester:
    the slots were named after the weight's own name only (``adam/kernel_momentum`` for every Dense kernel), where
    Keras writes the variable's path (``adam/dense_kernel_momentum``); the weights of a Keras Dense layer built
    alone are the reference here."""
    from helpers import keras_on_torch

    keras = keras_on_torch("Keras 3 is the reference for optimizer.variables")
    rng = np.random.default_rng(3)
    inits = [rng.standard_normal((2, 3)).astype(np.float32), rng.standard_normal(3).astype(np.float32)]
    grads = [[rng.standard_normal(w.shape).astype(np.float32) for w in inits] for _ in range(3)]
    theirs = getattr(keras.optimizers, name)(learning_rate=0.01, name="opt", **kwargs)
    ours = getattr(optimizers, name)(learning_rate=0.01, name="opt", **kwargs)
    dense = keras.layers.Dense(3, name="dense")
    dense.build((None, 2))
    for variable, value in zip(dense.weights, inits):
        variable.assign(value)
    k_vars = dense.weights
    our_dense = tg.layers.Dense(3, name="dense")
    our_dense.build((None, 2))
    our_dense.set_weights(inits)
    o_vars = our_dense.weights
    assert [v.path for v in k_vars] == [v.path for v in o_vars]
    assert [(v.name, v.path) for v in ours.variables] == [(v.name, v.path) for v in theirs.variables] \
        == [("iteration", "opt/iteration"), ("learning_rate", "opt/learning_rate")]
    for g in grads:
        theirs.apply_gradients(zip([keras.ops.convert_to_tensor(x) for x in g], k_vars))
        ours.apply_gradients(zip(g, o_vars))
    k_names = [(v.name, v.path) for v in theirs.variables]
    if name == "Nadam":     # Keras' momentum product is an unnamed variable (auto-named "variable", "variable_1")
        assert k_names[-1][1].startswith("opt/variable")
        k_names[-1] = ("u_product", "opt/u_product")
    assert [(v.name, v.path) for v in ours.variables] == k_names
    # SGD without momentum: no slots; Adafactor's first is named after the weight's own name, "opt/kernel"
    assert len(k_names) == 2 or k_names[2][1].startswith(("opt/dense_kernel_", "opt/kernel"))
    for mine, keras_variable in zip(ours.variables, theirs.variables):
        expected = keras.ops.convert_to_numpy(keras_variable.value)
        assert mine.shape == expected.shape
        np.testing.assert_allclose(mine.numpy(), expected, rtol=1e-4, atol=1e-7, err_msg=mine.name)


_OPTIMIZER_CLASSES = ["SGD", "RMSprop", "Adam", "AdamW", "Adamax", "Nadam", "Lion", "Adagrad", "Adadelta", "Ftrl",
                      "Lamb", "Adafactor", "Muon", "ScheduleFreeAdamW"]


def test_default_names_are_keras_names(fresh_names):
    """Found by a tester: the default names were ``"SGD"``, ``"rmsprop"``, ``"adamw"``; Keras 3.15's are the class
    names in snake case, ``"sgd"``, ``"rm_sprop"``, ``"adam_w"`` for the first instance, then ``_1``, ``_2`` (a
    second tester: every instance was ``"adam"`` here); counted from a fresh session in both."""
    from helpers import keras_on_torch

    keras = keras_on_torch("Keras 3 is the reference for the optimizers' default names")
    keras.backend.clear_session()
    for name in _OPTIMIZER_CLASSES:
        for _ in range(3):      # "adam", "adam_1", "adam_2"
            keras_name = getattr(keras.optimizers, name)().name
            ours = getattr(optimizers, name)()
            assert keras_name == ours.name == ours.get_config()["name"], name
            assert (ours.variables[0].name, ours.variables[0].path) == ("iteration", f"{ours.name}/iteration")


def test_default_names_without_keras(fresh_names):
    """Hand-written from Keras 3.15's names (checked there), and an optimizer of your own is named after its class
    in snake case, as Keras' ``auto_name``; the next ones of a class add ``_1``, ``_2``, ... (a name given counts
    nothing)."""
    names = {name: getattr(optimizers, name)().name for name in _OPTIMIZER_CLASSES}
    assert [optimizers.Adam().name, optimizers.Adam(name="adam").name, optimizers.Adam().name,
            optimizers.get("adam").name] == ["adam_1", "adam", "adam_2", "adam_3"]
    assert names == {"SGD": "sgd", "RMSprop": "rm_sprop", "Adam": "adam", "AdamW": "adam_w", "Adamax": "adamax",
                     "Nadam": "nadam", "Lion": "lion", "Adagrad": "adagrad", "Adadelta": "adadelta", "Ftrl": "ftrl",
                     "Lamb": "lamb", "Adafactor": "adafactor", "Muon": "muon",
                     "ScheduleFreeAdamW": "schedule_free_adam_w"}

    class MyOptimizer(optimizers.Optimizer):
        def update_step(self, gradient, variable, learning_rate, state, xp):
            return variable - learning_rate * gradient

    assert MyOptimizer(0.1).name == "my_optimizer"


@pytest.mark.parametrize("old_name", ["SGD", "rmsprop", "adamw"])
def test_configs_with_the_old_default_names_still_load(old_name):
    """The default names changed to Keras'; a config written before (``"name": "SGD"``) keeps its name."""
    cls = optimizers.get(old_name).__class__
    config = optimizers.serialize(cls(learning_rate=0.5))
    config["config"]["name"] = old_name
    restored = optimizers.deserialize(config)
    assert type(restored) is cls and restored.name == old_name and restored.learning_rate == 0.5


def _two_dense_models(keras):
    """The tester's Sequential model and a functional one, in Keras and here, built."""
    k_seq = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="dense"),
                              keras.layers.Dense(1, name="dense_1")], name="sequential")
    o_seq = tg.models.Sequential([tg.layers.Input((3,)), tg.layers.Dense(2, name="dense"),
                                  tg.layers.Dense(1, name="dense_1")], name="sequential")
    k_in = keras.Input((3,))
    k_fun = keras.Model(k_in, keras.layers.Dense(1, name="out")(keras.layers.Dense(2, name="hidden")(k_in)))
    o_in = tg.layers.Input((3,))
    o_fun = tg.models.Model(o_in, tg.layers.Dense(1, name="out")(tg.layers.Dense(2, name="hidden")(o_in)))
    return (k_seq, o_seq), (k_fun, o_fun)


def test_slot_names_follow_keras_paths_in_models(fresh_names):
    """The tester's case: ``Sequential([Input((3,)), Dense(2), Dense(1)])`` with Adam gave ``adam/kernel_momentum``
    twice. Keras 3.15 names the slots after the weight's path (a Sequential model's start with the model's
    name), and so does this, since a weight has Keras' path."""
    from helpers import keras_on_torch

    keras = keras_on_torch("Keras 3 is the reference for the optimizer slot names")
    keras.backend.clear_session()
    (k_seq, o_seq), (k_fun, o_fun) = _two_dense_models(keras)
    for k_model, o_model in ((k_seq, o_seq), (k_fun, o_fun)):   # "adam", then "adam_1", in both
        theirs, ours = keras.optimizers.Adam(), optimizers.Adam()
        theirs.build(k_model.trainable_variables)
        ours.build(o_model.trainable_weights)
        k_names = [(v.name, v.path) for v in theirs.variables]
        assert [(v.name, v.path) for v in ours.variables] == k_names
        assert ("sequential_dense_1_kernel_momentum", "adam/sequential_dense_1_kernel_momentum") in k_names \
            or ("out_kernel_momentum", "adam_1/out_kernel_momentum") in k_names


def test_slot_names_are_unique_and_name_the_layer(fresh_names):
    """Hand-checked: the slot names of the tester's model are unique and hold the layer's name; unnamed variables
    are numbered as Keras numbers its unnamed variables (``variable``, ``variable_1``)."""
    model = tg.models.Sequential([tg.layers.Input((3,)), tg.layers.Dense(2, name="dense"),
                                  tg.layers.Dense(1, name="dense_1")], name="s")
    opt = optimizers.Adam()
    opt.build(model.trainable_weights)
    paths = [v.path for v in opt.variables]
    assert paths == ["adam/iteration", "adam/learning_rate",
                     "adam/s_dense_kernel_momentum", "adam/s_dense_kernel_velocity",
                     "adam/s_dense_bias_momentum", "adam/s_dense_bias_velocity",
                     "adam/s_dense_1_kernel_momentum", "adam/s_dense_1_kernel_velocity",
                     "adam/s_dense_1_bias_momentum", "adam/s_dense_1_bias_velocity"]
    assert [v.name for v in opt.variables] == [p.split("/", 1)[1] for p in paths]
    sgd = optimizers.SGD(momentum=0.9)
    sgd.build([tg.tensor([1.0]), tg.tensor([2.0])])
    assert [v.path for v in sgd.variables][2:] == ["sgd/variable_momentum", "sgd/variable_1_momentum"]


def test_variables_without_keras(fresh_names):
    """Hand-checked: before and after the first step, a schedule (no learning_rate variable, as Keras) and
    read-only (Keras: "property 'variables' of 'SGD' object has no setter")."""
    w = tg.tensor([1.0, -1.0], requires_grad=True)          # unnamed
    opt = optimizers.SGD(learning_rate=0.5, momentum=0.5)
    opt.apply([np.array([2.0, 4.0])], [w])
    assert [v.path for v in opt.variables] == ["sgd/iteration", "sgd/learning_rate", "sgd/variable_momentum"]
    assert [v.name for v in opt.variables] == ["iteration", "learning_rate", "variable_momentum"]
    iteration, rate, momentum = opt.variables
    assert iteration.item() == 1 and rate.item() == 0.5
    assert momentum.numpy().tolist() == [-1.0, -2.0]         # 0.5 * 0 - 0.5 * g
    momentum.data[0] = 100.0                                 # a copy: the state is not changed
    assert opt.state_of(w)["m"].tolist() == [-1.0, -2.0]
    with pytest.raises(AttributeError):
        opt.variables = []
    scheduled = optimizers.Adam(learning_rate=schedules.ExponentialDecay(0.1, 10, 0.5), name="a")
    assert [v.path for v in scheduled.variables] == ["a/iteration"]
    assert [v.path for v in optimizers.Adam(learning_rate=lambda: 0.1, name="b").variables] == ["b/iteration"]


@pytest.mark.parametrize("call", ["apply_gradients", "apply", "step", "build", "set_state"])
def test_a_variable_given_twice_is_refused(call):
    """Found by a tester: ``apply_gradients([(g, w), (g, w)])`` did two updates in one step, silently (Keras 3
    gives yet another result); PyTorch's optimizers refuse a parameter given twice, and so does this, naming it,
    before anything changes. Hand-checked: the variable and the step count are untouched."""
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    w.name = "dense/kernel"
    w.grad = tg.tensor([1.0, 1.0])
    g = np.array([1.0, 1.0], dtype=np.float32)
    opt = optimizers.Adam(learning_rate=0.1)
    run = {"apply_gradients": lambda: opt.apply_gradients([(g, w), (g, w)]),
           "apply": lambda: opt.apply([g, g], [w, w]),
           "step": lambda: opt.step([w, w]),
           "build": lambda: opt.build([w, w]),
           "set_state": lambda: opt.set_state([w, w], {"iterations": np.asarray(0)})}[call]
    with pytest.raises(ValueError, match=r"the variable 'dense/kernel' of shape \(2,\) is given twice \(positions 0 "
                                         r"and 1\); expected each variable once"):
        run()
    assert w.tolist() == [1.0, 2.0] and opt.iterations == 0 and not opt.built



def test_zero_grad_and_step_refuse_one_tensor_where_torch_refuses_it_too():
    """``opt.zero_grad(w)`` had looped over ``w``'s rows and cleared their copies' gradients, so ``w.grad`` went on
    adding up, silently (found porting a PyTorch loop); torch refuses a bare tensor (``TypeError: params argument
    given to the optimizer should be an iterable of Tensors``)."""
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError, match="iterable of Tensors"):
        torch.optim.SGD(torch.ones(3, requires_grad=True), lr=0.1)
    w = tg.tensor(np.ones(3, "float32"), requires_grad=True)
    opt = tg.optimizers.SGD(0.1)
    (w * w).sum().backward()
    for method in ("zero_grad", "step"):
        with pytest.raises(TypeError, match=rf"^Invalid type for argument `variables` of {method}\(\): expected a "
                                            r"list of Tensors, e.g. \[w\] .*Received one Tensor of shape \(3,\)"):
            getattr(opt, method)(w)
        with pytest.raises(TypeError, match=rf"`variables` of {method}\(\).*Received None.*optimizer\.{method}"):
            getattr(opt, method)()
    with pytest.raises(TypeError, match=r"`grads` of apply\(\).*one Tensor of shape \(3,\)"):
        opt.apply(w.grad, [w])
    assert w.grad.tolist() == [2.0, 2.0, 2.0] and opt.iterations == 0      # nothing was changed by the refusals
    # the loop that had gone wrong, written with lists, against torch's
    tw = torch.ones(3, requires_grad=True)
    topt = torch.optim.SGD([tw], lr=0.1)
    w = tg.tensor(np.ones(3, "float32"), requires_grad=True)
    for _ in range(3):
        opt.zero_grad([w]), topt.zero_grad()
        (w * w).sum().backward(), (tw * tw).sum().backward()
        opt.step([w]), topt.step()
    np.testing.assert_allclose(w.tolist(), tw.tolist(), rtol=1e-6)


def test_pytorch_constructor_spellings_are_told_their_keras_names():
    w = tg.tensor([1.0], requires_grad=True)
    with pytest.raises(TypeError, match=r"^Invalid type for argument `learning_rate` of Adam: .*Received a list as "
                                        r"the first argument: PyTorch's optimizers take their parameters first"):
        tg.optimizers.Adam([w], 1e-3)
    with pytest.raises(ValueError, match=r"`eps` is PyTorch's name: use `epsilon`"):
        tg.optimizers.Adam(eps=1e-8)
    with pytest.raises(ValueError, match=r"`betas` is PyTorch's name: use `beta_1` and `beta_2`"):
        tg.optimizers.Adam(betas=(0.9, 0.99))
    with pytest.raises(ValueError, match=r"`params` is PyTorch's: a Keras optimizer is built without its variables"):
        tg.optimizers.SGD(params=[w], learning_rate=0.1)


@pytest.mark.parametrize("clip", ["clipnorm", "clipvalue", "global_clipnorm"])
def test_a_clip_limit_of_zero_clips_nothing_as_keras(clip):
    """Keras 3 takes ``clipnorm=0.0`` (and the other two) as no clipping (``if self.clipnorm > 0``); it was refused
    here, so a Keras configuration with it could not be used (found by a tester)."""
    keras = pytest.importorskip("keras")
    start, gradient = np.array([1.0, -2.0], "float32"), np.array([5.0, -0.5], "float32")
    w = tg.tensor(start.copy(), requires_grad=True)
    tg.optimizers.SGD(0.1, **{clip: 0.0}).apply([gradient], [w])
    kw = keras.Variable(start.copy())
    keras.optimizers.SGD(0.1, **{clip: 0.0}).apply([keras.ops.convert_to_tensor(gradient)], [kw])
    np.testing.assert_allclose(w.tolist(), keras.ops.convert_to_numpy(kw), rtol=1e-7)
    np.testing.assert_allclose(w.tolist(), start - 0.1 * gradient, rtol=1e-7)         # by hand: unclipped
    with pytest.raises(ValueError, match="Only one of"):
        tg.optimizers.SGD(0.1, clipnorm=0.0, clipvalue=0.0)
