"""The metrics Keras 3 builds from its losses (``"mape"``, ``"hinge"``, ``CosineSimilarity``, ...): hand-computed
cases, Keras (on torch) as the reference for streams of batches with and without ``sample_weight``, names through
``compile``, and the direction ``EarlyStopping`` takes in mode ``"auto"``."""
import numpy as np
import pytest
from helpers import keras_on_torch

from tinygradconv import callbacks, layers, losses, metrics, models

REASON = "Keras 3 is the reference for the metrics built from losses"
RNG = np.random.default_rng(7)
BATCHES = [(RNG.uniform(0, 1, (5, 3)).astype("float32"), RNG.uniform(0.05, 1, (5, 3)).astype("float32"),
            RNG.uniform(0, 2, 5).astype("float32")) for _ in range(3)]
BATCHES[1][0][0] = 0.0                                   # a zero target (mape divides by epsilon) and a zero vector
HINGE_BATCHES = [((y > 0.5).astype("float32"), p * 2 - 1, w) for y, p, w in BATCHES]
ONE_HOT = [(np.eye(3, dtype="float32")[RNG.integers(0, 3, 5)], p, w) for _, p, w in BATCHES]
CASES = {"MeanAbsolutePercentageError": BATCHES, "MeanSquaredLogarithmicError": BATCHES, "Hinge": HINGE_BATCHES,
         "SquaredHinge": HINGE_BATCHES, "CategoricalHinge": ONE_HOT, "Poisson": BATCHES, "KLDivergence": ONE_HOT,
         "LogCoshError": BATCHES, "CosineSimilarity": BATCHES}


def test_by_hand():
    m = metrics.CosineSimilarity()
    m.update_state([[1.0, 0.0], [0.0, 1.0]], [[2.0, 0.0], [1.0, 0.0]], sample_weight=[3.0, 1.0])
    assert m.result() == pytest.approx(3 / 4)            # (3 * 1 + 1 * 0) / (3 + 1)
    m = metrics.get("mape")
    m.update_state([[100.0, 200.0]], [[90.0, 210.0]])
    m.update_state([[10.0, 10.0]], [[10.0, 10.0]])
    assert m.name == "mean_absolute_percentage_error" and m.result() == pytest.approx(7.5 / 2)
    by_hand = np.log(1 / 0.5) + 1e-7 * np.log(1e-7 / 0.5)      # y and p clipped to [1e-7, 1]
    assert metrics.KLDivergence()([[1.0, 0.0]], [[0.5, 0.5]]) == pytest.approx(by_hand, rel=1e-6)


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("weighted", [False, True])
def test_streams_of_batches_as_keras(name, weighted):
    keras = keras_on_torch(REASON)
    ours, theirs = getattr(metrics, name)(), getattr(keras.metrics, name)()
    assert ours.name == theirs.name
    for y, p, w in CASES[name]:
        ours.update_state(y, p, sample_weight=w if weighted else None)
        theirs.update_state(y, p, sample_weight=w if weighted else None)
        assert ours.result() == pytest.approx(float(theirs.result()), rel=2e-6, abs=1e-7), name


@pytest.mark.parametrize("name", ["mape", "msle", "mean_absolute_percentage_error", "hinge", "squared_hinge",
                                  "categorical_hinge", "poisson", "kl_divergence", "log_cosh_error",
                                  "cosine_similarity", "CosineSimilarity", "LogCoshError"])
def test_names_resolve_to_keras_classes_and_configs_round_trip(name):
    keras = keras_on_torch(REASON)
    ours = metrics.get(name)
    assert type(ours).__name__ == type(keras.metrics.get(name)).__name__
    again = type(ours).from_config(ours.get_config())
    assert again.get_config() == ours.get_config()


def test_through_a_model_and_early_stopping_directions():
    x = RNG.normal(size=(8, 3)).astype("float32")
    y = RNG.uniform(0.1, 1, (8, 2)).astype("float32")
    a = layers.Input((3,))
    model = models.Model(a, layers.Dense(2, activation="softplus")(a))
    model.compile(optimizer="sgd", loss="mse", metrics=["mape", "poisson", "cosine_similarity"])
    by_cos = callbacks.EarlyStopping(monitor="val_cosine_similarity", patience=5)
    by_mape = callbacks.EarlyStopping(monitor="val_mape", patience=5)
    history = model.fit(x, y, epochs=2, verbose=0, validation_data=(x, y), callbacks=[by_cos, by_mape]).history
    assert sorted(history) == ["cosine_similarity", "loss", "mape", "poisson", "val_cosine_similarity", "val_loss",
                               "val_mape", "val_poisson"]
    assert by_cos._mode == "max" and by_mape._mode == "min"
    p = model.predict(x, verbose=0)
    cos = np.sum(y * p, axis=1) / np.linalg.norm(y, axis=1) / np.linalg.norm(p, axis=1)
    evaluated = model.evaluate(x, y, verbose=0, return_dict=True)
    assert evaluated["cosine_similarity"] == pytest.approx(cos.mean(), rel=1e-5)
    assert evaluated["mape"] == pytest.approx(100 * np.mean(np.abs((y - p) / y)), rel=1e-5)


def test_keras_metric_functions_and_configs():
    """``keras.metrics.hinge`` and the like are loss functions Keras exports from its metrics module; Keras' metric
    configs carry a ``dtype`` (found by a tester: ``TypeError: Hinge.__init__() got an unexpected keyword``)."""
    keras = keras_on_torch(REASON)
    for name in ("hinge", "squared_hinge", "categorical_hinge", "poisson", "kl_divergence", "log_cosh",
                 "mean_absolute_percentage_error", "mean_squared_logarithmic_error", "binary_crossentropy",
                 "categorical_crossentropy", "huber"):
        assert callable(getattr(keras.metrics, name)) and getattr(metrics, name) is getattr(losses, name)
    for cls in ("Hinge", "CosineSimilarity", "MeanSquaredError", "Precision", "AUC"):
        config = keras.metrics.serialize(getattr(keras.metrics, cls)())
        assert type(metrics.get(config)).__name__ == cls
    with pytest.raises(TypeError, match="Invalid type for argument `axis`"):
        metrics.CosineSimilarity(axis="1")


def test_a_loss_function_from_the_metrics_module_is_logged_and_minimised():
    x = RNG.normal(size=(8, 3)).astype("float32")
    y = np.sign(RNG.normal(size=(8, 1))).astype("float32")
    model = models.Sequential([layers.Input((3,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", metrics=[metrics.hinge])
    stop = callbacks.EarlyStopping(monitor="val_hinge", patience=3)
    history = model.fit(x, y, epochs=1, verbose=0, validation_data=(x, y), callbacks=[stop]).history
    p = model.predict(x, verbose=0)
    assert stop._mode == "min"
    assert model.evaluate(x, y, verbose=0, return_dict=True)["hinge"] == pytest.approx(
        np.mean(np.maximum(1 - y * p, 0)), rel=1e-5)
    assert "val_hinge" in history
