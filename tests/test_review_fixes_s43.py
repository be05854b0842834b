"""A reviewer's findings on the day's engine and ops changes (2026-12-06), each against PyTorch, NumPy or Keras."""
import numpy as np
import pytest

import tinygradconv as tg

torch = pytest.importorskip("torch")


def test_data_put_back_to_the_saved_array_is_no_false_refusal():
    """A finite-difference check between forward and backward moves w.data and puts it back: torch gives 2w."""
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()
    original = w.data
    moved = original.copy()
    moved[0] += 1e-3
    w.data = moved
    (w * w).sum().item()
    w.data = original
    loss.backward()
    assert w.grad.tolist() == [2.0, 4.0]


def test_an_optimizer_step_between_forward_and_backward_is_refused_as_in_pytorch():
    tw = torch.tensor([1.0, 2.0], requires_grad=True)
    ty = (tw * tw).sum()
    ty.backward(retain_graph=True)
    torch.optim.SGD([tw], lr=0.1).step()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        ty.backward()
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    y = (w * w).sum()
    y.backward(retain_graph=True)
    tg.optimizers.SGD(0.1).step([w])
    with pytest.raises(RuntimeError, match=r"replaced \(`t\.data = \.\.\.`, or an optimizer's step\)"):
        y.backward()
    # the usual order is untouched: forward, backward, step, and a new forward
    for _ in range(2):
        w.grad = None
        (w * w).sum().backward()
        tg.optimizers.SGD(0.1).step([w])


@pytest.mark.parametrize("view", ["g", "g.detach()", "g.reshape(2)", "g[:]"])
@pytest.mark.parametrize("a_first", [True, False])
def test_a_view_of_a_grad_as_the_upstream_gradient_is_read_before_the_pass_writes(view, a_first):
    a, b = tg.tensor([1.0, 2.0], requires_grad=True), tg.tensor([3.0, 4.0], requires_grad=True)
    c = tg.tensor([5.0, 6.0])
    (a * 1.0).sum().backward()                            # a.grad = [1, 1]
    y = a + b * c if a_first else b * c + a
    y.backward(eval(view, {"g": a.grad}))
    assert b.grad.tolist() == [5.0, 6.0]                  # c * (a.grad as it was at the call)
    assert a.grad.tolist() == [2.0, 2.0]


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf, 0.0, 3.0])
def test_prod_of_a_rank0_tensor_passes_its_gradient_on_as_pytorch(value):
    x, tx = tg.tensor(value, requires_grad=True), torch.tensor(value, requires_grad=True)
    tg.ops.prod(x).backward()
    tx.prod().backward()
    assert x.grad.item() == tx.grad.item() == 1.0


def test_int64_compared_with_integers_beyond_its_range_as_numpy():
    values = np.array([2**63 - 1, -2**63, 0])
    t = tg.tensor(values, dtype="int64")
    for number in (2**63, -2**63 - 1, 2**70):
        for op in (lambda a, b: a == b, lambda a, b: a < b, lambda a, b: a >= b):
            assert op(t, number).tolist() == op(values, number).tolist()


def test_int8_and_uint64_promote_to_float64_on_array_api_strict_as_numpy():
    pytest.importorskip("array_api_strict")
    t = tg.Tensor(np.array([1, 2]), dtype="int8", backend="array_api_strict")
    out = t + np.array([1, 2], np.uint64)
    expected = np.array([1, 2], np.int8) + np.array([1, 2], np.uint64)
    assert tg.backend.dtype_name(out.dtype) == expected.dtype.name == "float64"
    assert out.tolist() == expected.tolist()


def test_concat_and_stack_refuse_axis_and_dim_together_whatever_their_values():
    for join in (tg.ops.concat, tg.ops.stack):
        with pytest.raises(TypeError, match="both `axis` and `dim`"):
            join([[1.0], [2.0]], 0, dim=1)
    assert tg.ops.concat([[1.0], [2.0]]).tolist() == [1.0, 2.0]


def test_cumsum_of_a_rank0_tensor_is_keras_with_axis_none_and_torch_with_dim():
    keras = pytest.importorskip("keras")
    assert tg.ops.cumsum(tg.tensor(2.5)).shape == tuple(keras.ops.cumsum(2.5).shape) == (1,)
    assert tg.ops.cumsum(tg.tensor(2.5), dim=0).shape == tuple(torch.cumsum(torch.tensor(2.5), 0).shape) == ()
