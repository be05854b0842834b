"""What the checkers share: the framework's results they compare with (through its own ops, in float64), and
the one way every checker tells a known mistake (:func:`_known_mistake`), with the mistakes of a scatter that
tutorials 3, 7 and 8 share (and of a gather without its index's upper bound: :func:`_right_within_range`), and the
watch on ``backward()`` by which the gradient checkers refuse an answer that calls it (:func:`_backward_watched`).
How an answer is read and reported is in :mod:`~tinygradconv.exercises.reports`.

A known mistake is the output that mistake gives on the case, with its sentence; an answer that equals it gets the
sentence (here the kernel flipped, by hand: [1, 2, 3] with [1, 0] gives [1, 2], with [0, 1] gives [2, 3]):

>>> import numpy as np
>>> x = np.array([1.0, 2.0, 3.0])
>>> _conv1d(x, np.array([1.0, 0.0]), strides=1)
array([1., 2.])
>>> _known_mistake(np.array([2.0, 3.0]), (_conv1d(x, np.array([0.0, 1.0]), 1), "did you flip the kernel?"))
'did you flip the kernel?'
"""
from __future__ import annotations

import contextlib
import re

import numpy as np

from ...ops.conv import conv1d, conv1d_transpose
from ...tensor import Tensor
from ..reports import (
    _array_error,
    _failing_subscript,
    _students_arrays,
)


def _tensor(array, requires_grad=False):
    return Tensor(np.asarray(array, dtype=np.float64), dtype="float64", backend="numpy", requires_grad=requires_grad)



def _conv1d(x, w, strides, padding="valid", dilation_rate=1):
    return conv1d(_tensor(x.reshape(1, -1, 1)), _tensor(w.reshape(-1, 1, 1)), strides=strides, padding=padding,
                  dilation_rate=dilation_rate).numpy().ravel()



def _conv1d_transpose(x, w, strides, padding="valid", output_padding=None, dilation_rate=1):
    return conv1d_transpose(_tensor(x.reshape(1, -1, 1)), _tensor(w.reshape(-1, 1, 1)), strides=strides,
                            padding=padding, output_padding=output_padding,
                            dilation_rate=dilation_rate).numpy().ravel()



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



def _full_length(values, w, strides):
    """The length of the full transposed convolution of ``values`` (the input a valid convolution's every window
    reads): ``(len(values) - 1) * strides + len(w)``."""
    return (len(values) - 1) * strides + len(w)


def _full_scatter(values, w, strides):
    """The full transposed convolution of ``values`` (the input gradient of a valid convolution), a loop from the
    formula (:func:`_scatter`)."""
    return _scatter(values, w, strides, _full_length(values, w, strides))


def _call_with_strides(fn, x, w, strides):
    """``fn(x, w, strides)``: how the convolution checkers call a student's function on a larger case."""
    return fn(x, w, strides)


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



#: The tests a gather can leave out, as :func:`_gather_dropping` names them.
_DROPPABLE = ("lower bound", "multiple")


def _gather_dropping(values, w, strides, length, dropped):
    """What a gather gives that leaves out one of its two tests: ``y[n] += values[j] * w[t]`` for every tap ``t``,
    ``j = (n - t) // strides``, with ``j < len(values)`` checked, and

    * ``dropped="lower bound"``: ``(n - t) % strides == 0`` checked but not ``j >= 0`` (a gather that forgets the
      lower bound of its index): Python reads ``values[j]`` for a negative ``j`` as ``values[len(values) + j]``,
      wrapping around, with no error. ``None`` where some ``j < -len(values)``: there such an answer raises
      ``IndexError``;
    * ``dropped="multiple"``: ``j >= 0`` checked but not ``(n - t) % strides == 0``: ``//`` rounds the other taps
      down onto an input that does not reach step ``n``.

    Any other ``dropped`` raises ``ValueError`` (a misspelt one would drop neither test, silently: the right gather).
    """
    if dropped not in _DROPPABLE:
        raise ValueError(f"Invalid value for argument dropped: expected one of {_DROPPABLE}, received {dropped!r}")
    y = np.zeros(length)
    for n in range(length):
        for t, tap in enumerate(w):
            j = (n - t) // strides
            if (dropped != "multiple" and (n - t) % strides) or j >= len(values) \
                    or (dropped != "lower bound" and j < 0):
                continue
            if j < -len(values):
                return None
            y[n] += values[j] * tap
    return y


def _lower_bound(values, index):
    """The hint for a gather that reads ``values`` at a negative ``index`` (:func:`_gather_dropping` of the lower
    bound, or an ``IndexError`` for an index below ``-len(values)``): the bound ``index >= 0`` left out, in words."""
    return (f"your answer reads {values} at a negative index: near the start of the result, where the tap t is "
            f"larger than the step of the result, {index} = (step - t) / strides is below 0, and Python reads "
            f"{values}[-1] as the last value of {values} (wrapping around to the end) instead of failing; such a "
            f"pair takes nothing: {index} must be in [0, len({values})), the lower bound {index} >= 0 as well as the "
            f"upper one")


def _negative_index(exc, inputs, name, index):
    """:func:`_lower_bound`'s hint when ``exc`` is NumPy's ``IndexError`` for a negative index (``index -3 is out
    of bounds``) raised by a subscript of ``inputs[name]`` (or one whose expression is unknown), else ``None``."""
    if not (isinstance(exc, IndexError) and re.search(r"\bindex -\d+ is out of bounds", str(exc))):
        return None
    indexed = _failing_subscript(exc)
    if indexed is not None and not _same_values(indexed[1], inputs[name]):
        return None
    return _lower_bound(name, index)


def _scatter_mistakes(values, w, strides, length, formula, gather, why="", gathered=("x", "j")):
    """The known mistakes of a scatter ``y[j * strides + t] += values[j] * w[t]`` (``formula``: the scatter in the
    exercise's names, ``gather``: the same sum written as a gather, one output value at a time, ``why``: a sentence
    on where each copy starts, or ``""``), as :func:`_known_mistake` takes them: a flipped kernel (a scatter with
    ``w`` reversed, or a gather without the reversal it needs), ``=`` where ``+=`` adds the overlapping copies, the
    stride left out (each copy starting one step after the one before), and, written as a gather, the index into
    ``values`` not kept ``>= 0`` (:func:`_gather_dropping` of the lower bound; ``gathered``: the names of ``values``
    and of that index in the exercise)."""
    # the same values come from a scatter that reverses w and from a gather that does not (a tester's np.correlate
    # over the zero-stuffed x was told to remove a reversal it never had): the sentence fits both ways
    flip = (f"your values are those of the kernel reversed, w[::-1]. The scatter {formula} takes w as given. The "
            f"gather, {gather}, reads w backwards, so np.correlate over the zero-stuffed, padded {gathered[0]} needs "
            "w[::-1] (np.convolve reverses its second argument itself: give it w as given). So: remove the reversal "
            "from a scatter, or add one to a gather")
    overwrite = ("where copies of the kernel overlap (strides < k), your values are the last copy's only: each copy "
                 "was written with `=`, overwriting the one before; where copies overlap, their contributions add "
                 "up (+=, not =)")
    no_stride = (f"the stride is missing: your copies of the kernel start 1 step apart, as if strides were 1; with "
                 f"strides={strides} they start {strides} steps apart{why}: {formula}")
    wrapping = _gather_dropping(values, w, strides, length, "lower bound")
    return ((_scatter(values, w[::-1], strides, length), flip),
            (_scatter(values, w, strides, length, add=False), overwrite),
            (_scatter(values, w, 1, length), no_stride),
            *(() if wrapping is None else ((wrapping, _lower_bound(*gathered)),)))



def _agrees(fn, cases):
    """Whether ``fn`` gives the expected value on every one of ``cases`` (``(inputs, expected)`` pairs, ``fn``
    called with the inputs' values in order); a case where ``fn`` raises does not agree."""
    for inputs, expected in cases:
        try:
            if fn(*inputs.values()) != expected:
                return False
        except Exception:  # noqa: BLE001 - the student's function failing there: it does not agree
            return False
    return True


def _follows(fn, formula, cases):
    """Whether ``fn`` gives ``formula(inputs)`` on every case of ``cases`` (``(inputs, expected)`` pairs) where
    that differs from the expected value: the student's function makes that mistake, and only that one."""
    return _agrees(fn, [(inputs, formula(inputs)) for inputs, expected in cases if formula(inputs) != expected])



def _same_values(a, b):
    """Whether ``a`` (an array or a list) holds the values of the array ``b``, in its shape."""
    try:
        a = np.asarray(a, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return a.shape == b.shape and np.array_equal(a, b)



def _past_the_end(exc, inputs, name):
    """Which array an index ran past the end of, in a scatter's checker (``name``: the input the scatter loops
    over): ``("input", n)`` when the failing subscript reads ``inputs[name]`` (or a copy of it, n values),
    ``("output", n)`` when it writes into an array or a list, or reads one that holds none of the inputs' values
    (the student's output, made too short), ``("other", n)`` when it reads another input (``w``); ``None`` when
    the failing expression is unknown, unless the student's code held an array of ``inputs[name]``'s length that
    is none of the inputs (then ``("output", n)``). By the subscript that failed (:func:`_failing_subscript`),
    not by lengths alone: with ``len(w) == len(g)``, w is no short output."""
    values = inputs[name]
    arrays = [v for v in inputs.values() if isinstance(v, np.ndarray)]
    indexed = _failing_subscript(exc)
    if indexed is None:
        held = [a for a in _students_arrays(exc) if a.shape == values.shape]
        if any(not any(_same_values(a, v) for v in arrays) for a in held):
            return "output", len(values)
        return None
    _, value, written = indexed
    if written or not any(_same_values(value, v) for v in arrays):
        return "output", len(value)
    return ("input" if _same_values(value, values) else "other"), len(value)


def _scatter_error(exc, inputs, name, output_length):
    """``exc``, raised by a scatter written by hand that loops over ``inputs[name]`` into an output of
    ``output_length`` values, classified for its checker's hint: ``(kind, size, past, reads)`` with ``kind`` and
    ``size`` from :func:`_array_error` (``kind`` becomes ``"short output"`` when an index ran past the end of an
    output shorter than ``output_length``), ``past`` from :func:`_past_the_end` (None unless an index failed), and
    ``reads`` whether the failing subscript read ``inputs[name]`` (by its length where the subscript is unknown).
    ``None`` when an index ran past the end of an output that is long enough: the loop runs too far, which the
    generic hint covers."""
    kind, size = _array_error(exc)
    past = _past_the_end(exc, inputs, name) if kind == "index" else None
    if past is not None and past[0] == "output":
        if past[1] >= output_length:
            return None
        kind = "short output"               # the array written (or one that is no input) is the output, too short
    reads = past[0] == "input" if past is not None else size == len(inputs[name])
    return kind, size, past, reads



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


@contextlib.contextmanager
def _backward_watched():
    """Count the calls of tinygradconv's ``backward()`` inside the block (the list it yields gets one item per
    call): ``Tensor.backward`` looks up :func:`tinygradconv.autograd.backward` at each call, which is wrapped here
    and put back afterwards. The checkers of gradients compare with ``backward()``: an answer that calls it would be
    compared with itself (found by a tester), so each refuses one that does (:func:`_by_hand`)."""
    from ... import autograd

    calls = []
    original = autograd.backward

    def watched(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    autograd.backward = watched
    try:
        yield calls
    finally:
        autograd.backward = original


def _by_hand(name, what, how):
    """The refusal of an answer that called tinygradconv's ``backward()`` (:func:`_backward_watched`), in the
    checker ``name``'s words: ``what`` it asks for by hand, ``how`` where to start."""
    return AssertionError(f"{name}: your function calls tinygradconv's backward(): the exercise asks for {what} by "
                          "hand, written out with NumPy, and this checker compares with backward() itself, so such an "
                          f"answer would only be compared with itself; {how}")


def _gather_reads(values_length, k, strides, output_length):
    """The largest index of ``values`` that a gather without an upper bound reads: output step ``n`` takes
    ``values[j] * w[t]`` for every tap ``t`` with ``n = j * strides + t`` and ``j >= 0``, ``j < values_length``
    left unchecked (``-1`` when it reads none)."""
    return max(((n - t) // strides for n in range(output_length) for t in range(k)
                if n >= t and (n - t) % strides == 0), default=-1)


def _right_within_range(fn, call, lengths):
    """Whether ``fn`` gives the scatter's result (:func:`_scatter`) on every small case where a gather without an
    upper bound on its input index stays inside its input: then an index error past the input's end, on a case
    where that bound matters, is the bound left out, not a wrong formula. ``lengths(n_values, k, strides)``: the
    output's length, or ``None`` where the case does not exist; ``call(fn, values, w, strides, length)``: the
    student's result. Four such cases at least, with kernels of 2 taps or more among them."""
    rng = np.random.default_rng(3)
    tried = 0
    for n_values, k, strides in ((1, 1, 1), (3, 1, 1), (3, 1, 2), (2, 2, 2), (3, 2, 3), (4, 3, 3), (2, 2, 1),
                                 (3, 3, 2), (4, 2, 2), (5, 2, 3), (3, 4, 2)):
        length = lengths(n_values, k, strides)
        if length is None or _gather_reads(n_values, k, strides, length) >= n_values:
            continue
        values, w = rng.standard_normal(n_values), rng.standard_normal(k)
        try:
            got = np.asarray(call(fn, values.copy(), w.copy(), strides, length), dtype=np.float64)
        except Exception:  # noqa: BLE001 - the student's function failing there: not this slip alone
            return False
        right = _scatter(values, w, strides, length)
        if got.shape != right.shape or not np.allclose(got, right, rtol=1e-7, atol=1e-9):
            return False
        tried += 1
    return tried >= 4


def _index_range(values, index, count, pair, what):
    """The hint for an answer right wherever its index into ``values`` (the array it gathers from, ``count`` values,
    indexed by ``index``) stays in range, which reads past its end on this case (:func:`_right_within_range`): the
    bound ``index < len(values)`` left out. ``pair``: the step of the result and the tap that give ``index``;
    ``what``: what ``values[index]`` would be."""
    which = f"{values}[0] only" if count == 1 else f"{values}[0] .. {values}[{count - 1}]"
    return (f"your answer is right on every small case tried where its index into {values} stays in range, and here "
            f"it reads {values} past its end: {values} has {count} value{'' if count == 1 else 's'} ({which}), so "
            f"{index} must be in [0, len({values})); near the end of the result, {pair} can give {index} >= "
            f"len({values}), {what} that does not exist: such a pair takes nothing, as one with {index} < 0 does")


def _without_last_tap(w):
    """``w`` with its last tap set to 0: what a loop over ``range(len(w) - 1)`` computes, in every exercise whose
    sum runs over the taps (a kernel of one tap gives zeros: Python's ``sum`` of nothing is the int 0)."""
    w = np.array(w, dtype=np.float64)
    w[-1] = 0.0
    return w


def _missing_tap(got, slip, follows):
    """The hint for a loop over the taps one short (``range(len(w) - 1)``, the last tap ``t = k - 1`` left out) when
    ``got`` equals ``slip`` (the exercise's result with :func:`_without_last_tap`'s kernel) and ``follows()`` says
    the answer does the same on larger cases (with a kernel of one tap it is zeros, what other mistakes give too);
    else ``None``. Told before the note on an integer array: with one tap the sum has no terms at all, and
    Python's sum of nothing is the int 0."""
    if got.shape != slip.shape or not np.allclose(got, slip, rtol=1e-7, atol=1e-9) or not follows():
        return None
    return ("your answer leaves out the last tap of the kernel: its loop over the taps stops at t = len(w) - 2, so "
            "w[k - 1] is never used (with a kernel of one tap that loop has no steps at all, and a Python sum over "
            "it is the int 0); every one of the k taps takes part, t = 0 .. k - 1: check the range of your loop "
            "over t")


def _on_fixed_cases(fn, call, shapes, seed):
    """``(values, w, strides, result)`` on each case ``(len(values), len(w), strides)`` of ``shapes``: ``values``
    and ``w`` drawn from ``np.random.default_rng(seed)`` (the same cases every run), ``result`` what ``call(fn,
    values, w, strides)`` returns on copies of them, or the exception it raised (the student's error, for the
    caller to judge)."""
    rng = np.random.default_rng(seed)
    for n_values, k, strides in shapes:
        values, w = rng.standard_normal(n_values), rng.standard_normal(k)
        try:
            yield values, w, strides, call(fn, values.copy(), w.copy(), strides)
        except Exception as exc:  # noqa: BLE001 - the student's function failing there: the caller decides
            yield values, w, strides, exc


def _float_array(result):
    """``result`` (a student's answer) as a float64 array, or None where it is an exception or no array."""
    if isinstance(result, Exception):
        return None
    try:
        return np.asarray(result, dtype=np.float64)
    except Exception:  # noqa: BLE001 - a ragged list or text: not an array
        return None


def _follows_on(fn, call, slip, shapes=((6, 3, 1), (6, 3, 2), (7, 2, 3))):
    """Whether ``call(fn, values, w, strides)`` equals ``slip(values, w, strides)`` on small fixed cases of
    ``(len(values), k, strides)`` (``shapes``: kernels of 2 taps or more, where a slip in the loop over the taps
    shows): a mistake seen on a small case is named only when it is the answer's rule."""
    for values, w, strides, result in _on_fixed_cases(fn, call, shapes, seed=4):
        got = _float_array(result)
        if got is None:         # the student's function failing there: not this slip alone
            return False
        wrong = np.asarray(slip(values, w, strides), dtype=np.float64)
        if got.shape != wrong.shape or not np.allclose(got, wrong, rtol=1e-7, atol=1e-9):
            return False
    return True


def _bounded_gather(values, w, strides, length):
    """What a gather where a scatter is asked gives when its output has the right ``length``: ``y[n] = sum_t
    values[n * strides + t] * w[t]`` over the taps whose index stays inside ``values`` (the forward convolution's
    windows, the last ones cut short, then zeros)."""
    y = np.zeros(length)
    for n in range(length):
        for t, tap in enumerate(w):
            if n * strides + t < len(values):
                y[n] += values[n * strides + t] * tap
    return y


def _with_extra_axis(got, expected):
    """Whether ``got`` holds ``expected``'s values with axes of length 1 added (shape ``(3, 1)`` or ``(1, 3)`` for
    ``(3,)``)."""
    got = np.asarray(got)
    if got.ndim <= expected.ndim or got.size != expected.size:
        return False
    if [n for n in got.shape if n != 1] != [n for n in expected.shape if n != 1]:
        return False
    return bool(np.allclose(got.reshape(expected.shape), expected, rtol=1e-7, atol=1e-9, equal_nan=True))


def _extra_axis(got, expected, larger=None, what="the right ones"):
    """The hint for a result that holds ``expected``'s values with an extra axis of length 1 (``keepdims=True``, a
    reshape, ``[:, None]``, ``np.outer``), shared by the checkers of arrays; ``larger()``, if given, yields ``(got,
    expected)`` pairs of the answer on larger cases, each of which must show the same (on a case of one value
    another mistake can give that shape: terms not added up, say); else ``None``."""
    if not _with_extra_axis(got, expected):
        return None
    if larger is not None:
        try:
            if not all(_with_extra_axis(mine, right) for mine, right in larger()):
                return None
        except Exception:  # noqa: BLE001 - the student's function failing on a larger case: not this slip alone
            return None
    return (f"your values are {what}, with an extra axis of length 1: shape {got.shape}, where the result has "
            f"shape {expected.shape} (keepdims=True, a reshape, [:, None] or np.outer adds such an axis): make the "
            "result without it")


def _on_larger(fn, call, reference):
    """``(fn's result, the right one)`` on two larger fixed cases (6 values, a kernel of 3, strides 1 and 2): for
    :func:`_extra_axis`, whose shape on a case of one value another mistake can give."""
    for x, w, strides, result in _on_fixed_cases(fn, call, ((6, 3, 1), (6, 3, 2)), seed=5):
        if isinstance(result, Exception):
            raise result        # for _extra_axis, which takes a failure on a larger case as not this slip
        yield np.asarray(result, dtype=np.float64), reference(x, w, strides)


def _scatter_slips(got, fn, call, values, w, strides, length, mistakes, gather_hint, names):
    """The likely slip behind a wrong scatter ``got`` of the right ``length`` (a transposed convolution, an input
    gradient): the loop over the taps one short (:func:`_missing_tap`), ``mistakes`` (:func:`_scatter_mistakes`), a
    gather where it scatters (``gather_hint``, the sentence for it; a gather of the right length, cut short at the
    end of ``values``: :func:`_bounded_gather`), then :func:`_gather_slips`; the first, the gather and the last
    named when ``fn`` (``call(fn, values, w, strides)`` on the full length) makes them on larger cases too; else
    ``None``."""
    known = (_missing_tap(got, _scatter(values, _without_last_tap(w), strides, length), lambda: _follows_on(
        fn, call, lambda v, w, s: _full_scatter(v, _without_last_tap(w), s)))
             or _known_mistake(got, *mistakes))
    if known:
        return known
    if _known_mistake(got, (_bounded_gather(values, w, strides, length), "gather")) and _follows_on(
            fn, call, lambda v, w, s: _bounded_gather(v, w, s, _full_length(v, w, s))):
        return gather_hint
    return _gather_slips(got, fn, call, values, w, strides, length, names)


def _gather_slips(got, fn, call, values, w, strides, length, names):
    """The hint for a gather (``y[n] += values[j] * w[t]`` with ``n = j * strides + t``) that leaves out the test
    ``(n - t) % strides == 0`` (:func:`_gather_dropping` of the multiple), or for a scatter that leaves out the last
    value of ``values`` (a loop over ``range(len(values) - 1)``), each named when ``fn`` (``call(fn, values, w,
    strides)``, of the full length) does the same on larger cases; else ``None``. ``names``: the exercise's names
    of ``values``, of its index and of the result's steps, ``("x", "j", "output")`` or ``("g", "n", "input")``."""
    name, index, out = names

    without_multiple = _gather_dropping(values, w, strides, length, "multiple")
    if strides > 1 and _known_mistake(got, (without_multiple, "")) is not None \
            and _follows_on(fn, call, lambda v, w, s: _gather_dropping(v, w, s, _full_length(v, w, s), "multiple")):
        return (f"your gather takes {name}[({out} step - t) // strides] * w[t] for every tap t: only the taps with "
                f"(step - t) a multiple of strides reach that step ({name}[{index}] lands on steps {index} * strides "
                f"+ t only); // rounds the others down onto an input that never reaches it: keep a pair only when "
                f"(step - t) % strides == 0")
    if _known_mistake(got, (_scatter(values[:-1], w, strides, length), "")) is not None \
            and _follows_on(fn, call, lambda v, w, s: _scatter(v[:-1], w, s, _full_length(v, w, s))):
        return (f"your result leaves out the last value of {name}: your loop over {index} stops at len({name}) - 2 "
                f"(range(len({name}) - 1)); every value of {name} (len({name}) = {len(values)} here) adds its own copy "
                f"of the kernel, the last one from {index} = len({name}) - 1")
    return None
