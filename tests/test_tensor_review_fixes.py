"""A reviewer's findings on the day's tensor operators: NumPy indexing with one-element tensors, the messages of
``t[index] = number``, a value with leading axes of length 1, and NumPy's ``*_like`` functions on parameters.
References: NumPy on the tensor's own array, PyTorch, hand-written expectations."""
import operator

import numpy as np
import pytest

import tinygradconv as tg


def test_numpy_indexes_with_a_one_element_tensor_as_with_its_array():
    table = np.arange(10).reshape(5, 2)
    for index in (tg.tensor([2], dtype="int64"), tg.tensor([False], dtype="bool"), tg.tensor([True], dtype="bool")):
        rows = table[:1] if index.dtype == bool else table
        assert rows[index].shape == rows[index.numpy()].shape
        np.testing.assert_array_equal(rows[index], rows[index.numpy()])
    assert np.ones((1, 3))[tg.tensor([False], dtype="bool")].shape == (0, 3)


def test_only_a_0d_integer_tensor_is_an_index():
    assert list(range(tg.tensor(3, dtype="int64"))) == [0, 1, 2]
    assert ["a", "b", "c"][tg.tensor(2, dtype="int32")] == "c"
    for not_index in (tg.tensor([2], dtype="int64"), tg.tensor(True, dtype="bool"), tg.tensor(2.0)):
        with pytest.raises(TypeError, match="Only 0-d integer tensors can be converted to an index"):
            operator.index(not_index)


@pytest.mark.parametrize("dtype, value, wanted", [("int64", 2.5, "an integer within int64's range"),
                                                  ("int8", 300, "an integer within int8's range"),
                                                  ("bool", 1, "True or False")])
def test_a_number_the_tensor_cannot_hold_is_refused_with_advice_that_writes_in_place(dtype, value, wanted):
    t = tg.tensor([1, 0], dtype=dtype) if dtype != "bool" else tg.tensor([True, False], dtype="bool")
    before = t.numpy().copy()
    with pytest.raises(TypeError, match=f"cannot be written into an? {dtype} tensor unchanged.*write {wanted}"):
        t[0] = value
    np.testing.assert_array_equal(t.numpy(), before)
    assert "astype" not in str(pytest.raises(TypeError, t.__setitem__, 0, value).value)


def test_a_value_with_leading_axes_of_length_one_is_written_as_pytorch_writes_it():
    torch = pytest.importorskip("torch", reason="PyTorch is the reference for t[index] = value")
    for shape, index, value in [((2,), 0, [5.0]), ((2, 2), 0, [[7.0, 8.0]]), ((2, 2), (1, 1), [[9.0]])]:
        ours, theirs = tg.tensor(np.arange(np.prod(shape), dtype="float32").reshape(shape)), \
            torch.arange(float(np.prod(shape))).reshape(shape)
        ours[index] = tg.tensor(value)
        theirs[index] = torch.tensor(value)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    with pytest.raises(ValueError, match="does not broadcast"):
        tg.tensor(np.zeros((2, 2)))[0] = tg.tensor(np.ones((2, 2)))


@pytest.mark.parametrize("function", [np.zeros_like, np.ones_like, np.empty_like,
                                      lambda p: np.full_like(p, 0.5)])
def test_like_functions_take_a_parameter_that_requires_grad(function):
    p = tg.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    made = function(p)
    reference = function(p.detach().numpy())
    assert isinstance(made, np.ndarray) and made.shape == reference.shape and made.dtype == reference.dtype
    if function is not np.empty_like:
        np.testing.assert_array_equal(made, reference)
    assert np.may_share_memory(p, p)
