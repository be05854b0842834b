"""Hints for a second round of students' slips (a student tester's report): each wrong answer is written out as the
student wrote it, and the report must name its slip; the right answers (the docs' solutions) pass, and the other
wrong answers do not get that hint."""
import numpy as np
import pytest
from test_exercise_hints import report_of
from test_exercises import solution

from tinygradconv.exercises import (
    check_conv1d,
    check_conv1d_input_gradient,
    check_conv1d_kernel_gradient,
    check_logsumexp,
    check_manual_gradient,
    check_overlap_counts,
    check_portable_relu,
    check_resize_overlap,
)

MEAN_DB = "your dL/db is the mean of the dL/dz_i"
HALF = "a factor of 2 missing?"
SCALAR_DB = "dL/db is a scalar (shape ()): b is one number added to every z_i"
GATHER_DX = "your result is the convolution of g with w, dx[j] = g[j * strides: j * strides + k] @ w: a gather"
SHORT_DX = "past every window the stride reaches"
NO_STRIDE = "the stride is missing"
BOOL_COUNTS = "your result is a bool array (True/False): it can say whether a step is reached, not by how many"
GLOBAL_MAX = "your maximum is the whole array's, xp.max(x), not each row's"


# ---------------------------------------------------------------------------------- tutorial 01: dL/db, a sum over z
def manual_gradient(x, w, b, db=lambda dz: dz.sum()):
    y = np.tanh(x * w + b)
    dz = 2 * y * (1 - y ** 2)
    return dz * w, dz * x, db(dz)


def test_dl_db_as_a_mean_is_told_b_sums_the_gradients_of_every_z():
    assert check_manual_gradient(manual_gradient)
    report = report_of(check_manual_gradient, lambda x, w, b: manual_gradient(x, w, b, lambda dz: dz.mean()))
    # the first case with 2 elements: the mean is half the sum there, by chance (by hand: 1.00964 / 2 = 0.50482)
    assert "x=[-0.20918, -0.15923] (shape (2,))" in report and "expected: 1.00964\n  received: 0.50482" in report
    assert MEAN_DB in report and "divided by len(x) = 2 here" in report and "a sum, not a mean" in report
    assert HALF not in report and "(in dL/db)" in report


def test_torch_agrees_that_dl_db_is_the_sum_over_z():
    """The hint's claim, against PyTorch: b's gradient is the sum of the dL/dz_i, not their mean."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    x, w = rng.standard_normal(4), rng.standard_normal(4)
    b = torch.tensor(0.3, dtype=torch.float64, requires_grad=True)
    z = torch.tensor(x) * torch.tensor(w) + b
    z.retain_grad()
    (torch.tanh(z) ** 2).sum().backward()
    assert np.isclose(b.grad.item(), z.grad.sum().item())
    assert np.isclose(manual_gradient(x, w, 0.3)[2], b.grad.item())
    assert not np.isclose(manual_gradient(x, w, 0.3, lambda dz: dz.mean())[2], b.grad.item())


@pytest.mark.parametrize("db, words", [
    (lambda dz: dz.sum() / 2, HALF),                                 # a real factor of 2: half on every case
    (lambda dz: -dz.sum(), "a sign?"),
    (lambda dz: 2 * dz.sum(), "a factor of 2 too many?"),
])
def test_other_slips_in_dl_db_are_not_told_it_is_a_mean(db, words):
    report = report_of(check_manual_gradient, lambda x, w, b: manual_gradient(x, w, b, db))
    assert words in report and MEAN_DB not in report and "(in dL/db)" in report, report


def test_dl_db_half_on_two_elements_only_is_not_told_a_factor_of_2():
    """Half the sum on 2 elements, the sum of the first two terms elsewhere: neither a factor 2 nor a mean."""
    report = report_of(check_manual_gradient, lambda x, w, b: manual_gradient(x, w, b, lambda dz: dz[:2].mean()
                                                                              if len(dz) == 2 else dz[:2].sum()))
    assert "expected:" in report and HALF not in report and MEAN_DB not in report, report


def test_dl_db_not_summed_is_told_it_is_a_scalar_sum():
    report = report_of(check_manual_gradient, lambda x, w, b: manual_gradient(x, w, b, lambda dz: dz))
    # the first case has 1 element: the array [dz_0] holds the right number, in the wrong shape
    assert "x=[0.12573] (shape (1,))" in report and "the shapes differ: expected (), received (1,)" in report
    assert SCALAR_DB in report and "dz.sum()" not in report and "the first term alone is right only" in report
    assert "not added up" not in report                                     # one element: nothing to add up


def test_dl_db_terms_of_several_elements_are_told_they_were_not_added_up():
    def unsummed_after_the_first_case(x, w, b):
        return manual_gradient(x, w, b, lambda dz: dz if len(dz) > 1 else dz.sum())

    report = report_of(check_manual_gradient, unsummed_after_the_first_case)
    assert "the shapes differ: expected (), received (2,)" in report
    assert SCALAR_DB in report and "an array of 2 values, the dL/dz_i, one per element of x, not added up" in report


def test_dl_db_as_the_first_term_only_is_told_to_sum_them_all():
    report = report_of(check_manual_gradient, lambda x, w, b: manual_gradient(x, w, b, lambda dz: dz[0]))
    # x of 2 values: dL/dz_0 = 2 tanh(z_0) (1 - tanh(z_0) ** 2), z_0 = x_0 w_0 + b (by hand, 0.44839)
    z0 = -0.20918 * 0.54085 + 0.3553727090399214
    assert np.isclose(2 * np.tanh(z0) * (1 - np.tanh(z0) ** 2), 0.44839, atol=1e-4)
    assert "received: 0.44839" in report and "your dL/db is dL/dz_0, the first term only" in report
    assert "sums all 2 of them" in report and MEAN_DB not in report and HALF not in report
    report = report_of(check_manual_gradient, lambda x, w, b: manual_gradient(x, w, b, lambda dz: dz.mean()))
    assert "first term only" not in report


def test_a_dl_db_of_another_shape_is_not_told_it_is_a_scalar_sum():
    report = report_of(check_manual_gradient, lambda x, w, b: manual_gradient(x, w, b, lambda dz: np.zeros(3)))
    assert "the shapes differ" in report and SCALAR_DB not in report, report


# ---------------------------------------------------------------------- tutorial 08: dL/dx gathered, not scattered
def input_gradient_by_gathering(g, w, strides, input_length):
    """The forward convolution's loop over g: each step collecting a window of g."""
    k = len(w)
    return np.array([g[i * strides: i * strides + k] @ w for i in range((len(g) - k) // strides + 1)])


def test_a_gathered_input_gradient_is_told_dl_dx_scatters():
    assert check_conv1d_input_gradient(solution("conv1d_input_gradient"))
    report = report_of(check_conv1d_input_gradient, input_gradient_by_gathering)
    # g of 1 value, k = 1, strides = 3, L = 2: the gather gives g[0] w only (by hand), where dL/dx has 2 values
    assert "strides=3, input_length=2" in report and "the shapes differ: expected (2,), received (1,)" in report
    assert GATHER_DX in report and "it scatters" in report and "loop over g, not over the input steps" in report
    assert SHORT_DX not in report                   # the length hint, which this gather also fits here, is not given


def test_torch_agrees_that_the_input_gradient_is_the_transposed_convolution_of_g():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    g, w = rng.standard_normal(3), rng.standard_normal(2)
    for strides in (1, 2, 3):
        length = (len(g) - 1) * strides + len(w)
        x = torch.zeros(1, 1, length, dtype=torch.float64, requires_grad=True)
        torch.nn.functional.conv1d(x, torch.tensor(w).reshape(1, 1, -1), stride=strides).backward(
            torch.tensor(g).reshape(1, 1, -1))
        assert np.allclose(solution("conv1d_input_gradient")(g, w, strides, length), x.grad.ravel().numpy())
        assert input_gradient_by_gathering(g, w, strides, length).shape != (length,)


@pytest.mark.parametrize("answer", [
    lambda g, w, strides, input_length: 2 * input_gradient_by_gathering(g, w, strides, input_length),
    lambda g, w, strides, input_length: solution("conv1d_input_gradient")(g, w, strides, input_length)[:1],
    lambda g, w, strides, input_length: np.zeros(input_length + 1),
])
def test_other_wrong_input_gradients_are_not_told_they_gather(answer):
    report = report_of(check_conv1d_input_gradient, answer)
    assert "expected:" in report and GATHER_DX not in report, report


# ---------------------------------------------------------------- the stride left out, in a scatter and in gathers
def counts_without_stride(input_length, kernel_size, strides):
    c = np.zeros((input_length - 1) * strides + max(kernel_size, strides), dtype=int)
    for j in range(input_length):
        c[j:j + kernel_size] += 1
    return c


def conv1d_without_stride(x, w, strides):
    k = len(w)
    return np.array([x[i:i + k] @ w for i in range((len(x) - k) // strides + 1)])


def conv1d_of_every_window(x, w, strides):
    """The stride left out of the count of windows too: L - k + 1 of them."""
    k = len(w)
    return np.array([x[i:i + k] @ w for i in range(len(x) - k + 1)])


def kernel_gradient_without_stride(x, g, kernel_size, strides):
    return np.array([sum(g[n] * x[n + t] for n in range(len(g))) for t in range(kernel_size)])


def test_overlap_counts_without_the_stride_are_told_the_stride_is_missing():
    assert check_overlap_counts(solution("overlap_counts"))
    report = report_of(check_overlap_counts, counts_without_stride)
    # L = 2, k = 1, strides = 2, by hand: the copies start at steps 0 and 2, not 0 and 1
    assert "input_length=2, kernel_size=1, strides=2" in report and "expected: [1, 0, 1, 0]" in report
    assert "received: [1, 1, 0, 0]" in report
    assert f"{NO_STRIDE}: your copies of the kernel start 1 step apart" in report and "with strides=2" in report
    assert BOOL_COUNTS not in report and "written with `= 1`" not in report


@pytest.mark.parametrize("answer", [
    lambda n, k, s: solution("overlap_counts")(n, k, s) + 1,
    lambda n, k, s: np.ones((n - 1) * s + max(k, s), dtype=int),
])
def test_other_wrong_counts_are_not_told_the_stride_is_missing(answer):
    report = report_of(check_overlap_counts, answer)
    assert "expected:" in report and NO_STRIDE not in report, report


@pytest.mark.parametrize("answer, case", [
    # x of 3, k = 1, strides = 2: y = [x[0] w, x[2] w] (by hand), not [x[0] w, x[1] w]
    (conv1d_without_stride, ("w=[0.2202] (shape (1,)), strides=2", "expected: [-0.16371, -0.10079]",
                             "received: [-0.16371, -0.20296] (shape (2,))")),
    # x of 2, k = 1, strides = 2: one window, (2 - 1) // 2 + 1 = 1, not 2
    (conv1d_of_every_window, ("w=[0.1049] (shape (1,)), strides=2", "expected: [-0.01386] (shape (1,))",
                              "the shapes differ: expected (1,), received (2,)")),
])
def test_a_convolution_without_the_stride_is_told_the_stride_is_missing(answer, case):
    assert check_conv1d(solution("conv1d"))
    report = report_of(check_conv1d, answer)
    assert all(words in report for words in case), report
    assert f"{NO_STRIDE}: your windows start 1 step apart" in report
    assert "starting 2 steps after the one before" in report
    assert "did you flip" not in report


def test_torch_agrees_on_the_strided_windows():
    torch = pytest.importorskip("torch")
    x, w = np.array([-0.7435, -0.92173, -0.45773]), np.array([0.2202])
    expected = torch.nn.functional.conv1d(torch.tensor(x).reshape(1, 1, -1), torch.tensor(w).reshape(1, 1, -1),
                                          stride=2).ravel().numpy()
    assert np.allclose(solution("conv1d")(x, w, 2), expected)
    assert not np.allclose(conv1d_without_stride(x, w, 2), expected)


@pytest.mark.parametrize("answer", [
    lambda x, w, strides: 2 * conv1d_without_stride(x, w, strides),
    lambda x, w, strides: solution("conv1d")(x, w[::-1], strides),
])
def test_other_wrong_convolutions_are_not_told_the_stride_is_missing(answer):
    report = report_of(check_conv1d, answer)
    assert "expected:" in report and NO_STRIDE not in report, report


def test_a_kernel_gradient_without_the_stride_is_told_the_stride_is_missing():
    assert check_conv1d_kernel_gradient(solution("conv1d_kernel_gradient"))
    report = report_of(check_conv1d_kernel_gradient, kernel_gradient_without_stride)
    # x of 3, g of 2, k = 1, strides = 2: dL/dw = g[0] x[0] + g[1] x[2] (by hand), not g[0] x[0] + g[1] x[1]
    assert "kernel_size=1, strides=2" in report and "expected: [-0.80816]" in report
    assert "received: [0.69901]" in report
    assert f"{NO_STRIDE}: your dL/dw pairs g[n] with x[n + t]" in report
    assert "which input step did w[t] multiply" in report
    assert "did you flip" not in report


def test_torch_agrees_on_the_strided_kernel_gradient():
    torch = pytest.importorskip("torch")
    x, g = np.array([0.21466, 0.35537, -0.65383]), np.array([0.78398, 1.49343])
    w = torch.zeros(1, 1, 1, dtype=torch.float64, requires_grad=True)
    y = torch.nn.functional.conv1d(torch.tensor(x).reshape(1, 1, -1), w, stride=2)
    y.backward(torch.tensor(g).reshape(1, 1, -1))
    assert np.allclose(solution("conv1d_kernel_gradient")(x, g, 1, 2), w.grad.ravel().numpy())
    assert np.allclose(w.grad.ravel().numpy(), [-0.80816], atol=1e-5)


@pytest.mark.parametrize("answer", [
    lambda x, g, k, s: solution("conv1d_kernel_gradient")(x, g, k, s)[::-1],
    lambda x, g, k, s: 2 * kernel_gradient_without_stride(x, g, k, s),
])
def test_other_wrong_kernel_gradients_are_not_told_the_stride_is_missing(answer):
    report = report_of(check_conv1d_kernel_gradient, answer)
    assert "expected:" in report and NO_STRIDE not in report, report


# -------------------------------------------------------------------------- resize overlap: a bool array of reached
def resize_marked(input_length, size, kernel_size):
    n, left = input_length * size, (kernel_size - 1) // 2
    return np.array([any(0 <= i + t - left < n for t in range(kernel_size)) for i in range(n)])


def test_resize_counts_in_a_bool_array_are_told_to_count():
    assert check_resize_overlap(solution("resize_overlap"))
    report = report_of(check_resize_overlap, resize_marked)
    # L = 1, size 2, k = 2, left 0: step 0 is reached by taps 0 and 1, step 1 by tap 0 only (by hand)
    assert "input_length=1, size=2, kernel_size=2" in report and "expected: [2, 1]" in report
    assert "received: [ True,  True]" in report and "expected 2, received 1" in report
    assert BOOL_COUNTS in report and "dtype=int" in report and "(NumPy reads True as 1)" in report


@pytest.mark.parametrize("answer", [
    lambda n, size, k: solution("resize_overlap")(n, size, k) + 1,
    lambda n, size, k: solution("resize_overlap")(n, size, k) > 1,        # a bool array, but not the steps reached
    lambda n, size, k: resize_marked(n, size, k).astype(int),             # marked with 1: not a bool array
])
def test_other_wrong_resize_counts_are_not_told_they_are_a_bool_array(answer):
    report = report_of(check_resize_overlap, answer)
    assert "expected:" in report and BOOL_COUNTS not in report, report


# ---------------------------------------------------------------------------------- logsumexp: the global maximum
def logsumexp_global_max(x):
    xp = x.__array_namespace__()
    m = xp.max(x)
    return xp.log(xp.sum(xp.exp(x - m), axis=-1)) + m


def test_logsumexp_with_the_global_maximum_is_told_to_take_each_rows():
    assert check_logsumexp(solution("logsumexp"))
    with np.errstate(divide="ignore"):
        report = report_of(check_logsumexp, logsumexp_global_max)
    # row 0, [-330.85, -218.22], lies 1087.9 below the array's maximum 869.68: exp underflows, log(0) = -inf
    assert "received: [     -inf, 869.68394, 164.48481]" in report and "expected: [-218.21762," in report
    assert GLOBAL_MAX in report and "each needs its own shift" in report and "keepdims=True" not in report
    assert "exp overflowed" not in report
    assert np.isclose(float(np.logaddexp(-330.85129, -218.21762)), -218.21762, atol=1e-5)       # the right value


def test_the_naive_logsumexp_is_not_told_about_the_global_maximum():
    def naive(x):
        xp = x.__array_namespace__()
        return xp.log(xp.sum(xp.exp(x), axis=-1))

    with np.errstate(over="ignore", divide="ignore"):
        report = report_of(check_logsumexp, naive)
    assert "exp overflowed" in report and GLOBAL_MAX not in report, report


# ----------------------------------------------------------------------------- portable ReLU: the sign of zero
def test_portable_relu_reports_show_zeros_as_the_accepted_answer_returns_them():
    def where(x):
        xp = x.__array_namespace__()
        return xp.where(x > 0, x, xp.zeros_like(x))

    assert check_portable_relu(where)
    assert np.signbit(np.where(np.array([-0.0]) > 0, -0.0, 0.0)).tolist() == [False]     # xp.where returns +0.0
    report = report_of(check_portable_relu, lambda x: 2 * where(x))
    assert "inputs:   x=[-1.,  0.,  2., -0.] (shape (4,))" in report
    assert "expected: [0., 0., 2., 0.] (shape (4,))" in report and "-0." not in report.split("expected:")[1]


def test_portable_relu_accepts_either_sign_of_zero():
    """The sign of zero is not checked: np.maximum keeps -0.0 for x = -0.0 in NumPy, and passes too."""
    assert check_portable_relu(lambda x: x.__array_namespace__().maximum(x, x.__array_namespace__().zeros_like(x)))
