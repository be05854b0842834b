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


RANK_0 = [
    ("mean, mul_", [-1.5, 0.25, 2.0], lambda x: x.mean(), lambda y: y.mul_(2)),
    ("rank-0 x * 3, add_", 2.0, lambda x: x * 3, lambda y: y.add_(1)),
    ("sum, div_ (gradient accumulation)", [2.0, 3.0], lambda x: (x * 3).sum(), lambda y: y.div_(4)),
    ("x[0] * 3, clamp_", [0.1, 3.0], lambda x: x[0] * 3, lambda y: y.clamp_(0, 1)),
]


@pytest.mark.parametrize("name, values, op, write", RANK_0, ids=[c[0] for c in RANK_0])
def test_a_rank_0_result_is_written_in_place_as_torch(name, values, op, write):
    """A rank-0 result (NumPy gives it as a scalar, which cannot be written) takes an in-place op, with grad and
    under no_grad: values and gradients as PyTorch's (``x.mean().mul_(2)``: x.grad = 2/3 each)."""
    (x, tx) = both(values)
    y, ty = op(x), op(tx)
    assert write(y) is y
    write(ty)
    y.backward()
    ty.backward()
    assert y.item() == pytest.approx(ty.item())
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-6)
    with tg.no_grad():
        z = op(x)
        write(z)
    assert z.item() == pytest.approx(ty.item()) and not z.requires_grad


def test_a_rank_0_result_saved_by_a_node_refuses_its_backward_after_a_write_as_torch():
    """``z = y * y`` saved the rank-0 ``y``; ``y.mul_(2)`` then makes z's backward raise, as PyTorch's."""
    (x, tx) = both([2.0, 3.0])
    y, ty = x.mean(), tx.mean()
    z, tz = y * y, ty * ty
    y.mul_(2)
    ty.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        tz.backward()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.backward()


def test_a_rank_0_leaf_is_updated_in_place_under_no_grad():
    """``w -= 1`` under no_grad on a rank-0 leaf whose array was a NumPy scalar (a detached sum) changes w."""
    w = tg.tensor([1.0, 2.0]).sum().detach().requires_grad_()
    tw = torch.tensor([1.0, 2.0]).sum().detach().requires_grad_()
    with tg.no_grad():
        w -= 1
    with torch.no_grad():
        tw -= 1
    assert w.item() == tw.item() == 2.0
