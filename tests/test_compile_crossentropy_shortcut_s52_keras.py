"""``compile(loss="ce")`` and ``loss="crossentropy"`` (any case): Keras 3.15's compile shortcut, which picks binary,
sparse categorical or categorical crossentropy from the shapes of each output's targets and predictions
(``keras/src/trainers/compile_utils.py``, ``get_loss``), with ``from_logits=False``. Checked against Keras itself
and against the crossentropies written out from their formulas on every backend."""
import numpy as np
import pytest
from helpers import keras_on_torch

import tinygradconv as tg
from tinygradconv import layers, losses, models

REASON = "Keras 3 is the reference of compile's 'ce'/'crossentropy' loss shortcut"


def _bce(y, p):
    eps = 1e-7
    p = np.clip(p, eps, 1 - eps)
    return float(np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p))))


def _cce(onehot, p):
    p = np.clip(p / p.sum(-1, keepdims=True), 1e-7, 1 - 1e-7)
    return float(np.mean(-(onehot * np.log(p)).sum(-1)))


@pytest.mark.parametrize("name", ["ce", "CE", "crossentropy", "CrossEntropy"])
def test_shortcut_picks_the_crossentropy_of_the_shapes(name, on_backend):
    """One model per kind: a sigmoid column is binary, a softmax with labels sparse, with one-hot targets
    categorical, each equal to its formula (in float64, probabilities as given: from_logits=False)."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(8, 4))
    labels = np.arange(8) % 3
    onehot = np.eye(3)[labels]
    for units, activation, y, reference in [
            (1, "sigmoid", (labels > 0).astype("float64")[:, None], _bce),
            (3, "softmax", labels, lambda y, p: _cce(onehot, p)),
            (3, "softmax", labels[:, None], lambda y, p: _cce(onehot, p)),     # labels of one column: sparse
            (3, "softmax", onehot, _cce),
            (3, "relu", onehot, _cce)]:      # outputs read as probabilities (normalized), never as logits
        inputs = layers.Input((4,), dtype="float64")
        model = models.Model(inputs, layers.Dense(units, activation=activation, dtype="float64",
                                                  bias_initializer="ones")(inputs))
        model.compile("sgd", loss=name)
        p = model.predict(x, verbose=0)
        assert model.evaluate(x, y, verbose=0) == pytest.approx(reference(y, p), rel=1e-6)   # (logged in float32)
        assert model.loss == name       # what was given, as Keras keeps it (and saves it)


def test_target_kind_is_keras_rule():
    assert losses.target_kind((5, 1), (5, 1)) == "binary"
    assert losses.target_kind((5,), (5, 1)) == "binary"
    assert losses.target_kind((5,), (5, 3)) == "sparse"
    assert losses.target_kind((5, 1), (5, 3)) == "sparse"
    assert losses.target_kind((5, 7), (5, 7, 3)) == "sparse"
    assert losses.target_kind((5, 3), (5, 3)) == "categorical"
    assert losses.target_kind((5,), (5,)) == "categorical"      # one axis: the batch is the last axis (Keras too)


def test_not_a_name_of_losses_get_nor_of_metrics():
    """As in Keras: a compile shortcut for the loss only (``keras.losses.get("ce")`` and ``metrics=["ce"]`` fail)."""
    with pytest.raises(ValueError, match="'ce'"):
        losses.get("ce")
    model = models.Sequential([layers.Input((3,)), layers.Dense(2)])
    with pytest.raises(ValueError, match="'ce'"):
        model.compile("sgd", loss="mse", metrics=["ce"])


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_same_losses_as_keras_for_each_output():
    """One shortcut for two outputs resolves for each (binary, then sparse; then categorical given one-hot targets);
    a list of shortcuts too; the logged losses are Keras'."""
    keras = keras_on_torch(REASON)
    rng = np.random.default_rng(1)
    x = rng.normal(size=(10, 4)).astype("float32")
    labels = np.arange(10) % 3
    results, weights = [], {}     # Keras' initial weights, given to ours
    for lib in (keras, tg):
        inputs = lib.layers.Input((4,))
        outputs = [lib.layers.Dense(1, activation="sigmoid", name="b")(inputs),
                   lib.layers.Dense(3, activation="softmax", name="c")(inputs)]
        model = lib.Model(inputs, outputs)
        model.set_weights(weights.setdefault("two", model.get_weights()))
        logs = []
        model.compile("sgd", loss="ce")
        logs.append(model.evaluate(x, [(labels > 0).astype("float32"), labels], verbose=0, return_dict=True))
        model.compile("sgd", loss=["crossentropy", "Ce"])
        logs.append(model.evaluate(x, [(labels > 0).astype("float32"), np.eye(3)[labels]], verbose=0,
                                   return_dict=True))
        # logits read as probabilities, as Keras' shortcut calls the functions with from_logits=False
        single = lib.Model(inputs, lib.layers.Dense(3, name="d")(inputs))
        single.set_weights(weights.setdefault("one", single.get_weights()))
        single.compile("sgd", loss="CE")
        logs.append({"loss": single.evaluate(np.abs(x), labels, verbose=0)})
        results.append(logs)
    for theirs, ours in zip(*results):
        assert sorted(theirs) == sorted(ours)
        for key in theirs:
            assert ours[key] == pytest.approx(theirs[key], rel=1e-5, abs=1e-6), key


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_saved_shortcut_loads_both_ways(tmp_path):
    """The compile config holds the string given, as Keras writes it: each library reads the other's file."""
    pytest.importorskip("h5py", reason="h5py reads and writes the weights of .keras files")
    keras = keras_on_torch(REASON)
    x = np.random.default_rng(2).normal(size=(6, 4)).astype("float32")
    labels = np.arange(6) % 3
    theirs = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    theirs.compile("sgd", loss="CE")
    theirs.save(tmp_path / "theirs.keras")
    ours = models.Sequential([layers.Input((4,)), layers.Dense(3, activation="softmax")])
    ours.set_weights(theirs.get_weights())
    ours.compile("sgd", loss="CE")
    ours.save(tmp_path / "ours.keras")
    expected = theirs.evaluate(x, labels, verbose=0)
    loaded = tg.saving.load_model(tmp_path / "theirs.keras")
    assert loaded.loss == "CE"
    assert loaded.evaluate(x, labels, verbose=0) == pytest.approx(expected, rel=1e-5)
    back = keras.saving.load_model(tmp_path / "ours.keras")
    assert back.loss == "CE"
    assert back.evaluate(x, labels, verbose=0) == pytest.approx(expected, rel=1e-5)
