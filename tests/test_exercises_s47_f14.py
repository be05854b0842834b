"""Reviewers' findings on the exercise checkers (session 47, fixer 14): each test failed before its fix."""
import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv.exercises import (
    check_conv1d_input_gradient,
    check_conv1d_kernel_gradient,
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
     "computes the input gradient with the framework's own code"),
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
