"""The checkers of tutorial 06, code for every backend: a stable ``logsumexp``, and a ReLU, written with the
array's own namespace only."""
from __future__ import annotations

import re

import numpy as np

from ...backend import get_backend
from ..reports import (
    _answer,
    _array_error,
    _call,
    _compare_arrays,
    _fail,
    _require_strict,
    _same_namespace,
    _settings,
    _strict_available,
    time_limited,
)
from .common import (
    _extra_axis,
    _known_mistake,
    _tensor,
)
from .own_work import _own_work

__all__ = ["check_logsumexp", "check_portable_relu"]


def _cpu_backends():
    """The CPU backends a portable answer is run on: ``"numpy"``, and ``"array_api_strict"`` where it loads (the
    ``exercises`` extra). Without it the checker checks the values on NumPy arrays, then refuses to pass
    (:func:`~tinygradconv.exercises.reports._require_strict`): NumPy arrays cannot tell portable code."""
    return ["numpy", "array_api_strict"] if _strict_available() else ["numpy"]


@time_limited
def check_logsumexp(fn, cases=30, seed=0):
    """``fn(x)`` returns ``log(sum(exp(x)))`` over the last axis (``axis=-1``) of an array of any number of
    dimensions, that axis removed, written with ``x.__array_namespace__()`` only, so that it runs on every backend;
    it must not overflow for large values. Checked on 1-, 2- and 3-dimensional float64 arrays, with NumPy arrays
    and with array-api-strict arrays, against the framework's ops.

    Raises:
        AssertionError: the report on the first case where the answer fails.
        ModuleNotFoundError: array-api-strict is not installed (``pip install array-api-strict``): the answer's
            values were checked on NumPy arrays, but whether it runs on every backend cannot be, so it is not passed.

    >>> def fn(x):                            # a first guess: the formula as written
    ...     xp = x.__array_namespace__()
    ...     return xp.log(xp.sum(xp.exp(x), axis=-1))
    >>> check_logsumexp(fn)   # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: check_logsumexp: your function disagrees with the framework on this case.
    ...
    """
    fn = _own_work("check_logsumexp", _answer("check_logsumexp", fn))
    cases, seed = _settings("check_logsumexp", cases=cases, seed=seed)
    namespaces = _cpu_backends()
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
                result = _call("check_logsumexp", lambda x, backend, array=array: fn(array), inputs,
                               _logsumexp_error)
            except AssertionError as error:
                if ndim == 2:
                    raise
                raise AssertionError(f"{error}\n  {rank_note}") from error.__cause__
            received = _same_namespace("check_logsumexp", inputs, array, result, backend, expected)
            _compare_arrays("check_logsumexp", inputs, expected, received, rtol=1e-10,
                            explain=lambda got, naive=naive, top=global_max, values=values, expected=expected:
                            _known_mistake(got, *_distinct(expected, (naive, _NAIVE_LOGSUMEXP),
                                                           (top, _GLOBAL_MAX_LOGSUMEXP)))
                            or _shift_not_added_back(fn, got, values, expected),
                            explain_shape=lambda got, ndim=ndim, note=rank_note, expected=expected, values=values:
                            _extra_axis(got, expected) or _first_axis(got, values)
                            or (note if ndim != 2 else None))
    _require_strict("check_logsumexp", "x.__array_namespace__()", f"its values agree on the {cases} NumPy cases")
    return True



def _first_axis(got, values):
    """A sentence when ``got`` is logsumexp over the first axis of ``values`` (``axis=0``), where the last one is
    asked; else ``None``. Not where the first axis has one value: reducing it is then reducing nothing, what an
    answer reducing another axis of one value gives as well."""
    if values.ndim < 2 or values.shape[0] == 1:
        return None
    m = values.max(axis=0)
    over_first = np.log(np.sum(np.exp(values - m), axis=0)) + m
    if got.shape != over_first.shape or not np.allclose(got, over_first, rtol=1e-10, atol=1e-9):
        return None
    return (f"your result is logsumexp over the first axis (axis=0, shape {got.shape}): each row is one distribution "
            "over the last axis, so reduce axis=-1 (the maximum too), whatever the rank")


def _distinct(expected, *mistakes):
    """The ``(wrong, sentence)`` pairs of ``mistakes`` whose ``wrong`` differs from ``expected`` by more than the
    checker's tolerance (relative 1e-10): where no exp overflows, the formula as written gives the right values, and
    an answer a little off them is no overflow (one off by 1e-9, on a case where nothing overflows, was told "exp
    overflowed")."""
    with np.errstate(invalid="ignore"):
        return [(wrong, sentence) for wrong, sentence in mistakes
                if not np.allclose(wrong, expected, rtol=1e-10, atol=1e-9, equal_nan=True)]


def _logsumexp_error(exc):
    """For arrays of two shapes meeting where one is the other without its last axis (``x - m`` with ``m =
    xp.max(x, axis=-1)``: NumPy's "shapes (3,4) (3,)"), that the maximum lost its reduced axis; else ``None``."""
    shapes = re.search(r"shapes \(([\d, ]*)\)\s*\(([\d, ]*)\)", str(exc))
    if _array_error(exc)[0] != "broadcast" or shapes is None:
        return None
    first, second = ([int(n) for n in re.findall(r"\d+", shape)] for shape in shapes.groups())
    if not (first[:-1] == second or second[:-1] == first):
        return None
    full, reduced = (first, second) if len(first) > len(second) else (second, first)
    return (f"an array of shape {tuple(reduced)} met one of shape {tuple(full)}: a reduction over the last axis "
            "(m = xp.max(x, axis=-1)) removes that axis, and NumPy lines shapes up from the last axis, so x - m "
            "pairs the wrong axes (or none); keep the reduced axis as an axis of length 1 (shape "
            f"{tuple(full[:-1]) + (1,)}): the reductions take keepdims=True for that")



def _shift_not_added_back(fn, got, values, expected):
    """A sentence when ``got`` is ``log(sum(exp(x - m)))`` with ``m`` each row's maximum, the shift not added back,
    and ``fn`` gives that too on a fixed case where it is far from 0 (on a row with one value far above the
    others it is about 0, what an answer of zeros gives as well); else ``None``."""
    shifted = expected - np.max(values, axis=-1)
    if got.shape != shifted.shape or not np.allclose(got, shifted, rtol=1e-7, atol=1e-9):
        return None
    fixed = np.array([[0.0, 0.0, 0.0], [1.0, 2.0, 3.0], [-4.0, -4.5, -40.0]])    # log 3, 0.408, 0.474
    right = np.log(np.sum(np.exp(fixed), axis=-1))
    try:
        mine = np.asarray(fn(fixed.copy()), dtype=np.float64)
    except Exception:  # noqa: BLE001 - the student's function failing elsewhere: not this mistake
        return None
    if mine.shape != right.shape or not np.allclose(mine, right - fixed.max(axis=-1), rtol=1e-7, atol=1e-9):
        return None
    return ("your result is log(sum(exp(x - m))) with m each row's maximum: the shift was taken out and not put "
            "back; log(sum(exp(x))) = m + log(sum(exp(x - m))), so the m subtracted inside is added outside (one "
            "per row, the reduced axis removed)")



_NAIVE_LOGSUMEXP = ("exp overflowed: log(sum(exp(x))) computed as written is inf once a value passes about 709 "
                    "(and -inf when every exp underflows); but shifting every value by the same constant c changes "
                    "nothing, log(sum(exp(x))) = c + log(sum(exp(x - c))): which c makes the largest exp exactly "
                    "exp(0) = 1, so that none can overflow? (one c per row: the last axis is the one summed)")



_GLOBAL_MAX_LOGSUMEXP = (
    "your maximum is the whole array's, xp.max(x), not each row's: a row whose values all lie far below it (by more "
    "than about 745) has every exp(x - m) underflow to 0, and log(0) = -inf (a little less far, digits are lost); "
    "each row is summed on its own, so each needs its own shift: the one that makes that row's largest exp "
    "exp(0) = 1")



@time_limited
def check_portable_relu(fn, cases=20, seed=0):
    """``fn(x)`` returns ``max(x, 0)`` elementwise, written with ``x.__array_namespace__()`` only, with ``x``'s
    shape and dtype. Checked on 1- and 2-dimensional float64, float32 and int64 arrays, on NumPy and
    array-api-strict arrays, against the framework's ``relu``.

    Raises:
        AssertionError: the report on the first case where the answer fails.
        ModuleNotFoundError: array-api-strict is not installed (``pip install array-api-strict``): NumPy arrays
            accept ``x * (x > 0)``, which the exercise names as wrong, so no answer is passed without it.

    >>> import numpy as np
    >>> def fn(x):                            # a first guess: NumPy's own function
    ...     return np.maximum(x, 0.0)
    >>> check_portable_relu(fn)   # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: check_portable_relu: your function disagrees with the framework on this case.
    ...
    """
    fn = _own_work("check_portable_relu", _answer("check_portable_relu", fn))
    cases, seed = _settings("check_portable_relu", cases=cases, seed=seed)
    names = _cpu_backends()
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
    _require_strict("check_portable_relu", "x.__array_namespace__()", f"its values agree on the {cases} NumPy cases")
    return True



def _relu_dtype_note(dtype, received):
    """What changed the dtype of a ReLU's result (``dtype``: the input's) to ``received``'s."""
    got = getattr(received, "dtype", type(received))
    note = (f"the dtype changed: x is {dtype}, your result is {got}; max(x, 0) only selects values, so the "
            f"result keeps x's dtype")
    kind = np.dtype(got).kind if isinstance(got, np.dtype) else ""
    if dtype.startswith("int") and kind == "f":
        note += ("\n  a division (/ 2) or a float constant (0.0) turns integers into floats: rather than computing "
                 "new values, choose between x's own values and zeros of x's dtype")
    elif kind == "b" or (kind in ("i", "u") and not dtype.startswith("int")):
        note += ("\n  is this the mask x > 0 (True/False), or the mask as numbers? The mask says where to keep x; "
                 "the result is x's values there and zeros elsewhere, in x's dtype (the namespace has a function "
                 "that chooses between two arrays by a mask)")
    elif kind == "f":
        note += ("\n  make the zeros with xp.zeros_like(x), which keeps x's dtype; xp.zeros(shape) without dtype= "
                 "is float64, and so is a conversion to float64")
    return note
