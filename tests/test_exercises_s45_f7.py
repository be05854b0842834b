"""A reviewer's findings in the exercises' checkers (session 45): a transposed convolution into
``len(x) * strides + len(w) - 1`` zeros was told it had Keras' ``padding="valid"`` length, a formula it never used;
an answer whose values are the right ones rounded to float32, held in a float64 array, passed six checkers and was
told of a wrong formula by Adam's. Expected lengths are worked by hand in the comments; the rounded answers are the
docs' own solutions (run against the framework by test_exercises.py) with their result cast to float32 and back."""
import numpy as np
import pytest
from test_exercises import solution

from tinygradconv import exercises
from tinygradconv.exercises import check_adam_step, check_conv1d, check_conv1d_transpose


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


# ------------------------------------------------------------------------------------------------ float32 values
def rounded_to(dtype, fn):
    """``fn`` whose results (an array, or a tuple of them) are cast to ``dtype`` and back to float64."""
    def cast(result):
        if isinstance(result, tuple):
            return tuple(cast(value) for value in result)
        return np.asarray(result).astype(dtype).astype(np.float64)
    return lambda *args: cast(fn(*args))


SOLUTIONS = [("gradients", "check_manual_gradient"), ("central_differences", "check_finite_differences"),
             ("conv1d", "check_conv1d"), ("conv1d_transpose", "check_conv1d_transpose"),
             ("sgd_step", "check_sgd_momentum"), ("adam_step", "check_adam_step"),
             ("conv1d_input_gradient", "check_conv1d_input_gradient"),
             ("conv1d_kernel_gradient", "check_conv1d_kernel_gradient"), ("torch_sgd_step", "check_torch_sgd_step")]


@pytest.mark.parametrize(("name", "checker"), SOLUTIONS)
def test_every_checker_tells_values_rounded_to_float32_in_a_float64_array(name, checker):
    report = report_of(getattr(exercises, checker), rounded_to(np.float32, solution(name)))
    assert "compute in float64, as the inputs are" in report
    assert "each is exactly a float32 number, though the array is float64" in report
    assert "Keras' first moment" not in report and "torch.optim.SGD: g =" not in report   # no formula named
    assert "look for a rounded constant" not in report and "Keras' SGD" not in report
    if checker in ("check_sgd_momentum", "check_adam_step", "check_torch_sgd_step"):
        # each step is fed the answer's own rounded values of the step before: its values are float32 numbers
        # further than one rounding from the right ones (Adam's m, 5e-6 where m's terms nearly cancel)
        assert "your values are float32 numbers" in report and "the formula is not judged" in report
    else:                                                   # one rounding of the right value, every case
        assert "every case agrees to the tolerance, but your values are the right ones rounded to float32" in report


def test_adam_is_told_its_rounded_moment_is_float32_not_a_wrong_formula():
    report = report_of(check_adam_step, rounded_to(np.float32, solution("adam_step")))
    assert "(the new m, at step 5)" in report                   # the first m beyond float64's tolerance
    assert "without bias correction" not in report


def test_values_rounded_to_float16_are_told_float16():
    report = report_of(check_conv1d, rounded_to(np.float16, solution("conv1d")))
    assert "your values are the right ones rounded to float16" in report


def test_exact_values_that_happen_to_be_float32_numbers_are_not_told_anything():
    from tinygradconv.exercises.reports import _rounded_to

    # x = w = [1, 1, 1], k = 2: every window sums to 2 exactly, a float32 number computed in float64 without rounding
    got = solution("conv1d")(np.ones(3), np.ones(2), 1)
    assert got.dtype == np.float64 and _rounded_to(got, got, np.array([2.0, 2.0])) is None
    rounded = np.float64(np.float32(0.1))                   # 0.1 rounded to float32: 0.10000000149011612
    assert _rounded_to(np.array([rounded]), np.array([rounded]), np.array([0.1])) == np.float32
