"""Tutorials 07 (checkerboard) and 08 (backprop, drawn) run as scripts in their short version, and what they print
is checked against values computed here independently: overlap counts by naive scatter loops, gradients by PyTorch.
"""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from figure_check import assert_readable
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent


# runs a tutorial as a script does, noting the titles and axis labels of each figure it saves (by file name)
RUN_NOTING_AXES = """
import json, os, runpy, sys
import matplotlib.figure

report, script = sys.argv[1], sys.argv[2]
axes, savefig = {}, matplotlib.figure.Figure.savefig

def noting_savefig(self, fname, *args, **kwargs):
    if isinstance(fname, (str, os.PathLike)):        # not the animation's frames, drawn into buffers
        axes[os.path.basename(fname)] = [{"title": ax.get_title(), "xlabel": ax.get_xlabel(),
                                          "ylabel": ax.get_ylabel(), "texts": [t.get_text() for t in ax.texts]}
                                         for ax in self.axes]
    return savefig(self, fname, *args, **kwargs)

matplotlib.figure.Figure.savefig = noting_savefig
sys.argv = [script]
try:
    runpy.run_path(script, run_name="__main__")
finally:
    with open(report, "w") as file:
        json.dump(axes, file)
"""


def run(name, tmp_path):
    """Run a tutorial's short version; return what it printed, its figures' folder, and each saved figure's axes
    (title and labels, by file name)."""
    work, figures, report = tmp_path / "work", tmp_path / "figures", tmp_path / "axes.json"
    work.mkdir()
    env = {**os.environ, "TINYGRADCONV_FAST": "1", "MPLBACKEND": "Agg", "TINYGRADCONV_FIGURES": str(figures),
           "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", RUN_NOTING_AXES, str(report), str(ROOT / "tutorials" / name)],
                          cwd=work, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert not list(work.iterdir()), "the tutorial wrote into its working folder"
    return proc.stdout, figures, json.loads(report.read_text())


def assert_labelled(axes):
    """Every panel has a label on both axes."""
    assert axes and all(ax["xlabel"].strip() and ax["ylabel"].strip() for ax in axes), axes


def number(out, pattern):
    match = re.search(pattern, out)
    assert match, f"{pattern!r} not in the output:\n{out}"
    return float(match.group(1))


def scatter_counts(counts, k, s):
    """Counts after one valid Conv1DTranspose with all-ones kernel: input step j adds its count to j*s .. j*s+k-1."""
    out = np.zeros((len(counts) - 1) * s + max(k, s))
    for j, c in enumerate(counts):
        out[j * s: j * s + k] += c
    return out


def resize_counts(counts, k):
    """UpSampling1D(2) then Conv1D(k, padding="same") with all-ones kernel (k odd: k // 2 zeros each side)."""
    up = np.repeat(counts, 2)
    padded = np.concatenate([np.zeros(k // 2), up, np.zeros(k // 2)])
    return np.array([padded[n: n + k].sum() for n in range(len(up))])


def test_tutorial_07_checkerboard(tmp_path):
    out, figures, axes = run("07_checkerboard.py", tmp_path)
    L = 10
    for k in (2, 3, 4, 5, 6):
        counts = scatter_counts(np.ones(L), k, 2)
        expected = sorted(set(counts[k: len(counts) - k].astype(int).tolist()))
        printed = re.search(rf"single layer k={k}, s=2: inside counts \[(.*?)\]", out).group(1)
        assert [int(v) for v in printed.split(",")] == expected
        assert expected == sorted({k // 2, -(-k // 2)})                 # floor(k/s), ceil(k/s)
    transposed, resize = np.ones(L), np.ones(L)
    for _ in range(3):
        transposed, resize = scatter_counts(transposed, 3, 2), resize_counts(resize, 3)
    for name, counts in (("transposed", transposed), ("resize", resize)):
        middle = counts[16: len(counts) - 16]
        assert number(out, rf"stack of three, {name}: inside min (\S+)") == middle.min()
        assert number(out, rf"stack of three, {name}: inside min \S+ max (\S+)") == middle.max()
    assert resize[16:-16].min() == resize[16:-16].max() == 27 and transposed[16:-16].max() > transposed[16:-16].min()
    assert "path matrix equals the product of the layer matrices: True" in out
    # resize-convolution maps a constant to a constant away from the ends, whatever its weights; the trained
    # transposed stack keeps a period-4 pattern (the tutorial's claim)
    assert number(out, r"trained resize: .*phase spread (\S+)") < 1e-5
    assert number(out, r"trained transposed: .*phase spread (\S+)") > 1e-3
    # the prose: the transposed stack's loss is several times the resize stack's (about ten in the full run, 0.063
    # against 0.009 in this short one), because every fourth output step of two k=3, s=2 layers has one path
    # (one sample), by the scatter loops
    assert number(out, r"trained transposed: loss (\S+),") > 5 * number(out, r"trained resize: loss (\S+),")
    two = scatter_counts(scatter_counts(np.ones(L), 3, 2), 3, 2)
    assert all(two[j] == 1 for j in range(3, len(two) - 4, 4)) and min(two[4:-4]) == 1
    # skip connections add paths: a transposed branch (k = 3, s = 2, same: the full scatter without its last step)
    # plus a repeat branch (one path per step), by hand
    branch = scatter_counts(np.ones(6), 3, 2)[:12]
    for name, counts in (("transposed branch", branch), ("resize branch", np.ones(12)), ("their sum", branch + 1)):
        printed = re.search(rf"{name}: counts \[(.*?)\]", out).group(1)
        assert [int(v) for v in printed.split(",")] == counts.astype(int).tolist()
    names = ["07_paths.png", "07_receptive_field.png", "07_single_layer.png", "07_skip.png", "07_stacks.png",
             "07_trained.png"]
    assert sorted(p.name for p in figures.iterdir()) == names
    for name in names:
        with Image.open(figures / name) as image:
            assert image.format == "PNG" and min(image.size) > 100
    assert_labelled(axes["07_trained.png"])
    # the receptive field's title names its input steps plainly (it said "steps 4 to 5 (all 2)"): step 40 of the
    # stack's output gets 3 paths from input step 4 and 1 from step 5, by the scatter loops
    one_hot = [scatter_counts(scatter_counts(scatter_counts(np.eye(L)[j], 3, 2), 3, 2), 3, 2)[40] for j in range(L)]
    assert [int(c) for c in one_hot] == [0, 0, 0, 0, 3, 1, 0, 0, 0, 0]
    (field,) = axes["07_receptive_field.png"]
    assert field["title"].startswith("output step 40 sees 2 input steps (4, 5), by 4 paths in all"), field
    assert_labelled([field])


def test_tutorial_08_backprop_drawn(tmp_path):
    torch = pytest.importorskip("torch", reason="PyTorch is the independent reference for the gradients")
    out, figures, axes = run("08_backprop_drawn.py", tmp_path)
    rng = np.random.default_rng(8)                         # the tutorial's draws, in its order
    x_values, y_values = rng.standard_normal((1, 6, 1)), rng.standard_normal((1, 9, 1))
    w1, b1 = rng.standard_normal((3, 1, 2)), rng.standard_normal(2) * 0.1
    w2, b2 = rng.standard_normal((3, 1, 2)), rng.standard_normal(1) * 0.1
    f64 = torch.float64
    W1 = torch.tensor(w1.transpose(2, 1, 0), dtype=f64, requires_grad=True)    # Keras (k, in, out) -> (out, in, k)
    B1 = torch.tensor(b1, dtype=f64, requires_grad=True)
    W2 = torch.tensor(w2.transpose(2, 1, 0), dtype=f64, requires_grad=True)    # Keras (k, out, in) -> (in, out, k)
    B2 = torch.tensor(b2, dtype=f64, requires_grad=True)
    x = torch.tensor(x_values.transpose(0, 2, 1), dtype=f64)
    y = torch.tensor(y_values.transpose(0, 2, 1), dtype=f64)
    h = torch.relu(torch.nn.functional.conv1d(x, W1, B1))
    h.retain_grad()
    y_hat = torch.nn.functional.conv_transpose1d(h, W2, B2, stride=2)
    loss = ((y_hat - y) ** 2).mean()
    loss.backward()
    assert number(out, r"loss (\S+)\n") == pytest.approx(loss.item(), abs=1e-6)
    for name, grad in (("W1", W1), ("b1", B1), ("W2", W2), ("b2", B2), ("h", h)):
        assert number(out, rf"{name} (\d+\.\d+)") == pytest.approx(grad.grad.norm().item(), abs=2e-6), name
    assert number(out, r"max \|recorded - 2\(y_hat - y\)/N\| = (\S+)") < 1e-12
    assert "h.grad after backward: None" in out
    assert "and reading it warned: The .grad attribute of a tensor that is not a leaf" in out
    # the graph: ten tensors need a gradient (loss, pow, sub, y_hat, up/bias, up/kernel, h, conv1d's output,
    # conv/bias, conv/kernel): ten steps, eleven frames with the seed
    steps = re.findall(r"^step (\d+): ", out, flags=re.MULTILINE)
    assert [int(s) for s in steps] == list(range(1, 11))
    # one line per step, each ending with its norm: an op label of two lines ("pow_scalar\n(·) ** 2") split one
    step_lines = [line for line in out.splitlines() if line.startswith("step ")]
    assert len(step_lines) == 10
    assert all(re.fullmatch(r"step \d+: .+, gradient norm \d+\.\d{6}", line) for line in step_lines), step_lines
    # each step names the box as the graph titles it: the conv op run inside layer `conv` is "conv/conv1d" (it said
    # "the unnamed green box 'conv1d'", a title the picture no longer has), the loss's own ops unscoped
    assert "step 2: pow_scalar (unnamed, made by pow_scalar outside any layer), gradient norm" in out
    assert "step 8: conv/conv1d (unnamed, made by conv1d inside layer 'conv'), gradient norm" in out
    boxes = {text.split("\n")[0]: text for ax in axes["08_graph.png"] for text in ax["texts"]}
    assert {"pow_scalar", "sub", "conv/conv1d", "h", "y_hat", "conv/bias"} <= set(boxes), sorted(boxes)
    # the box "conv/conv1d" holds the convolution with its bias added (as the prose says), before the relu:
    # its mean as torch gives it, -0.845 (-0.776 without the bias)
    with_bias = torch.nn.functional.conv1d(x, W1, B1)
    assert f"mean {with_bias.mean().item():.3g}," in boxes["conv/conv1d"], boxes["conv/conv1d"]
    assert f"mean {torch.nn.functional.conv1d(x, W1).mean().item():.3g}," not in boxes["conv/conv1d"]
    assert "animation: 11 frames for 10 nodes" in out
    assert number(out, r"conv1d input gradient vs conv1d_transpose: max difference (\S+)") < 1e-12
    names = ["08_backward.gif", "08_gradient_as_transpose.png", "08_graph.png", "08_graph_grads.png"]
    assert sorted(p.name for p in figures.iterdir()) == names
    assert_labelled(axes["08_gradient_as_transpose.png"])
    with Image.open(figures / "08_backward.gif") as image:
        assert image.format == "GIF" and image.n_frames == 11


def skip_model_figure():
    """The tutorial's functional model with a skip: a transposed branch and a repeat branch added."""
    from tinygradconv import layers, models, viz

    inputs = layers.Input((None, 1))
    added = layers.Add()([layers.Conv1DTranspose(1, 3, strides=2, padding="same")(inputs),
                          layers.UpSampling1D(2)(inputs)])
    return viz.plot_connectivity(models.Model(inputs, added), 6)


def test_tutorial_figures_are_readable():
    """The figures the two tutorials draw, re-drawn here, pass the text-extent check."""
    import matplotlib

    matplotlib.use("Agg")
    from tinygradconv import viz
    from tinygradconv.layers import Conv1D, Conv1DTranspose, UpSampling1D
    from tinygradconv.models import Sequential

    stack = Sequential([Conv1DTranspose(1, 3, strides=2) for _ in range(3)])
    resize = Sequential([layer for _ in range(3) for layer in (UpSampling1D(2), Conv1D(1, 3, padding="same"))])
    for fig in (viz.plot_overlap_counts(stack, 10).figure, viz.plot_overlap_counts(resize, 10).figure,
                viz.plot_receptive_field(stack, 10, 40).figure,
                viz.plot_connectivity(Sequential([Conv1DTranspose(1, 3, strides=2),
                                                  Conv1DTranspose(1, 3, strides=2)]), 4),
                viz.plot_gradient_as_transpose(), skip_model_figure()):
        assert_readable(fig)


@pytest.mark.parametrize("name", ["07_checkerboard.py", "08_backprop_drawn.py"])
def test_tutorial_is_a_percent_format_notebook(name):
    """The agreed format (RULES.md): jupytext percent cells, Markdown prose with $-maths, a Markdown title first."""
    jupytext = pytest.importorskip("jupytext", reason="the tutorials are jupytext notebooks")
    path = ROOT / "tutorials" / name
    notebook = jupytext.read(path, fmt="py:percent")
    kinds = [cell.cell_type for cell in notebook.cells]
    assert kinds[0] == "markdown" and re.match(r"# \S", notebook.cells[0].source)
    assert kinds.count("markdown") >= 4 and kinds.count("code") >= 4
    prose = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    for rst in (":func:`", ":class:`", ":math:`", ".. math::", "``"):
        assert rst not in prose, rst
    assert re.search(r"\$[^$\n]+\$", prose)
