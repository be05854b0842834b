"""The autograd engine: ``Function``, the op registry and ``backward`` (``no_grad`` and the other grad modes
are in :mod:`tinygradconv.grad_mode`).

The numerical checks of ops (``gradcheck``, special points) live in :mod:`tinygradconv.checks`.

Define-by-run: every call of a differentiable op runs its ``forward`` on raw backend arrays and, when some input
requires a gradient, records a node (a :class:`Context`) on the output tensor. ``backward`` then walks those nodes in
reverse topological order and calls each op's ``backward``, which returns one gradient per input.

Gradient rule (the same as PyTorch's): gradients *accumulate* into the ``.grad`` of leaf tensors across calls of
``backward()``, added into the same Tensor in place (``g = x.grad`` stays ``x.grad``); call ``zero_grad()`` (or an
optimizer's ``zero_grad``) between steps. Non-leaf tensors keep a ``.grad`` only after ``retain_grad()``. The
graph's saved arrays are freed by ``backward`` unless ``retain_graph=True``; a second ``backward`` through a freed
graph raises ``RuntimeError``.

>>> import tinygradconv as tg
>>> x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
>>> (x * x).sum().backward()
>>> x.grad.numpy().tolist()
[2.0, 4.0, 6.0]
"""
from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from . import in_place


class _GradState(threading.local):
    """Per-thread recording switch (as in PyTorch: ``no_grad`` in one thread leaves the others recording)."""

    enabled = True
    # Callables that backward() calls at every node it reaches, as observer(tensor, grad, input_grads): the
    # gradient arriving at ``tensor`` (an array, or None) and what its op sends to each input. Empty by default;
    # tinygradconv.viz.record_backward() adds one, to draw the backward pass.
    observers = ()
    # The layer calls under way in this thread, innermost last: one ``(layer name, call number)`` each, pushed by
    # Layer.__call__ around its call. An op recorded meanwhile keeps the innermost on its Context (``layer_call``),
    # so that tinygradconv.viz titles it by the layer that ran it ("dense_1/matmul").
    layer_calls = ()
    # The arrays that the ops of the backward pass under way in this thread share, by key: the pieces of
    # ops.splitting write their gradients into one, keyed by their Cut node's context. A new dict at each call of
    # backward(), the outer pass's put back after it: a pass run inside another (an op's backward calling
    # backward()) or in another thread has its own, and a pass that raised leaves nothing behind.
    shared_arrays = None


_state = _GradState()


# ----------------------------------------------------------------------------------- IEEE 754, silently
class _ErrstateSwitch:
    """NumPy's floating-point warnings off and back on through ``np.errstate``, with the interface of NumPy 2's
    context variable: ``token = switch.set(silent)``, then ``switch.reset(token)``."""

    @staticmethod
    def set(_silent):
        state = np.errstate(divide="ignore", invalid="ignore", over="ignore")
        state.__enter__()
        return state

    @staticmethod
    def reset(state):
        state.__exit__(None, None, None)


# IEEE 754 special results (1/0 = inf, inf - inf = nan, 0 * inf = nan, overflow to inf) are computed silently, as
# PyTorch computes them: every forward runs with NumPy's floating-point warnings off (Function.apply), and so does
# every backward pass (backward). NumPy 2 keeps that state in a context variable (per thread); setting it directly
# costs about 0.3 us per op where ``np.errstate`` costs about 1.5 us, and a small op about 2-3 us (2-vCPU Xeon,
# 2026-12-01). Without that variable (NumPy 1.26), ``_ErrstateSwitch`` does the same through ``np.errstate``.
try:
    from numpy._core.umath import _extobj_contextvar as _FP_WARNINGS
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        _SILENT = _FP_WARNINGS.get()
except ImportError:  # pragma: no cover - NumPy < 2 (the switch itself is tested)
    _FP_WARNINGS, _SILENT = _ErrstateSwitch, None

#: The backends whose arrays are NumPy arrays underneath (CuPy never warns).
_NUMPY_BASED = frozenset({"numpy", "array_api_strict"})


def is_grad_enabled() -> bool:
    """Whether ops currently record nodes for backward (in this thread)."""
    return _state.enabled


class Context:
    """What one op call remembers for its backward pass.

    ``forward`` stores arrays with :meth:`save_for_backward` and any plain attribute (``ctx.strides = 2``);
    ``backward`` reads them back. ``xp`` is the array namespace of the inputs, and ``needs_input_grad[i]`` tells
    whether input ``i`` wants a gradient (so expensive unused gradients can be skipped; all False when no graph is
    being recorded).
    """

    # Class-level defaults: an op call only pays for the attributes it actually sets.
    saved_tensors = ()
    checked_writes = ()         # arrays checked for in-place writes only (in_place.check_writes_of)
    released = False
    written_before = in_place._UNSET_COUNT  # in-place writes so far when recorded (Function.apply sets it)
    layer_call = None           # (layer name, call number) of the layer call that ran the op (_GradState.layer_calls)

    def __init__(self, xp, inputs, fn):
        self.xp = xp
        self.inputs = inputs
        self.fn = fn  # the op's Function class when a graph is being recorded, else None

    @property
    def needs_input_grad(self) -> tuple:
        """One bool per input: does it want a gradient? (Computed on demand: most ops never ask.)"""
        if self.fn is None:
            return (False,) * len(self.inputs)
        return tuple([t is not None and t.requires_grad for t in self.inputs])

    def __reduce__(self):  # pickling an op's output reaches here: say what to do, not "cannot pickle 'module'"
        raise TypeError("Cannot pickle a tensor made by an op (its graph is not saved); pickle `t.detach()` instead")

    def save_for_backward(self, *arrays):
        """Keep ``arrays`` (raw backend arrays) for ``backward``."""
        self.saved_tensors = arrays

    def release(self):
        """Free what the node holds; a later backward through it raises ``RuntimeError``."""
        self.saved_tensors = self.checked_writes = ()
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
    missing bias; its gradient is ``None``). Trailing optional inputs may also be left out altogether
    (``Conv1d.apply(x, kernel)``): ``backward`` may still return a gradient slot for them, which must be ``None``
    and is dropped. Keyword arguments are non-differentiable attributes.

    ``backward`` receives the gradient of the output (same shape and dtype as the output) and returns one gradient
    per input, each of that input's shape, or ``None`` where no gradient is needed. An output of an integer or bool
    dtype never requires grad and records no node (as in PyTorch: a cast to int, a comparison).

    Attributes are checked by ``forward`` itself (``ValueError``/``TypeError`` naming the argument), so that
    ``Function.apply`` fails as clearly as the functional wrappers that call it.

    An op whose ``backward`` returns only newly made arrays, distinct from each other and kept nowhere else (not the
    incoming gradient, not a saved array, not a view of either; a view of a new array is fine), may set
    ``new_gradients = True``: a leaf tensor then keeps such an array as its ``.grad`` without a copy, as PyTorch's
    ``AccumulateGrad`` keeps a gradient that nothing else holds. The convolutions do (their gradients are the size
    of their inputs and kernels).

    An op that saves no array may set ``never_freed = True``: ``backward()`` then leaves its node as it was, so
    that a later pass still goes through it to its inputs, as PyTorch's nodes that save nothing allow.
    :class:`~tinygradconv.ops.splitting.Cut` and ``Piece`` do: all the pieces of one ``split`` hang from one
    ``Cut`` node, and a piece may be used in a pass after the one it was (or was not) used in.

    An op whose output may be a view of its first input (indexing, reshape, permute, expand, the pieces of split)
    sets ``view_of_input = True``: such an output made under ``no_grad()`` is marked as a view made without
    gradients (:func:`~tinygradconv.in_place.note_no_grad_view`), which PyTorch refuses to write in place once
    gradients are recorded again.
    """

    name = None
    new_gradients = False
    never_freed = False
    view_of_input = False      # its output may be a view of its first input (in_place.VIEW_OPS)

    @staticmethod
    def forward(ctx, *arrays, **attrs):  # pragma: no cover - abstract
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad):  # pragma: no cover - abstract
        raise NotImplementedError

    @classmethod
    def apply(cls, *inputs, **attrs):
        """Run the op on Tensors and record a node when a gradient is needed."""
        # This is the engine's hot path (every op call comes through here), hence the plain loops.
        backend = None
        requires_grad = False
        arrays = []
        for t in inputs:
            if t is None:
                arrays.append(None)
                continue
            if t.__class__ is not Tensor and not isinstance(t, Tensor):
                raise TypeError(f"{cls.__name__} expects Tensor inputs (or None), got {type(t).__name__}")
            if t.backend is not backend:
                if backend is not None:
                    raise ValueError(
                        f"{cls.__name__} got tensors on different backends: {backend.name!r} and "
                        f"{t.backend.name!r}. Move one with .to({backend.name!r}); a model's weights move with "
                        f"model.to(...) (tensors made after tg.set_backend(...) are on the new default backend).")
                backend = t.backend
            if t._requires_grad:      # the slot behind the property, read directly on this hot path
                requires_grad = True
            arrays.append(t._data)
        if backend is None:
            raise TypeError(f"{cls.__name__} needs at least one Tensor input")
        recording = requires_grad and _state.enabled
        ctx = Context(backend.xp, inputs, cls if recording else None)
        token = _FP_WARNINGS.set(_SILENT) if backend.name in _NUMPY_BASED else None   # inf - inf = nan, silently
        try:
            out = cls.forward(ctx, *arrays, **attrs)
        finally:
            if token is not None:
                _FP_WARNINGS.reset(token)
        if recording and dtype_name(out.dtype) in _FLOATS:
            ctx.written_before = in_place.writes    # (read by backward: saved arrays, in-place ops since)
            calls = _state.layer_calls
            if calls:
                ctx.layer_call = calls[-1]
            return Tensor._make(out, backend, True, ctx)
        result = Tensor._make(out, backend, False, None)  # integer/bool results never require grad (PyTorch)
        if cls.view_of_input and (not _state.enabled or inputs[0]._no_grad_view is not None):
            in_place.note_no_grad_view(result, inputs[0], cls, ctx)     # (written in place with grad on: refused)
        return result


# --------------------------------------------------------------------------------------------- registry
@dataclass
class Sample:
    """One sample call of an op, for the registry's gradient check or special-point check.

    ``args`` are NumPy arrays (float64 arrays become differentiable inputs; boolean arrays and arrays listed in
    ``constant`` become constant inputs) or ``None`` (an absent optional input); ``kwargs`` are the op's attributes.

    A special-point sample may also state what it must give: ``expected`` (the output, a NumPy array) and
    ``expected_grads`` (one NumPy array per input, the gradient of ``sum(output)`` with respect to it, or
    ``None`` for a constant or absent input). NaN compares equal to NaN there. The built-in ops leave both
    ``None``: the test suite compares them with PyTorch and Keras instead.
    """

    args: tuple
    kwargs: dict = field(default_factory=dict)
    constant: tuple = ()
    expected: object = None
    expected_grads: tuple | None = None


@dataclass
class OpInfo:
    """A registered op: its name, its Function, a generator of gradient-check samples and one of special points.

    ``special_points(rng)`` returns samples at the special inputs of the op's domain (0, -0.0, +-inf, NaN, ties,
    kinks, rank-0 and empty shapes). An op without them must say why in ``no_special_points`` (a sentence).
    """

    name: str
    function: type
    samples: Callable[[np.random.Generator], list]
    special_points: Callable[[np.random.Generator], list] | None = None
    no_special_points: str | None = None


OPS: dict[str, OpInfo] = {}


def register_op(name: str, samples: Callable[[np.random.Generator], list],
                special_points: Callable[[np.random.Generator], list] | None = None, *,
                no_special_points: str | None = None):
    """Class decorator: register a :class:`Function` under ``name`` with sample inputs and special points.

    ``samples(rng)`` returns a list of :class:`Sample` at ordinary inputs, away from kinks: the test suite
    gradient-checks every registered op on every sample and every available backend, so a new op (yours too) is
    checked for free. It also calls the samples whose trailing inputs are ``None`` with those inputs left out
    (``Function.apply(x, w)`` instead of ``apply(x, w, None)``).

    ``special_points(rng)`` returns a list of :class:`Sample` at the special inputs of the op's domain: zero,
    ``-0.0``, ``+-inf``, NaN, exact ties, kinks, rank-0 and empty shapes.
    :func:`~tinygradconv.checks.check_special_points` evaluates the op and its gradient there (against each
    sample's ``expected`` values, or a reference function you pass); the test suite does it for every built-in
    op against PyTorch and Keras. Pass ``no_special_points="why"`` instead when an op has none worth checking.

    >>> import numpy as np
    >>> import tinygradconv as tg
    >>> from tinygradconv.autograd import Function, Sample
    >>> from tinygradconv.checks import check_special_points
    >>> @tg.register_op("doc_square", samples=lambda rng: [Sample((rng.standard_normal(3),))],
    ...                 special_points=lambda rng: [Sample((np.array([0.0, np.nan, np.inf]),),
    ...                                                    expected=np.array([0.0, np.nan, np.inf]),
    ...                                                    expected_grads=(np.array([0.0, np.nan, np.inf]),))])
    ... class DocSquare(Function):
    ...     @staticmethod
    ...     def forward(ctx, a):
    ...         ctx.save_for_backward(a)
    ...         return a * a
    ...     @staticmethod
    ...     def backward(ctx, grad):
    ...         return 2.0 * grad * ctx.saved_tensors[0]
    >>> check_special_points("doc_square")
    1
    >>> del OPS["doc_square"]  # (this example's op leaves the registry again)
    """

    def decorate(cls):
        if name in OPS and OPS[name].function is not cls:
            raise ValueError(f"An op named {name!r} is already registered ({OPS[name].function.__name__})")
        cls.name = name
        OPS[name] = OpInfo(name, cls, samples, special_points, no_special_points)
        return cls

    return decorate


# --------------------------------------------------------------------------------------------- backward
_FREED = ("Trying to backward through the graph a second time (or through a tensor whose graph was already freed). "
          "The first backward() freed it; pass retain_graph=True to that call to keep the graph.")


def _initial_grad(root, grad, tensors):
    """The gradient that starts the backward pass, checked against ``root``; a copy where it shares memory with
    the ``.grad`` of one of ``tensors`` (the graph's), which the pass adds into."""
    if not root.requires_grad:
        raise RuntimeError("backward() called on a tensor that does not require grad (it has no graph): make the "
                           "leaves with requires_grad=True, outside no_grad()")
    xp = root.backend.xp
    if grad is None:
        if root.size != 1:
            raise RuntimeError(
                f"backward() without a gradient needs a one-element output; got shape {root.shape}. "
                "Pass gradient= of that shape (or reduce the output first, e.g. .sum()).")
        return xp.ones(root.data.shape, dtype=root.data.dtype)
    if isinstance(grad, Tensor):
        if grad.backend is not root.backend:
            raise ValueError(f"backward(): gradient is on backend {grad.backend.name!r} but the output is on "
                             f"{root.backend.name!r}")
        # a .grad of the graph's, or a view of one, is copied (astype copies): the pass adds into them in place, and
        # would read what it wrote (y.backward(x.grad)); any other gradient is read as it is, as PyTorch
        copied = in_place.aliases_a_gradient(grad.data, tensors)
        grad_array = xp.astype(grad.data, root.data.dtype) if copied else grad.data
    else:
        grad_array = Tensor(grad, dtype=dtype_name(root.dtype), backend=root.backend).data
    if tuple(grad_array.shape) != root.shape:
        raise ValueError(f"backward(): gradient has shape {tuple(grad_array.shape)} but the output has shape "
                         f"{root.shape}")
    if grad_array.dtype != root.data.dtype:
        grad_array = xp.astype(grad_array, root.data.dtype)
    return grad_array


def _accumulate(tensor, grad_array, owned=False, leaf=True):
    """Add ``grad_array`` into ``tensor.grad``, as PyTorch's ``AccumulateGrad``.

    The first gradient becomes a new Tensor owning a writable array of the tensor's dtype that nothing else refers
    to: a copy of ``grad_array``, which may be the incoming gradient the user passed to ``backward``, a view of it
    (``x.reshape(...)``), a read-only broadcast view or an array another tensor's gradient also holds. ``owned``:
    ``grad_array`` is a new array (or a view of one) that nothing else refers to (see ``Function.new_gradients``);
    when it is writable and of the tensor's dtype it becomes ``.grad`` itself instead of being copied.

    Later gradients of a ``leaf`` are added into that Tensor's array in place (as PyTorch does): ``g = x.grad``
    taken after one ``backward()`` still is ``x.grad``, and holds the sum, after the next. The write is counted
    (:func:`~tinygradconv.in_place.note_in_place_write`), so a graph that saved the gradient's array refuses its
    backward pass afterwards, as PyTorch's. A new Tensor is made instead for an op's output that keeps its
    gradient (``retain_grad()``: PyTorch makes a new one there too) and when the stored array is read-only.
    (``viz.trace_backward``, the pictures' own pass, starts from no ``.grad`` and puts the held ones back.)
    """
    xp = tensor.backend.xp           # (``_grad``: the checks of the ``grad`` setter hold by construction here)
    stored = tensor._grad
    if stored is None and owned and grad_array.dtype == tensor.data.dtype and in_place.writable(grad_array):
        tensor._grad = Tensor._make(grad_array, tensor.backend, False, None)
    elif stored is None:
        # astype copies: the stored gradient never aliases a user's array, another tensor's gradient or a
        # read-only broadcast view, so it may be added into in place later (and optimizers may update it).
        tensor._grad = Tensor._make(xp.astype(grad_array, tensor.data.dtype), tensor.backend, False, None)
    else:
        addend = xp.astype(grad_array, stored._data.dtype, copy=False)
        if not leaf or not in_place.writable(stored._data):
            tensor._grad = Tensor._make(stored._data + addend, tensor.backend, False, None)
        else:
            in_place.add_into(stored._data, addend)


def _count_uses(root):
    """For every tensor that ``root`` depends on and that needs a gradient: how many recorded op inputs it is.

    Iterative (no recursion limit, so chains of any length work). Raises ``RuntimeError`` on a freed graph.
    """
    uses = {root: 0}
    stack = [root]
    rewritten = in_place.last_rewrite >= 0       # an in-place op was recorded: inputs may have been rewritten since
    while stack:
        ctx = stack.pop()._ctx
        if ctx is None:
            continue
        if ctx.released:
            raise RuntimeError(_FREED)
        if rewritten:
            in_place.as_recorded(ctx)
        for parent in ctx.inputs:
            if parent is not None and parent.requires_grad:
                n = uses.get(parent)
                if n is None:
                    uses[parent] = 1
                    stack.append(parent)
                else:
                    uses[parent] = n + 1
    return uses


def _wrong_shape(ctx, input_grads):
    for i, (parent, pg) in enumerate(zip(ctx.inputs, input_grads)):
        if parent is not None and pg is not None and pg.shape != parent._data.shape:
            return RuntimeError(f"{ctx.fn.__name__}.backward returned a gradient of shape {tuple(pg.shape)} for "
                                f"input {i} of shape {parent.shape} (or that input's .data was replaced by an "
                                f"array of another shape after the forward pass: assign .data after backward())")
    raise AssertionError("unreachable")  # pragma: no cover


def backward(root, grad=None, retain_graph=False):
    """Back-propagate from ``root``; see :meth:`Tensor.backward`.

    Kahn's algorithm: a tensor's op runs its ``backward`` once every use of the tensor has added its share to the
    tensor's gradient (``uses`` counts down to zero), which is a reverse topological order of the graph. IEEE 754
    special results on the way (``1/0``, ``inf - inf`` when gradients add up) are computed silently, as PyTorch
    does: no NumPy ``RuntimeWarning`` (``ops.elementwise.ieee754``).
    """
    from .ops.elementwise import ieee754

    if in_place.last_rewrite >= 0:     # a view taken before an in-place op on its base is taken again after it
        root = in_place.version_at(root, math.inf)
    outer, _state.shared_arrays = _state.shared_arrays, {}
    try:
        with ieee754(root.backend.xp):
            _backward(root, grad, retain_graph)
    finally:
        _state.shared_arrays = outer


def _backward(root, grad, retain_graph):
    uses = _count_uses(root)
    grads = {root: _initial_grad(root, grad, uses)}
    owned = set()      # tensors whose pending gradient is a new array that nothing else holds
    ready = [root]
    while ready:
        tensor = ready.pop()
        g = grads.pop(tensor, None)
        ctx = tensor._ctx
        if g is not None:
            dtype = tensor._data.dtype
            if g.dtype is not dtype and g.dtype != dtype:  # an op promoted (float32 + float64): cast back
                g = tensor.backend.xp.astype(g, dtype)
            if ctx is None or tensor._retains_grad:
                _accumulate(tensor, g, owned=ctx is None and tensor in owned and not _state.observers,
                            leaf=ctx is None)
        if ctx is None:
            if _state.observers:
                for observe in _state.observers:
                    observe(tensor, g, ())
            continue
        parents = ctx.inputs
        if g is None:  # nothing flows through this node, but its inputs must still count it as done
            input_grads = (None,) * len(parents)
        else:
            if ctx.written_before < in_place.writes and (ctx.saved_tensors or ctx.checked_writes):  # written since
                # (read at every node: adding into a leaf's .grad earlier in this pass is a write too)
                in_place.check_saved_arrays(ctx)
            input_grads = ctx.fn.backward(ctx, g)
            if type(input_grads) is not tuple:
                input_grads = tuple(input_grads) if isinstance(input_grads, list) else (input_grads,)
            if len(input_grads) > len(parents) and all(g is None for g in input_grads[len(parents):]):
                # optional trailing inputs left out of `apply` (a bias): their gradients are None; drop them
                input_grads = input_grads[:len(parents)]
            if len(input_grads) != len(parents):
                n, m = len(input_grads), len(parents)        # "1 gradient for 2 inputs"
                raise RuntimeError(f"{ctx.fn.__name__}.backward returned {n} gradient{'s' * (n != 1)} for {m} "
                                   f"input{'s' * (m != 1)}")
        if _state.observers:
            for observe in _state.observers:
                observe(tensor, g, input_grads)
        new = ctx.fn.new_gradients     # a sum of a new array with anything is new as well
        for parent, pg in zip(parents, input_grads):
            if parent is None or not parent.requires_grad:
                continue
            if pg is not None:
                if pg.shape != parent._data.shape:
                    raise _wrong_shape(ctx, input_grads)
                previous = grads.get(parent)
                grads[parent] = pg if previous is None else previous + pg
                if new:
                    owned.add(parent)
            n = uses[parent] - 1
            uses[parent] = n
            if n == 0:
                ready.append(parent)
        if not retain_graph and not ctx.fn.never_freed:
            ctx.release()


# Imported at the end, not the top: tensor.py imports the ops, and the ops import Function and register_op
# from this module, which must exist by then. This is the engine's one import cycle (autograd -> tensor -> ops
# -> autograd), explained at the end of tensor.py. grad_mode reads ``_state``, defined above.
from .backend import dtype_name
from .grad_mode import enable_grad, no_grad  # noqa: F401 (tg.no_grad, and `from .autograd import no_grad` in the package)
from .tensor import _FLOAT_KINDS as _FLOATS
from .tensor import Tensor
