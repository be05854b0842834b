"""The checkers of tutorial 01, tensors and autograd: gradients by hand, and finite differences."""
from __future__ import annotations

import functools

import numpy as np

from ..reports import (
    _SMALL_DIFFERENCES,
    _answer,
    _call,
    _compare_arrays,
    _fail,
    _settings,
    _show,
    time_limited,
)
from .common import (
    _backward_watched,
    _by_hand,
    _known_mistake,
    _tensor,
)

__all__ = ["check_finite_differences", "check_manual_gradient"]


@time_limited
def check_manual_gradient(fn, cases=50, seed=0):
    """``fn(x, w, b)`` returns ``(dL/dx, dL/dw, dL/db)`` for ``L = sum(tanh(x * w + b) ** 2)``.

    ``x`` and ``w`` are float64 arrays of the same shape ``(n,)``, ``b`` a float. Compared with ``backward()``.

    >>> import numpy as np
    >>> def fn(x, w, b):                      # a first guess: the gradients of x * w + b, without the tanh
    ...     return w, x, float(len(x))
    >>> check_manual_gradient(fn)   # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: check_manual_gradient: your function disagrees with the framework on this case.
    ...
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
        with _backward_watched() as calls:
            received = _call("check_manual_gradient", fn, inputs)
        if not isinstance(received, (tuple, list)) or len(received) != 3:
            _fail("check_manual_gradient", inputs, expected, received, "expected a tuple of three gradients")
        missing = [name for name, r in zip(("dL/dx", "dL/dw", "dL/db"), received) if r is None]
        if missing:
            _fail("check_manual_gradient", inputs, expected, received, _none_gradients(missing))
        if calls:
            raise _by_hand("check_manual_gradient", "the gradients",
                           "work from the outside in, by the chain rule: dL/dy for y = tanh(z), then dy/dz, then how "
                           "z depends on each of x, w and b")
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
                  "them (the first term alone is the sum only when x has one element)")
    mistakes = [*mistakes, (first, only_first)]
    ratios = _bias_ratios(fn)
    mean = (f"your dL/db is the mean of the dL/dz_i (the sum divided by len(x) = {n} here, and by len(x) on every "
            "case tried): b is added to every z_i = x_i * w_i + b, so each z_i passes its whole gradient to b and "
            "they add up: a sum, not a mean")
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
                "right, its shape is not; a sum with keepdims=True, or a number wrapped in a list or an array "
                "([total]), keeps an axis of length 1: return the sum as one number, without keepdims or brackets")
    terms = (f"your dL/db is an array of {got.size} value{'s' if got.size > 1 else ''}"
             + (", the dL/dz_i, one per element of x, not added up" if summed and got.size == n > 1 else ""))
    return (f"dL/db is a scalar (shape ()): b is one number added to every z_i = x_i * w_i + b, so its gradient is "
            f"the sum of dL/dz_i over all of z's entries; {terms}: return that sum as one number "
            "(the first term alone is right only when x has one element)")



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
    >>> def fn(f, x, eps):                    # a first guess: f's value, not its gradient
    ...     return np.full_like(x, f(x))
    >>> check_finite_differences(fn)   # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: check_finite_differences: your function disagrees with the framework on this case.
    ...
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
                                                  exact=t.grad.numpy()),
                        explain_shape=functools.partial(_all_at_once, f=f, x=x, eps=1e-5))
    return True



def _finite_difference_mistake(got, f, x, eps, exact):
    """The likely slip behind finite differences ``got`` of ``f`` at ``x`` that miss the gradient ``exact``:
    one-sided differences, an ``x`` never restored, a larger step than ``eps``, and for another near miss (within
    1 %, but printed differently: values printed the same get the generic note of ``_compare_arrays``) what to
    look for in the step; else ``None``."""
    known = (_all_at_once(got, f, x, eps)
             or _known_mistake(got, *_one_sided(f, x, eps), rtol=1e-9, atol=1e-12)
             or _known_mistake(got, *_central_slips(f, x, eps), rtol=1e-9, atol=1e-12)
             or _known_mistake(got, *_unrestored(f, x, eps))
             or _known_mistake(got, *_other_steps(f, x, eps), rtol=1e-9, atol=1e-12))
    near = got.shape == exact.shape and np.allclose(got, exact, rtol=1e-2, atol=1e-6)
    if known is None and near and _show(got) != _show(exact):   # printed the same, the generic note says it
        return (f"your values are close to the gradient, within 1 %, but not to the tolerance: look for "
                f"{_SMALL_DIFFERENCES['check_finite_differences']}")
    return known



def _all_at_once(got, f, x, eps):
    """A sentence when ``got`` is the central difference with every element of ``x`` moved at once, ``(f(x + eps)
    - f(x - eps)) / (2 eps)`` (one number, or that number in every element: ``np.full_like``); else ``None``. That
    is the derivative along all of x together, the sum of the partial derivatives; with one element it is the
    gradient itself, and only a single number in place of an array is wrong."""
    together = (f(x + eps) - f(x - eps)) / (2 * eps)
    if got.size == 0 or not np.allclose(got, together, rtol=1e-9, atol=1e-12):
        return None
    if got.shape == x.shape and x.size == 1:
        return None                                # the right gradient: one element moved is every element moved
    shape = "one number" if got.shape != x.shape else f"that one number in each of x's {x.size} elements"
    return (f"your result is {shape}, (f(x + eps) - f(x - eps)) / (2 * eps) with every element of x moved at once: "
            "that is the derivative along all of x together, the sum of the partial derivatives; the gradient has "
            "one partial derivative per element, each with only that element moved by eps and every other "
            "element left as it is")



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
