"""Tutorial 08's figure, viz.plot_gradient_as_transpose(9, kernel=(1.0, 2.0, -1.0), strides=2): the top panel's zero
line reads as the bottom panel's, a thin black line across the panel, and no stem baseline (before s48_f6 a thick
black segment from the first stem to the last, which the legend of the panel below did not explain)."""
import matplotlib

from tinygradconv import viz

matplotlib.use("Agg")


def zero_lines(ax):
    """The lines of ``ax`` at y = 0 across the whole panel (x from 0 to 1 in Axes coordinates)."""
    return [line for line in ax.get_lines() if list(line.get_ydata()) == [0.0, 0.0]
            and list(line.get_xdata()) == [0, 1] and line.get_transform().contains_branch_seperately(
                ax.transAxes)[0]]


def test_the_top_panels_zero_line_is_drawn_as_the_bottom_panels():
    fig = viz.plot_gradient_as_transpose(9, kernel=(1.0, 2.0, -1.0), strides=2)
    top, bottom = fig.axes[:2]
    (below,) = zero_lines(bottom)
    (above,) = zero_lines(top)
    assert (above.get_color(), above.get_linewidth()) == (below.get_color(), below.get_linewidth())
    stems = top.containers[0]
    assert not stems.baseline.get_visible() or stems.baseline.get_linestyle() == "None"
    low, high = top.get_ylim()
    g = stems.markerline.get_ydata()
    # the zero line and every stem head inside the frame, with room (a head at 0.05 touched the top before)
    assert low + 0.05 * (high - low) <= min(g.min(), 0.0) and max(g.max(), 0.0) <= high - 0.05 * (high - low)
