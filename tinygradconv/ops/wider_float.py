"""Computing a float function one float wider and rounding back once: the two helpers that
:mod:`.trigonometric`, :mod:`.hyperbolic` and :mod:`.exponential` share.

* :func:`in_wider_float`: every element one float wider (float16 in float32, float32 in float64).
* :func:`float32_wider_where`: NumPy's own float32 loop, with only the elements it gets more than 2 units in the
  last place wrong recomputed in float64.
* :func:`numpy_loop_is_simd`: whether NumPy's loop of a function is its own SIMD code on this CPU (fast, and for
  float32 a few units in the last place off in known ranges) or the C library's scalar function (slower: on x86
  without AVX-512, float32 ``arctan2`` there costs more than every element in float64).
* :func:`runs_c_library_loop`: that question asked only of the backends that run NumPy's loops (NumPy, and
  array-api-strict, which is NumPy underneath): CuPy's kernels run on the GPU, whatever the host CPU has.

Which op uses which, and why (the share of results that differ from PyTorch's, and the times), is written in the
docstrings of those modules (the float32 rule is in :mod:`.trigonometric`'s).
"""
from __future__ import annotations

import functools

import numpy as np
from array_api_compat import is_array_api_strict_namespace, is_numpy_namespace

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


#: Up to this many elements, :func:`float32_wider_where` computes every element in float64 too and picks with
#: ``where``: a few microseconds, less than finding the flagged elements (``any``, ``nonzero``, gather, scatter).
SMALL = 256


@functools.cache
def numpy_loop_is_simd(name, dtype="float32"):
    """Whether NumPy computes the ufunc ``name`` (``"tan"``) of ``dtype`` with a SIMD loop of its own on this CPU
    (``numpy.lib.introspect.opt_func_info``: a dispatch target above the baseline, as Intel's SVML on AVX-512),
    rather than the C library's scalar function, element by element.

    Measured on an AMD EPYC without AVX-512 (Zen 3, glibc 2.36, NumPy 2.4), one thread, CPU time for 10**6 values:
    the scalar float32 ``arctan2`` took 30.5 ms where float64 took 25.5 ms (and its result rounded once is PyTorch's
    value more often: 2.3 % differ, against 16.5 %); float32 ``tan`` 16.4 ms against 22 ms, so ``tan`` keeps its
    float32 loop. True where NumPy cannot tell (NumPy 1.26).

    >>> numpy_loop_is_simd("tan") in (True, False)
    True
    """
    try:
        from numpy.lib.introspect import opt_func_info
    except ImportError:  # pragma: no cover - NumPy 1.26
        return True
    loops = opt_func_info(func_name=f"^{name}$").get(name, {})
    char = np.dtype(dtype).char                       # "f": float32, "d": float64; NumPy's keys: "ff", "fff"
    current = next((targets["current"] for signature, targets in loops.items() if set(signature) == {char}), "")
    return bool(current) and not current.startswith("baseline")


def runs_c_library_loop(xp, name, dtype="float32"):
    """Whether the backend ``xp`` computes the ufunc ``name`` of ``dtype`` with the C library's scalar function
    (:func:`numpy_loop_is_simd` false): asked only of NumPy and of array-api-strict (NumPy's loops underneath, so
    that both take the same path and give the same bits); False on any other backend (CuPy: its own GPU kernels,
    which NumPy's dispatch on the host CPU says nothing about).

    >>> import numpy as np
    >>> runs_c_library_loop(np, "arctan2") == (not numpy_loop_is_simd("arctan2"))
    True
    """
    if not (is_numpy_namespace(xp) or is_array_api_strict_namespace(xp)):
        return False
    return not numpy_loop_is_simd(name, dtype)


def float32_wider_where(xp, formula, needs_wider, *arrays, everywhere_unless_simd=None):
    """``formula(*arrays)`` from the backend's own float32 loop (fast: NumPy's takes about 0.5 ms for 10**6 values),
    recomputed in float64 and rounded once only at the elements where ``needs_wider(out, *arrays)`` is true: where
    that loop can be more than 2 units in the last place from the correctly rounded value (``tan`` near its poles,
    ``arcsin`` for ``0.5 <= |a| < 0.75``, ...), or is visibly wrong at a point students meet. float16 is computed
    in float32 and rounded once (as PyTorch), float64 as it is.

    On NumPy only the flagged elements are computed in float64; on the other backends, and for a NumPy result of
    at most :data:`SMALL` elements, the whole array is, and ``xp.where`` picks the same values.

    ``everywhere_unless_simd``: NumPy's name of ``formula`` (``"tan"``): where NumPy's float32 loop of it is the C
    library's scalar function (:func:`runs_c_library_loop`: on NumPy and array-api-strict only, never CuPy), every
    element is computed in float64 and rounded once (:func:`in_wider_float`): slower there than float64, and within
    an ulp without help.
    """
    if dtype_name(arrays[0].dtype) != "float32" or not hasattr(xp, "float64"):
        return _in_float32(xp, formula, *arrays)
    if everywhere_unless_simd and runs_c_library_loop(xp, everywhere_unless_simd):
        return in_wider_float(xp, formula, *arrays)
    out = formula(*arrays)
    mask = needs_wider(out, *arrays)
    if not is_numpy_namespace(xp) or out.size <= SMALL:
        return xp.where(mask, xp.astype(formula(*(xp.astype(a, xp.float64) for a in arrays)), xp.float32), out)
    if not mask.any():
        return out
    where = np.nonzero(mask)        # integer indices: 3 times faster than indexing with the mask itself
    out[where] = formula(*(np.broadcast_to(a, out.shape)[where].astype(np.float64) for a in arrays))
    return out                      # (rounded once to float32 by the assignment)
