"""Build helpers for the tinygradconv docs: the API page's modules, the tutorial notebooks, gallery state resets.

Kept out of ``conf.py`` so that ``tests/test_docs.py`` can import it, and so that sphinx-gallery can refer to
:func:`reset_tinygradconv` by its qualified name (a function object inside the config would not be cacheable,
which Sphinx reports as a warning, i.e. an error under ``-W``).
"""
from __future__ import annotations

import importlib
import importlib.util
import inspect
import json
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "tinygradconv"

# The API reference, section by section, in reading order. Every public module of the package belongs here; any
# module found on disk but missing from this list is still documented (under "Other modules"), so nothing public
# is ever left out of the build.
API_SECTIONS = [
    ("The engine", [
        "tinygradconv",
        "tinygradconv.tensor",
        "tinygradconv.torch_methods",
        "tinygradconv.autograd",
        "tinygradconv.in_place",
        "tinygradconv.copy_slices",
        "tinygradconv.checks",
        "tinygradconv.backend",
        "tinygradconv.config",
        "tinygradconv.random",
        "tinygradconv.validation",
    ]),
    ("Differentiable ops", [
        "tinygradconv.ops",
        "tinygradconv.ops.conv",
        "tinygradconv.ops.conv_phases",
        "tinygradconv.ops.conv_arithmetic",
        "tinygradconv.ops.elementwise",
        "tinygradconv.ops.reduction",
        "tinygradconv.ops.nan_reductions",
        "tinygradconv.ops.order_statistics",
        "tinygradconv.ops.summation",
        "tinygradconv.ops.fused_multiply_add",
        "tinygradconv.ops.addcmul",
        "tinygradconv.ops.shape",
        "tinygradconv.ops.linalg",
    ]),
    ("Building models", [
        "tinygradconv.layers",
        "tinygradconv.initializers",
        "tinygradconv.activations",
        "tinygradconv.regularizers",
        "tinygradconv.constraints",
        "tinygradconv.models",
    ]),
    ("Training", [
        "tinygradconv.losses",
        "tinygradconv.metrics",
        "tinygradconv.optimizers",
        "tinygradconv.callbacks",
    ]),
    ("Data, files and pictures", [
        "tinygradconv.saving",
        "tinygradconv.datasets",
        "tinygradconv.scripts",
        "tinygradconv.viz",
    ]),
]
EXPECTED_MODULES = [name for _, names in API_SECTIONS for name in names]


def modules_on_disk(package_dir: Path = PACKAGE) -> list[str]:
    """Dotted names of the public modules under ``package_dir``, found from the file tree (nothing is imported).

    A module is public when no part of its dotted name starts with ``_`` (``__init__.py`` stands for its package);
    ``__main__`` (the command line) is not part of the API.
    """
    names = []
    for path in sorted(package_dir.rglob("*.py")):
        parts = list(path.relative_to(package_dir.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        if any(part.startswith("_") for part in parts) or "__pycache__" in path.parts:
            continue
        names.append(".".join(parts))
    return names


def api_modules(package_dir: Path = PACKAGE):
    """Split the API reference into what this build documents and what is still missing.

    Returns ``(sections, missing)``: ``sections`` is a list of ``(title, [module, ...])`` holding every public
    module that exists on disk (the expected ones in their section, the rest under "Other modules"); ``missing``
    lists the expected modules that have no file yet.
    """
    on_disk = set(modules_on_disk(package_dir))
    sections = [(title, [n for n in names if n in on_disk]) for title, names in API_SECTIONS]
    others = []
    for name in sorted(on_disk - set(EXPECTED_MODULES)):
        # a submodule of a listed package goes right after its package (tinygradconv.layers.core after .layers)
        for _, names in sections:
            parents = [i for i, n in enumerate(names) if name.startswith(n + ".") and n != "tinygradconv"]
            if parents:
                i = parents[-1] + 1
                while i < len(names) and names[i] < name and names[i].startswith(names[parents[-1]] + "."):
                    i += 1
                names.insert(i, name)
                break
        else:
            others.append(name)
    if others:
        sections.append(("Other modules", others))
    sections = [(title, names) for title, names in sections if names]
    missing = [n for n in EXPECTED_MODULES if n not in on_disk]
    return sections, missing


def check_imports(sections) -> dict:
    """Import every documented module and return them by name.

    A module that exists but fails to import stops the build with its error (it is never skipped).
    """
    modules = {}
    for _, names in sections:
        for name in names:
            try:
                modules[name] = importlib.import_module(name)
            except Exception as exc:  # re-raised with the module name
                raise RuntimeError(f"docs: the API reference cannot import {name}: "
                                   f"{type(exc).__name__}: {exc}") from exc
    return modules


def public_members(module) -> list[str]:
    """The names a module page lists: ``__all__`` when defined, else the public functions and classes defined there."""
    names = getattr(module, "__all__", None)
    if names is not None:
        return [n for n in names if not inspect.ismodule(getattr(module, n, None))]
    return [n for n, obj in vars(module).items()
            if not n.startswith("_") and (inspect.isfunction(obj) or inspect.isclass(obj))
            and getattr(obj, "__module__", None) == module.__name__]


def first_sentence(obj) -> str:
    """The first sentence of an object's docstring, on one line, never cut inside inline markup.

    The first paragraph is joined into one line and cut at the first ``". "`` that lies outside every inline
    literal (double backticks) and role or interpreted text (single backticks); without such a cut the whole
    paragraph is kept.
    """
    if not (inspect.isroutine(obj) or inspect.isclass(obj) or inspect.ismodule(obj)):
        return ""  # data: its "docstring" would be its type's
    doc = inspect.getdoc(obj) or ""
    paragraph = " ".join(doc.strip().split("\n\n")[0].split())
    spans = [m.span() for m in re.finditer(r"``.+?``|`[^`]*`", paragraph)]
    for match in re.finditer(r"\.(?=\s|$)", paragraph):
        if not any(a <= match.start() < b for a, b in spans):
            return paragraph[: match.start() + 1]
    return paragraph


def summary_line(module) -> str:
    """The first line of a module's docstring, as Markdown for a table cell (RST roles become code)."""
    doc = inspect.getdoc(module) or ""
    line = doc.strip().splitlines()[0] if doc.strip() else ""
    line = re.sub(r":[a-z]+:`~?([^`]+)`", r"`\1`", line)      # :class:`~a.B` -> `a.B`
    line = line.replace("``", "`").replace("|", "\\|")
    return line


def api_list_markdown(sections, missing, modules=None) -> str:
    """The MyST text included by ``api.md``: a table per section linking every module page, plus a note naming the
    expected modules that have no file yet."""
    modules = modules or {}
    lines = ["<!-- Generated by docs/_ext/tgc_docs.py at build time; do not edit. -->", ""]
    for title, names in sections:
        lines += [f"## {title}", "", "```{toctree}", ":hidden:", ""]
        lines += [f"gen_modules/{name}" for name in names]
        lines += ["```", "", "| module | |", "|---|---|"]
        for name in names:
            summary = summary_line(modules[name]) if name in modules else ""
            lines.append(f"| {{doc}}`{name} <gen_modules/{name}>` | {summary} |")
        lines.append("")
    if missing:
        lines += [":::{note}", "Not part of this build yet (no module file): "
                  + ", ".join(f"`{n}`" for n in missing) + ".", ":::", ""]
    return "\n".join(lines)


class TightMatplotlibScraper:
    """sphinx-gallery's matplotlib scraper, saving with ``bbox_inches="tight"`` so that no label is cut off.

    A class with a fixed ``repr`` (not a function or a ``functools.partial``), so that Sphinx can cache the
    configuration without a warning.
    """

    def __repr__(self):
        return "TightMatplotlibScraper()"

    def __call__(self, block, block_vars, gallery_conf):
        from sphinx_gallery.scrapers import matplotlib_scraper

        return matplotlib_scraper(block, block_vars, gallery_conf, bbox_inches="tight")


def gallery_conf(execute: bool = True) -> dict:
    """The sphinx-gallery configuration of the examples (the reasons are in the docstring of ``docs/conf.py``)."""
    return {
        "examples_dirs": ["../examples"],
        "gallery_dirs": ["auto_examples"],
        "image_scrapers": (TightMatplotlibScraper(),),
        "filename_pattern": r"\.py$",            # execute every script ...
        "ignore_pattern": r"(^_|__init__\.py)",   # ... except private helpers (_common.py) and packages
        "plot_gallery": execute,
        "run_stale_examples": True,              # an unchanged script can be broken by a library change
        "abort_on_example_error": False,         # report every failing script, not only the first ...
        "only_warn_on_example_error": False,     # ... and then fail the build
        "reset_modules": ("matplotlib", "tgc_docs.reset_tinygradconv"),
        "write_computation_times": False,
        "download_all_examples": False,
        "remove_config_comments": True,
        "within_subsection_order": "FileNameSortKey",
        "show_signature": False,
        "matplotlib_animations": (True, "jshtml"),  # embed animations as JavaScript (no ffmpeg needed)
    }


def remove_stale_gallery_files(docs_dir: Path, root: Path = ROOT) -> list[Path]:
    """Delete files that sphinx-gallery generated for scripts that no longer exist; return what was removed."""
    removed = []
    for gallery, source in (("auto_examples", "examples"),):
        out = docs_dir / gallery
        if not out.is_dir():
            continue
        for rst in out.glob("*.rst"):
            if rst.stem != "index" and not (root / source / f"{rst.stem}.py").is_file():
                for generated in out.glob(f"{rst.stem}.*"):
                    generated.unlink(missing_ok=True)
                    removed.append(generated)
    return removed


_INITIAL = {}


def remember_tinygradconv_state() -> None:
    """Record the global settings (backend, float type, data format) before the gallery runs."""
    from tinygradconv import backend, config

    _INITIAL.update(backend=backend.get_backend().name, floatx=config.floatx(),
                    image_data_format=config.image_data_format())


def reset_tinygradconv(gallery_conf, fname):
    """sphinx-gallery ``reset_modules`` hook: undo global settings a previous script may have changed."""
    from tinygradconv import backend, config

    if not _INITIAL:
        remember_tinygradconv_state()
    backend.set_backend(_INITIAL["backend"])
    config.set_floatx(_INITIAL["floatx"])
    config.set_image_data_format(_INITIAL["image_data_format"])


# ------------------------------------------------------------------------------------------------ tutorials
TUTORIAL_PATTERN = "[0-9][0-9]_*.py"
#: The kernel that executes the tutorial notebooks (docs and tests): the Python running the build.
KERNEL_NAME = "tinygradconv-python"

#: A tutorial links a docs page as ``../docs/page.md#section`` (an inline link or a reference definition), which is
#: right where Jupyter opens it, in ``tutorials/`` or ``notebooks/``, one folder below the repository; the page that
#: Sphinx renders, ``docs/tutorials/NN_name.ipynb``, needs ``../page.md#section`` (a tester found ``../page.md`` dead
#: in Jupyter, where it pointed at ``<repo>/page.md``).
_DOCS_LINK = re.compile(r"(\]\(|^\[[^\]]+\]:[ \t]*)\.\./docs/", re.MULTILINE)


def docs_links_for_sphinx(markdown: str) -> str:
    """``markdown`` with each link ``../docs/X`` written ``../X``: from the repository's ``tutorials/`` to the page
    written into ``docs/tutorials/``.

    >>> docs_links_for_sphinx("[the API](../docs/api.md#layers) and [port]\\n[port]: ../docs/keras_compatibility.md")
    '[the API](../api.md#layers) and [port]\\n[port]: ../keras_compatibility.md'
    """
    return _DOCS_LINK.sub(r"\1../", markdown)


def tutorial_sources(root: Path = ROOT) -> list[Path]:
    """Every numbered tutorial, ``tutorials/NN_name.py``, in order."""
    return sorted((root / "tutorials").glob(TUTORIAL_PATTERN))


def tutorial_notebook(path: Path):
    """The notebook of one tutorial (jupytext percent format -> nbformat), with a standard Python 3 kernelspec."""
    import jupytext

    notebook = jupytext.read(path, fmt="py:percent")
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.metadata.pop("jupytext", None)
    for i, cell in enumerate(notebook.cells):
        cell["id"] = f"cell-{i}"                # stable ids: an unchanged tutorial gives the same file
    return notebook


def register_kernel(folder: Path) -> str:
    """Register the running interpreter as a Jupyter kernel in ``folder`` (prepended to ``JUPYTER_PATH``).

    The ``python3`` kernelspec found on a machine may start another Python than the one that has tinygradconv and
    its dependencies; this one always starts ``sys.executable``. Returns the kernel name.
    """
    spec = Path(folder) / "kernels" / KERNEL_NAME
    spec.mkdir(parents=True, exist_ok=True)
    # the kernel's own log at ERROR: its "running over TCP without encryption" warning, once per notebook, buried
    # the build's real warnings (a notebook's warnings are its cells' output, and the build fails on its errors)
    text = json.dumps({"argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}",
                                "--IPKernelApp.log_level=ERROR"],
                       "display_name": f"Python ({sys.executable})", "language": "python"}, indent=1)
    if not (spec / "kernel.json").is_file() or (spec / "kernel.json").read_text() != text:
        (spec / "kernel.json").write_text(text)
    paths = [str(folder)] + [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p]
    os.environ["JUPYTER_PATH"] = os.pathsep.join(dict.fromkeys(paths))
    return KERNEL_NAME


def _write_if_changed(path: Path, text: str) -> None:
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def write_tutorial_pages(docs_dir: Path, root: Path = ROOT) -> list[Path]:
    """Write ``docs/tutorials/NN_name.ipynb`` (the page myst-nb executes and renders) for every tutorial.

    Each page starts with the tutorial's title cell, then a note with two download links: the notebook
    (``docs/tutorials/_notebooks/NN_name.ipynb``, the plain tutorial without that note) and the ``.py`` source.
    The page's links to docs pages, ``../docs/X.md``, become ``../X.md`` (:func:`docs_links_for_sphinx`); the
    download keeps them as the tutorial has them, right in a clone's ``tutorials/`` or ``notebooks/``.
    Pages of deleted tutorials are removed. Returns the pages.
    """
    import nbformat

    out = Path(docs_dir) / "tutorials"
    downloads = out / "_notebooks"
    downloads.mkdir(parents=True, exist_ok=True)
    pages = []
    for source in tutorial_sources(root):
        notebook = tutorial_notebook(source)
        _write_if_changed(downloads / f"{source.stem}.ipynb", nbformat.writes(notebook) + "\n")
        relative = os.path.relpath(source, out).replace(os.sep, "/")
        note = nbformat.v4.new_markdown_cell(
            ":::{note}\nThis page is a notebook: {download}`download it <_notebooks/" + source.stem + ".ipynb>` "
            "and open it in Jupyter, or get {download}`its source <" + relative + ">` (a jupytext percent-format "
            "script that also runs with plain `python`).\n:::")
        notebook.cells.insert(1, note)
        for cell in notebook.cells:
            if cell.cell_type == "markdown":
                cell.source = docs_links_for_sphinx(cell.source)
        for i, cell in enumerate(notebook.cells):
            cell["id"] = f"cell-{i}"
        page = out / f"{source.stem}.ipynb"
        _write_if_changed(page, nbformat.writes(notebook) + "\n")
        pages.append(page)
    keep = {p.name for p in pages}
    for folder in (out, downloads):
        for stale in folder.glob("*.ipynb"):
            if stale.name not in keep:
                stale.unlink()
    return pages


#: A dotted name shown as code in the navigation: ``<span class="pre">tinygradconv.viz.model_connectivity</span>``.
_NAV_DOTTED_NAME = re.compile(r'(<span class="pre">)([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+)(</span>)')


def break_after_dots(navigation_html: str) -> str:
    """The navigation with a line-break opportunity (``<wbr>``) after each dot of the module names shown as code.

    Furo lets a long name such as ``tinygradconv.viz.model_connectivity`` wrap anywhere in its narrow left column
    (``tinygradconv.torch_method`` / ``s``); with these it wraps after a dot. ``<wbr>`` is not a character, so
    copying the name copies it unchanged.

    >>> break_after_dots('<span class="pre">tinygradconv.ops.conv</span>')
    '<span class="pre">tinygradconv.<wbr>ops.<wbr>conv</span>'
    """
    return _NAV_DOTTED_NAME.sub(lambda m: m.group(1) + m.group(2).replace(".", ".<wbr>") + m.group(3), navigation_html)


def navigation_breaks_after_dots(app, pagename, templatename, context, doctree) -> None:
    """``html-page-context`` handler, connected after Furo's: :func:`break_after_dots` on its navigation tree."""
    if "furo_navigation_tree" in context:
        context["furo_navigation_tree"] = break_after_dots(context["furo_navigation_tree"])
