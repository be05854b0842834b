"""Numerical checks of ops: :func:`gradcheck` (analytic gradients against finite differences) and
:func:`check_special_points` (values and gradients at the special inputs an op registers).

They test the engine from outside, through :meth:`Function.apply` and :meth:`Tensor.backward`, so they are kept
out of the engine core (:mod:`tinygradconv.autograd`). The test suite runs both on every registered op and every
backend; a user's own op (see :func:`~tinygradconv.autograd.register_op`) gets the same checks.
"""
from __future__ import annotations

import numpy as np

from .autograd import OPS, no_grad
from .backend import dtype_name
from .tensor import Tensor
from .validation import flag, integer, named_by, number

__all__ = ["GradcheckError", "check_special_points", "evaluate_sample", "gradcheck", "sample_inputs"]


class GradcheckError(AssertionError):
    """Raised by :func:`gradcheck` when an analytic gradient disagrees with finite differences."""


# Default (atol, rtol) for the analytic gradient computed in each floating dtype, against central differences that
# are always computed in float64 (step 1e-6): a few times the rounding a correct gradient carries in that dtype
# (float16: 2^-11 relative per rounding, and several roundings in forward and backward), and well under 50%, so a
# gradient wrong by a factor of 2 is always caught, in float16 too.
_GRADCHECK_TOLERANCES = {"float64": (1e-5, 1e-3), "float32": (1e-4, 1e-3), "float16": (1e-2, 2e-2)}
_GRADCHECK_EPS = 1e-6
_SMALLEST_NORMAL = float(np.finfo(np.float64).tiny)     # 2.2250738585072014e-308; below it, subnormal numbers


def gradcheck(fn, *inputs, eps=None, atol=None, rtol=None, seed=0, raise_exception=True, dtype="float64",
              weights=None):
    """Compare the gradients of ``fn`` with central finite differences computed in float64.

    The scalar checked is ``L = sum(fn(*inputs) * v)`` for a fixed random ``v`` (or the ``weights`` given), so every
    output element counts.
    For each input ``x`` with ``requires_grad``: analytic ``dL/dx`` from :meth:`Tensor.backward` versus numeric
    ``(L(x + eps e_i) - L(x - eps e_i)) / (2 eps)`` for every element ``i``, computed on float64 copies of the
    inputs; they must agree within ``atol + rtol * |numeric|``.

    Args:
        fn: a function of Tensors returning a Tensor.
        inputs: Tensors (or data); those with ``requires_grad`` are checked.
        eps: the finite-difference step (default ``1e-6``, for float64). It must move every element ``x`` of a
            checked input in float64, the dtype of the differences: ``x + eps`` and ``x - eps`` must both differ
            from ``x``, which needs ``eps`` above half the spacing of the float64 numbers at ``x`` (at most
            ``1.1e-16 * |x|``); else the difference there is 0 (or one-sided) whatever ``fn`` is, and a correct
            gradient is reported wrong, so such an ``eps`` is refused before ``fn`` runs. A subnormal ``eps``
            (below ``2.2250738585072014e-308``) is refused too: numbers that small are multiples of ``5e-324``,
            with fewer than float64's 53 significant bits, so even at ``x = 0``, which it moves, the differences
            are rounded beyond the tolerances. An ``eps`` that passes these checks can still be too small to be
            accurate: the differences carry rounding errors of about ``1.1e-16 * |fn| / eps`` (for ``fn``
            proportional to ``x``, ``1.1e-16 * |x| / eps`` of the gradient: ``1e-3``, the default ``rtol``, for
            ``eps=1e-13`` at ``x = 1``); ``1e-6 * max(1, |x|)`` suits most functions.
        atol, rtol: the tolerances; by default chosen for the dtype the analytic gradient is computed in (float64:
            ``1e-5, 1e-3``; float32: ``1e-4, 1e-3``; float16: ``1e-2, 2e-2``).
        seed: the seed of ``v``.
        weights: ``v`` itself, an array of the output's shape, instead of a random one: to report a mismatch with
            the same incoming gradient a reader already sees (the exercises' checkers do).
            They must be real and finite: complex, non-numeric, NaN or infinite weights are refused.
        raise_exception: raise :class:`GradcheckError` on a mismatch (else return ``False``); bad arguments raise
            their ``ValueError`` or ``TypeError`` either way.
        dtype: which code path the analytic gradient comes from.
            ``"float64"`` (the default): ``fn`` and its backward run on **float64 copies** of the floating inputs,
            whatever their own dtype (float32 rounding would otherwise swamp the differences and call correct
            code wrong). ``"input"``: ``fn`` and its backward run in each input's **own dtype** (float32, float16:
            the low-precision code path is what is checked), while the finite differences, the reference, are
            still computed in float64, on float64 copies of the same (already rounded) input values and ``v``.
            Computing the differences in float16 itself would need tolerances so loose (its rounding error
            divided by the step) that a gradient wrong by a factor of 2 could pass; with a float64 reference the
            tolerances only cover the rounding of the analytic gradient, and a factor-2 error is always caught.

    Returns ``True`` when all gradients agree. Otherwise raises :class:`GradcheckError` (or returns ``False``
    with ``raise_exception=False``) naming the worst mismatch (the input, the element index and both values) and
    the dtype the analytic gradient was computed in; the message says that both values are gradients of the weighted
    sum ``L``, and adds that input's analytic and numeric gradients of ``sum(fn(*inputs))`` (``v = 1``), the
    derivative a reader of an elementwise ``fn`` expects.

    Raises:
        ValueError: when no input requires a gradient, for an unknown ``dtype``, for ``weights`` of another
            shape than the output's or with a NaN or infinite value, for an ``eps`` that is not a finite number
            ``> 0``, is subnormal or leaves an element of a checked input unchanged in float64 (see ``eps``), for
            an ``atol`` or ``rtol`` that is not a finite number ``>= 0``, or a negative ``seed``.
        TypeError: when ``fn`` is not callable or does not return a Tensor, for ``weights`` that are not real
            numbers, for ``eps``, ``atol`` or ``rtol`` that are not real numbers (a bool included), a ``seed``
            that is not an integer or ``None``, or a ``raise_exception`` that is not a bool.

    >>> import tinygradconv as tg
    >>> x = tg.tensor([0.5, -1.0], dtype="float64", requires_grad=True)
    >>> tg.gradcheck(lambda t: t.tanh() * t, x)
    True
    >>> tg.gradcheck(lambda a: a * a, tg.tensor([0.3, 1.7, -2.2], requires_grad=True))  # float32, checked in float64
    True
    >>> tg.gradcheck(lambda a: a * a, tg.tensor([0.5, 1.5], dtype="float16", requires_grad=True), dtype="input")
    True
    """
    if not callable(fn):
        raise TypeError(f"gradcheck: `fn` must be a function of Tensors returning a Tensor. Received fn={fn!r} of "
                        f"type {type(fn).__name__}")
    if dtype not in ("float64", "input"):
        raise ValueError(f"gradcheck: `dtype` must be 'float64' or 'input'. Received dtype={dtype!r}")
    with named_by("gradcheck"):             # each error named with its argument, after "gradcheck: "
        if eps is not None:
            number(eps, "eps", low=0, low_open=True, finite=True)
        for name, tolerance in (("atol", atol), ("rtol", rtol)):
            if tolerance is not None:
                number(tolerance, name, low=0, finite=True)
        seed = integer(seed, "seed", minimum=0, optional=True)
    raise_exception = flag(raise_exception, "raise_exception", "gradcheck")
    v = None if weights is None else _real_weights(weights)     # checked before fn runs
    inputs = [t if isinstance(t, Tensor) else Tensor(t) for t in inputs]
    if not any(t.requires_grad for t in inputs):
        raise ValueError("gradcheck: no input has requires_grad=True, so there is no gradient to check")
    floating = ("float16", "float32", "float64")

    def analytic_dtype(t):
        name = dtype_name(t.dtype)
        return "float64" if dtype == "float64" and name in floating else name

    dtypes = [analytic_dtype(t) for t in inputs]
    reference_dtypes = ["float64" if d in floating else d for d in dtypes]
    checked = [d for d, t in zip(dtypes, inputs) if t.requires_grad]
    lowest = min(checked, key=floating.index)  # the least precise dtype sets the default tolerances
    default_atol, default_rtol = _GRADCHECK_TOLERANCES[lowest]
    given_eps, eps = eps, _GRADCHECK_EPS if eps is None else eps
    atol = default_atol if atol is None else atol
    rtol = default_rtol if rtol is None else rtol
    rng = np.random.default_rng(seed)
    values = [t.numpy().astype(d) for t, d in zip(inputs, dtypes)]  # the values fn sees, in the analytic dtype
    originals = [a.astype(d) for a, d in zip(values, reference_dtypes)]  # the same values, in float64
    _check_step(eps, given_eps is None, [a for a, t in zip(originals, inputs) if t.requires_grad],
                [n for n, t in enumerate(inputs) if t.requires_grad])

    def run(arrays, arrays_dtypes, track):
        ts = [Tensor(a, dtype=d, backend=t.backend, requires_grad=track and t.requires_grad)
              for a, d, t in zip(arrays, arrays_dtypes, inputs)]
        if track:
            return ts, fn(*ts)
        with no_grad():
            return ts, fn(*ts)

    tracked, out = run(values, dtypes, True)
    if not isinstance(out, Tensor):
        raise TypeError(f"gradcheck: fn must return a Tensor, got {type(out).__name__}")
    weighting = "the `weights` given" if v is not None else f"a random array of the output's shape (seed={seed})"
    if v is None:
        v = rng.standard_normal(out.shape)
    elif v.shape != tuple(out.shape):
        raise ValueError(f"gradcheck: `weights` must have the output's shape {tuple(out.shape)}. Received weights of "
                         f"shape {v.shape}")
    v = v.astype(dtype_name(out.dtype)).astype(np.float64)  # same v for both sides
    analytics = _analytic_gradients(tracked, out, v)

    worst = None  # (excess, input index, element index, analytic, numeric)
    for n, t in enumerate(inputs):
        if not t.requires_grad:
            continue
        numerics = _numeric_gradient(run, originals, reference_dtypes, n, v, eps)
        for index in np.ndindex(*t.shape):
            a, numeric = float(analytics[n][index]), float(numerics[index])
            excess = abs(a - numeric) - (atol + rtol * abs(numeric))
            if np.isnan(excess):  # a NaN gradient (or a NaN difference) is the worst mismatch of all
                excess = np.inf
            if worst is None or excess > worst[0]:
                worst = (excess, n, index, a, numeric)
    if worst is None or worst[0] <= 0:
        return True
    if not raise_exception:
        return False
    _, n, index, a, numeric = worst
    where = ("on float64 copies of the inputs" if dtype == "float64" else
             f"analytic gradient in the inputs' own dtype ({lowest}), finite differences in float64")
    message = (f"gradcheck failed: worst mismatch at input {n}, index {index}: analytic={a!r}, numeric={numeric!r}, "
               f"|difference|={abs(a - numeric):.3g} > atol + rtol*|numeric| = {atol + rtol * abs(numeric):.3g} "
               f"({where}, eps={eps:g})\n"
               f"  both numbers are dL/d(input {n}){list(index)} for L = sum(v * fn(*inputs)), v {weighting}: "
               f"analytic from the backward, numeric from central differences of fn\n"
               f"  {_unweighted_gradients(run, values, dtypes, originals, reference_dtypes, n, eps)}")
    raise GradcheckError(message)


def _check_step(eps, default, arrays, indices):
    """Refuse a finite-difference step ``eps`` (a finite number > 0) that cannot give a meaningful difference in
    float64, the dtype of the differences, naming the rule it breaks:

    * a subnormal ``eps`` (below ``2.2e-308``): such numbers are multiples of ``5e-324`` with fewer than float64's
      53 significant bits, so even where the step moves ``x`` the differences are rounded beyond the tolerances;
    * an ``eps`` that leaves an element of a checked input (``arrays``, in float64; ``indices``: their places among
      the inputs) unchanged on either side: there ``(L(x + eps) - L(x - eps)) / (2 eps)`` is 0 (or a one-sided
      difference divided by twice its step) whatever ``fn`` is. Infinite and NaN elements are left alone.

    Argument errors, raised before ``fn`` runs whatever ``raise_exception`` says."""
    with named_by("gradcheck"):
        if eps < _SMALLEST_NORMAL:
            raise ValueError(f"Invalid value for argument `eps`. Expected a finite number >= {_SMALLEST_NORMAL!r}, "
                             "the smallest normal float64: a smaller, subnormal step has fewer than float64's 53 "
                             "significant bits (it is a whole multiple of 5e-324), so the differences of fn would be "
                             f"rounded beyond the tolerances (the default eps is 1e-6). Received eps={eps!r}")
        for n, a in zip(indices, arrays):
            vanished = np.isfinite(a) & ((a + eps == a) | (a - eps == a))
            if vanished.any():
                largest = max(float(np.max(np.abs(b), where=np.isfinite(b), initial=1.0)) for b in arrays)
                index = tuple(int(i) for i in np.argwhere(vanished)[0])
                x = float(a[index])
                raise ValueError(f"Invalid value for argument `eps`. The step eps={eps!r}"
                                 f"{' (the default)' if default else ''} vanishes in float64 (the dtype of the "
                                 f"finite differences) at input {n}, index {index}: x = {x!r}, and x + eps or x - eps "
                                 f"rounds back to x (float64 numbers are {np.spacing(abs(x)):.3g} apart there), so "
                                 "the difference there would be 0 (or one-sided) whatever fn is, and a correct "
                                 "gradient would be reported wrong. Expected an eps above half that spacing, and for "
                                 f"an accurate difference far above it: 1e-6 * max(1, |x|) is safe "
                                 f"(eps={1e-6 * largest:.1g} for these inputs)")


def _analytic_gradients(tracked, out, v):
    """The gradient of ``sum(v * out)`` for each tracked input, from the backward (zeros where none flows)."""
    if out.requires_grad:
        out.backward(Tensor(v, dtype=dtype_name(out.dtype), backend=out.backend))
    return [None if not t.requires_grad else t.grad.numpy() if t.grad is not None else np.zeros(t.shape)
            for t in tracked]


def _numeric_gradient(run, originals, reference_dtypes, n, v, eps):
    """The central-difference gradient of ``sum(v * fn(...))`` with respect to input ``n``, in float64."""
    gradient = np.zeros(originals[n].shape)
    for index in np.ndindex(*originals[n].shape):
        sums = []
        for step in (eps, -eps):
            arrays = [a.copy() for a in originals]
            arrays[n][index] += step
            _, o = run(arrays, reference_dtypes, False)
            sums.append(float(np.sum(o.numpy().astype(np.float64) * v)))
        gradient[index] = (sums[0] - sums[1]) / (2 * eps)
    return gradient


def _unweighted_gradients(run, values, dtypes, originals, reference_dtypes, n, eps):
    """A report line: input ``n``'s analytic and numeric gradients of ``sum(fn(...))`` (v = 1), the numbers a reader
    of an elementwise ``fn`` expects (its derivative at each element)."""
    tracked, out = run(values, dtypes, True)
    ones = np.ones(out.shape)
    analytic = _analytic_gradients(tracked, out, ones)[n]
    numeric = _numeric_gradient(run, originals, reference_dtypes, n, ones, eps)
    agree = " (they agree: does the backward multiply by its incoming gradient?)" if np.allclose(
        analytic, numeric, rtol=1e-3, atol=1e-5) else ""
    return (f"with v = 1 (L = sum(fn(*inputs)), for an elementwise fn its derivative at each element), input {n}: "
            f"analytic={_short(analytic)}, numeric={_short(numeric)}{agree}")


def _short(array):
    return np.array2string(np.asarray(array, dtype=np.float64), precision=5, separator=", ", threshold=12)


def _real_weights(weights):
    """``weights`` as a float64 array, or a clear error: complex values are refused (casting them to float would
    drop the imaginary part, NumPy only warns), so are values that are not numbers, and NaN or infinite ones (the
    weighted sum would be NaN, and every gradient with it)."""
    if isinstance(weights, Tensor):
        weights = weights.numpy()
    try:
        array = np.asarray(weights)
    except Exception as exc:  # noqa: BLE001 - ragged nesting and the like: reported as not an array of numbers
        raise TypeError(f"gradcheck: `weights` must be an array of real numbers. Received weights={weights!r}, "
                        f"which is not an array ({exc})") from None
    shown = np.array2string(array, threshold=12) if array.ndim else repr(weights)
    kind = array.dtype.kind
    if kind == "O":     # Python objects: only real numbers are accepted (None and strings are refused below)
        if all(isinstance(x, (int, float, np.integer, np.floating)) for x in array.ravel()):
            array = array.astype(np.float64)
        elif any(isinstance(x, (complex, np.complexfloating)) for x in array.ravel()):
            kind = "c"
    if kind == "c":
        raise TypeError(f"gradcheck: `weights` must be real numbers, the v of L = sum(v * fn(...)); complex weights "
                        f"are refused (their imaginary part would be dropped). Received weights={shown} of dtype "
                        f"{array.dtype.name}")
    if array.dtype.kind not in "biuf":
        raise TypeError(f"gradcheck: `weights` must be an array of real numbers. Received weights={shown} of dtype "
                        f"{array.dtype.name}")
    array = array.astype(np.float64)
    if not np.isfinite(array).all():
        raise ValueError(f"gradcheck: `weights` must be finite (no NaN or infinity): the weighted sum, and the "
                         f"gradients checked, would be NaN or infinite. Received weights={shown}")
    return array


def sample_inputs(sample, backend=None, dtype="float64"):
    """The Tensors of a :class:`Sample` on ``backend``: floating arrays become ``dtype`` tensors that require a
    gradient (unless listed in ``constant``), boolean and integer arrays constant tensors, ``None`` stays ``None``.
    """
    inputs = []
    for i, arg in enumerate(sample.args):
        if arg is None:
            inputs.append(None)
            continue
        arg = np.asarray(arg)
        if arg.dtype == bool:
            inputs.append(Tensor(arg, dtype="bool", backend=backend))
        elif arg.dtype.kind in "iu":
            inputs.append(Tensor(arg, dtype=arg.dtype.name, backend=backend))
        else:
            inputs.append(Tensor(arg, dtype=dtype, backend=backend, requires_grad=i not in sample.constant))
    return inputs


def evaluate_sample(function, sample, backend=None, dtype="float64"):
    """Run ``function`` on ``sample`` and back-propagate ``sum(output)``: ``(output, grads)`` as NumPy arrays,
    one gradient per input (``None`` for a constant or absent input)."""
    inputs = sample_inputs(sample, backend, dtype)
    out = function.apply(*inputs, **sample.kwargs)
    if out.requires_grad:
        out.backward(Tensor(np.ones(out.shape), dtype=dtype_name(out.dtype), backend=out.backend))
    grads = []
    for t in inputs:
        if t is None or not t.requires_grad:
            grads.append(None)
        else:
            grads.append(t.grad.numpy() if t.grad is not None else np.zeros(t.shape))
    return out.numpy(), tuple(grads)


def _compare(what, got, expected, rtol, atol):
    got, expected = np.asarray(got, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    if got.shape != expected.shape:
        return f"{what}: shape {got.shape}, expected {expected.shape}"
    same = np.isclose(got, expected, rtol=rtol, atol=atol, equal_nan=True)
    same &= ~((got == 0) & (expected == 0) & (np.signbit(got) != np.signbit(expected)))  # 0.0 is not -0.0
    if same.all():
        return None
    index = tuple(int(i) for i in np.argwhere(~same)[0])
    return f"{what} at index {index}: got {float(got[index])!r}, expected {float(expected[index])!r}"


def check_special_points(name, backend=None, reference=None, rtol=1e-9, atol=1e-12):
    """Evaluate the registered op ``name`` and its gradient at its special points.

    For each sample of ``special_points``: the output and the gradient of ``sum(output)`` (in float64) must equal the
    sample's ``expected``/``expected_grads`` where given, and ``reference(sample)`` where ``reference`` is given (a
    function returning ``(output, grads)`` as arrays, e.g. computed with PyTorch), within ``rtol``/``atol``; NaN
    matches NaN, ``inf`` matches ``inf`` of the same sign, and a zero matches only a zero of the same sign
    (``0.0`` is not ``-0.0``: ``1 / x`` tells them apart). Every gradient must have its input's shape.

    Returns the number of samples checked. Raises :class:`GradcheckError` naming the sample, the element and both
    values at the first mismatch; ``ValueError`` for an op that is not registered or has no special points, or an
    ``rtol``/``atol`` that is not a finite number ``>= 0``; ``TypeError`` for a ``name`` that is not a string, a
    ``reference`` that is not callable or does not return a pair ``(output, grads)``.

    >>> check_special_points("relu") > 0
    True
    """
    if not isinstance(name, str):
        raise TypeError(f"check_special_points: `name` must be a registered op's name (a string). Received "
                        f"name={name!r} of type {type(name).__name__}")
    if name not in OPS:
        raise ValueError(f"check_special_points: no op named {name!r} is registered. Registered ops: "
                         f"{', '.join(sorted(OPS))}")
    if reference is not None and not callable(reference):
        raise TypeError(f"check_special_points: `reference` must be a function of a sample returning (output, "
                        f"grads), or None. Received reference={reference!r}")
    with named_by("check_special_points"):
        for key, tolerance in (("rtol", rtol), ("atol", atol)):
            number(tolerance, key, low=0, finite=True)
    info = OPS[name]
    if info.special_points is None:
        raise ValueError(f"The op {name!r} registers no special points"
                         + (f" ({info.no_special_points})" if info.no_special_points else ""))
    samples = info.special_points(np.random.default_rng(0))
    for k, sample in enumerate(samples):
        out, grads = evaluate_sample(info.function, sample, backend)
        problems = []
        for arg, g in zip(sample.args, grads):
            if g is not None and g.shape != np.shape(arg):
                problems.append(f"gradient of shape {g.shape} for an input of shape {np.shape(arg)}")
        wanted = []
        if sample.expected is not None or sample.expected_grads is not None:
            wanted.append(("expected", sample.expected, sample.expected_grads))
        if reference is not None:
            result = reference(sample)
            if not (isinstance(result, (tuple, list)) and len(result) == 2):
                raise TypeError(f"check_special_points: `reference` must return a pair (output, grads); for {name}'s "
                                f"special point {k} it returned {result!r}")
            wanted.append(("reference", *result))
        for source, value, expected_grads in wanted:
            if value is not None:
                problems.append(_compare(f"output vs {source}", out, value, rtol, atol))
            for i, (g, e) in enumerate(zip(grads, expected_grads or ())):
                if g is not None and e is not None:
                    problems.append(_compare(f"gradient of input {i} vs {source}", g, e, rtol, atol))
        problems = [p for p in problems if p]
        if problems:
            raise GradcheckError(f"{name}: special point {k} (args {sample.args}, kwargs {sample.kwargs}): "
                                 + "; ".join(problems))
    return len(samples)
