"""Permute and Reshape read their integer tuples with one helper (``validation.integer_tuple``): the collections
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


# ------------------------------------------------------------------ None as an unknown size, floats, bytes (Keras 3.15)
@pytest.mark.parametrize("target_shape", [(None, 4), (3, None), (None,), np.array([None, 4], object)],
                         ids=["None-4", "3-None", "None", "object-array"])
def test_reshape_takes_none_as_an_unknown_size_as_keras(target_shape):
    ours = tg.layers.Reshape(target_shape)
    theirs = keras.layers.Reshape(target_shape)
    np.testing.assert_array_equal(ours(X).numpy(), keras.ops.convert_to_numpy(theirs(X)))
    assert ours.get_config()["target_shape"] == tuple(theirs.get_config()["target_shape"])    # None kept
    symbolic_ours = tg.models.Sequential([tg.layers.Input((12,)), ours]).output_shape
    symbolic_theirs = keras.Sequential([keras.Input((12,)), theirs]).output_shape
    assert symbolic_ours == symbolic_theirs       # (None, None, 4): Keras leaves a None size unknown


@pytest.mark.parametrize("target_shape", [(None, None), (-1, None), (None, 3, None)])
def test_two_unknown_sizes_are_refused_when_made(target_shape):
    """Keras takes them when made and refuses them at the call ("at most one unknown dimension")."""
    with pytest.raises(ValueError, match="at most one unknown dimension"):
        keras.layers.Reshape(target_shape)(X)
    with pytest.raises(ValueError, match=r"Invalid value for argument `target_shape`.*at most one unknown size "
                                         r"\(-1 or None\)"):
        tg.layers.Reshape(target_shape)


def test_a_float_size_is_refused_where_keras_takes_it_as_unknown():
    """Keras takes any entry that is not an integer as an unknown size, whatever its value: 6.0 is not 6."""
    assert tuple(keras.layers.Reshape((6.0, 4))(X).shape) == (2, 3, 4)
    with pytest.raises(ValueError, match="at most one unknown dimension"):
        keras.layers.Reshape((3.0, 4.0))(X)
    with pytest.raises(TypeError, match=r"Invalid type for argument `target_shape`.*Received target_shape=\(6.0, 4\)"):
        tg.layers.Reshape((6.0, 4))


def test_reshape_reads_bytes_as_their_byte_values_as_keras():
    ours, theirs = tg.layers.Reshape(b"\x03\x04"), keras.layers.Reshape(b"\x03\x04")
    assert ours.target_shape == tuple(theirs.target_shape) == (3, 4)
    np.testing.assert_array_equal(ours(X).numpy(), keras.ops.convert_to_numpy(theirs(X)))
    assert tuple(keras.layers.Reshape(b"34").target_shape) == (51, 52)     # digits: surely not meant so
    with pytest.raises(ValueError) as info:
        tg.layers.Reshape(b"34")
    assert "(51, 52)" in str(info.value) and "write target_shape=(3, 4)" in str(info.value)
    assert "not text" not in str(info.value)


def test_keras_file_with_a_none_size_loads_and_ours_loads_in_keras(tmp_path):
    theirs = keras.Sequential([keras.Input((12,)), keras.layers.Reshape((None, 4)), keras.layers.Dense(2)])
    rng = np.random.default_rng(2)
    theirs.set_weights([rng.normal(size=w.shape).astype("float32") for w in theirs.get_weights()])
    theirs.save(tmp_path / "r.keras")
    ours = tg.models.load_model(tmp_path / "r.keras")
    assert ours.layers[0].target_shape == (None, 4)
    np.testing.assert_allclose(ours.predict(X, verbose=0), theirs.predict(X, verbose=0), rtol=1e-5, atol=1e-5)
    ours.save(tmp_path / "ours.keras")
    again = keras.saving.load_model(tmp_path / "ours.keras")
    np.testing.assert_allclose(again.predict(X, verbose=0), theirs.predict(X, verbose=0), rtol=1e-5, atol=1e-5)
