"""A teacher's findings in the exercises' checkers (session 46): hints missing for the commonest slips of the
Conv1DTranspose length, a correct gather told to write a scatter, an input gradient from backward() passed, counts
in a float array passed where a length of 1.0 was refused, and ``tg.exercises`` not loaded on first use. Each hint is
tried with the wrong answer that triggers it and with a right answer that passes; expected lengths are worked by
hand in the comments."""
import subprocess
import sys

import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv.exercises import (
    check_conv1d_input_gradient,
    check_conv1d_kernel_gradient,
    check_conv1d_transpose,
    check_conv_output_length,
    check_output_length,
    check_overlap_counts,
    check_resize_overlap,
)


def report_of(checker, answer):
    with pytest.raises(AssertionError) as info:
        checker(answer)
    return str(info.value)


# ------------------------------------------------------------------------------------------- tg.exercises, lazily
def test_tg_exercises_loads_on_first_use_as_tg_viz_does():
    code = ("import sys, tinygradconv as tg\n"
            "assert 'tinygradconv.exercises' not in sys.modules\n"
            "print(tg.exercises.check_conv1d.__name__, 'tinygradconv.exercises' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["check_conv1d", "True"]



# ------------------------------------------------------------ backward() refused, as by check_manual_gradient
def input_gradient_by_backward(g, w, strides, input_length):
    x = tg.tensor(np.zeros((1, input_length, 1)), dtype="float64", requires_grad=True)
    y = tg.ops.conv1d(x, tg.tensor(w.reshape(-1, 1, 1), dtype="float64"), strides=strides)
    y.backward(tg.tensor(g.reshape(1, -1, 1), dtype="float64"))
    return x.grad.numpy().ravel()


def kernel_gradient_by_backward(x, g, kernel_size, strides):
    w = tg.tensor(np.zeros((kernel_size, 1, 1)), dtype="float64", requires_grad=True)
    y = tg.ops.conv1d(tg.tensor(x.reshape(1, -1, 1), dtype="float64"), w, strides=strides)
    y.backward(tg.tensor(g.reshape(1, -1, 1), dtype="float64"))
    return w.grad.numpy().ravel()


def input_gradient_by_hand(g, w, strides, input_length):
    dx = np.zeros(input_length)
    for n in range(len(g)):                             # output step n read x[n * strides + t], t = 0 .. k - 1
        for t in range(len(w)):
            dx[n * strides + t] += g[n] * w[t]
    return dx


def kernel_gradient_by_hand(x, g, kernel_size, strides):
    dw = np.zeros(kernel_size)
    for n in range(len(g)):
        for t in range(kernel_size):
            dw[t] += g[n] * x[n * strides + t]
    return dw


@pytest.mark.parametrize("checker, answer, right", [
    (check_conv1d_input_gradient, input_gradient_by_backward, input_gradient_by_hand),
    (check_conv1d_kernel_gradient, kernel_gradient_by_backward, kernel_gradient_by_hand)])
def test_the_conv1d_gradient_checkers_refuse_an_answer_that_calls_backward(checker, answer, right):
    # the values of such an answer are the right ones (they are backward()'s): it passed before
    report = report_of(checker, answer)
    assert report.startswith(f"{checker.__name__}: your function calls tinygradconv's backward()")
    assert "compared with itself" in report
    assert checker(right) is True


# ---------------------------------------------------------------------------- the Conv1DTranspose length's slips
def keras_length(input_length, kernel_size, strides, padding, output_padding, dilation_rate):
    """Keras 3's Conv1DTranspose length (keras.src.ops.operation_utils), written from its rule."""
    span = (kernel_size - 1) * dilation_rate + 1
    if output_padding is None:
        return input_length * strides if padding == "same" else (input_length - 1) * strides + max(span, strides)
    pad = 0 if padding == "valid" else span // 2
    return (input_length - 1) * strides + span - 2 * pad + output_padding


def without_max(input_length, kernel_size, strides, padding, output_padding, dilation_rate):
    if output_padding is None and padding == "valid":
        return (input_length - 1) * strides + (kernel_size - 1) * dilation_rate + 1        # max(k_eff, s) left out
    return keras_length(input_length, kernel_size, strides, padding, output_padding, dilation_rate)


def test_keras_length_is_the_layer_length():
    keras = pytest.importorskip("keras")
    for length, k, s, padding, op, d in [(1, 1, 2, "valid", None, 1), (3, 2, 3, "valid", None, 1),
                                         (4, 3, 1, "same", 0, 2), (2, 4, 3, "same", 2, 1), (5, 2, 2, "same", None, 1)]:
        layer = keras.layers.Conv1DTranspose(1, k, strides=s, padding=padding, output_padding=op, dilation_rate=d)
        assert layer.compute_output_shape((1, length, 1))[1] == keras_length(length, k, s, padding, op, d)


def test_a_valid_length_without_max_of_k_eff_and_strides_is_told_where_it_differs():
    report = report_of(check_output_length, without_max)
    # the first case where they differ: L = 1, k = 1, s = 2, "valid", None: Keras (1 - 1) * 2 + max(1, 2) = 2, this 1
    assert "input_length=1, kernel_size=1, strides=2, padding='valid'" in report
    assert "expected: 2\n  received: 1" in report
    assert "your lengths are (L - 1) * strides + k_eff, here (1 - 1) * 2 + 1 = 1" in report
    assert "strides = 2 > k_eff = 1" in report and "strides - k_eff = 1 more step(s)" in report
    assert "max(" not in report                          # the hint gives the reason, not the answer's line
    assert check_output_length(keras_length) is True


def test_a_length_without_max_only_on_some_cases_is_not_told_that_slip():
    def partly(input_length, kernel_size, strides, padding, output_padding, dilation_rate):
        if input_length == 1:                            # the slip on one input step only: not the answer's rule
            return without_max(input_length, kernel_size, strides, padding, output_padding, dilation_rate)
        return keras_length(input_length, kernel_size, strides, padding, output_padding, dilation_rate) + 1
    report = report_of(check_output_length, partly)
    assert "expected: 2\n  received: 1" in report and "k_eff >= strides" not in report and "off-by-one" not in report


@pytest.mark.parametrize("shift, word", [(1, "more"), (-1, "fewer")])
def test_an_off_by_one_in_every_branch_is_told_so(shift, word):
    def answer(*case):
        return keras_length(*case) + shift
    report = report_of(check_output_length, answer)
    # the first case: L = 1, k = 1, s = 1, "valid", None: Keras 1
    assert f"expected: 1\n  received: {1 + shift}" in report
    assert f"your length is 1 step {word} than Keras' on every one of the 960 cases checked" in report
    # 960 cases: L 1..6, k 1..5, "valid"/"same"; (s, d) = (1, 1), (1, 2), (2, 1), (3, 1), (4, 1) with output_padding
    # None or 0 .. s - 1: 6 * 5 * 2 * (2 + 2 + 3 + 4 + 5) = 960
    assert "off-by-one" in report


def test_an_off_by_one_in_one_branch_only_is_not_told_every_branch():
    def answer(*case):
        return keras_length(*case) + (case[3] == "same")
    report = report_of(check_output_length, answer)
    assert "padding='same'" in report and "off-by-one" not in report


# ------------------------------------------------------------------- a right gather without its upper bound
def transpose_gather(bounded):
    """The transposed convolution as a gather, output step n collecting x[j] * w[t] for n = j * strides + t (the
    tester's answer: right, but for the bound j < len(x) unless ``bounded``)."""
    def fn(x, w, strides):
        y = np.zeros((len(x) - 1) * strides + len(w))
        for n in range(len(y)):
            for t in range(len(w)):
                j = (n - t) // strides
                if (n - t) % strides == 0 and j >= 0 and (j < len(x) or not bounded):
                    y[n] += x[j] * w[t]
        return y
    return fn


def input_gradient_gather(bounded):
    """dL/dx as a gather: input step j collecting g[n] * w[t] for j = n * strides + t."""
    def fn(g, w, strides, input_length):
        dx = np.zeros(input_length)
        for j in range(input_length):
            for t in range(len(w)):
                n = (j - t) // strides
                if (j - t) % strides == 0 and n >= 0 and (n < len(g) or not bounded):
                    dx[j] += g[n] * w[t]
        return dx
    return fn


def test_a_gather_without_its_upper_bound_is_told_the_index_range_not_to_scatter():
    report = report_of(check_conv1d_transpose, transpose_gather(bounded=False))
    # the first case: x of 1 value, k = 2, strides 1: output step n = 1 with tap t = 0 gives j = 1, past x's end
    assert "raised IndexError" in report and "(line " in report and "y[n] += x[j] * w[t]" in report
    assert "x has 1 value (x[0] only), so j must be in [0, len(x))" in report
    assert "n = j * strides + t can give j >= len(x)" in report
    assert "scatter" not in report and "range(len(x))" not in report          # no other solution handed over
    assert check_conv1d_transpose(transpose_gather(bounded=True)) is True


def test_an_input_gradient_gather_without_its_upper_bound_is_told_the_index_range():
    report = report_of(check_conv1d_input_gradient, input_gradient_gather(bounded=False))
    # the first case: g of 1 value, k = 2, strides 3, input_length 4: input step j = 3 with t = 0 gives n = 1
    assert "dx[j] += g[n] * w[t]" in report
    assert "g has 1 value (g[0] only), so n must be in [0, len(g))" in report
    assert "j = n * strides + t can give n >= len(g)" in report
    assert "scatter" not in report
    assert check_conv1d_input_gradient(input_gradient_gather(bounded=True)) is True


def test_a_gather_of_conv1d_s_windows_is_still_told_that_the_transposed_convolution_scatters():
    def fn(x, w, strides):                              # conv1d's gather, over the transposed output's length
        y = np.zeros((len(x) - 1) * strides + len(w))
        for n in range(len(y)):
            for t in range(len(w)):
                y[n] += x[n * strides + t] * w[t]
        return y
    report = report_of(check_conv1d_transpose, fn)
    assert "must be in [0, len(x))" not in report and "it scatters" in report


def test_a_loop_over_the_output_reading_x_once_per_step_is_told_the_docs_index_names():
    def fn(x, w, strides):
        y = np.zeros((len(x) - 1) * strides + len(w))
        for n in range(len(y)):
            y[n: n + len(w)] += x[n] * w
        return y
    report = report_of(check_conv1d_transpose, fn)
    # the docs name the inputs j and the output steps n: x[j] adds x[j] * w[t] to y[j * strides + t]
    assert "loop over the inputs, j in range(len(x))" in report and "n in range(len(x))" not in report


# ---------------------------------------------------------------------- one rule: counts and lengths are integers
def counts(dtype=int, as_list=False, stride=True):
    """The overlap counts from a loop (docs' solution) in an array of ``dtype``, or as a list of Python numbers."""
    def fn(input_length, kernel_size, strides):
        c = np.zeros((input_length - 1) * strides + max(kernel_size, strides), dtype=dtype)
        for j in range(input_length):
            start = j * strides if stride else j
            c[start: start + kernel_size] += 1
        return c.tolist() if as_list else c
    return fn


def resize_counts(dtype):
    def fn(input_length, size, kernel_size):
        n, left = input_length * size, (kernel_size - 1) // 2
        return np.array([sum(1 for t in range(kernel_size) if 0 <= i + t - left < n) for i in range(n)], dtype=dtype)
    return fn


def conv_length(input_length, kernel_size, strides, padding, dilation_rate):
    span = (kernel_size - 1) * dilation_rate + 1                     # Keras' Conv1D length, from its rule
    if padding == "valid":
        return max(0, (input_length - span) // strides + 1)
    return -(-input_length // strides)


@pytest.mark.parametrize("checker, right, as_float", [
    (check_overlap_counts, counts(), counts(float)),
    (check_overlap_counts, counts(as_list=True), counts(float, as_list=True)),
    (check_resize_overlap, resize_counts(int), resize_counts(float))])
def test_counts_of_the_right_values_in_floats_are_refused_as_lengths_are(checker, right, as_float):
    report = report_of(checker, as_float)
    # refused on the first case (every case agrees by its values): input_length=1, the others 1
    assert "every case agrees by its values, but your result is an array of float64: counts are integers" in report
    assert "np.zeros(n, dtype=int)" in report
    assert checker(right) is True                        # an integer array, or a list of Python ints


def test_wrong_counts_in_floats_are_told_the_slip_then_the_type():
    report = report_of(check_overlap_counts, counts(float, stride=False))
    # the first case with strides > 1 and two inputs: L = 2, k = 1, s = 2: right [1, 0, 1, 0], this [1, 1, 0, 0]
    assert "the stride is missing" in report
    assert "and your result is an array of float64: counts are integers" in report


@pytest.mark.parametrize("checker, right", [(check_output_length, keras_length),
                                            (check_conv_output_length, conv_length)])
def test_a_length_of_the_right_whole_float_is_refused_once_every_case_agrees(checker, right):
    report = report_of(checker, lambda *case: float(right(*case)))
    assert "every case agrees by its value, but the value received is not an integer" in report
    assert checker(right) is True


def test_a_wrong_length_in_a_whole_float_is_told_its_slip_then_the_type():
    report = report_of(check_output_length, lambda *case: float(without_max(*case)))
    assert "expected: 2\n  received: 1.0" in report
    assert "your lengths are (L - 1) * strides + k_eff, here (1 - 1) * 2 + 1 = 1" in report
    assert "the value received is not an integer" in report
    report = report_of(check_output_length, lambda *case: 2.5)                    # not a whole number: at once
    assert "expected: 1\n  received: 2.5" in report and "a length is a whole number of steps" in report
