"""User data as a NumPy array, the first step of ``Tensor(data)`` (:mod:`tinygradconv.tensor` states the whole
conversion rule): Python numbers and nested lists, NumPy arrays and PyTorch tensors, with a clear error for what no
tensor can hold (strings, objects, complex numbers, ragged lists, Python integers beyond int64).

Python integers follow ``torch.tensor``: read as int64 when the data has no float, so that one outside int64
overflows (``ValueError``), and as floats beside a float, whatever their size.

>>> to_numpy_data([[1, 2], [3, 4]]).dtype
dtype('int64')
>>> to_numpy_data([1.5, 2**70]).dtype            # a float makes the data floating: 2**70 as a float, as in torch
dtype('float64')
"""
from __future__ import annotations

import numbers

import numpy as np

__all__ = ["check_python_integers", "to_numpy_data"]


def to_numpy_data(data):
    """Turn user data (scalars, lists, NumPy arrays) into a NumPy array, with clear errors."""
    if isinstance(data, (str, bytes)):
        raise TypeError(f"Cannot make a Tensor from a string: received {data!r}")
    if type(data).__module__.partition(".")[0] == "torch" and hasattr(data, "detach"):  # also nn.Parameter
        data = _from_torch(data)
    try:
        array = np.asarray(data)
    except ValueError as exc:  # ragged nested lists
        raise ValueError(f"Cannot make a Tensor from ragged (inhomogeneous) nested lists: {exc}") from None
    if array.dtype == object and array.size and all(isinstance(v, numbers.Integral) for v in array.flat):
        big = next((v for v in array.flat if not _fits_int64(v)), None)
        if big is None:          # an object array of Python ints that all fit: the int64 array they make
            return array.astype(np.int64)
        raise _int64_overflow(big)
    if array.dtype == object and array.size and all(isinstance(v, numbers.Real) for v in array.flat):
        try:                     # integers beyond uint64 beside floats: all floats, as torch.tensor reads them
            return array.astype(np.float64)
        except OverflowError:
            raise ValueError("Cannot make a Tensor from an integer too large for even float64 (above about "
                             "1.8e308)") from None
    if array.dtype == object:
        raise TypeError("Cannot make a Tensor from data of object type (ragged lists, None or arbitrary Python "
                        f"objects); received {type(data).__name__}")
    if array.dtype.kind in "USVMm":
        raise TypeError(f"Cannot make a Tensor from strings, raw bytes or dates (dtype {array.dtype}); "
                        f"received {type(data).__name__}")
    if array.dtype.kind == "c":
        raise TypeError(f"Complex data is not supported by tinygradconv (dtype {array.dtype})")
    return array


def _fits_int64(value):
    """Whether the Python integer ``value`` is one int64 holds."""
    return -2**63 <= value < 2**63


def _int64_overflow(big):
    """The error for a Python integer outside int64 in data without a ``dtype``: ``torch.tensor`` reads Python
    integers as int64 and raises ``Overflow when unpacking long long`` there."""
    return ValueError(f"Cannot make a Tensor from the integer {big}: it is too large for int64, the type Python "
                      "integers are read as (an overflow, as in torch.tensor); write it as a float (e.g. 1e21) to "
                      "get a floating tensor")


def check_python_integers(data, array):
    """Raise :func:`_int64_overflow` for a Python integer in ``data`` (a number or nested lists, converted without
    a ``dtype`` into ``array``) that int64 cannot hold. NumPy holds ``2**63 .. 2**64 - 1`` as uint64, and beside
    smaller or negative integers as float64, so only arrays with such magnitudes are searched. Data with a float
    among its numbers is floating data, whose integers ``torch.tensor`` converts to floats, whatever their size.

    >>> check_python_integers([1, 2**63], np.asarray([1, 2**63]))
    Traceback (most recent call last):
    ...
    ValueError: Cannot make a Tensor from the integer 9223372036854775808: it is too large for int64, ...
    >>> check_python_integers([1.5, 2**63], np.asarray([1.5, 2**63]))    # floating data: fine, as in torch
    """
    if array.dtype.kind not in "uf" or not array.size or not (np.any(array >= 2.0**63) or np.any(array <= -2.0**63)):
        return
    big, pending = None, [data]
    while pending:
        item = pending.pop()
        if isinstance(item, (list, tuple)):
            pending.extend(item)
        elif not isinstance(item, numbers.Integral):
            return                                  # a float: floating data
        elif not _fits_int64(item):
            big = item
    if big is not None:
        raise _int64_overflow(big)


def _from_torch(data):
    """A PyTorch tensor's values as a NumPy array, also for one that requires grad or lies on a GPU (``torch.tensor``
    copies those too; the copy takes no part in torch's autograd). ``bfloat16``, which has no NumPy counterpart, is
    refused."""
    if str(data.dtype) == "torch.bfloat16":
        raise TypeError("Cannot make a Tensor from a torch.bfloat16 tensor: tinygradconv has no bfloat16 (the "
                        "floating dtypes are float16, float32 and float64); convert it first, e.g. t.float()")
    return data.detach().cpu().numpy()
