"""Engine findings of the special-inputs tester (session 44), each checked against PyTorch 2.13 (ops, autograd)
or Keras 3.15 (losses, activations): ``prod`` over the only axis of a vector with zeros beside NaN, the gradients
of float16 operands mixed with float32 ones, negative (cropping) pad widths, ``.T`` of a vector or a number, and
empty or rank-0 inputs of ``categorical_hinge`` and ``sparsemax``."""
import math
import os
import re
import warnings

import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv.ops import nn as nn_ops

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


# ------------------------------------------------------------- 2. float16 beside float32: the gradients' precision
def test_a_float16_base_to_a_float32_exponent_has_torchs_exponent_gradient():
    a = tg.tensor(np.array([3.0, 5.0, 0.7], np.float16), dtype="float16")
    b = tg.tensor([-1.0, 2.0, 1.5], requires_grad=True)
    (a ** b).sum().backward()
    t = torch.tensor(np.array([3.0, 5.0, 0.7], np.float16))
    tb = torch.tensor([-1.0, 2.0, 1.5], requires_grad=True)
    (t ** tb).sum().backward()
    # float16's log(0.7) had given -0.20884384 (torch: -0.20881495), 40.234375 for 40.235947
    np.testing.assert_allclose(b.grad.numpy(), tb.grad.numpy(), rtol=1e-6)


_VALUES_A = np.array([3.0, 5.0, 0.7, 1.3, -2.1, 0.3])
_VALUES_B = np.array([-1.0, 2.0, 1.5, 0.6, 1.7, 2.2])
_BINARY = {
    "add": (lambda a, b: a + b, lambda a, b: a + b), "sub": (lambda a, b: a - b, lambda a, b: a - b),
    "mul": (lambda a, b: a * b, lambda a, b: a * b), "div": (lambda a, b: a / b, lambda a, b: a / b),
    "pow": (lambda a, b: abs(a) ** b, lambda a, b: a.abs() ** b),
    "maximum": (lambda a, b: tg.ops.maximum(a, b), torch.maximum),
    "minimum": (lambda a, b: tg.ops.minimum(a, b), torch.minimum),
    "remainder": (lambda a, b: a % b, lambda a, b: a % b),
    "where": (lambda a, b: tg.ops.where(tg.tensor(_VALUES_A) > 0, a, b),
              lambda a, b: torch.where(torch.tensor(_VALUES_A) > 0, a, b)),
}


@pytest.mark.parametrize("name", sorted(_BINARY))
@pytest.mark.parametrize("dtypes", [("float16", "float32"), ("float32", "float16"), ("float16", "float64"),
                                    ("float64", "float32")])
def test_binary_ops_of_mixed_float_widths_match_torch_values_and_both_gradients(name, dtypes):
    ours, theirs = _BINARY[name]
    da, db = dtypes
    a = tg.tensor(_VALUES_A.astype(da), dtype=da, requires_grad=True)
    b = tg.tensor(_VALUES_B.astype(db), dtype=db, requires_grad=True)
    ta = torch.tensor(_VALUES_A.astype(da), requires_grad=True)
    tb = torch.tensor(_VALUES_B.astype(db), requires_grad=True)
    y, ty = ours(a, b), theirs(ta, tb)
    assert str(y.dtype) == str(ty.dtype).removeprefix("torch.")
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-6)
    weights = np.linspace(0.3, 1.7, 6).astype(str(y.dtype))           # a different upstream gradient per element
    (y * tg.tensor(weights)).sum().backward()
    (ty * torch.tensor(weights)).sum().backward()
    for ours_grad, torch_grad in ((a.grad, ta.grad), (b.grad, tb.grad)):
        assert ours_grad.dtype == torch_grad.numpy().dtype                 # cast back to the operand's dtype
        # rtol: float16 gradients keep their own rounding, float32 ones float32's (not float16's 1e-3)
        rtol = 1e-3 if ours_grad.dtype == np.float16 else 1e-6
        np.testing.assert_allclose(ours_grad.numpy(), torch_grad.numpy(), rtol=rtol)


# ------------------------------------------------------------------------------- 3. pad with negative widths
@pytest.mark.parametrize("widths", [((0, 0), (-1, 0)), ((0, 0), (-1, 2)), ((-1, 1), (2, -2)), ((0, -2), (-3, 0)),
                                    ((-1, -1), (1, -1))])
def test_a_negative_pad_width_crops_as_torch(widths):
    values = np.arange(24.0).reshape(4, 6) - 7.5
    x = tg.tensor(values, requires_grad=True)
    t = torch.tensor(values, requires_grad=True)
    flat = [n for pair in reversed(widths) for n in pair]                # torch: the last axis first
    y, ty = tg.ops.pad(x, widths, value=9.0), torch.nn.functional.pad(t, flat, value=9.0)
    np.testing.assert_array_equal(y.numpy(), ty.detach().numpy())
    weights = np.arange(1.0, 1.0 + ty.numel()).reshape(tuple(ty.shape))
    (y * tg.tensor(weights)).sum().backward()
    (ty * torch.tensor(weights)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())


def test_a_negative_pad_width_by_hand():
    x = tg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    y = tg.ops.pad(x, ((0, 0), (-1, 0)))
    assert y.tolist() == [[2.0, 3.0], [5.0, 6.0]]
    y.sum().backward()
    assert x.grad.tolist() == [[0.0, 1.0, 1.0], [0.0, 1.0, 1.0]]
    assert tg.ops.pad(x, ((0, 0), (-3, 0))).shape == (2, 0)             # everything cropped: empty, as torch


@pytest.mark.parametrize("widths", [((0, 0), (-4, 0)), ((0, 0), (-2, -2)), ((0, 0), (-4, 2)), ((-3, 0), (0, 0))])
def test_a_crop_past_the_size_is_a_clear_error(widths):
    x = tg.tensor(np.ones((2, 3)))
    flat = [n for pair in reversed(widths) for n in pair]
    with pytest.raises(RuntimeError):                                   # torch refuses these too
        torch.nn.functional.pad(torch.ones(2, 3), flat)
    wording = r"Invalid value for argument `pad_width`.*Received pad_width=.*shape \(2, 3\)"
    with pytest.raises(ValueError, match=wording):
        tg.ops.pad(x, widths)


# ------------------------------------------------------------------------------- 4. .T of other ranks than 2
# what the warning must say (torch 2.13 warns once a process, TORCH_WARN_ONCE, so its own is not caught each time)
_T_WARNINGS = {0: r"0-d tensor returns it unchanged; PyTorch deprecates \.T",
               1: r"reverses all its axes, as PyTorch's does; PyTorch deprecates \.T.*x\.permute\("}


@pytest.mark.parametrize("shape", [(), (3,), (2, 3, 4)])
def test_T_of_other_ranks_reverses_the_axes_with_torchs_warning(shape):
    values = np.arange(float(np.prod(shape))).reshape(shape) - 2.5
    t = torch.tensor(values, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = t.T
    x = tg.tensor(values, requires_grad=True)
    with pytest.warns(UserWarning) as record:
        got = x.T
    assert re.search(_T_WARNINGS[min(len(shape), 1)], str(record[0].message)), str(record[0].message)
    assert record[0].filename == __file__                               # stacklevel: the user's line
    np.testing.assert_array_equal(got.numpy(), expected.detach().numpy())
    weights = np.arange(1.0, 1.0 + values.size).reshape(tuple(expected.shape))
    (got * tg.tensor(weights)).sum().backward()
    (expected * torch.tensor(weights)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())


def test_T_of_a_matrix_warns_nothing():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert tg.tensor([[1.0, 2.0, 3.0]]).T.tolist() == [[1.0], [2.0], [3.0]]


# ------------------------------------------------------------ 5. categorical_hinge and sparsemax at the edges
def test_categorical_hinge_of_an_empty_batch_is_empty_as_keras_on_numpy():
    # Keras on NumPy takes np.max over the class axis, which is [] for an empty batch; Keras 3.15 on torch raises
    # only because its torch max refuses any tensor with a 0 in its shape (checked here, so a change shows)
    keras = _keras()
    empty = np.zeros((0, 3), np.float32)
    with pytest.raises(ValueError, match="empty tensor"):
        keras.losses.categorical_hinge(empty, empty)
    assert np.max(empty, axis=-1).shape == (0,)
    loss = tg.losses.categorical_hinge(empty, empty)
    assert loss.shape == (0,)


def test_categorical_hinge_of_no_classes_is_a_clear_error():
    keras = _keras()
    none = np.zeros((2, 0), np.float32)
    with pytest.raises(ValueError):                                     # Keras on every backend: no max of nothing
        keras.losses.categorical_hinge(none, none)
    with pytest.raises(ValueError, match=r"Invalid value for argument `y_pred`.*shape \(2, 0\)"):
        tg.losses.categorical_hinge(none, none)


def test_categorical_hinge_by_hand_and_against_keras():
    keras = _keras()
    y_true = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]], np.float32)
    y_pred = np.array([[0.3, -0.4, 0.9], [2.0, 0.5, -1.0]], np.float32)
    ours = tg.losses.categorical_hinge(y_true, y_pred).numpy()
    np.testing.assert_allclose(ours, [0.9 + 0.4 + 1.0, max(0.5 - 2.0 + 1.0, 0.0)], rtol=1e-6)
    np.testing.assert_allclose(ours, keras.ops.convert_to_numpy(keras.losses.categorical_hinge(y_true, y_pred)),
                               rtol=1e-6)


@pytest.mark.parametrize("axis", [-1, 0])
def test_sparsemax_of_a_rank0_tensor_is_a_clear_error_as_keras_refuses_it(axis):
    keras = _keras()
    with pytest.raises(IndexError):                                     # Keras 3.15: "Dimension specified as -1 ..."
        keras.activations.sparsemax(torch.tensor(0.5), axis=axis)
    with pytest.raises(ValueError, match=r"Invalid value for argument `x`.*shape \(\)") as raised:
        tg.activations.sparsemax(tg.tensor(0.5), axis=axis)
    assert isinstance(raised.value, IndexError)                         # an AxisError: Keras' except clauses too
    assert tg.activations.sparsemax(tg.tensor([0.5])).tolist() == [1.0]     # one class: 1, the advice given


@pytest.mark.parametrize("op", ["binary_crossentropy", "binary_crossentropy_with_logits"])
@pytest.mark.parametrize("dtypes", [("float16", "float32"), ("float32", "float16")])
def test_crossentropy_ops_of_mixed_float_widths_compute_in_float32(op, dtypes):
    # PyTorch refuses two dtypes in binary_cross_entropy and computes partly in float16 in the logits form: the
    # reference is PyTorch on both operands cast to float32 (exact: every float16 is a float32)
    F = torch.nn.functional
    theirs = {"binary_crossentropy": F.binary_cross_entropy,
              "binary_crossentropy_with_logits": F.binary_cross_entropy_with_logits}[op]
    p, y = np.array([0.3, 0.7, 0.11, 0.9, 0.45, 0.2]), np.array([0.2, 1.0, 0.0, 0.6, 0.33, 0.95])
    da, db = dtypes
    a = tg.tensor(p.astype(da), dtype=da, requires_grad=True)
    b = tg.tensor(y.astype(db), dtype=db, requires_grad=True)
    ta = torch.tensor(p.astype(da)).float().requires_grad_()
    tb = torch.tensor(y.astype(db)).float().requires_grad_()
    out, expected = getattr(nn_ops, op)(a, b), theirs(ta, tb, reduction="none")
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-6)
    out.sum().backward()
    expected.sum().backward()
    for ours_grad, torch_grad, dtype in ((a.grad, ta.grad, da), (b.grad, tb.grad, db)):
        assert ours_grad.dtype == np.dtype(dtype)
        rtol = 1e-3 if dtype == "float16" else 1e-6                         # float16: one rounding of float32's
        np.testing.assert_allclose(ours_grad.numpy(), torch_grad.numpy().astype(dtype), rtol=rtol)
