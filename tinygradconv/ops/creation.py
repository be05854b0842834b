"""New tensors shaped like another: ``zeros_like``, ``ones_like``, ``full_like``, ``rand_like``, ``randn_like``, as
PyTorch's functions of those names (https://pytorch.org/docs/stable/torch.html#creation-ops).

Each returns a new leaf tensor of ``x``'s shape, on ``x``'s backend (PyTorch's device), of ``x``'s dtype unless
``dtype=`` names another, requiring grad only when ``requires_grad=True`` is passed (never from ``x``, as in
PyTorch): these are not ops of the graph, and ``x``'s values are not read. The random ones draw from the package's
generator (:mod:`tinygradconv.random`), so ``tg.set_seed(0)`` makes them repeatable; their numbers are not
PyTorch's (another generator), only their distribution is.

>>> import tinygradconv as tg
>>> x = tg.tensor([[1.0, 2.0], [3.0, 4.0]], dtype="float64")
>>> zeros_like(x), full_like(x, 7, dtype="int32").tolist()
(tensor([[0., 0.],
        [0., 0.]], dtype=float64), [[7, 7], [7, 7]])
>>> tg.set_seed(0); a = randn_like(x); tg.set_seed(0); b = randn_like(x)
>>> bool((a == b).numpy().all()), a.shape, str(a.dtype)
(True, (2, 2), 'float64')
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from .. import random
from ..backend import dtype_name
from ..tensor import _FLOAT_KINDS, Tensor, _check_dtype, _number_fits
from .elementwise import article, out_of_range_error, whole_number_to_write


def _like(x, dtype, requires_grad, array_of):
    """A new tensor of ``x``'s shape and backend: ``array_of(shape, dtype name)`` (a NumPy array), in ``dtype``
    (``x``'s by default), with ``requires_grad`` checked by the constructor."""
    x = x if isinstance(x, Tensor) else Tensor(x)
    name = dtype_name(x.dtype) if dtype is None else _check_dtype(dtype)
    return Tensor(array_of(tuple(x.shape), name), dtype=name, backend=x.backend, requires_grad=requires_grad)


def zeros_like(x, *, dtype=None, requires_grad=False):
    """Zeros of ``x``'s shape, dtype (or ``dtype``) and backend, as ``torch.zeros_like`` (False for bool).

    Args:
        x: a Tensor (or data, converted by :class:`~tinygradconv.Tensor`'s rule; PyTorch takes a tensor only).
        dtype: a dtype name (``"float32"``), NumPy or PyTorch dtype; ``x``'s by default.
        requires_grad: make the result a leaf that requires grad (a floating dtype only).

    Raises:
        TypeError: ``requires_grad=True`` with an integer or bool dtype (as PyTorch), or an unknown ``dtype``.

    >>> import tinygradconv as tg
    >>> zeros_like(tg.tensor([1, 2, 3], dtype="int64")).tolist()
    [0, 0, 0]
    """
    return _like(x, dtype, requires_grad, lambda shape, name: np.zeros(shape, dtype=name))


def ones_like(x, *, dtype=None, requires_grad=False):
    """Ones of ``x``'s shape, dtype (or ``dtype``) and backend, as ``torch.ones_like`` (True for bool); the
    arguments and errors of :func:`zeros_like`.

    >>> import tinygradconv as tg
    >>> ones_like(tg.tensor([1.0, 2.0]), requires_grad=True)
    tensor([1., 1.], dtype=float32, requires_grad=True)
    """
    return _like(x, dtype, requires_grad, lambda shape, name: np.ones(shape, dtype=name))


def full_like(x, fill_value, *, dtype=None, requires_grad=False):
    """``fill_value`` in every element, of ``x``'s shape, dtype (or ``dtype``) and backend, as ``torch.full_like``.

    ``fill_value`` is a Python or NumPy number (or a one-element tensor, as PyTorch takes it). NaN and the
    infinities fill a floating tensor, as in PyTorch.

    A finite number beyond a floating dtype's range (``1e39`` for float32, ``65505`` for float16) is refused, as
    PyTorch refuses it ("value cannot be converted to type float without overflow"), not filled as ``inf``; a
    number within it is rounded to the dtype (``0.1`` is float16's ``0.0999755859375``).

    Differences from PyTorch: a number the dtype cannot hold unchanged is refused, as ``t[...] = value`` refuses it
    here: ``2.5`` for an integer dtype (PyTorch truncates it to 2), ``2`` for bool (PyTorch makes it True). A float
    that holds an integer the dtype holds is taken, as in PyTorch (``full_like(int32_t, 2.0)`` is int32 2).
    PyTorch fills a float16 tensor of one element by another path, which takes any number and rounds it (``65519``
    to ``65504``, ``1e5`` to ``inf``); here the rule of its other sizes holds for every size.

    Raises:
        TypeError: a ``fill_value`` that is not a number; a float ``fill_value`` that is not an integer the
            integer dtype holds (``2.5``, ``1e300``), or another number than 0, 1, True or False for bool;
            ``requires_grad=True`` with a dtype that is not floating.
        ValueError: an integer outside the integer dtype's range (for a floating dtype, outside int64's and
            uint64's, as PyTorch's "int too big to convert"), or a finite number beyond the floating dtype's range
            (PyTorch: "value cannot be converted to type ... without overflow").

    >>> import tinygradconv as tg
    >>> full_like(tg.tensor([1.0, 2.0]), float("nan")).tolist()
    [nan, nan]
    """
    x = x if isinstance(x, Tensor) else Tensor(x)
    name = dtype_name(x.dtype) if dtype is None else _check_dtype(dtype)
    value = fill_value_for(fill_value, name, "full_like")
    return _like(x, name, requires_grad, lambda shape, kind: np.full(shape, value, dtype=kind))


def fill_value_for(fill_value, name, op):
    """``fill_value`` (a Python or NumPy number, or a one-element tensor) as the number that fills a tensor of dtype
    name ``name`` in ``op`` (:func:`full_like`, ``t.new_full``, ``t.new_zeros``, ``t.new_ones``), or the error
    :func:`full_like` documents: a float that holds an integer the integer dtype holds is that integer (``2.0`` into
    int32 is 2, as PyTorch), any other float a ``TypeError`` quoting it
    (:func:`~tinygradconv.ops.elementwise.whole_number_to_write`: PyTorch truncates ``2.5`` to 2 and refuses
    ``1e300``), an integer out of range a ``ValueError`` (:func:`refuse_out_of_range`).

    >>> fill_value_for(2.0, "int32", "full_like"), fill_value_for(1, "bool", "full_like")
    (2, True)
    """
    value = fill_value.item() if isinstance(fill_value, Tensor) and fill_value.size == 1 else fill_value
    if isinstance(value, np.generic):
        value = value.item()
    if not isinstance(value, numbers.Real):
        raise TypeError(f"Invalid type for argument `fill_value` of {op}: expected a number (or a one-element "
                        f"tensor). Received {fill_value!r} of type {type(fill_value).__name__}")
    value = whole_number_to_write(value, name, argument=f"`fill_value` of {op}", verb="fill")
    if name == "bool" and type(value) is int and value in (0, 1):
        value = bool(value)
    if name in _FLOAT_KINDS:
        low, high = int(np.iinfo(np.int64).min), int(np.iinfo(np.uint64).max)     # PyTorch's integer numbers
        if isinstance(value, numbers.Integral) and not low <= value <= high:
            raise ValueError(f"Invalid value for argument `fill_value` of {op}: the integer {value!r} is outside "
                             f"[{low}, {high}], the integers PyTorch converts (\"int too big to convert\"); pass "
                             f"a float")
        refuse_out_of_range(value, name, "fill_value", op)
    elif not _number_fits(value, name):
        if name != "bool" and isinstance(value, numbers.Integral) and not isinstance(value, bool):
            refuse_out_of_range(value, name, "fill_value", op)
        raise TypeError(f"Invalid type for argument `fill_value` of {op}: {article(name)} {name} tensor holds True or "
                        f"False (or 0 or 1). Received {value!r} (PyTorch would make it True); pass dtype='float32' "
                        f"for a floating tensor")
    return value


def refuse_out_of_range(value, kind, argument, op):
    """Raise a ``ValueError`` for a number ``value`` that the dtype ``kind`` (not bool) cannot hold: a finite number
    beyond a floating dtype's largest (``1e39`` for float32, ``65505`` for float16; an infinity or NaN is a value of
    its own), or an integer outside an integer dtype's range (``300`` for int8), as PyTorch refuses both ("value
    cannot be converted to type ... without overflow") rather than store ``inf`` or a wrapped integer (PyTorch
    wraps a few: ``-1`` fills uint8 as 255). The message names ``argument`` of ``op`` and gives the range. The one
    check of :func:`full_like`, :func:`~tinygradconv.ops.masked_fill` and :func:`~tinygradconv.ops.shape.pad`.
    An int too large for a Python float (``10**400``) is out of every floating range."""
    if kind in _FLOAT_KINDS:
        largest = float(np.finfo(kind).max)
        finite = isinstance(value, numbers.Integral) or math.isfinite(value)
        if not (finite and abs(value) > largest):
            return
        bounds, torch = f"[{-largest:g}, {largest:g}]", "PyTorch's fill_, masked_fill, full_like and F.pad refuse it"
        hint = "; PyTorch's t[i] = value writes inf instead; pass float('inf') for infinity"
    else:
        if _number_fits(value, kind):
            return
        raise out_of_range_error(value, kind, f"`{argument}` of {op}")      # (the message 300.0 gets too)
    raise ValueError(f"Invalid value for argument `{argument}` of {op}: {value!r} is out of the range of {kind} "
                     f"{bounds} ({torch}: \"value cannot be converted to type ... without overflow\"){hint}")


def _floating_dtype(x, dtype, op):
    x = x if isinstance(x, Tensor) else Tensor(x)
    name = dtype_name(x.dtype) if dtype is None else _check_dtype(dtype)
    if name not in _FLOAT_KINDS:
        raise TypeError(f"Invalid type for argument `dtype` of {op}: random numbers are drawn in a floating dtype "
                        f"only (float16, float32, float64), as in PyTorch. Received {name}"
                        f"{'' if dtype is not None else ' (the dtype of x)'}; pass dtype='float32'")
    return x, name


def rand_like(x, *, dtype=None, requires_grad=False):
    """Uniform random numbers in ``[0, 1)`` of ``x``'s shape, dtype (or ``dtype``) and backend, as
    ``torch.rand_like``, drawn from the package's generator (``tg.set_seed`` makes them repeatable). float16
    numbers are multiples of ``2**-11``, so that none rounds up to 1.

    Raises:
        TypeError: an integer or bool dtype (PyTorch: "not implemented for 'Long'").

    >>> import tinygradconv as tg
    >>> u = rand_like(tg.tensor([[0.0] * 3] * 2))
    >>> u.shape, bool(((u >= 0) & (u < 1)).numpy().all())
    ((2, 3), True)
    """
    x, name = _floating_dtype(x, dtype, "rand_like")
    generator = random.generator()

    def draw(shape, kind):
        if kind == "float16":
            return generator.integers(0, 2 ** 11, shape) * 2.0 ** -11
        return generator.random(shape, dtype=kind)

    return _like(x, name, requires_grad, draw)


def randn_like(x, *, dtype=None, requires_grad=False):
    """Standard normal random numbers (mean 0, variance 1) of ``x``'s shape, dtype (or ``dtype``) and backend, as
    ``torch.randn_like``, drawn from the package's generator (float16: drawn in float32 and rounded).

    Raises:
        TypeError: an integer or bool dtype (PyTorch: "not implemented for 'Long'").

    >>> import tinygradconv as tg
    >>> randn_like(tg.tensor([0.0, 0.0]), dtype="float64").dtype
    dtype('float64')
    """
    x, name = _floating_dtype(x, dtype, "randn_like")
    generator = random.generator()
    return _like(x, name, requires_grad,
                 lambda shape, kind: generator.standard_normal(shape, dtype="float64" if kind == "float64"
                                                               else "float32"))
