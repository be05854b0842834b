"""Session 48, builder 4: the exercise checkers and the connectivity pictures (each test failed before its fix)."""
import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv.exercises import check_conv1d, check_resize_overlap
from tinygradconv.ops import conv


def report_of(checker, fn):
    with pytest.raises(AssertionError) as info:
        checker(fn)
    return str(info.value)


# ------------------------------------------------- 1. check_resize_overlap refuses the convolutions' gradients
def resize_overlap_by_hand(L, size, k):
    # the independent reference: count the taps of a "same" window (left = (k - 1) // 2, as Keras) landing inside
    n, left = L * size, (k - 1) // 2
    return np.array([sum(1 for t in range(k) if 0 <= i + t - left < n) for i in range(n)])


def resize_overlap_by_backward(L, size, k):
    # the input gradient of a "same" convolution with a kernel of ones, of a gradient of ones, counts the output
    # steps each input step reaches: reversed, the taps that reach each output step (the counts asked)
    v = tg.tensor(np.zeros((1, L * size, 1)), dtype="float64", requires_grad=True)
    tg.ops.conv1d(v, tg.tensor(np.ones((k, 1, 1)), dtype="float64"), padding="same").sum().backward()
    return np.rint(v.grad.numpy().ravel()[::-1]).astype(int)


def resize_overlap_by_array_level_gradient(L, size, k):
    n, left = L * size, (k - 1) // 2
    dx, _, _ = conv.conv1d_backward(np, np.ones((1, n, 1)), np.zeros((1, n, 1)), np.ones((k, 1, 1)), 1, 1, left,
                                    k - 1 - left, 1, need_kernel=False)
    return np.rint(dx.ravel()[::-1]).astype(int)


def resize_overlap_by_transpose_backward(L, size, k):
    # conv1d_transpose's input gradient is a convolution of the gradient: padded by left zeros in front
    # and k - 1 - left behind, that convolution is the "same" one whose counts are asked
    n, left = L * size, (k - 1) // 2
    x = tg.tensor(np.zeros((1, n, 1)), dtype="float64", requires_grad=True)
    y = tg.ops.conv1d_transpose(x, tg.tensor(np.ones((k, 1, 1)), dtype="float64"))
    y.backward(tg.tensor(np.pad(np.ones(n), (left, k - 1 - left)).reshape(1, -1, 1), dtype="float64"))
    return np.rint(x.grad.numpy().ravel()).astype(int)


@pytest.mark.parametrize("answer", [resize_overlap_by_backward, resize_overlap_by_array_level_gradient,
                                    resize_overlap_by_transpose_backward])
def test_the_resize_overlap_checker_refuses_the_convolutions_gradients(answer):
    for L, size, k in [(1, 1, 1), (2, 3, 4), (5, 2, 5), (3, 1, 2)]:     # the answer's values are the right ones
        assert np.array_equal(answer(L, size, k), resize_overlap_by_hand(L, size, k)), (answer, L, size, k)
    report = report_of(check_resize_overlap, answer)
    assert report.startswith("check_resize_overlap: your function calls the gradient of tinygradconv's conv1d or "
                             "conv1d_transpose"), report
    assert "the framework's own code" in report and "Write it with NumPy" in report


def test_the_resize_overlap_checker_still_takes_an_answer_by_hand():
    assert check_resize_overlap(resize_overlap_by_hand) is True


def test_the_resize_overlap_checker_still_takes_conv1d_s_forward():
    # conv1d's forward is open to every answer (as check_overlap_counts takes it): ones convolved with ones
    def by_forward(L, size, k):
        y = tg.ops.conv1d(tg.tensor(np.ones((1, L * size, 1)), dtype="float64"),
                          tg.tensor(np.ones((k, 1, 1)), dtype="float64"), padding="same")
        return np.rint(y.numpy().ravel()).astype(int)
    assert check_resize_overlap(by_forward) is True


# ---------------------------------- 2. check_conv1d names a loop over x's window starts written as output steps
def conv1d_by_hand(x, w, s):
    # the reference: y[n] = sum_t x[n * s + t] w[t], the formula of Keras' Conv1D (padding="valid")
    return np.array([sum(x[n * s + t] * w[t] for t in range(len(w))) for n in range((len(x) - len(w)) // s + 1)])


def conv1d_at_window_starts(x, w, s):
    # y as long as the unstrided output, y[i] written at the window's start i: window n lands at n * s
    y = np.zeros(len(x) - len(w) + 1)
    for i in range(0, len(x) - len(w) + 1, s):
        y[i] = x[i:i + len(w)] @ w
    return y


def conv1d_at_window_starts_len_x(x, w, s):
    y = np.zeros(len(x))
    for i in range(0, len(x), s):
        if i + len(w) <= len(x):
            y[i] = x[i:i + len(w)] @ w
    return y


def conv1d_at_window_starts_into_right_length(x, w, s):
    y = np.zeros((len(x) - len(w)) // s + 1)
    for i in range(0, len(x) - len(w) + 1, s):
        y[i] = x[i:i + len(w)] @ w          # IndexError once i passes len(y)
    return y


def test_window_starts_as_output_steps_land_at_multiples_of_the_stride():
    # what such an answer returns, by hand: window n at index n * s, zeros between (x = 0..6, w = [1, 1], s = 2)
    x, w = np.arange(7.0), np.ones(2)
    assert conv1d_at_window_starts(x, w, 2).tolist() == [1, 0, 5, 0, 9, 0]
    assert conv1d_by_hand(x, w, 2).tolist() == [1, 5, 9]


@pytest.mark.parametrize("answer, shown", [(conv1d_at_window_starts, "the shapes differ"),
                                           (conv1d_at_window_starts_len_x, "the shapes differ"),
                                           (conv1d_at_window_starts_into_right_length, "raised IndexError")])
def test_the_conv1d_checker_names_the_input_index_used_as_output_step(answer, shown):
    # before: the shapes (or the IndexError) with no hint, or a hint on y's length only
    report = report_of(check_conv1d, answer)
    assert shown in report, report
    assert "for i in range(0, n, strides)) and write y[i]" in report, report
    assert "y[i // strides]" in report


def conv1d_too_long_in_order(x, w, s):
    # another mistake: the right windows, in order, in a y as long as the unstrided output (zeros after)
    y = np.zeros(len(x) - len(w) + 1)
    for n in range((len(x) - len(w)) // s + 1):
        y[n] = x[n * s:n * s + len(w)] @ w
    return y


def test_the_window_start_hint_is_not_given_to_other_mistakes():
    # on the first failing case (one window) this answer returns what a loop over window starts does: [y0, 0]
    report = report_of(check_conv1d, conv1d_too_long_in_order)
    assert "the shapes differ" in report
    assert "y[i // strides]" not in report, report
    assert check_conv1d(conv1d_by_hand) is True


# ------------------------------------ 3. a Dense after a channels_first convolution is drawn: it works on the steps
def keras_path_counts(layers, input_length):
    """The path-count matrix of a one-channel Keras model with all-ones kernels and no bias, by perturbation: the
    model is linear, so output step n changes by the number of paths from input step j when x[j] grows by 1."""
    keras = pytest.importorskip("keras")
    model = keras.Sequential([keras.Input((1, input_length)), *layers])
    x = np.zeros((1, 1, input_length), dtype="float32")
    y0 = keras.ops.convert_to_numpy(model(x))[0, 0]
    columns = []
    for j in range(input_length):
        xp = x.copy()
        xp[0, 0, j] = 1.0
        columns.append(keras.ops.convert_to_numpy(model(xp))[0, 0] - y0)
    return np.stack(columns, axis=1)


def keras_ones(kind, *args, **kwargs):
    keras = pytest.importorskip("keras")
    return getattr(keras.layers, kind)(*args, use_bias=False, kernel_initializer="ones", **kwargs)


def dense_after_channels_first_conv():
    from tinygradconv.layers import Conv1D, Dense, Input
    from tinygradconv.models import Sequential
    return Sequential([Input((4, 16)), Conv1D(8, 3, data_format="channels_first"), Dense(5)])


def test_a_dense_after_a_channels_first_conv_is_drawn_as_keras_connects_it():
    # before: TypeError "... such a layer has no connectivity drawn here"
    expected = keras_path_counts([keras_ones("Conv1D", 1, 3, data_format="channels_first"),
                                  keras_ones("Dense", 5)], 16)
    assert expected.shape == (5, 16) and expected[:, 0].tolist() == [1] * 5 and expected[0, 7] == 3
    model = dense_after_channels_first_conv()
    np.testing.assert_array_equal(tg.viz.model_connectivity_matrix(model, 16), expected)
    np.testing.assert_array_equal(tg.viz.overlap_counts(model, 16), expected.sum(axis=1))
    fig = tg.viz.plot_model_connectivity(model, 16)
    np.testing.assert_array_equal(fig.path_matrix, expected)
    labels = " ".join(t.get_text() for ax in fig.axes for t in ax.get_yticklabels())
    assert "Dense(5) over the steps" in labels and "identity across steps" not in labels, labels


def test_a_channels_first_dense_then_a_convolution_is_drawn_as_keras_connects_it():
    from tinygradconv.layers import Conv1D, Dense, Input
    from tinygradconv.models import Sequential
    expected = keras_path_counts([keras_ones("Conv1D", 1, 3, data_format="channels_first"), keras_ones("Dense", 6),
                                  keras_ones("Conv1D", 1, 3, data_format="channels_first")], 16)
    model = Sequential([Input((4, 16)), Conv1D(8, 3, data_format="channels_first"), Dense(6),
                        Conv1D(2, 3, data_format="channels_first")])
    assert expected.shape == (4, 16)
    np.testing.assert_array_equal(tg.viz.model_connectivity_matrix(model, 16), expected)


def test_a_channels_first_dense_keeps_each_channel_alone_as_in_keras():
    # Keras by perturbation: channel c of a channels_first Dense's output reads input channel c only, all its steps
    keras = pytest.importorskip("keras")
    from tinygradconv.viz.model_connectivity import channel_rule
    layer = keras.Sequential([keras.Input((8, 14)), keras.layers.Dense(5)])
    z = np.random.default_rng(0).standard_normal((1, 8, 14)).astype("float32")
    z0 = keras.ops.convert_to_numpy(layer(z))[0]
    for c, step in [(0, 0), (3, 13)]:
        zp = z.copy()
        zp[0, c, step] += 1.0
        changed = np.abs(keras.ops.convert_to_numpy(layer(zp))[0] - z0) > 1e-6
        assert changed[c].all() and not np.delete(changed, c, axis=0).any()
    model = dense_after_channels_first_conv()
    assert channel_rule(model.layers[-1], 14, steps_axis=2) == "same"
    from matplotlib.text import Text
    fig = tg.viz.plot_model_connectivity(model, 16)
    words = " ".join(t.get_text() for t in fig.findobj(Text)).replace("\n", " ")
    assert "Dense: channel c reaches output channel c only" in words, words


def test_a_channels_first_dense_s_jacobian_reaches_every_step_as_in_keras():
    """weights="model": every input step reaches every unit (Keras' perturbation above: all ones), with the values
    of the model's own forward pass.

    This test passed before the change too (the Jacobian route of a Dense after a channels_first convolution
    already worked); it guards that route. The change is covered by the tests above (the path counts, which were
    refused) and the next one (a Dense first, whose kernel was read as (channels, units))."""
    tg.random.set_seed(0)
    model = dense_after_channels_first_conv()
    jacobian = tg.viz.model_connectivity_matrix(model, 16, weights="model")
    assert jacobian.shape == (5, 16) and np.all(jacobian != 0)
    # the reference: the model is affine, so a probe of ones at step j (every channel) changes the outputs, summed
    # over their channels, by column j of the Jacobian
    probes = np.zeros((16, 4, 16))
    probes[np.arange(16), :, np.arange(16)] = 1.0
    base = np.asarray(model(np.zeros((1, 4, 16))).numpy())[0].sum(axis=0)
    forward = np.asarray(model(probes).numpy()).sum(axis=1) - base          # (j, unit)
    np.testing.assert_allclose(jacobian, forward.T, atol=1e-5)


def test_the_jacobian_of_a_channels_first_model_that_starts_with_a_dense_reads_the_channels_from_its_input():
    # before: the Dense's kernel (steps, units) was read as (channels, units): ValueError from the Conv1D
    from tinygradconv.layers import Conv1D, Dense
    from tinygradconv.models import Sequential
    tg.random.set_seed(0)
    model = Sequential([Dense(3), Conv1D(2, 3, data_format="channels_first")])
    model(np.zeros((1, 4, 6)))
    jacobian = tg.viz.model_connectivity_matrix(model, 6, weights="model")
    # the reference: the model is affine, so a probe of ones at step j (every channel) changes the outputs, summed
    # over their channels, by column j of the Jacobian
    probes = np.zeros((6, 4, 6))
    probes[np.arange(6), :, np.arange(6)] = 1.0
    base = np.asarray(model(np.zeros((1, 4, 6))).numpy())[0].sum(axis=0)
    forward = np.asarray(model(probes).numpy()).sum(axis=1) - base          # (j, n)
    np.testing.assert_allclose(jacobian, forward.T, atol=1e-5)
