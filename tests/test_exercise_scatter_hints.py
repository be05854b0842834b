"""Hints for the slips a teacher wrote as students do in the scatter exercises (conv1d_transpose by hand, the overlap
counts, the input gradient of conv1d): each wrong answer is written out as a student would write it, and the report
must name its slip; the right answers (the docs' solutions) pass, and the other wrong answers do not get that hint."""
import numpy as np
import pytest
from test_exercise_hints import input_gradient, report_of, transpose
from test_exercises import solution

from tinygradconv.exercises import check_conv1d_input_gradient, check_conv1d_transpose, check_overlap_counts

GATHER = "your result is the convolution of x with w, y[n] = x[n * strides: n * strides + k] @ w: a gather"
NO_STRIDE = "the stride is missing: your copies of the kernel start 1 step apart, as if strides were 1"
BOOL_COUNTS = "your result is a bool array (True/False): it can say whether a step is reached, not by how many"
ASSIGNED_COUNTS = "your counts are 1 wherever an input reaches: each copy of the kernel was written with `= 1`"
SHORT_DX = "past every window the stride reaches"


# ------------------------------------------------------------------------ conv1d_transpose: a gather, not a scatter
def transpose_by_gathering(x, w, strides):
    """The forward convolution's loop, each output step collecting a window of x."""
    k = len(w)
    steps = (len(x) - k) // strides + 1
    return np.array([np.dot(x[n * strides: n * strides + k], w) for n in range(steps)])


def test_a_gather_is_told_the_transposed_convolution_scatters():
    assert check_conv1d_transpose(solution("conv1d_transpose"))
    report = report_of(check_conv1d_transpose, transpose_by_gathering)
    # the first failing case, x of 2 values, k = 1, strides = 2: one window, by hand (2 - 1) // 2 + 1 = 1
    assert "w=[0.1049] (shape (1,)), strides=2" in report
    assert "the shapes differ: expected (3,), received (1,)" in report
    assert GATHER in report and "(L - k) // strides + 1 = (2 - 1) // 2 + 1: 1 window fits here" in report
    assert "each input x[j] spreads across k outputs" in report
    assert NO_STRIDE not in report


def test_torch_agrees_that_a_gather_is_a_convolution_and_the_exercise_its_transpose():
    """The two sides of the hint, against PyTorch: the gather is conv1d, the exercise's answer conv_transpose1d."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal(7), rng.standard_normal(3)
    as_torch = [torch.tensor(x).reshape(1, 1, -1), torch.tensor(w).reshape(1, 1, -1)]
    for strides in (1, 2, 3):
        assert np.allclose(transpose_by_gathering(x, w, strides),
                           torch.nn.functional.conv1d(*as_torch, stride=strides).ravel().numpy())
        assert np.allclose(solution("conv1d_transpose")(x, w, strides),
                           torch.nn.functional.conv_transpose1d(*as_torch, stride=strides).ravel().numpy())


@pytest.mark.parametrize("answer", [
    lambda x, w, strides: transpose()(x, w, strides)[:1],          # a cut scatter, first value right
    lambda x, w, strides: np.zeros((len(x) - 1) * strides + max(len(w), strides) + 1),
    lambda x, w, strides: 2 * transpose_by_gathering(x, w, strides),
])
def test_other_wrong_transposes_are_not_told_they_gather(answer):
    """The first, cut to one value, equals the gather on the first failing case (a kernel of 1): the hint asks for
    the gather on larger cases too."""
    report = report_of(check_conv1d_transpose, answer)
    assert "expected:" in report and GATHER not in report, report


# ------------------------------------------------------------------------------ overlap counts: marked, not counted
def counts_marked_with_true(input_length, kernel_size, strides):
    c = np.zeros((input_length - 1) * strides + max(kernel_size, strides), dtype=bool)
    for j in range(input_length):
        c[j * strides: j * strides + kernel_size] = True
    return c


def counts_marked_with_one(input_length, kernel_size, strides):
    c = np.zeros((input_length - 1) * strides + max(kernel_size, strides), dtype=int)
    for j in range(input_length):
        c[j * strides: j * strides + kernel_size] = 1
    return c


def test_counts_in_a_bool_array_are_told_to_count_with_an_integer_array():
    assert check_overlap_counts(solution("overlap_counts"))
    report = report_of(check_overlap_counts, counts_marked_with_true)
    # L = 2, k = 2, s = 1, by hand: the copies cover steps 0-1 and 1-2, so step 1 is reached twice
    assert "input_length=2, kernel_size=2, strides=1" in report and "expected: [1, 2, 1] (shape (3,))" in report
    assert "received: [ True,  True,  True]" in report and "expected 2, received 1" in report
    assert BOOL_COUNTS in report and "add 1 over each input's copy of the kernel" in report and "dtype=int" in report
    assert ASSIGNED_COUNTS not in report


def test_counts_written_with_assignment_are_told_to_add():
    report = report_of(check_overlap_counts, counts_marked_with_one)
    assert "received: [1, 1, 1] (shape (3,))" in report
    assert ASSIGNED_COUNTS in report and BOOL_COUNTS not in report


@pytest.mark.parametrize("answer", [
    lambda n, k, s: solution("overlap_counts")(n, k, s) + 1,
    lambda n, k, s: solution("overlap_counts")(n, k, s) > 1,        # a bool array, but not the steps reached
    lambda n, k, s: np.ones((n - 1) * s + k, dtype=bool),           # a bool array of the wrong length
])
def test_other_wrong_counts_are_not_told_they_were_marked(answer):
    report = report_of(check_overlap_counts, answer)
    assert "expected:" in report and BOOL_COUNTS not in report and ASSIGNED_COUNTS not in report, report


# ------------------------------------------------------------- the input gradient: the stride, and the input's length
def input_gradient_without_stride(g, w, strides, input_length):
    dx = np.zeros(input_length)
    for n in range(len(g)):
        dx[n:n + len(w)] += g[n] * w
    return dx


def transpose_without_stride(x, w, strides):
    y = np.zeros((len(x) - 1) * strides + len(w))
    for j in range(len(x)):
        y[j:j + len(w)] += x[j] * w
    return y


@pytest.mark.parametrize("checker, answer, right", [
    (check_conv1d_input_gradient, input_gradient_without_stride, "conv1d_input_gradient"),
    (check_conv1d_transpose, transpose_without_stride, "conv1d_transpose"),
])
def test_a_scatter_without_the_stride_is_told_the_stride_is_missing(checker, answer, right):
    assert checker(solution(right))
    report = report_of(checker, answer)
    assert "strides=2" in report and NO_STRIDE in report and "with strides=2 they start 2 steps apart" in report
    assert "the kernel reversed" not in report and "must be added" not in report and GATHER not in report


def test_the_input_gradient_without_stride_says_where_each_g_goes_back():
    report = report_of(check_conv1d_input_gradient, input_gradient_without_stride)
    # g of 2 values, k = 1, strides = 2, L = 3, by hand: g[0] w goes to dx[0], g[1] w to dx[2] (not dx[1])
    assert "g=[0.78398, 1.49343] (shape (2,)), w=[-0.12961] (shape (1,)), strides=2, input_length=3" in report
    assert "first difference at index (1,): expected 0.0" in report
    assert "output step n read x[n * strides: n * strides + k] in the forward pass" in report


@pytest.mark.parametrize("checker, answer", [(check_conv1d_transpose, transpose),
                                             (check_conv1d_input_gradient, input_gradient)])
def test_flipped_or_overwritten_scatters_are_not_told_the_stride_is_missing(checker, answer):
    for wrong in (answer(flip=True), answer(add=False)):
        report = report_of(checker, wrong)
        assert "expected:" in report and NO_STRIDE not in report, report


def input_gradient_of_the_reached_length(g, w, strides, input_length):
    """The scatter over (len(g) - 1) * strides + k steps: the length of the transposed convolution of g."""
    dx = np.zeros((len(g) - 1) * strides + len(w))
    for n in range(len(g)):
        dx[n * strides:n * strides + len(w)] += g[n] * w
    return dx


def test_an_input_gradient_of_the_reached_length_is_told_the_last_steps_get_zero():
    report = report_of(check_conv1d_input_gradient, input_gradient_of_the_reached_length)
    # L = 2, k = 1, strides = 3: one window, at step 0; step 1 is never read, its gradient is 0 (by hand)
    assert "strides=3, input_length=2" in report and "the shapes differ: expected (2,), received (1,)" in report
    assert "(len(g) - 1) * strides + k = (1 - 1) * 3 + 1 = 1 value," in report
    assert f"the last 1 input step lies {SHORT_DX}" in report and "dx = np.zeros(input_length)" in report


@pytest.mark.parametrize("answer", [
    lambda g, w, strides, input_length: np.zeros(input_length + 1),
    lambda g, w, strides, input_length: np.zeros(input_length - 1),
    lambda g, w, strides, input_length: 2 * solution("conv1d_input_gradient")(g, w, strides, input_length),
])
def test_other_wrong_input_gradients_are_not_told_about_the_last_steps(answer):
    report = report_of(check_conv1d_input_gradient, answer)
    assert "expected:" in report and SHORT_DX not in report, report
