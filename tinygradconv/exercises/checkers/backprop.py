"""The checkers of tutorial 08, backprop through a convolution: the input gradient and the kernel gradient of
``conv1d``, by hand."""
from __future__ import annotations

import functools

import numpy as np

from ...ops.conv import conv1d
from ..reports import (
    _answer,
    _call,
    _compare_arrays,
    _failing_index_is_computed,
    _settings,
    time_limited,
)
from .common import (
    _backward_watched,
    _by_hand,
    _extra_axis,
    _full_length,
    _full_scatter,
    _gathers,
    _index_range,
    _known_mistake,
    _negative_index,
    _on_larger,
    _right_within_range,
    _scatter,
    _scatter_error,
    _scatter_mistakes,
    _scatter_slips,
    _tensor,
)
from .own_work import _own_work

__all__ = ["check_conv1d_input_gradient", "check_conv1d_kernel_gradient"]


@time_limited
def check_conv1d_input_gradient(fn, cases=60, seed=0):
    """``fn(g, w, strides, input_length)`` returns ``dL/dx`` for ``y = conv1d(x, w, strides)`` (``padding="valid"``)
    given ``g = dL/dy``: an array of shape ``(input_length,)``. Compared with ``backward()`` through ``conv1d``, so
    an answer that calls tinygradconv's ``backward()`` is refused (it would be compared with itself).

    >>> import numpy as np
    >>> def fn(g, w, strides, input_length):  # a first guess: no gradient at all
    ...     return np.zeros(input_length)
    >>> check_conv1d_input_gradient(fn)   # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: check_conv1d_input_gradient: your function disagrees with the framework on this case.
    ...
    """
    fn = _own_work("check_conv1d_input_gradient", _answer("check_conv1d_input_gradient", fn))
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
        mistakes = _scatter_mistakes(g, w, s, length, "dx[n * strides + t] += g[n] * w[t]",
                                     "dx[i] = sum over the windows n that read x[i] of g[n] * w[i - n * strides]",
                                     why=" (output step n read x[n * strides: n * strides + k] in the forward pass, "
                                         "so g[n] goes back to those steps)", gathered=("g", "n"))
        with _backward_watched() as calls:
            received = _call("check_conv1d_input_gradient", fn, inputs,
                             functools.partial(_input_gradient_error, inputs=inputs, fn=fn), slices=True)
        if calls:
            raise _by_hand("check_conv1d_input_gradient", "dL/dx",
                           "start from input_length zeros, and send each g[n] back to the input steps that output "
                           "step n's window read in the forward pass")
        expected = x.grad.numpy().ravel()
        _compare_arrays("check_conv1d_input_gradient", inputs, expected, received,
                        explain=functools.partial(_input_gradient_mistake, inputs=inputs, fn=fn, mistakes=mistakes),
                        explain_shape=lambda got, inputs=inputs, expected=expected:
                        _extra_axis(got, expected, lambda: _on_larger(fn, _call_input_gradient, _full_scatter))
                        or _input_gradient_length_mistake(got, inputs, fn))
    return True


def _call_input_gradient(fn, g, w, strides):
    """``fn`` on an input whose every step some window reads: ``input_length = (len(g) - 1) * strides + k``."""
    return fn(g, w, strides, _full_length(g, w, strides))


#: The hint for a dL/dx written as a gather (its steps collect windows of g) where it scatters.
_INPUT_GRADIENT_GATHERS = (
    "your dx is a gather: each input step j collects g[j * strides + t] * w[t] over the taps (windows "
    "of g, as the forward pass collected windows of x, cut short at g's end, then zeros), here and on "
    "every case tried; dL/dx goes the other way, it scatters: output step n read x[n * strides: n * "
    "strides + k] in the forward pass, so g[n] goes back to those k input steps, adding g[n] * w[t] to "
    "dx[n * strides + t] for t = 0 .. k - 1: loop over g, not over the input steps")


def _input_gradient_mistake(got, inputs, fn, mistakes):
    """The likely slip behind a wrong dL/dx ``got`` of the right length: the loop over the taps one short
    (:func:`~.common._missing_tap`), ``mistakes`` (:func:`~.common._scatter_mistakes`), or a gather where it
    scatters, with dx as long as the input (``dx[j] += g[j * strides + t] * w[t]`` while that index stays inside
    g: :func:`~.common._bounded_gather`), each of the first and the last named when ``fn`` makes it on larger
    cases too; else ``None``."""
    g, w, s, length = inputs["g"], inputs["w"], inputs["strides"], inputs["input_length"]
    return _scatter_slips(got, fn, _call_input_gradient, g, w, s, length, mistakes, _INPUT_GRADIENT_GATHERS,
                          ("g", "n", "input"))



def _input_gradient_error(exc, inputs, fn=None):
    """A sentence when ``exc``, raised by an input gradient written by hand, is a known slip: ``g`` read past its end by
    an answer (``fn``, if given) right wherever its index into ``g`` stays in range (:func:`_right_within_range`: a
    gather, ``dx[j] += g[n] * w[t]`` for ``j = n * strides + t``, without the bound ``n < len(g)``); ``g`` read past its
    end otherwise: a window of ``g`` cut short (a loop over the input's steps gathering windows of ``g``), or an index
    out of range in an array of ``len(g)`` values (a loop over the input's steps: a gather where the index into ``g`` is
    computed, ``g[j * strides + t]``; else, ``g[n]``, one that gathers or scatters, which is not said); or a write past
    the end of a ``dx`` shorter than ``input_length``. Else ``None`` (the generic hint)."""
    n, length = len(inputs["g"]), inputs["input_length"]
    negative = _negative_index(exc, inputs, "g", "n")
    if negative is not None:
        return negative                     # g[n] with n < -len(g): the lower bound left out
    failure = _scatter_error(exc, inputs, "g", length)
    if failure is None:
        return None                         # dx long enough: the loop runs too far (the generic hint)
    kind, size, past, reads_g = failure
    if kind == "index" and reads_g and fn is not None and _right_within_range(
            fn, lambda fn, g, w, strides, length: fn(g, w, strides, length),
            lambda n, k, strides: (n - 1) * strides + k + (strides - 1 if k == 1 else 0)):
        return _index_range("g", "n", n, "an input step j and a tap t with j = n * strides + t", "an output step")
    values = f"{n} value{'' if n == 1 else 's'} of g"
    if kind == "matmul" and length > n:     # a window of g times w, cut short at g's end: a gather
        return (f"dL/dx has one value per input step, input_length = {length}, more than the {values}: a loop "
                "over the input steps that reads a window of g for each (a gather, as the forward pass read "
                "windows of x) runs past the end of g; dL/dx goes the other way, it scatters: start from "
                "input_length zeros and loop over g, each g[n] going back to the input steps its window read")
    if kind == "index" and reads_g and length > n and _failing_index_is_computed(exc):
        # g[j * strides + t]: the position of g that each input step reads, worked out: a gather
        return (f"dL/dx has one value per input step, input_length = {length}, more than the {values}: a loop "
                "over the input steps that reads g at the positions whose windows reach each one (a gather) runs "
                "past the end of g; dL/dx goes the other way, it scatters: start from input_length zeros and loop "
                "over g, each g[n] going back to the input steps its window read")
    if kind == "index" and reads_g and length > n:
        # g[n] by the loop's own step, or read inside a library call: a loop as long as the input, whether it
        # gathers or scatters (the index does not tell which, so the hint says neither)
        return (f"g has one value per output step, here the {values}, fewer than the input_length = {length} "
                "input steps: a loop that reads g once per input step runs past its end; loop over the output "
                "steps, n in range(len(g)), each g[n] going back to the input steps that output step n's window "
                "read, into input_length zeros")
    if kind in ("broadcast", "short output") or (kind == "index" and past is None and size is not None
                                                 and size < length):
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
    if got.size and _gathers(lambda g, w, strides: fn(g, w, strides, _full_length(g, w, strides)),
                             inputs, first="g"):
        return ("your result is the convolution of g with w, dx[j] = g[j * strides: j * strides + k] @ w: a gather, "
                "each step collecting a window of g, as the forward pass collected windows of x; dL/dx goes the "
                "other way, it scatters: output step n read x[n * strides: n * strides + k] in the forward pass, so "
                "g[n] goes back to those k input steps, adding g[n] * w[t] to dx[n * strides + t] for t = 0 .. "
                "k - 1: loop over g, not over the input steps")
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



@time_limited
def check_conv1d_kernel_gradient(fn, cases=60, seed=0):
    """``fn(x, g, kernel_size, strides)`` returns ``dL/dw`` (shape ``(kernel_size,)``) for ``y = conv1d(x, w,
    strides)`` (``padding="valid"``, one channel) given ``g = dL/dy``. Compared with ``backward()``, so an answer
    that calls tinygradconv's ``backward()`` is refused (it would be compared with itself).

    >>> import numpy as np
    >>> def fn(x, g, kernel_size, strides):   # a first guess: the kernel's values, not their gradient
    ...     return np.ones(kernel_size)
    >>> check_conv1d_kernel_gradient(fn)   # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: check_conv1d_kernel_gradient: your function disagrees with the framework on this case.
    ...
    """
    fn = _own_work("check_conv1d_kernel_gradient", _answer("check_conv1d_kernel_gradient", fn))
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
                     f"strides={s} the windows start {s} steps apart: which input step did w[t] multiply in output "
                     "step n's window?")
        with _backward_watched() as calls:
            received = _call("check_conv1d_kernel_gradient", fn, inputs, slices=True)
        if calls:
            raise _by_hand("check_conv1d_kernel_gradient", "dL/dw",
                           "w[t] multiplied one input step in each output step's window: add up, over the output "
                           "steps n, g[n] times that input step")
        _compare_arrays("check_conv1d_kernel_gradient", inputs, expected, received,
                        explain=functools.partial(_kernel_gradient_mistake, inputs=inputs, expected=expected, fn=fn,
                                                  mistakes=((expected[::-1], _REVERSED_TAPS),
                                                            (unstrided, no_stride))),
                        explain_shape=functools.partial(_kernel_gradient_not_summed, inputs=inputs,
                                                        expected=expected, fn=fn))
    return True


def _kernel_gradient(x, g, kernel_size, strides, steps=None):
    """dL/dw from the formula, a loop: ``sum_n g[n] * x[n * strides + t]`` over the first ``steps`` output steps
    (all of them when ``None``)."""
    steps = len(g) if steps is None else steps
    return np.array([sum(g[n] * x[n * strides + t] for n in range(steps)) for t in range(kernel_size)],
                    dtype=np.float64)


_FIXED_CASES = ((3, 2, 1), (4, 3, 2), (5, 2, 3))      # (output steps, kernel_size, strides): every length differs


def _last_term_only(x, g, kernel_size, strides):
    """The slip of keeping only the last output step's term: ``g[-1] * x[(len(g) - 1) * strides + t]``."""
    n = len(g) - 1
    return np.array([g[n] * x[n * strides + t] for t in range(kernel_size)], dtype=np.float64)


def _kernel_gradient_follows(fn, slip):
    """Whether ``fn`` gives ``slip(x, g, kernel_size, strides)`` on three fixed cases with 3 to 5 output steps (on
    which a slip and the right answer differ), so that a mistake seen on a small case is named only when it is
    the answer's rule."""
    rng = np.random.default_rng(1)
    for steps, k, s in _FIXED_CASES:
        x, g = rng.standard_normal((steps - 1) * s + k), rng.standard_normal(steps)
        try:
            got = np.asarray(fn(x.copy(), g.copy(), k, s), dtype=np.float64)
        except Exception:  # noqa: BLE001 - the student's function failing elsewhere: not this mistake
            return False
        wrong = slip(x, g, k, s)
        if got.shape != wrong.shape or not np.allclose(got, wrong, rtol=1e-7, atol=1e-9):
            return False
    return True


def _kernel_gradient_mistake(got, inputs, expected, fn, mistakes):
    """The likely slip behind a wrong kernel gradient ``got``: ``mistakes`` (the taps reversed, the stride left
    out), then the loop over the output steps one short (``range(len(g) - 1)``: with one output step Python's
    ``sum`` of nothing is the int 0, and the report spoke of an integer array), the last step's term alone (``=``
    where ``+=`` adds) and the sum divided by ``len(g)`` (a mean), each named when ``fn`` follows that rule on
    larger cases too (:func:`_kernel_gradient_follows`)."""
    known = _known_mistake(got, *mistakes) or _kernel_gradient_missing_tap(got, expected, fn)
    if known:
        return known
    n = len(inputs["g"])
    if np.allclose(got, _kernel_gradient(inputs["x"], inputs["g"], inputs["kernel_size"], inputs["strides"], n - 1),
                   rtol=1e-7, atol=1e-9) and _kernel_gradient_follows(
            fn, lambda x, g, k, s: _kernel_gradient(x, g, k, s, len(g) - 1)):
        empty = (" (here g has 1 value, so your sum has no terms at all: Python's sum of nothing is the int 0)"
                 if n == 1 else "")
        return (f"your dL/dw leaves out the last output step: your sums stop at n = len(g) - 2{empty}; every one of "
                f"the len(g) = {n} output steps used w in the forward pass, so each adds its term: check the range "
                "of your loop over n")
    last = _last_term_only(inputs["x"], inputs["g"], inputs["kernel_size"], inputs["strides"])
    if n > 1 and np.allclose(got, last, rtol=1e-7, atol=1e-9) and _kernel_gradient_follows(fn, _last_term_only):
        return (f"your dL/dw holds only the last output step's term, g[{n - 1}] * x[{n - 1} * strides + t] (here "
                "and on every case tried): each term replaced the one before (=, where the terms add up, +=), or "
                f"the loop over n was left out; every one of the len(g) = {n} output steps used w, and dL/dw adds "
                "up all their terms")
    if n > 1 and np.allclose(got, expected / n, rtol=1e-7, atol=1e-9) and _kernel_gradient_follows(
            fn, lambda x, g, k, s: _kernel_gradient(x, g, k, s) / len(g)):
        return (f"your dL/dw is divided by len(g) = {n} (here and on every case tried): a mean over the output "
                "steps; w[t] was used once by each output step, and the chain rule adds up those contributions, "
                "with nothing dividing them")
    return None


def _kernel_gradient_missing_tap(got, expected, fn):
    """The hint for a loop over the taps one short, ``range(kernel_size - 1)``: ``got`` is dL/dw with its last tap
    left at 0 (a loop into ``np.zeros(kernel_size)``) or left out (a list built over that range, one value short),
    and ``fn`` does the same on the fixed cases of :func:`_kernel_gradient_follows` (kernels of 2 and 3 taps, where
    the slip shows: with one tap the first gives zeros, which other mistakes give too); else ``None``."""
    for slip in (lambda right: np.append(right[:-1], 0.0), lambda right: right[:-1]):
        wrong = slip(expected)
        if got.shape == wrong.shape and np.allclose(got, wrong, rtol=1e-7, atol=1e-9) and _kernel_gradient_follows(
                fn, lambda x, g, k, s, slip=slip: slip(_kernel_gradient(x, g, k, s))):
            return ("your dL/dw leaves out the last tap: your loop over the taps stops at t = kernel_size - 2 "
                    "(range(kernel_size - 1)), so dL/dw[kernel_size - 1] is never computed (left at 0, or missing "
                    "from a list built over that range; with a kernel of one tap that loop has no steps at all); "
                    "every one of the kernel_size taps was used in the forward pass, t = 0 .. kernel_size - 1: "
                    "check the range of your loop over t")
    return None


def _kernel_gradient_shape_rule(fn):
    """How ``fn``'s result is shaped on three fixed cases whose output steps, taps and strides all differ (3 to 5
    steps, 2 or 3 taps): ``"terms"`` when it holds one term per tap and per output step on each, shape ``(k,
    len(g))`` or ``(len(g), k)``, summing to dL/dw over the steps; ``"extra axis"`` when it holds dL/dw with axes
    of length 1 added (``(k, 1)``); else ``None``. On the random case alone the two can look alike: with one output
    step, ``(k, 1)`` is both."""
    rng = np.random.default_rng(2)
    rules = set()
    for steps, k, s in _FIXED_CASES:
        x, g = rng.standard_normal((steps - 1) * s + k), rng.standard_normal(steps)
        try:
            got = np.asarray(fn(x.copy(), g.copy(), k, s), dtype=np.float64)
        except Exception:  # noqa: BLE001 - the student's function failing elsewhere: not this mistake
            return None
        right = _kernel_gradient(x, g, k, s)
        over_steps = 1 if got.shape == (k, steps) else 0             # the axis of the output steps
        if got.shape in ((k, steps), (steps, k)) and np.allclose(got.sum(axis=over_steps), right, rtol=1e-7,
                                                                   atol=1e-9):
            rules.add("terms")
        elif got.size == k and got.ndim > 1 and np.allclose(got.ravel(), right, rtol=1e-7, atol=1e-9):
            rules.add("extra axis")
        else:
            return None
    return rules.pop() if len(rules) == 1 else None


def _kernel_gradient_not_summed(got, inputs, expected, fn):
    """A sentence when ``fn`` returns one term per output step and tap (shape ``(k, len(g))`` or ``(len(g), k)``,
    whose sum over the output steps is dL/dw: the contributions not added up), or dL/dw with an extra axis of
    length 1 (shape ``(k, 1)``), on this case and on the fixed ones of :func:`_kernel_gradient_shape_rule` that
    tell the two apart; else ``None`` (not told by guessing: with one output step, ``(k, 1)`` is both)."""
    k, n = inputs["kernel_size"], len(inputs["g"])
    missing = _kernel_gradient_missing_tap(got, expected, fn)
    if missing:
        return missing
    rule = _kernel_gradient_shape_rule(fn)
    if rule == "terms":
        for shape, axis in (((k, n), 1), ((n, k), 0)):
            if got.shape == shape and np.allclose(got.sum(axis=axis), expected, rtol=1e-7, atol=1e-9):
                return (f"your result has one term per tap and per output step, shape {got.shape}: dL/dw has one "
                        f"value per tap, shape ({k},); w[t] was used by every one of the len(g) = {n} output steps, "
                        "so its gradient adds up their terms")
    if rule == "extra axis":
        return _extra_axis(got, expected, what="dL/dw")     # the larger cases: the rule's own
    return None


_REVERSED_TAPS = ("your result is the kernel gradient reversed along the taps: did you flip? dL/dw[t] pairs each g[n] "
                  "with the input step that w[t] multiplied in the forward pass, n * strides + t, for t = 0 .. k - 1 "
                  "in order: no reversal (the forward pass is a cross-correlation, not a true convolution)")
