"""Models of a dict of outputs against Keras 3.15.1 (run here as the reference, on torch): ``predict`` and
``predict_on_batch`` of a ``predict_step`` of your own that returns the dict, a ``Sequential`` ending in such a
model, a dict of one output with compiled metrics, the connectivity Jacobian of such a model, and
``Model.compute_metrics`` in a ``train_step`` of your own (Keras' guide)."""
import numpy as np
import pytest
from helpers import keras_on_torch

import tinygradconv as tg
from tinygradconv import layers, viz

_X = np.random.default_rng(0).normal(size=(8, 3)).astype("f4")
_Y = {"zout": np.random.default_rng(1).normal(size=(8, 1)).astype("f4"),
      "aout": np.random.default_rng(2).normal(size=(8, 2)).astype("f4")}


def _dict_model(lib, cls=None, keys=("zout", "aout")):
    """``cls(i, {"zout": Dense(1)(i), "aout": Dense(2)(i)})`` (the keys given), named layers."""
    i = lib.layers.Input((3,), name="i")
    units = {"zout": 1, "aout": 2}
    return (cls or lib.models.Model)(i, {k: lib.layers.Dense(units[k], name=k[0] + "o")(i) for k in keys})


def _same_weights(ours, theirs):
    ours.set_weights([np.asarray(w) for w in theirs.get_weights()])


def _assert_same_dict(got, expected):
    assert isinstance(got, dict)
    assert list(got) == list(expected)
    for key in expected:
        assert isinstance(got[key], np.ndarray)
        np.testing.assert_allclose(got[key], np.asarray(expected[key]), rtol=1e-5, atol=1e-6)


def _predict_step_class(lib):
    class OwnPredictStep(lib.models.Model):
        def predict_step(self, data):
            return self(data, training=False)
    return OwnPredictStep


@pytest.mark.parametrize("batch_size", [None, 3])
def test_a_predict_step_of_your_own_returning_the_dict(batch_size):
    keras = keras_on_torch("Keras 3 is the reference for predict with a dict of outputs")
    theirs = _dict_model(keras, _predict_step_class(keras))
    ours = _dict_model(tg, _predict_step_class(tg))
    _same_weights(ours, theirs)
    expected = theirs.predict(_X, batch_size=batch_size, verbose=0)
    _assert_same_dict(ours.predict(_X, batch_size=batch_size, verbose=0), expected)
    _assert_same_dict(ours.predict_on_batch(_X), theirs.predict_on_batch(_X))
    assert {k: v.shape for k, v in expected.items()} == {"aout": (8, 2), "zout": (8, 1)}


def test_the_default_predict_step_returns_the_dict():
    keras = keras_on_torch("Keras 3 is the reference for predict_step")
    theirs, ours = _dict_model(keras), _dict_model(tg)
    _same_weights(ours, theirs)
    expected = {k: v.detach().numpy() for k, v in theirs.predict_step(_X).items()}
    got = ours.predict_step(_X)
    assert isinstance(got, dict)
    _assert_same_dict({k: v.numpy() for k, v in got.items()}, expected)
    _assert_same_dict(ours.predict(_X, batch_size=3, verbose=0), theirs.predict(_X, batch_size=3, verbose=0))


def _sequential_of_a_dict_model(lib):
    inner_input = lib.layers.Input((3,), name="ii")
    inner = lib.models.Model(inner_input, {"z": lib.layers.Dense(1, name="zd")(inner_input),
                                           "a": lib.layers.Dense(2, name="ad")(inner_input)})
    return lib.models.Sequential([lib.layers.Input((3,)), inner])


def test_a_sequential_ending_in_a_dict_output_model():
    keras = keras_on_torch("Keras 3 is the reference for a Sequential holding a model of dict outputs")
    theirs, ours = _sequential_of_a_dict_model(keras), _sequential_of_a_dict_model(tg)
    _same_weights(ours, theirs)
    _assert_same_dict(ours.predict(_X, verbose=0), theirs.predict(_X, verbose=0))
    _assert_same_dict(ours.predict_on_batch(_X), theirs.predict_on_batch(_X))
    expected = theirs(keras.layers.Input((3,)))
    got = ours(layers.Input((3,)))
    assert isinstance(got, dict)
    assert list(got) == list(expected) == ["z", "a"]
    assert {k: tuple(v.shape) for k, v in got.items()} == {k: tuple(v.shape) for k, v in expected.items()}
    # a functional model on that symbolic dict runs as the Sequential does
    j = layers.Input((3,))
    _assert_same_dict(tg.models.Model(j, ours(j)).predict(_X, verbose=0), theirs.predict(_X, verbose=0))


def _one_output_dict_model(lib):
    return _dict_model(lib, keys=("zout",))


@pytest.mark.parametrize("method", ["evaluate", "test_on_batch", "train_on_batch", "fit"])
def test_a_dict_of_one_output_with_compiled_metrics(method):
    keras = keras_on_torch("Keras 3 is the reference for a model of one output given as a dict")
    y = _Y["zout"]
    models = {keras: _one_output_dict_model(keras), tg: _one_output_dict_model(tg)}
    _same_weights(models[tg], models[keras])
    results = []
    for lib, model in models.items():
        model.compile(lib.optimizers.SGD(0.1), "mse", metrics=["mae"])
        if method == "fit":
            logs = model.fit(_X, y, validation_data=(_X, y), epochs=2, batch_size=4, shuffle=False, verbose=0).history
        elif method == "evaluate":
            logs = model.evaluate(_X, y, verbose=0, return_dict=True)
        else:
            logs = getattr(model, method)(_X, y, return_dict=True)
        results.append(logs)
    expected, got = results
    assert sorted(got) == sorted(expected)
    for key in expected:
        np.testing.assert_allclose(got[key], expected[key], rtol=1e-5)


@pytest.mark.parametrize("outputs", ["dict", "list"])
def test_the_output_shape_of_a_model_of_one_output_in_a_dict_or_list(outputs):
    keras = keras_on_torch("Keras 3 is the reference for output_shape")
    shapes = []
    for lib in (keras, tg):
        i = lib.layers.Input((3,))
        out = lib.layers.Dense(1)(i)
        shapes.append(lib.models.Model(i, {"zout": out} if outputs == "dict" else [out]).output_shape)
    assert shapes[1] == tuple(shapes[0]) == (None, 1)


def test_the_connectivity_jacobian_of_a_dict_of_one_output():
    """``J[n, j] = sum over channels of d y[n, c] / d x[j, c']``: for a valid Conv1D of kernel ``W[k, c', c]``,
    ``y[n, c] = sum_k sum_c' x[n + k, c'] W[k, c', c]``, so ``J[n, j] = sum W[j - n]`` for ``0 <= j - n < 3``."""
    i = layers.Input((10, 2))
    conv = layers.Conv1D(3, 3, use_bias=False)
    model = tg.models.Model(i, {"out": conv(i)})
    kernel = conv.kernel.numpy()
    expected = np.zeros((8, 10))
    for n in range(8):
        for k in range(3):
            expected[n, n + k] = kernel[k].sum()
    got = viz.model_connectivity_matrix(model, 10, weights="model")
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def _guide_train_step_model(lib):
    """Keras' guide's ``train_step`` on torch, ending with ``return self.compute_metrics(x, y, y_pred)``."""
    class GuideStep(lib.models.Model):
        def train_step(self, data):
            x, y = data
            self.zero_grad()
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred)
            loss.backward()
            weights = self.trainable_weights
            grads = [getattr(w, "value", w).grad for w in weights]
            with (tg.no_grad() if lib is tg else __import__("torch").no_grad()):
                self.optimizer.apply(grads, weights)
            self.seen_metrics = [m.name for m in self.metrics]
            return self.compute_metrics(x, y, y_pred)
    return _dict_model(lib, GuideStep)


def test_compute_metrics_in_a_train_step_of_your_own():
    keras = keras_on_torch("Keras 3 is the reference for compute_metrics")
    models = {keras: _guide_train_step_model(keras), tg: _guide_train_step_model(tg)}
    _same_weights(models[tg], models[keras])
    histories, seen = [], []
    for lib, model in models.items():
        model.compile(lib.optimizers.SGD(0.1), "mse", metrics={"zout": ["mae"], "aout": ["mse"]})
        histories.append(model.fit(_X, _Y, epochs=2, batch_size=4, shuffle=False, verbose=0).history)
        seen.append(model.seen_metrics)
    expected, got = histories
    assert sorted(got) == sorted(expected) == ["aout_loss", "aout_mse", "loss", "zout_loss", "zout_mae"]
    for key in expected:
        np.testing.assert_allclose(got[key], expected[key], rtol=1e-5, atol=1e-7)
    assert seen[1] == seen[0] == ["loss", "compile_metrics", "aout_loss", "zout_loss"]


def test_compute_metrics_of_one_output():
    """A plain model: the compiled metrics updated from ``y`` and ``y_pred``, the loss tracker not (as Keras)."""
    keras = keras_on_torch("Keras 3 is the reference for compute_metrics")
    models = {lib: lib.models.Sequential([lib.layers.Input((3,)), lib.layers.Dense(1, name="d")])
              for lib in (keras, tg)}
    _same_weights(models[tg], models[keras])
    results = []
    for model in models.values():
        model.compile("sgd", "mse", metrics=["mae"])
        model.evaluate(_X, _Y["zout"], verbose=0)      # builds the metrics
        model.reset_metrics()
        y_pred = model(_X)
        logs = model.compute_metrics(_X, _Y["zout"], y_pred, sample_weight=None)
        results.append({k: float(v) for k, v in logs.items()})
    assert results[1] == pytest.approx(results[0], rel=1e-5)
    assert results[1]["mae"] == pytest.approx(float(np.abs(_Y["zout"] - np.asarray(y_pred.numpy())).mean()), rel=1e-5)
