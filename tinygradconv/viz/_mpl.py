"""The one place where :mod:`tinygradconv.viz` imports matplotlib, at call time, never at import time."""
from __future__ import annotations

import math
from pathlib import Path


def pyplot():
    """``matplotlib.pyplot``, or an ``ImportError`` that says how to install it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - matplotlib is installed in the dev environment
        raise ImportError("tinygradconv.viz needs matplotlib for plotting: pip install 'tinygradconv[viz]'") from exc
    return plt


def new_axes(ax, figsize):
    """``ax`` itself, or a fresh Axes on a new pyplot figure of ``figsize`` inches."""
    if ax is not None:
        if not hasattr(ax, "add_patch"):
            raise TypeError(f"Invalid type for argument `ax`. Expected a matplotlib Axes. Received ax={ax!r}")
        return ax
    _, ax = pyplot().subplots(figsize=figsize)
    return ax


def check_figure(fig):
    """``fig`` when it is None or a matplotlib Figure (a SubFigure too), else a TypeError naming it, before anything
    is drawn (drawing into a string failed with an AttributeError from deep inside)."""
    if fig is not None:
        from matplotlib.figure import FigureBase

        if not isinstance(fig, FigureBase):
            raise TypeError(f"Invalid type for argument `fig`. Expected a matplotlib Figure or None. "
                            f"Received fig={fig!r}")
    return fig


def relative_luminance(color) -> float:
    """The relative luminance of a matplotlib colour (WCAG 2: sRGB channels linearised, weighted 0.2126, 0.7152,
    0.0722): 0 for black, 1 for white.

    >>> relative_luminance("white"), relative_luminance("black")
    (1.0, 0.0)
    """
    from matplotlib.colors import to_rgb

    channels = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in to_rgb(color)]
    return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]


def contrast_ratio(first, second) -> float:
    """The WCAG 2 contrast ratio of two colours, ``(L_light + 0.05) / (L_dark + 0.05)``: 1 (the same) to 21."""
    light, dark = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def text_color_on(face) -> str:
    """``"black"`` or ``"white"``, whichever contrasts more with the background colour ``face``: numbers written
    on cells of a colour scale stay readable from its lightest to its darkest shade (the ratio is at least 4.58,
    above the 4.5 that WCAG asks of text).

    >>> text_color_on("#ffffff"), text_color_on("#08306b")      # white, and the darkest blue of "Blues"
    ('black', 'white')
    """
    return "black" if contrast_ratio("black", face) >= contrast_ratio("white", face) else "white"


#: The width (pixels) a notebook shows a figure at (its cell), and the least height (pixels) of a legend's capital
#: letters there: at 8 points a legend's capitals were 7 to 8 pixels tall in a figure 6 to 8 inches wide.
SHOWN_WIDTH_PX, LEGEND_CAP_PX = 800, 10.0
#: The height of a capital letter of DejaVu Sans (matplotlib's font), in ems.
CAP_HEIGHT_EM = 0.73


def legend_points(fig_width_in, least=8.0) -> float:
    """The font size (points, in halves, ``least`` at least) of the legend of a new figure ``fig_width_in``
    inches wide, so that its capital letters are :data:`LEGEND_CAP_PX` pixels tall once the figure is shown
    :data:`SHOWN_WIDTH_PX` pixels wide: a point is ``800 / (72 * width)`` pixels there.

    >>> legend_points(6.0), legend_points(8.0), legend_points(10.0)
    (8.0, 10.5, 13.0)
    """
    # the figure as saved (tight, 0.1 inch of pad each side) and as a layout engine grows it: 0.3 inch wider
    points = LEGEND_CAP_PX / CAP_HEIGHT_EM * 72.0 * (fig_width_in + 0.3) / SHOWN_WIDTH_PX
    return max(least, math.ceil(points * 2.0 - 1e-9) / 2.0)


#: The resolutions (dots per inch) at which :func:`fit_figure` measures a figure: text is hinted to whole pixels, so
#: a legend measured at 100 dpi was 2 % wider in inches at 150 or 300 dpi, and a figure sized for it at 100 dpi cut
#: it off there (found by a teacher saving slides). At 72 or 80 dpi it is up to 7 % wider still; sizing every figure
#: for those made the connectivity diagrams wider and their legends, shown 800 pixels wide in a notebook, smaller than
#: the 10 pixels tutorial 03 needs (``tests/test_viz_shown_sizes_s46.py``), so slides at 72-80 dpi take
#: ``savefig(..., bbox_inches="tight")``. The widths at 200 to 300 dpi lay within those of 100 and 150 dpi on four
#: connectivity diagrams measured at 11 resolutions (session 51).
FIT_DPIS = (100, 150)
#: A text whose box, at the figure's own dpi, lies further than this from both sides of the figure (a fraction of
#: its width, plus :data:`FIT_ROOM_INCHES`) is not measured at the others: hinting changed widths by at most 8 %
#: (a legend) and 0.1 inch (a short label) in the measures above.
FIT_ROOM_FRACTION = 0.15
FIT_ROOM_INCHES = 0.1


def _words(fig) -> list:
    """The artists of ``fig`` made of text, whose size in inches changes with the resolution: legends, titles,
    texts (visible ones, and not clipped to their Axes: a diagram's cell labels cannot reach out of it)."""
    found = [*fig.legends, *fig.texts]
    if getattr(fig, "_suptitle", None) is not None:
        found.append(fig._suptitle)
    for ax in fig.axes:
        found += [ax.title, ax._left_title, ax._right_title, *ax.texts]
        if ax.get_legend() is not None:
            found.append(ax.get_legend())
    return [a for a in found if a.get_visible() and (not hasattr(a, "get_text") or a.get_text())
            and not (a.get_clip_on() and (a.get_clip_box() is not None or a.get_clip_path() is not None))]


def _reach(fig, dpis):
    """How far (inches) what ``fig`` draws reaches out of it, left + right and bottom + top, the most over ``dpis``.

    Laid out once, at its own resolution, where everything is measured; at the others, the width of its text only
    (legends, titles, texts: what hinting widens; a layout and a full measure per resolution made a diagram three
    times as slow to draw), and only of those near a side (:data:`FIT_ROOM_FRACTION`). Only the width: a savefig
    at another resolution lays the figure out again, and the layout engine makes room in height for text grown
    taller (it shrinks the Axes), but none for a legend grown wider than the figure."""
    own = fig.get_dpi()
    fig.draw_without_rendering()
    width, height = fig.get_size_inches()
    renderer = fig.canvas.get_renderer()
    box = fig.get_tightbbox(renderer)                                   # inches
    x0, y0, x1, y1 = box.x0, box.y0, box.x1, box.y1
    # only the texts near a side can reach out of the figure at another dpi
    boxes = [(artist, artist.get_window_extent(renderer)) for artist in _words(fig)]
    words = [artist for artist, b in boxes
             if min(b.x0, width * own - b.x1) < FIT_ROOM_FRACTION * b.width + FIT_ROOM_INCHES * own]
    try:
        for dpi in dpis:
            if dpi == own or not words:
                continue
            fig.set_dpi(dpi)
            renderer = fig.canvas.get_renderer()
            for artist in words:
                b = artist.get_window_extent(renderer)
                x0, x1 = min(x0, b.x0 / dpi), max(x1, b.x1 / dpi)
    finally:
        fig.set_dpi(own)
    return max(0.0, -x0) + max(0.0, x1 - width), max(0.0, -y0) + max(0.0, y1 - height)


def fit_figure(fig, pad=0.05, tries=4, dpis=FIT_DPIS):
    """Lay out ``fig`` and grow it until everything it draws lies inside it, so that a plain ``fig.savefig(path)``
    (no ``bbox_inches="tight"``) saves all of it, from 100 dpi up (:data:`FIT_DPIS`): titles, labels, legends and
    colour bars.

    The layout engine (constrained layout) places the Axes; what it cannot fit (an equal-aspect Axes whose title
    or labels need more height than the figure has, a legend wider than the figure) is measured on the laid-out
    figure at each resolution of ``dpis`` (text is hinted to whole pixels: its width in inches differs from one
    resolution to another by a few per cent) and the figure grown by the most it reaches out, then laid out
    again. Only for figures a plotting function made itself (never a user's figure).
    """
    dpis = sorted({*dpis, fig.get_dpi()})
    for _ in range(tries):
        grow_w, grow_h = _reach(fig, dpis)
        if grow_w < 0.01 and grow_h < 0.01:
            return fig                                              # laid out at its own resolution (_reach)
        width, height = fig.get_size_inches()
        fig.set_size_inches(width + (grow_w and grow_w + 2 * pad), height + (grow_h and grow_h + 2 * pad))
    fig.draw_without_rendering()
    return fig


def atomic_path(path, write):
    """Call ``write(tmp)`` on a temporary file next to ``path`` (same suffix), then rename it onto ``path``.

    A reader never sees a half-written file; on failure the temporary file is removed and ``path`` is untouched.
    The file gets ordinary permissions (the process umask): see :func:`tinygradconv.saving.atomic_write`, which
    does the work.
    """
    from ..saving import atomic_write

    atomic_write(path, write, to_path=True)
    return Path(path)


def savefig(fig, path, **kwargs):
    """Save a figure atomically (PNG metadata without the software version, so reruns give the same bytes)."""
    suffix = Path(path).suffix.lower().lstrip(".") or "png"
    metadata = {"Software": None} if suffix == "png" else None
    return atomic_path(path, lambda tmp: fig.savefig(tmp, format=suffix, metadata=metadata, **kwargs))
