"""Every tutorial runs with plain ``python`` in its short version, writes its figures where it is told, and prints
what it claims; the expected values are worked out here from the formulas, independently of the library."""
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
TUTORIALS = sorted((ROOT / "tutorials").glob("[0-9][0-9]_*.py"))
NAMES = [p.name for p in TUTORIALS]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Run every tutorial at once (in parallel subprocesses), each in an empty working folder."""
    procs = {}
    for path in TUTORIALS:
        base = tmp_path_factory.mktemp(path.stem)
        work, figures = base / "work", base / "figures"
        work.mkdir()
        env = {**os.environ, "TINYGRADCONV_FAST": "1", "MPLBACKEND": "Agg", "TINYGRADCONV_FIGURES": str(figures),
               "PYTHONPATH": str(ROOT)}
        proc = subprocess.Popen([sys.executable, str(path)], cwd=work, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        procs[path.name] = (proc, work, figures)
    results = {}
    for name, (proc, work, figures) in procs.items():
        try:
            out, err = proc.communicate(timeout=300)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
        results[name] = {"rc": proc.returncode, "out": out, "err": err, "work": work, "figures": figures}
    return results


def _run(runs, name):
    result = runs[name]
    assert result["rc"] == 0, f"{name} failed:\n{result['err'][-3000:]}"
    assert not list(result["work"].iterdir()), "a tutorial wrote into its working folder"
    return result["out"]


def _number(out, pattern):
    match = re.search(pattern, out)
    assert match, f"{pattern!r} not in the output:\n{out}"
    return float(match.group(1))


def _figures(runs, name, expected):
    folder = runs[name]["figures"]
    assert sorted(p.name for p in folder.iterdir()) == sorted(expected)
    for file in expected:
        with Image.open(folder / file) as image:
            assert image.format == ("GIF" if file.endswith(".gif") else "PNG") and min(image.size) > 50


# ----------------------------------------------------------------------------------------------------------------
# Shape of the files: sphinx-gallery title, percent cells, jupytext
# ----------------------------------------------------------------------------------------------------------------
def test_there_are_six_numbered_tutorials():
    assert [n[:3] for n in NAMES[:6]] == ["01_", "02_", "03_", "04_", "05_", "06_"]


@pytest.mark.parametrize("path", TUTORIALS, ids=NAMES)
def test_tutorial_file_format(path):
    jupytext = pytest.importorskip("jupytext")
    text = path.read_text(encoding="utf-8")
    if text.startswith("# %% [markdown]"):
        pytest.skip("jupytext percent format with Markdown cells (RULES.md); run by tests/test_tutorials_07_08.py")
    assert text.startswith('"""\n')
    title, underline = text.split("\n")[1:3]
    assert title.strip() and underline == "=" * len(title)                 # sphinx-gallery title
    cells = text.count("\n# %%")
    assert cells >= 5
    notebook = jupytext.reads(text, fmt="py:percent")
    assert len(notebook.cells) == cells + 1                                # the docstring, then one per # %%
    assert 'os.environ.get("TINYGRADCONV_FAST"' in text or "FAST" not in text


# ----------------------------------------------------------------------------------------------------------------
# What each tutorial prints and draws
# ----------------------------------------------------------------------------------------------------------------
def test_01_tensors_and_autograd(runs):
    out = _run(runs, "01_tensors_and_autograd.py")
    # L = sum(tanh(x*w + b)^2): dL/db = sum(2a(1 - a^2)) with x, w, b as in the tutorial
    a = np.tanh(np.array([0.5, -1.0, 2.0]) * np.array([1.5, 0.3, -0.4]) + 0.1)
    assert _number(out, r"dL/db = (\S+)") == pytest.approx(float(np.sum(2 * a * (1 - a**2))), rel=1e-12)
    assert _number(out, r"max \|engine - hand\| = (\S+)") < 1e-12
    assert "gradcheck: True" in out
    assert "dL/db doubled: True" in out and "after zero_grad: None" in out
    assert "RuntimeError: Trying to backward through the graph a second time" in out
    assert "graph after a plain backward: 1 edge left" in out
    _figures(runs, "01_tensors_and_autograd.py", ["01_graph.png"])


def test_02_convolution_arithmetic(runs):
    out = _run(runs, "02_convolution_arithmetic.py")
    assert "equal: True" in out and "C @ x equals conv1d(x): True" in out
    assert "forward and backward give the same matrix: True" in out
    length = 10
    for k, s, d in [(3, 1, 1), (3, 2, 1), (4, 3, 1), (3, 1, 2), (2, 1, 3)]:
        span = (k - 1) * d + 1
        valid, same = (length - span) // s + 1, -(-length // s)
        assert re.search(rf"^\s*{k}\s+{s}\s+{d} \|\s+{valid}\s+{same}\s+{same}$", out, re.MULTILINE), (k, s, d)
    # same with k=4, L=10, s=1: 3 zeros in total, 1 left and 2 right; causal: 3 left
    assert "k=4: same pads (1, 2), causal pads (3, 0)" in out
    assert "k=3 with dilation 2 spans 5 samples" in out
    _figures(runs, "02_convolution_arithmetic.py", ["02_connectivity.png", "02_conv_matrix.png"])


def _constant_upsampled(length, k, s, c_left, n_out):
    full = np.zeros((length - 1) * s + k)
    for j in range(length):
        full[j * s: j * s + k] += 1
    return full[c_left:c_left + n_out].astype(int).tolist()


def test_03_transposed_convolution(runs):
    out = _run(runs, "03_transposed_convolution.py")
    assert "conv1d_transpose(y) equals C.T @ y: True" in out
    assert "input gradient of conv1d equals conv1d_transpose: True" in out
    # output lengths for L=4, s=2 from the Keras table
    for k in (1, 2, 3, 4):
        row = [3 * 2 + max(k, 2), 3 * 2 + k, 3 * 2 + k + 1, 4 * 2, 3 * 2 + k % 2, 3 * 2 + k % 2 + 1]
        assert re.search(rf"^k={k}\s+\|\s+{row[0]}\s+{row[1]}\s+{row[2]} \|\s+{row[3]}\s+{row[4]}\s+{row[5]}$",
                         out, re.MULTILINE), k
    # checkerboard: constant input of 8, stride 2, "same": k=3 crops (0, 1), k=4 crops (1, 1)
    assert f"k=3, s=2: {_constant_upsampled(8, 3, 2, 0, 16)}" in out
    assert f"k=4, s=2: {_constant_upsampled(8, 4, 2, 1, 16)}" in out
    assert "k=4, output_padding=0: N=8, matching conv1d pads (2, 2), Keras 'same' would pad (1, 1)" in out
    assert "overlap count per full-output position: [1, 1, 2, 1, 2, 1, 2, 1, 1]" in out
    _figures(runs, "03_transposed_convolution.py",
             ["03_checkerboard.png", "03_connectivity_bias_only.png", "03_connectivity_dilated.png",
              "03_connectivity_same.png", "03_conv_matrix.png", "03_same_exception.png", "03_scatter.gif"])
    with Image.open(runs["03_transposed_convolution.py"]["figures"] / "03_scatter.gif") as gif:
        assert gif.n_frames == 4 + 2


def test_04_custom_op(runs):
    out = _run(runs, "04_custom_op.py")
    assert "GradcheckError: gradcheck failed: worst mismatch at input 0" in out
    assert "the right one passes: True" in out
    # hypot(3, 4) = 5, hypot(5, 12) = 13; dh/da = a / h
    assert re.search(r"hypot = \[\s*5\.\s+13\.\]\s+dh/da = \[0\.6\s+0\.38461538\]\s+b\.grad = None", out)
    for name in ("tutorial_softsign", "tutorial_hypot"):
        for backend in ("numpy", "array_api_strict"):
            assert f"{name}: 2 samples on {backend}: OK" in out
    assert not runs["04_custom_op.py"]["figures"].exists()                      # no figures in this one


def test_05_train_a_toy_model(runs):
    out = _run(runs, "05_train_a_toy_model.py")
    assert _number(out, r"hand-written loop: max \|kernel - hidden\| = (\S+)") < 0.02
    assert _number(out, r"fit: max \|kernel - hidden\| = (\S+)") < 0.05
    start, end = _number(out, r"fit: loss (\S+) ->"), _number(out, r"fit: loss \S+ -> (\S+),")
    assert end < start / 10
    without, with_l2 = _number(out, r"kernel norm: (\S+) without"), _number(out, r"without, (\S+) with L2")
    assert with_l2 < without
    assert _number(out, r"penalty now (\S+)") == pytest.approx(0.05 * with_l2**2, rel=0.02)
    assert _number(out, r"NonNeg: smallest tap (\S+)") >= 0.0
    assert _number(out, r"hidden kernel's smallest (\S+)\)") < 0.0
    _figures(runs, "05_train_a_toy_model.py", ["05_history.png", "05_kernels.png"])


def test_06_backends(runs):
    import tinygradconv as tg

    out = _run(runs, "06_backends.py")
    assert _number(out, r"max difference numpy vs array_api_strict: (\S+)") <= 1e-12
    assert "a layer on the strict backend: array_api_strict (1, 9, 2)" in out       # (4 - 1) * 2 + 3 = 9
    assert "ValueError: Add got tensors on different backends" in out
    assert out.count(": refused (") == 3
    if "cupy" in tg.available_backends():
        assert _number(out, r"cupy: .*max difference to numpy (\S+),") < 1e-9
    else:
        assert "skipping the GPU part" in out
