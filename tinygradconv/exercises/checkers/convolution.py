"""The checkers of tutorial 02, convolution arithmetic: the ``Conv1D`` output length, and ``conv1d`` by hand."""
from __future__ import annotations

import functools
import itertools
import re

import numpy as np

from ..reports import (
    _answer,
    _array_error,
    _as_whole,
    _call,
    _check_int,
    _compare_arrays,
    _settings,
    time_limited,
)
from .common import (
    _call_with_strides,
    _conv1d,
    _extra_axis,
    _follows,
    _follows_on,
    _known_mistake,
    _missing_tap,
    _on_larger,
    _without_last_tap,
)
from .own_work import _own_work

__all__ = ["check_conv1d", "check_conv_output_length"]


@time_limited
def check_conv_output_length(fn, seed=0):
    """``fn(input_length, kernel_size, strides, padding, dilation_rate)`` returns the ``Conv1D`` output length.

    ``padding`` is ``"valid"``, ``"same"`` or ``"causal"``. Checked on every small case against the op's output:
    first the cases where the dilated kernel fits in the input, then those where it is longer than the input
    (``"valid"`` only), whose output is empty: length 0.

    ``seed`` is not used (every case is checked, none is drawn at random): it keeps the signature the other
    checkers have.

    >>> def fn(input_length, kernel_size, strides, padding, dilation_rate):   # a first guess: strides=1, valid
    ...     return input_length - kernel_size + 1
    >>> check_conv_output_length(fn)   # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: check_conv_output_length: your function disagrees with the framework on this case.
    ...
    """
    fn = _own_work("check_conv_output_length", _answer("check_conv_output_length", fn))
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
        value = _as_whole(received)
        note = "" if value is None or value == expected else _conv_length_mistake(fn, inputs, value, cases)
        _check_int("check_conv_output_length", inputs, expected, received, note)
    return True



def _conv_length_mistake(fn, inputs, received, cases):
    """The likely slip behind a wrong ``Conv1D`` length ``received`` on ``inputs``: a negative length, the ``+ 1`` of
    the ``"valid"`` length left out or put inside the division, ``int()``
    (which truncates towards zero) where ``//`` floors, ``floor`` where "same" and "causal" take ``ceil``, the stride
    or the dilation left out (or the span taken as ``k * d``), the stride left out of a padded length (``L``), or
    the right length plus or minus 1 on every case (an off-by-one all branches share).
    A slip is named when ``fn`` gives that slip's length here and on every case where it differs from the right one
    (``cases``: ``(inputs, length)`` pairs); else ``""``."""
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

    windows = max(0, (length - span) // s + 1)
    slips = (
        (valid_only(lambda L, k_eff, k, s: max(0, (L - k_eff) // s)),
         (f'the + 1 is missing from your "valid" length: (L - k_eff) // s = ({length} - {span}) // {s} = '
          f"{(length - span) // s} counts the strides from the first window's start to the last one's, and the "
          f"windows are one more than the strides between them: {windows} here (the first window alone, at step 0, "
          "is one)")),
        (valid_only(lambda L, k_eff, k, s: max(0, (L - k_eff + 1) // s)),
         (f'the + 1 of your "valid" length is inside the division: (L - k_eff + 1) // s = ({length} - {span} + 1) '
          f"// {s} = {(length - span + 1) // s}; the windows are the strides between the first and the last "
          f"window, (L - k_eff) // s, plus 1 for the first window: the + 1 goes after the //, {windows} here (the "
          "two agree only when strides=1)")),
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
        (lambda case: (max(0, (case["input_length"] - case["kernel_size"] * case["dilation_rate"]) // case["strides"]
                              + 1) if case["padding"] == "valid" else right[tuple(case.values())]),
         (f"the dilated kernel spans k_eff = (k - 1) * d + 1 = ({inputs['kernel_size']} - 1) * "
          f"{inputs['dilation_rate']} + 1 = {span} step{'' if span == 1 else 's'}, not k * d = "
          f"{inputs['kernel_size'] * inputs['dilation_rate']}: its k taps are d steps apart, so k - 1 gaps of d "
          "steps lie between the first tap and the last, plus the first tap's own step")),
        *((lambda case, paddings=paddings: (case["input_length"] if case["padding"] in paddings
                                            else right[tuple(case.values())]),
           (f'the stride is missing from your padded length: padding="{padding}" pads so that the windows cover '
            f"every input step, and they still start strides steps apart: ceil(L / s) = ceil({length} / {s}) = "
            f"{-(-length // s)} windows, not L = {length}"))
          for paddings in (("same", "causal"), ("causal",), ("same",))),
        (lambda case: (case["input_length"] // case["strides"] if case["padding"] != "valid"
                       else right[tuple(case.values())]),
         (f'padding="{padding}" keeps a last, partial window: the output has ceil(L / s) = ceil({length} / {s}) = '
          f"{-(-length // s)} steps, not floor(L / s) = {length // s} (in integers, (L + s - 1) // s, or "
          "math.ceil(L / s))")),
    )
    shift = received - right[tuple(inputs.values())]
    if shift in (1, -1) and _follows(fn, lambda case: right[tuple(case.values())] + shift, cases):
        more = "more" if shift == 1 else "fewer"
        return (f"your length is 1 step {more} than the framework's on every one of the {len(cases)} cases checked, "
                'in every branch ("valid", "same", "causal", with and without dilation): an off-by-one that all '
                "your formulas share; count the steps on the smallest case by hand: one input step (input_length=1) "
                "and one tap (kernel_size=1) with strides=1 make an output of 1 step")
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
    >>> def fn(x, w, strides):                # a first guess: NumPy's convolution
    ...     return np.convolve(x, w, mode="valid")
    >>> check_conv1d(fn)   # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: check_conv1d: your function disagrees with the framework on this case.
    ...
    """
    fn = _own_work("check_conv1d", _answer("check_conv1d", fn))
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
        received = _call("check_conv1d", fn, inputs, functools.partial(_conv1d_error, inputs=inputs),
                         slices=True)
        short = _conv1d(inputs["x"], _without_last_tap(inputs["w"]), inputs["strides"])
        _compare_arrays("check_conv1d", inputs, expected, received,
                        explain=lambda got, flipped=flipped, unstrided=unstrided[:expected.size], note=no_stride,
                        short=short:
                        _missing_tap(got, short, lambda: _follows_on(fn, _call_with_strides, _conv1d_without_last_tap))
                        or _known_mistake(got, (flipped, _FLIPPED_KERNEL), (unstrided, note)),
                        explain_shape=lambda got, unstrided=unstrided, note=no_stride, expected=expected,
                        s=inputs["strides"]:
                        _known_mistake(got, (unstrided, note))
                        or _window_starts_as_output_steps(got, expected, s, lambda: _writes_at_window_starts(fn))
                        or _extra_axis(got, expected, lambda: _on_larger(fn, _call_with_strides, _conv1d)))
    return True


def _conv1d_without_last_tap(x, w, strides):
    return _conv1d(x, _without_last_tap(w), strides)




def _conv1d_error(exc, inputs):
    """A sentence when ``exc``, raised by a convolution written by hand, is a window read past the end of ``x``: an
    index out of range in ``x``, or a window cut short (a dot product or a sum of two lengths); else ``None``."""
    kind, size = _array_error(exc)
    length, k, s = len(inputs["x"]), len(inputs["w"]), inputs["strides"]
    windows = (length - k) // s + 1
    if kind == "index" and size == windows and s > 1:
        found = re.search(r"index (\d+) is out of bounds", str(exc))
        start = int(found.group(1)) if found else -1
        if start % s == 0 and windows <= start <= length - k:
            return (f"y has one value per window, (L - k) // strides + 1 = ({length} - {k}) // {s} + 1 = {windows}, "
                    f"and index {start} is past its end: {start} is where a window starts in x (a multiple of "
                    f"strides, up to L - k = {length - k}), not an output step. "
                    + _INPUT_INDEX_AS_OUTPUT_STEP)
    if not (kind in ("matmul", "broadcast") or (kind == "index" and size == length)):
        return None
    return (f"x holds (L - k) // strides + 1 = ({length} - {k}) // {s} + 1 = {windows} window"
            f"{'' if windows == 1 else 's'} of k = {k} step{'' if k == 1 else 's'}, strides apart: a loop over "
            "more (range(len(x)), or len(x) // strides) reaches windows that run past the end of x, out of range "
            "or cut short (NumPy clips slices silently, and the short window no longer matches w); make the loop "
            "count exactly the windows that fit, from len(x), len(w) and strides")



#: How to step over the windows, for the two hints on a loop ``for i in range(0, n, strides)`` that writes ``y[i]``.
_INPUT_INDEX_AS_OUTPUT_STEP = (
    "Did your loop step i by strides over x (for i in range(0, n, strides)) and write y[i]? Then i is the "
    "window's start in x, used as the output index: output step n is the window starting at x[n * strides], "
    "so write y[i // strides], or loop over the output steps, for n in range(len(y)), reading "
    "x[n * strides: n * strides + len(w)]")


def _window_starts_as_output_steps(got, expected, strides, follows):
    """The hint for a convolution whose window ``n`` lands at index ``n * strides`` of a result too long, zeros
    between and after (:func:`_at_window_starts`), when ``follows()`` says the answer does so on larger cases too;
    else ``None``."""
    if not _at_window_starts(got, expected, strides) or not follows():
        return None
    return (f"your result has window n's value at index n * strides, zeros between: {got.size} values where there "
            f"is one per window ({expected.size} here). " + _INPUT_INDEX_AS_OUTPUT_STEP)


def _at_window_starts(got, expected, strides):
    """Whether ``got`` holds ``expected[n]`` at index ``n * strides`` and zeros everywhere else, longer than
    ``expected``: what a loop ``for i in range(0, n, strides)`` writing ``y[i]`` gives (the window's start in ``x``
    used as the output index), into a ``y`` as long as the unstrided output, ``len(x) - len(w) + 1``, or longer."""
    if strides == 1 or got.ndim != 1 or got.size <= expected.size:
        return False
    starts = np.arange(expected.size) * strides
    if got.size <= starts[-1]:
        return False
    return bool(np.allclose(got[starts], expected, rtol=1e-7, atol=1e-9) and np.all(np.delete(got, starts) == 0))


def _writes_at_window_starts(fn):
    """Whether ``fn`` puts window ``n`` at index ``n * strides`` (:func:`_at_window_starts`) on two larger fixed
    cases too, with two windows or more: on a case of one window a result of the right value followed by zeros is
    what other mistakes give (a ``y`` as long as the unstrided output, filled in order)."""
    rng = np.random.default_rng(6)
    for n_values, k, strides in ((6, 3, 2), (9, 2, 3)):
        x, w = rng.standard_normal(n_values), rng.standard_normal(k)
        try:
            got = np.asarray(_call_with_strides(fn, x.copy(), w.copy(), strides), dtype=np.float64)
        except Exception:  # noqa: BLE001 - the student's function failing there: not this mistake alone
            return False
        if not _at_window_starts(got, _conv1d(x, w, strides), strides):
            return False
    return True


def _gather_without_stride(strides):
    """The sentence for a convolution whose windows start 1 step apart (``x[n: n + k]``) where ``strides`` apart
    was asked."""
    return (f"the stride is missing: your windows start 1 step apart, as if strides were 1; with strides={strides} "
            f"each output step reads the window starting {strides} steps after the one before, and fewer windows "
            "fit")



_FLIPPED_KERNEL = ("did you flip the kernel? This is the true convolution (as np.convolve computes it); Keras' Conv1D "
                   "computes a cross-correlation, y[n] = sum_t x[n * strides + t] * w[t], with w as given")
