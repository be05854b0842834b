"""The command line: ``python -m tinygradconv COMMAND`` (also installed as ``tinygradconv``).

Commands (each has ``--help``; ``python -m tinygradconv`` alone lists them):

* ``demo`` -- train the default toy model, a ``Conv1DTranspose`` signal upsampler, with a progress bar; print its
  metrics against linear interpolation; write its weights (``upsampler.weights.npz``) and, with matplotlib,
  ``training_curve.png`` and ``predictions.png`` to ``./tinygradconv-demo/`` (``--out`` elsewhere);
* ``info`` -- the version, the backends available here, the BLAS NumPy uses, and the configuration values;
* ``connectivity``, ``figures`` -- drawings of what a (transposed) convolution connects, and the README figures
  (from :mod:`tinygradconv.viz.cli`, loaded only when one of them is asked for).

``main(argv)`` returns the exit status (0 on success), so it can be called from Python::

    from tinygradconv.__main__ import main
    main(["info"])
"""
from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import tempfile
import time

from ._argtypes import non_negative_int, positive_int

_DEMO_DEFAULT_OUT = "tinygradconv-demo"
_DEMO_FILES = ("upsampler.weights.npz", "training_curve.png", "predictions.png")   # the weights first
_OWN_COMMANDS = ("demo", "info")


# ------------------------------------------------------------------------------------------------ parser
def _first_command(argv):
    """The first argument that is not an option (the subcommand's name), or None."""
    return next((a for a in argv if not a.startswith("-")), None)


def _viz_cli():
    """``tinygradconv.viz.cli`` when it exists, else None (it never imports matplotlib at import time)."""
    try:
        from .viz import cli
    except ModuleNotFoundError as exc:
        if exc.name != "tinygradconv.viz.cli":
            raise
        return None
    return cli


def build_parser(command=None):
    """The argument parser. The viz subcommands are registered unless ``command`` is one of ours (``demo``,
    ``info``), so that those never import the viz package."""
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="python -m tinygradconv",
        description="tinygradconv: a small, exact and fast autodiff framework with a Keras-exact Conv1DTranspose.")
    parser.add_argument("--version", action="version", version=f"tinygradconv {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    demo = sub.add_parser(
        "demo", help="train the toy Conv1DTranspose signal upsampler and write its weights and plots",
        description="Train the default toy model: a Conv1D + Conv1DTranspose(strides=4) network that turns noisy "
                    "low-resolution signals (32 steps) into clean high-resolution ones (128 steps). Shows a "
                    "progress bar, prints the test metrics next to linear interpolation's, and writes the weights "
                    "(upsampler.weights.npz) and, when matplotlib is installed, training_curve.png and "
                    "predictions.png into the output folder.")
    demo.add_argument("--out", default=_DEMO_DEFAULT_OUT,
                      help=f"output folder, created if its parent exists (default ./{_DEMO_DEFAULT_OUT})")
    demo.add_argument("--fast", action="store_true",
                      help="a short run: fewer signals and epochs (also TINYGRADCONV_FAST=1)")
    demo.add_argument("--epochs", type=positive_int, default=None, help="epochs (default 30; 10 with --fast)")
    demo.add_argument("--seed", type=non_negative_int, default=0, help="random seed (default 0)")
    demo.add_argument("--no-plots", action="store_true", help="do not draw plots")
    demo.add_argument("--quiet", action="store_true", help="no progress bar")
    demo.set_defaults(func=run_demo)

    info = sub.add_parser("info", help="version, backends, BLAS and configuration",
                          description="Print the version, the array backends available here, the BLAS library "
                                      "NumPy uses, and the configuration values (and where they come from).")
    info.add_argument("--json", action="store_true", help="print the same information as JSON")
    info.set_defaults(func=run_info)

    if command not in _OWN_COMMANDS:
        viz_cli = _viz_cli()
        if viz_cli is not None:
            viz_cli.register(sub)
    return parser


def main(argv=None) -> int:
    """Parse ``argv`` (default ``sys.argv[1:]``), run the command and return its exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(_first_command(argv))
    if not argv:  # `python -m tinygradconv` alone: say what there is to run
        parser.print_help()
        return 0
    args = parser.parse_args(argv)
    try:
        status = args.func(args)
        sys.stdout.flush()
    except BrokenPipeError:     # the reader went away (`info --json | head`): stop quietly, as other tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())      # no second error when Python exits
        return 1
    return 0 if status is None else int(status)


# ------------------------------------------------------------------------------------------------ info
def _blas_info():
    """The BLAS library NumPy uses: from threadpoolctl (loaded libraries, threads) when installed, else from NumPy's
    build configuration."""
    try:
        import threadpoolctl
    except ImportError:
        threadpoolctl = None
    if threadpoolctl is not None:
        import numpy  # noqa: F401  (load NumPy's BLAS so that threadpoolctl sees it)

        pools = [p for p in threadpoolctl.threadpool_info() if p.get("user_api") == "blas"]
        if pools:
            return [{"name": p.get("internal_api"), "version": p.get("version"), "threads": p.get("num_threads"),
                     "source": "threadpoolctl", "library": p.get("filepath")} for p in pools]
    import numpy as np

    try:
        config = np.show_config(mode="dicts")
        blas = config["Build Dependencies"]["blas"]
        return [{"name": blas.get("name"), "version": blas.get("version"), "threads": None,
                 "source": "numpy build configuration",
                 "detail": blas.get("openblas configuration") or blas.get("lib directory")}]
    except (TypeError, KeyError):  # NumPy < 1.25 has no mode="dicts"
        blas_info = getattr(getattr(np, "__config__", None), "blas_opt_info", None) or {}
        return [{"name": ", ".join(blas_info.get("libraries", [])) or "unknown", "version": None, "threads": None,
                 "source": "numpy build configuration"}]


def _package_version(name):
    """The installed version of ``name`` without importing it (None when absent)."""
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def collect_info() -> dict:
    """Everything ``info`` prints, as a dict."""
    import numpy as np

    from . import __version__, backend, config

    backends = {}
    for name in backend.known_backends():
        try:
            backend.get_backend(name)
            backends[name] = "available"
        except ValueError as exc:
            backends[name] = f"not available: {str(exc).split('. ')[0]}"
    path = config.config_path()
    return {
        "version": __version__,
        "python": f"{platform.python_version()} ({platform.python_implementation()}, {platform.platform()})",
        "numpy": np.__version__,
        "backends": backends,
        "default_backend": config.default_backend_name() + ("" if backends.get(config.default_backend_name()) ==
                                                            "available" else " (not available here)"),
        "blas": _blas_info(),
        "config": {"floatx": config.floatx(), "image_data_format": config.image_data_format(),
                   "backend": config.default_backend_name(), "epsilon": config.epsilon()},
        "config_file": {"path": str(path), "exists": path.is_file()},
        "environment": {name: os.environ[name] for name in ("TINYGRADCONV_FLOATX", "TINYGRADCONV_IMAGE_DATA_FORMAT",
                                                            "TINYGRADCONV_BACKEND", "TINYGRADCONV_HOME")
                        if os.environ.get(name)},           # an empty variable sets nothing (config.py)
        "optional_packages": {name: _package_version(name) for name in
                              ("array-api-strict", "cupy-cuda12x", "cupy-cuda13x", "matplotlib", "tqdm", "torch")},
    }


def run_info(args) -> int:
    """``info``: print :func:`collect_info` as text (or JSON with ``--json``)."""
    info = collect_info()
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    print(f"tinygradconv {info['version']}")
    print(f"Python {info['python']}")
    print(f"NumPy {info['numpy']}")
    print("Backends:")
    for name, state in info["backends"].items():
        mark = " (default)" if name == info["default_backend"] else ""
        print(f"  {name:<17} {state}{mark}")
    print("BLAS:")
    for blas in info["blas"]:
        threads = f", {blas['threads']} threads" if blas.get("threads") else ""
        print(f"  {blas['name']} {blas['version'] or ''}{threads}  [{blas['source']}]")
        if blas.get("detail"):
            print(f"    {blas['detail']}")
    file = info["config_file"]
    print(f"Configuration (file {file['path']}: {'found' if file['exists'] else 'absent, using defaults'}):")
    for key, value in info["config"].items():
        print(f"  {key:<17} {value}")
    for key, value in info["environment"].items():
        print(f"  set by ${key}={value}")
    print("Optional packages:")
    for name, version in info["optional_packages"].items():
        print(f"  {name:<17} {version or 'not installed'}")
    return 0


# ------------------------------------------------------------------------------------------------ demo
def _linear_interpolation(low, factor):
    import numpy as np

    t_high = np.arange(low.shape[1] * factor)
    return np.stack([np.interp(t_high, t_high[::factor], row) for row in low[:, :, 0]])[:, :, None]


def _compared(error, reference):
    """``error`` against ``reference`` in words, as a percentage of ``reference``.

    >>> _compared(0.25, 1.0), _compared(0.01231, 0.00741)      # "-66% lower" before (found by a tester)
    ('75% lower', '66% higher')
    """
    change = 1 - error / reference
    return f"{abs(change):.0%} {'lower' if change >= 0 else 'higher'}"


def run_demo(args) -> int:
    """``demo``: train the upsampler, print the metrics, write weights and plots. Returns 1 if the model does not
    beat linear interpolation on the test signals."""
    import numpy as np

    import tinygradconv as tg
    from tinygradconv.layers import Conv1D, Conv1DTranspose
    from tinygradconv.scripts import fast_run, output_folder

    fast = args.fast or fast_run()
    n_train, epochs = (256, 10) if fast else (512, 30)
    epochs = args.epochs or epochs
    factor = 4
    try:       # the configured backend, before any folder is made (CuPy without a GPU: a traceback, found by a tester)
        tg.get_backend()
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:       # TINYGRADCONV_FIGURES' rule (output_folder makes every check): a mistyped path is refused, not made
        output_folder(args.out, "--out")
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:       # before training, not after it (a read-only folder gave a traceback at the end, found by a tester)
        with tempfile.TemporaryFile(dir=args.out):
            pass
    except OSError as exc:
        print(f"error: cannot write into {args.out!r}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    for name in _DEMO_FILES[:1 if args.no_plots else None]:     # a folder in a file's place (found by a tester)
        if os.path.isdir(os.path.join(args.out, name)):
            print(f"error: cannot write {os.path.join(args.out, name)!r}: a folder of that name is in the way",
                  file=sys.stderr)
            return 2

    tg.random.set_seed(args.seed)
    low, high = tg.datasets.resolution_pairs(n_train + 256, steps=128, factor=factor, noise=0.1, seed=args.seed)
    x_train, x_test, y_train, y_test = low[:n_train], low[n_train:], high[:n_train], high[n_train:]
    # Keras' validation_split: fit holds out the last fifth of the training signals and reports its loss each epoch
    # (val_loss, the training curve's dashed line); the test signals stay unseen until the final Test MSE
    validation_split = 0.2
    n_fit = math.floor(n_train * (1.0 - validation_split))
    print(f"Data: {n_train} training signals ({n_fit} fitted, the last {n_train - n_fit} held out for validation: "
          f"validation_split={validation_split}) and {len(x_test)} test signals, unseen until the Test MSE; input "
          f"{x_train.shape[1:]} (noisy, every {factor}th sample), target {y_train.shape[1:]} (clean)")

    model = tg.models.Sequential([
        Conv1D(8, 7, padding="same", activation="tanh"),
        Conv1DTranspose(1, 4 * factor, strides=factor, padding="same"),
    ], name="upsampler")
    model.compile(optimizer=tg.optimizers.Adam(learning_rate=0.02), loss="mse", metrics=["mae"])
    model.build((None,) + x_train.shape[1:])
    model.summary()
    start = time.perf_counter()
    history = model.fit(x_train, y_train, batch_size=32, epochs=epochs, validation_split=validation_split,
                        verbose=0 if args.quiet else 1)
    seconds = time.perf_counter() - start

    prediction = model.predict(x_test)
    mse = float(np.mean((prediction - y_test) ** 2))
    mae = float(np.mean(np.abs(prediction - y_test)))
    linear = _linear_interpolation(x_test, factor)
    mse_linear = float(np.mean((linear - y_test) ** 2))
    mae_linear = float(np.mean(np.abs(linear - y_test)))
    print(f"Trained {epochs} epoch{'s' if epochs > 1 else ''} in {seconds:.1f} s")
    print(f"Test MSE: {mse:.5f} (linear interpolation {mse_linear:.5f}, {_compared(mse, mse_linear)})")
    print(f"Test MAE: {mae:.5f} (linear interpolation {mae_linear:.5f})")

    weights = os.path.join(args.out, _DEMO_FILES[0])
    try:       # checked before training, but the folder may change meanwhile
        model.save_weights(weights)
        print(f"wrote {weights}")
        if not args.no_plots:
            for path in _demo_plots(args.out, history, x_test, y_test, prediction, linear, factor):
                print(f"wrote {path}")
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename else ""
        print(f"error: cannot write into {args.out!r}: {exc.strerror or exc}{where}", file=sys.stderr)
        return 2
    if not mse < mse_linear:
        print("The model did not beat linear interpolation (try more --epochs).", file=sys.stderr)
        return 1
    return 0


def _demo_plots(out, history, x_test, y_test, prediction, linear, factor):
    """Write training_curve.png and predictions.png (nothing when matplotlib is absent)."""
    try:
        import matplotlib

        if "matplotlib.pyplot" not in sys.modules:
            matplotlib.use("Agg")  # files only: no window
        import matplotlib.pyplot as plt
    except ImportError:
        print("(matplotlib is not installed: no plots; pip install 'tinygradconv[viz]')")
        return []
    import numpy as np

    paths = []
    try:
        from tinygradconv.viz import plot_history
    except ImportError:
        plot_history = None
    if plot_history is not None:
        fig = plot_history(history, logy=True)
    else:
        fig, ax = plt.subplots(figsize=(5, 3.5))
        for key, style in (("loss", "-"), ("val_loss", "--")):
            ax.semilogy(np.arange(1, len(history.history[key]) + 1), history.history[key], style, label=key)
        ax.set(xlabel="epoch", ylabel="MSE")
        ax.legend()
    fig.suptitle("Demo upsampler: training curve", fontsize=9)
    paths.append(_save_figure(fig, os.path.join(out, _DEMO_FILES[1])))
    plt.close(fig)

    # The legend sits under the panels, where it cannot cover a curve.
    fig, axes = plt.subplots(3, 1, figsize=(8, 7.5), sharex=True, layout="constrained")
    t = np.arange(y_test.shape[1])
    for i, ax in enumerate(axes):
        ax.plot(t, y_test[i, :, 0], color="black", lw=1, label="truth")
        ax.plot(t[::factor], x_test[i, :, 0], "o", ms=3.5, color="dimgrey", zorder=3, label="noisy input")
        ax.plot(t, linear[i, :, 0], color="C1", lw=1, label="linear interpolation")
        ax.plot(t, prediction[i, :, 0], color="C0", lw=1.5, label="model")
    axes[-1].set_xlabel("step (high-resolution sample)")
    fig.supylabel("signal value", fontsize=10)
    fig.suptitle("Demo upsampler: three test signals, predictions vs truth", fontsize=11)
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncol=4, fontsize=10)
    paths.append(_save_figure(fig, os.path.join(out, _DEMO_FILES[2])))
    plt.close(fig)
    return paths


def _save_figure(fig, path):
    """Save a PNG atomically, with ordinary permissions (:func:`tinygradconv.saving.atomic_write`)."""
    from .saving import atomic_write

    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=100, format="png"), to_path=True)
    return path


if __name__ == "__main__":
    sys.exit(main())
