"""Every example runs in its short version (``--fast``, as the docs build runs them) and reaches its stated quality.

Each script is run in a fresh process, as a user would run it, and what it prints is checked. Each is also run the
way the docs' sphinx-gallery runs it, code block by code block, and the figures each block shows are checked.
"""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TESTS = Path(__file__).resolve().parent
EXAMPLES = ROOT / "examples"


def run_example(name, *extra, env=None):
    environment = dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=str(ROOT))
    environment.update(env or {})
    result = subprocess.run([sys.executable, str(EXAMPLES / name), *extra], capture_output=True, text=True, check=False,
                            env=environment, cwd=ROOT, timeout=120)
    assert result.returncode == 0, f"{name} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def test_every_example_is_tested():
    scripts = {p.name for p in EXAMPLES.glob("*.py") if not p.name.startswith("_")}
    assert scripts == {"seed_example.py", "learn_hidden_kernel.py", "signal_upsampler.py",
                       "denoising_autoencoder.py", "unet_1d.py"}


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.py")), ids=lambda p: p.name)
def test_examples_are_gallery_scripts(path):
    text = path.read_text()
    lines = text.lstrip().splitlines()
    assert lines[0] == '"""' and lines[2] and set(lines[2]) == {"="}, "a docstring with an underlined title"
    assert len(lines[2]) == len(lines[1]), "the title's underline has the title's length"
    assert "# %%" in text


def test_seed_example(tmp_path):
    out = run_example("seed_example.py", "--fast", "--out", str(tmp_path))
    assert "input:  (4, 10, 128)" in out
    assert "kernel: (3, 32, 128)" in out
    assert "bias:   (32,)" in out
    assert "output: (4, 21, 32)" in out
    error = float(re.search(r"max \|layer - loops\| = (\S+)", out).group(1))
    assert error <= 1e-4
    assert (tmp_path / "seed_example.png").stat().st_size > 0      # the connectivity picture (the gallery's thumbnail)


def test_examples_save_their_figures_where_tinygradconv_figures_says(tmp_path):
    """``TINYGRADCONV_FIGURES`` names the folder, as for the tutorials (``tinygradconv.scripts``); the examples read
    only ``--out`` and wrote nothing (found by a tester). ``--out`` still wins."""
    run_example("seed_example.py", "--fast", env={"TINYGRADCONV_FIGURES": str(tmp_path / "figures")})
    assert (tmp_path / "figures" / "seed_example.png").stat().st_size > 0
    run_example("seed_example.py", "--fast", "--out", str(tmp_path / "given"),
                env={"TINYGRADCONV_FIGURES": str(tmp_path / "other")})
    assert (tmp_path / "given" / "seed_example.png").exists() and not (tmp_path / "other").exists()


@pytest.mark.parametrize("name", ["seed_example.py", "unet_1d.py"])
def test_examples_refuse_an_out_whose_parent_is_missing(name, tmp_path):
    """``--out`` follows TINYGRADCONV_FIGURES' rule, as the command line's: only the last folder is made (a
    mistyped path made every missing parent)."""
    environment = dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, str(EXAMPLES / name), "--fast", "--out", str(tmp_path / "typo" / "out")],
                            capture_output=True, text=True, check=False, env=environment, cwd=ROOT, timeout=120)
    assert result.returncode == 2, result.stderr
    assert f"error: Invalid value for --out: the folder {str(tmp_path / 'typo')!r} that should hold 'out' does not " \
           "exist" in result.stderr, result.stderr
    assert not (tmp_path / "typo").exists()


def test_learn_hidden_kernel(tmp_path):
    out = run_example("learn_hidden_kernel.py", "--out", str(tmp_path), env={"TINYGRADCONV_FAST": "1"})
    error = float(re.search(r"max kernel error: (\S+) \(tolerance (\S+)\)", out).group(1))
    tolerance = float(re.search(r"tolerance (\S+)\)", out).group(1))
    assert tolerance == 1e-2 and error <= tolerance   # the environment variable selected the short run
    assert (tmp_path / "learn_hidden_kernel.png").stat().st_size > 0
    assert "OK:" in out


def test_signal_upsampler():
    out = run_example("signal_upsampler.py", "--fast")
    found = re.findall(r"factor (\d): .*test MSE model (\S+), linear interpolation (\S+) ", out)
    assert [f for f, _, _ in found] == ["2", "4"]
    for _, model, linear in found:
        assert float(model) <= 0.85 * float(linear)      # at least 15% lower, as the fast run states
    assert "OK:" in out


# runs an example as run_example does, in-process, noting each saved figure's titles and the arguments of fit
RUN_NOTING = """
import json, runpy, sys
import matplotlib.figure
import tinygradconv.models as models

report, script = sys.argv[1], sys.argv[2]
noted = {"figures": {}, "fits": []}
savefig, fit = matplotlib.figure.Figure.savefig, models.Model.fit

def noting_savefig(self, fname, *args, **kwargs):
    noted["figures"][str(fname)] = [{"title": ax.get_title(), "size": ax.title.get_fontsize()} for ax in self.axes]
    return savefig(self, fname, *args, **kwargs)

def noting_fit(self, x=None, y=None, *args, **kwargs):
    data = kwargs.get("validation_data")
    noted["fits"].append({"n": len(x), "validation_split": kwargs.get("validation_split", 0.0),
                          "validation_data": None if data is None else [a.tolist() for a in data]})
    return fit(self, x, y, *args, **kwargs)

matplotlib.figure.Figure.savefig, models.Model.fit = noting_savefig, noting_fit
sys.argv = [script, *sys.argv[3:]]
try:
    runpy.run_path(script, run_name="__main__")
finally:
    with open(report, "w") as file:
        json.dump(noted, file)
"""


def run_noting(name, tmp_path, *extra):
    """Run an example's short version; return what it noted: the titles of each saved figure, the fit calls."""
    report = tmp_path / "noted.json"
    environment = dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=str(ROOT), TINYGRADCONV_FAST="1")
    result = subprocess.run([sys.executable, "-c", RUN_NOTING, str(report), str(EXAMPLES / name), *extra],
                            capture_output=True, text=True, check=False, env=environment, cwd=ROOT, timeout=120)
    assert result.returncode == 0, f"{name} failed:\n{result.stdout}\n{result.stderr}"
    return json.loads(report.read_text())


def test_signal_upsampler_validates_on_training_data_not_the_test_set(tmp_path):
    """It passed the test set as validation_data and plotted it as "validation"; the test set is for the final
    comparison only: the validation curve comes from signals held out of the training data."""
    noted = run_noting("signal_upsampler.py", tmp_path, "--out", str(tmp_path / "figures"))
    assert len(noted["fits"]) == 2
    for fit in noted["fits"]:
        # the 256 training signals of the short run (of 512 drawn, the last 256 the test set), 20% held out
        assert fit["n"] == 256 and fit["validation_data"] is None and fit["validation_split"] == 0.2, fit


def test_learn_hidden_kernel_titles_its_panels_alike(tmp_path):
    """The loss panel was titled "loss" in small lowercase beside "Kernel error" and "Kernel taps"."""
    noted = run_noting("learn_hidden_kernel.py", tmp_path, "--out", str(tmp_path))
    (axes,) = noted["figures"].values()
    assert [ax["title"] for ax in axes] == ["Training loss", "Kernel error", "Kernel taps"]
    assert len({ax["size"] for ax in axes}) == 1, axes


def test_denoising_autoencoder():
    out = run_example("denoising_autoencoder.py", "--fast")
    noisy, denoised = map(float, re.search(r"noisy input (\S+), denoised (\S+) ", out).groups())
    assert denoised <= 0.4 * noisy
    max_norm, limit = map(float, re.search(r"max kernel norm: (\S+) \(MaxNorm limit (\S+)\)", out).groups())
    assert max_norm <= limit * (1 + 1e-5)
    assert "OK:" in out


def test_unet_1d(tmp_path):
    out = run_example("unet_1d.py", "--out", str(tmp_path), env={"TINYGRADCONV_FAST": "1"})
    assert "skip_64 (Concatenate)" in out and "(None, 64, 32)" in out     # the summary shows the skip connection
    baseline, unet = map(float, re.search(r"moving average \(window \d+\) (\S+), U-Net (\S+) ", out).groups())
    required = float(re.search(r"required (\d+)%", out).group(1)) / 100
    assert required == 0.20 and unet <= (1 - required) * baseline   # the environment variable selected the short run
    assert (tmp_path / "unet_1d.png").stat().st_size > 0
    assert (tmp_path / "unet_1d_connectivity.png").stat().st_size > 0
    assert "OK:" in out


# ------------------------------------------------------------------------------------- as the gallery shows them
def legend_problems(fig) -> list[str]:
    """A legend that reaches past the frame of its Axes, or covers one of its bars (in the drawn figure). Axes drawn
    without a frame (the connectivity diagrams) may hold their legend below their cells."""
    from matplotlib.patches import Rectangle

    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    problems = []
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is None or not legend.get_visible():
            continue
        box, frame = legend.get_window_extent(renderer), ax.get_window_extent(renderer)
        title = repr(ax.get_title())
        if ax.axison and (box.x0 < frame.x0 - 1 or box.x1 > frame.x1 + 1 or box.y0 < frame.y0 - 1
                          or box.y1 > frame.y1 + 1):
            problems.append(f"the legend of the Axes {title} reaches past its frame")
        bars = [patch for patch in ax.patches if isinstance(patch, Rectangle) and patch.get_visible()]
        if any(box.overlaps(bar.get_window_extent(renderer)) for bar in bars):
            problems.append(f"the legend of the Axes {title} covers a bar")
    return problems


def run_as_gallery(script, report):
    """Run ``script`` as sphinx-gallery does: its code blocks one after another in one namespace, the figures that a
    block leaves open shown after it (side by side when there are several) and then closed. Writes, per code block,
    its first line and the problems of each figure it shows (``figure_check`` as the docs save them, with a tight
    bounding box, and :func:`legend_problems`) to the JSON file ``report``."""
    import matplotlib

    matplotlib.use("Agg")
    import figure_check
    import matplotlib.pyplot as plt
    from sphinx_gallery.py_source_parser import split_code_and_text_blocks

    _, blocks = split_code_and_text_blocks(str(script))
    sys.argv = [str(script)]
    namespace = {"__name__": "__main__", "__file__": str(script)}
    shown = []
    for block in blocks:
        if block.type != "code":
            continue
        exec(compile("\n" * (block.lineno - 1) + block.content, str(script), "exec"), namespace)  # noqa: S102
        figures = [plt.figure(number) for number in plt.get_fignums()]
        shown.append({"line": block.lineno, "figures": [figure_check.figure_problems(fig, bbox_inches="tight")
                                                        + legend_problems(fig) for fig in figures]})
        plt.close("all")
    Path(report).write_text(json.dumps(shown))


@pytest.fixture(scope="module")
def gallery_runs(tmp_path_factory):
    """Every example run as the gallery runs it (short version), each in a fresh process: its report, or its error."""
    pytest.importorskip("sphinx_gallery", reason="the docs' gallery parser (pip install -e .[docs])")
    runs = {}
    for path in sorted(EXAMPLES.glob("[!_]*.py")):
        report = tmp_path_factory.mktemp(path.stem) / "shown.json"
        code = (f"import sys; sys.path.insert(0, {str(TESTS)!r}); import test_examples; "
                f"test_examples.run_as_gallery({str(path)!r}, {str(report)!r})")
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=ROOT,
                                env=dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=str(ROOT), TINYGRADCONV_FAST="1"),
                                timeout=180)
        runs[path.name] = json.loads(report.read_text()) if result.returncode == 0 else result.stderr
    return runs


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("[!_]*.py")))
def test_gallery_shows_each_figure_alone_readable_with_its_legends_inside(gallery_runs, name):
    """sphinx-gallery puts the figures of one code block in a row, each a fraction of the page wide: every block
    shows at most one, so that each figure takes the page's width. Every example shows at least one (its card's
    thumbnail; without a figure the gallery shows a placeholder), and every figure passes the checks."""
    shown = gallery_runs[name]
    assert not isinstance(shown, str), f"{name} failed when run block by block:\n{shown}"
    crowded = [block["line"] for block in shown if len(block["figures"]) > 1]
    assert not crowded, f"{name}: the code blocks starting at lines {crowded} show several figures side by side"
    assert sum(len(block["figures"]) for block in shown) >= 1, f"{name} shows no figure (no thumbnail)"
    problems = [f"line {block['line']}: {problem}" for block in shown for figure in block["figures"]
                for problem in figure]
    assert not problems, f"{name}: " + "\n  ".join(problems)
