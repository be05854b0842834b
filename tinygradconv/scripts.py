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


def _path_text(given, argument, expected) -> str:
    """``given``, a ``str`` or an ``os.PathLike`` (``pathlib.Path``), as text (a path object whose
    ``__fspath__`` gives bytes is decoded as ``os.fsdecode`` decodes file names): the first check of
    :func:`output_folder` and of :func:`save_figure`'s and :func:`figure_path`'s ``name``, worded once.

    Raises:
        TypeError: anything else (bytes included), naming ``argument`` and what was ``expected``.

    >>> _path_text(Path("figures"), "--out", "a folder's path")
    'figures'
    >>> _path_text(3, "name of save_figure", "a file name such as 'graph.png'")
    Traceback (most recent call last):
    ...
    TypeError: Invalid type for argument name of save_figure: expected a file name such as 'graph.png' (a str or \
an os.PathLike), received int 3
    """
    if not isinstance(given, (str, os.PathLike)):
        raise TypeError(f"Invalid type for argument {argument}: expected {expected} (a str or an os.PathLike), "
                        f"received {type(given).__name__} {given!r}")
    return os.fsdecode(given)


def output_folder(given, setting) -> Path:
    """The folder ``given`` (a path, ``~`` and ``~user`` expanded), created if its parent exists: the one rule for
    every folder the tutorials, the examples and the command line write into (``TINYGRADCONV_FIGURES``, ``demo
    --out``, ``figures --out``, the examples' ``--out``). Only the last folder is created, not its parents: a
    mistyped path is refused rather than made. ``setting`` names where the path came from, for the message
    (``"--out"``). Every check is here, so that each caller refuses the same paths with the same message.

    Raises:
        TypeError: ``given`` is not a ``str`` or a path (``os.PathLike``).
        ValueError: naming ``setting`` and the path: a blank path (``""``, ``" "``: it made a folder named " "); a
            path with a NUL character; a ``~user`` that names no user (or ``~`` without a home folder); a path
            that is an existing file; a link whose target does not exist (a dangling symlink); a path whose parent
            folder does not exist, or is a file; or a folder that cannot be created (no permission, a read-only
            disk), with the system's reason.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as parent:
    ...     output_folder(os.path.join(parent, "figures"), "--out").is_dir()
    True
    >>> output_folder("/no/such/parent/figures", "--out")
    Traceback (most recent call last):
    ...
    ValueError: Invalid value for --out: the folder '/no/such/parent' that should hold 'figures' does not exist; \
create it first (mkdir -p '/no/such/parent'), or name a folder whose parent exists
    >>> output_folder(" ", "--out")
    Traceback (most recent call last):
    ...
    ValueError: Invalid value for --out: give a folder name, not ' '
    """
    text = _path_text(given, setting, "a folder's path")
    if not text.strip():
        raise ValueError(f"Invalid value for {setting}: give a folder name, not {text!r}")
    if "\0" in text:
        raise ValueError(f"Invalid value for {setting}: {text!r} holds a NUL character, which no path can")
    try:
        folder = Path(text).expanduser()
    except RuntimeError:        # "~nosuchuser/x", or "~" where no home folder is known (Path's own message is bare)
        head = text.split("/", 1)[0].split(os.sep, 1)[0]
        who = f"there is no user {head[1:]!r}" if len(head) > 1 else "no home folder is known (HOME is not set)"
        raise ValueError(f"Invalid value for {setting}: {text!r} starts with {head!r}, but {who} to expand it "
                         "to; give the folder's path in full") from None
    try:
        if folder.is_symlink() and not folder.exists():
            raise ValueError(f"Invalid value for {setting}: {text!r} is a link to {os.readlink(folder)!r}, which "
                             "does not exist (or is a loop of links): remove the link, or create the folder it "
                             "points to")
        if folder.exists() and not folder.is_dir():
            raise ValueError(f"Invalid value for {setting}: {text!r} is a file, not a folder to write into")
        if not folder.parent.is_dir():
            what = "is a file, not a folder" if folder.parent.exists() else "does not exist"
            raise ValueError(f"Invalid value for {setting}: the folder {str(folder.parent)!r} that should hold "
                             f"{folder.name!r} {what}"
                             + (f"; create it first (mkdir -p {str(folder.parent)!r}), or name a folder whose "
                                "parent exists" if what == "does not exist" else ""))
        folder.mkdir(exist_ok=True)
    except OSError as exc:      # no permission, a read-only disk: the system's reason, with the path
        raise ValueError(f"Invalid value for {setting}: cannot create the folder {text!r}: "
                         f"{exc.strerror or exc}") from exc
    return folder


def _file_name(name, caller) -> str:
    """``name`` checked to be a file name alone (``"graph.png"``): :func:`save_figure` and :func:`figure_path`
    write only into the folder that ``TINYGRADCONV_FIGURES`` names, so a folder in ``name`` would be ignored."""
    text = _path_text(name, f"name of {caller}", "a file name such as 'graph.png'")
    if not text.strip() or text in (".", "..") or os.path.basename(text) != text or "/" in text:
        raise ValueError(
            f"Invalid value for argument name of {caller}: expected a file name alone, such as 'graph.png', "
            f"received {text!r}. {caller} saves only into the folder that the environment variable "
            "TINYGRADCONV_FIGURES names, and nothing when it is unset (so that the tutorials' test runs write "
            "nothing). To save a figure at a path of your own, call fig.savefig(path) (or anim.save(path)); or set "
            "TINYGRADCONV_FIGURES to the folder and pass the file name alone")
    return text


def figure_path(name) -> Path | None:
    """Where a figure or animation called ``name`` (``"scatter.gif"``) goes: in :func:`figures_folder`, or None
    when ``TINYGRADCONV_FIGURES`` is unset (the ``path`` the animate functions take: None writes nothing).

    Raises:
        TypeError: ``name`` is not a ``str`` (or an ``os.PathLike``).
        ValueError: ``name`` is not a file name alone: it has a folder in it (``"/tmp/x/scatter.gif"``,
            ``"out/scatter.gif"``), or is blank, ``"."`` or ``".."``. This is checked whether or not
            ``TINYGRADCONV_FIGURES`` is set, so that a path copied from a tutorial is refused rather than ignored.
    """
    name = _file_name(name, "figure_path")
    folder = figures_folder()
    return None if folder is None else folder / name


def save_figure(fig, name, dpi=150) -> None:
    """Save the matplotlib figure ``fig`` as ``name``, such as ``"graph.png"``, in :func:`figures_folder` when
    ``TINYGRADCONV_FIGURES`` names one (nothing is saved otherwise). It returns None, so that a notebook cell that
    ends with it shows no output (it returned the path, which every such cell printed); :func:`figure_path` tells
    where the figure went. To save a figure anywhere else, use matplotlib's own ``fig.savefig(path)``.

    Raises:
        TypeError: ``name`` is not a ``str`` (or an ``os.PathLike``).
        ValueError: ``name`` is not a file name alone (``"/tmp/x/conn.png"``, ``"out/conn.png"``, a blank name),
            whether or not ``TINYGRADCONV_FIGURES`` is set: such a path would be saved nowhere, silently.

    >>> from tinygradconv.scripts import save_figure
    >>> save_figure(None, "/tmp/x/conn.png")
    Traceback (most recent call last):
    ...
    ValueError: Invalid value for argument name of save_figure: expected a file name alone, such as 'graph.png', \
received '/tmp/x/conn.png'. save_figure saves only into the folder that the environment variable TINYGRADCONV_FIGURES \
names, and nothing when it is unset (so that the tutorials' test runs write nothing). To save a figure at a path of \
your own, call fig.savefig(path) (or anim.save(path)); or set TINYGRADCONV_FIGURES to the folder and pass the file \
name alone
    """
    name = _file_name(name, "save_figure")
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
