"""A reviewer's findings (session 47, f9): ``sub(alpha=)`` took the sign of a zero from ``x - alpha * y`` where
PyTorch computes ``x + (-alpha) * y`` (an integer ``alpha`` of 0 negates to ``+0``); ``narrow`` took no 0-d
tensor ``length``; ``unflatten``'s errors named the wrong argument and the wrong rule; ``view_as`` and ``expand_as``
against PyTorch's views."""
import math

import numpy as np
import pytest

import tinygradconv as tg

torch = pytest.importorskip("torch", reason="PyTorch is the reference of these methods")

_X = [-0.0, -0.0, 0.0, 0.0]
_Y = [0.0, -0.0, 0.0, -0.0]


def _signs(values):
    return [math.copysign(1.0, v) for v in values]


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("alpha", [0, np.int64(0), 0.0, -0.0, np.float32(-0.0), 2, -0.5, 0.1])
@pytest.mark.parametrize("other", ["tensor", 0.0, -0.0])
@pytest.mark.parametrize("mode", ["no graph", "graph", "in place"])
def test_sub_alpha_signed_zeros_as_torch(dtype, alpha, other, mode):
    x = tg.tensor(np.array(_X, dtype=dtype), requires_grad=mode == "graph")
    tx = torch.tensor(_X, dtype=getattr(torch, dtype))
    if other == "tensor":
        y, ty = tg.tensor(np.array(_Y, dtype=dtype)), torch.tensor(_Y, dtype=getattr(torch, dtype))
    else:
        y = ty = other
    if mode == "in place":
        ours, theirs = x.sub_(y, alpha=alpha), tx.sub_(ty, alpha=alpha)
    else:
        ours, theirs = x.sub(y, alpha=alpha), tx.sub(ty, alpha=alpha)
    assert ours.tolist() == theirs.tolist()
    assert _signs(ours.tolist()) == _signs(theirs.tolist())


def test_sub_integer_zero_alpha_reviewer_case():
    x, y = [-0.0, -0.0], [0.0, -0.0]
    ours = tg.tensor(np.array(x)).sub(tg.tensor(np.array(y)), alpha=0).tolist()
    assert _signs(ours) == [1.0, -1.0]       # torch: [0.0, -0.0] (x + 0 * y)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("alpha", [0, 2, -4, 0.1, 3])
def test_sub_alpha_values_as_torch(dtype, alpha):
    rng = np.random.default_rng(3)
    # 1024 elements on one thread: no float16 elements left over by PyTorch's vector loop (rounded twice there)
    x, y = rng.standard_normal(1024).astype(dtype), rng.standard_normal(1024).astype(dtype)
    ours = tg.tensor(x).sub(tg.tensor(y), alpha=alpha).numpy()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        theirs = torch.from_numpy(x).sub(torch.from_numpy(y), alpha=alpha).numpy()
    finally:
        torch.set_num_threads(threads)
    np.testing.assert_array_equal(ours, theirs)
