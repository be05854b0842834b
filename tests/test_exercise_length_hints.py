"""Hints for the slips a student tester made in the length and finite-difference exercises: each wrong answer is
written out as a student wrote it, and the report must name its slip; the right answers (the docs' solutions) pass
and an unrelated mistake gets none of these hints."""
import math

import numpy as np
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
