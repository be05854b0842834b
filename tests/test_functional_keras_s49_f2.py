"""Functional models against Keras 3.15.1 (run here as the reference, on torch): a merge of a masked tensor with a
lower-rank one keeps the masked tensor's mask (Keras reshapes only the lower-rank input), a nested model with dict
outputs returns a dict, ``Model.from_config`` of a Keras config with mask ops, the summary of a multi-output nested
model, and the target shape error of a multi-output model naming the output."""
import numpy as np
import pytest
from helpers import keras_on_torch

from tinygradconv import layers
from tinygradconv import models as tmodels

_EMBEDDINGS = np.array([[5., 6.], [1., 2.], [3., 4.]], "f4")
_MERGES = ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"]


def _masked_merges(lib_layers, lib_models, merge, mask_the_vector):
    """A model merging a masked ``(batch, 4, 2)`` embedding with a ``(batch, 2)`` vector (masked by ``Masking`` or
    not), both ways round, each merge also pooled (the pooling reads the merge's output mask)."""
    tokens, vector = lib_layers.Input((4,), dtype="int32"), lib_layers.Input((2,))
    embedded = lib_layers.Embedding(3, 2, mask_zero=True)(tokens)
    other = lib_layers.Masking()(vector) if mask_the_vector else vector
    merged = [getattr(lib_layers, merge)()([embedded, other]), getattr(lib_layers, merge)()([other, embedded])]
    pooled = [lib_layers.GlobalAveragePooling1D()(m) for m in merged]
    model = lib_models.Model([tokens, vector], merged + pooled)
    model.set_weights([_EMBEDDINGS])
    return model


@pytest.mark.parametrize("mask_the_vector", [False, True])
@pytest.mark.parametrize("vector", [[10., 20.], [0., 0.]])
@pytest.mark.parametrize("merge", _MERGES)
def test_a_merge_with_a_lower_rank_input_keeps_the_masked_inputs_mask(merge, vector, mask_the_vector):
    keras = keras_on_torch("Keras 3 is the reference for masks in merge layers")
    data = [np.array([[1, 2, 0, 0]]), np.array([vector], "f4")]
    theirs = _masked_merges(keras.layers, keras.models, merge, mask_the_vector).predict(data, verbose=0)
    ours = _masked_merges(layers, tmodels, merge, mask_the_vector).predict(data, verbose=0)
    for expected, got in zip(theirs, ours):
        np.testing.assert_allclose(got, np.asarray(expected), rtol=1e-6)


def test_the_brief_example_of_multiply_and_minimum_gives_keras_values():
    # Keras 3.15.1 prints [10. 30. 10. 10.] and [1. 3. 10. 10.]: the steps masked in the embedding take the
    # vector's value (Multiply: the masked value counts as 1; Minimum: the other operand's value)
    tokens, vector = layers.Input((4,), dtype="int32"), layers.Input((2,))
    embedded = layers.Embedding(3, 2, mask_zero=True)(tokens)
    model = tmodels.Model([tokens, vector], [layers.Multiply()([embedded, vector]),
                                             layers.Minimum()([embedded, vector])])
    model.set_weights([_EMBEDDINGS])
    product, smallest = model.predict([np.array([[1, 2, 0, 0]]), np.array([[10., 20.]], "f4")], verbose=0)
    assert product[0, :, 0].tolist() == [10., 30., 10., 10.]
    assert smallest[0, :, 0].tolist() == [1., 3., 10., 10.]


def _dict_output_inner(lib_layers, lib_models):
    i = lib_layers.Input((3,), name="i")
    return lib_models.Model(i, {"zout": lib_layers.Dense(1, name="zo")(i), "aout": lib_layers.Dense(2, name="ao")(i)},
                            name="inner")


def test_a_nested_model_of_dict_outputs_returns_a_dict_as_keras():
    keras = keras_on_torch("Keras 3 is the reference for what a model of dict outputs returns")
    theirs, ours = _dict_output_inner(keras.layers, keras.models), _dict_output_inner(layers, tmodels)
    ours.set_weights([np.asarray(w) for w in theirs.get_weights()])
    symbolic_theirs, symbolic_ours = theirs(keras.Input((3,))), ours(layers.Input((3,)))
    assert isinstance(symbolic_ours, dict) and list(symbolic_ours) == list(symbolic_theirs) == ["zout", "aout"]
    assert {k: tuple(v.shape) for k, v in symbolic_ours.items()} == {k: v.shape for k, v in symbolic_theirs.items()}
    x = np.arange(12, dtype="f4").reshape(4, 3) / 10
    on_data_theirs, on_data_ours = theirs(x), ours(x)
    assert isinstance(on_data_ours, dict) and list(on_data_ours) == list(on_data_theirs) == ["aout", "zout"]
    for key in on_data_theirs:
        np.testing.assert_allclose(on_data_ours[key].numpy(), on_data_theirs[key].detach().numpy(), rtol=1e-6)


def _outer(lib_layers, lib_models, kind):
    inner = _dict_output_inner(lib_layers, lib_models)
    x = lib_layers.Input((3,), name="x")
    out = inner(x)
    if kind == "list":
        return lib_models.Model(x, [out["zout"], out["aout"]])
    if kind == "concatenate":
        return lib_models.Model(x, lib_layers.Concatenate(name="cat")([out["zout"], out["aout"]]))
    return lib_models.Model(x, lib_layers.Dense(2, name="after")(out["zout"]))


def _same(theirs, ours):
    theirs = theirs if isinstance(theirs, list) else [theirs]
    ours = ours if isinstance(ours, list) else [ours]
    assert len(theirs) == len(ours)
    for a, b in zip(theirs, ours):
        np.testing.assert_allclose(np.asarray(b), np.asarray(a), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kind", ["list", "concatenate", "one"])
def test_an_outer_model_of_a_nested_models_dict_outputs_round_trips_with_keras(kind, tmp_path):
    keras = keras_on_torch("Keras 3 is the reference for configs and .keras files of nested models")
    theirs, ours = _outer(keras.layers, keras.models, kind), _outer(layers, tmodels, kind)
    weights = [np.asarray(w) for w in theirs.get_weights()]
    ours.set_weights(weights)
    x = np.linspace(-1, 1, 12, dtype="f4").reshape(4, 3)
    expected = theirs.predict(x, verbose=0)
    _same(expected, ours.predict(x, verbose=0))
    from_their_config = tmodels.Model.from_config(theirs.get_config())
    from_their_config.set_weights(weights)
    _same(expected, from_their_config.predict(x, verbose=0))
    from_our_config = keras.models.Model.from_config(ours.get_config())
    from_our_config.set_weights(weights)
    _same(expected, from_our_config.predict(x, verbose=0))
    theirs.save(tmp_path / "theirs.keras")
    ours.save(tmp_path / "ours.keras")
    _same(expected, tmodels.load_model(tmp_path / "theirs.keras").predict(x, verbose=0))
    _same(expected, keras.models.load_model(tmp_path / "ours.keras").predict(x, verbose=0))


def test_a_train_step_of_your_own_passes_the_dict_of_outputs_to_compute_loss():
    keras = keras_on_torch("Keras 3 is the reference for compute_loss of a dict of outputs")
    x = np.linspace(-1, 1, 24, dtype="f4").reshape(8, 3)
    targets = {"zout": np.linspace(0, 1, 8, dtype="f4").reshape(8, 1), "aout": np.ones((8, 2), "f4")}
    values = []
    for lib_layers, lib_models in ((keras.layers, keras.models), (layers, tmodels)):
        model = _dict_output_inner(lib_layers, lib_models)
        model.get_layer("zo").set_weights([np.full((3, 1), 0.5, "f4"), np.zeros(1, "f4")])
        model.get_layer("ao").set_weights([np.full((3, 2), -0.25, "f4"), np.zeros(2, "f4")])
        model.compile("sgd", {"zout": "mse", "aout": "mae"})
        loss = model.compute_loss(x=x, y=targets, y_pred=model(x))
        values.append(float(loss.detach().numpy() if hasattr(loss, "detach") else loss.numpy()))
    assert values[1] == pytest.approx(values[0], rel=1e-6)


def test_the_summary_shows_every_output_shape_of_a_nested_model_as_keras():
    keras = keras_on_torch("Keras 3 is the reference for the summary")

    def summary(lib_layers, lib_models):
        p = lib_layers.Input((6, 2))
        inner = lib_models.Model(p, [lib_layers.Dense(3)(p), lib_layers.Dense(1)(p)], name="inner")
        x = lib_layers.Input((6, 2))
        u, v = inner(x)
        lines = []
        lib_models.Model(x, lib_layers.Concatenate()([u, v])).summary(line_length=150,
                                                                       print_fn=lambda s, **_: lines.append(s))
        return next(line for line in "\n".join(lines).splitlines() if "inner (Functional)" in line)

    shown = "[(None, 6, 3), (None, 6, 1)]"
    assert shown in summary(keras.layers, keras.models)     # Keras 3.15.1's own row
    assert shown in summary(layers, tmodels)


def _masked_keras_models(keras):
    """Keras models whose configs record mask op nodes (NotEqual, Any, LogicalOr, ExpandDims, ...)."""
    kl = keras.layers
    t = kl.Input((5,), dtype="int32")
    pooled = keras.models.Model(t, kl.GlobalAveragePooling1D()(kl.Embedding(10, 3, mask_zero=True)(t)))
    t2, f = kl.Input((5,), dtype="int32"), kl.Input((5, 3))
    e, m = kl.Embedding(10, 3, mask_zero=True)(t2), kl.Masking(0.0)(f)
    joined = kl.Concatenate()([kl.Add()([e, m]), kl.Multiply()([e, m])])
    merged = keras.models.Model([t2, f], kl.GlobalAveragePooling1D()(joined))
    return [(pooled, np.array([[1, 2, 0, 0, 0], [3, 0, 0, 0, 0]])),
            (merged, [np.array([[1, 2, 0, 0, 0], [3, 0, 4, 0, 0]]),
                      np.array([[[1., 2, 3]] * 2 + [[0., 0, 0]] * 3] * 2, "f4")])]


@pytest.mark.parametrize("which", [0, 1])
def test_model_from_config_takes_a_keras_config_with_mask_op_nodes(which):
    keras = keras_on_torch("Keras 3 is the reference for configs of models with masks")
    theirs, x = _masked_keras_models(keras)[which]
    assert any(str(item.get("module", "")).startswith("keras.src.ops") for item in theirs.get_config()["layers"])
    ours = tmodels.Model.from_config(theirs.get_config())
    ours.set_weights([np.asarray(w) for w in theirs.get_weights()])
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("loss", [["mse", "mae"], "mse"])
def test_targets_of_the_wrong_shape_name_the_output(loss):
    # Keras 3.15 on torch fails with torch's "The size of tensor a (3) must match the size of tensor b (2)", naming
    # no output; here the loss's own message is kept, after the output's name
    a = layers.Input((5,), name="a")
    model = tmodels.Model(a, [layers.Dense(2, name="reg")(a), layers.Dense(3, name="cls")(a)])
    model.compile("sgd", loss=loss)
    swapped = [np.zeros((4, 3)), np.zeros((4, 2))]
    with pytest.raises(ValueError, match=r"^Output 'reg': mean_\w+: y_true and y_pred must have the same shape. "
                                         r"Received: y_true.shape=\(4, 3\), y_pred.shape=\(4, 2\)"):
        model.fit(np.zeros((4, 5), "f4"), swapped, verbose=0)
