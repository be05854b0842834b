"""Array backends: an array namespace (``xp``) plus a device.

A :class:`Backend` wraps an Array-API namespace obtained through ``array-api-compat``. Ops receive ``xp`` and use
only the Python Array API standard, so one implementation runs on:

* ``"numpy"`` -- the default, on the CPU;
* ``"cupy"`` -- NVIDIA GPUs, when CuPy and a GPU are present (``pip install tinygradconv[cuda12]``);
* ``"array_api_strict"`` -- a strict CPU test double that rejects NumPy-only calls, so that code which would only
  break on a GPU breaks in CI instead.

This is the only module that imports CuPy.

>>> from tinygradconv.backend import get_backend
>>> get_backend("numpy").name
'numpy'
"""
from __future__ import annotations

import math

import numpy as np

from . import config

_CUPY_HINT = (
    "The 'cupy' backend needs CuPy and an NVIDIA GPU. Install it with `pip install tinygradconv[cuda12]` "
    "(CUDA 12) or `pip install tinygradconv[cuda13]` (CUDA 13)."
)


#: The largest finite value of the float dtypes that a Python number can overflow when it is lifted into an array:
#: :meth:`Backend.scalar` checks it (cheaper than switching NumPy's warnings off for every number).
_LARGEST = {np.dtype(np.float16): 65504.0, np.dtype(np.float32): float(np.finfo(np.float32).max)}
_LARGEST.update({dtype.type: largest for dtype, largest in _LARGEST.items()})   # np.float32 itself as a key too
_PLAIN_NUMBERS = (int, float, np.float64, np.int64)


class Backend:
    """An array namespace and a device, e.g. NumPy on the CPU.

    Attributes:
        name: ``"numpy"``, ``"cupy"`` or ``"array_api_strict"``.
        xp: the Array-API namespace that ops compute with.
        device: the device new arrays are created on.
    """

    __slots__ = ("array_type", "device", "name", "xp")

    def __init__(self, name, xp, device, array_type):
        self.name = name
        self.xp = xp
        self.device = device
        self.array_type = array_type

    def __repr__(self):
        return f"Backend({self.name!r})"

    def __reduce__(self):  # one Backend object per name: copies and unpickled backends are the backend itself
        return get_backend, (self.name,)

    def dtype(self, name):
        """The namespace's dtype object for a name such as ``"float32"``."""
        if not isinstance(name, str):
            name = dtype_name(name)
        try:
            return getattr(self.xp, name)
        except AttributeError:
            raise TypeError(f"The {self.name} backend has no dtype {name!r}") from None

    def asarray(self, data, dtype=None, copy=None):
        """Make a backend array from NumPy data (copying to the device if needed).

        ``copy=True`` always copies; ``None`` copies only when needed (a dtype change, another device).
        """
        if dtype is not None:
            dtype = self.dtype(dtype)
        if self.name == "numpy":
            # 1e39 as float32 is inf, and NaN as int32 -2**31, silently (as torch.tensor does with NumPy arrays)
            with np.errstate(over="ignore", invalid="ignore"):
                return np.array(data, dtype=dtype, copy=True) if copy else np.asarray(data, dtype=dtype)
        if self.name == "array_api_strict":
            with np.errstate(over="ignore", invalid="ignore"):
                data = np.asarray(data)
                dtype = dtype if dtype is not None else self.dtype(data.dtype.name)
                return self.xp.asarray(data, dtype=dtype, copy=copy)
        return self._to_device(data, dtype, copy)

    def _to_device(self, data, dtype, copy):
        """A CuPy array of ``data``: a device array as it is (copied when asked), host data through NumPy first
        (so that casts overflow silently, as on the numpy backend) and then copied to the device.

        A 0-d host array travels as a 1-element array: CuPy 14.2 turned a 0-d ``-0.0`` into ``+0.0`` on the way
        (seen on an H200, 2026-12-04), and the sign of zero is a special point (``1 / -0.0`` is ``-inf``).
        """
        if isinstance(data, self.array_type):
            return self.xp.asarray(data, dtype=dtype, copy=copy)
        with np.errstate(over="ignore", invalid="ignore"):
            host = np.asarray(data, dtype=dtype)
        if host.ndim == 0:
            return self.xp.asarray(host.reshape(1)).reshape(())
        return self.xp.asarray(host)                      # host -> device: always a copy

    def scalar(self, value, dtype):
        """A 0-d array of ``dtype`` holding the Python number ``value``.

        On the numpy backend this calls NumPy directly: ``array_api_compat``'s ``asarray`` wrapper costs several
        times more, and numbers are lifted into arrays on the engine's hottest path (``x * 2.0``).
        """
        if self.name == "numpy":
            if value.__class__ in _PLAIN_NUMBERS and abs(value) > _LARGEST.get(dtype, math.inf):
                with np.errstate(over="ignore"):      # 1e39 as float32 is inf, silently (as torch)
                    return np.asarray(value, dtype=dtype)
            return np.asarray(value, dtype=dtype)
        if self.name == "array_api_strict":           # the CPU test double: NumPy underneath, speed no matter
            with np.errstate(over="ignore"):
                return self.xp.asarray(value, dtype=dtype)
        return self._to_device(value, self.dtype(dtype), None)

    def to_numpy(self, array) -> np.ndarray:
        """Copy a backend array into a NumPy array (from the GPU when needed)."""
        if self.name == "numpy":
            return np.asarray(array)
        if self.name == "cupy":
            return array.get()
        return np.from_dlpack(array) if hasattr(array, "__dlpack__") else np.asarray(array)


def dtype_name(dtype) -> str:
    """A dtype's plain name (``"float32"``) whatever namespace it comes from.

    Every op call asks this of its output, so the answers are cached per dtype object: NumPy computes
    ``dtype.name`` in Python, 1.5-4 us a call, a fifth of the engine's own cost per op on small tensors.

    >>> dtype_name(np.dtype(np.float32)), dtype_name("int64")
    ('float32', 'int64')
    """
    if isinstance(dtype, str):
        return dtype
    key = (dtype.__class__, dtype)          # the class first: array-api-strict dtypes warn when compared to NumPy's
    try:
        return _dtype_names[key]
    except KeyError:
        name = _dtype_names[key] = _plain_name(dtype)
        return name
    except TypeError:                       # an unhashable dtype object: not cached
        return _plain_name(dtype)


_dtype_names = {}                           # (dtype class, dtype) -> name


def _plain_name(dtype):
    name = getattr(dtype, "name", None) or getattr(dtype, "_np_dtype", None)
    if isinstance(name, str):
        return name
    return np.dtype(name if name is not None else dtype).name


def _load_numpy():
    from array_api_compat import numpy as xp

    return Backend("numpy", xp, "cpu", np.ndarray)


def _load_array_api_strict():
    try:
        import array_api_strict as xp  # optional: imported when the backend is first asked for
    except ImportError:
        raise ValueError(
            "The 'array_api_strict' backend needs the array-api-strict package: pip install array-api-strict"
        ) from None
    return Backend("array_api_strict", xp, xp.Device("CPU_DEVICE") if hasattr(xp, "Device") else None,
                   type(xp.asarray(0)))


def _load_cupy():
    try:
        import cupy
        from array_api_compat import cupy as xp
    except ImportError:
        raise ValueError(_CUPY_HINT) from None
    try:
        if cupy.cuda.runtime.getDeviceCount() < 1:
            raise ValueError("no GPU")
    except Exception as exc:  # noqa: BLE001 - CUDA driver errors have no common base class
        raise ValueError(f"{_CUPY_HINT} CuPy is installed but no GPU is usable here ({exc}).") from None
    return Backend("cupy", xp, cupy.cuda.Device(), cupy.ndarray)


# One loader per name of config.BACKENDS, found by its name (a name without a loader fails here, at import).
_LOADERS = {name: globals()[f"_load_{name}"] for name in config.BACKENDS}
_cache: dict[str, Backend] = {}
_current: list[str] = []


def known_backends() -> tuple[str, ...]:
    """Every backend name tinygradconv knows, available here or not."""
    return tuple(_LOADERS)


def available_backends() -> list[str]:
    """The backends that load on this machine, e.g. ``['numpy', 'array_api_strict']``."""
    names = []
    for name in _LOADERS:
        try:
            get_backend(name)
        except ValueError:
            continue
        names.append(name)
    return names


def get_backend(name=None) -> Backend:
    """The backend called ``name``; ``None`` gives the current default backend."""
    if isinstance(name, Backend):
        return name
    if name is None:
        name = _current[-1] if _current else config.default_backend_name()
    if not isinstance(name, str):
        raise TypeError(f"`backend` must be a backend's name, one of {list(_LOADERS)}. Received backend={name!r}")
    backend = _cache.get(name)
    if backend is not None:
        return backend
    if name not in _LOADERS:
        raise ValueError(f"Unknown backend {name!r}. Known backends: {list(_LOADERS)}; "
                         f"available here: {[n for n in _LOADERS if n != name and _loads(n)]}")
    # Two threads that load a backend at once must share one: the first one stored wins (setdefault is atomic).
    return _cache.setdefault(name, _LOADERS[name]())


def _loads(name):
    try:
        get_backend(name)
        return True
    except ValueError:
        return False


def set_backend(name: str) -> Backend:
    """Make ``name`` the default backend of new tensors (``"numpy"``, ``"cupy"``, ``"array_api_strict"``, or a
    :class:`Backend`; ``None`` keeps the current default), and return it."""
    backend = get_backend(name)
    _current[:] = [backend.name]
    return backend


def backend_of(array) -> Backend:
    """The backend whose arrays have the type of ``array`` (loading that backend if needed)."""
    for backend in _cache.values():
        if isinstance(array, backend.array_type):
            return backend
    if isinstance(array, (np.ndarray, np.generic)):
        return get_backend("numpy")
    module = type(array).__module__.split(".")[0]
    if module in _LOADERS:
        backend = get_backend(module)
        if isinstance(array, backend.array_type):
            return backend
    raise TypeError(f"Not an array of any tinygradconv backend {list(_LOADERS)}: {type(array).__name__}")
