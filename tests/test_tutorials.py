"""Every tutorial opens as a notebook and runs top to bottom in a Jupyter kernel (nbclient), in its short version;
its figures are displayed in the notebook and saved where it is told, every one of them passes the figure check
(``tests/figure_check.py``), and it prints what it claims: the expected values are worked out here from the
formulas, independently of the library. Each also still runs as a plain ``python`` script."""
import base64
import io
import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
TESTS = Path(__file__).resolve().parent
TUTORIALS = sorted((ROOT / "tutorials").glob("[0-9][0-9]_*.py"))
NAMES = [p.name for p in TUTORIALS]

jupytext = pytest.importorskip("jupytext", reason="the tutorials are jupytext notebooks (pip install -e .[dev])")
nbclient = pytest.importorskip("nbclient", reason="the notebooks run with nbclient (pip install -e .[dev])")
pytest.importorskip("ipykernel", reason="the notebooks need a Jupyter kernel (pip install -e .[dev])")


def _kernel_name(folder):
    """Register the running interpreter as a Jupyter kernel (the docs build does the same, docs/_ext/tgc_docs.py)."""
    sys.path.insert(0, str(ROOT / "docs" / "_ext"))
    try:
        import tgc_docs
    finally:
        sys.path.pop(0)
    return tgc_docs.register_kernel(folder)


def _execute(path, base, kernel):
    """Run one tutorial as a notebook in an empty working folder; collect its outputs and figure-check report."""
    import nbformat

    work, figures, report = base / "work", base / "figures", base / "figure_check.json"
    work.mkdir()
    notebook = jupytext.read(path, fmt="py:percent")
    setup = nbformat.v4.new_code_cell(  # test-only first cell: check every figure the notebook saves or shows
        f"import sys; sys.path.insert(0, {str(TESTS)!r}); import figure_check; "
        f"figure_check.install({str(report)!r}, {path.name!r}); del sys.path[0]")
    notebook.cells.insert(0, setup)
    env = {**os.environ, "TINYGRADCONV_FAST": "1", "TINYGRADCONV_FIGURES": str(figures), "PYTHONPATH": str(ROOT),
           "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
    client = nbclient.NotebookClient(notebook, kernel_name=kernel, timeout=600,
                                     resources={"metadata": {"path": str(work)}})
    error = None
    try:
        client.execute(env=env)
    except Exception as exc:  # noqa: BLE001  (reported by the test of that tutorial)
        error = f"{type(exc).__name__}: {exc}"
    out, images, html, gifs, results = [], [], [], [], []
    for cell in notebook.cells[1:]:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stdout":
                out.append(output["text"])
            data = output.get("data", {})
            if output.get("output_type") == "execute_result" and "text/plain" in data:
                results.append(data["text/plain"])
            if "image/png" in data:
                images.append(base64.b64decode(data["image/png"]))
            if "text/html" in data:
                html.append(data["text/html"])
            if "image/gif" in data:
                gifs.append(base64.b64decode(data["image/gif"]))
    return {"error": error, "out": "".join(out), "images": images, "html": html, "gifs": gifs, "results": results,
            "work": work, "figures": figures, "report": json.loads(report.read_text()) if report.exists() else None}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Run every tutorial notebook (three kernels at a time), each in an empty working folder."""
    kernel = _kernel_name(tmp_path_factory.mktemp("jupyter"))
    bases = {path.name: tmp_path_factory.mktemp(path.stem) for path in TUTORIALS}
    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = {path.name: pool.submit(_execute, path, bases[path.name], kernel) for path in TUTORIALS}
        return {name: future.result() for name, future in futures.items()}


def _run(runs, name):
    result = runs[name]
    assert result["error"] is None, f"{name} failed as a notebook:\n{result['error'][-3000:]}"
    assert not list(result["work"].iterdir()), "a tutorial wrote into its working folder"
    return result["out"]


@pytest.mark.parametrize("name", NAMES)
def test_every_figure_of_the_tutorial_is_readable(runs, name):
    _run(runs, name)
    report = runs[name]["report"]
    assert report == [], f"{name}: figures that fail the figure check:\n{json.dumps(report, indent=1)}"


@pytest.mark.parametrize("name", NAMES)
def test_no_cell_shows_where_its_figure_was_saved(runs, name):
    """A cell ending with ``save_figure(...)`` showed ``PosixPath('.../02_connectivity.png')`` under its picture."""
    _run(runs, name)
    assert not [result for result in runs[name]["results"] if "Path(" in result]


def _number(out, pattern):
    match = re.search(pattern, out)
    assert match, f"{pattern!r} not in the output:\n{out}"
    return float(match.group(1))


def _figures(runs, name, expected):
    """The saved files are the expected ones, and the notebook displays (at least) one image per saved PNG."""
    folder = runs[name]["figures"]
    assert sorted(p.name for p in folder.iterdir()) == sorted(expected)
    for file in expected:
        with Image.open(folder / file) as image:
            assert image.format == ("GIF" if file.endswith(".gif") else "PNG") and min(image.size) > 50
    shown = runs[name]["images"]
    assert len(shown) >= sum(not f.endswith(".gif") for f in expected)
    for data in shown:
        with Image.open(io.BytesIO(data)) as image:
            assert image.format == "PNG" and min(image.size) > 50


# ----------------------------------------------------------------------------------------------------------------
# Shape of the files: percent-format notebooks with Markdown prose
# ----------------------------------------------------------------------------------------------------------------
def test_tutorials_are_numbered_and_start_with_the_six():
    assert [n[:3] for n in NAMES[:6]] == ["01_", "02_", "03_", "04_", "05_", "06_"]


@pytest.mark.parametrize("path", TUTORIALS, ids=NAMES)
def test_tutorial_file_format(path):
    text = path.read_text(encoding="utf-8")
    notebook = jupytext.read(path, fmt="py:percent")
    kinds = [cell.cell_type for cell in notebook.cells]
    assert kinds[0] == "markdown" and re.match(r"# \S", notebook.cells[0].source)     # a Markdown title first
    assert kinds.count("markdown") >= 3 and kinds.count("code") >= 3
    assert text.count("# %% [markdown]") == kinds.count("markdown")
    prose = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    for rst in (":func:`", ":class:`", ":math:`", ".. math::", "``", "\n---\n"):
        assert rst not in prose, f"reStructuredText {rst!r} left in the Markdown prose of {path.name}"
    code = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
    assert not re.search(r"^# \S.*\n# -{3,}$", code, re.MULTILINE), "a section heading inside a code cell"
    assert "FAST = fast_run()" in text or "FAST" not in text          # the one reading of TINYGRADCONV_FAST


def test_maths_is_dollar_maths():
    prose = "\n".join(p.read_text(encoding="utf-8") for p in TUTORIALS)
    assert prose.count("# $$") >= 8 and re.search(r"\$[^$\n]+\$", prose)


_RELATIVE_LINK = re.compile(r"\]\((?!https?:|#)([^)\s]+)\)|^\[[^\]]+\]:[ \t]*(?!https?:)(\S+)", re.MULTILINE)


@pytest.mark.parametrize("path", TUTORIALS, ids=NAMES)
def test_relative_links_open_in_jupyter_and_on_the_docs_page(path, tmp_path):
    """Tutorial 09's links ``../keras_compatibility.md#...`` worked on the Sphinx page but were dead in Jupyter,
    which opens the tutorial in ``tutorials/`` or ``notebooks/`` (both one folder below the repository), where they
    pointed at ``<repo>/keras_compatibility.md`` (a tester). Each relative link must name an existing file from
    there, and from ``docs/tutorials/``, where the docs build writes the page it renders (docs/_ext/tgc_docs.py)."""
    sys.path.insert(0, str(ROOT / "docs" / "_ext"))
    try:
        import tgc_docs
    finally:
        sys.path.pop(0)
    import nbformat

    def targets(markdown):
        return [(inline or reference).split("#")[0] for inline, reference in _RELATIVE_LINK.findall(markdown)]

    notebook = jupytext.read(path, fmt="py:percent")
    in_jupyter = [t for cell in notebook.cells if cell.cell_type == "markdown" for t in targets(cell.source)]
    for folder in ("tutorials", "notebooks"):
        dead = [t for t in in_jupyter if not (ROOT / folder / t).resolve().is_file()]
        assert not dead, f"links of {path.name} dead from {folder}/: {dead}"
    pages = tgc_docs.write_tutorial_pages(tmp_path / "docs", ROOT)
    page = nbformat.read(next(p for p in pages if p.stem == path.stem), as_version=4)
    on_page = [t for cell in page.cells[2:] if cell.cell_type == "markdown" for t in targets(cell.source)]
    assert len(on_page) == len(in_jupyter)
    dead = [t for t in on_page if not (ROOT / "docs" / "tutorials" / t).resolve().is_file()]
    assert not dead, f"links of {path.name} dead on its docs page: {dead}"


def test_tutorial_09_links_its_docs_pages():
    """The test above checks something: tutorial 09 links the Keras compatibility notes six times."""
    notebook = jupytext.read(ROOT / "tutorials" / "09_from_keras_and_pytorch.py", fmt="py:percent")
    prose = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    assert len([m for m in _RELATIVE_LINK.finditer(prose) if "keras_compatibility.md#" in m.group(0)]) == 6


@pytest.mark.parametrize("path", TUTORIALS, ids=NAMES)
def test_tutorial_runs_as_a_plain_script(path, tmp_path):
    env = {**os.environ, "TINYGRADCONV_FAST": "1", "MPLBACKEND": "Agg", "PYTHONPATH": str(ROOT)}
    env.pop("TINYGRADCONV_FIGURES", None)
    proc = subprocess.run([sys.executable, str(path)], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert not list(tmp_path.iterdir())


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
    assert len(runs["03_transposed_convolution.py"]["images"]) == 6       # one per PNG: no still of the animation
    _plays_inline(runs, "03_transposed_convolution.py", "03_scatter.gif", frames=4 + 2)


def _plays_inline(runs, name, saved, frames):
    """The notebook shows its animation as one animated GIF embedded in the page (no network), every frame of it,
    at the resolution of the GIF it saves (viz.GIF_DPI, tested in test_viz.py)."""
    gifs = runs[name]["gifs"]
    assert len(gifs) == 1, f"{name}: {len(gifs)} inline GIFs"
    assert not any("http" in h and "gif" in h for h in runs[name]["html"])
    with Image.open(io.BytesIO(gifs[0])) as gif:
        assert gif.format == "GIF" and gif.n_frames == frames
        with Image.open(runs[name]["figures"] / saved) as file:
            assert gif.size == file.size
        gif.seek(frames - 1)                          # every frame is there


def test_08_animation_plays_inline(runs):
    """Tutorial 08's backward pass plays in the notebook (its values are tested in test_tutorials_07_08.py)."""
    _run(runs, "08_backprop_drawn.py")
    _plays_inline(runs, "08_backprop_drawn.py", "08_backward.gif", frames=11)


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
    # the markdown's "at the price of a larger data error": both models' data loss printed, the L2 one's larger
    plain = _number(out, r"data loss \(MSE on all samples\): (\S+) without")
    assert _number(out, r"data loss \(MSE on all samples\): \S+ without, (\S+) with L2") > plain > 0.0
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


def test_06_says_its_step_is_a_forward_and_backward_pass_only():
    """Tutorial 06 said it "runs one training step", and its `step` runs the forward and backward pass only: no
    optimizer updates the kernel (a tester). The prose says what `step` does, checked against `step`'s own code."""
    import ast

    text = (ROOT / "tutorials" / "06_backends.py").read_text()
    (step,) = [node for node in ast.walk(ast.parse(text)) if isinstance(node, ast.FunctionDef) and node.name == "step"]
    calls = {node.func.attr for node in ast.walk(step) if isinstance(node, ast.Call)
             and isinstance(node.func, ast.Attribute)}
    assert "backward" in calls and not calls & {"step", "apply_gradients", "apply", "fit", "train_on_batch"}, calls
    assert "one training step" not in text and "no optimizer update" in text
