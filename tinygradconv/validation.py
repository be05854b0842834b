"""Argument checks shared by the whole package: integers, one-integer tuples, padding names, axes and numbers.

Each function returns the checked value in its plain form (``int``, ``(int,)``, a lower-case name, a
non-negative axis) or raises early with a message that names the argument, the value received and what was
expected: ``TypeError`` for a value of the wrong kind (a string, a float where an integer is expected, a
bool), ``ValueError`` for a value of the right kind out of its range. A few callers ask for a ``ValueError``
in both cases, where Keras raises one (``batch_size=2.5``, a regularizer factor ``"0.1"``).

Two families of messages exist on purpose:

* the package's own form, ``Invalid value for argument `strides`. Expected a strictly positive integer.
  Received strides=0`` (:func:`integer`, :func:`normalize_int`, :func:`normalize_padding`, :func:`number`),
  used by the ops, the convolution arithmetic, the optimizers, initializers, constraints and ``fit``;
* Keras 3's own texts for the layer arguments that Keras checks itself (:func:`standardize_tuple`,
  :func:`standardize_padding`), so that the convolution layers fail exactly as Keras does, check for check.

Axes (:func:`axis_index`, :func:`reduction_axes`) name the operation first (``concat: axis 2 is out of range
...``), because the same ``axis`` argument reaches many ops; an axis out of range is an :class:`AxisError`, both a
``ValueError`` and an ``IndexError``, as NumPy's.

>>> integer(3, "units"), normalize_int((2,), "strides"), standardize_tuple([2], "strides")
(3, 2, (2,))
>>> normalize_padding("SAME"), axis_index(-1, 3, "concat"), reduction_axes((0, -1), 3, "sum")
('same', 2, (0, 2))
>>> number(0.9, "beta_1", low=0, high=1, high_open=True)
0.9
>>> integer(0, "units")
Traceback (most recent call last):
...
ValueError: Invalid value for argument `units`. Expected a strictly positive integer. Received units=0
"""
from __future__ import annotations

import contextlib
import functools
import math
import numbers
import operator
import os
import sys

import numpy as np

from .config import _FLOAT_TYPES

__all__ = [
    "CONV_PADDINGS",
    "DEFAULT_FALSE",
    "DEFAULT_NONE",
    "NOT_GIVEN",
    "TRANSPOSE_PADDINGS",
    "AxisError",
    "array_argument",
    "axis_argument",
    "axis_index",
    "caller_stacklevel",
    "dim_and_keepdim",
    "dim_index",
    "dim_or_axis",
    "dtype_argument",
    "flag",
    "given",
    "integer",
    "integer_tuple",
    "keepdim_or_keepdims",
    "normalize_int",
    "normalize_output_padding",
    "normalize_padding",
    "number",
    "physical_memory",
    "reduction_axes",
    "size_fits",
    "standardize_padding",
    "standardize_tuple",
    "weight_fits",
]

CONV_PADDINGS = ("valid", "same", "causal")
TRANSPOSE_PADDINGS = ("valid", "same")


# ------------------------------------------------------------------------------------------------ integers
def caller_stacklevel() -> int:
    """The ``stacklevel`` of a warning, given in the function that calls ``warnings.warn``, that points at the first
    caller outside this package (the user's line: a method, a function of ``tg.ops`` or ``Function.apply`` may lie
    between), however deep in the package the warning is made."""
    package = os.path.dirname(os.path.abspath(__file__))
    frame, level = sys._getframe(1), 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package + os.sep):
        frame, level = frame.f_back, level + 1
    return level


def _integer_requirement(minimum):
    if minimum is None:
        return "an integer"
    if minimum == 1:
        return "a strictly positive integer"
    if minimum == 0:
        return "a non-negative integer"
    return f"an integer >= {minimum}"


def _kind(error):
    """The word for what is wrong in an argument error: "type" for a ``TypeError``, "value" for the ``ValueError``
    raised where Keras raises one for a wrong type (``set_random_seed("a")``).

    >>> _kind(TypeError), _kind(ValueError)
    ('type', 'value')
    """
    return "type" if issubclass(error, TypeError) else "value"


def _bool_refused(name, requirement, shown, error=TypeError):
    """The error (a ``TypeError`` by default) for a bool given as an integer argument (``units=True``,
    ``kernel_size=True``): Python counts ``True`` as 1, but here it is taken for a mistake, as for every integer
    argument of the package."""
    return error(f"Invalid {_kind(error)} for argument `{name}`. Expected {requirement}, not a bool. "
                 f"Received {name}={shown!r}")


def array_argument(value, name, expected):
    """``np.asarray(value)`` for the argument ``name``, where NumPy's own error for ragged nesting
    (``[[1, 2], [3]]``: "setting an array element with a sequence") becomes a ``ValueError`` naming the argument,
    the value and ``expected`` (the words for what it should be).

    >>> array_argument([[1, 2], [3]], "v", "numbers")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: Invalid value for argument `v`. Expected numbers, not ragged (inhomogeneous) nested lists. Received ...
    """
    try:
        return np.asarray(value)
    except ValueError:
        raise ValueError(f"Invalid value for argument `{name}`. Expected {expected}, not ragged (inhomogeneous) "
                         f"nested lists. Received {name}={value!r}") from None


def integer(value, name, *, minimum=1, allow_bool=False, optional=False, type_error=TypeError, shown=None,
            bool_error=None):
    """``value`` as a plain ``int >= minimum`` (anything with ``__index__``: ``numpy.int64`` too).

    Args:
        value: the argument to check.
        name: the argument's name, for the message.
        minimum: the smallest value accepted (1: "strictly positive", 0: "non-negative"; None: any integer).
        allow_bool: accept ``True``/``False`` as 1/0 (rejected by default: ``units=True`` is a mistake).
        optional: accept ``None`` (returned as is); the messages then say "or None".
        type_error: the exception for a value that is not an integer (``ValueError`` where Keras raises one).
        shown: the value the message shows as received (default ``value``; the whole tuple for one element).
        bool_error: the exception for a bool (default ``type_error``): ``TypeError`` where a float is a Keras
            ``ValueError`` but a bool is refused as the package's own rule (``Conv1D(filters=True)``).

    Raises:
        TypeError: (or ``type_error``, ``bool_error``) a bool, float, string or other non-integer.
        ValueError: an integer below ``minimum``.

    >>> integer(0, "epochs", minimum=0), integer(None, "seed", minimum=0, optional=True)
    (0, None)
    >>> integer(2.5, "units")
    Traceback (most recent call last):
    ...
    TypeError: Invalid type for argument `units`. Expected a strictly positive integer. Received units=2.5 of type float
    """
    if optional and value is None:
        return None
    shown = value if shown is None else shown
    requirement = _integer_requirement(minimum) + (" or None" if optional else "")
    if isinstance(value, bool) and not allow_bool:
        raise _bool_refused(name, requirement, shown, bool_error or type_error)
    try:
        result = int(operator.index(value))
    except TypeError:
        raise type_error(f"Invalid {_kind(type_error)} for argument `{name}`. Expected {requirement}. "
                         f"Received {name}={shown!r} of type {type(value).__name__}") from None
    if minimum is not None and result < minimum:
        raise ValueError(f"Invalid value for argument `{name}`. Expected {requirement}. "
                         f"Received {name}={shown!r}")
    return result


def normalize_int(value, name, *, allow_zero=False, allow_bool=False):
    """An integer argument of the ops that Keras writes as a one-integer tuple (``strides``, ``kernel_size``,
    ...): an int or a 1-element tuple/list of one, returned as a plain ``int`` (``> 0``, ``>= 0`` with
    ``allow_zero``).

    Raises:
        TypeError: a non-integer (or a bool, unless ``allow_bool``).
        ValueError: a wrong-length tuple, or an integer out of range. Messages show the value as given.

    >>> normalize_int((2,), "strides")
    2
    >>> normalize_int((2, 2), "strides")
    Traceback (most recent call last):
    ...
    ValueError: Invalid value for argument `strides`. Expected an integer or a tuple of 1 integer. Received strides=(2, 2)
    """  # noqa: E501 (doctest output: an exception message cannot wrap)
    item = value
    if isinstance(value, (tuple, list)):
        if len(value) != 1:
            raise ValueError(f"Invalid value for argument `{name}`. Expected an integer or a tuple of 1 "
                             f"integer. Received {name}={value!r}")
        item = value[0]
    return integer(item, name, minimum=0 if allow_zero else 1, allow_bool=allow_bool, shown=value)


def normalize_output_padding(value):
    """``output_padding`` of the transposed convolution: ``None`` or a non-negative int (or a 1-tuple of one).

    >>> normalize_output_padding([1]), normalize_output_padding(None)
    (1, None)
    """
    if value is None:
        return None
    return normalize_int(value, "output_padding", allow_zero=True)


def _type_name(value):
    """``float``, ``numpy.int64``: the type of ``value`` as a user would write it."""
    cls = type(value)
    return cls.__name__ if cls.__module__ == "builtins" else f"{cls.__module__.split('.')[0]}.{cls.__name__}"


def standardize_tuple(value, name, allow_zero=False):
    """Keras ``standardize_tuple(value, 1, name, allow_zero)``: an int or a 1-element iterable of ints ->
    ``(int,)``, with Keras' messages (the layers' ``kernel_size``, ``strides``, ``dilation_rate``,
    ``output_padding``).

    Like Keras, a bare int is accepted and a bare float or NumPy integer is rejected; inside a list/tuple any
    integer-like element (``numpy.int64``) is accepted. Unlike Keras, a non-integer element (``[3.0]``, ``["3"]``)
    is rejected here instead of failing later, a bool (``True``, which Keras' convolutions take as 1) is a
    ``TypeError`` as for every integer argument of the package, and the result holds plain ints.

    Raises:
        TypeError: a string, or a string element; a bool (``kernel_size=True``, ``[True]``).
        ValueError: anything else that is not one integer, or an integer ``<= 0`` (``< 0`` with
            ``allow_zero``).

    >>> standardize_tuple([2], "strides")
    (2,)
    >>> standardize_tuple(3.0, "kernel_size")
    Traceback (most recent call last):
    ...
    ValueError: The `kernel_size` argument must be a tuple of 1 integers. Received kernel_size=3.0 of type float
    """
    message = f"The `{name}` argument must be a tuple of 1 integers. Received {name}={value}"
    if isinstance(value, int):
        items = (value,)
    else:
        if isinstance(value, (str, bytes)):
            hint = ""
            if name == "strides" and str(value).lower() in CONV_PADDINGS:   # Conv1D(4, 3, "same"): third is strides
                hint = f" (the third positional argument of the conv layers is `strides`: pass padding={value!r})"
            # quoted (Keras shows values unquoted): "Received kernel_size=3 of type str" reads as a contradiction
            raise TypeError(f"The `{name}` argument must be a tuple of 1 integers. Received {name}={value!r} of type "
                            f"{type(value).__name__}{hint}")
        try:
            items = tuple(value)
        except TypeError:  # Keras' message, plus the type: "Received kernel_size=3" alone reads as if 3 were wrong
            hint = ""
            if isinstance(value, numbers.Integral):     # a NumPy integer: Keras too takes only a Python int here
                hint = f" (only a Python int or a list of one integer is accepted here, as in Keras: pass int({name}))"
            raise ValueError(f"{message} of type {_type_name(value)}{hint}") from None
        if len(items) != 1:
            raise ValueError(message)
    item = items[0]
    if isinstance(item, (str, bytes)):
        raise TypeError(f"{message}, including element {item!r} of type {type(item)}")
    if isinstance(item, (bool, np.bool_)):
        raise _bool_refused(name, _integer_requirement(0 if allow_zero else 1), value)
    try:
        result = int(operator.index(item))
    except TypeError:
        raise ValueError(f"{message}, including element {item!r} of type {type(item)}") from None
    if (result < 0) if allow_zero else (result <= 0):
        requirement = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{message}, including values {{{result}}} that do not satisfy "
                         f"`value {requirement}`")
    return (result,)


# ---------------------------------------------------------------------------------------------- padding names
def normalize_padding(value, allowed=CONV_PADDINGS, expected=None):
    """The lower-cased padding name of an op, checked against ``allowed`` (no strip: ``" same"`` is an error).
    ``expected``: what the error message says is accepted, for an op that takes more than these names (``conv1d``
    also takes a ``(left, right)`` tuple); by default ``one of <allowed>``.

    Raises:
        TypeError: not a string.
        ValueError: not one of ``allowed`` (in any case).

    >>> normalize_padding("SAME")
    'same'
    >>> normalize_padding("full")
    Traceback (most recent call last):
    ...
    ValueError: Invalid value for argument `padding`. Expected one of ('valid', 'same', 'causal'). Received padding='full'
    """  # noqa: E501 (doctest output: an exception message cannot wrap)
    if not isinstance(value, str):
        raise TypeError(f"Invalid type for argument `padding`. Expected a string, one of {tuple(allowed)}. "
                        f"Received padding={value!r} of type {type(value).__name__}")
    lowered = value.lower()
    if lowered not in allowed:
        raise ValueError(f"Invalid value for argument `padding`. Expected {expected or f'one of {tuple(allowed)}'}. "
                         f"Received padding={value!r}")
    return lowered


def standardize_padding(value, allowed):
    """Keras ``standardize_padding`` for a layer: the lower-cased name, checked against ``allowed``, with
    Keras 3.15's message word for word (no strip, as Keras). Keras' message mentions a list/tuple, which its
    ``standardize_padding`` lets through but its 1-D layers do not take; an explicit list/tuple padding is a
    ``TypeError`` here (Keras fails later, at call).

    >>> standardize_padding("SAME", ("valid", "same"))
    'same'
    >>> standardize_padding("full", ("valid", "same"))
    Traceback (most recent call last):
    ...
    ValueError: The `padding` argument must be a list/tuple or one of {'valid', 'same'}. Received: full
    """
    names = "{" + ", ".join(repr(a) for a in allowed) + "}"
    if isinstance(value, (list, tuple)):
        raise TypeError(f"The `padding` argument must be one of {names}; explicit (list/tuple) padding is "
                        f"not supported by this layer. Received: padding={value!r}")
    if not isinstance(value, str):
        raise TypeError(f"The `padding` argument must be a string, one of {names}. "
                        f"Received: padding={value!r} of type {type(value).__name__}")
    padding = value.lower()
    if padding not in allowed:
        raise ValueError(f"The `padding` argument must be a list/tuple or one of {names}. Received: {padding}")
    return padding


# ------------------------------------------------------------------------------------------------ axes
def _is_integer(value):
    # an array of several ints has __index__ too, which raises; only one int (or a 0-d array of one) is an integer
    return not isinstance(value, bool) and hasattr(value, "__index__") and getattr(value, "ndim", 0) == 0


class AxisError(ValueError, IndexError):
    """An axis out of range for a tensor's rank: a ``ValueError`` (NumPy's and Keras' class for it, and this
    package's for bad argument values) that is also an ``IndexError`` (PyTorch's "Dimension out of range"), as
    NumPy's own ``AxisError`` is, so that ``except`` clauses written for either library catch it."""


def _dimensions(ndim):
    """``"1 dimension"``, ``"3 dimensions"``: a tensor's rank in words.

    >>> _dimensions(1), _dimensions(0)
    ('1 dimension', '0 dimensions')
    """
    return f"{ndim} dimension{'' if ndim == 1 else 's'}"


def axis_index(axis, ndim, op, *, scalar_axis=False):
    """One axis of a tensor with ``ndim`` axes, an int in ``[-ndim, ndim)``, as a non-negative int.

    Never a silent wrap-around: ``axis=2`` of a 2-D tensor is an error (as in NumPy and PyTorch), not axis 0.
    With ``scalar_axis=True`` a rank-0 tensor has one axis to name, ``0`` or ``-1`` (returned as 0), as PyTorch's
    and Keras' ``softmax`` of a scalar, which treat it as one class.

    Raises:
        TypeError: not an integer (a bool is not an axis).
        AxisError: out of range (a ``ValueError`` and an ``IndexError``); the message names ``op`` first.

    >>> axis_index(-1, 2, "concat")
    1
    >>> try:
    ...     axis_index(2, 2, "concat")
    ... except ValueError as error:
    ...     print(error, isinstance(error, IndexError))
    concat: axis 2 is out of range for a tensor with 2 dimensions. Received: axis=2 True
    >>> axis_index(-1, 0, "log_softmax", scalar_axis=True)
    0
    """
    if not _is_integer(axis):
        raise TypeError(f"{op}: axis must be an integer. Received axis={axis!r}")
    index = int(operator.index(axis))
    span = max(ndim, 1) if scalar_axis else ndim
    if not -span <= index < span:
        raise AxisError(f"{op}: axis {index} is out of range for a tensor with {_dimensions(ndim)}. Received: "
                         f"axis={axis!r}")
    return index % span


def dim_index(dim, ndim, op, name="dim", *, insert=False):
    """One dimension ``dim`` of a tensor with ``ndim`` dimensions, read as PyTorch reads it, as a non-negative int.

    The valid range is PyTorch's: ``[-ndim, ndim - 1]``, where a rank-0 tensor has one dimension to name (``0``
    or ``-1``); with ``insert=True`` (``unsqueeze``: the position of a new dimension) ``[-ndim - 1, ndim]``, a
    negative ``dim`` meaning ``dim + ndim + 1``. The PyTorch-spelled methods (``squeeze``, ``argmax``, ``dim=`` of
    the reductions, ...) use it; the NumPy-spelled ``axis`` arguments use :func:`axis_index` (a ``ValueError``).

    Raises:
        TypeError: not an integer (a bool or a float is not a dimension), as PyTorch.
        AxisError: out of range: an ``IndexError``, PyTorch's class ("Dimension out of range"), so that
            ``except IndexError`` code ports, and a ``ValueError`` as the ``axis=`` spellings raise; the message
            names ``op``, the argument, the value and the range.

    >>> dim_index(-1, 3, "squeeze"), dim_index(-1, 3, "unsqueeze", insert=True), dim_index(-1, 0, "argmax")
    (2, 3, 0)
    >>> try:
    ...     dim_index(3, 3, "squeeze")
    ... except IndexError as error:
    ...     print(error, isinstance(error, ValueError))
    squeeze: Dimension out of range: `dim` must be in [-3, 2] for a tensor with 3 dimensions. Received dim=3 True
    """
    if not _is_integer(dim):
        raise TypeError(f"{op}: Invalid type for argument `{name}`. Expected an integer. Received {name}={dim!r} "
                        f"of type {type(dim).__name__}")
    span = ndim + 1 if insert else max(ndim, 1)
    index = int(operator.index(dim))
    if not -span <= index < span:
        raise AxisError(f"{op}: Dimension out of range: `{name}` must be in [{-span}, {span - 1}] for a tensor with "
                        f"{_dimensions(ndim)}. Received {name}={dim!r}")
    return index % span


class _NotGiven:
    """The default of an argument that has a second spelling (``dim``/``axis``, ``keepdim``/``keepdims``, ``size``),
    told apart from every value the caller can give: PyTorch refuses both spellings of one argument even at its
    default (``x.amax(keepdim=False, keepdims=True)``), and refuses some values it never takes as a default
    (``axis=None`` of ``squeeze``). ``help()`` and ``inspect.signature`` show it as ``shown``: PyTorch's default
    where it stands for one (:data:`DEFAULT_NONE`, :data:`DEFAULT_FALSE`), else ``<not given>``."""

    def __init__(self, shown):
        self.shown = shown

    def __repr__(self):
        return self.shown


#: An alias (``axis``, ``keepdims``) or an argument PyTorch requires (``logsumexp``'s ``dim``) left out.
NOT_GIVEN = _NotGiven("<not given>")
#: ``dim`` left out, which means every dimension, as PyTorch's ``dim=None`` (``help(t.amax)``: ``dim=None``).
DEFAULT_NONE = _NotGiven("None")
#: ``keepdim`` left out, which means False, as PyTorch's ``keepdim=False`` (``help(t.amax)``: ``keepdim=False``).
DEFAULT_FALSE = _NotGiven("False")


def given(value):
    """Whether the caller gave an argument whose default is :data:`NOT_GIVEN`, :data:`DEFAULT_NONE` or
    :data:`DEFAULT_FALSE`.

    >>> given(DEFAULT_FALSE), given(False), given(NOT_GIVEN), given(None)
    (False, True, False, True)
    """
    return not isinstance(value, _NotGiven)


def dim_or_axis(op, dim, axis, default=None, *, required=False):
    """``(dim, name)``: ``dim``, or PyTorch's alias ``axis`` when that is given instead, with the name of the one
    given (for error messages); neither given is ``(default, "dim")``, or a ``TypeError`` with ``required=True``
    (``logsumexp``, ``softmax``, ... whose ``dim`` PyTorch requires). Both given, even ``dim=None``, is a
    ``TypeError``, as PyTorch refuses them; so is ``axis=None`` where ``None`` does not mean "every dimension"
    (``squeeze``, ``unsqueeze``).

    PyTorch accepts ``axis=`` (and ``keepdims=``, :func:`keepdim_or_keepdims`) on every ``Tensor`` method whose
    argument is named ``dim`` (``keepdim``) in its C++ signature: its argument parser knows these NumPy names.

    >>> dim_or_axis("squeeze", NOT_GIVEN, 1), dim_or_axis("squeeze", 0, NOT_GIVEN)
    ((1, 'axis'), (0, 'dim'))
    """
    if not given(axis):
        if not given(dim) and required:
            raise TypeError(f"{op}() missing its required argument `dim` (or its alias `axis`), as PyTorch requires "
                            f"it: e.g. x.{op}(dim=-1)")
        return (dim if given(dim) else default), "dim"
    if given(dim):
        raise TypeError(f"{op}() takes `dim` or its alias `axis`, not both. Received dim={dim!r}, axis={axis!r}: "
                        f"give one of them")
    if axis is None and op in ("squeeze", "unsqueeze"):
        raise TypeError(f"{op}(): `axis` must be an int (or a tuple of ints for squeeze), as in PyTorch. Received "
                        "axis=None")
    return axis, "axis"


def keepdim_or_keepdims(op, keepdim, keepdims):
    """``keepdim``, or PyTorch's alias ``keepdims`` when that is given instead, checked to be True or False (as
    PyTorch refuses ``keepdim=None`` and ``keepdim=1``); neither given is False. Both given, even ``keepdim=False``,
    is a ``TypeError``, as PyTorch refuses them.

    >>> keepdim_or_keepdims("amax", DEFAULT_FALSE, True), keepdim_or_keepdims("amax", DEFAULT_FALSE, NOT_GIVEN)
    (True, False)
    >>> keepdim_or_keepdims("amax", DEFAULT_FALSE, None)
    Traceback (most recent call last):
    ...
    TypeError: amax: Invalid type for argument `keepdims`. Expected True or False. Received keepdims=None
    """
    if not given(keepdims):
        return flag(keepdim, "keepdim", op) if given(keepdim) else False
    if given(keepdim):
        raise TypeError(f"{op}() takes `keepdim` or its alias `keepdims`, not both. Received keepdim={keepdim!r}, "
                        f"keepdims={keepdims!r}: give one of them")
    return flag(keepdims, "keepdims", op)


def dim_and_keepdim(op, dim, axis, keepdim, keepdims, *, required=False):
    """``(dim, keepdim)`` of a reduction method (``amax``, ``logsumexp``, ``median``, ``var``, ...) from PyTorch's
    names or their aliases: :func:`dim_or_axis` (``dim`` None when neither is given) and
    :func:`keepdim_or_keepdims` (a bool).

    >>> dim_and_keepdim("amax", DEFAULT_NONE, 1, DEFAULT_FALSE, True)
    (1, True)
    """
    return dim_or_axis(op, dim, axis, required=required)[0], keepdim_or_keepdims(op, keepdim, keepdims)


def reduction_axes(axis, ndim, op):
    """The axes a reduction runs over, as a sorted tuple of non-negative ints: ``None`` means every axis; an
    int or a tuple/list of ints otherwise. A rank-0 tensor accepts ``axis=0`` and ``axis=-1`` and reduces
    nothing (as PyTorch, where ``x.sum(dim=0)`` of a scalar is the scalar; NumPy raises an ``AxisError``).

    Raises:
        TypeError: not None, an integer or a tuple/list of integers.
        AxisError: an axis out of range (a ``ValueError`` and an ``IndexError``).
        ValueError: the same axis twice.

    >>> reduction_axes(None, 2, "sum"), reduction_axes(-1, 3, "sum")
    ((0, 1), (2,))
    >>> reduction_axes((0, -2), 2, "sum")
    Traceback (most recent call last):
    ...
    ValueError: sum: axis contains a repeated axis: (0, -2)
    >>> reduction_axes(0, 0, "sum"), reduction_axes(-1, 0, "sum")
    ((), ())
    """
    if axis is None:
        return tuple(range(ndim))
    items = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
    if not all(_is_integer(a) for a in items):
        raise TypeError(f"{op}: axis must be an int, a tuple of ints or None. Received axis={axis!r}")
    span = max(ndim, 1)  # a rank-0 tensor has one (virtual) axis to name: 0 or -1
    seen = []
    for a in items:
        a = int(operator.index(a))
        if not -span <= a < span:
            raise AxisError(f"{op}: axis {a} is out of range for a tensor with {_dimensions(ndim)}. Received: "
                             f"axis={axis!r}")
        seen.append(a % span)
    if len(set(seen)) != len(seen):
        raise ValueError(f"{op}: axis contains a repeated axis: {axis!r}")
    return tuple(sorted(seen)) if ndim else ()


def axis_argument(axis, name="axis"):
    """An axis argument stored before the rank is known (constraints, normalization): ``None``, an int, or a
    list/tuple of ints (returned as a list, as Keras keeps it in the config).

    >>> axis_argument(0), axis_argument((0, 1)), axis_argument(None)
    (0, [0, 1], None)
    >>> axis_argument([0, "1"])
    Traceback (most recent call last):
    ...
    TypeError: Invalid type for argument `axis`. Expected an integer, a list or tuple of integers, or None. Received axis=[0, '1'] of type list (the item '1' is of type str)
    """  # noqa: E501 (doctest output: an exception message cannot wrap)
    if axis is None:
        return None
    items = axis if isinstance(axis, (list, tuple)) else [axis]
    wrong = next((a for a in items if not _is_integer(a)), None)
    if wrong is not None:
        item = f" (the item {wrong!r} is of type {type(wrong).__name__})" if wrong is not axis else ""
        raise TypeError(f"Invalid type for argument `{name}`. Expected an integer, a list or tuple of integers, or "
                        f"None. Received {name}={axis!r} of type {type(axis).__name__}{item}")
    if isinstance(axis, (list, tuple)):
        return [int(operator.index(a)) for a in axis]
    return int(operator.index(axis))


# ------------------------------------------------------------------------------------------------ numbers
def _interval(low, high, low_open, high_open):
    if high is None:
        return f"{'>' if low_open else '>='} {low}"
    if low is None:
        return f"{'<' if high_open else '<='} {high}"
    return f"in {'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"


def number(value, name, *, low=None, high=None, low_open=False, high_open=False, finite=False,
           type_error=TypeError, expected=None):
    """A real number (not a bool) in the interval given by ``low``/``high`` (closed unless ``*_open``);
    returned unchanged (an int stays an int, so configs keep what the user wrote).

    NaN is never accepted; infinities only when ``finite`` is False and the interval allows them.

    Args:
        value, name: the argument and its name.
        low, high: the bounds (``None``: unbounded); ``low_open``/``high_open`` exclude them.
        finite: reject ``inf`` and ``-inf``.
        type_error: the exception for a non-number (``ValueError`` where Keras raises one).
        expected: the words for what is expected, when the default ("a number in [0, 1)") is not the clearest.

    Raises:
        TypeError: (or ``type_error``) not a real number, or a bool.
        ValueError: NaN, an infinity with ``finite``, or a number outside the interval.

    >>> number(2, "max_value", low=0)
    2
    >>> number(-1.0, "stddev", low=0, finite=True)
    Traceback (most recent call last):
    ...
    ValueError: Invalid value for argument `stddev`. Expected a finite number >= 0. Received stddev=-1.0
    """
    if expected is None:
        expected = "a finite number" if finite else "a number"
        if low is not None or high is not None:
            expected += " " + _interval(low, high, low_open, high_open)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise type_error(f"Invalid {_kind(type_error)} for argument `{name}`. Expected {expected}. "
                         f"Received {name}={value!r}")
    below = low is not None and (value <= low if low_open else value < low)
    above = high is not None and (value >= high if high_open else value > high)
    if below or above or math.isnan(value) or (finite and math.isinf(value)):
        raise ValueError(f"Invalid value for argument `{name}`. Expected {expected}. "
                         f"Received {name}={value!r}")
    return value


@contextlib.contextmanager
def named_by(where):
    """Within the block, a ``TypeError`` or ``ValueError`` of the checks above (:func:`number`, :func:`integer`)
    comes out with ``where`` (the function whose arguments they check) in front of its message.

    >>> with named_by("gradcheck"):
    ...     number(-1.0, "atol", low=0)
    Traceback (most recent call last):
    ...
    ValueError: gradcheck: Invalid value for argument `atol`. Expected a number >= 0. Received atol=-1.0
    """
    try:
        yield
    except (TypeError, ValueError) as error:
        raise type(error)(f"{where}: {error}") from None


def flag(value, name, where=""):
    """``value`` as a Python bool when it is one (NumPy's bool too); anything else (the string ``"False"``, 0, None),
    which Python would read as true or false without a word, raises a ``TypeError`` naming ``name`` (and ``where``,
    the class or function it is an argument of).

    >>> flag(True, "from_logits")
    True
    >>> flag("False", "from_logits")
    Traceback (most recent call last):
    ...
    TypeError: Invalid type for argument `from_logits`. Expected True or False. Received from_logits='False'
    """
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{where + ': ' if where else ''}Invalid type for argument `{name}`. Expected True or False. "
                        f"Received {name}={value!r}")
    return bool(value)


def backward_arguments(gradient, retain_graph, create_graph, inputs, grad):
    """The arguments of ``Tensor.backward`` (PyTorch's ``backward(gradient, retain_graph, create_graph, inputs)``,
    with ``grad=`` too, this project's earlier name for ``gradient``) checked: ``(gradient, retain_graph)`` with
    ``retain_graph`` a bool (``None`` is ``False``).

    Raises:
        TypeError: ``gradient`` and ``grad`` both given, or ``retain_graph``/``create_graph`` not a bool.
        ValueError: ``create_graph=True`` (no graph is recorded through the backward pass) or ``inputs`` given.

    >>> backward_arguments(None, None, False, None, grad=[1.0])
    ([1.0], False)
    """
    if grad is not None:
        if gradient is not None:
            raise TypeError("Invalid type for argument `grad`: backward() takes the output gradient once, as "
                            "`gradient` (PyTorch's name) or as `grad`, not both. Received both")
        gradient = grad
    retain_graph = False if retain_graph is None else flag(retain_graph, "retain_graph")
    if flag(create_graph, "create_graph"):
        raise ValueError("backward(): Invalid value for argument `create_graph`. Expected False: the backward "
                         "pass records no graph here, so higher-order gradients are not supported (write the "
                         "derivative's formula as an op, or check it with tg.gradcheck). Received "
                         "create_graph=True")
    if inputs is not None:
        raise ValueError("backward(): Invalid value for argument `inputs`. Expected None: every leaf that "
                         "requires a gradient receives one here; read the .grad of the tensors you need (and "
                         f"zero_grad() the others). Received inputs of type {type(inputs).__name__}")
    return gradient, retain_graph


def path_like(value, name="filepath"):
    """``os.fspath(value)``: a ``str`` or ``bytes`` path, from a string or a ``pathlib.Path``.

    Raises:
        TypeError: ``value`` is not a path (``None``, a number), naming ``name`` (Python's own error names none).

    >>> path_like(None)
    Traceback (most recent call last):
    ...
    TypeError: Invalid type for argument `filepath`. Expected a path. Received None
    """
    try:
        return os.fspath(value)
    except TypeError:
        raise TypeError(f"Invalid type for argument `{name}`. Expected a path. Received {value!r}") from None


# ------------------------------------------------------------------------------------------------ other libraries
#: The libraries whose objects users reach for by habit, by the first part of their module's name.
FOREIGN_LIBRARIES = {"keras": "Keras", "tf_keras": "Keras", "tensorflow": "TensorFlow", "torch": "PyTorch"}


def foreign_library(value):
    """``"Keras"``, ``"TensorFlow"`` or ``"PyTorch"`` when ``value`` (a function, class or instance) comes from that
    library, else None: their optimizers, losses, activations and regularizers compute on their own tensors, not
    ours.

    >>> foreign_library(len), foreign_library(type("Adam", (), {"__module__": "keras.src.optimizers.adam"})())
    (None, 'Keras')
    """
    while isinstance(value, functools.partial):          # functools.partial(keras.losses.huber, delta=0.5)
        value = value.func
    module = getattr(value, "__module__", None) or type(value).__module__
    return FOREIGN_LIBRARIES.get(str(module).partition(".")[0])


def refuse_foreign(value, kind, expected):
    """``TypeError`` when ``value``, given as a ``kind`` (``"optimizer"``, ``"activation"``, ...), is an object of
    Keras, TensorFlow or PyTorch (:func:`foreign_library`): it would compute on that library's tensors, where no
    gradient of ours flows, and fail late with a misleading error or, as an activation, leave the weights before it
    untrained without a word. ``expected`` says what to pass instead.

    >>> refuse_foreign(type("L2", (), {"__module__": "keras.src.regularizers"})(), "regularizer", "'l2'")
    Traceback (most recent call last):
    ...
    TypeError: Cannot use a Keras object (L2) as a tinygradconv regularizer: it computes on Keras tensors, not on tinygradconv's. Expected 'l2'
    """  # noqa: E501 (doctest output: an exception message cannot wrap)
    library = foreign_library(value)
    if library is not None:
        what = getattr(value, "__name__", None) or type(value).__name__
        raise TypeError(f"Cannot use a {library} object ({what}) as a tinygradconv {kind}: it computes on {library} "
                        f"tensors, not on tinygradconv's. Expected {expected}")


# ------------------------------------------------------------------------------------------------ dtypes
def dtype_argument(dtype, accepted, name="dtype", type_error=TypeError):
    """The plain name (``"float32"``) of a dtype argument given as a name, a NumPy or backend dtype, a NumPy scalar
    type, Python's ``float``/``int``/``bool``, or a PyTorch dtype (``torch.float64`` is ``"float64"``, for users
    coming from PyTorch; torch is never imported here), checked against the names in ``accepted``.

    Raises:
        TypeError: (or ``type_error``, a ``ValueError`` where Keras raises one) anything else (an unknown name, a
            dtype not in ``accepted``, ``None``, an int, a class such as ``list``), naming the argument, the value
            received and the accepted names.

    >>> dtype_argument(np.float32, ("float32", "int64")), dtype_argument("int64", ("float32", "int64"))
    ('float32', 'int64')
    >>> dtype_argument(3, ("float32", "int64"))
    Traceback (most recent call last):
    ...
    TypeError: Invalid type for argument `dtype`. Expected one of ('float32', 'int64') (a name, or a NumPy or PyTorch dtype). Received dtype=3 of type int
    """  # noqa: E501 (doctest output: an exception message cannot wrap)
    from .backend import dtype_name  # (validation is imported by the engine core)

    kind = type(dtype)
    found = None
    if kind.__module__ == "torch" and kind.__name__ == "dtype":   # torch.float64 prints as 'torch.float64'
        found = str(dtype).rpartition(".")[2]
    elif dtype is not None:                                        # (NumPy would read None as float64)
        try:
            found = dtype_name(dtype)
        except (TypeError, ValueError):                            # not a dtype at all: 3, [1], an object
            pass
    if found not in accepted:
        shown = "" if isinstance(dtype, (str, type)) else f" of type {_type_name(dtype)}"  # (a class shows itself)
        raise type_error(f"Invalid {_kind(type_error)} for argument `{name}`. Expected one of {tuple(accepted)} (a "
                         f"name, or a NumPy or PyTorch dtype). Received {name}={dtype!r}{shown}")
    return found


#: The floating dtypes' names (config's tuple, under the name metrics, layers and optimizers import).
FLOAT_DTYPES = _FLOAT_TYPES


def float_dtype_argument(dtype, lead="Invalid value for argument `dtype`. Expected"):
    """The float dtype's name from ``dtype`` as :func:`dtype_argument` reads it (a name, a NumPy dtype or scalar type
    such as ``np.float64``, a backend or PyTorch dtype), for the weights of layers and initializers.

    Raises:
        ValueError: anything else, as Keras refuses a layer's dtype; the message starts with ``lead``.

    >>> float_dtype_argument(np.float64), float_dtype_argument("float16")
    ('float64', 'float16')
    """
    try:
        return dtype_argument(dtype, FLOAT_DTYPES)
    except TypeError:
        raise ValueError(f"{lead} one of {FLOAT_DTYPES} (a name, or a NumPy or PyTorch dtype). Received "
                         f"dtype={dtype!r}") from None


# ------------------------------------------------------------------------------------------------ tensor data
def integer_data(array, dtype):
    """Refuse Python numbers (given as ``array``, a NumPy array of them) that the integer ``dtype`` cannot hold, as
    ``torch.tensor`` does (NumPy would wrap ``300`` to ``44`` in uint8 and turn NaN into ``-2**31``). Fractions are
    truncated, as in both. (NumPy arrays are cast as NumPy casts them, wrapping, as ``torch.tensor`` does too.)

    >>> try:
    ...     integer_data(np.array([300]), "uint8")
    ... except ValueError as error:
    ...     print(str(error)[:58])
    Invalid value for argument `data`: 300 cannot be converted
    """
    if array.size == 0 or array.dtype == np.bool_:
        return
    info = np.iinfo(dtype)
    if array.dtype.kind == "f":
        whole = np.trunc(array)
        bad = ~np.isfinite(array) | (whole < info.min) | (whole >= float(info.max) + 1)   # 2**63 is not int64
    else:
        bad = (array < info.min) | (array > info.max)
    if bad.any():
        value = array[bad].flat[0].item()
        raise ValueError(f"Invalid value for argument `data`: {value!r} cannot be converted to {dtype} (which holds "
                         f"whole numbers from {info.min} to {info.max}) without overflow. Pass a float dtype, or "
                         "a NumPy array, which is cast as NumPy casts it (wrapping around)")


def float16_holds(value) -> bool:
    """Whether a Python number is exactly a float16 value (so that float16 arithmetic with it rounds only once).

    >>> float16_holds(0.5), float16_holds(0.1), float16_holds(1e5)
    (True, False, False)
    """
    return abs(value) <= 65504 and float(np.float16(value)) == value     # (NaN, inf: either way gives the same)


def gradient_for(tensor, value):
    """``value`` when it may be ``tensor.grad``: None, or a Tensor of ``tensor``'s shape, dtype and backend, as
    PyTorch checks ``t.grad = ...``; else a ``TypeError`` (not a Tensor: wrap an array with ``tg.tensor``) or a
    ``ValueError`` (another shape, dtype or backend)."""
    if value is None:               # first: clearing ``.grad`` is the common case (every training step)
        return None
    from .backend import dtype_name
    from .tensor import Tensor  # (validation is imported by the tensor module)

    if value is tensor:
        raise ValueError("Invalid value for `grad`: a tensor cannot be its own gradient (as in PyTorch)")
    name = dtype_name(tensor.dtype)
    if not isinstance(value, Tensor):
        raise TypeError(f"Invalid value for `grad`: expected a Tensor or None. Received a {type(value).__name__}; "
                        f"wrap it with tg.tensor(value, dtype={name!r})")
    if value.backend is not tensor.backend or value.shape != tensor.shape or value.dtype != tensor.dtype:
        raise ValueError(f"Invalid value for `grad`: a tensor of shape {tensor.shape}, dtype {name} on the "
                         f"{tensor.backend.name} backend gets a gradient of the same shape, dtype and backend. "
                         f"Received shape {value.shape}, dtype {dtype_name(value.dtype)}, backend {value.backend.name}")
    return value


# ------------------------------------------------------------------------------------------------ memory
@functools.lru_cache(maxsize=1)
def physical_memory():
    """This machine's physical memory in bytes (``sysconf``), or ``None`` where the system does not say."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):           # no sysconf (Windows), or no such name
        return None


def weight_fits(layer, name, shape, dtype, float64_first=False):
    """A ``ValueError`` before a weight of ``shape`` and ``dtype`` is created when making it would take more than
    this machine's memory: at least its initial value and the weight's copy of it, twice its size, or, where the
    initial value is computed in float64 first (``float64_first``: the initializers of
    :mod:`~tinygradconv.initializers`), that float64 array and its cast together. Without the check, a
    ``Conv1DTranspose(10**9, 3)`` was killed by the system (found by a tester), and ``Conv1DTranspose(1, 10**12)``
    got NumPy's ``MemoryError`` from deep inside an initializer.

    >>> weight_fits("dense", "kernel", (3, 4), "float32")
    >>> weight_fits("dense", "kernel", (10**8, 10**8), "float32")     # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: Layer 'dense': creating the weight `kernel` of shape (100000000, 100000000) and dtype float32 ...
    """
    itemsize = np.dtype(dtype).itemsize
    values = math.prod(shape)
    needed = values * max(2 * itemsize, 8 + itemsize if float64_first else 0)
    memory = physical_memory()
    if memory is not None and needed > memory:
        raise ValueError(f"Layer {layer!r}: creating the weight `{name}` of shape {tuple(shape)} and dtype {dtype} "
                         f"needs at least {needed / 2**30:.4g} GiB (the weight alone takes "
                         f"{values * itemsize / 2**30:.4g} GiB), more than this machine's memory "
                         f"({memory / 2**30:.4g} GiB). Check the layer's size arguments (units, filters, kernel_size, "
                         "...)")


def size_fits(where, what, nbytes, arguments, data=None):
    """A ``ValueError`` naming ``arguments`` before ``what`` (an output, a padded copy, a metric's state) of
    ``nbytes`` bytes is made, when that is more than one array can hold (``2**63 - 1`` bytes) or more than this
    machine's memory: :func:`weight_fits`' guard, for the arrays that layers, ops and metrics grow from a size
    argument. ``data``: the input the result is made from; the memory is checked only where it lives in this
    machine's memory (NumPy-based backends), as ``ops.conv1d`` does. Without the check, ``ZeroPadding1D(10**12)`` got
    NumPy's ``MemoryError: Unable to allocate 58.2 TiB``, ``ZeroPadding1D(10**30)`` its "Maximum allowed dimension
    exceeded", and ``AUC(num_thresholds=10**30)`` ran two minutes before a ``MemoryError`` with no message (found
    by a tester).

    >>> size_fits("pad", "the output", 10**6, "pad_width=1")
    >>> size_fits("ZeroPadding1D", "the output", 10**30, "padding=(0, 10**30)")   # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: ZeroPadding1D: the output would take 9.095e+17 TiB, more than one array can hold ...
    """
    if nbytes > np.iinfo(np.int64).max:
        raise ValueError(f"{where}: {what} would take {nbytes / 2**40:.4g} TiB, more than one array can hold "
                         f"(2**63 bytes). Received {arguments}.")
    local = data is None or type(data).__module__.startswith(("numpy", "array_api_strict"))
    memory = physical_memory() if local else None
    if memory is not None and nbytes > memory:
        raise ValueError(f"{where}: {what} would take {nbytes / 2**30:.4g} GiB, more than this machine's memory "
                         f"({memory / 2**30:.4g} GiB). Received {arguments}.")


def _ordered_collection(value) -> bool:
    """True for a collection that can be read again in the order written (a tuple, a dict, ``dict.keys()``, a
    ``range``, a ``deque``, ``bytes`` or a ``bytearray``); False for text, a set (no order of its own), a generator
    or other one-time iterator (``iter(it) is it``), and anything not iterable."""
    if isinstance(value, (str, set, frozenset)) or not hasattr(value, "__iter__"):
        return False
    return iter(value) is not value


def integer_tuple(value, argument, expected="", noun="integers", unknown=False) -> tuple:
    """``value`` as a tuple of Python ints, read as Keras 3 reads ``Permute``'s ``dims`` and ``Reshape``'s
    ``target_shape`` (``tuple(value)``): any collection in its own order (a tuple, list, ``range``, ``deque``, a
    dict or ``dict.keys()``, whose keys are they, ``bytes`` or a ``bytearray`` of its byte values:
    ``b"\\x03\\x04"`` is ``(3, 4)``), or a 1-D integer array (NumPy, object-dtype NumPy, torch). ``argument``
    names it in the messages, and ``expected`` (``", a permutation of 1 .. n"``) and ``noun`` (``"axes"``) say what
    the integers are. With ``unknown=True`` (``Reshape``), None entries are kept (an unknown size).

    Raises:
        TypeError: an integer alone (a tuple even for one axis: ``(15,)``); a set or frozenset, whose order is not
            the one written (Keras takes ``{2, 1}`` as ``(1, 2)``); a generator; an array of other than one axis;
            entries that are not integers (floats, bools, None unless ``unknown``).
        ValueError: text (``"21"``, ``("2", "1")``), bytes of digit characters (``b"21"``, whose byte values
            Keras takes: ``(50, 49)``), a text or boolean array.

    >>> integer_tuple(range(3, 0, -1), "dims")
    (3, 2, 1)
    """
    if isinstance(value, (numbers.Integral, np.integer)) and not isinstance(value, bool):
        # Keras 3 raises TypeError ("'int' object is not iterable"): a shape is a tuple, even of one size
        raise TypeError(f"Invalid type for argument `{argument}`. Expected a tuple of integers{expected}, even for "
                        f"one axis: {argument}=({int(value)},). Received the integer {argument}={value!r}")
    received = f"{argument}={value!r}"     # as given, before it is read into a list
    if isinstance(value, (bytes, bytearray)) and value and value.isdigit():
        # Keras reads bytes as their byte values (b"21" is (50, 49)): surely meant as the digits
        raise ValueError(f"Invalid value for argument `{argument}`: expected a tuple of integers{expected}. "
                         f"Received {received}, whose byte values, {tuple(value)}, are what Keras would take "
                         f"(for {noun}, write {argument}={tuple(int(c) for c in value.decode())})")
    if hasattr(value, "__array__") and not isinstance(value, (tuple, list, str, bytes)):
        array = np.asarray(value)    # a NumPy or torch array: a 1-D one, read as Keras' tuple(value) reads it
        if array.ndim != 1:
            raise TypeError(f"Invalid type for argument `{argument}`. Expected a 1-D collection of "
                            f"integers{expected}. Received {received} of {array.ndim} axes")
        if array.dtype.kind in "USb":   # text or bools: Keras' checks refuse them (ValueError)
            raise ValueError(f"Invalid value for argument `{argument}`: expected integers{expected}, not "
                             f"{array.dtype} values. Received {received}")
        value = array.tolist()          # Python ints (floats stay floats: refused below)
    elif _ordered_collection(value):
        value = list(value)     # in its own order, as Keras' tuple(value): a dict's keys, dict.keys(), a range, a
        #                         deque; bytes and a bytearray give their byte values (b"\x02\x01" is (2, 1))
    if isinstance(value, str) or (isinstance(value, list) and any(isinstance(d, (str, bytes)) for d in value)):
        hint = f" (for {noun}, write {argument}={tuple(int(c) for c in value)})" \
            if isinstance(value, str) and value.isdigit() else ""
        raise ValueError(f"Invalid value for argument `{argument}`: expected a tuple of integers{expected}, not "
                         f"text. Received {received}{hint}")
    if isinstance(value, (set, frozenset)):
        raise TypeError(f"Invalid type for argument `{argument}`. Expected an ordered collection of integers (a "
                        f"tuple){expected}: a set's order is not the order written (Keras takes {{2, 1}} as "
                        f"(1, 2)). Received {received}")
    if not isinstance(value, (tuple, list)) or not all(
            (isinstance(d, (numbers.Integral, np.integer)) and not isinstance(d, bool)) or (unknown and d is None)
            for d in value):
        raise TypeError(f"Invalid type for argument `{argument}`. Expected a tuple of integers{expected}. "
                        f"Received {received}")
    return tuple(None if d is None else int(d) for d in value)
