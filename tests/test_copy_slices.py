"""Writes into a region of an op's output recorded as PyTorch's CopySlices (tinygradconv/copy_slices.py):
``t[index] = value`` and in-place methods on views, each case run in PyTorch 2.13 on the same inputs, and its
values, gradients, node names and errors compared, on the numpy and array_api_strict backends."""
import numpy as np
import pytest

import tinygradconv as tg

torch = pytest.importorskip("torch")

W3 = [1.0, 2.0, 3.0]
W22 = [[1.0, 2.0], [3.0, 4.0]]


def _mask(M, values):
    return M.tensor(values) if M is torch else M.tensor(values, dtype="bool")


def _weighted_backward(M, y, weights):
    (y * M.tensor(weights)).sum().backward()


# each case: M (torch or tg) -> a tuple of lists (values, gradients) to compare
CASES = {
    "mask_zero (h[h < 0] = 0)": lambda M: _case_mask_zero(M),
    "view_mul_ (y[0].mul_(3))": lambda M: _case_view_mul(M),
    "value_requires_grad (y[1:] = x[:2] ** 2)": lambda M: _case_value(M),
    "zeros_take_the_graph (z[0] = x[0] * 2)": lambda M: _case_zeros(M),
    "repeated_indices (y[[0, 0]] = v)": lambda M: _case_repeated(M),
    "repeated_rows (y[[1, 0, 1]] = v)": lambda M: _case_repeated_rows(M),
    "broadcast_value (y[:, 0] = v of shape (1,))": lambda M: _case_broadcast(M),
    "leading_one_dropped (y[0] = v of shape (1, 2))": lambda M: _case_leading_one(M),
    "bool_mask_value (y[mask] = v)": lambda M: _case_mask_value(M),
    "empty_index (y[[]] = 3)": lambda M: _case_empty(M),
    "empty_mask (y[all False] = x[0])": lambda M: _case_empty_mask(M),
    "whole (y[...] = v, v 0-d)": lambda M: _case_whole(M),
    "rank_0 (y[...] = x * 5 of a 0-d y)": lambda M: _case_rank0(M),
    "rank_0_result (x.sum() * 1, y[()] = x[0] * 4)": lambda M: _case_rank0_result(M),
    "int_into_float (y[0] = int tensor)": lambda M: _case_int(M),
    "another_dtype (float64 value into float32)": lambda M: _case_float64_value(M),
    "chain_of_two_writes": lambda M: _case_chain(M),
    "view_written_twice (v.mul_(2); v.mul_(x[1]))": lambda M: _case_view_twice(M),
    "retain_grad_after_write": lambda M: _case_retain_after(M),
    "retain_grad_before_write": lambda M: _case_retain_before(M),
    "transposed_view (y.T[0].mul_(3))": lambda M: _case_transposed(M),
    "reshape_and_unsqueeze_views": lambda M: _case_reshape_unsqueeze(M),
    "reshape_view_setitem (y.reshape(3, 1)[1, 0] = x[0] ** 2)": lambda M: _case_reshape_setitem(M),
    "slice_then_arrays (y[:, 1:][0, [1, 0]] = x[1, :2])": lambda M: _case_slice_arrays(M),
    "new_axis_view (y[:, None][1:].mul_(...))": lambda M: _case_new_axis(M),
    "view_of_view (v = y.T; v[0].add_(...); v.unsqueeze(0)[0, 1, 1] = 9)": lambda M: _case_view_of_view(M),
    "view_taken_before_write (v = y[:2]; y[2] = ...; v.backward)": lambda M: _case_view_before(M),
    "write_through_a_kept_view (v = y[:2]; v[0] = ...)": lambda M: _case_kept_view(M),
    "value_reads_the_base (y[0] = y[1])": lambda M: _case_reads_base(M),
    "value_from_the_base_out_of_place (y[1] = y[1] * 3)": lambda M: _case_from_base(M),
    "no_grad_write_untracked": lambda M: _case_no_grad(M),
}


def _case_mask_zero(M):
    x = M.tensor([-1.0, 2.0, 3.0], requires_grad=True)
    h = x * 2
    h[h < 0] = 0
    h.sum().backward()
    return h.tolist(), x.grad.tolist()


def _case_view_mul(M):
    x = M.tensor([-1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    v = y[0]
    v.mul_(3)
    y.sum().backward()
    return y.tolist(), [v.tolist()], x.grad.tolist()


def _case_value(M):
    x = M.tensor([-1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    y[1:] = x[:2] ** 2
    _weighted_backward(M, y, W3)
    return y.tolist(), x.grad.tolist()


def _case_zeros(M):
    x = M.tensor([1.0, 2.0], requires_grad=True)
    z = M.tensor([0.0, 0.0, 0.0])
    z[0] = x[0] * 2
    assert z.requires_grad and not z.is_leaf
    _weighted_backward(M, z, W3)
    return z.tolist(), x.grad.tolist()


def _case_repeated(M):
    x, v = M.tensor(W3, requires_grad=True), M.tensor([5.0, 7.0], requires_grad=True)
    y = x * 1
    y[[0, 0]] = v
    _weighted_backward(M, y, [1.0, 10.0, 100.0])
    return y.tolist(), x.grad.tolist(), v.grad.tolist()


def _case_repeated_rows(M):
    x, v = M.tensor(W22, requires_grad=True), M.tensor([5.0, 6.0], requires_grad=True)
    y = x * 1
    y[[1, 0, 1]] = v
    _weighted_backward(M, y, W22)
    return y.tolist(), x.grad.tolist(), v.grad.tolist()


def _case_broadcast(M):
    x, v = M.tensor(W22, requires_grad=True), M.tensor([5.0], requires_grad=True)
    y = x * 1
    y[:, 0] = v
    _weighted_backward(M, y, [[1.0, 10.0], [100.0, 1000.0]])
    return y.tolist(), x.grad.tolist(), v.grad.tolist()


def _case_leading_one(M):
    x, v = M.tensor(W22, requires_grad=True), M.tensor([[5.0, 6.0]], requires_grad=True)
    y = x * 1
    y[0] = v
    _weighted_backward(M, y, W22)
    return y.tolist(), x.grad.tolist(), v.grad.tolist()


def _case_mask_value(M):
    x, v = M.tensor(W22, requires_grad=True), M.tensor([7.0, 8.0], requires_grad=True)
    y = x * 1
    y[_mask(M, [[True, False], [False, True]])] = v
    _weighted_backward(M, y, W22)
    return y.tolist(), x.grad.tolist(), v.grad.tolist()


def _case_empty(M):
    x = M.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y[[]] = 3.0
    y.sum().backward()
    return y.tolist(), x.grad.tolist()


def _case_empty_mask(M):
    x = M.tensor(W3, requires_grad=True)
    y = x * 2
    y[_mask(M, [False, False, False])] = x[0]
    y.sum().backward()
    return y.tolist(), x.grad.tolist()


def _case_whole(M):
    x, v = M.tensor(W3, requires_grad=True), M.tensor(4.0, requires_grad=True)
    y = x * 2
    y[...] = v
    _weighted_backward(M, y, W3)
    return y.tolist(), x.grad.tolist(), [v.grad.tolist()]


def _case_rank0(M):
    x = M.tensor(2.0, requires_grad=True)
    y = x * 2
    y[...] = x * 5
    y.backward()
    return [y.tolist()], [x.grad.tolist()]


def _case_rank0_result(M):
    x = M.tensor(W3, requires_grad=True)
    y = x.sum() * 1
    y[()] = x[0] * 4
    y.backward()
    return [y.tolist()], x.grad.tolist()


def _case_int(M):
    x = M.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y[0] = M.tensor(5)
    y.sum().backward()
    return y.tolist(), x.grad.tolist()


def _case_float64_value(M):
    x = M.tensor([1.0, 2.0], requires_grad=True)
    v = M.tensor([3.0], requires_grad=True, dtype=torch.float64 if M is torch else "float64")
    y = x * 2
    y[1:] = v * 2
    y.sum().backward()
    assert str(y.dtype).endswith("float32") and str(v.grad.dtype).endswith("float64")
    return y.tolist(), x.grad.tolist(), v.grad.tolist()


def _case_chain(M):
    x = M.tensor(W3, requires_grad=True)
    y = x * 2
    y[0] = x[1] * x[2]
    y[1:] = y[0].clone() * x[0]
    _weighted_backward(M, y, W3)
    return y.tolist(), x.grad.tolist()


def _case_view_twice(M):
    x = M.tensor(W3, requires_grad=True)
    y = x * 2
    v = y[0]
    v.mul_(2)
    v.mul_(x[1])
    _weighted_backward(M, y, W3)
    return y.tolist(), [v.tolist()], x.grad.tolist()


def _case_retain_after(M):
    x = M.tensor(W3, requires_grad=True)
    y = x * 2
    y[0] = 0
    y.retain_grad()
    (y * y).sum().backward()
    return y.grad.tolist(), x.grad.tolist()


def _case_retain_before(M):
    x = M.tensor(W3, requires_grad=True)
    y = x * 2
    y.retain_grad()
    y[0] = 0
    (y * y).sum().backward()
    return y.grad.tolist(), x.grad.tolist()


def _case_transposed(M):
    x = M.tensor(W22, requires_grad=True)
    y = x * 2
    y.T[0].mul_(3)
    y.sum().backward()
    return y.tolist(), x.grad.tolist()


def _case_reshape_unsqueeze(M):
    x = M.tensor(W22, requires_grad=True)
    y = x * 2
    y.reshape(4)[1:3].add_(x[0, 0])
    y.unsqueeze(0)[0, 1].mul_(x[1, 1])
    y.sum().backward()
    return y.tolist(), x.grad.tolist()


def _case_reshape_setitem(M):
    x = M.tensor(W3, requires_grad=True)
    y = x * 2
    y.reshape(3, 1)[1, 0] = x[0] * x[0]
    _weighted_backward(M, y, W3)
    return y.tolist(), x.grad.tolist()


def _case_slice_arrays(M):
    x = M.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    y = x * 2
    y[:, 1:][0, [1, 0]] = x[1, :2]
    _weighted_backward(M, y, [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    return y.tolist(), x.grad.tolist()


def _case_new_axis(M):
    x = M.tensor(W3, requires_grad=True)
    y = x * 2
    y[:, None][1:].mul_(x[0] * 3)
    y.sum().backward()
    return y.tolist(), x.grad.tolist()


def _case_view_of_view(M):
    x = M.tensor(W22, requires_grad=True)
    y = x * 2
    v = y.T
    v[0].add_(x[0, 1])
    v.unsqueeze(0)[0, 1, 1] = 9.0
    _weighted_backward(M, y, W22)
    return y.tolist(), v.tolist(), x.grad.tolist()


def _case_view_before(M):
    x = M.tensor(W3, requires_grad=True)
    y = x * 2
    v = y[:2]
    y[1] = x[0] * 10
    v.sum().backward()
    return v.tolist(), x.grad.tolist()


def _case_kept_view(M):
    x = M.tensor(W3, requires_grad=True)
    y = x * 2
    v = y[:2]
    v[0] = x[2] * 10
    _weighted_backward(M, v, [1.0, 5.0])
    return y.tolist(), v.tolist(), x.grad.tolist()


def _case_reads_base(M):
    x = M.tensor(W3, requires_grad=True)
    y = x * 2
    y[0] = y[1]
    _weighted_backward(M, y, W3)
    return y.tolist(), x.grad.tolist()


def _case_from_base(M):
    x = M.tensor(W3, requires_grad=True)
    y = x * 2
    y[1] = y[1] * 3
    _weighted_backward(M, y, W3)
    return y.tolist(), x.grad.tolist()


def _case_no_grad(M):
    x = M.tensor(W3, requires_grad=True)
    y = x * 2
    with M.no_grad():
        y[0] = x[1]
    assert y.grad_fn.name().startswith("MulBackward")
    y.sum().backward()
    return y.tolist(), x.grad.tolist()


def test_float16_base_as_torch():
    results = []
    for M, half in ((torch, torch.float16), (tg, "float16")):
        x = M.tensor([1.0, 2.0], requires_grad=True, dtype=half)
        y = x * 2
        y[0] = x[1].double() * 3            # a float64 value into float16: cast, its gradient in float64
        y.sum().backward()
        results.append((y.tolist(), x.grad.tolist(), str(y.dtype).split(".")[-1], str(x.grad.dtype).split(".")[-1]))
    assert results[0] == results[1] == ([6.0, 4.0], [0.0, 5.0], "float16", "float16")


def test_node_names_as_torch():
    """PyTorch's names (its ``name()`` adds a ``0`` or a namespace): CopySlices for a write through a view,
    IndexPutBackward for arrays or a mask into the tensor itself, CopyBackwards/FillBackward for all of it."""
    def names(M):
        x = M.tensor(W3, requires_grad=True)
        out = []
        for write in (lambda y: y.__setitem__(0, x[1]), lambda y: y.__setitem__([0, 1], x[1]),
                      lambda y: y.__setitem__(y > 3, 0.0), lambda y: y[1:].mul_(2),
                      lambda y: y.__setitem__(Ellipsis, x[1])):
            y = x * 2
            write(y)
            out.append(y.grad_fn.name().replace("torch::autograd::", "").rstrip("0123456789"))
        x0 = M.tensor(2.0, requires_grad=True)
        y = x0 * 2
        y[...] = x0 * 5
        out.append(y.grad_fn.name().replace("torch::autograd::", "").rstrip("0123456789"))
        return out

    assert names(tg) == names(torch) == ["CopySlices", "IndexPutBackward", "IndexPutBackward", "CopySlices",
                                         "FillBackward", "CopyBackwards"]
    y = tg.tensor(W3, requires_grad=True) * 2
    y[0] = 0.0
    assert repr(y.grad_fn) == "<CopySlices>"


ERRORS = {
    "saved_then_written (z = y * y; y[0] = 0)": (
        lambda M, x: _saved_then_written(M, x), RuntimeError, "modified by an inplace operation"),
    "exp_saved_its_output (y = x.exp(); y[0] = 0)": (
        lambda M, x: _exp_output(M, x), RuntimeError, "modified by an inplace operation"),
    "a_view_saved (z = y[1:] ** 2; y[0] = 0)": (
        lambda M, x: _view_saved(M, x), RuntimeError, "modified by an inplace operation"),
    "overlap (y[1:] = y[:2])": (
        lambda M, x: _overlap(x),
        RuntimeError, "some elements of the input tensor and the written-to tensor refer to a single memory"),
    "overlap_into_a_view (v = y[1:]; v[:] = y[:2])": (
        lambda M, x: _overlap_into_a_view(x),
        RuntimeError, "some elements of the input tensor and the written-to tensor refer to a single memory"),
    "expand (y.expand(2, 3).mul_(2))": (
        lambda M, x: (x * 2).expand(2, 3).mul_(2), RuntimeError, "more than one element of the written-to tensor"),
    "expand_column (y.expand(3, 2)[:, 0] = 1.0: one element of y three times)": (
        lambda M, x: _expand_column(M, x), RuntimeError, "more than one element of the written-to tensor"),
    "a_view_of_a_chunk (y.chunk(3)[0][:1].add_(1))": (
        lambda M, x: (x * 2).chunk(3)[0][:1].add_(1.0), RuntimeError, "returns multiple views"),
}


def _expand_column(M, x):
    y = x[:2] * 2
    y.expand(3, 2)[:, 0] = 1.0


def _saved_then_written(M, x):
    y = x * 2
    z = y * y
    y[0] = 0
    z.sum().backward()


def _exp_output(M, x):
    y = x.exp()
    y[0] = 0
    y.sum().backward()


def _view_saved(M, x):
    y = x * 2
    z = y[1:] ** 2
    y[0] = 0
    z.sum().backward()


def _overlap(x):
    y = x * 2
    y[1:] = y[:2]


def _overlap_into_a_view(x):
    y = x * 2
    v = y[1:]
    v[:] = y[:2]


@pytest.mark.parametrize("case", list(ERRORS))
def test_errors_as_torch(on_backend, case):
    run, kind, words = ERRORS[case]
    for M in (torch, tg):
        with pytest.raises(kind, match=words):
            run(M, M.tensor(W3, requires_grad=True))


def test_disjoint_views_of_one_array_are_written_as_torch(on_backend):
    """``y[:1] = y[2:]``: two views of ``y``'s memory without a common element (their memory ranges are checked
    first, then the elements): PyTorch writes it, and so does tinygradconv, with PyTorch's values and gradients."""
    out = []
    for M in (torch, tg):
        x = M.tensor(W3, requires_grad=True)
        y = x * 2
        y[:1] = y[2:]
        _weighted_backward(M, y, [1.0, 10.0, 100.0])
        out.append((y.tolist(), x.grad.tolist()))
    assert out[0] == out[1] == ([6.0, 4.0, 6.0], [0.0, 20.0, 202.0])


def test_a_leaf_that_requires_grad_keeps_torchs_runtime_error(on_backend):
    for M in (torch, tg):
        x = M.tensor(W3, requires_grad=True)
        with pytest.raises(RuntimeError, match="leaf"):
            x[0] = 5.0
        assert x.tolist() == W3


def test_later_reads_see_the_new_values(on_backend):
    x = tg.tensor(W3, requires_grad=True)
    y = x * 2
    before, column = y[1:], y.reshape(3, 1)
    y[1] = x[0] * 10
    assert y.tolist() == [2.0, 10.0, 6.0] and before.tolist() == [10.0, 6.0]
    assert column.tolist() == [[2.0], [10.0], [6.0]]
    if on_backend == "numpy":
        assert y.detach().numpy().tolist() == [2.0, 10.0, 6.0]


def test_a_view_outside_the_graph_given_a_value_that_requires_grad_is_refused():
    """``zeros[0][1] = x[0]`` with ``zeros`` not requiring grad: PyTorch gives ``zeros`` the history; here the view
    ``zeros[0]`` made outside the graph knows no base, so the write is refused (a difference, in the docs)."""
    zeros = tg.tensor([[0.0, 0.0], [0.0, 0.0]])
    with pytest.raises(TypeError, match="view of another one outside the graph"):
        zeros[0][1] = tg.tensor(W3, requires_grad=True)[0]
    assert zeros.tolist() == [[0.0, 0.0], [0.0, 0.0]]


VIEW_METHODS = {
    "y[0].fill_(x[1] * 5)": lambda M, x, y: y[0].fill_(x[1] * 5),
    "y[1:].copy_(x[:2] * x[:2])": lambda M, x, y: y[1:].copy_(x[:2] * x[:2]),
    "y.reshape(3, 1)[1:].masked_fill_(mask, 0)": lambda M, x, y: y.reshape(3, 1)[1:].masked_fill_(
        _mask(M, [[True], [False]]), 0.0),
    "y[1:].addcmul_(x[:2], x[1:])": lambda M, x, y: y[1:].addcmul_(x[:2], x[1:]),
    "y[::2].exp_()": lambda M, x, y: y[::2].exp_(),
}


@pytest.mark.parametrize("spelling", list(VIEW_METHODS))
def test_in_place_methods_on_a_view_as_torch(on_backend, spelling):
    results = []
    for M in (torch, tg):
        x = M.tensor(W3, requires_grad=True)
        y = x * 2
        VIEW_METHODS[spelling](M, x, y)
        name = y.grad_fn.name().replace("torch::autograd::", "")
        _weighted_backward(M, y, W3)
        results.append((name, y.tolist(), x.grad.tolist()))
    (tname, ty, tgrad), (name, gy, ggrad) = results
    assert name == tname == "CopySlices"
    np.testing.assert_allclose(gy, ty, rtol=1e-6)
    np.testing.assert_allclose(ggrad, tgrad, rtol=1e-6)


def _case_scalar_view_after_a_write(M):
    x = M.tensor(W3, requires_grad=True)
    y = x * 2
    w = y[1:][0]                    # (NumPy gives it a scalar of its own)
    y[1] = x[0]
    w.mul_(x[2])
    _weighted_backward(M, y, W3)
    return y.tolist(), [w.tolist()], x.grad.tolist()


def _case_view_read_after_two_writes(M):
    x = M.tensor(W3, requires_grad=True)
    y = x * 2
    v = y[1:]
    y[1] = x[0]
    z = v + x[2]
    v[1] = x[1] * 7
    (z.sum() + y.sum()).backward()
    return y.tolist(), v.tolist(), z.tolist(), x.grad.tolist()


CASES["scalar_view_after_a_write (w = y[1:][0]; y[1] = x[0]; w.mul_(x[2]))"] = _case_scalar_view_after_a_write
CASES["view_read_after_two_writes"] = _case_view_read_after_two_writes


def test_a_view_freed_by_backward_is_refused_at_the_write():
    """PyTorch takes the write and raises "backward through the graph a second time" at the next backward; here
    the freed view knows its base no more, so the write itself raises (a RuntimeError too)."""
    tx = torch.tensor(W3, requires_grad=True)
    ty = tx * 2
    tv = ty[0]
    (tv * 1).backward()
    tv.mul_(3)
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        ty.sum().backward()
    x = tg.tensor(W3, requires_grad=True)
    y = x * 2
    v = y[0]
    (v * 1).backward()
    with pytest.raises(RuntimeError, match="view whose node was freed by a backward pass"):
        v.mul_(3)
    assert y.tolist() == [2.0, 4.0, 6.0]


def _case_augmented_on_a_view(M):
    x = M.tensor(W3, requires_grad=True)
    y = x * 2
    y[0] += x[1]                    # y[0].__iadd__ (CopySlices), then y[0] = it (the same elements)
    _weighted_backward(M, y, W3)
    return y.tolist(), x.grad.tolist()


def _case_augmented_on_a_column(M):
    x = M.tensor(W22, requires_grad=True)
    y = x * 2
    y[:, 1] *= x[0, 0] * 3
    _weighted_backward(M, y, W22)
    return y.tolist(), x.grad.tolist()


def _case_augmented_with_arrays(M):
    x = M.tensor([1.0, -2.0, 3.0], requires_grad=True)
    y = x * 2
    y[_mask(M, [True, False, True])] += 1
    y[[0, 2]] *= x[1]
    _weighted_backward(M, y, W3)
    return y.tolist(), x.grad.tolist()


CASES["augmented_on_a_view (y[0] += x[1])"] = _case_augmented_on_a_view
CASES["augmented_on_a_column (y[:, 1] *= x[0, 0] * 3)"] = _case_augmented_on_a_column
CASES["augmented_with_arrays (y[mask] += 1; y[[0, 2]] *= x[1])"] = _case_augmented_with_arrays


def _case_view_of_a_view_written_twice(M):
    x = M.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    y = x * 2
    a = y[0]
    b = a[1:]
    b[0] = 10.0
    c = a * 3               # a read between the writes: its view of y is taken again (of y's new value)
    b.mul_(2)
    (c.sum() + y.sum()).backward()
    return y.tolist(), c.tolist(), x.grad.tolist()


CASES["view_of_a_view_written_twice (b = y[0][1:]; b[0] = 10; c = y[0] * 3; b.mul_(2))"] = \
    _case_view_of_a_view_written_twice




def _case_transposed_base(M):
    x = M.tensor([[1.0, -2.0, 3.0], [-4.0, 5.0, -6.0]], requires_grad=True)
    y = x.T * 2             # NumPy keeps x.T's layout: a base whose flat view is a copy
    y[y < 0] = 0
    y[0].mul_(3)
    y[1:, 1] = x[0, :2] * 5
    _weighted_backward(M, y, [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    return y.tolist(), x.grad.tolist()


def _case_mask_after_a_slice_then_repeated_indices(M):
    x = M.tensor([[1.0, -2.0, 3.0], [-4.0, 5.0, -6.0]], requires_grad=True)
    y = x * 1
    y[:, _mask(M, [True, False, True])] = x[0, :2] * x[1, :2]
    y[0, [2, 2]] = M.tensor([7.0, 8.0])
    _weighted_backward(M, y, [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    return y.tolist(), x.grad.tolist()


CASES["transposed_base (y = x.T * 2; y[y < 0] = 0; y[0].mul_(3); y[1:, 1] = ...)"] = _case_transposed_base
CASES["mask_after_a_slice_then_repeated_indices (y[:, mask] = v; y[0, [2, 2]] = w)"] = \
    _case_mask_after_a_slice_then_repeated_indices


def test_a_loop_of_row_writes_keeps_no_base_sized_array_per_write():
    """`h[i] = x[i] * 2` for each row i (a recurrent loop's pattern): PyTorch keeps the index of each write, and
    here too the extra memory is about the values written (one base's worth), not a base-sized array per write
    (an index array of the base's size per write was 100 times the base for 50 rows)."""
    import tracemalloc

    rows, width = 50, 2000
    x = tg.tensor(np.ones((rows, width), np.float32), requires_grad=True)
    h = x * 1.0
    tracemalloc.start()
    try:
        for i in range(1, rows):
            h[i] = x[i] * 2
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    base = rows * width * 4
    assert peak < 4 * base, f"peak {peak / base:.1f} times the base's {base} bytes"
    h.sum().backward()
    expected = np.full((rows, width), 2.0)
    expected[0] = 1.0
    np.testing.assert_array_equal(x.grad.numpy(), expected)     # (by hand: row 0 kept, h[i] = 2 x[i] after)


def test_a_base_that_needs_no_gradient_gets_none():
    """`z = zeros(3); z[0] = x[0] * 2`: z's old value needs no gradient, so the node builds none for it (PyTorch's
    CopySlices gives none to an input that needs none); the value's gradient is the region's, [1.0], by hand."""
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    z = tg.tensor(np.zeros(3, np.float32))
    z[0] = x[0] * 2
    ctx = z._ctx
    for_base, for_value = ctx.fn.backward(ctx, np.ones(3))
    assert for_base is None
    np.testing.assert_array_equal(np.asarray(for_value), 1.0)
    z.sum().backward()
    assert x.grad.tolist() == [2.0, 0.0, 0.0]


def _case_expand_row_set(M):
    x = M.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.expand(3, 2)[0] = 5.0         # a row of an expand is each element of y once: PyTorch writes y
    _weighted_backward(M, y, [1.0, 10.0])
    return y.tolist(), x.grad.tolist()


def _case_expand_row_mul_(M):
    x = M.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.expand(3, 2)[0].mul_(2)
    _weighted_backward(M, y, [1.0, 10.0])
    return y.tolist(), x.grad.tolist()


def _case_expand_of_unsqueeze(M):
    x = M.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.unsqueeze(0).expand(1, 2)[0, 1] = 7.0
    _weighted_backward(M, y, [1.0, 10.0])
    return y.tolist(), x.grad.tolist()


def _case_kept_expand(M):
    x = M.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    e = y.expand(3, 2)
    e[1] = x * 3                    # e shows the new values (a view in PyTorch; a copy read again here)
    z = (e * M.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])).sum()
    z.backward()
    return y.tolist(), e.tolist(), x.grad.tolist()


CASES["expand_row_set (y.expand(3, 2)[0] = 5.0)"] = _case_expand_row_set
CASES["expand_row_mul_ (y.expand(3, 2)[0].mul_(2))"] = _case_expand_row_mul_
CASES["expand_of_unsqueeze (y.unsqueeze(0).expand(1, 2)[0, 1] = 7.0)"] = _case_expand_of_unsqueeze
CASES["kept_expand (e = y.expand(3, 2); e[1] = x * 3; e read after)"] = _case_kept_expand


# (last: every case above is in CASES by now)
@pytest.mark.parametrize("case", list(CASES))
def test_values_and_gradients_as_torch(on_backend, case):
    expected = CASES[case](torch)
    got = CASES[case](tg)
    assert len(got) == len(expected)
    for ours, theirs in zip(got, expected):
        np.testing.assert_allclose(np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float), rtol=1e-6)
