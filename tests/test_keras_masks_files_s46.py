"""Keras ``.keras`` files whose masks Keras merged (session 46): a merge layer (``Add``, ``Subtract``, ``Multiply``,
``Average``, ``Maximum``, ``Minimum``, ``Concatenate`` on the steps or the features) of ``Embedding(mask_zero=True)``
or ``Masking`` outputs makes Keras 3 write the merged mask as op nodes (``LogicalOr``; for ``Concatenate``
``ExpandDims``, ``ZerosLike``, ``OnesLike``, ``LogicalOr``, ``Concatenate``, ``Any``) passed as ``mask=`` to the
next layer. ``load_model`` leaves them out where they compute the mask tinygradconv's layers give, and refuses,
naming the nodes, a mask computed otherwise. The reference is Keras 3.15 on torch: its predictions and ``fit`` on
the same file, and the same file saved by tinygradconv read back by Keras."""
import json
import os
import subprocess
import sys
import zipfile

import numpy as np
import pytest
from helpers import keras_on_torch

import tinygradconv as tg

REASON = "Keras 3.15 on torch writes the files and is the reference of their predictions"
MERGES = [("Add", None), ("Subtract", None), ("Multiply", None), ("Average", None), ("Maximum", None),
          ("Minimum", None), ("Concatenate", 1), ("Concatenate", -1)]


def _indices():
    """Two batches of indices whose zeros (the masked steps) differ: ``a`` is masked at steps 3 and 4 (and step 2 of
    sample 1), ``b`` at steps 0, 1 and 4, so their ``or`` masks step 4 only and each mask alone differs from it."""
    rng = np.random.default_rng(46)
    a, b = rng.integers(1, 9, (6, 5)), rng.integers(1, 9, (6, 5))
    a[:, 3:] = 0
    a[1, 2] = 0
    b[:, :2] = 0
    b[:, 4] = 0
    return a, b


def _op_nodes(path):
    """The class names of the Keras op nodes (not layers) in a ``.keras`` file's config."""
    config = json.loads(zipfile.ZipFile(path).read("config.json"))
    items = config["config"]["layers"]
    return sorted(item["class_name"] for item in items if item["module"].startswith("keras.src.ops"))


def _merge_model(keras, merge, axis, both):
    layers = keras.layers
    a, b = layers.Input((5,), name="a"), layers.Input((5,), name="b")
    ea = layers.Embedding(9, 3, mask_zero=True, name="ea")(a)
    eb = layers.Embedding(9, 3, mask_zero=both, name="eb")(b)
    merged = (layers.Concatenate(axis=axis, name="m") if merge == "Concatenate" else
              getattr(layers, merge)(name="m"))([ea, eb])
    return keras.Model([a, b], layers.GlobalAveragePooling1D(name="gap")(merged))


@pytest.mark.parametrize("both", [True, False], ids=["both_masked", "one_masked"])
@pytest.mark.parametrize(("merge", "axis"), MERGES, ids=[f"{m}{'' if a is None else a}" for m, a in MERGES])
def test_keras_file_with_merged_masks_predicts_as_keras(tmp_path, merge, axis, both):
    keras = keras_on_torch(REASON)
    theirs = _merge_model(keras, merge, axis, both)
    path = tmp_path / "merged.keras"
    theirs.save(path)
    x = list(_indices())
    expected = theirs.predict(x, verbose=0)
    # the merged output without its mask, averaged over the steps by hand: what a model that lost the mask gives
    merged = keras.Model(theirs.inputs, theirs.get_layer("m").output).predict(x, verbose=0)
    unmasked_mean = merged.mean(axis=1)
    if merge == "Concatenate":      # Keras spreads, joins and reduces the masks in the file
        assert _op_nodes(path) == sorted(["Any", "Concatenate", "ExpandDims", "LogicalOr", "NotEqual", "ZerosLike"]
                                         + (["ExpandDims", "LogicalOr", "NotEqual", "ZerosLike"] if both else
                                            ["OnesLike"]))
        if axis == -1 and not both:     # features joined with an unmasked input's: every step counts (Keras' any)
            np.testing.assert_allclose(expected, unmasked_mean, rtol=1e-5, atol=1e-6)
        else:
            assert not np.allclose(expected, unmasked_mean)
    elif both:                      # the "or" of the two masks
        assert _op_nodes(path) == ["LogicalOr", "NotEqual", "NotEqual"]
        assert not np.allclose(expected, unmasked_mean)
    else:                           # one input without a mask: the merged output has none (Keras' rule)
        assert _op_nodes(path) == []
        np.testing.assert_allclose(expected, unmasked_mean, rtol=1e-5, atol=1e-6)
    ours = tg.models.load_model(path)
    np.testing.assert_allclose(ours.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)
    # tinygradconv's file of the same model holds the same mask nodes, and reads back in Keras with the same
    # predictions
    ours.save(tmp_path / "ours.keras")
    assert _op_nodes(tmp_path / "ours.keras") == _op_nodes(path)
    again = keras.saving.load_model(tmp_path / "ours.keras")
    np.testing.assert_allclose(again.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)


def _chained_models(keras):
    layers = keras.layers
    a, b, c = (layers.Input((5,), name=n) for n in "abc")
    ea, eb, ec = (layers.Embedding(9, 3, mask_zero=True, name=f"e{n}")(t) for n, t in zip("abc", (a, b, c)))
    a_b = _indices()
    abc = [*a_b, a_b[0][::-1]]
    yield "add_of_three", keras.Model([a, b, c], layers.GlobalAveragePooling1D()(layers.Add()([ea, eb, ec]))), abc
    # a Dense passes its input's mask on; the maximum's "or" mask is then joined along the steps with a third one
    steps = layers.Concatenate(axis=1)([layers.Maximum()([layers.Dense(3, name="d")(ea), eb]), ec])
    yield "maximum_then_concatenate", keras.Model([a, b, c], layers.GlobalAveragePooling1D()(steps)), abc
    f = layers.Input((5, 3), name="f")
    masked = layers.Masking(mask_value=0.0)(f)
    values = np.random.default_rng(7).normal(size=(6, 5, 3)).astype("float32")
    values[:, 3:] = 0.0
    values[2, 1] = 0.0
    for merge in ("Concatenate", "Multiply"):
        model = keras.Model([f, a], layers.GlobalAveragePooling1D()(getattr(layers, merge)()([masked, ea])))
        yield f"masking_{merge.lower()}", model, [values, a_b[1]]


def test_keras_files_with_chained_merged_masks_predict_as_keras(tmp_path):
    keras = keras_on_torch(REASON)
    for name, theirs, x in _chained_models(keras):
        theirs.save(tmp_path / f"{name}.keras")
        assert "LogicalOr" in _op_nodes(tmp_path / f"{name}.keras"), name
        ours = tg.models.load_model(tmp_path / f"{name}.keras")
        expected = theirs.predict(x, verbose=0)
        np.testing.assert_allclose(ours.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6, err_msg=name)
        ours.save(tmp_path / f"{name}_ours.keras")
        again = keras.saving.load_model(tmp_path / f"{name}_ours.keras")
        np.testing.assert_allclose(again.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6, err_msg=name)


def test_keras_file_with_merged_masks_fits_as_keras(tmp_path):
    keras = keras_on_torch(REASON)
    layers = keras.layers
    a, b = layers.Input((5,), name="a"), layers.Input((5,), name="b")
    steps = layers.Concatenate(axis=1)([layers.Embedding(9, 3, mask_zero=True)(a),
                                        layers.Embedding(9, 3, mask_zero=True)(b)])
    model = keras.Model([a, b], layers.Dense(1)(layers.GlobalAveragePooling1D()(steps)))
    model.save(tmp_path / "fit.keras")
    x, y = list(_indices()), np.linspace(-1.0, 1.0, 6).reshape(6, 1).astype("float32")
    theirs, ours = keras.saving.load_model(tmp_path / "fit.keras"), tg.models.load_model(tmp_path / "fit.keras")
    theirs.compile(keras.optimizers.SGD(0.5), loss="mse")
    ours.compile(tg.optimizers.SGD(0.5), loss="mse")
    kwargs = {"epochs": 3, "batch_size": 4, "shuffle": False, "verbose": 0}
    np.testing.assert_allclose(ours.fit(x, y, **kwargs).history["loss"], theirs.fit(x, y, **kwargs).history["loss"],
                               rtol=1e-5)
    for mine, keras_weight in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(mine, keras_weight, rtol=1e-5, atol=1e-6)


def test_a_mask_passed_by_hand_that_the_layers_give_loads(tmp_path):
    keras = keras_on_torch(REASON)
    layers = keras.layers
    a = layers.Input((5,), name="a")
    steps = layers.Embedding(9, 3, mask_zero=True)(a)
    theirs = keras.Model(a, layers.GlobalAveragePooling1D()(steps, mask=keras.ops.not_equal(a, 0)))
    theirs.save(tmp_path / "same.keras")
    x = _indices()[0]
    np.testing.assert_allclose(tg.models.load_model(tmp_path / "same.keras").predict(x, verbose=0),
                               theirs.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


def test_keras_file_with_a_mask_computed_by_other_ops_is_refused_naming_them(tmp_path):
    keras = keras_on_torch(REASON)
    layers, ops = keras.layers, keras.ops
    a, b = layers.Input((5,), name="a"), layers.Input((5,), name="b")
    added = layers.Add()([layers.Embedding(9, 3, mask_zero=True)(a), layers.Embedding(9, 3, mask_zero=True)(b)])
    both = ops.logical_and(ops.not_equal(a, 0), ops.not_equal(b, 0))
    keras.Model([a, b], layers.GlobalAveragePooling1D()(added, mask=both)).save(tmp_path / "and.keras")
    with pytest.raises(tg.saving.SavedFileError, match=r"computed in the file by the nodes 'logical_and\w*' "
                                                       r"\(LogicalAnd\), which are not the Keras ops"):
        tg.models.load_model(tmp_path / "and.keras")


def test_keras_file_with_a_mask_the_layers_would_not_give_is_refused_naming_it(tmp_path):
    # the mask of the first input only, where the layers give Add's output the "or" of both: Keras averages over
    # the steps of `a`, the layers would average over those of `a` or `b`
    keras = keras_on_torch(REASON)
    layers = keras.layers
    a, b = layers.Input((5,), name="a"), layers.Input((5,), name="b")
    added = layers.Add()([layers.Embedding(9, 3, mask_zero=True)(a), layers.Embedding(9, 3, mask_zero=True)(b)])
    pooled = layers.GlobalAveragePooling1D(name="gap")(added, mask=keras.ops.not_equal(a, 0))
    keras.Model([a, b], pooled).save(tmp_path / "first.keras")
    with pytest.raises(tg.saving.SavedFileError, match=r"layer 'gap' \(GlobalAveragePooling1D\) is given a mask "
                                                       r"computed in the file by the nodes 'not_equal\w*' "
                                                       r"\(NotEqual\), which is not the mask tinygradconv's layers "
                                                       r"pass to it"):
        tg.models.load_model(tmp_path / "first.keras")


def test_our_file_of_a_concatenate_named_concatenate_of_masked_tensors_loads_in_a_fresh_keras(tmp_path):
    # Keras makes the mask's op nodes again when it reads a file without them, naming them by its own count from
    # "concatenate": in a fresh process that is the name of the layer, and Keras failed ("The name "concatenate" is
    # used 2 times in the model"); the file holds them now, as Keras' own files do
    keras_on_torch(REASON)
    layers = tg.layers
    a, b = layers.Input((5,), name="a"), layers.Input((5,), name="b")
    steps = layers.Concatenate(axis=1, name="concatenate")([layers.Embedding(9, 3, mask_zero=True)(a),
                                                           layers.Embedding(9, 3, mask_zero=True)(b)])
    ours = tg.models.Model([a, b], layers.GlobalAveragePooling1D()(steps))
    ours.save(tmp_path / "ours.keras")
    x = _indices()
    np.save(tmp_path / "a.npy", x[0])
    np.save(tmp_path / "b.npy", x[1])
    script = ("import sys, numpy as np, keras\n"
              "d = sys.argv[1]\n"
              "model = keras.saving.load_model(d + '/ours.keras')\n"
              "np.save(d + '/p.npy', model.predict([np.load(d + '/a.npy'), np.load(d + '/b.npy')], verbose=0))\n")
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True,
                          env={**os.environ, "KERAS_BACKEND": "torch"}, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    np.testing.assert_allclose(np.load(tmp_path / "p.npy"), ours.predict(list(x), verbose=0), rtol=1e-5, atol=1e-6)


def test_weights_of_a_model_whose_masks_change_keras_order_of_the_layers(tmp_path):
    # Keras orders a functional model's layers (and numbers their weights' paths by that order) over its graph with
    # the mask's op nodes: a Concatenate of a masked, an unmasked and a masked Embedding puts them in another order
    # than without masks, so our files gave Keras' embeddings each other's weights
    keras = keras_on_torch(REASON)
    layers = keras.layers
    a, b, c = (layers.Input((5,), name=n) for n in "abc")
    ea, ec = layers.Embedding(9, 3, mask_zero=True)(a), layers.Embedding(9, 3, mask_zero=True)(c)
    eb = layers.Embedding(9, 3)(b)
    theirs = keras.Model([a, b, c], layers.GlobalAveragePooling1D()(layers.Concatenate(axis=1)([ea, eb, ec])))
    theirs.save(tmp_path / "theirs.keras")
    theirs.save_weights(tmp_path / "theirs.weights.h5")
    x = [*_indices(), _indices()[0][::-1]]
    expected = theirs.predict(x, verbose=0)
    ours = tg.models.load_model(tmp_path / "theirs.keras")
    ours.save(tmp_path / "ours.keras")
    np.testing.assert_allclose(keras.saving.load_model(tmp_path / "ours.keras").predict(x, verbose=0), expected,
                               rtol=1e-5, atol=1e-6)
    # .weights.h5 files both ways, into models with other weights
    ours.set_weights([np.zeros_like(w) for w in ours.get_weights()])
    ours.load_weights(tmp_path / "theirs.weights.h5")
    np.testing.assert_allclose(ours.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)
    ours.save_weights(tmp_path / "ours.weights.h5")
    again = keras.saving.load_model(tmp_path / "theirs.keras")
    again.set_weights([np.zeros_like(w) for w in again.get_weights()])
    again.load_weights(tmp_path / "ours.weights.h5")
    np.testing.assert_allclose(again.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)


def test_optimizer_state_of_a_model_whose_masks_change_keras_order_of_the_layers(tmp_path):
    # Keras' optimizer/vars hold the slots in its order of the layers: resuming Adam across the libraries needs it
    keras = keras_on_torch(REASON)
    layers = keras.layers
    a, b, c = (layers.Input((5,), name=n) for n in "abc")
    ea, ec = layers.Embedding(9, 3, mask_zero=True)(a), layers.Embedding(9, 3, mask_zero=True)(c)
    eb = layers.Embedding(9, 3)(b)
    pooled = layers.GlobalAveragePooling1D()(layers.Concatenate(axis=1)([ea, eb, ec]))
    theirs = keras.Model([a, b, c], layers.Dense(1)(pooled))
    x, y = [*_indices(), _indices()[0][::-1]], np.linspace(-1.0, 1.0, 6).reshape(6, 1).astype("float32")
    kwargs = {"epochs": 2, "batch_size": 6, "shuffle": False, "verbose": 0}
    theirs.compile(keras.optimizers.Adam(0.1), loss="mse")
    theirs.fit(x, y, **kwargs)
    theirs.save(tmp_path / "theirs.keras")
    expected = keras.saving.load_model(tmp_path / "theirs.keras").fit(x, y, **kwargs).history["loss"]
    ours = tg.models.load_model(tmp_path / "theirs.keras")
    ours.save(tmp_path / "ours.keras")      # before it trains: the state read from Keras' file, written back
    np.testing.assert_allclose(ours.fit(x, y, **kwargs).history["loss"], expected, rtol=1e-5)
    again = keras.saving.load_model(tmp_path / "ours.keras")
    np.testing.assert_allclose(again.fit(x, y, **kwargs).history["loss"], expected, rtol=1e-5)
    # an optimizer built here (on the weights in tinygradconv's order) is written in Keras' order
    fresh = tg.models.load_model(tmp_path / "theirs.keras")
    fresh.compile(tg.optimizers.Adam(0.1), loss="mse")
    fresh.fit(x, y, **kwargs)
    fresh.save(tmp_path / "fresh.keras")
    resumed = keras.saving.load_model(tmp_path / "fresh.keras").fit(x, y, **kwargs).history["loss"]
    np.testing.assert_allclose(resumed, fresh.fit(x, y, **kwargs).history["loss"], rtol=1e-5)
