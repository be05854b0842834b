"""The warnings of fit/evaluate/predict running out of data, and of saving and loading files, point at the line
of the user's code that called them (``warning.filename`` is this file), however deep in the package they are
made (:func:`tinygradconv.validation.caller_stacklevel`)."""
import warnings

import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv import layers


def _model(name="dense", compiled=True, units=1):
    model = tg.models.Sequential([layers.Input((2,)), layers.Dense(units, name=name)])
    if compiled:
        model.compile(optimizer="sgd", loss="mse")
    return model


def _warnings_of(run, match):
    """The warnings whose message holds ``match`` that ``run()`` gives (at least one)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run()
    found = [w for w in caught if match in str(w.message)]
    assert found, [str(w.message) for w in caught]
    return found


X, Y = np.ones((4, 2), np.float32), np.ones((4, 1), np.float32)


@pytest.mark.parametrize("method", ["fit", "evaluate", "predict"])
def test_running_out_of_data_points_at_the_callers_line(method):
    model = _model()
    run = {"fit": lambda: model.fit(X, Y, batch_size=2, steps_per_epoch=3, epochs=1, verbose=0),
           "evaluate": lambda: model.evaluate(X, Y, batch_size=2, steps=3, verbose=0),
           "predict": lambda: model.predict(X, batch_size=2, steps=3, verbose=0)}[method]
    for w in _warnings_of(run, "ran out of data"):
        assert w.filename == __file__, (w.filename, w.lineno)


def test_saving_an_unbuilt_model_points_at_the_callers_line(tmp_path):
    model = tg.models.Sequential([layers.Dense(1)])
    for w in _warnings_of(lambda: model.save(tmp_path / "m.keras"), "has not been built"):
        assert w.filename == __file__, (w.filename, w.lineno)


@pytest.mark.parametrize("where", ["keras", "json"])
def test_a_dotted_layer_name_and_a_lambda_loss_warn_at_the_callers_line(tmp_path, where):
    model = _model(name="block.dense", compiled=False)
    model.compile(optimizer="sgd", loss=lambda y, p: ((y - p) ** 2).mean())
    run = (lambda: model.save(tmp_path / "m.keras")) if where == "keras" else model.to_json
    for match in ("'.' in the name", "cannot be written as Keras 3 writes them"):
        for w in _warnings_of(run, match):
            assert w.filename == __file__, (match, w.filename, w.lineno)


def test_a_lambda_loss_in_a_npz_file_warns_at_the_callers_line(tmp_path):
    model = _model(compiled=False)
    model.compile(optimizer="sgd", loss=lambda y, p: ((y - p) ** 2).mean())
    for w in _warnings_of(lambda: model.save(tmp_path / "m.npz"), "cannot be saved"):
        assert w.filename == __file__, (w.filename, w.lineno)


@pytest.mark.parametrize("suffix", [".weights.npz", ".weights.h5"])
def test_skip_mismatch_warns_at_the_callers_line(tmp_path, suffix):
    if suffix == ".weights.h5":
        pytest.importorskip("h5py", reason="the .weights.h5 format needs h5py")
    _model(units=3).save_weights(tmp_path / f"w{suffix}")
    model = _model()
    for w in _warnings_of(lambda: model.load_weights(tmp_path / f"w{suffix}", skip_mismatch=True), "skip_mismatch"):
        assert w.filename == __file__, (w.filename, w.lineno)
