"""In-place ops recorded in the graph (``tinygradconv.in_place``), second round: the cases a reviewer found wrong,
each against PyTorch 2.13 run on the same inputs (or, for memory, against the same loop written out of place)."""
import gc
import weakref

import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv.autograd import Context

torch = pytest.importorskip("torch", reason="PyTorch is the reference of in-place ops in the graph")


def both(values, requires_grad=True):
    return (tg.tensor(values, dtype="float32", requires_grad=requires_grad),
            torch.tensor(values, dtype=torch.float32, requires_grad=requires_grad))


def test_to_another_backend_before_a_write_reads_the_old_value():
    """``z = y.to(...)`` recorded before ``y.mul_(3)``: z's gradient goes to y's old value (PyTorch's
    ToCopyBackward0 does): x.grad = 2 * z * 2 = 8x, not 24x."""
    pytest.importorskip("array_api_strict")
    (x, tx) = both([1.0, 2.0, 3.0])
    y, ty = x * 2, tx * 2
    z, tz = y.to("array_api_strict"), ty.to(torch.float64).to(torch.float32)
    y.mul_(3)
    ty.mul_(3)
    (z * z).sum().backward()
    (tz * tz).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())
    np.testing.assert_allclose(x.grad.numpy(), [8.0, 16.0, 24.0])      # (by hand: d/dx (2x)^2)


def test_a_node_made_by_hand_without_its_write_count_fails_loudly():
    """A node recorded outside Function.apply that does not set ``written_before`` raises when read, instead of
    counting as recorded after every write."""
    ctx = Context(np, (), type("Hand", (), {}))
    with pytest.raises(AttributeError, match="outside Function.apply"):
        ctx.written_before  # noqa: B018
    ctx.written_before = 3
    assert ctx.written_before == 3


def _arrays_die_with_gc_disabled(in_place_write):
    """Whether the arrays of ``h = X @ w; h.mul_(0.5)`` (or ``h = h * 0.5``) die as soon as backward returns and
    the step's names go, without the cycle collector."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        w = tg.tensor(np.full((50, 50), 0.01, np.float32), requires_grad=True)
        h = tg.tensor(np.ones((50, 50), np.float32)) @ w
        owner = h._data if h._data.base is None else h._data.base
        alive = weakref.ref(owner)
        del owner
        if in_place_write:
            h.mul_(0.5)
        else:
            h = h * 0.5
        (h * h).sum().backward()
        del h
        return alive() is not None
    finally:
        if enabled:
            gc.enable()


def test_the_graphs_arrays_die_after_backward_as_out_of_place():
    """No reference cycle between a tensor written in place and its value before the write (``_versions`` and
    ``_version_of``): the matmul's result dies when the step ends, as out of place (it lived until gc ran)."""
    assert not _arrays_die_with_gc_disabled(False)
    assert not _arrays_die_with_gc_disabled(True)
