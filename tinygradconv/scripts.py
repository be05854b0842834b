"""What the tutorials and examples read from the environment, read one way: ``TINYGRADCONV_FAST`` (a short run)
and ``TINYGRADCONV_FIGURES`` (a folder to save their figures in). The tests and the docs build run them short.
Also how the command line reports a bad setting of the environment (:func:`exit_on_command_line`).

>>> import os
>>> from tinygradconv.scripts import fast_run
>>> os.environ["TINYGRADCONV_FAST"] = "yes"
>>> fast_run()
True
>>> del os.environ["TINYGRADCONV_FAST"]
>>> fast_run()
False
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

__all__ = ["fast_run", "figure_path", "figures_folder", "output_folder", "save_figure"]

_YES = ("1", "true", "yes", "on")
_NO = ("", "0", "false", "no", "off")


def fast_run() -> bool:
    """Whether ``TINYGRADCONV_FAST`` asks for a short run: ``1``, ``true``, ``yes`` or ``on`` (any case); unset,
    empty, ``0``, ``false``, ``no`` or ``off`` is a full run.

    Raises:
        ValueError: any other value, naming the variable (``no`` and ``false`` used to mean a short run).
    """
    value = os.environ.get("TINYGRADCONV_FAST", "").strip().lower()
    if value not in _YES + _NO:
        raise ValueError(f"Invalid value for the environment variable TINYGRADCONV_FAST: expected one of {_YES} "
                         f"for a short run or {_NO} for a full one. Received {os.environ['TINYGRADCONV_FAST']!r}")
    return value in _YES


def figures_folder() -> Path | None:
    """The folder named by ``TINYGRADCONV_FIGURES`` (None when unset, empty or blank), created if its parent exists.

    Only the last folder is created, not its parents: a mistyped path is refused rather than made.

    Raises:
        ValueError: a path that is an existing file, or whose parent folder does not exist (a mistyped path
            would otherwise create folders anywhere).
    """
    given = os.environ.get("TINYGRADCONV_FIGURES")
    if not given or not given.strip():      # blank is unset, as for TINYGRADCONV_FAST (it made a folder named " ")
        return None
    return output_folder(given, "the environment variable TINYGRADCONV_FIGURES")


def output_folder(given, setting) -> Path:
    """The folder ``given`` (a path), created if its parent exists: the one rule for every folder the tutorials,
    the examples and the command line write into (``TINYGRADCONV_FIGURES``, ``demo --out``, ``figures --out``).
    Only the last folder is created, not its parents: a mistyped path is refused rather than made. ``setting``
    names where the path came from, for the message (``"--out"``).

    Raises:
        ValueError: a path that is an existing file, or whose parent folder does not exist (or is a file).

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as parent:
    ...     output_folder(os.path.join(parent, "figures"), "--out").is_dir()
    True
    >>> output_folder("/no/such/parent/figures", "--out")
    Traceback (most recent call last):
    ...
    ValueError: Invalid value for --out: the folder '/no/such/parent' that should hold 'figures' does not exist; \
create it first (mkdir -p '/no/such/parent'), or name a folder whose parent exists
    """
    folder = Path(given).expanduser()
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"Invalid value for {setting}: {str(given)!r} is a file, not a folder to write into")
    if not folder.parent.is_dir():
        what = "is a file, not a folder" if folder.parent.exists() else "does not exist"
        raise ValueError(f"Invalid value for {setting}: the folder {str(folder.parent)!r} that should hold "
                         f"{folder.name!r} {what}"
                         + (f"; create it first (mkdir -p {str(folder.parent)!r}), or name a folder whose parent "
                            "exists" if what == "does not exist" else ""))
    folder.mkdir(exist_ok=True)
    return folder


def figure_path(name) -> Path | None:
    """Where a figure or animation called ``name`` (``"scatter.gif"``) goes: in :func:`figures_folder`, or None
    when ``TINYGRADCONV_FIGURES`` is unset (the ``path`` the animate functions take: None writes nothing)."""
    folder = figures_folder()
    return None if folder is None else folder / name


def save_figure(fig, name, dpi=150) -> None:
    """Save the matplotlib figure ``fig`` as ``name``, such as ``"graph.png"``, in :func:`figures_folder` when
    ``TINYGRADCONV_FIGURES`` names one (nothing is saved otherwise). It returns None, so that a notebook cell that
    ends with it shows no output (it returned the path, which every such cell printed); :func:`figure_path` tells
    where the figure went."""
    path = figure_path(name)
    if path is not None:
        fig.savefig(path, dpi=dpi, bbox_inches="tight")


def _run_as_command_line() -> bool:
    """Whether this Python runs tinygradconv's command line: ``python -m tinygradconv ...`` or the installed
    ``tinygradconv`` script."""
    if sys.argv[:1] == ["-m"]:      # runpy sets argv[0] to "-m" while it imports the package of `python -m NAME`
        arguments = sys.orig_argv   # (Python 3.10+) the interpreter's own: ["python", "-m", "tinygradconv", ...]
        for i, argument in enumerate(arguments[1:], start=1):
            if argument.startswith("-m"):       # "-m NAME", or "-mNAME"
                module = argument[2:] or (arguments[i + 1] if i + 1 < len(arguments) else "")
                return module.split(".")[0] == "tinygradconv"
        return False
    return bool(sys.argv) and Path(sys.argv[0]).stem == "tinygradconv"


def exit_on_command_line(error) -> None:
    """On the command line, print ``error`` as argparse prints a bad argument (``prog: error: message``) and exit
    with status 2; elsewhere (``import tinygradconv``) return, and the caller raises it.

    ``tinygradconv.config`` reads the settings when the package is imported, which is before the command line's
    own code runs, so a bad ``TINYGRADCONV_BACKEND`` gave ``python -m tinygradconv info`` a traceback.
    """
    if _run_as_command_line():
        print(f"tinygradconv: error: {error}", file=sys.stderr)
        raise SystemExit(2)
