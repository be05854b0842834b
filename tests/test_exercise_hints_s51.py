"""Hints a new student missed (session 51): a Conv1DTranspose "same" length with an integer output_padding written
as ``L * strides + output_padding``, or cropping ``kernel_size // 2`` where the dilated ``k_eff // 2`` belongs; and a
transposed convolution that forgets the stride in its loop and in its output's length (``L + k - 1``), which was told
the length only. Each wrong answer is written as the student wrote it and must get its hint; right answers (the docs'
solutions, and Keras' rule written out here from its documentation) pass; an unrelated slip gets none of them."""
import numpy as np
from test_exercise_hints import report_of
from test_exercises import solution

from tinygradconv.exercises import check_conv1d_transpose, check_output_length

SAME_AS_L_TIMES_S = 'the length is not L * strides + output_padding'
CROP_UNDILATED = "the dilation is missing from the crop"
STRIDE_MISSING = "the stride is missing, from your length and from your loop"
LENGTH_HINTS = (SAME_AS_L_TIMES_S, CROP_UNDILATED)


def keras_length(input_length, kernel_size, strides, padding, output_padding, dilation_rate):
    """Keras 3's Conv1DTranspose length (keras.src.ops.operation_utils.compute_conv_transpose_output_shape, as its
    docs give it): None chooses L * s ("same") or (L - 1) * s + max(k_eff, s) ("valid"); an integer output_padding
    gives (L - 1) * s + k_eff - 2 * pad + output_padding, pad = k_eff // 2 for "same", 0 for "valid"."""
    span = (kernel_size - 1) * dilation_rate + 1
    if output_padding is None:
        return input_length * strides if padding == "same" else (input_length - 1) * strides + max(span, strides)
    pad = span // 2 if padding == "same" else 0
    return (input_length - 1) * strides + span - 2 * pad + output_padding


def with_same_op(same_op):
    """keras_length, but ``same_op(L, k, s, op, d)`` for "same" with an integer output_padding."""
    def fn(input_length, kernel_size, strides, padding, output_padding, dilation_rate):
        if padding == "same" and output_padding is not None:
            return same_op(input_length, kernel_size, strides, output_padding, dilation_rate)
        return keras_length(input_length, kernel_size, strides, padding, output_padding, dilation_rate)
    return fn


def test_right_lengths_pass():
    assert check_output_length(keras_length) and check_output_length(solution("transpose_output_length"))


def test_same_length_written_as_l_times_strides_plus_output_padding():
    report = report_of(check_output_length, with_same_op(lambda L, k, s, op, d: L * s + op))
    # the first case where it differs: L=1, k=1, s=2, op=0: by hand (1 - 1) * 2 + 1 - 0 + 0 = 1, not 1 * 2 + 0 = 2
    assert "input_length=1, kernel_size=1, strides=2, padding='same', output_padding=0" in report
    assert SAME_AS_L_TIMES_S in report and "(1 - 1) * 2 + 1 - 2 * 0 + 0 = 1" in report
    assert CROP_UNDILATED not in report


def test_same_crop_of_kernel_size_halves_with_dilation():
    report = report_of(check_output_length,
                       with_same_op(lambda L, k, s, op, d: (L - 1) * s + (k - 1) * d + 1 - 2 * (k // 2) + op))
    # L=1, k=3, d=2: k_eff = 5, pad = 2 (not 3 // 2 = 1): 0 + 5 - 4 + 0 = 1, where the answer gives 3
    assert "kernel_size=3, strides=1, padding='same', output_padding=0, dilation_rate=2" in report
    assert CROP_UNDILATED in report and "so pad = 2; your lengths crop kernel_size // 2 = 1" in report
    assert SAME_AS_L_TIMES_S not in report


def test_an_unrelated_length_slip_gets_neither_hint():
    report = report_of(check_output_length, with_same_op(lambda L, k, s, op, d: (L - 1) * s + op + 7))
    assert "expected:" in report and not any(hint in report for hint in LENGTH_HINTS), report


def transpose_without_stride_anywhere(x, w, strides):
    """The stride forgotten in the loop and in the output's length."""
    y = np.zeros(len(x) + len(w) - 1)
    for j in range(len(x)):
        y[j:j + len(w)] += x[j] * w
    return y


def test_a_scatter_without_the_stride_in_its_loop_and_length_is_told_both():
    assert check_conv1d_transpose(solution("conv1d_transpose"))
    for answer in (transpose_without_stride_anywhere, lambda x, w, strides: np.convolve(x, w)):
        report = report_of(check_conv1d_transpose, answer)
        # x of 2 values, k = 1, strides = 2: full length (2 - 1) * 2 + 1 = 3; the answer's 2 + 1 - 1 = 2
        assert "the full transposed convolution has (L - 1) * strides + k = (2 - 1) * 2 + 1 = 3 values" in report
        assert STRIDE_MISSING in report and "with strides=2 they start 2 steps apart" in report, report


def test_other_short_scatters_are_not_told_the_stride_is_missing():
    """The right scatter cut to L + k - 1 values: that length, but the stride is in its loop."""
    def cut(x, w, strides):
        return solution("conv1d_transpose")(x, w, strides)[:len(x) + len(w) - 1]

    report = report_of(check_conv1d_transpose, cut)
    assert "expected:" in report and STRIDE_MISSING not in report, report
