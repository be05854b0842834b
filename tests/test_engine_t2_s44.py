"""Engine findings of the special-inputs tester (session 44), each checked against PyTorch 2.13 (ops, autograd)
or Keras 3.15 (losses, activations): ``prod`` over the only axis of a vector with zeros beside NaN, the gradients
of float16 operands mixed with float32 ones, negative (cropping) pad widths, ``.T`` of a vector or a number, and
empty or rank-0 inputs of ``categorical_hinge`` and ``sparsemax``."""
import math
import os

import numpy as np
import pytest

import tinygradconv as tg

torch = pytest.importorskip("torch")


def _keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    return pytest.importorskip("keras")


# --------------------------------------------------------------------- 1. prod with two zeros beside NaN or inf
@pytest.mark.parametrize("values", [[0.0, 0.0, math.nan], [0.0, 0.0, math.inf], [math.nan, 0.0, 0.0, 2.0],
                                    [0.0, math.nan, 0.0], [0.0, 0.0, 1.0]])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("axis", [0, -1, None])
def test_prod_of_a_vector_with_zeros_has_torchs_gradient(values, dtype, axis):
    # torch.prod(t, dim) has no shortcut for two zeros (the product of the others: NaN beside NaN or inf);
    # torch.prod(t) has one (0 everywhere): each of ours follows its own
    x = tg.tensor(values, dtype=dtype, requires_grad=True)
    t = torch.tensor(values, dtype=getattr(torch, dtype), requires_grad=True)
    x.prod(axis).backward()
    (t.prod() if axis is None else t.prod(axis)).backward()
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())


def test_prod_of_a_vector_by_hand():
    x = tg.tensor([0.0, 0.0, math.nan], requires_grad=True)
    x.prod(0).backward()
    assert np.array_equal(x.grad.numpy(), [math.nan, math.nan, 0.0], equal_nan=True)   # 0 * nan, 0 * nan, 0 * 0
    x = tg.tensor([0.0, 0.0, math.nan], requires_grad=True)
    x.prod().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]


def test_prod_of_a_matrix_row_and_whole_with_zeros_beside_nan_match_torch():
    values = [[0.0, 0.0, math.nan], [2.0, 0.0, 3.0]]
    for ours_fn, torch_fn in ((lambda v: v.prod(dim=1).sum(), lambda v: v.prod(dim=1).sum()),
                              (lambda v: v.prod(), lambda v: v.prod())):
        x = tg.tensor(values, requires_grad=True)
        t = torch.tensor(values, requires_grad=True)
        ours_fn(x).backward()
        torch_fn(t).backward()
        np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())
