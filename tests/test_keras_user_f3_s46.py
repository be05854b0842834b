"""A Keras user's findings (session 46): ``model.loss`` of a multi-output model is what ``compile`` was given, a
functional model built on a dict of inputs works as a layer (called on a dict of tensors), clear load errors for
what tinygradconv lacks, and ``Dropout`` on integer inputs. Checked against Keras 3.15 on torch (the reference)
and hand-computed values."""
import json
import warnings
import zipfile

import numpy as np
import pytest
from helpers import keras_on_torch

import tinygradconv as tg

REASON = "Keras 3.15 on torch is the reference of these behaviours"


# 1. model.loss of a model with several outputs -------------------------------------------------------------------
def _two_outputs(mod):
    i = mod.layers.Input((4,), name="i")
    model = mod.models.Model(i, [mod.layers.Dense(1, name="a")(i), mod.layers.Dense(1, name="b")(i)])
    model.set_weights([np.ones_like(w) for w in model.get_weights()])
    return model


@pytest.mark.parametrize("loss", [["mse", "mae"], {"b": "mae", "a": "mse"}])
def test_model_loss_of_several_outputs_is_the_compile_argument(loss):
    model = _two_outputs(tg)
    model.compile("sgd", loss=loss)
    assert model.loss == loss
    # compiling again with model.loss keeps mse for 'a' and mae for 'b': each output gives 4 * 1 + 1 = 5 on ones,
    # against targets 0: mse 25, mae 5 (by hand), loss 30
    model.compile("sgd", loss=model.loss)
    x, y = np.ones((4, 4), "float32"), [np.zeros((4, 1))] * 2
    assert model.evaluate(x, y, verbose=0) == pytest.approx([30.0, 25.0, 5.0])


def test_model_loss_of_several_outputs_as_keras():
    keras = keras_on_torch(REASON)
    x, y = np.ones((4, 4), "float32"), [np.zeros((4, 1))] * 2
    results = []
    for mod in (tg, keras):
        model = _two_outputs(mod)
        model.compile("sgd", loss=["mse", "mae"])
        results.append(model.loss)
        model.compile("sgd", loss=model.loss)
        results.append(model.evaluate(x, y, verbose=0))
    assert results[0] == results[2] == ["mse", "mae"]
    np.testing.assert_allclose(results[1], results[3], rtol=1e-6)


# 2. a functional model built on a dict of inputs, used as a layer ------------------------------------------------
def _dict_model_in_a_model(mod, keys_in_order=True):
    layers = mod.layers
    p, q = layers.Input((3,), name="p"), layers.Input((3,), name="q")
    given = {"p": p, "q": q} if keys_in_order else {"q": q, "p": p}
    inner = mod.models.Model(given, layers.Concatenate()([p, q]), name="dictinner")
    u, v = layers.Input((3,), name="u"), layers.Input((3,), name="v")
    return mod.models.Model([u, v], inner({"p": u, "q": v}))


X = [np.ones((2, 3), "float32"), 2 * np.ones((2, 3), "float32")]
EXPECTED = np.array([[1, 1, 1, 2, 2, 2]] * 2, "float32")    # [p, q] concatenated, p from u, q from v


@pytest.mark.parametrize("keys_in_order", [True, False])
def test_dict_input_model_as_a_layer_runs(keys_in_order):
    outer = _dict_model_in_a_model(tg, keys_in_order)
    np.testing.assert_array_equal(outer.predict(X, verbose=0), EXPECTED)
    np.testing.assert_array_equal(np.asarray(outer(X).numpy()), EXPECTED)
    outer.compile("sgd", "mse")
    history = outer.fit(X, np.zeros((2, 6)), verbose=0)
    assert history.history["loss"][0] == pytest.approx(np.mean(EXPECTED ** 2))


def test_dict_input_model_called_on_a_list_of_tensors_maps_it_by_sorted_keys_as_keras():
    """Keras 3.15 takes a list of symbolic tensors positionally (in the dict's sorted-key order), silently, and warns
    when the graph runs ("The structure of `inputs` doesn't match"); so does this package, with its own words. Keys
    written out of sorted order are refused when the graph is made (Keras fails when it runs)."""
    keras = keras_on_torch(REASON)
    for mod in (keras, tg):
        p, q = mod.layers.Input((3,), name="p"), mod.layers.Input((3,), name="q")
        inner = mod.models.Model({"p": p, "q": q}, mod.layers.Concatenate()([p, q]))
        u, v = mod.layers.Input((3,), name="u"), mod.layers.Input((3,), name="v")
        with warnings.catch_warnings():
            warnings.simplefilter("error")      # nothing yet
            outer = mod.models.Model([u, v], inner([u, v]))
        with pytest.warns(UserWarning, match="structure of `inputs`" if mod is keras else r"keyed \['p', 'q'\]"):
            got = outer.predict(X, verbose=0)
        np.testing.assert_array_equal(got, EXPECTED)
    inner = tg.models.Model({"q": q, "p": p}, tg.layers.Concatenate()([p, q]))
    with pytest.raises(ValueError, match=r"keyed \['q', 'p'\], not in sorted order"):
        inner([u, v])


def test_dict_input_model_as_a_layer_in_keras_files_both_ways(tmp_path):
    keras = keras_on_torch(REASON)
    theirs = _dict_model_in_a_model(keras)
    np.testing.assert_array_equal(theirs.predict(X, verbose=0), EXPECTED)
    theirs.save(tmp_path / "theirs.keras")
    np.testing.assert_array_equal(tg.models.load_model(tmp_path / "theirs.keras").predict(X, verbose=0), EXPECTED)
    for keys_in_order in (True, False):
        ours = _dict_model_in_a_model(tg, keys_in_order)
        ours.save(tmp_path / "ours.keras")
        nodes = json.loads(zipfile.ZipFile(tmp_path / "ours.keras").read("config.json"))["config"]["layers"][2]
        assert set(nodes["inbound_nodes"][0]["args"][0]) == {"p", "q"}      # a dict, as Keras writes it
        np.testing.assert_array_equal(keras.models.load_model(tmp_path / "ours.keras").predict(X, verbose=0),
                                      EXPECTED)
        again = tg.models.model_from_json(ours.to_json())
        np.testing.assert_array_equal(again.predict(X, verbose=0), EXPECTED)


# 6. Dropout on integer and bool inputs ---------------------------------------------------------------------------
DROPOUT_CASES = [(kw, rate, training, dtype) for kw in ({}, {"seed": 1}, {"noise_shape": (1, 3)})
                 for rate in (0.5, 0.0, 1.0) for training in (True, False) for dtype in ("int32", "int64", "bool")]


@pytest.mark.parametrize(("kw", "rate", "training", "dtype"), DROPOUT_CASES)
def test_dropout_on_integer_inputs_as_keras(kw, rate, training, dtype):
    keras = keras_on_torch(REASON)
    x = (np.arange(6).reshape(2, 3) % 3 != 0) if dtype == "bool" else np.arange(6, dtype=dtype).reshape(2, 3)
    ours = tg.layers.Dropout(rate, **kw)(x, training=training).numpy()
    # Keras' torch dropout without seed and noise_shape raises on integers: its seeded form is the reference then
    reference = keras.ops.convert_to_numpy(keras.layers.Dropout(rate, **(kw or {"seed": 1}))(x, training=training))
    assert ours.dtype == reference.dtype
    if training and 0 < rate < 1:       # random masks differ: each entry is 0 or x / keep (by hand), as Keras'
        kept = ours != 0
        np.testing.assert_allclose(ours[kept], x[kept] / (1 - rate))
        theirs = reference != 0
        np.testing.assert_allclose(reference[theirs], x[theirs] / (1 - rate))
    else:
        np.testing.assert_array_equal(ours, reference)


# 3. Keras files of models with masks: Keras records the masks' computation as op nodes ---------------------------
INDICES = np.array([[1, 2, 0, 0, 0], [3, 0, 4, 0, 5]], "float32")


def _masked_models(keras):
    layers = keras.layers
    i = layers.Input((5,))
    yield "embedding", keras.Model(i, layers.GlobalAveragePooling1D()(layers.Embedding(9, 3, mask_zero=True,
                                                                                       name="emb")(i))), INDICES
    i = layers.Input((5,))
    steps = layers.Dense(2, name="d")(layers.Embedding(9, 3, mask_zero=True)(i))
    yield "embedding_dense", keras.Model(i, layers.GlobalAveragePooling1D()(steps)), INDICES
    i = layers.Input((5, 3))
    steps = layers.Dense(2)(layers.Masking()(i))
    x = np.where(np.arange(30).reshape(2, 5, 3) % 7 < 3, 0, 1.5).astype("float32")
    yield "masking_dense", keras.Model(i, layers.GlobalAveragePooling1D()(steps)), x


def test_keras_files_with_masks_load_and_predict_as_keras(tmp_path):
    keras = keras_on_torch(REASON)
    for name, model, x in _masked_models(keras):
        model.save(tmp_path / f"{name}.keras")
        ours = tg.models.load_model(tmp_path / f"{name}.keras")
        np.testing.assert_allclose(ours.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-5, atol=1e-7,
                                   err_msg=name)


# (a Keras file whose masks Keras merged, refused here before, now loads: tests/test_keras_masks_files_s46.py checks
# its predictions against Keras and the refusals that remain)


# 4. what the load errors say for what tinygradconv lacks ---------------------------------------------------------
def test_keras_file_with_a_layer_class_of_your_own_says_what_works(tmp_path):
    keras = keras_on_torch(REASON)

    @keras.saving.register_keras_serializable(package="F3Test")
    class Scale(keras.layers.Layer):
        def build(self, shape):
            self.w = self.add_weight(shape=(shape[-1],), initializer="ones", name="w")

        def call(self, x):
            return x * self.w

    i = keras.Input((4,))
    theirs = keras.Model(i, keras.layers.Dense(2, name="d")(Scale(name="mine")(i)))
    theirs.layers[1].w.assign(np.arange(4.0))
    theirs.save(tmp_path / "mine.keras")
    with pytest.raises(tg.saving.SavedFileError, match=r"layer 'mine' is a custom class 'F3Test>Scale'.*"
                                                       r"tinygradconv\.layers\.Layer.*"
                                                       r"custom_objects=\{'Scale': Scale\}.*"
                                                       r"model\.set_weights\(keras_model\.get_weights\(\)\)") as info:
        tg.models.load_model(tmp_path / "mine.keras")
    assert "a Keras class" not in str(info.value)    # none was given (it said "a Keras class ... does not change that")

    class OurScale(tg.layers.Layer):      # what the message says works: the layer written here, the weights copied
        def build(self, shape):
            self.w = self.add_weight(shape=(shape[-1],), initializer="ones", name="w")

        def call(self, x):
            return x * self.w

    i = tg.layers.Input((4,))
    ours = tg.models.Model(i, tg.layers.Dense(2, name="d")(OurScale(name="mine")(i)))
    ours.set_weights(theirs.get_weights())
    x = np.linspace(-1, 1, 8, dtype="float32").reshape(2, 4)
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=1e-6)


def test_keras_file_with_a_layer_tinygradconv_lacks_gives_its_hint(tmp_path):
    keras = keras_on_torch(REASON)
    i = keras.Input((5, 4))
    keras.Model(i, keras.layers.Bidirectional(keras.layers.LSTM(3), name="bi")(i)).save(tmp_path / "bi.keras")
    with pytest.raises(tg.saving.SavedFileError, match=r"layer 'bi' \(Bidirectional\).*no Bidirectional") as raised:
        tg.models.load_model(tmp_path / "bi.keras")
    assert "Dense" not in str(raised.value)      # the hint, not the list of the layers read
    i = keras.Input((4,))
    keras.Model(i, keras.layers.Lambda(lambda t: t * 2, name="lam")(i)).save(tmp_path / "lam.keras")
    with pytest.raises(tg.saving.SavedFileError, match=r"layer 'lam' \(Lambda\).*Python code.*never loads"):
        tg.models.load_model(tmp_path / "lam.keras")


def test_keras_optimizer_of_your_own_hint_names_a_tinygradconv_class(tmp_path):
    keras = keras_on_torch(REASON)

    @keras.saving.register_keras_serializable(package="F3Test")
    class MyOpt(keras.optimizers.SGD):
        pass

    i = keras.Input((4,))
    model = keras.Model(i, keras.layers.Dense(1)(i))
    model.compile(MyOpt(0.25), "mse")
    model.save(tmp_path / "opt.keras")
    with pytest.warns(UserWarning, match=r"tinygradconv optimizer class.*"
                                         r"custom_objects=\{'F3Test>MyOpt': tinygradconv\.optimizers\.SGD\}"):
        tg.models.load_model(tmp_path / "opt.keras")
    # what it says works: the file's config builds our SGD
    loaded = tg.models.load_model(tmp_path / "opt.keras", custom_objects={"F3Test>MyOpt": tg.optimizers.SGD})
    assert isinstance(loaded.optimizer, tg.optimizers.SGD) and loaded.optimizer.learning_rate == pytest.approx(0.25)
