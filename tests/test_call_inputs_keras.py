"""What layers and models take when called (and in ``predict``), against Keras 3 on torch: a list of several arrays
for one input, a torch tensor, call keywords, the dtype of symbolic outputs on integer inputs, empty batches, and
two damaged ``.keras`` cases (found by a tester)."""
import json
import re
import zipfile

import numpy as np
import pytest
from helpers import keras_on_torch

import tinygradconv as tg
from tinygradconv import layers, models
from tinygradconv.saving import SavedFileError


def _keras():
    return keras_on_torch("Keras 3 is the reference for what a layer or model call accepts")


def _same_weights(ours, theirs):
    ours.set_weights([np.asarray(w) for w in theirs.get_weights()])


# ----------------------------------------------------------------------------------------------- one input, a list
@pytest.mark.parametrize(("shape", "make"), [((4, 3), lambda lib: lib.layers.Conv1D(2, 3, name="c")),
                                             ((3,), lambda lib: lib.layers.Dense(2, name="c"))])
def test_one_input_functional_call_refuses_a_list_of_arrays_as_keras(shape, make):
    """It stacked the two samples into a batch of 2 (the call only; predict refused them already)."""
    keras = _keras()
    two = [np.ones(shape, "float32"), 2 * np.ones(shape, "float32")]
    for lib in (keras, tg):
        a = lib.layers.Input(shape, name="a")
        model = lib.models.Model(a, make(lib)(a))
        for run in (model, model.predict, model.predict_on_batch):
            with pytest.raises(ValueError, match=r"expects 1 named input"):
                run(two)
    with pytest.raises(ValueError, match=r"argument `inputs`: Model 'functional\w*' \(Functional\) expects 1 named "
                                         r"input with keys \['a'\], but it received 2 input tensors"):
        model(two)
    x = np.random.default_rng(0).normal(size=(2, *shape)).astype("float32")
    np.testing.assert_array_equal(model([x]).numpy(), model(x).numpy())     # a list of one is that one, as Keras


def test_sequential_refuses_a_list_of_arrays_in_call_and_predict():
    """Keras 3.15 refuses ``[np.ones(3), np.ones(3)]`` (Invalid input shape); here the call raised AttributeError
    ('list' object has no attribute 'ndim') and predict stacked the two samples silently."""
    keras = _keras()
    two = [np.ones(3, "float32"), 2 * np.ones(3, "float32")]
    reference = keras.Sequential([keras.layers.Input((3,)), keras.layers.Dense(1)])
    model = models.Sequential([layers.Input((3,)), layers.Dense(1)], name="stack")
    for run in (reference, reference.predict, reference.predict_on_batch):
        with pytest.raises(ValueError):
            run(two)
    for run, argument in ((model, "inputs"), (model.predict, "x"), (model.predict_on_batch, "x")):
        with pytest.raises(ValueError, match=rf"argument `{argument}`: Model 'stack' \(Sequential\) expects 1 input, "
                                             r"but it received 2 input tensors"):
            run(two)
    conv = models.Sequential([layers.Input((8, 3)), layers.Conv1D(2, 3)], name="conv_stack")
    with pytest.raises(ValueError, match="Model 'conv_stack' \\(Sequential\\) expects 1 input, but it received 2"):
        conv([np.ones((8, 3)), np.ones((8, 3))])
    with pytest.raises(ValueError, match=r"Model 'stack' \(Sequential\) expects 1 input, but it received a dict "
                                         r"with keys \['a'\]\. A dict of arrays, one per named Input layer"):
        model({"a": np.ones((2, 3))})
    # a list of one array is that array, as Keras' built Sequential takes it
    x = np.random.default_rng(1).normal(size=(2, 3)).astype("float32")
    _same_weights(model, reference)
    expected = reference.predict(x, verbose=0)
    for run in (lambda m, v: _numpy(m(v)), lambda m, v: m.predict(v, verbose=0), lambda m, v: m.predict_on_batch(v)):
        np.testing.assert_allclose(run(reference, [x]), expected, rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(run(model, [x]), expected, rtol=1e-6, atol=1e-6)


def _numpy(result):
    return result.numpy() if isinstance(result, tg.Tensor) else result.detach().numpy()


@pytest.mark.parametrize("make", [
    lambda lib: lib.layers.Flatten(name="x"), lambda lib: lib.layers.UpSampling1D(2, name="x"),
    lambda lib: lib.layers.ZeroPadding1D(1, name="x"), lambda lib: lib.layers.Cropping1D(1, name="x"),
    lambda lib: lib.layers.Dense(2, name="x"), lambda lib: lib.layers.Conv1D(2, 3, name="x"),
    lambda lib: lib.layers.Conv1DTranspose(2, 3, name="x"),
])
def test_single_input_layers_refuse_several_tensors_with_keras_words(make):
    keras = _keras()
    two = [np.ones((2, 4, 3), "float32"), np.ones((2, 4, 3), "float32")]
    with pytest.raises(ValueError, match=r"Layer \"x\" expects 1 input\(s\), but it received 2 input tensors"):
        make(keras)(two)
    layer = make(tg)
    kind = type(layer).__name__
    with pytest.raises(ValueError, match=rf"Layer 'x' \({kind}\) expects 1 input, but it received 2 input tensors"):
        layer(two)
    a, b = layers.Input((4, 3)), layers.Input((4, 3))
    with pytest.raises(ValueError, match=rf"Layer 'x' \({kind}\) expects 1 input, but it received 2 input tensors"):
        make(tg)([a, b])
    assert not layer.built


@pytest.mark.parametrize("make", [layers.BatchNormalization, layers.LayerNormalization, layers.Softmax, layers.ReLU,
                                  layers.PReLU, lambda: layers.Dropout(0.5), lambda: layers.Reshape((-1,)),
                                  lambda: models.Sequential([layers.Dense(2)])])
@pytest.mark.parametrize("given", ["list", "dict", "list of one"])
def test_every_single_input_layer_refuses_a_structure(make, given):
    """Keras fails here with KeyError: -1 (normalizations on a dict), AttributeError (Softmax, Reshape) or stacks
    the list (ReLU); here each raised KeyError: 0, AttributeError or stacked the two arrays silently (Softmax)."""
    layer = make()
    if isinstance(layer, models.Sequential) and given == "list of one":
        return                      # a model takes a list of one array as that array (see above)
    x = np.ones((2, 4, 3), "float32")
    data = {"list": [x, x], "dict": {"a": x}, "list of one": [x]}[given]
    received = {"list": "2 input tensors", "dict": r"a dict with keys \['a'\]",
                "list of one": "a list holding one tensor: pass the tensor itself"}[given]
    with pytest.raises(ValueError, match=rf"{layer.name}' \({type(layer).__name__}\) expects 1 input, but it received "
                                         rf"{received}"):
        layer(data)


@pytest.mark.parametrize("make", [lambda lib: lib.layers.Dense(2, name="x"),
                                  lambda lib: lib.layers.Conv1D(2, 3, name="x")])
def test_a_layer_refuses_a_list_holding_one_tensor_as_keras(make):
    """Keras 3 refuses ``Dense(2)([x])`` (ValueError: "Cannot convert '((2, 4, 3), 2)' to a shape"; Conv1D: a
    TypeError); the message here said "expects 1 input, but it received 1 input tensor (a list of 1)", and counted
    ``[x, None]`` as 2 tensors."""
    keras = _keras()
    x = np.ones((2, 4, 3), "float32")
    for given in ([x], [x, None]):
        with pytest.raises((ValueError, TypeError)):
            make(keras)(given)
        with pytest.raises(ValueError, match=r"Layer 'x' \(\w+\) expects 1 input, but it received a list holding one "
                                             r"tensor: pass the tensor itself\.$"):
            make(tg)(given)
    with pytest.raises(ValueError, match=r"received a tuple holding one tensor: pass the tensor itself"):
        make(tg)((layers.Input((4, 3)),))


def test_a_dict_for_a_sequential_says_where_dicts_go_as_keras():
    """Keras 3 refuses a dict given to a ``Sequential`` with a ``ValueError`` ("The structure of `inputs` doesn't
    match") in a call, predict, fit, evaluate and validation_data; here in each of them with the hint that dicts are
    for functional models with named Inputs (fit and evaluate said "received 1 input tensor (a dict ...)")."""
    keras = _keras()
    x, y = np.ones((4, 3), "float32"), np.ones((4, 1), "float32")
    for lib in (keras, tg):
        model = lib.models.Sequential([lib.layers.Input((3,)), lib.layers.Dense(1)], name="stack")
        model.compile(optimizer="sgd", loss="mse")
        for argument, run in (("inputs", lambda m: m({"x": x})), ("x", lambda m: m.predict({"x": x}, verbose=0)),
                              ("x", lambda m: m.fit({"x": x}, y, verbose=0)),
                              ("x", lambda m: m.evaluate({"x": x}, y, verbose=0)),
                              ("validation_data\\[0\\]",
                               lambda m: m.fit(x, y, validation_data=({"x": x}, y), verbose=0))):
            if lib is keras:
                with pytest.raises(ValueError):
                    run(model)
                continue
            with pytest.raises(ValueError, match=rf"argument `{argument}`: Model 'stack' \(Sequential\) expects 1 "
                                                 r"input, but it received a dict with keys \['x'\]\. A dict of arrays, "
                                                 r"one per named Input layer, is taken by functional models"):
                run(model)


def test_every_built_in_layer_but_the_merge_layers_takes_one_tensor():
    """``single_input`` is a flag each built-in layer class sets (the check is in ``Layer.__call__``): a new layer
    that forgets it would take a list of tensors silently. Every public layer class but the merge layers (and
    ``Layer`` and ``InputLayer``, which take what they are given, and ``Lambda``, whose function takes a list as
    Keras' does) sets it; the merge layers, which take a list, must not."""
    merging = {name for name in layers.merging.__all__ if isinstance(getattr(layers.merging, name), type)}
    classes = {name: getattr(layers, name) for name in layers.__all__ if isinstance(getattr(layers, name), type)}
    assert merging <= set(classes) and len(classes) > len(merging) + 10
    for name, cls in classes.items():
        expected = name not in merging and cls not in (layers.Layer, layers.InputLayer, layers.Lambda)
        assert cls.single_input is expected, f"{name}.single_input should be {expected}"


def test_merge_layers_and_structure_layers_still_take_lists():
    x, y = np.ones((2, 3), "float32"), np.full((2, 3), 2.0, "float32")
    assert layers.Add()([x, y]).numpy().tolist() == [[3.0] * 3] * 2
    assert layers.Concatenate()([x, y]).shape == (2, 6)

    class Difference(layers.Layer):
        def call(self, parts):
            return parts["a"] - parts["b"]

    assert Difference()({"a": y, "b": x}).numpy().tolist() == [[1.0] * 3] * 2


def test_a_dict_of_tensors_keeps_its_gradients():
    """A model of several inputs called on a dict of Tensors converted them to NumPy: no gradient reached them."""
    a, b = layers.Input((3,), name="a"), layers.Input((3,), name="b")
    model = models.Model([a, b], layers.Multiply()([a, b]))
    x = tg.tensor(np.full((2, 3), 2.0), requires_grad=True)
    y = tg.tensor(np.full((2, 3), 5.0), requires_grad=True)
    model({"b": y, "a": x}).sum().backward()
    assert x.grad.numpy().tolist() == [[5.0] * 3] * 2 and y.grad.numpy().tolist() == [[2.0] * 3] * 2


# ----------------------------------------------------------------------------------------------- torch tensors
def test_functional_model_takes_a_torch_tensor_as_keras():
    """It raised "TypeError: Cannot interpret 'torch.float32' as a data type" (the dtype look-up for integer data)."""
    keras = _keras()
    import torch

    x = torch.from_numpy(np.random.default_rng(2).normal(size=(2, 8, 3)).astype("float32"))

    def make(lib):
        a = lib.layers.Input((8, 3))
        return lib.models.Model(a, lib.layers.Dense(2)(lib.layers.Conv1D(2, 3)(a)))

    reference, model = make(keras), make(tg)
    _same_weights(model, reference)
    expected = reference(x).detach().numpy()
    np.testing.assert_allclose(model(x).numpy(), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model.predict(x), expected, rtol=1e-5, atol=1e-6)
    ints = layers.Input((3,), dtype="int32")
    counts = models.Model(ints, layers.Flatten()(ints))
    assert counts(torch.tensor([[1, 2, 3]])).numpy().tolist() == [[1, 2, 3]]
    assert str(counts(torch.tensor([[1, 2, 3]])).dtype) == "int32"


# ----------------------------------------------------------------------------------------------- call keywords
def _functional(lib):
    a = lib.layers.Input((3,))
    return lib.models.Model(a, lib.layers.Dense(1)(lib.layers.Dropout(0.5)(a)), name="net")


def _sequential(lib):
    return lib.models.Sequential([lib.layers.Input((3,)), lib.layers.Dropout(0.5), lib.layers.Dense(1)], name="net")


@pytest.mark.parametrize("make", [_functional, _sequential])
def test_model_call_keywords_as_keras(make):
    """``mask=None`` and ``training`` are accepted by both, as in Keras 3; an unknown keyword was a TypeError naming
    an internal class ("FunctionalMixin.call() got an unexpected keyword argument 'mask'")."""
    keras = _keras()
    x = np.random.default_rng(3).normal(size=(4, 3)).astype("float32")
    reference, model = make(keras), make(tg)
    _same_weights(model, reference)
    expected = reference(x).detach().numpy()
    for keywords in ({"mask": None}, {"training": False}, {"mask": None, "training": False}):
        reference(x, **keywords)
        np.testing.assert_allclose(model(x, **keywords).numpy(), expected, rtol=1e-6, atol=1e-6)
    dropped = model(np.ones((200, 3), "float32"), training=True).numpy()
    assert len(np.unique(dropped)) > 1          # dropout ran: training=True reached the layers
    symbolic = layers.Input((3,))
    assert model(symbolic, mask=None).shape == reference(keras.layers.Input((3,)), mask=None).shape == (None, 1)
    # Keras refuses an unknown keyword on symbolic tensors (TypeError) and ignores it on data; refused here in both
    with pytest.raises(TypeError):
        reference(keras.layers.Input((3,)), foo=1)
    for given in (x, symbolic):
        with pytest.raises(TypeError, match=r"Model 'net' \(\w+\) got an unexpected keyword argument 'foo'"):
            model(given, foo=1)
    # a mask is set on the input, as Keras 3 sets it (tests/test_masking_merge.py); Dense passes it on
    with pytest.warns(UserWarning, match="does not support masking"):      # the model's own, as Keras' warns
        masked = model(x, mask=np.ones((4,), bool))
    np.testing.assert_allclose(masked.numpy(), expected, rtol=1e-6, atol=1e-6)


# ----------------------------------------------------------------------------------------------- symbolic dtypes
def test_nested_model_on_an_integer_input_has_the_dtype_its_data_gets():
    """The inner model casts integer data to its float Input: its output is float32, as Keras' symbolic tensor and as
    predict returns it (the symbolic tensor said int32)."""
    keras = _keras()
    for lib in (keras, tg):
        a = lib.layers.Input((4, 3))
        inner = lib.models.Model(a, lib.layers.Dense(3, name="d")(a), name="inner")
        ints = lib.layers.Input((4, 3), dtype="int32")
        hidden = inner(ints)
        assert str(hidden.dtype) == "float32"
        out = lib.layers.Conv1D(2, 3, name="c")(hidden)
        assert str(out.dtype) == "float32"
        assert lib.models.Model(ints, out).predict(np.ones((1, 4, 3), "int32"), verbose=0).dtype == np.float32
    stack = models.Sequential([layers.Input((4, 3)), layers.Dense(2)])
    assert stack(layers.Input((4, 3), dtype="int32")).dtype == "float32"


def test_nested_model_that_keeps_integers_says_so():
    """A model whose integer Input reaches its output through Flatten returns integers when called on data; so does
    its symbolic call."""
    a = layers.Input((2, 3), dtype="int32")
    inner = models.Model(a, layers.Flatten()(a))
    ints = layers.Input((2, 3), dtype="int32")
    assert inner(ints).dtype == "int32"
    outer = models.Model(ints, inner(ints))
    got = outer.predict(np.arange(6, dtype="int32").reshape(1, 2, 3))
    assert got.dtype == np.int32 and got.tolist() == [[0, 1, 2, 3, 4, 5]]
    stack = models.Sequential([layers.Input((2, 3), dtype="int32"), layers.Flatten()])
    assert stack(layers.Input((2, 3), dtype="int32")).dtype == "int32"
    assert stack(layers.Input((2, 3))).dtype == "int32"        # its integer Input casts float data, as on data
    assert str(stack(np.ones((1, 2, 3), "float32")).dtype) == "int32"


@pytest.mark.parametrize("start", ["float Input", "no Input"])
def test_sequential_casts_integer_data_to_its_float_input_as_keras(start):
    """Integer data reaches a float ``Input`` (or the one Keras builds for a Sequential without one) as float32, so
    Flatten gives float32 whether the data is a NumPy array or a Tensor, called alone or nested on an int32 Input,
    as Keras 3 (an int32 Tensor went through as int32, and so did the nested model's symbolic output and predict).
    (Keras' symbolic output says int32 for a Sequential without Input that data built first, while its predict
    gives float32: a fresh model is nested here.)"""
    keras = _keras()
    import torch

    ints = np.arange(6, dtype="int32").reshape(2, 3)
    for lib, tensor in ((keras, torch.from_numpy), (tg, lambda a: tg.tensor(a, dtype="int32"))):
        def stack(lib=lib):
            return lib.models.Sequential(([lib.layers.Input((3,))] if start == "float Input" else [])
                                         + [lib.layers.Flatten()])

        for data in (ints, tensor(ints)):
            got = stack()(data)
            assert str(got.dtype).replace("torch.", "") == "float32"
            assert _numpy(got).tolist() == ints.tolist()
        given = lib.layers.Input((3,), dtype="int32")
        out = stack()(given)
        assert str(out.dtype) == "float32"
        assert lib.models.Model(given, out).predict(ints, verbose=0).dtype == np.float32


@pytest.mark.parametrize("make", [lambda lib: lib.layers.Conv1D(2, 3, name="c"),
                                  lambda lib: lib.layers.Conv1DTranspose(2, 3, name="c")])
def test_convolutions_cast_integer_inputs_to_their_dtype(make):
    """Keras' symbolic tensor is float32; on data Keras 3.15 on torch fails (PyTorch's "expected scalar type Int");
    here the symbolic tensor said int32 and predict failed with "`conv1d` needs floating-point arrays"."""
    keras = _keras()
    assert make(keras)(keras.layers.Input((8, 3), dtype="int32")).dtype == "float32"
    ints = layers.Input((8, 3), dtype="int32")
    out = make(tg)(ints)
    assert out.dtype == "float32"
    model = models.Model(ints, out)
    data = np.arange(48).reshape(2, 8, 3)
    got = model.predict(data.astype("int32"))
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, model.get_layer("c")(data.astype("float32")).numpy(), rtol=1e-6)
    eager = model.get_layer("c")(tg.tensor(data, dtype="int32"))
    assert str(eager.dtype) == "float32"
    np.testing.assert_allclose(eager.numpy(), got, rtol=1e-6)


# ----------------------------------------------------------------------------------------------- empty batches
@pytest.mark.parametrize("make", [_functional, _sequential])
def test_predict_on_batch_of_zero_samples_as_keras(make):
    keras = _keras()
    x = np.ones((4, 3), "float32")
    assert keras_shape(make(keras).predict_on_batch(x[:0])) == (0, 1)
    model = make(tg)
    got = model.predict_on_batch(x[:0])
    assert isinstance(got, np.ndarray) and got.shape == (0, 1) and got.dtype == np.float32
    assert model(x[:0]).shape == (0, 1)
    np.testing.assert_array_equal(model.predict_on_batch(x), model.predict(x))


def keras_shape(result):
    return tuple(np.asarray(result).shape)


# ----------------------------------------------------------------------------------------------- .keras files
def test_keras_file_without_a_config_entry_names_the_file(tmp_path):
    pytest.importorskip("h5py", reason="h5py reads and writes the weights of .keras files")
    path = tmp_path / "good.keras"
    models.Sequential([layers.Input((6, 2)), layers.Conv1D(2, 3), layers.Flatten(), layers.Dense(1)]).save(path)
    damaged = tmp_path / "nocfg.keras"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(damaged, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            if name == "config.json":
                config = json.loads(data)
                del config["config"]
                data = json.dumps(config).encode()
            target.writestr(name, data)
    with pytest.raises(SavedFileError, match=r"nocfg\.keras.*no 'config'"):
        models.load_model(damaged)


def test_loading_a_folder_says_a_keras_file_is_expected(tmp_path):
    keras = _keras()
    folder = tmp_path / "folder.keras"
    folder.mkdir()
    with pytest.raises(ValueError, match="accessible `.keras` zip file"):
        keras.models.load_model(folder)
    with pytest.raises(SavedFileError, match=r"folder\.keras'? is a directory: expected a \.keras file \(a zip "
                                             r"archive"):
        models.load_model(folder)


@pytest.mark.parametrize("kind", ["sequential", "functional"])
def test_one_input_model_fit_evaluate_and_validation_data_take_a_list_as_keras(kind):
    """fit, evaluate and validation_data: a list of one array is that array; of two, refused, naming the argument, as
    Keras' functional models refuse it (Sequential stacked them into a batch of 2 and failed on the cardinality; a
    functional model said it "expects 1 named output")."""
    keras = _keras()
    x, y = np.ones((4, 3), "float32"), np.ones((4, 1), "float32")

    def model(lib):
        if kind == "sequential":
            return lib.models.Sequential([lib.layers.Input((3,)), lib.layers.Dense(1)])
        a = lib.layers.Input((3,))
        return lib.models.Model(a, lib.layers.Dense(1)(a))

    for lib in (keras, tg):
        m = model(lib)
        m.compile(optimizer="sgd", loss="mse")
        assert "val_loss" in m.fit(x, y, validation_data=([x], y), epochs=1, verbose=0).history
        assert "loss" in m.fit([x], y, epochs=1, verbose=0).history
        m.evaluate([x], y, verbose=0)
        if lib is keras and kind == "sequential":
            continue        # Keras' Sequential takes the first of [x, x] with a warning; calls refuse it here too
        for method, args, kwargs in (("fit", (x, y), {"validation_data": ([x, x], y), "epochs": 1}),
                                     ("fit", ([x, x], y), {"epochs": 1}), ("evaluate", ([x, x], y), {})):
            with pytest.raises(ValueError):
                getattr(m, method)(*args, verbose=0, **kwargs)
    m = model(tg)
    m.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match=r"argument `validation_data\[0\]`: Model '\w+' \(\w+\) expects 1 "
                                         r"(named )?input.*received 2 input tensors"):
        m.fit(x, y, validation_data=([x, x], y), epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"argument `x`: Model '\w+' \(\w+\) expects 1 (named )?input"):
        m.evaluate([x, x], y, verbose=0)


def test_sequential_takes_targets_as_a_list_of_one_array_as_keras():
    """fit(x, [y]) and the like: Keras takes [y] or (y,) as y; a Sequential read [y] as one array of shape
    (1, 8, 2) and failed on the cardinality (a functional model already took it)."""
    keras = _keras()
    x = np.random.default_rng(0).normal(size=(8, 3)).astype("float32")
    y = np.random.default_rng(1).normal(size=(8, 2)).astype("float32")
    losses = {}
    for lib in (keras, tg):
        model = lib.models.Sequential([lib.layers.Input((3,)), lib.layers.Dense(2, kernel_initializer="ones")])
        model.compile(optimizer="sgd", loss="mse")
        history = model.fit(x, [y], validation_data=(x, (y,)), epochs=1, batch_size=8, shuffle=False, verbose=0)
        losses[lib] = (history.history["loss"][0], history.history["val_loss"][0], model.evaluate(x, [y], verbose=0),
                       model.train_on_batch(x, (y,)))
    np.testing.assert_allclose(losses[tg], losses[keras], rtol=1e-5)
    model = tg.models.Sequential([tg.layers.Input((3,)), tg.layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match=r"argument `y`: Model '\w+' \(Sequential\) has 1 output, but it received 2 "
                                         r"target arrays"):
        model.fit(x, [y, y], verbose=0)


# ----------------------------------------------------------------------------------------- several tensor arguments
def _two_argument_layer(lib):
    """A layer of one's own whose ``call`` takes two tensors and a number, defined the same way in both libraries."""
    class Blend(lib.layers.Layer):
        def call(self, query, value, scale=1.0):
            return query * scale + value

    return Blend


@pytest.mark.parametrize("how", ["positional", "keyword"])
def test_a_layer_takes_a_second_tensor_as_keras(how, tmp_path):
    """``call(self, query, value)`` called as ``layer(q, v)`` or ``layer(q, value=v)``: on data, on symbolic
    tensors in a model, in the model's config, its .npz file and its clone (found by a tester: the second tensor was
    read as ``training``, or "missing 1 required positional argument")."""
    keras = _keras()
    rng = np.random.default_rng(0)
    q, v = rng.normal(size=(3, 4)).astype("float32"), rng.normal(size=(3, 4)).astype("float32")
    results, configs = {}, {}
    for lib in (keras, tg):
        blend = _two_argument_layer(lib)
        a, b = lib.layers.Input((4,), name="q"), lib.layers.Input((4,), name="v")
        joined = blend(name="blend")(a, b, scale=2.0) if how == "positional" else blend(name="blend")(a, value=b,
                                                                                                       scale=2.0)
        model = lib.models.Model([a, b], lib.layers.Dense(1, name="d")(joined))
        if lib is tg:
            _same_weights(model, results["keras_model"])
        eager = blend()(q, v, scale=2.0) if how == "positional" else blend()(q, value=v, scale=2.0)
        results[lib.__name__] = (np.asarray(eager), np.asarray(model.predict([q, v], verbose=0)), joined.shape)
        results[f"{lib.__name__}_model"] = model
        configs[lib.__name__] = [[node["args"][1:], sorted(node["kwargs"])] for layer in model.get_config()["layers"]
                                 if layer["name"] == "blend" for node in layer["inbound_nodes"]]
    np.testing.assert_allclose(results["tinygradconv"][0], q * 2.0 + v, rtol=1e-6)            # by hand
    np.testing.assert_allclose(results["keras"][0], q * 2.0 + v, rtol=1e-6)
    np.testing.assert_allclose(results["tinygradconv"][1], results["keras"][1], rtol=1e-5, atol=1e-6)
    assert results["tinygradconv"][2] == results["keras"][2] == (None, 4)
    ours, theirs = configs["tinygradconv"], configs["keras"]
    assert [sorted(kwargs) for _, kwargs in ours] == [sorted(kwargs) for _, kwargs in theirs]    # the same keys
    assert len(ours[0][0]) == len(theirs[0][0])                  # as many further positional arguments as Keras
    model = results["tinygradconv_model"]
    model.save(tmp_path / "blend.npz")
    blend_class = _two_argument_layer(tg)
    loaded = tg.saving.load_model(tmp_path / "blend.npz", custom_objects={"Blend": blend_class})
    clone = tg.models.clone_model(model)             # new weights, as Keras' clone_model: given the model's here
    clone.set_weights(model.get_weights())
    for other in (loaded, clone):
        np.testing.assert_allclose(other.predict([q, v], verbose=0), results["tinygradconv"][1], rtol=1e-6)


def test_only_tensors_come_by_position_as_keras():
    """Keras 3 refuses a number, string or bool given by position after the first argument (``training`` too)."""
    keras = _keras()
    for lib in (keras, tg):
        class Mode(lib.layers.Layer):
            def call(self, inputs, training=None):
                return inputs * (2.0 if training else 1.0)

        with pytest.raises(ValueError, match=r"(?i)only (input )?tensors may be passed .*positional|by position"):
            Mode()(np.ones((1, 2), "float32"), True)
        np.testing.assert_array_equal(np.asarray(Mode()(np.ones((1, 2), "float32"), training=True)), [[2.0, 2.0]])
    with pytest.raises(ValueError, match=r"Layer 'mode' \(Blend\): .*by name.*: 0\.5 \(of type float\)"):
        _two_argument_layer(tg)(name="mode")(np.ones((1, 2)), np.ones((1, 2)), 0.5)


def test_a_model_of_several_inputs_loads_from_its_own_npz_file(tmp_path):
    """Its ``build_input_shape`` is one shape per input: the loader called the file corrupted (found by a tester)."""
    a, b = layers.Input((5,)), layers.Input((3,))
    model = models.Model([a, b], layers.Dense(1)(layers.Concatenate()([a, b])))
    model.save(tmp_path / "two.npz")
    data = [np.ones((2, 5)), np.full((2, 3), 2.0)]
    kernel, bias = model.get_weights()
    expected = np.concatenate(data, axis=1) @ kernel + bias                                   # by hand
    np.testing.assert_allclose(tg.saving.load_model(tmp_path / "two.npz").predict(data, verbose=0), expected,
                               rtol=1e-5)          # a float32 model against float64 sums: float32's rounding


def test_output_shapes_keep_unknown_sizes_with_other_arguments_as_keras():
    """A call with other arguments (``mask=None``, or a second tensor) took its shape from one run on zeros, every
    unknown size 1: ``(None, 1, 4)`` where Keras keeps ``(None, None, 4)``, and a Conv1D after it failed."""
    keras = _keras()
    shapes = {}
    for lib in (keras, tg):
        class WithShape(lib.layers.Layer):
            def call(self, x, mask=None):
                return x * 2.0

            def compute_output_shape(self, input_shape):
                return input_shape

        a, b = lib.layers.Input((None, 4)), lib.layers.Input((None, 4))
        masked = WithShape()(a, mask=None)
        blended = _two_argument_layer(lib)()(a, b)
        shapes[lib.__name__] = (masked.shape, lib.layers.Conv1D(2, 3)(masked).shape, blended.shape,
                                lib.layers.Conv1D(2, 3)(blended).shape)
    assert shapes["tinygradconv"] == shapes["keras"] == ((None, None, 4), (None, None, 2), (None, None, 4),
                                                         (None, None, 2))


def test_a_subclassed_model_takes_two_tensors_as_keras():
    keras = _keras()
    q, v = np.ones((2, 3), "float32"), np.full((2, 3), 2.0, "float32")
    for lib in (keras, tg):
        class Two(lib.models.Model):
            def __init__(self, dense_class=lib.layers.Dense):
                super().__init__()
                self.dense = dense_class(2, kernel_initializer="ones")

            def call(self, q, v):
                return self.dense(q + v)

        eager = Two()(q, v)
        eager = eager.detach() if hasattr(eager, "detach") else eager                    # torch's output
        np.testing.assert_array_equal(np.asarray(eager), np.full((2, 2), 9.0))          # 3 * (1 + 2)
        a, b = lib.layers.Input((3,)), lib.layers.Input((3,))
        model = lib.models.Model([a, b], Two()(a, v=b))
        np.testing.assert_array_equal(np.asarray(model.predict([q, v], verbose=0)), np.full((2, 2), 9.0))
        with pytest.raises(ValueError, match=r"(?i)only (input )?tensors may be passed"):
            lib.models.Sequential([lib.layers.Dense(2)])(q, True)


def test_numpy_numbers_among_the_arguments_are_written_as_python_numbers():
    """``get_config`` kept ``np.float32(2.0)``, which JSON cannot write: the model could not be saved."""
    a = layers.Input((3,))
    blend = _two_argument_layer(tg)
    model = models.Model([a, b := layers.Input((3,))], blend(name="blend")(a, b, scale=np.float32(2.0)))
    config = json.loads(json.dumps(model.get_config()))
    node = next(layer for layer in config["layers"] if layer["name"] == "blend")["inbound_nodes"][0]
    assert node["kwargs"] == {"scale": 2.0} and type(node["kwargs"]["scale"]) is float


# ------------------------------------------------------------------------------------ a second review's findings
def test_a_keras_file_with_a_nested_model_of_two_inputs_loads(tmp_path):
    """Keras writes ``"mask": [null, null]`` for the call of a nested model of two inputs: passed on since the calls
    keep their keyword arguments, it was refused as a mask."""
    keras = _keras()
    a, b = keras.layers.Input((4,)), keras.layers.Input((4,))
    inner = keras.models.Model([a, b], keras.layers.Add()([a, b]))
    x, y = keras.layers.Input((4,)), keras.layers.Input((4,))
    theirs = keras.models.Model([x, y], inner([x, y]))
    theirs.save(tmp_path / "nested.keras")
    data = [np.ones((2, 4), "float32"), np.full((2, 4), 2.0, "float32")]
    ours = tg.saving.load_model(tmp_path / "nested.keras")
    np.testing.assert_array_equal(ours.predict(data, verbose=0), np.full((2, 4), 3.0))


def test_training_given_in_the_graph_is_recorded_as_keras(tmp_path):
    """``Dropout(0.5)(x, training=True)``: Keras records it, so ``model(x)`` drops; the model's own ``training``
    (not None) overrides it. It was dropped when the graph was written."""
    keras = _keras()
    ones = np.ones((1, 2000), "float32")
    for lib in (keras, tg):
        a = lib.layers.Input((2000,))
        model = lib.models.Model(a, lib.layers.Dropout(0.5)(a, training=True))
        dropped = int((np.asarray(model(ones)) == 0).sum())
        assert 800 < dropped < 1200, (lib.__name__, dropped)
        assert int((np.asarray(model(ones, training=False)) == 0).sum()) == 0
        node = next(layer for layer in model.get_config()["layers"] if layer["inbound_nodes"])["inbound_nodes"][0]
        assert node["kwargs"] == {"training": True}, lib.__name__
    model.save(tmp_path / "dropout.npz")
    again = tg.saving.load_model(tmp_path / "dropout.npz")
    assert 800 < int((again(ones).numpy() == 0).sum()) < 1200


def test_a_call_the_layer_does_not_take_is_refused_where_the_model_is_written_as_keras():
    keras = _keras()
    for lib in (keras, tg):
        a = lib.layers.Input((4,))
        dense = lib.layers.Dense(2)
        dense(a)                                                   # built: a second call is not run
        with pytest.raises(TypeError, match="unexpected keyword argument 'foo'"):
            dense(a, foo=1)


def test_shapes_of_calls_on_several_tensors_as_keras():
    """An unbuilt layer on two tensors was built with ``(1, 4)`` (the shapes of a run on zeros), a Conv1D inside it
    failed on unknown lengths taken as 1, and a nested model with a symbolic mask lost its output length."""
    keras = _keras()
    seen = {}
    for lib in (keras, tg):
        class Pair(lib.layers.Layer):
            record = seen.setdefault(lib.__name__, [])

            def build(self, input_shape):
                self.record.append(tuple(input_shape))

            def call(self, q, v):
                return q + v

        class Convolved(lib.layers.Layer):
            def __init__(self, conv_class=lib.layers.Conv1D, **kwargs):
                super().__init__(**kwargs)
                self.conv = conv_class(2, 3)

            def call(self, q, v):
                return self.conv(q + v)

        Pair()(lib.layers.Input((4,)), lib.layers.Input((4,)))
        conv_shape = Convolved()(lib.layers.Input((None, 4)), lib.layers.Input((None, 4))).shape
        i, m = lib.layers.Input((None, 4)), lib.layers.Input((None, 2), dtype="bool")
        inner = lib.models.Model([i, m], lib.layers.Softmax()(lib.layers.Conv1D(2, 3)(i), mask=m))
        nested_shape = inner([lib.layers.Input((10, 4)), lib.layers.Input((8, 2), dtype="bool")]).shape
        seen[lib.__name__].extend([conv_shape, nested_shape])
    assert seen["tinygradconv"] == seen["keras"] == [(None, 4), (None, None, 2), (None, 8, 2)]


def test_a_subclassed_model_of_two_tensors_summarises_clones_and_says_how_to_load(tmp_path, capsys):
    class Pair(models.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.dense = layers.Dense(3)

        def call(self, x, y):
            return self.dense(x) + self.dense(y)

    model = Pair()
    model(np.ones((2, 4)), np.ones((2, 4)))
    model.summary()                     # it re-ran the model on one input: "missing 1 required positional argument"
    assert re.search(r"dense\w* \(Dense\) +\? +15", capsys.readouterr().out)      # its shape unknown: "?"
    clone = models.clone_model(model)
    assert clone(np.ones((2, 4)), np.ones((2, 4))).shape == (2, 3)
    model.save(tmp_path / "pair.npz")
    with pytest.raises(tg.saving.SavedFileError, match=r"calls on several tensors.*call it once on data.*load_weights"):
        tg.saving.load_model(tmp_path / "pair.npz", custom_objects={"Pair": Pair})


def test_numpy_numbers_by_position_are_tensors_as_keras():
    keras = _keras()
    for lib in (keras, tg):
        class Scale(lib.layers.Layer):
            def call(self, q, s):
                return q * s

        out = Scale()(np.ones((1, 2), "float32"), np.float32(2.0))
        out = out.detach() if hasattr(out, "detach") else out
        np.testing.assert_array_equal(np.asarray(out), [[2.0, 2.0]])
        with pytest.raises(ValueError, match=r"(?i)only (input )?tensors may be passed"):
            Scale()(np.ones((1, 2), "float32"), 2.0)
