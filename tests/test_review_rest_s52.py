"""A reviewer's finding on the s52 size guards: the pools' memory check counted ``pool_size`` full-size copies of
the input for every call, so that average pooling (and max pooling without gradient), whose window slices are views,
was refused on inputs that fit easily (``avg_pool1d(x, 100, 1)`` of a 256 MB input: "24 GiB"; PyTorch runs it).
Reference: the bytes the slices really take (views), and the refusal kept where the backward's shares would not fit."""
import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv.ops import pooling
from tinygradconv.validation import physical_memory


def _input(steps, batch=8, channels=8):
    """A float32 array of the shape asked for without its memory (broadcast zeros: the checks read the shape)."""
    return np.broadcast_to(np.zeros((), "float32"), (batch, steps, channels))


def _refused(op, pool_size, a, shares):
    try:
        pooling._check_sizes(np, a, pool_size, "valid", 0, 0, a.shape[1] - pool_size + 1, op, shares=shares)
    except ValueError:
        return True
    return False


def _steps_whose_100_shares_pass_the_memory():
    """An input of about 1 % of this machine's memory, whose 100 full-size shares would not fit."""
    return int(physical_memory() // (8 * 8 * 4 * 100)) + 1_000


def test_average_pooling_of_a_large_input_is_not_refused():
    a = _input(_steps_whose_100_shares_pass_the_memory())
    assert not _refused("avg_pool1d", 100, a, shares=False)
    assert not _refused("max_pool1d", 100, a, shares=False)


def test_max_pooling_with_a_gradient_still_counts_its_shares():
    a = _input(_steps_whose_100_shares_pass_the_memory())
    assert _refused("max_pool1d", 100, a, shares=True)
    assert not _refused("max_pool1d", 100, a, shares=False)


def test_avg_pool1d_runs_under_no_grad_where_torch_does():
    torch = pytest.importorskip("torch", reason="PyTorch is the reference")
    x = np.random.default_rng(0).standard_normal((2, 4000, 3)).astype("float32")
    with tg.no_grad():
        ours = tg.ops.avg_pool1d(tg.tensor(x), 100, 1).numpy()
    theirs = torch.nn.functional.avg_pool1d(torch.tensor(x).transpose(1, 2), 100, 1).transpose(1, 2).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)
