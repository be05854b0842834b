"""Reductions and running ops of bool tensors against torch 2.13 on every CPU backend: cummax/cummin and
count_nonzero crashed inside array-api-strict (it orders no bools, and refuses ``bool_array != 0``); PyTorch's
median refuses bools, and the numpy backend returned False."""
import numpy as np
import pytest

import tinygradconv as tg

torch = pytest.importorskip("torch")

BACKENDS = ["numpy", "array_api_strict"]
B = np.array([[False, True, False, True, True], [True, True, False, False, True], [False, False, False, True, False]])


def _same(ours, expected):
    assert str(ours.dtype).rpartition(".")[2] == str(expected.dtype).rpartition(".")[2]
    assert np.asarray(ours.tolist()).tolist() == expected.tolist()


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", ["cummax", "cummin"])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cummax_cummin_of_bools_as_torch(backend, name, dim):
    ours = getattr(tg.ops, name)(tg.Tensor(B, dtype="bool", backend=backend), dim=dim)
    expected = getattr(torch, name)(torch.tensor(B), dim)
    _same(ours.values, expected.values)
    _same(ours.indices, expected.indices)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dim", [None, 0, 1, (0, 1)])
def test_count_nonzero_of_bools_as_torch(backend, dim):
    t = tg.Tensor(B, dtype="bool", backend=backend)
    expected = torch.count_nonzero(torch.tensor(B), dim)
    _same(t.count_nonzero(dim), expected)
    _same(tg.ops.count_nonzero(t, dim=dim), expected)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dim", [None, 1])
def test_torch_median_refuses_bools_as_torch(backend, dim):
    with pytest.raises(NotImplementedError, match="Bool"):
        torch.tensor(B).median() if dim is None else torch.tensor(B).median(dim)
    t = tg.Tensor(B, dtype="bool", backend=backend)
    with pytest.raises(TypeError, match="`x` of median.*dtype bool"):
        t.median() if dim is None else t.median(dim)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name, call", [
    ("sum", lambda t: t.sum(1)), ("prod", lambda t: t.prod(dim=1)), ("amax", lambda t: t.amax(1)),
    ("amin", lambda t: t.amin(0)), ("max", lambda t: t.max()), ("any", lambda t: t.any()),
    ("all", lambda t: t.all(1)), ("cumsum", lambda t: t.cumsum(1)), ("cumprod", lambda t: t.cumprod(0)),
    ("nansum", lambda t: t.nansum())])
def test_other_reductions_of_bools_as_torch(backend, name, call):
    """The sweep that found the three above: these already gave torch's values and dtypes on both backends."""
    _same(call(tg.Tensor(B, dtype="bool", backend=backend)), call(torch.tensor(B)))
