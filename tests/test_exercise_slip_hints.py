"""Hints for a second round of students' slips (a student tester's report): each wrong answer is written out as the
student wrote it, and the report must name its slip; the right answers (the docs' solutions) pass, and the other
wrong answers do not get that hint."""
import numpy as np
import pytest
from test_exercise_hints import report_of
from test_exercises import solution

from tinygradconv.exercises import check_conv1d_input_gradient, check_manual_gradient

MEAN_DB = "your dL/db is the mean of the dL/dz_i"
HALF = "a factor of 2 missing?"
SCALAR_DB = "dL/db is a scalar (shape ()): b is one number added to every z_i"
GATHER_DX = "your result is the convolution of g with w, dx[i] = g[i * strides: i * strides + k] @ w: a gather"
SHORT_DX = "past every window the stride reaches"


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
    assert MEAN_DB in report and "divided by len(x) = 2 here" in report and "dz.sum(), not dz.mean()" in report
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
    assert SCALAR_DB in report and "dz.sum()" in report and "dz[0] is only the first term" in report
    assert "not added up" not in report                                     # one element: nothing to add up


def test_dl_db_terms_of_several_elements_are_told_they_were_not_added_up():
    def unsummed_after_the_first_case(x, w, b):
        return manual_gradient(x, w, b, lambda dz: dz if len(dz) > 1 else dz.sum())

    report = report_of(check_manual_gradient, unsummed_after_the_first_case)
    assert "the shapes differ: expected (), received (2,)" in report
    assert SCALAR_DB in report and "an array of 2 values, the dL/dz_i, one per element of x, not added up" in report


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
    assert GATHER_DX in report and "it scatters" in report and "dx = np.zeros(input_length)" in report
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
