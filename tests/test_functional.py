"""The functional API (Input, Model(inputs, outputs)) and the merge layers, against NumPy and hand-composed layers."""
import types

import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv import layers, models
from tinygradconv.functional import Functional, KerasTensor


def _unet_like():
    inputs = layers.Input((16, 2), name="signal")
    a = layers.Conv1D(4, 3, padding="same", activation="relu")(inputs)
    b = layers.BatchNormalization()(a)
    c = layers.Conv1D(4, 3, strides=2, padding="same")(b)
    d = layers.Conv1DTranspose(4, 3, strides=2, padding="same")(c)
    e = layers.Concatenate()([d, a])
    outputs = layers.Dense(1)(layers.Add()([e, e]))
    return models.Model(inputs, outputs), (a, b, c, d, e)


# ----------------------------------------------------------------------------------------------- merge layers
@pytest.mark.parametrize(("layer", "reference"), [
    (layers.Add, lambda xs: xs[0] + xs[1] + xs[2]),
    (layers.Multiply, lambda xs: xs[0] * xs[1] * xs[2]),
    (layers.Average, lambda xs: (xs[0] + xs[1] + xs[2]) / 3),
    (layers.Maximum, lambda xs: np.maximum(np.maximum(xs[0], xs[1]), xs[2])),
    (layers.Minimum, lambda xs: np.minimum(np.minimum(xs[0], xs[1]), xs[2])),
])
def test_elementwise_merges_match_numpy_with_broadcasting(layer, reference):
    rng = np.random.default_rng(0)
    xs = [rng.normal(size=(2, 5, 3)), rng.normal(size=(2, 1, 3)), rng.normal(size=(2, 5, 1))]
    out = layer(dtype="float64")(xs)
    np.testing.assert_allclose(out.numpy(), reference(xs), rtol=1e-12)
    assert layer().compute_output_shape([(None, 5, 3), (None, 1, 3), (None, 5, 1)]) == (None, 5, 3)


def test_subtract_and_concatenate_match_numpy():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(2, 4, 3)), rng.normal(size=(2, 4, 5))
    np.testing.assert_allclose(layers.Subtract(dtype="float64")([a, a[..., ::-1]]).numpy(), a - a[..., ::-1])
    np.testing.assert_allclose(layers.Concatenate(dtype="float64")([a, b]).numpy(), np.concatenate([a, b], -1))
    np.testing.assert_allclose(layers.Concatenate(axis=1, dtype="float64")([a, a]).numpy(), np.concatenate([a, a], 1))
    assert layers.Concatenate().compute_output_shape([(None, 4, 3), (None, 4, None)]) == (None, 4, None)


def test_merge_gradients_flow_to_every_input():
    a = tg.tensor(np.ones((1, 2)), requires_grad=True)
    b = tg.tensor(np.full((1, 2), 2.0), requires_grad=True)
    layers.Multiply(dtype="float64")([a, b]).sum().backward()
    assert a.grad.tolist() == [[2.0, 2.0]] and b.grad.tolist() == [[1.0, 1.0]]
    a.grad = b.grad = None
    layers.Concatenate(dtype="float64")([a, b]).sum().backward()
    assert a.grad.tolist() == [[1.0, 1.0]] and b.grad.tolist() == [[1.0, 1.0]]


@pytest.mark.parametrize(("layer", "shapes", "message"), [
    (layers.Add(), [(2, 3), (2, 4)], "incompatible shapes"),
    (layers.Add(), [(2, 3), (5, 3)], "different batch sizes"),
    (layers.Subtract(), [(2, 3)] * 3, "exactly 2 inputs"),
    (layers.Concatenate(), [(2, 3, 1), (2, 4, 1)], "matching shapes except"),
    (layers.Concatenate(), [(2, 3), (2, 3, 1)], "same rank"),
    (layers.Concatenate(axis=3), [(2, 3), (2, 3)], "axis"),
])
def test_merge_shape_errors_name_the_layer(layer, shapes, message):
    with pytest.raises(ValueError, match=message) as info:
        layer([np.zeros(s) for s in shapes])
    assert layer.name in str(info.value)


def test_merge_layers_need_a_list():
    with pytest.raises(ValueError, match="list of inputs"):
        layers.Add()(np.zeros((2, 3)))


# ----------------------------------------------------------------------------------------------- Input, graph
def test_input_is_symbolic():
    x = layers.Input((8, 3), batch_size=4, name="x_in")
    assert isinstance(x, KerasTensor) and x.shape == (4, 8, 3) and x.dtype == "float32"
    with pytest.raises(TypeError, match="symbolic"):
        np.asarray(x)
    with pytest.raises(ValueError, match="shape"):
        layers.Input((8, -1))


def test_functional_model_computes_the_composition_of_its_layers():
    model, _ = _unet_like()
    x = np.random.default_rng(2).normal(size=(3, 16, 2)).astype("float32")
    conv, bn, down, up, _concatenate, _add, dense = model.layers[1:]
    a = conv(x)
    d = up(down(bn(a, training=False)))
    e = np.concatenate([d.numpy(), a.numpy()], axis=-1)
    expected = dense(e + e).numpy()
    np.testing.assert_allclose(model.predict(x), expected, rtol=1e-5, atol=1e-6)
    assert [type(layer).__name__ for layer in model.layers] == [
        "InputLayer", "Conv1D", "BatchNormalization", "Conv1D", "Conv1DTranspose", "Concatenate", "Add", "Dense"]


def test_symbolic_shapes_follow_compute_output_shape():
    _, (a, b, c, d, e) = _unet_like()
    assert [t.shape for t in (a, b, c, d, e)] == [(None, 16, 4), (None, 16, 4), (None, 8, 4), (None, 16, 4),
                                                  (None, 16, 8)]


def test_functional_summary_shows_every_layer(capsys):
    model, _ = _unet_like()
    model.summary()
    text = capsys.readouterr().out
    assert "signal (InputLayer)" in text and "(None, 16, 2)" in text and "(None, 16, 8)" in text
    assert f"Total params: {model.count_params():,}" in text


def test_functional_fit_reduces_loss_and_config_and_npz_round_trip(tmp_path):
    tg.random.set_seed(0)
    model, _ = _unet_like()
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(16, 16, 2)), rng.normal(size=(16, 16, 1))
    model.compile("adam", "mse")
    history = model.fit(x, y, epochs=5, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    clone = models.Model.from_config(model.get_config())
    assert isinstance(clone, Functional)
    assert [type(la).__name__ for la in clone.layers] == [type(la).__name__ for la in model.layers]
    clone.set_weights(model.get_weights())
    np.testing.assert_array_equal(clone.predict(x), model.predict(x))
    path = tmp_path / "unet.tgc.npz"
    model.save(path)
    loaded = models.load_model(path)
    assert isinstance(loaded, Functional)
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    assert loaded.evaluate(x, y) == pytest.approx(model.evaluate(x, y), rel=1e-6)


def test_several_inputs_and_outputs():
    p, q = layers.Input((4,), name="p"), layers.Input((4,), name="q")
    diff = layers.Dense(2, name="head_a")(layers.Subtract()([p, q]))
    prod = layers.Dense(1, name="head_b")(layers.Multiply()([p, q]))
    model = models.Model([p, q], [diff, prod])
    rng = np.random.default_rng(4)
    x = [rng.normal(size=(10, 4)), rng.normal(size=(10, 4))]
    y = [rng.normal(size=(10, 2)), rng.normal(size=(10, 1))]
    out_a, out_b = model.predict(x)
    head_a, head_b = model.get_layer("head_a"), model.get_layer("head_b")
    np.testing.assert_allclose(out_a, head_a(x[0] - x[1]).numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out_b, head_b(x[0] * x[1]).numpy(), rtol=1e-5, atol=1e-6)
    by_name = model.predict({"p": x[0], "q": x[1]})
    np.testing.assert_array_equal(by_name[0], out_a)
    model.compile("sgd", "mse")
    mse_a, mse_b = np.mean((out_a - y[0]) ** 2), np.mean((out_b - y[1]) ** 2)  # one loss per output, summed
    # as Keras: the total, then each output's loss
    assert model.evaluate(x, y, batch_size=10) == pytest.approx([mse_a + mse_b, mse_a, mse_b], rel=1e-5)
    model.fit(x, y, epochs=1, batch_size=4, verbose=0)
    weights = np.linspace(0.0, 2.0, 10)
    out_a, out_b = model.predict(x)
    weighted = (np.mean(weights * np.mean((out_a - y[0]) ** 2, axis=-1))
                + np.mean(weights * np.mean((out_b - y[1]) ** 2, axis=-1)))  # the same weights for each output
    assert model.evaluate(x, y, batch_size=10, sample_weight=weights)[0] == pytest.approx(weighted, rel=1e-5)
    with pytest.raises(ValueError, match="2 inputs"):
        model.predict(x[0])


def test_graph_disconnected_names_the_layer_and_the_input():
    a, b = layers.Input((4,), name="a_in"), layers.Input((4,), name="b_in")
    out = layers.Add(name="join")([a, b])
    with pytest.raises(ValueError, match="Graph disconnected.*'join'.*'b_in'"):
        models.Model(a, out)


def test_shape_mismatch_names_both_layers():
    x = layers.Input((8, 3), name="wide")
    with pytest.raises(ValueError, match="'narrow'.*'wide'"):
        layers.Concatenate(axis=1, name="narrow")([x, layers.Input((8, 2), name="other")])


def test_wrong_data_shape_names_the_input():
    model, _ = _unet_like()
    with pytest.raises(ValueError, match="'signal'.*\\(None, 16, 2\\)"):
        model.predict(np.zeros((2, 16, 3)))


def test_inputs_must_be_symbolic():
    with pytest.raises(TypeError, match="symbolic"):
        models.Model(np.zeros((2, 3)), layers.Input((3,)))


def test_nested_functional_model_as_a_layer():
    inner_in = layers.Input((4,))
    inner = models.Model(inner_in, layers.Dense(3)(inner_in), name="inner")
    outer_in = layers.Input((4,))
    outer = models.Model(outer_in, layers.Dense(1)(inner(outer_in)))
    x = np.random.default_rng(5).normal(size=(2, 4))
    np.testing.assert_allclose(outer.predict(x), outer.layers[-1](inner.predict(x)).numpy(), rtol=1e-5, atol=1e-6)


def test_subclassed_model_still_works():
    class Twice(models.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.dense = layers.Dense(2)

        def call(self, inputs, training=None):
            return self.dense(inputs) * 2.0

    model = Twice()
    x = np.ones((1, 3))
    np.testing.assert_allclose(model(x).numpy(), 2 * model.dense(x).numpy())
    assert not isinstance(model, Functional)


# ----------------------------------------------------------------------------------------------- Sequential
def test_sequential_accepts_an_input_first_and_builds():
    model = models.Sequential([layers.Input((8, 3)), layers.Conv1D(2, 3), layers.Flatten(), layers.Dense(1)])
    assert model.built and [w.shape for w in model.weights] == [(3, 3, 2), (2,), (12, 1), (1,)]
    assert len(model.layers) == 3


def test_sequential_input_shape_on_first_layer():
    model = models.Sequential([layers.Conv1D(2, 3, input_shape=(8, 3)), layers.Flatten(), layers.Dense(1)])
    assert model.built and model.weights[2].shape == (12, 1)
    with pytest.raises(ValueError, match="input_shape"):
        layers.Dense(2, input_shape="8")
    with pytest.raises(ValueError, match="first element"):
        models.Sequential([layers.Dense(2), layers.Input((3,))])


def test_sequential_called_on_a_symbolic_tensor():
    x = layers.Input((6,))
    block = models.Sequential([layers.Dense(3), layers.Dense(2)])
    model = models.Model(x, block(x))
    data = np.random.default_rng(6).normal(size=(2, 6))
    np.testing.assert_allclose(model.predict(data), block.predict(data))
    assert block.built


def test_layer_order_matches_keras():
    keras = _keras()

    def build(lib):
        inputs = lib.layers.Input((8, 2))
        a = lib.layers.Conv1D(2, 3, padding="same")(inputs)
        b = lib.layers.Conv1D(2, 3, padding="same")(a)
        c = lib.layers.Dense(2)(inputs)
        d = lib.layers.Add()([b, c, a])
        return [type(layer).__name__ for layer in lib.Model(inputs, [d, c]).layers]

    assert build(_Lib) == build(keras)


class _Lib:  # tinygradconv spelled as the keras namespace, for test_layer_order_matches_keras
    layers = layers
    Model = models.Model
    Sequential = models.Sequential


def _keras():
    import os

    os.environ.setdefault("KERAS_BACKEND", "torch")
    return pytest.importorskip("keras", reason="Keras 3 is the optional reference for the functional API")


@pytest.mark.parametrize("merge", ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"])
@pytest.mark.parametrize("shapes", [((3,), (2, 3)), ((8, 3), (3,)), ((4,), (3, 4)), ((2,), (2, 1))])
def test_merge_of_different_ranks_matches_keras(merge, shapes):
    """Keras expands the lower-rank input at axis 1 (after the batch axis): samples never mix."""
    keras = _keras()
    rng = np.random.default_rng(12)
    data = [rng.normal(size=(2, *s)).astype("float32") for s in shapes]

    def run(lib):
        ins = [lib.layers.Input(s) for s in shapes]
        out = getattr(lib.layers, merge)()(ins)
        return tuple(out.shape), np.asarray(lib.Model(ins, out).predict(data, verbose=0))

    ours, theirs = run(_Lib), run(keras)
    assert ours[0] == theirs[0]
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-6)


def test_merge_of_different_ranks_by_hand():
    a = layers.Input((3,), name="a")
    b = layers.Input((2, 3), name="b")
    out = layers.Multiply()([a, b])
    assert out.shape == (None, 2, 3)
    got = models.Model([a, b], out).predict([np.array([[1.0, 2, 3], [10, 20, 30]], "f4"), np.ones((2, 2, 3), "f4")])
    np.testing.assert_array_equal(got, [[[1, 2, 3], [1, 2, 3]], [[10, 20, 30], [10, 20, 30]]])


def test_one_input_model_refuses_a_list_of_arrays_and_takes_a_dict():
    """Keras: "expects 1 named input(s) with keys ['a'], but it received 2 input tensors"; a dict is accepted."""
    a = layers.Input((2, 4), name="a")
    model = models.Model(a, layers.Dense(1)(a))
    with pytest.raises(ValueError, match=r"expects 1 named input with keys \['a'\], but it received 2 input"):
        model.predict([np.ones((2, 2, 4)), np.zeros((2, 2, 4))])
    x = np.random.default_rng(0).normal(size=(3, 2, 4))
    np.testing.assert_array_equal(model.predict({"a": x}), model.predict(x))
    with pytest.raises(ValueError, match=r"no data for \['a'\]"):
        model.predict({"b": x})
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match="expects 1 named output"):
        model.fit(x, [np.ones((3, 2, 1)), np.ones((3, 2, 1))], verbose=0)


@pytest.mark.parametrize("make", [lambda lib: lib.layers.Dense(3, name="d"),
                                  lambda lib: lib.layers.BatchNormalization(name="d"),
                                  lambda lib: lib.layers.Conv1D(2, 1, name="d")])
def test_reusing_a_built_layer_on_another_width_fails_at_the_call_as_keras(make):
    keras = _keras()
    expected = ("layer 'd' is incompatible with the layer: expected axis -1 of input shape to have value "
                "4, but received input with shape (None, 6, 5)")
    for lib in (keras, _Lib):
        layer = make(lib)
        layer(lib.layers.Input((6, 4)))
        with pytest.raises(ValueError) as info:
            layer(lib.layers.Input((6, 5)))
        assert expected in str(info.value), (lib, str(info.value))


def test_reusing_built_normalization_layers_by_hand():
    norm = layers.BatchNormalization(name="bn")
    norm(layers.Input((6, 4)))
    with pytest.raises(ValueError, match="expected ndim=3, found ndim=2"):
        norm(layers.Input((4,)))
    ln = layers.LayerNormalization(name="ln")
    ln(layers.Input((6, 4)))
    with pytest.raises(ValueError, match="expected axis 2 of input shape to have value 4"):
        ln(layers.Input((6, 5)))
    assert ln(layers.Input((7, 4))).shape == (None, 7, 4)


def test_symbolic_conv_with_zero_output_length_is_refused_as_keras():
    """Keras: a Conv1D whose "valid" output would have length 0 fails where the model is written."""
    keras = _keras()
    for lib in (keras, _Lib):
        with pytest.raises(ValueError, match="Computed output size would be zero or negative"):
            lib.layers.Conv1D(4, 5)(lib.layers.Input((4, 4)))
    assert layers.Conv1D(4, 5)(layers.Input((5, 4))).shape == (None, 1, 4)  # floor((5 - 5) / 1) + 1 = 1


def test_sequential_config_keeps_its_input_and_from_config_is_built():
    model = models.Sequential([layers.Input((3,), name="inp"), layers.Dense(2, name="d")])
    config = model.get_config()
    assert config["layers"][0]["class_name"] == "InputLayer"
    assert config["layers"][0]["config"]["batch_shape"] == (None, 3)    # a tuple, as Keras 3.15
    again = models.Sequential.from_config(config)
    assert again.built and [w.shape for w in again.weights] == [(3, 2), (2,)]
    assert [layer.name for layer in again.layers] == ["d"]
    unbuilt = models.Sequential([layers.Dense(2)])
    assert not models.Sequential.from_config(unbuilt.get_config()).built


def test_keras_sequential_config_is_accepted_built():
    keras = _keras()
    reference = keras.Sequential([keras.Input((3,), name="inp"), keras.layers.Dense(2, name="d")])
    model = models.Sequential.from_config(reference.get_config())
    assert model.built
    assert [w.shape for w in model.weights] == [tuple(w.shape) for w in reference.weights]
    model.set_weights(reference.get_weights())
    x = np.random.default_rng(1).normal(size=(4, 3)).astype("float32")
    np.testing.assert_allclose(model.predict(x), reference.predict(x, verbose=0), rtol=1e-6, atol=1e-6)
    for argument in ("sparse", "ragged"):
        with pytest.raises(ValueError, match=f"Received {argument}=True"):
            layers.InputLayer(shape=(3,), **{argument: True})


def test_model_shape_attributes_match_keras():
    keras = _keras()

    def attributes(lib):
        a = lib.layers.Input((3,), name="a")
        functional = lib.Model(a, lib.layers.Dense(2)(a))
        sequential = lib.Sequential([lib.layers.Input((5, 3)), lib.layers.Conv1D(4, 3), lib.layers.Flatten()])
        return (functional.input.shape, functional.output.shape, functional.input_shape, functional.output_shape,
                tuple(sequential.input_shape), tuple(sequential.output_shape))

    assert attributes(_Lib) == attributes(keras)
    for lib in (keras, _Lib):
        with pytest.raises(AttributeError):
            _ = lib.Sequential([lib.layers.Dense(2)]).input_shape


def _two_output_model(lib):
    a = lib.layers.Input((3,), name="a")
    b = lib.layers.Dense(2, name="o1")(a)
    return lib.Model(a, [b, lib.layers.Dense(1, name="o2")(b)])


@pytest.mark.parametrize("loss, loss_weights", [(["mse", "mae"], [1.0, 0.5]),
                                                ({"o2": "mae", "o1": "mse"}, {"o1": 2.0, "o2": 1.0}),
                                                (["mse", "mae"], None)])
def test_per_output_losses_and_weights_match_keras(loss, loss_weights):
    keras = _keras()
    rng = np.random.default_rng(5)
    x = rng.normal(size=(8, 3)).astype("float32")
    y = [rng.normal(size=(8, 2)).astype("float32"), rng.normal(size=(8, 1)).astype("float32")]
    theirs = _two_output_model(keras)
    ours = _two_output_model(_Lib)
    ours.set_weights(theirs.get_weights())
    their_logs, our_logs = _assert_logs_match([(theirs, loss), (ours, loss)], x, y, epochs=1,
                                              loss_weights=loss_weights)
    assert list(our_logs) == list(their_logs) == ["loss", "o1_loss", "o2_loss"]


def _assert_logs_match(compiled, x, y, epochs, **compile_kwargs):
    """Compile Keras' model and ours (``compiled``: their ``(model, loss)`` pairs, Keras' first) with SGD, evaluate
    and fit both, and check that our evaluation logs and history equal Keras'; returns both evaluation logs."""
    results = []
    for model, loss in compiled:
        model.compile("sgd", loss=loss, **compile_kwargs)
        logs = model.evaluate(x, y, batch_size=8, verbose=0, return_dict=True)
        history = model.fit(x, y, batch_size=4, epochs=epochs, verbose=0, shuffle=False).history
        results.append((logs, history))
    (their_logs, their_history), (our_logs, our_history) = results
    for key in their_logs:
        np.testing.assert_allclose(our_logs[key], their_logs[key], rtol=1e-5)
        np.testing.assert_allclose(our_history[key], their_history[key], rtol=1e-4)
    return their_logs, our_logs


def _two_outputs_as(lib, kind):
    """Outputs ``o1`` (2 units) and ``o2`` (1 unit) of one input, as a list or as a dict keyed by their names."""
    a = lib.layers.Input((3,), name="a")
    b = lib.layers.Dense(2, name="o1")(a)
    c = lib.layers.Dense(1, name="o2")(b)
    return lib.Model(a, [b, c] if kind == "list" else {"o1": b, "o2": c})


@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")  # inside Keras
@pytest.mark.parametrize("kind, loss, reference", [
    ("list", {"o1": "mse", "o2": ["mae"]}, None), ("dict", {"o1": "mse", "o2": ["mae"]}, None),
    ("list", [["mse"], ["mae"]], None), ("list", ["mse", ("mae",)], None), ("list", [[["mse"]], "mae"], None),
    ("dict", [["mse"], ["mae"]], ["mse", "mae"])])
def test_a_list_of_one_loss_stands_for_that_loss_as_keras(kind, loss, reference):
    """Found by a tester: ``loss={"a": "mse", "b": ["mae"]}`` compiled, then ``fit`` failed with "'list' object is
    not callable". Keras 3.15 takes a list of one loss for that loss (the logs and history are Keras'). On dict
    outputs Keras 3.15 fails on ``[["mse"], ["mae"]]`` ("Invalid dtype: object") where it takes ``["mse", "mae"]``
    (the sorted keys' order): ours takes both, so the reference there is Keras with ``["mse", "mae"]``."""
    keras = _keras()
    rng = np.random.default_rng(9)
    x = rng.normal(size=(8, 3)).astype("float32")
    y = [rng.normal(size=(8, 2)).astype("float32"), rng.normal(size=(8, 1)).astype("float32")]
    y = y if kind == "list" else {"o1": y[0], "o2": y[1]}
    theirs, ours = _two_outputs_as(keras, kind), _two_outputs_as(_Lib, kind)
    ours.set_weights(theirs.get_weights())
    their_logs, our_logs = _assert_logs_match([(theirs, reference or loss), (ours, loss)], x, y, epochs=2)
    assert sorted(our_logs) == sorted(their_logs) == ["loss", "o1_loss", "o2_loss"]


@pytest.mark.parametrize("loss, message", [
    ([["mse", "mae"], "mae"], (r"output 'o1' takes one loss, but received 2: \['mse', 'mae'\]\. To train it on "
                               r"their sum, write a function")),
    ({"o1": "mse", "o2": ["mae", "mse"]}, r"output 'o2' takes one loss, but received 2: \['mae', 'mse'\]"),
    ({"o1": {"x": "mse"}, "o2": "mae"}, r"output 'o1' takes one loss, but received the dict \{'x': 'mse'\}")])
def test_several_losses_or_a_dict_for_one_output_are_refused_at_compile(loss, message):
    """Keras 3.15 adds several losses of one output to the training loss but logs only one of them as
    ``"o1_loss"``, and fails inside ``fit`` on a dict ("The path ... can't be found"); ours refuses both in
    ``compile``, naming the output and the value (they compiled, then ``fit`` failed: "'list' object is not
    callable")."""
    with pytest.raises(ValueError, match=r"Invalid value for argument `loss`: " + message):
        _two_outputs_as(_Lib, "list").compile("sgd", loss=loss)


def test_a_loss_config_with_loss_weights_is_one_loss_not_a_dict_of_outputs():
    """``loss={"class_name": ...}`` is the config of one loss: with ``loss_weights`` its keys were taken for output
    names ("expected keys ['o1', 'o2'] ... found ['class_name', 'config']"). By hand: zero kernels and biases, targets
    of ones, so each output's mse is 1 and the loss is 2.5 * (1 + 1)."""
    model = _two_outputs_as(_Lib, "list")
    model.set_weights([np.zeros_like(w) for w in model.get_weights()])
    model.compile("sgd", loss={"class_name": "MeanSquaredError", "config": {}}, loss_weights=2.5)
    logs = model.evaluate(np.ones((4, 3)), [np.ones((4, 2)), np.ones((4, 1))], return_dict=True)
    assert logs == {"loss": 5.0, "o1_loss": 1.0, "o2_loss": 1.0}


def test_per_output_loss_errors_name_the_outputs():
    model = _two_output_model(_Lib)
    with pytest.raises(ValueError, match=r"expected keys \['o1', 'o2'\]"):
        model.compile("sgd", loss={"o2": "mae"})
    with pytest.raises(ValueError, match="expects a list of 2"):
        model.compile("sgd", loss=["mse"])
    with pytest.raises(ValueError, match=r"loss_weights.*expects a list of 2"):
        model.compile("sgd", loss=["mse", "mae"], loss_weights=[1.0])


def test_summary_has_keras_connected_to_column_for_functional_models():
    """Keras' notation, by hand: ``layer[node][tensor]``; a shared layer's second call is its node 1."""
    a = layers.Input((3,), name="a")
    shared = layers.Dense(3, name="shared")
    d = layers.Dense(2, name="d")(shared(a))
    e = layers.Dense(2, name="e")(shared(shared(a)))
    model = models.Model(a, layers.Add(name="s")([d, e]))
    lines = []
    model.summary(print_fn=lines.append)
    assert lines[2].split() == ["Layer", "(type)", "Output", "Shape", "Param", "#", "Connected", "to"]
    rows = {line.split()[0]: line for line in lines[4:-5]}
    assert rows["a"].endswith(" -")
    assert rows["shared"].endswith(" a[0][0], a[0][0], shared[1][0]")  # calls: d's, then inner and outer of e
    assert rows["d"].endswith(" shared[0][0]") and rows["e"].endswith(" shared[2][0]")
    assert rows["s"].endswith(" d[0][0], e[0][0]")
    plain = []
    models.Sequential([layers.Input((3,)), layers.Dense(2)]).summary(print_fn=plain.append)
    assert "Connected to" not in "\n".join(plain)


def test_summary_leaves_the_connected_to_column_out_for_a_chain_as_keras():
    """Keras' "sequential-like" rule: one input, each layer called once on the previous one's output."""
    from helpers import keras_on_torch

    def chain(lib, two_outputs):
        a = lib.layers.Input((3,), name="a")
        h = lib.layers.Dense(2, name="h")(a)
        o = lib.layers.Dense(1, name="o")(h)
        return lib.Model(a, [h, o] if two_outputs else o)

    ours = types.SimpleNamespace(layers=layers, Model=models.Model)
    for two_outputs in (False, True):
        lines = []
        chain(ours, two_outputs).summary(print_fn=lines.append)
        assert "Connected to" not in "\n".join(lines)
    keras = keras_on_torch("Keras 3 is the reference for its summary's columns")
    for two_outputs in (False, True):
        theirs = []
        chain(keras, two_outputs).summary(print_fn=lambda line, _lines=theirs, **kwargs: _lines.append(line))
        assert "Connected to" not in "\n".join(theirs)


def _dict_model(lib):
    a, b = lib.layers.Input((3,), name="a"), lib.layers.Input((2,), name="b")
    joined = lib.layers.Concatenate(name="c")([a, b])
    return lib.Model({"a": a, "b": b}, {"p": lib.layers.Dense(1, name="d1")(joined),
                                        "q": lib.layers.Dense(2, name="d2")(joined)})


def test_dict_inputs_and_outputs_match_keras(tmp_path):
    keras = _keras()
    rng = np.random.default_rng(7)
    x = {"a": rng.normal(size=(4, 3)).astype("float32"), "b": rng.normal(size=(4, 2)).astype("float32")}
    y = {"p": rng.normal(size=(4, 1)).astype("float32"), "q": rng.normal(size=(4, 2)).astype("float32")}
    theirs, ours = _dict_model(keras), _dict_model(_Lib)
    ours.set_weights(theirs.get_weights())
    assert ours.get_config()["input_layers"] == theirs.get_config()["input_layers"]
    assert ours.get_config()["output_layers"] == theirs.get_config()["output_layers"]
    expected, got = theirs.predict(x, verbose=0), ours.predict(x)
    assert list(got) == list(expected) == ["p", "q"]
    for key in expected:
        np.testing.assert_allclose(got[key], expected[key], rtol=1e-5, atol=1e-6)
    for model in (theirs, ours):
        model.compile("sgd", loss={"q": "mae", "p": "mse"})
    their_logs = theirs.evaluate(x, y, batch_size=4, verbose=0, return_dict=True)
    our_logs = ours.evaluate(x, y, batch_size=4, verbose=0, return_dict=True)
    assert list(our_logs) == list(their_logs) == ["loss", "p_loss", "q_loss"]
    for key in their_logs:
        np.testing.assert_allclose(our_logs[key], their_logs[key], rtol=1e-5)
    again = models.Model.from_config(ours.get_config())
    again.set_weights(ours.get_weights())
    np.testing.assert_allclose(again.predict(x)["q"], got["q"], rtol=1e-6)
    pytest.importorskip("h5py", reason="h5py reads and writes .keras files")
    ours.save(tmp_path / "dict.keras")
    np.testing.assert_allclose(keras.saving.load_model(tmp_path / "dict.keras").predict(x, verbose=0)["q"],
                               got["q"], rtol=1e-5, atol=1e-6)
    theirs.save(tmp_path / "theirs.keras")
    np.testing.assert_allclose(models.load_model(tmp_path / "theirs.keras").predict(x)["p"], expected["p"],
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kwargs", [{"loss": ["mse"]}, {"loss": "mse", "loss_weights": [2.0]},
                                    {"loss": {"o": "mse"}}])
def test_one_output_per_output_loss_logs_only_loss_as_keras(kwargs):
    keras = _keras()
    x = np.random.default_rng(8).normal(size=(4, 3)).astype("float32")
    y = np.zeros((4, 1), "float32")
    logs, weights = [], [np.full((3, 1), 0.5, "float32"), np.full((1,), 0.25, "float32")]
    for lib in (keras, _Lib):
        a = lib.layers.Input((3,), name="a")
        model = lib.Model(a, lib.layers.Dense(1, name="o")(a))
        model.set_weights(weights)
        model.compile("sgd", **kwargs)
        logs.append(model.evaluate(x, y, batch_size=4, verbose=0, return_dict=True))
    assert list(logs[0]) == list(logs[1]) == ["loss"]
    np.testing.assert_allclose(logs[1]["loss"], logs[0]["loss"], rtol=1e-5)


# ------------------------------------------------------------ found by a Keras user's pass over the functional API
def _sgd(lib):
    return lib.optimizers.SGD(0.1)


class _LibTraining(_Lib):
    optimizers = tg.optimizers


def _two_inputs(lib):
    a, b = lib.layers.Input((4,), name="a"), lib.layers.Input((3,), name="b")
    return lib.Model([a, b], lib.layers.Dense(2, kernel_initializer="ones", name="d")(lib.layers.Concatenate()([a, b])))


@pytest.mark.parametrize("validation", [{"validation_data": "given"}, {"validation_split": 0.3},
                                        {"validation_split": 0.2}])
def test_validation_with_several_inputs_matches_keras(validation):
    """``validation_data`` crashed with "'Columns' object has no attribute 'shape'", and ``validation_split``
    worked only when the validation samples happened to number the model's inputs."""
    keras = _keras()
    rng = np.random.default_rng(0)
    x = [rng.normal(size=(10, 4)).astype("float32"), rng.normal(size=(10, 3)).astype("float32")]
    y = rng.normal(size=(10, 2)).astype("float32")
    x_val = [rng.normal(size=(4, 4)).astype("float32"), rng.normal(size=(4, 3)).astype("float32")]
    y_val = rng.normal(size=(4, 2)).astype("float32")
    if "validation_data" in validation:
        validation = {"validation_data": (x_val, y_val)}
    histories = []
    for lib in (_LibTraining, keras):
        model = _two_inputs(lib)
        model.compile(optimizer=_sgd(lib), loss="mse")
        history = model.fit(x, y, epochs=2, batch_size=4, shuffle=False, verbose=0, **validation).history
        histories.append(history)
    ours, theirs = histories
    assert sorted(ours) == sorted(theirs) == ["loss", "val_loss"]
    for key in theirs:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-5)


@pytest.mark.parametrize("form", ["list", "dict", "list_loss"])
def test_one_output_in_a_list_or_dict_trains_as_keras(form):
    """``Model([a], [o])`` paired the rows of the one target array with the one prediction: "y_true.shape=(1, 1)"
    with "mse", and silently wrong training with a custom loss; ``Model(a, {"score": o})`` too."""
    keras = _keras()
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(9, 4)).astype("float32"), rng.normal(size=(9, 1)).astype("float32")

    def my_mse(t, p):
        return ((t - p) ** 2).mean()

    results = []
    for lib in (_LibTraining, keras):
        a = lib.layers.Input((4,))
        o = lib.layers.Dense(1, kernel_initializer="ones")(a)
        model = lib.Model(a, {"score": o}) if form == "dict" else lib.Model([a], [o])
        model.compile(optimizer=_sgd(lib), loss=["mse"] if form == "list_loss" else my_mse)
        target = {"score": y} if form == "dict" else y
        history = model.fit(x, target, batch_size=3, epochs=2, shuffle=False, verbose=0).history
        prediction = model.predict(x, verbose=0) if lib is keras else model.predict(x)
        results.append((history["loss"], model.get_weights()[0], prediction))
    (loss, kernel, pred), (k_loss, k_kernel, k_pred) = results
    np.testing.assert_allclose(loss, k_loss, rtol=1e-5)
    np.testing.assert_allclose(kernel, k_kernel, rtol=1e-5, atol=1e-6)
    if form == "dict":
        np.testing.assert_allclose(pred["score"], k_pred["score"], rtol=1e-5, atol=1e-6)
    else:
        assert isinstance(pred, np.ndarray) and isinstance(k_pred, np.ndarray)   # Keras unwraps one output
        np.testing.assert_allclose(pred, k_pred, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("as_dict", [False, True])
def test_predict_on_batch_with_several_inputs(as_dict):
    """It split the data twice and failed unless the batch numbered the model's inputs."""
    model = _two_inputs(_LibTraining)
    a, b = np.ones((5, 4), "float32"), np.full((5, 3), 2.0, "float32")
    out = model.predict_on_batch({"a": a, "b": b} if as_dict else [a, b])
    np.testing.assert_allclose(out, np.full((5, 2), 4 * 1.0 + 3 * 2.0))     # kernel of ones, zero bias, by hand


def test_one_loss_for_several_outputs_logs_each_output_as_keras():
    """Keras logs ``o1_loss`` and ``o2_loss`` beside ``loss`` and ``evaluate`` returns all three; ours logged only
    ``loss`` and returned a scalar."""
    keras = _keras()
    rng = np.random.default_rng(2)
    x = rng.normal(size=(8, 4)).astype("float32")
    y1, y2 = rng.normal(size=(8, 2)).astype("float32"), rng.normal(size=(8, 1)).astype("float32")
    results = []
    for lib in (_LibTraining, keras):
        a = lib.layers.Input((4,))
        model = lib.Model(a, [lib.layers.Dense(2, kernel_initializer="ones", name="o1")(a),
                              lib.layers.Dense(1, kernel_initializer="ones", name="o2")(a)])
        model.compile(optimizer=_sgd(lib), loss="mse")
        history = model.fit(x, [y1, y2], batch_size=4, epochs=2, shuffle=False, verbose=0).history
        results.append((history, model.evaluate(x, [y1, y2], verbose=0)))
    (ours, ours_eval), (theirs, theirs_eval) = results
    assert sorted(ours) == sorted(theirs) == ["loss", "o1_loss", "o2_loss"]
    for key in theirs:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-5)
    np.testing.assert_allclose(ours_eval, theirs_eval, rtol=1e-5)


def test_input_and_output_of_a_dict_model_are_dicts_as_keras():
    a, b = layers.Input((4,), name="a"), layers.Input((3,), name="b")
    out = layers.Dense(1, name="d")(layers.Concatenate()([a, b]))
    model = models.Model({"z": a, "y": b}, {"out": out})
    assert model.input == {"z": a, "y": b} and list(model.input) == ["z", "y"]
    assert model.output == {"out": out}
    assert model.inputs == [b, a] and model.outputs == [out]    # flat lists in sorted-key order, as Keras flattens


def _unsorted_dict_model(lib):
    a, b = lib.layers.Input((4,), name="a"), lib.layers.Input((3,), name="b")
    h = lib.layers.Dense(4, name="h")(lib.layers.Concatenate(name="c")([a, b]))
    return lib.Model({"z": a, "y": b}, {"reg": lib.layers.Dense(2, name="reg")(h),
                                        "cls": lib.layers.Dense(3, name="cls")(h)})


def test_dict_keys_out_of_alphabetical_order_order_layers_and_weights_as_keras(tmp_path):
    """Found by a Keras user: with outputs {"reg": ..., "cls": ...} the layers were [.., reg, cls] where Keras has
    [.., cls, reg] (it flattens a dict in sorted-key order), so weights moved between Keras and here by
    get_weights/set_weights, .weights.h5 or .keras landed in the wrong layers, silently."""
    keras = _keras()
    theirs, ours = _unsorted_dict_model(keras), _unsorted_dict_model(_Lib)
    assert [layer.name for layer in ours.layers] == [layer.name for layer in theirs.layers]
    assert [t._keras_history[0].name for t in ours.inputs] == [t._keras_history[0].name for t in theirs.inputs]
    assert list(ours.input) == list(theirs.input) == ["z", "y"]
    ours.set_weights(theirs.get_weights())
    x = {"z": np.ones((2, 4), "float32"), "y": np.arange(6, dtype="float32").reshape(2, 3)}
    expected, got = theirs.predict(x, verbose=0), ours.predict(x)
    assert list(got) == list(expected) == ["cls", "reg"]
    for key in expected:
        np.testing.assert_allclose(got[key], expected[key], rtol=1e-5, atol=1e-6)
    pytest.importorskip("h5py", reason="h5py reads and writes .keras and .weights.h5 files")
    ours.save(tmp_path / "ours.keras")
    np.testing.assert_allclose(keras.saving.load_model(tmp_path / "ours.keras").predict(x, verbose=0)["reg"],
                               expected["reg"], rtol=1e-5, atol=1e-6)
    theirs.save_weights(tmp_path / "theirs.weights.h5")
    again = _unsorted_dict_model(_Lib)
    again.load_weights(tmp_path / "theirs.weights.h5")
    np.testing.assert_allclose(again.predict(x)["cls"], expected["cls"], rtol=1e-5, atol=1e-6)
    assert ours.get_config()["output_layers"] == theirs.get_config()["output_layers"]   # the order as written


def test_a_dict_input_model_refuses_a_list_as_keras():
    """Keras: "The structure of `inputs` doesn't match the expected structure", a ValueError, for a list fed to a
    model built on a dict of several inputs whose keys are not written in sorted order (a list is read in sorted-key
    order, see test_models_keras_s47.py for the sorted case); one key takes its array alone."""
    keras = _keras()
    x = [np.ones((3, 1), "f4"), np.zeros((3, 2), "f4")]
    for lib in (keras, _Lib):
        zeta, alpha = lib.layers.Input((1,), name="zeta"), lib.layers.Input((2,), name="alpha")
        model = lib.Model({"zeta": zeta, "alpha": alpha}, lib.layers.Concatenate()([zeta, alpha]))
        for feed in (x, tuple(x)):
            with pytest.raises(ValueError, match="structure|dict"):
                model.predict(feed, verbose=0)
        np.testing.assert_array_equal(model.predict({"alpha": x[1], "zeta": x[0]}, verbose=0), [[1, 0, 0]] * 3)
    with pytest.raises(ValueError, match=r"Invalid value for argument `inputs` of Model .*keyed \['zeta', 'alpha'\], "
                                         r"not in sorted order, so a list cannot say which entry is which"):
        model.predict(x)
    with pytest.raises(ValueError, match=r"Pass a dict with the keys \['zeta', 'alpha'\]"):
        model([tg.Tensor(a) for a in x])
    single = models.Model({"zeta": zeta}, layers.Dense(1)(zeta))
    np.testing.assert_array_equal(single.predict(x[0]), single.predict({"zeta": x[0]}))


def test_a_target_for_no_output_and_get_layer_without_arguments_are_named():
    p = layers.Input((3,), name="p")
    model = models.Model(p, {"out1": layers.Dense(1)(p), "out2": layers.Dense(2)(p)})
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.ones((4, 3)), {"out1": np.ones((4, 1)), "out2": np.ones((4, 2)), "zz": np.ones((4, 1))}
    with pytest.raises(ValueError, match=r"argument `y`: targets for \['zz'\], which are not outputs of the model"):
        model.fit(x, y, verbose=0)
    with pytest.raises(ValueError, match="Provide either a layer name or layer index at `get_layer`"):
        model.get_layer()


def test_a_model_used_as_a_layer_infers_shapes_and_checks_its_inputs_as_keras():
    """A model taking any length, used as a layer on a fixed length, gives that length (it gave None, so Flatten and
    Dense could not follow); a fixed-length model on another length, or a model on the wrong number of tensors, is a
    ValueError where Keras raises one (they were accepted); a dict of symbolic tensors keyed by input name works."""
    keras = _keras()

    def build(lib):
        v = lib.layers.Input((None, 1))
        variable = lib.Model(v, lib.layers.Conv1D(2, 3)(v))
        b = lib.layers.Input((32, 1))
        head = lib.Model(b, lib.layers.Dense(1)(lib.layers.Flatten()(variable(b))))
        return variable(b).shape, head.count_params()

    assert build(_Lib) == build(keras) == ((None, 30, 2), 2 * 3 + 2 + 30 * 2 + 1)
    a = layers.Input((16, 1))
    fixed = models.Model(a, layers.Conv1D(2, 3)(a))
    with pytest.raises(ValueError, match=r"expects shape \(None, 16, 1\) \(None: any size\), but received a tensor "
                                         r"of shape \(None, 32, 1\)"):
        fixed(layers.Input((32, 1)))
    i1, i2 = layers.Input((4,), name="i1"), layers.Input((3,), name="i2")
    two = models.Model([i1, i2], layers.Concatenate()([i1, i2]))
    for given in ([layers.Input((4,))], [layers.Input((4,)), layers.Input((3,)), layers.Input((3,))]):
        with pytest.raises(ValueError, match=r"expects 2 input\(s\) \['i1', 'i2'\], but received"):
            two(given if len(given) > 1 else given[0])
    assert two({"i2": layers.Input((3,)), "i1": layers.Input((4,))}).shape == (None, 7)


def test_from_config_takes_a_keras_functional_config():
    """The docstring promised it, but Keras' layer configs (``quantization_config``, dtype policies) were refused."""
    keras = _keras()
    a, b = keras.Input((8, 2), name="a"), keras.Input((8, 2), name="b")
    hidden = keras.layers.Conv1D(3, 3, padding="same", activation="relu")(a)
    reference = keras.Model([a, b], keras.layers.Dense(1)(keras.layers.Concatenate()([hidden, b])))
    model = models.Model.from_config(reference.get_config())
    model.set_weights([np.asarray(w) for w in reference.get_weights()])
    x = [np.random.default_rng(5).normal(size=(2, 8, 2)).astype("float32") for _ in range(2)]
    np.testing.assert_allclose(model.predict(x), reference.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("form", [{"out": ["mae"]}, [["mae"]], {"out": "mae"}])
def test_per_output_metric_forms_for_one_output_log_as_keras(form):
    keras = _keras()
    rng = np.random.default_rng(6)
    x, y = rng.normal(size=(8, 4)).astype("float32"), rng.normal(size=(8, 1)).astype("float32")
    histories = []
    for lib in (_LibTraining, keras):
        a = lib.layers.Input((4,))
        model = lib.Model(a, lib.layers.Dense(1, kernel_initializer="ones", name="out")(a))
        model.compile(optimizer=_sgd(lib), loss="mse", metrics=form)
        histories.append(model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0).history)
    ours, theirs = histories
    assert sorted(ours) == sorted(theirs) == ["loss", "mae"]
    for key in theirs:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-5)


def test_train_and_test_on_batch_with_two_inputs_match_keras():
    keras = _keras()
    rng = np.random.default_rng(7)
    x = [rng.normal(size=(6, 4)).astype("float32"), rng.normal(size=(6, 3)).astype("float32")]
    y = rng.normal(size=(6, 2)).astype("float32")
    results = []
    for lib in (_LibTraining, keras):
        model = _two_inputs(lib)
        model.compile(optimizer=_sgd(lib), loss="mse", metrics=["mae"])
        runs = [model.train_on_batch(x, y), model.train_on_batch(x, y), model.test_on_batch(x, y)]
        results.append((runs, model.get_weights()[0]))
    (ours, kernel), (theirs, k_kernel) = results
    np.testing.assert_allclose(ours, theirs, rtol=1e-5)
    np.testing.assert_allclose(kernel, k_kernel, rtol=1e-5, atol=1e-6)


def test_a_sequential_used_as_a_layer_checks_what_reaches_it():
    """Accepted before (``(None, 3)`` for 5 features into a Dense built for 4); Keras raises."""
    fixed = models.Sequential([layers.Input((4,)), layers.Dense(3)], name="fixed")
    with pytest.raises(ValueError, match=r"Model 'fixed' expects inputs of shape \(None, 4\)"):
        fixed(layers.Input((5,)))
    stack = models.Sequential([layers.Conv1D(2, 3), layers.Flatten(), layers.Dense(1, name="head")])
    stack.build((None, 16, 1))
    with pytest.raises(ValueError, match=r"layer 'head' is incompatible .* to have value 28, but received input with "
                                         r"shape \(None, 60\)"):
        stack(layers.Input((32, 1)))
    assert stack(layers.Input((16, 1))).shape == (None, 1)
    any_length = models.Sequential([layers.Conv1D(2, 3)])
    any_length.build((None, None, 1))
    assert any_length(layers.Input((32, 1))).shape == (None, 30, 2)      # still any length, as before


def _zeta_alpha_model(lib, output_order):
    a = lib.layers.Input((5,), name="a")
    outputs = {"zeta": lib.layers.Dense(2, name="zeta")(a), "alpha": lib.layers.Dense(1, name="alpha")(a)}
    return lib.Model(a, {key: outputs[key] for key in output_order})


@pytest.mark.parametrize("output_order", [("zeta", "alpha"), ("alpha", "zeta")])
@pytest.mark.parametrize("loss", [{"zeta": "mse", "alpha": "mae"}, {"alpha": "mae", "zeta": "mse"},
                                  ["mse", "mae"], "mse"])
def test_per_output_losses_of_a_dict_model_are_listed_in_keras_order(output_order, loss):
    """Keras 3.15 lists a dict of losses on a dict of outputs in the loss dict's order (``['loss', 'zeta_loss',
    'alpha_loss']`` for ``{"zeta": ..., "alpha": ...}``), whatever the outputs' order; a list or a single loss in
    sorted-key order. Ours listed them sorted in every case."""
    from helpers import keras_on_torch

    keras = keras_on_torch("Keras 3 is the reference for the order of per-output losses")
    rng = np.random.default_rng(11)
    x = rng.normal(size=(8, 5)).astype("float32")
    y = {"zeta": rng.normal(size=(8, 2)).astype("float32"), "alpha": rng.normal(size=(8, 1)).astype("float32")}
    theirs, ours = _zeta_alpha_model(keras, output_order), _zeta_alpha_model(_LibTraining, output_order)
    ours.set_weights(theirs.get_weights())
    results = []
    for model, lib in ((theirs, keras), (ours, _LibTraining)):
        model.compile(lib.optimizers.SGD(0.05), loss=loss)
        evaluated = model.evaluate(x, y, batch_size=8, verbose=0)
        names = model.metrics_names
        trained = model.train_on_batch(x, y)
        tested = model.test_on_batch(x, y)
        history = model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0).history
        results.append((names, evaluated, trained, tested, history))
    (names, *their_lists, their_history), (our_names, *our_lists, our_history) = results
    assert our_names == names
    if isinstance(loss, dict):
        assert names == ["loss"] + [f"{key}_loss" for key in loss]
    for their_values, our_values in zip(their_lists, our_lists):
        np.testing.assert_allclose(our_values, their_values, rtol=1e-5)
    assert sorted(our_history) == sorted(their_history)
    for key in their_history:
        np.testing.assert_allclose(our_history[key], their_history[key], rtol=1e-5)


def _reg_cls_model(lib, as_dict):
    a = lib.layers.Input((5,), name="a")
    reg, cls = lib.layers.Dense(2, name="reg")(a), lib.layers.Dense(1, name="cls")(a)
    return lib.Model(a, {"reg": reg, "cls": cls} if as_dict else [reg, cls])


@pytest.mark.parametrize("as_dict", [True, False])
@pytest.mark.parametrize("loss_weights", [[1.0, 10.0], (1.0, 10.0), {"reg": 1.0, "cls": 10.0}])
def test_one_loss_with_several_weights_is_refused_as_keras(as_dict, loss_weights):
    """Keras 3.15: "`loss_weights` must match the number of losses, got 1 losses and 2 weights"; ours applied the
    weights to the outputs in sorted order."""
    from helpers import keras_on_torch

    keras = keras_on_torch("Keras 3 is the reference for loss_weights with one loss")
    theirs = _reg_cls_model(keras, as_dict)
    theirs.compile("sgd", loss="mse", loss_weights=loss_weights)
    x, y = np.zeros((2, 5), "float32"), [np.zeros((2, 2), "float32"), np.zeros((2, 1), "float32")]
    with pytest.raises(ValueError, match="loss_weights` must match the number of losses"):   # (on the first batch)
        theirs.evaluate(x, dict(zip(("reg", "cls"), y)) if as_dict else y, verbose=0)
    model = _reg_cls_model(_LibTraining, as_dict)
    with pytest.raises(ValueError, match=r"`loss_weights`: `loss` is one loss \('mse'\) shared by the 2 outputs "
                                         r".*one weight.*Received loss_weights=.*loss=\{'.*': 'mse', '.*': 'mse'\}"):
        model.compile("sgd", loss="mse", loss_weights=loss_weights)


@pytest.mark.parametrize("as_dict", [True, False])
@pytest.mark.parametrize("loss_weights", [[2.0], 2.0])
def test_one_loss_with_one_weight_weights_every_output_as_keras(as_dict, loss_weights):
    from helpers import keras_on_torch

    keras = keras_on_torch("Keras 3 is the reference for loss_weights with one loss")
    rng = np.random.default_rng(3)
    x = rng.normal(size=(8, 5)).astype("float32")
    y = [rng.normal(size=(8, 2)).astype("float32"), rng.normal(size=(8, 1)).astype("float32")]
    y = dict(zip(("reg", "cls"), y)) if as_dict else y
    theirs, ours = _reg_cls_model(keras, as_dict), _reg_cls_model(_LibTraining, as_dict)
    ours.set_weights(theirs.get_weights())
    got = []
    for model in (theirs, ours):
        model.compile("sgd", loss="mse", loss_weights=loss_weights)
        got.append(model.evaluate(x, y, batch_size=8, verbose=0))
    np.testing.assert_allclose(got[1], got[0], rtol=1e-5)
    np.testing.assert_allclose(got[1][0], 2.0 * (got[1][1] + got[1][2]), rtol=1e-5)   # by hand


def test_dict_of_weights_with_a_list_of_losses_on_list_outputs_is_refused():
    """Keras 3.15 applies such a dict by sorted-key position, ignoring its keys (checked here: ``reg`` weighs 10,
    and nonsense keys pass), against its documented mapping by output name; ours applied it by name, silently
    another number. Refused, with the two unambiguous spellings, which agree with Keras."""
    from helpers import keras_on_torch

    keras = keras_on_torch("Keras 3 is the reference for loss_weights given as a dict")
    rng = np.random.default_rng(6)
    x = rng.normal(size=(8, 5)).astype("float32")
    y = [rng.normal(size=(8, 2)).astype("float32"), rng.normal(size=(8, 1)).astype("float32")]
    theirs = _reg_cls_model(keras, as_dict=False)
    values = {}
    for name, weights in (("by name", {"reg": 1.0, "cls": 10.0}), ("nonsense", {"x": 1.0, "y": 10.0})):
        theirs.compile(keras.optimizers.SGD(0.0), loss=["mse", "mae"], loss_weights=weights)
        values[name] = theirs.evaluate(x, y, batch_size=8, verbose=0)
    loss, reg, cls = values["by name"]
    np.testing.assert_allclose(loss, 10.0 * reg + 1.0 * cls, rtol=1e-5)        # by sorted-key position
    np.testing.assert_allclose(values["nonsense"][0], 1.0 * reg + 10.0 * cls, rtol=1e-5)

    ours = _reg_cls_model(_LibTraining, as_dict=False)
    ours.set_weights(theirs.get_weights())
    with pytest.raises(ValueError, match=r"`loss_weights`: a dict of weights with a list of losses .* \['reg', "
                                         r"'cls'\].*sorted-key order.*loss_weights=\[1.0, 10.0\]"):
        ours.compile("sgd", loss=["mse", "mae"], loss_weights={"reg": 1.0, "cls": 10.0})
    for loss, weights in ((["mse", "mae"], [1.0, 10.0]), ({"reg": "mse", "cls": "mae"}, {"cls": 10.0, "reg": 1.0})):
        got = []
        for model, lib in ((theirs, keras), (ours, _LibTraining)):
            model.compile(lib.optimizers.SGD(0.0), loss=loss, loss_weights=weights)
            got.append(model.evaluate(x, y, batch_size=8, verbose=0))
        np.testing.assert_allclose(got[1], got[0], rtol=1e-5)
        np.testing.assert_allclose(got[1][0], got[1][1] + 10.0 * got[1][2], rtol=1e-5)   # reg 1, cls 10


# ------------------------------------------------------------ layers that take and return structures of tensors
def _structured_layers(lib):
    """Layers of ``lib`` (ours or Keras') that return a dict, return a tuple holding a list holding a dict, take a
    dict, and one that returns a dict and says its shapes (``compute_output_shape``)."""
    class Split(lib.layers.Layer):
        def call(self, x):
            return {"wide": x * 2.0, "narrow": x[..., :2] + 1.0}      # written unsorted

    class Nested(lib.layers.Layer):
        def call(self, x):
            return (x * 2.0, [x + 1.0, {"first": x[..., :1]}])

    class Merge(lib.layers.Layer):
        def call(self, parts):
            return parts["narrow"] * 3.0 + parts["wide"][..., 1:]

    class Shaped(lib.layers.Layer):
        def call(self, x):
            return {"head": x[..., :2], "tail": x[..., 2:]}

        def compute_output_shape(self, input_shape):
            return {"head": (*input_shape[:-1], 2), "tail": (*input_shape[:-1], input_shape[-1] - 2)}

    return types.SimpleNamespace(Split=Split, Nested=Nested, Merge=Merge, Shaped=Shaped)


def _structured_model(lib, kind):
    """A functional model (in ``lib``) using a structured layer's outputs."""
    made = _structured_layers(lib)
    dense = {"kernel_initializer": "ones", "bias_initializer": "zeros"}
    inputs = lib.layers.Input((3,), name="x")
    if kind == "one key":
        return lib.Model(inputs, made.Split(name="split")(inputs)["narrow"])
    if kind == "the dict":
        return lib.Model(inputs, made.Split(name="split")(inputs))
    if kind == "both keys":
        parts = made.Split(name="split")(inputs)
        wide = lib.layers.Dense(1, name="d", **dense)(parts["wide"])
        return lib.Model(inputs, lib.layers.Concatenate(name="cat")([parts["narrow"], wide]))
    if kind == "nested":
        doubled, (plus_one, inner) = made.Nested(name="nested")(inputs)
        return lib.Model(inputs, [inner["first"], lib.layers.Add(name="add")([doubled, plus_one])])
    if kind == "dict in, dict out":
        parts = made.Split(name="split")(inputs)
        merged = made.Merge(name="merge")(parts)
        return lib.Model(inputs, [lib.layers.Dense(2, name="d", **dense)(merged), parts["wide"]])
    raise AssertionError(kind)


@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")  # inside Keras
@pytest.mark.parametrize("kind", ["one key", "the dict", "both keys", "nested", "dict in, dict out"])
def test_a_layer_returning_a_structure_of_tensors_works_in_a_functional_model_as_keras(kind):
    """Found by a tester: a layer whose ``call`` returns a dict worked on data but failed on symbolic tensors
    ("'dict' object has no attribute 'shape'"). As in Keras 3, the symbolic call returns the structure the layer
    returns (a dict with its keys sorted, a tuple holding a list holding a dict), a layer may take a dict, and the
    model's predictions, config (its nodes' arguments and tensor indices) and training are Keras'."""
    keras = _keras()
    x = np.arange(12, dtype="float32").reshape(4, 3) / 10.0
    theirs, ours = _structured_model(keras, kind), _structured_model(_Lib, kind)
    expected = theirs.predict(x, verbose=0)
    got = ours.predict(x)
    assert type(got) is type(expected) and (not isinstance(got, dict) or sorted(got) == sorted(expected))
    for a, b in zip(_flatten_values(got), _flatten_values(expected)):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    theirs_config, ours_config = theirs.get_config(), ours.get_config()
    assert [item["inbound_nodes"] for item in ours_config["layers"]] == [
        _json_like(item["inbound_nodes"]) for item in theirs_config["layers"]]
    assert _json_like(ours_config["output_layers"]) == _json_like(theirs_config["output_layers"])
    objects = {cls.__name__: cls for cls in vars(_structured_layers(_Lib)).values()}
    for again in (models.Model.from_config(ours_config, custom_objects=objects), models.clone_model(ours)):
        again.set_weights(ours.get_weights())
        for a, b in zip(_flatten_values(again.predict(x)), _flatten_values(expected)):
            np.testing.assert_allclose(a, b, rtol=1e-6)
    if kind in ("both keys", "dict in, dict out"):      # training through the structure: Keras' losses
        y = [np.full_like(t, 0.5) for t in (expected if isinstance(expected, list) else [expected])]
        y = y if len(y) > 1 else y[0]
        histories = []
        for model, sgd in ((theirs, keras.optimizers.SGD(0.01)), (ours, tg.optimizers.SGD(0.01))):
            model.compile(sgd, "mse")
            histories.append(model.fit(x, y, batch_size=2, epochs=2, shuffle=False, verbose=0).history)
        assert sorted(histories[0]) == sorted(histories[1])
        for key in histories[0]:
            np.testing.assert_allclose(histories[1][key], histories[0][key], rtol=1e-5, err_msg=key)


def _flatten_values(value):
    """Arrays of a structure, dicts by sorted key (as Keras flattens them)."""
    if isinstance(value, dict):
        return [a for key in sorted(value) for a in _flatten_values(value[key])]
    if isinstance(value, (list, tuple)):
        return [a for v in value for a in _flatten_values(v)]
    return [value]


def _json_like(value):
    """Keras' config values with tuples as lists (ours are written as JSON gives them back)."""
    if isinstance(value, dict):
        return {key: _json_like(v) for key, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_like(v) for v in value]
    return value


def test_compute_output_shape_may_return_a_dict_of_shapes_as_keras():
    """A layer that says its output shapes as a dict is not run on zeros (which would give length 1 for an unknown
    length, where the shapes say None), as Keras uses ``compute_output_shape`` for its symbolic outputs."""
    keras = _keras()
    shapes = []
    for lib in (keras, _Lib):
        inputs = lib.layers.Input((None, 5))
        parts = _structured_layers(lib).Shaped()(inputs)
        shapes.append({key: tuple(t.shape) for key, t in parts.items()})
        assert list(parts) == ["head", "tail"]
        assert list(_structured_layers(lib).Split()(inputs)) == ["narrow", "wide"]     # sorted, as Keras packs
    assert shapes[0] == shapes[1] == {"head": (None, None, 2), "tail": (None, None, 3)}


def test_a_layer_called_on_a_structure_mixing_symbolic_tensors_and_data_is_refused():
    inputs = layers.Input((3,))
    with pytest.raises(TypeError, match=r"structure mixing symbolic tensors .* and data"):
        layers.Concatenate()({"a": inputs, "b": np.ones((1, 3))})


def _three_outputs(lib, as_dict):
    """Outputs ``a`` (2 units), ``b`` and ``c`` (1 unit) of one input, as a list or as a dict keyed by name."""
    x = lib.layers.Input((3,), name="x")
    a, b, c = (lib.layers.Dense(units, name=name)(x) for units, name in ((2, "a"), (1, "b"), (1, "c")))
    return lib.Model(x, {"a": a, "b": b, "c": c} if as_dict else [a, b, c])


@pytest.mark.filterwarnings("ignore:Gradients do not exist:UserWarning")       # output b trains no weight
@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")  # inside Keras
@pytest.mark.parametrize("as_dict, loss, loss_weights, untrained", [
    (True, {"a": "mse", "b": None, "c": "mae"}, None, "given"),
    (False, ["mse", None, "mae"], [1.0, 7.0, 3.0], "given"),
    (True, {"c": None, "b": "mae", "a": None}, None, "given"),
    (False, [None, "mse", None], None, "given"),
    (True, {"a": "mse", "b": None, "c": "mae"}, None, "None"),
    (True, {"c": None, "b": "mae", "a": None}, None, "missing"),
    (False, ["mse", None, "mae"], [1.0, 7.0, 3.0], "None"),
    (True, {"a": "mse", "c": "mae"}, None, "missing")])       # a dict of outputs: a missing key is None (Keras)
def test_an_output_whose_loss_is_none_is_not_trained_as_keras(as_dict, loss, loss_weights, untrained):
    """Found by a tester: ``loss={"a": "mse", "b": None}`` / ``["mse", None]`` was refused in ``compile``; Keras 3.15
    leaves that output out of the loss and of the logs (``"<output>_loss"`` only while several losses remain), its
    weight in ``loss_weights`` unused. The targets of such an output may be ``None`` or (in a dict) left out, as
    Keras takes them (a tester found them required). Keras' logs, lists, history and final weights are the
    reference."""
    from helpers import keras_on_torch

    keras = keras_on_torch("Keras 3 is the reference for an output whose loss is None")
    rng = np.random.default_rng(13)
    x = rng.normal(size=(8, 3)).astype("float32")
    y = {"a": rng.normal(size=(8, 2)).astype("float32"), "b": rng.normal(size=(8, 1)).astype("float32"),
         "c": rng.normal(size=(8, 1)).astype("float32")}
    untrained_names = [n for n in "abc" if (loss.get(n) if as_dict else loss["abc".index(n)]) is None]
    for n in untrained_names:
        if untrained == "None":
            y[n] = None
        elif untrained == "missing":
            del y[n]
    y = y if as_dict else [y["a"], y["b"], y["c"]]
    theirs, ours = _three_outputs(keras, as_dict), _three_outputs(_LibTraining, as_dict)
    ours.set_weights(theirs.get_weights())
    results = []
    for model, lib in ((theirs, keras), (ours, _LibTraining)):
        model.compile(lib.optimizers.SGD(0.05), loss=loss, loss_weights=loss_weights)
        evaluated = model.evaluate(x, y, batch_size=8, verbose=0, return_dict=True)
        names = model.metrics_names
        trained = model.train_on_batch(x, y)
        history = model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0).history
        results.append((names, evaluated, trained, history, model.get_weights()))
    (names, evaluated, trained, history, weights), (our_names, our_evaluated, our_trained, our_history,
                                                    our_weights) = results
    losses_left = [n for n in "abc" if (loss.get(n) if isinstance(loss, dict) else loss["abc".index(n)]) is not None]
    assert our_names == names and list(our_evaluated) == list(evaluated)
    assert sorted(history) == sorted(our_history) == sorted(
        ["loss"] + ([f"{n}_loss" for n in losses_left] if len(losses_left) > 1 else []))
    np.testing.assert_allclose(np.ravel(our_trained), np.ravel(trained), rtol=1e-5)
    for key in evaluated:
        np.testing.assert_allclose(our_evaluated[key], evaluated[key], rtol=1e-5)
        np.testing.assert_allclose(our_history[key], history[key], rtol=1e-5)
    for mine, expected in zip(our_weights, weights):      # the untrained outputs' weights included
        np.testing.assert_allclose(mine, expected, rtol=1e-5, atol=1e-6)


def _targets_and_weights(n_outputs, seed=31):
    """Inputs, one target per output (``a``: 2 units, the others 1) and two sets of sample weights."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(8, 3)).astype("float32")
    ys = [rng.normal(size=(8, 2 if i == 0 else 1)).astype("float32") for i in range(n_outputs)]
    return x, ys, rng.uniform(0.5, 2.0, size=8).astype("float32"), rng.uniform(0.0, 3.0, size=8).astype("float32")


def _outputs(lib, n_outputs):
    x = lib.layers.Input((3,), name="x")
    outputs = [lib.layers.Dense(2 if i == 0 else 1, name="abc"[i])(x) for i in range(n_outputs)]
    return lib.Model(x, outputs)


def _assert_logs_and_weights_like_keras(theirs, ours):
    """``theirs`` and ``ours``: the same tuple of log dicts (evaluate, fit history, ...) followed by the final
    weights, from Keras and from us; every log key and value, and every weight, must agree."""
    for their_logs, our_logs in zip(theirs[:-1], ours[:-1]):
        assert sorted(our_logs) == sorted(their_logs)
        for key in their_logs:
            np.testing.assert_allclose(our_logs[key], their_logs[key], rtol=1e-5, err_msg=key)
    assert len(ours[-1]) == len(theirs[-1])
    for mine, expected in zip(ours[-1], theirs[-1]):
        np.testing.assert_allclose(mine, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.filterwarnings("ignore:Gradients do not exist:UserWarning")       # an output without a loss
@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")  # inside Keras
@pytest.mark.parametrize("loss, data", [
    (["mse", None], lambda y, w, v: (y[0], None)),
    (["mse", None], lambda y, w, v: ([y[0]], None)),
    (["mse", None], lambda y, w, v: ((y[0],), None)),
    (["mse", None], lambda y, w, v: (y[0], [w, None])),
    (["mse", None], lambda y, w, v: (y[0], [None, w])),      # the weight of the output without a loss: unused
    (["mse", None], lambda y, w, v: ([y[0], None], [w, None])),
    (["mse", None], lambda y, w, v: ([y[0]], [w])),
    (["mse", None], lambda y, w, v: (y[0], w)),
    ([None, "mae"], lambda y, w, v: (y[1], None)),
    ([None, "mae"], lambda y, w, v: ([None, y[1]], [None, w])),
    ([None, "mae"], lambda y, w, v: (y[1], [None, w])),
    ([None, "mae"], lambda y, w, v: ([y[1]], [w])),            # Keras 3.15: IndexError; see below
    (["mse", "mae"], lambda y, w, v: (y, [w, None])),
    (["mse", "mae"], lambda y, w, v: (y, [None, v])),
    (["mse", "mae"], lambda y, w, v: (y, [w, v])),
    ("mse", lambda y, w, v: (y, [w, v])),
    (["mse", None, "mae"], lambda y, w, v: ([y[0], y[2]], None)),
    (["mse", None, "mae"], lambda y, w, v: ([y[0], None, y[2]], [w, None, v])),
    (["mse", None, "mae"], lambda y, w, v: ([y[0], y[2]], [w, None, v])),   # Keras 3.15 refuses: see below
    (["mse", None, "mae"], lambda y, w, v: ([y[0], y[2]], [w, v])),         # Keras 3.15 refuses: see below
])
def test_targets_and_sample_weights_by_output_as_keras(loss, data):
    """Found by a tester: with ``loss=["mse", None]`` Keras 3.15 takes ``fit(x, ya)``, ``fit(x, [ya])`` (the
    targets of the outputs that have a loss only) and ``sample_weight=[w, None]`` (one entry per output, by
    position); we refused all three. Keras' ``evaluate``, ``train_on_batch``, ``fit`` history with
    ``validation_data`` and final weights are the reference, for each form Keras accepts. Three forms Keras 3.15
    refuses by accident of its checks (a list of targets and a list of weights of different lengths: "one
    `sample_weight` array per output in `y`"; ``[w]`` for the second output: an ``IndexError``) are compared with
    Keras given the same entries with one per output (None for the outputs without a loss)."""
    from helpers import keras_on_torch

    keras = keras_on_torch("Keras 3 is the reference for targets and sample weights given by output")
    n_outputs = 3 if isinstance(loss, list) and len(loss) == 3 else 2
    x, ys, w, v = _targets_and_weights(n_outputs)
    y, sample_weight = data(ys, w, v)
    trained = [i for i in range(n_outputs) if not isinstance(loss, list) or loss[i] is not None]

    def one_per_output(values, number):     # the entries of the outputs with a loss, put at their places
        if not isinstance(values, list) or len(values) != len(trained) or len(trained) == n_outputs:
            return values
        placed = [None] * number
        for i, value in zip(trained, values):
            placed[i] = value
        return placed

    keras_data = (one_per_output(y, n_outputs), one_per_output(sample_weight, n_outputs))
    theirs, ours = _outputs(keras, n_outputs), _outputs(_LibTraining, n_outputs)
    ours.set_weights(theirs.get_weights())
    results = []
    for model, lib in ((theirs, keras), (ours, _LibTraining)):
        y, sample_weight = keras_data if lib is keras else data(ys, w, v)
        model.compile(lib.optimizers.SGD(0.05), loss=loss)
        evaluated = model.evaluate(x, y, sample_weight=sample_weight, batch_size=8, verbose=0, return_dict=True)
        trained = model.train_on_batch(x, y, sample_weight=sample_weight, return_dict=True)
        history = model.fit(x, y, sample_weight=sample_weight, batch_size=4, epochs=2, shuffle=False, verbose=0,
                            validation_data=(x, y) if sample_weight is None else (x, y, sample_weight)).history
        results.append((evaluated, trained, history, model.get_weights()))
    _assert_logs_and_weights_like_keras(*results)


def test_targets_and_sample_weights_by_output_that_fit_no_output_are_refused():
    """Lists of another length than the outputs (or the outputs with a loss) are a ValueError naming the argument
    and the outputs (Keras 3.15 refuses the targets too; it takes ``sample_weight=[w, w, w]`` for two outputs)."""
    x, (ya, yb), w, _ = _targets_and_weights(2)
    model = _outputs(_LibTraining, 2)
    model.compile("sgd", loss=["mse", None])
    with pytest.raises(ValueError, match=r"`sample_weight`: the model has 2 outputs \['a', 'b'\], so a list of sample "
                                         r"weights holds one array \(or None\) per output, or one per output that has "
                                         r"a loss \(1\), in order\. Received a list of 3"):
        model.fit(x, ya, sample_weight=[w, w, w], verbose=0)
    with pytest.raises(ValueError, match=r"`y`: the model has 2 outputs, so it expects a list of 2 arrays, or 1 for "
                                         r"the outputs that have a loss\. Received list of length 3"):
        model.fit(x, [ya, yb, yb], verbose=0)
    with pytest.raises(ValueError, match=r"the arrays of `sample_weight` have \[8, 5\] samples"):
        model.evaluate(x, [ya, yb], sample_weight=[w, w[:5]])
    both = _outputs(_LibTraining, 2)
    both.compile("sgd", loss=["mse", "mse"])
    with pytest.raises(ValueError, match=r"so a list of sample weights holds one array \(or None\) per output, in "
                                         r"order\. Received a list of 1"):
        both.train_on_batch(x, [ya, yb], sample_weight=[w])


def test_every_loss_none_is_refused_and_the_weights_of_an_output_without_loss_stay():
    """Keras 3.15 fails in ``fit`` ("No loss to compute"); ours refuses in ``compile``, naming the value. By hand:
    output ``b`` without a loss keeps its initial weights through training while ``a`` changes."""
    model = _three_outputs(_LibTraining, as_dict=False)
    with pytest.raises(ValueError, match=r"`loss`: no output of \['a', 'b', 'c'\] has a loss .* Received "
                                         r"loss=\[None, None, None\]"):
        model.compile("sgd", loss=[None, None, None])
    with pytest.raises(ValueError, match=r"expected keys \['a', 'b', 'c'\] \(the output layers' names\) \(None for "
                                         r"an output trained by no loss\)"):
        # a list of outputs: Keras 3.15 refuses it too ("Expected keys ['a', 'b'] in loss dict"); a dict of outputs
        # takes a missing key as None (test_an_output_whose_loss_is_none_is_not_trained_as_keras)
        _three_outputs(_LibTraining, as_dict=False).compile("sgd", loss={"a": "mse"})
    before = {name: [w.copy() for w in model.get_layer(name).get_weights()] for name in "abc"}
    model.compile(tg.optimizers.SGD(0.1), loss=["mse", None, "mae"])
    rng = np.random.default_rng(2)
    with pytest.warns(UserWarning, match=r"Gradients do not exist for variables \['b/kernel', 'b/bias'\]"):
        model.fit(rng.normal(size=(6, 3)), [rng.normal(size=(6, 2)), rng.normal(size=(6, 1)),
                                            rng.normal(size=(6, 1))], epochs=1, verbose=0)
    for name, changed in (("a", True), ("b", False), ("c", True)):
        after = model.get_layer(name).get_weights()
        assert any((w != v).any() for w, v in zip(after, before[name])) == changed, name


# ----------------------------------------------------------------------------- integer inputs (found by a tester)
@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")  # inside Keras
@pytest.mark.parametrize("dtype", ["int32", "int64", "uint8", "bool"])
def test_an_integer_input_casts_its_data_and_the_dense_layer_computes_in_floats_as_keras(dtype, tmp_path):
    """``Input(dtype="int32")`` was refused. As in Keras 3, float data given to it are cast to its dtype
    (0.7 -> 0), and a Dense layer after it computes in its own float32 (Keras promotes int32 with float32 to
    float32): predict, fit and a saved model against Keras' on the same weights."""
    keras = _keras()
    rng = np.random.default_rng(21)
    x = rng.integers(0, 2 if dtype == "bool" else 5, size=(6, 4)).astype(dtype)
    y = rng.normal(size=(6, 2)).astype("float32")
    results = []
    for lib in (keras, _LibTraining):
        inputs = lib.layers.Input((4,), dtype=dtype, name="ids")
        model = lib.Model(inputs, lib.layers.Dense(2, name="d")(inputs))
        model.set_weights([np.linspace(-1, 1, 8, dtype="float32").reshape(4, 2), np.full(2, 0.5, "float32")])
        got = [model.predict(data, verbose=0) for data in (x, x.astype("float32") + 0.7 * (dtype != "bool"))]
        model.compile(lib.optimizers.SGD(0.1), "mse")
        history = model.fit(x, y, batch_size=3, epochs=2, shuffle=False, verbose=0).history["loss"]
        results.append((str(inputs.dtype), got, history, model.get_weights()))
    (k_dtype, k_got, k_history, k_weights), (dtype_seen, ours, history, weights) = results
    assert dtype_seen == k_dtype.replace("torch.", "") == dtype
    for mine, theirs in zip(ours, k_got):
        assert mine.dtype == theirs.dtype == np.float32
        np.testing.assert_allclose(mine, theirs, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(history, k_history, rtol=1e-5)
    for mine, theirs in zip(weights, k_weights):
        np.testing.assert_allclose(mine, theirs, rtol=1e-5, atol=1e-6)
    path = tmp_path / "ids.keras"
    inputs = layers.Input((4,), dtype=dtype, name="ids")
    model = models.Model(inputs, layers.Dense(2)(inputs))
    model.save(path)
    loaded = tg.saving.load_model(path)
    assert str(loaded.inputs[0].dtype) == dtype
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")  # inside Keras
@pytest.mark.parametrize("make", [
    lambda L: L.Dense(2), lambda L: L.PReLU(), lambda L: L.BatchNormalization(), lambda L: L.LayerNormalization(),
    lambda L: L.Flatten(), lambda L: L.Reshape((24,)), lambda L: L.Dropout(0.5), lambda L: L.ReLU(),
    lambda L: L.Activation("relu"), lambda L: L.UpSampling1D(), lambda L: L.ZeroPadding1D(), lambda L: L.Cropping1D(),
])
def test_layers_on_int32_data_give_keras_dtype_and_values(make):
    """The layers that compute in floats with weights or means give their float dtype on int32 data, the others
    keep int32, as Keras 3's layers do (on its torch backend). The values are those of Keras' layer on the same
    data in float32 (Keras' LayerNormalization on int32 data truncates its results to whole numbers; ours does
    not)."""
    keras = _keras()
    data = np.arange(-12, 36, dtype="int32").reshape(2, 6, 4) % 7 - 3
    theirs_layer, ours_layer = make(keras.layers), make(layers)
    theirs = theirs_layer(keras.ops.convert_to_tensor(data))
    ours_layer.build(data.shape)
    ours_layer.set_weights(theirs_layer.get_weights())
    ours = ours_layer(tg.Tensor(data, dtype="int32"))
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    expected = keras.ops.convert_to_numpy(theirs_layer(keras.ops.convert_to_tensor(data.astype("float32"))))
    np.testing.assert_allclose(ours.numpy(), expected, rtol=1e-6, atol=1e-6)


def _integer_input_models(lib, dtype):
    """A Sequential and a functional model whose ``Input`` has ``dtype``, passing the data on unchanged."""
    sequential = lib.Sequential([lib.layers.Input((4,), dtype=dtype), lib.layers.Flatten()])
    inputs = lib.layers.Input((4,), dtype=dtype)
    return sequential, lib.Model(inputs, lib.layers.Flatten()(inputs))


@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")  # inside Keras
@pytest.mark.parametrize("dtype, data", [
    ("int32", np.array([[2**31 + 5, -2**31 - 7, 2**24 + 1, -3]], dtype="int64")),
    ("int32", [[2**31 + 5, -2**31 - 7, 2**24 + 1, -3]]),            # nested lists: int64, then cast
    ("uint8", np.array([[300, -1, 255, 7]], dtype="int64")),
    ("int64", np.array([[2**62 + 1, -(2**53) - 1, 0, 1]], dtype="int64")),
    ("int8", np.array([[200, -129, 2**40 + 3, 1]], dtype="int64")),
])
def test_integer_data_reaches_the_input_dtype_in_one_cast_as_keras(dtype, data):
    """Found by a tester: int64 data beyond the int32 range, fed to ``Input(dtype="int32")``, came out as -2**31
    (and 2**24 + 1 as 2**24): the models turned it into float32 before the Input's cast. It is now cast from its
    own dtype, wrapping as NumPy's ``astype`` (the reference here, with Keras' predict and call)."""
    keras = _keras()
    expected = np.asarray(data).astype(dtype)
    for ours, theirs in zip(_integer_input_models(_Lib, dtype), _integer_input_models(keras, dtype)):
        keras_out = theirs.predict(np.asarray(data), verbose=0)
        for got in (ours.predict(data, verbose=0), ours(data).numpy()):
            assert got.dtype == expected.dtype == keras_out.dtype
            np.testing.assert_array_equal(got, expected)
            np.testing.assert_array_equal(got, keras_out)


@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")  # inside Keras
@pytest.mark.parametrize("make", [
    lambda L: L.ReLU(max_value=2.0), lambda L: L.ReLU(max_value=2.5), lambda L: L.ReLU(max_value=6.0),
    lambda L: L.ReLU(threshold=1.0), lambda L: L.ReLU(threshold=1.5), lambda L: L.Activation("relu6"),
    lambda L: L.Activation("hard_tanh"), lambda L: L.Activation("linear"), lambda L: L.Activation("sigmoid"),
    lambda L: L.Activation("tanh"), lambda L: L.Activation("exponential"), lambda L: L.Activation("softsign"),
])
@pytest.mark.parametrize("dtype", ["int32", "uint8"])
def test_activations_on_integer_data_give_keras_dtype_and_values(make, dtype):
    """A tester found ``ReLU(max_value=2)``, ``ReLU(threshold=1)`` and ``relu6`` failing on int32 data and
    ``sigmoid`` returning float64 (float16 for uint8): Keras 3 keeps the integer dtype for relu, relu6, hard_tanh
    and linear (``max_value=2.5`` gives 2) and returns float32 for the others. Compared with Keras' layer on the
    same integer data."""
    keras = _keras()
    data = (np.arange(-12, 36).reshape(2, 6, 4) % 9 - 3).astype(dtype)
    kind = make(layers)
    if dtype == "uint8" and getattr(kind, "activation", None) in (tg.activations.hard_tanh, tg.activations.softsign):
        pytest.skip("no reference: Keras' hard_tanh fails on uint8 and its softsign overflows there (255 -> inf)")
    theirs = keras.ops.convert_to_numpy(make(keras.layers)(keras.ops.convert_to_tensor(data)))
    ours = make(layers)(tg.Tensor(data, dtype=dtype))
    assert str(ours.dtype) == str(theirs.dtype)
    np.testing.assert_allclose(ours.numpy(), theirs, rtol=1e-6, atol=1e-6)


@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")  # inside Keras
@pytest.mark.parametrize("name", ["Add", "Subtract", "Multiply", "Maximum", "Minimum", "Concatenate", "Average"])
@pytest.mark.parametrize("dtypes", [("int32", "float32"), ("bool", "float32"), ("int64", "float16"),
                                    ("int32", "int32"), ("bool", "bool")])
def test_merging_integer_and_float_inputs_gives_keras_dtype_and_values(name, dtypes):
    """A tester found ``int32`` merged with ``float32`` giving NumPy's ``float64`` (Keras 3: ``float32``, PyTorch's
    promotion) and ``Minimum`` failing on bools. Compared with Keras' functional model on the same data."""
    if dtypes == ("bool", "bool") and name in ("Subtract", "Average"):
        pytest.skip("no reference: Keras fails on bool - bool, and its bool Average gives True + True = 0.5")
    keras = _keras()
    data = np.array([[1, -2, 3, 0], [0, 5, -1, 2]], "float32")
    feeds = [data > 0 if dtype == "bool" else data.astype(dtype) for dtype in dtypes]
    results = []
    for lib in (keras, _LibTraining):
        inputs = [lib.layers.Input((4,), dtype=dtype) for dtype in dtypes]
        results.append(lib.Model(inputs, getattr(lib.layers, name)()(inputs)).predict(feeds, verbose=0))
    theirs, ours = results
    assert ours.dtype == theirs.dtype
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("make", [
    lambda L: L.Flatten(), lambda L: L.Reshape((8,)), lambda L: L.ReLU(max_value=2.0), lambda L: L.LeakyReLU(),
    lambda L: L.ELU(), lambda L: L.Softmax(), lambda L: L.PReLU(), lambda L: L.Dense(2),
    lambda L: L.Activation("sigmoid"), lambda L: L.Activation("linear"), lambda L: L.Dropout(0.5),
    lambda L: L.BatchNormalization(), lambda L: L.LayerNormalization(), lambda L: L.UpSampling1D(),
    lambda L: L.ZeroPadding1D(), lambda L: L.Cropping1D(), lambda L: L.DepthwiseConv1D(2),
    lambda L: L.SeparableConv1D(2, 2), lambda L: L.GaussianNoise(0.1), lambda L: L.GaussianDropout(0.1),
    lambda L: L.SpatialDropout1D(0.1), lambda L: L.Permute((2, 1)), lambda L: L.Identity(),
    lambda L: L.UnitNormalization(), lambda L: L.GroupNormalization(2),
])
@pytest.mark.parametrize("dtype", ["int32", "bool"])
def test_the_symbolic_dtype_is_the_dtype_of_the_data_out(make, dtype):
    """A tester found ``Flatten()(Input(dtype="int32")).dtype`` reading float32 while the data came out int32 (Keras:
    int32 for both). The symbolic tensor's dtype is now the one the layer gives the data."""
    inputs = layers.Input((4, 2), dtype=dtype)
    symbolic = make(layers)(inputs)
    data = (np.arange(16).reshape(2, 4, 2) % 5).astype(dtype)
    assert str(models.Model(inputs, symbolic).predict(data, verbose=0).dtype) == str(symbolic.dtype)


@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")  # inside Keras
@pytest.mark.parametrize("dtype", ["int32", "bool"])
def test_flatten_and_reshape_keep_the_symbolic_integer_dtype_as_keras(dtype):
    keras = _keras()
    for name, args in (("Flatten", ()), ("Reshape", ((8,),))):
        theirs = getattr(keras.layers, name)(*args)(keras.Input((4, 2), dtype=dtype))
        ours = getattr(layers, name)(*args)(layers.Input((4, 2), dtype=dtype))
        assert str(ours.dtype) == str(theirs.dtype) == dtype


def test_an_input_of_an_unknown_dtype_is_refused():
    with pytest.raises(ValueError, match=r"Invalid value for argument `dtype`\. Expected one of \('float16', .*'int32'"
                                         r".*'bool'\).*Received dtype='complex64'"):
        layers.Input((3,), dtype="complex64")


@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")  # inside Keras
def test_a_sequential_with_an_integer_input_matches_keras_and_keeps_it_when_saved_and_cloned(tmp_path):
    """The same on a Sequential that starts with ``Input(dtype="int64")``: float data cast to it, a float32 Dense
    after it; its .keras file (which Keras loads) and its clone keep the input's dtype."""
    keras = _keras()
    x = np.arange(12).reshape(3, 4) % 5 + 0.6                      # float data: cast to int64 (0.6 -> 0)
    weights = [np.linspace(-1, 1, 4, dtype="float32").reshape(4, 1), np.full(1, 0.5, "float32")]
    theirs = keras.Sequential([keras.layers.Input((4,), dtype="int64"), keras.layers.Dense(1)])
    ours = models.Sequential([layers.Input((4,), dtype="int64"), layers.Dense(1)])
    for model in (theirs, ours):
        model.set_weights(weights)
    expected = theirs.predict(x, verbose=0)
    got = ours.predict(x, verbose=0)
    assert got.dtype == expected.dtype == np.float32
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    path = str(tmp_path / "seq.keras")
    ours.save(path)
    loaded = keras.models.load_model(path)
    assert str(loaded.inputs[0].dtype).replace("torch.", "") == "int64"
    np.testing.assert_allclose(loaded.predict(x, verbose=0), expected, rtol=1e-6)
    for again in (tg.saving.load_model(path), models.clone_model(ours)):
        again.set_weights(weights)
        np.testing.assert_allclose(again.predict(x, verbose=0), expected, rtol=1e-6)


@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")  # inside Keras
def test_an_input_with_a_batch_size_takes_data_of_any_batch_size_as_keras():
    """Found by a tester: ``Input((3,), batch_size=2)`` made a functional model refuse 4 or 5 samples (and the last
    batch of ``predict``) where Keras 3 runs them; the other sizes of the shape are still checked."""
    from helpers import keras_on_torch

    keras = keras_on_torch("Keras 3 is the reference for an Input's batch size")
    rng = np.random.default_rng(4)
    theirs_in, ours_in = keras.layers.Input((3,), batch_size=2), layers.Input((3,), batch_size=2)
    theirs = keras.Model(theirs_in, keras.layers.Dense(2)(theirs_in))
    ours = models.Model(ours_in, layers.Dense(2)(ours_in))
    ours.set_weights(theirs.get_weights())
    for n, batch_size in ((4, None), (5, None), (5, 2), (1, None)):
        x = rng.normal(size=(n, 3)).astype("float32")
        np.testing.assert_allclose(ours.predict(x, batch_size=batch_size, verbose=0),
                                   theirs.predict(x, batch_size=batch_size, verbose=0), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match=r"expects shape \(2, 3\) \(None: any size\), but received data of shape "
                                         r"\(4, 5\)"):
        ours.predict(np.zeros((4, 5), dtype="float32"), verbose=0)
    # one axis more, of size 1 at the end, is squeezed, as Keras 3 (Functional._adjust_input_rank); of size 2: refused
    x = rng.normal(size=(4, 3, 1)).astype("float32")
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match=r"but received data of shape \(4, 3, 2\)"):
        ours.predict(np.zeros((4, 3, 2), dtype="float32"), verbose=0)


def _dict_outputs(lib):
    x = lib.layers.Input((3,), name="x")
    return lib.Model(x, {"a": lib.layers.Dense(2, name="da")(x), "b": lib.layers.Dense(1, name="db")(x)})


@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")  # inside Keras
@pytest.mark.parametrize("weights", [lambda w, v: {"a": w, "b": None}, lambda w, v: {"a": w, "b": v},
                                     lambda w, v: {"b": v}])
def test_sample_weights_keyed_by_output_name_as_keras(weights):
    """Found by a tester: a model with dict outputs refused ``sample_weight={"a": w, "b": None}`` (the message
    spoke of named inputs). As in Keras 3, a dict of sample weights is keyed by output name (None, or a name left
    out: no weights for that output); Keras' ``evaluate``, ``fit`` history and final weights are the reference."""
    from helpers import keras_on_torch

    keras = keras_on_torch("Keras 3 is the reference for sample weights keyed by output name")
    x, (ya, yb), w, v = _targets_and_weights(2)
    y = {"a": ya, "b": yb}
    sample_weight = weights(w, v)
    theirs, ours = _dict_outputs(keras), _dict_outputs(_LibTraining)
    ours.set_weights(theirs.get_weights())
    results = []
    for model, lib in ((theirs, keras), (ours, _LibTraining)):
        model.compile(lib.optimizers.SGD(0.05), loss={"a": "mse", "b": "mae"})
        given = sample_weight if lib is _LibTraining else {"a": sample_weight.get("a"), "b": sample_weight.get("b")}
        evaluated = model.evaluate(x, y, sample_weight=given, batch_size=8, verbose=0, return_dict=True)
        history = model.fit(x, y, sample_weight=given, batch_size=4, epochs=2, shuffle=False, verbose=0).history
        results.append((evaluated, history, model.get_weights()))
    _assert_logs_and_weights_like_keras(*results)


def test_sample_weights_keyed_by_a_name_that_is_no_output_are_refused():
    x, (ya, yb), w, _ = _targets_and_weights(2)
    model = _dict_outputs(_LibTraining)
    model.compile("sgd", loss={"a": "mse", "b": "mae"})
    with pytest.raises(ValueError, match=r"`sample_weight`: a dict of sample weights is keyed by the model's output "
                                         r"names \['a', 'b'\]\. Received the keys \['a', 'c'\], of which \['c'\] "
                                         r"name no output"):
        model.fit(x, {"a": ya, "b": yb}, sample_weight={"a": w, "c": w}, verbose=0)


@pytest.mark.parametrize("use", [lambda t: t * 2.0, lambda t: 2.0 * t, lambda t: t + t, lambda t: t[:, :2],
                                 lambda t: -t, lambda t: t @ t, lambda t: t < 1.0],
                         ids=["mul", "rmul", "add", "index", "neg", "matmul", "compare"])
def test_arithmetic_on_symbolic_tensors_names_the_layers_to_use(use):
    """Keras 3 records these as op layers; here they raised Python's bare "unsupported operand type(s)" or "not
    subscriptable" (found by a tester). Identity comparisons stay as they were."""
    t = layers.Input((4,))
    with pytest.raises(TypeError, match=r"is symbolic: arithmetic and indexing .* Use layers: Add, Subtract"):
        use(t)
    other = layers.Input((4,))
    assert t != other and t in [other, t] and [t].index(t) == 0           # equality is identity, as before


def test_output_names_are_the_output_layers_names_as_in_keras():
    """``model.output_names`` was missing (found by a tester). Keras 3 is the reference where installed; the
    expected lists are also written out from its rule (the layer of each output, a dict in sorted-key order)."""
    def build(lib):
        L = lib.layers
        x = L.Input((3,), name="x")
        a, b = L.Dense(2, name="da")(x), L.Dense(1, name="db")(x)
        return [lib.Model(x, [b, a]), lib.Model(x, {"zz": a, "yy": b}), lib.Model(x, a), lib.Model(x, [a, a])]

    ours = [m.output_names for m in build(types.SimpleNamespace(layers=layers, Model=models.Model))]
    assert ours == [["db", "da"], ["db", "da"], ["da"], ["da", "da"]]
    assert not hasattr(models.Sequential([layers.Input((3,)), layers.Dense(2)]), "output_names")
    assert ours == [m.output_names for m in build(_keras())]
