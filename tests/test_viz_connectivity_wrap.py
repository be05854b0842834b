"""plot_connectivity when it wraps onto several rows, with many taps, with long indices, and drawing a layer.

Found by students and teachers: a wrapped diagram left a nearly empty last row and did not say where a row was cut
and where it went on; taps 8 apart shared a colour; ``strides=1`` given with a layer was ignored silently (while
``strides=2`` was refused); 7-digit indices were wider than their cells. References are independent of the code
under test: Keras layers' own configuration, the index formula written out here, and the figure as the Agg canvas
renders it.
"""
import itertools
import os

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest

from tinygradconv import viz
from tinygradconv.layers import Conv1D, Conv1DTranspose


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# ---------------------------------------------------------------------------------- an argument given with a layer
OP_FUNCTIONS = [viz.plot_connectivity, viz.connectivity_matrix, viz.tap_matrices, viz.connections,
                viz.conv_matrices, viz.plot_conv_matrix, viz.conv_setting, viz.output_length_formula]


@pytest.mark.parametrize("function", OP_FUNCTIONS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("layer, argument, value, own", [
    (lambda: Conv1D(1, 3, strides=2), "strides", 1, "strides=2"),            # the default value: was ignored
    (lambda: Conv1D(1, 3, strides=2), "strides", 2, "strides=2"),            # the layer's own value
    (lambda: Conv1DTranspose(1, 3, strides=2), "strides", 1, "strides=2"),
    (lambda: Conv1DTranspose(1, 3, strides=2), "padding", "valid", "padding='valid'"),
    (lambda: Conv1DTranspose(1, 3, strides=2), "output_padding", None, "output_padding=None"),
    (lambda: Conv1D(1, 3, dilation_rate=2), "dilation_rate", 1, "dilation_rate=2"),
    (lambda: Conv1D(1, 3), "kernel_size", None, "kernel_size=3"),
])
def test_an_op_argument_given_with_a_layer_is_refused_whatever_its_value(function, layer, argument, value, own):
    layer = layer()
    with pytest.raises(ValueError) as info:
        function(layer, 6, **{argument: value})
    message = str(info.value)
    assert message.startswith(f"Invalid value for argument `{argument}`: {argument}={value!r} given with a "
                              f"{type(layer).__name__} layer would be ignored: the layer's own {own} is used")
    assert isinstance(info.value, TypeError)              # what it was before, for code that caught that
    assert plt.get_fignums() == []                         # refused before anything is drawn


def test_conv1d_has_no_output_padding_to_give():
    with pytest.raises(ValueError, match=r"`output_padding`: output_padding=0 given with a Conv1D layer would be "
                                         r"ignored: a Conv1D has no output_padding \(its settings: kernel_size=3"):
        viz.plot_connectivity(Conv1D(1, 3), 6, output_padding=0)


def test_a_layer_with_its_arguments_left_out_is_drawn_with_its_own_settings_as_keras_reads_them():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    ours = Conv1DTranspose(1, 4, strides=2, padding="same")
    reference = keras.layers.Conv1DTranspose(1, 4, strides=2, padding="same").get_config()
    ax = viz.plot_connectivity(ours, 5)
    assert (f"k={reference['kernel_size'][0]}, strides={reference['strides'][0]}, "
            f"padding={reference['padding']!r}") in ax.get_title()
    # the signature still reads as the op's defaults
    import inspect
    defaults = {name: p.default for name, p in inspect.signature(viz.plot_connectivity).parameters.items()}
    assert repr(defaults["strides"]) == "1" and repr(defaults["padding"]) == "'valid'"
    # and the op's arguments given with "conv1d" keep working at their default values
    assert viz.connectivity_matrix("conv1d", 4, kernel_size=2, strides=1, padding="valid",
                                   dilation_rate=1).astype(int).tolist() == [[1, 1, 0, 0], [0, 1, 1, 0],
                                                                             [0, 0, 1, 1]]


# ---------------------------------------------------------------------------------------------- helpers on a figure
def _rows(ax):
    """The figure's rows (Axes), top to bottom."""
    return sorted(ax.figure.axes, key=lambda row: -row.get_position().y0)


def _cells(row):
    """``{(category, index): x}`` of a row's cells that have an index (inputs and outputs)."""
    cells = {}
    for patch in row.patches:
        category, _, index = (patch.get_gid() or "").partition(":")
        if category in ("input", "unread", "output", "bias") and index:
            cells[("top" if category in ("input", "unread") else "bottom", int(index))] = \
                patch.get_x() + patch.get_width() / 2
    return cells


def _gids(row, prefix):
    return {line.get_gid() for line in row.lines if (line.get_gid() or "").startswith(prefix)}


def _notes(row):
    return {text.get_gid() for text in row.texts if (text.get_gid() or "").startswith("continues:")}


# ---------------------------------------------------------------------------------------------- wrapping
def test_the_reported_wrap_is_balanced_and_marks_its_cut():
    # conv1d_transpose L=5, k=12, s=2: the direct convolution's input has (L - 1)·s + 1 = 9 cells (inputs and the
    # zeros between them) and k - 1 = 11 padding cells on each side: 31 cells, which made rows of 24 and 7
    L, k, s = 5, 12, 2
    total = (L - 1) * s + 1 + 2 * (k - 1)
    ax = viz.plot_connectivity("conv1d_transpose", L, kernel_size=k, strides=s)
    rows = _rows(ax)
    counts = [sum(1 for p in row.patches if p.get_y() > 1.0) for row in rows]     # the top row's cells
    assert sum(counts) == total == 31 and sorted(counts) == [15, 16]
    # every output is drawn once, in the row that holds its cell
    outputs = [n for row in rows for (where, n) in _cells(row) if where == "bottom"]
    assert sorted(outputs) == list(range((L - 1) * s + k))                         # N = (L-1)·s + k = 20
    # the notes: the first row continues below, the second is continued from above
    assert _notes(rows[0]) == {"continues:out"} and _notes(rows[1]) == {"continues:in"}


def _check_cut_markers(ax):
    """Each line whose two ends lie in different rows has a marker at the cut of each row it crosses, on the line;
    no line with both ends in its row has one."""
    rows = _rows(ax)
    where = {}                                                  # ("top", j) -> (row number, x)
    for r, row in enumerate(rows):
        where.update({cell: (r, x) for cell, x in _cells(row).items()})
    checked = 0
    for r, row in enumerate(rows):
        first, last = row.window
        markers = {line.get_gid(): line for line in row.lines if (line.get_gid() or "").startswith("cut:")}
        for gid in _gids(row, "conn:"):
            j, n = map(int, gid.split(":")[1:3])
            (r_in, x_in), (r_out, x_out) = where.get(("top", j), (None, None)), where.get(("bottom", n), (None, None))
            if r_in is None or r_out is None:
                continue                                         # an end in the cells left out
            out_here = max(r_in, r_out) > r                      # the line goes on in a later row
            in_here = min(r_in, r_out) < r                       # it comes from an earlier one
            assert (f"cut:out:{gid}" in markers) == out_here, (r, gid)
            assert (f"cut:in:{gid}" in markers) == in_here, (r, gid)
            for side, edge, present in (("out", last + 0.5, out_here), ("in", first - 0.5, in_here)):
                if present:                                      # at the cut, on the line from top to bottom cell
                    marker = markers[f"cut:{side}:{gid}"]
                    x, y = marker.get_xdata()[0], marker.get_ydata()[0]
                    top, bottom = 2.0 - 0.42, 0.0 + 0.42
                    assert x == pytest.approx(edge)
                    assert y == pytest.approx(top + (bottom - top) * (edge - x_in) / (x_out - x_in))
                    assert marker.get_marker() == ">"
                    checked += 1
    return checked


@pytest.mark.parametrize("args, kwargs", [
    (("conv1d_transpose", 5), {"kernel_size": 12, "strides": 2}),                 # the report
    (("conv1d", 40), {"kernel_size": 5, "strides": 2, "padding": "same"}),
    (("conv1d", 64, 7), {"strides": 2, "padding": "same"}),                        # three rows
    (("conv1d_transpose", 23, 4), {"strides": 2, "padding": "same", "output_padding": 0}),
])
def test_every_line_that_crosses_a_cut_is_marked_at_the_cut_of_each_row(args, kwargs):
    ax = viz.plot_connectivity(*args, **kwargs)
    assert _check_cut_markers(ax) > 0


def test_a_marker_has_the_colour_of_its_line():
    ax = viz.plot_connectivity("conv1d_transpose", 5, kernel_size=12, strides=2)
    for row in _rows(ax):
        lines = {line.get_gid(): line for line in row.lines}
        for gid, marker in lines.items():
            if gid.startswith("cut:"):
                assert marker.get_color() == lines[gid.split(":", 2)[2]].get_color()


def test_rows_beside_the_left_out_cells_are_not_marked_as_continuing():
    """Found by a reviewer: with the middle rows left out, the row before the ellipsis said "continues below" and
    the last row "continued from above", though the cells between them are not drawn. Only a row that the next one
    really continues is marked, and only there do lines end in triangles."""
    ax = viz.plot_connectivity("conv1d", 2_000_000, kernel_size=3)
    rows = _rows(ax)
    assert [_notes(row) for row in rows] == [{"continues:out"}, {"continues:in"}, set()]
    sides = [{gid.split(":")[1] for gid in _gids(row, "cut:")} for row in rows]
    assert sides == [{"out"}, {"in"}, set()]


def test_one_row_has_no_cut():
    ax = viz.plot_connectivity("conv1d", 10, kernel_size=3)
    assert len(ax.figure.axes) == 1 and not _gids(ax, "cut:") and not _notes(ax)


@pytest.mark.parametrize("args, kwargs", [
    (("conv1d_transpose", 5), {"kernel_size": 12, "strides": 2}),
    (("conv1d", 2_000_000), {"kernel_size": 3}),
    (("conv1d", 64, 7), {"strides": 2, "padding": "same"}),
])
def test_every_row_has_the_same_scale(args, kwargs):
    fig = viz.plot_connectivity(*args, **kwargs).figure
    fig.canvas.draw()
    # pixels per cell, and per unit of height, from the rows' transforms
    scales = [(row.transData.transform((1, 1)) - row.transData.transform((0, 0))) for row in fig.axes]
    assert len(scales) > 1
    assert np.ptp([x for x, _ in scales]) < 0.01 and np.ptp([y for _, y in scales]) < 0.01, scales


@pytest.mark.parametrize("cells", range(29, 73))
def test_balanced_rows_differ_by_one_cell_at_most(cells):
    from tinygradconv.viz.connectivity import ROW_CELLS, _windows

    rows, left_out = _windows(0, cells - 1)
    lengths = [round(b - a) + 1 for a, b in rows]
    assert left_out == 0 and sum(lengths) == cells and max(lengths) - min(lengths) <= 1
    assert len(rows) == -(-cells // ROW_CELLS) and max(lengths) <= ROW_CELLS
    assert [a for a, _ in rows[1:]] == [b + 1 for _, b in rows[:-1]]              # contiguous, in order


# ---------------------------------------------------------------------------------------------- many taps
def _tap_labels(fig):
    return {int(text.get_gid().split(":")[1]): text for row in fig.axes for text in row.texts
            if (text.get_gid() or "").startswith("tap:")}


@pytest.mark.parametrize("args, kwargs, k", [
    (("conv1d_transpose", 5), {"kernel_size": 12, "strides": 2}, 12),             # the report
    (("conv1d", 30), {"kernel_size": 24}, 24),                                    # the widest kernel drawn
    (("conv1d", 20), {"kernel_size": 9, "dilation_rate": 2}, 9),                  # one row
    (("conv1d_transpose", 8, 9), {"strides": 2, "padding": "same"}, 9),
])
def test_every_tap_of_a_large_kernel_is_told_apart(args, kwargs, k):
    from matplotlib.colors import to_hex

    ax = viz.plot_connectivity(*args, **kwargs)
    fig = ax.figure
    lines = {}                                                   # t -> (colour, dash pattern) of its lines
    for row in fig.axes:
        for line in row.lines:
            if (line.get_gid() or "").startswith("conn:"):
                t = int(line.get_gid().split(":")[3])
                dashes = str(line._unscaled_dash_pattern)               # (offset, on-off lengths): the pattern
                lines.setdefault(t, set()).add((to_hex(line.get_color()), dashes))
    assert sorted(lines) == list(range(k)) and all(len(styles) == 1 for styles in lines.values())
    styles = [lines[t].pop() for t in range(k)]
    assert len(set(styles)) == k                                 # no two taps share colour and dash pattern
    assert styles[0][0] == styles[8][0] and styles[0][1] != styles[8][1]     # the palette's 8 colours repeat...
    # ... so each tap's number is written at the end of its line, in one whole window (the lines fan out there)
    labels = _tap_labels(fig)
    assert sorted(labels) == list(range(k)) and all(text.get_visible() for text in labels.values())
    windows = set()
    conv = args[0] == "conv1d"
    for t, text in labels.items():
        assert text.get_text() == f"t{t}"
        assert to_hex(text.get_bbox_patch().get_edgecolor()) == styles[t][0]          # framed in its colour
        x = text.get_position()[0]
        ends = []
        for line in text.axes.lines:
            gid = line.get_gid() or ""
            if gid.startswith("conn:") and gid.endswith(f":{t}"):
                x_end = line.get_xdata()[0 if conv else 1]        # conv1d: the input end; transposed: the output end
                if x_end == pytest.approx(x):
                    ends.append(tuple(map(int, gid.split(":")[1:3])))
        assert ends, t
        windows.add(frozenset(n if conv else j for j, n in ends))
    # one window: a conv1d's output n (every label at one of its lines), a conv1d_transpose's input j
    assert len(set.intersection(*map(set, windows))) >= 1
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = [(text.axes, text.get_bbox_patch().get_window_extent(renderer)) for text in labels.values()]
    assert not any(a.overlaps(b) for (ra, a), (rb, b) in itertools.combinations(boxes, 2) if ra is rb)


def test_eight_taps_or_fewer_need_no_numbers():
    fig = viz.plot_connectivity("conv1d_transpose", 6, kernel_size=8, strides=2, padding="same").figure
    assert _tap_labels(fig) == {}


# ---------------------------------------------------------------------------------------------- long indices
def _index_labels(fig):
    """The visible index labels: ``(row, index, Text)``."""
    return [(row, int(text.get_text().lstrip("xy")), text) for row in fig.axes for text in row.texts
            if text.get_visible() and text.get_text().lstrip("xy").isdigit() and not text.get_gid()]


@pytest.mark.parametrize("args, kwargs", [
    (("conv1d", 2_000_000), {"kernel_size": 3}),                                   # the report: 7 digits
    (("conv1d_transpose", 10 ** 7, 3), {"strides": 2}),                             # 8 digits
    (("conv1d_transpose", 5, 3), {"strides": 10 ** 6}),
    (("conv1d", 2_000_000, 12), {"dilation_rate": 2}),
    (("conv1d", 10), {"kernel_size": 3}),                                           # short: inside the cells
    (("conv1d", 64, 7), {"strides": 2, "padding": "same"}),
])
@pytest.mark.parametrize("dpi", [72, 100, 150])
def test_no_index_label_overlaps_another_label_or_another_cell(args, kwargs, dpi):
    with matplotlib.rc_context({"figure.dpi": dpi}):
        fig = viz.plot_connectivity(*args, **kwargs).figure
        fig.canvas.draw()                                                           # the Agg canvas
    renderer = fig.canvas.get_renderer()
    labels = _index_labels(fig)
    assert len(labels) >= 18                                  # 10 inputs and 8 outputs, or more
    boxes = [(row, index, text.get_window_extent(renderer)) for row, index, text in labels]
    for (_, _, a), (_, _, b) in itertools.combinations(boxes, 2):
        assert not a.overlaps(b), (a, b)
    for (row, index, box), (_, _, text) in zip(boxes, labels):
        x, y = text.get_position()
        above = y > 1.0                                                             # an input's label
        own = None
        for patch in row.patches:
            cell = (patch.get_gid() or "").partition(":")[2]
            centre = patch.get_x() + patch.get_width() / 2
            is_top = patch.get_y() > 1.0
            extent = patch.get_window_extent(renderer)
            if cell == str(index) and is_top == above and centre == pytest.approx(x):
                own = extent
            elif extent.overlaps(box):
                raise AssertionError(f"label {text.get_text()} covers the cell {patch.get_gid()}")
        assert own is not None, text.get_text()                                     # it names the cell it labels
        inside = own.x0 <= box.x0 and box.x1 <= own.x1 and own.y0 <= box.y0 and box.y1 <= own.y1
        outside = not own.overlaps(box) and (box.y0 >= own.y1 if above else box.y1 <= own.y0)
        assert inside or outside, (text.get_text(), box, own)
    plt.close(fig)


def test_seven_digit_labels_are_written_outside_their_cells_and_short_ones_inside():
    fig = viz.plot_connectivity("conv1d", 2_000_000, kernel_size=3).figure
    long = [text for _, index, text in _index_labels(fig) if index >= 10 ** 6]
    assert len(long) >= 10 and all(text.get_position()[1] not in (0.0, 2.0) for text in long)
    fig = viz.plot_connectivity("conv1d", 10, kernel_size=3).figure
    assert {text.get_position()[1] for _, _, text in _index_labels(fig)} == {0.0, 2.0}        # the cells' centres


def test_the_animation_states_the_length_of_the_row_it_draws():
    """A student read "N = L·s = 4·2 = 8" above the 9 cells of the full output (tutorial 03's animation). While it
    scatters, a frame now gives the full length, F = (L - 1)·s + k_eff, equal to the output cells it draws; the
    last frame gives the op's N, the length conv1d_transpose returns."""
    import re

    import tinygradconv as tg

    anim = viz.animate_transposed_conv([1.0, 2.0, 3.0, 4.0], [1.0, 1.0, 1.0], strides=2, padding="same")
    ax = anim.figure.axes[0]
    frames = anim._save_count                     # the start, one frame per input, the crop
    assert frames == 1 + 4 + 1
    for i in range(frames):
        anim._func(i)
        title = ax.get_title().replace("\n", " ")
        cells = {p.get_gid() for p in ax.patches if (p.get_gid() or "").startswith("output:")}
        if i < frames - 1:
            full = int(re.search(r"full output F = .* = (\d+) cells", title).group(1))
            assert full == len(cells) == (4 - 1) * 2 + 3, title
            assert "the crop keeps N = 8" in title
        else:
            out = tg.ops.conv1d_transpose(tg.tensor(np.ones((1, 4, 1))), tg.tensor(np.ones((3, 1, 1))), strides=2,
                                          padding="same")
            assert f"N = L·s = 4·2 = {out.shape[1]}" in title and "full output F" not in title
    plt.close(anim.figure)

