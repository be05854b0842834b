"""Sphinx configuration of the tinygradconv docs.

Build (``make docs``; also run by ``make test``)::

    .venv/bin/python -m sphinx -W --keep-going -q -b html docs docs/_build/html

Decisions, and why:

* **Warnings are errors** (``-W``) and every build re-reads every page (the ``env-get-outdated`` hook at the bottom),
  so a warning cannot hide in a page that an incremental build would have skipped.
* **No network, at build time or when reading**: no intersphinx, no remote images, and MathJax is served from the
  built site (``_static/mathjax``, copied there by the ``sphinx-mathjax-offline`` extension, which bundles the
  MathJax 3.2.2 distribution), never from a CDN. ``make docs-check`` opens the built pages in headless Chromium and
  fails on untypeset maths, a missing image or a broken internal link (``docs/_ext/docs_check.py``).
* **Theme**: furo, with its content column widened (``_static/tgc.css``) so that the tutorials' 110-character code
  lines fit without sideways scrolling on a desktop screen.
* **Pages are MyST Markdown** (``.md``); docstrings are Google style (``napoleon``).
* **API reference**: ``docs/_ext/tgc_docs.py`` lists the public modules section by section. At build time conf.py
  writes one page per module that exists on disk (``docs/gen_modules/``, git-ignored: ``automodule`` with its
  members, after a "Contents" table of the members and the first sentence of each docstring) and the tables that
  ``api.md`` includes. A module that exists but fails to import stops the build with its error; a listed module
  with no file yet is named in a visible note on the API page (never skipped silently), and any public module not
  in the list is still documented (after its package, or under "Other modules"). A package page repeats what the
  package re-exports with ``:no-index:``, so each object has exactly one cross-reference target (its defining
  module). Sphinx's ``autosummary`` is deliberately not used: it resolves ``tinygradconv.tensor`` to the
  function ``tg.tensor`` instead of the module, and its first-sentence extraction cuts inline literals in half,
  which produces warnings (errors here) from correct docstrings.
* **Tutorials are notebooks** (myst-nb): each ``tutorials/NN_name.py`` is a jupytext percent-format script with
  Markdown cells, the one source that Jupyter, the tests and the docs read. conf.py converts every tutorial into
  ``docs/tutorials/NN_name.ipynb`` (git-ignored) with a note linking the notebook and the source for download;
  myst-nb executes each one on every build (``nb_execution_mode = "force"``) in a kernel that runs this very
  Python (registered by ``tgc_docs.register_kernel``), and a failing cell fails the build. Figures come from the
  notebook's inline backend (saved with a tight bounding box); animations are animated GIFs (``viz.show_animation``
  returns one as the cell's output, and the page shows it as an image), which need no JavaScript, no video codec
  and no network.
* **Examples stay a sphinx-gallery**: they are plain scripts whose point is to run from top to bottom with
  ``python examples/NAME.py`` and report the quality they reach; their prose is a short docstring, and the gallery
  gives each a thumbnail, its output and a download of the script. Every script is *executed*
  (``filename_pattern`` matches all ``.py`` files except ``_helpers.py``-style names) on every build
  (``run_stale_examples``), a failing script fails the build, and figures are saved with a tight bounding box
  (``tgc_docs.TightMatplotlibScraper``) so that no label is cut off.
* **Fast**: scripts and notebooks run in their short version: conf.py sets ``TINYGRADCONV_FAST=1`` unless the
  caller set it (``TINYGRADCONV_FAST=0 make docs`` renders the full versions). Global settings (backend, float
  type, data format) are reset before each example, and pages left over from deleted scripts are removed.
  ``TINYGRADCONV_DOCS_EXECUTE=0`` builds without running anything (for quick edits of prose only; never used by
  ``make``).
"""
from __future__ import annotations

import inspect
import logging
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE / "_ext"))

os.environ.setdefault("TINYGRADCONV_FAST", "1")
import matplotlib

matplotlib.use("Agg")
# The notebook kernels inherit this environment: let them draw inline (their figures become the page's images).
os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
EXECUTE = os.environ.get("TINYGRADCONV_DOCS_EXECUTE", "1") != "0"

import tgc_docs  # docs/_ext, on the path just above

import tinygradconv

# -- Project ---------------------------------------------------------------------------------------------------
project = "tinygradconv"
author = "the tinygradconv authors"
copyright = "2026, the tinygradconv authors"
release = tinygradconv.__version__
version = ".".join(release.split(".")[:2])

# -- General ---------------------------------------------------------------------------------------------------
extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sphinx-mathjax-offline",        # MathJax 3.2.2 served from _static/mathjax (sets mathjax_path)
    "sphinx_gallery.gen_gallery",
    "sphinx_copybutton",             # a copy button on code blocks that leaves out the >>> and ... prompts
]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
root_doc = "index"
exclude_patterns = ["_build", "_ext", "Thumbs.db", ".DS_Store", "tutorials/_notebooks",
                    "auto_tutorials",  # left over from the sphinx-gallery tutorials of older checkouts
                    "auto_*/*.ipynb", "auto_*/*.py", "auto_*/*.zip"]
templates_path = []

myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3
myst_dmath_double_inline = True

# -- sphinx-copybutton: copy the code of ">>>" examples without their prompts and outputs ---------------------------
copybutton_prompt_text = r">>> |\.\.\. |\$ "
copybutton_prompt_is_regexp = True
copybutton_only_copy_prompt_lines = True

# -- autodoc / napoleon --------------------------------------------------------------------------------------
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_ivar = True  # "Attributes:" sections must not collide with autodoc's own attribute entries
napoleon_use_rtype = False

# -- HTML ------------------------------------------------------------------------------------------------------
html_theme = "furo"
html_title = f"tinygradconv {release}"
html_static_path = ["_static"]
html_css_files = ["tgc.css"]

# -- Tutorials: notebooks executed by myst-nb ----------------------------------------------------------------
tgc_docs.write_tutorial_pages(HERE, ROOT)
nb_execution_mode = "force" if EXECUTE else "off"
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_execution_timeout = 600
nb_kernel_rgx_aliases = {".*": tgc_docs.register_kernel(HERE / "_build" / "jupyter")}
nb_merge_streams = True
# nbclient says "Executing notebook with kernel: ..." at INFO for every notebook, even under `sphinx -q`
logging.getLogger("traitlets").setLevel(logging.WARNING)

# -- sphinx-gallery --------------------------------------------------------------------------------------------
# A page left over from a renamed or deleted script would fail the build ("document isn't included in any
# toctree"): remove generated files whose script is gone (not the whole folder: a concurrent build may be using it).
tgc_docs.remove_stale_gallery_files(HERE, ROOT)
sphinx_gallery_conf = tgc_docs.gallery_conf(execute=EXECUTE)

# -- API pages, written before Sphinx reads the sources --------------------------------------------------------
_STUB = """{title}
{underline}

.. automodule:: {name}
   :members:
   :show-inheritance:{extra}
{summary}
"""
_SUMMARY = """
   .. rubric:: Contents

   .. list-table::
      :widths: 30 70

{rows}
"""


def _summary_table(module_name, module) -> str:
    """A table of the module's public members with the first sentence of each docstring."""
    rows = []
    for member in tgc_docs.public_members(module):
        obj = getattr(module, member, None)
        sentence = tgc_docs.first_sentence(obj) if obj is not None else ""
        target = f"{module_name}.{member}"
        home = getattr(obj, "__module__", None)
        if ((inspect.isclass(obj) or inspect.isfunction(obj)) and home and home.startswith("tinygradconv")
                and not any(part.startswith("_") for part in home.split("."))):
            target = f"{home}.{obj.__name__}"  # link a re-exported name to where it is defined and documented
            # (a private module has no page: its names are documented where they are re-exported)
        rows.append(f"      * - :py:obj:`{member} <{target}>`\n        - {sentence}")
    return _SUMMARY.format(rows="\n".join(rows)) if rows else ""


def _write_if_changed(path: Path, text: str) -> None:
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def write_api_pages() -> None:
    """Write ``gen_modules/<module>.rst`` for every public module and ``gen_modules/api_list.myst`` for api.md."""
    sections, missing = tgc_docs.api_modules()
    modules = tgc_docs.check_imports(sections)
    out = HERE / "gen_modules"
    out.mkdir(exist_ok=True)
    wanted = set()
    for _, names in sections:
        for name in names:
            is_package = (ROOT / Path(*name.split(".")) / "__init__.py").is_file()
            # A package re-exports names defined in its submodules: show them here too, but let the submodule
            # own the cross-reference target (otherwise `Tensor` would resolve to two objects).
            extra = "\n   :no-index:" if is_package else ""
            summary = _summary_table(name, modules[name])
            title = f"``{name}``"
            _write_if_changed(out / f"{name}.rst", _STUB.format(title=title, underline="=" * len(title), name=name,
                                                               extra=extra, summary=summary))
            wanted.add(f"{name}.rst")
    for stale in out.glob("*.rst"):
        if stale.name not in wanted:
            stale.unlink()
    _write_if_changed(out / "api_list.myst", tgc_docs.api_list_markdown(sections, missing, modules))
    if missing:
        print("docs: API modules not written yet (named on the API page): " + ", ".join(missing), file=sys.stderr)


write_api_pages()
tgc_docs.remember_tinygradconv_state()


def _reread_everything(app, env, added, changed, removed):
    """Re-read every page on every build, so that ``-W`` sees every warning, not only those of edited pages."""
    return sorted(env.found_docs - set(added) - set(changed))


def setup(app):
    app.connect("env-get-outdated", _reread_everything)
    app.connect("html-page-context", tgc_docs.navigation_breaks_after_dots, priority=900)  # after Furo's (500)
