"""``layer.input`` / ``layer.output`` and ``Sequential.outputs``: feature extraction, the Keras pattern
``Model(model.inputs, [layer.output for layer in model.layers])``, with Keras 3 (torch backend) as the reference."""
import types

import numpy as np
import pytest
from helpers import keras_on_torch

from tinygradconv import layers, models

REASON = "Keras 3 is the reference of layer.output and feature extraction"


def _stack(lib):
    L = lib.layers
    return lib.Sequential([L.Input((8, 2)), L.Conv1D(4, 3, name="c1"), L.Conv1D(3, 3, name="c2", activation="relu"),
                           L.Dense(1, name="d")])


def _branches(lib):
    L = lib.layers
    inputs = L.Input((8, 2), name="signal")
    a = L.Conv1D(4, 3, padding="same", name="a")(inputs)
    b = L.Conv1D(4, 5, padding="same", name="b")(inputs)
    joined = L.Concatenate(name="joined")([a, b])
    return lib.Model(inputs, L.Dense(2, name="head")(L.Flatten(name="flat")(joined)))


def _with_random_weights(reference, model):
    """Random weights in the Keras ``reference``, copied into our twin ``model`` with get/set_weights."""
    rng = np.random.default_rng(0)
    reference.set_weights([rng.normal(size=w.shape).astype("float32") for w in reference.get_weights()])
    model.set_weights(reference.get_weights())


def _assert_features_agree(ours, theirs, x):
    ours = ours.predict(x)
    theirs = theirs.predict(x, verbose=0)
    ours, theirs = (v if isinstance(v, list) else [v] for v in (ours, theirs))
    assert [o.shape for o in ours] == [tuple(t.shape) for t in theirs]
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o, np.asarray(t), rtol=1e-5, atol=1e-5)


OURS = types.SimpleNamespace(layers=layers, Model=models.Model, Sequential=models.Sequential)


def test_sequential_feature_extraction_agrees_with_keras():
    keras = keras_on_torch(REASON)
    reference, model = _stack(keras), _stack(OURS)
    _with_random_weights(reference, model)
    x = np.random.default_rng(1).normal(size=(5, 8, 2)).astype("float32")
    theirs = keras.Model(inputs=reference.inputs, outputs=[layer.output for layer in reference.layers])
    ours = models.Model(inputs=model.inputs, outputs=[layer.output for layer in model.layers])
    _assert_features_agree(ours, theirs, x)
    # one inner layer, from `model.input` (ours; Keras 3.15's Sequential has `inputs` only)
    extractor = models.Model(inputs=model.input, outputs=model.get_layer("c1").output)
    reference_extractor = keras.Model(inputs=reference.inputs[0], outputs=reference.get_layer("c1").output)
    _assert_features_agree(extractor, reference_extractor, x)
    assert [type(la).__name__ for la in extractor.layers] == [type(la).__name__ for la in reference_extractor.layers]
    assert extractor(x).shape == (5, 6, 4)


def test_sequential_outputs_and_layer_tensors_have_keras_shapes():
    keras = keras_on_torch(REASON)
    reference, model = _stack(keras), _stack(OURS)
    assert [t.shape for t in model.outputs] == [tuple(t.shape) for t in reference.outputs]
    assert model.output is model.outputs[0] and model.input is model.inputs[0]
    for ours, theirs in zip(model.layers, reference.layers):
        assert ours.input.shape == tuple(theirs.input.shape)
        assert ours.output.shape == tuple(theirs.output.shape)
    assert model.layers[1].input is model.layers[0].output     # one chain, as Keras' graph


@pytest.mark.parametrize("how", ["build", "call"])
def test_a_sequential_without_an_input_gets_its_graph_when_built_as_in_keras(how):
    keras = keras_on_torch(REASON)
    reference = keras.Sequential([keras.layers.Dense(4, name="h"), keras.layers.Dense(1, name="o")])
    model = models.Sequential([layers.Dense(4, name="h"), layers.Dense(1, name="o")])
    for m in (reference, model):
        with pytest.raises(AttributeError):
            _ = m.outputs
        with pytest.raises(AttributeError):
            _ = m.layers[0].output
    if how == "build":
        reference.build((None, 3))
        model.build((None, 3))
    else:
        reference(np.ones((2, 3), "float32"))
        model(np.ones((2, 3), "float32"))
    _with_random_weights(reference, model)
    # Keras keeps the first batch's size (2) where ours records None (docs/keras_compatibility.md)
    assert [t.shape[1:] for t in model.outputs] == [tuple(t.shape)[1:] for t in reference.outputs]
    x = np.random.default_rng(2).normal(size=(3, 3)).astype("float32")
    _assert_features_agree(models.Model(model.inputs, model.get_layer("h").output),
                           keras.Model(reference.inputs, reference.get_layer("h").output), x)


def test_functional_feature_extraction_agrees_with_keras():
    keras = keras_on_torch(REASON)
    reference, model = _branches(keras), _branches(OURS)
    _with_random_weights(reference, model)
    x = np.random.default_rng(3).normal(size=(4, 8, 2)).astype("float32")
    assert [la.name for la in model.layers] == [la.name for la in reference.layers]
    inner = [la for la in model.layers if la.name != "signal"]
    theirs = keras.Model(reference.inputs, [reference.get_layer(la.name).output for la in inner])
    ours = models.Model(model.inputs, [la.output for la in inner])
    _assert_features_agree(ours, theirs, x)
    joined = model.get_layer("joined")
    assert joined.input == [model.get_layer("a").output, model.get_layer("b").output]     # a list, as Keras
    assert [t.shape for t in joined.input] == [tuple(t.shape) for t in reference.get_layer("joined").input]


def test_nested_sequential_features_connect_to_the_outer_input_as_in_keras():
    keras = keras_on_torch(REASON)

    def build(lib):
        inner = lib.Sequential([lib.layers.Input((3,)), lib.layers.Dense(4, name="i1")], name="inner")
        return lib.Sequential([lib.layers.Input((3,)), inner, lib.layers.Dense(2, name="o1")], name="outer")

    reference, model = build(keras), build(OURS)
    _with_random_weights(reference, model)
    x = np.random.default_rng(4).normal(size=(3, 3)).astype("float32")
    _assert_features_agree(models.Model(model.inputs, [la.output for la in model.layers]),
                           keras.Model(reference.inputs, [la.output for la in reference.layers]), x)
    # the inner model's own graph is still there, from its own Input
    inner = model.get_layer("inner")
    assert inner.outputs[0].shape == (None, 4) and inner.layers[0].output is inner.outputs[0]


def test_input_layers_have_the_tensors_keras_gives():
    keras = keras_on_torch(REASON)
    tensor = layers.Input((3,))
    reference = keras.Input((3,))
    ours, theirs = tensor._keras_history[0], reference._keras_history[0]
    assert ours.output is tensor and theirs.output is reference
    assert ours.input == [] and list(theirs.input) == []


def test_a_layer_never_called_on_symbolic_tensors_is_named_as_keras_refuses_it():
    keras = keras_on_torch(REASON)
    never, called_on_data = layers.Dense(3, name="never"), layers.Dense(3, name="on_data")
    called_on_data(np.ones((1, 2)))
    for attribute in ("input", "output"):
        for layer in (never, called_on_data):
            with pytest.raises(AttributeError, match=rf"Layer '{layer.name}' \(Dense\) has never been called on a "
                                                     rf"symbolic tensor and thus has no defined {attribute}.*"
                                                     r"layers\.Input\(shape\)"):
                getattr(layer, attribute)
        reference = keras.layers.Dense(3)
        with pytest.raises(AttributeError):       # Keras: "has never been called and thus has no defined output"
            getattr(reference, attribute)
        reference(np.ones((1, 2), "float32"))
        with pytest.raises(AttributeError):
            getattr(reference, attribute)
    assert not hasattr(never, "output")


def test_a_layer_called_twice_gives_its_first_call_as_keras():
    keras = keras_on_torch(REASON)
    a, b = layers.Input((3,), name="left"), layers.Input((3,), name="right")
    shared = layers.Dense(2, name="shared")
    first = shared(a)
    second = shared(b)
    assert shared.output is first and shared.input is a and second is not first
    # Keras 3.15 returns the first call's tensors
    ka, kb = keras.Input((3,)), keras.Input((3,))
    k_shared = keras.layers.Dense(2)
    k_first = k_shared(ka)
    k_shared(kb)
    assert k_shared.output is k_first and k_shared.input is ka


def test_a_layer_in_two_sequential_models_gives_the_first_and_a_popped_one_keeps_its_own():
    keras = keras_on_torch(REASON)
    dense = layers.Dense(2, name="twice")
    first = models.Sequential([layers.Input((3,)), dense])
    models.Sequential([layers.Input((3,)), dense])
    assert dense.output is first.output
    model = models.Sequential([layers.Input((3,)), layers.Dense(4, name="h"), layers.Dense(1, name="last")])
    before, last = model.get_layer("h").output, model.get_layer("last").output
    popped = model.pop()
    assert popped.output is last and popped.input is before           # as Keras keeps them (found by a tester)
    theirs = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4), keras.layers.Dense(1)])
    their_last = theirs.layers[-1].output
    assert theirs.pop().output is their_last
    assert model.outputs == [before] and model.get_layer("h").output is before
    model.add(layers.Dense(5, name="new"))     # the layers before keep their one call
    assert model.get_layer("h").output is before and model.output.shape == (None, 5)
    models.Sequential([layers.Input((4,)), popped])        # a popped layer may serve again: one live call
    assert popped.output.shape == (None, 1)


def test_rebuilding_for_another_shape_keeps_one_call_per_layer_and_old_models_run():
    model = models.Sequential([layers.Dense(2, name="d")])
    model.build((None, 3))
    old = models.Model(model.inputs, model.outputs)
    model.build((4, 3))          # fits the shape built for: a new graph, the old call superseded
    assert model.get_layer("d").output.shape == (4, 2)
    np.testing.assert_allclose(old.predict(np.ones((2, 3))), model.predict(np.ones((2, 3))))


def test_the_penalties_of_a_first_call_survive_the_graph():
    """A layer without compute_output_shape is run on zeros to find its output shape when the graph is made after
    the first call on data: the penalties of that call (added to the loss of the training step) are kept."""
    class Penalised(layers.Layer):
        def call(self, inputs):
            self.add_loss((inputs * inputs).mean())
            return inputs

    model = models.Sequential([layers.Dense(2, kernel_initializer="ones"), Penalised()])
    x = np.full((3, 2), 2.0)
    model(x)
    assert model.layers[1].output.shape == (3, 2)       # the first call's batch size, as Keras 3 builds it
    np.testing.assert_allclose(float(model.losses[0].numpy()), 16.0)


def test_a_model_from_a_middle_tensor_runs_the_rest_of_the_model_as_keras():
    """Found by a tester: Keras 3 builds Model(layer.input, outputs) from a middle layer's tensor (it puts an Input in
    its place and calls the later layers again); the predictions agree with Keras', and the original model and its
    layers' outputs are unchanged."""
    keras = keras_on_torch(REASON)
    model = models.Sequential([layers.Input((10, 3)), layers.Conv1D(4, 3, name="c1"), layers.Dense(2, name="d"),
                               layers.Dense(1, name="last")])
    before = model.get_layer("last").output
    tail = models.Model(model.get_layer("d").input, model.outputs)
    assert [layer.name for layer in tail.layers][1:] == ["d", "last"] and tail.input_shape == (None, 8, 4)
    assert model.get_layer("last").output is before and model.outputs == [before]
    theirs = keras.Sequential([keras.Input((10, 3)), keras.layers.Conv1D(4, 3), keras.layers.Dense(2),
                               keras.layers.Dense(1)])
    theirs.set_weights(model.get_weights())
    their_tail = keras.Model(theirs.layers[1].input, theirs.outputs)
    features = np.random.default_rng(0).standard_normal((2, 8, 4)).astype("float32")
    np.testing.assert_allclose(tail.predict(features, verbose=0), their_tail.predict(features, verbose=0),
                               rtol=1e-5, atol=1e-6)
    # two inputs, one of them a real Input, the other a middle tensor; the whole model still runs as before
    a, b = layers.Input((3,), name="a"), layers.Input((3,), name="b")
    hidden = layers.Dense(4, name="h")(a)
    joined = layers.Concatenate(name="cat")([hidden, b])
    out = layers.Dense(1, name="o")(joined)
    whole = models.Model([a, b], out)
    part = models.Model([hidden, b], out)
    h, bb = np.ones((2, 4), "float32"), np.full((2, 3), 2.0, "float32")
    expected = np.concatenate([h, bb], axis=1) @ whole.get_layer("o").get_weights()[0] + \
        whole.get_layer("o").get_weights()[1]
    np.testing.assert_allclose(part.predict([h, bb], verbose=0), expected, rtol=1e-6)
    assert whole.predict([np.ones((2, 3)), bb], verbose=0).shape == (2, 1)
