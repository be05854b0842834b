"""Reviewers' findings on the exercise checkers (session 47, fixer 14): each test failed before its fix."""
import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv.exercises import (
    check_conv1d_input_gradient,
    check_conv1d_kernel_gradient,
    check_conv1d_transpose,
    check_logsumexp,
    check_overlap_counts,
)
from tinygradconv.ops import conv


def report_of(checker, fn):
    with pytest.raises(AssertionError) as info:
        checker(fn)
    return str(info.value)


def input_gradient_by_conv1d_backward(g, w, s, input_length):
    dx, _, _ = conv.conv1d_backward(np, g.reshape(1, -1, 1), np.zeros((1, input_length, 1)), w.reshape(-1, 1, 1),
                                    s, 1, 0, 0, 1, need_kernel=False)
    return dx.ravel()


def kernel_gradient_by_conv1d_backward(x, g, k, s):
    _, dw, _ = conv.conv1d_backward(np, g.reshape(1, -1, 1), x.reshape(1, -1, 1), np.zeros((k, 1, 1)), s, 1, 0, 0,
                                    1, need_x=False)
    return dw.ravel()


def input_gradient_by_hand(g, w, s, input_length):
    dx = np.zeros(input_length)
    for n in range(len(g)):
        dx[n * s: n * s + len(w)] += g[n] * w
    return dx


def kernel_gradient_by_hand(x, g, k, s):
    return np.array([sum(g[n] * x[n * s + t] for n in range(len(g))) for t in range(k)])


@pytest.mark.parametrize("checker, answer, right, words", [
    (check_conv1d_input_gradient, input_gradient_by_conv1d_backward, input_gradient_by_hand,
     "computes the input gradient: that is the framework's own code giving the values"),
    (check_conv1d_kernel_gradient, kernel_gradient_by_conv1d_backward, kernel_gradient_by_hand,
     "computes dL/dw with the framework's own code")])
def test_the_gradient_checkers_refuse_the_array_level_conv1d_backward(checker, answer, right, words):
    # before: both passed (their values are the reference's own)
    report = report_of(checker, answer)
    assert report.startswith(f"{checker.__name__}: your function calls the gradient of tinygradconv's conv1d"), report
    assert words in report
    assert checker(right) is True


def test_the_kernel_gradient_checker_still_names_backward():
    def by_backward(x, g, k, s):
        w = tg.tensor(np.zeros((k, 1, 1)), dtype="float64", requires_grad=True)
        y = tg.ops.conv1d(tg.tensor(x.reshape(1, -1, 1), dtype="float64"), w, strides=s)
        y.backward(tg.tensor(g.reshape(1, -1, 1), dtype="float64"))
        return w.grad.numpy().ravel()

    report = report_of(check_conv1d_kernel_gradient, by_backward)
    assert report.startswith("check_conv1d_kernel_gradient: your function calls tinygradconv's backward()"), report


def overlap_by_conv1d_gradient(L, k, s):
    v = tg.tensor(np.zeros((1, (L - 1) * s + max(k, s), 1)), dtype="float64", requires_grad=True)
    tg.ops.conv1d(v, tg.tensor(np.ones((k, 1, 1)), dtype="float64"), strides=s).sum().backward()
    return np.rint(v.grad.numpy().ravel()).astype(int)


def overlap_by_conv1d_forward(L, k, s):
    # the counts, by hand: ones spread s steps apart, then a forward convolution with a kernel of ones over them,
    # padded by k - 1 zeros each side (the docs allow conv1d's forward)
    length = (L - 1) * s + max(k, s)
    spread = np.zeros((L - 1) * s + 1)
    spread[::s] = 1.0
    padded = np.concatenate([np.zeros(k - 1), spread, np.zeros(k - 1 + max(k, s) - k)])
    y = tg.ops.conv1d(tg.tensor(padded.reshape(1, -1, 1), dtype="float64"),
                      tg.tensor(np.ones((k, 1, 1)), dtype="float64")).numpy().ravel()
    return np.rint(y[:length]).astype(int)


def test_the_overlap_checker_refuses_the_counts_as_conv1d_s_gradient():
    report = report_of(check_overlap_counts, overlap_by_conv1d_gradient)
    assert report.startswith("check_overlap_counts: your function calls the gradient of tinygradconv's conv1d"), report


def test_the_overlap_checker_still_takes_conv1d_s_forward():
    assert check_overlap_counts(overlap_by_conv1d_forward) is True


def kernel_gradient_loop_one_tap_short(x, g, k, s):
    dw = np.zeros(k)
    for n in range(len(g)):
        for t in range(k - 1):
            dw[t] += g[n] * x[n * s + t]
    return dw


def kernel_gradient_list_one_tap_short(x, g, k, s):
    return np.array([sum(g[n] * x[n * s + t] for n in range(len(g))) for t in range(k - 1)])


@pytest.mark.parametrize("answer, shown", [(kernel_gradient_loop_one_tap_short, "received: [0.]"),
                                           (kernel_gradient_list_one_tap_short, "shapes differ")])
def test_the_kernel_gradient_checker_names_the_missing_tap(answer, shown):
    # before: "received: [0.]" or "the shapes differ: expected (1,), received (0,)" and no hint (first case: k = 1)
    report = report_of(check_conv1d_kernel_gradient, answer)
    assert shown in report
    assert "your dL/dw leaves out the last tap" in report, report
    assert "range(kernel_size - 1)" in report


def test_the_missing_tap_hint_is_not_given_to_other_wrong_answers():
    report = report_of(check_conv1d_kernel_gradient, lambda x, g, k, s: np.zeros(k))
    assert "last tap" not in report, report


def logsumexp(x):
    xp = x.__array_namespace__()
    m = xp.max(x, axis=-1, keepdims=True)
    return xp.squeeze(m, axis=-1) + xp.log(xp.sum(xp.exp(x - m), axis=-1))


def test_a_result_off_by_a_relative_1e_9_is_not_told_it_is_float32_s_rounding():
    report = report_of(check_logsumexp, lambda x: logsumexp(x) * (1 + 1e-9))
    assert "agree to the digits shown" in report
    assert "about float32's rounding" not in report, report
    assert "at most 1e-09 relative, is far smaller than rounding these values to float32 makes (about 6e-08)" in report


def test_float32_s_rounding_is_told_apart_from_a_relative_1e_9():
    from tinygradconv.exercises.reports import _far_below_float32, _within_float32

    expected = np.random.default_rng(0).standard_normal(10) * 300
    rounded = expected.astype(np.float32).astype(np.float64)       # what a step in float32 leaves
    assert _within_float32(rounded, expected) and _far_below_float32(rounded, expected) is None
    off = expected * (1 + 1e-9)
    assert not _within_float32(off, expected)
    assert _far_below_float32(off, expected) == pytest.approx(1e-9, rel=1e-6)


def test_the_reversed_kernel_hint_says_which_kind_np_convolve_is():
    def transpose_by_np_convolve(x, w, strides):
        z = np.zeros((len(x) - 1) * strides + 1)
        z[::strides] = x
        return np.convolve(z, w[::-1])

    report = report_of(check_conv1d_transpose, transpose_by_np_convolve)
    assert "your values are those of the kernel reversed" in report
    assert "np.convolve reverses its second argument itself: give it w as given" in report, report
