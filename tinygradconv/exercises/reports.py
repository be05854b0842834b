"""How the exercise checkers (:mod:`~tinygradconv.exercises.checkers`) take a student's answer and report on it.

* Arguments: a checker refuses, before any case runs, an answer that is not a function and settings (``cases``,
  ``steps``, ``seed``) that are not integers in range (``TypeError``/``ValueError`` naming them).
* Reading: whatever an answer returns is read by NumPy safely (:func:`_read`); what cannot be read as numbers (a
  torch tensor that requires grad, text, complex numbers, ``None``) is the checker's ``AssertionError`` in plain
  words, never the conversion's own error.
* Integers: a length or counts (``integer=True``) must be integers; a float of whole values is compared by its
  values and refused once every case agrees (:func:`_check_int`, :func:`_compare_arrays`).
* Reporting: :func:`_fail` writes the report (the inputs, the value expected, the value received, and a note on
  where they differ), :func:`_compare_arrays` compares and explains, :func:`_call` reports an answer that raised,
  with its line and, for the errors of array code (:func:`_array_error`: an index past an array's end, lengths that
  do not match, ``+=`` into an array of the wrong dtype), what it likely means.
* Time: a checker stops after ``TIME_LIMIT_S`` seconds (:func:`time_limited`) and reports the line the answer was
  running, so that an answer caught in an endless loop gets a report instead of a cell that never finishes.

A report, for an answer that returned the text of the right numbers:

>>> import numpy as np
>>> try:
...     _compare_arrays("check_demo", {"x": np.array([1.0, 2.0])}, np.array([2.0, 4.0]), ["2", "4"])
... except AssertionError as report:
...     print(report)
check_demo: your function disagrees with the framework on this case.
  inputs:   x=[1., 2.] (shape (2,))
  expected: [2., 4.] (shape (2,))
  received: ['2', '4']
  the value received holds text ('2'), not numbers: return the numbers themselves (int or float), not their text
"""
from __future__ import annotations

import ast
import contextlib
import contextvars
import functools
import linecache
import numbers
import os
import re
import signal
import sysconfig
import threading
import time
import traceback

import numpy as np

from ..validation import _type_name, foreign_library, named_by
from ..validation import integer as _integer_argument


# ------------------------------------------------------------------------------------------------------------
# Arguments: refused before any case runs
# ------------------------------------------------------------------------------------------------------------
def _answer(name, fn):
    """Refuse an ``fn`` that cannot be called (a number, a name in quotes, a function's result): ``TypeError``
    naming the argument and the value received, before any case runs, so the report does not blame the answer."""
    if callable(fn):
        return fn
    hint = (f" Pass the function itself, without quotes: {name}({fn})" if isinstance(fn, str) and fn.isidentifier()
            else f" Pass the function itself, without calling it: {name}(my_function)")
    raise TypeError(f"{name}: Invalid type for argument `fn`. Expected a function (your answer, called on each "
                    f"case). Received fn={_repr(fn, 80)} of type {_type_name(fn)}.{hint}")


def _settings(name, **settings):
    """The checker's own settings as plain ints: ``cases`` and ``steps`` at least 1 (zero cases would check
    nothing and pass anything), ``seed`` a non-negative integer or ``None``. ``TypeError`` for a value of the wrong
    type (``2.5``, ``"5"``, a bool), ``ValueError`` for one out of range, both naming the argument."""
    with named_by(name):
        return [_integer_argument(value, key, minimum=0 if key == "seed" else 1, optional=key == "seed")
                for key, value in settings.items()]


# ------------------------------------------------------------------------------------------------------------
# Time: an answer that never returns
# ------------------------------------------------------------------------------------------------------------
TIME_LIMIT_S = 30.0
"""How long a checker may run, in seconds, before it stops the answer and reports where it was. The checkers' cases
are small (at most a few dozen elements): a correct answer, even one written with Python loops, takes well under a
second for all of them. The limit needs ``SIGALRM``: it holds in the main thread on Linux and macOS (a script, a
Jupyter notebook) and is not applied on Windows or in other threads, where the checker runs without it. ``None`` or
``0`` turns it off."""


class _OutOfTime(BaseException):
    """Raised inside the answer when the time is up. A ``BaseException``, as ``KeyboardInterrupt`` is, so that
    neither the checkers' ``except Exception`` (which reports an answer's own errors) nor a ``try``/``except
    Exception`` in the answer's loop can swallow it."""


class _OwnOpCalled(BaseException):
    """Raised by the watch on an answer (:mod:`~tinygradconv.exercises.checkers.own_work`) once the answer has
    called the op its exercise asks the student to write; its message is the report. A ``BaseException``, as
    :class:`_OutOfTime` is, so that neither the checkers' ``except Exception`` (the hints that call the answer again)
    nor the answer's own ``try``/``except Exception`` can swallow it: :func:`time_limited` turns it into the
    report, an ``AssertionError``."""


def _can_time():
    """Whether a time limit can be set here: ``SIGALRM`` exists (not on Windows) and this is the main thread (the
    only one that may set signal handlers)."""
    return hasattr(signal, "SIGALRM") and threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def _time_limit(name, seconds):
    """Run the block for at most ``seconds``; past that, an ``AssertionError`` that says so and names the line of
    the student's code that was running. A timer and ``SIGALRM`` handler set by the caller (pytest-timeout's, for
    one) are put back afterwards, the timer with the time it had left; a caller's timer due sooner than ``seconds``
    cuts the block short at its own deadline, and then fires."""
    if not seconds or not _can_time():
        yield
        return
    armed = True

    def stop(signum, frame):
        if armed:               # not once the block is over: a late alarm must not escape from the clean-up
            raise _OutOfTime

    started = time.monotonic()
    previous_handler = signal.signal(signal.SIGALRM, stop)
    previous_delay, previous_interval = signal.getitimer(signal.ITIMER_REAL)
    callers = 0 < previous_delay < seconds  # the caller's deadline comes first when it is nearer: never postponed
    seconds = previous_delay if callers else seconds
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    except _OutOfTime as exc:
        frame = _students_frame(exc)
        where = f"\n  it was running line {frame.lineno}: {frame.line}" if frame else ""
        limit = "the caller's own timer" if callers else "tinygradconv.exercises.reports.TIME_LIMIT_S"
        raise AssertionError(
            f"{name}: stopped after {seconds:.3g} s: your function had not returned. A correct answer takes well "
            "under a second on these small cases, so look for a loop that never ends: a `while` whose condition "
            "never becomes false (a counter that is never increased), or a loop that appends to the list it walks "
            f"over.{where}\n  (The limit is {limit}.)") from None
    finally:
        armed = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)
        if previous_delay > 0:      # the caller's timer, with what it had left (at least a moment, so it still fires)
            left = max(previous_delay - (time.monotonic() - started), 1e-3)
            signal.setitimer(signal.ITIMER_REAL, left, previous_interval)


#: The refusals a checker keeps for its end (:func:`_refuse_later`): a list while one runs, else None.
_REFUSALS = contextvars.ContextVar("tinygradconv_exercise_refusals", default=None)


def _refuse_later(fail):
    """Keep ``fail`` (a call that raises the report) for the end of the running checker: it raises only if the
    checker finds no other mistake (a float32 result of the right formula; a wrong formula is said first, on its
    own case). Outside a checker, it raises now."""
    kept = _REFUSALS.get()
    if kept is None:
        fail()
    elif not kept:
        kept.append(fail)


def time_limited(checker):
    """A checker that stops after :data:`TIME_LIMIT_S` seconds (read at each call, so that a notebook can change
    it) with a report instead of running forever, and that raises, once every case has passed, the first refusal
    kept for its end (:func:`_refuse_later`); an answer that called the op under exercise (:class:`_OwnOpCalled`)
    is reported as soon as it did. The checker's name, signature and docstring are kept."""
    @functools.wraps(checker)
    def checked(*args, **kwargs):
        token = _REFUSALS.set([])
        try:
            try:
                with _time_limit(checker.__name__, TIME_LIMIT_S):
                    result = checker(*args, **kwargs)
            except _OwnOpCalled as refusal:         # the answer called the op under exercise (checkers.own_work)
                raise AssertionError(str(refusal)) from None
            for fail in _REFUSALS.get():
                fail()
            return result
        finally:
            _REFUSALS.reset(token)
    return checked


# ------------------------------------------------------------------------------------------------------------
# Reporting
# ------------------------------------------------------------------------------------------------------------
def _repr(value, limit=300):
    """``repr(value)``, shortened past ``limit`` characters; never raises (an object whose repr fails is shown by
    its type)."""
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - a student's object with a broken __repr__: its type says enough
        return f"<{_type_name(value)} object>"
    return text if len(text) <= limit else text[:limit - 4] + " ..."


def _show(value):
    """``value`` as a report shows it: an array by its values (and shape), anything else by its repr. Never raises:
    what NumPy cannot read (a tensor that requires grad, on the meta device, in bfloat16) is shown by its repr."""
    try:
        if isinstance(value, np.ndarray) or (hasattr(value, "shape") and hasattr(value, "dtype")):
            array = np.asarray(value)
            text = np.array2string(array, precision=5, separator=", ", threshold=24, max_line_width=100)
            return f"{text} (shape {array.shape})" if array.ndim else text
        if isinstance(value, (list, tuple)) and any(isinstance(v, np.ndarray) for v in value):
            return "(" + ", ".join(_show(v) for v in value) + ")"
    except Exception:  # noqa: BLE001 - not readable as an array: shown by its repr
        return _repr(value)
    return _repr(value)


def _a(word):
    """``word`` with its indefinite article: "an int", "an ndarray", "a float", "a numpy.ndarray", "a uint8" (the
    article goes by the sound: a vowel, except a "u" said "you")."""
    lower = word.lower()
    vowel = lower[:1] in ("a", "e", "i", "o") or (lower[:1] == "u" and not lower.startswith(("uint", "uni", "us")))
    return f"{'an' if vowel else 'a'} {word}"


#: The first line of a report whose values are right on every case, but whose type or dtype is not (a float array
#: of counts, a float32 result of float64 inputs, a length of 3.0): the values are not what it says is wrong.
RIGHT_VALUES_WRONG_TYPE = ("your function's values agree with the framework on every case{how}, but its result has "
                           "the wrong {what} (shown on this case).")


def _fail(name, inputs, expected, received, note="", header=None):
    """Raise the report: ``header`` (the first line after the checker's name; by default that the function
    disagrees with the framework on this case), the inputs, the value expected, the value received and ``note``."""
    header = header or "your function disagrees with the framework on this case."
    lines = [f"{name}: {header}",
             "  inputs:   " + ", ".join(f"{k}={_show(v)}" for k, v in inputs.items()),
             f"  expected: {_show(expected)}",
             f"  received: {_show(received)}"]
    if note:
        lines.append(f"  {note}")
    raise AssertionError("\n".join(lines))


def _call(name, fn, inputs, explain_error=None, slices=False):
    """``fn(*inputs.values())``, or an AssertionError that says the function raised, on which inputs, at which
    line of the student's code, and what the error likely means: on array-api-strict arrays, what that library
    accepts (else the checker's own diagnosis); elsewhere the checker's own diagnosis, ``explain_error(exc)`` (a
    sentence, or ``None`` when it does not recognise the error), or the generic one of :func:`_error_hint`
    (``slices``: whether the exercise slices windows out of arrays, which the generic hint may then speak of). The
    error's own message stays in the report."""
    try:
        return fn(*[v.copy() if isinstance(v, np.ndarray) else v for v in inputs.values()])
    except Exception as exc:  # the student's error, reported with the case that triggered it
        frame = _students_frame(exc)
        where = f"\n  (line {frame.lineno}: {frame.line})" if frame else ""
        if _on_strict_arrays(inputs):
            hint = (_strict_error_hint(exc, "xp", "x.__array_namespace__()")
                    or (explain_error(exc) if explain_error is not None else None))
        else:
            hint = ((explain_error(exc) if explain_error is not None else None)
                    or _error_hint(exc, inputs, slices=slices))
        hint = f"\n  {hint}" if hint else ""
        raise AssertionError(
            f"{name}: your function raised {_error(exc)}\n"
            "  inputs:   " + ", ".join(f"{k}={_show(v)}" for k, v in inputs.items()) + where + hint) from exc


def _error(exc):
    """``exc`` as a report names it: ``ValueError: its message``, or only its type when the message is empty (a bare
    ``raise NotImplementedError``), without a colon left dangling."""
    message = str(exc)
    return f"{type(exc).__name__}: {message}" if message.strip() else type(exc).__name__


def _array_error(exc):
    """What kind of array mistake ``exc`` (raised by a student's code) is, as ``(kind, size)``: ``"index"`` for an
    index past the end of an array (``size``: that array's length, ``None`` for a list), ``"broadcast"`` for arrays
    of different shapes meeting (often a slice cut short at an array's end: NumPy clips slices silently),
    ``"matmul"`` for a dot product (``@``, ``np.dot``) of two lengths, ``"cast"`` for a result NumPy refuses to
    write back into an array of another dtype (``+=`` into a bool or an integer array); ``(None, None)`` for any
    other error."""
    message = str(exc)
    if isinstance(exc, IndexError):
        found = re.search(r"out of bounds for axis \d+ with size (\d+)", message)
        if found or "index out of range" in message:
            return "index", int(found.group(1)) if found else None
    if isinstance(exc, TypeError) and _CAST.search(message):
        return "cast", None
    if isinstance(exc, ValueError):
        if re.search(r"could not be broadcast|could not broadcast|non-broadcastable", message):
            return "broadcast", None
        if re.search(r"matmul: .*mismatch in its core dimension|shapes .* not aligned", message):
            return "matmul", None
    return None, None


_CAST = re.compile(r"Cannot cast ufunc '(\w+)' output from dtype\('(\w+)'\) to dtype\('(\w+)'\)")


def _error_hint(exc, inputs, slices=False):
    """What an error of the kinds :func:`_array_error` knows likely means, in the student's terms (``inputs``: the
    case, to name the arrays of the length an index ran past; the array the failing line indexes, and whether it
    reads or writes it, from :func:`_failing_subscript`); ``None`` for any other error. The sentences on slices cut
    short at an array's end (arrays of two shapes meeting, a dot product of two lengths) only where the exercise
    slices windows (``slices``): elsewhere such an error has other causes (an axis reduced away), and the error's
    own message is all the report gives."""
    kind, size = _array_error(exc)
    if kind == "cast":
        return _cast_hint(exc)
    if kind == "index":
        indexed = _failing_subscript(exc)
        if indexed is not None:
            name, value, written = indexed
            noun = "list" if isinstance(value, list) else "array"
            n = len(value)
            which = f" ({name} has {n} value{'' if n == 1 else 's'} here)"
            if written:
                return (f"an index past the end of {_a(noun)}{which}, the {noun} your code writes into: is {name} as "
                        f"long as the result must be? If it is, the loop runs over more steps than it has; check "
                        f"the loop's range against len({name})")
            return (f"an index past the end of {_a(noun)}{which}: a loop that runs over more steps than the {noun} "
                    f"it reads has; check the loop's range against that {noun}'s length")
        arrays = [k for k, v in inputs.items() if isinstance(v, np.ndarray) and v.ndim == 1 and len(v) == size]
        verb = "has" if len(arrays) == 1 else "have"
        which = f" ({' and '.join(arrays)} {verb} {size} value{'' if size == 1 else 's'} here)" if arrays else ""
        noun = "list" if size is None else "array"
        return (f"an index past the end of {_a(noun)}{which}: a loop that runs over more steps than the {noun} it "
                f"reads or writes into has; check the loop's range against that {noun}'s length")
    if kind == "broadcast" and slices:
        return ("arrays of different lengths met in one operation: a slice such as y[a: a + k] that runs past the end "
                "of y is cut short silently (NumPy clips slices), and then k values no longer fit in it; is the array "
                "you write into as long as the result must be?")
    if kind == "matmul" and slices:
        return ("a dot product (@) of two arrays of different lengths: a window such as x[a: a + k] that runs past "
                "the end of x is cut short silently (NumPy clips slices): the loop makes more windows than fit in x")
    return None


def _cast_hint(exc):
    """For NumPy's refusal to write a result back into an array of another dtype (``c += 1`` into a bool array,
    ``y += 0.5`` into an integer one): which dtype the array needs."""
    found = _CAST.search(str(exc))
    source, target = found.group(2), found.group(3)
    if target == "bool":
        return (f"your array is a bool array (dtype=bool), which holds True/False only: NumPy refuses to write the "
                f"{source} result of += back into it; a bool array cannot count, counts need an integer array: "
                "np.zeros(n, dtype=int), then += 1")
    if np.dtype(target).kind in "iu" and np.dtype(source).kind == "f":
        return (f"your array holds integers ({target}) and the values written into it are floats ({source}): "
                "NumPy refuses to drop their fractions; make it a float array, np.zeros(n) (float64 by default), "
                "not dtype=int nor np.zeros_like of an integer array")
    return (f"your array is {_a(target)} array and the result written into it is {source}: make the array of a "
            f"dtype that holds the result ({source})")


# Where library code lives: a frame there is not the student's line (array_api_strict raising inside its __mul__).
_LIBRARY_DIRECTORIES = tuple({os.path.dirname(os.path.dirname(__file__)) + os.sep,
                              *(sysconfig.get_paths()[k] + os.sep for k in ("stdlib", "purelib", "platlib"))})


def _students_frame(exc):
    """The innermost frame of ``exc``'s traceback in the student's own code (not in a library), or ``None``."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if not f.filename.startswith(_LIBRARY_DIRECTORIES)]
    return frames[-1] if frames else None


# An assignment after a subscript (``y[i] = ``, ``y[i] += ``; not ``==``, ``<=``): the subscript is written into.
_ASSIGNED = re.compile(r"\s*(?:\*\*|//|>>|<<|[-+*/%@&|^])?=(?!=)")


def _failing_subscript(exc):
    """The subscript ``name[...]`` that raised ``exc`` in the student's own code, as ``(name, value, written)``:
    the array or list it indexes and whether the line writes into it (``y[i] = ...``, ``y[i] += ...``) or reads it;
    ``None`` when the failing expression is no such subscript (or its position is unknown). Read from the position
    Python records for the failing expression of the innermost student frame (``g[i * strides + t]`` in
    ``out[i] += g[i * strides + t] * w[t]``), so it names the array whatever the lengths of the others."""
    failing = _failing_subscript_node(exc)
    if failing is None:
        return None
    frame, line, end, node = failing
    name = node.value.id
    value = frame.f_locals.get(name, frame.f_globals.get(name))
    if not (isinstance(value, (list, tuple)) or (isinstance(value, np.ndarray) and value.ndim >= 1)):
        return None
    return name, value, bool(_ASSIGNED.match(line[end:]))


def _failing_subscript_node(exc):
    """The failing expression of ``exc`` in the innermost student frame when it is a subscript ``name[...]``, as
    ``(frame, line, end column, ast.Subscript)``; else ``None`` (raised inside a library, position unknown, or
    another expression)."""
    student = [(frame, summary) for (frame, _), summary in zip(traceback.walk_tb(exc.__traceback__),
                                                                traceback.extract_tb(exc.__traceback__))]
    if not student or student[-1][1].filename.startswith(_LIBRARY_DIRECTORIES):
        return None                               # raised inside a library: the failing expression is no subscript
    frame, summary = student[-1]
    if getattr(summary, "colno", None) is None or summary.end_lineno != summary.lineno:
        return None
    line = linecache.getline(summary.filename, summary.lineno)
    try:
        node = ast.parse(line[summary.colno:summary.end_colno].strip(), mode="eval").body
    except SyntaxError:
        return None
    if not (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name)):
        return None
    return frame, line, summary.end_colno, node


def _failing_index_is_computed(exc):
    """Whether the failing subscript of ``exc`` (:func:`_failing_subscript_node`) indexes by a computed position,
    ``g[i * strides + t]``, ``g[j - t]`` (a gather works out which value each output reads), rather than by a
    name or a number, ``g[n]`` (a loop's own step, as a scatter reads each value once); ``None`` when unknown
    (no such subscript, or a slice)."""
    failing = _failing_subscript_node(exc)
    if failing is None or isinstance(failing[3].slice, ast.Slice):
        return None
    return not isinstance(failing[3].slice, (ast.Name, ast.Constant))


def _students_arrays(exc):
    """The NumPy arrays the student's own frames of ``exc``'s traceback held when it was raised (their local
    variables): a checker tells by them which array an index ran past (a too-short output array, or an input)."""
    arrays = []
    for frame, _ in traceback.walk_tb(exc.__traceback__):
        if not frame.f_code.co_filename.startswith(_LIBRARY_DIRECTORIES):
            arrays += [v for v in frame.f_locals.values() if isinstance(v, np.ndarray)]
    return arrays


def _on_strict_arrays(inputs):
    """Whether a case of a portable-code exercise runs the student's function on array-api-strict arrays."""
    return inputs.get("backend") == "array_api_strict"


def _strict_available():
    """Whether the array-api-strict backend loads here (the ``exercises`` extra, or the development tools)."""
    from ..backend import get_backend

    try:
        get_backend("array_api_strict")
    except (ImportError, ValueError):
        return False
    return True


def _require_strict(name, xp, checked=""):
    """Refuse to pass a portable-code exercise (``name``: its checker) when array-api-strict is not installed:
    ``ModuleNotFoundError`` saying what to install and why. NumPy arrays accept NumPy's own functions (``np.exp``)
    and arithmetic on booleans (``x * (x > 0)``), so on NumPy arrays alone an answer that runs on NumPy only passes:
    only the strict arrays tell it apart (found by a tester, in the environment ``make demo`` built, which then had
    no array-api-strict). ``xp``: the namespace's name in the exercise; ``checked``: what was checked already."""
    if _strict_available():
        return
    done = f"{checked}; " if checked else ""
    raise ModuleNotFoundError(
        f"{name}: the portability part of this exercise could not be checked, so your answer is not passed: "
        f"{done}the exercise asks for {xp} only, so that the code runs on every backend, and only array-api-strict "
        "arrays can tell that apart (NumPy arrays accept np.exp and booleans in arithmetic too, so NumPy-only code "
        "would pass on them). Install array-api-strict (pure Python): pip install array-api-strict, or pip install "
        "-e \".[exercises]\" in the repository (make demo's environment has it), then run the checker again.",
        name="array_api_strict")


def _strict_arrays_hint(xp, where_from="", booleans=False):
    """What to do when a student's code fails on, or escapes from, array-api-strict arrays. ``xp``: the name of the
    arrays' namespace in the exercise (``xp``, ``ctx.xp``), ``where_from``: how to get it, if the student must;
    ``booleans``: the error was arithmetic on booleans, which is said too. It names the rule, not any exercise's
    solution (it quoted the ReLU's whole answer, to students of the logsumexp and SiLU exercises too)."""
    use = f"{xp} = {where_from}" if where_from else xp
    hint = (f"array-api-strict arrays accept only the array API: use {use} for every function ({xp}.exp, not "
            "np.exp, and so for each NumPy function your code calls: NumPy's functions return NumPy arrays)")
    if booleans:
        hint += (f"; a comparison such as x > 0 gives booleans, which are not numbers there, so arithmetic on them "
                 f"(x * (x > 0)) is refused: choose between values with {xp}.where instead")
    return hint


_STUDENT_XP_HINT = _strict_arrays_hint("xp", "x.__array_namespace__()")


def _strict_error_hint(exc, xp, where_from=""):
    """The hint for ``exc``, raised by a student's code on array-api-strict arrays, when it is an error a hint
    explains; else ``None`` (the generic hint of :func:`_strict_arrays_hint` was attached to every error, and a
    tester's ``x.T`` on a 1-dimensional array was told about np.exp and booleans):

    * ``x.T`` on an array of other than 2 dimensions: the array API's axes functions;
    * a method the array API does not define on arrays (``x.max()``): the namespace's function, and the generic
      hint;
    * arithmetic on booleans (``x * (x > 0)``) or with a NumPy array (what ``np.exp`` returns): the generic hint."""
    message = str(exc)
    if isinstance(exc, ValueError) and ".T requires" in message:
        return (f"under the array API, x.T is defined for 2-dimensional arrays only: to reorder axes use "
                f"{xp}.permute_dims(x, axes), or {xp}.matrix_transpose(x) for the last two; arrays of the same shape, "
                "or one reduced with keepdims=True (its axis kept, of length 1), combine with x as they are, without "
                "a transpose")
    method = re.fullmatch(r"'Array' object has no attribute '(\w+)'", message)
    if isinstance(exc, AttributeError) and method:
        name = method.group(1)
        return (f"array-api-strict arrays have few methods, and x.{name} is not one: call the namespace's "
                f"functions ({xp}.{name}(x, ...) where the array API has one)\n  {_strict_arrays_hint(xp, where_from)}")
    if isinstance(exc, TypeError) and re.search(r"Only numeric dtypes are allowed|numpy|__array__", message):
        return _strict_arrays_hint(xp, where_from, booleans="Only numeric dtypes are allowed" in message)
    return None


def _returned_none(name, inputs, expected, received):
    if received is None:
        _fail(name, inputs, expected, received,
              "your function returned None: does it end with a `return` of its result?")


def _readable(value):
    """``np.asarray(value)``, or ``None`` when NumPy cannot read it (whatever it raises)."""
    try:
        return np.asarray(value)
    except Exception:  # noqa: BLE001 - any object a student returns: unreadable is an answer here
        return None


def _read(name, inputs, shown, received):
    """``received`` read by NumPy, as ``(array, values)``: the array in its own dtype (to tell a float32 result)
    and its values as float64. Anything else is the checker's ``AssertionError`` saying what was received:
    ``None``, text (strings, bytes: NumPy would parse ``"3"`` as 3), objects that are not numbers, complex
    numbers, and whatever fails to convert (a torch tensor that requires grad, ``10 ** 400``), with that error."""
    _returned_none(name, inputs, shown, received)
    try:
        array = np.asarray(received)
    except Exception as exc:  # noqa: BLE001 - whatever the object raises is the student's to see
        _unreadable(name, inputs, shown, received, exc)
    kind = array.dtype.kind
    if kind in "US" or (kind == "O" and any(isinstance(v, (str, bytes)) for v in array.flat)):
        text = next((v for v in array.flat if isinstance(v, (str, bytes))), "")
        text = str(text) if isinstance(text, str) else bytes(text)            # np.str_('1') shown as '1'
        _fail(name, inputs, shown, received,
              f"the value received holds text ({_repr(text, 40)}), not numbers: return the numbers themselves "
              "(int or float), not their text")
    if kind == "O":
        others = [v for v in array.flat if not isinstance(v, (numbers.Number, np.number, np.bool_))]
        if others:
            _fail(name, inputs, shown, received,
                  f"the value received holds {_a(_type_name(others[0]))} ({_repr(others[0], 60)}), not a number: "
                  "return an array of numbers (int or float)")
        if any(isinstance(v, (complex, np.complexfloating)) for v in array.flat):
            try:                           # numbers with a complex among them: the complex report below
                array = array.astype(np.complex128)
            except Exception as exc:  # noqa: BLE001 - a number complex() cannot take
                _unreadable(name, inputs, shown, received, exc)
    _refuse_complex(name, inputs, shown, received, array)
    if kind not in "biufO":
        _fail(name, inputs, shown, received,
              f"the value received is an array of {array.dtype}, not of numbers (int or float)")
    try:
        values = array.astype(np.float64)
    except Exception as exc:  # noqa: BLE001 - an object array of numbers float64 cannot hold (10 ** 400)
        _unreadable(name, inputs, shown, received, exc)
    return array, values


def _unreadable(name, inputs, shown, received, exc):
    """The report of a value that NumPy could not read (``exc``: what it raised), with what to do for a torch
    tensor."""
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    hint = _torch_hint(received)
    _fail(name, inputs, shown, received,
          f"the value received could not be read as an array of numbers: {type(exc).__name__}: {message}"
          + (f"\n  {hint}" if hint else ""))


def _torch_hint(value):
    """What to do when ``value`` (or an item of it) is a torch tensor NumPy cannot read; else ``""``."""
    items = [value, *(value if isinstance(value, (list, tuple)) else ())]
    tensor = next((v for v in items if foreign_library(v) == "PyTorch" and hasattr(v, "detach")), None)
    if tensor is None:
        return ""
    convert = "return a NumPy array, t.detach().cpu().numpy()"
    if str(getattr(getattr(tensor, "device", None), "type", "")) == "meta":
        return (f"a tensor on PyTorch's meta device holds no values, only a shape: compute on the CPU, and {convert}")
    if str(getattr(tensor, "dtype", "")) == "torch.bfloat16":
        return (f"NumPy has no bfloat16 (which keeps about 3 digits): compute in float64 (torch.float64), and "
                f"{convert}")
    return (f"this is a torch tensor: {convert} (detach(): NumPy cannot take a tensor that requires grad as it is; "
            "cpu(): nor one on a GPU)")


def _compare_arrays(name, inputs, expected, received, rtol=1e-7, atol=1e-9, integer=False, explain=None,
                    explain_shape=None):
    """Compare as float64, and return the values received as float64 (a checker passes them on to its next step).
    ``integer``: the expected values are counts, shown as integers. ``explain(got)``: a checker's own diagnosis of a
    mismatch of values (a sentence, or ``None`` when it does not recognise the mistake); ``explain_shape(got)``: the
    same for a mismatch of shapes. A float32 (float16) result that differs by little is asked to be computed in
    float64 first, before any diagnosis of the formula; where the inputs are float64 (:func:`_float64_inputs`) a
    float32 result is refused even when it agrees to the tolerance, so that every checker has one rule, float64 in,
    float64 out (a result cast to float32 at the end passed, one summed in float32 did not). A float64 array of
    float32 numbers (:func:`_rounded_to`: a result cast to float32 and back) is held to the same rule, and told that
    its values are the right ones rounded to float32."""
    shown = np.asarray(expected, dtype=np.int64 if integer else np.float64)       # in the report
    expected = np.asarray(expected, dtype=np.float64)
    number = int if integer else float
    array, got = _read(name, inputs, shown, received)
    if got.shape != expected.shape:
        wrapped = _wrapped_in_tuple(received, expected)
        if wrapped:     # the cause: any diagnosis of the shape would speak of another mistake
            _fail(name, inputs, shown, received, f"the shapes differ: expected {expected.shape}, received {got.shape}"
                  f"\n  {wrapped}")
        diagnosis = explain_shape(got) if explain_shape is not None else None
        _fail(name, inputs, shown, received, f"the shapes differ: expected {expected.shape}, received {got.shape}"
              + (f"\n  {diagnosis}" if diagnosis else ""))
    bad = ~np.isclose(got, expected, rtol=rtol, atol=atol)
    lower = array.dtype if _lower_precision(array.dtype) else None
    # float32 numbers in a float64 array (cast to float32 and back): the float32 rule below, by their values
    rounded = (_rounded_to(array, got, expected) if lower is None and not integer and _float64_inputs(inputs)
               else None)
    if not bad.any() and not integer and (lower is not None or rounded is not None) and _float64_inputs(inputs):
        # one rule for every checker: float64 inputs ask for a float64 result, refused in float32 even where its
        # values happen to fall within the tolerance (a result cast to float32 at the end did, one summed in
        # float32 did not: which one passed was luck of the rounding, found by a tester). Said once the checker
        # has found no mistake in the formula (:func:`time_limited`), which a later case may still show
        said = _precision_note(lower) if lower is not None else _rounded_note(rounded, got, expected)
        note = (f"every case agrees to the tolerance, but {said} (float64 in, float64 out: a "
                f"{(lower or rounded).name} result is refused even where its rounding happens to fall within the "
                "tolerance)")
        header = RIGHT_VALUES_WRONG_TYPE.format(how=" to the tolerance", what="dtype")
        _refuse_later(functools.partial(_fail, name, inputs, shown, received, note, header=header))
    if not bad.any() and integer and not _integer_array(array):
        # the same rule as a length's: counts are integers, refused in another dtype once every case agrees
        header = RIGHT_VALUES_WRONG_TYPE.format(how="", what="dtype")
        _refuse_later(functools.partial(_fail, name, inputs, shown, received, _not_integer_counts(array),
                                        header=header))
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        received_value = got[index]
        whole = integer and np.isfinite(received_value) and received_value == np.round(received_value)
        received_text = repr(int(received_value)) if whole else repr(float(received_value))
        note = f"first difference at index {index}: expected {number(expected[index])!r}, received {received_text}"
        same_printout = _show(shown) == _show(received)
        if lower is not None and _within_precision(got, expected, lower, atol):
            # too close to judge the formula in float32: say so first, before any diagnosis of the formula
            note += ("\n  the values agree to the digits shown, but " if same_printout else
                     f"\n  a {lower.name} result this close cannot be checked to the tolerance of float64, so the "
                     "formula is not judged: ") + _precision_note(lower)
        elif rounded is not None and _within_precision(got, expected, rounded, atol):
            # the same for float32 numbers in a float64 array: the formula is not judged either (a step of Adam
            # fed its own rounded m back, and was told of a formula it had right)
            note += ("\n  the values agree to the digits shown, but " if same_printout else "\n  ") + _rounded_note(
                rounded, got, expected) + f"; they agree with the right ones to {rounded.name}'s precision, so the " \
                "formula is not judged at that precision"
        elif diagnosis := (explain(got) if explain is not None else None):
            # before the integer dtype: a checker's own diagnosis says why the values are integers (an empty
            # Python sum(), int 0, from a loop one step short), where "make it a float array" would mislead
            note += f"\n  {diagnosis}"
        elif not integer and array.dtype.kind in "iu" and not np.all(expected == np.round(expected)):
            note += "\n  " + _truncated_note(array.dtype)
        else:
            if same_printout:     # the printouts agree: say why they still differ
                note += _small_difference(name, lower, rtol, float32_close=_within_float32(got, expected),
                                          far_below=_far_below_float32(got, expected))
        if integer and array.dtype.kind == "f":     # the values first, then the type, as for a length of 3.0
            note += (f"\n  and your result is an array of {array.dtype}: counts are integers, as a length is; make "
                     "the array with an integer dtype, np.zeros(n, dtype=int)")
        _fail(name, inputs, shown, received, note)
    return got


def _integer_array(array):
    """Whether ``array`` (what NumPy read) holds integers by its dtype: an integer dtype, or an object array of
    Python or NumPy integers (not bools); a float array of whole numbers does not."""
    if array.dtype.kind in "iu":
        return True
    return array.dtype.kind == "O" and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                                           for v in array.flat)


def _not_integer_counts(array):
    """Why counts of the right values in ``array`` (not an integer array) are refused, and how to make them
    integers."""
    what = ("a bool array (True/False), which can mark a step, not count" if array.dtype.kind == "b" else
            f"an array of {array.dtype}")
    return (f"every case agrees by its values, but your result is {what}: counts are integers, as a length is (a "
            "length of 3.0 is refused too); make the array with an integer dtype, np.zeros(n, dtype=int), or "
            "return a list of Python ints")


def _wrapped_in_tuple(received, expected):
    """A sentence when ``received`` is a tuple of one array where one array of ``expected``'s shape is asked:
    ``return y,`` (a trailing comma makes a tuple, which NumPy reads as an array of one more axis, shape
    ``(1, ...)``); else ``""``."""
    if not (isinstance(received, tuple) and len(received) == 1):
        return ""
    inner = _readable(received[0])
    if inner is None or inner.shape != np.shape(expected):
        return ""
    return (f"your function returned a tuple of one item, an array of the expected shape {np.shape(expected)}: a "
            "trailing comma makes a tuple (`return y,` returns (y,), and NumPy reads it as one more axis); return "
            "the array itself, without the comma")


def _truncated_note(dtype):
    """Why an integer result (``dtype``) cannot hold the fractions asked for."""
    return (f"your result is an array of {dtype.name} (integers), where the expected values have fractions: an "
            "integer array keeps only the whole part of what is written into it (0.7 becomes 0); was it made with "
            "dtype=int, or from an array of integers? Make it a float array")


def _refuse_complex(name, inputs, shown, received, array):
    """A complex result (``array``, ``received`` read by NumPy) is refused whatever its imaginary part: converting
    it to float would silently drop that part (NumPy only warns), so a wrong answer could pass. The report says how
    large the imaginary part is and whether ``.real`` is the fix (rounding noise, as after an FFT) or would hide an
    error."""
    if array.dtype.kind != "c":
        return
    imaginary = float(np.max(np.abs(array.imag), initial=0.0))
    scale = max(1.0, float(np.max(np.abs(array.real), initial=0.0)))
    if imaginary <= 1e-12 * scale:
        advice = ("within rounding noise (as an FFT leaves): return `result.real`, or compute without complex "
                  "numbers")
    else:
        advice = ("far more than rounding noise, so `result.real` would only hide an error: find where the "
                  "imaginary part comes from")
    _fail(name, inputs, shown, received,
          f"your result is complex ({array.dtype.name}): the exercise asks for real numbers, and any complex "
          f"dtype is refused, even with a zero imaginary part\n  its largest imaginary part is {imaginary:.3g}, "
          f"{advice}")


# The small differences worth looking for, by checker, when the values print the same but are refused.
_SMALL_DIFFERENCES = {
    "check_finite_differences": (
        "the step. Central differences (f(x + eps e_i) - f(x - eps e_i)) / (2 eps) with the eps given are off by "
        "O(eps^2), about 1e-10 here, within the tolerance; a one-sided difference (f(x + eps e_i) - f(x)) / eps "
        "is off by O(eps), about 1e-5; a step other than the eps given errs more: O(step^2) for a larger one, "
        "rounding (about 1e-16 / step) for a much smaller one"),
    "check_manual_gradient": "an approximation where the exact derivative is asked (a finite difference)",
    "check_adam_step": (
        "where epsilon goes: Keras adds it to sqrt(v) of the raw v and puts the bias correction into the step "
        "size, not into m and v (epsilon added to sqrt(v_hat) moves the step by about epsilon's size)"),
    "check_logsumexp": "an approximation: a clipped exp, or a step computed in float32",
}
_SMALL_DIFFERENCE = "a rounded constant, or a step computed in float32 along the way"


def _float64_inputs(inputs):
    """Whether the case's floating-point inputs (NumPy arrays) are all float64, at least one: then the result is
    asked in float64 too (a case given in float32, as :func:`check_portable_relu`'s, asks for float32)."""
    floats = [v.dtype for v in inputs.values() if isinstance(v, np.ndarray) and v.dtype.kind == "f"]
    return bool(floats) and all(dtype == np.float64 for dtype in floats)


def _lower_precision(dtype):
    """Whether ``dtype`` (a NumPy dtype, or ``None``) is a floating dtype of less than float64's precision
    (float32, float16). Take it from the array NumPy reads, not from the object's own ``.dtype`` (a torch dtype)."""
    return dtype is not None and dtype.kind == "f" and dtype.itemsize < 8


def _within_precision(got, expected, dtype, atol=0.0):
    """Whether ``got`` is within half the digits of ``dtype`` (``sqrt(eps)``: 3e-4 for float32) of ``expected``,
    against each value and the array's largest one: too close for the checker to tell a float32 rounding (a float32
    constant such as ``1 - float32(0.999)`` is off by 1e-5) from a small error in the formula, so the report asks
    for float64 rather than judging the formula."""
    tolerance = float(np.sqrt(np.finfo(dtype).eps))
    scale = float(np.max(np.abs(expected), initial=0.0))
    with np.errstate(invalid="ignore"):
        return bool(np.all(np.abs(got - expected) <= atol + tolerance * (np.abs(expected) + scale)))


def _rounded_to(array, got, expected):
    """The lower precision (float32, or float16) that a float64 result's values were rounded to, else ``None``:
    ``got`` (``array``'s values, ``array`` float64) all finite and each exactly a number of that dtype, and
    somewhere more than float64's own rounding away from ``expected`` (an answer exactly right whose values happen
    to be float32 numbers, as 0.5, is not told anything). A float64 computation of the checkers' random inputs gives
    a float32 number by chance about once in 2 ** 29 values: these values were rounded to float32, cast back
    (``np.asarray(r).astype(np.float32).astype(np.float64)``) or read from a float32 tensor into a float64 array.

    >>> right = np.array([0.1, -2.3])
    >>> _rounded_to(right, right, right) is None
    True
    >>> rounded = right.astype(np.float32).astype(np.float64)
    >>> _rounded_to(rounded, rounded, right)
    dtype('float32')
    """
    if array.dtype != np.float64 or got.size == 0 or not np.all(np.isfinite(got)):
        return None
    with np.errstate(invalid="ignore"):
        if not np.any(np.abs(got - expected) > 4 * np.finfo(np.float64).eps * np.abs(expected)):
            return None
    for dtype in (np.float16, np.float32):
        with np.errstate(over="ignore"):
            if np.array_equal(got.astype(dtype).astype(np.float64), got):
                return np.dtype(dtype)
    return None


def _rounded_note(dtype, got, expected):
    """What :func:`_compare_arrays` says of float64 values rounded to ``dtype`` (:func:`_rounded_to`): that they are
    the right ones rounded, where each is within one rounding of ``expected`` (a spacing of ``dtype`` at its value:
    the right result cast to ``dtype``); else that they were computed or cast in ``dtype`` along the way (a sum
    in float32 rounds each term, and a difference of close terms keeps fewer digits than the result's own)."""
    with np.errstate(over="ignore"):
        spacing = np.spacing(np.abs(expected).astype(dtype)).astype(np.float64)
    exact = f"each is exactly a {dtype.name} number, though the array is float64"
    if np.all(np.abs(got - expected) <= spacing):
        return (f"your values are the right ones rounded to {dtype.name}: compute in float64, as the inputs are; "
                f"{exact} (a result cast to {dtype.name} and back, or a {dtype.name} tensor's values)")
    return (f"your values are {dtype.name} numbers ({exact}): look for a step computed in {dtype.name} along the "
            f"way, or a cast, which keeps about {np.finfo(dtype).precision} digits (a tensor made from a Python "
            "number or a list, without dtype='float64', is float32): compute in float64, as the inputs are")


def _precision_note(dtype):
    tip = ('; a tg.tensor made from a list or from Python numbers is float32: give it dtype="float64"'
           if dtype == np.float32 else "")
    return (f"your result is {dtype.name}, which keeps about {np.finfo(dtype).precision} digits: compute in "
            f"float64, as the inputs are{tip}")


def _small_difference(name, lower, rtol, float32_close=False, far_below=None):
    """Why values that print the same are still refused: a lower precision (``lower``, the result's float32 or
    float16 dtype, else ``None``), or a detail of the formula that matters for this checker (``name``). A float64
    result within float32's rounding of the expected one (``float32_close``) has most likely been computed in
    float32 somewhere: that is said first (found by a tester: a tensor made from a Python number is float32, and
    the report sent the student looking for a finite difference). A difference far below float32's rounding
    (``far_below``: its largest relative size, :func:`_far_below_float32`) is not float32's rounding of the result:
    a constant slightly off is said first (a reviewer: ``lse(x) * (1 + 1e-9)`` was told of float32's rounding,
    about 6e-8), with float32 on a small term only (a float32 sum inside a logsumexp of large values)."""
    if lower is not None:
        return f"\n  the values agree to the digits shown, but {_precision_note(lower)}"
    detail = _SMALL_DIFFERENCES.get(name.split(" ")[0], _SMALL_DIFFERENCE)
    if far_below is not None:
        detail = (f"a constant or a factor slightly off (a rounded constant, a factor of 1 plus a tiny number), or "
                  "a step in float32 on a small term only: the difference, at most "
                  f"{far_below:.1g} relative, is far smaller than rounding these values to float32 makes (about "
                  f"{float(np.finfo(np.float32).eps) / 2:.0e}); else " + detail)
    elif float32_close:
        detail = ("a step computed in float32 along the way: the difference is about float32's rounding (a tensor "
                  "made from a Python number or a list, without dtype='float64', is float32); else " + detail)
    return (f"\n  the values agree to the digits shown, but not to the tolerance (relative {rtol:g}): look for "
            f"{detail}")


def _within_float32(got, expected):
    """Whether ``got`` differs from ``expected`` as a step in float32 makes it: by no more than a few float32
    roundings of each value (4 float32 epsilons, relative: about 5e-7), and somewhere by at least a sixteenth of
    float32's epsilon (about 7e-9, what rounding to float32 leaves on some value of any but the smallest results).
    (Relative to each value alone: against the array's largest value, Adam's epsilon put on ``sqrt(v_hat)`` passed
    for a rounding; without the lower bound a result off by a relative 1e-9 did.)"""
    eps = float(np.finfo(np.float32).eps)
    with np.errstate(invalid="ignore"):
        difference = np.abs(got - expected)
        return bool(np.all(difference <= 4 * eps * np.abs(expected))
                    and np.any(difference >= eps / 16 * np.abs(expected)))


def _far_below_float32(got, expected):
    """The largest relative difference of ``got`` from ``expected`` where it is far below float32's rounding
    (under a sixteenth of float32's epsilon, about 7e-9, on every value) and above float64's (1e-12); else
    ``None``."""
    with np.errstate(invalid="ignore", divide="ignore"):
        relative = np.abs(got - expected) / np.abs(expected)
    relative = relative[np.isfinite(relative)]
    if relative.size == 0 or not 1e-12 < relative.max() < float(np.finfo(np.float32).eps) / 16:
        return None
    return float(relative.max())


def _same_namespace(name, inputs, array, result, backend, expected):
    """``result`` as NumPy, after checking that it is an array of ``array``'s own namespace (portable code)."""
    _returned_none(name, inputs, expected, result)
    try:
        space = result.__array_namespace__()
    except Exception:  # noqa: BLE001 - no namespace (a list, a float), or one that fails: not the input's
        space = None
    if space is not array.__array_namespace__():
        hint = (_STUDENT_XP_HINT if _on_strict_arrays(inputs) else
                "compute with xp = x.__array_namespace__() only (xp.exp, xp.sum, xp.where, ...): its functions "
                "return arrays of x's namespace")
        _fail(name, inputs, expected, result,
              f"the result is {_a(_type_name(result))}, not an array of the input's namespace "
              f"({array.__array_namespace__().__name__})\n  {hint}")
    try:
        return backend.to_numpy(result)
    except Exception as exc:  # noqa: BLE001 - an array of the namespace that NumPy cannot take
        _unreadable(name, inputs, expected, result, exc)


def _as_int(value):
    """``value`` as a Python int when it is an integer: an ``int``, a NumPy integer, or a 0-d NumPy array of
    integers (``np.array(3)``: one integer all the same); ``None`` for anything else, a bool included."""
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iu":
        return int(value)
    return None


def _not_an_integer(value):
    """What the value received is, when an integer (a length, a count) was expected, and how to make one."""
    if isinstance(value, (bool, np.bool_)) or (isinstance(value, np.ndarray) and value.ndim == 0
                                               and value.dtype.kind == "b"):
        return "the value received is a bool (True/False), not an integer"
    expected = "expected an integer (a Python int)"
    if isinstance(value, (float, np.floating)):
        how = ("use int(...) on it, or // (floor division) and math.ceil, which give integers, rather than /"
               if float(value).is_integer() else "a length is a whole number of steps: round it the way the "
               "formula asks (// floor division, math.ceil), which gives an int")
        return f"the value received is not an integer: {expected}; received {_a(_type_name(value))}: {how}"
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return (f"the value received is not an integer: {expected}; received a 0-d numpy.ndarray of dtype "
                    f"{value.dtype}: use int(...) on a whole number")
        return (f"the value received is not an integer: {expected}; received a numpy.ndarray of shape "
                f"{value.shape}: return the number itself, not an array")
    if isinstance(value, str):
        return f"the value received is not an integer: {expected}; received a str, the text of a number"
    return f"the value received is not an integer: {expected}; received {_a(_type_name(value))}"


def _as_whole(value):
    """``value`` as a Python int when it is an integer (:func:`_as_int`) or a float of a whole value (``3.0``, a
    NumPy float, a 0-d float array): the number a length's formula gave, whatever its type, so that a checker can
    compare it and name a slip; ``None`` for anything else (``2.5``, a bool, text)."""
    whole = _as_int(value)
    if whole is not None:
        return whole
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind == "f":
        value = value[()]
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return int(value)
    return None


def _check_int(name, inputs, expected, received, note=""):
    """``received`` must be the integer ``expected`` (see :func:`_as_int`); ``note``: the checker's own diagnosis,
    shown on a mismatch. A float of a whole value (``3.0``) is compared by its value: a wrong one gets the checker's
    note and then the not-an-integer one, a right one is refused as not an integer only once every case agrees
    (:func:`_refuse_later`), so that a wrong formula is named first; any other value that is not an integer (``2.5``,
    a bool, text) is refused at once."""
    _returned_none(name, inputs, expected, received)
    value = _as_int(received)
    if value is None:
        whole = _as_whole(received)
        if whole is None:
            _fail(name, inputs, expected, received, _not_an_integer(received))
        if whole != expected:               # the formula first (the checker's note), then the type
            _fail(name, inputs, expected, received, "\n  ".join(filter(None, (note, _not_an_integer(received)))))
        _refuse_later(functools.partial(_fail, name, inputs, expected, received,
                                        "every case agrees by its value, but " + _not_an_integer(received),
                                        header=RIGHT_VALUES_WRONG_TYPE.format(how="", what="type")))
        return
    if value != expected:
        _fail(name, inputs, expected, received, note)
