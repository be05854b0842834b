"""The indices an op returns beside its values (``values, indices = x.cummax(1)``, ``cummin``, ``x.median(1)``),
written in place before the backward pass: PyTorch 2.13's node saves them (``CummaxBackward0``, ``MedianBackward1``
...), so the backward pass refuses ("one of the variables needed for gradient computation has been modified by an
inplace operation") whatever the write (``idx[0] = 0``, ``idx.add_(0)``, a view ``idx[:1].fill_(0)``). Ours read them
back and sent the gradient to the new positions, silently.

PyTorch's other ops that return indices (``max(dim)``, ``min(dim)``, ``kthvalue``, ``mode``, ``sort``, ``topk``,
``nanmedian``) refuse the same way (checked with PyTorch 2.13): here ``x.max(1)`` is a TypeError and the others do not
exist (AttributeError with a hint), so there is nothing to check on our side.

References: the outcomes recorded from PyTorch 2.13 (:data:`TORCH_SAYS`), checked against PyTorch where it is
installed (skipped visibly without it), and gradients computed by hand."""

import numpy as np
import pytest

import tinygradconv as tg

X = [[1.0, 3.0, 2.0], [4.0, 0.0, 5.0]]

#: op -> ``values, indices`` of the (2, 3) input ``x`` (the same call in both libraries)
OPS = {
    "cummax": lambda x: x.cummax(1),
    "cummin": lambda x: x.cummin(1),
    "cummax_dim0": lambda x: x.cummax(0),
    "median_dim": lambda x: x.median(1),
    "median_keepdim": lambda x: x.median(1, keepdim=True),
}
#: a write in place of the returned indices (each bumps PyTorch's version counter, even one that changes nothing)
WRITES = {
    "setitem": lambda i: i.__setitem__(0, 0),
    "add_": lambda i: i.add_(0),
    "view_fill_": lambda i: i[:1].fill_(0),
}
#: (op, write) -> what PyTorch 2.13 does on ``values, indices = op(x); write(indices); values.sum().backward()``
TORCH_SAYS = {(op, write): "raises" for op in OPS for write in WRITES}


def _tensor(library, values, backend="numpy", **kwargs):
    if library == "torch":
        torch = pytest.importorskip("torch", reason="PyTorch is the reference")
        return torch.tensor(values, **kwargs)
    return tg.tensor(values, backend=backend, **kwargs)


def _outcome(library, op, write, backend="numpy"):
    x = _tensor(library, X, backend, requires_grad=True)
    values, indices = OPS[op](x)
    WRITES[write](indices)
    try:
        values.sum().backward()
    except RuntimeError as error:
        assert "modified by an inplace operation" in str(error)
        return "raises"
    return "ok"


@pytest.mark.parametrize("op, write", sorted(TORCH_SAYS))
def test_the_table_is_pytorchs(op, write):
    assert _outcome("torch", op, write) == TORCH_SAYS[op, write]


@pytest.mark.parametrize("op, write", sorted(TORCH_SAYS))
def test_written_indices_refuse_the_backward_pass(op, write, backend):
    assert _outcome("ours", op, write, backend) == TORCH_SAYS[op, write]


def test_the_reported_cummax_case(backend):
    """The tester's case: the true gradient of the forward pass that ran is [1, 2, 0]; ours gave [0, 2, 0]."""
    x = tg.tensor([1.0, 3.0, 2.0], requires_grad=True, backend=backend)
    values, indices = x.cummax(0)
    indices[0] = 2
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        values.sum().backward()


def test_a_zero_d_cummax_refuses_too(backend):
    """A rank-0 input's backward pass does not read the index (always 0), but PyTorch saves it and refuses."""
    x = tg.tensor(2.0, requires_grad=True, backend=backend)
    values, indices = x.cummax(0)
    indices.fill_(0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        values.backward()


@pytest.mark.parametrize("op", sorted(OPS))
def test_unwritten_indices_give_the_gradient(op, backend):
    """By hand: each output's gradient goes to the position its value came from."""
    expected = {"cummax": [[1, 2, 0], [2, 0, 1]], "cummin": [[3, 0, 0], [1, 2, 0]],
                "cummax_dim0": [[1, 2, 1], [1, 0, 1]], "median_dim": [[0, 0, 1], [1, 0, 0]],
                "median_keepdim": [[0, 0, 1], [1, 0, 0]]}[op]
    x = tg.tensor(X, requires_grad=True, backend=backend)
    values, _ = OPS[op](x)
    values.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), expected)


def test_the_hand_gradients_are_pytorchs():
    torch = pytest.importorskip("torch", reason="PyTorch is the reference")
    for op, make in OPS.items():
        x, y = torch.tensor(X, requires_grad=True), tg.tensor(X, requires_grad=True)
        make(x)[0].sum().backward()
        make(y)[0].sum().backward()
        np.testing.assert_array_equal(y.grad.numpy(), x.grad.numpy(), err_msg=op)


def test_what_pytorch_allows_stays_allowed(backend):
    """As PyTorch: indices written with no gradient recorded, or a loss that does not go through the values, or the
    values (not saved by cummax's node) written in place: no error, the gradient of the forward pass that ran."""
    x = tg.tensor([1.0, 3.0, 2.0], backend=backend)
    values, indices = x.cummax(0)
    indices[0] = 2
    assert indices.tolist() == [2, 1, 1]
    x = tg.tensor([1.0, 3.0, 2.0], requires_grad=True, backend=backend)
    values, indices = x.cummax(0)
    indices[0] = 2
    (x * 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0, 2.0])
    x = tg.tensor([1.0, 3.0, 2.0], requires_grad=True, backend=backend)
    values, indices = x.cummax(0)
    values.add_(1)
    values.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 2.0, 0.0])        # PyTorch: [1, 2, 0]
