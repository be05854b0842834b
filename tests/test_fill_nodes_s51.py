"""``fill_``, ``zero_`` and ``copy_`` recorded in the graph show PyTorch 2.13's nodes: ``FillBackward``,
``ZeroBackward``, ``CopyBackwards``, and through a view ``CopySlices``, whose ``grad_fn.next_functions`` hold the
written tensor's old node, then the value's node where the value is a tensor (``None`` for one that does not require
grad), and no entry for a number (``fill_(5.0)``, ``zero_()``). Names, entries and gradients are compared with
PyTorch run on the same inputs (the reference; skipped visibly without it)."""
import re

import numpy as np
import pytest

import tinygradconv as tg

torch = pytest.importorskip("torch", reason="PyTorch is the reference of the graph's nodes")

WRITES = {
    "fill_ number": lambda lib, y: y.fill_(5.0),
    "zero_": lambda lib, y: y.zero_(),
    "fill_ 0-d tensor": lambda lib, y: y.fill_(lib.tensor(3.0)),
    "fill_ 0-d tensor that requires grad": lambda lib, y: y.fill_(lib.tensor(3.0, requires_grad=True) * 1),
    "copy_": lambda lib, y: y.copy_(lib.tensor([7.0, 8.0])),
    "copy_ of a tensor that requires grad": lambda lib, y: y.copy_(lib.tensor([7.0, 8.0], requires_grad=True) * 2),
    "view fill_ number": lambda lib, y: y[0].fill_(5.0),
    "view zero_": lambda lib, y: y[1].zero_(),
    "view fill_ 0-d tensor that requires grad": lambda lib, y: y[0].fill_(lib.tensor(3.0, requires_grad=True) * 1),
    "view copy_": lambda lib, y: y[0].copy_(lib.tensor([7.0, 8.0])),
    "view copy_ of a tensor that requires grad": lambda lib, y: y[0].copy_(lib.tensor([7.0, 8.0],
                                                                                       requires_grad=True) * 2),
    "transposed view fill_": lambda lib, y: y.T.fill_(5.0),
    "column zero_": lambda lib, y: y[:, 1].zero_(),
}


def name(node):
    """A node's name without PyTorch's namespace and overload number (``torch::autograd::CopySlices``,
    ``FillBackward2``)."""
    return re.sub(r"\d+$", "", node.name().replace("torch::autograd::", ""))


def shape_of(node, depth=3):
    """The node's name and its ``next_functions`` (names, or None), ``depth`` levels down."""
    if node is None:
        return None
    if depth == 0:
        return name(node)
    return name(node), tuple(shape_of(n, depth - 1) for n, _ in getattr(node, "next_functions", ()))


def run(lib, write):
    x = lib.tensor(np.array([[1.0, 2.0], [3.0, 4.0]]), requires_grad=True)
    y = x * 2
    WRITES[write](lib, y)
    return x, y


@pytest.mark.parametrize("write", WRITES, ids=list(WRITES))
def test_the_nodes_are_pytorchs(write):
    (_, y), (_, ty) = run(tg, write), run(torch, write)
    assert shape_of(y.grad_fn) == shape_of(ty.grad_fn)


@pytest.mark.parametrize("backend", ["numpy", "array_api_strict"])
@pytest.mark.parametrize("write", WRITES, ids=list(WRITES))
def test_values_and_gradients_are_pytorchs(write, backend):
    if backend == "array_api_strict":
        pytest.importorskip("array_api_strict")
    tg.set_backend(backend)     # (the values the writes make: on the backend of the tensor written)
    try:
        x, y = run(tg, write)
        assert x.backend.name == backend
        tx, ty = run(torch, write)
        np.testing.assert_array_equal(y.detach().numpy(), ty.detach().numpy())
        ((y * y).sum()).backward()
        ((ty * ty).sum()).backward()
        np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())
    finally:
        tg.set_backend("numpy")
