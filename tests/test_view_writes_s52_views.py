"""Writes through a view after the tensor it views was written, and through views of views (session 52).

Two wrong results of the autograd tester's fuzzer:

* a node recorded on a view ``v`` of ``b`` (``t = v * 2``), then ``b`` written in place (``b.mul_(3)``), then
  ``v`` written in place (``v.add_(1)``): ``t``'s gradient went through the later ``b.mul_(3)`` (``a.grad`` 9
  where PyTorch gives 3). The value before ``v.add_(1)`` kept as ``v``'s version is a view of ``b`` *after*
  ``b.mul_(3)``, and was handed to every node recorded earlier, ``t``'s too;
* a view of a view written (``v2 = v1[1:]; v2.add_(1)``), then the outer view (``v1.sub_(1)``): the same mix-up
  made a loop in the graph (``v1``'s version reached ``v2``'s write, which reached ``v1``'s version), and the leaf
  got no gradient at all (``a.grad is None``).

Now a view's version is asked, in its turn, for its value at the time the node was recorded
(:func:`tinygradconv.in_place.version_at`). References, independent of each other and of the code tested:
PyTorch 2.13 run beside ours (skipped without it), and float64 central finite differences of the forward program
run on plain NumPy arrays (:class:`Ref`, no autograd); the two headline programs also by hand."""
import numpy as np
import pytest

import tinygradconv as tg

LINE = np.array([0.5, -1.0, 2.0])
POSITIVE_LINE = np.array([0.5, 1.2, 2.0])
GRID = np.linspace(-1.2, 1.3, 12).reshape(3, 4)          # the fuzzer's leaf
POSITIVE_GRID = np.linspace(0.1, 1.2, 12).reshape(3, 4)

#: name: (the leaf's values, the program: a function of the leaf ``a`` returning the loss, run on ours, on
#: PyTorch's tensors and on :class:`Ref`)
PROGRAMS = {}


def program(values):
    """Register the decorated function as a program run on a leaf of ``values``."""
    def register(function):
        PROGRAMS[function.__name__] = (values, function)
        return function
    return register


# finding 2: an op recorded on a view, the base written, then the view written
@program(LINE)
def view_base_then_view(a):
    b = a * 1.5
    v = b[:]
    t = v * 2
    b.mul_(3.0)
    v.add_(1.0)
    return t.sum()


@program(LINE)
def other_view_then_view(a):
    b = a * 1.5
    v = b[:]
    w = b[:]
    t = v * 2
    w.mul_(3.0)
    v.add_(1.0)
    return t.sum()


@program(LINE)
def loss_reads_the_base_too(a):
    b = a * 1.5
    v = b[:]
    t = v * 2
    b.mul_(3.0)
    v.add_(1.0)
    return t.sum() + b.sum()


@program(LINE)
def int_view(a):
    b = a * 1.5
    v = b[0]
    t = v * 2
    b.mul_(3.0)
    v.add_(1.0)
    return t.sum() + (b * b).sum()


@program(LINE)
def unsqueeze_view(a):
    b = a * 1.5
    v = b.unsqueeze(0)
    t = v * 2
    b.mul_(3.0)
    v.add_(1.0)
    return t.sum() + (v * v).sum()


@program(LINE)
def slice_view(a):
    b = a * 1.5
    v = b[1:]
    t = v * 2
    b.mul_(3.0)
    v.add_(1.0)
    return t.sum() + (b * b).sum()


@program(LINE)
def tanh_then_exp_(a):
    b = a * 1.5
    v = b[:]
    t = v.tanh()
    b.div_(3.0)
    v.exp_()
    return t.sum()


@program(LINE)
def tanh_then_mul_one(a):
    b = a * 1.5
    v = b[:]
    t = v.tanh()
    b.div_(3.0)
    v.mul_(1.0)
    return t.sum()


@program(POSITIVE_LINE)
def sqrt_then_sqrt_(a):
    b = a * 1.5
    v = b[:]
    t = v.sqrt()
    b.div_(3.0)
    v.sqrt_()
    return t.sum()


@program(LINE)
def two_base_writes(a):
    b = a * 1.5
    v = b[:]
    t = v * 2
    b.mul_(3.0)
    b.add_(1.0)
    v.mul_(2.0)
    return t.sum() + (v * v).sum()


@program(LINE)
def two_view_writes(a):
    b = a * 1.5
    v = b[1:]
    t = v * 2
    b.mul_(3.0)
    v.add_(1.0)
    v.mul_(2.0)
    return t.sum() + (b * b).sum()


@program(LINE)
def node_between_writes(a):
    b = a * 1.5
    v = b[:]
    t = v * 2
    b.mul_(3.0)
    u = v * 3.0
    v.add_(1.0)
    return t.sum() + u.sum() + (b * b).sum()


# finding 3: a view of a view written, then the outer view
@program(np.array([1.0, 2.0, 3.0]))
def view_of_view(a):
    b = a * 1.5
    v1 = b[1:]
    v2 = v1[1:]
    v2.add_(1.0)
    v1.sub_(1.0)
    return (b * b).sum()


@program(np.array([1.0, 2.0, 3.0]))
def view_of_view_loss_outer(a):
    b = a * 1.5
    v1 = b[1:]
    v2 = v1[1:]
    v2.add_(1.0)
    v1.sub_(1.0)
    return (v1 * v1).sum()


@program(np.array([1.0, 2.0, 3.0]))
def view_of_view_loss_inner(a):
    b = a * 1.5
    v1 = b[1:]
    v2 = v1[1:]
    v2.add_(1.0)
    v1.sub_(1.0)
    return (v2 * v2).sum()


@program(GRID)
def transposed_view_of_view(a):
    b = a * 1.5
    v1 = b.t()[1:]
    v3 = v1[:, ::2]
    v3.add_(1.0)
    v1.sub_(1.0)
    return (b * b).sum()


@program(GRID)
def strided_view_of_view(a):
    b = a * 1.5
    v1 = b[1:]
    v3 = v1[::2]
    v3.add_(1.0)
    v1.sub_(1.0)
    return (b * b).sum() + (v3 * v3).sum()


@program(GRID)
def three_levels(a):
    b = a * 1.5
    v1 = b[1:]
    v2 = v1[:, 1:]
    v3 = v2[0]
    v3.mul_(2.0)
    v2.add_(1.0)
    v1.sub_(1.0)
    return (b * b).sum() + (v2 * v2).sum()


# the programs of the tester's random-program fuzzer (seeds 498, 958, 2043: finding 2; 784, 1902: finding 3)
@program(GRID)
def fuzz_498(a):
    b = a * 1.5
    v1 = b.unsqueeze(0)
    b.sub_(a.sum())
    v3 = v1.tanh()
    b.div_(3.0)
    v1.exp_()
    v6 = v1.sqrt()
    return (b * b).sum() + (v1 * v1).sum() + (v3 * v3).sum() + (v6 * v6).sum()


@program(POSITIVE_GRID)
def fuzz_958(a):
    b = a * 1.5
    v1 = b.unsqueeze(0)
    v2 = v1.sqrt()
    b.div_(3.0)
    v4 = v1[0]
    v1.sqrt_()
    v6 = b.narrow(1, 0, 1)
    return (b * b).sum() + (v1 * v1).sum() + (v2 * v2).sum() + (v4 * v4).sum() + (v6 * v6).sum()


@program(GRID)
def fuzz_2043(a):
    b = a * 1.5
    b.abs_()
    v2 = b.narrow(1, 0, 1)
    v3 = v2.sqrt()
    b.sin_()
    v2.div_(3.0)
    v6 = b.sigmoid()
    return (b * b).sum() + (v2 * v2).sum() + (v3 * v3).sum() + (v6 * v6).sum()


@program(GRID)
def fuzz_784(a):
    b = a * 1.5
    v1 = b.transpose(0, 1)[1:]
    v2 = v1.narrow(1, 0, 1)
    v3 = v1[:, ::2]
    v4 = b[-1:, 1:]
    v3.add_(a.sum() * 0.1)
    v1.sub_(a.sum())
    return (b * b).sum() + (v1 * v1).sum() + (v2 * v2).sum() + (v3 * v3).sum() + (v4 * v4).sum()


@program(GRID)
def fuzz_1902(a):
    b = a * 1.5
    v1 = b[1:]
    v2 = v1.t()
    v2.div_(3.0)
    v1.add_(a.sum() * 0.1)
    v5 = v1[-1:, 1:]
    return (b * b).sum() + (v1 * v1).sum() + (v2 * v2).sum() + (v5 * v5).sum()


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
    def sub_(self, c): return self._set(self - c)                       # noqa: E704
    def div_(self, c): return self._set(self / c)                       # noqa: E704
    def exp_(self): return self._set(np.exp(self))                      # noqa: E704
    def sqrt_(self): return self._set(np.sqrt(self))                    # noqa: E704
    def abs_(self): return self._set(np.abs(self))                      # noqa: E704
    def sin_(self): return self._set(np.sin(self))                      # noqa: E704
    def tanh(self): return np.tanh(self)                                # noqa: E704
    def sqrt(self): return np.sqrt(self)                                # noqa: E704
    def sigmoid(self): return 1 / (1 + np.exp(-self))                   # noqa: E704
    def t(self): return self.T                                          # noqa: E704
    def transpose(self, i, j): return np.swapaxes(self, i, j)           # noqa: E704  (NumPy's permutes)
    def unsqueeze(self, axis): return np.expand_dims(self, axis)        # noqa: E704

    def narrow(self, axis, start, length):
        return self[(slice(None),) * axis + (slice(start, start + length),)]


def finite_differences(program, values, eps=1e-6):
    """The gradient of ``loss`` with respect to ``a`` by float64 central differences of the NumPy program."""
    def loss(at):
        return float(program(np.array(at, dtype=np.float64).view(Ref)))

    grad = np.zeros_like(values, dtype=np.float64)
    for i in np.ndindex(values.shape):
        up, down = values.astype(np.float64), values.astype(np.float64)
        up[i] += eps
        down[i] -= eps
        grad[i] = (loss(up) - loss(down)) / (2 * eps)
    return grad


def ours(program, values, backend):
    a = tg.tensor(values, dtype="float64", requires_grad=True, backend=backend)
    loss = program(a)
    loss.backward()
    assert a.grad is not None, "the leaf lost its gradient"
    return np.array(a.grad.tolist()), float(loss.item())


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
def test_the_gradient_and_loss_are_pytorchs(name, backend):
    torch = pytest.importorskip("torch", reason="PyTorch is a reference of the gradients")
    if backend == "array_api_strict":
        pytest.importorskip("array_api_strict")
    values, forward = PROGRAMS[name]
    a = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    expected = forward(a)
    expected.backward()
    grad, loss = ours(forward, values, backend)
    np.testing.assert_allclose(grad, a.grad.numpy(), rtol=1e-12, atol=1e-12)
    assert loss == pytest.approx(expected.item(), rel=1e-12)


@pytest.mark.parametrize("backend", ["numpy", "array_api_strict"])
def test_the_reported_programs_by_hand(backend):
    if backend == "array_api_strict":
        pytest.importorskip("array_api_strict")
    # t = 2 v = 2 (1.5 a) as recorded, before b.mul_(3) and v.add_(1): dt/da = 3
    assert ours(view_base_then_view, LINE, backend)[0].tolist() == [3.0, 3.0, 3.0]
    # b = [1.5, 3 - 1, 4.5 + 1 - 1] = [1.5 a0, 1.5 a1 - 1, 1.5 a2]: d(b.b)/da = 3 b = [4.5, 6, 13.5]
    grad, loss = ours(view_of_view, np.array([1.0, 2.0, 3.0]), backend)
    assert grad.tolist() == [4.5, 6.0, 13.5] and loss == 26.5
