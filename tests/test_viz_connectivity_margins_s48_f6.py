"""Tutorial 07's pyramids, viz.plot_connectivity(Sequential([Conv1DTranspose(1, 3, strides=2)] * 2), 4) and the skip
model on 6 steps: no empty band between the title and the top row of cells nor below the bottom row (before s48_f6
about 90 and 70 pixels at 100 dpi, found by a reviewer), the rows as far apart as before (lines still readable)."""
import matplotlib
import pytest

import tinygradconv as tg
from tinygradconv import viz
from tinygradconv.layers import Conv1D, Conv1DTranspose, Input, MaxPooling1D, UpSampling1D
from tinygradconv.models import Sequential

matplotlib.use("Agg")


def skip_model():
    inputs = tg.layers.Input((None, 1))
    transposed = Conv1DTranspose(1, 3, strides=2, padding="same", name="transposed")(inputs)
    return tg.models.Model(inputs, tg.layers.Add(name="add")([transposed, UpSampling1D(2, name="repeat")(inputs)]))


def bands(fig):
    """(inches between the title's bottom and the top of the highest cell, inches below the lowest cell, inches
    between two rows' centres)."""
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    cells = [patch.get_window_extent(renderer) for patch in ax.patches]
    title = fig._suptitle.get_window_extent(renderer)
    top, bottom = max(box.y1 for box in cells), min(box.y0 for box in cells)
    pitch = ax.transData.transform((0, 1))[1] - ax.transData.transform((0, 0))[1]
    return (title.y0 - top) / fig.dpi, bottom / fig.dpi, pitch / fig.dpi


@pytest.mark.parametrize("make, length", [
    (lambda: Sequential([Conv1DTranspose(1, 3, strides=2), Conv1DTranspose(1, 3, strides=2)]), 4),
    (skip_model, 6),
    (lambda: Sequential([Conv1D(1, 3), Conv1D(1, 3), MaxPooling1D(2)]), 16),
    (lambda: Sequential([Input((16, 4)), Conv1D(8, 3), Conv1D(2, 3, strides=2)]), 16),    # a two-line title
])
def test_the_rows_fill_the_figure_and_keep_their_spacing(make, length):
    above, below, pitch = bands(viz.plot_connectivity(make(), length))
    assert 0.0 < above <= 0.35 and 0.0 < below <= 0.3
    assert pitch >= 0.75                       # inches between two rows: room for the lines between them
