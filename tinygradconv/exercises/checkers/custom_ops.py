"""The checkers of tutorial 04, a custom op: a ``Function`` subclass computing SiLU, and one of two inputs,
``a * exp(b)``, each forward and backward."""
from __future__ import annotations

import difflib
import inspect
import re
import traceback

import numpy as np

from ...autograd import Function
from ...checks import GradcheckError, gradcheck
from ...tensor import Tensor
from ...validation import _type_name
from ..reports import (
    _a,
    _call,
    _compare_arrays,
    _error,
    _fail,
    _lower_precision,
    _readable,
    _require_strict,
    _settings,
    _show,
    _strict_arrays_hint,
    _strict_error_hint,
    _students_frame,
    _within_precision,
    time_limited,
)
from .common import (
    _known_mistake,
    _tensor,
)

__all__ = ["check_custom_binary_op", "check_custom_op"]


@time_limited
def check_custom_op(function, cases=20, seed=0):
    r"""``function`` is a :class:`~tinygradconv.Function` subclass computing SiLU (swish), :math:`y = x\,\sigma(x)`,
    with :math:`dy/dx = \sigma(x)\,(1 + x\,(1 - \sigma(x)))`.

    Its forward is compared with ``x * sigmoid(x)`` through the framework's ops, and its backward with float64
    finite differences by :func:`~tinygradconv.gradcheck`, then with the exact derivative (the framework's gradient
    of ``x * sigmoid(x)``, to relative ``1e-7``: gradcheck's ``1e-3``, as PyTorch's, lets a gradient off by 0.05 %
    pass), on random inputs (with zeros and values up to 20); then forward and gradient at large inputs, ``+-50``,
    ``+-100`` and ``+-1000`` in float64 and in float32, where ``exp(x)`` or ``exp(-x)`` overflows (``nan`` from
    ``exp(x) / (1 + exp(x))`` is reported as such); last, forward and backward on array-api-strict arrays, which
    refuse NumPy's own functions (the exercise asks for ``ctx.xp`` only).

    Raises:
        AssertionError: the report on the first check the op fails.
        ModuleNotFoundError: array-api-strict is not installed (``pip install array-api-strict``): a forward
            written with ``np.exp`` passes every NumPy case, so no op is passed without it.

    >>> import tinygradconv as tg
    >>> class SiLU(tg.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         s = 1 / (1 + ctx.xp.exp(-x))
    ...         ctx.save_for_backward(x, s)
    ...         return x * s
    ...     @staticmethod
    ...     def backward(ctx, grad):          # a first guess: the identity's gradient
    ...         return grad
    >>> check_custom_op(SiLU)   # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: check_custom_op (backward): your function disagrees with the framework on this case.
    ...
    """
    if not (isinstance(function, type) and issubclass(function, Function)):
        raise TypeError(f"check_custom_op: expected a tinygradconv.Function subclass (a class with static "
                        f"forward and backward), received {function!r}")
    cases, seed = _settings("check_custom_op", cases=cases, seed=seed)
    rng = np.random.default_rng(seed)
    passed_gradcheck = []
    for case in range(cases):
        values = rng.standard_normal(int(rng.integers(1, 6))) * (3.0 if case % 2 else 1.0)
        if case == 0:
            values = np.array([0.0, -20.0, 20.0, 1e-3])
        inputs = {"x": values}
        expected = _silu(_tensor(values)).numpy()
        received = _op_forward("check_custom_op", function, inputs, expected)
        _compare_arrays("check_custom_op (forward)", inputs, expected, received)
        g = _upstream(rng, values.shape)      # the incoming gradient, shown in a report and used by gradcheck too
        try:
            gradcheck(lambda t: function.apply(t), _tensor(values, True), weights=g)
        except GradcheckError as error:
            (exact,), (received,) = _weighted_gradients(_silu, function, [values], g)
            note = (f"the gradient of sum(grad * op(x)), the incoming gradient `grad` given above\n  "
                    f"{_GRADCHECK_NOTE.format('')}{_as_grad(error)}")
            unscaled = _without_incoming_gradient([exact], [received], g)
            note = f"{unscaled}\n  {note}" if unscaled else note
            _fail("check_custom_op (backward)", {**inputs, "grad": g}, exact, received,
                  _with_precision_note(note, _op_precision(function, [values]), [exact], [received]))
        except Exception as exc:
            wrong = _non_array_gradient("check_custom_op", function, {**inputs, "grad": g}, exc)
            if wrong is not None:
                raise wrong from exc
            raise _op_raised("check_custom_op", function, exc, inputs) from exc
        passed_gradcheck.append((values, g))
    # gradcheck's tolerance (relative 1e-3, as PyTorch's) lets a gradient off by 0.05 % pass: against the exact one
    # too, the framework's own gradient of x * sigmoid(x). Only once every case passed gradcheck: a slip that the
    # first case's special points hide (a backward without the product rule's second term is off by 5e-4 at
    # x = 1e-3) then fails gradcheck on a later case, and is not called "an approximation" (found by a tester)
    for values, g in passed_gradcheck:
        (exact,), (received,) = _weighted_gradients(_silu, function, [values], g)
        _compare_arrays("check_custom_op (backward)", {"x": values, "grad": g}, exact, received,
                        explain=_not_exact_note)
    _large_inputs("check_custom_op", function)
    _runs_on_strict_arrays("check_custom_op", function, [np.array([0.5, -1.0, 2.0])])
    return True



def _silu(x):
    """The function of :func:`check_custom_op`, by the framework's own ops."""
    return x * x.sigmoid()



#: Inputs of large magnitude, where SiLU is finite but exp(x) or exp(-x) overflows: above 709.78 in float64, above
#: 88.72 in float32 (the random cases stay within |x| <= 20, where no formula overflows).
_LARGE_INPUTS = np.array([50.0, -50.0, 100.0, -100.0, 1000.0, -1000.0])



def _large_inputs(name, function):
    """The forward of ``function`` (SiLU), then its gradient of ``sum(op(x))``, at :data:`_LARGE_INPUTS` in float64
    and in float32, against the framework's ``x * sigmoid(x)`` computed in the same dtype, wherever that is finite.
    The first difference is reported with its dtype, and a NaN or an infinity there as an overflow along the
    way. A value within a few roundings of ``|x|`` passes: ``x * (1 + tanh(x / 2)) / 2`` is ``-0.0`` at
    ``x = -50``, where SiLU is ``-9.6e-21``, and ``1 / (1 + exp(100))`` is 0 in float32, correct formulas both."""
    for dtype in ("float64", "float32"):
        exact, mine = (Tensor(_LARGE_INPUTS, dtype=dtype, backend="numpy", requires_grad=True) for _ in range(2))
        reference = _silu(exact)
        reference.sum().backward()
        inputs = {"x": _LARGE_INPUTS, "dtype": dtype}
        try:
            out = function.apply(mine)
            out.sum().backward()
        except Exception as exc:
            raise _op_raised(f"{name} (large inputs)", function, exc, {"x": _LARGE_INPUTS}) from exc
        grad = np.zeros(_LARGE_INPUTS.shape) if mine.grad is None else mine.grad.numpy()
        for what, expected, received in (("forward", reference.numpy(), out.numpy()),
                                         ("backward", exact.grad.numpy(), grad)):
            _compare_large(name, inputs, what, np.asarray(expected, dtype=np.float64),
                           np.asarray(received, dtype=np.float64), dtype)



def _compare_large(name, inputs, what, expected, received, dtype):
    """The report of :func:`_large_inputs` at the first input where ``received`` differs from a finite ``expected``
    by more than relative 1e-7 (float64; 1e-5 in float32) and 4 roundings of ``|x|`` in ``dtype``."""
    if received.shape != expected.shape:
        _fail(f"{name} ({what}, large inputs)", inputs, expected, received,
              f"the shapes differ: expected {expected.shape}, received {received.shape}")
    rtol = 1e-7 if dtype == "float64" else 1e-5
    atol = 4 * float(np.finfo(dtype).eps) * np.abs(_LARGE_INPUTS)
    with np.errstate(invalid="ignore"):
        bad = np.isfinite(expected) & ~(np.abs(received - expected) <= atol + rtol * np.abs(expected))
    if not bad.any():
        return
    i = int(np.argmax(bad))
    x, got, want = float(_LARGE_INPUTS[i]), float(received[i]), float(expected[i])
    gives = "your forward gives" if what == "forward" else "your backward gives the derivative"
    note = f"{gives} {got!r} at x = {x:g} ({dtype}) where the reference gives {want!r}"
    limit = np.log(np.finfo(dtype).max)
    if not np.isfinite(got):
        note += (f": exp overflows? exp(x) is inf above x = {limit:.2f} in {dtype} (and exp(-x) below "
                 f"-{limit:.2f}), and then inf / inf, inf - inf or 0 * inf is nan; arrange the formula so that exp "
                 "never sees a large positive argument (exp(-|x|) is at most 1), for either sign of x")
    else:
        note += ("; at inputs this large exp overflows to inf or underflows to 0, and a formula that loses "
                 "precision there (or clips x) gives another value")
    _fail(f"{name} ({what}, large inputs)", inputs, expected, received, note)



def _a_exp_b(a, b):
    """The function of :func:`check_custom_binary_op`, by the framework's own ops."""
    return a * b.exp()



def _weighted_gradients(reference, function, arrays, g):
    """The gradients of ``sum(g * reference(*x))`` (the framework's own ops: the exact ones) and of
    ``sum(g * function.apply(*x))`` (the answer's op) with respect to each ``x`` of ``arrays``: two tuples of arrays,
    ``None`` for an input the op gave no gradient."""
    exact, mine = [_tensor(v, True) for v in arrays], [_tensor(v, True) for v in arrays]
    (reference(*exact) * _tensor(g)).sum().backward()
    (function.apply(*mine) * _tensor(g)).sum().backward()
    return tuple(t.grad.numpy() for t in exact), tuple(None if t.grad is None else t.grad.numpy() for t in mine)



def _not_exact_note(got):
    """The note of a backward that passed ``gradcheck`` but not the exact comparison (``got``: unused; the
    ``explain`` of :func:`~tinygradconv.exercises.reports._compare_arrays`)."""
    return ("your backward passes gradcheck, whose tolerance (relative 1e-3, as PyTorch's) is loose, but it is not "
            "the exact derivative: an approximation (a finite difference, a rounded constant) or a small slip in "
            "the formula")



#: The array libraries whose arrays an op computes on (``ctx.xp``): not torch's tensors, nor this package's Tensors.
_OP_ARRAY_LIBRARIES = ("numpy", "cupy", "array_api_strict")



def _is_array(value):
    """Whether ``value`` is an array of numbers of the libraries the ops compute on (NumPy, CuPy,
    array-api-strict), as ``ctx.xp``'s functions return: not a torch tensor or a ``Tensor`` (whose methods the
    engine does not call), nor an array of text or objects."""
    try:
        if type(value).__module__.partition(".")[0] not in _OP_ARRAY_LIBRARIES or not hasattr(value, "shape"):
            return False
        kind = getattr(getattr(value, "dtype", None), "kind", None)     # array-api-strict's dtypes: all numbers
        return kind is None or kind in "biufc"
    except Exception:  # noqa: BLE001 - a student's object whose attributes raise: not an array
        return False



def _array_kind(value):
    """What a report calls ``value``: its type, and for an array of text or objects its dtype too."""
    dtype = getattr(value, "dtype", None)
    kind = getattr(dtype, "kind", None)
    return f"{_type_name(value)} of dtype {dtype}" if kind in ("U", "S", "O") else _type_name(value)



def _op_forward(name, function, inputs, expected):
    """The output of ``function`` (a ``Function`` subclass) on ``inputs`` (float64 arrays by name), after refusing
    one that is not an array (``None``, a ``str``, a ``dict``, a ``float``: the engine would carry it along)."""
    name = f"{name} (forward)"
    try:
        out = _call(name, lambda *arrays: function.apply(*(_tensor(a) for a in arrays)).data, inputs)
    except AssertionError as error:
        hint = _missing_method(function, inputs) or _missing_staticmethod(function)
        if hint is None:
            raise
        raise AssertionError(f"{error}\n  {hint}") from error.__cause__
    if out is None:
        _fail(name, inputs, expected, out, "your op's forward returned None: does it end with a `return` of its "
                                           "result?")
    if not _is_array(out):
        _fail(name, inputs, expected, out,
              f"your op's forward returned {_a(_array_kind(out))} where an array was expected: compute the output "
              "from the input arrays with ctx.xp's functions (ctx.xp.exp, ...) and arithmetic, which return arrays")
    return out



def _non_array_gradient(name, function, inputs, exc):
    """For an op whose backward returns something that is not an array (a ``str``, a ``dict``, a ``float``: the
    engine then fails reading its ``.shape``), the report in plain words: which gradient, of which type. ``inputs``:
    the op's inputs by name, then ``grad``. ``None`` when the backward returns arrays (``None`` for an input is
    allowed) or cannot be run again outside the engine."""
    *names, _ = inputs
    arrays = [inputs[n] for n in names]
    try:
        ctx = function.apply(*(_tensor(a, True) for a in arrays))._ctx
        grads = None if ctx is None else function.backward(ctx, np.asarray(inputs["grad"], dtype=np.float64))
    except Exception:  # noqa: BLE001 - the op failing now: no diagnosis here, the error is reported as raised
        return None
    if isinstance(grads, list):            # a list of gradients, as a tuple
        grads = tuple(grads)
    elif type(grads) is not tuple:         # one gradient (a tuple's subclass, a namedtuple, is one value too)
        grads = (grads,)
    if len(grads) != len(names):                        # the engine's count refusal says more
        return None
    for input_name, grad in zip(names, grads):
        if grad is not None and not _is_array(grad):
            return AssertionError(
                f"{name} (backward): your op's backward returned {_a(_array_kind(grad))} where an array was expected "
                f"(the gradient for {input_name}): compute it from `grad` and the saved arrays with ctx.xp's "
                "functions and arithmetic, which return arrays\n"
                "  inputs:   " + ", ".join(f"{k}={_show(v)}" for k, v in inputs.items())
                + f"\n  received: {_show(grad)}\n  (the error it caused: {_error(exc)})")
    return None



def _op_precision(function, arrays):
    """The float32 (float16) dtype ``function`` computes in on float64 ``arrays``: its forward's output's, or an
    array's it saves for backward; ``None`` when it keeps float64 (or fails)."""
    try:
        out = function.apply(*(_tensor(a, True) for a in arrays))
    except Exception:  # noqa: BLE001 - the op failing now: no diagnosis
        return None
    saved = () if out._ctx is None else out._ctx.saved_tensors
    for array in (out.data, *saved):
        read = _readable(array)
        if read is not None and _lower_precision(read.dtype):
            return read.dtype
    return None



def _with_precision_note(note, dtype, expected, received):
    """``note`` (a backward report's) with the note on an op computing in ``dtype`` (float32; ``None``: ``note``
    unchanged): first when the gradients ``expected`` and ``received`` agree to that precision, so that the
    precision is the first thing to fix, last (the gradient differs more than that) otherwise."""
    if dtype is None:
        return note
    precision = (f"your op computes in {dtype.name} (its forward returns or saves {dtype.name} arrays for float64 "
                 f"inputs), which keeps about {np.finfo(dtype).precision} digits: compute in float64, as the inputs "
                 f"are; gradcheck's finite differences of a {dtype.name} forward measure its rounding more than its "
                 f"slope (ctx.xp's functions keep the inputs' float64; a cast to {dtype.name} drops digits)")
    try:
        got = np.concatenate([np.ravel(np.asarray(r, dtype=np.float64)) for r in received])
        want = np.concatenate([np.ravel(np.asarray(e, dtype=np.float64)) for e in expected])
        first = got.shape == want.shape and _within_precision(got, want, dtype)
    except Exception:  # noqa: BLE001 - a gradient missing (None) or unreadable: the precision note last
        first = False
    return f"{precision}\n  {note}" if first else f"{note}\n  also: {precision}"



def _op_raised(name, function, exc, inputs):
    """The report of an op (``function``) that raised ``exc`` on ``inputs`` (its arrays by name) during the gradient
    check: the error, the inputs, the line of the student's code, and what was missing from ``ctx.saved_tensors``
    when backward raised reading it."""
    frame = _students_frame(exc)
    where = f"\n  (line {frame.lineno}: {frame.line})" if frame else ""
    hint = (_missing_method(function, inputs) or _missing_staticmethod(function)
            or _unsaved_hint(function, exc, list(inputs.values())))
    return AssertionError(f"{name}: the op raised {_error(exc)}\n"
                          "  inputs:   " + ", ".join(f"{k}={_show(v)}" for k, v in inputs.items()) + where
                          + (f"\n  {hint}" if hint else ""))



def _unsaved_hint(function, exc, arrays):
    """A sentence when ``exc`` was raised in ``function``'s backward reading more arrays from ``ctx.saved_tensors``
    than its forward saved: an unpacking error that got as many as were saved, or an index error when none were
    (the forward is run again on ``arrays`` to see what it saves); else ``None``."""
    backward = getattr(function.backward, "__code__", None)
    if not any(frame.f_code is backward for frame, _ in traceback.walk_tb(exc.__traceback__)):
        return None                                      # raised elsewhere (forward, the engine)
    try:
        ctx = function.apply(*(_tensor(a, True) for a in arrays))._ctx
    except Exception:  # noqa: BLE001 - the forward failing now: no diagnosis
        return None
    saved = () if ctx is None else ctx.saved_tensors
    unpacked = re.fullmatch(r"not enough values to unpack \(expected (\d+), got (\d+)\)", str(exc))
    read_too_many = ((isinstance(exc, ValueError) and unpacked and int(unpacked.group(2)) == len(saved))
                     or (isinstance(exc, IndexError) and not saved))
    if not read_too_many:
        return None
    if not saved:
        return ("your backward raised while ctx.saved_tensors was empty: your forward saved nothing; did forward "
                "call ctx.save_for_backward(...) with the arrays backward reads?")
    return (f"your backward unpacks {unpacked.group(1)} arrays from ctx.saved_tensors, but your forward saved "
            f"{len(saved)}: save every array backward reads in one call, ctx.save_for_backward(a, b, ...), in the "
            "order backward unpacks them (a second call replaces what the first saved)")



_GRADCHECK_NOTE = ("gradcheck, on the same sum with the same `grad` (analytic: your backward; numeric: central "
                   "differences of your forward{}): ")



def _as_grad(error):
    """gradcheck's report (``error``) in the exercise's words: its weights ``v`` are the incoming gradient, which the
    checker's report names `grad`."""
    return str(error).replace("v the `weights` given", "v the incoming gradient `grad` given above")



def _missing_method(function, inputs):
    """A sentence when ``function`` defines no ``forward`` or no ``backward`` of its own (nor inherits one from a
    class of its own): ``Function``'s, which only raises ``NotImplementedError``, runs instead; with the name of a
    method it has that looks like a misspelling (``backwards``). ``inputs``: the names of forward's inputs. Else
    ``None``."""
    missing = [name for name in ("forward", "backward")
               if inspect.getattr_static(function, name, None) is inspect.getattr_static(Function, name)]
    if not missing:
        return None
    name = missing[0]
    signature = f"forward(ctx, {', '.join(inputs)})" if name == "forward" else "backward(ctx, grad)"
    own = [n for klass in function.__mro__ if klass is not Function and issubclass(klass, Function)
           for n in vars(klass) if not n.startswith("__")]
    close = difflib.get_close_matches(name, own, n=1, cutoff=0.7)
    spelled = f" (your class has `{close[0]}`: the engine looks for `{name}`, spelled exactly so)" if close else ""
    return (f"your class defines no {name}{spelled}, so Function's own ran, which only raises NotImplementedError: "
            f"define @staticmethod def {signature} in the class, "
            + ("returning the op's output array" if name == "forward" else
               "returning one gradient per input of forward, from the incoming gradient `grad`"))



def _missing_staticmethod(function):
    """A sentence when ``function``'s ``forward`` or ``backward`` is a plain method taking ``self`` (no
    ``@staticmethod``): the engine calls ``YourOp.forward(ctx, x)`` on the class, so ``self`` receives ``ctx`` and
    every argument after it shifts by one; else ``None``."""
    plain = []
    for name in ("forward", "backward"):
        attribute = inspect.getattr_static(function, name, None)
        if inspect.isfunction(attribute):                # not a staticmethod (nor a classmethod)
            try:
                first = next(iter(inspect.signature(attribute).parameters), None)
            except (TypeError, ValueError):
                continue
            if first != "ctx":
                plain.append(name)
    if not plain:
        return None
    names = " and ".join(plain)
    return (f"{names} {'is not a @staticmethod' if len(plain) == 1 else 'are not @staticmethods'}: the engine "
            f"calls {function.__name__}.{plain[0]}(ctx, ...) on the class, never on an instance, so `self` receives "
            "ctx and the other arguments shift by one; write @staticmethod above each, and drop `self`: "
            "def forward(ctx, x), def backward(ctx, grad)")



def _upstream(rng, shape):
    """An incoming gradient for a backward check: values that are not all 1, so that forgetting ``grad *`` shows."""
    return np.round(rng.uniform(0.5, 2.0, shape), 2)



def _runs_on_strict_arrays(name, function, arrays):
    """Forward and backward of ``function`` on array-api-strict arrays: the exercises ask for ``ctx.xp`` only, and
    NumPy's own functions (``np.exp``) refuse those arrays or return NumPy arrays. Without array-api-strict, a
    ``ModuleNotFoundError`` saying what to install: a forward written with ``np.exp`` passes every NumPy case."""
    _require_strict(name, "ctx.xp", "forward and backward agree on NumPy arrays")
    tensors = [Tensor(a, dtype="float64", backend="array_api_strict", requires_grad=True) for a in arrays]
    intro = "the exercise asks for `ctx.xp` only, so that the op runs on every backend; here ctx.xp is array_api_strict"
    shown = "\n  inputs:   " + ", ".join(_show(a) for a in arrays) + " (array-api-strict arrays)"
    try:
        out = function.apply(*tensors)
        out.sum().backward()
    except Exception as exc:
        frame = _students_frame(exc)
        where = f"\n  (line {frame.lineno}: {frame.line})" if frame else ""
        hint = _strict_error_hint(exc, "ctx.xp")
        message = f" ({exc})" if str(exc).strip() else ""
        raise AssertionError(f"{name}: your op raised {type(exc).__name__} on array-api-strict arrays{message}: "
                             f"{intro}" + (f"\n  {hint}" if hint else "") + f"{shown}{where}") from exc
    hint = f"{intro}\n  {_strict_arrays_hint('ctx.xp')}{shown}"
    for what, array in [("forward", out.data)] + [("backward", t.grad.data) for t in tensors if t.grad is not None]:
        if not hasattr(array, "__array_namespace__") or array.__array_namespace__().__name__ != "array_api_strict":
            kind = _a(f"{type(array).__module__}.{type(array).__name__}")
            raise AssertionError(f"{name}: your {what} returns {kind} for "
                                 f"array-api-strict inputs: {hint}")



@time_limited
def check_custom_binary_op(function, cases=20, seed=0):
    r"""``function`` is a :class:`~tinygradconv.Function` of two inputs computing :math:`y = a\,e^{b}` (same shapes),
    whose backward returns :math:`(g\,e^{b},\ g\,a\,e^{b})`. Forward compared with the framework's ``a * b.exp()``,
    backward with :func:`~tinygradconv.gradcheck` on both inputs, then with the exact derivatives (the framework's
    gradients of ``a * b.exp()``, to relative ``1e-7``), as in :func:`check_custom_op`.

    >>> import tinygradconv as tg
    >>> class ScaledExp(tg.Function):
    ...     @staticmethod
    ...     def forward(ctx, a, b):
    ...         e = ctx.xp.exp(b)
    ...         ctx.save_for_backward(a, e)
    ...         return a * e
    ...     @staticmethod
    ...     def backward(ctx, grad):          # a first guess: the gradients of a + b
    ...         return grad, grad
    >>> check_custom_binary_op(ScaledExp)   # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: check_custom_binary_op (backward): your function disagrees with the framework on this case.
    ...
    """
    if not (isinstance(function, type) and issubclass(function, Function)):
        raise TypeError(f"check_custom_binary_op: expected a tinygradconv.Function subclass, received {function!r}")
    cases, seed = _settings("check_custom_binary_op", cases=cases, seed=seed)
    rng = np.random.default_rng(seed)
    passed_gradcheck = []
    for _ in range(cases):
        shape = (int(rng.integers(1, 4)),)
        a, b = rng.standard_normal(shape), rng.standard_normal(shape)
        inputs = {"a": a, "b": b}
        expected = _a_exp_b(_tensor(a), _tensor(b)).numpy()
        received = _op_forward("check_custom_binary_op", function, inputs, expected)
        _compare_arrays("check_custom_binary_op (forward)", inputs, expected, received)
        g = _upstream(rng, shape)             # the incoming gradient, shown in a report and used by gradcheck too
        try:
            gradcheck(lambda x, y: function.apply(x, y), _tensor(a, True), _tensor(b, True), weights=g)
        except GradcheckError as error:
            expected_grads, received = _weighted_gradients(_a_exp_b, function, [a, b], g)
            note = (f"the gradients of sum(grad * op(a, b)) with respect to a and b, the incoming gradient `grad` "
                    f"given above\n  {_GRADCHECK_NOTE.format('; input 0 is a, input 1 is b')}{_as_grad(error)}")
            unscaled = _without_incoming_gradient(expected_grads, received, g)
            note = f"{unscaled}\n  {note}" if unscaled else note
            if all(r is not None for r in received):        # both gradients, in the other order (a re-tester)
                swapped = _known_mistake(np.concatenate(received), (np.concatenate(expected_grads[::-1]),
                                                                    _SWAPPED_GRADIENTS))
                note = f"{swapped}\n  {note}" if swapped else note
            _fail("check_custom_binary_op (backward)", {**inputs, "grad": g}, expected_grads, received,
                  _with_precision_note(note, _op_precision(function, [a, b]), expected_grads, received))
        except Exception as exc:
            hint = _gradient_count_hint("check_custom_binary_op (backward)", exc, {**inputs, "grad": g})
            if hint is not None:
                raise hint from None
            wrong = _non_array_gradient("check_custom_binary_op", function, {**inputs, "grad": g}, exc)
            if wrong is not None:
                raise wrong from exc
            raise _op_raised("check_custom_binary_op", function, exc, inputs) from exc
        passed_gradcheck.append((a, b, g))
    for a, b, g in passed_gradcheck:                    # exact too, once every case passed gradcheck (as above)
        for which, exact, received in zip("ab", *_weighted_gradients(_a_exp_b, function, [a, b], g)):
            _compare_arrays(f"check_custom_binary_op (backward, the gradient for {which})", {"a": a, "b": b, "grad": g},
                            exact, received, explain=_not_exact_note)
    _runs_on_strict_arrays("check_custom_binary_op", function, [np.array([0.5, -1.0]), np.array([0.25, 1.0])])
    return True



def _without_incoming_gradient(exact, received, g):
    """A sentence when every gradient ``received`` from a backward, times the incoming gradient ``g``, is the exact
    one (``exact``): the backward returned the op's derivative without the chain rule's factor ``grad``; else
    ``None``. (With ``g`` drawn at random, a right gradient times g is no right gradient: the two cannot be
    confused.)"""
    if any(r is None or np.size(r) != g.size for r in received):
        return None
    products = np.concatenate([np.asarray(r, dtype=np.float64).ravel() * g.ravel() for r in received])
    wanted = np.concatenate([np.asarray(e, dtype=np.float64).ravel() for e in exact])
    if _known_mistake(products, (wanted, "")) is None:
        return None
    return ("your backward returns the derivative of the op alone: times the incoming gradient `grad` your values "
            "are the expected ones; backward must return grad times the derivative (the chain rule: dL/dx = dL/dy * "
            "dy/dx, with grad = dL/dy), as `return grad * ...`")



_SWAPPED_GRADIENTS = ("did you return the two gradients in the wrong order? backward returns one gradient per input "
                      "of forward, in forward's order: (grad_a, grad_b)")



def _gradient_count_hint(name, exc, inputs):
    """For the engine's refusal of a backward that returns the wrong number of gradients ("SE.backward returned 1
    gradient for 2 inputs", a ``RuntimeError``), the same in the student's terms: which inputs, and the tuple to
    return (``inputs``: the op's inputs by name, then ``grad``); None for any other error."""
    found = re.search(r"backward returned (\d+) gradients? for (\d+) inputs?", str(exc))
    if not isinstance(exc, RuntimeError) or found is None:
        return None
    names = list(inputs)[:-1]
    return AssertionError(f"{name}: your backward returned {found.group(1)} gradient"
                          f"{'' if found.group(1) == '1' else 's'} for {found.group(2)} inputs ({', '.join(names)}): "
                          f"return one per input of forward, in its order, as a tuple "
                          f"({', '.join(f'grad_{n}' for n in names)})\n"
                          "  inputs:   " + ", ".join(f"{k}={_show(v)}" for k, v in inputs.items()))
