"""In-place writes beside PyTorch 2.13 (session 50): the one overlap test of ``t[index] = value`` and ``t.add_(v)``,
``grad_fn.next_functions`` of a write through a view (PyTorch's ``CopySlices`` holds the method's node), the write
rule for 0-d arrays and tensors (a float holding an integer is taken, as the number is), one error for a number out
of the dtype's range in every write, and a view taken with integers only.

References: PyTorch 2.13 run beside ours (optional: skipped visibly without it), ``np.shares_memory``, and values
worked out by hand."""
import re

import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv import in_place
from tinygradconv.backend import dtype_name

torch = pytest.importorskip("torch", reason="PyTorch 2.13 is the reference of the writes")


# ------------------------------------------------------------------------------------ 1. one overlap test
def test_arrays_may_overlap_is_numpy_s_test_and_false_for_other_arrays():
    a = np.arange(12.0).reshape(3, 4)
    pairs = [(a[1:], a[:2]), (a[:, 0], a[:, 1]), (a, a.T), (a, a.copy()), (a[0], a[2])]
    for x, y in pairs:          # never False where the two share an element (np.shares_memory, exact)
        assert in_place.arrays_may_overlap(x, y) or not np.shares_memory(x, y)
    assert in_place.arrays_may_overlap(a[1:], a[:2]) and not in_place.arrays_may_overlap(a, a.copy())

    class NotNumpy:             # (a CuPy array here: refuse_partial_overlap checks NumPy's memory only)
        shape, strides = (3, 4), (32, 8)

    assert not in_place.arrays_may_overlap(NotNumpy(), NotNumpy()) and not in_place.arrays_may_overlap(a, None)


def test_setitem_builds_the_region_for_the_overlap_check_only_when_the_arrays_may_overlap(monkeypatch):
    built = []
    refuse = in_place.refuse_partial_overlap
    monkeypatch.setattr(in_place, "refuse_partial_overlap", lambda *a: built.append(a) or refuse(*a))
    x, tx = tg.tensor([1.0, 2.0, 3.0], requires_grad=True), torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y, ty = x * 2, tx * 2
    y[0] = 5.0
    ty[0] = 5.0
    assert built == [] and y.tolist() == ty.tolist()
    with pytest.raises(RuntimeError, match="refer to a single memory location"):
        ty[1:] = ty[:2]
    with pytest.raises(RuntimeError, match="refer to a single memory location"):
        y[1:] = y[:2]
    assert len(built) == 1


# ------------------------------------------------------------------- 2. next_functions of CopySlices
def _names(node):
    return [None if n is None else n.name().removeprefix("torch::autograd::").rstrip("0123456789")
            for n, _ in node.next_functions]


WRITES_THROUGH_VIEWS = {
    "y[0].mul_(2)": lambda y, w: y[0].mul_(2),
    "y[0].mul_(w)": lambda y, w: y[0].mul_(w),
    "y[0].add_(w)": lambda y, w: y[0].add_(w),
    "y[0] += 1": lambda y, w: y[0].__iadd__(1),
    "y.T.mul_(2)": lambda y, w: y.T.mul_(2),
    "y[0][1:].mul_(w)": lambda y, w: y[0][1:].mul_(w),
    "y[0].abs_()": lambda y, w: y[0].abs_(),
    "y[0].clamp_(0, 1)": lambda y, w: y[0].clamp_(0, 1),
    "y[0].addcmul_(w, w)": lambda y, w: y[0].addcmul_(w.expand(2), w.expand(2)),
    "y[0] = w": lambda y, w: y.__setitem__(0, w),
    "y[0][1] = w": lambda y, w: y[0].__setitem__(1, w),
}


@pytest.mark.parametrize("name", list(WRITES_THROUGH_VIEWS))
def test_copy_slices_next_functions_are_torch_s(name):
    """``y = x * 2; y[0].mul_(2)``: PyTorch's CopySlices shows ``(MulBackward0, None)``, the base's old node and the
    method's other argument; ours showed the method's node itself (two MulBackward). The gradients stay PyTorch's."""
    write = WRITES_THROUGH_VIEWS[name]
    graphs, grads = [], []
    for lib in (tg, torch):
        x = lib.tensor([[1.0, -2.0], [3.0, 0.25]], requires_grad=True)
        v = lib.tensor(0.5, requires_grad=True)
        y, w = x * 2, v * 1
        write(y, w)
        graphs.append((y.grad_fn.name().removeprefix("torch::autograd::"), _names(y.grad_fn)))
        (y * y).sum().backward()
        grads.append((x.grad.tolist(), None if v.grad is None else v.grad.item()))
    assert graphs[0] == graphs[1], name
    np.testing.assert_allclose(np.array(grads[0][0]), np.array(grads[1][0]), rtol=1e-6)
    assert grads[0][1] == pytest.approx(grads[1][1], rel=1e-6) if grads[1][1] is not None else grads[0][1] is None


def test_the_node_passed_over_still_leads_to_every_leaf():
    """Walking ``next_functions`` from the CopySlices reaches the leaves that PyTorch's walk reaches."""
    def leaves(node, seen=None):
        seen = set() if seen is None else seen
        for n, _ in getattr(node, "next_functions", ()):
            if n is None:
                continue
            if n.name().removeprefix("torch::autograd::") == "AccumulateGrad":
                seen.add(tuple(n.variable.shape))
            else:
                leaves(n, seen)
        return seen

    found = []
    for lib in (tg, torch):
        x, v = lib.tensor([1.0, 2.0], requires_grad=True), lib.tensor(3.0, requires_grad=True)
        y = x * 2
        y[1:].mul_(v)
        found.append(leaves(y.grad_fn))
    assert found[0] == found[1] == {(2,), ()}


# ------------------------------------------------------------ 3. the write rule for 0-d arrays and tensors
ZERO_D = {
    "np.array": (np.array, lambda v: torch.tensor(v, dtype=torch.float64)),
    "tensor float32": (lambda v: tg.tensor(v), lambda v: torch.tensor(v)),
    "tensor float64": (lambda v: tg.tensor(v, dtype="float64"), lambda v: torch.tensor(v, dtype=torch.float64)),
}
MASK = [True, False, True]
WRITES = {
    "t[0] =": (lambda t, v: t.__setitem__(0, v) or t, lambda t, v: t.__setitem__(0, v) or t),
    "fill_": (lambda t, v: t.fill_(v), lambda t, v: t.fill_(v)),
    "masked_fill": (lambda t, v: t.masked_fill(tg.tensor(MASK, dtype="bool"), v),
                    lambda t, v: t.masked_fill(torch.tensor(MASK), v)),
    "masked_fill_": (lambda t, v: t.masked_fill_(tg.tensor(MASK, dtype="bool"), v),
                     lambda t, v: t.masked_fill_(torch.tensor(MASK), v)),
}


@pytest.mark.parametrize("write", list(WRITES))
@pytest.mark.parametrize("given", list(ZERO_D))
def test_a_0d_float_holding_an_integer_is_written_as_torch_writes_it(write, given):
    ours_write, torch_write = WRITES[write]
    ours_value, torch_value = ZERO_D[given]
    for dtype, value in (("int32", 2.0), ("int64", -7.0), ("uint8", 255.0)):
        ours = ours_write(tg.tensor([1, 2, 3], dtype=dtype), ours_value(value))
        theirs = torch_write(torch.tensor([1, 2, 3], dtype=getattr(torch, dtype)), torch_value(value))
        assert dtype_name(ours.dtype) == dtype and ours.tolist() == theirs.tolist(), (dtype, value)
    ours = ours_write(tg.tensor([True, False, False], dtype="bool"), ours_value(1.0))
    assert ours.tolist() == torch_write(torch.tensor([True, False, False]), torch_value(1.0)).tolist()


@pytest.mark.parametrize("write", list(WRITES))
@pytest.mark.parametrize("given", list(ZERO_D))
def test_a_0d_float_that_is_no_integer_is_refused_quoting_it(write, given):
    """PyTorch truncates 3.7 to 3 silently; here the TypeError of the number 3.7, quoting the value passed."""
    ours_write, torch_write = WRITES[write]
    ours_value, torch_value = ZERO_D[given]
    assert torch_write(torch.tensor([1, 2, 3], dtype=torch.int32), torch_value(3.7)).tolist()[0] == 3
    t = tg.tensor([1, 2, 3], dtype="int32")
    quoted = re.escape(repr(ours_value(3.7)))
    with pytest.raises(TypeError, match=rf"Invalid type for argument `value`.*: {quoted} cannot .*an int32 tensor "
                                        r"unchanged"):
        ours_write(t, ours_value(3.7))
    assert t.tolist() == [1, 2, 3]


def test_a_float_array_of_several_elements_and_a_tensor_that_requires_grad_are_still_refused():
    t = tg.tensor([1, 2, 3], dtype="int32")
    with pytest.raises(TypeError, match="a float64 value cannot be written into an int32 tensor"):
        t[:2] = np.array([2.0, 3.0])
    w = tg.tensor(2.0, requires_grad=True)
    with pytest.raises(TypeError, match="a float32 value cannot be written into an int32 tensor"):
        t[0] = w
    with pytest.raises(TypeError, match="requires grad cannot fill an int32 tensor"):
        t.masked_fill(tg.tensor(MASK, dtype="bool"), w)
    assert t.tolist() == [1, 2, 3]


# -------------------------------------------------------------- 4. a number out of the dtype's range
RANGE_WRITES = {**WRITES,
                "pad": (lambda t, v: tg.ops.pad(t, [(1, 0)], value=v), None),   # (torch's F.pad converts unchecked)
                "full_like": (lambda t, v: tg.ops.full_like(t, v), lambda t, v: torch.full_like(t, v))}


@pytest.mark.parametrize("write", list(RANGE_WRITES))
@pytest.mark.parametrize("dtype, value, bounds", [("int32", 10**10, "[-2147483648, 2147483647]"),
                                                  ("int8", 300, "[-128, 127]"), ("uint8", -1, "[0, 255]"),
                                                  ("float16", 1e5, "[-65504, 65504]")])
def test_a_number_out_of_range_is_one_value_error_in_every_write(write, dtype, value, bounds):
    """PyTorch raises ``RuntimeError`` "value cannot be converted to type ... without overflow" for most (it wraps
    -1 into uint8, and its ``t[0] = 1e5`` writes inf into float16); ``masked_fill`` gave a ``ValueError`` here where
    ``fill_`` and ``t[0] =`` gave a ``TypeError``: one ``ValueError``, naming the argument, the value and the range."""
    ours_write, torch_write = RANGE_WRITES[write]
    if write == "pad" and dtype == "float16":
        pytest.skip("pad's value into a floating tensor is not range-checked (as F.pad's)")
    if torch_write is not None and dtype in ("int32", "int8") or (dtype == "float16" and write != "t[0] ="
                                                                    and torch_write is not None):
        with pytest.raises(RuntimeError, match="without overflow"):
            torch_write(torch.tensor([1, 2, 3], dtype=getattr(torch, dtype)), value)
    argument = "fill_value" if write == "full_like" else "value"
    t = tg.tensor([1, 2, 3], dtype=dtype)
    with pytest.raises(ValueError, match=rf"Invalid value for argument `{argument}` of .*: {re.escape(repr(value))} "
                                         rf"is out of the range of {dtype} {re.escape(bounds)}"):
        ours_write(t, value)
    assert t.tolist() == [1, 2, 3]


# ------------------------------------------------------------------ 5. a view taken with integers only
def test_a_view_taken_with_integers_only_shows_a_later_write_as_torch_s():
    """``w = y[0]; y[0] = 5``: PyTorch's w is a view and shows 5; NumPy gave ours a scalar of its own (1)."""
    for lib in (tg, torch):
        y, m = lib.tensor([1.0, 2.0]), lib.tensor([[1.0, 2.0], [3.0, 4.0]])
        w, v = y[0], m[1, 0]
        y[0] = 5.0
        m[1] = 9.0
        assert (w.item(), v.item()) == (5.0, 9.0), lib.__name__
    x, tx = tg.tensor([1.0, 2.0], requires_grad=True), torch.tensor([1.0, 2.0], requires_grad=True)
    y, ty = x * 2, tx * 2
    w, tw = y[1], ty[1]
    y[1] = 7.0
    ty[1] = 7.0
    assert w.item() == tw.item() == 7.0
    (w * 3).backward()
    (tw * 3).backward()
    assert x.grad.tolist() == tx.grad.tolist() == [0.0, 0.0]


# A reviewer's findings on the 0-d views (session 50): fill_ with a view of the tensor itself, and the view on the
# array_api_strict backend (which gave a copy, so values and gradients differed between backends).
def test_fill_with_an_element_of_itself_as_torch():
    for backend in ("numpy", "array_api_strict"):
        pytest.importorskip(backend)
        y = tg.tensor([3.0, 4.0, 5.0], backend=backend)
        m = tg.tensor([[1.0, 2.0], [3.0, 4.0]], backend=backend)
        ty, tm = torch.tensor([3.0, 4.0, 5.0]), torch.tensor([[1.0, 2.0], [3.0, 4.0]])
        assert y.fill_(y[0]).tolist() == ty.fill_(ty[0]).tolist()
        assert m.fill_(m[1, 0]).tolist() == tm.fill_(tm[1, 0]).tolist()


@pytest.mark.parametrize("backend", ["numpy", "array_api_strict"])
def test_integer_index_is_a_view_on_every_cpu_backend(backend):
    pytest.importorskip(backend)
    y, ty = tg.tensor([1.0, 2.0, 3.0], backend=backend), torch.tensor([1.0, 2.0, 3.0])
    w, tw = y[0], ty[0]
    y[0], ty[0] = 5.0, 5.0
    assert w.item() == tw.item() == 5.0
    m, tm = tg.tensor([[1.0, 2.0], [3.0, 4.0]], backend=backend), torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    m[1, 0].add_(10.0)
    tm[1, 0].add_(10.0)
    assert m.tolist() == tm.tolist()
    x, tx = (tg.tensor([1.0, 2.0], requires_grad=True, backend=backend),
             torch.tensor([1.0, 2.0], requires_grad=True))
    for lib, leaf in ((tg, x), (torch, tx)):
        y = leaf * 2
        w = y[1]
        y[1] = 7.0
        (w * 3).backward()
    assert x.grad.tolist() == tx.grad.tolist()
