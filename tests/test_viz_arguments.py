"""Argument checks of the picture API (tester findings): refused with a message, before anything is drawn."""
import math
import os

import numpy as np
import pytest
from helpers import peak_memory

import tinygradconv as tg
import tinygradconv.viz as V
from tinygradconv import layers
from tinygradconv.models import Sequential


def _recorded():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    with V.record_backward() as trace:
        ((x * x).sum() * 3).backward()
    return trace


def test_plot_graph_refuses_a_trace_of_another_tensor():
    trace = _recorded()
    other = (tg.tensor([5.0, 6.0], requires_grad=True) + 1).sum()
    with pytest.raises(ValueError, match=r"`grads`.*another tensor's backward"):
        V.plot_graph(other, grads=trace)


def test_plot_graph_draws_the_trace_of_its_own_tensor():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    loss = (x * x).sum() * 3
    with V.record_backward() as trace:
        loss.backward()
    ax = V.plot_graph(loss, grads=trace)
    assert sum(t.get_gid().startswith("op:") for t in ax.texts) == 3


def test_plot_graph_refuses_an_empty_trace():
    with V.record_backward() as trace:
        pass
    with pytest.raises(ValueError, match="recorded no backward"):
        V.plot_graph(tg.tensor([1.0], requires_grad=True).sum(), grads=trace)


@pytest.mark.parametrize("fontsize, error", [(math.nan, ValueError), ("big", TypeError), (0, ValueError),
                                             (-3, ValueError), (math.inf, ValueError), (True, TypeError)])
def test_fontsize_is_a_finite_positive_number(fontsize, error):
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(error, match=r"`fontsize`.*fontsize="):
        V.plot_graph((x * x).sum(), fontsize=fontsize)
    with pytest.raises(error, match=r"`fontsize`.*fontsize="):
        V.animate_backward((x * x).sum(), fontsize=fontsize)


def test_save_gif_refuses_a_non_animation(tmp_path):
    with pytest.raises(TypeError, match=r"`anim`.*animation.*anim='x'"):
        V.save_gif("x", str(tmp_path / "a.gif"))
    assert not (tmp_path / "a.gif").exists()


def test_to_dot_refuses_a_name_that_is_not_a_string():
    with pytest.raises(TypeError, match=r"`name`.*string.*name=5"):
        V.to_dot(tg.tensor(2.0, requires_grad=True) * 3, name=5)


def _seq():
    return Sequential([layers.Conv1DTranspose(1, 3, strides=2)])


@pytest.mark.parametrize("given", [{"kernel_size": 3}, {"strides": 2}, {"padding": "same"}, {"dilation_rate": 2},
                                   {"output_padding": 1}, {"method": "backward"}, {"strides": 1},
                                   {"method": "forward"}])          # the default values too: they'd be ignored
def test_connectivity_matrix_refuses_op_arguments_with_a_model(given):
    name = next(iter(given))
    with pytest.raises(ValueError, match=rf"Invalid value for argument `{name}`: {name}=.* given with a Sequential "
                                         rf"model would be ignored"):
        V.connectivity_matrix(_seq(), 5, **given)


def test_connectivity_matrix_of_a_model_without_op_arguments():
    assert V.connectivity_matrix(_seq(), 2).shape == (5, 2)


def test_plot_history_uses_the_history_epochs():
    model = Sequential([layers.Input((1,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.ones((4, 1), dtype="float32")
    h = model.fit(x, x, epochs=5, initial_epoch=3, verbose=0, validation_data=(x, x))
    assert list(h.epoch) == [3, 4]
    fig = V.plot_history(h)
    lines = {line.get_gid(): line for line in fig.axes[0].lines}
    assert list(lines["train:loss"].get_xdata()) == [4, 5]
    assert list(lines["val:loss"].get_xdata()) == [4, 5]


def test_plot_history_of_a_dict_counts_epochs_from_one():
    fig = V.plot_history({"loss": [1.0, 0.5, 0.25]})
    assert list(fig.axes[0].lines[0].get_xdata()) == [1, 2, 3]


def test_plot_history_refuses_a_metric_with_no_value():
    with pytest.raises(ValueError, match=r"`history`.*nothing to draw.*'loss'"):
        V.plot_history({"loss": []})


# ------------------------------------------------------------------------------------------ second tester round
def _no_figure():
    import matplotlib.pyplot as plt

    return plt.get_fignums() == []


@pytest.mark.parametrize("kwargs, error, words", [
    ({"fig": "f"}, TypeError, r"`fig`.*Figure.*fig='f'"),
    ({"seed": -1}, ValueError, r"`seed`.*non-negative integer.*seed=-1"),
    ({"seed": 1.5}, ValueError, r"`seed`.*seed=1.5"),
    ({"seed": True}, ValueError, r"`seed`.*not a bool.*seed=True"),
])
def test_plot_gradient_as_transpose_refuses_a_bad_fig_or_seed(kwargs, error, words):
    with pytest.raises(error, match=words):
        V.plot_gradient_as_transpose(**kwargs)
    assert _no_figure()


def test_plot_gradient_as_transpose_seeds_as_the_package_does():
    first, second = V.plot_gradient_as_transpose(seed=3), V.plot_gradient_as_transpose(seed=np.int64(3))
    np.testing.assert_array_equal(first.autograd_grad, second.autograd_grad)
    tg.set_seed(5)
    a = V.plot_gradient_as_transpose(seed=None).autograd_grad
    tg.set_seed(5)
    b = V.plot_gradient_as_transpose(seed=None).autograd_grad     # None: the package's generator, as set_seed set it
    np.testing.assert_array_equal(a, b)


def test_plot_gradient_as_transpose_draws_into_a_given_figure():
    import matplotlib.pyplot as plt

    fig = plt.figure()
    assert V.plot_gradient_as_transpose(fig=fig) is fig and len(fig.axes) == 2


@pytest.mark.parametrize("max_lines, error", [("a", TypeError), (2.5, TypeError), (True, TypeError),
                                              (-1, ValueError)])
def test_plot_model_connectivity_refuses_a_bad_max_lines(max_lines, error):
    with pytest.raises(error, match=rf"`max_lines`.*max_lines={max_lines!r}"):
        V.plot_model_connectivity(_seq(), 3, max_lines=max_lines)
    assert _no_figure()


def test_plot_model_connectivity_refuses_a_fig_that_is_not_a_figure():
    with pytest.raises(TypeError, match=r"`fig`.*Figure.*fig='f'"):
        V.plot_model_connectivity(_seq(), 3, fig="f")
    assert _no_figure()


def test_plot_model_connectivity_max_lines_zero_draws_the_cells_only():
    fig = V.plot_model_connectivity(_seq(), 3, max_lines=0)
    assert len(fig.axes[0].lines) == 0 and len(fig.axes[0].patches) == 3 + 7


@pytest.mark.parametrize("ax", ["a", 5, ["a"]])
def test_plot_history_refuses_an_ax_that_is_not_axes(ax):
    with pytest.raises(TypeError, match=rf"`ax`.*Axes.*ax={ax!r}".replace("[", r"\[").replace("]", r"\]")):
        V.plot_history({"loss": [1.0, 0.5]}, ax=ax)
    assert _no_figure()


@pytest.mark.parametrize("metrics", [5, 2.5, b"loss"])
def test_plot_history_refuses_metrics_that_are_not_names(metrics):
    with pytest.raises(TypeError, match=rf"`metrics`.*metrics={metrics!r}"):
        V.plot_history({"loss": [1.0, 0.5]}, metrics=metrics)
    assert _no_figure()


def test_plot_history_draws_the_metrics_asked_for_into_the_axes_given():
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2)
    assert V.plot_history({"loss": [1.0, 0.5], "mae": [2.0, 1.0]}, metrics=("mae", "loss"), ax=axes) is fig
    assert [ax.get_title() for ax in axes] == ["mae", "loss"]


def _built_two_channel_model():
    model = Sequential([layers.Conv1D(3, 3, padding="same")])
    model(tg.tensor(np.ones((1, 5, 2))))
    return model


def test_model_connectivity_matrix_refuses_an_at_that_is_not_numbers():
    with pytest.raises(TypeError, match=r"`at`.*at='a'"):
        V.model_connectivity_matrix(_built_two_channel_model(), 5, weights="model", at="a")
    with pytest.raises(TypeError, match=r"`at`.*at='a'"):         # before the model is looked at
        V.model_connectivity_matrix(_seq(), 5, weights="model", at="a")
    with pytest.raises(ValueError, match=r"`at`.*finite.*at=\[\['x'"):
        V.model_connectivity_matrix(_built_two_channel_model(), 5, weights="model", at=[["x", 1.0]] * 5)


def test_model_connectivity_matrix_refuses_an_at_of_another_shape():
    model = _built_two_channel_model()
    with pytest.raises(ValueError, match=r"`at`.*shape \(5, 2\).*Received an array of shape \(2, 5\)"):
        V.model_connectivity_matrix(model, 5, weights="model", at=np.ones((2, 5)))     # transposed: 10 numbers too
    with pytest.raises(ValueError, match=r"`at`.*finite"):
        V.model_connectivity_matrix(model, 5, weights="model", at=np.full((5, 2), np.nan))


def test_model_connectivity_matrix_refuses_at_without_the_model_weights():
    with pytest.raises(ValueError, match=r"`at`.*only with weights='model'.*weights=None"):
        V.model_connectivity_matrix(_seq(), 5, at=np.ones((5, 1)))


def test_model_connectivity_matrix_takes_the_jacobian_at_the_point_given():
    model = Sequential([layers.Conv1D(1, 1, activation="relu", use_bias=False, kernel_initializer="ones")])
    model(tg.tensor(np.ones((1, 3, 1))))
    at = np.array([[1.0], [-1.0], [2.0]])
    np.testing.assert_array_equal(V.model_connectivity_matrix(model, 3, weights="model", at=at), np.diag([1, 0, 1]))
    np.testing.assert_array_equal(V.model_connectivity_matrix(model, 3, weights="model", at=at[:, 0]),
                                  np.diag([1, 0, 1]))                 # one channel: the steps alone will do


@pytest.mark.parametrize("save", [
    lambda path: V.animate_transposed_conv(2, 3, path=path),
    lambda path: V.animate_backward((tg.tensor([1.0], requires_grad=True) * 2).sum(), path=path),
    lambda path: V.save_gif(V.animate_transposed_conv(2, 3), path),
], ids=["animate_transposed_conv", "animate_backward", "save_gif"])
def test_an_animation_path_that_is_not_a_path_is_named(save, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(TypeError, match=r"`path`.*Expected a path.*Received 5"):
        save(5)
    assert not list(tmp_path.iterdir())


def test_save_gif_needs_a_path():
    with pytest.raises(TypeError, match=r"`path`.*Expected a path.*Received None"):
        V.save_gif(V.animate_transposed_conv(2, 3), None)


def test_an_animation_is_saved_to_a_bytes_path(tmp_path):
    path = V.save_gif(V.animate_transposed_conv(2, 3), os.fsencode(tmp_path / "a.gif"))
    assert path == tmp_path / "a.gif" and path.read_bytes()[:6] == b"GIF89a"


def _deep_model():
    return Sequential([layers.Conv1DTranspose(1, 3, strides=2), layers.Conv1D(1, 3)])


@pytest.mark.parametrize("call, words", [
    (lambda: V.connectivity_matrix("conv1d", 10 ** 9, kernel_size=3), r"`input_length`.*input_length=1000000000"),
    (lambda: V.connectivity_matrix("conv1d", 10 ** 5, kernel_size=3, method="backward"), r"input_length=100000"),
    (lambda: V.connectivity_matrix("conv1d_transpose", 3, kernel_size=3, strides=10 ** 9),
     r"`strides`: strides=1000000000 makes a 3000000000×3 matrix.*Choose a smaller strides"),
    (lambda: V.connectivity_matrix("conv1d_transpose", 3, kernel_size=10 ** 12), r"`kernel_size`"),
    (lambda: V.connectivity_matrix("conv1d_transpose", 3, kernel_size=3, dilation_rate=10 ** 12),
     r"`dilation_rate`"),
    (lambda: V.tap_matrices("conv1d", 10 ** 6, kernel_size=3), r"input_length=1000000"),
    (lambda: V.connections("conv1d", 10 ** 6, kernel_size=3), r"input_length=1000000"),
    (lambda: V.conv_matrices("conv1d_transpose", 10 ** 5, kernel_size=3), r"input_length=100000"),
    (lambda: V.overlap_counts("conv1d_transpose", 10 ** 6, kernel_size=3), r"input_length=1000000"),
    (lambda: V.model_connectivity_matrix(_deep_model(), 10 ** 6), r"`input_length`.*input_length=1000000"),
    (lambda: V.connectivity_matrix(_deep_model(), 10 ** 6), r"input_length=1000000"),
    (lambda: V.overlap_counts(_deep_model(), 10 ** 6), r"input_length=1000000"),
    (lambda: V.layer_matrices(_deep_model(), 10 ** 6), r"input_length=1000000"),
    (lambda: V.model_connectivity_matrix(_built_two_channel_model(), 10 ** 9, weights="model"),
     r"input_length=1000000000"),
], ids=["conv1d", "backward", "strides", "kernel_size", "dilation_rate", "tap_matrices", "connections",
        "conv_matrices", "overlap_counts", "model", "model-via-connectivity_matrix", "model-overlap_counts",
        "layer_matrices", "model-weights"])
def test_a_matrix_too_large_to_build_is_refused_before_any_allocation(call, words):
    error, peak = peak_memory(call)
    assert isinstance(error, ValueError), error
    assert __import__("re").search(words, str(error)), str(error)
    assert "cells" in str(error) and "GiB" in str(error) and f"{V.connectivity.MAX_MATRIX_CELLS:,}" in str(error)
    assert peak < 1 * 2 ** 20, f"{peak / 2 ** 20:.1f} MB allocated before refusing"


def test_a_model_jacobian_too_large_is_refused_after_one_forward_pass():
    # 20000 output steps: a batch of 20000 inputs of 20000 steps x 2 channels and its gradient (1.6e9 cells), the
    # outputs (20000 x 20000 x 3) and their seed (2.4e9), the result (4e8); the one forward pass that gives the
    # output's length holds about 20000 x 5 values
    error, peak = peak_memory(lambda: V.model_connectivity_matrix(_built_two_channel_model(), 20000, weights="model"))
    assert isinstance(error, ValueError), error
    assert "a batch of 20000 inputs of 20000 steps × 2 channels" in str(error)
    assert "at least 4,400,000,000 float64 cells" in str(error)
    assert peak < 8 * 2 ** 20, f"{peak / 2 ** 20:.1f} MB allocated before refusing"


def test_the_matrix_limit_counts_the_basis_and_the_matrix(monkeypatch):
    # forward: the L basis vectors of length L, then the N x L matrix: 7 * 7 + 5 * 7 = 84 cells at L = 7, k = 3
    monkeypatch.setattr(V.connectivity, "MAX_MATRIX_CELLS", 84)
    assert V.connectivity_matrix("conv1d", 7, kernel_size=3).shape == (5, 7)
    with pytest.raises(ValueError, match=r"at least 112 float64 cells"):                      # 8 * 8 + 6 * 8
        V.connectivity_matrix("conv1d", 8, kernel_size=3)
    # a model: the path matrix of every step (7 + 15 + 13 rows of 7 columns: 245 cells) and every layer's matrix
    # with the basis it is computed from (7 * 7 + 15 * 7 = 154, then 15 * 15 + 13 * 15 = 420): 819 cells at L = 7
    monkeypatch.setattr(V.connectivity, "MAX_MATRIX_CELLS", 819)
    assert V.model_connectivity_matrix(_deep_model(), 7).shape == (13, 7)
    with pytest.raises(ValueError, match=r"at least 1,064 float64 cells"):    # 320 + (64 + 136) + (289 + 255)
        V.model_connectivity_matrix(_deep_model(), 8)


def test_after_backward_freed_the_graph_the_message_says_what_draws_the_trace():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    loss = (x * x).sum()
    with V.record_backward() as trace:
        loss.backward()
    for call in (lambda: V.animate_backward(loss), lambda: V.plot_graph(loss, grads=True)):
        with pytest.raises(RuntimeError) as error:
            call()
        assert "plot_graph(loss, grads=trace)" in str(error.value)
        assert "animate_backward(trace)" in str(error.value)
    assert V.plot_graph(loss, grads=trace).texts                    # what the message says works
    anim = V.animate_backward(trace)
    fresh = tg.tensor([1.0, 2.0], requires_grad=True)
    again = V.animate_backward((fresh * fresh).sum())                 # the same pass, on a graph still there
    assert anim.trace is trace and anim.frame_texts == again.frame_texts and anim.titles == again.titles


def test_animate_backward_refuses_an_empty_trace_or_a_gradient_with_a_trace():
    with V.record_backward() as empty:
        pass
    with pytest.raises(ValueError, match=r"`loss`.*recorded no backward"):
        V.animate_backward(empty)
    trace = _recorded()
    with pytest.raises(ValueError, match=r"`grad`.*trace.*grad=1.0"):
        V.animate_backward(trace, grad=1.0)
    assert _no_figure()


def test_animate_backward_names_loss_when_it_is_neither_a_tensor_nor_a_trace():
    with pytest.raises(TypeError, match=r"`loss`.*Tensor or a BackwardTrace.*Received str"):
        V.animate_backward("loss")
    assert _no_figure()


def test_plot_model_connectivity_max_lines_spreads_its_share_and_says_so():
    """A row with more connections than max_lines drew only the first ones found (the top output steps), and the
    title did not say so: Conv1D(1, 40, "same") on 40 steps drew 400 lines, all from its first ten output steps."""
    from tinygradconv.layers import Conv1D
    from tinygradconv.models import Sequential

    model = Sequential([Conv1D(1, 40, padding="same")])
    model.build((None, 40, 1))
    # "same" with k = 40: 19 zeros on the left, 20 on the right; output n reads inputs n - 19 .. n + 20
    expected = sum(1 for n in range(40) for j in range(40) if n - 19 <= j <= n + 20)
    fig = V.plot_model_connectivity(model, 40, max_lines=100)
    ax = fig.axes[0]
    assert (fig.lines_drawn, fig.lines_in_all) == (100, expected) and len(ax.lines) == 100
    assert f"100 of the {expected} connections drawn" in fig._suptitle.get_text().replace("\n", " ")
    ends = sorted({round(line.get_xdata()[1]) for line in ax.lines})     # the output steps the lines reach
    assert ends[0] <= 1 and ends[-1] >= 38 and len(ends) > 30
    full = V.plot_model_connectivity(model, 40, max_lines=expected)
    assert full.lines_drawn == full.lines_in_all == expected and "connections drawn" not in full._suptitle.get_text()


@pytest.mark.parametrize("logy", ["no", 0, None])
def test_plot_history_refuses_a_logy_that_is_not_a_bool(logy):
    """logy="no" drew a logarithmic axis without a word (Python reads the string as true)."""
    with pytest.raises(TypeError, match=rf"`logy`.*logy={logy!r}"):
        V.plot_history({"loss": [1.0, 0.5]}, logy=logy)
    assert _no_figure()


def test_plot_model_connectivity_max_lines_counts_every_block_of_a_row():
    """Add()([h, h]) reads the row above twice: the budget was per block, so max_lines=10 drew 20 lines there."""
    from tinygradconv.layers import Add, Conv1D, Input
    from tinygradconv.models import Model

    i = Input((30, 1))
    h = Conv1D(1, 3, padding="same")(i)
    fig = V.plot_model_connectivity(Model(i, Add()([h, h])), 30, max_lines=10)
    # the conv row: 30 steps, 3 taps, minus the 2 that meet padding (88); the Add row: twice the identity (60)
    assert fig.lines_in_all == 88 + 60 and fig.lines_drawn == 20 and len(fig.axes[0].lines) >= 20
