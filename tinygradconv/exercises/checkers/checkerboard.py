"""The checkers of tutorial 07, the checkerboard: how many paths reach each output step of a transposed
convolution, and of an upsampling followed by a convolution."""
from __future__ import annotations

import functools
import itertools

import numpy as np

from ...layers import Conv1D, UpSampling1D
from ...models import Sequential
from ...viz.model_connectivity import overlap_counts
from ..reports import (
    _answer,
    _array_error,
    _call,
    _compare_arrays,
    _readable,
    _settings,
    time_limited,
)
from .common import (
    _scatter,
)
from .own_work import _own_work

__all__ = ["check_overlap_counts", "check_resize_overlap"]


@time_limited
def check_overlap_counts(fn, seed=0):
    """``fn(input_length, kernel_size, strides)`` returns how many input steps reach each output step of a
    ``Conv1DTranspose`` with ``padding="valid"`` (no output padding given): an integer array of the output length.
    Compared with :func:`tinygradconv.viz.overlap_counts` (the row sums of the all-ones path matrix).

    ``seed`` is not used (every case is checked, none is drawn at random): it keeps the signature the other
    checkers have.

    >>> import numpy as np
    >>> def fn(input_length, kernel_size, strides):   # a first guess: one count for each input step
    ...     return np.ones(input_length, dtype=int)
    >>> check_overlap_counts(fn)   # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: check_overlap_counts: your function disagrees with the framework on this case.
    ...
    """
    fn = _own_work("check_overlap_counts", _answer("check_overlap_counts", fn))
    _settings("check_overlap_counts", seed=seed)
    for length, k, s in itertools.product(range(1, 8), range(1, 7), range(1, 5)):
        inputs = {"input_length": length, "kernel_size": k, "strides": s}
        expected = overlap_counts("conv1d_transpose", length, kernel_size=k, strides=s)
        received = _call("check_overlap_counts", fn, inputs, functools.partial(_overlap_error, inputs=inputs),
                         slices=True)
        _compare_arrays("check_overlap_counts", inputs, expected, received, integer=True,
                        explain=functools.partial(_overlap_slip, received=received, expected=expected,
                                                  inputs=inputs, fn=fn),
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
    return (f"is your counts array as long as the output? Keras' Conv1DTranspose with padding=\"valid\" has {n} "
            f"steps here: {_output_end(length, s)}; an index past the end of a shorter array fails, and a slice there "
            "is cut short (NumPy clips slices silently)")


def _output_end(length, s):
    """Where Keras' ``padding="valid"`` output ends, in words (the hints say what is missing, not the formula)."""
    return (f"it runs to the end of the last input's copy of the kernel, and gives each of the L input steps "
            f"strides output steps (it is never shorter than L * strides = {length} * {s} = {length * s})")



def _counts(length, k, s, start=0, taps=None, looped=None):
    """The overlap counts from a loop, ``c[j * s + start: j * s + start + taps] += 1`` for each input ``j`` (the
    first ``looped``, all ``length`` unless given) into Keras' output length (``taps``: ``k`` unless given): the right
    counts, or a slip's."""
    counts = np.zeros((length - 1) * s + max(k, s), dtype=np.int64)
    for j in range(length if looped is None else looped):
        counts[j * s + start: j * s + start + (k if taps is None else taps)] += 1
    return counts


#: The slips of the loop, each a rule on (L, k, s): one tap short (``c[j*s: j*s + k - 1]``), one step late
#: (``c[j*s + 1: j*s + k + 1]``, cut at the end), the last input left out (``range(L - 1)``).
_OVERLAP_SLIPS = (
    (lambda length, k, s: _counts(length, k, s, taps=k - 1),
     ("each of your copies of the kernel covers k - 1 steps, one short: a slice c[a: b] holds b - a steps (its end "
     "is left out), so a copy of k taps from a is c[a: a + k]")),
    (lambda length, k, s: _counts(length, k, s, start=1),
     ("your copies of the kernel start one step late: input j's first tap lands on output step j * strides (input "
     "0's on step 0), not j * strides + 1")),
    (lambda length, k, s: _counts(length, k, s, looped=length - 1),
     ("your counts leave out the last input's copy of the kernel: your loop over the inputs stops at j = L - 2 "
      "(range(L - 1)); each of the L inputs, j = 0 .. L - 1, places its own copy, the last one at (L - 1) * strides")),
)


def _follows_counts(fn, slip):
    """Whether ``fn`` gives ``slip``'s counts on four fixed cases (kernels of 2 to 4 taps, strides 1 to 3) where
    they differ from the right ones: the answer's rule, not a coincidence of one small case (with kernel_size=1,
    one tap short is no tap: all zeros, as many other answers)."""
    for case in ((3, 3, 1), (4, 3, 2), (3, 2, 3), (2, 4, 2)):
        try:
            got = np.asarray(fn(*case))
        except Exception:  # noqa: BLE001 - the student's function failing elsewhere: not this slip
            return False
        wrong = slip(*case)
        if got.shape != wrong.shape or not np.array_equal(got, wrong):
            return False
    return True


def _overlap_slip(got, received, expected, inputs, fn):
    """A sentence for a known slip behind wrong counts ``got``: :func:`_overlap_marked_not_counted`, else a slip
    of the slice (:data:`_OVERLAP_SLIPS`) that ``fn`` follows on this case and the fixed ones; else ``None``."""
    marked = _overlap_marked_not_counted(got, received, expected, inputs)
    if marked:
        return marked
    case = (inputs["input_length"], inputs["kernel_size"], inputs["strides"])
    for slip, sentence in _OVERLAP_SLIPS:
        if np.array_equal(got, slip(*case)) and _follows_counts(fn, slip):
            return sentence
    return None


def _overlap_marked_not_counted(got, received, expected, inputs):
    """A sentence when ``got`` is 1 wherever ``expected`` counts at least one input (the steps marked, not counted):
    a bool array (``c[...] = True``), which cannot count, or numbers written with ``= 1`` where ``+= 1`` adds; or
    when ``got`` are the counts of copies of the kernel 1 step apart, the stride left out (``c[j: j + k] += 1``)."""
    length, k, s = inputs["input_length"], inputs["kernel_size"], inputs["strides"]
    if got.shape == expected.shape and np.array_equal(got, _scatter(np.ones(length), np.ones(k), 1, got.size)):
        return (f"the stride is missing: your copies of the kernel start 1 step apart, as if strides were 1; with "
                f"strides={s} they start {s} steps apart")
    if got.shape != expected.shape or not np.array_equal(got, np.asarray(expected) > 0):
        return None
    if _readable(received).dtype.kind == "b":
        return _bool_counts("add 1 over each input's copy of the kernel")
    return ("your counts are 1 wherever an input reaches: each copy of the kernel was written with `= 1`, "
            "overwriting the copies before it; where copies overlap (strides < kernel_size) they must add up "
            "(+=, not =)")



def _bool_counts(how):
    """The sentence for counts kept in a bool array; ``how``: the counting step in the exercise's names."""
    return ("your result is a bool array (True/False): it can say whether a step is reached, not by how many "
            "inputs (NumPy reads True as 1); count instead, in an integer array: counts = np.zeros(n, "
            f"dtype=int), n the output's length, then {how}")



def _overlap_length_mistake(got, inputs):
    """A sentence when ``got`` has the length of the full transposed convolution, ``(L - 1) * s + k``, where Keras'
    ``padding="valid"`` output, whose counts are asked, is longer when ``strides > k`` (the hint says so in words): the
    mistake opposite to the one :func:`_transpose_length_mistake` explains. And when ``got`` is a shorter array
    holding the counts its slices reached (``np.zeros(L * strides)``: the slices past its end cut short, silently,
    as ``+= 1`` fits any length), that the array is too short."""
    length, k, s = inputs["input_length"], inputs["kernel_size"], inputs["strides"]
    n = (length - 1) * s + max(k, s)
    clipped = np.zeros(got.size if got.ndim == 1 else 0, dtype=np.int64)     # the slices cut short at its end
    for j in range(length):
        clipped[j * s: j * s + k] += 1
    if got.ndim == 1 and got.size < n and got.size < (length - 1) * s + k and np.array_equal(got, clipped):
        formula = f"L * strides = {length} * {s} = {got.size}" if got.size == length * s else f"{got.size}"
        return (f"your counts array has {formula} step{'' if got.size == 1 else 's'}, fewer than the output's "
                f"{n}: the slices that run past its end were cut short silently (NumPy clips slices, and += 1 fits "
                f"any length), so the counts of the last steps are lost; the counts array needs the output's {n} "
                f"steps: {_output_end(length, s)}")
    if s <= k or got.shape != ((length - 1) * s + k,):
        return None
    return (f"your length, (L - 1) * strides + k = ({length} - 1) * {s} + {k} = {got.shape[0]}, is the full "
            "transposed convolution's (conv1d_transpose by hand, tutorial 3), which ends with the last input's copy "
            "of the kernel; the counts asked are those of Keras' Conv1DTranspose with padding=\"valid\", which "
            "gives each of the L input steps strides output steps, the last input's too: when strides > k its output "
            f"ends with strides - k = {s - k} more step(s) after the last copy of the kernel, that no input reaches "
            "(count 0)")



@time_limited
def check_resize_overlap(fn, seed=0):
    """``fn(input_length, size, kernel_size)`` returns how many paths reach each output step of
    ``UpSampling1D(size)`` followed by ``Conv1D(kernel_size, padding="same")`` (all-ones kernel). Compared with
    :func:`tinygradconv.viz.overlap_counts` on that model.

    ``seed`` is not used (every case is checked, none is drawn at random): it keeps the signature the other
    checkers have.

    >>> import numpy as np
    >>> def fn(input_length, size, kernel_size):      # a first guess: every tap reaches, even at the ends
    ...     return np.full(input_length * size, kernel_size)
    >>> check_resize_overlap(fn)   # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: check_resize_overlap: your function disagrees with the framework on this case.
    ...
    """
    fn = _own_work("check_resize_overlap", _answer("check_resize_overlap", fn))
    _settings("check_resize_overlap", seed=seed)
    for length, size, k in itertools.product(range(1, 6), range(1, 4), range(1, 6)):
        inputs = {"input_length": length, "size": size, "kernel_size": k}
        model = Sequential([UpSampling1D(size), Conv1D(1, k, padding="same")])
        expected = overlap_counts(model, length)
        received = _call("check_resize_overlap", fn, inputs, slices=True)
        _compare_arrays("check_resize_overlap", inputs, expected, received, integer=True,
                        explain=functools.partial(_resize_overlap_mistake, inputs=inputs, received=received,
                                                  expected=expected, fn=fn))
    return True



def _resize_overlap_mistake(got, inputs, received, expected, fn):
    """A sentence when ``got`` is 1 wherever ``expected`` counts at least one path (each step marked reached, not
    counted): a bool array (NumPy reads True as 1), or numbers (``any(...)`` made an int, ``= 1`` in the loop over
    the taps); when ``got`` is ``kernel_size`` at every step, here and on a larger case (:func:`_no_padding`: every
    tap counted, the padded zeros at the ends too); or when ``got`` are the counts of a "same" padding with the
    larger half on the left (``left = kernel_size // 2``): with an even kernel Keras puts the smaller half there."""
    n, k = inputs["input_length"] * inputs["size"], inputs["kernel_size"]
    no_padding = _no_padding(got, n, k, expected, fn)
    if no_padding:
        return no_padding
    count = ("for each output step, count the kernel taps that land inside the upsampled sequence of n steps (a "
             "tap on the zeros that \"same\" pads with reaches no input)")
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


def _no_padding(got, n, k, expected, fn):
    """The hint for counts of ``kernel_size`` at every one of the ``n`` steps (every tap counted, also those on the
    zeros that "same" pads with), when ``fn`` gives the same on a larger case (``input_length=4, size=2,
    kernel_size=3``, whose ends count fewer); else ``None``."""
    if got.shape != (n,) or not np.all(got == k) or np.array_equal(expected, got):
        return None
    try:
        larger = np.asarray(fn(4, 2, 3), dtype=np.float64)
    except Exception:  # noqa: BLE001 - the student's function failing on the larger case: not this slip alone
        return None
    if larger.shape != (8,) or not np.all(larger == 3):
        return None
    left, right = (k - 1) // 2, k // 2
    return (f"your counts are kernel_size = {k} at every step, the ends included: \"same\" pads the n = input_length"
            f" * size = {n} upsampled steps with (kernel_size - 1) // 2 = {left} zero(s) on the left and "
            f"kernel_size // 2 = {right} on the right, and a tap that lands on a padded zero reaches no input, so the "
            f"steps near the ends count fewer paths (step 0: {int(expected[0])} of the {k} taps); for each output "
            "step, count only the taps that land inside the n steps")
