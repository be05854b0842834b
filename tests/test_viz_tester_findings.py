"""A teacher's review of the pictures: each finding (wrong or misleading information, then readability, then
argument checks) checked from the artists themselves (texts, legend labels, extents on the rendered figure)."""

import itertools

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from figure_check import figure_problems

import tinygradconv as tg
from tinygradconv import viz
from tinygradconv.layers import Conv1D, Conv1DTranspose, UpSampling1D
from tinygradconv.models import Sequential


def _texts(fig):
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def _extent(artist, fig):
    return artist.get_window_extent(fig.canvas.get_renderer())


# ------------------------------------------------------------------------------------------ wrong information
@pytest.mark.parametrize("kind, note", [
    ("conv1d_transpose", "the pattern repeats every input (every s = 2 output cells)"),
    ("conv1d", "the pattern repeats every output (every s = 2 input cells)"),
])
def test_the_left_out_note_says_what_repeats(kind, note):
    ax = viz.plot_connectivity(kind, 40 if kind == "conv1d_transpose" else 80, 7, strides=2, padding="same")
    notes = [t for t in _texts(ax.figure) if "left out" in t]
    assert len(notes) == 1 and note in notes[0]


def test_row_labels_show_dilation_and_padding_and_the_receptive_field_its_steps():
    fig = viz.plot_model_connectivity(Sequential([Conv1D(1, 3, dilation_rate=4)]), 12)
    assert "Conv1D(k=3, s=1, d=4)" in [t.get_text() for t in fig.axes[0].get_yticklabels()]
    fig = viz.plot_model_connectivity(Sequential([Conv1D(1, 5, padding="same"),
                                                  Conv1DTranspose(1, 3, strides=2, output_padding=1)]), 6)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert "Conv1D(k=5, s=1, same)" in labels and "Conv1DTranspose(k=3, s=2, output_padding=1)" in labels
    ax = viz.plot_receptive_field(Sequential([Conv1D(1, 3, dilation_rate=4)]), 12, 0)
    assert "sees 3 input steps (0, 4, 8), by 3 paths in all" in ax.get_title() and "0 to 8" not in ax.get_title()
    ax = viz.plot_receptive_field(Sequential([Conv1D(1, 3)]), 12, 2)
    assert "sees 3 input steps (2 to 4), by 3 paths in all" in ax.get_title()


def _last_frame(anim):
    anim._func(len(anim.partials))                   # frames 0 .. L + 1: the last one crops
    return anim.figure.axes[0]


@pytest.mark.parametrize("args, kwargs, labels", [
    ((3, 3), {"strides": 2, "padding": "valid", "output_padding": 1, "dilation_rate": 2},
     ["1", "2", "3", "bias only (no input)"]),
    (([1.5, -2.0], [1.0, 1.0]), {"strides": 3}, ["1", "bias only (no input)"]),
    ((3, [1.0, -0.5, 0.25]), {"strides": 2, "padding": "same", "output_padding": 0}, ["1", "2", "cropped"]),
])
def test_the_last_frames_legend_lists_what_is_drawn(args, kwargs, labels):
    ax = _last_frame(viz.animate_transposed_conv(*args, **kwargs))
    assert [t.get_text() for t in ax.get_legend().get_texts()] == labels
    hatched = [p for p in ax.patches if p.get_hatch()]
    for text in ax.texts:                            # a label on a hatched cell sits on a white patch
        if any(p.contains_point(ax.transData.transform(text.get_position())) for p in hatched):
            assert text.get_bbox_patch() is not None and text.get_bbox_patch().get_facecolor()[:3] == (1, 1, 1)


def test_backward_frame_zero_shows_the_seed_and_edges_go_around_boxes():
    a = tg.tensor([1.0, 2.0], requires_grad=True)
    a.name = "a"
    b = a * a
    b.name = "b"
    anim = viz.animate_backward((b * 3 + b).sum())
    root = anim.trace.steps[0].node
    assert anim.frame_texts[0][root].splitlines()[-1] == "grad 1"        # as the title says: the seed
    fig = anim.figure
    fig.canvas.draw()
    ax = fig.axes[0]
    boxes = {t.get_gid().split(":")[1]: t.get_bbox_patch().get_window_extent() for t in ax.texts
             if str(t.get_gid()).startswith(("tensor:", "op:"))}
    for edge in (c for c in ax.get_children() if str(c.get_gid()).startswith("edge:")):
        src, dst = edge.get_gid()[5:].split("->")
        points = np.concatenate(edge.arrow_patch.get_path().to_polygons())
        for node, box in boxes.items():
            if node in (src, dst):
                continue
            inside = (points[:, 0] > box.x0 + 2) & (points[:, 0] < box.x1 - 2) & (points[:, 1] > box.y0 + 2) \
                & (points[:, 1] < box.y1 - 2)
            assert not inside.any(), f"edge {src} -> {dst} runs through {node}"


def _skip_model():
    inputs = tg.layers.Input((None, 1))
    transposed = Conv1DTranspose(1, 3, strides=2, padding="same", name="transposed")(inputs)
    repeat = UpSampling1D(2, name="repeat")(inputs)
    return tg.models.Model(inputs, tg.layers.Add(name="add")([transposed, repeat]))


def test_a_branch_layer_draws_its_own_connections_and_the_title_says_what_brackets_are():
    fig = viz.plot_connectivity(_skip_model(), 6)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()][::-1]   # top row first
    assert labels[:4] == ["input", "transposed: Conv1DTranspose(k=3, s=2, same)", "(input again)",
                          "repeat: UpSampling1D(2)"]
    rows = len(labels)
    copy_y, repeat_y = rows - 1 - 2, rows - 1 - 3
    lines = [line for line in fig.axes[0].lines
             if len(line.get_ydata()) == 2 and np.allclose(line.get_ydata(), [copy_y - 0.18, repeat_y + 0.18])]
    assert len(lines) == 12                          # each of the 6 steps repeated twice: 6 -> 12
    title = fig._suptitle.get_text().replace("\n", " ")
    assert "skip connections" not in title and "an input taken from a row further up" in title
    assert fig.skips == [(0, 2), (1, 3)]


def _suptitle(fig):
    return fig._suptitle.get_text().replace("\n", " ")


def test_a_multichannel_model_says_its_channels_are_not_drawn():
    """The picture is the time-step connectivity, the same for every channel pair: a model with several channels
    says so (found by a teacher: Conv1D(3, ...) -> Conv1DTranspose(4, ...) was drawn as a one-channel model)."""
    note = "channels not drawn (Conv1D, Conv1DTranspose: every input channel reaches every output channel)"
    model = Sequential([Conv1D(3, 3, padding="same"), Conv1DTranspose(4, 3, strides=2)])
    assert note in _suptitle(viz.plot_model_connectivity(model, 5))
    x = tg.layers.Input((None, 2))                  # two input channels, no convolution: each channel to itself
    assert "channels not drawn (UpSampling1D: channel c reaches output channel c only)" in _suptitle(
        viz.plot_model_connectivity(tg.models.Model(x, UpSampling1D(2)(x)), 5))
    wide = Sequential([Conv1DTranspose(2, 3, strides=2, padding="same"), Conv1DTranspose(1, 4, strides=2)])
    fig = viz.plot_model_connectivity(wide, 16)     # the path-count matrix
    assert not fig.layer_by_layer
    assert "channels not drawn (Conv1DTranspose: every input channel reaches every output channel)" in \
        fig.axes[0].get_title().replace("\n", " ")
    one = Sequential([Conv1D(1, 3, padding="same"), Conv1DTranspose(1, 3, strides=2)])
    assert "channel" not in _suptitle(viz.plot_model_connectivity(one, 5))


@pytest.mark.parametrize("kind, kwargs, rule", [
    ("conv1d_transpose", {"strides": 2, "output_padding": 2}, "output_padding must be smaller than strides"),
    ("conv1d_transpose", {"strides": 1, "output_padding": 1}, "output_padding must be smaller than strides"),
    ("conv1d_transpose", {"strides": 2, "dilation_rate": 2}, "strides > 1 with dilation_rate > 1 is not allowed"),
    ("conv1d", {"strides": 2, "dilation_rate": 2}, "strides > 1 with dilation_rate > 1 is not allowed"),
])
def test_a_setting_the_keras_layer_refuses_is_drawn_with_a_note(kind, kwargs, rule):
    """The op computes it (as keras.ops); the layer refuses it: the picture says which rule."""
    ax = viz.plot_connectivity(kind, 5, 3, **kwargs)
    title = ax.get_title().replace("\n", " ")
    layer = "Conv1D" if kind == "conv1d" else "Conv1DTranspose"
    assert f"the Keras {layer} layer would refuse this setting" in title and rule in title
    assert rule in ax.get_title().split("\n")                    # the rule whole, on its own line
    assert figure_problems(ax.figure) == []
    fig = viz.plot_conv_matrix(kind, 5, 3, **kwargs)
    assert rule in fig._suptitle.get_text().split("\n")
    assert figure_problems(fig) == []     # conv1d's 1×5 matrix too: its narrow transpose's title and label fit
    if kind == "conv1d_transpose":                  # the GIF's frames say it too
        anim = viz.animate_transposed_conv(4, 3, **kwargs)
        for frame in (0, 5):
            anim._func(frame)
            assert rule in anim.figure.axes[0].get_title().split("\n")


@pytest.mark.parametrize("kind, kwargs", [("conv1d_transpose", {"strides": 2, "output_padding": 1}),
                                          ("conv1d_transpose", {"dilation_rate": 2, "output_padding": 0}),
                                          ("conv1d", {"strides": 2, "padding": "same"})])
def test_a_setting_the_keras_layer_accepts_has_no_note(kind, kwargs):
    assert "refuse" not in viz.plot_connectivity(kind, 5, 3, **kwargs).get_title()


def test_the_command_line_picture_notes_what_the_keras_layer_refuses(tmp_path, monkeypatch):
    from tinygradconv.__main__ import main
    from tinygradconv.viz import connectivity

    titles = []
    monkeypatch.setattr(connectivity, "_save", lambda fig, path: titles.append(fig.axes[0].get_title()))
    assert main(["connectivity", "--strides", "2", "--output-padding", "2", "-o", str(tmp_path / "c.png")]) == 0
    assert "output_padding must be smaller than strides" in titles[0].split("\n")


# ------------------------------------------------------------------------------------------ readability
def _counts_inside_cells(fig):
    ax = fig.axes[0]
    fig.canvas.draw()
    cells = [p for p in ax.patches if isinstance(p, matplotlib.patches.Rectangle)]
    shown = [t for t in ax.texts if t.get_visible() and t.get_text()]
    assert shown
    for text in shown:
        centre = ax.transData.transform(text.get_position())
        cell = next(c for c in cells if c.contains_point(centre))
        box, room = _extent(text, fig), _extent(cell, fig)
        assert room.x0 <= box.x0 and box.x1 <= room.x1, f"count {text.get_text()!r} spills out of its cell"


def test_long_path_counts_stay_inside_their_cells():
    fig = viz.plot_model_connectivity(Sequential([Conv1D(8, 5, padding="same") for _ in range(8)]), 20)
    _counts_inside_cells(fig)
    assert "1.0e5" in _texts(fig) and "rounded" in fig._suptitle.get_text().replace("\n", " ")
    x = tg.layers.Input((None, 4))
    e1 = Conv1D(8, 3, padding="same")(x)
    down = Conv1D(16, 3, strides=2, padding="same")(Conv1D(16, 3, strides=2, padding="same")(e1))
    up = Conv1DTranspose(8, 4, strides=4, padding="same")(down)
    fig = viz.plot_model_connectivity(tg.models.Model(x, tg.layers.Add()([up, e1])), 40)
    _counts_inside_cells(fig)


def test_a_plain_savefig_keeps_the_whole_diagram():
    ax = viz.plot_connectivity("conv1d_transpose", 3, 3, strides=2, padding="same")
    assert figure_problems(ax.figure) == []         # as saved by fig.savefig(path), no bbox_inches
    assert len(ax.get_legend().get_texts()) == 9


@pytest.mark.parametrize("kind, kwargs", [("conv1d", {"strides": 2, "padding": "same"}),
                                          ("conv1d", {"strides": 2, "dilation_rate": 2})])
def test_a_narrow_diagram_keeps_its_title_inside_a_plain_savefig(kind, kwargs):
    """A few cells on the 6-inch minimum width: the first layout pass left the cells as wide as the figure and
    pushed the title out of the top (a longer title, with the Keras note, made it worse)."""
    ax = viz.plot_connectivity(kind, 5, 3, **kwargs)
    assert figure_problems(ax.figure) == []


def test_in_stacked_axes_the_legend_stays_in_its_own_axes():
    fig, axes = plt.subplots(2, 1, figsize=(8, 6))
    viz.plot_connectivity("conv1d_transpose", 3, 3, strides=2, padding="same", ax=axes[0])
    viz.plot_connectivity("conv1d_transpose", 3, 3, strides=2, padding="valid", ax=axes[1])
    fig.canvas.draw()
    legend, title = _extent(axes[0].get_legend(), fig), _extent(axes[1].title, fig)
    assert legend.y0 >= _extent(axes[0], fig).y0 - 1
    assert legend.y0 > title.y1, "the upper legend runs into the lower title"


def test_hatched_cells_keep_their_labels_readable():
    ax = viz.plot_connectivity("conv1d", 8, 3, strides=2, padding="causal")
    (x7,) = [t for t in ax.texts if t.get_text() == "x7"]
    assert x7.get_bbox_patch() is not None and x7.get_bbox_patch().get_facecolor()[:3] == (1, 1, 1)
    assert x7.get_zorder() > max(p.get_zorder() for p in ax.patches)


# ------------------------------------------------------------------------------------------ argument checks
@pytest.mark.parametrize("call, error, words", [
    (lambda: viz.animate_transposed_conv(3, 3, fps=0), ValueError, "`fps`"),
    (lambda: viz.animate_transposed_conv(3, 3, fps=-1, path="never.gif"), ValueError, "`fps`"),
    (lambda: viz.animate_transposed_conv(3, 3, fps="fast"), TypeError, "`fps`"),
    (lambda: viz.animate_transposed_conv("abc", 3), TypeError, "`inputs`"),
    (lambda: viz.animate_transposed_conv([1.0, "x"], 3), ValueError, "`inputs`"),
    (lambda: viz.plot_conv_matrix("conv1d", 5, 3, ax=plt.subplots()[1]), TypeError, "pair of Axes"),
    (lambda: viz.plot_conv_matrix("conv1d", 5, 3, ax=[plt.subplots()[1]]), ValueError, "pair of Axes"),
    (lambda: viz.plot_overlap_counts(Sequential([Conv1D(1, 3)]), 8, strides=2), TypeError, "strides=2"),
    (lambda: viz.plot_gradient_as_transpose(9, kernel=[1, np.nan]), ValueError, "`kernel`"),
    (lambda: viz.plot_gradient_as_transpose(9, kernel=[]), ValueError, "`kernel`"),
    (lambda: viz.plot_connectivity("conv1d", 5, 3, annotate="no"), TypeError, "`annotate`"),
    (lambda: viz.plot_conv_matrix("conv1d", 5, 3, annotate="no"), TypeError, "`annotate`"),
    # Pillow's "unknown file extension: .mp4" did not say that GIF is expected (found by a teacher)
    (lambda: viz.animate_transposed_conv(3, 3, path="a.mp4"), ValueError, "path must end in .gif"),
    (lambda: viz.animate_backward((tg.tensor([1.0], requires_grad=True) * 2).sum(), path="b.txt"), ValueError,
     "path must end in .gif"),
])
def test_bad_arguments_are_named(call, error, words, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(error, match=words.replace("(", r"\(")):
        call()
    assert not list(tmp_path.iterdir())


def _row_names_and_cells(fig):
    """``[(the row's name, the extent of its name, the extent of its first cell)]``, top row first."""
    ax = fig.axes[0]
    fig.canvas.draw()
    cells = [p for p in ax.patches if isinstance(p, matplotlib.patches.Rectangle)]
    rows = []
    for tick, y in zip(ax.yaxis.get_major_ticks(), ax.get_yticks()):
        first = min((c for c in cells if abs(c.get_y() + c.get_height() / 2 - y) < 0.01), key=lambda c: c.get_x())
        rows.append((tick.label1.get_text(), _extent(tick.label1, fig), _extent(first, fig)))
    return rows[::-1]


@pytest.mark.parametrize("layers, length", [
    ([Conv1DTranspose(1, 4, strides=3, padding="same", output_padding=1), Conv1DTranspose(1, 3, dilation_rate=2)], 3),
    ([Conv1DTranspose(1, 3, strides=2), Conv1DTranspose(1, 3, strides=2)], 4),          # tutorial 07's picture
    ([Conv1D(1, 3, strides=2, padding="same"), UpSampling1D(2), Conv1D(1, 2, padding="causal")], 6),
])
def test_each_row_name_sits_next_to_its_own_cells(layers, length):
    """A row narrower than the widest one is centred: its name stood at the far left, cells away from it, and the
    left part of the figure was empty (found by a teacher)."""
    fig = viz.plot_model_connectivity(Sequential(layers), length)
    for name, label, cell in _row_names_and_cells(fig):
        gap = cell.x0 - label.x1
        assert 0 <= gap < cell.width, f"row {name!r}: its name is {gap:.0f} px left of its first cell"
    assert figure_problems(fig) == []


def test_skip_rows_name_sits_next_to_their_cells_too():
    fig = viz.plot_connectivity(_skip_model(), 6)
    for name, label, cell in _row_names_and_cells(fig):
        assert 0 <= cell.x0 - label.x1 < cell.width, name
    assert figure_problems(fig) == []


def test_titles_wrap_between_layer_descriptions_not_inside_one():
    """"Conv1DTranspose(k=3,⏎s=1, d=2)": a line break inside a layer's description (found by a teacher)."""
    model = Sequential([Conv1DTranspose(1, 4, strides=3, padding="same", output_padding=1),
                        Conv1DTranspose(1, 3, strides=1, dilation_rate=2)])
    described = ["Conv1DTranspose(k=4, s=3, same, output_padding=1) ->", "Conv1DTranspose(k=3, s=1, d=2)"]
    for ax in (viz.plot_receptive_field(model, 3, 5), viz.plot_overlap_counts(model, 3)):
        lines = ax.get_title().split("\n")
        assert all(any(line.startswith(text) or line.endswith(text) for line in lines) for text in described), lines
        assert all(line.count("(") == line.count(")") for line in lines), lines
    deep = Sequential([Conv1DTranspose(1, 5, strides=2, padding="same") for _ in range(4)])
    title = viz.plot_model_connectivity(deep, 4).axes[0].get_title()       # the path-count matrix
    assert "path-count matrix P[n, j]" in title and title.count("Conv1DTranspose(k=5, s=2, same)") == 4


def test_in_the_path_count_matrix_one_path_is_not_white_and_the_colour_bar_label_matches_the_text():
    deep = Sequential([Conv1DTranspose(1, 5, strides=2, padding="same") for _ in range(4)])
    fig = viz.plot_model_connectivity(deep, 4)
    assert not fig.layer_by_layer
    image = fig.axes[0].images[0]
    assert image.get_array().max() == 20
    one, none = image.cmap(image.norm(1.0)), image.cmap(image.norm(-1.0))   # no path: drawn as -1, "under"
    assert none[:3] == (1.0, 1.0, 1.0)
    assert 1.0 - min(one[:3]) > 0.15, f"a cell with one path is almost white: {one}"
    bar_label = fig.axes[1].yaxis.label
    assert "white: none" in bar_label.get_text()
    assert bar_label.get_fontsize() == fig.axes[0].xaxis.label.get_fontsize() == 8


def test_a_one_wide_matrix_has_whole_index_ticks():
    """Found by a helper: conv1d's 1×5 matrix had the ticks -0.5, 0, 0.5 on its one-row axis."""
    fig = viz.plot_conv_matrix("conv1d", 5, 3, strides=2, dilation_rate=2)
    row_axis, transpose = fig.axes[0].yaxis, fig.axes[1]
    assert list(row_axis.get_majorticklocs()) == [0]
    assert list(transpose.xaxis.get_majorticklocs()) == [0]
    assert transpose.get_title() == "its transpose:\nT = Cᵀ, 5×1"



# ----------------------------------------------------------------------------------- a second student's pass
def _legend_styles(legend):
    """(label, linestyle, marker, marker face colour) of each line swatch of a legend."""
    from matplotlib.colors import to_rgba

    return {text.get_text(): (handle.get_linestyle(), handle.get_marker(), to_rgba(handle.get_markerfacecolor()))
            for text, handle in zip(legend.get_texts(), legend.legend_handles)}


def _assert_train_and_val_swatches_differ(legend):
    styles = _legend_styles(legend)
    train, val = styles["training"], styles["validation"]      # a panel's title names its one metric
    # the same colour and, with <= 30 epochs, markers on both: the dashes alone told them apart, and a marker in
    # a 2-font-size swatch hid them; now the markers differ too, and the swatch is long enough for the dashes
    assert train[1:] != val[1:], styles
    assert legend.handlelength >= 3.0


def test_plot_history_tells_training_from_validation_in_the_legend():
    fig = viz.plot_history({"loss": [1.0, 0.5, 0.25, 0.2], "val_loss": [1.1, 0.7, 0.5, 0.45]})
    _assert_train_and_val_swatches_differ(fig.axes[0].get_legend())
    lines = {line.get_gid(): line for line in fig.axes[0].lines}
    assert lines["train:loss"].get_marker() == "o" and lines["val:loss"].get_marker() == "s"
    assert lines["train:loss"].get_color() == lines["val:loss"].get_color()     # one colour per metric, as before
    plt.close(fig)
    fig = viz.plot_history({"loss": np.linspace(1, 0, 40), "val_loss": np.linspace(1.1, 0.1, 40)})
    assert [line.get_marker() for line in fig.axes[0].lines] == ["None", "None"]   # many epochs: lines only
    plt.close(fig)


def test_the_signal_upsampler_figure_tells_training_from_validation(tmp_path, monkeypatch):
    """The example redraws the legend after adding the linear-interpolation line: it keeps the long swatches."""
    import runpy
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "examples" / "signal_upsampler.py"
    monkeypatch.setattr(sys, "argv", [str(script), "--fast", "--out", str(tmp_path)])
    before = set(plt.get_fignums())
    runpy.run_path(str(script), run_name="__main__")
    (number,) = set(plt.get_fignums()) - before
    fig = plt.figure(number)
    for row in range(2):
        _assert_train_and_val_swatches_differ(fig.axes[2 * row].get_legend())
    # the signal panels' legend covered the signal (steps 60-90), in 7-point text saved at 100 dpi (~10 pixels):
    # one legend now, beside the panels, its text at least 20 pixels high in the saved PNG
    from PIL import Image

    renderer = fig.canvas.get_renderer()
    (legend,) = fig.legends
    box = legend.get_window_extent(renderer)
    for ax in fig.axes:
        assert not box.overlaps(ax.get_window_extent(renderer)), ax.get_title()
    for row in range(2):
        assert fig.axes[2 * row + 1].get_legend() is None and fig.axes[2 * row + 1].get_ylabel()
    with Image.open(tmp_path / "signal_upsampler.png") as image:
        dpi = image.info["dpi"][0]
    assert min(text.get_fontsize() for text in legend.get_texts()) * dpi / 72 >= 20
    plt.close(fig)


@pytest.mark.parametrize("weights", [["a", "b", "c"], ["1", "2", "3"], [1.0, [2.0, 3.0], 4.0], [1j, 2.0, 3.0]],
                         ids=["letters", "digits_as_text", "ragged", "complex"])
@pytest.mark.parametrize("draw", [viz.plot_connectivity, viz.plot_conv_matrix, viz.connectivity_matrix],
                         ids=lambda f: f.__name__)
def test_weights_that_are_not_real_numbers_are_refused_by_name(draw, weights):
    """``weights=["a", "b", "c"]`` raised NumPy's 'could not convert string to float: 'a'' (no argument named);
    text of digits and complex numbers (imaginary part dropped, with a warning) were taken as numbers."""
    with pytest.raises(ValueError) as info:
        draw("conv1d", 5, 3, weights=weights)
    assert str(info.value) == ("Invalid value for argument `weights`. Expected None, 3 real numbers (kernel_size=3), "
                               f"or 'kernel' with a layer. Received weights={weights!r}")
    plt.close("all")


@pytest.mark.parametrize("argv, message", [
    (["--kind", "conv1d", "--kernel-size", "5", "--input-length", "2"],
     "conv1d(--input-length 2, --kernel-size 5, --strides 1, --padding valid, --dilation-rate 1) has an empty output"),
    (["--kind", "conv1d", "--kernel-size", "3", "--dilation-rate", "2", "--input-length", "4"],
     "conv1d(--input-length 4, --kernel-size 3, --strides 1, --padding valid, --dilation-rate 2) has an empty output"),
])
def test_the_cli_names_a_setting_by_its_options(argv, message, capsys, tmp_path):
    """The empty-output error mixed notations: 'conv1d(L=2, k=5, --strides 1, --padding 'valid', ...) ... choose a
    longer input_length'. From the command line every value is named by the option that sets it."""
    import argparse

    from tinygradconv.viz.cli import register

    parser = argparse.ArgumentParser(prog="python -m tinygradconv")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["connectivity", *argv, "-o", str(tmp_path / "x.png")])
    with pytest.raises(SystemExit):
        args.func(args)
    error = capsys.readouterr().err
    assert message in error and error.rstrip().endswith("choose a longer --input-length")
    assert "L=" not in error and "k=" not in error and "input_length" not in error and "'valid'" not in error


def test_gradient_as_transpose_labels_both_y_axes_itself():
    """The y labels were set only in tutorial 08: every caller of the function gets them now."""
    output_panel, input_panel = viz.plot_gradient_as_transpose(9).axes
    assert output_panel.get_ylabel() == r"$g_n = \partial L / \partial y_n$"
    assert input_panel.get_ylabel() == r"$\partial L / \partial x_j$"


@pytest.mark.parametrize("kwargs, error, words", [
    ({"dpi": 0}, ValueError, r"`dpi`.*dots per inch from 10 to 600.*Received dpi=0"),
    ({"dpi": -5}, ValueError, r"`dpi`.*Received dpi=-5"),
    ({"dpi": 1}, ValueError, r"`dpi`.*Received dpi=1"),           # matplotlib grabbed no frame: IndexError
    ({"dpi": 3000}, ValueError, r"`dpi`.*Received dpi=3000"),     # Pillow: a "decompression bomb", after 96 s
    ({"dpi": "x"}, TypeError, r"`dpi`"),
    ({"fps": 0.001}, ValueError, r"`fps`.*from 0\.01 \(a GIF frame lasts at most 655 s\).*Received fps=0\.001"),
    ({"fps": 1000}, ValueError, r"`fps`.*to 50 \(browsers play shorter frames slower\).*Received fps=1000"),
    ({"fps": float("nan")}, ValueError, r"`fps`"),
    ({"fps": float("inf")}, ValueError, r"`fps`"),
])
def test_save_gif_refuses_a_bad_dpi_or_fps_by_name_before_writing(tmp_path, kwargs, error, words):
    """matplotlib's IndexError (dpi 0), Pillow's OverflowError (fps 0.001) and "cannot convert float NaN to
    integer" came from inside, and fps=inf was written (found by a tester); nothing is left on disk."""
    anim = viz.animate_transposed_conv([1.0, 2.0], [1.0, 1.0])
    with pytest.raises(error, match=words):
        viz.save_gif(anim, tmp_path / "x.gif", **kwargs)
    assert list(tmp_path.iterdir()) == []
    for fps, dpi in ((0.01, 10), (50, 40)):                        # both ends
        assert viz.save_gif(anim, tmp_path / "ok.gif", fps=fps, dpi=dpi).read_bytes()[:6] == b"GIF89a"
    from PIL import Image

    with Image.open(tmp_path / "ok.gif") as gif:                   # 50 fps: 20 ms a frame, as written
        assert gif.info["duration"] == 20


def test_many_metrics_wrap_into_rows_and_long_names_into_lines():
    """Five metrics made one row 21 inches wide, and legends repeating a long metric name ran wider than their
    panel (found by a tester): at most three panels a row, the legend says "training"/"validation" (the title
    names the metric, wrapped after an underscore), and every title and legend stays inside the figure."""
    names = ["loss", "reg_loss", "cls_loss", "cls_sparse_categorical_accuracy", "reg_mean_absolute_error"]
    history = {name: [3.0, 2.0, 1.0] for name in names} | {f"val_{name}": [3.5, 2.5, 1.5] for name in names}
    fig = viz.plot_history(history)
    assert len(fig.axes) == 5 and fig.get_size_inches()[0] <= 3 * 4.2 + 1e-9
    rows = sorted({round(ax.get_position().y0, 3) for ax in fig.axes})
    assert len(rows) == 2
    long_panel = fig.axes[3]
    assert long_panel.get_title() == "cls_sparse_categorical_\naccuracy"
    assert [t.get_text() for t in long_panel.get_legend().get_texts()] == ["training", "validation"]
    fig.canvas.draw()
    inside = fig.bbox.padded(1)
    for ax in fig.axes:
        for artist in (ax.title, ax.get_legend(), ax.yaxis.label):
            box = artist.get_window_extent()
            assert inside.x0 <= box.x0 and box.x1 <= inside.x1 and inside.y0 <= box.y0 and box.y1 <= inside.y1
    shared = viz.plot_history(history, metrics=["loss", "cls_loss"], ax=plt.subplots()[1])
    assert "training cls_loss" in [t.get_text() for t in shared.axes[0].get_legend().get_texts()]
    plt.close("all")


def test_a_wrapped_diagram_draws_every_cell_whole_in_one_row():
    """conv1d_transpose(L=4, k=2, strides=7): the outputs sit half a step off the inputs, and y23, at the end of
    the first row, was cut in two, half there and half at the start of the second (found by a tester). Every output
    cell is now drawn once, whole and unclipped, inside its row's Axes."""
    ax = viz.plot_connectivity("conv1d_transpose", 4, 2, strides=7)
    assert len(ax.figure.axes) == 2                                # two rows of cells
    seen = []
    for row in ax.figure.axes:
        x0, x1 = row.get_xlim()
        for patch in row.patches:
            kind, _, index = (patch.get_gid() or "").partition(":")
            if kind in ("output", "bias"):
                seen.append(int(index))
                assert patch.get_clip_path() is None
                assert x0 <= patch.get_x() and patch.get_x() + patch.get_width() <= x1
    assert sorted(seen) == list(range(28))                         # each of the 28 outputs once
    plt.close(ax.figure)


def test_plot_history_wraps_names_without_underscores_and_takes_a_grid_of_axes():
    """Found by a re-tester: a 60-character name without underscores ran past its panel (its y label over the
    figure's height), and plt.subplots(2, 2)'s array of Axes was refused as a TypeError."""
    name = "averyveryverylongmetricnamewithoutanyunderscoresatallreally"
    history = {"loss": [3.0, 2.0, 1.0], name: [1.0, 2.0, 3.0], "mae": [1.0, 0.5, 0.2], "acc": [0.1, 0.5, 0.9]}
    fig = viz.plot_history(history)
    panel = fig.axes[1]
    assert panel.get_title().replace("\n", "") == name and max(map(len, panel.get_title().split("\n"))) <= 28
    assert panel.get_ylabel() == "value"
    grid_fig, grid = plt.subplots(2, 2)
    assert viz.plot_history(history, ax=grid) is grid_fig
    assert [ax.get_title().split("\n")[0] for ax in grid.ravel()] == ["loss", name[:28], "mae", "acc"]
    plt.close("all")


# --------------------------------------------------------------------------------------- a student's findings
def test_one_epoch_is_ticked_as_a_whole_epoch():
    """``fit(epochs=1)``: the axis ticked 0.945, 0.960, ... around the single point (matplotlib's integer locator
    wants two ticks by default)."""
    ax = viz.plot_history({"loss": [0.5], "val_loss": [0.7]}).axes[0]
    ax.figure.canvas.draw()
    low, high = ax.get_xlim()
    ticks = [t for t in ax.get_xticks() if low <= t <= high]
    assert ticks == [1.0] and [t.get_text() for t in ax.get_xticklabels() if t.get_position()[0] == 1.0] == ["1"]
    plt.close(ax.figure)


def test_log_axis_marks_values_at_or_below_zero_as_not_drawn():
    """With ``logy`` a 0 or a negative value has no place on the axis: matplotlib clipped it, drawing a line that
    fell off the bottom, unmarked; it is now a gap with a band named in the legend, as NaN is."""
    fig = viz.plot_history({"loss": [1.0, 0.0, 0.1, 0.05], "r2": [-0.5, 0.3, 0.5, 0.6]}, logy=True)
    for ax, epoch in zip(fig.axes, (2, 1)):
        assert [p.get_gid() for p in ax.patches] == [f"not_finite:train:{ax.get_title()}:{epoch}"]
        assert (f"training: <= 0 on a log axis at epoch {epoch}, not drawn"
                in [t.get_text().replace("\n", " ") for t in ax.get_legend().get_texts()])   # wrapped to fit (s52)
        line = next(line for line in ax.lines if line.get_gid() == f"train:{ax.get_title()}")
        low = ax.get_ylim()[0]
        drawn = ax.transData.transform(np.column_stack([line.get_xdata(), line.get_ydata()]))   # masked: NaN
        assert np.isnan(drawn[epoch - 1]).any() and low > 0
    assert len(viz.plot_history({"loss": [1.0, 0.0]}).axes[0].patches) == 0      # a linear axis draws 0 as it is
    plt.close("all")


def test_an_empty_receptive_field_has_a_count_axis_from_zero():
    ax = viz.plot_receptive_field(Sequential([Conv1DTranspose(1, 2, strides=4)]), 3, 3)
    assert ax.receptive_field.sum() == 0 and ax.get_ylim() == (0.0, 1.0)
    plt.close(ax.figure)


@pytest.mark.parametrize("call, error, words", [
    (lambda m: viz.plot_receptive_field(m, 4, 1.0), TypeError, r"Invalid type for argument `output_index`.*1\.0"),
    (lambda m: viz.plot_receptive_field(m, 4, None), TypeError, r"Invalid type for argument `output_index`.*None"),
    (lambda m: viz.plot_receptive_field(m, 4, 99), ValueError, r"Invalid value for argument `output_index`.*99"),
    (lambda m: viz.plot_gradient_as_transpose(9, kernel=3), TypeError, r"Invalid type for argument `kernel`.*kernel=3"),
    (lambda m: viz.animate_transposed_conv("abc", 3), TypeError, r"Invalid type for argument `inputs`.*'abc'"),
    (lambda m: viz.animate_transposed_conv([1, np.nan], 2), ValueError, r"Received inputs=\[1\.0, nan\]"),
])
def test_a_wrong_type_is_a_type_error_and_a_bad_value_shows_itself(call, error, words):
    with pytest.raises(error, match=words):
        call(Sequential([Conv1DTranspose(1, 3, strides=2)]))


def test_a_power_is_labelled_with_its_input_not_x():
    """Tutorial 08's graph holds a tensor named ``x``: its op label ``x ** 2`` read as that tensor squared."""
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    ops = [t.get_text() for t in viz.plot_graph(((x - 1.0) ** 2).sum()).texts]
    assert any("pow_scalar\n(·) ** 2" in text for text in ops) and not any("x ** 2" in text for text in ops)
    plt.close("all")


def _folded(kind):
    """A graph that :func:`viz.plot_graph` folds into bands: a chain of 40 ops (``"chain"``), the same with the
    input added at the end (``"skip"``: an edge from the first band into the last), or 30 residual steps
    ``h = 0.5 h + x`` (``"residual"``: many edges from one tensor into every band)."""
    x = tg.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(30 if kind == "residual" else 40):
        y = (y * 0.5) + x if kind == "residual" else (y * 1.01).tanh()
    return ((y + x) if kind == "skip" else y).sum()


@pytest.mark.parametrize("kind", ["chain", "skip", "residual"])
def test_edges_between_the_bands_of_a_folded_graph_pass_over_no_box(kind):
    """The edges from one band of a folded graph to a later one ran across the drawing over the boxes between
    (found by a student); routed along the gaps and gutters, an edge that skipped a band still crossed it at its
    source's height, and routes shared lines or reached into the next row (found by a tester). Now no route passes
    through a box other than its own two, and no two routes run along the same line."""
    from tinygradconv.viz.graph import _GutterRoute

    ax = viz.plot_graph(_folded(kind))
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = {t.get_gid().split(":", 1)[1]: t.get_bbox_patch().get_window_extent(renderer)
             for t in ax.texts if (t.get_gid() or "").startswith(("tensor:", "op:"))}
    routes = {}
    for edge in (t for t in ax.texts if (t.get_gid() or "").startswith("edge:")):
        style = edge.arrow_patch.get_connectionstyle()
        if isinstance(style, _GutterRoute):
            routes[edge.get_gid()] = ax.transData.transform(style.points)                # pixels, as drawn
    assert len(routes) >= (3 if kind == "chain" else 4)
    segments = []
    for gid, corners in routes.items():
        src, dst = gid[len("edge:"):].split("->")
        for (x0, y0), (x1, y1) in itertools.pairwise(corners):
            points = np.column_stack([np.linspace(x0, x1, 50), np.linspace(y0, y1, 50)])
            for name, box in boxes.items():
                if name not in (src, dst):
                    inside = ((points[:, 0] > box.x0) & (points[:, 0] < box.x1)
                              & (points[:, 1] > box.y0) & (points[:, 1] < box.y1))
                    assert not inside.any(), (gid, name)
            segments.append((gid, round(x0, 1), round(y0, 1), round(x1, 1), round(y1, 1)))
    for i, (gid, x0, y0, x1, y1) in enumerate(segments):     # two routes never share a stretch of one line
        for other, u0, v0, u1, v1 in segments[i + 1:]:
            if other == gid:
                continue
            if x0 == x1 and u0 == u1 and x0 == u0:
                assert min(max(y0, y1), max(v0, v1)) - max(min(y0, y1), min(v0, v1)) < 2, (gid, other)
            if y0 == y1 and v0 == v1 and y0 == v0:
                assert min(max(x0, x1), max(u0, u1)) - max(min(x0, x1), min(u0, u1)) < 2, (gid, other)
    plt.close(fig)


def _student_graph():
    """The graph a student drew: folded into two bands, with routes from ``a`` and ``b`` in the left band into ops
    of the right band that also have an input from their own band."""
    x = tg.tensor(np.linspace(0.2, 0.9, 4), dtype="float64", requires_grad=True)
    x.name = "x"
    a = x.tanh()
    a.name = "a"
    b = a * 2
    b.name = "b"
    c = b.exp()
    c.name = "c"
    d = c + x
    d.name = "d"
    e = d * a
    e.name = "e"
    return (e + b).sum()


def _drawn_edges(ax):
    """``[(src, dst, routed, line, tip, head_width)]`` for every edge as drawn, in pixels: the line without its
    arrowhead, the tip of the head and the head's width (its base, from one barb to the other)."""
    from tinygradconv.viz.graph import _GutterRoute

    found = []
    for edge in (t for t in ax.texts if (t.get_gid() or "").startswith("edge:")):
        src, dst = edge.get_gid()[len("edge:"):].split("->")
        line, head = edge.arrow_patch._get_path_in_displaycoord()[0]
        barb, tip, other_barb = head.vertices[:3]
        found.append((src, dst, isinstance(edge.arrow_patch.get_connectionstyle(), _GutterRoute), line, tip,
                      float(np.hypot(*(barb - other_barb)))))
    return found


@pytest.mark.parametrize("graph", ["student", "skip", "residual"])
def test_a_route_between_bands_has_its_own_arrowhead_and_its_own_start(graph):
    """A route from an earlier band joined the edge that entered the same op from its own band just above it, so
    two inputs showed as one arrowhead, and it left its source where the source's own edge left (found by a
    student). Now a route's arrowhead touches its target's box at least one head's width away from every other
    arrowhead there, its line crosses no other edge into that box, and it starts apart from every other edge of
    its source."""
    ax = viz.plot_graph(_student_graph() if graph == "student" else _folded(graph))
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = {t.get_gid().split(":", 1)[1]: t.get_bbox_patch().get_window_extent(renderer)
             for t in ax.texts if (t.get_gid() or "").startswith(("tensor:", "op:"))}
    edges = _drawn_edges(ax)
    routes = [e for e in edges if e[2]]
    assert len(routes) >= (2 if graph == "student" else 4)
    for src, dst, _, line, tip, width in routes:
        box = boxes[dst]
        assert box.x0 - 2 <= tip[0] <= box.x1 + 2 and box.y0 - 2 <= tip[1] <= box.y1 + 2, (src, dst, tip, box)
        others = [e for e in edges if e[1] == dst and e[3] is not line]
        for other_src, _, _, other_line, other_tip, _ in others:
            assert np.hypot(*(tip - other_tip)) >= width, (src, other_src, dst)
            assert not line.intersects_path(other_line, filled=False), (src, other_src, dst)
        start = line.vertices[0]
        for _, other_dst, other_routed, other_line, _, _ in (e for e in edges if e[0] == src and e[3] is not line):
            # a head's width from the edges the source has in its own band; apart from its other routes
            assert np.hypot(*(start - other_line.vertices[0])) >= (1 if other_routed else width), (src, dst, other_dst)
    plt.close(fig)


@pytest.mark.parametrize("dpi", [72, 100, 150])
def test_the_history_legend_covers_no_curve_at_any_dpi(dpi):
    """matplotlib's "best" legend place was chosen when drawing, in pixels: saved at 100 dpi the legend sat over
    both curves between epochs 1 and 2, at 150 dpi lower left (found by a student). Now, at every dpi, no point
    of a curve as drawn (its markers, and its segments sampled) lies under the legend."""
    fig = viz.plot_history({"loss": [1, 0.1, 0.0, 0.01], "val_loss": [1, 0.2, 0.05, 0.0]}, logy=True)
    fig.set_dpi(dpi)
    fig.canvas.draw()
    ax = fig.axes[0]
    legend = ax.get_legend().get_window_extent(fig.canvas.get_renderer())
    t = np.linspace(0, 1, 100)[:, None]
    for line in ax.lines:
        xy = ax.transData.transform(np.asarray(line.get_xydata(), dtype=float))        # pixels, as drawn
        drawn = [xy[np.isfinite(xy).all(axis=1)]]
        drawn += [a + t * (b - a) for a, b in itertools.pairwise(xy) if np.isfinite([a, b]).all()]
        drawn = np.concatenate(drawn)
        under = ((drawn[:, 0] > legend.x0 - 3) & (drawn[:, 0] < legend.x1 + 3)
                 & (drawn[:, 1] > legend.y0 - 3) & (drawn[:, 1] < legend.y1 + 3))
        assert not under.any(), (line.get_gid(), drawn[under][:3], legend)
    plt.close(fig)


def test_a_count_of_kernel_copies_has_one_colour_in_every_animation():
    """The shades were scaled to each animation's largest count: 1 copy was the darkest blue where no cell got 2
    (valid padding, stride 3, k = 2) and a light blue where some did (k = 4, stride 2): found by a student. Now a
    count has the same colour in every animation, and more copies are darker."""
    from matplotlib.colors import to_hex

    from tinygradconv.viz._mpl import relative_luminance

    colour_of = {}
    for kernel, strides in ((2, 3), (4, 2), (5, 1)):
        anim = viz.animate_transposed_conv(4, kernel, strides=strides)
        scattered = 4                                      # frame 4: every input scattered, nothing cropped yet
        anim._func(scattered)
        cells = {p.get_gid(): p for p in anim.figure.axes[0].patches if (p.get_gid() or "").startswith("output:")}
        for q, count in enumerate(anim.counts[scattered]):
            face = to_hex(cells[f"output:{q}"].get_facecolor())
            assert colour_of.setdefault(int(count), face) == face, (kernel, strides, q, count)
        plt.close(anim.figure)
    assert set(colour_of) >= {0, 1, 2, 3, 4}
    lightness = [relative_luminance(colour_of[c]) for c in sorted(colour_of)]
    assert all(a > b for a, b in itertools.pairwise(lightness)), colour_of
