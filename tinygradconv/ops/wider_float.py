"""Computing a float function one float wider and rounding back once: the two helpers that
:mod:`.trigonometric`, :mod:`.hyperbolic` and :mod:`.exponential` share.

* :func:`in_wider_float`: every element one float wider (float16 in float32, float32 in float64).
* :func:`float32_wider_where`: NumPy's own float32 loop, with only the elements it gets more than 2 units in the
  last place wrong recomputed in float64.

Which op uses which, and why (the share of results that differ from PyTorch's, and the times), is written in the
docstrings of those modules (the float32 rule is in :mod:`.trigonometric`'s).
"""
from __future__ import annotations

import numpy as np
from array_api_compat import is_numpy_namespace

from ..backend import dtype_name
from .elementwise import _in_float32


def in_wider_float(xp, formula, *arrays):
    """``formula(*arrays)`` computed one float wider and rounded back once: float16 in float32 (as PyTorch's CPU
    kernels compute half precision), float32 in float64, float64 as it is.

    float32 in float64 is PyTorch's rounding far more often than NumPy's own float32 loops, but costs 4 to 100 times
    their time: used where that is about PyTorch's time (``arctan``, ``log2``, ``log10``; ``log10(100.0)`` is
    exactly 2.0 there, where NumPy's float32 loop gives 2.0000002). Elsewhere :func:`float32_wider_where` computes
    only the elements that need it.

    >>> import numpy as np
    >>> x = np.array([100.0], dtype=np.float32)
    >>> y = in_wider_float(np, np.log10, x)      # in float64, rounded once to float32
    >>> y.dtype, y.tolist()
    (dtype('float32'), [2.0])
    """
    name = dtype_name(arrays[0].dtype)
    if name == "float16":
        return _in_float32(xp, formula, *arrays)
    if name != "float32" or not hasattr(xp, "float64"):
        return formula(*arrays)
    return xp.astype(formula(*(xp.astype(a, xp.float64) for a in arrays)), xp.float32)


def float32_wider_where(xp, formula, needs_wider, *arrays):
    """``formula(*arrays)`` from the backend's own float32 loop (fast: NumPy's takes about 0.5 ms for 10**6 values),
    recomputed in float64 and rounded once only at the elements where ``needs_wider(out, *arrays)`` is true: where
    that loop can be more than 2 units in the last place from the correctly rounded value (``tan`` near its poles,
    ``arcsin`` for ``0.5 <= |a| < 0.75``, ...), or is visibly wrong at a point students meet. float16 is computed
    in float32 and rounded once (as PyTorch), float64 as it is.

    On NumPy only the flagged elements are computed in float64; on the other backends (and for a rank-0 NumPy
    result, a scalar) the whole array is, and ``xp.where`` picks the same values.
    """
    if dtype_name(arrays[0].dtype) != "float32" or not hasattr(xp, "float64"):
        return _in_float32(xp, formula, *arrays)
    out = formula(*arrays)
    mask = needs_wider(out, *arrays)
    if not is_numpy_namespace(xp) or len(out.shape) == 0:
        return xp.where(mask, xp.astype(formula(*(xp.astype(a, xp.float64) for a in arrays)), xp.float32), out)
    if not mask.any():
        return out
    where = np.nonzero(mask)        # integer indices: 3 times faster than indexing with the mask itself
    out[where] = formula(*(np.broadcast_to(a, out.shape)[where].astype(np.float64) for a in arrays))
    return out                      # (rounded once to float32 by the assignment)
