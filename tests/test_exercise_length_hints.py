"""Hints for the slips a student tester made in the length and finite-difference exercises: each wrong answer is
written out as a student wrote it, and the report must name its slip; the right answers (the docs' solutions) pass
and an unrelated mistake gets none of these hints."""
import math

import numpy as np
import pytest
from test_exercise_hints import report_of
from test_exercises import solution

from tinygradconv.exercises import check_conv_output_length, check_finite_differences, check_output_length


def conv_length(valid=None, same=None):
    """A Conv1D length answer: ``valid(L, k_eff, k, s)`` for "valid" (right by default), ``same(L, s)`` for "same" and
    "causal" (``ceil(L / s)`` by default)."""
    def fn(input_length, kernel_size, strides, padding, dilation_rate):
        span = (kernel_size - 1) * dilation_rate + 1
        if padding == "valid":
            return (valid or (lambda L, k_eff, k, s: max(0, (L - k_eff) // s + 1)))(input_length, span,
                                                                                     kernel_size, strides)
        return (same or (lambda L, s: math.ceil(L / s)))(input_length, strides)
    return fn


TRUNCATED = "int() rounds towards zero, and the count of windows needs floor"
NO_STRIDE = "the stride is missing"
NO_DILATION = "the dilation is missing"
FLOOR_NOT_CEIL = "keeps a last, partial window"
CONV_HINTS = (TRUNCATED, NO_STRIDE, NO_DILATION, FLOOR_NOT_CEIL)


def only(report, hint, hints):
    return hint in report and not any(other in report for other in hints if other != hint)


def test_conv_length_slips_are_named():
    assert check_conv_output_length(conv_length())
    truncated = conv_length(valid=lambda L, k_eff, k, s: max(0, int((L - k_eff) / s) + 1))
    report = report_of(check_conv_output_length, truncated)
    assert only(report, TRUNCATED, CONV_HINTS), report
    assert "(1 - 2) / 2 = -0.5 here, int() of it is 0 but floor is -1" in report      # L=1, k=2, s=2 (hand-checked)
    report = report_of(check_conv_output_length, conv_length(valid=lambda L, k_eff, k, s: max(0, L - k_eff + 1)))
    assert only(report, NO_STRIDE, CONV_HINTS), report
    report = report_of(check_conv_output_length, conv_length(valid=lambda L, k_eff, k, s: max(0, (L - k) // s + 1)))
    assert only(report, NO_DILATION, CONV_HINTS), report
    report = report_of(check_conv_output_length, conv_length(same=lambda L, s: L // s))
    assert only(report, FLOOR_NOT_CEIL, CONV_HINTS), report
    assert "ceil(L / s) = ceil(1 / 2) = 1 steps, not floor(L / s) = 0" in report


def test_conv_length_hints_need_the_slip_on_every_case():
    """Off by one everywhere: none of the single-slip sentences. Two slips at once (stride and dilation left out)
    are told one after the other, each a true statement about the answer."""
    right = conv_length()
    report = report_of(check_conv_output_length, lambda *args: right(*args) + 1)
    assert not any(hint in report for hint in CONV_HINTS), report
    report = report_of(check_conv_output_length, conv_length(valid=lambda L, k_eff, k, s: max(0, L - k + 1)))
    assert only(report, NO_STRIDE, CONV_HINTS), report
    report = report_of(check_conv_output_length, conv_length(valid=lambda L, k_eff, k, s: max(0, (L - k) // s + 1)))
    assert only(report, NO_DILATION, CONV_HINTS), report


PAD_ROUNDED_DOWN = "Keras crops pad = k_eff // 2 steps from each end"


def transposed_length_with_pad(pad_of):
    def fn(input_length, kernel_size, strides, padding, output_padding, dilation_rate):
        span = (kernel_size - 1) * dilation_rate + 1
        if output_padding is None:
            return input_length * strides if padding == "same" else (input_length - 1) * strides + max(span, strides)
        pad = 0 if padding == "valid" else pad_of(span)
        return (input_length - 1) * strides + span - 2 * pad + output_padding
    return fn


def test_same_padding_rounded_down_is_told_keras_pad_and_the_empty_output():
    assert check_output_length(transposed_length_with_pad(lambda span: span // 2))
    assert check_output_length(solution("transpose_output_length"))
    report = report_of(check_output_length, transposed_length_with_pad(lambda span: (span - 1) // 2))
    # the first failing case, L=1, k=2, s=1, output_padding=0: (1 - 1) * 1 + 2 - 2 * 1 + 0 = 0, by hand
    assert "input_length=1, kernel_size=2, strides=1, padding='same', output_padding=0" in report
    assert PAD_ROUNDED_DOWN in report and "So Keras' output really is empty here" in report, report
    report = report_of(check_output_length, transposed_length_with_pad(lambda span: span // 2 + 1))
    assert PAD_ROUNDED_DOWN not in report


def differences(divide):
    def fn(f, x, eps):
        grad = np.zeros_like(x)
        for i in range(x.size):
            step = np.zeros_like(x)
            step[i] = eps
            grad[i] = divide(f(x + step) - f(x - step), eps)
        return grad
    return fn


TWICE = "your values are exactly twice the gradient"
PRECEDENCE = "Python reads `/ 2 * eps` from left to right"


def test_central_difference_slips_are_named():
    assert check_finite_differences(differences(lambda d, eps: d / (2 * eps)))
    report = report_of(check_finite_differences, differences(lambda d, eps: d / eps))
    assert TWICE in report and PRECEDENCE not in report, report
    report = report_of(check_finite_differences, differences(lambda d, eps: d / 2 * eps))
    assert PRECEDENCE in report and TWICE not in report, report
    report = report_of(check_finite_differences, differences(lambda d, eps: d / (3 * eps)))
    assert TWICE not in report and PRECEDENCE not in report


# ------------------------------------------------ Conv1DTranspose length: the dilation left out, the forward formula
def length_ignoring_dilation(input_length, kernel_size, strides, padding, output_padding, dilation_rate):
    """Keras' rule written with kernel_size where the dilated span k_eff belongs (a tester's answer)."""
    if output_padding is None:
        if padding == "same":
            return input_length * strides
        return (input_length - 1) * strides + max(kernel_size, strides)
    pad = 0 if padding == "valid" else kernel_size // 2
    return (input_length - 1) * strides + kernel_size - 2 * pad + output_padding


def forward_conv_length(input_length, kernel_size, strides, padding, output_padding, dilation_rate):
    """Conv1D's "valid" length, the formula of tutorial 2, where the transposed convolution's is asked."""
    span = (kernel_size - 1) * dilation_rate + 1
    return (input_length - span) // strides + 1


def forward_conv_length_clamped_with_same(input_length, kernel_size, strides, padding, output_padding,
                                          dilation_rate):
    """Conv1D's lengths in full: clamped at 0 for "valid", ceil(L / s) for "same"."""
    span = (kernel_size - 1) * dilation_rate + 1
    if padding == "same":
        return math.ceil(input_length / strides)
    return max(0, (input_length - span) // strides + 1)


NO_DILATION_T = "the dilation is missing: your lengths are those of dilation_rate=1"
FORWARD_LENGTH = "is the forward convolution's length (Conv1D, tutorial 2"
TRANSPOSE_HINTS = (NO_DILATION_T, FORWARD_LENGTH, PAD_ROUNDED_DOWN, "output_padding=None is not 0",
                   "your lengths follow PyTorch's ConvTranspose1d formula")


def keras_transpose_length(length, **layer):
    keras = pytest.importorskip("keras")
    return keras.layers.Conv1DTranspose(1, **layer)(np.zeros((1, length, 1), "float32")).shape[1]


def test_a_transposed_length_without_the_dilation_is_told_to_use_the_dilated_span():
    report = report_of(check_output_length, length_ignoring_dilation)
    assert "input_length=1, kernel_size=2, strides=1, padding='valid', output_padding=None, dilation_rate=2" in report
    assert "expected: 3\n  received: 2" in report
    assert keras_transpose_length(1, kernel_size=2, dilation_rate=2) == 3            # Keras' own layer agrees
    assert only(report, NO_DILATION_T, TRANSPOSE_HINTS), report
    assert "k_eff = (kernel_size - 1) * dilation_rate + 1 = (2 - 1) * 2 + 1 = 3 steps" in report     # by hand


def test_the_forward_conv_length_is_told_it_is_the_forward_one():
    for answer in (forward_conv_length, forward_conv_length_clamped_with_same):
        report = report_of(check_output_length, answer)
        assert "input_length=1, kernel_size=1, strides=2, padding='valid', output_padding=None" in report
        assert "expected: 2\n  received: 1" in report
        assert keras_transpose_length(1, kernel_size=1, strides=2) == 2
        assert only(report, FORWARD_LENGTH, TRANSPOSE_HINTS), report
        assert "(L - k_eff) // strides + 1 = (1 - 1) // 2 + 1 = 1" in report          # by hand


def test_the_dilation_and_forward_hints_need_the_slip_on_every_case():
    """The right answer passes; a first guess (that agrees with the forward formula on the first failing case), an
    answer off by one, and one ignoring the dilation only for output_padding=None get neither hint."""
    right = solution("transpose_output_length")
    assert check_output_length(right)

    def first_guess(input_length, kernel_size, strides, padding, output_padding, dilation_rate):
        return (input_length - 1) * strides + kernel_size

    def dilation_only_sometimes(input_length, kernel_size, strides, padding, output_padding, dilation_rate):
        if output_padding is None:
            return length_ignoring_dilation(input_length, kernel_size, strides, padding, output_padding,
                                            dilation_rate)
        return right(input_length, kernel_size, strides, padding, output_padding, dilation_rate)

    for answer in (first_guess, lambda *args: right(*args) + 1, dilation_only_sometimes):
        report = report_of(check_output_length, answer)
        assert "expected:" in report
        assert NO_DILATION_T not in report and FORWARD_LENGTH not in report, report
