"""Ftrl, Lamb and Adafactor: Keras 3's update rules, configs, slot variables and names.

References: loops written from the papers' formulas in float64 (independent of the code's order of operations), and
Keras 3.15 on torch, the optimizer alone and in a model saved to a ``.keras`` file (skipped visibly without it)."""
import json
import types
import warnings

import numpy as np
import pytest
from helpers import keras_on_torch

import tinygradconv as tg
from tinygradconv import layers, models, optimizers
from tinygradconv.optimizers import schedules

KERAS = "Keras 3 on torch is the reference for Ftrl, Lamb and Adafactor"
NEW = ["Ftrl", "Lamb", "Adafactor"]


# ----------------------------------------------------------------------------------- references from the formulas
def ref_ftrl(w, grads, lr=0.001, learning_rate_power=-0.5, initial_accumulator_value=0.1,
             l1_regularization_strength=0.0, l2_regularization_strength=0.0,
             l2_shrinkage_regularization_strength=0.0, beta=0.0):
    """McMahan et al. (2013), Algorithm 1 per coordinate, as Keras' docstring writes it: ``sigma = (n_new^-p -
    n^-p) / lr``, ``z += g - sigma * w``, ``w = 0`` in the dead zone ``|z| <= l1`` else ``(sign(z) l1 - z) / ((beta
    + n^-p) / lr + 2 l2)``; the shrinkage's gradient ``2 s w`` is added to ``g`` in ``z`` only."""
    p, l1, l2, s = -learning_rate_power, l1_regularization_strength, l2_regularization_strength, \
        l2_shrinkage_regularization_strength
    n, z, out = np.full_like(w, initial_accumulator_value), np.zeros_like(w), []
    for g in grads:
        n_new = n + g**2
        sigma = (n_new**p - n**p) / lr
        z = z + (g + 2 * s * w) - sigma * w
        w = np.where(np.abs(z) <= l1, 0.0, (np.sign(z) * l1 - z) / ((beta + n_new**p) / lr + 2 * l2))
        n = n_new
        out.append(w)
    return out


def ref_lamb(w, grads, lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    """You et al. (2019), Algorithm 2 with Keras' epsilon (added to the bias-corrected root) and no decay."""
    m, v, out = np.zeros_like(w), np.zeros_like(w), []
    for t, g in enumerate(grads, start=1):
        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g**2
        r = (m / (1 - beta_1**t)) / (np.sqrt(v / (1 - beta_2**t)) + epsilon)
        w_norm, r_norm = np.linalg.norm(w), np.linalg.norm(r)
        ratio = w_norm / r_norm if w_norm > 0 and r_norm > 0 else 1.0
        w = w - lr * ratio * r
        out.append(w)
    return out


def ref_adafactor(w, grads, lr=0.001, beta_2_decay=-0.8, epsilon_1=1e-30, epsilon_2=1e-3, clip_threshold=1.0,
                  relative_step=True):
    """Shazeer & Stern (2018), Algorithm 4 with the paper's *sums*: row sums ``R``, column sums ``C`` and ``V = R
    C / sum(R)`` (Keras keeps means; the two are equal), step ``min(lr, 1/sqrt(t)) * max(eps_2, RMS(w))``."""
    def rms(x):
        return np.sqrt(np.mean(x**2))

    factored = w.ndim >= 2
    R = np.zeros(w.shape[:-1]) if factored else None
    C = np.zeros(w.shape[:-2] + w.shape[-1:]) if factored else None
    V, out = np.zeros_like(w), []
    for t, g in enumerate(grads, start=1):
        b2 = 1 - t**beta_2_decay
        alpha = max(epsilon_2, rms(w)) * min(lr, 1 / np.sqrt(t))
        G = g**2 + epsilon_1
        if factored:
            R = b2 * R + (1 - b2) * G.sum(axis=-1)
            C = b2 * C + (1 - b2) * G.sum(axis=-2)
            V = R[..., :, None] * C[..., None, :] / R.sum(axis=-1)[..., None, None]
        else:
            V = b2 * V + (1 - b2) * G
        U = g / np.sqrt(V)
        w = w - alpha * U / max(1.0, rms(U) / clip_threshold)
        out.append(w)
    return out


#: (name, arguments): the defaults, and every argument away from its default
CASES = [
    ("Ftrl", {"learning_rate": 0.1}),
    ("Ftrl", {"learning_rate": 0.2, "learning_rate_power": -0.7, "initial_accumulator_value": 0.3,
              "l1_regularization_strength": 0.05, "l2_regularization_strength": 0.1,
              "l2_shrinkage_regularization_strength": 0.02, "beta": 0.5}),
    ("Ftrl", {"learning_rate": 0.5, "learning_rate_power": 0.0, "l1_regularization_strength": 0.8}),
    ("Lamb", {"learning_rate": 0.01}),
    ("Lamb", {"learning_rate": 0.05, "beta_1": 0.5, "beta_2": 0.8, "epsilon": 1e-3}),
    ("Adafactor", {"learning_rate": 0.01}),
    ("Adafactor", {"learning_rate": 0.5, "beta_2_decay": -0.5, "epsilon_1": 1e-3, "epsilon_2": 0.1,
                   "clip_threshold": 0.5, "relative_step": False}),
]
IDS = [f"{name}-{i}" for i, (name, _) in enumerate(CASES)]
REFERENCES = {"Ftrl": ref_ftrl, "Lamb": ref_lamb, "Adafactor": ref_adafactor}
#: a Dense bias, a Dense kernel and a Conv1D kernel (kernel_size, in, out)
SHAPES = [(3,), (4, 3), (3, 4, 2)]


def _start(dtype, steps=10, seed=0):
    rng = np.random.default_rng(seed)
    inits = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
    grads = [[rng.standard_normal(s).astype(dtype) for s in SHAPES] for _ in range(steps)]
    return inits, grads


@pytest.mark.parametrize("name, kwargs", CASES, ids=IDS)
def test_steps_follow_the_papers_formulas_in_float64(name, kwargs, backend):
    inits, grads = _start("float64")
    variables = [tg.Tensor(w, dtype="float64", backend=backend) for w in inits]
    opt = getattr(optimizers, name)(**kwargs)
    ref_kwargs = {("lr" if k == "learning_rate" else k): v for k, v in kwargs.items()}
    expected = [REFERENCES[name](w, [g[i] for g in grads], **ref_kwargs) for i, w in enumerate(inits)]
    for step in range(len(grads)):
        opt.apply([tg.Tensor(g, dtype="float64", backend=backend) for g in grads[step]], variables)
        for v, exp in zip(variables, expected):
            np.testing.assert_allclose(v.numpy(), exp[step], rtol=1e-10, atol=1e-12, err_msg=f"step {step + 1}")
    assert opt.iterations == len(grads)


@pytest.mark.parametrize("options", [{}, {"weight_decay": 0.05}, {"clipnorm": 0.5}], ids=["plain", "wd", "clipnorm"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name, kwargs", CASES, ids=IDS)
def test_weights_after_1_2_and_10_steps_are_keras(name, kwargs, dtype, options):
    """Keras keeps the learning rate in a float32 variable and computes the weight decay factor in float32, so
    float64 weights agree to about 3e-7 of their scale (float32 ones to a few float32 spacings)."""
    keras = keras_on_torch(KERAS)
    import torch

    inits, grads = _start(dtype)
    theirs = [keras.Variable(w.copy(), dtype=dtype) for w in inits]
    ours = [tg.tensor(w.copy(), dtype=dtype) for w in inits]
    keras_optimizer = getattr(keras.optimizers, name)(**kwargs, **options)
    our_optimizer = getattr(optimizers, name)(**kwargs, **options)
    for step, g in enumerate(grads, start=1):
        keras_optimizer.apply([torch.from_numpy(x.copy()) for x in g], theirs)
        our_optimizer.apply([tg.tensor(x, dtype=dtype) for x in g], ours)
        if step in (1, 2, 10):
            for mine, keras_variable in zip(ours, theirs):
                expected = keras.ops.convert_to_numpy(keras_variable)
                assert mine.numpy().dtype == expected.dtype == np.dtype(dtype)
                np.testing.assert_allclose(mine.numpy(), expected, rtol=1e-5, atol=2e-6,
                                           err_msg=f"step {step}, shape {mine.shape}")


@pytest.mark.parametrize("name", NEW)
def test_a_schedule_and_global_clipnorm_and_clipvalue_follow_keras(name):
    keras = keras_on_torch(KERAS)
    import torch

    inits, grads = _start("float32")
    for options in ({"global_clipnorm": 1.0}, {"clipvalue": 0.3}):
        theirs = [keras.Variable(w.copy()) for w in inits]
        ours = [tg.tensor(w.copy()) for w in inits]
        keras_optimizer = getattr(keras.optimizers, name)(
            keras.optimizers.schedules.CosineDecayRestarts(0.1, 3, t_mul=2.0, m_mul=0.5, alpha=0.1), **options)
        our_optimizer = getattr(optimizers, name)(
            schedules.CosineDecayRestarts(0.1, 3, t_mul=2.0, m_mul=0.5, alpha=0.1), **options)
        for g in grads:
            keras_optimizer.apply([torch.from_numpy(x.copy()) for x in g], theirs)
            our_optimizer.apply([tg.tensor(x) for x in g], ours)
        for mine, keras_variable in zip(ours, theirs):
            np.testing.assert_allclose(mine.numpy(), keras.ops.convert_to_numpy(keras_variable), rtol=1e-5,
                                       atol=2e-6, err_msg=str(options))


# ------------------------------------------------------------------------------------------------ hand-computed
def test_ftrl_by_hand_dead_zone_and_l2():
    """One step from w = 0 with n0 = 0: z = g, and w = (sign(z) l1 - z) / (sqrt(g^2) / lr + 2 l2) outside the dead
    zone: g = 4, l1 = 1, l2 = 0.5, lr = 0.5: (1 - 4) / (4 / 0.5 + 1) = -1/3; g = -0.5 is inside it: exactly 0."""
    w = tg.tensor([0.0, 0.0], dtype="float64")
    optimizers.Ftrl(0.5, initial_accumulator_value=0.0, l1_regularization_strength=1.0,
                    l2_regularization_strength=0.5).apply([tg.tensor([4.0, -0.5], dtype="float64")], [w])
    assert w.tolist() == pytest.approx([-1 / 3, 0.0], abs=1e-15)


def test_lamb_trust_ratio_is_one_for_zero_weights_and_zero_updates():
    """The ratio |w| / |update| is 1 when either norm is 0 (Keras' rule): from w = 0 the first step is Adam's
    (about lr per coordinate); a zero gradient leaves the weight as it is."""
    w = tg.tensor([0.0, 0.0], dtype="float64")
    optimizers.Lamb(0.1).apply([tg.tensor([2.0, -0.5], dtype="float64")], [w])
    assert w.tolist() == pytest.approx([-0.1, 0.1], rel=1e-5)
    w = tg.tensor([1.0, 2.0])
    optimizers.Lamb(0.1).apply([tg.tensor([0.0, 0.0])], [w])
    assert w.tolist() == [1.0, 2.0]


def test_adafactor_factors_the_last_two_axes_of_a_conv_kernel():
    """A (kernel_size, in, out) kernel keeps r of shape (kernel_size, in) and c of (kernel_size, out); at the first
    step (b2_t = 0) they are the means of g^2 + eps_1 over the last axis and over the one before."""
    w = tg.tensor(np.ones((2, 3, 4)), dtype="float64")
    g = np.arange(24.0).reshape(2, 3, 4)
    opt = optimizers.Adafactor()
    opt.apply([tg.tensor(g, dtype="float64")], [w])
    state = opt.state_of(w)
    assert state["r"].shape == (2, 3) and state["c"].shape == (2, 4) and state["v"].shape == (2, 3, 4)
    np.testing.assert_allclose(state["r"], (g**2).mean(axis=-1), rtol=1e-12)
    np.testing.assert_allclose(state["c"], (g**2).mean(axis=-2), rtol=1e-12)
    bias = tg.tensor([1.0, 2.0])
    opt = optimizers.Adafactor()
    opt.apply([tg.tensor([0.5, 0.5])], [bias])
    assert opt.state_of(bias)["r"].shape == () and str(opt.state_of(bias)["r"].dtype) == "int32"


def test_adafactor_relative_step_changes_nothing_as_in_keras():
    keras = keras_on_torch(KERAS)
    import torch

    inits, grads = _start("float32", steps=4)
    results = {}
    for relative_step in (True, False):
        ours = [tg.tensor(w.copy()) for w in inits]
        theirs = [keras.Variable(w.copy()) for w in inits]
        our_optimizer = optimizers.Adafactor(2.0, relative_step=relative_step)     # lr > 1/sqrt(t): capped
        keras_optimizer = keras.optimizers.Adafactor(2.0, relative_step=relative_step)
        for g in grads:
            our_optimizer.apply([tg.tensor(x) for x in g], ours)
            keras_optimizer.apply([torch.from_numpy(x.copy()) for x in g], theirs)
        results[relative_step] = [w.numpy() for w in ours]
        for mine, keras_variable in zip(ours, theirs):
            np.testing.assert_allclose(mine.numpy(), keras.ops.convert_to_numpy(keras_variable), rtol=1e-5, atol=2e-6)
    for a, b in zip(results[True], results[False]):
        np.testing.assert_array_equal(a, b)


# ------------------------------------------------------------------------------------------------ configuration
@pytest.mark.parametrize("name, kwargs", CASES + [("Ftrl", {}), ("Lamb", {}), ("Adafactor", {})],
                         ids=IDS + ["Ftrl-defaults", "Lamb-defaults", "Adafactor-defaults"])
def test_get_config_is_keras_and_reads_both_ways(name, kwargs):
    """Keras' dict, its keys in its order (``use_ema`` and the rest included, since s44); Keras' learning rate is
    its float32 variable's value. (Named: Keras numbers the default name of a second instance.)"""
    keras = keras_on_torch(KERAS)
    kwargs = dict(kwargs, name="opt")
    theirs = getattr(keras.optimizers, name)(**kwargs).get_config()
    ours = getattr(optimizers, name)(**kwargs).get_config()
    expected = dict(theirs)
    assert list(ours) == list(expected)
    assert np.float32(ours.pop("learning_rate")) == np.float32(expected.pop("learning_rate"))
    assert ours == expected
    again = getattr(keras.optimizers, name).from_config(getattr(optimizers, name)(**kwargs).get_config())
    assert again.get_config() == theirs
    from_keras = optimizers.deserialize({"class_name": name, "config": theirs})
    assert type(from_keras) is getattr(optimizers, name)
    assert from_keras.get_config() == dict(ours, learning_rate=from_keras.get_config()["learning_rate"])


@pytest.mark.parametrize("name", NEW)
def test_defaults_and_names_without_keras(name, fresh_names):
    """Keras 3.15's defaults and default names, written out."""
    defaults = {"Ftrl": {"learning_rate_power": -0.5, "initial_accumulator_value": 0.1,
                         "l1_regularization_strength": 0.0, "l2_regularization_strength": 0.0,
                         "l2_shrinkage_regularization_strength": 0.0, "beta": 0.0},
                "Lamb": {"beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7},
                "Adafactor": {"beta_2_decay": -0.8, "epsilon_1": 1e-30, "epsilon_2": 1e-3, "clip_threshold": 1.0,
                              "relative_step": True}}[name]
    config = getattr(optimizers, name)().get_config()
    assert config == {"name": name.lower(), "learning_rate": 0.001, "weight_decay": None, "clipnorm": None,
                      "global_clipnorm": None, "clipvalue": None, "use_ema": False, "ema_momentum": 0.99,
                      "ema_overwrite_frequency": None, "loss_scale_factor": None,
                      "gradient_accumulation_steps": None, **defaults}
    again = optimizers.deserialize(json.loads(json.dumps(optimizers.serialize(getattr(optimizers, name)(0.5)))))
    assert type(again) is getattr(optimizers, name) and again.learning_rate == 0.5


@pytest.mark.parametrize("identifier", ["ftrl", "Ftrl", "lamb", "LAMB", "adafactor", "Adafactor"])
def test_get_by_name(identifier):
    assert type(optimizers.get(identifier)).__name__.lower() == identifier.lower()


@pytest.mark.parametrize("name", NEW)
def test_slot_variables_are_keras_in_order_names_and_values(name):
    """``optimizer.variables`` after three steps on a Dense layer's and a Conv1D layer's weights: Keras' paths, shapes
    and values (Adafactor: r, c and the velocity per weight; a bias's r and c are Keras' int32 placeholders)."""
    keras = keras_on_torch(KERAS)
    import torch

    dense, conv = keras.layers.Dense(3, name="dense"), keras.layers.Conv1D(2, 3, name="conv")
    dense.build((None, 2))
    conv.build((None, 5, 4))
    theirs = dense.weights + conv.weights
    ours = []
    for variable in theirs:
        ours.append(tg.tensor(keras.ops.convert_to_numpy(variable), requires_grad=True))
        ours[-1].name, ours[-1].path = variable.name, variable.path
    keras_optimizer = getattr(keras.optimizers, name)(0.01, name="opt")
    our_optimizer = getattr(optimizers, name)(0.01, name="opt")
    rng = np.random.default_rng(3)
    for _ in range(3):
        g = [rng.standard_normal(v.shape).astype("float32") for v in ours]
        keras_optimizer.apply([torch.from_numpy(x) for x in g], theirs)
        our_optimizer.apply(g, ours)
    expected = [(v.name, v.path, tuple(v.shape)) for v in keras_optimizer.variables]
    assert [(v.name, v.path, v.shape) for v in our_optimizer.variables] == expected
    for mine, keras_variable in zip(our_optimizer.variables[2:], keras_optimizer.variables[2:]):
        value = keras.ops.convert_to_numpy(keras_variable.value)
        assert str(mine.dtype) == str(value.dtype), mine.name
        np.testing.assert_allclose(mine.numpy(), value, rtol=1e-5, atol=1e-7, err_msg=mine.name)
    if name == "Adafactor":
        assert [v.path for v in our_optimizer.variables[2:8]] == [
            "opt/kernel", "opt/kernel", "opt/dense_kernel_velocity", "opt/bias", "opt/bias", "opt/dense_bias_velocity"]


@pytest.mark.parametrize("name", NEW)
def test_state_round_trip_resumes_exactly(name, backend):
    inits, grads = _start("float32", steps=6)
    first = [tg.Tensor(w, backend=backend) for w in inits]
    opt = getattr(optimizers, name)(0.05)
    for g in grads[:3]:
        opt.apply([tg.Tensor(x, backend=backend) for x in g], first)
    second = [tg.Tensor(v.numpy(), backend=backend) for v in first]
    resumed = getattr(optimizers, name)(0.05)
    resumed.set_state(second, opt.get_state(first))
    for g in grads[3:]:
        opt.apply([tg.Tensor(x, backend=backend) for x in g], first)
        resumed.apply([tg.Tensor(x, backend=backend) for x in g], second)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


# ------------------------------------------------------------------------------------------------ bad arguments
@pytest.mark.parametrize("make, error, message", [
    (lambda: optimizers.Ftrl(learning_rate_power=0.5), ValueError,
     (r"^Invalid value for argument `learning_rate_power`\. Expected a finite number <= 0\. "
      r"Received learning_rate_power=0\.5$")),
    (lambda: optimizers.Ftrl(initial_accumulator_value=-0.1), ValueError,
     (r"^Invalid value for argument `initial_accumulator_value`\. Expected a finite number >= 0\. "
      r"Received initial_accumulator_value=-0\.1$")),
    (lambda: optimizers.Ftrl(l1_regularization_strength=-1), ValueError, r"`l1_regularization_strength`.*=-1$"),
    (lambda: optimizers.Ftrl(l2_regularization_strength=-1), ValueError, r"`l2_regularization_strength`.*=-1$"),
    (lambda: optimizers.Ftrl(l2_shrinkage_regularization_strength=-1), ValueError,
     r"`l2_shrinkage_regularization_strength`.*=-1$"),
    (lambda: optimizers.Ftrl(beta=-0.5), ValueError, r"`beta`\. Expected a finite number >= 0\. Received beta=-0\.5"),
    (lambda: optimizers.Ftrl(beta="0.5"), TypeError, r"^Invalid type for argument `beta`.*Received beta='0\.5'"),
    (lambda: optimizers.Ftrl(learning_rate=0.0), ValueError,
     (r"^Invalid value for argument `learning_rate`: Ftrl divides by the learning rate\. Expected a number > 0 or "
      r"a schedule\. Received learning_rate=0\.0$")),
    (lambda: optimizers.Lamb(beta_1=1.0), ValueError, r"^Invalid value for argument `beta_1`.*Received beta_1=1\.0"),
    (lambda: optimizers.Lamb(beta_2=-0.1), ValueError, r"`beta_2`.*Received beta_2=-0\.1"),
    (lambda: optimizers.Lamb(epsilon=-1e-7), ValueError, r"`epsilon`.*Received epsilon=-1e-07"),
    (lambda: optimizers.Lamb(beta_1=None), TypeError, r"^Invalid type for argument `beta_1`.*Received beta_1=None"),
    (lambda: optimizers.Adafactor(beta_2_decay=0.5), ValueError,
     r"^Invalid value for argument `beta_2_decay`\. Expected a finite number <= 0\. Received beta_2_decay=0\.5$"),
    (lambda: optimizers.Adafactor(epsilon_1=-1.0), ValueError, r"`epsilon_1`.*Received epsilon_1=-1\.0"),
    (lambda: optimizers.Adafactor(epsilon_2=float("nan")), ValueError, r"`epsilon_2`.*Received epsilon_2=nan"),
    (lambda: optimizers.Adafactor(clip_threshold=0), ValueError,
     r"^Invalid value for argument `clip_threshold`\. Expected a number > 0\. Received clip_threshold=0$"),
    (lambda: optimizers.Adafactor(relative_step="yes"), TypeError,
     r"^Adafactor: Invalid type for argument `relative_step`\. Expected True or False\. Received relative_step='yes'$"),
    (lambda: optimizers.Adafactor(lr=0.1), ValueError, r"Argument\(s\) not recognized: \{'lr': 0\.1\}"),
    (lambda: optimizers.Lamb(use_ema=True, ema_momentum=2), ValueError,
     r"^Invalid value for argument `ema_momentum`\. Expected a number in the range \[0, 1\]\. Received ema_mom"),
    (lambda: optimizers.Lamb(gradient_accumulation_steps=2), ValueError,
     r"`gradient_accumulation_steps` is not supported"),
])
def test_bad_arguments_are_named(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_ftrl_refuses_a_rate_of_zero_where_keras_makes_nan_weights():
    """Ftrl divides by the learning rate: Keras 3.15 turns every weight into NaN at a rate of 0; here the rate is
    refused, given, assigned or reached by a schedule, before any weight changes."""
    keras = keras_on_torch(KERAS)
    import torch

    variable = keras.Variable(np.array([1.0, 2.0], "float32"))
    keras.optimizers.Ftrl(0.0).apply([torch.tensor([0.5, 0.1])], [variable])
    assert np.isnan(keras.ops.convert_to_numpy(variable)).all()
    opt = optimizers.Ftrl(0.1)
    with pytest.raises(ValueError, match="Ftrl divides by the learning rate"):
        opt.learning_rate.assign(0.0)
    w = tg.tensor([1.0, 2.0])
    opt = optimizers.Ftrl(schedules.PolynomialDecay(0.1, 1, end_learning_rate=0.0), weight_decay=0.1)
    opt.apply([tg.tensor([0.5, 0.1])], [w])
    before = w.tolist()
    with pytest.raises(ValueError, match=r"Ftrl divides by the learning rate, and the `learning_rate` .* gave 0 at "
                                         r"iteration 1"):
        opt.apply([tg.tensor([0.5, 0.1])], [w])
    assert w.tolist() == before and opt.iterations == 1


# ------------------------------------------------------------------------------------------------ in a model
X = np.random.default_rng(0).normal(size=(16, 8, 2)).astype("float32")
Y = np.random.default_rng(1).normal(size=(16, 1)).astype("float32")
OURS = types.SimpleNamespace(layers=layers, Sequential=models.Sequential)


def _model(lib):
    L = lib.layers
    return lib.Sequential([L.Input((8, 2)), L.Conv1D(4, 3, name="c1"), L.Flatten(name="flat"), L.Dense(1, name="d")])


def _fit(model):
    return model.fit(X, Y, epochs=1, batch_size=4, shuffle=False, verbose=0).history


@pytest.mark.parametrize("name", ["ftrl", "lamb", "adafactor"])
def test_compile_by_name_trains_as_keras(name, tmp_path):
    """``compile(optimizer="lamb")``: Keras 3.15's ``keras.optimizers.get`` does not know "lamb", so Keras' model is
    compiled with the instance there; our ``.keras`` file holds the optimizer's config, which Keras loads."""
    keras = keras_on_torch(KERAS)
    keras.utils.set_random_seed(0)
    reference = _model(keras)
    model = _model(OURS)
    model.set_weights(reference.get_weights())
    reference.compile(optimizer=getattr(keras.optimizers, {"ftrl": "Ftrl", "lamb": "Lamb",
                                                           "adafactor": "Adafactor"}[name])(), loss="mse")
    model.compile(optimizer=name, loss="mse")
    np.testing.assert_allclose(_fit(model)["loss"], _fit(reference)["loss"], rtol=1e-4)
    for a, b in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(a, np.asarray(b), rtol=2e-4, atol=1e-5)
    pytest.importorskip("h5py", reason="h5py reads and writes the weights of .keras files")
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    assert type(loaded.optimizer).__name__.lower() == name and int(loaded.optimizer.iterations) == 4
    if name == "lamb":      # the Keras behaviour the docs describe
        with pytest.raises(ValueError, match="Could not interpret optimizer identifier"):
            keras.optimizers.get(name)


@pytest.mark.parametrize("name", NEW)
def test_keras_files_load_compiled_both_ways_and_training_goes_on(tmp_path, name):
    pytest.importorskip("h5py", reason="h5py reads and writes the weights of .keras files")
    keras = keras_on_torch(KERAS)
    keras.utils.set_random_seed(0)
    reference = _model(keras)
    reference.compile(optimizer=getattr(keras.optimizers, name)(0.01), loss="mse")
    _fit(reference)
    reference.save(tmp_path / "k.keras")
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)     # no "Skipping variable loading"
        ours = models.load_model(tmp_path / "k.keras")
    assert type(ours.optimizer).__name__ == name and ours.optimizer.iterations == 4
    ours.save(tmp_path / "ours.keras")
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        theirs = keras.saving.load_model(tmp_path / "ours.keras")
    assert type(theirs.optimizer).__name__ == name and int(theirs.optimizer.iterations) == 4
    histories = [_fit(m)["loss"] for m in (reference, ours, theirs)]
    np.testing.assert_allclose(histories[1], histories[0], rtol=1e-4)
    np.testing.assert_allclose(histories[2], histories[0], rtol=1e-4)
    for a, b in zip(ours.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(a, np.asarray(b), rtol=2e-4, atol=1e-5)


@pytest.mark.parametrize("name", NEW)
def test_a_compiled_model_clones_with_its_optimizer_and_schedule(name):
    """Found while writing Ftrl: ``clone_model`` rebuilt the optimizer from a config whose rate it had set to 0, which
    Ftrl refuses; the clone's optimizer is a fresh one of the same class, following the same schedule."""
    model = _model(OURS)
    schedule = schedules.CosineDecay(0.1, 10, alpha=0.1)
    model.compile(optimizer=getattr(optimizers, name)(schedule), loss="mse")
    clone = models.clone_model(model)
    assert type(clone.optimizer) is type(model.optimizer) and clone.optimizer is not model.optimizer
    assert clone.optimizer._learning_rate is schedule and clone.optimizer.iterations == 0
    _fit(clone)
    assert clone.optimizer.iterations == 4


def test_ftrl_without_accumulator_start_makes_a_never_moved_coordinate_nan_as_keras():
    """Documented: n0 = 0, l2 = beta = 0 and a zero gradient give quadratic = 0 and w = 0 / 0 for that coordinate,
    in Keras 3.15 too; the other coordinate by hand: z = 1 - (1 / 0.1) * 2 = -19, w = 19 / (1 / 0.1) = 1.9."""
    w = tg.tensor([1.0, 2.0], dtype="float64")
    optimizers.Ftrl(0.1, initial_accumulator_value=0.0).apply([tg.tensor([0.0, 1.0], dtype="float64")], [w])
    assert np.isnan(w.numpy()[0]) and w.numpy()[1] == pytest.approx(1.9, rel=1e-12)
    keras = keras_on_torch(KERAS)
    import torch

    variable = keras.Variable(np.array([1.0, 2.0]), dtype="float64")
    keras.optimizers.Ftrl(0.1, initial_accumulator_value=0.0).apply([torch.tensor([0.0, 1.0], dtype=torch.float64)],
                                                                    [variable])
    np.testing.assert_allclose(w.numpy(), keras.ops.convert_to_numpy(variable), rtol=1e-7)
