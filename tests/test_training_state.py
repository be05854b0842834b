"""Resumable training: the optimizer's state is saved with the model, and model.to moves it with the weights."""
import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv import callbacks, layers, models


def _data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(32, 12, 2)), rng.normal(size=(32, 12, 1))


def _model(optimizer):
    tg.random.set_seed(1)
    model = models.Sequential([layers.Input((12, 2)), layers.Conv1D(3, 3, padding="same", activation="tanh"),
                               layers.Conv1DTranspose(1, 3, padding="same")])
    model.compile(optimizer, "mse")
    return model


@pytest.mark.parametrize("make_optimizer", [
    lambda: tg.optimizers.Adam(tg.optimizers.schedules.ExponentialDecay(0.01, 3, 0.5)),
    lambda: tg.optimizers.Nadam(0.01),
    lambda: tg.optimizers.SGD(0.05, momentum=0.9),
])
def test_resumed_training_follows_the_uninterrupted_loss_curve(tmp_path, make_optimizer):
    x, y = _data()
    kwargs = {"batch_size": 8, "verbose": 0, "shuffle": False}
    uninterrupted = _model(make_optimizer()).fit(x, y, epochs=4, **kwargs).history["loss"]
    first = _model(make_optimizer())
    path = tmp_path / "checkpoint.npz"
    first.fit(x, y, epochs=2, callbacks=[callbacks.ModelCheckpoint(path)], **kwargs)
    resumed_model = models.load_model(path)
    assert resumed_model.optimizer.iterations == 8
    resumed = resumed_model.fit(x, y, epochs=4, initial_epoch=2, **kwargs).history["loss"]
    np.testing.assert_allclose(resumed, uninterrupted[2:], rtol=1e-6)
    # without the optimizer state (a fresh optimizer on the same weights) the curve differs: the test can fail
    fresh = models.load_model(path, compile=False)
    fresh.compile(make_optimizer(), "mse")
    restarted = fresh.fit(x, y, epochs=4, initial_epoch=2, **kwargs).history["loss"]
    assert not np.allclose(restarted, uninterrupted[2:], rtol=1e-6)


def test_saved_state_is_plain_arrays_and_load_weights_ignores_it(tmp_path):
    x, y = _data()
    model = _model("adam")
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    path = tmp_path / "m.tgc.npz"
    model.save(path)
    with np.load(path, allow_pickle=False) as archive:
        keys = archive.files
        np.testing.assert_array_equal(archive["__optimizer__/0/m"], model.optimizer.state_of(model.weights[0])["m"])
    assert "__optimizer__/iterations" in keys
    other = _model("adam")
    other.load_weights(path)
    np.testing.assert_array_equal(other.predict(x), model.predict(x))


def test_model_to_moves_weights_and_optimizer_state():
    pytest.importorskip("array_api_strict", reason="the array-api-strict backend is the second backend here")
    x, y = _data()
    kwargs = {"batch_size": 8, "verbose": 0, "shuffle": False}
    reference = _model("adam").fit(x, y, epochs=3, **kwargs).history["loss"]
    model = _model("adam")
    model.fit(x, y, epochs=1, **kwargs)
    assert model.to("array_api_strict") is model
    assert all(w.backend.name == "array_api_strict" for w in model.weights)
    assert all(type(a).__module__.startswith("array_api_strict")
               for _, slots in model.optimizer._state.values() for a in slots.values())
    moved = model.fit(x, y, epochs=3, initial_epoch=1, **kwargs).history["loss"]
    np.testing.assert_allclose(moved, reference[1:], rtol=1e-6)



_OPTIMIZERS = {name: getattr(tg.optimizers, name) for name in tg.optimizers.__all__
               if isinstance(getattr(tg.optimizers, name), type)
               and issubclass(getattr(tg.optimizers, name), tg.optimizers.Optimizer)
               and name not in ("Optimizer", "LossScaleOptimizer")}
_MOVED_OPTIMIZERS = {**{name: cls for name, cls in _OPTIMIZERS.items()},
                     "Adam(use_ema=True)": lambda: tg.optimizers.Adam(use_ema=True, ema_overwrite_frequency=3),
                     "SGD(momentum, use_ema=True)": lambda: tg.optimizers.SGD(0.05, momentum=0.9, use_ema=True),
                     "LossScaleOptimizer(Adam)": lambda: tg.optimizers.LossScaleOptimizer(tg.optimizers.Adam()),
                     "LossScaleOptimizer(Adam(use_ema=True))":
                         lambda: tg.optimizers.LossScaleOptimizer(tg.optimizers.Adam(use_ema=True))}


def _arrays_held(optimizer):
    """Every slot and moving average of ``optimizer`` (or its inner one), through the public API."""
    held = [average.data for average in optimizer.ema_weights or ()]
    for variable in _model_weights_of(optimizer):
        held += list(optimizer.state_of(variable).values())
    return held


def _model_weights_of(optimizer):
    inner = getattr(optimizer, "inner_optimizer", optimizer)
    return [variable for variable, _ in inner._state.values()]


@pytest.mark.parametrize("make_optimizer", list(_MOVED_OPTIMIZERS.values()), ids=list(_MOVED_OPTIMIZERS))
def test_training_after_model_to_both_ways_gives_the_weights_of_never_moving(make_optimizer):
    """Every optimizer class, with use_ema and in a LossScaleOptimizer: fit, move to array_api_strict, fit, move
    back, fit gives bit for bit the weights of the same fits never moved (before the fix, the moving averages and
    a LossScaleOptimizer's inner state stayed behind: a TypeError of array_api_strict at the next fit)."""
    pytest.importorskip("array_api_strict", reason="the array-api-strict backend is the second backend here")
    x, y = _data()
    kwargs = {"batch_size": 8, "verbose": 0, "shuffle": False}
    reference = _model(make_optimizer())
    for _ in range(3):
        reference.fit(x, y, epochs=1, **kwargs)
    model = _model(make_optimizer())
    model.fit(x, y, epochs=1, **kwargs)
    for backend in ("array_api_strict", "numpy"):
        model.to(backend)
        held = _arrays_held(model.optimizer)
        assert {type(array).__module__.split(".")[0] for array in held} <= {backend}   # SGD: none
        assert {w.backend.name for w in model.weights} == {backend}
        model.fit(x, y, epochs=1, **kwargs)
    for moved, kept in zip(model.weights, reference.weights):
        np.testing.assert_array_equal(moved.numpy(), kept.numpy())
    if model.optimizer.ema_weights is not None:
        for moved, kept in zip(model.optimizer.ema_weights, reference.optimizer.ema_weights):
            assert moved.backend.name == "numpy" and type(moved.data) is np.ndarray
            np.testing.assert_array_equal(moved.numpy(), kept.numpy())


def test_model_to_moves_the_state_of_an_optimizer_of_your_own():
    """An optimizer of your own keeps its state where it likes (here a list of arrays and a Tensor in a dict):
    model.to finds it by walking the optimizer's attributes."""
    pytest.importorskip("array_api_strict", reason="the array-api-strict backend is the second backend here")

    class Counting(tg.optimizers.SGD):
        def build(self, variables):
            super().build(variables)
            self.history = [v.backend.xp.zeros_like(v.data) for v in variables]
            self.extra = {"total": tg.tensor(0.0, backend=variables[0].backend)}

    x, y = _data()
    model = _model(Counting(0.01))
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    model.to("array_api_strict")
    assert {type(a).__module__.split(".")[0] for a in model.optimizer.history} == {"array_api_strict"}
    assert model.optimizer.extra["total"].backend.name == "array_api_strict"
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)


def _halved_three_times(make_optimizer):
    """A model trained 3 epochs with a LearningRateScheduler halving its rate at each epoch's start."""
    x, y = _data()
    model = _model(make_optimizer())
    model.fit(x, y, epochs=3, batch_size=8, verbose=0,
              callbacks=[callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5)])
    return model


def test_a_rate_changed_during_fit_is_among_the_optimizers_arrays_as_in_keras(tmp_path):
    """Keras keeps a rate given as a number in the optimizer variable "<name>/learning_rate" (none for a schedule):
    the arrays hold it likewise, so a rate that a callback changed (0.01 halved three times: 0.00125, by hand)
    survives a .npz file, and restore_optimizer puts it into a model compiled with another rate."""
    keras = pytest.importorskip("keras", reason="Keras 3 tells which learning rates are optimizer variables")
    for make_keras, make_ours in ((lambda: keras.optimizers.Adam(0.01), lambda: tg.optimizers.Adam(0.01)),
                                  (lambda: keras.optimizers.Adam(keras.optimizers.schedules.ExponentialDecay(
                                      0.01, 3, 0.5)),
                                   lambda: tg.optimizers.Adam(tg.optimizers.schedules.ExponentialDecay(0.01, 3, 0.5)))):
        in_keras = "learning_rate" in [v.name for v in make_keras().variables]   # path "adam_3/...": Keras counts
        arrays = tg.training_state.optimizer_arrays(_model(make_ours()))
        assert ("__optimizer__/learning_rate" in arrays) is in_keras
    model = _halved_three_times(lambda: tg.optimizers.Adam(0.01))
    path = tmp_path / "m.npz"
    model.save(path)
    with np.load(path, allow_pickle=False) as archive:
        assert archive["__optimizer__/learning_rate"].dtype == np.float64
        assert archive["__optimizer__/learning_rate"].item() == 0.00125
    assert models.load_model(path).optimizer.learning_rate == 0.00125
    # the array alone restores it: into a model compiled afresh with 0.01
    _, state = tg.training_state.split_optimizer_arrays(tg.training_state.optimizer_arrays(model))
    other = _model(tg.optimizers.Adam(0.01))
    tg.training_state.restore_optimizer(other, state)
    assert other.optimizer.learning_rate == 0.00125 and other.optimizer.iterations == 12
    # a file written before 2026-12-07 has no rate among its arrays: the compiled rate stays
    del state["learning_rate"]
    other = _model(tg.optimizers.Adam(0.01))
    tg.training_state.restore_optimizer(other, state)
    assert other.optimizer.learning_rate == 0.01 and other.optimizer.iterations == 12


@pytest.mark.parametrize("rate, wrong", [
    (np.array([0.1, 0.2]), r"its learning rate is \[0\.1, 0\.2\] \(float64, shape \(2,\)\); expected one float >= 0"),
    (np.array(-0.5), r"its learning rate is -0\.5 .*expected one float >= 0"),
    (np.array(np.nan), r"its learning rate is nan .*expected one float >= 0"),
    (np.array(3), r"its learning rate is 3 \(int64, shape \(\)\)"),
])
def test_a_saved_rate_that_is_not_a_rate_is_refused_and_nothing_changes(rate, wrong):
    _, state = tg.training_state.split_optimizer_arrays(
        tg.training_state.optimizer_arrays(_halved_three_times(lambda: tg.optimizers.Adam(0.01))))
    state["learning_rate"] = rate
    model = _model(tg.optimizers.Adam(0.01))
    with pytest.raises(ValueError, match=r"'f.npz': the saved optimizer state does not fit optimizer Adam of model "
                                         r"'sequential.*': " + wrong):
        tg.training_state.restore_optimizer(model, state, "f.npz")
    assert model.optimizer.learning_rate == 0.01 and model.optimizer.iterations == 0


def test_a_state_that_does_not_fit_leaves_the_rate_as_compiled():
    """The rate is set before the slots (an optimizer may refuse a rate): when the slots do not fit, it is put back."""
    _, state = tg.training_state.split_optimizer_arrays(
        tg.training_state.optimizer_arrays(_halved_three_times(lambda: tg.optimizers.Adam(0.01))))
    model = _model(tg.optimizers.SGD(0.01, momentum=0.9))       # other slots
    with pytest.raises(ValueError, match="does not fit optimizer SGD.*keys do not match"):
        tg.training_state.restore_optimizer(model, state, "f.npz")
    assert model.optimizer.learning_rate == 0.01 and model.optimizer.iterations == 0


def test_a_wrapped_schedule_saves_no_rate_and_loads(tmp_path):
    """Found by two reviewers: a LossScaleOptimizer around a schedule saved the wrapper's own 0.0 as a number rate
    (its inner optimizer's schedule value went into the file), and loading set it on the schedule: TypeError. As
    Keras, a schedule is no variable: no rate is saved, and the file loads with its step count."""
    x = np.random.default_rng(0).standard_normal((16, 3)).astype("float32")
    model = tg.models.Sequential([tg.layers.Input((3,)), tg.layers.Dense(1)])
    schedule = tg.optimizers.schedules.ExponentialDecay(0.01, 10, 0.5)
    model.compile(tg.optimizers.LossScaleOptimizer(tg.optimizers.Adam(schedule)), "mse")
    model.fit(x, x.sum(1, keepdims=True), epochs=1, verbose=0)
    assert "__optimizer__/learning_rate" not in tg.training_state.optimizer_arrays(model)
    path = str(tmp_path / "m.tgc.npz")
    model.save(path)
    assert int(tg.models.load_model(path).optimizer.iterations) == 1


def test_an_optimizer_of_your_own_without_get_state_keeps_a_changed_rate(tmp_path):
    """Found by a reviewer: an optimizer with `apply` and a float rate but no get_state/set_state had its rate,
    halved by a callback, restored by BackupAndRestore before the rate moved among the optimizer's arrays; then it
    resumed at the compiled rate. It is saved and restored again (by hand: 0.01 halved twice)."""
    class Plain:
        def __init__(self, rate):
            self._learning_rate, self.iterations = rate, 0

        @property
        def learning_rate(self):
            return self._learning_rate

        @learning_rate.setter
        def learning_rate(self, value):
            self._learning_rate = float(value)

        def apply(self, grads, variables):
            for g, v in zip(grads, variables):
                v.data[...] = v.numpy() - self._learning_rate * g.numpy()
            self.iterations += 1

    x = np.random.default_rng(0).standard_normal((16, 3)).astype("float32")
    y = x.sum(1, keepdims=True)

    def make():
        model = tg.models.Sequential([tg.layers.Input((3,)), tg.layers.Dense(1)])
        model.compile(Plain(0.01), "mse")
        return model

    class Stop(tg.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                raise KeyboardInterrupt

    halve = tg.callbacks.LearningRateScheduler(lambda epoch, rate: rate * 0.5)
    with pytest.raises(KeyboardInterrupt):
        make().fit(x, y, epochs=4, verbose=0, callbacks=[halve, tg.callbacks.BackupAndRestore(str(tmp_path)), Stop()])
    model, seen = make(), []

    class Record(tg.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            seen.append((epoch, self.model.optimizer.learning_rate))

    model.fit(x, y, epochs=4, verbose=0, callbacks=[tg.callbacks.BackupAndRestore(str(tmp_path)), Record()])
    assert seen == [(2, 0.0025), (3, 0.0025)]



@pytest.mark.parametrize("start", ["numpy", "array_api_strict"])
def test_model_to_takes_the_devices_tensor_to_takes(start):
    """model.to("cpu"), ("cuda"), ("cuda:0"), a torch.device and a Backend go where Tensor.to sends a tensor of the
    model's backend (before the fix: "Unknown backend 'cpu'"); "cuda" without CuPy and a GPU is the same
    ValueError for both, as torch.nn.Module.to takes the device names torch.Tensor.to takes."""
    pytest.importorskip("array_api_strict", reason="the array-api-strict backend is the second backend here")
    torch = pytest.importorskip("torch", reason="torch.device is one of the devices Tensor.to takes")
    for device in ("cpu", "cuda", "cuda:0", torch.device("cpu"), torch.device("cuda", 0), "numpy",
                   "array_api_strict", tg.backend.get_backend("array_api_strict")):
        model = models.Sequential([layers.Input((3,)), layers.Dense(1)]).to(start)
        tensor = tg.tensor([1.0], backend=start)
        try:
            expected = tensor.to(device).backend.name
        except ValueError:
            expected = "ValueError"
        try:
            got = model.to(device).weights[0].backend.name
        except ValueError:
            got = "ValueError"
        assert got == expected, device


def test_model_to_refuses_what_is_not_a_device():
    model = models.Sequential([layers.Input((3,)), layers.Dense(1)])
    with pytest.raises(TypeError, match=r"Invalid type for argument `backend` of Model.to.*Received backend=3"):
        model.to(3)
    with pytest.raises(ValueError, match="Unknown backend 'gpu'"):
        model.to("gpu")


def test_an_array_the_optimizer_holds_in_two_places_stays_one_array():
    pytest.importorskip("array_api_strict", reason="the array-api-strict backend is the second backend here")

    class Sharing(tg.optimizers.SGD):
        def build(self, variables):
            super().build(variables)
            shared = variables[0].backend.xp.zeros((2,))
            self.first, self.both = [shared], {"a": shared, "b": (shared, 1.5)}

    x, y = _data()
    model = _model(Sharing(0.01))
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    model.to("array_api_strict")
    held = (model.optimizer.first[0], model.optimizer.both["a"], model.optimizer.both["b"][0])
    assert type(held[0]).__module__.startswith("array_api_strict") and all(a is held[0] for a in held)
    assert model.optimizer.both["b"][1] == 1.5


def _dense(seed):
    tg.random.set_seed(seed)
    return models.Sequential([layers.Input((3,)), layers.Dense(2), layers.Dense(1)])


def _on(array):
    return type(array).__module__.split(".")[0]


def test_moving_a_model_leaves_the_state_another_models_weights_own_where_it_is():
    """Adam(use_ema=True) compiled into model a (trained) and model b: b.to moves b's weights and the state that
    belongs to them (none: an optimizer belongs to the variables it was built with, as in Keras 3, where b.fit
    would raise "Unknown variable"), not a's slots and moving averages, so a trains on exactly as an a that never
    shared its optimizer (before the fix: array_api_strict's TypeError at a.fit)."""
    pytest.importorskip("array_api_strict", reason="the array-api-strict backend is the second backend here")
    x, y = np.random.default_rng(0).normal(size=(8, 3)), np.ones((8, 1))
    alone = _dense(1)
    alone.compile(tg.optimizers.Adam(use_ema=True), "mse")
    shared = tg.optimizers.Adam(use_ema=True)
    a = _dense(1)
    a.compile(shared, "mse")
    for model in (alone, a):
        model.fit(x, y, verbose=0)
    b = _dense(2)
    b.compile(shared, "mse")
    b.to("array_api_strict")
    assert {w.backend.name for w in b.weights} == {"array_api_strict"}
    assert {_on(array) for array in _arrays_held(shared)} == {"numpy"}
    for model in (alone, a):
        model.fit(x, y, verbose=0)
    for trained, kept in zip(a.weights + shared.ema_weights, alone.weights + alone.optimizer.ema_weights):
        np.testing.assert_array_equal(trained.numpy(), kept.numpy())


def _with_a_part(seed):
    """A compiled model whose first part is a model compiled with the same optimizer (e.g. to evaluate it alone)."""
    tg.random.set_seed(seed)
    part = models.Sequential([layers.Input((3,)), layers.Dense(2)])
    whole = models.Sequential([part, layers.Dense(1)])
    whole.compile(tg.optimizers.Adam(use_ema=True), "mse")
    part.compile(whole.optimizer, "mse")
    return part, whole


def test_moving_part_of_a_model_moves_the_state_of_that_part_only():
    """Moving the part moves its weights' slots and moving averages; the other weights' stay with them (the state
    of a weight follows the weight, as PyTorch's load_state_dict puts each parameter's state on that parameter's
    device); moving the whole model then moves the rest, and training goes on as if nothing had moved."""
    pytest.importorskip("array_api_strict", reason="the array-api-strict backend is the second backend here")
    x, y = np.random.default_rng(0).normal(size=(8, 3)), np.ones((8, 1))
    _, kept = _with_a_part(3)
    part, whole = _with_a_part(3)
    for model in (kept, whole):
        model.fit(x, y, verbose=0)
    part.to("array_api_strict")
    optimizer = whole.optimizer
    for weight in whole.weights:
        expected = "array_api_strict" if any(weight is w for w in part.weights) else "numpy"
        assert weight.backend.name == expected, weight.name
        assert {_on(a) for a in optimizer.state_of(weight).values()} == {expected}, weight.name
        assert optimizer._averages[id(weight)][1].backend.name == expected, weight.name
    whole.to("array_api_strict")
    assert {_on(array) for array in _arrays_held(optimizer)} == {"array_api_strict"}
    for model in (kept, whole):
        model.fit(x, y, verbose=0)
    for trained, reference in zip(whole.weights + optimizer.ema_weights, kept.weights + kept.optimizer.ema_weights):
        np.testing.assert_array_equal(trained.numpy(), reference.numpy())


class _Totals(tg.optimizers.SGD):
    """An optimizer of your own keeping arrays that belong to no one variable: a list of running totals."""

    def build(self, variables):
        super().build(variables)
        self.totals = [v.backend.xp.zeros_like(v.data) for v in variables]


def test_an_optimizer_shared_with_arrays_of_its_own_is_refused_before_anything_moves():
    """Arrays an optimizer of your own keeps outside the per-variable state may belong to any of the models that
    share it: moving them would break the other model, leaving them would break this one. The move is refused,
    with what to do, before anything has moved; once the model owning the state has moved, the other one can."""
    pytest.importorskip("array_api_strict", reason="the array-api-strict backend is the second backend here")
    x, y = np.ones((8, 3)), np.ones((8, 1))
    shared = _Totals(0.01)
    a, b = _dense(1), _dense(2)
    a.compile(shared, "mse")
    a.fit(x, y, verbose=0)
    b.compile(shared, "mse")
    with pytest.raises(ValueError, match=r"model '.*' cannot move to 'array_api_strict'.*_Totals.*holds the state "
                                         r"of 4 weights that the model does not own "
                                         r"\('sequential.*/dense.*/kernel'.*totals.*"
                                         r"compile each model with its own optimizer"):
        b.to("array_api_strict")
    assert {w.backend.name for w in b.weights} == {"numpy"}
    assert {_on(array) for array in shared.totals} == {"numpy"}
    a.to("array_api_strict")
    assert {_on(array) for array in shared.totals} == {"array_api_strict"}
    b.to("array_api_strict")
    a.fit(x, y, verbose=0)


def test_model_to_moves_arrays_in_a_namedtuple_and_keeps_its_type():
    """A namedtuple of arrays in an optimizer of your own moves like a tuple and stays a namedtuple (before the fix
    it stayed on numpy: only tuples themselves were walked)."""
    pytest.importorskip("array_api_strict", reason="the array-api-strict backend is the second backend here")
    import collections

    State = collections.namedtuple("State", "m label")

    class Mine(tg.optimizers.SGD):
        def build(self, variables):
            super().build(variables)
            self.state = State([v.backend.xp.zeros_like(v.data) for v in variables], "sums")
            self.queue = collections.deque([variables[0].backend.xp.ones((2,))])

        def update_step(self, gradient, variable, learning_rate, state, xp):
            self.state.m[0] = self.state.m[0] + xp.sum(gradient)
            return super().update_step(gradient, variable, learning_rate, state, xp)

    model = _dense(1)
    model.compile(Mine(0.01), "mse")
    model.fit(np.ones((8, 3)), np.ones((8, 1)), verbose=0)
    model.to("array_api_strict")
    held = model.optimizer.state
    assert type(held) is State and held.label == "sums"
    assert {_on(array) for array in held.m} == {"array_api_strict"}
    assert _on(model.optimizer.queue[0]) == "array_api_strict"
    model.fit(np.ones((8, 3)), np.ones((8, 1)), verbose=0)


def test_a_move_that_moves_nothing_rebuilds_nothing():
    """Moving to the backend the model is on, or moving a tuple that holds no array, keeps every container the
    optimizer holds (the same objects: before the fix each tuple was rebuilt)."""
    pytest.importorskip("array_api_strict", reason="the array-api-strict backend is the second backend here")
    model = _dense(1)
    model.compile(tg.optimizers.Adam(use_ema=True), "mse")
    model.fit(np.ones((8, 3)), np.ones((8, 1)), verbose=0)
    model.optimizer.labels = ("first", 2)
    before = [*model.optimizer._state.values(), *model.optimizer._averages.values(), model.optimizer.labels]
    model.to("numpy")
    model.to("array_api_strict")
    after = [*model.optimizer._state.values(), *model.optimizer._averages.values(), model.optimizer.labels]
    assert all(old is new for old, new in zip(before, after)) and len(before) == len(after) == 9
