"""Nested output structures against Keras 3.15.1 (run here as the reference, on torch): the names of per-output
metrics (the layer's name, where the loss is named by its path), a dict of losses keyed by the layers' names, the
messages of structure errors, and (call, predict, configs) the structure the outputs come back in: a list of one
unwrapped, a tuple kept."""
import numpy as np
import pytest
from helpers import keras_on_torch

import tinygradconv as tg

_X = np.random.RandomState(0).rand(16, 3).astype("float32")


def _heads(lib):
    """An input and three Dense heads ``d1``, ``d2``, ``d3`` of 1, 2, 3 units (weights all ones: the same in both)."""
    x = lib.layers.Input((3,))
    return (x, *(lib.layers.Dense(n, name=f"d{n}", kernel_initializer="ones")(x) for n in (1, 2, 3)))


def _model(lib, kind):
    x, d1, d2, d3 = _heads(lib)
    outputs = {"dict": {"b": [d1, d2], "a": d3}, "list": [d1, (d2, d3)], "tuple": (d1, [d2, d3])}[kind]
    return lib.models.Model(x, outputs)


def _targets(kind):
    ones = [np.cos(np.arange(16 * n)).reshape(16, n).astype("float32") for n in (1, 2, 3)]
    return {"dict": {"b": [ones[0], ones[1]], "a": ones[2]}, "list": [ones[0], (ones[1], ones[2])],
            "tuple": (ones[0], [ones[1], ones[2]])}[kind]


def _same_history(lib_kwargs, kind, keras, validation=True, **compile_kwargs):
    """Fit Keras' model and ours, compiled alike; their histories must have the same keys and values."""
    histories = []
    for lib in (keras, tg):
        model = _model(lib, kind)
        model.compile("sgd", **compile_kwargs)
        y = _targets(kind)
        histories.append(model.fit(_X, y, epochs=2, batch_size=8, shuffle=False, verbose=0,
                                   validation_data=(_X, y) if validation else None).history)
    expected, got = histories
    assert sorted(got) == sorted(expected)
    for key in expected:
        np.testing.assert_allclose(got[key], expected[key], rtol=1e-5, err_msg=key)
    return sorted(got)


@pytest.mark.parametrize("kind, metrics, names", [
    ("dict", {"b": ["mae", None], "a": "mse"}, {"d1_mae", "d3_mse", "val_d1_mae", "val_d3_mse"}),
    ("list", ["mae", ("mse", None)], {"d1_mae", "d2_mse", "val_d1_mae", "val_d2_mse"}),
    ("tuple", [None, ["mae", ["mse", "mae"]]], {"d2_mae", "d3_mse", "d3_mae", "val_d3_mae"}),
])
@pytest.mark.parametrize("argument", ["metrics", "weighted_metrics"])
def test_metrics_of_nested_outputs_are_named_after_the_layer_as_keras(kind, metrics, names, argument):
    keras = keras_on_torch("Keras 3 is the reference for the names of nested outputs' metrics")
    logged = _same_history(None, kind, keras, loss="mse", **{argument: metrics})
    assert names <= set(logged)
    assert not any("/" in name for name in logged if not name.endswith("_loss"))


def test_metric_names_of_flat_outputs_are_unchanged():
    """A flat dict of outputs names its metrics by the dict's keys, a flat list by the layers' names (Keras)."""
    keras = keras_on_torch("Keras 3 is the reference for per-output metric names")
    for structure in ("dict", "list"):
        histories = []
        for lib in (keras, tg):
            x, d1, d2, _ = _heads(lib)
            model = lib.models.Model(x, {"z": d1, "y": d2} if structure == "dict" else [d1, d2])
            model.compile("sgd", loss="mse", metrics={"z": "mae"} if structure == "dict" else ["mae", "mse"])
            y = {"z": np.ones((16, 1)), "y": np.ones((16, 2))} if structure == "dict" else [np.ones((16, 1)),
                                                                                            np.ones((16, 2))]
            histories.append(sorted(model.fit(_X, y, verbose=0).history))
        assert histories[1] == histories[0]


def test_a_dict_of_losses_keyed_by_layer_names_for_nested_list_outputs():
    """Keras 3.15 (``CompileLoss.build``) maps a dict keyed by every output layer's name onto ``model.output_names``,
    ``loss_weights`` too; the losses keep their path names."""
    keras = keras_on_torch("Keras 3 is the reference for a dict of losses keyed by layer names")
    logged = _same_history(None, "list", keras, loss={"d3": "mse", "d1": "mae", "d2": "huber"},
                           loss_weights={"d1": 1.0, "d2": 0.5, "d3": 2.0})
    assert {"d1_loss", "1/d2_loss", "1/d3_loss"} <= set(logged)
    _same_history(None, "tuple", keras, loss={"d1": "mse", "d2": "mae", "d3": "mse"}, loss_weights=[1.0, [0.0, 3.0]])


def test_what_keras_refuses_for_nested_outputs_is_refused_with_true_messages():
    x, d1, d2, d3 = _heads(tg)
    listed = tg.models.Model(x, [d1, (d2, d3)])
    # Keras 3.15: "Expected keys ['d1', 'd2', 'd3'] in loss dict"
    with pytest.raises(ValueError, match=r"expected keys \['d1', '1/d2', '1/d3'\] \(the outputs' paths in their "
                                         r"nested structure; or a key for each of the layers' names \['d1', 'd2', "
                                         r"'d3'\], as Keras takes them\)"):
        listed.compile("sgd", loss={"d1": "mse", "d3": "mse"})
    # Keras 3.15: "Node type mismatch; expected <class 'tuple'>, but got <class 'dict'>"
    with pytest.raises(ValueError, match=r"not the layers' names, which Keras refuses here: give them in the "
                                         r"structure of the outputs, \['\*', \('\*', '\*'\)\]"):
        listed.compile("sgd", loss="mse", metrics={"d1": "mae", "d3": "mse"})
    keyed = tg.models.Model(x, {"b": [d1, d2], "a": d3})
    # Keras 3.15: "The path: ('d1',) in the `loss` argument, can't be found in either the model's output"
    with pytest.raises(ValueError, match=r"at the top it expects a dict with the keys \['a', 'b'\], the model's "
                                         r"nested outputs \{'b': \['\*', '\*'\], 'a': '\*'\}\. Received "
                                         r"\{'d1': '\*', 'd2': '\*', 'd3': '\*'\}"):
        keyed.compile("sgd", loss={"d1": "mse", "d2": "mse", "d3": "mse"})


def test_structure_errors_show_the_structure_not_the_arrays():
    x, d1, d2, d3 = _heads(tg)
    model = tg.models.Model(x, [d1, (d2, d3)])
    model.compile("sgd", "mse")
    with pytest.raises(ValueError) as error:
        model.fit(_X, [np.ones((16, 1)), (np.ones((16, 2)),)], verbose=0)
    assert str(error.value).endswith("at [1] it expects a list of 2, the model's nested outputs ['*', ('*', '*')]. "
                                     "Received ('*',)")
    with pytest.raises(ValueError) as error:
        model.evaluate(_X, [np.ones((16, 1)), (np.ones((16, 2)), np.ones((16, 3)))],
                       sample_weight=[np.ones(16), np.zeros(16)], verbose=0)
    assert str(error.value).endswith("Received an array of shape (16,)")


def _structure(value):
    """The structure with each array (or symbolic tensor) its shape, containers kept: a tuple stays one."""
    return tg.layers.keras_tensor.map_structure(lambda a: tuple(a.shape), value)


_STRUCTURES = ["(d1, d2)", "(d1,)", "[[d1]]", "([d1],)", "[(d1,)]", "(d1, [d2, d3])", "[d1, (d2, d3)]",
               "{'a': [d1]}"]


@pytest.mark.parametrize("structure", _STRUCTURES)
def test_call_predict_shapes_config_and_clone_keep_the_structure_as_keras(structure):
    """Keras 3's Functional.call unpacks a list or tuple of one (``[[d1]]`` gives ``[array]``) and keeps tuples,
    a flat tuple too; predict, compute_output_shape, ``output``, a symbolic call, clone_model and
    ``from_config(get_config())`` (a config in memory keeps its tuples) give what Keras' give."""
    keras = keras_on_torch("Keras 3 is the reference for the structure of outputs")
    got = []
    for lib in (keras, tg):
        x, d1, d2, d3 = _heads(lib)
        model = lib.models.Model(x, eval(structure, {}, {"d1": d1, "d2": d2, "d3": d3}))
        clone = lib.models.clone_model(model)
        restored = lib.models.Model.from_config(model.get_config())
        call = model(_X) if lib is tg else keras.tree.map_structure(keras.ops.convert_to_numpy, model(_X))
        got.append([_structure(value) for value in (
            model.predict(_X, verbose=0), model.predict_on_batch(_X), call, model(lib.layers.Input((3,))),
            model.output, clone.output, restored.output, restored.predict(_X, verbose=0))]
            + [model.compute_output_shape((None, 3)), model.get_config()["output_layers"]])
    assert got[1] == got[0]


def test_a_tuple_of_outputs_trains_as_keras():
    keras = keras_on_torch("Keras 3 is the reference for training a tuple of outputs")
    results = []
    for lib in (keras, tg):
        x, d1, d2, _ = _heads(lib)
        model = lib.models.Model(x, (d1, d2))
        model.compile("sgd", loss=("mse", "mae"), metrics=("mae", None))
        y = (np.cos(np.arange(16.0)).reshape(16, 1), np.sin(np.arange(32.0)).reshape(16, 2))
        history = model.fit(_X, y, epochs=2, batch_size=8, shuffle=False, verbose=0).history
        results.append((history, model.evaluate(_X, y, verbose=0, return_dict=True)))
    (expected, expected_eval), (got, got_eval) = results
    assert sorted(got) == sorted(expected) and sorted(got_eval) == sorted(expected_eval)
    for key in expected:
        np.testing.assert_allclose(got[key], expected[key], rtol=1e-5, err_msg=key)
        np.testing.assert_allclose(got_eval[key], expected_eval[key], rtol=1e-5, err_msg=key)
