"""The warnings of metrics.py and callbacks.py name the user's file and line (``validation.caller_stacklevel``),
not a line of tinygradconv's fit loop: a warning's ``filename`` is this test file."""
import warnings

import numpy as np
import pytest

import tinygradconv as tg

X = np.random.default_rng(0).normal(size=(8, 3)).astype("float32")
Y = X.sum(axis=1, keepdims=True)


def _recorded(run):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run()
    ours = [w for w in caught if issubclass(w.category, UserWarning)]
    assert ours, "no warning"
    return ours


def _model():
    model = tg.models.Sequential([tg.layers.Input((3,)), tg.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    return model


def test_r2_score_warning_names_the_callers_line():
    metric = tg.metrics.R2Score(num_regressors=5)
    metric.update_state(Y[:3], Y[:3] + 0.1)
    caught = _recorded(metric.result)
    assert "More independent predictors than datapoints" in str(caught[0].message)
    assert caught[0].filename == __file__


def test_iou_float_weight_warning_names_the_callers_line():
    metric = tg.metrics.IoU(num_classes=2, target_class_ids=[0], dtype="int32")
    caught = _recorded(lambda: metric.update_state(np.array([0, 1]), np.array([0, 1]),
                                                   sample_weight=np.array([1.0, 1.0])))
    assert "You are passing weight as `float`" in str(caught[0].message)
    assert caught[0].filename == __file__


@pytest.mark.parametrize("make, words", [
    (lambda path: tg.callbacks.EarlyStopping(monitor="nope", mode="min"), "Early stopping conditioned on metric"),
    (lambda path: tg.callbacks.ReduceLROnPlateau(monitor="nope", mode="min"), "Learning rate reduction is conditioned"),
    (lambda path: tg.callbacks.ModelCheckpoint(path, monitor="nope", save_best_only=True, mode="min"),
     "Can save best model only with nope available"),
])
def test_callback_warnings_name_the_line_that_calls_fit(tmp_path, make, words):
    model = _model()
    callback = make(str(tmp_path / "m.tgc.npz"))
    caught = _recorded(lambda: model.fit(X, Y, epochs=1, verbose=0, callbacks=[callback]))
    mine = [w for w in caught if words in str(w.message)]
    assert mine and all(w.filename == __file__ for w in mine), [(w.filename, w.lineno) for w in mine]
