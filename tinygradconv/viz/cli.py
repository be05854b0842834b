"""Command-line subcommands of :mod:`tinygradconv.viz`: ``connectivity`` and ``figures``.

``tinygradconv/__main__.py`` calls :func:`register` on its subparsers; each subcommand stores its handler with
``set_defaults(func=...)``, a callable taking the parsed ``args`` and returning an exit code::

    python -m tinygradconv connectivity --kernel-size 3 --strides 2 --padding same --input-length 5 -o conn.png
    python -m tinygradconv connectivity --kernel-size 3 --strides 2 --gif -o scatter.gif
    python -m tinygradconv connectivity --kernel-size 4 --strides 2 --padding same --output-padding 0 --matrix
    python -m tinygradconv figures --out docs/_static

Files are written atomically. Invalid values are reported as ``error: ...`` with exit status 2 (argparse style).

>>> import argparse
>>> parser = argparse.ArgumentParser(prog="tinygradconv")
>>> _ = register(parser.add_subparsers(dest="command"))
>>> args = parser.parse_args(["connectivity", "--strides", "2", "--output-padding", "none"])
>>> args.kind, args.strides, args.output_padding, callable(args.func)
('conv1d_transpose', 2, None, True)
"""
from __future__ import annotations

import argparse
import functools
import sys
from pathlib import Path

from .._argtypes import non_negative_int_or_none, positive_int
from ._mpl import atomic_path

__all__ = ["FIGURES", "make_figures", "register"]

#: The README figures that ``figures`` regenerates (in ``docs/_static`` by ``make figures``).
FIGURES = ("connectivity.png", "training_curve.png")


def _floats(text):
    try:
        return [float(v) for v in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, received {text!r}") from None


def register(subparsers):
    """Add the ``connectivity`` and ``figures`` subcommands to an ``argparse`` subparsers object."""
    p = subparsers.add_parser(
        "connectivity", help="draw which input feeds which output of conv1d / conv1d_transpose",
        description="Draw the connectivity of a single-channel conv1d or conv1d_transpose (computed through the "
                    "op): a diagram (default), the conv matrix beside its transpose (--matrix), or a GIF of the "
                    "transposed convolution scattering its inputs (--gif).")
    p.add_argument("--kind", choices=("conv1d", "conv1d_transpose"), default="conv1d_transpose",
                   help="the op (default: conv1d_transpose)")
    p.add_argument("--input-length", type=positive_int, default=5, help="input length L (default 5)")
    p.add_argument("--kernel-size", type=positive_int, default=3, help="kernel size k (default 3)")
    p.add_argument("--strides", type=positive_int, default=1, help="stride s (default 1)")
    p.add_argument("--padding", type=str.lower, choices=("valid", "same", "causal"), default="valid",
                   help="padding (causal: conv1d only; default valid)")
    p.add_argument("--output-padding", type=non_negative_int_or_none, default=None,
                   help="output_padding of conv1d_transpose: an integer or 'none' (default none)")
    p.add_argument("--dilation-rate", type=positive_int, default=1, help="dilation d (default 1)")
    p.add_argument("--weights", type=_floats, default=None,
                   help="comma-separated tap values (default: the picture draws plain connections, --matrix "
                        "numbers the taps 1, 2, ..., k so that each shows as its own value)")
    view = p.add_mutually_exclusive_group()
    view.add_argument("--gif", action="store_true", help="write a GIF of the scatter, step by step")
    view.add_argument("--matrix", action="store_true", help="draw the conv matrix beside its transpose")
    p.add_argument("-o", "--output", default=None,
                   help="output file (default connectivity.png, or connectivity.gif with --gif)")
    p.set_defaults(func=functools.partial(_connectivity, parser=p))

    f = subparsers.add_parser("figures", help="regenerate the README figures (deterministic; runs the demo)",
                              description=f"Regenerate the README figures {', '.join(FIGURES)} (seeded, "
                                          "deterministic).")
    # a folder of its own by default, as demo's ./tinygradconv-demo/ (docs/_static made a docs folder wherever it
    # ran, found by a tester); `make figures` names the repository's docs/_static
    f.add_argument("--out", default="tinygradconv-figures",
                   help="output folder, created if its parent exists (default ./tinygradconv-figures; `make "
                        "figures` writes docs/_static)")
    f.add_argument("--epochs", type=positive_int, default=None,
                   help="epochs of the demo run whose training curve is drawn (default: the demo's 30)")
    f.set_defaults(func=functools.partial(_figures, parser=f))
    return subparsers


def _needs_matplotlib(parser):
    """``matplotlib.pyplot``, or exit with one line saying how to install it (no traceback)."""
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        parser.exit(1, f"error: `{parser.prog}` draws with matplotlib, which is not installed here; install the "
                       f"plotting extra: pip install 'tinygradconv[viz]'\n")
    return plt


def _connectivity(args, parser):
    from . import connectivity as conn

    if args.output is not None and not args.output.strip():   # "" wrote connectivity.png silently (a tester)
        parser.error(f"-o/--output: give a file name, not {args.output!r}")
    output = args.output or ("connectivity.gif" if args.gif else "connectivity.png")
    if args.padding == "causal" and (args.kind != "conv1d" or args.gif):
        # the library's "Expected one of ('valid', 'same')" did not say that causal is conv1d's (a tester)
        parser.error("--padding causal is a padding of conv1d only (Keras' Conv1DTranspose takes valid or same), "
                     + ("and --gif animates conv1d_transpose: choose --padding valid or same" if args.gif else
                        "and --kind is conv1d_transpose (the default): add --kind conv1d"))
    common = {"strides": args.strides, "padding": args.padding, "output_padding": args.output_padding,
              "dilation_rate": args.dilation_rate}
    plt = _needs_matplotlib(parser)
    try:
        if args.gif:
            if args.kind != "conv1d_transpose":
                parser.error("--gif animates conv1d_transpose only; drop --kind conv1d")
            weights = args.weights if args.weights is not None else args.kernel_size
            if args.weights is not None and len(args.weights) != args.kernel_size:
                parser.error(f"--weights has {len(args.weights)} values but --kernel-size is {args.kernel_size}")
            if not output.lower().endswith(".gif"):      # it wrote one still frame as a PNG (found by a teacher)
                parser.error(f"--gif writes an animated GIF: give an output file ending in .gif, not {output!r}")
            anim = conn.animate_transposed_conv(args.input_length, weights, path=output, **common)
            plt.close(anim.figure)
        else:
            draw = conn.plot_conv_matrix if args.matrix else conn.plot_connectivity
            result = draw(args.kind, args.input_length, args.kernel_size, weights=args.weights, **common)
            fig = getattr(result, "figure", result)
            conn._save(fig, output)
            plt.close(fig)
    except (ValueError, TypeError) as exc:
        # the library names its Python arguments; here the user typed options
        parser.error(_option_names(str(exc)))
    except OSError as exc:
        parser.error(f"cannot write {output!r}: {exc.strerror or exc}")  # the path once
    print(f"wrote {output}")
    return 0


#: The library's argument names and the options that set them (longest first: "output_padding" before "padding").
_OPTIONS = (("output_padding", "--output-padding"), ("dilation_rate", "--dilation-rate"),
            ("input_length", "--input-length"), ("kernel_size", "--kernel-size"), ("inputs", "--input-length"),
            ("strides", "--strides"), ("padding", "--padding"), ("weights", "--weights"), ("kernel", "--weights"))


def _option_names(message):
    """A library message with its Python argument names replaced by the options the user typed.

    >>> _option_names("Invalid value for argument `output_padding`: no. Received output_padding=1")
    'Invalid value for --output-padding: no. Received --output-padding 1'

    A setting as the library describes it, ``conv1d(L=2, k=5, padding='valid', ...)``, and a bare name with an
    underscore (``choose a longer input_length``) become options too, with the value as it is typed:

    >>> _option_names("conv1d(L=2, k=5, strides=1, padding='valid') is empty; choose a longer input_length")
    'conv1d(--input-length 2, --kernel-size 5, --strides 1, --padding valid) is empty; choose a longer --input-length'
    """
    import re

    for name, option in _OPTIONS:
        message = message.replace(f"argument `{name}`", option)
        message = re.sub(rf"(?<![\w`-]){name}=", f"{option} ", message)
        if "_" in name:                # not an ordinary word ("kernel", "padding" are; "input_length" is not)
            message = re.sub(rf"(?<![\w`-]){name}\b", option, message)
    for short, option in (("L", "--input-length"), ("k", "--kernel-size")):      # ConvSetting.describe()
        message = re.sub(rf"(?<![\w-]){short}=", f"{option} ", message)
    message = message.replace("draw plot_connectivity", "drop --gif for a still drawing")    # the CLI's way
    return re.sub(r"(--[a-z-]+) '([\w-]*)'", r"\1 \2", message)          # --padding 'valid': as typed


def make_figures(out, epochs=None):
    """Write the README figures into the folder ``out``; returns their paths. Deterministic (seeded).

    * ``connectivity.png``: ``conv1d_transpose`` with ``L=5, k=3, strides=2, padding="same"`` (zeros inserted,
      the direct-convolution view's padding, one cropped position);
    * ``training_curve.png``: the demo's own training curve: ``python -m tinygradconv demo`` (seed 0, ``epochs``
      epochs, default the demo's 30) runs into a temporary folder and its ``training_curve.png`` is copied here.
    """
    import contextlib
    import io
    import shutil
    import tempfile

    from .. import __main__ as command_line
    from . import connectivity as conn

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    plt = conn.pyplot()
    with plt.style.context("default"):
        ax = conn.plot_connectivity("conv1d_transpose", 5, 3, strides=2, padding="same")
        paths = [conn._save(ax.figure, out / FIGURES[0])]
        plt.close(ax.figure)
        with tempfile.TemporaryDirectory() as folder:
            demo = argparse.Namespace(out=folder, fast=False, epochs=epochs, seed=0, no_plots=False, quiet=True)
            errors = io.StringIO()
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(errors):
                status = command_line.run_demo(demo)
            source = Path(folder) / "training_curve.png"
            if not source.exists():    # the demo stopped (status 2) or did not plot: say why, not "cannot write"
                raise RuntimeError(f"the demo run made no training curve (status {status}): "
                                   f"{errors.getvalue().strip() or 'no message'}")
            paths.append(atomic_path(out / FIGURES[1], lambda tmp: shutil.copyfile(source, tmp)))
    return paths


def _figures(args, parser):
    _needs_matplotlib(parser)
    from ..backend import get_backend

    try:        # the demo's backend, before anything is written (found by a tester: a false "cannot write" error)
        get_backend()
    except ValueError as exc:
        parser.error(str(exc))
    from ..scripts import output_folder

    try:        # TINYGRADCONV_FIGURES' rule (output_folder makes every check): a mistyped path is refused, not made
        output_folder(args.out, "--out")
    except ValueError as exc:
        parser.error(str(exc))
    try:
        paths = make_figures(args.out, args.epochs)
    except OSError as exc:
        parser.error(f"cannot write into {args.out!r}: {exc.strerror or exc}")  # the path once
    except RuntimeError as exc:
        parser.error(str(exc))
    for path in paths:
        print(f"wrote {path}")
    return 0


def main(argv=None):  # pragma: no cover - a fallback entry point; the package's is tinygradconv.__main__
    parser = argparse.ArgumentParser(prog="tinygradconv.viz.cli")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
