"""A uint8 index reads as a boolean mask, as PyTorch reads it (with its deprecation warning): a tester found
``x[tg.tensor([1, 0, 1], dtype="uint8")]`` picking rows 1, 0, 1 silently, where PyTorch gives rows 0 and 2."""
import warnings

import numpy as np
import pytest
from helpers import tensor_on

import tinygradconv as tg

torch = pytest.importorskip("torch")

BACKENDS = ["numpy", "array_api_strict"]


def _torch_quietly(call):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return call()


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("make, where", [("tensor", "first"), ("tensor", "second"), ("array", "first"),
                                         ("tensor", "2-D"), ("tensor", "0-d on"), ("tensor", "0-d off")])
def test_reads_as_pytorch_with_its_warning(backend, make, where):
    if backend == "array_api_strict":
        pytest.importorskip("array_api_strict")
    data = np.arange(12.0).reshape(3, 4)
    masks = {"first": [1, 0, 2], "second": [0, 3, 0, 1], "2-D": [[1, 0, 0, 1], [0, 0, 0, 0], [5, 1, 0, 0]],
             "0-d on": 3, "0-d off": 0}
    mask = np.array(masks[where], np.uint8)
    index = (lambda m: (slice(None), m)) if where == "second" else (lambda m: m)
    theirs = _torch_quietly(lambda: torch.tensor(data)[index(torch.tensor(mask))])
    ours_mask = tensor_on(mask, backend, dtype="uint8") if make == "tensor" else mask
    x = tensor_on(data, backend, requires_grad=True)
    with pytest.warns(UserWarning, match="uint8 .*boolean mask.*bool mask instead"):
        ours = x[index(ours_mask)]
    assert ours.shape == tuple(theirs.shape) and ours.tolist() == theirs.tolist()
    xt = torch.tensor(data, requires_grad=True)
    _torch_quietly(lambda: xt[index(torch.tensor(mask))].sum().backward())
    ours.sum().backward()
    assert x.grad.tolist() == xt.grad.tolist()


@pytest.mark.parametrize("backend", BACKENDS)
def test_writes_as_pytorch(backend):
    """A tensor value of the picked shape: PyTorch's values. A number: the mask is filled here, where PyTorch 2.13
    raises "masked_fill_ only supports boolean masks"; the result is that of the bool mask."""
    if backend == "array_api_strict":
        pytest.importorskip("array_api_strict")
    data, mask = np.arange(12.0).reshape(3, 4), np.array([1, 0, 7], np.uint8)
    t = torch.tensor(data)
    _torch_quietly(lambda: t.__setitem__(torch.tensor(mask), torch.full((2, 4), -1.0, dtype=torch.float64)))
    x = tensor_on(data, backend)
    with pytest.warns(UserWarning, match="boolean mask"):
        x[tensor_on(mask, backend, dtype="uint8")] = tensor_on(np.full((2, 4), -1.0), backend)
    assert x.tolist() == t.tolist()
    with pytest.raises(RuntimeError, match="masked_fill_ only supports boolean masks"):
        _torch_quietly(lambda: torch.tensor(data).__setitem__(torch.tensor(mask), 5.0))
    y = tensor_on(data, backend)
    with pytest.warns(UserWarning, match="boolean mask"):
        y[tensor_on(mask, backend, dtype="uint8")] = 5.0
    expected = torch.tensor(data)
    expected[torch.tensor(mask != 0)] = 5.0
    assert y.tolist() == expected.tolist()


def test_a_mask_of_another_shape_is_refused_and_other_integers_stay_positions():
    x = tg.tensor(np.arange(12.0).reshape(3, 4))
    with pytest.warns(UserWarning), pytest.raises(IndexError, match="boolean mask of shape"):
        x[tg.tensor([1, 0], dtype="uint8")]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for kind in ("int8", "int16", "int32", "int64"):
            assert x[tg.tensor([1, 0, 1], dtype=kind)][:, 0].tolist() == [4.0, 0.0, 4.0]
        assert x[[1, 0, 1]][:, 0].tolist() == [4.0, 0.0, 4.0]
