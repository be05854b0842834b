"""The checkers: each runs a student's function against the framework on many random cases.

A checker returns ``True`` when every case agrees. At the first case that does not, it raises ``AssertionError``
with a report in plain words: the inputs, the value expected (computed by the framework), the value received, and
where they differ. A function that raises is reported the same way, with its error. How an answer and its results
are read and reported is in :mod:`~tinygradconv.exercises.reports`; this module holds the checkers and what each
knows about its exercise (the cases, the reference, the diagnoses of common mistakes).
"""
from __future__ import annotations

import difflib
import functools
import inspect
import itertools
import re
import traceback

import numpy as np

from ..autograd import Function
from ..backend import get_backend
from ..checks import GradcheckError, gradcheck
from ..layers import Conv1D, UpSampling1D
from ..models import Sequential
from ..ops.conv import conv1d, conv1d_transpose
from ..optimizers import SGD, Adam
from ..tensor import Tensor
from ..validation import _type_name
from ..viz.model_connectivity import overlap_counts
from .reports import (
    _SMALL_DIFFERENCES,
    _a,
    _answer,
    _array_error,
    _as_int,
    _call,
    _check_int,
    _compare_arrays,
    _error,
    _fail,
    _lower_precision,
    _precision_note,
    _readable,
    _same_namespace,
    _settings,
    _show,
    _strict_arrays_hint,
    _strict_error_hint,
    _students_arrays,
    _students_frame,
    _within_precision,
    time_limited,
)

__all__ = ["check_adam_step", "check_conv1d", "check_conv1d_input_gradient", "check_conv1d_kernel_gradient",
           "check_conv1d_transpose", "check_conv_output_length", "check_custom_binary_op", "check_custom_op",
           "check_finite_differences", "check_logsumexp", "check_manual_gradient", "check_output_length",
           "check_overlap_counts", "check_portable_relu", "check_resize_overlap", "check_sgd_momentum"]


# ------------------------------------------------------------------------------------------------------------
# Through the framework
# ------------------------------------------------------------------------------------------------------------
def _tensor(array, requires_grad=False):
    return Tensor(np.asarray(array, dtype=np.float64), dtype="float64", backend="numpy", requires_grad=requires_grad)


def _conv1d(x, w, strides, padding="valid", dilation_rate=1):
    return conv1d(_tensor(x.reshape(1, -1, 1)), _tensor(w.reshape(-1, 1, 1)), strides=strides, padding=padding,
                  dilation_rate=dilation_rate).numpy().ravel()


def _conv1d_transpose(x, w, strides, padding="valid", output_padding=None, dilation_rate=1):
    return conv1d_transpose(_tensor(x.reshape(1, -1, 1)), _tensor(w.reshape(-1, 1, 1)), strides=strides,
                            padding=padding, output_padding=output_padding,
                            dilation_rate=dilation_rate).numpy().ravel()


# ------------------------------------------------------------------------------------------------------------
# Tutorial 01: gradients by hand
# ------------------------------------------------------------------------------------------------------------
@time_limited
def check_manual_gradient(fn, cases=50, seed=0):
    """``fn(x, w, b)`` returns ``(dL/dx, dL/dw, dL/db)`` for ``L = sum(tanh(x * w + b) ** 2)``.

    ``x`` and ``w`` are float64 arrays of the same shape ``(n,)``, ``b`` a float. Compared with ``backward()``.

    >>> import numpy as np
    >>> def fn(x, w, b):
    ...     y = np.tanh(x * w + b)
    ...     d = 2 * y * (1 - y ** 2)
    ...     return d * w, d * x, d.sum()
    >>> check_manual_gradient(fn)
    True
    """
    fn = _answer("check_manual_gradient", fn)
    cases, seed = _settings("check_manual_gradient", cases=cases, seed=seed)
    rng = np.random.default_rng(seed)
    for case in range(cases):
        n = int(rng.integers(1, min(6, 2 + case // 10)))
        inputs = {"x": rng.standard_normal(n), "w": rng.standard_normal(n), "b": float(rng.standard_normal())}
        x, w, b = _tensor(inputs["x"], True), _tensor(inputs["w"], True), _tensor(inputs["b"], True)
        ((x * w + b).tanh() ** 2).sum().backward()
        expected = (x.grad.numpy(), w.grad.numpy(), b.grad.numpy())
        received = _call("check_manual_gradient", fn, inputs)
        if not isinstance(received, (tuple, list)) or len(received) != 3:
            _fail("check_manual_gradient", inputs, expected, received, "expected a tuple of three gradients")
        missing = [name for name, r in zip(("dL/dx", "dL/dw", "dL/db"), received) if r is None]
        if missing:
            _fail("check_manual_gradient", inputs, expected, received, _none_gradients(missing))
        order = "return (dL/dx, dL/dw, dL/db) in that order (dL/dx carries the factor w, dL/dw the factor x)"
        swapped = {"dL/dx": (expected[1], f"this is dL/dw: dx and dw are swapped; {order}"),
                   "dL/dw": (expected[0], f"this is dL/dx: dx and dw are swapped; {order}")}
        for name, e, r in zip(("dL/dx", "dL/dw", "dL/db"), expected, received):
            mistakes = ([swapped[name]] if name in swapped else []) + _constant_factors(e)
            explain, explain_shape = lambda got, mistakes=mistakes: _known_mistake(got, *mistakes), None
            if name == "dL/db":         # its own mistakes, looked for (running fn on more cases) only on a mismatch
                y0 = np.tanh(inputs["x"][0] * inputs["w"][0] + inputs["b"])
                first = 2 * y0 * (1 - y0 ** 2)                   # dL/dz_0 from the formula: dz[0], the first term
                explain = lambda got, e=e, n=n, first=first, mistakes=mistakes: _known_mistake(
                    got, *_bias_mistakes(fn, e, n, mistakes, first))
                explain_shape = functools.partial(_bias_not_summed, expected=e, n=n, fn=fn)
            try:
                _compare_arrays("check_manual_gradient", inputs, e, r, explain=explain, explain_shape=explain_shape)
            except AssertionError as error:
                raise AssertionError(f"{error}\n  (in {name})") from None
    return True


def _manual_gradient_reference(x, w, b):
    """``(dL/dx, dL/dw, dL/db)`` of ``L = sum(tanh(x * w + b) ** 2)`` through ``backward()``."""
    x, w, b = _tensor(x, True), _tensor(w, True), _tensor(b, True)
    ((x * w + b).tanh() ** 2).sum().backward()
    return x.grad.numpy(), w.grad.numpy(), b.grad.numpy()


def _bias_ratios(fn):
    """``fn``'s dL/db divided by the right one on three fixed cases of 3, 4 and 5 elements, as ``(n, ratio)``
    pairs; ``[]`` when ``fn`` fails there or returns something else than one number for dL/db."""
    rng = np.random.default_rng(1)
    ratios = []
    for n in (3, 4, 5):
        x, w, b = rng.standard_normal(n), rng.standard_normal(n), float(rng.standard_normal())
        expected = float(_manual_gradient_reference(x, w, b)[2])
        try:
            got = np.asarray(fn(x.copy(), w.copy(), b)[2], dtype=np.float64)
        except Exception:  # noqa: BLE001 - the student's function failing elsewhere: not this mistake
            return []
        if got.size != 1 or not expected:
            return []
        ratios.append((n, float(got.reshape(())) / expected))
    return ratios


def _bias_shapes(fn):
    """The shapes of ``fn``'s dL/db on three fixed cases of 3, 4 and 5 elements, each where it holds the right sum
    (``None`` where it does not, or where ``fn`` fails): ``[(1,), (1,), (1,)]`` for a sum kept in an array of one
    value, ``[(3,), (4,), (5,)]`` for terms not added up."""
    rng = np.random.default_rng(1)
    shapes = []
    for n in (3, 4, 5):
        x, w, b = rng.standard_normal(n), rng.standard_normal(n), float(rng.standard_normal())
        expected = float(_manual_gradient_reference(x, w, b)[2])
        try:
            got = np.asarray(fn(x.copy(), w.copy(), b)[2], dtype=np.float64)
        except Exception:  # noqa: BLE001 - the student's function failing elsewhere: not this mistake
            shapes.append(None)
            continue
        shapes.append(got.shape if got.size == 1 and np.isclose(got.sum(), expected, rtol=1e-7, atol=1e-9) else None)
    return shapes


def _bias_mistakes(fn, expected, n, mistakes, first):
    """The known mistakes of dL/db (``expected``, on a case of ``n`` elements), ``mistakes`` those of every
    gradient: the mean of dL/dz_i where their sum is asked (the answer ``expected / n`` here and on every other case
    tried, :func:`_bias_ratios`), told first; with 2 elements the mean is also exactly half the sum, so the factor
    of 2 is told only when the answer is half on the larger cases too (a tester's ``dz.mean()`` was told "a factor
    of 2 missing?"); and the first term only, ``first`` = dL/dz_0 (``dz[0]``, which passes the 1-element cases)."""
    if not np.any(expected) or n == 1:                # one element: the mean is the sum
        return mistakes
    only_first = (f"your dL/db is dL/dz_0, the first term only: b is added to every z_i, so dL/db sums all {n} of "
                  "them, dz.sum() (dz[0] is the sum only when x has one element)")
    mistakes = [*mistakes, (first, only_first)]
    ratios = _bias_ratios(fn)
    mean = (f"your dL/db is the mean of the dL/dz_i (the sum divided by len(x) = {n} here, and by len(x) on every "
            "case tried): b is added to every z_i = x_i * w_i + b, so each z_i passes its whole gradient to b and "
            "they add up: dL/db = sum_i dL/dz_i, dz.sum(), not dz.mean()")
    mean = (expected / n, mean)
    if ratios and all(np.isclose(ratio, 1 / size, rtol=1e-7) for size, ratio in ratios):
        return [mean, *mistakes]
    if n == 2 and not (ratios and all(np.isclose(ratio, 0.5, rtol=1e-7) for _, ratio in ratios)):
        half = expected / 2                         # half and mean agree here: neither is told, unconfirmed
        return [m for m in mistakes if not np.allclose(m[0], half)]
    return mistakes


def _bias_not_summed(got, expected, n, fn):
    """A sentence when dL/db was returned as an array of ``n`` values (the terms dL/dz_i, or their sum in an array
    of one value) where a scalar is asked. An array of one value that holds the sum, here and on the larger cases
    of :func:`_bias_shapes` too, is the sum with its axis kept (``keepdims=True``): told it is the shape, not the
    terms (with one element, ``dz`` itself and ``dz.sum(keepdims=True)`` are the same array: the larger cases tell
    them apart)."""
    if got.shape not in ((n,), (1,)):
        return None
    summed = np.isclose(got.sum(), expected, rtol=1e-7, atol=1e-9)
    if got.shape == (1,) and summed and _bias_shapes(fn) == [(1,), (1,), (1,)]:
        return ("dL/db is a scalar (shape ()), and yours is the right number in an array of shape (1,): the sum is "
                "right, its shape is not; a sum with keepdims=True (dz.sum(keepdims=True), np.sum(dz, axis=0, "
                "keepdims=True)) or a number wrapped in a list or an array ([dz.sum()]) keeps an axis of length 1: "
                "return dz.sum() as it is, without keepdims")
    terms = (f"your dL/db is an array of {got.size} value{'s' if got.size > 1 else ''}"
             + (", the dL/dz_i, one per element of x, not added up" if summed and got.size == n > 1 else ""))
    return (f"dL/db is a scalar (shape ()): b is one number added to every z_i = x_i * w_i + b, so its gradient is "
            f"the sum of dL/dz_i over all of z's entries, dz.sum(); {terms}: return that sum as one number "
            "(dz[0] is only the first term, right only when x has one element)")


def _constant_factors(expected):
    """The known mistakes of a gradient off by an exact constant factor (-1, 1/2, 2), as :func:`_known_mistake` takes
    them: a lost sign, a factor of 2 lost or doubled (an array of zeros matches each: it is left out)."""
    if not np.any(expected):
        return []
    return [(-expected, "your answer is exactly -1 times the expected one: a sign?"),
            (expected / 2, "your answer is exactly half the expected one: a factor of 2 missing?"),
            (expected * 2, "your answer is exactly twice the expected one: a factor of 2 too many?")]


def _none_gradients(missing):
    """The note for gradients returned as ``None`` (``missing``: their names), as a tensor's ``.grad`` is before
    ``backward()`` (a tester's answer returned ``X.grad, W.grad, B.grad`` without calling it)."""
    if len(missing) == 1:
        what = f"{missing[0]} is None, not an array of numbers: if it is a tensor's .grad"
    else:
        names = f"{', '.join(missing[:-1])} and {missing[-1]}"
        what = f"{names} are None, not arrays of numbers: if they are tensors' .grad"
    return (f"{what}, that stays None until backward() has run on the loss (was backward() called, on L?), and for "
            "a tensor made without requires_grad=True")


# ------------------------------------------------------------------------------------------------------------
# Tutorial 02: convolution arithmetic
# ------------------------------------------------------------------------------------------------------------
@time_limited
def check_conv_output_length(fn, seed=0):
    """``fn(input_length, kernel_size, strides, padding, dilation_rate)`` returns the ``Conv1D`` output length.

    ``padding`` is ``"valid"``, ``"same"`` or ``"causal"``. Checked on every small case against the op's output:
    first the cases where the dilated kernel fits in the input, then those where it is longer than the input
    (``"valid"`` only), whose output is empty: length 0.

    ``seed`` is not used (every case is checked, none is drawn at random): it keeps the signature the other
    checkers have.

    >>> import math
    >>> def fn(input_length, kernel_size, strides, padding, dilation_rate):
    ...     span = (kernel_size - 1) * dilation_rate + 1
    ...     if padding == "valid":
    ...         return max(0, (input_length - span) // strides + 1)
    ...     return math.ceil(input_length / strides)
    >>> check_conv_output_length(fn)
    True
    """
    fn = _answer("check_conv_output_length", fn)
    _settings("check_conv_output_length", seed=seed)
    ordinary, too_long = [], []         # the edge cases last, so that they do not hide another mistake
    for length, k, s, padding, d in itertools.product(range(1, 10), range(1, 5), range(1, 4),
                                                      ("valid", "same", "causal"), (1, 2)):
        if s > 1 and d > 1:
            continue
        span = (k - 1) * d + 1
        inputs = {"input_length": length, "kernel_size": k, "strides": s, "padding": padding, "dilation_rate": d}
        case = (inputs, int(_conv1d(np.zeros(length), np.ones(k), s, padding, d).size))
        (too_long if padding == "valid" and span > length else ordinary).append(case)
    cases = ordinary + too_long
    for inputs, expected in cases:
        received = _call("check_conv_output_length", fn, inputs)
        value = _as_int(received)
        note = "" if value is None or value == expected else _conv_length_mistake(fn, inputs, value, cases)
        _check_int("check_conv_output_length", inputs, expected, received, note)
    return True


def _conv_length_mistake(fn, inputs, received, cases):
    """The likely slip behind a wrong ``Conv1D`` length ``received`` on ``inputs``: a negative length, ``int()``
    (which truncates towards zero) where ``//`` floors, ``floor`` where "same" and "causal" take ``ceil``, the stride
    or the dilation left out. A slip is named when ``fn`` gives that slip's length here and on every case where it
    differs from the right one (``cases``: ``(inputs, length)`` pairs); else ``""``."""
    length, s, padding = inputs["input_length"], inputs["strides"], inputs["padding"]
    span = (inputs["kernel_size"] - 1) * inputs["dilation_rate"] + 1
    if span > length and received < 0:
        return (f"a length cannot be negative: the dilated kernel spans k_eff = (k - 1) d + 1 = {span} steps, more "
                f"than the input's {length}, so no window fits and the output is empty (length 0); the formula "
                "floor((L - k_eff) / s) + 1 counts the windows only when the kernel fits: clamp it, max(0, ...)")

    right = {tuple(case.values()): expected for case, expected in cases}     # each case's right length

    def valid_only(formula):            # a slip in the "valid" formula: the padded lengths as they should be
        return lambda case: (formula(case["input_length"], (case["kernel_size"] - 1) * case["dilation_rate"] + 1,
                                     case["kernel_size"], case["strides"])
                             if case["padding"] == "valid" else right[tuple(case.values())])

    slips = (
        (valid_only(lambda L, k_eff, k, s: max(0, int((L - k_eff) / s) + 1)),
         (f"int() rounds towards zero, and the count of windows needs floor: (L - k_eff) / s = "
          f"({length} - {span}) / {s} = {(length - span) / s:g} here, int() of it is {int((length - span) / s)} "
          f"but floor is {(length - span) // s}; write (L - k_eff) // s + 1 (// floors), clamped with max(0, ...)")),
        (valid_only(lambda L, k_eff, k, s: max(0, L - k_eff + 1)),
         (f"the stride is missing: with strides={s} the windows start every {s} steps, so there are "
          "floor((L - k_eff) / s) + 1 of them, not L - k_eff + 1")),
        (valid_only(lambda L, k_eff, k, s: max(0, (L - k) // s + 1)),
         (f"the dilation is missing: a kernel of {inputs['kernel_size']} taps with dilation_rate="
          f"{inputs['dilation_rate']} spans k_eff = (k - 1) * d + 1 = {span} steps; use k_eff where the formula has "
          "the kernel's length")),
        (lambda case: (case["input_length"] // case["strides"] if case["padding"] != "valid"
                       else right[tuple(case.values())]),
         (f'padding="{padding}" keeps a last, partial window: the output has ceil(L / s) = ceil({length} / {s}) = '
          f"{-(-length // s)} steps, not floor(L / s) = {length // s} (in integers, (L + s - 1) // s, or "
          "math.ceil(L / s))")),
    )
    for slip, sentence in slips:
        if received == slip(inputs) and _follows(fn, slip, cases):
            return sentence
    return ""



@time_limited
def check_conv1d(fn, cases=60, seed=0):
    """``fn(x, w, strides)`` returns ``conv1d(x, w)`` with ``padding="valid"``: ``y[n] = sum_t x[n*s + t] w[t]``.

    ``x`` has shape ``(L,)``, ``w`` shape ``(k,)`` with ``k <= L``; the result has ``(L - k) // s + 1`` values.
    (A convolution layer computes a cross-correlation: the kernel is not flipped.)

    >>> import numpy as np
    >>> def fn(x, w, strides):
    ...     n = (len(x) - len(w)) // strides + 1
    ...     return np.array([x[i * strides: i * strides + len(w)] @ w for i in range(n)])
    >>> check_conv1d(fn)
    True
    """
    fn = _answer("check_conv1d", fn)
    cases, seed = _settings("check_conv1d", cases=cases, seed=seed)
    rng = np.random.default_rng(seed)
    for case in range(cases):                            # small cases first: the first counterexample is small
        k = int(rng.integers(1, min(5, 2 + case // 8)))
        inputs = {"x": rng.standard_normal(int(rng.integers(k, k + 2 + case // 6))), "w": rng.standard_normal(k),
                  "strides": int(rng.integers(1, 4))}
        expected = _conv1d(inputs["x"], inputs["w"], inputs["strides"])
        flipped = _conv1d(inputs["x"], inputs["w"][::-1], inputs["strides"])
        unstrided = _conv1d(inputs["x"], inputs["w"], 1)     # every window, 1 step apart
        no_stride = _gather_without_stride(inputs["strides"])
        received = _call("check_conv1d", fn, inputs, functools.partial(_conv1d_error, inputs=inputs))
        _compare_arrays("check_conv1d", inputs, expected, received,
                        explain=lambda got, flipped=flipped, unstrided=unstrided[:expected.size], note=no_stride:
                        _known_mistake(got, (flipped, _FLIPPED_KERNEL), (unstrided, note)),
                        explain_shape=lambda got, unstrided=unstrided, note=no_stride:
                        _known_mistake(got, (unstrided, note)))
    return True


def _conv1d_error(exc, inputs):
    """A sentence when ``exc``, raised by a convolution written by hand, is a window read past the end of ``x``: an
    index out of range in ``x``, or a window cut short (a dot product or a sum of two lengths); else ``None``."""
    kind, size = _array_error(exc)
    length, k, s = len(inputs["x"]), len(inputs["w"]), inputs["strides"]
    if not (kind in ("matmul", "broadcast") or (kind == "index" and size == length)):
        return None
    windows = (length - k) // s + 1
    return (f"x holds (L - k) // strides + 1 = ({length} - {k}) // {s} + 1 = {windows} window"
            f"{'' if windows == 1 else 's'} of k = {k} step{'' if k == 1 else 's'}, strides apart: a loop over "
            "more (range(len(x)), or len(x) // strides) reaches windows that run past the end of x, out of range "
            "or cut short (NumPy clips slices silently, and the short window no longer matches w); loop over "
            "range((len(x) - len(w)) // strides + 1)")


def _gather_without_stride(strides):
    """The sentence for a convolution whose windows start 1 step apart (``x[i: i + k]``) where ``strides`` apart
    was asked."""
    return (f"the stride is missing: your windows start 1 step apart, as if strides were 1; with strides={strides} "
            f"output step i reads the window starting {strides} steps after the one before, x[i * strides: i * strides "
            "+ k], and there are (L - k) // strides + 1 of them")


def _known_mistake(got, *mistakes, rtol=1e-7, atol=1e-9):
    """The diagnosis of a known mistake: ``mistakes`` are ``(wrong, sentence)`` pairs, ``wrong`` the output that
    mistake gives on this case (computed by the checker); the sentence of the first whose output ``got`` equals
    within ``rtol``/``atol`` (infinities and NaNs where ``wrong`` has them included), else ``None``. Every checker
    diagnoses its exercise's common mistakes this one way, as the ``explain`` of
    :func:`~tinygradconv.exercises.reports._compare_arrays`."""
    for wrong, sentence in mistakes:
        wrong = np.asarray(wrong, dtype=np.float64)
        with np.errstate(invalid="ignore"):
            if got.shape == wrong.shape and np.allclose(got, wrong, rtol=rtol, atol=atol, equal_nan=True):
                return sentence
    return None


_FLIPPED_KERNEL = ("did you flip the kernel? This is the true convolution (as np.convolve computes it); Keras' Conv1D "
                   "computes a cross-correlation, y[i] = sum_t x[i * strides + t] * w[t], with w as given")


def _scatter(values, w, strides, length, add=True):
    """``y[j * strides + t] += values[j] * w[t]`` into ``length`` zeros (the transposed convolution, the input
    gradient of a convolution); ``add=False``: with ``=``, each copy overwriting the one before where they overlap."""
    y = np.zeros(length)
    for j, value in enumerate(values):
        if add:
            y[j * strides: j * strides + len(w)] += value * w
        else:
            y[j * strides: j * strides + len(w)] = value * w
    return y


def _scatter_mistakes(values, w, strides, length, what, formula, why=""):
    """The known mistakes of a scatter ``y[j * strides + t] += values[j] * w[t]`` (``what``: the exercise's name for
    it, ``formula``: the scatter in its names, ``why``: a sentence on where each copy starts, or ``""``), as
    :func:`_known_mistake` takes them: a flipped kernel, ``=`` where ``+=`` adds the overlapping copies, and the
    stride left out (each copy starting one step after the one before)."""
    flip = (f"did you flip the kernel? {what} scatters each value times w as given, {formula}, t = 0 .. k - 1: "
            "no reversal (reversing w belongs to the other way of writing it, as a sum over the windows that reach "
            "each output step, and only there)")
    overwrite = ("where copies of the kernel overlap (strides < k), your values are the last copy's only: each copy "
                 "was written with `=`, overwriting the one before; overlapping contributions must be added, "
                 "y[j * strides: j * strides + k] += value * w")
    no_stride = (f"the stride is missing: your copies of the kernel start 1 step apart, as if strides were 1; with "
                 f"strides={strides} they start {strides} steps apart{why}: {formula}")
    return ((_scatter(values, w[::-1], strides, length), flip),
            (_scatter(values, w, strides, length, add=False), overwrite),
            (_scatter(values, w, 1, length), no_stride))


# ------------------------------------------------------------------------------------------------------------
# Tutorial 03: the transposed convolution
# ------------------------------------------------------------------------------------------------------------
@time_limited
def check_output_length(fn, seed=0):
    """``fn(input_length, kernel_size, strides, padding, output_padding, dilation_rate)`` returns the
    ``Conv1DTranspose`` output length (Keras 3), ``padding`` ``"valid"`` or ``"same"``, ``output_padding`` ``None``
    or an integer below ``strides``. Checked on every small case against the op's output.

    ``seed`` is not used (every case is checked, none is drawn at random): it keeps the signature the other
    checkers have.

    >>> def fn(input_length, kernel_size, strides, padding, output_padding, dilation_rate):
    ...     span = (kernel_size - 1) * dilation_rate + 1
    ...     if output_padding is None:
    ...         return (input_length * strides if padding == "same"
    ...                 else (input_length - 1) * strides + max(span, strides))
    ...     pad = 0 if padding == "valid" else span // 2
    ...     return (input_length - 1) * strides + span - 2 * pad + output_padding
    >>> check_output_length(fn)
    True
    """
    fn = _answer("check_output_length", fn)
    _settings("check_output_length", seed=seed)
    cases = []                                           # (inputs, the framework's length), in checking order
    for length, k, s, padding, d in itertools.product(range(1, 7), range(1, 6), range(1, 5), ("valid", "same"),
                                                      (1, 2)):
        if s > 1 and d > 1:
            continue
        for op in (None, *range(s)):
            inputs = {"input_length": length, "kernel_size": k, "strides": s, "padding": padding,
                      "output_padding": op, "dilation_rate": d}
            cases.append((inputs, int(_conv1d_transpose(np.zeros(length), np.ones(k), s, padding, op, d).size)))
    for inputs, expected in cases:
        received = _call("check_output_length", fn, inputs)
        note = ""
        value = _as_int(received)
        if value is not None and value != expected:
            note = _output_length_mistake(fn, inputs, value, cases)
        _check_int("check_output_length", inputs, expected, received, note)
    return True


def _output_length_mistake(fn, inputs, received, cases):
    """The likely slip behind a wrong ``Conv1DTranspose`` length ``received`` on ``inputs``: ``"same"`` cropping
    rounded down, ``output_padding=None`` taken as 0, PyTorch's formula, the dilation left out (``kernel_size`` where
    the dilated span ``k_eff`` belongs), or the forward ``Conv1D``'s length ``(L - k_eff) // s + 1``. A slip is named
    when ``fn`` gives that slip's length here and on every case where the slip's length is not Keras' (``cases``:
    ``(inputs, Keras' length)`` pairs); else ``""``."""
    keras = {tuple(case.values()): length for case, length in cases}

    def none_as_zero(case):                              # Keras' length for output_padding=0 when None is given
        return keras[tuple({**case, "output_padding": case["output_padding"] or 0}.values())]

    def pytorch(case):                                   # torch.nn.ConvTranspose1d with padding=0
        return ((case["input_length"] - 1) * case["strides"] + case["dilation_rate"] * (case["kernel_size"] - 1)
                + (case["output_padding"] or 0) + 1)

    def pad_rounded_down(case):                          # "same" cropping (k_eff - 1) // 2, not k_eff // 2, per end
        if case["padding"] == "valid" or case["output_padding"] is None:
            return keras[tuple(case.values())]
        span = (case["kernel_size"] - 1) * case["dilation_rate"] + 1
        return (case["input_length"] - 1) * case["strides"] + span - 2 * ((span - 1) // 2) + case["output_padding"]

    def no_dilation(case):                               # Keras' length for the undilated kernel: k, not k_eff
        return keras[tuple({**case, "dilation_rate": 1}.values())]

    def forward_conv(clamped):                           # Conv1D's "valid" length, on the "valid" cases
        def length_of(case):
            if case["padding"] != "valid":
                return keras[tuple(case.values())]
            span = (case["kernel_size"] - 1) * case["dilation_rate"] + 1
            windows = (case["input_length"] - span) // case["strides"] + 1
            return max(0, windows) if clamped else windows
        return length_of

    length, s = inputs["input_length"], inputs["strides"]
    span = (inputs["kernel_size"] - 1) * inputs["dilation_rate"] + 1
    if received == pad_rounded_down(inputs) and _follows(fn, pad_rounded_down, cases):
        keras_length = (length - 1) * s + span - 2 * (span // 2) + inputs["output_padding"]
        empty = (" So Keras' output really is empty here: the transposed convolution makes "
                 f"(L - 1) * strides + k_eff = {(length - 1) * s + span} steps and crops {span // 2} from each end"
                 if keras_length == 0 else "")
        return ('with an integer output_padding and padding="same", Keras crops pad = k_eff // 2 steps from each '
                f"end (k_eff = (kernel_size - 1) * dilation_rate + 1 = {span} here, so pad = {span // 2}), not "
                f"(k_eff - 1) // 2 = {(span - 1) // 2}: the two differ for an even k_eff. The length is "
                f"(L - 1) * strides + k_eff - 2 * pad + output_padding = {keras_length}.{empty}")
    if received == none_as_zero(inputs) and _follows(fn, none_as_zero, cases):
        if inputs["padding"] == "valid":
            here = (f'(L - 1) * strides + max(k_eff, strides) = ({length} - 1) * {s} + max({span}, {s}) = '
                    f'{(length - 1) * s + max(span, s)} for padding="valid", and L * strides for "same"')
        else:
            here = (f'L * strides = {length} * {s} = {length * s} for padding="same", and (L - 1) * strides + '
                    'max(k_eff, strides) for "valid"')
        return ("output_padding=None is not 0: your lengths are those of output_padding=0; with None, Keras chooses "
                f"the length itself, {here} (k_eff = (kernel_size - 1) * dilation_rate + 1, the dilated kernel)")
    if received == pytorch(inputs) and _follows(fn, pytorch, cases):
        return ("your lengths follow PyTorch's ConvTranspose1d formula, (L - 1) * strides - 2 * padding + "
                "dilation_rate * (kernel_size - 1) + output_padding + 1, with padding 0 (and None taken as 0); "
                "Keras' rule differs: with an integer output_padding it is that formula with padding = k_eff // 2 "
                'for "same" (0 for "valid"), k_eff = (kernel_size - 1) * dilation_rate + 1 the dilated kernel; '
                'with output_padding=None Keras chooses the length, L * strides for "same" and (L - 1) * strides '
                '+ max(k_eff, strides) for "valid"')
    if received == no_dilation(inputs) and _follows(fn, no_dilation, cases):
        d = inputs["dilation_rate"]
        return (f"the dilation is missing: your lengths are those of dilation_rate=1; with dilation_rate={d} the "
                f"kernel's {inputs['kernel_size']} taps are {d} steps apart, so it spans k_eff = (kernel_size - 1) * "
                f"dilation_rate + 1 = ({inputs['kernel_size']} - 1) * {d} + 1 = {span} steps: use k_eff wherever "
                "your formula has kernel_size (in max(k_eff, strides) and in pad = k_eff // 2 too)")
    if any(received == forward_conv(clamped)(inputs) and _follows(fn, forward_conv(clamped), cases)
           for clamped in (False, True)):
        return (f"(L - k_eff) // strides + 1 = ({length} - {span}) // {s} + 1 = {(length - span) // s + 1} is the "
                "forward convolution's length (Conv1D, tutorial 2: how many windows of k_eff steps fit in L); the "
                "transposed convolution goes the other way: each of the L input steps places a copy of the kernel "
                "strides steps after the one before, so the output grows to (L - 1) * strides + k_eff steps before "
                '"same" crops any; with output_padding=None Keras takes L * strides for "same" and (L - 1) * '
                'strides + max(k_eff, strides) for "valid" (k_eff = (kernel_size - 1) * dilation_rate + 1)')
    return ""


def _follows(fn, formula, cases):
    """Whether ``fn`` gives ``formula(inputs)`` on every case of ``cases`` (``(inputs, expected)`` pairs) where
    that differs from the expected value: the student's function makes that mistake, and only that one."""
    for inputs, expected in cases:
        wrong = formula(inputs)
        if wrong != expected:
            try:
                if fn(*inputs.values()) != wrong:
                    return False
            except Exception:  # noqa: BLE001 - the student's function failing elsewhere: not this mistake
                return False
    return True


@time_limited
def check_conv1d_transpose(fn, cases=60, seed=0):
    """``fn(x, w, strides)`` returns the full transposed convolution: ``y[j*s + t] += x[j] * w[t]``.

    ``x`` has shape ``(L,)``, ``w`` shape ``(k,)``; the result has shape ``((L - 1) * strides + k,)`` (``padding=
    "valid"``, nothing cropped, no output padding). Compared with ``conv1d_transpose(..., output_padding=0)``.

    >>> import numpy as np
    >>> def fn(x, w, strides):
    ...     y = np.zeros((len(x) - 1) * strides + len(w))
    ...     for j, value in enumerate(x):
    ...         y[j * strides: j * strides + len(w)] += value * w
    ...     return y
    >>> check_conv1d_transpose(fn)
    True
    """
    fn = _answer("check_conv1d_transpose", fn)
    cases, seed = _settings("check_conv1d_transpose", cases=cases, seed=seed)
    rng = np.random.default_rng(seed)
    for case in range(cases):                            # small cases first: the first counterexample is small
        size = 2 + case // 10
        inputs = {"x": rng.standard_normal(int(rng.integers(1, size + 1))),
                  "w": rng.standard_normal(int(rng.integers(1, size))), "strides": int(rng.integers(1, 4))}
        expected = _conv1d_transpose(inputs["x"], inputs["w"], inputs["strides"], output_padding=0)
        mistakes = _scatter_mistakes(inputs["x"], inputs["w"], inputs["strides"], expected.size,
                                     "the transposed convolution",
                                     "y[j * strides + t] += x[j] * w[t]")
        received = _call("check_conv1d_transpose", fn, inputs, functools.partial(_transpose_error, inputs=inputs))
        _compare_arrays("check_conv1d_transpose", inputs, expected, received,
                        explain=lambda got, mistakes=mistakes: _known_mistake(got, *mistakes),
                        explain_shape=functools.partial(_transpose_length_mistake, inputs=inputs, fn=fn))
    return True


def _transpose_error(exc, inputs):
    """A sentence when ``exc``, raised by a transposed convolution written by hand, is a known slip: ``x`` read past
    its end (an index out of range in an array of ``len(x)`` values, or a window of ``x`` cut short), a loop over
    the output's steps gathering windows of ``x``; or a write past the end of an output array shorter than the
    full length ``(L - 1) * strides + k``. Else ``None`` (the generic hint)."""
    kind, size = _array_error(exc)
    length, k, s = len(inputs["x"]), len(inputs["w"]), inputs["strides"]
    full = (length - 1) * s + k
    formula = f"(L - 1) * strides + k = ({length} - 1) * {s} + {k} = {full}"
    if kind == "index" and size == length and _another_array(exc, inputs["x"]):
        kind = "short output"               # an array of x's length that is not x: the output, too short
    if (kind == "matmul" or (kind == "index" and size == length)) and full > length:
        return (f"the transposed convolution has {formula} output steps, more than the L = {length} values of x: "
                "a loop over the output steps that reads a window of x for each (the gather of conv1d, x[i * "
                "strides + t]) runs past the end of x; the transposed convolution goes the other way, it scatters: "
                f"start from y = np.zeros({full}) and loop over the inputs, y[j * strides: j * strides + k] += x[j] "
                "* w")
    if kind in ("broadcast", "short output") or (kind == "index" and size is not None and size < full):
        return (f"is your y as long as the output, {formula}? A slice y[j * strides: j * strides + k] that runs "
                "past the end of a shorter y is cut short (NumPy clips slices silently), and x[j] * w, k values, no "
                "longer fits in it (an index y[j * strides + t] past its end fails the same way)")
    return None


def _another_array(exc, values):
    """Whether the student's code held, when it raised ``exc``, an array of ``values``' length other than (a copy
    of) ``values`` itself: then an index past that length may have run past the student's own array (an output
    made too short), not past the input."""
    return any(a.shape == values.shape and not np.array_equal(a, values) for a in _students_arrays(exc))


def _gathers(fn, inputs, first="x"):
    """Whether ``fn(values, w, strides)`` computes the convolution of ``values`` (``inputs[first]``) with ``w`` (a
    gather) on ``inputs`` and on three larger cases (6 values, a kernel of 3, strides 1 to 3): with a kernel of 1
    the convolution is only every strides-th value times w, which another wrong answer can give on one case."""
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal(6), rng.standard_normal(3)
    for case in [(inputs[first], inputs["w"], inputs["strides"]), *((x, w, s) for s in (1, 2, 3))]:
        try:
            got = np.asarray(fn(case[0].copy(), case[1].copy(), case[2]), dtype=np.float64)
        except Exception:  # noqa: BLE001 - the student's function failing elsewhere: not this mistake
            return False
        gathered = _conv1d(*case)
        if got.shape != gathered.shape or not np.allclose(got, gathered, rtol=1e-7, atol=1e-9):
            return False
    return True


def _transpose_length_mistake(got, inputs, fn):
    """Why the full transposed convolution has ``(L - 1) * s + k`` values; for a result of the length of Keras'
    ``padding="valid"`` output, ``(L - 1) * s + max(k, s)``, how the two differ; and when ``fn`` computes the
    convolution of ``x`` with ``w`` (a gather, ``y[n] = x[n*s: n*s + k] @ w``: :func:`_gathers`), that the
    transposed convolution scatters instead."""
    length, k, s = len(inputs["x"]), len(inputs["w"]), inputs["strides"]
    full = (length - 1) * s + k
    note = (f"the full transposed convolution has (L - 1) * strides + k = ({length} - 1) * {s} + {k} = {full} "
            "values: the last input's copy of the kernel ends there")
    if got.size and _gathers(fn, inputs):                 # an empty result (k > L) tells nothing
        windows = "1 window fits" if got.size == 1 else f"{got.size} windows fit"
        note += (f"\n  your result is the convolution of x with w, y[n] = x[n * strides: n * strides + k] @ w: a "
                 "gather, each output step collecting a window of inputs ((L - k) // strides + 1 = "
                 f"({length} - {k}) // {s} + 1: {windows} here); the transposed convolution "
                 "goes the other way, it scatters: each input x[j] spreads across k outputs, adding x[j] * w[t] to "
                 "y[j * strides + t] for t = 0 .. k - 1, so start from y = np.zeros((L - 1) * strides + k) and "
                 "loop over the inputs: y[j * strides: j * strides + k] += x[j] * w")
    if s > k and got.shape == ((length - 1) * s + s,):
        note += (f"\n  your length, (L - 1) * strides + max(k, strides) = {got.shape[0]}, is Keras' padding=\"valid\" "
                 f"output (tutorial 3's table): when strides > k, Keras' output ends with strides - k = {s - k} more "
                 "step(s) that no input reaches (zeros); the exercise asks for the full result, without them")
    return note


# ------------------------------------------------------------------------------------------------------------
# Tutorial 04: a custom op
# ------------------------------------------------------------------------------------------------------------
@time_limited
def check_custom_op(function, cases=20, seed=0):
    r"""``function`` is a :class:`~tinygradconv.Function` subclass computing SiLU (swish), :math:`y = x\,\sigma(x)`,
    with :math:`dy/dx = \sigma(x)\,(1 + x\,(1 - \sigma(x)))`.

    Its forward is compared with ``x * sigmoid(x)`` through the framework's ops, and its backward with float64
    finite differences by :func:`~tinygradconv.gradcheck`, then with the exact derivative (the framework's gradient
    of ``x * sigmoid(x)``, to relative ``1e-7``: gradcheck's ``1e-3``, as PyTorch's, lets a gradient off by 0.05 %
    pass), on random inputs (with zeros and values up to 20); then forward and gradient at large inputs, ``+-50``,
    ``+-100`` and ``+-1000`` in float64 and in float32, where ``exp(x)`` or ``exp(-x)`` overflows (``nan`` from
    ``exp(x) / (1 + exp(x))`` is reported as such).

    >>> import tinygradconv as tg
    >>> class SiLU(tg.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         s = 1 / (1 + ctx.xp.exp(-x))
    ...         ctx.save_for_backward(x, s)
    ...         return x * s
    ...     @staticmethod
    ...     def backward(ctx, grad):
    ...         x, s = ctx.saved_tensors
    ...         return grad * s * (1 + x * (1 - s))
    >>> check_custom_op(SiLU)
    True
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
    """Forward and backward of ``function`` on array-api-strict arrays (when installed): the exercises ask for
    ``ctx.xp`` only, and NumPy's own functions (``np.exp``) refuse those arrays or return NumPy arrays."""
    try:
        get_backend("array_api_strict")
    except (ImportError, ValueError):  # pragma: no cover - array-api-strict is a dev dependency
        return
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


# ------------------------------------------------------------------------------------------------------------
# Tutorial 05: an optimizer update
# ------------------------------------------------------------------------------------------------------------
@time_limited
def check_sgd_momentum(fn, cases=20, steps=5, seed=0):
    """``fn(param, grad, velocity, learning_rate, momentum, nesterov)`` returns ``(new_param, new_velocity)``: one
    step of Keras' SGD with momentum (``velocity`` starts at zeros). Compared, step after step, with
    :class:`tinygradconv.optimizers.SGD` on the same gradients.

    >>> def fn(param, grad, velocity, learning_rate, momentum, nesterov):
    ...     velocity = momentum * velocity - learning_rate * grad
    ...     if nesterov:
    ...         return param + momentum * velocity - learning_rate * grad, velocity
    ...     return param + velocity, velocity
    >>> check_sgd_momentum(fn)
    True
    """
    fn = _answer("check_sgd_momentum", fn)
    cases, steps, seed = _settings("check_sgd_momentum", cases=cases, steps=steps, seed=seed)
    rng = np.random.default_rng(seed)
    for case in range(cases):
        n = int(rng.integers(1, 5))
        lr, momentum = float(rng.choice([0.01, 0.1, 0.5])), float(rng.choice([0.0, 0.5, 0.9]))
        nesterov = bool(case % 2)
        variable = _tensor(rng.standard_normal(n), True)
        optimizer = SGD(learning_rate=lr, momentum=momentum, nesterov=nesterov)
        param, velocity = variable.numpy().copy(), np.zeros(n)
        for step in range(steps):
            grad = rng.standard_normal(n)
            inputs = {"param": param, "grad": grad, "velocity": velocity, "learning_rate": lr, "momentum": momentum,
                      "nesterov": nesterov}
            variable.grad = _tensor(grad)
            optimizer.step([variable])
            received = _call("check_sgd_momentum", fn, inputs)
            if not isinstance(received, (tuple, list)) or len(received) != 2:
                _fail("check_sgd_momentum", inputs, variable.numpy(), received,
                      "expected a pair (new_param, new_velocity)")
            keras_w = variable.numpy()
            keras_m = np.asarray(optimizer.state_of(variable)["m"], dtype=np.float64) if momentum else None
            try:
                new_param = _compare_arrays("check_sgd_momentum", inputs, keras_w, received[0],
                                            explain=functools.partial(_sgd_parameter_mistake, inputs=inputs,
                                                                      keras_w=keras_w, keras_m=keras_m))
            except AssertionError as error:
                raise AssertionError(f"{error}\n  (the new parameter, at step {step + 1})") from None
            if momentum:    # Keras' velocity (the optimizer's own state), not another convention's
                try:
                    velocity = _compare_arrays("check_sgd_momentum", inputs, keras_m, received[1],
                                               explain=functools.partial(_pytorch_momentum_buffer, inputs=inputs))
                except AssertionError as error:
                    raise AssertionError(
                        f"{error}\n  (the new velocity, at step {step + 1}: in Keras' SGD, without Nesterov, the "
                        "velocity is exactly what is added to the parameter, learning rate and sign included)"
                    ) from None
            param = new_param       # without momentum the velocity is not compared, nor read: it stays zeros
    return True


_KERAS_SGD = ("Keras' SGD: m <- momentum * m - learning_rate * grad, then w <- w + m, or with nesterov=True "
              "w <- w + momentum * m - learning_rate * grad (with the new m)")


def _sgd_parameter_mistake(got, inputs, keras_w, keras_m):
    """The likely slip behind a wrong new parameter of an SGD step: with Nesterov, a step that does not look ahead
    along the new velocity, else Keras' formulas; ``None`` for a near miss (rounding: the generic note says more).
    ``keras_w``, ``keras_m``: Keras' new parameter and velocity (``None`` without momentum)."""
    # The plain momentum step w + m (m the new velocity) and a look-ahead along the old velocity,
    # w + momentum * velocity - learning_rate * grad, are one and the same formula: the hint names both.
    if inputs["nesterov"] and keras_m is not None and np.allclose(got, inputs["param"] + keras_m, rtol=1e-7,
                                                                  atol=1e-9):
        return ("this is the plain momentum step w + m, which is also a look-ahead along the old velocity, "
                "w + momentum * velocity - learning_rate * grad (velocity: the one given); with nesterov=True Keras "
                "looks ahead along the new velocity: w <- w + momentum * m - learning_rate * grad, m the new "
                "velocity")
    return None if np.allclose(got, keras_w, rtol=1e-4, atol=1e-6) else _KERAS_SGD


def _pytorch_momentum_buffer(got, inputs):
    """A sentence when the velocity returned is PyTorch's momentum buffer, ``momentum * velocity + grad``."""
    if np.allclose(got, inputs["momentum"] * inputs["velocity"] + inputs["grad"], rtol=1e-7, atol=1e-9):
        return ("this is PyTorch's momentum buffer (buf <- momentum * buf + grad, the learning rate applied "
                "afterwards, as torch.optim.SGD does, Nesterov or not); Keras' velocity is the step itself, "
                "m <- momentum * m - learning_rate * grad")
    return None


# ------------------------------------------------------------------------------------------------------------
# Tutorial 06: code for every backend
# ------------------------------------------------------------------------------------------------------------
@time_limited
def check_logsumexp(fn, cases=30, seed=0):
    """``fn(x)`` returns ``log(sum(exp(x)))`` over the last axis (``axis=-1``) of an array of any number of
    dimensions, that axis removed, written with ``x.__array_namespace__()`` only, so that it runs on every backend;
    it must not overflow for large values. Checked on 1-, 2- and 3-dimensional float64 arrays, with NumPy arrays
    and with array-api-strict arrays (when installed), against the framework's ops.

    >>> def fn(x):
    ...     xp = x.__array_namespace__()
    ...     m = xp.max(x, axis=-1, keepdims=True)
    ...     return xp.log(xp.sum(xp.exp(x - m), axis=-1)) + m[..., 0]
    >>> check_logsumexp(fn)
    True
    """
    fn = _answer("check_logsumexp", fn)
    cases, seed = _settings("check_logsumexp", cases=cases, seed=seed)
    namespaces = ["numpy"]
    try:
        get_backend("array_api_strict")
        namespaces.append("array_api_strict")
    except (ImportError, ValueError):  # pragma: no cover - array-api-strict is a dev dependency
        pass
    rng = np.random.default_rng(seed)
    for case in range(cases):
        ndim = (2, 1, 3)[case % 3]                   # 2-D first, then 1-D and 3-D: the last axis, whatever the rank
        shape = tuple(int(n) for n in rng.integers(1, 4, ndim - 1)) + (int(rng.integers(1, 6)),)
        values = rng.standard_normal(shape) * (500.0 if case % 2 == 0 else 2.0)
        t = _tensor(values)
        m = t.max(axis=-1, keepdims=True)
        expected = ((t - m).exp().sum(axis=-1, keepdims=True).log() + m).numpy()[..., 0]
        with np.errstate(over="ignore", divide="ignore"):
            naive = np.log(np.sum(np.exp(values), axis=-1))         # the known mistake: no maximum subtracted
            top = np.max(values)                                    # and the whole array's maximum, not each row's
            global_max = np.log(np.sum(np.exp(values - top), axis=-1)) + top
        rank_note = (f"x has {ndim} dimension{'s' if ndim > 1 else ''} here: reduce the last axis, axis=-1 (not "
                     "axis=1, nor an index such as m[:, 0]), so that the function works whatever the rank")
        for name in namespaces:
            backend = get_backend(name)
            array = backend.asarray(values, dtype="float64", copy=True)
            inputs = {"x": values, "backend": name}
            try:
                result = _call("check_logsumexp", lambda x, backend, array=array: fn(array), inputs)
            except AssertionError as error:
                if ndim == 2:
                    raise
                raise AssertionError(f"{error}\n  {rank_note}") from error.__cause__
            received = _same_namespace("check_logsumexp", inputs, array, result, backend, expected)
            _compare_arrays("check_logsumexp", inputs, expected, received, rtol=1e-10,
                            explain=lambda got, naive=naive, top=global_max: _known_mistake(
                                got, (naive, _NAIVE_LOGSUMEXP), (top, _GLOBAL_MAX_LOGSUMEXP)),
                            explain_shape=lambda got, ndim=ndim, note=rank_note: note if ndim != 2 else None)
    return True


_NAIVE_LOGSUMEXP = ("exp overflowed: log(sum(exp(x))) computed as written is inf once a value passes about 709 "
                    "(and -inf when every exp underflows); subtract the maximum first, m = xp.max(x, axis=-1, "
                    "keepdims=True), and return log(sum(exp(x - m), axis=-1)) + m[..., 0]: the largest exp is then "
                    "exp(0) = 1")


_GLOBAL_MAX_LOGSUMEXP = (
    "your maximum is the whole array's, xp.max(x), not each row's: a row whose values all lie far below it (by more "
    "than about 745) has every exp(x - m) underflow to 0, and log(0) = -inf (a little less far, digits are lost); "
    "subtract each row's own maximum along the last axis, m = xp.max(x, axis=-1, keepdims=True) (keepdims=True, so "
    "that x - m lines up), and add back m[..., 0]: each row's largest exp is then exp(0) = 1")


# ------------------------------------------------------------------------------------------------------------
# Tutorial 07: the checkerboard
# ------------------------------------------------------------------------------------------------------------
@time_limited
def check_overlap_counts(fn, seed=0):
    """``fn(input_length, kernel_size, strides)`` returns how many input steps reach each output step of a
    ``Conv1DTranspose`` with ``padding="valid"`` (no output padding given): an integer array of the output length.
    Compared with :func:`tinygradconv.viz.overlap_counts` (the row sums of the all-ones path matrix).

    ``seed`` is not used (every case is checked, none is drawn at random): it keeps the signature the other
    checkers have.

    >>> import numpy as np
    >>> def fn(input_length, kernel_size, strides):
    ...     counts = np.zeros((input_length - 1) * strides + max(kernel_size, strides), dtype=int)
    ...     for j in range(input_length):
    ...         counts[j * strides: j * strides + kernel_size] += 1
    ...     return counts
    >>> check_overlap_counts(fn)
    True
    """
    fn = _answer("check_overlap_counts", fn)
    _settings("check_overlap_counts", seed=seed)
    for length, k, s in itertools.product(range(1, 8), range(1, 7), range(1, 5)):
        inputs = {"input_length": length, "kernel_size": k, "strides": s}
        expected = overlap_counts("conv1d_transpose", length, kernel_size=k, strides=s)
        received = _call("check_overlap_counts", fn, inputs, functools.partial(_overlap_error, inputs=inputs))
        _compare_arrays("check_overlap_counts", inputs, expected, received, integer=True,
                        explain=functools.partial(_overlap_marked_not_counted, received=received, expected=expected,
                                                  inputs=inputs),
                        explain_shape=functools.partial(_overlap_length_mistake, inputs=inputs))
    return True


def _overlap_error(exc, inputs):
    """A sentence when ``exc`` is a write past the end of a counts array shorter than the output (an index out of
    range, or a slice cut short): the output's length, Keras' ``padding="valid"`` one; else ``None``."""
    kind, size = _array_error(exc)
    length, k, s = inputs["input_length"], inputs["kernel_size"], inputs["strides"]
    n = (length - 1) * s + max(k, s)
    if not (kind == "broadcast" or (kind == "index" and size is not None and size < n)):
        return None
    return (f"is your counts array as long as the output? Keras' Conv1DTranspose with padding=\"valid\" has (L - 1) "
            f"* strides + max(k, strides) = ({length} - 1) * {s} + max({k}, {s}) = {n} steps; an index past the end "
            "of a shorter array fails, and a slice there is cut short (NumPy clips slices silently)")


def _overlap_marked_not_counted(got, received, expected, inputs):
    """A sentence when ``got`` is 1 wherever ``expected`` counts at least one input (the steps marked, not counted):
    a bool array (``c[...] = True``), which cannot count, or numbers written with ``= 1`` where ``+= 1`` adds; or
    when ``got`` are the counts of copies of the kernel 1 step apart, the stride left out (``c[j: j + k] += 1``)."""
    length, k, s = inputs["input_length"], inputs["kernel_size"], inputs["strides"]
    if got.shape == expected.shape and np.array_equal(got, _scatter(np.ones(length), np.ones(k), 1, got.size)):
        return (f"the stride is missing: your copies of the kernel start 1 step apart, as if strides were 1; with "
                f"strides={s} they start {s} steps apart: counts[j * strides: j * strides + kernel_size] += 1")
    if got.shape != expected.shape or not np.array_equal(got, np.asarray(expected) > 0):
        return None
    if _readable(received).dtype.kind == "b":
        return _bool_counts("counts[j * strides: j * strides + kernel_size] += 1 for each input j")
    return ("your counts are 1 wherever an input reaches: each copy of the kernel was written with `= 1`, "
            "overwriting the copies before it; where copies overlap (strides < kernel_size) they must add up: "
            "counts[j * strides: j * strides + kernel_size] += 1")


def _bool_counts(how):
    """The sentence for counts kept in a bool array; ``how``: the counting step in the exercise's names."""
    return ("your result is a bool array (True/False): it can say whether a step is reached, not by how many "
            "inputs (NumPy reads True as 1); count instead, in an integer array: counts = np.zeros(n, "
            f"dtype=int), n the output's length, then {how}")


def _overlap_length_mistake(got, inputs):
    """A sentence when ``got`` has the length of the full transposed convolution, ``(L - 1) * s + k``, where Keras'
    ``padding="valid"`` output, whose counts are asked, is ``(L - 1) * s + max(k, s)`` long (``strides > k``): the
    mistake opposite to the one :func:`_transpose_length_mistake` explains."""
    length, k, s = inputs["input_length"], inputs["kernel_size"], inputs["strides"]
    if s <= k or got.shape != ((length - 1) * s + k,):
        return None
    return (f"your length, (L - 1) * strides + k = ({length} - 1) * {s} + {k} = {got.shape[0]}, is the full "
            "transposed convolution's (conv1d_transpose by hand, tutorial 3), which ends with the last input's copy "
            "of the kernel; the counts asked are those of Keras' Conv1DTranspose with padding=\"valid\", whose "
            f"output is (L - 1) * strides + max(k, strides) steps long: when strides > k it ends with strides - k = "
            f"{s - k} more step(s) that no input reaches (count 0)")


# ------------------------------------------------------------------------------------------------------------
# Tutorial 08: backprop through a convolution
# ------------------------------------------------------------------------------------------------------------
@time_limited
def check_conv1d_input_gradient(fn, cases=60, seed=0):
    """``fn(g, w, strides, input_length)`` returns ``dL/dx`` for ``y = conv1d(x, w, strides)`` (``padding="valid"``)
    given ``g = dL/dy``: an array of shape ``(input_length,)``. Compared with ``backward()`` through ``conv1d``.

    >>> import numpy as np
    >>> def fn(g, w, strides, input_length):
    ...     dx = np.zeros(input_length)
    ...     for n, value in enumerate(g):
    ...         dx[n * strides: n * strides + len(w)] += value * w
    ...     return dx
    >>> check_conv1d_input_gradient(fn)
    True
    """
    fn = _answer("check_conv1d_input_gradient", fn)
    cases, seed = _settings("check_conv1d_input_gradient", cases=cases, seed=seed)
    rng = np.random.default_rng(seed)
    for case in range(cases):                            # small cases first: the first counterexample is small
        k, s = int(rng.integers(1, min(5, 2 + case // 8))), int(rng.integers(1, 4))
        length = int(rng.integers(k, k + 2 + case // 6))
        x = _tensor(rng.standard_normal((1, length, 1)), True)
        w = rng.standard_normal(k)
        y = conv1d(x, _tensor(w.reshape(k, 1, 1)), strides=s)
        g = rng.standard_normal(y.shape[1])
        y.backward(_tensor(g.reshape(1, -1, 1)))
        inputs = {"g": g, "w": w, "strides": s, "input_length": length}
        mistakes = _scatter_mistakes(g, w, s, length, "the input gradient dL/dx",
                                     "dx[n * strides + t] += g[n] * w[t]",
                                     why=" (output step n read x[n * strides: n * strides + k] in the forward pass, "
                                         "so g[n] goes back to those steps)")
        received = _call("check_conv1d_input_gradient", fn, inputs,
                         functools.partial(_input_gradient_error, inputs=inputs))
        _compare_arrays("check_conv1d_input_gradient", inputs, x.grad.numpy().ravel(), received,
                        explain=lambda got, mistakes=mistakes: _known_mistake(got, *mistakes),
                        explain_shape=functools.partial(_input_gradient_length_mistake, inputs=inputs, fn=fn))
    return True


def _input_gradient_error(exc, inputs):
    """A sentence when ``exc``, raised by an input gradient written by hand, is a known slip: ``g`` read past its
    end (an index out of range in an array of ``len(g)`` values, or a window of ``g`` cut short), a loop over the
    input's steps gathering windows of ``g``; or a write past the end of a ``dx`` shorter than ``input_length``.
    Else ``None`` (the generic hint)."""
    kind, size = _array_error(exc)
    n, length = len(inputs["g"]), inputs["input_length"]
    if kind == "index" and size == n and _another_array(exc, inputs["g"]):
        kind = "short output"               # an array of g's length that is not g: dx, too short
    if (kind == "matmul" or (kind == "index" and size == n)) and length > n:
        return (f"dL/dx has one value per input step, input_length = {length}, more than the {n} value"
                f"{'' if n == 1 else 's'} of g: a loop over the input steps that reads a window of g for each (a "
                "gather, as the forward pass read windows of x) runs past the end of g; dL/dx goes the other way, "
                "it scatters: start from dx = np.zeros(input_length) and loop over g, dx[n * strides: n * strides + "
                "k] += g[n] * w")
    if kind in ("broadcast", "short output") or (kind == "index" and size is not None and size < length):
        return (f"is your dx as long as the input, input_length = {length}? A slice dx[n * strides: n * strides + "
                "k] that runs past the end of a shorter dx is cut short (NumPy clips slices silently), and g[n] * w, "
                "k values, no longer fits in it; start from dx = np.zeros(input_length)")
    return None


def _input_gradient_length_mistake(got, inputs, fn):
    """A sentence when ``fn`` computes the convolution of ``g`` with ``w`` (a gather: :func:`_gathers`, on the
    input lengths the windows reach), where dL/dx scatters; else when ``got`` is the full transposed convolution of
    ``g``, ``(len(g) - 1) * s + k`` values, shorter than the input when the stride stops before its end
    (``(L - k) % s`` steps that no window reads)."""
    n, k, s, length = len(inputs["g"]), len(inputs["w"]), inputs["strides"], inputs["input_length"]
    if got.size and _gathers(lambda g, w, strides: fn(g, w, strides, (len(g) - 1) * strides + len(w)),
                             inputs, first="g"):
        return ("your result is the convolution of g with w, dx[i] = g[i * strides: i * strides + k] @ w: a gather, "
                "each step collecting a window of g, as the forward pass collected windows of x; dL/dx goes the "
                "other way, it scatters: output step n read x[n * strides: n * strides + k] in the forward pass, so "
                "g[n] goes back to those k input steps, adding g[n] * w[t] to dx[n * strides + t] for t = 0 .. "
                "k - 1; start from dx = np.zeros(input_length) and loop over g: dx[n * strides: n * strides + k] "
                "+= g[n] * w")
    reached = (n - 1) * s + k
    if reached == length or got.shape != (reached,) or not np.allclose(
            got, _scatter(inputs["g"], inputs["w"], s, reached), rtol=1e-7, atol=1e-9):
        return None
    left = length - reached
    steps, them = ("step lies", "it") if left == 1 else ("steps lie", "them")
    return (f"your dx has (len(g) - 1) * strides + k = ({n} - 1) * {s} + {k} = {reached} value"
            f"{'' if reached == 1 else 's'}, up to the end of the last window; dL/dx has one value per input step, "
            f"input_length = {length}: the last {left} input {steps} past every window the stride reaches (no output "
            f"step read {them} in the forward pass), so the gradient there is 0; start from dx = "
            "np.zeros(input_length)")


# ------------------------------------------------------------------------------------------------------------
# Second exercises
# ------------------------------------------------------------------------------------------------------------
_SCALAR_FUNCTIONS = (
    ("sum(tanh(x) * x)", lambda np_, x: np_.sum(np_.tanh(x) * x), lambda t: (t.tanh() * t).sum()),
    ("sum(x ** 3)", lambda np_, x: np_.sum(x ** 3), lambda t: (t ** 3).sum()),
    ("sum(exp(x) * x ** 2)", lambda np_, x: np_.sum(np_.exp(x) * x ** 2), lambda t: (t.exp() * t ** 2).sum()),
    # cross terms: each partial derivative depends on the other elements, so that an answer that moves x[i] and
    # never restores it (the later partials taken at a moved x) is told, which the elementwise sums above cannot
    ("sum(tanh(x)) ** 2", lambda np_, x: np_.sum(np_.tanh(x)) ** 2, lambda t: t.tanh().sum() ** 2),
)


@time_limited
def check_finite_differences(fn, cases=30, seed=0):
    """``fn(f, x, eps)`` estimates the gradient of the scalar function ``f`` at ``x`` (a float64 array) by central
    differences, ``(f(x + eps e_i) - f(x - eps e_i)) / (2 eps)`` for every ``i``. Compared with ``backward()``
    for ``eps = 1e-5``, within ``1e-7`` relative: tight enough to tell central from one-sided differences.

    >>> import numpy as np
    >>> def fn(f, x, eps):
    ...     grad = np.zeros_like(x)
    ...     for i in range(x.size):
    ...         step = np.zeros_like(x)
    ...         step[i] = eps
    ...         grad[i] = (f(x + step) - f(x - step)) / (2 * eps)
    ...     return grad
    >>> check_finite_differences(fn)
    True
    """
    fn = _answer("check_finite_differences", fn)
    cases, seed = _settings("check_finite_differences", cases=cases, seed=seed)
    rng = np.random.default_rng(seed)
    for case in range(cases):
        name, numpy_f, tensor_f = _SCALAR_FUNCTIONS[case % len(_SCALAR_FUNCTIONS)]
        x = rng.standard_normal(int(rng.integers(1, 2 + case // 8)))
        t = _tensor(x, True)
        tensor_f(t).backward()

        def f(values, numpy_f=numpy_f):
            return float(numpy_f(np, np.asarray(values, dtype=np.float64)))

        inputs = {"f": _Named(f, name), "x": x, "eps": 1e-5}
        _compare_arrays("check_finite_differences", inputs, t.grad.numpy(),
                        _call("check_finite_differences", fn, inputs), rtol=1e-7, atol=1e-9,
                        explain=functools.partial(_finite_difference_mistake, f=f, x=x, eps=1e-5,
                                                  exact=t.grad.numpy()))
    return True


def _finite_difference_mistake(got, f, x, eps, exact):
    """The likely slip behind finite differences ``got`` of ``f`` at ``x`` that miss the gradient ``exact``:
    one-sided differences, an ``x`` never restored, a larger step than ``eps``, and for another near miss (within
    1 %, but printed differently: values printed the same get the generic note of ``_compare_arrays``) what to
    look for in the step; else ``None``."""
    known = (_known_mistake(got, *_one_sided(f, x, eps), rtol=1e-9, atol=1e-12)
             or _known_mistake(got, *_central_slips(f, x, eps), rtol=1e-9, atol=1e-12)
             or _known_mistake(got, *_unrestored(f, x, eps))
             or _known_mistake(got, *_other_steps(f, x, eps), rtol=1e-9, atol=1e-12))
    near = got.shape == exact.shape and np.allclose(got, exact, rtol=1e-2, atol=1e-6)
    if known is None and near and _show(got) != _show(exact):   # printed the same, the generic note says it
        return (f"your values are close to the gradient, within 1 %, but not to the tolerance: look for "
                f"{_SMALL_DIFFERENCES['check_finite_differences']}")
    return known


def _central_differences(f, x, step):
    """``f(x + step e_i) - f(x - step e_i)`` for every ``i``: the numerators of the central differences."""
    return np.array([f(x + e) - f(x - e) for e in np.eye(x.size) * step])


def _central_slips(f, x, eps):
    """The known slips in writing the central difference itself, as :func:`_known_mistake` takes them: the 2 of
    ``2 eps`` left out (twice the gradient), and ``/ 2 * eps``, which Python reads as ``(... / 2) * eps``."""
    differences = _central_differences(f, x, eps)
    return [(differences / eps,
             ("your values are exactly twice the gradient: the two points x + eps e_i and x - eps e_i are 2 eps "
              "apart, so divide their difference by 2 * eps, not by eps")),
            (differences / 2 * eps,
             ("your values are the difference times eps / 2: Python reads `/ 2 * eps` from left to right, as "
              "(difference / 2) * eps; write `/ (2 * eps)`"))]


def _other_steps(f, x, eps):
    """The known mistake of central differences with a step larger than the ``eps`` given (a step written into the
    function, ``1e-2``, ignoring its argument), as :func:`_known_mistake` takes it: their estimates for the usual
    steps, each with its sentence. (A much smaller step is told by the note on values that print the same: its
    rounding errors are not reproducible here.)"""
    mistakes = []
    for step in (1e-1, 5e-2, 1e-2, 5e-3, 1e-3, 5e-4, 1e-4):
        estimate = _central_differences(f, x, step) / (2 * step)
        sentence = (f"these are central differences with a step of {step:g}, not the eps given ({eps:g}): their "
                    "truncation error, O(step^2) (step^2 / 6 times the third derivative), grows with the step; use "
                    "the eps passed to your function")
        mistakes.append((estimate, sentence))
    return mistakes


def _unrestored(f, x, eps):
    """The known mistake of moving ``x[i]`` in place and never putting it back, as :func:`_known_mistake` takes it:
    the estimates of ``x[i] += eps``, then ``x[i] -= 2 * eps`` (or the other way round), each element left moved
    by ``-eps`` (``+eps``) for the elements after it."""
    sentence = ("each perturbed element must be restored: your x[i] stays moved by eps after its difference, so "
                "every later partial derivative is taken at a moved point (f's cross terms show it, as in "
                "sum(tanh(x)) ** 2, whose every partial depends on all of x); put x[i] back before the next i, "
                "or perturb a copy, x + step with step[i] = eps")
    mistakes = []
    for first in (eps, -eps):
        moved, estimate = x.copy(), np.zeros(x.size)
        for i in range(x.size):
            moved[i] += first
            here = f(moved)
            moved[i] -= 2 * first
            estimate[i] = (here - f(moved)) / (2 * first)
        mistakes.append((estimate, sentence))
    return mistakes


def _one_sided(f, x, eps):
    """The known mistake of one-sided difference quotients of ``f`` at ``x`` (forward, then backward), as
    :func:`_known_mistake` takes them: their estimates, each with its sentence."""
    steps = np.eye(x.size) * eps
    here = f(x)
    mistakes = []
    for side, quotient in (("forward", lambda e: (f(x + e) - here) / eps),
                           ("backward", lambda e: (here - f(x - e)) / eps)):
        formula = "(f(x + eps e_i) - f(x)) / eps" if side == "forward" else "(f(x) - f(x - eps e_i)) / eps"
        sentence = (f"these are one-sided ({side}) differences {formula}: their error is O(eps), about "
                    "eps * f''/2 (of the order of 1e-5 here); central differences (f(x + eps e_i) - "
                    "f(x - eps e_i)) / (2 eps) cancel that term and are off by O(eps^2) only (about 1e-10), "
                    "within the tolerance")
        mistakes.append((np.array([quotient(e) for e in steps]), sentence))
    return mistakes


class _Named:
    """A callable shown by its formula in a report."""

    def __init__(self, fn, name):
        self.fn, self.name = fn, name

    def __call__(self, *args):
        return self.fn(*args)

    def __repr__(self):
        return f"<f(x) = {self.name}>"


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
    ...     def backward(ctx, grad):
    ...         a, e = ctx.saved_tensors
    ...         return grad * e, grad * a * e
    >>> check_custom_binary_op(ScaledExp)
    True
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


@time_limited
def check_adam_step(fn, cases=20, steps=5, seed=0):
    """``fn(param, grad, m, v, iteration, learning_rate, beta_1, beta_2, epsilon)`` returns ``(param, m, v)`` after
    one step of Keras' Adam (``iteration`` counts from 1; ``m`` and ``v`` start at zeros). Compared, step after
    step, with :class:`tinygradconv.optimizers.Adam` on the same gradients: the parameter, then ``m`` and ``v``
    against the optimizer's own moments (the raw moving averages, not the bias-corrected ones).

    >>> import numpy as np
    >>> def fn(param, grad, m, v, iteration, learning_rate, beta_1, beta_2, epsilon):
    ...     m = m + (grad - m) * (1 - beta_1)
    ...     v = v + (grad * grad - v) * (1 - beta_2)
    ...     alpha = learning_rate * np.sqrt(1 - beta_2 ** iteration) / (1 - beta_1 ** iteration)
    ...     return param - alpha * m / (np.sqrt(v) + epsilon), m, v
    >>> check_adam_step(fn)
    True
    """
    fn = _answer("check_adam_step", fn)
    cases, steps, seed = _settings("check_adam_step", cases=cases, steps=steps, seed=seed)
    rng = np.random.default_rng(seed)
    for _ in range(cases):
        n = int(rng.integers(1, 5))
        lr, b1, b2 = float(rng.choice([0.001, 0.01, 0.1])), float(rng.choice([0.9, 0.5])), 0.999
        eps = 1e-7
        variable = _tensor(rng.standard_normal(n), True)
        optimizer = Adam(learning_rate=lr, beta_1=b1, beta_2=b2, epsilon=eps)
        param, m, v = variable.numpy().copy(), np.zeros(n), np.zeros(n)
        for step in range(1, steps + 1):
            grad = rng.standard_normal(n)
            inputs = {"param": param, "grad": grad, "m": m, "v": v, "iteration": step, "learning_rate": lr,
                      "beta_1": b1, "beta_2": b2, "epsilon": eps}
            variable.grad = _tensor(grad)
            optimizer.step([variable])
            received = _call("check_adam_step", fn, inputs)
            if not isinstance(received, (tuple, list)) or len(received) != 3:
                _fail("check_adam_step", inputs, variable.numpy(), received, "expected a triple (param, m, v)")
            try:
                new_param = _compare_arrays("check_adam_step", inputs, variable.numpy(), received[0], rtol=1e-6,
                                            atol=1e-9, explain=functools.partial(_adam_step_mistake, inputs=inputs))
            except AssertionError as error:
                raise AssertionError(f"{error}\n  (the new parameter, at step {step})") from None
            state = optimizer.state_of(variable)       # Keras' m and v (the optimizer's own state)
            moments = {"m": np.asarray(state["m"], dtype=np.float64), "v": np.asarray(state["v"], dtype=np.float64)}
            new = {}                                   # the student's m and v, as float64, for the next step
            for position, (which, beta) in enumerate((("m", b1), ("v", b2)), start=1):
                explain = functools.partial(_adam_moment_mistake, which, received=received, moments=moments,
                                            beta=beta, step=step, inputs=inputs)
                try:
                    new[which] = _compare_arrays("check_adam_step", inputs, moments[which], received[position],
                                                 rtol=1e-6, atol=1e-12, explain=explain)
                except AssertionError as error:
                    raise AssertionError(f"{error}\n  (the new {which}, at step {step})") from None
            param, m, v = new_param, new["m"], new["v"]
    return True


_KERAS_ADAM_STEP = ("param - alpha * m / (sqrt(v) + epsilon), with alpha = learning_rate * sqrt(1 - beta_2 ** "
                    "iteration) / (1 - beta_1 ** iteration)")


def _adam_step_mistake(got, inputs):
    """A sentence when ``got``, the new parameter of an Adam step, is a known slip (:func:`_known_mistake`):
    epsilon inside the square root (``sqrt(v_hat + epsilon)``, ``sqrt(v + epsilon)``; Keras adds it to
    ``sqrt(v)``), no bias correction at all, or the bias correction with ``iteration`` one step off."""
    param, grad, t, lr = inputs["param"], inputs["grad"], inputs["iteration"], inputs["learning_rate"]
    b1, b2, eps = inputs["beta_1"], inputs["beta_2"], inputs["epsilon"]
    m = inputs["m"] + (grad - inputs["m"]) * (1 - b1)
    v = inputs["v"] + (grad * grad - inputs["v"]) * (1 - b2)

    def alpha(iteration):
        return lr * np.sqrt(1 - b2 ** iteration) / (1 - b1 ** iteration)

    inside = ("epsilon is inside the square root: your step divides by {}; Keras adds epsilon outside it, to sqrt(v) "
              f"itself: {_KERAS_ADAM_STEP}")
    off_by_one = (f"the bias correction uses iteration {{}} at step {t}: iteration counts from 1 (the first step "
                  f"has iteration=1), and Keras' step is {_KERAS_ADAM_STEP}")
    uncorrected = ("no bias correction: the first steps of m and v are too small (they start at zeros), which Keras "
                   f"corrects in the step size: {_KERAS_ADAM_STEP}")
    mistakes = [(param - lr * (m / (1 - b1 ** t)) / np.sqrt(v / (1 - b2 ** t) + eps),
                 inside.format("sqrt(v_hat + epsilon)")),
                (param - alpha(t) * m / np.sqrt(v + eps), inside.format("sqrt(v + epsilon)")),
                (param - lr * m / (np.sqrt(v) + eps), uncorrected),
                (param - alpha(t + 1) * m / (np.sqrt(v) + eps), off_by_one.format(t + 1))]
    if t > 1:
        mistakes.append((param - alpha(t - 1) * m / (np.sqrt(v) + eps), off_by_one.format(t - 1)))
    # tight: epsilon (1e-7) inside or outside the square root moves the step by about 1e-7 of itself
    return _known_mistake(got, *mistakes, rtol=1e-9, atol=1e-12)


def _adam_moment_mistake(which, got, received, moments, beta, step, inputs):
    """The likely slip behind a wrong ``m`` or ``v`` (``got``, as float64) of an Adam step: the two swapped, or
    bias-corrected moments returned as the state, else the formula Keras uses. When the result is in a lower
    precision (float32, float16) and the difference is no more than that precision's rounding, the formula is right
    and the note is on the dtype (``None``: the generic note of :func:`_compare_arrays` gives it)."""
    def close(value, reference):
        array = _readable(value)
        if array is None or array.dtype.kind not in "biuf":   # refused anyway (complex, text), and not cast
            return False
        value = array.astype(np.float64)
        return value.shape == reference.shape and np.allclose(value, reference, rtol=1e-6, atol=1e-12)

    mine = received[1 if which == "m" else 2]
    dtype = _readable(mine).dtype                     # read already: _compare_arrays calls this once it has
    if _within_rounding(dtype, got, moments[which], which, beta, inputs):
        # the generic note of _compare_arrays when the printouts agree, the same note here when they do not
        return None if _show(np.asarray(moments[which])) == _show(mine) else _precision_note(dtype)
    if close(received[1], moments["v"]) and close(received[2], moments["m"]):
        return "m and v are swapped: return (param, m, v) in that order"
    corrected = moments[which] / (1 - beta ** step)
    letter = "1" if which == "m" else "2"
    if close(mine, corrected):
        return (f"you returned the bias-corrected {which}_hat = {which} / (1 - beta_{letter} ** iteration); the state "
                f"to return is the raw moving average {which}, the bias correction only enters the parameter's step")
    if which == "m":
        return "Keras' first moment is m <- beta_1 * m + (1 - beta_1) * grad, without bias correction"
    return "Keras' second moment is v <- beta_2 * v + (1 - beta_2) * grad ** 2, without bias correction"


def _within_rounding(dtype, got, expected, which, beta, inputs):
    """Whether a float32 (or float16) moment (``dtype``: the result's) differs from Keras' float64 one by no more
    than computing the right formula in that precision would: a few roundings of the two terms ``beta * previous``
    and ``(1 - beta) * new`` (``new`` is ``grad`` for ``m``, ``grad ** 2`` for ``v``), each element against its
    own terms' size, and of ``beta`` itself (``np.float32(0.999)``: its rounding error, relative to ``beta``, is
    a thousand times larger relative to ``1 - beta``, and moves the result by ``beta * (previous - new)`` times
    it)."""
    if not _lower_precision(dtype):
        return False
    new = inputs["grad"] if which == "m" else inputs["grad"] ** 2
    size = (np.abs(beta * inputs[which]) + np.abs((1 - beta) * new) + np.abs(expected)
            + np.abs(beta) * (np.abs(inputs[which]) + np.abs(new)))
    return bool(np.all(np.abs(got - expected) <= 1e-12 + 1e-6 * np.abs(expected) + 8 * np.finfo(dtype).eps * size))


@time_limited
def check_portable_relu(fn, cases=20, seed=0):
    """``fn(x)`` returns ``max(x, 0)`` elementwise, written with ``x.__array_namespace__()`` only, with ``x``'s
    shape and dtype. Checked on 1- and 2-dimensional float64, float32 and int64 arrays, on NumPy and
    array-api-strict arrays (when installed), against the framework's ``relu``.

    >>> def fn(x):
    ...     xp = x.__array_namespace__()
    ...     return xp.where(x > 0, x, xp.zeros_like(x))
    >>> check_portable_relu(fn)
    True
    """
    fn = _answer("check_portable_relu", fn)
    cases, seed = _settings("check_portable_relu", cases=cases, seed=seed)
    names = ["numpy"]
    try:
        get_backend("array_api_strict")
        names.append("array_api_strict")
    except (ImportError, ValueError):  # pragma: no cover - array-api-strict is a dev dependency
        pass
    rng = np.random.default_rng(seed)
    for case in range(cases):
        dtype = ("float64", "float32", "int64")[case % 3]
        shape = (int(rng.integers(1, 2 + case // 4)),) if case < cases // 2 else tuple(rng.integers(1, 4, 2))
        if dtype == "int64":
            values = rng.integers(-5, 6, shape).astype(np.float64)
        else:                                           # values that float32 holds exactly
            values = rng.standard_normal(shape).astype(dtype).astype(np.float64)
        if case == 0:
            values = np.array([-1.0, 0.0, 2.0, -0.0])
        # + 0.0 turns -0.0 into +0.0 (IEEE 754: -0.0 + 0.0 = +0.0): relu(-0.0) may keep the sign, xp.where(x > 0, x,
        # zeros) does not, and the comparison below cannot tell them apart (-0.0 == 0.0): the report shows +0.0
        expected = _tensor(values).relu().numpy() + 0.0
        for name in names:
            backend = get_backend(name)
            array = backend.asarray(values, dtype=dtype, copy=True)
            inputs = {"x": values.astype(dtype), "dtype": dtype, "backend": name}
            result = _call("check_portable_relu", lambda x, dtype, backend, array=array: fn(array), inputs)
            received = _same_namespace("check_portable_relu", inputs, array, result, backend, expected)
            if getattr(received, "dtype", None) != np.dtype(dtype):
                _fail("check_portable_relu", inputs, expected.astype(dtype), received,
                      _relu_dtype_note(dtype, received))
            # exact: max(x, 0) only selects values, so every correct way of writing it (where, maximum, clip,
            # and for floats (x + |x|) / 2 or x * (x > 0)) returns them unchanged, in x's dtype (checked above);
            # any tolerance would only let a leaky ReLU with a tiny slope through
            _compare_arrays("check_portable_relu", inputs, expected, received, rtol=0.0, atol=0.0)
    return True


def _relu_dtype_note(dtype, received):
    """What changed the dtype of a ReLU's result (``dtype``: the input's) to ``received``'s."""
    got = getattr(received, "dtype", type(received))
    note = (f"the dtype changed: x is {dtype}, your result is {got}; max(x, 0) only selects values, so the "
            f"result keeps x's dtype")
    kind = np.dtype(got).kind if isinstance(got, np.dtype) else ""
    if dtype.startswith("int") and kind == "f":
        note += ("\n  a division (/ 2) or a float constant (0.0) turns integers into floats: choose the values "
                 "instead, xp.where(x > 0, x, xp.zeros_like(x))")
    elif kind == "b" or (kind in ("i", "u") and not dtype.startswith("int")):
        note += ("\n  is this the mask x > 0 (True/False), or the mask as numbers? Use it to choose the values: "
                 "xp.where(x > 0, x, xp.zeros_like(x))")
    elif kind == "f":
        note += ("\n  make the zeros with xp.zeros_like(x), which keeps x's dtype; xp.zeros(shape) without dtype= "
                 "is float64, and so is a conversion to float64")
    return note


@time_limited
def check_resize_overlap(fn, seed=0):
    """``fn(input_length, size, kernel_size)`` returns how many paths reach each output step of
    ``UpSampling1D(size)`` followed by ``Conv1D(kernel_size, padding="same")`` (all-ones kernel). Compared with
    :func:`tinygradconv.viz.overlap_counts` on that model.

    ``seed`` is not used (every case is checked, none is drawn at random): it keeps the signature the other
    checkers have.

    >>> import numpy as np
    >>> def fn(input_length, size, kernel_size):
    ...     n = input_length * size
    ...     left = (kernel_size - 1) // 2
    ...     return np.array([sum(1 for t in range(kernel_size) if 0 <= i + t - left < n) for i in range(n)])
    >>> check_resize_overlap(fn)
    True
    """
    fn = _answer("check_resize_overlap", fn)
    _settings("check_resize_overlap", seed=seed)
    for length, size, k in itertools.product(range(1, 6), range(1, 4), range(1, 6)):
        inputs = {"input_length": length, "size": size, "kernel_size": k}
        model = Sequential([UpSampling1D(size), Conv1D(1, k, padding="same")])
        expected = overlap_counts(model, length)
        received = _call("check_resize_overlap", fn, inputs)
        _compare_arrays("check_resize_overlap", inputs, expected, received, integer=True,
                        explain=functools.partial(_resize_overlap_mistake, inputs=inputs, received=received,
                                                  expected=expected))
    return True


def _resize_overlap_mistake(got, inputs, received, expected):
    """A sentence when ``got`` is 1 wherever ``expected`` counts at least one path (each step marked reached, not
    counted): a bool array (NumPy reads True as 1), or numbers (``any(...)`` made an int, ``= 1`` in the loop over
    the taps); or when ``got`` are the counts of a "same" padding with the larger half on the left (``left =
    kernel_size // 2``): with an even kernel Keras puts the smaller half there."""
    n, k = inputs["input_length"] * inputs["size"], inputs["kernel_size"]
    count = ("add 1 for each kernel tap t whose input step i + t - left (left = (kernel_size - 1) // 2) lies inside "
             "the upsampled sequence, 0 <= i + t - left < n")
    if got.shape == expected.shape and np.array_equal(got, np.asarray(expected) > 0):
        if getattr(_readable(received), "dtype", np.dtype(float)).kind == "b":
            return _bool_counts(count)
        return ("your counts are 1 wherever a step is reached at all: each step was marked reached (any(...) turned "
                "into a number, .astype(int) of a bool array, or `= 1` in the loop over the taps), not counted; a "
                f"step's count is the number of taps that reach it: {count}, sum(...) rather than any(...), `+= 1` "
                "rather than `= 1`")
    larger_left = [sum(1 for t in range(k) if 0 <= i + t - k // 2 < n) for i in range(n)]
    if k % 2 or got.shape != (n,) or not np.array_equal(got, larger_left):
        return None
    return ('with an even kernel_size, "same" cannot pad both ends equally: Keras, like TensorFlow, puts the '
            f"smaller half on the left, left = (kernel_size - 1) // 2 = {(k - 1) // 2} zero(s), and the larger half, "
            f"kernel_size // 2 = {k // 2}, on the right; your counts are those of left = kernel_size // 2")


@time_limited
def check_conv1d_kernel_gradient(fn, cases=60, seed=0):
    """``fn(x, g, kernel_size, strides)`` returns ``dL/dw`` (shape ``(kernel_size,)``) for ``y = conv1d(x, w,
    strides)`` (``padding="valid"``, one channel) given ``g = dL/dy``. Compared with ``backward()``.

    >>> import numpy as np
    >>> def fn(x, g, kernel_size, strides):
    ...     return np.array([sum(g[n] * x[n * strides + t] for n in range(len(g))) for t in range(kernel_size)])
    >>> check_conv1d_kernel_gradient(fn)
    True
    """
    fn = _answer("check_conv1d_kernel_gradient", fn)
    cases, seed = _settings("check_conv1d_kernel_gradient", cases=cases, seed=seed)
    rng = np.random.default_rng(seed)
    for case in range(cases):
        k, s = int(rng.integers(1, min(5, 2 + case // 8))), int(rng.integers(1, 4))
        x = rng.standard_normal(int(rng.integers(k, k + 2 + case // 6)))
        w = _tensor(rng.standard_normal((k, 1, 1)), True)
        y = conv1d(_tensor(x.reshape(1, -1, 1)), w, strides=s)
        g = rng.standard_normal(y.shape[1])
        y.backward(_tensor(g.reshape(1, -1, 1)))
        inputs = {"x": x, "g": g, "kernel_size": k, "strides": s}
        expected = w.grad.numpy().ravel()
        # the stride left out: g[n] paired with x[n + t], the windows read 1 step apart (a loop from the formula)
        unstrided = np.array([sum(g[n] * x[n + t] for n in range(len(g))) for t in range(k)])
        no_stride = (f"the stride is missing: your dL/dw pairs g[n] with x[n + t], as if strides were 1; with "
                     f"strides={s} output step n read x[n * strides + t] in the forward pass, so dL/dw[t] = sum_n "
                     "g[n] * x[n * strides + t]")
        _compare_arrays("check_conv1d_kernel_gradient", inputs, expected,
                        _call("check_conv1d_kernel_gradient", fn, inputs),
                        explain=lambda got, mistakes=((expected[::-1], _REVERSED_TAPS), (unstrided, no_stride)):
                        _known_mistake(got, *mistakes))
    return True


_REVERSED_TAPS = ("your result is the kernel gradient reversed along the taps: did you flip? dL/dw[t] pairs each g[n] "
                  "with the input step that w[t] multiplied in the forward pass, n * strides + t, for t = 0 .. k - 1 "
                  "in order: no reversal (the forward pass is a cross-correlation, not a true convolution)")
