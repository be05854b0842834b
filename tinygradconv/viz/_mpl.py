"""The one place where :mod:`tinygradconv.viz` imports matplotlib, at call time, never at import time."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path


def pyplot():
    """``matplotlib.pyplot``, or an ``ImportError`` that says how to install it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - matplotlib is installed in the dev environment
        raise ImportError("tinygradconv.viz needs matplotlib for plotting: pip install 'tinygradconv[viz]'") from exc
    return plt


def new_axes(ax, figsize):
    """``ax`` itself, or a fresh Axes on a new pyplot figure of ``figsize`` inches."""
    if ax is not None:
        if not hasattr(ax, "add_patch"):
            raise TypeError(f"Invalid value for argument `ax`. Expected a matplotlib Axes. Received ax={ax!r}")
        return ax
    _, ax = pyplot().subplots(figsize=figsize)
    return ax


def atomic_path(path, write):
    """Call ``write(tmp)`` on a temporary file next to ``path`` (same suffix), then rename it onto ``path``.

    A reader never sees a half-written file; on failure the temporary file is removed and ``path`` is untouched.
    """
    path = Path(path)
    if path.parent and not path.parent.exists():
        raise FileNotFoundError(f"Cannot save to {str(path)!r}: the folder {str(path.parent)!r} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix or ".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def savefig(fig, path, **kwargs):
    """Save a figure atomically (PNG metadata without the software version, so reruns give the same bytes)."""
    suffix = Path(path).suffix.lower().lstrip(".") or "png"
    metadata = {"Software": None} if suffix == "png" else None
    return atomic_path(path, lambda tmp: fig.savefig(tmp, format=suffix, metadata=metadata, **kwargs))
