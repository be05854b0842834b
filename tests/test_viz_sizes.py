"""A teacher's long inputs: a picture costs what it draws, and a size too large to draw is refused first.

The memory bounds are measured with ``tracemalloc`` (NumPy reports its arrays to it): the peak of everything Python
and NumPy allocate while the picture is made, not a time. The connections drawn are checked against the index
formula written out here, and against the naive references of ``reference_connectivity`` (Keras' formulas).
"""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from helpers import peak_memory
from reference_connectivity import naive_conv, naive_transpose

from tinygradconv import viz
from tinygradconv.__main__ import main
from tinygradconv.layers import Conv1D, Conv1DTranspose
from tinygradconv.models import Sequential

MB = 2 ** 20


def _rows(ax):
    """Per row Axes: the output cells shown whole ``{n: x}`` and the lines ``{(j, n, t): (x_in, x_out)}``."""
    rows = []
    for row in ax.figure.axes:
        first, last = row.window                 # the cells shown whole
        outputs = {int(p.get_gid().split(":")[1]): p.get_x() + p.get_width() / 2 for p in row.patches
                   if (p.get_gid() or "").startswith(("output:", "bias:"))
                   and first <= p.get_x() + p.get_width() / 2 <= last}
        lines = {tuple(map(int, line.get_gid().split(":")[1:])): tuple(line.get_xdata()) for line in row.lines
                 if (line.get_gid() or "").startswith("conn:")}
        rows.append((outputs, lines))
    return rows


# ------------------------------------------------------------------------------------------------ the diagram
@pytest.mark.parametrize("kind, L, k, s, padding", [
    ("conv1d_transpose", 10 ** 7, 3, 2, "same"),
    ("conv1d", 10 ** 7, 5, 3, "same"),
    ("conv1d_transpose", 4000, 4, 3, "valid"),
])
def test_a_long_input_costs_what_is_drawn_and_its_lines_follow_the_index_formula(kind, L, k, s, padding):
    ax, peak = peak_memory(lambda: viz.plot_connectivity(kind, L, k, strides=s, padding=padding))
    assert not isinstance(ax, Exception), ax
    # an L x L matrix of float64 would be 8 L^2 bytes (800 TB at L = 10**7; 128 MB at L = 4000)
    assert peak < 40 * MB, f"{peak / MB:.0f} MB allocated to draw about 72 cells"
    rows = _rows(ax)
    assert len(rows) == 3
    # the index formula, by hand: conv1d's output n reads x[n*s + t - left]; conv1d_transpose's input j lands on
    # the full position j*s + t, output n = that - c_left (paddings and crops from the naive Keras references)
    if kind == "conv1d":
        _, (left, _) = naive_conv(L % (3 * s) + 3 * s, k, s, padding, 1, np.ones(k))   # same padding: L mod s

        def inputs_of(n):
            return {(n * s + t - left, n, t) for t in range(k) if 0 <= n * s + t - left < L}
        n_out = -(-L // s)
    else:
        _, _, c_left = naive_transpose(3, k, s, padding, None, 1, np.ones(k))
        n_out = (L - 1) * s + max(k, s) if padding == "valid" else L * s

        def inputs_of(n):
            return {((n + c_left - t) // s, n, t) for t in range(k)
                    if (n + c_left - t) % s == 0 and 0 <= (n + c_left - t) // s < L}
    drawn_outputs = set()
    for outputs, lines in rows:
        drawn_outputs |= set(outputs)
        for n in outputs:                       # every line into a drawn output cell is drawn in its row
            assert inputs_of(n) <= set(lines), (n, inputs_of(n) - set(lines))
        for j, n, t in lines:                   # and every line drawn is one the formula gives
            assert (j, n, t) in inputs_of(n), (j, n, t)
    assert 0 in drawn_outputs and n_out - 1 in drawn_outputs        # the first and the last outputs are drawn
    assert len(drawn_outputs) < 80
    plt.close(ax.figure)


@pytest.mark.parametrize("kind, L, k, s, padding, op, d", [
    ("conv1d_transpose", 5, 3, 2, "same", None, 1), ("conv1d_transpose", 4, 2, 3, "valid", None, 1),
    ("conv1d_transpose", 4, 3, 3, "valid", 2, 1), ("conv1d_transpose", 6, 2, 1, "same", None, 3),
    ("conv1d_transpose", 30, 5, 1, "valid", None, 2), ("conv1d_transpose", 23, 4, 2, "same", 0, 1),
    ("conv1d", 9, 3, 2, "same", None, 2), ("conv1d", 8, 3, 1, "causal", None, 2), ("conv1d", 64, 7, 2, "same", None, 1),
    ("conv1d", 3, 3, 1, "same", None, 3), ("conv1d", 7, 5, 3, "valid", None, 1),
])
def test_every_connection_is_drawn_once_the_rows_cover_the_signal(kind, L, k, s, padding, op, d):
    """With no row left out, the lines drawn (all rows together) are exactly the non-zero entries of the naive
    reference matrix, each in the right row: one that crosses two rows is in both."""
    kwargs = {"output_padding": op} if kind == "conv1d_transpose" else {}
    ax = viz.plot_connectivity(kind, L, k, strides=s, padding=padding, dilation_rate=d, **kwargs)
    if kind == "conv1d":
        jac, _ = naive_conv(L, k, s, padding, d, np.ones(k))
    else:
        jac, _, _ = naive_transpose(L, k, s, padding, op, d, np.ones(k))
    drawn = set()
    for _, lines in _rows(ax):
        drawn |= {(j, n) for j, n, _ in lines}
    assert drawn == {(int(j), int(n)) for n, j in zip(*np.nonzero(jac))}
    plt.close(ax.figure)


@pytest.mark.parametrize("kwargs, name, value", [
    ({"kernel_size": 10 ** 6}, "kernel_size", "kernel_size=1000000"),
    ({"kernel_size": 3, "dilation_rate": 10 ** 6}, "dilation_rate", "dilation_rate=1000000"),
    ({"kernel_size": 13, "dilation_rate": 2}, "dilation_rate", "k_eff = (k − 1)·d + 1 = 25"),
])
def test_a_kernel_wider_than_the_diagram_is_refused_before_anything_is_made(kwargs, name, value):
    error, peak = peak_memory(lambda: viz.plot_connectivity("conv1d_transpose", 5, **kwargs))
    assert isinstance(error, ValueError)
    assert f"argument `{name}`" in str(error) and value in str(error) and "at most 24" in str(error)
    assert peak < 1 * MB and plt.get_fignums() == []


def test_a_given_axes_holds_one_row_and_refuses_more_than_it_can():
    _, ax = plt.subplots()
    with pytest.raises(ValueError, match=r"input_length=500 with strides=1 makes a diagram 500 cells long.*given "
                                         r"Axes \(at most 150\).*ax=None"):
        viz.plot_connectivity("conv1d", 500, 3, ax=ax)
    assert not ax.patches
    plt.close("all")


# ------------------------------------------------------------------------------------------------ other pictures
@pytest.mark.parametrize("call, message", [
    (lambda: viz.plot_conv_matrix("conv1d", 10 ** 7, 3), r"input_length=10000000 .* \(at most 100 on the long side"),
    (lambda: viz.plot_conv_matrix("conv1d", 5, 10 ** 6, padding="same"), r"kernel_size=1000000 .*at most 100"),
    (lambda: viz.animate_transposed_conv(10 ** 9, 3), r"1000000000 inputs .*at most 20"),
    (lambda: viz.animate_transposed_conv([1.0, 2.0], 10 ** 9), r"at most 20"),
    (lambda: viz.plot_gradient_as_transpose(10 ** 5), r"input_length=100000 .*at most 200"),
    (lambda: viz.plot_gradient_as_transpose(10 ** 7, kernel=(1.0, 2.0)), r"input_length=10000000 .*at most 200"),
    (lambda: viz.plot_model_connectivity(Sequential([Conv1DTranspose(1, 3, strides=2)]), 10 ** 5),
     r"input_length=100000 makes a signal of 200001 steps.*at most 400"),
    (lambda: viz.plot_connectivity(Sequential([Conv1D(1, 3)]), 10 ** 7), r"input_length=10000000 .*at most 400"),
    (lambda: viz.plot_receptive_field(Sequential([Conv1D(1, 3)]), 10 ** 6, 0), r"input_length=1000000 .*at most 400"),
    (lambda: viz.plot_overlap_counts(Sequential([Conv1D(1, 3)]), 10 ** 6), r"input_length=1000000 .*at most 400"),
    (lambda: viz.plot_overlap_counts("conv1d_transpose", 10 ** 6, kernel_size=3), r"output steps.*at most 400"),
], ids=["matrix-long", "matrix-kernel", "animation-inputs", "animation-kernel", "gradient-1e5", "gradient-1e7",
        "model", "model-via-plot_connectivity", "receptive-field", "overlap-model", "overlap-op"])
def test_a_picture_too_large_to_draw_is_refused_before_any_allocation(call, message):
    error, peak = peak_memory(call)
    assert isinstance(error, ValueError), error
    assert "Invalid value for argument `" in str(error)
    assert __import__("re").search(message, str(error)), str(error)
    assert peak < 1 * MB, f"{peak / MB:.1f} MB allocated before refusing"
    assert plt.get_fignums() == []


def test_the_gradient_figure_draws_up_to_its_limit():
    fig = viz.plot_gradient_as_transpose(viz.backward.MAX_GRADIENT_STEPS, kernel=(1.0, -2.0), strides=3)
    assert len(fig.axes[1].patches) == 200
    plt.close(fig)


# ------------------------------------------------------------------------------------------------ the command line
def test_the_command_line_draws_a_long_input_and_refuses_a_huge_matrix_with_a_message(tmp_path, capsys):
    out = tmp_path / "conn.png"
    assert main(["connectivity", "--input-length", "100000000", "-o", str(out)]) == 0
    assert out.stat().st_size > 0
    for extra in (["--matrix"], ["--gif"]):
        path = tmp_path / ("m.gif" if extra == ["--gif"] else "m.png")
        with pytest.raises(SystemExit) as exc:
            main(["connectivity", "--input-length", "100000000", *extra, "-o", str(path)])
        assert exc.value.code == 2
        err = capsys.readouterr().err
        assert "Invalid value for --input-length" in err and "at most" in err
        assert "Traceback" not in err and "MemoryError" not in err and not path.exists()
    plt.close("all")
