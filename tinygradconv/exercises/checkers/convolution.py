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
    _failing_subscript,
    _settings,
    time_limited,
)
from .common import (
    _call_with_strides,
    _conv1d,
    _extra_axis,
    _float_array,
    _follows,
    _follows_on,
    _known_mistake,
    _missing_tap,
    _on_fixed_cases,
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
    the right length plus or minus 1 on every case (an off-by-one all branches share); for ``"causal"``, first,
    the ``"valid"`` length (:func:`_causal_as_valid`).
    A slip is named when ``fn`` gives that slip's length here and on every case where it differs from the right one
    (``cases``: ``(inputs, length)`` pairs); else ``""``."""
    length, s, padding = inputs["input_length"], inputs["strides"], inputs["padding"]
    span = (inputs["kernel_size"] - 1) * inputs["dilation_rate"] + 1
    right = {tuple(case.values()): expected for case, expected in cases}     # each case's right length
    if padding == "causal":
        causal = _causal_as_valid(fn, inputs, received, cases, right)
        if causal:
            return causal
    if span > length and received < 0 and padding == "valid":
        return (f"a length cannot be negative: the dilated kernel spans k_eff = (k - 1) d + 1 = {span} steps, more "
                f"than the input's {length}, so no window fits and the output is empty (length 0); the formula "
                "floor((L - k_eff) / s) + 1 counts the windows only when the kernel fits: clamp it, max(0, ...)")

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


def _causal_as_valid(fn, inputs, received, cases, right):
    """The hint for ``padding="causal"`` given the ``"valid"`` length, ``(L - k_eff) // s + 1`` (clamped at 0 or
    not), when ``fn`` does so on every causal case where that differs (``right``: each case's length, by the
    case's values); else ``""``. Keras' causal padding puts k_eff - 1 zeros before the input, none after: the
    output is as long as "same"'s, ceil(L / s)."""
    length, s = inputs["input_length"], inputs["strides"]
    span = (inputs["kernel_size"] - 1) * inputs["dilation_rate"] + 1

    def as_valid(clamped):
        def slip(case):
            if case["padding"] != "causal":
                return right[tuple(case.values())]
            windows = (case["input_length"] - (case["kernel_size"] - 1) * case["dilation_rate"] - 1) \
                // case["strides"] + 1
            return max(0, windows) if clamped else windows
        return slip

    if not any(received == as_valid(clamped)(inputs) and _follows(fn, as_valid(clamped), cases)
               for clamped in (True, False)):
        return ""
    return (f'your padding="causal" length, {received} here, is the "valid" one: the windows of k_eff = {span} '
            f"steps that fit in the input's {length}, floor((L - k_eff) / s) + 1; causal padding adds k_eff - 1 = "
            f"{span - 1} zero"
            f"{'' if span == 2 else 's'} before the input and none after (so that no output step reads a later "
            "input step): on the padded input's L + k_eff - 1 steps, floor((L - 1) / s) + 1 = ceil(L / s) windows "
            f'fit, as many as "same" gives: ceil({length} / {s}) = {-(-length // s)}')


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
        no_stride = _gather_without_stride(inputs["strides"], expected.size, unstrided.size)
        stride_only = _gather_without_stride(inputs["strides"], expected.size)
        received = _call("check_conv1d", fn, inputs, functools.partial(_conv1d_error, inputs=inputs, fn=fn),
                         slices=True)
        short = _conv1d(inputs["x"], _without_last_tap(inputs["w"]), inputs["strides"])
        _compare_arrays("check_conv1d", inputs, expected, received,
                        explain=lambda got, flipped=flipped, unstrided=unstrided[:expected.size], note=stride_only,
                        short=short, expected=expected, s=inputs["strides"]:
                        _missing_tap(got, short, lambda: _follows_on(fn, _call_with_strides, _conv1d_without_last_tap))
                        or _known_mistake(got, (flipped, _FLIPPED_KERNEL), (unstrided, note))
                        or _output_steps_skipped(got, expected, s, fn),
                        explain_shape=lambda got, unstrided=unstrided, note=no_stride, expected=expected,
                        s=inputs["strides"], inputs=inputs:
                        _known_mistake(got, (unstrided, note))
                        or _window_starts_as_output_steps(got, expected, s, lambda: _writes_at_window_starts(fn))
                        or _window_starts_stopped_short(got, expected, s, fn)
                        or _last_window_missing(got, expected, inputs, fn)
                        or _extra_axis(got, expected, lambda: _on_larger(fn, _call_with_strides, _conv1d)))
    return True


def _conv1d_without_last_tap(x, w, strides):
    return _conv1d(x, _without_last_tap(w), strides)




def _conv1d_error(exc, inputs, fn):
    """A sentence when ``exc``, raised by ``fn``, a convolution written by hand, is a write past the end of ``y``
    (:func:`_written_past_the_end`), or a window read past the end of ``x``: an index out of range in ``x``, or a
    window cut short (a dot product or a sum of two lengths); else ``None``."""
    kind, size = _array_error(exc)
    length, k, s = len(inputs["x"]), len(inputs["w"]), inputs["strides"]
    windows = (length - k) // s + 1
    if kind == "index":
        hint = _written_past_the_end(exc, inputs, fn)
        if hint is not None:
            return hint
    if not (kind in ("matmul", "broadcast") or (kind == "index" and size == length)):
        return None
    return (f"x holds (L - k) // strides + 1 = ({length} - {k}) // {s} + 1 = {windows} window"
            f"{'' if windows == 1 else 's'} of k = {k} step{'' if k == 1 else 's'}, strides apart: a loop over "
            "more (range(len(x)), or len(x) // strides) reaches windows that run past the end of x, out of range "
            "or cut short (NumPy clips slices silently, and the short window no longer matches w); make the loop "
            "count exactly the windows that fit, from len(x), len(w) and strides")


def _written_past_the_end(exc, inputs, fn):
    """The hint for an ``IndexError`` raised writing past the end of ``y``, a list or an array as long as the
    output (:func:`_y_when_written_past`), by what ``y`` held then: window ``n``'s value at index ``n * strides``
    (a loop over the window starts in ``x`` writing ``y[i]``), when ``fn`` does the same on larger cases
    (:func:`_writes_past_at_window_starts`: on a small case other mistakes give what it gives); or every value of
    ``y`` right (a loop over more output steps than ``y`` has); else ``None``."""
    x, w, s = inputs["x"], inputs["w"], inputs["strides"]
    expected = _conv1d(x, w, s)
    filled = _y_when_written_past(exc, expected.size)
    if filled is None:
        return None
    length, k, windows = len(x), len(w), expected.size
    start = s * -(-windows // s)            # the first window start in x past y's end: where that loop fails
    index = _index_in_message(exc)
    if (s > 1 and index in (None, start) and start <= length - k and _window_starts_so_far(filled, expected, s)
            and _writes_past_at_window_starts(fn)):
        return (f"y has one value per window, (L - k) // strides + 1 = ({length} - {k}) // {s} + 1 = {windows}, "
                f"and your loop writes y[{start}], past its end: {start} is where a window starts in x (a multiple "
                f"of strides, up to L - k = {length - k}), not an output step. " + _INPUT_INDEX_AS_OUTPUT_STEP)
    if np.allclose(filled, expected, rtol=1e-7, atol=1e-9):
        stride_one = (" (range(len(x) - len(w) + 1), say, counts the windows 1 step apart, as if strides were 1)"
                      if s > 1 else "")
        filled_all = "y's one value, the right one," if windows == 1 else f"y's {windows} values, each the right one,"
        return (f"your loop fills {filled_all} and then goes on to write past y's end: it runs over more output "
                f"steps than there are windows{stride_one}; "
                f"y has one value per window, (L - k) // strides + 1 = ({length} - {k}) // {s} + 1 = {windows}: "
                "loop over the output steps, for n in range(len(y)), reading x[n * strides: n * strides + len(w)]")
    return None


def _y_when_written_past(exc, size):
    """What the list or array ``y`` held when ``exc`` was raised writing past its end (``y[i] = ...`` with ``i >=
    len(y)``; read from the student's frame, :func:`_failing_subscript`), as float64, when ``y`` has ``size`` values
    (the output's length); else ``None``."""
    indexed = _failing_subscript(exc)
    if indexed is None or not indexed[2] or len(indexed[1]) != size:
        return None
    try:
        filled = np.asarray(indexed[1], dtype=np.float64)
    except (TypeError, ValueError):         # a list of arrays, or of something else: not a y being filled
        return None
    return filled if filled.shape == (size,) else None


def _index_in_message(exc):
    """The index NumPy's ``IndexError`` names (``index 4 is out of bounds ...``), or ``None`` (a list's ``list
    assignment index out of range`` names none)."""
    found = re.search(r"index (-?\d+) is out of bounds", str(exc))
    return int(found.group(1)) if found else None


def _window_starts_so_far(filled, expected, strides):
    """Whether ``filled`` (``y`` when a write past its end raised) holds window ``n``'s value at index ``n *
    strides`` for every such index inside ``y``: what a loop over the window starts in ``x`` writing ``y[i]`` has
    written before ``i`` passes the end (the steps between are as ``y`` was made: zeros, or ``np.empty``'s
    leftovers)."""
    starts = np.arange(0, filled.size, strides)
    return bool(np.allclose(filled[starts], expected[:starts.size], rtol=1e-7, atol=1e-9))


#: Larger cases ``(len(x), len(w), strides)`` on which a hint on the loop's steps is confirmed: more windows than
#: strides, and a count of windows that is not a multiple of strides (so that a loop over the window starts fails
#: at another index than a loop over one output step too many, and ceil(windows / strides) is not windows - 1).
_LOOP_CASES = ((11, 2, 3), (12, 3, 2))


def _on_loop_cases(fn):
    """``(x, w, strides, fn's result or the exception it raised)`` on each of :data:`_LOOP_CASES`."""
    return _on_fixed_cases(fn, _call_with_strides, _LOOP_CASES, seed=7)


def _shown_on_loop_cases(shows, got, expected, strides, fn):
    """Whether ``shows(got, expected, strides)`` (a test of one mistake in the loop's steps) is true, and true of
    ``fn``'s result on each of :data:`_LOOP_CASES` too."""
    return shows(got, expected, strides) and all(
        not isinstance(result, Exception) and shows(np.asarray(result, dtype=np.float64), _conv1d(x, w, s), s)
        for x, w, s, result in _on_loop_cases(fn))


def _writes_past_at_window_starts(fn):
    """Whether ``fn`` raises on every one of :data:`_LOOP_CASES` as a loop over the window starts in ``x`` writing
    ``y[i]`` does: an ``IndexError`` writing past the end of a ``y`` of one value per window
    (:func:`_y_when_written_past`), at the first window start past that end where NumPy names the index, with
    window ``n``'s value at index ``n * strides`` before it (:func:`_window_starts_so_far`)."""
    for x, w, strides, result in _on_loop_cases(fn):
        expected = _conv1d(x, w, strides)
        if not isinstance(result, IndexError):
            return False
        filled = _y_when_written_past(result, expected.size)
        start = strides * -(-expected.size // strides)
        if (filled is None or _index_in_message(result) not in (None, start)
                or not _window_starts_so_far(filled, expected, strides)):
            return False
    return True


def _output_steps_skipped(got, expected, strides, fn):
    """The hint for a result of the right length with the right value at every ``strides``-th output step and zeros
    between (a loop ``for i in range(0, len(y), strides)`` writing ``y[i]`` from ``x[i * strides: ...]``), when
    ``fn`` gives the same on :data:`_LOOP_CASES`; else ``None``."""
    if not _shown_on_loop_cases(_every_strides_th_step, got, expected, strides, fn):
        return None
    return (f"your result has the right value at every strides-th output step, n = 0, {strides}, "
            f"{2 * strides}, ..., and zeros between: your loop steps the output index by strides (for i in "
            "range(0, len(y), strides)); the output steps follow one another, one per window, n = 0, 1, 2, ...: loop "
            "for n in range(len(y)), reading the window x[n * strides: n * strides + len(w)] (the stride is in "
            "where each window starts in x, not in the step from one output to the next)")


def _every_strides_th_step(got, expected, strides):
    """Whether ``got``, of ``expected``'s shape, equals it at every ``strides``-th step and is zero between, where
    ``expected`` is not."""
    if strides == 1 or got.shape != expected.shape or got.ndim != 1:
        return False
    between = np.delete(np.arange(got.size), np.s_[::strides])
    return bool(between.size and np.any(expected[between] != 0) and np.all(got[between] == 0)
                and np.allclose(got[::strides], expected[::strides], rtol=1e-7, atol=1e-9))


def _window_starts_stopped_short(got, expected, strides, fn):
    """The hint for a result of the first ``ceil(windows / strides)`` values, each right: the window starts in ``x``
    stepped by strides (``for i in range(0, n, strides)``, reading ``x[i: i + k]``) up to the output's length, not
    to the last start, ``L - k``; when ``fn`` gives the same on :data:`_LOOP_CASES`; else ``None``."""
    if not _shown_on_loop_cases(_first_of_each_strides, got, expected, strides, fn):
        return None
    windows = expected.size
    return (f"your result holds only the first {got.size} of the {windows} values, each right: {got.size} = "
            f"ceil({windows} / {strides}) is how many steps a loop for i in range(0, {windows}, strides) makes. "
            "Over the window starts in x, i steps by strides, and its range runs to the last start, L - k "
            "(range(0, len(x) - len(w) + 1, strides)), not to the number of output steps; or loop over the output "
            "steps, for n in range(len(y)), reading x[n * strides: n * strides + len(w)]")


def _first_of_each_strides(got, expected, strides):
    """Whether ``got`` is the first ``ceil(len(expected) / strides)`` values of ``expected``, fewer than all."""
    size = -(-expected.size // strides)
    return bool(strides > 1 and got.ndim == 1 and got.size == size < expected.size
                and np.allclose(got, expected[:size], rtol=1e-7, atol=1e-9))



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
    for x, w, strides, result in _on_fixed_cases(fn, _call_with_strides, ((6, 3, 2), (9, 2, 3)), seed=6):
        got = _float_array(result)
        if got is None or not _at_window_starts(got, _conv1d(x, w, strides), strides):
            return False        # (failing there: not this mistake alone)
    return True


def _gather_without_stride(strides, windows, made=None):
    """The sentence for a convolution whose windows start 1 step apart (``x[n: n + k]``) where ``strides`` apart
    was asked: ``windows`` of them fit; ``made``, the count of a result with every window 1 step apart (``L - k +
    1``), or ``None`` where the result has the right count (only where each window starts is wrong)."""
    start = (f"the stride is missing: your windows start 1 step apart, as if strides were 1; with strides={strides} "
             f"each output step reads the window starting {strides} steps after the one before (output step n: "
             "x[n * strides: n * strides + k])")
    if made is None:
        return (f"{start}. Your count of windows is right ({windows}): only where each one starts is wrong")
    return (f"{start}, so fewer windows fit: (L - k) // strides + 1 = {windows}, where your result has "
            f"{made}, one per step (L - k + 1)")


def _last_window_missing(got, expected, inputs, fn):
    """The hint for a result of the first ``windows - 1`` values, each right: the count of windows without its
    ``+ 1``, ``(L - k) // strides``, when ``fn`` gives the same on larger cases (:func:`_follows_on`); else
    ``None``."""
    windows = expected.size
    if got.ndim != 1 or got.size != windows - 1 or not np.allclose(got, expected[:-1], rtol=1e-7, atol=1e-9):
        return None
    if not _follows_on(fn, _call_with_strides, lambda x, w, s: _conv1d(x, w, s)[:-1]):
        return None
    length, k, s = len(inputs["x"]), len(inputs["w"]), inputs["strides"]
    held = ("it is empty" if got.size == 0 else
            f"{got.size} value{'' if got.size == 1 else 's'}, {'right' if got.size == 1 else 'each right'}")
    fit = f"{windows} window{' fits' if windows == 1 else 's fit'}"
    return (f"your result stops one window short: {held}, where {fit} in x (k = {k} step{'' if k == 1 else 's'} "
            f"each, strides={s}). "
            f"(L - k) // strides = ({length} - {k}) // {s} = {(length - k) // s} counts the strides from the first "
            "window's start to the last one's; the windows are one more than that, (L - k) // strides + 1 (the "
            "first window, at x[0], is one)")



_FLIPPED_KERNEL = ("did you flip the kernel? This is the true convolution (as np.convolve computes it); Keras' Conv1D "
                   "computes a cross-correlation, y[n] = sum_t x[n * strides + t] * w[t], with w as given")
