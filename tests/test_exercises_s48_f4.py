"""Session 48, fixer 4: the exercise checkers merged in session 48, after a review (each test failed before its fix)."""
import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv.exercises import check_conv1d, check_conv1d_input_gradient, check_resize_overlap
from tinygradconv.exercises.checkers.common import _gather_dropping
from tinygradconv.exercises.checkers.convolution import _window_starts_stopped_short
from tinygradconv.ops import conv


def report_of(checker, fn, **kwargs):
    with pytest.raises(AssertionError) as info:
        checker(fn, **kwargs)
    return str(info.value)


# --------------------------------------- the refusal of the convolutions' gradients says "own code" once
def resize_overlap_by_backward(L, size, k):
    # the input gradient of a "same" convolution with a kernel of ones, of a gradient of ones, reversed: the counts
    v = tg.tensor(np.zeros((1, L * size, 1)), dtype="float64", requires_grad=True)
    tg.ops.conv1d(v, tg.tensor(np.ones((k, 1, 1)), dtype="float64"), padding="same").sum().backward()
    return np.rint(v.grad.numpy().ravel()[::-1]).astype(int)


def input_gradient_by_conv1d_backward(g, w, s, input_length):
    dx, _, _ = conv.conv1d_backward(np, g.reshape(1, -1, 1), np.zeros((1, input_length, 1)), w.reshape(-1, 1, 1),
                                    s, 1, 0, 0, 1, need_kernel=False)
    return dx.ravel()


@pytest.mark.parametrize("checker, answer", [(check_resize_overlap, resize_overlap_by_backward),
                                             (check_conv1d_input_gradient, input_gradient_by_conv1d_backward)])
def test_the_gradient_refusal_says_the_framework_s_own_code_once(checker, answer):
    # before: "... which computes the counts (...) with the framework's own code: that is the framework's own code
    # giving the values" (the shared template and the refusal's sentence each said it)
    report = report_of(checker, answer)
    assert "your function calls the gradient of tinygradconv's conv1d" in report, report
    assert report.count("framework's own code") == 1, report
    assert "that is the framework's own code giving the values" in report, report


# ------------------------------------------------------- _gather_dropping refuses a test it does not know
def gather(values, w, strides, length, keep_lower_bound=True, keep_multiple=True):
    # the reference: the gather of a transposed convolution, each test kept or left out as asked, by hand
    y = np.zeros(length)
    for n in range(length):
        for t in range(len(w)):
            if keep_multiple and (n - t) % strides:
                continue
            j = (n - t) // strides
            if j >= len(values) or (keep_lower_bound and j < 0):
                continue
            y[n] += values[j] * w[t]
    return y


def test_gather_dropping_drops_the_test_it_names():
    values, w = np.array([1.0, 2.0, 3.0]), np.array([1.0, 10.0, 100.0])
    np.testing.assert_array_equal(_gather_dropping(values, w, 2, 7, "lower bound"),
                                  gather(values, w, 2, 7, keep_lower_bound=False))
    np.testing.assert_array_equal(_gather_dropping(values, w, 2, 7, "multiple"),
                                  gather(values, w, 2, 7, keep_multiple=False))
    assert not np.array_equal(gather(values, w, 2, 7, keep_multiple=False), gather(values, w, 2, 7))


@pytest.mark.parametrize("dropped", ["lower-bound", "Multiple", "neither", None])
def test_gather_dropping_refuses_an_unknown_test(dropped):
    # before: any other string dropped neither test and returned the right gather, silently
    with pytest.raises(ValueError, match=r"Invalid value for argument dropped: expected one of \('lower bound', "
                                         r"'multiple'\), received"):
        _gather_dropping(np.ones(3), np.ones(2), 2, 6, dropped)


# ---------------------------------------------- check_conv1d: the hints on a loop's steps, confirmed before given
def conv1d_by_hand(x, w, s):
    # the reference: y[n] = sum_t x[n * s + t] w[t], the formula of Keras' Conv1D (padding="valid")
    return np.array([sum(x[n * s + t] * w[t] for t in range(len(w))) for n in range((len(x) - len(w)) // s + 1)])


def too_many_output_steps(x, w, s):
    # the reviewer's answer: the output steps counted as the unstrided windows; y of the right length
    y = np.zeros((len(x) - len(w)) // s + 1)
    for n in range(len(x) - len(w) + 1):
        y[n] = (x[n * s:n * s + len(w)] * w).sum()
    return y


def one_output_step_too_many(x, w, s):
    n_out = (len(x) - len(w)) // s + 1
    y = np.zeros(n_out)
    for n in range(n_out + 1):
        y[n] = np.sum(x[n * s:n * s + len(w)] * w)
    return y


def test_too_many_output_steps_are_not_told_of_window_starts():
    # seed 107's first failing case, x of 3 values, w of 1, strides 2: y[2] is written past the end, as a loop over
    # the window starts 0, 2 writing y[i] does; before: the window-start hint, false for this answer
    x, w = np.array([0.5, 1.0, 2.0]), np.array([3.0])
    with pytest.raises(IndexError, match="index 2 is out of bounds"):
        too_many_output_steps(x, w, 2)
    report = report_of(check_conv1d, too_many_output_steps, seed=107)
    assert "raised IndexError: index 2 is out of bounds" in report, report
    assert "y[i // strides]" not in report and "window starts in x" not in report, report
    assert "your loop fills y's 2 values, each the right one, and then goes on to write past y's end" in report


def test_one_output_step_too_many_is_told_so():
    report = report_of(check_conv1d, one_output_step_too_many)
    assert "raised IndexError" in report and "y[i // strides]" not in report, report
    assert "and then goes on to write past y's end: it runs over more output steps than there are windows" in report


def window_starts_into_a_list(x, w, s):
    # a loop over the window starts in x writing y[i], y a list as long as the output: "list assignment index
    # out of range" names no index
    y = [0.0] * ((len(x) - len(w)) // s + 1)
    for i in range(0, len(x) - len(w) + 1, s):
        y[i] = float(np.dot(x[i:i + len(w)], w))
    return np.array(y)


def test_window_starts_written_into_a_list_get_the_window_start_hint():
    # before: the generic hint on a list written past its end
    x, w = np.arange(7.0), np.ones(2)
    with pytest.raises(IndexError, match="list assignment index out of range"):
        window_starts_into_a_list(x, w, 2)        # 3 windows, starts 0, 2, 4: y[4] is past the end
    report = report_of(check_conv1d, window_starts_into_a_list)
    assert "list assignment index out of range" in report, report
    assert "and your loop writes y[2], past its end" in report, report
    assert "for i in range(0, n, strides)) and write y[i]" in report and "y[i // strides]" in report


def output_index_stepped_by_strides(x, w, s):
    k, out = len(w), (len(x) - len(w)) // s + 1
    y = np.zeros(out)
    for i in range(0, out, s):
        y[i] = x[i * s:i * s + k] @ w
    return y


def window_starts_up_to_the_output_length(x, w, s):
    k, out = len(w), (len(x) - len(w)) // s + 1
    return np.array([x[i:i + k] @ w for i in range(0, out, s)])


def test_the_output_index_stepped_by_strides_is_told_so():
    # by hand: x = 0..8, w = [1, 1], s = 2: windows at 0, 2, 4, 6 give 1, 5, 9, 13; this answer keeps steps 0 and 2
    x, w = np.arange(9.0), np.ones(2)
    assert conv1d_by_hand(x, w, 2).tolist() == [1, 5, 9, 13]
    assert output_index_stepped_by_strides(x, w, 2).tolist() == [1, 0, 9, 0]
    # before: "first difference at index (1,)" alone
    report = report_of(check_conv1d, output_index_stepped_by_strides)
    assert "first difference at index (1,)" in report, report
    assert "your result has the right value at every strides-th output step, n = 0, 2, 4, ..., and zeros" in report
    assert "for n in range(len(y))" in report


def test_window_starts_stepped_up_to_the_output_length_are_told_so():
    x, w = np.arange(9.0), np.ones(2)
    assert window_starts_up_to_the_output_length(x, w, 2).tolist() == [1, 5]       # the first 2 of [1, 5, 9, 13]
    # before: "the shapes differ: expected (2,), received (1,)" alone
    report = report_of(check_conv1d, window_starts_up_to_the_output_length)
    assert "the shapes differ: expected (2,), received (1,)" in report, report
    assert "your result holds only the first 1 of the 2 values, each right: 1 = ceil(2 / 2)" in report, report
    assert "range(0, len(x) - len(w) + 1, strides)" in report


def one_output_step_short(x, w, s):
    # another mistake: (L - k) // s windows, the + 1 left out; on a case of 2 windows and strides 2 it gives what a
    # loop over range(0, 2, 2) does, the first value alone (check_conv1d's small cases show it on 1 window first)
    return np.array([x[n * s:n * s + len(w)] @ w for n in range((len(x) - len(w)) // s)])


def test_the_short_loop_hints_are_confirmed_on_larger_cases():
    x, w = np.array([0.5, -1.0, 2.0, 4.0]), np.array([3.0, 1.0])       # 2 windows, strides 2: [0.5, 10.0]
    right = conv1d_by_hand(x, w, 2)
    assert right.tolist() == [0.5, 10.0]
    got = one_output_step_short(x, w, 2)
    assert got.tolist() == window_starts_up_to_the_output_length(x, w, 2).tolist() == [0.5]
    assert _window_starts_stopped_short(got, right, 2, one_output_step_short) is None
    assert _window_starts_stopped_short(got, right, 2, window_starts_up_to_the_output_length) is not None
    report = report_of(check_conv1d, one_output_step_short)
    assert "holds only the first" not in report and "every strides-th" not in report, report
    assert check_conv1d(conv1d_by_hand) is True
