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


@pytest.mark.parametrize("dtype, value, error, wanted", [
    ("int64", 2.5, TypeError, r"cannot be written into an int64 tensor unchanged.*write an integer within int64's"),
    ("int8", 300, ValueError, r"300 is out of the range of int8 \[-128, 127\]")])     # (s50: as masked_fill's)
def test_a_number_the_tensor_cannot_hold_is_refused_with_advice_that_writes_in_place(dtype, value, error, wanted):
    t = tg.tensor([1, 0], dtype=dtype)
    before = t.numpy().copy()
    with pytest.raises(error, match=wanted):
        t[0] = value
    np.testing.assert_array_equal(t.numpy(), before)
    assert "astype" not in str(pytest.raises(error, t.__setitem__, 0, value).value)


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
    assert np.may_share_memory(p, p) and not np.may_share_memory(p, made)


def test_data_set_to_a_read_only_view_shares_the_writable_array():
    """Found by a reviewer: v.data = w.numpy() (a read-only view, w requiring grad) left v unable to be written
    (v.data -= 1, v[0] = 5, v.zero_() failed, the last two blaming a shape). As PyTorch's v.data = w.data, v now
    shares w's array and can be written; another read-only array is copied."""
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    v = tg.tensor([0.0, 0.0])
    v.data = w.numpy()
    v.data -= 1
    v[0] = 5.0
    np.testing.assert_array_equal(v.numpy(), [5.0, 1.0])
    with tg.no_grad():
        np.testing.assert_array_equal(w.detach().numpy(), [5.0, 1.0])   # shared, as PyTorch's .data
    v.zero_()
    assert v.tolist() == [0.0, 0.0]
    frozen = np.broadcast_to(np.float32(3.0), (2,))
    v.data = frozen
    v[1] = 4.0
    assert v.tolist() == [3.0, 4.0] and frozen.tolist() == [3.0, 3.0]


def test_zero_and_one_write_into_a_mask_as_pytorch():
    torch = pytest.importorskip("torch", reason="PyTorch is the reference")
    ours, theirs = tg.tensor([False, False], dtype="bool"), torch.tensor([False, False])
    ours[0], theirs[0] = 1, 1
    ours[1], theirs[1] = 0, 0
    assert ours.tolist() == theirs.tolist() == [True, False]
    with pytest.raises(TypeError, match="cannot be written into a bool tensor; write True or False"):
        ours[0] = 2


@pytest.mark.parametrize("augmented", [operator.ipow, operator.imod, operator.ifloordiv])   # p **= 2, %=, //=
def test_the_other_augmented_assignments_update_a_parameter_in_place_as_pytorch(augmented):
    """Found by a tester: `p **= 2` (and `%=`, `//=`) on a parameter under no_grad() made a new tensor without grad,
    so the parameter list kept the old values and the name stopped training; while gradients were recorded, `w %= 2`
    on a parameter passed silently. Now as `+=`, and as PyTorch."""
    torch = pytest.importorskip("torch", reason="PyTorch is the reference")
    ours = [tg.tensor([2.0, -3.0, 7.5], requires_grad=True)]
    theirs = [torch.tensor([2.0, -3.0, 7.5], requires_grad=True)]
    for params, context in ((ours, tg.no_grad), (theirs, torch.no_grad)):
        p = params[0]
        with context():
            p = augmented(p, 2)
        assert p is params[0] and p.requires_grad
    np.testing.assert_array_equal(ours[0].detach().numpy(), theirs[0].detach().numpy())
    for w in (tg.tensor([1.0, 2.0], requires_grad=True), torch.tensor([1.0, 2.0], requires_grad=True)):
        with pytest.raises(RuntimeError, match="(?i)leaf"):
            augmented(w, 2)


def test_a_masked_write_of_the_wrong_length_names_both_shapes():
    t = tg.tensor([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"shape \(3,\) does not broadcast to the shape of t\[index\], \(2,\)"):
        t[t > 1] = tg.tensor([5.0, 6.0, 7.0])
