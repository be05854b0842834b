"""Permute and Reshape read their integer tuples with one helper (``layers.core.integer_tuple``): the collections
Keras 3 reads with ``tuple(value)`` give the same layer as in Keras, and Permute on an input of the wrong rank is
Keras' ValueError. The reference is Keras 3 (torch backend) on the same input."""
import collections

import numpy as np
import pytest

import tinygradconv as tg

keras = pytest.importorskip("keras")

X = np.arange(24, dtype="float32").reshape(2, 12)


@pytest.mark.parametrize("target_shape", [range(3, 5), collections.deque([3, 4]), {3: "a", 4: "b"},
                                          np.array([3, 4]), bytearray(b"\x03\x04"), (np.int64(-1), 4)],
                         ids=["range", "deque", "dict", "array", "bytearray", "numpy-ints"])
def test_reshape_reads_target_shape_as_keras(target_shape):
    ours = tg.layers.Reshape(target_shape)
    theirs = keras.layers.Reshape(target_shape)
    assert ours.target_shape == tuple(int(d) for d in theirs.target_shape)
    np.testing.assert_array_equal(ours(X).numpy(), keras.ops.convert_to_numpy(theirs(X)))


@pytest.mark.parametrize("target_shape, error, words", [
    ((2.0, 6), TypeError, "Received target_shape=(2.0, 6)"),
    ({12}, TypeError, "a set's order is not the order written"),
    ("34", ValueError, "not text. Received target_shape='34' (for sizes, write target_shape=(3, 4))"),
    (np.array([[3, 4]]), TypeError, "Expected a 1-D collection of integers"),
    ((x for x in (3, 4)), TypeError, "Invalid type for argument `target_shape`"),
])
def test_reshape_refuses_with_the_argument_named(target_shape, error, words):
    with pytest.raises(error) as info:
        tg.layers.Reshape(target_shape)
    assert words in str(info.value)


@pytest.mark.parametrize("shape", [(4, 5), (4,), (4, 5, 3, 2)])
def test_permute_on_another_rank_is_keras_value_error(shape):
    x = np.zeros(shape, "float32")
    with pytest.raises(ValueError, match=r"expected ndim=3, found ndim=") as keras_error:
        keras.layers.Permute((2, 1))(x)
    with pytest.raises(ValueError) as ours:
        tg.layers.Permute((2, 1))(x)
    found = f"expected ndim=3, found ndim={len(shape)}. Full shape received: {shape}"
    assert found in str(keras_error.value) and found in str(ours.value)


def test_permute_in_a_model_on_2d_input_is_a_value_error():
    with pytest.raises(ValueError, match=r"expected ndim=3, found ndim=2"):
        keras.Sequential([keras.Input((5,)), keras.layers.Permute((2, 1))])
    with pytest.raises(ValueError, match=r"expected ndim=3, found ndim=2"):
        tg.models.Sequential([tg.layers.Input((5,)), tg.layers.Permute((2, 1))])
