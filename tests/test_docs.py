"""Cheap checks that the documentation tells the truth and stays complete.

The strict HTML build itself (``sphinx -W``) is run by ``make docs``, which ``make test`` calls after pytest; these
tests check what that build cannot see:

* every ``>>>`` example in the Markdown pages runs and prints what the page says;
* the hand-worked example of the math page agrees with a loop written from the definition (not with the op);
* the matrix-view claim of the math page (conv1d's matrix is the transpose of conv1d_transpose's, with the one
  documented exception for the Keras padding names) holds on a grid, for matrices built from the two ops;
* every page is reachable from a toctree, and the API reference covers every public module of the package;
* the gallery configuration executes every example and tutorial and fails the build when one fails.
"""
from __future__ import annotations

import doctest
import importlib.util
import itertools
import re
import runpy
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = sorted(p for p in DOCS.glob("*.md"))


def _load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


tgc_docs = _load("tgc_docs", DOCS / "_ext" / "tgc_docs.py")


# ------------------------------------------------------------------------------------------------ page examples
def _doctest_source(text):
    """The page with its code-fence lines blanked, so that a fence never becomes part of an expected output."""
    return "\n".join("" if line.lstrip().startswith("```") else line for line in text.splitlines()) + "\n"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_page_examples_run(page):
    text = page.read_text(encoding="utf-8")
    test = doctest.DocTestParser().get_doctest(_doctest_source(text), {}, page.stem, str(page), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    output = []
    tgc_docs.remember_tinygradconv_state()
    try:
        runner.run(test, out=output.append)
    finally:  # a page may switch the backend or the float type; never leak that into other tests
        tgc_docs.reset_tinygradconv(None, None)
    assert runner.failures == 0, "".join(output)


def test_special_points_example_runs_twice(tmp_path):
    """The pasteable example of special_points.md defines everything it uses, prints the number of special points
    checked, and runs a second time (a notebook cell re-run), as the page says."""
    pytest.importorskip("torch")
    from tinygradconv.autograd import OPS

    text = (DOCS / "special_points.md").read_text(encoding="utf-8")
    block = re.search(r"```python\n(import numpy as np\nimport torch\n.*?)```", text, flags=re.DOTALL).group(1)
    script = tmp_path / "special_points_example.py"
    script.write_text(block, encoding="utf-8")
    printed = []
    try:
        for _ in range(2):
            runpy.run_path(str(script), init_globals={"print": printed.append})
    finally:
        OPS.pop("my_square", None)
    assert printed == [1, 1, 1, 1]


def test_math_page_has_examples():
    """The centrepiece page keeps its executable examples (a page without any would pass the test above)."""
    text = (DOCS / "conv1d_transpose_math.md").read_text(encoding="utf-8")
    assert len(doctest.DocTestParser().get_examples(_doctest_source(text))) >= 20


# ------------------------------------------------------------------------------------------------ worked example
def _full_transpose_loop(x, w, s, d):
    """F[j*s + t*d] += x[j] * w[t]: the definition, one channel, plain loops."""
    k = len(w)
    full = [0.0] * ((len(x) - 1) * s + (k - 1) * d + 1)
    for j, xj in enumerate(x):
        for t, wt in enumerate(w):
            full[j * s + t * d] += xj * wt
    return full


def _window(full, start, length):
    return [full[p] if 0 <= p < len(full) else 0.0 for p in range(start, start + length)]


def test_worked_example_numbers_follow_from_the_definition():
    x, w = [1.0, 2.0, 3.0], [1.0, 10.0, 100.0]
    full = _full_transpose_loop(x, w, 2, 1)
    assert full == [1, 10, 102, 20, 203, 30, 300]
    # (N, c_left) written by hand from the page's table for the four windows of the example
    assert _window(full, 0, 7) == [1, 10, 102, 20, 203, 30, 300]          # valid, None: N = 4 + max(3, 2)
    assert _window(full, 0, 6) == [1, 10, 102, 20, 203, 30]               # same, None: N = 6, crops (0, 1)
    assert _window(full, 1, 5) == [10, 102, 20, 203, 30]                  # same, 0: N = 5, crops (1, 1)
    assert _window(full, 0, 8) == [1, 10, 102, 20, 203, 30, 300, 0]       # valid, 1: N = 8, crops (0, -1)
    # gradients of sum(y) for same/None by finite differences of the loop definition (exact: the map is linear)
    def loss(xv, wv):
        return sum(_window(_full_transpose_loop(xv, wv, 2, 1), 0, 6))

    grad_x = [loss([xi + (i == j) for i, xi in enumerate(x)], w) - loss(x, w) for j in range(3)]
    grad_w = [loss(x, [wi + (i == t) for i, wi in enumerate(w)]) - loss(x, w) for t in range(3)]
    assert grad_x == [111, 111, 11]
    assert grad_w == [6, 6, 3]
    assert loss(x, w) == 366


# ------------------------------------------------------------------------------------------------ matrix view
def _matrix(fn, n_in, **kwargs):
    """The matrix of a linear map of one-channel signals, column by column (``fn(e, **kwargs)``, e: (1, n_in, 1))."""
    columns = []
    for j in range(n_in):
        e = np.zeros((1, n_in, 1))
        e[0, j, 0] = 1.0
        columns.append(fn(e, **kwargs).numpy()[0, :, 0])
    return np.stack(columns, axis=1)


def _k_eff(k, d):
    return (k - 1) * d + 1


def test_matrix_view_conv1d_is_the_transpose():
    from tinygradconv.ops import conv1d, conv1d_transpose
    from tinygradconv.ops.conv_arithmetic import conv_transpose_output_length, matching_conv_padding

    rng = np.random.default_rng(0)
    by_name_mismatch, checked = set(), 0
    grid = itertools.product(range(1, 5), range(1, 4), (1, 2), ("valid", "same"), (None, 0, 1, 2), range(1, 5))
    for k, s, d, padding, op, length in grid:
        if (op is not None and op >= s) or (s > 1 and d > 1):  # configurations the layer accepts
            continue
        n = conv_transpose_output_length(length, k, s, padding, op, d)
        if n == 0:
            continue
        w = rng.standard_normal((k, 1, 1))
        t = _matrix(conv1d_transpose, length, kernel=w, strides=s, padding=padding, output_padding=op,
                    dilation_rate=d)
        explicit = matching_conv_padding(k, s, padding, op, d)
        c = _matrix(conv1d, n, kernel=w, strides=s, padding=explicit, dilation_rate=d)
        np.testing.assert_allclose(c, t.T, atol=1e-12, err_msg=str((k, s, d, padding, op, length)))
        named = _matrix(conv1d, n, kernel=w, strides=s, padding=padding, dilation_rate=d)
        if named.shape != t.T.shape or not np.allclose(named, t.T, atol=1e-12):
            by_name_mismatch.add((k, s, d, padding, op, length))
        checked += 1
    assert checked > 300
    documented = {c for c in by_name_mismatch
                  if c[3] == "same" and c[4] is not None and _k_eff(c[0], c[2]) % 2 + c[4] == 0}
    assert by_name_mismatch == documented
    assert documented, "the documented exception should occur on this grid"


# ------------------------------------------------------------------------------------------------ site structure
def _toctree_entries(text):
    entries = []
    for block in re.findall(r"```\{toctree\}(.*?)```", text, flags=re.DOTALL):
        for line in block.splitlines():
            line = line.strip()
            if line and not line.startswith(":"):
                entries.append(line.split("<")[-1].rstrip(">").strip())
    return entries


def test_every_page_is_in_a_toctree():
    linked = set()
    for page in PAGES:
        linked.update(_toctree_entries(page.read_text(encoding="utf-8")))
    pages = {p.stem for p in PAGES} - {"index"}
    assert pages - linked == set(), "pages not reachable from any toctree"
    assert {"api", "performance", "conv1d_transpose_math", "keras_compatibility", "concepts", "getting_started",
            "changelog", "auto_examples/index", "tutorials"} <= linked


def test_api_reference_covers_every_public_module():
    on_disk = set()
    for path in (ROOT / "tinygradconv").rglob("*.py"):
        rel = path.relative_to(ROOT).with_suffix("")
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        if not any(part.startswith("_") for part in parts):
            on_disk.add(".".join(parts))
    sections, missing = tgc_docs.api_modules()
    documented = [name for _, names in sections for name in names]
    assert len(documented) == len(set(documented)), "a module is listed twice"
    assert set(documented) == on_disk
    assert {"tinygradconv", "tinygradconv.ops.conv", "tinygradconv.autograd"} <= set(documented)
    assert set(missing) == set(tgc_docs.EXPECTED_MODULES) - on_disk


def test_api_list_names_missing_modules_visibly():
    text = tgc_docs.api_list_markdown([("Engine", ["tinygradconv"])], ["tinygradconv.nothing_yet"])
    assert "tinygradconv.nothing_yet" in text and "{note}" in text


# ------------------------------------------------------------------------------------------------ galleries
def test_gallery_runs_every_example_and_fails_on_errors():
    conf_text = (DOCS / "conf.py").read_text(encoding="utf-8")
    assert "sphinx_gallery_conf = tgc_docs.gallery_conf(" in conf_text
    sg = tgc_docs.gallery_conf()
    assert sg["plot_gallery"] is True
    assert sg["only_warn_on_example_error"] is False
    assert sg["run_stale_examples"] is True
    assert [Path(p).name for p in sg["examples_dirs"]] == ["examples"]
    assert repr(sg["image_scrapers"][0]) == "TightMatplotlibScraper()"          # figures saved uncut
    assert (ROOT / "examples" / "GALLERY_HEADER.rst").is_file()
    for script in (ROOT / "examples").glob("*.py"):
        ignored = re.search(sg["ignore_pattern"], script.name)
        assert ignored or re.search(sg["filename_pattern"], str(script)), f"{script.name} would not be run"
    assert re.search(sg["ignore_pattern"], "_common.py") and not re.search(sg["ignore_pattern"], "plot_x.py")


def test_tutorials_are_executed_notebooks_with_download_links(tmp_path):
    conf_text = (DOCS / "conf.py").read_text(encoding="utf-8")
    assert '"myst_nb"' in conf_text and 'nb_execution_mode = "force" if EXECUTE' in conf_text
    assert "nb_execution_raise_on_error = True" in conf_text
    pages = tgc_docs.write_tutorial_pages(tmp_path, ROOT)
    sources = sorted((ROOT / "tutorials").glob("[0-9][0-9]_*.py"))
    assert [p.stem for p in pages] == [s.stem for s in sources] and len(pages) >= 6
    import nbformat

    for page, source in zip(pages, sources):
        notebook = nbformat.read(page, as_version=4)
        note = notebook.cells[1].source
        assert f"<_notebooks/{source.stem}.ipynb>" in note and f"tutorials/{source.stem}.py>" in note
        download = nbformat.read(tmp_path / "tutorials" / "_notebooks" / f"{source.stem}.ipynb", as_version=4)
        assert len(download.cells) == len(notebook.cells) - 1 and download.metadata.kernelspec.name == "python3"
    assert "tutorials/*" in (DOCS / "tutorials.md").read_text(encoding="utf-8")


# ------------------------------------------------------------------------------------------------ compatibility page
def test_compatibility_page_claims_about_conv1d_transpose():
    """What keras_compatibility.md says we do differently from Keras (earlier, clearer errors) and the same."""
    from tinygradconv.layers import Conv1DTranspose

    construct = [  # (kwargs, exception, message fragment): all raised by the constructor
        ({"filters": 2.5, "kernel_size": 3}, ValueError, "filters"),
        ({"filters": None, "kernel_size": 3}, ValueError, "filters"),
        ({"filters": "3", "kernel_size": 3}, TypeError, "filters"),
        ({"filters": 0, "kernel_size": 3}, ValueError, "Received filters=0"),
        ({"filters": 2, "kernel_size": [3.0]}, ValueError, "kernel_size"),
        ({"filters": 2, "kernel_size": 3, "padding": [(1, 1)]}, TypeError, "padding"),
        ({"filters": 2, "kernel_size": 3, "padding": None}, TypeError, "padding"),
        ({"filters": 2, "kernel_size": 3, "padding": "causal"}, ValueError, "padding"),
        ({"filters": 2, "kernel_size": 3, "padding": " same"}, ValueError, "padding"),
        ({"filters": 2, "kernel_size": 3, "strides": 2, "output_padding": 2}, ValueError, "output_padding"),
        ({"filters": 2, "kernel_size": 3, "output_padding": 1}, ValueError, "output_padding"),
        ({"filters": 2, "kernel_size": 3, "strides": 2, "dilation_rate": 2}, ValueError, "dilation_rate"),
        ({"filters": 2, "kernel_size": 3, "groups": 1}, ValueError,
         "Unrecognized keyword arguments passed to Conv1DTranspose: {'groups': 1}"),
    ]
    for kwargs, exception, fragment in construct:
        with pytest.raises(exception, match=re.escape(fragment)):
            Conv1DTranspose(**kwargs)
    assert Conv1DTranspose(2, 3, padding="SAME").padding == "same"
    assert Conv1DTranspose(2, 3, output_padding=0).output_padding == (0,)

    layer = Conv1DTranspose(32, 3, 2, activation="relu")
    out = layer(np.random.default_rng(0).random((4, 10, 128)))
    assert out.shape == (4, 21, 32) and layer.kernel.shape == (3, 32, 128) and layer.bias.shape == (32,)
    assert float(out.numpy().min()) >= 0.0
    with pytest.raises(ValueError, match="ndim"):
        layer(np.ones((4, 10, 128, 1)))
    with pytest.raises(ValueError, match="128"):
        layer(np.ones((4, 10, 127)))
    config = Conv1DTranspose(2, 3, strides=2, output_padding=1).get_config()
    assert config["output_padding"] == (1,)
    assert Conv1DTranspose.from_config(config).output_padding == (1,)


def test_compatibility_page_claims_about_the_functional_op():
    """Like keras.ops.conv_transpose: strides > 1 with dilation > 1, and output_padding >= strides, are allowed."""
    from tinygradconv.ops import conv1d_transpose

    x, w = np.ones((1, 5, 1)), np.ones((3, 1, 1))
    # k_eff = (3 - 1) * 2 + 1 = 5: valid/None gives (5 - 1) * 2 + max(5, 2) = 13
    # (so does torch: (5 - 1) * 2 + 2 * 2 + 1)
    assert conv1d_transpose(x, w, strides=2, dilation_rate=2).shape == (1, 13, 1)
    # output_padding 3 >= strides 2: (5 - 1) * 2 + 3 + 3 = 14, the last 3 steps are zero extension
    y = conv1d_transpose(x, w, strides=2, output_padding=3).numpy()[0, :, 0]
    assert y.shape == (14,) and y[-3:].tolist() == [0.0, 0.0, 0.0]


# ------------------------------------------------------------------------------------------------ docs-check
docs_check = _load("docs_check", DOCS / "_ext" / "docs_check.py")


def test_docs_check_finds_broken_links_missing_images_and_remote_scripts(tmp_path):
    (tmp_path / "index.html").write_text(
        '<html><body><h1 id="top">x</h1><a href="page.html#here">ok</a><a href="page.html#gone">bad anchor</a>'
        '<a href="missing.html">bad link</a><img src="_static/a.png"><img src="_images/none.png">'
        '<script src="https://cdn.example/mathjax.js"></script><a href="https://example.org">external</a>'
        '<a href="#top">self</a></body></html>')
    (tmp_path / "page.html").write_text('<p id="here">here</p>')
    (tmp_path / "_static").mkdir()
    (tmp_path / "_static" / "a.png").write_bytes(b"png")
    problems, pages = docs_check.static_problems(tmp_path)
    assert len(pages) == 2
    assert sorted(problems) == sorted([
        "index.html: <a> points to a missing anchor: page.html#gone",
        "index.html: <a> points to a missing file: missing.html",
        "index.html: <img> points to a missing file: _images/none.png",
        "index.html: loads https://cdn.example/mathjax.js from the network",
    ])


def test_docs_check_finds_untypeset_maths():
    page = docs_check._Page()
    page.feed('<p><span class="math notranslate">\\(x^2\\)</span> and <div class="math">$$y$$</div></p>')
    assert page.maths == 2
    raw = docs_check.maths_problems("p.html", page, '<span class="math">\\(x^2\\)</span>')
    assert any("untypeset" in p for p in raw) and any("only 0 typeset" in p for p in raw)
    done = '<span class="math"><mjx-container>x</mjx-container></span><div class="math"><mjx-container>y' \
           '</mjx-container></div><script>var a = "\\\\(";</script>'
    assert docs_check.maths_problems("p.html", page, done) == []


def test_mathjax_is_served_from_the_site():
    conf_text = (DOCS / "conf.py").read_text(encoding="utf-8")
    assert '"sphinx-mathjax-offline"' in conf_text and "https:" not in conf_text     # no CDN url anywhere


def _longest_tutorial_code_line():
    """The length of the longest line in a code cell (not a Markdown cell) of the tutorials' scripts."""
    longest = 0
    for path in sorted((ROOT / "tutorials").glob("*.py")):
        in_code = True
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("# %%"):
                in_code = "[markdown]" not in line
            elif in_code:
                longest = max(longest, len(line))
    return longest


def test_the_content_column_fits_the_tutorials_code_where_the_side_columns_show():
    """tgc.css promised no sideways scrolling, but widened the column only from 82em (1312 px) on, where it could
    get no more than 82 - 2 * 15 = 52em, and below it stayed 46em: at 1280 px the code cells scrolled. Checked here
    by arithmetic on the stylesheet (a browser check, by hand, found no scrolling code cell from 1280 to 1920 px):
    in every range of window widths from 1280 px (80em) up, the column the side columns shown leave holds the
    longest code line in the code font (0.78rem of a monospace font, whose characters are at most 0.61em wide).
    Below 80em Furo's own layout applies."""
    css = (ROOT / "docs" / "_static" / "tgc.css").read_text(encoding="utf-8")
    font = float(re.search(r"div\.highlight pre[^{]*\{ *font-size: *([\d.]+)rem", css).group(1))
    needed = _longest_tutorial_code_line() * 0.61 * font + 2 * 1.5 + 2 * 1.0    # + the column's and cell's padding
    blocks = re.findall(r"@media \(min-width: ([\d.]+)em\)(?: and \(max-width: ([\d.]+)em\))? \{(.*?)\n\}", css,
                        flags=re.DOTALL)
    assert blocks, css
    starts = []
    for low, high, body in blocks:
        width = float(re.search(r"\.content \{[^}]*max-width: ([\d.]+)em", body).group(1))
        toc_is_a_drawer = "position: fixed" in (re.search(r"\.toc-drawer \{([^}]*)\}", body) or [""] * 2)[1]
        side_columns = 15 if toc_is_a_drawer else 30                   # Furo's columns are 15em each
        narrowest = max(float(low), 1280 / 16)                           # the narrowest window asked to fit
        column = min(width, narrowest - side_columns)                   # what the side columns shown leave
        assert column - 3 >= needed, (low, high, width, column, needed)
        starts.append((float(low), float(high) if high else None))
    starts.sort()
    assert starts[0][0] <= 1280 / 16                                  # from laptops' 1280 px on
    assert all(a[1] == b[0] for a, b in itertools.pairwise(starts)) and starts[-1][1] is None   # no gap above


def test_navigation_names_break_after_dots_only():
    """Furo wrapped ``tinygradconv.torch_methods`` as ``tinygradconv.torch_method`` / ``s`` in its left column:
    the module names shown as code get a ``<wbr>`` after each dot (and nothing else changes; the browser check in
    ``docs_check.navigation_problems`` measures the rendered column)."""
    nav = ('<a href="x.html"><code><span class="pre">tinygradconv.viz.model_connectivity</span></code></a>'
           '<a href="y.html">Keras compatibility. A title.</a><span class="pre">plain_name</span>')
    out = tgc_docs.break_after_dots(nav)
    assert '<span class="pre">tinygradconv.<wbr>viz.<wbr>model_connectivity</span>' in out
    assert out.replace("<wbr>", "") == nav
    assert out.count("<wbr>") == 2
    context = {"furo_navigation_tree": nav}
    tgc_docs.navigation_breaks_after_dots(None, "index", "page.html", context, None)
    assert context["furo_navigation_tree"] == out
    tgc_docs.navigation_breaks_after_dots(None, "index", "page.html", {}, None)      # no navigation: nothing to do
