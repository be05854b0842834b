"""Findings of the review of the s52 speed work, each against an independent reference: the row-gather backward
with narrow index dtypes (a float64 ``np.add.at`` on the rows), the generalized cross-entropy's gradient at a
``-0.0`` probability (by hand: d/dp (1 - p^q)/q = -p^(q-1), -inf at 0, as Keras' one-hot sum gives), and
``take_along_axis``'s positions (copied; out of range refused)."""

import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv.losses import categorical_generalized_cross_entropy
from tinygradconv.ops.nn import take_along_axis


@pytest.mark.parametrize("dtype", ["int8", "uint8_positions", "int16", "uint16", "int32", "uint64"])
def test_row_gather_backward_with_narrow_index_dtypes(dtype):
    rng = np.random.default_rng(0)
    n_rows = 120 if dtype in ("int8", "uint8_positions") else 300
    rows = np.array([99, 70, 1, 117, 70, -3 if dtype.startswith("int") else 5])
    rows = rows.astype("uint8" if dtype == "uint8_positions" else dtype)
    grad = rng.standard_normal((rows.size, 512)).astype("float32")
    x = tg.tensor(np.zeros((n_rows, 512), "float32"), requires_grad=True)
    if dtype == "uint8_positions":      # uint8 reads as a mask (PyTorch's rule): positions as int64 instead
        rows = rows.astype("int64")
    x[rows].backward(tg.tensor(grad))
    expected = np.zeros((n_rows, 512))
    np.add.at(expected, rows.astype(np.int64), grad.astype(np.float64))
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-6, atol=1e-6)


def test_generalized_cross_entropy_gradient_at_a_negative_zero_probability():
    y_pred = tg.tensor(np.array([[-0.0, 0.5, 0.5]], "float32"), requires_grad=True)
    categorical_generalized_cross_entropy(np.array([0]), y_pred, q=0.5).sum().backward()
    assert y_pred.grad.numpy()[0, 0] == -np.inf       # -p^(q-1) at p = 0
    np.testing.assert_array_equal(y_pred.grad.numpy()[0, 1:], [0.0, 0.0])


def test_take_along_axis_keeps_the_positions_of_its_forward_pass(backend):
    x = tg.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True, backend=backend)
    ids = x.backend.xp.asarray(np.array([2, 0]))
    y = take_along_axis(x, ids, 1)
    ids[0] = 1
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])


@pytest.mark.parametrize("ids", [[-1, 0], [3, 0]])
def test_take_along_axis_refuses_positions_out_of_range(ids, backend):
    x = tg.tensor(np.arange(6.0).reshape(2, 3), backend=backend)
    with pytest.raises(ValueError, match=r"ids must lie in \[0, 3\)"):
        take_along_axis(x, x.backend.xp.asarray(np.array(ids)), 1)
