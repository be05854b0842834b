"""clone_model, to_json and model_from_json, against Keras 3 (keras.models.clone_model, Model.to_json,
keras.models.model_from_json) and by hand."""
import json

import numpy as np
import pytest
from helpers import keras_on_torch

from tinygradconv import layers, losses, metrics, models, optimizers


class _Ours:  # tinygradconv spelled as the keras namespace, to build the same model with both
    layers = layers
    Model = models.Model
    Sequential = models.Sequential


def _keras():
    return keras_on_torch("Keras 3 is the reference for clone_model and Keras JSON")


def _shared_layer_model(lib):
    """A functional model that calls one Dense layer twice, then a Conv1DTranspose on a reshaped output."""
    a = lib.layers.Input((4,), name="a")
    d = lib.layers.Dense(4, name="d")
    h = lib.layers.Reshape((4, 1), name="r")(d(d(a)))
    return lib.Model(a, lib.layers.Conv1DTranspose(2, 3, strides=2, name="up")(h), name="fm")


def _clone(lib, model, **kwargs):
    return (lib.models.clone_model if lib is not _Ours else models.clone_model)(model, **kwargs)


def test_a_functional_clone_has_new_layers_and_weights_and_computes_the_same_with_the_same_weights():
    keras = _keras()
    x = np.random.default_rng(0).normal(size=(3, 4)).astype("float32")
    results = []
    for lib in (keras, _Ours):
        model = _shared_layer_model(lib)
        clone = _clone(lib, model)
        assert clone is not model and clone.name == "fm"
        assert [layer.name for layer in clone.layers] == [layer.name for layer in model.layers]
        assert not any(new is old for new, old in zip(clone.layers, model.layers))
        assert len(clone.weights) == len(model.weights) == 4       # the shared Dense is cloned once
        assert tuple(clone.output_shape) == tuple(model.output_shape) == (None, 9, 2)
        results.append([layer.name for layer in clone.layers])
        weights = [np.full(w.shape, 0.1 * (i + 1), "float32") for i, w in enumerate(model.get_weights())]
        model.set_weights(weights)
        assert not np.allclose(clone.get_weights()[1], weights[1])      # not copied: Dense's bias starts at 0
        clone.set_weights(weights)
        results.append(np.asarray(clone.predict(x, verbose=0)) if lib is keras else clone.predict(x))
    assert results[0] == results[2]
    np.testing.assert_allclose(results[3], results[1], rtol=1e-5, atol=1e-6)


def test_a_sequential_clone_keeps_its_input_or_takes_input_tensors_as_keras():
    keras = _keras()
    for lib in (keras, _Ours):
        model = lib.Sequential([lib.layers.Input((5, 2)), lib.layers.Conv1D(3, 2, name="c")], name="s")
        clone = _clone(lib, model)
        assert clone.built and clone.name == "s" and tuple(clone.input_shape) == (None, 5, 2)
        assert tuple(_clone(lib, model, input_tensors=lib.layers.Input((7, 2))).output_shape) == (None, 6, 3)
        assert not _clone(lib, lib.Sequential([lib.layers.Dense(2)])).built
        with pytest.raises(ValueError, match="must contain a single tensor"):
            _clone(lib, model, input_tensors=[lib.layers.Input((5, 2)), lib.layers.Input((5, 2))])
        with pytest.raises(ValueError, match="`call_function` argument is not supported with Sequential"):
            _clone(lib, model, call_function=lambda layer, x: layer(x))


def test_clone_function_call_function_and_recursive():
    seen = []

    def relu_dense(layer):      # a clone_function that changes the configuration
        seen.append(layer.name)
        config = layer.get_config()
        if isinstance(layer, layers.Dense):
            config["activation"] = "relu"
        return type(layer).from_config(config)

    inner = models.Sequential([layers.Input((3,)), layers.Dense(3, name="inner_d")], name="inner")
    a = layers.Input((3,), name="a")
    model = models.Model(a, layers.Dense(2, name="head")(inner(a)))
    flat = models.clone_model(model, clone_function=relu_dense)
    assert seen == ["inner", "head"]            # the nested model is one layer for clone_function
    seen.clear()
    deep = models.clone_model(model, clone_function=relu_dense, recursive=True)
    assert seen == ["inner_d", "head"]
    assert deep.get_layer("inner").layers[0].get_config()["activation"] == "relu"
    assert flat.get_layer("inner").layers[0].get_config()["activation"] != "relu"
    same = models.clone_model(model, clone_function=lambda layer: layer)     # returning the layer shares it
    assert same.get_layer("head") is model.get_layer("head")

    # call_function: every Dense followed by a ReLU (Keras' example adds a Dropout the same way)
    def then_relu(layer, inputs):
        out = layer(inputs)
        return layers.Activation("relu", name=f"{layer.name}_relu")(out) if isinstance(layer, layers.Dense) else out

    b = layers.Input((3,), name="b")
    plain = models.Model(b, layers.Dense(2, name="d")(b))
    wrapped = models.clone_model(plain, call_function=then_relu)
    plain.set_weights([np.array([[1, -1], [1, -1], [1, -1]], "float32"), np.zeros(2, "float32")])
    wrapped.set_weights(plain.get_weights())
    x = np.arange(6, dtype="float32").reshape(2, 3)
    np.testing.assert_array_equal(wrapped.predict(x), [[3, 0], [12, 0]])      # row sums, then max(., 0)
    assert [layer.name for layer in wrapped.layers] == ["b", "d", "d_relu"]


def test_clone_checks_its_arguments():
    a = layers.Input((2,), name="a")
    model = models.Model(a, layers.Dense(1, name="d")(a))
    with pytest.raises(TypeError, match=r"Expected `model` argument to be a `Model` instance.*model=3 of type int"):
        models.clone_model(3)
    with pytest.raises(ValueError, match="Expected `clone_function` argument to be a callable"):
        models.clone_model(model, clone_function="dense")
    with pytest.raises(TypeError, match="`clone_function` must return a layer. For layer 'd' it returned 3"):
        models.clone_model(model, clone_function=lambda layer: 3)
    with pytest.raises(ValueError, match="`input_tensors` must have the same structure as model.input"):
        models.clone_model(model, input_tensors=[layers.Input((2,)), layers.Input((2,))])
    with pytest.raises(ValueError, match="must be KerasTensors"):
        models.clone_model(models.Model([a], model.outputs), input_tensors=[np.ones((1, 2))])

    class Scaled(models.Model):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def call(self, inputs, training=None):
            return inputs * self.factor

    clone = models.clone_model(Scaled(3.0))          # from its config, as Keras
    assert type(clone) is Scaled and clone.factor == 3.0

    class Head(models.Model):
        def __init__(self, units=2, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.dense = layers.Dense(units)

        def call(self, inputs, training=None):
            return self.dense(inputs)

    built = Head()
    built(np.ones((1, 3)))
    clone = models.clone_model(built)     # built too, as Keras (found by a tester: set_weights failed on it)
    assert clone.built and [w.shape for w in clone.weights] == [(3, 2), (2,)]
    clone.set_weights(built.get_weights())
    np.testing.assert_array_equal(clone.predict(np.ones((2, 3))), built.predict(np.ones((2, 3))))
    with pytest.raises(ValueError, match="only supported for Sequential models or functional models"):
        models.clone_model(Scaled(), clone_function=lambda layer: layer)


def test_a_dict_model_clones_on_dict_input_tensors():
    a, b = layers.Input((2,), name="a"), layers.Input((3,), name="b")
    model = models.Model({"a": a, "b": b}, {"out": layers.Concatenate(name="c")([a, b])})
    new_a, new_b = layers.Input((2,), name="na"), layers.Input((3,), name="nb")
    clone = models.clone_model(model, input_tensors={"b": new_b, "a": new_a})
    assert clone.input == {"a": new_a, "b": new_b} and list(clone.output) == ["out"]
    got = clone.predict({"a": np.ones((1, 2)), "b": np.zeros((1, 3))})["out"]
    np.testing.assert_array_equal(got, [[1, 1, 0, 0, 0]])
    with pytest.raises(ValueError, match="same structure"):
        models.clone_model(model, input_tensors={"a": new_a})


def test_a_compiled_model_clones_compiled_with_a_new_optimizer_and_new_metrics():
    a = layers.Input((2,), name="a")
    model = models.Model(a, layers.Dense(1, name="d")(a))
    mae = metrics.MeanAbsoluteError()
    model.compile(optimizers.Adam(0.01), losses.MeanSquaredError(), metrics=[mae])
    x, y = np.ones((4, 2), "float32"), np.zeros((4, 1), "float32")
    model.fit(x, y, epochs=2, verbose=0)
    clone = models.clone_model(model)
    assert clone.compiled and clone.optimizer is not model.optimizer
    assert clone.optimizer.get_config() == model.optimizer.get_config()
    assert int(clone.optimizer.iterations) == 0 and int(model.optimizer.iterations) == 2
    clone.set_weights(model.get_weights())
    before = mae.result()
    logs = clone.evaluate(x, y, verbose=0, return_dict=True)
    assert list(logs) == ["loss", "mean_absolute_error"]
    pred = model.predict(x)
    assert logs["loss"] == pytest.approx(float(np.mean(pred ** 2)), rel=1e-5)          # by hand
    assert logs["mean_absolute_error"] == pytest.approx(float(np.mean(np.abs(pred))), rel=1e-5)
    assert mae.result() == before             # the clone counts with its own metric object
    per_output = models.Model(a, {"p": layers.Dense(1, name="p")(a), "q": layers.Dense(1, name="q")(a)})
    per_output.compile("sgd", loss={"p": "mse", "q": "mae"}, loss_weights={"p": 2.0, "q": 1.0})
    again = models.clone_model(per_output)
    again.set_weights(per_output.get_weights())
    targets = {"p": np.zeros((4, 1)), "q": np.ones((4, 1))}
    assert again.evaluate(x, targets, verbose=0) == pytest.approx(per_output.evaluate(x, targets, verbose=0))


def test_to_json_and_model_from_json_both_ways_with_keras():
    keras = _keras()
    x = np.random.default_rng(1).normal(size=(2, 4)).astype("float32")
    ours = _shared_layer_model(_Ours)
    text = ours.to_json()
    assert json.loads(text)["class_name"] == "Functional"
    theirs = keras.models.model_from_json(text)
    assert [layer.name for layer in theirs.layers] == [layer.name for layer in ours.layers]
    theirs.set_weights(ours.get_weights())
    np.testing.assert_allclose(theirs.predict(x, verbose=0), ours.predict(x), rtol=1e-5, atol=1e-6)
    back = models.model_from_json(theirs.to_json())
    assert not back.compiled and [layer.name for layer in back.layers] == [layer.name for layer in ours.layers]
    back.set_weights(ours.get_weights())
    np.testing.assert_allclose(back.predict(x), ours.predict(x), rtol=1e-6)
    seq = models.Sequential([layers.Input((4,)), layers.Dense(3, activation="tanh", name="t")], name="s")
    again = keras.models.model_from_json(seq.to_json(indent=2))
    assert again.name == "s" and tuple(again.output_shape) == (None, 3)
    unbuilt = models.model_from_json(keras.Sequential([keras.layers.Dense(2, name="u")]).to_json())
    assert not unbuilt.built and [layer.name for layer in unbuilt.layers] == ["u"]
    assert models.model_from_json(models.Sequential([layers.Dense(2)]).to_json()).built is False


def test_json_errors_are_named():
    with pytest.raises(TypeError, match="`json_string`: expected the str from model.to_json\\(\\). Received 3"):
        models.model_from_json(3)
    with pytest.raises(ValueError, match="Expecting property name"):
        models.model_from_json("{bad")
    with pytest.raises(ValueError, match="expected a Keras model config"):
        models.model_from_json("[1, 2]")
    a = layers.Input((2,), name="a")
    config = json.loads(models.Model(a, layers.Dense(1, name="d")(a)).to_json())
    config["config"]["output_layers"] = ["zzz", 0, 0]           # a bare KeyError: ('zzz', 0) before
    with pytest.raises(ValueError, match=r"output_layers name 'zzz', which is not a layer of the config"):
        models.model_from_json(json.dumps(config))
    custom = {"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"module": "my_layers", "class_name": "Mine", "config": {"name": "m"}, "registered_name": "Custom>Mine"}]}}
    with pytest.raises(ValueError, match="layer 'm' is a custom class 'Custom>Mine'"):
        models.model_from_json(json.dumps(custom))

    class Scaled(models.Model):
        def call(self, inputs, training=None):
            return inputs * 2

    with pytest.raises(ValueError, match=r"Cannot save model .* as Keras JSON: only Sequential and functional"):
        Scaled().to_json()


def test_a_sequential_input_batch_size_survives_json_as_keras():
    """Found by a tester: Input((4,), batch_size=8) came back from to_json with input shape (None, 4)."""
    keras = _keras()
    model = models.Sequential([layers.Input((4,), batch_size=8), layers.Dense(2, name="d")])
    assert models.model_from_json(model.to_json()).input_shape == (8, 4)
    assert tuple(keras.models.model_from_json(model.to_json()).input_shape) == (8, 4)

