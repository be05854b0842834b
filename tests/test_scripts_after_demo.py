"""What a student gets after `make demo` or `pip install -e ".[viz]"`, without IPython and (as the latter, without the
`exercises` extra) without array-api-strict:
the tutorials run there as plain scripts, `viz.show_animation` warns instead of failing outside IPython, and the
demo's `predictions.png` keeps its legend off the curves."""
import gc
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

import matplotlib

matplotlib.use("Agg")
import figure_check
import matplotlib.pyplot as plt
from matplotlib.backends.backend_agg import FigureCanvasAgg

import tinygradconv.__main__ as cli_main
from tinygradconv import viz

ROOT = Path(__file__).resolve().parent.parent
MISSING = ("IPython", "array_api_strict")       # installed by the dev extra; absent from `.[viz]` (make demo adds the
#                                                 exercises extra, array-api-strict: its absence is the harder case)


def _without(folder):
    """A folder that, first on PYTHONPATH, makes ``import IPython`` and ``import array_api_strict`` fail."""
    for name in MISSING:
        package = folder / name
        package.mkdir(parents=True)
        (package / "__init__.py").write_text(f"raise ImportError('{name} is not installed (test stand-in)')\n")
    return folder


@pytest.mark.parametrize("name", ["03_transposed_convolution.py", "06_backends.py", "08_backprop_drawn.py"])
def test_tutorial_runs_as_a_script_without_ipython_or_array_api_strict(name, tmp_path):
    blocked = _without(tmp_path / "blocked")
    figures, work = tmp_path / "figures", tmp_path / "work"
    work.mkdir()
    env = {**os.environ, "TINYGRADCONV_FAST": "1", "MPLBACKEND": "Agg", "TINYGRADCONV_FIGURES": str(figures),
           "PYTHONPATH": os.pathsep.join([str(blocked), str(ROOT)])}
    env.pop("TINYGRADCONV_BACKEND", None)
    proc = subprocess.run([sys.executable, str(ROOT / "tutorials" / name)], cwd=work, env=env, capture_output=True,
                          text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    if name == "06_backends.py":
        assert "available backends: ['numpy']" in proc.stdout                    # the stand-in did block it
        skipped = [line for line in proc.stdout.splitlines() if "array-api-strict is not installed" in line]
        assert len(skipped) == 1 and "pip install array-api-strict" in skipped[0], proc.stdout
        assert "max difference numpy vs array_api_strict" not in proc.stdout
    else:
        assert "UserWarning: show_animation" in proc.stderr and "IPython" in proc.stderr, proc.stderr[-3000:]
        gif = {"03_transposed_convolution.py": "03_scatter.gif", "08_backprop_drawn.py": "08_backward.gif"}[name]
        assert (figures / gif).read_bytes()[:6] == b"GIF89a"                    # the animation is there, as a file


@pytest.mark.parametrize("name", ["03_transposed_convolution.py", "08_backprop_drawn.py"])
def test_tutorial_without_ipython_nor_figures_warns_once(name, tmp_path):
    """Run without TINYGRADCONV_FIGURES (the GIF written nowhere) and without IPython: show_animation's warning,
    and not matplotlib's "Animation was deleted without rendering anything" after it (a tester's finding)."""
    work = tmp_path / "work"
    work.mkdir()
    env = {**os.environ, "TINYGRADCONV_FAST": "1", "MPLBACKEND": "Agg",
           "PYTHONPATH": os.pathsep.join([str(_without(tmp_path / "blocked")), str(ROOT)])}
    env.pop("TINYGRADCONV_FIGURES", None)
    env.pop("TINYGRADCONV_BACKEND", None)
    proc = subprocess.run([sys.executable, str(ROOT / "tutorials" / name)], cwd=work, env=env, capture_output=True,
                          text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "UserWarning: show_animation" in proc.stderr, proc.stderr[-3000:]
    assert "Animation was deleted" not in proc.stderr, proc.stderr[-3000:]
    assert not list(work.iterdir())


def test_show_animation_outside_ipython_warns_and_returns_none(monkeypatch, tmp_path):
    for name in ("IPython", "IPython.display"):
        monkeypatch.setitem(sys.modules, name, None)                          # `import IPython` now fails
    anim = viz.animate_transposed_conv([1.0, 2.0], [1.0, 1.0, 1.0], strides=2)
    try:
        with pytest.warns(UserWarning, match="IPython") as caught:
            assert viz.show_animation(anim) is None
        assert len(caught) == 1
        message = str(caught[0].message)
        assert "path=" in message and "save_gif" in message                   # says how to get the GIF instead
        assert caught[0].filename == __file__                                  # points at the caller's line
        assert not plt.fignum_exists(anim.figure.number)                       # its figure closed
        with warnings.catch_warnings(record=True) as deleted:                  # and no "deleted without rendering"
            warnings.simplefilter("always")
            del anim
            gc.collect()
        assert not [w for w in deleted if "Animation was deleted" in str(w.message)], deleted
        anim = viz.animate_transposed_conv([1.0, 2.0], [1.0, 1.0, 1.0], strides=2)
        with warnings.catch_warnings():
            warnings.simplefilter("error")                                     # a wrong argument still raises
            with pytest.raises(TypeError, match="anim"):
                viz.show_animation("scatter.gif")
        assert viz.save_gif(anim, tmp_path / "scatter.gif").read_bytes()[:6] == b"GIF89a"     # the advice works
    finally:
        plt.close("all")


def test_demo_predictions_legend_is_off_the_curves_readable_and_the_y_axis_labelled(tmp_path, monkeypatch, capsys):
    saved = {}
    original = cli_main._save_figure

    def keep(fig, path):
        saved[os.path.basename(path)] = fig
        return original(fig, path)

    monkeypatch.setattr(cli_main, "_save_figure", keep)
    assert cli_main.main(["demo", "--fast", "--quiet", "--out", str(tmp_path)]) == 0
    capsys.readouterr()
    fig = saved["predictions.png"]
    FigureCanvasAgg(fig)                                                      # closed: give it a canvas again
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    assert all(ax.get_legend() is None for ax in fig.axes)                   # no legend inside a panel
    (legend,) = fig.legends
    assert [t.get_text() for t in legend.get_texts()] == ["truth", "noisy input", "linear interpolation", "model"]
    assert min(t.get_fontsize() for t in legend.get_texts()) >= 9
    box = legend.get_window_extent(renderer)
    for ax in fig.axes:
        assert not box.overlaps(ax.get_window_extent(renderer)), "the legend covers a panel"
    assert fig.bbox.contains(box.x0, box.y0) and fig.bbox.contains(box.x1, box.y1)
    assert fig.get_supylabel() or all(ax.get_ylabel() for ax in fig.axes)
    figure_check.assert_readable(fig)
