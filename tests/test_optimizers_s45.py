"""Muon and ScheduleFreeAdamW: Keras 3's update rules, configs, slot variables and names.

References: loops written from the papers' formulas in float64 (NumPy, independent of the code's order of
operations), and Keras 3.15 on torch, the optimizer alone and in a model saved to a ``.keras`` file (skipped visibly
without it). Keras' ScheduleFreeAdamW on torch reads its momentum slot after updating it in place (see the class
docstring): it is compared here run with value semantics (its slot replaced, not changed in place, as on JAX), and
the unpatched one is checked to be exactly that aliasing."""
import json
import types
import warnings

import numpy as np
import pytest
from helpers import keras_on_torch
from helpers import keras_value_semantics as _value_semantics

import tinygradconv as tg
from tinygradconv import layers, models, optimizers
from tinygradconv.optimizers import schedules
from tinygradconv.optimizers.muon import newton_schulz

KERAS = "Keras 3 on torch is the reference for Muon and ScheduleFreeAdamW"
NEW = ["Muon", "ScheduleFreeAdamW"]
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")   # inside Keras


# ----------------------------------------------------------------------------------- references from the formulas
def ref_newton_schulz(x, steps, a=3.4445, b=-4.7750, c=2.0315):
    x = np.array(x, dtype=np.float64)
    tall = x.shape[0] > x.shape[1]
    if tall:
        x = x.T
    x = x / (np.linalg.norm(x, "fro") + 1e-7)
    for _ in range(steps):
        gram = x @ x.T
        x = a * x + (b * gram + c * gram @ gram) @ x
    return x.T if tall else x


def ref_muon(w, grads, name="", lr=0.001, adam_beta_1=0.9, adam_beta_2=0.999, adam_weight_decay=0.004,
             epsilon=1e-7, weight_decay=0.004, exclude_layers=(), exclude_embeddings=True, adam_lr_ratio=1,
             momentum=0.95, ns_steps=5, nesterov=True, rms_rate=0.2):
    """Muon's step for a matrix (Jordan's with Moonlight's scale), AdamW for the rest (Kingma & Ba), each with its
    own decoupled decay; the path rules of Keras' docstring."""
    adam = w.ndim != 2 or (exclude_embeddings and "embedding" in name.lower()) or \
        any(__import__("re").search(p, name) for p in exclude_layers)
    w, m, v, out = w.astype(np.float64), np.zeros(w.shape), np.zeros(w.shape), []
    for t, g in enumerate(grads, start=1):
        decay = adam_weight_decay if adam else weight_decay
        if decay is not None:
            w = w * (1 - decay * lr)
        if adam:
            m = adam_beta_1 * m + (1 - adam_beta_1) * g
            v = adam_beta_2 * v + (1 - adam_beta_2) * g**2
            m_hat, v_hat = m / (1 - adam_beta_1**t), v / (1 - adam_beta_2**t)
            # Keras' epsilon is added to sqrt(v), before the bias correction: eps_hat = eps * sqrt(1 - b2^t)
            w = w - lr * adam_lr_ratio * m_hat / (np.sqrt(v_hat) + epsilon / np.sqrt(1 - adam_beta_2**t))
        else:
            m = momentum * m + g
            o = ref_newton_schulz(g + momentum * m if nesterov else m, ns_steps)
            w = w - lr * o * (np.sqrt(max(w.shape)) * rms_rate if rms_rate is not None else 1.0)
        out.append(w.copy())
    return out


def ref_schedule_free(w, grads, lr=0.0025, beta_1=0.9, beta_2=0.999, epsilon=1e-8, warmup_steps=0,
                      weight_decay=None):
    """Defazio et al., Algorithm 1 (AdamW form): y the weight, z the base sequence, x the uniform average of z."""
    y, z, v, out = w.astype(np.float64), w.astype(np.float64), np.zeros(w.shape), []
    x = y.copy()
    for t, g in enumerate(grads, start=1):
        rate = lr * min(t / warmup_steps, 1.0) if warmup_steps else lr
        if weight_decay is not None:
            y = y * (1 - weight_decay * lr)
            x = (y - (1 - beta_1) * z) / beta_1      # the decay moves y, and x is read back from it
        v = beta_2 * v + (1 - beta_2) * g**2
        z = z - rate * g / (np.sqrt(v / (1 - beta_2**t)) + epsilon)
        x = (1 - 1 / t) * x + (1 / t) * z
        y = (1 - beta_1) * z + beta_1 * x
        out.append(y.copy())
    return out


CASES = [
    ("Muon", {"learning_rate": 0.05}),
    ("Muon", {"learning_rate": 0.02, "nesterov": False, "rms_rate": None, "weight_decay": 0.1,
              "adam_weight_decay": None, "momentum": 0.8, "ns_steps": 3, "adam_lr_ratio": 0.5, "epsilon": 1e-3,
              "exclude_layers": ["^e_"], "exclude_embeddings": False}),     # e_kernel: AdamW; the embedding: Muon
    ("ScheduleFreeAdamW", {"learning_rate": 0.05}),
    ("ScheduleFreeAdamW", {"learning_rate": 0.05, "beta_1": 0.5, "beta_2": 0.9, "epsilon": 1e-4, "warmup_steps": 4,
                           "weight_decay": 0.1}),
]
IDS = [f"{name}-{i}" for i, (name, _) in enumerate(CASES)]
REFERENCES = {"Muon": ref_muon, "ScheduleFreeAdamW": ref_schedule_free}
#: a bias, two Dense kernels (wide and tall), a Conv1D kernel (rank 3: AdamW) and an embedding matrix
SHAPES = [(3,), (4, 3), (2, 5), (3, 4, 2), (6, 2)]
NAMES = ["d_bias", "d_kernel", "e_kernel", "c_kernel", "embedding_embeddings"]


def _start(dtype, steps=10, seed=0):
    rng = np.random.default_rng(seed)
    inits = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
    grads = [[rng.standard_normal(s).astype(dtype) for s in SHAPES] for _ in range(steps)]
    return inits, grads


def _named(arrays, backend="numpy", dtype=None):
    out = []
    for array, name in zip(arrays, NAMES):
        out.append(tg.Tensor(array.copy(), backend=backend, dtype=dtype))
        out[-1].name = name
    return out


@pytest.mark.parametrize("name, kwargs", CASES, ids=IDS)
def test_steps_follow_the_papers_formulas_in_float64(name, kwargs, backend):
    inits, grads = _start("float64")
    variables = _named(inits, backend, "float64")
    opt = getattr(optimizers, name)(**kwargs)
    ref_kwargs = {("lr" if k == "learning_rate" else k): v for k, v in kwargs.items()}
    expected = [REFERENCES[name](w, [g[i] for g in grads], **ref_kwargs, **({"name": n} if name == "Muon" else {}))
                for i, (w, n) in enumerate(zip(inits, NAMES))]
    for step in range(len(grads)):
        opt.apply([tg.Tensor(g, dtype="float64", backend=backend) for g in grads[step]], variables)
        for v, exp in zip(variables, expected):
            np.testing.assert_allclose(v.numpy(), exp[step], rtol=1e-9, atol=1e-11,
                                       err_msg=f"step {step + 1}, {v.name}")
    assert opt.iterations == len(grads)


@pytest.mark.parametrize("options", [{}, {"weight_decay": 0.05}, {"clipnorm": 0.5}], ids=["plain", "wd", "clipnorm"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name, kwargs", CASES, ids=IDS)
def test_weights_after_1_2_and_10_steps_are_keras(name, kwargs, dtype, options):
    """Keras keeps the learning rate in a float32 variable, so float64 weights agree to about 1e-6 of their scale."""
    keras = keras_on_torch(KERAS)
    import torch

    inits, grads = _start(dtype)
    theirs = [keras.Variable(w.copy(), dtype=dtype, name=n) for w, n in zip(inits, NAMES)]
    ours = _named(inits, dtype=dtype)
    kwargs = dict(kwargs, **options)
    keras_optimizer = getattr(keras.optimizers, name)(**kwargs)
    if name == "ScheduleFreeAdamW":
        _value_semantics(keras_optimizer)
    our_optimizer = getattr(optimizers, name)(**kwargs)
    for step, g in enumerate(grads, start=1):
        keras_optimizer.apply([torch.from_numpy(x.copy()) for x in g], theirs)
        our_optimizer.apply([tg.tensor(x, dtype=dtype) for x in g], ours)
        if step in (1, 2, 10):
            for mine, keras_variable in zip(ours, theirs):
                expected = keras.ops.convert_to_numpy(keras_variable)
                assert mine.numpy().dtype == expected.dtype == np.dtype(dtype)
                np.testing.assert_allclose(mine.numpy(), expected, rtol=1e-5, atol=2e-6,
                                           err_msg=f"step {step}, {mine.name}")


def test_keras_schedule_free_on_torch_reads_the_updated_slot():
    """The documented difference: Keras 3.15 on torch, unpatched, is the paper's loop with x recovered from the
    *new* z (its ``momentum_old`` is a view of the slot it then updates in place); from the second step on, ours
    (the old z, as Keras' source intends and the paper) differs from it."""
    keras = keras_on_torch(KERAS)
    import torch

    inits, grads = _start("float64", steps=3)
    w0 = inits[1]
    variable = keras.Variable(w0.copy())
    keras_optimizer = keras.optimizers.ScheduleFreeAdamW(0.05, beta_1=0.5)
    y, z, v = w0.copy(), w0.copy(), np.zeros(w0.shape)
    for t, step in enumerate(grads, start=1):
        g = step[1]
        keras_optimizer.apply([torch.from_numpy(g.copy())], [variable])
        v = 0.999 * v + 0.001 * g**2
        z = z - 0.05 * g / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
        x = (y - 0.5 * z) / 0.5                       # the new z: Keras on torch's aliasing
        y = 0.5 * z + 0.5 * ((1 - 1 / t) * x + z / t)
        np.testing.assert_allclose(keras.ops.convert_to_numpy(variable), y, rtol=1e-6)
    ours = tg.tensor(w0.copy())
    opt = optimizers.ScheduleFreeAdamW(0.05, beta_1=0.5)
    for step in grads:
        opt.apply([tg.tensor(step[1])], [ours])
    assert np.abs(ours.numpy() - y).max() > 1e-3


@pytest.mark.parametrize("name", NEW)
def test_a_schedule_global_clipnorm_clipvalue_and_ema_follow_keras(name):
    keras = keras_on_torch(KERAS)
    import torch

    inits, grads = _start("float32")
    for options in ({"global_clipnorm": 1.0}, {"clipvalue": 0.3}, {"use_ema": True, "ema_momentum": 0.8}):
        theirs = [keras.Variable(w.copy(), name=n) for w, n in zip(inits, NAMES)]
        ours = _named(inits)
        keras_optimizer = getattr(keras.optimizers, name)(
            keras.optimizers.schedules.CosineDecayRestarts(0.1, 3, t_mul=2.0, m_mul=0.5, alpha=0.1), **options)
        if name == "ScheduleFreeAdamW":
            _value_semantics(keras_optimizer)
        our_optimizer = getattr(optimizers, name)(
            schedules.CosineDecayRestarts(0.1, 3, t_mul=2.0, m_mul=0.5, alpha=0.1), **options)
        for g in grads:
            keras_optimizer.apply([torch.from_numpy(x.copy()) for x in g], theirs)
            our_optimizer.apply([tg.tensor(x) for x in g], ours)
        for mine, keras_variable in zip(ours, theirs):
            np.testing.assert_allclose(mine.numpy(), keras.ops.convert_to_numpy(keras_variable), rtol=1e-5,
                                       atol=2e-6, err_msg=str(options))
        if options.get("use_ema"):
            for average, r in zip(our_optimizer.ema_weights, keras_optimizer._model_variables_moving_average):
                np.testing.assert_allclose(average.numpy(), keras.ops.convert_to_numpy(r), rtol=1e-5, atol=2e-6)


# ------------------------------------------------------------------------------------------------ hand-computed
def test_newton_schulz_nearly_orthogonalizes_and_follows_the_loop():
    """Five iterations with Keras' coefficients bring every singular value of a full-rank matrix into about
    [0.68, 1.2] and keep its singular vectors: the result is close to U V^T (SVD), wide or tall."""
    rng = np.random.default_rng(5)
    for shape in [(4, 7), (7, 4), (5, 5)]:
        x = rng.standard_normal(shape)
        out = newton_schulz(x, 5, 3.4445, -4.7750, 2.0315, np)
        np.testing.assert_allclose(out, ref_newton_schulz(x, 5), rtol=1e-12, atol=1e-14)
        u, _s, vt = np.linalg.svd(x, full_matrices=False)
        singular = np.linalg.svd(out, compute_uv=False)
        assert singular.min() > 0.6 and singular.max() < 1.25, singular
        np.testing.assert_allclose(u.T @ out @ vt.T, np.diag(np.diag(u.T @ out @ vt.T)), atol=1e-9)


def test_muon_by_hand_one_step():
    """From W = 0 with G = diag(3, 4), Nesterov, one NS step from X = G / 5: A = X X^T = diag(.36, .64),
    X' = a X + (b A + c A^2) X; then W = -lr * X' * sqrt(2) * 0.2 (no decay: W is 0)."""
    g = np.diag([3.0, 4.0])
    n = g + 0.95 * g                                  # M = G; N = G + mu M
    x = np.diag(n) / np.linalg.norm(n)                # the diagonal of X (a diagonal matrix stays diagonal)
    x = 3.4445 * x + (-4.7750 * x**2 + 2.0315 * x**4) * x
    w = tg.tensor(np.zeros((2, 2)), dtype="float64")
    optimizers.Muon(0.1, ns_steps=1).apply([tg.tensor(g, dtype="float64")], [w])
    np.testing.assert_allclose(np.diag(w.numpy()), -0.1 * x * np.sqrt(2) * 0.2, rtol=1e-6)
    assert w.numpy()[0, 1] == w.numpy()[1, 0] == 0


def test_schedule_free_warmup_and_first_step_by_hand():
    """At t = 1 the average is z itself: y = z = w - lr_1 * g / (|g| + eps) with lr_1 = lr / warmup_steps."""
    w = tg.tensor([1.0, -1.0], dtype="float64")
    opt = optimizers.ScheduleFreeAdamW(0.4, warmup_steps=4, epsilon=0.0)
    opt.apply([tg.tensor([2.0, -0.5], dtype="float64")], [w])
    assert w.tolist() == pytest.approx([0.9, -0.9], abs=1e-12)
    np.testing.assert_allclose(opt.state_of(w)["z"], [0.9, -0.9], atol=1e-12)


@pytest.mark.parametrize("kwargs, adam", [
    ({}, [True, False, False, True, True]),
    ({"exclude_embeddings": False}, [True, False, False, True, False]),
    ({"exclude_layers": ["^e_"]}, [True, False, True, True, True]),
    ({"exclude_layers": ["KERNEL"]}, [True, False, False, True, True]),      # re.search is case-sensitive
])
def test_muon_paths_follow_keras_rules(kwargs, adam):
    """Rank not 2, "embedding" in the name (any case), or a pattern of exclude_layers: AdamW (a velocity slot)."""
    opt = optimizers.Muon(**kwargs)
    variables = _named(_start("float32", steps=0)[0])
    opt.build(variables)
    assert [opt.uses_adamw(v) for v in variables] == adam
    assert ["v" in opt.state_of(v) for v in variables] == adam
    assert optimizers.Muon().uses_adamw(_named([np.ones((2, 2))])[0]) is False
    emb = tg.tensor(np.ones((2, 2)))
    emb.name = "tok/Embeddings"
    assert optimizers.Muon().uses_adamw(emb) is True


def test_muon_weight_decay_none_still_decays_the_adamw_variables_as_keras():
    """A zero gradient: only the decays move the weights: the kernel (Muon path) by weight_decay, the bias by
    adam_weight_decay; with weight_decay=None the kernel does not move and the bias still does."""
    for weight_decay, kernel_factor in ((0.5, 1 - 0.5 * 0.1), (None, 1.0)):
        kernel, bias = tg.tensor(np.ones((2, 3)), dtype="float64"), tg.tensor([2.0], dtype="float64")
        optimizers.Muon(0.1, weight_decay=weight_decay, adam_weight_decay=0.2).apply(
            [tg.tensor(np.zeros((2, 3)), dtype="float64"), tg.tensor([0.0], dtype="float64")], [kernel, bias])
        np.testing.assert_allclose(kernel.numpy(), kernel_factor, rtol=1e-12)
        np.testing.assert_allclose(bias.numpy(), 2.0 * (1 - 0.2 * 0.1), rtol=1e-12)
    kernel = tg.tensor(np.ones((2, 3)))
    kernel.name = "dense/kernel"
    opt = optimizers.Muon(0.1, weight_decay=0.5)
    opt.exclude_from_weight_decay(var_names=["kernel"])
    opt.apply([tg.tensor(np.zeros((2, 3), "float32"))], [kernel])
    assert np.all(kernel.numpy() == 1.0)


# ------------------------------------------------------------------------------------------------ configuration
@pytest.mark.parametrize("name, kwargs", CASES + [("Muon", {"exclude_layers": ["out"]}), ("Muon", {}),
                                                  ("ScheduleFreeAdamW", {})],
                         ids=IDS + ["Muon-exclude", "Muon-defaults", "ScheduleFreeAdamW-defaults"])
def test_get_config_is_keras_and_reads_both_ways(name, kwargs):
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


def test_defaults_and_names_without_keras(fresh_names):
    """Keras 3.15's defaults and default names, written out."""
    base = {"weight_decay": None, "clipnorm": None, "global_clipnorm": None, "clipvalue": None, "use_ema": False,
            "ema_momentum": 0.99, "ema_overwrite_frequency": None, "loss_scale_factor": None,
            "gradient_accumulation_steps": None}
    assert optimizers.Muon().get_config() == {
        "name": "muon", "learning_rate": 0.001, **base, "weight_decay": 0.004, "adam_beta_1": 0.9,
        "adam_beta_2": 0.999, "epsilon": 1e-7, "exclude_layers": [], "muon_a": 3.4445, "muon_b": -4.775,
        "muon_c": 2.0315, "adam_lr_ratio": 1, "momentum": 0.95, "ns_steps": 5, "nesterov": True,
        "exclude_embeddings": True, "adam_weight_decay": 0.004, "rms_rate": 0.2}
    assert optimizers.ScheduleFreeAdamW().get_config() == {
        "name": "schedule_free_adam_w", "learning_rate": 0.0025, **base, "beta_1": 0.9, "beta_2": 0.999,
        "epsilon": 1e-8, "warmup_steps": 0}
    for name in NEW:
        again = optimizers.deserialize(json.loads(json.dumps(optimizers.serialize(getattr(optimizers, name)(0.5)))))
        assert type(again) is getattr(optimizers, name) and again.learning_rate == 0.5


@pytest.mark.parametrize("identifier", ["muon", "Muon", "MUON", "schedulefreeadamw", "ScheduleFreeAdamW"])
def test_get_by_name_as_keras(identifier):
    expected = type(optimizers.get(identifier)).__name__
    assert expected.lower() == identifier.lower()
    keras = keras_on_torch(KERAS)
    assert type(keras.optimizers.get(identifier)).__name__ == expected


@pytest.mark.parametrize("name", NEW)
def test_slot_variables_are_keras_in_order_names_and_values(name):
    """``optimizer.variables`` after three steps on Dense, Embedding and Conv1D weights: Keras' paths, shapes and
    values (Muon: a momentum for every weight, a velocity right after it for the AdamW ones)."""
    keras = keras_on_torch(KERAS)
    import torch

    dense, embedding = keras.layers.Dense(3, name="dense"), keras.layers.Embedding(5, 2, name="embedding")
    conv = keras.layers.Conv1D(2, 3, name="conv")
    dense.build((None, 2))
    embedding.build((None,))
    conv.build((None, 5, 4))
    theirs = dense.weights + embedding.weights + conv.weights
    ours = []
    for variable in theirs:
        ours.append(tg.tensor(keras.ops.convert_to_numpy(variable), requires_grad=True))
        ours[-1].name, ours[-1].path = variable.name, variable.path
    keras_optimizer = getattr(keras.optimizers, name)(0.01, name="opt")
    if name == "ScheduleFreeAdamW":
        _value_semantics(keras_optimizer)
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
        np.testing.assert_allclose(mine.numpy(), value, rtol=1e-5, atol=1e-6, err_msg=mine.name)
    if name == "Muon":
        assert [v.path for v in our_optimizer.variables[2:6]] == [
            "opt/dense_kernel_momentum", "opt/dense_bias_momentum", "opt/dense_bias_velocity",
            "opt/embedding_embeddings_momentum"]


@pytest.mark.parametrize("name", NEW)
def test_state_round_trip_resumes_exactly(name, backend):
    inits, grads = _start("float32", steps=6)
    first = _named(inits, backend)
    opt = getattr(optimizers, name)(0.05)
    for g in grads[:3]:
        opt.apply([tg.Tensor(x, backend=backend) for x in g], first)
    second = _named([v.numpy() for v in first], backend)
    resumed = getattr(optimizers, name)(0.05)
    resumed.set_state(second, opt.get_state(first))
    for g in grads[3:]:
        opt.apply([tg.Tensor(x, backend=backend) for x in g], first)
        resumed.apply([tg.Tensor(x, backend=backend) for x in g], second)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


# ------------------------------------------------------------------------------------------------ bad arguments
@pytest.mark.parametrize("make, error, message", [
    (lambda: optimizers.Muon(adam_beta_1=1.0), ValueError,
     r"^Invalid value for argument `adam_beta_1`\. Expected a number in \[0, 1\)\. Received adam_beta_1=1\.0$"),
    (lambda: optimizers.Muon(adam_beta_2=-0.1), ValueError, r"`adam_beta_2`.*Received adam_beta_2=-0\.1$"),
    (lambda: optimizers.Muon(epsilon=-1e-7), ValueError, r"`epsilon`.*Received epsilon=-1e-07$"),
    (lambda: optimizers.Muon(adam_weight_decay=-0.1), ValueError,
     (r"^Invalid value for argument `adam_weight_decay`\. Expected a finite number >= 0\. "
     r"Received adam_weight_decay=-0\.1$")),
    (lambda: optimizers.Muon(weight_decay=float("inf")), ValueError, r"`weight_decay`.*Received weight_decay=inf$"),
    (lambda: optimizers.Muon(exclude_layers="dense"), TypeError,
     (r"^Invalid type for argument `exclude_layers`\. Expected None or a list of strings .*not a string.*"
     r"Received exclude_layers='dense'$")),
    (lambda: optimizers.Muon(exclude_layers=[3]), TypeError,
     r"^Invalid type for argument `exclude_layers`.*holding 3 of type int$"),
    (lambda: optimizers.Muon(exclude_layers=["("]), ValueError,
     r"^Invalid value for argument `exclude_layers`: '\(' is not a regular expression"),
    (lambda: optimizers.Muon(exclude_embeddings="no"), TypeError,
     (r"^Muon: Invalid type for argument `exclude_embeddings`\. Expected True or False\. "
     r"Received exclude_embeddings='no'$")),
    (lambda: optimizers.Muon(nesterov=1), TypeError, r"^Muon: Invalid type for argument `nesterov`"),
    (lambda: optimizers.Muon(muon_a=float("nan")), ValueError, r"^Invalid value for argument `muon_a`.*=nan$"),
    (lambda: optimizers.Muon(muon_b="x"), TypeError, r"^Invalid type for argument `muon_b`.*Received muon_b='x'$"),
    (lambda: optimizers.Muon(adam_lr_ratio=-1), ValueError, r"`adam_lr_ratio`.*Received adam_lr_ratio=-1$"),
    (lambda: optimizers.Muon(momentum=1.5), ValueError,
     r"^Invalid value for argument `momentum`\. Expected a number in \[0, 1\]\. Received momentum=1\.5$"),
    (lambda: optimizers.Muon(ns_steps=2.0), TypeError, r"^Invalid type for argument `ns_steps`.*Received"),
    (lambda: optimizers.Muon(ns_steps=-1), ValueError, r"^Invalid value for argument `ns_steps`.*Received"),
    (lambda: optimizers.Muon(rms_rate=0), ValueError,
     r"^Invalid value for argument `rms_rate`\. Expected a finite number > 0\. Received rms_rate=0$"),
    (lambda: optimizers.Muon(lr=0.1), ValueError, r"Argument\(s\) not recognized: \{'lr': 0\.1\}"),
    (lambda: optimizers.ScheduleFreeAdamW(beta_1=0.0), ValueError,
     r"^Invalid value for argument `beta_1`\. Expected a number in \(0, 1\]\. Received beta_1=0\.0$"),
    (lambda: optimizers.ScheduleFreeAdamW(beta_2=1.0), ValueError, r"`beta_2`.*Received beta_2=1\.0$"),
    (lambda: optimizers.ScheduleFreeAdamW(epsilon=float("inf")), ValueError, r"`epsilon`.*Received epsilon=inf$"),
    (lambda: optimizers.ScheduleFreeAdamW(warmup_steps=-2), ValueError,
     r"^Invalid value for argument `warmup_steps`.*Received"),
    (lambda: optimizers.ScheduleFreeAdamW(warmup_steps=1.5), TypeError,
     r"^Invalid type for argument `warmup_steps`.*Received"),
    (lambda: optimizers.ScheduleFreeAdamW(learning_rate=-0.1), ValueError, r"`learning_rate`.*Received"),
])
def test_bad_arguments_are_named(make, error, message):
    with pytest.raises(error, match=message):
        make()


# ------------------------------------------------------------------------------------------------ in a model
X = np.random.default_rng(0).normal(size=(16, 8, 2)).astype("float32")
Y = np.random.default_rng(1).normal(size=(16, 1)).astype("float32")
OURS = types.SimpleNamespace(layers=layers, Sequential=models.Sequential)


def _model(lib):
    """A Conv1D kernel (AdamW), a Dense kernel (Muon) and the output Dense, excluded by name as Keras advises."""
    L = lib.layers
    return lib.Sequential([L.Input((8, 2)), L.Conv1D(4, 3, name="c1"), L.Flatten(name="flat"),
                           L.Dense(5, name="hidden"), L.Dense(1, name="output_dense")])


def _fit(model):
    return model.fit(X, Y, epochs=1, batch_size=4, shuffle=False, verbose=0).history


def _keras_optimizer(keras, name, **kwargs):
    optimizer = getattr(keras.optimizers, name)(**kwargs)
    return _value_semantics(optimizer) if name == "ScheduleFreeAdamW" else optimizer


@pytest.mark.parametrize("name", ["muon", "schedulefreeadamw"])
def test_compile_by_name_trains_as_keras_and_keras_loads_the_file(name, tmp_path):
    keras = keras_on_torch(KERAS)
    keras.utils.set_random_seed(0)
    reference = _model(keras)
    model = _model(OURS)
    model.set_weights(reference.get_weights())
    reference.compile(optimizer=_keras_optimizer(keras, type(optimizers.get(name)).__name__), loss="mse")
    model.compile(optimizer=name, loss="mse")
    np.testing.assert_allclose(_fit(model)["loss"], _fit(reference)["loss"], rtol=1e-4)
    for a, b in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(a, np.asarray(b), rtol=2e-4, atol=1e-5)
    pytest.importorskip("h5py", reason="h5py reads and writes the weights of .keras files")
    model.save(tmp_path / "m.keras")
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)     # no "Skipping variable loading"
        loaded = keras.saving.load_model(tmp_path / "m.keras")
    assert type(loaded.optimizer).__name__.lower() == name and int(loaded.optimizer.iterations) == 4


@pytest.mark.parametrize("name", NEW)
def test_keras_files_load_compiled_both_ways_and_training_goes_on(tmp_path, name):
    pytest.importorskip("h5py", reason="h5py reads and writes the weights of .keras files")
    keras = keras_on_torch(KERAS)
    keras.utils.set_random_seed(0)
    kwargs = {"learning_rate": 0.01, **({"exclude_layers": ["output_dense"]} if name == "Muon" else {})}
    reference = _model(keras)
    reference.compile(optimizer=_keras_optimizer(keras, name, **kwargs), loss="mse")
    _fit(reference)
    reference.save(tmp_path / "k.keras")
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        ours = models.load_model(tmp_path / "k.keras")
    assert type(ours.optimizer).__name__ == name and ours.optimizer.iterations == 4
    if name == "Muon":
        assert ours.optimizer.exclude_layers == ["output_dense"]
    ours.save(tmp_path / "ours.keras")
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        theirs = keras.saving.load_model(tmp_path / "ours.keras")
    assert type(theirs.optimizer).__name__ == name and int(theirs.optimizer.iterations) == 4
    if name == "ScheduleFreeAdamW":
        _value_semantics(theirs.optimizer)
    histories = [_fit(m)["loss"] for m in (reference, ours, theirs)]
    np.testing.assert_allclose(histories[1], histories[0], rtol=1e-4)
    np.testing.assert_allclose(histories[2], histories[0], rtol=1e-4)
    for a, b in zip(ours.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(a, np.asarray(b), rtol=2e-4, atol=1e-5)
