"""Writes through a view of a view after a backward pass (session 52, the engine reviewer's finding 1).

A backward pass points each node it reaches at the values its inputs had when the node was recorded
(:func:`tinygradconv.in_place.as_recorded`). A view's node is also the record of which tensor the view views, so
after ``v1 = b[0:]; v = v1[0]; v.mul_(3.0)`` and a backward pass, ``v1``'s node pointed at ``b``'s value *before*
the write. The next write through ``v`` (or ``v1``) was then recorded on that old value, and the first write
dropped out of the graph: ``a.grad`` ``[3, 0]`` where PyTorch gives ``[6, 0]``. The same cause kept a piece of
``chunk`` taken before a write from being refused, as PyTorch refuses it.

Now a view's base is read as the tensor that holds its memory now (:func:`tinygradconv.in_place.live`): in
``copy_slices.view_chain`` (the base a write goes into) and in the node a write through a view leaves on it.
References, independent of each other and of the code tested: PyTorch 2.13 run beside ours (skipped without it),
float64 central finite differences of the forward program run on plain NumPy arrays (:class:`Ref`, no autograd),
and the headline program by hand. Each program may run backward passes in its middle (``between``), as the
reviewer's fuzzer does: ``a.grad`` then sums their gradients and the final one, the gradient of the sum of the
losses."""
import sys

import numpy as np
import pytest

import tinygradconv as tg

LINE = np.array([1.0, 2.0])
GRID = np.linspace(-1.2, 1.3, 12).reshape(3, 4)          # the fuzzer's leaf

#: name: (the leaf's values, the program: a function of the leaf ``a`` and a list ``passes`` returning the final
#: loss, run on ours, on PyTorch's tensors and on :class:`Ref`)
PROGRAMS = {}


def program(values):
    """Register the decorated function as a program run on a leaf of ``values``."""
    def register(function):
        PROGRAMS[function.__name__] = (values, function)
        return function
    return register


def between(passes, loss):
    """A backward pass in the middle of the program, keeping the graph (``retain_graph=True``); the loss is kept
    in ``passes``: the leaf's gradient sums every pass's."""
    passes.append(loss)
    if hasattr(loss, "backward"):       # (a Ref has none: its loss is only summed)
        loss.backward(retain_graph=True)


def index(a, values):
    """An integer index of ``a``'s kind: ours, PyTorch's or NumPy's for a :class:`Ref`."""
    if isinstance(a, tg.Tensor):
        return tg.tensor(values, dtype="int64", backend=a.backend)
    if isinstance(a, np.ndarray):
        return np.array(values)
    return sys.modules["torch"].tensor(values)


def mask(a, values):
    """A boolean index of ``a``'s kind."""
    if isinstance(a, tg.Tensor):
        return tg.tensor(values, dtype="bool", backend=a.backend)
    if isinstance(a, np.ndarray):
        return np.array(values, dtype=bool)
    return sys.modules["torch"].tensor(values)


# the reviewer's program: a view of a view written, a backward pass, the view written again
@program(LINE)
def view_of_view_written_after_a_pass(a, passes):
    b = a * 1.0
    v = b[0:][0]
    v.mul_(3.0)
    between(passes, b.sum())
    v.mul_(2.0)
    return v.sum()


@program(LINE)
def outer_view_written_after_a_pass(a, passes):
    b = a * 1.0
    v1 = b[0:]
    v = v1[0]
    v.mul_(3.0)
    between(passes, b.sum())
    v1.mul_(2.0)
    return v.sum() + (b * b).sum()


@program(LINE)
def view_written_after_a_pass_through_it(a, passes):
    b = a * 1.5
    v1 = b.unsqueeze(0)
    v1[0].mul_(3.0)
    between(passes, (v1 * v1).sum())
    v1.mul_(1.5)
    return (v1 * v1).sum()


@program(LINE)
def three_levels_after_a_pass(a, passes):
    b = a * 1.5
    v1 = b.unsqueeze(0)
    v2 = v1[0:]
    v3 = v2[0][1:]
    v3.mul_(3.0)
    between(passes, (b * b).sum())
    v3.add_(1.0)
    between(passes, (v2 * v2).sum())
    v2.mul_(2.0)
    return (b * b).sum() + (v3 * v3).sum()


# the programs of the reviewer's fuzzer (/tmp/re/fz.py) that gave a wrong gradient, by seed
@program(GRID)
def fuzz_317(a, passes):
    b = a * 1.5
    v1 = b.unsqueeze(0)
    v1[0].mul_(3.0)
    between(passes, (v1 * v1).sum())
    between(passes, (v1 * v1).sum())
    v2 = b.view(-1)
    v1.mul_(1.5)
    v3 = b * 2 + 1
    between(passes, (b * b).sum())
    return (b * b).sum() + (v1 * v1).sum() + (v2 * v2).sum() + (v3 * v3).sum()


@program(GRID)
def fuzz_398(a, passes):
    b = a * 0.7 + 0.1
    v1 = b[0]
    v2 = b.unsqueeze(-1)
    v3 = v1[-1:]
    v3.zero_()
    between(passes, (v1 * v1).sum())
    i2 = index(a, [1, 2, 0])
    b[i2] = b[i2] * 2
    v1.add_(a.sum() * 0.1)
    return (b * b).sum() + (v1 * v1).sum() + (v2 * v2).sum() + (v3 * v3).sum()


@program(GRID)
def fuzz_1250(a, passes):
    b = a * 1.5
    v1 = b.transpose(0, 1)[1:]
    v1.mul_(a.mean())
    between(passes, (b * b).sum())
    v1[mask(a, [True, True, True])] = 0.9
    v1[index(a, [2])] = a[0, 3]
    v1.add_(0.25)
    b.neg_()
    v2 = b.narrow(0, 1, 1)
    return (b * b).sum() + (v1 * v1).sum() + (v2 * v2).sum()


@program(GRID)
def fuzz_1764(a, passes):
    b = a * 0.7 + 0.1
    v1 = b[-1:]
    v2 = v1[0]
    v2.mul_(1.5)
    between(passes, (v1 * v1).sum())
    v2[-1] = a[0, 1]
    v2 *= 2
    return (b * b).sum() + (v1 * v1).sum() + (v2 * v2).sum()


@program(GRID)
def fuzz_1873(a, passes):
    b = a * 0.7 + 0.1
    b[:1].add_(a[2, 2])
    v1 = b.transpose(0, 1)[1:]
    v2 = v1[-1:]
    i2 = index(a, [0])
    v2[i2] = v2[i2] * 2
    v3 = v1[1:]
    between(passes, (b * b).sum())
    v3[...] = a.sum() * 0.2
    return (b * b).sum() + (v1 * v1).sum() + (v2 * v2).sum() + (v3 * v3).sum()


@program(GRID)
def fuzz_2027(a, passes):
    b = a * 1.5
    v1 = b.transpose(0, 1)[1:]
    v1[index(a, [1])] *= 1.5
    b[0] = 0.3
    between(passes, (v1 * v1).sum())
    v1.add_(0.25)
    v1 += a[1, 1]
    return (b * b).sum() + (v1 * v1).sum()


@program(GRID)
def fuzz_2762(a, passes):
    b = a * 0.7 + 0.1
    b[0].mul_(3.0)
    v1 = b[-1:]
    between(passes, (v1 * v1).sum())
    v1[0].mul_(3.0)
    between(passes, (b * b).sum())
    b.copy_(a[0, 0] * 2)
    v1[0].mul_(3.0)
    return (b * b).sum() + (v1 * v1).sum()


@program(GRID)
def fuzz_2869(a, passes):
    b = a * 1.5
    v1 = b.narrow(0, 1, 1)
    v1[0].mul_(3.0)
    between(passes, (v1 * v1).sum())
    v2 = v1.unsqueeze(-1)
    v1[index(a, [0])] *= 1.5
    v2 += a[1, 1]
    between(passes, (v1 * v1).sum())
    return (b * b).sum() + (v1 * v1).sum() + (v2 * v2).sum()


class Ref(np.ndarray):
    """A NumPy float64 array with the PyTorch methods the programs call, in place where PyTorch's are: the forward
    program on plain memory, without any autograd, for the finite differences."""

    def __getitem__(self, index):       # (an integer index gives a view, as PyTorch's, not a NumPy scalar)
        return super().__getitem__((index if isinstance(index, tuple) else (index,)) + (Ellipsis,))

    def _set(self, values):
        self[...] = values
        return self

    def mul_(self, c): return self._set(self * c)                       # noqa: E704
    def add_(self, c): return self._set(self + c)                       # noqa: E704
    def neg_(self): return self._set(-self)                             # noqa: E704
    def zero_(self): return self._set(0.0)                              # noqa: E704
    def copy_(self, c): return self._set(c)                             # noqa: E704
    def t(self): return self.T                                          # noqa: E704
    def transpose(self, i, j): return np.swapaxes(self, i, j)           # noqa: E704  (NumPy's permutes)
    def unsqueeze(self, axis): return np.expand_dims(self, axis)        # noqa: E704
    def view(self, *shape): return self.reshape(shape)                  # noqa: E704  (C-contiguous here: a view)

    def narrow(self, axis, start, length):
        return self[(slice(None),) * axis + (slice(start, start + length),)]


def finite_differences(program, values, eps=1e-6):
    """The gradient of the sum of the program's losses (those of its passes and the final one) with respect to
    ``a`` by float64 central differences of the NumPy program."""
    def loss(at):
        passes = []
        final = program(np.array(at, dtype=np.float64).view(Ref), passes)
        return float(final) + sum(float(p) for p in passes)

    grad = np.zeros_like(values, dtype=np.float64)
    for i in np.ndindex(values.shape):
        up, down = values.astype(np.float64), values.astype(np.float64)
        up[i] += eps
        down[i] -= eps
        grad[i] = (loss(up) - loss(down)) / (2 * eps)
    return grad


def ours(program, values, backend):
    a = tg.tensor(values, dtype="float64", requires_grad=True, backend=backend)
    passes = []
    loss = program(a, passes)
    loss.backward()
    assert a.grad is not None, "the leaf lost its gradient"
    return np.array(a.grad.tolist()), [p.item() for p in passes] + [loss.item()]


@pytest.mark.parametrize("backend", ["numpy", "array_api_strict"])
@pytest.mark.parametrize("name", list(PROGRAMS))
def test_the_gradient_is_the_finite_differences_of_the_forward_program(name, backend):
    if backend == "array_api_strict":
        pytest.importorskip("array_api_strict")
    values, forward = PROGRAMS[name]
    grad, _ = ours(forward, values, backend)
    np.testing.assert_allclose(grad, finite_differences(forward, values), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("backend", ["numpy", "array_api_strict"])
@pytest.mark.parametrize("name", list(PROGRAMS))
def test_the_gradient_and_losses_are_pytorchs(name, backend):
    torch = pytest.importorskip("torch", reason="PyTorch is a reference of the gradients")
    if backend == "array_api_strict":
        pytest.importorskip("array_api_strict")
    values, forward = PROGRAMS[name]
    a = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    passes = []
    expected = forward(a, passes)
    expected.backward()
    grad, losses = ours(forward, values, backend)
    np.testing.assert_allclose(grad, a.grad.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(losses, [p.item() for p in passes] + [expected.item()], rtol=1e-12)


@pytest.mark.parametrize("backend", ["numpy", "array_api_strict"])
def test_the_reported_program_by_hand(backend):
    if backend == "array_api_strict":
        pytest.importorskip("array_api_strict")
    a = tg.tensor([1.0, 2.0], requires_grad=True, backend=backend)
    b = a * 1.0
    v = b[0:][0]
    v.mul_(3.0)
    b.sum().backward(retain_graph=True)
    v.mul_(2.0)
    a.grad = None
    v.sum().backward()
    assert a.grad.tolist() == [6.0, 0.0]        # v = 2 * 3 * a0, as PyTorch's
    assert b.tolist() == [6.0, 2.0]


def test_a_write_after_a_pass_goes_into_the_base_as_it_is_now():
    a = tg.tensor([1.0, 2.0], requires_grad=True)
    b = a * 1.0
    v1 = b[0:]
    v = v1[0]
    v.mul_(3.0)
    b.sum().backward(retain_graph=True)
    v.mul_(2.0)
    assert b.grad_fn.name() == "CopySlices"
    old = b.grad_fn.next_functions[0][0]        # the value before `v.mul_(2.0)`: the first write's CopySlices
    assert old.name() == "CopySlices"


# a piece of chunk/split taken before its base was written, then used: PyTorch refuses, after a backward pass too
def chunk_piece_used_after_a_write(L, backend, backward_between):
    a = L.tensor(GRID, requires_grad=True) if L is not tg else tg.tensor(GRID, requires_grad=True, backend=backend)
    b = a * 0.7 + 0.1
    v1 = b.t()
    v1[:1].add_(a[2, 2])
    v4 = v1.chunk(2, 0)[0]
    if backward_between:
        (v4 * v4).sum().backward(retain_graph=True)
    v1[index(a, [0, 2, 1])] *= 1.5
    return (b * b).sum() + (v4 * v4).sum()


@pytest.mark.parametrize("backward_between", [False, True])
@pytest.mark.parametrize("backend", ["numpy", "array_api_strict"])
def test_a_chunk_piece_taken_before_a_write_is_refused_as_pytorch(backend, backward_between):
    if backend == "array_api_strict":
        pytest.importorskip("array_api_strict")
    torch = pytest.importorskip("torch", reason="PyTorch refuses the same program")
    with pytest.raises(RuntimeError, match="Output 0 of Split is a view"):
        chunk_piece_used_after_a_write(torch, backend, backward_between).backward()
    with pytest.raises(RuntimeError, match="A piece of split, chunk, unbind or tensor_split"):
        chunk_piece_used_after_a_write(tg, backend, backward_between).backward()
