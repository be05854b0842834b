"""Keras 3's moving averages of the weights (``use_ema``, ``ema_momentum``, ``ema_overwrite_frequency``) for every
optimizer, against Keras 3.15 on torch (skipped, visibly, without it) and a loop from the formula."""
import warnings

import numpy as np
import pytest
from helpers import keras_on_torch

import tinygradconv as tg
from tinygradconv import layers, models, optimizers

NAMES = ["SGD", "Adam", "AdamW", "Adamax", "Nadam", "RMSprop", "Adagrad", "Adadelta", "Lion", "Ftrl", "Lamb",
         "Adafactor"]
RNG = np.random.default_rng(44)
START = [RNG.normal(size=(3, 2)).astype("float32"), RNG.normal(size=(2,)).astype("float32")]
GRADS = [[RNG.normal(size=w.shape).astype("float32") for w in START] for _ in range(10)]
X = RNG.normal(size=(16, 4)).astype("float32")
Y = (X @ np.array([[1.0], [-2.0], [0.5], [3.0]], "float32") + 0.25).astype("float32")
KERNEL = RNG.normal(size=(4, 1)).astype("float32")
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")   # inside Keras


def _run_both(keras, name, steps, **kwargs):
    """``steps`` updates of two variables with the same gradients, ours and Keras'; returns both optimizers and
    both lists of variables."""
    extra = {"momentum": 0.9} if name == "SGD" else {}
    ours = getattr(optimizers, name)(learning_rate=0.05, use_ema=True, **extra, **kwargs)
    theirs = getattr(keras.optimizers, name)(learning_rate=0.05, use_ema=True, **extra, **kwargs)
    mine = [tg.tensor(w.copy()) for w in START]
    for w, part in zip(mine, ("kernel", "bias")):
        w.name = f"dense/{part}"
    reference = [keras.Variable(w.copy(), name=part) for w, part in zip(START, ("kernel", "bias"))]
    for grads in GRADS[:steps]:
        ours.apply([tg.tensor(g) for g in grads], mine)
        theirs.apply([keras.ops.convert_to_tensor(g) for g in grads], reference)
    return ours, theirs, mine, reference


@pytest.mark.parametrize("steps", [1, 2, 10])
@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop"])
def test_weights_and_averages_after_1_2_10_steps_equal_keras(name, steps):
    keras = keras_on_torch("Keras 3.15's use_ema is the reference")
    ours, theirs, mine, reference = _run_both(keras, name, steps, ema_momentum=0.9)
    for w, r in zip(mine, reference):
        np.testing.assert_allclose(w.numpy(), keras.ops.convert_to_numpy(r), rtol=1e-6, atol=1e-7)
    for average, r in zip(ours.ema_weights, theirs._model_variables_moving_average):
        np.testing.assert_allclose(average.numpy(), keras.ops.convert_to_numpy(r), rtol=1e-6, atol=1e-7)
    assert ours.ema_weights[0].dtype == "float32"


def test_the_average_follows_the_formula_from_its_first_step():
    """By hand: the first step sets the average to the weight (Keras' momentum is 0 while iterations == 0), each
    later one moves it by ``m * average + (1 - m) * w``, after the update."""
    w = tg.tensor(np.array([1.0, -2.0], "float32"))
    opt = optimizers.SGD(learning_rate=0.5, use_ema=True, ema_momentum=0.75)
    assert opt.ema_weights is None                      # not built yet
    expected_average = None
    weight = np.array([1.0, -2.0], "float32")
    for g in ([1.0, 1.0], [2.0, -4.0], [0.5, 0.0]):
        opt.apply([tg.tensor(np.array(g, "float32"))], [w])
        weight = weight - np.float32(0.5) * np.array(g, "float32")
        m = np.float32(0.75)
        expected_average = weight.copy() if expected_average is None else m * expected_average + (1 - m) * weight
        np.testing.assert_array_equal(w.numpy(), weight)
        np.testing.assert_allclose(opt.ema_weights[0].numpy(), expected_average, rtol=1e-7)
    # by hand, first element: weights 0.5, -0.5, -0.75; averages 0.5, 0.75 * 0.5 + 0.25 * -0.5 = 0.25,
    # 0.75 * 0.25 + 0.25 * -0.75 = 0.0
    assert opt.ema_weights[0].numpy()[0] == pytest.approx(0.0, abs=1e-7)


@pytest.mark.parametrize("name", NAMES)
def test_every_optimizer_lists_its_averages_as_keras_and_keeps_them_equal(name):
    keras = keras_on_torch("Keras 3.15's optimizer.variables is the reference")
    ours, theirs, mine, reference = _run_both(keras, name, 3, ema_momentum=0.8)
    paths = [v.path for v in ours.variables]
    assert paths[2:4] == [f"{ours.name}/dense_kernel_average", f"{ours.name}/dense_bias_average"]
    assert [v.path for v in theirs.variables][2:4] == [f"{theirs.name}/kernel_average", f"{theirs.name}/bias_average"]
    assert len(ours.variables) == len(theirs.variables)
    for average, r in zip(ours.variables[2:4], theirs.variables[2:4]):
        np.testing.assert_allclose(average.numpy(), keras.ops.convert_to_numpy(r), rtol=2e-5, atol=1e-6)
    for w, r in zip(mine, reference):
        np.testing.assert_allclose(w.numpy(), keras.ops.convert_to_numpy(r), rtol=2e-5, atol=1e-6)


@pytest.mark.parametrize("name", NAMES)
def test_get_config_keys_and_order_are_keras(name):
    keras = keras_on_torch("Keras 3.15's get_config is the reference")
    ours = getattr(optimizers, name)(use_ema=True, ema_momentum=0.5, ema_overwrite_frequency=3)
    theirs = getattr(keras.optimizers, name)(use_ema=True, ema_momentum=0.5, ema_overwrite_frequency=3)
    assert list(ours.get_config()) == list(theirs.get_config())
    for key in ("use_ema", "ema_momentum", "ema_overwrite_frequency", "loss_scale_factor",
                "gradient_accumulation_steps"):
        assert ours.get_config()[key] == theirs.get_config()[key]
    again = getattr(optimizers, name).from_config(theirs.get_config())
    assert (again.use_ema, again.ema_momentum, again.ema_overwrite_frequency) == (True, 0.5, 3)
    their_again = getattr(keras.optimizers, name).from_config(ours.get_config())
    assert (their_again.use_ema, their_again.ema_momentum, their_again.ema_overwrite_frequency) == (True, 0.5, 3)


def test_ema_overwrite_frequency_writes_the_averages_into_the_weights_as_keras():
    keras = keras_on_torch("Keras 3.15's ema_overwrite_frequency is the reference")
    for steps in (2, 3, 4, 7):
        ours, _, mine, reference = _run_both(keras, "Adam", steps, ema_momentum=0.6, ema_overwrite_frequency=3)
        for w, r in zip(mine, reference):
            np.testing.assert_allclose(w.numpy(), keras.ops.convert_to_numpy(r), rtol=1e-6, atol=1e-7)
        written = steps in (3,)               # the 3rd step (iterations 2 -> 2 + 1 = 3) writes them in
        for w, average in zip(mine, ours.ema_weights):
            assert np.array_equal(w.numpy(), average.numpy()) == written


def _models(keras, optimizer_name, **kwargs):
    ours = models.Sequential([layers.Input((4,)), layers.Dense(1)])
    ours.compile(optimizer=getattr(optimizers, optimizer_name)(0.05, use_ema=True, **kwargs), loss="mse")
    ours.set_weights([KERNEL, np.zeros(1, "float32")])
    theirs = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    theirs.compile(optimizer=getattr(keras.optimizers, optimizer_name)(0.05, use_ema=True, **kwargs), loss="mse")
    theirs.set_weights([KERNEL, np.zeros(1, "float32")])
    return ours, theirs


@pytest.mark.parametrize("name, frequency", [("SGD", None), ("Adam", None), ("Adam", 5)])
def test_fit_ends_with_the_averages_in_the_model_as_keras(name, frequency):
    keras = keras_on_torch("Keras 3.15's fit with use_ema is the reference")
    ours, theirs = _models(keras, name, ema_momentum=0.7, ema_overwrite_frequency=frequency)
    for model in (ours, theirs):
        model.fit(X, Y, epochs=3, batch_size=4, shuffle=False, verbose=0)
    for mine, reference in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(mine, reference, rtol=1e-5, atol=1e-6)
    for weight, average in zip(ours.get_weights(), ours.optimizer.ema_weights):    # the model holds the averages
        np.testing.assert_array_equal(weight, average.numpy())
    assert ours.optimizer.iterations == int(theirs.optimizer.iterations) == 12


def test_keras_file_with_ema_reads_both_ways(tmp_path):
    keras = keras_on_torch("Keras 3.15's .keras files are the reference")
    ours, theirs = _models(keras, "Adam", ema_momentum=0.7)
    for model in (ours, theirs):
        model.fit(X, Y, epochs=1, batch_size=4, shuffle=False, verbose=0)
    ours.save(tmp_path / "ours.keras")
    theirs.save(tmp_path / "theirs.keras")
    read_by_keras = keras.saving.load_model(tmp_path / "ours.keras")
    read_by_us = models.load_model(tmp_path / "theirs.keras")
    assert read_by_keras.optimizer.use_ema and read_by_keras.optimizer.ema_momentum == 0.7
    assert read_by_us.optimizer.use_ema and read_by_us.optimizer.ema_momentum == 0.7
    for mine, reference in zip(read_by_keras.optimizer._model_variables_moving_average, ours.optimizer.ema_weights):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(mine), reference.numpy())
    for mine, reference in zip(read_by_us.optimizer.ema_weights, theirs.optimizer._model_variables_moving_average):
        np.testing.assert_array_equal(mine.numpy(), keras.ops.convert_to_numpy(reference))
    # training goes on alike from both files
    for model in (read_by_keras, read_by_us):
        model.fit(X, Y, epochs=1, batch_size=4, shuffle=False, verbose=0)
    for mine, reference in zip(read_by_us.get_weights(), read_by_keras.get_weights()):
        np.testing.assert_allclose(mine, reference, rtol=1e-5, atol=1e-6)


def test_get_state_and_set_state_keep_the_averages():
    w = tg.tensor(np.array([1.0, 2.0], "float32"))
    opt = optimizers.Adam(0.1, use_ema=True)
    for _ in range(3):
        opt.apply([tg.tensor(np.array([1.0, -1.0], "float32"))], [w])
    state = opt.get_state([w])
    assert sorted(state) == ["0/average", "0/m", "0/v", "iterations"]
    copy = tg.tensor(w.numpy())
    again = optimizers.Adam(0.1, use_ema=True)
    again.set_state([copy], state)
    np.testing.assert_array_equal(again.ema_weights[0].numpy(), opt.ema_weights[0].numpy())
    without = {k: v for k, v in state.items() if k != "0/average"}
    with pytest.raises(ValueError, match=r"missing \['0/average'\]"):
        optimizers.Adam(0.1, use_ema=True).set_state([tg.tensor(w.numpy())], without)
    with pytest.raises(ValueError, match=r"unexpected \['0/average'\]"):
        optimizers.Adam(0.1).set_state([tg.tensor(w.numpy())], state)


@pytest.mark.parametrize("value", [1.5, -0.1])
def test_ema_momentum_outside_0_1_is_a_value_error_as_keras(value):
    keras = keras_on_torch("Keras 3.15's error is the reference")
    with pytest.raises(ValueError, match=r"in the range \[0, 1\]"):
        keras.optimizers.SGD(use_ema=True, ema_momentum=value)
    with pytest.raises(ValueError, match=rf"^Invalid value for argument `ema_momentum`\. Expected a number in the "
                                         rf"range \[0, 1\]\. Received ema_momentum={value}$"):
        optimizers.SGD(use_ema=True, ema_momentum=value)


def test_bad_ema_arguments_name_the_argument():
    keras = keras_on_torch("Keras 3.15's error is the reference")
    for value in (1.5, -1):
        with pytest.raises(ValueError, match="ema_overwrite_frequency"):
            keras.optimizers.SGD(use_ema=True, ema_overwrite_frequency=value)
    with pytest.raises(ValueError, match=r"^Invalid value for argument `ema_overwrite_frequency`\. Expected a "
                                         r"strictly positive integer or None\. Received ema_overwrite_frequency=-1$"):
        optimizers.SGD(use_ema=True, ema_overwrite_frequency=-1)
    with pytest.raises(TypeError, match=r"^Invalid type for argument `ema_overwrite_frequency`.*Received "
                                        r"ema_overwrite_frequency=1\.5 of type float$"):
        optimizers.SGD(use_ema=True, ema_overwrite_frequency=1.5)
    with pytest.raises(TypeError, match=r"^Invalid type for argument `use_ema`\. Expected True or False\. "
                                        r"Received use_ema='yes'$"):
        optimizers.Adam(use_ema="yes")
    with pytest.raises(TypeError, match=r"^Invalid type for argument `ema_momentum`"):
        optimizers.Adam(use_ema=True, ema_momentum="0.9")
    with pytest.raises(ValueError, match=r"^Argument `gradient_accumulation_steps` is not supported"):
        optimizers.Adam(gradient_accumulation_steps=2)


def test_finalize_variable_values_checks_the_variables_as_keras():
    w = tg.tensor(np.array([1.0, 2.0], "float32"))
    opt = optimizers.SGD(0.1, use_ema=True)
    opt.apply([tg.tensor(np.array([1.0, 1.0], "float32"))], [w])
    with pytest.raises(ValueError, match=r"The length of model variables \(2\) to override does not match the length "
                                         r"of model variables stored in the optimizer \(1\)"):
        opt.finalize_variable_values([w, w])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        optimizers.SGD(0.1).finalize_variable_values([w])       # without use_ema: nothing
    np.testing.assert_array_equal(w.numpy(), np.array([0.9, 1.9], "float32"))


def test_the_averages_live_on_the_weights_backend(backend):
    """Each backend (array_api_strict, CuPy on a GPU) keeps the averages with the weights, as the loop from the
    formula computes them in NumPy."""
    w = tg.tensor(np.array([1.0, -2.0], "float32"), backend=backend)
    opt = optimizers.SGD(0.5, use_ema=True, ema_momentum=0.75, ema_overwrite_frequency=2)
    weight, average = np.array([1.0, -2.0], "float32"), None
    for step, g in enumerate(([1.0, 1.0], [2.0, -4.0], [0.5, 0.0])):
        opt.apply([tg.tensor(np.array(g, "float32"), backend=backend)], [w])
        weight = weight - np.float32(0.5) * np.array(g, "float32")
        average = weight if average is None else np.float32(0.75) * average + np.float32(0.25) * weight
        if step == 1:                                     # the 2nd step writes the averages in
            weight = average.copy()
    assert opt.ema_weights[0].backend is w.backend
    np.testing.assert_allclose(opt.ema_weights[0].numpy(), average, rtol=1e-6)
    np.testing.assert_allclose(w.numpy(), weight, rtol=1e-6)
