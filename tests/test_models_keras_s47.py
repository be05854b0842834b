"""Keras 3.15 parity of models found in session 47: empty batches in the training methods, a dict-input functional
model called on a list, ``model.loss`` after ``compile``, ``Permute``'s refusals, the optimizer's table of Keras
paths (weak references), and the per-layer keys of ``get_config``.

Every expectation is read from Keras 3.15 itself (``KERAS_BACKEND=torch``), run on the same input."""
import copy
import gc
import json
import pickle
import warnings
import weakref

import numpy as np
import pytest
from helpers import keras_on_torch

from tinygradconv import layers as L
from tinygradconv import losses as tg_losses
from tinygradconv import models as M
from tinygradconv import optimizers

_EMPTY_X, _EMPTY_Y = np.zeros((0, 3), "float32"), np.zeros((0, 2), "float32")


def _keras():
    return keras_on_torch("the Keras 3 reference of these behaviours")


def _dense_model(lib, metrics=None, optimizer="sgd"):
    model = lib.Sequential([lib.Input((3,)), lib.layers.Dense(2)]) if lib is not None else \
        M.Sequential([L.Input((3,)), L.Dense(2)])
    model.compile(optimizer=optimizer, loss="mse", metrics=metrics)
    return model


# --------------------------------------------------------------------------------- 1. empty batches
@pytest.mark.parametrize("metrics", [None, ["mae"]])
def test_test_on_batch_of_an_empty_batch_gives_zeros_as_keras(metrics):
    keras = _keras()
    theirs, ours = _dense_model(keras, metrics), _dense_model(None, metrics)
    for kwargs in ({}, {"return_dict": True}, {"sample_weight": np.zeros((0,), "float32")}):
        expected = theirs.test_on_batch(_EMPTY_X, _EMPTY_Y, **kwargs)
        with warnings.catch_warnings():
            warnings.simplefilter("error")          # no "mean of empty slice" on the way
            assert ours.test_on_batch(_EMPTY_X, _EMPTY_Y, **kwargs) == expected
    assert expected in ([0.0, 0.0], 0.0, {"loss": 0.0, "mae": 0.0})      # (so the comparison above is not vacuous)


def test_test_on_batch_of_an_empty_batch_with_two_outputs_as_keras():
    keras = _keras()
    targets = [_EMPTY_Y, np.zeros((0, 1), "float32")]
    results = []
    for lib, layers in ((keras, keras.layers), (M, L)):
        inputs = layers.Input((3,))
        model = lib.Model(inputs, [layers.Dense(2)(inputs), layers.Dense(1)(inputs)])
        model.compile(optimizer="sgd", loss=["mse", "mae"])
        results.append(model.test_on_batch(_EMPTY_X, targets))
    assert results[0] == [0.0, 0.0, 0.0]
    assert results[1] == results[0]


def test_train_on_batch_of_an_empty_batch_raises_and_changes_nothing_as_keras_on_torch():
    keras = _keras()
    theirs, ours = _dense_model(keras, optimizer="adam"), _dense_model(None, optimizer="adam")
    before = [w.numpy().copy() for w in ours.weights]
    with pytest.raises(RuntimeError, match="scalar outputs"):          # Keras 3.15 on torch: no gradient of []
        theirs.train_on_batch(_EMPTY_X, _EMPTY_Y)
    assert int(theirs.optimizer.iterations.numpy()) == 0
    with pytest.raises(ValueError, match=r"Invalid value for argument `x` of train_on_batch: .*empty \(0 samples\)"):
        ours.train_on_batch(_EMPTY_X, _EMPTY_Y)
    assert int(ours.optimizer.iterations) == 0
    assert all(np.array_equal(a, w.numpy()) for a, w in zip(before, ours.weights))


def test_predict_on_batch_of_an_empty_batch_as_keras():
    keras = _keras()
    expected = _dense_model(keras).predict_on_batch(_EMPTY_X)
    got = _dense_model(None).predict_on_batch(_EMPTY_X)
    assert got.shape == expected.shape == (0, 2) and got.dtype == expected.dtype


def test_fit_evaluate_and_predict_of_no_samples_raise_as_keras():
    keras = _keras()
    theirs, ours = _dense_model(keras), _dense_model(None)
    with pytest.raises(ValueError, match="num_samples"):
        theirs.fit(_EMPTY_X, _EMPTY_Y, verbose=0)
    with pytest.raises(ValueError):                 # on a model whose metrics are not built yet
        theirs.evaluate(_EMPTY_X, _EMPTY_Y, verbose=0)
    with pytest.raises(UnboundLocalError):          # a Keras 3.15 slip; ours says why
        theirs.predict(_EMPTY_X, verbose=0)
    for method, call in (("fit", lambda: ours.fit(_EMPTY_X, _EMPTY_Y, verbose=0)),
                         ("evaluate", lambda: ours.evaluate(_EMPTY_X, _EMPTY_Y)),
                         ("predict", lambda: ours.predict(_EMPTY_X))):
        with pytest.raises(ValueError, match=rf"Invalid value for argument `x` of {method}: .*0 samples"):
            call()


# --------------------------------------------------------------------------------- 2. a dict of inputs fed a list
def _dict_model(lib, keys=("a", "b")):
    inputs = {"a": lib.layers.Input((3,), name="a"), "b": lib.layers.Input((2,), name="b")}
    dense = lib.layers.Dense(2, kernel_initializer="ones", bias_initializer="zeros")
    out = lib.layers.Concatenate()([dense(inputs["a"]), inputs["b"]])
    return lib.Model({k: inputs[k] for k in keys}, out)


_XA, _XB = np.arange(6, dtype="float32").reshape(2, 3), np.full((2, 2), 5.0, "float32")
_BY_HAND = [[3.0, 3.0, 5.0, 5.0], [12.0, 12.0, 5.0, 5.0]]     # [sum of a's row, twice; b]


@pytest.mark.parametrize("container", [list, tuple])
def test_a_dict_input_model_takes_a_list_in_sorted_key_order_with_a_warning_as_keras(container):
    keras = _keras()
    for lib in (keras, _Lib):
        model = _dict_model(lib)
        with pytest.warns(UserWarning) as record:
            called = model(container([_XA, _XB]))
        assert any(("structure of `inputs`" if lib is keras else "keyed ['a', 'b']") in str(w.message)
                   for w in record)
        np.testing.assert_array_equal(np.asarray(called.detach() if lib is keras else called.numpy()), _BY_HAND)
        with pytest.warns(UserWarning):
            np.testing.assert_array_equal(model.predict(container([_XA, _XB]), verbose=0), _BY_HAND)
        model.compile(optimizer="sgd", loss="mse")
        with pytest.warns(UserWarning):
            loss = model.evaluate(container([_XA, _XB]), np.zeros((2, 4), "float32"), verbose=0)
        assert loss == pytest.approx(np.mean(np.square(_BY_HAND)))


def test_a_dict_input_model_refuses_a_list_of_the_wrong_length_or_for_unsorted_keys_as_keras():
    keras = _keras()
    for lib in (keras, _Lib):
        for model, feed in ((_dict_model(lib), [_XA]), (_dict_model(lib), [_XA, _XB, _XB]),
                            (_dict_model(lib, keys=("b", "a")), [_XA, _XB])):
            with pytest.raises(ValueError), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model(feed)
    with pytest.raises(ValueError, match=r"Invalid value for argument `inputs`.*Received a list of 1 arrays"):
        _dict_model(_Lib)([_XA])
    with pytest.raises(ValueError, match=r"keyed \['b', 'a'\], not in sorted order"):
        _dict_model(_Lib, keys=("b", "a"))([_XA, _XB])


class _Lib:
    """This package under Keras' names, for the helpers above and below."""
    __name__ = "tinygradconv"
    layers = L
    losses = tg_losses
    saving = M
    Model = M.Model
    Sequential = M.Sequential


# --------------------------------------------------------------------------------- 3. model.loss is what was given
def _own_loss(y_true, y_pred):
    return ((y_true - y_pred) ** 2).mean(axis=-1)


def _two_outputs(lib):
    inputs = lib.layers.Input((3,))
    return lib.Model(inputs, [lib.layers.Dense(2, name="p")(inputs), lib.layers.Dense(1, name="q")(inputs)])


@pytest.mark.parametrize("case", ["name", "names in a list", "function", "object", "library function", "none",
                                  "two outputs, one name", "two outputs, a list", "two outputs, a dict"])
def test_model_loss_is_the_very_loss_given_as_keras(case):
    keras = _keras()
    results = []
    for lib in (keras, _Lib):
        given = {"name": "mse", "names in a list": ["mse"], "function": _own_loss,
                 "object": lib.losses.MeanAbsoluteError(), "library function": lib.losses.mean_squared_error,
                 "none": None, "two outputs, one name": "mse", "two outputs, a list": ["mse", "mae"],
                 "two outputs, a dict": {"p": "mse", "q": lib.losses.MeanAbsoluteError()}}[case]
        model = _two_outputs(lib) if case.startswith("two") else \
            lib.Sequential([lib.layers.Input((3,)), lib.layers.Dense(2)])
        model.compile(optimizer="sgd", loss=given)
        assert model.loss is given
        model.compile(optimizer="sgd")              # loss=None keeps the loss, and model.loss
        assert model.loss is given
        results.append(repr(model.loss) if isinstance(given, str) or given is None else type(model.loss).__name__)
    assert results[0] == results[1]


def test_compiling_again_with_model_loss_trains_as_before():
    model = M.Sequential([L.Input((3,)), L.Dense(2, kernel_initializer="ones", bias_initializer="zeros")])
    x, y = np.ones((2, 3), "float32"), np.zeros((2, 2), "float32")
    model.compile(optimizer="sgd", loss="mae")
    first = model.test_on_batch(x, y)
    model.compile(optimizer="sgd", loss=model.loss)
    assert model.loss == "mae"
    assert model.test_on_batch(x, y) == first == pytest.approx(3.0)    # by hand: |1 + 1 + 1 - 0|, each output


def test_a_loaded_model_loss_is_what_keras_loads(tmp_path):
    keras = _keras()
    for given in ("mse", "categorical_crossentropy", ["mse"]):
        held = []
        for lib in (keras, _Lib):
            model = lib.Sequential([lib.layers.Input((3,)), lib.layers.Dense(2)])
            model.compile(optimizer="sgd", loss=given)
            path = str(tmp_path / f"{lib.__name__}.keras")
            model.save(path)
            held.append(lib.saving.load_model(path).loss)
        assert held[0] == held[1] == given
    for lib in (keras, _Lib):
        model = lib.Sequential([lib.layers.Input((3,)), lib.layers.Dense(2)])
        model.compile(optimizer="sgd", loss=lib.losses.MeanAbsoluteError())
        model.save(str(tmp_path / "object.keras"))
        assert type(lib.saving.load_model(str(tmp_path / "object.keras")).loss).__name__ == "MeanAbsoluteError"


# --------------------------------------------------------------------------------- 4. Permute's refusals
@pytest.mark.parametrize("dims, error", [("21", ValueError), (("2", "1"), ValueError), ({2: 1}, ValueError),
                                         (None, TypeError), (2, TypeError), ((1, 1), ValueError)])
def test_permute_refuses_dims_with_the_exception_class_of_keras(dims, error):
    keras = _keras()
    with pytest.raises(error):
        keras.layers.Permute(dims)
    with pytest.raises(error, match="Invalid (value|type) for argument `dims`"):
        L.Permute(dims)


def test_permute_says_how_to_write_axes_given_as_digits():
    with pytest.raises(ValueError, match=r"Received dims='21' \(for axes, write dims=\(2, 1\)\)"):
        L.Permute("21")


def test_permute_takes_an_integer_array_as_keras():
    keras = _keras()
    x = np.arange(24, dtype="float32").reshape(2, 3, 4)
    expected = np.asarray(keras.layers.Permute(np.array([2, 1]))(x))
    layer = L.Permute(np.array([2, 1]))
    np.testing.assert_array_equal(layer(x).numpy(), expected)
    np.testing.assert_array_equal(expected, x.transpose(0, 2, 1))         # by hand
    assert layer.get_config()["dims"] == (2, 1)


# --------------------------------------------------------------------------------- 5. the optimizer's paths are weak
def _two_models_sharing(optimizer):
    first = M.Sequential([L.Input((3,)), L.Dense(2)], name="first")
    second = M.Sequential([L.Input((3,)), L.Dense(2)], name="second")
    first.compile(optimizer, "mse")
    second.compile(optimizer, "mse")
    return first, second


def test_a_deleted_models_weights_are_freed_while_its_shared_optimizer_lives():
    optimizer = optimizers.Muon(exclude_layers=["^first/"])
    first, second = _two_models_sharing(optimizer)
    kernel = first.layers[0].kernel
    assert optimizer.uses_adamw(kernel)     # its Keras path, "first/dense/kernel", learnt (as Keras' variable.path)
    second.fit(np.ones((4, 3), "float32"), np.ones((4, 2), "float32"), verbose=0)
    freed = weakref.ref(kernel)
    del first, kernel
    gc.collect()
    assert freed() is None
    assert not optimizer.uses_adamw(second.layers[0].kernel)     # "second/dense_1/kernel": still Muon's own step


@pytest.mark.parametrize("copier", ["deepcopy", "pickle"])
def test_a_copied_model_keeps_its_optimizers_paths(copier):
    optimizer = optimizers.Muon(exclude_layers=["^first/"])
    first, _ = _two_models_sharing(optimizer)
    first.fit(np.ones((4, 3), "float32"), np.ones((4, 2), "float32"), verbose=0)   # builds it on first's weights
    twin = copy.deepcopy(first) if copier == "deepcopy" else pickle.loads(pickle.dumps(first))
    path = optimizer._path_of(first.layers[0].kernel)
    assert path == f"first/{first.layers[0].name}/kernel"                   # Keras' variable.path
    assert twin.optimizer._path_of(twin.layers[0].kernel) == path
    assert twin.optimizer.uses_adamw(twin.layers[0].kernel)


# --------------------------------------------------------------------------------- 6. Keras' keys in get_config
def _nested(lib):
    layers = lib.layers
    inner = lib.Sequential([layers.Input((3,)), layers.Dense(3, name="inner_dense")], name="inner")
    inputs = layers.Input((3,), name="x")
    sub = lib.Model(inputs, layers.Dense(3, name="sub_dense")(inputs), name="sub")
    return lib.Sequential([layers.Input((3,)), inner, sub, layers.Dropout(0.5), layers.Dense(2, name="top")],
                          name="outer")


def _functional(lib):
    layers = lib.layers
    inputs = layers.Input((3,), name="x")
    inner = lib.Sequential([layers.Input((3,)), layers.Dense(3, name="inner_dense")], name="inner")
    return lib.Model(inputs, layers.Dense(2, name="top")(inner(inputs)), name="model")


def _entry_keys(config):
    """Each layer's keys but its config (and nested models' entries, in turn), with module, registered_name and
    build_config's values."""
    out = []
    for item in config["layers"]:
        out.append({key: (item[key] if key in ("module", "registered_name", "class_name", "name") else
                          _json_like(item[key]) if key == "build_config" else "...")
                    for key in item if key not in ("config", "compile_config")})
        if isinstance(item["config"].get("layers"), list):
            out.append(_entry_keys(item["config"]))
    return out


def _json_like(value):
    return json.loads(json.dumps(value))


@pytest.mark.parametrize("make", [_nested, _functional])
def test_layer_entries_of_get_config_have_keras_keys(make):
    keras = _keras()
    assert _entry_keys(make(_Lib).get_config()) == _entry_keys(make(keras).get_config())


@pytest.mark.parametrize("make", [_nested, _functional])
def test_configs_with_keras_keys_rebuild_here_in_keras_and_by_clone_model(make, tmp_path):
    keras = _keras()
    model = make(_Lib)
    x = np.arange(6, dtype="float32").reshape(2, 3)
    expected = model.predict(x, verbose=0)
    again = type(model).from_config(model.get_config())
    again.set_weights(model.get_weights())
    np.testing.assert_array_equal(again.predict(x, verbose=0), expected)
    clone = M.clone_model(model)
    clone.set_weights(model.get_weights())
    np.testing.assert_array_equal(clone.predict(x, verbose=0), expected)
    theirs = (keras.Sequential if isinstance(model, M.Sequential) else keras.Model).from_config(model.get_config())
    theirs.set_weights(model.get_weights())
    np.testing.assert_allclose(theirs.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)
    model.save(str(tmp_path / "m.keras"))
    np.testing.assert_array_equal(M.load_model(str(tmp_path / "m.keras")).predict(x, verbose=0), expected)
    np.testing.assert_allclose(keras.saving.load_model(str(tmp_path / "m.keras")).predict(x, verbose=0), expected,
                               rtol=1e-5, atol=1e-6)


class _Doubled(L.Layer):
    """A layer of this test's own (Keras has no such class)."""

    def call(self, inputs):
        return inputs * 2.0


def test_a_layer_of_your_own_keeps_its_keras_keys_and_rebuilds(tmp_path):
    inner = M.Sequential([L.Input((3,)), _Doubled(name="twice")], name="inner")
    model = M.Sequential([L.Input((3,)), inner, L.Dense(2)])
    entry = model.get_config()["layers"][1]["config"]["layers"][1]
    assert entry["module"] == __name__ and entry["registered_name"] == "_Doubled"    # as Keras writes a class of
    assert entry["build_config"] == {"input_shape": (None, 3)}                        # your own
    x = np.ones((2, 3), "float32")
    with pytest.raises(Exception, match="_Doubled"):      # not found without custom_objects, as before
        M.Sequential.from_config(model.get_config())
    again = M.Sequential.from_config(model.get_config(), custom_objects={"_Doubled": _Doubled})
    again.set_weights(model.get_weights())
    np.testing.assert_array_equal(again.predict(x, verbose=0), model.predict(x, verbose=0))
    np.testing.assert_array_equal(again.layers[0].layers[0](x).numpy(), 2 * x)      # by hand
    model.save(str(tmp_path / "m.tgc.npz"))
    loaded = M.load_model(str(tmp_path / "m.tgc.npz"), custom_objects={"_Doubled": _Doubled})
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
