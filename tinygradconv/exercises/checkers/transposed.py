"""The checkers of tutorial 03, the transposed convolution: the ``Conv1DTranspose`` output length, and
``conv1d_transpose`` by hand."""
from __future__ import annotations

import functools
import itertools

import numpy as np

from ..reports import (
    _answer,
    _as_whole,
    _call,
    _check_int,
    _compare_arrays,
    _failing_index_is_computed,
    _settings,
    time_limited,
)
from .common import (
    _agrees,
    _call_with_strides,
    _conv1d_transpose,
    _extra_axis,
    _follows,
    _full_length,
    _full_scatter,
    _gathers,
    _index_range,
    _negative_index,
    _on_fixed_cases,
    _on_larger,
    _right_within_range,
    _scatter_error,
    _scatter_mistakes,
    _scatter_slips,
)
from .own_work import _own_work

__all__ = ["check_conv1d_transpose", "check_output_length"]


@time_limited
def check_output_length(fn, seed=0):
    """``fn(input_length, kernel_size, strides, padding, output_padding, dilation_rate)`` returns the
    ``Conv1DTranspose`` output length (Keras 3), ``padding`` ``"valid"`` or ``"same"``, ``output_padding`` ``None``
    or an integer below ``strides``. Checked on every small case against the op's output.

    ``seed`` is not used (every case is checked, none is drawn at random): it keeps the signature the other
    checkers have.

    >>> def fn(input_length, kernel_size, strides, padding, output_padding, dilation_rate):   # a first guess
    ...     return (input_length - 1) * strides + kernel_size
    >>> check_output_length(fn)   # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: check_output_length: your function disagrees with the framework on this case.
    ...
    """
    fn = _own_work("check_output_length", _answer("check_output_length", fn))
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
        value = _as_whole(received)
        if value is not None and value != expected:
            note = _output_length_mistake(fn, inputs, value, cases)
        _check_int("check_output_length", inputs, expected, received, note)
    return True



def _none_length_in_words():
    """What Keras' length with ``output_padding=None`` is, in words: the hints say what is missing, not the formula
    the exercise asks for."""
    return ('it gives each of the L input steps strides output steps with padding="same"; with padding="valid" '
            "it does the same, unless the last input's copy of the dilated kernel (k_eff steps) runs further: then "
            "the output ends where that copy ends")


# The slips of a Conv1DTranspose length that :func:`_output_length_mistake` names, each a length formula of a case
# (the inputs of check_output_length, by name), called as ``slip(keras, case)``, ``keras`` Keras' length of every
# case, by the case's values.
def _keras_length(keras, case):
    return keras[tuple(case.values())]


def _span(case):
    """The dilated kernel's span, k_eff = (kernel_size - 1) * dilation_rate + 1."""
    return (case["kernel_size"] - 1) * case["dilation_rate"] + 1


def _none_as_zero(keras, case):
    """Keras' length for output_padding=0 where None is given."""
    return _keras_length(keras, {**case, "output_padding": case["output_padding"] or 0})


def _pytorch_length(keras, case):
    """torch.nn.ConvTranspose1d's length with padding=0 (None taken as 0; ``keras`` unused, as in every slip)."""
    return ((case["input_length"] - 1) * case["strides"] + case["dilation_rate"] * (case["kernel_size"] - 1)
            + (case["output_padding"] or 0) + 1)


def _pad_rounded_down(keras, case):
    """"same" cropping (k_eff - 1) // 2 per end where Keras crops k_eff // 2 (with an integer output_padding)."""
    if case["padding"] == "valid" or case["output_padding"] is None:
        return _keras_length(keras, case)
    span = _span(case)
    return (case["input_length"] - 1) * case["strides"] + span - 2 * ((span - 1) // 2) + case["output_padding"]


def _crop_whole_span(keras, case):
    """"same" with an integer output_padding: (L - 1) * strides + output_padding, the k_eff mod 2 term left out (as
    if each end lost k_eff / 2 steps, which holds for an even k_eff only)."""
    if case["padding"] == "valid" or case["output_padding"] is None:
        return _keras_length(keras, case)
    return (case["input_length"] - 1) * case["strides"] + case["output_padding"]


def _same_as_l_times_s(keras, case):
    """"same" with an integer output_padding: L * strides + output_padding (the length of output_padding=None,
    plus output_padding)."""
    if case["padding"] == "valid" or case["output_padding"] is None:
        return _keras_length(keras, case)
    return case["input_length"] * case["strides"] + case["output_padding"]


def _crop_undilated(keras, case):
    """"same" with an integer output_padding: kernel_size // 2 cropped from each end where Keras crops k_eff // 2
    (the dilation missing from the crop only)."""
    if case["padding"] == "valid" or case["output_padding"] is None:
        return _keras_length(keras, case)
    return ((case["input_length"] - 1) * case["strides"] + _span(case) - 2 * (case["kernel_size"] // 2)
            + case["output_padding"])


def _no_dilation(keras, case):
    """Keras' length for the undilated kernel: kernel_size where k_eff belongs."""
    return _keras_length(keras, {**case, "dilation_rate": 1})


def _forward_conv(keras, case, clamped=False):
    """Conv1D's "valid" length, (L - k_eff) // strides + 1 (at least 0 where ``clamped``), on the "valid" cases."""
    if case["padding"] != "valid":
        return _keras_length(keras, case)
    windows = (case["input_length"] - _span(case)) // case["strides"] + 1
    return max(0, windows) if clamped else windows


def _no_max(keras, undilated, case, elsewhere=_keras_length):
    """"valid" with output_padding=None: (L - 1) * strides + k_eff, without max(k_eff, strides) (+ kernel_size,
    not k_eff, where ``undilated``); ``elsewhere(keras, case)``: the length of every other case."""
    if case["padding"] != "valid" or case["output_padding"] is not None:
        return elsewhere(keras, case)
    span = case["kernel_size"] if undilated else _span(case)
    return (case["input_length"] - 1) * case["strides"] + span


def _max_undilated(keras, case):
    """"valid" with output_padding=None: max(kernel_size, strides), the dilation missing there only."""
    if case["padding"] != "valid" or case["output_padding"] is not None:
        return _keras_length(keras, case)
    return (case["input_length"] - 1) * case["strides"] + max(case["kernel_size"], case["strides"])


def _max_irrelevant(case):
    """Whether a length without max(kernel_size, strides) is right on ``case`` anyway: any case but an undilated
    "valid" one with output_padding=None and strides > kernel_size."""
    return (case["padding"] != "valid" or case["output_padding"] is not None or case["dilation_rate"] != 1
            or case["strides"] <= case["kernel_size"])


def _output_length_mistake(fn, inputs, received, cases):
    """The likely slip behind a wrong ``Conv1DTranspose`` length ``received`` on ``inputs``: ``"same"`` cropping
    rounded down, ``output_padding=None`` taken as 0, PyTorch's formula, the dilation left out (``kernel_size`` where
    the dilated span ``k_eff`` belongs), ``max(kernel_size, strides)`` in the ``padding="valid"``,
    ``output_padding=None`` branch alone (the dilation missing there only), the forward ``Conv1D``'s length ``(L -
    k_eff) // s + 1``, ``"same"`` with an integer ``output_padding`` without its ``k_eff mod 2`` term, else those of
    :func:`_no_max_or_off_by_one`. A slip is named when ``fn`` gives that slip's
    length here and on every case where the slip's length is not Keras' (``cases``: ``(inputs, Keras' length)``
    pairs); else ``""``."""
    keras = {tuple(case.values()): length for case, length in cases}

    def made(slip, **options):                           # fn's slip, here and on every case where it shows
        def length_of(case):
            return slip(keras, case, **options)
        return received == length_of(inputs) and _follows(fn, length_of, cases)

    length, s, span = inputs["input_length"], inputs["strides"], _span(inputs)
    if made(_pad_rounded_down):
        keras_length = (length - 1) * s + span - 2 * (span // 2) + inputs["output_padding"]
        empty = (" So Keras' output really is empty here: the transposed convolution makes "
                 f"(L - 1) * strides + k_eff = {(length - 1) * s + span} steps and crops {span // 2} from each end"
                 if keras_length == 0 else "")
        return ('with an integer output_padding and padding="same", Keras crops pad = k_eff // 2 steps from each '
                f"end (k_eff = (kernel_size - 1) * dilation_rate + 1 = {span} here, so pad = {span // 2}), not "
                f"(k_eff - 1) // 2 = {(span - 1) // 2}: the two differ for an even k_eff. The length is "
                f"(L - 1) * strides + k_eff - 2 * pad + output_padding = {keras_length}.{empty}")
    if made(_crop_whole_span):
        pad = span // 2
        return ('with an integer output_padding and padding="same", Keras crops pad = k_eff // 2 steps from each '
                f"end, 2 * pad in all: that is k_eff - 1, not k_eff, when k_eff is odd (k_eff = (kernel_size - 1) * "
                f"dilation_rate + 1 = {span} here, pad = {pad}, {2 * pad} cropped). Your lengths leave out the "
                "k_eff mod 2 that stays: (L - 1) * strides + k_eff - 2 * pad + output_padding = "
                f"({length} - 1) * {s} + {span} - {2 * pad} + {inputs['output_padding']} = "
                f"{(length - 1) * s + span - 2 * pad + inputs['output_padding']}")
    if made(_same_as_l_times_s):
        pad = span // 2
        op = inputs["output_padding"]
        return (f'with an integer output_padding and padding="same", the length is not L * strides + '
                f"output_padding ({length} * {s} + {op} = {received}): L * strides is Keras' \"same\" length "
                "with output_padding=None only; with an integer output_padding Keras takes the full output, "
                "(L - 1) * strides + k_eff, crops pad = k_eff // 2 steps from each end and adds output_padding: "
                f"({length} - 1) * {s} + {span} - 2 * {pad} + {op} = {(length - 1) * s + span - 2 * pad + op} "
                f"(k_eff = (kernel_size - 1) * dilation_rate + 1 = {span})")
    if made(_crop_undilated):
        k, d = inputs["kernel_size"], inputs["dilation_rate"]
        return (f'with an integer output_padding and padding="same", Keras crops pad = k_eff // 2 steps from each '
                f"end, k_eff the dilated kernel's span, (kernel_size - 1) * dilation_rate + 1 = ({k} - 1) * {d} + 1 "
                f"= {span} here, so pad = {span // 2}; your lengths crop kernel_size // 2 = {k // 2}: the dilation "
                "is missing from the crop (your full output, with k_eff, is right)")
    if made(_none_as_zero):
        return ("output_padding=None is not 0: your lengths are those of output_padding=0; with None, Keras "
                f"chooses the length itself: {_none_length_in_words()}")
    if made(_pytorch_length):
        return ("your lengths follow PyTorch's ConvTranspose1d formula, (L - 1) * strides - 2 * padding + "
                "dilation_rate * (kernel_size - 1) + output_padding + 1, with padding 0 (and None taken as 0); "
                "Keras' rule differs: with an integer output_padding it is that formula with padding = k_eff // 2 "
                'for "same" (0 for "valid"), k_eff = (kernel_size - 1) * dilation_rate + 1 the dilated kernel; '
                f"with output_padding=None Keras chooses the length itself: {_none_length_in_words()}")
    if made(_no_dilation):
        d = inputs["dilation_rate"]
        # the max is named only where the student's answer has it: right on every undilated case where strides > k
        # (a tester: the hint told an answer without the max to use k_eff "in max(k_eff, strides)")
        where = (" (in your max(..., strides) too)" if _agrees(fn, [c for c in cases if not _max_irrelevant(c[0])])
                 else "")
        return (f"the dilation is missing: your lengths are those of dilation_rate=1; with dilation_rate={d} the "
                f"kernel's {inputs['kernel_size']} taps are {d} steps apart, so it spans k_eff = (kernel_size - 1) * "
                f"dilation_rate + 1 = ({inputs['kernel_size']} - 1) * {d} + 1 = {span} steps: use k_eff wherever "
                f"your formula has kernel_size{where}")
    if made(_max_undilated):
        return (f'the dilation is missing from your padding="valid", output_padding=None length, and only there: '
                f"max(kernel_size, strides) where the dilated kernel belongs, max(k_eff, strides), k_eff = "
                f"(kernel_size - 1) * dilation_rate + 1 = ({inputs['kernel_size']} - 1) * {inputs['dilation_rate']} "
                f"+ 1 = {span} here")
    if any(made(_forward_conv, clamped=clamped) for clamped in (False, True)):
        return (f"(L - k_eff) // strides + 1 = ({length} - {span}) // {s} + 1 = {(length - span) // s + 1} is the "
                "forward convolution's length (Conv1D, tutorial 2: how many windows of k_eff steps fit in L); the "
                "transposed convolution goes the other way: each of the L input steps places a copy of the kernel "
                "strides steps after the one before, so the output grows to (L - 1) * strides + k_eff steps before "
                '"same" crops any (k_eff = (kernel_size - 1) * dilation_rate + 1); with output_padding=None Keras '
                f"chooses the length itself: {_none_length_in_words()}")
    return _no_max_or_off_by_one(fn, inputs, received, cases, keras)


def _no_max_or_off_by_one(fn, inputs, received, cases, keras):
    """The rest of :func:`_output_length_mistake`'s slips: ``max(k_eff, s)`` left out of ``padding="valid"`` with
    ``output_padding=None`` (``(L - 1) * s + k_eff``, Keras' own length but where ``s > k_eff``; with
    ``kernel_size`` in it, the dilation missing there too, maybe elsewhere as well), or Keras' length plus or minus
    1 on every case (an off-by-one all branches share); else ``""``."""
    length, s, span = inputs["input_length"], inputs["strides"], _span(inputs)
    no_max_hint = (f"right wherever k_eff >= strides; here strides = {s} > k_eff = {span}: Keras gives each of the "
                   f"L input steps strides output steps (its output is never shorter than L * strides = "
                   f"{length * s}), so it ends with strides - k_eff = {s - span} more step(s) that no input reaches "
                   "(zeros)")
    # (L - 1) * strides + kernel_size: the max and the dilation both missing there (and maybe the dilation elsewhere
    # too); on this undilated case k_eff = kernel_size, so the hint names the dilation from the formula, not the case
    def no_max(undilated, elsewhere=_keras_length):
        return lambda case: _no_max(keras, undilated, case, elsewhere)

    if received == no_max(True)(inputs) and any(_follows(fn, no_max(True, elsewhere), cases)
                                                for elsewhere in (_keras_length, _no_dilation)):
        return (f'two things to fix: with output_padding=None and padding="valid", your lengths are (L - 1) * '
                f"strides + kernel_size, here ({length} - 1) * {s} + {inputs['kernel_size']} = {received}; (1) it "
                f"is {no_max_hint}; (2) the dilation is missing from it: with dilation_rate > 1 the kernel spans k_eff "
                "= (kernel_size - 1) * dilation_rate + 1 steps, not kernel_size: use k_eff where your formula has "
                "kernel_size")
    if received == no_max(False)(inputs) and _follows(fn, no_max(False), cases):
        return (f'with output_padding=None and padding="valid", your lengths are (L - 1) * strides + k_eff, here '
                f"({length} - 1) * {s} + {span} = {received} (k_eff = (kernel_size - 1) * dilation_rate + 1 = {span}), "
                f"{no_max_hint}")
    shift = received - _keras_length(keras, inputs)
    if shift in (1, -1) and _follows(fn, lambda case: _keras_length(keras, case) + shift, cases):
        more = "more" if shift == 1 else "fewer"
        return (f"your length is 1 step {more} than Keras' on every one of the {len(cases)} cases checked, in every "
                "branch (padding, output_padding, dilation): an off-by-one that all your formulas share; count the "
                "steps on the smallest case by hand: one input step (input_length=1) and one tap (kernel_size=1) "
                "with strides=1 make an output of 1 step")
    return ""


@time_limited
def check_conv1d_transpose(fn, cases=60, seed=0):
    """``fn(x, w, strides)`` returns the full transposed convolution: ``y[j*s + t] += x[j] * w[t]``.

    ``x`` has shape ``(L,)``, ``w`` shape ``(k,)``; the result has shape ``((L - 1) * strides + k,)`` (``padding=
    "valid"``, nothing cropped, no output padding). Compared with ``conv1d_transpose(..., output_padding=0)``.

    >>> import numpy as np
    >>> def fn(x, w, strides):                # a first guess: NumPy's full convolution, strides left out
    ...     return np.convolve(x, w)
    >>> check_conv1d_transpose(fn)   # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: check_conv1d_transpose: your function disagrees with the framework on this case.
    ...
    """
    fn = _own_work("check_conv1d_transpose", _answer("check_conv1d_transpose", fn))
    cases, seed = _settings("check_conv1d_transpose", cases=cases, seed=seed)
    rng = np.random.default_rng(seed)
    for case in range(cases):                            # small cases first: the first counterexample is small
        size = 2 + case // 10
        inputs = {"x": rng.standard_normal(int(rng.integers(1, size + 1))),
                  "w": rng.standard_normal(int(rng.integers(1, size))), "strides": int(rng.integers(1, 4))}
        expected = _conv1d_transpose(inputs["x"], inputs["w"], inputs["strides"], output_padding=0)
        mistakes = _scatter_mistakes(inputs["x"], inputs["w"], inputs["strides"], expected.size,
                                     "y[j * strides + t] += x[j] * w[t]",
                                     "y[i] = sum over the inputs j whose copy reaches y[i] of "
                                     "x[j] * w[i - j * strides]")
        received = _call("check_conv1d_transpose", fn, inputs,
                         functools.partial(_transpose_error, inputs=inputs, fn=fn), slices=True)
        _compare_arrays("check_conv1d_transpose", inputs, expected, received,
                        explain=functools.partial(_transpose_mistake, inputs=inputs, fn=fn, mistakes=mistakes),
                        explain_shape=lambda got, inputs=inputs, expected=expected:
                        _extra_axis(got, expected, lambda: _on_larger(fn, _call_with_strides, _full_scatter))
                        or _transpose_length_mistake(got, inputs, fn))
    return True


#: The hint for a transposed convolution written as a gather (its outputs collect windows of x).
_TRANSPOSE_GATHERS = (
    "your result is a gather: each output step n collects x[n * strides + t] * w[t] over the taps (the "
    "forward convolution's windows of x, cut short at its end, then zeros), here and on every case "
    "tried; the transposed convolution goes the other way, it scatters: each input x[j] spreads across "
    "k outputs, adding x[j] * w[t] to y[j * strides + t] for t = 0 .. k - 1: loop over the inputs, not "
    "over the outputs")


def _transpose_mistake(got, inputs, fn, mistakes):
    """The likely slip behind a wrong transposed convolution ``got`` of the right length: the loop over the taps one
    short (:func:`~.common._missing_tap`), ``mistakes`` (:func:`~.common._scatter_mistakes`), or a gather where it
    scatters, with the output's length right (``y[n] += x[n * strides + t] * w[t]`` while that index stays inside
    x: :func:`~.common._bounded_gather`), each of the first and the last named when ``fn`` makes it on larger
    cases too; else ``None``."""
    x, w, s = inputs["x"], inputs["w"], inputs["strides"]
    return _scatter_slips(got, fn, _call_with_strides, x, w, s, _full_length(x, w, s), mistakes,
                          _TRANSPOSE_GATHERS, ("x", "j", "output"))



def _transpose_error(exc, inputs, fn=None):
    """A sentence when ``exc``, raised by a transposed convolution written by hand, is a known slip: ``x`` read past its
    end by an answer (``fn``, if given) right wherever its index into ``x`` stays in range (:func:`_right_within_range`:
    a gather, ``y[n] += x[j] * w[t]`` for ``n = j * strides + t``, without the bound ``j < len(x)``); ``x`` read past
    its end otherwise (a window of ``x`` cut short, or an index computed as a gather's, ``x[n * strides + t]``: a loop
    over the output's steps gathering windows of ``x``; an index ``x[n]``, a loop as long as the output, gathering or
    scattering, which is not said); or a write past the end of an output array shorter than the full length ``(L - 1) *
    strides + k``. Else ``None`` (the generic hint)."""
    length, k, s = len(inputs["x"]), len(inputs["w"]), inputs["strides"]
    full = (length - 1) * s + k
    formula = f"(L - 1) * strides + k = ({length} - 1) * {s} + {k} = {full}"
    negative = _negative_index(exc, inputs, "x", "j")
    if negative is not None:
        return negative                     # x[j] with j < -len(x): the lower bound left out
    failure = _scatter_error(exc, inputs, "x", full)
    if failure is None:
        return None                         # y long enough: the loop runs too far (the generic hint)
    kind, size, past, reads_x = failure
    if kind == "index" and reads_x and fn is not None and _right_within_range(
            fn, lambda fn, x, w, strides, length: fn(x, w, strides), lambda n, k, strides: (n - 1) * strides + k):
        return _index_range("x", "j", length, "an output step n and a tap t with n = j * strides + t", "an input")
    gathers = kind == "matmul" or (kind == "index" and reads_x and _failing_index_is_computed(exc))
    if kind == "index" and reads_x and not gathers and full > length:
        # x[n] by the loop's own step (or inside a library call): a loop as long as the output, gathering or
        # scattering (the index does not tell which, so the hint says neither)
        return (f"x has L = {length} values, fewer than the {formula} output steps: a loop that reads x once "
                "per output step runs past its end; loop over the inputs, j in range(len(x)), each adding its own "
                f"scaled copy of the kernel into {full} zeros")
    if gathers and full > length:
        return (f"the transposed convolution has {formula} output steps, more than the L = {length} values of x: "
                "a loop over the output steps that reads a window of x for each (the gather of conv1d, x[n * "
                "strides + t]) runs past the end of x; the transposed convolution goes the other way, it scatters: "
                f"start from {full} zeros and loop over the inputs, each adding its own scaled copy of the kernel")
    if kind in ("broadcast", "short output") or (kind == "index" and past is None and size is not None
                                                 and size < full):
        return (f"is your y as long as the output, {formula}? A slice of y that runs past the end of a shorter y "
                "is cut short (NumPy clips slices silently), and a copy of the kernel, k values, no longer fits in "
                "it (an index past its end fails the same way)")
    return None



#: Small shapes ``(L, k, strides)`` on which a length formula is tried (:func:`_returns_length`): between them they
#: tell apart every length a hint names (Keras' ``padding="valid"`` one and ``len(x) * strides + k - 1`` are the same
#: where k = 1 or strides = 1 only; Keras' and ``len(x) * strides`` where strides >= k only).
_LENGTH_PROBES = tuple(itertools.product(range(1, 5), range(1, 5), range(1, 4)))


def _returns_length(fn, formula):
    """Whether ``fn`` returns ``formula(L, k, strides)`` values on every one of :data:`_LENGTH_PROBES`, those where
    that is the full length ``(L - 1) * strides + k`` included (a case where ``fn`` raises does not count as that
    length): the student's output has that length, and the hint may name its formula. One case alone cannot tell:
    with k = 1 and strides = 2, Keras' ``padding="valid"`` length, ``len(x) * strides`` and ``len(x) * strides +
    k - 1`` are all 2L."""
    for L, k, s in _LENGTH_PROBES:
        try:
            if np.shape(fn(np.ones(L), np.ones(k), s)) != (formula(L, k, s),):
                return False
        except Exception:  # noqa: BLE001 - the student's function failing there: not that length
            return False
    return True


def _transpose_length_mistake(got, inputs, fn):
    """Why the full transposed convolution has ``(L - 1) * s + k`` values; for a result of the length of Keras'
    ``padding="valid"`` output, ``(L - 1) * s + max(k, s)``, how the two differ, and for one of ``L * s + k - 1``
    values, where the last copy of the kernel starts (each named only when ``fn`` gives that length on every small
    case where it is not the full one: :func:`_returns_length`); for a result of ``L * s`` values otherwise, that
    length; and when ``fn`` computes the convolution of ``x`` with ``w`` (a gather, ``y[n] = x[n*s: n*s + k] @
    w``: :func:`_gathers`), that the transposed convolution scatters instead."""
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
                 "y[j * strides + t] for t = 0 .. k - 1: loop over the inputs, not over the outputs")
    # Where strides > k, Keras' "valid" length (L - 1) * s + max(k, s) is L * s, and with k = 1 so is L * s + k - 1:
    # the formula is named only when fn follows it on the small cases that tell them apart (a tester's
    # np.zeros(len(x) * strides + len(w) - 1) was told about Keras' padding, a formula they never used)
    if got.size == (length - 1) * s + max(k, s) and _returns_length(fn, lambda L, k, s: (L - 1) * s + max(k, s)):
        note += (f"\n  your length, (L - 1) * strides + max(k, strides) = {got.size}, is Keras' padding=\"valid\" "
                 f"output (tutorial 3's table): when strides > k, Keras' output ends with strides - k = {s - k} "
                 "more step(s) that no input reaches (zeros); the exercise asks for the full result, without them")
    elif got.size == length * s + k - 1 and _returns_length(fn, lambda L, k, s: L * s + k - 1):
        note += (f"\n  your length is len(x) * strides + k - 1 = {length} * {s} + {k} - 1 = {got.size}: the last "
                 f"input's copy of the kernel starts at (L - 1) * strides = {(length - 1) * s}, not at L * strides, "
                 f"so it ends at (L - 1) * strides + k = {full}; your output has strides - 1 = {s - 1} step(s) "
                 "more, that no input reaches (zeros)")
    elif got.shape == (length * s,):
        note += (f"\n  your result has len(x) * strides = {length} * {s} = {got.size} values: the last input's "
                 f"copy of the kernel starts at (L - 1) * strides = {(length - 1) * s} and takes k = {k} step"
                 f"{'' if k == 1 else 's'}, so the full result has {(length - 1) * s} + {k} = {full}, not "
                 f"{got.size}")
    if s > 1 and _scatters_without_stride(got, inputs, fn):
        # its length, L + k - 1, is the full length of strides=1: the stride missing from both (a student's
        # np.zeros(len(x) + len(w) - 1) with y[j:j + k] += x[j] * w was told the length only)
        note += (f"\n  the stride is missing, from your length and from your loop: your result is the full "
                 f"transposed convolution of strides=1, L + k - 1 = {length} + {k} - 1 = {got.size} values, each "
                 f"copy of the kernel starting 1 step after the one before (np.convolve(x, w) gives the same); with "
                 f"strides={s} they start {s} steps apart, y[j * strides + t] += x[j] * w[t], and the output grows "
                 f"to (L - 1) * strides + k = {full}")
    return note


def _scatters_without_stride(got, inputs, fn):
    """Whether ``got`` is the full scatter of ``inputs`` with strides 1, ``L + k - 1`` values (the stride missing
    from the output's length and from the loop), and ``fn`` gives it on larger cases with strides 2 and 3 too."""
    x, w = inputs["x"], inputs["w"]
    if got.shape != (len(x) + len(w) - 1,) or not np.allclose(got, _full_scatter(x, w, 1)):
        return False
    for x, w, _, result in _on_fixed_cases(fn, _call_with_strides, ((5, 3, 2), (4, 2, 3)), seed=7):
        try:
            if isinstance(result, Exception) or not np.allclose(np.asarray(result, dtype=np.float64),
                                                                _full_scatter(x, w, 1)):
                return False
        except ValueError:          # another shape: not that slip
            return False
    return True
