"""PyTorch porting findings of a reviewer (s47, f17): pad's one-pair rule against Keras on its torch backend, the
convolutions' hints for torch's no-op keyword values, Tensor.logsumexp, torch's tensor sizes in narrow/unflatten
and sub's alpha. The references are torch and Keras (KERAS_BACKEND=torch) run here."""
import os
import warnings

import numpy as np
import pytest

import tinygradconv as tg

torch = pytest.importorskip("torch")
F = torch.nn.functional


# ---------------------------------------------------------------------------------------------------------- pad
def test_one_pair_pads_every_axis_as_numpy_where_keras_on_torch_pads_the_last_axis():
    """The docstring's claim: NumPy's rule (which Keras documents) here; Keras 3.15 on torch pads the last axis."""
    if os.environ.get("KERAS_BACKEND", "torch") != "torch":
        pytest.skip("the Keras comparison is for its torch backend (KERAS_BACKEND=torch)")
    keras = pytest.importorskip("keras")
    assert keras.backend.backend() == "torch"
    x = np.ones((2, 3, 4))
    assert tuple(tg.ops.pad(tg.tensor(x), (1, 2)).shape) == np.pad(x, (1, 2)).shape == (5, 6, 7)
    assert tuple(keras.ops.pad(x, (1, 2)).shape) == (2, 3, 7) == tuple(F.pad(torch.tensor(x), (1, 2)).shape)
    # one pair per axis: the same result everywhere
    widths = ((1, 0), (0, 0), (0, 2))
    np.testing.assert_array_equal(tg.ops.pad(tg.tensor(x), widths).numpy(),
                                  keras.ops.pad(x, widths).cpu().numpy())


# ----------------------------------------------------------------------------------- the conv keywords' no-ops
def test_conv1d_padding_mode_zeros_says_drop_the_argument():
    x, w = np.ones((1, 8, 2), "float32"), np.ones((3, 2, 4), "float32")
    with pytest.raises(TypeError, match=r"^conv1d\(\) got an unexpected keyword argument 'padding_mode': drop the "
                                        r"argument: zero padding is what this op does \(padding_mode is an argument "
                                        r"of torch\.nn\.Conv1d, not of F\.conv1d\)$"):
        tg.ops.conv1d(x, w, padding_mode="zeros")
    with pytest.raises(TypeError):                         # torch's F.conv1d has no padding_mode either
        F.conv1d(torch.ones(1, 2, 8), torch.ones(4, 2, 3), padding_mode="zeros")
    with pytest.raises(TypeError, match=r"only zero padding is supported.*torch\.nn\.Conv1d, not of F\.conv1d.*"
                                        r"tg\.ops\.pad"):
        tg.ops.conv1d(x, w, padding_mode="reflect")


def test_conv1d_transpose_groups_1_says_drop_it():
    x, w = np.ones((1, 8, 4), "float32"), np.ones((3, 2, 4), "float32")
    with pytest.raises(TypeError, match=r"^conv1d_transpose\(\) got an unexpected keyword argument 'groups': drop "
                                        r"groups=1"):
        tg.ops.conv1d_transpose(x, w, groups=1)
    with pytest.raises(TypeError, match=r"'groups': conv1d_transpose has no groups.*groups=True.*tg\.ops\.split"):
        tg.ops.conv1d_transpose(x, w, groups=True)         # not the plain 1: the long hint
    with pytest.raises(TypeError, match=r"'padding_mode': drop the argument"):
        tg.ops.conv1d_transpose(x, w, padding_mode="zeros")


# ------------------------------------------------------------------------------------- narrow's and unflatten's sizes
def _int(value):
    return tg.tensor(value, dtype="int64")


@pytest.mark.parametrize("length", [[2], [[2]]])
def test_narrow_takes_a_one_element_integer_tensor_as_length(length):
    x = np.arange(6.0).reshape(2, 3)
    ref = torch.tensor(x).narrow(1, 0, torch.tensor(length))
    t = tg.tensor(x, requires_grad=True)
    y = t.narrow(1, 0, _int(length))
    np.testing.assert_array_equal(y.numpy(), ref.numpy())
    y.sum().backward()
    np.testing.assert_array_equal(t.grad.numpy(), [[1.0, 1.0, 0.0]] * 2)   # the two elements taken, by hand
    assert tg.tensor(x).narrow(1, _int(1), _int(2)).tolist() == torch.tensor(x).narrow(1, torch.tensor(1), 2).tolist()


def test_narrow_refuses_what_torch_refuses_in_length_and_start():
    x = tg.tensor(np.zeros((2, 3)))
    for bad in (_int([2, 1]), tg.tensor([2.0])):
        with pytest.raises(TypeError, match=r"Invalid type for argument `length` of narrow: expected an int or an "
                                            r"integer tensor of one element.*Received a tensor of dtype"):
            x.narrow(1, 0, bad)
    with pytest.raises(TypeError):
        torch.zeros(2, 3).narrow(1, 0, torch.tensor([2, 1]))
    with pytest.raises(TypeError, match=r"`start` of narrow: expected an int or a 0-d integer tensor.*shape \(1,\)"):
        x.narrow(1, _int([1]), 2)
    with pytest.raises(RuntimeError, match="0-dim integral"):                    # torch's class differs
        torch.zeros(2, 3).narrow(1, torch.tensor([1]), 2)


@pytest.mark.parametrize("size", [2, [2], [[2]]])
def test_unflatten_takes_one_element_integer_tensors_among_the_sizes(size):
    x = np.arange(12.0).reshape(2, 6)
    ref = torch.tensor(x).unflatten(1, (torch.tensor(size), -1))
    t = tg.tensor(x, requires_grad=True)
    y = t.unflatten(1, (_int(size), -1))
    assert y.shape == tuple(ref.shape) == (2, 2, 3)
    np.testing.assert_array_equal(y.numpy(), ref.numpy())
    (y * 2).sum().backward()
    np.testing.assert_array_equal(t.grad.numpy(), np.full((2, 6), 2.0))


def test_unflatten_refuses_float_and_longer_tensors_among_the_sizes():
    t = tg.tensor(np.zeros((2, 6)))
    for bad in ((tg.tensor(2.0), -1), (_int([2, 3]),)):
        with pytest.raises(TypeError, match=r"`sizes` of unflatten.*integer tensors of one element.*element 0 is "
                                            r"a tensor of dtype"):
            t.unflatten(1, bad)
    with pytest.raises(TypeError, match="must be tuple of ints"):
        torch.zeros(2, 6).unflatten(1, (torch.tensor(2.0), -1))
    with pytest.raises(TypeError, match="must be tuple of ints"):
        torch.zeros(2, 6).unflatten(1, (torch.tensor([2, 3]),))


@pytest.mark.parametrize("sizes", [(0, -1), (-1, 0)])
def test_unflatten_says_a_minus_one_beside_a_zero_is_ambiguous(sizes):
    with pytest.raises(RuntimeError, match="ambiguous"):
        torch.zeros(3, 0).unflatten(1, sizes)
    with pytest.raises(ValueError, match=r"Invalid value for argument `sizes` of unflatten: the -1 is ambiguous "
                                         r"beside a 0 .*Received sizes=\((0, -1|-1, 0)\)"):
        tg.tensor(np.zeros((3, 0))).unflatten(1, sizes)
    assert tg.tensor(np.zeros((3, 0))).unflatten(1, (0, 2)).shape == tuple(torch.zeros(3, 0).unflatten(1, (0, 2)).shape)
    with pytest.raises(ValueError, match="multiply up to the size 4"):           # not empty: the product is wrong
        tg.tensor(np.zeros((3, 4))).unflatten(1, (0, -1))


# --------------------------------------------------------------------------------------------------- sub's alpha
@pytest.mark.parametrize("op", ["sub", "add"])
@pytest.mark.parametrize("alpha", [np.int64(0), np.float64(0.0)])
@pytest.mark.parametrize("requires_grad", [True, False])
def test_inf_times_a_numpy_zero_alpha_is_nan_silently(op, alpha, requires_grad):
    t = tg.tensor([1.0], requires_grad=requires_grad)
    ref = getattr(torch.tensor([1.0], requires_grad=requires_grad), op)(float("inf"), alpha=alpha.item())
    with warnings.catch_warnings():
        warnings.simplefilter("error")                    # NumPy's "invalid value encountered in multiply" fails
        y = getattr(t, op)(float("inf"), alpha=alpha)
    assert np.isnan(y.numpy()).all() and np.isnan(ref.detach().numpy()).all()
    if requires_grad:
        y.sum().backward()
        ref.sum().backward()
        assert t.grad.tolist() == [1.0]                   # torch's: the output gradient to self


# -------------------------------------------------------------------------------------------- Tensor.logsumexp
@pytest.mark.parametrize("dim", [0, 1, -1, (0, 1)])
@pytest.mark.parametrize("keepdim", [False, True])
def test_tensor_logsumexp_values_and_gradients_as_torch(dim, keepdim):
    x = np.random.default_rng(1).normal(size=(3, 4)) * 50.0        # large values: the stable form is needed
    t = tg.tensor(x, requires_grad=True)
    tx = torch.tensor(x, requires_grad=True)
    y, ref = t.logsumexp(dim, keepdim=keepdim), tx.logsumexp(dim, keepdim=keepdim)
    assert y.shape == tuple(ref.shape)
    np.testing.assert_allclose(y.numpy(), ref.detach().numpy(), rtol=1e-12)
    weights = np.arange(1.0, ref.numel() + 1).reshape(tuple(ref.shape))
    (y * tg.tensor(weights)).sum().backward()
    (ref * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(t.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-300)
    assert tg.tensor(x).logsumexp(dim=1).tolist() == pytest.approx(torch.tensor(x).logsumexp(dim=1).tolist())


def test_tensor_logsumexp_hand_case_and_errors():
    assert tg.tensor([[0.0, 0.0]]).logsumexp(1).tolist() == pytest.approx([np.log(2.0)])     # log(1 + 1)
    with pytest.raises(TypeError, match="dim"):                     # PyTorch requires dim too
        tg.tensor([1.0]).logsumexp()
    with pytest.raises(TypeError, match="dim"):
        torch.tensor([1.0]).logsumexp()
    with pytest.raises(IndexError, match="dim=5"):
        tg.tensor(np.zeros((2, 3))).logsumexp(5)
    with pytest.raises(IndexError):
        torch.zeros(2, 3).logsumexp(5)
    assert tg.tensor([1, 2], dtype="int64").logsumexp(0).dtype == "float32"
    assert torch.tensor([1, 2]).logsumexp(0).dtype == torch.float32
