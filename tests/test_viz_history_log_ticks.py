"""plot_history(logy=True): a student read the demo's MAE panel with two tick labels (6 x 10^-2 and 10^-1) and no
sign that the axis was logarithmic. Each log panel now says so and carries at least three labelled ticks, written as
plain numbers, at their true heights; the reference is the axis' own data-to-pixel transform."""
from itertools import pairwise

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from tinygradconv import viz


def labelled_ticks(ax):
    ax.figure.canvas.draw()
    low, high = ax.get_ylim()
    return [(tick, label.get_text()) for tick, label in zip(ax.get_yticks(), ax.get_yticklabels())
            if low <= tick <= high and label.get_text()]


@pytest.mark.parametrize("values", [np.geomspace(0.15, 0.045, 30),        # the demo's MAE: half a decade
                                    np.geomspace(0.04, 0.0035, 30),       # its loss: one decade
                                    np.geomspace(3.0, 1.2, 10)])          # less than half a decade
def test_a_log_panel_within_a_decade_has_three_plain_labels(values):
    fig = viz.plot_history({"mae": values.tolist(), "val_mae": (values * 0.9).tolist()}, logy=True)
    ax = fig.axes[0]
    assert ax.get_yscale() == "log" and ax.get_ylabel() == "mae (log scale)"
    ticks = labelled_ticks(ax)
    assert len(ticks) >= 3, ticks
    for tick, text in ticks:
        assert "10^" not in text and "times" not in text and float(text) == pytest.approx(tick)
    heights = [ax.transData.transform((1, tick))[1] for tick, _ in ticks]
    assert all(b > a for a, b in pairwise(heights))          # in order, bottom to top


def test_many_decades_keep_the_powers_of_ten_and_a_linear_panel_is_unchanged():
    fig = viz.plot_history({"loss": np.geomspace(100.0, 1e-6, 20).tolist()}, logy=True)
    ticks = labelled_ticks(fig.axes[0])
    assert len(ticks) >= 3 and all(np.log10(t) == pytest.approx(round(np.log10(t))) for t, _ in ticks)
    fig = viz.plot_history({"loss": [1.0, 0.5, 0.25]})
    assert fig.axes[0].get_yscale() == "linear" and fig.axes[0].get_ylabel() == "loss"
