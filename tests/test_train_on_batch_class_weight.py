"""``train_on_batch(..., class_weight=...)``, as Keras 3 takes it (a tester found it refused with "unexpected keyword
argument"), against Keras on the same weights and batch: the loss returned and the weights after the step."""
import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv import layers as L

keras = pytest.importorskip("keras")


def _pair(kernel, bias):
    ours = tg.models.Sequential([L.Input((3,)), L.Dense(1, activation="sigmoid")])
    theirs = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, activation="sigmoid")])
    for model in (ours, theirs):
        model.set_weights([kernel, bias])
        model.compile(optimizer=("sgd"), loss="binary_crossentropy")
    return ours, theirs


def test_class_weight_in_train_on_batch_is_keras_step():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 3)).astype("float32")
    y = np.array([[0.0], [1.0], [1.0], [0.0]], "float32")
    kernel, bias = rng.standard_normal((3, 1)).astype("float32"), np.zeros(1, "float32")
    ours, theirs = _pair(kernel, bias)
    weights = {0: 1.0, 1: 3.0}
    loss = ours.train_on_batch(x, y, class_weight=weights)
    expected = theirs.train_on_batch(x, y, class_weight=weights)
    assert float(loss) == pytest.approx(float(expected), rel=1e-6)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    # by hand: the class weights are per-sample weights [1, 3, 3, 1]
    plain, _ = _pair(kernel, bias)
    assert float(plain.train_on_batch(x, y, sample_weight=np.array([1.0, 3.0, 3.0, 1.0]))) == \
        pytest.approx(float(loss), rel=1e-7)


def test_class_weight_and_sample_weight_together_are_refused():
    ours, _ = _pair(np.zeros((3, 1), "float32"), np.zeros(1, "float32"))
    with pytest.raises(ValueError, match="class_weight.*sample_weight"):
        ours.train_on_batch(np.zeros((2, 3)), np.zeros((2, 1)), sample_weight=np.ones(2), class_weight={0: 2.0})


@pytest.mark.parametrize("k", [1, 2, 3])
def test_sparse_top_k_from_sorted_ids_is_keras(k):
    """``SparseTopKCategoricalAccuracy(from_sorted_ids=True)``: Keras 3.15 takes it (a tester found it refused)."""
    y_true = np.array([2, 0, 7, 3])
    ids = np.array([[2, 5, 1], [1, 3, 0], [7, 7, 2], [4, 1, 3]])      # a repeated id counts once
    ours = tg.metrics.SparseTopKCategoricalAccuracy(k=k, from_sorted_ids=True)
    theirs = keras.metrics.SparseTopKCategoricalAccuracy(k=k, from_sorted_ids=True)
    ours.update_state(y_true, ids)
    theirs.update_state(y_true, ids)
    assert ours.result() == pytest.approx(float(theirs.result()))
    by_hand = {1: 2 / 4, 2: 2 / 4, 3: 4 / 4}[k]
    assert ours.result() == pytest.approx(by_hand)
    keras_config = {key: value for key, value in theirs.get_config().items() if key != "dtype"}   # (see below)
    assert ours.get_config() == keras_config      # Keras adds its float32 "dtype"; ours has none by default
    assert "from_sorted_ids" not in tg.metrics.SparseTopKCategoricalAccuracy(k=k).get_config()
