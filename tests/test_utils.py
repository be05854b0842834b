"""tinygradconv.utils: to_categorical and set_random_seed, against Keras 3's keras.utils and by hand."""
import random

import numpy as np
import pytest
from helpers import keras_on_torch

import tinygradconv as tg
from tinygradconv import utils


@pytest.mark.parametrize("x, num_classes", [([0, 2, 1], None), ([[1], [0]], 3), (np.array([[0, 1], [2, 0]]), None),
                                            ([3.0, 1.0], 5), (np.array([], dtype=np.int64), 2)])
def test_to_categorical_matches_keras(x, num_classes):
    labels = np.asarray(x, dtype=np.int64)
    n = num_classes or int(labels.max()) + 1
    shape = labels.shape[:-1] if labels.ndim > 1 and labels.shape[-1] == 1 else labels.shape
    by_hand = np.zeros((*shape, n))
    for index, label in np.ndenumerate(labels.reshape(shape)):
        by_hand[(*index, label)] = 1.0
    got = utils.to_categorical(x, num_classes)
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, by_hand)
    keras = keras_on_torch("Keras 3 is the reference for to_categorical")
    np.testing.assert_array_equal(got, keras.utils.to_categorical(x, num_classes))


@pytest.mark.parametrize("x, num_classes, error, words", [
    ([1.5], None, ValueError, "must hold whole class labels"),      # Keras truncates it to 1
    ([-1], 3, ValueError, r"must be in \[0, 3\)"),                  # Keras counts it from the end
    ([3], 3, ValueError, r"must be in \[0, 3\)"),                   # Keras: IndexError
    ([], None, ValueError, "`num_classes` must be given"),
    (["a"], None, TypeError, "must hold integer class labels"),
    ([1], 0, ValueError, "num_classes"),
])
def test_to_categorical_names_bad_labels(x, num_classes, error, words):
    with pytest.raises(error, match=words):
        utils.to_categorical(x, num_classes)


def test_set_random_seed_seeds_python_numpy_and_tinygradconv_as_keras():
    def draws():
        return random.random(), np.random.rand(), tg.random.generator().random()

    utils.set_random_seed(3)
    first = draws()
    utils.set_random_seed(3)
    assert draws() == first
    utils.set_random_seed(4)
    assert all(a != b for a, b in zip(draws(), first))
    with pytest.raises(ValueError, match="seed"):
        utils.set_random_seed(-1)


def test_to_categorical_needs_memory_for_its_result_only():
    """Found by a tester: to_categorical([1, 2], num_classes=4000) built a 4000 x 4000 identity (128 MB) and
    to_categorical([10**6]) asked for 7.28 TiB; Keras returns the (1, 1000001) array."""
    import tracemalloc

    tracemalloc.start()
    out = utils.to_categorical([1, 2], num_classes=4000)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert out.shape == (2, 4000) and out[0, 1] == out[1, 2] == 1.0 and out.sum() == 2.0
    assert peak < 4 * out.nbytes
    big = utils.to_categorical([10**6])
    assert big.shape == (1, 10**6 + 1) and big[0, -1] == 1.0
