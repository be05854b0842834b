"""The correlation metrics of Keras 3.15: ``pearson_correlation`` and ``concordance_correlation`` (functions) and
``PearsonCorrelation`` and ``ConcordanceCorrelation`` (classes).

References, never the code under test: Keras 3.15's same functions and classes on torch, fed the same inputs, and
the coefficients computed from their formulas by a float64 loop over samples (Pearson, 1895; Lin, 1989).
"""
import warnings

import numpy as np
import pytest
from helpers import keras_on_torch

import tinygradconv as tg
from tinygradconv import layers, metrics, models, optimizers

KERAS = "Keras 3 is the reference for the correlation metrics"
FUNCTIONS = ["pearson_correlation", "concordance_correlation"]
CLASSES = ["PearsonCorrelation", "ConcordanceCorrelation"]
TOLERANCE = {"float16": 3e-3, "float32": 2e-5, "float64": 2e-5}   # Keras takes float64 means in float32 on torch


def _keras(x):
    return np.asarray(x.detach().cpu().numpy(), dtype=np.float64)


def _by_loop(name, y_true, y_pred):
    """The coefficient of each row, from the formula, in float64 (population moments)."""
    out = []
    for t, p in zip(np.asarray(y_true, np.float64), np.asarray(y_pred, np.float64)):
        mt, mp = sum(t) / len(t), sum(p) / len(p)
        vt = sum((a - mt) ** 2 for a in t) / len(t)
        vp = sum((b - mp) ** 2 for b in p) / len(p)
        cov = sum((a - mt) * (b - mp) for a, b in zip(t, p)) / len(t)
        out.append(cov / (vt * vp) ** 0.5 if name == "pearson_correlation" else 2 * cov / (vt + vp + (mt - mp) ** 2))
    return np.array(out)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_functions_follow_the_formula_by_a_loop(name):
    rng = np.random.default_rng(0)
    y_true = rng.normal(size=(6, 5))
    y_pred = 2 * y_true + rng.normal(size=(6, 5)) + 1          # related, with a scale and an offset
    np.testing.assert_allclose(getattr(metrics, name)(y_true, y_pred), _by_loop(name, y_true, y_pred), rtol=1e-6)


def test_keras_docstring_examples_by_hand():
    """Keras' own examples: Pearson [1, 0.99339927], concordance [0.97560976, 0.98765432]; classes' mean of both."""
    y_true, y_pred = [[0, 1, 0.5], [1, 1, 0.2]], [[0.1, 0.9, 0.5], [1, 0.9, 0.2]]
    np.testing.assert_allclose(metrics.pearson_correlation(y_true, y_pred), [1.0, 0.99339927], rtol=1e-6)
    np.testing.assert_allclose(metrics.concordance_correlation(y_true, y_pred), [0.97560976, 0.98765432], rtol=1e-6)
    for cls, expected in ((metrics.PearsonCorrelation, 0.9966996338993913),
                          (metrics.ConcordanceCorrelation, 0.9816320385426076)):
        m = cls()
        m.update_state(y_true, y_pred)
        np.testing.assert_allclose(m.result(), expected, rtol=1e-6)


def _inputs():
    rng = np.random.default_rng(1)
    a = rng.normal(size=(5, 4))
    return {
        "random": (a, a + rng.normal(size=(5, 4))),
        "rank 1": (a[0], a[1]),
        "rank 3": (rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 3, 4))),
        "offset": (a + 100, 3 * a + 50 + rng.normal(size=(5, 4))),
        "constant": (np.ones((2, 3)), np.array([[1.0, 1.0, 1.0], [1.0, 2.0, 3.0]])),
        "NaN": (np.array([[0.0, 1.0, np.nan], [1.0, 2.0, 3.0]]), np.array([[0.1, 0.9, 0.5], [1.0, 0.9, 0.2]])),
        "empty batch": (np.zeros((0, 3)), np.zeros((0, 3))),
        "empty features": (np.zeros((2, 0)), np.zeros((2, 0))),
        "column against rank 1": (np.array([[1.0], [2.0]]), np.array([1.0, 3.0])),
    }


@pytest.mark.parametrize("name", FUNCTIONS)
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("case", sorted(_inputs()))
def test_functions_match_keras(name, dtype, case):
    keras = keras_on_torch(KERAS)
    y_true, y_pred = (x.astype(dtype) for x in _inputs()[case])
    axes = [-1, 0, None, (0, 1)] if y_pred.ndim >= 2 else [-1]
    if case == "column against rank 1" and dtype == "float64":
        axes = []       # Keras takes float64 means in float32: one value minus its mean is not 0 there (+-inf)
    for axis in axes:
        got = getattr(metrics, name)(y_true, y_pred, axis=axis)
        expected = _keras(getattr(keras.metrics, name)(y_true, y_pred, axis=axis))
        assert got.dtype == dtype and got.shape == expected.shape, axis
        np.testing.assert_allclose(got, expected, rtol=TOLERANCE[dtype], atol=TOLERANCE[dtype], err_msg=str(axis))


def test_constant_samples_pearson_nan_concordance_zero_as_keras():
    """0 / 0 for Pearson (NaN); 0 / epsilon for concordance (0, even when the prediction equals the target)."""
    keras = keras_on_torch(KERAS)
    y_true, y_pred = np.ones((2, 3)), np.array([[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]])
    assert np.isnan(metrics.pearson_correlation(y_true, y_pred)).all()
    assert np.isnan(_keras(keras.metrics.pearson_correlation(y_true, y_pred))).all()
    np.testing.assert_array_equal(metrics.concordance_correlation(y_true, y_pred), [0.0, 0.0])
    np.testing.assert_array_equal(_keras(keras.metrics.concordance_correlation(y_true, y_pred)), [0.0, 0.0])


@pytest.mark.parametrize("name", FUNCTIONS)
def test_integer_inputs_are_computed_in_float32_as_keras(name):
    keras = keras_on_torch(KERAS)
    y_true, y_pred = np.array([[0, 1, 2], [3, 1, 2]]), np.array([[1, 2, 4], [0, 0, 5]])
    got = getattr(metrics, name)(y_true, y_pred)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, _keras(getattr(keras.metrics, name)(y_true, y_pred)), rtol=1e-6)
    np.testing.assert_allclose(got, _by_loop(name, y_true, y_pred), rtol=1e-6)


@pytest.mark.parametrize("name", CLASSES)
@pytest.mark.parametrize("dtype", [None, "float16", "float32", "float64"])
@pytest.mark.parametrize("weights", ["none", "per sample", "column"])
def test_classes_match_keras_after_every_batch(name, dtype, weights):
    """Keras' MeanMetricWrapper: the weighted mean of each sample's coefficient over every batch (not the
    coefficient of all values together); an empty batch between."""
    keras = keras_on_torch(KERAS)
    rng = np.random.default_rng(7)
    kwargs = {} if dtype is None else {"dtype": dtype}
    ours, theirs = getattr(metrics, name)(**kwargs), getattr(keras.metrics, name)(**kwargs)
    by_hand_total = by_hand_count = 0.0
    for batch, size in enumerate([4, 0, 3, 5]):
        y_true = rng.normal(size=(size, 6)).astype("float32")
        y_pred = (y_true + rng.normal(size=(size, 6))).astype("float32")
        sample_weight = {"none": None, "per sample": rng.uniform(0, 2, size).astype("float32"),
                         "column": rng.uniform(0, 2, (size, 1)).astype("float32")}[weights]
        ours.update_state(y_true, y_pred, sample_weight=sample_weight)
        theirs.update_state(y_true, y_pred, sample_weight=sample_weight)
        tolerance = TOLERANCE[dtype or "float32"]
        np.testing.assert_allclose(ours.result(), _keras(theirs.result()), rtol=tolerance, atol=tolerance,
                                   err_msg=f"batch {batch}")
        w = np.ones(size) if sample_weight is None else sample_weight.ravel().astype(np.float64)
        by_hand_total += (w * _by_loop(FUNCTIONS[CLASSES.index(name)], y_true, y_pred)).sum()
        by_hand_count += w.sum()
        np.testing.assert_allclose(ours.result(), by_hand_total / by_hand_count, rtol=max(tolerance, 1e-5))
    if dtype is not None:
        assert ours.result().dtype == dtype
    ours.reset_state()
    assert ours.result() == 0.0


@pytest.mark.parametrize("name", CLASSES)
def test_rank_1_batches_are_one_sample_each_as_keras(name):
    keras = keras_on_torch(KERAS)
    rng = np.random.default_rng(3)
    ours, theirs = getattr(metrics, name)(), getattr(keras.metrics, name)()
    for _ in range(3):
        y_true, y_pred = rng.normal(size=5).astype("float32"), rng.normal(size=5).astype("float32")
        ours.update_state(y_true, y_pred)
        theirs.update_state(y_true, y_pred)
        np.testing.assert_allclose(ours.result(), _keras(theirs.result()), rtol=1e-5)
    assert ours.count == float(theirs.count.numpy()) == 3


@pytest.mark.parametrize("name", CLASSES)
def test_a_nan_or_constant_sample_as_keras(name):
    keras = keras_on_torch(KERAS)
    ours, theirs = getattr(metrics, name)(), getattr(keras.metrics, name)()
    for y_true, y_pred in [(np.ones((2, 3)), np.ones((2, 3))), (np.array([[0.0, np.nan, 1.0]]), np.ones((1, 3)))]:
        ours.update_state(y_true, y_pred)
        theirs.update_state(y_true, y_pred)
        np.testing.assert_allclose(ours.result(), _keras(theirs.result()), rtol=1e-6)   # (NaN == NaN here)


@pytest.mark.parametrize("name", CLASSES)
@pytest.mark.parametrize("kwargs", [{}, {"axis": 0, "name": "c"}, {"axis": (0, 1), "dtype": "float16"}])
def test_config_both_ways_with_keras_and_get(name, kwargs):
    keras = keras_on_torch(KERAS)
    ours, theirs = getattr(metrics, name)(**kwargs), getattr(keras.metrics, name)(**kwargs)
    assert {**ours.get_config(), "dtype": ours.dtype or "float32"} == theirs.get_config()
    from_keras = metrics.get({"class_name": name, "config": theirs.get_config()})
    assert type(from_keras) is getattr(metrics, name) and from_keras.get_config() == theirs.get_config()
    assert getattr(keras.metrics, name).from_config(ours.get_config()).get_config() == theirs.get_config()
    assert type(getattr(metrics, name).from_config(ours.get_config())) is getattr(metrics, name)


@pytest.mark.parametrize("key, cls", [("pearson_correlation", "PearsonCorrelation"),
                                      ("PearsonCorrelation", "PearsonCorrelation"),
                                      ("concordance_correlation", "ConcordanceCorrelation"),
                                      ("ConcordanceCorrelation", "ConcordanceCorrelation")])
def test_get_by_name(key, cls):
    keras = keras_on_torch(KERAS)
    found = metrics.get(key)
    assert type(found) is getattr(metrics, cls)
    assert found.name == getattr(keras.metrics, cls)().name        # Keras' name, whichever string found it


def test_bad_axis_is_refused_naming_it():
    with pytest.raises(TypeError, match=r"Invalid type for argument `axis`.*axis='rows'"):
        metrics.PearsonCorrelation(axis="rows")
    with pytest.raises(ValueError, match=r"axis"):
        metrics.concordance_correlation(np.ones((2, 3)), np.ones((2, 3)), axis=2)
    with pytest.raises(ValueError, match=r"axis"):
        metrics.pearson_correlation(np.ones((2, 3)), np.ones((2, 3)), axis=(1, -1))


def test_compile_fit_evaluate_and_keras_files_both_ways(tmp_path):
    """metrics=["pearson_correlation", ConcordanceCorrelation()] in compile: the same logs as Keras for the same
    weights; a .keras file of ours loads compiled in Keras with both metrics, and Keras' loads here."""
    keras = keras_on_torch(KERAS)
    pytest.importorskip("h5py", reason="h5py reads and writes the weights of .keras files")
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(12, 3)).astype("float32"), rng.normal(size=(12, 4)).astype("float32")
    theirs = keras.Sequential([keras.layers.Input((3,)), keras.layers.Dense(4, name="d")])
    ours = models.Sequential([layers.Input((3,)), layers.Dense(4, name="d")])
    ours.set_weights([np.asarray(w) for w in theirs.get_weights()])
    theirs.compile(keras.optimizers.SGD(0.1), "mse",
                   metrics=["pearson_correlation", keras.metrics.ConcordanceCorrelation(name="ccc")])
    ours.compile(optimizers.SGD(0.1), "mse",
                 metrics=["pearson_correlation", metrics.ConcordanceCorrelation(name="ccc")])
    expected = theirs.evaluate(x, y, batch_size=4, verbose=0, return_dict=True)
    got = ours.evaluate(x, y, batch_size=4, verbose=0, return_dict=True)
    assert sorted(got) == sorted(expected) == ["ccc", "loss", "pearson_correlation"]
    for key in expected:
        # float32 sums in another order (Keras' torch reductions follow torch's thread count): a correlation near
        # 0 (0.004 here) differs in its last bits, 4e-8 absolute in a full-suite run, so an absolute bound too
        np.testing.assert_allclose(got[key], expected[key], rtol=1e-5, atol=1e-7, err_msg=key)
    ours.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    ours.save(tmp_path / "ours.keras")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loaded_in_keras = keras.saving.load_model(tmp_path / "ours.keras")
    again = models.load_model(tmp_path / "ours.keras")
    ours_logs = ours.evaluate(x, y, batch_size=4, verbose=0, return_dict=True)
    for loaded in (loaded_in_keras.evaluate(x, y, batch_size=4, verbose=0, return_dict=True),
                   again.evaluate(x, y, batch_size=4, verbose=0, return_dict=True)):
        assert sorted(loaded) == sorted(ours_logs)
        for key in ours_logs:
            np.testing.assert_allclose(loaded[key], ours_logs[key], rtol=1e-5, err_msg=key)
    theirs.save(tmp_path / "theirs.keras")
    from_keras = models.load_model(tmp_path / "theirs.keras")
    expected = theirs.evaluate(x, y, batch_size=4, verbose=0, return_dict=True)
    got = from_keras.evaluate(x, y, batch_size=4, verbose=0, return_dict=True)
    for key in expected:
        np.testing.assert_allclose(got[key], expected[key], rtol=1e-5, err_msg=key)


def test_functions_are_found_as_compile_metrics():
    """A function given to compile is logged under its name, as Keras'."""
    model = models.Sequential([layers.Input((3,)), layers.Dense(4)])
    model.compile(optimizers.SGD(0.1), "mse", metrics=[tg.metrics.pearson_correlation])
    rng = np.random.default_rng(5)
    logs = model.evaluate(rng.normal(size=(6, 3)), rng.normal(size=(6, 4)), verbose=0, return_dict=True)
    assert "pearson_correlation" in logs
