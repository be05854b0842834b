"""A reviewer's findings in the exercises' checkers (session 45): a transposed convolution into
``len(x) * strides + len(w) - 1`` zeros was told it had Keras' ``padding="valid"`` length, a formula it never used.
Expected lengths are worked by hand in the comments."""
import numpy as np
import pytest

from tinygradconv.exercises import check_conv1d_transpose


def report_of(checker, answer):
    with pytest.raises(AssertionError) as info:
        checker(answer)
    return str(info.value)


def transpose_into(length):
    """A transposed convolution by hand into an output of ``length(x, w, strides)`` zeros."""
    def fn(x, w, strides):
        y = np.zeros(length(x, w, strides))
        for j, value in enumerate(x):
            y[j * strides: j * strides + len(w)] += value * w
        return y
    return fn


# ------------------------------------------------------------------------------------------------ lengths
def test_an_output_of_len_x_times_strides_plus_k_minus_1_is_not_told_keras_length():
    report = report_of(check_conv1d_transpose, transpose_into(lambda x, w, s: len(x) * s + len(w) - 1))
    # the first case with strides > 1: L = 2, k = 1, s = 2: full (2 - 1) * 2 + 1 = 3; this slip 2 * 2 + 1 - 1 = 4,
    # which is also Keras' (2 - 1) * 2 + max(1, 2) = 4 there (they differ at L = 1, k = 3, s = 2: Keras 3, this 4)
    assert "strides=2" in report and "expected (3,), received (4,)" in report
    assert "Keras" not in report and "max(k, strides)" not in report
    assert "your length is len(x) * strides + k - 1 = 2 * 2 + 1 - 1 = 4" in report
    assert "starts at (L - 1) * strides = 2, not at L * strides" in report
    assert "strides - 1 = 1 step(s) more" in report


def test_keras_length_is_named_only_for_an_answer_that_gives_it_where_the_slips_differ():
    # the slip where k > strides (at L = 1, k = 3, s = 2 it gives 4, Keras and the full length 3), Keras elsewhere:
    # it follows neither formula on every case, and neither is named
    def mixed(x, w, s):
        keras, slip = (len(x) - 1) * s + max(len(w), s), len(x) * s + len(w) - 1
        return slip if len(w) > s else keras

    report = report_of(check_conv1d_transpose, transpose_into(mixed))
    assert "expected (3,), received (4,)" in report
    assert "Keras" not in report and "len(x) * strides + k - 1" not in report
    assert "your result has len(x) * strides = 2 * 2 = 4 values" in report        # a fact of this case only
    keras = report_of(check_conv1d_transpose,
                      transpose_into(lambda x, w, s: (len(x) - 1) * s + max(len(w), s)))
    assert "(L - 1) * strides + max(k, strides) = 4, is Keras' padding=\"valid\" output" in keras
