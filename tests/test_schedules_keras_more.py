"""``PolynomialDecay`` and ``CosineDecayRestarts`` against Keras 3 on torch step by step (skipped visibly without
it): 0 to 3000 and huge steps (around ``2 ** 24``, where float32 rounds the step, up to ``2 ** 40``), every argument;
against float64 loops written from the formulas and values by hand (always run); config, serialization and the
lookup by name that saving uses; argument errors.

Keras computes them in float32 with torch's kernels. Ours follows the same operations in float32; PolynomialDecay
agrees to one float32 spacing of its value (``pow``) and CosineDecayRestarts to two spacings of its period's peak
rate, ``initial_learning_rate * m_mul ** i`` (torch's float32 ``cos`` is within one unit of the exact value, not
always the nearest float32, and ``1 + cos`` cancels near the end of a period), with restarts on the same steps.
"""
import json
import math

import numpy as np
import pytest
from helpers import keras_on_torch

import tinygradconv as tg
from tinygradconv import optimizers
from tinygradconv.optimizers import schedules

KERAS = "Keras 3 on torch is the reference of its learning-rate schedules"
STEPS = [*range(3001), 2**24 - 1, 2**24, 2**24 + 1, 2**24 + 3, 123456789, 10**9, 2**31 - 1, 10**12, 2**40]

POLYNOMIAL = [{"initial_learning_rate": 0.1, "decay_steps": 100},
              {"initial_learning_rate": 0.1, "decay_steps": 100, "end_learning_rate": 0.001, "power": 0.5},
              {"initial_learning_rate": 0.1, "decay_steps": 100, "end_learning_rate": 0.001, "power": 2.0,
               "cycle": True},
              {"initial_learning_rate": 0.3, "decay_steps": 7.5, "end_learning_rate": 0.0, "power": 3.3, "cycle": True},
              {"initial_learning_rate": 1.0, "decay_steps": 1, "end_learning_rate": 0.5, "power": 0.0, "cycle": True,
               "name": "flat"}]
RESTARTS = [{"initial_learning_rate": 0.1, "first_decay_steps": 10},
            {"initial_learning_rate": 0.1, "first_decay_steps": 10, "t_mul": 1.0, "m_mul": 0.9, "alpha": 0.1},
            {"initial_learning_rate": 0.05, "first_decay_steps": 7, "t_mul": 1.5, "m_mul": 0.8, "alpha": 0.01},
            {"initial_learning_rate": 0.05, "first_decay_steps": 3, "t_mul": 3.0, "m_mul": 1.1, "alpha": 0.0},
            {"initial_learning_rate": 1.0, "first_decay_steps": 100, "t_mul": 0.5, "m_mul": 1.0, "name": "shrinking"},
            {"initial_learning_rate": 2.0, "first_decay_steps": 12.5, "t_mul": 2.0, "m_mul": 0.5, "alpha": 0.2}]


# ------------------------------------------------------------------------------------------------ references
def np_polynomial(step, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0, cycle=False,
                  name=None):
    span = decay_steps * (max(1, math.ceil(step / decay_steps)) if cycle else 1)
    s = step if cycle else min(step, decay_steps)
    return (initial_learning_rate - end_learning_rate) * (1 - s / span) ** power + end_learning_rate


def np_restarts(step, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0, name=None):
    """Walk the periods one by one (float64): no logarithm, no closed form."""
    start, length, i = 0.0, float(first_decay_steps), 0
    while step >= start + length:
        start, length, i = start + length, length * t_mul, i + 1
    c = (step - start) / length
    return initial_learning_rate * ((1 - alpha) * m_mul**i * 0.5 * (1 + math.cos(math.pi * c)) + alpha)


def test_polynomial_decay_by_hand():
    s = schedules.PolynomialDecay(1.0, decay_steps=4, end_learning_rate=0.0)
    assert [s(k) for k in (0, 1, 2, 3, 4, 100)] == [1.0, 0.75, 0.5, 0.25, 0.0, 0.0]
    c = schedules.PolynomialDecay(1.0, decay_steps=4, end_learning_rate=0.0, cycle=True)
    # step 0 and 4: spans of 4; step 5 to 8: a span of 8; step 9: 12
    assert [c(k) for k in (0, 4, 5, 6, 8, 9)] == [1.0, 0.0, 0.375, 0.25, 0.0, 0.25]
    q = schedules.PolynomialDecay(2.0, decay_steps=10, end_learning_rate=1.0, power=2.0)
    assert q(5) == 1.25 and q(10) == 1.0


def test_cosine_decay_restarts_by_hand():
    s = schedules.CosineDecayRestarts(1.0, first_decay_steps=4, t_mul=2.0, m_mul=0.5, alpha=0.0)
    # periods [0, 4), [4, 12), [12, 28): a restart at 4 to 0.5, at 12 to 0.25; half-way down at 2, 8, 20
    assert [s(k) for k in (0, 2, 4, 8, 12, 20, 28)] == pytest.approx([1.0, 0.5, 0.5, 0.25, 0.25, 0.125, 0.125],
                                                                      abs=1e-7)
    flat = schedules.CosineDecayRestarts(1.0, first_decay_steps=2, t_mul=1.0, alpha=0.5)
    assert [flat(k) for k in (0, 1, 2, 3)] == pytest.approx([1.0, 0.75, 1.0, 0.75], abs=1e-7)


@pytest.mark.parametrize("kwargs", POLYNOMIAL, ids=str)
def test_polynomial_decay_against_a_float64_formula(kwargs):
    s = schedules.PolynomialDecay(**kwargs)
    for step in range(400):
        assert s(step) == pytest.approx(np_polynomial(step, **kwargs), rel=1e-6, abs=1e-7), step


@pytest.mark.parametrize("kwargs", RESTARTS[:4] + RESTARTS[5:], ids=str)
def test_cosine_decay_restarts_against_a_walk_over_the_periods(kwargs):
    s = schedules.CosineDecayRestarts(**kwargs)
    for step in range(400):
        expected = np_restarts(step, **kwargs)
        # a step within float32 rounding of a period's end may fall on either side of the restart, as in Keras
        near_boundary = abs(s(step) - expected) > 1e-5 and abs(np_restarts(step - 1e-4, **kwargs) - s(step)) < 1e-4
        assert near_boundary or s(step) == pytest.approx(expected, rel=1e-5, abs=1e-6), step


def test_shrinking_periods_end_in_nan_as_keras():
    # t_mul = 0.5: periods of 100, 50, 25, ... add up to 200 steps; beyond them log of a negative number: NaN
    s = schedules.CosineDecayRestarts(1.0, first_decay_steps=100, t_mul=0.5)
    assert np.isfinite(s(150)) and math.isnan(s(250))


def test_computed_in_float32():
    s = schedules.PolynomialDecay(0.1, decay_steps=3, end_learning_rate=0.0)
    assert s(1) == float(np.float32(0.1) * (np.float32(1) - np.float32(1) / np.float32(3)))   # not 0.1 * 2 / 3
    assert s(1) != 0.1 * 2 / 3
    # 2 ** 24 + 1 is not a float32: the step rounds to 2 ** 24, as Keras' cast
    c = schedules.CosineDecayRestarts(0.1, first_decay_steps=3, t_mul=1.0)
    assert c(2**24 + 1) == c(2**24)


# ------------------------------------------------------------------------------------------------ Keras 3
def _keras_values(keras, torch, name, kwargs, steps):
    schedule = getattr(keras.optimizers.schedules, name)(**kwargs)
    return np.array([schedule(torch.tensor(step, dtype=torch.int64)).item() for step in steps], dtype=np.float32)


@pytest.mark.parametrize("kwargs", POLYNOMIAL, ids=str)
def test_polynomial_decay_matches_keras_step_by_step(kwargs):
    keras = keras_on_torch(KERAS)
    import torch

    expected = _keras_values(keras, torch, "PolynomialDecay", kwargs, STEPS)
    ours = schedules.PolynomialDecay(**kwargs)
    got = np.array([ours(step) for step in STEPS])
    assert np.all(got == got.astype(np.float32))                      # float32 values, as Keras'
    assert np.all(np.abs(got - expected) <= np.spacing(expected)), np.abs(got - expected).max()


@pytest.mark.parametrize("kwargs", RESTARTS, ids=str)
def test_cosine_decay_restarts_matches_keras_step_by_step(kwargs):
    keras = keras_on_torch(KERAS)
    import torch

    expected = _keras_values(keras, torch, "CosineDecayRestarts", kwargs, STEPS)
    ours = schedules.CosineDecayRestarts(**kwargs)
    got = np.array([ours(step) for step in STEPS])
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))
    finite = ~np.isnan(expected)
    assert np.all(got[finite] == got[finite].astype(np.float32))
    tolerance = 2 * np.spacing(np.maximum(np.abs(expected), _period_peaks(expected, kwargs)))
    assert np.all(np.abs(got - expected)[finite] <= tolerance[finite]), np.abs(got - expected)[finite].max()


def _period_peaks(values, kwargs):
    """A bound of each step's period peak, ``initial_learning_rate * m_mul ** i``: the initial rate when ``m_mul <=
    1``; else twice the largest rate seen so far (a period's rate starts at its peak and the peaks grow)."""
    base = np.float32(kwargs["initial_learning_rate"])
    if kwargs.get("m_mul", 1.0) <= 1.0:
        return np.full(values.shape, base, dtype=np.float32)
    return np.maximum(base, 2 * np.maximum.accumulate(np.where(np.isnan(values), 0, values))).astype(np.float32)


@pytest.mark.parametrize("name, kwargs", [("PolynomialDecay", POLYNOMIAL[3]), ("CosineDecayRestarts", RESTARTS[2])])
def test_config_matches_keras_and_round_trips(name, kwargs):
    ours = getattr(schedules, name)(**kwargs)
    config = ours.get_config()
    again = schedules.deserialize(json.loads(json.dumps(schedules.serialize(ours))))
    assert type(again) is type(ours) and again.get_config() == config
    assert [again(k) for k in range(0, 50, 7)] == [ours(k) for k in range(0, 50, 7)]
    keras = keras_on_torch(KERAS)
    theirs = getattr(keras.optimizers.schedules, name)(**kwargs).get_config()
    assert config == theirs
    # a Keras-serialized schedule (module, registered_name) is read too
    from_keras = schedules.deserialize(keras.optimizers.schedules.serialize(
        getattr(keras.optimizers.schedules, name)(**kwargs)))
    assert type(from_keras) is type(ours) and from_keras.get_config() == config


def test_defaults_are_keras_defaults():
    assert schedules.PolynomialDecay(0.1, 10).get_config() == {
        "initial_learning_rate": 0.1, "decay_steps": 10, "end_learning_rate": 0.0001, "power": 1.0, "cycle": False,
        "name": "PolynomialDecay"}
    assert schedules.CosineDecayRestarts(0.1, 10).get_config() == {
        "initial_learning_rate": 0.1, "first_decay_steps": 10, "t_mul": 2.0, "m_mul": 1.0, "alpha": 0.0,
        "name": "SGDRDecay"}


def test_an_optimizer_with_the_schedule_saves_and_loads_it(tmp_path):
    for schedule in (schedules.PolynomialDecay(0.1, 5, cycle=True), schedules.CosineDecayRestarts(0.1, 3, m_mul=0.5)):
        opt = optimizers.SGD(learning_rate=schedule)
        restored = optimizers.deserialize(json.loads(json.dumps(optimizers.serialize(opt))))
        assert type(restored._learning_rate) is type(schedule)
        assert restored._learning_rate.get_config() == schedule.get_config()
        w = tg.Tensor([1.0], dtype="float64")
        opt.apply([np.ones(1)], [w])
        assert w.item() == pytest.approx(1.0 - schedule(0))


@pytest.mark.parametrize("make, error, words", [
    (lambda: schedules.PolynomialDecay(0.1, 0), ValueError,
     r"`decay_steps`\. Expected a number > 0\. Received decay_steps=0"),
    (lambda: schedules.PolynomialDecay(0.1, 10, power=-1.0), ValueError, r"`power`.*Received power=-1\.0"),
    (lambda: schedules.PolynomialDecay(0.1, 10, power=math.inf), ValueError, r"`power`.*finite"),
    (lambda: schedules.PolynomialDecay(0.1, 10, end_learning_rate=-0.1), ValueError, r"end_learning_rate=-0\.1"),
    (lambda: schedules.PolynomialDecay(0.1, 10, cycle="yes"), TypeError, r"`cycle`.*True or False.*cycle='yes'"),
    (lambda: schedules.PolynomialDecay("0.1", 10), TypeError, r"initial_learning_rate='0\.1'"),
    (lambda: schedules.CosineDecayRestarts(0.1, -5), ValueError, r"`first_decay_steps`.*> 0.*first_decay_steps=-5"),
    (lambda: schedules.CosineDecayRestarts(0.1, 10, t_mul=0.0), ValueError, r"`t_mul`.*> 0.*t_mul=0\.0"),
    (lambda: schedules.CosineDecayRestarts(0.1, 10, m_mul=-1), ValueError, r"`m_mul`.*m_mul=-1"),
    (lambda: schedules.CosineDecayRestarts(0.1, 10, alpha=-0.5), ValueError, r"`alpha`.*alpha=-0\.5"),
    (lambda: schedules.CosineDecayRestarts(0.1, 10, t_mul=None), TypeError, r"`t_mul`.*t_mul=None"),
])
def test_bad_arguments_name_the_argument_and_value(make, error, words):
    with pytest.raises(error, match=words):
        make()


# ------------------------------------------------------------------------------------------------ Keras' form
ALL_SCHEDULES = [("ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5,
                                       "staircase": True}),
                 ("InverseTimeDecay", {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5}),
                 ("PiecewiseConstantDecay", {"boundaries": [10, 20], "values": [1.0, 0.5, 0.1]}),
                 ("CosineDecay", {"initial_learning_rate": 0.1, "decay_steps": 100, "alpha": 0.1,
                                  "warmup_target": 0.2, "warmup_steps": 5}),
                 ("PolynomialDecay", POLYNOMIAL[2]), ("CosineDecayRestarts", RESTARTS[2])]


@pytest.mark.parametrize("name, kwargs", ALL_SCHEDULES, ids=[n for n, _ in ALL_SCHEDULES])
def test_an_optimizer_config_holds_the_schedule_as_keras_writes_it_and_both_read_the_other(name, kwargs):
    """Found by a tester: our optimizer config held a schedule as ``{"class_name", "config"}`` only, which Keras'
    ``from_config`` and ``deserialize`` refuse ("Could not locate class 'ExponentialDecay'")."""
    keras = keras_on_torch(KERAS)
    ours = optimizers.Adam(learning_rate=getattr(schedules, name)(**kwargs), amsgrad=True)
    theirs = keras.optimizers.Adam(learning_rate=getattr(keras.optimizers.schedules, name)(**kwargs), amsgrad=True)
    k_config = theirs.get_config()
    config = json.loads(json.dumps(ours.get_config()))
    assert config["learning_rate"] == json.loads(json.dumps(k_config["learning_rate"]))
    assert config["learning_rate"] == schedules.serialize(ours._learning_rate)
    assert schedules.serialize(ours._learning_rate) == keras.optimizers.schedules.serialize(theirs._learning_rate)
    # ours -> Keras: from_config and deserialize of optimizers.serialize
    for read in (keras.optimizers.Adam.from_config(config),
                 keras.optimizers.deserialize(json.loads(json.dumps(optimizers.serialize(ours))))):
        assert type(read).__name__ == "Adam" and read.amsgrad
        assert type(read._learning_rate) is type(theirs._learning_rate)
        assert read._learning_rate.get_config() == theirs._learning_rate.get_config()
    # Keras -> ours: from_config of its get_config, deserialize of its serialize
    for read in (optimizers.Adam.from_config(k_config), optimizers.deserialize(keras.optimizers.serialize(theirs))):
        assert type(read) is optimizers.Adam and read.amsgrad
        assert type(read._learning_rate) is type(ours._learning_rate)
        assert read._learning_rate.get_config() == ours._learning_rate.get_config()


def test_a_schedule_of_your_own_is_written_and_read_as_keras_does():
    """A registered class: ``registered_name`` is its ``"package>Name"`` key and ``class_name`` the bare name (as
    Keras 3.15 writes it, checked by hand: ``{'module': None, 'class_name': 'Reg', 'config': {'r': 0.1},
    'registered_name': 'Pk>Reg'}`` for a class in ``__main__``); an unregistered one, its class name in both."""

    class Flat(schedules.LearningRateSchedule):
        def __init__(self, rate=0.1):
            self.rate = rate

        def __call__(self, step):
            return self.rate

        def get_config(self):
            return {"rate": self.rate}

    registered = type("RegisteredFlat", (Flat,), {})
    tg.saving.register_keras_serializable(package="Docs")(registered)
    try:
        written = optimizers.SGD(learning_rate=registered(0.25)).get_config()["learning_rate"]
        assert written == {"module": __name__, "class_name": "RegisteredFlat", "config": {"rate": 0.25},
                           "registered_name": "Docs>RegisteredFlat"}
        read = optimizers.SGD.from_config({"learning_rate": written})
        assert type(read._learning_rate) is registered and read.learning_rate == 0.25
    finally:
        del tg.saving.get_custom_objects()["Docs>RegisteredFlat"]
        from tinygradconv import _lookup
        _lookup._REGISTERED_NAMES.pop(registered)
    plain = optimizers.SGD(learning_rate=Flat(0.5)).get_config()["learning_rate"]
    assert plain == {"module": __name__, "class_name": "Flat", "config": {"rate": 0.5}, "registered_name": "Flat"}
    assert type(optimizers.SGD.from_config({"learning_rate": plain}, custom_objects={"Flat": Flat})._learning_rate) \
        is Flat
    with pytest.raises(ValueError, match="Unknown learning rate schedule 'Flat'"):
        optimizers.SGD.from_config({"learning_rate": plain})


@pytest.mark.parametrize("staircase", [False, True])
def test_a_growing_exponential_rate_overflows_to_inf_as_in_keras(staircase):
    """``decay_rate > 1`` (a learning-rate range test): Python's float power raised ``OverflowError`` past the float
    range, in ``schedule(step)`` and inside ``optimizer.apply``; Keras 3 gives inf. By hand: 1e-6 * 10 ** 10 at step
    100, inf from step 4000 (10 ** 400). The optimizer refuses that infinite rate by name, as any (where Keras would
    make the weights inf or NaN)."""
    ours = schedules.ExponentialDecay(1e-6, decay_steps=10, decay_rate=10.0, staircase=staircase)
    assert ours(100) == pytest.approx(1e4, rel=1e-12)
    assert ours(4000) == math.inf and ours(10**6) == math.inf
    sgd = optimizers.SGD(learning_rate=ours)
    sgd.iterations = 4000
    w = tg.tensor([1.0])
    with pytest.raises(ValueError, match=r"`learning_rate` ExponentialDecay\(.*\) gave inf at iteration 4000"):
        sgd.apply([tg.tensor([1.0])], [w])
    assert w.numpy().tolist() == [1.0]
    keras = keras_on_torch(KERAS)
    import torch

    theirs = keras.optimizers.schedules.ExponentialDecay(1e-6, 10, 10.0, staircase=staircase)
    for step in (100, 380, 390, 4000, 10**6):      # float32's range ends near 10 ** 38.5: 10 ** 39 is inf there
        assert ours(step) == theirs(torch.tensor(step)).item(), step


STEP_DECAYS = [{"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5},
               {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5, "staircase": True},
               {"initial_learning_rate": 0.03, "decay_steps": 7.5, "decay_rate": 0.96},
               {"initial_learning_rate": 0.3, "decay_steps": 3, "decay_rate": 1.7, "staircase": True},
               {"initial_learning_rate": 1e-6, "decay_steps": 100, "decay_rate": 10.0}]


@pytest.mark.parametrize("name", ["ExponentialDecay", "InverseTimeDecay"])
@pytest.mark.parametrize("kwargs", STEP_DECAYS, ids=str)
def test_exponential_and_inverse_time_decay_match_keras_step_by_step(name, kwargs):
    """Both compute in float32 as Keras 3 does (they computed in float64 before 2026-12-06, a few float32 spacings
    off): the same float32 numbers, to one spacing for ``pow``, over 0 to 3000 and the huge steps."""
    keras = keras_on_torch(KERAS)
    import torch

    expected = _keras_values(keras, torch, name, kwargs, STEPS)
    got = np.array([getattr(schedules, name)(**kwargs)(step) for step in STEPS])
    assert np.all(got == got.astype(np.float32))
    finite = np.isfinite(expected)
    np.testing.assert_array_equal(got[~finite], expected[~finite])
    assert np.all(np.abs(got - expected)[finite] <= np.spacing(expected[finite])), np.abs(got - expected).max()


def test_piecewise_constant_values_are_keras_float32_numbers_and_steps_are_one_number():
    """Found by a re-tester: PiecewiseConstantDecay returned the values as given (0.1 in float64, an int, a
    numpy.float32) where Keras 3 returns float32 tensors; a step that is an array of several numbers raised NumPy's
    "can only convert an array of size 1", and 10**400 an OverflowError."""
    keras = keras_on_torch(KERAS)
    import torch

    ours = schedules.PiecewiseConstantDecay([3, 6], [1, 0.5, 0.1])
    theirs = keras.optimizers.schedules.PiecewiseConstantDecay([3, 6], [1.0, 0.5, 0.1])
    for step in range(9):
        assert ours(step) == theirs(torch.tensor(step)).item()
    for steps in (np.array([1, 2]), tg.tensor([1.0, 2.0])):
        with pytest.raises(TypeError, match=r"`step` .*Expected one number .*Received an array of shape \(2,\)"):
            ours(steps)
    assert schedules.ExponentialDecay(0.1, 1, 0.5)(10**400) == 0.0      # an inf step: the rate decays to 0
