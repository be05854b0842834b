"""An index tensor written in place after ``x[index]`` or ``x[index] = v``: PyTorch 2.13's ``IndexBackward`` and
``IndexPutBackward`` save the index tensors, so the backward pass refuses (a gradient at the new positions would be
silently wrong); a NumPy index is copied, so a later write of it changes nothing (PyTorch 2.13 shares an int64
or bool NumPy index's memory and then moves the gradient silently: a deliberate difference); a 0-d index tensor
is an integer, read once (PyTorch's ``select``).

References: the outcomes recorded from PyTorch 2.13 (:data:`TORCH_SAYS`), checked against PyTorch where it is
installed (skipped visibly without it), and gradients computed by hand."""

import warnings

import numpy as np
import pytest

import tinygradconv as tg

#: (index dtype, written after the forward pass) -> what PyTorch 2.13 does on ``y = x[i]; i[0] = ...; backward``.
TORCH_SAYS = {"int64": "raises", "int32": "raises", "bool": "raises", "uint8": "raises"}
WEIGHTS = np.array([1.0, 2.0, 3.0])          # the backward pass of (x[i] * weights[:len]).sum()


def _index(library, dtype, backend="numpy"):
    values = [True, False, True] if dtype == "bool" else [0, 1, 1]
    if library == "torch":
        torch = pytest.importorskip("torch", reason="PyTorch is the reference")
        return torch.tensor(values, dtype=getattr(torch, dtype))
    return tg.tensor(values, dtype=dtype, backend=backend)


def _outcome(library, dtype, backend="numpy"):
    """``y = x[i]``, ``i[0]`` written, then ``y.sum().backward()``: "raises" (PyTorch's RuntimeError) or "ok"."""
    if library == "torch":
        torch = pytest.importorskip("torch", reason="PyTorch is the reference")
        x = torch.tensor(WEIGHTS, requires_grad=True)
    else:
        x = tg.tensor(WEIGHTS, requires_grad=True, backend=backend)
    i = _index(library, dtype, backend)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)        # (uint8 masks are deprecated, in both)
        y = x[i]
        i[0] = 0 if dtype == "bool" else 2
        try:
            y.sum().backward()
        except RuntimeError as error:
            assert "modified by an inplace operation" in str(error)
            return "raises"
    return "ok"


@pytest.mark.parametrize("dtype", sorted(TORCH_SAYS))
def test_the_table_is_pytorchs(dtype):
    assert _outcome("torch", dtype) == TORCH_SAYS[dtype]


@pytest.mark.parametrize("dtype", sorted(TORCH_SAYS))
def test_a_written_index_tensor_refuses_the_backward_pass(dtype, backend):
    assert _outcome("ours", dtype, backend) == TORCH_SAYS[dtype]


def test_an_index_tensor_among_slices_refuses_too(backend):
    x = tg.tensor(np.ones((2, 3)), requires_grad=True, backend=backend)
    i = tg.tensor([0, 1], dtype="int64", backend=backend)
    y = x[:, i]
    i[0] = 2
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_an_unwritten_index_tensor_gives_the_gradient(backend):
    x = tg.tensor(WEIGHTS, requires_grad=True, backend=backend)
    i = tg.tensor([0, 2, 2], dtype="int64", backend=backend)
    (x[i] * tg.tensor([1.0, 10.0, 100.0], backend=backend)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 0.0, 110.0])      # by hand: repeated picks add up


def test_a_numpy_index_is_copied():
    """A NumPy index is copied: the positions of the forward pass are the gradient's (by hand; PyTorch 2.13 shares
    an int64 index's memory and gives the gradient at the new positions, silently)."""
    x = tg.tensor(WEIGHTS, requires_grad=True)
    i = np.array([0, 1])
    y = x[i]
    i[0] = 2
    (y * tg.tensor([1.0, 10.0])).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 10.0, 0.0])        # by hand, at positions 0 and 1
    mask = np.array([True, False, True])
    x = tg.tensor(WEIGHTS, requires_grad=True)
    y = x[mask]
    mask[:] = [False, True, False]
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 0.0, 1.0])


def test_a_zero_d_index_tensor_is_an_integer_read_once(backend):
    """As PyTorch's ``select``: no saved index, the gradient at the position the forward pass read."""
    x = tg.tensor(WEIGHTS, requires_grad=True, backend=backend)
    i = tg.tensor(1, dtype="int64", backend=backend)
    y = x[i]
    i.fill_(2)
    y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 1.0, 0.0])


def _index_put(library):
    """``z[i] = v * 2`` then ``i[0]`` written and ``(z * [1, 2, 3]).sum().backward()``: v's gradient or "raises"."""
    if library == "torch":
        lib = pytest.importorskip("torch", reason="PyTorch is the reference")
        v, i = lib.tensor([5.0, 6.0], requires_grad=True), lib.tensor([0, 2])
        z = lib.zeros(3) * 1
    else:
        lib = tg
        v, i = tg.tensor([5.0, 6.0], requires_grad=True), tg.tensor([0, 2], dtype="int64")
        z = tg.tensor(np.zeros(3, "float32")) * 1
    z[i] = v * 2
    i[0] = 1
    try:
        (z * lib.tensor([1.0, 2.0, 3.0])).sum().backward()
    except RuntimeError as error:
        assert "modified by an inplace operation" in str(error)
        return "raises"
    return v.grad.tolist()


def test_index_put_refuses_after_its_index_tensor_is_written():
    assert _index_put("ours") == "raises"


def test_index_put_as_pytorch():
    assert _index_put("torch") == _index_put("ours")


def test_index_put_without_a_write_gives_the_gradient():
    v, i = tg.tensor([5.0, 6.0], requires_grad=True), tg.tensor([0, 2], dtype="int64")
    z = tg.tensor(np.zeros(3, "float32")) * 1
    z[i] = v * 2
    (z * tg.tensor([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_array_equal(v.grad.numpy(), [2.0, 6.0])               # by hand: 2 * weights at 0 and 2
