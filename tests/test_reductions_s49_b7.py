"""nansum, nanmean, count_nonzero, cumprod, logcumsumexp, cummax/cummin, aminmax, var_mean/std_mean and the
medians, against PyTorch 2.13 (values, dtypes, indices, gradients) and Keras 3 (keras.ops.median, nansum,
nanmean, cumprod, count_nonzero). The special points (NaN, infinities, zeros, ties, rank 0, empty) are also
checked for every registered op in tests/test_special_points.py."""
import numpy as np
import pytest
from helpers import keras_on_torch

import tinygradconv as tg

torch = pytest.importorskip("torch", reason="PyTorch is the reference of these reductions")
nan, inf = np.nan, np.inf


def _both(data, dtype="float64"):
    """A tinygradconv tensor and a torch tensor of ``data``, both requiring grad when floating."""
    a = np.asarray(data, dtype=dtype)
    floating = a.dtype.kind == "f"
    return tg.tensor(a, dtype=str(a.dtype), requires_grad=floating), torch.tensor(a, requires_grad=floating)


def _same(ours, theirs, exact=True):
    theirs = theirs.detach().numpy()
    ours = ours.numpy()
    assert ours.shape == theirs.shape and str(ours.dtype) == str(theirs.dtype), (ours, theirs)
    if exact:
        np.testing.assert_array_equal(ours, theirs)
    else:
        np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-12)


def _grads_match(x, tx, ours, theirs, exact=True):
    g = np.random.default_rng(0).standard_normal(tuple(theirs.shape))
    ours.backward(tg.tensor(g, dtype=str(ours.dtype)))
    theirs.backward(torch.tensor(g, dtype=theirs.dtype))
    _same(x.grad, tx.grad, exact)


CUMPROD_ROWS = [[2.0, 0.0, 3.0, 4.0], [2.0, 0.0, 3.0, 0.0], [0.0, 0.0, 1.0, 2.0], [inf, 0.0, 2.0, 1.0],
                [nan, 0.0, 2.0, 1.0], [1.5, -2.0, 0.5, 3.0]]


@pytest.mark.parametrize("dim", [1, -1, 0])
def test_cumprod_values_and_gradients_with_zeros_match_torch(dim):
    x, tx = _both(CUMPROD_ROWS)
    ours, theirs = tg.ops.cumprod(x, dim=dim), torch.cumprod(tx, dim)
    _same(ours, theirs)
    _grads_match(x, tx, ours, theirs, exact=False)


def test_cumprod_dtypes_as_torch_and_axis_none_flattens_as_keras():
    for dtype in ("int32", "int64", "bool", "uint8"):
        data = np.array([[1, 2], [3, 1]], dtype=dtype)
        _same(tg.tensor(data, dtype=dtype).cumprod(1), torch.cumprod(torch.tensor(data), 1))
    assert str(tg.tensor(np.ones(3, "float16")).cumprod(0).dtype) == "float16"
    keras = keras_on_torch("Keras 3 on torch is the reference of cumprod(axis=None)")
    data = np.array([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(tg.ops.cumprod(data).numpy(), keras.ops.convert_to_numpy(keras.ops.cumprod(data)))
    assert tg.tensor(np.float64(3.0)).cumprod(0).shape == ()


@pytest.mark.parametrize("dim", [1, 0, -2])
def test_logcumsumexp_matches_torch(dim):
    rows = [[1.0, -inf, 0.5, 2.0], [-inf, -inf, 2.0, -inf], [inf, 1.0, inf, -inf], [800.0, 0.0, -800.0, 801.0],
            [-1000.0, 0.0, -1000.0, 5.0], [-0.0, 0.0, 1.0, 2.0]]
    x, tx = _both(rows)
    ours, theirs = x.logcumsumexp(dim), torch.logcumsumexp(tx, dim)
    _same(ours, theirs, exact=False)
    _grads_match(x, tx, ours, theirs, exact=False)
    with pytest.raises(TypeError, match="Invalid type for argument `x` of logcumsumexp"):
        tg.tensor([1, 2], dtype="int64").logcumsumexp(0)


@pytest.mark.parametrize("name", ["cummax", "cummin"])
@pytest.mark.parametrize("dtype", ["float64", "float32", "float16", "int64", "bool"])
def test_cummax_cummin_values_indices_and_gradients_match_torch(name, dtype):
    rows = [[1.0, 3.0, 3.0, 2.0, 0.0, 5.0], [2.0, 2.0, 1.0, 2.0, 2.0, 1.0], [1.0, nan, 5.0, nan, 7.0, -1.0],
            [0.0, -0.0, 0.0, -0.0, 1.0, 1.0], [-inf, inf, -inf, inf, 0.0, 0.0]]
    data = np.array(rows)
    if dtype in ("int64", "bool"):
        data = np.nan_to_num(data, posinf=9, neginf=-9)
    x, tx = _both(data.astype(dtype) if dtype != "bool" else data != 0, dtype)
    for dim in (1, 0, -1):
        values, indices = getattr(x, name)(dim)
        theirs = getattr(torch, name)(tx, dim)
        _same(values, theirs.values)
        _same(indices, theirs.indices)
    if dtype == "float64":
        _grads_match(x, tx, getattr(x, name)(1).values, getattr(torch, name)(tx, 1).values)


def test_cummax_rank0_and_empty_as_torch():
    v, i = tg.tensor(np.float64(3.0)).cummax(0)
    assert v.shape == () and i.shape == () and i.item() == 0
    v, i = tg.tensor(np.zeros((0, 2))).cummax(1)
    assert v.shape == (0, 2) and str(i.dtype) == "int64"
    with pytest.raises(TypeError, match="dim"):
        tg.ops.cummax(tg.tensor([1.0]))


@pytest.mark.parametrize("dim, keepdim", [(None, False), (1, False), (0, True), ((0, 1), False), (-1, True)])
def test_nansum_and_nanmean_match_torch(dim, keepdim):
    rows = [[1.0, nan, 2.0], [nan, nan, nan], [inf, nan, -1.0], [-0.0, -0.0, nan]]
    for ours_fn, torch_fn in ((tg.ops.nansum, torch.nansum), (tg.ops.nanmean, torch.nanmean)):
        x, tx = _both(rows)
        kwargs = {} if dim is None else {"dim": dim}
        ours, theirs = ours_fn(x, keepdim=keepdim, **kwargs), torch_fn(tx, keepdim=keepdim, **kwargs)
        _same(ours, theirs)
        _grads_match(x, tx, ours, theirs)


def test_nan_reductions_dtypes_and_keras():
    assert str(tg.tensor(np.array([1, 2]), dtype="int32").nansum().dtype) == "int64"
    assert str(tg.tensor(np.array([True, True]), dtype="bool").nansum().dtype) == "int64"
    assert str(tg.tensor(np.array([1.0, nan], "float16")).nanmean().dtype) == "float16"
    with pytest.raises(TypeError, match="Invalid type for argument `x` of nanmean"):
        tg.tensor(np.array([1, 2]), dtype="int64").nanmean()
    assert np.isnan(tg.tensor(np.zeros(0)).nanmean().item()) and tg.tensor(np.zeros(0)).nansum().item() == 0
    keras = keras_on_torch("Keras 3 on torch is the reference of nansum/nanmean")
    data = np.array([[1.0, nan, 2.0], [nan, 3.0, 4.0]])
    for name in ("nansum", "nanmean"):
        np.testing.assert_allclose(getattr(tg.ops, name)(data, axis=1).numpy(),
                                   keras.ops.convert_to_numpy(getattr(keras.ops, name)(data, axis=1)))


def test_count_nonzero_counts_nan_not_negative_zero_as_torch():
    data = np.array([[0.0, nan, -0.0], [1.0, 0.0, 2.0]])
    for dim in (None, 1, 0, (0, 1), -1):
        kwargs = {} if dim is None else {"dim": dim}
        _same(tg.tensor(data).count_nonzero(**kwargs), torch.count_nonzero(torch.tensor(data), **kwargs))
    mask = np.array([True, False, True])
    _same(tg.tensor(mask, dtype="bool").count_nonzero(), torch.count_nonzero(torch.tensor(mask)))
    keras = keras_on_torch("Keras 3 on torch counts too")
    np.testing.assert_array_equal(tg.ops.count_nonzero(data, axis=1).numpy(),
                                  keras.ops.convert_to_numpy(keras.ops.count_nonzero(data, axis=1)))


@pytest.mark.parametrize("dim", [None, 1, 0])
def test_aminmax_values_and_gradients_match_torch(dim):
    x, tx = _both([[1.0, 3.0, 3.0], [2.0, nan, 0.0], [-inf, 4.0, 4.0]])
    kwargs = {} if dim is None else {"dim": dim}
    low, high = x.aminmax(**kwargs)
    tlow, thigh = torch.aminmax(tx, **kwargs)
    _same(low, tlow)
    _same(high, thigh)
    (low.sum() + high.sum() * 2.0).backward()
    (tlow.sum() + thigh.sum() * 2.0).backward()
    _same(x.grad, tx.grad)
    with pytest.raises(ValueError, match="Invalid value for argument `x` of aminmax"):
        tg.ops.aminmax(tg.tensor(np.zeros(0)))


@pytest.mark.parametrize("correction", [0, 1, 2])
def test_var_mean_and_std_mean_match_torch(correction):
    data = np.random.default_rng(1).standard_normal((3, 5))
    for ours_fn, torch_fn in ((tg.ops.var_mean, torch.var_mean), (tg.ops.std_mean, torch.std_mean)):
        for dim, keepdim in ((None, False), (1, True), (0, False)):
            ours = ours_fn(tg.tensor(data), dim, correction=correction, keepdim=keepdim)
            theirs = torch_fn(torch.tensor(data), dim, correction=correction, keepdim=keepdim)
            for a, b in zip(ours, theirs):
                _same(a, b, exact=False)


MEDIAN_ROWS = [[3.0, 1.0, 2.0, 4.0, 0.5, 9.0], [2.0, 1.0, 2.0, 2.0, 1.0, 5.0], [5.0, 2.0, 2.0, 2.0, 1.0, 2.0],
               [1.0, nan, 2.0, nan, 0.0, 1.0], [-inf, inf, 0.0, 3.0, 1.0, 1.0]]


@pytest.mark.parametrize("dim, keepdim", [(1, False), (0, True), (-1, True)])
def test_tensor_median_with_dim_matches_torch_values_indices_gradients(dim, keepdim):
    x, tx = _both(MEDIAN_ROWS)
    values, indices = x.median(dim, keepdim)
    theirs = torch.median(tx, dim, keepdim)
    _same(values, theirs.values)
    _same(indices, theirs.indices)
    _grads_match(x, tx, values, theirs.values)


@pytest.mark.parametrize("data", [MEDIAN_ROWS[:3], MEDIAN_ROWS[3:], [2.0, 2.0, 1.0], [[1.0, 2.0], [3.0, 4.0]]])
def test_tensor_median_of_everything_splits_ties_as_torch(data):
    x, tx = _both(data)
    ours, theirs = x.median(), torch.median(tx)
    _same(ours, theirs)
    _grads_match(x, tx, ours, theirs)


def test_tensor_median_dtypes_rank0_and_empty_as_torch():
    _same(tg.tensor(np.array([3, 1, 2, 4]), dtype="int64").median(), torch.median(torch.tensor([3, 1, 2, 4])))
    v, i = tg.tensor(np.float64(2.0)).median(0)
    assert v.item() == 2.0 and i.item() == 0 and v.shape == ()
    assert np.isnan(tg.tensor(np.zeros(0, "float32")).median().item())


@pytest.mark.parametrize("axis, keepdims", [(None, False), (1, False), (0, True), ((0, 1), True), (-1, False)])
def test_ops_median_is_keras_mean_of_the_two_middles(axis, keepdims):
    keras = keras_on_torch("Keras 3 on torch is the reference of tg.ops.median")
    data = np.array([[3.0, 1.0, 2.0, 4.0], [2.0, 7.0, 2.0, 1.0], [1.0, nan, 2.0, 0.0]])
    ours = tg.ops.median(data, axis=axis, keepdims=keepdims)
    theirs = keras.ops.convert_to_numpy(keras.ops.median(data, axis=axis, keepdims=keepdims))
    np.testing.assert_array_equal(ours.numpy(), theirs)
    assert str(tg.ops.median(tg.tensor([1, 2, 3, 4], dtype="int64")).dtype) == "float32"   # Keras: floatx
    x = tg.tensor([4.0, 1.0, 3.0, 2.0], requires_grad=True)
    tg.ops.median(x).backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.5, 0.5]        # by hand: the middle values 2 and 3 share it


def test_the_new_methods_are_no_longer_missing():
    t = tg.tensor([1.0])
    for name in ("median", "nansum", "nanmean", "count_nonzero", "cumprod", "logcumsumexp", "cummax", "cummin",
                 "aminmax"):
        assert name in dir(t) and callable(getattr(t, name))


def test_scans_are_vectorised_on_long_inputs():
    """10**5 elements: a per-element Python loop would take seconds; the log-step scan stays well under one."""
    import time

    x = tg.tensor(np.random.default_rng(2).standard_normal(10**5))
    start = time.perf_counter()
    values = x.cummax(0).values
    x.logcumsumexp(0)
    assert time.perf_counter() - start < 2.0
    np.testing.assert_array_equal(values.numpy(), np.maximum.accumulate(x.numpy()))


def test_float16_matches_torch_bit_for_bit():
    rng = np.random.default_rng(4)
    x = rng.uniform(0.5, 1.5, (6, 3000)).astype(np.float16)
    _same(tg.tensor(x, dtype="float16").cumprod(1), torch.cumprod(torch.from_numpy(x), 1))
    # logcumsumexp's scan groups its float32 steps as a tree: a float16 value can be one unit off PyTorch's
    ours = tg.tensor(x, dtype="float16").logcumsumexp(1).numpy()
    theirs = torch.logcumsumexp(torch.from_numpy(x), 1).numpy()
    assert ours.dtype == np.float16 and np.mean(ours != theirs) < 0.01
    np.testing.assert_allclose(ours.astype(np.float64), theirs.astype(np.float64), rtol=1e-3)
    x[::2, ::7] = np.nan        # counts over 2048: PyTorch divides by the count in float16
    t, tt = tg.tensor(x, dtype="float16", requires_grad=True), torch.tensor(x, requires_grad=True)
    ours, theirs = t.nanmean(dim=1), torch.nanmean(tt, 1)
    _same(ours, theirs)
    _grads_match(t, tt, ours, theirs)
