"""Sums along any axis as accurate as PyTorch's (tinygradconv.ops.summation): NumPy adds a non-last axis step by
step, so a float32 sum of 10**5 terms down axis 0 was 4e-6 off (torch: 5e-8), a million terms 1 % off, and a float16
logsumexp down axis 0 stopped counting at 2048 terms. The references: the float64 sum of the same float32 values,
and PyTorch's results, which must be no closer to it than ours by more than a few float32 roundings."""
import itertools

import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv import ops
from tinygradconv.ops.nn import log_softmax
from tinygradconv.ops.summation import PLAIN_ROWS, accurate_sum

N = 10**5


def _relative_error(got, exact):
    return float(np.max(np.abs(np.asarray(got, np.float64) - exact) / np.abs(exact)))


@pytest.fixture(scope="module")
def tenths():
    """``N`` float32 values near 0.1 in two columns (summing them step by step drifts: every partial sum rounds)."""
    rng = np.random.default_rng(0)
    return (0.1 + 0.01 * rng.standard_normal((N, 2))).astype(np.float32)


@pytest.mark.parametrize("backend", ["numpy", "array_api_strict"])
def test_sum_down_the_batch_is_accurate(tenths, backend):
    pytest.importorskip(backend)
    exact = tenths.astype(np.float64).sum(axis=0)
    assert _relative_error(np.sum(tenths, axis=0), exact) > 1e-6           # NumPy's own sum down axis 0 drifts
    got = tg.tensor(tenths, backend=backend).sum(axis=0).numpy()
    assert got.dtype == np.float32 and _relative_error(got, exact) < 3e-7
    mean = tg.tensor(tenths, backend=backend).mean(axis=0).numpy()
    assert _relative_error(mean, exact / N) < 3e-7


@pytest.mark.parametrize("layout", ["C", "F"])
def test_sum_matches_torch_on_every_axis_combination(layout):
    """Both memory orders: NumPy adds in memory order, so a Fortran-ordered array's first axis is its inner loop."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    x = np.asarray((1.0 + rng.standard_normal((300, 3, 200))).astype(np.float32), order=layout)
    for k in range(4):
        for axes in itertools.combinations(range(3), k):
            for keepdims in (False, True):
                exact = x.astype(np.float64).sum(axis=axes, keepdims=keepdims)
                ours = tg.tensor(x).sum(axis=axes, keepdims=keepdims).numpy()
                theirs = torch.from_numpy(x).sum(dim=axes, keepdim=keepdims).numpy() if axes else x
                assert ours.shape == exact.shape == theirs.shape and ours.dtype == np.float32
                scale = np.abs(x).astype(np.float64).sum(axis=axes, keepdims=keepdims)
                ours_err = np.max(np.abs(ours - exact) / scale)
                torch_err = np.max(np.abs(theirs - exact) / scale)
                assert ours_err <= torch_err + 4 * 2.0**-24, (axes, keepdims, ours_err, torch_err)


def test_bias_gradient_sums_down_the_batch_accurately(tenths):
    """The gradient of a broadcast operand (a bias in ``x + b``) is the upstream gradient summed down the batch."""
    torch = pytest.importorskip("torch")
    b = tg.tensor(np.zeros(2, np.float32), requires_grad=True)
    (tg.tensor(tenths) + b).backward(tenths)
    tb = torch.zeros(2, requires_grad=True)
    (torch.from_numpy(tenths) + tb).backward(torch.from_numpy(tenths))
    exact = tenths.astype(np.float64).sum(axis=0)
    assert _relative_error(b.grad.numpy(), exact) < 3e-7
    assert _relative_error(tb.grad.numpy(), exact) < 3e-7        # torch, for the record


def test_float16_logsumexp_down_the_batch_counts_every_term():
    torch = pytest.importorskip("torch")
    x = np.full((4096, 2), 0.1, np.float16)
    exact = np.log(4096) + float(np.float16(0.1))                  # 8.4177...
    t = tg.tensor(x, dtype="float16", requires_grad=True)
    out = ops.logsumexp(t, axis=0)
    assert out.dtype == "float16"
    np.testing.assert_allclose(out.numpy().astype(np.float64), exact, rtol=1e-3)
    np.testing.assert_allclose(out.numpy(), torch.logsumexp(torch.from_numpy(x), 0).numpy(), rtol=1e-3)
    out.sum().backward()                                             # exp(x - out): 1/4096 each
    tx = torch.from_numpy(x).requires_grad_(True)
    torch.logsumexp(tx, 0).sum().backward()
    np.testing.assert_allclose(t.grad.numpy().astype(np.float64), tx.grad.numpy().astype(np.float64), rtol=2e-3)


def test_log_softmax_down_the_batch_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    x = rng.standard_normal((5000, 3)).astype(np.float32)
    g = rng.standard_normal((5000, 3)).astype(np.float32)
    t = tg.tensor(x, requires_grad=True)
    out = log_softmax(t, axis=0)
    out.backward(g)
    tx = torch.from_numpy(x).requires_grad_(True)
    ref = torch.log_softmax(tx, 0)
    ref.backward(torch.from_numpy(g))
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=2e-6, atol=2e-6)
    np.testing.assert_allclose(t.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-5)


def test_short_sums_and_empty_axes_are_plain_sums():
    """Up to PLAIN_ROWS terms the sum is NumPy's own (no rearrangement); empty axes sum to 0, rank 0 to itself."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((PLAIN_ROWS, 3)).astype(np.float32)
    np.testing.assert_array_equal(accurate_sum(np, x, axis=0), np.sum(x, axis=0))
    assert accurate_sum(np, np.zeros((0, 3), np.float32), axis=0).tolist() == [0.0, 0.0, 0.0]
    assert accurate_sum(np, np.zeros((0, 3), np.float32), axis=1).shape == (0,)
    assert float(accurate_sum(np, np.asarray(np.float32(2.5)), axis=None)) == 2.5
    ints = np.arange(1000).reshape(500, 2)
    assert accurate_sum(np, ints, axis=0).tolist() == ints.sum(axis=0).tolist()


@pytest.fixture(scope="module")
def tenths_3():
    """A million rows of three float32 values, 0.1 to 0.16 in a repeating pattern (random ones let a step-by-step
    sum's roundings cancel out): strided views of it are summed whole below."""
    return (0.1 + 0.01 * (np.arange(3 * 10**6) % 7)).astype(np.float32).reshape(10**6, 3)


VIEWS = {"first two columns": lambda x: x[:, :2], "rows reversed": lambda x: x[::-1],
         "every other row": lambda x: x[::2], "transposed": lambda x: x.T, "one column": lambda x: x[:, 1]}


@pytest.mark.parametrize("view", sorted(VIEWS))
@pytest.mark.parametrize("backend", ["numpy", "array_api_strict"])
def test_whole_sum_of_a_strided_view_is_pairwise(tenths_3, view, backend):
    """NumPy adds pairwise only along the innermost dimension in memory: over every axis of ``x[::2]`` or
    ``x[::-1]`` it adds the rows one after the other (a relative error of 2e-6 here; ``x[:, :2]`` of 0.1 exactly:
    200000.47, PyTorch's sum of a contiguous copy 200000.016). Ours, sum and mean, is within a few float32
    roundings of the exact (float64) sum, on every view."""
    pytest.importorskip(backend)
    cut = VIEWS[view](tenths_3)
    exact = cut.astype(np.float64).sum()
    if view in ("rows reversed", "every other row"):
        assert _relative_error(cut.sum(), exact) > 1e-6           # NumPy's own sum of the view drifts (2e-6)
    x = VIEWS[view](tg.tensor(tenths_3, backend=backend))
    got = x.sum().numpy()
    assert got.dtype == np.float32 and _relative_error(got, exact) < 3e-7, (got, exact)
    assert _relative_error(x.mean().numpy(), exact / cut.size) < 3e-7
    kept = x.sum(keepdims=True).numpy()
    assert kept.shape == (1,) * cut.ndim and kept.reshape(()) == got


def test_whole_sum_of_an_exact_view_against_torch():
    """The example found in review: 0.1 in float32 over ``x[:, :2]`` of ``(10**6, 3)``; PyTorch's sum of the
    contiguous copy, and the exact value 200000.00298... (2 * 10**6 times float32's 0.1)."""
    torch = pytest.importorskip("torch")
    x = np.full((10**6, 3), 0.1, np.float32)
    exact = 2 * 10**6 * float(np.float32(0.1))
    ours = tg.tensor(x)[:, :2].sum().item()
    theirs = torch.from_numpy(np.ascontiguousarray(x[:, :2])).sum().item()
    assert abs(theirs - exact) < 0.02 and abs(ours - exact) <= abs(theirs - exact) + 0.02
    assert abs(float(x[:, :2].sum()) - exact) > 0.4                  # NumPy's own: 200000.47
