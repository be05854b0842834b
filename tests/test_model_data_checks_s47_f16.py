"""Review s47 f16: the check that tells a Python list of samples from a list of inputs reads a nested list only
down its first entries (not every number of a 2000 x 50 list), and the warnings it and others give point at the
user's line."""
import inspect
import warnings

import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv import layers
from tinygradconv.functional import _list_of_samples
from tinygradconv.models import holds_inputs


class _CountedRow(list):
    """A row of numbers that counts how many times it is iterated (reading it whole)."""
    reads = 0

    def __iter__(self):
        _CountedRow.reads += 1
        return super().__iter__()


def test_a_list_of_samples_is_told_from_inputs_without_reading_every_row_whole():
    rows = [_CountedRow(row) for row in np.random.default_rng(0).random((200, 5)).tolist()]
    _CountedRow.reads = 0
    assert _list_of_samples(rows) and not holds_inputs(rows)
    assert _CountedRow.reads == 0     # the old check iterated all 200 rows (one check per number)


@pytest.mark.parametrize("data, several", [
    ([np.ones(3), np.ones(3)], True), ({"a": np.ones(3)}, True), ([[np.ones(3)], [np.ones(3)]], True),
    ((np.ones(3),), True), ([[1.0, 2.0], [3.0, 4.0]], False), ([1, 2, 3], False), ([[[1.0]], [[2.0]]], False),
    ([[1.0, 2.0], [np.ones(2)]], True), ([{"a": 1}], True), (np.ones(3), False), ([], False)])
def test_holds_inputs_tells_several_inputs_as_keras_takes_them(data, several):
    assert holds_inputs(data) is several


def _dict_model():
    inp = layers.Input((5,))
    return tg.models.Model({"a": inp}, layers.Dense(1)(inp))


def test_a_list_of_samples_for_a_dict_of_one_input_predicts_as_its_array():
    model = _dict_model()
    data = np.random.default_rng(1).random((7, 5))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = model.predict(data.tolist(), verbose=0)
    assert any("taken as the input 'a'" in str(w.message) and w.filename == __file__ for w in caught)
    np.testing.assert_allclose(got, data @ model.layers[-1].kernel.numpy() + model.layers[-1].bias.numpy(),
                               rtol=1e-5)


# ------------------------------------------------------------------- warnings of saving and loading .keras files
def _caught(run, match):
    """The warnings whose message holds ``match`` that ``run()`` gives (at least one)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run()
    found = [w for w in caught if match in str(w.message)]
    assert found, [str(w.message) for w in caught]
    return found


def _keras_file_with_compile_config(path, **changes):
    """A .keras file of a small compiled model whose config.json's compile_config has ``changes`` (as a file Keras 3
    wrote with those compile arguments would)."""
    import json
    import zipfile

    model = tg.models.Sequential([layers.Input((2,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.save(path / "saved.keras")
    with zipfile.ZipFile(path / "saved.keras") as source, zipfile.ZipFile(path / "m.keras", "w") as target:
        for name in source.namelist():
            data = source.read(name)
            if name == "config.json":
                config = json.loads(data)
                config["compile_config"].update(changes)
                data = json.dumps(config)
            target.writestr(name, data)
    return path / "m.keras"


def test_steps_per_execution_in_a_keras_file_warns_at_the_callers_line(tmp_path):
    path = _keras_file_with_compile_config(tmp_path, steps_per_execution=4)
    for w in _caught(lambda: tg.models.load_model(path), "steps_per_execution=4"):
        assert w.filename == __file__, (w.filename, w.lineno)


def test_a_loss_that_cannot_be_compiled_warns_at_the_callers_line(tmp_path):
    path = _keras_file_with_compile_config(tmp_path, loss="no_such_loss")
    for w in _caught(lambda: tg.models.load_model(path), "could not be compiled again"):
        assert w.filename == __file__, (w.filename, w.lineno)


def test_save_model_with_a_lambda_loss_warns_at_the_callers_line(tmp_path):
    model = tg.models.Sequential([layers.Input((2,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss=lambda y, p: ((y - p) ** 2).mean())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        line = inspect.currentframe().f_lineno + 1
        tg.saving.save_model(model, tmp_path / "x.keras")     # called here, not through model.save
    found = [w for w in caught if "cannot be written" in str(w.message)]
    assert found, [str(w.message) for w in caught]
    for w in found:
        assert (w.filename, w.lineno) == (__file__, line)


# ------------------------------------------------------- warnings of fit and of masks, once at fixed stack counts
def _warned_here(run, match):
    """The (filename, line) of each warning holding ``match`` that ``run()`` gives (at least one)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run()
    found = [(w.filename, w.lineno) for w in caught if match in str(w.message)]
    assert found, [str(w.message) for w in caught]
    return found


@pytest.mark.parametrize("kind", ["functional", "sequential"])
def test_empty_validation_data_warns_at_the_callers_line(kind):
    if kind == "functional":
        inp = layers.Input((2,))
        model = tg.models.Model(inp, layers.Dense(1)(inp))
    else:
        model = tg.models.Sequential([layers.Input((2,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.ones((4, 2), np.float32), np.ones((4, 1), np.float32)
    line = inspect.currentframe().f_lineno + 1
    run = lambda: model.fit(x, y, validation_data=(x[:0], y[:0]), epochs=1, verbose=0)
    assert set(_warned_here(run, "has 0 samples")) == {(__file__, line)}


@pytest.mark.parametrize("kind", ["functional", "sequential"])
def test_a_mask_dropped_by_a_layer_warns_at_the_callers_line(kind):
    x = np.ones((4, 3, 2), np.float32)
    if kind == "functional":
        inp = layers.Input((3, 2))
        model = tg.models.Model(inp, layers.Flatten()(layers.Masking()(inp)))
    else:
        model = tg.models.Sequential([layers.Input((3, 2)), layers.Masking(), layers.Flatten()])
    line = inspect.currentframe().f_lineno + 1
    run = lambda: model(x)
    assert set(_warned_here(run, "does not support masking")) == {(__file__, line)}


class _Frame:
    """An array of another library, as a pandas DataFrame: ``__array__`` and a ``shape``, but ``dtypes``, no
    ``dtype``."""

    def __init__(self, array):
        self.array, self.shape, self.dtypes = array, array.shape, [array.dtype] * array.shape[1]

    def __array__(self, dtype=None, copy=None):
        return self.array if dtype is None else self.array.astype(dtype)

    def __len__(self):
        return len(self.array)


def test_an_array_like_without_dtype_for_a_dict_of_one_input_warns_as_an_array_does():
    model = _dict_model()
    data = np.random.default_rng(2).random((6, 5)).astype(np.float32)
    line = inspect.currentframe().f_lineno + 1
    run = lambda: model.predict(_Frame(data), verbose=0)
    assert set(_warned_here(run, "received one _Frame")) == {(__file__, line)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.testing.assert_allclose(model.predict(_Frame(data), verbose=0), model.predict(data, verbose=0))


def _own_loss(y_true, y_pred):
    return ((y_true - y_pred) ** 2).mean(axis=-1)


def _own_loss_with_weights(y_true, y_pred, sample_weight=None):   # Keras never passes it the weights
    return ((y_true - y_pred) ** 2).mean(axis=-1)


@pytest.mark.parametrize("loss", [_own_loss, _own_loss_with_weights])
def test_sample_weight_weighs_a_loss_function_of_your_own_as_keras(loss):
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(0)
    x, y, w = rng.random((8, 3), np.float32), rng.random((8, 1), np.float32), rng.random(8).astype(np.float32)
    values = []
    for lib in (tg, keras):
        inp = lib.layers.Input((3,))
        model = lib.models.Model(inp, lib.layers.Dense(1, kernel_initializer="ones", use_bias=False)(inp))
        model.compile(optimizer="sgd", loss=loss)
        values.append(model.evaluate(x, y, sample_weight=w, verbose=0))
    np.testing.assert_allclose(values[0], values[1], rtol=1e-6)
    np.testing.assert_allclose(values[0], np.sum(w * ((y - x.sum(1, keepdims=True)) ** 2)[:, 0]) / 8, rtol=1e-6)


def _one_number_loss(y_true, y_pred):   # one number for the batch: works on tinygradconv and torch tensors alike
    return ((y_true - y_pred) ** 2).mean()


@pytest.mark.parametrize("weight_shape", [(7,), (7, 1)])
def test_a_loss_of_your_own_that_returns_one_number_is_weighed_as_keras(weight_shape):
    # Keras 3 broadcasts the number against the weights: sum(w * loss) / w.size, the number times mean(w)
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(7, 3)).astype(np.float32), rng.normal(size=(7, 2)).astype(np.float32)
    w = rng.uniform(0.2, 2.0, 7).astype(np.float32).reshape(weight_shape)
    kernel, bias = rng.normal(size=(3, 2)).astype(np.float32), np.array([0.1, -0.2], np.float32)
    results = []
    for lib in (tg, keras):
        def built(lib=lib):
            inp = lib.layers.Input((3,))
            model = lib.models.Model(inp, lib.layers.Dense(2)(inp))
            model.set_weights([kernel, bias])
            model.compile(optimizer=lib.optimizers.SGD(0.1), loss=_one_number_loss)
            return model
        evaluated = built().evaluate(x, y, sample_weight=w, verbose=0)
        trained = built().train_on_batch(x, y, sample_weight=w)
        model = built()
        model.fit(x, y, sample_weight=w, batch_size=7, epochs=1, shuffle=False, verbose=0)
        results.append((evaluated, float(np.asarray(trained).reshape(-1)[0]), np.asarray(model.get_weights()[0])))
    (ours_eval, ours_train, ours_kernel), (keras_eval, keras_train, keras_kernel) = results
    unweighted = np.mean((y - (x @ kernel + bias)) ** 2)
    np.testing.assert_allclose(keras_eval, unweighted * w.mean(), rtol=1e-5)   # the rule, as Keras applies it
    np.testing.assert_allclose(ours_eval, keras_eval, rtol=1e-5)
    np.testing.assert_allclose(ours_train, keras_train, rtol=1e-5)
    np.testing.assert_allclose(ours_kernel, keras_kernel, rtol=1e-5, atol=1e-6)
