"""PyTorch's keyword spellings of the shape methods (a tester found ``flip(dims=[0])``, ``permute(dims=...)``,
``reshape(shape=...)``, ``transpose(dim0=, dim1=)`` and ``tensor_split(sections=/indices=)`` refused with
"unexpected keyword argument", where the positional forms work): each against PyTorch, values and gradients, and
the spellings PyTorch refuses refused here too."""
import numpy as np
import pytest
from helpers import tensor_on

import tinygradconv as tg

torch = pytest.importorskip("torch")

CALLS = ["flip(dims=[0])", "flip(dims=(0, 2))", "flip(dims=())", "permute(dims=(2, 1, 0))", "permute(dims=[1, 2, 0])",
         "reshape(shape=(4, 6))", "reshape(shape=[-1, 3])", "transpose(dim0=0, dim1=2)", "transpose(1, dim1=-1)",
         "transpose(dim1=0, dim0=2)", "tensor_split(sections=2, dim=2)", "tensor_split(sections=3)",
         "tensor_split(indices=[1], dim=2)", "tensor_split(indices=(1, 2), dim=1)", "tensor_split(indices=[1], axis=2)"]


@pytest.mark.parametrize("backend", ["numpy", "array_api_strict"])
@pytest.mark.parametrize("call", CALLS)
def test_keywords_as_pytorch(backend, call):
    if backend == "array_api_strict":
        pytest.importorskip("array_api_strict")
    data = np.arange(24.0).reshape(2, 3, 4)
    weights = np.cos(np.arange(24.0))
    x, xt = tensor_on(data, backend, requires_grad=True), torch.tensor(data, requires_grad=True)
    ours, theirs = eval("x." + call), eval("xt." + call)
    ours, theirs = (ours, theirs) if isinstance(theirs, tuple) else ((ours,), (theirs,))
    assert [p.shape for p in ours] == [tuple(p.shape) for p in theirs]
    assert [p.tolist() for p in ours] == [p.tolist() for p in theirs]
    # a gradient through every piece, weighted so that a misplaced element shows
    def loss(pieces, lib):
        total, start = 0, 0
        for p in pieces:
            n = int(np.prod(p.shape))
            w = weights[start:start + n].reshape(tuple(p.shape))
            total = total + (p * (tensor_on(w, backend) if lib is tg else torch.tensor(w))).sum()
            start += n
        return total
    loss(ours, tg).backward()
    loss(theirs, torch).backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("call", ["transpose(0, dim0=1)", "transpose(dim0=0)", "tensor_split(sections=[1])",
                                  "tensor_split(indices=2)", "tensor_split(2, sections=2)", "tensor_split()",
                                  "reshape(4, 6, shape=(4, 6))", "permute(2, 1, 0, dims=(2, 1, 0))",
                                  "flip(0, dims=[0])"])
def test_what_pytorch_refuses_is_a_type_error(call):
    with pytest.raises(TypeError):
        eval("x." + call, {"x": torch.zeros(2, 3, 4)})
    with pytest.raises(TypeError, match=r"transpose|tensor_split|reshape|permute|flip"):
        eval("x." + call, {"x": tg.tensor(np.zeros((2, 3, 4)))})


def test_functions_take_the_keywords_too():
    """``tg.ops.reshape(x, shape=...)`` as ``torch.reshape(input, shape)``, and ``permute``/``transpose``."""
    data = np.arange(6.0).reshape(2, 3)
    x, xt = tg.tensor(data), torch.tensor(data)
    assert tg.ops.reshape(x, shape=(3, 2)).tolist() == torch.reshape(xt, shape=(3, 2)).tolist()
    assert tg.ops.permute(x, dims=(1, 0)).tolist() == torch.permute(xt, dims=(1, 0)).tolist()
    assert tg.ops.transpose(x, dim0=1, dim1=0).tolist() == torch.transpose(xt, dim0=1, dim1=0).tolist()
