"""In-place methods on an op's output (or with an argument that requires grad) are recorded in the graph, as PyTorch
2.13 records them (``tinygradconv.in_place.record``): values, gradients, ``grad_fn`` names and errors, each against
PyTorch run on the same inputs."""
import re

import numpy as np
import pytest

import tinygradconv as tg

torch = pytest.importorskip("torch", reason="PyTorch is the reference of in-place ops in the graph")

X = [-1.5, 0.25, 2.0]
W = [3.0, -4.0, 0.5]


def both(values, dtype="float32", requires_grad=True):
    return (tg.tensor(values, dtype=dtype, requires_grad=requires_grad),
            torch.tensor(values, dtype=getattr(torch, dtype), requires_grad=requires_grad))


def grad_fn_name(tensor):
    """PyTorch's node name without its trailing overload number (``AddBackward0`` -> ``AddBackward``)."""
    return re.sub(r"\d+$", "", tensor.grad_fn.name())


# each: (name, write into y, the same write in torch, torch's node name where ours differs)
WRITES = [
    ("add_", lambda y, w: y.add_(w, alpha=2), None),
    ("add_ number", lambda y, w: y.add_(1.5), None),
    ("sub_", lambda y, w: y.sub_(w), None),
    ("mul_", lambda y, w: y.mul_(w), None),
    ("mul_ number", lambda y, w: y.mul_(3.0), None),
    ("div_", lambda y, w: y.div_(w), None),
    ("clamp_", lambda y, w: y.clamp_(-1.0, 1.0), {"ClipBackward": "ClampBackward"}),
    ("clamp_ min only", lambda y, w: y.clamp_(min=0.0), {"ClipBackward": "ClampBackward"}),
    ("abs_", lambda y, w: y.abs_(), None),
    ("fill_", lambda y, w: y.fill_(2.5), None),
    ("zero_", lambda y, w: y.zero_(), None),
    ("copy_", lambda y, w: y.copy_(w * w), {"CopyBackwards": "torch::autograd::CopyBackwards"}),
    ("masked_fill_", lambda y, w: y.masked_fill_(y > 0, -1.0), None),
]


@pytest.mark.parametrize("name, write, names", WRITES, ids=[w[0] for w in WRITES])
def test_a_write_into_an_ops_output_is_recorded_as_torch(name, write, names):
    """``y = x * 2; y.<op>_(...)``, then a further op and backward: y's values, the gradients of x and w, and
    y.grad_fn (the out-of-place op's node; named as PyTorch's but for its overload number, or as mapped)."""
    (x, tx), (w, tw) = both(X), both(W)
    y, ty = x * 2, tx * 2
    mask, t_mask = (y > 0), (ty > 0)
    assert write(y, w) is y
    write(ty, tw)
    assert not y.is_leaf and y.requires_grad
    ours = y.grad_fn.name()
    assert (names or {}).get(ours, ours) == grad_fn_name(ty)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-6)
    ((y * y).sum() + y.max()).backward()
    ((ty * ty).sum() + ty.max()).backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-6)
    assert (w.grad is None) == (tw.grad is None)
    if tw.grad is not None:
        np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), rtol=1e-6)
    assert mask.tolist() == t_mask.tolist()


def test_the_brief_example_and_chains():
    """``y = x * 2; y.add_(1)``: x.grad [2, 2], AddBackward; a chain ``div_ -> sub_ -> mul_`` and in-place ops
    followed by out-of-place ones and by further in-place ones."""
    (x, tx) = both([1.0, 2.0])
    y, ty = x * 2, tx * 2
    y.add_(1)
    ty.add_(1)
    y.sum().backward()
    ty.sum().backward()
    assert x.grad.tolist() == tx.grad.tolist() == [2.0, 2.0]
    assert y.grad_fn.name() == "AddBackward" and ty.grad_fn.name() == "AddBackward0" and ty._version == 1
    (x, tx), (w, tw) = both(X, "float64"), both(W, "float64")
    y, ty = x * 1.5, tx * 1.5
    for t, v in ((y, w), (ty, tw)):
        t.div_(4).sub_(v, alpha=2).mul_(3)
        z = (t + v).exp()               # (add saves nothing: the write into t after it is no error)
        t.clamp_(-2.0, 2.0).add_(z)
        (t * t).sum().backward()
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), rtol=1e-12)


def test_nodes_recorded_before_the_write_read_the_old_value():
    """``z = y + 1; y.mul_(3)``: z's gradient goes to y's value before the write (x.grad [8, 8] as torch), and a
    slice of y taken before the write and used after it is a slice of the new value (torch regenerates it)."""
    (x, tx) = both([1.0, 2.0])
    for t in (x, tx):
        y = t * 2
        z = y + 1
        y.mul_(3)
        (z + y).sum().backward()
    assert x.grad.tolist() == tx.grad.tolist() == [8.0, 8.0]
    (x, tx) = both([[1.0, 2.0], [3.0, 4.0]])
    results = []
    for t in (x, tx):
        y = t * 2
        early = y[0:1] * 5              # used before the write: the old value
        view = y.T[0]                   # taken before, used after: the new value
        y.mul_(3)
        (early.sum() + (view * t[0]).sum()).backward()
        results.append((view.tolist(), early.tolist(), t.grad.tolist()))
    assert results[0] == results[1]


def _exp_then_add(x):
    y = x.exp()
    y.add_(1)
    return y


def _mul_saved_y(x):
    y = x * 2
    z = y * y
    y.add_(1)
    return z


def _mul_by_itself(x):
    y = x * 2
    return y.mul_(y)


def _sigmoid_then_clamp(x):
    y = x.sigmoid()
    return y.clamp_(0.0, 0.8)


@pytest.mark.parametrize("spelling", [_exp_then_add, _mul_saved_y, _mul_by_itself, _sigmoid_then_clamp],
                         ids=lambda f: f.__name__)
def test_a_backward_pass_that_needs_an_overwritten_value_raises_as_torch(spelling):
    """exp and sigmoid saved their outputs, mul its inputs: torch's RuntimeError "modified by an inplace operation"
    (``y.mul_(y)`` too: the op's other input is the value it writes over)."""
    words = "one of the variables needed for gradient computation has been modified by an inplace operation"
    for lib in (tg, torch):
        out = spelling(lib.tensor([1.0, 2.0], requires_grad=True))
        with pytest.raises(RuntimeError, match=words):
            out.sum().backward()


@pytest.mark.parametrize("dtype", ["float16", "float64"])
def test_other_float_dtypes_as_torch(dtype):
    (x, tx), (w, tw) = both(X, dtype), both(W, "float32")
    y, ty = (x * 2).add_(1).mul_(x), (tx * 2).add_(1).mul_(tx)
    z, tz = (x * 1).mul_(w), (tx * 1).mul_(tw)       # a float32 other: the result keeps x's dtype
    assert str(y.dtype) == str(z.dtype) == dtype and ty.dtype == tz.dtype == getattr(torch, dtype)
    ((y * y).sum() + z.sum()).backward()
    ((ty * ty).sum() + tz.sum()).backward()
    assert str(x.grad.dtype) == dtype and str(w.grad.dtype) == "float32"
    tolerance = 1e-2 if dtype == "float16" else 1e-12
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=tolerance)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=tolerance)
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), rtol=tolerance)


def test_no_grad_and_tensors_without_grad_are_written_outside_the_graph():
    """Under no_grad the node stays the one before (MulBackward) and the gradient ignores the write, as torch; a
    tensor without grad given an ``other`` that requires grad becomes an op's output that requires grad."""
    (x, tx) = both([1.0, 2.0])
    y, ty = x * 2, tx * 2
    with tg.no_grad():
        y.add_(1)
    with torch.no_grad():
        ty.add_(1)
    assert y.grad_fn.name() == "MulBackward" and ty.grad_fn.name() == "MulBackward0"
    y.sum().backward()
    ty.sum().backward()
    assert y.tolist() == ty.tolist() == [3.0, 5.0] and x.grad.tolist() == tx.grad.tolist() == [2.0, 2.0]
    c, tc = tg.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0])
    c.add_(3.0)
    tc.add_(3.0)
    assert c.is_leaf and not c.requires_grad and c.tolist() == tc.tolist()
    (w, tw) = both([3.0, 4.0])
    c.mul_(w)
    tc.mul_(tw)
    assert (c.is_leaf, c.requires_grad) == (tc.is_leaf, tc.requires_grad) == (False, True)
    (c * c).sum().backward()
    (tc * tc).sum().backward()
    assert w.grad.tolist() == tw.grad.tolist()


def test_the_refusals_that_stay():
    """A leaf that requires grad: torch's RuntimeError; a view of a leaf: torch's RuntimeError; an expand of an op's
    output: torch's RuntimeError (the other views of an op's output are recorded, CopySlices:
    tests/test_copy_slices.py); nothing is written by a refusal."""
    (x, tx) = both([1.0, 2.0])
    for t in (x, tx):
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"
                                               if t is tx else "leaf tensor that requires grad"):
            t.add_(1)
        with pytest.raises(RuntimeError, match="a view of a leaf Variable"):
            t[0].mul_(3)
    y, ty = x * 2, tx * 2
    for t in (y, ty):
        with pytest.raises(RuntimeError, match="more than one element of the written-to tensor refers to a single"):
            t.expand(2, 2).mul_(3)
    assert y.tolist() == [2.0, 4.0] and y.grad_fn.name() == "MulBackward"
    i = tg.tensor([1, 2], dtype="int64")
    with pytest.raises(TypeError, match="Invalid type for argument `other` of add_"):
        i.add_(x)                           # a float result into an int tensor (torch: "can't be cast")
    assert i.tolist() == [1, 2] and i.is_leaf and not i.requires_grad
    with pytest.raises(ValueError, match="Invalid value for argument `other` of mul_"):
        y.mul_(tg.tensor([[1.0], [2.0]]))   # broadcasting would change y's shape
    assert y.tolist() == [2.0, 4.0] and y.grad_fn.name() == "MulBackward"


def test_retain_graph_and_a_second_pass_as_torch():
    (x, tx) = both(X)
    outs = []
    for t in (x, tx):
        y = t * 2
        z = y + 1
        y.mul_(3)
        loss = (z * y).sum()
        loss.backward(retain_graph=True)
        loss.backward()
        outs.append(t.grad.tolist())
    np.testing.assert_allclose(outs[0], outs[1], rtol=1e-6)
