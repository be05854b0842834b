"""Session 48, fixer 4: the exercise checkers merged in session 48, after a review (each test failed before its fix)."""
import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv.exercises import check_conv1d_input_gradient, check_resize_overlap
from tinygradconv.exercises.checkers.common import _gather_dropping
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
