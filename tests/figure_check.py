"""One check for every figure the project draws: can a student read it?

:func:`figure_problems` looks at a matplotlib Figure as it is (or would be) saved and returns what is wrong, as
sentences (an empty list when nothing is):

* **no two text labels overlap** (their rendered extents, from the renderer, intersect by more than
  ``tolerance_px`` in both directions);
* **nothing is cut off**: no text and no visible Axes extends beyond the saved area (the whole figure, or the tight
  bounding box when saved with ``bbox_inches="tight"``);
* **text is large enough**: at least ``min_points`` (7 pt) once the saved image is shown ``shown_width_in``
  (10 inches) wide, i.e. ``fontsize * 10 / saved_width_in >= 7``. A figure 24 inches wide with 8-point labels
  fails (3.3 pt at 10 inches), which is what a long thin strip of cells looks like on a page.

:func:`install` wraps ``FigureCanvasBase.print_figure`` (what ``savefig`` and the notebook's inline display both
call) so that every figure a script or notebook *saves or shows* is checked with the arguments it is saved with;
problems are appended to a JSON list in a file. The tutorial tests inject it into each notebook's kernel; the
example tests run each example under it.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

MIN_POINTS = 7.0
SHOWN_WIDTH_IN = 10.0


def _texts(fig):
    """Every visible, non-empty Text artist the figure draws (titles, labels, tick labels, legends, annotations)."""
    from matplotlib.text import Text

    found = []
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        ax_texts = [ax.title, ax._left_title, ax._right_title, *ax.texts]
        if ax.axison:
            ax_texts += [ax.xaxis.label, ax.yaxis.label, ax.xaxis.get_offset_text(), ax.yaxis.get_offset_text()]
            for axis in (ax.xaxis, ax.yaxis):  # the ticks drawn (inside the view), not every tick object
                ax_texts += [label for tick in axis._update_ticks() for label in (tick.label1, tick.label2)
                             if label.get_visible()]
        legend = ax.get_legend()
        if legend is not None and legend.get_visible():
            ax_texts += [*legend.get_texts(), legend.get_title()]
        found += ax_texts
    found += list(fig.texts)
    for legend in fig.legends:
        found += [*legend.get_texts(), legend.get_title()]
    for name in ("_suptitle", "_supxlabel", "_supylabel"):
        if getattr(fig, name, None) is not None:
            found.append(getattr(fig, name))
    unique, seen = [], set()
    for text in found:
        if isinstance(text, Text) and id(text) not in seen and text.get_visible() and text.get_text().strip():
            seen.add(id(text))
            unique.append(text)
    return unique


def _label(text):
    value = text.get_text().replace("\n", " ")
    return repr(value if len(value) <= 40 else value[:37] + "...")


def figure_problems(fig, bbox_inches=None, pad_inches=None, min_points=MIN_POINTS, shown_width_in=SHOWN_WIDTH_IN,
                    tolerance_px=1.0) -> list[str]:
    """What makes ``fig``, saved with ``bbox_inches`` / ``pad_inches``, hard to read (see the module docstring)."""
    import matplotlib

    original = fig.canvas
    if not hasattr(original, "get_renderer"):  # savefig may have switched to a canvas without a renderer
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        FigureCanvasAgg(fig)
    try:
        fig.canvas.draw()                      # a real draw: layout engines and legends place their texts
        renderer = fig.canvas.get_renderer()
    finally:
        if fig.canvas is not original:
            fig.set_canvas(original)
    dpi = fig.dpi
    if bbox_inches == "tight":
        pad = matplotlib.rcParams["savefig.pad_inches"] if pad_inches in (None, "layout") else pad_inches
        saved = fig.get_tightbbox(renderer).padded(pad)                       # inches
        x0, y0, x1, y1 = saved.x0 * dpi, saved.y0 * dpi, saved.x1 * dpi, saved.y1 * dpi
    elif bbox_inches is not None and hasattr(bbox_inches, "x0"):
        x0, y0, x1, y1 = (v * dpi for v in (bbox_inches.x0, bbox_inches.y0, bbox_inches.x1, bbox_inches.y1))
    else:
        x0, y0, x1, y1 = fig.bbox.x0, fig.bbox.y0, fig.bbox.x1, fig.bbox.y1
    width_in = (x1 - x0) / dpi
    scale = shown_width_in / width_in
    problems = []

    texts = _texts(fig)
    boxes = []
    for text in texts:
        box = text.get_window_extent(renderer)
        boxes.append((box.x0, box.y0, box.x1, box.y1))
        size = text.get_fontsize() * scale
        if size < min_points - 1e-9:
            problems.append(f"text {_label(text)} is {size:.1f} pt when the {width_in:.1f}-inch-wide figure is "
                            f"shown {shown_width_in:g} inches wide (at least {min_points:g} pt)")
        if box.x0 < x0 - tolerance_px or box.x1 > x1 + tolerance_px or box.y0 < y0 - tolerance_px \
                or box.y1 > y1 + tolerance_px:
            problems.append(f"text {_label(text)} extends beyond the saved figure")
    for ax in fig.axes:
        if ax.get_visible() and ax.axison:
            box = ax.get_window_extent(renderer)
            if box.x0 < x0 - tolerance_px or box.x1 > x1 + tolerance_px or box.y0 < y0 - tolerance_px \
                    or box.y1 > y1 + tolerance_px:
                problems.append(f"an Axes ({_label(ax.title) if ax.get_title() else 'untitled'}) extends beyond "
                                f"the saved figure")
    if len(boxes) > 1:
        b = np.asarray(boxes)
        dx = np.minimum(b[:, None, 2], b[None, :, 2]) - np.maximum(b[:, None, 0], b[None, :, 0])
        dy = np.minimum(b[:, None, 3], b[None, :, 3]) - np.maximum(b[:, None, 1], b[None, :, 1])
        hit = (dx > tolerance_px) & (dy > tolerance_px)
        for i, j in zip(*np.nonzero(np.triu(hit, 1))):
            problems.append(f"texts {_label(texts[i])} and {_label(texts[j])} overlap")
    return problems


def install(report: Path | str, name: str = "") -> None:
    """Check every figure that is saved or displayed from now on; append its problems to the JSON list ``report``.

    Each entry is ``{"where": name, "figure": n, "problems": [...]}`` (only figures with problems are recorded).
    """
    from matplotlib.backend_bases import FigureCanvasBase

    report = Path(report)
    if not report.exists():
        report.write_text("[]")
    original = FigureCanvasBase.print_figure
    counter = {"n": 0}

    def print_figure(self, filename, *args, **kwargs):
        counter["n"] += 1
        try:
            problems = figure_problems(self.figure, bbox_inches=kwargs.get("bbox_inches"),
                                       pad_inches=kwargs.get("pad_inches"))
        except Exception as exc:  # noqa: BLE001  (the check must not hide the figure's own error)
            problems = [f"the figure check failed: {type(exc).__name__}: {exc}"]
        if problems:
            entries = json.loads(report.read_text())
            entries.append({"where": name, "figure": counter["n"], "problems": problems})
            report.write_text(json.dumps(entries, indent=1))
        return original(self, filename, *args, **kwargs)

    FigureCanvasBase.print_figure = print_figure


def assert_readable(fig, **kwargs) -> None:
    """Fail with every problem :func:`figure_problems` finds."""
    problems = figure_problems(fig, **kwargs)
    assert not problems, "the figure is hard to read:\n  " + "\n  ".join(problems)
