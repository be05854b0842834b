"""Index tensors and backends: an index tensor on another backend than the indexed tensor's is refused unless it is
on numpy (the CPU), as PyTorch refuses CUDA indices for a CPU tensor ("indices should be either on cpu or on the
same device as the indexed tensor") and takes CPU indices for a CUDA one. Before the fix a numpy tensor indexed
with an array_api_strict index was answered silently."""
import numpy as np
import pytest

import tinygradconv as tg

pytest.importorskip("array_api_strict", reason="the array-api-strict backend is the second backend here")

VALUES = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], dtype=np.float32)
POSITIONS = np.array([2, 0])
MASK = np.array([True, False, True])
REFUSED = r"Invalid value for argument `index`: an index tensor on backend 'array_api_strict' for a tensor on " \
          r"backend 'numpy'.*index.to\('numpy'\)"


def _strict(array):
    return tg.tensor(array, dtype=str(array.dtype), backend="array_api_strict")


@pytest.mark.parametrize("index", [lambda: _strict(POSITIONS), lambda: _strict(MASK),
                                   lambda: (_strict(POSITIONS), 1), lambda: (slice(None), _strict(np.array([1])))],
                         ids=["positions", "mask", "in a tuple", "after a slice"])
def test_a_numpy_tensor_refuses_an_index_tensor_of_another_backend(index):
    n = tg.tensor(VALUES)
    with pytest.raises(ValueError, match=REFUSED):
        n[index()]
    with pytest.raises(ValueError, match=REFUSED):
        n[index()] = 0.0
    np.testing.assert_array_equal(n.numpy(), VALUES)        # nothing written


@pytest.mark.parametrize("index", [lambda: _strict(POSITIONS), lambda: _strict(MASK),
                                   lambda: (_strict(POSITIONS), 1), lambda: (slice(None), _strict(np.array([1])))],
                         ids=["positions", "mask", "in a tuple", "after a slice"])
def test_the_getitem_op_itself_refuses_an_index_tensor_of_another_backend(index):
    """tg.ops.getitem called directly, not through t[...]: before the fix it copied the index to the CPU silently."""
    with pytest.raises(ValueError, match=REFUSED):
        tg.ops.getitem(tg.tensor(VALUES), index())


def test_the_getitem_op_takes_cpu_indices_everywhere():
    """A numpy-backend index for an array_api_strict tensor (PyTorch's CPU index for a CUDA tensor): NumPy's values,
    and the gradient that np.add.at gives (repeated picks add up)."""
    s = _strict(VALUES).requires_grad_()
    positions = np.array([2, 0, 2])
    got = tg.ops.getitem(s, tg.tensor(positions, dtype="int64"))
    np.testing.assert_array_equal(got.numpy(), VALUES[positions])
    got.sum().backward()
    expected = np.zeros_like(VALUES)
    np.add.at(expected, positions, 1.0)
    np.testing.assert_array_equal(s.grad.numpy(), expected)
    assert s.grad.backend.name == "array_api_strict"


def test_cpu_indices_are_taken_everywhere():
    """A NumPy array, a list, a numpy-backend index tensor (PyTorch's CPU index for a CUDA tensor), and an index on
    the tensor's own backend: the values NumPy's indexing gives."""
    n, s = tg.tensor(VALUES), _strict(VALUES)
    for index, expected in ((POSITIONS, VALUES[POSITIONS]), (MASK, VALUES[MASK])):
        numpy_index = tg.tensor(index, dtype=str(index.dtype))
        for got in (n[index], n[index.tolist()], n[numpy_index], s[numpy_index], s[_strict(index)], s[index]):
            np.testing.assert_array_equal(got.numpy(), expected)
    s[tg.tensor(POSITIONS, dtype="int64")] = 0.0
    expected = VALUES.copy()
    expected[POSITIONS] = 0.0
    np.testing.assert_array_equal(s.numpy(), expected)
