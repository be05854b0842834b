"""Training and validation curves from a ``History`` (what ``model.fit`` returns) or its ``history`` dict.

``history.history`` maps a metric name to one value per epoch (``{"loss": [...], "val_loss": [...], ...}``); the
validation curve of ``m`` is ``val_m``. Each metric gets a panel with its training curve (solid, filled dots) and
validation curve (dashed, same colour, open squares: told apart in the legend too, where a short swatch would hide
the dashes behind a marker).

>>> from tinygradconv.viz import plot_history
>>> fig = plot_history({"loss": [1.0, 0.5, 0.25], "val_loss": [1.1, 0.7, 0.5]})
>>> [line.get_gid() for line in fig.axes[0].lines]
['train:loss', 'val:loss']
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import pairwise

import numpy as np

from ..validation import flag
from ._mpl import fit_figure, pyplot

__all__ = ["history_dict", "plot_history"]


def history_dict(history) -> dict:
    """``{name: float64 array}`` from a History object (``.history``) or a mapping, validated."""
    data = getattr(history, "history", history)
    if not isinstance(data, Mapping):
        raise TypeError(f"Invalid type for argument `history`. Expected a History (with a `history` dict) or a "
                        f"dict of lists. Received {type(history).__name__}")
    if not data:
        raise ValueError("Invalid value for argument `history`: it holds no metric (was fit() run for 0 epochs?)")
    result = {}
    for name, values in data.items():
        try:
            array = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"Invalid value for argument `history`: metric {name!r} must be a list of numbers. "
                             f"Received {values!r}") from None
        if array.ndim == 2 and array.shape[1] == 1:
            array = array[:, 0]     # a metric of one class logged as Keras logs it, array([0.4]) each epoch
        if array.ndim != 1:
            raise ValueError(f"Invalid value for argument `history`: metric {name!r} must be one number per "
                             f"epoch. Received an array of shape {array.shape}")
        result[str(name)] = array
    return result


def _base_names(data):
    names = []
    for name in data:
        base = name.removeprefix("val_")
        if base not in names:
            names.append(base)
    return names


# Training: solid line, filled dots; validation: dashed line, open squares (markers only for <= 30 epochs).
_STYLES = (("", "train", {"linestyle": "-", "marker": "o", "markersize": 3}),
           ("val_", "val", {"linestyle": "--", "marker": "s", "markersize": 3.5, "markerfacecolor": "white"}))
LEGEND_HANDLELENGTH = 3.5          # long enough for the dashes to show on both sides of a marker
MAX_COLUMNS = 3                    # panels per row of a new figure: five metrics made one row 21 inches wide
TITLE_WIDTH = 28                   # characters per line of a panel's title and y label (wrapped after "_")


def _history_epochs(history):
    """The 0-based epoch indices of a History (``.epoch``: ``[3, 4]`` after ``fit(..., initial_epoch=3)``), or None
    for a dict or a History without them (its values are then epochs 0, 1, ...)."""
    epochs = getattr(history, "epoch", None)
    if not isinstance(history, Mapping) and isinstance(epochs, (list, tuple, np.ndarray)) and len(epochs):
        try:
            return np.asarray(epochs, dtype=np.int64).reshape(-1)
        except (TypeError, ValueError):
            return None
    return None


def _epoch_numbers(size, seen):
    """The x positions (1-based epoch numbers) of ``size`` values: ``seen + 1`` when there is one index a value,
    else ``1, 2, ...`` shifted to start at the first epoch seen (values recorded every few epochs keep their count)."""
    if seen is not None and seen.size == size:
        return seen + 1
    first = 1 if seen is None else int(seen[0]) + 1
    return np.arange(first, first + size)


def _draw(ax, data, name, color, seen=None, named=True, logy=False):
    """The training and validation curves of metric ``name`` in ``ax``; their legend labels name the metric when
    ``named`` (several metrics share the Axes), else say only "training" and "validation" (the title names it).
    With ``logy``, values at or below 0 have no place on the axis either: they are marked as the non-finite ones."""
    drawn = False
    for prefix, kind, style in _STYLES:
        values = data.get(prefix + name)
        if values is None or values.size == 0:
            continue
        epochs = _epoch_numbers(values.size, seen)
        style = style if values.size <= 30 else {"linestyle": style["linestyle"]}
        label = f"{'validation' if kind == 'val' else 'training'}" + (f" {name}" if named else "")
        ax.plot(epochs, values, color=color, label=label, gid=f"{kind}:{name}", **style)
        bad = _not_drawn(values, logy)
        alpha = 0.15 if kind == "val" else 0.3
        for i, epoch in enumerate(epochs[bad]):  # a line has no point there: a shaded band says so (legend: why)
            ax.axvspan(epoch - 0.4, epoch + 0.4, color=color, alpha=alpha, linewidth=0, zorder=0,
                       gid=f"not_finite:{kind}:{name}:{epoch}",
                       label=f"{label}: {_not_finite(values, logy, epochs[bad])}" if i == 0 else "_nolegend_")
        drawn = True
    return drawn


def _wrapped(name, width=TITLE_WIDTH):
    r"""``name`` broken into lines of at most ``width`` characters, after its underscores where it has them (a
    metric name such as ``cls_sparse_categorical_accuracy`` ran past its panel), else every ``width`` characters.

    >>> _wrapped("cls_sparse_categorical_accuracy", 20)
    'cls_sparse_\ncategorical_accuracy'
    >>> _wrapped("averylongmetricname", 8)
    'averylon\ngmetricn\name'
    """
    lines, line = [], ""
    for part in name.split("_"):
        piece = part if not line else "_" + part
        if line and len(line) + len(piece) > width:
            lines.append(line + "_")
            line = part
        else:
            line += piece
    lines.append(line)
    # a part longer than a line (a name without underscores) is cut every `width` characters
    return "\n".join(chunk for text in lines for chunk in (text[i:i + width] for i in range(0, len(text), width)))


def _not_drawn(values, logy=False):
    """Where a curve has no point: values that are not finite, and with ``logy`` those at or below 0."""
    with np.errstate(invalid="ignore"):
        return ~np.isfinite(values) | (logy & (values <= 0))


#: The least width (points) of the band marking an epoch with no value (2.5 points: 3.5 pixels at 100 dpi).
MIN_BAND_POINTS = 2.5


def _widen_bands(ax):
    """Widen each band marking an epoch with no value (gid ``"not_finite:..."``, 0.8 epoch wide) to at least
    :data:`MIN_BAND_POINTS`, measured on ``ax`` as laid out now: among 250 epochs a band was 1 pixel wide, invisible
    (found by a teacher). Points and data units both scale with the dpi, so a band wide enough at the figure's own
    dpi is wide enough at any (within a few per cent: a savefig at another dpi lays the panels out again);
    a band that is wide enough keeps its 0.8 epoch; bands of neighbouring epochs meet and do not overlap. One patch
    a band: a thin line drawn over it (session 51) made a darker line down the middle of every wider band, where
    the two see-through colours overlapped."""
    bands = [p for p in ax.patches if (p.get_gid() or "").startswith("not_finite:")]
    width_points = ax.get_window_extent().width * 72.0 / ax.figure.dpi
    if not bands or width_points <= 0:
        return
    low, high = ax.get_xlim()
    half = max(0.4, MIN_BAND_POINTS / 2 * abs(high - low) / width_points)    # in epochs
    marked = {band.get_gid() for band in bands}
    for band in bands:
        series, epoch = band.get_gid().rsplit(":", 1)
        epoch = int(epoch)
        # next to a band of the same curve, stop halfway: overlapping, the two see-through bands drew a dark line
        left = min(half, 0.5) if f"{series}:{epoch - 1}" in marked else half
        right = min(half, 0.5) if f"{series}:{epoch + 1}" in marked else half
        band.set_x(epoch - left)
        band.set_width(left + right)


#: The most epochs a legend names one by one (then "and 7 more").
NAMED_EPOCHS = 3


def _not_finite(values, logy=False, epochs=()):
    """What a curve lacks and where: ``"NaN at epoch 101"``, ``"NaN or inf at epochs 3, 4"``, ``"<= 0 on a log
    axis at ..."``: the epochs (``epochs``, the first :data:`NAMED_EPOCHS`, then how many more) are written out, so
    that one epoch among hundreds is found (its band alone is a thin stripe there).

    >>> _not_finite(np.array([1.0, np.nan, np.inf]), epochs=[2, 3])
    'NaN or inf at epochs 2, 3, not drawn'
    >>> _not_finite(np.full(6, np.nan), epochs=range(1, 7))
    'NaN at epochs 1, 2, 3 and 3 more, not drawn'
    """
    not_positive = bool((np.isfinite(values) & _not_drawn(values, logy)).any())
    kinds = [word for word, hit in (("NaN", np.isnan(values).any()), ("inf", np.isposinf(values).any()),
                                    ("-inf", np.isneginf(values).any()),
                                    ("<= 0 on a log axis", not_positive)) if hit]
    epochs = [int(e) for e in epochs]
    where = ""
    if epochs:
        named = ", ".join(map(str, epochs[:NAMED_EPOCHS]))
        more = len(epochs) - NAMED_EPOCHS
        where = f" at epoch{'s' * (len(epochs) > 1)} {named}" + (f" and {more} more" if more > 0 else "")
    return f"{' or '.join(kinds)}{where}, not drawn"


def _metric_names(metrics):
    """``metrics`` as a list: one name, or a list (any iterable) of names; else a TypeError naming it."""
    names = [metrics] if isinstance(metrics, str) else metrics
    names = None if isinstance(names, (bytes, bytearray)) or not isinstance(names, Iterable) else list(names)
    if names is None or not all(isinstance(name, str) for name in names):
        raise TypeError(f"Invalid type for argument `metrics`. Expected None, a metric name or a list of metric "
                        f"names (strings, without 'val_'). Received metrics={metrics!r}")
    return names


def _given_axes(ax, names):
    """The Axes of each metric: one Axes for all, or one per metric (a list, or an array from ``plt.subplots``)."""
    if hasattr(ax, "add_patch"):
        return [ax] * len(names)
    if isinstance(ax, np.ndarray):                  # plt.subplots(2, 2)'s grid of Axes, read row by row
        ax = ax.ravel()
    axes = None if isinstance(ax, (str, bytes)) or not isinstance(ax, Iterable) else list(ax)
    if axes is None or not all(hasattr(a, "add_patch") for a in axes):
        raise TypeError(f"Invalid type for argument `ax`. Expected None, a matplotlib Axes, or a list of Axes (one "
                        f"per metric {names}). Received ax={ax!r}")
    if len(axes) != len(names):
        raise ValueError(f"Invalid value for argument `ax`. Expected one Axes or {len(names)} (one per metric "
                         f"{names}). Received {len(axes)} Axes")
    return axes


def plot_history(history, metrics=None, ax=None, logy=False):
    """Plot training (solid, dots) and validation (dashed, open squares) curves, one panel per metric.

    Args:
        history: a ``History`` (what ``fit`` returns) or a dict ``{"loss": [...], "val_loss": [...], ...}``.
        metrics: the metric names to plot (without ``val_``); default all, in the order of the history.
        ax: ``None`` (a new figure, one panel per metric, at most :data:`MAX_COLUMNS` in a row), one Axes (every
            metric in it), or one Axes per metric.
        logy: use a logarithmic y axis (for losses spanning decades); values at or below 0 are then not drawn,
            and marked as NaN is. The y label says "(log scale)", and an axis within a few decades has at least
            three labelled ticks, written as plain numbers (``0.05``, ``0.07``, ``0.1``; see
            :data:`LOG_TICK_MANTISSAS`).

    Returns:
        The matplotlib Figure. Each panel's title names its metric (long names wrapped after an underscore), and
        its legend says "training" and "validation" (with the metric's name when metrics share one Axes). Lines
        carry gids ``"train:<metric>"`` and ``"val:<metric>"``; x is the epoch (1, 2,
        ...), counted from 1: a History's own ``epoch`` indices plus one (4 and 5 after ``fit`` with ``epochs=5``
        and ``initial_epoch=3``). A value that is not a finite number (a NaN loss) leaves a gap in its line: its
        epochs are marked by a shaded band (a patch with gid ``"not_finite:val:<metric>:<epoch>"``), 0.8 epoch
        wide and at least ``MIN_BAND_POINTS`` wide on the panel as drawn (among hundreds of epochs 0.8 epoch was a
        pixel), and named in the legend with its epochs ("validation:
        NaN at epoch 101, not drawn"). Each legend is fixed where it covers no curve (:data:`LEGEND_PLACES`; if it
        would cover one everywhere, the y axis reaches lower to give it a strip below them), so it sits in the same
        place at any dpi. A legend redrawn later (after adding a line) should keep
        ``handlelength=LEGEND_HANDLELENGTH``, so that the dashes of the validation swatch stay visible.

    Raises:
        TypeError: ``history`` is neither a History nor a dict; ``metrics`` is neither a name nor a list of names;
            ``ax`` is neither None, an Axes nor a list of Axes; ``logy`` is not True or False.
        ValueError: empty history, a metric with no values, such as ``{"loss": []}`` (nothing to draw), unknown
            metric, or a wrong number of Axes.
    """
    from matplotlib.ticker import MaxNLocator

    logy = flag(logy, "logy", "plot_history")
    data = history_dict(history)
    new_figure = ax is None
    available = _base_names(data)
    names = available if metrics is None else _metric_names(metrics)
    unknown = [m for m in names if m not in available]
    if unknown or not names:
        raise ValueError(f"Invalid value for argument `metrics`. Expected names among {available}. "
                         f"Received metrics={metrics!r}")
    empty = [m for m in names
             if all(data.get(prefix + m, np.empty(0)).size == 0 for prefix, _, _ in _STYLES)]
    if empty:
        raise ValueError(f"Invalid value for argument `history`: nothing to draw for metric{'s' * (len(empty) > 1)} "
                         f"{', '.join(map(repr, empty))}: no value recorded (was fit() run for 0 epochs?). "
                         f"Received {({m: data.get(m, np.empty(0)).tolist() for m in empty})!r}")
    if ax is not None:
        axes = _given_axes(ax, names)
    seen = _history_epochs(history)
    plt = pyplot()
    if ax is None:
        columns = min(len(names), MAX_COLUMNS)
        rows = -(-len(names) // columns)
        _fig, grid = plt.subplots(rows, columns, figsize=(4.2 * columns, 3.2 * rows), squeeze=False,
                                  layout="constrained")
        axes = list(grid.flat[:len(names)])
        for spare in grid.flat[len(names):]:            # the empty cells of the last row
            spare.remove()
    cycle = plt.rcParams["axes.prop_cycle"].by_key().get("color", ["C0"])
    shared = len(set(map(id, axes))) < len(axes)                 # several metrics in one given Axes
    for i, (name, panel) in enumerate(zip(names, axes)):
        _draw(panel, data, name, cycle[i % len(cycle)], seen, named=shared, logy=logy)
        panel.set_xlabel("epoch")
        label = "value" if shared or len(name) > TITLE_WIDTH else name                 # a long name: in the title
        panel.set_ylabel(f"{label} (log scale)" if logy else label)
        # whole epochs, also for one epoch (with the default of two ticks at least, it ticked 0.945, 0.96, ...)
        panel.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
        if logy:        # a value <= 0 leaves a gap, marked as NaN is (clipped, it drew a line off the axis)
            panel.set_yscale("log", nonpositive="mask")
        panel.grid(alpha=0.3)
        panel.set_title(", ".join(names) if shared else _wrapped(name), fontsize=10)
        panel.legend(fontsize=8, handlelength=LEGEND_HANDLELENGTH)
    _fit_legends(axes)
    if new_figure:
        fit_figure(axes[0].figure)
    for panel in axes:                    # once the panels have their final size
        _place_legend(panel)
        _widen_bands(panel)
        if logy:
            _label_log_ticks(panel)
    return axes[0].figure


#: The mantissas tried for a log axis' labelled ticks, fewest first: the first set that puts at least
#: ``MIN_LOG_LABELS`` ticks within the axis is used.
LOG_TICK_MANTISSAS = ((1.0,), (1.0, 2.0, 5.0), (1.0, 1.5, 2.0, 3.0, 5.0, 7.0), tuple(range(1, 10)))
MIN_LOG_LABELS = 3


def _label_log_ticks(ax):
    """At least :data:`MIN_LOG_LABELS` labelled ticks on a log y axis, written as plain numbers (``0.005``, not
    ``5 x 10^-3``): matplotlib labels only powers of 10, and a loss within one decade showed one or two labels (the
    demo's MAE panel: ``6 x 10^-2`` and ``10^-1``, found by a student). Axes that span more decades than
    mantissa sets can fill keep matplotlib's own ticks."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

    low, high = ax.get_ylim()
    if not (np.isfinite([low, high]).all() and 0 < low < high):
        return
    decades = range(int(np.floor(np.log10(low))), int(np.ceil(np.log10(high))) + 1)
    for mantissas in LOG_TICK_MANTISSAS:
        ticks = [m * 10.0 ** e for e in decades for m in mantissas if low <= m * 10.0 ** e <= high]
        if len(ticks) >= MIN_LOG_LABELS:
            break
    if not MIN_LOG_LABELS <= len(ticks) <= 9:   # a sliver of a decade: matplotlib labels its minor ticks itself
        return
    ax.yaxis.set_major_locator(FixedLocator(ticks))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _position: f"{value:g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())


#: The fewest characters a legend line is wrapped to (a narrower panel keeps a wider legend).
MIN_LEGEND_CHARS = 16


def _fit_legends(axes):
    """Wrap the labels of each legend wider than its panel (measured on the figure laid out without the legends)
    until the legend fits in it: a band's label such as ``"training: NaN at epochs 16, 18, 20 and 2 more, not
    drawn"`` (8 points, about 3 inches) in a 4.2-inch figure was cut off at its right edge at any dpi, and the
    layout engine squeezed the panel to half the figure's width to make room for it (found by a teacher). The
    labels are wrapped on the lines and bands themselves (``set_label``), so a legend redrawn later keeps them."""
    import textwrap

    panels = list({id(panel): panel for panel in axes}.values())
    fig = panels[0].figure
    legends = [panel.get_legend() for panel in panels]
    for legend in legends:                      # the room each panel has when no legend pushes it aside
        legend.set_visible(False)
    fig.draw_without_rendering()
    rooms = [panel.get_window_extent().width for panel in panels]
    for legend in legends:
        legend.set_visible(True)
    for panel, room in zip(panels, rooms):
        for _ in range(6):
            legend = panel.get_legend()
            fig.draw_without_rendering()
            renderer = fig.canvas.get_renderer()
            pad = 2 * legend.borderaxespad * legend.prop.get_size_in_points() * fig.dpi / 72
            width = legend.get_window_extent(renderer).width
            if width <= room - pad:
                break
            texts = legend.get_texts()
            longest = max(len(line) for text in texts for line in text.get_text().split("\n"))
            widest = max(text.get_window_extent(renderer).width for text in texts)
            # the characters that fit: the text's share of the room, at the widest text's width per character
            chars = int(longest * (widest - (width - room + pad)) / widest) if widest else longest - 1
            chars = max(MIN_LEGEND_CHARS, min(chars, longest - 1))
            if chars >= longest:
                break
            handles, labels = panel.get_legend_handles_labels()
            for artist, label in zip(handles, labels):
                flat = label.replace("\n", " ")
                if len(flat) > chars:
                    artist.set_label(textwrap.fill(flat, chars))
            panel.legend(fontsize=8, handlelength=LEGEND_HANDLELENGTH)
            if chars == MIN_LEGEND_CHARS:
                break


#: Where a legend may go, in the order tried: the first corner that covers the fewest points of the curves wins.
LEGEND_PLACES = ("upper right", "upper left", "lower left", "lower right", "center right", "center left")


def _place_legend(ax):
    """Fix ``ax``'s legend at the first of :data:`LEGEND_PLACES` that covers the fewest points of its curves (each
    segment sampled 50 times), measured in fractions of the Axes, which no dpi changes; where every place covers
    some, the y axis reaches lower, to leave the legend a strip below the curves. matplotlib's ``"best"``
    chose when drawing, in pixels: saved at 100 dpi the legend covered both curves, at 150 dpi it sat lower left
    (found by a student)."""
    fig = ax.figure
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    legend, frame = ax.get_legend(), ax.get_window_extent(renderer)
    box = legend.get_window_extent(renderer)
    pad = legend.borderaxespad * legend.prop.get_size_in_points() * fig.dpi / 72
    w, h, px, py = box.width / frame.width, box.height / frame.height, pad / frame.width, pad / frame.height
    mx, my = 5 * fig.dpi / 72 / frame.width, 5 * fig.dpi / 72 / frame.height     # 5 points: half a marker, more
    t = np.linspace(0.0, 1.0, 50)[:, None]
    points = [np.empty((0, 2))]
    for line in ax.lines:                     # the segments drawn: between two neighbours that both have a place
        with np.errstate(all="ignore"):
            xy = ax.transAxes.inverted().transform(ax.transData.transform(np.asarray(line.get_xydata(), float)))
        points += [a + t * (b - a) for a, b in pairwise(xy) if np.isfinite([a, b]).all()]
        points += [xy[np.isfinite(xy).all(axis=1)]]
    points = np.concatenate(points)
    centre = (1 - h) / 2
    corners = {"upper right": (1 - px - w, 1 - py - h), "upper left": (px, 1 - py - h), "lower left": (px, py),
               "lower right": (1 - px - w, py), "center right": (1 - px - w, centre), "center left": (px, centre)}

    def covered(place):
        x0, y0 = corners[place]
        return int(((points[:, 0] >= x0 - mx) & (points[:, 0] <= x0 + w + mx)
                    & (points[:, 1] >= y0 - my) & (points[:, 1] <= y0 + h + my)).sum())

    best = min(LEGEND_PLACES, key=covered)
    room = h + py + 2 * my                  # the fraction of the Axes that a legend at the bottom takes
    if covered(best) and room < 0.6:        # every place covers a curve: room below them, the same at any dpi
        to_data = ax.transData.inverted().transform
        bottom = to_data(ax.transAxes.transform([(0.0, -room / (1 - room))]))[0, 1]
        ax.set_ylim(bottom=bottom)
        best = "lower left"
    legend.set_loc(best)
