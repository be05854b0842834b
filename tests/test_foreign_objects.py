"""Keras', TensorFlow's and PyTorch's own objects where tinygradconv's are expected, and outputs that are not Tensors.

Found by a tester porting Keras scripts: ``Conv1D(3, 2, activation=keras.activations.relu)`` returned a torch tensor,
the next layer took it as a constant, and ``fit`` left that layer's weights untouched without a word; a Keras
optimizer, loss or regularizer was accepted by ``compile`` or the layer and failed inside ``fit`` with a misleading
error ("'Tensor' object has no attribute 'value'", "No gradients provided for any variable").
"""
import numpy as np
import pytest
from helpers import keras_on_torch

import tinygradconv as tg
from tinygradconv import layers as L

FOREIGN = r"Cannot use a (Keras|PyTorch) object \(\w+\) as a tinygradconv {kind}: it computes on"

LAYER_ARGUMENTS = {
    "activation": lambda keras: {"activation": keras.activations.relu},
    "ops activation": lambda keras: {"activation": keras.ops.tanh},
    "regularizer": lambda keras: {"kernel_regularizer": keras.regularizers.L2(0.01)},
    "initializer": lambda keras: {"kernel_initializer": keras.initializers.GlorotUniform()},
    "constraint": lambda keras: {"bias_constraint": keras.constraints.NonNeg()},
}


@pytest.mark.parametrize("argument", sorted(LAYER_ARGUMENTS))
def test_a_keras_object_given_to_a_layer_is_refused_where_it_is_given(argument):
    keras = keras_on_torch("Keras' own objects are what a user passes by habit")
    kind = argument.split()[-1]
    with pytest.raises(TypeError, match=FOREIGN.format(kind=kind)):
        L.Conv1D(3, 2, **LAYER_ARGUMENTS[argument](keras))


def test_a_pytorch_activation_is_refused():
    torch = pytest.importorskip("torch", reason="the activation is PyTorch's")
    with pytest.raises(TypeError, match=FOREIGN.format(kind="activation")):
        L.Dense(2, activation=torch.relu)


def _model(activation):
    return tg.models.Sequential([L.Input((5, 2)), L.Conv1D(3, 2, padding="same", activation=activation),
                                 L.Conv1D(1, 1)])


def test_an_activation_that_returns_an_array_is_a_type_error_not_an_untrained_layer():
    """A NumPy function as activation: the first layer's weights stayed at their initial values through ``fit``.
    While gradients are recorded, NumPy's ufunc refuses the tensor that requires grad (``numpy_protocol``); without
    them (``predict``, ``no_grad``) it computes, and the layer refuses the array it returns."""
    model = _model(lambda v: np.maximum(v, 0))
    with pytest.raises(TypeError, match=r"np\.maximum\(\.\.\.\) got a tensor that requires grad.*t\.maximum\(\)"):
        model(np.ones((2, 5, 2), np.float32))
    with pytest.raises(TypeError, match=r"Layer 'conv1d\w*' \(Conv1D\) computed a numpy\.ndarray where a "
                                        r"tinygradconv Tensor was expected.*activation '<lambda>'"):
        model.predict(np.ones((2, 5, 2), np.float32), verbose=0)


def test_an_activation_of_tinygradconv_tensors_still_trains_every_layer():
    """The check lets one's own function of tinygradconv tensors through: every weight changes in ``fit``."""
    rng = np.random.default_rng(0)
    x, y = rng.random((8, 5, 2), dtype=np.float32), rng.random((8, 5, 1), dtype=np.float32)
    model = _model(lambda v: v.relu() * 0.5)
    model.compile("adam", "mse")
    before = [w.copy() for w in model.get_weights()]
    model.fit(x, y, epochs=2, verbose=0)
    assert all(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_a_layer_whose_call_returns_an_array_is_a_type_error():
    class ToNumPy(L.Layer):
        def call(self, inputs):
            return np.asarray(inputs.numpy())

    with pytest.raises(TypeError, match=r"Layer 'to_num_py\w*' \(ToNumPy\) computed a numpy\.ndarray.*write `call` "
                                        r"with tinygradconv ops"):
        ToNumPy()(np.ones((2, 3), np.float32))


COMPILE_ARGUMENTS = {
    "optimizer": lambda keras: ({"optimizer": keras.optimizers.Adam(), "loss": "mse"}, "optimizer"),
    "loss object": lambda keras: ({"loss": keras.losses.MeanSquaredError()}, "loss"),
    "loss function": lambda keras: ({"loss": keras.losses.mean_squared_error}, "loss"),
    "metric": lambda keras: ({"loss": "mse", "metrics": ["mae", keras.metrics.MeanAbsoluteError()]}, "metric"),
    "weighted metric": lambda keras: ({"loss": "mse", "weighted_metrics": [keras.metrics.MeanSquaredError()]},
                                      "metric"),
}


@pytest.mark.parametrize("argument", sorted(COMPILE_ARGUMENTS))
def test_compile_refuses_keras_optimizers_losses_and_metrics(argument):
    keras = keras_on_torch("Keras' own objects are what a user passes by habit")
    kwargs, kind = COMPILE_ARGUMENTS[argument](keras)
    model = tg.models.Sequential([L.Input((4,)), L.Dense(1)])
    with pytest.raises(TypeError, match=FOREIGN.format(kind=kind)):
        model.compile(**kwargs)


def test_a_functional_model_refuses_a_keras_loss_for_one_of_its_outputs():
    keras = keras_on_torch("Keras' own objects are what a user passes by habit")
    inputs = L.Input((4,))
    model = tg.models.Model(inputs, {"a": L.Dense(1, name="a")(inputs), "b": L.Dense(1, name="b")(inputs)})
    with pytest.raises(TypeError, match=FOREIGN.format(kind="loss")):
        model.compile("sgd", loss={"a": "mse", "b": keras.losses.MeanAbsoluteError()})


def test_compile_takes_none_for_keras_options_as_keras_does():
    """tf.keras 2's defaults, which ported scripts pass explicitly, were refused (found by a tester)."""
    keras = keras_on_torch("Keras 3's compile is the reference for which values are accepted")
    options = {"run_eagerly": None, "jit_compile": None, "auto_scale_loss": None}
    keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)]).compile("sgd", "mse", **options)
    model = tg.models.Sequential([L.Input((4,)), L.Dense(1)])
    model.compile("sgd", "mse", **options)
    assert model.compiled


def test_compile_takes_keras_options_that_change_nothing_here():
    """Keras 3's ``compile(run_eagerly=..., jit_compile=..., auto_scale_loss=...)``, common in Keras scripts, was a
    TypeError for an unexpected keyword; Keras accepts the same values (checked against Keras below)."""
    keras = keras_on_torch("Keras 3's compile is the reference for which values are accepted")
    options = {"run_eagerly": True, "jit_compile": False, "auto_scale_loss": False, "steps_per_execution": 1}
    reference = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    reference.compile("sgd", "mse", **options)                # Keras takes them
    rng = np.random.default_rng(0)
    x, y = rng.random((6, 4)), rng.random((6, 1))
    plain, with_options = (tg.models.Sequential([L.Input((4,)), L.Dense(1, kernel_initializer="ones")])
                           for _ in range(2))
    plain.compile("sgd", "mse")
    with_options.compile("sgd", "mse", **options)
    assert (plain.fit(x, y, epochs=2, shuffle=False, verbose=0).history
            == with_options.fit(x, y, epochs=2, shuffle=False, verbose=0).history)


@pytest.mark.parametrize("options, error, message", [
    ({"steps_per_execution": 2}, ValueError, r"`steps_per_execution=2` is not supported"),
    ({"steps_per_execution": 0}, ValueError, r"steps_per_execution"),
    ({"jit_compile": "xla"}, ValueError, r"`jit_compile`. Expected True, False or 'auto'. Received jit_compile='xla'"),
    ({"jit_compile": 1}, TypeError, r"`jit_compile`"),
    ({"run_eagerly": "yes"}, TypeError, r"`run_eagerly`. Expected True or False. Received run_eagerly='yes'"),
    ({"auto_scale_loss": "yes"}, TypeError, r"`auto_scale_loss`"),
])
def test_compile_refuses_bad_keras_options(options, error, message):
    model = tg.models.Sequential([L.Input((4,)), L.Dense(1)])
    with pytest.raises(error, match=message):
        model.compile("sgd", "mse", **options)


def _generator(x, y):
    while True:
        yield x[:3], y[:3]


@pytest.mark.parametrize("source, received", [
    (lambda x, y: _generator(x, y), r"Received x as a generator: unlike Keras, generators and datasets are not"),
    (lambda x, y: (x, y), r"Received x as a tuple of 2 and no y: pass the inputs and the targets as two arguments"),
])
def test_fit_says_that_generators_and_tuples_are_not_data(source, received):
    """``fit(generator)`` said only "needs both inputs x and targets y (NumPy arrays, lists or Tensors)"."""
    model = tg.models.Sequential([L.Input((4,)), L.Dense(1)])
    model.compile("sgd", "mse")
    x, y = np.ones((6, 4)), np.ones((6, 1))
    with pytest.raises(ValueError, match=received):
        model.fit(source(x, y), verbose=0)


def test_fit_names_a_pytorch_data_loader():
    torch = pytest.importorskip("torch", reason="the data source is PyTorch's DataLoader")
    model = tg.models.Sequential([L.Input((4,)), L.Dense(1)])
    model.compile("sgd", "mse")
    data = torch.utils.data.TensorDataset(torch.ones(6, 4), torch.ones(6, 1))
    with pytest.raises(ValueError, match=r"Received x as a torch\.utils\.data\.dataloader\.DataLoader: unlike Keras"):
        model.fit(torch.utils.data.DataLoader(data, batch_size=3), verbose=0)


def test_a_keras_learning_rate_schedule_is_refused_where_it_is_given():
    """It failed at the first step with "missing 1 required positional argument: 'step'" (found by a tester)."""
    keras = keras_on_torch("Keras' own schedules are what a user passes by habit")
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.9)
    with pytest.raises(TypeError, match=FOREIGN.format(kind="learning rate schedule")):
        tg.optimizers.Adam(schedule)
    optimizer = tg.optimizers.SGD(0.1)
    with pytest.raises(TypeError, match=FOREIGN.format(kind="learning rate schedule")):
        optimizer.learning_rate = schedule


def test_a_keras_loss_inside_functools_partial_is_refused():
    """``functools.partial(keras.losses.huber, delta=0.5)`` for one output of two passed the refusal, and that output's
    layer was never trained, with a warning only (found by a tester)."""
    import functools

    keras = keras_on_torch("Keras' own losses are what a user passes by habit")
    inputs = L.Input((5, 2))
    model = tg.models.Model(inputs, [L.Conv1D(1, 2, name="a")(inputs), L.Conv1D(3, 2, name="b")(inputs)])
    with pytest.raises(TypeError, match=FOREIGN.format(kind="loss")):
        model.compile("sgd", loss={"a": "mse", "b": functools.partial(keras.losses.huber, delta=0.5)})


LOSSES_WITHOUT_TENSORS = {
    "a keras loss in a lambda": lambda keras: lambda t, p: keras.losses.mean_squared_error(t.numpy(), p.numpy()),
    "a NumPy value": lambda keras: lambda t, p: np.mean((t.numpy() - p.numpy()) ** 2),
    "a Python float": lambda keras: lambda t, p: 0.5,
}


@pytest.mark.parametrize("loss", sorted(LOSSES_WITHOUT_TENSORS))
def test_a_loss_that_returns_no_tensor_is_a_type_error_not_an_untrained_model(loss):
    """Such a loss has no gradient: ``fit`` failed with "No gradients provided for any variable" (one output), or
    left a layer untrained (one output of several); found by a tester."""
    keras = keras_on_torch("a Keras loss is what a ported script calls inside its own loss")
    model = tg.models.Sequential([L.Input((4,)), L.Dense(1)])
    model.compile("sgd", LOSSES_WITHOUT_TENSORS[loss](keras))
    with pytest.raises(TypeError, match=r"The loss '<lambda>' returned a [\w.]+ where a tinygradconv Tensor was "
                                        r"expected: no gradient flows from it"):
        model.fit(np.ones((4, 4)), np.ones((4, 1)), verbose=0)


def test_a_loss_that_returns_no_tensor_for_one_output_of_several_is_named():
    inputs = L.Input((4,))
    model = tg.models.Model(inputs, [L.Dense(1, name="a")(inputs), L.Dense(2, name="b")(inputs)])
    model.compile("sgd", loss=["mse", lambda t, p: float(np.mean(p.numpy()))])
    with pytest.raises(TypeError, match=r"The loss '<lambda>' returned a builtins\.float"):
        model.fit(np.ones((4, 4)), [np.ones((4, 1)), np.ones((4, 2))], verbose=0)


def test_a_layer_may_return_none_inside_a_structure():
    """``(z, None)``: a structure with a missing entry, as Keras layers may return; the check refused it."""
    class WithNone(L.Layer):
        def call(self, inputs):
            return inputs * 2.0, None

    out, missing = WithNone()(np.ones((2, 3), np.float32))
    assert missing is None and out.numpy().tolist() == [[2.0] * 3] * 2
