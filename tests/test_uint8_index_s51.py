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
    """A tensor value of the picked shape: PyTorch's values, with the warning."""
    if backend == "array_api_strict":
        pytest.importorskip("array_api_strict")
    data, mask = np.arange(12.0).reshape(3, 4), np.array([1, 0, 7], np.uint8)
    t = torch.tensor(data)
    _torch_quietly(lambda: t.__setitem__(torch.tensor(mask), torch.full((2, 4), -1.0, dtype=torch.float64)))
    x = tensor_on(data, backend)
    with pytest.warns(UserWarning, match="boolean mask"):
        x[tensor_on(mask, backend, dtype="uint8")] = tensor_on(np.full((2, 4), -1.0), backend)
    assert x.tolist() == t.tolist()


M1, M4 = np.array([0, 5], np.uint8), np.array([1, 0, 0, 7], np.uint8)
M2 = np.array([[1, 0, 2], [0, 0, 3]], np.uint8)
M34 = np.array([[1, 0, 0, 1], [0, 1, 0, 0], [0, 0, 0, 1]], np.uint8)
# (index, value): arrays in the index are uint8 masks (or positions for a list), values numbers or arrays
WRITES = {"mask = number": ((M1,), 100.0), "mask = int": ((M1,), 7), "mask = 0-d": ((M1,), np.array(100.0)),
          "mask = (1,)": ((M1,), np.array([100.0])), "2-D mask = (1, 1)": ((M2,), np.array([[100.0]])),
          "mask = (3, 4)": ((M1,), -np.arange(12.0).reshape(3, 4)), "2-D mask = (4,)": ((M2,), np.arange(4.0)),
          "..., mask = number": ((Ellipsis, M4), 100.0), "int, 2-D mask = number": ((1, M34), 100.0),
          "None, mask = number": ((None, M1), 100.0), "slice, slice, mask = number": ((slice(None), slice(1, None),
                                                                                        M4), 100.0),
          "mask, positions = number": ((M1, [0, 2]), 100.0), "0-d uint8 = number": ((np.array(1, np.uint8),), 100.0),
          "0-d uint8 zero = number": ((np.array(0, np.uint8),), 100.0),
          "mask, 0-d uint8 = number": ((M1, np.array(1, np.uint8)), 100.0)}


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("case", list(WRITES))
@pytest.mark.parametrize("make", ["tensor", "array"])
def test_one_value_through_a_uint8_mask_refused_as_pytorch(backend, case, make):
    """``t[uint8_mask] = 100.0``: PyTorch writes one value (a number, or one element) through an index whose only
    index tensor is a mask with ``masked_fill_``, which refuses a uint8 mask; ours wrote it (found by a reviewer).
    Refused where PyTorch refuses, PyTorch's values where it writes (several values, or a second index tensor)."""
    if backend == "array_api_strict":
        pytest.importorskip("array_api_strict")
    index, value = WRITES[case]
    data = np.arange(24.0).reshape(2, 3, 4)

    def torch_write():
        t = torch.tensor(data)
        t[tuple(torch.tensor(i) if isinstance(i, np.ndarray) else i for i in index)] = (
            torch.tensor(value) if isinstance(value, np.ndarray) else value)
        return t

    def ours(i):
        if not isinstance(i, np.ndarray):
            return i
        return tensor_on(i, backend, dtype="uint8") if make == "tensor" else i

    try:
        expected = _torch_quietly(torch_write)
    except RuntimeError as error:
        assert "masked_fill_ only supports boolean masks" in str(error)
        expected = None
    x = tensor_on(data, backend)
    written = tensor_on(value, backend) if isinstance(value, np.ndarray) else value
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if expected is None:
            with pytest.raises(TypeError, match="uint8 mask of shape.*t\\[mask != 0\\] = value"):
                x[tuple(ours(i) for i in index)] = written
            assert x.tolist() == data.tolist()                  # refused before anything is written
        else:
            x[tuple(ours(i) for i in index)] = written
            assert x.tolist() == expected.tolist()


@pytest.mark.parametrize("backend", BACKENDS)
def test_writes_with_gradients_as_pytorch(backend):
    """A value of several elements written through a uint8 mask into an op's output: PyTorch's values and
    gradients (``index_put_``, the mask read as ``mask != 0``); one value with a gradient is refused as above."""
    if backend == "array_api_strict":
        pytest.importorskip("array_api_strict")
    data, weights = np.arange(24.0).reshape(2, 3, 4), np.linspace(-1.0, 2.0, 24).reshape(2, 3, 4)
    source = -np.arange(12.0).reshape(3, 4) - 0.5
    w, v = torch.tensor(data, requires_grad=True), torch.tensor(source, requires_grad=True)
    y = w * 2
    _torch_quietly(lambda: y.__setitem__(torch.tensor(M2), v))
    _torch_quietly(lambda: (y * torch.tensor(weights)).sum().backward())
    ow, ov = tensor_on(data, backend, requires_grad=True), tensor_on(source, backend, requires_grad=True)
    oy = ow * 2
    with pytest.warns(UserWarning, match="boolean mask"):
        oy[tensor_on(M2, backend, dtype="uint8")] = ov
    (oy * tensor_on(weights, backend)).sum().backward()
    assert oy.tolist() == y.tolist()
    assert ow.grad.tolist() == w.grad.tolist() and ov.grad.tolist() == v.grad.tolist()
    one = tensor_on(7.0, backend, requires_grad=True)
    with pytest.raises(TypeError, match="uint8 mask"):
        (ow * 1)[tensor_on(M1, backend, dtype="uint8")] = one


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("make", ["tensor", "array"])
def test_where_reads_a_uint8_condition_as_pytorch_with_its_warning(backend, make):
    """``torch.where`` reads a uint8 condition as ``condition != 0`` and warns it is deprecated (ours refused it);
    values and gradients as PyTorch's. Other integer conditions, and a uint8 mask in ``masked_fill``, are refused
    by both."""
    if backend == "array_api_strict":
        pytest.importorskip("array_api_strict")
    data, condition = np.arange(24.0).reshape(2, 3, 4) - 5, np.array([1, 0, 0, 7], np.uint8)
    upstream = np.linspace(-1.0, 1.0, 24).reshape(2, 3, 4)
    xt = torch.tensor(data, requires_grad=True)
    yt = _torch_quietly(lambda: torch.where(torch.tensor(condition), xt, -1.0))   # (PyTorch warns once a process)
    yt.backward(torch.tensor(upstream))
    x = tensor_on(data, backend, requires_grad=True)
    c = tensor_on(condition, backend, dtype="uint8") if make == "tensor" else condition
    with pytest.warns(UserWarning, match="uint8 condition.*condition != 0"):
        y = tg.ops.where(c, x, -1.0)
    y.backward(tensor_on(upstream, backend))
    assert tg.backend.dtype_name(y.dtype) == "float64" and y.tolist() == yt.tolist()
    assert x.grad.tolist() == xt.grad.tolist()
    with pytest.raises(RuntimeError, match="expected condition to be a boolean tensor"):
        torch.where(torch.tensor(condition, dtype=torch.int8), xt, -1.0)
    with pytest.raises(TypeError, match="`condition` of where"):
        tg.ops.where(tensor_on(condition, backend, dtype="int8"), x, -1.0)
    with pytest.raises(RuntimeError, match="masked_fill_ only supports boolean masks"):
        torch.tensor(data).masked_fill(torch.tensor(condition), 0.0)
    with pytest.raises(TypeError, match="`mask` of masked_fill"):
        tensor_on(data, backend).masked_fill(tensor_on(condition, backend, dtype="uint8"), 0.0)


def test_a_mask_of_another_shape_is_refused_and_other_integers_stay_positions():
    x = tg.tensor(np.arange(12.0).reshape(3, 4))
    with pytest.warns(UserWarning), pytest.raises(IndexError, match="boolean mask of shape"):
        x[tg.tensor([1, 0], dtype="uint8")]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for kind in ("int8", "int16", "int32", "int64"):
            assert x[tg.tensor([1, 0, 1], dtype=kind)][:, 0].tolist() == [4.0, 0.0, 4.0]
        assert x[[1, 0, 1]][:, 0].tolist() == [4.0, 0.0, 4.0]
