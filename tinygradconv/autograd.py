"""The autograd engine: ``Function``, the op registry, ``backward``, ``no_grad`` and ``gradcheck``.

Define-by-run: every call of a differentiable op runs its ``forward`` on raw backend arrays and, when some input
requires a gradient, records a node (a :class:`Context`) on the output tensor. ``backward`` then walks those nodes in
reverse topological order and calls each op's ``backward``, which returns one gradient per input.

Gradient rule (the same as PyTorch's): gradients *accumulate* into the ``.grad`` of leaf tensors across calls of
``backward()``; call ``zero_grad()`` (or an optimizer's ``zero_grad``) between steps. Non-leaf tensors keep a
``.grad`` only after ``retain_grad()``. The graph's saved arrays are freed by ``backward`` unless
``retain_graph=True``; a second ``backward`` through a freed graph raises ``RuntimeError``.

>>> import tinygradconv as tg
>>> x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
>>> (x * x).sum().backward()
>>> x.grad.numpy().tolist()
[2.0, 4.0, 6.0]
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

_grad_enabled = [True]


def is_grad_enabled() -> bool:
    """Whether ops currently record nodes for backward."""
    return _grad_enabled[0]


class _GradMode(contextlib.ContextDecorator):
    def __init__(self, enabled):
        self.enabled = enabled

    def __enter__(self):
        self.previous = _grad_enabled[0]
        _grad_enabled[0] = self.enabled

    def __exit__(self, *exc):
        _grad_enabled[0] = self.previous
        return False


def no_grad():
    """Context manager (and decorator) in which ops record no graph: for inference and updates."""
    return _GradMode(False)


def enable_grad():
    """Context manager (and decorator) that turns recording back on inside ``no_grad``."""
    return _GradMode(True)


class Context:
    """What one op call remembers for its backward pass.

    ``forward`` stores arrays with :meth:`save_for_backward` and any plain attribute (``ctx.strides = 2``);
    ``backward`` reads them back. ``xp`` is the array namespace of the inputs, and ``needs_input_grad[i]`` tells
    whether input ``i`` wants a gradient (so expensive unused gradients can be skipped).
    """

    def __init__(self, xp):
        self.xp = xp
        self.saved_tensors = ()
        self.needs_input_grad = ()
        self.fn = None
        self.inputs = ()
        self.released = False

    def save_for_backward(self, *arrays):
        """Keep ``arrays`` (raw backend arrays) for ``backward``."""
        self.saved_tensors = arrays

    def release(self):
        """Free what the node holds; a later backward through it raises ``RuntimeError``."""
        self.saved_tensors = ()
        self.inputs = ()
        self.released = True


class Function:
    """Base class of every differentiable op.

    Subclasses define two static methods working on raw backend arrays through ``ctx.xp`` only::

        class Mul(Function):
            @staticmethod
            def forward(ctx, a, b):
                ctx.save_for_backward(a, b)
                return a * b

            @staticmethod
            def backward(ctx, grad):
                a, b = ctx.saved_tensors
                return grad * b, grad * a        # d(ab)/da = b, d(ab)/db = a

    and are called through :meth:`apply` with Tensors (``None`` is allowed for an absent optional input, such as a
    missing bias; its gradient is ``None``). Keyword arguments are non-differentiable attributes.
    """

    name = None

    @staticmethod
    def forward(ctx, *arrays, **attrs):  # pragma: no cover - abstract
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad):  # pragma: no cover - abstract
        raise NotImplementedError

    @classmethod
    def apply(cls, *inputs, **attrs):
        """Run the op on Tensors and record a node when a gradient is needed."""
        backend = None
        needs = False
        arrays = []
        for t in inputs:
            if t is None:
                arrays.append(None)
                continue
            if type(t) is not Tensor and not isinstance(t, Tensor):
                raise TypeError(f"{cls.__name__} expects Tensor inputs, got {type(t).__name__}")
            if backend is None:
                backend = t.backend
            elif t.backend is not backend:
                raise ValueError(
                    f"{cls.__name__} got tensors on different backends: {backend.name!r} and {t.backend.name!r}. "
                    f"Move one with .to({backend.name!r}).")
            arrays.append(t.data)
            needs = needs or t.requires_grad
        ctx = Context(backend.xp)
        record = needs and _grad_enabled[0]
        if record:
            ctx.needs_input_grad = tuple(t is not None and t.requires_grad for t in inputs)
        out = cls.forward(ctx, *arrays, **attrs)
        if record:
            ctx.fn = cls
            ctx.inputs = inputs
            return Tensor._make(out, backend, True, ctx)
        return Tensor._make(out, backend, False, None)


# --------------------------------------------------------------------------------------------- registry
@dataclass
class Sample:
    """One sample call of an op, for the registry's gradient check.

    ``args`` are NumPy arrays (float64 arrays become differentiable inputs; boolean arrays and arrays listed in
    ``constant`` become constant inputs) or ``None``; ``kwargs`` are the op's attributes.
    """

    args: tuple
    kwargs: dict = field(default_factory=dict)
    constant: tuple = ()


@dataclass
class OpInfo:
    """A registered op: its name, its Function, and a generator of sample calls."""

    name: str
    function: type
    samples: Callable[[np.random.Generator], list]


OPS: dict[str, OpInfo] = {}


def register_op(name: str, samples: Callable[[np.random.Generator], list]):
    """Class decorator: register a :class:`Function` under ``name`` with sample inputs.

    ``samples(rng)`` returns a list of :class:`Sample`; the test suite gradient-checks every registered op on every
    sample and every available backend, so a new op (yours too) is checked for free.
    """

    def decorate(cls):
        if name in OPS and OPS[name].function is not cls:
            raise ValueError(f"An op named {name!r} is already registered ({OPS[name].function.__name__})")
        cls.name = name
        OPS[name] = OpInfo(name, cls, samples)
        return cls

    return decorate


# --------------------------------------------------------------------------------------------- backward
def _topological_order(root):
    """Tensors reachable from ``root`` that need gradients, each after every tensor it depends on.

    Iterative depth-first search (no recursion limit, so chains of any length work).
    """
    order, visited = [], set()
    stack = [(root, False)]
    while stack:
        tensor, expanded = stack.pop()
        if expanded:
            order.append(tensor)
            continue
        if id(tensor) in visited:
            continue
        visited.add(id(tensor))
        stack.append((tensor, True))
        ctx = tensor._ctx
        if ctx is not None:
            if ctx.released:
                raise RuntimeError(
                    "Trying to backward through the graph a second time (or to use a tensor whose graph was "
                    "already freed). Pass retain_graph=True to the first backward() to keep the graph.")
            for parent in ctx.inputs:
                if parent is not None and parent.requires_grad and id(parent) not in visited:
                    stack.append((parent, False))
    return order


def _accumulate(tensor, grad_array):
    if tensor.grad is None:
        tensor.grad = Tensor._make(grad_array, tensor.backend, False, None)
    else:
        tensor.grad = Tensor._make(tensor.grad.data + grad_array, tensor.backend, False, None)


def backward(root, grad=None, retain_graph=False):
    """Back-propagate from ``root``; see :meth:`Tensor.backward`."""
    if not root.requires_grad:
        raise RuntimeError("backward() called on a tensor that does not require grad (it has no graph)")
    xp = root.backend.xp
    if grad is None:
        if root.size != 1:
            raise RuntimeError(
                f"backward() without a gradient needs a scalar output; got shape {root.shape}. "
                "Pass grad= of that shape (or reduce the output first, e.g. .sum()).")
        grad_array = xp.ones(root.data.shape, dtype=root.data.dtype)
    else:
        grad_array = grad.data if isinstance(grad, Tensor) else root.backend.asarray(grad)
        if tuple(grad_array.shape) != root.shape:
            raise ValueError(f"backward(): grad has shape {tuple(grad_array.shape)} but the output has "
                             f"shape {root.shape}")
        if grad_array.dtype != root.data.dtype:
            grad_array = xp.astype(grad_array, root.data.dtype)
    grads = {id(root): grad_array}
    for tensor in reversed(_topological_order(root)):
        g = grads.pop(id(tensor), None)
        if g is None:
            continue
        ctx = tensor._ctx
        if ctx is None:
            _accumulate(tensor, g)
            continue
        if tensor._retains_grad:
            _accumulate(tensor, g)
        input_grads = ctx.fn.backward(ctx, g)
        if type(input_grads) is not tuple:
            input_grads = (input_grads,)
        for parent, pg in zip(ctx.inputs, input_grads):
            if pg is None or parent is None or not parent.requires_grad:
                continue
            key = id(parent)
            previous = grads.get(key)
            grads[key] = pg if previous is None else previous + pg
        if not retain_graph:
            ctx.release()


# --------------------------------------------------------------------------------------------- gradcheck
class GradcheckError(AssertionError):
    """Raised by :func:`gradcheck` when an analytic gradient disagrees with finite differences."""


def gradcheck(fn, *inputs, eps=1e-6, atol=1e-5, rtol=1e-3, seed=0, raise_exception=True):
    """Compare the gradients of ``fn`` with float64 central finite differences.

    The scalar checked is ``L = sum(fn(*inputs) * v)`` for a fixed random ``v``, so every output element counts.
    For each input ``x`` with ``requires_grad``: analytic ``dL/dx`` from :meth:`Tensor.backward` versus numeric
    ``(L(x + eps e_i) - L(x - eps e_i)) / (2 eps)`` for every element ``i``; they must agree within
    ``atol + rtol * |numeric|``.

    Returns ``True`` when all gradients agree. Otherwise raises :class:`GradcheckError` (or returns ``False``
    with ``raise_exception=False``) naming the worst mismatch: the input, the element index and both values.

    >>> import tinygradconv as tg
    >>> x = tg.tensor([0.5, -1.0], dtype="float64", requires_grad=True)
    >>> tg.gradcheck(lambda t: t.tanh() * t, x)
    True
    """
    inputs = [t if isinstance(t, Tensor) else Tensor(t) for t in inputs]
    rng = np.random.default_rng(seed)
    originals = [t.numpy().copy() for t in inputs]

    def run(arrays, track):
        ts = [Tensor(a, dtype=t.dtype, backend=t.backend, requires_grad=track and t.requires_grad)
              for a, t in zip(arrays, inputs)]
        if track:
            return ts, fn(*ts)
        with no_grad():
            return ts, fn(*ts)

    tracked, out = run(originals, True)
    if not isinstance(out, Tensor):
        raise TypeError(f"gradcheck: fn must return a Tensor, got {type(out).__name__}")
    v = rng.standard_normal(out.shape)
    if out.requires_grad:
        out.backward(Tensor(v, dtype=out.dtype, backend=out.backend))

    worst = None  # (excess, input index, element index, analytic, numeric)
    for n, (t, tt) in enumerate(zip(inputs, tracked)):
        if not t.requires_grad:
            continue
        analytic = tt.grad.numpy() if tt.grad is not None else np.zeros(t.shape)
        for index in np.ndindex(*t.shape):
            values = []
            for step in (eps, -eps):
                arrays = [a.copy() for a in originals]
                arrays[n][index] += step
                _, o = run(arrays, False)
                values.append(float(np.sum(o.numpy() * v)))
            numeric = (values[0] - values[1]) / (2 * eps)
            a = float(analytic[index])
            excess = abs(a - numeric) - (atol + rtol * abs(numeric))
            if worst is None or excess > worst[0]:
                worst = (excess, n, index, a, numeric)
    if worst is None or worst[0] <= 0:
        return True
    _, n, index, a, numeric = worst
    message = (f"gradcheck failed: worst mismatch at input {n}, index {index}: analytic={a!r}, numeric={numeric!r}, "
               f"|difference|={abs(a - numeric):.3g} > atol + rtol*|numeric| = {atol + rtol * abs(numeric):.3g}")
    if raise_exception:
        raise GradcheckError(message)
    return False


from .tensor import Tensor  # noqa: E402  (tensor.py imports this module's Function; break the cycle here)

